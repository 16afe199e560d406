"""Pacing simulation: predictive vs progressive on the same floor, same seeds.

Reports the abandon rate (answered calls reaching no agent within 2 s) and agents'
talk minutes per agent-hour for both modes, averaged over several seeds.

    .venv/bin/python bench/campaign_pacing.py [--agents 20] [--answer 0.3] [--talk 180] [--hours 8]
"""

from __future__ import annotations

import argparse
import statistics

from switchboard.campaign.domain.simulation import FloorModel, simulate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--answer", type=float, default=0.3)
    parser.add_argument("--talk", type=float, default=180.0)
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    model = FloorModel(args.agents, args.answer, args.talk, hours=args.hours)
    print(f"{args.agents} agents, answer {args.answer:.0%}, mean talk {args.talk:.0f} s, "
          f"{args.hours:g} h, {args.seeds} seeds")
    print(f"{'mode':<12} {'abandon %':>10} {'max %':>7} {'talk min/agent-h':>17} {'dialled':>8}")
    for mode in ("progressive", "predictive"):
        runs = [simulate(model, mode, seed) for seed in range(1, args.seeds + 1)]
        abandon = [r.abandon_rate * 100 for r in runs]
        talk = statistics.mean(r.talk_minutes_per_agent_hour for r in runs)
        dialled = statistics.mean(r.dialled for r in runs)
        print(f"{mode:<12} {statistics.mean(abandon):>10.2f} {max(abandon):>7.2f} "
              f"{talk:>17.1f} {dialled:>8.0f}")


if __name__ == "__main__":
    main()
