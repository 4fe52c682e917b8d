"""The settings matrix: DATABASE_URL, CACHE_URL, SECRET_KEY, PUBLIC_URL and the deploy check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from psycopg import IsolationLevel

from ory_platform import env
from ory_platform.db_backends.health import SocketHealthCheck

ROOT = Path(__file__).resolve().parents[2]


def _database(url, isolation="serializable", conn_max_age=60, base_dir=None):
    return env.database(url, base_dir=base_dir or ROOT, conn_max_age=conn_max_age, isolation_level=isolation)


def test_unset_database_url_is_embedded_sqlite_under_var(tmp_path):
    config = _database(None, base_dir=tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "var" / "db.sqlite3")
    assert (tmp_path / "var").is_dir()
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_embedded_sqlite_connections_get_the_pragmas(tmp_path, django_db_blocker):
    from django.db.utils import ConnectionHandler

    connection = ConnectionHandler({"default": _database(None, base_dir=tmp_path)})["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            pragmas = {}
            for name in ("journal_mode", "synchronous", "foreign_keys", "wal_autocheckpoint"):
                cursor.execute(f"PRAGMA {name}")
                pragmas[name] = cursor.fetchone()[0]
    finally:
        connection.close()
    # synchronous 1 is NORMAL: durable at each checkpoint, never corrupted by a crash in WAL mode.
    assert pragmas == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1, "wal_autocheckpoint": 10000}


def test_var_folder_is_git_ignored():
    assert "var/" in (ROOT / ".gitignore").read_text().split()


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_url(scheme):
    config = _database(f"{scheme}://app:s3cret@db.internal:5433/ory", conn_max_age=120)
    assert config["ENGINE"] == "ory_platform.db_backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"], config["PASSWORD"]) == (
        "db.internal",
        5433,
        "ory",
        "app",
        "s3cret",
    )
    assert config["CONN_MAX_AGE"] == 120
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"]["isolation_level"] == IsolationLevel.SERIALIZABLE


def test_postgres_isolation_level_is_configurable():
    config = _database("postgres://db/ory", isolation="read_committed")
    assert config["OPTIONS"]["isolation_level"] == IsolationLevel.READ_COMMITTED


def test_unknown_isolation_level_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_ISOLATION_LEVEL"):
        _database("postgres://db/ory", isolation="chaos")


@pytest.mark.parametrize("scheme", ["cockroachdb", "cockroach"])
def test_cockroachdb_url_uses_the_cockroachdb_engine(scheme):
    config = _database(f"{scheme}://root@crdb-1.internal/ory", conn_max_age=30)
    assert config["ENGINE"] == "ory_platform.db_backends.cockroachdb"
    assert config["HOST"] == "crdb-1.internal"
    assert config["PORT"] == 26257
    assert config["NAME"] == "ory"
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["CONN_MAX_AGE"] == 30
    # CockroachDB is always SERIALIZABLE; no isolation option is sent, and TLS is required by default.
    assert "isolation_level" not in config["OPTIONS"]
    assert config["OPTIONS"]["sslmode"] == "require"


def test_cockroachdb_url_keeps_explicit_tls_options():
    config = _database("cockroachdb://app@crdb:26000/ory?sslmode=verify-full&sslrootcert=/certs/ca.crt")
    assert config["PORT"] == 26000
    assert config["OPTIONS"]["sslmode"] == "verify-full"
    assert config["OPTIONS"]["sslrootcert"] == "/certs/ca.crt"


def test_cockroachdb_with_root_certificate_defaults_to_verify_full():
    config = _database("cockroachdb://app@crdb/ory?sslrootcert=/certs/ca.crt")
    assert config["OPTIONS"]["sslmode"] == "verify-full"


def test_cockroachdb_engine_loads_with_telemetry_off(settings):
    from django.db.utils import load_backend

    backend = load_backend(_database("cockroachdb://root@crdb/ory")["ENGINE"])
    assert backend.DatabaseWrapper.vendor == "cockroachdb"
    assert backend.DatabaseWrapper.is_usable is SocketHealthCheck.is_usable
    assert settings.DISABLE_COCKROACHDB_TELEMETRY is True


@pytest.mark.parametrize("url", ["mysql2000://x/y", "nonsense", "ftp://host/db"])
def test_unsupported_database_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured):
        _database(url)


def test_sqlite_url_is_accepted(tmp_path):
    config = _database(f"sqlite:///{tmp_path}/other.db")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == f"{tmp_path}/other.db"


def test_cache_url_matrix():
    assert env.cache("")["BACKEND"].endswith("LocMemCache")
    redis = env.cache("redis://127.0.0.1:6379/2")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/2"
    with pytest.raises(ImproperlyConfigured):
        env.cache("memcached://x")


def test_redis_cache_really_works():
    from django.core.cache.backends.redis import RedisCache

    config = env.cache("redis://127.0.0.1:6379/15")
    cache = RedisCache(config["LOCATION"], {"KEY_PREFIX": "ory-test"})
    try:
        cache.set("probe", "value", 5)
    except Exception as error:
        pytest.skip(f"Redis not reachable: {error}")
    assert cache.get("probe") == "value"
    cache.delete("probe")


def test_secret_key_is_required_without_debug(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        env.secret_key(debug=False)
    assert env.secret_key(debug=True).startswith("django-insecure")
    monkeypatch.setenv("SECRET_KEY", "k" * 50)
    assert env.secret_key(debug=False) == "k" * 50


@pytest.mark.parametrize("raw,expected", [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False)])
def test_flags(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env.flag("SOME_FLAG") is expected


def test_bad_flag_is_refused(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env.flag("SOME_FLAG")


def test_public_url_must_be_absolute(monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "auth.example.com")
    with pytest.raises(ImproperlyConfigured):
        env.public_url("http://127.0.0.1:8000")
    monkeypatch.setenv("PUBLIC_URL", "https://auth.example.com/")
    assert env.public_url("http://x") == "https://auth.example.com"


# --- The process as a deployment starts it ---------------------------------------------------


def _manage(*args, **environment):
    unset = ("SECRET_KEY", "DEBUG", "PUBLIC_URL", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(environment)
    clean["DJANGO_SETTINGS_MODULE"] = "ory_platform.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "Zq8v1-production-like-secret-key-with-plenty-of-entropy-5b2f9c7e1d3a",
    "PUBLIC_URL": "https://auth.example.com",
    "ALLOWED_HOSTS": "auth.example.com",
}


def test_process_refuses_to_start_without_secret_key():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_deploy_check_reports_nothing_for_a_production_configuration():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "override",
    [{"DEBUG": "1"}, {"PUBLIC_URL": "http://auth.example.com"}, {"SECRET_KEY": "short"}],
    ids=["debug-on", "plain-http", "weak-secret"],
)
def test_deploy_check_fails_on_an_unsafe_configuration(override):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, **override})
    assert result.returncode != 0
