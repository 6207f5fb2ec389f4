"""People and organisations, for superusers only.

Console access is not edited by hand: `is_staff` and the Reviewers/Approvers group follow the
membership role (`console_access_sync`), so saving a user or a membership here re-syncs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest

from portal.accounts.models import Membership, Organisation, User
from portal.accounts.services import console_access_sync

if TYPE_CHECKING:
    _UserChangeFormBase = auth_forms.UserChangeForm[User]
    _MembershipInlineBase = admin.TabularInline[Membership, User]
    _OrganisationAdminBase = admin.ModelAdmin[Organisation]
    _MembershipAdminBase = admin.ModelAdmin[Membership]
    _UserAdminBase = DjangoUserAdmin[User]  # type: ignore[type-var]  # stubs want an AbstractUser
else:  # Django's classes are generic only in the type stubs
    _UserChangeFormBase = auth_forms.UserChangeForm
    _MembershipInlineBase = admin.TabularInline
    _OrganisationAdminBase = _MembershipAdminBase = admin.ModelAdmin
    _UserAdminBase = DjangoUserAdmin


class _SuperusersOnly:
    """Only superusers see or touch accounts, whatever permissions a staff user was given."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("A user with this e-mail address already exists.")
        return email


class UserChangeForm(_UserChangeFormBase):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(_SuperusersOnly, _MembershipInlineBase):
    model = Membership
    extra = 0
    max_num = 1
    fields = ("organisation", "role", "created_at")
    readonly_fields = ("created_at",)


def _sync(users: list[User]) -> None:
    for user in users:
        user.refresh_from_db()
        console_access_sync(user=user)


@admin.register(User)
class UserAdmin(_SuperusersOnly, _UserAdminBase):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name",)}),
        ("Access", {"fields": ("is_active", "is_superuser", "is_staff", "groups"),
                    "description": "Staff flag and console group follow the membership role "
                                   "(reviewer or approver of the authority); change the "
                                   "membership, not these."}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2")}),
    )
    readonly_fields = ("is_staff", "groups", "last_login", "date_joined")
    inlines = (MembershipInline,)
    list_display = ("email", "full_name", "membership_role", "is_staff", "is_superuser",
                    "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "memberships__role")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    filter_horizontal = ()

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list[type[InlineModelAdmin[Any, Any]]]:
        # The membership is added on the change page, once the user exists.
        return list(self.inlines) if obj is not None else []

    @admin.display(description="role")
    def membership_role(self, user: User) -> str:
        membership = user.membership()
        return f"{membership.get_role_display()} of {membership.organisation}" if membership else "—"

    def save_related(self, request: HttpRequest, form: ModelForm[User],
                     formsets: list[BaseFormSet[Any]], change: bool) -> None:
        super().save_related(request, form, formsets, change)
        _sync([form.instance])


@admin.register(Organisation)
class OrganisationAdmin(_SuperusersOnly, _OrganisationAdminBase):
    list_display = ("name", "kind", "ein", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "ein")

    def get_readonly_fields(self, request: HttpRequest, obj: Organisation | None = None) -> list[str]:
        # The kind decides which roles its members may hold; it is fixed once created.
        return ["kind"] if obj is not None else []


@admin.register(Membership)
class MembershipAdmin(_SuperusersOnly, _MembershipAdminBase):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role", "organisation__kind", "organisation")
    search_fields = ("user__email", "user__full_name", "organisation__name")
    list_select_related = ("user", "organisation")
    autocomplete_fields = ("user", "organisation")

    def save_model(self, request: HttpRequest, obj: Membership, form: ModelForm[Membership],
                   change: bool) -> None:
        previous = list(User.objects.filter(memberships__pk=obj.pk)) if change else []
        super().save_model(request, obj, form, change)
        _sync([*previous, obj.user])

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        user = obj.user
        super().delete_model(request, obj)
        _sync([user])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        users = list(User.objects.filter(memberships__in=queryset))
        super().delete_queryset(request, queryset)
        _sync(users)
