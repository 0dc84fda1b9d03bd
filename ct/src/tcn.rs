//! Constant-time cases of TCN: Ed25519 signing of a report and the tck/tcn derivations, whose
//! secrets are the rak seed and every not-yet-published tck.

use contact_tracing::tcn::{
    MemoType, ReportAuthorizationKey, ReportVerificationKey, TemporaryContactKey,
};

use crate::taint::{public, secret};

fn sign_report() {
    let mut seed = std::hint::black_box([0x17u8; 32]);
    secret(&seed);
    let rak = ReportAuthorizationKey::from_seed(seed);
    // The public key is published with every report.
    let rvk = rak.verification_key();
    public(&rvk);
    let report = rak.create_report(MemoType::COEPI_SYMPTOM_V1, b"ct", 3, 5);
    public(&report);
    let report = report.expect("valid arguments");
    assert_eq!(report.to_vec().len(), 70 + 2 + 64);
    seed.fill(0);
}

fn derive_tcks() {
    let rvk = ReportVerificationKey([0x33; 32]);
    let tck_bytes = std::hint::black_box([0x5au8; 32]);
    secret(&tck_bytes);
    let mut tck = TemporaryContactKey::from_parts(7, rvk, tck_bytes);
    for _ in 0..4 {
        // Each number is broadcast, so it is public once derived.
        let tcn = tck.temporary_contact_number();
        public(&tcn);
        tck = tck.ratchet().expect("far from 65535");
    }
}

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[
    ("tcn/sign_report", sign_report),
    ("tcn/derive_tcks", derive_tcks),
];
