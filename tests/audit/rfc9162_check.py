#!/usr/bin/env python3
"""Independent checker of socmesh audit proofs (RFC 9162 sections 2.1.3.2 and 2.1.4.2).

Written from the RFC text with Python's hashlib only, sharing no code with socmesh, so the tests
use it as an oracle for what a third party would conclude. The checkpoint signature is checked
separately with the openssl command line. Usage: rfc9162_check.py PROOF.json; exit 0 iff the Merkle
part of the proof holds.
"""
import hashlib
import json
import sys


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def head(body: str):
    lines = body.split("\n")
    fields = dict(line.split(" ", 1) for line in lines[1:] if line)
    return int(fields["size"]), bytes.fromhex(fields["root"])


def verify_inclusion(index, size, leaf, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, path):
    if first == second:
        return not path and first_hash == second_hash
    if first == 0:
        return not path
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_hash] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


def main():
    proof = json.load(open(sys.argv[1], encoding="utf-8"))
    path = [bytes.fromhex(h) for h in proof["path"]]
    if proof["type"] == "socmesh-audit-inclusion-proof/v1":
        size, root = head(proof["checkpoint"]["body"])
        entry = proof["entry"].encode("utf-8")
        if json.loads(entry)["seq"] != proof["seq"]:
            return 1
        ok = verify_inclusion(proof["seq"], size, leaf_hash(entry), path, root)
    else:
        old_size, old_root = head(proof["old"]["body"])
        new_size, new_root = head(proof["new"]["body"])
        ok = verify_consistency(old_size, new_size, old_root, new_root, path)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
