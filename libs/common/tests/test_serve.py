"""A service process before it serves: the garbage collector's settings."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from switchboard.common.serve import gc_thresholds, settle_the_heap
from switchboard.common.settings import ServiceSettings


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as the test found it, afterwards."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_what_was_built_before_serving_is_frozen_and_the_thresholds_set(
        collector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SB_GC_THRESHOLD", raising=False)
    monkeypatch.delenv("SB_GC_FREEZE", raising=False)
    gc.unfreeze()
    built = [[n] for n in range(1000)]  # tracked containers, alive as the app's objects are
    settle_the_heap(ServiceSettings())
    assert gc.get_threshold() == (5000, 20, 20)
    assert gc.get_freeze_count() >= len(built), "out of the collector's sight"
    assert not any(gc.is_tracked(item) and item in gc.get_objects(2) for item in built[:3])


def test_the_settings_turn_either_off(collector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("SB_GC_THRESHOLD", "")
    monkeypatch.setenv("SB_GC_FREEZE", "false")
    settle_the_heap(ServiceSettings())
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("text", ["", "a,b", "0,10,10", "1,2,3,4", "-5"])
def test_a_threshold_that_is_not_one_to_three_positive_counts_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="SB_GC_THRESHOLD"):
        gc_thresholds(text)


def test_thresholds_are_read_as_counts() -> None:
    assert gc_thresholds("5000,20,20") == (5000, 20, 20)
    assert gc_thresholds("1000") == (1000,)
