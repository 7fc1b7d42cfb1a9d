rule ingest:
    """Read one partner export; keep only mapped columns, labels and missing codes."""
    input:
        raw=raw_file,
        mapping=mapping_file,
        metadata=metadata_files,
    output:
        data=INTERIM + "/{source}.ingested.parquet",
        meta=INTERIM + "/{source}.ingested.json",
    log:
        "logs/{wave}/ingest_{source}.log",
    script:
        "../scripts/ingest.py"


rule harmonise:
    """Map raw columns and codes onto the harmonised codebook."""
    input:
        data=rules.ingest.output.data,
        meta=rules.ingest.output.meta,
        mapping=mapping_file,
        metadata=metadata_files,
    output:
        INTERIM + "/{source}.harmonised.parquet",
    log:
        "logs/{wave}/harmonise_{source}.log",
    script:
        "../scripts/harmonise.py"
