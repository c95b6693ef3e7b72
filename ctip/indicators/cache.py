"""Queries shared by several indicators, run once per report.

SRV-1, SRV-2, SRV-3, GOV-1 and OUT-3 all read the same per-survivor facts about episodes; inside
`shared_queries()` (which `report_build` and the page open) a function decorated with
`@per_report` runs once per set of arguments and hands every later caller the same result.
Outside it, every call queries afresh, so `compute()` on its own stays simple and always current.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import TypeVar

_memo: ContextVar[dict | None] = ContextVar("ctip_indicator_queries", default=None)

T = TypeVar("T")


@contextmanager
def shared_queries() -> Iterator[None]:
    """Within this block, `@per_report` functions run once per argument tuple (nesting reuses
    the outer block's results)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def per_report(function: Callable[..., T]) -> Callable[..., T]:
    @wraps(function)
    def wrapper(*args):
        memo = _memo.get()
        if memo is None:
            return function(*args)
        key = (function.__module__, function.__qualname__, *args)
        if key not in memo:
            memo[key] = function(*args)
        return memo[key]

    return wrapper
