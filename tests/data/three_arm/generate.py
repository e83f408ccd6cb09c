"""Generate the SYNTHETIC three-arm trial used by the k-arm summary and report tests.

Run ``python tests/data/three_arm/generate.py`` from the repository root; it rewrites
``three_arm_long.csv`` next to this file. Seeded (``numpy.random.default_rng(20261207)``),
so the file is the same on every run. Nothing in it comes from a real trial.

Design: placebo, low dose (50 mg) and high dose (100 mg), 18 subjects per arm (54 in all),
visits at weeks 0 (baseline), 4 and 8. The primary outcome ``score`` (0-60, lower is
better) falls by about 2, 5 and 8 points by week 8 in the three arms; the secondary outcome
``pain`` (0-10) follows the same pattern. Subject-level columns: ``age`` (continuous),
``sex`` (categorical), ``dose`` (mg), ``received`` / ``not_received_reason``,
``discontinued`` / ``discontinued_reason``, ``withdrew`` / ``withdrawal_reason`` and
``sessions`` (clinic visits attended, 0-6, recorded in every arm). Withdrawn subjects have
no outcome after their withdrawal visit; a few others miss one visit (intermittent).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261207
ARMS = (("Placebo", 0.0, 2.0), ("Low Dose", 50.0, 5.0), ("High Dose", 100.0, 8.0))
PER_ARM = 18
WEEKS = (0, 4, 8)
REASONS = ("Adverse event", "Lost to follow-up", "Withdrew consent")
OUT = Path(__file__).with_name("three_arm_long.csv")


def generate(seed: int = SEED) -> pd.DataFrame:
    """The long data: one row per subject x visit (every visit has a row)."""
    rng = np.random.default_rng(seed)
    rows = []
    sid = 0
    for arm, dose, drop in ARMS:
        for _ in range(PER_ARM):
            sid += 1
            age = round(float(rng.normal(48, 11)), 1)
            sex = "Female" if rng.random() < 0.55 else "Male"
            base = float(np.clip(rng.normal(38, 7), 5, 60))
            base_pain = float(np.clip(rng.normal(6.5, 1.3), 1, 10))
            u = rng.random()
            # 0: completes; 1: withdraws after week 0; 2: withdraws after week 4
            withdraw_after = 0 if u < 0.08 else (1 if u < 0.18 else None)
            missed = int(rng.integers(1, 3)) if rng.random() < 0.08 else None
            received = 0 if rng.random() < 0.05 else 1
            sessions = 0 if not received else int(np.clip(rng.binomial(6, 0.8), 1, 6))
            discontinued = int(withdraw_after is not None or (received and rng.random() < 0.07))
            withdrew = int(withdraw_after is not None)
            for i, week in enumerate(WEEKS):
                gone = withdraw_after is not None and i > withdraw_after
                observed = not gone and i != missed
                eff = drop * week / WEEKS[-1]
                score = base - eff + rng.normal(0, 3.5) if i else base
                pain = base_pain - eff / 6 + rng.normal(0, 0.8) if i else base_pain
                rows.append(
                    {
                        "subject": f"S{sid:03d}",
                        "arm": arm,
                        "week": week,
                        "score": round(float(np.clip(score, 0, 60)), 1) if observed else None,
                        "pain": round(float(np.clip(pain, 0, 10)), 1) if observed else None,
                        "age": age,
                        "sex": sex,
                        "dose": dose,
                        "received": received,
                        "not_received_reason": "" if received else "Declined treatment",
                        "discontinued": discontinued,
                        "discontinued_reason": (
                            REASONS[int(rng.integers(0, 3)) if i == 0 else 0]
                            if discontinued
                            else ""
                        ),
                        "withdrew": withdrew,
                        "withdrawal_reason": "",
                        "sessions": sessions,
                    }
                )
    frame = pd.DataFrame(rows)
    # reasons are subject-level: one per subject, the first drawn
    for col in ("discontinued_reason",):
        frame[col] = frame.groupby("subject")[col].transform("first")
    frame.loc[frame["withdrew"] == 1, "withdrawal_reason"] = frame.loc[
        frame["withdrew"] == 1, "discontinued_reason"
    ]
    return frame


if __name__ == "__main__":
    generate().to_csv(OUT, index=False)
    print(f"wrote {OUT}")
