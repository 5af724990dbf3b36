"""What a line of a note carries besides its words: a date or time stamp, emphasis.

"2024-03-14: tried mixup", "[Mar 14] lr 3e-4 diverged", "10:32 - restarted", "Day 3: added dropout": logs kept
by hand stamp their lines with when something was done; the sentence after the stamp reads as it would on its
own line ("Try X" stays an imperative, "I think ..." a belief). "*mixup* did not help" (Slack's bold),
"_cosine_" (italics): the marks are no part of the words.
"""

from __future__ import annotations

import re

# Month names capitalised and a d/m date with its year: "may 10 - 20 epochs" is no date.
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s{1,3}\d{4})?"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp][Mm])?"
_WEEKDAY = r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]{0,6}\.?,?\s{1,3})?"
_DATE = (rf"(?:\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.](?:\d{{4}}|\d{{2}})|"
         rf"{_DAY}\s{{1,3}}{_MONTH}{_YEAR}|{_MONTH}\s{{1,3}}{_DAY}{_YEAR}|(?:Day|Week)\s{{1,3}}\d{{1,3}})")
_WHEN = rf"(?:{_WEEKDAY}{_DATE}(?:,?\s{{1,3}}(?:at\s{{1,3}})?{_TIME})?|{_TIME})"
# Bracketed, or followed by a colon or a dash; then words (a stamp before a bare number stays: "2024-03-14: 0.91").
_STAMP = re.compile(rf"^(?:[\[(]\s{{0,2}}{_WHEN}\s{{0,2}}[\])]\s{{0,3}}[:\-–—|]?|"
                    rf"{_WHEN}\s{{0,3}}(?::|\s[-–—|]|[-–—|]\s))"
                    r"\s{1,3}(?=[*_`\"'(]{0,3}[^\W\d_]+\b.{3})")


def without_stamp(body: str) -> str:
    """A line's text without the date or time stamp it opens with, when words follow it."""
    return _STAMP.sub("", body, count=1)


# Not a product ("2*3"), a bullet ("* item") or a name in snake case.
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]{1,80}?)(?<=[^\s*])\*(?![\w*])|"
                       r"(?<![\w_])_(?=[^\s_])([^_\n]{1,80}?)(?<=[^\s_])_(?![\w_])")


def without_emphasis(text: str) -> str:
    """The text without the one-star and underscore emphasis marks around its words."""
    return _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
