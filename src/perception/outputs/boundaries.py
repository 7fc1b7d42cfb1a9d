"""Boundary files: polygons of first-level units from a GeoJSON, matched to the configured regions.

The file is read with :mod:`json`; each feature is matched to a configured
region by the first of its properties that ``Geography.match`` recognises (so
"Koulikouro" or "Segou" in an OCHA file find their region). Every feature
must match and every region must have a polygon: a map that silently lost a
region would mislead.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from perception.config.geography import Geography
from perception.errors import ConfigError


def _rings(geometry: dict) -> list[list[list[float]]]:
    """Outer rings of a Polygon or MultiPolygon (holes are not drawn: no region of Mali has one)."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    raise ValueError(f"geometry type {geometry['type']!r} is not a polygon")


def read_boundaries(path: Path, geography: Geography) -> pd.DataFrame:
    """Polygons of a GeoJSON FeatureCollection as rows (region_code, ring, x, y), in configured order."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        features = data["features"]
    except FileNotFoundError:
        raise ConfigError(f"{path}: boundary file not found (config report.boundaries)") from None
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a GeoJSON FeatureCollection ({exc})") from None
    rows, unmatched = [], []
    for number, feature in enumerate(features):
        properties = feature.get("properties") or {}
        texts = [str(v) for v in properties.values() if isinstance(v, str) and v.strip()]
        code = next((geography.match(t) for t in texts if geography.match(t)), None)
        if code is None:
            unmatched.append(f"feature {number} ({', '.join(texts[:4])})")
            continue
        try:
            rings = _rings(feature["geometry"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: feature {number} ({code}) has no usable polygon ({exc})") from None
        for ring_number, ring in enumerate(rings):
            rows += [
                {"region_code": code, "ring": f"{code}/{number}/{ring_number}", "x": float(x), "y": float(y)}
                for x, y, *_ in ring
            ]
    missing = [r.code for r in geography.regions if r.code not in {row["region_code"] for row in rows}]
    if unmatched or missing:
        problems = []
        if unmatched:
            problems.append("no configured region matches " + "; ".join(unmatched))
        if missing:
            problems.append("no polygon for " + ", ".join(missing))
        raise ConfigError(
            f"{path}: {'. '.join(problems)}. Add the spelling to the region's aliases in config/geography.yaml "
            f"or use a boundary file of layout {geography.layout}."
        )
    frame = pd.DataFrame(rows)
    order = {code: i for i, code in enumerate(geography.codes)}
    return frame.sort_values("region_code", key=lambda c: c.map(order), kind="stable").reset_index(drop=True)


def _label_points(boundaries: pd.DataFrame) -> pd.DataFrame:
    """Where each region's label goes: the area centroid of its largest ring.

    The centroid of the area, unlike the mean of the vertices, is not pulled
    towards a detailed stretch of border (or an enclave such as Bamako).
    """
    points = {}
    for (code, _), ring in boundaries.groupby(["region_code", "ring"], sort=False):
        x, y = ring["x"].to_numpy(), ring["y"].to_numpy()
        x1, y1 = np.roll(x, -1), np.roll(y, -1)
        cross = x * y1 - x1 * y
        area = cross.sum() / 2
        if area == 0:
            continue
        centroid = ((x + x1) @ cross / (6 * area), (y + y1) @ cross / (6 * area))
        if code not in points or abs(area) > points[code][0]:
            points[code] = (abs(area), *centroid)
    return pd.DataFrame([{"region_code": c, "x": p[1], "y": p[2]} for c, p in points.items()])
