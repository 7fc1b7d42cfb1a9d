"""The partner release bundle: de-identified microdata, tables and documentation.

Which files it reads and writes comes from perception.release, so that the
rule and the stage agree on names.
"""

from perception.release import release_config_files, release_files, release_raw_files, release_table_names


rule release:
    """De-identified microdata (CSV, SPSS, Stata), suppressed tables, dictionary, datapackage, README, checksums."""
    input:
        responses=expand("data/processed/{wave}/responses.csv", wave=WAVES),
        tables=expand("data/processed/{table}.csv", table=release_table_names(PROJECT)),
        raw=release_raw_files(PROJECT),
        settings=[*metadata_files(), *weighting_target_files(), *release_config_files(PROJECT)],
    output:
        files=expand("data/processed/release/{name}", name=release_files(PROJECT)),
    conda:
        "../../environment.yml"
    log:
        "logs/release.log",
    script:
        "../scripts/release.py"
