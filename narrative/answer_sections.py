"""What a note says of a run under its outcome labels: a run's own section ("## Run #3: `gru_ctc_reg3`") often
states the run's aim and config first and how it went under labels further down ("**Result**: Partially
successful", "**Key Finding**:", "**Root Cause**:", "**Issue**:"), their content on the label's line or on the
bullets right under it. "What went wrong in gru_ctc_reg3?" is answered by those blocks, not by the section's
first lines (its purpose) nor by a label cut off from its bullets."""

from __future__ import annotations

import re

from narrative import vocab
from narrative.history_index import HistoryIndex
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
