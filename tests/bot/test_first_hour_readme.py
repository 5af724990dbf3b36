"""Issue 9 point 15: every command the demo and the README print works as printed, from a clone, with a
new HOME: `coco demo`, then the demo's "Try it yourself" commands, then README's "Using it on your own
project" block (copied out of README.md, run by bash), then `make mlflow-ui` serving the demo's runs.

The clone is a folder holding the Makefile and the venv (links to this checkout's), so `.venv/bin/coco`
and `make` are called exactly as a person in a fresh clone calls them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.processes import free_port, stop_group, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent
def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COCO_", "MLFLOW_", "ANTHROPIC_", "SLACK_", "VIRTUAL_ENV"))}
    env.update({"HOME": str(home), "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "COLUMNS": "200"})
    return env


def _bash(script: str, *, cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    guarded = 'set -e\ntrap \'echo "FAILED: $BASH_COMMAND" >&2\' ERR\n' + script
    return subprocess.run(["bash", "-c", guarded], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def readme_block() -> list[str]:
    """The lines of the first ```sh block under "Using it on your own project"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Using it on your own project", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.splitlines()


@pytest.mark.slow
def test_demo_then_readme_commands_work_as_printed(tmp_path: Path) -> None:
    home, clone = tmp_path / "home", tmp_path / "clone"
    home.mkdir()
    clone.mkdir()
    (clone / ".venv").symlink_to(VENV, target_is_directory=True)
    (clone / "Makefile").symlink_to(ROOT / "Makefile")
    env = _env(home)

    demo = _bash(".venv/bin/coco demo", cwd=clone, env=env)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert (home / ".coco" / "demo" / "mlflow.db").is_file()  # COCO_HOME is ~/.coco
    tried = demo.stdout.split("Try it yourself", 1)[1]
    commands = [line.strip() for line in tried.splitlines()
                if line.startswith("  ") and not line.strip().startswith("#") and line.strip()]
    assert commands[0].startswith("export ") and any(c.startswith(".venv/bin/coco ") for c in commands)
    ui = [c for c in commands if c.startswith("make mlflow-ui")]
    assert len(ui) == 1
    printed = _bash("\n".join(c for c in commands if c not in ui), cwd=clone, env=env)
    assert printed.returncode == 0, printed.stderr[-3000:]
    assert "Traceback" not in printed.stderr
    assert "Reproducing" in printed.stdout or "missing" in printed.stdout.lower()

    lines = readme_block()
    assert any(line.startswith(".venv/bin/coco entries") for line in lines)
    readme = _bash("\n".join(lines), cwd=clone, env=env)
    assert readme.returncode == 0, readme.stderr[-3000:]
    assert "Traceback" not in readme.stderr
    assert (clone / "digest.png").read_bytes().startswith(b"\x89PNG")
    assert (clone / "decision.md").is_file()
    entries = _bash(".venv/bin/coco entries --json", cwd=clone, env=env)
    assert [e["project"] for e in json.loads(entries.stdout)["entries"]] == ["digits"]

    # `make mlflow-ui` as printed (its install step is this checkout's venv: -o marks it done) serves the
    # demo's store, with COCO's notes on the runs.
    port = free_port()
    make = ui[0].replace("make mlflow-ui", f"make -o .venv/.runtime -o .venv/.mlflow-ui mlflow-ui PORT={port}")
    proc = subprocess.Popen(["bash", "-c", make], cwd=clone, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url, log=None, timeout=120)
        with urllib.request.urlopen(f"{url}/ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name="
                                    "nines-detector", timeout=10) as resp:
            exp_id = json.load(resp)["experiment"]["experiment_id"]
        body = json.dumps({"experiment_ids": [exp_id], "max_results": 100}).encode()
        request = urllib.request.Request(f"{url}/ajax-api/2.0/mlflow/runs/search", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as resp:
            runs = json.load(resp)["runs"]
        notes = [t["value"] for r in runs for t in r["data"].get("tags", []) if t["key"] == "mlflow.note.content"]
        assert len(runs) >= 18 and any("COCO" in n or "coco" in n for n in notes)
    finally:
        stop_group(proc)
