"""Settings for the platform. Every value that varies between deployments comes from the
environment through :mod:`ory_platform.env`; README.md lists the variables."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ory_platform import __version__, env

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = __version__

# --- Core --------------------------------------------------------------------------------------
DEBUG = env.flag("DEBUG", False)
SECRET_KEY = env.secret_key(DEBUG)
PUBLIC_URL = env.public_url("http://127.0.0.1:8000")
_public = urlsplit(PUBLIC_URL)
PUBLIC_URL_IS_HTTPS = _public.scheme == "https"
ALLOWED_HOSTS = env.words("ALLOWED_HOSTS", [_public.hostname, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}", *env.words("CSRF_TRUSTED_ORIGINS")]

INSTALLED_APPS = [
    "ory_platform.apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "ory_platform",
    "identity_app",
    "oauth2_app",
    "permissions_app",
]

MIDDLEWARE = [
    "ory_platform.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ory_platform.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ory_platform.middleware.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "identity_app.authentication.IdentitySessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ory_platform.urls"
WSGI_APPLICATION = "ory_platform.wsgi.application"

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

# --- Data stores -------------------------------------------------------------------------------
DATABASES = {
    "default": env.database(
        env.text("DATABASE_URL") or None,
        base_dir=BASE_DIR,
        conn_max_age=env.integer("DATABASE_CONN_MAX_AGE", 60),
        isolation_level=env.text("DATABASE_ISOLATION_LEVEL", "serializable").lower(),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DISABLE_COCKROACHDB_TELEMETRY = True
DATABASE_RETRY_ATTEMPTS = env.integer("DATABASE_RETRY_ATTEMPTS", 8)
DATABASE_RETRY_BASE_DELAY = 0.01  # seconds; the ceiling doubles every attempt
DATABASE_RETRY_MAX_DELAY = 0.5
# PostgreSQL: run the hot paths' statements (token, client and session reads, token inserts, the
# permission engine's reads) as prepared statements; turn off behind a connection pooler in
# transaction mode that cannot keep them (ory_platform.queries.hot_cursor).
DATABASE_PREPARED_STATEMENTS = env.flag("DATABASE_PREPARED_STATEMENTS", True)

CACHES = {"default": env.cache(env.text("CACHE_URL"))}

# --- Identity and authentication ---------------------------------------------------------------
AUTH_USER_MODEL = "identity_app.Identity"
AUTHENTICATION_BACKENDS = ["identity_app.authentication.IdentityPermissionBackend"]
LOGIN_URL = "identity:login-page"
# Django's own session only carries console messages; it lives in a signed cookie, not a table.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

# --- Identities, credentials, sessions, self-service flows (Kratos) ----------------------------
IDENTITY_SCHEMAS = {"default": "identity_app/schemas/default.schema.json", **env.mapping("IDENTITY_SCHEMAS")}
IDENTITY_DEFAULT_SCHEMA_ID = env.text("IDENTITY_DEFAULT_SCHEMA_ID", "default")
IDENTITY_SESSION_LIFESPAN = env.integer("IDENTITY_SESSION_LIFESPAN", 24 * 3600)  # seconds
IDENTITY_FLOW_LIFESPAN = env.integer("IDENTITY_FLOW_LIFESPAN", 3600)  # seconds
IDENTITY_SESSION_COOKIE_NAME = "ory_kratos_session"
IDENTITY_CSRF_COOKIE_NAME = "ory_csrf_token"
IDENTITY_COOKIE_SECURE = PUBLIC_URL_IS_HTTPS
# Where `Authorization: Bearer` carries a session token (elsewhere it is an API key or access token).
IDENTITY_BEARER_SESSION_PATHS = ["/sessions", "/self-service/"]
IDENTITY_RETURN_TO_ALLOWED_HOSTS = env.words("IDENTITY_RETURN_TO_ALLOWED_HOSTS")
IDENTITY_DEFAULT_RETURN_URL = env.text("IDENTITY_DEFAULT_RETURN_URL")  # empty: the home page
IDENTITY_LOGOUT_RETURN_URL = env.text("IDENTITY_LOGOUT_RETURN_URL")  # empty: the login page
IDENTITY_REGISTRATION_SIGNS_IN = env.flag("IDENTITY_REGISTRATION_SIGNS_IN", True)
# Changing credentials or identifying traits needs a sign-in at most this old (seconds).
IDENTITY_PRIVILEGED_SESSION_MAX_AGE = env.integer("IDENTITY_PRIVILEGED_SESSION_MAX_AGE", 15 * 60)
IDENTITY_REVOKE_SESSIONS_ON_PASSWORD_CHANGE = env.flag("IDENTITY_REVOKE_SESSIONS_ON_PASSWORD_CHANGE", True)
# The OAuth2 provider's login endpoint (a URL name): a sign-in started with ?login_challenge= goes
# on there to accept the challenge for the identity that signed in.
IDENTITY_OAUTH2_LOGIN_URL = "oauth2:fallback-login"
# One-time codes (recovery, verification, sign-in by e-mail): lifetime and wrong tries per flow.
IDENTITY_CODE_LIFESPAN = env.integer("IDENTITY_CODE_LIFESPAN", 3600)  # seconds
IDENTITY_CODE_MAX_ATTEMPTS = 5
# How recovery proves the address: "code" (six digits in an e-mail) or "link" (a link with a token).
IDENTITY_RECOVERY_METHOD = env.choice("IDENTITY_RECOVERY_METHOD", ("code", "link"), "code")
# Tell an unknown address that someone tried to recover an account with it (off: Kratos' default).
IDENTITY_RECOVERY_NOTIFY_UNKNOWN_RECIPIENTS = env.flag("IDENTITY_RECOVERY_NOTIFY_UNKNOWN_RECIPIENTS", False)
IDENTITY_VERIFICATION_NOTIFY_UNKNOWN_RECIPIENTS = env.flag("IDENTITY_VERIFICATION_NOTIFY_UNKNOWN_RECIPIENTS", False)
# Failed attempts allowed per window (attempts, seconds), per identifier and per client IP.
IDENTITY_THROTTLE_ENABLED = env.flag("IDENTITY_THROTTLE_ENABLED", True)
IDENTITY_THROTTLE = {
    "login": {"per_identifier": (5, 300), "per_ip": (50, 300)},
    "code": {"per_identifier": (5, 300), "per_ip": (30, 300)},
    "second_factor": {"per_identifier": (5, 300), "per_ip": (30, 300)},  # per identity at the second step
    "registration": {"per_ip": (20, 3600)},
}

# --- Courier (outgoing e-mail) ------------------------------------------------------------------
_email = env.email(env.text("SMTP_URL"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST, EMAIL_PORT = _email["EMAIL_HOST"], _email["EMAIL_PORT"]
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"], _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_SSL, EMAIL_USE_TLS, EMAIL_TIMEOUT = _email["EMAIL_USE_SSL"], _email["EMAIL_USE_TLS"], _email["EMAIL_TIMEOUT"]
IDENTITY_COURIER_FROM = env.text("COURIER_FROM", f"no-reply@{_public.hostname}")
IDENTITY_COURIER_DELIVER_ON_COMMIT = env.flag("COURIER_DELIVER_ON_COMMIT", True)
IDENTITY_COURIER_MAX_SENDS = env.integer("COURIER_MAX_SENDS", 5)
IDENTITY_COURIER_RETRY_BASE_DELAY = 30  # seconds; doubles with every failed attempt

# --- Second factors and passkeys (identity_app: TOTP, lookup codes, WebAuthn) ---------------------
# Secrets that key the encryption of TOTP seeds (AES-256-GCM) and the hashes of lookup codes. The first
# one encrypts; all of them decrypt, so a new key goes first and old ones stay until re-enrolment.
# Unset: derived from SECRET_KEY.
IDENTITY_MFA_ENCRYPTION_KEYS = env.words("IDENTITY_MFA_ENCRYPTION_KEYS")
IDENTITY_MFA_TOTP_ISSUER = env.text("IDENTITY_MFA_TOTP_ISSUER", _public.hostname or "Ory Platform")
# What /sessions/whoami and security changes in the settings flow demand of a session: "highest_available"
# (aal2 once the identity has a second factor, as Kratos does by default) or "aal1".
IDENTITY_MFA_WHOAMI_REQUIRED_AAL = env.text("IDENTITY_MFA_WHOAMI_REQUIRED_AAL", "highest_available")
IDENTITY_MFA_SETTINGS_REQUIRED_AAL = env.text("IDENTITY_MFA_SETTINGS_REQUIRED_AAL", "highest_available")
# The WebAuthn relying party: its id is the PUBLIC_URL host, browsers must be on one of the origins.
IDENTITY_WEBAUTHN_RP_ID = env.text("IDENTITY_WEBAUTHN_RP_ID", _public.hostname or "")
IDENTITY_WEBAUTHN_RP_NAME = env.text("IDENTITY_WEBAUTHN_RP_NAME", "Ory Platform")
IDENTITY_WEBAUTHN_ORIGINS = env.words("IDENTITY_WEBAUTHN_ORIGINS", [f"{_public.scheme}://{_public.netloc}"])

# The first hasher writes new hashes; the rest only read hashes imported from Django projects.
PASSWORD_HASHERS = [
    "identity_app.passwords.hashing.IdentityArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# --- Passwords (identity_app.passwords) --------------------------------------------------------
# argon2id cost: 64 MiB, one pass, two lanes, about 75 ms per hash on the 2-core production
# machine; the measurement is in identity_app/passwords/hashing.py.
IDENTITY_PASSWORD_ARGON2 = {"time_cost": 1, "memory_cost": 65536, "parallelism": 2}
IDENTITY_PASSWORD_MIN_LENGTH = 8
IDENTITY_PASSWORD_MAX_LENGTH = 1024

# --- OAuth2 (django-oauth-toolkit's swappable models live in oauth2_app) -----------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_app.Client"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_app.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_app.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_app.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_app.AuthorizationCode"
OAUTH2_PROVIDER_DEVICE_GRANT_MODEL = "oauth2_app.DeviceGrant"
OAUTH2_PROVIDER = {
    # RFC 9700 (OAuth 2.0 Security Best Current Practice), all of it: no implicit or password
    # grant, PKCE with S256 only, no tokens in query strings, `iss` in authorization responses
    # (RFC 9207), tokens hashed at rest, refresh-token replay revokes the family, exact redirects.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "PKCE_REQUIRED": True,
    "ALLOW_URI_WILDCARDS": False,
    # Plain-http redirect URIs (loopback callbacks of native apps, RFC 8252 §7.3) only where the
    # platform itself is served over plain http, i.e. on a laptop.
    "ALLOWED_REDIRECT_URI_SCHEMES": env.words(
        "OAUTH2_ALLOWED_REDIRECT_URI_SCHEMES", ["https"] if PUBLIC_URL_IS_HTTPS else ["http", "https"]
    ),
}

# --- OAuth2 provider: Hydra's settings (oauth2_app) -------------------------------------------
OAUTH2_PROVIDER.update(
    {
        "OIDC_ENABLED": True,
        "OIDC_ISS_ENDPOINT": PUBLIC_URL,
        "OAUTH2_VALIDATOR_CLASS": "oauth2_app.validator.HydraValidator",
        "OAUTH2_SERVER_CLASS": "oauthlib.openid.Server",
        "OAUTH2_BACKEND_CLASS": "oauth2_app.server.HydraOAuthLibCore",
        "OAUTH_PRE_TOKEN_VALIDATION": [],  # HydraValidator.validate_device_code loads the device's grant
        # Scopes are per client (Client.scope), as in Hydra; these describe them on the consent page.
        "SCOPES": {
            "openid": "Sign you in and know who you are",
            "offline_access": "Stay connected when you are not using it",
            "offline": "Stay connected when you are not using it",
            "email": "See your e-mail address",
            "profile": "See your name",
        },
        "DEFAULT_SCOPES": [],
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": env.integer("OAUTH2_AUTHORIZATION_CODE_LIFESPAN", 600),
        "ACCESS_TOKEN_EXPIRE_SECONDS": env.integer("OAUTH2_ACCESS_TOKEN_LIFESPAN", 3600),
        "ID_TOKEN_EXPIRE_SECONDS": env.integer("OAUTH2_ID_TOKEN_LIFESPAN", 3600),
        "REFRESH_TOKEN_EXPIRE_SECONDS": env.integer("OAUTH2_REFRESH_TOKEN_LIFESPAN", 30 * 24 * 3600),
        "DEVICE_FLOW_INTERVAL": 5,
        # Client secrets are 256-bit random values: see oauth2_app/hashers.py for why SHA-256 is enough.
        "CLIENT_SECRET_HASHER": "oauth2_client_secret_sha256",
        "ACCESS_TOKEN_GENERATOR": "oauth2_app.server.access_token_value",
        "REFRESH_TOKEN_GENERATOR": "oauth2_app.server.refresh_token_value",
        "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
        "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post", "none"],
    }
)
PASSWORD_HASHERS = [*PASSWORD_HASHERS, "oauth2_app.hashers.ClientSecretSHA256Hasher"]
# Where the browser is sent to sign in, consent and sign out (Hydra's urls.login/consent/logout);
# the defaults are the built-in pages. OAUTH2_IDENTITY_LOGIN_URL is the identity sign-in page the
# built-in login page falls back to.
OAUTH2_LOGIN_URL = env.text("OAUTH2_LOGIN_URL") or "oauth2:fallback-login"
OAUTH2_CONSENT_URL = env.text("OAUTH2_CONSENT_URL") or "oauth2:fallback-consent"
OAUTH2_LOGOUT_URL = env.text("OAUTH2_LOGOUT_URL") or "oauth2:fallback-logout"
OAUTH2_POST_LOGOUT_REDIRECT_URL = env.text("OAUTH2_POST_LOGOUT_REDIRECT_URL") or "/"
OAUTH2_IDENTITY_LOGIN_URL = env.text("OAUTH2_IDENTITY_LOGIN_URL") or "/login"
OAUTH2_FLOW_LIFESPAN = env.integer(
    "OAUTH2_FLOW_LIFESPAN", 30 * 60
)  # challenges expire (Hydra: ttl.login_consent_request)
OAUTH2_LOGIN_SESSION_LIFESPAN = env.integer("OAUTH2_LOGIN_SESSION_LIFESPAN", 30 * 24 * 3600)
# The built-in login page relies on the identity session for single sign-on; remembering the
# OAuth2 login as well would outlive a sign-out of the identity session, so it is off by default.
OAUTH2_BUILTIN_LOGIN_REMEMBER = env.flag("OAUTH2_BUILTIN_LOGIN_REMEMBER", False)
OAUTH2_BUILTIN_LOGIN_REMEMBER_FOR = env.integer("OAUTH2_BUILTIN_LOGIN_REMEMBER_FOR", 3600)
OAUTH2_BUILTIN_CONSENT_REMEMBER_FOR = env.integer("OAUTH2_BUILTIN_CONSENT_REMEMBER_FOR", 0)  # 0: until revoked
OAUTH2_COOKIE_SECURE = PUBLIC_URL_IS_HTTPS
# Which clients must use PKCE: "all" (RFC 9700 §2.1.1, OAuth 2.1), or "public" as Hydra's default
# (oauth2.pkce.enforced_for_public_clients) for confidential clients written without it.
OAUTH2_PKCE_ENFORCED = env.choice("OAUTH2_PKCE_ENFORCED", ("all", "public"), "all")
# An external device UI (Hydra's urls.device.verification): /oauth2/device/verify sends the browser
# there with a device_challenge. Empty: the built-in page asks for the user code itself.
OAUTH2_DEVICE_VERIFICATION_URL = env.text("OAUTH2_DEVICE_VERIFICATION_URL") or ""
# OpenID Connect Dynamic Client Registration (/oauth2/register, Hydra's
# oidc.dynamic_client_registration.enabled): anyone may register a client, so it is off by default.
OAUTH2_DYNAMIC_CLIENT_REGISTRATION = env.flag("OAUTH2_DYNAMIC_CLIENT_REGISTRATION", False)
# Wrong user codes per client address (built-in page) or per device challenge (external UI).
OAUTH2_DEVICE_VERIFY_ATTEMPTS = env.integer("OAUTH2_DEVICE_VERIFY_ATTEMPTS", 10)
OAUTH2_DEVICE_VERIFY_WINDOW = 600  # seconds
# Key that encrypts signing keys at rest; derived from SECRET_KEY unless set (set it to rotate SECRET_KEY freely).
OAUTH2_KEY_ENCRYPTION_SECRET = env.text("OAUTH2_KEY_ENCRYPTION_SECRET") or SECRET_KEY
OAUTH2_RETIRED_KEY_PUBLISH_SECONDS = env.integer("OAUTH2_RETIRED_KEY_PUBLISH_SECONDS", 7 * 24 * 3600)

# --- HTTP, security headers --------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PUBLIC_URL_IS_HTTPS
SESSION_COOKIE_NAME = "ory_console_session"
CSRF_COOKIE_SECURE = PUBLIC_URL_IS_HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "ory_platform.error_views.csrf_failure"
if PUBLIC_URL_IS_HTTPS:
    SECURE_HSTS_SECONDS = env.integer("HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.flag("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env.flag("HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", True)
    # Load balancers probe health over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
if env.flag("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Request bodies: large enough for a 1,000-identity batch import, small enough to refuse abuse.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.integer("MAX_REQUEST_BODY_BYTES", 5 * 1024 * 1024)

# Paths whose errors are JSON in the Ory envelope (see ory_platform.middleware.is_api_path).
ORY_API_PATH_PREFIXES = [
    "/admin/",
    "/oauth2/",
    "/userinfo",
    "/.well-known/",
    "/self-service/",
    "/sessions",
    "/schemas",
    "/relation-tuples",
    "/namespaces",
    "/opl/",
    "/health/",
    "/version",
    "/api/schema",
]

# --- Admin API keys ----------------------------------------------------------------------------
API_KEY_LAST_USED_PRECISION = 60  # seconds between writes of ApiKey.last_used_at
# Seconds a verified key is remembered per process (no database read); also how long a revoked
# key may still work in *other* processes. 0 reads the key on every request.
API_KEY_CACHE_SECONDS = env.integer("API_KEY_CACHE_SECONDS", 5)

# --- Permissions (permissions_app, Keto) ------------------------------------------------------
# Maximum depth of a check or expand; a request's max-depth may lower it, never raise it (Keto: 5).
PERMISSIONS_MAX_DEPTH = env.integer("PERMISSIONS_MAX_DEPTH", 25)
# Rows one engine read may load; a check that would need more answers "unknown" instead of
# loading a whole wide relation.
PERMISSIONS_MAX_READ_WIDTH = env.integer("PERMISSIONS_MAX_READ_WIDTH", 10_000)
# Nodes an expand tree may hold before it is truncated.
PERMISSIONS_EXPAND_MAX_NODES = env.integer("PERMISSIONS_EXPAND_MAX_NODES", 10_000)
# Tuples one POST /relation-tuples/batch/check may carry (Keto: 10).
PERMISSIONS_BATCH_CHECK_MAX_SIZE = env.integer("PERMISSIONS_BATCH_CHECK_MAX_SIZE", 1000)
# Keto's read API (check, expand, list, namespaces, OPL syntax) needs an API key unless this is on.
PERMISSIONS_READ_API_PUBLIC = env.flag("PERMISSIONS_READ_API_PUBLIC", False)
# An OPL file loaded (and activated, if it differs from the active model) when the process starts.
PERMISSIONS_MODEL_FILE = env.text("PERMISSIONS_MODEL_FILE")
# How long a process trusts its cached copy of the active model before asking the database.
PERMISSIONS_MODEL_REFRESH_SECONDS = env.integer("PERMISSIONS_MODEL_REFRESH_SECONDS", 2)

# --- Django REST framework and OpenAPI ---------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "ory_platform.drf.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ory Platform API",
    "DESCRIPTION": "Hydra (OAuth2/OIDC), Kratos (identities) and Keto (permissions) APIs served by one Django project.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging: JSON lines on stderr -------------------------------------------------------------
LOG_LEVEL = env.text("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ory_platform.structured_logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # The access log above already records every request; Django's own request logger would
        # repeat each 4xx/5xx.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}
