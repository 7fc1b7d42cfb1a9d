rule estimate:
    """Design-based indicators, comparisons and weighting diagnostics for every wave."""
    input:
        responses=expand("data/processed/{wave}/responses.csv", wave=WAVES),
        margins=weighting_target_files,
        metadata=metadata_files,
    output:
        indicators="data/processed/indicators.csv",
        comparisons="data/processed/comparisons.csv",
        weighting_diagnostics="data/processed/weighting_diagnostics.csv",
        index_reliability="data/processed/index_reliability.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/estimate.log",
    script:
        "../scripts/estimate.py"


rule model:
    """Survey-weighted logistic regressions of trust (odds ratios)."""
    input:
        responses=expand("data/processed/{wave}/responses.csv", wave=WAVES),
        margins=weighting_target_files,
        metadata=metadata_files,
    output:
        models="data/processed/models.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/model.log",
    script:
        "../scripts/model.py"
