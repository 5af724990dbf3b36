"""Where a write comes from: the inbound event being handled, set by the worker that handles it.

A chat event can be handled twice when its first worker dies half-way (``kill -9``, a lost replica):
the inbox hands it to another worker, which runs the conversation again. The entry that the first
attempt may already have stored must then be found, not added a second time. The conversation and
the narrative layer know nothing of inboxes, so the origin travels as context, not as a parameter:
the worker sets it around one event's handling (asyncio tasks and ``to_thread`` copy it), and
``EntryStore.add_entry`` stores it and, finding an entry of the same origin, returns that entry.
"""

from __future__ import annotations

from contextvars import ContextVar

# The inbox row id of the inbound being handled; None outside an inbox worker (the CLI, tests).
ENTRY_ORIGIN: ContextVar[str | None] = ContextVar("coco_entry_origin", default=None)
