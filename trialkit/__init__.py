"""trialkit: analyse two-arm randomised controlled trials and pool trials in meta-analyses.

The core API (reading and checking a trial against its analysis plan) is imported eagerly.
Analysis functions are imported lazily on first use, so that ``import trialkit`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from trialkit.core.version import __version__
from trialkit.data import read_trial, summarize_trial
from trialkit.plan import load_plan

# Lazy exports: name -> module that defines it. Each is imported only when first accessed
# (``trialkit.fit_mmrm``), so ``import trialkit`` stays fast.
_LAZY: dict[str, str] = {
    "fit_mmrm": "trialkit.models.mmrm",
    "fit_ancova": "trialkit.models.ancova",
    "meta_analysis": "trialkit.meta",
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


__all__ = ["__version__", "load_plan", "read_trial", "summarize_trial", *_LAZY]
