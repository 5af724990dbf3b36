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

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from bot.formatting import date_span, fmt_value, metric_columns, section_title, short_id
from bot.messages import EntryList, HelpLines
from narrative.types import Answer, CheckResult, DecisionDoc, Digest, NextPlan, PhaseReport, ReproReport

if TYPE_CHECKING:
    from bot.messages import CitedEntry, CitedRun, Form, Reply, ReplyAction
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
_VERDICT = {"worked": "✅", "did_not_work": "❌", "inconclusive": "•"}
_STATUS = {"open": "🟡", "adopted": "🟢", "exhausted": "🔴", "abandoned": "⚪"}


# -- text helpers ----------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Markdown that a person's words could trigger in a TextBlock (links, emphasis, lists)."""
    out = text
    for ch in ("\\", "[", "]", "*", "_", "`"):
        out = out.replace(ch, "\\" + ch)
    return out


def clip(text: str, limit: int = MAX_LINE) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def link(url: str, label: str) -> str:
    label = escape(label)
    return f"[{label}]({url})" if url and url.startswith(("http://", "https://")) and ")" not in url else label


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


def _when(at: dt.datetime | None) -> str:
    return f"{at:%Y-%m-%d}" if at else ""


def _run_ref(run_id: str, runs: dict[str, CitedRun]) -> str:
    cited = runs.get(run_id)
    if cited is None:
        return f"`{short_id(run_id)}`"
    return link(cited.url, cited.name or short_id(run_id)) + f" `{short_id(run_id)}`"


def _entry_ref(entry_id: str, entries: dict[str, CitedEntry]) -> str:
    cited = entries.get(entry_id)
    if cited is None:
        return f"entry `{entry_id}`"
    bits = ", ".join(b for b in (escape(cited.author), _when(cited.at)) if b)
    title = f" _{escape(clip(cited.title, 80))}_" if cited.title else ""
    return f"entry `{entry_id}`{title}" + (f" ({bits})" if bits else "")


def sources(citations: Sequence[Citation], reply: Reply) -> str:
    parts: list[str] = []
    for c in citations:
        if c.entry_id:
            parts.append(_entry_ref(c.entry_id, reply.entries))
        parts += [_run_ref(r, reply.runs) for r in c.run_ids]
    unique = list(dict.fromkeys(parts))
    return ("Sources: " + " · ".join(unique[:12]) + (" …" if len(unique) > 12 else "")) if unique else ""


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
        body.insert(0, note(" ".join(f"⚠️ {escape(n)}" for n in notices)))
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
        body = [text_block(escape(payload.answer))]
        cites = sources(payload.citations, reply)
        return body + ([note(cites)] if cites else [])
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
    entry, s = outcome.entry, outcome.structure
    meta = (f"entry `{entry.id}` · {escape(reply.project or '')} · {escape(entry.author)} · "
            f"{entry.at:%Y-%m-%d %H:%M} UTC")
    if outcome.pending:
        return [
            text_block(f"📝 **Saved your text** as entry `{entry.id}`. {escape(outcome.reason)} I will finish it "
                       "(runs, metrics, structure) as soon as the tracker answers, and update this card."),
            note(meta + " · _pending_"), note(_feeds(reply, pending=True)),
        ]
    body: list[Element] = [heading(s.title or "Experiment log"), note(meta)]
    body += titled("Hypotheses", (f"• {escape(h)}" for h in s.hypotheses))
    if s.runs:
        names = metric_columns((k for r in s.runs for k in r.metrics), primary=outcome.primary_metric,
                               text=outcome.entry.raw_text, limit=3)
        lines = []
        for r in s.runs:
            metrics = " · ".join(f"{escape(m)} {fmt_value(r.metrics[m])}" for m in names if m in r.metrics)
            status = f" · {escape(r.status.lower())}" if r.status and r.status != "FINISHED" else ""
            lines.append(f"• {link(r.url, r.run_name or short_id(r.run_id))} `{short_id(r.run_id)}`"
                         f"{' — ' + metrics if metrics else ''}{status} · _linked by {r.how}_")
        body += titled("Runs (values from the tracker)", lines)
    body += titled("Observations", (f"• {escape(o)}" for o in s.observations))
    body += titled("Conclusions", (f"{_VERDICT[c.verdict]} {escape(c.text)}" for c in s.conclusions))
    body += titled("Next steps", (f"→ {escape(n)}" for n in s.next_steps))
    for tried in reply.tried:
        body.append(text_block(f"⚠️ **You already tried this:** “{escape(clip(tried.step, 200))}”",
                               color="Warning"))
        body.append(text_block(_match_line(tried.match, reply)))
    body += titled("Open questions", (f"? {escape(q)}" for q in s.open_questions))
    body += [text_block(f"**Decision** ({d.kind.replace('_', ' ')}): {escape(d.text)}") for d in s.decisions]
    if s.warnings:
        body.append(note(" ".join(f"⚠ {escape(clip(w, 300))}" for w in s.warnings[:5])))
    body.append(note(_feeds(reply)))
    return body


def _match_line(m: CheckMatch, reply: Reply) -> str:
    who = ", ".join(b for b in (escape(m.author), _when(m.at)) if b)
    line = f"• {escape(clip(m.summary, 400))}" + (f" — {who}" if who else "")
    if m.outcome:
        line += f" · _what happened:_ {escape(clip(m.outcome, 300))}"
    refs = ([_entry_ref(m.entry_id, reply.entries)] if m.entry_id else []) + [_run_ref(r, reply.runs)
                                                                              for r in m.run_ids[:5]]
    return line + (" · " + " · ".join(refs) if refs else "")


def _check(result: CheckResult, reply: Reply) -> list[Element]:
    verdict = "⚠️ **You already tried this.**" if result.already_tried else "✅ **Not tried as such.**"
    if result.planned:
        verdict = "🗓️ **Planned, not run yet.**"
    body = [text_block(f"{verdict} {escape(result.message)}".strip())]
    body += titled("Planned in the log", (
        f"• {escape(clip(p.text, 300))} — planned on {_when(p.at) or 'an earlier day'} by "
        f"{escape(p.author or 'someone')}, not run yet · {_entry_ref(p.entry_id, reply.entries)}"
        for p in result.planned[:3]))
    body += titled("Closest in the history" if not result.already_tried else "What was tried",
                   (_match_line(m, reply) for m in result.matches[:5]))
    return body


def _warning(result: CheckResult, reply: Reply) -> list[Element]:
    body = [text_block("👀 **Heads-up: this was already tried.**", color="Warning")]
    body += [text_block(_match_line(m, reply)) for m in result.matches[:3]]
    body.append(note("Said once per plan. `check TEXT` for more."))
    return body


def _phase(report: PhaseReport, reply: Reply) -> list[Element]:
    since = f" since {report.since:%Y-%m-%d}" if report.since else ""
    body = [heading(f"Phase summary{since} — {reply.project or ''}".strip(" —")),
            note(f"primary metric **{escape(report.primary_metric or '(not set)')}** ({report.goal})")]
    if report.summary:
        body.append(text_block(escape(report.summary)))
    if report.best:
        b = report.best
        reason = f" — {escape(report.best_reason)}" if report.best_reason else ""
        body.append(text_block(f"🏆 **Best:** {link(b.url, b.run_name or short_id(b.run_id))} `{short_id(b.run_id)}`"
                               f" {escape(report.primary_metric or '')} = **{fmt_value(b.value)}**{reason}"))
    body += titled("Metric switches", (f"• {escape(m)}" for m in report.metric_switches))
    approaches = []
    for a in report.approaches[:20]:
        runs = ", ".join(_run_ref(r, reply.runs) for r in a.run_ids[:4]) + (" …" if len(a.run_ids) > 4 else "")
        reason = f" — {escape(clip(a.reason, 200))}" if a.reason else ""
        best = f" · best {fmt_value(a.best_value)}" if a.best_value is not None else ""
        approaches.append(f"{_STATUS.get(a.status, '•')} **{escape(a.name)}** ({a.status}){reason}{best}"
                          f"{' · ' + runs if runs else ''}")
    body += titled("Approaches", approaches, limit=20)
    body += titled("Findings", (f"• {escape(f)}" for f in report.findings))
    body += titled("Next", (f"→ {escape(n)}" for n in report.next_steps))
    cites = sources(report.citations, reply)
    return body + ([note(cites)] if cites else [])


def _reproduce(r: ReproReport) -> list[Element]:
    body: list[Element] = []
    if r.status.upper() in ("FAILED", "KILLED"):
        body.append(text_block(f"⛔ **This run {r.status.upper()}.** Reproducing it reproduces a failure.",
                               color="Attention"))
    body += [heading(f"Reproducing {r.run_name or short_id(r.run_id)}"),
             note(f"{link(r.url, 'run ' + short_id(r.run_id))} · `{r.run_id}`")]
    body += titled("Recorded", (f"✓ {escape(k)}: `{escape(clip(v, 200))}`" for k, v in r.present.items()), limit=30)
    body += titled("Missing", (f"✗ {escape(m)}" for m in r.missing))
    body += titled("Steps", (f"{i}. {escape(step)}" for i, step in enumerate(r.steps, 1)))
    body += titled("Checks", (f"• {escape(c)}" for c in r.checks))
    if r.entries:
        body.append(note("Entries: " + ", ".join(f"`{escape(e)}`" for e in r.entries[:10])))
    return body


def _digest(d: Digest, reply: Reply) -> list[Element]:
    body = [
        heading(f"{d.project} — work of {date_span(d.work_from, d.work_to)}" if d.work_from and d.work_to
                else f"{d.project} — no new work"),
        note(f"primary metric **{escape(d.primary_metric or '(not set)')}** ({d.goal}) · "
             f"digest of {d.since:%Y-%m-%d} → {d.until:%Y-%m-%d}"),
    ]
    if d.best:
        moved = d.best_before is not None and d.best_before.run_id != d.best.run_id
        before = ""
        if d.best_before is not None:
            before = f" (was {fmt_value(d.best_before.value)})" if moved else " (unchanged)"
        body.append(text_block(f"🏆 **Best:** {link(d.best.url, d.best.run_name or short_id(d.best.run_id))} "
                               f"= **{fmt_value(d.best.value)}**{before}"))
    for name, lines in d.sections.items():
        rendered = []
        for line in lines:
            cites = sources(line.citations, reply).removeprefix("Sources: ")
            rendered.append(f"• {escape(line.text)}" + (f"  _({cites})_" if cites else ""))
        body += titled(section_title(name), rendered)
    return body


def _next(plan: NextPlan, reply: Reply) -> list[Element]:
    body = [heading(f"What to run next — {reply.project or ''}".strip(" —"))]
    if plan.best:
        body.append(note(f"Best so far: {link(plan.best.url, plan.best.run_name or short_id(plan.best.run_id))} "
                         f"= {fmt_value(plan.best.value)}"))
    lines = []
    for x in sorted(plan.experiments, key=lambda e: e.priority):
        cites = sources(x.citations, reply).removeprefix("Sources: ")
        lines.append(f"**{x.priority}. {escape(x.title)}** — {escape(x.why)}" + (f"  _({cites})_" if cites else ""))
    body += titled("Run next", lines or ["Nothing obvious: log a few more entries first."])
    body += titled("Low return given the history", (f"• {escape(line.text)}" for line in plan.low_roi))
    if plan.missing_baseline:
        body.append(text_block(f"**Baseline:** {escape(plan.missing_baseline)}"))
    if plan.pivot:
        body.append(text_block(f"**Pivot?** {escape(plan.pivot)}"))
    return body


def _decision(doc: DecisionDoc, reply: Reply) -> list[Element]:
    body = [heading(doc.title or "Decision record")]
    if doc.criteria:
        body.append(note("Criteria: " + ", ".join(escape(c) for c in doc.criteria)))
    lines = []
    for f in doc.finalists:
        mark = "🏆 " if f.run_id == doc.selected_run_id else "• "
        shown = metric_columns(f.metrics, primary=next((m.metric for m in doc.measures if m.source == "metric"), None),
                               text=" ".join(doc.criteria))
        metrics = " · ".join(f"{escape(k)} {fmt_value(f.metrics[k])}" for k in shown)
        cited = reply.runs.get(f.run_id)
        name = f.run_name or (cited.name if cited else "") or short_id(f.run_id)
        lines.append(f"{mark}{link(cited.url if cited else f.url, name)} `{short_id(f.run_id)}`"
                     + (f" — {metrics}" if metrics else ""))
    body += titled("Finalists", lines)
    if doc.rationale:
        body.append(text_block(f"**Why:** {escape(doc.rationale)}"))
    body += titled("Trade-offs", (f"• {escape(t)}" for t in doc.tradeoffs))
    cites = sources(doc.citations, reply)
    return body + ([note(cites)] if cites else [])


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
