//! TCN benches, each beside the reference crate `tcn` 0.4.1 doing the same work in the same run
//! (`BENCHMARKS.md`, "TCN"). Run: `cargo bench --bench tcn`.

#![allow(missing_docs)] // criterion macros generate undocumented items

use std::collections::HashSet;
use std::hint::black_box;

use contact_tracing::tcn::{
    verify_batch, Matcher, MemoType, ObservedSet, ReportAuthorizationKey, SignedReport,
    TemporaryContactNumber,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const REPORTS: usize = 10_000;
const PER_REPORT: u16 = 100;
const OBSERVED: usize = 10_000;

fn seed(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    s
}

fn key_schedule(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let s = seed(&mut rng);
    let ours = ReportAuthorizationKey::from_seed(s).initial_temporary_contact_key();
    let theirs = tcn::ReportAuthorizationKey::read(&s[..])
        .unwrap()
        .initial_temporary_contact_key();
    let mut g = c.benchmark_group("tcn/ratchet");
    g.throughput(Throughput::Elements(1));
    g.bench_function("contact-tracing", |b| b.iter(|| black_box(&ours).ratchet()));
    g.bench_function("tcn-0.4.1", |b| b.iter(|| black_box(theirs).ratchet()));
    g.finish();
    let mut g = c.benchmark_group("tcn/derive-tcn");
    g.throughput(Throughput::Elements(1));
    g.bench_function("contact-tracing", |b| {
        b.iter(|| black_box(&ours).temporary_contact_number())
    });
    g.bench_function("tcn-0.4.1", |b| {
        b.iter(|| black_box(&theirs).temporary_contact_number())
    });
    g.finish();
}

fn verification(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let reports: Vec<Vec<u8>> = (0..256)
        .map(|_| {
            ReportAuthorizationKey::from_seed(seed(&mut rng))
                .create_report(MemoType::COEPI_SYMPTOM_V1, b"symptom data", 1, PER_REPORT)
                .unwrap()
                .to_vec()
        })
        .collect();
    let ours: Vec<SignedReport> = reports
        .iter()
        .map(|r| SignedReport::decode(r).unwrap())
        .collect();
    let mut g = c.benchmark_group("tcn/verify-report");
    g.throughput(Throughput::Elements(1));
    g.bench_function("contact-tracing", |b| {
        b.iter(|| black_box(&ours[0]).verify().is_ok())
    });
    g.bench_function("tcn-0.4.1", |b| {
        b.iter_batched(
            || tcn::SignedReport::read(&reports[0][..]).unwrap(),
            |r| r.verify().is_ok(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
    let mut g = c.benchmark_group("tcn/verify-256-reports");
    g.throughput(Throughput::Elements(256));
    g.bench_function("contact-tracing-batch", |b| {
        b.iter(|| verify_batch(black_box(&ours)))
    });
    g.bench_function("contact-tracing-one-by-one", |b| {
        b.iter(|| {
            black_box(&ours)
                .iter()
                .filter(|r| r.verify().is_ok())
                .count()
        })
    });
    g.finish();
}

/// 10 000 reports of 100 numbers each, against 10 000 observed numbers of which 1 000 match.
fn matching(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut bytes = Vec::with_capacity(REPORTS);
    let mut observed_numbers = Vec::with_capacity(OBSERVED);
    for i in 0..REPORTS {
        let report = ReportAuthorizationKey::from_seed(seed(&mut rng))
            .create_report(MemoType::COEPI_SYMPTOM_V1, b"", 1, PER_REPORT)
            .unwrap();
        if i % 10 == 0 {
            observed_numbers.extend(
                report
                    .unverified_report()
                    .temporary_contact_numbers()
                    .nth(7),
            );
        }
        bytes.push(report.to_vec());
    }
    while observed_numbers.len() < OBSERVED {
        let mut n = [0u8; 16];
        rng.fill_bytes(&mut n);
        observed_numbers.push(TemporaryContactNumber(n));
    }
    let ours: Vec<SignedReport> = bytes
        .iter()
        .map(|b| SignedReport::decode(b).unwrap())
        .collect();
    let matcher = Matcher::new(observed_numbers.iter().copied().collect::<ObservedSet>());
    let theirs_set: HashSet<[u8; 16]> = observed_numbers.iter().map(|n| n.0).collect();
    let theirs: Vec<tcn::Report> = bytes
        .iter()
        .map(|b| tcn::SignedReport::read(&b[..]).unwrap().verify().unwrap())
        .collect();

    // Recompute and look up only (reports already verified): the per-number hot path.
    let mut g = c.benchmark_group("tcn/recompute-and-lookup-1M");
    g.sample_size(10);
    g.throughput(Throughput::Elements(REPORTS as u64 * u64::from(PER_REPORT)));
    g.bench_function("contact-tracing", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            for (i, r) in ours.iter().enumerate() {
                matcher.scan(r.unverified_report(), i, &mut out);
            }
            assert_eq!(out.len(), REPORTS / 10);
        })
    });
    g.bench_function("tcn-0.4.1", |b| {
        b.iter(|| {
            // The reference stops one short of j2 (spec/tcn.md §7.1): 99 numbers per report.
            let n = theirs
                .iter()
                .flat_map(|r| r.temporary_contact_numbers())
                .filter(|t| theirs_set.contains(&t.0))
                .count();
            assert_eq!(n, REPORTS / 10);
        })
    });
    g.finish();

    // The whole job: verify every report once, then recompute and look up.
    let mut g = c.benchmark_group("tcn/match-10k-reports-x-100");
    g.sample_size(10);
    g.throughput(Throughput::Elements(REPORTS as u64));
    g.bench_function("contact-tracing", |b| {
        b.iter(|| assert_eq!(matcher.match_reports(&ours).matches.len(), REPORTS / 10))
    });
    g.bench_function("contact-tracing-2-threads", |b| {
        b.iter(|| {
            assert_eq!(
                matcher.match_reports_parallel(&ours, 2).matches.len(),
                REPORTS / 10
            )
        })
    });
    g.bench_function("tcn-0.4.1", |b| {
        b.iter(|| {
            let mut n = 0;
            for raw in &bytes {
                let report = tcn::SignedReport::read(&raw[..]).unwrap().verify().unwrap();
                n += report
                    .temporary_contact_numbers()
                    .filter(|t| theirs_set.contains(&t.0))
                    .count();
            }
            assert_eq!(n, REPORTS / 10);
        })
    });
    g.finish();
}

criterion_group!(benches, key_schedule, verification, matching);
criterion_main!(benches);
