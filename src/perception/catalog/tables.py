"""Every table the pipeline writes: where it lives, its columns in order, its key and its title.

In the spirit of PUDL's ``resources/``: a writer orders its columns with
:meth:`Table.frame` (which refuses a missing or unexpected column), the
results API reads keys and values from here, and the release's data
dictionary, Data Package and README describe tables and columns from here
and from :mod:`perception.catalog.fields`.

``path`` is relative to the processed-data folder (``data/processed``);
``{wave}`` stands for a wave id. Tables whose rows are respondents
(``codebook_columns``) also carry codebook variables, between their fixed
leading and trailing columns, in codebook order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

from perception.catalog.fields import Field, field


@dataclass(frozen=True)
class Table:
    """One output table; see the module docstring."""

    name: str
    path: str
    title: MappingProxyType
    columns: tuple[str, ...]
    key: tuple[str, ...] = ()
    trailing: tuple[str, ...] = ()
    codebook_columns: bool = False

    def __post_init__(self):
        object.__setattr__(self, "title", MappingProxyType(dict(self.title)))
        for name in (*self.columns, *self.trailing):
            field(name)  # every column is defined once, in fields.py
        unknown = [k for k in self.key if k not in self.columns]
        if unknown:
            raise ValueError(f"table {self.name}: key column(s) {unknown} are not columns")

    @property
    def fields(self) -> list[Field]:
        """The fixed columns' definitions, in table order (codebook variables not included)."""
        return [field(name) for name in (*self.columns, *self.trailing)]

    def column_order(self, codebook_variables: Sequence[str] = ()) -> list[str]:
        """Every column in order: leading columns, codebook variables (if any), trailing columns."""
        fixed = {*self.columns, *self.trailing}
        middle = [name for name in codebook_variables if name not in fixed] if self.codebook_columns else []
        return [*self.columns, *middle, *self.trailing]

    def frame(self, data, codebook_variables: Sequence[str] = ()):
        """``data`` with exactly this table's columns, in order; a missing column is an error."""
        order = self.column_order(codebook_variables)
        missing = [c for c in order if c not in data.columns]
        if missing:
            raise ValueError(f"table {self.name}: missing column(s) {', '.join(missing)}")
        return data[order]

    def file(self, wave: str | None = None) -> str:
        """The table's path relative to the processed-data folder, for one wave if per wave."""
        return self.path.format(wave=wave) if "{wave}" in self.path else self.path


def _tables(*tables: Table) -> MappingProxyType:
    return MappingProxyType({table.name: table for table in tables})


INDICATOR_VALUES = ("estimate", "se", "ci_low", "ci_high", "cv", "deff", "kg_low", "kg_high")
COMPARISON_VALUES = (
    "estimate",
    "reference_estimate",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "ci_level_adjusted",
    "ci_low_adjusted",
    "ci_high_adjusted",
)

TABLES = _tables(
    Table(
        "indicators",
        "indicators.csv",
        {
            "fr": "indicateurs par vague, région et sexe (estimation, erreur-type, IC à 95 %, n)",
            "en": "indicators by wave, region and gender (estimate, standard error, 95 % CI, n)",
        },
        (
            "wave",
            "indicator",
            "domain",
            "region_code",
            "gender_code",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "cv",
            "deff",
            "df",
            "n",
            "n_weighted",
            "n_effective",
            "n_effective_df",
            "kg_low",
            "kg_high",
            "is_reliable",
            "reliability_note",
            "is_suppressed",
            "suppression_reason",
            "status",
        ),
        key=("wave", "indicator", "domain", "region_code", "gender_code"),
    ),
    Table(
        "breakdowns",
        "breakdowns.csv",
        {
            "fr": "indicateurs par vague selon le milieu de résidence et l'âge (national ; estimation, IC à 95 %, n)",
            "en": "indicators by wave, by area of residence and age group (national; estimate, 95 % CI, n)",
        },
        (
            "wave",
            "indicator",
            "breakdown",
            "level",
            *INDICATOR_VALUES[:6],
            "df",
            "n",
            "n_weighted",
            "n_effective",
            "n_effective_df",
            *INDICATOR_VALUES[6:],
            "is_reliable",
            "reliability_note",
            "is_suppressed",
            "suppression_reason",
            "status",
        ),
        key=("wave", "indicator", "breakdown", "level"),
    ),
    Table(
        "comparisons",
        "comparisons.csv",
        {
            "fr": "écarts entre femmes et hommes et évolutions depuis la vague de référence",
            "en": "gender gaps and changes since the baseline wave",
        },
        (
            "comparison",
            "indicator",
            "domain",
            "region_code",
            "gender_code",
            "wave",
            "reference_wave",
            "group",
            "reference_group",
            "estimate",
            "reference_estimate",
            "difference",
            "se",
            "ci_low",
            "ci_high",
            "df",
            "p_value",
            "family_size",
            "p_adjusted",
            "ci_level_adjusted",
            "ci_low_adjusted",
            "ci_high_adjusted",
            "is_significant",
            "is_suppressed",
            "status",
        ),
        key=("comparison", "indicator", "domain", "region_code", "gender_code", "wave", "reference_wave"),
    ),
    Table(
        "models",
        "models.csv",
        {"fr": "facteurs de la confiance (rapports de cotes)", "en": "drivers of trust (odds ratios)"},
        (
            "wave",
            "outcome",
            "predictor",
            "level",
            "reference",
            "odds_ratio",
            "ci_low",
            "ci_high",
            "p_value",
            "df",
            "n",
            "note",
        ),
        key=("wave", "outcome", "predictor", "level"),
    ),
    Table(
        "weighting_diagnostics",
        "weighting_diagnostics.csv",
        {"fr": "diagnostic des poids par vague", "en": "weighting diagnostics per wave"},
        (
            "wave",
            "n",
            "sum_weights",
            "kish_deff",
            "effective_n",
            "weight_min",
            "weight_max",
            "weight_ratio",
            "design_weight_ratio",
        ),
        key=("wave",),
    ),
    Table(
        "index_reliability",
        "index_reliability.csv",
        {
            "fr": "cohérence interne des indices (alpha de Cronbach)",
            "en": "internal consistency of indices (Cronbach's alpha)",
        },
        ("wave", "indicator", "cronbach_alpha", "n"),
        key=("wave", "indicator"),
    ),
    Table(
        "nonresponse",
        "nonresponse.csv",
        {
            "fr": "part des « ne sait pas », refus et sans objet par indicateur et par vague (pondérée)",
            "en": "share of don't know, refused and not applicable per indicator and wave (weighted)",
        },
        ("wave", "indicator", "special_code", "treatment", "n_base", "n", "share", "status"),
        key=("wave", "indicator", "special_code"),
    ),
    Table(
        "answers",
        "answers.csv",
        {
            "fr": "répartition des réponses à chaque question par vague, réponses spéciales comprises (pondérée)",
            "en": "spread of the answers to each question per wave, special answers included (weighted)",
        },
        ("wave", "variable", "answer_code", "special_code", "n_base", "n", "share", "status"),
        key=("wave", "variable", "answer_code"),
    ),
    Table(
        "availability",
        "availability.csv",
        {
            "fr": "questions posées par chaque source de chaque vague (disponibilité des indicateurs)",
            "en": "questions asked by each source of each wave (availability of the indicators)",
        },
        ("wave", "indicator", "source_id", "is_asked", "missing_variables"),
        key=("wave", "indicator", "source_id"),
    ),
    Table(
        "responses",
        "{wave}/responses.csv",
        {"fr": "réponses dépersonnalisées avec le poids final", "en": "de-identified responses with the final weight"},
        ("wave", "source_id", "response_id"),
        key=("response_id",),
        trailing=("weight_final",),
        codebook_columns=True,
    ),
    Table(
        "sample_summary",
        "{wave}/sample_summary.csv",
        {"fr": "répondants et poids par région", "en": "respondents and weights per region"},
        ("region_code", "n_respondents", "n_women", "n_men", "sum_weights"),
        key=("region_code",),
    ),
    Table(
        "quality_summary",
        "{wave}/quality_summary.csv",
        {
            "fr": "lignes reçues, publiées et en quarantaine par source",
            "en": "rows received, released and quarantined per source",
        },
        ("source_id", "source_file", "rows_received", "rows_released", "rows_quarantined"),
        key=("source_id",),
    ),
    Table(
        "quarantine",
        "{wave}/quarantine.csv",
        {"fr": "lignes rejetées et leurs motifs", "en": "rejected rows and why"},
        ("source_id", "source_file", "source_row", "respondent_id", "reasons", "reason_categories"),
        key=("source_id", "source_row"),
        codebook_columns=True,
    ),
    Table(
        "flags",
        "{wave}/flags.csv",
        {"fr": "constats des contrôles de qualité", "en": "data-quality findings"},
        ("source_file", "source_row", "check", "detail", "action"),
    ),
    Table(
        "cleaning_log",
        "{wave}/cleaning_log.csv",
        {
            "fr": "chaque valeur modifiée après harmonisation, et pourquoi",
            "en": "every value changed after harmonisation, and why",
        },
        ("source_file", "source_row", "variable", "old_value", "new_value", "rule", "reason"),
    ),
    Table(
        "quality_annex",
        "{wave}/quality_annex.csv",
        {"fr": "décomptes de l'annexe qualité par source", "en": "counts of the data-quality annex per source"},
        ("source_id", "source_file", "section", "item", "action", "count"),
    ),
    Table(
        "disclosure_report",
        "release/disclosure_report.csv",
        {
            "fr": "risque de réidentification avant et après protection",
            "en": "re-identification risk before and after protection",
        },
        ("wave", "stage", "measure", "variable", "value"),
        key=("wave", "stage", "measure", "variable"),
    ),
    Table(
        "variance_check",
        "release/variance_check.csv",
        {
            "fr": "erreurs-types tirées des fichiers diffusés comparées à celles du rapport",
            "en": "standard errors from the released files against the report's",
        },
        (
            "wave",
            "indicator",
            "domain",
            "region_code",
            "estimate_internal",
            "estimate_release",
            "se_internal",
            "se_release",
            "se_ratio",
        ),
        key=("wave", "indicator", "domain", "region_code"),
    ),
    Table(
        "data_dictionary",
        "release/data_dictionary.csv",
        {"fr": "dictionnaire des variables diffusées", "en": "dictionary of the released variables"},
        (
            "variable",
            "type",
            "codebook_type",
            "role",
            "quasi_identifier",
            "sensitive",
            "label_fr",
            "label_en",
            "codes_fr",
            "codes_en",
            "special_codes_fr",
            "special_codes_en",
            "note_fr",
            "note_en",
        ),
        key=("variable",),
    ),
)


def write_table(name: str, data, path, codebook_variables: Sequence[str] = ()) -> None:
    """Write ``data`` as table ``name``: exactly its columns, in catalogue order (see :func:`Table.frame`)."""
    from perception.files import write_csv

    write_csv(table(name).frame(data, codebook_variables), path)


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"table {name!r} is not defined in perception.catalog.tables") from None
