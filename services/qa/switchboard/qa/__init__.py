"""QA: scorecards, evaluations, automatic checks and KPIs."""
