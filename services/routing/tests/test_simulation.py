"""The simulator drives the real engine; on M/M/c it agrees with Erlang C within statistical error."""

from __future__ import annotations

import statistics

import pytest

from switchboard.routing.engine.escalation import EscalationPolicy
from switchboard.routing.simulation.simulator import Scenario, simulate
from switchboard.routing.staffing.erlang_a import predict_a
from switchboard.routing.staffing.erlang_c import predict

RATE, HANDLE = 100 / 1800, 180.0  # the classic table example: 100 calls per half hour, AHT 3 min


def test_mmc_service_level_and_asa_agree_with_erlang_c() -> None:
    runs = [simulate(Scenario(RATE, HANDLE, 14, contacts=30_000, seed=seed)) for seed in (1, 2, 3)]
    expected = predict(14, RATE, HANDLE, 20)
    assert statistics.mean(r.service_level for r in runs) == pytest.approx(expected.service_level, abs=0.015)
    assert statistics.mean(r.asa for r in runs) == pytest.approx(expected.average_speed_of_answer, rel=0.15)
    assert all(r.abandoned == 0 for r in runs), "infinite patience: nobody abandons"


def test_one_agent_fewer_is_measurably_worse_as_erlang_c_predicts() -> None:
    thirteen = simulate(Scenario(RATE, HANDLE, 13, contacts=20_000, seed=7))
    fourteen = simulate(Scenario(RATE, HANDLE, 14, contacts=20_000, seed=7))
    assert thirteen.service_level < fourteen.service_level
    assert thirteen.service_level == pytest.approx(predict(13, RATE, HANDLE, 20).service_level, abs=0.03)


def test_with_impatient_customers_the_simulation_agrees_with_erlang_a() -> None:
    runs = [simulate(Scenario(RATE, HANDLE, 11, contacts=30_000, patience_seconds=120, seed=seed))
            for seed in (1, 2, 3)]
    expected = predict_a(11, RATE, HANDLE, 20, patience_seconds=120)
    assert statistics.mean(r.service_level for r in runs) == pytest.approx(expected.service_level, abs=0.02)
    assert statistics.mean(r.abandon_rate for r in runs) == pytest.approx(expected.abandon_rate, abs=0.01)


def test_erlang_a_with_endless_patience_is_erlang_c() -> None:
    for agents in (11, 13, 14, 16):
        a, c = predict_a(agents, RATE, HANDLE, 20, patience_seconds=1e9), predict(agents, RATE, HANDLE, 20)
        assert a.service_level == pytest.approx(c.service_level, abs=1e-3)
        assert a.abandon_rate < 1e-5


def test_impatient_customers_abandon_and_shorten_the_wait_of_the_others() -> None:
    patient = simulate(Scenario(RATE, HANDLE, 11, contacts=20_000))
    impatient = simulate(Scenario(RATE, HANDLE, 11, contacts=20_000, patience_seconds=60))
    assert patient.abandon_rate == 0 and 0.05 < impatient.abandon_rate < 0.5
    assert impatient.asa < patient.asa


def test_widening_proficiency_after_a_wait_raises_the_service_level_of_a_split_floor() -> None:
    split = {"proficiencies": (8, 3), "required": 6, "contacts": 15_000}
    strict = simulate(Scenario(RATE, HANDLE, 16, **split))  # type: ignore[arg-type]
    widened = simulate(Scenario(RATE, HANDLE, 16, escalation=EscalationPolicy(widen_after_seconds=10),
                                **split))  # type: ignore[arg-type]
    assert widened.service_level > strict.service_level + 0.1
