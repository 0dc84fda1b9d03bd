//! Benches of the `geo` protocol (see BENCHMARKS.md, section Geo).
#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items
//!
//! * `risk_points_and_hashes/sample`: the 30 risk points of one sample and their 30 classic risk
//!   hashes (salts already fetched), beside `risk_points/sample` alone.
//! * `salt/classic` (HMAC-SHA-256) beside `salt/oprf_server_evaluate` (per-block DeriveKeyPair +
//!   one scalar multiplication) and `salt/oprf_client_blind_finalize`.
//! * `central/*`: a store of `GEO_BENCH_RECORDS` records (default 10 000 000): a positive report of
//!   a user with 300 hashes, a user's query, and the floor: a linear scan of every stored hash
//!   against the positive user's sorted hashes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
use std::hint::black_box;
use std::time::Instant;

use contact_tracing::geo::{
    risk_hash_classic, risk_points, BlockSize, CentralConfig, CentralServer, CentralStorage,
    ClientKey, Location, MemoryStorage, OprfClientState, OprfSeed, RiskHash, SaltKey, TimeBlock,
    UploadRecord, UserId,
};
use criterion::{criterion_group, criterion_main, Criterion};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

fn per_sample(c: &mut Criterion) {
    let loc = Location::new(47_376_887, 8_541_694).unwrap();
    let key = SaltKey::from_bytes([7; 32]);
    let t = 1_700_000_000u64;
    let salts: Vec<_> = risk_points(&loc, t)
        .iter()
        .map(|p| key.salt(&p.block()))
        .collect();
    let mut g = c.benchmark_group("risk_points");
    g.bench_function("sample", |b| {
        b.iter(|| risk_points(black_box(&loc), black_box(t)))
    });
    g.finish();
    let mut g = c.benchmark_group("risk_points_and_hashes");
    g.bench_function("sample", |b| {
        b.iter(|| {
            let pts = risk_points(black_box(&loc), black_box(t));
            let mut acc = 0u8;
            for (p, s) in pts.iter().zip(&salts) {
                acc ^= risk_hash_classic(s, p).0[0];
            }
            acc
        })
    });
    g.finish();
}

fn salts(c: &mut Criterion) {
    let key = SaltKey::from_bytes([7; 32]);
    let seed = OprfSeed::from_bytes([9; 32]);
    let block = TimeBlock::containing(BlockSize::M5, 1_700_000_000);
    let cell = Location::new(47_376_887, 8_541_694).unwrap().fine_cells()[0];
    let (state, blinded) = OprfClientState::blind(&cell, [3; 32]).unwrap();
    let eval = seed.evaluate(&block, &blinded).unwrap();
    let mut g = c.benchmark_group("salt");
    g.bench_function("classic", |b| b.iter(|| key.salt(black_box(&block))));
    g.bench_function("oprf_server_evaluate", |b| {
        b.iter(|| {
            seed.evaluate(black_box(&block), black_box(&blinded))
                .unwrap()
        })
    });
    g.bench_function("oprf_client_blind_finalize", |b| {
        b.iter(|| {
            let (s, _) = OprfClientState::blind(black_box(&cell), [3; 32]).unwrap();
            s.finalize(black_box(&eval)).unwrap()
        })
    });
    g.bench_function("oprf_client_finalize", |b| {
        b.iter(|| state.finalize(black_box(&eval)).unwrap())
    });
    g.finish();
}

fn central(c: &mut Criterion) {
    let n: usize = std::env::var("GEO_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    // 300 records per user; every 10th hash of a user is shared with the next user.
    let per_user = 300usize;
    let users = n / per_user;
    let started = Instant::now();
    let mut server = CentralServer::new(CentralConfig::default(), MemoryStorage::new()).unwrap();
    let mut shared = [0u8; 32];
    let mut all_hashes = Vec::with_capacity(n);
    for u in 0..users {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&(u as u64).to_be_bytes());
        let mut recs = Vec::with_capacity(per_user);
        for i in 0..per_user {
            let mut h = [0u8; 32];
            if i % 10 == 0 && u > 0 {
                h = shared;
                h[31] ^= i as u8;
            } else {
                rng.fill_bytes(&mut h);
            }
            if i % 10 == 0 {
                shared = h;
            }
            all_hashes.push(RiskHash(h));
            recs.push(UploadRecord {
                hash: RiskHash(h),
                user: UserId(id),
                size: BlockSize::M5,
            });
        }
        let client = ClientKey::from_ipv4((u as u32).to_be_bytes());
        server
            .upload(client, 1000, &recs)
            .expect("within the bounds");
    }
    let built = started.elapsed();
    println!(
        "geo central: {} records for {users} users built in {:.1} s",
        server.storage().record_count(),
        built.as_secs_f64()
    );
    let mut positive = [0u8; 16];
    positive[..8].copy_from_slice(&((users / 2) as u64).to_be_bytes());
    let positive = UserId(positive);
    let mut mine: Vec<RiskHash> = server
        .storage()
        .records_of_user(&positive)
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    mine.sort();
    let mut g = c.benchmark_group("central");
    g.sample_size(10);
    g.bench_function("report_positive_300_hashes", |b| {
        b.iter(|| server.report_positive(black_box(&positive), 2000))
    });
    let mut contact = [0u8; 16];
    contact[..8].copy_from_slice(&((users / 2 + 1) as u64).to_be_bytes());
    let contact = UserId(contact);
    g.bench_function("query_user_300_records", |b| {
        b.iter(|| server.query(black_box(&contact)))
    });
    g.bench_function("floor_linear_scan_all_hashes", |b| {
        b.iter(|| {
            all_hashes
                .iter()
                .filter(|h| mine.binary_search(h).is_ok())
                .count()
        })
    });
    g.finish();
}

criterion_group!(group, per_sample, salts, central);
criterion_main!(group);
