"""trialkit: analyse randomised controlled trials (two or more arms) and pool trials.

Every public function is imported lazily on first use (``trialkit.read_trial``), so that
``import trialkit`` and ``trialkit --version`` do not load pandas, SciPy or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

from trialkit.core.version import __version__

# Lazy exports: name -> module that defines it. Each is imported only when first accessed
# (``trialkit.fit_mmrm``), so ``import trialkit`` stays fast.
_LAZY: dict[str, str] = {
    "read_trial": "trialkit.data",
    "summarize_trial": "trialkit.data",
    "load_plan": "trialkit.plan",
    "fit_mmrm": "trialkit.models.mmrm",
    "fit_ancova": "trialkit.models.ancova",
    "meta_analysis": "trialkit.meta",
    "impute_and_analyse": "trialkit.imputation",
    "tipping_point": "trialkit.imputation",
    "ImputationSpec": "trialkit.specs.imputation",
    "fit_responder": "trialkit.models.responder",
    "adjust_multiplicity": "trialkit.inference.multiplicity",
    "graphical_test": "trialkit.inference.multiplicity",
    "power_mmrm": "trialkit.power.analytic",
    "simulate_power": "trialkit.power.simulate",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trialkit' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = ["__version__", *_LAZY]
