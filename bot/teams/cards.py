"""Teams renderer: a neutral :class:`bot.messages.Reply` in, an Adaptive Card (1.5) out.

Only presentation. Every value comes from the reply's domain payload; every run shown links to the
tracker's own page for it. Buttons are Universal Actions (``Action.Execute``): Teams answers a click
with an ``invoke`` named ``adaptiveCard/action`` whose ``value.action`` carries the verb (the
conversation's action id) and the data put here (``value``: the button's value). A form
(:class:`bot.messages.Form`: Edit, Change project, Decision record) is a card with inputs whose submit
button's verb is the form id and whose data says it is a form (``coco_form``) and carries its metadata;
Teams merges the inputs' values (``f_<name>``) into that data.

Limits respected by construction: Teams refuses a message over about 28 KB, so lists are cut with a
visible "…" (and the whole card is trimmed to :data:`MAX_CARD_CHARS`); TextBlock markdown is Teams'
subset (bold, italics, links), and what a person wrote is escaped so it cannot forge a link.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from bot import render_lines
from bot.formatting import section_title
from bot.messages import EntryList, HelpLines
from bot.render_lines import ReplyLines
from narrative.types import Answer, CheckResult, DecisionDoc, Digest, NextPlan, PhaseReport, ReproReport

if TYPE_CHECKING:
    from bot.messages import Form, Reply, ReplyAction
    from bot.nudges import NudgeView
    from narrative.service import LogOutcome
    from narrative.types import CheckMatch, Citation

Element = dict[str, Any]
Card = dict[str, Any]

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
VALUE_KEY = "value"
FORM_KEY = "coco_form"
META_KEY = "coco_meta"
FIELD_PREFIX = "f_"
MAX_LINES = 15  # list items shown per section
MAX_LINE = 600
MAX_CARD_CHARS = 24_000  # below Teams' ~28 KB message limit, leaving room for the activity around it


# -- text helpers ----------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Markdown that a person's words could trigger in a TextBlock (links, emphasis, lists)."""
    out = text
    for ch in ("\\", "[", "]", "*", "_", "`"):
        out = out.replace(ch, "\\" + ch)
    return out


def clip(text: str, limit: int = MAX_LINE) -> str:
    return render_lines.clip(text, limit)


def link(url: str, label: str) -> str:
    label = escape(label)
    return f"[{label}]({url})" if url and url.startswith(("http://", "https://")) and ")" not in url else label


# The lines every chat says (bot/render_lines.py), in a TextBlock's markdown.
LINES = ReplyLines(render_lines.Markup(escape=escape, link=link, bold_mark="**"))


def text_block(text: str, *, weight: str = "", size: str = "", subtle: bool = False, color: str = "") -> Element:
    block: Element = {"type": "TextBlock", "text": text or " ", "wrap": True}
    if weight:
        block["weight"] = weight
    if size:
        block["size"] = size
    if subtle:
        block["isSubtle"] = True
    if color:
        block["color"] = color
    return block


def heading(text: str) -> Element:
    return text_block(escape(clip(text, 150)) or "COCO", weight="Bolder", size="Medium")


def note(text: str) -> Element:
    return text_block(text, subtle=True, size="Small")


def titled(title: str, lines: Iterable[str], *, limit: int = MAX_LINES) -> list[Element]:
    """A titled list: the title, then one line per item, cut after ``limit`` with the count left."""
    items = list(lines)
    if not items:
        return []
    out: list[Element] = [text_block(f"**{escape(title)}**", weight="Bolder")] if title else []
    out += [text_block(clip(line)) for line in items[:limit]]
    if len(items) > limit:
        out.append(note(f"… and {len(items) - limit} more"))
    return out


# -- cards -----------------------------------------------------------------------------------------


def card(body: list[Element], actions: Sequence[Element] = ()) -> Card:
    out: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body or [text_block(" ")]}
    if actions:
        out["actions"] = list(actions)
    return _fit(out)


def _fit(out: Card) -> Card:
    """Drop body elements from the end (keeping the buttons) until the card fits a Teams message."""
    body: list[Element] = out["body"]
    if len(json.dumps(out)) <= MAX_CARD_CHARS:
        return out
    while len(body) > 2 and len(json.dumps(out)) > MAX_CARD_CHARS - 200:
        body.pop()
    body.append(note("… cut to fit a Teams message; the rest is in COCO (`entries`, `entry ID`)."))
    return out


def execute(action: ReplyAction) -> Element:
    """A button: an ``Action.Execute`` whose verb is the conversation's action id. A button that asks
    first (Discard) opens its question in the card (``Action.ShowCard``: Adaptive Cards have no
    confirmation dialog), with the real button under it."""
    button: Element = {"type": "Action.Execute", "title": clip(action.label, 60), "verb": action.action_id,
                       "data": {VALUE_KEY: action.value}}
    if action.style == "primary":
        button["style"] = "positive"
    elif action.style == "danger":
        button["style"] = "destructive"
    if action.confirm:
        return {"type": "Action.ShowCard", "title": clip(action.label, 60),
                "card": {"type": "AdaptiveCard", "body": [text_block(escape(clip(action.confirm, 300)))],
                         "actions": [button]}}
    return button


def buttons(card_: Card) -> list[Element]:
    """Every ``Action.Execute`` of a card, those under an ``Action.ShowCard`` included."""
    found: list[Element] = []
    for action in card_.get("actions") or []:
        if action.get("type") == "Action.ShowCard":
            found += buttons(action.get("card") or {})
        else:
            found.append(action)
    return found


def card_for(reply: Reply) -> Card:
    """The Adaptive Card of a reply (a form reply becomes its form)."""
    if reply.form is not None:
        return form_card(reply.form)
    body = _body(reply)
    notices: list[str] = list(getattr(reply.payload, "notices", None) or [])
    if notices:  # how the answer was written (e.g. the model was down) is said first, never dropped
        body.insert(0, note(" ".join(LINES.notices(notices))))
    return card(body, [execute(a) for a in reply.actions[:6]])


def attachment(reply: Reply) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": card_for(reply)}


def fallback_text(reply: Reply) -> str:
    """What a notification or a screen reader shows for the card (the activity's ``summary``)."""
    return clip(reply.text, 1000)


def _body(reply: Reply) -> list[Element]:
    from narrative.service import LogOutcome

    payload = reply.payload
    if isinstance(payload, LogOutcome):
        return _entry(payload, reply)
    if isinstance(payload, CheckResult):
        return _warning(payload, reply) if reply.kind == "warning" else _check(payload, reply)
    if isinstance(payload, Answer):
        return [text_block(escape(payload.answer)), *_cites(payload.citations, reply)]
    if isinstance(payload, PhaseReport):
        return _phase(payload, reply)
    if isinstance(payload, ReproReport):
        return _reproduce(payload)
    if isinstance(payload, Digest):
        return _digest(payload, reply)
    if isinstance(payload, NextPlan):
        return _next(payload, reply)
    if isinstance(payload, DecisionDoc):
        return _decision(payload, reply)
    if isinstance(payload, HelpLines):
        return [text_block("**What I do**", weight="Bolder")] + [
            text_block(f"**{escape(what)}** — {escape(does)}") for what, does in payload.lines]
    from bot.nudges import NudgeView

    if isinstance(payload, NudgeView):
        return _nudge(payload)
    if isinstance(payload, EntryList):
        lines = reply.text.splitlines()
        return [text_block(escape(lines[0]) if lines else " ", weight="Bolder")] + [
            text_block(escape(line)) for line in lines[1:]]
    color = "Attention" if reply.kind == "error" else ""
    lines = reply.text.splitlines()
    shown = [text_block(escape(clip(line)) or " ", color=color) for line in lines[:40]]
    return shown + ([note(f"… and {len(lines) - 40} more line(s)")] if len(lines) > 40 else [])


def _nudge(view: NudgeView) -> list[Element]:
    """The end-of-day nudge: the day's runs per project in a monospace block, then the three prompts."""
    from narrative.today import table_lines

    runs = sum(len(t.rows) for t in view.tables)
    body: list[Element] = [heading(f"End of day: {runs} run{'s' if runs != 1 else ''} of yours today")]
    for table in view.tables:
        metric = f" · primary metric {table.primary_metric} ({table.goal})" if table.primary_metric else ""
        body.append(note(escape(f"{table.project} since {table.since:%H:%M} UTC{metric}")))
        body.append({"type": "TextBlock", "text": escape("\n".join(table_lines(table))), "wrap": True,
                     "fontType": "Monospace", "size": "Small"})
    body += [text_block(escape(p), weight="Bolder") for p in view.prompts]
    body.append(note("Reply here in your own words, or press Log it."))
    return body


def _feeds(reply: Reply, *, pending: bool = False) -> str:
    project = f"**{escape(reply.project or '?')}**"
    if reply.feeds_channels:
        feeds = f"This entry feeds project {project} and its channel(s)."
    else:
        feeds = f"This entry joins the history of project {project} (no channel bound yet)."
    return f"🔒 Your chat with me stays private. {feeds}" + (" It is shared once finished." if pending else "")


def _entry(outcome: LogOutcome, reply: Reply) -> list[Element]:
    s = outcome.structure
    meta = LINES.entry_meta(outcome, reply)
    if outcome.pending:
        return [
            text_block(f"{LINES.saved(outcome)} I will finish it "
                       "(runs, metrics, structure) as soon as the tracker answers, and update this card."),
            note(meta + " · _pending_"), note(_feeds(reply, pending=True)),
        ]
    body: list[Element] = [heading(s.title or "Experiment log"), note(meta)]
    body += titled("Hypotheses", LINES.bullets(s.hypotheses))
    if s.runs:
        body += titled("Runs (values from the tracker)", LINES.entry_runs(outcome, s.runs))
    body += titled("Observations", LINES.bullets(s.observations))
    body += titled("Conclusions", LINES.conclusions(s.conclusions))
    body += titled("Next steps", LINES.bullets(s.next_steps, "→"))
    for tried in reply.tried:
        body.append(text_block(LINES.tried(tried), color="Warning"))
        body.append(text_block(_match_line(tried.match, reply)))
    body += titled("Open questions", LINES.bullets(s.open_questions, "?"))
    body += [text_block(LINES.decision(d)) for d in s.decisions]
    if s.warnings:
        body.append(note(" ".join(LINES.entry_warnings(s.warnings, limit=300))))
    body.append(note(_feeds(reply)))
    return body


def _match_line(m: CheckMatch, reply: Reply) -> str:
    return " · ".join(LINES.match_parts(m, reply, outcome_limit=300))


def _check(result: CheckResult, reply: Reply) -> list[Element]:
    body = [text_block(LINES.check_verdict(result))]
    body += titled("Planned in the log", LINES.planned(result, reply))
    body += titled(LINES.matches_title(result), (_match_line(m, reply) for m in result.matches[:5]))
    return body


def _warning(result: CheckResult, reply: Reply) -> list[Element]:
    body = [text_block(LINES.heads_up(), color="Warning")]
    body += [text_block(_match_line(m, reply)) for m in result.matches[:3]]
    body.append(note("Said once per plan. `check TEXT` for more."))
    return body


def _cites(citations: Sequence[Citation], reply: Reply) -> list[Element]:
    cites = LINES.sources(citations, reply)
    return [note(cites)] if cites else []


def _phase(report: PhaseReport, reply: Reply) -> list[Element]:
    body = [heading(LINES.phase_title(report, reply.project)),
            note(LINES.primary_metric(report.primary_metric, report.goal))]
    if report.summary:
        body.append(text_block(escape(report.summary)))
    if report.best:
        body.append(text_block(LINES.phase_best(report)))
    body += titled("Metric switches", LINES.bullets(report.metric_switches))
    body += titled("Approaches", LINES.approaches(report, reply), limit=20)
    body += titled("Findings", LINES.bullets(report.findings))
    body += titled("Next", LINES.bullets(report.next_steps, "→"))
    return body + _cites(report.citations, reply)


def _reproduce(r: ReproReport) -> list[Element]:
    failed = LINES.failed_run(r)
    body: list[Element] = [text_block(failed, color="Attention")] if failed else []
    body += [heading(LINES.reproduce_title(r)), note(LINES.reproduce_run(r))]
    body += titled("Recorded", LINES.recorded(r), limit=30)
    body += titled("Missing", LINES.bullets(r.missing, "✗"))
    body += titled("Steps", LINES.steps(r))
    body += titled("Checks", LINES.bullets(r.checks))
    body += titled("What the log says", LINES.bullets(r.notes))
    if r.entries:
        body.append(note(LINES.entry_ids(r)))
    return body


def _digest(d: Digest, reply: Reply) -> list[Element]:
    body = [heading(LINES.digest_title(d)), note(LINES.digest_meta(d))]
    if d.best:
        body.append(text_block(LINES.digest_best(d)))
    for name, lines in d.sections.items():
        body += titled(section_title(name), LINES.digest_lines(lines, reply))
    return body


def _next(plan: NextPlan, reply: Reply) -> list[Element]:
    body = [heading(LINES.next_title(reply.project))]
    if plan.best:
        body.append(note(LINES.best_so_far(plan)))
    body += titled("Run next", LINES.experiments(plan, reply))
    body += titled("Low return given the history", LINES.bullets(line.text for line in plan.low_roi))
    if plan.missing_baseline:
        body.append(text_block(LINES.labelled("Baseline:", plan.missing_baseline)))
    if plan.pivot:
        body.append(text_block(LINES.labelled("Pivot?", plan.pivot)))
    return body


def _decision(doc: DecisionDoc, reply: Reply) -> list[Element]:
    body = [heading(doc.title or "Decision record")]
    if doc.criteria:
        body.append(note(LINES.criteria(doc)))
    body += titled("Finalists", LINES.finalists(doc, reply, link_uncited=True))
    if doc.rationale:
        body.append(text_block(LINES.labelled("Why:", doc.rationale)))
    body += titled("Trade-offs", LINES.bullets(doc.tradeoffs))
    body += titled("History behind the choice", LINES.bullets(doc.history))
    return body + _cites(doc.citations, reply)


# -- forms -----------------------------------------------------------------------------------------


def form_card(form: Form) -> Card:
    """A form as a card: one input per field and a submit button whose verb is the form id."""
    body: list[Element] = [heading(form.title)]
    for f in form.fields:
        label = f.label + ("" if f.optional else " (required)")
        if f.options:
            body.append({"type": "Input.ChoiceSet", "id": FIELD_PREFIX + f.name, "label": label, "value": f.initial,
                         "style": "compact", "isRequired": not f.optional,
                         "choices": [{"title": title, "value": value} for value, title in f.options]})
        else:
            body.append({"type": "Input.Text", "id": FIELD_PREFIX + f.name, "label": label, "value": f.initial,
                         "isMultiline": f.multiline, "isRequired": not f.optional,
                         **({"placeholder": f.hint} if f.hint else {})})
    submit: Element = {"type": "Action.Execute", "title": form.submit_label, "verb": form.form_id,
                       "data": {FORM_KEY: True, META_KEY: json.dumps(form.metadata)}}
    return card(body, [submit])


def form_values(data: dict[str, Any]) -> dict[str, str]:
    """The submitted inputs of a form card, by the form's field names."""
    return {k[len(FIELD_PREFIX):]: str(v if v is not None else "") for k, v in data.items()
            if k.startswith(FIELD_PREFIX)}
