"""The bottom layer every other layer may import: errors and problem reporting.

Nothing in :mod:`trialkit.core` imports from another trialkit package.
"""
