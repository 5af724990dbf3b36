"""MLflow's own names: what its run ids look like, its tags, and how a run's tags split into the
person's tags and the run's facts.

MLflow keeps what it knows about a run (who started it, from which script and commit, the run note)
as tags under the reserved ``mlflow.`` prefix, next to the person's own tags. This module is the one
place that knows those names; it imports nothing of MLflow, so a cached run can be read without it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from adapters.tracker import RUN_ID_MIN_PREFIX, FactLabels, RunFacts

# A run id is 32 lower-case hex digits (uuid4().hex); people paste prefixes of RUN_ID_MIN_PREFIX or more.
# Not inside a longer word or number: "deadbeef" in "deadbeefcafe-x" is not a reference.
RUN_REF_PATTERN = re.compile(rf"(?<![0-9A-Za-z])[0-9a-f]{{{RUN_ID_MIN_PREFIX},32}}(?![0-9A-Za-z])")
_RUN_REF_TOKEN = re.compile(rf"[0-9a-f]{{{RUN_ID_MIN_PREFIX},32}}")

MLFLOW_PREFIX = "mlflow."
USER_TAG = "mlflow.user"
RUN_NAME_TAG = "mlflow.runName"
NOTE_TAG = "mlflow.note.content"
SOURCE_NAME_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"
GIT_COMMIT_TAG = "mlflow.source.git.commit"
ENTRY_POINT_TAG = "mlflow.project.entryPoint"

MLFLOW_LABELS = FactLabels(
    commit="mlflow.source.git.commit",
    source="mlflow.source.name",
    project_entry="MLflow project entry point",
    project_params="pass the entry point's params with -P NAME=VALUE",
)


def looks_like_run_ref(token: str) -> bool:
    """A full run id or a prefix of one (any case: a pasted upper-case id still resolves)."""
    return _RUN_REF_TOKEN.fullmatch(token.strip().lower()) is not None


def is_mlflow_key(key: str) -> bool:
    return key.startswith(MLFLOW_PREFIX)


def rerun_command(*, source: str, entry_point: str, commit: str) -> str:
    """``mlflow run`` for a run started as an MLflow project entry point, else ``""``.

    Its params go with -P NAME=VALUE; which of the logged params the entry point declares is in the
    project's MLproject, not in the run, so they are listed apart rather than guessed."""
    if not entry_point:
        return ""
    target = source or "."
    parts = ["mlflow", "run", target, "-e", entry_point]
    if commit and "://" in target:
        parts += ["--version", commit]
    return " ".join(parts)


def read_mlflow_tags(tags: Mapping[str, str]) -> tuple[dict[str, str], RunFacts]:
    """``(the person's tags, the run's facts)`` from the tags of an MLflow run."""
    user: dict[str, str] = {}
    other: dict[str, str] = {}
    dataset: tuple[str, str] | None = None
    skip = len(MLFLOW_PREFIX)
    for key, value in tags.items():  # every run read goes through here: plain string tests only
        if not key.startswith(MLFLOW_PREFIX):
            user[key] = value
            continue
        head = key[skip : skip + 7].lower()
        if head.startswith("source"):  # promoted to fields below (or not about reproducing)
            continue
        other[key] = value
        if dataset is None and value and head == "dataset":  # mlflow.dataset*, as autologging names it
            dataset = (key, value)
    source = tags.get(SOURCE_NAME_TAG, "")
    entry_point = tags.get(ENTRY_POINT_TAG, "")
    commit = tags.get(GIT_COMMIT_TAG, "")
    facts = RunFacts(
        git_commit=commit,
        source_name=source,
        source_type=tags.get(SOURCE_TYPE_TAG, ""),
        entry_point=entry_point,
        rerun_command=rerun_command(source=source.strip(), entry_point=entry_point.strip(), commit=commit),
        dataset=dataset,
        other=other,
        labels=MLFLOW_LABELS,
    )
    return user, facts


def mlflow_tags(
    *, user: str = "", source_name: str = "", source_type: str = "", git_commit: str = "", note: str = ""
) -> dict[str, str]:
    """The MLflow tags that record these facts about a run (empty ones left out), for writing a run."""
    named = ((USER_TAG, user), (SOURCE_NAME_TAG, source_name), (SOURCE_TYPE_TAG, source_type),
             (GIT_COMMIT_TAG, git_commit), (NOTE_TAG, note))
    return {tag: value for tag, value in named if value}
