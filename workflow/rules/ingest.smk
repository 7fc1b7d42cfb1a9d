rule ingest:
    """Read one partner export; keep only mapped columns, labels and missing codes."""
    input:
        raw=raw_file,
        mapping=mapping_file,
        metadata=metadata_files,
    output:
        data="data/processed/{wave}/interim/{source}.ingested.parquet",
        meta="data/processed/{wave}/interim/{source}.ingested.json",
    conda:
        "../../environment.yml"
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
        "data/processed/{wave}/interim/{source}.harmonised.parquet",
    conda:
        "../../environment.yml"
    log:
        "logs/{wave}/harmonise_{source}.log",
    script:
        "../scripts/harmonise.py"
