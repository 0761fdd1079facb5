#!/usr/bin/python3
"""Opens one row of an encrypted socmesh store without socmesh (B13 format check).

usage: at_rest_check.py STORE.db KEY.pem SEQ   -> prints the row's canonical JSON

Follows docs/architecture.md ("Encryption at rest") and src/crypto/at_rest.hpp with Python's
`cryptography` (Debian python3-cryptography) only: ECDH with the keyring's ephemeral key, HKDF-SHA-256,
AES key wrap with padding (RFC 5649), then AES-256-GCM with the row's AAD.
"""
import base64
import json
import sqlite3
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap_with_padding


def main(db_path, key_path, seq):
    db = sqlite3.connect(db_path)
    (document,) = db.execute("SELECT keyring FROM at_rest").fetchone()
    keyring = json.loads(document)
    with open(key_path, "rb") as f:
        private = serialization.load_pem_private_key(f.read(), password=None)
    own_point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert base64.b64decode(keyring["wrapping_key"]["public_key"]) == own_point
    e_point = base64.b64decode(keyring["ephemeral_key"])
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), e_point)
    z = private.exchange(ec.ECDH(), peer)

    def unwrap(role, wrapped_b64):
        info = ("socmesh at-rest v1 %s %s" % (keyring["keyring_id"], role)).encode()
        kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=e_point + own_point,
                   info=info).derive(z)
        return aes_key_unwrap_with_padding(kek, base64.b64decode(wrapped_b64))

    data_keys = {k["id"]: unwrap("data-key %d" % k["id"], k["wrapped"])
                 for k in keyring["data_keys"]}
    row = db.execute("SELECT id, type, modified, revoked, tlp, json, key_id "
                     "FROM object_versions WHERE seq = ?", (seq,)).fetchone()
    blind_id, type_, modified, revoked, tlp, sealed, key_id = row
    aad = (b"socmesh-at-rest-v1\0" + struct.pack(">IqBB", key_id, modified, revoked,
                                                   0xFF if tlp is None else tlp)
           + type_.encode() + b"\0" + blind_id.encode())
    plain = AESGCM(data_keys[key_id]).decrypt(sealed[:12], sealed[12:], aad)
    sys.stdout.write(plain.decode())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
