"""Content-addressed drawings: an unchanged plot is not drawn again, a changed one always is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import plotnine as p9
import pytest

from perception.config.project import Project
from perception.outputs.drawings import KEY_CHARS, Drawings
from perception.outputs.fingerprint import Unfingerprintable, fingerprint
from perception.outputs.style import save_png, theme_perception
from perception.stale import stale_outputs

REPO = Path(__file__).resolve().parents[1]


def small_plot(estimates=(0.25, 0.54), title="Menaces", colours=("#1f4e79", "#c55a11")) -> p9.ggplot:
    frame = pd.DataFrame({"region": ["Kayes", "Mopti"], "estimate": list(estimates)})
    return (
        p9.ggplot(frame, p9.aes("region", "estimate", colour="region"))
        + p9.geom_point()
        # layer parameters and annotation frames that plotnine builds from sets
        + p9.geom_tile(width=0.9, height=0.1, colour="#1a1a1a", size=0.3, fill="#eee6d3")
        + p9.annotate("rect", xmin=0.5, xmax=1.5, ymin=0, ymax=0.1, alpha=0.2)
        + p9.scale_colour_manual(values=dict(zip(["Kayes", "Mopti"], colours, strict=True)))
        + p9.labs(title=title)
        + theme_perception(4, 3)
    )


def test_fingerprint_is_the_same_in_every_process_whatever_the_hash_seed():
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_drawings import small_plot\n"
        "from perception.outputs.fingerprint import fingerprint\n"
        "print(fingerprint(small_plot()))\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("0", "1", "12345")
    }
    assert len(digests) == 1
    assert digests == {fingerprint(small_plot())}


def test_a_plot_draws_the_same_bytes_in_another_process(tmp_path):
    """What makes reusing a kept drawing safe: drawing again would give exactly these bytes."""
    here, there = tmp_path / "here.png", tmp_path / "there.png"
    save_png(small_plot(), here, "fr", 4, 3)
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from pathlib import Path\n"
        "from test_drawings import small_plot\n"
        "from perception.outputs.style import save_png\n"
        f"save_png(small_plot(), Path({str(there)!r}), 'fr', 4, 3)\n"
    )
    subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": "7"}, check=True)
    assert here.read_bytes() == there.read_bytes()


@pytest.mark.parametrize(
    "changed",
    [
        {"estimates": (0.25, 0.55)},  # one value
        {"title": "Menaces perçues"},  # a label
        {"colours": ("#1f4e79", "#000000")},  # a value held only in a palette's closure
    ],
)
def test_any_change_that_shows_changes_the_fingerprint(changed):
    assert fingerprint(small_plot(**changed)) != fingerprint(small_plot())


def test_a_mapping_evaluated_in_the_callers_namespace_is_refused():
    factor = 100
    plot = p9.ggplot(pd.DataFrame({"x": [1.0]}), p9.aes("x", f"x * {factor}")) + p9.geom_point()
    with pytest.raises(Unfingerprintable, match="caller's namespace"):
        fingerprint(plot)


def test_an_unchanged_plot_is_copied_and_a_changed_one_drawn(tmp_path):
    out = tmp_path / "figures"
    path, phone = out / "fr/charts/summary.png", out / "fr/charts/summary-phone.png"
    first = Drawings(out)
    save_png(small_plot(), path, "fr", 4, 3, first)
    save_png(small_plot(title="Téléphone"), phone, "fr", 4, 3, first)
    drawn = path.read_bytes()
    assert (first.drawn, first.reused) == (2, 0)

    path.unlink()  # as Snakemake deletes a rerun job's outputs
    again = Drawings(out)
    save_png(small_plot(), path, "fr", 4, 3, again)
    assert (again.drawn, again.reused) == (0, 1)
    assert path.read_bytes() == drawn

    changed = Drawings(out)
    save_png(small_plot(estimates=(0.25, 0.60)), path, "fr", 4, 3, changed)
    save_png(small_plot(estimates=(0.25, 0.60)), out / "fr/charts/other.png", "en", 4, 3, changed)
    assert (changed.drawn, changed.reused) == (2, 0)
    assert path.read_bytes() != drawn
    kept = {p.name.split(".")[0]: p for p in (out / ".drawn/fr/charts").iterdir()}
    # one kept drawing per output: the summary's earlier one is gone, its phone drawing is not
    assert sorted(kept) == ["other", "summary", "summary-phone"]
    assert len(list((out / ".drawn/fr/charts").iterdir())) == 3
    assert all(len(p.name.split(".")[1]) == KEY_CHARS for p in kept.values())
    assert kept["summary"].read_bytes() == path.read_bytes()


def test_the_same_plot_at_another_size_or_language_is_drawn_again(tmp_path):
    out = tmp_path / "figures"
    drawings = Drawings(out)
    keys = {
        drawings.key(small_plot(), "fr", 4, 3, 150),
        drawings.key(small_plot(), "en", 4, 3, 150),
        drawings.key(small_plot(), "fr", 4.2, 3, 150),
        drawings.key(small_plot(), "fr", 4, 3, 300),
    }
    assert len(keys) == 4


def test_kept_drawings_are_not_removed_as_stale_outputs(tmp_path):
    project = Project.from_file("config/config.yaml", root=REPO)
    out = tmp_path / "figures"
    save_png(small_plot(), out / "fr/charts/summary.png", "fr", 4, 3, Drawings(out))
    assert (out / ".drawn").is_dir()
    assert not [p for p in stale_outputs(project, tmp_path) if ".drawn" in p.parts]


@pytest.mark.slow
def test_every_chart_of_the_workflow_can_be_reused(workflow_run):
    """Each figures, charts and maps job fingerprinted every plot it drew (none fell back to drawing)."""
    logs = sorted((workflow_run / "logs").glob("*.log"))
    drawing_logs = [p for p in logs if p.name.startswith(("figures_", "charts_", "maps_"))]
    assert drawing_logs
    for log in drawing_logs:
        text = log.read_text(encoding="utf-8")
        assert "drawn without reuse" not in text, log.name
        assert " drawn, " in text, log.name
