# ruff: noqa: B904, UP017, E501
# A copy of ../shared/eval/wandb_fake.py (checked there against the real wandb 0.31 client by its
# test_wandb_fake.py), kept here as the project's own fake so the tests run from a clean clone.
"""A local fake of the Weights & Biases GraphQL API, for testing code that uses `wandb.Api()`.

Stdlib only. It answers the real `wandb` package (0.31, whose public API sends every GraphQL call
through the `wandb-core` Go process) the way W&B's server does, for one entity/project of runs:

    fake = WandbFake(runs=[...], entity="team", project="proj", api_key="k" * 40)
    base_url = fake.start()          # "http://127.0.0.1:PORT"
    api = wandb.Api(overrides={"base_url": base_url}, api_key="k" * 40)   # or WANDB_BASE_URL/_API_KEY
    ...
    fake.stop()

A run is a dict: id, name (display name), user, state, created_at (ISO UTC), duration (seconds),
config (flat dict), summary (flat dict), tags, notes, commit; optional program, code_path,
description, group, job_type, host, user_name (the user's full name), steps (history rows).

Instead of matching known query texts, the fake parses each GraphQL document and resolves its
selection sets against an object graph (Query.viewer/project/models/serverInfo, Project, Run,
User, File, Mutation.upsertBucket), returning exactly the fields asked for. A field it does not
model, or an argument it would have to ignore, is a GraphQL error naming the operation, so a
client that asks for something new fails loudly here (and lands in `.errors`) instead of silently
getting nothing. Inspect `.requests` (operation names), `.log` (name + variables), `.http`
(method, path, status) and `.notes_written` ((run_id, notes) per UpsertBucket that set notes).
"""
from __future__ import annotations

import base64
import gzip
import json
import re
import threading
import urllib.parse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATES = {"running", "finished", "failed", "crashed", "killed", "preempting", "preempted", "pending"}


class GraphQLError(Exception):
    pass


# --------------------------------------------------------------------------- GraphQL parsing
_TOKEN = re.compile(r'''
    (?P<skip>[\s,\ufeff]+|\#[^\n]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$():=@\[\]{}|&])
  | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<block>"""(?:[^"\\]|\\.|"(?!""))*""")
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
''', re.X)


class _Parser:
    """Just enough of the GraphQL grammar for executable documents (no schema validation)."""

    def __init__(self, text: str):
        self.toks, self.i, pos = [], 0, 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                raise GraphQLError(f"Syntax Error: unexpected character {text[pos]!r}")
            pos = m.end()
            if m.lastgroup != "skip":
                self.toks.append((m.lastgroup, m.group()))

    def peek(self, v=None):
        t = self.toks[self.i] if self.i < len(self.toks) else ("eof", "")
        return t if v is None else (t[1] == v and t[0] not in ("str", "block"))

    def skip(self, v) -> bool:
        """Consume the token if it is `v`."""
        if self.peek(v):
            self.i += 1
            return True
        return False

    def take(self, v=None) -> str:
        """Consume `v`, or (without v) a name."""
        kind, text = self.peek()
        if kind == "eof" or (v is None and kind != "name") or (v is not None and not self.peek(v)):
            raise GraphQLError(f"Syntax Error: expected {v or 'a name'!r}, found {text!r}")
        self.i += 1
        return text

    def document(self):
        ops, frags = [], {}
        while self.peek()[0] != "eof":
            if self.skip("fragment"):
                fname = self.take()
                self.take("on")
                frags[fname] = (self.take(), self.directives(), self.selset())
            elif self.peek("{"):
                ops.append(("query", None, {}, self.selset()))
            else:
                kind = self.take()
                if kind not in ("query", "mutation", "subscription"):
                    raise GraphQLError(f"Syntax Error: unexpected {kind!r}")
                oname = self.take() if self.peek()[0] == "name" else None
                defs = {}
                if self.skip("("):
                    while not self.skip(")"):
                        self.take("$")
                        vname = self.take()
                        self.take(":")
                        self.type_ref()
                        defs[vname] = self.value() if self.skip("=") else None  # a default value
                        self.directives()
                self.directives()
                ops.append((kind, oname, defs, self.selset()))
        return ops, frags

    def type_ref(self):
        if self.skip("["):
            self.type_ref()
            self.take("]")
        else:
            self.take()
        self.skip("!")

    def directives(self):
        out = []
        while self.skip("@"):
            out.append((self.take(), self.args()))
        return out

    def args(self):
        out = {}
        if self.skip("("):
            while not self.skip(")"):
                aname = self.take()
                self.take(":")
                out[aname] = self.value()
        return out

    def selset(self):
        self.take("{")
        sels = []
        while not self.skip("}"):
            if self.skip("..."):
                if self.peek()[0] == "name" and not self.peek("on"):
                    sels.append(("spread", self.take(), self.directives()))
                else:
                    cond = self.take() if self.skip("on") else None
                    sels.append(("inline", cond, self.directives(), self.selset()))
            else:
                alias = fname = self.take()
                if self.skip(":"):
                    fname = self.take()
                args, dirs = self.args(), self.directives()
                sels.append(("field", alias, fname, args, dirs, self.selset() if self.peek("{") else None))
        return sels

    def value(self):
        kind, v = self.peek()
        if self.skip("$"):
            return ("var", self.take())
        if self.skip("["):
            items = []
            while not self.skip("]"):
                items.append(self.value())
            return ("list", items)
        if self.skip("{"):
            fields = {}
            while not self.skip("}"):
                k = self.take()
                self.take(":")
                fields[k] = self.value()
            return ("object", fields)
        self.i += 1
        if kind == "num":
            return ("const", float(v) if re.search(r"[.eE]", v) else int(v))
        if kind == "str":
            return ("const", json.loads(v))  # GraphQL string escapes are JSON's
        if kind == "block":
            return ("const", v[3:-3])
        if kind == "name":  # true/false/null, else an enum value (kept as its name)
            return ("const", {"true": True, "false": False, "null": None}.get(v, v))
        raise GraphQLError(f"Syntax Error: unexpected {v!r}")


_ABSENT = object()  # a declared variable the request did not send: the input field is left out


def _value(node, variables):
    kind, v = node
    if kind == "var":
        return variables.get(v, _ABSENT)
    if kind == "list":
        return [_value(x, variables) for x in v]
    if kind == "object":
        out = {k: _value(x, variables) for k, x in v.items()}
        return {k: x for k, x in out.items() if x is not _ABSENT}
    return v


def _obj(typename, **fields):
    return {"__typename": typename, **fields}


def _merge(into, new):
    for k, v in new.items():
        if isinstance(into.get(k), dict) and isinstance(v, dict):
            _merge(into[k], v)
        else:
            into[k] = v
    return into


class _Executor:
    """Resolves a selection set against dicts whose values are data or resolver callables."""

    def __init__(self, frags, variables):
        self.frags, self.vars = frags, variables

    def included(self, dirs):
        for dname, dargs in dirs:
            cond = _value(dargs.get("if", ("const", True)), self.vars)
            if (dname == "skip" and cond is True) or (dname == "include" and cond is not True):
                return False
        return True

    def select(self, sels, obj):
        out, tname = {}, obj["__typename"]
        for sel in sels:
            if sel[0] != "field":  # ...Fragment or ... on Type { }
                if sel[0] == "spread":
                    if sel[1] not in self.frags:
                        raise GraphQLError(f'Unknown fragment "{sel[1]}".')
                    cond, fdirs, sub = self.frags[sel[1]]
                    dirs = sel[2] + fdirs
                else:
                    _, cond, dirs, sub = sel
                if self.included(dirs) and cond in (None, tname):
                    _merge(out, self.select(sub, obj))
                continue
            _, alias, fname, args, dirs, sub = sel
            if not self.included(dirs):
                continue
            if fname == "__typename":
                out[alias] = tname
                continue
            if fname not in obj:
                raise GraphQLError(f'Cannot query field "{fname}" on type "{tname}".')
            val = obj[fname]
            kwargs = {k: _value(v, self.vars) for k, v in args.items()}
            kwargs = {k: v for k, v in kwargs.items() if v is not _ABSENT}
            if callable(val):
                try:
                    val = val(**kwargs)
                except TypeError as e:
                    raise GraphQLError(f'Unsupported arguments {sorted(kwargs)} on field "{tname}.{fname}" ({e})')
            elif kwargs:
                raise GraphQLError(f'Unknown argument {sorted(kwargs)} on field "{tname}.{fname}".')
            val = self.complete(val, sub, f"{tname}.{fname}")
            if isinstance(out.get(alias), dict) and isinstance(val, dict):
                _merge(out[alias], val)
            else:
                out[alias] = val
        return out

    def complete(self, val, sub, where):
        if sub is None:
            if isinstance(val, dict) and "__typename" in val:
                raise GraphQLError(f'Field "{where}" of type "{val["__typename"]}" must have a selection of subfields.')
            return val
        if val is None:
            return None
        if isinstance(val, list):
            return [self.complete(v, sub, where) for v in val]
        if not isinstance(val, dict):
            raise GraphQLError(f'Field "{where}" must not have a selection since it is a scalar.')
        return self.select(sub, val)


# --------------------------------------------------------------------------- times and filters
def _parse_time(s) -> datetime:
    try:
        s = str(s).strip().replace(" ", "T")
        dt = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)
    except ValueError:
        raise GraphQLError(f"W&B fake: cannot read {s!r} as an ISO time") from None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _iso(dt: datetime) -> str:
    # W&B sends run times in UTC, whole seconds, with a trailing Z: "2026-10-05T09:12:00Z".
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


# Run columns a filter may name: the backend names of wandb-workspaces' FE_METRIC_NAME_MAP and of
# the Api.runs docstring (whose example also uses `display_name`). Others are an error here.
_COLUMNS = {
    "name": lambda r: r["id"], "displayName": lambda r: r["name"], "display_name": lambda r: r["name"],
    "state": lambda r: r["state"], "username": lambda r: r["user"], "tags": lambda r: r["tags"],
    "createdAt": lambda r: r["created"], "heartbeatAt": lambda r: r["heartbeat"],
    "updatedAt": lambda r: r["updated"], "duration": lambda r: r["duration"],
    "group": lambda r: r["group"], "jobType": lambda r: r["job_type"], "host": lambda r: r["host"],
    "sweep": lambda r: None,
}
# Order keys are snake_case ("+created_at" is the client's default; the docstring lists
# created_at, heartbeat_at, config.*.value, summary_metrics.*).
_ORDER_COLUMNS = {"created_at": "createdAt", "heartbeat_at": "heartbeatAt", "updated_at": "updatedAt",
                  "display_name": "displayName", "createdAt": "createdAt", "name": "name", "state": "state"}


def _lookup(d, path: str):
    if not isinstance(d, dict):
        return None
    if path in d:
        return d[path]
    head, _, rest = path.partition(".")
    return _lookup(d.get(head), rest) if rest else None


def _field(r, key):
    if key in _COLUMNS:
        return _COLUMNS[key](r)
    if key.startswith("config."):  # "config.lr" or "config.lr.value"; stored {"lr": {"value": .., "desc": ..}}
        head, _, rest = key[len("config."):].partition(".")
        value = r["config"].get(head)
        if isinstance(value, dict) and "value" in value:
            value = value["value"]
        rest = rest[len("value"):].lstrip(".") if rest.startswith("value") else rest
        return _lookup(value, rest) if rest else value
    if key.startswith("summary_metrics."):
        return _lookup(r["summary"], key[len("summary_metrics."):])
    raise GraphQLError(f"W&B fake: unsupported filter/order key {key!r}")


def _scalar_test(op, v, arg):
    if isinstance(v, datetime) and arg is not None:
        arg = _parse_time(arg)
    if op == "$eq":
        return v == arg
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if v is None or arg is None or isinstance(v, bool) != isinstance(arg, bool):
            return False
        try:
            return {"$gt": v > arg, "$gte": v >= arg, "$lt": v < arg, "$lte": v <= arg}[op]
        except TypeError:  # mixed types never match, as in Mongo
            return False
    if op == "$in":
        return any(_scalar_test("$eq", v, a) for a in arg)
    if op == "$regex":  # W&B documents RE2; Python's re agrees on everyday patterns
        try:
            return isinstance(v, str) and re.search(arg, v) is not None
        except re.error as e:
            raise GraphQLError(f"W&B fake: bad $regex {arg!r}: {e}") from None
    raise GraphQLError(f"W&B fake: unsupported filter operator {op!r}")


def _test(op, v, arg):
    """Mongo semantics: on an array field (tags) a positive test matches if any element does."""
    if op == "$ne":
        return not _test("$eq", v, arg)
    if op == "$nin":
        return not _test("$in", v, arg)
    if op == "$exists":
        return (v is not None) == bool(arg)
    if isinstance(v, list):
        return (op == "$eq" and v == arg) or any(_scalar_test(op, x, arg) for x in v)
    return _scalar_test(op, v, arg)


def _match(r, flt) -> bool:
    if not isinstance(flt, dict):
        raise GraphQLError(f"W&B fake: a filter must be an object, got {flt!r}")
    for key, cond in flt.items():
        if key in ("$and", "$or", "$nor"):
            results = [_match(r, f) for f in cond]
            ok = all(results) if key == "$and" else any(results) if key == "$or" else not any(results)
        elif key.startswith("$"):
            raise GraphQLError(f"W&B fake: unsupported top-level filter operator {key!r}")
        elif isinstance(cond, dict) and cond and all(k.startswith("$") for k in cond):
            v = _field(r, key)
            if "$options" in cond and "$regex" in cond:  # Mongo's regex flags, e.g. "i"
                cond = {**cond, "$regex": f"(?{cond['$options']}){cond['$regex']}"}
            ok = all(not _match(r, {key: arg}) if op == "$not" else _test(op, v, arg)
                     for op, arg in cond.items() if op != "$options")
        else:
            ok = _test("$eq", _field(r, key), cond)
        if not ok:
            return False
    return True


def _sort_key(v):
    if isinstance(v, datetime):
        return (0, v.timestamp())
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (0, v)
    return (1, v) if isinstance(v, str) else (2, json.dumps(v, sort_keys=True, default=str))


# --------------------------------------------------------------------------- the fake server
class WandbFake:
    def __init__(self, runs=(), entity="team", project="proj", api_key=None, viewer=None):
        self.entity, self.project, self.api_key = entity, project, api_key
        self.viewer = {"username": "fake-user", "name": "Fake User", "email": "fake-user@example.com",
                       "entity": entity, **(viewer or {})}
        self.requests: list[str] = []         # operation name per GraphQL request, in order
        self.log: list[dict] = []             # {"op", "variables"} per GraphQL request
        self.http: list[tuple] = []           # (method, path, status) per HTTP request
        self.notes_written: list[tuple] = []  # (run_id, notes) per UpsertBucket that set notes
        self.errors: list[str] = []           # GraphQL errors sent: gaps in the fake, bad queries
        self._runs: dict[str, dict] = {}
        self._lock = threading.RLock()
        self._server = self.base_url = None
        for r in runs:
            self.add_run(r)

    # ---- run storage
    def add_run(self, spec: dict) -> None:
        rid = spec["id"]
        # wandb.init() makes 8 base-36 characters, but a custom id is any text without :;,#?/'
        # and outer spaces (wandb_settings.validate_run_id), e.g. "churn-rf-01".
        if not rid or rid != rid.strip() or any(c in ":;,#?/'" for c in rid):
            raise ValueError(f"not a valid W&B run id: {rid!r}")
        state = spec.get("state", "finished")
        if state not in STATES:
            raise ValueError(f"unknown W&B run state {state!r}")
        created = _parse_time(spec["created_at"]).replace(microsecond=0)
        duration = float(spec.get("duration", 0))
        end = created + timedelta(seconds=duration)
        steps = int(spec.get("steps", 1 if spec.get("summary") else 0))
        # Runs logged by the SDK carry a `_wandb` config entry (the client moves it to rawconfig),
        # and every config value is stored wrapped as {"value": ..., "desc": None}.
        config = {"_wandb": {"value": {"cli_version": "0.31.0", "python_version": "3.11.7", "t": {},
                                       "start_time": created.timestamp(), "is_jupyter_run": False,
                                       "is_kaggle_kernel": False}, "desc": None}}
        config.update({k: {"value": v, "desc": None} for k, v in (spec.get("config") or {}).items()})
        # The summary holds the SDK's own underscore keys next to the logged metrics.
        summary = {**(spec.get("summary") or {}), "_runtime": duration, "_timestamp": end.timestamp(),
                   "_wandb": {"runtime": int(duration)}, **({"_step": steps - 1} if steps else {})}
        # wandb-metadata.json, which the SDK uploads for every run (read via run.metadata).
        metadata = {k: v for k, v in {
            "program": spec.get("program"), "codePath": spec.get("code_path"), "codePathLocal": spec.get("code_path"),
            "git": {"commit": spec["commit"]} if spec.get("commit") else None, "host": spec.get("host"),
            "username": spec.get("user"), "startedAt": _iso(created), "python": "CPython 3.11.7",
            "os": "Linux"}.items() if v is not None}
        with self._lock:
            self._runs[rid] = {
                "id": rid, "name": spec.get("name") or rid, "user": spec.get("user") or self.viewer["username"],
                "user_name": spec.get("user_name"), "state": state, "created": created, "heartbeat": end,
                "updated": end, "duration": duration, "steps": steps, "config": config, "summary": summary,
                "tags": list(spec.get("tags") or []), "notes": spec.get("notes"), "commit": spec.get("commit"),
                "description": spec.get("description"), "group": spec.get("group"),
                "job_type": spec.get("job_type"), "host": spec.get("host"), "metadata": metadata}

    def run(self, run_id: str) -> dict:
        """The stored state of a run (config wrapped, summary with underscore keys)."""
        return self._runs[run_id]

    def _storage_id(self, r):
        # Run.id on the wire is a global id, base64("Run:v1:<name>:<project>:<entity>"); the short
        # id the user sees is Run.name. UpsertBucket is keyed by the global id.
        return _b64(f"Run:v1:{r['id']}:{self.project}:{self.entity}")

    # ---- object graph
    def _user_obj(self, username, name=None, email=None):
        return _obj("User", id=_b64(f"User:{username}"), username=username, name=name or username,
                    email=email, admin=False, flags=None, entity=username, deletedAt=None, photoUrl=None,
                    apiKeys=_obj("ApiKeyConnection", edges=[]),
                    teams=_obj("EntityConnection", edges=[_obj("EntityEdge", node=_obj("Entity", name=self.entity))]))

    def _project_obj(self):
        return _obj(
            "Project", id=_b64(f"Project:v1:{self.project}:{self.entity}"), name=self.project,
            entityName=self.entity, internalId=_b64("ProjectInternalId:1"), createdAt="2024-01-01T00:00:00Z",
            isBenchmark=False, readOnly=False, access="PRIVATE", description=None,
            user=self._user_obj(self.viewer["username"], self.viewer["name"]),
            runCount=lambda filters=None: len(self._select(filters, None)),
            runs=self._runs_connection,
            run=lambda name: self._run_obj(self._runs[name]) if name in self._runs else None)

    def _run_obj(self, r):
        keys = {k: {"typeCounts": [{"type": "number", "count": r["steps"]}]}
                for k, v in r["summary"].items() if r["steps"] and isinstance(v, (int, float))}
        return _obj(
            "Run", id=self._storage_id(r), name=r["id"], displayName=r["name"], tags=list(r["tags"]),
            state=r["state"], createdAt=_iso(r["created"]), heartbeatAt=_iso(r["heartbeat"]),
            updatedAt=_iso(r["updated"]), description=r["description"], notes=r["notes"],
            commit=r["commit"], group=r["group"], jobType=r["job_type"], host=r["host"],
            sweepName=None, sweep=None, readOnly=False, historyLineCount=r["steps"],
            projectId="1",  # an ID scalar holding a number: the client calls int() on it
            project=_obj("Project", name=self.project, entityName=self.entity,
                         id=_b64(f"Project:v1:{self.project}:{self.entity}")),
            # config, summaryMetrics and systemMetrics are JSONString scalars: JSON text inside JSON.
            config=json.dumps(r["config"]), summaryMetrics=json.dumps(r["summary"]), systemMetrics="{}",
            historyKeys={"keys": keys, "lastStep": r["steps"] - 1},  # a JSON scalar: an object, not text
            user=self._user_obj(r["user"], r["user_name"]), fileCount=1,
            files=lambda names=None, after=None, first=50, pattern=None: self._files(r, names, after, pattern))

    def _files(self, r, names, after, pattern):
        files = []
        like = re.escape(pattern or "%").replace("%", ".*").replace("_", ".")  # SQL LIKE
        if (not names or "wandb-metadata.json" in names) and not after and re.fullmatch(like, "wandb-metadata.json"):
            size = len(json.dumps(r["metadata"]).encode())
            url = f"{self.base_url}/files/{self.entity}/{self.project}/{urllib.parse.quote(r['id'])}/wandb-metadata.json"
            files.append(_obj("File", id=_b64(f"File:{r['id']}:wandb-metadata.json"), name="wandb-metadata.json",
                              url=lambda upload=False: url, directUrl=url, sizeBytes=size,
                              mimetype="application/json", updatedAt=_iso(r["created"]), md5=None))
        return self._connection("File", files, 0, len(files))

    def _connection(self, typename, nodes, start, total):
        # Cursors are opaque to the client; these are base64 of the position in the sorted list.
        edges = [_obj(f"{typename}Edge", node=n, cursor=_b64(f"cursor:{start + i}")) for i, n in enumerate(nodes)]
        return _obj(f"{typename}Connection", edges=edges, totalCount=total, pageInfo=_obj(
            "PageInfo", endCursor=edges[-1]["cursor"] if edges else None, hasNextPage=start + len(nodes) < total,
            startCursor=edges[0]["cursor"] if edges else None, hasPreviousPage=start > 0))

    def _select(self, filters, order):
        try:
            flt = json.loads(filters) if isinstance(filters, str) else (filters or {})
        except ValueError:
            raise GraphQLError(f"W&B fake: filters are not JSON: {filters!r}") from None
        runs = [r for r in sorted(self._runs.values(), key=lambda r: (r["created"], r["id"])) if _match(r, flt)]
        for o in reversed([o.strip() for o in (order or "+created_at").split(",") if o.strip()]):
            desc, key = o[0] == "-", o.lstrip("+-")  # no sign: ascending ("+ ... (default)")
            col = _ORDER_COLUMNS.get(key, key)
            if col not in _COLUMNS and not key.startswith(("config.", "summary_metrics.")):
                raise GraphQLError(f"W&B fake: unsupported order key {key!r}")
            present = [r for r in runs if _field(r, col) is not None]
            missing = [r for r in runs if _field(r, col) is None]  # runs lacking the key go last (unverified)
            runs = sorted(present, key=lambda r: _sort_key(_field(r, col)), reverse=desc) + missing
        return runs

    def _runs_connection(self, filters=None, after=None, first=50, order=None):
        runs = self._select(filters, order)
        start = int(base64.b64decode(after).decode().split(":")[1]) + 1 if after else 0
        page = runs[start:start + (50 if first is None else first)]
        return self._connection("Run", [self._run_obj(r) for r in page], start, len(runs))

    def _upsert_bucket(self, input):
        if input.get("id"):
            try:
                _, _, name, project, entity = base64.b64decode(input["id"]).decode().split(":", 4)
            except ValueError:
                raise GraphQLError(f"W&B fake: malformed run id {input['id']!r}") from None
        else:
            name, project, entity = input.get("name"), input.get("project"), input.get("entity")
        if (project, entity) != (self.project, self.entity) or name not in self._runs:
            raise GraphQLError(f"W&B fake: UpsertBucket for unknown run {entity}/{project}/{name}"
                               " (creating runs is not supported)")
        fields = {"notes": "notes", "description": "description", "displayName": "name", "groupName": "group",
                  "jobType": "job_type", "commit": "commit", "host": "host", "state": "state", "tags": "tags"}
        unknown = set(input) - set(fields) - {"id", "name", "project", "entity", "config", "summaryMetrics"}
        if unknown:
            raise GraphQLError(f"W&B fake: UpsertBucket input fields not supported: {sorted(unknown)}")
        r = self._runs[name]
        for key, attr in fields.items():  # null means "leave as is"; [] and "" are values
            if input.get(key) is not None:
                r[attr] = input[key]
        if input.get("config") is not None:
            r["config"] = json.loads(input["config"])  # Run.update() sends it wrapped, with _wandb
        if input.get("summaryMetrics") is not None:
            r["summary"] = json.loads(input["summaryMetrics"])  # the whole summary, every time
        if input.get("notes") is not None:
            self.notes_written.append((name, input["notes"]))
        r["updated"] = datetime.now(timezone.utc).replace(microsecond=0)
        return _obj("UpsertBucketPayload", bucket=self._run_obj(r), inserted=False, updateAvailable=False)

    def _root(self, kind):
        if kind == "mutation":
            return _obj("Mutation", upsertBucket=lambda input: self._upsert_bucket(input))
        v = self.viewer
        return _obj(
            "Query", viewer={**self._user_obj(v["username"], v["name"], v["email"]), "entity": v["entity"]},
            project=lambda name, entityName=None: (
                self._project_obj() if (name, entityName or v["entity"]) == (self.project, self.entity) else None),
            models=lambda entityName=None, after=None, first=50: self._connection("Project", *(
                ([self._project_obj()], 0, 1) if entityName in (None, self.entity) and not after else ([], 0, 0))),
            # wandb-core asks which server features exist; none are advertised, so it uses fallbacks.
            serverInfo=_obj("ServerInfo", features=[], latestLocalVersionInfo=None, cliVersionInfo=None))

    # ---- GraphQL over HTTP
    def execute(self, body: dict) -> dict:
        """Answer one GraphQL request body ({"query", "variables", "operationName"})."""
        label, variables, logged = body.get("operationName") or "<anonymous>", body.get("variables") or {}, False
        try:
            ops, frags = _Parser(body.get("query") or "").document()
            # The public API sends operationName "" (only wandb-core's own queries name it), so the
            # operation is the one named, else the document's only one.
            chosen = [o for o in ops if not body.get("operationName") or o[1] == body["operationName"]]
            if len(chosen) != 1:
                raise GraphQLError("W&B fake: cannot tell which operation to run")
            kind, name, defs, sels = chosen[0]
            label = name or label
            if kind not in ("query", "mutation"):
                raise GraphQLError(f"W&B fake: {kind} operations are not supported")
            values = {**{k: _value(d, {}) for k, d in defs.items() if d is not None}, **variables}
            with self._lock:
                self.requests.append(label)
                self.log.append({"op": label, "variables": variables})
                logged = True
                return {"data": _Executor(frags, values).select(sels, self._root(kind))}
        except Exception as e:  # a GraphQLError, or a bug here: either way the client is told
            msg = f"{e if isinstance(e, GraphQLError) else repr(e)} [W&B fake, operation {label}]"
            with self._lock:
                if not logged:
                    self.requests.append(label)
                    self.log.append({"op": label, "variables": variables})
                self.errors.append(msg)
            return {"errors": [{"message": msg}], "data": None}

    def _authorized(self, header) -> bool:
        if self.api_key is None:
            return True
        try:  # the client sends Basic base64("api:" + key)
            scheme, _, token = (header or "").partition(" ")
            return scheme == "Basic" and base64.b64decode(token).decode().partition(":")[2] == self.api_key
        except ValueError:
            return False

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else Nagle + delayed ACK add ~40 ms to every reply

            def log_message(self, *args):
                pass

            def reply(self, status, body: bytes, ctype="application/json"):
                fake.http.append((self.command, self.path, status))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
                path = self.path.split("?")[0]
                if path.startswith("/sdk/otel/"):  # wandb-core's error telemetry: accept, ignore
                    return self.reply(200, b"{}")
                if path != "/graphql":
                    return self.reply(404, b'{"error": "not found"}')
                if not fake._authorized(self.headers.get("Authorization")):
                    fake.requests.append("<401>")
                    # W&B's words for a bad key; the client shows them ("... user is not logged in").
                    return self.reply(401, b'{"errors": [{"message": "user is not logged in"}]}')
                try:
                    body = json.loads(data)
                except ValueError:
                    return self.reply(400, b'{"errors": [{"message": "invalid JSON body"}]}')
                self.reply(200, json.dumps(fake.execute(body)).encode())

            def do_GET(self):  # file downloads (run.metadata): W&B hands out storage URLs
                m = re.fullmatch(r"/files/[^/]+/[^/]+/([^/]+)/wandb-metadata\.json", self.path.split("?")[0])
                r = fake._runs.get(urllib.parse.unquote(m.group(1))) if m else None
                if not r:
                    return self.reply(404, b"not found", "text/plain")
                self.reply(200, json.dumps(r["metadata"]).encode())

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
