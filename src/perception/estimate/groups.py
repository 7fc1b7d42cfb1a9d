"""Groups of respondents by a categorical variable: its levels in configured order and each row's level.

Models (predictors) and breakdowns (urban/rural, age groups) group
respondents the same way: by a categorical codebook variable, its codes in
codebook order, or by ``age_group``, the bands of ``models.age_bounds``
(one age banding, :mod:`perception.transform.bands`). Special codes (don't
know, refused) belong to no group.
"""

from __future__ import annotations

import pandas as pd

from perception.config.project import Project
from perception.errors import ConfigError
from perception.estimate.weighting import AGE_GROUP
from perception.transform.bands import band_labels, band_text


def special_codes(project: Project, variable: str) -> list[int]:
    """The special codes (don't know, refused…) a numeric codebook variable may take."""
    codebook = project.codebook
    return [codebook.special_code(name) for name in codebook[variable].special]


def check_grouping(project: Project, name: str, where: str) -> None:
    """``name`` must be ``age_group`` or a coded codebook variable; else one line naming the key."""
    if name == AGE_GROUP:
        return
    if name not in project.codebook.variables or not project.codebook[name].is_coded:
        raise ConfigError(
            f"{name!r} is neither a coded codebook variable nor age_group", file=project.file, where=where
        )


def group_levels(project: Project, name: str, wave: str) -> list[str]:
    """Levels in configured order (regions: of the wave's layout); the first is a model's reference."""
    if name == "region_code":
        return project.wave_geography(wave).codes
    if name == AGE_GROUP:
        return list(band_labels(project.config["models"]["age_bounds"]).values())
    return [str(code) for code in project.codebook[name].codes]


def group_column(project: Project, data: pd.DataFrame, name: str, where: str = "models.predictors") -> pd.Series:
    """Each row's level as text; special codes and values outside the codebook missing."""
    if name == AGE_GROUP:
        return band_text(data["age"], project.config["models"]["age_bounds"], special_codes(project, "age"))
    if name not in project.codebook.variables:
        raise ConfigError(f"config: {where}: {name!r} is neither a codebook variable nor age_group")
    values = data[name]
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("object")
    var = project.codebook[name]
    valid = {str(c) for c in var.codes} if var.codes else None
    text = values.map(lambda v: None if pd.isna(v) else str(int(v)) if isinstance(v, float) else str(v))
    return text.where(text.isin(valid)) if valid else text


def group_column_name(name: str) -> str:
    """Column holding each respondent's level of breakdown ``name`` in a designed sample."""
    return f"group__{name}"


def breakdown_columns(project: Project, data: pd.DataFrame) -> dict[str, pd.Series]:
    """One text column per configured breakdown (``breakdowns`` in config); blank where the wave has no value."""
    columns = {}
    for name in project.breakdowns:
        source = "age" if name == AGE_GROUP else name
        if source in data:
            values = group_column(project, data, name, where="breakdowns")
        else:  # a wave whose sources map no such column: every respondent's level is unknown
            values = pd.Series(pd.NA, index=data.index, dtype="string")
        columns[group_column_name(name)] = values.astype("string")
    return columns
