"""A line that is only a link ("![image](https://.../dinov2/assets/...png)", "https://github.com/x/y/blob/..."): its
words are the address's (a repository, a path), not a statement of what was done, so it is no evidence for a plan
that shares them. A line with words of its own beside the link ("results with the scheduler: https://...") is read
as before.
"""

from __future__ import annotations

import re

# a markdown image or link (its label and address), then any bare address
_MD_LINK = re.compile(r"!?\[[^\]\n]{0,200}\]\([^)\s]{1,500}\)")
_URL = re.compile(r"\b(?:https?://|www\.)\S{1,500}")
_WORD = re.compile(r"[A-Za-z]{3,}")


def link_only(text: str) -> bool:
    """Whether ``text`` holds a link and, once its links are removed, no word of three letters or more."""
    rest = _URL.sub(" ", _MD_LINK.sub(" ", text))
    return rest != text and _WORD.search(rest) is None
