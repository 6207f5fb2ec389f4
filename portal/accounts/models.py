"""Users (e-mail login), organisations of two kinds, and memberships carrying one role."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from portal.accounts.roles import CAPABILITIES, ROLE_KIND, Capability, OrganisationKind, Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log in to the reviewer console.")
    date_joined = models.DateTimeField(default=timezone.now)
    # The pages' language (one of settings.LANGUAGES); blank follows the browser's Accept-Language.
    language = models.CharField(max_length=10, blank=True, default="")

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("email",)

    def __str__(self) -> str:
        return self.full_name or self.email

    def membership(self) -> Membership | None:
        """The user's membership (a person acts for one organisation), or None.

        Read from the database each time, except for a request's actor (`remember_membership`):
        the first answer then stands for the rest of the request."""
        if _REMEMBERED in self.__dict__:
            return self.__dict__[_REMEMBERED]  # type: ignore[no-any-return]
        found = self.memberships.select_related("organisation").first()
        if self.__dict__.get(_REMEMBER):
            self.__dict__[_REMEMBERED] = found
        return found

    def can(self, capability: Capability) -> bool:
        membership = self.membership()
        return membership is not None and capability in CAPABILITIES[Role(membership.role)]


_REMEMBER, _REMEMBERED = "_remember_membership", "_remembered_membership"


def remember_membership(user: User) -> User:
    """From now on, `user.membership()` reads the database once and keeps the answer on this
    object: for the user object of one request (portal.middleware, the API's token
    authentication), never for one that outlives it."""
    setattr(user, _REMEMBER, True)  # setattr: through a request's lazy wrappers, to the user
    return user


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    ein = models.CharField("EIN", max_length=10, blank=True,
                           help_text="Employer identification number, for manufacturers.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One organisation per person keeps every screen's "our filings" unambiguous.
            models.UniqueConstraint(fields=["user"], name="one_membership_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}, {self.organisation})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.organisation_id is None or not self.role:
            return
        if ROLE_KIND[Role(self.role)] != self.organisation.kind:
            raise ValidationError(
                {"role": f"A {self.role} belongs to a {ROLE_KIND[Role(self.role)].label}."})


class LoginFailure(models.Model):
    """One failed login, kept in the database so throttling holds even when the cache is down."""

    email = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.email} from {self.ip_address}"
