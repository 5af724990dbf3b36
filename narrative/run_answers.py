"""Answers read off the runs themselves, for ``narrative.answering``: a person's runs, the run closest to
a reference, the facts of runs the question names, the seed noise, and "does X beat Y".

Each answer appends its sentences to ``parts`` and its citations to a ``Cites``, which keeps an answer
to at most ``MAX_RUNS`` cited runs (an entry is cited with its runs or not at all).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from narrative import lexicon, vocab
from narrative.answer_intent import scoped_runs, sweep_runs
from narrative.answer_negation import negated_words, off_matches, ruled_out
from narrative.answer_quotes import fold, key_named
from narrative.approaches import UMBRELLA
from narrative.concepts import CONCEPT_BY_ID
from narrative.history_index import HistoryIndex, fmt
from narrative.types import Citation
from storage.records import Goal, RunSnapshot

MAX_RUNS = 6
QWORDS = re.compile(r"^\s*(why|what|which|how|did|does|do|is|are|was|were|should|can|could|who|when|where)\b"
                     r"(\s{1,8}(did|do|does|is|are|was|were|we|not|n't|didn't|aren't|isn't)\b)*", re.I)
RUN_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:+\-]{2,80}")
_NEGATORS = frozenset({"without", "non", "sans"})
_SCOPE = re.compile(r"\b(on|for|with|in)\s{1,4}([\w\-.]{2,40})", re.I)
BEATS = re.compile(r"\b(beats?|outperform\w*|better than|worse than|vs\.?|versus|compared? (to|with)|against|"
                    r"over|or)\b", re.I)


class Cites:
    def __init__(self, idx: HistoryIndex) -> None:
        self.idx = idx
        self.items: list[Citation] = []
        self.runs: set[str] = set()

    def add(self, entry_id: str | None, run_ids: list[str]) -> None:
        rids = [r for r in run_ids if r in self.idx.run_by_id]
        room = [r for r in rids if r not in self.runs]
        if len(self.runs | set(room)) > MAX_RUNS:
            room = room[: max(0, MAX_RUNS - len(self.runs))]
        eid = entry_id
        if eid is not None:
            eruns = set(self.idx.entry_runs.get(eid, []))
            if len(self.runs | set(room) | eruns) > MAX_RUNS:
                eid = None
            else:
                self.runs |= eruns
        self.runs |= set(room)
        if eid is None and not room:
            return
        for c in self.items:
            if c.entry_id == eid and eid is not None:
                c.run_ids = list(dict.fromkeys([*c.run_ids, *room]))
                return
        self.items.append(Citation(entry_id=eid, run_ids=room))


def run_label(idx: HistoryIndex, r: RunSnapshot, metric: str | None) -> str:
    name = r.run_name or r.run_id[:8]
    if metric and metric in r.metrics:
        return f"{name} ({metric} {fmt(r.metrics[metric])})"
    return name


def distinctive(idx: HistoryIndex, r: RunSnapshot, limit: int = 5) -> str:
    cached = idx.cache.get("param_counts")
    counts: dict[tuple[str, str], int] = cached if isinstance(cached, dict) else {}
    if not isinstance(cached, dict):
        for sig in idx.sigs:
            for kv in sig.items:
                counts[kv] = counts.get(kv, 0) + len(sig.run_ids)
        idx.cache["param_counts"] = counts
    n = max(1, len(idx.runs) - 1)
    own = {kv: counts.get(kv, 0) - 1 for kv in r.params.items()}
    items = sorted(r.params.items(), key=lambda kv: own[kv])
    keep = [f"{k}={v}" for k, v in items if own[(k, v)] < 0.5 * n][:limit]
    return ", ".join(keep)


def _bracketed(conf: str) -> str:
    """" [lr=0.1]" beside a run's label, nothing when no setting sets it apart (never an empty " []")."""
    return f" [{conf}]" if conf else ""


def person_named(idx: HistoryIndex, q: str) -> str | None:
    users = idx.cache.get("answer:users")
    if not isinstance(users, dict):  # once per index (an update clears the cache), not per question
        users = idx.cache["answer:users"] = {r.user.lower(): r.user for r in idx.runs if r.user}
    for m in RUN_REF.finditer(q):
        w = m.group(0).rstrip(".:-,'s").lower()
        if w in users and len(w) >= 3 and w not in vocab.STOPWORDS:
            return users[w]
    return None


_ACTIVITY = frozenset({"tri", "try", "run", "log", "work", "do", "did", "test", "get", "got", "been", "lately",
                       "recent", "recently", "week", "today", "yesterday", "latest", "last", "up", "since", "late",
                       "has", "have", "doing", "done"})


def about_more_than(body: str, person: str) -> bool:
    """Whether the question asks about something besides the person's activity ("what did shmuma get with
    dueling?" is about dueling)."""
    rest = {t for t in vocab.tokens(body) if t != person.lower() and t not in _ACTIVITY and not vocab.is_generic(t)}
    return bool(rest)


def person_runs(idx: HistoryIndex, user: str, metric: str | None, goal: Goal, parts: list[str],
                 cites: Cites) -> None:
    runs = sorted((r for r in idx.runs if r.user == user), key=lambda r: r.start)
    if not runs:
        return
    recent = runs[-3:]
    span = f"{runs[0].start:%Y-%m-%d} to {runs[-1].start:%Y-%m-%d}"
    parts.append(f"{user} has {len(runs)} run(s) in the tracker, {span}; latest: "
                 + "; ".join(run_label(idx, r, metric) + _bracketed(distinctive(idx, r, limit=2))
                             for r in reversed(recent)) + ".")
    cites.add(None, [r.run_id for r in recent])
    best = idx.best_run(metric, goal, runs) if metric else None
    if best is not None and best not in recent:
        parts.append(f"Their best by {metric}: {run_label(idx, best, metric)}.")
        cites.add(None, [best.run_id])


def _run_text(r: RunSnapshot) -> str:
    return " ".join([r.run_name or "", *r.params.values()]).lower()


def closest_answer(idx: HistoryIndex, q: str, close: re.Match[str], metric: str, goal: Goal, parts: list[str],
                    cites: Cites) -> bool:
    """The best run outside the reference ("closest to MelGAN": runs whose name or params name it are out;
    "second best": the best run is out), inside the scope the question sets ("on LJSpeech")."""
    ref = (close.group(3) or "").lower().strip(".-")
    pool = [r for r in idx.runs if idx.valid(r, metric) and r.run_id not in idx.void_runs()]
    scope = _SCOPE.search(q, close.end())
    if scope:
        word = scope.group(2).lower().strip(".-")
        scoped = [r for r in pool if word in _run_text(r)]
        pool = scoped or pool
    if ref:
        inside = [r for r in pool if ref in _run_text(r)]
        outside = [r for r in pool if ref not in _run_text(r)]
    else:
        top = idx.best_run(metric, goal, pool)
        inside = [top] if top is not None else []
        outside = [r for r in pool if r is not top]
    if not inside or not outside:
        return False
    best_out = idx.best_run(metric, goal, outside)
    best_in = idx.best_run(metric, goal, inside)
    if best_out is None or best_in is None:
        return False
    sign = 1.0 if goal == "max" else -1.0
    if sign * (best_out.metrics[metric] - best_in.metrics[metric]) > 0:
        # the reference is not the leader: "closest" is the nearest value, not the best one
        target = best_in.metrics[metric]
        best_out = min(outside, key=lambda r: (abs(r.metrics[metric] - target), -r.start.timestamp()))
    gap = abs(best_in.metrics[metric] - best_out.metrics[metric])
    conf = distinctive(idx, best_out, limit=3)
    parts.append(f"Closest by {metric}: {run_label(idx, best_out, metric)}" + (f" ({conf})" if conf else "")
                 + f"; the reference {run_label(idx, best_in, metric)}; gap {fmt(gap)}.")
    cites.add(None, [best_out.run_id, best_in.run_id])
    return True


def runs_named(idx: HistoryIndex, q: str) -> list[RunSnapshot]:
    """Runs the question names exactly (a run name with a digit or a separator, or a run id or its prefix)."""
    names = idx.name_to_runs  # lowercased run name -> run ids, built with the index
    out: list[RunSnapshot] = []
    for m in RUN_REF.finditer(q):
        ref = m.group(0).rstrip(".:-,").lower()
        rids = names.get(ref, [])
        if rids and not any(ch.isdigit() or ch in "-_." for ch in ref):
            rids = []  # a plain word that happens to be a run name ("baseline") is not a reference
        if not rids and len(ref) >= 8:
            # a run id or a long prefix of one, looked up among the index's own ids (any tracker's syntax)
            rids = [r for r in idx.prefix.get(ref[:6], []) if r.startswith(ref)][:2]
        for rid in rids[:3]:
            run = idx.run_by_id.get(rid)
            if run is not None and run not in out:
                out.append(run)
    if not out:
        out = _spaced_name_runs(idx, q)
    return out[:3]


_NAME_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|\.(?=[A-Za-z0-9]))*")
_NAME_SEPARATORS = ("_", "-", ".", "")


def _spaced_name_runs(idx: HistoryIndex, q: str) -> list[RunSnapshot]:
    """Runs the question names with spaces where the name has a separator ("who ran version 21?" for the run
    ``Version_21``, "run 7" for ``run-7``): two or three words in a row that, joined by one separator, are a whole
    run name holding a digit and a letter. A word that is only part of a name ("run 7" beside ``psa-run7``) names
    nothing: the whole name must be spelled."""
    names = idx.name_to_runs
    words = _NAME_WORD.findall(q)
    out: list[RunSnapshot] = []
    for n in (3, 2):
        for i in range(len(words) - n + 1):
            span = words[i:i + n]
            for sep in _NAME_SEPARATORS:
                ref = sep.join(span).lower()
                if not (any(ch.isdigit() for ch in ref) and any(ch.isalpha() for ch in ref)):
                    continue
                for rid in names.get(ref, [])[:3]:
                    run = idx.run_by_id.get(rid)
                    if run is not None and run not in out:
                        out.append(run)
        if out:
            return out
    return out


# metric names a question asks of a run (lexicon's spoken names); the ones that are also plain words or name a
# setting as often as a metric ("map", "loss", "pr", "bias", "latency") are left out
_NOT_ASKED_METRICS = frozenset({"map", "loss", "pr", "bias", "latency", "p95", "precision"})
_ASKED_METRICS = tuple(w for w in lexicon.METRIC_WORDS if len(w) >= 3 and w not in _NOT_ASKED_METRICS)


def unlogged_metric(question: str, metric_keys: list[str]) -> str | None:
    """The metric name the question asks that none of the run's metric keys carries ("what BLEU did X get?" of a
    run that logged only val_loss), as the question spells it; None when the question asks none, or the run
    logged it."""
    low = question.lower()
    for word in _ASKED_METRICS:
        m = re.search(r"(?<![a-z0-9])" + re.escape(word) + r"(?![a-z0-9])", low)
        if m is not None:
            return None if lexicon.metric_key_for(word, metric_keys) else question[m.start():m.end()]
    return None


def run_facts(idx: HistoryIndex, runs: list[RunSnapshot], metric: str | None, parts: list[str],
              cites: Cites, *, question: str = "") -> None:
    words = [fold(w) for w in re.findall(r"[a-z][a-z0-9]{0,30}", question.lower())]
    for r in runs:
        name = r.run_name or r.run_id[:8]
        mins = f", {round((r.end - r.start).total_seconds() / 60)} min" if r.end else ""
        keys = ([metric] if metric and metric in r.metrics else []) + sorted(k for k in r.metrics if k != metric)
        got = ", ".join(f"{k} {fmt(r.metrics[k])}" for k in keys[:4]) or "no metrics logged"
        if (unlogged := unlogged_metric(question, list(r.metrics))) is not None:
            # "what BLEU did run X get?" of a run that logged none: say so before what it did log
            got = f"no {unlogged} logged" + (f" (it logged {got})" if r.metrics else "")
        # "what head LR did run X use?": the asked setting first, whether or not it sets the run apart
        asked = [f"{k}={v}" for k, v in r.params.items() if words and key_named(k, words)][:2]
        rest = [kv for kv in distinctive(idx, r, limit=4).split(", ") if kv and kv not in asked]
        conf = ", ".join([*asked, *rest][:4])
        parts.append(f"{name}: run by {r.user or 'unknown'} on {r.start:%Y-%m-%d %H:%M}, {r.status.lower()}{mins}; "
                     f"{got}" + (f"; config: {conf}" if conf else "") + ".")
        cites.add(None, [r.run_id])
        eids = idx.run_entries.get(r.run_id, [])
        if eids:
            e = idx.entry_by_id[eids[-1]]
            parts.append(f"Logged in {e.author}'s note of {e.at:%Y-%m-%d}.")
            cites.add(e.id, [])


def seed_answer(idx: HistoryIndex, metric: str, parts: list[str], cites: Cites) -> bool:
    groups = []
    for spread, rids in idx.seed_groups(metric):
        runs = [idx.run_by_id[r] for r in rids]
        seeds = {next((v for k, v in r.params.items() if k.lower() in ("seed", "random_state", "random_seed")), "")
                 for r in runs}
        if len(seeds - {""}) >= 2:
            groups.append((len(runs), max(r.start for r in runs), spread, runs))
    if not groups:
        return False
    groups.sort(key=lambda g: (g[0], g[1]), reverse=True)
    _, _, spread, runs = groups[0]
    runs = sorted(runs, key=lambda r: r.start)[-5:]
    vals = "; ".join(run_label(idx, r, metric) for r in runs)
    parts.append(f"Runs that differ only by seed: {vals}. Spread {fmt(spread)} on {metric} "
                 f"(about ±{fmt(spread / 2)}): treat smaller differences as noise.")
    cites.add(None, [r.run_id for r in runs])
    return True


def _side_concepts(text: str) -> set[str]:
    return {c for c, sp in vocab.concepts_in(text).items() if sp and c not in UMBRELLA} or {
        c for c, sp in vocab.concepts_in(text).items() if sp}


def compare_answer(idx: HistoryIndex, q: str, metric: str, goal: Goal, parts: list[str], cites: Cites) -> bool:
    m = BEATS.search(q)
    if m is None:
        return False
    left = _side_concepts(QWORDS.sub(" ", q[: m.start()]))
    right = _side_concepts(q[m.end():]) - left
    left -= right
    if not left or not right:
        return False
    xs = [idx.run_by_id[r] for c in left for r in idx.runs_with(c, 200)]
    ys = [idx.run_by_id[r] for c in right for r in idx.runs_with(c, 400)]
    xs = [r for r in xs if not (idx.run_docs.cover(r.run_id) & right)]
    ys = [r for r in ys if not (idx.run_docs.cover(r.run_id) & left)]
    bx = idx.best_run(metric, goal, xs)
    pool = [r for r in ys if idx.valid(r, metric) and r.run_id not in idx.void_runs()]
    if bx is None or not pool:
        return False

    def diff(r: RunSnapshot) -> int:
        keys = set(r.params) | set(bx.params)
        return sum(1 for k in keys if k.lower() not in ("seed", "random_state") and r.params.get(k) != bx.params.get(k))

    sign = 1.0 if goal == "max" else -1.0
    by = min(pool, key=lambda r: (diff(r), -sign * r.metrics[metric], r.start))
    vx, vy = bx.metrics[metric], by.metrics[metric]
    better = sign * (vx - vy) > 0
    name_x = vocab.CONCEPT_BY_ID[sorted(left)[0]].name
    name_y = vocab.CONCEPT_BY_ID[sorted(right)[0]].name
    direction = "higher is better" if goal == "max" else "lower is better"
    verdict = "better" if better else ("the same" if vx == vy else "worse")
    parts.append(f"No: by {metric} ({direction}) " if not better else f"Yes: by {metric} ({direction}) ")
    parts[-1] += (f"the best {name_x} run {run_label(idx, bx, metric)} is {verdict} than the closest "
                  f"{name_y} run {run_label(idx, by, metric)} (difference {fmt(abs(vx - vy))}).")
    bests = idx.best_run(metric, goal, pool)
    if bests is not None and bests.run_id != by.run_id:
        parts.append(f"Best {name_y} run overall: {run_label(idx, bests, metric)}.")
        cites.add(None, [bx.run_id, by.run_id, bests.run_id])
    else:
        cites.add(None, [bx.run_id, by.run_id])
    return True


def _value_of(run: RunSnapshot, keys: set[str]) -> str | None:
    values = {f"{k}={v}" for k, v in run.params.items() if k.lower() in keys and v not in ("", "None")}
    return values.pop() if len(values) == 1 else None


def best_setting_answer(idx: HistoryIndex, concepts: set[str] | frozenset[str], metric: str, goal: Goal,
                        parts: list[str], cites: Cites, *, question: str = "") -> bool:
    """ "which learning rate worked best?": the runs grouped by the value of the setting the question
    names, each value's best by the metric in force, best first; only the runs within the scope the question
    names ("for LoRA", "for the size 10 model") and, when there is one, the sweep that varies that setting.
    When only one value has a finished run, that is said with the values tried but never finished. False when
    no setting of the question was tried with two values or more."""
    void = idx.void_runs()
    for cid in sorted(concepts):
        concept = vocab.CONCEPT_BY_ID.get(cid)
        keys = {k.lower() for k in (concept.param_keys if concept else ())}
        if not keys:
            continue
        scoped = scoped_runs(idx, question, keys) if question else None
        tried = [r for r in (scoped if scoped is not None else idx.runs)
                 if r.run_id not in void and _value_of(r, keys) is not None]
        held = tried
        tried = sweep_runs(tried, keys)
        by_value: dict[str, list[RunSnapshot]] = {}
        for run in tried:
            if idx.valid(run, metric):
                by_value.setdefault(str(_value_of(run, keys)), []).append(run)
        unfinished = sorted({str(_value_of(r, keys)) for r in tried} - set(by_value))
        if not by_value or len(by_value) + len(unfinished) < 2 or (len(by_value) < 2 and scoped is None):
            continue
        sign = -1.0 if goal == "max" else 1.0
        ranked = sorted(((min(runs, key=lambda r: (sign * r.metrics[metric], r.start)), value, len(runs))
                         for value, runs in by_value.items()), key=lambda t: sign * t[0].metrics[metric])
        best, value, count = ranked[0]
        name = concept.name if concept else cid
        only = " the only value with a finished run" if len(by_value) == 1 else ""
        # a sweep read apart from the other runs says so, and names a better run outside it: "best lr 5e-5"
        # read off one sweep is false of the project when its best run holds another lr
        within = " among runs that differ only in it" if len(tried) < len(held) else ""
        parts.append(f"Best {name} by {metric}{within}: {value} ({run_label(idx, best, metric)}"
                     f"{f', best of {count} runs' if count > 1 else ''}){';' + only if only else ''}.")
        if ranked[1:]:
            others = "; ".join(f"{v}: {fmt(r.metrics[metric])} ({n} run{'s' if n > 1 else ''})"
                               for r, v, n in ranked[1:4])
            parts.append(f"Others: {others}.")
        if unfinished:
            parts.append(f"Tried without a finished run: {', '.join(unfinished[:4])}.")
        cites.add(None, [best.run_id] + [r.run_id for r, _v, _n in ranked[1:3]])
        outside = [r for r in held if r not in tried and idx.valid(r, metric)
                   and sign * r.metrics[metric] < sign * best.metrics[metric]]
        if within and outside:
            top = min(outside, key=lambda r: (sign * r.metrics[metric], r.start))
            parts.append(f"Best run overall: {run_label(idx, top, metric)} with {_value_of(top, keys)}.")
            cites.add(None, [top.run_id])
        return True
    return False


_SETTING_WINDOW = dt.timedelta(days=7)


def setting_runs(idx: HistoryIndex, concepts: set[str], author: str | None, at: dt.datetime) -> list[str]:
    """The author's runs of the week before ``at`` that moved a setting the question names (batch size,
    learning rate ...) away from the value the project's runs usually hold: the runs a "did larger batch
    sizes help?" is about, whatever the note linked."""
    keys = {k for c in concepts if (con := CONCEPT_BY_ID.get(c)) is not None for k in con.param_keys}
    if not keys:
        return []
    out: list[str] = []
    for key in sorted(keys):
        values = Counter(r.params[key] for r in idx.run_by_id.values() if key in r.params)
        if len(values) < 2:
            continue
        usual = values.most_common(1)[0][0]
        out += [r.run_id for r in sorted(idx.run_by_id.values(), key=lambda r: r.start)
                if r.user == author and key in r.params and r.params[key] != usual
                and dt.timedelta(0) <= at - r.start <= _SETTING_WINDOW and r.run_id not in out]
    return out if 0 < len(out) <= 4 else []


def value_runs(idx: HistoryIndex, concepts: set[str], values: set[float], *, words: frozenset[str] = frozenset(),
               limit: int = 4) -> list[str]:
    """The runs whose setting the question names holds a value it states ("lowered the entropy coefficient to
    0.0003" -> the runs with entropy_coef 0.0003, not those with learning_rate 0.0003), oldest first; none
    when more than ``limit`` hold it (a value everyone used says nothing of one change)."""
    keys = {k.lower() for c in concepts if (con := CONCEPT_BY_ID.get(c)) is not None for k in con.param_keys}
    if not values or not (keys or words):
        return []
    named: dict[str, bool] = {}

    def asked(key: str) -> bool:
        # a key the question spells out: "the entropy coefficient" names entropy_coef (each part of three
        # letters or more opens a word of the question)
        if key not in named:
            named[key] = key.lower() in keys or _spelled(key, words)
        return named[key]

    out = [r.run_id for r in sorted(idx.run_by_id.values(), key=lambda r: r.start)
           if any(_num(v) in values and asked(k) for k, v in r.params.items())]
    return out if len(out) <= limit else []


def _spelled(key: str, words: frozenset[str]) -> bool:
    parts = [p for p in re.split(r"[_\-.\s]+", key.lower()) if p]
    return bool(parts) and all(len(p) >= 3 and any(w.startswith(p) for w in words) for p in parts) \
        and any(len(p) >= 4 for p in parts)


def _num(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def acronym_metrics(idx: HistoryIndex, q: str) -> list[str]:
    """Metrics the question names by the words of an acronym in their key ("real-time factor" -> rtf_cpu,
    "word error rate" -> wer)."""
    words = [w for w in vocab.norm(q).split() if w.isalpha()]
    out: list[str] = []
    for key in sorted(idx.metric_keys):
        for part in re.split(r"[_\W]+", key.lower()):
            n = len(part)
            if not 2 <= n <= 4 or not part.isalpha():
                continue
            if any("".join(w[0] for w in words[i:i + n]) == part for i in range(len(words) - n + 1)):
                out.append(key)
                break
    return out


def metric_value_answer(idx: HistoryIndex, q: str, metrics: list[str], parts: list[str], cites: Cites) -> bool:
    """"What <metric> did <the runs described> get?": the tracker's values for the runs whose names and
    params carry most of the question's other words (ties: every tied run, at most three)."""
    metric_toks = {t for m in metrics for t in vocab.tokens(m.replace("_", " "))}
    # "the run without AMP": a run with AMP on is none of the asked runs, one with it off matches the words
    without = negated_words(q)
    want = {t for t in vocab.tokens(q) if len(t) >= 3 and not vocab.is_generic(t)} - metric_toks - without - _NEGATORS
    if not want and not without:
        return False
    scored: list[tuple[int, RunSnapshot]] = []
    for r in idx.run_by_id.values():
        if not any(m in r.metrics for m in metrics) or (without and ruled_out(r, without)):
            continue
        have = set(vocab.tokens(" ".join(f"{k} {v}" for k, v in r.params.items())))
        named = set(vocab.tokens(r.run_name or ""))
        # a word of the run's own name counts twice: "the review features" names ltr-review-features, not the
        # later run whose params hold customerReviewAverage among seven features
        hit = len(want & have) + 2 * len(want & named) - len(want & have & named) + 2 * off_matches(r, without)
        if hit:
            scored.append((hit, r))
    if not scored:
        return False
    top = max(h for h, _ in scored)
    best = sorted((r for h, r in scored if h == top), key=lambda r: r.start)
    if len(best) > 3 or top < 2:
        return False  # the question does not single the runs out
    for r in best:
        vals = ", ".join(f"{m} {fmt(r.metrics[m])}" for m in metrics if m in r.metrics)
        parts.append(f"{r.run_name or r.run_id[:8]} by {r.user or '?'} ({r.start:%Y-%m-%d}): {vals}.")
    cites.add(None, [r.run_id for r in best])
    return True
