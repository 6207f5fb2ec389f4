"""Actors shared by the tests: an owner organisation, its roles, an outsider and the authority."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from portal.accounts.models import Organisation, User
from portal.accounts.roles import Role
from tests.factories import AuthorityFactory, OrganisationFactory, member

if TYPE_CHECKING:
    import execnet

DATA = Path(__file__).parent / "data"
# The vehicle each sample's vehicle sheet describes: a filing for a sample must say the same.
SAMPLE_VEHICLES: dict[str, dict[str, object]] = {
    "us-pickup-japan-minerals.xlsx": {"make": "Granite Motor Company", "model": "Ironwood EV",
                                      "model_year": 2024, "vehicle_class": "pickup"},
    "german-sedan.xlsx": {"make": "Rhein Automobilwerke", "model": "Aurelia e",
                          "model_year": 2024, "vehicle_class": "car"},
    "crossover-short-na-components.xlsx": {"make": "Northwind Automotive",
                                           "model": "Tamarack AWD", "model_year": 2024,
                                           "vehicle_class": "suv"},
    "feoc-graphite-2025.xlsx": {"make": "Prairie Electric Vehicles", "model": "Meridian",
                                "model_year": 2025, "vehicle_class": "car"},
    "mistakes.xlsx": {"make": "Granite Motor Company", "model": "Ironwood EV",
                      "model_year": 2024, "vehicle_class": "pickup"},
    "suv-lithium-processed-in-china.xlsx": {"make": "Granite Motor Company", "model": "Basalt EV",
                                            "model_year": 2025, "vehicle_class": "suv"},
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config: pytest.Config, specs: Sequence[execnet.XSpec]) -> None:
    """Under pytest-xdist, each test process gets its own Celery queues (`portal-gw0`,
    `certificates-gw0`, ...), so the real worker one of its tests starts (tests/celery_worker.py)
    never takes, nor purges, another process's tasks.

    pytest-django loads the settings before any conftest hook runs in a test process, so the
    names go into each process's environment here, in the controller, before it is started
    (execnet's `env:` spec key); portal/settings.py reads CELERY_QUEUE and
    CELERY_CERTIFICATE_QUEUE.
    """
    queue = os.environ.get("CELERY_QUEUE", "portal")
    certificates = os.environ.get("CELERY_CERTIFICATE_QUEUE", "certificates")
    for spec in specs:
        spec.env["CELERY_QUEUE"] = f"{queue}-{spec.id}"
        spec.env["CELERY_CERTIFICATE_QUEUE"] = f"{certificates}-{spec.id}"


@pytest.fixture(autouse=True)
def _language_of_this_test() -> Iterator[None]:
    """Each test starts in the default language: a Japanese request leaves Japanese active on
    the thread, and the next test's rendering (a certificate's share bar in a font without
    Japanese glyphs) would run in it."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factory users and logins hash with MD5: the configured Argon2 costs 0.1-0.3 s a hash here,
    which was most of the suite's time. tests/test_security_settings.py checks the real one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    """Uploaded files go to a per-test folder, never to var/."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.CERTIFICATE_ROOT = tmp_path / "certificates"
    settings.DOSSIER_ROOT = tmp_path / "dossiers"


@pytest.fixture(autouse=True, scope="session")
def _pki_of_this_run(local_pki) -> Iterator[None]:  # noqa: F811 (the fixture below)
    """Every test signs and verifies with the local PKI (tests/pki.py), and so does any process
    a test starts (a Celery worker, manage.py): its settings go into this process's environment."""
    saved = {name: os.environ.get(name) for name in local_pki.environment()}
    os.environ.update(local_pki.environment())
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _signing(settings, local_pki):  # noqa: F811 (the fixture below)
    """The portal's signing settings point at the local PKI (tests/pki.py)."""
    settings.CERTIFICATE_SIGNING_KEY = local_pki.signing_key()
    settings.CERTIFICATE_SIGNING_CERT = local_pki.signing_cert()
    settings.CERTIFICATE_SIGNING_CHAIN = [local_pki.chain]
    settings.CERTIFICATE_TSA_URL = local_pki.tsa_url
    settings.CERTIFICATE_TRUST_ROOTS = [local_pki.root_cert]
    settings.CERTIFICATE_SIGNING_KEY_PASSPHRASE = ""
    settings.CERTIFICATE_PREVIOUS_CERTS = []


@pytest.fixture(autouse=True, scope="session")
def _cache_of_this_run(tmp_path_factory) -> Iterator[None]:
    """Each test run, and each xdist worker, counts throttles in a cache of its own: its own key
    prefix in Redis, its own folder otherwise (never the demo's var/cache)."""
    default = {**django_settings.CACHES["default"], "KEY_PREFIX": f"cvc-test-{os.getpid()}"}
    if str(default["BACKEND"]).endswith("FileBasedCache"):
        default["LOCATION"] = str(tmp_path_factory.mktemp("cache"))
    with override_settings(CACHES={"default": default}):
        yield
        cache.clear()


@pytest.fixture
def manufacturer(db) -> Organisation:
    return OrganisationFactory(name="Granite Motor Company")


@pytest.fixture
def authority(db) -> Organisation:
    return AuthorityFactory(name="Clean Vehicle Review Office")


@pytest.fixture
def preparer(manufacturer) -> User:
    return member(Role.PREPARER, manufacturer, email="preparer@granite.example")


@pytest.fixture
def signer(manufacturer) -> User:
    return member(Role.SIGNER, manufacturer, email="signer@granite.example")


@pytest.fixture
def viewer(manufacturer) -> User:
    return member(Role.VIEWER, manufacturer, email="viewer@granite.example")


@pytest.fixture
def outsider(db) -> User:
    """A signer of a competing manufacturer: must never see the owner's data."""
    return member(Role.SIGNER, OrganisationFactory(name="Competitor Motors"),
                  email="signer@competitor.example")


@pytest.fixture
def reviewer(authority) -> User:
    return member(Role.REVIEWER, authority, email="reviewer@authority.example")


@pytest.fixture
def approver(authority) -> User:
    return member(Role.APPROVER, authority, email="approver@authority.example")


@pytest.fixture
def sample_workbook() -> Path:
    return DATA / "us-pickup-japan-minerals.xlsx"


# A real Celery worker process for the worker and browser tests.
from tests.celery_worker import celery_worker_process  # noqa: E402, F401

# The local PKI (certomancer): signing certificate, TSA, OCSP and CRLs.
from tests.pki import local_pki  # noqa: E402, F401

# Redis that must answer, and real web server processes, for the shared-cache tests.
from tests.processes import in_redis, redis_url, server_prefix, web_server  # noqa: E402, F401

# A real S3 server (rclone, or TEST_S3_ENDPOINT_URL) and a bucket per test for the storage tests.
from tests.s3_server import s3_bucket, s3_server, s3_storage  # noqa: E402, F401


@pytest.fixture
def database_unreachable(tmp_path):
    """`with database_unreachable(): …`: the default connection points at a database that is not
    there (a missing SQLite folder, a PostgreSQL port nothing listens on), restored afterwards."""

    @contextlib.contextmanager
    def unreachable() -> Iterator[None]:
        saved = dict(connection.settings_dict)
        connection.close()
        if connection.vendor == "sqlite":
            connection.settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
        else:
            connection.settings_dict["PORT"] = "9"
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)

    return unreachable


@pytest.fixture(scope="session")
def translations() -> None:
    """The catalogues compiled as `make` compiles them (msgfmt --check), for tests that read a
    page in another language; Django reloads them on its next activation."""
    from django.utils.translation import trans_real

    from portal.translations import catalogue_compile, catalogues

    for po in catalogues():
        catalogue_compile(po)
    trans_real._translations = {}  # type: ignore[attr-defined]
