"""Demo data for the screening capability (issue 7)."""


def build_screening_demo(*, orgs, users, seed, origin) -> None:
    """Filled in by the screening capability."""
