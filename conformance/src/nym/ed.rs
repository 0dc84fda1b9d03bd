//! Ed25519 edge cases in nym's message formats (TEAM.md contract 1, `spec/ed25519.md §5`): every
//! edge of the one verification rule and the published `ed25519-speccheck` cases, rebuilt over a
//! nym message with the case's message-independent properties (its `A`, its `R` and `S` classes).

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use sha2::{Digest, Sha512};

use crate::vector::FileBuilder;

/// One signature over the message under test, with the key it claims and the verdict the rule
/// gives (`true` = valid).
pub(crate) struct EdgeCase {
    pub(crate) comment: String,
    pub(crate) flags: Vec<&'static str>,
    pub(crate) public: [u8; 32],
    pub(crate) signature: [u8; 64],
    pub(crate) valid: bool,
}

/// The flags the edge cases use, defined in a file's notes.
pub(crate) fn notes(f: &mut FileBuilder) {
    f.note(
        "Ktv",
        "EDGE_CASE",
        "A published case of ed25519-speccheck (\"Taming the many EdDSAs\"), numbered as in spec/ed25519.md §5: its public key A and the encoding classes of its R and S are carried into this nym message format (the message differs, so the signature is rebuilt); the verdict is the one rule's.",
    );
    f.note(
        "SmallOrderKey",
        "EDGE_CASE",
        "The public key has small order: refused by check 1b of spec/ed25519.md.",
    );
    f.note(
        "NonCanonicalKey",
        "EDGE_CASE",
        "The public key is not a canonical point encoding: refused by check 1a.",
    );
    f.note("MixedOrderKey", "EDGE_CASE", "The public key has a torsion component but is not of small order: accepted (spec/ed25519.md §3 notes).");
    f.note(
        "SmallOrderR",
        "EDGE_CASE",
        "R has small order: allowed by check 2.",
    );
    f.note(
        "NonCanonicalR",
        "SIGNATURE_MALLEABILITY",
        "R is not a canonical point encoding: refused by check 2.",
    );
    f.note(
        "NonCanonicalS",
        "SIGNATURE_MALLEABILITY",
        "S >= l: refused by check 3.",
    );
    f.note(
        "CofactoredOnly",
        "EDGE_CASE",
        "Valid by the cofactored equation of check 4 only; a cofactorless verifier rejects it.",
    );
    f.note(
        "BadEquation",
        "AUTH_BYPASS",
        "Every encoding is canonical but the equation of check 4 fails.",
    );
}

/// `l`, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn add_le(a: &[u8], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    out
}

fn k_of(r: &[u8; 32], a: &[u8; 32], msg: &[u8]) -> Scalar {
    Scalar::from_bytes_mod_order_wide(
        &Sha512::new()
            .chain_update(r)
            .chain_update(a)
            .chain_update(msg)
            .finalize()
            .into(),
    )
}

/// `R || (r + k a)` for a crafted `R` (encoded `r_bytes`) and key encoding `a_bytes`.
fn raw_sign(
    a: &Scalar,
    a_bytes: &[u8; 32],
    r: &Scalar,
    r_bytes: &[u8; 32],
    msg: &[u8],
) -> [u8; 64] {
    let s = r + k_of(r_bytes, a_bytes, msg) * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(r_bytes);
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

fn expand(seed: &[u8; 32]) -> Scalar {
    let h = Sha512::digest(seed);
    let mut a = [0u8; 32];
    a.copy_from_slice(&h[..32]);
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    Scalar::from_bytes_mod_order(a)
}

fn enc(p: &EdwardsPoint) -> [u8; 32] {
    p.compress().to_bytes()
}

fn identity_enc() -> [u8; 32] {
    let mut b = [0u8; 32];
    b[0] = 1;
    b
}

/// A 32-byte string that is no point.
fn off_curve() -> [u8; 32] {
    let mut c = [0u8; 32];
    for y in 2u8.. {
        c[0] = y;
        if CompressedEdwardsY(c).decompress().is_none() {
            return c;
        }
    }
    unreachable!()
}

/// `y + p` for a small `y` whose point is not of small order (decodes in lenient libraries).
fn y_plus_p() -> [u8; 32] {
    for y in 2u8..19 {
        let mut e = [0xffu8; 32];
        e[31] = 0x7f;
        e[0] = 0xed + y;
        if let Some(p) = CompressedEdwardsY(e).decompress() {
            if !p.is_small_order() && enc(&p) != e {
                return e;
            }
        }
    }
    unreachable!()
}

/// `y = p − 1` (the point (0, −1)) with the sign bit set: `ecff…ffff`.
fn minus_one_signed() -> [u8; 32] {
    let mut e = [0xffu8; 32];
    e[0] = 0xec;
    e
}

/// `y = p` (reduces to y = 0, a point of order 4): `edff…ff7f`.
fn y_is_p() -> [u8; 32] {
    let mut e = [0xffu8; 32];
    e[0] = 0xed;
    e[31] = 0x7f;
    e
}

/// The identity with the sign bit set: `0100…0080`.
fn identity_signed() -> [u8; 32] {
    let mut e = identity_enc();
    e[31] = 0x80;
    e
}

/// The eight small-order points' canonical encodings (`spec/ed25519.md §5`).
fn small_order_points() -> Vec<[u8; 32]> {
    let mut v: Vec<[u8; 32]> = EIGHT_TORSION.iter().map(enc).collect();
    v.sort();
    v.dedup();
    // (x = 0 with the sign bit would be non-canonical; the other order-4 encoding is 00…80.)
    let mut order4 = [0u8; 32];
    order4[31] = 0x80;
    if !v.contains(&order4) {
        v.push(order4);
    }
    v
}

fn cofactorless_ok(a: &[u8; 32], sig: &[u8; 64], msg: &[u8]) -> bool {
    let (Some(ap), Some(rp)) = (
        CompressedEdwardsY(*a).decompress(),
        CompressedEdwardsY(sig[..32].try_into().expect("32")).decompress(),
    ) else {
        return false;
    };
    let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(
        sig[32..].try_into().expect("32"),
    )) else {
        return false;
    };
    let k = k_of(&sig[..32].try_into().expect("32"), a, msg);
    ED25519_BASEPOINT_POINT * s == rp + ap * k
}

/// Every edge case over `msg`, signed (where a signature can be made) by the key of `seed`.
pub(crate) fn edge_cases(msg: &[u8], seed: &[u8; 32]) -> Vec<EdgeCase> {
    let a = expand(seed);
    let a_pt = ED25519_BASEPOINT_POINT * a;
    let a_bytes = enc(&a_pt);
    let r = Scalar::from_bytes_mod_order(*seed) + Scalar::ONE;
    let r_bytes = enc(&(ED25519_BASEPOINT_POINT * r));
    let good = raw_sign(&a, &a_bytes, &r, &r_bytes, msg);
    let mut v = Vec::new();
    let mut push = |comment: String,
                    flags: Vec<&'static str>,
                    public: [u8; 32],
                    signature: [u8; 64],
                    valid: bool| {
        v.push(EdgeCase {
            comment,
            flags,
            public,
            signature,
            valid,
        });
    };
    let torsion = EIGHT_TORSION[1];
    let a_mixed = a_pt + torsion;
    let a_mixed_bytes = enc(&a_mixed);

    // Keys of small order (check 1b), each with R = identity, S = 0: a cofactorless verifier
    // accepts [0]B = R + [k]A for the identity key.
    for (i, p) in small_order_points().iter().enumerate() {
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&identity_enc());
        push(
            format!("public key: small-order point {i} ({})", hex::encode(p)),
            vec!["SmallOrderKey"],
            *p,
            sig,
            false,
        );
    }
    // Non-canonical keys (check 1a).
    for (what, e) in [
        ("y + p", y_plus_p()),
        ("the identity with the sign bit set", identity_signed()),
        ("y = p - 1 with the sign bit set", minus_one_signed()),
        ("y = p", y_is_p()),
        ("not a point", off_curve()),
    ] {
        push(
            format!("public key: {what}"),
            vec!["NonCanonicalKey"],
            e,
            good,
            false,
        );
    }
    // A mixed-order key: accepted.
    push(
        "public key with an order-8 component (mixed order): valid".into(),
        vec!["MixedOrderKey", "CofactoredOnly"],
        a_mixed_bytes,
        raw_sign(&a, &a_mixed_bytes, &r, &r_bytes, msg),
        true,
    );
    // R of small order: allowed (each canonical one), cofactored equation.
    for (i, p) in small_order_points().iter().enumerate() {
        let sig = raw_sign(&a, &a_bytes, &Scalar::ZERO, p, msg);
        push(
            format!("R = small-order point {i}: valid (cofactored equation)"),
            vec!["SmallOrderR"],
            a_bytes,
            sig,
            true,
        );
    }
    // Non-canonical R (check 2).
    for (what, e) in [
        ("y + p", y_plus_p()),
        ("the identity with the sign bit set", identity_signed()),
        ("y = p - 1 with the sign bit set", minus_one_signed()),
        ("y = p", y_is_p()),
        ("not a point", off_curve()),
    ] {
        let mut sig = good;
        sig[..32].copy_from_slice(&e);
        push(
            format!("R: {what}"),
            vec!["NonCanonicalR"],
            a_bytes,
            sig,
            false,
        );
    }
    // S around l (check 3) and the equation (check 4).
    let mut s_ell = good;
    s_ell[32..].copy_from_slice(&ELL);
    push("S = l".into(), vec!["NonCanonicalS"], a_bytes, s_ell, false);
    let mut s_plus = good;
    s_plus[32..].copy_from_slice(&add_le(&good[32..], &ELL));
    push(
        "S + l in place of S".into(),
        vec!["NonCanonicalS"],
        a_bytes,
        s_plus,
        false,
    );
    let mut s_high = good;
    s_high[63] |= 0xe0;
    push(
        "S with its three high bits set".into(),
        vec!["NonCanonicalS"],
        a_bytes,
        s_high,
        false,
    );
    let mut s_max = good;
    let mut l_minus_one = ELL;
    l_minus_one[0] -= 1;
    s_max[32..].copy_from_slice(&l_minus_one);
    push(
        "S = l - 1 (canonical, the equation fails)".into(),
        vec!["BadEquation"],
        a_bytes,
        s_max,
        false,
    );
    let mut flipped = good;
    flipped[40] ^= 1;
    push(
        "one bit of S flipped".into(),
        vec!["BadEquation"],
        a_bytes,
        flipped,
        false,
    );
    // Cofactored only: R with a torsion component.
    let r_mixed = enc(&(ED25519_BASEPOINT_POINT * r + torsion));
    push(
        "R with an order-8 component: valid by the cofactored equation only".into(),
        vec!["CofactoredOnly"],
        a_bytes,
        raw_sign(&a, &a_bytes, &r, &r_mixed, msg),
        true,
    );
    // Two violations at once: the earlier check decides (same code in nym, so only the verdict).
    let mut two = s_ell;
    two[..32].copy_from_slice(&y_plus_p());
    push(
        "R non-canonical and S = l".into(),
        vec!["NonCanonicalR", "NonCanonicalS"],
        a_bytes,
        two,
        false,
    );
    push(
        "small-order key and S = l".into(),
        vec!["SmallOrderKey", "NonCanonicalS"],
        identity_enc(),
        s_ell,
        false,
    );

    // The speccheck cases, by their message-independent properties.
    let small_a = enc(&EIGHT_TORSION[1]);
    // 0: small-order A and R, S = 0.
    let mut c0 = [0u8; 64];
    c0[..32].copy_from_slice(&identity_enc());
    push(
        "speccheck case 0: small-order A and R, S = 0".into(),
        vec!["Ktv", "SmallOrderKey"],
        identity_enc(),
        c0,
        false,
    );
    // 1: small-order A, mixed-order R, 0 < S < l.
    push(
        "speccheck case 1: small-order A, mixed-order R".into(),
        vec!["Ktv", "SmallOrderKey"],
        small_a,
        raw_sign(&Scalar::ZERO, &small_a, &r, &r_mixed, msg),
        false,
    );
    // 2: mixed-order A, small-order R.
    push(
        "speccheck case 2: mixed-order A, small-order R".into(),
        vec!["Ktv", "MixedOrderKey", "SmallOrderR"],
        a_mixed_bytes,
        raw_sign(
            &a,
            &a_mixed_bytes,
            &Scalar::ZERO,
            &enc(&EIGHT_TORSION[2]),
            msg,
        ),
        true,
    );
    // 3 and 4: mixed-order A and R, passing both equations / the cofactored one only.
    let (mut both, mut only) = (None, None);
    for t in 0..64u64 {
        let rr = r + Scalar::from(t + 2);
        for tr in EIGHT_TORSION.iter() {
            let re = enc(&(ED25519_BASEPOINT_POINT * rr + tr));
            if tr == &EdwardsPoint::identity() {
                continue;
            }
            let sig = raw_sign(&a, &a_mixed_bytes, &rr, &re, msg);
            if cofactorless_ok(&a_mixed_bytes, &sig, msg) {
                both.get_or_insert(sig);
            } else {
                only.get_or_insert(sig);
            }
        }
        if both.is_some() && only.is_some() {
            break;
        }
    }
    push(
        "speccheck case 3: mixed-order A and R, passes both equations".into(),
        vec!["Ktv", "MixedOrderKey"],
        a_mixed_bytes,
        both.expect("found"),
        true,
    );
    push(
        "speccheck case 4: mixed-order A and R, cofactored equation only".into(),
        vec!["Ktv", "MixedOrderKey", "CofactoredOnly"],
        a_mixed_bytes,
        only.expect("found"),
        true,
    );
    // 5: mixed-order A, prime-order R, cofactored only (the pre-reduced k trap).
    let mut c5 = None;
    for t in 0..64u64 {
        let rr = r + Scalar::from(t + 100);
        let re = enc(&(ED25519_BASEPOINT_POINT * rr));
        let sig = raw_sign(&a, &a_mixed_bytes, &rr, &re, msg);
        if !cofactorless_ok(&a_mixed_bytes, &sig, msg) {
            c5 = Some(sig);
            break;
        }
    }
    push(
        "speccheck case 5: mixed-order A, prime-order R, cofactored equation only".into(),
        vec!["Ktv", "MixedOrderKey", "CofactoredOnly"],
        a_mixed_bytes,
        c5.expect("found"),
        true,
    );
    // 6, 7: S >= l that would pass if reduced; S with high bits.
    push(
        "speccheck case 6: S + l (passes if S is reduced)".into(),
        vec!["Ktv", "NonCanonicalS"],
        a_bytes,
        s_plus,
        false,
    );
    push(
        "speccheck case 7: S far above l".into(),
        vec!["Ktv", "NonCanonicalS"],
        a_bytes,
        s_high,
        false,
    );
    // 8, 9: mixed-order A, R = (0, -1) encoded with the sign bit (non-canonical small order).
    let mut c8 = raw_sign(&a, &a_mixed_bytes, &Scalar::ZERO, &minus_one_signed(), msg);
    push(
        "speccheck case 8: mixed-order A, non-canonical small-order R (y = p - 1, sign set)".into(),
        vec!["Ktv", "NonCanonicalR"],
        a_mixed_bytes,
        c8,
        false,
    );
    c8[40] ^= 0x10;
    push(
        "speccheck case 9: as case 8, the cofactored variant".into(),
        vec!["Ktv", "NonCanonicalR"],
        a_mixed_bytes,
        c8,
        false,
    );
    // 10, 11: A = (0, -1) with the sign bit, mixed-order R.
    let bad_a = minus_one_signed();
    let c10 = raw_sign(&Scalar::ZERO, &bad_a, &r, &r_mixed, msg);
    push(
        "speccheck case 10: non-canonical small-order A (y = p - 1, sign set), mixed-order R"
            .into(),
        vec!["Ktv", "NonCanonicalKey"],
        bad_a,
        c10,
        false,
    );
    let mut c11 = c10;
    c11[33] ^= 1;
    push(
        "speccheck case 11: as case 10, the cofactorless variant".into(),
        vec!["Ktv", "NonCanonicalKey"],
        bad_a,
        c11,
        false,
    );
    // 12, 13: mixed-order A, R encoded with y = p.
    let c12 = raw_sign(&a, &a_mixed_bytes, &r, &y_is_p(), msg);
    push(
        "speccheck case 12: mixed-order A, R with y = p".into(),
        vec!["Ktv", "NonCanonicalR"],
        a_mixed_bytes,
        c12,
        false,
    );
    let mut c13 = c12;
    c13[31] |= 0x80;
    push(
        "speccheck case 13: mixed-order A, R with y = p and the sign bit".into(),
        vec!["Ktv", "NonCanonicalR"],
        a_mixed_bytes,
        c13,
        false,
    );
    // The control: an honest signature.
    push(
        "honest signature".into(),
        vec!["Valid"],
        a_bytes,
        good,
        true,
    );
    for c in &v {
        let got = contact_tracing::ed25519::verify(&c.public, &[msg], &c.signature).is_ok();
        assert_eq!(got, c.valid, "{}", c.comment);
    }
    v
}
