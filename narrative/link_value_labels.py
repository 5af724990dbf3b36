"""Runs named by bare values under a label that names their setting (links round 12): "lr sweep: 1e-4 blew up,
3e-4 was best", "learning rates:" over bullets "- 1e-4: diverged" / "- 3e-4: 2.41", "batch size: 64 OOM'd, 32 fine".

People write a sweep's setting once, as a label, and then only its values. The label is a line's start of at most
four words before a colon ("lr sweep:", "**Batch sizes**:", "## learning rates:", "lr sweep for the 3L/256d
model:", what follows "for", "on", "with"... left unread), its words without a sweep word
("sweep", "search", "grid", "runs", "results") naming a setting of the author's window runs (``param_keys_for``, a
plural read as its singular). What the label governs: the rest of its line and the bullets right under it. There each
item (a clause, a bullet) that starts with a value names the one window run of the author's whose labelled setting
holds that value — only when exactly one window run holds it and none of the author's earlier runs does, and the
setting has two values or more in the window (else the value tells no run apart). A value that is also a run's
result is read as a result ("lr sweep: 2.41" is no lr). Nothing is named under a plan's or a question's label
("next lr sweep:", "lrs to try:"), in an item that is a plan, a question, a negation or someone else's, nor a failed
or killed run unless its item says it failed.
"""

from __future__ import annotations

import re

from narrative import lexicon
from narrative.link_bare_values import a_result
from narrative.link_evidence import param_keys_for, value_matches
from narrative.link_groups import elsewhere, not_run
from storage.records import RunSnapshot

# A label: a line's start of one to four words, in bold or a heading or not, then a colon.
_LABEL = re.compile(r"(?m)^[ \t]{0,3}(?:#{1,4}[ \t]{1,2})?\*{0,2}([a-z][a-z_\-]{0,24}(?:[ \t][a-z][a-z_\-]{0,24}){0,3})"
                    r"((?:[ \t](?:for|on|with|of|at|in)[ \t][^:\n*]{1,40})?)\*{0,2}[ \t]{0,2}:\*{0,2}")
_SWEEP_WORDS = frozenset({"sweep", "sweeps", "search", "grid", "scan", "runs", "run", "results", "values", "ablation",
                          "ablations", "experiments", "tried", "comparison"})
_PLAN_WORDS = frozenset({"next", "todo", "plan", "plans", "planned", "try", "queue", "queued", "tomorrow", "ideas",
                         "idea", "want", "maybe", "should", "will", "proposed", "pending"})
_BULLET = re.compile(r"^[ \t]{0,6}(?:[-*•+]|\d{1,2}[.)])[ \t]{1,4}")
# An item's leading value: a decimal, scientific notation, or a whole number not followed by a unit or a noun of
# runs ("3 runs", "5000 steps": a count).
_LEAD = re.compile(r"^[ \t]{0,4}\*{0,2}(\d{1,6}(?:\.\d{1,6})?(?:e-?\d{1,2})?|\.\d{1,6})(?![\w.])\*{0,2}")
_COUNT_AFTER = re.compile(r"^[ \t]{0,2}(?:runs?|seeds?|steps?|epochs?|iters?|of|out|times|x|%|ones?|models?|"
                          r"experiments?|hours?|h|min|minutes?|days?|gpus?)\b")
_ITEM_BREAK = re.compile(r",[ \t]|;[ \t]?|[ \t]and[ \t]|[ \t]while[ \t]|[ \t]but[ \t]")
_STOPPED = frozenset({"FAILED", "KILLED"})


def _setting_keys(label: str, runs: list[RunSnapshot]) -> set[str]:
    """The param keys a label's words name among ``runs`` (a plural read as its singular)."""
    words = [w for w in label.split() if w not in _SWEEP_WORDS]
    if not words or any(w in _PLAN_WORDS for w in label.split()):
        return set()
    name = " ".join(words)
    keys: set[str] = set()
    for run in runs:
        found = param_keys_for(name, run.params)
        if not found and name.endswith("s"):
            found = param_keys_for(name[:-1], run.params)
        keys.update(found)
    return keys


def _governed(text: str, label: re.Match[str]) -> list[str]:
    """The items a label governs: the clauses of the rest of its line, then each bullet right under it."""
    line_end = text.find("\n", label.end())
    rest = text[label.end(): len(text) if line_end < 0 else line_end]
    items = _ITEM_BREAK.split(rest) if rest.strip() else []
    while line_end >= 0:  # line by line, up to the first line that is no bullet (never the whole rest of a paste)
        start = line_end + 1
        line_end = text.find("\n", start)
        line = text[start: len(text) if line_end < 0 else line_end]
        bullet = _BULLET.match(line)
        if not bullet:
            break
        items.append(line[bullet.end():])
    return items


def value_label_references(text: str, window_runs: list[RunSnapshot], earlier_runs: list[RunSnapshot],
                           people: frozenset[str] = frozenset()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for each window run an item under a setting's label names by its value."""
    if len(window_runs) < 2 or ":" not in text:
        return []
    lowered = text.lower()
    found: list[tuple[str, RunSnapshot]] = []
    for label in _LABEL.finditer(lowered):
        keys = _setting_keys(label.group(1), window_runs)
        if not keys:
            continue
        for item in _governed(lowered, label):
            lead = _LEAD.match(item)
            if not lead or _COUNT_AFTER.match(item[lead.end():]):
                continue
            if "?" in item or not_run(item) or elsewhere(item, people) or re.search(r"\b(?:not|never|no)\b", item):
                continue
            run = _held_by_one(lead.group(1), keys, window_runs, earlier_runs,
                               failing=lexicon.has_cue(item, lexicon.FAILURE_CUES))
            if run is not None:
                found.append((item.strip(), run))
    return found


def _held_by_one(value: str, keys: set[str], window_runs: list[RunSnapshot], earlier_runs: list[RunSnapshot], *,
                 failing: bool) -> RunSnapshot | None:
    """The one window run whose labelled setting holds ``value`` (None when it is not exactly one)."""
    if a_result(value, [*window_runs, *earlier_runs]):
        return None

    def holds(run: RunSnapshot) -> bool:
        return any(key in run.params and value_matches(value, run.params[key].strip().lower()) for key in keys)

    holding = [r for r in window_runs if holds(r) and (failing or r.status.upper() not in _STOPPED)]
    if len(holding) != 1 or any(holds(r) for r in earlier_runs):
        return None
    if any(holds(r) and r.status.upper() in _STOPPED and r is not holding[0] for r in window_runs) and not failing:
        return None  # a failed start of the same value beside it: which one the item speaks of is not said
    varied = {run.params[key].strip().lower() for run in window_runs for key in keys if key in run.params}
    return holding[0] if len(varied) >= 2 else None


# Values in brackets right after their setting's name (links round 13): "trying other loss functions (MAE, log-cosh)",
# "learning rates (1e-4, 3e-4)", "the optimizers (adam, sgd, lion)". Two values or more, each a word or a number.
_BRACKETED = re.compile(r"([a-z][a-z_\-]{1,24}(?:[ \t][a-z][a-z_\-]{1,24}){0,2})[ \t]{0,2}\(([^()\n]{3,80})\)")
_BRACKET_ITEM_BREAK = re.compile(r"[ \t]{0,2}(?:,|;|/|\band\b|\bor\b)[ \t]{0,2}")
_BRACKET_VALUE = re.compile(r"^[`'\"*]{0,2}([a-z0-9][a-z0-9_.\-+]{0,24})[`'\"*]{0,2}$")
# Words before a setting's name that only say the values were several ("other loss functions", "different lrs").
_QUALIFIERS = frozenset({"other", "different", "several", "some", "few", "the", "my", "our", "various", "multiple",
                         "two", "three", "four", "a", "both", "all", "more"})
_NEGATED = re.compile(r"\b(?:not|never|no|didn't|didnt|haven't|without)\b")


def _named_keys(phrase: str, runs: list[RunSnapshot]) -> set[str]:
    """The one setting the words before a bracket name ("other loss functions" -> loss), or none."""
    words = [w for w in phrase.split() if w not in _QUALIFIERS and w not in _SWEEP_WORDS]
    if not words or any(w in _PLAN_WORDS for w in phrase.split()):
        return set()
    for name in (" ".join(words), words[-1], words[0]):
        keys = _setting_keys(name, runs)
        if keys:
            return keys if len(keys) == 1 else set()
    return set()


def bracket_value_references(text: str, window_runs: list[RunSnapshot], earlier_runs: list[RunSnapshot],
                             people: frozenset[str] = frozenset()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for each value in brackets after its setting's name that one window run holds."""
    if len(window_runs) < 2 or "(" not in text:
        return []
    lowered = text.lower()
    found: list[tuple[str, RunSnapshot]] = []
    for match in _BRACKETED.finditer(lowered):
        items = [i.strip() for i in _BRACKET_ITEM_BREAK.split(match.group(2)) if i.strip()]
        values = [v.group(1) for v in (_BRACKET_VALUE.match(i) for i in items) if v]
        if len(values) < 2 or len(values) != len(items):
            continue  # a list of values only: "(ep 35, diverged)" or "(see above)" is no list of settings
        keys = _named_keys(match.group(1), window_runs)
        if not keys:
            continue
        start = max(lowered.rfind(". ", 0, match.start()), lowered.rfind("\n", 0, match.start())) + 1
        sentence_end = min([i for i in (lowered.find(". ", match.end()), lowered.find("\n", match.end())) if i >= 0]
                           or [len(lowered)])
        before = lowered[start: match.start()]
        # the plan's words may follow the bracket: "other seeds (3, 4) next week"
        if ("?" in lowered[start: sentence_end] or not_run(before + " " + match.group(1))
                or not_run(lowered[match.end(): sentence_end])
                or elsewhere(before + " " + match.group(1), people) or _NEGATED.search(before)):
            continue
        for value in values:
            run = _held_by_one(_as_stored(value, keys, window_runs), keys, window_runs, earlier_runs, failing=False)
            if run is not None:
                found.append((value, run))
    return found


def _as_stored(value: str, keys: set[str], runs: list[RunSnapshot]) -> str:
    """A word value as a run stores it, whatever separator the text writes ("log-cosh" for log_cosh)."""
    bare = re.sub(r"[-_ ]", "", value)
    for run in runs:
        for key in keys:
            stored = run.params.get(key, "").strip().lower()
            if stored and not lexicon.parse_number(stored) and re.sub(r"[-_ ]", "", stored) == bare:
                return stored
    return value
