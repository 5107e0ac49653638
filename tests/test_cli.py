"""The ``handraise`` command as a user runs it: help, configuration errors, serve."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.processes import free_port, run_handraise

pytestmark = pytest.mark.integration


def test_help_lists_the_handraise_commands_and_djangos(handraise_env):
    result = run_handraise(handraise_env, "--help")
    assert result.returncode == 0
    for command in ("serve", "worker", "demo", "createuser"):
        assert f"\n  {command} " in result.stdout
    assert "migrate" in result.stdout and "shell" in result.stdout


def test_django_management_commands_are_handraise_commands(handraise_env):
    result = run_handraise(handraise_env, "migrate", "--plan")
    assert result.returncode == 0, result.stderr
    assert "enquiries.0002_contact_form" in result.stdout


def test_bad_database_url_stops_with_one_clear_line(handraise_env):
    handraise_env["HANDRAISE_DATABASE_URL"] = "mysql://root@localhost/x"
    result = run_handraise(handraise_env, "serve")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "HANDRAISE_DATABASE_URL" in result.stderr and "postgres://" in result.stderr


def test_unwritable_data_dir_stops_with_one_clear_line(handraise_env, tmp_path):
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o500)
    handraise_env["HANDRAISE_DATA_DIR"] = str(read_only / "data")
    if os.geteuid() == 0:
        # root ignores directory permissions; a path under a file is unwritable for everyone.
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        handraise_env["HANDRAISE_DATA_DIR"] = str(blocker / "data")
    result = run_handraise(handraise_env, "serve")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "HANDRAISE_DATA_DIR" in result.stderr and "writable" in result.stderr


def test_unreachable_database_stops_with_one_clear_line(handraise_env):
    handraise_env["HANDRAISE_DATABASE_URL"] = f"postgres://nobody@127.0.0.1:{free_port()}/x"
    result = run_handraise(handraise_env, "serve", "--bind", f"127.0.0.1:{free_port()}")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "cannot reach the database" in result.stderr


def test_createuser_makes_a_user_who_can_sign_in(handraise_env):
    assert run_handraise(handraise_env, "migrate", "-v0").returncode == 0
    result = run_handraise(
        handraise_env,
        "createuser",
        "alice",
        "--owner",
        "--password-stdin",
        input="correct-horse-battery\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Created owner 'alice'" in result.stdout
    check = run_handraise(
        handraise_env,
        "shell",
        "-c",
        "from django.contrib.auth import authenticate;"
        "u = authenticate(username='alice', password='correct-horse-battery');"
        "print('ok', u.is_staff)",
    )
    assert "ok True" in check.stdout, check.stderr


def test_createuser_refuses_a_weak_password_and_a_duplicate(handraise_env):
    assert run_handraise(handraise_env, "migrate", "-v0").returncode == 0
    weak = run_handraise(handraise_env, "createuser", "bob", "--password-stdin", input="123\n")
    assert weak.returncode != 0 and "too short" in weak.stderr
    run_handraise(handraise_env, "createuser", "bob", "--password-stdin", input="long-enough-pw\n")
    again = run_handraise(
        handraise_env, "createuser", "BOB", "--password-stdin", input="long-enough-pw\n"
    )
    assert again.returncode != 0 and "already exists" in again.stderr


def wait_for_http(url: str, timeout: float = 60) -> urllib.response.addinfourl | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return urllib.request.urlopen(url, timeout=10)
        # A server still starting refuses the connection or, on a loaded machine,
        # accepts it and answers late: both mean "try again", not "broken".
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            time.sleep(0.3)
    return None


def test_serve_runs_web_and_worker_and_ctrl_c_stops_both(handraise_env):
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "handraise", "serve", "--bind", f"127.0.0.1:{port}"],
        env=handraise_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        page = wait_for_http(f"http://127.0.0.1:{port}/login/")
        assert page is not None, "the web server never answered"
        assert b"Log in" in page.read()
        children = subprocess.run(
            ["pgrep", "-P", str(serve.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) == 3, "serve should run two web servers (the default) and a worker"
        os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output, _ = serve.communicate(timeout=30)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
    assert serve.returncode == 0, output
    assert "Stopped." in output
    # HANDRAISE_BASE_URL was left at its default port: emailed links would miss.
    assert f"but this server listens on port {port}" in output
    for pid in children:
        assert not os.path.exists(f"/proc/{pid}"), "a child process outlived serve"


def test_serve_refuses_a_port_in_use(handraise_env):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_handraise(handraise_env, "serve", "--bind", f"127.0.0.1:{port}")
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_serve_refuses_no_web_server_in_one_line(handraise_env):
    result = run_handraise(handraise_env, "serve", "--web-workers", "0")
    assert result.returncode != 0
    assert "--web-workers 0: at least one web server is needed" in result.stderr


@pytest.mark.unit
@pytest.mark.parametrize(
    ("base_url", "port", "warned"),
    [
        ("http://127.0.0.1:8000", 8000, False),
        ("http://localhost:8000", 9000, True),
        ("http://127.0.0.1", 80, False),
        ("https://crm.example.com", 8000, False),  # behind a proxy: ports rightly differ
    ],
)
def test_serve_warns_only_when_a_local_base_url_names_another_port(base_url, port, warned):
    from handraise.core.management.commands.serve import base_url_mismatch

    assert bool(base_url_mismatch(base_url, port)) is warned


def test_import_contacts_from_the_command_line_summarises_and_exits_1_on_rejects(
    handraise_env, tmp_path
):
    assert run_handraise(handraise_env, "migrate", "-v0").returncode == 0
    export = tmp_path / "hubspot.csv"
    export.write_text(
        "First Name,Last Name,Email,Company Name\n"
        "Ada,Lovelace,ada@example.com,Analytical Engines\n"
        "No,Address,not-an-email,\n",
        encoding="utf-8-sig",
    )

    first = run_handraise(handraise_env, "import", "contacts", str(export))
    again = run_handraise(handraise_env, "import", "contacts", str(export))

    assert first.returncode == 1 and "Traceback" not in first.stderr
    assert "imported 1 contact (1 new, 0 already here" in first.stdout
    assert f"line and reason: {tmp_path / 'hubspot.rejects.csv'}" in first.stdout
    assert "not-an-email" in (tmp_path / "hubspot.rejects.csv").read_text()
    assert "(0 new, 1 already here" in again.stdout


def test_import_of_a_file_that_is_not_csv_is_one_clear_line(handraise_env, tmp_path):
    assert run_handraise(handraise_env, "migrate", "-v0").returncode == 0
    picture = tmp_path / "photo.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")

    result = run_handraise(handraise_env, "import", "contacts", str(picture))

    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"CommandError: {picture} is not a text file (it holds binary data)."
    )
