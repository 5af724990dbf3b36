"""Slack renderer: a neutral :class:`bot.messages.Reply` in, Block Kit out.

Only presentation. Every value comes from the reply's domain payload; every run shown links to the
tracker's own page for it. Block Kit's limits are respected by construction, and long content is cut
with a visible "…" rather than rejected by Slack (``invalid_blocks``):

* 50 blocks per message (100 in a modal or App Home), 3000 characters per section text, 10 fields per
  section, 150 characters per header, 75 per button label, 2000 per button value, 10 context elements;
* modal titles and submit labels 24 characters, ``private_metadata`` 3000, input values 3000.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from bot.formatting import date_span, fmt_value, metric_columns, removed_secrets_line, section_title, short_id
from bot.messages import HelpLines, HomeView
from bot.verbs import DM_LINE
from narrative.types import Answer, CheckResult, DecisionDoc, Digest, NextPlan, PhaseReport, ReproReport

if TYPE_CHECKING:
    from bot.messages import CitedEntry, CitedRun, Form, Reply, ReplyAction, ReplyPayload
    from bot.nudges import NudgeHome, NudgeView
    from narrative.service import LogOutcome
    from narrative.types import CheckMatch, Citation

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SURFACE_BLOCKS = 100  # modals and App Home
MAX_TEXT = 3000
MAX_HEADER = 150
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_MODAL_TITLE = 24
MAX_FALLBACK = 3000  # chat.postMessage's `text` is longer in theory; notifications show far less
MAX_RUN_LINES = 15
MAX_METRICS_SHOWN = 3
_VERDICT = {"worked": "✅", "did_not_work": "❌", "inconclusive": "•"}
HELP_FIRST = DM_LINE[0]  # the first line of the help
_STATUS = {"open": "🟡", "adopted": "🟢", "exhausted": "🔴", "abandoned": "⚪"}


# -- text helpers ----------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn; everything a person wrote goes through here."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def link(url: str, label: str) -> str:
    label = escape(label).replace("|", "¦")
    return f"<{url}|{label}>" if url and url.startswith(("http://", "https://")) else label


def _when(at: dt.datetime | None) -> str:
    return f"{at:%Y-%m-%d}" if at else ""


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_TEXT)}}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text or "COCO", MAX_HEADER), "emoji": True}}


def context(*texts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": clip(t, MAX_TEXT)} for t in texts if t][:MAX_CONTEXT_ELEMENTS]
    return {"type": "context", "elements": elements or [{"type": "mrkdwn", "text": " "}]}


def divider() -> Block:
    return {"type": "divider"}


def sections(title: str, lines: Iterable[str]) -> list[Block]:
    """A titled list as few sections as the 3000-character limit allows (a line is never split)."""
    blocks: list[Block] = []
    current = f"*{title}*" if title else ""
    for line in lines:
        line = clip(line, MAX_TEXT - 10)
        if current and len(current) + 1 + len(line) > MAX_TEXT:
            blocks.append(section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current and current != f"*{title}*":
        blocks.append(section(current))
    return blocks


def fit(blocks: list[Block], *, limit: int = MAX_BLOCKS, keep_last: int = 0) -> list[Block]:
    """At most ``limit`` blocks, keeping the last ``keep_last`` (the buttons) and saying what was cut."""
    if len(blocks) <= limit:
        return blocks
    tail = blocks[len(blocks) - keep_last:] if keep_last else []
    head = blocks[: limit - keep_last - 1]
    cut = len(blocks) - keep_last - len(head)
    return [*head, context(f"… {cut} more block(s) not shown (Slack's limit); the full text is in COCO."), *tail]


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


def _buttons(actions: Sequence[ReplyAction]) -> Block | None:
    if not actions:
        return None
    elements: list[Block] = []
    for action in actions[:25]:
        button: Block = {
            "type": "button",
            "action_id": action.action_id if len(actions) == len({a.action_id for a in actions})
            else f"{action.action_id}:{len(elements)}",
            "text": {"type": "plain_text", "text": clip(action.label, MAX_BUTTON_LABEL), "emoji": True},
            "value": action.value[:MAX_BUTTON_VALUE],
        }
        if action.style:
            button["style"] = action.style
        if action.confirm:
            button["confirm"] = {
                "title": {"type": "plain_text", "text": "Are you sure?"},
                "text": {"type": "mrkdwn", "text": clip(escape(action.confirm), 300)},
                "confirm": {"type": "plain_text", "text": clip(action.label, 30)},
                "deny": {"type": "plain_text", "text": "Cancel"},
            }
        elements.append(button)
    return {"type": "actions", "block_id": "coco_actions", "elements": elements}


def action_id_base(action_id: str) -> str:
    """The conversation's action id of a button (several buttons of one kind get a ``:n`` suffix)."""
    return action_id.split(":", 1)[0]


# -- replies ---------------------------------------------------------------------------------------


def blocks_for(reply: Reply) -> list[Block]:
    """The Block Kit blocks of a reply (a message), at most 50."""
    blocks = _body(reply)
    notices: list[str] = list(getattr(reply.payload, "notices", None) or [])
    if notices:  # how the answer was written (e.g. the model was down) is said first, never dropped
        blocks.insert(0, context(*(f"⚠️ {escape(n)}" for n in notices)))
    buttons = _buttons(reply.actions)
    if buttons is not None:
        blocks.append(buttons)
    return fit(blocks, keep_last=1 if buttons is not None else 0)


def _body(reply: Reply) -> list[Block]:
    """The blocks of what the reply shows, chosen by the type of its payload (a channel's warning
    shows a check result its own way); a reply without one is a notice."""
    from narrative.service import LogOutcome

    payload = reply.payload
    if isinstance(payload, LogOutcome):
        return _entry(payload, reply)
    if isinstance(payload, CheckResult):
        return _warning(payload, reply) if reply.kind == "warning" else _check(payload, reply)
    if isinstance(payload, Answer):
        return _answer(payload, reply)
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
        return _help(payload, reply)
    from bot.nudges import NudgeView

    if isinstance(payload, NudgeView):
        return _nudge(payload)
    return _notice(reply)


def fallback_text(reply: Reply) -> str:
    """The ``text`` of a post (notifications, screen readers, clients without blocks): Slack parses it
    as mrkdwn too, so it is encoded exactly once like the blocks, and no ``<!channel>``, ``<@U…>`` or
    link a person typed turns into a ping or a link. Cut before encoding, so an entity is never split."""
    return escape(clip(reply.text, MAX_FALLBACK))


def _feeds(reply: Reply, *, pending: bool = False) -> str:
    project = f"*{escape(reply.project or '?')}*"
    if reply.feeds_channels:
        where = ", ".join(f"<#{c}>" for c in reply.feeds_channels[:5])
        feeds = f"This entry feeds project {project} and {where}."
    else:
        feeds = f"This entry joins the history of project {project} (no channel linked yet)."
    return f"🔒 Your DM stays private. {feeds}" + (" It will be shared once it is finished." if pending else "")


def _entry(outcome: LogOutcome, reply: Reply) -> list[Block]:
    entry, s = outcome.entry, outcome.structure
    meta = (f"entry `{entry.id}` · {escape(reply.project or '')} · {escape(entry.author)} · "
            f"{entry.at:%Y-%m-%d %H:%M} UTC")
    removed = [context(f"🔒 {escape(line)}")] if (line := removed_secrets_line(outcome)) else []
    if outcome.pending:
        return [
            *removed,
            section(f"📝 *Saved your text* as entry `{entry.id}`. {escape(outcome.reason)}\n"
                    "I will finish it (runs, metrics, structure) as soon as the tracker answers, and update this "
                    "message."),
            context(meta + " · _pending_", _feeds(reply, pending=True)),
        ]
    blocks: list[Block] = [header(s.title or "Experiment log"), context(meta), *removed]
    if s.hypotheses:
        blocks += sections("Hypotheses", (f"• {escape(h)}" for h in s.hypotheses))
    if s.runs:
        names = metric_columns((k for r in s.runs for k in r.metrics), primary=outcome.primary_metric,
                               text=outcome.entry.raw_text, limit=MAX_METRICS_SHOWN)
        lines = []
        for r in s.runs[:MAX_RUN_LINES]:
            metrics = " · ".join(f"{escape(m)} {fmt_value(r.metrics[m])}" for m in names if m in r.metrics)
            status = f" · {escape(r.status.lower())}" if r.status and r.status != "FINISHED" else ""
            lines.append(f"• {link(r.url, r.run_name or short_id(r.run_id))} `{short_id(r.run_id)}`"
                         f"{' — ' + metrics if metrics else ''}{status} · _linked by {r.how}_")
        if len(s.runs) > MAX_RUN_LINES:
            lines.append(f"… and {len(s.runs) - MAX_RUN_LINES} more run(s)")
        blocks += sections("Runs (values from the tracker)", lines)
    if s.observations:
        blocks += sections("Observations", (f"• {escape(o)}" for o in s.observations))
    if s.conclusions:
        blocks += sections("Conclusions", (f"{_VERDICT[c.verdict]} {escape(c.text)}" for c in s.conclusions))
    if s.next_steps:
        blocks += sections("Next steps", (f"→ {escape(n)}" for n in s.next_steps))
    for note in reply.tried:
        blocks.append(section(f"⚠️ *You already tried this:* “{escape(clip(note.step, 200))}”\n"
                              + _match_line(note.match, reply)))
    if s.open_questions:
        blocks += sections("Open questions", (f"? {escape(q)}" for q in s.open_questions))
    for d in s.decisions:
        blocks.append(section(f"*Decision* ({d.kind.replace('_', ' ')}): {escape(d.text)}"))
    if s.warnings:
        blocks.append(context(*(f"⚠ {escape(clip(w, 500))}" for w in s.warnings[:5])))
    blocks.append(context(_feeds(reply)))
    return blocks


def _match_line(m: CheckMatch, reply: Reply) -> str:
    who = ", ".join(b for b in (escape(m.author), _when(m.at)) if b)
    lines = [f"• {escape(clip(m.summary, 400))}" + (f" — {who}" if who else "")]
    if m.outcome:
        lines.append(f"   _what happened:_ {escape(clip(m.outcome, 400))}")
    refs = ([_entry_ref(m.entry_id, reply.entries)] if m.entry_id else []) + [_run_ref(r, reply.runs)
                                                                              for r in m.run_ids[:5]]
    if refs:
        lines.append("   " + " · ".join(refs))
    return "\n".join(lines)


def _check(result: CheckResult, reply: Reply) -> list[Block]:
    verdict = "⚠️ *You already tried this.*" if result.already_tried else "✅ *Not tried as such.*"
    if result.planned:
        verdict = "🗓️ *Planned, not run yet.*"  # a plan in the log is its own answer
    blocks = [section(f"{verdict} {escape(result.message)}".strip())]
    if result.planned:
        blocks += sections("Planned in the log", (
            f"• {escape(clip(p.text, 300))} — planned on {_when(p.at) or 'an earlier day'} by "
            f"{escape(p.author or 'someone')}, not run yet · {_entry_ref(p.entry_id, reply.entries)}"
            for p in result.planned[:3]))
    if result.matches:
        blocks += sections("Closest in the history" if not result.already_tried else "What was tried",
                           (_match_line(m, reply) for m in result.matches[:5]))
    return blocks


def _warning(result: CheckResult, reply: Reply) -> list[Block]:
    blocks = [section("👀 *Heads-up: this was already tried.*")]
    blocks += sections("", (_match_line(m, reply) for m in result.matches[:3]))
    blocks.append(context("Only said once per thread. `/coco check TEXT` for more."))
    return blocks


def _answer(answer: Answer, reply: Reply) -> list[Block]:
    blocks = [section(escape(answer.answer))]
    cites = sources(answer.citations, reply)
    if cites:
        blocks.append(context(cites))
    return blocks


def _phase(report: PhaseReport, reply: Reply) -> list[Block]:
    since = f" since {report.since:%Y-%m-%d}" if report.since else ""
    blocks: list[Block] = [header(f"Phase summary{since} — {reply.project or ''}".strip(" —")),
                           context(f"primary metric *{escape(report.primary_metric or '(not set)')}* ({report.goal})")]
    if report.summary:
        blocks.append(section(escape(report.summary)))
    if report.best:
        b = report.best
        reason = f" — {escape(report.best_reason)}" if report.best_reason else ""
        blocks.append(section(f"🏆 *Best:* {link(b.url, b.run_name or short_id(b.run_id))} `{short_id(b.run_id)}` "
                              f"{escape(report.primary_metric or '')} = *{fmt_value(b.value)}*{reason}"))
    if report.metric_switches:
        blocks += sections("Metric switches", (f"• {escape(m)}" for m in report.metric_switches))
    if report.approaches:
        lines = []
        for a in report.approaches[:20]:
            runs = ", ".join(_run_ref(r, reply.runs) for r in a.run_ids[:4]) + (" …" if len(a.run_ids) > 4 else "")
            reason = f" — {escape(clip(a.reason, 200))}" if a.reason else ""
            lines.append(f"{_STATUS.get(a.status, '•')} *{escape(a.name)}* ({a.status}){reason}"
                         f"{' · best ' + fmt_value(a.best_value) if a.best_value is not None else ''}"
                         f"{' · ' + runs if runs else ''}")
        blocks += sections("Approaches", lines)
    if report.findings:
        blocks += sections("Findings", (f"• {escape(f)}" for f in report.findings))
    if report.next_steps:
        blocks += sections("Next", (f"→ {escape(n)}" for n in report.next_steps))
    cites = sources(report.citations, reply)
    if cites:
        blocks.append(context(cites))
    return blocks


def _reproduce(r: ReproReport) -> list[Block]:
    blocks: list[Block] = []
    if r.status.upper() in ("FAILED", "KILLED"):  # said first: this recipe reproduces a failure
        blocks.append(section(f"⛔ *This run {r.status.upper()}.* Reproducing it reproduces a failure."))
    blocks += [header(f"Reproducing {r.run_name or short_id(r.run_id)}"),
               context(f"{link(r.url, 'run ' + short_id(r.run_id))} · `{r.run_id}`")]
    if r.present:
        blocks += sections("Recorded", (f"✓ {escape(k)}: `{escape(clip(v, 200))}`" for k, v in r.present.items()))
    if r.missing:
        blocks += sections("Missing", (f"✗ {escape(m)}" for m in r.missing))
    if r.steps:
        blocks += sections("Steps", (f"{i}. {escape(step)}" for i, step in enumerate(r.steps, 1)))
    if r.checks:
        blocks += sections("Checks", (f"• {escape(c)}" for c in r.checks))
    if r.entries:
        blocks.append(context("Entries: " + ", ".join(f"`{escape(e)}`" for e in r.entries[:10])))
    return blocks


def _digest(d: Digest, reply: Reply) -> list[Block]:
    blocks: list[Block] = [
        header(f"{d.project} — work of {date_span(d.work_from, d.work_to)}" if d.work_from and d.work_to
               else f"{d.project} — no new work"),
        context(f"primary metric *{escape(d.primary_metric or '(not set)')}* ({d.goal}) · "
                f"digest of {d.since:%Y-%m-%d} → {d.until:%Y-%m-%d}"),
    ]
    if d.best:
        moved = d.best_before is not None and d.best_before.run_id != d.best.run_id
        before = ""
        if d.best_before is not None:
            before = f" (was {fmt_value(d.best_before.value)})" if moved else " (unchanged)"
        blocks.append(section(f"🏆 *Best:* {link(d.best.url, d.best.run_name or short_id(d.best.run_id))} "
                              f"= *{fmt_value(d.best.value)}*{before}"))
    for name, lines in d.sections.items():
        if lines:
            rendered = []
            for line in lines:
                cites = sources(line.citations, reply).removeprefix("Sources: ")
                rendered.append(f"• {escape(line.text)}" + (f"  _({cites})_" if cites else ""))
            blocks += sections(section_title(name), rendered)
    return blocks


def _next(plan: NextPlan, reply: Reply) -> list[Block]:
    blocks: list[Block] = [header(f"What to run next — {reply.project or ''}".strip(" —"))]
    if plan.best:
        blocks.append(context(f"Best so far: {link(plan.best.url, plan.best.run_name or short_id(plan.best.run_id))} "
                              f"= {fmt_value(plan.best.value)}"))
    lines = []
    for x in sorted(plan.experiments, key=lambda e: e.priority):
        cites = sources(x.citations, reply).removeprefix("Sources: ")
        lines.append(f"*{x.priority}. {escape(x.title)}* — {escape(x.why)}" + (f"  _({cites})_" if cites else ""))
    blocks += sections("Run next", lines or ["Nothing obvious: log a few more entries first."])
    if plan.low_roi:
        blocks += sections("Low return given the history", (f"• {escape(line.text)}" for line in plan.low_roi))
    if plan.missing_baseline:
        blocks.append(section(f"*Baseline:* {escape(plan.missing_baseline)}"))
    if plan.pivot:
        blocks.append(section(f"*Pivot?* {escape(plan.pivot)}"))
    return blocks


def _decision(doc: DecisionDoc, reply: Reply) -> list[Block]:
    blocks: list[Block] = [header(doc.title or "Decision record")]
    if doc.criteria:
        blocks.append(context("Criteria: " + ", ".join(escape(c) for c in doc.criteria)))
    lines = []
    for f in doc.finalists:
        mark = "🏆 " if f.run_id == doc.selected_run_id else "• "
        shown = metric_columns(f.metrics, primary=next((m.metric for m in doc.measures if m.source == "metric"), None),
                               text=" ".join(doc.criteria))
        metrics = " · ".join(f"{escape(k)} {fmt_value(f.metrics[k])}" for k in shown)
        cited = reply.runs.get(f.run_id)
        name = f.run_name or (cited.name if cited else "") or short_id(f.run_id)
        lines.append(f"{mark}{link(cited.url if cited else '', name)} `{short_id(f.run_id)}`"
                     + (f" — {metrics}" if metrics else ""))
    blocks += sections("Finalists", lines)
    if doc.measures:
        from narrative.decision import cell, how_measured

        names = {f.run_id: f.run_name or short_id(f.run_id) for f in doc.finalists}
        rows = [f"*{escape(m.criterion)}* — {escape(how_measured(m))}: "
                + " · ".join(f"{escape(names[f.run_id])} {cell(m, f.run_id).replace('**', '*')}" for f in doc.finalists)
                for m in doc.measures]
        blocks += sections("Criteria", rows)
    if doc.rationale:
        blocks.append(section(f"*Why:* {escape(doc.rationale)}"))
    if doc.tradeoffs:
        blocks += sections("Trade-offs", (f"• {escape(t)}" for t in doc.tradeoffs))
    cites = sources(doc.citations, reply)
    if cites:
        blocks.append(context(cites))
    return blocks


def _help(help_lines: HelpLines, reply: Reply) -> list[Block]:
    first = reply.text.split("\n", 1)[0]
    intro = "" if first.startswith(HELP_FIRST) else first
    lines = [f"`{escape(cmd)}` — {escape(what)}" for cmd, what in help_lines.lines]
    return [*([section(escape(intro))] if intro else []), *sections("What I can do", lines)]


def _nudge(view: NudgeView) -> list[Block]:
    """The end-of-day nudge: the day's runs as a monospace table per project (Block Kit has no table
    a DM renders everywhere), FAILED first, then the three prompts."""
    from narrative.today import table_lines

    runs = sum(len(t.rows) for t in view.tables)
    blocks: list[Block] = [header(f"End of day: {runs} run{'s' if runs != 1 else ''} of yours today")]
    for table in view.tables:
        metric = f" · primary metric *{escape(table.primary_metric)}* ({table.goal})" if table.primary_metric else ""
        blocks.append(context(f"*{escape(table.project)}* since {table.since:%H:%M} UTC{metric}"))
        blocks.append(section("```" + escape("\n".join(table_lines(table))) + "```"))
    blocks.append(section("\n".join(f"• *{escape(p)}*" for p in view.prompts)))
    blocks.append(context("Reply here in your own words (\"the second one diverged\" is enough), or press "
                          "*Log it*. `/coco nudge off` stops these."))
    return blocks


def _notice(reply: Reply) -> list[Block]:
    icon = {"error": "⚠️ ", "discarded": "🗑️ ", "held": "📥 "}.get(reply.kind, "")
    return [section(icon + escape(reply.text))]


# -- surfaces: modals and App Home -----------------------------------------------------------------


def modal_for(form: Form) -> Block:
    blocks: list[Block] = []
    for f in form.fields:
        element: Block
        if f.options:
            options = [{"text": {"type": "plain_text", "text": clip(label, 75)}, "value": value[:150]}
                       for value, label in f.options[:100]]
            element = {"type": "static_select", "action_id": "value", "options": options}
            initial = next((o for o in options if o["value"] == f.initial), None)
            if initial is not None:
                element["initial_option"] = initial
        else:
            element = {"type": "plain_text_input", "action_id": "value", "multiline": f.multiline,
                       "max_length": MAX_TEXT}
            if f.initial:
                element["initial_value"] = clip(f.initial, MAX_TEXT)
        block: Block = {"type": "input", "block_id": f.name, "optional": f.optional,
                        "label": {"type": "plain_text", "text": clip(f.label, 2000)}, "element": element}
        if f.hint:
            block["hint"] = {"type": "plain_text", "text": clip(f.hint, 2000)}
        blocks.append(block)
    metadata = json.dumps(form.metadata, separators=(",", ":"))
    if len(metadata) > MAX_TEXT:
        raise ValueError("form metadata over Slack's 3000 characters")
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": {"type": "plain_text", "text": clip(form.title, MAX_MODAL_TITLE)},
        "submit": {"type": "plain_text", "text": clip(form.submit_label, MAX_MODAL_TITLE)},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": blocks[:MAX_SURFACE_BLOCKS],
    }


def form_values(view: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """A submitted modal's values (field name -> text) and metadata, read back from Slack's state."""
    values: dict[str, str] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, actions in state.items():
        element = (actions or {}).get("value") or {}
        if element.get("type") == "static_select":
            values[block_id] = ((element.get("selected_option") or {}).get("value")) or ""
        else:
            values[block_id] = element.get("value") or ""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    return values, {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}


def _home_nudge(nudge: NudgeHome) -> list[Block]:
    from bot.messages import ReplyAction
    from bot.nudges import NUDGE_OFF, NUDGE_ON

    if nudge.enabled:
        state = f"*On*: {escape(nudge.days)} at {escape(nudge.at)} ({escape(nudge.timezone)})"
        if nudge.snoozed_until is not None and nudge.snoozed_until > dt.datetime.now(dt.UTC):
            state += f" · snoozed until {nudge.snoozed_until:%a %Y-%m-%d}"
    else:
        state = "*Off* (turn it on here or with `/coco nudge on`)"
    lines = [state, escape(nudge.about)]
    if not nudge.workspace_on:
        lines.append("⏸️ A workspace admin has turned nudges off for everyone for now.")
    if nudge.identity is None:
        lines.append("⚠️ " + escape(nudge.connect))
    else:
        lines.append(f"Your runs are those of *{escape(nudge.identity)}* in the tracker.")
    button = ReplyAction(NUDGE_OFF, "Turn nudges off") if nudge.enabled else \
        ReplyAction(NUDGE_ON, "Turn nudges on", style="primary")
    buttons = _buttons([button])
    return [*sections("End-of-day nudge", lines), *([buttons] if buttons else [])]


def home_view(view: ReplyPayload) -> Block:
    """App Home, from a ``home`` reply's payload (a :class:`HomeView`; anything else is a bug)."""
    if not isinstance(view, HomeView):
        raise TypeError(f"App Home shows a HomeView, not {type(view).__name__}")
    blocks: list[Block] = [
        header("Your COCO"),
        context(f"In the tracker you are *{escape(view.tracker_user)}* (`/coco me` to change) · your DMs go to "
                f"*{escape(view.default_project or '(choose with /coco project NAME)')}*"),
        divider(),
    ]
    entry_lines = []
    for entry, project in view.entries:
        title = entry.structure.title if entry.structure and entry.structure.title else clip(entry.raw_text, 60)
        state = " · _pending_" if entry.status == "pending" else ""
        runs = len(entry.run_ids)
        entry_lines.append(f"• `{entry.id}` *{escape(clip(title, 120))}* — {escape(project)} · {entry.at:%Y-%m-%d}"
                           f" · {runs} run(s){state}")
    blocks += sections("My recent entries", entry_lines or ["Nothing yet: DM me your end-of-day notes."])
    question_lines = [f"? {escape(clip(q, 300))} — `{e.id}`, {e.at:%Y-%m-%d}" for q, e in view.open_questions]
    blocks += sections("My open questions", question_lines or ["None open."])
    project_lines = []
    for p in view.projects:
        metric, goal = p.metric_now()
        channels = " ".join(f"<#{c}>" for c in p.channels[:5])
        experiments = escape(", ".join(p.experiment_names) or "no experiment")
        project_lines.append(f"• *{escape(p.name)}* — {experiments} · {escape(metric or 'no primary metric')} "
                             f"({goal}){' · ' + channels if channels else ''}")
    blocks += sections("My projects",
                       project_lines or ["No project yet: `/coco link PROJECT --mlflow-experiment EXP`."])
    if view.nudge is not None:
        blocks += _home_nudge(view.nudge)
    return {"type": "home", "blocks": fit(blocks, limit=MAX_SURFACE_BLOCKS)}
