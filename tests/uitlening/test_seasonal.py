"""Seasonal actions: the entitled list (access on the action date, children banded by
their age on that day), setting an action up, and handing packages out at the counter —
one package per child per action, stock out of the point, nothing written on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kern.errors import Conflict, DomainError, NotAllowed
from kern.models import AuditEntry
from kern.roles import Role
from tests.factories import LocationFactory, UserFactory
from tests.toegang.factories import EvidenceFactory, HouseholdFactory, ReferralFactory
from tests.voorraad.factories import CategoryFactory, ProductFactory
from tests.voorraad.helpers import balance, book, ledger_sum
from toegang.models import Evidence, Program
from uitlening import services
from uitlening.models import Distribution, PackageLine, SeasonalAction, SeasonalPackage, Visit
from uitlening.selectors.seasonal import (
    age_in_months,
    entitled_list,
    household_packages,
    package_ready,
    packages_handed_out,
    pick_list,
    point_for,
    seasonal_panel,
)


def born(months_before: int, on: dt.date) -> tuple[int, int]:
    """(year, month) of a child ``months_before`` months old on ``on``."""
    total = on.year * 12 + (on.month - 1) - months_before
    return total // 12, total % 12 + 1


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def sinterklaas_program(db):
    return Program.objects.create(
        name="Sinterklaasactie", kind=Program.Kind.SEASONAL, accepts_uitpas=False
    )


@pytest.fixture
def toys(db, point, stock_keeper):
    category = CategoryFactory(name="Speelgoed")
    chocolate = ProductFactory(name="Chocoladeletter", pack_size=1, category=category)
    book_ = ProductFactory(name="Prentenboek", pack_size=1, category=category)
    puzzle = ProductFactory(name="Puzzel", pack_size=1, category=category)
    book(stock_keeper, point, (chocolate, 50), (book_, 20), (puzzle, 20))
    return {"chocolate": chocolate, "book": book_, "puzzle": puzzle}


@pytest.fixture
def action(db, sinterklaas_program, point, toys, coordinator, today):
    action = services.create_action(
        actor=coordinator,
        name="Sinterklaas",
        kind=SeasonalAction.Kind.SINTERKLAAS,
        program=sinterklaas_program,
        action_date=today,
        handout_from=today - dt.timedelta(days=1),
        handout_until=today + dt.timedelta(days=10),
        points=[point],
    )
    little = services.add_age_band(
        actor=coordinator, action=action, label="0–2 jaar", age_from=0, age_to=2
    )
    middle = services.add_age_band(
        actor=coordinator, action=action, label="3–5 jaar", age_from=3, age_to=5
    )
    big = services.add_age_band(
        actor=coordinator, action=action, label="6–11 jaar", age_from=6, age_to=11
    )
    services.set_package_line(actor=coordinator, band=little, product=toys["book"], packs=1)
    services.set_package_line(actor=coordinator, band=little, product=toys["chocolate"], packs=1)
    services.set_package_line(actor=coordinator, band=middle, product=toys["puzzle"], packs=1)
    services.set_package_line(actor=coordinator, band=middle, product=toys["chocolate"], packs=1)
    services.set_package_line(actor=coordinator, band=big, product=toys["chocolate"], packs=2)
    return action


@pytest.fixture
def kids(db, sinterklaas_program, today):
    """A household with a baby (10 months), a child of 4 and one of 13 (too old), with a
    referral for the action's program."""
    household = HouseholdFactory(
        children=[born(10, today), born(4 * 12 + 2, today), born(13 * 12, today)]
    )
    ReferralFactory(household=household, programs=[sinterklaas_program])
    return household


def children_of(household):
    return list(household.children.order_by("-birth_year", "-birth_month"))


# --- The entitled list -------------------------------------------------------------------


def test_age_counts_whole_months_from_birth_month_and_year():
    assert age_in_months(birth_year=2019, birth_month=3, on=dt.date(2026, 12, 6)) == 93
    assert age_in_months(birth_year=2026, birth_month=12, on=dt.date(2026, 12, 1)) == 0


def test_entitled_children_are_banded_by_their_age_on_the_action_date(action, kids):
    listed = entitled_list(action)
    [household] = listed.households
    assert household.household_id == kids.pk
    labels = sorted(child.band.label for child in household.children)
    assert labels == ["0–2 jaar", "3–5 jaar"]  # the 13-year-old is in no band
    counts = {count.band.label: (count.children, count.served) for count in listed.counts}
    assert counts == {"0–2 jaar": (1, 0), "3–5 jaar": (1, 0), "6–11 jaar": (0, 0)}


def test_a_child_turning_three_after_the_action_date_is_still_in_the_youngest_band(
    action, sinterklaas_program
):
    on = action.action_date
    household = HouseholdFactory(children=[born(35, on)])
    ReferralFactory(household=household, programs=[sinterklaas_program])
    [entry] = entitled_list(action).households
    assert [child.band.label for child in entry.children] == ["0–2 jaar"]


def test_households_without_access_on_the_action_date_are_not_listed(
    action, sinterklaas_program, today
):
    on = action.action_date
    no_referral = HouseholdFactory(children=[born(20, on)])
    expired = HouseholdFactory(children=[born(20, on)])
    ReferralFactory(
        household=expired,
        programs=[sinterklaas_program],
        valid_from=today - dt.timedelta(days=90),
        valid_until=today - dt.timedelta(days=1),
    )
    revoked = HouseholdFactory(children=[born(20, on)])
    ReferralFactory(household=revoked, programs=[sinterklaas_program], revoked_at=timezone.now())
    other_program = Program.objects.create(name="Pamperbank", kind="pamperbank")
    elsewhere = HouseholdFactory(children=[born(20, on)])
    ReferralFactory(household=elsewhere, programs=[other_program])
    anonymised = HouseholdFactory(children=[born(20, on)], anonymised_at=timezone.now())
    ReferralFactory(household=anonymised, programs=[sinterklaas_program])
    ids = {h.household_id for h in entitled_list(action).households}
    assert not ids & {no_referral.pk, expired.pk, revoked.pk, elsewhere.pk, anonymised.pk}


def test_an_exception_or_a_granting_program_gives_access_like_at_the_counter(
    action, sinterklaas_program, coordinator, today
):
    on = action.action_date
    excepted = HouseholdFactory(children=[born(20, on)])
    EvidenceFactory(
        household=excepted,
        kind=Evidence.Kind.EXCEPTION,
        program=sinterklaas_program,
        social_tariff="",
        valid_until=today + dt.timedelta(days=30),
        reason="crisis",
    )
    granting = Program.objects.create(name="Pamperbank", kind="pamperbank")
    granting.grants.add(sinterklaas_program)
    via_grant = HouseholdFactory(children=[born(20, on)])
    ReferralFactory(household=via_grant, programs=[granting])
    ids = {h.household_id for h in entitled_list(action).households}
    assert {excepted.pk, via_grant.pk} <= ids


def test_uitpas_with_social_tariff_counts_when_the_program_takes_it(
    action, sinterklaas_program, gent_point, today
):
    sinterklaas_program.accepts_uitpas = True
    sinterklaas_program.save()
    on = action.action_date
    active = HouseholdFactory(children=[born(20, on)])
    EvidenceFactory(household=active, card_system_postcodes=["9000"])
    ended = HouseholdFactory(children=[born(20, on)])
    EvidenceFactory(
        household=ended, card_system_postcodes=["9000"], valid_until=today - dt.timedelta(days=3)
    )
    other_region = HouseholdFactory(children=[born(20, on)])
    EvidenceFactory(household=other_region, card_system_postcodes=["9300"])
    ids = {h.household_id for h in entitled_list(action).households}
    assert active.pk in ids
    assert ended.pk not in ids and other_region.pk not in ids


def test_the_entitled_list_takes_a_handful_of_queries_whatever_the_number_of_households(
    action, sinterklaas_program, django_assert_max_num_queries
):
    on = action.action_date
    for _ in range(30):
        household = HouseholdFactory(children=[born(20, on), born(80, on)])
        ReferralFactory(household=household, programs=[sinterklaas_program])
    with django_assert_max_num_queries(10):
        listed = entitled_list(action)
        assert listed.children == 60
        assert sum(count.children for count in listed.counts) == 60


# --- Setting an action up ----------------------------------------------------------------


def test_only_a_coordinator_sets_up_an_action(volunteer, sinterklaas_program, point, today):
    with pytest.raises(NotAllowed):
        services.create_action(
            actor=volunteer,
            name="Sint",
            kind="sinterklaas",
            program=sinterklaas_program,
            action_date=today,
            handout_from=today,
            handout_until=today,
            points=[point],
        )


def test_an_action_needs_a_seasonal_program_and_a_sensible_window(coordinator, point, today):
    diapers = Program.objects.create(name="Pamperbank", kind="pamperbank")
    seasonal = Program.objects.create(name="Sint", kind=Program.Kind.SEASONAL)
    common = {
        "actor": coordinator,
        "name": "Sint 2026",
        "kind": "sinterklaas",
        "action_date": today,
        "points": [point],
    }
    with pytest.raises(DomainError, match="geen seizoensprogramma"):
        services.create_action(program=diapers, handout_from=today, handout_until=today, **common)
    with pytest.raises(DomainError) as error:
        services.create_action(
            program=seasonal,
            handout_from=today,
            handout_until=today - dt.timedelta(days=1),
            **common,
        )
    assert error.value.field == "handout_until"
    with pytest.raises(DomainError) as error:
        services.create_action(
            program=seasonal, handout_from=today, handout_until=today, **{**common, "points": []}
        )
    assert error.value.field == "points"
    assert not SeasonalAction.objects.exists()


def test_age_bands_of_one_action_do_not_overlap(action, coordinator):
    with pytest.raises(DomainError, match="0–2 jaar"):
        services.add_age_band(
            actor=coordinator, action=action, label="baby's", age_from=6, age_to=18, unit="months"
        )
    band = services.add_age_band(
        actor=coordinator, action=action, label="12–14 jaar", age_from=12, age_to=14
    )
    assert (band.from_months, band.to_months) == (144, 179)


def test_a_package_line_is_set_changed_and_taken_out(action, coordinator, toys):
    band = action.bands.get(label="6–11 jaar")
    services.set_package_line(actor=coordinator, band=band, product=toys["book"], packs=2)
    services.set_package_line(actor=coordinator, band=band, product=toys["book"], packs=3)
    assert PackageLine.objects.get(band=band, product=toys["book"]).packs == 3
    services.set_package_line(actor=coordinator, band=band, product=toys["book"], packs=0)
    assert not PackageLine.objects.filter(band=band, product=toys["book"]).exists()
    with pytest.raises(DomainError):
        services.set_package_line(actor=coordinator, band=band, product=toys["book"], packs=-1)


def test_the_action_date_stays_once_packages_were_handed_out(
    action, kids, volunteer, coordinator, point
):
    services.hand_out_packages(actor=volunteer, location=point, household=kids, action=action)
    with pytest.raises(DomainError, match="Sinterklaas"):
        services.update_action(
            actor=coordinator,
            action=action,
            name=action.name,
            kind=action.kind,
            program=action.program,
            action_date=action.action_date + dt.timedelta(days=1),
            handout_from=action.handout_from,
            handout_until=action.handout_until,
            points=[point],
        )
    band = action.bands.get(label="0–2 jaar")
    with pytest.raises(DomainError):
        services.remove_age_band(actor=coordinator, band=band)


# --- Handing out at the counter ----------------------------------------------------------


def test_handing_out_all_packages_is_one_distribution_out_of_the_points_stock(
    action, kids, volunteer, point, toys
):
    result = services.hand_out_packages(
        actor=volunteer, location=point, household=kids, action=action
    )

    assert len(result.packages) == 2
    lines = {line.product.name: line.packs for line in result.distribution.lines.all()}
    assert lines == {"Chocoladeletter": 2, "Prentenboek": 1, "Puzzel": 1}
    assert all(line.program_id == action.program_id for line in result.distribution.lines.all())
    assert balance(toys["chocolate"], point) == 48 == ledger_sum(toys["chocolate"], point)
    assert balance(toys["puzzle"], point) == 19
    packages = SeasonalPackage.objects.filter(action=action)
    assert {p.band.label for p in packages} == {"0–2 jaar", "3–5 jaar"}
    assert all(p.distribution_id == result.distribution.pk for p in packages)
    assert AuditEntry.objects.filter(action="hand_out_packages").count() == 1
    [household] = entitled_list(action).households
    assert all(child.served for child in household.children)


def test_one_child_at_a_time_then_the_other(action, kids, volunteer, point):
    baby = children_of(kids)[0]
    first = services.hand_out_packages(
        actor=volunteer, location=point, household=kids, action=action, child_ids=[baby.pk]
    )
    assert [p.child_id for p in first.packages] == [baby.pk]
    second = services.hand_out_packages(
        actor=volunteer, location=point, household=kids, action=action
    )
    assert [p.band.label for p in second.packages] == ["3–5 jaar"]
    assert Distribution.objects.count() == 2


def test_a_second_package_for_the_same_child_is_refused_naming_child_and_action(
    action, kids, volunteer, point, toys
):
    baby = children_of(kids)[0]
    services.hand_out_packages(
        actor=volunteer, location=point, household=kids, action=action, child_ids=[baby.pk]
    )
    with pytest.raises(Conflict) as error:
        services.hand_out_packages(
            actor=volunteer, location=point, household=kids, action=action, child_ids=[baby.pk]
        )
    assert f"kind geboren {baby.birth_month:02d}/{baby.birth_year}" in str(error.value)
    assert "Sinterklaas" in str(error.value)
    assert Distribution.objects.count() == 1
    assert balance(toys["book"], point) == 19


def test_all_served_then_all_again_is_refused(action, kids, volunteer, point):
    services.hand_out_packages(actor=volunteer, location=point, household=kids, action=action)
    with pytest.raises(Conflict, match=kids.code):
        services.hand_out_packages(actor=volunteer, location=point, household=kids, action=action)


def test_the_database_refuses_a_second_package_for_a_child(action, kids, volunteer, point):
    result = services.hand_out_packages(
        actor=volunteer, location=point, household=kids, action=action
    )
    package = result.packages[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        SeasonalPackage.objects.create(
            action=action,
            child_id=package.child_id,
            household=kids,
            band=package.band,
            birth_year=package.birth_year,
            birth_month=package.birth_month,
            distribution=result.distribution,
            handed_out_by=volunteer,
            location=point,
        )


def test_short_stock_names_product_and_point_and_writes_nothing(
    action, kids, volunteer, point, toys, stock_keeper
):
    from tests.voorraad.helpers import take

    take(stock_keeper, toys["puzzle"], point, 20)
    with pytest.raises(Conflict) as error:
        services.hand_out_packages(actor=volunteer, location=point, household=kids, action=action)
    assert "Puzzel" in str(error.value) and point.name in str(error.value)
    assert not SeasonalPackage.objects.exists()
    assert not Distribution.objects.exists()
    assert not Visit.objects.exists()
    assert balance(toys["chocolate"], point) == 50


def test_a_child_that_is_not_entitled_is_refused(action, kids, volunteer, point):
    too_old = children_of(kids)[-1]
    with pytest.raises(DomainError, match="geen recht"):
        services.hand_out_packages(
            actor=volunteer, location=point, household=kids, action=action, child_ids=[too_old.pk]
        )
    stranger = HouseholdFactory(children=[born(20, action.action_date)])
    with pytest.raises(DomainError):
        services.hand_out_packages(
            actor=volunteer, location=point, household=stranger, action=action
        )
    assert not Distribution.objects.exists()


def test_outside_the_window_or_at_another_point_nothing_is_handed_out(
    action, kids, volunteer, point, coordinator, today
):
    other = LocationFactory(name="Uitdeelpunt Melle")
    volunteer.locations.add(other)
    with pytest.raises(DomainError, match="Melle"):
        services.hand_out_packages(actor=volunteer, location=other, household=kids, action=action)
    SeasonalAction.objects.filter(pk=action.pk).update(
        handout_from=today + dt.timedelta(days=1), handout_until=today + dt.timedelta(days=2)
    )
    with pytest.raises(DomainError) as error:
        services.hand_out_packages(actor=volunteer, location=point, household=kids, action=action)
    assert error.value.code == "action_closed"


def test_a_volunteer_hands_out_only_at_their_own_point(action, kids, point):
    elsewhere = UserFactory(username="elders", role=Role.VOLUNTEER, locations=[LocationFactory()])
    with pytest.raises(NotAllowed):
        services.hand_out_packages(actor=elsewhere, location=point, household=kids, action=action)


def test_an_empty_package_is_refused(action, kids, volunteer, point, coordinator, toys):
    band = action.bands.get(label="0–2 jaar")
    for line in list(band.lines.all()):
        services.set_package_line(actor=coordinator, band=band, product=line.product, packs=0)
    with pytest.raises(DomainError, match="0–2 jaar"):
        services.hand_out_packages(actor=volunteer, location=point, household=kids, action=action)


def test_a_retry_with_the_same_key_gets_the_first_hand_out(action, kids, volunteer, point, toys):
    first = services.hand_out_packages(
        actor=volunteer, location=point, household=kids, action=action, idempotency_key="sint-1"
    )
    again = services.hand_out_packages(
        actor=volunteer, location=point, household=kids, action=action, idempotency_key="sint-1"
    )
    assert again.distribution.pk == first.distribution.pk
    assert len(again.packages) == 2
    assert balance(toys["chocolate"], point) == 48


def test_the_quota_of_other_programs_is_not_touched_by_a_package(
    action, kids, volunteer, point, pamperbank
):
    from toegang.selectors import packs_taken

    services.hand_out_packages(actor=volunteer, location=point, household=kids, action=action)
    assert packs_taken(household=kids, program=pamperbank, since=action.handout_from) == 0


# --- Panel, pick list, reminders ---------------------------------------------------------


def test_the_panel_shows_running_actions_with_the_childrens_bands(action, kids, point, today):
    section = seasonal_panel(kids, point, today)
    assert section is not None
    assert section.template == "uitlening/partials/panel_seasonal.html"
    [entry] = section.context["actions"]
    assert sorted(child.band.label for child in entry.waiting) == ["0–2 jaar", "3–5 jaar"]
    assert seasonal_panel(kids, point, today + dt.timedelta(days=30)) is None
    assert household_packages(household=HouseholdFactory(), location=point, on=today) == []


def test_the_pick_list_counts_packages_per_band_and_products_in_total(
    action, kids, sinterklaas_program, volunteer, point, today
):
    on = action.action_date
    other = HouseholdFactory(children=[born(3, on), born(100, on)])
    ReferralFactory(household=other, programs=[sinterklaas_program])
    listed = pick_list(action, point=point, day=today)
    per_band = {b.band.label: b.packages for b in listed.bands}
    assert per_band == {"0–2 jaar": 2, "3–5 jaar": 1, "6–11 jaar": 1}
    totals = {t.product_name: t.packs for t in listed.totals}
    assert totals == {"Chocoladeletter": 5, "Prentenboek": 2, "Puzzel": 1}
    services.hand_out_packages(actor=volunteer, location=point, household=kids, action=action)
    after = pick_list(action, point=point, day=today)
    assert [h.household_id for h in after.households] == [other.pk]


def test_a_household_picks_up_at_the_point_of_its_municipality(gent, db):
    from tests.factories import MunicipalityFactory

    melle = MunicipalityFactory(name="Melle", postcodes=["9090"])
    centrum = LocationFactory(name="Centrum", municipality=gent, postcode="9000")
    dorp = LocationFactory(name="Dorp", municipality=melle, postcode="9090")
    assert point_for("9090", [centrum, dorp]) == dorp
    assert point_for("9000", [centrum, dorp]) == centrum
    assert point_for("1000", [dorp, centrum]) == centrum  # nobody covers it: the first


def test_package_ready_tells_each_household_once_per_action_while_it_waits(
    action, kids, volunteer, point
):
    due = list(package_ready(timezone.now()))
    assert [(r.household_id, r.kind, r.key) for r in due] == [
        (kids.pk, "package_ready", f"package_ready:{action.pk}:{kids.pk}")
    ]
    assert due[0].context["children"] == 2
    services.hand_out_packages(actor=volunteer, location=point, household=kids, action=action)
    assert list(package_ready(timezone.now())) == []
    assert list(package_ready(timezone.now() - dt.timedelta(days=5))) == []


def test_the_entitled_list_agrees_with_the_counters_entitlement_on_the_action_date(
    action, sinterklaas_program, point, today
):
    """Referrals (valid, expired, revoked, for another program, through a granting
    program) and exceptions: the bulk read gives the same answer as ``entitlement``."""
    from toegang.selectors import entitlement

    on = action.action_date
    granting = Program.objects.create(name="Pamperbank", kind="pamperbank")
    granting.grants.add(sinterklaas_program)
    households = []
    for case in range(6):
        household = HouseholdFactory(children=[born(20, on)])
        households.append(household)
        if case == 0:
            ReferralFactory(household=household, programs=[sinterklaas_program])
        elif case == 1:
            ReferralFactory(
                household=household,
                programs=[sinterklaas_program],
                valid_from=today - dt.timedelta(days=30),
                valid_until=today - dt.timedelta(days=1),
            )
        elif case == 2:
            ReferralFactory(
                household=household, programs=[sinterklaas_program], revoked_at=timezone.now()
            )
        elif case == 3:
            ReferralFactory(household=household, programs=[granting])
        elif case == 4:
            EvidenceFactory(
                household=household,
                kind=Evidence.Kind.EXCEPTION,
                program=sinterklaas_program,
                social_tariff="",
                valid_until=today + dt.timedelta(days=3),
                reason="crisis",
            )
    listed = {h.household_id for h in entitled_list(action).households}
    for household in households:
        allowed = entitlement(
            household=household, program=sinterklaas_program, location=point, on=on
        ).allowed
        assert (household.pk in listed) == allowed, household


def test_the_package_ready_reminder_reads_in_dutch(action, kids):
    from django.template.loader import render_to_string
    from django.utils import translation

    [due] = package_ready(timezone.now())
    with translation.override("nl"):
        subject = render_to_string("uitlening/reminders/package_ready_subject.txt", due.context)
        body = render_to_string("uitlening/reminders/package_ready_body.txt", due.context)
    assert subject.strip() == "Je pakket van Sinterklaas ligt klaar"
    assert "voor je 2 kinderen" in body
    assert f"{action.handout_until:%d/%m/%Y}" in body and "Uitdeelpunt Centrum" in body


def test_correcting_a_hand_out_frees_the_childs_package_to_be_handed_out_again(
    action, kids, volunteer, point, toys
):
    baby = children_of(kids)[0]
    wrong = services.hand_out_packages(
        actor=volunteer, location=point, household=kids, action=action, child_ids=[baby.pk]
    )
    services.correct_distribution(
        actor=volunteer, distribution=wrong.distribution, reason="verkeerd gezin gescand"
    )

    # The package never reached the child: it is waiting again, counted nowhere.
    assert not SeasonalPackage.objects.filter(action=action).exists()
    [household] = entitled_list(action, household_id=kids.pk).households
    assert not any(child.served for child in household.children)
    assert packages_handed_out(action) == 0
    freed = AuditEntry.objects.get(action="correct_distribution")
    assert freed.details["seasonal_packages"] == [
        {"action": action.pk, "child": baby.pk, "band": "0–2 jaar", "born": baby_born(baby)}
    ]
    # The same child gets its package at the next visit; the stock went back and out again.
    again = services.hand_out_packages(
        actor=volunteer, location=point, household=kids, action=action, child_ids=[baby.pk]
    )
    assert [p.child_id for p in again.packages] == [baby.pk]
    assert balance(toys["book"], point) == 19 == ledger_sum(toys["book"], point)


def baby_born(child) -> str:
    return f"{child.birth_month:02d}/{child.birth_year}"
