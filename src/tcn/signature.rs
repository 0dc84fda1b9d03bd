//! TCN report signatures (`spec/tcn.md §5.2, §5.3`): the project's one Ed25519 rule
//! (`spec/ed25519.md`, implemented in [`crate::ed25519`]) applied to a report, and the batch check
//! of its equation.

#[cfg(feature = "alloc")]
use curve25519_dalek::{edwards::EdwardsPoint, scalar::Scalar, traits::IsIdentity};
#[cfg(feature = "alloc")]
use sha2::{Digest, Sha512};

use super::report::SignedReport;
use super::TcnError;
use crate::ed25519::{Ed25519Error, Prepared, PublicKey};

/// The TCN code of each refusal of the shared rule.
pub(crate) fn code(e: Ed25519Error) -> TcnError {
    match e {
        Ed25519Error::KeyNonCanonical => TcnError::RvkInvalid,
        Ed25519Error::KeySmallOrder => TcnError::RvkSmallOrder,
        Ed25519Error::RNonCanonical => TcnError::SignatureRInvalid,
        Ed25519Error::SNonCanonical => TcnError::SignatureSNonCanonical,
        Ed25519Error::Mismatch => TcnError::SignatureMismatch,
    }
}

/// Checks 1–3 of the rule and the challenge `k`.
pub(crate) fn prepare(report: &SignedReport) -> Result<Prepared, TcnError> {
    #[cfg(test)]
    super::work::prepared();
    let key = PublicKey::from_bytes(&report.unverified_report().rvk().0).map_err(code)?;
    report.with_signed_bytes(|message| key.prepare(&[message], report.signature()).map_err(code))?
}

/// The 128-byte batch transcript of one signature: `sig || rvk || k` (`spec/tcn.md §5.3`).
#[cfg(feature = "alloc")]
fn transcript(p: &Prepared) -> [u8; 128] {
    let mut t = [0u8; 128];
    let (head, tail) = t.split_at_mut(64);
    head.copy_from_slice(&p.signature);
    let (rvk_part, k_part) = tail.split_at_mut(32);
    rvk_part.copy_from_slice(&p.public);
    k_part.copy_from_slice(p.k.as_bytes());
    t
}

/// Check 4 of the rule for a whole batch: `[8](Σ z_i s_i · B − Σ z_i · R_i − Σ z_i k_i · A_i) = 0`
/// with 128-bit weights `z_i` derived by hashing the whole batch (`spec/tcn.md §5.3`).
///
/// A batch of one is checked the same way: with `z ≠ 0` the equation is exactly check 4 for that
/// signature, so the leaves of the bisection in [`find_failures`] decide by the same formula as
/// the whole batch and a fault in it cannot hide behind a separate single-signature path.
#[cfg(feature = "alloc")]
fn batch_holds(items: &[Prepared]) -> bool {
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
    use curve25519_dalek::traits::VartimeMultiscalarMul;

    #[cfg(test)]
    super::work::equation(items.len());

    let mut seed_hash = Sha512::new().chain_update(crate::labels::tcn::BATCH_WEIGHTS.bytes);
    seed_hash.update((items.len() as u64).to_le_bytes());
    for item in items {
        seed_hash.update(transcript(item));
    }
    let seed = seed_hash.finalize();
    let weights: alloc::vec::Vec<Scalar> =
        (0..items.len()).map(|i| weight(&seed, i as u64)).collect();
    let b_coefficient: Scalar = weights.iter().zip(items).map(|(z, p)| z * p.s).sum();
    let scalars = core::iter::once(b_coefficient).chain(
        weights
            .iter()
            .zip(items)
            .flat_map(|(z, p)| [-z, -(z * p.k)]),
    );
    let points =
        core::iter::once(ED25519_BASEPOINT_POINT).chain(items.iter().flat_map(|p| [p.r, p.a]));
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

/// `z_i = SHA-512(seed || le_u64(i))[0..16]` as a little-endian integer (`spec/tcn.md §5.3`).
#[cfg(feature = "alloc")]
fn weight(seed: &[u8], i: u64) -> Scalar {
    let hash = Sha512::new()
        .chain_update(seed)
        .chain_update(i.to_le_bytes())
        .finalize();
    let mut z = [0u8; 32];
    z.iter_mut()
        .zip(hash.iter().take(16))
        .for_each(|(d, s)| *d = *s);
    Scalar::from_bytes_mod_order(z)
}

/// Appends to `failed` the positions (offset by `offset`) of the signatures in `items` that do
/// not satisfy check 4 of the rule, by checking the whole slice and bisecting on failure.
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
