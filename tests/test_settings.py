"""Settings from HANDRAISE_* variables, checked in a fresh process as a user would get them."""

import stat
from pathlib import Path

import pytest

from tests.processes import run_handraise

pytestmark = pytest.mark.integration

PRINT = "from django.conf import settings as s; print({})"


def setting(env: dict, expression: str) -> str:
    result = run_handraise(env, "shell", "-v0", "-c", PRINT.format(expression))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_secret_key_is_generated_once_and_kept_private(handraise_env):
    first = setting(handraise_env, "s.SECRET_KEY")
    second = setting(handraise_env, "s.SECRET_KEY")
    key_file = Path(handraise_env["HANDRAISE_DATA_DIR"]) / "secret_key"
    assert first == second == key_file.read_text()
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_debug_is_off_unless_asked_for(handraise_env):
    assert setting(handraise_env, "s.DEBUG") == "False"
    handraise_env["HANDRAISE_DEBUG"] = "1"
    assert setting(handraise_env, "s.DEBUG") == "True"


def test_embedded_sqlite_runs_in_wal_mode_with_immediate_transactions(handraise_env):
    handraise_env.pop("HANDRAISE_DATABASE_URL", None)
    result = run_handraise(
        handraise_env,
        "shell",
        "-v0",
        "-c",
        "from django.db import connection as c;"
        "cur = c.cursor(); cur.execute('pragma journal_mode');"
        "print(cur.fetchone()[0], c.transaction_mode, c.settings_dict['OPTIONS']['timeout'])",
    )
    assert result.stdout.split() == ["wal", "IMMEDIATE", "20"], result.stderr


def test_production_settings_pass_the_deployment_check(handraise_env):
    handraise_env["HANDRAISE_SECRET_KEY"] = "k" * 20 + "production-secret-key-0123456789-abcdefghij"
    handraise_env["HANDRAISE_BASE_URL"] = "https://crm.example.com"
    result = run_handraise(handraise_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_base_url_decides_the_allowed_host(handraise_env):
    handraise_env["HANDRAISE_BASE_URL"] = "https://crm.example.com/"
    assert "crm.example.com" in setting(handraise_env, "s.ALLOWED_HOSTS")


@pytest.mark.parametrize(
    "base_url", ["crm.example.com", "http://localhost:99999", "http://localhost:port"]
)
def test_a_base_url_that_is_not_a_url_is_refused_in_one_line(handraise_env, base_url):
    handraise_env["HANDRAISE_BASE_URL"] = base_url
    result = run_handraise(handraise_env, "check")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "HANDRAISE_BASE_URL" in result.stderr


def test_redis_url_shares_the_caches_between_processes(handraise_env):
    handraise_env["HANDRAISE_REDIS_URL"] = "redis://127.0.0.1:6379/15"
    write = "from django.core.cache import caches; caches['ratelimit'].set('probe', 'shared', 30)"
    read = "from django.core.cache import caches; print(caches['ratelimit'].get('probe'))"
    assert run_handraise(handraise_env, "shell", "-v0", "-c", write).returncode == 0
    assert run_handraise(handraise_env, "shell", "-v0", "-c", read).stdout.strip() == "shared"


def test_email_retry_waits_are_read_and_a_bad_list_is_refused_in_one_line(handraise_env):
    assert setting(handraise_env, "s.EMAIL_RETRY_AFTER") == "(5, 15, 30, 60, 300, 900, 1800, 3600)"
    handraise_env["HANDRAISE_EMAIL_RETRY_AFTER"] = "1, 2,3"
    assert setting(handraise_env, "s.EMAIL_RETRY_AFTER") == "(1, 2, 3)"
    handraise_env["HANDRAISE_EMAIL_RETRY_AFTER"] = "5,soon"
    result = run_handraise(handraise_env, "check")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "HANDRAISE_EMAIL_RETRY_AFTER" in result.stderr


def test_processes_starting_together_all_find_the_data_dir_writable(tmp_path):
    # ``serve`` starts its web workers and its worker at once, each checking the data dir.
    from concurrent.futures import ThreadPoolExecutor

    from handraise.settings import prepare_data_dir

    data_dir = tmp_path / "data"
    with ThreadPoolExecutor(max_workers=8) as pool:
        checked = list(pool.map(lambda _: prepare_data_dir(data_dir), range(400)))
    assert checked == [data_dir] * 400
    assert list(data_dir.iterdir()) == []  # the probes are cleaned up


@pytest.mark.parametrize("days", ["0", "many", "4000"])
def test_attribution_window_is_read_and_a_bad_one_is_refused_in_one_line(handraise_env, days):
    assert setting(handraise_env, "s.ATTRIBUTION_WINDOW_DAYS") == "90"
    handraise_env["HANDRAISE_ATTRIBUTION_WINDOW_DAYS"] = "30"
    assert setting(handraise_env, "s.ATTRIBUTION_WINDOW_DAYS") == "30"
    handraise_env["HANDRAISE_ATTRIBUTION_WINDOW_DAYS"] = days
    result = run_handraise(handraise_env, "check")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "HANDRAISE_ATTRIBUTION_WINDOW_DAYS" in result.stderr
