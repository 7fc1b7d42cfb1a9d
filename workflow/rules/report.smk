rule figures:
    """Dot-and-whisker charts by region and gender for one language and wave."""
    input:
        indicators=rules.estimate_wave.output.indicators_csv,
        metadata=metadata_files,
        strings=string_files,
    output:
        figures=expand(f"{FIGURES}/{{{{lang}}}}/{{{{wave}}}}/{{indicator}}.png", indicator=INDICATOR_IDS),
    params:
        out_dir=figures_dir,
    conda:
        "../../environment.yml"
    log:
        "logs/figures_{lang}_{wave}.log",
    script:
        "../scripts/figures.py"


rule charts:
    """Dot charts of the summary, gender, trends and regional pages, and one trend chart per indicator, for one language."""
    input:
        indicators=rules.estimate.output.indicators,
        metadata=metadata_files,
        strings=string_files,
    output:
        charts=expand(f"{FIGURES}/{{{{lang}}}}/charts/{{name}}.png", name=CHART_NAMES),
    params:
        out_dir=figures_dir,
    conda:
        "../../environment.yml"
    log:
        "logs/charts_{lang}.log",
    script:
        "../scripts/charts.py"


rule maps:
    """One map per indicator (latest wave) for one language: tile grid, or choropleth from report.boundaries."""
    input:
        indicators=rules.estimate.output.indicators,
        boundaries=boundary_file,
        metadata=metadata_files,
        strings=string_files,
    output:
        maps=expand(f"{FIGURES}/{{{{lang}}}}/maps/{{indicator}}.png", indicator=INDICATOR_IDS),
    params:
        out_dir=figures_dir,
    conda:
        "../../environment.yml"
    log:
        "logs/maps_{lang}.log",
    script:
        "../scripts/maps.py"


rule factsheets:
    """Printable two-page PDF per language and region, for dialogue forums."""
    input:
        indicators=rules.estimate.output.indicators,
        comparisons=rules.estimate.output.comparisons,
        sample=expand(f"{PROCESSED}/{{wave}}/sample_summary.csv", wave=WAVES),
        metadata=metadata_files,
        strings=string_files,
    output:
        factsheets=expand(f"{FACTSHEETS}/{{lang}}/{{region}}.pdf", lang=LANGUAGES, region=REGIONS),
    params:
        processed_dir=processed_dir,
        out_dir=factsheets_dir,
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
        nonresponse=rules.estimate.output.nonresponse,
        answers=rules.estimate.output.answers,
        breakdowns=rules.estimate.output.breakdowns,
        availability=rules.estimate.output.availability,
        coverage="benchmarks/coverage.csv",  # written by benchmarks/coverage_bench.py, printed by the methodology
        disclosure=f"{RELEASE}/disclosure_report.csv",
        quality=expand(f"{PROCESSED}/{{wave}}/quality_summary.csv", wave=WAVES),
        quality_annex=expand(f"{PROCESSED}/{{wave}}/quality_annex.csv", wave=WAVES),
        sample=expand(f"{PROCESSED}/{{wave}}/sample_summary.csv", wave=WAVES),
        # question wording and answer labels as the files had them (data dictionary, trends)
        ingested=ingested_meta_files,
        # the downloads page offers the release bundle, never the internal responses
        release=expand(f"{RELEASE}/{{name}}", name=release_files(PROJECT)),
        figures=expand(
            f"{FIGURES}/{{lang}}/{{wave}}/{{indicator}}.png", lang=LANGUAGES, wave=WAVES, indicator=INDICATOR_IDS
        ),
        maps=expand(f"{FIGURES}/{{lang}}/maps/{{indicator}}.png", lang=LANGUAGES, indicator=INDICATOR_IDS),
        charts=expand(f"{FIGURES}/{{lang}}/charts/{{name}}.png", lang=LANGUAGES, name=CHART_NAMES),
        factsheets=rules.factsheets.output.factsheets,
        templates="book/templates",
        static="book/static",
        book_files=book_files,
        strings=string_files,
        metadata=metadata_files,
    output:
        # every file the rule writes: the site (built aside, then swapped in whole) and its sources
        html=directory(BOOK_HTML),
        sources=directory(BOOK_SOURCES),
    params:
        processed_dir=processed_dir,
        figures_dir=figures_dir,
        sources_dir=book_sources_dir,
        html_dir=book_html_dir,
    conda:
        "../../environment.yml"
    log:
        "logs/book.log",
    script:
        "../scripts/book.py"
