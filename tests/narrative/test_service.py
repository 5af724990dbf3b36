"""The narrative service over a real SQLite store and a real MLflow store: the warm history cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import MlflowStore
from tests.narrative.conftest import churn_narrator


async def test_history_is_reused_until_the_narrative_changes(tmp_path: Path, mlflow_store: MlflowStore) -> None:
    now = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC)
    async with churn_narrator(tmp_path, mlflow_store, now=now) as churn:
        narrator, project, run_id = churn.narrator, churn.project, churn.run_id
        await narrator.log(project="churn", text=f"xgb {run_id} undersampling didn't help", author="ana", at=now)
        first = await narrator.cached_history(project)
        assert await narrator.cached_history(project) is first  # nothing changed: the same indexed object
        await narrator.check(project="churn", text="try undersampling again")
        assert await narrator.cached_history(project) is first
        await narrator.log(project="churn", text="catboost was slow, parking it", author="ana",
                           at=now + dt.timedelta(minutes=1))
        second = await narrator.cached_history(project)
        # the new entry is taken into the held history in place (issue 14), as a whole load has it
        assert second is first and len(second.entries) == 2
        assert second.entries == (await narrator.history(project, sync=False)).entries
