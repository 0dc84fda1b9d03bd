//! Vectors of `spec/encounter.md §7`: attestation decoding, issuing, and verification under the
//! project's Ed25519 rule (`spec/ed25519.md`) with every edge of the rule and the published
//! `ed25519-speccheck` cases carried into the attestation format.

use contact_tracing::encounter::{
    Attestation, AttestationFields, AuthorityKey, EncounterError, ReportType,
};
use contact_tracing::error::ErrorCode;
use contact_tracing::labels::encounter::{ATTESTATION, HA_KEY_ID};
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256, Sha512};

use super::{enc_err, unhex, HEADER, T1_PK, T3_SEED};
use crate::vector::{
    expect_hex, expect_value, hex, hex_array, hex_field, u32_field, u64_str_field, FileBuilder,
    Group, Test, Verdict,
};

// ---------------------------------------------------------------------------------------------
// encounter-attestation

pub(super) fn ha_public(seed: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(seed).verifying_key().to_bytes()
}

pub(super) fn base_fields(subject_commitment: [u8; 32]) -> AttestationFields {
    AttestationFields {
        issued_at: 1_728_000_000,
        not_after: 1_729_209_600,
        window_start_day: 19_990,
        disease_code: 1,
        report_type: ReportType::Confirmed,
        cert_nonce: [0x22; 16],
        subject_commitment,
    }
}

/// Signs arbitrary attestation fields, including ones `Attestation::issue` refuses.
pub(super) fn sign_raw(ha_seed: &[u8; 32], kid: [u8; 8], fields: AttestationFields) -> Attestation {
    let unsigned = Attestation::from_parts(kid, fields, [0u8; 64]);
    let mut msg = ATTESTATION.bytes.to_vec();
    msg.extend_from_slice(&unsigned.encode()[..81]);
    let sig = SigningKey::from_bytes(ha_seed).sign(&msg).to_bytes();
    Attestation::from_parts(kid, fields, sig)
}

fn attestation_json(a: &Attestation) -> Map<String, Value> {
    let f = a.fields();
    let mut m = Map::new();
    m.insert("kid".into(), json!(hex(a.kid())));
    m.insert("issuedAt".into(), json!(f.issued_at.to_string()));
    m.insert("notAfter".into(), json!(f.not_after.to_string()));
    m.insert("windowStartDay".into(), json!(f.window_start_day));
    m.insert("diseaseCode".into(), json!(f.disease_code));
    m.insert("reportType".into(), json!(f.report_type.to_byte()));
    m.insert("certNonce".into(), json!(hex(f.cert_nonce)));
    m.insert("subjectCommitment".into(), json!(hex(f.subject_commitment)));
    m.insert("signature".into(), json!(hex(a.signature())));
    m
}

pub(super) fn attestation_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-attestation",
        "spec/encounter.md#72-attestation-layout-145-bytes",
        HEADER,
    );
    f.note("Brief", "BASIC", "The brief's example attestation (HA = RFC 8032 TEST 3, reporter TEST 1, bind_key 0x11 × 32), with this spec's labels.");
    f.note("ReportTypes", "BASIC", "Each allocated report type.");
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "Wrong length, version or kind.",
    );
    f.note(
        "UnknownType",
        "MODIFIED_PARAMETER",
        "A report type that is not allocated.",
    );
    f.group("encounter-attestation", json!({}));
    let ha: [u8; 32] = unhex(T3_SEED);
    let hpk = ha_public(&ha);
    let commitment = Attestation::commitment_for(&[0x11; 32], &unhex(T1_PK));
    let base = Attestation::issue(&ha, base_fields(commitment)).expect("issue");
    let push =
        |f: &mut FileBuilder, bytes: Vec<u8>, comment: &str, flags: &[&str], want: Option<&str>| {
            let mut fields = Map::new();
            fields.insert("haPublic".into(), json!(hex(hpk)));
            fields.insert("attestation".into(), json!(hex(&bytes)));
            match Attestation::decode(&bytes) {
                Ok(a) => {
                    assert_eq!(want, None, "{comment}");
                    fields.extend(attestation_json(&a));
                    f.valid(comment, flags, Value::Object(fields));
                }
                Err(e) => {
                    assert_eq!(want, Some(e.code()), "{comment}");
                    f.invalid(comment, flags, e.code(), Value::Object(fields));
                }
            }
        };
    let bytes = base.encode().to_vec();
    // Same layout as the brief's example: every byte outside kid, commitment and signature (which
    // depend on the labels, spec §13 decision 1) equals the brief's certificate.
    assert_eq!(hex(&bytes[..2]), "0101");
    assert_eq!(
        hex(&bytes[10..49]),
        "0000000066ff3000000000006711a50000004e1600010122222222222222222222222222222222"
    );
    push(
        &mut f,
        bytes.clone(),
        "brief's example fields, confirmed",
        &["Brief"],
        None,
    );
    for (ty, c) in [
        (ReportType::Likely, "clinically likely"),
        (ReportType::Revocation, "revocation"),
    ] {
        let a = Attestation::issue(
            &ha,
            AttestationFields {
                report_type: ty,
                ..base_fields(commitment)
            },
        )
        .expect("issue");
        push(&mut f, a.encode().to_vec(), c, &["ReportTypes"], None);
    }
    push(
        &mut f,
        bytes[..144].to_vec(),
        "144 bytes",
        &["Malformed"],
        Some("ENCOUNTER_ATTESTATION_LENGTH"),
    );
    push(
        &mut f,
        [bytes.clone(), vec![0]].concat(),
        "146 bytes",
        &["Malformed"],
        Some("ENCOUNTER_ATTESTATION_LENGTH"),
    );
    let mut v = bytes.clone();
    v[0] = 2;
    push(
        &mut f,
        v,
        "version 2",
        &["Malformed"],
        Some("ENCOUNTER_ATTESTATION_VERSION"),
    );
    let mut k = bytes.clone();
    k[1] = 2;
    push(
        &mut f,
        k,
        "kind 2 (report) in place of 1",
        &["Malformed"],
        Some("ENCOUNTER_ATTESTATION_KIND"),
    );
    for t in [0x00u8, 0x03, 0xfe] {
        let mut b = bytes.clone();
        b[32] = t;
        push(
            &mut f,
            b,
            &format!("report type {t:#04x}"),
            &["UnknownType"],
            Some("ENCOUNTER_REPORT_TYPE_UNKNOWN"),
        );
    }
    // Appended: two checks of §7.2 broken at once, for every adjacent pair.
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "Breaks two adjacent checks of spec §7.2 at once: the earlier check's code is expected (length, version, kind, report type).",
    );
    let two = |edits: &[(usize, u8)], len: usize| {
        let mut b = bytes.clone();
        b.resize(len, 0);
        for (i, v) in edits {
            b[*i] = *v;
        }
        b
    };
    push(
        &mut f,
        two(&[(0, 2)], 144),
        "144 bytes and version 2",
        &["Malformed", "CheckOrder"],
        Some("ENCOUNTER_ATTESTATION_LENGTH"),
    );
    push(
        &mut f,
        two(&[(0, 2), (1, 2)], 145),
        "version 2 and kind 2",
        &["Malformed", "CheckOrder"],
        Some("ENCOUNTER_ATTESTATION_VERSION"),
    );
    push(
        &mut f,
        two(&[(1, 2), (32, 3)], 145),
        "kind 2 and report type 3",
        &["Malformed", "CheckOrder"],
        Some("ENCOUNTER_ATTESTATION_KIND"),
    );
    push(
        &mut f,
        two(&[(0, 0), (32, 0)], 145),
        "version 0 and report type 0",
        &["Malformed", "CheckOrder"],
        Some("ENCOUNTER_ATTESTATION_VERSION"),
    );
    push(
        &mut f,
        Vec::new(),
        "empty",
        &["Malformed"],
        Some("ENCOUNTER_ATTESTATION_LENGTH"),
    );
    // Extreme field values decode (the decoder checks no time or day).
    let extreme = sign_raw(
        &ha,
        base.kid(),
        AttestationFields {
            issued_at: u64::MAX,
            not_after: 0,
            window_start_day: u32::MAX,
            disease_code: u16::MAX,
            ..base_fields(commitment)
        },
    );
    push(
        &mut f,
        extreme.encode().to_vec(),
        "every integer field at an extreme (decoding checks no time)",
        &["ReportTypes"],
        None,
    );
    f.finish()
}

pub(super) fn check_attestation(_: &Group, t: &Test) -> Result<Verdict, String> {
    match Attestation::decode(&hex_field(t, "attestation")?) {
        Ok(a) => {
            for (k, v) in attestation_json(&a) {
                expect_value(t, &k, v)?;
            }
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(enc_err(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// The Ed25519 edges in the attestation format (spec/ed25519.md §3 and §5).

/// `SHA-256(HA_KEY_ID || H)[0..8]`, computed here for keys the library refuses to admit.
pub(super) fn key_id(public: &[u8; 32]) -> [u8; 8] {
    let d = Sha256::new()
        .chain_update(HA_KEY_ID.bytes)
        .chain_update(public)
        .finalize();
    d[..8].try_into().expect("8 bytes")
}

/// The RFC 8032 secret scalar of an Ed25519 seed.
fn secret_scalar(seed: &[u8; 32]) -> Scalar {
    let h = Sha512::digest(seed);
    let mut a: [u8; 32] = h[..32].try_into().expect("32");
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    Scalar::from_bytes_mod_order(a)
}

/// `ATTESTATION || bytes[0..81]` of an attestation with these fields and key id.
fn message(kid: [u8; 8], fields: AttestationFields) -> Vec<u8> {
    let mut m = ATTESTATION.bytes.to_vec();
    m.extend_from_slice(&Attestation::from_parts(kid, fields, [0u8; 64]).encode()[..81]);
    m
}

/// `k = SHA-512(R_bytes || A_bytes || M) mod ℓ`.
fn challenge(r_bytes: &[u8; 32], a_bytes: &[u8; 32], msg: &[u8]) -> Scalar {
    let h = Sha512::new()
        .chain_update(r_bytes)
        .chain_update(a_bytes)
        .chain_update(msg)
        .finalize();
    Scalar::from_bytes_mod_order_wide(&h.into())
}

/// A signature whose `R` is encoded as `r_bytes`, where the (leniently decoded) point is
/// `[r]B + T` for a known `r` and a small-order `T`: `S = r + k·a`, so that
/// `[S]B − [k]A − R = −T`. The cofactored equation holds; the cofactorless one only if `T = 0`.
fn forge(seed: &[u8; 32], r_bytes: [u8; 32], r: Scalar, msg: &[u8]) -> [u8; 64] {
    let a = secret_scalar(seed);
    let a_bytes = ha_public(seed);
    let k = challenge(&r_bytes, &a_bytes, msg);
    let s = r + k * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r_bytes);
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

/// `x + n·ℓ` as a 256-bit little-endian integer, if it fits.
fn plus_l(x: &[u8; 32], n: u32) -> Option<[u8; 32]> {
    let l: [u8; 32] = unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    let mut out = *x;
    for _ in 0..n {
        let mut carry = 0u16;
        for (o, y) in out.iter_mut().zip(l) {
            let t = u16::from(*o) + u16::from(y) + carry;
            *o = t as u8;
            carry = t >> 8;
        }
        if carry != 0 {
            return None;
        }
    }
    Some(out)
}

/// One Ed25519 edge: an authority key and an attestation, with the verdict the library gives.
pub(super) struct Edge {
    pub(super) comment: String,
    pub(super) flags: &'static [&'static str],
    pub(super) ha_public: [u8; 32],
    pub(super) attestation: Attestation,
    /// The verdict this protocol gives (asserted against the library by the generator).
    pub(super) expect: Option<&'static str>,
}

/// The notes of the edges' flags (each file that carries edges defines them).
pub(super) fn edge_notes(f: &mut FileBuilder) {
    f.note("Ktv", "EDGE_CASE", "A published case of ed25519-speccheck (\"Taming the many EdDSAs\", cases.txt 0–11, earlier cases.json 12–13, numbered as in spec/ed25519.md §5), carried into the attestation format: the case's public key A and its signature bytes R || S exactly, over this protocol's message (the attestation's signed bytes). Its message-independent properties are kept: the class of A (small order, mixed order, non-canonical, prime order) decides at key admission (spec §7.1); R and S decide where they are checked before the equation (non-canonical R, S ≥ ℓ). The verdict is this protocol's under spec/ed25519.md.");
    f.note("SmallOrderA", "SMALL_SUBGROUP", "The authority key is one of the 8 points of small order: refused at admission (spec §7.1; spec/ed25519.md check 1b).");
    f.note("NonCanonicalA", "EDGE_CASE", "The authority key is a non-canonical encoding (y ≥ p, or x = 0 with the sign bit set), or does not decode: refused at admission (spec §3.4 steps 1–2; spec/ed25519.md check 1a).");
    f.note("MixedOrderA", "SMALL_SUBGROUP", "The authority key has a torsion component but is not of small order: spec/ed25519.md accepts it, this protocol refuses it at admission (spec §7.1, §13 decision 9).");
    f.note("SmallOrderR", "EDGE_CASE", "R is a point of small order and S = k·a, so the cofactored equation holds: accepted (spec/ed25519.md check 2 allows small-order R; libsodium and verify_strict refuse it).");
    f.note("CofactoredOnly", "EDGE_CASE", "R = [r]B + T with T of small order and S = r + k·a: the cofactored equation holds, the cofactorless one does not. Accepted (spec/ed25519.md check 4).");
    f.note("NonCanonicalR", "SIGNATURE_MALLEABILITY", "R is not a canonical encoding (y ≥ p, x = 0 with the sign bit set, or no point), with S chosen so that a lenient decoder would accept: ENCOUNTER_BAD_SIGNATURE (spec/ed25519.md check 2).");
    f.note("SNonCanonical", "SIGNATURE_MALLEABILITY", "S ≥ ℓ (ℓ itself, an honest S plus a multiple of ℓ that a reducing verifier would accept, or 2^256 − 1): ENCOUNTER_BAD_SIGNATURE (spec/ed25519.md check 3).");
    f.note("Equation", "SIGNATURE_MALLEABILITY", "Canonical R and S that fail the cofactored equation (S = ℓ − 1, a flipped bit, another key or message): ENCOUNTER_BAD_SIGNATURE (spec/ed25519.md check 4).");
    f.note(
        "Honest",
        "BASIC",
        "An RFC 8032 signature by the authority key.",
    );
}

/// The published speccheck cases (spec/ed25519.md §5): public key and signature.
const SPECCHECK: [(&str, &str); 14] = [
    ("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000"),
    ("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04"),
    ("f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e"),
    ("cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d", "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009"),
    ("cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d", "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09"),
    ("cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d", "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405"),
    ("442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623", "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514"),
    ("442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623", "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22"),
    ("f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f"),
    ("f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908"),
    ("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04"),
    ("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04"),
    ("f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f454d370c8d9fc323a41450f8d513eafeb5b0697390c1e505a0d4ddc71f566607"),
    ("f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f084d5b99c2a9463d9c8bd5026916996984eeec87ddf1d3be329006ace1b37b09"),
];

/// Every edge of the Ed25519 rule in this protocol's attestation format, with `fields` as the
/// signed content (the receive vectors pass the reporter's commitment).
pub(super) fn ed25519_edges(fields: AttestationFields) -> Vec<Edge> {
    const BAD_SIG: Option<&str> = Some("ENCOUNTER_BAD_SIGNATURE");
    let ha: [u8; 32] = unhex(T3_SEED);
    let hpk = ha_public(&ha);
    let kid = key_id(&hpk);
    let msg = message(kid, fields);
    let honest = sign_raw(&ha, kid, fields);
    let mut edges = Vec::new();
    let mut push = |comment: String,
                    flags: &'static [&'static str],
                    key: [u8; 32],
                    sig: [u8; 64],
                    expect: Option<&'static str>| {
        edges.push(Edge {
            comment,
            flags,
            ha_public: key,
            attestation: Attestation::from_parts(key_id(&key), fields, sig),
            expect,
        });
    };
    push(
        "honest signature".into(),
        &["Honest"],
        hpk,
        honest.signature(),
        None,
    );
    // Published cases, with their A and their R || S exactly; the verdicts of spec §7.3.
    for (i, (a, sig)) in SPECCHECK.iter().enumerate() {
        let (class, want) = match i {
            0 | 1 => ("A of small order", "ENCOUNTER_KEY_SMALL_ORDER"),
            6 | 7 => ("prime-order A, S ≥ ℓ", "ENCOUNTER_BAD_SIGNATURE"),
            10 | 11 => ("non-canonical A", "ENCOUNTER_KEY_NONCANONICAL"),
            _ => ("A of mixed order", "ENCOUNTER_KEY_TORSION"),
        };
        push(
            format!("ed25519-speccheck case {i} ({class})"),
            &["Ktv"],
            unhex(a),
            unhex(sig),
            Some(want),
        );
    }
    // Small-order R, each of the eight: accepted.
    for (i, t) in EIGHT_TORSION.iter().enumerate() {
        push(
            format!("R = T[{i}] (order {}), S = k·a", order(t)),
            &["SmallOrderR"],
            hpk,
            forge(&ha, t.compress().to_bytes(), Scalar::ZERO, &msg),
            None,
        );
    }
    // Cofactored-only: R = [r]B + T, accepted.
    let r = Scalar::from_bytes_mod_order([0x5a; 32]);
    for i in [1usize, 2, 4] {
        let t = EIGHT_TORSION[i];
        let point = ED25519_BASEPOINT_POINT * r + t;
        push(
            format!(
                "R = [r]B + T[{i}] (T of order {}), S = r + k·a: cofactored equation only",
                order(&t)
            ),
            &["CofactoredOnly"],
            hpk,
            forge(&ha, point.compress().to_bytes(), r, &msg),
            None,
        );
    }
    // Non-canonical R with S making a lenient decoder accept (the point is small order, r = 0).
    let nc: [(&str, &str); 4] = [
        ("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "R with y = p + 1 (the identity if y is reduced): passes both equations if decoded leniently"),
        ("0100000000000000000000000000000000000000000000000000000000000080", "R = identity with the sign bit set (x = 0): passes both equations if decoded leniently"),
        ("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "R = (0, −1) with the sign bit set, the R of speccheck cases 8–9: passes the cofactored equation if decoded leniently"),
        ("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "R with y = p (y = 0, order 4, if reduced), the R of speccheck cases 12–13: passes the cofactored equation if decoded leniently"),
    ];
    for (bytes, comment) in nc {
        push(
            comment.into(),
            &["NonCanonicalR"],
            hpk,
            forge(&ha, unhex(bytes), Scalar::ZERO, &msg),
            BAD_SIG,
        );
    }
    let mut off = honest.signature();
    off[..32].copy_from_slice(&[0x42; 32]);
    push(
        "R = 0x42 × 32 does not decode".into(),
        &["NonCanonicalR"],
        hpk,
        off,
        BAD_SIG,
    );
    // S at and beyond ℓ.
    let s_honest: [u8; 32] = honest.signature()[32..].try_into().expect("32");
    let with_s = |s: [u8; 32]| {
        let mut sig = honest.signature();
        sig[32..].copy_from_slice(&s);
        sig
    };
    let l = plus_l(&[0u8; 32], 1).expect("ℓ");
    push("S = ℓ".into(), &["SNonCanonical"], hpk, with_s(l), BAD_SIG);
    push(
        "S + ℓ: would verify if S were reduced".into(),
        &["SNonCanonical"],
        hpk,
        with_s(plus_l(&s_honest, 1).expect("fits")),
        BAD_SIG,
    );
    let most = (2..16)
        .rev()
        .find(|n| plus_l(&s_honest, *n).is_some())
        .expect("some multiple");
    push(
        format!("S + {most}ℓ: high bits set, would verify if S were reduced (the class of speccheck case 7)"),
        &["SNonCanonical"],
        hpk,
        with_s(plus_l(&s_honest, most).expect("fits")),
        BAD_SIG,
    );
    push(
        "S = 2^256 − 1".into(),
        &["SNonCanonical"],
        hpk,
        with_s([0xff; 32]),
        BAD_SIG,
    );
    let mut l_minus_1 = l;
    l_minus_1[0] -= 1;
    push(
        "S = ℓ − 1: canonical, but the equation fails".into(),
        &["Equation"],
        hpk,
        with_s(l_minus_1),
        BAD_SIG,
    );
    let mut flipped = honest.signature();
    flipped[40] ^= 1;
    push(
        "one bit of S flipped".into(),
        &["Equation"],
        hpk,
        flipped,
        BAD_SIG,
    );
    push(
        "signed by another key under the pinned key's id".into(),
        &["Equation"],
        hpk,
        SigningKey::from_bytes(&[0x77u8; 32]).sign(&msg).to_bytes(),
        BAD_SIG,
    );
    // Authority keys refused at admission (§7.1), before any signature check.
    for (i, t) in EIGHT_TORSION.iter().enumerate() {
        push(
            format!("A = T[{i}] (order {})", order(t)),
            &["SmallOrderA"],
            t.compress().to_bytes(),
            honest.signature(),
            Some("ENCOUNTER_KEY_SMALL_ORDER"),
        );
    }
    let nca: [(&str, &str, &str); 5] = [
        (
            "0100000000000000000000000000000000000000000000000000000000000080",
            "A = identity with the sign bit set (non-canonical and of small order)",
            "ENCOUNTER_KEY_NONCANONICAL",
        ),
        (
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "A = (0, −1) with the sign bit set (the A of speccheck cases 10–11)",
            "ENCOUNTER_KEY_NONCANONICAL",
        ),
        (
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "A with y = p (the point y = 0 of order 4 if reduced)",
            "ENCOUNTER_KEY_NONCANONICAL",
        ),
        (
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "A with y = p + 1 (the identity if reduced)",
            "ENCOUNTER_KEY_NONCANONICAL",
        ),
        (
            "4242424242424242424242424242424242424242424242424242424242424242",
            "A = 0x42 × 32 does not decode",
            "ENCOUNTER_KEY_NOT_ON_CURVE",
        ),
    ];
    for (bytes, comment, want) in nca {
        push(
            comment.into(),
            &["NonCanonicalA"],
            unhex(bytes),
            honest.signature(),
            Some(want),
        );
    }
    let h = CompressedEdwardsY(hpk).decompress().expect("H");
    for i in [1usize, 2, 4] {
        push(
            format!("A = H + T[{i}] (mixed order)"),
            &["MixedOrderA"],
            (h + EIGHT_TORSION[i]).compress().to_bytes(),
            honest.signature(),
            Some("ENCOUNTER_KEY_TORSION"),
        );
    }
    edges
}

/// The order of a point of small order: the least `n` in 1, 2, 4, 8 with `[n]P = 0`.
fn order(p: &EdwardsPoint) -> u32 {
    let (mut q, mut n) = (*p, 1);
    while !q.is_identity() && n < 8 {
        q = q + q;
        n *= 2;
    }
    n
}

// ---------------------------------------------------------------------------------------------
// encounter-attestation-verify

pub(super) fn verify_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-attestation-verify",
        "spec/encounter.md#73-verification",
        HEADER,
    );
    edge_notes(&mut f);
    f.note("CheckOrder", "EDGE_CASE", "Breaks two checks of spec §7.3 at once: the earlier check's code is expected (key admission, decoding, key id, signature).");
    f.note(
        "KeyId",
        "AUTH_BYPASS",
        "The attestation names another key id than the key's.",
    );
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "The attestation does not decode (spec §7.2).",
    );
    f.group("encounter-attestation-verify", json!({}));
    let push = |f: &mut FileBuilder,
                key: [u8; 32],
                att: Vec<u8>,
                comment: &str,
                flags: &[&str],
                want: Option<&str>| {
        let mut fields = json!({"haPublic": hex(key), "attestation": hex(&att)});
        let outcome = verify_outcome(&key, &att);
        assert_eq!(outcome.err().map(|e| e.code()), want, "{comment}");
        match outcome {
            Ok(kid) => {
                fields["kid"] = json!(hex(kid));
                f.valid(comment, flags, fields);
            }
            Err(e) => {
                f.invalid(comment, flags, e.code(), fields);
            }
        }
    };
    let commitment = Attestation::commitment_for(&[0x11; 32], &unhex(T1_PK));
    let fields = base_fields(commitment);
    for e in ed25519_edges(fields) {
        let att = e.attestation.encode().to_vec();
        push(&mut f, e.ha_public, att, &e.comment, e.flags, e.expect);
    }
    let ha: [u8; 32] = unhex(T3_SEED);
    let hpk = ha_public(&ha);
    let honest = Attestation::issue(&ha, fields)
        .expect("issue")
        .encode()
        .to_vec();
    let other_kid = sign_raw(&ha, key_id(&[0x77; 32]), fields).encode().to_vec();
    push(
        &mut f,
        hpk,
        other_kid.clone(),
        "key id of another key (signature by H over that key id)",
        &["KeyId"],
        Some("ENCOUNTER_UNKNOWN_KEY_ID"),
    );
    let small: [u8; 32] = EIGHT_TORSION[1].compress().to_bytes();
    let mut bad_version = honest.clone();
    bad_version[0] = 2;
    push(
        &mut f,
        small,
        bad_version.clone(),
        "small-order key and attestation version 2: admission comes first",
        &["CheckOrder", "SmallOrderA"],
        Some("ENCOUNTER_KEY_SMALL_ORDER"),
    );
    let mut bad_version_kid = other_kid.clone();
    bad_version_kid[0] = 2;
    push(
        &mut f,
        hpk,
        bad_version_kid,
        "attestation version 2 and another key id: decoding comes first",
        &["CheckOrder"],
        Some("ENCOUNTER_ATTESTATION_VERSION"),
    );
    let mut kid_and_sig = other_kid;
    kid_and_sig[100] ^= 1;
    push(
        &mut f,
        hpk,
        kid_and_sig,
        "another key id and a corrupted signature: the key id comes first",
        &["CheckOrder", "KeyId"],
        Some("ENCOUNTER_UNKNOWN_KEY_ID"),
    );
    push(
        &mut f,
        hpk,
        honest[..144].to_vec(),
        "attestation of 144 bytes",
        &["Malformed"],
        Some("ENCOUNTER_ATTESTATION_LENGTH"),
    );
    f.finish()
}

/// §7.3: admit the key (§7.1), decode (§7.2), match the key id, verify (spec/ed25519.md).
fn verify_outcome(key: &[u8; 32], att: &[u8]) -> Result<[u8; 8], EncounterError> {
    let key = AuthorityKey::new(key, 0, u64::MAX, false)?;
    let att = Attestation::decode(att)?;
    if att.kid() != key.kid() {
        return Err(EncounterError::UnknownKeyId);
    }
    key.verify(&att)?;
    Ok(key.kid())
}

pub(super) fn check_verify(_: &Group, t: &Test) -> Result<Verdict, String> {
    match verify_outcome(&hex_array(t, "haPublic")?, &hex_field(t, "attestation")?) {
        Ok(kid) => {
            expect_hex(t, "kid", kid)?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(enc_err(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// encounter-attestation-issue

fn issue_inputs(
    seed: &[u8; 32],
    f: &AttestationFields,
    bind: &[u8; 32],
    subject: &[u8; 32],
) -> Value {
    json!({
        "haSeed": hex(seed),
        "issuedAt": f.issued_at.to_string(),
        "notAfter": f.not_after.to_string(),
        "windowStartDay": f.window_start_day,
        "diseaseCode": f.disease_code,
        "reportType": f.report_type.to_byte(),
        "certNonce": hex(f.cert_nonce),
        "bindKey": hex(bind),
        "subjectPublic": hex(subject),
    })
}

pub(super) fn issue_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-attestation-issue",
        "spec/encounter.md#74-issuing",
        HEADER,
    );
    f.note(
        "Brief",
        "BASIC",
        "The brief's example fields (HA = RFC 8032 TEST 3, subject TEST 1, bind_key 0x11 × 32).",
    );
    f.note("ReportTypes", "BASIC", "Each allocated report type.");
    f.note(
        "Validity",
        "EDGE_CASE",
        "not_after against issued_at: the authority refuses not_after ≤ issued_at.",
    );
    f.note(
        "Random",
        "BASIC",
        "Fields from a fixed-seed ChaCha20 stream.",
    );
    f.group("encounter-attestation-issue", json!({}));
    let push = |f: &mut FileBuilder,
                seed: [u8; 32],
                fields: AttestationFields,
                bind: [u8; 32],
                subject: [u8; 32],
                comment: &str,
                flags: &[&str]| {
        let mut t = issue_inputs(&seed, &fields, &bind, &subject);
        let commitment = Attestation::commitment_for(&bind, &subject);
        let outcome = Attestation::issue(
            &seed,
            AttestationFields {
                subject_commitment: commitment,
                ..fields
            },
        );
        // The intended verdict: only not_after ≤ issued_at is refused.
        assert_eq!(
            outcome.is_err(),
            fields.not_after <= fields.issued_at,
            "{comment}"
        );
        match outcome {
            Ok(a) => {
                t["subjectCommitment"] = json!(hex(commitment));
                t["attestation"] = json!(hex(a.encode()));
                f.valid(comment, flags, t);
            }
            Err(e) => {
                f.invalid(comment, flags, e.code(), t);
            }
        }
    };
    let ha: [u8; 32] = unhex(T3_SEED);
    let subject: [u8; 32] = unhex(T1_PK);
    let base = base_fields([0u8; 32]);
    push(
        &mut f,
        ha,
        base,
        [0x11; 32],
        subject,
        "brief's example fields",
        &["Brief"],
    );
    for ty in [ReportType::Likely, ReportType::Revocation] {
        push(
            &mut f,
            ha,
            AttestationFields {
                report_type: ty,
                ..base
            },
            [0x11; 32],
            subject,
            &format!("report type {:#04x}", ty.to_byte()),
            &["ReportTypes"],
        );
    }
    push(
        &mut f,
        ha,
        AttestationFields {
            not_after: base.issued_at + 1,
            ..base
        },
        [0x11; 32],
        subject,
        "not_after = issued_at + 1 (shortest validity)",
        &["Validity"],
    );
    push(
        &mut f,
        ha,
        AttestationFields {
            not_after: base.issued_at,
            ..base
        },
        [0x11; 32],
        subject,
        "not_after = issued_at",
        &["Validity"],
    );
    push(
        &mut f,
        ha,
        AttestationFields {
            not_after: base.issued_at - 1,
            ..base
        },
        [0x11; 32],
        subject,
        "not_after before issued_at",
        &["Validity"],
    );
    push(
        &mut f,
        ha,
        AttestationFields {
            issued_at: u64::MAX - 1,
            not_after: u64::MAX,
            ..base
        },
        [0x11; 32],
        subject,
        "issued_at = 2^64 − 2, not_after = 2^64 − 1",
        &["Validity"],
    );
    push(
        &mut f,
        ha,
        AttestationFields {
            issued_at: 0,
            not_after: 0,
            ..base
        },
        [0x11; 32],
        subject,
        "issued_at = not_after = 0",
        &["Validity"],
    );
    let mut r = crate::vector::rng("encounter attestation issue");
    for _ in 0..3 {
        let seed = super::random32(&mut r);
        let bind = super::random32(&mut r);
        let subject = contact_tracing::encounter::IdentityKey::from_seed(super::random32(&mut r))
            .expect("seed")
            .public_key();
        let mut nonce = [0u8; 16];
        rand_core::RngCore::fill_bytes(&mut r, &mut nonce);
        let issued = 1_700_000_000 + u64::from(rand_core::RngCore::next_u32(&mut r));
        let fields = AttestationFields {
            issued_at: issued,
            not_after: issued + 86_400 * 7,
            window_start_day: contact_tracing::encounter::day_of(issued) - 14,
            disease_code: (rand_core::RngCore::next_u32(&mut r) & 0xffff) as u16,
            report_type: ReportType::Confirmed,
            cert_nonce: nonce,
            subject_commitment: [0u8; 32],
        };
        push(
            &mut f,
            seed,
            fields,
            bind,
            subject,
            "random authority and fields",
            &["Random"],
        );
    }
    f.finish()
}

fn report_type(t: &Test, name: &str) -> Result<ReportType, String> {
    let b = u8::try_from(u32_field(t, name)?).map_err(|_| format!("`{name}` is not a byte"))?;
    ReportType::from_byte(b).map_err(|e| format!("`{name}`: {}", e.code()))
}

pub(super) fn check_issue(_: &Group, t: &Test) -> Result<Verdict, String> {
    let seed = hex_array::<32>(t, "haSeed")?;
    let bind = hex_array::<32>(t, "bindKey")?;
    let subject = hex_array::<32>(t, "subjectPublic")?;
    let commitment = Attestation::commitment_for(&bind, &subject);
    let fields = AttestationFields {
        issued_at: u64_str_field(t, "issuedAt")?,
        not_after: u64_str_field(t, "notAfter")?,
        window_start_day: u32_field(t, "windowStartDay")?,
        disease_code: u16::try_from(u32_field(t, "diseaseCode")?)
            .map_err(|_| "`diseaseCode` is not a u16")?,
        report_type: report_type(t, "reportType")?,
        cert_nonce: hex_array(t, "certNonce")?,
        subject_commitment: commitment,
    };
    match Attestation::issue(&seed, fields) {
        Ok(a) => {
            expect_hex(t, "subjectCommitment", commitment)?;
            expect_hex(t, "attestation", a.encode())?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(enc_err(e)),
    }
}
