//! Benches of the `encounter` protocol (see BENCHMARKS.md): each operation beside the bare
//! primitive it is built from, in the same run.
//!
//! * `encounter_derivation`: peer-key validation + X25519 + HKDF (`IdentityKey::encounter`, with
//!   `PeerKey::from_bytes` and `pair_id`) vs a bare x25519-dalek `StaticSecret::diffie_hellman`.
//! * `report_verification`: `Receiver::receive` of a valid report (decode, MAC, strict Ed25519,
//!   commitment, replay cache) vs a bare ed25519-dalek `verify_strict` of the same message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![allow(missing_docs)] // criterion macros generate undocumented items
use std::hint::black_box;

use contact_tracing::encounter::{
    Attestation, AttestationFields, AuthorityKey, ContactRecord, IdentityKey, InfectionReport,
    PeerKey, Policy, Receiver, ReportType,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ed25519_dalek::{Signer, SigningKey};

fn derivation(c: &mut Criterion) {
    let a = IdentityKey::from_seed([1u8; 32]).unwrap();
    let b = IdentityKey::from_seed([2u8; 32]).unwrap();
    let b_bytes = b.public_key();
    let mut g = c.benchmark_group("encounter_derivation");
    g.bench_function("validate_peer_key", |x| {
        x.iter(|| PeerKey::from_bytes(black_box(&b_bytes)).unwrap())
    });
    g.bench_function("encounter_with_validation", |x| {
        x.iter(|| {
            let peer = PeerKey::from_bytes(black_box(&b_bytes)).unwrap();
            let s = a.encounter(&peer).unwrap();
            black_box(s.pair_id())
        })
    });
    let peer = b.peer_key();
    g.bench_function("encounter_prevalidated", |x| {
        x.iter(|| black_box(a.encounter(black_box(&peer)).unwrap().pair_id()))
    });
    let secret = x25519_dalek::StaticSecret::from(*a.x25519_secret());
    let public = x25519_dalek::PublicKey::from(b.montgomery_u());
    g.bench_function("bare_x25519_dalek", |x| {
        x.iter(|| black_box(secret.diffie_hellman(black_box(&public))))
    });
    g.finish();
}

fn verification(c: &mut Criterion) {
    let a = IdentityKey::from_seed([1u8; 32]).unwrap();
    let b = IdentityKey::from_seed([2u8; 32]).unwrap();
    let ha_seed = [3u8; 32];
    let ha = SigningKey::from_bytes(&ha_seed);
    let bind = [4u8; 32];
    let att = Attestation::issue(
        &ha_seed,
        AttestationFields {
            issued_at: 1_728_000_000,
            not_after: 1_729_000_000,
            window_start_day: 19_990,
            disease_code: 1,
            report_type: ReportType::Confirmed,
            cert_nonce: [5u8; 16],
            subject_commitment: Attestation::commitment_for(&bind, &a.public_key()),
        },
    )
    .unwrap();
    let rec_a = ContactRecord::new(a.encounter(&b.peer_key()).unwrap(), 19_995);
    let contacts = vec![ContactRecord::new(
        b.encounter(&a.peer_key()).unwrap(),
        19_995,
    )];
    let report = InfectionReport::create(&rec_a, &att, &bind)
        .unwrap()
        .encode();
    let keys = [AuthorityKey::new(&ha.verifying_key().to_bytes(), 0, u64::MAX, false).unwrap()];
    let types = [ReportType::Confirmed];
    let policy = Policy::new(&[1], &types);
    let mut g = c.benchmark_group("report_verification");
    g.bench_function("receiver_receive", |x| {
        x.iter_batched(
            Receiver::<64>::new,
            |mut rx| {
                black_box(
                    rx.receive(black_box(&report), &contacts, &keys, &policy, 1_728_000_100)
                        .unwrap(),
                )
            },
            BatchSize::SmallInput,
        )
    });
    let msg = [0x42u8; 121];
    let sig = ha.sign(&msg);
    let vk = ha.verifying_key();
    g.bench_function("bare_ed25519_verify_strict", |x| {
        x.iter(|| vk.verify_strict(black_box(&msg), black_box(&sig)).unwrap())
    });
    g.finish();
}

criterion_group!(group, derivation, verification);
criterion_main!(group);
