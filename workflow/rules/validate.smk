rule validate:
    """Check every harmonised row; failing rows go to the quarantine with reasons."""
    input:
        harmonised=harmonised_files,
        metadata=metadata_files,
    output:
        valid="data/processed/{wave}/interim/valid.parquet",
        quarantine="data/processed/{wave}/quarantine.csv",
        quality="data/processed/{wave}/quality_summary.csv",
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
