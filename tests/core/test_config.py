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
    cfg = load_config(environ={"LMS_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@h/db"})
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
