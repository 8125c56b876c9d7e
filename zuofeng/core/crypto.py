"""Field encryption, keyed lookup hashes and chain digests, in the standard or the 国密 suite.

standard: AES-256-GCM, HMAC-SHA256, SHA-256.  gm (ZUOFENG_CRYPTO=gm): SM4-GCM, HMAC-SM3, SM3.
Every ciphertext names its suite, so a deployment that switches suite still reads old rows.
"""

from __future__ import annotations

import base64
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_NONCE = 12
_TAG = 16


def suite() -> str:
    return settings.CRYPTO_SUITE


def _hash_algorithm(name: str) -> hashes.HashAlgorithm:
    return hashes.SM3() if name == "gm" else hashes.SHA256()


@lru_cache(maxsize=4)
def _master_key(raw: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("ZUOFENG_DATA_KEY must be base64 of 32 random bytes") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("ZUOFENG_DATA_KEY must decode to exactly 32 bytes")
    return key


@lru_cache(maxsize=16)
def _derive(raw: str, purpose: str, length: int) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode())
    return hkdf.derive(_master_key(raw))


def _key(purpose: str, length: int) -> bytes:
    return _derive(settings.DATA_KEY, purpose, length)


@lru_cache(maxsize=4)
def _aesgcm(raw: str) -> AESGCM:
    # One cipher object per key: an import encrypts tens of thousands of fields.
    return AESGCM(_derive(raw, "field-aes", 32))


def encrypt(plaintext: str) -> str:
    """Encrypt a short text; the result carries the suite, a fresh nonce and the tag."""
    data = plaintext.encode()
    nonce = os.urandom(_NONCE)
    if suite() == "gm":
        encryptor = Cipher(algorithms.SM4(_key("field-sm4", 16)), modes.GCM(nonce)).encryptor()
        body = encryptor.update(data) + encryptor.finalize() + encryptor.tag
        prefix = "g1"
    else:
        body = _aesgcm(settings.DATA_KEY).encrypt(nonce, data, None)
        prefix = "a1"
    return prefix + ":" + base64.b64encode(nonce + body).decode()


def decrypt(token: str) -> str:
    prefix, _, payload = token.partition(":")
    blob = base64.b64decode(payload)
    nonce, body = blob[:_NONCE], blob[_NONCE:]
    if prefix == "g1":
        ciphertext, tag = body[:-_TAG], body[-_TAG:]
        decryptor = Cipher(algorithms.SM4(_key("field-sm4", 16)), modes.GCM(nonce, tag)).decryptor()
        return (decryptor.update(ciphertext) + decryptor.finalize()).decode()
    if prefix == "a1":
        return _aesgcm(settings.DATA_KEY).decrypt(nonce, body, None).decode()
    raise ValueError("unknown ciphertext format")


def _lookup_hash(value: str, name: str) -> str:
    mac = crypto_hmac.HMAC(_key(f"index-{name}", 32), _hash_algorithm(name))
    mac.update(value.encode())
    return mac.finalize().hex()


def lookup_hash(value: str) -> str:
    """Keyed hash for exact-match lookup: equal inputs match, the index reveals nothing."""
    return _lookup_hash(value, suite())


def lookup_hashes(value: str) -> list[str]:
    """The value's keyed hash in every suite, the current one first: rows indexed before a
    suite switch must still be found, and still count for uniqueness."""
    current = suite()
    return [
        _lookup_hash(value, name) for name in (current, *sorted({"standard", "gm"} - {current}))
    ]


def digest(data: bytes, algorithm: str | None = None) -> str:
    """Unkeyed digest for the audit chain (SHA-256, or SM3 in the gm suite)."""
    h = hashes.Hash(_hash_algorithm(algorithm or suite()))
    h.update(data)
    return h.finalize().hex()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def token_hash(token: str) -> str:
    """Hash of an API token as stored: keyed, so a leaked table cannot be replayed."""
    mac = crypto_hmac.HMAC(_key("api-token", 32), hashes.SHA256())
    mac.update(token.encode())
    return mac.finalize().hex()


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def mask_id_number(number: str) -> str:
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else "****"
