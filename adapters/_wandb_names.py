"""W&B's own names: what its run ids look like, its URIs, its run states, how a run's recorded
tags split into the person's tags and the run's facts, and the one mutation COCO sends.

Imports nothing of ``wandb`` (about 1 s to import, and it starts ``wandb-core``): a cached W&B run is
read back, and a project's tracker URI is written, without it.

W&B keeps what it knows about a run in fields (``commit``, ``notes``, ``state``, ``wandb-metadata.json``'s
``program``/``codePath``/``args``), not in tags; its tags are labels. A :class:`~adapters.tracker.TrackedRun`
of W&B records those fields under the reserved ``wandb.`` prefix in ``recorded_tags`` (what a cache
keeps), so :func:`read_wandb_tags` gives back the same facts from a cached run.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import shlex
import threading
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any

from adapters.tracker import RUN_ID_MIN_PREFIX, FactLabels, RunFacts, check_statuses

WANDB_PREFIX = "wandb."
PATH_TAG = "wandb.path"  # entity/project/id: always recorded, so a cached run is known to be W&B's
STATE_TAG = "wandb.state"  # W&B's own state word (crashed, preempted...) next to the mapped status
COMMIT_TAG = "wandb.commit"
PROGRAM_TAG = "wandb.program"
CODE_PATH_TAG = "wandb.code_path"
ARGS_TAG = "wandb.args"
NOTES_TAG = "wandb.notes"
COCO_TAG = "coco"  # the label COCO puts on a run it wrote a note to

WANDB_LABELS = FactLabels(
    commit="W&B commit",
    source="W&B program (wandb-metadata.json)",
    project_entry="W&B program and args (wandb-metadata.json)",
    project_params="its args were recorded with it",
)
# Python's import lock is per module: two worker threads importing wandb's package tree at once
# deadlock on it (``_DeadlockError``) or see a half-initialised module (an ``ImportError`` naming
# ``service_connection``), which a burst of DMs to a W&B project did. One importer at a time.
_IMPORTING = threading.Lock()
_WANDB_MODULES = ("wandb", "wandb.errors", "wandb.util", "wandb.sdk.lib.service.service_connection")


def import_wandb() -> ModuleType:
    """The ``wandb`` package, with the parts COCO uses, imported once and by one thread."""
    with _IMPORTING:
        for name in _WANDB_MODULES:
            importlib.import_module(name)
        return importlib.import_module("wandb")


# Recorded fields that are not "other" facts: promoted to fields of RunFacts, or the note itself.
_PROMOTED = frozenset({PATH_TAG, COMMIT_TAG, PROGRAM_TAG, CODE_PATH_TAG, ARGS_TAG, NOTES_TAG})

# W&B run states -> the statuses TrackedRun speaks (MLflow's words). A crashed run stopped sending
# heartbeats (the machine died): it failed. A preempted run was stopped from outside: killed.
STATUS = {
    "finished": "FINISHED",
    "failed": "FAILED",
    "crashed": "FAILED",
    "killed": "KILLED",
    "preempted": "KILLED",
    "running": "RUNNING",
    "preempting": "RUNNING",
    "pending": "SCHEDULED",
}

# TrackedRun statuses -> the W&B states that map onto each (STATUS the other way round).
STATES_OF = {status: tuple(w for w, s in STATUS.items() if s == status) for status in dict.fromkeys(STATUS.values())}


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def aware(when: dt.datetime, what: str) -> dt.datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        # A naive datetime is ambiguous (local time? UTC?) and the window would silently shift.
        raise ValueError(f"{what} must be a timezone-aware datetime, got {when!r}")
    return when.astimezone(dt.UTC)


def run_filters(
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    user: str | None = None,
    statuses: Sequence[str] = (),
    run_ids: Sequence[str] = (),
    extra: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The server-side filter (W&B's Mongo-style JSON, backend column names) of a window, a user,
    run statuses (as W&B's states map onto them) and run ids.

    The window is widened to whole seconds (W&B shows ``createdAt`` in whole seconds; its stored
    precision may be finer) and re-checked on the shown time, so its edges are inclusive either way."""
    clauses: list[Mapping[str, Any]] = []
    created: dict[str, str] = {}
    if since is not None:
        created["$gte"] = iso(aware(since, "since").replace(microsecond=0))
    if until is not None:
        top = aware(until, "until")
        if top.microsecond:
            top = top.replace(microsecond=0) + dt.timedelta(seconds=1)
        created["$lte"] = iso(top)
    if created:
        clauses.append({"createdAt": created})
    if user is not None:
        clauses.append({"username": user})
    if statuses:
        clauses.append({"state": {"$in": [w for s in check_statuses(statuses) for w in STATES_OF.get(s, ())]}})
    if run_ids:
        clauses.append({"name": {"$in": list(run_ids)}})  # a run's id is its `name` on the server
    clauses.extend(extra)
    if not clauses:
        return {}
    return dict(clauses[0]) if len(clauses) == 1 else {"$and": clauses}


# A run id made by wandb.init() is 8 characters of [0-9a-z]; people paste it whole or a prefix of
# RUN_ID_MIN_PREFIX or more. Free text is full of 6-8 letter words ("baseline", "lightgbm"), so a
# token counts only if it holds a digit and a letter (as 92% of generated ids do), or is 8 letters
# without a vowel ("llrclcqm": no English word); other all-letter ids are recognised once the tracker
# has seen them (see WandbTracker.run_ref_pattern). Not inside a longer word or number.
_MIXED = rf"(?=[0-9a-z]{{0,7}}[0-9])(?=[0-9a-z]{{0,7}}[a-z])[0-9a-z]{{{RUN_ID_MIN_PREFIX},8}}"
_NO_VOWEL = r"[b-df-hj-np-tv-z]{8}"
_EDGES = ("(?<![0-9A-Za-z])", "(?![0-9A-Za-z])")
RUN_REF_PATTERN = re.compile(f"{_EDGES[0]}(?:{_MIXED}|{_NO_VOWEL}){_EDGES[1]}")
_RUN_REF_TOKEN = re.compile(f"(?:{_MIXED}|{_NO_VOWEL})")
# wandb_settings.validate_run_id: any text without these characters and outer spaces is a valid id.
_BAD_ID_CHARS = frozenset(":;,#?/'")


def looks_like_run_ref(token: str, known: Iterable[str] = ()) -> bool:
    """A generated run id or a prefix of one (or of a ``known`` id), in any case."""
    low = token.strip().lower()
    if _RUN_REF_TOKEN.fullmatch(low):
        return True
    return len(low) >= RUN_ID_MIN_PREFIX and any(k.startswith(low) for k in known)


def pattern_with(known_letter_ids: Iterable[str]) -> re.Pattern[str]:
    """:data:`RUN_REF_PATTERN` that also finds the given all-letter ids and their 6+ prefixes."""
    forms = sorted({i[:n] for i in known_letter_ids for n in range(RUN_ID_MIN_PREFIX, len(i) + 1)},
                   key=lambda f: (-len(f), f))
    if not forms:
        return RUN_REF_PATTERN
    extra = "|".join(re.escape(f) for f in forms)
    return re.compile(f"{_EDGES[0]}(?:{_MIXED}|{_NO_VOWEL}|{extra}){_EDGES[1]}")


def is_valid_run_id(ref: str) -> bool:
    return bool(ref) and ref == ref.strip() and not any(c in _BAD_ID_CHARS for c in ref)


def is_wandb_key(key: str) -> bool:
    return key.startswith(WANDB_PREFIX)


def is_wandb_recorded(tags: Mapping[str, str]) -> bool:
    """Whether recorded tags are a W&B run's (they always carry its path)."""
    return PATH_TAG in tags


# -- URIs: where the W&B server is -------------------------------------------------------------------
# ``wandb://`` is "the server the wandb client is configured for" (WANDB_BASE_URL, else its default
# host); ``wandb+https://host`` / ``wandb+http://127.0.0.1:PORT`` name a server (W&B Server, dedicated
# cloud, a test fake) so a project keeps pointing at the server its runs are on.
SCHEME = "wandb"
DEFAULT_URI = "wandb://"


def uri_for(base_url: str | None) -> str:
    """The tracker URI of a W&B server base URL (None or empty: the client's configured server)."""
    base = (base_url or "").strip().rstrip("/")
    if not base:
        return DEFAULT_URI
    if "://" not in base:
        base = "https://" + base
    return f"{SCHEME}+{base}"


def base_url_of(uri: str) -> str | None:
    """The base URL a W&B tracker URI names, or None for the client's configured server."""
    uri = uri.strip()
    low = uri.lower()
    if low.startswith(f"{SCHEME}+"):
        return uri[len(SCHEME) + 1 :].rstrip("/") or None
    if low.startswith(f"{SCHEME}://"):
        rest = uri[len(SCHEME) + 3 :].strip("/")
        return f"https://{rest}" if rest else None
    return None


def is_wandb_uri(uri: str) -> bool:
    low = uri.strip().lower()
    return low.startswith((f"{SCHEME}://", f"{SCHEME}+"))


# -- recorded tags <-> facts ---------------------------------------------------------------------------


def label_tags(labels: Iterable[str]) -> dict[str, str]:
    """W&B tags are labels; ``dataset_version=v3`` or ``seed:7`` read as a key and a value, as people
    write them for lack of key-value tags; a plain label keeps an empty value."""
    out: dict[str, str] = {}
    for label in labels:
        text = str(label).strip()
        if not text:
            continue
        key, sep, value = text.partition("=") if "=" in text else text.partition(":")
        if sep and key.strip() and value.strip():
            out[key.strip()] = value.strip()
        else:
            out[text] = ""
    return out


def rerun_command(*, program: str, args: str) -> str:
    """``python PROGRAM ARGS`` when W&B recorded the script and its command-line arguments, else ``""``."""
    if not program or not program.endswith(".py") or not args:
        return ""
    return f"python {shlex.quote(program)} {args}"


def read_wandb_tags(tags: Mapping[str, str]) -> tuple[dict[str, str], RunFacts]:
    """``(the person's tags, the run's facts)`` from the recorded tags of a W&B run."""
    user = {k: v for k, v in tags.items() if not k.startswith(WANDB_PREFIX)}
    other = {k: v for k, v in tags.items() if k.startswith(WANDB_PREFIX) and k not in _PROMOTED and v}
    source = tags.get(CODE_PATH_TAG) or tags.get(PROGRAM_TAG) or ""
    return user, RunFacts(
        git_commit=tags.get(COMMIT_TAG, ""),
        source_name=source,
        source_type="",
        entry_point="",
        rerun_command=rerun_command(program=source, args=tags.get(ARGS_TAG, "")),
        dataset=None,
        other=other,
        labels=WANDB_LABELS,
    )


_UPSERT = (
    "mutation UpsertBucket($id: String!{decl}) {{\n"
    "  upsertBucket(input: {{id: $id{args}}}) {{ bucket {{ id name notes tags }} }}\n"
    "}}"
)


def upsert(run: Any, changes: dict[str, tuple[str, Any]]) -> None:
    """One ``UpsertBucket`` with only ``changes`` (name: (GraphQL type, value)); nothing when empty.
    ``Run._exec`` is how ``Run.update()`` itself sends it (wandb 0.31)."""
    if changes:
        decl = "".join(f", ${k}: {t}" for k, (t, _v) in changes.items())
        args = "".join(f", {k}: ${k}" for k in changes)
        run._exec(_UPSERT.format(decl=decl, args=args), id=run.storage_id, **{k: v for k, (_t, v) in changes.items()})
