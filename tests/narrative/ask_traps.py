"""Unanswerable-question stress over the fixtures: questions no note and no run of the history answers.

Over each fixture's history (loaded the way ``ask_diagnose`` loads it), questions are made that nothing in it
answers, and the answers that claim something anyway are counted. Kinds:

* ``absent``: "why did we abandon X?", "did X help?", "what did X get?" for an X that no note, run name, param or
  metric of the history mentions (two concept-table families, techniques or settings absent from it, and the
  made-up run name ``zq-17``);
* ``metric``: "what M did R get?" for a run name R the tracker has and a metric M no run of the history logged;
* ``who``: "who ran X?" for an absent X as above.

A careful colleague says "I found nothing ..." to each. An answer *claims* when it does not say so and cites a
passage or a run: that quote or run is put forward as the answer to a question it cannot answer. Held files
(``description`` starting with HELD) print totals only, as ``ask_diagnose`` does.

    .venv/bin/python -m tests.narrative.ask_traps [-v] [absent|metric|who ...]

``-v`` prints the claiming answers of the dev, open-real and tune sets.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from narrative import synthesis, vocab
from narrative.history_index import HistoryIndexCache
from narrative.types import ProjectHistory
from tests.narrative.scenario_loader import SCENARIO_DIR
from tests.narrative.synthesis_dev import build_history

ANSWERS = Path(__file__).parent / "data" / "real_answers"
OPEN_REAL = Path(__file__).resolve().parents[1] / "scenarios" / "real"
KINDS = ("absent", "metric", "who")
MADE_UP_RUN = "zq-17"
# (concept id, how a teammate says it): families, techniques and settings from the concept table, in the order tried
CANDIDATES = (
    ("catboost", "CatBoost"), ("spec_augment", "SpecAugment"), ("tweedie", "the Tweedie objective"),
    ("label_smoothing", "label smoothing"), ("focal", "focal loss"), ("distillation", "knowledge distillation"),
    ("target_encoding", "target encoding"), ("monotone", "monotone constraints"), ("reward_shaping", "reward shaping"),
    ("quantization", "quantization"), ("ema", "EMA weights"), ("tta", "test-time augmentation"),
)
METRICS = ("BLEU", "WER", "MAPE", "NDCG", "perplexity", "RMSE", "AUC", "mAP")


def _blob(hist: ProjectHistory) -> str:
    parts = [e.raw_text for e in hist.entries]
    for r in hist.runs.values():
        parts += [r.run_name or "", *r.params, *map(str, r.params.values()), *r.metrics, *r.tags,
                  *map(str, r.tags.values())]
    return "\n".join(parts).lower()


def _mentions(blob: str, word: str) -> bool:
    return re.search(r"(?<![a-z0-9])" + re.escape(word.lower()) + r"(?![a-z0-9])", blob) is not None


def absent_subjects(hist: ProjectHistory, blob: str) -> list[str]:
    """Two concepts the history never mentions (by concept match or by a word of their spoken form), then
    ``zq-17``."""
    present = vocab.concept_set(blob) | vocab.param_concepts({k: str(v) for r in hist.runs.values()
                                                              for k, v in r.params.items()})
    out = []
    for cid, spoken in CANDIDATES:
        words = [w for w in re.findall(r"[a-z0-9-]+", spoken.lower()) if w not in ("the", "weights", "loss")]
        if cid not in present and not any(_mentions(blob, w) for w in words):
            out.append(spoken)
        if len(out) == 2:
            break
    return [*out, MADE_UP_RUN]


def questions(hist: ProjectHistory) -> dict[str, list[str]]:
    blob = _blob(hist)
    subjects = absent_subjects(hist, blob)
    qs: dict[str, list[str]] = {k: [] for k in KINDS}
    for x in subjects:
        qs["absent"] += [f"why did we abandon {x}?", f"did {x} help?", f"what did {x} get?"]
        qs["who"].append(f"who ran {x}?")
    metric = next((m for m in METRICS if not _mentions(blob, m)), None)
    names = sorted({r.run_name for r in hist.runs.values() if r.run_name})
    if metric and names:
        for name in {names[0], names[-1]}:
            qs["metric"].append(f"what {metric} did {name} get?")
    return qs


def claims(ans: Any, question: str = "") -> bool:
    """The answer puts something forward: it does not say it found nothing, and it cites a passage or a run. Asked
    a metric a named run never logged, an answer that says so ("no BLEU logged") before what the run did log
    claims nothing."""
    metric = re.match(r"what (\S+) did ", question)
    if metric and f"no {metric.group(1).lower()} logged" in ans.answer.lower():
        return False
    return not ans.answer.startswith("I found nothing") and bool(ans.citations)


def measure(path: Path, kinds: list[str], *, verbose: bool = False) -> tuple[bool, Counter[str], Counter[str]]:
    """(held, questions asked per kind, claiming answers per kind)."""
    data = json.loads(path.read_text())
    held = str(data.get("description", "")).startswith("HELD")
    hist, _, _, _ = build_history(path, False)
    indexes = HistoryIndexCache()
    asked: Counter[str] = Counter()
    claimed: Counter[str] = Counter()
    for kind, qs in questions(hist).items():
        if kind not in kinds:
            continue
        for q in qs:
            ans = synthesis.answer(q, hist, indexes=indexes)
            asked[kind] += 1
            if claims(ans, q):
                claimed[kind] += 1
                if verbose and not held:
                    print(f"  [{kind}] {path.stem}: {q}\n      {ans.answer[:500]!r}")
    return held, asked, claimed


def fixture_sets() -> dict[str, list[Path]]:
    return {"dev": sorted(SCENARIO_DIR.glob("*.json")), "open-real": sorted(OPEN_REAL.glob("*.json")),
            "answers": sorted(ANSWERS.glob("*.json"))}


def table(kinds: list[str], *, verbose: bool = False) -> dict[tuple[str, str], tuple[int, int]]:
    """(set, kind) -> (claiming answers, questions), the answers set split into tune and held."""
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for name, paths in fixture_sets().items():
        for path in paths:
            held, asked, claimed = measure(path, kinds, verbose=verbose)
            split = name if name != "answers" else ("held" if held else "tune")
            for k in kinds:
                c, n = out.get((split, k), (0, 0))
                out[(split, k)] = (c + claimed[k], n + asked[k])
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in args
    kinds = [a for a in args if a in KINDS] or list(KINDS)
    figures = table(kinds, verbose=verbose)
    for (split, kind), (claimed, asked) in sorted(figures.items()):
        print(f"{kind:<7} {split:<10} claiming answers {claimed:>3} / {asked}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
