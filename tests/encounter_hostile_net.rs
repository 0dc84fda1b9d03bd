//! Encounter reports over the shared hostile network (`tests/hostile_net`, TEAM.md contract 5) at
//! loss rates 0, 1 %, 5 % and 20 % (`spec/encounter.md §8.3`).
//!
//! Thirty phones with rotating identities (§6) meet at random for four days and record each other
//! in bounded contact stores (§9.4). Four of them test positive; each obtains one attestation per
//! identity it used (§7.4) and sends a report to every contact (§8.2), resending on the schedule
//! of §8.3, over a network that drops, duplicates, delays, reorders and replays packets at the
//! given rate. An attacker floods one phone with junk for six hours, so its load governor (§10)
//! takes it down. Properties: nothing panics; every contact whose encounter lies in the window is
//! notified exactly once (so every duplicate, replay and resend is refused); no state exceeds its
//! bound (§11). The figures are printed (`cargo test --test encounter_hostile_net -- --nocapture`).
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod hostile_net;

use std::collections::{BTreeMap, BTreeSet};

use contact_tracing::encounter::{
    day_of, Attestation, AttestationFields, AuthorityKey, BroadcastFrame, ContactBook,
    ContactLimits, EncounterError, IdentityKey, InfectionReport, LoadGovernor, LoadInput,
    LoadOutput, LoadParams, Policy, Receiver, ReportType, RotationSchedule, REPORT_LEN,
};
use hostile_net::{Copy, Faults, Network};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const PHONES: usize = 30;
const POSITIVE: usize = 4;
const MEETINGS_PER_DAY: usize = 3;
const CACHE: usize = 256;
/// Day 20 000 (2024-10-04) at midnight.
const T0: u64 = 1_728_000_000;
const DAY: u64 = 86_400;
const HOUR: u64 = 3_600;
/// The resend schedule of §8.3, as far as the simulated three days reach.
const RESEND: [u64; 8] = [
    0,
    HOUR,
    2 * HOUR,
    4 * HOUR,
    8 * HOUR,
    16 * HOUR,
    DAY,
    2 * DAY,
];
const VICTIM: usize = PHONES - 1;

struct Phone {
    master: [u8; 32],
    book: ContactBook,
    rx: Receiver<CACHE>,
    gov: LoadGovernor,
    /// (pair_id, cert_nonce) → notifications.
    notified: BTreeMap<([u8; 16], [u8; 16]), u32>,
}

#[derive(Default, Debug)]
struct Figures {
    reports: u64,
    sends: u64,
    bytes_sent: u64,
    flood_packets: u64,
    notified: u64,
    /// Honest packets (duplicates, replays, resends) refused as replays.
    replays_refused: u64,
    /// Honest packets dropped because the receiver's service was down.
    honest_dropped_while_down: u64,
    /// Junk dropped while down, and junk refused by a check (by code).
    junk_dropped_while_down: u64,
    junk_refusals: BTreeMap<&'static str, u64>,
    copies_delivered: u64,
    worst_delay: u64,
}

/// The same world (phones, meetings, attestations) at every rate; `net_seed` drives the network.
fn run(rate: f64, net_seed: u64) -> (Figures, hostile_net::NetStats) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let schedule = RotationSchedule::DEFAULT;
    let mut phones: Vec<Phone> = (0..PHONES)
        .map(|i| {
            let mut master = [0u8; 32];
            master[..8].copy_from_slice(&(i as u64).to_be_bytes());
            master[8] = 0x77;
            Phone {
                master,
                book: ContactBook::new(ContactLimits::DEFAULT).unwrap(),
                rx: Receiver::new(),
                gov: LoadGovernor::new(LoadParams::DEFAULT, T0).unwrap(),
                notified: BTreeMap::new(),
            }
        })
        .collect();
    // Who owns which identity key (the onion address routes to the phone).
    let mut owner: BTreeMap<[u8; 32], usize> = BTreeMap::new();
    // Four days of random meetings; each side hears the other's frame and records the pair.
    for d in 0..4u64 {
        let t = T0 + d * DAY + 12 * HOUR;
        let ids: Vec<IdentityKey> = phones
            .iter()
            .map(|p| schedule.current(&p.master, t).unwrap())
            .collect();
        for (i, id) in ids.iter().enumerate() {
            owner.insert(id.public_key(), i);
        }
        for i in 0..PHONES {
            for m in 0..MEETINGS_PER_DAY {
                // The flooded phone meets the first positive one every day.
                let j = if i == VICTIM && m == 0 {
                    0
                } else {
                    (rng.next_u32() as usize) % PHONES
                };
                if i == j {
                    continue;
                }
                for (a, b) in [(i, j), (j, i)] {
                    let frame = BroadcastFrame::new(ids[b].peer_key()).encode();
                    let heard = BroadcastFrame::decode(&frame).unwrap();
                    let secret = ids[a].encounter(heard.key()).unwrap();
                    phones[a].book.record(secret, day_of(t)).unwrap();
                }
            }
        }
    }
    // The authority, and the attestations of the positive phones (one per identity, §13.6).
    let ha_seed = [0x4a; 32];
    let ha_pk = ed25519_dalek::SigningKey::from_bytes(&ha_seed)
        .verifying_key()
        .to_bytes();
    let keys = [AuthorityKey::new(&ha_pk, 0, u64::MAX, false).unwrap()];
    let types = [ReportType::Confirmed];
    let policy = Policy::new(&[1], &types);
    let t_test = T0 + 4 * DAY + 10 * HOUR;
    let window_start = day_of(T0);
    let mut sends: BTreeMap<u64, Vec<(usize, Vec<u8>)>> = BTreeMap::new();
    let mut expected: BTreeSet<(usize, [u8; 16], [u8; 16])> = BTreeSet::new();
    let mut figures = Figures::default();
    for phone in phones.iter().take(POSITIVE) {
        let mut attestations = BTreeMap::new();
        for e in schedule.live_epochs(t_test) {
            let Ok(id) = schedule.identity_for(&phone.master, e, t_test) else {
                continue;
            };
            let mut bind = [0u8; 32];
            rng.fill_bytes(&mut bind);
            let mut cert_nonce = [0u8; 16];
            rng.fill_bytes(&mut cert_nonce);
            let att = Attestation::issue(
                &ha_seed,
                AttestationFields {
                    issued_at: t_test,
                    not_after: t_test + 14 * DAY,
                    window_start_day: window_start,
                    disease_code: 1,
                    report_type: ReportType::Confirmed,
                    cert_nonce,
                    subject_commitment: Attestation::commitment_for(&bind, &id.public_key()),
                },
            )
            .unwrap();
            attestations.insert(id.public_key(), (att, bind));
        }
        for rec in phone.book.iter() {
            let (att, bind) = &attestations[&rec.secret().own_key()];
            let report = InfectionReport::create(rec, att, bind).unwrap().encode();
            let to = owner[&rec.secret().peer_key()];
            if rec.met_between(window_start, day_of(att.fields().not_after)) {
                expected.insert((to, rec.pair_id(), att.fields().cert_nonce));
            }
            figures.reports += 1;
            for offset in RESEND {
                sends
                    .entry(t_test + offset)
                    .or_default()
                    .push((to, report.to_vec()));
            }
        }
    }
    let mut net_rng = ChaCha20Rng::seed_from_u64(net_seed);
    let mut net: Network<usize, (bool, Vec<u8>)> =
        Network::new(net_seed, Faults::uniform(rate, 600));
    let end = t_test + 3 * DAY;
    let mut t = t_test;
    while t <= end {
        for (_, batch) in sends.range(t..t + 60) {
            for (to, bytes) in batch {
                figures.sends += 1;
                figures.bytes_sent += bytes.len() as u64;
                net.send(t, *to, (true, bytes.clone()));
            }
        }
        // The attacker floods the victim with junk reports for the first six hours.
        if t < t_test + 6 * HOUR {
            for _ in 0..100 {
                let mut junk = vec![0u8; REPORT_LEN];
                net_rng.fill_bytes(&mut junk);
                net.send(t, VICTIM, (false, junk));
                figures.flood_packets += 1;
            }
        }
        for env in net.deliver_due(t + 59) {
            if env.copy != Copy::Original {
                figures.copies_delivered += 1;
            }
            let (honest, packet) = env.packet;
            let now = t + 59;
            let phone = &mut phones[env.to];
            if phone.gov.step(LoadInput::Inbound { weight: 1 }, now) != LoadOutput::Accept {
                if honest {
                    figures.honest_dropped_while_down += 1;
                } else {
                    figures.junk_dropped_while_down += 1;
                }
                continue;
            }
            match phone.rx.receive(&packet, &phone.book, &keys, &policy, now) {
                Ok(n) => {
                    assert!(honest, "junk was accepted");
                    figures.notified += 1;
                    *phone.notified.entry((n.pair_id, n.cert_nonce)).or_default() += 1;
                    figures.worst_delay = figures.worst_delay.max(now - t_test);
                }
                Err(EncounterError::Replayed) if honest => figures.replays_refused += 1,
                Err(e) => {
                    assert!(!honest, "an honest report was refused with {e:?}");
                    *figures
                        .junk_refusals
                        .entry(contact_tracing::error::ErrorCode::code(&e))
                        .or_default() += 1;
                }
            }
            assert!(phone.rx.cache().live(now) <= CACHE);
            assert!(phone.book.len() <= ContactLimits::DEFAULT.capacity);
        }
        t += 60;
    }
    assert!(
        figures.junk_dropped_while_down > figures.flood_packets / 2,
        "the flood takes the victim down"
    );
    // Every contact in the window is notified exactly once, and nobody else is.
    let mut got = BTreeSet::new();
    for (i, phone) in phones.iter().enumerate() {
        for (&(pair, nonce), &count) in &phone.notified {
            assert_eq!(count, 1, "phone {i}: notified {count} times for one report");
            got.insert((i, pair, nonce));
        }
    }
    assert!(expected.iter().any(|(to, _, _)| *to == VICTIM));
    assert_eq!(got, expected, "at loss rate {rate}");
    (figures, net.stats())
}

#[test]
fn encounter_reports_over_a_hostile_network() {
    println!(
        "{:>5} {:>7} {:>6} {:>8} {:>6} {:>5} {:>6} {:>8} {:>8} {:>8} {:>6} {:>9} {:>9}",
        "loss",
        "reports",
        "sends",
        "deliv'd",
        "lost",
        "dup",
        "replay",
        "notified",
        "refused",
        "downDrop",
        "flood",
        "B/pos/day",
        "worst(s)"
    );
    for (rate, seed) in [(0.0, 11), (0.01, 12), (0.05, 13), (0.20, 14)] {
        let (f, s) = run(rate, seed);
        println!(
            "{:>4}% {:>7} {:>6} {:>8} {:>6} {:>5} {:>6} {:>8} {:>8} {:>8} {:>6} {:>9} {:>9}",
            (rate * 100.0) as u32,
            f.reports,
            f.sends,
            s.delivered,
            s.dropped,
            s.duplicated,
            s.replayed,
            f.notified,
            f.replays_refused,
            f.honest_dropped_while_down,
            f.flood_packets,
            f.bytes_sent / (POSITIVE as u64) / 3,
            f.worst_delay
        );
        println!(
            "      junk: {} dropped while down, refused {:?}",
            f.junk_dropped_while_down, f.junk_refusals
        );
        assert!(
            f.notified <= f.reports,
            "at most one notification per report"
        );
    }
}
