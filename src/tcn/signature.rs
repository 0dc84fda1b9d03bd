//! The Ed25519 verification rule of TCN reports (`spec/tcn.md §5.2, §5.3`).
//!
//! Signing is standard RFC 8032 Ed25519 (ed25519-dalek). Verification is implemented here, on
//! curve25519-dalek, because the rule must be the same for one report and for a batch:
//!
//! 1. `A = rvk` must be a canonical encoding of a point, and not of small order;
//! 2. `R` must be a canonical encoding of a point;
//! 3. `s` must be canonical (`s < ℓ`);
//! 4. `[8](s·B − k·A − R) = 0` with `k = SHA-512(R || A || M) mod ℓ` (the cofactored equation).
//!
//! The cofactored equation is the one a random-linear-combination batch check can decide
//! exactly; with the cofactorless one, single and batch verdicts differ on points with a torsion
//! component.

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use sha2::{Digest, Sha512};

use super::report::SignedReport;
use super::TcnError;

/// A signature whose encodings passed rules 1–3, ready for the equation.
pub(crate) struct Prepared {
    a: EdwardsPoint,
    r: EdwardsPoint,
    s: Scalar,
    k: Scalar,
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    transcript: [u8; 128],
}

/// Decodes a point, accepting only the canonical encoding: the one `compress` gives back.
///
/// Checked on the bytes, which is what re-compressing would decide without its field inversion: a
/// decodable encoding is non-canonical exactly when its `y` is not reduced (`y ≥ p`) or when it sets
/// the sign bit of `x = 0`, which happens only for `y = 1` and `y = p − 1`.
fn decompress_canonical(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
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

/// Rules 1–3 and the challenge `k`.
pub(crate) fn prepare(report: &SignedReport) -> Result<Prepared, TcnError> {
    let rvk = &report.unverified_report().rvk().0;
    let a = decompress_canonical(rvk).ok_or(TcnError::RvkInvalid)?;
    if a.is_small_order() {
        return Err(TcnError::RvkSmallOrder);
    }
    let (r_bytes, s_bytes) = report.signature().split_at(32);
    let r_bytes: [u8; 32] = r_bytes
        .try_into()
        .map_err(|_| TcnError::SignatureRInvalid)?;
    let s_bytes: [u8; 32] = s_bytes
        .try_into()
        .map_err(|_| TcnError::SignatureSNonCanonical)?;
    let r = decompress_canonical(&r_bytes).ok_or(TcnError::SignatureRInvalid)?;
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))
        .ok_or(TcnError::SignatureSNonCanonical)?;
    let k = report.with_signed_bytes(|message| {
        let digest = Sha512::new()
            .chain_update(r_bytes)
            .chain_update(rvk)
            .chain_update(message)
            .finalize();
        let mut wide = [0u8; 64];
        wide.copy_from_slice(&digest);
        Scalar::from_bytes_mod_order_wide(&wide)
    })?;
    let mut transcript = [0u8; 128];
    let (head, tail) = transcript.split_at_mut(64);
    head.copy_from_slice(report.signature());
    let (rvk_part, k_part) = tail.split_at_mut(32);
    rvk_part.copy_from_slice(rvk);
    k_part.copy_from_slice(k.as_bytes());
    Ok(Prepared {
        a,
        r,
        s,
        k,
        transcript,
    })
}

impl Prepared {
    /// Rule 4 for one signature.
    pub(crate) fn verify_single(&self) -> Result<(), TcnError> {
        let sb_minus_ka =
            EdwardsPoint::vartime_double_scalar_mul_basepoint(&-self.k, &self.a, &self.s);
        if (sb_minus_ka - self.r).mul_by_cofactor().is_identity() {
            Ok(())
        } else {
            Err(TcnError::SignatureMismatch)
        }
    }
}

/// Rule 4 for a whole batch: `[8](Σ z_i s_i · B − Σ z_i · R_i − Σ z_i k_i · A_i) = 0` with 128-bit
/// weights `z_i` derived by hashing the whole batch (`spec/tcn.md §5.3`).
#[cfg(feature = "alloc")]
fn batch_holds(items: &[Prepared]) -> bool {
    use alloc::vec::Vec;
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
    use curve25519_dalek::traits::VartimeMultiscalarMul;

    if let [single] = items {
        return single.verify_single().is_ok();
    }
    let mut seed_hash = Sha512::new().chain_update(crate::labels::tcn::BATCH_WEIGHTS.bytes);
    seed_hash.update((items.len() as u64).to_le_bytes());
    for item in items {
        seed_hash.update(item.transcript);
    }
    let seed = seed_hash.finalize();
    let mut scalars = Vec::with_capacity(2 * items.len() + 1);
    let mut points = Vec::with_capacity(2 * items.len() + 1);
    let mut b_coefficient = Scalar::ZERO;
    scalars.push(Scalar::ZERO);
    points.push(ED25519_BASEPOINT_POINT);
    for (i, item) in items.iter().enumerate() {
        let weight_hash = Sha512::new()
            .chain_update(seed)
            .chain_update((i as u64).to_le_bytes())
            .finalize();
        let mut z_bytes = [0u8; 32];
        z_bytes
            .iter_mut()
            .zip(weight_hash.iter().take(16))
            .for_each(|(d, s)| *d = *s);
        let z = Scalar::from_bytes_mod_order(z_bytes);
        b_coefficient += z * item.s;
        scalars.push(-z);
        points.push(item.r);
        scalars.push(-(z * item.k));
        points.push(item.a);
    }
    if let Some(first) = scalars.first_mut() {
        *first = b_coefficient;
    }
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

/// Appends to `failed` the positions (offset by `offset`) of the signatures in `items` that do
/// not satisfy rule 4, by checking the whole slice and bisecting on failure.
#[cfg(feature = "alloc")]
pub(crate) fn find_failures(
    items: &[Prepared],
    offset: usize,
    failed: &mut alloc::vec::Vec<usize>,
) {
    if items.is_empty() || batch_holds(items) {
        return;
    }
    if items.len() == 1 {
        failed.push(offset);
        return;
    }
    let (left, right) = items.split_at(items.len() / 2);
    find_failures(left, offset, failed);
    find_failures(right, offset + left.len(), failed);
}

#[cfg(test)]
mod tests {
    use super::*;
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

    proptest! {
        #[test]
        fn canonical_rule_on_random_bytes(b in any::<[u8; 32]>()) {
            prop_assert_eq!(decompress_canonical(&b), by_recompression(&b));
        }
    }
}
