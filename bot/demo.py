"""``coco demo``: a real, local walk-through of COCO.

The runs (:mod:`bot.demo_runs`) are small scikit-learn models trained now and logged to a local MLflow
store with start times over the last three working days. This module writes the end-of-day messages two
people would have sent about them (from the real numbers, so the wording stays true whatever they come
out as), and drives COCO through the same ``Narrator`` the bots use: entries, a phase summary, "you
already tried this?", a question and the digest.

Everything lives in ``$COCO_HOME/demo/`` (its own COCO database and MLflow store), rebuilt on every
run: running it twice is safe and gives the same walk-through. The user's own projects are never
touched. Nothing goes over the network: the local engine writes every reply.

Imports of scikit-learn, MLflow and rich are lazy (``coco check`` must start fast).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shlex
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.demo_runs import (
    DATASET_VERSION,
    DAY2_GBM,
    EXPERIMENT,
    RUN_COUNT,
    VAL_FRACTION,
    DemoHistory,
    RunResult,
    build_history,
    last_working_days,
    utc_at,
)
from core.errors import UserInputError

if TYPE_CHECKING:
    from rich.console import Console

    from bot.settings import Settings

PROJECT = "nines"
MARKER = ".coco-demo"  # written into the demo folder: only a folder carrying it is ever deleted
# When each person writes to COCO (day index, "HH:MM" UTC, author).
MESSAGE_TIMES: tuple[tuple[int, str, str], ...] = ((0, "18:40", "maya"), (1, "18:05", "sam"), (2, "17:50", "maya"))


# -- the end-of-day messages, written from the real numbers ------------------------------------------
def v3(value: float) -> str:
    """A metric as a person types it: ``.951``."""
    return f"{value:.3f}".removeprefix("0")


def v2(value: float) -> str:
    return f"{value:.2f}".removeprefix("0")


def secs(value: float) -> str:
    return f"{value:.2f}s" if value < 10 else f"{value:.0f}s"


TIE = 0.002  # closer than this on val_auc is "about the same" (the seed spread is of that order)
CLEAR = 0.01  # further apart than this is "clearly" better or worse


def cmp(a: float, b: float, *, tie: float = TIE) -> str:
    """``better`` | ``worse`` | ``about the same``: ``a`` against ``b`` (higher is better)."""
    if a > b + tie:
        return "better"
    if a < b - tie:
        return "worse"
    return "about the same"


def cmp_words(a: float, b: float, *, tie: float = TIE) -> str:
    """Like :func:`cmp`, with the size of the gap: ``clearly better``, ``a bit worse``, ..."""
    verdict = cmp(a, b, tie=tie)
    if verdict == "about the same":
        return verdict
    return f"{'clearly' if abs(a - b) > CLEAR else 'a bit'} {verdict}"


def _best(runs: Sequence[RunResult], metric: str = "val_auc") -> RunResult:
    return max((r for r in runs if r.status == "FINISHED"), key=lambda r: r.m(metric))


def _median_fit(runs: Sequence[RunResult]) -> float:
    import statistics

    return statistics.median(r.m("fit_seconds") for r in runs if r.status == "FINISHED")


def message_day1(h: DemoHistory) -> str:
    """Maya, end of day 1: terse bullets with pasted run-id prefixes."""
    auc = "val_auc"
    lr, bal, us, rf, rfb = h["lr"], h["lr_bal"], h["lr_us"], h["rf"], h["rf_bal"]
    thrown = 100 * (1 - us.rows / h.train_rows)
    bal_line = {"better": f"auc up to {v3(bal.m(auc))}", "worse": f"auc went down ({v3(bal.m(auc))})",
                "about the same": f"auc flat ({v3(bal.m(auc))})"}[cmp(bal.m(auc), lr.m(auc))]
    f1_move = "up" if bal.m("val_f1") > lr.m("val_f1") else "down"
    us_vs = cmp(us.m(auc), _best([lr, bal]).m(auc))
    us_line = {
        "worse": f"{v3(us.m(auc))}, worse than both, and it throws away ~{thrown:.0f}% of the training rows. "
                 "not doing that again",
        "better": f"{v3(us.m(auc))}, better than weighting (!) even though it throws away ~{thrown:.0f}% of "
                  "the rows. worth a second look",
        "about the same": f"{v3(us.m(auc))}, same as weighting but throws away ~{thrown:.0f}% of the rows. meh",
    }[us_vs]
    rf_word = {"better": "beats logreg", "worse": "below logreg", "about the same": "ties logreg"}[
        cmp(rf.m(auc), lr.m(auc))]
    slower = rf.m("fit_seconds") / max(lr.m("fit_seconds"), 1e-3)
    return "\n".join([
        f"nines detector, day 1 (noisy digits, ~{100 * h.positives:.0f}% positives)",
        f"- logreg baseline ({lr.prefix}) val_auc {v3(lr.m(auc))}, pr_auc {v2(lr.m('val_pr_auc'))} "
        "-- that's the floor",
        f"- class_weight=balanced ({bal.prefix}): {bal_line}, f1 {v2(lr.m('val_f1'))} -> "
        f"{v2(bal.m('val_f1'))} ({f1_move})",
        f"- undersampling the negatives 1:1 ({us.prefix}): {us_line}",
        f"- {rf.name} ({rf.prefix}) {v3(rf.m(auc))}: {rf_word}, but {secs(rf.m('fit_seconds'))} per fit vs "
        f"{secs(lr.m('fit_seconds'))} for logreg"
        + (f" (~{slower:.0f}x slower)" if slower >= 2 else ""),
        f"- rf w/ balanced_subsample (bold-falcon-23): {v3(rfb.m(auc))}, {cmp_words(rfb.m(auc), rf.m(auc))} "
        "than plain rf",
        "- next: gradient boosting (HistGradientBoosting), tune depth / learning rate",
        "- q: is this much pixel noise what the scanner really gives us, or are we tuning to an artefact?",
    ])


def message_day2(h: DemoHistory) -> str:
    """Sam, end of day 2: one long lowercase Slack paragraph, an emoji and a typo."""
    auc = "val_auc"
    d3, d6, d4, slow, us, svc, big = (h[k] for k in ("hgb_d3", "hgb_d6", "hgb_d4", "hgb_slow", "hgb_us",
                                                    "svc", "rf_big"))
    rf300, rf_best = h["rf"], _best([h["rf"], h["rf_bal"], h["rf_big"]])
    parts = ["ok gradient boosting day 🌲"]
    speed = rf300.m("fit_seconds") / max(d3.m("fit_seconds"), 1e-3)
    parts.append(
        f"hist gbm depth 3 / lr .1 ({d3.prefix}) got {v3(d3.m(auc))} which "
        + {"better": "already beats", "worse": "is still under", "about the same": "ties"}[
            cmp(d3.m(auc), rf300.m(auc))]
        + f" maya's {rf300.name} ({v3(rf300.m(auc))})" + (f" and fits ~{speed:.0f}x faster." if speed >= 2 else ".")
    )
    d6_vs = cmp(d6.m(auc), d3.m(auc))
    overfit = d6.m("train_auc") - d6.m(auc)
    if d6_vs == "worse":
        parts.append(f"going deeper hurt: depth 6 was {v3(d6.m(auc))} with train auc "
                     f"{v3(d6.m('train_auc'))} so its basically memorising the noise.")
    else:
        parts.append(f"depth 6: {v3(d6.m(auc))}, {cmp_words(d6.m(auc), d3.m(auc))} than depth 3"
                     + (f" even though train auc is {v3(d6.m('train_auc'))}." if overfit > 0.02 else "."))
    parts.append(f"quick-lynx-7 (depth 4) {v3(d4.m(auc))}, {cmp_words(d4.m(auc), d3.m(auc))} than depth 3.")
    day_best = _best([h[k] for k in DAY2_GBM])
    slow_word = ("best of the day" if day_best is slow
                 else {"better": "better than depth 3 at lr .1 but not the best", "worse": "no better",
                       "about the same": "about the same as depth 3 at lr .1"}[cmp(slow.m(auc), d3.m(auc))])
    parts.append(f"lr .05 w/ 400 iters (calm-otter-41) {v3(slow.m(auc))}, {slow_word}.")
    us_vs = cmp(us.m(auc), slow.m(auc))
    if us_vs == "worse":
        parts.append("also tried undersampling again, on calm-otter-41's config (hgb-d3-undersample), and it "
                     f"was worse again ({v3(us.m(auc))}), so i'm calling undersampling dead for this one.")
    else:
        parts.append("also tried undersampling again, on calm-otter-41's config (hgb-d3-undersample): "
                     f"{v3(us.m(auc))}, {us_vs} than without, so maybe not dead yet.")
    gbm_best = _best([d3, d4, d6, slow])
    rf_speed = _median_fit([rf300, h["rf_bal"], big]) / max(_median_fit([d3, d4, d6, slow]), 1e-3)
    slower = f" and ~{rf_speed:.0f}x slower to fit" if rf_speed >= 2 else ""
    rf_vs = cmp(rf_best.m(auc), gbm_best.m(auc))
    if rf_vs == "worse":
        parts.append(f"{big.name} took {secs(big.m('fit_seconds'))} a fit for {v3(big.m(auc))}, and even the "
                     f"best rf ({rf_best.name}, {v3(rf_best.m(auc))}) is under the best gbm "
                     f"({gbm_best.name}, {v3(gbm_best.m(auc))}){slower}, so i'd drop random forest.")
    else:
        parts.append(f"{big.name} took {secs(big.m('fit_seconds'))} a fit for {v3(big.m(auc))}; the best rf "
                     f"({rf_best.name}, {v3(rf_best.m(auc))}) is {rf_vs if rf_vs == 'better' else 'level'} with "
                     f"the best gbm ({v3(gbm_best.m(auc))}){slower}"
                     + (", so i'd drop random forest for iteration speed." if slower else
                        ", so random forest stays in for now."))
    if svc.status == "FAILED":
        parts.append("the svc run (svc-rbf-proba) crashed, i fat-fingered gamma=-0.1, so no number there and "
                     "im not re-running it, svm probabilites are slow anyway.")
    parts.append(f"next: class weighting on {day_best.name}'s config + a seed check.")
    parts.append(f"open q: should the primary metric be pr_auc instead of auc with only "
                 f"{100 * h.positives:.0f}% positives?")
    return " ".join(parts)


def message_day3(h: DemoHistory) -> str:
    """Maya, end of day 3: a small markdown table of her runs, then bullets."""
    auc, pr, f1 = "val_auc", "val_pr_auc", "val_f1"
    base = h[h.base_key]
    hb = base.spec.hyper
    halflr = h["hgb_halflr"].spec.hyper
    rows = [("hgb_bal", "class_weight=balanced"), ("hgb_l2", "l2_regularization=1.0"),
            ("hgb_allfeat", "max_features=1.0"),
            ("hgb_halflr", f"lr {halflr['learning_rate']:g}, {halflr['max_iter']} iters"),
            ("seed7", "seed 7"), ("seed123", "seed 123"), ("seed2024", "seed 2024")]
    lines = [f"gbm follow-ups on {base.spec.author}'s {base.name} config (depth {hb['max_depth']}, "
             f"lr {hb['learning_rate']:g}, {hb['max_iter']} iters, max_features {hb['max_features']:g})", "",
             "| run | change | val_auc | val_pr_auc | val_f1 |", "|---|---|---|---|---|"]
    for key, change in rows:
        r = h[key]
        lines.append(f"| {r.prefix} | {change} | {r.m(auc):.3f} | {r.m(pr):.3f} | {r.m(f1):.3f} |")
    seeds = [base.m(auc), h["seed7"].m(auc), h["seed123"].m(auc), h["seed2024"].m(auc)]
    mean = sum(seeds) / len(seeds)
    noise = (max(seeds) - min(seeds)) / 2
    tie = max(TIE, noise)
    lucky = noise > TIE and base.m(auc) >= max(seeds) and base.m(auc) - mean > TIE
    lines += ["", f"- seeds 7 / 123 / 2024 next to {base.name} itself (seed 42): {v3(min(seeds))} to "
              f"{v3(max(seeds))}, mean {v3(mean)}, so seed noise is about ±{noise:.3f}"
              + (f". {base.name} was the luckiest seed" if lucky else "")]
    bal = h["hgb_bal"]
    f1_word = "up" if bal.m(f1) > base.m(f1) else "down"
    if cmp(bal.m(auc), mean, tie=tie) == "about the same":
        lines.append(f"- class weighting: auc within seed noise ({v3(bal.m(auc))}), f1 {f1_word} "
                     f"({v2(base.m(f1))} -> {v2(bal.m(f1))}), so it mostly moves the threshold")
    else:
        lines.append(f"- class weighting: {cmp(bal.m(auc), mean, tie=tie)} than the seed mean "
                     f"({v3(bal.m(auc))} vs {v3(mean)}), more than the seed noise; f1 {f1_word}")
    for key, what in (("hgb_l2", "l2=1.0"), ("hgb_allfeat", "all features per split"),
                      ("hgb_halflr", "half the lr, twice the iters")):
        r = h[key]
        vs = cmp(r.m(auc), mean, tie=tie)
        lines.append(f"- {what}: {v3(r.m(auc))}, "
                     + ("within seed noise" if vs == "about the same" else f"{vs} than the seed mean"))
    best = _best(list(h.runs.values()))
    families = {"rf": "random forest", "logreg": "logistic regression", "hgb": "gradient boosting",
                "svc": "svm"}
    lines.append(f"- best val_auc so far: {best.name} ({best.prefix}) {v3(best.m(auc))}, "
                 f"{families[best.spec.model]}" + (", partly a lucky seed" if lucky and best is base else ""))
    rfs = [h["rf"], h["rf_bal"], h["rf_big"]]
    gbms = [r for r in h.runs.values() if r.spec.model == "hgb" and r.spec.sampler == "none"]
    rf_vs = cmp(_best(rfs).m(auc), _best(gbms).m(auc), tie=tie)
    slower = _median_fit(rfs) > 2 * _median_fit(gbms)
    if rf_vs == "worse":
        why = "worse than the gbm" + (" and slower" if slower else "")
        lines.append(f"- decision: dropping random forest, {why}. undersampling is out too")
    elif slower:
        lines.append("- decision: dropping random forest, no better than the gbm and much slower to iterate on. "
                     "undersampling is out too")
    else:
        lines.append("- random forest is level with the gbm, keeping both for now. undersampling is out")
    lines.append(f"- next: calibrate the probabilities (isotonic vs platt), freeze {DATASET_VERSION} "
                 "as the dataset version")
    lines.append("- open q: does anyone downstream need calibrated probabilities, or only the ranking?")
    return "\n".join(lines)


def messages(h: DemoHistory) -> list[tuple[dt.datetime, str, str]]:
    """The three end-of-day messages: (when, author, text)."""
    texts = (message_day1(h), message_day2(h), message_day3(h))
    return [(utc_at(h.days[day], hhmm), author, text)
            for (day, hhmm, author), text in zip(MESSAGE_TIMES, texts, strict=True)]


# -- the walk-through ---------------------------------------------------------------------------------
def prepare_home(demo_home: Path) -> None:
    """Empty the demo folder (only if it is the demo's own) and mark it as the demo's."""
    if demo_home.exists():
        if not demo_home.is_dir():
            raise UserInputError(f"{demo_home} is a file; `coco demo` needs that path for its own folder.")
        if any(demo_home.iterdir()) and not (demo_home / MARKER).exists():
            raise UserInputError(
                f"{demo_home} exists and was not made by `coco demo`; move it away (the demo rebuilds that folder)."
            )
        shutil.rmtree(demo_home)
    demo_home.mkdir(parents=True)
    (demo_home / MARKER).write_text("made by `coco demo`; deleted and rebuilt on every run\n", encoding="utf-8")


def _heading(console: Console, text: str) -> None:
    console.print()
    console.rule(f"[bold cyan]{text}[/]", align="left")


def _said(console: Console, author: str, text: str, when: dt.datetime) -> None:
    from rich.panel import Panel
    from rich.text import Text

    console.print(Panel(Text(text), title=f"{author} → COCO", title_align="left",
                        subtitle=f"{when:%a %d %b %H:%M} UTC", subtitle_align="right", border_style="dim"))


def _runs_table(console: Console, h: DemoHistory) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title=f"MLflow experiment {EXPERIMENT!r} (the real values)", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, padding=(0, 1))
    for col in ("when", "who", "run", "name", "val_auc", "fit s", "not logged"):
        wraps = col in {"name", "not logged"}
        table.add_column(col, justify="right" if col in {"val_auc", "fit s"} else "left", no_wrap=not wraps,
                         overflow="fold" if wraps else "ellipsis")
    for r in sorted(h.runs.values(), key=lambda r: r.start):
        missing = [label for label, ok in (("commit", r.spec.commit), ("data", r.spec.dataset_tag),
                                           ("seed", r.spec.log_seed)) if not ok]
        finished = r.status == "FINISHED"
        table.add_row(f"{r.start:%a %H:%M}", r.spec.author, r.prefix, r.name,
                      f"{r.m('val_auc'):.3f}" if finished else f"[red]{r.status.lower()}[/]",
                      f"{r.m('fit_seconds'):.2f}" if finished else "—", ",".join(missing))
    console.print(table)


def _require_demo_extra() -> None:
    """scikit-learn is the demo's extra (the runtime and the container image leave it out): without it
    the demo says how to install it before it touches anything, instead of failing mid-way."""
    import importlib.util

    if importlib.util.find_spec("sklearn") is None:
        raise UserInputError("`coco demo` trains scikit-learn models, which this installation leaves out: "
                             "install them with `pip install -e '.[demo]'` in COCO's clone (`make demo` does it).")


async def run_demo(settings: Settings, *, fresh: bool = False) -> int:
    """Build the demo history and walk through COCO's conversations; 0 on success.

    ``fresh`` is accepted for the CLI's ``--fresh``: the demo folder is rebuilt on every run anyway.
    """
    _require_demo_extra()
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    from rich.console import Console
    from rich.markup import escape

    from bot import render_terminal as view
    from bot.app import open_narrator

    del fresh  # always fresh: see the docstring
    console = Console(highlight=False)
    demo_home = (settings.home_dir / "demo").resolve()
    db_url = f"sqlite:///{demo_home / 'coco.db'}"
    tracking_uri = f"sqlite:///{demo_home / 'mlflow.db'}"
    demo_settings = settings.model_copy(update={
        "home": demo_home, "database_url": db_url, "mlflow_tracking_uri": tracking_uri, "engine": "local",
    })
    started = time.perf_counter()
    console.print(f"[bold]coco demo[/] — everything below lives in {escape(str(demo_home))}, rebuilt on every run "
                  "(safe to repeat; your own projects are untouched; local engine, no network).")
    prepare_home(demo_home)

    days = last_working_days(dt.datetime.now(dt.UTC).date())
    _heading(console, "The work: two people, three days, real models")
    console.print(f"Maya and Sam are building a detector for the digit 9 on scikit-learn's 8×8 digits "
                  f"(with fixed-seed pixel noise, so it is not too easy); only about 1 in 10 images is a 9. "
                  f"They log every run to MLflow as usual. Training {RUN_COUNT} small models now, back-dated "
                  f"to {days[0]:%a %d %b}–{days[-1]:%a %d %b}…")
    history = await asyncio.to_thread(build_history, demo_home, days)
    _runs_table(console, history)
    console.print(f"[dim]{len(history.runs)} runs trained and logged in {history.seconds:.1f} s; "
                  f"val split: {VAL_FRACTION:.0%} stratified, fixed seeds.[/]")

    async with open_narrator(demo_settings) as (narrator, trackers):
        tracker = trackers.for_uri(tracking_uri)
        _heading(console, "Maya links the project (once)")
        console.print(f"$ coco project add {PROJECT} --mlflow-experiment {EXPERIMENT} "
                      "--primary-metric val_auc --goal max")
        project = await narrator.add_project(name=PROJECT, tracker=tracker, experiments=[EXPERIMENT],
                                             primary_metric="val_auc", goal="max")
        view.project_added(project)

        intro = {
            0: "Maya DMs COCO at the end of day 1: terse bullets, run ids pasted from the MLflow UI",
            1: "Sam DMs COCO at the end of day 2, Slack-style, all in one breath",
            2: "Maya wraps up day 3 with a table of her runs",
        }
        for index, (when, author, text) in enumerate(messages(history)):
            _heading(console, f"{intro[index]} ({when:%a %H:%M})")
            _said(console, author, text, when)
            console.print("[bold]COCO files it as an entry, linked to the runs in MLflow:[/]")
            outcome = await narrator.log(project=PROJECT, text=text, author=author, at=when, source="dm")
            view.entry(outcome, project=PROJECT)

        _heading(console, "Their lead asks for a phase summary:  coco phase --project nines")
        view.phase(await narrator.phase(project=PROJECT))

        plans = (
            ("Sam, the next morning, before launching a job", "thinking of downsampling the negatives to 1:1 next"),
            ("Maya, before trying something new", "try a median filter to denoise the pixels before the gbm"),
        )
        for who, plan in plans:
            _heading(console, f"{who}:  coco check \"{plan}\"")
            view.check(await narrator.check(project=PROJECT, text=plan))

        question = "why did we drop random forest?"
        _heading(console, f"A newcomer asks in the thread:  coco ask \"{question}\"")
        view.answer(await narrator.ask(project=PROJECT, question=question))

        _heading(console, "The weekly digest, as COCO posts it on Fridays:  coco digest --project nines")
        view.digest(await narrator.digest(project=PROJECT))

    _try_it_yourself(console, demo_home, history)
    total = time.perf_counter() - started
    console.print(f"[dim]Demo finished in {total:.1f} s (training and logging {history.seconds:.1f} s, "
                  f"COCO {total - history.seconds:.1f} s).[/]")
    return 0


def _coco_command() -> str:
    """How to call this very ``coco``, as a person can paste it: ``.venv/bin/coco`` from the clone,
    else its absolute path (``coco`` alone is "command not found" without an activated venv)."""
    import sys

    exe = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path("coco")
    if exe.name != "coco" or not exe.exists():  # run as `python -m bot.cli` or from a test harness
        exe = Path(sys.executable).with_name("coco")
    exe = exe.absolute()
    try:
        relative = exe.relative_to(Path.cwd())
    except ValueError:
        return shlex.quote(str(exe))
    return shlex.quote(str(relative))


def try_it_commands(*, coco: str, demo_home: Path, no_seed_prefix: str, no_seed_name: str) -> list[tuple[str, str]]:
    """The commands the demo suggests, each working as printed (tests run them literally)."""
    q = shlex.quote
    store, database = f"sqlite:///{demo_home / 'mlflow.db'}", f"sqlite:///{demo_home / 'coco.db'}"
    return [
        (f"export COCO_DATABASE_URL={q(database)} MLFLOW_TRACKING_URI={q(store)}",
         "the demo's COCO database and MLflow store; --project may be left out: there is one project"),
        (f"{coco} phase", "the summary again"),
        (f"{coco} entries --since 7d", "the entries it filed, as it filed them"),
        (f"{coco} ask \"what did class weighting do?\"", "ask anything"),
        (f"{coco} reproduce {no_seed_prefix}", f"{no_seed_name} was logged without commit, dataset version or seed"),
        (f"echo \"tried isotonic calibration, brier went down\" | {coco} log --author you",
         "log your own end-of-day note"),
        (f"make mlflow-ui STORE={q(store)}", "browse the runs and COCO's notes at http://127.0.0.1:5000 (run "
                                             "it in the clone; installs the full mlflow once)"),
    ]


def _try_it_yourself(console: Console, demo_home: Path, h: DemoHistory) -> None:
    no_seed = h["hgb_slow"]
    _heading(console, "Try it yourself")
    for command, why in try_it_commands(coco=_coco_command(), demo_home=demo_home, no_seed_prefix=no_seed.prefix,
                                        no_seed_name=no_seed.name):
        # The comment on its own line: the command line can be copied whole, and the block pasted as is.
        console.print(f"  [dim]# {why}[/]")
        console.print(f"  {command}", markup=False, soft_wrap=True)
