"""One tracker over several: a project whose runs are partly in MLflow and partly in W&B (a team
moving from one to the other) reads as one history, each run linked to its own tracker's UI.

The composite's URI lists its members' URIs, ``multi:URI | URI`` (at most one member of each kind);
a scope entry says which member it belongs to, ``mlflow:EXPERIMENT_ID`` or ``wandb:ENTITY/PROJECT``,
and the runs a member reports carry such an ``experiment_id`` too, so a project's ``experiment_ids``
are matched as they are with one tracker. Pages are merged newest first across members; a page
token remembers, per member, its own page token and how many runs of that page were handed out.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import heapq
import json
import re
from collections.abc import Sequence

from adapters.tracker import Experiment, RunPage, TrackedRun, Tracker
from core.errors import AmbiguousRunIdError, RunNotFoundError, UserInputError

SCHEME = "multi"
_SEPARATOR = " | "


def composite_uri(members: Sequence[tuple[str, str]]) -> str:
    """``multi:URI | URI`` of (kind, uri) members."""
    return f"{SCHEME}:" + _SEPARATOR.join(uri for _kind, uri in members)


def member_uris(uri: str) -> list[tuple[str, str]]:
    """(kind, uri) of each member of a composite URI (a ``wandb`` URI is W&B's; any other, MLflow's)."""
    from adapters._wandb_names import is_wandb_uri

    body = uri.strip()[len(SCHEME) + 1 :]
    members = [u.strip() for u in body.split(_SEPARATOR.strip()) if u.strip()]
    if not members:
        raise UserInputError(f"The tracker URI {uri!r} names no tracker.")
    out = [("wandb" if is_wandb_uri(u) else "mlflow", u) for u in members]
    kinds = [k for k, _u in out]
    if len(set(kinds)) != len(kinds):
        raise UserInputError(f"The tracker URI {uri!r} names two trackers of one kind.")
    return out


def _text(token: object) -> str | None:
    # MLflow's SQL store hands out its page token as base64 bytes (and reads it back as str too):
    # the composite's own token is JSON, so it keeps text.
    if isinstance(token, bytes):
        return token.decode("ascii")
    return token if isinstance(token, str) and token else None


def scoped(kind: str, name: str) -> str:
    """A scope entry (or a run's ``experiment_id``) of a member: ``kind:id``."""
    return f"{kind}:{name}"


def _split_scope(entry: str) -> tuple[str, str]:
    kind, sep, rest = entry.partition(":")
    if not sep or kind not in ("mlflow", "wandb"):
        raise UserInputError(
            f"{entry!r} does not say which tracker it is in: write mlflow:EXPERIMENT or wandb:ENTITY/PROJECT."
        )
    return kind, rest


class CompositeTracker:
    """``Tracker`` over member trackers of different kinds, as one."""

    def __init__(self, members: Sequence[Tracker]) -> None:
        kinds = [m.kind for m in members]
        if not members or len(set(kinds)) != len(kinds):
            raise ValueError("a composite tracker needs members of different kinds")
        self._members = {m.kind: m for m in members}
        self._owner: dict[str, str] = {}  # run id -> member kind, from every run read
        self._pattern_key: tuple[str, ...] = ()
        self._pattern = re.compile("(?!)")

    # -- the Tracker protocol ---------------------------------------------------------------
    @property
    def uri(self) -> str:
        return composite_uri([(k, m.uri) for k, m in self._members.items()])

    @property
    def kind(self) -> str:
        return SCHEME

    @property
    def members(self) -> dict[str, Tracker]:
        return dict(self._members)

    @property
    def run_ref_pattern(self) -> re.Pattern[str]:
        key = tuple(m.run_ref_pattern.pattern for m in self._members.values())
        if key != self._pattern_key:
            self._pattern_key = key
            self._pattern = re.compile("|".join(f"(?:{p})" for p in key))
        return self._pattern

    def looks_like_run_ref(self, token: str) -> bool:
        return any(m.looks_like_run_ref(token) for m in self._members.values())

    def run_url(self, run: TrackedRun) -> str:
        kind, _name = _split_scope(run.experiment_id)
        return run.url or self._members[kind].run_url(self._unscoped(run))

    async def get_experiment(self, name_or_id: str) -> Experiment:
        kind, name = _split_scope(name_or_id.strip())
        member = self._member(kind)
        found = await member.get_experiment(name)
        return Experiment(experiment_id=scoped(kind, found.experiment_id), name=scoped(kind, found.name))

    async def search_runs(
        self,
        *,
        scope: Sequence[str],
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        user: str | None = None,
        statuses: Sequence[str] = (),
        run_ids: Sequence[str] = (),
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> RunPage:
        """One page, newest first across the members: a member whose page was not all handed out is
        asked for the same page again next time, and the runs already handed out are skipped.
        ``statuses`` and ``run_ids`` go to every member (an id of another member matches nothing)."""
        by_kind = self._by_kind(scope)
        if not by_kind:
            raise ValueError("search_runs needs at least one experiment or project")
        size = max(1, int(max_results))
        state: dict[str, list[object]] = self._decode(page_token, by_kind) if page_token else {
            k: [None, 0, False] for k in by_kind}
        buffers: dict[str, list[TrackedRun]] = {}
        following: dict[str, str | None] = {}
        for kind, names in by_kind.items():
            token, skip, done = state[kind]
            if done:
                continue
            while True:
                page = await self._members[kind].search_runs(
                    scope=names, since=since, until=until, user=user, statuses=statuses, run_ids=run_ids,
                    max_results=size, page_token=token if isinstance(token, str) else None)
                rest = page.runs[int(skip) if isinstance(skip, int) else 0 :]
                if rest or not page.next_page_token:
                    break
                token, skip = _text(page.next_page_token), 0  # a page with nothing left: the next one
            state[kind][0], state[kind][1] = token, skip
            buffers[kind] = [self._scoped(kind, r) for r in rest]
            following[kind] = _text(page.next_page_token)
        streams = [[(r, kind) for r in runs] for kind, runs in buffers.items()]
        taken: list[tuple[TrackedRun, str]] = []
        used = dict.fromkeys(buffers, 0)
        for run, kind in heapq.merge(*streams, key=lambda item: item[0].start, reverse=True):
            if len(taken) >= size:
                break
            taken.append((run, kind))
            used[kind] += 1
            # A member whose page is used up but has more pages may hold newer runs than the others'
            # next ones: this page ends here.
            if used[kind] == len(buffers[kind]) and following[kind]:
                break
        for kind, runs in buffers.items():
            skip_before = state[kind][1]
            if used[kind] == len(runs):
                state[kind] = [following[kind], 0, following[kind] is None]
            else:
                state[kind][1] = (skip_before if isinstance(skip_before, int) else 0) + used[kind]
        finished = all(bool(done) for _t, _s, done in state.values())
        return RunPage([r for r, _k in taken], None if finished else self._encode(state))

    async def get_run(self, run_ref: str, *, scope: Sequence[str] = ()) -> TrackedRun:
        """The run in whichever member has it; a reference two members both resolve is ambiguous."""
        by_kind = self._by_kind(scope) if scope else {k: [] for k in self._members}
        found: dict[str, TrackedRun] = {}
        ambiguous: list[str] = []
        missing: RunNotFoundError | None = None
        for kind, names in by_kind.items():
            try:
                run = await self._members[kind].get_run(run_ref, scope=names)
            except AmbiguousRunIdError as many:
                ambiguous += many.matches
            except RunNotFoundError as none:
                missing = none
            else:
                found[run.run_id] = self._scoped(kind, run)
        if ambiguous or len(found) > 1:
            raise AmbiguousRunIdError(run_ref.strip(), sorted({*ambiguous, *found}))
        if not found:
            raise missing or RunNotFoundError(run_ref.strip())
        return next(iter(found.values()))

    async def find_runs_by_name(self, name: str, *, scope: Sequence[str]) -> list[TrackedRun]:
        found: list[TrackedRun] = []
        for kind, names in self._by_kind(scope).items():
            found += [self._scoped(kind, r) for r in await self._members[kind].find_runs_by_name(name, scope=names)]
        return sorted(found, key=lambda r: r.start, reverse=True)

    async def write_note(self, run_id: str, *, entry_id: str, section: str) -> None:
        """Written by the member the run was read from (else the first that has it)."""
        missing = RunNotFoundError(run_id)
        for member in self._owners_first(run_id):
            try:
                await member.write_note(run_id, entry_id=entry_id, section=section)
                return
            except RunNotFoundError as none:
                missing = none
        raise missing

    async def remove_note(self, run_id: str, *, entry_id: str) -> None:
        """Taken out by the member the run was read from (else the first that has it)."""
        missing = RunNotFoundError(run_id)
        for member in self._owners_first(run_id):
            try:
                await member.remove_note(run_id, entry_id=entry_id)
                return
            except RunNotFoundError as none:
                missing = none
        raise missing

    def _owners_first(self, run_id: str) -> list[Tracker]:
        owner = self._owner.get(run_id.strip())
        return [self._members[k] for k in ([owner] if owner else []) + [k for k in self._members if k != owner]]

    async def aclose(self) -> None:
        for member in self._members.values():
            await member.aclose()

    # -- helpers -------------------------------------------------------------------------------
    def _member(self, kind: str) -> Tracker:
        if kind not in self._members:
            raise UserInputError(f"This project has no {kind} tracker.")
        return self._members[kind]

    def _by_kind(self, scope: Sequence[str]) -> dict[str, list[str]]:
        items = [scope] if isinstance(scope, str) else scope
        out: dict[str, list[str]] = {}
        for entry in (str(s).strip() for s in items):
            if entry:
                kind, name = _split_scope(entry)
                self._member(kind)
                out.setdefault(kind, []).append(name)
        return out

    def _scoped(self, kind: str, run: TrackedRun) -> TrackedRun:
        if len(self._owner) > 200_000:
            self._owner.clear()
        self._owner[run.run_id] = kind
        return dataclasses.replace(run, experiment_id=scoped(kind, run.experiment_id))

    @staticmethod
    def _unscoped(run: TrackedRun) -> TrackedRun:
        return dataclasses.replace(run, experiment_id=_split_scope(run.experiment_id)[1])

    @staticmethod
    def _encode(state: dict[str, list[object]]) -> str:
        return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()

    @staticmethod
    def _decode(token: str, by_kind: dict[str, list[str]]) -> dict[str, list[object]]:
        try:
            state = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError:
            state = None
        if not isinstance(state, dict) or set(state) != set(by_kind):
            raise UserInputError("That page token does not belong to this search: start the search again.")
        return {k: list(v) for k, v in state.items()}
