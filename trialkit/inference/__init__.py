"""Inference after a fit: contrasts and degrees of freedom (one module per df method)."""
