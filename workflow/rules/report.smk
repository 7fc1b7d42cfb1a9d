rule figures:
    """Dot-and-whisker charts by region and gender for one language and wave."""
    input:
        indicators=rules.estimate.output.indicators,
        metadata=metadata_files,
    output:
        figures=expand(
            "data/processed/figures/{{lang}}/{{wave}}/{indicator}.png",
            indicator=INDICATOR_IDS,
        ),
    params:
        out_dir=figures_dir,
    conda:
        "../../environment.yml"
    log:
        "logs/figures_{lang}_{wave}.log",
    script:
        "../scripts/figures.py"


rule book:
    """Render the French and English editions of the report."""
    input:
        indicators=rules.estimate.output.indicators,
        quality=expand("data/processed/{wave}/quality_summary.csv", wave=WAVES),
        sample=expand("data/processed/{wave}/sample_summary.csv", wave=WAVES),
        figures=expand(
            "data/processed/figures/{lang}/{wave}/{indicator}.png",
            lang=LANGUAGES,
            wave=WAVES,
            indicator=INDICATOR_IDS,
        ),
        templates="book/templates",
        metadata=metadata_files,
    output:
        index="book/_build/html/index.html",
    params:
        processed_dir=processed_dir,
        figures_dir=figures_input_dir,
        sources_dir=book_sources_dir,
        html_dir=html_dir,
    conda:
        "../../environment.yml"
    log:
        "logs/book.log",
    script:
        "../scripts/book.py"
