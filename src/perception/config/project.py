"""The project configuration: waves, their sources and designs, and metadata.

``config/config.yaml`` is validated against the JSON schema in
``schemas/config.schema.yaml`` beside this module (which documents every key and its
default) so that the workflow and the command line read the same settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from perception.catalog.domains import on_layout
from perception.config.codebook import Codebook, load_codebook
from perception.config.geography import (
    Geography,
    Region,
    common_ancestor,
    former_regions,
    load_geography,
    region_within,
    same_territory,
)
from perception.config.registry import Indicator, load_indicators
from perception.config.schema import check
from perception.config.sources import SourceMapping, load_source
from perception.errors import ConfigError
from perception.files import file_version, load_yaml

SCHEMA_PATH = Path(__file__).with_name("schemas") / "config.schema.yaml"
CONFIG_FILE = "config/config.yaml"


def _apply_defaults(instance: Any, schema: dict) -> Any:
    """Fill in schema defaults, recursively, for objects."""
    if schema.get("type") == "object" and isinstance(instance, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key not in instance and "default" in sub:
                instance[key] = sub["default"]
            if key in instance:
                instance[key] = _apply_defaults(instance[key], sub)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key in instance:
                if key not in (schema.get("properties") or {}):
                    instance[key] = _apply_defaults(instance[key], extra)
    return instance


def validate_config(config: dict, root: Path, file: str | Path = CONFIG_FILE) -> dict:
    """Check the workflow configuration against the schema, filling defaults."""
    check(config, "config", file)
    return _apply_defaults(config, load_yaml(SCHEMA_PATH))


@dataclass(frozen=True)
class WaveDesign:
    """Design column names of a wave, as configured."""

    weight: str
    strata: str | None = None
    psu: str | None = None
    ssu: str | None = None
    fpc: str | tuple[str, str] | None = None
    singleton: str = "fail"

    @property
    def columns(self) -> list[str]:
        """Every harmonised column the design names: each source of the wave must map them all."""
        fpc = list(self.fpc) if isinstance(self.fpc, tuple) else [self.fpc]
        names = [self.weight, self.strata, self.psu, self.ssu, *fpc]
        return list(dict.fromkeys(n for n in names if n is not None))

    @property
    def kind(self) -> str:
        """``weights``, ``stratified``, ``clustered`` or ``stratified_clustered``: what the book describes."""
        if self.strata and self.psu:
            return "stratified_clustered"
        return "stratified" if self.strata else "clustered" if self.psu else "weights"


@dataclass(frozen=True)
class WaveWeighting:
    """How a wave's design weights are adjusted to population margins."""

    rake_to: tuple[Path, ...] = ()
    bounds: tuple[float, float] | None = None
    trim_ratio: float | None = None
    absent_levels: str = "fail"  # or "restrict": see weighting.absent_levels in the config schema


@dataclass(frozen=True)
class Wave:
    id: str
    label: dict[str, str]
    source_paths: tuple[Path, ...]
    design: WaveDesign
    weighting: WaveWeighting
    fieldwork: tuple[str, str] | None = None  # first and last day of collection, YYYY-MM-DD


@dataclass(frozen=True)
class Publication:
    """What a reader needs to cite the report and ask about it (``report.publication``); None when not given."""

    survey: dict[str, str] | None = None
    date: str | None = None
    version: str | None = None
    citation: dict[str, str] | None = None
    contact: str | None = None


class Project:
    """Everything the pipeline needs to know, loaded once from ``config/``."""

    def __init__(self, config: dict, root: str | Path = ".", file: str | Path = CONFIG_FILE):
        self.root = Path(root)
        self.file = str(file)
        self.config = validate_config(dict(config), self.root, self.file)
        # Mappings and layouts are checked once per project: the Snakefile asks for a wave's
        # mappings in every input function of every job while it builds the DAG.
        self._sources: dict[tuple, tuple[SourceMapping, ...]] = {}
        self._layouts: dict[str, Geography] = {}

    @classmethod
    def from_file(cls, path: str | Path = CONFIG_FILE, root: str | Path = ".") -> Project:
        return cls(load_yaml(Path(root) / path), root, path)

    @cached_property
    def codebook(self) -> Codebook:
        return load_codebook(self.root / self.config["codebook"])

    @cached_property
    def indicators(self) -> tuple[Indicator, ...]:
        return load_indicators(self.root / self.config["indicators"], self.codebook)

    @cached_property
    def geography(self) -> Geography:
        return load_geography(self.root / self.config["geography"])

    def wave_geography(self, wave: str) -> Geography:
        """The administrative layout a wave's regions are matched against (``waves.<wave>.layout``).

        A wave not in the configuration (a file checked before its wave is
        added) uses the default layout of ``geography.yaml``.
        """
        layout = (self.config["waves"].get(wave) or {}).get("layout")
        if layout is None:
            return self.geography
        if layout not in self._layouts:
            self._layouts[layout] = load_geography(self.root / self.config["geography"], layout)
        return self._layouts[layout]

    @cached_property
    def report_geography(self) -> Geography:
        """The layout of the latest wave: the regions the book's regional pages, fact sheets and trends are about.

        Readers are told about today's regions. Earlier waves on another
        layout show, against them, only the regions that are the same
        territory (:meth:`same_territory`); the others read "autre découpage".
        Per-wave outputs (a wave's figures, maps, release) use the wave's own
        layout (:meth:`wave_geography`).
        """
        return self.wave_geography(self.wave_ids[-1]) if self.wave_ids else self.geography

    @property
    def all_regions(self) -> tuple[Region, ...]:
        """Regions of every wave's layout: the report's in order, then those only earlier layouts have.

        For the code lists of released and documented ``region_code`` columns,
        which hold each wave's own layout.
        """
        regions = {r.code: r for r in self.report_geography.regions}
        for wave in self.wave_ids:
            for region in self.wave_geography(wave).regions:
                regions.setdefault(region.code, region)
        return tuple(regions.values())

    def same_territory(self, wave: str, other: str) -> frozenset[str]:
        """Region codes that are the same territory in both waves' layouts (all of them when the layouts agree)."""
        return same_territory(self.wave_geography(wave), self.wave_geography(other))

    def former_layouts(self, wave: str) -> tuple[Geography, ...]:
        """Older layouts ``wave``'s layout refines that another wave's series meets it on, in wave order.

        For each other wave, the closest layout both waves' layouts refine,
        when that is not the wave's own: the wave is then also estimated on
        the regions of that layout it redrew (:func:`former_regions`), so that
        a change crossing the reform is measured on one territory.
        """
        own = self.wave_geography(wave)
        found: dict[str, Geography] = {}
        for other in self.wave_ids:
            ancestor = common_ancestor(own, self.wave_geography(other))
            if ancestor is not None and ancestor.layout != own.layout and former_regions(own, ancestor):
                found.setdefault(ancestor.layout, ancestor)
        return tuple(found.values())

    def former_territories(self, wave: str) -> dict[str, dict[str, tuple[str, ...]]]:
        """Per former layout of ``wave`` (:meth:`former_layouts`): each region its layout redrew -> the parts."""
        own = self.wave_geography(wave)
        return {ancestor.layout: former_regions(own, ancestor) for ancestor in self.former_layouts(wave)}

    def former_territory(self, wave: str, reference: str, code: str) -> tuple[Geography, str, tuple[str, ...]] | None:
        """The older territory region ``code`` of ``wave`` belonged to, when ``reference`` drew it as one region.

        (the layout both refine, the code there of the region it lies within,
        that region's parts in ``wave``'s layout): Douentza of a 2023 wave
        against a 2012 baseline -> (regions_2012, Mopti, (Mopti, Douentza,
        Bandiagara)). None when the region is the same territory in both, when
        ``wave``'s own layout is the older one (its region is then the whole
        territory: :meth:`change_domain`), or when no layout links them.
        """
        own, other = self.wave_geography(wave), self.wave_geography(reference)
        common = common_ancestor(own, other)
        if common is None or common.layout == own.layout or code in same_territory(own, other):
            return None
        if code not in own.codes:
            return None
        former = region_within(own, common, code)
        return common, former, former_regions(own, common)[former]

    def change_domain(self, wave: str, reference: str, code: str) -> str:
        """The domain of ``comparisons.csv`` holding the change of ``wave``'s region ``code`` against ``reference``.

        ``region``, unless ``reference`` is on a layout that splits the
        region (a partner still coding the 2012 regions after a baseline on
        the 2023 ones): the region is then compared with its territory in
        ``reference``, in domain ``region@<wave's layout>``.
        """
        own, other = self.wave_geography(wave), self.wave_geography(reference)
        common = common_ancestor(own, other)
        redrawn = code not in same_territory(own, other)
        if redrawn and common is not None and common.layout == own.layout != other.layout:
            return on_layout("region", own.layout)
        return "region"

    @cached_property
    def waves(self) -> dict[str, Wave]:
        waves = {}
        for wave_id, spec in self.config["waves"].items():
            design = spec["design"]
            fpc = design.get("fpc")
            weighting = spec.get("weighting") or {}
            bounds = weighting.get("bounds")
            waves[wave_id] = Wave(
                id=wave_id,
                label=dict(spec["label"]),
                source_paths=tuple(Path(p) for p in spec["sources"]),
                design=WaveDesign(
                    weight=design["weight"],
                    strata=design.get("strata"),
                    psu=design.get("psu"),
                    ssu=design.get("ssu"),
                    fpc=tuple(fpc) if isinstance(fpc, list) else fpc,
                    singleton=design.get("singleton", "fail"),
                ),
                weighting=WaveWeighting(
                    rake_to=tuple(self.root / p for p in weighting.get("rake_to") or ()),
                    bounds=tuple(bounds) if bounds else None,
                    trim_ratio=weighting.get("trim_ratio"),
                    absent_levels=weighting.get("absent_levels", "fail"),
                ),
                fieldwork=(spec["fieldwork"]["start"], spec["fieldwork"]["end"]) if spec.get("fieldwork") else None,
            )
        return waves

    @property
    def publication(self) -> Publication:
        spec = (self.config.get("report") or {}).get("publication") or {}
        return Publication(**{key: spec.get(key) for key in ("survey", "date", "version", "citation", "contact")})

    @property
    def wave_ids(self) -> list[str]:
        return list(self.waves)

    @property
    def domains(self) -> list[tuple[str, ...]]:
        return [tuple(d) for d in self.config["domains"]]

    @property
    def breakdowns(self) -> list[str]:
        """Grouping variables estimated nationally beside the domains (urban/rural, age groups), in order."""
        return list(self.config["breakdowns"])

    @property
    def languages(self) -> list[str]:
        return list(self.config["languages"])

    @property
    def min_cell_n(self) -> int:
        return int(self.config["min_cell_n"])

    def sources(self, wave_id: str) -> list[SourceMapping]:
        """The wave's source mappings, checked against the codebook (each source once); read once per project."""
        key = (wave_id, *(file_version(self.root / path) for path in self.waves[wave_id].source_paths))
        if key not in self._sources:
            self._sources[key] = tuple(self._load_sources(wave_id))
        return list(self._sources[key])

    def _load_sources(self, wave_id: str) -> list[SourceMapping]:
        mappings = []
        files: dict[Path, Path] = {}
        for path in self.waves[wave_id].source_paths:
            where = f"waves.{wave_id}.sources"
            same = files.get((self.root / path).resolve())
            if same is not None:
                raise ConfigError(f"{path} is the same file as {same}", file=self.file, where=where)
            files[(self.root / path).resolve()] = path
            mapping = load_source(self.root / path, self.codebook, self.root)
            if mapping.wave != wave_id:
                raise ConfigError(f"{path}: says wave {mapping.wave!r} but is listed under wave {wave_id!r} in config")
            twin = next((m for m in mappings if m.source_id == mapping.source_id), None)
            if twin is not None:
                raise ConfigError(
                    f"{path} and {twin.path} both have source_id {mapping.source_id} (each source needs its own)",
                    file=self.file,
                    where=where,
                )
            self.check_design_mapping(mapping, wave_id)
            mappings.append(mapping)
        return mappings

    def check_design_mapping(self, mapping: SourceMapping, wave_id: str) -> None:
        """A source maps every column its wave's design names, and no design variable the design does not use.

        A weights-only wave's file has no strata or PSUs: its mapping names
        none (no constant stratum, no per-row PSU), and a design variable
        mapped but unused by the design would be published as if it were one.
        """
        design = self.waves[wave_id].design
        place = f"waves.{wave_id}.design"
        unknown = [c for c in design.columns if c not in self.codebook.variables]
        if unknown:
            raise ConfigError(
                f"{unknown[0]!r} is not a codebook variable (see {self.config['codebook']})",
                file=self.file,
                where=place,
            )
        missing = [c for c in design.columns if c not in mapping.variables]
        if missing:
            raise ConfigError(
                f"{mapping.path}: design column(s) {', '.join(missing)} not mapped; "
                f"the design of wave {wave_id} ({self.file}: {place}) needs them"
            )
        unused = [
            name
            for name in mapping.variables
            if name in self.codebook.variables and self.codebook[name].role == "design" and name not in design.columns
        ]
        if unused:
            raise ConfigError(
                f"{mapping.path}: variables.{unused[0]}: a design variable the design of wave {wave_id} "
                f"does not use ({self.file}: {place} names {', '.join(design.columns)}); "
                f"remove it from the mapping, or name it in {place}"
            )

    def design_variables(self, wave_id: str) -> list[str]:
        """Codebook variables the wave's design names (weight, strata, PSUs...)."""
        return [c for c in self.waves[wave_id].design.columns if c in self.codebook.variables]

    def published(self, wave_id: str) -> list[str]:
        """Variables a wave publishes: the codebook's allowlist, less design variables its design does not use.

        A weights-only wave has no stratum or PSU column in responses.csv or
        the release, rather than an empty one that reads as a design.
        """
        used = set(self.waves[wave_id].design.columns)
        return [name for name in self.codebook.published() if self.codebook[name].role != "design" or name in used]

    def source(self, wave_id: str, source_id: str) -> SourceMapping:
        for mapping in self.sources(wave_id):
            if mapping.source_id == source_id:
                return mapping
        raise ConfigError(f"config: wave {wave_id} has no source {source_id!r}")

    def source_ids(self, wave_id: str) -> list[str]:
        return [m.source_id for m in self.sources(wave_id)]
