"""Configuration from environment variables, with embedded defaults under ``LMS_DATA_DIR``.

Every variable is one row of ``SETTINGS``: its name, how its text is parsed and checked, its default and an
example. README's configuration table documents the same rows (``tests/core/test_config.py`` keeps the two in
step). Invalid configuration fails at start with a message that names the variable, because a half-configured
server that starts and fails on the first request is worse.

To add a setting, append a ``Setting`` row (and a README row); features read it from ``app.config``.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot give a working configuration."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_MIB = 1024 * 1024


# -- parsers: (variable name, raw text) -> value; raise ConfigError naming the variable ------------------------
def text(name: str, raw: str) -> str:
    """Any non-empty text, kept as given."""
    return raw


def boolean(name: str, raw: str) -> bool:
    """true/false, yes/no, on/off, 1/0."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def integer(low: int | None = None, high: int | None = None) -> Callable[[str, str], int]:
    """A whole number within ``[low, high]``."""
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
        if low is not None and value < low or high is not None and value > high:
            raise ConfigError(f"{name} must be between {low} and {high}, not {value}" if high is not None
                              else f"{name} must be at least {low}, not {value}")
        return value
    return parse


def number(low: float, high: float, *, low_open: bool = False) -> Callable[[str, str], float]:
    """A decimal number within the range (``low`` excluded when ``low_open``)."""
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ConfigError(f"{name} must be a number like 0.9, not {raw!r}") from None
        if value < low or value > high or (low_open and value == low):
            raise ConfigError(f"{name} must be {'above' if low_open else 'at least'} {low} and at most {high}")
        return value
    return parse


def byte_size(low: int, high: int) -> Callable[[str, str], int]:
    """Bytes, or a number with a MB/MiB/GB/GiB suffix (binary units either way, as S3 part sizes are)."""
    units = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": _MIB, "mb": _MIB, "mib": _MIB,
             "g": 1024 * _MIB, "gb": 1024 * _MIB, "gib": 1024 * _MIB}

    def parse(name: str, raw: str) -> int:
        value = raw.strip().lower().replace(" ", "")
        digits = value.rstrip("abcdefghijklmnopqrstuvwxyz")
        unit = value[len(digits):]
        if not digits.isdigit() or unit not in units:
            raise ConfigError(f"{name} must be a size like 16MiB or a number of bytes, not {raw!r}")
        size = int(digits) * units[unit]
        if not low <= size <= high:
            raise ConfigError(f"{name} must be between {low // _MIB} MiB and {high // _MIB} MiB")
        return size
    return parse


def url(*schemes: str) -> Callable[[str, str], str]:
    """A URL with one of ``schemes`` and a host (or a path for unix sockets)."""
    def parse(name: str, raw: str) -> str:
        parsed = urlparse(raw.strip())
        if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
            raise ConfigError(f"{name} must be a {' or '.join(s + '://' for s in schemes)} URL, not {raw!r}")
        return raw.strip()
    return parse


def host_port(name: str, raw: str) -> str:
    """``host[:port]`` without a scheme or path (what the S3 client wants)."""
    value = raw.strip()
    if "://" in value or "/" in value or not value:
        raise ConfigError(f"{name} must be host[:port] without http:// or a path, not {raw!r}")
    return value


def networks(name: str, raw: str) -> tuple:
    """Comma-separated addresses or CIDR blocks (IPv4 or IPv6)."""
    out = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(f"{name}: {part!r} is not an address or CIDR block like 10.0.0.0/8") from None
    return tuple(out)


def origins(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated web origins (``https://host[:port]``, no path)."""
    out = []
    for part in filter(None, (p.strip().rstrip("/") for p in raw.split(","))):
        parsed = urlparse(part)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path:
            raise ConfigError(f"{name}: {part!r} is not an origin like https://hoclieuso.example.edu.vn")
        out.append(part)
    return tuple(out)


def origin(name: str, raw: str) -> str:
    """One web origin (``https://host[:port]``, no path)."""
    found = origins(name, raw)
    if len(found) != 1:
        raise ConfigError(f"{name} must be one origin like https://hoclieuso-goi.example.net, not {raw!r}")
    return found[0]


def directory(name: str, raw: str) -> str:
    """An existing directory."""
    if not Path(raw.strip()).is_dir():
        raise ConfigError(f"{name}: {raw!r} is not a directory")
    return raw.strip()


def one_of(*choices: str) -> Callable[[str, str], str]:
    """One of a fixed set of words (case-insensitive)."""
    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
        return value
    return parse


def timezone_name(name: str, raw: str) -> str:
    """An IANA time zone such as Asia/Ho_Chi_Minh."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} must be an IANA time zone like Asia/Ho_Chi_Minh, not {raw!r}") from None
    return raw.strip()


def rate_limit(name: str, raw: str) -> str:
    """A limit in the ``limits`` notation, e.g. ``10 per 5 minutes``."""
    from .ratelimits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a limit like '10 per 5 minutes', not {raw!r}") from None
    return raw


def pem_bundle(name: str, raw: str) -> str:
    """PEM text, or the path of a readable PEM file (kept as given; the gradebook loads it when verifying)."""
    if "-----BEGIN" in raw:
        return raw
    path = Path(raw.strip())
    try:
        head = path.read_text(encoding="ascii", errors="replace")[:1_000_000]
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read {raw!r} ({exc.strerror})") from None
    if "-----BEGIN CERTIFICATE-----" not in head:
        raise ConfigError(f"{name}: {raw!r} holds no PEM certificate")
    return str(path)


def hostname(name: str, raw: str) -> str:
    """A host name or IPv4 address alone (the port is a setting of its own)."""
    value = raw.strip()
    if not value or any(c in value for c in ":/@ "):
        raise ConfigError(f"{name} must be a host name like smtp.example.edu.vn (no scheme, port or path), "
                          f"not {raw!r}")
    return value


def mail_sender(name: str, raw: str) -> str:
    """An e-mail address, optionally with a display name: ``Học Liệu Số <no-reply@truong.edu.vn>``."""
    value = raw.strip()
    address = value.rpartition("<")[2].rstrip(">").strip() if "<" in value else value
    local, _, domain = address.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in address):
        raise ConfigError(f"{name} must be an address like no-reply@truong.example.edu.vn, not {raw!r}")
    return value


@dataclass(frozen=True)
class Setting:
    """One environment variable: parsed by ``parse`` into ``app.config[key or name]``.

    ``default`` is the value when the variable is unset or empty (not parsed). ``example`` is a valid value
    that differs from the default (the README test sets it and checks it arrives). ``documented`` rows must
    appear in README's table.
    """

    name: str
    parse: Callable[[str, str], Any]
    default: Any = None
    example: str = ""
    key: str | None = None
    documented: bool = True


SETTINGS: tuple[Setting, ...] = (
    # LMS_DATA_DIR, DATABASE_URL and SECRET_KEY depend on each other; load_config handles them first.
    Setting("REDIS_URL", url("redis", "rediss", "unix"), example="redis://127.0.0.1:6379/9"),
    Setting("S3_ENDPOINT", host_port, example="minio.internal:9000"),
    Setting("S3_ACCESS_KEY", text, example="hoclieuso-app"),
    Setting("S3_SECRET_KEY", text, example="s3-secret-example-value"),
    Setting("S3_BUCKET", text, default="hoclieuso", example="truong-abc"),
    Setting("S3_SECURE", boolean, default=False, example="true"),
    Setting("S3_REGION", text, default="us-east-1", example="ap-southeast-1"),
    Setting("S3_PUBLIC_ENDPOINT", host_port, example="media.hoclieuso.example.edu.vn"),
    # None: the same as S3_SECURE.
    Setting("S3_PUBLIC_SECURE", boolean, default=None, example="true"),
    # S3 allows 5 MiB..5 GiB per part; each in-flight part is buffered in memory by the client.
    Setting("S3_PART_SIZE", byte_size(5 * _MIB, 5 * 1024 * _MIB), default=8 * _MIB, example="16MiB"),
    Setting("APP_ORIGINS", origins, default=(), example="https://hoclieuso.example.edu.vn"),
    Setting("MAX_UPLOAD_MB", integer(1), default=2048, example="512"),
    # Interactive packages (HTML5/SCORM/H5P) may be served from a host of their own, where they keep a real
    # origin (browser cache, storage); unset: this origin, isolated on an opaque origin by a CSP sandbox header.
    # Checked against APP_ORIGINS in load_config.
    Setting("PACKAGE_ORIGIN", origin, example="https://hoclieuso-goi.example.net"),
    # Bodies of non-upload API routes (JSON) and of web forms, refused with 413 before reading (core/limits.py).
    Setting("MAX_JSON_KB", integer(1), default=1024, example="512"),
    Setting("MAX_FORM_KB", integer(1), default=4096, example="2048"),
    Setting("TOKEN_TTL_HOURS", integer(1, 24 * 90), default=12, example="8"),
    # Failed logins per (address, username) before 429; counts failures only (see accounts.routes).
    Setting("LOGIN_FAILURE_LIMIT", rate_limit, default="10 per 5 minutes", example="5 per minute"),
    # The same per username from any address, and per address across usernames (password spraying).
    Setting("LOGIN_USERNAME_FAILURE_LIMIT", rate_limit, default="20 per 15 minutes", example="10 per 15 minutes"),
    Setting("LOGIN_ADDRESS_FAILURE_LIMIT", rate_limit, default="100 per 5 minutes", example="300 per 5 minutes"),
    # Served over HTTPS: cookies only over HTTPS, so a café Wi-Fi never sees a session in clear text.
    Setting("SESSION_COOKIE_SECURE", boolean, default=False, example="true"),
    Setting("LECTURE_COMPLETION_RATIO", number(0, 1, low_open=True), default=0.9, example="0.8"),
    Setting("GRADEBOOK_WEBHOOK_URL", url("http", "https"), example="https://smas.example.edu.vn/hooks/scores"),
    Setting("GRADEBOOK_WEBHOOK_SECRET", text, example="webhook-shared-secret"),
    Setting("GRADEBOOK_WEBHOOK_TIMEOUT", number(0.1, 300), default=10.0, example="5"),
    Setting("GRADEBOOK_WEBHOOK_BACKOFF_SECONDS", number(1, 86400), default=30.0, example="60"),
    Setting("GRADEBOOK_TRUSTED_ROOTS", pem_bundle, example="/etc/ssl/certs/ca-certificates.crt"),
    # An RFC 3161 timestamp authority: each new học bạ and gradebook signature carries its signed time.
    Setting("SIGNING_TSA_URL", url("http", "https"), example="http://tsa.example.gov.vn/tsa"),
    # Where the DejaVu fonts embedded in printed PDFs (account cards) are; unset: Debian's fonts-dejavu-core.
    # E-mail copies of in-app notices; off while MAIL_SERVER is unset. Sent by a job, never inside a request.
    Setting("MAIL_SERVER", hostname, example="smtp.example.edu.vn"),
    Setting("MAIL_PORT", integer(1, 65535), default=None, example="2525"),
    # starttls (submission, port 587), ssl (implicit TLS, port 465) or none (a relay on the local network).
    Setting("MAIL_SECURITY", one_of("starttls", "ssl", "none"), default="starttls", example="ssl"),
    Setting("MAIL_USERNAME", text, example="no-reply@truong.example.edu.vn"),
    Setting("MAIL_PASSWORD", text, example="smtp-password-example"),
    Setting("MAIL_FROM", mail_sender, example="Học Liệu Số <no-reply@truong.example.edu.vn>"),
    Setting("MAIL_TIMEOUT", number(1, 300), default=20.0, example="10"),
    Setting("PDF_FONT_DIR", directory, example="/usr/share/fonts/truetype/dejavu"),
    Setting("TIMEZONE", timezone_name, default="Asia/Ho_Chi_Minh", example="Asia/Bangkok"),
    Setting("TRUSTED_PROXIES", integer(0, 5), default=0, example="1"),
    # Who may scrape /metrics; loopback only unless the operator opens it to the monitoring network.
    Setting("METRICS_ALLOW", networks, default=(ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1")),
            example="10.0.0.0/8, 192.168.1.5"),
    # None: postgres on PostgreSQL, whoosh on SQLite (decided in load_config, which knows the database).
    Setting("SEARCH_BACKEND", one_of("postgres", "whoosh"), default=None, example="whoosh"),
    # whoosh keeps its index in one machine's LMS_DATA_DIR; with REDIS_URL (several nodes) only if allowed.
    Setting("SEARCH_ALLOW_LOCAL_INDEX", boolean, default=False, example="true"),
    Setting("LOG_FORMAT", one_of("json", "text"), default="json", example="text"),
    Setting("LOG_LEVEL", one_of("debug", "info", "warning", "error"), default="info", example="warning"),
    # Tests only: jobs run inline in the request instead of on a worker.
    Setting("JOBS_IMMEDIATE", boolean, default=False, example="true", documented=False),
)

#: Internal settings the app needs whatever the environment says.
_FIXED = {
    "BABEL_DEFAULT_LOCALE": "vi",
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "JSON_SORT_KEYS": False,
}

#: Names load_config parses itself (they depend on each other).
_SPECIAL = ("LMS_DATA_DIR", "DATABASE_URL", "SECRET_KEY")


def documented_names() -> set[str]:
    """Every variable README's table must list."""
    return set(_SPECIAL) | {s.name for s in SETTINGS if s.documented}


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


def _database_url(raw: str) -> str:
    scheme = urlparse(raw).scheme
    if scheme.startswith("postgres") and "+" not in scheme:
        # psycopg 3 is the only PostgreSQL driver installed; plain postgresql:// would ask for psycopg2.
        return "postgresql+psycopg" + raw[len(scheme):]
    if not (scheme.startswith("sqlite") or scheme == "postgresql+psycopg"):
        raise ConfigError(f"DATABASE_URL must be sqlite:/// or postgresql+psycopg://, not {scheme or raw!r}")
    return raw


def _check_package_origin(package_origin: str, app_origins: tuple[str, ...]) -> None:
    """Refuse a PACKAGE_ORIGIN that would hand packages the site's cookies.

    Packages get ``allow-same-origin`` on PACKAGE_ORIGIN (media.package_routes), so a package there reads and
    writes that host's cookies. Browsers scope cookies by host, not port: the same host on another port shares
    the students' session; a parent or child domain of the site can set cookies the site reads (a package could
    plant a session). APP_ORIGINS is required to check this, and it is what may frame the packages.
    """
    if not app_origins:
        raise ConfigError("PACKAGE_ORIGIN is set but APP_ORIGINS is not: the site's own origins are needed to "
                          "check that packages get a host of their own and to let only the site frame them")
    package_host = (urlparse(package_origin).hostname or "").rstrip(".")
    for app_origin in app_origins:
        app_host = (urlparse(app_origin).hostname or "").rstrip(".")
        if package_host == app_host:
            raise ConfigError(f"PACKAGE_ORIGIN {package_origin} has the host of APP_ORIGINS {app_origin}: "
                              "browsers send a host's cookies to all its ports, so packages would run with the "
                              "students' session; use a host of its own (another domain is best)")
        if package_host.endswith("." + app_host) or app_host.endswith("." + package_host):
            raise ConfigError(f"PACKAGE_ORIGIN {package_origin} and APP_ORIGINS {app_origin} are a domain and "
                              "its subdomain: a package could set cookies the site reads; use a host outside "
                              "the site's domain (another domain is best)")


def load_config(environ: dict | None = None, overrides: dict | None = None) -> dict:
    """Build the Flask config dict from ``environ`` (default ``os.environ``) and explicit overrides.

    ``overrides`` use the variables' names and win over the environment; their values are parsed like the
    environment's (so tests exercise the same checks). Any other override key is copied as is.
    """
    env = dict(os.environ if environ is None else environ)
    overrides = dict(overrides or {})

    def raw(name: str) -> str | None:
        value = overrides[name] if name in overrides else env.get(name)
        if value is None:
            return None
        value = str(value)
        return value if value.strip() else None

    data_dir = Path(raw("LMS_DATA_DIR") or "./instance").resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "tmp").mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"LMS_DATA_DIR {data_dir} cannot be created: {exc.strerror}") from exc
    database_url = _database_url(raw("DATABASE_URL") or f"sqlite:///{data_dir / 'lms.db'}")
    postgres = database_url.startswith("postgresql")

    config: dict[str, Any] = dict(_FIXED)
    for setting in SETTINGS:
        value = raw(setting.name)
        config[setting.key or setting.name] = setting.default if value is None else setting.parse(setting.name, value)

    secret_key = raw("SECRET_KEY")
    if secret_key is None:
        if config["REDIS_URL"] or postgres:
            # Each node would generate its own key, and sessions signed on one would be rejected by the others.
            shared = "REDIS_URL" if config["REDIS_URL"] else "a PostgreSQL DATABASE_URL"
            raise ConfigError(f"SECRET_KEY must be set (the same on every node) when {shared} is used")
        secret_key = _secret_key(data_dir)
    elif len(secret_key) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters (try: python -c "
                          "'import secrets; print(secrets.token_urlsafe(48))')")

    if config["S3_ENDPOINT"]:
        missing = [n for n in ("S3_ACCESS_KEY", "S3_SECRET_KEY") if not config[n]]
        if missing:
            raise ConfigError(f"S3_ENDPOINT is set but {', '.join(missing)} is not")
    if config["SEARCH_BACKEND"] is None:
        config["SEARCH_BACKEND"] = "postgres" if postgres else "whoosh"
    elif config["SEARCH_BACKEND"] == "postgres" and not postgres:
        raise ConfigError("SEARCH_BACKEND=postgres needs DATABASE_URL to be PostgreSQL; use whoosh with SQLite")
    if config["GRADEBOOK_WEBHOOK_URL"] and not config["GRADEBOOK_WEBHOOK_SECRET"]:
        raise ConfigError("GRADEBOOK_WEBHOOK_URL is set but GRADEBOOK_WEBHOOK_SECRET is not: the receiver "
                          "could not tell real score changes from forged ones")

    if config["PACKAGE_ORIGIN"]:
        _check_package_origin(config["PACKAGE_ORIGIN"], config["APP_ORIGINS"])

    if config["MAIL_SERVER"]:
        if not config["MAIL_FROM"]:
            raise ConfigError("MAIL_SERVER is set but MAIL_FROM is not: mail needs a sender address")
        if bool(config["MAIL_USERNAME"]) != bool(config["MAIL_PASSWORD"]):
            raise ConfigError("MAIL_USERNAME and MAIL_PASSWORD are set together or not at all")
        if config["MAIL_USERNAME"] and config["MAIL_SECURITY"] == "none":
            raise ConfigError("MAIL_USERNAME with MAIL_SECURITY=none would send the password unencrypted; "
                              "use starttls or ssl")
        if config["MAIL_PORT"] is None:
            config["MAIL_PORT"] = {"starttls": 587, "ssl": 465, "none": 25}[config["MAIL_SECURITY"]]
    config.update({
        "LMS_DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True} if postgres else {},
        "SECRET_KEY": secret_key,
        "BABEL_DEFAULT_TIMEZONE": config["TIMEZONE"],
        "REMEMBER_COOKIE_SECURE": config["SESSION_COOKIE_SECURE"],
    })
    # Anything else given explicitly (tests, embedding apps) wins, e.g. TESTING or WTF_CSRF_ENABLED.
    parsed = set(_SPECIAL) | {s.name for s in SETTINGS}
    for key, value in overrides.items():
        if key not in parsed:
            config[key] = value
    return config
