"""Lines of a note that are data, not sentences: the header row of a pasted table, an HTML tag, a run card's
``**Field:** value`` line. Their numbers and names count for runs and ranking; they are never quoted as
what someone said (text-only tests, so both the quoting and the ranking modules can use them)."""

from __future__ import annotations

import re

_MARKUP = re.compile(r"^\s{0,3}</?[a-z][a-z0-9]{0,10}(\s|>|/>)", re.I)
# "**Name:** Run3-g5-2xlarge-lr", "**Specs**: 8 vCPU, 32 GB RAM", "- **Checkpoint**: `../results/best.pt`"
_FIELD = re.compile(r"^\s{0,3}(?:[-*]\s{1,3})?\*\*([^*]{1,40}:|[^*]{1,40}\*\*\s{0,2}:)\*{0,2}\s{0,3}(.*)$")
# a result or verdict in a field's value ("**Status**: COMPLETED - FAILED") is something said, not a setting
_VERDICT = re.compile(r"\b(fail\w{0,3}|worse|better|best|improv\w{0,4}|broken|success\w{0,4}|bad|good|hurt\w{0,3}|"
                      r"help\w{0,3}|work\w{0,3}|diverg\w{0,4}|overfit\w{0,5}|unstable|stable)\b", re.I)
# "- Command: `conda run ... --exp-name tick_wpred_v1`", "Outputs: `outputs/.../summary_all.json`": a label whose
# whole value is one code span holding a space or a slash (a command, a path) records what was run, it says
# nothing ("best CC: `0.84`" is a result)
_CODE_FIELD = re.compile(r"^\s{0,3}(?:[-*]\s{1,3})?[A-Za-z][\w /-]{0,30}:\s{0,3}"
                         r"`(?=[^`\n]{0,400}[ /])[^`\n]{8,400}`\W{0,2}$")
# "- `n_layer=1`, `d_model=8`, `d_ff=28`", "seeds: `42`, `43`, `44`": a pasted config, code spans and separators only
_CODE_LIST = re.compile(r"^\s{0,3}(?:[-*]\s{1,3})?(?:[A-Za-z][\w ]{0,20}:\s{0,3})?"
                        r"(?:`[^`\n]{1,120}`\s{0,2}[,;/]?\s{0,3}){2,60}\W{0,2}$")
_PARENS = re.compile(r"\([^()]{0,80}\)|`[^`]{0,80}`")
_WORDY = re.compile(r"[A-Za-z]{3,}")
_FIELD_WORDS_MAX = 3  # "8 vCPU, 32 GB RAM, 24 GB GPU", "LinearLR (2 epochs) → CosineAnnealingLR"
_FIELD_VALUE_MAX = 80
UNMARK = re.compile(r"[*_`]")


def field_line(text: str) -> bool:
    """``**Label:** value`` whose value only names a setting ("Run3-g5-2xlarge-lr", "8 vCPU, 32 GB RAM"): a run
    card's field. A value that says something ("**Status:** T4 disconnected at step 510", "**Next steps:** Add
    diagnostics and recheck code") or judges a result is prose."""
    m = _FIELD.match(text)
    if m is None:
        return False
    value = m.group(2).strip()
    if len(value) > _FIELD_VALUE_MAX or _VERDICT.search(value):
        return False
    return len(_WORDY.findall(_PARENS.sub(" ", value))) <= _FIELD_WORDS_MAX


def data_line(text: str) -> bool:
    """An HTML tag, a run card's field line, a label whose value is only a code span, or a list of code spans."""
    t = text.strip()
    return bool(_MARKUP.match(t)) or field_line(t) or bool(_CODE_FIELD.match(t)) or bool(_CODE_LIST.match(t))


def header_rows(raw: str) -> frozenset[str]:
    """The header row of each pasted table of a note, its cells joined by " | " as sentences are: column
    names, never something said ("Run Name | Instance | Batch Size | LR")."""
    lines = [ln.strip() for ln in raw.splitlines()]
    out = set()
    for i, line in enumerate(lines[:-1]):
        nxt = lines[i + 1]
        if line.startswith("|") and nxt.startswith("|") and set(nxt) <= set("|-: "):
            out.add(" | ".join(c.strip() for c in line.strip("|").split("|") if c.strip()))
    return frozenset(out)
