rule release:
    """De-identified microdata (CSV, SPSS, Stata), suppressed tables, dictionary, datapackage, README, checksums."""
    input:
        responses=expand(f"{PROCESSED}/{{wave}}/responses.csv", wave=WAVES),
        tables=expand(f"{PROCESSED}/{{table}}.csv", table=release_table_names(PROJECT)),
        raw=release_raw_files(PROJECT),
        settings=release_settings,
    output:
        files=expand(f"{RELEASE}/{{name}}", name=release_files(PROJECT)),
    params:
        out_dir=release_dir,
    conda:
        "../../environment.yml"
    log:
        "logs/release.log",
    script:
        "../scripts/release.py"
