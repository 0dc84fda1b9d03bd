//! Ed25519 signatures with chosen edges (`spec/ed25519.md §5`), carried into the event message
//! formats: the generator signs with explicit scalars and nonce points so that it can produce
//! keys and signatures an honest signer never makes (small-order and mixed-order keys and `R`,
//! non-canonical encodings, `S ≥ ℓ`, signatures that only the cofactored equation accepts).

use curve25519_dalek::constants::EIGHT_TORSION;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use sha2::{Digest, Sha512};

/// A signing key given by its scalar: honest (`A = a·B`, as RFC 8032 derives it from a seed) or
/// mixed order (`A = a·B + T` for a torsion point `T`).
#[derive(Clone)]
pub struct EdKey {
    a: Scalar,
    prefix: [u8; 32],
    /// The 32-byte public key as sent.
    pub public: [u8; 32],
}

fn hash_scalar(parts: &[&[u8]]) -> Scalar {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&h.finalize());
    Scalar::from_bytes_mod_order_wide(&wide)
}

/// `ℓ`, little-endian.
pub const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// 32-byte little-endian addition (no overflow past 2^256 for the values used here).
pub fn add_le(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    out
}

impl EdKey {
    /// The RFC 8032 key of `seed` (the same key as `IdentityKey::from_seed`).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let h = Sha512::digest(seed);
        let mut lower = [0u8; 32];
        lower.copy_from_slice(&h[..32]);
        lower[0] &= 248;
        lower[31] &= 127;
        lower[31] |= 64;
        let mut prefix = [0u8; 32];
        prefix.copy_from_slice(&h[32..]);
        let a = Scalar::from_bytes_mod_order(lower);
        EdKey {
            a,
            prefix,
            public: EdwardsPoint::mul_base(&a).compress().to_bytes(),
        }
    }

    /// The key of `seed` plus the torsion point `EIGHT_TORSION[t]`: mixed order for `t != 0`.
    pub fn mixed(seed: [u8; 32], t: usize) -> Self {
        let mut k = Self::from_seed(seed);
        k.public = (EdwardsPoint::mul_base(&k.a) + EIGHT_TORSION[t])
            .compress()
            .to_bytes();
        k
    }

    fn k(&self, r: &[u8; 32], msg: &[u8]) -> Scalar {
        hash_scalar(&[r, &self.public, msg])
    }

    /// The deterministic RFC 8032 signature (for an honest key, byte for byte what
    /// ed25519-dalek produces).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let r = hash_scalar(&[&self.prefix, msg]);
        self.sign_with(msg, r, 0)
    }

    /// A signature with nonce point `R = r·B + EIGHT_TORSION[t]` and `S = r + k·a`: valid under
    /// the cofactored equation for every `t`, under the cofactorless one only for `t = 0` (and
    /// honest `A`).
    pub fn sign_with(&self, msg: &[u8], r: Scalar, t: usize) -> [u8; 64] {
        let big_r = (EdwardsPoint::mul_base(&r) + EIGHT_TORSION[t])
            .compress()
            .to_bytes();
        let s = r + self.k(&big_r, msg) * self.a;
        join(&big_r, &s.to_bytes())
    }

    /// A signature whose `R` is the small-order point `EIGHT_TORSION[t]` and `S = k·a`: valid under
    /// the cofactored equation (`[8](S·B − k·A − R) = [8](−k·T_A − R) = 0`).
    pub fn sign_small_r(&self, msg: &[u8], t: usize) -> [u8; 64] {
        let big_r = EIGHT_TORSION[t].compress().to_bytes();
        let s = self.k(&big_r, msg) * self.a;
        join(&big_r, &s.to_bytes())
    }

    /// A signature with a mixed-order `R` that passes the cofactorless equation as well: for a
    /// mixed key `A = a·B + T_A`, `R = r·B − k·T_A` (found by trying the eight torsion points
    /// until the one chosen equals `−k·T_A` for the resulting `k`).
    pub fn sign_both_equations(&self, msg: &[u8], torsion_of_a: usize) -> [u8; 64] {
        let mut seed = *b"passes both equations: nonce 000";
        for attempt in 0u8..=255 {
            seed[31] = attempt;
            let r = hash_scalar(&[&self.prefix, &seed, msg]);
            for (t, torsion) in EIGHT_TORSION.iter().enumerate().skip(1) {
                let sig = self.sign_with(msg, r, t);
                let mut big_r = [0u8; 32];
                big_r.copy_from_slice(&sig[..32]);
                let k = self.k(&big_r, msg);
                if (torsion + k * EIGHT_TORSION[torsion_of_a]).is_identity() {
                    return sig;
                }
            }
        }
        panic!("no nonce found")
    }

    /// A signature whose `R` is a prime-order point and that passes only the cofactored equation
    /// (the mixed key's torsion survives: `k·T_A ≠ 0`).
    pub fn sign_cofactored_only(&self, msg: &[u8], torsion_of_a: usize) -> [u8; 64] {
        let mut seed = *b"cofactored equation only: try 00";
        for attempt in 0u8..=255 {
            seed[31] = attempt;
            let r = hash_scalar(&[&self.prefix, &seed, msg]);
            let sig = self.sign_with(msg, r, 0);
            let mut big_r = [0u8; 32];
            big_r.copy_from_slice(&sig[..32]);
            if !(self.k(&big_r, msg) * EIGHT_TORSION[torsion_of_a]).is_identity() {
                return sig;
            }
        }
        panic!("no nonce found")
    }
}

/// `R || S`.
pub fn join(r: &[u8; 32], s: &[u8; 32]) -> [u8; 64] {
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(r);
    sig[32..].copy_from_slice(s);
    sig
}

/// Hex to 32 bytes (for the published constants below).
pub fn h32(hex: &str) -> [u8; 32] {
    let v = ::hex::decode(hex).expect("hex");
    v.try_into().expect("32 bytes")
}

/// Hex to 64 bytes.
pub fn h64(hex: &str) -> [u8; 64] {
    let v = ::hex::decode(hex).expect("hex");
    v.try_into().expect("64 bytes")
}

/// The canonical encodings of the eight points of small order (`spec/ed25519.md §5`).
pub fn small_order_points() -> Vec<[u8; 32]> {
    EIGHT_TORSION
        .iter()
        .map(|p| p.compress().to_bytes())
        .collect()
}

/// What the rule of `spec/ed25519.md` decides for a (key, signature) pair, in the protocol's
/// terms: `Key` is check 1 (`EVENT_BAD_KEY`), `Sig` checks 2-4 (the operation's signature code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted.
    Valid,
    /// Check 1 fails.
    Key,
    /// One of checks 2-4 fails.
    Sig,
}

/// How an edge case builds its key and signature for a message `m` from an honest key `k`.
pub enum Make {
    /// A fixed public key (not the honest one) and a fixed signature: decided before the equation.
    Fixed([u8; 32], [u8; 64]),
    /// The honest key's bytes, a fixed signature.
    FixedSig([u8; 64]),
    /// The honest key, its signature with `S` replaced (little-endian bytes).
    HonestR([u8; 32]),
    /// The honest key, its signature with `S + ℓ`.
    SPlusEll,
    /// The honest key, small-order `R = EIGHT_TORSION[t]`, `S = k·a`.
    SmallR(usize),
    /// The honest key, `R = r·B + EIGHT_TORSION[t]`.
    TorsionR(usize),
    /// The key plus `EIGHT_TORSION[t]` (mixed order), its deterministic signature.
    MixedKey(usize),
    /// Mixed key, small-order `R`.
    MixedKeySmallR(usize, usize),
    /// Mixed key, mixed `R` that passes both equations.
    MixedBoth(usize),
    /// Mixed key, mixed `R`, cofactored equation only.
    MixedTorsionR(usize, usize),
    /// Mixed key, prime-order `R`, cofactored equation only.
    MixedCofactoredOnly(usize),
}

/// One edge case.
pub struct Case {
    /// Test comment.
    pub comment: String,
    /// Whether it is a published `ed25519-speccheck` case.
    pub ktv: bool,
    /// How to build it.
    pub make: Make,
    /// The verdict under the rule.
    pub verdict: Verdict,
}

impl Case {
    /// The (public key, signature) of this case for message `m` and honest key seed `seed`.
    pub fn build(&self, seed: [u8; 32], m: &[u8]) -> ([u8; 32], [u8; 64]) {
        let honest = EdKey::from_seed(seed);
        match &self.make {
            Make::Fixed(a, sig) => (*a, *sig),
            Make::FixedSig(sig) => (honest.public, *sig),
            Make::HonestR(s) => {
                let sig = honest.sign(m);
                let mut r = [0u8; 32];
                r.copy_from_slice(&sig[..32]);
                (honest.public, join(&r, s))
            }
            Make::SPlusEll => {
                let sig = honest.sign(m);
                let mut r = [0u8; 32];
                let mut s = [0u8; 32];
                r.copy_from_slice(&sig[..32]);
                s.copy_from_slice(&sig[32..]);
                (honest.public, join(&r, &add_le(&s, &ELL)))
            }
            Make::SmallR(t) => (honest.public, honest.sign_small_r(m, *t)),
            Make::TorsionR(t) => {
                let r = hash_scalar(&[b"torsion R", m]);
                (honest.public, honest.sign_with(m, r, *t))
            }
            Make::MixedKey(t) => {
                let k = EdKey::mixed(seed, *t);
                (k.public, k.sign(m))
            }
            Make::MixedKeySmallR(t, u) => {
                let k = EdKey::mixed(seed, *t);
                (k.public, k.sign_small_r(m, *u))
            }
            Make::MixedBoth(t) => {
                let k = EdKey::mixed(seed, *t);
                (k.public, k.sign_both_equations(m, *t))
            }
            Make::MixedTorsionR(t, u) => {
                let k = EdKey::mixed(seed, *t);
                let r = hash_scalar(&[b"mixed torsion R", m]);
                (k.public, k.sign_with(m, r, *u))
            }
            Make::MixedCofactoredOnly(t) => {
                let k = EdKey::mixed(seed, *t);
                (k.public, k.sign_cofactored_only(m, *t))
            }
        }
    }

    /// The public key of this case (it does not depend on the message).
    pub fn public(&self, seed: [u8; 32]) -> [u8; 32] {
        let (a, _) = self.build(seed, b"");
        a
    }
}

fn case(comment: &str, ktv: bool, make: Make, verdict: Verdict) -> Case {
    Case {
        comment: comment.to_string(),
        ktv,
        make,
        verdict,
    }
}

/// Non-canonical point encodings (`spec/ed25519.md §2`): `y ≥ p`, and the sign bit set on `x = 0`.
pub fn non_canonical_points() -> Vec<(&'static str, [u8; 32])> {
    vec![
        (
            "y = p (non-canonical 0)",
            h32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ),
        (
            "y = p + 1 (non-canonical identity)",
            h32("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ),
        (
            "y = 1 with the sign bit set",
            h32("0100000000000000000000000000000000000000000000000000000000000080"),
        ),
        (
            "y = p - 1 with the sign bit set",
            h32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
        ),
        (
            "y = 2^255 - 1 (p + 18)",
            h32("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ),
    ]
}

/// The edges of the rule, then the published `ed25519-speccheck` cases with the properties
/// that carry over into another message (`spec/ed25519.md §5`). `key_edges`: whether the
/// protocol lets the sender choose its public key (else only `R`/`S` edges apply).
pub fn cases(key_edges: bool) -> Vec<Case> {
    let mut v = Vec::new();
    if key_edges {
        for (i, a) in small_order_points().into_iter().enumerate() {
            v.push(case(
                &format!("public key is small-order point {i}"),
                false,
                Make::Fixed(a, join(&small_order_points()[0], &[0; 32])),
                Verdict::Key,
            ));
        }
        for (what, a) in non_canonical_points() {
            v.push(case(
                &format!("public key non-canonical: {what}"),
                false,
                Make::Fixed(a, join(&small_order_points()[0], &[0; 32])),
                Verdict::Key,
            ));
        }
        for t in [1, 2, 4] {
            v.push(case(
                &format!(
                    "mixed-order public key (plus torsion point {t}): cofactored equation accepts"
                ),
                false,
                Make::MixedKey(t),
                Verdict::Valid,
            ));
        }
    }
    for t in 0..8 {
        v.push(case(
            &format!("R is small-order point {t}, S = k·a: accepted (small-order R is allowed)"),
            false,
            Make::SmallR(t),
            Verdict::Valid,
        ));
    }
    v.push(case(
        "R = r·B + torsion: only the cofactored equation accepts",
        false,
        Make::TorsionR(3),
        Verdict::Valid,
    ));
    for (what, r) in non_canonical_points() {
        v.push(case(
            &format!("R non-canonical: {what}"),
            false,
            Make::FixedSig(join(&r, &[0; 32])),
            Verdict::Sig,
        ));
    }
    v.push(case("S = ℓ", false, Make::HonestR(ELL), Verdict::Sig));
    let mut ell_minus_one = ELL;
    ell_minus_one[0] -= 1;
    v.push(case(
        "S = ℓ - 1 (canonical, fails the equation)",
        false,
        Make::HonestR(ell_minus_one),
        Verdict::Sig,
    ));
    v.push(case(
        "S + ℓ of the honest signature (accepted by verifiers that reduce S)",
        false,
        Make::SPlusEll,
        Verdict::Sig,
    ));
    v.push(case(
        "S = 2^256 - 1",
        false,
        Make::HonestR([0xff; 32]),
        Verdict::Sig,
    ));
    // ed25519-speccheck (cases.txt 0-11, cases.json's replaced 8 and 9 as 12 and 13).
    let small_a = h32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa");
    let mixed_a = h32("f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43");
    let prime_a = h32("442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623");
    let noncanon_a = h32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    if key_edges {
        v.push(case("speccheck case 0: small-order A and R, S = 0 (its A, R, S)", true,
            Make::Fixed(small_a, h64("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000")), Verdict::Key));
        v.push(case("speccheck case 1: small-order A, mixed-order R (its A, R, S)", true,
            Make::Fixed(small_a, h64("f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04")), Verdict::Key));
        v.push(case(
            "speccheck case 2: mixed-order A, small-order R (the class: own mixed key, small R)",
            true,
            Make::MixedKeySmallR(1, 6),
            Verdict::Valid,
        ));
        v.push(case(
            "speccheck case 3: mixed-order A and R, both equations accept (the class)",
            true,
            Make::MixedBoth(1),
            Verdict::Valid,
        ));
        v.push(case(
            "speccheck case 4: mixed-order A and R, cofactored equation only (the class)",
            true,
            Make::MixedTorsionR(1, 2),
            Verdict::Valid,
        ));
        v.push(case(
            "speccheck case 5: mixed-order A, prime-order R, cofactored equation only (the class)",
            true,
            Make::MixedCofactoredOnly(1),
            Verdict::Valid,
        ));
        v.push(case("speccheck case 6: S ≥ ℓ that would pass if reduced (its A, R, S)", true,
            Make::Fixed(prime_a, h64("e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514")), Verdict::Sig));
        v.push(case("speccheck case 7: S ≫ ℓ (its A, R, S)", true,
            Make::Fixed(prime_a, h64("8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22")), Verdict::Sig));
        v.push(case("speccheck case 8: non-canonical small-order R (y = p - 1, sign set) (its A, R, S)", true,
            Make::Fixed(mixed_a, h64("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f")), Verdict::Sig));
        v.push(case("speccheck case 9: non-canonical small-order R (y = p - 1, sign set) (its A, R, S)", true,
            Make::Fixed(mixed_a, h64("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908")), Verdict::Sig));
        v.push(case("speccheck case 10: non-canonical small-order A (y = p - 1, sign set) (its A, R, S)", true,
            Make::Fixed(noncanon_a, h64("a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04")), Verdict::Key));
        v.push(case("speccheck case 11: non-canonical small-order A (y = p - 1, sign set) (its A, R, S)", true,
            Make::Fixed(noncanon_a, h64("a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04")), Verdict::Key));
        v.push(case("speccheck case 12 (cases.json): R with y = p (its A, R, S)", true,
            Make::Fixed(mixed_a, h64("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f454d370c8d9fc323a41450f8d513eafeb5b0697390c1e505a0d4ddc71f566607")), Verdict::Sig));
        v.push(case("speccheck case 13 (cases.json): R with y = p (its A, R, S)", true,
            Make::Fixed(mixed_a, h64("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f084d5b99c2a9463d9c8bd5026916996984eeec87ddf1d3be329006ace1b37b09")), Verdict::Sig));
    } else {
        // The signer's key is fixed by the protocol: carry the cases' R/S classes only.
        v.push(case(
            "speccheck case 2 (class, on the fixed key): small-order R",
            true,
            Make::SmallR(6),
            Verdict::Valid,
        ));
        v.push(case(
            "speccheck case 4 (class, on the fixed key): mixed-order R, cofactored equation only",
            true,
            Make::TorsionR(2),
            Verdict::Valid,
        ));
        v.push(case(
            "speccheck case 6 (class, on the fixed key): S + ℓ",
            true,
            Make::SPlusEll,
            Verdict::Sig,
        ));
        v.push(case(
            "speccheck case 7 (class, on the fixed key): S ≫ ℓ",
            true,
            Make::HonestR(h32(
                "7e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
            )),
            Verdict::Sig,
        ));
        v.push(case(
            "speccheck cases 8, 9 (class, on the fixed key): R non-canonical (y = p - 1, sign set)",
            true,
            Make::FixedSig(join(&noncanon_a, &[0; 32])),
            Verdict::Sig,
        ));
        v.push(case("speccheck cases 12, 13 (class, on the fixed key): R with y = p", true,
            Make::FixedSig(h64("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f454d370c8d9fc323a41450f8d513eafeb5b0697390c1e505a0d4ddc71f566607")), Verdict::Sig));
    }
    v
}

/// Checks a verdict with the project's rule itself (the generator asserts its intent).
pub fn rule(public: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> Verdict {
    use contact_tracing::ed25519::{verify, Ed25519Error};
    match verify(public, &[msg], sig) {
        Ok(()) => Verdict::Valid,
        Err(Ed25519Error::KeyNonCanonical | Ed25519Error::KeySmallOrder) => Verdict::Key,
        Err(_) => Verdict::Sig,
    }
}

/// Decodes a point leniently (to show that a non-canonical encoding decodes somewhere).
#[allow(dead_code)]
pub fn lenient(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
    CompressedEdwardsY(*bytes).decompress()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honest_signing_matches_the_library_and_every_case_has_its_verdict() {
        let seed = [7u8; 32];
        let k = EdKey::from_seed(seed);
        let lib = contact_tracing::event::IdentityKey::from_seed(
            &contact_tracing::event::SecretSeed::from_bytes(seed),
        );
        assert_eq!(k.public, lib.public());
        let label = contact_tracing::labels::event::REPORT_ACK;
        let m = [label.bytes, b"message"].concat();
        assert_eq!(k.sign(&m), lib.sign(label, &[b"message"]));
        for keys in [true, false] {
            for c in cases(keys) {
                let (a, sig) = c.build(seed, &m);
                assert_eq!(rule(&a, &m, &sig), c.verdict, "{}", c.comment);
            }
        }
    }
}
