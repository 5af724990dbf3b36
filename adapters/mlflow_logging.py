"""Logging runs to an MLflow store from plain facts: who ran it, from which script and commit, its params
and metrics. COCO itself only reads runs (and writes notes); this is for ``coco demo``, which logs the
runs two people would have logged, and for anything else that must produce real MLflow runs.

Where MLflow keeps each fact (``mlflow.user``, ``mlflow.source.*`` tags...) is decided here and in
:mod:`adapters._mlflow_names`, so that callers name none of MLflow's tags. Importing this module
imports MLflow (seconds): import it where runs are written, not at start-up. ``MlflowClient`` is
synchronous: callers run it off the event loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

from adapters._mlflow_names import mlflow_tags

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_MS = dt.timedelta(milliseconds=1)


def epoch_ms(when: dt.datetime) -> int:
    """MLflow's clock: whole milliseconds since the epoch (``when`` must be timezone-aware)."""
    return (when - _EPOCH) // _ONE_MS


class MlflowRunWriter:
    """Creates experiments and runs in one MLflow store (``sqlite:///...`` and the like)."""

    def __init__(self, tracking_uri: str) -> None:
        self._client = MlflowClient(tracking_uri)

    def create_experiment(self, name: str, *, artifact_location: str, description: str = "") -> str:
        """A new experiment's id; ``description`` is what the MLflow UI shows as its note."""
        tags = mlflow_tags(note=description)
        return str(self._client.create_experiment(name, artifact_location=artifact_location, tags=tags))

    def start_run(
        self,
        experiment_id: str,
        *,
        name: str,
        start: dt.datetime,
        author: str,
        source_name: str = "",
        source_type: str = "",
        git_commit: str = "",
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """A new RUNNING run's id. ``tags`` are the person's own (``dataset_version``...)."""
        recorded = mlflow_tags(user=author, source_name=source_name, source_type=source_type, git_commit=git_commit)
        recorded.update(tags or {})
        run = self._client.create_run(experiment_id, start_time=epoch_ms(start), tags=recorded, run_name=name)
        return str(run.info.run_id)

    def finish_run(
        self,
        run_id: str,
        *,
        status: str,
        end: dt.datetime,
        params: Mapping[str, str],
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """Log the run's params, its final metrics (stamped at ``end``) and tags, then end it with
        ``status`` (FINISHED, FAILED or KILLED)."""
        stamp = epoch_ms(end)
        self._client.log_batch(
            run_id,
            params=[Param(k, v) for k, v in params.items()],
            metrics=[Metric(k, v, stamp, 0) for k, v in (metrics or {}).items()],
            tags=[RunTag(k, v) for k, v in (tags or {}).items()],
        )
        self._client.set_terminated(run_id, status=status, end_time=stamp)
