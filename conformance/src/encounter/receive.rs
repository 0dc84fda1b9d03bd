//! Vectors of `spec/encounter.md §8–§9`: report creation, and the receiver's ordered checks and
//! replay cache over several steps.

use contact_tracing::encounter::{
    Attestation, AttestationFields, AuthorityKey, ContactRecord, ContactStore, EncounterError,
    IdentityKey, InfectionReport, Notification, PairSecret, Policy, Receiver, ReportType,
};
use contact_tracing::error::ErrorCode;
use contact_tracing::labels::encounter::REPORT_MAC;
use curve25519_dalek::scalar::Scalar;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::authority::{base_fields, ed25519_edges, edge_notes, ha_public, sign_raw};
use super::{code, enc_err, leak, random32, unhex, HEADER, T1_SEED, T2_SEED, T3_SEED};
use crate::vector::{
    expect_hex, expect_outputs, field, hex, hex_array, hex_field, u32_field, u64_str_field,
    FileBuilder, Group, Test, Verdict,
};

/// HMAC-SHA256 (RFC 2104), written out here so the report MAC of the vectors does not come from
/// the library.
fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let mut inner = Sha256::new().chain_update(&ipad);
    for p in parts {
        inner.update(p);
    }
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner.finalize())
        .finalize()
        .into()
}

/// The report of §8.1 from `rec`'s side, for any attestation and bind key (also ones the
/// library's `create` refuses): `mac = HMAC(report_key(own → peer), REPORT_MAC || bytes[0..195])`.
fn raw_report(rec: &ContactRecord, att: &Attestation, bind: &[u8; 32]) -> Vec<u8> {
    let unsigned = InfectionReport::from_parts(rec.pair_id(), *att, *bind, [0u8; 32]).encode();
    let mac = hmac_sha256(
        &rec.secret().report_key_to_peer(),
        &[REPORT_MAC.bytes, &unsigned[..195]],
    );
    InfectionReport::from_parts(rec.pair_id(), *att, *bind, mac)
        .encode()
        .to_vec()
}

// ---------------------------------------------------------------------------------------------
// encounter-report-create

fn record_json(rec: &ContactRecord) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ownPublic".into(), json!(hex(rec.secret().own_key())));
    m.insert("peerPublic".into(), json!(hex(rec.secret().peer_key())));
    m.insert("pairSecret".into(), json!(hex(*rec.secret().to_bytes())));
    m
}

fn create_outcome(
    rec: &ContactRecord,
    att: &[u8],
    bind: &[u8; 32],
) -> Result<InfectionReport, EncounterError> {
    InfectionReport::create(rec, &Attestation::decode(att)?, bind)
}

pub(super) fn create_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-report-create",
        "spec/encounter.md#82-sending",
        HEADER,
    );
    f.note("Brief", "BASIC", "The brief's example: reporter A = RFC 8032 TEST 1, contact B = TEST 2, HA = TEST 3, bind_key 0x11 × 32.");
    f.note(
        "Random",
        "BASIC",
        "Identities and bind key from a fixed-seed ChaCha20 stream.",
    );
    f.note("WrongAttestation", "FUNCTIONALITY", "The attestation's subject commitment does not open to the record's own key under bind_key (another identity's attestation, or the wrong bind_key): refused, since the receiver would drop the report silently.");
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "The attestation does not decode (spec §7.2).",
    );
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "The attestation does not decode and would not open either: decoding comes first.",
    );
    f.group("encounter-report-create", json!({}));
    let push = |f: &mut FileBuilder,
                rec: &ContactRecord,
                att: Vec<u8>,
                bind: [u8; 32],
                comment: &str,
                flags: &[&str],
                want: Option<&str>| {
        let mut t = record_json(rec);
        t.insert("attestation".into(), json!(hex(&att)));
        t.insert("bindKey".into(), json!(hex(bind)));
        let outcome = create_outcome(rec, &att, &bind);
        assert_eq!(code(&outcome), want, "{comment}");
        match outcome {
            Ok(r) => {
                let bytes = r.encode().to_vec();
                assert_eq!(bytes, raw_report(rec, r.attestation(), &bind), "{comment}");
                t.insert("pairId".into(), json!(hex(rec.pair_id())));
                t.insert("report".into(), json!(hex(bytes)));
                f.valid(comment, flags, Value::Object(t));
            }
            Err(e) => {
                f.invalid(comment, flags, e.code(), Value::Object(t));
            }
        }
    };
    let ha: [u8; 32] = unhex(T3_SEED);
    let a = IdentityKey::from_seed(unhex(T1_SEED)).expect("A");
    let b = IdentityKey::from_seed(unhex(T2_SEED)).expect("B");
    let c = IdentityKey::from_seed([0x0cu8; 32]).expect("C");
    let rec_a = ContactRecord::new(a.encounter(&b.peer_key()).expect("ab"), 19_995);
    let rec_b = ContactRecord::new(b.encounter(&a.peer_key()).expect("ba"), 19_995);
    let rec_c = ContactRecord::new(c.encounter(&b.peer_key()).expect("cb"), 19_995);
    let bind = [0x11u8; 32];
    let att_a = Attestation::issue(
        &ha,
        base_fields(Attestation::commitment_for(&bind, &a.public_key())),
    )
    .expect("att");
    let att_b = Attestation::issue(
        &ha,
        base_fields(Attestation::commitment_for(&bind, &b.public_key())),
    )
    .expect("att");
    let bytes_a = att_a.encode().to_vec();
    push(
        &mut f,
        &rec_a,
        bytes_a.clone(),
        bind,
        "A reports to B",
        &["Brief"],
        None,
    );
    push(
        &mut f,
        &rec_b,
        att_b.encode().to_vec(),
        bind,
        "B reports to A with its own attestation",
        &["Brief"],
        None,
    );
    let mut r = crate::vector::rng("encounter report create");
    for _ in 0..2 {
        let x = IdentityKey::from_seed(random32(&mut r)).expect("x");
        let y = IdentityKey::from_seed(random32(&mut r)).expect("y");
        let bk = random32(&mut r);
        let rec = ContactRecord::new(x.encounter(&y.peer_key()).expect("xy"), 20_000);
        let att = Attestation::issue(
            &ha,
            base_fields(Attestation::commitment_for(&bk, &x.public_key())),
        )
        .expect("att");
        push(
            &mut f,
            &rec,
            att.encode().to_vec(),
            bk,
            "random pair",
            &["Random"],
            None,
        );
    }
    push(
        &mut f,
        &rec_c,
        bytes_a.clone(),
        bind,
        "C's record with A's attestation",
        &["WrongAttestation"],
        Some("ENCOUNTER_BAD_COMMITMENT"),
    );
    push(
        &mut f,
        &rec_b,
        bytes_a.clone(),
        bind,
        "B's record with A's attestation (the receiver's side)",
        &["WrongAttestation"],
        Some("ENCOUNTER_BAD_COMMITMENT"),
    );
    push(
        &mut f,
        &rec_a,
        bytes_a.clone(),
        [0x12; 32],
        "A's attestation with the wrong bind_key",
        &["WrongAttestation"],
        Some("ENCOUNTER_BAD_COMMITMENT"),
    );
    push(
        &mut f,
        &rec_a,
        bytes_a[..144].to_vec(),
        bind,
        "attestation of 144 bytes",
        &["Malformed"],
        Some("ENCOUNTER_ATTESTATION_LENGTH"),
    );
    let mut v = bytes_a.clone();
    v[0] = 2;
    push(
        &mut f,
        &rec_a,
        v.clone(),
        bind,
        "attestation version 2",
        &["Malformed"],
        Some("ENCOUNTER_ATTESTATION_VERSION"),
    );
    push(
        &mut f,
        &rec_c,
        v,
        bind,
        "attestation version 2, and A's attestation on C's record",
        &["Malformed", "CheckOrder"],
        Some("ENCOUNTER_ATTESTATION_VERSION"),
    );
    f.finish()
}

fn record_from(t: &Map<String, Value>, last_day: u32, days: u32) -> Result<ContactRecord, String> {
    let secret = PairSecret::from_parts(
        hex_array(t, "pairSecret")?,
        hex_array(t, "ownPublic")?,
        hex_array(t, "peerPublic")?,
    );
    Ok(ContactRecord::from_parts(secret, last_day, days))
}

pub(super) fn check_create(_: &Group, t: &Test) -> Result<Verdict, String> {
    let rec = record_from(t, 0, 1)?;
    match create_outcome(
        &rec,
        &hex_field(t, "attestation")?,
        &hex_array(t, "bindKey")?,
    ) {
        Ok(r) => {
            expect_hex(t, "pairId", rec.pair_id())?;
            expect_hex(t, "report", r.encode())?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(enc_err(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// encounter-report-receive

struct Scenario {
    authorities: Vec<([u8; 32], u64, u64, bool)>,
    diseases: Vec<u16>,
    types: Vec<ReportType>,
    max_skew: u64,
    max_validity: u64,
    capacity: usize,
    contacts: Vec<ContactRecord>,
    steps: Vec<(u64, Vec<u8>)>,
}

type Outcome = Result<Notification, EncounterError>;

/// A step's outcome and the replay cache's live entries after it (§9.3).
type Step = (Outcome, usize);

/// The key admission error, or every step's outcome.
fn run_scenario(s: &Scenario) -> Result<Vec<Step>, EncounterError> {
    let keys = s
        .authorities
        .iter()
        .map(|(pk, nb, na, rv)| AuthorityKey::new(pk, *nb, *na, *rv))
        .collect::<Result<Vec<_>, _>>()?;
    let policy = Policy {
        max_skew: s.max_skew,
        max_validity: s.max_validity,
        diseases: &s.diseases,
        report_types: &s.types,
    };
    let steps: Vec<(u64, &[u8])> = s.steps.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let mut out = Vec::new();
    run_steps(
        s.capacity,
        &steps,
        &s.contacts,
        &keys,
        &policy,
        |_, r, live| {
            out.push((r, live));
            true
        },
    )
    .expect("supported capacity");
    Ok(out)
}

/// Runs `steps` on a fresh receiver with a cache of `capacity`, handing each outcome to `each`
/// (which returns whether to go on). `None` for a capacity this runner does not build.
fn run_steps<S: ContactStore + ?Sized>(
    capacity: usize,
    steps: &[(u64, &[u8])],
    contacts: &S,
    keys: &[AuthorityKey],
    policy: &Policy<'_>,
    each: impl FnMut(usize, Outcome, usize) -> bool,
) -> Option<()> {
    fn go<const N: usize, S: ContactStore + ?Sized>(
        steps: &[(u64, &[u8])],
        contacts: &S,
        keys: &[AuthorityKey],
        policy: &Policy<'_>,
        mut each: impl FnMut(usize, Outcome, usize) -> bool,
    ) {
        let mut rx = Receiver::<N>::new();
        for (i, (now, bytes)) in steps.iter().enumerate() {
            let r = rx.receive(bytes, contacts, keys, policy, *now);
            if !each(i, r, rx.cache().live(*now)) {
                return;
            }
        }
    }
    match capacity {
        1 => go::<1, S>(steps, contacts, keys, policy, each),
        2 => go::<2, S>(steps, contacts, keys, policy, each),
        4 => go::<4, S>(steps, contacts, keys, policy, each),
        16 => go::<16, S>(steps, contacts, keys, policy, each),
        _ => return None,
    }
    Some(())
}

/// The test's verdict: a refused key, else the last step's refusal, else valid.
fn verdict(r: &Result<Vec<Step>, EncounterError>) -> Option<&'static str> {
    match r {
        Err(e) => Some(e.code()),
        Ok(steps) => steps.last().and_then(|s| code(&s.0)),
    }
}

fn notification_json(n: &Notification) -> Value {
    json!({
        "pairId": hex(n.pair_id),
        "reportType": n.report_type.to_byte(),
        "diseaseCode": n.disease_code,
        "windowStartDay": n.window_start_day,
        "issuedAt": n.issued_at.to_string(),
        "certNonce": hex(n.cert_nonce),
    })
}

/// A step's outputs: `expect` (`notified` or the refusal's code), the notification, and the
/// replay cache's live entries after the step.
fn step_outputs(r: &Outcome, live: usize) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("cacheLive".into(), json!(live));
    match r {
        Ok(n) => {
            m.insert("expect".into(), json!("notified"));
            m.insert("notification".into(), notification_json(n));
        }
        Err(e) => {
            m.insert("expect".into(), json!(e.code()));
        }
    }
    m
}

fn scenario_json(s: &Scenario, results: &Result<Vec<Step>, EncounterError>) -> Value {
    let n = s.steps.len();
    let steps: Vec<Value> = s
        .steps
        .iter()
        .enumerate()
        .map(|(i, (now, bytes))| {
            let mut step = Map::new();
            step.insert("now".into(), json!(now.to_string()));
            step.insert("report".into(), json!(hex(bytes)));
            if let Ok(rs) = results {
                // A refused last step ends the test: its code is the test's error.
                let last_refused = i + 1 == n && rs[i].0.is_err();
                if !last_refused {
                    step.extend(step_outputs(&rs[i].0, rs[i].1));
                }
            }
            Value::Object(step)
        })
        .collect();
    let mut t = json!({
        "authorities": s.authorities.iter().map(|(pk, nb, na, rv)| json!({"publicKey": hex(pk), "notBefore": nb.to_string(), "notAfter": na.to_string(), "revoked": rv})).collect::<Vec<_>>(),
        "policy": {"maxSkew": s.max_skew.to_string(), "maxValidity": s.max_validity.to_string(), "diseases": s.diseases, "reportTypes": s.types.iter().map(|t| t.to_byte()).collect::<Vec<_>>()},
        "cacheCapacity": s.capacity,
        "contacts": s.contacts.iter().map(|c| {
            let mut m = record_json(c);
            if results.is_ok() {
                m.insert("pairId".into(), json!(hex(c.pair_id())));
            }
            m.insert("lastDay".into(), json!(c.last_day()));
            m.insert("days".into(), json!(c.days()));
            Value::Object(m)
        }).collect::<Vec<_>>(),
        "steps": steps,
    });
    let _ = &mut t;
    t
}

/// The receive file and the report bytes of every step (for the fuzz corpus).
pub(super) fn receive_file() -> (Value, Vec<Vec<u8>>) {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-report-receive",
        "spec/encounter.md#92-checks",
        HEADER,
    );
    f.note(
        "Valid",
        "BASIC",
        "An honest report that passes every check.",
    );
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "Report or embedded attestation with wrong length, version, kind or report type.",
    );
    f.note(
        "NotAContact",
        "AUTH_BYPASS",
        "pair_id unknown to the receiver.",
    );
    f.note(
        "BadMac",
        "AUTH_BYPASS",
        "MAC wrong, or a report reflected to its own sender.",
    );
    f.note(
        "AuthorityKey",
        "AUTH_BYPASS",
        "Unknown, revoked or out-of-validity authority key.",
    );
    f.note(
        "BadSignature",
        "SIGNATURE_MALLEABILITY",
        "Signature altered, non-canonical s, or made by another key under a pinned kid.",
    );
    f.note(
        "Time",
        "EDGE_CASE",
        "Issue time, validity or expiry at or just past a limit.",
    );
    f.note(
        "Window",
        "EDGE_CASE",
        "Encounter days against the contagious window.",
    );
    f.note(
        "Policy",
        "FUNCTIONALITY",
        "Disease code or report type not accepted.",
    );
    f.note(
        "Transfer",
        "AUTH_BYPASS",
        "An attestation committed to another identity, or the wrong bind_key.",
    );
    f.note(
        "Replay",
        "FUNCTIONALITY",
        "Replay cache behaviour over several steps.",
    );
    f.group("encounter-report-receive", json!({}));

    let ha: [u8; 32] = unhex(T3_SEED);
    let other_ha = [0x77u8; 32];
    let a = IdentityKey::from_seed(unhex(T1_SEED)).expect("A");
    let b = IdentityKey::from_seed(unhex(T2_SEED)).expect("B");
    let c = IdentityKey::from_seed([0x0cu8; 32]).expect("C");
    let day = 19_995u32;
    let rec_a = ContactRecord::new(a.encounter(&b.peer_key()).expect("ab"), day); // reporter's record
    let rec_b = ContactRecord::new(b.encounter(&a.peer_key()).expect("ba"), day); // receiver's record
    let rec_bc = ContactRecord::new(b.encounter(&c.peer_key()).expect("bc"), day);
    let rec_cb = ContactRecord::new(c.encounter(&b.peer_key()).expect("cb"), day);
    let bind = [0x11u8; 32];
    let commit_a = Attestation::commitment_for(&bind, &a.public_key());
    let fields = base_fields(commit_a);
    let att = Attestation::issue(&ha, fields).expect("att");
    let hpk = ha_public(&ha);
    let other_pk = ha_public(&other_ha);
    let report = |att: &Attestation, bind: &[u8; 32]| raw_report(&rec_a, att, bind);
    // The honest path agrees with the library's report creation.
    assert_eq!(
        InfectionReport::create(&rec_a, &att, &bind)
            .expect("create")
            .encode()
            .to_vec(),
        report(&att, &bind)
    );
    let good = report(&att, &bind);
    let now = 1_728_000_100u64;
    let base = Scenario {
        authorities: vec![(hpk, 1_700_000_000, 1_800_000_000, false)],
        diseases: vec![1],
        types: vec![
            ReportType::Confirmed,
            ReportType::Likely,
            ReportType::Revocation,
        ],
        max_skew: 300,
        max_validity: 14 * 86_400,
        capacity: 16,
        contacts: vec![rec_b.clone(), rec_bc.clone()],
        steps: vec![(now, good.clone())],
    };
    let mut all_reports = Vec::new();
    let mut push =
        |f: &mut FileBuilder, s: Scenario, comment: &str, flags: &[&str], want: Option<&str>| {
            let results = run_scenario(&s);
            assert_eq!(verdict(&results), want, "{comment}");
            for (_, r) in &s.steps {
                all_reports.push(r.clone());
            }
            let fields = scenario_json(&s, &results);
            match want {
                None => f.valid(comment, flags, fields),
                Some(w) => f.invalid(comment, flags, leak(w), fields),
            };
        };
    macro_rules! with {
        ($($k:ident : $v:expr),* $(,)?) => { Scenario { $($k: $v,)* ..Scenario { authorities: base.authorities.clone(), diseases: base.diseases.clone(), types: base.types.clone(), max_skew: base.max_skew, max_validity: base.max_validity, capacity: base.capacity, contacts: base.contacts.clone(), steps: base.steps.clone() } } };
    }
    push(
        &mut f,
        with!(),
        "A = TEST 1 reports to B = TEST 2; HA = TEST 3 (the brief's example fields)",
        &["Valid"],
        None,
    );
    for (ty, cmt) in [
        (ReportType::Likely, "clinically likely"),
        (ReportType::Revocation, "revocation"),
    ] {
        let at = Attestation::issue(
            &ha,
            AttestationFields {
                report_type: ty,
                ..fields
            },
        )
        .expect("att");
        push(
            &mut f,
            with!(steps: vec![(now, report(&at, &bind))]),
            cmt,
            &["Valid"],
            None,
        );
    }
    push(
        &mut f,
        with!(steps: vec![(fields.issued_at - 300, good.clone())]),
        "issued exactly max_skew in the future",
        &["Valid", "Time"],
        None,
    );
    push(
        &mut f,
        with!(steps: vec![(fields.not_after - 1, good.clone())]),
        "last second before expiry",
        &["Valid", "Time"],
        None,
    );
    // Step 1: decoding.
    push(
        &mut f,
        with!(steps: vec![(now, good[..226].to_vec())]),
        "226 bytes",
        &["Malformed"],
        Some("ENCOUNTER_REPORT_LENGTH"),
    );
    push(
        &mut f,
        with!(steps: vec![(now, [good.clone(), vec![0]].concat())]),
        "228 bytes",
        &["Malformed"],
        Some("ENCOUNTER_REPORT_LENGTH"),
    );
    push(
        &mut f,
        with!(steps: vec![(now, Vec::new())]),
        "empty",
        &["Malformed"],
        Some("ENCOUNTER_REPORT_LENGTH"),
    );
    let tweak = |i: usize, v: u8| {
        let mut x = good.clone();
        x[i] = v;
        x
    };
    push(
        &mut f,
        with!(steps: vec![(now, tweak(0, 2))]),
        "report version 2",
        &["Malformed"],
        Some("ENCOUNTER_REPORT_VERSION"),
    );
    push(
        &mut f,
        with!(steps: vec![(now, tweak(1, 1))]),
        "report kind 1",
        &["Malformed"],
        Some("ENCOUNTER_REPORT_KIND"),
    );
    push(
        &mut f,
        with!(steps: vec![(now, tweak(18, 0))]),
        "attestation version 0",
        &["Malformed"],
        Some("ENCOUNTER_ATTESTATION_VERSION"),
    );
    push(
        &mut f,
        with!(steps: vec![(now, tweak(19, 2))]),
        "attestation kind 2",
        &["Malformed"],
        Some("ENCOUNTER_ATTESTATION_KIND"),
    );
    push(
        &mut f,
        with!(steps: vec![(now, tweak(18 + 32, 3))]),
        "report type 3",
        &["Malformed"],
        Some("ENCOUNTER_REPORT_TYPE_UNKNOWN"),
    );
    // Step 2.
    push(
        &mut f,
        with!(contacts: vec![rec_bc.clone()]),
        "receiver has no record of this pair",
        &["NotAContact"],
        Some("ENCOUNTER_NOT_A_CONTACT"),
    );
    push(
        &mut f,
        with!(steps: vec![(now, tweak(2, good[2] ^ 1))]),
        "pair_id altered",
        &["NotAContact"],
        Some("ENCOUNTER_NOT_A_CONTACT"),
    );
    // Step 3.
    push(
        &mut f,
        with!(steps: vec![(now, tweak(226, good[226] ^ 0x80))]),
        "last MAC bit flipped",
        &["BadMac"],
        Some("ENCOUNTER_BAD_MAC"),
    );
    push(
        &mut f,
        with!(steps: vec![(now, tweak(170, good[170] ^ 1))]),
        "bind_key altered after MACing",
        &["BadMac"],
        Some("ENCOUNTER_BAD_MAC"),
    );
    let reflected = raw_report(&rec_b, &att, &bind);
    push(
        &mut f,
        with!(steps: vec![(now, reflected)]),
        "report MACed by B with report_key(B→A), sent to B itself (reflection)",
        &["BadMac"],
        Some("ENCOUNTER_BAD_MAC"),
    );
    // Step 4.
    push(
        &mut f,
        with!(authorities: vec![(other_pk, 1_700_000_000, 1_800_000_000, false)]),
        "attestation key not pinned",
        &["AuthorityKey"],
        Some("ENCOUNTER_UNKNOWN_KEY_ID"),
    );
    push(
        &mut f,
        with!(authorities: vec![(hpk, 1_700_000_000, 1_800_000_000, true)]),
        "authority key revoked",
        &["AuthorityKey"],
        Some("ENCOUNTER_KEY_REVOKED"),
    );
    push(
        &mut f,
        with!(authorities: vec![(hpk, fields.issued_at + 1, 1_800_000_000, false)]),
        "key valid from one second after issued_at",
        &["AuthorityKey"],
        Some("ENCOUNTER_KEY_OUTSIDE_VALIDITY"),
    );
    push(
        &mut f,
        with!(authorities: vec![(other_pk, 0, 1, false), (hpk, 1_600_000_000, fields.issued_at, false)]),
        "key validity ends exactly at issued_at (exclusive); another key also pinned",
        &["AuthorityKey"],
        Some("ENCOUNTER_KEY_OUTSIDE_VALIDITY"),
    );
    // Step 5.
    let mut sig = att.signature();
    sig[5] ^= 1;
    let bad_sig = Attestation::from_parts(att.kid(), *att.fields(), sig);
    push(
        &mut f,
        with!(steps: vec![(now, report(&bad_sig, &bind))]),
        "signature R altered, MAC recomputed",
        &["BadSignature"],
        Some("ENCOUNTER_BAD_SIGNATURE"),
    );
    let mut sig = att.signature();
    let s_plus_l = {
        let s =
            Scalar::from_canonical_bytes(sig[32..].try_into().expect("32")).expect("canonical s");
        let mut bytes = s.to_bytes();
        // s + ℓ as a 256-bit integer (fits: s < ℓ < 2^253).
        let l: [u8; 32] = unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
        let mut carry = 0u16;
        for (x, y) in bytes.iter_mut().zip(l) {
            let t = u16::from(*x) + u16::from(y) + carry;
            *x = t as u8;
            carry = t >> 8;
        }
        bytes
    };
    sig[32..].copy_from_slice(&s_plus_l);
    let malleable = Attestation::from_parts(att.kid(), *att.fields(), sig);
    push(
        &mut f,
        with!(steps: vec![(now, report(&malleable, &bind))]),
        "s + ℓ (non-canonical s), MAC recomputed",
        &["BadSignature"],
        Some("ENCOUNTER_BAD_SIGNATURE"),
    );
    let forged = sign_raw(&other_ha, att.kid(), fields);
    push(
        &mut f,
        with!(steps: vec![(now, report(&forged, &bind))]),
        "signed by another key under the pinned kid",
        &["BadSignature"],
        Some("ENCOUNTER_BAD_SIGNATURE"),
    );
    let kid = att.kid();
    let mut altered_fields = fields;
    altered_fields.disease_code = 2;
    let altered = Attestation::from_parts(kid, altered_fields, att.signature());
    push(
        &mut f,
        with!(diseases: vec![1, 2], steps: vec![(now, report(&altered, &bind))]),
        "disease code changed after signing",
        &["BadSignature"],
        Some("ENCOUNTER_BAD_SIGNATURE"),
    );
    // Step 6.
    push(
        &mut f,
        with!(steps: vec![(fields.issued_at - 301, good.clone())]),
        "issued 301 s in the future",
        &["Time"],
        Some("ENCOUNTER_ISSUED_IN_FUTURE"),
    );
    let long = sign_raw(
        &ha,
        kid,
        AttestationFields {
            not_after: fields.issued_at + 14 * 86_400 + 1,
            ..fields
        },
    );
    push(
        &mut f,
        with!(steps: vec![(now, report(&long, &bind))]),
        "validity 14 days + 1 s",
        &["Time"],
        Some("ENCOUNTER_VALIDITY_TOO_LONG"),
    );
    let empty = sign_raw(
        &ha,
        kid,
        AttestationFields {
            not_after: fields.issued_at,
            ..fields
        },
    );
    push(
        &mut f,
        with!(steps: vec![(fields.issued_at - 1, report(&empty, &bind))]),
        "not_after = issued_at (signed anyway)",
        &["Time"],
        Some("ENCOUNTER_VALIDITY_TOO_LONG"),
    );
    push(
        &mut f,
        with!(steps: vec![(fields.not_after, good.clone())]),
        "now = not_after",
        &["Time"],
        Some("ENCOUNTER_EXPIRED"),
    );
    let early = ContactRecord::new(b.encounter(&a.peer_key()).expect("ba"), 19_989);
    push(
        &mut f,
        with!(contacts: vec![early.clone()]),
        "only encounter one day before window_start_day",
        &["Window"],
        Some("ENCOUNTER_OUTSIDE_WINDOW"),
    );
    let mut gap = ContactRecord::new(b.encounter(&a.peer_key()).expect("ba"), 19_980);
    gap.note_encounter(20_020);
    push(
        &mut f,
        with!(contacts: vec![gap]),
        "encounters on days 19980 and 20020, none inside 19990..=20013",
        &["Window"],
        Some("ENCOUNTER_OUTSIDE_WINDOW"),
    );
    let mut edge = ContactRecord::new(b.encounter(&a.peer_key()).expect("ba"), 19_980);
    edge.note_encounter(20_013);
    push(
        &mut f,
        with!(contacts: vec![edge]),
        "encounter on day 20013 (inside the window; day(not_after) is 20014)",
        &["Window", "Valid"],
        None,
    );
    // Step 7.
    push(
        &mut f,
        with!(diseases: vec![2]),
        "disease 1 not accepted",
        &["Policy"],
        Some("ENCOUNTER_DISEASE_NOT_ACCEPTED"),
    );
    push(
        &mut f,
        with!(types: vec![ReportType::Likely]),
        "confirmed reports not accepted",
        &["Policy"],
        Some("ENCOUNTER_REPORT_TYPE_NOT_ACCEPTED"),
    );
    // Step 8.
    push(
        &mut f,
        with!(steps: vec![(now, report(&att, &[0x12; 32]))]),
        "wrong bind_key",
        &["Transfer"],
        Some("ENCOUNTER_BAD_COMMITMENT"),
    );
    let stolen = raw_report(&rec_cb, &att, &bind);
    push(
        &mut f,
        with!(steps: vec![(now, stolen)]),
        "C, who also met B, reuses A's attestation and bind_key on its own pair with B",
        &["Transfer"],
        Some("ENCOUNTER_BAD_COMMITMENT"),
    );
    // Step 9.
    push(
        &mut f,
        with!(steps: vec![(now, good.clone()), (now + 10, good.clone())]),
        "the same report twice",
        &["Replay"],
        Some("ENCOUNTER_REPLAYED"),
    );
    let att2 = Attestation::issue(
        &ha,
        AttestationFields {
            cert_nonce: [0x23; 16],
            ..fields
        },
    )
    .expect("att2");
    let second = report(&att2, &bind);
    push(
        &mut f,
        with!(steps: vec![(now, good.clone()), (now + 1, second.clone())]),
        "two attestations with different nonces",
        &["Replay", "Valid"],
        None,
    );
    push(
        &mut f,
        with!(capacity: 1, steps: vec![(now, good.clone()), (now + 1, second.clone())]),
        "capacity 1: a second live entry does not fit",
        &["Replay"],
        Some("ENCOUNTER_REPLAY_CACHE_FULL"),
    );
    let short = Attestation::issue(
        &ha,
        AttestationFields {
            not_after: fields.issued_at + 1000,
            cert_nonce: [0x24; 16],
            ..fields
        },
    )
    .expect("short");
    let longer = Attestation::issue(
        &ha,
        AttestationFields {
            cert_nonce: [0x25; 16],
            ..fields
        },
    )
    .expect("longer");
    push(
        &mut f,
        with!(capacity: 1, steps: vec![(fields.issued_at, report(&short, &bind)), (fields.issued_at + 1000, report(&longer, &bind))]),
        "capacity 1: the first entry has expired, its slot is reused",
        &["Replay", "Valid"],
        None,
    );

    // ---- Appended below: the tcIds above keep their meaning. ----
    f.note("CheckOrder", "EDGE_CASE", "Breaks two adjacent checks of spec §9.2 (or of the decoders §8.1, §7.2) at once: the earlier check's code is expected (the order is normative).");
    f.note(
        "Boundary",
        "EDGE_CASE",
        "One side of a bound of spec §9.2: the value at the bound and the first one past it.",
    );
    f.note("KeySet", "AUTH_BYPASS", "The same authority key pinned more than once, or several keys: a revoked entry of the key wins, and any entry whose window covers issued_at admits (spec §9.2 step 4).");
    f.note("ReplayCache", "FUNCTIONALITY", "A row of the replay-cache table (spec §9.3) over several steps: keyed on (cert_nonce, pair_id); entries with expiry ≤ now are free; a refused report changes nothing.");
    edge_notes(&mut f);
    // The Ed25519 rule's edges, in a report (spec §9.2 step 5, key admission §7.1).
    for e in ed25519_edges(fields) {
        let rep = report(&e.attestation, &bind);
        push(
            &mut f,
            with!(authorities: vec![(e.ha_public, 1_700_000_000, 1_800_000_000, false)], steps: vec![(now, rep)]),
            &e.comment,
            e.flags,
            e.expect,
        );
    }
    // Two checks broken at once, for every adjacent pair.
    let set = |edits: &[(usize, u8)], len: usize| {
        let mut x = good.clone();
        for (i, v) in edits {
            x[*i] = *v;
        }
        x.truncate(len);
        x
    };
    let bad_mac = tweak(226, good[226] ^ 0x80);
    let pairs: Vec<(Scenario, &str, &str)> = vec![
        (
            with!(steps: vec![(now, set(&[(0, 2)], 226))]),
            "226 bytes and report version 2",
            "ENCOUNTER_REPORT_LENGTH",
        ),
        (
            with!(steps: vec![(now, set(&[(0, 2), (1, 1)], 227))]),
            "report version 2 and kind 1",
            "ENCOUNTER_REPORT_VERSION",
        ),
        (
            with!(steps: vec![(now, set(&[(1, 1), (18, 0)], 227))]),
            "report kind 1 and attestation version 0",
            "ENCOUNTER_REPORT_KIND",
        ),
        (
            with!(steps: vec![(now, set(&[(18, 0), (19, 2)], 227))]),
            "attestation version 0 and kind 2",
            "ENCOUNTER_ATTESTATION_VERSION",
        ),
        (
            with!(steps: vec![(now, set(&[(19, 2), (50, 3)], 227))]),
            "attestation kind 2 and report type 3",
            "ENCOUNTER_ATTESTATION_KIND",
        ),
        (
            with!(steps: vec![(now, set(&[(50, 3), (2, good[2] ^ 1)], 227))]),
            "steps 1+2: report type 3 and a pair_id no record has",
            "ENCOUNTER_REPORT_TYPE_UNKNOWN",
        ),
        (
            with!(contacts: vec![rec_bc.clone()], steps: vec![(now, bad_mac.clone())]),
            "steps 2+3: no record of the pair, and a bad MAC",
            "ENCOUNTER_NOT_A_CONTACT",
        ),
        (
            with!(authorities: vec![(other_pk, 1_700_000_000, 1_800_000_000, false)], steps: vec![(now, bad_mac.clone())]),
            "steps 3+4a: bad MAC and an authority key that is not pinned",
            "ENCOUNTER_BAD_MAC",
        ),
        (
            with!(authorities: vec![(other_pk, 1_700_000_000, 1_800_000_000, true)]),
            "steps 4a+4b: the attestation's key is not pinned; the one pinned key is revoked",
            "ENCOUNTER_UNKNOWN_KEY_ID",
        ),
        (
            with!(authorities: vec![(hpk, fields.issued_at + 1, 1_800_000_000, true)]),
            "steps 4b+4c: the key is revoked and its window starts after issued_at",
            "ENCOUNTER_KEY_REVOKED",
        ),
        (
            with!(authorities: vec![(hpk, fields.issued_at + 1, 1_800_000_000, false)], steps: vec![(now, report(&bad_sig, &bind))]),
            "steps 4c+5: the key's window starts after issued_at, and a bad signature",
            "ENCOUNTER_KEY_OUTSIDE_VALIDITY",
        ),
        (
            with!(steps: vec![(fields.issued_at - 301, report(&bad_sig, &bind))]),
            "steps 5+6a: bad signature, issued 301 s in the future",
            "ENCOUNTER_BAD_SIGNATURE",
        ),
        (
            with!(steps: vec![(fields.issued_at - 301, report(&long, &bind))]),
            "steps 6a+6b: issued 301 s in the future with a validity of 14 days + 1 s",
            "ENCOUNTER_ISSUED_IN_FUTURE",
        ),
        (
            with!(steps: vec![(long.fields().not_after, report(&long, &bind))]),
            "steps 6b+6c: validity of 14 days + 1 s, and expired",
            "ENCOUNTER_VALIDITY_TOO_LONG",
        ),
        (
            with!(contacts: vec![early.clone()], steps: vec![(fields.not_after, good.clone())]),
            "steps 6c+6d: expired, and no encounter in the window",
            "ENCOUNTER_EXPIRED",
        ),
        (
            with!(contacts: vec![early.clone()], diseases: vec![2]),
            "steps 6d+7a: no encounter in the window, and the disease is not accepted",
            "ENCOUNTER_OUTSIDE_WINDOW",
        ),
        (
            with!(diseases: vec![2], types: vec![ReportType::Likely]),
            "steps 7a+7b: neither the disease nor the report type is accepted",
            "ENCOUNTER_DISEASE_NOT_ACCEPTED",
        ),
        (
            with!(types: vec![ReportType::Likely], steps: vec![(now, report(&att, &[0x12; 32]))]),
            "steps 7b+8: report type not accepted, and the wrong bind_key",
            "ENCOUNTER_REPORT_TYPE_NOT_ACCEPTED",
        ),
        (
            with!(steps: vec![(now, good.clone()), (now + 1, report(&att, &[0x12; 32]))]),
            "steps 8+9: the accepted report's nonce again, with the wrong bind_key",
            "ENCOUNTER_BAD_COMMITMENT",
        ),
        (
            with!(capacity: 1, steps: vec![(now, good.clone()), (now + 1, good.clone())]),
            "step 9: a replay into a full cache is a replay, not a full cache",
            "ENCOUNTER_REPLAYED",
        ),
    ];
    for (s, comment, want) in pairs {
        push(&mut f, s, comment, &["CheckOrder"], Some(want));
    }
    // Both sides of every bound.
    let signed = |n: AttestationFields| sign_raw(&ha, kid, n);
    let at_record = |d: u32| ContactRecord::new(b.encounter(&a.peer_key()).expect("ba"), d);
    let shortest = signed(AttestationFields {
        not_after: fields.issued_at + 1,
        ..fields
    });
    let midnight_minus = signed(AttestationFields {
        not_after: 20_014 * 86_400 - 1,
        ..fields
    });
    let forever = signed(AttestationFields {
        not_after: u64::MAX,
        window_start_day: 0,
        ..fields
    });
    let unbounded = Scenario {
        max_validity: u64::MAX,
        ..with!()
    };
    let negative_day = ContactRecord::from_parts(rec_b.secret().clone(), 2, 0b1000);
    let bounds: Vec<(Scenario, &str, Option<&str>)> = vec![
        (with!(authorities: vec![(hpk, fields.issued_at, 1_800_000_000, false)]), "step 4c: the key's window starts exactly at issued_at (inclusive)", None),
        (with!(authorities: vec![(hpk, 1_600_000_000, fields.issued_at + 1, false)]), "step 4c: the key's window ends one second after issued_at (exclusive end)", None),
        (with!(steps: vec![(fields.issued_at, report(&shortest, &bind))]), "step 6b: not_after = issued_at + 1, the shortest validity", None),
        (Scenario { max_validity: 14 * 86_400 - 1, ..with!() }, "step 6b: max_validity one second below the attestation's validity of 14 days", Some("ENCOUNTER_VALIDITY_TOO_LONG")),
        (Scenario { max_skew: 0, ..with!(steps: vec![(fields.issued_at, good.clone())]) }, "step 6a: max_skew 0, issued_at = now", None),
        (Scenario { max_skew: 0, ..with!(steps: vec![(fields.issued_at - 1, good.clone())]) }, "step 6a: max_skew 0, issued_at = now + 1", Some("ENCOUNTER_ISSUED_IN_FUTURE")),
        (with!(contacts: vec![at_record(19_990)]), "step 6d: encounter on window_start_day (inclusive)", None),
        (with!(contacts: vec![at_record(20_014)]), "step 6d: encounter on day(not_after) = 20014 (inclusive)", None),
        (with!(contacts: vec![at_record(20_015)]), "step 6d: encounter on day(not_after) + 1", Some("ENCOUNTER_OUTSIDE_WINDOW")),
        (with!(contacts: vec![at_record(20_014)], steps: vec![(now, report(&midnight_minus, &bind))]), "step 6d: not_after one second before day 20014, so day(not_after) = 20013; encounter on day 20014", Some("ENCOUNTER_OUTSIDE_WINDOW")),
        (with!(contacts: vec![at_record(20_013)], steps: vec![(now, report(&midnight_minus, &bind))]), "step 6d: not_after one second before day 20014; encounter on day 20013", None),
        (Scenario { steps: vec![(now, report(&forever, &bind))], ..unbounded }, "step 6d: not_after = 2^64 − 1, whose day saturates at 2^32 − 1 (no overflow)", None),
        (Scenario { contacts: vec![negative_day], steps: vec![(now, report(&forever, &bind))], max_validity: u64::MAX, ..with!() }, "step 6d: a stored record (last_day 2, bitmap 0b1000) whose only bit names day −1, which does not exist; window 0..2^32 − 1", Some("ENCOUNTER_OUTSIDE_WINDOW")),
    ];
    for (s, comment, want) in bounds {
        push(&mut f, s, comment, &["Boundary"], want);
    }
    // The same key pinned more than once.
    let keysets: Vec<(Vec<([u8; 32], u64, u64, bool)>, &str, Option<&str>)> = vec![
        (
            vec![
                (hpk, 1_600_000_000, fields.issued_at, false),
                (hpk, fields.issued_at, 1_800_000_000, false),
            ],
            "the key pinned twice; only the second window covers issued_at",
            None,
        ),
        (
            vec![
                (hpk, 1_700_000_000, 1_800_000_000, false),
                (hpk, 1_700_000_000, 1_800_000_000, true),
            ],
            "the key pinned twice, the second entry revoked: revocation wins",
            Some("ENCOUNTER_KEY_REVOKED"),
        ),
        (
            vec![
                (hpk, 1_700_000_000, 1_800_000_000, true),
                (hpk, 1_700_000_000, 1_800_000_000, false),
            ],
            "the key pinned twice, the first entry revoked",
            Some("ENCOUNTER_KEY_REVOKED"),
        ),
        (
            vec![
                (other_pk, 1_700_000_000, 1_800_000_000, false),
                (hpk, 1_700_000_000, 1_800_000_000, false),
            ],
            "two keys; the attestation's is the second",
            None,
        ),
        (
            vec![
                (hpk, 1_600_000_000, 1_650_000_000, false),
                (hpk, 1_750_000_000, 1_800_000_000, false),
            ],
            "the key pinned twice; neither window covers issued_at",
            Some("ENCOUNTER_KEY_OUTSIDE_VALIDITY"),
        ),
    ];
    for (keys, comment, want) in keysets {
        push(&mut f, with!(authorities: keys), comment, &["KeySet"], want);
    }
    // Replay-cache rows over several steps.
    let same_nonce_later = signed(AttestationFields {
        cert_nonce: [0x24; 16],
        ..fields
    });
    let other_disease = signed(AttestationFields {
        disease_code: 2,
        cert_nonce: [0x26; 16],
        ..fields
    });
    let b2 = IdentityKey::from_seed([0x0bu8; 32]).expect("B2");
    let rec_a_b2 = ContactRecord::new(a.encounter(&b2.peer_key()).expect("ab2"), day);
    let rec_b2_a = ContactRecord::new(b2.encounter(&a.peer_key()).expect("b2a"), day);
    let t0 = fields.issued_at;
    let replays: Vec<(Scenario, &str, Option<&str>)> = vec![
        (with!(steps: vec![(t0, report(&short, &bind)), (t0 + 1000, report(&same_nonce_later, &bind))]), "row 2: (nonce, pair_id) present but expired (expiry = now): a later attestation with the same nonce is admitted", None),
        (with!(steps: vec![(t0, report(&short, &bind)), (t0 + 999, report(&same_nonce_later, &bind))]), "row 1: (nonce, pair_id) present and live one second before its expiry: another attestation with the same nonce is a replay", Some("ENCOUNTER_REPLAYED")),
        (with!(contacts: vec![rec_b.clone(), rec_b2_a], steps: vec![(now, good.clone()), (now + 1, raw_report(&rec_a_b2, &att, &bind))]), "keyed on (nonce, pair_id): A met both of B's rotating identities; the same attestation reaches both pairs", None),
        (with!(capacity: 1, steps: vec![(t0, report(&short, &bind)), (t0 + 999, report(&longer, &bind))]), "row 4: capacity 1, the only entry is live one second before its expiry", Some("ENCOUNTER_REPLAY_CACHE_FULL")),
        (with!(steps: vec![(now, report(&att, &[0x12; 32])), (now + 1, good.clone())]), "a report refused at step 8 is not recorded: the honest report with its nonce is then accepted", None),
        (with!(capacity: 1, steps: vec![(now, report(&other_disease, &bind)), (now + 1, good.clone())]), "capacity 1: a report refused at step 7 takes no slot", None),
        (with!(capacity: 1, steps: vec![(t0, report(&short, &bind)), (t0 + 10, report(&longer, &bind)), (t0 + 1000, report(&longer, &bind))]), "capacity 1: a report refused as cache-full is not recorded and is accepted once a slot frees", None),
        (with!(steps: vec![(now, good.clone()), (fields.not_after, good.clone())]), "a replay after not_after is refused at step 6c, before the cache", Some("ENCOUNTER_EXPIRED")),
    ];
    for (s, comment, want) in replays {
        push(&mut f, s, comment, &["ReplayCache"], want);
    }
    // Policy lists with several entries, and MAC coverage of every byte before it.
    push(
        &mut f,
        with!(diseases: vec![5, 1, 9], types: vec![ReportType::Likely, ReportType::Confirmed]),
        "accepted lists with several entries",
        &["Policy", "Valid"],
        None,
    );
    push(
        &mut f,
        with!(steps: vec![(now, tweak(20, good[20] ^ 1))]),
        "a byte of the attestation (its key id) changed after MACing",
        &["BadMac"],
        Some("ENCOUNTER_BAD_MAC"),
    );
    push(
        &mut f,
        with!(steps: vec![(now, tweak(194, good[194] ^ 1))]),
        "the last byte of bind_key changed after MACing",
        &["BadMac"],
        Some("ENCOUNTER_BAD_MAC"),
    );
    (f.finish(), all_reports)
}

fn u8_list(v: &Value, name: &str) -> Result<Vec<u64>, String> {
    v.as_array()
        .ok_or_else(|| format!("`{name}` is not a list"))?
        .iter()
        .map(|x| x.as_u64().ok_or_else(|| format!("`{name}`: not a number")))
        .collect()
}

pub(super) fn check_receive(_: &Group, t: &Test) -> Result<Verdict, String> {
    let mut keys = Vec::new();
    for a in field(t, "authorities")?
        .as_array()
        .ok_or("`authorities` is not a list")?
    {
        let a = a.as_object().ok_or("authority is not an object")?;
        let revoked = field(a, "revoked")?
            .as_bool()
            .ok_or("`revoked` is not a bool")?;
        match AuthorityKey::new(
            &hex_array::<32>(a, "publicKey")?,
            u64_str_field(a, "notBefore")?,
            u64_str_field(a, "notAfter")?,
            revoked,
        ) {
            Ok(k) => keys.push(k),
            // A key refused at admission (spec §7.1) ends the test before any step.
            Err(e) => return Ok(enc_err(e)),
        }
    }
    let p = field(t, "policy")?
        .as_object()
        .ok_or("`policy` is not an object")?;
    let diseases: Vec<u16> = u8_list(field(p, "diseases")?, "diseases")?
        .into_iter()
        .map(|n| u16::try_from(n).map_err(|_| "disease code".to_string()))
        .collect::<Result<_, _>>()?;
    let types: Vec<ReportType> = u8_list(field(p, "reportTypes")?, "reportTypes")?
        .into_iter()
        .map(|n| {
            u8::try_from(n)
                .ok()
                .and_then(|b| ReportType::from_byte(b).ok())
                .ok_or_else(|| "report type".to_string())
        })
        .collect::<Result<_, _>>()?;
    let policy = Policy {
        max_skew: u64_str_field(p, "maxSkew")?,
        max_validity: u64_str_field(p, "maxValidity")?,
        ..Policy::new(&diseases, &types)
    };
    let mut contacts = Vec::new();
    for c in field(t, "contacts")?
        .as_array()
        .ok_or("`contacts` is not a list")?
    {
        let c = c.as_object().ok_or("contact is not an object")?;
        let rec = record_from(c, u32_field(c, "lastDay")?, u32_field(c, "days")?)?;
        expect_hex(c, "pairId", rec.pair_id())?;
        contacts.push(rec);
    }
    let steps = field(t, "steps")?
        .as_array()
        .ok_or("`steps` is not a list")?;
    let mut inputs = Vec::new();
    for step in steps {
        let step = step.as_object().ok_or("step is not an object")?;
        inputs.push((u64_str_field(step, "now")?, hex_field(step, "report")?));
    }
    let slices: Vec<(u64, &[u8])> = inputs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let capacity = usize::try_from(u32_field(t, "cacheCapacity")?).map_err(|e| e.to_string())?;
    let mut verdict = Verdict::Valid;
    let mut failure = None;
    let n = steps.len();
    let ran = run_steps(
        capacity,
        &slices,
        &contacts,
        &keys,
        &policy,
        |i, r, live| {
            match (&r, i + 1 == n) {
                // A refused last step is the test's verdict.
                (Err(e), true) => {
                    verdict = enc_err(*e);
                    true
                }
                _ => match steps[i]
                    .as_object()
                    .map(|s| expect_outputs(s, step_outputs(&r, live)))
                {
                    Some(Ok(())) => true,
                    Some(Err(why)) => {
                        failure = Some(format!("step {i}: {why}"));
                        false
                    }
                    None => false,
                },
            }
        },
    );
    if ran.is_none() {
        return Err(format!(
            "cacheCapacity {capacity} not supported by this runner"
        ));
    }
    match failure {
        Some(why) => Err(why),
        None => Ok(verdict),
    }
}
