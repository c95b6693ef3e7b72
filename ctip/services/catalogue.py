"""The default service catalogue (DESIGN.md), loaded by migration 0002 and by
`catalogue_ensure_defaults` wherever the catalogue must exist (demo data after a test flush)."""

# DESIGN.md's default catalogue: (code, name, category, counts, what one episode is).
CATALOGUE = [
    (
        "shelter",
        "Shelter",
        "shelter",
        True,
        "One continuous stay in one shelter, from admission to leaving.",
    ),
    (
        "food",
        "Food support",
        "basic_needs",
        True,
        "Regular food support from one provider over a period (not a single parcel).",
    ),
    (
        "medical",
        "Medical care",
        "health",
        True,
        "One course of treatment for one condition with one provider, however many visits.",
    ),
    (
        "psychosocial",
        "Psychosocial support",
        "mental_health",
        True,
        "One course of counselling or therapy with one provider; its sessions are counted inside.",
    ),
    (
        "legal_aid",
        "Legal aid",
        "legal",
        True,
        "Legal representation or advice for one matter (a case, a claim) with one provider.",
    ),
    (
        "education",
        "Education",
        "education",
        True,
        "Enrolment in one school or programme for a term or more.",
    ),
    (
        "skills_training",
        "Skills training",
        "livelihood",
        True,
        "One course of vocational training, from enrolment to completion or drop-out.",
    ),
    (
        "job_placement",
        "Job placement",
        "livelihood",
        True,
        "One placement with one employer, from the start date.",
    ),
    (
        "business_support",
        "Business support",
        "livelihood",
        True,
        "Support to start or grow one business: grant, coaching, microfinance referral.",
    ),
    (
        "family_counselling",
        "Family counselling",
        "family",
        True,
        "One course of family counselling or mediation with one provider.",
    ),
    (
        "documentation",
        "Documentation",
        "legal",
        True,
        "Obtaining one document or set of documents (ID, passport, work permit).",
    ),
    (
        "repatriation",
        "Repatriation",
        "return",
        True,
        "One journey home, from departure to hand-over at the destination.",
    ),
    (
        "transport",
        "Transport",
        "one_off",
        False,
        "A single trip or ticket. Recorded, never counted as a service.",
    ),
    (
        "one_off_support",
        "One-off support",
        "one_off",
        False,
        "A single item or payment (a food parcel, a phone card). Recorded, never counted.",
    ),
]


def catalogue_ensure_defaults(service_type_model) -> None:
    """Create the default types that are missing; never changes what an administrator edited."""
    for position, (code, name, category, counts, help_text) in enumerate(CATALOGUE):
        service_type_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "counts_as_service": counts,
                "episode_help": help_text,
                "position": position,
            },
        )
