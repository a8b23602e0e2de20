"""SEARCH_BACKEND=whoosh stays on one node: with a shared job queue it refuses to start unless allowed."""
import pytest

from lms.app import create_app
from lms.core.config import ConfigError, load_config


# The default (whoosh on SQLite, postgres on PostgreSQL) and bad SEARCH_BACKEND values: tests/core/test_config.py.


def test_a_bad_allow_local_index_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="SEARCH_ALLOW_LOCAL_INDEX"):
        load_config(environ={"LMS_DATA_DIR": str(tmp_path), "SEARCH_ALLOW_LOCAL_INDEX": "perhaps"})


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
