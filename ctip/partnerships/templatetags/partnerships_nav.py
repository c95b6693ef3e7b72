"""`{% load partnerships_nav %}`: whether the nav shows "Partnerships" (the selectors decide)."""

from django import template

from ctip.partnerships.selectors import (
    partnership_access,
    user_can_see_partnerships,
    user_in_concerns_group,
)

register = template.Library()


@register.filter
def sees_partnerships(user) -> bool:
    return bool(user and user.is_authenticated and user_can_see_partnerships(user))


@register.filter
def get_item(mapping, key):
    """``{{ mapping|get_item:key }}`` for dicts in templates."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def reads_partnerships(user) -> bool:
    """Records (registry, board, engagements), not only the aggregate dashboard."""
    return bool(user and user.is_authenticated and partnership_access(user).can_read)


@register.filter
def in_concerns_group(user) -> bool:
    return user_in_concerns_group(user)
