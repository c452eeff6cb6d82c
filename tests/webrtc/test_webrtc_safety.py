"""Who may connect: the token on every endpoint, HTTPS with the user's or a self-signed
certificate, the missing extra named in one line. All on 127.0.0.1."""

from __future__ import annotations

import re
import signal
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from browser import need_webrtc


def fetch(url: str, *, method: str = "GET", data: bytes | None = None,
          context: ssl.SSLContext | None = None) -> int:
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/sdp"})
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_another_address_needs_a_token_and_https(tmp_path: Path) -> None:
    need_webrtc()
    from mstg.webrtc.security import Access, self_signed

    open_to_all = Access("0.0.0.0")
    assert open_to_all.token and open_to_all.https
    assert not open_to_all.allows(None, None)
    assert not open_to_all.allows("wrong", None)
    assert open_to_all.allows(open_to_all.token, None)
    assert open_to_all.allows(None, f"Bearer {open_to_all.token}")
    cert, key = self_signed(tmp_path)
    assert self_signed(tmp_path) == (cert, key)  # made once, then reused
    Access("127.0.0.1", cert=cert, key=key).ssl_context()  # loads


def test_whip_on_another_address_without_a_token_is_a_usage_error() -> None:
    need_webrtc()
    import mstg

    with pytest.raises(mstg.UsageError, match="needs a token"):
        mstg.open_input("whip://0.0.0.0:0/")


def test_serve_with_a_token_and_certificate_refuses_requests_without_it(tmp_path: Path) -> None:
    need_webrtc()
    from mstg.webrtc.security import self_signed

    cert, key = self_signed(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "mstg", "serve", "-t", "barcode", "--token", "s3cret",
                             "--cert", cert, "--key", key], stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        url = next(m.group(1) for line in proc.stderr if (m := re.search(r"serving on (\S+)", line)))
        assert url.startswith("https://127.0.0.1:") and url.endswith("?token=s3cret")
        base = url.split("?")[0]
        insecure = ssl.create_default_context()
        insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
        assert fetch(url, context=insecure) == 200
        assert fetch(base, context=insecure) == 401
        assert fetch(base + "app.js?token=wrong", context=insecure) == 401
        assert fetch(base + "session", method="POST", data=b"v=0", context=insecure) == 401
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 130


def test_missing_extra_is_one_line_naming_it() -> None:
    code = ("import sys; sys.modules['aiortc'] = None; from mstg.cli.main import main; "
            "main(['serve', '-t', 'barcode'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == "error: WebRTC needs the 'webrtc' extra (aiortc is not installed)"
    assert "mstg[webrtc]" in done.stderr and "Traceback" not in done.stderr
    code = code.replace("main(['serve', '-t', 'barcode'])", "main(['run', '-i', 'whip://127.0.0.1:0/', '-o', 'null'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "mstg[webrtc]" in done.stderr and "Traceback" not in done.stderr
