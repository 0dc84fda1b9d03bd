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
        seed_hash.update(transcript(item));
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
