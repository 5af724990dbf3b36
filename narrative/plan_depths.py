"""A depth-sized model named in a plan by its short or spelled-out form, written as the runs write it.

People write a ResNet by its depth in many ways: "R50", "Res50", "res_101", "ResNet-50", "the 101-layer ResNet".
Runs and the model table write ``resnet50``. A plan's short form is rewritten to that name before it is read,
so that "the R50 runs" is about the resnet50 runs (and not about a resnet101 run that shares "ResNet"). Only
the depths a ResNet is built at; a short form that names a run or a note of the history ("r50" as a run's own
name part) is left alone, and nothing is rewritten where the history never names a ResNet.
"""

from __future__ import annotations

import re

from narrative.history_index import HistoryIndex

_DEPTHS = r"(18|34|50|101|152|200)"
# "R50", "Res50", "res_101", "res-50", "resnet-50", "ResNet 101" (the separator is dropped)
_SHORT = re.compile(r"(?<![\w.\-])(?:r|res|resnet)[\s_\-]?" + _DEPTHS + r"(?![\w.]|-\w)", re.IGNORECASE)
_RES_TOKEN = re.compile(r"res[_\-]?\d{2,3}")
# "the 101-layer ResNet", "an 18 layer resnet backbone"
_LAYERED = re.compile(r"(?<![\w.])" + _DEPTHS + r"[\s-]layers?\s+resnet\b", re.IGNORECASE)


def _history_has_resnet(idx: HistoryIndex) -> bool:
    got = idx.cache.get("depths:resnet")
    if isinstance(got, bool):
        return got
    # a ResNet written out ("resnet50", "res_101", "res50"); a bare "r18" may be a LoRA rank or a run's number
    has = any(t.startswith("resnet") or _RES_TOKEN.fullmatch(t) is not None
              for t in list(idx.df) + list(idx.name_token_runs))
    has = has or any(re.search(r"\bres(?:net)?[_-]?\d", v.lower()) for sig in idx.sigs for _, v in sig.items)
    idx.cache["depths:resnet"] = has
    return has


def resnet_depths(plan: str, idx: HistoryIndex) -> str:
    """``plan`` with short ResNet names ("R50", "res_101", "101-layer ResNet") written ``resnet50``."""
    if not _SHORT.search(plan) and not _LAYERED.search(plan):
        return plan
    if not _history_has_resnet(idx):
        return plan

    def short(m: re.Match[str]) -> str:
        word = re.sub(r"[\s_\-]", "", m.group(0)).lower()
        # a run named by it ("the r50 run" where a run is called r50-...) keeps the name the history uses
        return m.group(0) if word in idx.name_token_runs and not word.startswith("resnet") else "resnet" + m.group(1)

    return _LAYERED.sub(lambda m: "resnet" + m.group(1), _SHORT.sub(short, plan))


# "456x456", "300 x 300": a square image's side in pixels, said the way the runs' image_size records it
_SQUARE = re.compile(r"(?<![\w.])(\d{3,4}) ?x ?\1(?![\w.])")


def square_sides(plan: str) -> str:
    """``plan`` with a square image size ("B5 at 456x456") written as its side ("B5 at image size 456")."""
    return _SQUARE.sub(lambda m: "image size " + m.group(1), plan) if "x" in plan else plan
