"""Indicators of `feedback` (INDICATORS.md)."""
