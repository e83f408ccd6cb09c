"""Meta-analysis of study-level effects, validated against R metafor.

>>> res = meta_analysis(studies, measure="SMD", method="DL")  # doctest: +SKIP
"""

from trialkit.meta.analysis import MetaAnalysisResult, meta_analysis, pool_effects
from trialkit.meta.bias import EggerTest
from trialkit.meta.presets import PRESETS, Preset
from trialkit.meta.subgroups import SubgroupAnalysis, subgroup_analysis

__all__ = [
    "EggerTest",
    "MetaAnalysisResult",
    "PRESETS",
    "Preset",
    "SubgroupAnalysis",
    "meta_analysis",
    "pool_effects",
    "subgroup_analysis",
]
