"""Learning indicators (issue 7); registered at import."""
