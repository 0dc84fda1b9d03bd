//! Benches of the `event` protocol (see BENCHMARKS.md): check-in, report verification and stats
//! for an event of 10 000 participants, beside the floor of one Ed25519 strict verification.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]
use contact_tracing::event::identity::IdentityKey;
use contact_tracing::event::messages::{Report, StatsRequest};
use contact_tracing::event::{Event, SecretSeed, Status};
use contact_tracing::labels::event as labels;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ed25519_dalek::{Signature, Signer, SigningKey};

const START: u64 = 1_586_707_200;

fn seed(i: u64) -> SecretSeed {
    let mut b = [0u8; 32];
    b[..8].copy_from_slice(&i.to_le_bytes());
    b[8] = 0xee;
    SecretSeed::from_bytes(b)
}

fn big_event(n: u64) -> (Event, Vec<IdentityKey>) {
    let mut ev = Event::new(&seed(u64::MAX), &seed(u64::MAX - 1), START);
    let mut nyms = Vec::new();
    for i in 0..n {
        let qr = ev.issue_credential(seed(i), START).unwrap();
        let nym = seed(1_000_000 + i);
        ev.check_in(&qr.check_in(&nym).encode(), START).unwrap();
        nyms.push(IdentityKey::from_seed(&nym));
    }
    (ev, nyms)
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("event");
    // Floor: one strict Ed25519 verification.
    let sk = SigningKey::from_bytes(&[7; 32]);
    let sig: Signature = sk.sign(b"floor");
    let vk = sk.verifying_key();
    g.bench_function("floor/ed25519_verify_strict", |b| {
        b.iter(|| vk.verify_strict(b"floor", &sig).unwrap())
    });

    let (ev, nyms) = big_event(10_000);
    let now = START + 3600;
    let mut k = 0u64;
    g.bench_function("check_in (fresh event)", |b| {
        b.iter_batched(
            || {
                k += 1;
                let mut e = Event::new(&seed(u64::MAX), &seed(u64::MAX - 1), START);
                let qr = e.issue_credential(seed(50_000 + k), START).unwrap();
                (e, qr.check_in(&seed(90_000 + k)).encode())
            },
            |(mut e, msg)| e.check_in(&msg, now).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let id = ev.id();
    let who = IdentityKey::from_seed(&seed(77));
    let nym = &nyms[17];
    let mut r = Report {
        pseudonym: nym.public(),
        identity: who.public(),
        counter: 1,
        time: now,
        status: Status::Positive,
        hops: 0,
        since: START - 86_400,
        name: "Alice".into(),
        message: "tested at the clinic".into(),
        pseudonym_sig: [0; 64],
        identity_sig: [0; 64],
    };
    let body = r.body();
    r.pseudonym_sig = nym.sign(labels::REPORT_PSEUDONYM, &[&id, &body]);
    r.identity_sig = who.sign(labels::REPORT_IDENTITY, &[&id, &body]);
    let report = r.encode();
    // Report verification on a small event (cloning 10k participants would dominate the setup).
    let (small, small_nyms) = big_event(1);
    let mut r1 = r.clone();
    r1.pseudonym = small_nyms[0].public();
    let body = r1.body();
    let sid = small.id();
    r1.pseudonym_sig = small_nyms[0].sign(labels::REPORT_PSEUDONYM, &[&sid, &body]);
    r1.identity_sig = who.sign(labels::REPORT_IDENTITY, &[&sid, &body]);
    let report1 = r1.encode();
    g.bench_function("report verify+accept", |b| {
        b.iter_batched(
            || small.clone(),
            |mut e| e.report(&report1, now).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let _ = report;
    let req = StatsRequest {
        pseudonym: nym.public(),
        time: now,
        sig: nym.sign(
            labels::STATS_REQUEST,
            &[&id, &nym.public(), &now.to_be_bytes()],
        ),
    }
    .encode();
    g.bench_function("stats (10k participants)", |b| {
        b.iter(|| ev.stats(&req, now).unwrap())
    });
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
