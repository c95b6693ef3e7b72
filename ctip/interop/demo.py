"""Realistic demo data for `ctip demo` (and the benchmarks): a regional programme in Thailand,
Cambodia and Nepal, its partners, providers, staff and some thousand survivors.

Everything is fictional. Names are drawn from per-nationality lists, phone numbers follow each
country's format, and the mix of nationalities, forms of exploitation, sex and age follows what
each kind of partner typically sees (fishing and seafood on the Andaman coast, scam compounds at
the Myanmar border, returnees at the Cambodian border, cross-border trafficking into India from
Nepal).

Two steps: ``plan_demo`` draws every survivor from a seeded random generator (pure, no
database: the same seed gives the same plan), and ``build_demo`` writes the organisations and
users through the services, then the survivors and their case records in bulk. The bulk path
writes the same rows the services write (encrypted PII, blind indexes, a CaseEvent per step), but
one audit entry for the whole load instead of one per record.
"""

import base64
import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from ctip.cases.models import (
    CaseEvent,
    CaseEventType,
    CaseStatus,
    ClosedReason,
    Consent,
    ConsentPurpose,
    Need,
    NeedStatus,
    StatedInterest,
    Survivor,
    exploitation_to_db,
)
from ctip.cases.services import survivor_code_new
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import Organisation, OrganisationKind, ProviderType, Role, User
from ctip.core.selectors import user_needs_two_factor
from ctip.core.services import organisation_create, user_create
from ctip.interop.demo_evidence import build_evidence_demo
from ctip.interop.demo_feedback import build_demo_feedback
from ctip.interop.demo_followup import build_followup_demo
from ctip.interop.demo_learning import build_learning_demo
from ctip.interop.demo_partnerships import build_partnerships_demo
from ctip.interop.demo_screening import build_screening_demo
from ctip.interop.demo_services import build_services_demo

SEED = 20260115
DEFAULT_SURVIVORS = 1800
DEMO_PASSWORD = "ctip-demo-2026"  # noqa: S105  (printed to every demo user; demo only)
IMPLEMENTER_CODE = "mekong"
BATCH_SIZE = 500
HISTORY_DAYS = 3 * 365

# --- the organisation tree ------------------------------------------------------------------

P = OrganisationKind.PARTNER
S = OrganisationKind.SITE
V = OrganisationKind.PROVIDER
GOV, NGO, INTL, PRIV, PROJ = (
    ProviderType.GOVERNMENT,
    ProviderType.NGO,
    ProviderType.INTERNATIONAL,
    ProviderType.PRIVATE,
    ProviderType.PROJECT,
)


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    provider_type: str = ""
    country: str = ""


ORGANISATIONS: tuple[OrgSpec, ...] = (
    OrgSpec(IMPLEMENTER_CODE, "Mekong CTIP Programme", OrganisationKind.IMPLEMENTER, None),
    OrgSpec(
        "th", "Thailand country project", OrganisationKind.COUNTRY_PROJECT, "mekong", country="TH"
    ),
    OrgSpec(
        "kh", "Cambodia country project", OrganisationKind.COUNTRY_PROJECT, "mekong", country="KH"
    ),
    OrgSpec(
        "np", "Nepal country project", OrganisationKind.COUNTRY_PROJECT, "mekong", country="NP"
    ),
    OrgSpec("mekong-fund", "Mekong CTIP Programme emergency fund", V, "mekong", PROJ),
    # Thailand: partners
    OrgSpec("th-amrf", "Andaman Migrant Rights Foundation", P, "th"),
    OrgSpec("th-amrf-rng", "AMRF Ranong drop-in centre", S, "th-amrf"),
    OrgSpec("th-amrf-skn", "AMRF Samut Sakhon office", S, "th-amrf"),
    OrgSpec("th-cmws", "Chiang Mai Women's Shelter Network", P, "th"),
    OrgSpec("th-msbc", "Mae Sot Border Assistance Centre", P, "th"),
    OrgSpec("th-msbc-mwd", "MSBC reception point, Mae Sot checkpoint", S, "th-msbc"),
    # Thailand: providers
    OrgSpec(
        "th-dsdhs-rng",
        "Ranong Provincial Office of Social Development and Human Security",
        V,
        "th",
        GOV,
    ),
    OrgSpec(
        "th-wpc-sgk", "Songkhla Welfare Protection Centre for Victims of Trafficking", V, "th", GOV
    ),
    OrgSpec(
        "th-police-atp", "Anti-Trafficking in Persons Division, Royal Thai Police", V, "th", GOV
    ),
    OrgSpec("th-imo", "International Migration Office, Bangkok", V, "th", INTL),
    OrgSpec("th-mlac", "Migrant Legal Aid Clinic", V, "th", NGO),
    OrgSpec("th-andaman-seafood", "Andaman Seafood Processing Co., Ltd.", V, "th", PRIV),
    # Cambodia: partners
    OrgSpec("kh-ppsc", "Phnom Penh Survivors' Care", P, "kh"),
    OrgSpec("kh-brs", "Battambang Reintegration Services", P, "kh"),
    OrgSpec("kh-brs-pln", "BRS Pailin field office", S, "kh-brs"),
    OrgSpec("kh-pbo", "Poipet Border Outreach", P, "kh"),
    # Cambodia: providers
    OrgSpec(
        "kh-dosvy-btb",
        "Battambang Provincial Department of Social Affairs, Veterans and Youth Rehabilitation",
        V,
        "kh",
        GOV,
    ),
    OrgSpec(
        "kh-police-ahtj",
        "Anti-Human Trafficking and Juvenile Protection Police, Phnom Penh",
        V,
        "kh",
        GOV,
    ),
    OrgSpec("kh-imo", "International Migration Office, Phnom Penh", V, "kh", INTL),
    OrgSpec("kh-cld", "Cambodian Legal Defenders", V, "kh", NGO),
    OrgSpec("kh-mekong-garment", "Mekong Garment Skills Co., Ltd.", V, "kh", PRIV),
    # Nepal: partners
    OrgSpec("np-ksmc", "Kathmandu Safe Migration Centre", P, "np"),
    OrgSpec("np-scs", "Sindhupalchok Community Shelter", P, "np"),
    OrgSpec("np-nwla", "Nepalgunj Women's Legal Aid", P, "np"),
    OrgSpec("np-nwla-bhr", "NWLA Bhairahawa border desk", S, "np-nwla"),
    # Nepal: providers
    OrgSpec(
        "np-wcsc-sdk",
        "Women, Children and Senior Citizen Service Centre, Sindhupalchok",
        V,
        "np",
        GOV,
    ),
    OrgSpec(
        "np-rehab-ktm",
        "Government Rehabilitation Centre for Trafficking Survivors, Kathmandu",
        V,
        "np",
        GOV,
    ),
    OrgSpec("np-imo", "International Migration Office, Kathmandu", V, "np", INTL),
    OrgSpec("np-wln", "Women Lawyers' Network Nepal", V, "np", NGO),
    OrgSpec("np-himalayan-hospitality", "Himalayan Hospitality Group", V, "np", PRIV),
)


@dataclass(frozen=True)
class PartnerProfile:
    """Who a partner sees: its share of survivors, nationalities, forms of exploitation."""

    share: int
    nationalities: dict[str, int]
    exploitation: dict[str, int]
    identifiers: tuple[str, ...]  # agencies that identify its survivors (besides itself)


PARTNERS: dict[str, PartnerProfile] = {
    "th-amrf": PartnerProfile(
        22,
        {"MM": 60, "KH": 24, "LA": 6, "TH": 5, "BD": 5},
        {"labour": 78, "sexual": 6, "domestic": 8, "criminality": 5, "begging": 3},
        ("th-dsdhs-rng", "th-police-atp", "th-imo"),
    ),
    "th-cmws": PartnerProfile(
        12,
        {"TH": 30, "MM": 35, "LA": 25, "VN": 5, "KH": 5},
        {"sexual": 50, "domestic": 25, "labour": 15, "forced_marriage": 10},
        ("th-police-atp", "th-wpc-sgk"),
    ),
    "th-msbc": PartnerProfile(
        14,
        {"MM": 40, "TH": 12, "VN": 10, "BD": 10, "LA": 6, "KH": 10, "NP": 12},
        {"criminality": 55, "labour": 25, "sexual": 15, "domestic": 5},
        ("th-police-atp", "th-imo"),
    ),
    "kh-ppsc": PartnerProfile(
        12,
        {"KH": 85, "VN": 15},
        {"sexual": 35, "criminality": 25, "forced_marriage": 20, "labour": 15, "domestic": 5},
        ("kh-police-ahtj", "kh-imo"),
    ),
    "kh-brs": PartnerProfile(
        9,
        {"KH": 100},
        {"labour": 60, "begging": 15, "sexual": 10, "domestic": 10, "forced_marriage": 5},
        ("kh-dosvy-btb", "kh-imo"),
    ),
    "kh-pbo": PartnerProfile(
        9,
        {"KH": 95, "VN": 5},
        {"labour": 45, "begging": 30, "sexual": 15, "criminality": 10},
        ("kh-dosvy-btb", "kh-police-ahtj"),
    ),
    "np-ksmc": PartnerProfile(
        10,
        {"NP": 95, "BD": 5},
        {"labour": 50, "domestic": 25, "sexual": 15, "criminality": 10},
        ("np-imo", "np-rehab-ktm"),
    ),
    "np-scs": PartnerProfile(
        7,
        {"NP": 100},
        {"sexual": 45, "forced_marriage": 20, "labour": 25, "domestic": 10},
        ("np-wcsc-sdk",),
    ),
    "np-nwla": PartnerProfile(
        5,
        {"NP": 100},
        {"sexual": 50, "forced_marriage": 25, "labour": 15, "begging": 10},
        ("np-wcsc-sdk", "np-rehab-ktm"),
    ),
}
COUNTRY_OF_PARTNER = {code: code[:2].upper() for code in PARTNERS}

# --- people ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    role: str
    organisation: str
    note: str = ""  # lazily translated
    enrol_totp: bool = True


# One user per role, plus a case worker of a second Thai NGO (who gets 404 for the first's
# survivors). The system administrator is left without a device so enrolment can be tried.
DEMO_USERS: tuple[UserSpec, ...] = (
    UserSpec("caseworker", "Anong", "Srisuk", Role.CASE_WORKER, "th-amrf"),
    UserSpec(
        "caseworker2",
        "Kanya",
        "Wongsa",
        Role.CASE_WORKER,
        "th-cmws",
        _("another Thai NGO: the first one's survivors answer 404"),
    ),
    UserSpec("supervisor", "Prasert", "Jaidee", Role.CASE_SUPERVISOR, "th-amrf"),
    UserSpec(
        "meofficer",
        "Narumon",
        "Chaisiri",
        Role.ME_OFFICER,
        "th",
        _("de-identified records of the Thai partners"),
    ),
    UserSpec(
        "manager", "Wichai", "Boonyarat", Role.PROGRAMME_MANAGER, "th", _("no PII unless granted")
    ),
    UserSpec("pse", "Linh", "Tran", Role.PSE_OFFICER, IMPLEMENTER_CODE),
    UserSpec("donor", "Grace", "Miller", Role.DONOR, IMPLEMENTER_CODE, _("counts only")),
    UserSpec(
        "sysadmin",
        "Hari",
        "Shrestha",
        Role.SYSADMIN,
        IMPLEMENTER_CODE,
        _("no TOTP device yet: enrol by QR code at first login"),
        enrol_totp=False,
    ),
)

# Further case workers per partner and site, so caseloads spread over several people.
STAFF: dict[str, tuple[tuple[str, str], ...]] = {
    "th-amrf": (("Sunisa", "Phromma"),),
    "th-amrf-rng": (("Thida", "Aung"),),
    "th-amrf-skn": (("Jintana", "Thongdee"),),
    "th-cmws": (("Wanida", "Kongkaew"),),
    "th-msbc": (("Naw", "Say Paw"), ("Somsak", "Intharasuk")),
    "th-msbc-mwd": (("Kyaw", "Zin Htet"),),
    "kh-ppsc": (("Sreymom", "Chan"), ("Vuthy", "Keo")),
    "kh-brs": (("Sophea", "Meas"),),
    "kh-brs-pln": (("Rithy", "Heng"),),
    "kh-pbo": (("Channary", "Ly"), ("Piseth", "Sok")),
    "np-ksmc": (("Sabina", "Gurung"), ("Bikash", "Thapa")),
    "np-scs": (("Januka", "Tamang"),),
    "np-nwla": (("Manisha", "Bhandari"),),
    "np-nwla-bhr": (("Rita", "Yadav"),),
}


def staff_username(org_code: str, index: int) -> str:
    return f"{org_code}-cw{index}"


# Per nationality: ~15 female and ~15 male given names, ~30 family names (or, for Myanmar,
# where people have no family name, the second part of the name). Comma-separated.
NAME_LISTS: dict[str, tuple[str, str, str]] = {
    "TH": (
        "Somsri, Malee, Siriporn, Kanya, Pranee, Wanida, Nongnuch, Ratana, Sunisa, Jintana, "
        "Pornthip, Supaporn, Aree, Duangjai, Ploy",
        "Somchai, Somsak, Prasert, Wichai, Anan, Boonmee, Chatchai, Narong, Sombat, Surachai, "
        "Thawatchai, Kittisak, Pichit, Sakda, Niran",
        "Saetang, Srisuk, Wongsa, Kaewmanee, Jaidee, Boonyarat, Chaiyaphum, Phromma, Thongdee, "
        "Rattanakorn, Sukprasert, Intharasuk, Suwannarat, Kongkaew, Sangthong, Chanthawong, "
        "Phanphon, Siriwat, Yodkaew, Thammasak, Meesuk, Nakprasit, Buasri, Pongsiri, Ruangsri, "
        "Khamphaeng, Sombutsiri, Wattana, Limsakul, Chaisiri",
    ),
    "KH": (
        "Sreymom, Chanthou, Bopha, Sophea, Sreyneang, Channary, Kunthea, Mealea, Sokunthea, "
        "Phalla, Leakhena, Sopheap, Raksmey, Vanna, Srey Pov",
        "Sokha, Vuthy, Rithy, Dara, Piseth, Sambath, Veasna, Visal, Bunthoeun, Chanthy, Kosal, "
        "Rotha, Sarath, Vichet, Samnang",
        "Sok, Chan, Meas, Heng, Kim, Ly, Chhay, Keo, Nhem, Pen, Prak, Seng, Touch, Sam, Ouk, "
        "Mao, Yim, Long, Chea, Khiev, Hem, Phan, Srun, Tep, Hun, Un, Vong, Yem, Chhim, Noun",
    ),
    "MM": (
        "Aye, Thandar, Nilar, Khin, Su, Hnin, Ei, Phyu, May, Yadanar, Thuzar, Sandar, Myat, "
        "Zin, Nan",
        "Aung, Kyaw, Zaw, Min, Htet, Thant, Ko, Myo, Naing, Tun, Soe, Win, Hlaing, Thura, Ye",
        "Myint, Oo, Htun, Lwin, Thein, Naing, Min Htet, Kyi, Thu, Win, Hlaing, Zaw, Aung, Moe, "
        "Myat, Htwe, Mon, Phyo, Paing, San, Nwe, Khaing, Maung, Tin, Shwe, Yee, Latt, Chit, "
        "Wai, Thet",
    ),
    "NP": (
        "Sita, Gita, Sarita, Sunita, Anita, Kamala, Laxmi, Maya, Sabina, Puja, Rita, Sushila, "
        "Bimala, Manisha, Januka",
        "Ram, Hari, Krishna, Bikash, Suman, Dipak, Rajesh, Santosh, Binod, Ramesh, Prakash, "
        "Nabin, Dil, Bishnu, Kiran",
        "Tamang, Gurung, Magar, Rai, Limbu, Sherpa, Shrestha, Thapa, BK, Pariyar, Nepali, "
        "Sunuwar, Chaudhary, Tharu, Yadav, Khadka, Karki, Adhikari, Bhandari, Basnet, Dahal, "
        "Ghimire, Lama, Poudel, Sapkota, Bhattarai, Rana, KC, Bista, Thami",
    ),
    "LA": (
        "Khamla, Noy, Souksavanh, Vilay, Manivanh, Chanthala, Bouavanh, Daovone, Phetsamone, "
        "Sengdao, Viengkham, Latsamy, Malaythong, Souphaphone, Kongchay",
        "Bounmy, Somphet, Khamphong, Thongsavanh, Vanxay, Sengphet, Khamsing, Phoutthasone, "
        "Sisouk, Bounthavy, Kongkeo, Somsanith, Phonexay, Xaysana, Vongphet",
        "Phommachanh, Sisavath, Vongsa, Keovongsa, Inthavong, Souvannavong, Phetsavong, "
        "Luangrath, Sengsouvanh, Xayavong, Chanthavong, Douangphachanh, Khounvilay, "
        "Phanthavong, Sihalath, Vilaysack, Siphandone, Bounyavong, Thammavong, Manivong, "
        "Phommasack, Saysana, Keomany, Sisouphanh, Vongkhamsao, Oudomsouk, Khamvongsa, "
        "Sayavong, Phengsavath, Rattanavong",
    ),
    "BD": (
        "Fatema, Ayesha, Nasrin, Rokeya, Shirin, Salma, Rina, Shahnaz, Moushumi, Taslima, "
        "Parvin, Sumaiya, Jesmin, Rehana, Nazma",
        "Rahim, Karim, Abdul, Mohammad, Rafiq, Jamal, Shahid, Sohel, Habib, Alamgir, Kamal, "
        "Anwar, Masud, Faruk, Rashed",
        "Hossain, Rahman, Islam, Ahmed, Uddin, Akter, Begum, Khatun, Miah, Sarker, Chowdhury, "
        "Das, Roy, Mondal, Sheikh, Haque, Khan, Talukder, Bhuiyan, Mollah, Biswas, Alam, Kabir, "
        "Sikder, Howlader, Hasan, Karim, Paul, Barua, Pramanik",
    ),
    "VN": (
        "Lan, Hoa, Huong, Mai, Thu, Linh, Ngoc, Trang, Thao, Hanh, Phuong, Nhung, Yen, Hien, Thuy",
        "Minh, Hung, Tuan, Nam, Duc, Long, Quang, Thanh, Hieu, Khanh, Son, Hai, Phong, Vinh, Bao",
        "Nguyen, Tran, Le, Pham, Hoang, Huynh, Phan, Vu, Vo, Dang, Bui, Do, Ho, Ngo, Duong, Ly, "
        "Dinh, Trinh, Truong, Mai, Cao, Luong, Lam, Ta, Quach, Ha, Chu, Lai, Thai, Kieu",
    ),
}


def _split(names: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in names.split(",") if name.strip())


NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    country: (_split(female), _split(male), _split(family))
    for country, (female, male, family) in NAME_LISTS.items()
}


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def phone_number(rng: random.Random, country: str) -> str:
    """A plausible mobile number in the country's usual written forms (international or local).

    The blind index compares the last eight digits, so the international and the local spelling
    of the same number match.
    """
    local = rng.random() < 0.35
    if country == "TH":
        head, rest = rng.choice("689") + rng.choice("0123456789"), _digits(rng, 7)
        return f"0{head}-{rest[:3]}-{rest[3:]}" if local else f"+66 {head} {rest[:3]} {rest[3:]}"
    if country == "KH":
        head = rng.choice(("12", "96", "97", "88", "71", "31", "60"))
        rest = _digits(rng, 6 if head == "12" else 7)
        return f"0{head} {rest[:3]} {rest[3:]}" if local else f"+855 {head} {rest[:3]} {rest[3:]}"
    if country == "NP":
        head, rest = "98" + rng.choice("0124568"), _digits(rng, 7)
        return f"{head}-{rest}" if local else f"+977 {head}-{rest}"
    if country == "MM":
        rest = _digits(rng, 9)
        return (
            f"09 {rest[:3]} {rest[3:6]} {rest[6:]}"
            if local
            else (f"+95 9 {rest[:3]} {rest[3:6]} {rest[6:]}")
        )
    if country == "LA":
        rest = rng.choice("2579") + _digits(rng, 7)
        return f"020 {rest[:4]} {rest[4:]}" if local else f"+856 20 {rest[:4]} {rest[4:]}"
    if country == "BD":
        head, rest = "1" + rng.choice("3456789") + _digits(rng, 2), _digits(rng, 6)
        return f"0{head}-{rest}" if local else f"+880 {head}-{rest}"
    if country == "VN":
        head, rest = rng.choice(("90", "91", "93", "96", "97", "98", "86")), _digits(rng, 7)
        return f"0{head} {rest[:3]} {rest[3:]}" if local else f"+84 {head} {rest[:3]} {rest[3:]}"
    raise ValueError(f"no phone format for {country}")


ADDRESSES: dict[str, tuple[str, ...]] = {
    "TH": (
        "Mueang Ranong, Ranong",
        "Kapoe, Ranong",
        "Mahachai, Samut Sakhon",
        "Krathum Baen, Samut Sakhon",
        "Mae Sot, Tak",
        "Phop Phra, Tak",
        "Mueang Chiang Mai, Chiang Mai",
        "San Sai, Chiang Mai",
        "Bang Khun Thian, Bangkok",
        "Mueang Songkhla, Songkhla",
        "Khlong Yai, Trat",
    ),
    "KH": (
        "Chamkar Mon, Phnom Penh",
        "Mean Chey, Phnom Penh",
        "Poipet, Banteay Meanchey",
        "Ou Chrov, Banteay Meanchey",
        "Sangkae, Battambang",
        "Thma Koul, Battambang",
        "Pailin, Pailin",
        "Stung Sen, Kampong Thom",
        "Prey Veng, Prey Veng",
    ),
    "NP": (
        "Chautara, Sindhupalchok",
        "Melamchi, Sindhupalchok",
        "Kathmandu",
        "Kirtipur, Kathmandu",
        "Nepalgunj, Banke",
        "Hetauda, Makwanpur",
        "Siddharthanagar, Rupandehi",
        "Dhangadhi, Kailali",
    ),
}

INTEREST_WORDS: dict[str, tuple[str, ...]] = {
    "business_support": (
        "small grocery shop in home village",
        "sell food at the market",
        "tailoring business with sister",
        "mobile phone repair stall",
        "",
    ),
    "skills_training": (
        "hairdressing course",
        "motorbike mechanic training",
        "cooking course",
        "sewing",
        "",
    ),
    "agriculture": (
        "raise pigs and chickens",
        "rice farming on family land",
        "vegetable garden to sell",
        "",
    ),
    "education": ("finish secondary school", "learn to read and write", "study nursing", ""),
    "job_placement": ("factory work near home", "work in a hotel", ""),
    "other": ("wants to stay home with children for now", ""),
}

# Need categories by form of exploitation (relative weights).
NEED_WEIGHTS: dict[str, dict[str, int]] = {
    "labour": {
        "basic_needs": 20,
        "legal": 25,
        "health": 15,
        "mental_health": 10,
        "livelihood": 20,
        "return": 20,
        "shelter": 10,
        "family": 5,
        "education": 2,
    },
    "sexual": {
        "shelter": 25,
        "health": 25,
        "mental_health": 30,
        "legal": 20,
        "livelihood": 15,
        "education": 8,
        "family": 10,
        "return": 8,
        "basic_needs": 8,
    },
    "domestic": {
        "shelter": 20,
        "health": 15,
        "mental_health": 20,
        "legal": 20,
        "livelihood": 15,
        "return": 15,
        "basic_needs": 10,
        "family": 5,
    },
    "forced_marriage": {
        "shelter": 20,
        "mental_health": 25,
        "legal": 25,
        "health": 15,
        "family": 20,
        "return": 15,
        "livelihood": 10,
    },
    "begging": {
        "education": 30,
        "family": 30,
        "shelter": 20,
        "basic_needs": 20,
        "health": 15,
        "mental_health": 10,
    },
    "criminality": {
        "return": 30,
        "legal": 30,
        "mental_health": 20,
        "health": 15,
        "basic_needs": 15,
        "livelihood": 15,
        "shelter": 10,
    },
}
FEMALE_SHARE = {
    "labour": 0.3,
    "sexual": 0.93,
    "domestic": 0.88,
    "forced_marriage": 0.98,
    "begging": 0.5,
    "criminality": 0.35,
}
# Age at identification: (mode, low, high) of a triangular distribution.
AGE = {
    "labour": (26, 15, 55),
    "sexual": (19, 13, 40),
    "domestic": (22, 13, 50),
    "forced_marriage": (18, 14, 32),
    "begging": (11, 6, 40),
    "criminality": (25, 17, 45),
}
CLOSED_REASONS = {
    ClosedReason.REINTEGRATED: 55,
    ClosedReason.TRANSFERRED: 14,
    ClosedReason.LOST: 21,
    ClosedReason.WITHDREW: 8,
    ClosedReason.DECEASED: 2,
}
INTEREST_WEIGHTS = {
    "business_support": 34,
    "skills_training": 25,
    "agriculture": 20,
    "education": 11,
    "other": 6,
    "job_placement": 4,
}


def _pick(rng: random.Random, weights: dict) -> str:
    return str(rng.choices(list(weights), weights=list(weights.values()))[0])


# --- the plan -------------------------------------------------------------------------------


@dataclass
class PlannedSurvivor:
    organisation: str
    case_worker: str
    sex: str
    birth_year: int
    nationality: str
    exploitation: list[str]
    identified_on: dt.date
    opened_on: dt.date
    identifying_agency: str
    given_name: str
    family_name: str
    phone: str
    address: str
    status: str = CaseStatus.OPEN
    closed_on: dt.date | None = None
    closed_reason: str = ""
    consents: list[tuple[str, bool, dt.date]] = field(default_factory=list)
    needs: list[tuple[str, dt.date, str]] = field(default_factory=list)
    interests: list[tuple[str, dt.date, str]] = field(default_factory=list)


def workers_by_org() -> dict[str, list[str]]:
    """The case workers of each partner and site, by organisation code."""
    workers: dict[str, list[str]] = {}
    for spec in DEMO_USERS:
        if spec.role == Role.CASE_WORKER:
            workers.setdefault(spec.organisation, []).append(spec.username)
    for org_code, people in STAFF.items():
        for index in range(1, len(people) + 1):
            workers.setdefault(org_code, []).append(staff_username(org_code, index))
    return workers


def _sites_of(partner: str) -> list[str]:
    return [o.code for o in ORGANISATIONS if o.kind == S and o.parent == partner]


def plan_demo(
    survivors: int = DEFAULT_SURVIVORS,
    *,
    seed: int = SEED,
    today: dt.date | None = None,
    history: bool = True,
    shares: dict[str, int] | None = None,
) -> list[PlannedSurvivor]:
    """Draw ``survivors`` people from a generator seeded with ``seed``: no database involved.

    Dates are offsets from ``today``, so the same seed gives the same counts on any day.
    ``history=False`` leaves out consents, needs and interests (for benchmarks of the list).
    ``shares`` overrides the partners' shares of survivors.
    """
    rng = random.Random(seed)  # noqa: S311  (reproducible demo data, not secrets)
    today = today or timezone.localdate()
    workers = workers_by_org()
    share = {code: (shares or {}).get(code, profile.share) for code, profile in PARTNERS.items()}
    planned = []
    for _index in range(survivors):
        partner = _pick(rng, share)
        profile = PARTNERS[partner]
        country = COUNTRY_OF_PARTNER[partner]
        sites = _sites_of(partner)
        owner = rng.choice(sites) if sites and rng.random() < 0.3 else partner
        forms = [_pick(rng, profile.exploitation)]
        if rng.random() < 0.12:
            second = _pick(rng, profile.exploitation)
            if second != forms[0]:
                forms.append(second)
        main = forms[0]
        sex = "female" if rng.random() < FEMALE_SHARE[main] else "male"
        if rng.random() < 0.01:
            sex = rng.choice(("other", "unknown"))
        mode, low, high = AGE[main]
        age = round(rng.triangular(low, high, mode))
        nationality = _pick(rng, profile.nationalities)
        female, male, family = NAMES[nationality]
        given = rng.choice(female if sex == "female" else male if sex == "male" else female + male)
        family_name = rng.choice(family)
        age_days = int(HISTORY_DAYS * rng.random() ** 0.8)  # more cases recently
        identified = today - dt.timedelta(days=age_days)
        opened = min(today, identified + dt.timedelta(days=rng.choice((0, 0, 0, 1, 2, 3, 7))))
        phone_country = country if rng.random() < 0.7 else nationality
        if phone_country not in ("TH", "KH", "NP", "MM", "LA", "BD", "VN"):
            phone_country = country
        identifier = rng.choice(profile.identifiers) if rng.random() < 0.6 else partner
        person = PlannedSurvivor(
            organisation=owner,
            case_worker=rng.choice(workers[owner]),
            sex=sex,
            birth_year=identified.year - age,
            nationality=nationality,
            exploitation=forms,
            identified_on=identified,
            opened_on=opened,
            identifying_agency=identifier,
            given_name=given,
            family_name=family_name,
            phone=phone_number(rng, phone_country) if rng.random() < 0.85 else "",
            address=rng.choice(ADDRESSES[country]) if rng.random() < 0.6 else "",
        )
        case_days = (today - opened).days
        if case_days > 120 and rng.random() < min(0.6, case_days / HISTORY_DAYS * 0.7):
            person.status = CaseStatus.CLOSED
            person.closed_reason = _pick(rng, CLOSED_REASONS)
            person.closed_on = opened + dt.timedelta(days=rng.randint(90, case_days))
        if history:
            _plan_history(rng, person, age, today)
        planned.append(person)
    return planned


def _plan_history(rng: random.Random, person: PlannedSurvivor, age: int, today: dt.date) -> None:
    opened = person.opened_on
    later_days = max(1, (today - opened).days)

    def later() -> dt.date:
        return opened + dt.timedelta(days=rng.randint(1, later_days))

    consents = person.consents
    intake = rng.random()
    if intake < 0.96:
        consents.append((ConsentPurpose.DATA_PROCESSING, True, opened))
        if rng.random() < 0.01:
            consents.append((ConsentPurpose.DATA_PROCESSING, False, later()))
    elif intake < 0.98:
        consents.append((ConsentPurpose.DATA_PROCESSING, False, opened))
    if rng.random() < 0.92:
        consents.append((ConsentPurpose.REFERRAL, rng.random() < 0.93, opened))
    if rng.random() < 0.9:
        given = rng.random() < 0.88
        consents.append((ConsentPurpose.FOLLOW_UP, given, opened))
        if given and rng.random() < 0.04:
            consents.append((ConsentPurpose.FOLLOW_UP, False, later()))
    if rng.random() < 0.6:
        consents.append((ConsentPurpose.DATA_SHARING, rng.random() < 0.75, opened))
    if intake >= 0.96:
        # No consent to process personal data at intake: the record holds no PII at all.
        person.given_name = person.family_name = person.phone = person.address = ""

    weights = dict(NEED_WEIGHTS[person.exploitation[0]])
    count = rng.choices((1, 2, 3, 4), weights=(25, 35, 25, 15))[0]
    categories: list[str] = []
    while len(categories) < min(count, len(weights)):
        category = _pick(rng, weights)
        weights.pop(category)
        categories.append(category)
    case_days = (today - opened).days
    for category in categories:
        assessed = min(today, opened + dt.timedelta(days=rng.randint(0, 14)))
        roll = rng.random()
        if person.status == CaseStatus.CLOSED:
            status = (
                NeedStatus.MET
                if roll < 0.8
                else NeedStatus.WITHDRAWN
                if roll < 0.95
                else (NeedStatus.OPEN)
            )
        elif case_days > 180:
            status = (
                NeedStatus.MET
                if roll < 0.5
                else NeedStatus.OPEN
                if roll < 0.95
                else (NeedStatus.WITHDRAWN)
            )
        else:
            status = NeedStatus.OPEN if roll < 0.8 else NeedStatus.MET
        person.needs.append((category, assessed, status))

    if age >= 15 and rng.random() < 0.65:
        weights = dict(INTEREST_WEIGHTS)
        if age < 18:
            weights["education"] = 40
        stated = min(today, opened + dt.timedelta(days=rng.randint(3, 30)))
        for _n in range(rng.choice((1, 1, 1, 2))):
            interest = _pick(rng, weights)
            weights.pop(interest)
            person.interests.append((interest, stated, rng.choice(INTEREST_WORDS[interest])))


# --- writing it -----------------------------------------------------------------------------


@dataclass
class DemoSummary:
    organisations: int
    users: int
    survivors: int
    needs: int
    consents: int
    interests: int
    seconds: float


def demo_is_loaded() -> bool:
    return Organisation.objects.filter(code=IMPLEMENTER_CODE).exists()


def _create_organisations(origin: Origin) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        orgs[spec.code] = organisation_create(
            origin=origin,
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            parent=orgs[spec.parent] if spec.parent else None,
            provider_type=spec.provider_type,
            country=spec.country,
        )
    return orgs


def _create_users(origin: Origin, orgs: dict[str, Organisation], password: str) -> dict[str, User]:
    users: dict[str, User] = {}
    specs = list(DEMO_USERS)
    for org_code, people in STAFF.items():
        for index, (first, last) in enumerate(people, start=1):
            specs.append(
                UserSpec(staff_username(org_code, index), first, last, Role.CASE_WORKER, org_code)
            )
    for spec in specs:
        user = user_create(
            origin=origin,
            username=spec.username,
            password=password,
            role=spec.role,
            organisation=orgs[spec.organisation],
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@demo.invalid",
        )
        if spec.enrol_totp and user_needs_two_factor(user):
            TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
        users[spec.username] = user
    return users


def _new_codes(count: int, country_of: list[str]) -> list[str]:
    codes: list[str] = []
    seen: set[str] = set()
    for index in range(count):
        code = survivor_code_new(country_of[index])
        while code in seen:
            code = survivor_code_new(country_of[index])
        seen.add(code)
        codes.append(code)
    return codes


def survivors_bulk_create(
    planned: list[PlannedSurvivor],
    orgs: dict[str, Organisation],
    users: dict[str, User],
    *,
    batch_size: int = BATCH_SIZE,
) -> dict[str, int]:
    """Write planned survivors with the rows the services would write, in batches.

    Returns counts by table. The caller writes the audit entry for the load.
    """
    countries = {code: org.country_code() for code, org in orgs.items()}
    counts = {"survivors": 0, "needs": 0, "consents": 0, "interests": 0, "events": 0}
    for start in range(0, len(planned), batch_size):
        chunk = planned[start : start + batch_size]
        codes = _new_codes(len(chunk), [countries[p.organisation] for p in chunk])
        rows = []
        for person, code in zip(chunk, codes, strict=True):
            worker = users[person.case_worker]
            survivor = Survivor(
                code=code,
                organisation=orgs[person.organisation],
                created_by=worker,
                sex=person.sex,
                birth_year=person.birth_year,
                nationality=person.nationality,
                exploitation=exploitation_to_db(person.exploitation),
                identified_on=person.identified_on,
                identifying_agency=orgs[person.identifying_agency],
                case_worker=worker,
                opened_on=person.opened_on,
                status=person.status,
                closed_on=person.closed_on,
                closed_reason=person.closed_reason,
                given_name=person.given_name,
                family_name=person.family_name,
                phone=person.phone,
                address=person.address,
            )
            for column, value in survivor.blind_index_values().items():
                setattr(survivor, column, value)
            rows.append(survivor)
        Survivor.objects.bulk_create(rows)
        events, consents, needs, interests = [], [], [], []
        for person, survivor in zip(chunk, rows, strict=True):
            worker = survivor.case_worker
            events.append(CaseEvent(survivor=survivor, type=CaseEventType.REGISTERED, by=worker))
            for purpose, given, decided_on in person.consents:
                purpose = str(purpose)
                consents.append(
                    Consent(
                        survivor=survivor,
                        purpose=purpose,
                        given=given,
                        decided_on=decided_on,
                        recorded_by=worker,
                    )
                )
                events.append(
                    CaseEvent(
                        survivor=survivor,
                        type=CaseEventType.CONSENT_RECORDED,
                        by=worker,
                        data={"purpose": purpose, "given": given},
                    )
                )
            for category, assessed_on, status in person.needs:
                need = Need(
                    survivor=survivor,
                    organisation=survivor.organisation,
                    created_by=worker,
                    category=category,
                    assessed_on=assessed_on,
                    status=status,
                )
                needs.append(need)
                events.append(
                    CaseEvent(
                        survivor=survivor,
                        type=CaseEventType.NEED_ASSESSED,
                        by=worker,
                        data={"category": category, "need": str(need.uuid)},
                    )
                )
            for interest, stated_on, detail in person.interests:
                interests.append(
                    StatedInterest(
                        survivor=survivor,
                        interest=interest,
                        stated_on=stated_on,
                        detail=detail,
                        recorded_by=worker,
                    )
                )
                events.append(
                    CaseEvent(
                        survivor=survivor,
                        type=CaseEventType.INTEREST_STATED,
                        by=worker,
                        data={"interest": interest},
                    )
                )
            if person.status == CaseStatus.CLOSED:
                events.append(
                    CaseEvent(
                        survivor=survivor,
                        type=CaseEventType.CLOSED,
                        by=worker,
                        data={"reason": person.closed_reason, "on": person.closed_on.isoformat()},
                    )
                )
        Consent.objects.bulk_create(consents, batch_size=batch_size)
        Need.objects.bulk_create(needs, batch_size=batch_size)
        StatedInterest.objects.bulk_create(interests, batch_size=batch_size)
        CaseEvent.objects.bulk_create(events, batch_size=batch_size)
        counts["survivors"] += len(rows)
        counts["consents"] += len(consents)
        counts["needs"] += len(needs)
        counts["interests"] += len(interests)
        counts["events"] += len(events)
    return counts


def build_demo(
    *,
    survivors: int = DEFAULT_SURVIVORS,
    seed: int = SEED,
    password: str = DEMO_PASSWORD,
    origin: Origin | None = None,
    history: bool = True,
    shares: dict[str, int] | None = None,
) -> DemoSummary:
    """Create the demo organisations, users (with TOTP devices) and survivors in one transaction.

    Organisations and users go through the services (each with its audit entry); survivors and
    their case records go in bulk, with one audit entry for the whole load.
    """
    origin = origin or Origin.cli("demo")
    started = time.perf_counter()
    planned = plan_demo(survivors, seed=seed, history=history, shares=shares)
    with transaction.atomic():
        orgs = _create_organisations(origin)
        users = _create_users(origin, orgs, password)
        counts = survivors_bulk_create(planned, orgs, users)
        audit_write(
            origin=origin,
            action=Action.IMPORT,
            object_type="demo_data",
            object_ref=IMPLEMENTER_CODE,
            organisation_code=IMPLEMENTER_CODE,
            detail={"seed": seed, **counts},
        )
        build_partnerships_demo(origin=origin)
        build_demo_feedback(origin=origin, password=password)
        build_services_demo(orgs=orgs, users=users, seed=seed)
        build_followup_demo(orgs=orgs, users=users, seed=seed, origin=origin)
        build_screening_demo(orgs=orgs, users=users, seed=seed, origin=origin)
        build_evidence_demo(orgs=orgs, users=users, seed=seed, origin=origin)
        build_learning_demo(orgs=orgs, users=users, seed=seed, origin=origin)
    return DemoSummary(
        organisations=len(orgs),
        users=len(users),
        survivors=counts["survivors"],
        needs=counts["needs"],
        consents=counts["consents"],
        interests=counts["interests"],
        seconds=time.perf_counter() - started,
    )


# --- what `ctip demo` prints ----------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str
    note: str
    two_factor: bool
    totp_secret: str  # base32, as authenticator apps take it; "" when not enrolled


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def demo_logins(*, include_staff: bool = False) -> list[DemoLogin]:
    """The demo users as they stand in the database (devices may have been enrolled since)."""
    usernames = [spec.username for spec in DEMO_USERS]
    notes = {spec.username: spec.note for spec in DEMO_USERS}
    if include_staff:
        usernames += [
            staff_username(org, index)
            for org, people in STAFF.items()
            for index in range(1, len(people) + 1)
        ]
    users = {
        u.username: u
        for u in User.objects.filter(username__in=usernames).select_related("organisation")
    }
    devices = {
        d.user_id: d
        for d in TOTPDevice.objects.filter(user__in=users.values(), confirmed=True).order_by("-id")
    }
    logins = []
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        device = devices.get(user.pk)
        logins.append(
            DemoLogin(
                username=username,
                role=str(user.get_role_display()),
                organisation=f"{user.organisation.name} ({user.organisation.code})",
                note=str(notes.get(username, "")),
                two_factor=user_needs_two_factor(user),
                totp_secret=totp_secret_base32(device) if device else "",
            )
        )
    return logins
