"""Users, organisations and memberships: superusers only, e-mail login, console access synced."""

from __future__ import annotations

from django.urls import reverse

from portal.accounts.models import Membership, User
from portal.accounts.roles import Role
from tests.admin.conftest import client_for

PASSWORD = "an entirely new password 77"


def test_a_superuser_adds_a_user_by_email_without_a_username(superuser):
    client = client_for(superuser)

    form = client.get(reverse("admin:accounts_user_add"))
    response = client.post(reverse("admin:accounts_user_add"), {
        "email": "New.Person@Authority.example", "full_name": "New Person",
        "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD})

    assert form.status_code == 200
    assert 'name="username"' not in form.content.decode()
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(email="new.person@authority.example")
    assert user.check_password(PASSWORD)
    assert not user.is_staff


def test_a_superuser_sees_a_users_change_page_with_staff_and_groups_read_only(superuser, reviewer):
    response = client_for(superuser).get(reverse("admin:accounts_user_change", args=[reviewer.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "reviewer@authority.example" in body
    assert 'name="is_staff"' not in body
    assert 'name="groups"' not in body
    assert 'name="is_superuser"' in body


def test_changing_a_membership_role_in_the_admin_moves_the_console_group(superuser, reviewer,
                                                                       authority):
    membership = Membership.objects.get(user=reviewer)

    response = client_for(superuser).post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {"user": reviewer.pk, "organisation": authority.pk, "role": Role.APPROVER})

    assert response.status_code == 302, response.content.decode()
    assert list(reviewer.groups.values_list("name", flat=True)) == ["Approvers"]


def test_deleting_a_membership_in_the_admin_ends_console_access(superuser, reviewer):
    membership = Membership.objects.get(user=reviewer)

    response = client_for(superuser).post(
        reverse("admin:accounts_membership_delete", args=[membership.pk]), {"post": "yes"})

    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert not reviewer.is_staff
    assert not reviewer.groups.exists()


def test_a_membership_must_match_the_organisation_kind(superuser, signer, authority):
    membership = Membership.objects.get(user=signer)

    response = client_for(superuser).post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {"user": signer.pk, "organisation": authority.pk, "role": Role.SIGNER})

    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.organisation != authority
    assert not User.objects.get(pk=signer.pk).is_staff
