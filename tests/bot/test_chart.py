"""The digest chart: a real PNG of the requested size, whatever the series holds."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import struct

import pytest

from bot.chart import render_chart
from narrative.types import Digest

UNTIL = dt.datetime(2025, 3, 31, 7, tzinfo=dt.UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _digest(series: list[tuple[str, dt.datetime, float, str]], *, goal: str = "max",
            metric: str | None = "val_auc") -> Digest:
    return Digest(project="churn", since=UNTIL - dt.timedelta(days=7), until=UNTIL, primary_metric=metric,
                  goal=goal, series=series)  # type: ignore[arg-type]


def _series(count: int, *, approaches: int = 3) -> list[tuple[str, dt.datetime, float, str]]:
    return [
        (f"{i:032x}", UNTIL - dt.timedelta(days=40) + dt.timedelta(hours=9 * i), 0.6 + (i * 37 % 29) / 100,
         f"approach {i % approaches}" if i % 5 else "")
        for i in range(count)
    ]


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a valid PNG has right after its signature."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _decoded(data: bytes) -> tuple[int, int, int]:
    """Decode it for real (Pillow when present, else matplotlib's reader): (width, height, distinct colours)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib in practice
        import matplotlib.image as mpimg

        pixels = mpimg.imread(io.BytesIO(data), format="png")
        return pixels.shape[1], pixels.shape[0], len({tuple(p) for p in pixels.reshape(-1, pixels.shape[2])[::97]})
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        return image.width, image.height, len(colours)


@pytest.mark.parametrize(
    ("label", "digest"),
    [
        ("empty", _digest([])),
        ("one point", _digest(_series(1))),
        ("many points", _digest(_series(120))),
        ("min goal", _digest(_series(40), goal="min", metric="val_loss")),
        ("no primary metric", _digest([], metric=None)),
        ("many approaches", _digest(_series(60, approaches=14))),
        ("same instant", _digest([("a" * 32, UNTIL, 0.5, "x"), ("b" * 32, UNTIL, 0.7, "y")])),
        ("not finite", _digest([("a" * 32, UNTIL, float("nan"), "x"), ("b" * 32, UNTIL, float("inf"), "y")])),
        ("all old", _digest([(r, t - dt.timedelta(days=300), v, a) for r, t, v, a in _series(10)])),
    ],
)
def test_the_chart_is_a_valid_png_of_the_requested_size(label: str, digest: Digest) -> None:
    data = render_chart(digest)
    assert _png_size(data) == (900, 450), label
    width, height, colours = _decoded(data)
    assert (width, height) == (900, 450)
    assert colours > 2, f"{label}: a blank image"


def test_the_size_is_the_callers() -> None:
    data = render_chart(_digest(_series(10)), width_px=1200, height_px=600)
    assert _png_size(data) == (1200, 600)
    with pytest.raises(ValueError, match="too small"):
        render_chart(_digest(_series(10)), width_px=50, height_px=40)


def test_more_points_draw_more_and_a_goal_changes_the_best_line() -> None:
    # Not pixel-exact (fonts differ between machines) but a changed input must change the image.
    few, many = render_chart(_digest(_series(3))), render_chart(_digest(_series(60)))
    assert few != many
    assert render_chart(_digest(_series(30), goal="max")) != render_chart(_digest(_series(30), goal="min"))


async def test_charts_render_side_by_side_in_threads() -> None:
    # The scheduler renders off the event loop; matplotlib without pyplot must tolerate that.
    digests = [_digest(_series(n)) for n in (0, 1, 20, 80)]
    pngs = await asyncio.gather(*(asyncio.to_thread(render_chart, d) for d in digests))
    assert all(_png_size(p) == (900, 450) for p in pngs)
    assert pngs == [render_chart(d) for d in digests]  # deterministic, even when rendered concurrently


def test_the_axis_is_the_datas_and_each_approach_has_its_colour_and_name() -> None:
    import matplotlib.dates as mdates

    from bot.chart import build_figure

    # A day's runs, minutes apart: they must spread across the axis, not sit in one column of a week.
    day = dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC)
    series = [(f"{i:032x}", day + dt.timedelta(minutes=4 * i), 0.9 + i / 100, ["svm", "logreg", "forest"][i % 3])
              for i in range(9)]
    digest = Digest(project="iris", since=dt.datetime(2026, 11, 24, 23, tzinfo=dt.UTC),
                    until=dt.datetime(2026, 12, 1, 23, tzinfo=dt.UTC), primary_metric="val_acc", goal="max",
                    series=series)
    axes = build_figure(digest).axes[0]
    low, high = (mdates.num2date(x) for x in axes.get_xlim())
    assert low.date() == high.date() == day.date()
    assert high - low < dt.timedelta(hours=3)
    labels = [t.get_text() for t in axes.get_legend().get_texts()]
    assert labels[:3] == ["svm", "logreg", "forest"] and "best so far" in labels
    colours = {tuple(c.get_facecolor()[0]) for c in axes.collections[:3]}
    assert len(colours) == 3
    title = axes.get_title(loc="left")
    assert "2026-12-01" in title and "2026-11-24" not in title


def test_metric_columns_lead_with_the_primary_and_quoted_metrics() -> None:
    from bot.formatting import metric_columns, section_title

    names = ["training_accuracy_score", "training_f1_score", "f1", "val_acc", "val_auc"]
    assert metric_columns(names, primary="val_auc", text="acc was .9, F1 .8") == ["val_auc", "f1", "val_acc"]
    assert metric_columns(names[:2], primary="val_auc") == names[:2]  # nothing else logged: shown anyway
    assert section_title("open_questions") == "Open questions" and section_title("new_thing") == "New thing"
