"""Service operations the command line needs that ``narrative/workspace.py`` does not offer yet.

Each takes the narrator, so that ``bot/`` never reaches the repository itself. They belong in
``WorkspaceOperations`` (the narrator's mixin); they live here only while that module is being
extended elsewhere, and move there unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from narrative.service import Narrator
    from narrative.usage import UsageRow


async def usage_rows(narrator: Narrator, *, since: dt.datetime) -> list[UsageRow]:
    """The workspace's model usage from ``since`` on, each row with the cost recorded at the time."""
    from narrative.usage import RepositoryUsageRecorder

    return await RepositoryUsageRecorder(narrator.repo).rows(narrator.workspace_id, since=since)
