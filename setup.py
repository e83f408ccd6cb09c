"""Package layout that pyproject.toml cannot express on its own.

The bundled sample trials live in the repository's top-level ``sample_data/`` folder and are
installed as the package ``trialkit.sample_data`` (found with ``importlib.resources``), so a
wheel or a plain ``pip install .`` carries them. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["trialkit", "trialkit.*"]), "trialkit.sample_data"],
    package_dir={"trialkit.sample_data": "sample_data"},
)
