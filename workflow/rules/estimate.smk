rule estimate:
    """Design-based indicators for every wave and domain."""
    input:
        responses=expand("data/processed/{wave}/responses.csv", wave=WAVES),
        metadata=metadata_files,
    output:
        indicators="data/processed/indicators.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/estimate.log",
    script:
        "../scripts/estimate.py"
