//! The project's one Ed25519 verification rule (`spec/ed25519.md`), shared by every protocol that
//! verifies a signature: TCN reports, encounter attestations, mix discovery entries, nym tokens and
//! approvals, event messages.
//!
//! Signing is standard RFC 8032 Ed25519 (ed25519-dalek). Verification is implemented here, on
//! curve25519-dalek, because RFC 8032 leaves the edges open (which encodings are refused, whether
//! small-order keys are, which equation) and every implementation must decide them the same way:
//!
//! 1. `A` must be the canonical encoding of a point (§2), and not of small order;
//! 2. `R` must be the canonical encoding of a point (small order is allowed);
//! 3. `S` must be canonical (`S < ℓ`);
//! 4. `[8](S·B − k·A − R) = 0` with `k = SHA-512(R || A || M) mod ℓ` (the cofactored equation).
//!
//! The cofactored equation is the one a random-linear-combination batch check decides exactly, so
//! a verifier's answer never depends on how many signatures it checks at once (`spec/tcn.md §5.3`).

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use sha2::{Digest, Sha512};

/// Why a signature or a public key was refused, in the order of the checks (`spec/ed25519.md §3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ed25519Error {
    /// Check 1: `A` is not the canonical encoding of a curve point.
    KeyNonCanonical,
    /// Check 1: `A` has small order (`[8]A = 0`).
    KeySmallOrder,
    /// Check 2: `R` is not the canonical encoding of a curve point.
    RNonCanonical,
    /// Check 3: `S ≥ ℓ`.
    SNonCanonical,
    /// Check 4: the cofactored equation does not hold.
    Mismatch,
}

impl Ed25519Error {
    /// Every error, in the order of the checks.
    pub const ALL: [Ed25519Error; 5] = [
        Ed25519Error::KeyNonCanonical,
        Ed25519Error::KeySmallOrder,
        Ed25519Error::RNonCanonical,
        Ed25519Error::SNonCanonical,
        Ed25519Error::Mismatch,
    ];
}

impl crate::error::ErrorCode for Ed25519Error {
    fn code(&self) -> &'static str {
        match self {
            Ed25519Error::KeyNonCanonical => "ED25519_KEY_NONCANONICAL",
            Ed25519Error::KeySmallOrder => "ED25519_KEY_SMALL_ORDER",
            Ed25519Error::RNonCanonical => "ED25519_R_NONCANONICAL",
            Ed25519Error::SNonCanonical => "ED25519_S_NONCANONICAL",
            Ed25519Error::Mismatch => "ED25519_MISMATCH",
        }
    }
}

impl core::fmt::Display for Ed25519Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(crate::error::ErrorCode::code(self))
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Ed25519Error {}

/// A public key that passed check 1: canonical and not of small order. Decoding once lets a
/// verifier that checks many signatures under one key skip the decompression.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    bytes: [u8; 32],
    point: EdwardsPoint,
}

impl PublicKey {
    /// Check 1 of `spec/ed25519.md §3`.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, Ed25519Error> {
        let point = decompress_canonical(bytes).ok_or(Ed25519Error::KeyNonCanonical)?;
        if point.is_small_order() {
            return Err(Ed25519Error::KeySmallOrder);
        }
        Ok(PublicKey {
            bytes: *bytes,
            point,
        })
    }

    /// The 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Checks 2–4 for `signature` over the concatenation of `message`'s parts.
    pub fn verify(&self, message: &[&[u8]], signature: &[u8; 64]) -> Result<(), Ed25519Error> {
        self.prepare(message, signature)?.verify_single()
    }

    /// Checks 2 and 3 and the challenge `k`: what a batch verifier needs before the equation.
    pub(crate) fn prepare(
        &self,
        message: &[&[u8]],
        signature: &[u8; 64],
    ) -> Result<Prepared, Ed25519Error> {
        let (r_bytes, s_bytes) = split_signature(signature);
        let r = decompress_canonical(&r_bytes).ok_or(Ed25519Error::RNonCanonical)?;
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))
            .ok_or(Ed25519Error::SNonCanonical)?;
        let mut hash = Sha512::new().chain_update(r_bytes).chain_update(self.bytes);
        for part in message {
            hash.update(part);
        }
        let mut wide = [0u8; 64];
        wide.copy_from_slice(&hash.finalize());
        let k = Scalar::from_bytes_mod_order_wide(&wide);
        Ok(Prepared {
            a: self.point,
            r,
            s,
            k,
            signature: *signature,
            public: self.bytes,
        })
    }
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PublicKey({:02x?})", self.bytes)
    }
}

/// Verifies `signature` by `public` over the concatenation of `message`'s parts: checks 1–4 of
/// `spec/ed25519.md §3`, in that order.
pub fn verify(
    public: &[u8; 32],
    message: &[&[u8]],
    signature: &[u8; 64],
) -> Result<(), Ed25519Error> {
    PublicKey::from_bytes(public)?.verify(message, signature)
}

/// A signature whose encodings passed checks 1–3, ready for the equation (alone or in a batch).
pub(crate) struct Prepared {
    pub(crate) a: EdwardsPoint,
    pub(crate) r: EdwardsPoint,
    pub(crate) s: Scalar,
    pub(crate) k: Scalar,
    /// `R || S`, for transcripts that derive batch weights.
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    pub(crate) signature: [u8; 64],
    /// The encoding of `A`.
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    pub(crate) public: [u8; 32],
}

impl Prepared {
    /// Check 4 for one signature.
    pub(crate) fn verify_single(&self) -> Result<(), Ed25519Error> {
        let sb_minus_ka =
            EdwardsPoint::vartime_double_scalar_mul_basepoint(&-self.k, &self.a, &self.s);
        if (sb_minus_ka - self.r).mul_by_cofactor().is_identity() {
            Ok(())
        } else {
            Err(Ed25519Error::Mismatch)
        }
    }
}

fn split_signature(signature: &[u8; 64]) -> ([u8; 32], [u8; 32]) {
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    let (r_part, s_part) = signature.split_at(32);
    r.copy_from_slice(r_part);
    s.copy_from_slice(s_part);
    (r, s)
}

/// Decodes a point, accepting only the canonical encoding: the one `compress` gives back.
///
/// Checked on the bytes, which is what re-compressing would decide without its field inversion: a
/// decodable encoding is non-canonical exactly when its `y` is not reduced (`y ≥ p`) or when it sets
/// the sign bit of `x = 0`, which happens only for `y = 1` and `y = p − 1`.
pub(crate) fn decompress_canonical(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
    let mut y = *bytes;
    let sign = y.iter().last().is_some_and(|b| b & 0x80 != 0);
    if let Some(top) = y.last_mut() {
        *top &= 0x7f;
    }
    if !y_is_reduced(&y) || (sign && (y == Y_ONE || y == Y_MINUS_ONE)) {
        return None;
    }
    CompressedEdwardsY(*bytes).decompress()
}

/// `p − 1 = 2^255 − 20`, little-endian.
const Y_MINUS_ONE: [u8; 32] = {
    let mut b = [0xffu8; 32];
    b[0] = 0xec;
    b[31] = 0x7f;
    b
};

/// `1`, little-endian.
const Y_ONE: [u8; 32] = {
    let mut b = [0u8; 32];
    b[0] = 1;
    b
};

/// Whether the 255-bit little-endian `y` is below `p = 2^255 − 19`: false only for
/// `y ∈ [2^255 − 19, 2^255 − 1]`, whose top 31 bytes are `ff…ff7f` and low byte at least `0xed`.
fn y_is_reduced(y: &[u8; 32]) -> bool {
    let (low, high) = y.split_at(1);
    let high_all_ones = high
        .iter()
        .enumerate()
        .all(|(i, b)| *b == if i == 30 { 0x7f } else { 0xff });
    !(high_all_ones && low.first().is_some_and(|b| *b >= 0xed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use proptest::prelude::*;

    fn by_recompression(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
        let point = CompressedEdwardsY(*bytes).decompress()?;
        (point.compress().as_bytes() == bytes).then_some(point)
    }

    /// The byte rule decides exactly as decompress-then-recompress, on random bytes and on every
    /// encoding near the edges (y close to 0, 1, p − 1 and p, with and without the sign bit).
    #[test]
    fn canonical_rule_equals_recompression() {
        let mut edges = std::vec::Vec::new();
        for low in 0u8..=255 {
            for sign in [0u8, 0x80] {
                let mut small = [0u8; 32];
                small[0] = low;
                small[31] = sign;
                edges.push(small);
                let mut big = [0xffu8; 32];
                big[0] = low;
                big[31] = 0x7f | sign;
                edges.push(big);
            }
        }
        for e in edges {
            assert_eq!(decompress_canonical(&e), by_recompression(&e), "{e:02x?}");
        }
    }

    /// Honest RFC 8032 signatures verify, over a message given in any split; a changed message,
    /// key or signature does not.
    #[test]
    fn honest_signatures_verify_and_changes_fail() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let public = key.verifying_key().to_bytes();
        let sig = key.sign(b"hello world").to_bytes();
        assert_eq!(verify(&public, &[b"hello world"], &sig), Ok(()));
        assert_eq!(verify(&public, &[b"hello", b" world"], &sig), Ok(()));
        assert_eq!(
            verify(&public, &[b"hello worle"], &sig),
            Err(Ed25519Error::Mismatch)
        );
        let mut bad = sig;
        bad[40] ^= 1;
        assert_eq!(
            verify(&public, &[b"hello world"], &bad),
            Err(Ed25519Error::Mismatch)
        );
    }

    /// The first failing check decides: a small-order key before a bad `R`, a bad `R` before a
    /// bad `S`, a bad `S` before the equation.
    #[test]
    fn check_order() {
        let mut one = [0u8; 32];
        one[0] = 1; // the identity: canonical, small order
        let mut non_canonical_r = [0xffu8; 64];
        non_canonical_r[31] = 0x7f; // y = 2^255 − 1 ≥ p
        assert_eq!(
            verify(&one, &[b"m"], &non_canonical_r),
            Err(Ed25519Error::KeySmallOrder)
        );
        let key = SigningKey::from_bytes(&[3u8; 32])
            .verifying_key()
            .to_bytes();
        assert_eq!(
            verify(&key, &[b"m"], &non_canonical_r),
            Err(Ed25519Error::RNonCanonical)
        );
        let mut bad_s = [0xffu8; 64];
        bad_s[..32].copy_from_slice(&one);
        assert_eq!(
            verify(&key, &[b"m"], &bad_s),
            Err(Ed25519Error::SNonCanonical)
        );
    }

    proptest! {
        #[test]
        fn canonical_rule_on_random_bytes(b in any::<[u8; 32]>()) {
            prop_assert_eq!(decompress_canonical(&b), by_recompression(&b));
        }

        /// On honest signatures the rule agrees with ed25519-dalek's `verify_strict`.
        #[test]
        fn agrees_with_dalek_on_honest_signatures(seed in any::<[u8; 32]>(), msg in proptest::collection::vec(any::<u8>(), 0..80), flip in any::<Option<(u8, u8)>>()) {
            let key = SigningKey::from_bytes(&seed);
            let mut sig = key.sign(&msg).to_bytes();
            if let Some((at, bit)) = flip {
                sig[usize::from(at) % 64] ^= 1 << (bit % 8);
            }
            let ours = verify(&key.verifying_key().to_bytes(), &[&msg], &sig).is_ok();
            let dalek = key.verifying_key().verify_strict(&msg, &ed25519_dalek::Signature::from_bytes(&sig)).is_ok();
            prop_assert_eq!(ours, dalek);
        }
    }
}
