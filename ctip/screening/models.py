"""Identification screens: one row per questionnaire answered, with the rule's result.

A screen holds no identifying data about the person screened: no name, phone, free text, time
of day, address or device. Only when the person consents does one step create (or match) the
survivor record and a referral, and the screen then points at them (`services.screen_refer`).
Without consent the row stays what it is: anonymous answers and counts. Rows carry a day, never
a time, and a random primary key, like the anonymous feedback (ids do not tell who came first).

The directory of protection frameworks has its model in `services` (ProtectionFramework), so
that the referral pages can show it without importing upward; its pages live here.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ctip.cases.models import Survivor
from ctip.core.models import Organisation
from ctip.services.models import Referral


def random_id() -> int:
    """A primary key that says nothing about when its row was written."""
    return secrets.randbelow(2**62) + 1


class Channel(models.TextChoices):
    OUTREACH = "outreach", _("Outreach worker with the person")
    SELF = "self", _("Self-screen (the person alone)")


class AgeGroup(models.TextChoices):
    UNDER_18 = "under_18", _("Under 18")
    ADULT = "adult", _("18 or older")
    NOT_SURE = "not_sure", _("Not sure (treated as under 18)")


class ConsentState(models.TextChoices):
    PENDING = "pending", _("Not yet asked")
    GIVEN = "given", _("Consented to referral")
    DECLINED = "declined", _("Declined: anonymous counts only")
    NOT_ASKED = "not_asked", _("Self-screen: anonymous")


class Screen(models.Model):
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=5)
    questionnaire_version = models.PositiveSmallIntegerField(_("questionnaire version"))
    screened_on = models.DateField(_("screened on"))
    age = models.CharField(_("age"), max_length=10, choices=AgeGroup.choices)
    answers = models.JSONField(_("answers"), default=dict)
    # The rule's result (rule.screen_evaluate), stored so counts are one SQL aggregate.
    recruitment_positive = models.BooleanField(_("unfree recruitment"), default=False)
    duress_positive = models.BooleanField(_("work and life under duress"), default=False)
    leaving_positive = models.BooleanField(_("impossibility of leaving"), default=False)
    penalty_positive = models.BooleanField(_("menace of penalty"), default=False)
    any_positive = models.BooleanField(_("any dimension positive"), default=False)
    act = models.BooleanField(_("act"), default=False)
    means = models.BooleanField(_("means"), default=False)
    purpose = models.BooleanField(_("purpose"), default=False)
    suggests_referral = models.BooleanField(
        _("suggests referral for formal identification"), default=False
    )
    consent = models.CharField(
        _("consent"), max_length=10, choices=ConsentState.choices, default=ConsentState.PENDING
    )
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    survivor = models.ForeignKey(
        Survivor, null=True, blank=True, on_delete=models.SET_NULL, related_name="screens"
    )
    referral = models.OneToOneField(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="screen"
    )

    class Meta:
        ordering = ["-screened_on", "id"]
        indexes = [models.Index(fields=["organisation", "screened_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(referral__isnull=True) | Q(consent="given"),
                name="screen_referral_needs_consent",
            ),
            models.CheckConstraint(
                condition=Q(survivor__isnull=True) | Q(consent="given"),
                name="screen_survivor_needs_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"screen {self.short_ref}"

    @property
    def short_ref(self) -> str:
        """A short reference for staff pages (the id in base 36, last eight characters)."""
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        number, out = self.id, ""
        while number:
            number, rest = divmod(number, 36)
            out = digits[rest] + out
        return out[-8:].upper()

    @property
    def positive_dimensions(self) -> list[str]:
        return [
            name
            for name in ("recruitment", "duress", "leaving", "penalty")
            if getattr(self, f"{name}_positive")
        ]
