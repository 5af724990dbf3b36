"""W&B runs logged offline (``WANDB_MODE=offline``) and not synced yet: ``wandb/offline-run-*/run-<id>.wandb``.

A person who trains on a box without network can still link those runs. The record log is read by
W&B's own reader, ``wandb-core leet inspect --summary --json`` (what ``wandb leet inspect --summary
--json PATH`` runs; about 0.1 s a run), never parsed here: the file format is W&B's to change. A run
``wandb sync`` has uploaded (it leaves ``run-<id>.wandb.synced`` beside the log) is read from the
server instead.

Offline runs have no page on W&B yet: their URL is the run folder's ``file://`` address, and a
note cannot be written to them until they are synced (the write-back is queued and retried).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adapters._wandb_names import PATH_TAG, STATE_TAG, STATUS, import_wandb, label_tags, read_wandb_tags
from adapters.tracker import TrackedRun

log = logging.getLogger("coco.wandb")

READ_TIMEOUT = 30.0


def offline_dir() -> Path | None:
    """Where offline runs are: ``$WANDB_DIR/wandb`` (W&B's own variable), else ``./wandb``."""
    base = os.environ.get("WANDB_DIR")
    folder = Path(base) / "wandb" if base else Path("wandb")
    return folder if folder.is_dir() else None


def _time(text: object) -> dt.datetime | None:
    if not text:
        return None
    s = str(text).strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    if "." in s:  # Go writes nanoseconds; Python reads up to microseconds
        head, _, rest = s.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        s = f"{head}.{digits[:6]}{rest[len(digits):]}"
    try:
        when = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


class OfflineRuns:
    """The unsynced offline runs of one ``wandb`` folder, read once per tracker (and again when new
    run folders appear)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._seen: dict[Path, dict[str, Any] | None] = {}

    def runs(self, scopes: Sequence[str] | None) -> list[TrackedRun]:
        """The unsynced runs of these ``entity/project`` scopes (a run logged without an entity matches
        any entity's project of its name; ``None``: every project), newest first."""
        from adapters.wandb_api import metrics_of, params_of

        out: list[TrackedRun] = []
        for summary in self._summaries():
            project, entity = str(summary.get("project") or ""), str(summary.get("entity") or "")
            own = f"{entity or '-'}/{project}"
            path = own if scopes is None else next(
                (s for s in scopes if s == own or (not entity and s.endswith(f"/{project}"))), None)
            run_id = str(summary.get("run_id") or "")
            start = _time(summary.get("start_time"))
            if path is None or not run_id or start is None:
                continue
            state = str(summary.get("state") or "running").lower()
            status = STATUS.get(state, "RUNNING")
            values = summary.get("summary") or {}
            runtime = values.get("_runtime")
            end = start + dt.timedelta(seconds=float(runtime)) if status != "RUNNING" and isinstance(
                runtime, (int, float)) else None
            notes = str(summary.get("notes") or "")
            recorded = {**label_tags(summary.get("tags") or ()), PATH_TAG: f"{path}/{run_id}", STATE_TAG: state,
                        "wandb.offline": "true"}
            if notes:
                recorded["wandb.notes"] = notes
            user_tags, facts = read_wandb_tags(recorded)
            out.append(TrackedRun(
                run_id=run_id, run_name=str(summary.get("name") or ""), experiment_id=path,
                user=str(summary.get("username") or summary.get("user") or ""), status=status, start=start, end=end,
                params=params_of(summary.get("config") or {}), metrics=metrics_of(values), tags=user_tags,
                url=Path(str(summary.get("file") or self._folder)).parent.resolve().as_uri(), facts=facts,
                note=notes, recorded_tags=recorded,
            ))
        return sorted(out, key=lambda r: r.start, reverse=True)

    def _summaries(self) -> list[dict[str, Any]]:
        with self._lock:
            found: list[dict[str, Any]] = []
            for record_log in sorted(self._folder.glob("offline-run-*/run-*.wandb")):
                if record_log.with_name(record_log.name + ".synced").exists():
                    continue  # on the server now
                if record_log not in self._seen:
                    self._seen[record_log] = _inspect(record_log)
                summary = self._seen[record_log]
                if summary is not None:
                    found.append(summary)
            return found


def _inspect(record_log: Path) -> dict[str, Any] | None:
    """W&B's own summary of one offline run's record log, or None (logged) when it cannot be read."""
    import_wandb()
    from wandb.util import get_core_path

    args = [get_core_path(), "leet", "inspect", "--no-observability", "--summary", "--json",
            "--run-file", str(record_log.resolve()), str(record_log.parent.parent.resolve())]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=READ_TIMEOUT, check=False)
        summary = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        log.warning("offline W&B run %s unreadable: %s", record_log, exc)
        return None
    if not isinstance(summary, dict):
        log.warning("offline W&B run %s unreadable: %s", record_log, done.stderr.strip()[:200])
        return None
    return summary
