"""Settings for Dangxiao, driven by environment variables (one file, as healthchecks does).

DEBUG defaults on for a laptop demo; production sets DANGXIAO_DEBUG=0, SECRET_KEY and ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DANGXIAO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DANGXIAO_DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DANGXIAO_DEBUG is off")
    SECRET_KEY = "dev-only-not-secret-" + "x" * 40
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "huey.contrib.djhuey",
    "axes",
    "dangxiao.core",
    "dangxiao.people",
    "dangxiao.notify",
    "dangxiao.school",
    "dangxiao.teaching",
    "dangxiao.attendance",
    "dangxiao.liaison",
    "dangxiao.online",
    "dangxiao.practice",
    "dangxiao.appraisal",
    "dangxiao.reports",
    "dangxiao.api",
    "dangxiao.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages are compressed too (static files come precompressed from WhiteNoise, above, and skip this). Django's
    # GZip middleware pads its output with random bytes against BREACH, the attack on compressed secrets.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "dangxiao.core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dangxiao.core.middleware.PasswordChangeRequiredMiddleware",
    "dangxiao.reports.middleware.KioskOnlyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dangxiao.urls"
WSGI_APPLICATION = "dangxiao.wsgi.application"
AUTH_USER_MODEL = "people.User"

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
                "dangxiao.core.context_processors.navigation",
            ],
        },
    },
]

# Databases: SQLite in var/ by default (WAL, busy timeout, immediate transactions so that
# concurrent writers queue instead of failing with "database is locked"); DATABASE_URL selects
# PostgreSQL in production. Connections persist on both: opening a SQLite connection and running its
# init_command (which every new connection still does) cost about a fifth of a check-in's CPU.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dangxiao.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "dangxiao.core.sqlite"  # writers queue on a file lock (core/sqlite/base.py)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    # ":memory:" spelt out: pytest-django recognises an in-memory test database only by Django's engine name.
    test_name = str(VAR_DIR / "test.sqlite3") if env_bool("DANGXIAO_SQLITE_FILE_TESTS", False) else ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": test_name}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "dangxiao.core.postgresql"  # a health check without a round trip (core/postgresql/base.py)
    # Parameters bound by the server, so that psycopg prepares a statement once it has run it
    # `prepare_threshold` times on a connection: planning the API token lookup and the check-in's read cost
    # PostgreSQL four times as much as running them (README "Benchmarks"). Behind a pooler in transaction
    # mode (PgBouncer before 1.21), set DANGXIAO_PG_PREPARE_THRESHOLD=off.
    threshold = os.environ.get("DANGXIAO_PG_PREPARE_THRESHOLD", "5")
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": None if threshold.lower() in {"off", "none", ""} else int(threshold),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "dangxiao.people.auth.PhoneBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (people/throttle.py): 5 failures for one username, from any address, lock it for 15
# minutes; so do 20 failures from one address, across usernames. The username is counted as sign-in reads
# it (people.normalize.sign_in_username), so " 139 0000 0005" and "13900000005" share one counter. The
# sign-in page, the API's token endpoint and the activation step all count here.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "dangxiao.people.throttle.throttle_username"
AXES_HANDLER = "dangxiao.people.throttle.SignInThrottle"
AXES_LOCKOUT_CALLABLE = "dangxiao.people.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Axes keeps a failed request's form fields; none of these may be kept in clear.
AXES_SENSITIVE_PARAMETERS = ["password", "code", "new_password1", "new_password2", "old_password"]
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# First sign-in: an activation code per member (people/activation.py), valid this many days.
ACTIVATION_CODE_DAYS = float(os.environ.get("DANGXIAO_ACTIVATION_CODE_DAYS", "30"))
# API tokens end this many days after their last use (people/services.py, the token statement).
API_TOKEN_DAYS = float(os.environ.get("DANGXIAO_API_TOKEN_DAYS", "30"))

# Behind a reverse proxy every request comes from the proxy's address: list the proxies here and
# the client's address is read from X-Forwarded-For instead, by core.audit.client_ip — for the
# audit log, check-ins, the residents' rate limits and the sign-in throttle alike. Empty means
# REMOTE_ADDR is the client.
TRUSTED_PROXIES = tuple(a.strip() for a in os.environ.get("DANGXIAO_TRUSTED_PROXIES", "").split(",") if a.strip())
AXES_CLIENT_IP_CALLABLE = "dangxiao.core.audit.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "dangxiao.core.staticfinders.VendorFinder",  # the few files we ship from node_modules, under vendor/
]
# Production serves what collectstatic wrote: hashed names (cached for a year, immutable) and their gzip and
# Brotli forms, made once at collectstatic, chosen by the browser's Accept-Encoding. The laptop demo
# (DEBUG) serves the source files as they are, so no collectstatic is needed while editing.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "uploads"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
ROSTER_IMPORT_MAX_BYTES = int(os.environ.get("ROSTER_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The cache holds short-lived counters (the certificate check's throttle). Per process by default;
# with several gunicorn workers or servers, point DANGXIAO_CACHE_URL at Redis so they share it.
CACHE_URL = os.environ.get("DANGXIAO_CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Background and periodic work: huey. The embedded default keeps its queue in SQLite under var/
# (no extra server; `make demo` starts the consumer); HUEY_REDIS_URL selects Redis in production.
HUEY_REDIS_URL = os.environ.get("HUEY_REDIS_URL", "")
HUEY = {
    "name": "dangxiao",
    "immediate": env_bool("HUEY_IMMEDIATE", False),
    "utc": True,
    "consumer": {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread", "periodic": True},
}
if HUEY_REDIS_URL:
    HUEY.update(huey_class="huey.RedisHuey", url=HUEY_REDIS_URL)
else:
    HUEY.update(huey_class="huey.SqliteHuey", filename=str(VAR_DIR / "huey.sqlite3"))

# Notifications (notify/, README "Configuration"). E-mail goes through Django's mail settings: EMAIL_HOST,
# EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL. Links in e-mails and
# robot posts start with DANGXIAO_SITE_URL.
SITE_URL = os.environ.get("DANGXIAO_SITE_URL", "http://127.0.0.1:8000")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "dangxiao@localhost")
if "EMAIL_BACKEND" in os.environ:
    EMAIL_BACKEND = os.environ["EMAIL_BACKEND"]
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def _pairs(value: str) -> dict[str, str]:
    """ "session_reminder=SMS_1,leave_decided=SMS_2" → {kind: template code}."""
    return {k.strip(): v.strip() for k, _sep, v in (p.partition("=") for p in value.split(",")) if k.strip() and v.strip()}


# SMS: DANGXIAO_SMS_PROVIDER is "aliyun" (Alibaba Cloud dysmsapi) or "tencent" (Tencent Cloud SMS); empty sends
# none. The signature (签名) and template codes are the ones the provider approved; DANGXIAO_SMS_TEMPLATES maps a
# kind of notice to its template, DANGXIAO_SMS_TEMPLATE is the fallback.
NOTIFY_SMS = {
    "provider": os.environ.get("DANGXIAO_SMS_PROVIDER", ""),
    "endpoint": os.environ.get("DANGXIAO_SMS_ENDPOINT", ""),  # the provider's own by default
    "access_key_id": os.environ.get("DANGXIAO_SMS_ACCESS_KEY_ID", ""),  # Tencent: SecretId
    "access_key_secret": os.environ.get("DANGXIAO_SMS_ACCESS_KEY_SECRET", ""),  # Tencent: SecretKey
    "sign_name": os.environ.get("DANGXIAO_SMS_SIGN_NAME", ""),
    "sdk_app_id": os.environ.get("DANGXIAO_SMS_SDK_APP_ID", ""),  # Tencent only
    "region": os.environ.get("DANGXIAO_SMS_REGION", ""),
    "template": os.environ.get("DANGXIAO_SMS_TEMPLATE", ""),
    "templates": _pairs(os.environ.get("DANGXIAO_SMS_TEMPLATES", "")),
    "timeout": float(os.environ.get("DANGXIAO_SMS_TIMEOUT", "10")),
}
# The 企业微信 robots' webhooks (set per organisation by the board) may only point at these hosts.
NOTIFY_WECOM_HOSTS = tuple(h.strip() for h in os.environ.get("DANGXIAO_WECOM_HOSTS", "qyapi.weixin.qq.com").split(",") if h.strip())
# E-mail notices are sent only where a mail server is configured (or DANGXIAO_NOTIFY_EMAIL=1).
NOTIFY_EMAIL = env_bool("DANGXIAO_NOTIFY_EMAIL", "EMAIL_HOST" in os.environ or "EMAIL_BACKEND" in os.environ)
# A failed outside message is tried again this many times in all, the waits growing (notify/services.py).
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("DANGXIAO_NOTIFY_MAX_ATTEMPTS", "5"))

# Rules with their sources (SYSTEM.md §3); per-year rule sets arrive with the study-hour ledger.
DEMO_PASSWORD = "Demo@2024"
