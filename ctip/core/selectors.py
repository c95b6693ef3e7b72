"""Reads of organisations and users, scoped to the asking user's subtree."""

from django.db.models import QuerySet
from django.http import Http404

from ctip.core.models import Organisation, Role, User

# Roles whose work involves survivor records at all (de-identified or not).
RECORD_ROLES = {Role.CASE_WORKER, Role.CASE_SUPERVISOR, Role.ME_OFFICER, Role.PROGRAMME_MANAGER}
# Roles that read names, phones and notes.
PII_ROLES = {Role.CASE_WORKER, Role.CASE_SUPERVISOR}
# Roles that must pass TOTP before they see anything: all that can reach records or configure.
TWO_FACTOR_ROLES = RECORD_ROLES | {Role.SYSADMIN}


def subtree(node: Organisation) -> QuerySet[Organisation]:
    return Organisation.objects.filter(path__startswith=node.path)


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    """The one scoping function of `core`: a user's own node and everything below it."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_superuser or user.role == Role.SYSADMIN:
        return Organisation.objects.all()
    if user.organisation_id is None:
        return Organisation.objects.none()
    return subtree(user.organisation)


def organisation_get(user: User, code: str) -> Organisation:
    try:
        return organisations_visible_to(user).get(code=code)
    except Organisation.DoesNotExist as exc:
        raise Http404("No such organisation.") from exc


def user_can_read_records(user: User) -> bool:
    return user.is_authenticated and user.role in RECORD_ROLES and user.organisation_id is not None


def user_can_read_pii(user: User) -> bool:
    if not user_can_read_records(user):
        return False
    if user.role in PII_ROLES:
        return True
    return user.role == Role.PROGRAMME_MANAGER and user.pii_granted


def user_needs_two_factor(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in TWO_FACTOR_ROLES)


def users_visible_to(user: User) -> QuerySet[User]:
    return User.objects.filter(organisation__in=organisations_visible_to(user))
