"""The analysis plan: schema, key table, TOML loader and starter-plan writer."""

from trialkit.plan.loader import load_plan
from trialkit.plan.schema import Plan

__all__ = ["Plan", "load_plan"]
