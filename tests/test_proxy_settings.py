"""The proxy settings, read in a fresh process as a deployment would get them."""

import pytest

from tests.processes import run_handraise

pytestmark = pytest.mark.integration

PRINT = "from django.conf import settings as s; print({})"


def setting(env: dict, expression: str) -> str:
    result = run_handraise(env, "shell", "-v0", "-c", PRINT.format(expression))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_forwarded_headers_are_ignored_unless_behind_a_proxy(handraise_env):
    assert setting(handraise_env, "(s.BEHIND_PROXY, s.PROXY_HOPS)") == "(False, 1)"
    assert setting(handraise_env, "s.SECURE_PROXY_SSL_HEADER") == "None"


def test_behind_a_proxy_the_hops_are_read(handraise_env):
    handraise_env["HANDRAISE_BEHIND_PROXY"] = "1"
    handraise_env["HANDRAISE_PROXY_HOPS"] = "2"
    assert setting(handraise_env, "(s.BEHIND_PROXY, s.PROXY_HOPS)") == "(True, 2)"
    assert "HTTP_X_FORWARDED_PROTO" in setting(handraise_env, "s.SECURE_PROXY_SSL_HEADER")


@pytest.mark.parametrize("hops", ["0", "-1", "two"])
def test_proxy_hops_that_cannot_work_are_refused_in_one_line(handraise_env, hops):
    handraise_env["HANDRAISE_PROXY_HOPS"] = hops
    result = run_handraise(handraise_env, "check")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "HANDRAISE_PROXY_HOPS" in result.stderr
