"""The import templates: DESIGN.md's columns, in order, with the help each one gets.

This is the one place the columns are written down: `ctip template` writes them, `ctip import`
checks files against them.
"""

from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ctip.cases.models import Exploitation, NeedCategory, NeedStatus, Sex
from ctip.core.models import OrganisationKind, ProviderType


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    format: str
    description: str
    choices: tuple[str, ...] = ()


def _one_of(values) -> str:
    return str(_("one of: %(values)s")) % {"values": ", ".join(values)}


def _list_of(values) -> str:
    return str(_("';'-separated list of: %(values)s")) % {"values": ", ".join(values)}


one_of = lazy(_one_of, str)
list_of = lazy(_list_of, str)

DATE = _("date, YYYY-MM-DD")
COUNTRY = _("ISO 3166 alpha-2 country code, e.g. TH, KH, NP")

ORGANISATIONS = (
    Column(
        "code",
        True,
        _("text, up to 40 letters, digits, '-', '_' or '.'"),
        _(
            "the organisation's code, unique in the whole tree; rows with a code that exists "
            "update that organisation"
        ),
    ),
    Column("name", True, _("text, up to 200 characters"), _("the organisation's name")),
    Column(
        "kind",
        True,
        one_of(OrganisationKind.values),
        _(
            "implementer at the top; country_project under it; partner under a country "
            "project; site under a partner; provider under an implementer, country project or "
            "partner"
        ),
        tuple(OrganisationKind.values),
    ),
    Column(
        "parent",
        False,
        _("organisation code"),
        _(
            "code of the organisation above this one: one that exists or one on another row "
            "of this file; empty only for an implementer"
        ),
    ),
    Column(
        "provider_type",
        False,
        one_of(ProviderType.values),
        _("who provides services here; required for a provider"),
        tuple(ProviderType.values),
    ),
    Column("country", False, COUNTRY, _("the country, usually set on country projects")),
)

SURVIVORS = (
    Column(
        "ref",
        True,
        _("text, up to 80 characters"),
        _(
            "your reference for this survivor, unique within the organisation; importing a "
            "row with the same org and ref again updates that survivor"
        ),
    ),
    Column(
        "org",
        True,
        _("organisation code"),
        _("code of the partner organisation or site that registers the survivor"),
    ),
    Column("sex", True, one_of(Sex.values), _("sex of the survivor"), tuple(Sex.values)),
    Column("birth_year", False, _("year, 1900 to this year"), _("year of birth")),
    Column("nationality", False, COUNTRY, _("nationality")),
    Column("exploitation", False, list_of(Exploitation.values), _("forms of exploitation")),
    Column("identified_on", False, DATE, _("date the survivor was identified; not in the future")),
    Column(
        "given_name",
        False,
        _("text, up to 200 characters"),
        _("encrypted when stored; an empty cell keeps the name already stored"),
    ),
    Column(
        "family_name",
        False,
        _("text, up to 200 characters"),
        _("encrypted when stored; an empty cell keeps the name already stored"),
    ),
    Column(
        "phone",
        False,
        _("phone number: digits, spaces, + - ( ) ."),
        _("encrypted when stored; an empty cell keeps the number already stored"),
    ),
)

NEEDS = (
    Column(
        "ref",
        True,
        _("text, up to 80 characters"),
        _("your reference for this need, unique within the survivor's organisation"),
    ),
    Column(
        "survivor_ref",
        True,
        _("text"),
        _("the ref of the survivor (as in the survivors import) whose need this is"),
    ),
    Column(
        "category",
        True,
        one_of(NeedCategory.values),
        _("the need assessed"),
        tuple(NeedCategory.values),
    ),
    Column("assessed_on", True, DATE, _("date of the assessment; not in the future")),
    Column(
        "status",
        True,
        one_of(NeedStatus.values),
        _("whether the need is still open"),
        tuple(NeedStatus.values),
    ),
)

TEMPLATES: dict[str, tuple[Column, ...]] = {
    "organisations": ORGANISATIONS,
    "survivors": SURVIVORS,
    "needs": NEEDS,
}


def column_names(kind: str) -> list[str]:
    return [column.name for column in TEMPLATES[kind]]
