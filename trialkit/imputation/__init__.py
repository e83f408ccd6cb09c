"""Reference-based multiple imputation and conditional mean imputation (rbmi's design)."""

from trialkit.imputation.api import impute_and_analyse
from trialkit.imputation.delta import delta_increment, delta_shift, delta_template
from trialkit.imputation.tipping import tipping_point

__all__ = [
    "delta_increment",
    "delta_shift",
    "delta_template",
    "impute_and_analyse",
    "tipping_point",
]
