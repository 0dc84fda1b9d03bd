//! Differential tests against the TCN reference crate `tcn` 0.4.1 (`spec/tcn.md §7`).
#![cfg(feature = "alloc")]

use contact_tracing::tcn::{MemoType, ReportAuthorizationKey, SignedReport};
use proptest::prelude::*;

#[path = "../fuzz/harness/tcn_differential.rs"]
mod tcn_differential;

fn reference_rak(seed: [u8; 32]) -> tcn::ReportAuthorizationKey {
    tcn::ReportAuthorizationKey::read(&seed[..]).unwrap()
}

/// The reference's 66-byte TCK serialisation: le_u16(index) || rvk || tck.
fn reference_tck_bytes(tck: &tcn::TemporaryContactKey) -> Vec<u8> {
    let mut out = Vec::new();
    tck.write(&mut out).unwrap();
    out
}

fn reference_memo_type(t: u8) -> tcn::MemoType {
    match t {
        0 => tcn::MemoType::CoEpiV1,
        1 => tcn::MemoType::CovidWatchV1,
        _ => unreachable!(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every tck and tcn of a chain agrees with the reference.
    #[test]
    fn key_schedule_agrees(seed in any::<[u8; 32]>(), steps in 0usize..40) {
        let ours = ReportAuthorizationKey::from_seed(seed);
        let theirs = reference_rak(seed);
        let mut a = ours.initial_temporary_contact_key();
        let mut b = theirs.initial_temporary_contact_key();
        for _ in 0..=steps {
            let serialised = reference_tck_bytes(&b);
            prop_assert_eq!(&serialised[..2], &a.index().to_le_bytes()[..]);
            prop_assert_eq!(&serialised[2..34], &a.verification_key().0[..]);
            prop_assert_eq!(&serialised[34..], &a.to_bytes()[..]);
            prop_assert_eq!(a.temporary_contact_number().0, b.temporary_contact_number().0);
            a = a.ratchet().unwrap();
            b = b.ratchet().unwrap();
        }
    }

    /// Report bytes are identical for every argument both accept, each side verifies the other's
    /// report, and the disclosed lists differ by exactly the inclusive tcn_j2.
    #[test]
    fn reports_agree(
        seed in any::<[u8; 32]>(),
        memo_type in 0u8..2,
        memo in proptest::collection::vec(any::<u8>(), 0..256),
        j1 in 1u16..300,
        span in 0u16..40,
    ) {
        let j2 = j1 + span;
        let ours = ReportAuthorizationKey::from_seed(seed)
            .create_report(MemoType(memo_type), &memo, j1, j2)
            .unwrap()
            .to_vec();
        let theirs = reference_rak(seed)
            .create_report(reference_memo_type(memo_type), memo.clone(), j1, j2)
            .unwrap();
        let mut theirs_bytes = Vec::new();
        theirs.write(&mut theirs_bytes).unwrap();
        prop_assert_eq!(&ours, &theirs_bytes);
        // Ours verifies theirs, theirs verifies ours, and the harness checks the lists.
        prop_assert!(SignedReport::decode(&theirs_bytes).unwrap().verify().is_ok());
        prop_assert!(tcn::SignedReport::read(&ours[..]).unwrap().verify().is_ok());
        tcn_differential::check(&ours);
    }

    /// Mutated reports: every disagreement is one that spec/tcn.md §7 allows.
    #[test]
    fn mutations_only_differ_as_specified(
        seed in any::<[u8; 32]>(),
        memo in proptest::collection::vec(any::<u8>(), 0..20),
        j1 in 1u16..50,
        span in 0u16..10,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        cut in any::<prop::sample::Index>(),
        extend in proptest::collection::vec(any::<u8>(), 0..3),
        mode in 0u8..3,
    ) {
        let mut bytes = ReportAuthorizationKey::from_seed(seed)
            .create_report(MemoType::COEPI_SYMPTOM_V1, &memo, j1, j1 + span)
            .unwrap()
            .to_vec();
        match mode {
            0 => for (i, x) in &flips { let k = i.index(bytes.len()); bytes[k] ^= x; },
            1 => bytes.truncate(cut.index(bytes.len() + 1)),
            _ => bytes.extend_from_slice(&extend),
        }
        tcn_differential::check(&bytes);
    }
}

/// Runs the harness over every committed verification vector, including the crafted signatures.
#[test]
fn vectors_only_differ_as_specified() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/tcn_differential");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        tcn_differential::check(&std::fs::read(entry.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n > 30, "corpus missing");
}
