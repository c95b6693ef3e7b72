"""Recording screens, consent and the one-step referral, and the frameworks directory."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from ctip.cases.models import Consent, Need, Survivor
from ctip.conftest import SYSTEM
from ctip.screening.models import Screen
from ctip.screening.services import (
    PossibleDuplicates,
    framework_create,
    framework_update,
    screen_decline,
    screen_record,
    screen_refer,
)
from ctip.screening.tests.conftest import CHILD, NEGATIVE
from ctip.services.models import Referral, ReferralStatus

D = dt.date
IDENTIFYING = {"name", "given", "family", "phone", "address", "note", "notes", "text", "ip"}


def refer(screen, cast, provider, shelter, **extra):
    values = dict(
        origin=SYSTEM,
        user=cast.case_worker,
        screen=screen,
        provider=provider,
        service_type=shelter,
        consent_on=D(2026, 3, 11),
        sent_on=D(2026, 3, 11),
        given_name="Moe",
        family_name="Thandar",
        phone="+66 89 555 0101",
        sex="female",
        birth_year=2001,
        nationality="MM",
    )
    values.update(extra)
    return screen_refer(**values)


def test_a_screen_has_no_field_for_identifying_data_and_holds_a_day_never_a_time():
    for field in Screen._meta.concrete_fields:
        assert not set(field.name.split("_")) & IDENTIFYING, field.name
        assert not isinstance(field, models.DateTimeField), field.name
    # A random primary key: ids do not tell who was screened first.
    assert isinstance(Screen._meta.pk, models.BigIntegerField)
    assert not isinstance(Screen._meta.pk, models.BigAutoField)


@pytest.mark.django_db
def test_recording_a_screen_stores_answers_and_result_only(cast, outreach_screen):
    screen = outreach_screen()
    assert screen.suggests_referral is True
    assert screen.positive_dimensions == ["recruitment", "duress"]
    assert (screen.act, screen.means, screen.purpose) == (True, True, True)
    assert screen.consent == "pending"
    assert screen.survivor is None and screen.referral is None
    assert Survivor.objects.count() == 0


@pytest.mark.django_db
def test_without_consent_no_survivor_record_and_no_identifying_data(cast, outreach_screen):
    screen = outreach_screen(NEGATIVE)
    screen_decline(origin=SYSTEM, screen=screen)
    screen.refresh_from_db()
    assert screen.consent == "declined"
    assert Survivor.objects.count() == 0
    assert Consent.objects.count() == 0
    assert Referral.objects.count() == 0
    assert screen.answers == {"act_recruited": "yes", "dur_underpaid": "yes", "pen_fines": "unsure"}
    with pytest.raises(ValidationError):
        screen_decline(origin=SYSTEM, screen=screen)


@pytest.mark.django_db
def test_consent_creates_survivor_consents_need_and_referral_in_one_step(
    cast, outreach_screen, provider, shelter
):
    screen = outreach_screen()
    refer(screen, cast, provider, shelter, data_sharing=True)
    screen.refresh_from_db()
    survivor = Survivor.objects.get()
    assert screen.consent == "given" and screen.consent_on == D(2026, 3, 11)
    assert screen.survivor == survivor
    assert survivor.organisation == cast.ngo_a
    assert survivor.case_worker == cast.case_worker
    assert survivor.identified_on is None  # a screen is not a formal identification
    assert survivor.display_name == "Moe Thandar"
    purposes = sorted(Consent.objects.filter(given=True).values_list("purpose", flat=True))
    assert purposes == ["data_processing", "data_sharing", "referral"]
    need = Need.objects.get()
    assert need.category == "shelter" and need.assessed_on == D(2026, 3, 11)
    referral = Referral.objects.get()
    assert screen.referral == referral
    assert (referral.to_provider, referral.need, referral.status) == (
        provider,
        need,
        ReferralStatus.SENT,
    )


@pytest.mark.django_db
def test_consent_matches_an_existing_survivor(
    cast, outreach_screen, provider, shelter, make_survivor
):
    existing = make_survivor(given_name="Moe", family_name="Thandar", birth_year=2001)
    screen = outreach_screen()
    with pytest.raises(PossibleDuplicates) as found:
        refer(screen, cast, provider, shelter)
    assert found.value.matches == [existing]
    assert Survivor.objects.count() == 1 and Referral.objects.count() == 0
    refer(screen, cast, provider, shelter, survivor=existing, given_name="", family_name="")
    screen.refresh_from_db()
    assert Survivor.objects.count() == 1
    assert screen.survivor == existing
    assert Referral.objects.get().survivor == existing


@pytest.mark.django_db
def test_register_anyway_registers_a_second_record(cast, outreach_screen, provider, shelter,
                                                   make_survivor):  # fmt: skip
    make_survivor(given_name="Moe", family_name="Thandar", birth_year=2001)
    refer(outreach_screen(), cast, provider, shelter, register_anyway=True)
    assert Survivor.objects.count() == 2


@pytest.mark.django_db
def test_failed_referral_writes_nothing(cast, outreach_screen, shelter):
    screen = outreach_screen()
    with pytest.raises(ValidationError):
        # The survivor's own organisation is not a provider to refer to.
        refer(screen, cast, cast.ngo_a, shelter)
    screen.refresh_from_db()
    assert screen.consent == "pending"
    assert Survivor.objects.count() == 0 and Consent.objects.count() == 0


@pytest.mark.django_db
def test_self_screen_is_anonymous_and_cannot_refer(cast, provider, shelter):
    screen = screen_record(
        origin=SYSTEM,
        organisation=cast.ngo_a,
        channel="self",
        language="km",
        age="under_18",
        answers=CHILD,
        audit=False,
    )
    assert screen.consent == "not_asked" and screen.screened_by is None
    assert screen.suggests_referral is True
    with pytest.raises(ValidationError):
        refer(screen, cast, provider, shelter, consent_on=screen.screened_on)


@pytest.mark.django_db
def test_bad_input_is_refused_with_messages(cast):
    with pytest.raises(ValidationError) as error:
        screen_record(
            origin=SYSTEM,
            organisation=cast.thailand,
            channel="outreach",
            language="xx",
            age="old",
            answers={"nope": "yes", "act_moved": "maybe"},
        )
    assert set(error.value.message_dict) == {"language", "age", "screened_by", "organisation"}
    with pytest.raises(ValidationError) as error:
        screen_record(
            origin=SYSTEM,
            organisation=cast.ngo_a,
            channel="self",
            language="en",
            age="adult",
            answers={"nope": "yes"},
        )
    assert error.value.message_dict["answers"] == ["Unknown questions: nope."]


@pytest.mark.django_db
def test_frameworks_validate_dates_and_countries():
    framework = framework_create(
        origin=SYSTEM,
        title="ASEAN Convention Against Trafficking in Persons",
        country="",
        countries="th; kh,LA",
        kind="agreement",
        adopted="2015-11-21",
    )
    assert framework.countries == ";KH;LA;TH;"
    assert framework.country_list == ["KH", "LA", "TH"]
    with pytest.raises(ValidationError) as error:
        framework_create(
            origin=SYSTEM, title="", country="XX", kind="law", adopted="2008-13", amended="soon"
        )
    assert set(error.value.message_dict) == {"title", "country", "adopted", "amended"}
    with pytest.raises(ValidationError) as error:
        framework_create(origin=SYSTEM, title="Nowhere", kind="law")
    assert "country" in error.value.message_dict
    changed = framework_update(origin=SYSTEM, framework=framework, amended="2020; 2023-05")
    assert changed == ["amended"]
    framework.refresh_from_db()
    assert framework.amended == "2020; 2023-05"
