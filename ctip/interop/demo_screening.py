"""Demo data for the screening capability (issue 7): the reference directory of protection
frameworks for Thailand, Cambodia and Lao PDR (real instruments; dates only where they are
well established, otherwise left empty for a programme manager to confirm), and sixty screens
over 2026 in English, Thai and Khmer at two Thai and two Cambodian partners.

Some screens suggest a referral and some do not; one in five is a self-screen (anonymous by
construction); of the outreach screens some end without consent (anonymous counts only), some
are still pending, and some end with the person's consent: the screen then points at the
survivor registered that day (a survivor of the demo's load whose case opened on the day of
consent; one was already on file, the match case) with the consents, the need and a sent
referral to a provider of the directory. Like the services' demo, those rows go in directly
(with their case and referral events), so the demo load keeps its single audit entry; the
one-step service (`screening.services.screen_refer`) is what the pages and the tests use.
Everything about people is fictional and drawn from a seeded generator.
"""

import datetime as dt
import random

from django.utils import timezone

from ctip.cases.models import CaseEvent, CaseEventType, ConsentPurpose, NeedStatus, Survivor
from ctip.core.audit import Origin
from ctip.core.models import Organisation, User
from ctip.screening.models import Channel, ConsentState, Screen
from ctip.screening.questionnaire import structure
from ctip.screening.rule import screen_evaluate
from ctip.screening.services import framework_create, screen_record
from ctip.services.models import Referral, ReferralEvent, ReferralStatus, ServiceType

SEED_OFFSET = 707

# title, country, countries (regional), kind, issuing body, adopted, amended, summary
FRAMEWORKS: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    (
        "Anti-Trafficking in Persons Act B.E. 2551 (2008)",
        "TH",
        "",
        "law",
        "Parliament of Thailand",
        "2008",
        "2015; 2017; 2019",
        "Defines trafficking in persons, sets penalties and the protection of trafficked "
        "persons (shelter, assistance, compensation, the right to stay during proceedings). "
        "The 2019 amendment added forced labour or services as an offence.",
    ),
    (
        "Prevention and Suppression of Prostitution Act B.E. 2539 (1996)",
        "TH",
        "",
        "law",
        "Parliament of Thailand",
        "1996",
        "",
        "Treats persons in prostitution, children above all, as needing protection and "
        "occupational development rather than punishment.",
    ),
    (
        "National referral mechanism for victims of trafficking",
        "TH",
        "",
        "national_referral",
        "Ministry of Social Development and Human Security",
        "",
        "",
        "The procedures by which police, labour inspectors, social workers and NGOs screen, "
        "identify and refer persons to protection and assistance. Confirm the current version "
        "and its date with the ministry.",
    ),
    (
        "Law on Suppression of Human Trafficking and Sexual Exploitation",
        "KH",
        "",
        "law",
        "National Assembly of Cambodia",
        "2008",
        "",
        "Criminalises trafficking in persons and sexual exploitation and provides for the "
        "protection of victims.",
    ),
    (
        "Policy and Minimum Standards for Protection of the Rights of Victims of Human Trafficking",
        "KH",
        "",
        "policy",
        "Ministry of Social Affairs, Veterans and Youth Rehabilitation",
        "2009",
        "",
        "Minimum standards for residential and community-based care of trafficked persons.",
    ),
    (
        "Guidelines on forms and procedures for identification of victims of human trafficking",
        "KH",
        "",
        "sop",
        "National Committee for Counter Trafficking",
        "",
        "",
        "How the competent authorities identify victims and refer them to services. Confirm "
        "the current version, its issuing ministry and its date with the NCCT.",
    ),
    (
        "Law on Anti-Trafficking in Persons",
        "LA",
        "",
        "law",
        "National Assembly of the Lao PDR",
        "2015",
        "",
        "The first comprehensive anti-trafficking law of the Lao PDR: prevention, protection "
        "and assistance of victims, prosecution.",
    ),
    (
        "Memorandum of Understanding on Cooperation against Trafficking in Persons in the "
        "Greater Mekong Sub-Region (COMMIT)",
        "",
        "KH;CN;LA;MM;TH;VN",
        "agreement",
        "COMMIT governments",
        "2004-10",
        "",
        "The six Mekong countries' commitment to cooperate against trafficking, including "
        "victim identification, protection, repatriation and reintegration across borders.",
    ),
    (
        "ASEAN Convention Against Trafficking in Persons, Especially Women and Children (ACTIP)",
        "",
        "BN;KH;ID;LA;MY;MM;PH;SG;TH;VN",
        "agreement",
        "ASEAN",
        "2015-11-21",
        "",
        "A binding regional convention on prevention, protection of victims, law enforcement "
        "and international cooperation; in force since 2017.",
    ),
    (
        "Protocol to Prevent, Suppress and Punish Trafficking in Persons, Especially Women and "
        "Children (Palermo Protocol)",
        "",
        "KH;LA;MM;TH",
        "agreement",
        "United Nations General Assembly",
        "2000-11-15",
        "",
        "The international definition of trafficking in persons (act, means, purpose; for "
        "children the means are not required) and States' duties to protect victims.",
    ),
    (
        "Memorandum of Understanding between Cambodia and Thailand on bilateral cooperation "
        "for eliminating trafficking in children and women and assisting victims of trafficking",
        "",
        "KH;TH",
        "agreement",
        "Governments of Cambodia and Thailand",
        "2003",
        "",
        "Cooperation on identification, safe return and reintegration of trafficked persons "
        "between the two countries.",
    ),
)

# Answer profiles: which items are "yes" (the rest "no" or left out), and the age answer.
PROFILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "negative": ("adult", ()),
    "negative_low": ("adult", ("act_recruited", "dur_underpaid")),
    "adult_positive": (
        "adult",
        ("act_recruited", "rec_deceived_job", "dur_forced_work", "pen_documents"),
    ),
    "adult_debt": (
        "adult",
        ("act_recruited", "rec_debt", "rec_deceived_conditions", "lea_not_free", "pen_fines"),
    ),
    "adult_no_means": ("adult", ("act_moved", "dur_forced_work", "dur_underpaid")),
    "child": ("under_18", ("act_moved", "dur_illicit")),
    "child_unsure_age": ("not_sure", ("act_recruited", "dur_confined")),
}
PROFILE_WEIGHTS = {
    "negative": 14,
    "negative_low": 10,
    "adult_positive": 14,
    "adult_debt": 8,
    "adult_no_means": 6,
    "child": 5,
    "child_unsure_age": 3,
}
# (organisation, worker username, languages, referral targets as (provider, service type))
SITES = (
    ("th-amrf", "caseworker", ("th", "en"),
     (("th-dsdhs-rng", "shelter"), ("th-mlac", "legal_aid"))),
    ("th-msbc", "th-msbc-cw1", ("th", "en"), (("th-mlac", "legal_aid"),)),
    ("kh-ppsc", "kh-ppsc-cw1", ("km", "en"), (("kh-cld", "legal_aid"),)),
    ("kh-pbo", "kh-pbo-cw1", ("km", "en"), (("kh-dosvy-btb", "shelter"),)),
)  # fmt: skip
SCREENS = 60


def _answers(rng: random.Random, yes: tuple[str, ...]) -> dict[str, str]:
    answers = {}
    for item_id in structure().item_ids:
        if item_id in yes:
            answers[item_id] = "yes"
        else:
            draw = rng.random()
            if draw < 0.75:
                answers[item_id] = "no"
            elif draw < 0.85:
                answers[item_id] = "unsure"
    return answers


def _candidate(survivor: Survivor, categories: set[str]):
    """(referral consent, open need) when the person consented to referral and has an open need
    one of the partner's referral targets answers; else None."""
    consent = (
        survivor.consents.filter(purpose=ConsentPurpose.REFERRAL)
        .order_by("-decided_on", "-id")
        .first()
    )
    if consent is None or not consent.given:
        return None
    need = (
        survivor.needs.filter(status=NeedStatus.OPEN, category__in=categories)
        .order_by("assessed_on", "id")
        .first()
    )
    return (consent, need) if need is not None else None


def _refer(*, screen: Screen, survivor: Survivor, consent, need, provider, service_type, on):
    """The referral `screen_refer` would send for this person, written directly (the demo's
    survivors, their consents and needs are already loaded; no per-record audit)."""
    sent_on = max(on, consent.decided_on, need.assessed_on)
    referral = Referral.objects.create(
        survivor=survivor,
        organisation=survivor.organisation,
        need=need,
        service_type=service_type,
        to_provider=provider,
        consent_on=consent.decided_on,
        sent_on=sent_on,
        status=ReferralStatus.SENT,
        status_on=sent_on,
    )
    ReferralEvent.objects.create(
        referral=referral,
        status=ReferralStatus.SENT,
        on=sent_on,
        by_organisation=survivor.organisation,
    )
    CaseEvent.objects.create(
        survivor=survivor,
        type=CaseEventType.REFERRAL_SENT,
        data={"referral": str(referral.uuid), "service_type": service_type.code,
              "to": provider.code},
    )  # fmt: skip
    screen.consent = ConsentState.GIVEN
    screen.consent_on = on
    screen.survivor = survivor
    screen.referral = referral
    screen.save(update_fields=["consent", "consent_on", "survivor", "referral"])


def build_screening_demo(*, orgs, users, seed, origin, today: dt.date | None = None) -> None:
    """Write the frameworks directory and the 2026 screens (see the module docstring)."""
    origin = origin or Origin.cli("demo")
    rng = random.Random(seed + SEED_OFFSET)  # noqa: S311 (reproducible demo data)
    today = today or timezone.localdate()
    for title, country, countries, kind, body, adopted, amended, summary in FRAMEWORKS:
        framework_create(
            origin=origin,
            title=title,
            country=country,
            countries=countries,
            kind=kind,
            issuing_body=body,
            adopted=adopted,
            amended=amended,
            url="",
            summary=summary,
        )
    start = dt.date(2026, 1, 5)
    end = min(today, dt.date(2026, 12, 31))
    if end < start:
        return
    span = (end - start).days
    service_types = {t.code: t for t in ServiceType.objects.all()}
    profiles = list(PROFILE_WEIGHTS)
    weights = [PROFILE_WEIGHTS[p] for p in profiles]
    # The people these screens found: survivors whose case opened in 2026 (and one already on
    # file before), who consented to referral and have an open need a target answers.
    found: dict[str, list] = {}
    earlier: dict[str, tuple | None] = {}
    for code, _user, _langs, targets in SITES:
        categories = {service_types[t].category for _p, t in targets}
        people = Survivor.objects.filter(organisation=orgs[code]).order_by("opened_on", "pk")
        found[code] = [
            (person, match)
            for person in people.filter(opened_on__gte=start, opened_on__lte=end)
            if (match := _candidate(person, categories))
        ]
        earlier[code] = next(
            (
                (person, match)
                for person in people.filter(opened_on__lt=start)
                if (match := _candidate(person, categories))
            ),
            None,
        )
    matched_existing = False
    for index in range(SCREENS):
        org_code, username, languages, targets = SITES[index % len(SITES)]
        organisation: Organisation = orgs[org_code]
        worker: User = users[username]
        profile = rng.choices(profiles, weights)[0]
        age, yes = PROFILES[profile]
        screened_on = start + dt.timedelta(days=rng.randint(0, span))
        language = languages[0] if rng.random() < 0.7 else languages[1]
        self_screen = index % 5 == 4  # one in five answered alone
        answers = _answers(rng, yes)
        suggests = screen_evaluate(answers, age=age).suggests_referral
        draw = rng.random()
        person = None
        if not self_screen and draw < (0.6 if suggests else 0.1):
            if not matched_existing and earlier[org_code] is not None:
                person, matched_existing = earlier[org_code], True
            elif found[org_code]:
                person = found[org_code].pop(rng.randrange(len(found[org_code])))
                opened = person[0].opened_on
                screened_on = max(start, opened - dt.timedelta(days=rng.randint(0, 2)))
        screen = screen_record(
            origin=origin,
            organisation=organisation,
            channel=Channel.SELF if self_screen else Channel.OUTREACH,
            language=language,
            age=age,
            answers=answers,
            screened_on=screened_on,
            screened_by=None if self_screen else worker,
            audit=False,
        )
        if self_screen:
            continue
        if person is not None:
            survivor, (consent, need) = person
            on = max(screened_on, min(survivor.opened_on, end))
            provider_code, type_code = next(
                (p, t) for p, t in targets if service_types[t].category == need.category
            )
            _refer(screen=screen, survivor=survivor, consent=consent, need=need,
                   provider=orgs[provider_code], service_type=service_types[type_code],
                   on=on)  # fmt: skip
        elif draw < 0.85:
            screen.consent = ConsentState.DECLINED
            screen.save(update_fields=["consent"])
        # else: consent not yet asked; the worker's list shows it as pending
