"""`{% load learning_nav %}`: whether the nav shows "Learning" (the selectors decide)."""

from django import template

from ctip.learning.selectors import learning_access, user_sees_learning

register = template.Library()


@register.filter
def sees_learning(user) -> bool:
    return bool(user and user.is_authenticated and user_sees_learning(user))


@register.filter
def reads_learning(user) -> bool:
    """Records (stories, rounds, sessions), not only the aggregate dashboard."""
    return bool(user and user.is_authenticated and learning_access(user).can_read)


@register.filter
def writes_learning(user) -> bool:
    return bool(user and user.is_authenticated and learning_access(user).can_write)
