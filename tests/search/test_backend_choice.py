"""SEARCH_BACKEND: the default follows the database, bad values fail at start, whoosh stays on one node."""
import pytest

from lms.app import create_app
from lms.core.config import ConfigError, load_config


def test_default_backend_follows_the_database(tmp_path):
    assert load_config(environ={"LMS_DATA_DIR": str(tmp_path)})["SEARCH_BACKEND"] == "whoosh"
    pg = load_config(environ={"LMS_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@h/db"})
    assert pg["SEARCH_BACKEND"] == "postgres"
    chosen = load_config(environ={"LMS_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@h/db",
                                  "SEARCH_BACKEND": "whoosh"})
    assert chosen["SEARCH_BACKEND"] == "whoosh"


@pytest.mark.parametrize("env,message", [
    ({"SEARCH_BACKEND": "elastic"}, "SEARCH_BACKEND must be postgres or whoosh"),
    ({"SEARCH_BACKEND": "postgres"}, "SEARCH_BACKEND=postgres needs DATABASE_URL to be PostgreSQL"),
    ({"SEARCH_ALLOW_LOCAL_INDEX": "perhaps"}, "SEARCH_ALLOW_LOCAL_INDEX"),
])
def test_bad_search_settings_fail_with_the_variable_named(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ={"LMS_DATA_DIR": str(tmp_path), **env})


def _app(tmp_path, **overrides):
    return create_app({"TESTING": True, "LMS_DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40,
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'lms.db'}", **overrides})


@pytest.mark.db
def test_whoosh_with_a_shared_queue_refuses_to_start_and_says_why(tmp_path):
    with pytest.raises(ConfigError, match="each would search its own partial index") as info:
        _app(tmp_path, REDIS_URL="redis://127.0.0.1:6379/4")
    assert "SEARCH_BACKEND=postgres" in str(info.value) and "SEARCH_ALLOW_LOCAL_INDEX=1" in str(info.value)
    app = _app(tmp_path, REDIS_URL="redis://127.0.0.1:6379/4", SEARCH_ALLOW_LOCAL_INDEX="1")
    assert app.config["SEARCH_BACKEND"] == "whoosh" and app.config["SEARCH_ALLOW_LOCAL_INDEX"] is True
