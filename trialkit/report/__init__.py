"""Rendering of results: one module per output format. Statistics never format."""
