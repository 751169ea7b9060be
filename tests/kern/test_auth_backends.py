"""kern.auth_backends.PermissionBackend reads in one query what Django's ModelBackend
reads in two: the same permissions for every kind of user."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kern.auth_backends import PermissionBackend
from kern.models import User


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no permission cache


@pytest.mark.django_db
def test_permissions_of_every_role_match_django_model_backend(users_by_role):
    for user in users_by_role.values():
        expected = ModelBackend().get_all_permissions(fresh(user))
        assert expected, user
        assert PermissionBackend().get_all_permissions(fresh(user)) == expected


@pytest.mark.django_db
def test_own_permissions_count_with_the_groups_in_one_query(volunteer):
    volunteer.user_permissions.add(Permission.objects.get(codename="view_reports"))
    user = fresh(volunteer)
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("kern.view_reports")
        assert user.has_perm("kern.use_counter")
        assert not user.has_perm("kern.manage_stock")
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
def test_inactive_users_have_no_permissions_and_superusers_all(volunteer):
    volunteer.is_active = False
    assert PermissionBackend().get_all_permissions(volunteer) == set()
    boss = User.objects.create(username="baas", is_superuser=True)
    assert PermissionBackend().get_all_permissions(boss) == ModelBackend().get_all_permissions(
        fresh(boss)
    )
    assert boss.has_perm("kern.manage_stock")
