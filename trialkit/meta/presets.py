"""Presets that reproduce the defaults of Cochrane's RevMan programs."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Preset", "PRESETS", "get_preset"]


@dataclass(frozen=True)
class Preset:
    """A named bundle of analysis options and the sentence the output prints about it."""

    name: str
    method: str
    hksj: bool
    smd_variance: str
    description: str


PRESETS: dict[str, Preset] = {
    # Deeks JJ, Higgins JPT. Statistical algorithms in Review Manager 5 (2010): inverse-variance
    # random effects with the DerSimonian-Laird tau^2, Hedges' adjusted g with the RevMan 5
    # variance, Wald-type (z) confidence intervals, I^2 = (Q - df)/Q.
    "revman5": Preset(
        name="revman5",
        method="DL",
        hksj=False,
        smd_variance="revman5",
        description=(
            "Preset revman5 (RevMan 5 defaults): inverse-variance random effects with "
            "DerSimonian-Laird tau², Hedges' adjusted g with the RevMan 5 variance, Wald z CI."
        ),
    ),
    # Cochrane Statistical Methods Group recommendation implemented in RevMan (Web) in
    # January 2025: REML tau^2, Q-profile CI for tau^2, HKSJ CI for the summary effect,
    # prediction interval, and I^2 computed from tau^2 (addendum May 2024). Source:
    # https://methods.cochrane.org/methods-cochrane/random-effects-meta-analysis-methods-intervention-reviews
    # The SMD keeps RevMan's Hedges' adjusted g and its variance formula.
    "revman-web": Preset(
        name="revman-web",
        method="REML",
        hksj=True,
        smd_variance="revman5",
        description=(
            "Preset revman-web (RevMan Web random-effects methods, 2025): REML tau² with "
            "Q-profile CI, Hartung-Knapp-Sidik-Jonkman t CI, I² from tau², prediction interval, "
            "Hedges' adjusted g with the RevMan variance."
        ),
    ),
}


def get_preset(name: str) -> Preset:
    """Return the preset called ``name`` (``revman5`` or ``revman-web``)."""
    from trialkit.core.errors import DataError

    try:
        return PRESETS[name]
    except KeyError:
        raise DataError(f"Unknown preset {name!r}; choose one of {', '.join(PRESETS)}.") from None
