"""Adjusted p-values written out in numpy: the same numbers as statsmodels and R's ``p.adjust``.

``multipletests`` is the reference the adjustment replaced (it runs the
garbage collector on every Holm call); R's ``p.adjust`` is the reference a
reviewer re-derives the released table with. Random families include ties,
p-values of 0 and 1 and families of one.
"""

from __future__ import annotations

import gc
import shutil
import subprocess

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from perception.estimate.multiplicity import METHODS, adjusted_p_values

R_METHODS = {"bonferroni": "bonferroni", "holm": "holm", "fdr_bh": "BH"}


def _families(seed: int = 13, count: int = 300) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    families = []
    for _ in range(count):
        m = int(rng.integers(1, 40))
        kind = rng.integers(0, 4)
        if kind == 0:  # mostly nulls
            p = rng.uniform(size=m)
        elif kind == 1:  # some strong effects
            p = rng.uniform(size=m) ** rng.uniform(1, 8)
        elif kind == 2:  # ties, as rounded p-values give
            p = np.round(rng.uniform(0, 0.2, size=m), 3)
        else:  # the edges
            p = rng.choice([0.0, 1e-300, 0.0125, 0.05, 0.5, 1.0], size=m)
        families.append(p)
    return families


@pytest.mark.parametrize("method", METHODS)
def test_identical_to_statsmodels_on_random_families(method, monkeypatch):
    # multipletests' garbage collection changes no number but costs seconds per call in a full test worker
    monkeypatch.setattr(gc, "collect", lambda *args, **kwargs: 0)
    for p in _families():
        for alpha in (0.05, 0.1, 0.01):
            declared, adjusted = adjusted_p_values(p, method, alpha)
            reference_declared, reference_adjusted, _, _ = multipletests(p, alpha=alpha, method=method)
            assert np.array_equal(declared, reference_declared), (method, alpha, p)
            assert np.array_equal(adjusted, reference_adjusted), (method, alpha, p)  # bit for bit


def test_hand_worked_family():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    declared, adjusted = adjusted_p_values(p, "holm", 0.05)
    assert adjusted.tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert declared.tolist() == [True, False, False, True]
    declared, adjusted = adjusted_p_values(p, "fdr_bh", 0.05)
    assert adjusted.tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert declared.all()
    declared, adjusted = adjusted_p_values(p, "bonferroni", 0.05)
    assert adjusted.tolist() == pytest.approx([0.04, 0.16, 0.12, 0.02])
    assert declared.tolist() == [True, False, False, True]


def test_unknown_method_and_empty_family():
    with pytest.raises(ValueError, match="unknown adjustment"):
        adjusted_p_values(np.array([0.1]), "sidak", 0.05)
    declared, adjusted = adjusted_p_values(np.array([]), "holm", 0.05)
    assert declared.size == 0 and adjusted.size == 0


def test_same_as_r_p_adjust(tmp_path):
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("R is not installed (apt-get install r-base-core to compare with p.adjust)")
    families = _families(seed=2026, count=40)
    lines = [",".join(repr(float(v)) for v in p) for p in families]
    (tmp_path / "p.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    script = (
        "lines <- readLines(commandArgs(TRUE)[1]); "
        "for (l in lines) { p <- as.numeric(strsplit(l, ',')[[1]]); "
        "for (m in c('bonferroni', 'holm', 'BH')) cat(m, sprintf('%.17g', p.adjust(p, m)), '\\n') }"
    )
    result = subprocess.run(
        [rscript, "-e", script, str(tmp_path / "p.txt")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    rows = iter(result.stdout.splitlines())
    for p in families:
        for method in METHODS:
            name, *values = next(rows).split()
            assert name == R_METHODS[method]
            _, adjusted = adjusted_p_values(p, method, 0.05)
            # R computes m*p/i (or cumulative min/max) in another order: equal to the last bits
            np.testing.assert_allclose(adjusted, np.array(values, dtype=float), rtol=1e-14, atol=0)
