"""The screening rule: one pure, deterministic function, documented here, on the pages and in
docs/screening.md (same table).

Dimensions (ILO 2012, "Hard to see, harder to count": unfree recruitment, work and life under
duress, impossibility of leaving the employer, menace of penalty). Each item of the
questionnaire asks about one ILO indicator and carries ILO's classification of it, strong or
medium. A dimension is **positive** when the person answers "yes" to at least one strong item
of it, or to at least two medium items of it. "No", "unsure" and unanswered count as no.

Elements of trafficking (UN Trafficking in Persons Protocol, art. 3):

| element | present when |
|---|---|
| act (recruitment, transport, harbouring …) | "yes" to any item marked ``act`` |
| means (threat, force, deception, debt …) | recruitment or penalty is positive |
| purpose (exploitation) | duress or leaving is positive |

The screen **suggests a referral for formal identification** when:

- adult (18 or older): act and means and purpose;
- child (under 18, or age not sure: a person whose age is uncertain is treated as a child,
  as the UNICEF guidelines on child protection ask): act and purpose; means is not needed.

The result is never a legal finding: it is worded "refer for formal identification" and says
that formal identification is done by the competent authority.
"""

from dataclasses import dataclass, field

from ctip.screening.questionnaire import DIMENSIONS, Structure, structure

STRONG_NEEDED = 1
MEDIUM_NEEDED = 2


@dataclass(frozen=True)
class DimensionResult:
    strong: int
    medium: int
    positive: bool


@dataclass(frozen=True)
class ScreenResult:
    child: bool
    dimensions: dict[str, DimensionResult] = field(default_factory=dict)
    act: bool = False
    means: bool = False
    purpose: bool = False
    suggests_referral: bool = False

    @property
    def positive_dimensions(self) -> list[str]:
        return [name for name in DIMENSIONS if self.dimensions[name].positive]

    @property
    def any_positive(self) -> bool:
        return bool(self.positive_dimensions)


def is_child(age: str) -> bool:
    """Under 18, or not sure (treated as a child); only "adult" is an adult."""
    return age != "adult"


def screen_evaluate(
    answers: dict[str, str], *, age: str, questionnaire: Structure | None = None
) -> ScreenResult:
    """Apply the rule (module docstring) to one screen's answers.

    ``answers`` maps item ids to "yes", "no" or "unsure" (missing items count as not "yes");
    ``age`` is "under_18", "adult" or "not_sure". Pure: same input, same result, no I/O beyond
    reading the questionnaire's structure.
    """
    questionnaire = questionnaire or structure()
    counts = {name: {"strong": 0, "medium": 0} for name in DIMENSIONS}
    act = False
    for item in questionnaire.items:
        if answers.get(item.id) != "yes":
            continue
        if item.act:
            act = True
        if item.dimension is not None:
            counts[item.dimension][item.strength] += 1
    dimensions = {
        name: DimensionResult(
            strong=c["strong"],
            medium=c["medium"],
            positive=c["strong"] >= STRONG_NEEDED or c["medium"] >= MEDIUM_NEEDED,
        )
        for name, c in counts.items()
    }
    means = dimensions["recruitment"].positive or dimensions["penalty"].positive
    purpose = dimensions["duress"].positive or dimensions["leaving"].positive
    child = is_child(age)
    suggests = act and purpose and (child or means)
    return ScreenResult(
        child=child,
        dimensions=dimensions,
        act=act,
        means=means,
        purpose=purpose,
        suggests_referral=suggests,
    )
