rule estimate:
    """Design-based indicators, comparisons and weighting diagnostics for every wave."""
    input:
        responses=expand(f"{PROCESSED}/{{wave}}/responses.csv", wave=WAVES),
        margins=weighting_target_files,
        metadata=metadata_files,
    output:
        indicators=f"{PROCESSED}/indicators.csv",
        comparisons=f"{PROCESSED}/comparisons.csv",
        weighting_diagnostics=f"{PROCESSED}/weighting_diagnostics.csv",
        index_reliability=f"{PROCESSED}/index_reliability.csv",
        nonresponse=f"{PROCESSED}/nonresponse.csv",
        breakdowns=f"{PROCESSED}/breakdowns.csv",
        answers=f"{PROCESSED}/answers.csv",
        availability=f"{PROCESSED}/availability.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/estimate.log",
    script:
        "../scripts/estimate.py"


rule model:
    """Survey-weighted logistic regressions of trust (odds ratios)."""
    input:
        responses=expand(f"{PROCESSED}/{{wave}}/responses.csv", wave=WAVES),
        margins=weighting_target_files,
        metadata=metadata_files,
    output:
        models=f"{PROCESSED}/models.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/model.log",
    script:
        "../scripts/model.py"
