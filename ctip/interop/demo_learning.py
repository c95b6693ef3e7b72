"""Demo data for the learning capability (issue 7)."""


def build_learning_demo(*, orgs, users, seed, origin) -> None:
    """Filled in by the learning capability."""
