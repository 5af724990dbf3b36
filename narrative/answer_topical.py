"""The topical part of a thread answer: an approach's standing, a verdict, and the notes quoted with their runs.

``narrative.answering.answer`` reads the question and ranks the notes; when no tracker-only route answers it, the
ranked notes (``topical``) are quoted here: at most two, each with the runs it is about, then the tracker's numbers.
"""

from __future__ import annotations

import re

from narrative import answer_follow as follow
from narrative import reading, vocab
from narrative.answer_intent import changed_in, lineage_runs, name_group_runs, names_a_setting
from narrative.answer_plans import unlogged_item
from narrative.answer_quotes import (
    BECAUSE,
    antecedent,
    cause_after,
    clip,
    clip_to,
    gives_cause,
    heading_level,
    is_plan,
    is_reason,
    numbers,
    outcome_after,
    param_runs,
    pieces_quoted,
    quote_key,
    runs_named_in,
    section_quote,
    section_title,
    section_toks,
    states_reason,
    trouble_before,
    whole_sentence,
    with_answer,
    with_list,
    with_section,
)
from narrative.answer_rank import (
    aim_item,
    direction,
    explain_block,
    label_block,
    list_items,
    mixed_outcome,
    no_outcome,
    off_subject_line,
    reasons_near,
    reports_change,
    specific_tokens,
    stated_value_runs,
    subject_runs,
    subject_words,
    useful_runs,
    value_words,
)
from narrative.answer_sections import finding_of, heading_runs
from narrative.answer_status import standing_told
from narrative.answer_values import carrying_runs, moved_runs
from narrative.approaches import derive
from narrative.history_index import Fact, HistoryIndex
from narrative.plan_reading import PlanTerms
from narrative.run_answers import Cites, run_label, runs_named, setting_runs, value_runs
from storage.records import Goal

# "sticking with xgb", "staying with the baseline", "going with B": a note that keeps some approach
_KEPT = re.compile(r"\b(stick\w{0,4}|stay\w{0,4}|keep\w{0,4}|go\w{0,4}|settl\w{1,4})\s{1,3}(with|on)\s{1,3}"
                   r"(?:the\s{1,3})?([\w\-.]{2,30})", re.I)
# a sentence that reports what came out ("All of them managed to do better", "It got 0.81") is no plan,
# whatever the structurer flagged
_REPORTED = re.compile(r"^(?!.{0,80}\b(will|going to|plan|want|next|todo|should|try|maybe|perhaps)\b)"
                       r".{0,80}\b(managed|got|gave|showed|improved|worked|failed|did|was|were|found)\b", re.I)
# the writer decides not to do something ("I'm not going to try a larger batch size because ...")
_DECLINED = re.compile(r"\b(not going to|won'?t|will not|decided (not to|against)|no point in)\s{1,3}"
                       r"(\w{1,12}\s{1,3}){0,2}?(try|run|test|use|do|bother|go)\w{0,3}\b", re.I)
# asks about an approach's standing: "is X still worth it?", "did we drop X?", "why did we stop X?" ("dropout" is
# a technique, not a drop)
_STATUS_Q = re.compile(r"\b(still|status|abandon\w{0,3}|drop(?!out)\w{0,3}|stop\w{0,3}|clos\w{1,3}|kill\w{0,3}|"
                       r"shelv\w{1,3}|adopt\w{0,3}|keep|kept|worth|pursu\w{1,3}|give up|gave up|dead|alive|"
                       r"park\w{0,3})\b", re.I)

# the writer never got to run it: "didn't get to mosaic", "never got around to tta", "ran out of time for the
# sweep", "no time for mixup", "haven't tried cutout yet" (not "didn't get to .70", which is a result)
_NOT_GOT_TO = re.compile(r"(?:^\W{0,4}|[,;]\s{0,3}|\b(?:i|we|still)\s{1,3})(?:didn'?t|did\s{1,3}not|never|haven'?t|"
                         r"have\s{1,3}not|not\s{1,3}yet)\s{1,3}(?:(?:get|got|gotten)\s{1,3}(?:a?round\s{1,3})?to\s{1,3}"
                         r"(?![.\d]|(?:see|notice|observe|find|watch)\b|zero\b|below\b|above\b|"
                         r"the\s{1,3}(?:same|target|level)\b)|tried|run|ran|tested)\b|"
                         r"\bran\s{1,3}out\s{1,3}of\s{1,3}time\s{1,3}(?:for|to)\b|"
                         r"\bno\s{1,3}time\s{1,3}(?:for|to)\b", re.I)


# going without the thing: "did skipping warmup help?", "did turning off dropout help?", "did no augmentation
# help?" ("skip connections", "drop path" are things of their own, not an absence)
_WITHOUT = re.compile(r"\b(without|w/o|no|remov\w{1,3}|disabl\w{1,3}|dropp(?:ed|ing)|"
                      r"(?:turn|switch)(?:ed|ing)?\s{1,3}off|skip(?:s|ped|ping)?)\b"
                      r"(?!\s{1,3}(?:connections?|layers?|paths?)\b)", re.I)


# a yes/no question of the result ("did skipping warmup help?"), not "what happened with smote ..., dropping it?"
_HELP_FORM = re.compile(r"\s{0,8}(did|does|do|has|have|was|were|is|are|would|will)\b", re.I)


_JUDGING = re.compile(r"\b(help\w{0,3}|work\w{0,3}|improv\w{0,5}|better|worse|hurt\w{0,3}|gain\w{0,2}|benefit\w{0,3}|"
                      r"harm\w{0,3}|fail\w{0,3}|best|worst)\b", re.I)
_DIRECTION = re.compile(r"\b(low\w{0,3}|high\w{0,3}|small\w{0,3}|bigg\w{0,3}|larg\w{1,3}|less|more|fewer|"
                        r"increas\w{0,3}|decreas\w{0,3}|reduc\w{0,4}|rais\w{1,3}|short\w{0,3}|long\w{0,3})\b", re.I)


# a yes/no question of a verdict ("did the ctr features help?", "has X worked?"), not "what happened with # Work Log"
_VERDICT_Q = re.compile(r"^\s{0,8}(did|does|do|has|have|is|was|were|are)\b", re.I)


def _verdict_of_subject(idx: HistoryIndex, terms: PlanTerms, top: Fact, q: str) -> bool:
    """Whether the quote a one-word verdict rests on judges the thing asked, and only it: it holds a word of the
    question's subject ("did the color augmentations help?" is not judged by "cutmix hurt (version_4)"), it is no
    guess at a cause ("too much masking of the keyword i guess"), and it compares no two runs ("lr 3e-5 (wise-fox-5)
    wer 21.4, 1e-4 diverged ... (misty-river-8)" says how each went, not whether "the lower lr" helped)."""
    if reading.modality(top.text) == "hedged" and not _JUDGING.search(top.text):
        return False  # a guess at a cause, with no verdict in words ("appears to help" has one)
    if len(set(top.run_ids)) >= 2 and _DIRECTION.search(q):
        return False  # which side of the comparison "the lower lr" is, the one-word verdict cannot say
    subject = frozenset(t for t in subject_words(terms) if idx.df.get(t))
    if not subject or not subject.isdisjoint(top.toks | section_toks(idx, top)):
        return True
    # "did the stronger augmentation help?" beside "Augmentation strengthening ... appears to help": the line names
    # the asked concept in its own words (not only through a narrower one: "cutmix" is an augmentation too)
    return any(spans for c, spans in vocab.concepts_in(top.text).items() if c in terms.key_concepts)


def quote_topical(idx: HistoryIndex, q: str, body: str, terms: PlanTerms, topical: list[tuple[float, Fact]],
                  parts: list[str], cites: Cites, *, why: bool, helpq: bool, achieved: bool, metric: str | None,
                  goal: Goal, outcomes: dict[int, str] | None = None) -> None:
    """Fill ``parts`` and ``cites`` from the notes ranked ``topical`` (best first) for question ``q``; a heading in
    ``outcomes`` (by id) is quoted with what its section says under its outcome labels."""
    approaches = [a for a in derive(idx) if standing_told(a)]
    ap = next((a for a in approaches if a.key in terms.key_concepts and a.status != "open"), None)
    if ap is None:
        ap = next((a for a in approaches if a.key in terms.key_concepts), None)
    if (ap is not None and why and ap.status in {"adopted", "open"}
            and any(t not in vocab.norm(ap.name) for t in specific_tokens(terms))):
        # "what was wrong with my initialization when reproducing MelGAN?" asks about something within
        # a live approach: that the approach was adopted answers nothing.
        ap = None
    # "did skipping warmup help?" asks whether going without it helped: "lr warmup was closed (no gain)" judges
    # warmup itself and reads as the opposite answer ("no"); the quotes say how going without it went
    without = helpq and bool(_HELP_FORM.match(q)) and bool(_WITHOUT.search(q))
    if ap is not None:
        state = {"abandoned": "was abandoned", "exhausted": "was closed", "adopted": "was adopted",
                 "open": "is still open"}[ap.status]
        # why in words ("was closed (no gain on the metric)"), never the bare kind ("(no gain) (accuracy)")
        label = vocab.reason_label(ap.reason_kind, default="no gain" if ap.status == "exhausted" else "")
        why_txt = f" ({label})" if label and ap.status in ("abandoned", "exhausted") else ""
        # "did raising the hidden dropout to 0.5 help?", "what happened when we removed the input dropout?", "why
        # did we end up on the GPT-2 BPE?" ask about one variant or part of the approach (a word or value of the
        # runs' settings beyond the approach's name): its overall standing ("dropout was closed", "GPT was
        # closed") does not answer them; "why undersampling worse (0.828)?" names a result, not a variant
        beyond = frozenset(t for t in specific_tokens(terms) if t not in vocab.norm(ap.name))
        variant = (helpq or why) and not _STATUS_Q.search(q) and names_a_setting(idx, beyond, numbers(body))
        # "LightGBM was adopted" beside its own note "lightgbm ... .841 -> sticking with xgb": the note keeps
        # another approach, so the standing is not stated (saying less beats saying it wrong)
        kept_other = ap.status == "adopted" and any(
            (kept := _KEPT.search(f.text)) and vocab.norm(kept.group(3)) not in vocab.norm(ap.name)
            and ap.key not in vocab.concepts_in(kept.group(3)) for _, f in topical[:2])
        # "dropout is still open" beside "Dropout is Essential", "LLM is still open" beside "The answer is NOOOO":
        # that nothing closed or adopted it says nothing of why it was done or whether it helped (the quotes do);
        # only a question of its standing ("is X still worth it?") is answered by it
        unsettled = ap.status == "open" and not _STATUS_Q.search(q)
        if (why or helpq or _STATUS_Q.search(q)) and not variant and not kept_other and not unsettled \
                and not without:
            # the approach's standing answers why it stopped or whether it helped; beside a comparison or a
            # question of fact it is a claim nobody asked for
            parts.append(f"{ap.name} {state}{why_txt}.")
    if helpq and topical:
        top = topical[0][1]
        section_neg = heading_level(top.text) > 0 and vocab.cue_flags(with_section(idx, top))[0]
        closed = ap is not None and ap.status in {"abandoned", "exhausted"}
        adopted = ap is not None and ap.status == "adopted"
        # When the approach's standing and the best-matching note disagree, the quotes say both; a
        # one-word verdict would pick a side the notes do not.
        if (_NOT_GOT_TO.search(top.text) or not _verdict_of_subject(idx, terms, top, q)
                or (without and not _WITHOUT.search(top.text))):
            # (a verdict on a line about the thing itself, not its absence, answers "did going without it help?"
            # backwards)
            pass  # "didn't get to mosaic, parking it": never run, so it neither helped nor failed (the quote says so)
        elif (top.negative or top.verdict == "did_not_work" or section_neg) and not adopted:
            parts.append("Verdict: no gain.")
        elif (top.verdict == "worked" or (top.kind == "conclusion" and not top.negative)) and not closed \
                and not mixed_outcome(idx, top):  # "succeeded mechanically" beside "mean acc slightly below"
            parts.append("Verdict: it helped.")
    lineage = lineage_runs(idx, q)
    if lineage:
        # "did lowering the LR help on 12.xx?": the lineage's runs that changed the setting asked about come
        # first among the citations (or its latest runs), whatever runs the quoted notes link
        keys = {k.lower() for c in terms.key_concepts if (cc := vocab.CONCEPT_BY_ID.get(c)) for k in cc.param_keys}
        cites.add(None, [r.run_id for r in (changed_in(lineage, keys) or lineage[-2:])][:2])
    quoted: set[str] = set()
    used = 0
    way = direction(body) if terms.key_concepts else None
    reason_at, reason_given = len(parts), False
    for _s, f in topical:
        if used >= 2:
            break
        if why and used and (not is_reason(f.text) or (f.modality == "plan" and not gives_cause(f.text))):
            continue  # a second quote for a why-question must give a reason too, not just share a word (nor plan)
        if used and terms.key_concepts and terms.key_concepts.isdisjoint(vocab.cover(f.concepts)):
            continue  # nor may it be about another approach ("the MelGAN generator" for a DDSP question)
        if used and off_subject_line(idx, terms, f):
            continue  # nor may it say the asked verdict of another subject ("Symmetric loss doesn't hurt")
        if used and achieved and not reports_change(body, f.text):
            continue  # nor for "how did we get X down?" a line that reports no such change
        if used and way is not None and direction(f.text, body) not in (None, way):
            continue  # nor a line that moves the asked setting the other way ("reducing" beside "a larger ...")
        if used and helpq and no_outcome(f):
            continue  # beside the verdict, a log's title, its stated aim or a to-do says nothing of how it went
        if used and outcomes and id(f) not in outcomes and (
                heading_level(f.text.lstrip()) or f.kind == "hypothesis" or aim_item(idx, f)
                or all(f.entry_id != g.entry_id for _, g in topical if id(g) in outcomes)):
            # nor, beside a section's own outcome, a heading (its first lines are the aim), an aim or a hypothesis,
            # or a line of another note
            continue
        key = quote_key(f.text)
        if key in quoted or any(key in k or k in key for k in quoted) or pieces_quoted(f.text, quoted):
            continue
        quoted.add(key)
        used += 1
        # a plan is not an experiment: say so when the quote is an idea or a next step
        planned = ", a plan" if (is_plan(f) and f.kind != "question" and not _REPORTED.match(f.text)
                                  and not follow.reports_action(f.text)) else ""
        if planned and f.kind == "hypothesis" and not f.opening and f.modality != "plan":
            planned = ", a hypothesis"  # "X is likely responsible for the freeze" guesses a cause; it plans nothing
        if planned and moved_runs(idx, f):
            planned = ""  # "going to 64 because ..." written after the runs at 64: the move is reported, not planned
        if planned and _DECLINED.search(f.text):
            planned = ", decided against"  # "I'm not going to try a larger batch size because ...": no plan to do it
        act = follow.action_before(idx, f) if why and used == 1 else None  # "Then we resumed on 32 A100s." for
        before = antecedent(idx, f) or (act.text if act else "")  # "why did the throughput quadruple?"
        # a why-question's heading is quoted with its lines that carry any word of the question ("why was Run3 a
        # bad run?": "Another bad run."), not only the words plan reading keeps
        asked = frozenset(terms.tokens) | (frozenset(vocab.tokens(body)) - vocab.STOPWORDS if why else frozenset())
        quote = with_section(idx, f, asked=asked)
        quote = f"{before} {quote}" if before else quote
        if not before and heading_level(f.text) == 0:
            quote = (label_block(idx, f, why) or explain_block(idx, f, why)
                     or (finding_of(idx, f) if why or helpq else "")
                     or section_quote(idx, f, frozenset(vocab.tokens(body)) - vocab.STOPWORDS)
                     or with_answer(idx, f, with_list(idx, whole_sentence(idx, f))))
        shown = [x for x in follow.results_under(idx, f) if x[:40] not in quote] if helpq and not outcomes else []
        if shown:
            # "did dpo help?": the line naming it ("dpo on top of ...") with the results listed under it (those
            # the quote does not hold already: a line that announces its list is quoted with it)
            quote = f"{quote} / " + " / ".join(shown)
        room = 330 if before else 230
        if outcomes and id(f) in outcomes:
            quote_shown = outcomes[id(f)]  # the heading with its outcome blocks (the line's own runs stay its own)
            quoted.add(quote_key(quote_shown))  # nor is a line it holds quoted again
        else:
            quote_shown = quote
        said = clip_to(quote_shown, room, body) if why or helpq else clip(quote_shown, room)
        parts.append(f"{f.author} ({f.at:%Y-%m-%d}{planned}): \"{said}\"")
        unlogged = unlogged_item(idx, f.text)
        if unlogged is not None:
            # "run_10_5: run_10 with ... lr=5e-5" names a run the tracker never got: say so, with what its author
            # wrote under it ("CANCELLED so Rafa's suggestions can be implemented first")
            parts.append(f"No run named {unlogged[1]} is in the tracker; under it: \"{clip(unlogged[2], 160)}\"")
        reason_given = reason_given or (used == 1 and states_reason(said, q))  # the first quote answers
        if why and used == 1 and not reason_given and any(c.isdigit() for c in said) \
                and (chosen := value_words(idx, body)[0]):
            # "why isotonic?" answered by "isotonic: ece .012, auc basically unchanged": the chosen value's result
            # beside its alternatives' is the reason for the choice ("No note says why" would be false)
            reason_given = bool(chosen & f.toks)
        later = cause_after(idx, f, frozenset(terms.tokens)) if why and used == 1 and not reason_given else None
        if later is not None and quote_key(later.text) not in quoted:
            # the trouble was told first, its cause found later: "Later: ..."
            quoted.add(quote_key(later.text))
            reason_given = True
            parts.append(f"Later, {later.author} ({later.at:%Y-%m-%d}): \"{clip_to(later.text, 230, body)}\"")
            cites.add(later.entry_id, [r for r in later.run_ids if r in idx.run_by_id][:3])
        outcome = outcome_after(idx, f) if planned else follow.outcome_later(idx, f) if helpq and used == 1 else None
        if outcome is None and planned == ", a plan" and used == 1:
            # "will try dice loss next", then a later note: "dice+bce on top of the v5 setup: version_6 .683"
            outcome = follow.reported_later(idx, f.text, f.at, asked=q)
        if outcome is not None:
            # "Next experiment: two learning rates ..." then "Result looks more stable, but ... roll back":
            # the plan was run, and this is how it went.
            quoted.add(quote_key(outcome.text))
            parts.append(f"{follow.then_label(f, outcome)} \"{clip(outcome.text, 220)}\"")
            cites.add(outcome.entry_id, [r for r in outcome.run_ids if r in idx.run_by_id][:3])
        runs = useful_runs(idx, terms, f)
        if not f.run_ids:
            runs = runs_named_in(idx, f, before) or runs  # what the quote names beats a guess from params
        # "reflect vs constant padding", "a bigger learning rate (0.01/0.001)": the runs with those values
        by_param, named_by = param_runs(idx, body, f.author, f.at, quote=quote)
        if by_param and (named_by == 2 or not runs or (used == 1 and not f.run_ids)):
            runs = by_param
        elif by_param and named_by == 1 and len(set(idx.entry_runs.get(f.entry_id, [])) | set(by_param)
                                                 | set(runs)) <= 6:
            # values the quote names: its own links stay first, the runs with those values follow (while the
            # note's entry can still be cited with them)
            runs = list(dict.fromkeys(list(f.run_ids)[:2] + by_param))[:5]
        # a run the quote or its heading names exactly ("# v1_7: Try a larger learning rate") is its run
        titled = ([r.run_id for r in runs_named(idx, section_title(idx, f) + " " + f.text)] or _item_runs(idx, f)
                  or (heading_runs(idx, f.text) if outcomes and id(f) in outcomes else []))
        if titled:
            runs = titled + [r for r in runs if r not in titled][: max(0, 3 - len(titled))]
        if (why or helpq) and used == 1:
            runs = list(dict.fromkeys(runs + subject_runs(idx, terms, f, runs, subjects=list_items(body))))[:4]
            moved = setting_runs(idx, set(terms.key_concepts), f.author, f.at)
            if moved:
                runs = moved  # the runs that changed the setting asked about, from the tracker
            # "did restoring the learning rate work?": the runs that set it back
            runs = list(dict.fromkeys(follow.restored_runs(idx, terms.key_concepts, f.author, f.at, q) + runs))[:4]
            valued = value_runs(idx, set(terms.key_concepts), numbers(body) - {0.0, 1.0},
                                words=frozenset(w.lower() for w in re.findall(r"[A-Za-z]{3,20}", body)))
            if valued:
                # "why was the entropy coefficient lowered to 0.0003?": the runs set to that value come first
                runs = list(dict.fromkeys(valued + runs))[:4]
        if why and used == 1 and not terms.key_concepts and (moved := moved_runs(idx, f)):
            runs = moved  # "why did we go to 64?": the runs set to 64, not the ones the line compares them with
        if not runs:
            runs = stated_value_runs(idx, f, said)[:3]  # the runs whose result the line states
        if helpq and used == 1 and _VERDICT_Q.match(q) and _JUDGING.search(q):
            # "did the ctr features help?": the runs with ctr in their features, not the one without it (a verdict
            # question only: "what happened with # Work Log Day 31?" would read "log" as the loss log-cosh)
            runs = carrying_runs(idx, frozenset(vocab.tokens(body)) - vocab.STOPWORDS, f, runs)
        cites.add(f.entry_id, runs)
        if why and used == 1:
            for nb in reasons_near(idx, f):
                gk = quote_key(nb.text)
                if any(gk in k or k in gk for k in quoted):
                    continue  # a hard-wrapped line of the sentence already quoted
                if terms.key_concepts and nb.concepts and terms.key_concepts.isdisjoint(vocab.cover(nb.concepts)):
                    continue  # the next sentence of a day's note, about another line of work, is not its reason
                quoted.add(gk)
                reason_given = True
                parts.append(f"\"{clip(nb.text, 200)}\"")
                cites.add(nb.entry_id, [r for r in nb.run_ids if r in idx.run_by_id][:3])
    group = name_group_runs(idx, q) if (why or helpq) and not lineage else []
    if len(group) >= 2 and not cites.runs & {r.run_id for r in group}:
        # "the encoder LR sweep": the runs whose names carry the question's word are what it asks about; when
        # the notes quoted link none of them, their best and their latest are cited too (in the room left)
        gb = idx.best_run(metric, goal, group) if metric else None
        cites.add(None, list(dict.fromkeys(([gb.run_id] if gb else []) + [group[-1].run_id])))
    subject = (specific_tokens(terms), frozenset(terms.key_concepts))
    # a quote that puts a cause forward under a hedge ("synthetic fraud rows probably look nothing like real ones")
    # may be the reason: then "No note says why" would be false
    reason_given = reason_given or any(BECAUSE.search(part) or reading.modality(part) == "hedged" for part in parts)
    tb = trouble_before(idx, *subject) if why and not reason_given else None
    if tb is not None:
        # no quote gives a reason: the trouble its author noted just before the subject first came up
        first, trouble = tb
        parts.insert(reason_at, f"No note says why. The last trouble noted before it first comes up "
                                f"({first.at:%Y-%m-%d}), {trouble.author} ({trouble.at:%Y-%m-%d}): "
                                f"\"{clip(trouble.text, 200)}\"")
        cites.add(trouble.entry_id, [r for r in trouble.run_ids if r in idx.run_by_id][:3])
    # tracker numbers for the runs behind it
    cited = [idx.run_by_id[r] for c in cites.items for r in c.run_ids]
    if not cited and ap is not None:
        cited = [idx.run_by_id[r] for r in ap.run_ids[:3]]
        cites.add(None, [r.run_id for r in cited])
    if metric and cited:
        nums = [run_label(idx, r, metric) for r in cited[:3] if metric in r.metrics]
        if nums:
            parts.append("Tracker: " + "; ".join(nums) + ".")


def _item_runs(idx: HistoryIndex, f: Fact) -> list[str]:
    """The run its paragraph's first line names, for a line under it: a version log's item ("✅ Version 14:
    [config](LoRa_versions/Version_14/...)" then "remove ChartQA add OCR ...") is about that run, whatever runs the
    line's own words match. None when the first line names no run or several, when it is no header (it ends
    with neither a hard line break "\\" nor a colon), or when ``f`` is that line."""
    if f.kind != "sentence" or f.para < 0:
        return []
    head = min((g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g.para == f.para),
               key=lambda g: g.position, default=None)
    if head is None or head.position == f.position or heading_level(head.text):
        return []
    if not head.text.rstrip().endswith(("\\", ":")):
        return []  # a prose paragraph's first sentence naming a run does not make the rest about that run
    named = runs_named(idx, head.text)
    return [named[0].run_id] if len(named) == 1 else []

