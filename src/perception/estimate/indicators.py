"""Every indicator by every configured domain of one wave.

``indicators.csv`` has one row per wave, indicator and domain cell: the
estimate with SE, CI, CV, design effect, df, unweighted and weighted n, and
the NCHS reliability assessment; suppression is added by
:mod:`perception.disclosure.cells` before anything is compared. The design,
weighting targets and indicator definitions come from ``config/``; nothing
here is specific to a wave or a partner.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from perception.catalog.status import ESTIMATED, NOT_ASKED, NOT_SURVEYED, SUPPRESSED
from perception.catalog.tables import table
from perception.config.margins import load_margins, margin_columns
from perception.config.project import Project
from perception.config.registry import Indicator
from perception.errors import at, in_wave
from perception.estimate.availability import WaveAvailability, asked_mask
from perception.estimate.groups import breakdown_columns, special_codes
from perception.estimate.reliability import assess
from perception.estimate.survey import DesignedSample, SurveyDesign, designed_sample
from perception.estimate.values import indicator_values
from perception.estimate.weighting import AGE_GROUP, add_cell_columns, check_levels, surveyed_targets
from perception.progress import Progress
from perception.transform.bands import band_text

DOMAIN_COLUMNS = ["region_code", "gender_code"]


INDICATOR_COLUMNS = list(table("indicators").columns)


def wave_design(project: Project, wave: str) -> SurveyDesign:
    """The wave's design and weighting targets as an immutable spec."""
    spec = project.waves[wave]
    rake_to = load_margins(list(spec.weighting.rake_to)) if spec.weighting.rake_to else None
    return SurveyDesign(
        weight=spec.design.weight,
        strata=spec.design.strata,
        psu=spec.design.psu,
        ssu=spec.design.ssu,
        fpc=spec.design.fpc,
        singleton=spec.design.singleton,
        rake_to=rake_to,
        rake_bounds=spec.weighting.bounds,
        trim_ratio=spec.weighting.trim_ratio,
    )


@in_wave
def prepare(
    project: Project, wave: str, responses: pd.DataFrame, rake: bool = True
) -> tuple[pd.DataFrame, SurveyDesign]:
    """Responses with weighting cells and one column per indicator, plus the design.

    ``rake=False`` for records that already carry their final weight (the
    release): they need no weighting cells, and a raking variable that
    disclosure control blanked is then no error.
    """
    design = wave_design(project, wave)
    data = responses.copy()
    if rake and design.rake_to:
        margins = {k: dict(v) for k, v in design.rake_to.items()}
        if AGE_GROUP in margin_columns(margins) and AGE_GROUP not in data:
            data[AGE_GROUP] = band_text(
                data["age"], project.config["models"]["age_bounds"], special_codes(project, "age")
            )
        data = add_cell_columns(data, margins)
        spec = project.waves[wave].weighting
        files = {var: _shown_path(path, project.root) for path in spec.rake_to for var in load_margins([path])}
        layout = project.wave_geography(wave).layout
        hints = {"region_code": f" (the wave's regions are those of layout {layout}: give its margins on that layout)"}
        check_levels(data, margins, f"wave {wave}", files, hints)
        targets = surveyed_targets(data, margins, files, spec.absent_levels, f"wave {wave}")
        if targets is not margins:
            design = dataclasses.replace(design, rake_to=targets)
    data["region_code"] = pd.Categorical(data["region_code"], categories=project.wave_geography(wave).codes)
    data["gender_code"] = pd.Categorical(data["gender_code"], categories=list(project.codebook["gender_code"].codes))
    data = data.assign(**indicator_columns(project, wave, responses))
    return data, design


def indicator_columns(
    project: Project, wave: str, responses: pd.DataFrame, availability: WaveAvailability | None = None
) -> dict[str, np.ndarray]:
    """One value column per indicator; blank for respondents whose source did not ask it.

    A source that maps only some of an index's items (or not the variable
    defining an ``among`` subpopulation) did not ask the indicator: its
    respondents are out of the denominator, so a partial answer never passes
    for a full one (see :mod:`perception.estimate.availability`).
    """
    availability = availability or WaveAvailability.of(project, wave)
    columns = {}
    for indicator in project.indicators:
        values = indicator_values(responses, indicator, project.codebook)
        asked = asked_mask(responses, availability, indicator) if "source_id" in responses else True
        columns[value_column(indicator)] = values.where(asked).to_numpy()
    return columns


def _shown_path(path: Path, root: Path) -> str:
    """A configured file as the user wrote it (relative to the project), for messages."""
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)


def value_column(indicator: Indicator) -> str:
    """Column holding an indicator's per-respondent values (ids may equal question names)."""
    return f"value__{indicator.id}"


def domain_name(by: Iterable[str]) -> str:
    return "_".join(name.removesuffix("_code") for name in by) or "national"


def weighted_n(data: pd.DataFrame, weights: pd.Series, column: str, by: list[str]) -> pd.DataFrame:
    present = data[column].notna()
    frame = pd.DataFrame({"w": weights.where(present, 0.0)})
    if not by:
        return pd.DataFrame({"n_weighted": [float(frame["w"].sum())]})
    for name in by:
        frame[name] = data[name].astype(str)
    return frame.groupby(by, sort=False)["w"].sum().rename("n_weighted").reset_index()


def region_column(code: str) -> str:
    """Column marking respondents of region ``code`` (``in``) against the rest of the country (``rest``)."""
    return f"in_region__{code}"


def region_columns(data: pd.DataFrame, codes: list[str]) -> dict[str, np.ndarray]:
    region = data["region_code"].astype("string")
    return {region_column(code): np.where(region == code, "in", "rest") for code in codes}


# Respondents of regions the older layout drew the same: no former territory to estimate.
UNCHANGED = ""


def territory_column(layout: str) -> str:
    """Column holding each respondent's region as drawn in ``layout`` (blank where that region is unchanged)."""
    return f"territory__{layout}"


def territory_columns(project: Project, wave: str, data: pd.DataFrame) -> dict[str, np.ndarray]:
    """One column per former layout of the wave (:meth:`Project.former_layouts`)."""
    region = data["region_code"].astype("string")
    columns = {}
    for layout, formers in project.former_territories(wave).items():
        lookup = {part: former for former, parts in formers.items() for part in parts}
        columns[territory_column(layout)] = region.map(lookup).fillna(UNCHANGED).to_numpy(dtype=object)
    return columns


@in_wave
def wave_sample(project: Project, wave: str, responses: pd.DataFrame) -> DesignedSample:
    """The wave's responses bound to its raked design, with every indicator's values: built once per wave.

    Also carries one region-against-the-rest column per region, for
    :func:`perception.estimate.comparisons.regions_vs_rest`, and one column
    per configured breakdown, for :mod:`perception.estimate.breakdowns`, and
    one per former layout, for :mod:`perception.estimate.territories`.
    """
    data, design = prepare(project, wave, responses)
    regions = region_columns(data, project.wave_geography(wave).codes)
    groups = breakdown_columns(project, data)
    territories = territory_columns(project, wave, data)
    data = data.assign(**regions, **groups, **territories)
    columns = [*DOMAIN_COLUMNS, *(value_column(i) for i in project.indicators), *regions, *groups, *territories]
    return designed_sample(data, design, columns)


@in_wave
def estimate_wave(project: Project, wave: str, sample: DesignedSample) -> pd.DataFrame:
    """Every indicator by every domain for one wave, assessed but not yet blanked.

    Every cell of the domain grid (the wave's regions, the codebook's
    genders) gets a row with its ``status``: cells of an indicator no source
    asked are ``not_asked`` (nothing is estimated), region cells without
    respondents are ``not_surveyed``, and cells whose respondents were asked
    but gave no countable answer are ``suppressed`` small cells with n = 0.
    Only ``estimated`` rows take part in disclosure control afterwards.
    """
    availability = WaveAvailability.of(project, wave)
    parts = []
    progress = Progress(f"estimate {wave}: indicators", len(project.indicators))
    for indicator in project.indicators:
        progress.step(indicator.id)
        with at(indicator=indicator.id):
            for by in project.domains:
                grid = domain_grid(project, wave, list(by)) if by else None
                table = estimate_domain(project, sample, availability, indicator, list(by), grid)
                parts.append(label_domain(table, wave, indicator, domain_name(by)))
    return indicator_rows(parts)


def estimate_domain(
    project: Project,
    sample: DesignedSample,
    availability: WaveAvailability,
    indicator: Indicator,
    by: list[str],
    grid: pd.DataFrame | None,
) -> pd.DataFrame:
    """One indicator's cells of one domain (``by`` columns of the sample), every cell of ``grid`` with its status."""
    column = value_column(indicator)
    ci_method = project.config["estimation"]["ci_method"]
    asked = availability.is_asked(indicator)
    table = estimate_cells(sample, indicator, column, by, ci_method, project.min_cell_n) if asked else None
    if table is not None:
        weighted = weighted_n(sample.data, sample.weights, column, by)
        table = table.merge(weighted, on=by, how="left") if by else table.assign(**weighted.iloc[0])
        table["status"] = np.where(table["is_suppressed"].astype(bool), SUPPRESSED, ESTIMATED)
    return complete_grid(table, by, grid, sample.data, availability.asking_sources(indicator))


def label_domain(table: pd.DataFrame, wave: str, indicator: Indicator, domain: str) -> pd.DataFrame:
    """``table`` (in place) with the key columns that say which wave, indicator and domain its cells are."""
    table.insert(0, "wave", wave)
    table.insert(1, "indicator", indicator.id)
    table.insert(2, "domain", domain)
    return table


def indicator_rows(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Domain tables as rows of ``indicators.csv``: every column, domain codes as text."""
    out = pd.concat(parts, ignore_index=True)
    for name in ("n_effective_df", "kg_low", "kg_high"):
        if name not in out:
            out[name] = float("nan")
    for name in DOMAIN_COLUMNS:
        if name not in out:
            out[name] = pd.NA
        out[name] = out[name].astype("string")
    return out[INDICATOR_COLUMNS].reset_index(drop=True)


def estimate_cells(
    sample: DesignedSample, indicator: Indicator, column: str, by: list[str], ci_method: str, min_cell_n: int
) -> pd.DataFrame | None:
    """svy's estimates of the cells with at least one value, assessed; None when no cell has one."""
    if not sample.data[column].notna().any():
        return None
    if indicator.is_proportion:
        table = sample.shares([column], by=by, ci_method=ci_method)
    else:
        table = sample.means([column], by=by)
    table = assess(table, indicator.is_proportion, min_cell_n)
    if indicator.is_proportion:
        # the Korn-Graubard interval printed is the NCHS one the reliability rules were applied to
        exact = (ci_method == "korn-graubard") | table["estimate"].isin([0.0, 1.0])
        table.loc[exact, "ci_low"] = table.loc[exact, "kg_low"]
        table.loc[exact, "ci_high"] = table.loc[exact, "kg_high"]
    return table.drop(columns=["variable"], errors="ignore")


def domain_grid(project: Project, wave: str, by: list[str]) -> pd.DataFrame:
    """Every cell of a domain (``by`` not empty), in configured order: the wave's regions, the codebook's genders."""
    levels = {
        "region_code": project.wave_geography(wave).codes,
        "gender_code": [str(code) for code in project.codebook["gender_code"].codes],
    }
    grid = pd.MultiIndex.from_product([levels[name] for name in by], names=by).to_frame(index=False)
    return grid.astype("string")


def complete_grid(
    table: pd.DataFrame | None, by: list[str], grid: pd.DataFrame | None, data: pd.DataFrame, asking: list[str]
) -> pd.DataFrame:
    """``table`` with a row for every cell of ``grid`` (``by`` cells, as text); a cell with no value gets its status.

    No respondent in the cell: not surveyed; none of them from a source that
    asked the indicator: not asked; respondents asked but none with a
    countable answer: a suppressed small cell with n = 0.
    """
    if table is None:
        table = pd.DataFrame({name: pd.Series(dtype="string") for name in [*by, "status"]})
    if by:
        table = table.assign(**{name: table[name].astype("string") for name in by})
        out = grid.merge(table, on=by, how="left")
    else:
        out = table.reset_index(drop=True) if len(table) else pd.DataFrame({"status": [pd.NA]})
    missing = out["status"].isna().to_numpy()
    if not missing.any():
        return out
    from_asking = data["source_id"].isin(asking) if "source_id" in data else pd.Series(bool(asking), index=data.index)
    status = []
    for _, cell in out.loc[missing, by].iterrows():
        inside = pd.Series(True, index=data.index)
        for name in by:
            inside &= data[name].astype("string").eq(cell[name]).fillna(False)
        if not inside.any():
            status.append(NOT_SURVEYED)
        elif not (inside & from_asking).any():
            status.append(NOT_ASKED)
        else:
            status.append(SUPPRESSED)
    out.loc[missing, "status"] = status
    small = missing & (out["status"] == SUPPRESSED).to_numpy()
    out.loc[missing, ["n", "n_weighted"]] = 0
    out.loc[missing, "is_reliable"] = False
    out.loc[missing, "reliability_note"] = ""
    out.loc[missing, "is_suppressed"] = small[missing]
    out.loc[missing, "suppression_reason"] = np.where(small[missing], "small_cell", "")
    return out


def read_responses(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"region_code": "string", "gender_code": "string", "stratum_id": "string"})
