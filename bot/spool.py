"""The spool: a brain dump COCO's database would not take waits in a private file until it does.

``coco log`` exits 1 both when the tracker is down (the entry *is* saved, ``pending``) and when COCO's
own database refuses the write (read-only, full, unreachable): then nothing was saved, so the text is
written here, under ``$COCO_HOME/spool`` (a 0700 folder, 0600 files, secrets already removed), and
``coco log --retry-pending`` stores each spooled text before it finishes the pending entries. A file
is removed only once its entry is stored, so a crash in between can at worst store it twice, never
lose it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from bot.logs import private_dir

SPOOL_FOLDER = "spool"


@dataclass(frozen=True)
class Spooled:
    """One spooled brain dump, as ``coco log`` was given it."""

    path: Path
    project: str | None
    author: str
    at: dt.datetime | None
    text: str


def spool_folder(home: Path) -> Path:
    return home / SPOOL_FOLDER


def spool_text(home: Path, *, project: str | None, author: str, at: dt.datetime | None, text: str) -> Path:
    """Write one brain dump to the spool (atomically: a half-written file is never read back)."""
    private_dir(home)
    folder = private_dir(spool_folder(home))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:12]}.json"
    partial = path.with_suffix(".part")
    body = json.dumps({"project": project, "author": author, "at": at.isoformat() if at else None,
                       "text": text}, ensure_ascii=False)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
    return path


def spooled(home: Path) -> list[Spooled]:
    """Every spooled brain dump, oldest first; a file that cannot be read is skipped (and kept)."""
    folder = spool_folder(home)
    if not folder.is_dir():
        return []
    found: list[Spooled] = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            at = dt.datetime.fromisoformat(data["at"]) if data.get("at") else None
            found.append(Spooled(path=path, project=data.get("project"), author=str(data["author"]),
                                 at=at, text=str(data["text"])))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def unspool(item: Spooled) -> None:
    with contextlib.suppress(FileNotFoundError):
        item.path.unlink()
