"""Explicit links: the runs a text pastes (ids and prefixes the tracker resolved) or names (a
distinctive run name, a short name such as "w05" or a range "w05-w09"), and the author's working
window that inference may look in.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from narrative import lexicon
from narrative.link_evidence import linked_run
from narrative.link_failed_starts import read_past
from narrative.link_name_heads import head_references
from narrative.link_people import names_someone_near, people_of
from narrative.link_probe_runs import probe_sets
from narrative.link_sweep_points import short_probes, sweep_points
from narrative.link_versions import version_references
from narrative.run_name_parts import setting_references, tail_references
from narrative.run_numbers import ELSEWHERE, counter_references, experiment_references
from narrative.types import StructureRequest
from storage.records import LinkedRun, RunSnapshot


def _author_window(request: StructureRequest) -> list[RunSnapshot]:
    """The author's runs since their previous entry, and the ones that were still running when it was
    written (a long run started days before and finished in the window, a run the note of the night before
    saw start): a note names what it saw end."""
    author = request.author.strip().lower()
    start = request.window_start or (request.at - request.lookback)
    runs = {r.run_id: r for r in (*request.window_runs, *request.known_runs)}
    return [
        r for r in runs.values()
        if r.user.strip().lower() == author and r.start <= request.at
        and (start < r.start or (r.end is not None and start < r.end))
    ]


def _author_runs(request: StructureRequest) -> list[RunSnapshot]:
    """The author's runs up to the note, in the window or before it: a run number may name an older one."""
    author = request.author.strip().lower()
    runs = {r.run_id: r for r in (*request.window_runs, *request.known_runs)
            if r.user.strip().lower() == author and r.start <= request.at}
    return list(runs.values())


# A word and a number ("try9", "exp12") is written "Try 9" or "exp #12" as often as run together.
_WORD_NUMBER_NAME = re.compile(r"^([a-z]{3,})(\d{1,4})$")


def _name_pattern(name: str) -> re.Pattern[str]:
    # A name as written, or with the word people add for a run's kept checkpoint
    # ("GAN_Concat_Flex_009_BEST" is the run GAN_Concat_Flex_009).
    return re.compile(rf"(?<![A-Za-z0-9_\-]){re.escape(name.lower())}"
                      rf"(?:[_\-.](?:best|final|last|ckpt|checkpoint|weights))?(?![A-Za-z0-9_\-])")


# Prefixes of run names that are nouns only ("exp17", "trial5"), with their other spellings: "exp 17 beat exp 16"
# names two runs whatever follows the number. A prefix that is also a verb ("try9", "run12") names a run only when
# the number ends the phrase: "try 3 seeds" counts seeds.
# ("model 3 layers deep", "version 2 of the data" are other things: those prefixes keep the guard.)
_NOUN_PREFIXES = {"exp": ("exp", "experiment"), "experiment": ("experiment", "exp"), "trial": ("trial",),
                  "config": ("config", "cfg"), "cfg": ("cfg", "config"), "job": ("job",)}


def _spaced_name_pattern(name: str) -> re.Pattern[str] | None:
    """"Try 9" for the run "try9". Spaced, the number must end the phrase ("Try 9 (24 July)", "Try 13's
    p3", "for Try 15."): "try 3 seeds" counts seeds, it names no run. A noun prefix ("exp 17 beat exp 16",
    "experiment 17 is") names its run wherever the number stands."""
    spaced = _WORD_NUMBER_NAME.match(name)
    if not spaced:
        return None
    prefix, number = spaced.group(1), spaced.group(2)
    if prefix in _NOUN_PREFIXES:
        spellings = "|".join(_NOUN_PREFIXES[prefix])
        return re.compile(rf"(?<![A-Za-z0-9_\-])(?:{spellings})[ \t]?#?{number}(?![A-Za-z0-9_\-]|[.,]\d)")
    return re.compile(rf"(?<![A-Za-z0-9_\-]){prefix}\s#?{number}(?![A-Za-z0-9_\-]|[.,]\d)"
                      r"(?=\s?(?:[.,;:!?)'’(]|$))")


def _said_here(pattern: re.Pattern[str], lowered: str) -> bool:
    """Whether ``pattern`` matches once not placed in a publication ("exp 3 in the paper" is not the run exp3)."""
    return any(not ELSEWHERE.match(lowered, m.end()) for m in pattern.finditer(lowered))


def _is_distinctive_name(name: str) -> bool:
    """Run names worth matching as text: "xgb-d4-lr05", "jolly-lynx-3" — not "baseline"."""
    return len(name) >= 4 and bool(re.search(r"[-_.\d]", name))


# Short run names people give to series of runs ("w05", "r12", "e7"): letters then digits.
_SHORT_NAME = re.compile(r"^[a-z]{1,3}\d{1,3}$")
# A name range: "w05-w09", "w05..w09", "w05 to w09", "r3–r7".
_NAME_RANGE = re.compile(
    r"(?<![a-z0-9_\-.])([a-z]{1,3})(\d{1,3})\s*(?:-|–|—|\.\.|to|through|thru)\s*(?:\1)?(\d{1,3})(?![a-z0-9_])"
)
_MAX_RANGE = 24


def _is_short_name(name: str) -> bool:
    """A short run name ("w05") that is not also an ordinary token of ML text: not a model family
    ("t5"), a metric ("f1", "r2"), a quantile ("p50") or a version ("v2")."""
    if not _SHORT_NAME.match(name) or name in lexicon.STOP_TOKENS:
        return False
    if name in _COMMON_SHORT_TOKENS or lexicon.families_in(name) or name in lexicon.METRIC_ALIASES:
        return False
    return not any(name in aliases for aliases in lexicon.METRIC_ALIASES.values())


# Short tokens of ML prose that look like run names but usually are not: versions, quantiles,
# precision formats, efficientnet sizes, ranks of recall.
_COMMON_SHORT_TOKENS = frozenset(
    {f"v{i}" for i in range(10)} | {f"p{i}" for i in (5, 10, 25, 50, 75, 90, 95, 99)}
    | {"fp8", "fp16", "fp32", "bf16", "int4", "int8", "l1", "l2", "k8s", "gpu0", "gpu1", "q4", "q8"}
    | {f"b{i}" for i in range(8)} | {f"r{i}" for i in (1, 2)} | {f"top{i}" for i in (1, 3, 5, 10)}
    | {"f1", "f2", "mp3", "h100", "a100", "v100", "t4", "a10", "l4", "3d", "2d", "1d"}
)


def _short_name_pattern(name: str) -> re.Pattern[str]:
    # A token of its own: "w05", "`w05`", "w05/w09", "w05," — not "w05.5", "w05b" or "tw05".
    return re.compile(rf"(?<![a-z0-9_\-.]){re.escape(name)}(?![a-z0-9_]|[-.][a-z0-9])")


def _named_runs(
    request: StructureRequest, author_ids: set[str], warnings: list[str], *, relaunched: set[str]
) -> list[tuple[str, RunSnapshot]]:
    """(name, run) for every run the text names: a distinctive name as written, a short name
    ("w05") as a token of its own, or a range of short names ("w05-w09") whose every member
    exists. A name several runs share links the author's own run when that is one, else none. A failed start
    in ``relaunched`` bears its rerun's name for nothing: the name is the rerun's."""
    lowered_text = request.text.lower()
    by_name: dict[str, dict[str, RunSnapshot]] = {}
    for run in (*request.window_runs, *request.known_runs, *request.resolved_refs.values()):
        name = run.run_name.lower().strip()
        if run.run_id in relaunched:
            continue
        if _is_distinctive_name(name) or _is_short_name(name):
            by_name.setdefault(name, {})[run.run_id] = run

    def choose(name: str) -> RunSnapshot | None:
        choices = list(by_name[name].values())
        if len(choices) > 1:
            choices = [r for r in choices if r.run_id in author_ids] or choices
        if len(choices) == 1:
            return choices[0]
        warnings.append(f"The run name '{name}' belongs to {len(choices)} runs; none linked.")
        return None

    found: list[tuple[str, RunSnapshot]] = []
    for name in by_name:
        spaced = _spaced_name_pattern(name)
        spellings = _NOUN_PREFIXES.get(name.rstrip("0123456789"), (name.rstrip("0123456789"),))
        if name not in lowered_text and not (spaced and any(w in lowered_text for w in spellings)):
            continue
        pattern = _short_name_pattern(name) if _is_short_name(name) else _name_pattern(name)
        if _said_here(pattern, lowered_text) or (spaced and _said_here(spaced, lowered_text)):
            chosen = choose(name)
            if chosen is not None:
                found.append((name, chosen))
    found += _generated_name_variants(lowered_text, by_name, {n for n, _ in found}, author_ids)
    short_names = [n for n in by_name if _is_short_name(n)]
    for match in _NAME_RANGE.finditer(lowered_text) if short_names else ():
        prefix, first, last = match.group(1), match.group(2), match.group(3)
        low, high = int(first), int(last)
        if not 0 < high - low <= _MAX_RANGE:
            continue
        width = len(first)
        members = [f"{prefix}{n:0{width}d}" if len(last) == width else f"{prefix}{n}" for n in range(low, high + 1)]
        # Only a range whose every member is a real short run name is a range of runs ("w05-w09");
        # "p5-p10" or "v2 to v4" with one name missing says nothing certain.
        if not all(m in short_names for m in members):
            continue
        for member in members:
            chosen = choose(member)
            if chosen is not None:
                found.append((match.group(0), chosen))
    found += _series_by_suffix(request, author_ids - relaunched, lowered_text)
    return found


# A tracker's generated name: words and a counter ("feasible-leaf-53", "royal_sound_4").
_GENERATED_NAME = re.compile(r"^([a-z]{3,12}(?:[-_][a-z]{3,12}){1,2})[-_](\d{1,4})$")


def _generated_name_variants(lowered_text: str, by_name: dict[str, dict[str, RunSnapshot]], found: set[str],
                             author_ids: set[str]) -> list[tuple[str, RunSnapshot]]:
    """Generated names as people retype them: another separator or a space ("Feasible leaf-53" for
    feasible-leaf-53), or the words without the counter ("royal-sound: was good at 120 epochs" for
    royal-sound-4). The words alone name a run only among the author's own runs, and only when one of
    them has them (two "royal-sound-N" runs make it a name of neither); they stay joined as a name is
    ("a royal sound" is prose)."""
    out: list[tuple[str, RunSnapshot]] = []
    by_words: dict[str, list[tuple[str, RunSnapshot]]] = {}
    for name, runs in by_name.items():
        match = _GENERATED_NAME.match(name)
        if not match:
            if name not in found and len(runs) == 1 and _retyped_separators(name).search(lowered_text):
                out.append((name, next(iter(runs.values()))))
            continue
        words = re.split(r"[-_]", match.group(1))
        for run in runs.values():
            by_words.setdefault("-".join(words), []).append((name, run))
        if name in found or words[0] not in lowered_text:
            continue
        spelled = r"[-_ ]".join(map(re.escape, words))
        retyped = re.compile(rf"(?<![a-z0-9_\-]){spelled}[-_ ]#?{match.group(2)}(?![a-z0-9_\-]|[.,]\d)")
        if len(runs) == 1 and retyped.search(lowered_text):
            out.append((name, next(iter(runs.values()))))
    for joined, named in by_words.items():
        words = joined.split("-")
        if words[0] not in lowered_text:
            continue
        bare = re.compile(rf"(?<![a-z0-9_\-]){r'[-_]'.join(map(re.escape, words))}(?![a-z0-9_]|[-_.][a-z0-9])")
        own = [(name, run) for name, run in named if run.run_id in author_ids]
        if len(own) == 1 and len(named) == len(own) and own[0][0] not in found and bare.search(lowered_text):
            out.append(own[0])
    return out


def _retyped_separators(name: str) -> re.Pattern[str]:
    """A name of several parts with one of them holding a digit, its separators retyped ("unet_v3" for unet-v3,
    "resnet50-mixup" for ResNet50_MixUp, "run12" for run-12). Not with spaces: "lr 1e-3" is a setting in prose,
    not lr-1e-3."""
    parts = [p for p in re.split(r"[-_.]", name) if p]
    if len(parts) < 2 or not any(c.isdigit() for c in name) or not all(p.isalnum() for p in parts):
        return _NEVER
    # Between letters and digits the separator may go too ("run12" for run-12), not between two words or numbers.
    spelled = re.escape(parts[0])
    for before, after in itertools.pairwise(parts):
        optional = before[-1].isdigit() != after[0].isdigit()
        spelled += (r"[-_.]?" if optional else r"[-_.]") + re.escape(after)
    return re.compile(rf"(?<![a-z0-9_\-.]){spelled}(?![a-z0-9_]|[-.][a-z0-9])")


_NEVER = re.compile(r"(?!)")


# A run named as one of a series: "noisy-fact-v2", "tagger_v3".
_SERIES_NAME = re.compile(r"^(.+?)[-_.](v\d{1,3})$")


def _series_by_suffix(
    request: StructureRequest, author_ids: set[str], lowered_text: str
) -> list[tuple[str, RunSnapshot]]:
    """The author's series ("noisy-fact-v1" ... "noisy-fact-v4") written by suffixes: "v1 converges
    badly ... (v2) -- not helped much ... (v3)". Two or more suffixes of one series name its runs; one
    alone ("v2") is as likely the version of anything else."""
    series: dict[str, dict[str, list[RunSnapshot]]] = {}
    for run in request.window_runs:
        match = _SERIES_NAME.match(run.run_name.lower().strip())
        if run.run_id in author_ids and match:
            series.setdefault(match.group(1), {}).setdefault(match.group(2), []).append(run)
    found: list[tuple[str, RunSnapshot]] = []
    for members in series.values():
        said = [suffix for suffix, runs in members.items()
                if len(runs) == 1 and _short_name_pattern(suffix).search(lowered_text)]
        if len(members) >= 2 and len(said) >= 2:
            found += [(suffix, members[suffix][0]) for suffix in said]
    return found


@dataclass
class ExplicitLinks:
    """What the person pasted or named: linked whatever any engine says (class 8 of issue 8)."""

    runs: dict[str, LinkedRun]
    warnings: list[str]
    author_window: list[RunSnapshot]
    forms: dict[str, list[str]] = field(default_factory=dict)   # run id -> how the text wrote it
    window_probes: set[str] = field(default_factory=set)         # short probes in the window (link_probe_runs)

    def written_in(self, run_id: str, lowered: str) -> bool:
        """Whether a piece of text writes this run (its id, prefix, name or a range holding it)."""
        return any(re.search(rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])", lowered)
                   for form in self.forms.get(run_id, ()))


def explicit_links(request: StructureRequest) -> ExplicitLinks:
    """Runs the text pastes (full id, unique prefix) or names (an exact run name, when unique).

    Deterministic and engine-independent: the local engine starts from it and every model engine
    unions it into the model's links, so a pasted id is never lost because a model left it out."""
    linked: dict[str, LinkedRun] = {}
    forms: dict[str, list[str]] = {}
    warnings: list[str] = []
    lowered_text = request.text.lower()

    # (a) pasted ids and prefixes, as the tracker resolved them.
    for ref, run in request.resolved_refs.items():
        if ref.lower() in lowered_text:
            forms.setdefault(run.run_id, []).append(ref.lower())
            if run.run_id not in linked:
                linked[run.run_id] = linked_run(run, "id" if ref.lower() == run.run_id.lower() else "prefix")
    for ref, reason in request.unresolved_refs.items():
        warnings.append(f"'{ref}' looks like a run id but {reason}; not linked.")

    # (b) run names.
    author_window = _author_window(request)
    author_ids = {r.run_id for r in author_window}
    # A failed start relaunched, or a short probe run, under its run's name: neither its name nor a number or a
    # name's part written in the note tells it from that run, so they are the run's (narrative.link_failed_starts,
    # narrative.link_probe_runs).
    window_probes, named_probes = probe_sets(author_window)
    if window_probes:   # the points of a sweep over the budget are runs of their own (narrative.link_sweep_points)
        sweeps = sweep_points(author_window)
        window_probes, named_probes = window_probes - sweeps, named_probes - sweeps
    relaunched = read_past(request.text, (*request.window_runs, *request.known_runs), same_name=True) | named_probes
    # A probe under a name of its own is still named by it, but an experiment's number, a name's part or settings
    # as names spell them are its real run's.
    author_runs = _author_runs(request)
    probes = short_probes(author_runs)
    own = [r for r in author_runs if r.run_id not in relaunched]
    for written, run in _named_runs(request, author_ids, warnings, relaunched=relaunched):
        forms.setdefault(run.run_id, []).append(written)
        linked.setdefault(run.run_id, linked_run(run, "name"))

    # (b2) runs written by number or by a part of their name: a run counter ("run 84", "# 68-71??"),
    # a numbered experiment ("Experiment 003"), a name's tail ("L8_K32"), settings as names spell them
    # ("L = 3 or 4") — read against the author's own runs only.
    window = [r for r in author_window if r.run_id not in relaunched]
    real = [r for r in window if r.run_id not in probes]
    own_real = [r for r in own if r.run_id not in probes]
    numbered = [*counter_references(request.text, author_runs=own, window_runs=window),
                *experiment_references(request.text, own_real),
                *tail_references(request.text, real, request.window_runs),
                *setting_references(request.text, real),
                *version_references(request.text, author_runs=own_real, window_ids=author_ids - probes)]
    numbered = _latest_bearers(numbered, {r.run_id for r in window})
    people = people_of((*request.window_runs, *request.known_runs), request.author)
    lowered_text = request.text.lower()
    for written, run in numbered:
        at = lowered_text.find(written.lower())
        if at >= 0 and names_someone_near(lowered_text, at, at + len(written), people):
            continue  # "bob's exp10", "exp 10 by bob": the number is another person's run, not the author's
        forms.setdefault(run.run_id, []).append(written)
        linked.setdefault(run.run_id, linked_run(run, "name"))
    # A name's run-word head ("Run 4" for run4_pr1851_...) only for a run nothing else named: where a counter, a tail
    # or the whole name already links it, its head adds no run and moves no sentence's runs (round 13).
    for written, run in head_references(request.text, own_real, frozenset(r.run_id for r in window)):
        if run.run_id not in linked:
            forms.setdefault(run.run_id, []).append(written)
            linked[run.run_id] = linked_run(run, "name")

    # (c) ordinal references to runs COCO listed to the author ("the second one", "the other two").
    for written, run in ordinal_references(request.text, request.listed_runs):
        forms.setdefault(run.run_id, []).append(written)
        linked.setdefault(run.run_id, linked_run(run, "inferred"))
    return ExplicitLinks(runs=linked, warnings=warnings, author_window=author_window, forms=forms,
                         window_probes=window_probes)


def _latest_bearers(found: list[tuple[str, RunSnapshot]], window_ids: set[str]) -> list[tuple[str, RunSnapshot]]:
    """A number or label written once that several of the author's runs bear, some in the note's window and some
    from an earlier phase ("Experiment 003" rerun weeks later under the same id): the note speaks of its days."""
    in_window = {written for written, run in found if run.run_id in window_ids}
    return [(written, run) for written, run in found if written not in in_window or run.run_id in window_ids]


# -- ordinal references to a listed set --------------------------------------------------------------
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
             "ninth": 9, "9th": 9, "tenth": 10, "10th": 10, "last": -1, "final": -1, "penultimate": -2}
_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "2": 2,
           "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, "8": 8, "9": 9}
# "the second one", "the 3rd run", "the last one", "run #2", "#2" (a listed run is numbered in the list).
# The noun is required after a word ordinal: "first I tried ..." and "the last time" are not runs.
_NOUNS = r"(?:one|run|experiment|attempt|try|job|model)"
_ORDINAL = re.compile(
    rf"(?<![a-z0-9])(?:the\s+|that\s+|my\s+)?(?P<ord>{'|'.join(sorted(_ORDINALS, key=len, reverse=True))})"
    rf"\s+{_NOUNS}(?![a-z0-9])|(?<![a-z0-9])(?:run\s*)?#(?P<num>\d{{1,2}})(?![0-9])")
# "the other two", "the others", "the other ones", "the rest", "both others": the listed runs no ordinal
# named (a count, when given, must match, or nothing is linked).
_OTHERS = re.compile(
    rf"(?<![a-z0-9])(?:the\s+)?(?:other\s+(?P<count>{'|'.join(_COUNTS)})(?:\s+{_NOUNS}s?)?|others|"
    rf"other\s+{_NOUNS}s|rest(?:\s+of\s+them)?|remaining\s+(?:{'|'.join(_COUNTS)}\s+)?{_NOUNS}s?)"
    rf"(?![a-z0-9])")


def ordinal_references(text: str, listed: list[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """The listed runs a text refers to by position: ``(as written, run)`` pairs. Only with a list in
    front of the author (an ordinal means nothing otherwise), and only positions the list has."""
    if not listed:
        return []
    lowered = text.lower()
    found: list[tuple[str, RunSnapshot]] = []
    named: set[str] = set()
    for match in _ORDINAL.finditer(lowered):
        position = _ORDINALS[match["ord"]] if match["ord"] else int(match["num"])
        index = position - 1 if position > 0 else len(listed) + position
        if 0 <= index < len(listed):
            found.append((match.group(0).strip(), listed[index]))
            named.add(listed[index].run_id)
    if not named:
        return found  # "the others" without a run named first refers to nothing in the list
    rest = [r for r in listed if r.run_id not in named]
    for match in _OTHERS.finditer(lowered):
        count = match["count"] or ""
        if rest and (not count or _COUNTS[count] == len(rest)):
            found += [(match.group(0).strip(), run) for run in rest]
    return found


_REFERENCE_START = re.compile(rf"(?:{_ORDINAL.pattern})|(?:{_OTHERS.pattern})")
# A whitespace run is entered at its start only: linear on a paste of spaces (issue 11).
_JOINT = re.compile(r",\s+(?:and\s+|but\s+|while\s+)?|(?<!\s)\s+(?:and|but|while)\s+")


def split_at_references(clause: str) -> list[str]:
    """A clause cut where a new part starts with a reference to a listed run: "the second one diverged,
    the other two are fine" is two statements about different runs."""
    parts: list[str] = []
    start = 0
    for joint in _JOINT.finditer(clause):
        if joint.start() > start and _REFERENCE_START.match(clause.lower(), joint.end()):
            parts.append(clause[start:joint.start()].strip())
            start = joint.end()
    parts.append(clause[start:].strip())
    return [p for p in parts if p]
