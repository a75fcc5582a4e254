"""Nobody outside reaches the page unless the operator chose sign-in: `vigia dashboard` listens
on 127.0.0.1, refuses an exposed address without Streamlit's login, and trusts a proxy's
identity header only on loopback. Real servers, real sockets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dashboard.access import Access, Refusal, Visitor, identify
from dashboard.browser import free_port

REPO = Path(__file__).resolve().parents[1]


def outside_address() -> str:
    """An address of this machine that is not loopback (where another machine would connect)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.254", 9))  # nothing is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            address = ""
    if not address or address.startswith("127."):
        pytest.skip("this machine has no non-loopback IPv4 address to test from")
    return address


def answers(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def serve(db: Path, port: int, *args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "dashboard", "--db", str(db), "--port", str(port), *args],
                            cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_until(check, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert process.poll() is None, process.stderr.read()[-2000:]
        assert time.monotonic() < deadline, "the dashboard did not answer in time"
        time.sleep(0.3)


def test_by_default_the_page_answers_on_loopback_only(filled_db: Path) -> None:
    outside, port = outside_address(), free_port()
    server = serve(filled_db, port)
    try:
        wait_until(lambda: answers("127.0.0.1", port), server)
        assert not answers(outside, port)
        with pytest.raises(OSError):
            socket.create_connection((outside, port), timeout=2).close()
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.parametrize(("args", "reason"), [
    (["--address", "0.0.0.0"], "no sign-in"),
    (["--address", "0.0.0.0", "--auth", "proxy"], "127.0.0.1 only"),
    (["--auth", "oidc"], "[auth] section"),
])
def test_exposing_the_page_without_sign_in_is_refused_with_one_line(filled_db: Path, tmp_path: Path, args: list[str],
                                                                   reason: str) -> None:
    result = subprocess.run([sys.executable, "-m", "cli", "dashboard", "--db", str(filled_db), *args], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(REPO), "HOME": str(tmp_path)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and reason in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_with_streamlit_login_configured_the_page_is_reachable_from_outside(filled_db: Path, tmp_path: Path) -> None:
    outside, port = outside_address(), free_port()
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://{outside}:{port}/oauth2callback"\n'
        'cookie_secret = "a-long-random-secret-for-the-test-only"\n'
        'client_id = "vigia"\nclient_secret = "not-a-real-secret"\n'
        'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n', encoding="utf-8")
    server = serve(filled_db, port, "--address", "0.0.0.0", "--auth", "oidc", cwd=tmp_path, env={"HOME": str(tmp_path)})
    try:
        wait_until(lambda: answers(outside, port), server)
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_who_the_visitor_is_in_each_mode() -> None:
    none, oidc, proxy = Access("none"), Access("oidc"), Access("proxy", "X-Forwarded-Email")
    assert identify(none, headers={}, user={}, ip_address=None) == Visitor(None, "typed")
    assert isinstance(identify(none, headers={}, user={}, ip_address="192.0.2.7"), Refusal)
    assert identify(none, headers={}, user={}, ip_address="::1") == Visitor(None, "typed")
    assert identify(oidc, headers={}, user={"is_logged_in": False}, ip_address=None).sign_in
    assert identify(oidc, headers={"X-Forwarded-Email": "x@y.z"}, user={"is_logged_in": True, "email": "ana@m.pe"},
                    ip_address="192.0.2.7") == Visitor("ana@m.pe", "oidc")
    assert identify(proxy, headers={"x-forwarded-email": "ana@m.pe"}, user={}, ip_address="192.0.2.7") == \
        Visitor("ana@m.pe", "proxy")
    assert isinstance(identify(proxy, headers={"X-Forwarded-User": "ana"}, user={}, ip_address=None), Refusal)
