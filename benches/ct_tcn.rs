//! dudect-style timing tests (advisory) for TCN's secret-key paths: Ed25519 signing of a report
//! and the tck ratchet with tcn derivation. Two input classes, interleaved at random: Left uses one
//! fixed secret, Right a fresh random one; a Welch t-test compares their timings. `|t| > 5` suggests
//! a timing difference; on a shared two-core VM spurious values appear, so the deterministic gate
//! is the valgrind harness in `ct/`. Run: `cargo bench --bench ct_tcn`.
#![allow(missing_docs)]

use contact_tracing::tcn::{
    MemoType, ReportAuthorizationKey, ReportVerificationKey, TemporaryContactKey,
};
use dudect_bencher::rand::{Rng, RngCore};
use dudect_bencher::{ctbench_main, BenchRng, Class, CtRunner};

const SAMPLES: usize = 20_000;

fn classes(rng: &mut BenchRng) -> Vec<(Class, [u8; 32])> {
    (0..SAMPLES)
        .map(|_| {
            if rng.gen::<bool>() {
                (Class::Left, [0x5a; 32])
            } else {
                let mut s = [0u8; 32];
                rng.fill_bytes(&mut s);
                (Class::Right, s)
            }
        })
        .collect()
}

fn sign_report(runner: &mut CtRunner, rng: &mut BenchRng) {
    for (class, seed) in classes(rng) {
        let rak = ReportAuthorizationKey::from_seed(seed);
        runner.run_one(class, || {
            rak.create_report(MemoType::COEPI_SYMPTOM_V1, b"ct", 1, 1)
                .is_ok()
        });
    }
}

fn derive_tck(runner: &mut CtRunner, rng: &mut BenchRng) {
    let rvk = ReportVerificationKey([0x33; 32]);
    for (class, tck) in classes(rng) {
        let key = TemporaryContactKey::from_parts(9, rvk, tck);
        runner.run_one(class, || {
            let mut k = key.clone();
            for _ in 0..16 {
                std::hint::black_box(k.temporary_contact_number());
                k = k.ratchet().unwrap_or_else(|_| key.clone());
            }
        });
    }
}

ctbench_main!(sign_report, derive_tck);
