"""Thread questions the tracker answers by counting or ranking its runs (split from ``narrative.answering``):
"who ran the most experiments?", "how many runs did we do?", "which run had the lowest val accuracy?".

These are facts of the runs themselves (their users, their number, their metrics); the notes may never state
them, so an answer that searched the notes alone found nothing.
"""

from __future__ import annotations

import re
from collections import Counter

from narrative import vocab
from narrative.answer_intent import name_group_runs
from narrative.answer_quotes import clip, fold, key_named, note_on_run
from narrative.answer_rank import rank_runs
from narrative.concepts import CONCEPT_BY_ID, SETTING_PARAMS
from narrative.history_index import HistoryIndex
from narrative.plan_reading import PlanTerms
from narrative.run_answers import Cites, run_label
from storage.records import Goal, RunSnapshot

_RUNS = r"(runs?|experiments?|trials?|jobs?|attempts?|models?|trainings?|training runs?)"
# "who ran the most experiments?", "who has done the most runs?", "who trained the most models?"
_WHO_MOST = re.compile(r"^\s{0,8}who\b.{0,40}?\b(most|more|fewest|least)\b(\s{1,3}\w{1,20}){0,2}?\s{0,3}" + _RUNS
                       + r"?\W{0,3}$", re.I)
# "how many runs did we do?", "how many experiments have we run so far?"
_HOW_MANY = re.compile(r"^\s{0,8}how\s{1,3}many\s{1,3}(\w{1,20}\s{1,3})?" + _RUNS + r"\b", re.I)
# words a how-many question counts with; any other word scopes the count ("how many LoRA runs?")
_COUNTING = frozenset(("how", "many", "run", "runs", "experiment", "experiments", "trial", "trials", "job", "jobs",
                       "attempt", "attempts", "model", "models", "training", "trainings", "did", "do", "does",
                       "have", "has", "we", "i", "you", "they", "the", "in", "total", "so", "far", "there", "are",
                       "were", "is", "was", "been", "done", "run", "ran", "launch", "launched", "log", "logged",
                       "train", "trained", "try", "tried", "all", "overall", "altogether", "our", "made", "make"))
# "which run had the lowest val accuracy?": a superlative that names its direction, asked about runs
WHICH_RUN = re.compile(r"^\s{0,8}(which|what)\s{1,3}([\w\-.]{1,20}\s{1,3}){0,3}?(run|model|experiment|attempt|version|"
                        r"config|configuration|trial|checkpoint|setup)s?\b|^\s{0,8}who\b", re.I)
_LOW = re.compile(r"\b(lowest|smallest|least|minimum|min|fewest)\b", re.I)
_HIGH = re.compile(r"\b(highest|largest|biggest|greatest|maximum|max|most)\b", re.I)
_WORST = re.compile(r"\bworst\b", re.I)
# a metric's head word: "accuracy" names acc_main when no other tracked metric is an accuracy
_HEADS = {"accuracy": "acc", "acc": "acc", "loss": "loss", "f1": "f1", "auc": "auc", "bleu": "bleu", "wer": "wer",
          "perplexity": "ppl", "ppl": "ppl", "precision": "precision", "recall": "recall", "reward": "reward",
          "return": "return", "iou": "iou", "dice": "dice", "mae": "mae", "rmse": "rmse", "mse": "mse"}


def head_metric(idx: HistoryIndex, question: str) -> str | None:
    """The one tracked metric whose words the question holds ("the main loss" -> loss_main), else whose key holds
    a head word of the question ("the best accuracy" -> acc_main); None when no key or several keys hold it
    (loss_main and loss_small share "loss")."""
    words = set(re.findall(r"[a-z][a-z0-9]{1,20}", question.lower()))
    # "the main loss" names loss_main: every word of the key, in any order
    asked = {_HEADS.get(w, w) for w in words} | words
    whole = [k for k in idx.metric_keys
             if set(vocab.norm(k).split()) <= asked and set(vocab.norm(k).split()) & set(_HEADS.values())]
    if len(whole) == 1:
        return whole[0]
    heads = {_HEADS[w] for w in words if w in _HEADS}
    for head in sorted(heads):
        having = [k for k in idx.metric_keys if head in vocab.norm(k).split()]
        if len(having) == 1:
            return having[0]
    return None


def _cite_spread(runs: list[RunSnapshot], best: RunSnapshot | None) -> list[str]:
    """At most four of ``runs``: their best, their latest, their first."""
    order = sorted(runs, key=lambda r: r.start)
    picks = [r for r in (best, order[-1], order[0], *order[-3:]) if r is not None]
    return list(dict.fromkeys(r.run_id for r in picks))[:4]


def who_most(idx: HistoryIndex, question: str, metric: str | None, goal: Goal, parts: list[str],
             cites: Cites) -> bool:
    """"who ran the most experiments?": the tracker's runs counted by user."""
    if not _WHO_MOST.search(question):
        return False
    by_user = Counter(r.user for r in idx.runs if r.user)
    if not by_user:
        return False
    fewest = bool(re.search(r"\b(fewest|least)\b", question, re.I))
    ranked = sorted(by_user.items(), key=lambda kv: (kv[1], kv[0]) if fewest else (-kv[1], kv[0]))
    top, n = ranked[0]
    tied = [u for u, c in ranked if c == n]
    if len(tied) > 1:
        parts.append(f"{vocab.join_names(tied)} tie with {n} run(s) each in the tracker.")
    else:
        others = "; ".join(f"{u} {c}" for u, c in ranked[1:4])
        parts.append(f"{top} ran the {'fewest' if fewest else 'most'}: {n} of the {len(idx.runs)} runs in the "
                     f"tracker" + (f" (then {others})" if others else "") + ".")
    mine = [r for r in idx.runs if r.user == top]
    best = idx.best_run(metric, goal, mine) if metric else None
    if best is not None:
        parts.append(f"Their best by {metric}: {run_label(idx, best, metric)}.")
    cites.add(None, _cite_spread(mine, best))
    return True


def how_many(idx: HistoryIndex, question: str, metric: str | None, goal: Goal, parts: list[str],
             cites: Cites) -> bool:
    """"how many runs did we do?": the tracker's runs counted, or a group the question names by a word of their
    names ("how many sweep runs?"); a question scoped some other way is left to the notes."""
    if not _HOW_MANY.search(question) or not idx.runs:
        return False
    rest = set(re.findall(r"[a-z][a-z0-9]{1,30}", question.lower())) - _COUNTING - vocab.STOPWORDS
    runs = list(idx.runs)
    if rest:
        runs = name_group_runs(idx, question)
        if not runs:
            return False
    status = Counter(r.status.lower() for r in runs)
    how = ", ".join(f"{c} {s}" for s, c in status.most_common())
    first, last = min(r.start for r in runs), max(r.start for r in runs)
    what = "runs in the tracker" if not rest else "runs named so"
    parts.append(f"{len(runs)} {what} ({how}), {first:%Y-%m-%d} to {last:%Y-%m-%d}.")
    best = idx.best_run(metric, goal, runs) if metric else None
    if best is not None:
        parts.append(f"Best of them by {metric}: {run_label(idx, best, metric)}.")
    cites.add(None, _cite_spread(runs, best))
    return True


def extreme_run(idx: HistoryIndex, question: str, metrics: list[str], parts: list[str], cites: Cites) -> bool:
    """"which run had the lowest val accuracy?": the run at the asked end of a named metric, whichever way the
    metric is better."""
    if not metrics or not WHICH_RUN.search(question):
        return False
    low, high = bool(_LOW.search(question)), bool(_HIGH.search(question))
    worst = bool(_WORST.search(question))
    if low == high and not worst:
        return False
    m = metrics[0]
    # "... the lowest loss after the fix?" is scoped by words the ranking cannot read: left to the notes
    named = {w for mw in vocab.metric_words(m) for w in mw.split()} | set(vocab.norm(m).split())
    rest = (set(re.findall(r"[a-z][a-z0-9]{1,30}", question.lower())) - _COUNTING - vocab.STOPWORDS - named
            - set(_HEADS) - {"which", "what", "who", "had", "got", "get", "gave", "reached", "achieved", "the",
                             "lowest", "smallest", "least", "minimum", "min", "fewest", "highest", "largest",
                             "biggest", "greatest", "maximum", "max", "most", "worst", "version", "versions",
                             "config", "configuration", "checkpoint", "setup", "one", "score", "value"})
    if rest:
        return False
    better = "min" if vocab.metric_goal(m) == "min" else "max"
    goal: Goal = ("max" if better == "min" else "min") if worst else ("min" if low else "max")
    run = idx.best_run(m, goal)
    if run is None:
        return False
    word = "Worst" if worst else "Lowest" if goal == "min" else "Highest"
    parts.append(f"{word} {m}: {run_label(idx, run, m)}.")
    cites.add(None, [run.run_id])
    return True


def best_of_group(idx: HistoryIndex, terms: PlanTerms, metrics: list[str], parts: list[str], cites: Cites) -> bool:
    """"which LightGBM run had the best wape?": the best, by the named metric, of the runs that carry the
    question's key concept (a run of another family is never the answer, however close its other words)."""
    if not terms.key_concepts or not metrics:
        return False
    hits = rank_runs(idx, terms)
    group = [idx.run_by_id[r] for _, r in hits
             if not idx.run_docs.cover(r).isdisjoint(terms.key_concepts)]
    if not group or len(group) >= len(idx.runs):
        return False
    m = metrics[0]
    best = idx.best_run(m, "min" if vocab.metric_goal(m) == "min" else "max", group)
    if best is None:
        return False
    of = f"the {len(group)} runs" if len(group) > 1 else "the one run"
    parts.append(f"Best by {m} of {of} matching that: {run_label(idx, best, m)}.")
    cites.add(None, [best.run_id])
    note = note_on_run(idx, best)
    if note is not None:
        # what the notes say about that run, as the best-run answer quotes it
        parts.append(f"{note.author} ({note.at:%Y-%m-%d}) on it: \"{clip(note.text, 220)}\"")
        cites.add(note.entry_id, [best.run_id])
    return True


_FAST = re.compile(r"\b(fastest|quickest|shortest)\b", re.I)
_SLOW = re.compile(r"\b(slowest|longest)\b", re.I)


def duration_run(idx: HistoryIndex, question: str, parts: list[str], cites: Cites) -> bool:
    """"which run trained the fastest?": the finished runs' wall time, from the tracker's start and end."""
    fast, slow = bool(_FAST.search(question)), bool(_SLOW.search(question))
    if fast == slow or not WHICH_RUN.search(question):
        return False
    timed = [r for r in idx.runs if r.end is not None and r.status.lower() == "finished"]
    if len(timed) < 2:
        return False
    def minutes(r: RunSnapshot) -> float:
        return (r.end - r.start).total_seconds() / 60 if r.end else 0.0
    run = (min if fast else max)(timed, key=minutes)
    parts.append(f"{'Shortest' if fast else 'Longest'} finished run: {run.run_name or run.run_id[:8]}, "
                 f"{round(minutes(run))} min (of {len(timed)} finished runs).")
    cites.add(None, [run.run_id])
    return True


# "what learning rate did the dueling run use?", "which batch size was ast-v2 run with?"
_SETTING_OF = re.compile(r"^\s{0,8}(what|which)\b.{1,60}?\b(did|does|do|was|were|is)\b.{1,80}?"
                         r"\b(use|used|using|have|had|run with|set to|trained with|train with)\b", re.I)


def setting_of_runs(idx: HistoryIndex, question: str, runs: list[RunSnapshot], parts: list[str],
                    cites: Cites) -> bool:
    """The value of the setting the question names (by its key's words: "learning rate" -> lr) on ``runs``,
    the runs the question describes; values grouped, at most six runs cited."""
    if not runs or not _SETTING_OF.search(question):
        return False
    words = [fold(w) for w in re.findall(r"[a-z][a-z0-9]{0,30}", question.lower())]
    # a word that names the runs ("the dueling run" -> dueling-1) is not the setting asked ("dueling: true")
    naming = {fold(w) for r in runs for w in re.findall(r"[a-z]{3,}", (r.run_name or "").lower())}
    keys = sorted({k for r in runs for k in r.params if key_named(k, [w for w in words if w not in naming])})
    if not keys or len(keys) > 2:
        return False
    shown: list[str] = []
    for key in keys:
        by_value: dict[str, list[RunSnapshot]] = {}
        for r in runs:
            if key in r.params:
                by_value.setdefault(r.params[key], []).append(r)
        if not by_value:
            continue
        said = "; ".join(f"{v} on {vocab.join_names([r.run_name or r.run_id[:8] for r in rs], 3)}"
                         + (f" and {len(rs) - 3} more" if len(rs) > 3 else "") for v, rs in by_value.items())
        parts.append(f"{key}: {said}.")
        shown += [r.run_id for rs in by_value.values() for r in rs[-2:]]
    cites.add(None, list(dict.fromkeys(shown))[:6])
    return bool(shown)


def setting_unrecorded(idx: HistoryIndex, question: str, runs: list[RunSnapshot], parts: list[str],
                       cites: Cites) -> str | None:
    """A setting question ("what batch size did the gru_ctc runs use?") about runs none of which records that
    setting: the answer says so (rather than quoting a note on some other setting) and names what they do
    record; the caller adds a note that speaks of the setting, if there is one. The setting is one the concept
    table knows as a run param (batch size, learning rate, epochs ...); returns its concept id, or None."""
    if not _SETTING_OF.search(question):
        return None
    asked = [c for c in vocab.concepts_in(question) if c in SETTING_PARAMS]
    if len(asked) != 1:
        return None
    cid = asked[0]
    pool = runs or list(idx.runs)
    if not pool:
        return None
    words = [fold(w) for w in re.findall(r"[a-z][a-z0-9]{0,30}", question.lower())]
    for r in pool:
        if any(k in SETTING_PARAMS[cid] or key_named(k, words) for k in r.params) or cid in vocab.param_concepts(
                r.params):
            return None
    name = CONCEPT_BY_ID[cid].name.lower() if cid in CONCEPT_BY_ID else cid.replace("_", " ")
    keys = list(dict.fromkeys(k for r in pool for k in r.params))
    scope = (("the run asked about" if len(pool) == 1 else f"the {len(pool)} runs asked about") if runs
             else f"the project's {len(pool)} runs")
    names = [r.run_name or r.run_id[:8] for r in pool]
    said = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    kept = ", ".join(keys[:6]) + (f" and {len(keys) - 6} more" if len(keys) > 6 else "")
    one = len(pool) == 1
    parts.append((f"The run doesn't record a {name}: {scope} ({said}) has no param for it" if one else
                  f"The runs don't record a {name}: none of {scope} ({said}) has a param for it")
                 + (f"; {'it records' if one else 'they record'} {kept}" if keys else "") + ".")
    cites.add(None, [r.run_id for r in pool[-6:]])
    return cid
