"""Demo data for the evidence capability (issue 7)."""


def build_evidence_demo(*, orgs, users, seed, origin) -> None:
    """Filled in by the evidence capability."""
