"""Handraise's one settings file.

Every knob is a ``HANDRAISE_*`` environment variable with a safe default for a
local run: SQLite in ``./var/``, debug off, a secret key generated once and kept
in the data dir. A setting that cannot work raises ``ImproperlyConfigured`` with
one sentence saying what to fix; the ``handraise`` command prints that sentence
instead of a traceback.
"""

import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"HANDRAISE_{name}", default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = env(name, "1" if default else "0").lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"HANDRAISE_{name}={raw!r} is not a boolean; use 1 or 0.")


def env_int(name: str, default: int) -> int:
    raw = env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"HANDRAISE_{name}={raw!r} is not a whole number.") from None


def env_seconds_list(name: str, default: str) -> tuple[int, ...]:
    """A comma-separated list of whole seconds, each at least 1, e.g. ``5,15,30``."""
    raw = env(name, default)
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise ImproperlyConfigured(
            f"HANDRAISE_{name}={raw!r} is not a list of seconds; use whole numbers "
            "of at least 1, separated by commas, e.g. 5,15,30."
        )
    return values


def prepare_data_dir(path: Path) -> Path:
    """Create the data dir if needed and prove it is writable, before anything uses it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        # A probe of its own: serve's processes start together, and with one shared
        # name one would delete another's probe and report the dir as unwritable.
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as error:
        raise ImproperlyConfigured(
            f"HANDRAISE_DATA_DIR={str(path)!r} is not a writable directory "
            f"({error.strerror}); point it at a folder Handraise may write to."
        ) from None
    return path


def load_secret_key(data_dir: Path) -> str:
    """The given key, or one generated on first run and kept (mode 0600) in the data dir."""
    given = env("SECRET_KEY")
    if given:
        return given
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def database_config(url: str, data_dir: Path) -> dict:
    if not url:
        url = f"sqlite:///{data_dir / 'handraise.sqlite3'}"
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"HANDRAISE_DATABASE_URL has the scheme {scheme or 'nothing'!r}; use "
            "sqlite:///path/to/file.sqlite3 or postgres://user@host:5432/name."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"HANDRAISE_DATABASE_URL cannot be read: {error}") from None
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.postgresql":
        # Fail fast when PostgreSQL is down, so intake can spool instead of hanging.
        config.setdefault("OPTIONS", {})["connect_timeout"] = env_int("PG_CONNECT_TIMEOUT", 3)
    if engine == "django.db.backends.sqlite3":
        # WAL lets readers and one writer work together; IMMEDIATE transactions take the
        # write lock up front, so concurrent writers wait (up to the timeout) instead of
        # failing half-way with "database is locked".
        # synchronous=FULL makes every commit wait for the disk (one fsync of the WAL):
        # intake answers success only once a submission is durable, and NORMAL would
        # only survive a crash of the process, not of the machine.
        # Tests use a file too, in WAL mode like production (an in-memory database
        # locks whole tables and would hide how concurrent writers really behave).
        config["TEST"] = {"NAME": str(data_dir / f"test-{os.getpid()}.sqlite3")}
        # Kept open between requests, as PostgreSQL's are: opening one runs the
        # PRAGMAs below, which cost a stored site event more than its INSERT.
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
        config["OPTIONS"] = {
            "timeout": env_int("SQLITE_TIMEOUT", 20),
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
            ),
        }
    if not config.get("NAME"):
        raise ImproperlyConfigured("HANDRAISE_DATABASE_URL has no database name.")
    return config


DATA_DIR = prepare_data_dir(Path(env("DATA_DIR", "var")).resolve())
SECRET_KEY = load_secret_key(DATA_DIR)
DEBUG = env_bool("DEBUG", False)

BASE_URL = env("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(BASE_URL)
try:
    _base_port_ok = _base.port is None or _base.port > 0
except ValueError:  # not a number, or above 65535
    _base_port_ok = False
if _base.scheme not in {"http", "https"} or not _base.hostname or not _base_port_ok:
    raise ImproperlyConfigured(
        f"HANDRAISE_BASE_URL={BASE_URL!r} is not an http(s) URL such as https://crm.example.com."
    )
SECURE = _base.scheme == "https"

ALLOWED_HOSTS = [_base.hostname, "localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS += [h.strip() for h in env("ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

INSTALLED_APPS = [
    # django.contrib.admin, with Handraise's admin site (throttled login, secrets guarded).
    "handraise.accounts.admin_config.HandraiseAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "handraise.core",
    "handraise.accounts",
    "handraise.contacts",
    "handraise.marketing",
    "handraise.enquiries",
    "handraise.sales",
    "handraise.insights",
    "handraise.imports",
    "handraise.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view says otherwise (login_not_required).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "handraise.core.middleware.BusinessTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "handraise.urls"
WSGI_APPLICATION = "handraise.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "handraise.core.context_processors.business",
            ],
        },
    },
]

DATABASES = {"default": database_config(env("DATABASE_URL"), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Caches. With HANDRAISE_REDIS_URL (scale-out) everything is shared through Redis.
# Embedded, the general cache is files in the data dir and rate-limit counters stay
# in each web process's memory: a file write per request would cost more than the
# whole intake, and limits that are per process (so a little looser) suit
# quarantine-not-reject spam handling and sign-in throttling alike.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    _redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    CACHES = {"default": _redis, "ratelimit": {**_redis, "KEY_PREFIX": "ratelimit"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        },
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
RATELIMIT_USE_CACHE = "ratelimit"
# Every rate limit keyed by "ip" counts the client's address, proxy or not (see
# handraise/core/client_address.py and HANDRAISE_BEHIND_PROXY below).
RATELIMIT_IP_META_KEY = "handraise.core.client_address.address_for_rate_limits"

# Public intake: biggest body accepted, and submissions per address before quarantine.
INTAKE_MAX_BYTES = env_int("INTAKE_MAX_BYTES", 64 * 1024)
INTAKE_RATE_LIMIT = env("INTAKE_RATE_LIMIT", "10/10m")
# Tracked links (/r/<code>): clicks counted per address; past this a click is still
# redirected but not recorded (a room scanning one QR code shares one address).
LINK_RATE_LIMIT = env("LINK_RATE_LIMIT", "30/m")
# Site-script events (POST /t/) one address may send: a reader opening a page every
# two seconds stays well inside; a script flooding the endpoint does not.
TRACK_RATE_LIMIT = env("TRACK_RATE_LIMIT", "120/m")
# A received submission (or a stored inbound email) still waiting after this many
# seconds is retried by a sweep (it failed once, or no worker was there to take it).
SUBMISSION_STALLED_AFTER = env_int("SUBMISSION_STALLED_AFTER", 60)
# Inbound email (handraise ingest-email): larger messages are quarantined unread.
INBOUND_EMAIL_MAX_BYTES = env_int("INBOUND_EMAIL_MAX_BYTES", 10 * 1024 * 1024)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Every sign-in (the login page, the admin's, any future one) goes through this
# backend, which throttles failed attempts before a password is even checked.
AUTHENTICATION_BACKENDS = ["handraise.accounts.backends.ThrottledModelBackend"]
# Failed sign-ins before a pause: into one account from one address (or from one
# browser that signed into it before); from one address into any accounts; and into
# one account from browsers that never signed into it, whatever their addresses.
LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", "10/5m")
LOGIN_ADDRESS_RATE_LIMIT = env("LOGIN_ADDRESS_RATE_LIMIT", "30/5m")
LOGIN_ACCOUNT_RATE_LIMIT = env("LOGIN_ACCOUNT_RATE_LIMIT", "30/5m")
# Password-reset emails asked for, per address and per email address.
PASSWORD_RESET_RATE_LIMIT = env("PASSWORD_RESET_RATE_LIMIT", "5/1h")
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Uploaded documents (proposals) live in the data dir and have no public URL: they are
# downloaded only through login-required views.
MEDIA_ROOT = DATA_DIR / "media"
# Largest proposal document accepted, in bytes.
PROPOSAL_MAX_BYTES = env_int("PROPOSAL_MAX_BYTES", 10 * 1024 * 1024)
# Uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE are written to disk as they arrive:
# here rather than /tmp, which may be a RAM disk, and on the same file system as the
# data dir, so keeping an upload is a rename, not a copy.
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "uploading"
FILE_UPLOAD_TEMP_DIR.mkdir(exist_ok=True)
# The Import page: largest CSV file accepted, in bytes, and how long a running import
# may go without a sign of life before it is shown as interrupted (its worker died).
# Progress is written between rows, so this must be well above the time one batch of
# rows takes to write (seconds), or a slow but live import would look interrupted.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 200 * 1024 * 1024)
IMPORT_STALLED_AFTER = env_int("IMPORT_STALLED_AFTER", 120)
# Attribution: only touchpoints this many days before a hand-raise count toward it.
ATTRIBUTION_WINDOW_DAYS = env_int("ATTRIBUTION_WINDOW_DAYS", 90)
if not 1 <= ATTRIBUTION_WINDOW_DAYS <= 3650:
    raise ImproperlyConfigured(
        f"HANDRAISE_ATTRIBUTION_WINDOW_DAYS={ATTRIBUTION_WINDOW_DAYS} must be 1 to 3650 days."
    )

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Static files are served by WhiteNoise straight from the apps, so a fresh clone needs
# no collectstatic step; `handraise serve` still collects them for compressed serving.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

_email = dj_email_url.parse(env("EMAIL_URL", "smtp://127.0.0.1:25"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# A send with no result after this many seconds is taken to have died with its worker
# and is retried (with the same Message-ID). Must be well above EMAIL_TIMEOUT.
EMAIL_STALLED_AFTER = max(env_int("EMAIL_STALLED_AFTER", 60), EMAIL_TIMEOUT + 1)
# Seconds to wait before each retry of a send that failed (the mail server down or
# refusing); when the last retry fails too, the email is marked failed for the owner.
EMAIL_RETRY_AFTER = env_seconds_list("EMAIL_RETRY_AFTER", "5,15,30,60,300,900,1800,3600")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"Handraise <handraise@{_base.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: safe defaults everywhere; the HTTPS-only ones follow HANDRAISE_BASE_URL.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000) if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
# A strict Content-Security-Policy: no inline script or style anywhere, so injected
# markup cannot run even if something ever slipped past escaping.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
# Behind a reverse proxy (nginx, Caddy): trust its X-Forwarded-Proto, and take the
# client's address from X-Forwarded-For, PROXY_HOPS places from the right (one per
# trusted proxy in front of Handraise). Without it that header is ignored.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
PROXY_HOPS = env_int("PROXY_HOPS", 1)
if PROXY_HOPS < 1:
    raise ImproperlyConfigured(
        f"HANDRAISE_PROXY_HOPS={PROXY_HOPS} must be at least 1 (the proxy in front of Handraise)."
    )
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Jobs the worker polls on threads of their own, again at once while they find work.
POLLED_JOBS = ["handraise.enquiries.submissions.process_received_submissions"]
# Polled jobs whose work takes minutes, each on its own thread (see core/periodic.py).
LONG_POLLED_JOBS = ["handraise.imports.jobs.run_queued_jobs"]
# Jobs the worker runs by itself: (service function, seconds between runs).
PERIODIC_JOBS = [
    ("handraise.enquiries.submissions.replay_spool", 2),
    ("handraise.enquiries.submissions.retry_stalled_submissions", 15),
    ("handraise.enquiries.email_ingest.retry_unhandled_inbound_emails", 15),
    ("handraise.enquiries.response_clock.sound_response_alarms", 30),
    ("handraise.core.outbox.retry_stalled_emails", 10),
    ("handraise.sales.cadences.run_due_steps", 60),
    ("handraise.imports.jobs.discard_abandoned_uploads", 3600),
]
