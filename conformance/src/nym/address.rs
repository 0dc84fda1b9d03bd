//! `nym-address` (derivations from a contact address's secret), `nym-blob` (opening a blob) and
//! `nym-broadcast` (verifying a broadcast response).

use contact_tracing::error::ErrorCode;
use contact_tracing::labels::nym as labels;
use contact_tracing::mix::Surb;
use contact_tracing::nym::{
    ack_message_key, chain_element, chain_seed, nym_key, open_blob, resend_key, seal_blob,
    verify_response, ContactAddress, Response, SwapRequest, CHAIN_LEN,
};
use rand_core::RngCore;
use serde_json::{json, Value};

use super::ed;
use super::{bytes32, surb_for, G, HEADER};
use crate::vector::{
    expect_hex, expect_value, hex, hex_array, hex_field, rng, FileBuilder, Group, Test, Verdict,
};

pub(crate) fn address_file() -> Value {
    let mut f = FileBuilder::new("nym", "nym-address", "spec/nym.md#address", HEADER);
    f.note(
        "Valid",
        "BASIC",
        "Every value derived from a contact address's secret seed, and its create and first replace Swaps.",
    );
    f.group("nym-address", json!({"hops": 4}));
    let mut r = rng("nym address");
    for i in 0..4 {
        let seed = bytes32(&mut r);
        let a = ContactAddress::from_seed(&seed);
        let k = a.address();
        let surb = surb_for(&mut r);
        let blob = seal_blob(&k, &surb).expect("blob");
        let chain: Vec<String> = (0..4)
            .map(|j| hex(*chain_element(&seed, j).expect("in chain")))
            .collect();
        let e0 = chain_element(&seed, 0).expect("e0");
        let swap = |j: usize| {
            hex(SwapRequest {
                key: nym_key(&k),
                authentication: *chain_element(&seed, j).expect("in chain"),
                blob: blob.clone(),
            }
            .encode())
        };
        f.valid(
            &format!("contact address {i}"),
            &["Valid"],
            json!({
                "seed": hex(seed), "surb": hex(surb.encode()),
                "address": hex(k), "nymKey": hex(nym_key(&k)), "blob": hex(&blob),
                "chainSeed": hex(*chain_seed(&seed)), "chain": chain,
                "ackKey": hex(*ack_message_key(&e0)), "resendKey": hex(*resend_key(&k)),
                "createSwap": swap(0), "replaceSwap": swap(1),
            }),
        );
    }
    f.finish()
}

pub(crate) fn check_address(_: &Group, t: &Test) -> Result<Verdict, String> {
    let seed: [u8; 32] = hex_array(t, "seed")?;
    let k = ContactAddress::from_seed(&seed).address();
    let surb = Surb::decode(G, &hex_field(t, "surb")?).map_err(|e| format!("surb: {e:?}"))?;
    let blob = seal_blob(&k, &surb).map_err(|e| format!("{e:?}"))?;
    expect_hex(t, "address", k)?;
    expect_hex(t, "nymKey", nym_key(&k))?;
    expect_hex(t, "blob", &blob)?;
    expect_hex(t, "chainSeed", *chain_seed(&seed))?;
    let chain: Vec<Value> = (0..4)
        .map(|j| json!(hex(*chain_element(&seed, j).expect("in chain"))))
        .collect();
    expect_value(t, "chain", Value::Array(chain))?;
    let e0 = chain_element(&seed, 0).ok_or("chain")?;
    expect_hex(t, "ackKey", *ack_message_key(&e0))?;
    expect_hex(t, "resendKey", *resend_key(&k))?;
    for (name, j) in [("createSwap", 0usize), ("replaceSwap", 1)] {
        let req = SwapRequest {
            key: nym_key(&k),
            authentication: *chain_element(&seed, j).ok_or("chain")?,
            blob: blob.clone(),
        };
        expect_hex(t, name, req.encode())?;
    }
    // The chain's last index is CHAIN_LEN: its element is the seed itself.
    if *chain_element(&seed, CHAIN_LEN).ok_or("chain")? != *chain_seed(&seed) {
        return Err("e_N is not the chain seed".into());
    }
    Ok(Verdict::Valid)
}

pub(crate) fn blob_file() -> Value {
    let mut f = FileBuilder::new("nym", "nym-blob", "spec/nym.md#blob", HEADER);
    f.note("Valid", "BASIC", "A blob opens to its SURB.");
    f.note(
        "WrongAddress",
        "CONFIDENTIALITY",
        "Opened with another address: the header and first hop are in clear, the MessageKey comes out wrong.",
    );
    f.note(
        "NotASurb",
        "MODIFIED_PARAMETER",
        "A blob that breaks the SURB rules of spec/mix.md §6.1: refused without K (NYM-BLOB-2).",
    );
    f.note(
        "EdgeCase",
        "EDGE_CASE",
        "The largest first hop and key select that are allowed.",
    );
    f.group("nym-blob", json!({"hops": 4}));
    let mut r = rng("nym blob");
    let k = ContactAddress::from_seed(&bytes32(&mut r)).address();
    let other = ContactAddress::from_seed(&bytes32(&mut r)).address();
    let surb = surb_for(&mut r);
    let blob = seal_blob(&k, &surb).expect("blob");
    let open = |f: &mut FileBuilder, comment: &str, flag: &str, addr: &[u8; 32], b: &[u8]| {
        match open_blob(G, addr, b) {
            Ok(s) => f.valid(
                comment,
                &[flag],
                json!({"address": hex(addr), "blob": hex(b), "surb": hex(s.encode())}),
            ),
            Err(e) => f.invalid(
                comment,
                &[flag],
                e.code(),
                json!({"address": hex(addr), "blob": hex(b)}),
            ),
        };
    };
    open(&mut f, "blob opened with its address", "Valid", &k, &blob);
    open(
        &mut f,
        "blob opened with another address",
        "WrongAddress",
        &other,
        &blob,
    );
    let with = |off: usize, v: u8| {
        let mut b = blob.clone();
        b[off] = v;
        b
    };
    open(&mut f, "first hop 254", "EdgeCase", &k, &with(141, 254));
    open(&mut f, "first hop 0xFF", "NotASurb", &k, &with(141, 0xff));
    open(&mut f, "key select 59", "EdgeCase", &k, &with(0, 59));
    open(
        &mut f,
        "key select 60 (reserved)",
        "NotASurb",
        &k,
        &with(0, 60),
    );
    open(&mut f, "key select 255", "NotASurb", &k, &with(0, 255));
    let mut both = with(141, 0xff);
    both[0] = 60;
    open(
        &mut f,
        "first hop 0xFF and key select 60",
        "NotASurb",
        &k,
        &both,
    );
    open(&mut f, "173 bytes", "NotASurb", &k, &blob[..173]);
    let mut long = blob.clone();
    long.push(0);
    open(&mut f, "175 bytes", "NotASurb", &k, &long);
    f.finish()
}

pub(crate) fn check_blob(_: &Group, t: &Test) -> Result<Verdict, String> {
    let k: [u8; 32] = hex_array(t, "address")?;
    match open_blob(G, &k, &hex_field(t, "blob")?) {
        Ok(s) => {
            expect_hex(t, "surb", s.encode())?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

pub(crate) fn broadcast_file() -> Value {
    let mut f = FileBuilder::new("nym", "nym-broadcast", "spec/nym.md#broadcast", HEADER);
    f.note(
        "Valid",
        "BASIC",
        "An honest answer K || S_K(N) to a challenge N.",
    );
    f.note(
        "ModifiedSignature",
        "AUTH_BYPASS",
        "An answer to another challenge, or with a bit of K flipped: the receiver must not log K.",
    );
    f.note("Truncated", "BASIC", "A response that is not 96 bytes.");
    ed::notes(&mut f);
    f.group("nym-broadcast", json!({}));
    let mut r = rng("nym broadcast");
    for i in 0..3 {
        let a = ContactAddress::from_seed(&bytes32(&mut r));
        let mut n = [0u8; 16];
        r.fill_bytes(&mut n);
        f.valid(
            &format!("honest response {i}"),
            &["Valid"],
            json!({"challenge": hex(n), "response": hex(a.respond(&n).encode()), "address": hex(a.address())}),
        );
    }
    let a = ContactAddress::from_seed(&bytes32(&mut r));
    let mut n = [0u8; 16];
    r.fill_bytes(&mut n);
    let resp = a.respond(&n);
    let mut other = n;
    other[15] ^= 1;
    f.invalid(
        "a valid answer to another challenge (replayed response)",
        &["ModifiedSignature"],
        "NYM_BAD_BROADCAST_SIGNATURE",
        json!({"challenge": hex(other), "response": hex(resp.encode())}),
    );
    let mut b = resp.encode();
    b[3] ^= 1;
    f.invalid(
        "K with one bit flipped",
        &["ModifiedSignature"],
        "NYM_BAD_BROADCAST_SIGNATURE",
        json!({"challenge": hex(n), "response": hex(b)}),
    );
    f.invalid(
        "95 bytes",
        &["Truncated"],
        "NYM_TRUNCATED",
        json!({"challenge": hex(n), "response": hex(&resp.encode()[..95])}),
    );
    let mut msg = labels::BROADCAST.bytes.to_vec();
    msg.extend_from_slice(&n);
    for c in ed::edge_cases(&msg, &bytes32(&mut r)) {
        let mut wire = c.public.to_vec();
        wire.extend_from_slice(&c.signature);
        let fields = json!({"challenge": hex(n), "response": hex(&wire)});
        if c.valid {
            let mut fields = fields;
            fields["address"] = json!(hex(c.public));
            f.valid(&c.comment, &c.flags, fields);
        } else {
            f.invalid(&c.comment, &c.flags, "NYM_BAD_BROADCAST_SIGNATURE", fields);
        }
    }
    f.finish()
}

pub(crate) fn check_broadcast(_: &Group, t: &Test) -> Result<Verdict, String> {
    let n: [u8; 16] = hex_array(t, "challenge")?;
    let resp = match Response::decode(&hex_field(t, "response")?) {
        Ok(r) => r,
        Err(e) => return Ok(Verdict::Invalid(e.code())),
    };
    match verify_response(&n, &resp) {
        Ok(k) => {
            expect_hex(t, "address", k)?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}
