"""Every column the pipeline writes, defined once: name, type and French/English description.

In the spirit of PUDL's ``metadata/fields.py``: the tables of
:mod:`perception.catalog.tables` list these names, and everything that
describes a column — the release's data dictionary and Data Package, the
book's data dictionary, the results API — reads the definition here, so that
two documents can never describe one column differently. Codebook variables
(the harmonised answers) are defined in ``config/codebook.yaml`` instead; the
fields here are the ones the pipeline derives.

Types are those of a Frictionless Table Schema: ``string``, ``integer``,
``number``, ``boolean``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

FIELD_TYPES = ("string", "integer", "number", "boolean")


@dataclass(frozen=True)
class Field:
    """One column: its name, storage type and what it means, in each language."""

    name: str
    type: str
    description: MappingProxyType
    role: str = ""  # for columns of the released responses: id or design, as codebook roles

    def __post_init__(self):
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name}: type must be one of {', '.join(FIELD_TYPES)}")
        object.__setattr__(self, "description", MappingProxyType(dict(self.description)))


# Roles of the pipeline's own columns in the released responses (codebook variables have theirs).
ROLES = {"wave": "id", "source_id": "id", "response_id": "id", "weight_final": "design"}


def _fields(*specs: tuple[str, str, str, str]) -> MappingProxyType:
    out = {}
    for name, kind, fr, en in specs:
        if name in out:
            raise ValueError(f"field {name} is defined twice")
        out[name] = Field(name, kind, {"fr": fr, "en": en}, ROLES.get(name, ""))
    return MappingProxyType(out)


FIELDS = _fields(
    # ---- keys: waves, sources, rows, domains
    ("wave", "string", "Vague d'enquête", "Survey wave"),
    ("source_id", "string", "Source (partenaire et vague)", "Source (partner and wave)"),
    ("source_file", "string", "Fichier du partenaire", "Partner's file"),
    (
        "source_row",
        "integer",
        "Ligne du fichier du partenaire (1 = première ligne de données)",
        "Row of the partner's file (1 = first data row)",
    ),
    (
        "response_id",
        "string",
        "Numéro de la réponse dans la diffusion (sans lien avec l'identifiant du partenaire)",
        "Response number in the release (unrelated to the partner's identifier)",
    ),
    (
        "respondent_id",
        "string",
        "Identifiant du répondant chez le partenaire (jamais diffusé)",
        "Partner's respondent identifier (never released)",
    ),
    ("indicator", "string", "Indicateur (identifiant du registre)", "Indicator (registry id)"),
    (
        "domain",
        "string",
        "Domaine : national, region, gender, region_gender, ou region@<découpage> (région dans ses limites d'alors)",
        "Domain: national, region, gender, region_gender, or region@<layout> (a region within its former limits)",
    ),
    ("region_code", "string", "Code de la région (vide au niveau national)", "Region code (empty for national rows)"),
    ("gender_code", "string", "Code du sexe (vide si tous)", "Gender code (empty when both)"),
    # ---- estimates
    (
        "estimate",
        "number",
        "Estimation pondérée (part entre 0 et 1, indice sur 100 ou score moyen)",
        "Weighted estimate (share between 0 and 1, index out of 100 or mean score)",
    ),
    ("se", "number", "Erreur-type selon le plan de sondage", "Design-based standard error"),
    (
        "ci_low",
        "number",
        "Borne inférieure de l'intervalle de confiance à 95 %",
        "Lower bound of the 95% confidence interval",
    ),
    (
        "ci_high",
        "number",
        "Borne supérieure de l'intervalle de confiance à 95 %",
        "Upper bound of the 95% confidence interval",
    ),
    ("cv", "number", "Coefficient de variation (erreur-type / estimation)", "Coefficient of variation (SE / estimate)"),
    (
        "deff",
        "number",
        "Effet du plan (variance du plan / variance d'un sondage aléatoire simple avec remise)",
        "Design effect (design variance / variance under simple random sampling with replacement)",
    ),
    ("df", "number", "Degrés de liberté du plan", "Design degrees of freedom"),
    ("n", "integer", "Nombre de répondants (non pondéré)", "Number of respondents (unweighted)"),
    ("n_weighted", "number", "Effectif pondéré", "Weighted count"),
    (
        "n_effective",
        "number",
        "Taille d'échantillon effective (parts : p(1−p)/SE², plafonnée à n)",
        "Effective sample size (shares: p(1−p)/SE², truncated at n)",
    ),
    (
        "n_effective_df",
        "number",
        "Taille effective ajustée des degrés de liberté (NCHS) : n_eff · (t(n−1) / t(df))²",
        "Effective sample size adjusted for degrees of freedom (NCHS): n_eff · (t(n−1) / t(df))²",
    ),
    (
        "kg_low",
        "number",
        "Borne inférieure de l'intervalle de Korn-Graubard à 95 % (NCHS, sur n_effective_df)",
        "Lower bound of the 95% Korn-Graubard interval (NCHS, on n_effective_df)",
    ),
    (
        "kg_high",
        "number",
        "Borne supérieure de l'intervalle de Korn-Graubard à 95 % (NCHS, sur n_effective_df)",
        "Upper bound of the 95% Korn-Graubard interval (NCHS, on n_effective_df)",
    ),
    (
        "is_reliable",
        "boolean",
        "Vrai si l'estimation satisfait les règles de fiabilité (NCHS pour les parts)",
        "True when the estimate meets the reliability rules (NCHS for shares)",
    ),
    ("reliability_note", "string", "Règles de fiabilité non satisfaites", "Reliability rules not met"),
    (
        "is_suppressed",
        "boolean",
        "Vrai si la valeur n'est pas publiée (cellule trop petite, imprécise ou complémentaire)",
        "True when the value is not published (small, imprecise or complementary cell)",
    ),
    (
        "suppression_reason",
        "string",
        "Motif de non-publication : small_cell, unreliable ou complementary",
        "Why the value is not published: small_cell, unreliable or complementary",
    ),
    (
        "status",
        "string",
        "Statut de la cellule : estimated (publiée), suppressed (trop peu de réponses ou imprécise), "
        "not_asked (question non posée lors de cette enquête), not_surveyed (région non enquêtée), "
        "not_comparable (évolution d'une région délimitée autrement dans l'autre enquête)",
        "Status of the cell: estimated (published), suppressed (too few answers or imprecise), "
        "not_asked (question not asked in this survey), not_surveyed (region not surveyed), "
        "not_comparable (change of a region drawn differently in the other survey)",
    ),
    (
        "is_asked",
        "boolean",
        "Vrai si le questionnaire de la source pose toutes les questions dont l'indicateur a besoin",
        "True when the source's questionnaire asks every question the indicator needs",
    ),
    (
        "missing_variables",
        "string",
        "Variables du livre de codes que la source ne fournit pas (séparées par des espaces)",
        "Codebook variables the source does not provide (space-separated)",
    ),
    # ---- comparisons
    (
        "comparison",
        "string",
        "Type de comparaison : gender_gap, region_vs_rest, change (depuis la vague de référence)"
        " ou change_previous (depuis la vague précédente)",
        "Comparison type: gender_gap, region_vs_rest, change (since the baseline)"
        " or change_previous (since the previous wave)",
    ),
    ("reference_wave", "string", "Vague de référence d'une évolution", "Reference wave of a change"),
    ("group", "string", "Groupe comparé (sexe ou vague)", "Group compared (gender or wave)"),
    ("reference_group", "string", "Groupe de référence", "Reference group"),
    ("reference_estimate", "number", "Estimation du groupe de référence", "Estimate of the reference group"),
    ("difference", "number", "Différence (groupe − référence)", "Difference (group − reference)"),
    (
        "p_value",
        "number",
        "Valeur p du test bilatéral (loi t, degrés de liberté de la colonne df)",
        "Two-sided p-value (t with the df column's degrees of freedom)",
    ),
    (
        "family_size",
        "integer",
        "Nombre de comparaisons publiées de la famille dans laquelle la correction est faite",
        "Number of published comparisons in the family the adjustment is made within",
    ),
    (
        "ci_level_adjusted",
        "number",
        "Niveau de l'intervalle corrigé (1 − α*), choisi pour concorder avec le verdict",
        "Level of the adjusted interval (1 − α*), chosen to agree with the verdict",
    ),
    (
        "ci_low_adjusted",
        "number",
        "Borne inférieure de l'intervalle corrigé pour comparaisons multiples (celui du verdict)",
        "Lower bound of the interval adjusted for multiple comparisons (the verdict's)",
    ),
    (
        "ci_high_adjusted",
        "number",
        "Borne supérieure de l'intervalle corrigé pour comparaisons multiples (celui du verdict)",
        "Upper bound of the interval adjusted for multiple comparisons (the verdict's)",
    ),
    (
        "p_adjusted",
        "number",
        "Valeur p corrigée pour comparaisons multiples au sein de la famille",
        "P-value adjusted for multiple comparisons within its family",
    ),
    (
        "is_significant",
        "boolean",
        "Vrai si la différence est nette après correction pour comparaisons multiples",
        "True when the difference is clear after the multiple-comparison adjustment",
    ),
    # ---- models
    ("outcome", "string", "Indicateur expliqué", "Outcome indicator"),
    ("predictor", "string", "Variable explicative", "Predictor"),
    (
        "level",
        "string",
        "Modalité de la variable explicative ou de ventilation (tranche d'âge : son libellé, ex. 18–24)",
        "Level of the predictor or breakdown variable (age group: its label, e.g. 18–24)",
    ),
    (
        "breakdown",
        "string",
        "Variable de ventilation (variable du dictionnaire, ou age_group : tranches d'âge de models.age_bounds)",
        "Breakdown variable (codebook variable, or age_group: the age bands of models.age_bounds)",
    ),
    ("reference", "string", "Modalité de référence", "Reference level"),
    ("odds_ratio", "number", "Rapport de cotes", "Odds ratio"),
    (
        "note",
        "string",
        "Remarque : outcome_not_asked (question non posée lors de cette enquête, pas de modèle), "
        "predictor_not_asked (variable explicative non posée, retirée du modèle) ou predictor_single_level "
        "(une seule modalité parmi les répondants, retirée)",
        "Note: outcome_not_asked (question not asked in this survey, no model), predictor_not_asked "
        "(predictor not asked, left out of the model) or predictor_single_level (one level among the "
        "respondents, left out)",
    ),
    # ---- weights
    (
        "weight_final",
        "number",
        "Poids final (poids de sondage calé sur les cibles de population de la vague, si configurées)",
        "Final weight (design weight raked to the wave's population targets, when configured)",
    ),
    ("sum_weights", "number", "Somme des poids finaux", "Sum of the final weights"),
    (
        "kish_deff",
        "number",
        "Effet du plan dû à la variabilité des poids (Kish)",
        "Design effect due to unequal weights (Kish)",
    ),
    ("effective_n", "number", "Taille effective (n / effet de Kish)", "Effective sample size (n / Kish effect)"),
    ("weight_min", "number", "Plus petit poids final", "Smallest final weight"),
    ("weight_max", "number", "Plus grand poids final", "Largest final weight"),
    ("weight_ratio", "number", "Rapport poids final max / min", "Largest / smallest final weight"),
    ("design_weight_ratio", "number", "Rapport poids de sondage max / min", "Largest / smallest design weight"),
    # ---- item non-response (nonresponse.csv)
    (
        "special_code",
        "string",
        "Réponse spéciale (code du registre : dont_know ne sait pas, refused refus, not_applicable sans objet)",
        "Special answer (registry code: dont_know, refused, not_applicable)",
    ),
    (
        "answer_code",
        "string",
        "Code de la réponse, tel qu'il figure dans responses.csv (réponses spéciales comprises)",
        "Code of the answer as it appears in responses.csv (special answers included)",
    ),
    (
        "treatment",
        "string",
        "Prise en compte dans l'indicateur : excluded exclue du dénominateur, as_no comptée comme « non », "
        "own_share gardée au dénominateur et présentée à part",
        'How it enters the indicator: excluded from the denominator, as_no counted as "no", '
        "own_share kept in the denominator and reported as its own share",
    ),
    (
        "n_base",
        "integer",
        "Répondants à qui la question a été posée (réponse enregistrée, sous-population comprise)",
        "Respondents the question was put to (an answer recorded, within the subpopulation)",
    ),
    (
        "share",
        "number",
        "Part pondérée (poids finaux) des répondants ayant donné cette réponse",
        "Weighted share (final weights) of respondents who gave this answer",
    ),
    ("cronbach_alpha", "number", "Alpha de Cronbach (pondéré)", "Cronbach's alpha (weighted)"),
    # ---- data quality
    ("rows_received", "integer", "Lignes reçues du partenaire", "Rows received from the partner"),
    ("rows_released", "integer", "Lignes validées et publiées", "Rows validated and released"),
    ("rows_quarantined", "integer", "Lignes mises en quarantaine", "Rows quarantined"),
    (
        "reasons",
        "string",
        "Motifs de la mise en quarantaine, en clair",
        "Why the row was quarantined, in words",
    ),
    ("reason_categories", "string", "Catégories des motifs", "Categories of the reasons"),
    ("check", "string", "Contrôle de qualité", "Quality check"),
    ("detail", "string", "Constat du contrôle", "What the check found"),
    (
        "action",
        "string",
        "Suite donnée : flag (signalé), quarantine ou blank (valeurs effacées)",
        "What was done: flag, quarantine or blank (values cleared)",
    ),
    ("variable", "string", "Variable", "Variable"),
    ("old_value", "string", "Valeur avant la modification", "Value before the change"),
    ("new_value", "string", "Valeur après la modification", "Value after the change"),
    (
        "rule",
        "string",
        "Règle appliquée (correction, contrôle, « autre, précisez »)",
        "Rule applied (correction, check, other-specify)",
    ),
    ("reason", "string", "Justification", "Justification"),
    (
        "section",
        "string",
        "Partie de l'annexe : rows, quarantine, flags ou cleaning",
        "Part of the annex: rows, quarantine, flags or cleaning",
    ),
    ("item", "string", "Élément compté", "Item counted"),
    ("count", "integer", "Nombre", "Count"),
    ("n_respondents", "integer", "Répondants", "Respondents"),
    ("n_women", "integer", "Femmes interrogées", "Women interviewed"),
    ("n_men", "integer", "Hommes interrogés", "Men interviewed"),
    # ---- disclosure
    (
        "stage",
        "string",
        "Étape : before (tel que publié), recoded (après regroupement) ou after (diffusé)",
        "Stage: before (as published), recoded (after banding) or after (released)",
    ),
    ("measure", "string", "Mesure du risque", "Risk measure"),
    ("value", "number", "Valeur de la mesure", "Value of the measure"),
    ("estimate_internal", "number", "Estimation du rapport (plan réel)", "Estimate of the report (real design)"),
    ("estimate_release", "number", "Estimation tirée des fichiers diffusés", "Estimate from the released files"),
    (
        "se_internal",
        "number",
        "Erreur-type du rapport (plan réel, calage)",
        "Standard error of the report (real design, raking)",
    ),
    (
        "se_release",
        "number",
        "Erreur-type tirée des fichiers diffusés (unités de variance masquées, weight_final)",
        "Standard error from the released files (masked variance units, weight_final)",
    ),
    ("se_ratio", "number", "se_release / se_internal", "se_release / se_internal"),
    # ---- data dictionary
    ("type", "string", "Type de stockage", "Storage type"),
    ("codebook_type", "string", "Type dans le livre de codes", "Codebook type"),
    ("role", "string", "Rôle de la variable", "Role of the variable"),
    ("quasi_identifier", "boolean", "Quasi-identifiant", "Quasi-identifier"),
    ("sensitive", "boolean", "Question sensible", "Sensitive item"),
    ("label_fr", "string", "Libellé en français", "French label"),
    ("label_en", "string", "Libellé en anglais", "English label"),
    ("codes_fr", "string", "Codes et libellés en français", "Codes and French labels"),
    ("codes_en", "string", "Codes et libellés en anglais", "Codes and English labels"),
    ("special_codes_fr", "string", "Codes spéciaux en français", "Special codes, French labels"),
    ("special_codes_en", "string", "Codes spéciaux en anglais", "Special codes, English labels"),
    ("note_fr", "string", "Remarque en français", "Note in French"),
    ("note_en", "string", "Remarque en anglais", "Note in English"),
)


def field(name: str) -> Field:
    """The definition of ``name``; an unknown column is a programming error, said plainly."""
    try:
        return FIELDS[name]
    except KeyError:
        raise KeyError(f"column {name!r} is not defined in perception.catalog.fields") from None
