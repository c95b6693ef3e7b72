"""The import templates: DESIGN.md's columns, in order, with the help each one gets.

This is the one place the columns are written down: `ctip template` writes them, `ctip import`
checks files against them.
"""

from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ctip.cases.models import Exploitation, NeedCategory, NeedStatus, Sex
from ctip.core.models import OrganisationKind, ProviderType
from ctip.evidence.models import Design as EvidenceDesign
from ctip.evidence.models import Intervention as EvidenceIntervention
from ctip.evidence.models import Outcome as EvidenceOutcome
from ctip.evidence.models import PublicationType as EvidencePublicationType
from ctip.evidence.models import Sector as EvidenceSector
from ctip.partnerships.models import CompanySize, Ownership, Sector, SupplyChainPosition
from ctip.services.models import EpisodeStatus, ReferralStatus


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

# The landscape mapping of `partnerships` (docs/partnerships.md).
COMPANIES = (
    Column(
        "implementer",
        True,
        _("organisation code"),
        _("code of the implementer whose company registry this is"),
    ),
    Column(
        "ref",
        True,
        _("text, up to 80 characters"),
        _("your reference for this company, unique in the registry; importing it again updates it"),
    ),
    Column(
        "name",
        True,
        _("text, up to 200 characters"),
        _("the company's name, unique in the registry"),
    ),
    Column("sector", True, one_of(Sector.values), _("the company's sector"), tuple(Sector.values)),
    Column(
        "ownership",
        True,
        one_of(Ownership.values),
        _("multinational or local"),
        tuple(Ownership.values),
    ),
    Column("hq_country", False, COUNTRY, _("country of the headquarters")),
    Column(
        "operating_countries",
        False,
        _("';'-separated ISO 3166 alpha-2 codes"),
        _("countries of operation"),
    ),
    Column(
        "size", False, one_of(CompanySize.values), _("size by staff"), tuple(CompanySize.values)
    ),
    Column(
        "supply_chain_position",
        False,
        one_of(SupplyChainPosition.values),
        _("where the company sits in supply chains"),
        tuple(SupplyChainPosition.values),
    ),
    Column(
        "has_csr_strategy",
        False,
        _("yes or no"),
        _("whether it has a human-rights or CSR strategy"),
    ),
    Column("csr_summary", False, _("text"), _("the strategy in short")),
    Column("csr_priorities", False, _("text"), _("the priorities the company states")),
    Column("interests", False, _("text"), _("what the company is interested in")),
    Column("website", False, _("web address, http(s)://…"), _("the company's website")),
    Column(
        "target", False, _("yes or no"), _("mark the company as a target of the landscape mapping")
    ),
)

# Service episodes and referrals of `services` (docs/services.md).
SERVICES = (
    Column(
        "ref",
        True,
        _("text, up to 80 characters"),
        _(
            "your reference for this episode, unique within the survivor's organisation; "
            "importing it again updates it"
        ),
    ),
    Column("survivor_ref", True, _("text"), _("the ref of the survivor who received the service")),
    Column(
        "need_ref",
        False,
        _("text"),
        _(
            "the ref of the need it answers (as in the needs import); required for every "
            "service type that counts, empty for one-off support"
        ),
    ),
    Column(
        "service_type",
        True,
        _("service type code, e.g. legal_aid, shelter, one_off_support"),
        _("one service type of the catalogue; its need category must match the need's"),
    ),
    Column("provider", True, _("organisation code"), _("the organisation that delivers it")),
    Column("started_on", True, DATE, _("first day of the episode; not in the future")),
    Column(
        "ended_on",
        False,
        DATE,
        _("last day; required when completed or discontinued, empty while ongoing"),
    ),
    Column(
        "status",
        True,
        one_of(EpisodeStatus.values),
        _("where the episode stands"),
        tuple(EpisodeStatus.values),
    ),
)

REFERRALS = (
    Column(
        "ref",
        True,
        _("text, up to 80 characters"),
        _(
            "your reference for this referral, unique within the referring organisation; "
            "importing it again updates it"
        ),
    ),
    Column("survivor_ref", True, _("text"), _("the ref of the survivor referred")),
    Column(
        "need_ref",
        False,
        _("text"),
        _("the ref of the need it answers; required for every service type that counts"),
    ),
    Column("service_type", True, _("service type code"), _("the service asked for")),
    Column(
        "from_org",
        True,
        _("organisation code"),
        _("the referring organisation: the survivor's organisation or one of its sites"),
    ),
    Column("to_provider", True, _("organisation code"), _("the provider referred to")),
    Column(
        "consent_on",
        True,
        DATE,
        _("the day the survivor consented to the referral; a row without it is refused"),
    ),
    Column("sent_on", True, DATE, _("the day the referral was sent; not before consent_on")),
    Column(
        "status",
        True,
        one_of(ReferralStatus.values),
        _("where the referral stands; on re-import it may only move forward"),
        tuple(ReferralStatus.values),
    ),
    Column(
        "service_started_on",
        False,
        DATE,
        _(
            "the day the service started: required for service_started and completed (the "
            "referral is then linked to its episode), empty otherwise"
        ),
    ),
)

# Follow-ups of `followup` (docs/followup.md).
FOLLOWUPS = (
    Column(
        "ref",
        True,
        _("text, up to 80 characters"),
        _(
            "your reference for this follow-up, unique within the survivor's organisation; "
            "importing it again updates it"
        ),
    ),
    Column("survivor_ref", True, _("text"), _("the ref of the survivor followed up")),
    Column(
        "due_on",
        True,
        DATE,
        _("the day the follow-up was (or is) due; may be in the future"),
    ),
    Column(
        "done_on",
        False,
        DATE,
        _("the day it was done; required with a result, empty for one still to do"),
    ),
    Column(
        "result",
        False,
        one_of(("reached", "not_reached", "lost")),
        _("empty while still to do; lost means lost to follow-up"),
        ("reached", "not_reached", "lost"),
    ),
    Column(
        "instrument",
        False,
        _("instrument code, e.g. who5, phq9, gad7, reintegration"),
        _("the instrument scored at this follow-up (only when reached)"),
    ),
    Column(
        "score",
        False,
        _("number within the instrument's range"),
        _("the instrument's total score (WHO-5 as 0–100, reintegration as 0–1)"),
    ),
)

# The evidence library of `evidence` (docs/evidence.md).
STUDIES = (
    Column(
        "org",
        True,
        _("organisation code"),
        _("code of the implementer or country project whose library holds the study"),
    ),
    Column(
        "ref",
        True,
        _("text, up to 80 characters"),
        _(
            "your reference for this study, unique in the library; importing a row with the "
            "same org and ref again updates that study"
        ),
    ),
    Column("title", True, _("text, up to 500 characters"), _("the study's title")),
    Column(
        "authors",
        False,
        _("text, authors separated by ';'"),
        _("e.g. Nguyen, T.; Smith, J."),
    ),
    Column("year", False, _("year, 1900 to this year"), _("year of publication")),
    Column(
        "publication_type",
        False,
        one_of(EvidencePublicationType.values),
        _("empty means report"),
        tuple(EvidencePublicationType.values),
    ),
    Column("venue", False, _("text, up to 300 characters"), _("journal or publisher")),
    Column("doi", False, _("DOI, e.g. 10.1234/abc.5"), _("digital object identifier")),
    Column("url", False, _("web address, http(s)://…"), _("where the study can be read")),
    Column(
        "countries",
        False,
        _("';'-separated ISO 3166 alpha-2 codes"),
        _("countries the study covers"),
    ),
    Column("sectors", False, list_of(EvidenceSector.values), _("sectors the study covers")),
    Column("exploitation", False, list_of(Exploitation.values), _("forms of exploitation")),
    Column(
        "interventions",
        False,
        list_of(EvidenceIntervention.values),
        _("interventions the study evaluates or describes"),
    ),
    Column("outcomes", False, list_of(EvidenceOutcome.values), _("outcomes the study measures")),
    Column(
        "design",
        False,
        one_of(EvidenceDesign.values),
        _("MMAT design category; not_empirical for reviews and legal or policy analyses"),
        tuple(EvidenceDesign.values),
    ),
    Column("methods", False, _("text"), _("methods in short")),
    Column("sample_size", False, _("whole number"), _("number of participants or cases")),
    Column("sample_description", False, _("text"), _("who was studied, where")),
    Column("abstract", False, _("text"), _("the abstract")),
    Column("note", False, _("text"), _("anything else the library's readers should know")),
)

TEMPLATES: dict[str, tuple[Column, ...]] = {
    "organisations": ORGANISATIONS,
    "survivors": SURVIVORS,
    "needs": NEEDS,
    "companies": COMPANIES,
    "services": SERVICES,
    "referrals": REFERRALS,
    "followups": FOLLOWUPS,
    "studies": STUDIES,
}


def column_names(kind: str) -> list[str]:
    return [column.name for column in TEMPLATES[kind]]
