"""The deployment files agree with each other and with the documented variables.

``deploy/compose.yaml`` is read as YAML (and, where ``docker compose`` exists, checked by it): two bot
replicas on PostgreSQL beside an MLflow server, each with a health check, state on named volumes.
Every variable it interpolates is in ``deploy/.env.example`` and documented; the settings a replica
gets from those files load and select HTTP mode on PostgreSQL. The image and ``make demo`` keep
scikit-learn to the ``demo`` extra, and ``coco demo`` without it says how to install it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COCO = str(Path(sys.executable).with_name("coco"))
# README names COCO's variables, and leaves the Slack, Teams, Claude and model ones to these documents.
DOCUMENTS = ("README.md", "docs/slack.md", "docs/teams.md", "docs/privacy-and-engines.md")
# Read by W&B's own client (README, "Runs in Weights & Biases"), not by COCO's settings.
WANDB_VARIABLES = frozenset({"WANDB_API_KEY", "WANDB_BASE_URL", "WANDB_ENTITY"})
# The postgres image's own variable; compose.yaml builds COCO_DATABASE_URL from it.
DATABASE_PASSWORD = "POSTGRES_PASSWORD"
# `${NAME}`, `${NAME:-default}`, `${NAME:?message}`; `$${...}` is a literal `$` for the container's shell.
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}")
ENV_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def env_example() -> list[tuple[str, str, bool]]:
    """(name, value, commented out) for each variable line of deploy/.env.example."""
    found = []
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        match = ENV_LINE.match(line.strip())
        if match:
            found.append((match.group(2), match.group(3).split()[0] if match.group(3).strip() else "",
                          match.group(1) is not None))
    return found


def documented() -> str:
    return "\n".join((ROOT / name).read_text(encoding="utf-8") for name in DOCUMENTS)


def settings_variables() -> set[str]:
    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.update(getattr(alias, "choices", ()))
    return {str(name) for name in names}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation, as far as compose.yaml uses it (an unset or empty `:?` variable fails)."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        value = env.get(name, "")
        if op == ":?" and not value:
            raise AssertionError(f"compose would refuse to start: {arg}")
        if op == ":-" and not value:
            return interpolate(arg, env)
        return value

    return INTERPOLATION.sub(one, text)


# -- compose.yaml ------------------------------------------------------------------------------------


def test_two_bot_replicas_postgres_and_mlflow_each_with_a_health_check() -> None:
    services = compose()["services"]
    assert set(services) == {"coco", "db", "mlflow"}
    coco, db, mlflow = services["coco"], services["db"], services["mlflow"]
    assert coco["deploy"]["replicas"] == 2
    assert coco["command"][-4:] == ["serve", "slack", "--port", "3000"]
    assert "pg_isready" in db["healthcheck"]["test"]
    assert any("/health'" in part for part in mlflow["healthcheck"]["test"])
    assert any("/healthz'" in part for part in coco["healthcheck"]["test"])
    # Replicas start once the database and the tracker answer.
    assert coco["depends_on"] == {"db": {"condition": "service_healthy"},
                                  "mlflow": {"condition": "service_healthy"}}
    # A replica is given longer than its own bound (10 s from SIGTERM) before it is killed.
    assert int(coco["stop_grace_period"].removesuffix("s")) > 10


def test_state_lives_on_named_volumes() -> None:
    loaded = compose()
    declared = set(loaded["volumes"])
    mounts = {name: [str(v).split(":", 1) for v in service.get("volumes", [])]
              for name, service in loaded["services"].items()}
    assert ["coco-db", "/var/lib/postgresql/data"] in mounts["db"]
    assert ["mlflow-data", "/mlflow"] in mounts["mlflow"]
    command = " ".join(loaded["services"]["mlflow"]["command"])
    assert "sqlite:////mlflow/" in command and "--artifacts-destination /mlflow/" in command
    assert {source for entries in mounts.values() for source, _ in entries} <= declared
    # The bots keep nothing of their own: with PostgreSQL, COCO_HOME holds only coco.log.
    assert "volumes" not in loaded["services"]["coco"]


def test_mlflow_accepts_the_name_the_bots_use() -> None:
    mlflow = compose()["services"]["mlflow"]
    command = " ".join(mlflow["command"])
    hosts = re.search(r'--allowed-hosts "([^"]+)"', command)
    assert hosts is not None, "MLflow 3.17 refuses Host headers other than localhost and private IPs"
    assert "mlflow:5000" in hosts.group(1).split(",")
    assert mlflow["environment"]["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false"


# -- variables -----------------------------------------------------------------------------------------


def test_every_interpolated_variable_is_in_env_example_and_documented() -> None:
    used = set(m.group(1) for m in INTERPOLATION.finditer((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))
    listed = {name for name, _, _ in env_example()}
    docs = documented()
    assert used, "compose.yaml interpolates nothing?"
    assert used <= listed, f"not in deploy/.env.example: {sorted(used - listed)}"
    undocumented = sorted(name for name in used if not re.search(rf"\b{name}\b", docs))
    assert not undocumented, f"not documented in README (or the documents it names): {undocumented}"


def test_env_example_lists_every_documented_variable_and_nothing_else() -> None:
    listed = {name for name, _, _ in env_example()}
    docs = documented()
    known = settings_variables() | WANDB_VARIABLES | {DATABASE_PASSWORD}
    assert listed <= known, f"unknown to COCO: {sorted(listed - known)}"
    undocumented = sorted(name for name in listed if not re.search(rf"\b{name}\b", docs))
    assert not undocumented, f"in deploy/.env.example but documented nowhere: {undocumented}"
    wanted = {name for name in settings_variables() | WANDB_VARIABLES if re.search(rf"\b{name}\b", docs)}
    assert wanted <= listed, f"documented but missing from deploy/.env.example: {sorted(wanted - listed)}"


def test_blank_lines_of_env_example_are_exactly_the_required_variables() -> None:
    """An empty value is not "unset" (an empty SLACK_APP_TOKEN means Socket Mode): the only blank
    uncommented lines are those compose refuses to start without (`${NAME:?...}`)."""
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    required = {m.group(1) for m in INTERPOLATION.finditer(text) if m.group(2) == ":?"}
    blank = {name for name, value, commented in env_example() if not commented and not value}
    assert blank == required


def test_a_replica_gets_http_mode_on_postgres_from_the_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings a replica starts with, built from .env.example (blanks filled in) and compose.yaml."""
    env = {name: value or f"filled-{name.lower()}" for name, value, commented in env_example() if not commented}
    container = dict(env)  # env_file: .env
    service = compose()["services"]["coco"]
    assert service["env_file"] == ".env"
    for name, value in service["environment"].items():
        container[name] = interpolate(str(value), env)
    for name in settings_variables() | WANDB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in container.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.slack_app_token is None  # HTTP mode: the load balancer's replicas
    assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
    assert settings.resolved_database_url() == "postgresql://coco:filled-postgres_password@db:5432/coco"
    assert settings.resolved_tracking_uri() == "http://mlflow:5000"
    assert settings.engine_name() == "local"


def test_compose_refuses_to_start_without_the_secrets() -> None:
    env = {name: value for name, value, commented in env_example() if not commented}
    with pytest.raises(AssertionError, match="POSTGRES_PASSWORD"):
        interpolate(str(compose()["services"]["db"]["environment"]["POSTGRES_PASSWORD"]), env)


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker here")
def test_docker_compose_config_accepts_it(tmp_path: Path) -> None:
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip("docker has no compose plugin here")
    lines = [f"{name}={value or 'x1'}" for name, value, commented in env_example() if not commented]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "compose.yaml").write_text((DEPLOY / "compose.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    done = subprocess.run(["docker", "compose", "-f", "compose.yaml", "config", "--quiet"], cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    (tmp_path / ".env").write_text("", encoding="utf-8")
    refused = subprocess.run(["docker", "compose", "-f", "compose.yaml", "config", "--quiet"], cwd=tmp_path,
                             capture_output=True, text=True, check=False, timeout=60)
    # Compose names whichever required variable it meets first, and versions differ in that order.
    required = set(re.findall(r"\$\{(\w+):\?", (DEPLOY / "compose.yaml").read_text(encoding="utf-8")))
    assert refused.returncode != 0 and any(f"set {name} in deploy/.env" in refused.stderr for name in required), \
        refused.stderr


# -- the demo extra ------------------------------------------------------------------------------------


def test_scikit_learn_is_the_demo_extra_and_stays_out_of_the_image() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any(dep.startswith("scikit-learn") for dep in project["dependencies"])
    assert any(dep.startswith("scikit-learn") for dep in project["optional-dependencies"]["demo"])
    assert "coco[demo]" in project["optional-dependencies"]["test"]  # the demo's tests train its models
    installs = [line for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
                if "pip install" in line]
    assert installs and all("[" not in line for line in installs), installs


@pytest.mark.skipif(shutil.which("make") is None, reason="no make here")
def test_make_demo_installs_the_demo_extra(tmp_path: Path) -> None:
    # Under CI's own `make test` this make is a sub-make: without the inherited MAKELEVEL/MAKEFLAGS it
    # prints no "Entering directory" lines around the plan.
    env = {name: value for name, value in os.environ.items() if name not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}
    planned = subprocess.run(["make", "--no-print-directory", "-n", "demo", f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
                             capture_output=True, text=True, check=True, timeout=30, env=env).stdout
    assert "-e '.[demo]'" in planned
    assert planned.rstrip().endswith("coco demo")


# A fresh interpreter in which scikit-learn cannot be imported, as in an install without the extra (a
# None in sys.modules is how Python marks a module as absent: `import` fails, `find_spec` says None).
_WITHOUT_SKLEARN = """
import sys
sys.modules["sklearn"] = None
from bot.cli import main
sys.exit(main(["demo"]))
"""


def test_demo_without_the_extra_says_how_to_install_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COCO_", "MLFLOW_", "ANTHROPIC_", "SLACK_"))}
    env.update({"COCO_HOME": str(tmp_path / "home"), "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"})
    done = subprocess.run([sys.executable, "-c", _WITHOUT_SKLEARN], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "'.[demo]'" in lines[0] and "make demo" in lines[0]
    assert not (tmp_path / "home" / "demo").exists()  # nothing touched before the check
