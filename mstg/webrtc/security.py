"""Who may connect: loopback by default; any other address needs a token and HTTPS.

Browsers open cameras only on secure origins (``https://`` or ``http://127.0.0.1``), so a
server reachable from a phone serves HTTPS: the user's certificate, or a self-signed one made
on first use (kept in ``~/.cache/mstg/webrtc/``) that the phone accepts once.

>>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
(True, True, False)
>>> Access("127.0.0.1").token is None
True
>>> len(Access("0.0.0.0").token) > 16
True
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
import logging
import os
import secrets
import ssl
from pathlib import Path

from ..errors import UsageError

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Access:
    """The token and TLS settings of a server bound to ``host``.

    On loopback nothing is required unless a ``token`` is given; on any other address a token
    is required (made here when not given) and HTTPS is used (``cert``/``key``, or a
    self-signed certificate made on first use).
    """

    def __init__(self, host: str, *, token: str | None = None, cert: str | None = None,
                 key: str | None = None, https: bool | None = None) -> None:
        self.host = host
        self.loopback = is_loopback(host)
        if (cert is None) != (key is None):
            raise UsageError("--cert and --key go together")
        self.token = token or (None if self.loopback else secrets.token_urlsafe(18))
        self.https = bool(cert) or (not self.loopback if https is None else https)
        self.cert, self.key = cert, key

    def allows(self, query_token: str | None, authorization: str | None) -> bool:
        """True when the request carries the token (``?token=`` or ``Authorization: Bearer``)."""
        if self.token is None:
            return True
        given = query_token
        if given is None and authorization and authorization.lower().startswith("bearer "):
            given = authorization[7:].strip()
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def ssl_context(self) -> ssl.SSLContext | None:
        """The server's TLS context, or None for plain HTTP."""
        if not self.https:
            return None
        cert, key = (self.cert, self.key) if self.cert else self_signed()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(cert, key)  # type: ignore[arg-type]
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"cannot load the certificate {cert}: {exc}") from None
        return context

    @property
    def scheme(self) -> str:
        return "https" if self.https else "http"


def cache_dir() -> Path:
    """Where the self-signed certificate is kept."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mstg" / "webrtc"


def self_signed(folder: Path | None = None) -> tuple[str, str]:
    """(certificate, key) paths of mstg's self-signed certificate, made on first use."""
    folder = folder or cache_dir()
    cert, key = folder / "cert.pem", folder / "key.pem"
    if cert.exists() and key.exists():
        return str(cert), str(key)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mstg serve")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=825))
                   .sign(private, hashes.SHA256()))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    os.chmod(key, 0o600)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    log.info("made a self-signed certificate: %s", cert)
    return str(cert), str(key)
