"""Django settings for Qualitas, driven by QUALITAS_* environment variables (see README)."""

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from qualitas.config.env import data_dir, env_bool, env_int, env_list, env_str, secret_key

TESTING = "pytest" in sys.modules or env_bool("QUALITAS_TESTING", False)
if TESTING and not os.environ.get("QUALITAS_DATA_DIR"):
    os.environ["QUALITAS_DATA_DIR"] = tempfile.mkdtemp(prefix="qualitas-test-")

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()
MEDIA_ROOT = DATA_DIR / "files"
CHECKPOINT_DIR = Path(os.environ.get("QUALITAS_CHECKPOINT_DIR") or DATA_DIR / "checkpoints").expanduser()  # audit

SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("QUALITAS_DEBUG", False)
DEMO_MODE = env_bool("QUALITAS_DEMO", False)
ALLOWED_HOSTS = env_list("QUALITAS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("QUALITAS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "csp",
    "qualitas.core",
    "qualitas.core.audit",
    "qualitas.core.signatures",
    "qualitas.core.workflow",
    "qualitas.core.links",
    "qualitas.core.files",
    "qualitas.core.numbering",
    "qualitas.core.tasks",
    "qualitas.core.notifications",
    "qualitas.core.jobs",
    "qualitas.documents",
    "qualitas.actions",
    "qualitas.capa",
    "qualitas.measurements",
    "qualitas.training",
    "qualitas.audits",
    "qualitas.inspections",
    "qualitas.accounts",
    "qualitas.standards",
    "qualitas.web",
]

if TESTING:
    INSTALLED_APPS.append("tests.sample")  # a regulated record with a workflow, for testing the core alone
    INSTALLED_APPS.append("tests.throwaway")  # a module added only by its folder, module.py and this line

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qualitas.accounts.middleware.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "qualitas.core.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "qualitas.core.audit.context.AuditContextMiddleware",
    "qualitas.accounts.middleware.AbsoluteSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Innermost: files the complete answers of @remembered read views (qualitas.core.readcache).
    "qualitas.core.readcache.ReadCacheMiddleware",
]

ROOT_URLCONF = "qualitas.config.urls"
WSGI_APPLICATION = "qualitas.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qualitas.web.context_processors.shell",
                "qualitas.core.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("QUALITAS_DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    # The data dir's path as it is: a sqlite:/// URL would cut it at '#' or '?' (e.g. /srv/qms#2).
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "qualitas.sqlite3")}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL + synchronous=FULL: a killed process loses no acknowledged write; writers queue
        # behind the busy timeout instead of failing, and IMMEDIATE takes the write lock up front
        # so two transactions never deadlock upgrading a read lock.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # Tests use a file (not :memory:) so threads share it, in WAL mode, as in production.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["qualitas.config.hashers.TestArgon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "qualitas.accounts.passwords.ContainsUsernameValidator"},  # "pwuser123456" for pwuser
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("QUALITAS_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "qualitas.accounts.passwords.RepeatedCharacterValidator"},
    {"NAME": "qualitas.accounts.passwords.DemoPasswordValidator"},  # unless QUALITAS_DEMO is on
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout (P11-P): the account, not the address, is locked after repeated failures.
AXES_FAILURE_LIMIT = env_int("QUALITAS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("QUALITAS_LOCKOUT_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Locking by address too would let five typos behind a site's shared NAT lock out the whole site;
# the requirement (21 CFR 11.300) is to lock the account, which is what the username parameter does.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Sessions: idle timeout by the session age, refreshed at most once a minute (not on every request:
# a read must not write; accounts.middleware.SessionRefreshMiddleware), absolute timeout by middleware.
SESSION_COOKIE_AGE = env_int("QUALITAS_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_TIMEOUT = env_int("QUALITAS_SESSION_ABSOLUTE_HOURS", 12) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Read views answer again from memory until the next audited change (qualitas.core.readcache).
READ_CACHE = env_bool("QUALITAS_READ_CACHE", True)

OTP_TOTP_ISSUER = env_str("QUALITAS_TOTP_ISSUER", "Qualitas")

# HTTPS: switched on by QUALITAS_HTTPS=1 behind TLS; then `qualitas check --deploy` is clean.
HTTPS = env_bool("QUALITAS_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("QUALITAS_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("QUALITAS_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("QUALITAS_HSTS_PRELOAD", True)
if env_bool("QUALITAS_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Static and uploaded files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Email ------------------------------------------------------------------------------------
EMAIL_HOST = env_str("QUALITAS_EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else env_str("QUALITAS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
)
EMAIL_PORT = env_int("QUALITAS_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("QUALITAS_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("QUALITAS_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("QUALITAS_EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("QUALITAS_EMAIL_FROM", "qualitas@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Locale -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("QUALITAS_TIME_ZONE", "UTC")
# The currency of every amount of money (cost of poor quality, disposition costs): an ISO 4217 code.
CURRENCY = env_str("QUALITAS_CURRENCY", "EUR").strip().upper() or "EUR"
if not (len(CURRENCY) == 3 and CURRENCY.isascii() and CURRENCY.isalpha()):
    raise ValueError(f"QUALITAS_CURRENCY must be a three-letter ISO 4217 code such as EUR or USD, got {CURRENCY!r}")
USE_I18N = True
USE_TZ = True

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # An ordinary refusal (403) is one WARNING line (method, path, user, reason), not a traceback;
    # 500s keep theirs.
    "filters": {"forbidden_one_line": {"()": "qualitas.config.log_filters.ForbiddenOneLine"}},
    "root": {"handlers": ["console"], "level": env_str("QUALITAS_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["forbidden_one_line"]},
        "django.security.csrf": {"filters": ["forbidden_one_line"]},
    },
}
