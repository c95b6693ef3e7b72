"""Demo data for the learning capability (issue 7), added by `build_demo` after the evidence
library: domains of change for the Thai and Cambodian projects, twenty stories from survivors,
staff, partners, companies and community members told in seven languages, partner panels and the
Thai country panel choosing among them (two levels of selection, with reasons at each), the
choice told back to some tellers and some stories verified, two pause-and-reflect sessions with
decisions and actions (done on time, done late, still open), learning questions linked to
studies, stories, sessions and evaluations, and four evaluations, one of them due soon.

Everything goes through the services, so the demo obeys the same rules as the pages. Dates are
relative to today: the stories fall in the last complete quarter (and a few around it), the
panels sit in the weeks after it. The stories are invented.
"""

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from ctip.cases.models import Survivor
from ctip.core.audit import Origin
from ctip.evidence.models import Study
from ctip.feedback.selectors import counted_feedback, theme_counts
from ctip.indicators.engine import compute as indicator_compute
from ctip.indicators.periods import Period
from ctip.indicators.registry import REGISTRY
from ctip.learning import services
from ctip.learning.models import Domain, Story
from ctip.learning.selectors import round_candidates

SEED_OFFSET = 707_7

TH_DOMAINS = (
    ("Income and decent work", "Work, wages, debt, skills: changes in how people earn a living."),
    ("Safety and freedom", "Freedom from exploitation, control over documents, safer migration."),
    ("Family and community", "Relationships with family, return, acceptance in the community."),
)
KH_DOMAINS = (
    ("Income and decent work", "Work, wages, debt, skills: changes in how people earn a living."),
    ("Government protection", "Provincial and national services taking over protection work."),
)

# (partner, domain index or "open", teller type, language, title, story, why it matters,
#  consent scope or "" for no consent, days into the quarter (negative: before it))
STORIES = (
    (
        "th-amrf",
        0,
        "survivor",
        "my",
        "Paid in full for the first time",
        "After the boat I worked in a seafood shed in Samut Sakhon. The project helped me ask "
        "for a "
        "payslip. Since March the employer pays by bank transfer and the full amount arrives.",
        "I can send money home every month and I know nobody takes a part.",
        "reports",
        12,
    ),
    (
        "th-amrf",
        1,
        "survivor",
        "my",
        "My passport is in my own bag",
        "The broker kept our passports. The legal clinic wrote to the company, and after two weeks "
        "the manager gave all twelve passports back in front of us.",
        "Now I can go home when I want. Before, I could not even go to the hospital.",
        "public",
        20,
    ),
    (
        "th-amrf",
        1,
        "staff",
        "th",
        "Workers call us before they sign",
        "Three fishers phoned our hotline before signing a contract with a new broker, to ask if "
        "the fee was legal. Two years ago nobody called before, only after.",
        "It means our outreach is known and trusted in the port.",
        "reports",
        -70,
    ),
    (
        "th-amrf",
        0,
        "company",
        "en",
        "The processor changed its recruitment",
        "Andaman Seafood stopped using the two brokers that charged fees and now recruits through "
        "the licensed agency, paying the costs itself (employer-pays principle).",
        "For the company it removed a risk its buyers in Europe were asking about.",
        "reports",
        41,
    ),
    (
        "th-amrf",
        2,
        "survivor",
        "km",
        "My mother lets me stay",
        "When I came back from the boat my mother was ashamed. The social worker visited three "
        "times and explained. Now I live at home and help on the farm.",
        "I have a place to sleep and my little sister talks to me again.",
        "internal",
        47,
    ),
    (
        "th-amrf",
        "open",
        "community",
        "my",
        "The monastery teaches Thai",
        "The abbot in Ranong opened evening Thai classes for migrant workers after the project "
        "talked about isolation at a community meeting.",
        "We can read signs and talk to the police ourselves.",
        "reports",
        55,
    ),
    (
        "th-amrf",
        0,
        "survivor",
        "lo",
        "A sewing machine of my own",
        "I chose tailoring, not the factory job. With the small grant I bought a machine and now I "
        "sew school uniforms for the village.",
        "I work near my child and nobody shouts at me.",
        "public",
        62,
    ),
    (
        "th-cmws",
        2,
        "survivor",
        "th",
        "Back in school",
        "I left the karaoke bar and the shelter helped me go back to school in Chiang Mai. I am in "
        "grade 10 now.",
        "I want to be a nurse. Before, I thought my life was finished.",
        "public",
        15,
    ),
    (
        "th-cmws",
        1,
        "partner",
        "th",
        "Police now call the shelter first",
        "The anti-trafficking police in Chiang Mai now phone the shelter before they interview a "
        "girl, so a social worker is there.",
        "Girls tell more and are less afraid; cases are stronger.",
        "reports",
        28,
    ),
    (
        "th-cmws",
        2,
        "staff",
        "th",
        "Families come to the shelter",
        "We started family days once a month. Eleven families came in the last quarter, some "
        "from Laos.",
        "Reintegration starts before the girl leaves the shelter.",
        "reports",
        -160,
    ),
    (
        "th-cmws",
        0,
        "survivor",
        "lo",
        "Working at the hotel",
        "I work in the laundry of a hotel that the project trained. The manager knows my story and "
        "protects my privacy.",
        "I have a contract and social security.",
        "",
        70,
    ),
    (
        "th-msbc",
        1,
        "survivor",
        "bn",
        "Out of the compound",
        "I was forced to work in an online scam compound across the border. The centre in Mae Sot "
        "received me and helped me call my family in Dhaka.",
        "I am alive and my family knows where I am.",
        "internal",
        18,
    ),
    (
        "th-msbc",
        1,
        "staff",
        "en",
        "Screening at the checkpoint",
        "At the reception point we now screen everyone who comes back from the compounds, with the "
        "questionnaire, before immigration processes them.",
        "Fewer victims are treated as illegal migrants and deported.",
        "reports",
        38,
    ),
    (
        "th-msbc",
        "open",
        "community",
        "ne",
        "Nepali workers warn each other",
        "Nepali workers in Mae Sot made a chat group that shares which job offers are scams.",
        "They protect each other without waiting for anyone.",
        "reports",
        75,
    ),
    (
        "kh-ppsc",
        0,
        "survivor",
        "km",
        "My own small shop",
        "After the shelter I opened a small grocery shop near the market with the business "
        "support. I pay back the loan every week.",
        "My children eat three times a day.",
        "public",
        22,
    ),
    (
        "kh-ppsc",
        1,
        "staff",
        "km",
        "The province runs the shelter",
        "The provincial social affairs department took over the night staff of the shelter and "
        "pays two social workers.",
        "The shelter will stay when the project ends.",
        "reports",
        44,
    ),
    (
        "kh-brs",
        0,
        "survivor",
        "km",
        "Rice harvest without debt",
        "I came back from Thailand with debt. The project helped me rent land with my brother and "
        "we sold the first harvest.",
        "We do not need to migrate this year.",
        "reports",
        30,
    ),
    (
        "kh-brs",
        "open",
        "community",
        "km",
        "Village chief checks recruiters",
        "The village chief now asks every recruiter to show a licence before meeting families.",
        "Families feel they can say no.",
        "reports",
        58,
    ),
    # Around the quarter: before it (for the trend) and after it (the next panels' material).
    (
        "th-amrf",
        0,
        "staff",
        "th",
        "Fishers join the union",
        "Forty fishers joined the migrant fishers' union after the legal aid days.",
        "They negotiate together now.",
        "reports",
        -40,
    ),
    (
        "kh-ppsc",
        1,
        "partner",
        "km",
        "Hotline answered at night",
        "The national hotline now has a night shift in Khmer.",
        "Calls at night are not lost.",
        "reports",
        110,
    ),
)


def _origin(user) -> Origin:
    return Origin(user=user, source="cli: demo")


def _domains(origin: Origin, programme, specs) -> list[Domain]:
    created = [
        services.domain_create(
            origin=origin, programme=programme, name=name, description=text, position=i
        )
        for i, (name, text) in enumerate(specs, start=1)
    ]
    return [*created, Domain.objects.get(organisation=programme, is_open=True)]


def _panel(origin, org, name, window, held_on, method, panel, picks, rng):
    """A round that chooses per domain: ``picks`` maps a domain id to (story, reasons); with a
    vote or score the chosen story gets the top tally and the others less."""
    selection_round = services.round_create(
        origin=origin,
        organisation=org,
        name=name,
        period_start=window[0],
        period_end=window[1],
        held_on=held_on,
        panel=panel,
        method=method,
    )
    if method != "consensus":
        candidates = list(round_candidates(selection_round))
        top = Decimal(7 if method == "vote" else 24)
        chosen = {story.pk for story, _reasons in picks.values()}
        values = {
            story.pk: top if story.pk in chosen else Decimal(rng.randint(1, int(top) - 2))
            for story in candidates
        }
        services.round_tally_set(origin=origin, selection_round=selection_round, values=values)
    choices = [
        services.round_choose(
            origin=origin, selection_round=selection_round, story=story, reasons=reasons
        )
        for story, reasons in picks.values()
    ]
    return selection_round, choices


def build_learning_demo(*, orgs, users, seed, origin) -> None:
    rng = random.Random(seed + SEED_OFFSET)  # noqa: S311 (reproducible demo data)
    today = timezone.localdate()
    quarter = Period.last_complete("quarter", today)
    manager, me = users["manager"], users["meofficer"]
    thai = _origin(me)
    system = origin

    # --- domains -------------------------------------------------------------------------
    domains = {
        "th": _domains(_origin(manager), orgs["th"], TH_DOMAINS),
        "kh": _domains(system, orgs["kh"], KH_DOMAINS),
    }

    # --- stories -------------------------------------------------------------------------
    collectors = {
        "th-amrf": users["caseworker"],
        "th-cmws": users["caseworker2"],
        "th-msbc": users.get("th-msbc-cw1"),
        "kh-ppsc": users.get("kh-ppsc-cw1"),
        "kh-brs": users.get("kh-brs-cw1"),
    }
    linked = (
        Survivor.objects.filter(organisation=orgs["th-amrf"], nationality="MM")
        .order_by("id")
        .only("code")
        .first()
    )
    stories: list[Story] = []
    for index, spec in enumerate(STORIES):
        partner, domain_key, teller, language, title, text, why, scope, day = spec
        programme = partner[:2]
        domain = domains[programme][-1 if domain_key == "open" else domain_key]
        collector = collectors[partner]
        survivor_code = linked.code if (index == 0 and linked) else ""
        stories.append(
            services.story_record(
                origin=_origin(collector),
                organisation=orgs[partner],
                domain=domain,
                teller_type=teller,
                language=language,
                title=title,
                text=text,
                why_it_matters=why,
                collected_on=min(quarter.start + dt.timedelta(days=day), today),
                consent_given=bool(scope),
                consent_scope=scope,
                teller_name="Ko Min Thu" if index == 0 else "",
                survivor_code=survivor_code,
            )
        )
    s = stories
    th_income, th_safety, th_family, th_open = (d.pk for d in domains["th"])
    kh_income, kh_gov, kh_open = (d.pk for d in domains["kh"])

    # --- partner panels (level 1) --------------------------------------------------------
    window = (quarter.start, quarter.end)
    held = min(quarter.end + dt.timedelta(days=12), today)
    amrf, amrf_choices = _panel(
        thai, orgs["th-amrf"], f"AMRF panel {quarter.label}", window, held, "consensus",
        "Director, two outreach workers, a fishers' union representative, a survivor volunteer",
        {
            th_income: (s[0], "Wages paid in full by transfer: the change the whole shed feels, "
                              "not one person. The payslip habit can spread to other sheds."),
            th_safety: (s[1], "Passports returned to twelve workers at once: freedom of movement "
                              "restored, and the company did it openly."),
            th_family: (s[4], "Acceptance at home is what keeps a returnee from migrating again."),
            th_open: (s[5], "A community institution acting on its own: nobody paid the temple."),
        },
        rng,
    )  # fmt: skip
    cmws, cmws_choices = _panel(
        thai, orgs["th-cmws"], f"CMWS panel {quarter.label}", window,
        min(held + dt.timedelta(days=2), today), "vote",
        "Shelter manager, two social workers, a board member, two residents",
        {
            th_family: (s[7], "Five of seven votes: back in school at 17 shows a future, not "
                              "only an escape."),
            th_safety: (s[8], "Police practice changed for every girl, not only one case."),
            th_income: (s[10], "The only income story this quarter; a hotel that protects "
                               "privacy is rare."),
        },
        rng,
    )  # fmt: skip
    msbc, msbc_choices = _panel(
        thai, orgs["th-msbc"], f"MSBC panel {quarter.label}", window,
        min(held + dt.timedelta(days=3), today), "score",
        "Coordinator, checkpoint team leader, interpreter (Bengali), a returnee",
        {
            th_safety: (s[12], "Highest score (24 of 25): screening before immigration changes "
                               "what happens to every person coming out of the compounds."),
            th_open: (s[13], "Migrants organising their own warnings is the change we want."),
        },
        rng,
    )  # fmt: skip
    kh_held = min(quarter.end + dt.timedelta(days=14), today)
    ppsc, ppsc_choices = _panel(
        system, orgs["kh-ppsc"], f"PPSC panel {quarter.label}", window, kh_held, "consensus",
        "Director, case workers, a survivor advisory group member",
        {
            kh_income: (s[14], "A shop that feeds the children: income she controls herself."),
            kh_gov: (s[15], "The province paying staff is the sustainability we aimed for."),
        },
        rng,
    )  # fmt: skip
    brs, brs_choices = _panel(
        system, orgs["kh-brs"], f"BRS panel {quarter.label}", window, kh_held, "consensus",
        "Field office team, commune council member",
        {
            kh_income: (s[16], "Debt paid from the harvest: the family did not need to migrate."),
            kh_open: (s[17], "A village chief screening recruiters protects the whole village."),
        },
        rng,
    )  # fmt: skip
    for selection_round in (amrf, cmws, msbc, ppsc, brs):
        services.round_close(origin=thai, selection_round=selection_round)

    # --- the Thai country panel (level 2) ------------------------------------------------
    country_held = min(quarter.end + dt.timedelta(days=30), today)
    country, country_choices = _panel(
        _origin(manager), orgs["th"], f"Thailand country panel {quarter.label}",
        (quarter.end, country_held), country_held, "consensus",
        "Country director, M&E officer, three partner directors, a survivor advisory member",
        {
            th_income: (s[0], "Chosen over the hotel job because it changed practice for a "
                              "whole workplace and can be taken to other processors."),
            th_safety: (s[12], "Screening before immigration is the identification the "
                               "programme exists for; we will ask the province to adopt it."),
            th_family: (s[7], "Education as prevention: the strongest story of a future."),
            th_open: (s[13], "Self-organised warning networks: worth learning how to support "
                             "them without taking them over."),
        },
        rng,
    )  # fmt: skip
    services.round_close(origin=_origin(manager), selection_round=country)
    # The Cambodian country panel is still deciding (its candidates are the partners' choices).
    services.round_create(
        origin=system,
        organisation=orgs["kh"],
        name=f"Cambodia country panel {quarter.label}",
        period_start=quarter.end,
        period_end=today,
        held_on=today,
        panel="Country coordinator, partner directors",
        method="score",
    )

    # --- feedback to tellers and verification --------------------------------------------
    told = dt.timedelta(days=5)
    for choice, method, note in (
        (amrf_choices[0], "in_person", "He laughed and asked us to tell the other sheds."),
        (cmws_choices[0], "in_person", "She asked if her name would appear; it will not."),
        (country_choices[0], "phone", "He was surprised the country team read it."),
        (ppsc_choices[0], "group", ""),
    ):
        services.choice_feedback_record(
            origin=_origin(collectors.get(choice.story.organisation.code) or me),
            choice=choice,
            fed_back_on=min(choice.round.held_on + told, today),
            method=method,
            note=note,
        )
    services.story_verify(
        origin=thai, story=s[0], verified_on=min(held + told, today), result="confirmed",
        findings="Saw three payslips and the bank transfers; the shed supervisor confirmed.",
    )  # fmt: skip
    services.story_verify(
        origin=thai, story=s[12], verified_on=min(country_held, today), result="partly",
        findings="Screening happens on weekdays; at weekends immigration processes people alone.",
    )  # fmt: skip

    # --- evaluations ---------------------------------------------------------------------
    midterm = services.evaluation_create(
        origin=_origin(manager), programme=orgs["th"], title="Thailand mid-term process evaluation",
        kind="process", independence="internal", evaluator="Programme M&E team",
        planned_start=quarter.start - dt.timedelta(days=120),
        planned_end=quarter.start - dt.timedelta(days=60),
        actual_start=quarter.start - dt.timedelta(days=110),
        actual_end=quarter.start - dt.timedelta(days=45),
        budget=Decimal("12000"), currency="USD", status="completed",
        findings="Referrals are sent but rarely followed to the service; partners run their own "
                 "shelters beside government ones; follow-up stops after six months.",
        management_response="Agreed: closed-loop referrals from next quarter; follow-up "
                            "schedule extended to 36 months; talks with the provincial office.",
    )  # fmt: skip
    outcome = services.evaluation_create(
        origin=_origin(manager), programme=orgs["th"],
        title="Independent outcome evaluation: reintegration and livelihoods",
        kind="outcome", independence="independent", evaluator="to be commissioned",
        planned_start=today + dt.timedelta(days=21), planned_end=today + dt.timedelta(days=140),
        budget=Decimal("45000"), currency="USD", status="commissioned",
    )  # fmt: skip
    kh_process = services.evaluation_create(
        origin=system, programme=orgs["kh"], title="Cambodia shelter hand-over process review",
        kind="process", independence="internal", evaluator="Country M&E officer",
        planned_start=today - dt.timedelta(days=40), planned_end=today + dt.timedelta(days=30),
        actual_start=today - dt.timedelta(days=35), budget=Decimal("30000000"), currency="KHR",
        status="in_progress",
    )  # fmt: skip
    services.evaluation_create(
        origin=system, programme=orgs["mekong"], title="Final independent programme evaluation",
        kind="outcome", independence="independent",
        planned_start=today + dt.timedelta(days=330), planned_end=today + dt.timedelta(days=450),
        budget=Decimal("120000"), currency="USD", status="planned",
    )  # fmt: skip

    # --- pause and reflect ---------------------------------------------------------------
    first_held = quarter.start - dt.timedelta(days=10)
    first = services.session_create(
        origin=_origin(manager), organisation=orgs["th"],
        title="Pause and reflect: mid-term evaluation and follow-up",
        held_on=first_held,
        participants="Country director; M&E officer; AMRF, CMWS and MSBC directors; "
                     "two case workers; survivor advisory member",
    )  # fmt: skip
    services.session_link(origin=_origin(manager), session=first, evaluations=[midterm])
    previous = quarter.previous()
    for code in ("FUP-1", "REF-1", "SRV-1"):
        indicator = REGISTRY.get(code)
        if indicator is None:
            continue
        result = indicator_compute(indicator, orgs["th"], previous)
        services.session_add_indicator(
            origin=_origin(manager), session=first, code=code, name=str(indicator.name),
            unit=str(indicator.unit), period_label=previous.label, scope_code="th",
            value=result.value if isinstance(result.value, int | float) else None,
            numerator=result.numerator, denominator=result.denominator,
        )  # fmt: skip
    counts = theme_counts(counted_feedback(orgs["th"].path, previous.start, previous.end))
    for theme in ("shelter", "livelihood"):
        services.session_add_theme(origin=_origin(manager), session=first, theme=theme,
                                   period_label=previous.label,
                                   count=counts.get(theme, 0))  # fmt: skip
    services.session_update(
        origin=_origin(manager), session=first, title=first.title,
        participants=first.participants,
        conclusions="Follow-up on time is low because contact is lost when people move; "
                    "feedback about shelter food keeps coming; referrals are not followed up.",
    )  # fmt: skip
    change = services.decision_record(
        origin=_origin(manager), session=first, kind="change",
        text="Follow-up: collect two contact routes at intake and call a relative when the "
             "survivor's phone fails.",
    )  # fmt: skip
    shelter = services.decision_record(
        origin=_origin(manager), session=first, kind="change",
        text="Shelter food: the residents' committee plans the menu with the cook.",
    )  # fmt: skip
    services.decision_record(
        origin=_origin(manager), session=first, kind="no_change",
        text="Livelihood options stay as they are until the outcome evaluation reports.",
    )  # fmt: skip
    start = quarter.start
    first_actions = (
        ("Add a second contact route to the intake form and train case workers.", me, change,
         start + dt.timedelta(days=20), start + dt.timedelta(days=15)),
        ("Brief partner directors on the two-route rule.", manager, change,
         start + dt.timedelta(days=30), start + dt.timedelta(days=30)),
        ("Set up the residents' menu committee at CMWS.", users["caseworker2"], shelter,
         start + dt.timedelta(days=45), start + dt.timedelta(days=40)),
        ("Report follow-up contact rates by route to the next session.", me, change,
         start + dt.timedelta(days=60), start + dt.timedelta(days=78)),  # late
        ("Agree a referral follow-up checklist with the provincial office.", manager, change,
         start + dt.timedelta(days=80), None),  # still open, overdue
    )  # fmt: skip
    for description, owner, decision, due_on, done_on in first_actions:
        action = services.action_add(origin=_origin(manager), session=first,
                                     description=description, owner=owner, due_on=due_on,
                                     decision=decision)  # fmt: skip
        if done_on is not None:
            services.action_update(origin=_origin(owner), action=action, status="done",
                                   done_on=min(done_on, today))  # fmt: skip
        elif due_on < today:
            services.action_update(origin=_origin(owner), action=action, status="in_progress",
                                   progress_note="Draft sent; no answer yet.")  # fmt: skip
    services.session_link(origin=_origin(manager), session=first, stories=[s[18]])
    services.session_close(origin=_origin(manager), session=first)

    second = services.session_create(
        origin=_origin(me), organisation=orgs["th"],
        title=f"Pause and reflect: the stories of {quarter.label}",
        held_on=min(country_held + dt.timedelta(days=7), today),
        participants="Country director; M&E officer; partner directors; AMRF outreach team",
    )  # fmt: skip
    services.session_link(origin=_origin(me), session=second,
                          stories=[c.story for c in country_choices],
                          evaluations=[outcome])  # fmt: skip
    services.decision_record(
        origin=_origin(me), session=second, kind="change",
        text="Take the payslip-and-transfer practice to two more processors with the "
             "private-sector team.",
    )  # fmt: skip
    for description, owner, days in (
        ("Share the AMRF payslip story with the PSE officer and two processors.", manager, 20),
        ("Ask the provincial office to extend checkpoint screening to weekends.", me, 45),
    ):
        services.action_add(origin=_origin(me), session=second, description=description,
                            owner=owner, due_on=today + dt.timedelta(days=days))  # fmt: skip

    # --- the learning agenda -------------------------------------------------------------
    library = Study.objects.filter(organisation__path__startswith=orgs["mekong"].path)
    company_studies = list(
        library.filter(
            Q(title__icontains="compan") | Q(title__icontains="supply")
            | Q(interventions__icontains="private") | Q(interventions__icontains="supply")
        ).order_by("id")[:4]
    )  # fmt: skip
    livelihood_studies = list(
        library.filter(Q(title__icontains="livelihood") | Q(interventions__icontains="livelihood")
                       | Q(interventions__icontains="economic")).order_by("id")[:3]
    )  # fmt: skip
    identification_studies = list(
        library.filter(
            Q(title__icontains="identif") | Q(interventions__icontains="identif")
        ).order_by("id")[:3]
    )
    questions = (
        (orgs["th"], "Does co-creation with companies lead to industry-wide change?",
         "Partnerships take one to two years; we need to know whether changes at one company "
         "spread to its sector.", {"studies": company_studies, "stories": [s[0], s[3]],
                                   "sessions": [second], "evaluations": [outcome]}),
        (orgs["th"], "Do survivors who choose their own livelihood stay in work longer?",
         "Two of a hundred wanted the job placements on offer.",
         {"studies": livelihood_studies, "stories": [s[6], s[10]], "sessions": [first],
          "evaluations": [midterm, outcome]}),
        (orgs["kh"], "Does handing shelters over to the provincial government keep their quality?",
         "Projects run a parallel protection system; hand-over is the way out of it.",
         {"stories": [s[15]], "evaluations": [kh_process]}),
        (orgs["mekong"], "Which identification practices lead to referral rather than "
         "deportation?", "The learning papers ask for identification that protects.",
         {"stories": [s[12], s[1]], "studies": identification_studies}),
    )  # fmt: skip
    for programme, text, why, links in questions:
        question = services.question_create(origin=system, programme=programme, text=text, why=why)
        for kind, items in links.items():
            if items:
                services.question_link(origin=system, question=question, kind=kind, items=items)
