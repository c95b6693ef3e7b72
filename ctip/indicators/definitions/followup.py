"""Indicators of `followup` (INDICATORS.md)."""
