"""Link a brain dump to the runs it talks about, conservatively (design.md, truth rule 4).

A run is linked when it is pasted (full id -> ``id``, unique prefix -> ``prefix``), named
(its run name appears in the text -> ``name``), or unambiguously described (-> ``inferred``).
Inference only ever considers the author's own runs inside their working window (since their
previous entry, else a few days back); a description that fits several runs equally links none of
them and leaves a warning instead.

Inference is scoring. For every segment (bullet, sentence, table row) the evidence it carries —
metric values as quoted (".809", "89.3", "78.1%"), parameter values in any spelling ("lr .05",
"depth 4", "1500 trees", "spw=3"), model families ("xgb", "nets"), categorical words that occur in
run params or names ("tweedie", "cutmix", "one-hot"), failure language against FAILED runs — is
matched against each candidate run. A quoted metric value anchors a run on its own; a description
without numbers needs several pieces of evidence and a clear lead over the next run.

This module runs the whole: explicit links (:mod:`narrative.link_explicit`), then inference by
single-run evidence (here, scored by :mod:`narrative.link_evidence`) and by groups
(:mod:`narrative.link_groups`, :mod:`narrative.link_distinctive`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from adapters.tracker import RUN_ID_MIN_PREFIX
from narrative import lexicon
from narrative.link_bare_values import bare_value_references
from narrative.link_commands import command_lines, command_references
from narrative.link_comparatives import comparative_references
from narrative.link_dates import infer_dated
from narrative.link_distinctive import infer_by_distinctive_word
from narrative.link_evidence import (
    _CLAUSE_BREAK,
    DESCRIPTION_LEAD,
    DESCRIPTION_THRESHOLD,
    FAILURE_HIT,
    CandidatePool,
    RunProfile,
    SegmentLinks,
    _clip,
    _Evidence,
    _metric_matches,
    _quoted_metric_values,
    describe,
    linked_run,
    param_keys_for,
    profile,
)
from narrative.link_explicit import ExplicitLinks, explicit_links
from narrative.link_failed_starts import read_past
from narrative.link_grids import grid_references
from narrative.link_groups import _infer_groups, _not_done, done_clauses, not_run
from narrative.link_ordinals import ordinal_references, quick_checks
from narrative.link_people import people_of
from narrative.link_seed_counts import counted_replicas, seed_list_references, seed_replicas
from narrative.link_setting_blocks import setting_block_references
from narrative.link_setting_families import setting_family_references
from narrative.link_setting_values import setting_value_references
from narrative.link_short_forms import short_form_references
from narrative.link_sizes import size_references
from narrative.link_table_keys import table_key_references
from narrative.link_value_counts import counted_value_runs
from narrative.link_value_groups import value_group_references
from narrative.link_value_keys import value_key_references
from narrative.link_value_labels import bracket_value_references, value_label_references
from narrative.link_value_repeats import repeated_value_runs
from narrative.segmenting import Segment, split_segments
from narrative.types import StructureRequest
from storage.records import LinkedRun, RunSnapshot

# What other modules import from here (the parts live in the link_* modules).
__all__ = ["ExplicitLinks", "LinkResult", "RunProfile", "SegmentLinks", "explicit_links", "link_runs",
           "param_keys_for", "profile"]

# Sections whose settings describe a run to come, not one done: a plan, a hypothesis or idea, a question.
_PLAN_SECTIONS = ("next", "question", "hypothesis")
# Inference reads at most this many segments: a brain dump is shorter; a paste must stay fast.
MAX_INFERENCE_SEGMENTS = 150
# The author's earlier runs that tell what is distinctive in the window (most recent first).
MAX_BACKGROUND = 100


@dataclass
class LinkResult:
    runs: list[LinkedRun]
    warnings: list[str]
    segments: list[SegmentLinks]
    explicit: ExplicitLinks | None = None

    def run_ids_of_segment(self, index: int) -> list[str]:
        return self.segments[index].run_ids if 0 <= index < len(self.segments) else []

    def written_in(self, run_ids: list[str], text: str) -> list[str]:
        """Those of ``run_ids`` that ``text`` itself writes (id, prefix, name, or a listed run's position)."""
        lowered = text.lower()
        explicit = self.explicit
        return [r for r in run_ids if explicit is not None and explicit.written_in(r, lowered)]


# A word of lowered text: a pasted id or prefix is one.
_WORD = re.compile(r"[a-z0-9]+")


class _KnownRunRefs:
    """The run references a request knows: the ids of its runs, and the references the tracker was
    asked about (resolved or not). The run-id syntax is the tracker's business; here a word refers to a
    run only when it is such a reference or a prefix (``RUN_ID_MIN_PREFIX`` characters or more) of a
    known id — of one or of several, as a prefix several runs share is still a pasted reference."""

    def __init__(self, request: StructureRequest) -> None:
        runs = (*request.window_runs, *request.known_runs, *request.resolved_refs.values())
        self.asked = {ref.lower() for ref in (*request.resolved_refs, *request.unresolved_refs)}
        self.by_prefix: dict[str, set[str]] = {}
        for run in runs:
            rid = run.run_id.lower()
            if len(rid) >= RUN_ID_MIN_PREFIX:
                self.by_prefix.setdefault(rid[:RUN_ID_MIN_PREFIX], set()).add(rid)

    def written_in(self, lowered: str) -> bool:
        for word in _WORD.findall(lowered):
            if len(word) < RUN_ID_MIN_PREFIX:
                continue
            if word in self.asked:
                return True
            if any(rid.startswith(word) for rid in self.by_prefix.get(word[:RUN_ID_MIN_PREFIX], ())):
                return True
        return False


def link_runs(request: StructureRequest, segments: list[Segment] | None = None) -> LinkResult:
    segments = segments if segments is not None else split_segments(request.text)
    seg_links = [SegmentLinks(s) for s in segments]
    explicit = explicit_links(request)
    linked = explicit.runs
    warnings = explicit.warnings
    # Inference reads past the failed starts a rerun replaced and the short probes of a run
    # (narrative.link_failed_starts, narrative.link_probe_runs); explicit links above still take them when named.
    superseded = read_past(request.text, explicit.author_window) | explicit.window_probes
    author_window = [r for r in explicit.author_window if r.run_id not in superseded]
    author_ids = {r.run_id for r in author_window}

    # Which segment carries which explicit link (for conclusions that cite runs).
    for entry in seg_links:
        seg_lower = entry.segment.lower
        for run_id in linked:
            if run_id[:6] in seg_lower or explicit.written_in(run_id, seg_lower):
                entry.run_ids.append(run_id)

    # (c) inference inside the author's window.
    explicit_runs = {rid: r for rid, r in ((r.run_id, r) for r in (*request.window_runs, *request.known_runs,
                                                                  *request.resolved_refs.values()))
                     if rid in linked}
    pool_runs = {r.run_id: r for r in author_window}
    pool_runs.update(explicit_runs)
    author = request.author.strip().lower()
    earlier = sorted((r for r in request.known_runs if r.run_id not in pool_runs and r.user.strip().lower() == author
                      and r.start <= request.at and r.run_id not in superseded),
                     key=lambda r: r.start, reverse=True)[:MAX_BACKGROUND]
    pool = CandidatePool([profile(r) for r in pool_runs.values()], [profile(r) for r in earlier])
    pool.others = people_of((*request.window_runs, *request.known_runs), request.author)
    # Runs started before the window (still running when the previous note was written) are linked only on
    # strong evidence: a quoted value, a clear description, a name — not by a family or a word they share.
    window_start = request.window_start or (request.at - request.lookback)
    carried = {r.run_id for r in author_window if r.start <= window_start}
    fresh = [r for r in author_window if r.run_id not in carried]
    # A pasted command names its run by its flags (narrative.link_commands); its paths and script names are no
    # description of any other run, so inference does not read those lines.
    commands = command_lines(request.text)
    on_command = [e for e in seg_links if any(_same_line(e.segment.text, line) for line in commands)]
    for written, run in command_references(request.text, author_window):
        entries = [e for e in on_command if _same_line(e.segment.text, written)]
        if any(e.segment.section in _PLAN_SECTIONS for e in entries):
            continue  # a command under "Next:" is a plan
        linked.setdefault(run.run_id, linked_run(run, "inferred"))
        for entry in entries:
            if run.run_id not in entry.run_ids:
                entry.run_ids.append(run.run_id)
    if pool:
        _infer([e for e in seg_links if e not in on_command], pool, author_ids, linked, warnings,
               run_refs=_KnownRunRefs(request), carried=carried, quick=frozenset(quick_checks(author_window)))
        infer_dated(seg_links[:MAX_INFERENCE_SEGMENTS], pool, author_ids, linked, request.at, _not_done)
    _infer_comparatives(seg_links[:MAX_INFERENCE_SEGMENTS], fresh, linked)
    named_by_settings = [*setting_block_references(request.text, fresh),
                         *setting_family_references(request.text, fresh)]
    for written, run in named_by_settings:
        entries = [e for e in seg_links if written in e.segment.text]
        if any(e.segment.section in _PLAN_SECTIONS for e in entries):
            continue  # settings under "Next:", "Hypothesis:" or a question describe a run to come
        linked.setdefault(run.run_id, linked_run(run, "inferred"))
        for entry in entries:
            if run.run_id not in entry.run_ids:
                entry.run_ids.append(run.run_id)
    # One setting's value that only one of the author's runs has ("with batch size 512 it was worse"): as strong
    # as a quoted value, so runs carried over from before the previous note count too.
    readers: list[Callable[[str], list[tuple[str, RunSnapshot]]]] = [
        lambda text: setting_value_references(text, author_window, earlier, pool.others),
        lambda text: value_group_references(text, author_window, pool.others),
        lambda text: bare_value_references(text, author_window, earlier, pool.others),
        lambda text: ordinal_references(text, author_window, carried, pool.others),
        lambda text: short_form_references(text, author_window, earlier, pool.others),
        lambda text: value_key_references(text, author_window, earlier, pool.others),
        lambda text: value_label_references(text, author_window, earlier, pool.others),
        lambda text: bracket_value_references(text, author_window, earlier, pool.others),
        lambda text: seed_list_references(text, author_window, pool.others),
        lambda text: grid_references(text, author_window),
        lambda text: table_key_references(text, author_window, earlier, request.window_runs)]
    for written, run, reader in [(w, r, read) for read in readers for w, r in read(request.text)]:
        entries = [e for e in seg_links if written in e.segment.lower]
        if len(entries) > 1:
            # The same words in another sentence ("warmup 0.06 .916 ... the paper uses warmup 0.06 too") are about
            # the run only where that sentence, read alone, names it too.
            entries = [e for e in entries if any(r.run_id == run.run_id for _w, r in reader(e.segment.text))] or entries
        if any(e.segment.section in _PLAN_SECTIONS for e in entries):
            continue  # under "Next:", "Hypothesis:" or a question's heading: a run to come
        linked.setdefault(run.run_id, linked_run(run, "inferred"))
        for entry in entries:
            if run.run_id not in entry.run_ids:
                entry.run_ids.append(run.run_id)
    return LinkResult(runs=list(linked.values()), warnings=_true_warnings(_dedupe(warnings), linked),
                      segments=seg_links, explicit=explicit)


# The runs a warning names before it says that none of them was linked: "... fits 2 runs (a, b); none linked."
_NONE_LINKED = re.compile(r"\(([^()]*)\); none linked\.$")


def _true_warnings(warnings: list[str], linked: dict[str, LinkedRun]) -> list[str]:
    """The warnings that are still true once every rule has linked: "'same config' fits 2 runs (a, b); none
    linked" is false when another sentence named a (the user sees a among the links), so it is left out."""
    shown = {r.run_name for r in linked.values() if r.run_name} | {rid[:8] for rid in linked}
    kept = []
    for warning in warnings:
        named = _NONE_LINKED.search(warning)
        if named and shown & set(named.group(1).split(", ")):
            continue
        kept.append(warning)
    return kept


def _same_line(segment_text: str, line: str) -> bool:
    """Whether a segment is (a piece of) a line: a bullet's segment lacks its marker, a row's its pipes."""
    text = segment_text.strip()
    return bool(text) and (text in line or line.strip() in text)


def _infer_comparatives(seg_links: list[SegmentLinks], author_window: list[RunSnapshot],
                        linked: dict[str, LinkedRun]) -> None:
    """Runs a segment names by a setting in words ("the shallower models of depths 2,4", "the bigger batch")."""
    for entry in seg_links:
        # A failed or killed run is no "wider model" that did better: only a sentence saying it failed names it so.
        failing = lexicon.has_cue(entry.segment.lower, lexicon.FAILURE_CUES)
        runs = [r for r in author_window if failing or r.status.upper() not in ("FAILED", "KILLED")]
        for _written, run in [*comparative_references(entry.segment.text, runs),
                              *size_references(entry.segment.text, author_window)]:
            linked.setdefault(run.run_id, linked_run(run, "inferred"))
            if run.run_id not in entry.run_ids:
                entry.run_ids.append(run.run_id)


VALUE_TIE_LEAD = 1.0


def _infer(
    seg_links: list[SegmentLinks],
    pool: CandidatePool,
    author_ids: set[str],
    linked: dict[str, LinkedRun],
    warnings: list[str],
    *,
    run_refs: _KnownRunRefs,
    carried: set[str],
    quick: frozenset[str] = frozenset(),
) -> None:
    inferable = [p for p in pool if p.run.run_id in author_ids]
    fresh = [p for p in inferable if p.run.run_id not in carried]
    seen: set[str] = set()
    for entry in seg_links[:MAX_INFERENCE_SEGMENTS]:
        segment = entry.segment
        text = segment.text
        if text in seen:
            continue  # a repeated line says nothing new (and pastes repeat a lot)
        seen.add(text)
        if segment.kind == "row" and entry.run_ids:
            continue  # a pasted row already names its run
        if len(entry.run_ids) == 1 and run_refs.written_in(text.lower()):
            continue  # a line that pastes its run's id is about that run
        if fresh:
            _infer_groups(entry, pool, fresh, linked, warnings)
        anchored = False
        quoted = _quoted_metric_values(text)
        cursor = 0
        for number in quoted:
            local = _clause_before(text, cursor, number.start) + text[number.start : number.end]
            cursor = number.end
            if number.integer and not number.metric_hint and pool.is_param_value(number.value):
                continue  # "1000" is as likely a parameter as a result
            matches = [p for p in pool if _metric_matches(number, p.run)]
            if not matches:
                continue
            anchored = True
            if number.baseline:
                continue
            scored = [(p, describe(local, p, pool)) for p in matches]
            scored = [(p, e) for p, e in scored if not e.contradicted]
            if len(scored) > 1:
                # Several runs carry this value: let the whole segment's description decide.
                rescored = [(p, describe(text, p, pool)) for p, _ in scored]
                viable = [(p, e) for p, e in rescored if not e.contradicted] or rescored
                viable.sort(key=lambda pe: pe[1].score, reverse=True)
                # The value already narrows the runs down: one whole word or setting of the description
                # that only one of them has decides ("Neural network (scikit): ~90%").
                if len(viable) > 1 and viable[0][1].score - viable[1][1].score < VALUE_TIE_LEAD:
                    # "My results are: 0.7789, 0.7792, 0.7792": written once per run that carries it, it names all.
                    carriers = [p.run for p, _ in viable if p.run.run_id in author_ids]
                    own_only = len(carriers) == len(viable) and not not_run(text.lower())
                    twins = repeated_value_runs(text, quoted, number, carriers,
                                                [p.run for p in inferable]) if own_only else []
                    # "92.6% was achieved with three batch/epoch combinations": counted, it names the carriers.
                    twins = twins or (counted_value_runs(text, quoted, number, carriers,
                                                         not_done=_not_done(text.lower(), segment))
                                      if own_only else [])
                    for run in twins:
                        linked.setdefault(run.run_id, linked_run(run, "inferred"))
                        if run.run_id not in entry.run_ids:
                            entry.run_ids.append(run.run_id)
                    if twins:
                        continue
                    if not all(p.run.run_id in linked for p, _ in viable):
                        names = ", ".join(p.run.run_name or p.run.run_id[:8] for p, _ in viable[:4])
                        warnings.append(
                            f"'{_clip(text)}' quotes a value that fits {len(viable)} runs ({names}); none linked."
                        )
                    continue
                scored = viable[:1]
            if not scored:
                continue
            chosen = scored[0][0].run
            if chosen.run_id not in author_ids and chosen.run_id not in linked:
                continue
            if chosen.run_id in quick and scored[0][1].score <= 0:
                continue  # a quick check's partial value, matched by a number and nothing else: a coincidence

            linked.setdefault(chosen.run_id, linked_run(chosen, "inferred"))
            if chosen.run_id not in entry.run_ids:
                entry.run_ids.append(chosen.run_id)
        if not inferable:
            continue
        if anchored:
            # Failed runs have no values to quote: their description is the only way to them.
            _infer_failed(entry, pool, author_ids, linked)
            continue
        # No quoted value: a description alone must be strong and clearly ahead, and read only in the clauses
        # that report something done (a plan, a question or a thing not yet run describes a run to come).
        described = done_clauses(text, segment, pool.others)
        if not described:
            continue
        scored = [(p, describe(described, p, pool)) for p in pool]
        scored = [(p, e) for p, e in scored if not e.contradicted]
        scored.sort(key=lambda pe: pe[1].score, reverse=True)
        if not scored or scored[0][1].score < DESCRIPTION_THRESHOLD:
            if not entry.run_ids and fresh:
                infer_by_distinctive_word(entry, pool, fresh, linked)
            continue
        best, best_evidence = scored[0]
        runner_up = scored[1][1].score if len(scored) > 1 else 0.0
        if best_evidence.score - runner_up < DESCRIPTION_LEAD:
            tied = [p for p, e in scored if best_evidence.score - e.score < DESCRIPTION_LEAD]
            if (best.run.run_id in author_ids and not _not_done(text.lower(), segment)
                    and _value_sets_apart(described, best, [p for p in tied if p is not best])):
                linked.setdefault(best.run.run_id, linked_run(best.run, "inferred"))
                if best.run.run_id not in entry.run_ids:
                    entry.run_ids.append(best.run.run_id)
                continue
            fresh_ids = {p.run.run_id for p in fresh}
            if (all(p.run.run_id in fresh_ids for p in tied) and counted_replicas(described) == len(tied)
                    and seed_replicas([p.run for p in tied], [p.run for p in fresh])):
                # "specaug on: both seeds agree": the description fits the replicas of one config, as many as said.
                for member in tied:
                    linked.setdefault(member.run.run_id, linked_run(member.run, "inferred"))
                    if member.run.run_id not in entry.run_ids:
                        entry.run_ids.append(member.run.run_id)
                continue
            if not all(p.run.run_id in linked for p in tied):
                names = ", ".join(p.run.run_name or p.run.run_id[:8] for p in tied[:4])
                warnings.append(f"'{_clip(text)}' fits {len(tied)} runs ({names}); none linked.")
            continue
        if best.run.run_id not in author_ids and best.run.run_id not in linked:
            continue
        if _divergence_only_lead(described, best, best_evidence.score, scored[1:]):
            continue
        linked.setdefault(best.run.run_id, linked_run(best.run, "inferred"))
        if best.run.run_id not in entry.run_ids:
            entry.run_ids.append(best.run.run_id)


def _divergence_only_lead(text: str, best: RunProfile, score: float,
                          others: list[tuple[RunProfile, _Evidence]]) -> bool:
    """Whether a failed run leads only by words of a diverging training ("the lr=4e-4 run diverged at ep202")
    over a finished run the rest of the description fits as well: such a run often ends as finished, so the
    words tell the failed start and the finished run apart no better than a coin."""
    if not best.failed or lexicon.has_cue(text.lower(), lexicon.PROCESS_FAILURE_CUES):
        return False
    return any(not p.failed and score - FAILURE_HIT - e.score < DESCRIPTION_LEAD for p, e in others)


# A setting's value written as a word of its own ("at p4", "480x480", "clahe"): a word with a letter in it
# (a bare number is as likely any other setting's).
_VALUE_WORD = re.compile(r"[a-z0-9][a-z0-9_.+-]{1,40}")
# Values too plain to tell a run by: they are also ordinary words of a note.
_PLAIN_VALUES = frozenset({"true", "false", "none", "null", "yes", "no", "on", "off", "auto", "default", "all",
                           "base", "small", "large", "new", "old", "best", "last", "first"}) | lexicon.STOP_TOKENS


def _value_sets_apart(text: str, best: RunProfile, others: list[RunProfile]) -> bool:
    """Whether the text writes, as a word of its own, the value of a setting of ``best`` that every other
    close candidate has with another value the text does not write ("Training of L=256 at p4": the p3
    and p5 runs of L=256 are not the one described)."""
    words = set(re.findall(r"[a-z0-9][a-z0-9_.+-]*", text.lower()))
    said = {key: value.strip().lower() for key, value in best.run.params.items()
            if _VALUE_WORD.fullmatch(value.strip().lower()) and re.search("[a-z]", value.lower())
            and value.strip().lower() in words
            and value.strip().lower() not in _PLAIN_VALUES}
    if not said or not others:
        return False

    def apart(other: RunProfile) -> bool:
        for key, value in said.items():
            theirs = other.run.params.get(key, "").strip().lower()
            if theirs and theirs != value and theirs not in words:
                return True
        return False

    return all(apart(other) for other in others)


def _clause_before(text: str, start: int, end: int) -> str:
    """The clause of ``text[start:end]`` that ends at ``end`` (the words right before a value)."""
    window = text[start:end]
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(window)]
    return window[breaks[-1] :] if breaks and len(window) - breaks[-1] >= 3 else window


def _infer_failed(
    entry: SegmentLinks, pool: CandidatePool, author_ids: set[str], linked: dict[str, LinkedRun]
) -> None:
    text = entry.segment.text
    if not lexicon.has_cue(text.lower(), lexicon.FAILURE_CUES):
        return
    scored = [(p, describe(text, p, pool)) for p in pool if p.failed and p.run.run_id in author_ids]
    scored = [(p, e) for p, e in scored if not e.contradicted and e.score >= DESCRIPTION_THRESHOLD]
    scored.sort(key=lambda pe: pe[1].score, reverse=True)
    if not scored or (len(scored) > 1 and scored[0][1].score - scored[1][1].score < DESCRIPTION_LEAD):
        return
    # A run the segment already names by its value that the description fits as well is what the failure words
    # speak of ("| 4e-4 | 5.53 | DIVERGED at ep202 |": the finished 4e-4 run diverged late, not the failed start).
    # Read in the clauses that say the failure; failure words fit a failed run only, so they are left out.
    said = ", ".join(c for c in re.split(r"\n|" + _CLAUSE_BREAK.pattern, text)
                     if c and lexicon.has_cue(c.lower(), lexicon.FAILURE_CUES))
    failed_score = describe(said, scored[0][0], pool).score - FAILURE_HIT
    named = [p for p in pool if p.run.run_id in entry.run_ids and not p.failed]
    if any(describe(said, p, pool).score >= failed_score for p in named):
        return
    run = scored[0][0].run
    linked.setdefault(run.run_id, linked_run(run, "inferred"))
    if run.run_id not in entry.run_ids:
        entry.run_ids.append(run.run_id)



def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
