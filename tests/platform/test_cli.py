"""The `qualitas` command: createadmin, token, demo and the exit codes for bad input."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qualitas.accounts.models import ApiToken, Department, Process, Site, User
from qualitas.accounts.tokens import resolve

pytestmark = pytest.mark.django_db


def test_createadmin_from_environment(monkeypatch, capsys):
    monkeypatch.setenv("QUALITAS_ADMIN_PASSWORD", "a-strong-admin-passphrase")
    call_command("createadmin", "root", "--email", "root@example.com")
    user = User.objects.get(username="root")
    assert user.check_password("a-strong-admin-passphrase")
    assert user.role_assignments.get().role.code == "administrator"


def test_createadmin_refuses_a_weak_password_with_exit_code_2(monkeypatch):
    monkeypatch.setenv("QUALITAS_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError) as excinfo:
        call_command("createadmin", "root")
    assert excinfo.value.returncode == 2
    assert not User.objects.filter(username="root").exists()


def test_createadmin_refuses_a_taken_username(monkeypatch, employee):
    monkeypatch.setenv("QUALITAS_ADMIN_PASSWORD", "a-strong-admin-passphrase")
    with pytest.raises(CommandError, match="taken"):
        call_command("createadmin", "EMP1")


def test_token_create_prints_only_the_token(employee, capsys):
    call_command("token", "create", "emp1", "--name", "cmm")
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("qlt_") and "\n" not in printed
    assert resolve(printed).user == employee
    assert ApiToken.objects.get().name == "cmm"


def test_token_for_unknown_user_fails_cleanly():
    with pytest.raises(CommandError) as excinfo:
        call_command("token", "create", "ghost")
    assert excinfo.value.returncode == 2


def test_demo_is_idempotent():
    call_command("demo")
    counts = (User.objects.count(), Site.objects.count(), Department.objects.count(), Process.objects.count())
    call_command("demo")
    assert counts == (User.objects.count(), Site.objects.count(), Department.objects.count(), Process.objects.count())
    assert counts[1] == 2 and counts[3] == 10
    assert User.objects.get(username="quality").check_password("qualitas-demo")
    process_clauses = Process.objects.get(code="MP-02").clauses.values_list("number", flat=True)
    assert list(process_clauses) == ["9.2"]


def test_console_script_runs_django_commands(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "qualitas", "help", "serve"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "QUALITAS_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "--demo" in result.stdout and "--port" in result.stdout


def test_serve_rejects_a_bad_port(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "qualitas", "serve", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "QUALITAS_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("got 70000")
