"""Importing this package registers every indicator (one module per capability)."""

from ctip.indicators.definitions import feedback, partnerships, services  # noqa: F401
