"""Thread answers: a few sentences in the team's words, the tracker's numbers, every source cited.

``answer`` tries the kinds of question in turn (a metric switch, why something stopped, whether
something helped, the best run, ...); answers read off the runs alone are in
``narrative.run_answers``, and the question is read and scored as a plan is (``narrative.plan_reading``).
"""

from __future__ import annotations

import heapq
import re

from narrative import answer_follow as follow
from narrative import vocab
from narrative.answer_broke import broke_answer
from narrative.answer_duration import how_long_answer
from narrative.answer_intent import (
    EFFECT_Q,
    HINDSIGHT_Q,
    HOW_ACHIEVED_Q,
    WHICH_SETTING,
    hindsight_facts,
    name_group_runs,
    not_prose,
)
from narrative.answer_plans import never_run, run_item
from narrative.answer_quotes import (
    ASKED_ABOUT,
    action_match,
    clip,
    clip_to,
    is_plan,
    note_on_run,
    numbers,
    outcome_after,
    plain_word_facts,
    quote_key,
    with_section,
)
from narrative.answer_rank import (
    direction,
    rank_runs,
    rerank,
    specific_tokens,
    useful_runs,
)
from narrative.answer_reasons import magnitude_answer, reason_section_answer
from narrative.answer_recommend import recommend_facts
from narrative.answer_sections import aliased_runs, prefix_runs, run_outcome, section_verdict
from narrative.answer_spelling import respelled
from narrative.answer_status import approaches_in_words
from narrative.answer_switch import baseline_answer, start_value_answer, switch_answer
from narrative.answer_topical import quote_topical
from narrative.answer_tracker import WHICH_RUN as _WHICH_RUN_Q
from narrative.answer_tracker import (
    best_of_group,
    duration_run,
    extreme_run,
    head_metric,
    how_many,
    setting_of_runs,
    setting_unrecorded,
    who_most,
)
from narrative.answer_value_run import value_named_run
from narrative.answer_values import direction_pairs, pair_line, value_move_facts
from narrative.answer_verdict_near import lift_verdicts
from narrative.history_index import Fact, HistoryIndex, fmt
from narrative.plan_reading import PlanTerms, Query, plan_terms, score_cover
from narrative.run_answers import (
    BEATS,
    Cites,
    about_more_than,
    acronym_metrics,
    best_setting_answer,
    closest_answer,
    compare_answer,
    distinctive,
    metric_value_answer,
    person_named,
    person_runs,
    run_facts,
    run_label,
    runs_named,
    seed_answer,
)
from narrative.types import Answer, Citation
from storage.records import RunSnapshot

# A thread question is a sentence or two: past this, only its head and tail are read (a 40,000-character
# message must cost what a short one does; the helpers below are not all linear in a word's length).
MAX_QUESTION_CHARS = 1200
MAX_WORD_CHARS = 64
_SPACES = re.compile(r"\s+")
_BEST = re.compile(r"\b(best|winner|leading|top|current (setup|model|config)|candidate|ship\w*|go with|"
                   r"production model)\b", re.I)
# "why ... stop/abandon ...": the first cue, then the second anywhere after it (two linear searches, never
# ``A.*B``, which backtracks quadratically on a long question of repeated "why ").
_WHY_STOP_A = re.compile(r"\b(why|reason)\b", re.I)
_WHY_STOP_B = re.compile(r"\b(stop|abandon|drop|park|not|n't|didn'?t|aren'?t|isn'?t|shelv|give up|gave up|kill|leave|"
                         r"left|switch)", re.I)
_WHY = re.compile(r"^\s*(why|how come)\b|\bwhat (was|went|is|goes) wrong\b|\bwhat (was|is) the (problem|issue|bug)\b|"
                  r"\b(what|which) (was|is|were) the reason|\breason (for|why)\b", re.I)
_VOIDQ = re.compile(r"\b(thrown out|throw\w{0,6} out|void|invalid\w*|exclud\w*|discard\w*|ignor\w*|disqualif\w*|"
                    r"not count\w*|remov\w*|leak\w*)\b", re.I)
# a stated purpose or cause ("to fit in memory", "as 1M buffer will require 100GB", "so that ...", "appeared to
# flatline after 50 epoch, so going to decrease learning rate")
# "why did X look so much better / get worse?" asks for the cause of a change in the result; a sentence
# (or its neighbour) that names the change answers it, a remark that X was slow does not
_CHANGE_Q = re.compile(r"\b(better|worse|improv\w*|drop\w*|jump\w*|degrad\w*|spike\w*|fell|rose)\b", re.I)
# "did X help?", "has X improved ...", "does X matter": the verdict with its numbers
_HELP_A = re.compile(r"^\s*(did|does|do|has|have|was|were|is|are)\b", re.I)
_HELP_B = re.compile(r"\b(hold|held|pan(ned)? out|help\w{0,3}|work\w{0,3}|"
                     r"improv\w{0,4}|gain\w{0,2}|matter\w{0,2}|change\w{0,2}|"
                     r"anything|better|worse|hurt\w{0,3}|boost\w{0,3}|worth|"
                     # "did the warmup sweep recover the baseline?", "did BCELoss fix the collapse?": a yes/no question
                     # whether a change did what it was for asks how it went, as "did it help?" does
                     # (the verb's base form after "did": "a fixed seed", "the recovery time" ask no such thing)
                     r"fix|solve|resolve|recover|stabili[sz]e|succeed|prevent|pay off)\b", re.I)
# "what did the skip to final output do?", "how did the LoRA run go?", "what happened with lr 1e-1?": what came of
# something, as "did it help?" asks
_EFFECTQ = re.compile(r"^\s{0,8}(what|how)\s{1,4}(did|does|has|have)\b.{1,200}?\b(do|go|work|turn(ed)? out|change)"
                      r"\W{0,3}$|"
                      r"^\s{0,8}what\s{1,4}(happened|came of|was the (effect|impact|result) of)\b|"
                      r"^\s{0,8}what\s{1,4}(did|have)\s{1,4}\w{1,20}\s{1,4}(conclude|learn|find|found|decide)\w{0,2}\s{1,4}"
                      r"(about|on|for|from)\b", re.I)
# asks for facts of a run: who ran it, what it got, when, with which params
# "who ran the hybrid run?": one word before "run" (not "the last run", "the best run": those ask otherwise)
_THE_X_RUN = re.compile(r"^\s{0,8}who\b[^?]{0,60}?\bthe\s{1,3}"
                        r"(?!(?:last|latest|first|best|worst|next|previous|same|other|new|old|big|long|final|whole)\b)"
                        r"([a-z0-9][\w.\-+]{1,30})\s{1,3}run\b", re.I)
# a move to a value written as a setting's short name ("go to r64", "bumped to bs256"): its number is the value
_MOVED_TO_NAMED = re.compile(r"\b(?:go|went|gone|going|mov\w{1,3}|switch\w{0,3}|bump\w{0,3}|rais\w{1,3}|increas\w{1,3}|"
                             r"lower\w{0,3}|reduc\w{1,3}|cut|drop\w{0,4})\s{1,3}to\s{1,3}"
                             r"(?:r|bs|b|d|dim|k|h|l|n|e|ep|seq|ctx|len)(\d{1,5})\b", re.I)  # not "v2": a version
# "why did we go with X?" asks why X was chosen, not which run is best ("go with" is also a way to ask that)
_GO_WITH = re.compile(r"\b(go|went|going)\s{1,3}with\b", re.I)
_VALUEQ = re.compile(r"^\s*(what|which|how (much|fast|slow|high|low|good))\b.{0,200}?\b(get|got|reach\w*|scor\w*|"
                     r"achiev\w*|hit|have|has|had|give|gave|was|were|is)\b", re.I)
_FACTQ = re.compile(r"^\s*(who|what|which|when|how (many|long|much|did|does|was|is))\b", re.I)
# "which ... came closest to MelGAN on LJSpeech?": the best run outside the reference, within the scope
_CLOSEST = re.compile(r"\b(closest|nearest|next best|second best|runner.up)\b(\s{1,4}to\s{1,4}([\w\-.]{2,40}))?",
                      re.I)
# what a note says of a thing not done: none of these reports a result ("Factorized noise v1 converges badly" does)
_UNDONE = frozenset({"plan", "conditional", "question", "counterfactual", "negated"})
# "did we ever try X?", "have you tested X?": whether something was done at all
_TRIED_Q = re.compile(r"^\s{0,8}(did|have|has)\s{1,3}(we|you|i|they|anyone|someone|anybody|somebody)\s{1,3}"
                      r"(ever\s{1,3})?(try|tried|test|tested|run|ran|use|used|attempt\w{0,2}|experiment\w{0,2})\b",
                      re.I)
# the asking words around the subject of a did-it-help or why-stop question: the check reads the subject alone
_STRIP_ASK = re.compile(r"\b(ever|help\w{0,3}|work\w{0,3}|improv\w{0,4}|drop(?!out)\w{0,3}|abandon\w{0,3}|"
                        r"stop\w{0,3}|give up|gave up|shelv\w{1,3}|kill\w{0,3}|park\w{0,3}|tr(y|ied)|test(ed)?)\b",
                        re.I)
_SEED_WORD = re.compile(r"\bseeds?\b", re.I)
_SEED_SPREAD = re.compile(r"\b(noise|nois\w{0,6}|varian\w{0,6}|spread|std|jitter|wobble|var(y|ies)|"
                          r"how (big|much|large)|stable|stability|moves?|changes?)\b", re.I)
_SEED_SPREAD_BEFORE = re.compile(r"\b(noise|varian\w{0,6}|spread|how (much|big|large))\b", re.I)
_RUN_TO_RUN = re.compile(r"\brun.to.run (noise|variance)\b", re.I)
_SHIP = re.compile(r"\b(ship\w*|candidate|deploy\w*|production|prod|release)\b", re.I)
_METRIC_WORD = re.compile(r"\bmetric\b")
_METRIC_MOVE = re.compile(r"\b(switch|chang|move|why)\w*")
_COMPARE = re.compile(r"\b(compare|compared|vs\.?|versus|against|relative to|better than|worse than)\b", re.I)


def bounded_question(question: str) -> str:
    """The question with whitespace runs folded, words longer than any real word dropped, and only its first
    and last 600 characters kept when longer: every later step then works on a bounded text."""
    words = [w for w in _SPACES.split(question.strip()) if len(w) <= MAX_WORD_CHARS]
    q = " ".join(words)
    if len(q) > MAX_QUESTION_CHARS:
        half = MAX_QUESTION_CHARS // 2
        q = q[:half].rsplit(" ", 1)[0] + " ... " + q[-half:].split(" ", 1)[-1]
    return q


def _then(first: re.Pattern[str], second: re.Pattern[str], text: str) -> bool:
    """``first`` somewhere and ``second`` after it: the regex ``first.*second`` without its quadratic backtracking.
    The earliest ``first`` leaves the most room after it, so one search of each pattern decides."""
    m = first.search(text)
    return m is not None and second.search(text, m.end()) is not None


def _asks_seed_noise(q: str) -> bool:
    return (_then(_SEED_WORD, _SEED_SPREAD, q) or _then(_SEED_SPREAD_BEFORE, _SEED_WORD, q)
            or _RUN_TO_RUN.search(q) is not None)


def _metric_spans(idx: HistoryIndex, text: str) -> list[tuple[int, int, str]]:
    """Where the text spells a tracked metric's words (in ``vocab.norm`` form): start, end, key. A metric spelled
    inside another's longer spelling ("simple mrr" in "ltr simple mrr") is the longer one only."""
    t = " " + vocab.norm(text) + " "
    found: list[tuple[int, int, str]] = []
    for key in idx.metric_keys:
        for w in sorted(vocab.metric_words(key), key=len, reverse=True):
            m = re.search(r"(?<![a-z0-9])" + re.escape(w) + r"(?![a-z0-9])", t)
            if len(w) >= 2 and m:
                found.append((m.start(), m.end(), key))
                break
    return [(a, b, k) for a, b, k in found
            if not any(a2 <= a and b <= b2 and (b2 - a2) > (b - a) for a2, b2, _ in found)]


def _metrics_in(idx: HistoryIndex, text: str) -> list[str]:
    found = [(a, key) for a, _, key in _metric_spans(idx, text)]
    # prefer validation metrics when two keys share a word ("auc" in val_auc and train_auc)
    out: list[str] = []
    for pos, _key in sorted(found):
        same = [k for p, k in found if p == pos]
        pick = next((k for k in same if k.lower().startswith("val")), same[0])
        if pick not in out:
            out.append(pick)
    return out


def _rank_facts(idx: HistoryIndex, terms: PlanTerms, prefer_closing: bool, void: bool = False,
                window: follow.Window | None = None, body: str = "") -> list[tuple[float, Fact]]:
    q = Query(idx, terms)
    out: list[tuple[float, Fact]] = []
    pool = [idx.facts[i] for i in q.shortlist(q.candidate_facts(skip_umbrella=False), 400)]
    # "why ... after the baseline run?" when every line names the setting: "Baseline LR 0.02 is way too high"
    plain = follow.plain_bonus(pool, body, frozenset(terms.tokens)) if prefer_closing and len(pool) > 40 else {}
    for f in pool:
        s, key_hit = score_cover(terms, vocab.cover(f.concepts), f.toks)
        s += plain.get(f.idx, 0.0)
        if terms.key_concepts and not key_hit:
            s *= 0.5
        if prefer_closing and (f.closing or f.negative):
            s += 0.15
        if void and f.run_ids and f.run_ids[0] in idx.void_runs():
            s += 0.1
        if f.kind == "sentence":
            s += 0.02
        if f.run_ids:
            s += 0.03
        if window is not None and window.holds(f.at):
            s += 0.5  # "in late June", "on October 23": the notes of those days
        out.append((s, f))
    return heapq.nlargest(40, out, key=lambda x: (x[0], x[1].at))


def answer(question: str, idx: HistoryIndex) -> Answer:
    """An answer to ``question`` from the caller's index of the project's history, every claim cited."""
    out = _answer(question, idx)
    if out.answer.startswith("I found nothing") or any(
            c.run_ids or (c.entry_id is not None and idx.entry_runs.get(c.entry_id)) for c in out.citations):
        return out
    # "why did torch_mean_residual_mlp collapse?" answered from notes that link no run: the runs the question names
    # by the start of their names (torch_mean_residual_mlp-koko, ...) are what it is about
    named = prefix_runs(idx, bounded_question(question))
    if named:
        out.citations.append(Citation(entry_id=None, run_ids=named))
    return out


def _answer(question: str, idx: HistoryIndex) -> Answer:
    metric, goal = idx.metric_now()
    cites = Cites(idx)
    parts: list[str] = []
    q = bounded_question(question)
    qn = vocab.norm(q)

    # 1. why did the primary metric change?
    if _METRIC_WORD.search(qn) and _METRIC_MOVE.search(qn) and idx.switches():
        for at, m, g, reason, eid in idx.switches()[-2:]:
            before = _sentences_before(idx, eid, reason)
            parts.append(f"On {at:%Y-%m-%d} the primary metric became {m} ({g}): \"{clip(reason, 200)}\"")
            if before:
                parts.append(f"Context: \"{clip(before, 220)}\"")
            cites.add(eid, [])
        best = idx.best_run()
        if best is not None and metric:
            parts.append(f"Best by {metric} now: {run_label(idx, best, metric)}.")
            cites.add(None, [best.run_id])
        return _finish(parts, cites)

    metrics_named = _metrics_in(idx, q) or [m for m in [head_metric(idx, q)] if m]
    window, body, terms = follow.read_dated(q, idx)  # "why ... in late June?": the days, and the rest
    why = _then(_WHY_STOP_A, _WHY_STOP_B, q) or bool(_WHY.search(q))
    if not why and terms.key_concepts and (spans := _metric_spans(idx, body)):
        # "the best LTR simple MRR", "the hand tuned MRR": words of a metric's name are that metric, not a subject
        # (no run is "learning to rank" or "tuning" for them); the question is read without them
        nb = vocab.norm(body)
        for lo, hi, _ in sorted(spans, reverse=True):
            nb = nb[:max(0, lo - 1)] + " " + nb[max(0, hi - 1):]  # the spans count the padding space
        bare = plan_terms(nb, idx)
        if bare.key_concepts < terms.key_concepts:
            terms = bare
    facts = [(s, f) for s, f in _rank_facts(idx, terms, why, void=bool(_VOIDQ.search(q)), window=window, body=body)
             if not not_prose(idx, f)]
    helpq = not why and (_then(_HELP_A, _HELP_B, q) or bool(_EFFECTQ.search(q)))
    hindsight = bool(HINDSIGHT_Q.search(q))
    achieved = not why and bool(HOW_ACHIEVED_Q.search(q))
    if hindsight:
        # "what should we have done differently?": the author's "should have ..." lines answer whatever words
        # they share with the question; their headings (rerank) say which run they are about
        have = {id(f) for _, f in facts}
        facts += [(0.3, g) for g in hindsight_facts(idx) if id(g) not in have]
    if why and (moved_to := _MOVED_TO_NAMED.search(body)) and facts:
        # "why did we go to r64?": the notes say the move with the bare value ("going to 64 because ..."), a line
        # no word of the question reaches; it states the move asked about, where the others only mention r64, so
        # it joins the candidates above the best of them
        moves = {id(f) for _, f in value_move_facts(idx, f"to {moved_to.group(1)}")}
        facts = [(s, f) for s, f in facts if id(f) not in moves] + [
            (facts[0][0] + 0.5, f) for _, f in value_move_facts(idx, f"to {moved_to.group(1)}")]
    if why or helpq or hindsight or achieved:
        facts = rerank(idx, terms, facts, why=why, change=why and bool(_CHANGE_Q.search(q)), question=body,
                       hindsight=hindsight, achieved=achieved, asked=q)
        if helpq:
            facts = lift_verdicts(idx, facts, body, specific_tokens(terms))  # "this doesn't seem to help. ... 2e-5"
    elif numbers(body):
        # "what happened with lr 1e-1?": the note that states that value, not its neighbour with 5e-3
        facts = sorted(((s + 0.25 * action_match(body, with_section(idx, f)), f) for s, f in facts),
                       key=lambda x: (x[0], x[1].at), reverse=True)
    topical = [(s, f) for s, f in facts if s >= 0.45]
    if not topical and not why and not helpq:
        # "which class is hardest to segment?": one word of the question, a superlative, is the whole point;
        # a note that states it ("Blood vessel hardest - tiny structures") answers however little else it shares
        sup = {t for t in vocab.tokens(body) if _SUPERLATIVE.fullmatch(t)}
        topical = [(s, f) for s, f in facts if s >= 0.3 and sup & f.toks][:2]

    outcomes: dict[int, str] = {}
    said = section_verdict(idx, terms, topical, body) if helpq and not why and not runs_named(idx, q) else None
    if said:
        # "did the warmup sweep recover the baseline?": the section titled by the thing asked about says how it went
        # under its own outcome labels ("Findings: ... // Conclusion: Failed stability constraint ..."), lines that
        # share no word with the question, where its aim ("Goal: Recover baseline behavior ...") shares them all:
        # its heading is quoted first, with those blocks
        # the line as the ranking knows it (a structured conclusion restating it carries its runs and verdict)
        firsts = [next((g for _, g in topical if g.entry_id == h.entry_id and len(quote_key(g.text)) >= 20
                        and quote_key(g.text) in quote_key(text.split(" // ")[0])), f) for f, h, text in said]
        said = [(g, h, text) for g, (_, h, text) in zip(firsts, said, strict=True)]
        gone = firsts + [h for _, h, _ in said]  # the heading itself is no second quote: its aim lines follow it
        topical = [(topical[0][0], f) for f in firsts] + [(s, f) for s, f in topical if all(f is not g for g in gone)]
        outcomes = {id(f): text for f, _, text in said}
    # counts and extremes of the runs ("who ran the most experiments?", "which run had the lowest val loss?")
    if not why and (who_most(idx, q, metric, goal, parts, cites) or how_many(idx, q, metric, goal, parts, cites)
                    or extreme_run(idx, q, metrics_named, parts, cites) or duration_run(idx, q, parts, cites)
                    or (not runs_named(idx, q)
                        and setting_of_runs(idx, q, name_group_runs(idx, body), parts, cites))):
        return _finish(parts, cites)
    # a setting's first value and its turns, a run by its person or place, a stated duration (answer_switch,
    # answer_broke, answer_duration): what the tracker and the notes on that run say
    told = not why and (switch_answer(idx, q, parts, cites, facts) or start_value_answer(idx, q, parts, cites)
                        or baseline_answer(idx, q, parts, cites) or how_long_answer(idx, q, facts, terms, parts, cites))
    if told or (not runs_named(idx, q) and broke_answer(idx, q, parts, cites)):
        return _finish(parts, cites)
    unrecorded = None if why or runs_named(idx, q) else setting_unrecorded(idx, q, name_group_runs(idx, body),
                                                                          parts, cites)
    if unrecorded is not None:
        # what is known of it: the note that speaks of the setting, if one does
        for _, f in topical[:3]:
            if unrecorded in f.concepts:
                parts.append(f"What the notes say of it: {f.author} ({f.at:%Y-%m-%d}): \"{clip(f.text, 220)}\"")
                cites.add(f.entry_id, [])
                break
        return _finish(parts, cites)

    # a question that names runs ("who ran hgb-lr0.05-d3 and what did it get?"): the tracker's facts
    # "why did we kill run 6?" when a heading reads "Run #6: `gru_ctc_reg6`": the run by the notes' own label (for
    # a why-question only: "what do we try if run 7 is still unstable?" asks about the plans, not the run's card)
    named = runs_named(idx, q) or (aliased_runs(idx, q) if why else [])
    if not named and not why and (the_run := _THE_X_RUN.search(q)) is not None:
        # "who ran the hybrid run?": a word of one run's name ("hybrid-rrf-ce") names it (for a who-question only:
        # "what happened with the X run?" wants the notes, and took a held question's answer when read so)
        one = name_group_runs(idx, the_run.group(1))
        # "who ran the 2e-5 run?": the one run whose params hold that value (no name word spells a value)
        by_value = value_named_run(idx, the_run.group(1)) if not one else None
        named = one if len(one) == 1 else [by_value] if by_value is not None else []
    item = run_item(idx, named[0]) if len(named) == 1 else None
    if named and not why and (_FACTQ.search(q) or not topical):
        run_facts(idx, named, metric, parts, cites, question=body)
        if item is not None:
            # what its author wrote under the run's own line ("(IGNORE) / was running run_10/'s file oops")
            parts.append(f"{item[0].author} ({item[0].at:%Y-%m-%d}) on {named[0].run_name}: \"{clip(item[1], 260)}\"")
            cites.add(item[0].id, [named[0].run_id])
        for _, f in topical[:1]:
            if item is None and set(f.run_ids) & {r.run_id for r in named}:
                parts.append(f"{f.author} ({f.at:%Y-%m-%d}): \"{clip(f.text, 200)}\"")
                cites.add(f.entry_id, [])
        return _finish(parts, cites)
    run_said = run_outcome(idx, named[0], body) if len(named) == 1 and why and item is None else None
    if run_said is not None:
        # "what went wrong in gru_ctc_reg3?": what the run's own section says under its outcome labels
        # ("Result: ... / Gradient explosions after warmup", "Status: stopped ... due to instability")
        parts.append(f"{run_said[0].author} ({run_said[0].at:%Y-%m-%d}) on {named[0].run_name}: "
                     f"\"{clip_to(run_said[1], 320, body)}\"")
        cites.add(run_said[0].id, [named[0].run_id])
        if metric and metric in named[0].metrics:
            parts.append(f"Tracker: {run_label(idx, named[0], metric)}.")
        return _finish(parts, cites)
    if named and why and item is not None:
        # "why did run_12 drop the dropout in the last layer?": the lines under the run's own item say why
        # ("Val loss exploded at epoch 8 / Change to no dropout in last layer ...")
        parts.append(f"{item[0].author} ({item[0].at:%Y-%m-%d}) on {named[0].run_name}: \"{clip(item[1], 300)}\"")
        cites.add(item[0].id, [named[0].run_id])
        if metric and metric in named[0].metrics:
            parts.append(f"Tracker: {run_label(idx, named[0], metric)}.")
        return _finish(parts, cites)

    # "did the GRU help?", "did we ever try X?", "why did we drop X?" about a thing only ever planned: the plan,
    # its author and date, and that nothing shows it run (the check's own judgement, so ask and check agree)
    tried_q = bool(_TRIED_Q.search(q))
    if ((helpq or tried_q or (why and _then(_WHY_STOP_A, _WHY_STOP_B, q)))
            and all(is_plan(f) or f.modality in _UNDONE for _, f in topical[:8])
            # a plan its own note follows with an outcome ("Result looks more stable, but ...") was run
            and not any(outcome_after(idx, f) is not None for _, f in topical[:8] if is_plan(f))
            and never_run(idx, _STRIP_ASK.sub(" ", body), parts, cites)):
        return _finish(parts, cites)

    # "what real-time factor did the streaming model get?": the tracker's values, then the notes on them
    value_metrics = [m for m in metrics_named + acronym_metrics(idx, q) if m != metric] if _VALUEQ.search(q) else []
    if value_metrics and not why and metric_value_answer(idx, q, list(dict.fromkeys(value_metrics)), parts, cites):
        shown = {r for c in cites.items for r in c.run_ids}
        for _, f in topical[:1]:
            if shown & set(f.run_ids):  # the note on those runs, not on their neighbours
                parts.append(f"{f.author} ({f.at:%Y-%m-%d}): \"{clip(f.text, 200)}\"")
                cites.add(f.entry_id, [])
        return _finish(parts, cites)

    # seed noise: the spread of runs that differ only by seed
    if _asks_seed_noise(q) and metric:
        seed_metric = metrics_named[0] if metrics_named else metric
        done = seed_answer(idx, seed_metric, parts, cites)
        if done:
            for _, f in topical[:3]:
                if "seeds" in f.concepts:
                    parts.append(f"{f.author} ({f.at:%Y-%m-%d}): \"{clip(f.text, 200)}\"")
                    cites.add(f.entry_id, [])
                    break
            return _finish(parts, cites)

    # "does X beat Y?": compare the runs of both by the metric in force
    if metric and BEATS.search(q):
        compared = compare_answer(idx, q, metric, goal, parts, cites)
        if compared:
            for _, f in topical[:1]:
                parts.append(f"{f.author} ({f.at:%Y-%m-%d}): \"{clip(f.text, 200)}\"")
                cites.add(f.entry_id, useful_runs(idx, terms, f))
            return _finish(parts, cites)

    # 3. comparisons that name a group of runs ("the nightly retrain")
    run_hits = rank_runs(idx, terms)
    if _COMPARE.search(q) and run_hits and (not topical or run_hits[0][0] > topical[0][0]):
        group = [idx.run_by_id[r] for s, r in run_hits if s >= run_hits[0][0] - 1e-9][:50]
        latest = max(group, key=lambda r: r.start)
        gb = idx.best_run(metric, goal, group) if metric else None
        best = idx.best_run()
        parts.append(f"Latest matching run: {run_label(idx, latest, metric)}"
                     + (f"; best of them: {run_label(idx, gb, metric)}" if gb and gb is not latest else "") + ".")
        cites.add(None, [latest.run_id] + ([gb.run_id] if gb else []))
        if best is not None:
            parts.append(f"Best experiment overall: {run_label(idx, best, metric)}.")
            cites.add(None, [best.run_id])
            if metric and metric in latest.metrics:
                gap = best.metrics[metric] - latest.metrics[metric]
                parts.append(f"Gap: {fmt(abs(gap))} on {metric}.")
        return _finish(parts, cites)

    # "what did oleg try?", "which runs did maya log this week?": a person's runs, from the tracker
    person = person_named(idx, q) if not why and _FACTQ.search(q) else None
    if person is not None and not named and not about_more_than(body, person):
        person_runs(idx, person, metric, goal, parts, cites)
        if parts:
            return _finish(parts, cites)

    close = _CLOSEST.search(q)
    if close and metric and closest_answer(idx, q, close, metric, goal, parts, cites):
        return _finish(parts, cites)

    # "which learning rate worked best?": the setting's values compared on the runs
    if ((_BEST.search(q) or WHICH_SETTING.search(q) or EFFECT_Q.search(q)) and terms.key_concepts and metric
            and not why
            and best_setting_answer(idx, terms.key_concepts, metric, goal, parts, cites, question=body)):
        for _, f in topical[:1]:
            if f.adopting or f.closing or f.verdict:
                parts.append(f"{f.author} ({f.at:%Y-%m-%d}): \"{clip(f.text, 200)}\"")
                cites.add(f.entry_id, f.run_ids)
        return _finish(parts, cites)

    # "which LightGBM run had the best wape?": the best of the runs of that kind
    if (_BEST.search(q) and not why and _WHICH_RUN_Q.search(q)
            and best_of_group(idx, terms, metrics_named or ([metric] if metric else []), parts, cites)):
        return _finish(parts, cites)

    # 2. best run questions (optionally per metric)
    if _BEST.search(q) and not terms.key_concepts and not (why and _GO_WITH.search(q)):
        wanted = metrics_named or ([metric] if metric else [])
        bests: list[RunSnapshot] = []
        for m in wanted[:3]:
            g = goal if m == metric else ("min" if vocab.metric_goal(m) == "min" else "max")
            b = idx.best_run(m, g)
            if b is None:
                continue
            bests.append(b)
            # a config every other run shares names nothing ("config: ."): said only when something sets it apart
            conf = "" if m != metric or len(wanted) > 1 else distinctive(idx, b)
            extra = f"; config: {conf}" if conf else ""
            parts.append(f"Best by {m}: {run_label(idx, b, m)}{extra}.")
            cites.add(None, [b.run_id])
        if len(bests) >= 2:
            same = len({b.run_id for b in bests}) == 1
            parts.append("It is the same run." if same else "They are different runs.")
        if _SHIP.search(q):
            pick = next((f for f in reversed(idx.facts) if f.adopting and _SHIP.search(f.text)), None)
            if pick is not None:
                parts.insert(0, f"{pick.author} ({pick.at:%Y-%m-%d}): \"{clip(pick.text, 220)}\"")
                cites.add(pick.entry_id, pick.run_ids)
        n_parts = len(parts)
        for _, f in topical[:2]:
            if f.adopting or f.closing or not bests:
                parts.append(f"{f.author} ({f.at:%Y-%m-%d}): \"{clip(f.text, 200)}\"")
                cites.add(f.entry_id, f.run_ids)
        note = note_on_run(idx, bests[0]) if len(bests) == 1 and len(parts) == n_parts else None
        if note is not None:
            # what the notes say about that run: why it is best, or how it did
            parts.append(f"{note.author} ({note.at:%Y-%m-%d}) on it: \"{clip_to(note.text, 220, body)}\"")
            cites.add(note.entry_id, [bests[0].run_id])
        if not bests and metric:
            parts.append(f"No finished run has {metric} yet.")
        return _finish(parts, cites)

    # 4. topical: why / did it help / is it worth it
    if not topical and _RESOLVE_Q.search(q):
        # "what fixed it in the end?": the note that reports the fix, the latest one, whatever its words
        fixes = [f for f in idx.facts if f.kind == "sentence" and _RESOLVED.search(f.text)]
        topical = [(0.45, f) for f in sorted(fixes, key=lambda f: (f.at, f.position), reverse=True)[:1]]
    elif len(topical) > 1 and not why and (_START_Q.search(q) or _END_Q.search(q)):
        # "what learning rate did we start with?" / "... settle on in the end?": of the notes about it that
        # score near the best, the first or the last
        near = [(sc, f) for sc, f in topical if sc >= topical[0][0] - 0.25]
        chosen = (min if _START_Q.search(q) else max)(near, key=lambda x: (x[1].at, x[1].position))
        topical = [chosen] + [x for x in topical if x is not chosen]
    if not topical and not terms.concepts and all(not idx.df.get(t) or t.startswith(tuple(ASKED_ABOUT))
                                                  for t in terms.tokens):
        # "what was wrong with the baseline?": every word is one plan reading sets aside as generic, yet the
        # notes use it as a name ("# v1_0: Baseline"); the sentences and headings that carry it answer
        topical = plain_word_facts(idx, body, verdict_form=_then(_HELP_A, _HELP_B, q))
    if not topical and why:
        # "why did we go to 64?": no setting named, only the value; the sentences that move to it say why
        topical = value_move_facts(idx, body)
    if not topical and (fixed := respelled(idx, body)) != body:
        # the notes spell the subject otherwise ("data argumentation"): read the question with their word
        terms, body = plan_terms(fixed, idx), fixed
        topical = [(s, f) for s, f in _rank_facts(idx, terms, why) if s >= 0.45 and not not_prose(idx, f)]
    if not topical and not why:
        # "what should we use as the baseline now?": the notes' own pick ("... is the recommended baseline")
        topical = recommend_facts(idx, q)
    if not why and magnitude_answer(idx, body, q, parts, cites, metric=metric):
        return _finish(parts, cites)  # "how much did X improve?": the gain with its size, in the note on X
    if why and reason_section_answer(idx, body, terms, parts, cites, metric=metric, question=q):
        return _finish(parts, cites)  # "### Reasoning" under the note on the subject: the author's reasons
    if not topical:
        return approaches_in_words(body, idx) or Answer(
            answer="I found nothing in the log or the tracker about that.", citations=[])
    quote_topical(idx, q, body, terms, topical, parts, cites, outcomes=outcomes,
                  why=why, helpq=helpq, achieved=achieved, metric=metric, goal=goal)
    if _WHO_Q.search(q):
        _who_ran(idx, cites, parts)
    # "why did we try a smaller learning rate?" answered from notes that link no run: the runs that made that move
    # are what it is about (a why-answer whose quotes cite runs already has its runs)
    bare_why = why and not any(c.run_ids or (c.entry_id is not None and idx.entry_runs.get(c.entry_id))
                               for c in cites.items)
    if (helpq or bare_why) and metric and terms.key_concepts and (way := direction(body)) is not None:
        # "did fewer leaves help?": the runs that moved that setting that way and nothing else say how it went
        keys = {k for c in terms.key_concepts if (con := vocab.CONCEPT_BY_ID.get(c)) for k in con.param_keys}
        pairs = direction_pairs(idx, keys, way, metric) if keys else []
        if pairs:
            parts.append(pair_line(idx, pairs, metric))
            cites.add(None, [r.run_id for _, a, b in pairs for r in (a, b)])
    return _finish(parts, cites)


# "who ran the dpo run?", "who did the isotonic run and what did it get?": the person the tracker has for it
_WHO_Q = re.compile(r"^\s{0,8}who\s{1,4}(ran|run|did|trained|launched|kicked off|started|logged|tried|was|is)\b", re.I)


def _who_ran(idx: HistoryIndex, cites: Cites, parts: list[str]) -> None:
    """The tracker's user of each run the answer cites (the first three, as its tracker line shows them), told
    beside the quotes: a note's author is who wrote of the run, not always who ran it."""
    shown = [idx.run_by_id[r] for c in cites.items for r in c.run_ids][:3]
    by_user: dict[str, list[str]] = {}
    for r in shown:
        if r.user:
            by_user.setdefault(r.user, []).append(r.run_name or r.run_id[:8])
    if by_user:
        parts.append("Run by (tracker): " + "; ".join(f"{u} ({', '.join(names)})" for u, names in by_user.items())
                     + ".")


_RESOLVE_Q = re.compile(r"\b(fix(ed|es)?|solv(e|ed|es)|resolv(e|ed|es)|cured?|work(ed)? around)\b", re.I)
_RESOLVED = re.compile(r"\b(finally|fixed|solved|resolved|the fix|turns? out|turned out|"
                       r"now (works|trains|converges|learns)|realiz\w{1,3}|the (culprit|cause) (was|is))\b", re.I)
_START_Q = re.compile(r"\b(start(ed)? (with|from|on|out)|began with|begin with|initial(ly)?|at first|originally|"
                      r"first (used|tried|set|picked|chose))\b", re.I)
_END_Q = re.compile(r"\b(in the end|end(ed)? up|settle(d)? on|finally|final|eventually|landed on|go(ne)? with|"
                    r"went with)\b", re.I)
# "hardest", "worst", "most stable": the one word a which-question turns on (stems: "hardest", "largest")
_SUPERLATIVE = re.compile(r"(?!(inter|sugg|requ|dig|for|hon|mod|cont|harv|manif|arr|inv|prot|ingest|pri|gu)est$)"
                          r"[a-z]{2,20}est|best|worst|most|least", re.I)
def _sentences_before(idx: HistoryIndex, entry_id: str | None, reason: str) -> str:
    if entry_id is None:
        return ""
    sents = [f for f in idx.entry_facts.get(entry_id, []) if f.kind == "sentence"]
    for i, f in enumerate(sents):
        if reason[:40] and (reason[:40] in f.text or f.text[:40] in reason):
            return " ".join(s.text for s in sents[max(0, i - 2): i])
    return ""


def _finish(parts: list[str], cites: Cites) -> Answer:
    text = " ".join(p for p in parts if p)
    if len(text) > 880:
        text = text[:877].rsplit(" ", 1)[0] + "..."
    return Answer(answer=text or "I found nothing about that.", citations=cites.items)
