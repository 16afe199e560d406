"""Pacing: progressive never abandons; predictive gives more talk time at abandon <= 3%."""

from switchboard.campaign.domain.pacing import FloorState, PredictivePacer, progressive_dials
from switchboard.campaign.domain.simulation import FloorModel, simulate

MODEL = FloorModel(agents=20, answer_probability=0.3, mean_talk_seconds=180.0, hours=4.0)


def test_progressive_dials_one_call_per_free_agent_without_a_call_ringing() -> None:
    assert progressive_dials(FloorState(free_agents=5, busy_agents=3, calls_in_flight=2)) == 3


def test_predictive_dials_ahead_of_free_agents_at_a_low_answer_rate() -> None:
    pacer = PredictivePacer(answer_rate=0.25)
    assert pacer.dials(FloorState(free_agents=4, busy_agents=10, calls_in_flight=0)) > 4


def test_predictive_falls_back_to_progressive_when_over_the_abandon_target() -> None:
    pacer = PredictivePacer(answer_rate=0.25)
    for _ in range(100):
        pacer.observe_answer(abandoned=True)
    floor = FloorState(free_agents=4, busy_agents=10, calls_in_flight=1)
    assert pacer.dials(floor) == progressive_dials(floor)


def test_simulated_predictive_beats_progressive_talk_time_within_three_percent_abandon() -> None:
    progressive = simulate(MODEL, "progressive", seed=11)
    predictive = simulate(MODEL, "predictive", seed=11)
    assert progressive.abandoned == 0
    assert predictive.abandon_rate <= 0.03
    assert predictive.talk_minutes_per_agent_hour > progressive.talk_minutes_per_agent_hour * 1.05
