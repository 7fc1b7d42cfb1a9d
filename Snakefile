# perception: partner survey exports -> weighted indicators -> bilingual book.
# Rules live in workflow/rules/; settings in config/config.yaml.

include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/estimate.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        responses=expand("data/processed/{wave}/responses.csv", wave=WAVES),
        quarantine=expand("data/processed/{wave}/quarantine.csv", wave=WAVES),
        indicators="data/processed/indicators.csv",
        models="data/processed/models.csv",
        book="book/_build/html/index.html",
