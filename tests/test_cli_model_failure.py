"""A planned model that cannot be fitted: the report still prints, then one sentence and
exit code 3 (ModelError), no traceback."""

from __future__ import annotations

import pytest

import trialkit.analysis.runner as runner
from trialkit.core.errors import ModelError


def test_analyze_reports_unfitted_model_and_exits_3(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    real = runner.fit_mmrm

    def fail_for_sleep(frame, **kw):
        if kw["outcome"] == "sleep":
            raise ModelError("the design is singular: column(s) X are linear combinations")
        return real(frame, **kw)

    monkeypatch.setattr(runner, "fit_mmrm", fail_for_sleep)
    result = cli("analyze")
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert "Summary of all outcomes" in result.output  # the rest of the report is there
    assert (
        "The MMRM for Sleep problems (MOS Sleep Problems Index II, 0-100) could not be "
        "fitted: the design is singular" in " ".join(result.output.split())
    )
