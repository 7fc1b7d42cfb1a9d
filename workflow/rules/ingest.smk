rule ingest:
    """Read one partner export; keep only mapped columns, labels and missing codes."""
    input:
        raw=raw_file,
        mapping=mapping_file,
        # the XLSForm the mapping references (form:), if any: a new form re-reads the file
        form=lambda wildcards: [str(f)] if (f := PROJECT.source(wildcards.wave, wildcards.source).form) else [],
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
    """Map raw columns and codes onto the codebook, apply corrections, run the source's checks."""
    input:
        data=rules.ingest.output.data,
        meta=rules.ingest.output.meta,
        mapping=mapping_file,
        # config/corrections/<wave>.csv when it exists: editing it re-applies the corrections
        corrections=lambda wildcards: [
            p for p in [f"config/corrections/{wildcards.wave}.csv"] if Path(p).is_file()
        ],
        metadata=metadata_files,
    output:
        data="data/processed/{wave}/interim/{source}.harmonised.parquet",
        flags="data/processed/{wave}/interim/{source}.flags.csv",
        cleaning_log="data/processed/{wave}/interim/{source}.cleaning_log.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/{wave}/harmonise_{source}.log",
    script:
        "../scripts/harmonise.py"
