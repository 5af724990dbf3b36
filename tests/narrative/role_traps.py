"""Whether a sentence keeps its role when only its typography changes: a stress tool for ``coco log``'s reading.

Real notes reach COCO pasted from editors that curl apostrophes, hard-wrapped at 72 columns, as list items, with
a date in front, without a capital or a final stop. None of that changes what a sentence says, so none of it may
change the role the local engine gives it. For every item of the role corpus (``role_corpus``) this tool reads
the item as written and as each variant below, and counts items whose role changes. Held items are counted only:
no held text or engine output is printed.

Kinds (``python -m tests.narrative.role_traps [KIND ...] [--split tune|held|all] [--show]``):

* ``curly``: straight quotes and apostrophes become typographic ones (``didn’t``, ``“x”``);
* ``wrap``: the sentence is hard-wrapped at 72 columns (sentences longer than that);
* ``bullet``: the sentence is a list item (``- ``), unless it already is one, opens with a date or is no
  sentence (a table row, a heading, a fragment going on from the line above);
* ``star``: the sentence is a list item (``* ``);
* ``dated``: the sentence opens with an ISO date and a colon;
* ``plain``: no capital at its start and no final stop (not under a long title that would read as wrapped onto it);
* ``lower``: all in lower case, no final stop (a chat writer's way);
* ``slack``: bold and headings as Slack's editor writes them (``*Next steps*``, ``*mixup*``);
* ``crlf``: the message's lines end with CR LF.

``--show`` prints tune items whose role changed (text, kind, role as written -> role as varied).
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from collections import Counter
from collections.abc import Callable

from tests.narrative.role_corpus import Item, engine_role, load, structure_of

_LOWER_START = re.compile(r"^([\"'“‘(]?)([A-Z])(?=[a-z])")


def _curly(text: str) -> str:
    text = re.sub(r"(?<=\w)'(?=\w)", "’", text)
    text = re.sub(r"'(?=\w)", "‘", text)
    text = text.replace("'", "’")
    text = re.sub(r'"(?=\w)', "“", text)
    return text.replace('"', "”")


_LISTED = re.compile(r"^\s*(?:[-*+•]\s|\d{1,2}[.)]\s|[a-z][.)]\s|\[[ xX]\]|\d{4}-\d{2}-\d{2})")


# a list marker or a date goes before a sentence, not before a table row, a heading, an arrow or a fragment
# continuing the line above ("which is lower than ...")
_SENTENCE_START = re.compile(r"^\s*(?:[*_`\"'(]{0,3})[A-Z0-9]")


def _wrap(text: str) -> str:
    """Wrapped as an editor wraps at 72 columns (only sentences longer than that change)."""
    return textwrap.fill(text, width=72, break_long_words=False, break_on_hyphens=False)


def _listed(marker: str) -> Callable[[str], str]:
    """The sentence as a list item or a dated line, unless it already is one (a list of lists is no note)."""
    return lambda text: text if _LISTED.match(text) or not _SENTENCE_START.match(text) else marker + text


def _slack(text: str) -> str:
    """Markdown's bold and headings as Slack writes them: ``*bold*`` (one star), a heading as a bold line."""
    text = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"*\1*", text)
    return re.sub(r"(?m)^#{1,6}\s+(.+?)\s*$", r"*\1*", text)


def _plain(text: str) -> str:
    text = _LOWER_START.sub(lambda m: m.group(1) + m.group(2).lower(), text, count=1)
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


KINDS: dict[str, Callable[[str], str]] = {
    "curly": _curly,
    "wrap": _wrap,
    "bullet": _listed("- "),
    "star": _listed("* "),
    "dated": _listed("2024-03-14: "),
    "plain": _plain,
    "lower": lambda text: _plain(text).lower(),
    "slack": _slack,
    "crlf": lambda text: text,
}


def varied(item: Item, kind: str) -> Item | None:
    """The item as varied by ``kind``; None where the variant would be the item itself."""
    text = KINDS[kind](item.text)
    context = item.context
    if kind == "curly":
        context = _curly(context) if context else context
    if kind == "slack":
        context = _slack(context) if context else context
        if context == item.context and text == item.text:
            return None
    elif kind == "crlf":
        if not context:
            return None
        context = context.replace("\n", "\r\n") + "\r"
    elif text == item.text:
        return None
    if kind in ("plain", "lower") and context and len(context) >= 60 and context[-1].isalnum():
        # a long title ending on a word over a line opening in lower case reads as one hard-wrapped line
        return None
    return Item(**{**item.__dict__, "text": text, "context": context})


def role_of(item: Item) -> str:
    return engine_role(item, structure_of(item))


def measure(items: list[Item], kinds: list[str]) -> tuple[dict[str, Counter[str]], list[tuple[Item, str, str, str]]]:
    """Per kind: items varied, changed, and changed away from / toward the person's role; the tune changes."""
    figures: dict[str, Counter[str]] = {kind: Counter() for kind in kinds}
    changes: list[tuple[Item, str, str, str]] = []
    for item in items:
        as_written = role_of(item)
        for kind in kinds:
            variant = varied(item, kind)
            if variant is None:
                continue
            figures[kind]["varied"] += 1
            as_varied = role_of(variant)
            if as_varied == as_written:
                continue
            figures[kind]["changed"] += 1
            figures[kind]["lost" if as_written == item.role else "gained" if as_varied == item.role else "moved"] += 1
            if item.split == "tune":
                changes.append((item, kind, as_written, as_varied))
    return figures, changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", help=f"any of {', '.join(KINDS)} (default: all)")
    parser.add_argument("--split", choices=("tune", "held", "all"), default="all")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args(argv)
    kinds = args.kinds or list(KINDS)
    if unknown := [kind for kind in kinds if kind not in KINDS]:
        parser.error(f"unknown kind {unknown[0]!r}; kinds are {', '.join(KINDS)}")
    for split in (("tune", "held") if args.split == "all" else (args.split,)):
        figures, changes = measure(load(split=split), kinds)
        for kind in kinds:
            f = figures[kind]
            print(f"{split:<5} {kind:<7} varied {f['varied']:4d} changed {f['changed']:3d} "
                  f"(lost {f['lost']}, gained {f['gained']}, moved {f['moved']})")
        if args.show and split == "tune":
            for item, kind, before, after in changes:
                print(f"  [{kind}] {item.id} {before} -> {after} (person: {item.role}): {item.text[:160]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
