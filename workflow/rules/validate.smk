rule validate:
    """Check every harmonised row; failing rows go to the quarantine with reasons; flags and cleaning log per wave."""
    input:
        harmonised=harmonised_files,
        flags=lambda wildcards: [f.replace(".harmonised.parquet", ".flags.csv") for f in harmonised_files(wildcards)],
        cleaning_logs=lambda wildcards: [
            f.replace(".harmonised.parquet", ".cleaning_log.csv") for f in harmonised_files(wildcards)
        ],
        metadata=metadata_files,
    output:
        valid="data/processed/{wave}/interim/valid.parquet",
        quarantine="data/processed/{wave}/quarantine.csv",
        quality="data/processed/{wave}/quality_summary.csv",
        flags="data/processed/{wave}/flags.csv",
        cleaning_log="data/processed/{wave}/cleaning_log.csv",
        annex="data/processed/{wave}/quality_annex.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/{wave}/validate.log",
    script:
        "../scripts/validate.py"


rule publish_responses:
    """Attach final weights and write the de-identified, allowlisted responses."""
    input:
        valid=rules.validate.output.valid,
        margins=weighting_target_files,
        metadata=metadata_files,
    output:
        responses="data/processed/{wave}/responses.csv",
        sample="data/processed/{wave}/sample_summary.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/{wave}/publish_responses.log",
    script:
        "../scripts/publish_responses.py"
