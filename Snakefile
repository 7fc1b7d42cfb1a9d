# perception: partner survey exports -> weighted indicators -> bilingual book.
# Rules live in workflow/rules/; settings in config/config.yaml.

include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/estimate.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/release.smk"


rule all:
    input:
        responses=expand(f"{PROCESSED}/{{wave}}/responses.csv", wave=WAVES),
        quarantine=expand(f"{PROCESSED}/{{wave}}/quarantine.csv", wave=WAVES),
        flags=expand(f"{PROCESSED}/{{wave}}/flags.csv", wave=WAVES),
        cleaning_log=expand(f"{PROCESSED}/{{wave}}/cleaning_log.csv", wave=WAVES),
        quality_annex=expand(f"{PROCESSED}/{{wave}}/quality_annex.csv", wave=WAVES),
        indicators=rules.estimate.output.indicators,
        models=rules.model.output.models,
        factsheets=rules.factsheets.output.factsheets,
        book=rules.book.output.html,
        release=rules.release.output.files,
