"""Indicators of `services` (INDICATORS.md)."""
