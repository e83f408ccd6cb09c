"""``trialkit analyze --scheduler``: the estimands' imputations on a Dask cluster.

Sources: the same-seed property of the executor (every draw and refit has its own
SeedSequence child; trialkit/core/parallel.py) -- the report must be the same, byte for byte,
with and without Dask; an address nobody listens on must end the run with one sentence naming
it (exit 2, no traceback).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import assert_clean_failure, long_frame
from test_estimands import _estimand_plan, _with_events

PLAN = _estimand_plan(
    sensitivity=[
        {"name": "J2R MI", "method": "approxbayes", "assumption": "JR", "n_samples": 6},
        {
            "name": "J2R tipping point",
            "method": "condmean",
            "assumption": "JR",
            "tipping_point": [0, 4, 2],
        },
    ]
)


def _outputs(cli, files, out: Path, *extra: str) -> dict[str, bytes]:
    out.mkdir()
    result = cli(
        "analyze",
        files.data,
        "--plan",
        files.plan,
        "--json",
        out / "r.json",
        "--markdown",
        out / "r.md",
        *extra,
    )
    assert result.exit_code == 0, result.output
    return {  # the terminal output names the files written: the folder is the one difference
        "terminal": result.output.replace(str(out), "OUT").encode(),
        "json": (out / "r.json").read_bytes(),
        "markdown": (out / "r.md").read_bytes(),
    }


def test_same_report_with_and_without_dask(cli, write_trial, tmp_path: Path) -> None:
    """Two workers of a Dask LocalCluster (threads, reached through its tcp address): the
    terminal report, the JSON and the Markdown are identical to the run without Dask."""
    from distributed import LocalCluster

    files = write_trial(df=_with_events(long_frame(40)), plan=PLAN)
    local = _outputs(cli, files, tmp_path / "local")
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        dask = _outputs(cli, files, tmp_path / "dask", "--scheduler", cluster.scheduler_address)
        tasks = cluster.scheduler.task_prefixes  # the imputations did run on the cluster
        assert any("draw_task" in name for name in tasks), sorted(tasks)
    assert b"J2R MI" in local["markdown"] and b"tipping" in local["markdown"].lower()
    for kind in local:
        assert local[kind] == dask[kind], kind


def test_unreachable_scheduler_is_one_sentence(cli, write_trial) -> None:
    """Nobody listens on port 9: exit 2 within the timeout, naming the address."""
    files = write_trial(df=_with_events(long_frame(20)), plan=PLAN)
    t0 = time.monotonic()
    result = cli(
        "analyze",
        files.data,
        "--plan",
        files.plan,
        "--scheduler",
        "tcp://127.0.0.1:9",
        "--timeout",
        "2",
    )
    assert_clean_failure(result, "Cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 2 s")
    assert time.monotonic() - t0 < 60


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9"])
def test_scheduler_without_estimands_is_a_note(cli, write_trial, address: str) -> None:
    """A plan with no estimands has nothing to send to the cluster: a note, and the report."""
    files = write_trial()
    result = cli("analyze", files.data, "--plan", files.plan, "--scheduler", address)
    assert result.exit_code == 0, result.output
    assert f"--scheduler {address} is not used: the plan has no estimands" in result.output
