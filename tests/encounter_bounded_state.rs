//! Bounded state (`spec/encounter.md §11`): each piece of state a remote party can grow is flooded
//! from the outside; the bound holds, the refusal is the typed one, and honest traffic still gets
//! through where the spec says it must.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use contact_tracing::encounter::{
    Attestation, AttestationFields, AuthorityKey, ContactBook, ContactLimits, ContactRecord,
    EncounterError, IdentityKey, InfectionReport, LoadGovernor, LoadInput, LoadOutput, LoadParams,
    PairSecret, Policy, Receiver, Recorded, ReportType,
};

fn fake(i: u32) -> PairSecret {
    let mut s = [0u8; 32];
    s[..4].copy_from_slice(&i.to_be_bytes());
    s[4] = 0xf1;
    PairSecret::from_parts(s, [1; 32], [2; 32])
}

fn honest(i: u32) -> PairSecret {
    let mut s = [0u8; 32];
    s[..4].copy_from_slice(&i.to_be_bytes());
    s[4] = 0x0a;
    PairSecret::from_parts(s, [3; 32], [4; 32])
}

/// Someone near the phone broadcasts 2 000 fresh keys every day for 40 days, after the phone met
/// its usual contact. With the default limits the store never exceeds its capacity and never
/// reports full (at most `per_day × retention_days` records are unexpired); the attacker gets at
/// most the day's quota, honest contacts of other days are untouched, and a contact met after the
/// flood on a flooded day is refused with the typed code, not silently.
#[test]
fn contact_store_flood_by_fresh_keys() {
    let limits = ContactLimits::DEFAULT;
    let mut book = ContactBook::new(limits).unwrap();
    // Honest contacts on day 99, before the flood.
    for i in 0..50 {
        assert_eq!(book.record(honest(i), 99), Ok(Recorded::New));
    }
    let (mut quota_refusals, mut full_refusals) = (0u32, 0u32);
    for day in 100..140u32 {
        // The usual contact, met in the morning: counted, kept alive.
        assert_eq!(book.record(honest(0), day), Ok(Recorded::Updated));
        for k in 0..2_000u32 {
            match book.record(fake(day * 10_000 + k), day) {
                Ok(Recorded::New) => {}
                Err(EncounterError::ContactQuota) => quota_refusals += 1,
                Err(EncounterError::ContactStoreFull) => full_refusals += 1,
                other => panic!("unexpected {other:?}"),
            }
            assert!(book.len() <= limits.capacity);
        }
        assert_eq!(book.counted_on(day), limits.per_day);
        // A known contact met again the same day is free; one met after the flood on a later
        // day than its last is refused, and says so.
        assert_eq!(book.record(honest(0), day), Ok(Recorded::Updated));
        if day == 100 {
            assert_eq!(
                book.record(honest(1), day),
                Err(EncounterError::ContactQuota)
            );
        }
        if day == 130 {
            for i in 1..50 {
                assert!(
                    book.get(&honest(i).pair_id()).is_some(),
                    "day-99 contact {i}"
                );
            }
        }
        let unexpired = book
            .iter()
            .filter(|r| day - r.last_day() < limits.retention_days)
            .count() as u32;
        assert!(unexpired <= limits.per_day * limits.retention_days);
    }
    assert_eq!(
        full_refusals, 0,
        "the day quota keeps the store below capacity"
    );
    assert_eq!(quota_refusals, 40 * (2_000 - (limits.per_day - 1)));
    assert!(book.get(&honest(0).pair_id()).is_some());
    // A new honest contact on a day without flooding gets in.
    assert_eq!(book.record(honest(1_000), 140), Ok(Recorded::New));
}

/// A tight store shows the other refusal: full of unexpired records, then room again as they age.
#[test]
fn contact_store_full_then_expiry_makes_room() {
    let limits = ContactLimits {
        capacity: 100,
        per_day: 100,
        retention_days: 5,
    };
    let mut book = ContactBook::new(limits).unwrap();
    for k in 0..1_000 {
        let r = book.record(fake(k), 10);
        assert!(k < 100 || r == Err(EncounterError::ContactQuota));
    }
    assert_eq!(
        book.record(honest(1), 11),
        Err(EncounterError::ContactStoreFull)
    );
    assert_eq!(book.len(), 100);
    assert_eq!(book.record(honest(1), 15), Ok(Recorded::New));
    assert_eq!(book.len(), 1);
}

struct World {
    ha_seed: [u8; 32],
    keys: Vec<AuthorityKey>,
    reporter: ContactRecord,
    contacts: Vec<ContactRecord>,
    bind: [u8; 32],
    subject: [u8; 32],
}

fn world() -> World {
    let a = IdentityKey::from_seed([0xa1; 32]).unwrap();
    let b = IdentityKey::from_seed([0xb2; 32]).unwrap();
    let ha_seed = [0x33; 32];
    let pk = ed25519_dalek::SigningKey::from_bytes(&ha_seed)
        .verifying_key()
        .to_bytes();
    World {
        ha_seed,
        keys: vec![AuthorityKey::new(&pk, 0, u64::MAX, false).unwrap()],
        reporter: ContactRecord::new(a.encounter(&b.peer_key()).unwrap(), 20_000),
        contacts: vec![ContactRecord::new(
            b.encounter(&a.peer_key()).unwrap(),
            20_000,
        )],
        bind: [0x44; 32],
        subject: a.public_key(),
    }
}

fn report(w: &World, nonce: u32, issued_at: u64, not_after: u64) -> Vec<u8> {
    let mut cert_nonce = [0u8; 16];
    cert_nonce[..4].copy_from_slice(&nonce.to_be_bytes());
    let att = Attestation::issue(
        &w.ha_seed,
        AttestationFields {
            issued_at,
            not_after,
            window_start_day: 19_990,
            disease_code: 1,
            report_type: ReportType::Confirmed,
            cert_nonce,
            subject_commitment: Attestation::commitment_for(&w.bind, &w.subject),
        },
    )
    .unwrap();
    InfectionReport::create(&w.reporter, &att, &w.bind)
        .unwrap()
        .encode()
        .to_vec()
}

/// The replay cache grows only with reports that pass every other check. Outsiders (10 000 random
/// and forged reports) leave it empty; a real contact holding 100 distinct valid attestations
/// fills it to `N` and is then refused as full; once entries expire, an honest report is admitted.
#[test]
fn replay_cache_flood() {
    let w = world();
    let types = [ReportType::Confirmed];
    let policy = Policy::new(&[1], &types);
    let mut rx = Receiver::<8>::new();
    let t0 = 1_728_000_000u64;
    // Outsiders: random bytes, and well-formed reports for a pair the receiver does not have.
    let stranger = IdentityKey::from_seed([0x5e; 32]).unwrap();
    let b = IdentityKey::from_seed([0xb2; 32]).unwrap();
    let stranger_rec = ContactRecord::new(stranger.encounter(&b.peer_key()).unwrap(), 20_000);
    let good = report(&w, 0, t0, t0 + 3_600);
    let att = InfectionReport::decode(&good).unwrap();
    let forged = InfectionReport::from_parts(
        stranger_rec.pair_id(),
        *att.attestation(),
        w.bind,
        [0u8; 32],
    )
    .encode();
    let mut x = 0x9e37_79b9u32;
    for i in 0..10_000u32 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let junk: Vec<u8> = (0..227)
            .map(|j| (x.rotate_left(j % 32) as u8) ^ j as u8)
            .collect();
        let bytes = if i % 2 == 0 { junk } else { forged.to_vec() };
        assert!(rx
            .receive(&bytes, w.contacts.as_slice(), &w.keys, &policy, t0 + 10)
            .is_err());
    }
    assert!(rx.cache().is_empty(), "outsiders leave no state");
    // A real contact with 100 distinct valid attestations, each valid for an hour.
    let mut admitted = 0;
    for n in 1..=100 {
        match rx.receive(
            &report(&w, n, t0, t0 + 3_600),
            w.contacts.as_slice(),
            &w.keys,
            &policy,
            t0 + 20,
        ) {
            Ok(_) => admitted += 1,
            Err(e) => assert_eq!(e, EncounterError::ReplayCacheFull),
        }
        assert!(rx.cache().live(t0 + 20) <= 8);
    }
    assert_eq!(admitted, 8);
    // Replays of admitted ones are still replays, not "full".
    assert_eq!(
        rx.receive(
            &report(&w, 1, t0, t0 + 3_600),
            w.contacts.as_slice(),
            &w.keys,
            &policy,
            t0 + 30
        ),
        Err(EncounterError::Replayed)
    );
    // The honest report, refused while the cache is full, is admitted once the entries expire
    // (the sender resends it, spec §8.3).
    let honest = report(&w, 1_000, t0, t0 + 86_400);
    assert_eq!(
        rx.receive(&honest, w.contacts.as_slice(), &w.keys, &policy, t0 + 40),
        Err(EncounterError::ReplayCacheFull)
    );
    assert!(rx
        .receive(&honest, w.contacts.as_slice(), &w.keys, &policy, t0 + 3_600)
        .is_ok());
    assert_eq!(rx.cache().live(t0 + 3_600), 1);
    assert_eq!(rx.cache().capacity(), 8);
}

/// A flood of 200 000 inbound messages at 100 per second: the governor's state is constant, the
/// service accepts at most `budget` weight per up-period, no take-down lasts longer than
/// `max_cooldown`, and when the flood stops an honest message is accepted.
#[test]
fn load_governor_flood() {
    let p = LoadParams::DEFAULT;
    let mut g = LoadGovernor::new(p, 0).unwrap();
    let (mut accepted, mut downs, mut longest) = (0u64, 0u64, 0u64);
    let mut max_strikes = 0u32;
    let mut t = 0u64;
    for i in 0..200_000u64 {
        t = i / 100;
        match g.step(LoadInput::Inbound { weight: 1 }, t) {
            LoadOutput::Accept => accepted += 1,
            LoadOutput::TakeDown { until } => {
                downs += 1;
                longest = longest.max(until - t);
                // The cooldown doubles with each consecutive strike, capped at max_cooldown.
                let strikes = g.strikes();
                assert!(strikes >= 1);
                let doubled = 1u64
                    .checked_shl(strikes - 1)
                    .map_or(u64::MAX, |f| p.base_cooldown.saturating_mul(f));
                assert_eq!(until - t, doubled.min(p.max_cooldown), "strike {strikes}");
                max_strikes = max_strikes.max(strikes);
            }
            LoadOutput::Drop | LoadOutput::BringUp => {}
            LoadOutput::Idle => panic!("an inbound message is never idle"),
        }
    }
    assert!(longest <= p.max_cooldown);
    assert!(max_strikes >= 2, "the flood was sustained: {max_strikes}");
    let top = 1u64
        .checked_shl(max_strikes - 1)
        .map_or(u64::MAX, |f| p.base_cooldown.saturating_mul(f));
    assert_eq!(longest, top.min(p.max_cooldown));
    assert!(
        accepted <= (downs + 1) * u64::from(p.budget),
        "{accepted} accepted in {downs} episodes"
    );
    assert!(accepted < 200_000 / 100, "the flood is mostly dropped");
    // After the flood: wait out the cooldown, then an honest message gets through.
    let mut now = t + p.max_cooldown;
    let mut out = g.step(LoadInput::Tick, now);
    if out == LoadOutput::Idle && !g.is_up() {
        now += p.max_cooldown;
        out = g.step(LoadInput::Tick, now);
    }
    assert!(g.is_up(), "{out:?}");
    assert_eq!(
        g.step(LoadInput::Inbound { weight: 1 }, now + 1),
        LoadOutput::Accept
    );
}
