"""Demo data for `partnerships`: about forty companies in the implementer's registry, engaged
by the Thai, Cambodian and Nepali country projects at every stage of the pipeline, and two
fully documented partnerships (workstreams, check-ins, health checks, placements).

Everything is fictional. Engagements walk the pipeline through the services with back-dated
stage changes, so every gate is honoured (alignment and due diligence before the concept note, a
signed agreement before "agreement signed") and the history is complete. Placements need
survivors with a job-placement service: those episodes (a livelihood need, a `job_placement`
episode and its `JobPlacement` row) are written here with the ORM.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from ctip.cases.models import CaseStatus, Need, Survivor
from ctip.core.audit import Origin
from ctip.core.models import Organisation, User
from ctip.partnerships import services
from ctip.partnerships.models import (
    CONCERNS_GROUP,
    DUE_DILIGENCE_CRITERIA,
    HEALTH_FACTORS,
    PIPELINE,
    STAGE_ORDER,
    EngagementEvent,
    EventType,
    PartnershipSettings,
    Placement,
    Stage,
)
from ctip.services.models import JobPlacement, ServiceEpisode, ServiceType

IMPLEMENTER = "mekong"


@dataclass(frozen=True)
class CompanySpec:
    name: str
    sector: str
    ownership: str
    hq: str
    countries: str
    size: str
    position: str
    csr: bool = False
    priorities: str = ""
    interests: str = ""
    target: bool = False


MULTI, LOCAL = "multinational", "local"

COMPANIES: tuple[CompanySpec, ...] = (
    # Thailand
    CompanySpec("Andaman Seafood Processing Co., Ltd.", "seafood", LOCAL, "TH", "TH;MM", "large",
                "processor", True, "Responsible sourcing; worker voice on vessels",
                "Connectivity at sea; a trained, stable workforce"),
    CompanySpec("Pacific Petfood International", "retail", MULTI, "US", "TH;KH;VN", "large",
                "brand", True, "Human rights action plan 2022–2027; fishers' welfare",
                "Industry-wide change in Thai seafood"),
    CompanySpec("Siam Sugar Mills Group", "agriculture", LOCAL, "TH", "TH", "large",
                "processor", True, "Labour transparency in the cane supply chain",
                "Traceable recruitment of cane cutters"),
    CompanySpec("Chao Phraya Rubber Co.", "agriculture", LOCAL, "TH", "TH", "medium",
                "processor", interests="Smallholder supplier standards"),
    CompanySpec("Songkhla Tuna Canners", "seafood", LOCAL, "TH", "TH", "large", "processor"),
    CompanySpec("Bangkok Mobile Networks", "technology", LOCAL, "TH", "TH;LA", "large",
                "services", True, "Digital inclusion of migrant workers",
                "Low-cost connectivity products"),
    CompanySpec("Ranong Marine Logistics", "logistics", LOCAL, "TH", "TH;MM", "medium",
                "logistics"),
    CompanySpec("Thai Poultry Export Co.", "agriculture", LOCAL, "TH", "TH", "large",
                "processor", True, "Ethical recruitment of migrant workers"),
    CompanySpec("Eastern Seaboard Electronics", "electronics", MULTI, "JP", "TH;VN", "large",
                "processor", True, "Zero recruitment fees policy", target=True),
    CompanySpec("Lanna Hotels Group", "hospitality", LOCAL, "TH", "TH", "medium", "services"),
    CompanySpec("Samut Sakhon Shrimp Farms", "seafood", LOCAL, "TH", "TH", "small", "producer"),
    CompanySpec("Krungthep Recruitment Services", "recruitment", LOCAL, "TH", "TH;MM;KH",
                "small", "recruiter"),
    CompanySpec("Asia Fashion Retail", "retail", MULTI, "SG", "TH;KH;NP", "large", "retailer",
                True, "Supplier code of conduct; women's economic empowerment",
                "Skilled staff for its stores"),
    CompanySpec("Northern Coffee Cooperative", "agriculture", LOCAL, "TH", "TH", "small",
                "producer"),
    CompanySpec("Pattaya Resorts", "hospitality", LOCAL, "TH", "TH", "medium", "services"),
    CompanySpec("Global Seafood Traders", "seafood", MULTI, "NO", "TH;KH;VN", "large", "brand",
                True, "Seafood traceability", target=True),
    # Cambodia
    CompanySpec("Mekong Garment Skills Co., Ltd.", "garments", LOCAL, "KH", "KH", "large",
                "processor", True, "Decent work; training young women",
                "Machine operators trained to its standard"),
    CompanySpec("Angkor Construction Group", "construction", LOCAL, "KH", "KH", "large",
                "services"),
    CompanySpec("Phnom Penh Microfinance Bank", "finance", LOCAL, "KH", "KH", "large",
                "services", True, "Responsible lending; over-indebtedness",
                "Safe remittance and savings products"),
    CompanySpec("Tonle Sap Fisheries", "seafood", LOCAL, "KH", "KH", "small", "producer"),
    CompanySpec("Cambodia Brick Works", "construction", LOCAL, "KH", "KH", "medium",
                "producer"),
    CompanySpec("Siem Reap Hospitality Group", "hospitality", LOCAL, "KH", "KH", "medium",
                "services", interests="Hotel staff training"),
    CompanySpec("Golden Rice Millers", "agriculture", LOCAL, "KH", "KH", "medium",
                "processor"),
    CompanySpec("Kampot Pepper Exporters", "agriculture", LOCAL, "KH", "KH", "small",
                "producer"),
    CompanySpec("Khmer Telecom", "technology", LOCAL, "KH", "KH", "large", "services", True,
                "Digital safety for migrants", "Hotline and SMS services"),
    CompanySpec("Sihanoukville Port Services", "logistics", LOCAL, "KH", "KH", "large",
                "logistics"),
    CompanySpec("Battambang Cassava Co.", "agriculture", LOCAL, "KH", "KH;TH", "small",
                "producer"),
    CompanySpec("Mekong Logistics Partners", "logistics", MULTI, "VN", "VN;KH;TH", "medium",
                "logistics", target=True),
    # Nepal
    CompanySpec("Himalayan Hospitality Group", "hospitality", LOCAL, "NP", "NP", "large",
                "services", True, "Fair employment in tourism", "Trained hotel staff"),
    CompanySpec("Kathmandu Carpet Weavers", "manufacturing", LOCAL, "NP", "NP", "medium",
                "producer"),
    CompanySpec("Nepal Overseas Manpower Agency", "recruitment", LOCAL, "NP", "NP;QA;AE;MY",
                "medium", "recruiter"),
    CompanySpec("Valley Brick Industries", "construction", LOCAL, "NP", "NP", "medium",
                "producer"),
    CompanySpec("Himal Remit", "finance", LOCAL, "NP", "NP;QA;AE;MY", "medium", "services",
                True, "Financial literacy of migrant families"),
    CompanySpec("Sherpa Trekking Co.", "hospitality", LOCAL, "NP", "NP", "small", "services"),
    CompanySpec("Nepal Tea Estates", "agriculture", LOCAL, "NP", "NP", "medium", "producer",
                interests="Seasonal workforce"),
    CompanySpec("Terai Sugar Mills", "agriculture", LOCAL, "NP", "NP", "large", "processor"),
    CompanySpec("Gulf Construction Contractors", "construction", MULTI, "AE", "AE;QA;NP",
                "large", "services", True, "Employer-pays principle"),
    CompanySpec("Kathmandu Digital Payments", "technology", LOCAL, "NP", "NP", "small",
                "services"),
    # Across the region
    CompanySpec("Global Garment Brands Ltd.", "garments", MULTI, "GB", "KH;TH;BD", "large",
                "brand", True, "Modern slavery statement; living wages",
                "Supplier training on recruitment"),
    CompanySpec("Asia Pacific Hotels", "hospitality", MULTI, "SG", "TH;KH;NP", "large",
                "services", True, "Inclusive hiring", target=True),
)  # fmt: skip


@dataclass(frozen=True)
class EngagementSpec:
    company: str
    project: str
    stage: str  # the stage reached (for closed ones: the last stage before closing)
    started: int  # days ago
    last: int  # days ago of the last stage change
    framing: str = ""
    avoid: str = ""
    stream: str = "mechanisms"
    closed: str = ""  # closing reason: the engagement is closed on day ``last``
    check_in_days: int | None = None
    lead: str = "pse"


AVOID = "trafficking\nforced labour\nslavery"

ENGAGEMENTS: tuple[EngagementSpec, ...] = (
    EngagementSpec("Andaman Seafood Processing Co., Ltd.", "th", Stage.IMPLEMENTATION, 760, 200,
                   "worker voice at sea", AVOID, "both", check_in_days=30, lead="manager"),
    EngagementSpec("Pacific Petfood International", "th", Stage.SUSTAINED, 1500, 150,
                   "safe migration", AVOID, check_in_days=90),
    EngagementSpec("Pacific Petfood International", "kh", Stage.FIRST_MEETING, 120, 40,
                   "safe migration", AVOID),
    EngagementSpec("Siam Sugar Mills Group", "th", Stage.NEGOTIATION, 420, 35, "worker rights",
                   "trafficking\nchild labour", lead="manager"),
    EngagementSpec("Chao Phraya Rubber Co.", "th", Stage.DUE_DILIGENCE, 260, 60,
                   "responsible sourcing"),
    EngagementSpec("Songkhla Tuna Canners", "th", Stage.INTERESTS_ALIGNED, 500, 300,
                   "worker rights", AVOID, closed="company_withdrew"),
    EngagementSpec("Bangkok Mobile Networks", "th", Stage.CONCEPT_NOTE, 300, 20,
                   "digital inclusion", "trafficking", lead="manager"),
    EngagementSpec("Ranong Marine Logistics", "th", Stage.FIRST_MEETING, 330, 210,
                   "safe migration", AVOID),
    EngagementSpec("Thai Poultry Export Co.", "th", Stage.INTERESTS_ALIGNED, 150, 45,
                   "responsible recruitment", "forced labour"),
    EngagementSpec("Eastern Seaboard Electronics", "th", Stage.LANDSCAPE, 30, 30),
    EngagementSpec("Lanna Hotels Group", "th", Stage.LANDSCAPE, 95, 95),
    EngagementSpec("Samut Sakhon Shrimp Farms", "th", Stage.LANDSCAPE, 14, 14),
    EngagementSpec("Krungthep Recruitment Services", "th", Stage.DUE_DILIGENCE, 400, 250,
                   closed="due_diligence"),
    EngagementSpec("Asia Fashion Retail", "th", Stage.FIRST_MEETING, 80, 25, "decent work",
                   "trafficking\nexploitation", "employment", lead="manager"),
    EngagementSpec("Asia Fashion Retail", "kh", Stage.INTERESTS_ALIGNED, 200, 70, "decent work",
                   "trafficking\nexploitation", "employment"),
    EngagementSpec("Asia Fashion Retail", "np", Stage.LANDSCAPE, 20, 20),
    EngagementSpec("Northern Coffee Cooperative", "th", Stage.LANDSCAPE, 180, 180),
    EngagementSpec("Mekong Garment Skills Co., Ltd.", "kh", Stage.CO_CREATION, 520, 60,
                   "decent work for young women", "trafficking\nvictim", "employment",
                   check_in_days=30),
    EngagementSpec("Angkor Construction Group", "kh", Stage.DUE_DILIGENCE, 350, 130,
                   "worker safety"),
    EngagementSpec("Phnom Penh Microfinance Bank", "kh", Stage.CONCEPT_NOTE, 310, 50,
                   "financial inclusion", "debt bondage\ntrafficking"),
    EngagementSpec("Tonle Sap Fisheries", "kh", Stage.LANDSCAPE, 60, 60),
    EngagementSpec("Cambodia Brick Works", "kh", Stage.FIRST_MEETING, 400, 280,
                   closed="no_shared_interest"),
    EngagementSpec("Siem Reap Hospitality Group", "kh", Stage.FIRST_MEETING, 50, 12,
                   "skills for tourism", "", "employment"),
    EngagementSpec("Golden Rice Millers", "kh", Stage.INTERESTS_ALIGNED, 170, 75),
    EngagementSpec("Kampot Pepper Exporters", "kh", Stage.LANDSCAPE, 110, 110),
    EngagementSpec("Khmer Telecom", "kh", Stage.NEGOTIATION, 450, 28, "digital safety",
                   "trafficking"),
    EngagementSpec("Battambang Cassava Co.", "kh", Stage.LANDSCAPE, 40, 40),
    EngagementSpec("Mekong Logistics Partners", "kh", Stage.LANDSCAPE, 10, 10),
    EngagementSpec("Global Garment Brands Ltd.", "th", Stage.INTERESTS_ALIGNED, 140, 33,
                   "responsible recruitment", AVOID),
    EngagementSpec("Global Garment Brands Ltd.", "kh", Stage.DUE_DILIGENCE, 230, 18,
                   "responsible recruitment", AVOID),
    EngagementSpec("Himalayan Hospitality Group", "np", Stage.AGREEMENT_SIGNED, 480, 40,
                   "fair employment in tourism", "trafficking", "employment", check_in_days=60),
    EngagementSpec("Kathmandu Carpet Weavers", "np", Stage.DUE_DILIGENCE, 220, 65),
    EngagementSpec("Nepal Overseas Manpower Agency", "np", Stage.FIRST_MEETING, 260, 160,
                   "ethical recruitment", "trafficking\nhuman smuggling"),
    EngagementSpec("Valley Brick Industries", "np", Stage.CONCEPT_NOTE, 540, 330,
                   closed="funding"),
    EngagementSpec("Himal Remit", "np", Stage.CONCEPT_NOTE, 280, 44, "safe migration",
                   "trafficking"),
    EngagementSpec("Sherpa Trekking Co.", "np", Stage.LANDSCAPE, 75, 75),
    EngagementSpec("Nepal Tea Estates", "np", Stage.INTERESTS_ALIGNED, 190, 100),
    EngagementSpec("Terai Sugar Mills", "np", Stage.LANDSCAPE, 35, 35),
    EngagementSpec("Gulf Construction Contractors", "np", Stage.NEGOTIATION, 600, 55,
                   "employer pays", "trafficking\nforced labour"),
    EngagementSpec("Kathmandu Digital Payments", "np", Stage.LANDSCAPE, 5, 5),
)  # fmt: skip

STAKEHOLDERS = (
    ("Department of Labour Protection and Welfare", "government", "TH"),
    ("Thai Tuna Industry Association", "industry", "TH"),
    ("Seafood Task Force", "industry", ""),
    ("UNDP Business and Human Rights in Asia", "un", ""),
    ("ILO Country Office for Thailand, Cambodia and Lao PDR", "un", "TH"),
    ("Migrant Workers Rights Network", "ngo", "TH"),
    ("Ministry of Labour and Vocational Training", "government", "KH"),
    ("Textile, Apparel, Footwear and Travel Goods Association in Cambodia", "industry", "KH"),
    ("Department of Foreign Employment", "government", "NP"),
    ("Hotel Association Nepal", "industry", "NP"),
)


def _days_ago(today: dt.date, days: int) -> dt.date:
    return today - dt.timedelta(days=days)


def _scores(**overrides) -> dict[str, int]:
    return {name: 1 for name, _label in DUE_DILIGENCE_CRITERIA} | overrides


def _walk(origin, engagement, spec: EngagementSpec, today: dt.date, people: dict) -> None:
    """Move through every stage up to ``spec.stage``, dates spread from start to last change,
    recording each gate's record on the day it is needed."""
    target = STAGE_ORDER[spec.stage]
    steps = PIPELINE[1 : target + 1]
    start, last = _days_ago(today, spec.started), _days_ago(today, spec.last)
    if spec.closed:
        # Closed on `last`; the stages before it are spread over the time before.
        last = start + (last - start) * 3 / 4 if steps else start
    span = (last - start).days
    for index, stage in enumerate(steps, start=1):
        on = start + dt.timedelta(days=round(span * index / len(steps)))
        if stage == Stage.INTERESTS_ALIGNED:
            services.alignment_record(
                origin=origin,
                engagement=engagement,
                company_priorities=engagement.company.csr_priorities
                or "To be confirmed with the company",
                project_objectives="Reduce workers' vulnerability to exploitation",
                shared_goals=f"{spec.framing or 'Decent work'} in the company's operations",
                project_will_not_do="Audit or report on the company's suppliers",
                recorded_on=on,
            )
        if stage == Stage.DUE_DILIGENCE:
            risky = spec.closed == "due_diligence"
            services.due_diligence_record(
                origin=origin,
                engagement=engagement,
                reviewer=people["pse"],
                reviewed_on=on,
                scores=_scores(litigation=3, reputation_media=2)
                if risky
                else _scores(sector_country_risk=2),
                rating="high" if risky else "medium",
                reasons="Pending labour case against a subsidiary."
                if risky
                else "Sector risk is high; the company's own record is clean.",
                evidence_links="https://example.org/annual-report\nhttps://example.org/news-search",
            )
        if stage == Stage.AGREEMENT_SIGNED:
            _agreement(origin, engagement, on, today)
        services.engagement_move(origin=origin, engagement=engagement, to_stage=stage, on=on)
        engagement.refresh_from_db()
    if spec.closed:
        services.engagement_move(
            origin=origin,
            engagement=engagement,
            to_stage=Stage.CLOSED,
            on=_days_ago(today, spec.last),
            reason=spec.closed,
        )


def _agreement(origin, engagement, signed_on: dt.date, today: dt.date):
    sustained = engagement.company.name.startswith("Pacific")
    ends_on = _days_ago(today, 200) if sustained else signed_on + dt.timedelta(days=730)
    services.agreement_record(
        origin=origin,
        engagement=engagement,
        kind="nda",
        title=f"NDA with {engagement.company.name}",
        signed_on=signed_on - dt.timedelta(days=20),
        nda_restrictions="Supplier names and audit findings may not be shared outside the "
        "project. Aggregate, anonymised learning may be published with the company's consent.",
    )
    agreement = services.agreement_record(
        origin=origin,
        engagement=engagement,
        kind="partnership",
        title=f"Partnership agreement with {engagement.company.name}",
        signed_on=signed_on,
        starts_on=signed_on,
        ends_on=ends_on,
        sustainability_plan="The company keeps the mechanism in its own budget and operations "
        "after the project; the project hands over training material.",
        sustainability_owner=f"{engagement.company.name}, human-resources department",
    )
    for side, kind, what, amount, unit in (
        ("company", "money", "Pilot costs", Decimal("60000"), "USD"),
        ("company", "staff", "Staff time of the CSR team", Decimal("120"), "person-days"),
        ("company", "in_kind", "Training rooms and equipment", Decimal("8000"), "USD"),
        ("project", "money", "Grant to the pilot", Decimal("45000"), "USD"),
        ("project", "staff", "PSE specialist time", Decimal("160"), "person-days"),
    ):
        services.commitment_add(
            origin=origin, agreement=agreement, side=side, kind=kind, description=what,
            amount=amount, unit=unit,
        )  # fmt: skip
    return agreement


def _rate(origin, engagement, on, company: list[int], project: list[int], note=""):
    factors = [name for name, _label in HEALTH_FACTORS]
    ratings = {("company", f): s for f, s in zip(factors, company, strict=True)}
    ratings |= {("project", f): s for f, s in zip(factors, project, strict=True)}
    services.health_check_record(
        origin=origin, engagement=engagement, on=on, ratings=ratings, note=note
    )


def _job_placement(survivor: Survivor, need: Need, provider: Organisation, start: dt.date,
                   role, at_3, at_6, service_type: ServiceType, by: User | None):  # fmt: skip
    """The survivor's job-placement service, answering their assessed livelihood need."""
    episode = ServiceEpisode.objects.create(
        survivor=survivor,
        organisation=survivor.organisation,
        created_by=by,
        service_type=service_type,
        provider=provider,
        need=need,
        started_on=start,
    )
    return JobPlacement.objects.create(
        episode=episode,
        employer=provider.name,
        role=role,
        wage=Decimal("11000") if survivor.organisation.country_code() == "TH" else Decimal("250"),
        wage_currency="THB" if survivor.organisation.country_code() == "TH" else "USD",
        wage_period="month",
        start_date=start,
        employed_at_3_months=at_3,
        employed_at_6_months=at_6,
    )


def _place(origin, opening, project: Organisation, provider_code: str, today, plan, by):
    """Place survivors of the project who have a livelihood need (wanting a job first)."""
    provider = Organisation.objects.filter(code=provider_code).first()
    service_type = ServiceType.objects.filter(code="job_placement").first()
    if provider is None or service_type is None:
        return 0
    # Survivors with an assessed livelihood need, those who said they want a job first.
    needs = (
        Need.objects.filter(
            survivor__organisation__path__startswith=project.path,
            survivor__status=CaseStatus.OPEN,
            category="livelihood",
        )
        .select_related("survivor__organisation")
        .order_by("survivor__opened_on", "id")
    )
    wanting = list(needs.filter(survivor__interests__interest="job_placement").distinct())
    others = list(needs.exclude(pk__in=[n.pk for n in wanting])[: len(plan)])
    chosen, seen = [], set()
    for need in wanting + others:
        if need.survivor_id not in seen:
            chosen.append(need)
            seen.add(need.survivor_id)
    placed = 0
    for need, (days, at_3, at_6) in zip(chosen, plan, strict=False):
        start = max(_days_ago(today, days), need.assessed_on)
        # Retention is known only once 3 (6) months have passed since the start.
        at_3 = at_3 if (today - start).days >= 91 else None
        at_6 = at_6 if (today - start).days >= 183 else None
        job = _job_placement(
            need.survivor, need, provider, start, opening.role, at_3, at_6, service_type, by
        )
        Placement.objects.create(
            organisation=opening.organisation, created_by=by, opening=opening, job_placement=job
        )
        EngagementEvent.objects.create(
            engagement=opening.engagement,
            type=EventType.PLACEMENT_LINKED,
            on=start,
            by=by,
            data={"opening": str(opening.uuid)},
        )
        placed += 1
    return placed


def build_partnerships_demo(*, origin: Origin | None = None, today: dt.date | None = None) -> dict:
    """Write the partnerships demo into a database that holds the demo organisations and users.

    Returns counts by kind. Placement links are written directly (not through
    `placement_link`), so the demo load writes no audit entry naming a survivor.
    """
    origin = origin or Origin.cli("demo")
    today = today or timezone.localdate()
    implementer = Organisation.objects.get(code=IMPLEMENTER)
    projects = {p.code: p for p in Organisation.objects.filter(code__in=["th", "kh", "np"])}
    people = {u.username: u for u in User.objects.filter(username__in=["pse", "manager"])}
    pse = people.get("pse")
    people.setdefault("pse", pse)
    PartnershipSettings.objects.get_or_create(
        organisation=implementer, defaults={"due_diligence_valid_days": 365}
    )

    # The concerns group, with the PSE officer in it (so the restricted page can be tried).
    group, _created = Group.objects.get_or_create(name=CONCERNS_GROUP)
    if pse is not None:
        pse.groups.add(group)

    companies = {}
    for index, spec in enumerate(COMPANIES, start=1):
        companies[spec.name] = services.company_create(
            origin=origin,
            implementer=implementer,
            ref=f"CO-{index:03d}",
            name=spec.name,
            sector=spec.sector,
            ownership=spec.ownership,
            hq_country=spec.hq,
            operating_countries=spec.countries.split(";"),
            size=spec.size,
            supply_chain_position=spec.position,
            has_csr_strategy=spec.csr,
            csr_summary=f"Published strategy: {spec.priorities}." if spec.csr else "",
            csr_priorities=spec.priorities,
            interests=spec.interests,
            is_target=spec.target,
            audit=False,
        )
    services.contact_add(
        origin=origin, company=companies["Andaman Seafood Processing Co., Ltd."],
        name="Khun Pimchanok Rattanaporn", position="Sustainability manager",
        email="pimchanok@andaman-seafood.example", phone="+66 2 555 0142",
    )  # fmt: skip
    services.contact_add(
        origin=origin, company=companies["Mekong Garment Skills Co., Ltd."],
        name="Ms Sokha Vann", position="HR director", email="sokha@mekong-garment.example",
    )  # fmt: skip

    # Funding horizon: fiscal years October to September.
    fiscal = today.year + (1 if today.month >= 10 else 0)
    for code, years in {
        "th": [(fiscal - 1, "confirmed", 90000), (fiscal, "confirmed", 80000),
               (fiscal + 1, "expected", 60000)],
        "kh": [(fiscal - 1, "confirmed", 60000), (fiscal, "confirmed", 55000),
               (fiscal + 1, "expected", 40000)],
        "np": [(fiscal - 1, "confirmed", 40000), (fiscal, "expected", 40000)],
    }.items():  # fmt: skip
        for year, status, amount in years:
            services.funding_year_set(
                origin=origin, country_project=projects[code], fiscal_year=year,
                starts_on=dt.date(year - 1, 10, 1), ends_on=dt.date(year, 9, 30),
                amount=Decimal(amount), currency="USD", status=status,
            )  # fmt: skip

    engagements = {}
    for spec in ENGAGEMENTS:
        started = _days_ago(today, spec.started)
        engagement = services.engagement_start(
            origin=origin,
            company=companies[spec.company],
            country_project=projects[spec.project],
            stream=spec.stream,
            lead=people.get(spec.lead) or pse,
            framing=spec.framing,
            avoided_terms=spec.avoid,
            check_in_days=spec.check_in_days,
            on=started,
        )
        _walk(origin, engagement, spec, today, people)
        engagements[(spec.company, spec.project)] = engagement

    stakeholders = {
        name: services.stakeholder_create(
            origin=origin, implementer=implementer, name=name, kind=kind, country=country
        )
        for name, kind, country in STAKEHOLDERS
    }

    counts = {"placements": 0}
    andaman = engagements[("Andaman Seafood Processing Co., Ltd.", "th")]
    garments = engagements[("Mekong Garment Skills Co., Ltd.", "kh")]
    manager = people.get("manager") or pse

    # Partnership 1 (Thailand): worker voice at sea, and jobs in processing.
    for name, relationship in (
        ("Department of Labour Protection and Welfare", "Joint response protocol"),
        ("Thai Tuna Industry Association", "Scaling to other members"),
        ("Seafood Task Force", "Shares the vessel-connectivity results"),
    ):
        services.stakeholder_link(
            origin=origin, engagement=andaman, stakeholder=stakeholders[name],
            relationship=relationship,
        )  # fmt: skip
    streams = [
        ("Worker voice on vessels", "Connectivity at sea so fishers can reach family and help.",
         [("Pilot connectivity on 10 vessels", 300, 290, "10 vessels equipped; 310 fishers"),
          ("Fishers' feedback survey", 230, 220, "78% used the service weekly"),
          ("Extend to 40 vessels", 100, None, ""), ("Industry learning event", -40, None, "")]),
        ("Response protocol", "What the company does when a worker reports a problem.",
         [("Draft the protocol with the company", 320, 310, "Protocol adopted by the board"),
          ("Train supervisors", 180, 170, "46 supervisors trained"),
          ("Review cases handled", -20, None, "")]),
    ]  # fmt: skip
    for title, description, activities in streams:
        workstream = services.workstream_add(
            origin=origin, engagement=andaman, title=title, description=description
        )
        for name, planned, done, result in activities:
            services.activity_add(
                origin=origin, workstream=workstream, title=name,
                planned_on=_days_ago(today, planned),
                status="implemented" if done is not None else "planned",
                done_on=_days_ago(today, done) if done is not None else None, result=result,
            )  # fmt: skip
    opening = services.opening_add(
        origin=origin, engagement=andaman, role="Seafood processing line worker",
        location="Samut Sakhon", opened_on=_days_ago(today, 330),
        skills="Food hygiene basics; Thai or Burmese", wage=Decimal("11000"),
        wage_currency="THB", wage_period="month", positions=6,
    )  # fmt: skip
    counts["placements"] += _place(
        origin, opening, projects["th"], "th-andaman-seafood", today,
        [(300, True, True), (240, True, True), (210, True, False), (60, None, None)], manager,
    )  # fmt: skip
    for days in (205, 175, 140, 110, 80, 50, 20):
        services.check_in_record(
            origin=origin, engagement=andaman, on=_days_ago(today, days), mode="meeting",
            summary="Monthly review of the connectivity pilot and of new hires.",
        )  # fmt: skip
    _rate(origin, andaman, _days_ago(today, 300), [4, 3, 4, 3, 3, 4, 3], [4, 3, 3, 2, 3, 4, 3])
    _rate(
        origin, andaman, _days_ago(today, 45), [5, 4, 4, 3, 4, 4, 3], [5, 4, 2, 3, 3, 4, 2],
        note="Communication dropped when the company's focal point changed.",
    )  # fmt: skip
    agreement = andaman.agreements.get(kind="partnership")
    for days, level, text, extra in (
        ((today - agreement.signed_on).days, "high",
         "Partnership agreement signed, company funds the pilot", {"agreement": agreement}),
        (120, "medium", "Company and Department of Labour meet on the response protocol",
         {"government_present": True,
          "expected_policy_change": "Provincial guideline on complaints at sea"}),
        (90, "low", "Joint training of supervisors", {}),
        (30, "low", "Industry learning event planned with the association", {}),
    ):  # fmt: skip
        services.action_log(
            origin=origin, engagement=andaman, on=_days_ago(today, days), level=level,
            description=text, **extra,
        )  # fmt: skip
    concern = services.concern_record(
        origin=origin,
        engagement=andaman,
        found_on=_days_ago(today, 70),
        summary="Workers at a sub-contracted peeling shed say a broker charged recruitment "
        "fees and keeps their work permits.",
        nda_allows="The NDA allows reporting to authorities and sharing aggregate findings; "
        "not the supplier's name in publications.",
    )
    services.concern_step_add(
        origin=origin, concern=concern, kind="reported", on=_days_ago(today, 69),
        note="Reported to the country director under the code of conduct.",
    )  # fmt: skip
    services.concern_step_add(
        origin=origin, concern=concern, kind="decision", on=_days_ago(today, 62),
        decided_by="Country director with the company's sustainability manager",
        note="Raise it with the company privately first; refer to the labour inspectorate "
        "if the permits are not returned within two weeks.",
    )  # fmt: skip

    # Partnership 2 (Cambodia): training and jobs for survivors.
    services.stakeholder_link(
        origin=origin, engagement=garments,
        stakeholder=stakeholders["Ministry of Labour and Vocational Training"],
        relationship="Certifies the training",
    )  # fmt: skip
    workstream = services.workstream_add(
        origin=origin, engagement=garments, title="On-the-job training",
        description="Twelve weeks of machine-operator training, then a job offer.",
    )  # fmt: skip
    for name, planned, done, result in (
        ("First cohort (8 trainees)", 110, 100, "7 completed, 6 hired"),
        ("Mentoring by line leaders", 80, 75, "Weekly mentoring in place"),
        ("Second cohort", 20, None, ""),
        ("Wage review with the company", -30, None, ""),
    ):
        services.activity_add(
            origin=origin, workstream=workstream, title=name,
            planned_on=_days_ago(today, planned),
            status="implemented" if done is not None else "planned",
            done_on=_days_ago(today, done) if done is not None else None, result=result,
        )  # fmt: skip
    opening = services.opening_add(
        origin=origin, engagement=garments, role="Sewing machine operator",
        location="Phnom Penh", opened_on=_days_ago(today, 115),
        skills="Completed training; basic numeracy", wage=Decimal("250"), wage_currency="USD",
        wage_period="month", positions=8,
    )  # fmt: skip
    counts["placements"] += _place(
        origin, opening, projects["kh"], "kh-mekong-garment", today,
        [(100, True, None), (100, False, None), (95, True, None)], pse,
    )  # fmt: skip
    for days in (110, 90, 75):
        services.check_in_record(
            origin=origin, engagement=garments, on=_days_ago(today, days), mode="visit",
            summary="Visit to the training floor.",
        )  # fmt: skip
    _rate(origin, garments, _days_ago(today, 70), [4, 4, 3, 2, 3, 4, 3], [4, 3, 3, 2, 2, 3, 3])
    signed = garments.agreements.get(kind="partnership")
    services.action_log(
        origin=origin, engagement=garments, on=signed.signed_on, level="high",
        description="Partnership agreement signed; the company pays trainees' stipends",
        agreement=signed,
    )  # fmt: skip

    # A message drafted in ctip that uses an avoided term (the warning shows on its page).
    services.draft_save(
        origin=origin,
        engagement=engagements[("Asia Fashion Retail", "th")],
        kind="message",
        title="Follow-up after our first meeting",
        body="Dear Ms Tan,\n\nThank you for meeting us. As discussed, our programme works "
        "against human trafficking in the region and would welcome your stores' help in "
        "offering decent work to young women.\n\nKind regards",
    )
    for spec in ENGAGEMENTS:
        if spec.stage == Stage.NEGOTIATION and spec.project == "np":
            services.action_log(
                origin=origin, engagement=engagements[(spec.company, spec.project)],
                on=_days_ago(today, 50), level="low", description="Negotiation meeting",
            )  # fmt: skip
    counts |= {
        "companies": len(companies),
        "engagements": len(engagements),
        "stakeholders": len(stakeholders),
    }
    return counts
