"""Lists a team keeps of what it tried and called off (issue 8, phase): "Cancelled:" items are decisions, a
ticked item's "==> outcome" is its verdict, an empty "To try: - Nothing" lists nothing, a finding told for
another setting ("When training with espnet1, it's effective") is no plan."""

from __future__ import annotations

import datetime as dt

from narrative import reading
from narrative.answer_next import next_steps
from narrative.approaches import derive
from narrative.history_index import HistoryIndex
from narrative.segmenting import split_segments
from narrative.structuring import structure_entry
from narrative.types import ProjectHistory
from storage.records import EntryRecord, EntryStructure, RunSnapshot
from tests.narrative.conftest import make_request, make_run

CANCELLED = ("Cancelled:\n\n- [-] Try dropout\n- [-] Focal loss (try different combinations)\n"
             "- [ ] Pretrain on two datasets\n")
TRIED = ("Already tried:\n\n"
         "- [x] Use residual connections ==> Seems worse than concatenating and using convolutions\n"
         "- [x] Try with SGD instead of Adam ==> Adam seems better\n"
         "- [x] Look at the final activation function ==> Removing it helped for correct loss computation\n")


def structure(text: str) -> EntryStructure:
    return structure_entry(make_request(text, []))  # type: ignore[arg-type]


def test_cancelled_items_are_decisions_not_plans() -> None:
    assert {s.section for s in split_segments(CANCELLED)} == {"cancelled"}
    st = structure("To try:\n\n- Nothing\n\n" + CANCELLED)
    assert not st.next_steps and not st.hypotheses
    assert {d.kind for d in st.decisions} == {"abandon"} and len(st.decisions) == 3


def test_a_placeholder_item_is_no_item() -> None:
    assert not split_segments("To try:\n\n- Nothing\n")
    assert not structure("Open questions:\n- none yet\n").open_questions


def test_a_ticked_item_with_its_outcome_is_a_verdict() -> None:
    st = structure(TRIED)
    verdicts = {c.text.split(":")[0]: c.verdict for c in st.conclusions}
    assert verdicts["Use residual connections"] == "did_not_work"
    assert verdicts["Try with SGD instead of Adam"] == "did_not_work"  # the one it replaced won
    assert verdicts["Look at the final activation function"] == "worked"


def test_a_finding_for_another_setting_is_no_plan() -> None:
    assert reading.modality("When training with espnet1 on older version, it's effective") != "conditional"
    assert reading.modality("When it finishes, I will try a larger batch") in {"conditional", "planned"}
    # a condition still to be met, whatever the main clause's tense, stays one
    assert reading.modality("Once I can produce clear speech, it's time to revisit music datasets.") == "conditional"


def daily_history(texts: list[str], runs: list[RunSnapshot], *, author: str, start: dt.datetime) -> HistoryIndex:
    """The index of one structured note a day from ``start``, by ``author``, over ``runs``."""
    entries = [EntryRecord(id=f"e{i}", workspace_id="w", project_id="p", author=author,
                           at=start + dt.timedelta(days=i), raw_text=t, status="structured", structure=structure(t))
               for i, t in enumerate(texts)]
    hist = ProjectHistory(project=make_request("x", []).project, entries=entries,  # type: ignore[arg-type]
                          runs={r.run_id: r for r in runs}, now=start + dt.timedelta(days=9))
    return HistoryIndex(hist)


def _history(texts: list[str]) -> HistoryIndex:
    runs = [make_run("r1", name="unet-sgd", params={"optimizer": "sgd"}, metrics={"val_auc": 0.6}),
            make_run("r2", name="unet-adam", params={"optimizer": "adam"}, metrics={"val_auc": 0.7})]
    return daily_history(texts, runs, author="lucas", start=dt.datetime(2024, 2, 5, 19, tzinfo=dt.UTC))


def test_phase_reads_the_lists() -> None:
    idx = _history(["To try:\n\n- [ ] Try dropout\n- [ ] Use a smaller image size?\n\n" + TRIED,
                    "Cancelled:\n\n- [-] Try dropout\n- [-] Use a smaller image size?\n"])
    status = {a.key: (a.status, a.reason) for a in derive(idx)}
    assert status["sgd"][0] == "exhausted"
    assert status.get("adam", ("open", ""))[0] != "exhausted"
    assert status["dropout"] == ("abandoned", "called off: Try dropout")
    steps, _ = next_steps(idx, derive(idx))
    # called off later: no step any more; ticked off with its outcome: no idea still to run
    assert not any("dropout" in s.lower() or "image size" in s.lower() or "activation" in s.lower() for s in steps)
