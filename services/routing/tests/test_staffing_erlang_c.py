import math

import pytest

from switchboard.routing.staffing.erlang_c import agents_needed, predict, probability_of_waiting


def erlang_c_by_direct_sum(agents: int, traffic: float) -> float:
    """The textbook formula with factorials: an independent check of the recursion."""
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


@pytest.mark.parametrize(("agents", "traffic"), [(11, 10.0), (13, 10.0), (20, 15.5), (55, 50.0)])
def test_probability_of_waiting_matches_the_factorial_formula(agents: int, traffic: float) -> None:
    assert probability_of_waiting(agents, traffic) == pytest.approx(erlang_c_by_direct_sum(agents, traffic))


@pytest.mark.parametrize(
    ("agents", "service_level", "asa"),
    # The classic worked example (100 calls per 30 min, AHT 180 s, 80% in 20 s) as published.
    [(11, 0.390, 122.8), (12, 0.640, 40.4), (13, 0.796, 17.1), (14, 0.889, 7.8)],
)
def test_classic_example_agrees_with_the_published_table(
    agents: int, service_level: float, asa: float
) -> None:
    prediction = predict(agents, 100 / 1800, 180, 20)
    assert prediction.service_level == pytest.approx(service_level, abs=0.001)
    assert prediction.average_speed_of_answer == pytest.approx(asa, abs=0.1)


def test_classic_example_needs_14_agents_because_13_give_79_6_percent() -> None:
    prediction, scheduled = agents_needed(100 / 1800, 180, 0.80, 20, shrinkage=0.30)
    assert prediction.agents == 14
    assert prediction.occupancy == pytest.approx(10 / 14)
    assert scheduled == 20


def test_understaffed_queue_never_meets_service_level() -> None:
    assert predict(10, 100 / 1800, 180, 20).service_level == 0.0
