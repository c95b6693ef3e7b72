"""The appraisal tools as data: MMAT 2018 and the CASP qualitative checklist.

MMAT: Hong QN, Pluye P, Fàbregues S, et al. Mixed Methods Appraisal Tool (MMAT), version 2018.
User guide. Registration of Copyright (#1148552), Canadian Intellectual Property Office. Two
screening questions for every study, then the five criteria of the study's design category.
A mixed methods study is appraised with the criteria of its qualitative component (1.x), of its
quantitative component (2.x, 3.x or 4.x, whichever fits) and of mixed methods (5.x), as the user
guide asks. Every criterion is answered yes, no or can't tell; the guide discourages an overall
score, and ctip stores none.

CASP: Critical Appraisal Skills Programme (2018). CASP Qualitative Checklist, ten questions.
The tenth ("How valuable is the research?") has no yes/no answer in CASP; ctip records it on the
same scale (yes: valuable for the question at hand) and the reason holds the reviewer's answer.

Criterion codes are stored with each answer ("S1", "1.3", "CASP4"); they never change.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ctip.evidence.models import Design, Tool


@dataclass(frozen=True)
class Criterion:
    code: str
    text: str
    group: str  # the heading it is shown under


SCREENING = _("Screening questions (for all types)")
MMAT_SCREENING = (
    Criterion("S1", _("Are there clear research questions?"), SCREENING),
    Criterion("S2", _("Do the collected data allow to address the research questions?"), SCREENING),
)

QUALITATIVE = _("1. Qualitative")
RANDOMISED = _("2. Quantitative randomized controlled trials")
NON_RANDOMISED = _("3. Quantitative non-randomized")
DESCRIPTIVE = _("4. Quantitative descriptive")
MIXED = _("5. Mixed methods")

MMAT_CATEGORIES: dict[str, tuple[Criterion, ...]] = {
    Design.QUALITATIVE: (
        Criterion(
            "1.1",
            _("Is the qualitative approach appropriate to answer the research question?"),
            QUALITATIVE,
        ),
        Criterion(
            "1.2",
            _(
                "Are the qualitative data collection methods adequate to address the research "
                "question?"
            ),
            QUALITATIVE,
        ),
        Criterion("1.3", _("Are the findings adequately derived from the data?"), QUALITATIVE),
        Criterion(
            "1.4",
            _("Is the interpretation of results sufficiently substantiated by data?"),
            QUALITATIVE,
        ),
        Criterion(
            "1.5",
            _(
                "Is there coherence between qualitative data sources, collection, analysis and "
                "interpretation?"
            ),
            QUALITATIVE,
        ),
    ),
    Design.RANDOMISED: (
        Criterion("2.1", _("Is randomization appropriately performed?"), RANDOMISED),
        Criterion("2.2", _("Are the groups comparable at baseline?"), RANDOMISED),
        Criterion("2.3", _("Are there complete outcome data?"), RANDOMISED),
        Criterion(
            "2.4", _("Are outcome assessors blinded to the intervention provided?"), RANDOMISED
        ),
        Criterion(
            "2.5", _("Did the participants adhere to the assigned intervention?"), RANDOMISED
        ),
    ),
    Design.NON_RANDOMISED: (
        Criterion(
            "3.1",
            _("Are the participants representative of the target population?"),
            NON_RANDOMISED,
        ),
        Criterion(
            "3.2",
            _(
                "Are measurements appropriate regarding both the outcome and intervention (or "
                "exposure)?"
            ),
            NON_RANDOMISED,
        ),
        Criterion("3.3", _("Are there complete outcome data?"), NON_RANDOMISED),
        Criterion(
            "3.4",
            _("Are the confounders accounted for in the design and analysis?"),
            NON_RANDOMISED,
        ),
        Criterion(
            "3.5",
            _(
                "During the study period, is the intervention administered (or exposure occurred) "
                "as intended?"
            ),
            NON_RANDOMISED,
        ),
    ),
    Design.DESCRIPTIVE: (
        Criterion(
            "4.1",
            _("Is the sampling strategy relevant to address the research question?"),
            DESCRIPTIVE,
        ),
        Criterion("4.2", _("Is the sample representative of the target population?"), DESCRIPTIVE),
        Criterion("4.3", _("Are the measurements appropriate?"), DESCRIPTIVE),
        Criterion("4.4", _("Is the risk of nonresponse bias low?"), DESCRIPTIVE),
        Criterion(
            "4.5",
            _("Is the statistical analysis appropriate to answer the research question?"),
            DESCRIPTIVE,
        ),
    ),
    Design.MIXED: (
        Criterion(
            "5.1",
            _(
                "Is there an adequate rationale for using a mixed methods design to address the "
                "research question?"
            ),
            MIXED,
        ),
        Criterion(
            "5.2",
            _(
                "Are the different components of the study effectively integrated to answer the "
                "research question?"
            ),
            MIXED,
        ),
        Criterion(
            "5.3",
            _(
                "Are the outputs of the integration of qualitative and quantitative components "
                "adequately interpreted?"
            ),
            MIXED,
        ),
        Criterion(
            "5.4",
            _(
                "Are divergences and inconsistencies between quantitative and qualitative results "
                "adequately addressed?"
            ),
            MIXED,
        ),
        Criterion(
            "5.5",
            _(
                "Do the different components of the study adhere to the quality criteria of each "
                "tradition of the methods involved?"
            ),
            MIXED,
        ),
    ),
}

#: The categories a mixed methods study's quantitative component may be appraised as.
QUANTITATIVE_COMPONENTS = (Design.RANDOMISED, Design.NON_RANDOMISED, Design.DESCRIPTIVE)
#: The designs MMAT appraises (a review or a legal analysis is not an empirical study).
MMAT_DESIGNS = tuple(MMAT_CATEGORIES)

CASP_GROUP = _("CASP qualitative checklist")
CASP_QUALITATIVE = (
    Criterion("CASP1", _("Was there a clear statement of the aims of the research?"), CASP_GROUP),
    Criterion("CASP2", _("Is a qualitative methodology appropriate?"), CASP_GROUP),
    Criterion(
        "CASP3",
        _("Was the research design appropriate to address the aims of the research?"),
        CASP_GROUP,
    ),
    Criterion(
        "CASP4",
        _("Was the recruitment strategy appropriate to the aims of the research?"),
        CASP_GROUP,
    ),
    Criterion(
        "CASP5", _("Was the data collected in a way that addressed the research issue?"), CASP_GROUP
    ),
    Criterion(
        "CASP6",
        _("Has the relationship between researcher and participants been adequately considered?"),
        CASP_GROUP,
    ),
    Criterion("CASP7", _("Have ethical issues been taken into consideration?"), CASP_GROUP),
    Criterion("CASP8", _("Was the data analysis sufficiently rigorous?"), CASP_GROUP),
    Criterion("CASP9", _("Is there a clear statement of findings?"), CASP_GROUP),
    Criterion("CASP10", _("How valuable is the research?"), CASP_GROUP),
)

ALL_CRITERIA: dict[str, Criterion] = {
    c.code: c
    for c in (*MMAT_SCREENING, *CASP_QUALITATIVE)
    + tuple(c for group in MMAT_CATEGORIES.values() for c in group)
}


class CriteriaError(ValueError):
    """The tool, design and component do not name a set of criteria."""


def criteria_for(tool: str, design: str = "", quantitative_component: str = "") -> list[Criterion]:
    """The criteria an appraisal with this tool of this design answers, in order."""
    if tool == Tool.CASP:
        return list(CASP_QUALITATIVE)
    if tool != Tool.MMAT:
        raise CriteriaError(_("Choose MMAT 2018 or the CASP qualitative checklist."))
    if design not in MMAT_CATEGORIES:
        raise CriteriaError(
            _("MMAT appraises qualitative, quantitative and mixed methods studies only.")
        )
    criteria = list(MMAT_SCREENING)
    if design == Design.MIXED:
        if quantitative_component not in QUANTITATIVE_COMPONENTS:
            raise CriteriaError(
                _(
                    "A mixed methods study is appraised with its quantitative component's "
                    "criteria too: choose randomised, non-randomised or descriptive."
                )
            )
        criteria += MMAT_CATEGORIES[Design.QUALITATIVE]
        criteria += MMAT_CATEGORIES[quantitative_component]
    criteria += MMAT_CATEGORIES[design]
    return criteria
