from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_sqlite_runs_in_wal_with_full_sync_and_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only settings")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]


def test_passwords_are_hashed_with_argon2(tmp_path):
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='qualitas.config.settings'; "
         f"django.setup(); {code}"],
        env={"PATH": "/usr/bin:/bin", "QUALITAS_DATA_DIR": str(tmp_path)}, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher", result.stderr


@pytest.mark.django_db
def test_password_hash_stored_is_argon2(make_user):
    assert make_user().password.startswith("argon2")


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    from qualitas.config.env import secret_key

    monkeypatch.delenv("QUALITAS_SECRET_KEY", raising=False)
    first = secret_key(tmp_path)
    assert len(first) > 50
    assert secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_explicit_secret_key_wins(tmp_path, monkeypatch):
    from qualitas.config.env import secret_key

    monkeypatch.setenv("QUALITAS_SECRET_KEY", "from-the-environment")
    assert secret_key(tmp_path) == "from-the-environment"


def test_bad_integer_setting_names_the_variable(monkeypatch):
    from qualitas.config.env import env_int

    monkeypatch.setenv("QUALITAS_EMAIL_PORT", "lots")
    with pytest.raises(ValueError, match="QUALITAS_EMAIL_PORT"):
        env_int("QUALITAS_EMAIL_PORT", 25)


def test_deploy_check_is_clean_with_https_settings(tmp_path):
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "QUALITAS_DATA_DIR": str(tmp_path),
        "QUALITAS_HTTPS": "1",
        "QUALITAS_DEBUG": "0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "qualitas", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
