"""classifier: triage scores for online ads that may be linked to human trafficking."""

__version__ = "0.1.0"
