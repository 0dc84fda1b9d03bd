"""TCN for the example port, written from spec/tcn.md alone.

The key schedule is plain SHA-256 (spec/tcn.md §3.1: the reference's single-compression
implementation gives identical output). Ed25519 is ed25519.py, which follows spec/ed25519.md.
"""
import hashlib

import ed25519

H_TCK = b"H_TCK"
H_TCN = b"H_TCN"
ALLOCATED_MEMO_TYPES = (0x00, 0x01, 0x02)
BROKEN = ed25519.BROKEN  # deliberate defects, shared with ed25519.py (testee.py --break NAME)

# spec/ed25519.md §3 check -> TCN code (spec/tcn.md §5.2, §6).
ED25519_TO_TCN = {
    ed25519.KEY_NONCANONICAL: "TCN_RVK_INVALID",
    ed25519.KEY_SMALL_ORDER: "TCN_RVK_SMALL_ORDER",
    ed25519.R_NONCANONICAL: "TCN_SIG_R_INVALID",
    ed25519.S_NONCANONICAL: "TCN_SIG_S_NONCANONICAL",
    ed25519.MISMATCH: "TCN_SIG_MISMATCH",
}


class TcnError(Exception):
    """A protocol rejection with its stable code."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def le16(i):
    return i.to_bytes(2, "little")


def tck0(rak):
    return hashlib.sha256(H_TCK + rak).digest()


def ratchet(rvk, tck):
    """tck_i from tck_{i-1} (§3.1); the caller enforces the index limit (§3.2)."""
    return hashlib.sha256(H_TCK + rvk + tck).digest()


def tcn(index, tck):
    return hashlib.sha256(H_TCN + le16(index) + tck).digest()[:16]


def ratchet_key(index, rvk, tck):
    """Ratchets the key (index, rvk, tck) once: (index + 1, tck_next), §3.2."""
    if index >= 65535:
        raise TcnError("TCN_INDEX_EXHAUSTED")
    return index + 1, ratchet(rvk, tck)


def create_report(rak, memo_type, memo, j1, j2):
    """The signed report of §5.1."""
    if j1 == 0:
        raise TcnError("TCN_J1_ZERO")
    if j2 < j1 and "j2-order" not in BROKEN:
        raise TcnError("TCN_J2_BEFORE_J1")
    if len(memo) > 255:
        raise TcnError("TCN_MEMO_TOO_LONG")
    if memo_type not in ALLOCATED_MEMO_TYPES:
        raise TcnError("TCN_UNKNOWN_MEMO_TYPE")
    rvk = ed25519.public_key(rak)
    tck = tck0(rak)
    for _ in range(j1 - 1):
        tck = ratchet(rvk, tck)
    report = rvk + tck + le16(j1) + le16(j2) + bytes([memo_type, len(memo)]) + memo
    return report + ed25519.sign(rak, report)


def decode_report(b):
    """The fields of a signed report, checked in the order of §4.3."""
    if len(b) < 70:
        raise TcnError("TCN_TRUNCATED")
    m = b[69]
    if len(b) < 70 + m + 64:
        raise TcnError("TCN_TRUNCATED")
    if len(b) > 70 + m + 64:
        raise TcnError("TCN_TRAILING_BYTES")
    rvk, tck = b[0:32], b[32:64]
    j1 = int.from_bytes(b[64:66], "little")
    j2 = int.from_bytes(b[66:68], "little")
    memo_type = b[68]
    if j1 == 0:
        raise TcnError("TCN_J1_ZERO")
    if j2 < j1 and "j2-order" not in BROKEN:
        raise TcnError("TCN_J2_BEFORE_J1")
    if memo_type not in ALLOCATED_MEMO_TYPES:
        raise TcnError("TCN_UNKNOWN_MEMO_TYPE")
    return {"rvk": rvk, "tck": tck, "j1": j1, "j2": j2, "memo_type": memo_type,
            "memo": b[70 : 70 + m], "signed": b[: 70 + m], "sig": b[70 + m :]}


def check_signature(r):
    """§5.2 on a decoded report: the Ed25519 rule, its codes mapped to §6."""
    err = ed25519.verify(r["rvk"], r["signed"], r["sig"])
    if err is not None:
        raise TcnError(ED25519_TO_TCN[err])


def disclosed_numbers(r):
    """tcn_j1 .. tcn_j2 (§5.4), j2 inclusive."""
    tck, out = r["tck"], []
    for j in range(r["j1"], r["j2"] + 1):
        tck = ratchet(r["rvk"], tck)
        out.append(tcn(j, tck))
    return out


def verify_report(b):
    """Decode (§4.3), verify (§5.2); the decoded fields and the disclosed numbers (§5.4)."""
    r = decode_report(b)
    check_signature(r)
    return r, disclosed_numbers(r)


def match_reports(observed, reports):
    """§8: the (position, index) pairs whose number was observed, for the reports that verify;
    the others by position with their code."""
    seen = set(observed)
    matches, rejected = [], []
    for pos, b in enumerate(reports):
        r = decode_report(b)
        try:
            check_signature(r)
        except TcnError as e:
            rejected.append((pos, e.code))
            continue
        for j, n in zip(range(r["j1"], r["j2"] + 1), disclosed_numbers(r)):
            if n in seen:
                matches.append((pos, j))
    return matches, rejected
