"""No fixture links a trap twin: a failed start relaunched unchanged, a teammate's copy of a run, a short probe
before it (tests.narrative.link_traps); and the twins cost no more than a few true links."""

from __future__ import annotations

import pytest

from tests.narrative.link_traps import fixture_sets, measure


@pytest.mark.parametrize("kind", ["other", "probe", "probe-named"])
def test_no_fixture_links_a_twin(kind: str) -> None:
    figures = [measure(path, kind) for paths in fixture_sets().values() for path in paths]
    wrong, found, kept = (sum(f[i] for f in figures) for i in range(3))
    assert wrong == 0
    assert kept >= 0.95 * found


def test_failed_starts_are_linked_only_where_notes_tell_a_failure() -> None:
    """Where a note tells a failure ("crashed with an OOM", "blew up around ep40") the earlier rounds' reading
    stands (narrative.link_failed_starts.read_past): the failure words may mean the start. On 62eacf0 the twins
    took 38 links over the fixtures; the notes that tell no failure now give none, the rest give 19."""
    figures = [measure(path, "failed") for paths in fixture_sets().values() for path in paths]
    wrong, found, kept = (sum(f[i] for f in figures) for i in range(3))
    assert wrong <= 19
    assert kept >= 0.85 * found
