"""No fixture links a trap twin: a failed start relaunched unchanged, a teammate's copy of a run, a short probe
before it (tests.narrative.link_traps); and the twins cost no more than a few true links."""

from __future__ import annotations

import pytest

from tests.narrative.link_traps import fixture_sets, measure


@pytest.mark.parametrize("kind", ["failed", "other", "probe", "probe-named"])
def test_no_fixture_links_a_twin(kind: str) -> None:
    figures = [measure(path, kind) for paths in fixture_sets().values() for path in paths]
    wrong, found, kept = (sum(f[i] for f in figures) for i in range(3))
    assert wrong == 0
    assert kept >= 0.97 * found
