"""Trackers: one small ``Tracker`` protocol and its implementations, chosen by URI scheme.

``import adapters`` stays light: MLflow (slow to import) and aiohttp are imported only when
:func:`open_tracker` builds a tracker of that kind, and MLflow itself only on the tracker's first call.

Which implementation serves a URI is looked up in :data:`TRACKERS`, a registry keyed by URI scheme as
MLflow's ``TrackingStoreRegistry`` is: a new tracker registers its schemes, and nothing else changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from adapters._mlflow import redact
from adapters._mlflow_names import RUN_REF_PATTERN as _MLFLOW_RUN_REF
from adapters._mlflow_names import is_mlflow_key, read_mlflow_tags
from adapters._wandb_names import RUN_REF_PATTERN as _WANDB_RUN_REF
from adapters._wandb_names import is_wandb_key, is_wandb_recorded, read_wandb_tags, uri_for
from adapters.tracker import RunFacts
from core.errors import UserInputError

if TYPE_CHECKING:
    from adapters.tracker import Tracker

__all__ = [
    "TRACKERS",
    "TrackerRegistry",
    "is_tracker_key",
    "open_tracker",
    "recorded_facts",
    "recorded_user_tags",
    "run_ref_pattern",
    "wandb_uri_from_env",
]

# Builds a tracker for a URI and the UI address people open runs at (None: the tracker's default).
TrackerFactory = Callable[[str, "str | None"], "Tracker"]

# "host:port" (or "host:port/path") without a scheme: a server address missing its "http://". As a
# path it would silently become a new file store in the current folder (or an unknown scheme).
_BARE_HOST_PORT = re.compile(r"^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\]):\d{1,5}(?:/\S*)?$")
_DATABRICKS_SCHEMES = frozenset({"databricks", "databricks-uc", "uc"})
# A URI without a scheme (or with a one-letter one: a Windows drive, "C:\\runs\\mlflow.db") is a path.
PATH_SCHEME = ""


@dataclass(frozen=True, slots=True)
class _Registration:
    kind: str
    factory: TrackerFactory


class TrackerRegistry:
    """URI scheme -> the factory of the tracker that serves it.

    A scheme is registered in its base form: ``postgresql+psycopg2`` is served by ``postgresql``'s
    factory. :data:`PATH_SCHEME` (``""``) is the factory for a plain path.
    """

    def __init__(self) -> None:
        self._by_scheme: dict[str, _Registration] = {}

    def register(self, scheme: str, factory: TrackerFactory, *, kind: str) -> None:
        self._by_scheme[scheme.lower()] = _Registration(kind, factory)

    def lookup(self, scheme: str) -> _Registration | None:
        return self._by_scheme.get(scheme.lower())

    def kinds(self) -> list[str]:
        return sorted({r.kind for r in self._by_scheme.values()})

    def schemes(self) -> list[str]:
        """The registered schemes, for messages (a plain path is not a scheme and is left out)."""
        return sorted(s for s in self._by_scheme if s != PATH_SCHEME)


def _mlflow_local(uri: str, ui_url: str | None) -> Tracker:
    from adapters.mlflow_local import MlflowLocalTracker

    return MlflowLocalTracker(uri, ui_url=ui_url)


def _mlflow_rest(uri: str, ui_url: str | None) -> Tracker:
    from adapters.mlflow_rest import MlflowRestTracker

    return MlflowRestTracker(uri, ui_url=ui_url)


def _wandb(uri: str, ui_url: str | None) -> Tracker:
    # W&B's run URLs are its own app's (run.url): there is no separate UI address to configure.
    from adapters.wandb_api import WandbTracker

    return WandbTracker(uri)


def _composite(uri: str, ui_url: str | None) -> Tracker:
    from adapters.composite import CompositeTracker, member_uris

    return CompositeTracker([open_tracker(u, kind=k, ui_url=ui_url) for k, u in member_uris(uri)])


TRACKERS = TrackerRegistry()
for _scheme in ("http", "https"):
    TRACKERS.register(_scheme, _mlflow_rest, kind="mlflow")
# The file store and the SQLAlchemy stores an ``MlflowClient`` opens itself (``postgresql+psycopg2``
# and such included), and a plain path, which MLflow takes as a file store or an SQLite file.
for _scheme in ("sqlite", "file", "postgresql", "postgres", "mysql", "mssql", PATH_SCHEME):
    TRACKERS.register(_scheme, _mlflow_local, kind="mlflow")
# wandb:// (the server the wandb client is configured for) and wandb+http(s)://HOST (a named server).
TRACKERS.register("wandb", _wandb, kind="wandb")
# A project whose runs are in several trackers (a team moving from MLflow to W&B): one history.
TRACKERS.register("multi", _composite, kind="multi")


def open_tracker(uri: str, *, kind: str = "mlflow", ui_url: str | None = None) -> Tracker:
    """The tracker for ``uri``, by its scheme in :data:`TRACKERS`.

    * ``http://`` / ``https://`` -> :class:`adapters.mlflow_rest.MlflowRestTracker` (the server's REST API);
    * ``sqlite:``, ``file:``, a plain path, or another SQLAlchemy database URL ->
      :class:`adapters.mlflow_local.MlflowLocalTracker` (``MlflowClient`` on the store itself);
    * ``wandb://`` (the wandb client's configured server) or ``wandb+https://HOST`` ->
      :class:`adapters.wandb_api.WandbTracker` (``wandb.Api``);
    * ``multi:...`` (see :mod:`adapters.composite`) -> one tracker over several.

    ``ui_url`` is where people open runs: for a local store it is the ``mlflow ui`` that serves it
    (default ``http://127.0.0.1:5000``); for a server it defaults to the server's own address.
    Bad input (empty URI, unknown scheme or kind, ``host:port`` without ``http://``) raises
    :class:`UserInputError`; an unknown scheme's message lists the known ones.
    """
    uri = uri.strip()
    if not uri:
        raise UserInputError("No tracker URI was given: set MLFLOW_TRACKING_URI or the project's tracker.")
    if _BARE_HOST_PORT.match(uri):
        raise UserInputError(f"The tracking URI {uri!r} has no scheme: did you mean http://{uri}?")
    scheme = urlsplit(uri).scheme.lower()
    base_scheme = scheme.split("+", 1)[0]  # postgresql+psycopg2 -> postgresql
    if kind not in TRACKERS.kinds():
        raise UserInputError(f"Unknown tracker kind {kind!r}: COCO knows {', '.join(TRACKERS.kinds())}.")
    # MLflow also spells Databricks as a bare word ("databricks", "databricks-uc").
    if base_scheme in _DATABRICKS_SCHEMES or uri.lower() in _DATABRICKS_SCHEMES:
        raise UserInputError(
            "Databricks tracking URIs are not supported yet: give the workspace's MLflow REST URL "
            "(https://...) or a local store (sqlite:///...)."
        )
    found = TRACKERS.lookup(PATH_SCHEME if len(scheme) <= 1 else base_scheme)
    if found is not None and found.kind != kind:
        raise UserInputError(
            f"The tracker URI {redact(uri)!r} is {found.kind}'s, but the tracker kind given is {kind!r}.")
    if found is None:
        raise UserInputError(
            f"Unsupported tracker URI scheme {scheme!r}: the known schemes are {', '.join(TRACKERS.schemes())} "
            "(use sqlite:///path, file:///path, a path, or the MLflow server's http(s):// address)."
        )
    return found.factory(uri, ui_url)


def wandb_uri_from_env() -> str:
    """The tracker URI of the W&B server ``WANDB_BASE_URL`` names (``wandb://``, the wandb client's
    configured server, when it is not set)."""
    import os

    return uri_for(os.environ.get("WANDB_BASE_URL"))


def _read_recorded(tags: Mapping[str, str]) -> tuple[dict[str, str], RunFacts]:
    # A W&B run's recorded tags always carry its path (wandb.path); any other run is MLflow's.
    return read_wandb_tags(tags) if is_wandb_recorded(tags) else read_mlflow_tags(tags)


def recorded_facts(tags: Mapping[str, str]) -> RunFacts:
    """The reproduction facts in a run's tags as the tracker recorded them (a cached run keeps those).

    MLflow records them as ``mlflow.*`` tags; W&B's run fields are recorded as ``wandb.*`` entries of
    :attr:`TrackedRun.recorded_tags`. Either reads back to the run's :attr:`TrackedRun.facts`."""
    return _read_recorded(tags)[1]


def recorded_user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The person's own tags among a run's recorded tags (the tracker's own left out)."""
    return _read_recorded(tags)[0]


def is_tracker_key(key: str) -> bool:
    """Whether a param or tag name is in a namespace a tracker reserves for itself (``mlflow.*``,
    ``wandb.*``)."""
    return is_mlflow_key(key) or is_wandb_key(key)


_MULTI_RUN_REF = re.compile(f"{_MLFLOW_RUN_REF.pattern}|{_WANDB_RUN_REF.pattern}")


def run_ref_pattern(kind: str = "mlflow") -> re.Pattern[str]:
    """:attr:`Tracker.run_ref_pattern` of a kind of tracker, for code that holds a project (its
    ``tracker_kind``) or cached runs but no open tracker."""
    patterns = {"mlflow": _MLFLOW_RUN_REF, "wandb": _WANDB_RUN_REF, "multi": _MULTI_RUN_REF}
    if kind not in patterns:
        raise UserInputError(f"Unknown tracker kind {kind!r}: COCO knows {', '.join(sorted(patterns))}.")
    return patterns[kind]
