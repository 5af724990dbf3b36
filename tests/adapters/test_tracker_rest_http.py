"""HTTP behaviour of ``MlflowRestTracker`` that a healthy ``mlflow server`` cannot show: retries on
5xx/429, ``Retry-After``, timeouts, request ids, auth headers. The server here is a tiny aiohttp
fake on 127.0.0.1 that answers from a script; everything else is tested against the real server."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from adapters.mlflow_rest import MlflowRestTracker
from core.errors import TrackerUnavailableError, UserInputError

RUN_ID = "0123456789abcdef0123456789abcdef"
SEARCH_OK: dict[str, Any] = {
    "runs": [
        {
            "info": {
                "run_uuid": RUN_ID,
                "run_id": RUN_ID,
                "experiment_id": "7",
                "run_name": "r",
                "user_id": "unknown",
                "status": "FINISHED",
                "start_time": 1772442000000,
                "end_time": 1772443800000,
                "lifecycle_stage": "active",
            },
            "data": {
                "metrics": [{"key": "auc", "value": 0.8, "timestamp": 1, "step": 3}],
                "params": [{"key": "lr", "value": "0.1"}, {"key": "empty"}],
                "tags": [{"key": "mlflow.user", "value": "alice"}],
            },
        }
    ]
}


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: SEARCH_OK)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float


@dataclass
class FakeServer:
    url: str
    script: list[Reply] = field(default_factory=list)  # consumed in order; the last one repeats
    hits: list[Hit] = field(default_factory=list)

    def answer(self, *replies: Reply) -> None:
        self.script[:] = list(replies)


@pytest.fixture
async def fake() -> AsyncIterator[FakeServer]:
    server = FakeServer(url="")

    async def handle(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        server.hits.append(
            Hit(request.method, request.path, dict(request.headers), json.loads(raw) if raw else None, time.monotonic())
        )
        reply = server.script.pop(0) if len(server.script) > 1 else server.script[0]
        if reply.delay:
            await asyncio.sleep(reply.delay)
        text = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
        return web.Response(status=reply.status, text=text, headers=reply.headers, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    server.answer(Reply())
    try:
        yield server
    finally:
        await runner.cleanup()


def tracker_for(fake: FakeServer, **options: Any) -> MlflowRestTracker:
    options.setdefault("retries", 3)
    options.setdefault("backoff", 0.0)
    return MlflowRestTracker(fake.url, **options)


async def test_5xx_then_200_is_retried(fake: FakeServer) -> None:
    fake.answer(Reply(503, {"error_code": "TEMPORARILY_UNAVAILABLE"}), Reply(502, "bad gateway"), Reply())
    async with tracker_for(fake) as tracker:
        page = await tracker.search_runs(scope=["7"])
    assert [r.run_id for r in page.runs] == [RUN_ID]
    assert len(fake.hits) == 3
    run = page.runs[0]
    assert (run.user, run.metrics, dict(run.params)) == ("alice", {"auc": 0.8}, {"lr": "0.1", "empty": ""})
    assert run.url == f"{fake.url}/#/experiments/7/runs/{RUN_ID}"


async def test_429_honours_retry_after(fake: FakeServer) -> None:
    fake.answer(Reply(429, {"error_code": "REQUEST_LIMIT_EXCEEDED"}, {"Retry-After": "0.4"}), Reply())
    async with tracker_for(fake) as tracker:
        await tracker.search_runs(scope=["7"])
    assert len(fake.hits) == 2
    assert fake.hits[1].at - fake.hits[0].at >= 0.35  # backoff is 0 here: only Retry-After made it wait


async def test_retry_after_too_long_fails_at_once(fake: FakeServer) -> None:
    fake.answer(Reply(429, {}, {"Retry-After": "3600", "X-Request-Id": "req-429"}))
    async with tracker_for(fake, max_retry_after=5) as tracker:
        with pytest.raises(TrackerUnavailableError, match="retry after 3600 s") as caught:
            await tracker.search_runs(scope=["7"])
    assert caught.value.request_id == "req-429"
    assert len(fake.hits) == 1


async def test_persistent_5xx_gives_up_with_the_request_id(fake: FakeServer) -> None:
    fake.answer(Reply(500, {"error_code": "INTERNAL_ERROR"}, {"X-Request-Id": "req-42"}))
    started = time.monotonic()
    async with tracker_for(fake, retries=2, backoff=0.02) as tracker:
        with pytest.raises(TrackerUnavailableError) as caught:
            await tracker.get_run(RUN_ID)
    assert time.monotonic() - started < 1.0
    assert len(fake.hits) == 3
    assert caught.value.request_id == "req-42"
    assert "req-42" in caught.value.user_message and "HTTP 500" in caught.value.user_message


async def test_backoff_grows_between_attempts(fake: FakeServer) -> None:
    fake.answer(Reply(503, {}))
    async with tracker_for(fake, retries=3, backoff=0.1, max_backoff=1.0) as tracker:
        with pytest.raises(TrackerUnavailableError):
            await tracker.search_runs(scope=["7"])
    gaps = [b.at - a.at for a, b in zip(fake.hits, fake.hits[1:], strict=False)]
    # Equal jitter: each wait lies in [step/2, step] with steps 0.1, 0.2, 0.4.
    assert [round(g, 2) >= s / 2 for g, s in zip(gaps, (0.1, 0.2, 0.4), strict=True)] == [True] * 3


async def test_4xx_is_not_retried(fake: FakeServer) -> None:
    fake.answer(Reply(400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid experiment ID 'x'"}))
    async with tracker_for(fake) as tracker:
        with pytest.raises(UserInputError, match="Invalid experiment ID"):
            await tracker.search_runs(scope=["x"])
    assert len(fake.hits) == 1


async def test_unauthorised_is_an_outside_failure(fake: FakeServer) -> None:
    fake.answer(Reply(401, {"error_code": "UNAUTHENTICATED", "message": "no"}))
    async with tracker_for(fake) as tracker:
        with pytest.raises(TrackerUnavailableError, match="MLFLOW_TRACKING_TOKEN"):
            await tracker.get_experiment("alpha")
    assert len(fake.hits) == 1


async def test_slow_server_times_out(fake: FakeServer) -> None:
    fake.answer(Reply(delay=1.0))
    started = time.monotonic()
    async with tracker_for(fake, timeout=0.2, retries=1) as tracker:
        with pytest.raises(TrackerUnavailableError, match="did not answer in time"):
            await tracker.search_runs(scope=["7"])
    assert time.monotonic() - started < 1.5
    assert len(fake.hits) == 2


async def test_not_json_is_an_outside_failure(fake: FakeServer) -> None:
    fake.answer(Reply(200, "<html>login page</html>"))
    async with tracker_for(fake) as tracker:
        with pytest.raises(TrackerUnavailableError, match="not JSON"):
            await tracker.search_runs(scope=["7"])


async def test_search_request_shape(fake: FakeServer) -> None:
    async with tracker_for(fake) as tracker:
        await tracker.search_runs(scope=["7", "8"], user="alice", max_results=5000, page_token="tok")
    hit = fake.hits[0]
    assert (hit.method, hit.path) == ("POST", "/api/2.0/mlflow/runs/search")
    assert hit.body["experiment_ids"] == ["7", "8"]
    assert hit.body["max_results"] == 1000  # the API's page limit; the rest follows by token
    assert hit.body["page_token"] == "tok"
    assert hit.body["order_by"] == ["attributes.start_time DESC"]
    assert hit.body["filter"] == "tags.`mlflow.user` = 'alice'"


async def test_bearer_token_from_environment(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "tok-123")
    async with tracker_for(fake) as tracker:
        await tracker.search_runs(scope=["7"])
    assert fake.hits[0].headers["Authorization"] == "Bearer tok-123"


async def test_basic_auth_from_environment(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ann")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "pw")
    async with tracker_for(fake) as tracker:
        await tracker.search_runs(scope=["7"])
    expected = "Basic " + base64.b64encode(b"ann:pw").decode()
    assert fake.hits[0].headers["Authorization"] == expected


async def test_no_auth_header_without_credentials(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    async with tracker_for(fake) as tracker:
        await tracker.search_runs(scope=["7"])
    assert "Authorization" not in fake.hits[0].headers


async def test_credentials_in_the_url(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    url = fake.url.replace("http://", "http://ann:p%40ss@")
    async with MlflowRestTracker(url, retries=0) as tracker:
        page = await tracker.search_runs(scope=["7"])
    assert fake.hits[0].headers["Authorization"] == "Basic " + base64.b64encode(b"ann:p@ss").decode()
    assert "p%40ss" not in page.runs[0].url and "ann" not in page.runs[0].url
