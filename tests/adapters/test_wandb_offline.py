"""Runs logged with ``WANDB_MODE=offline`` and not synced yet are read too (through W&B's own record-log
reader), so a person on a box without network can link them; their note waits for ``wandb sync``.
A real offline run made by ``wandb.init`` (in a child process), the W&B fake as the server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.wandb_api import WandbTracker
from core.errors import TrackerUnavailableError
from tests.adapters.wandb_fake import WandbFake
from tests.adapters.wandb_seed import KEY
from tests.processes import free_port

pytestmark = pytest.mark.slow

MAKE_RUN = """
import wandb
run = wandb.init(project="churn", entity="team", config={"lr": 0.1, "seed": 3}, tags=["airgap"],
                 notes="trained on the box", name="offline-rf")
run.log({"val_auc": 0.81}); run.log({"val_auc": 0.83})
run.finish()
print(run.id)
"""


@pytest.fixture(scope="module")
def offline_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    home = tmp_path_factory.mktemp("airgap")
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_ERROR_REPORTING": "false",
           "WANDB_DIR": str(home), "HOME": str(home)}
    made = subprocess.run([sys.executable, "-c", MAKE_RUN], env=env, cwd=home, capture_output=True, text=True,
                          timeout=120, check=True)
    yield home, made.stdout.strip().splitlines()[-1]


async def test_offline_runs_are_read_beside_the_server(offline_home: tuple[Path, str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    home, run_id = offline_home
    monkeypatch.setenv("WANDB_DIR", str(home))
    online = {"id": "3kq9x0ab", "name": "rf", "user": "maya", "state": "finished",
              "created_at": "2026-10-05T09:12:00Z", "duration": 60, "config": {}, "summary": {"val_auc": 0.8},
              "tags": [], "notes": None, "commit": None}
    with WandbFake(runs=[online], entity="team", project="churn", api_key=KEY) as fake:
        tracker = WandbTracker(f"wandb+{fake.base_url}", api_key=KEY)
        page = await tracker.search_runs(scope=["team/churn"])
        assert [r.run_id for r in page.runs] == [run_id, "3kq9x0ab"]  # newest first
        run = await tracker.get_run(run_id[:6], scope=["team/churn"])
        assert (run.run_name, run.status, run.metrics, run.params) == (
            "offline-rf", "FINISHED", {"val_auc": 0.83}, {"lr": "0.1", "seed": "3"})
        assert run.note == "trained on the box" and dict(run.tags) == {"airgap": ""}
        assert run.url.startswith("file://") and run.experiment_id == "team/churn"
        assert [r.run_id for r in await tracker.find_runs_by_name("offline-rf", scope=["team/churn"])] == [run_id]
        assert tracker.run_ref_pattern.findall(f"see {run_id}") == [run_id]
        with pytest.raises(TrackerUnavailableError, match="wandb sync"):
            await tracker.write_note(run_id, entry_id="e", section="s")
        assert fake.notes_written == []

    # With no network at all, the offline runs still read.
    cut_off = WandbTracker(f"wandb+http://127.0.0.1:{free_port()}", api_key=KEY)
    assert [r.run_id for r in (await cut_off.search_runs(scope=["team/churn"])).runs] == [run_id]
    assert (await cut_off.get_run(run_id, scope=["team/churn"])).run_name == "offline-rf"

    # Once `wandb sync` uploaded it, the server's copy is the one read.
    [record_log] = home.glob("wandb/offline-run-*/run-*.wandb")
    record_log.with_name(record_log.name + ".synced").write_text("")
    synced = WandbTracker(f"wandb+http://127.0.0.1:{free_port()}", api_key=KEY)
    with pytest.raises(TrackerUnavailableError):
        await synced.search_runs(scope=["team/churn"])
