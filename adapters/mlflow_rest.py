"""MLflow tracker over a tracking server's REST API (``/api/2.0/mlflow``), with aiohttp.

One ``ClientSession`` per tracker, created on first use inside the running loop. Every request has a
timeout; connection errors, timeouts, 5xx and 429 are retried a bounded number of times with
exponential backoff and jitter (``Retry-After`` honoured, up to ``max_retry_after`` seconds), then
become :class:`TrackerUnavailableError` carrying the server's request id when it sent one.

Credentials follow MLflow's own environment variables: ``MLFLOW_TRACKING_TOKEN`` (Bearer) or
``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD`` (basic auth); TLS follows
``MLFLOW_TRACKING_INSECURE_TLS`` and ``MLFLOW_TRACKING_SERVER_CERT_PATH``.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import random
import ssl
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import aiohttp

from adapters._mlflow import (
    EPOCH,
    MAX_PAGE,
    ORDER_BY,
    MlflowTrackerBase,
    PrefixSearch,
    StoreRefusedError,
    netloc_without_credentials,
    redact,
)
from adapters._mlflow_names import NOTE_TAG, RUN_NAME_TAG, USER_TAG, read_mlflow_tags
from adapters.tracker import Experiment, RunPage, TrackedRun, utc
from core.errors import TrackerUnavailableError, UserInputError

API = "/api/2.0/mlflow"
_REQUEST_ID_HEADERS = ("X-Request-Id", "X-Correlation-Id", "X-Databricks-Request-Id")
_ABSENT_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"})

JSON = dict[str, Any]


class _ApiError(Exception):
    """A 4xx answer (other than 429) from the server: MLflow's error code and message."""

    def __init__(self, status: int, code: str, message: str, request_id: str | None) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class MlflowRestTracker(MlflowTrackerBase):
    """``Tracker`` over an MLflow tracking server (``http(s)://host[:port][/prefix]``)."""

    def __init__(
        self,
        uri: str,
        *,
        ui_url: str | None = None,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
        prefix_search: PrefixSearch = "auto",
    ) -> None:
        """``retries`` extra attempts after the first; waits grow ``backoff * 2**n`` up to
        ``max_backoff`` (tests set ``backoff=0``). A ``Retry-After`` longer than
        ``max_retry_after`` is not waited for: the tracker is reported unavailable at once.
        """
        parts = urlsplit(uri.strip())
        # Credentials in the URL are used as basic auth but never kept in the base URL (or messages).
        netloc = netloc_without_credentials(parts.netloc)
        server = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        super().__init__(uri, url_base=ui_url or server, prefix_search=prefix_search)
        self._server = server
        self._api = server + API
        self._display = redact(uri)
        self._token = token if token is not None else os.environ.get("MLFLOW_TRACKING_TOKEN") or None
        url_user = unquote(parts.username) if parts.username else None
        url_pwd = unquote(parts.password) if parts.password else None
        user = username if username is not None else os.environ.get("MLFLOW_TRACKING_USERNAME") or url_user
        pwd = password if password is not None else os.environ.get("MLFLOW_TRACKING_PASSWORD") or url_pwd
        self._auth = aiohttp.BasicAuth(user, pwd or "") if user and not self._token else None
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self._retries = max(0, retries)
        self._backoff = max(0.0, backoff)
        self._max_backoff = max_backoff
        self._max_retry_after = max_retry_after
        self._session: aiohttp.ClientSession | None = None

    @property
    def server(self) -> str:
        return self._server

    # -- Tracker ------------------------------------------------------------------------------
    async def get_experiment(self, name_or_id: str) -> Experiment:
        key = name_or_id.strip()
        exp: JSON | None = None
        if key:
            for path, param in (("/experiments/get-by-name", "experiment_name"), ("/experiments/get", "experiment_id")):
                try:
                    exp = (await self._get(path, {param: key})).get("experiment")
                except _ApiError as err:
                    if err.code not in _ABSENT_CODES and err.status != 404:
                        raise self._refused(err) from err
                    continue
                break
        if not exp:
            raise UserInputError(f"No MLflow experiment named {key!r} (or with that id) in {self._where}.")
        if exp.get("lifecycle_stage", "active") != "active":
            raise UserInputError(
                f"The MLflow experiment {exp.get('name')!r} is deleted; restore it with "
                f"`mlflow experiments restore --experiment-id {exp.get('experiment_id')}`."
            )
        return Experiment(experiment_id=str(exp["experiment_id"]), name=str(exp.get("name", "")))

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def __aenter__(self) -> MlflowRestTracker:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- primitives -----------------------------------------------------------------------------
    async def _search(
        self, experiment_ids: list[str], filter_string: str, max_results: int, page_token: str | None
    ) -> RunPage:
        body = self._search_body(experiment_ids, filter_string, max_results, page_token)
        try:
            data = await self._post("/runs/search", body)
        except _ApiError as err:
            raise self._refused(err) from err
        convert = self._convert
        return RunPage([convert(r) for r in data.get("runs", ())], data.get("next_page_token") or None)

    async def _scan_ids(self, experiment_ids: list[str]) -> list[str]:
        ids: list[str] = []
        token: str | None = None
        while True:
            try:
                data = await self._post("/runs/search", self._search_body(experiment_ids, "", MAX_PAGE, token))
            except _ApiError as err:
                raise self._refused(err) from err
            ids.extend(r["info"]["run_id"] for r in data.get("runs", ()))  # ids only: nothing converted
            token = data.get("next_page_token") or None
            if not token:
                return ids

    async def _fetch(self, run_id: str) -> TrackedRun | None:
        try:
            data = await self._get("/runs/get", {"run_id": run_id})
        except _ApiError as err:
            if err.code in _ABSENT_CODES or err.status == 404:
                return None
            raise self._refused(err) from err
        run = data.get("run")
        if not run or run.get("info", {}).get("lifecycle_stage", "active") != "active":
            return None
        return self._convert(run)

    async def _set_tags(self, run_id: str, tags: Mapping[str, str]) -> None:
        for key, value in tags.items():  # set-tag is idempotent, so a retried request is harmless
            try:
                await self._post("/runs/set-tag", {"run_id": run_id, "key": key, "value": value})
            except _ApiError as err:
                raise self._refused(err) from err

    async def _active_experiment_ids(self) -> list[str]:
        ids: list[str] = []
        token: str | None = None
        while True:
            body: JSON = {"max_results": MAX_PAGE, "view_type": "ACTIVE_ONLY"}
            if token:
                body["page_token"] = token
            try:
                data = await self._post("/experiments/search", body)
            except _ApiError as err:
                raise self._refused(err) from err
            ids.extend(str(e["experiment_id"]) for e in data.get("experiments", ()))
            token = data.get("next_page_token") or None
            if not token:
                return ids

    @staticmethod
    def _search_body(experiment_ids: list[str], filter_string: str, max_results: int, token: str | None) -> JSON:
        body: JSON = {
            "experiment_ids": experiment_ids,
            "max_results": max_results,
            "order_by": ORDER_BY,
            "run_view_type": "ACTIVE_ONLY",
        }
        if filter_string:
            body["filter"] = filter_string
        if token:
            body["page_token"] = token
        return body

    # -- conversion (the hot path of every read) ------------------------------------------------
    def _convert(self, run: JSON) -> TrackedRun:
        # Proto3 JSON leaves out empty and zero fields: every field may be missing.
        info = run["info"]
        data = run.get("data") or {}
        tags = {t["key"]: t.get("value", "") for t in data.get("tags", ())}
        run_id = info.get("run_id") or info["run_uuid"]
        experiment_id = str(info.get("experiment_id", ""))
        user_tags, facts = read_mlflow_tags(tags)
        return TrackedRun(
            run_id=run_id,
            run_name=info.get("run_name") or tags.get(RUN_NAME_TAG, ""),
            experiment_id=experiment_id,
            user=tags.get(USER_TAG) or info.get("user_id") or "",
            status=info.get("status", "RUNNING"),
            start=utc(info.get("start_time")) or EPOCH,
            end=utc(info.get("end_time")),
            params={p["key"]: p.get("value", "") for p in data.get("params", ())},
            # The server sends the latest value of each metric; NaN/Infinity arrive as strings.
            metrics={m["key"]: float(m.get("value", 0.0)) for m in data.get("metrics", ())},
            tags=user_tags,
            url=f"{self._url_prefix}{experiment_id}/runs/{run_id}",
            facts=facts,
            note=tags.get(NOTE_TAG, ""),
            recorded_tags=tags,
        )

    # -- HTTP ---------------------------------------------------------------------------------------
    def _refused(self, err: _ApiError) -> Exception:
        if err.status in (401, 403):
            return TrackerUnavailableError(
                self._display,
                f"not authorised (HTTP {err.status}); check MLFLOW_TRACKING_TOKEN or "
                "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD",
                request_id=err.request_id,
            )
        if err.status in (400, 404) or err.code in _ABSENT_CODES:
            return StoreRefusedError(self._where, err.message or err.code)
        return TrackerUnavailableError(
            self._display, f"HTTP {err.status} {err.code}: {err.message}".strip(), request_id=err.request_id
        )

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            headers = {"Accept": "application/json", "User-Agent": "coco-tracker"}
            if self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            ssl_opt: ssl.SSLContext | bool = True
            if _env_flag("MLFLOW_TRACKING_INSECURE_TLS"):
                ssl_opt = False
            elif cert := os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH"):
                ssl_opt = ssl.create_default_context(cafile=cert)
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                headers=headers,
                auth=self._auth,
                connector=aiohttp.TCPConnector(ssl=ssl_opt),
                trust_env=True,  # HTTP(S)_PROXY / NO_PROXY, as MLflow's own client (requests) does
            )
        return self._session

    async def _get(self, path: str, params: Mapping[str, str]) -> JSON:
        return await self._request("GET", path, params=params)

    async def _post(self, path: str, body: JSON) -> JSON:
        return await self._request("POST", path, body=body)

    def _delay(self, attempt: int) -> float:
        # "Equal jitter": at least half the exponential step, so replicas do not retry in lockstep.
        step = min(self._max_backoff, self._backoff * (2 ** (attempt - 1)))
        return step / 2 + random.uniform(0, step / 2)

    async def _request(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None, body: JSON | None = None
    ) -> JSON:
        """The JSON answer; ``_ApiError`` for a 4xx, ``TrackerUnavailableError`` once retries are spent."""
        session = self._session_now()
        url = self._api + path
        attempt = 0
        while True:
            attempt += 1
            request_id: str | None = None
            detail = ""
            wait: float | None = None
            try:
                async with session.request(method, url, params=params, json=body) as resp:
                    request_id = next((resp.headers[h] for h in _REQUEST_ID_HEADERS if h in resp.headers), None)
                    if resp.status < 300:
                        try:
                            answer = await resp.json(content_type=None)
                        except ValueError as exc:
                            raise TrackerUnavailableError(
                                self._display, f"{path} answered with something that is not JSON",
                                request_id=request_id,
                            ) from exc
                        if not isinstance(answer, dict):
                            raise TrackerUnavailableError(
                                self._display, f"{path} answered with unexpected JSON", request_id=request_id
                            )
                        return answer
                    text = await resp.text()
                    if resp.status == 429 or resp.status >= 500:
                        detail = f"HTTP {resp.status} from {path}"
                        wait = _retry_after(resp.headers.get("Retry-After"))
                        if wait is not None and wait > self._max_retry_after:
                            raise TrackerUnavailableError(
                                self._display, f"{detail}, asked to retry after {wait:.0f} s",
                                request_id=request_id,
                            )
                    else:
                        code, message = _error_of(text)
                        raise _ApiError(resp.status, code, message, request_id)
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as exc:
                detail = _connection_detail(exc)
            except aiohttp.ClientError as exc:  # a malformed URL and the like: retrying cannot help
                raise TrackerUnavailableError(self._display, _connection_detail(exc)) from exc
            if attempt > self._retries:
                raise TrackerUnavailableError(
                    self._display, f"{detail} (after {attempt} attempts)", request_id=request_id
                )
            await asyncio.sleep(wait if wait is not None else self._delay(attempt))


def _error_of(text: str) -> tuple[str, str]:
    """MLflow's ``{"error_code", "message"}`` body, or the start of whatever else came back."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return str(data.get("error_code", "")), str(data.get("message", ""))
    return "", text.strip()[:200]


def _connection_detail(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "the server did not answer in time"
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 240 else text[:239] + "…"
