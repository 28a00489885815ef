"""The scikit-learn transformer around :func:`normalize_text`, where ``classifier.text`` has
always offered it; it lives with the other transformers, apart from the scikit-learn-free
normaliser that scoring imports."""

from classifier.features._transformers import TextNormalizer

__all__ = ["TextNormalizer"]
