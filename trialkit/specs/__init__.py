"""Analysis specifications: frozen values that own each analysis' options, names, defaults
and compatibility rules (see :mod:`trialkit.specs.mmrm`, :mod:`trialkit.specs.ancova` and
:mod:`trialkit.specs.imputation`)."""

from trialkit.specs.ancova import ANCOVA_OPTIONS, HC_TYPES, AncovaSpec
from trialkit.specs.imputation import ImputationSpec
from trialkit.specs.mmrm import COVARIANCES, DF_METHODS, MMRM_OPTIONS, MMRMSpec
from trialkit.specs.vocabulary import Choice, Option, Vocabulary

__all__ = [
    "ANCOVA_OPTIONS",
    "COVARIANCES",
    "DF_METHODS",
    "HC_TYPES",
    "MMRM_OPTIONS",
    "AncovaSpec",
    "Choice",
    "ImputationSpec",
    "MMRMSpec",
    "Option",
    "Vocabulary",
]
