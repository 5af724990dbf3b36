"""Turn an end-of-day brain dump into a structured experiment-log entry (the local, rule-based way).

The text is split into segments (``narrative.segmenting``); each segment is read for what it is:
what was tried (``hypotheses``), what came out (``observations``), a verdict on it
(``conclusions``, from the person's language first and from the linked runs' data second), what
comes next, what is still open, and decisions (metric switches, adoptions, abandonments). Runs are
linked by ``narrative.linking``. The person's words are kept; nothing is invented; every item is a
sentence or two and all sections together stay near the message's length.

How a sentence is held comes from ``narrative.reading``: a plan, a wish, a condition or a
counterfactual is at most a next step, never a thing tried or a verdict; a negated success is a
failure; the heading or label a line sits under (``segmenting``) sets its role; pasted logs and code
are data for linking only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from narrative import acts, claims, doubts, forecasts, lexicon, progress, result_rows, shortfalls, troubles
from narrative import reading as readings_mod
from narrative.entry_decisions import (
    all_failed,
    better_of,
    decisions_in,
    language_verdict,
    measures_cost,
    verdict_from_runs,
)
from narrative.entry_text import (
    MAX_ITEM_CHARS,
    MAX_SUBJECT_CHARS,
    QUESTION,
    QUESTION_PREFIX,
    add_item,
    candidate_to_try,
    clip,
    context_of_a_question,
    fit_budget,
    has_number,
    short_subject,
    split_clauses,
)
from narrative.link_explicit import split_at_references
from narrative.linking import LinkResult, link_runs
from narrative.metric_moves import train_only_gains
from narrative.next_split import NEXT_ANYWHERE, split_next
from narrative.plan_lists import plans_by_their_list
from narrative.replacements import OUTCOME_ARROWS, kept_old
from narrative.row_decisions import file_call
from narrative.run_refs import KnownRunIds
from narrative.segmenting import Segment, split_segments
from narrative.subjects import (
    FRAGMENT_START,
    REPORT_FRAME,
    RESULT_MARKER,
    about_the_last,
    alternatives,
    balanced,
    names_subject,
    subject_of,
    verdict_subject,
    without_verdict,
    worth_a_hypothesis,
)
from narrative.types import StructureRequest
from narrative.valued_plans import instructs, values_only
from storage.records import Conclusion, DecisionNote, EntryStructure, Verdict

TITLE_CHARS = 80

# A to-do item that asks ("Correct expand ratio?") and one that is an action, maybe hedged ("try X?").
_PLAN_ITEM = re.compile(r"^\W{0,8}(?:(?:maybe|perhaps|possibly|also|then|and)\s{1,4})?"
                        r"(?:try|test|add|use|run|rerun|re-run|implement|switch|train|tune|sweep|check|look|investigate|explore|compare|evaluate|ablate|measure|"
                        r"disable|enable|increase|decrease|reduce|lower|raise|remove|drop|fix|make|get|move|go|do|"
                        r"write|plot|log|save|retest|revisit|swap|replace)\b", re.IGNORECASE)
# A result pasted as "key: value" ("f1: {'f1': 0.93}", "accuracy: 0.915"): a listing, no judgement.
_KEYED_VALUE = re.compile(r"^\W{0,8}[a-z][\w@ /-]{0,24}:\s{0,4}[{(\['\"]{0,4}[\w@ /-]{0,24}['\"]?\s{0,4}:?\s{0,4}"
                          r"[-+~]?\d", re.IGNORECASE)
# "This probably complicates the learning process": a claim hedged by its writer, a hypothesis even
# when it names nothing measured.
_HEDGED_CLAIM = re.compile(r"^(?:this|that|it|which|these|those)\s+(?:is\s+|are\s+|was\s+)?(?:probably|likely)\b",
                           re.IGNORECASE)
# "This appears to be related to the reward function": a cause put forward, the claim to test.
_CAUSAL_HEDGE = re.compile(
    r"\b(?:appears?|seems?|appeared|seemed)\s+to\s+be\s+(?:related|due|caused|linked)\s+(?:to|by)\b|"
    r"\b(?:is|are|was|were)\s+(?:probably|likely|possibly)\s+(?:related|due|caused|linked)\s+(?:to|by)\b",
    re.IGNORECASE)
_BELIEF = re.compile(
    rf"\b(?:i think|we think|my guess|i guess|i suspect|probably|{doubts.HEDGE_PROB}|hypothes\w*|in case|the idea|"
    r"maybe|perhaps|"
    r"it seems|seems like|i assume|we assume|i believe|we believe|it (?:could|might|may) (?:also )?be (?:that|because)|"
    # "I expect X to help", "I expected it to": a belief; "what I expected", "as expected": no claim of its own
    r"expect(?:s|ing)?\b|expected(?=\s+(?:to|that|it|this|the|a|an|some|more|less|much)\b)|"
    r"should (?:help|work|let|solve|resolve)|should (?:\w+ly )?be (?:very |quite |really |more |much )?"
    r"(?:helpful|useful|beneficial|sufficient)|because|what matters|the way|so that)\b",
    re.IGNORECASE,
)
_HEDGE_LEAD = re.compile(rf"^\W*(?:(?:or|and|but|so)\s+)?(?:maybe|perhaps|possibly|probably|{doubts.HEDGE_PROB}|"
                         r"it\s+seems(?:\s+like)?|"
                         r"seems\s+like|it\s+(?:could|might|may)\s+(?:also\s+)?be(?=\s+that\b)|"
                         r"it\s+looks\s+like|i\s+(?:think|guess|suspect|assume|believe)|my\s+guess\s+is)\s*,?\s*(?:that\s+)?",
                         re.IGNORECASE)
_TRIED = re.compile(r"\b(?:tried|trying|tested|testing|added|adding|spent|ran|running|switched|switching|changed|"
                    r"(?<=i )trained|(?<=we )trained|(?<=i )used|(?<=we )used|experimented|"
                    r"tweak(?:ed|ing)|expand(?:ed|ing)|changing|swapping|replacing|pushed|replicated|"
                    r"increased|decreased|lowered|raised|reduced|introduced|doubled|halved|bumped|"
                    r"implemented|introduced|replaced|swapped|removed|enabled|disabled|adjusted|reproduced|"
                    r"retrained|fine-?tuned|rolled\s+back)\b",
                    re.IGNORECASE)
# "Previous version slightly (<2%) outperforms the new version": the new version lost.
_COMPARE_WORDS = re.compile(
    r"([a-z][\w .\-+/]{2,40}?)\s+(?:\w+\s+)?(?:\([^)]{0,16}\)\s+)?(?:outperform(?:s|ed)|beats|beat|"
    r"(?:is|was|are|were)\s+(?:\w+\s+)?better\s+than|wins\s+over|won\s+over)\s+([a-z][\w .\-+/]{2,40}?)"
    r"(?=\s*(?:[.,;:!?)]|$|\s(?:on|in|at|for|by|with|when|while|but|and)\b))",
    re.IGNORECASE,
)
_COMPARE = re.compile(r"([a-z][\w .\-+/]{2,40}?)\s+>\s+([a-z][\w .\-+/]{2,40})", re.IGNORECASE)
_BARE_VERDICT = re.compile(r"^(?:it|that|this|not|so|but|technically|nothing|dropping|still|both|all)\b",
                           re.IGNORECASE)


@dataclass
class _Reading:
    """What one segment (or clause) says."""

    text: str
    subject: str
    experimental: bool
    run_ids: list[str]


def structure_entry(request: StructureRequest) -> EntryStructure:
    segments = split_segments(request.text)
    links = link_runs(request, segments)
    runs_by_id = {r.run_id: r for r in (*request.window_runs, *request.known_runs,
                                         *request.resolved_refs.values())}
    refs = KnownRunIds(runs_by_id)
    structure = EntryStructure(runs=links.runs, warnings=list(links.warnings))
    structure.title = _title(request.text, segments)
    metric, goal = request.project.metric_at(request.at)
    metric_keys = sorted({k for r in runs_by_id.values() for k in r.metrics})

    readings = [_read(segment, links, index, refs=refs) for index, segment in enumerate(segments)]
    # "model 2: change kernel size -> 69%" under "model 1: ... -> 71%": a list's numbers judge its lines.
    by_numbers = result_rows.row_verdicts([s.text if s.kind != "data" else "" for s in segments],
                                          project_metric=metric, goal=goal)
    _resolve_anaphora(readings)
    listed_plans = plans_by_their_list(segments)
    title_line = _title_segment(request.text, segments)
    last_subject = ""
    setting = ""                    # the "### lr = 0.001" heading the lines sit under
    best_so_far: float | None = None
    previous_next = False
    last_plan = ""                  # the plan the segment before stated, until a result shows it was run
    unjudged: tuple[int, str] | None = None  # the line and text of the last statement with no verdict
    # the line and text of the last "Config:" / "Tried:" item, and how many items its block has
    block_change: tuple[int, str, int, str] | None = None
    for index, (reading, segment) in enumerate(zip(readings, segments, strict=True)):
        text = reading.text
        if segment.kind == "data":
            # Pasted log lines and code: linking reads their run names and numbers; they are no prose.
            continue
        if segment.kind == "row" and file_call(structure, segment, text, reading.run_ids):
            continue  # "| mixup | 0.812 | Keep |": the table's decision column settles the row
        heading = _MARKDOWN_HEADING.sub("", segment.text).strip(" *_:") if _MARKDOWN_HEADING.match(segment.text) else ""
        if heading and (not has_number(text) or _SETTING_HEADING.fullmatch(heading)):
            # "## added feature count of zeros", "### lr = 0.001": a heading names the experiment whose
            # lines follow; it is what was tried (when it says an action or sets a value), never a verdict
            # ("## dropped the id features"). A setting heading names what its lines' verdicts are about.
            setting = heading if _SETTING_HEADING.fullmatch(heading) else ""
            if ((index != title_line or setting) and (setting or _NAMES_A_CHANGE.search(heading))
                    and worth_a_hypothesis(heading, refs)):
                add_item(structure.hypotheses, clip(heading, MAX_SUBJECT_CHARS))
                last_subject = heading
            continue
        if heading:
            setting = ""
        if acts.states_habit(text) and not text.rstrip().endswith("?"):
            continue  # "I try to keep the val split fixed": a practice kept, neither a plan, a choice nor a try
        follows_a_plan = previous_next and bool(_FOLLOW_ON.match(text))
        previous_next = False
        mode = "planned" if index in listed_plans or instructs(text) else readings_mod.modality(text)
        outcome = _OUTCOME_NOTE.search(text) if segment.section in ("next", "done") else None
        outcome_verdict = (readings_mod.verdict_of(outcome.group("outcome"))
                           if outcome and readings_mod.modality(outcome.group("outcome")) not in _UNREALISED
                           and not _PLAN_ITEM.match(outcome.group("outcome")) else None)
        if outcome and outcome_verdict is not None:
            # A plan ticked off with its outcome ("bias var (v2) -- not helped much") was carried out.
            tried = text[: outcome.start()].strip()
            if outcome_verdict == "worked" and kept_old(tried, outcome.group("outcome")):
                # "Try with SGD instead of Adam ==> Adam seems better": the one it replaced won
                outcome_verdict = "did_not_work"
            add_item(structure.hypotheses, clip(tried, MAX_SUBJECT_CHARS))
            structure.conclusions.append(Conclusion(text=clip(f"{tried}: {outcome.group('outcome')}",
                                                               MAX_ITEM_CHARS),
                                                    verdict=outcome_verdict, run_ids=reading.run_ids))
            continue
        asked = text.rstrip().endswith("?") and len(text) > 4 and (
            "?" not in text.rstrip()[:-1] or bool(_WH_START.match(text)))
        if asked and candidate_to_try(text) and segment.section not in {"question", "negative", "positive", "done"}:
            # "- Weight decay?", "Folds?" in a list of ideas: a thing to try, asked as a suggestion
            add_item(structure.next_steps, clip(text, MAX_ITEM_CHARS))
            continue
        if segment.section == "next" and asked and not _PLAN_ITEM.match(text):
            # "To try/TODO:" over "Correct (base) depth?", "Is staggering actually improving
            # efficiency?": an item asked, not an action, is a question still open.
            add_item(structure.open_questions, clip(text, MAX_ITEM_CHARS))
            continue
        settled = decisions_in(text, metric_keys, reading.run_ids) if segment.section == "decision" else []
        if settled:
            structure.decisions.extend(d for d in settled if not any(
                known.kind == d.kind and known.text == d.text for known in structure.decisions))
            continue
        if segment.section == "cancelled":
            # "Cancelled: - Try dropout": called off, run or not; a decision, neither a plan nor a result
            if not any(d.kind == "abandon" and d.text == text for d in structure.decisions):
                structure.decisions.append(DecisionNote(kind="abandon", text=clip(text, MAX_ITEM_CHARS),
                                                        run_ids=reading.run_ids))
            continue
        if segment.section in {"next", "counterfactual", "progress"} or follows_a_plan:
            add_item(structure.next_steps, clip(text, MAX_ITEM_CHARS))
            previous_next = True
            continue
        if segment.section == "question" and not (mode not in _UNREALISED and index and context_of_a_question(
                text, segments[index - 1].text, same_line=segments[index - 1].line == segment.line)):
            add_item(structure.open_questions, clip(QUESTION_PREFIX.sub("", text), MAX_ITEM_CHARS))
            continue
        if segment.section == "question" and mode not in _UNREALISED:
            continue  # "q: are the labels complete? some shutdowns have no ticket": the asker's context
        if segment.section in {"negative", "positive"}:
            if mode in _UNREALISED:
                add_item(structure.next_steps, clip(text, MAX_ITEM_CHARS))
                continue
            # An item of "What didn't work:" names something that was tried.
            tried_item = subject_of(text)
            if tried_item and worth_a_hypothesis(tried_item, refs) and readings_mod.verdict_of(tried_item) is None:
                add_item(structure.hypotheses, tried_item)
            stated = readings_mod.verdict_of(text)
            section_verdict: Verdict = "worked"
            if segment.section == "negative" or stated == "did_not_work":
                section_verdict = "did_not_work"
            elif stated == "inconclusive":
                section_verdict = "inconclusive"
            structure.conclusions.append(Conclusion(text=clip(text, MAX_ITEM_CHARS), verdict=section_verdict,
                                                    run_ids=reading.run_ids))
            continue
        bracket = _BRACKETED_OUTCOME.search(text) if segment.section == "done" else None
        bracket_verdict = (readings_mod.verdict_of(bracket.group("outcome")) if bracket and readings_mod.modality(
            bracket.group("outcome")) not in _UNREALISED else None)
        if bracket and bracket_verdict is not None:
            # "- [x] Compare final loss (2.8% improvement confirmed)": a ticked item with its outcome in
            # brackets was carried out, and the brackets judge it.
            tried = text[: bracket.start()].strip()
            add_item(structure.hypotheses, clip(tried, MAX_SUBJECT_CHARS))
            structure.conclusions.append(Conclusion(text=clip(f"{tried}: {bracket.group('outcome')}", MAX_ITEM_CHARS),
                                                    verdict=bracket_verdict, run_ids=reading.run_ids))
            continue
        if (segment.section == "done" and (mode == "planned" or readings_mod.verdict_of(text) is None)
                and not FRAGMENT_START.match(text)):
            # "# DONE" / "~~try X~~": an item ticked off is a thing tried, whatever its grammar.
            add_item(structure.hypotheses, clip(text, MAX_SUBJECT_CHARS))
            last_subject = short_subject(text)
            continue
        if segment.section in {"hypothesis", "tried", "config"}:
            # "- Idea: ..." and "- Config: ..." say what the experiment tries.
            add_item(structure.hypotheses, clip(text, MAX_SUBJECT_CHARS))
            if segment.section != "hypothesis" or block_change is None or segment.line - block_change[0] > 2:
                same_block = (block_change is not None and segment.section == block_change[3]
                              and segment.line - block_change[0] <= 2)
                count = block_change[2] + 1 if same_block and block_change else 1
                block_change = (segment.line, text, count, segment.section)
            continue
        factual = False
        if mode in _UNREALISED and mode != "planned" and not QUESTION.search(text):
            # "should have used a bigger batch", "if it doesn't work, disable fp16": never done; a
            # report before it ("Tried focal loss; would try sampling if ...") still is.
            done_part, later = readings_mod.split_unrealised(text)
            planned_later = mode != "conditional" or readings_mod.conditional_plans(later)
            expected = forecasts.expected_effect(later)
            if planned_later or expected:
                # "If it overfits, then the problem is with the model" reasons; it plans nothing. "Hopefully the
                # larger batch will stabilise things" expects an effect of a thing: the claim a try tests.
                add_item(structure.hypotheses if expected else structure.next_steps, clip(later, MAX_ITEM_CHARS))
            factual = not done_part and not planned_later and mode == "conditional"
            if factual:
                # "If I set fp16=True then amp is triggered, but the loss becomes inf": what happens when,
                # told as a fact; its clauses are read as a report.
                done_part = text
            if not done_part:
                previous_next = planned_later
                continue
            text, mode = done_part, ("asserted" if factual else readings_mod.modality(done_part))
        done = _DONE_MARK.search(text)
        if done and done.start() > 0 and mode == "planned":
            # "try to swap the rounds -- result: zero": an instruction with its outcome was carried out.
            add_item(structure.hypotheses, clip(text[: done.start()].strip(" -—,;:"), MAX_SUBJECT_CHARS))
            text = text[done.end():].strip(" :-—")
            mode = readings_mod.modality(text)
        elif _RESULT_LEAD.match(text) and last_plan and last_plan in structure.next_steps:
            # "Try X" then "Result looks more stable": the plan was run; it is what was tried.
            structure.next_steps.remove(last_plan)
            add_item(structure.hypotheses, clip(last_plan, MAX_SUBJECT_CHARS))
            last_subject = last_plan
        last_plan = ""
        result_part, next_part = split_next(text)
        if _ADOPTED_IT.fullmatch(next_part):
            next_part = ""  # "..., faster. switching to it.": the adoption is a decision; it names no next step
        if mode == "planned" and not next_part and (not has_number(text) or values_only(text)):
            # "thinking about trying class weights": a plan, whatever verbs it uses.
            result_part, next_part = "", text
        if (result_part and not factual and readings_mod.is_unrealised(result_part)
                and not has_number(result_part) and not _ANSWERED.search(result_part)):
            result_part = ""
        if next_part and not result_part:
            last_plan = clip(next_part, MAX_ITEM_CHARS)
        # "should run yolov8m with X to check whether Y matters": a run still to do, its check its purpose (a next step)
        checking_run = mode == "planned" and bool(_RUN_TO_CHECK.search(text))
        testing = (readings_mod.under_test(text) and index != title_line and not checking_run
                   and not text.rstrip().endswith("?"))  # "should we run X to check whether Y?" asks
        if testing:
            # "Starting to investigate whether X causes Y": the claim under test, not an open question.
            add_item(structure.hypotheses, clip(text, MAX_SUBJECT_CHARS))
        # "I was curious whether dropout 0.1 changes anything. It didn't.": a question its writer answered.
        # "I think maybe this is due to my code structure (training may be too complex?)": an aside asked in
        # brackets leaves the sentence a claim
        is_question = ((bool(QUESTION.search(_ASIDE_QUESTION.sub(" ", text))) or mode == "question") and not testing
                       and not _ANSWERED.search(text) and not checking_run)
        question_only = is_question and not reading.run_ids and not RESULT_MARKER.search(text)
        if index != title_line and result_part and not question_only and segment.section not in {"result",
                                                                                                 "conclusion"}:
            _hypotheses(structure, reading, result_part, refs=refs)

        if is_question:
            add_item(structure.open_questions, clip(QUESTION_PREFIX.sub("", text), MAX_ITEM_CHARS))
        if next_part and is_question and text.rstrip().endswith("?"):
            # "Wonder how to set the warmup (e.g. if you want to try out 4-5 epochs)?": the whole is a
            # question; its "try" is part of it, not a plan.
            next_part = ""
        if next_part:
            add_item(structure.next_steps, clip(next_part, MAX_ITEM_CHARS))
            previous_next = not result_part
        for decision in ([] if mode in _UNREALISED - {"planned"} else
                     decisions_in(text, metric_keys, reading.run_ids)):
            if not any(d.kind == decision.kind and d.text == decision.text for d in structure.decisions):
                structure.decisions.append(decision)
                if decision.kind == "adopt" and not has_number(decision.text) and not _ADOPTED_IT.fullmatch(
                        decision.text):
                    # "going with lightgbm" is the way forward; "RF .52, gbm .58, so trees it is" reports results
                    # (a decision, shown as one, not a step still to take); "switching to it." names no step
                    add_item(structure.next_steps, decision.text)
        if not result_part or (is_question and not reading.experimental):
            continue
        if _DECISION_LABEL.match(text) and language_verdict(text) is None:
            continue  # "decision: stick with yolov8m": the decision is filed; it is neither a result nor a try
        # "Probably the lr is too high": a hedged cause, unless it carries a measurement (then it reports)
        conjectured = shortfalls.conjecture(result_part.lower()) and not has_number(result_part)
        if (claims.explains(result_part) or conjectured) and not is_question:
            # "This suggests the net is overfitting", "My best guess: the batch is too small": an
            # explanation put forward; the failure words inside it are its claim, no verdict.
            claim = clip(result_part, MAX_SUBJECT_CHARS)
            if not any(claim.rstrip(" .!") == known.rstrip(" .!") for known in structure.hypotheses):
                add_item(structure.hypotheses, claim)
            unjudged = None
            continue

        concluded = False
        # "Has little effect on val loss" has no subject of its own: it is about the one before.
        anaphoric = bool(_BARE_VERDICT.match(text) or _VERB_FIRST.match(text))
        clauses = [part for clause in split_clauses(result_part)   # "X diverged, so I lowered the lr": two clauses
                   for part in troubles.split_at_remedy(clause, lambda head: language_verdict(head) == "did_not_work")]
        if request.listed_runs:  # "the second one diverged, the other two are fine": one verdict each
            clauses = [part for clause in clauses for part in split_at_references(clause)]
        own_subject = short_subject(subject_of(clauses[0]) or clauses[0]) if clauses else ""
        overfit = train_only_gains(clauses, language_verdict)   # "better on train but worse on test" did not work
        for position, clause in enumerate(clauses):
            verdict = None if position in overfit else language_verdict(clause)
            if position in overfit and position == 0 and (tried := verdict_subject(clause)):
                add_item(structure.hypotheses, tried)   # "Label smoothing improved my CV score but ...": still tried
            # "not sure whether the augmentation is responsible for the gain": a clause that asks in words judges
            # nothing ("... gives the worst PR-AUC of the bunch. why?" reports, then asks)
            clause_mode = readings_mod.modality(clause)
            main = _WRITERS_CONDITION.match(clause) if factual and clause_mode == "conditional" else None
            if main:
                # "If I add back the BNs then it converges fine": what happens when the writer does X, a report; its
                # main clause judges ("If it overfits, the problem is the model" reasons and is left alone)
                verdict, clause_mode = language_verdict(clause[main.end():]), "asserted"
            asks = clause_mode == "question" and "?" not in clause
            if verdict is None or ((clause_mode in _UNREALISED or asks
                                    or readings_mod.expects(clause)) and not _ANSWERED.search(clause)):
                continue  # an outcome expected ("a larger batch might give better recall") is no verdict yet
            concluded = True
            clause_text = clause
            if position == 0 and segment.section not in {"result", "conclusion"}:
                tried = verdict_subject(clause)
                if tried:
                    add_item(structure.hypotheses, tried)
            if position == 0 and setting and not _mentions(clause, setting):
                clause_text = f"{setting}: {clause}"
            elif (position == 0 and unjudged is not None and segment.line - unjudged[0] <= 1 and about_the_last(clause)
                  and readings_mod.modality(clause) == "asserted" and readings_mod.modality(unjudged[1]) == "asserted"
                  and (_TRIED.search(unjudged[1]) or acts.reports_action(unjudged[1]))
                  and (tried_before := next((t for t in (last_subject, *structure.hypotheses[-1:]) if t and _mentions(
                      unjudged[1], t) and not _mentions(clause, t)), ""))):
                # "Added dropout after every block. Val loss got worse.": the verdict is on the change before it
                clause_text = f"{short_subject(tried_before)}: {clause}"
            elif (position == 0 and segment.section == "result" and block_change is not None and block_change[2] == 1
                  and 0 < segment.line - block_change[0] <= 2 and about_the_last(clause)
                  and readings_mod.verdict_of(block_change[1]) is None
                  and not _mentions(clause, short_subject(block_change[1]))):
                # "Config: ctx 2048, rope 2x." then "Result: EM 41.3 -> 40.8": the result judges the block's change
                # (one item: a list's last item is not the whole change)
                clause_text = f"{short_subject(block_change[1]).rstrip(' .;,')}: {clause}"
            elif position == 0 and not _has_content(clause):
                # "it's inside the noise, not pursuing" says nothing of what: name it.
                prefix = last_subject if anaphoric or not own_subject else own_subject
                if prefix and not _mentions(clause, prefix):
                    clause_text = f"{short_subject(prefix)}: {clause}"
            elif position > 0 and not names_subject(clause):
                # "rf-200 .957, but 1.48s per fit vs 0.02s for logreg (~74x slower)": the slower
                # one is rf-200, the segment's subject, not logreg, the yardstick.
                prefix = own_subject if not anaphoric or not last_subject else last_subject
                if prefix and not _mentions(clause, prefix):
                    clause_text = f"{short_subject(prefix)}: {clause}"
            clause_runs = reading.run_ids
            if request.listed_runs:  # a clause naming some of the segment's runs is about those
                clause_runs = links.written_in(reading.run_ids, clause) or reading.run_ids
            structure.conclusions.append(
                Conclusion(text=clip(clause_text, MAX_ITEM_CHARS), verdict=verdict, run_ids=clause_runs)
            )
        if reading.experimental and reading.subject and not anaphoric and not FRAGMENT_START.match(reading.subject):
            last_subject = reading.subject
        elif not anaphoric and verdict_subject(text):
            last_subject = verdict_subject(text)
        for better, worse in [*_COMPARE.findall(result_part), *_COMPARE_WORDS.findall(result_part)]:
            if not alternatives(better, worse):
                continue
            structure.conclusions.append(Conclusion(
                text=clip(f"{worse.strip()} (vs {better.strip()})", MAX_ITEM_CHARS), verdict="did_not_work"))
            concluded = True
        data_verdict, value = verdict_from_runs(reading.run_ids, runs_by_id, metric, goal, best_so_far)
        if value is not None:
            best_so_far = value if best_so_far is None else better_of(value, best_so_far, goal)
        listed = segment.kind == "row" or (bool(_KEYED_VALUE.match(text))
                                           and len(set(re.findall(r"[a-z]{3,}", text.lower()))) <= 2)
        if (data_verdict == "did_not_work"
                and (measures_cost(result_part, metric) or doubts.negligible_cost(result_part))
                and not all_failed(reading.run_ids, runs_by_id)):
            data_verdict = None
        if listed and data_verdict == "did_not_work" and not all_failed(reading.run_ids, runs_by_id):
            # A pasted table lists results side by side; a row, or a bare "f1: {'f1': 0.93}", is a
            # result, not a verdict, unless the text says so or the run failed.
            data_verdict = None
        if not concluded and data_verdict is None and index in by_numbers:
            data_verdict = by_numbers[index]
        if not concluded and data_verdict is None:
            # "I got 68.2 top-1 accuracy, while the paper reports 72.4": the clauses judge together
            data_verdict = shortfalls.against_reference(" ".join(result_part.lower().split()))
        if not concluded and data_verdict is not None:
            structure.conclusions.append(
                Conclusion(text=clip(result_part, MAX_ITEM_CHARS), verdict=data_verdict, run_ids=reading.run_ids)
            )
            concluded = True
        if (concluded and unjudged is not None and segment.line - unjudged[0] <= 1
                and _BETTER_WITHOUT_YARDSTICK.search(result_part) and language_verdict(result_part) == "worked"):
            # "Multi-headed FFT produces very phase-y audio. Single-headed pair worked much better.": the
            # statement before is what it was better than.
            structure.conclusions.append(Conclusion(text=clip(unjudged[1], MAX_ITEM_CHARS), verdict="did_not_work"))
        unjudged = None if concluded else (segment.line, result_part)
        if segment.section == "result":
            block_change = None     # a block's result closes it: the lines after it are no new change
        if not concluded and (reading.experimental or segment.kind == "row" or has_number(result_part)
                              or segment.section in {"result", "conclusion"}):
            add_item(structure.observations, clip(result_part, MAX_ITEM_CHARS))

    if _is_empty(structure):
        _fill_empty(structure, segments, readings, title_line)
    # what is to be done first, work already under way ("I am currently running X") after it
    structure.next_steps.sort(key=lambda step: progress.in_progress(step.lower()))
    fit_budget(structure, len(request.text))
    return structure


_ANSWERED = re.compile(r"[.!]\s{1,3}(?:(?:it|that|this|they)\s{1,3}(?:did(?:n'?t|\s{1,3}not)?|does(?:n'?t|\s{1,3}not)?|"
                       r"was(?:n'?t)?|has(?:n'?t)?|helped|worked)|nope|no)\s{0,3}[.!]{0,3}\s{0,3}$", re.IGNORECASE)
# "If I add back the BNs then" / "when we freeze the encoder,": a condition the writer acts on, up to its main clause
_WRITERS_CONDITION = re.compile(r"^\W{0,4}(?:if|when|whenever|once)\s{1,3}(?:i|we)\s{1,3}[^,;]{1,120}?"
                                r"(?:,\s{0,3}(?:then\s{1,3})?|(?<!\s)\s{1,3}then\s{1,3})", re.IGNORECASE)
_DECISION_LABEL = re.compile(r"^\W{0,4}(?:decision|decided|verdict|call)\s{0,3}:", re.IGNORECASE)
_RUN_TO_CHECK = re.compile(r"\b(?:run|rerun|re-run|train|retrain|try|launch|do|sweep|redo)\b[^.;?]{0,100}?\bto\s{1,3}"
                           r"(?:check|see|test|verify|find\s{1,3}out)\s{1,3}(?:whether|if|how)\b", re.IGNORECASE)
_WH_START = re.compile(r"^\W*(?:how|why|what|which|when|where|who|whether|is|are|does|do|did|should|can|could)\b",
                       re.IGNORECASE)
_OUTCOME_NOTE = re.compile(rf"\s{OUTCOME_ARROWS}\s*(?P<outcome>\S.*)$")
# an aside of a few words at least: "counts(?)" and "(R^2?)" mark the item itself as unsure
_ASIDE_QUESTION = re.compile(r"[(（][^()（）\s]{1,40}\s[^()（）]{1,200}\?[^()（）]{0,40}[)）]")
_BRACKETED_OUTCOME = re.compile(r"\s[(（](?P<outcome>[^()（）]{3,120})[)）]\s{0,3}[.!]?\s{0,3}$")
# "\s*(?:X\s*)?" entered at a run's start: the same leftmost match as "\s*X?\s*", linear (issue 11)
_DONE_MARK = re.compile(r"(?<!\s)\s*(?:(?:--|—|;|,)\s*)?\b(?:result|results|outcome)\b\s*(?:[:=]|was\b|were\b|is\b)",
                        re.IGNORECASE)
_RESULT_LEAD = re.compile(r"^(?:results?|outcome|it|this)\s+(?:looks?|looked|was|were|is|seems?|seemed|gave|got)\b"
                          # "It seems like an effective way of exploring minima": the plan appraised, not run
                          r"(?!\s{1,3}(?:like\s{1,3})?(?:an?|the)\s{1,3}(?:[\w-]{1,20}\s{1,3}){0,3}?(?:way|idea|approach|"
                          r"method|option|trick|technique|candidate|direction)\b)|"
                          r"^(?:results?|outcome)\s*:", re.IGNORECASE)


_VERB_FIRST = re.compile(r"^(?:has|had|have|is|was|were|are|seems?|seemed|causes?|caused|gives?|gave|results?|"
                         r"resulted|makes?|made|leads?|led|does|did|doesn'?t|didn'?t|hasn'?t|isn'?t|wasn'?t)\b",
                         re.IGNORECASE)
_UNREALISED = frozenset({"planned", "wished", "counterfactual", "conditional"})


def _is_empty(structure: EntryStructure) -> bool:
    return not (structure.hypotheses or structure.observations or structure.conclusions or structure.next_steps
                or structure.open_questions or structure.decisions)


def _fill_empty(structure: EntryStructure, segments: list[Segment], readings: list[_Reading],
                title_line: int) -> None:
    """An entry is never empty when its text has content: what was written, kept as observations
    (prose first; the last lines of a pasted log when there is nothing else)."""
    prose = [r.text for index, (r, s) in enumerate(zip(readings, segments, strict=True))
             if s.kind != "data" and index != title_line and len(r.text) >= 3]
    if not prose:
        prose = [s.text for s in segments if s.kind == "data"][-2:]
    if not prose and segments:
        prose = [segments[0].text]
    for text in prose[:4]:
        add_item(structure.observations, clip(text, MAX_ITEM_CHARS))


_ANAPHORA = re.compile(r"\b(?:(?P<two>both|the two|these two|those two)|these|those|all (?:three|four|of them))"
                       r"(?:\s+\w+){0,2}\s+(?:runs?|experiments?|models?|variants?|ones)\b|^(?:both|they)\b",
                       re.IGNORECASE)


def _resolve_anaphora(readings: list[_Reading]) -> None:
    """"Both runs are void" is about the runs of the sentences before it: give it their ids."""
    for index, reading in enumerate(readings):
        if reading.run_ids:
            continue
        match = _ANAPHORA.search(reading.text)
        if not match:
            continue
        wanted = 2 if match.group("two") or reading.text.lower().startswith("both") else 1
        found: list[str] = []
        for earlier in reversed(readings[max(0, index - 4):index]):
            if earlier.run_ids:
                found = [r for r in earlier.run_ids if r not in found] + found
                wanted -= 1
                if wanted <= 0:
                    break
        reading.run_ids = found


def _hypotheses(structure: EntryStructure, reading: _Reading, result_part: str, *, refs: KnownRunIds) -> None:
    """What was tried (the subject of a result) and what is believed (a claim being tested)."""
    text = reading.text
    if _HYPOTHESIS_VERDICT.match(text) or acts.reports_chore(text) or _DECISION_LABEL.match(text):
        return  # "spent the morning cleaning labels": housekeeping reported, no idea tried
    belief = _BELIEF.search(text) or readings_mod.states_belief(text)
    subject = subject_of(result_part) if reading.experimental else ""
    # "turning mosaic off did not help", "w=300 better": the verdict is filed as a conclusion; the try is its
    # subject, without the verdict
    subject = without_verdict(subject)
    if subject and worth_a_hypothesis(subject, refs):
        add_item(structure.hypotheses, subject)
    elif belief or ((_TRIED.search(text) or acts.reports_action(result_part)) and not NEXT_ANYWHERE.search(text)
                    and not readings_mod.is_unrealised(text)):
        first_clause = (split_clauses(result_part) or [result_part])[0]
        candidate = clip(balanced(REPORT_FRAME.sub("", first_clause, count=1) or first_clause), MAX_SUBJECT_CHARS)
        claim = _HEDGE_LEAD.sub("", first_clause, count=1)
        acted = clip(balanced(acts.action_from(first_clause)), MAX_SUBJECT_CHARS)
        candidate = candidate if belief else without_verdict(candidate)
        if candidate and worth_a_hypothesis(candidate, refs):
            add_item(structure.hypotheses, candidate)
        elif acted and worth_a_hypothesis(acted, refs):
            # "Then I had rewritten the loader": the change from its subject on, without the connective.
            add_item(structure.hypotheses, acted)
        elif (belief and claim != first_clause and len(claim.split()) >= 4
              and not FRAGMENT_START.match(claim) and readings_mod.verdict_of(claim) is None):
            # "Maybe the final FC is not getting trained", "It seems the mild cases are overrepresented":
            # the claim after the hedge is the hypothesis, whole.
            add_item(structure.hypotheses, clip(claim, MAX_SUBJECT_CHARS))
    if _CAUSAL_HEDGE.search(result_part) and not QUESTION.search(result_part):
        add_item(structure.hypotheses, clip(result_part, MAX_SUBJECT_CHARS))
    stated = _BELIEF.search(text)
    hedged = bool(stated and _HEDGED_CLAIM.search(text[:stated.end()]))
    if stated and stated.start() > 0 and (reading.experimental or hedged):
        claim = text if hedged else text[stated.start():]
        if len(claim.split()) <= 3 and not hedged:
            # "..., titles are short so length norm was hurting i think.": a hedge put last closes its claim, the
            # clause before it
            claim = re.split(r"[,;:]\s+|\s+-+\s+", text[:stated.end()])[-1]
        if len(claim.split()) >= 4:
            add_item(structure.hypotheses, clip(claim, MAX_SUBJECT_CHARS))


def _title_segment(text: str, segments: list[Segment]) -> int:
    """The index of a title line ("nines detector, day 1 (noisy digits)"), which is no hypothesis."""
    lines = [line for line in text.splitlines() if line.strip()]
    if (segments and segments[0].kind in ("sentence", "line") and _DAY_LABEL.fullmatch(segments[0].text)
            and not _FUNCTION_WORD.search(segments[0].text) and not acts.reports_action(segments[0].text)):
        return 0  # "Autoencoder day.", "Ablation week:": what the time went to, a title however the line goes on
    if len(lines) < 2 or not segments:
        return -1
    first = segments[0]
    if first.kind != "line" or len(first.text) > TITLE_CHARS or RESULT_MARKER.search(first.text):
        return -1
    if _TRIED.search(first.text) or _BELIEF.search(first.text):
        return -1
    return 0


_ADOPTED_IT = re.compile(r"\W{0,4}(?:(?:so|now|then|and)\s{1,3})?(?:(?:i'?m|we'?re|i\s{1,3}am|we\s{1,3}are)\s{1,3})?"
                         r"(?:switching|going|sticking|moving|staying)\s{1,3}(?:over\s{1,3})?(?:to|with)\s{1,3}"
                         r"(?:it|that|this|them|those|these)\s{0,3}[.!]{0,3}\s{0,3}", re.IGNORECASE)
_FUNCTION_WORD = re.compile(r"\b(?:a|an|the|for|per|each|every|all|whole|same|next|last|this|that|one|of|in|on|at|to|"
                            r"another|other)\b", re.IGNORECASE)  # "Trained for a day." tells a run, not a day's theme
_DAY_LABEL = re.compile(r"\W{0,4}[\w-]{1,30}(?:\s{1,3}[\w-]{1,30}){0,2}\s{1,3}(?:day|week|session|morning|afternoon|"
                        r"evening|night|sprint)\s{0,3}[.!:]?\s{0,3}", re.IGNORECASE)
_FOLLOW_ON = re.compile(r"^(?:then|and then|after that|afterwards|later|also|plus)\b", re.IGNORECASE)


def _read(segment: Segment, links: LinkResult, index: int, *, refs: KnownRunIds) -> _Reading:
    text = segment.text
    if segment.kind == "row":
        text = _row_text(segment, refs)
    run_ids = list(links.run_ids_of_segment(index))
    lowered = text.lower()
    experimental = bool(
        run_ids or has_number(text) or lexicon.families_in(lowered) or _TRIED.search(text)
        or re.search(r"\w=\S", text)
    )
    subject = subject_of(text) if experimental else ""
    return _Reading(text=text, subject=subject, experimental=experimental, run_ids=run_ids)


_EMPTY_CELL = re.compile(r"[-–—?/.\s]{1,5}|n/?a|none|tbd|nan", re.IGNORECASE)


def _row_text(segment: Segment, refs: KnownRunIds) -> str:
    """A table row as a line: the descriptive cells, then "header value" for the numbers."""
    words: list[str] = []
    numbers: list[str] = []
    for position, cell in enumerate(segment.cells):
        if not cell or refs.is_ref(cell) or _EMPTY_CELL.fullmatch(cell):
            continue  # "| iforest | 300 | - |": a cell left empty says nothing of the row
        header = segment.header[position] if position < len(segment.header) else ""
        if re.fullmatch(r"[-+~]?\d*\.?\d+\s*(?:%|ms|min|s|h)?", cell):
            numbers.append(f"{header} {cell}".strip())
        else:
            words.append(cell)
    described = ", ".join(words)
    return f"{described}: {', '.join(numbers)}" if numbers and described else described or ", ".join(numbers)


_MARKDOWN_HEADING = re.compile(r"^\s*(?:#{1,6}\s+|#{2,6}(?=[A-Za-z]))")
# "X worked much better." with no "than": better than what the sentence before described.
_BETTER_WITHOUT_YARDSTICK = re.compile(
    r"\b(?:worked|works|performs?|performed|did|does|was|were|is|are|sounds?|sounded|looks?|looked|went)\s+"
    r"(?:much\s+|far\s+|a\s+lot\s+|way\s+|significantly\s+|noticeably\s+|clearly\s+)?better\b(?!\s+than)",
    re.IGNORECASE)
# "lr = 0.001", "dropout=0.3, wd = 1e-4": a heading that is nothing but settings and their values.
_SETTING_HEADING = re.compile(r"[a-z][\w.\-]{0,30}\s{0,2}[=:]\s{0,2}[\w.\-+]{1,20}"
                              r"(?:\s{0,2}[,;&]\s{0,2}[a-z][\w.\-]{0,30}\s{0,2}[=:]\s{0,2}[\w.\-+]{1,20}){0,4}",
                              re.IGNORECASE)
# A heading that names a change ("added feature count of zeros", "dropped the id-based features", "lr=3e-4").
_NAMES_A_CHANGE = re.compile(
    r"\b(?:add|added|adding|drop|dropped|dropping|remov\w*|switch\w*|swap\w*|replac\w*|us(?:e|ed|ing)|tr(?:y|ied|ying)|"
    r"test(?:ing|ed)?|"
    r"increas\w*|decreas\w*|lower\w*|rais\w*|tun\w*|chang\w*|with|without|no)\b|\w=\S", re.IGNORECASE)
# "Hypothesis not supported": a verdict on the hypothesis, not one.
_HYPOTHESIS_VERDICT = re.compile(
    r"^\W*(?:the\s+|my\s+|our\s+|this\s+)?hypothes[ie]s\s+(?:is\s+|was\s+)?(?:not\s+|partly\s+|partially\s+)?"
    r"(?:supported|confirmed|rejected|refuted|holds?|held|falsified|disproven|wrong|correct|right|validated|"
    r"invalidated)\b", re.IGNORECASE)


def _title(text: str, segments: list[Segment]) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first_line and len(first_line) <= TITLE_CHARS and not first_line.startswith("|"):
        return first_line.rstrip(":").strip()
    first = segments[0].text if segments else first_line
    return clip(first, TITLE_CHARS)


def _has_content(clause: str) -> bool:
    """Whether a clause names what it is about (a model, a parameter, a value)."""
    lowered = clause.lower()
    return bool(lexicon.families_in(lowered) or re.search(r"\w=\S|\d", lowered))


def _mentions(clause: str, prefix: str) -> bool:
    """Whether ``clause`` already says ``prefix`` (a clipped prefix counts by its kept words)."""
    return prefix.rstrip("…").strip().lower() in clause.lower()


