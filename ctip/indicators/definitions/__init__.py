"""Importing this package registers every indicator (one module per capability)."""

from ctip.indicators.definitions import (  # noqa: F401
    feedback,
    followup,
    learning,
    partnerships,
    screening,
    services,
)
