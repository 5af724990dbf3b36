"""The digest's chart: the primary metric over time, one series per approach, and the best so far.

Platform-neutral: it returns PNG bytes that a front end uploads (Slack ``files_upload_v2``, Teams)
or the CLI writes to a file. matplotlib is imported lazily (it is slow to import and only the digest
needs it) and only through its object-oriented API with the Agg canvas: no ``pyplot``, so no global
figure registry, no GUI backend, and two digests can render in two threads at once.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import TYPE_CHECKING

from narrative.types import Digest

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 100
# Beyond this many approaches a legend stops being readable; the smallest ones are pooled.
MAX_SERIES = 8
UNASSIGNED = "no approach yet"
OTHERS = "other approaches"
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")
_LABEL_CHARS = 32


def render_chart(digest: Digest, *, width_px: int = 900, height_px: int = 450) -> bytes:
    """PNG bytes of ``digest.series``: x = run start, y = the primary metric, a colour and marker per
    approach, and a step line of the best value so far (``max`` or ``min`` as the project's goal says).
    With no usable point it still renders a figure that says there are no runs yet."""
    figure = build_figure(digest, width_px=width_px, height_px=height_px)
    buffer = io.BytesIO()
    # No bbox_inches="tight": it would change the pixel size the caller asked for.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def build_figure(digest: Digest, *, width_px: int = 900, height_px: int = 450) -> Figure:
    """The chart as a matplotlib ``Figure`` (what :func:`render_chart` saves; tests read it back)."""
    from matplotlib.figure import Figure

    if width_px < 200 or height_px < 150:
        raise ValueError(f"a chart of {width_px}x{height_px} px is too small to read")
    metric = digest.primary_metric or "primary metric"
    # NaN and infinities are possible tracker values; they cannot be placed on an axis.
    points = sorted(
        ((start, value, approach or UNASSIGNED) for _, start, value, approach in digest.series if math.isfinite(value)),
        key=lambda p: p[0],
    )
    figure = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    covered = f", {_span(points[0][0], points[-1][0])}" if points else ""
    axes.set_title(f"{digest.project}: {metric} over time{covered}", fontsize=13, loc="left")
    if not points:
        _empty(axes, digest)
    else:
        _plot(axes, digest, points, metric=metric)
    return figure


def _span(first: dt.datetime, last: dt.datetime) -> str:
    """The dates the points cover, as the header of the digest names them."""
    return f"{first:%Y-%m-%d}" if first.date() == last.date() else f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


def _empty(axes: Axes, digest: Digest) -> None:
    reason = "no runs yet" if digest.primary_metric else "no runs yet (and no primary metric set)"
    axes.text(0.5, 0.5, reason, ha="center", va="center", fontsize=16, color="#666666", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)


def _plot(axes: Axes, digest: Digest, points: list[tuple[dt.datetime, float, str]], *, metric: str) -> None:
    import matplotlib.dates as mdates

    def x_of(moment: dt.datetime) -> float:
        # Explicit date numbers (UTC) rather than datetimes: typed, and independent of unit registries.
        return float(mdates.date2num(moment))

    groups = _group(points)
    colours = _palette(len(groups))
    for index, (name, members) in enumerate(groups.items()):
        axes.scatter(
            [x_of(m[0]) for m in members],
            [m[1] for m in members],
            label=_short(name),
            color=colours[index],
            marker=_MARKERS[index % len(_MARKERS)],
            s=36,
            alpha=0.85,
            edgecolors="white",
            linewidths=0.5,
            zorder=3,
        )
    xs, ys = _best_so_far(points, goal=digest.goal)
    # The x axis is the data's: from the first run to the last, with a margin. A fixed 7-day window
    # would squeeze a day's runs into one column, and empty days say nothing.
    first, last = points[0][0], points[-1][0]
    margin = max((last - first) * 0.05, dt.timedelta(minutes=3))
    low, high = first - margin, last + margin
    axes.step(
        [x_of(x) for x in [*xs, last]], [*ys, ys[-1]],
        where="post", color="#222222", linewidth=1.6, label="best so far", zorder=2,
    )
    axes.annotate(
        _fmt(ys[-1]),
        (x_of(xs[-1]), ys[-1]),
        textcoords="offset points",
        xytext=(6, 8 if digest.goal == "max" else -14),
        fontsize=9,
        color="#222222",
    )
    shade_from, shade_to = max(digest.since, low), min(digest.until, high)
    # Shade the part of the digest's window the axis shows, unless it is all of it (then it says nothing).
    if shade_from < shade_to and not (digest.since <= low and high <= digest.until):
        axes.axvspan(x_of(shade_from), x_of(shade_to), color="#f2c94c", alpha=0.15, zorder=0,
                     label="this digest's days")
    axes.set_xlim(x_of(low), x_of(high))
    axes.xaxis_date(tz=dt.UTC)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8, tz=dt.UTC)
    axes.xaxis.set_major_locator(locator)
    # Dates as people write them; the hours only when the runs fit in two days, the day once if in one.
    one_day = low.date() == high.date()
    pattern = "%H:%M" if one_day else "%b %d\n%H:%M" if high - low <= dt.timedelta(days=2) else "%b %d"
    axes.xaxis.set_major_formatter(mdates.DateFormatter(pattern, tz=dt.UTC))
    axes.set_xlabel(f"run start ({low:%Y-%m-%d}, UTC)" if one_day else "run start (UTC)")
    axes.set_ylabel(f"{metric} ({'higher' if digest.goal == 'max' else 'lower'} is better)")
    axes.grid(True, alpha=0.3, linewidth=0.6)
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)
    # Outside the plot on the right: inside, it hides the points it explains.
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


def _group(points: list[tuple[dt.datetime, float, str]]) -> dict[str, list[tuple[dt.datetime, float, str]]]:
    groups: dict[str, list[tuple[dt.datetime, float, str]]] = {}
    for point in points:
        groups.setdefault(point[2], []).append(point)
    if len(groups) <= MAX_SERIES:
        return groups
    # Keep the approaches with the most runs; pool the rest so the legend stays readable.
    ranked = sorted(groups, key=lambda name: (-len(groups[name]), name))
    kept = {name: groups[name] for name in ranked[: MAX_SERIES - 1]}
    kept[OTHERS] = sorted((p for name in ranked[MAX_SERIES - 1 :] for p in groups[name]), key=lambda p: p[0])
    return kept


def _best_so_far(
    points: list[tuple[dt.datetime, float, str]], *, goal: str
) -> tuple[list[dt.datetime], list[float]]:
    """The points where the best value changed (time-ordered input), for a post-step line."""
    xs: list[dt.datetime] = []
    ys: list[float] = []
    for start, value, _ in points:
        better = not ys or (value > ys[-1] if goal == "max" else value < ys[-1])
        if better:
            xs.append(start)
            ys.append(value)
    return xs, ys


def _palette(count: int) -> list[tuple[float, float, float, float]]:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(count)]


def _short(name: str) -> str:
    return name if len(name) <= _LABEL_CHARS else name[: _LABEL_CHARS - 1] + "…"


def _fmt(value: float) -> str:
    return f"{value:.4g}"
