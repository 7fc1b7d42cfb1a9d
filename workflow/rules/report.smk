rule figures:
    """Dot-and-whisker charts by region and gender for one language and wave."""
    input:
        indicators=rules.estimate.output.indicators,
        metadata=metadata_files,
        strings="book/templates/strings.yaml",
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


rule maps:
    """One map per indicator (latest wave) for one language: tile grid, or choropleth from report.boundaries."""
    input:
        indicators=rules.estimate.output.indicators,
        boundaries=boundary_file,
        metadata=metadata_files,
        strings="book/templates/strings.yaml",
    output:
        maps=expand("data/processed/figures/{{lang}}/maps/{indicator}.png", indicator=INDICATOR_IDS),
    params:
        out_dir=lambda wildcards, output: str(Path(output.maps[0]).parents[2]),
    conda:
        "../../environment.yml"
    log:
        "logs/maps_{lang}.log",
    script:
        "../scripts/maps.py"


rule factsheets:
    """Printable two-page French PDF per region, for dialogue forums."""
    input:
        indicators=rules.estimate.output.indicators,
        comparisons=rules.estimate.output.comparisons,
        sample=expand("data/processed/{wave}/sample_summary.csv", wave=WAVES),
        metadata=metadata_files,
        strings="book/templates/strings.yaml",
    output:
        factsheets=expand("data/processed/factsheets/{region}.pdf", region=PROJECT.geography.codes),
    params:
        processed_dir=processed_dir,
    conda:
        "../../environment.yml"
    log:
        "logs/factsheets.log",
    script:
        "../scripts/factsheets.py"


rule book:
    """Render the French and English editions of the report."""
    input:
        indicators=rules.estimate.output.indicators,
        comparisons=rules.estimate.output.comparisons,
        weighting=rules.estimate.output.weighting_diagnostics,
        index_reliability=rules.estimate.output.index_reliability,
        disclosure="data/processed/release/disclosure_report.csv",
        quality=expand("data/processed/{wave}/quality_summary.csv", wave=WAVES),
        quality_annex=expand("data/processed/{wave}/quality_annex.csv", wave=WAVES),
        sample=expand("data/processed/{wave}/sample_summary.csv", wave=WAVES),
        responses=expand("data/processed/{wave}/responses.csv", wave=WAVES),
        figures=expand(
            "data/processed/figures/{lang}/{wave}/{indicator}.png",
            lang=LANGUAGES,
            wave=WAVES,
            indicator=INDICATOR_IDS,
        ),
        maps=expand("data/processed/figures/{lang}/maps/{indicator}.png", lang=LANGUAGES, indicator=INDICATOR_IDS),
        factsheets=rules.factsheets.output.factsheets,
        templates="book/templates",
        book_files=book_files,
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
