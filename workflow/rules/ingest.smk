rule ingest:
    """Read one partner export; keep only mapped columns, labels and missing codes."""
    input:
        raw=raw_file,
        mapping=mapping_file,
        form=form_file,
        metadata=metadata_files,
    output:
        data=f"{PROCESSED}/{{wave}}/interim/{{source}}.ingested.parquet",
        meta=f"{PROCESSED}/{{wave}}/interim/{{source}}.ingested.json",
    conda:
        "../../environment.yml"
    log:
        "logs/{wave}/ingest_{source}.log",
    script:
        "../scripts/ingest.py"


rule harmonise:
    """Map raw columns and codes onto the codebook, apply corrections, run the source's checks."""
    input:
        data=rules.ingest.output.data,
        meta=rules.ingest.output.meta,
        mapping=mapping_file,
        corrections=corrections_file,
        metadata=metadata_files,
    output:
        data=f"{PROCESSED}/{{wave}}/interim/{{source}}.harmonised.parquet",
        flags=f"{PROCESSED}/{{wave}}/interim/{{source}}.flags.csv",
        cleaning_log=f"{PROCESSED}/{{wave}}/interim/{{source}}.cleaning_log.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/{wave}/harmonise_{source}.log",
    script:
        "../scripts/harmonise.py"
