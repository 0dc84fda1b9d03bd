#!/usr/bin/env python3
"""An example port of contact-tracing in Python, served over the testee protocol 1
(spec/conformance.md). It implements the TCN group types and ed25519-verify from the specs alone.

    cargo run -p conformance -- check --impl "python3 conformance/testee-python/testee.py" \
        --expect conformance/testee-python/expected-failures.txt

`--break NAME` removes one check on purpose (s-range: S < l in Ed25519 verification; j2-order:
j2 >= j1 in TCN), so that the runner's tests can show that `check` and `fuzz` catch it.
"""
import json
import re
import sys
import time

import ed25519
import tcn

NAME = "contact-tracing python example"
VERSION = "0.1.0"
HEX = re.compile(r"^(?:[0-9a-f]{2})*$")


class Malformed(Exception):
    """The inputs are outside the group type's domain (not a protocol verdict)."""


def hex_field(obj, name, length=None):
    value = obj.get(name)
    if not isinstance(value, str) or not HEX.match(value):
        raise Malformed(f"`{name}` is not lowercase hex")
    b = bytes.fromhex(value)
    if length is not None and len(b) != length:
        raise Malformed(f"`{name}` is {len(b)} bytes, not {length}")
    return b


def int_field(obj, name, maximum):
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise Malformed(f"`{name}` is not a number in 0..={maximum}")
    return value


def accept(outputs):
    return {"verdict": "accept", "outputs": outputs}


def reject(code):
    return {"verdict": "reject", "error": code}


# --- group types (spec/tcn.md §9, spec/ed25519.md §6) -------------------------------------------

def tcn_key_schedule(group, test):
    rak = hex_field(test, "rak", 32)
    rvk = ed25519.public_key(rak)
    index, key = 1, tcn.ratchet(rvk, tcn.tck0(rak))
    chain = []
    for entry in test.get("chain") or []:
        want = int_field(entry, "index", 65535)
        if want < index:
            raise Malformed("chain indices must not decrease and start at 1")
        while index < want:
            index, key = index + 1, tcn.ratchet(rvk, key)
        chain.append({"tck": key.hex(), "tcn": tcn.tcn(index, key).hex()})
    return accept({"rvk": rvk.hex(), "chain": chain})


def tcn_ratchet(group, test):
    rvk = hex_field(test, "rvk", 32)
    index = int_field(test, "index", 65535)
    tck = hex_field(test, "tck", 32)
    try:
        nxt, key = tcn.ratchet_key(index, rvk, tck)
    except tcn.TcnError as e:
        return reject(e.code)
    return accept({"nextTck": key.hex(), "nextTcn": tcn.tcn(nxt, key).hex()})


def tcn_report_create(group, test):
    rak = hex_field(test, "rak", 32)
    memo_type = int_field(test, "memoType", 255)
    memo = hex_field(test, "memoData")
    j1 = int_field(test, "j1", 65535)
    j2 = int_field(test, "j2", 65535)
    try:
        report = tcn.create_report(rak, memo_type, memo, j1, j2)
    except tcn.TcnError as e:
        return reject(e.code)
    return accept({"signedReport": report.hex()})


def tcn_report_verify(group, test):
    try:
        r, numbers = tcn.verify_report(hex_field(test, "signedReport"))
    except tcn.TcnError as e:
        return reject(e.code)
    return accept({"rvk": r["rvk"].hex(), "disclosedKey": r["tck"].hex(), "j1": r["j1"],
                   "j2": r["j2"], "memoType": r["memo_type"], "memoData": r["memo"].hex(),
                   "tcns": [n.hex() for n in numbers]})


def decoded_reports(entries):
    """Hex reports that must decode (the group types below promise they do)."""
    try:
        return [bytes.fromhex(e) for e in entries]
    except (TypeError, ValueError):
        raise Malformed("reports must be hex strings")


def tcn_batch_verify(group, test):
    verdicts = []
    for entry in test.get("reports") or []:
        try:
            tcn.verify_report(hex_field(entry, "signedReport"))
            verdicts.append({"verdict": "valid"})
        except tcn.TcnError as e:
            verdicts.append({"verdict": e.code})
    return accept({"reports": verdicts})


def tcn_match(group, test):
    observed = decoded_reports(test.get("observed") or [])
    try:
        matches, rejected = tcn.match_reports(observed, decoded_reports(test.get("reports") or []))
    except tcn.TcnError as e:
        raise Malformed(f"a report does not decode: {e.code}")
    return accept({"matches": [{"report": p, "index": j} for p, j in matches],
                   "rejected": [{"report": p, "code": c} for p, c in rejected]})


def ed25519_verify(group, test):
    err = ed25519.verify(hex_field(test, "publicKey", 32), hex_field(test, "message"),
                         hex_field(test, "signature", 64))
    return reject(err) if err else accept({})


HANDLERS = {
    "tcn-key-schedule": tcn_key_schedule,
    "tcn-ratchet": tcn_ratchet,
    "tcn-report-create": tcn_report_create,
    "tcn-report-verify": tcn_report_verify,
    "tcn-batch-verify": tcn_batch_verify,
    "tcn-match": tcn_match,
    "ed25519-verify": ed25519_verify,
}


# --- timing operations (spec/conformance.md §10) ------------------------------------------------

def ct_sign_report(i):
    rak, memo = hex_field(i, "rak", 32), hex_field(i, "memoData")
    mt, j1, j2 = int_field(i, "memoType", 255), int_field(i, "j1", 65535), int_field(i, "j2", 65535)
    start = time.perf_counter_ns()
    tcn.create_report(rak, mt, memo, j1, j2)
    return time.perf_counter_ns() - start


def ct_ratchet(i):
    rvk, tck, index = hex_field(i, "rvk", 32), hex_field(i, "tck", 32), int_field(i, "index", 65535)
    start = time.perf_counter_ns()
    nxt, key = tcn.ratchet_key(index, rvk, tck)
    tcn.tcn(nxt, key)
    return time.perf_counter_ns() - start


CT = {"tcn-sign-report": ct_sign_report, "tcn-ratchet": ct_ratchet}


# --- the protocol loop (spec/conformance.md §3) -------------------------------------------------

def answer(request):
    op = request.get("op")
    if op == "hello":
        return {"op": "hello", "protocol": 1, "name": NAME, "version": VERSION,
                "types": sorted(HANDLERS), "ct": sorted(CT)}
    rid = request.get("id")
    try:
        if op == "test":
            handler = HANDLERS.get(request.get("type"))
            if handler is None:
                result = {"verdict": "unsupported", "reason": "group type not implemented"}
            else:
                result = handler(request.get("group") or {}, request.get("test") or {})
        elif op == "ct":
            operation = CT.get(request.get("operation"))
            if operation is None:
                result = {"verdict": "unsupported", "reason": "operation not implemented"}
            else:
                result = {"times": [operation(i) for i in request.get("inputs", [])]}
        else:
            result = {"verdict": "malformed", "reason": f"unknown op {op!r}"}
    except Malformed as e:
        result = {"verdict": "malformed", "reason": str(e)}
    result["id"] = rid
    return result


def main():
    args = sys.argv[1:]
    while args:
        if args[0] == "--break" and len(args) > 1:
            ed25519.BROKEN.add(args[1])
            args = args[2:]
        else:
            sys.exit(f"usage: testee.py [--break s-range|j2-order]")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError:
            request = {"op": None}
        sys.stdout.write(json.dumps(answer(request)) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
