rule estimate_wave:
    """One wave's indicators, comparisons within it, weighting diagnostics, non-response, breakdowns and answers."""
    input:
        responses=f"{PROCESSED}/{{wave}}/responses.csv",
        margins=wave_weighting_target_files,
        metadata=metadata_files,
    output:
        indicators=f"{PROCESSED}/{{wave}}/estimates/indicators.parquet",
        gender_gaps=f"{PROCESSED}/{{wave}}/estimates/gender_gaps.parquet",
        regions_vs_rest=f"{PROCESSED}/{{wave}}/estimates/regions_vs_rest.parquet",
        weighting_diagnostics=f"{PROCESSED}/{{wave}}/estimates/weighting_diagnostics.parquet",
        index_reliability=f"{PROCESSED}/{{wave}}/estimates/index_reliability.parquet",
        nonresponse=f"{PROCESSED}/{{wave}}/estimates/nonresponse.parquet",
        breakdowns=f"{PROCESSED}/{{wave}}/estimates/breakdowns.parquet",
        answers=f"{PROCESSED}/{{wave}}/estimates/answers.parquet",
        indicators_csv=f"{PROCESSED}/{{wave}}/estimates/indicators.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/estimate_{wave}.log",
    script:
        "../scripts/estimate_wave.py"


rule estimate:
    """Every wave's estimates combined: changes between waves, multiple-comparison families, the published tables."""
    input:
        wave_tables=wave_estimate_files,
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
