"""Who gets into the reviewer console, with which permissions, and how the groups are assigned."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from portal.accounts.models import Membership, User
from portal.accounts.roles import Role
from portal.accounts.services import CONSOLE_PERMISSIONS, console_access_sync
from tests.admin.conftest import client_for

FILING_LIST = "/admin/filings/filing/"
CONSOLE_PERMS = {
    "filings.view_filing", "filings.view_evidencefile", "filings.view_assessment",
    "filings.view_reviewnote", "audit.view_auditevent", "rulebooks.view_rulebookversion",
}


def fresh(user: User) -> User:
    """The user reloaded, so no cached permissions hide a change."""
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("actor", ["reviewer", "approver"])
def test_reviewers_and_approvers_are_staff_with_exactly_the_view_permissions(request, actor):
    user = fresh(request.getfixturevalue(actor))

    assert user.is_staff
    assert not user.is_superuser
    assert user.get_all_permissions() == CONSOLE_PERMS
    assert set(CONSOLE_PERMISSIONS) == CONSOLE_PERMS


@pytest.mark.parametrize("verb", ["add", "change", "delete"])
def test_a_reviewer_cannot_add_change_or_delete_filings_or_audit_events(reviewer, verb):
    user = fresh(reviewer)

    for model in ("filing", "evidencefile", "assessment", "reviewnote", "auditevent",
                  "rulebookversion"):
        assert not user.has_perm(f"filings.{verb}_{model}")


def test_each_authority_role_is_in_its_own_group(reviewer, approver):
    assert list(reviewer.groups.values_list("name", flat=True)) == ["Reviewers"]
    assert list(approver.groups.values_list("name", flat=True)) == ["Approvers"]


def test_a_role_change_moves_the_user_to_the_other_group(reviewer):
    Membership.objects.filter(user=reviewer).update(role=Role.APPROVER)

    console_access_sync(user=reviewer)

    assert list(reviewer.groups.values_list("name", flat=True)) == ["Approvers"]


def test_losing_the_membership_takes_away_staff_and_groups(reviewer):
    Membership.objects.filter(user=reviewer).delete()

    console_access_sync(user=fresh(reviewer))

    user = fresh(reviewer)
    assert not user.is_staff
    assert not user.groups.exists()


@pytest.mark.parametrize("actor", ["preparer", "signer", "viewer", "outsider"])
def test_manufacturer_members_never_become_staff(request, actor):
    user = request.getfixturevalue(actor)

    console_access_sync(user=user)

    assert not fresh(user).is_staff
    assert not user.groups.exists()


def test_setup_roles_syncs_every_user_and_can_run_twice(reviewer, approver, signer):
    reviewer.groups.clear()
    User.objects.filter(pk=signer.pk).update(is_staff=True)  # a mistake the command corrects

    call_command("setup_roles")
    call_command("setup_roles")

    assert Group.objects.filter(name__in=["Reviewers", "Approvers"]).count() == 2
    assert list(reviewer.groups.values_list("name", flat=True)) == ["Reviewers"]
    assert not fresh(signer).is_staff
    assert set(Group.objects.get(name="Approvers").permissions.values_list(
        "codename", flat=True)) == {p.split(".")[1] for p in CONSOLE_PERMS}


@pytest.mark.parametrize("actor", ["preparer", "signer", "viewer", "outsider"])
def test_a_manufacturer_member_is_sent_to_the_admin_login(request, actor):
    response = client_for(request.getfixturevalue(actor)).get(FILING_LIST)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={FILING_LIST}"


def test_an_anonymous_visitor_is_sent_to_the_admin_login(client):
    response = client.get(FILING_LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_staff_user_without_a_console_group_gets_403_on_the_queue(reviewer):
    reviewer.groups.clear()

    response = client_for(fresh(reviewer)).get(FILING_LIST)

    assert response.status_code == 403


def test_the_console_index_lists_filings_and_audit_events_but_not_accounts(reviewer):
    response = client_for(reviewer).get(reverse("admin:index"))

    assert response.status_code == 200
    body = response.content.decode()
    assert FILING_LIST in body
    assert "/admin/audit/auditevent/" in body
    assert "/admin/accounts/" not in body


@pytest.mark.parametrize("path", ["/admin/accounts/user/", "/admin/accounts/membership/",
                                  "/admin/accounts/organisation/", "/admin/auth/group/"])
def test_a_reviewer_cannot_open_the_accounts_admin(reviewer, path):
    assert client_for(reviewer).get(path).status_code == 403


@pytest.mark.parametrize(("old", "new"), [
    ("/admin/filings/rulebookversion/", "/admin/rulebooks/rulebookversion/"),
    ("/admin/filings/rulebookversion/3/change/?x=1", "/admin/rulebooks/rulebookversion/3/change/?x=1"),
    ("/admin/filings/auditevent/", "/admin/audit/auditevent/"),
])
def test_console_pages_of_moved_models_redirect_to_their_new_address(client, old, new):
    response = client.get(old)
    assert response.status_code == 302
    assert response["Location"] == new
