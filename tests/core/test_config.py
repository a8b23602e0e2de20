import pytest

from lms.core.config import ConfigError, load_config


def test_embedded_defaults_live_under_the_data_dir(tmp_path):
    cfg = load_config(environ={"LMS_DATA_DIR": str(tmp_path)})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lms.db'}"
    assert cfg["S3_ENDPOINT"] is None and cfg["REDIS_URL"] is None
    assert cfg["MAX_UPLOAD_MB"] == 2048


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_config(environ={"LMS_DATA_DIR": str(tmp_path)})["SECRET_KEY"]
    second = load_config(environ={"LMS_DATA_DIR": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_plain_postgresql_url_uses_psycopg3(tmp_path):
    cfg = load_config(environ={"LMS_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@h/db",
                               "SECRET_KEY": "s" * 40})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("env,names", [
    ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL"),
    ({"MAX_UPLOAD_MB": "lots"}, "MAX_UPLOAD_MB"),
    ({"MAX_UPLOAD_MB": "0"}, "MAX_UPLOAD_MB"),
    ({"S3_ENDPOINT": "minio:9000"}, "S3_ACCESS_KEY"),
    ({"S3_SECURE": "maybe"}, "S3_SECURE"),
    ({"REDIS_URL": "http://x"}, "REDIS_URL"),
])
def test_invalid_configuration_fails_with_the_variable_named(tmp_path, env, names):
    with pytest.raises(ConfigError, match=names):
        load_config(environ={"LMS_DATA_DIR": str(tmp_path), **env})


def _readme_variables() -> set[str]:
    """The backticked names in the first column of README's configuration table."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_readme_table_and_loader_list_the_same_variables():
    from lms.core.config import documented_names

    readme = _readme_variables()
    assert readme, "README's configuration table was not found"
    assert readme - documented_names() == set(), "documented in README but not read by lms.core.config"
    assert documented_names() - readme == set(), "read by lms.core.config but missing from README's table"


def test_every_readme_variable_set_in_the_environment_reaches_app_config(tmp_path, monkeypatch):
    from lms.app import create_app
    from lms.core.config import SETTINGS

    for name in _readme_variables() | {s.name for s in SETTINGS}:
        monkeypatch.delenv(name, raising=False)
    env = {s.name: s.example for s in SETTINGS if s.documented}
    env.update(LMS_DATA_DIR=str(tmp_path / "data"), DATABASE_URL=f"sqlite:///{tmp_path / 'other.db'}",
               SECRET_KEY="k" * 40)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app({"TESTING": True})
    assert app.config["LMS_DATA_DIR"] == str(tmp_path / "data")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == env["DATABASE_URL"]
    assert app.config["SECRET_KEY"] == "k" * 40
    for setting in SETTINGS:
        if not setting.documented:
            continue
        got = app.config[setting.key or setting.name]
        assert got == setting.parse(setting.name, setting.example), setting.name
        assert got != setting.default, f"{setting.name}: the example equals the default, so it proves nothing"
    assert _readme_variables() <= {s.name for s in SETTINGS} | {"LMS_DATA_DIR", "DATABASE_URL", "SECRET_KEY"}


@pytest.mark.parametrize("env,shared", [
    ({"REDIS_URL": "redis://127.0.0.1:6379/5"}, "REDIS_URL"),
    ({"DATABASE_URL": "postgresql+psycopg://u@h/db"}, "PostgreSQL"),
])
def test_secret_key_is_required_once_nodes_share_state(tmp_path, env, shared):
    with pytest.raises(ConfigError, match=f"SECRET_KEY must be set.*{shared}"):
        load_config(environ={"LMS_DATA_DIR": str(tmp_path), **env})
    assert not (tmp_path / "secret_key").exists()
    cfg = load_config(environ={"LMS_DATA_DIR": str(tmp_path), "SECRET_KEY": "s" * 40, **env})
    assert cfg["SECRET_KEY"] == "s" * 40


def test_a_short_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY must be at least 32"):
        load_config(environ={"LMS_DATA_DIR": str(tmp_path), "SECRET_KEY": "short"})


@pytest.mark.parametrize("env,name", [
    ({"S3_PART_SIZE": "1MiB"}, "S3_PART_SIZE"),
    ({"S3_PART_SIZE": "big"}, "S3_PART_SIZE"),
    ({"S3_PUBLIC_ENDPOINT": "https://media.example/x"}, "S3_PUBLIC_ENDPOINT"),
    ({"S3_PUBLIC_SECURE": "sometimes"}, "S3_PUBLIC_SECURE"),
    ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
    ({"TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES"),
    ({"METRICS_ALLOW": "10.0.0.0/8, intranet"}, "METRICS_ALLOW"),
    ({"GRADEBOOK_WEBHOOK_URL": "ftp://x/y", "GRADEBOOK_WEBHOOK_SECRET": "s"}, "GRADEBOOK_WEBHOOK_URL"),
    ({"GRADEBOOK_WEBHOOK_URL": "https://x/y"}, "GRADEBOOK_WEBHOOK_SECRET"),
    ({"GRADEBOOK_TRUSTED_ROOTS": "/nonexistent/ca.pem"}, "GRADEBOOK_TRUSTED_ROOTS"),
    ({"LECTURE_COMPLETION_RATIO": "1.5"}, "LECTURE_COMPLETION_RATIO"),
    ({"LOGIN_FAILURE_LIMIT": "often"}, "LOGIN_FAILURE_LIMIT"),
    ({"TOKEN_TTL_HOURS": "twelve"}, "TOKEN_TTL_HOURS"),
    ({"APP_ORIGINS": "hoclieuso.vn"}, "APP_ORIGINS"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ({"SEARCH_BACKEND": "elastic"}, "SEARCH_BACKEND"),
    ({"SEARCH_BACKEND": "postgres"}, "SEARCH_BACKEND=postgres needs"),
    ({"MAIL_SERVER": "smtp://mail.example.vn"}, "MAIL_SERVER"),
    ({"MAIL_SERVER": "mail.example.vn"}, "MAIL_FROM"),
    ({"MAIL_SERVER": "mail.example.vn", "MAIL_FROM": "khong-phai-dia-chi"}, "MAIL_FROM"),
    ({"MAIL_SERVER": "mail.example.vn", "MAIL_FROM": "a@b.vn", "MAIL_USERNAME": "a"}, "MAIL_PASSWORD"),
    ({"MAIL_SERVER": "mail.example.vn", "MAIL_FROM": "a@b.vn", "MAIL_USERNAME": "a", "MAIL_PASSWORD": "p",
      "MAIL_SECURITY": "none"}, "MAIL_SECURITY=none"),
    ({"MAIL_PORT": "70000"}, "MAIL_PORT"),
    ({"MAIL_SECURITY": "tls"}, "MAIL_SECURITY"),
    # Packages must get a host of their own: cookies are per host, not per port, and reach parent domains.
    ({"PACKAGE_ORIGIN": "https://goi.example.net"}, "PACKAGE_ORIGIN is set but APP_ORIGINS is not"),
    ({"PACKAGE_ORIGIN": "https://hoclieuso.example.edu.vn:8443", "APP_ORIGINS": "https://hoclieuso.example.edu.vn"},
     "has the host of APP_ORIGINS"),
    ({"PACKAGE_ORIGIN": "http://localhost:5001", "APP_ORIGINS": "http://127.0.0.1:5000, http://LOCALHOST:5000"},
     "has the host of APP_ORIGINS http://LOCALHOST:5000"),
    ({"PACKAGE_ORIGIN": "https://goi.hoclieuso.example.edu.vn", "APP_ORIGINS": "https://hoclieuso.example.edu.vn"},
     "a domain and its subdomain"),
    ({"PACKAGE_ORIGIN": "https://example.edu.vn", "APP_ORIGINS": "https://hoclieuso.example.edu.vn"},
     "a domain and its subdomain"),
    ({"PACKAGE_ORIGIN": "https://goi.example.net/packages", "APP_ORIGINS": "https://hoclieuso.example.edu.vn"},
     "PACKAGE_ORIGIN"),
    ({"PACKAGE_ORIGIN": "https://a.example.net,https://b.example.net", "APP_ORIGINS": "https://x.vn"},
     "PACKAGE_ORIGIN must be one origin"),
])
def test_each_setting_rejects_bad_values_naming_itself(tmp_path, env, name):
    with pytest.raises(ConfigError, match=name):
        load_config(environ={"LMS_DATA_DIR": str(tmp_path), **env})


def test_sizes_and_networks_are_parsed(tmp_path):
    import ipaddress

    cfg = load_config(environ={"LMS_DATA_DIR": str(tmp_path), "S3_PART_SIZE": "64MB",
                               "METRICS_ALLOW": "10.1.2.3, fd00::/8", "S3_PUBLIC_SECURE": "no"})
    assert cfg["S3_PART_SIZE"] == 64 * 1024 * 1024
    assert ipaddress.ip_address("10.1.2.3") in cfg["METRICS_ALLOW"][0]
    assert cfg["S3_PUBLIC_SECURE"] is False
    assert load_config(environ={"LMS_DATA_DIR": str(tmp_path)})["S3_PUBLIC_SECURE"] is None


def test_search_backend_follows_the_database(tmp_path):
    base = {"LMS_DATA_DIR": str(tmp_path), "SECRET_KEY": "s" * 40}
    assert load_config(environ=base)["SEARCH_BACKEND"] == "whoosh"
    assert load_config(environ={**base, "DATABASE_URL": "postgresql://u@h/db"})["SEARCH_BACKEND"] == "postgres"
    assert load_config(environ={**base, "DATABASE_URL": "postgresql://u@h/db",
                                "SEARCH_BACKEND": "whoosh"})["SEARCH_BACKEND"] == "whoosh"


def test_mail_is_off_by_default_and_the_port_follows_the_security(tmp_path):
    base = {"LMS_DATA_DIR": str(tmp_path)}
    assert load_config(environ=base)["MAIL_SERVER"] is None
    mail = dict(base, MAIL_SERVER="smtp.example.edu.vn", MAIL_FROM="Học Liệu Số <no-reply@example.edu.vn>")
    assert load_config(environ=mail)["MAIL_PORT"] == 587
    assert load_config(environ=dict(mail, MAIL_SECURITY="ssl"))["MAIL_PORT"] == 465
    assert load_config(environ=dict(mail, MAIL_SECURITY="none", MAIL_PORT="2525"))["MAIL_PORT"] == 2525


def test_package_origin_on_another_host_is_accepted(tmp_path):
    cfg = load_config(environ={"LMS_DATA_DIR": str(tmp_path), "PACKAGE_ORIGIN": "http://localhost:5000/",
                               "APP_ORIGINS": "http://127.0.0.1:5000"})
    assert cfg["PACKAGE_ORIGIN"] == "http://localhost:5000" and cfg["APP_ORIGINS"] == ("http://127.0.0.1:5000",)
