"""Which strategy and escalation settings do best: the simulator on a split floor.

16 agents, half at proficiency 8 and half at 3, one queue needing 6; 100 calls per half hour,
AHT 180 s, mean patience 120 s, 20,000 calls per run. Prints service level (20 s), ASA and
abandon rate for each setting, and the Erlang C figure of the same load on 16 and 8 agents.

    .venv/bin/python bench/routing_simulation.py
"""

from __future__ import annotations

from switchboard.routing.engine.escalation import EscalationPolicy
from switchboard.routing.engine.strategies import Strategy
from switchboard.routing.simulation.simulator import Scenario, simulate
from switchboard.routing.staffing.erlang_c import predict

RATE, HANDLE, AGENTS = 100 / 1800, 180.0, 16
SETTINGS = {
    "no widening": EscalationPolicy(),
    "widen to 1 after 60 s": EscalationPolicy(widen_after_seconds=60),
    "widen to 1 after 20 s": EscalationPolicy(widen_after_seconds=20),
    "widen to 1 after 5 s": EscalationPolicy(widen_after_seconds=5),
}


def main() -> None:
    print("| strategy | escalation | service level | ASA (s) | abandoned |")
    print("|---|---|---|---|---|")
    for strategy in (Strategy.LONGEST_IDLE, Strategy.HIGHEST_PROFICIENCY, Strategy.LEAST_OCCUPIED):
        for label, policy in SETTINGS.items():
            result = simulate(Scenario(RATE, HANDLE, AGENTS, contacts=20_000, patience_seconds=120,
                                       strategy=strategy, proficiencies=(8, 3), required=6,
                                       escalation=policy))
            print(f"| {strategy.value} | {label} | {result.service_level:.1%} | {result.asa:.1f} "
                  f"| {result.abandon_rate:.1%} |")
    erlang = predict(AGENTS, RATE, HANDLE, 20)
    print(f"\nErlang C, {AGENTS} interchangeable agents, no abandonment: service level "
          f"{erlang.service_level:.1%}, ASA {erlang.average_speed_of_answer:.1f} s; the {AGENTS // 2} "
          f"experts alone cannot carry the {RATE * HANDLE:.0f} Erlangs.")


if __name__ == "__main__":
    main()
