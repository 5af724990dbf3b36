"""Read one sentence the way a careful colleague would: its role, its polarity and its modality.

A brain dump mixes what was done and what came out of it with what the person wants, fears, plans,
would have done, or does under a condition. Only asserted, past or present statements are results
and conclusions; a plan, a wish, a conditional or a counterfactual is at most a next step. A negated
success ("hasn't helped at all", "was unable to get a boost") is a failure; a superlative used as a
name ("worst concave points dominates") or a rank denied ("not the best") is no verdict at all.

The cue lists here are English grammar (negators, modal verbs, tense markers, hedges), not phrases of
any scenario; verdict words themselves come from ``narrative.lexicon``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from narrative import doubts, forecasts, lexicon, naming_words, next_split, progress, purposes, shortfalls, troubles
from narrative.asking import asks_whether, check_start, favour_asked
from narrative.metric_moves import SETTING_MOVE, metric_moves
from narrative.suggestions import suggested

# A sentence longer than this is a paste, not a sentence: only its start is read (keeps work linear).
MAX_READ_CHARS = 600

Role = Literal["hypothesis", "observation", "result", "conclusion", "plan", "question", "decision"]
Polarity = Literal["positive", "negative", "neutral", "mixed"]
Modality = Literal["asserted", "hedged", "planned", "wished", "counterfactual", "conditional", "question"]
Verdict = Literal["worked", "did_not_work", "inconclusive"]

# --- negation and its scope --------------------------------------------------------------------

# A negator flips the verdict word that follows it inside a few words ("hasn't helped at all",
# "doesn't lead to better results", "was unable to get a significant boost over Adam").
_NEGATOR = (
    r"(?:\bnot\b|n't\b|n’t\b|\bnever\b|\bnor\b|\bunable\s+to\b|\bfail(?:s|ed)?\s+to\b|"
    r"\bcannot\b|\bcant\b|\bdidnt\b|\bdoesnt\b|\bwasnt\b|\bisnt\b|\bhasnt\b|\bhavent\b|\bwont\b|"
    r"\bhardly\b|\bbarely\b|\bneither\b|\bnone\s+of\b|\b(?:does|did|do|is|was|has|have)'t\b)"
)
_SCOPE_WORDS = 5             # how far a negator reaches: "not (lead to any) better"
_POSITIVE_WORDS = (
    r"help\w*|work(?:s|ed|ing)?|improv\w*|better|boost\w*|gain\w*|lift\w*|win(?:s|ning|ner|ners)?|beat\w*|benefit\w*|good|great|"
    r"useful|effective|matter\w*|chang\w*|move\w*|budge\w*|converg\w*|learn\w*|promising|"
    r"perform\w*\s+(?:as\s+|so\s+|that\s+|very\s+)?well|as\s+(?:well|good)|"
    r"success\w*|outperform\w*|fix\w*|solv\w*|worth|utility|happy|pleased|satisfied|"
    r"(?:train|learn|converg)\w{0,3}\s+(?:really\s+|very\s+|that\s+|so\s+)?(?:well|nicely|properly)|now\s+able|pass(?:es)?\s+now|"
    r"close\s+to|match(?:es|ed)?\s+(?:the\s+|what\s+)?(?:paper|reported|published|official)"
)
_NEGATED_POSITIVE = re.compile(
    rf"{_NEGATOR}(?!\s+(?:just|only|merely|necessarily|even|always)\b)(?:\s+[\w'’\-]+){{0,{_SCOPE_WORDS}}}?"
    rf"\s+(?:{_POSITIVE_WORDS})\b", re.IGNORECASE
)
# Direct evaluative words the lexicon's verdict cues leave out ("worked really bad", "performs poorly").
_BAD_WORDS = re.compile(
    r"\b(?:bad(?:ly)?|poor(?:ly)?|terribl[ey]|awful(?:ly)?|horribl[ey]|disappoint\w*|underwhelm\w*|"
    r"struggl\w*|refuses? to|stuck|fail(?:s|ed)?\s+(?:to|using|with)|unable\s+to|(?:can'?t|cannot|couldn'?t|"
    r"(?:can|could)\s+(?:only\s+)?barely|barely)\s+(?:seem\s+to\s+)?"
    r"(?:even\s+)?(?:produce|generate|get|reach|learn|converge|fit|match|beat|reproduce|generali[sz]e)|"
    r"unstable|garbage|worthless|pointless|no good|imped\w*|hamper\w*|hinder\w*|ruin\w*|"
    # "This is my own fault, as I made that the reward function. Oops!": an error owned is a choice that failed
    r"(?<!not )(?<!n't )(?<!no )(?:my|our)\s{1,3}(?:own\s{1,3})?(?:fault|mistake|bad)|oops|whoops|"
    r"messed\s{1,3}(?:it\s{1,3}|things\s{1,3})?up|"
    r"(?:was|is)\s{1,3}a\s{1,3}(?:big\s{1,3}|silly\s{1,3}|stupid\s{1,3}|dumb\s{1,3})?mistake|"
    # "the high end is still giving me trouble", "it caused problems"
    r"(?:giv|caus)(?:es|e|ing|ed)\s{1,3}(?:me\s{1,3}|us\s{1,3})?(?:some\s{1,3}|a\s{1,3}lot\s{1,3}of\s{1,3}|lots\s{1,3}of\s{1,3})?"
    r"(?:trouble|problems|issues)|gave\s{1,3}(?:me\s{1,3}|us\s{1,3})?(?:some\s{1,3})?(?:trouble|problems|issues)|"
    r"destabili[sz]\w*|(?:difficult|hard|impossible)\s+to\s+(?:train|tune|converge|reproduce)|"
    r"overflow\w*|underflow\w*|exploding\s+gradients?|abandon\w*|rejected|refuted|falsified|disproven|"
    r"not\s+supported|(?:doesn'?t|does\s+not|didn'?t)\s+hold|"
    r"too\s+(?:high|low|large|small|big|slow|aggressive|weak|strong|noisy|short|long|few|many|much|little)\b|"
    r"(?:little|minimal|negligible|marginal|no(?:\s+(?:real|visible|noticeable|measurable|significant|clear|obvious))?)"
    r"\s+(?:effect|impact|influence)|"
    r"not\s+(?:really\s+|very\s+|that\s+|so\s+|too\s+|particularly\s+|at\s+all\s+)?(?:great|good|helpful|useful|"
    r"effective|well|promising|appropriate|ideal|encouraging|impressive|satisfactory|convincing)|"
    r"didn'?t (?:do|change|move|budge) (?:much|anything)|(?:not|\w{1,6}n'?t)\s+(?:that|very|much|"
    r"really|so)\s+different\s+from|"
    # "L1Loss is not making much difference either"
    r"(?:not|n't|never)\s+(?:\w+\s+){0,2}?mak(?:e|es|ing)\s+(?:much\s+|any\s+|a\s+|a\s+big\s+|a\s+real\s+|a\s+"
    r"significant\s+)?difference|made\s+no\s+(?:\w+\s+)?difference|"
    # "T2STIR model still not training", "Not training as of epoch 22": a model that does not train;
    # "not training the backbone" is a setup, not an outcome.
    r"(?:not|n't|never|no\s+longer|stopped|stops)\s+(?:really\s+|even\s+|properly\s+)?training\b"
    r"(?!\s+(?:the|a|an|it|on|with|my|our|this|that|for|from|of|in)\b)|"
    # "tried both static and dynamic loss scaling, with the same results": nothing changed
    r"(?:with|got|get|gets|gives?|gave|had|has|have|hit|see|saw)\s+(?:exactly\s+|basically\s+)?the\s+same\s+(?:\w+\s+)?"
    r"(?:results?|problem|issue|error|behaviou?r|outcome|crash|nans?)\b|degrad\w*|"
    r"flat-?lin\w*|no\s+signs?\s+of\s+(?:\w+\s+){0,3}?(?:improv\w*|progress|learning|training|convergence|"
    r"going\s+down|decreas\w*|life)|"
    # "loss is nan", "the train loss met nan", "suddenly throw out nan": a run that broke numerically.
    r"(?:is|are|was|were|becomes?|became|goes\s+to|went\s+to|go\s+to|turns?\s+(?:in)?to|gets?|got|met|"
    r"throws?\s+out|throw\s+out|outputs?|returns?|gives?|getting|giving)\s+(?:a\s+)?`?(?:nan|inf)s?`?(?![\w-])|"
    r"(?:nan|inf)\s+(?:loss|values?|gradients?)|"
    # "but the problem persists", "the gap remains": what was done left the trouble where it was.
    r"(?:problem|issue|error|bug|gap|overfitting|instability|collapse|mismatch|artifacts?|artefacts?|nan)s?\s+"
    r"(?:will\s+)?(?:still\s+)?(?:persists?|persisted|remains?|remained|is\s+still\s+there|still\s+(?:occurs?|happens?|"
    r"exists?|appears?|shows?\s+up))|"
    r"(?:not|n't|never|stopped|stops)\s+learn(?:ing|s|ed)?|"
    r"(?:stopped|stops|ceased|quit)\s+(?:improv\w*|getting\s+better|helping|working|converg\w*|progress\w*)|"
    r"no (?:significant|noticeable|real|meaningful|measurable) (?:\w+ )?(?:boost|gain|change|difference|"
    r"improvement|effect|impact))\b",
    re.IGNORECASE,
)
# Qualities one wants more of: "less intelligible", "not as stable" is worse; "more stable" is better.
_DESIRABLE = (r"(?:accurate|stable|intelligible|robust|effective|useful|smooth|realistic|natural|sharp|"
              r"consistent|reliable|efficient|precise|diverse|coherent|fluent|calibrated|general\w*|"
              r"interpretable|faithful|expressive|detailed)")
_LESS_GOOD = re.compile(
    rf"(?<!more or )\b(?:less(?:\s+than)?|not\s+as|not\s+so|no\s+more|worse\s+and\s+less)\s+{_DESIRABLE}\b")
_MORE_GOOD = re.compile(rf"\b(?:more|much\s+more|far\s+more)\s+{_DESIRABLE}\b")
# A negated failure is no failure ("didn't diverge this time", "no longer overfits").
_NEGATED_NEGATIVE = re.compile(
    r"(?:\bno\s+longer\b|\bnot\b|n't\b|\bnever\b|\bwithout\b)(?:\s+\w+){0,3}\s+"
    r"(?:diverg\w*|overfit\w*|crash\w*|explod\w*|nan\w*|hurt\w*|oom\w*|worse|fail\w*|blow\w* up|degrad\w*|"
    r"collaps\w*)\b",
    re.IGNORECASE,
)
# A failure put right is a success ("has fixed the prior crash", "resolved the divergence"): the failure was remedied.
_REMEDY = re.compile(
    r"\b(?:fixe[sd]|fixing|solved|solves|resolved|resolves|eliminated|eliminates|prevents?|prevented|cured)\s+"
    r"(?:[\w'’-]+\s+){0,3}?(?:crash|diverg|nan|bug|problem|issue|instabilit|forgetting|collaps|overfit|explod|oom)\w*")
# A superlative names a thing when a noun follows it ("worst concave points", "best_params", "best
# checkpoint"), and judges one when it stands as a predicate ("X was the worst", "worst of all").
_SUPERLATIVE = re.compile(r"(?<![a-z0-9])(worst|best)(?![a-z0-9])", re.IGNORECASE)
_PREDICATIVE_AFTER = re.compile(
    r"^\s*(?:$|[.,;:!?)\-—]|of\b|so\s+far|yet|by\b|one\b|ones\b|result|score|run|model|variant|setting|"
    r"config|option|case|performer|performance|overall|ever|among|in\s+(?:class|the)|on\b|at\b|"
    r"(?:val|test)\b|auc|f1|acc|loss|rmse|mae|ndcg|[-+~]?\d|\()",
    re.IGNORECASE,
)
_PREDICATIVE_BEFORE = re.compile(
    r"(?:\b(?:the|our|my|is|was|were|are|be|been|by\s+far|far|easily|clearly|still|new|second|third|"
    r"overall|performed|performs|did|came\s+out|ranked)\s*$|[-→>:=]\s*$)",
    re.IGNORECASE,
)

# --- modality ----------------------------------------------------------------------------------

_COUNTERFACTUAL = re.compile(
    r"(?<!\bas it )(?<!\bas they )(?<!\bas we )(?<!\bas i )(?<!\bas this )(?<!\bas that )"
    r"\b(?:should|could|would|might|must)\s*(?:have|'ve|’ve|of)\b|\bshould'?ve\b|\bcould'?ve\b|\bwould'?ve\b|"
    r"\bwish(?:ed)?\s+(?:i|we)\b|\bif\s+only\b|\bif\s+(?:i|we)\s+had\b|\bwith\s+more\s+time\b|\bhad\s+(?:i|we)\s+\w+|\bin\s+hindsight\b|\bin\s+retrospect\b",
    re.IGNORECASE,
)
_PLAN = re.compile(
    r"\b(?:will|'ll|’ll|shall|gonna|going\s+to|want(?:s)?\s+to|wanna|plan(?:ning|s)?\s+(?:to|on)|"
    r"intend\w*\s+to|hope\s+to|^(?:still\s+)?(?:needs?\s+to|(?:have|has)\s+to\s+(?!be\b|do\s+with\b)|must\s+(?!be\b|have\b)\w+)|to\s+be\s+(?:implemented|done|tried|tested|verified|checked)|"
    r"remains?\s+to\s+be|yet\s+to\s+be|(?:haven'?t|have\s+not|hasn'?t|not)\s+(?:yet\s+)?(?:tried|tested|run|gotten\s+to)\b|"
    r"\b(?:didn'?t|did\s+not|never)\s+(?:get\s+to|have\s+time|try|test)\b|hoping\s+to|aim(?:ing)?\s+to|(?:i|we)\s+(?:(?:need|have)\s+to|must\s+(?!be\b|have\b))|"
    r"(?:i|we)\s+should|let'?s|let\s+me|"
    # "should run yolov8m with X to check ...", "prob should compare against it": the writer's plan, no subject
    r"^\W{0,4}(?:(?:also|then|so|prob(?:ably)?|really|maybe|definitely)\s+)?should\s+(?:(?:also|really|probably|first)\s+)?"
    r"(?!(?:be|have|not|help|work|improve|fix|matter|hold|reduce|get\s+better)\b)[a-z]{2,}|(?:i\s+would|i'?d|i)\s+(?:suggest|recommend)\b|"
    # "Maybe you should check the sampling rate", "you might want to lower the lr": a suggestion to carry out
    r"you\s+(?:should\s+(?!see|get|be|have|notice|expect|now)|might\s+want\s+to|may\s+want\s+to|can\s+try|need\s+to)|"
    # "Could you rerun these tests with a lower lr." asks for a run, not an answer (no question mark)
    r"(?:could|can|would)\s+you\s+(?:please\s+)?(?:try|rerun|re-run|run|retrain|train|repeat|lower|increase|reduce)\b(?![^?]*\?)|"
    r"thinking\s+(?:about|of)|considering|consider\b|"
    r"(?:might|may|could)\s+(?:(?:also|then|first|maybe|instead)\s+)?(?:try|test|run|add|use|look(?!\s+(?:worse|better|like|"
    r"good|bad|fine|off|odd|weird|similar|different)\b)|switch|revisit|explore)|"
    r"maybe\s+(?:(?:also|then|first)\s+)?(?:try|test|add|use)|"
    r"worth\s+(?:trying|testing|a\s+try|exploring)|would\s+be\s+(?:nice|good|interesting|worth)|"
    # "it'd be nice to develop X": a wish with would contracted, if a verb follows ("it'd be good enough" judges)
    r"(?<=\w)['’]d\s+be\s+(?:nice|good|interesting|great|useful)\s+to\s+(?!be\b|have\b|know\b|see\b)|"
    r"(?:might|may|could)\s+be\s+(?:nice|good|interesting|worth|wise|useful|better)\s+to\s+(?!be\b|have\b|know\b|see\b)|"
    r"(?:would|might|could)\s+make\s+sense\s+to|"
    r"(?:^|\.\s+|\s[-–—]\s+)(?:(?:also|then|first|finally|and|please)\s*,?\s+)?(?:try|add|use|rerun|re-run|implement|switch|tune|"
    # "Choose bigger patch size", "Review RandomResizedCrop", "Complete data collection app"
    r"(?:choose|review|collect|complete|finish|learn|write|build|apply|clean|profile|plot|visuali[sz]e|debug|"
    r"balance|normali[sz]e|(?:figure|find)\s+out|achieve|experiment\s+with|set\s+up|port|refactor|benchmark|re-?train|retrain)"
    r"(?!\s+(?:of|among|between|is|was|are|were|has|had|with\s+the\s+\w+\s+(?:is|was))\b)|"
    r"sweep|check|look\s+into|fix|retest|re-test|revisit|"
    r"investigate|explore|compare|evaluate|ablate|measure|disable|enable|increase|decrease|reduce|lower|raise|"
    # "Test loss is ...", "Train accuracy went up", "Run time was 2h": the word names a split or a measure, no order
    r"(?:test|train|run)(?!\s+(?:loss|losses|accuracy|acc|error|errors|f1|auc|time|set|sets|data|split|curves?|"
    r"scores?|metrics?|results?|perplexity|ppl|mse|rmse|mae|samples?)\b))\b(?!\s*[:=])|"
    # "cutmix next", "cutmix next i think", "cutmix next, then randaug": what comes next, named before the word
    r"\bnext(?:\s*,?\s*(?:i|we)\s+(?:think|guess|suppose|reckon|believe)|\s*,\s*then\b)?\s*[.!]?\s*(?:$|(?<=then))|\b(?:shifting|turning|moving)\s+(?:my|our)\s+(?:attention|focus)|\bmoving\s+on\s+to\b|"
    r"\btomorrow\b|\btmrw\b|\bnext\s+(?:week|time|steps?|up)\b|"
    # "next I will try X" plans; "Next I switched to AdamW" tells the next thing done
    r"\bnext,?\s+(?:i|we)\b(?!\s+(?:\w+ed|ran|got|did|made|went|saw|found|took|had|was|were|built|wrote|set|put|"
    r"gave|also\s+\w+ed)\b)|"
    # "The next thing to do, besides ..., is to try X", "the next experiment will be": what comes next, not
    # "the next thing I tried was"
    r"\bnext\s+(?:thing|experiment|idea|task|move)s?\s+(?:to\s+(?:do|try)|(?:is|will\s+be|would\s+be)\s+to)\b|\blater\s+(?:today|this\s+week)\b|"
    r"\bto-?do\b|\bideas?\s*(?:for|to)\b)",
    re.IGNORECASE,
)
# Past or present-perfect action: what was actually done ("tried", "have trained", "ran", "got").
_DONE = re.compile(
    r"\b(?:tried|trained|ran|run\s+(?:with|on)|tested|added|used|switched|changed|removed|replaced|"
    r"increased|decreased|reduced|lowered|raised|got|gave|achieved|reached|scored|hit|saw|found|noticed|"
    r"observed|measured|evaluated|compared|fine-?tuned|finetuned|implemented|was|were|did|has\s+been|"
    r"have\s+been|had|went|came|ended|turned\s+out|worked|helped|failed|diverged|crashed|improved|"
    r"hurt|dropped|fell|rose|jumped|stayed|plateaued|converged|overfit|overfitted|gives|gets|yields)\b",
    re.IGNORECASE,
)
_CONDITIONAL_LEAD = re.compile(r"^\s*(?:if|unless|in\s+case|once|otherwise|when|whenever)\b", re.IGNORECASE)
_CONDITIONAL_MID = re.compile(r"[,;]\s*(?:if|unless|otherwise)\b|\bif\s+(?:it|that|this|not)\b[^,]*,", re.IGNORECASE)
# "switching to lightgbm if the latency holds": the main clause waits on a condition still open.
_CONDITIONAL_TAIL = re.compile(
    r"(?<!even)(?<!as)(?<!check)(?<!see)(?<!test)(?<!know)\s(?:if|unless|once|provided)\s+(?:it|that|this|the|we|i|"
    r"they|these|those|[\w-]+\s+)\b[^.;]*?\b(?:holds?|works?|helps?|fails?|doesn'?t|don'?t|stays?|improves?|beats?|"
    r"passes|pass|confirms?|replicates?|survives?|checks?\s+out|looks?\s+good|is\s+(?:still\s+)?(?:fine|ok|"
    r"better|worse|stable))\b")
_HEDGE = re.compile(
    r"\b(?:i\s+think|we\s+think|i\s+guess|i\s+suspect|i\s+believe|probably|possibly|perhaps|maybe|might|"
    # "prob needs warmup": the note-taker's "probably", at a clause's start ("class prob", "prob of 0.3" are nouns)
    rf"{doubts.HEDGE_PROB}|"
    r"may\s+be|seems?|seemingly|apparently|appears?\s+to|appeared\s+to|likely|unlikely|not\s+sure|my\s+guess|hypothes\w*|suspect|"
    r"could\s+be|i\s+bet|presumably|i\s+expect|we\s+expect|expected\s+to|should\s+(?:help|work|improve)|"
    # "Something like RandomResizedCrop should be very helpful", "lowering the lr should solve the problem": a
    # prediction about a thing, not a result seen
    r"should\s+(?:\w+ly\s+)?(?:solve|resolve|make|give|reduce|stabili[sz]e|boost|fix|be\s+(?:very\s+|quite\s+|really\s+|more\s+|much\s+)?(?:helpful|useful|"
    r"beneficial|sufficient))|"
    # "a fresh run with more GPUs that should move much quicker": what a thing is expected to do
    r"(?:that|which|this|it)\s+should\s+(?!have\b|not\b|be\s+noted\b)[a-z]{2,20})\b",
    re.IGNORECASE,
)
_BELIEF = re.compile(
    r"\b(?:i\s+think|we\s+think|i\s+suspect|i\s+believe|my\s+guess|hypothes\w*|i\s+expect|we\s+expect|"
    r"should\s+(?:help|work|improve|reduce|fix|solve|resolve)|(?:will|would)\s+(?:help|improve|fix|reduce)|"
    r"should\s+(?:\w+ly\s+)?be\s+(?:very\s+|quite\s+|really\s+|more\s+|much\s+)?(?:helpful|useful|beneficial|sufficient)|"
    r"the\s+idea\s+(?:is|was)|(?:because|since)\s+\w+|(?:could|might|may)\s+(?:aid|help|explain|cause|"
    r"improve|matter|reduce|fix|be\s+(?:due|because|the|causing|related))|is\s+causing|are\s+causing|"
    r"my\s+(?:guess|theory|hunch)|suspect|(?:appears?|appeared|seems?|seemed)\s+to\s+be\s+(?:related|due|caused|linked|"
    r"the\s+(?:cause|reason|culprit))|(?:is|are|was)\s+(?:probably|likely|possibly)\s+(?:related|due|caused|because))\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    # "- why eval loss spikes at epoch 3", "whether the gain holds": an indirect question standing alone
    r"^\W{0,6}(?:why|whether)\s|"
    r"\?\s*$|\?\s|\b(?:(?<!no )i\s+wonder|(?<!no )wondering|(?:would|'d)\s+like\s+to\s+ask|want(?:ed)?\s+to\s+ask|"
    r"(?:want|wanted|would\s+like|need|have)\s+to\s+(?:know|understand|figure\s+out|find\s+out|work\s+out)\s+"
    r"(?:how|why|what|whether|if|where)|not\s+sure\s+(?:if|whether|why|how|what)|"
    # "Not clear yet if the gain is real", "unclear how much of it is the data": asked without a question mark
    r"(?:unclear|not\s+(?:yet\s+|entirely\s+|really\s+)?clear)\s+(?:yet\s+)?(?:if|whether|why|how|what)|"
    r"no\s+idea\s+(?:why|how|what|if|whether)|(?:dunno|idk)\s+(?:why|how|what|if|whether)|"
    r"(?:don'?t|do\s+not|still\s+don'?t|can'?t|cannot)\s+"
    r"(?:understand|explain|know|figure\s+out|tell)\s+(?:why|how|what|whether|if)|puzzl\w+|mystery|"
    # "I have not figured out the reason", "still haven't worked out what makes the eval so noisy"
    r"(?:haven'?t|hasn'?t|have\s+not|has\s+not|yet\s+to)\s+(?:figured?|work(?:ed)?|found|find)\s+out\s+(?:the\s+(?:reason|cause)|"
    r"why|how|what|whether|if)|"
    r"(?:no|any)\s+(?:idea|clue)s?\s+why)\b",
    re.IGNORECASE,
)
_DECISION = re.compile(
    r"\b(?:decided|decision|going\s+with|we'?ll\s+go\s+with|sticking\s+with|settled\s+on|chose|choose|"
    r"adopt\w*|abandon\w*|dropping|drop\s+it|shelv\w*|park(?:ing|ed)|retir\w*|don'?t\s+use|do\s+not\s+use|"
    r"stop\s+using|won'?t\s+use|not\s+going\s+to\s+use)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.])[-+~]?(?:\d*\.\d+|\d+(?:\.\d+)?%?)")


@dataclass(frozen=True)
class SentenceReading:
    """What one sentence is: its role, polarity, modality, and the verdict it states (if any)."""

    role: Role
    polarity: Polarity
    modality: Modality
    verdict: Verdict | None


_CONCESSION = re.compile(r"\b(?:might|may|could)\s+(?:look|seem|sound|appear)s?\s+(?:\w+\s+){0,2}?\w+,?\s+but\b")


def modality(text: str) -> Modality:
    """How the sentence holds its content: asserted, hedged, planned, wished, counterfactual, ..."""
    lowered = text[:MAX_READ_CHARS].lower().strip().replace("’", "'")   # "don’t know if": typographic apostrophes
    conceded = _CONCESSION.search(lowered)
    if conceded:
        # "X might look promising, but the imbalance adds too much noise": what it holds is after "but".
        lowered = lowered[conceded.end():]
    if _COUNTERFACTUAL.search(lowered):
        return "counterfactual"
    if asked := favour_asked(lowered):   # "It would be great if you share the weights": a favour asked
        return "question" if asked == "question" else "planned"
    if (_CONDITIONAL_LEAD.match(lowered) and not _past_conditional(lowered)) or _CONDITIONAL_TAIL.search(lowered):
        return "conditional"
    if _QUESTION.search(lowered):
        return "question"
    if _is_plan(lowered) or suggested(lowered):   # "she suggested I try X", "you could also change X"
        return "planned"
    if re.search(r"\b(?:wish|would\s+love|would\s+like|ideally|hopefully)\b", lowered) or _WOULD.search(lowered):
        return "wished"
    if _HEDGE.search(lowered):
        return "hedged"
    return "asserted"


# An outcome still to come ("might lead to better recall", "I expect dropout to help"); "might have helped" is a
# hedged report, a number a measurement, and "will" reports too ("the nan will still exist")
_EXPECTATION = re.compile(r"\b(?:might|may|could|would|should)\s{1,3}(?:\w{1,20}ly\s{1,3})?(?!have\b|not\b)"
                          r"[a-z]{2,20}\b|\bexpect(?:s|ed|ing)?\b[^.;?!]{0,60}?\bto\s{1,3}[a-z]{2,20}\b")
_JUDGED = re.compile(r"\b(?:is|was|are|were|been)\s{1,3}(?:\w{1,20}ly\s{1,3})?(?:rejected|confirmed|refuted|disproved|"
                     r"falsified|supported|validated|wrong|false|right|correct)\b")


def expects(text: str) -> bool:
    """Whether a hedged sentence states an outcome it expects rather than one it saw."""
    lowered = text[:MAX_READ_CHARS].lower()  # the modal must govern the first part ("X hurt, might revert")
    head = re.split(r"[,;:]|\s(?:but|so|and then)\s", lowered, maxsplit=1)[0]
    expected = _EXPECTATION.search(head)
    # "the hypothesis that clipping would help is clearly rejected": the expectation is judged in the sentence
    return (expected is not None and modality(text) == "hedged" and not re.search(r"\d", lowered)
            and not _JUDGED.search(lowered, expected.end()))


def conditional_plans(text: str) -> bool:
    """Whether a conditional's main clause says what to do ("if it fails, I will try a penalized loss",
    "if not, disable fp16") rather than what would follow ("if it overfits, the problem is the model")."""
    lowered = text[:MAX_READ_CHARS].lower().strip()
    parts = re.split(r",\s*(?:then\s+)?|\bthen\b", lowered, maxsplit=1)
    main = parts[1] if len(parts) > 1 and _CONDITIONAL_LEAD.match(lowered) else lowered
    if _CONDITIONAL_LEAD.match(lowered) and len(parts) < 2:
        # "If it still does not start converging I must be missing something": no comma; the main
        # clause starts at its subject.
        subject = re.search(r"\s(?:i|we|you|let'?s|the\s+next\s+step)\s", lowered)
        main = lowered[subject.start():] if subject else lowered
    ordered = _is_plan(main) or next_split.contingency_action(main)
    return ordered or bool(re.search(r"\b(?:next\s+step|fall\s*back|revert|switch|drop|disable|go\s+back|"
                                            r"try|stop|keep|time\s+to|revisit|move\s+on|look\s+(?:into|at)|add|use|"
                                            r"run|rerun|test|train|tune|increase|decrease|lower|raise)"
                                            r"(?:s|es|ing|ping|ning)?\b", main))


def _past_conditional(lowered: str) -> bool:
    """"When I lowered the lr, the loss stopped diverging" reports what happened; "if it fails, disable fp16" not."""
    parts = re.split(r"[,;]", lowered, maxsplit=1)
    past = r"\b(?:\w+ed|was|were|did|had|ran|got|went|saw|made|took|met|became|came|fell|rose|grew|broke|blew|" \
           r"threw|gave|left|kept|lost|found|hit|began|stopped|wasn'?t|weren'?t|didn'?t)\b"
    if not re.match(r"^\s*(?:when|once|whenever)\b", lowered):
        return False
    # "When I set QA to 0, the train loss met nan" tells what happened; "When training with X, it's effective" too
    generic = r"\s{0,3}(?:it|this|that|they|the\s\w{1,20})(?:'s|\s{1,3}(?:is|are|works?))\s{1,3}(?!time|going|about)"
    main = parts[1] if len(parts) > 1 and not _PLAN.search(parts[1]) else ""
    setting = re.match(r"\s*when(?:ever)?\s(?!.{0,40}\b(?:can|could|will|would|'ll)\b)", parts[0])  # no future head
    # "When I set the dropout to 0.5, the accuracy drops to 60%": a measure that moved is what happened
    moved = bool(main) and setting is not None and metric_moves(main)[0] is not None
    return bool(re.search(past, parts[0]) or (main and re.search(past, main)) or (setting and re.match(generic, main))
                or moved)


# "O2 will not work with current model": a forecast of what a thing will do, not the writer's plan.
_FORECAST = re.compile(r"(?:will|'ll|’ll)\s+still\s+\w+|"
                       r"(?:will|'ll|’ll)\s+(?:not\s+|never\s+)?(?:work|help|matter|converge|scale|fit|improve|hurt|"
                       r"fail|diverge|be\s+(?:enough|needed|necessary|fine|better|worse))\b|won'?t\s+(?:work|help|matter|"
                       r"converge|scale|fit|improve)\b")


# "I first played around with batch sizes, despite that being something I should do later": a plan named in a
# concession qualifies the report around it.
_CONCESSION_OPEN = re.compile(r"\b(?:despite|although|even\s+though)\b[^.;:!?]{0,80}$")


def _conceded(lowered: str, start: int) -> bool:
    """Whether the cue at ``start`` sits in a concession that follows a main clause ("X, despite ...")."""
    concession = _CONCESSION_OPEN.search(lowered, max(0, start - 100), start)
    return bool(concession and lowered[: concession.start()].strip())


def _is_plan(lowered: str) -> bool:
    if progress.in_progress(lowered):
        # "I am currently debugging X", "the 1.3B run is still training": work under way comes next
        return True
    # "the longer wall clock time is going to slow things down": a future told of a thing plans nothing
    plan = next((m for m in _PLAN.finditer(lowered) if not forecasts.forecast_cue(lowered, m.start())
                 and not _conceded(lowered, m.start()) and not forecasts.done_move(lowered, m.start())), None)
    if not plan:
        return False
    if _FORECAST.match(lowered, plan.start()) and not re.search(r"\b(?:i|we)\s*$", lowered[: plan.start()]):
        return False
    # "I'll" inside a past report ("got .91, so I'll keep it") still marks the clause as a plan; the
    # result before it is split off by the caller. A past action before the cue is reported, and the
    # cue then only covers its own clause: leave that to ``split_plan``.
    done = _DONE.search(lowered)
    return not (done and done.start() < plan.start() and _NUMBER.search(lowered[: plan.start()]))


def polarity(text: str) -> Polarity:
    """Whether the sentence says something went well, went badly, both, or neither."""
    verdict = verdict_of(text)
    if verdict == "worked":
        return "positive"
    if verdict == "did_not_work":
        return "negative"
    return "neutral"


_WITHOUT_TROUBLE = re.compile(r"\bwithout\s+(?:any\s+)?(?:crash\w*|diverg\w*|nans?|ooms?|explod\w*|errors?)\b")
_BECAUSE_CLAUSE = re.compile(r",\s+(?:as|because|since)\s+")


# "A more effective discriminator will improve the generator": a success told in the future is expected, not had,
# unless the words before the future report one ("warmup helped, and it will help the big model too", "the new
# sampler is better, we'll keep it"). "won't", "will not", "will still" tell a failure that recurs.
_FUTURE_AUX = re.compile(r"\b(?:will|'ll|(?:is|are|am)\s+going\s+to)\s+(?!not\b|still\b|never\b)(?:\w+ly\s+)?[a-z]")
_REPORTED_BEFORE = re.compile(r"\b(?:is|are|'s|looks?|seems?)\b")


def verdict_of(clause: str) -> Verdict | None:
    """The verdict a clause states, with negation scope and superlatives read as a colleague would."""
    if asks_whether(clause) or favour_asked(clause):
        return None   # "would the performance be better if ...?", "it would be great if you share ...": asked
    if (cut := check_start(clause)) is not None:   # "find out if X helped": what is checked is asked, not seen
        return verdict_of(clause[:cut]) if cut else None
    verdict = _verdict_of(clause)
    if verdict == "worked":
        lowered = clause[:MAX_READ_CHARS].lower().replace("’", "'")
        future = _FUTURE_AUX.search(lowered)
        before = lowered[: future.start()] if future else ""
        if future and not _DONE.search(before) and not _REPORTED_BEFORE.search(before):
            return None
    return verdict


def _verdict_of(clause: str) -> Verdict | None:
    """``verdict_of`` before a success told in the future is set aside."""
    lowered = " ".join(clause[:MAX_READ_CHARS].lower().replace("’", "'").split())
    if _ATTEMPT_DENIED.search(lowered):   # read before the attempt's own clause is set aside as work under way
        return "did_not_work"
    # "... in an attempt to land on more intelligible speech": a purpose is no outcome.
    lowered = purposes.PURPOSE.split(lowered, maxsplit=1)[0]
    lowered = purposes.activity_cut(purposes.purpose_cut(lowered))   # "I've been tuning X for better Y": no outcome
    # "I worked on improving the model", "focused on improving": an activity named, no outcome.
    lowered = _ACTIVITY.sub(" did ", lowered)
    lowered = naming_words.mask_attributive(lowered)
    # "less overfitting", "the overfitting went away": a trouble that shrank or ended; "for nets that overfit": a case.
    lowered = troubles.mask_conditions(troubles.mask_remedied(lowered))
    lowered = naming_words.mask_names(lowered)
    lowered = doubts.NEGLIGIBLE_COST.sub(" costs little ", lowered)
    tail = doubts.HEDGED_CAUSE_TAIL.search(lowered)
    if tail and any(ch.isdigit() for ch in lowered[: tail.start()]):
        # "b 0.4 -> .331, titles are short so length norm was hurting i think": a guess at the cause, put after the
        # result, judges the cause; the result's own words (or its numbers) judge the change
        return verdict_of(lowered[: tail.start()])
    because = _BECAUSE_CLAUSE.search(lowered)
    if because:
        # "The best effect was due to epsilon-greedy, as previous version hasn't learned at all": the
        # reason speaks of something else; the main clause, when it judges, is the verdict.
        head = verdict_of(lowered[: because.start()])
        if head is not None:
            return head
        if not re.match(r"(?:it|this|that|they|these|those)\b", lowered[because.end():]):
            return None  # "Switched to adamw, since sgd diverged": nothing said of what was done
    masked = _mask_attributive_superlatives(lowered)
    if doubts.doubt_only(masked):
        # "ctr features are worrying though, they leak popularity": a doubt about a result, not yet a verdict on it
        return "inconclusive"
    if _ELLIPTIC_LEAD.match(masked):
        return "did_not_work"
    if (_NEGATED_POSITIVE.search(masked) or _BAD_WORDS.search(_NOT_BAD.sub(" ", masked))
            or _LESS_GOOD.search(masked) or progress.FAILURE.search(masked)):
        return "did_not_work"
    # "accuracy only reaches 0.52", "it still diverges", "68.2 while the paper reports 72.4"
    short = shortfalls.shortfall(masked)
    if short is not None:
        return short
    if _NOT_BAD.search(masked):
        return "worked"
    moved, rest = metric_moves(masked)
    if moved is not None:
        # What else the clause says wins ("f1 .31 -> .37, auc basically flat" is no success); a setting moved
        # beside it is the change, not a verdict ("Dropped dropout to 0.1, loss went down").
        return _cue_verdict(SETTING_MOVE.sub(" ", rest)) or moved
    # "lowered the lr", "the learning rate dropped to 1e-5": a setting that moved is no verdict.
    masked = SETTING_MOVE.sub(" ", masked)
    if _ELLIPTIC_NO.search(masked):
        return "did_not_work"
    # "no longer diverges", "not overfitting": the failure is what did not happen, so it is no
    # verdict of failure; what else the clause says decides.
    # "exceeded 1 million iterations without crashing": the trouble that did not come is the gain.
    masked = _NEGATED_NEGATIVE.sub(" ", _REMEDY.sub(" fixed it ", _WITHOUT_TROUBLE.sub(" fixed it ", masked)))
    masked = _NOISE_AS_NAME.sub("sound", masked)
    if _has_cue(masked, "negative"):
        return "did_not_work"
    if _has_cue(masked, "inconclusive") or _UNCLEAR.search(masked):
        return "inconclusive"
    if _has_cue(masked, "positive") or _GOOD_WORDS.search(masked) or _MORE_GOOD.search(masked):
        return "worked"
    return None


# Inflections the lexicon's whole-word cues miss ("improved", "improving", "outperformed").
_GOOD_WORDS = re.compile(r"\b(?:improv(?:ed|es|ing|ement|ements)|outperform\w*|succeed\w*|successful\w*|"
                         # "It's seeming to work", "seems it is training now, finally", "went reasonably well"
                         r"(?:seems?|seeming|seemed|appears?|appeared)\s+to\s+(?:be\s+)?(?:work|help|train|learn|"
                         r"converg)\w*|(?:is|are|it'?s|started|starts)\s+(?:now\s+|finally\s+)?(?:training|learning|"
                         r"converging)\s+(?:now|finally|again|well|fine|properly)|went\s+(?:\w+\s+)?well|"
                         # "Without apex the network trains fine", "the training is normal"
                         r"(?:trains?|runs?|works?|converges?|learns?|training\s+is|training\s+was|goes|went)\s+"
                         r"(?:just\s+|perfectly\s+|totally\s+)?(?:fine|ok|okay|normal(?:ly)?|smoothly)\b|"
                         r"converged|converges|perfectly|did\s+the\s+trick|does\s+the\s+trick|fixe[sd]\s+it|"
                         r"solved\s+it|made\s+the\s+difference|"
                         # "After removing the activation, it trained well", "lr 3e-4 can train well": the manner of
                         # training judges it ("didn't train well" is caught first, as a negated positive)
                         r"(?:train(?:s|ed)?|learn(?:s|ed|t)?|converg(?:es|ed))\s+(?:really\s+|very\s+|pretty\s+|quite\s+|"
                         r"reasonably\s+)?(?:well(?!\s+(?:into|past|over|beyond|before|after)\b)|nicely|properly)|"
                         # "the car is now able to drive the track", "the jacobian test passes now": a capability or a
                         # check reached after a change
                         r"(?:is|are)\s+now\s+able\s+to|(?:is|are)\s+(?:now\s+|finally\s+)?working(?!\s+(?:on|with|at|for|through|hard)\b)|now\s+passes|pass(?:es)?\s+(?:now|again)\b(?!\s+(?:the|a|an|it|to)\b)|"
                         # "we're happy with how the models turned out"; "not happy with" is a negated positive
                         # ("I'd be happy with 0.8 F1" wishes)
                         r"(?<!\bbe )(?:happy|pleased|satisfied)\s+with|"
                         # "Dropout was very helpful", "Label smoothing was effective only on miniImageNet": a thing
                         # used, judged in the past ("is helpful to know", "would be useful" judge nothing done)
                         # (thanks for a resource: "this code was useful!", "your answer was helpful")
                         r"(?<!code )(?<!repo )(?<!answer )(?<!reply )(?<!post )(?<!comment )(?<!advice )(?<!link )"
                         r"(?:was|were|been|proved|proven|turned\s+out\s+to\s+be)\s+(?:very\s+|quite\s+|really\s+|also\s+|"
                         r"extremely\s+|super\s+|\w+ly\s+){0,2}(?:helpful|useful|beneficial|effective)(?!\s+(?:to|for\s+(?:me|us))\b)|"
                         # a reproduction that lands: "results very close to the results from the provided checkpoints",
                         # "matches the paper" ("not close to", "doesn't match the paper" are negated positives)
                         r"close\s+to\s+(?:the\s+|those\s+|what\s+)?(?:[\w.%-]{1,20}\s+){0,3}?(?:reported|(?:in|of|from)\s+the\s+"
                         r"(?:paper|provided|official|original|released|published))|"
                         r"match(?:es|ed)?\s+(?:the\s+|what\s+)?(?:paper|reported|published|official)|"
                         # "augmentations are helping", "mixup is really helping": the verdict told as it goes on
                         # (not "is helping me debug", "thanks for helping")
                         r"(?:is|are|was|were)\s+(?:\w+ly\s+|still\s+|also\s+)?helping(?!\s+(?:me|us|you|him|her|them|"
                         r"out|with|to)\b))\b")
# "noise" judges a result only as the noise floor ("within the noise", "it's noise"), not a name ("independent noise")
_NOISE_AS_NAME = re.compile(r"(?<!\bthe )(?<!\bin )(?<!\bwithin )(?<!\bis )(?<!\bjust )(?<!\bmostly )"
                            r"(?<!\bprobably )(?<!\bpure )(?<!\bbelow )(?<!\bunder )(?<!\bbe )(?<!^)\bnoise\b")


# "but it didn't.": the verb is left out because the sentence before said what was hoped for.
_ELLIPTIC_NO = re.compile(r"\b(?:it|that|this|they|which)\s+(?:didn'?t|did\s+not|doesn'?t|does\s+not|wasn'?t|"
                          r"isn'?t|won'?t|hasn'?t|has\s+not)\s*[.!]*\s*$")
# "I am trying to reproduce the results in the paper, but I can't.": an attempt, then its denial with the verb left out
_ATTEMPT_DENIED = re.compile(r"\b(?:try|trying|tried|attempt(?:ed|ing)?)\s+(?:hard\s+)?to\s[^.;!?]{0,300}?\bbut\s+"
                             r"(?:i|we)\s+(?:can'?t|cannot|couldn'?t|could\s+not|failed|didn'?t\s+manage|did\s+not\s+manage)[\s.!]*$")
# "It did not: accuracy on the slice stayed at 61%", "It didn't, same loss": the answer first, its evidence after
_ELLIPTIC_LEAD = re.compile(r"^\W{0,4}(?:(?:but|and|no|nope),?\s+)?(?:it|that|this|they)\s+(?:didn'?t|did\s+not|"
                            r"doesn'?t|does\s+not|wasn'?t)\s*[:;,\-–—]")

_CUE_PATTERNS: dict[str, re.Pattern[str]] = {}
_IT_IS_CHOICE = re.compile(r"\w\s+it\s+is\s*[.!]*\s*$")   # "lightgbm it is." (as ``lexicon.has_cue`` reads it)


def _cue_regex(cues: tuple[str, ...]) -> re.Pattern[str]:
    """One regex equal to ``lexicon.has_cue``'s word-bounded matching of ``cues`` (one pass, not one
    scan per cue: a pasted table has hundreds of rows)."""
    parts = []
    for cue in cues:
        if cue.endswith("*"):
            parts.append(rf"(?<![a-z0-9]){re.escape(cue[:-1])}")
        elif not any(ch.isalnum() for ch in cue):
            parts.append(re.escape(cue))
        else:
            left = r"(?<![^\W_])" if cue[0].isalnum() else ""
            right = r"(?![^\W_])" if cue[-1].isalnum() else ""
            parts.append(f"{left}{re.escape(cue)}{right}")
    return re.compile("|".join(parts))


def _has_cue(text: str, kind: Literal["negative", "inconclusive", "positive"]) -> bool:
    """``lexicon.has_cue`` for the verdict cue lists, compiled once."""
    if not _CUE_PATTERNS:
        _CUE_PATTERNS.update(negative=_cue_regex(lexicon.NEGATIVE_CUES),
                             inconclusive=_cue_regex(lexicon.INCONCLUSIVE_CUES),
                             positive=_cue_regex(lexicon.POSITIVE_CUES))
    if _CUE_PATTERNS[kind].search(text):
        return True
    if kind == "negative":
        return any(p.search(text) for p in lexicon.NEGATIVE_PATTERNS)
    return kind == "positive" and (bool(_IT_IS_CHOICE.search(text))
                                   or any(p.search(text) for p in lexicon.POSITIVE_PATTERNS))


def _cue_verdict(text: str) -> Verdict | None:
    if _NEGATED_POSITIVE.search(text) or _BAD_WORDS.search(text) or _has_cue(text, "negative"):
        return "did_not_work"
    if _has_cue(text, "inconclusive"):
        return "inconclusive"
    return None


_ACTIVITY = re.compile(r"\b(?:work(?:ed|ing|s)?|focus(?:ed|ing)?|concentrat\w+|spent\s+\w+(?:\s+\w+)?)\s+on\s+"
                       r"(?:\w+ing\b)?|\b(?:on|towards?|at)\s+improving\b")
_UNCLEAR = re.compile(r"\b(?:less|not\s+(?:so\s+|very\s+|entirely\s+)?)clear\b|\bperformed\s+(?:about\s+)?similarly\b|"
                      r"\bno\s+clear\s+(?:winner|difference|signal|trend)\b")
_NOT_BAD = re.compile(r"\bnot\s+(?:too\s+|that\s+|so\s+|half\s+)?bad\b")


def _mask_attributive_superlatives(lowered: str) -> str:
    """Blank out "worst"/"best" used as part of a name ("worst concave points dominates")."""
    pieces: list[str] = []
    last = 0
    for match in _SUPERLATIVE.finditer(lowered):
        before, after = lowered[: match.start()], lowered[match.end():]
        if _PREDICATIVE_AFTER.match(after) or _PREDICATIVE_BEFORE.search(before):
            continue
        # A run name or a key ("best_params", "best-ckpt") and a noun phrase after the word: a name.
        if re.match(r"[_\-]\w", after) or re.match(r"\s+[a-z]", after):
            pieces.append(lowered[last: match.start()])
            pieces.append(" " * len(match.group(0)))
            last = match.end()
    pieces.append(lowered[last:])
    return "".join(pieces)


def read(text: str, *, section: str = "") -> SentenceReading:
    """The role, polarity, modality and verdict of one sentence (``section``: its heading's kind)."""
    text = text[:MAX_READ_CHARS]
    mode = modality(text)
    verdict = verdict_of(text) if mode in {"asserted", "hedged"} else None
    pol: Polarity = ("positive" if verdict == "worked" else "negative" if verdict == "did_not_work"
                     else "neutral")
    role: Role
    if mode in {"planned", "wished", "counterfactual", "conditional"}:
        role = "plan"
    elif mode == "question":
        role = "question"
    elif _DECISION.search(text) and not _NUMBER.search(text):
        role = "decision"
    elif mode == "hedged" and _BELIEF.search(text) and not _NUMBER.search(text):
        # "I suspect the lr is too high": a claim to test, whatever verdict words it holds.
        role = "hypothesis"
    elif mode == "hedged" and shortfalls.conjecture(text.lower()) and not _NUMBER.search(text):
        # "Probably the learning rate is too high", "Seems like the warmup is too short": a cause put
        # forward under a hedge, no verdict on anything done.
        return SentenceReading(role="hypothesis", polarity="neutral", modality=mode, verdict=None)
    elif verdict is not None:
        role = "conclusion"
    elif _NUMBER.search(text):
        role = "result"
    elif mode == "hedged" and _BELIEF.search(text):
        role = "hypothesis"
    else:
        role = "observation"
    if section in ("hypothesis", "tried") and role in {"observation", "result", "plan"} and mode != "counterfactual":
        role = "hypothesis"
    return SentenceReading(role=role, polarity=pol, modality=mode, verdict=verdict)


# (?<!\s): a whitespace run is entered at its start only, so a search is linear on any paste (issue 11).
_CLAUSE_BOUNDARY = re.compile(r";\s*|,\s+(?:but|and|so)?\s*|(?<!\s)\s+(?:but|and\s+then|so)\s+|(?<!\s)\s+--?\s+|\.\s+")


def split_unrealised(text: str) -> tuple[str, str]:
    """(what was done, what was not) when a sentence reports something and then plans, wishes or
    imagines something else ("Tried focal loss; would try sampling if I had more time")."""
    if len(text) > MAX_READ_CHARS:
        return "", text
    lowered = text.lower()
    cues = [m.start() for pattern in (_COUNTERFACTUAL, _PLAN, _CONDITIONAL_MID, _WOULD)
            for m in [pattern.search(lowered)] if m]
    if not cues:
        return "", text
    first = min(cues)
    boundaries = [m for m in _CLAUSE_BOUNDARY.finditer(text, 0, first) if m.end() <= first]
    if not boundaries:
        return "", text
    cut = boundaries[-1]
    done, later = text[: cut.start()].strip(" ,;-"), text[cut.end():].strip()
    if not _DONE.search(done) or modality(done) != "asserted" or len(later) < 8:
        return "", text
    return done, later


_WOULD = re.compile(r"\b(?:would|'d)\s+(?:try|like|love|use|add|run|rather)\b")


def reports_done(text: str) -> bool:
    """Whether a sentence states that something was actually done: asserted (not planned, wished,
    conditional, counterfactual or asked) and carrying a past or present-perfect action or an outcome.
    The evidence "already tried" may rest on."""
    mode = modality(text)
    if mode not in {"asserted", "hedged"}:
        return False
    lowered = text[:MAX_READ_CHARS].lower()
    return bool(_DONE.search(lowered) or verdict_of(lowered) is not None)


def is_unrealised(text: str) -> bool:
    """Whether a sentence speaks of something not done: a plan, a wish, a condition, a counterfactual."""
    return modality(text) in {"planned", "wished", "counterfactual", "conditional"}


# "Starting to investigate whether my choice of X causes Y": a claim put to the test.
_UNDER_TEST = re.compile(
    r"\b(?:investigat\w*|test\w*|check\w*|see|find\s+out|verify\w*|figure\s+out|explor\w*|look\w*\s+into)\s+"
    r"(?:whether|if|how\s{1,3}(?:much|many|well|far|long|fast|big|good|bad|low|high|small))\b", re.IGNORECASE)


def states_belief(text: str) -> bool:
    """Whether a sentence puts forward a claim or an explanation ("X could aid Y", "I suspect Z")."""
    return bool(_BELIEF.search(text[:MAX_READ_CHARS]))


def under_test(text: str) -> bool:
    """Whether a sentence states a claim the person is testing ("investigating whether X causes Y")."""
    # "This should make training more stable": what a thing is expected to do is a claim under test too
    return bool(_UNDER_TEST.search(text[:MAX_READ_CHARS])) or forecasts.expected_effect(text)


def is_counterfactual(text: str) -> bool:
    return bool(_COUNTERFACTUAL.search(text[:MAX_READ_CHARS].lower()))
