//! `nym-token`: issuing and redeeming HA tokens, the spent set's bound, and verifying batch
//! approvals, with every Ed25519 edge in both formats (`spec/nym.md §6.3`).

use std::collections::BTreeMap;

use contact_tracing::error::ErrorCode;
use contact_tracing::labels::nym as labels;
use contact_tracing::nym::authority::{
    Approval, ApprovalMode, Authority, SpentSet, Token, VerifyingKey,
};
use rand_core::RngCore;
use serde_json::{json, Map, Value};

use super::{bytes32, ed, HEADER, NOW};
use crate::vector::{
    expect_outputs, field, hex, hex_array, hex_field, rng, u32_field, u64_str_field, FileBuilder,
    Group, Test, Verdict,
};
use contact_tracing::nym::DAY;

fn redeem(tok: &[u8], now: u64) -> Value {
    json!({"op": "redeem", "now": now.to_string(), "token": hex(tok)})
}

fn approval_step(a: &[u8]) -> Value {
    json!({"op": "approval", "approval": hex(a)})
}

fn purge(now: u64) -> Value {
    json!({"op": "purge", "now": now.to_string()})
}

/// Runs the steps against a spent set; `sink(i, outputs)` compares or records step i's outputs.
fn run(
    g: &Map<String, Value>,
    steps: &[Value],
    mut sink: impl FnMut(usize, Map<String, Value>) -> Result<(), String>,
) -> Result<Option<&'static str>, String> {
    let pk = VerifyingKey::from_bytes(&hex_array(g, "authorityPublic")?)
        .map_err(|_| "authorityPublic is not a point")?;
    let ha = match g.get("authoritySeed") {
        Some(_) => Some(Authority::from_seed(&hex_array(g, "authoritySeed")?)),
        None => None,
    };
    let mut spent = SpentSet::with_limit(u32_field(g, "maxSpent")? as usize);
    let mut last = None;
    for (i, s) in steps.iter().enumerate() {
        let s = s.as_object().ok_or("step")?;
        let mut got = Map::new();
        let result: Result<&str, &'static str> = match field(s, "op")?.as_str() {
            Some("issue") => {
                let ha = ha.as_ref().ok_or("issue without authoritySeed")?;
                let approval = match u32_field(s, "approvalMode")? {
                    0 => ApprovalMode::Automatic,
                    1 => ApprovalMode::Authority,
                    _ => return Err("approval must be 0 or 1".into()),
                };
                let tok = ha.issue(
                    hex_array(s, "serial")?,
                    u16::try_from(u32_field(s, "disease")?).map_err(|_| "disease")?,
                    u8::try_from(u32_field(s, "maxGeneration")?).map_err(|_| "maxGeneration")?,
                    approval,
                    u64_str_field(s, "expires")?,
                );
                got.insert("issued".into(), json!(hex(tok.encode())));
                Ok("issued")
            }
            Some("redeem") => {
                let now = u64_str_field(s, "now")?;
                Token::decode(&hex_field(s, "token")?)
                    .and_then(|t| spent.redeem(&t, &pk, now))
                    .map(|()| "redeemed")
                    .map_err(|e| e.code())
            }
            Some("approval") => Approval::decode(&hex_field(s, "approval")?)
                .and_then(|a| a.verify(&pk))
                .map(|()| "verified")
                .map_err(|e| e.code()),
            Some("purge") => {
                spent.purge(u64_str_field(s, "now")?);
                got.insert("spent".into(), json!(spent.len()));
                Ok("purged")
            }
            other => return Err(format!("unknown op {other:?}")),
        };
        got.insert("expect".into(), json!(result.unwrap_or_else(|e| e)));
        last = result.err();
        sink(i, got)?;
    }
    Ok(last)
}

fn sm(
    f: &mut FileBuilder,
    g: &Map<String, Value>,
    comment: &str,
    flags: &[&str],
    error: Option<&str>,
    mut steps: Vec<Value>,
) {
    let mut outs = Vec::new();
    let got = run(g, &steps, |_, m| {
        outs.push(m);
        Ok(())
    })
    .expect("generator run");
    for (s, m) in steps.iter_mut().zip(outs) {
        s.as_object_mut().expect("step").extend(m);
    }
    assert_eq!(got, error, "{comment}");
    match error {
        None => f.valid(comment, flags, json!({"steps": steps})),
        Some(e) => f.invalid(comment, flags, e, json!({"steps": steps})),
    };
}

pub(crate) fn token_file() -> Value {
    let mut f = FileBuilder::new("nym", "nym-token", "spec/nym.md#token", HEADER);
    f.note(
        "Valid",
        "BASIC",
        "Issue and redeem a token, or verify an approval.",
    );
    f.note("Reuse", "AUTH_BYPASS", "The same token redeemed twice.");
    f.note(
        "Expired",
        "FUNCTIONALITY",
        "now >= expires (and the last second before it).",
    );
    f.note(
        "ModifiedToken",
        "AUTH_BYPASS",
        "A token field or signature altered after signing.",
    );
    f.note(
        "BadPolicyByte",
        "MODIFIED_PARAMETER",
        "An approval byte other than 0 or 1, checked as it is read.",
    );
    f.note(
        "WrongLength",
        "BASIC",
        "A token or approval that is not exactly its length.",
    );
    f.note(
        "ForgedApproval",
        "AUTH_BYPASS",
        "A batch approval not signed by the authority.",
    );
    f.note(
        "Capacity",
        "EDGE_CASE",
        "The spent set at its bound (spec/nym.md §9.1).",
    );
    f.note(
        "Order",
        "FUNCTIONALITY",
        "Two checks fail at once: the earlier in spec/nym.md §6.3's order decides.",
    );
    ed::notes(&mut f);
    let mut r = rng("nym token");
    let seed = bytes32(&mut r);
    let ha = Authority::from_seed(&seed);
    let params = |max: u32| json!({"authoritySeed": hex(seed), "authorityPublic": hex(ha.public().to_bytes()), "maxSpent": max});
    let g = params(1 << 20);
    let gm = g.as_object().expect("object").clone();
    f.group("nym-token", g);
    let mut serial = [0u8; 16];
    r.fill_bytes(&mut serial);
    let exp = NOW + DAY;
    let t = ha.issue(serial, 840, 2, ApprovalMode::Authority, exp);
    let tb = t.encode();
    let issue = json!({"op": "issue", "serial": hex(serial), "disease": 840, "maxGeneration": 2,
        "approvalMode": 1, "expires": exp.to_string()});
    sm(
        &mut f,
        &gm,
        "issue and redeem once",
        &["Valid"],
        None,
        vec![issue, redeem(&tb, NOW)],
    );
    sm(
        &mut f,
        &gm,
        "redeem, then redeem the same token again",
        &["Reuse"],
        Some("NYM_TOKEN_SPENT"),
        vec![redeem(&tb, NOW), redeem(&tb, NOW + 10)],
    );
    sm(
        &mut f,
        &gm,
        "redeem in the last second before expiry",
        &["Expired"],
        None,
        vec![redeem(&tb, exp - 1)],
    );
    sm(
        &mut f,
        &gm,
        "redeem at the expiry second",
        &["Expired"],
        Some("NYM_TOKEN_EXPIRED"),
        vec![redeem(&tb, exp)],
    );
    for (what, off) in [
        ("serial", 0usize),
        ("disease", 17),
        ("maxGeneration", 18),
        ("expires", 27),
        ("signature R", 30),
        ("signature S", 60),
    ] {
        let mut b = tb;
        b[off] ^= 1;
        sm(
            &mut f,
            &gm,
            &format!("{what} modified"),
            &["ModifiedToken"],
            Some("NYM_TOKEN_BAD_SIGNATURE"),
            vec![redeem(&b, NOW)],
        );
    }
    let mut b = tb;
    b[19] = 2;
    sm(
        &mut f,
        &gm,
        "approval byte 2",
        &["BadPolicyByte"],
        Some("NYM_TOKEN_MALFORMED"),
        vec![redeem(&b, NOW)],
    );
    sm(
        &mut f,
        &gm,
        "approval byte 2 and only 50 bytes: the byte is checked as it is read",
        &["BadPolicyByte", "WrongLength", "Order"],
        Some("NYM_TOKEN_MALFORMED"),
        vec![redeem(&b[..50], NOW)],
    );
    sm(
        &mut f,
        &gm,
        "91 bytes",
        &["WrongLength"],
        Some("NYM_TRUNCATED"),
        vec![redeem(&tb[..91], NOW)],
    );
    let mut long = tb.to_vec();
    long.push(0);
    sm(
        &mut f,
        &gm,
        "93 bytes",
        &["WrongLength"],
        Some("NYM_TRAILING_BYTES"),
        vec![redeem(&long, NOW)],
    );
    let other = Authority::from_seed(&bytes32(&mut r));
    let forged = other.issue(serial, 840, 2, ApprovalMode::Automatic, exp);
    sm(
        &mut f,
        &gm,
        "token signed by another key",
        &["ModifiedToken"],
        Some("NYM_TOKEN_BAD_SIGNATURE"),
        vec![redeem(&forged.encode(), NOW)],
    );
    // Order of the redemption checks.
    let mut bad = tb;
    bad[1] ^= 1;
    sm(
        &mut f,
        &gm,
        "modified and expired: the signature is checked first",
        &["ModifiedToken", "Expired", "Order"],
        Some("NYM_TOKEN_BAD_SIGNATURE"),
        vec![redeem(&bad, exp)],
    );
    sm(
        &mut f,
        &gm,
        "spent and expired: expiry is checked before the spent set",
        &["Reuse", "Expired", "Order"],
        Some("NYM_TOKEN_EXPIRED"),
        vec![redeem(&tb, NOW), redeem(&tb, exp)],
    );
    let t2 = ha.issue([0x22; 16], 840, 0, ApprovalMode::Automatic, exp + DAY);
    // Approvals.
    let mut case_id = [0u8; 16];
    r.fill_bytes(&mut case_id);
    let ap = ha.approve(case_id, 3, true).encode();
    sm(
        &mut f,
        &gm,
        "approval of batch 3",
        &["Valid"],
        None,
        vec![approval_step(&ap)],
    );
    sm(
        &mut f,
        &gm,
        "denial of batch 3",
        &["Valid"],
        None,
        vec![approval_step(&ha.approve(case_id, 3, false).encode())],
    );
    sm(
        &mut f,
        &gm,
        "approval signed by another key",
        &["ForgedApproval"],
        Some("NYM_BAD_APPROVAL"),
        vec![approval_step(&other.approve(case_id, 3, true).encode())],
    );
    let mut b = ap;
    b[20] = 0;
    sm(
        &mut f,
        &gm,
        "approval decision flipped to deny",
        &["ForgedApproval"],
        Some("NYM_BAD_APPROVAL"),
        vec![approval_step(&b)],
    );
    let mut b = ap;
    b[19] ^= 1;
    sm(
        &mut f,
        &gm,
        "approval for another batch",
        &["ForgedApproval"],
        Some("NYM_BAD_APPROVAL"),
        vec![approval_step(&b)],
    );
    let mut b = ap;
    b[20] = 2;
    sm(
        &mut f,
        &gm,
        "decision byte 2",
        &["BadPolicyByte"],
        Some("NYM_MALFORMED"),
        vec![approval_step(&b)],
    );
    sm(
        &mut f,
        &gm,
        "decision byte 2 and only 40 bytes",
        &["BadPolicyByte", "WrongLength", "Order"],
        Some("NYM_MALFORMED"),
        vec![approval_step(&b[..40])],
    );
    sm(
        &mut f,
        &gm,
        "84 bytes",
        &["WrongLength"],
        Some("NYM_TRUNCATED"),
        vec![approval_step(&ap[..84])],
    );

    // The spent set's bound.
    let g1 = params(1);
    let g1m = g1.as_object().expect("object").clone();
    f.group("nym-token", g1);
    sm(
        &mut f,
        &g1m,
        "a second token with the spent set full",
        &["Capacity"],
        Some("NYM_CAPACITY"),
        vec![redeem(&tb, NOW), redeem(&t2.encode(), NOW)],
    );
    sm(
        &mut f,
        &g1m,
        "spent and full: the spent set is checked before its bound",
        &["Reuse", "Capacity", "Order"],
        Some("NYM_TOKEN_SPENT"),
        vec![redeem(&tb, NOW), redeem(&tb, NOW + 1)],
    );
    sm(
        &mut f,
        &g1m,
        "purging an expired serial makes room",
        &["Capacity"],
        None,
        vec![
            redeem(&tb, NOW),
            purge(exp - 1),
            purge(exp),
            redeem(&t2.encode(), exp),
        ],
    );
    sm(
        &mut f,
        &g1m,
        "a refused redemption records nothing",
        &["Capacity", "ModifiedToken"],
        None,
        vec![redeem(&forged.encode(), NOW), redeem(&tb, NOW)],
    );

    // Every Ed25519 edge, in the token's and the approval's formats; one group per key.
    let tok_msg = |t: &Token| {
        let mut m = labels::HA_TOKEN.bytes.to_vec();
        m.extend_from_slice(&t.encode()[..28]);
        m
    };
    let base = ha.issue([0x33; 16], 840, 1, ApprovalMode::Automatic, exp);
    let ap_base = ha.approve(case_id, 7, true);
    let mut ap_msg = labels::HA_APPROVAL.bytes.to_vec();
    ap_msg.extend_from_slice(&case_id);
    ap_msg.extend_from_slice(&7u32.to_be_bytes());
    ap_msg.push(1);
    let mut by_key: BTreeMap<
        [u8; 32],
        Vec<(String, Vec<&'static str>, Value, Option<&'static str>)>,
    > = BTreeMap::new();
    let edge_seed = bytes32(&mut r);
    for c in ed::edge_cases(&tok_msg(&base), &edge_seed) {
        let mut t = base;
        t.signature = c.signature;
        let err = (!c.valid).then_some("NYM_TOKEN_BAD_SIGNATURE");
        by_key.entry(c.public).or_default().push((
            format!("token: {}", c.comment),
            c.flags,
            redeem(&t.encode(), NOW),
            err,
        ));
    }
    for c in ed::edge_cases(&ap_msg, &edge_seed) {
        let mut a = ap_base;
        a.signature = c.signature;
        let err = (!c.valid).then_some("NYM_BAD_APPROVAL");
        by_key.entry(c.public).or_default().push((
            format!("approval: {}", c.comment),
            c.flags,
            approval_step(&a.encode()),
            err,
        ));
    }
    for (key, cases) in by_key {
        if VerifyingKey::from_bytes(&key).is_err() {
            // A key that is not a point cannot be configured (spec/nym.md D17).
            continue;
        }
        let g = json!({"authorityPublic": hex(key), "maxSpent": 1 << 20});
        let gm = g.as_object().expect("object").clone();
        f.group("nym-token", g);
        for (comment, flags, step, err) in cases {
            sm(&mut f, &gm, &comment, &flags, err, vec![step]);
        }
    }
    f.finish()
}

pub(crate) fn check_token(g: &Group, t: &Test) -> Result<Verdict, String> {
    let steps = field(t, "steps")?.as_array().ok_or("steps")?;
    let last = run(g, steps, |i, got| {
        let step = steps.get(i).and_then(Value::as_object).ok_or("step")?;
        expect_outputs(step, got)
    })?;
    Ok(match last {
        None => Verdict::Valid,
        Some(code) => Verdict::Invalid(code),
    })
}
