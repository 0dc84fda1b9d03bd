#!/usr/bin/env python3
"""Independent check of the encounter vectors against libsodium (PyNaCl) and Python's stdlib.

spec/encounter.md §14: address decoding (base64/hashlib, not the crate's codec), Ed25519 -> X25519
conversion (libsodium crypto_sign_ed25519_pk_to_curve25519 / sk_to_curve25519), X25519
(crypto_scalarmult), the pair-secret KDF (hmac/hashlib HKDF-SHA256), attestation issuing
(libsodium's deterministic Ed25519 signature over the labelled bytes) and report creation (hmac
over the labelled report) must agree with every vector. Exits 1 on the first class of disagreement, after printing every mismatch.

Usage: python3 conformance/pynacl_check.py [VECTOR_DIR]   (default: vectors/encounter)
"""
import base64
import hashlib
import hmac
import json
import os
import sys

try:
    from nacl import bindings as b
    from nacl.exceptions import RuntimeError as NaclRuntimeError, CryptoError
except ImportError:  # pragma: no cover
    print("pynacl_check: PyNaCl is not installed (pip install pynacl)", file=sys.stderr)
    sys.exit(2)

NACL_ERRORS = (NaclRuntimeError, CryptoError, ValueError)
FAIL = []
CHECKED = {"address": 0, "conversion": 0, "x25519": 0, "secret": 0, "issue": 0, "report": 0}


def fail(where, msg):
    FAIL.append(f"{where}: {msg}")


def load(vdir, name):
    with open(os.path.join(vdir, name), encoding="utf-8") as f:
        return [t for g in json.load(f)["testGroups"] for t in g["tests"]]


def pk_to_u(pk):
    """libsodium's conversion; None when libsodium refuses the key."""
    try:
        return b.crypto_sign_ed25519_pk_to_curve25519(pk)
    except NACL_ERRORS:
        return None


def decode_address(text):
    """Independent v3 decoding: returns (code, pubkey). Code mirrors spec §3.2 steps 1-7."""
    if not text.lower().endswith(".onion"):
        return "ENCOUNTER_ADDR_NO_SUFFIX", None
    label = text[: -len(".onion")]
    if "." in label:
        return "ENCOUNTER_ADDR_SUBDOMAIN", None
    if len(label) != 56:
        return "ENCOUNTER_ADDR_LENGTH", None
    if any(c not in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in label):
        return "ENCOUNTER_ADDR_ALPHABET", None
    if label != label.lower() and label != label.upper():
        return "ENCOUNTER_ADDR_MIXED_CASE", None
    raw = base64.b32decode(label.upper())
    pk, cks, ver = raw[:32], raw[32:34], raw[34]
    if ver != 3:
        return "ENCOUNTER_ADDR_VERSION", None
    if hashlib.sha3_256(b".onion checksum" + pk + bytes([ver])).digest()[:2] != cks:
        return "ENCOUNTER_ADDR_CHECKSUM", None
    return None, pk


def check_key(where, pk, t):
    """Valid vectors: libsodium converts to montgomeryU. KEY_* rejections: libsodium refuses."""
    u = pk_to_u(pk)
    if t["result"] == "valid":
        if u is None:
            fail(where, f"libsodium refuses {pk.hex()} which the vector accepts")
        elif "montgomeryU" in t and u.hex() != t["montgomeryU"]:
            fail(where, f"u: libsodium {u.hex()}, vector {t['montgomeryU']}")
    elif t.get("error", "").startswith("ENCOUNTER_KEY_"):
        if u is not None:
            fail(where, f"libsodium converts {pk.hex()} which the vector rejects with {t['error']}")
    CHECKED["conversion"] += 1


def check_addresses(vdir):
    for t in load(vdir, "address_test.json"):
        where = f"address_test.json tcId {t['tcId']}"
        code, pk = decode_address(t["address"])
        CHECKED["address"] += 1
        if code is not None:
            if t["result"] != "invalid" or t.get("error") != code:
                fail(where, f"independent decoder says {code}, vector says {t['result']} {t.get('error')}")
            continue
        if t["result"] == "valid" and pk.hex() != t.get("publicKey"):
            fail(where, f"public key {pk.hex()} vs {t.get('publicKey')}")
        if t["result"] == "invalid" and not t["error"].startswith("ENCOUNTER_KEY_"):
            fail(where, f"independent decoder accepts, vector rejects with {t['error']}")
        check_key(where, pk, t)


TOR_PUBLIC_HEADER = b"== ed25519v1-public: type0 ==\0\0\0"


def check_peer_keys(vdir):
    for t in load(vdir, "peer_key_test.json"):
        where = f"peer_key_test.json tcId {t['tcId']}"
        if "torPublicFile" in t:
            # spec §3.3 path 3: length, then header, then the key.
            f = bytes.fromhex(t["torPublicFile"])
            code = ("ENCOUNTER_KEYFILE_LENGTH" if len(f) != 64
                    else "ENCOUNTER_KEYFILE_HEADER" if f[:32] != TOR_PUBLIC_HEADER else None)
            if code is not None:
                if t.get("error") != code:
                    fail(where, f"independent file check says {code}, vector {t['result']} {t.get('error')}")
                continue
            check_key(where, f[32:], t)
        else:
            check_key(where, bytes.fromhex(t["publicKey"]), t)


def check_conversions(vdir):
    for t in load(vdir, "key_conversion_test.json"):
        where = f"key_conversion_test.json tcId {t['tcId']}"
        if t["result"] != "valid":
            continue
        secret = bytes.fromhex(t["secret"])
        pk = bytes.fromhex(t["publicKey"])
        if t["form"] == "seed":
            spk, ssk = b.crypto_sign_seed_keypair(secret)
            if spk != pk:
                fail(where, f"libsodium public {spk.hex()} vs {t['publicKey']}")
            xs = b.crypto_sign_ed25519_sk_to_curve25519(ssk)
        else:
            a = secret[32:64] if t["form"] == "torFile" else secret[:32]
            xs = a
            # Edwards side, no clamping: A = [a]B (a < 2^255).
            try:
                ea = b.crypto_scalarmult_ed25519_base_noclamp(
                    (int.from_bytes(a, "little") % (2**252 + 27742317777372353535851937790883648493)).to_bytes(32, "little"))
            except NACL_ERRORS:
                ea = None
            if ea != pk:
                fail(where, f"[a]B = {ea.hex() if ea else None} vs {t['publicKey']}")
        if xs.hex() != t["x25519Secret"]:
            fail(where, f"X25519 secret {xs.hex()} vs {t['x25519Secret']}")
        xu = b.crypto_scalarmult_base(xs)
        if xu.hex() != t["montgomeryU"]:
            fail(where, f"X25519(a, 9) {xu.hex()} vs {t['montgomeryU']}")
        check_key(where, pk, t)


def check_x25519(vdir):
    for t in load(vdir, "x25519_test.json"):
        where = f"x25519_test.json tcId {t['tcId']}"
        CHECKED["x25519"] += 1
        try:
            k = b.crypto_scalarmult(bytes.fromhex(t["scalar"]), bytes.fromhex(t["u"]))
        except NACL_ERRORS:
            k = None
        if t["result"] == "valid":
            if k is None or k.hex() != t["shared"]:
                fail(where, f"libsodium {k.hex() if k else 'refuses'} vs {t['shared']}")
        elif k is not None and k != bytes(32):
            fail(where, f"libsodium gives non-zero {k.hex()} for a rejected u")


def hkdf_expand(prk, info, n):
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:n]


L = b"contact-tracing/v1/encounter/"


def check_secrets(vdir):
    for t in load(vdir, "encounter_secret_test.json"):
        where = f"encounter_secret_test.json tcId {t['tcId']}"
        CHECKED["secret"] += 1
        peer = bytes.fromhex(t["peerPublic"])
        u = pk_to_u(peer)
        if t["result"] == "invalid":
            if t["error"].startswith("ENCOUNTER_KEY_") and u is not None:
                fail(where, "libsodium converts a peer key the vector rejects")
            continue
        if "ownSeed" in t:
            own_pk, ssk = b.crypto_sign_seed_keypair(bytes.fromhex(t["ownSeed"]))
            a = b.crypto_sign_ed25519_sk_to_curve25519(ssk)
        else:
            a = bytes.fromhex(t["ownExpanded"])[:32]
            own_pk = bytes.fromhex(t["ownPublic"])
        if own_pk.hex() != t["ownPublic"]:
            fail(where, "own public key differs")
        k = b.crypto_scalarmult(a, u)
        prk = hmac.new(L + b"extract", k, hashlib.sha256).digest()
        lo, hi = sorted([own_pk, peer])
        s = hkdf_expand(prk, L + b"pair-secret" + lo + hi, 32)
        want = {
            "sharedK": k,
            "prk": prk,
            "pairSecret": s,
            "pairId": hkdf_expand(s, L + b"pair-id", 16),
            "dayId": hkdf_expand(s, L + b"day-id" + t["day"].to_bytes(4, "big"), 16),
            "reportKeyOwnToPeer": hkdf_expand(s, L + b"report-key" + own_pk + peer, 32),
            "reportKeyPeerToOwn": hkdf_expand(s, L + b"report-key" + peer + own_pk, 32),
        }
        for name, value in want.items():
            if value.hex() != t[name]:
                fail(where, f"{name}: python {value.hex()}, vector {t[name]}")


def check_issue(vdir):
    """Attestations (spec §7.2, §7.4): the layout rebuilt here, signed by libsodium."""
    for t in load(vdir, "attestation_issue_test.json"):
        where = f"attestation_issue_test.json tcId {t['tcId']}"
        CHECKED["issue"] += 1
        if int(t["notAfter"]) <= int(t["issuedAt"]):
            if t.get("error") != "ENCOUNTER_VALIDITY_TOO_LONG":
                fail(where, "not_after <= issued_at must be refused")
            continue
        pk, sk = b.crypto_sign_seed_keypair(bytes.fromhex(t["haSeed"]))
        kid = hashlib.sha256(L + b"ha-key-id" + pk).digest()[:8]
        commitment = hmac.new(bytes.fromhex(t["bindKey"]), L + b"subject" + bytes.fromhex(t["subjectPublic"]),
                              hashlib.sha256).digest()
        body = (b"\x01\x01" + kid + int(t["issuedAt"]).to_bytes(8, "big") + int(t["notAfter"]).to_bytes(8, "big")
                + t["windowStartDay"].to_bytes(4, "big") + t["diseaseCode"].to_bytes(2, "big")
                + bytes([t["reportType"]]) + bytes.fromhex(t["certNonce"]) + commitment)
        sig = b.crypto_sign(L + b"attestation" + body, sk)[:64]
        if commitment.hex() != t["subjectCommitment"]:
            fail(where, f"commitment {commitment.hex()} vs {t['subjectCommitment']}")
        if (body + sig).hex() != t["attestation"]:
            fail(where, "attestation bytes differ from libsodium's signature over the layout")


def check_reports(vdir):
    """Reports (spec §8.1, §8.2): the MAC recomputed with hmac, the commitment opened here."""
    for t in load(vdir, "report_create_test.json"):
        where = f"report_create_test.json tcId {t['tcId']}"
        CHECKED["report"] += 1
        s = bytes.fromhex(t["pairSecret"])
        own, peer = bytes.fromhex(t["ownPublic"]), bytes.fromhex(t["peerPublic"])
        att, bind = bytes.fromhex(t["attestation"]), bytes.fromhex(t["bindKey"])
        if t["result"] != "valid":
            if t.get("error") == "ENCOUNTER_BAD_COMMITMENT" and len(att) == 145:
                opened = hmac.new(bind, L + b"subject" + own, hashlib.sha256).digest()
                if opened == att[49:81]:
                    fail(where, "the commitment opens to the own key, yet the vector refuses it")
            continue
        pair_id = hkdf_expand(s, L + b"pair-id", 16)
        body = b"\x01\x02" + pair_id + att + bind
        mac = hmac.new(hkdf_expand(s, L + b"report-key" + own + peer, 32), L + b"report-mac" + body,
                       hashlib.sha256).digest()
        if (body + mac).hex() != t["report"] or pair_id.hex() != t["pairId"]:
            fail(where, "report bytes differ from the layout MACed here")


def main():
    vdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "vectors", "encounter")
    check_addresses(vdir)
    check_peer_keys(vdir)
    check_conversions(vdir)
    check_x25519(vdir)
    check_secrets(vdir)
    check_issue(vdir)
    check_reports(vdir)
    for f in FAIL:
        print("FAIL", f)
    print(f"pynacl_check: libsodium {b.sodium_version_string() if hasattr(b, 'sodium_version_string') else ''}; "
          f"checked {CHECKED}; {len(FAIL)} disagreements")
    return 1 if FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
