"""The bundled example data, installed as ``trialkit.sample_data``.

This folder stays at the top of the repository; setup.py maps it to the package
``trialkit.sample_data`` so that wheels carry it (see trialkit/data/bundled.py).
"""
