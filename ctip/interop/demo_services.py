"""Demo data of `services`, added by `build_demo` once the survivors and their needs exist:
the provider directory (profiles, areas, offers), the projects' standard grants, service episodes
answering most needs, one-off supports, referrals in every status, two case transfers and the
livelihood details of livelihood episodes.

Everything is fictional and drawn from a seeded generator. The mix is meant to make every
services indicator show something real: a government share of episodes, a handful of survivors
with more than 15 episodes (the SRV-3 review list), referrals left unanswered for weeks, grants
that differ from the standard, and livelihood services that match, or not, what survivors asked
for (OUT-3). Episodes, referrals and their events go in with `bulk_create`; the two transfers go
through the services (audit and all).
"""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from ctip.cases.models import (
    CaseEvent,
    CaseEventType,
    CaseStatus,
    Consent,
    ConsentPurpose,
    Need,
    NeedStatus,
    StatedInterest,
    Survivor,
)
from ctip.core.audit import Origin
from ctip.core.models import Organisation, OrganisationKind, ProviderType, User
from ctip.services.catalogue import catalogue_ensure_defaults
from ctip.services.models import (
    BusinessSupport,
    DiscontinuedReason,
    EpisodeStatus,
    JobPlacement,
    ProjectServiceSettings,
    ProviderArea,
    ProviderProfile,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ServiceEpisode,
    ServiceType,
    SkillsTraining,
    TransferReason,
)
from ctip.services.services import transfer_accept, transfer_request

SEED_OFFSET = 303

# --- the directory --------------------------------------------------------------------------

# code: (service types, areas as (country, province, district), accepts referrals in ctip,
#        phone, contact person, opening hours)
Area = tuple[str, str, str]
DIRECTORY: dict[str, tuple[tuple[str, ...], tuple[Area, ...], bool, str, str, str]] = {
    "mekong-fund": (("business_support", "food", "one_off_support", "transport"),
                    (("TH", "", ""), ("KH", "", ""), ("NP", "", "")), False,
                    "+66 2 000 1100", "Programme finance desk", "Mon–Fri 9:00–17:00"),
    "th-dsdhs-rng": (("shelter", "food", "documentation", "family_counselling", "repatriation"),
                     (("TH", "Ranong", ""),), False,
                     "+66 77 000 210", "Duty social worker", "Mon–Fri 8:30–16:30"),
    "th-wpc-sgk": (("shelter", "psychosocial", "medical", "legal_aid", "education"),
                   (("TH", "Songkhla", ""), ("TH", "Satun", "")), False,
                   "+66 74 000 330", "Admissions officer", "24 hours"),
    "th-police-atp": (("documentation", "transport"), (("TH", "", ""),), False,
                      "+66 2 000 1191", "Victim liaison officer", "24 hours"),
    "th-imo": (("repatriation", "documentation", "transport", "medical"), (("TH", "", ""),),
               False, "+66 2 000 4400", "Return assistance unit", "Mon–Fri 9:00–17:00"),
    "th-mlac": (("legal_aid", "documentation"),
                (("TH", "Ranong", "Mueang Ranong"), ("TH", "Samut Sakhon", ""),
                 ("TH", "Tak", "Mae Sot")), False,
                "+66 77 000 515", "Intake lawyer", "Mon–Sat 9:00–18:00"),
    "th-andaman-seafood": (("job_placement", "skills_training"), (("TH", "Ranong", ""),), False,
                           "+66 77 000 880", "HR manager", "Mon–Sat 8:00–17:00"),
    "kh-dosvy-btb": (("shelter", "family_counselling", "documentation", "education"),
                     (("KH", "Battambang", ""), ("KH", "Pailin", "")), False,
                     "+855 53 000 120", "Provincial social worker", "Mon–Fri 7:30–17:00"),
    "kh-police-ahtj": (("documentation", "transport"), (("KH", "Phnom Penh", ""),), False,
                       "+855 23 000 117", "Duty officer", "24 hours"),
    "kh-imo": (("repatriation", "medical", "transport"), (("KH", "", ""),), False,
               "+855 23 000 440", "Reception desk", "Mon–Fri 8:00–17:00"),
    "kh-cld": (("legal_aid",), (("KH", "Phnom Penh", ""), ("KH", "Battambang", "")), False,
               "+855 23 000 660", "Case intake", "Mon–Fri 8:00–17:00"),
    "kh-mekong-garment": (("skills_training", "job_placement"), (("KH", "Phnom Penh", ""),),
                          False, "+855 23 000 770", "Training coordinator", "Mon–Sat 7:00–16:00"),
    "np-wcsc-sdk": (("shelter", "psychosocial", "family_counselling"),
                    (("NP", "Bagmati", "Sindhupalchok"),), False,
                    "+977 11 000 120", "Service centre focal person", "Sun–Fri 10:00–17:00"),
    "np-rehab-ktm": (("shelter", "medical", "psychosocial", "education"),
                     (("NP", "Bagmati", "Kathmandu"),), False,
                     "+977 1 000 4200", "Admissions", "24 hours"),
    "np-imo": (("repatriation", "transport"), (("NP", "", ""),), False,
               "+977 1 000 4400", "Return assistance unit", "Sun–Fri 9:00–17:00"),
    "np-wln": (("legal_aid",),
               (("NP", "Bagmati", "Kathmandu"), ("NP", "Lumbini", "Rupandehi"),
                ("NP", "Lumbini", "Banke")), False,
               "+977 1 000 5300", "Legal desk", "Sun–Fri 10:00–17:00"),
    "np-himalayan-hospitality": (("skills_training", "job_placement"),
                                 (("NP", "Bagmati", "Kathmandu"),), False,
                                 "+977 1 000 8800", "Training manager", "Sun–Fri 9:00–17:00"),
    # Partners that deliver services themselves (and answer referrals in ctip).
    "th-amrf": (("psychosocial", "food", "one_off_support", "transport", "skills_training"),
                (("TH", "Ranong", ""), ("TH", "Samut Sakhon", "")), True,
                "+66 77 000 900", "Case management team", "Mon–Sat 8:30–17:30"),
    "th-cmws": (("shelter", "psychosocial", "medical", "education"),
                (("TH", "Chiang Mai", ""), ("TH", "Chiang Rai", "")), True,
                "+66 53 000 410", "Shelter coordinator", "24 hours"),
    "th-msbc": (("food", "medical", "transport", "one_off_support", "psychosocial"),
                (("TH", "Tak", "Mae Sot"), ("TH", "Tak", "Phop Phra")), True,
                "+66 55 000 520", "Reception", "Mon–Sun 8:00–20:00"),
    "kh-ppsc": (("shelter", "psychosocial", "medical", "education"),
                (("KH", "Phnom Penh", ""),), True,
                "+855 23 000 310", "Shelter manager", "24 hours"),
    "kh-brs": (("family_counselling", "skills_training", "business_support", "psychosocial"),
               (("KH", "Battambang", ""), ("KH", "Pailin", "")), True,
               "+855 53 000 230", "Reintegration officer", "Mon–Fri 7:30–17:00"),
    "kh-pbo": (("food", "transport", "one_off_support", "family_counselling"),
               (("KH", "Banteay Meanchey", "Poipet"),), True,
               "+855 54 000 140", "Outreach desk", "Mon–Sun 7:00–19:00"),
    "np-ksmc": (("psychosocial", "skills_training", "business_support"),
                (("NP", "Bagmati", "Kathmandu"),), True,
                "+977 1 000 2100", "Counselling unit", "Sun–Fri 10:00–17:00"),
    "np-scs": (("shelter", "psychosocial", "family_counselling"),
               (("NP", "Bagmati", "Sindhupalchok"),), True,
               "+977 11 000 330", "Shelter warden", "24 hours"),
    "np-nwla": (("legal_aid", "psychosocial"),
                (("NP", "Lumbini", "Banke"), ("NP", "Lumbini", "Rupandehi")), True,
                "+977 81 000 440", "Legal aid desk", "Sun–Fri 10:00–17:00"),
}  # fmt: skip

STANDARD_GRANTS = {"th": ("15000", "THB"), "kh": ("400", "USD"), "np": ("50000", "NPR")}

# Need category → the service types that answer it (weights).
TYPES_FOR_NEED = {
    "shelter": {"shelter": 1},
    "basic_needs": {"food": 1},
    "health": {"medical": 1},
    "mental_health": {"psychosocial": 1},
    "legal": {"legal_aid": 3, "documentation": 2},
    "education": {"education": 1},
    "livelihood": {"skills_training": 5, "business_support": 3, "job_placement": 2},
    "family": {"family_counselling": 1},
    "return": {"repatriation": 1},
}
# Typical length of one episode, in days (low, high).
DURATION = {
    "shelter": (20, 150),
    "food": (30, 120),
    "medical": (7, 90),
    "psychosocial": (30, 200),
    "legal_aid": (60, 360),
    "documentation": (14, 120),
    "education": (120, 300),
    "skills_training": (30, 120),
    "job_placement": (90, 400),
    "business_support": (30, 180),
    "family_counselling": (20, 120),
    "repatriation": (2, 21),
}
SESSION_TYPES = {"psychosocial", "family_counselling", "legal_aid"}
COURSES = {
    "TH": (("Commercial cooking", "cooking"), ("Motorbike repair", "mechanics"),
           ("Hairdressing", "beauty"), ("Hotel housekeeping", "hospitality")),
    "KH": (("Garment sewing", "garment"), ("Mobile phone repair", "electronics"),
           ("Beautician", "beauty"), ("Tuk-tuk driving licence", "driving")),
    "NP": (("Hotel front office", "hospitality"), ("Tailoring", "garment"),
           ("Electrician basics", "construction"), ("Cooking", "cooking")),
}  # fmt: skip
EMPLOYERS = {
    "TH": (("Andaman Seafood Processing Co., Ltd.", "Line worker"),
           ("Ranong Riverside Hotel", "Housekeeper"), ("Mae Sot Garments", "Sewer")),
    "KH": (("Mekong Garment Skills Co., Ltd.", "Machine operator"),
           ("Phnom Penh Bakery", "Baker's assistant"), ("Battambang Rice Mill", "Packer")),
    "NP": (("Himalayan Hospitality Group", "Kitchen helper"),
           ("Kathmandu Print House", "Print assistant"), ("Thamel Guest House", "Receptionist")),
}  # fmt: skip
WAGES = {"TH": ((9000, 13000), "THB", "month"), "KH": ((190, 260), "USD", "month"),
         "NP": ((17000, 24000), "NPR", "month")}  # fmt: skip
BUSINESSES = ("Grocery stall", "Noodle shop", "Tailoring", "Pig raising", "Phone repair",
              "Vegetable selling", "Beauty salon", "Chicken raising")  # fmt: skip
# How referrals end up (weights); "unanswered" is `sent` for more than 14 days.
REFERRAL_OUTCOMES = {
    "sent": 6,
    "unanswered": 8,
    "accepted": 10,
    "declined": 8,
    "service_started": 24,
    "completed": 30,
    "not_reached": 9,
    "withdrawn": 5,
}
OUTLIERS = 6  # survivors with more than 15 episodes: SRV-3's review list


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _country(org: Organisation, orgs_by_pk: dict[int, Organisation]) -> str:
    node = org
    while node is not None:
        if node.country:
            return node.country
        node = orgs_by_pk.get(node.parent_id)
    return ""


class _Builder:
    def __init__(self, orgs: dict[str, Organisation], users: dict[str, User], seed: int):
        self.rng = random.Random(seed + SEED_OFFSET)  # noqa: S311 (demo data, not secrets)
        self.today = timezone.localdate()
        self.orgs = orgs
        self.users = users
        self.by_pk = {org.pk: org for org in orgs.values()}
        catalogue_ensure_defaults(ServiceType)  # a test flush may have emptied it
        self.types = {t.code: t for t in ServiceType.objects.all()}
        self.country_of = {code: _country(org, self.by_pk) for code, org in orgs.items()}
        self.episodes: list[ServiceEpisode] = []
        self.episode_closed: list[ServiceEpisode] = []
        self.events: list[CaseEvent] = []
        self.counts: dict[str, int] = {}

    # --- directory ---------------------------------------------------------------------------

    def directory(self) -> None:
        profiles = []
        for code, (_types, _areas, accepts, phone, person, hours) in DIRECTORY.items():
            org = self.orgs.get(code)
            if org is None:
                continue
            profiles.append(
                ProviderProfile(
                    organisation=org,
                    accepts_ctip_referrals=accepts,
                    phone=phone,
                    email=f"{code}@demo.invalid",
                    contact_person=person,
                    opening_hours=hours,
                    address=f"{org.name}, {self._area_text(DIRECTORY[code][1][0])}",
                )
            )
        ProviderProfile.objects.bulk_create(profiles)
        offers, areas = [], []
        through = ProviderProfile.service_types.through
        for profile in profiles:
            types, area_list = DIRECTORY[profile.organisation.code][:2]
            offers += [
                through(providerprofile_id=profile.pk, servicetype_id=self.types[t].pk)
                for t in types
            ]
            areas += [
                ProviderArea(provider=profile, country=c, province=p, district=d)
                for c, p, d in area_list
            ]
        through.objects.bulk_create(offers)
        ProviderArea.objects.bulk_create(areas)
        # Partners that deliver services are NGOs in the directory (GOV-1 breaks down by type).
        partner_codes = [
            code for code in DIRECTORY if self.orgs.get(code) and not self.orgs[code].provider_type
        ]
        Organisation.objects.filter(code__in=partner_codes, kind=OrganisationKind.PARTNER).update(
            provider_type=ProviderType.NGO
        )
        for code in partner_codes:
            self.orgs[code].provider_type = ProviderType.NGO
        self.offering: dict[tuple[str, str], list[str]] = {}
        for code, (types, _areas, *_rest) in DIRECTORY.items():
            if code not in self.orgs:
                continue
            countries = {a[0] for a in DIRECTORY[code][1]}
            for country in countries:
                for service_type in types:
                    self.offering.setdefault((country, service_type), []).append(code)
        self.counts["provider_profiles"] = len(profiles)
        for project, (amount, currency) in STANDARD_GRANTS.items():
            if project in self.orgs:
                ProjectServiceSettings.objects.create(
                    organisation=self.orgs[project],
                    standard_grant_amount=Decimal(amount),
                    standard_grant_currency=currency,
                )

    @staticmethod
    def _area_text(area: tuple[str, str, str]) -> str:
        return ", ".join(part for part in reversed(area) if part)

    def provider_for(self, partner: str, country: str, service_type: str) -> str:
        """Who delivers it: the partner itself when it offers the type, else a provider of the
        country (government about a third of the time when one offers it)."""
        offering = self.offering.get((country, service_type), [])
        own = partner if partner in offering else None
        government = [c for c in offering if self.orgs[c].provider_type == ProviderType.GOVERNMENT]
        others = [c for c in offering if c != partner and c not in government]
        roll = self.rng.random()
        if government and roll < 0.34:
            return self.rng.choice(government)
        if own and roll < 0.8:
            return own
        if others:
            return self.rng.choice(others)
        if own:
            return own
        if government:
            return self.rng.choice(government)
        return "mekong-fund" if "mekong-fund" in self.orgs else partner

    # --- episodes ----------------------------------------------------------------------------

    def episode(self, survivor, service_type: str, provider: str, need, started, **extra):
        worker_id = survivor["case_worker_id"]
        episode = ServiceEpisode(
            survivor_id=survivor["pk"],
            organisation_id=survivor["organisation_id"],
            created_by_id=worker_id,
            service_type=self.types[service_type],
            provider=self.orgs[provider],
            need_id=need["pk"] if need else None,
            started_on=started,
            **extra,
        )
        self.episodes.append(episode)
        self.events.append(
            CaseEvent(
                survivor_id=survivor["pk"],
                type=CaseEventType.EPISODE_RECORDED,
                by_id=worker_id,
                data={
                    "episode": str(episode.uuid),
                    "service_type": service_type,
                    "counted": self.types[service_type].counts_as_service,
                },
            )
        )
        if extra.get("ended_on"):
            self.events.append(
                CaseEvent(
                    survivor_id=survivor["pk"],
                    type=CaseEventType.EPISODE_CLOSED,
                    by_id=worker_id,
                    data={
                        "episode": str(episode.uuid),
                        "status": extra.get("status"),
                        "on": extra["ended_on"].isoformat(),
                        "reason": extra.get("discontinued_reason", ""),
                    },
                )
            )
        return episode

    def dates(self, survivor, start_after: dt.date, service_type: str, finished: bool):
        last = survivor["closed_on"] or self.today
        start_after = min(start_after, last)
        started = min(last, start_after + dt.timedelta(days=self.rng.randint(0, 30)))
        if not finished:
            return started, None
        low, high = DURATION.get(service_type, (1, 30))
        ended = min(last, started + dt.timedelta(days=self.rng.randint(low, high)))
        return started, ended

    def for_need(self, survivor, need, partner: str, country: str) -> None:
        category = need["category"]
        weights = dict(TYPES_FOR_NEED[category])
        if category == "livelihood" and survivor["interests"] and self.rng.random() < 0.45:
            # Some partners offer what the survivor asked for; many offer what they have.
            wanted = [i for i in survivor["interests"] if i in weights]
            if wanted:
                weights = {self.rng.choice(wanted): 1}
        service_type = _pick(self.rng, weights)
        status = need["status"]
        closed_case = survivor["status"] == CaseStatus.CLOSED
        roll = self.rng.random()
        if status == NeedStatus.OPEN and roll < 0.3 and not closed_case:
            return  # not yet answered: an open need without a service
        if status == NeedStatus.WITHDRAWN and roll < 0.6:
            return
        finished = status != NeedStatus.OPEN or closed_case
        started, ended = self.dates(survivor, need["assessed_on"], service_type, finished)
        if ended is None and (self.today - started).days > DURATION.get(service_type, (1, 30))[1]:
            ended = min(self.today, started + dt.timedelta(days=DURATION[service_type][1]))
        extra = {"status": EpisodeStatus.ONGOING}
        if ended is not None:
            discontinued = status == NeedStatus.WITHDRAWN or self.rng.random() < 0.1
            extra = {
                "ended_on": ended,
                "status": EpisodeStatus.DISCONTINUED if discontinued else EpisodeStatus.COMPLETED,
            }
            if discontinued:
                extra["discontinued_reason"] = self.rng.choice(
                    [r for r in DiscontinuedReason.values if r != "transferred"]
                )
        if service_type in SESSION_TYPES:
            extra["sessions"] = self.rng.randint(2, 16)
        provider = self.provider_for(partner, country, service_type)
        episode = self.episode(survivor, service_type, provider, need, started, **extra)
        survivor["episodes"].append(episode)

    def one_offs(self, survivor, partner: str, country: str) -> None:
        for _n in range(self.rng.choice((1, 1, 2, 3))):
            service_type = self.rng.choice(("transport", "one_off_support"))
            started, _ended = self.dates(survivor, survivor["opened_on"], "transport", True)
            provider = self.provider_for(partner, country, service_type)
            self.episode(
                survivor,
                service_type,
                provider,
                None,
                started,
                ended_on=started,
                status=EpisodeStatus.COMPLETED,
            )

    def outlier(self, survivor, need, partner: str) -> None:
        """Counselling recorded one session per episode: the data-quality problem SRV-3's
        review list is there to catch (one survivor showing 30 services, another 1)."""
        service_type = {"mental_health": "psychosocial", "health": "medical"}[need["category"]]
        count = self.rng.randint(16, 30)
        first = max(need["assessed_on"], self.today - dt.timedelta(days=80))
        for index in range(count):
            day = min(self.today, first + dt.timedelta(days=index * 2))
            self.episode(
                survivor,
                service_type,
                partner,
                need,
                day,
                ended_on=day,
                status=EpisodeStatus.COMPLETED,
                sessions=1,
            )

    # --- referrals ---------------------------------------------------------------------------

    def referral(self, survivor, need, partner: str, country: str, consent_on: dt.date):
        category = need["category"]
        service_type = _pick(self.rng, TYPES_FOR_NEED[category])
        offering = [c for c in self.offering.get((country, service_type), []) if c != partner]
        if not offering:
            return
        to = self.rng.choice(offering)
        outcome = _pick(self.rng, REFERRAL_OUTCOMES)
        earliest = max(consent_on, need["assessed_on"])
        last = survivor["closed_on"] or self.today
        if earliest > last:
            return
        if outcome == "sent":
            sent = max(earliest, self.today - dt.timedelta(days=self.rng.randint(0, 12)))
        elif outcome == "unanswered":
            sent = earliest + dt.timedelta(days=self.rng.randint(0, max(0, (last - earliest).days)))
            sent = min(sent, self.today - dt.timedelta(days=15))
            if sent < earliest:
                return
        else:
            span = max(0, (last - earliest).days - 20)
            sent = earliest + dt.timedelta(days=self.rng.randint(0, span))
        if sent > self.today:
            return
        worker_id = survivor["case_worker_id"]
        status = ReferralStatus.SENT if outcome in ("sent", "unanswered") else outcome
        referral = Referral(
            survivor_id=survivor["pk"],
            organisation_id=survivor["organisation_id"],
            created_by_id=worker_id,
            need_id=need["pk"],
            service_type=self.types[service_type],
            to_provider=self.orgs[to],
            consent_on=consent_on,
            sent_on=sent,
            status=status,
            status_on=sent,
        )
        steps = [(ReferralStatus.SENT, sent, partner, "")]
        day = sent

        def later(low: int, high: int) -> dt.date:
            return min(self.today, day + dt.timedelta(days=self.rng.randint(low, high)))

        provider_answers = self.orgs[to].provider_profile_accepts
        answerer = to if provider_answers else partner
        if status in (ReferralStatus.ACCEPTED, ReferralStatus.SERVICE_STARTED,
                      ReferralStatus.COMPLETED) and self.rng.random() < 0.7:  # fmt: skip
            day = later(1, 6)
            steps.append((ReferralStatus.ACCEPTED, day, answerer, ""))
        if status == ReferralStatus.DECLINED:
            day = later(1, 10)
            reason = self.rng.choice(("no_capacity", "not_eligible", "outside_area"))
            steps.append((status, day, answerer, reason))
        if status == ReferralStatus.NOT_REACHED:
            day = later(5, 30)
            reason = self.rng.choice(("could_not_contact", "survivor_declined", "survivor_moved"))
            steps.append((status, day, partner, reason))
        if status == ReferralStatus.WITHDRAWN:
            day = later(1, 20)
            reason = self.rng.choice(("need_met_otherwise", "consent_withdrawn", "sent_in_error"))
            steps.append((status, day, partner, reason))
        if status in (ReferralStatus.SERVICE_STARTED, ReferralStatus.COMPLETED):
            day = later(2, 25)
            steps.append((ReferralStatus.SERVICE_STARTED, day, answerer, ""))
            referral.service_started_on = day
            extra = {"status": EpisodeStatus.ONGOING}
            if status == ReferralStatus.COMPLETED:
                low, high = DURATION.get(service_type, (1, 30))
                ended = min(last, self.today, day + dt.timedelta(days=self.rng.randint(low, high)))
                extra = {"status": EpisodeStatus.COMPLETED, "ended_on": max(ended, day)}
                steps.append((ReferralStatus.COMPLETED, extra["ended_on"], answerer, ""))
            referral.episode = self.episode(survivor, service_type, to, need, day, **extra)
            survivor["episodes"].append(referral.episode)
        referral.status_on = steps[-1][1]
        referral.steps = steps
        self.referrals.append(referral)
        self.events.append(
            CaseEvent(
                survivor_id=survivor["pk"],
                type=CaseEventType.REFERRAL_SENT,
                by_id=worker_id,
                data={"referral": str(referral.uuid), "service_type": service_type, "to": to},
            )
        )

    # --- the whole load ----------------------------------------------------------------------

    def survivors(self) -> list[dict]:
        root = self.orgs.get("mekong")
        queryset = Survivor.objects.all()
        if root is not None:
            queryset = queryset.filter(organisation__path__startswith=root.path)
        rows = list(
            queryset.values(
                "pk", "organisation_id", "opened_on", "status", "closed_on", "case_worker_id",
                "nationality",
            ).order_by("pk")
        )  # fmt: skip
        by_pk = {row["pk"]: row for row in rows}
        for row in rows:
            row.update(needs=[], interests=[], episodes=[], consents={})
        for need in (
            Need.objects.filter(survivor_id__in=by_pk)
            .values("pk", "survivor_id", "category", "assessed_on", "status")
            .order_by("pk")
        ):
            by_pk[need["survivor_id"]]["needs"].append(need)
        for survivor_id, interest in StatedInterest.objects.filter(
            survivor_id__in=by_pk
        ).values_list("survivor_id", "interest"):
            by_pk[survivor_id]["interests"].append(interest)
        for survivor_id, purpose, given, decided_on in (
            Consent.objects.filter(survivor_id__in=by_pk)
            .order_by("decided_on", "id")
            .values_list("survivor_id", "purpose", "given", "decided_on")
        ):
            by_pk[survivor_id]["consents"][purpose] = (given, decided_on)
        return rows

    def build(self) -> dict[str, int]:
        self.directory()
        accepts = dict(
            ProviderProfile.objects.values_list("organisation_id", "accepts_ctip_referrals")
        )
        for org in self.orgs.values():
            org.provider_profile_accepts = accepts.get(org.pk, False)
        self.referrals: list[Referral] = []
        survivors = self.survivors()
        with_needs = [s for s in survivors if s["needs"]]
        outliers = set()
        candidates = [
            s
            for s in with_needs
            if s["status"] == CaseStatus.OPEN
            and any(n["category"] in ("mental_health", "health") for n in s["needs"])
        ]
        if candidates:
            outliers = {
                s["pk"] for s in self.rng.sample(candidates, min(OUTLIERS, len(candidates)))
            }
        for survivor in survivors:
            partner = self.by_pk[survivor["organisation_id"]]
            # Sites deliver through their partner's offer.
            partner_code = partner.code if partner.kind == OrganisationKind.PARTNER else (
                self.by_pk[partner.parent_id].code
            )  # fmt: skip
            country = self.country_of[partner.code]
            for need in survivor["needs"]:
                self.for_need(survivor, need, partner_code, country)
            if survivor["needs"] and self.rng.random() < 0.35:
                self.one_offs(survivor, partner_code, country)
            if survivor["pk"] in outliers:
                need = next(
                    n for n in survivor["needs"] if n["category"] in ("mental_health", "health")
                )
                self.outlier(survivor, need, partner_code)
            given, consent_on = survivor["consents"].get(ConsentPurpose.REFERRAL, (False, None))
            if given and survivor["needs"] and self.rng.random() < 0.5:
                for need in self.rng.sample(survivor["needs"], min(2, len(survivor["needs"]))):
                    if self.rng.random() < 0.7:
                        self.referral(survivor, need, partner_code, country, consent_on)
        self.shelter_referrals_to_cmws(survivors)
        self.write()
        self.livelihood()
        self.transfers(survivors)
        return self.counts

    def shelter_referrals_to_cmws(self, survivors) -> None:
        """A few referrals from AMRF to the Chiang Mai shelter network, whose case worker
        (`caseworker2`) answers them in ctip: some fresh, some waiting for weeks."""
        if "th-amrf" not in self.orgs or "th-cmws" not in self.orgs:
            return
        amrf = self.orgs["th-amrf"].pk
        picked = 0
        for survivor in survivors:
            if picked >= 6 or survivor["organisation_id"] != amrf:
                continue
            given, consent_on = survivor["consents"].get(ConsentPurpose.REFERRAL, (False, None))
            shelter = [n for n in survivor["needs"] if n["category"] == "shelter"]
            if not given or not shelter or survivor["status"] != CaseStatus.OPEN:
                continue
            sent = max(consent_on, self.today - dt.timedelta(days=(3, 9, 18, 25, 40, 2)[picked]))
            referral = Referral(
                survivor_id=survivor["pk"],
                organisation_id=amrf,
                created_by_id=survivor["case_worker_id"],
                need_id=shelter[0]["pk"],
                service_type=self.types["shelter"],
                to_provider=self.orgs["th-cmws"],
                consent_on=consent_on,
                sent_on=sent,
                status=ReferralStatus.SENT,
                status_on=sent,
            )
            referral.steps = [(ReferralStatus.SENT, sent, "th-amrf", "")]
            self.referrals.append(referral)
            picked += 1

    def write(self) -> None:
        ServiceEpisode.objects.bulk_create(self.episodes, batch_size=500)
        for referral in self.referrals:
            if referral.episode is not None:
                referral.episode_id = referral.episode.pk
        Referral.objects.bulk_create(self.referrals, batch_size=500)
        user_of_org: dict[int, int] = {}
        for user in self.users.values():
            user_of_org.setdefault(user.organisation_id, user.pk)
        events = []
        for referral in self.referrals:
            for status, on, by_code, reason in referral.steps:
                org = self.orgs[by_code]
                events.append(
                    ReferralEvent(
                        referral=referral,
                        status=status,
                        on=on,
                        by_id=referral.created_by_id
                        if org.pk == referral.organisation_id
                        else user_of_org.get(org.pk),
                        by_organisation=org,
                        reason=reason,
                    )
                )
                if status != ReferralStatus.SENT:
                    self.events.append(
                        CaseEvent(
                            survivor_id=referral.survivor_id,
                            type=CaseEventType.REFERRAL_STATUS_CHANGED,
                            by_id=referral.created_by_id,
                            data={"referral": str(referral.uuid), "status": status},
                        )
                    )
        ReferralEvent.objects.bulk_create(events, batch_size=500)
        CaseEvent.objects.bulk_create(self.events, batch_size=500)
        self.counts.update(
            episodes=len(self.episodes),
            referrals=len(self.referrals),
            referral_events=len(events),
        )

    def livelihood(self) -> None:
        trainings, placements, businesses = [], [], []
        standards = {
            self.orgs[p].pk: (Decimal(a), c)
            for p, (a, c) in STANDARD_GRANTS.items()
            if p in self.orgs
        }
        project_of = {}
        for org in self.orgs.values():
            node = org
            while node is not None and node.kind != OrganisationKind.COUNTRY_PROJECT:
                node = self.by_pk.get(node.parent_id)
            project_of[org.pk] = node.pk if node else None
        for episode in self.episodes:
            code = episode.service_type.code
            country = self.country_of[self.by_pk[episode.organisation_id].code] or "TH"
            if code == "skills_training":
                course, trade = self.rng.choice(COURSES.get(country, COURSES["TH"]))
                done = episode.status == EpisodeStatus.COMPLETED
                trainings.append(
                    SkillsTraining(
                        episode=episode,
                        course=course,
                        trade=trade,
                        completed=True if done else (False if episode.ended_on else None),
                        certificate=done and self.rng.random() < 0.7,
                    )
                )
            elif code == "job_placement":
                employer, role = self.rng.choice(EMPLOYERS.get(country, EMPLOYERS["TH"]))
                (low, high), currency, period = WAGES.get(country, WAGES["TH"])
                months = (self.today - episode.started_on).days / 30.44
                still = episode.status != EpisodeStatus.DISCONTINUED
                placements.append(
                    JobPlacement(
                        episode=episode,
                        employer=employer,
                        role=role,
                        wage=Decimal(self.rng.randrange(low, high, 10 if low > 1000 else 5)),
                        wage_currency=currency,
                        wage_period=period,
                        start_date=episode.started_on,
                        employed_at_3_months=(still and self.rng.random() < 0.75)
                        if months >= 3
                        else None,
                        employed_at_6_months=(still and self.rng.random() < 0.55)
                        if months >= 6
                        else None,
                    )
                )
            elif code == "business_support":
                standard = standards.get(project_of.get(episode.organisation_id))
                amount, currency = standard or (Decimal("300"), "USD")
                if self.rng.random() < 0.25:  # grants that differ from the standard
                    amount = (amount * Decimal(self.rng.choice(("0.5", "1.5", "2")))).quantize(
                        Decimal("1")
                    )
                businesses.append(
                    BusinessSupport(
                        episode=episode,
                        business=self.rng.choice(BUSINESSES),
                        grant_amount=amount,
                        grant_currency=currency,
                        microfinance_referral=self.rng.random() < 0.3,
                    )
                )
        SkillsTraining.objects.bulk_create(trainings, batch_size=500)
        JobPlacement.objects.bulk_create(placements, batch_size=500)
        BusinessSupport.objects.bulk_create(businesses, batch_size=500)
        self.counts.update(
            skills_trainings=len(trainings),
            job_placements=len(placements),
            business_supports=len(businesses),
        )

    def transfers(self, survivors) -> None:
        """One transfer accepted across country projects (a Cambodian survivor identified at
        the Thai border goes home to Poipet) and one waiting for its answer (AMRF → CMWS)."""
        made = 0
        plans = (("th-msbc", "KH", "kh-pbo", True), ("th-amrf", "", "th-cmws", False))
        for sender, nationality, receiver, accept in plans:
            if sender not in self.orgs or receiver not in self.orgs:
                continue
            candidates = [
                s
                for s in survivors
                if s["organisation_id"] == self.orgs[sender].pk
                and s["status"] == CaseStatus.OPEN
                and (not nationality or s["nationality"] == nationality)
                and s["consents"].get(ConsentPurpose.DATA_SHARING, (False,))[0]
                and s["case_worker_id"]
            ]
            if not candidates:
                continue
            survivor = Survivor.objects.get(pk=self.rng.choice(candidates)["pk"])
            sender_user = User.objects.get(pk=survivor.case_worker_id)
            transfer = transfer_request(
                origin=Origin(user=sender_user, source="cli: demo"),
                survivor=survivor,
                to_organisation=self.orgs[receiver],
                reason=TransferReason.RETURNS_HOME if accept else TransferReason.SPECIALISED_CARE,
                audit=False,  # the demo load has one audit entry for all of it
            )
            made += 1
            if accept:
                receiver_user = (
                    User.objects.filter(organisation=self.orgs[receiver]).order_by("pk").first()
                )
                transfer_accept(
                    origin=Origin(user=receiver_user, source="cli: demo"),
                    transfer=transfer,
                    audit=False,
                )
        self.counts["transfers"] = made


def build_services_demo(
    *, orgs: dict[str, Organisation], users: dict[str, User], seed: int
) -> dict[str, int]:
    """Add the services demo data (see the module's docstring); returns counts by kind."""
    return _Builder(orgs, users, seed).build()
