"""The "< 5" rule between the tables of a report and its key figures: no hidden figure
is a shown total minus shown parts (the review's scenarios, worked out by hand)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kern.roles import Role
from rapportering.anonymity import Figure
from rapportering.selectors import figures
from tests.factories import LocationFactory, MunicipalityFactory, UserFactory
from tests.rapportering.factories import MARCH, distribute, household, local
from toegang.models import Program
from uitlening.models import Loan
from voorraad.models import Category, Item, ItemType, Product

pytestmark = pytest.mark.django_db

HIDDEN = Figure(None)


@pytest.fixture
def base():
    user = UserFactory(username="masking-coordinator", role=Role.COORDINATOR)
    gent = MunicipalityFactory(name="Gent")
    point = LocationFactory(name="Masking Centrum", municipality=gent)
    program = Program.objects.create(name="Pamperbank", kind=Program.Kind.DIAPERS)
    return user, gent, point, program


def by_label(report, key):
    return {row[0]: row[1:] for row in report.table(key).rows}


def test_a_masked_product_cannot_be_worked_out_from_its_category_row(base):
    user, gent, point, program = base
    diapers = Category.objects.create(name="Luiers")
    care = Category.objects.create(name="Verzorging")
    size4 = Product.objects.create(
        name="Luiers maat 4", category=diapers, pack_size=36, value_per_unit=Decimal("0.20")
    )
    size3 = Product.objects.create(
        name="Luiers maat 3", category=diapers, pack_size=40, value_per_unit=Decimal("0.25")
    )
    shampoo = Product.objects.create(
        name="Shampoo", category=care, pack_size=1, value_per_unit=Decimal("3.00")
    )
    for n, (product, packs) in enumerate(
        [(size4, 1)] * 10 + [(size3, 3)] * 2 + [(shampoo, 1)] * 5, start=1
    ):
        distribute(
            household(gent),
            point=point,
            user=user,
            at=local(2026, 3, 1 + n),
            lines=[(product, program, packs)],
        )
    report = figures.build(filters=MARCH)
    products = by_label(report, "goods_by_product")
    categories = by_label(report, "goods_by_category")
    # Maat 3 (2 households) is hidden; its category row shows 16 packs, so maat 4 must be
    # hidden too (not the shampoo, whose category row would give it back).
    assert products["Luiers maat 3"][1:5] == [HIDDEN] * 4
    assert products["Luiers maat 4"][1:5] == [HIDDEN] * 4
    assert products["Shampoo"][1:5] == [Figure(5), Figure(5), Figure(5), Figure(15)]
    # 10 × 36 + 6 × 40 units; 360 × 0.20 + 240 × 0.25 euros.
    assert categories["Luiers"] == [Figure(12), Figure(16), Figure(600), Figure(132)]
    assert categories["Verzorging"] == [Figure(5), Figure(5), Figure(5), Figure(15)]
    assert report.figure("packs_distributed").value == Figure(21)


def test_a_category_of_one_masked_product_is_masked_and_so_is_another_category(base):
    user, gent, point, program = base
    diapers = Category.objects.create(name="Luiers")
    care = Category.objects.create(name="Verzorging")
    size4 = Product.objects.create(name="Luiers maat 4", category=diapers, pack_size=36)
    size3 = Product.objects.create(name="Luiers maat 3", category=diapers, pack_size=40)
    shampoo = Product.objects.create(name="Shampoo", category=care, pack_size=1)
    lines = [(size4, 1)] * 10 + [(size3, 1)] * 6 + [(shampoo, 1)] * 2
    for n, (product, packs) in enumerate(lines, start=1):
        distribute(
            household(gent),
            point=point,
            user=user,
            at=local(2026, 3, 1 + n),
            lines=[(product, program, packs)],
        )
    report = figures.build(filters=MARCH)
    products = by_label(report, "goods_by_product")
    categories = by_label(report, "goods_by_category")
    assert products["Shampoo"][1] == HIDDEN
    # Verzorging is the shampoo: hidden. Against the key figures Luiers is hidden too, and
    # then, within Luiers, its smallest product (maat 3).
    assert categories["Verzorging"][0] == HIDDEN
    assert categories["Luiers"][0] == HIDDEN
    assert products["Luiers maat 3"][1] == HIDDEN
    assert products["Luiers maat 4"][1:3] == [Figure(10), Figure(10)]
    assert report.figure("packs_distributed").value == Figure(18)


def test_a_small_first_time_group_cannot_be_worked_out_from_the_key_figures(base):
    user, _gent, point, program = base
    aalst = MunicipalityFactory(name="Aalst")
    destelbergen = MunicipalityFactory(name="Destelbergen")
    size4 = Product.objects.create(
        name="Luiers maat 4", category=Category.objects.create(name="Luiers"), pack_size=36
    )
    # Aalst: 2 first-time, 5 returning; Destelbergen: 5 and 5.
    for municipality, first, returning in ((aalst, 2, 5), (destelbergen, 5, 5)):
        for n in range(first + returning):
            found = household(municipality)
            if n >= first:
                distribute(
                    found,
                    point=point,
                    user=user,
                    at=local(2026, 2, 10),
                    lines=[(size4, program, 1)],
                )
            distribute(
                found, point=point, user=user, at=local(2026, 3, 10), lines=[(size4, program, 1)]
            )
    report = figures.build(filters=MARCH)
    assert report.figure("first_time_households").value == Figure(7)
    assert report.figure("returning_households").value == Figure(10)
    rows = by_label(report, "reach_by_municipality")
    # Aalst's 2 first-time households are hidden, and so its returning (7 − ?); in the
    # columns against 7 and 10, Destelbergen's split is then hidden too.
    assert rows["Aalst"] == [Figure(7), Figure(7), HIDDEN, HIDDEN]
    assert rows["Destelbergen"] == [Figure(10), Figure(10), HIDDEN, HIDDEN]


def test_a_few_active_loans_of_an_item_type_cannot_be_worked_out_from_the_key_figure(base):
    user, gent, point, program = base
    library = Category.objects.create(name="Uitleen")
    stroller = ItemType.objects.create(name="Kinderwagen", category=library)
    bike = ItemType.objects.create(name="Fiets", category=library)
    # Strollers: 10 households, 3 still out at the end; bikes: 12 households, all out.
    for item_type, loans, back in ((stroller, 10, 7), (bike, 12, 0)):
        for n in range(loans):
            item = Item.objects.create(
                item_type=item_type,
                name=f"{item_type.name} {n}",
                location=point,
                created_at=local(2026, 1, 1),
            )
            returned = n < back
            Loan.objects.create(
                item=item,
                household=household(gent),
                program=program,
                location=point,
                lent_by=user,
                lent_at=local(2026, 3, 2),
                due_on=dt.date(2026, 6, 1),
                returned_at=local(2026, 3, 9) if returned else None,
                returned_by=user if returned else None,
                return_location=point if returned else None,
            )
    report = figures.build(filters=MARCH)
    assert report.figure("loans_active_at_end").value == Figure(15)
    rows = by_label(report, "loans_by_item_type")
    # Households, started, active, overdue (none), lent-days.
    assert rows["Kinderwagen"][:4] == [Figure(10), Figure(10), HIDDEN, Figure(0)]
    assert rows["Fiets"][:4] == [Figure(12), Figure(12), HIDDEN, Figure(0)]
