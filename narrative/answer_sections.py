"""What a note says of a run under its outcome labels: a run's own section ("## Run #3: `gru_ctc_reg3`") often
states the run's aim and config first and how it went under labels further down ("**Result**: Partially
successful", "**Key Finding**:", "**Root Cause**:", "**Issue**:"), their content on the label's line or on the
bullets right under it. "What went wrong in gru_ctc_reg3?" is answered by those blocks, not by the section's
first lines (its purpose) nor by a label cut off from its bullets."""

from __future__ import annotations

import bisect
import re

from narrative import vocab
from narrative.history_index import Fact, HistoryIndex
from narrative.plan_reading import PlanTerms
from storage.records import EntryRecord, RunSnapshot

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s{1,4}(\S.{0,200})$")
# a label that says how something went (or why), its content after the colon or on the lines under it
OUTCOME_LABEL = re.compile(r"^\s{0,12}(?:[-*+•]\s{1,4})?[*_]{0,3}\s{0,2}((?:(?:key|main|final)\s{1,3})?"
                    r"(?:results?|findings?|issues?|problems?|root\s{1,3}causes?|causes?|reasons?|conclusions?|"
                    r"outcomes?|verdict|status|observations?|lessons?|takeaways?|diagnosis|what went wrong))"
                    r"\s{0,2}[*_]{0,3}\s{0,2}:\s{0,2}[*_]{0,3}\s{0,4}(.{0,300})$", re.I)
_ITEM = re.compile(r"^\s{0,12}(?:[-*+•]|\d{1,3}[.)])\s{1,4}(\S.{0,300})$")
_OTHER_LABEL = re.compile(r"^\s{0,3}[*_]{1,3}[^*_:]{1,40}[*_]{0,3}\s{0,2}:")
_MARKUP = re.compile(r"[*`]{1,3}|(?<!\w)_{1,3}|_{1,3}(?!\w)")
MAX_BLOCK_LINES = 6
# a list item that is only a label ("- Setup:", "- Conclusion:"), its content on the bullets under it
_LABEL_ITEM = re.compile(r"^\s{0,12}[-*+•]\s{1,4}[*_]{0,3}[A-Za-z][\w \-/]{0,40}[*_]{0,3}\s{0,2}:"
                         r"\s{0,2}[*_]{0,3}\s{0,2}$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _plain(text: str) -> str:
    return re.sub(r"\s{2,}", " ", _MARKUP.sub("", text)).strip()


def _section(lines: list[str], name: str) -> list[str]:
    """The lines under the first heading that names the run (up to the next heading as high or higher)."""
    named = re.compile(r"(?<![\w/.\-])" + re.escape(name) + r"(?![\w\-])", re.I)
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m is None or not named.search(m.group(2)):
            continue
        level = len(m.group(1))
        out: list[str] = []
        for nxt in lines[i + 1: i + 200]:
            h = _HEADING.match(nxt)
            if h is not None and len(h.group(1)) <= level:
                break
            out.append(nxt)
        return out
    return []


def outcome_blocks(lines: list[str]) -> list[str]:
    """Each outcome label of ``lines`` with its content: the rest of its line and the bullets right under it
    (a blank line before the first bullet is allowed), as "Result: Partially successful / Best PER: 0.298 ..."."""
    blocks: list[str] = []
    i = 0
    while i < len(lines):
        m = OUTCOME_LABEL.match(lines[i])
        if m is None:
            i += 1
            continue
        said = [f"{_plain(m.group(1)).capitalize()}: {_plain(m.group(2))}".rstrip(": ")]
        bare_item = bool(_ITEM.match(lines[i])) and not m.group(2).strip()
        j = i + 1
        while j < len(lines) and len(said) <= MAX_BLOCK_LINES:
            line = lines[j]
            if not line.strip():
                if len(said) == 1 and not m.group(2).strip():
                    j += 1
                    continue  # "**Root Cause**:" then a blank line, then its bullets
                break
            if ((OUTCOME_LABEL.match(line) and not _ITEM.match(line)) or _HEADING.match(line)
                    or _OTHER_LABEL.match(line)):
                break
            if bare_item and _ITEM.match(line) and _indent(line) <= _indent(lines[i]) and _LABEL_ITEM.match(line):
                break  # "- Findings:" (its content on the bullets under it), then its sibling "- Conclusion:"
            item = _ITEM.match(line)
            said.append(_plain(item.group(1) if item else line))
            j += 1
        if len(said) > 1 or m.group(2).strip():
            head, rest = said[0], [s for s in said[1:] if s]
            # "Key finding" with its content on the bullets: "Key finding: Gradient clipping ... / LR still ..."
            blocks.append(f"{head}: " + " / ".join(rest) if not m.group(2).strip() else " / ".join([head, *rest]))
        i = max(j, i + 1)
    return blocks


def run_outcome(idx: HistoryIndex, run: RunSnapshot, question: str) -> tuple[EntryRecord, str] | None:
    """From the latest note that gives ``run`` a section of its own, what its outcome labels say (the blocks
    sharing a word with the question first, then the others in the note's order); None when there is none."""
    name = run.run_name or ""
    if len(name) < 3:
        return None
    asked = set(vocab.tokens(question)) - vocab.STOPWORDS
    for entry in sorted(idx.entry_by_id.values(), key=lambda e: e.at, reverse=True):
        if name.lower() not in entry.raw_text.lower():
            continue
        blocks = outcome_blocks(_section(entry.raw_text.splitlines()[:3000], name))
        if not blocks:
            continue
        blocks.sort(key=lambda b: -len(asked & set(vocab.tokens(b))))  # stable: the note's order otherwise
        return entry, " // ".join(blocks)
    return None


# "Run #6", "Attempt 1", "Exp 3": how a note numbers its runs; a heading or item that pairs one such label with
# one tracked run's name ("## Run #6: `gru_ctc_reg6`") says the label is that run's name in the notes
_KINDS = {"run": "run", "runs": "run", "attempt": "attempt", "try": "attempt", "exp": "exp", "experiment": "exp",
          "trial": "trial", "version": "version", "iteration": "iteration", "iter": "iteration"}
_NUMS = {w: i + 1 for i, w in enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                         "ten", "eleven", "twelve"))}
_ORDS = {w: i + 1 for i, w in enumerate(("first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                                         "eighth", "ninth", "tenth", "eleventh", "twelfth"))}
_KIND = r"(runs?|attempt|try|exp|experiment|trial|version|iteration|iter)"
_LABEL_NUM = re.compile(r"\b" + _KIND + r"\s{0,2}(?:#|no\.?|number)?\s{0,2}(\d{1,3}|" + "|".join(_NUMS) + r")\b",
                        re.I)
_ORD_KIND = re.compile(r"\b(" + "|".join(_ORDS) + r")\s{1,3}" + _KIND + r"\b", re.I)
_LINE_HEAD = re.compile(r"^\s{0,12}(?:#{1,6}\s|[-*+•]\s|\d{1,3}[.)]\s|[*_]{2})")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9][\w.\-]{2,80}")


def _number(word: str) -> int | None:
    w = word.lower()
    return int(w) if w.isdigit() else _NUMS.get(w) or _ORDS.get(w)


def _aliases(idx: HistoryIndex) -> dict[tuple[str, int], str]:
    got = idx.cache.get("answer:run_aliases")
    if isinstance(got, dict):
        return got
    names = idx.name_to_runs
    out: dict[tuple[str, int], str] = {}
    clash: set[tuple[str, int]] = set()
    for entry in idx.entry_by_id.values():
        for line in entry.raw_text.splitlines()[:3000]:
            if not _LINE_HEAD.match(line):
                continue
            labels = {(_KINDS[m.group(1).lower()], n) for m in _LABEL_NUM.finditer(line[:300])
                      if (n := _number(m.group(2))) is not None}
            runs = {rid for t in _NAME_TOKEN.findall(line[:300]) for rid in names.get(t.lower().rstrip(".-"), [])
                    if any(ch.isdigit() or ch in "-_." for ch in t)}
            if len(labels) != 1 or len(runs) != 1:
                continue
            key, rid = next(iter(labels)), next(iter(runs))
            if out.get(key, rid) != rid:
                clash.add(key)
            out[key] = rid
    for key in clash:
        out.pop(key, None)  # two notes give the label to two runs: it names neither
    idx.cache["answer:run_aliases"] = out
    return out


def aliased_runs(idx: HistoryIndex, question: str) -> list[RunSnapshot]:
    """The runs the question names by the notes' own labels for them ("why did we kill run 6?", "the sixth run"
    when a heading reads "Run #6: `gru_ctc_reg6`"); empty when the notes give the label to no one run."""
    asked = [(_KINDS[m.group(1).lower()], n) for m in _LABEL_NUM.finditer(question) if (n := _number(m.group(2)))]
    asked += [(_KINDS[m.group(2).lower()], n) for m in _ORD_KIND.finditer(question) if (n := _number(m.group(1)))]
    if not asked:
        return []
    aliases = _aliases(idx)
    out: list[RunSnapshot] = []
    for key in asked:
        run = idx.run_by_id.get(aliases.get(key, ""))
        if run is not None and run not in out:
            out.append(run)
    return out[:3]


# a bare aim label on its own line ("- Goal:", "**Purpose:**"): its content is on the lines under it
AIM_LABEL = re.compile(r"^\s{0,12}(?:[-*+•]\s{1,4})?[*_]{0,3}\s{0,2}(?:goals?|purpose|objectives?|aims?|motivation|"
                       r"hypothes[ie]s)\s{0,2}[*_]{0,3}\s{0,2}:\s{0,2}[*_]{0,3}\s{0,2}$", re.I)


def under_aim_label(raw_text: str, text: str) -> bool:
    """``text`` is a line of ``raw_text`` that sits under a bare aim label ("- Goal:" then "  - Recover baseline
    behavior by moving warmup to 1000"): what the experiment was for, not how it went."""
    probe = _plain(text)[:60]
    if len(probe) < 8:
        return False
    lines = raw_text.splitlines()[:3000]
    for i, line in enumerate(lines):
        if probe not in _plain(line):
            continue
        for prev in reversed(lines[max(0, i - 4):i]):
            if AIM_LABEL.match(prev):
                return True
            if not _ITEM.match(prev) or not prev.startswith((" ", "\t")):
                break  # a sibling item under the label still counts; anything else ends the label's reach
        return False
    return False


def heading_outcome(raw_text: str, heading: str, asked: frozenset[str] = frozenset()) -> str:
    """What the section under ``heading`` (a heading line of ``raw_text``) says under its outcome labels
    ("Findings: ... // Conclusion: Failed stability constraint (0/3 seeds reached >=0.99)"), "" when none."""
    lines = raw_text.splitlines()[:3000]
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m is None or _plain(m.group(2)) != _plain(heading.lstrip("# ").strip()):
            continue
        level = len(m.group(1))
        body: list[str] = []
        for nxt in lines[i + 1: i + 200]:
            h = _HEADING.match(nxt)
            if h is not None and len(h.group(1)) <= level:
                break
            body.append(nxt)
        blocks = outcome_blocks(body)
        # a section with several outcome blocks about several things ("Result: ... Polar Express" / "Result: ...
        # the cautious version was better"): those naming the question's words, when some do
        if all(b.lower().startswith("problem") for b in blocks):
            return ""  # "Problem: Model making overconfident wrong predictions" is what a change was for
        near = [b for b in blocks if asked & set(vocab.tokens(b))]
        blocks = near or blocks
        # the verdict first (a conclusion sums up the findings above it), then what was found, then the trouble told
        # ("Problem: Model making overconfident wrong predictions" is why a change was made, not how it went)
        blocks.sort(key=lambda b: 0 if b.lower().startswith(("conclusion", "verdict", "takeaway", "outcome")) else
                    2 if b.lower().startswith(("problem", "issue", "cause", "root", "reason", "diagnosis")) else 1)
        return " // ".join(blocks)
    return ""


# the question's verdict verb ("did X help / work / fix / recover ...?") is its form, not its subject
_VERDICT_STEM = re.compile(r"^(help|work|fix|solv|resolv|recov|stabil|succe|prevent|improv|gain|hurt|boost|better|"
                           r"wors|matter|chang|pay|paid)")


_BRACKETS = re.compile(r"\([^()]{0,200}\)|\[[^\[\]]{0,200}\]")


def _carried(text: str, words: dict[str, float], concepts: set[str]) -> float:
    toks = set(vocab.tokens(text))
    return sum(w for t, w in words.items() if t in toks) + len(concepts & vocab.cover(vocab.concept_frozenset(text)))


def section_verdict(idx: HistoryIndex, terms: PlanTerms, ranked: list[tuple[float, Fact]], question: str = ""
                    ) -> list[tuple[Fact, Fact, str]] | None:
    """For a did-it-help question: the one (or two tied) markdown headings among the best-ranked lines that carry
    the most of the question's subject (its concepts and its words beyond the verdict verb), each with what its
    section says under its outcome labels; None when no heading carries at least half of the subject, when three
    or more tie, or when a chosen section states no outcome."""
    words = {t: w for t, w in terms.tokens.items() if not _VERDICT_STEM.match(t)}
    concepts = set(terms.key_concepts)
    total = sum(words.values()) + len(concepts)
    if total <= 0:
        return None
    asked = {t for t in vocab.tokens(question) if len(t) > 2 and not _VERDICT_STEM.match(t)} - vocab.STOPWORDS
    heads: list[tuple[float, Fact]] = []
    for _, f in ranked[:8]:
        if not _HEADING.match(f.text) or any(h.text == f.text and h.entry_id == f.entry_id for _, h in heads):
            continue
        # what a heading's brackets hold is the setup it ran under ("Remove Normalization (`fixed_full_rank=true`)"),
        # not what it is about: a subject found only there counts half
        main = _BRACKETS.sub(" ", f.text.lstrip("#"))
        share = (_carried(main, words, concepts) + _carried(f.text.lstrip("#"), words, concepts)) / (2 * total)
        toks = set(vocab.tokens(f.text.lstrip("#")))
        # ties go to the heading holding more of the question's other words ("the warmup sweep": "Warmup Sweep")
        heads.append((share + 0.01 * len(asked & toks), f))
    if not heads:
        return None
    top = max(s for s, _ in heads)
    best = [f for s, f in heads if s >= top - 1e-9]
    if top < 0.5 or len(best) > 2:  # (0.5: half the subject, whatever the tie-break adds)
        return None
    out: list[tuple[Fact, Fact, str]] = []
    for f in sorted(best, key=lambda g: g.at):
        entry = idx.entry_by_id.get(f.entry_id)
        text = heading_outcome(entry.raw_text, f.text, frozenset(asked)) if entry is not None else ""
        if not text:
            return None
        out.append((_label_line(idx, f, text) or f, f, f"{f.text.lstrip('# ').strip()}: {text}"))
    return out


def _label_line(idx: HistoryIndex, head: Fact, text: str) -> Fact | None:
    """The line of ``head``'s section that opens the first outcome block quoted (its label and its first words;
    its runs are those the section speaks of)."""
    level = len(m.group(1)) if (m := _HEADING.match(head.text)) else 0
    label, _, said = text.split(" // ")[0].partition(":")
    label, said = label.strip().lower(), said.split(" / ")[0].strip()[:30].lower()
    for g in sorted(idx.entry_facts.get(head.entry_id, []), key=lambda g: g.position):
        if g.kind != "sentence" or g.position <= head.position:
            continue
        h = _HEADING.match(g.text)
        if h is not None and len(h.group(1)) <= level:
            break
        lab = OUTCOME_LABEL.match(g.text)
        if lab is not None and _plain(lab.group(1)).lower() == label and (said in _plain(g.text).lower()
                                                                           or not lab.group(2).strip()):
            return g
    return None


_SPAN = re.compile(r"`([A-Za-z][\w.\-]{2,60})`")
# a run-name-like word of a question ("why did torch_mean_residual_mlp collapse?"): letters, digits and an
# underscore or a dash inside
_IDENT = re.compile(r"(?<![\w`.\-/])([A-Za-z][A-Za-z0-9]{1,30}(?:[_\-][A-Za-z0-9]{1,30}){1,8})(?![\w`\-/])")


def prefix_runs(idx: HistoryIndex, text: str) -> list[str]:
    """The runs ``text`` names by a run-name-like word their names start with ("why did torch_mean_residual_mlp
    collapse?" -> torch_mean_residual_mlp-koko, -yso-en, -yso-fi): one to six runs, else none."""
    return heading_runs(idx, " ".join(f"`{m.group(1)}`" for m in _IDENT.finditer(text[:400])))


def heading_runs(idx: HistoryIndex, heading: str) -> list[str]:
    """The runs a heading names by a code span their names start with ("### Experiment E29: Higher Batch Size
    (`tune_bs1024_lr015`, 3 seeds)" -> tune_bs1024_lr015_s42_30k ...): one to six runs, else none."""
    names = idx.cache.get("answer:sorted_run_names")
    if not isinstance(names, list):
        names = sorted(((r.run_name or "").lower(), r.run_id) for r in idx.runs if r.run_name)
        idx.cache["answer:sorted_run_names"] = names
    for m in _SPAN.finditer(heading):
        span = m.group(1).lower()
        got: list[str] = []
        for name, rid in names[bisect.bisect_left(names, (span, "")):]:
            if not name.startswith(span) or len(got) > 6:
                break
            if len(name) == len(span) or name[len(span)] in "_-.":
                got.append(rid)
        if 0 < len(got) <= 6:
            return got
    return []


def finding_of(idx: HistoryIndex, f: Fact, limit: int = 4) -> str:
    """For a later sentence of a labelled outcome ("**Finding:** EMA is redundant with cosine LR. Both aim for stable
    final weights. Pre-cosine EMA hurt (-1pp) because ..."): the finding from its label on ("Finding: EMA is
    redundant ... because ..."), so the author's verdict is not cut off for its support. Empty when ``f`` is the
    label's own sentence, when its paragraph opens with no outcome label (or a bare one, "Result:"), or when a list
    item or another label stands between them (siblings, not one finding)."""
    mine = sorted((g for g in idx.entry_facts.get(f.entry_id or "", []) if g.kind == "sentence" and g.para >= 0),
                  key=lambda g: g.position)
    key = _plain(f.text).lower()
    g = f if f.kind == "sentence" and f.para >= 0 else next(
        (x for x in mine if key and key.rstrip(". ") in _plain(x.text).lower()), None)
    if g is None:
        return ""
    para = [x for x in mine if x.para == g.para]
    first = para[0]
    m = OUTCOME_LABEL.match(first.text)
    if first is g or m is None or not m.group(2).strip():
        return ""
    between = [x for x in para if first.position < x.position <= g.position]
    entry = idx.entry_by_id.get(f.entry_id or "")
    lines = entry.raw_text.splitlines()[:3000] if entry is not None else []

    def line_of(x: Fact) -> str:  # the note's line a sentence starts in (a list item's bullet is not in its text)
        head = _plain(x.text)[:30]
        return next((ln for ln in lines if head and head in _plain(ln)), "")

    own = line_of(first)
    if any(OUTCOME_LABEL.match(x.text) or _OTHER_LABEL.match(x.text)
           or ((ln := line_of(x)) != own and (_ITEM.match(ln) or OUTCOME_LABEL.match(ln) or _OTHER_LABEL.match(ln)))
           for x in between):
        return ""  # a list item or a label of its own between them: a sibling, not the same finding
    said = [_plain(x.text) for x in para if x.position >= first.position][:max(limit, len(between) + 1)]
    return " ".join(said)
