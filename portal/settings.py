"""One env-driven settings module.

Every setting that differs between a laptop, CI and production comes from the environment;
the defaults are the embedded ones `make demo` uses (SQLite under var/).
"""

import os
from pathlib import Path

import dj_database_url

from portal import logs
from portal.file_storages import file_storages

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: str) -> int:
    return int(os.environ.get(name, default))


DEBUG = envbool("DEBUG", "0")


def _local_secret_key() -> str:
    """A random key kept under var/ for laptops and CI; production sets SECRET_KEY."""
    from django.core.management.utils import get_random_secret_key

    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "portal.audit",
    "portal.accounts",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The filing lifecycle, then the apps built on it (they depend on it, never the reverse).
    "filings",
    "filings.certificates",
    "filings.rulebooks",
    "filings.dossiers",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "filings.api",
    "portal.demodata",
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "filings:dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Failed logins allowed per account and per client address within the window (see accounts.services).
LOGIN_THROTTLE_WINDOW_SECONDS = envint("LOGIN_THROTTLE_WINDOW_SECONDS", "900")
LOGIN_THROTTLE_PER_ACCOUNT = envint("LOGIN_THROTTLE_PER_ACCOUNT", "5")
LOGIN_THROTTLE_PER_ADDRESS = envint("LOGIN_THROTTLE_PER_ADDRESS", "30")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

MIDDLEWARE = [
    # First, so every response and every log line of a request carries its id.
    "portal.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the web process itself (gunicorn serves none), before sessions and auth.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the cookie the header's switch sets, else Accept-Language; after the
    # session, before CommonMiddleware (Django's order). The user's saved language wins (below).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the console asks for a TOTP code (portal.accounts.mfa).
    "django_otp.middleware.OTPMiddleware",
    # request.user.membership() reads the database once per request, not once per caller.
    "portal.middleware.MembershipOncePerRequestMiddleware",
    # A logged-in user's saved language, over the cookie and Accept-Language.
    "portal.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# --- transport and browser security ------------------------------------------------------
# PRODUCTION=1 turns on what only makes sense behind HTTPS; `manage.py check --deploy` passes then.
PRODUCTION = envbool("PRODUCTION", "0")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(8 * 3600))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION
# Probes ask over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$"]
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# Only our own scripts, styles and images (plus data: images); no framing, no plugins.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

ROOT_URLCONF = "portal.urls"
# A failed CSRF check: problem JSON on the API, Django's explaining page elsewhere.
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Persistent connections: a request or a task reuses its process's connection for up to
# DB_CONN_MAX_AGE seconds (0: a new connection each time) instead of opening one, and checks it
# with a cheap query before the first use of each request or task (a database restart, or a
# connection dropped by a proxy, costs one reconnect, never an error). The web closes stale
# connections at each request's start and end (Django's signals), Celery at each task's
# (portal.celery_setup).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a real Celery worker process can share the test database.
    # Per process, so two test runs on one machine never share (and corrupt) a file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-portal-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# English is the default; the manufacturer pages are also in Japanese (locale/, compiled by
# `make` with GNU gettext). The console and the certificate PDF stay English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The pages' dates per language (portal/formats/<lang>/formats.py): "1 Dec 2026, 08:19 UTC",
# "2026年12月1日 08:19 UTC".
FORMAT_MODULE_PATH = ["portal.formats"]
# The language switch (portal.accounts.views) is the cookie's only writer; it sets SameSite=Lax.
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves `collectstatic`'s output from STATIC_ROOT; where that was not run (the demo,
# the tests) it finds the files in the apps' static folders, as runserver did.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
WHITENOISE_AUTOREFRESH = DEBUG
# Evidence and certificates: private folders, or an S3-compatible bucket when
# AWS_STORAGE_BUCKET_NAME is set (portal/file_storages.py). Nothing uses "default"; it is a
# private folder rather than Django's fallback, the working directory.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    **file_storages(os.environ),
}

# Uploaded files live here (without a bucket), outside any web-served folder, under generated names.
EVIDENCE_ROOT = Path(os.environ.get("EVIDENCE_ROOT", VAR_DIR / "evidence"))
# Evidence files larger than this are refused before they are read.
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", str(50 * 1024 * 1024))
SUPPORTING_DOCUMENT_MAX_BYTES = envint("SUPPORTING_DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024))
EVIDENCE_MAX_FILES_PER_VERSION = envint("EVIDENCE_MAX_FILES_PER_VERSION", "20")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# First, the caps above while the body streams: a Content-Length over the largest is refused
# unread, a file is dropped once it passes its cap; a 413 either way (filings/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "filings.uploads.UploadCapHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# --- Celery ------------------------------------------------------------------------------
# Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/broker, so the
# worker is still a separate real process (never eager mode).
REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {"data_folder_in": str(BROKER_DIR / "queue"), "data_folder_out": str(BROKER_DIR / "queue"),
          "control_folder": str(BROKER_DIR / "control"), "store_processed": False}
)
if not REDIS_URL:
    for _folder in ("queue", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup would close the database connection before and after every task (a new
# connection per task); portal.celery_setup closes only stale ones instead, as the web does.
CELERY_DB_REUSE_MAX = 1_000_000_000
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "portal")
# A filing left in `submitted` or `assessing` this long is re-enqueued by the sweep.
ASSESSMENT_STUCK_AFTER_SECONDS = envint("ASSESSMENT_STUCK_AFTER_SECONDS", "120")
ASSESSMENT_MAX_ATTEMPTS = envint("ASSESSMENT_MAX_ATTEMPTS", "3")
# A draft's evidence check (queued on every upload) not answered this long is queued again.
EVIDENCE_CHECK_STUCK_AFTER_SECONDS = envint("EVIDENCE_CHECK_STUCK_AFTER_SECONDS", "60")
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-assessments": {"task": "filings.tasks.sweep_stuck_assessments", "schedule": 30.0},
    "sweep-stuck-checks": {"task": "filings.tasks.sweep_stuck_checks", "schedule": 30.0},
}

# --- shared cache and client addresses (portal.cache, portal.http) -------------------------
# The API's throttle counters must hold across web processes and restarts, so never LocMem:
# Redis at CACHE_URL (default REDIS_URL, beside the broker under its own key prefix), otherwise
# files under CACHE_DIR, shared by the processes of one machine (`make demo`).
CACHE_URL = os.environ.get("CACHE_URL") or REDIS_URL
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "cvc-cache")
# A throttle check waits at most about twice this for a Redis that does not answer.
CACHE_SOCKET_TIMEOUT_SECONDS = float(os.environ.get("CACHE_SOCKET_TIMEOUT_SECONDS", "1"))
CACHES: dict[str, dict[str, object]] = {
    "default": {
        "BACKEND": "portal.cache.PrefixedRedisCache", "LOCATION": CACHE_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "OPTIONS": {"socket_connect_timeout": CACHE_SOCKET_TIMEOUT_SECONDS,
                    "socket_timeout": CACHE_SOCKET_TIMEOUT_SECONDS},
    } if CACHE_URL else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("CACHE_DIR", str(VAR_DIR / "cache")),
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        # Past MAX_ENTRIES files a third are dropped at random, counters included.
        "OPTIONS": {"MAX_ENTRIES": 10000},
    },
}
# How many reverse proxies in front of the portal append to X-Forwarded-For; 0 ignores the header.
# Set it to exactly the number of proxies that every request passes: one too many lets a client
# choose its address (portal.http.client_address).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")
if TRUSTED_PROXY_COUNT < 0:
    raise ValueError("TRUSTED_PROXY_COUNT must be 0 or more.")

# --- REST API (filings/api) ----------------------------------------------------------------
# Token or session auth, authenticated by default, one problem-details error shape, throttled
# per token and per user (rates from the environment), OpenAPI 3 by drf-spectacular.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "filings.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["filings.api.permissions.AuthenticatedWithSecondFactor"],
    "DEFAULT_THROTTLE_CLASSES": [
        "filings.api.throttling.TokenRateThrottle",
        "filings.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("API_THROTTLE_PER_TOKEN", "600/minute"),
        "user": os.environ.get("API_THROTTLE_PER_USER", "1200/minute"),
        # The public certificate lookup, per client address.
        "anon": os.environ.get("API_THROTTLE_ANONYMOUS", "60/minute"),
    },
    "DEFAULT_PARSER_CLASSES": [
        "filings.api.parsers.BoundedJSONParser",
        "filings.api.parsers.UploadMultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "filings.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "filings.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clean vehicle credit portal API",
    "DESCRIPTION": "File and follow IRC §30D compliance filings from a manufacturer's systems; "
                   "the reviewing authority's decisions. Authenticate with `Authorization: Token "
                   "<key>` (tokens are made on the portal's API tokens page).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"FilingState": "filings.states.State",
                            "EvidenceCheckStatus": "filings.models.EvidenceCheck.Status",
                            "CertificateStatus": "filings.certificates.models.CertificateStatus"},
}

# --- Certificates (filings.certificates) ----------------------------------------------------
# Signing (filings/certificates/signing.py, docs/operations.md "Signing"): PAdES B-LTA with a
# timestamp from CERTIFICATE_TSA_URL and the chain's OCSP/CRL data embedded. The defaults are the
# local PKI's exports (portal/pki: `make demo` and `python -m portal.pki serve` make var/pki/).
_PKI_EXPORT = VAR_DIR / "pki" / "export"
# The authority's private key: PEM (PKCS#8 or traditional, encrypted with the passphrase or not),
# or a PKCS#12 bundle (.p12/.pfx) holding the key, its certificate and the chain.
CERTIFICATE_SIGNING_KEY = Path(os.environ.get("CERTIFICATE_SIGNING_KEY",
                                              _PKI_EXPORT / "signer.key.pem"))
CERTIFICATE_SIGNING_KEY_PASSPHRASE = os.environ.get("CERTIFICATE_SIGNING_KEY_PASSPHRASE", "")
# Its certificate (PEM; unused with PKCS#12) and the intermediate CA certificates up to (not
# including) the root, PEM paths, comma-separated.
CERTIFICATE_SIGNING_CERT = Path(os.environ.get("CERTIFICATE_SIGNING_CERT",
                                               _PKI_EXPORT / "signer.cert.pem"))
CERTIFICATE_SIGNING_CHAIN = [Path(p.strip()) for p in
                             os.environ.get("CERTIFICATE_SIGNING_CHAIN",
                                            str(_PKI_EXPORT / "chain.pem")).split(",")
                             if p.strip()]
# The RFC 3161 time-stamping authority; signing fails (certificate_failed) when it does not answer.
CERTIFICATE_TSA_URL = os.environ.get("CERTIFICATE_TSA_URL", "http://127.0.0.1:8790/portal/tsa/tsa")
# The roots a signature must chain to (PEM paths, comma-separated): verification trusts these only.
CERTIFICATE_TRUST_ROOTS = [Path(p.strip()) for p in
                           os.environ.get("CERTIFICATE_TRUST_ROOTS",
                                          str(_PKI_EXPORT / "root.cert.pem")).split(",")
                           if p.strip()]
# Seconds to wait for the TSA, an OCSP responder or a CRL repository while signing.
CERTIFICATE_PKI_TIMEOUT = float(os.environ.get("CERTIFICATE_PKI_TIMEOUT", "10"))
# Certificates trusted as anchors of their own (PEM paths, comma-separated): the self-signed
# certificates that signed PDFs before the PKI, still verified (docs/operations.md).
CERTIFICATE_PREVIOUS_CERTS = [Path(p.strip()) for p in
                              os.environ.get("CERTIFICATE_PREVIOUS_CERTS", "").split(",")
                              if p.strip()]
# Issued PDFs (without a bucket), stored once under generated names, outside any web-served folder.
CERTIFICATE_ROOT = Path(os.environ.get("CERTIFICATE_ROOT", VAR_DIR / "certificates"))
# A render that takes longer is stopped (soft) and killed (hard); both far below visibility_timeout.
CERTIFICATE_RENDER_SOFT_TIME_LIMIT = envint("CERTIFICATE_RENDER_SOFT_TIME_LIMIT", "45")
CERTIFICATE_RENDER_TIME_LIMIT = envint("CERTIFICATE_RENDER_TIME_LIMIT", "60")
# Renders started (including ones lost with their worker) before the filing is marked failed.
CERTIFICATE_MAX_ATTEMPTS = envint("CERTIFICATE_MAX_ATTEMPTS", "3")
# An uploaded PDF the verification page checks is refused above this size.
CERTIFICATE_VERIFY_MAX_BYTES = envint("CERTIFICATE_VERIFY_MAX_BYTES", str(10 * 1024 * 1024))
# Renders have their own queue; a worker consumes it besides CELERY_TASK_DEFAULT_QUEUE.
CERTIFICATE_QUEUE = os.environ.get("CELERY_CERTIFICATE_QUEUE", "certificates")
CELERY_TASK_ROUTES = {"filings.certificates.tasks.certificate_render": {"queue": CERTIFICATE_QUEUE}}
# A certificate still pending this long (above the hard time limit) is re-enqueued by the sweep.
CERTIFICATE_STUCK_AFTER_SECONDS = envint("CERTIFICATE_STUCK_AFTER_SECONDS", "120")
CELERY_BEAT_SCHEDULE["sweep-stuck-certificates"] = {
    "task": "filings.certificates.tasks.sweep_stuck_certificates", "schedule": 60.0}

# --- Rulebook amendments (filings.rulebooks) ------------------------------------------------
# What a new assessment runs under: a function returning the engine's Rulebook. The lifecycle
# reads it by name, so it never imports the rulebooks app (which is built on the lifecycle).
ASSESSMENT_RULEBOOK = "filings.rulebooks.selectors.rulebook_in_force"
# An impact preview or a publication's re-assessment reads every affected filing's evidence;
# it is stopped after this long (below the broker's visibility timeout) and marked failed.
RULEBOOK_JOB_SOFT_TIME_LIMIT = envint("RULEBOOK_JOB_SOFT_TIME_LIMIT", "1800")
# A preview still queued, or a published version not yet applied, after this long is re-sent.
RULEBOOK_JOB_STUCK_AFTER_SECONDS = envint("RULEBOOK_JOB_STUCK_AFTER_SECONDS", "120")
# How many filings one impact-preview task compares; the chunks spread over the workers.
RULEBOOK_PREVIEW_CHUNK_FILINGS = envint("RULEBOOK_PREVIEW_CHUNK_FILINGS", "25")
CELERY_BEAT_SCHEDULE["sweep-rulebook-jobs"] = {
    "task": "filings.rulebooks.tasks.sweep_rulebook_jobs", "schedule": 60.0}

# --- Exam dossiers (filings.dossiers, docs/dossier.md) -------------------------------------
# Built dossiers (without a bucket): stored once under generated names, outside any served folder.
DOSSIER_ROOT = Path(os.environ.get("DOSSIER_ROOT", VAR_DIR / "dossiers"))
# How long an examiner link works after it is issued.
DOSSIER_EXAMINER_LINK_DAYS = envint("DOSSIER_EXAMINER_LINK_DAYS", "14")
# A build is stopped after this long (below the broker's visibility timeout) and marked failed.
DOSSIER_BUILD_SOFT_TIME_LIMIT = envint("DOSSIER_BUILD_SOFT_TIME_LIMIT", "1800")
DOSSIER_BUILD_TIME_LIMIT = envint("DOSSIER_BUILD_TIME_LIMIT", "1900")
# A dossier a verify page upload may be (the command has no limit).
DOSSIER_VERIFY_MAX_BYTES = envint("DOSSIER_VERIFY_MAX_BYTES", str(200 * 1024 * 1024))
# A dossier still queued after five minutes (a lost message) is sent again.
CELERY_BEAT_SCHEDULE["sweep-pending-dossiers"] = {
    "task": "filings.dossiers.tasks.sweep_pending_dossiers", "schedule": 300.0}

# --- second factor (portal.accounts.mfa, django-otp) --------------------------------------
OTP_TOTP_ISSUER = "CVC portal"
# portal.accounts.mfa throttles wrong codes itself: django-otp's own throttle locks the device
# after the very first miss, so a mistyped code made the right one fail too.
OTP_TOTP_THROTTLE_FACTOR = 0
# Wrong codes in a row answered at once; after them each try waits MFA_THROTTLE_SECONDS, doubled
# with every further miss (1, 2, 4 … seconds), until a right code.
MFA_FREE_WRONG_CODES = envint("MFA_FREE_WRONG_CODES", "3")
MFA_THROTTLE_SECONDS = envint("MFA_THROTTLE_SECONDS", "1")

# --- processes (Procfile, portal.gunicorn_conf, portal.celery_setup) ----------------------
# JSON lines on stdout unless LOG_FORMAT=text (`make demo`); LOG_LEVEL for every process.
LOGGING = logs.from_environment()
# Pool processes of the `portal` queue's worker. The certificates worker's is fixed in the
# Procfile (one render at a time holds a WeasyPrint document in memory): run more of them.
CELERY_WORKER_CONCURRENCY = envint("WORKER_CONCURRENCY", "2")
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- The sourcing planner (filings.rulebooks.services.planning) ----------------------------
# A plan's outcome is kept in the cache this long for the person who asked, and nowhere else.
PLAN_RESULT_SECONDS = envint("PLAN_RESULT_SECONDS", "3600")
# The worker stops computing a plan after this long (a plan reads the evidence twice).
PLAN_SOFT_TIME_LIMIT = envint("PLAN_SOFT_TIME_LIMIT", "240")
