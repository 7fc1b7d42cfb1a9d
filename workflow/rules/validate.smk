rule validate:
    """Check every harmonised row; failing rows go to the quarantine with reasons; flags and cleaning log per wave."""
    input:
        harmonised=harmonised_files,
        flags=flag_files,
        cleaning_logs=cleaning_log_files,
        metadata=metadata_files,
    output:
        valid=f"{PROCESSED}/{{wave}}/interim/valid.parquet",
        quarantine=f"{PROCESSED}/{{wave}}/quarantine.csv",
        quality=f"{PROCESSED}/{{wave}}/quality_summary.csv",
        flags=f"{PROCESSED}/{{wave}}/flags.csv",
        cleaning_log=f"{PROCESSED}/{{wave}}/cleaning_log.csv",
        annex=f"{PROCESSED}/{{wave}}/quality_annex.csv",
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
        responses=f"{PROCESSED}/{{wave}}/responses.csv",
        sample=f"{PROCESSED}/{{wave}}/sample_summary.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/{wave}/publish_responses.log",
    script:
        "../scripts/publish_responses.py"
