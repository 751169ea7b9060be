"""factory-boy factories of the counter records, and helpers that set up a counter.

Loans and distributions in tests of the rules are made through ``uitlening.services``;
``LoanFactory`` writes a loan row directly (no stock, no item transition) for reads
such as the overdue list, and sets the item on loan so the two agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from tests.factories import LocationFactory, UserFactory
from tests.toegang.factories import HouseholdFactory, ProgramFactory
from tests.voorraad.factories import CategoryFactory, ItemFactory, ItemTypeFactory
from uitlening.models import DepositRule, Loan, ProgramCategory
from voorraad.models import Item


class ProgramCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramCategory
        django_get_or_create = ("program", "category")

    program = factory.SubFactory(ProgramFactory)
    category = factory.SubFactory(CategoryFactory)


class DepositRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepositRule

    item_type = factory.SubFactory(ItemTypeFactory)
    amount = Decimal("20.00")
    social_amount = Decimal("5.00")


class LoanFactory(factory.django.DjangoModelFactory):
    """An open loan row; ``LoanFactory(due_on=…)`` for an overdue one."""

    class Meta:
        model = Loan

    item = factory.SubFactory(ItemFactory, status=Item.Status.ON_LOAN)
    household = factory.SubFactory(HouseholdFactory)
    program = factory.SubFactory(ProgramFactory)
    location = factory.SubFactory(LocationFactory)
    lent_by = factory.SubFactory(UserFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=21))
