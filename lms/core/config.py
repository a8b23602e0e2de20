"""Configuration from environment variables, with embedded defaults under ``LMS_DATA_DIR``.

The public contract is the table in shared/API.md. Invalid configuration fails at start with a message that
names the variable, because a half-configured server that starts and fails on the first request is worse.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse as parse_limit


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot give a working configuration."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _secret_key(data_dir: Path) -> str:
    """Read the generated secret key, creating it once with owner-only permissions."""
    path = data_dir / "secret_key"
    if path.exists():
        key = path.read_text().strip()
        if len(key) >= 32:
            return key
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(environ: dict | None = None, overrides: dict | None = None) -> dict:
    """Build the Flask config dict from ``environ`` (default ``os.environ``) and explicit overrides."""
    env = dict(os.environ if environ is None else environ)
    overrides = dict(overrides or {})
    get = lambda name, default=None: overrides.get(name, env.get(name, default))  # noqa: E731

    data_dir = Path(get("LMS_DATA_DIR") or "./instance").resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "tmp").mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"LMS_DATA_DIR {data_dir} cannot be created: {exc.strerror}") from exc

    database_url = get("DATABASE_URL") or f"sqlite:///{data_dir / 'lms.db'}"
    scheme = urlparse(database_url).scheme
    if scheme.startswith("postgres") and "+" not in scheme:
        # psycopg 3 is the only PostgreSQL driver installed; plain postgresql:// would ask for psycopg2.
        database_url = "postgresql+psycopg" + database_url[len(scheme):]
    elif not (scheme.startswith("sqlite") or scheme == "postgresql+psycopg"):
        raise ConfigError(f"DATABASE_URL must be sqlite:/// or postgresql+psycopg://, not {scheme or database_url!r}")

    raw_mb = str(get("MAX_UPLOAD_MB", "2048"))
    try:
        max_upload_mb = int(raw_mb)
    except ValueError:
        raise ConfigError(f"MAX_UPLOAD_MB must be a whole number of megabytes, not {raw_mb!r}") from None
    if max_upload_mb <= 0:
        raise ConfigError("MAX_UPLOAD_MB must be positive")

    s3_endpoint = get("S3_ENDPOINT") or None
    if s3_endpoint:
        missing = [n for n in ("S3_ACCESS_KEY", "S3_SECRET_KEY") if not get(n)]
        if missing:
            raise ConfigError(f"S3_ENDPOINT is set but {', '.join(missing)} is not")
    redis_url = get("REDIS_URL") or None
    if redis_url and urlparse(redis_url).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"REDIS_URL must be a redis:// URL, not {redis_url!r}")

    for name in ("LOGIN_FAILURE_LIMIT", "LOGIN_USERNAME_FAILURE_LIMIT", "LOGIN_ADDRESS_FAILURE_LIMIT"):
        raw_limit = get(name)
        if raw_limit:
            try:
                parse_limit(str(raw_limit))
            except ValueError:
                raise ConfigError(f"{name} must read like '10 per 5 minutes', not {raw_limit!r}") from None
    cookie_secure = _bool("SESSION_COOKIE_SECURE", str(get("SESSION_COOKIE_SECURE", "false")))
    timezone_name = str(get("TIMEZONE") or "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE must be an IANA time zone such as Asia/Ho_Chi_Minh, not {timezone_name!r}") from None

    config = {
        "LMS_DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True} if scheme.startswith("postgres") else {},
        "SECRET_KEY": get("SECRET_KEY") or _secret_key(data_dir),
        "MAX_UPLOAD_MB": max_upload_mb,
        "S3_ENDPOINT": s3_endpoint,
        "S3_ACCESS_KEY": get("S3_ACCESS_KEY"),
        "S3_SECRET_KEY": get("S3_SECRET_KEY"),
        "S3_BUCKET": get("S3_BUCKET") or "hoclieuso",
        "S3_SECURE": _bool("S3_SECURE", str(get("S3_SECURE", "false"))),
        "REDIS_URL": redis_url,
        "TOKEN_TTL_HOURS": int(get("TOKEN_TTL_HOURS", "12")),
        # Failed logins per (address, username) before 429; counts failures only (see accounts.routes).
        "LOGIN_FAILURE_LIMIT": get("LOGIN_FAILURE_LIMIT", "10 per 5 minutes"),
        # The same per username from any address, and per address across usernames (password spraying).
        "LOGIN_USERNAME_FAILURE_LIMIT": get("LOGIN_USERNAME_FAILURE_LIMIT", "20 per 15 minutes"),
        "LOGIN_ADDRESS_FAILURE_LIMIT": get("LOGIN_ADDRESS_FAILURE_LIMIT", "100 per 5 minutes"),
        # Where the DejaVu fonts embedded in printed PDFs (account cards) are; unset: Debian's fonts-dejavu-core.
        "PDF_FONT_DIR": get("PDF_FONT_DIR") or None,
        "JOBS_IMMEDIATE": _bool("JOBS_IMMEDIATE", str(get("JOBS_IMMEDIATE", "false"))),
        "BABEL_DEFAULT_LOCALE": "vi",
        # Times are stored in UTC and shown in this zone (lms.core.formatting); pages never say "UTC".
        "TIMEZONE": timezone_name,
        "BABEL_DEFAULT_TIMEZONE": timezone_name,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Served over HTTPS: cookies only over HTTPS, so a café Wi-Fi never sees a session in clear text.
        "SESSION_COOKIE_SECURE": cookie_secure,
        "REMEMBER_COOKIE_SECURE": cookie_secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "JSON_SORT_KEYS": False,
    }
    # Anything else given explicitly (tests, embedding apps) wins, e.g. TESTING or WTF_CSRF_ENABLED.
    for key, value in overrides.items():
        if key not in {"LMS_DATA_DIR", "DATABASE_URL", "MAX_UPLOAD_MB", "S3_SECURE", "JOBS_IMMEDIATE",
                       "SESSION_COOKIE_SECURE"}:
            config[key] = value
    return config
