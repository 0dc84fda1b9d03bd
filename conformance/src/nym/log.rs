//! `nym-log`: contact-log entry encryption (seal tests) and decryption (open tests)
//! (`spec/nym.md §6.4`).

use contact_tracing::error::ErrorCode;
use contact_tracing::nym::{LogEntry, NymserverSecret};
use serde_json::{json, Value};

use super::{bytes32, HEADER, NOW};
use crate::vector::{
    expect_hex, hex, hex_array, hex_field, rng, u32_field, u64_str_field, FileBuilder, Group, Test,
    Verdict,
};

pub(crate) fn log_file() -> Value {
    let mut f = FileBuilder::new("nym", "nym-log", "spec/nym.md#log", HEADER);
    f.note(
        "Valid",
        "BASIC",
        "Seal a log entry with an explicit ephemeral secret, or open one.",
    );
    f.note(
        "ModifiedTag",
        "AUTH_BYPASS",
        "A modified ciphertext, tag or time annotation.",
    );
    f.note(
        "LowOrderEphemeral",
        "EDGE_CASE",
        "An ephemeral key of small order: the shared secret is all-zero (checked before the tag).",
    );
    f.note(
        "WrongLength",
        "BASIC",
        "An entry that is not exactly 90 bytes.",
    );
    let mut r = rng("nym log");
    let ns_secret = bytes32(&mut r);
    let ns = NymserverSecret::from_bytes(ns_secret);
    f.group(
        "nym-log",
        json!({"nymserverSecret": hex(ns_secret), "nymserverPublic": hex(ns.public())}),
    );
    let mut sample = None;
    for (i, (time, duration)) in [(NOW, 1u16), (NOW + 300, 12), (0, 0), (u64::MAX, u16::MAX)]
        .into_iter()
        .enumerate()
    {
        let k = bytes32(&mut r);
        let e = bytes32(&mut r);
        let entry = LogEntry::seal(&ns.public(), &k, time, duration, &e).expect("seal");
        sample.get_or_insert((entry, k));
        f.valid(
            &format!("seal entry {i}"),
            &["Valid"],
            json!({"address": hex(k), "time": time.to_string(), "duration": duration,
                   "ephemeralSecret": hex(e), "entry": hex(entry.encode())}),
        );
    }
    let (entry, k) = sample.expect("one entry");
    f.valid(
        "open entry 0",
        &["Valid"],
        json!({"received": hex(entry.encode()), "opened": hex(k)}),
    );
    for (what, off) in [
        ("ephemeral", 5usize),
        ("ciphertext", 40),
        ("tag", 70),
        ("time", 85),
        ("duration", 89),
    ] {
        let mut b = entry.encode();
        b[off] ^= 1;
        f.invalid(
            &format!("{what} modified"),
            &["ModifiedTag"],
            "NYM_LOG_DECRYPT",
            json!({"received": hex(b)}),
        );
    }
    let mut b = entry.encode();
    b[..32].copy_from_slice(&[0u8; 32]);
    f.invalid(
        "ephemeral u = 0 (the tag fails too: the weak key is found first)",
        &["LowOrderEphemeral", "ModifiedTag"],
        "NYM_WEAK_KEY",
        json!({"received": hex(b)}),
    );
    b[0] = 1;
    f.invalid(
        "ephemeral u = 1",
        &["LowOrderEphemeral"],
        "NYM_WEAK_KEY",
        json!({"received": hex(b)}),
    );
    let full = entry.encode();
    f.invalid(
        "89 bytes",
        &["WrongLength"],
        "NYM_TRUNCATED",
        json!({"received": hex(&full[..89])}),
    );
    let mut long = full.to_vec();
    long.push(0);
    f.invalid(
        "91 bytes",
        &["WrongLength"],
        "NYM_TRAILING_BYTES",
        json!({"received": hex(long)}),
    );
    let mut short_weak = [0u8; 89];
    short_weak[..32].copy_from_slice(&[0u8; 32]);
    f.invalid(
        "89 bytes with a weak ephemeral: decoding comes first",
        &["WrongLength", "LowOrderEphemeral"],
        "NYM_TRUNCATED",
        json!({"received": hex(short_weak)}),
    );
    f.finish()
}

pub(crate) fn check_log(g: &Group, t: &Test) -> Result<Verdict, String> {
    let ns = NymserverSecret::from_bytes(hex_array(g, "nymserverSecret")?);
    expect_hex(g, "nymserverPublic", ns.public())?;
    if t.contains_key("ephemeralSecret") {
        let k: [u8; 32] = hex_array(t, "address")?;
        let sealed = LogEntry::seal(
            &ns.public(),
            &k,
            u64_str_field(t, "time")?,
            u16::try_from(u32_field(t, "duration")?).map_err(|_| "duration > u16")?,
            &hex_array(t, "ephemeralSecret")?,
        );
        let sealed = match sealed {
            Ok(s) => s,
            Err(e) => return Ok(Verdict::Invalid(e.code())),
        };
        expect_hex(t, "entry", sealed.encode())?;
        // What was sealed opens to the address again (a round trip, not an output).
        let back = sealed.open(&ns).map_err(|e| format!("open: {e:?}"))?;
        if *back != k {
            return Err("the sealed entry does not open to its address".into());
        }
        return Ok(Verdict::Valid);
    }
    let entry = match LogEntry::decode(&hex_field(t, "received")?) {
        Ok(e) => e,
        Err(e) => return Ok(Verdict::Invalid(e.code())),
    };
    match entry.open(&ns) {
        Ok(k) => {
            expect_hex(t, "opened", *k)?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}
