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
        responses=expand("data/processed/{wave}/responses.csv", wave=WAVES),
        quarantine=expand("data/processed/{wave}/quarantine.csv", wave=WAVES),
        flags=expand("data/processed/{wave}/flags.csv", wave=WAVES),
        cleaning_log=expand("data/processed/{wave}/cleaning_log.csv", wave=WAVES),
        quality_annex=expand("data/processed/{wave}/quality_annex.csv", wave=WAVES),
        indicators="data/processed/indicators.csv",
        models="data/processed/models.csv",
        factsheets=rules.factsheets.output.factsheets,
        book="book/_build/html/index.html",
        release=rules.release.output.files,
