"""Indicators of `partnerships` (INDICATORS.md)."""
