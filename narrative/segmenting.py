"""Split a brain dump into segments: bullets, table rows, prose sentences.

Structuring and linking both reason per segment ("what does this bullet say, which run is it
about"), so they share one splitter. Work is capped linearly: a huge paste is cut before splitting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from narrative import reading
from narrative.line_marks import without_emphasis, without_stamp

SegmentKind = Literal["line", "bullet", "row", "sentence", "data"]
# What a heading or a label says the text under it is: "## Next", "**Next.** ...", "Open questions:",
# "What I should have done, but didn't:" (counterfactual), "- Idea" / "- Config" / "- Result".
# "progress": the latest day of a dated log, work still under way (a next step that may already have a run).
Section = Literal["", "next", "question", "negative", "positive", "counterfactual", "hypothesis", "config",
                  "result", "conclusion", "done", "cancelled", "progress", "tried", "decision"]

MAX_TEXT_CHARS = 20_000      # beyond this a paste is not a brain dump; the raw text is kept anyway
MAX_SEGMENTS = 400
SHORT_SENTENCE_CHARS = 40    # "why?", "dropping it." belong to the sentence before them
HEADING_CHARS = 70           # a label line ("What didn't work:") is short

_BULLET = re.compile(r"^\s*(?:[-*•·▪‣+]|\d{1,2}[.)]|\[[ xX]\])\s+(?:\[[ xX]\]\s+)?")
_TABLE_SEPARATOR = re.compile(r"^\s*(?:\|\s*)?:?-{2,}")  # not "\s*\|?\s*": one way to split a run (issue 11)
# "###Experiments 11/29:": older markdown wrote headings without the space; two or more marks and a
# letter tell one from an issue number ("#12") or a hashtag.
# A line in Slack's bold ("*Next week goals:*", one star each side) is a heading as "**...**" is.
_SLACK_BOLD_LINE = r"\*(?=[^\s*])[^*]{1,68}(?<=[^\s*])\*\s*:?\s*$"
_HEADING_MARK = re.compile(rf"^(?:#{{1,6}}\s+|#{{2,6}}(?=[A-Za-z])|\*\*|__|(?={_SLACK_BOLD_LINE}))")
# A task-list item: "[ ]" is still to do, "[x]" is done (GitHub's checkboxes, with or without a bullet).
CHECKBOX = re.compile(r"^\s{0,8}(?:[-*+]\s{1,3})?\[(?P<mark>[ xX])\]\s")
_HEADING_ONLY = re.compile(rf"^(?:#{{1,6}}\s+.+|#{{2,6}}[A-Za-z].*|(?:\*\*|__)[^*_]{{1,60}}(?:\*\*|__)\s*:?|"
                           rf"{_SLACK_BOLD_LINE})$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
# Labels by what they announce. Singular "idea" heads the idea of one experiment; "ideas" lists
# things to try later. Matched against the whole label text, lowercased, without marks.
_LABEL_WORDS: tuple[tuple[Section, re.Pattern[str]], ...] = (
    ("question", re.compile(r"^(?:open\s+)?(?:questions?|qs?|issues?|unknowns?|doubts?|puzzles?)"
                            r"(?:\s+(?:for|to)\b.*)?$|^open$|^things\s+i\s+don'?t\s+(?:know|understand)")),
    ("next", re.compile(r"^(?:next(?:\s+(?:steps?|up|week|time|actions?|experiments?))?|plan(?:s|ned)?(?:\s+for\s+.+)?|"
                        r"todos?|to-?dos?|tasks?(?:\s+for\s+.+)?|follow[- ]?ups?|action\s+items?|"
                        r"future(?:\s+work|\s+ideas)?|ideas(?:\s+.*)?|"
                        r"things\s+to\s+try|to\s+try|backlog|tomorrow|remaining|what'?s\s+next|upcoming|"
                        r"next\s+things?\s+to\s+try|(?:as\s+)?(?:an|another|one)\s+(?:more\s+)?idea|ideas?\s+for\s+later|"
                        r"still\s+to\s+(?:do|try)|"
                        # "WIP:", "In progress:", "Ongoing:": work under way is what comes next
                        r"wip|work\s+in\s+progress|in[\s-]progress|ongoing(?:\s+work)?|currently\s+working\s+on|"
                        # "My plan for tomorrow", "Tomorrow's plan", "Plans for next week"
                        r"(?:my|our|the|tomorrow'?s|today'?s|this\s+week'?s|next\s+week'?s)\s+plans?(?:\s+for\s+.+)?|"
                        r"plans?\s+for\s+(?:tomorrow|next\s+week|the\s+next\s+\w+|later|the\s+future)|"
                        r"what\s+(?:do|will|should)\s+(?:i|we|you)\s+do\s+next|"
                        # "Possible solutions to combat overfitting", "Things to check", "Suggestions"
                        r"(?:possible|potential|candidate)\s+(?:solutions?|fix(?:es)?|remed(?:y|ies)|improvements?|"
                        r"next\s+steps?|directions?)(?:\s+.*)?|things\s+to\s+(?:do|check|test|look\s+into)(?:\s+.*)?|"
                        r"suggestions?(?:\s+for\s+.+)?|ideas\s+to\s+try|"
                        # "Improvements to make", "Quick fixes to try", "Improvements for tomorrow"
                        r"(?:\w+\s+)?(?:improvements?|fix(?:es)?|changes?)\s+(?:to\s+(?:make|try|do|test)|"
                        r"for\s+(?:tomorrow|later|next\s+\w+))|"
                        # the steps of an experiment still to run, as a proposal or a task hands them out
                        r"instructions?|proposals?|proposed\s+(?:changes?|experiments?|runs?|plan|setup))$")),
    ("negative", re.compile(r"^(?:avoid(?:\s+for\s+now)?|don'?t\s+(?:do|use|try)|ruled\s+out|abandoned|dropped|"
                            r"what\s+(?:didn'?t|did\s+not|doesn'?t)\s+work|(?:things\s+that\s+)?didn'?t\s+work|"
                            r"dead\s+ends?|negative\s+results?|failures?|"
                            # "Discarded experiments", "Abandoned ideas", "Unsuccessful attempts", "What didn't help"
                            r"(?:failed|discarded|abandoned|dropped|unsuccessful|rejected|scrapped|shelved)(?:\s+"
                            r"(?:attempts?|experiments?|ideas?|approaches?|runs?|things?|tries|directions?|changes?|"
                            r"tricks?))?|what\s+(?:didn'?t|did\s+not|doesn'?t)\s+help|(?:things\s+that\s+)?didn'?t\s+help|"
                            r"what\s+failed|what\s+went\s+wrong|cons|doesn'?t\s+work|"
                            # "Things that didn't pan out this week", "What did not work out"
                            r"(?:things\s+that\s+|what\s+)?(?:didn'?t|did\s+not)\s+(?:pan|work)\s+out(?:\s+\w+){0,3}|"
                            # "Rolled back changes:" lists what was undone because it did not pay off
                            r"(?:rolled|rolling)\s+back(?:\s+(?:changes?|tweaks?))?|reverted(?:\s+(?:changes?|tweaks?))?|"
                            r"roll-?backs?|reverts?|what\s+not\s+to\s+(?:do|try)(?:\s+\w+){0,6})$")),
    ("done", re.compile(r"^(?:done|completed|finished|did|what\s+i\s+did|done\s+(?:today|so\s+far)|so\s+far)$")),
    # "Cancelled:", "Won't do:" list what was decided against, run or not: a decision, neither a plan nor a result
    ("cancelled", re.compile(r"^(?:cancell?ed|scrapped|discarded|rejected|won'?t\s+(?:do|try|fix)|"
                             r"not\s+(?:doing|pursu(?:ed|ing))|decided\s+against)(?:\s+(?:ideas?|items?|tasks?|experiments?|plans?))?$")),
    # "Decision: the finetuned minilm is our reranker": what the team settled on, neither a result nor a plan
    ("decision", re.compile(r"^(?:decisions?|decided|final\s+decision|the\s+decision|call)$")),
    ("positive", re.compile(r"^(?:what\s+(?:worked|works|went\s+well)|(?:things\s+that\s+)?worked|wins|successes|"
                            r"what\s+helped|pros)$")),
    ("hypothesis", re.compile(r"^(?:idea|hypothes[ie]s|motivation|rationale|why|goal|aim|purpose|objectives?|targets?|"
                              r"intuition|premise|"
                              r"expected(?:\s+(?:impact|results?|outcome|effect|gains?|improvement))?|expectations?|"
                              r"predictions?|hopes?|"
                              r"the\s+idea|"
                              r"question\s+being\s+asked|what\s+i'?m\s+testing)$")),
    # "What I tried:", "Attempts:", "Experiment:" head what was run: read like a hypothesis's block (what it tests),
    # but its settings and descriptions name the runs made (a hypothesis's or an idea's name a run to come)
    ("tried", re.compile(r"^(?:experiment|what\s+i\s+tried|tried|attempts?|ran|what\s+i\s+ran)$")),
    ("config", re.compile(r"^(?:configs?|configuration|setup|set-?up|settings?|hyper-?param(?:eter)?s|params?|"
                          r"parameters|changes?|diff|method|approach|what\s+changed|how|model|data|dataset|command|"
                          r"difference\s+.*|"
                          # "Experimental settings", "training setup", "current change": the label qualified
                          r"(?:experimental|experiment|training|train|model|run|current|final|baseline|default|"
                          r"eval(?:uation)?|hardware|optimi[sz]er|environment|env|our|my)\s(?:[\w-]+\s)?"
                          r"(?:configs?|configuration|setup|set-?up|settings?|hyper-?param(?:eter)?s|params|"
                          r"parameters|changes?))$")),
    ("result", re.compile(r"^(?:(?:key|main)\s+(?:results?|findings?|observations?)|results?|findings?|"
                          r"observations?|outcomes?|metrics?|numbers|eval(?:uation)?|"
                          r"scores?|what\s+happened|output)$")),
    ("conclusion", re.compile(r"^(?:conclusions?|takeaways?|lessons?(?:\s+learned)?|learnings?|summary|verdict|"
                              r"why\s+it\s+(?:failed|didn'?t\s+work|worked)|what\s+went\s+wrong|root\s+causes?|"
                              r"key\s+insights?|insights?|"
                              r"discussion|analysis|tl;?dr)$")),
)
# Bold or italic as markdown writes it ("**Next:**") or as Slack does ("*Next:*", "_Next:_").
_INLINE_LABEL = re.compile(
    r"^(?:#{1,6}\s*)?(?:\*\*|__|[*_](?=[a-z]))?\s*(?P<label>[a-z][\w'’ /-]{0,40}?)"
    r"(?:\s*[:—]|\s+[-–]\s|\.(?=\s*(?:\*\*|__|[*_]\s))|(?=\*\*|__|[*_]\s))\s*(?:\*\*|__|[*_](?=\s|$))?\s*"
    r"[:.\-—]?\s*",
    re.IGNORECASE,
)


_BLOCK_SECTIONS = frozenset({"hypothesis", "tried", "config", "result", "conclusion"})
_VERDICT_SECTIONS = frozenset({"negative", "positive", "cancelled"})
_CALLED_OFF_MARK = re.compile(r"^\[[-~]\]\s{1,3}")
# "To try: - Nothing", "Open questions: none": a list item that says the list is empty is no item
_PLACEHOLDER = re.compile(r"^\W{0,4}(?:nothing|none|n/?a|nil|tbd|tba)(?:\s{1,3}(?:yet|for\s{1,3}now|so\s{1,3}far))?"
                          r"\W{0,3}$", re.IGNORECASE)


# "Three things to try", "2 questions", "a few ideas": a count before a label announces the same items.
_COUNT = re.compile(r"^(?:two|three|four|five|six|seven|eight|nine|ten|a\s(?:few|couple(?:\sof)?)|several|"
                    r"some|\d{1,2})\s(?=\S)")


def heading_section(label: str) -> Section | None:
    """What a label announces, or None when it is not one of the labels a notebook uses."""
    text = re.sub(r"[*_#`]", "", label).strip().rstrip(":.-—").strip().lower()
    text = _COUNT.sub("", re.sub(r"\s+", " ", text))
    if not text:
        return None
    if _COUNTERFACTUAL_LABEL.search(text):
        return "counterfactual"
    for section, pattern in _LABEL_WORDS:
        if pattern.match(text):
            return section
    if _VERDICT_LABEL.match(text):
        # "These are the points that lead to a better network learning", "Things that hurt": the
        # label's own verdict is that of every item under it.
        verdict = reading.verdict_of(text)
        if verdict == "worked":
            return "positive"
        if verdict == "did_not_work":
            return "negative"
    return None


_VERDICT_LABEL = re.compile(r"^(?:these\s+are\s+|here\s+are\s+)?(?:the\s+|some\s+)?(?:main\s+|key\s+)?"
                            r"(?:points|things|tricks|changes|ideas|settings|features|tweaks|factors|what)\s+"
                            r"(?:that|which)\b")


# "What I should have done, but didn't", "Would have liked to", "If I had more time": things not done.
_COUNTERFACTUAL_LABEL = re.compile(
    r"\b(?:should|could|would|might)\s*(?:have|'ve|of)\b|\bshould'?ve\b|\bwish\b|\bif\s+i\s+had\b|"
    r"\bnot\s+(?:yet\s+)?(?:done|tried)\b|\bdidn'?t\s+(?:get\s+to|try|do|have\s+time)\b|\bnever\s+tried\b|"
    r"\bwith\s+more\s+time\b|\bin\s+hindsight\b"
)


def _label(line: str) -> tuple[Section, str, bool] | None:
    """(section, the rest of the line, whether it is a heading) when ``line`` starts with a label."""
    marked = bool(_HEADING_MARK.match(line))
    bare = re.sub(r"^#{1,6}\s*", "", line).strip()
    whole = bare.strip("*_ ").rstrip(":;").strip()
    # A whole line that is a label: "## Next", "Open questions:", "- Idea", "What I should have done:"
    # (a list's lead-in may end in ";" too: "What not to do as first steps includes;").
    ends_as_label = bare.endswith((":", ";"))
    if len(bare) <= HEADING_CHARS and (marked or ends_as_label or heading_section(whole) is not None):
        section = heading_section(whole)
        # "3) My plan for tomorrow." is a label too: a short line that is nothing but one.
        if section is not None and (marked or ends_as_label or len(whole.rstrip(".").split()) <= 5):
            return section, "", True
    match = _INLINE_LABEL.match(line)
    if not match:
        return None
    section = heading_section(match.group("label"))
    if section is None:
        return None
    rest = line[match.end():].strip().strip("*_").strip()
    if not rest:
        return section, "", True
    return section, rest, False


# Pasted machine output: timestamps and log levels, progress bars (certain), and lines whose shape
# is a log's ("iteration 7000/ 159576 | consumed samples: ...", key=value dumps, code) unless they read
# as prose.
_LOG_PREFIX = re.compile(
    r"^\s*(?:\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|\[?\d{2}:\d{2}:\d{2}|\[(?:INFO|WARN\w*|DEBUG|ERROR)\b|"
    r"(?:INFO|WARNING|DEBUG|ERROR)\s*[:\]\-]|>>>|\$ |Traceback|File \")"
    # a run of digits, bars or "=" is entered at its start only: linear on any paste (issue 11)
    r"|(?<!\d)\d+%\|[█▉▊▋▌▍▎▏ #=>.-]*\||(?<![█▉▊▋▌▍▎▏])[█▉▊▋▌▍▎▏]{2,}|(?<!=)={6,}>|"
    r"\[\d+:\d{2}(?::\d{2})?<\d+:\d{2}|\d(?:s/it|it/s)\b",
)
_LOG_SHAPE = re.compile(
    r"\b(?:iter(?:ation)?|epoch|step|batch)\s*[\[:]?\s*\d+\s*/\s*\d+|\s\|\s.*\s\|\s", re.IGNORECASE)
_KEY_NUMBER = re.compile(r"[a-z_][\w /().@-]{0,30}?\s*[:=]\s*[-+]?(?:\d|\.\d|nan|inf)", re.IGNORECASE)
_CODE_LINE = re.compile(
    r"^\s*(?:(?:import|from)\s+\w+[\w.]*(?:\s+import\b|\s*$)|def\s+\w+\(|class\s+\w+[(:]|return\b|"
    r"(?:python|python3|pip|torchrun|accelerate|deepspeed|bash|sh|cd|export|CUDA_VISIBLE_DEVICES=\S*)\s+\S|"
    r"[\w.]+\s*=\s*[\w.]+\(.*\)\s*$|[{}\[\]]\s*,?\s*$|\w+\(.*\)\s*;?\s*$|--[\w-]+(?:[= ]\S+)?\s*\\?$)"
)
_PROSE_WORD = re.compile(r"^[A-Za-z][a-z]{2,}[,.;!?]?$")


# A note pasted from a source file keeps the file's comment leader on every line ("% Try 12 ...",
# "// lr 3e-4 diverged"): the words are behind it. "#" is left alone: it is markdown's heading mark.
_COMMENT_LEADER = re.compile(r"^[ \t]{0,8}(?:%{1,8}|/{2,8})(?: |$)")
COMMENTED_SHARE = 0.8        # the leader must be on nearly every line to be the paste's, not a word's


def _strip_comment_leaders(lines: list[str]) -> list[str]:
    """Lines without the comment leader a pasted comment block carries on each of them."""
    filled = [line for line in lines if line.strip()]
    led = sum(1 for line in filled if _COMMENT_LEADER.match(line))
    if len(filled) < 3 or led < COMMENTED_SHARE * len(filled):
        return lines
    return [_COMMENT_LEADER.sub("", line, count=1).rstrip() for line in lines]


# A line that only dates what follows: "Try 9 (24 July 2023).", "### 5-9 Avani", "2019-7-26",
# "Day 3 - June 4". It names and dates a section; it states nothing (and "Try 9" is no plan).
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (rf"(?:{_DAY}\s+{_MONTH}(?:,?\s+\d{{4}})?|{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?|"
         r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/]\d{1,2}(?:[-/]\d{2,4})?)(?:,?\s+\d{1,2}:\d{2})?")
_DATELINE_NAME = r"(?:[A-Z][a-z]{1,20}|[A-Za-z][\w-]{0,20}\s{1,3}#?\d{1,4}[a-z]?)"
_DATELINE = re.compile(
    rf"^(?:{_DATELINE_NAME}\s{{0,3}}(?:[-–—:,]\s{{0,3}})?\(?{_DATE}\)?|{_DATE}\s{{0,3}}(?:[-–—:,]\s{{0,3}})?"
    rf"(?:{_DATELINE_NAME})?)\s{{0,3}}[.:]?$",
    re.IGNORECASE,
)


def is_dateline(line: str) -> bool:
    """Whether a line is only a section's name and date (a heading that states nothing)."""
    text = re.sub(r"^(?:#{1,6}\s+|#{2,6}(?=\w))|[*_]", "", line.strip()).strip()
    return len(text) <= HEADING_CHARS and bool(_DATELINE.match(text)) and _label(text) is None


# "In the first model, I changed `batch_size: 64` and `lr_rate: 5e-5`": the writer telling what they changed, however
# many settings the sentence quotes (machine output has no "I changed")
_WRITER_CHANGED = re.compile(r"(?:^|[,;.]\s{1,3})(?:I|[Ww]e)\s{1,3}(?:have\s{1,3}|had\s{1,3}|also\s{1,3}|then\s{1,3})?"
                             r"(?:[a-z]{2,20}ed|set|put|ran)\b")


def _reads_as_prose(line: str) -> bool:
    """Whether a line is mostly words in sentences (a person's) rather than fields and values."""
    tokens = line.split()
    words_in = sum(1 for t in tokens if _PROSE_WORD.match(t))
    sentence_breaks = len(re.findall(r"[a-z][.;!?]\s+[A-Za-z]|[a-z],\s+[a-z]", line))
    if words_in >= 3 and _WRITER_CHANGED.search(line[:200]):
        return True
    return words_in >= 6 and (words_in >= 0.5 * len(tokens) or sentence_breaks >= 1)


def is_data_line(line: str) -> bool:
    """Whether a line is pasted machine output or code rather than something the person wrote."""
    stripped = line.strip()
    if not stripped:
        return False
    if _LOG_PREFIX.search(stripped):
        return True
    pairs = len(_KEY_NUMBER.findall(stripped))
    letters = sum(ch.isalpha() for ch in stripped)
    # Long runs of numbers and symbols; a short "`w=0.5` -> .265" is the person's own shorthand.
    mostly_symbols = len(stripped) >= 40 and letters < 0.25 * len(stripped)
    shaped = (bool(_LOG_SHAPE.search(stripped)) or bool(_CODE_LINE.match(stripped)) or pairs >= 3
              or (pairs >= 2 and "|" in stripped) or mostly_symbols)
    return shaped and not _reads_as_prose(stripped)


_WRAP_END = re.compile(r"[.!?:;)\]]\s*$|[\u2600-\U0001faff]\s*$")


_OPEN_END = re.compile(
    r"(?:,|\b(?:and|or|but|the|a|an|of|to|in|on|at|for|with|from|by|that|which|than|as|is|was|were|are|"
    r"be|it|its|this|these|my|our|we|i|so|because|when|if|into|over|about|after|before|between|like|"
    # a modal or an auxiliary never ends a sentence: "I might\nreintroduce seq blocks" is one
    r"might|may|could|would|should|will|can|must|shall))\s*$",
    re.IGNORECASE,
)


def _wrapped(previous: str, following: str) -> bool:
    """Whether a line stops where an editor wrapped it rather than where its author ended it."""
    if _OPEN_END.search(previous[-40:]):
        return len(previous) >= 25
    # A long line that ends on a word and a next line that goes on in lower case: the wrap column
    # cut a sentence.
    # Not after a number: "-> .372, noise is ~.001" / "retrieval is done" are two sentences of a writer in lower case.
    return (len(previous) >= 60 and bool(re.search(r"[A-Za-z'’\"-]$", previous[-2:]))
            and bool(re.match(r"[a-z(]", following)))


_WRAPPED_TAIL = re.compile(r"^[a-z][\w' -]{0,40}[.!?]$")


def rejoin(lines: list[str]) -> list[tuple[int, str]]:
    """Lines as written, with hard-wrapped prose and bullet continuation lines joined back.

    A line is a continuation of the one before when both are prose, the one before is long (an
    editor's wrap) or is a bullet whose text goes on indented, and it does not end a sentence.
    """
    joined: list[tuple[int, str]] = []
    previous_open = False       # the last kept line may go on on the next line
    previous_bullet_indent = -1
    in_fence = False
    for number, raw in enumerate(lines):
        stripped = raw.strip()
        if _FENCE.match(stripped):
            in_fence = not in_fence
            joined.append((number, raw))
            previous_open = False
            continue
        if in_fence or not stripped:
            joined.append((number, raw))
            previous_open = False
            continue
        indent = len(raw) - len(raw.lstrip())
        structural = (bool(_BULLET.match(stripped)) or (stripped.endswith(":") and len(stripped) <= HEADING_CHARS)
                      or stripped.startswith(("|", "#", ">"))
                      or bool(_HEADING_ONLY.match(stripped)) or is_data_line(stripped)
                      # "... with the same" / "results.": a word in lower case ending the sentence is no label
                      or (_label(stripped) is not None and not _WRAPPED_TAIL.match(stripped)))
        continues_bullet = previous_bullet_indent >= 0 and indent > previous_bullet_indent and not structural
        if not structural and (continues_bullet or (previous_open and _wrapped(joined[-1][1].strip(), stripped))):
            prev_number, prev_text = joined[-1]
            joined[-1] = (prev_number, f"{prev_text.rstrip()} {stripped}")
        else:
            joined.append((number, raw))
            previous_bullet_indent = indent if _BULLET.match(stripped) else (
                previous_bullet_indent if continues_bullet else -1)
        current = joined[-1][1].strip()
        previous_open = (not is_data_line(current) and not current.startswith(("|", "#"))
                         and not _WRAP_END.search(current) and _label(current) is None)
    return joined


# A sentence ends at . ! ? (not a decimal point, not "vs.", "e.g.") followed by whitespace.
# Typed fast, a sentence may start right after the period ("went down soon.The valid loss"): a word
# of two letters or more, the mark, then a capitalised word (not "e.g.", "train.py" or "0.5").
_SENTENCE_END = re.compile(r"(?<![\s(])(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\bw/o)[.!?]+(?=\s+\S)|"
                           r"(?<=[a-z]{2})[.!?](?=[A-Z][a-z])")


@dataclass
class Segment:
    text: str
    kind: SegmentKind
    line: int
    cells: list[str] = field(default_factory=list)      # table rows: the cells
    header: list[str] = field(default_factory=list)     # table rows: the header cells
    section: Section = ""                               # the heading or label it sits under

    @property
    def lower(self) -> str:
        return self.text.lower()


# Markdown's backslash escapes (`\~130`, `\*`, `fp\_16`) as notes copied from a rendered page carry them:
# the character is meant, the backslash is not (a value after it would not read as one).
_MARKDOWN_ESCAPE = re.compile(r"\\([~*_#\[\](){}|+\-.!<>`])")


# Full-width punctuation (notes typed with a Chinese or Japanese input method: "我试了 dropout，没有用。Val loss went
# up！") ends sentences and clauses as its ASCII twin does, with no space after it: read as the twin and a space.
_FULL_WIDTH = str.maketrans({"。": ". ", "．": ". ", "！": "! ", "？": "? ", "；": "; ", "，": ", ", "：": ": ",
                             # an editor's curled quotes ("didn’t", “fp16”) say what straight ones say
                             "’": "'", "‘": "'", "“": '"', "”": '"'})


def clean(text: str) -> str:
    """Printable text only (binary junk becomes spaces), without markdown escapes, full-width punctuation and curled
    quotes read as ASCII, cut to ``MAX_TEXT_CHARS``."""
    cut = _MARKDOWN_ESCAPE.sub(r"\1", text[:MAX_TEXT_CHARS]).translate(_FULL_WIDTH)
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in cut)


# "No perceptual or adversarial loss.", "Without augmentation.": a thing said absent, with no verb of its own, is
# not done; "No improvement from dropout", "no NaNs" report how something done went
ABSENT = re.compile(r"^\W{0,8}(?:no|without|w/o)\s{1,3}(?!(?:real|big|clear|obvious|significant|noticeable|"
                    r"improvement|gain|change|difference|luck|effect|impact|benefit|boost|better|worse|success|"
                    r"progress|help|issues?|problems?|nans?|errors?|crash\w{0,3}|diverg\w{0,4}|overfit\w{0,4})\b)"
                    r"[a-z][\w\-]{0,30}(?:\s{1,3}(?:or|and|[\w\-]{1,30})){0,5}\W{0,3}$", re.I)
_TAIL_START = re.compile(
    r"^(?:it|it's|its|that|that's|this|so|but|not|no|nope|which|still|too|both|also|and|why|dropping|"
    r"same|then|though|again|hence|thus|meh|ok|okay|yes|yeah|huh|sadly|nice|great)\b",
    re.IGNORECASE,
)


_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]{1,400}")


def split_sentences(line: str) -> list[str]:
    parts: list[str] = []
    start = 0
    # A link's dots and query marks end no sentence ("RF(https://scikit-learn.org/...ensemble.Random").
    links = [m.span() for m in _URL.finditer(line)]
    for match in _SENTENCE_END.finditer(line):
        if any(a <= match.start() < b - 1 for a, b in links):
            continue
        parts.append(line[start : match.end()].strip())
        start = match.end()
    parts.append(line[start:].strip())
    merged: list[str] = []
    for part in parts:
        if not part:
            continue
        # A short tail ("why?", "dropping it.") is a comment on the sentence before it; a short
        # sentence with its own subject ("Mixup doesn't lead to better results.") stands alone.
        if (merged and len(part) < SHORT_SENTENCE_CHARS and (len(part.split()) <= 3 or _TAIL_START.match(part))
                and not ABSENT.match(part)):  # "No perceptual loss." says what was left out: a sentence
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def split_segments(text: str) -> list[Segment]:
    """Segments of ``text`` in reading order."""
    segments: list[Segment] = []
    header: list[str] = []
    in_table = False
    in_fence = False
    section: Section = ""           # set by a heading line, kept for the lines under it
    section_marked = False          # a markdown heading keeps its section across blank lines
    label_indent = -1               # the indent of a bullet label ("- Results:") whose block is open
    outer: tuple[Section, bool] = ("", False)   # the section that block interrupts
    lines = rejoin(_strip_comment_leaders(clean(text).splitlines()))
    # a page copied with markdown's escapes ("\\*more\\*") writes its literal stars escaped: none is emphasis
    plain_stars = not re.search(r"\\[*_]", text[:MAX_TEXT_CHARS])
    for position, (number, raw_line) in enumerate(lines):
        line = raw_line.strip()
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            # Code and pasted output inside a fence: data to read numbers and run names from.
            if line:
                segments.append(Segment(line, "data", number, section=section))
            continue
        if not line:
            in_table = False
            if label_indent >= 0:
                (section, section_marked), label_indent = outer, -1
            elif not section_marked:
                section = ""
            continue
        if line.startswith("|") and line.count("|") >= 2:
            if _TABLE_SEPARATOR.match(line.strip("|").strip()) or set(line) <= set("|-: "):
                continue
            if not in_table:
                header, in_table = [h.lower() for h in _cells(line)], True
                continue
            segments.append(Segment(line, "row", number, cells=_cells(line), header=header))
            continue
        in_table = False
        if is_data_line(line) or is_dateline(line):
            # A dateline heads a new section: what it follows no longer scopes the lines under it.
            if is_dateline(line):
                section, section_marked = "", False
            segments.append(Segment(line, "data", number, section=section))
            continue
        is_bullet = bool(_BULLET.match(line))
        body = without_stamp(_BULLET.sub("", line) if is_bullet else line)
        indent = len(raw_line.expandtabs(4)) - len(raw_line.expandtabs(4).lstrip())
        if is_bullet and 0 <= indent <= label_indent:
            # "- Current results:" labels the items indented under it; its next sibling ends the block
            # ("- Thinking of ideas:" after it is no result).
            (section, section_marked), label_indent = outer, -1
        line_section = section
        labelled = _label(body)
        if (labelled and is_bullet and labelled[2] and labelled[0] in _VERDICT_SECTIONS
                and not body.rstrip("*_ ").endswith((":", ";")) and not _sublist_follows(lines, position)):
            # "Tried cutmix" / "- Didn't help": a bullet saying a verdict, with no colon and no items of its own,
            # judges the line above; "- What didn't help:" over its items labels them
            labelled = None
        if labelled is None and not is_bullet and _heads_a_list(body, lines, position):
            labelled = (heading_section(body) or "", "", True)
        if (labelled is None and is_bullet and body.endswith(":") and len(body.split()) <= 3
                and _sublist_follows(lines, position)):
            # "- K-Best:" over its own indented items names what they are about (a variant, a task);
            # it states nothing itself, and "best" in a name is no verdict.
            segments.append(Segment(body, "data", number, section=section))
            continue
        if labelled is None and not is_bullet and body.endswith(":") and _list_follows(lines, position):
            # "Factorized noise v1 converges badly. Will try:" - the words before the list say what the
            # list is; the sentences before them stand on their own.
            before, lead_in = _lead_in(body)
            for sentence in split_sentences(before) if before else []:
                segments.append(Segment(sentence, "sentence", number, section=line_section))
            section, section_marked = _section_of_lead_in(lead_in, section), False
            continue
        if labelled:
            label_section, rest, heading = labelled
            if heading:
                # A markdown heading holds across blank lines; a plain "Next:" line holds for its
                # paragraph and the list under it; "Experiment:" or "- Result" only for their block.
                if is_bullet:
                    outer, label_indent = (outer if label_indent >= 0 else (section, section_marked)), indent
                else:
                    label_indent = -1  # "Next" on its own line ends a bullet label's block: its items are next
                section = label_section
                section_marked = bool(_HEADING_MARK.match(body)) or (
                    not is_bullet and label_section not in _BLOCK_SECTIONS)
                continue
            body, line_section = rest, label_section
        elif _HEADING_ONLY.match(body):
            # Another heading ends the section ("# DONE" after "# TODO", "### Exp18" after "- Result");
            # a heading that is a condition or a plan ("### If label smoothing fails") opens one.
            section, section_marked, line_section = _section_of_heading(body), False, ""
            if section:
                section_marked = True
                continue
        if re.fullmatch(r"~~.+~~", body):
            # A struck-through item of a to-do list is one that was done.
            body, line_section = body.strip("~").strip(), "done"
        if _PLACEHOLDER.match(body):
            continue
        # "- [-] Try dropout": the mark of an item called off is no word of it (what it means is left to the
        # heading it sits under: it is a partly done item in some notebooks)
        body = _CALLED_OFF_MARK.sub("", body)
        box = CHECKBOX.match(line)
        if box and line_section not in _VERDICT_SECTIONS:
            # The box says what the item is whatever heading it sits under: "- [x] X" was done, "- [ ] X"
            # is still to do (asked, it is an open question: the "next" reading keeps those apart)
            # unless it reports how something went ("- [ ] NOT WORK YET, it needs an old Caffe").
            if box.group("mark") in "xX":
                line_section = "done"
            elif line_section not in {"question", "counterfactual"} and reading.verdict_of(body) is None:
                line_section = "next"
        unbolded = body.replace("**", "")
        pieces = _labelled_pieces(without_emphasis(unbolded) if plain_stars else unbolded, line_section)
        if labelled and len(pieces) == 1:
            # "Three things to try: 1) mixup 2) cutout": the label's items, numbered on its own line.
            pieces = [(item, line_section) for item in _numbered_items(pieces[0][0])]
            is_bullet = is_bullet or len(pieces) > 1
        for piece, piece_section in pieces:
            sentences = split_sentences(piece)
            for sentence in sentences:
                kind: SegmentKind = "bullet" if is_bullet else ("sentence" if len(sentences) > 1 else "line")
                segments.append(Segment(sentence, kind, number, section=piece_section))
        if len(segments) >= MAX_SEGMENTS:
            break
    _read_days(segments[:MAX_SEGMENTS])
    return segments[:MAX_SEGMENTS]


# A plan said as one (a future, an intention, a time to come), not only an imperative item of a day's list.
_SAID_PLAN = re.compile(r"\b(?:will|'ll|going\s+to|gonna|wants?|plan\w*|needs?|tomorrow|next|later|let'?s|should|"
                        r"to-?do|try|maybe|perhaps|might|could)\b", re.IGNORECASE)
_DAY_RESULT = re.compile(r"[:=]\s{0,3}[-+~\[(]?\d|\d\s{0,2}%|^\W{0,4}[a-z]+ed\b", re.IGNORECASE)


def _read_days(segments: list[Segment]) -> None:
    """A work log of dated days ("## 2020/09/14 Mon.", "Day 3 - June 4") lists each day's work as bare items
    ("Apply CMVN on acoustic features", "Loading pb model in C++ code"). Under an earlier day such an item was
    done that day, whatever its grammar: a thing tried. Under the latest day it is what the writer is still
    on when the log ends: work in progress, what comes next. An item that states its outcome stays a report."""
    dates = [i for i, s in enumerate(segments) if s.kind == "data" and is_dateline(s.text)]
    if len(dates) < 2:
        return
    days: list[list[int]] = []
    for start, end in zip(dates, [*dates[1:], len(segments)], strict=True):
        items = []
        for index in range(start + 1, end):
            segment = segments[index]
            if segment.kind == "line" and _HEADING_MARK.match(segment.text):
                break  # "## Week 3 Summary" closes the day
            if segment.kind == "bullet" and not segment.section and len(segment.text.strip(" *-.")) > 2:
                items.append(index)
        days.append(items)
    days = [d for d in days if d]
    for position, items in enumerate(days):
        latest = position == len(days) - 1
        for index in items:
            text = segments[index].text
            if reading.verdict_of(text) is not None or _DAY_RESULT.search(text) or _SAID_PLAN.search(text):
                continue
            mode = reading.modality(text)
            if latest and mode in ("asserted", "planned", "hedged"):
                segments[index].section = "progress"
            elif not latest and mode in ("asserted", "planned"):
                segments[index].section = "done"


def _list_follows(lines: list[tuple[int, str]], position: int) -> bool:
    following = next((text.strip() for _, text in lines[position + 1:] if text.strip()), "")
    return bool(_BULLET.match(following))


def _sublist_follows(lines: list[tuple[int, str]], position: int) -> bool:
    """Whether the next item is a bullet indented deeper than the bullet at ``position``."""
    here = lines[position][1]
    following = next((text for _, text in lines[position + 1:] if text.strip()), "")
    indent = len(here.expandtabs(4)) - len(here.expandtabs(4).lstrip())
    deeper = len(following.expandtabs(4)) - len(following.expandtabs(4).lstrip())
    return bool(_BULLET.match(following.strip())) and deeper > indent


def _lead_in(body: str) -> tuple[str, str]:
    """(what comes before, the clause that introduces the list) of a line ending with ":"."""
    pieces = [m.end() for m in _SENTENCE_END.finditer(body)]
    start = pieces[-1] if pieces else 0
    turn = [m.end() for m in re.finditer(r",?\s+but\s+|;\s+|,\s+(?=so\s+far|now|then)", body[start:])]
    if turn:
        start += turn[-1]
    before = re.sub(r"(?:,|;|\s)+(?:but|and|so)?\s*$", "", body[:start]).strip(" ,;")
    return before, body[start:].strip()


def _section_of_lead_in(lead_in: str, current: Section) -> Section:
    """What a lead-in announces: things to do ("Will try:", "Still need to be implemented:"), things
    not done ("What I should have done:"), questions, or done work (no section)."""
    known = heading_section(lead_in)
    if known is not None:
        return known
    mode = reading.modality(lead_in.rstrip(":"))
    if mode == "counterfactual":
        return "counterfactual"
    if mode in {"planned", "wished", "conditional"}:
        return "next"
    if mode == "question":
        return "question"
    return "" if current in _BLOCK_SECTIONS else current


def _section_of_heading(heading: str) -> Section:
    """The section an unlabelled heading opens: conditions and stated plans hold next steps, things
    not done hold counterfactuals; anything else ("### Exp18", a date, "### Strategies to handle X")
    opens none."""
    text = re.sub(r"^#{1,6}\s*|[*_]", "", heading).strip().rstrip(":")
    mode = reading.modality(text)
    if mode == "counterfactual":
        return "counterfactual"
    if mode == "conditional" or re.search(r"\b(?:will|tomorrow|next|plan(?:s|ned)?|to-?do|future|later)\b", text,
                                          re.IGNORECASE):
        return "next"
    return ""


def _heads_a_list(body: str, lines: list[tuple[int, str]], position: int) -> bool:
    """A short unpunctuated line of a known label kind right above a list is that list's heading
    ("What I should have done, but didn't" over its bullets)."""
    if len(body) > HEADING_CHARS or body.rstrip().endswith((".", "!", "?")) or heading_section(body) is None:
        return False
    following = next((text.strip() for _, text in lines[position + 1:] if text.strip()), "")
    return bool(_BULLET.match(following))


# A label in capitals inside a line sets the role of what follows it on that line ("Ran the baseline
# again. QUESTION: is the tokenizer the issue?", "loss flat TODO: check the loader"). A capitalised word
# ("... noise. Next: check how stable X is", "Open: the set isn't versioned, need to snapshot it") is
# prose's own lead-in and is read with its sentence.
_LABEL_INSIDE = re.compile(r"(?<=\s)(?P<label>[A-Z]{2,15}(?: [A-Z]{2,15}){0,2})\s{0,2}:(?=\s)")


def _labelled_pieces(body: str, section: Section) -> list[tuple[str, Section]]:
    """``body`` cut where a label inside it starts, each piece with the section its label announces."""
    pieces: list[tuple[str, Section]] = []
    start, current = 0, section
    for match in _LABEL_INSIDE.finditer(body):
        announced = heading_section(match.group("label"))
        if announced is None:
            continue
        pieces.append((body[start:match.start()].strip(), current))
        start, current = match.end(), announced
    pieces.append((body[start:].strip(), current))
    return [(text, where) for text, where in pieces if text]


# An item number inside a line ("1) mixup 2) cutout", "(1) rerun, (2) try mixup"): at a word's start.
_ITEM_NUMBER = re.compile(r"(?:^|(?<=\s))\(?(?P<n>\d{1,2})[.)]\s{1,3}(?=\S)")


def _numbered_items(text: str) -> list[str]:
    """The items of a list written on one line, numbered 1, 2, ... from its start; else the line."""
    marks = list(_ITEM_NUMBER.finditer(text))
    if len(marks) < 2 or marks[0].start() != 0 or [int(m.group("n")) for m in marks] != list(
            range(1, len(marks) + 1)):
        return [text]
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [item for m, end in zip(marks, ends, strict=True) if (item := text[m.end():end].strip(" ,;"))]
