"""Bad power inputs: one plain sentence each, in the API (PowerInputError) and the CLI (exit 2).

Source of truth: issue 12's list of bad inputs (correlation not symmetric or not positive
definite, retention increasing or outside (0, 1], over- or under-specification, power outside
(alpha, 1), an unreachable scheduler).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_clean_failure

from trialkit.power import PowerInputError, power_mmrm, simulate_power
from trialkit.power.executor import SchedulerError

CS = np.full((3, 3), 0.3) + 0.7 * np.eye(3)
OK = {"correlation": CS, "retention": [1, 0.9, 0.8], "sd": 1.0}


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"correlation": [[1, 0.5, 0], [0.4, 1, 0], [0, 0, 1]]}, "not symmetric: entry (1, 2)"),
        ({"correlation": [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]}, "not positive definite"),
        ({"correlation": [[2, 0.5], [0.5, 2]], "retention": [1, 1]}, "ones on its diagonal"),
        ({"retention": [1, 0.8, 0.9]}, "increases from 0.8 at visit 2 to 0.9 at visit 3"),
        ({"retention": [1, 0.8, 0]}, "retention at visit 3 is 0; retention must lie in (0, 1]"),
        ({"retention": [1.2, 0.8, 0.7]}, "retention at visit 1 is 1.2"),
        ({"retention": [1, 0.8]}, "needs one value per visit (3"),
        ({"retention_control": [1, 0.9, 0.95]}, "retention_control increases"),
        ({"rho": 0.5}, "either a correlation matrix or rho"),
        ({"sd": -1}, "sd must be a positive number"),
    ],
)
def test_bad_design_inputs(changes: dict, fragment: str) -> None:
    kw = {**OK, **changes}
    with pytest.raises(PowerInputError) as err:
        power_mmrm(delta=0.5, power=0.8, **kw)
    assert fragment in str(err.value)
    assert err.value.exit_code == 2


@pytest.mark.parametrize(
    "given",
    [{"n_total": 100, "delta": 0.5, "power": 0.8}, {"delta": 0.5}, {"n_total": 100}, {}],
)
def test_over_and_under_specified(given: dict) -> None:
    with pytest.raises(PowerInputError, match="Give exactly two of n_total, delta and power"):
        power_mmrm(**given, **OK)


@pytest.mark.parametrize("power", [0.03, 0.05, 1.0, 1.5])
def test_power_outside_alpha_one(power: float) -> None:
    with pytest.raises(
        PowerInputError, match=r"power must lie strictly between alpha \(0.05\) and 1"
    ):
        power_mmrm(delta=0.5, power=power, **OK)


def test_unreachable_scheduler_names_address() -> None:
    """An address nobody listens on: SchedulerError naming it and the timeout (exit 2)."""
    with pytest.raises(SchedulerError) as err:
        simulate_power(
            20,
            sd=1.0,
            correlation=np.eye(2),
            delta=0.5,
            n_sims=2,
            scheduler="tcp://127.0.0.1:9",
            timeout=2,
        )
    assert "Cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 2 s" in str(err.value)
    assert err.value.exit_code == 2


AR1 = ("--sd", "1", "--rho", "0.5", "--times", "0,1")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ("--delta", "0.5", "--power", "0.8", "--sd", "1", "--correlation", "1,0.5;0.4,1"),
            "not symmetric",
        ),
        (
            ("--delta", "0.5", "--power", "0.8", "--n-total", "90", *AR1),
            "Give exactly two of n_total, delta and power",
        ),
        (("--delta", "0.5", "--power", "0.02", *AR1), "power must lie strictly between alpha"),
        (
            ("--delta", "0.5", "--power", "0.8", *AR1, "--retention", "0.8,0.9"),
            "retention increases",
        ),
        (
            ("--delta", "0.5", "--power", "0.8", *AR1, "--retention", "1,x"),
            "--retention must be comma-separated numbers",
        ),
        (
            (
                "--delta",
                "0.5",
                "--power",
                "0.8",
                *AR1,
                "--simulate",
                "--n-sims",
                "2",
                "--grid",
                "20",
                "--scheduler",
                "tcp://127.0.0.1:9",
                "--timeout",
                "2",
            ),
            "Cannot reach the Dask scheduler at tcp://127.0.0.1:9",
        ),
    ],
)
def test_cli_bad_inputs(cli, args: tuple[str, ...], fragment: str) -> None:
    assert_clean_failure(cli("power", *args), fragment)


def test_cli_bad_design_file(cli, tmp_path) -> None:
    bad = tmp_path / "design.toml"
    bad.write_text(
        "[design]\ndelta = 0.5\npower = 0.8\nsd = 1\nrho = 0.5\ntimes = [0, 1]\nnsims = 3\n"
    )
    assert_clean_failure(cli("power", bad), "Unknown key 'nsims' in [design]")
    assert_clean_failure(cli("power", tmp_path / "none.toml"), "does not exist")
    bad.write_text("[design\n")
    assert_clean_failure(cli("power", bad), "is not valid TOML")
