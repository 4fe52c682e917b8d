"""A software WebAuthn authenticator (and the browser around it) for the tests.

It does what ``navigator.credentials.create()`` / ``.get()`` and a platform authenticator do: make
an ECDSA P-256 key pair per credential (``cryptography``), answer creation options with a "none"
attestation and request options with a signed assertion, and count signatures. It speaks the JSON
that ``webauthn.js`` posts, so tests submit exactly what a browser would. Knobs let a test lie about
the origin or reuse an old signature counter.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04
FLAG_ATTESTED_DATA = 0x40
AAGUID = bytes(16)  # "none" attestation: no model to vouch for


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cbor(value) -> bytes:
    """Just enough CBOR (RFC 8949) for attestation objects and COSE keys."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
            if length < 2 ** (8 * struct.calcsize(fmt)):
                return bytes([major << 5 | info]) + struct.pack(fmt, length)
        raise ValueError("too long")

    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        return head(3, len(encoded)) + encoded
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(type(value))


@dataclass
class StoredCredential:
    """What the authenticator keeps for one credential: the private key never leaves it."""

    credential_id: bytes
    rp_id: str
    user_handle: bytes
    private_key: ec.EllipticCurvePrivateKey
    resident: bool
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})


@dataclass
class SoftwareAuthenticator:
    """A platform authenticator with a browser in front of it, at ``origin``."""

    origin: str
    credentials: list[StoredCredential] = field(default_factory=list)
    user_verified: bool = True

    @property
    def rp_id_default(self) -> str:
        return self.origin.split("://", 1)[1].split(":")[0]

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False},
            separators=(",", ":"),
        ).encode()

    def _flags(self, *extra: int) -> int:
        flags = FLAG_USER_PRESENT | (FLAG_USER_VERIFIED if self.user_verified else 0)
        for bit in extra:
            flags |= bit
        return flags

    def create(self, options: dict | str, *, origin: str | None = None) -> str:
        """``navigator.credentials.create(options)``, as the JSON string ``webauthn.js`` posts."""
        public_key = (json.loads(options) if isinstance(options, str) else options)["publicKey"]
        rp_id = public_key["rp"].get("id") or self.rp_id_default
        excluded = {unb64url(c["id"]) for c in public_key.get("excludeCredentials", [])}
        if any(c.credential_id in excluded for c in self.credentials):
            raise PermissionError("InvalidStateError: this authenticator is already registered")
        selection = public_key.get("authenticatorSelection") or {}
        stored = StoredCredential(
            credential_id=os.urandom(32),
            rp_id=rp_id,
            user_handle=unb64url(public_key["user"]["id"]),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            resident=selection.get("residentKey") == "required",
        )
        self.credentials.append(stored)
        attested = AAGUID + struct.pack(">H", len(stored.credential_id)) + stored.credential_id
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([self._flags(FLAG_ATTESTED_DATA)])
            + struct.pack(">I", stored.sign_count)
            + attested
            + stored.cose_public_key()
        )
        attestation = cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", public_key["challenge"], origin)
        return json.dumps(
            {
                "id": b64url(stored.credential_id),
                "rawId": b64url(stored.credential_id),
                "type": "public-key",
                "response": {
                    "attestationObject": b64url(attestation),
                    "clientDataJSON": b64url(client_data),
                    "transports": ["internal"],
                },
            }
        )

    def get(self, options: dict | str, *, origin: str | None = None, sign_count: int | None = None) -> str:
        """``navigator.credentials.get(options)``: sign the challenge with a matching credential
        (any resident one for this relying party when none is listed). ``sign_count`` forces the
        counter, as a cloned authenticator would report an old one."""
        public_key = (json.loads(options) if isinstance(options, str) else options)["publicKey"]
        rp_id = public_key.get("rpId") or self.rp_id_default
        allowed = {unb64url(c["id"]) for c in public_key.get("allowCredentials", [])}
        candidates = [
            c for c in self.credentials if c.rp_id == rp_id and (c.credential_id in allowed if allowed else c.resident)
        ]
        if not candidates:
            raise LookupError("NotAllowedError: no credential for this relying party")
        stored = candidates[-1]
        stored.sign_count = stored.sign_count + 1 if sign_count is None else sign_count
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags()]) + struct.pack(">I", stored.sign_count)
        )
        client_data = self._client_data("webauthn.get", public_key["challenge"], origin)
        signature = stored.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": b64url(stored.credential_id),
                "rawId": b64url(stored.credential_id),
                "type": "public-key",
                "response": {
                    "authenticatorData": b64url(auth_data),
                    "clientDataJSON": b64url(client_data),
                    "signature": b64url(signature),
                    "userHandle": b64url(stored.user_handle) if stored.resident else None,
                },
            }
        )
