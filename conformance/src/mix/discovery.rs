//! Group types of the Discovery document: `mix-discovery` (`spec/mix.md §9.1`, with the edges of
//! the one Ed25519 rule of `spec/ed25519.md` in the entry format) and `mix-route` (§9.2).

use contact_tracing::error::ErrorCode;
use contact_tracing::labels::mix as labels;
use contact_tracing::mix::{
    route_candidates, select_route, DiscoveryDocument, EntityEntry, Geometry, MixError, MixSecret,
    Roles,
};
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha512};

use super::packet::geometry;
use super::{start_of, today, ScriptedRng, HEADER, NOW};
use crate::vector::{
    expect_hex, expect_value, field, hex, hex_field, u32_field, u64_str_field, FileBuilder, Group,
    Test, Verdict,
};

// ---------------------------------------------------------------------------------------------
// Entries built byte by byte

/// An entry as bytes, so that any field (identity, signature) can be crafted.
#[derive(Clone)]
struct RawEntry {
    number: u8,
    roles: u8,
    identity: [u8; 32],
    first_day: u32,
    nkeys: u8,
    keys: Vec<[u8; 32]>,
    sig: [u8; 64],
}

impl RawEntry {
    /// The signed message: label ‖ number ‖ roles ‖ identity ‖ first_day ‖ nkeys ‖ keys.
    fn message(&self) -> Vec<u8> {
        let mut m = labels::DISCOVERY_ENTRY.bytes.to_vec();
        m.push(self.number);
        m.push(self.roles);
        m.extend_from_slice(&self.identity);
        m.extend_from_slice(&self.first_day.to_be_bytes());
        m.push(self.nkeys);
        for k in &self.keys {
            m.extend_from_slice(k);
        }
        m
    }

    fn bytes(&self) -> Vec<u8> {
        let mut b = vec![self.number, self.roles];
        b.extend_from_slice(&self.identity);
        b.extend_from_slice(&self.first_day.to_be_bytes());
        b.push(self.nkeys);
        for k in &self.keys {
            b.extend_from_slice(k);
        }
        b.extend_from_slice(&self.sig);
        b
    }

    /// An honestly signed entry: identity from `seed` (RFC 8032), keys `MixSecret([tag ^ i])`.
    fn honest(number: u8, roles: u8, seed: u8, first_day: u32, nkeys: usize) -> RawEntry {
        let keys = (0..nkeys)
            .map(|i| MixSecret::from_bytes([seed ^ (i as u8); 32]).public_key())
            .collect();
        let mut e = RawEntry {
            number,
            roles,
            identity: [0; 32],
            first_day,
            nkeys: nkeys as u8,
            keys,
            sig: [0; 64],
        };
        e.sign_with_seed(seed);
        e
    }

    /// Re-signs with the RFC 8032 key of `seed` (the identity becomes that key).
    fn sign_with_seed(&mut self, seed: u8) {
        let sk = SigningKey::from_bytes(&[seed; 32]);
        self.identity = sk.verifying_key().to_bytes();
        self.sig = sk.sign(&self.message()).to_bytes();
    }

    /// Signs with secret scalar `a` (identity left as set), nonce `r` and nonce point `r_bytes`:
    /// `S = r + k·a` with `k = SHA-512(R ‖ A ‖ M) mod ℓ`. Returns `k`.
    fn sign_raw(&mut self, a: &Scalar, r: &Scalar, r_bytes: [u8; 32]) -> Scalar {
        let k = challenge(&r_bytes, &self.identity, &self.message());
        let s = r + k * a;
        self.sig[..32].copy_from_slice(&r_bytes);
        self.sig[32..].copy_from_slice(s.as_bytes());
        k
    }
}

fn challenge(r: &[u8; 32], a: &[u8; 32], m: &[u8]) -> Scalar {
    Scalar::from_bytes_mod_order_wide(
        &Sha512::new()
            .chain_update(r)
            .chain_update(a)
            .chain_update(m)
            .finalize()
            .into(),
    )
}

/// A secret scalar and its public point from a seed, as RFC 8032 derives them.
fn expand(seed: &[u8; 32]) -> (Scalar, EdwardsPoint) {
    let h = Sha512::digest(seed);
    let mut a = [0u8; 32];
    a.copy_from_slice(&h[..32]);
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    let a = Scalar::from_bytes_mod_order(a);
    (a, ED25519_BASEPOINT_POINT * a)
}

fn document(published: u64, entries: &[RawEntry]) -> Vec<u8> {
    let mut d = vec![1u8];
    d.extend_from_slice(&published.to_be_bytes());
    d.push(entries.len() as u8);
    for e in entries {
        d.extend_from_slice(&e.bytes());
    }
    d
}

fn unhex32(s: &str) -> [u8; 32] {
    ::hex::decode(s).expect("hex").try_into().expect("32 bytes")
}

fn unhex64(s: &str) -> [u8; 64] {
    ::hex::decode(s).expect("hex").try_into().expect("64 bytes")
}

/// ℓ, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `s + m·ℓ` as 32 little-endian bytes (no overflow for the values used here).
fn add_ells(s: &[u8], m: u16) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u32;
    for i in 0..32 {
        let v = u32::from(s[i]) + u32::from(m) * u32::from(ELL[i]) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0, "s + m·ℓ overflows");
    out
}

/// The canonical encodings of the eight points of small order (`spec/ed25519.md §5`).
fn small_order_points() -> Vec<(&'static str, [u8; 32])> {
    vec![
        (
            "the identity (order 1)",
            unhex32("0100000000000000000000000000000000000000000000000000000000000000"),
        ),
        (
            "(0, -1) (order 2)",
            unhex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ),
        (
            "a point of order 4 (x > 0)",
            unhex32("0000000000000000000000000000000000000000000000000000000000000000"),
        ),
        (
            "a point of order 4 (x < 0)",
            unhex32("0000000000000000000000000000000000000000000000000000000000000080"),
        ),
        (
            "a point of order 8 (1)",
            unhex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
        ),
        (
            "a point of order 8 (2)",
            unhex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
        ),
        (
            "a point of order 8 (3)",
            unhex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
        ),
        (
            "a point of order 8 (4)",
            unhex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
        ),
    ]
}

/// A 32-byte string that is not the encoding of any curve point.
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

/// `y + p` for a small `y` that decodes (leniently) to a point not of small order.
fn y_plus_p() -> [u8; 32] {
    for y in 2u8..19 {
        let mut enc = [0xffu8; 32];
        enc[31] = 0x7f;
        enc[0] = 0xed + y;
        if let Some(p) = CompressedEdwardsY(enc).decompress() {
            if !p.is_small_order() {
                return enc;
            }
        }
    }
    unreachable!()
}

/// The equations as a lenient verifier would run them on `entry` (R decoded with `y` reduced
/// mod p and the sign of `x = 0` ignored): (cofactorless holds, cofactored holds).
fn lenient_equations(entry: &RawEntry) -> (bool, bool) {
    let r = CompressedEdwardsY(entry.sig[..32].try_into().expect("32")).decompress();
    let a = CompressedEdwardsY(entry.identity).decompress();
    let s = Scalar::from_canonical_bytes(entry.sig[32..].try_into().expect("32"));
    match (r, a, Option::<Scalar>::from(s)) {
        (Some(r), Some(a), Some(s)) => {
            let r_bytes: [u8; 32] = entry.sig[..32].try_into().expect("32");
            let k = challenge(&r_bytes, &entry.identity, &entry.message());
            let d = ED25519_BASEPOINT_POINT * s - a * k - r;
            (d.is_identity(), d.mul_by_cofactor().is_identity())
        }
        _ => (false, false),
    }
}

/// An entry whose identity is `A = [a]B + T` (mixed order, `T` of order 8) and whose signature
/// has nonce point `r_point(i)` (with nonce scalar `r`), searched over seeds until `accept`
/// holds of (k, the entry).
fn mixed_entry(
    r_point: impl Fn(u8) -> ([u8; 32], Scalar),
    accept: impl Fn(&Scalar, &RawEntry) -> bool,
) -> RawEntry {
    for i in 0..=255u8 {
        let (a, a_point) = expand(&[0xA0 ^ i; 32]);
        let mut e = RawEntry::honest(5, 0x01, 0x31, today() - 29, 2);
        e.identity = (a_point + EIGHT_TORSION[1]).compress().to_bytes();
        let (r_bytes, r) = r_point(i);
        let k = e.sign_raw(&a, &r, r_bytes);
        if accept(&k, &e) {
            return e;
        }
    }
    unreachable!("no seed satisfies the property")
}

/// An entry with a prime-order identity from seed 0x51 and a signature with nonce point `R`.
fn prime_entry(r_of: impl Fn() -> ([u8; 32], Scalar)) -> (RawEntry, Scalar) {
    let (a, a_point) = expand(&[0x51; 32]);
    let mut e = RawEntry::honest(5, 0x01, 0x31, today() - 29, 2);
    e.identity = a_point.compress().to_bytes();
    let (r_bytes, r) = r_of();
    let k = e.sign_raw(&a, &r, r_bytes);
    (e, k)
}

fn nonce(i: u8) -> ([u8; 32], Scalar) {
    let r = Scalar::from_bytes_mod_order([0x61 ^ i; 32]);
    ((ED25519_BASEPOINT_POINT * r).compress().to_bytes(), r)
}

// ---------------------------------------------------------------------------------------------
// mix-discovery

/// The document cases: (comment, flags, bytes, expected error).
type DiscoveryCase = (String, Vec<&'static str>, Vec<u8>, Option<MixError>);

fn discovery_cases() -> Vec<DiscoveryCase> {
    use MixError::*;
    let t = today();
    let mut out: Vec<DiscoveryCase> = Vec::new();
    let mut add = |c: &str, flags: &[&'static str], bytes: Vec<u8>, want: Option<MixError>| {
        out.push((c.to_string(), flags.to_vec(), bytes, want))
    };
    // The reference document and small two-entry documents for the field checks.
    let big = document(
        NOW,
        &[
            RawEntry::honest(0, 0x01, 1, t - 29, 3),
            RawEntry::honest(1, 0x01, 2, t - 29, 60),
            RawEntry::honest(2, 0x01, 3, t - 29, 1),
            RawEntry::honest(7, 0x03, 8, t - 29, 4),
            RawEntry::honest(9, 0x05, 10, t - 29, 4),
        ],
    );
    add(
        "five entities: three mixes, a mailbox server, the nymserver",
        &["Valid"],
        big.clone(),
        None,
    );
    let e3 = RawEntry::honest(3, 0x01, 4, t - 2, 2);
    let e4 = RawEntry::honest(4, 0x01, 5, t - 1, 2);
    let two = document(NOW, &[e3.clone(), e4.clone()]);
    add(
        "two entities with consecutive numbers",
        &["Valid", "Boundary"],
        two.clone(),
        None,
    );
    add(
        "one entity, number 254, 60 keys",
        &["Valid", "Boundary"],
        document(NOW, &[RawEntry::honest(254, 0x01, 6, t - 29, 60)]),
        None,
    );
    add(
        "one entity, number 0, one key, all three roles",
        &["Valid", "Boundary"],
        document(NOW, &[RawEntry::honest(0, 0x07, 7, t, 1)]),
        None,
    );
    add(
        "a mailbox server without the mix role (roles 0x02)",
        &["Valid", "Boundary"],
        document(NOW, &[RawEntry::honest(12, 0x02, 9, t, 1)]),
        None,
    );
    add(
        "published 2^64 - 1 and first day 2^32 - 1 (informational values)",
        &["Valid", "Boundary"],
        document(u64::MAX, &[RawEntry::honest(12, 0x04, 9, u32::MAX, 1)]),
        None,
    );
    let all: Vec<RawEntry> = (0..=254u8)
        .map(|n| RawEntry::honest(n, 0x01, n, t, 1))
        .collect();
    add(
        "255 entities (the most), numbers 0..=254",
        &["Valid", "Boundary"],
        document(NOW, &all),
        None,
    );
    // Lengths.
    add("empty", &["Length"], vec![], Some(Truncated));
    add("version byte only", &["Length"], vec![1], Some(Truncated));
    add(
        "header only",
        &["Length"],
        two[..10].to_vec(),
        Some(Truncated),
    );
    add(
        "one byte short",
        &["Length"],
        two[..two.len() - 1].to_vec(),
        Some(Truncated),
    );
    let mut x = two.clone();
    x.push(0);
    add("one trailing byte", &["Length"], x, Some(TrailingBytes));
    let mut x = two.clone();
    x[9] = 3;
    add("count 3 with two entries", &["Length"], x, Some(Truncated));
    let mut x = two.clone();
    x[9] = 1;
    add(
        "count 1 with two entries: the second is trailing",
        &["Length"],
        x,
        Some(TrailingBytes),
    );
    // Version (checked first).
    for v in [0u8, 2, 0xFF] {
        let mut x = two.clone();
        x[0] = v;
        add(
            &format!("version {v}"),
            &["Version"],
            x,
            Some(DiscoveryVersion),
        );
    }
    add(
        "version 2 and nothing else: the version is checked as it is read",
        &["Version", "CheckOrder"],
        vec![2],
        Some(DiscoveryVersion),
    );
    let mut x = two[..10].to_vec();
    x[0] = 2;
    x[9] = 0;
    add(
        "version 2 and count 0",
        &["Version", "CheckOrder"],
        x,
        Some(DiscoveryVersion),
    );
    // Count.
    let mut x = two[..9].to_vec();
    x.push(0);
    add(
        "count 0",
        &["NonCanonical"],
        x.clone(),
        Some(DiscoveryNonCanonical),
    );
    x.push(7);
    add(
        "count 0 followed by a byte: the count is checked before the end",
        &["NonCanonical", "CheckOrder"],
        x,
        Some(DiscoveryNonCanonical),
    );
    // Entry numbers (checked when read).
    let e0 = 10usize;
    let e1 = e0 + e3.bytes().len();
    add(
        "entries out of order (each validly signed)",
        &["NonCanonical"],
        document(NOW, &[e4.clone(), e3.clone()]),
        Some(DiscoveryNonCanonical),
    );
    add(
        "duplicate entity number (each validly signed)",
        &["NonCanonical"],
        document(NOW, &[e3.clone(), e3.clone()]),
        Some(DiscoveryNonCanonical),
    );
    let mut dup = e4.clone();
    dup.number = 3;
    add(
        "second entry repeats number 3 and so breaks its signature: the order is checked first",
        &["NonCanonical", "CheckOrder"],
        document(NOW, &[e3.clone(), dup]),
        Some(DiscoveryNonCanonical),
    );
    let mut ff = RawEntry::honest(0xFF, 0x01, 6, t, 1);
    add(
        "entity number 0xFF (validly signed)",
        &["NonCanonical"],
        document(NOW, &[ff.clone()]),
        Some(DiscoveryNonCanonical),
    );
    ff.identity = off_curve();
    add(
        "entity number 0xFF and an identity off the curve",
        &["NonCanonical", "CheckOrder"],
        document(NOW, &[ff]),
        Some(DiscoveryNonCanonical),
    );
    // Roles.
    for (roles, what) in [
        (0u8, "0"),
        (0x08, "0x08 (unknown bit)"),
        (0x80, "0x80 (unknown bit)"),
    ] {
        let mut e = e3.clone();
        e.roles = roles;
        e.sign_with_seed(4);
        add(
            &format!("roles {what} (validly signed)"),
            &["NonCanonical"],
            document(NOW, &[e]),
            Some(DiscoveryNonCanonical),
        );
    }
    let mut x = two.clone();
    x[e0 + 1] = 0;
    add(
        "roles set to 0 after signing",
        &["NonCanonical", "CheckOrder"],
        x,
        Some(DiscoveryNonCanonical),
    );
    let mut x = two[..e1 - 20].to_vec();
    x[9] = 1;
    x[e0 + 1] = 0;
    add(
        "roles 0 and the entry cut inside its signature: roles is checked when read",
        &["NonCanonical", "CheckOrder"],
        x,
        Some(DiscoveryNonCanonical),
    );
    let mut e = e3.clone();
    e.roles = 0;
    e.identity = off_curve();
    add(
        "roles 0 and an identity off the curve",
        &["NonCanonical", "CheckOrder"],
        document(NOW, &[e]),
        Some(DiscoveryNonCanonical),
    );
    // Identity (check 1 of spec/ed25519.md, when read).
    let mut e = e3.clone();
    e.identity = off_curve();
    add(
        "identity not a curve point",
        &["BadKey"],
        document(NOW, &[e.clone()]),
        Some(DiscoveryBadKey),
    );
    e.nkeys = 0;
    e.keys.clear();
    add(
        "identity off the curve and key count 0: the identity is checked first",
        &["BadKey", "CheckOrder"],
        document(NOW, &[e]),
        Some(DiscoveryBadKey),
    );
    let mut x = document(NOW, std::slice::from_ref(&e3))[..e0 + 38].to_vec();
    x[e0 + 2..e0 + 34].copy_from_slice(&small_order_points()[0].1);
    x.push(61);
    add(
        "identity of small order, key count 61 and nothing after it",
        &["BadKey", "CheckOrder"],
        x,
        Some(DiscoveryBadKey),
    );
    // Key count (checked before any key is read).
    for n in [0u8, 61, 255] {
        let mut e = e3.clone();
        e.nkeys = n;
        e.keys = vec![[9; 32]; usize::from(n)];
        e.sign_with_seed(4);
        add(
            &format!("key count {n} (validly signed)"),
            &["NonCanonical"],
            document(NOW, &[e]),
            Some(DiscoveryNonCanonical),
        );
    }
    let mut x = document(NOW, std::slice::from_ref(&e3))[..e0 + 38].to_vec();
    x.push(61);
    add(
        "key count 61 and nothing after it: the count is checked before the keys are read",
        &["NonCanonical", "CheckOrder"],
        x,
        Some(DiscoveryNonCanonical),
    );
    let mut e = e3.clone();
    e.nkeys = 0;
    e.keys.clear();
    add(
        "key count 0 (signature made for two keys)",
        &["NonCanonical", "CheckOrder"],
        document(NOW, &[e]),
        Some(DiscoveryNonCanonical),
    );
    add(
        "one entry cut inside its keys",
        &["Length"],
        document(NOW, std::slice::from_ref(&e3))[..e0 + 39 + 40].to_vec(),
        Some(Truncated),
    );
    // Signature (checks 2-4 of spec/ed25519.md).
    for (at, what) in [
        (e0 + 2 + 32 + 4 + 1 + 5, "a listed key"),
        (e0 + 2 + 32 + 3, "the first day"),
        (e1 - 64 + 3, "the signature's R"),
        (e1 - 10, "the signature's S"),
    ] {
        let mut x = two.clone();
        x[at] ^= 1;
        add(
            &format!("{what} changed"),
            &["BadSignature"],
            x,
            Some(DiscoveryBadSignature),
        );
    }
    let mut x = two.clone();
    x[e0 + 1] = 0x04;
    add(
        "roles changed to another valid value",
        &["BadSignature"],
        x,
        Some(DiscoveryBadSignature),
    );
    let mut x = two.clone();
    x[e0] = 2;
    add(
        "number changed to another valid value",
        &["BadSignature"],
        x,
        Some(DiscoveryBadSignature),
    );
    let mut e = e3.clone();
    e.identity = e4.identity;
    add(
        "identity replaced by another valid key",
        &["BadSignature"],
        document(NOW, &[e]),
        Some(DiscoveryBadSignature),
    );
    let mut bad0 = e3.clone();
    bad0.sig[40] ^= 1;
    let mut ff = e4.clone();
    ff.number = 0xFF;
    add(
        "a bad signature in entry 0 and number 0xFF in entry 1: entries are checked in order",
        &["BadSignature", "CheckOrder"],
        document(NOW, &[bad0.clone(), ff]),
        Some(DiscoveryBadSignature),
    );
    let mut x = document(NOW, &[bad0.clone()]);
    x.push(0);
    add(
        "a bad signature and a trailing byte",
        &["BadSignature", "CheckOrder"],
        x,
        Some(DiscoveryBadSignature),
    );
    let mut x = document(NOW, &[bad0]);
    x[9] = 2;
    add(
        "a bad signature and a count one too high",
        &["BadSignature", "CheckOrder"],
        x,
        Some(DiscoveryBadSignature),
    );
    out
}

/// Vectors for every edge of `spec/ed25519.md` in the entry format, and the published
/// `ed25519-speccheck` cases (flag `Ktv`).
fn ed25519_cases() -> Vec<DiscoveryCase> {
    use MixError::*;
    let mut out: Vec<DiscoveryCase> = Vec::new();
    let mut add = |c: &str, flags: &[&'static str], e: RawEntry, want: Option<MixError>| {
        out.push((c.to_string(), flags.to_vec(), document(NOW, &[e]), want))
    };
    let base = RawEntry::honest(5, 0x01, 0x31, today() - 29, 2);
    // A: small order (check 1b), non-canonical (check 1a).
    for (what, a) in small_order_points() {
        let mut e = base.clone();
        e.identity = a;
        add(
            &format!("identity is {what}"),
            &["Ed25519Edge"],
            e,
            Some(DiscoveryBadKey),
        );
    }
    let mut noncanonical_a = vec![
        (
            "identity y + p (decodes leniently to a point of large order)",
            y_plus_p(),
        ),
        (
            "identity is the identity point with the sign bit set",
            unhex32("0100000000000000000000000000000000000000000000000000000000000080"),
        ),
        (
            "identity y = p - 1 with the sign bit set",
            unhex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
        ),
        (
            "identity y = p (decodes leniently to a point of order 4)",
            unhex32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ),
        (
            "identity y = p + 1 (decodes leniently to the identity point)",
            unhex32("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ),
    ];
    noncanonical_a.push(("identity off the curve", off_curve()));
    for (what, a) in noncanonical_a {
        let mut e = base.clone();
        e.identity = a;
        add(what, &["Ed25519Edge"], e, Some(DiscoveryBadKey));
    }
    // R of small order is allowed (S = k·a makes the cofactored equation hold).
    for (what, r) in small_order_points() {
        let (a, a_point) = expand(&[0x52; 32]);
        let mut e = base.clone();
        e.identity = a_point.compress().to_bytes();
        e.sign_raw(&a, &Scalar::ZERO, r);
        add(&format!("R is {what}: allowed"), &["Ed25519Edge"], e, None);
    }
    // R non-canonical: small-order points a lenient decoder would accept, and others.
    for (what, r) in [
        (
            "R is the identity with the sign bit set",
            unhex32("0100000000000000000000000000000000000000000000000000000000000080"),
        ),
        (
            "R is y = p + 1 (the identity, non-canonical)",
            unhex32("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ),
    ] {
        let (a, a_point) = expand(&[0x53; 32]);
        let mut e = base.clone();
        e.identity = a_point.compress().to_bytes();
        e.sign_raw(&a, &Scalar::ZERO, r);
        assert!(
            lenient_equations(&e).1,
            "a lenient verifier accepts `{what}`"
        );
        add(
            &format!("{what}: a lenient decoder accepts it"),
            &["Ed25519Edge"],
            e,
            Some(DiscoveryBadSignature),
        );
    }
    let (mut e, _) = prime_entry(|| nonce(1));
    e.sig[..32].copy_from_slice(&y_plus_p());
    add(
        "R is y + p",
        &["Ed25519Edge"],
        e,
        Some(DiscoveryBadSignature),
    );
    let (mut e, _) = prime_entry(|| nonce(1));
    e.sig[..32].copy_from_slice(&off_curve());
    add(
        "R off the curve",
        &["Ed25519Edge"],
        e,
        Some(DiscoveryBadSignature),
    );
    // S.
    let (honest, _) = prime_entry(|| nonce(2));
    let s = honest.sig[32..].to_vec();
    let with_s = |s: [u8; 32]| {
        let mut e = honest.clone();
        e.sig[32..].copy_from_slice(&s);
        e
    };
    add(
        "control: the honest signature",
        &["Ed25519Edge"],
        honest.clone(),
        None,
    );
    add(
        "S + ℓ (would verify if reduced)",
        &["Ed25519Edge"],
        with_s(add_ells(&s, 1)),
        Some(DiscoveryBadSignature),
    );
    add(
        "S = ℓ",
        &["Ed25519Edge"],
        with_s(ELL),
        Some(DiscoveryBadSignature),
    );
    let mut ell_minus_one = ELL;
    ell_minus_one[0] -= 1;
    add(
        "S = ℓ - 1 (canonical; the equation fails)",
        &["Ed25519Edge"],
        with_s(ell_minus_one),
        Some(DiscoveryBadSignature),
    );
    add(
        "S = 2^256 - 1",
        &["Ed25519Edge"],
        with_s([0xff; 32]),
        Some(DiscoveryBadSignature),
    );
    // Mixed-order A and cofactored-only signatures are valid.
    let e = mixed_entry(nonce, |_, e| !lenient_equations(e).0);
    add(
        "identity of mixed order, prime-order R: valid by the cofactored equation only",
        &["Ed25519Edge", "CofactoredOnly"],
        e,
        None,
    );
    let (a, a_point) = expand(&[0x54; 32]);
    let mut e = base.clone();
    e.identity = a_point.compress().to_bytes();
    let r = Scalar::from_bytes_mod_order([0x62; 32]);
    let r_mixed = (ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[1])
        .compress()
        .to_bytes();
    e.sign_raw(&a, &r, r_mixed);
    assert!(!lenient_equations(&e).0);
    add(
        "R with an order-8 component: valid by the cofactored equation only",
        &["Ed25519Edge", "CofactoredOnly"],
        e,
        None,
    );

    // The published ed25519-speccheck cases (cases.txt 0-11, cases.json's two y = p cases).
    let spec_a_small = unhex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa");
    let spec_a_nc = unhex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    let published: [(u8, [u8; 32], &str); 4] = [
        (0, spec_a_small, "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000"),
        (1, spec_a_small, "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04"),
        (10, spec_a_nc, "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04"),
        (11, spec_a_nc, "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04"),
    ];
    for (case, a, sig) in published {
        let mut e = base.clone();
        e.identity = a;
        e.sig = unhex64(sig);
        let what = if case < 10 {
            "A of small order (published A and signature)"
        } else {
            "A of small order encoded non-canonically, y = p - 1 with the sign bit (published A and signature)"
        };
        add(
            &format!("speccheck case {case}: {what}"),
            &["Ktv"],
            e,
            Some(DiscoveryBadKey),
        );
    }
    let spec_r_small = unhex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa");
    let e = mixed_entry(|_| (spec_r_small, Scalar::ZERO), |_, _| true);
    add(
        "speccheck case 2: A of mixed order, R of small order (case 2's R)",
        &["Ktv"],
        e,
        None,
    );
    let e = mixed_entry(
        |i| {
            let (_, r) = nonce(i);
            let rp = ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[usize::from(i % 7 + 1)];
            (rp.compress().to_bytes(), r)
        },
        |_, e| lenient_equations(e).0,
    );
    add(
        "speccheck case 3: A and R of mixed order, valid by both equations",
        &["Ktv"],
        e,
        None,
    );
    let e = mixed_entry(
        |i| {
            let (_, r) = nonce(i);
            let rp = ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[usize::from(i % 7 + 1)];
            (rp.compress().to_bytes(), r)
        },
        |_, e| !lenient_equations(e).0,
    );
    add(
        "speccheck case 4: A and R of mixed order, valid by the cofactored equation only",
        &["Ktv"],
        e,
        None,
    );
    let e = mixed_entry(nonce, |k, e| {
        // The trap: [8S]B = [8]R + [8k mod ℓ]A fails although the cofactored equation holds.
        let r = CompressedEdwardsY(e.sig[..32].try_into().expect("32"))
            .decompress()
            .expect("R");
        let a = CompressedEdwardsY(e.identity).decompress().expect("A");
        let s = Scalar::from_canonical_bytes(e.sig[32..].try_into().expect("32")).expect("S");
        let eight = Scalar::from(8u8);
        let trap = ED25519_BASEPOINT_POINT * (s * eight) - r.mul_by_cofactor() - a * (k * eight);
        !lenient_equations(e).0 && !trap.is_identity()
    });
    add(
        "speccheck case 5: A of mixed order, R of prime order, cofactored only (the 8k mod ℓ trap)",
        &["Ktv"],
        e,
        None,
    );
    let (h6, _) = prime_entry(|| nonce(6));
    let s6 = add_ells(&h6.sig[32..], 1);
    assert!(s6[31] < 0x20, "S + ℓ stays below 2^253");
    let mut e = h6.clone();
    e.sig[32..].copy_from_slice(&s6);
    add(
        "speccheck case 6: S + ℓ below 2^253 (would verify if reduced)",
        &["Ktv"],
        e,
        Some(DiscoveryBadSignature),
    );
    let mut e = h6;
    let s7 = add_ells(&e.sig[32..], 2);
    assert!(s7[31] >= 0x20, "S + 2ℓ sets bit 253");
    e.sig[32..].copy_from_slice(&s7);
    add(
        "speccheck case 7: S + 2ℓ, bit 253 set (would verify if reduced)",
        &["Ktv"],
        e,
        Some(DiscoveryBadSignature),
    );
    let spec_r_nc = unhex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    let e = mixed_entry(|_| (spec_r_nc, Scalar::ZERO), |_, e| lenient_equations(e).0);
    add(
        "speccheck case 8: A of mixed order, R = y = p - 1 with the sign bit (case 8's R); \
         valid by the cofactorless equation if R were decoded leniently",
        &["Ktv"],
        e,
        Some(DiscoveryBadSignature),
    );
    let e = mixed_entry(
        |_| (spec_r_nc, Scalar::ZERO),
        |_, e| {
            let (plain, cofactored) = lenient_equations(e);
            !plain && cofactored
        },
    );
    add(
        "speccheck case 9: A of mixed order, R = y = p - 1 with the sign bit (case 9's R); \
         valid by the cofactored equation only if R were decoded leniently",
        &["Ktv"],
        e,
        Some(DiscoveryBadSignature),
    );
    let spec_r_p = unhex32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    let e = mixed_entry(|_| (spec_r_p, Scalar::ZERO), |_, e| lenient_equations(e).0);
    add(
        "speccheck case 12: A of mixed order, R = y = p (cases.json's R); valid by both \
         equations if R were decoded leniently",
        &["Ktv"],
        e,
        Some(DiscoveryBadSignature),
    );
    let e = mixed_entry(
        |_| (spec_r_p, Scalar::ZERO),
        |_, e| {
            let (plain, cofactored) = lenient_equations(e);
            !plain && cofactored
        },
    );
    add(
        "speccheck case 13: A of mixed order, R = y = p (cases.json's R); valid by the \
         cofactored equation only if R were decoded leniently",
        &["Ktv"],
        e,
        Some(DiscoveryBadSignature),
    );
    out
}

/// The roles as the union of the single roles they contain: equal to `roles` for valid roles.
fn roles_by_union(roles: Roles) -> Option<Roles> {
    [Roles::MIX, Roles::MAILBOX, Roles::NYMSERVER]
        .into_iter()
        .filter(|r| roles.contains(*r))
        .reduce(Roles::union)
}

fn summary(doc: &DiscoveryDocument) -> Value {
    json!(doc
        .entities()
        .iter()
        .map(|e| json!({
            "number": e.number(),
            "roles": e.roles().bits(),
            "identity": hex(e.identity().as_bytes()),
            "firstDay": e.first_day(),
            "keyCount": e.keys().len(),
        }))
        .collect::<Vec<_>>())
}

pub(super) fn discovery_file() -> (Value, Vec<Vec<u8>>) {
    let mut f = FileBuilder::new("mix", "mix-discovery", "spec/mix.md#discovery", HEADER);
    f.note(
        "Valid",
        "BASIC",
        "A document signed entry by entry with fixed Ed25519 seeds.",
    );
    f.note(
        "Boundary",
        "EDGE_CASE",
        "A field at the edge of its range: numbers 0, 254 and consecutive, 1 and 60 keys, 255 \
         entities, each role alone or all three.",
    );
    f.note(
        "Length",
        "MODIFIED_PARAMETER",
        "Truncated or with trailing bytes.",
    );
    f.note(
        "NonCanonical",
        "MODIFIED_PARAMETER",
        "Count 0, unsorted or duplicate numbers, number 0xFF, bad roles, key count 0 or > 60.",
    );
    f.note(
        "BadSignature",
        "AUTH_BYPASS",
        "A signed field or the signature changed.",
    );
    f.note(
        "BadKey",
        "MODIFIED_PARAMETER",
        "An identity that is not a valid Ed25519 point encoding.",
    );
    f.note(
        "Version",
        "MODIFIED_PARAMETER",
        "A document version other than 0x01.",
    );
    f.note(
        "CheckOrder",
        "MISSING_STEP",
        "Two checks of spec/mix.md §9.1 fail at once; the field read first decides.",
    );
    f.note(
        "Ed25519Edge",
        "SIGNATURE_MALLEABILITY",
        "An edge of the one Ed25519 rule (spec/ed25519.md §3) in an entry: small-order or \
         non-canonical identity (MIX_DISCOVERY_BAD_KEY), small-order R (allowed), non-canonical R, \
         S >= ℓ (MIX_DISCOVERY_BAD_SIGNATURE), mixed-order identity.",
    );
    f.note(
        "CofactoredOnly",
        "DEFINED",
        "Valid by the cofactored equation only (a torsion component in R or the identity); the \
         cofactorless equation (and ed25519-dalek's verify_strict) rejects it.",
    );
    f.note(
        "Ktv",
        "EDGE_CASE",
        "A published ed25519-speccheck case (spec/ed25519.md §5) carried into an entry: where the \
         verdict is decided by the case's A (cases 0, 1, 10, 11), the published A and signature \
         bytes are used; otherwise the entry has the case's A order class, R encoding (the \
         published R bytes for the non-canonical cases 8, 9, 12, 13) and S class, with a \
         signature made over the entry with a known key, so that an implementation deciding the \
         case differently gets a different verdict.",
    );
    f.note(
        "Pinned",
        "AUTH_BYPASS",
        "Identities a client pinned out of band: each pinned number must be present with that \
         identity (spec/mix.md §9.1), else MIX_DISCOVERY_BAD_SIGNATURE.",
    );
    f.group("mix-discovery", json!({"version": 1}));
    let mut corpus = Vec::new();
    for (c, flags, bytes, want) in discovery_cases().into_iter().chain(ed25519_cases()) {
        let got = DiscoveryDocument::decode(&bytes);
        assert_eq!(got.as_ref().err().copied(), want, "discovery case `{c}`");
        match got {
            Ok(doc) => f.valid(
                &c,
                &flags,
                json!({"document": hex(&bytes), "published": doc.published().to_string(), "entities": summary(&doc)}),
            ),
            Err(e) => f.invalid(&c, &flags, e.code(), json!({"document": hex(&bytes)})),
        };
        if bytes.len() < 20_000 {
            corpus.push(bytes);
        }
    }
    // Pinned identities (a client's out-of-band knowledge, checked after decoding).
    let t = today();
    let e3 = RawEntry::honest(3, 0x01, 4, t - 2, 2);
    let e4 = RawEntry::honest(4, 0x01, 5, t - 1, 2);
    let two = document(NOW, &[e3.clone(), e4.clone()]);
    let doc = DiscoveryDocument::decode(&two).expect("valid");
    let pin = |n: u8, e: &RawEntry| json!({"number": n, "identity": hex(e.identity)});
    for (c, pins, want) in [
        ("no pinned identity", vec![], None),
        ("entity 3 pinned with its identity", vec![pin(3, &e3)], None),
        ("both entities pinned", vec![pin(3, &e3), pin(4, &e4)], None),
        (
            "entity 3 pinned with entity 4's identity",
            vec![pin(3, &e4)],
            Some(MixError::DiscoveryBadSignature),
        ),
        (
            "entity 4 correct, entity 3 pinned with another identity",
            vec![pin(4, &e4), pin(3, &e4)],
            Some(MixError::DiscoveryBadSignature),
        ),
        (
            "a pinned entity missing from the document",
            vec![pin(9, &e3)],
            Some(MixError::DiscoveryBadSignature),
        ),
    ] {
        let pinned: Vec<(u8, VerifyingKey)> = pins
            .iter()
            .map(|p| {
                let id: [u8; 32] = ::hex::decode(p["identity"].as_str().expect("hex"))
                    .expect("hex")
                    .try_into()
                    .expect("32");
                (
                    p["number"].as_u64().expect("number") as u8,
                    VerifyingKey::from_bytes(&id).expect("key"),
                )
            })
            .collect();
        assert_eq!(doc.check_pinned(&pinned).err(), want, "pinned case `{c}`");
        let fields = json!({
            "document": hex(&two),
            "pinned": pins,
            "published": doc.published().to_string(),
            "entities": summary(&doc),
        });
        match want {
            None => f.valid(c, &["Pinned"], fields),
            Some(e) => f.invalid(c, &["Pinned"], e.code(), fields),
        };
    }
    (f.finish(), corpus)
}

// ---------------------------------------------------------------------------------------------
// mix-discovery-sign

/// One entry a publishing test asks for: (seed, number, roles, first day, keys).
type EntrySpec = ([u8; 32], u8, u8, u32, Vec<[u8; 32]>);

fn build_document(published: u64, specs: &[EntrySpec]) -> Result<DiscoveryDocument, MixError> {
    let mut entries = Vec::new();
    for (seed, number, roles, first_day, keys) in specs {
        let roles = Roles::from_bits(*roles).ok_or(MixError::DiscoveryNonCanonical)?;
        let sk = SigningKey::from_bytes(seed);
        entries.push(EntityEntry::new_signed(
            *number,
            roles,
            &sk,
            *first_day,
            keys.clone(),
        )?);
    }
    DiscoveryDocument::new(published, entries)
}

fn spec_json(s: &EntrySpec) -> Value {
    json!({
        "seed": hex(s.0),
        "number": s.1,
        "roles": s.2,
        "firstDay": s.3,
        "keys": s.4.iter().map(hex).collect::<Vec<_>>(),
    })
}

pub(super) fn discovery_sign_file() -> Value {
    let mut f = FileBuilder::new(
        "mix",
        "mix-discovery-sign",
        "spec/mix.md#discovery-publishing",
        HEADER,
    );
    f.note(
        "Valid",
        "BASIC",
        "Entries signed with RFC 8032 keys from fixed seeds, assembled into a document.",
    );
    f.note(
        "Boundary",
        "EDGE_CASE",
        "Number 254, 1 or 60 keys, all three roles.",
    );
    f.note(
        "Order",
        "FUNCTIONALITY",
        "Entries given out of order: the document lists them ascending by number.",
    );
    f.note(
        "NonCanonical",
        "MODIFIED_PARAMETER",
        "Number 0xFF, roles 0 or unknown bits, 0 or 61 keys, no entry, or a repeated number.",
    );
    f.group("mix-discovery-sign", json!({}));
    let t = today();
    let key = |n: u8, i: usize| MixSecret::from_bytes([n ^ (i as u8) ^ 0x33; 32]).public_key();
    let spec = |n: u8, roles: u8, k: usize| -> EntrySpec {
        (
            [n.wrapping_add(0x21); 32],
            n,
            roles,
            t - 29,
            (0..k).map(|i| key(n, i)).collect(),
        )
    };
    let cases: Vec<(&str, &[&str], Vec<EntrySpec>)> = vec![
        ("one mix with two keys", &["Valid"], vec![spec(1, 0x01, 2)]),
        (
            "three entities given in ascending order",
            &["Valid"],
            vec![spec(1, 0x01, 2), spec(2, 0x01, 1), spec(7, 0x03, 3)],
        ),
        (
            "three entities given out of order",
            &["Valid", "Order"],
            vec![spec(7, 0x03, 3), spec(1, 0x01, 2), spec(2, 0x05, 1)],
        ),
        (
            "number 254 with 60 keys and all three roles",
            &["Valid", "Boundary"],
            vec![spec(254, 0x07, 60)],
        ),
        (
            "number 0 with one key",
            &["Valid", "Boundary"],
            vec![spec(0, 0x02, 1)],
        ),
        (
            "number 0xFF",
            &["NonCanonical"],
            vec![spec(1, 0x01, 1), spec(0xFF, 0x01, 1)],
        ),
        ("roles 0", &["NonCanonical"], vec![spec(3, 0x00, 1)]),
        (
            "roles with bit 3",
            &["NonCanonical"],
            vec![spec(3, 0x09, 1)],
        ),
        ("no keys", &["NonCanonical"], vec![spec(3, 0x01, 0)]),
        ("61 keys", &["NonCanonical"], vec![spec(3, 0x01, 61)]),
        ("no entry", &["NonCanonical"], vec![]),
        (
            "number 7 twice",
            &["NonCanonical"],
            vec![spec(7, 0x01, 1), spec(2, 0x01, 1), spec(7, 0x02, 2)],
        ),
    ];
    for (comment, flags, specs) in cases {
        let published = NOW + 17;
        let fields = json!({
            "published": published.to_string(),
            "entries": specs.iter().map(spec_json).collect::<Vec<_>>(),
        });
        match build_document(published, &specs) {
            Ok(doc) => {
                let bytes = doc.encode();
                assert!(
                    DiscoveryDocument::decode(&bytes).is_ok(),
                    "`{comment}` decodes"
                );
                let mut fields = fields;
                fields["document"] = json!(hex(bytes));
                f.valid(comment, flags, fields)
            }
            Err(e) => f.invalid(comment, flags, e.code(), fields),
        };
    }
    f.finish()
}

pub(super) fn check_discovery_sign(_: &Group, t: &Test) -> Result<Verdict, String> {
    let published = u64_str_field(t, "published")?;
    let specs: Vec<EntrySpec> = field(t, "entries")?
        .as_array()
        .ok_or("`entries` is not a list")?
        .iter()
        .map(|e| {
            let o = e.as_object().ok_or("entry is not an object")?;
            let keys = field(o, "keys")?
                .as_array()
                .ok_or("`keys` is not a list")?
                .iter()
                .map(|k| {
                    let v = ::hex::decode(k.as_str().ok_or("key is not hex")?)
                        .map_err(|_| "key is not hex".to_string())?;
                    <[u8; 32]>::try_from(v).map_err(|_| "key is not 32 bytes".to_string())
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok((
                crate::vector::hex_array(o, "seed")?,
                u8::try_from(u32_field(o, "number")?).map_err(|_| "number > 255")?,
                u8::try_from(u32_field(o, "roles")?).map_err(|_| "roles > 255")?,
                u32_field(o, "firstDay")?,
                keys,
            ))
        })
        .collect::<Result<_, String>>()?;
    match build_document(published, &specs) {
        Ok(doc) => {
            expect_hex(t, "document", doc.encode())?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

/// The `pinned` input: `(number, identity)` pairs a client knows out of band.
fn pinned(t: &Test) -> Result<Option<Vec<(u8, VerifyingKey)>>, String> {
    let Some(list) = t.get("pinned") else {
        return Ok(None);
    };
    let list = list.as_array().ok_or("`pinned` is not a list")?;
    list.iter()
        .map(|p| {
            let o = p.as_object().ok_or("pinned entry is not an object")?;
            let n = u8::try_from(u32_field(o, "number")?).map_err(|_| "number > 255")?;
            let id: [u8; 32] = crate::vector::hex_array(o, "identity")?;
            let vk = VerifyingKey::from_bytes(&id).map_err(|_| "pinned identity is not a key")?;
            Ok((n, vk))
        })
        .collect::<Result<Vec<_>, String>>()
        .map(Some)
}

pub(super) fn check_discovery(_: &Group, t: &Test) -> Result<Verdict, String> {
    let b = hex_field(t, "document")?;
    let pins = pinned(t)?;
    match DiscoveryDocument::decode(&b) {
        Ok(doc) => {
            if doc.encode() != b {
                return Err("re-encoding differs".into());
            }
            if doc
                .entities()
                .iter()
                .any(|e| roles_by_union(e.roles()) != Some(e.roles()))
            {
                return Err("roles are not the union of the roles they contain".into());
            }
            expect_value(t, "published", json!(doc.published().to_string()))?;
            expect_value(t, "entities", summary(&doc))?;
            if let Some(pins) = pins {
                if let Err(e) = doc.check_pinned(&pins) {
                    return Ok(Verdict::Invalid(e.code()));
                }
            }
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

// ---------------------------------------------------------------------------------------------
// mix-route

/// The route group's document: entities whose key windows sit at the edges of eligibility.
fn route_document() -> Vec<u8> {
    let t = today();
    let e = |n: u8, roles: u8, first: u32, last: u32| {
        RawEntry::honest(n, roles, 0x40 ^ n, first, (last - first + 1) as usize)
    };
    document(
        NOW,
        &[
            e(1, 0x01, t - 31, t + 2),
            e(2, 0x01, t - 29, t - 29),
            e(3, 0x01, t - 30, t - 30),
            e(4, 0x03, t + 1, t + 3),
            e(5, 0x01, t - 10, t),
            e(6, 0x02, t - 5, t),
            e(7, 0x05, t - 29, t),
            e(8, 0x01, t - 2, t),
            e(9, 0x02, t - 40, t - 30),
        ],
    )
}

fn route_outputs(
    doc: &DiscoveryDocument,
    g: Geometry,
    final_entity: u8,
    now: u64,
    valid_until: u64,
    words: &[u64],
) -> Result<Result<(Value, Value, Value, usize), MixError>, String> {
    let c = match route_candidates(doc, final_entity, g, now, valid_until) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let mixes = json!(c
        .mixes
        .iter()
        .map(|m| json!({"entity": m.entity, "days": m.days}))
        .collect::<Vec<_>>());
    let mut rng = ScriptedRng::new(words.to_vec());
    let route = match select_route(doc, final_entity, g, now, valid_until, &mut rng) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    if rng.exhausted {
        return Err("`rngWords` ran out".into());
    }
    let route = json!(route
        .iter()
        .map(|h| json!({"entity": h.entity, "keySelect": h.key_select, "publicKey": hex(h.public_key)}))
        .collect::<Vec<_>>());
    Ok(Ok((json!(c.final_hop.days), mixes, route, rng.used)))
}

pub(super) fn route_file() -> Value {
    let mut f = FileBuilder::new("mix", "mix-route", "spec/mix.md#route", HEADER);
    f.note(
        "Eligible",
        "BASIC",
        "Candidates and a route drawn from given random words.",
    );
    f.note(
        "Window",
        "EDGE_CASE",
        "validUntil or now at the edge of a key's life: the oldest live key, the last day a SURB \
         may outlive.",
    );
    f.note(
        "Unavailable",
        "MODIFIED_PARAMETER",
        "No such final entity, no mailbox or nymserver role, no eligible key, or too few mixes.",
    );
    f.note(
        "Rejection",
        "EDGE_CASE",
        "A random word at or above the rejection bound: it is skipped and the next word drawn.",
    );
    let doc_bytes = route_document();
    let doc = DiscoveryDocument::decode(&doc_bytes).expect("valid document");
    let t = today();
    type RouteCase = (
        &'static str,
        &'static [&'static str],
        u8,
        u64,
        u64,
        Vec<u64>,
    );
    let m = u64::from(u32::MAX);
    let groups: Vec<(u8, Vec<RouteCase>)> = vec![
        (
            4,
            vec![
                (
                    "to the mailbox server, first candidates",
                    &["Eligible"],
                    6,
                    NOW,
                    NOW,
                    vec![0; 4],
                ),
                (
                    "to the mailbox server, other draws",
                    &["Eligible"],
                    6,
                    NOW,
                    NOW,
                    vec![4, 2, 3, 7, 1, 0, 5],
                ),
                (
                    "to the nymserver (also a mix, so not a mix candidate)",
                    &["Eligible"],
                    7,
                    NOW,
                    NOW,
                    vec![3, 1, 2, 2, 0, 1, 29],
                ),
                (
                    "a SURB valid for 10 more days: keys at least 19 days old are not eligible",
                    &["Window"],
                    6,
                    NOW,
                    NOW + 10 * 86_400,
                    vec![1, 0, 1, 0, 1, 0, 0],
                ),
                (
                    "valid until the last second of day today + 29: only today's keys",
                    &["Window"],
                    6,
                    NOW,
                    start_of(t + 30) - 1,
                    vec![0, 0, 0, 0, 0, 0, 0],
                ),
                (
                    "valid until the first second of day today + 30: no key lives that long",
                    &["Window", "Unavailable"],
                    6,
                    NOW,
                    start_of(t + 30),
                    vec![],
                ),
                (
                    "at the first second of today",
                    &["Window"],
                    6,
                    start_of(t),
                    start_of(t),
                    vec![2, 0, 2, 0, 2, 0, 0],
                ),
                (
                    "at the last second of today",
                    &["Window"],
                    6,
                    start_of(t + 1) - 1,
                    start_of(t + 1) - 1,
                    vec![2, 1, 2, 1, 2, 1, 1],
                ),
                (
                    "validUntil before now counts as now",
                    &["Window"],
                    6,
                    NOW,
                    NOW - 40 * 86_400,
                    vec![0; 7],
                ),
                (
                    "a word at the rejection bound for 5 candidates is skipped",
                    &["Rejection"],
                    6,
                    NOW,
                    NOW,
                    vec![m, 3, m, 1, 2, 0, 0],
                ),
                (
                    "the largest accepted word for 5 candidates",
                    &["Rejection"],
                    6,
                    NOW,
                    NOW,
                    vec![m - 1, m - 1, m - 1, 0, m - 1, 0, 0],
                ),
                (
                    "final entity absent",
                    &["Unavailable"],
                    200,
                    NOW,
                    NOW,
                    vec![],
                ),
                (
                    "final entity without a mailbox or nymserver role",
                    &["Unavailable"],
                    3,
                    NOW,
                    NOW,
                    vec![],
                ),
                (
                    "final entity with only future keys",
                    &["Unavailable"],
                    4,
                    NOW,
                    NOW,
                    vec![],
                ),
                (
                    "final entity with only expired keys",
                    &["Unavailable"],
                    9,
                    NOW,
                    NOW,
                    vec![],
                ),
            ],
        ),
        (
            1,
            vec![(
                "one hop: only the final entity",
                &["Eligible"],
                6,
                NOW,
                NOW,
                vec![3],
            )],
        ),
        (
            6,
            vec![(
                "five mixes needed, exactly five eligible",
                &["Eligible", "Window"],
                6,
                NOW,
                NOW,
                vec![0; 11],
            )],
        ),
        (
            7,
            vec![(
                "six mixes needed, five eligible",
                &["Unavailable"],
                6,
                NOW,
                NOW,
                vec![],
            )],
        ),
    ];
    for (hops, cases) in groups {
        let g = Geometry::new(hops).expect("hops");
        f.group(
            "mix-route",
            json!({"hops": hops, "document": hex(&doc_bytes)}),
        );
        for (comment, flags, fin, now, vu, mut words) in cases {
            // Words the case leaves out are zeros (accepted by every bound).
            while route_outputs(&doc, g, fin, now, vu, &words).is_err() {
                words.push(0);
            }
            let fields = json!({
                "finalEntity": fin,
                "now": now.to_string(),
                "validUntil": vu.to_string(),
                "rngWords": words,
            });
            match route_outputs(&doc, g, fin, now, vu, &words).expect("enough words") {
                Ok((final_days, mixes, route, used)) => {
                    let mut fields = fields;
                    fields["finalDays"] = final_days;
                    fields["mixes"] = mixes;
                    fields["route"] = route;
                    fields["rngWordsUsed"] = json!(used);
                    f.valid(comment, flags, fields)
                }
                Err(e) => f.invalid(comment, flags, e.code(), fields),
            };
        }
    }
    f.finish()
}

pub(super) fn check_route(group: &Group, t: &Test) -> Result<Verdict, String> {
    let g = geometry(group)?;
    let doc = DiscoveryDocument::decode(&hex_field(group, "document")?)
        .map_err(|e| format!("group document: {}", e.code()))?;
    let fin = u8::try_from(u32_field(t, "finalEntity")?).map_err(|_| "finalEntity > 255")?;
    let words: Vec<u64> = field(t, "rngWords")?
        .as_array()
        .ok_or("`rngWords` is not a list")?
        .iter()
        .map(|w| {
            w.as_u64()
                .filter(|w| *w <= u64::from(u32::MAX))
                .ok_or_else(|| "`rngWords` entry is not a u32".to_string())
        })
        .collect::<Result<_, String>>()?;
    let now = u64_str_field(t, "now")?;
    let vu = u64_str_field(t, "validUntil")?;
    match route_outputs(&doc, g, fin, now, vu, &words)? {
        Ok((final_days, mixes, route, used)) => {
            expect_value(t, "finalDays", final_days)?;
            expect_value(t, "mixes", mixes)?;
            expect_value(t, "route", route)?;
            expect_value(t, "rngWordsUsed", json!(used))?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}
