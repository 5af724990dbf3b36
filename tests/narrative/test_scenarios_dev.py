"""The development scenarios through the in-process harness: no wrong links, good recall."""

from __future__ import annotations

import pytest

from tests.narrative.scenario_loader import SCENARIO_DIR, load_scenario, score_scenario

PATHS = sorted(SCENARIO_DIR.glob("*.json"))


@pytest.mark.skipif(not PATHS, reason="the shared scenarios are not beside this checkout")
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_dev_scenario_links_and_fields(path: object) -> None:
    result = score_scenario(path)  # type: ignore[arg-type]
    assert result["wrong"] == 0
    assert result["f1"] >= 0.9
    assert result["fields"] >= 0.8


@pytest.mark.skipif(not PATHS, reason="the shared scenarios are not beside this checkout")
def test_loader_builds_requests_like_the_service() -> None:
    scenario = load_scenario(PATHS[0])
    assert len(scenario.requests) == len(scenario.data["messages"])
    for _, request in scenario.requests:
        assert all(r.start <= request.at for r in request.window_runs)
        assert all(len(r.run_id) == 32 for r in request.known_runs)
