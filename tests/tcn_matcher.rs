//! The matcher and batch verification (`spec/tcn.md §5.3, §8`).
#![cfg(feature = "alloc")]

use contact_tracing::tcn::{
    verify_batch, Matcher, MemoType, ObservedSet, ReportAuthorizationKey, SignedReport, TcnError,
    TemporaryContactNumber,
};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// Reports from `n` reporters, each disclosing `per` numbers, plus every number each broadcast.
fn population(
    n: usize,
    per: u16,
    seed: u64,
) -> (Vec<SignedReport>, Vec<Vec<TemporaryContactNumber>>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut reports = Vec::new();
    let mut broadcast = Vec::new();
    for _ in 0..n {
        let rak = ReportAuthorizationKey::generate(&mut rng);
        let j1 = 1 + (rng.next_u32() % 100) as u16;
        let report = rak
            .create_report(MemoType::COEPI_SYMPTOM_V1, b"", j1, j1 + per - 1)
            .unwrap();
        broadcast.push(
            report
                .unverified_report()
                .temporary_contact_numbers()
                .collect(),
        );
        reports.push(report);
    }
    (reports, broadcast)
}

#[test]
fn finds_exactly_the_observed_numbers() {
    let (reports, broadcast) = population(40, 20, 1);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut observed = ObservedSet::default();
    let mut expected = Vec::new();
    for (r, numbers) in broadcast.iter().enumerate() {
        for (k, tcn) in numbers.iter().enumerate() {
            if rng.next_u32() % 7 == 0 {
                observed.insert(*tcn);
                expected.push((r, reports[r].unverified_report().j1() + k as u16));
            }
        }
    }
    // Noise that matches nothing.
    for _ in 0..1000 {
        let mut n = [0u8; 16];
        rng.fill_bytes(&mut n);
        observed.insert(TemporaryContactNumber(n));
    }
    let outcome = Matcher::new(observed).match_reports(&reports);
    assert!(outcome.rejected.is_empty());
    let got: Vec<(usize, u16)> = outcome
        .matches
        .iter()
        .map(|m| (m.report, m.index))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn forged_reports_are_rejected_and_not_scanned() {
    let (mut reports, broadcast) = population(600, 3, 3);
    let observed: ObservedSet = broadcast.iter().flatten().copied().collect();
    // Forge three reports at positions in different verification chunks.
    for &i in &[5usize, 300, 599] {
        let mut bytes = reports[i].to_vec();
        bytes[40] ^= 1;
        reports[i] = SignedReport::decode(&bytes).unwrap();
    }
    let outcome = Matcher::new(observed).match_reports(&reports);
    assert_eq!(
        outcome.rejected,
        vec![
            (5, TcnError::SignatureMismatch),
            (300, TcnError::SignatureMismatch),
            (599, TcnError::SignatureMismatch)
        ]
    );
    assert_eq!(outcome.matches.len(), 597 * 3);
    assert!(outcome
        .matches
        .iter()
        .all(|m| ![5, 300, 599].contains(&m.report)));
}

#[cfg(feature = "std")]
#[test]
fn parallel_outcome_equals_sequential() {
    let (mut reports, broadcast) = population(90, 5, 4);
    let mut bytes = reports[17].to_vec();
    bytes[100] ^= 4;
    reports[17] = SignedReport::decode(&bytes).unwrap();
    let observed: ObservedSet = broadcast.iter().flatten().step_by(3).copied().collect();
    let matcher = Matcher::new(observed);
    let sequential = matcher.match_reports(&reports);
    for threads in [1, 2, 3, 8] {
        assert_eq!(
            matcher.match_reports_parallel(&reports, threads),
            sequential
        );
    }
    assert_eq!(sequential.rejected.len(), 1);
}

/// Batch and single verification give the same verdict on every committed verification vector,
/// including the crafted torsion and small-order cases, alone and mixed into one batch.
#[test]
fn batch_and_single_agree_on_vectors() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/tcn/report_verify_test.json"
    ))
    .unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let reports: Vec<SignedReport> = file["testGroups"][0]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| {
            SignedReport::decode(&hex::decode(t["signedReport"].as_str().unwrap()).unwrap()).ok()
        })
        .collect();
    assert!(reports.len() > 20);
    let single: Vec<Result<(), TcnError>> =
        reports.iter().map(|r| r.verify().map(|_| ())).collect();
    assert_eq!(verify_batch(&reports), single);
    assert!(single.iter().any(Result::is_ok) && single.iter().any(Result::is_err));
}

/// `spec/tcn.md §8.1`: a call flooded with republished reports of the longest range yields at
/// most one match per (report, observed number), every flood copy is scanned to its end, and an
/// honest report among them is still matched.
#[test]
fn a_flood_of_republished_maximal_reports_stays_bounded() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let attacker = ReportAuthorizationKey::generate(&mut rng);
    let flood = attacker
        .create_report(MemoType::COEPI_SYMPTOM_V1, b"", 1, u16::MAX)
        .unwrap();
    let flood_numbers: Vec<TemporaryContactNumber> = flood
        .unverified_report()
        .temporary_contact_numbers()
        .collect();
    assert_eq!(flood_numbers.len(), usize::from(u16::MAX));
    let (honest, broadcast) = population(1, 5, 9);
    // The device heard the attacker's first and last number and one honest number.
    let observed: ObservedSet = [flood_numbers[0], flood_numbers[65534], broadcast[0][2]]
        .into_iter()
        .collect();
    let mut reports = vec![flood.clone(); 6];
    reports.insert(3, honest[0].clone());
    let outcome = Matcher::new(observed.clone()).match_reports(&reports);
    assert!(outcome.rejected.is_empty());
    // Two matches per flood copy (one per observed number it discloses), one for the honest one.
    assert_eq!(outcome.matches.len(), 6 * 2 + 1);
    let per_report = |position: usize| {
        outcome
            .matches
            .iter()
            .filter(|m| m.report == position)
            .count()
    };
    for position in 0..reports.len() {
        assert!(per_report(position) <= observed.len());
    }
    assert_eq!(per_report(3), 1, "the honest report is still matched");
    assert!(outcome
        .matches
        .iter()
        .any(|m| m.report == 6 && m.index == u16::MAX));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// The observed set behaves as a set.
    #[test]
    fn observed_set_is_a_set(numbers in proptest::collection::vec(any::<[u8; 16]>(), 0..500), probes in proptest::collection::vec(any::<[u8; 16]>(), 0..50)) {
        let mut set = ObservedSet::with_capacity(3);
        let mut model = std::collections::HashSet::new();
        for n in &numbers {
            prop_assert_eq!(set.insert(TemporaryContactNumber(*n)), model.insert(*n));
        }
        prop_assert!(!set.insert(TemporaryContactNumber([0; 16])) || model.insert([0; 16]));
        prop_assert_eq!(set.len(), model.len());
        for n in numbers.iter().chain(probes.iter()) {
            prop_assert_eq!(set.contains(&TemporaryContactNumber(*n)), model.contains(n));
        }
    }

    /// Batch verification of random valid batches with one random corruption finds exactly it.
    #[test]
    fn batch_isolates_the_corrupt_report(n in 2usize..12, bad in any::<prop::sample::Index>(), byte in 0usize..134, seed in any::<u64>()) {
        let (mut reports, _) = population(n, 1, seed);
        let bad = bad.index(n);
        let mut bytes = reports[bad].to_vec();
        bytes[byte] ^= 0x10;
        // A flip in the memo length breaks the structure instead: not a signature case.
        if let Ok(r) = SignedReport::decode(&bytes) {
            reports[bad] = r;
            let verdicts = verify_batch(&reports);
            for (i, v) in verdicts.iter().enumerate() {
                prop_assert_eq!(v.is_ok(), i != bad);
                prop_assert_eq!(*v, reports[i].verify().map(|_| ()));
            }
        }
    }
}
