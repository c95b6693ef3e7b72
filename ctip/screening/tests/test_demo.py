"""The screening part of the demo: screens in three languages over 2026, every path present."""

from collections import Counter

from django.db.models import F

from ctip.core.models import Organisation
from ctip.indicators.definitions.screening import scr1
from ctip.indicators.periods import Period
from ctip.interop.demo import build_demo
from ctip.screening.models import Screen
from ctip.services.models import ProtectionFramework


def test_demo_screens_and_frameworks(db):
    build_demo(survivors=250)
    screens = Screen.objects.all()
    assert screens.count() == 60
    assert set(screens.values_list("language", flat=True)) == {"en", "th", "km"}
    assert {s.year for s in screens.values_list("screened_on", flat=True)} == {2026}
    consent = Counter(screens.values_list("consent", flat=True))
    assert consent["given"] > 0 and consent["declined"] > 0 and consent["not_asked"] == 12
    assert screens.filter(suggests_referral=True).exists()
    assert screens.filter(suggests_referral=False).exists()
    given = screens.filter(consent="given")
    assert given.filter(survivor__isnull=False, referral__isnull=False).count() == given.count()
    # Without consent: no survivor, no referral.
    assert not screens.exclude(consent="given").filter(survivor__isnull=False).exists()
    # One consented screen matched a survivor registered before it.
    # One consented screen matched a survivor already on file; the others found people whose
    # case opened on the day of consent.
    assert given.filter(survivor__opened_on__lt=F("screened_on")).count() == 1
    assert given.filter(survivor__opened_on=F("consent_on")).count() == given.count() - 1
    for screen in given:
        referral = screen.referral
        assert referral.survivor_id == screen.survivor_id
        assert referral.consent_on <= referral.sent_on and screen.consent_on <= referral.sent_on
        assert screen.survivor.consents.filter(
            purpose="referral", given=True, decided_on=referral.consent_on
        ).exists()
        assert referral.need.category == referral.service_type.category
    countries = set(ProtectionFramework.objects.values_list("country", flat=True))
    assert {"TH", "KH", "LA", ""} <= countries
    result = scr1(Organisation.objects.get(code="mekong"), Period.parse("2026"))
    assert result.denominator == 60 and result.numerator == consent["given"]
