"""Exceptions raised for problems a user can fix (bad input, bad model file)."""

from __future__ import annotations


class ClassifierError(Exception):
    """Base class: the command line prints the message as one line, without a traceback."""


class DataError(ClassifierError):
    """The input data cannot be read or does not have the expected shape."""


class ModelError(ClassifierError):
    """A model directory is missing, incompatible, tampered with or unsafe to load."""
