"""Power and sample size for MMRM trials: analytic (Lu, Luo & Chen 2008) and by simulation."""

from trialkit.power.analytic import PowerResult, power_mmrm
from trialkit.power.inputs import PowerInputError
from trialkit.power.scenario import Dropout, Scenario, make_scenario
from trialkit.power.simulate import SimulationResult, simulate_power

__all__ = [
    "Dropout",
    "PowerInputError",
    "PowerResult",
    "Scenario",
    "SimulationResult",
    "make_scenario",
    "power_mmrm",
    "simulate_power",
]
