"""Where a setting's history starts and turns, read off the tracker (split from ``narrative.answering``):
"when did we switch to std=1?", "what prior std did we start with?", "what was the baseline?".

- "When did we switch / move / change to V?": the first run whose setting holds V right after a run of the same
  setting with another value, with its date and the run before it; V must be a value some runs hold and others
  do not (a setting every run has, or a thing no run records, is left to the notes).
- "What <setting> did we start with?": the setting's value on the first run that records it.
- "What was the baseline?" when no note names a baseline: the first run logged, said to be that (not called a
  baseline), with the note on it.

Each answer cites the run it names and quotes the note on it when there is one.
"""

from __future__ import annotations

import re

from narrative.answer_quotes import clip, data_line, fold, in_code, note_on_run
from narrative.history_index import HistoryIndex, fmt
from narrative.run_answers import Cites
from narrative.statements import Fact
from storage.records import RunSnapshot

WHEN_SWITCH_Q = re.compile(r"^\s{0,8}when\s{1,3}did\s{1,3}[\w\-.]{1,30}\s{1,3}(switch|move|chang|go|turn|bump|rais|"
                           r"lower|increas|decreas|reduc|set)\w{0,3}\b(?P<rest>.{1,120}?)\s{0,3}\??\s{0,3}$", re.I)
START_Q = re.compile(r"^\s{0,8}(what|which)\b(?P<rest>.{1,80}?)\b(did|do)\s{1,3}(we|you|they|i)\s{1,3}"
                     r"(start(ed)?|begin|began)\s{1,3}(with|from|on|out with)\b", re.I)
BASELINE_Q = re.compile(r"^\s{0,8}what\s{1,3}(was|is|were)\s{1,3}(the|our)\s{1,3}(original\s{1,3}|first\s{1,3})?"
                        r"baselines?\b(\s{1,3}(for|of|on)\s{1,3}(the\s{1,3})?[\w\-.]{1,30})?\s{0,3}\??\s{0,3}$", re.I)
_GENERIC = frozenset({"we", "did", "do", "to", "the", "a", "an", "what", "which", "start", "with", "from", "on", "run",
                      "runs", "model", "use", "used", "value", "setting", "our", "when", "switch", "move", "change"})


def _words(text: str) -> set[str]:
    return {fold(w) for w in re.findall(r"[a-z][a-z0-9]{1,30}", text.lower()) if w not in _GENERIC}


def _named_keys(idx: HistoryIndex, text: str) -> list[str]:
    """The param keys most of whose long parts the text holds ("prior std" -> global_prior_weight_std and
    global_prior_bias_std), the best-covered ones only."""
    words = _words(text)
    keys = sorted({k for r in idx.runs for k in r.params})
    score = {k: len({fold(p) for p in re.split(r"[_\-.\s]+", k.lower()) if len(p) >= 3} & words) for k in keys}
    top = max(score.values(), default=0)
    return [k for k in keys if top and score[k] == top]


def _same(a: str, b: str) -> bool:
    if a.strip().lower() == b.strip().lower():
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _label(r: RunSnapshot) -> str:
    return f"{r.run_name or r.run_id[:8]} by {r.user or 'unknown'}, started {r.start:%Y-%m-%d}"


def _note(idx: HistoryIndex, run: RunSnapshot, parts: list[str], cites: Cites, question: str) -> None:
    note = note_on_run(idx, run)
    if note is None:
        return
    text = note.text
    name = (run.run_name or "").lower()
    if len(re.findall(r"[a-z]{2,}", text.lower().replace(name, " "))) <= 3:
        # a bare label ("**10-5-2020-D** on Grumble"): what its note says after it, past the config block
        after = [g for g in idx.entry_facts.get(note.entry_id, [])
                 if g.kind == "sentence" and g.position > note.position and not in_code(idx, g)
                 and not data_line(g.text) and "`" * 3 not in g.text
                 and len(re.findall(r"[a-z]{2,}", g.text.lower())) >= 4]
        if after:
            text = f"{text} ... {after[0].text}"
    parts.append(f"{note.author} ({note.at:%Y-%m-%d}) on it: \"{clip(text, 260)}\"")
    cites.add(note.entry_id, [run.run_id])


def switch_answer(idx: HistoryIndex, question: str, parts: list[str], cites: Cites,
                  facts: list[tuple[float, Fact]] | None = None) -> bool:
    m = WHEN_SWITCH_Q.search(question)
    if m is None:
        return False
    rest = m.group("rest")
    values = [v for v in re.split(r"[\s=:,;()`'\"]+", rest) if v and v.lower() not in _GENERIC]
    found: dict[str, tuple[RunSnapshot, RunSnapshot, str]] = {}
    for key in sorted({k for r in idx.runs for k in r.params}):
        having = [r for r in idx.runs if key in r.params]
        hits = [i for i, r in enumerate(having) if any(_same(r.params[key], v) for v in values)]
        if not hits or len(hits) == len(having):
            continue  # a value no run holds, or one every run holds, marks no switch
        turn = next((i for i in hits if i > 0 and not any(_same(having[i - 1].params[key], v) for v in values)), None)
        if turn is not None and 0 not in hits:
            found[key] = (having[turn], having[turn - 1], having[turn].params[key])
    if not found:
        return False
    if len(found) > 1:
        named = set(_named_keys(idx, rest))
        found = {k: v for k, v in found.items() if k in named} or found
    if len({run.run_id for run, _, _ in found.values()}) != 1:
        return False  # the value turns up on different settings at different times: no one switch
    run, before, _ = next(iter(found.values()))
    setting = ", ".join(f"{k}={v}" for k, (_, _, v) in found.items())
    old = ", ".join(f"{k}={b.params[k]}" for k, (_, b, _) in found.items())
    parts.append(f"First run with {setting}: {_label(run)} (the run before it, "
                 f"{before.run_name or before.run_id[:8]}, had {old}).")
    cites.add(None, [run.run_id])
    # the notes' own telling of the switch: the best-ranked line stating the new value ("we increased the maximum
    # input length from 512 to 1024"), else the note on the run
    values_set = {v for _, _, v in found.values()}
    told = next((f for s, f in (facts or [])[:5] if s >= 0.45 and f.kind == "sentence"
                 and any(re.search(rf"(?<![\w.]){re.escape(v)}(?![\w.])", f.text) for v in values_set)), None)
    if told is not None:
        parts.append(f"{told.author} ({told.at:%Y-%m-%d}): \"{clip(told.text, 260)}\"")
        cites.add(told.entry_id, [run.run_id])
    else:
        _note(idx, run, parts, cites, question)
    return True


def start_value_answer(idx: HistoryIndex, question: str, parts: list[str], cites: Cites) -> bool:
    m = START_Q.search(question)
    if m is None:
        return False
    keys = _named_keys(idx, m.group("rest"))
    if not keys or len(keys) > 3:
        return False
    first = next((r for r in idx.runs if all(k in r.params for k in keys)), None)
    if first is None:
        return False
    parts.append(f"The first run recording it, {_label(first)}, had "
                 + ", ".join(f"{k}={first.params[k]}" for k in keys) + ".")
    cites.add(None, [first.run_id])
    _note(idx, first, parts, cites, question)
    return True


def baseline_answer(idx: HistoryIndex, question: str, parts: list[str], cites: Cites) -> bool:
    if not BASELINE_Q.search(question) or idx.df.get("baselin") or not idx.runs:
        return False
    if any("baseline" in (r.run_name or "").lower() or "baseline" in " ".join(r.tags.values()).lower()
           for r in idx.runs):
        return False  # the tracker names one: that is for the run-name readings
    first = idx.runs[0]
    shown = ", ".join(f"{k} {fmt(v)}" for k, v in list(first.metrics.items())[:4])
    parts.append(f"No note names a baseline. The first run logged is {_label(first)}"
                 + (f" ({shown})" if shown else "") + ".")
    cites.add(None, [first.run_id])
    _note(idx, first, parts, cites, question)
    return True
