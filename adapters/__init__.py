"""Trackers: one small ``Tracker`` protocol and its implementations, chosen by URI scheme.

``import adapters`` stays light: MLflow (slow to import) and aiohttp are imported only when
:func:`open_tracker` builds a tracker of that kind, and MLflow itself only on the tracker's first call.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from core.errors import UserInputError

if TYPE_CHECKING:
    from adapters.tracker import Tracker

__all__ = ["open_tracker"]

# Schemes an ``MlflowClient`` serves from the local machine (or a database it connects to directly):
# the file store and the SQLAlchemy stores MLflow supports (``postgresql+psycopg2`` and such included).
_LOCAL_SCHEMES = frozenset({"sqlite", "file", "postgresql", "postgres", "mysql", "mssql"})
_HTTP_SCHEMES = frozenset({"http", "https"})
_DATABRICKS_SCHEMES = frozenset({"databricks", "databricks-uc", "uc"})
# "host:port" (or "host:port/path") without a scheme: a server address missing its "http://". As a
# path it would silently become a new file store in the current folder (or an unknown scheme).
_BARE_HOST_PORT = re.compile(r"^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\]):\d{1,5}(?:/\S*)?$")


def open_tracker(uri: str, *, kind: str = "mlflow", ui_url: str | None = None) -> Tracker:
    """The tracker for ``uri``.

    * ``http://`` / ``https://`` -> :class:`adapters.mlflow_rest.MlflowRestTracker` (the server's REST API);
    * ``sqlite:``, ``file:``, a plain path, or another SQLAlchemy database URL ->
      :class:`adapters.mlflow_local.MlflowLocalTracker` (``MlflowClient`` on the store itself);
    * ``wandb://`` (or ``kind="wandb"``) -> not built yet.

    ``ui_url`` is where people open runs: for a local store it is the ``mlflow ui`` that serves it
    (default ``http://127.0.0.1:5000``); for a server it defaults to the server's own address.
    Bad input (empty URI, unknown scheme or kind, ``host:port`` without ``http://``) raises
    :class:`UserInputError`.
    """
    uri = uri.strip()
    if not uri:
        raise UserInputError("No tracker URI was given: set MLFLOW_TRACKING_URI or the project's tracker.")
    if _BARE_HOST_PORT.match(uri):
        raise UserInputError(f"The tracking URI {uri!r} has no scheme: did you mean http://{uri}?")
    scheme = urlsplit(uri).scheme.lower()
    base_scheme = scheme.split("+", 1)[0]  # postgresql+psycopg2 -> postgresql
    if kind == "wandb" or scheme == "wandb":
        raise UserInputError("W&B support is not built yet")
    if kind != "mlflow":
        raise UserInputError(f"Unknown tracker kind {kind!r}: COCO knows 'mlflow' (and 'wandb' soon).")
    if scheme in _HTTP_SCHEMES:
        from adapters.mlflow_rest import MlflowRestTracker

        return MlflowRestTracker(uri, ui_url=ui_url)
    # MLflow also spells Databricks as a bare word ("databricks", "databricks-uc").
    if base_scheme in _DATABRICKS_SCHEMES or uri.lower() in _DATABRICKS_SCHEMES:
        raise UserInputError(
            "Databricks tracking URIs are not supported yet: give the workspace's MLflow REST URL "
            "(https://...) or a local store (sqlite:///...)."
        )
    # A one-letter scheme is a Windows drive ("C:\\runs\\mlflow.db"): a plain path.
    if base_scheme in _LOCAL_SCHEMES or scheme == "" or len(scheme) == 1:
        from adapters.mlflow_local import MlflowLocalTracker

        return MlflowLocalTracker(uri, ui_url=ui_url)
    raise UserInputError(
        f"Unsupported tracker URI scheme {scheme!r}: use sqlite:///path, file:///path, a path, "
        "or the MLflow server's http(s):// address."
    )
