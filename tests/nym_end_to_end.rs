//! End-to-end in memory (spec/nym.md §7): an authority, five mixes, a mailbox, a nymserver and 50
//! clients meet over simulated days; A tests positive and exactly A's contacts are notified; one
//! of them extends the chain and exactly its contacts are notified next; everybody else only
//! receives dummies. Every client↔server message is a 380-byte mix packet.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod nym_world;

use std::collections::BTreeSet;

use contact_tracing::mix::SECONDS_PER_DAY;
use contact_tracing::nym::ClientEvent;
use nym_world::*;
use rand_core::RngCore;

const CLIENTS: usize = 50;
const SLOTS: u64 = 4;

fn run_day(w: &mut World, day: u64, meetings: usize, forced: &[(usize, usize)]) {
    let slot_len = SECONDS_PER_DAY / SLOTS;
    for s in 0..SLOTS {
        w.now = START + day * SECONDS_PER_DAY + s * slot_len;
        if s == 0 {
            w.publish();
        }
        w.tick_all();
        for c in 0..w.clients.len() {
            w.supply(c);
        }
        if s == 1 {
            for &(a, b) in forced {
                w.meet(a, b, 3);
            }
        }
        for _ in 0..meetings {
            // Clients 0..=3 only meet whom the scenario says, so the chain is predictable.
            let a = 4 + (w.rng.next_u32() as usize) % (CLIENTS - 4);
            let b = 4 + (w.rng.next_u32() as usize) % (CLIENTS - 4);
            if a != b {
                w.meet(a, b, 1);
            }
        }
        w.poll_all();
    }
}

#[test]
fn notification_chain_reaches_exactly_the_contacts() {
    let mut w = World::new(CLIENTS, 42);
    // A = 0 meets 1, 2 and 10, 11; B = 1 meets 20, 21 and 10 (shared with A).
    run_day(&mut w, 0, 6, &[(0, 1), (0, 10), (1, 20)]);
    run_day(&mut w, 1, 6, &[(0, 2), (0, 11), (1, 21), (1, 10)]);
    assert_eq!(
        w.swap_results.get("created").copied(),
        Some(2 * SLOTS * CLIENTS as u64)
    );
    assert!(w.notifications(0).is_empty());

    // A tests positive: the authority issues a token (max one chain step, approval required).
    let token = w.report_infection(0, 1);
    let r0 = w.reports.last().unwrap().clone();
    assert!(r0.held && r0.packets.is_empty() && r0.generation == 0);
    assert_eq!(r0.matched, w.heard[0].len());
    // Nothing is sent before the authority approves.
    w.poll_all();
    assert!((0..CLIENTS).all(|c| w.notifications(c).is_empty()));
    w.approve_last();
    w.poll_all();

    let contacts_a = w.contacts_of(0);
    assert_eq!(contacts_a, BTreeSet::from([1, 2, 10, 11]));
    let notified: BTreeSet<usize> = (0..CLIENTS)
        .filter(|c| !w.notifications(*c).is_empty())
        .collect();
    assert_eq!(notified, contacts_a);
    for c in &notified {
        for (k, n) in w.notifications(*c) {
            assert_eq!(w.owner[&k], *c);
            assert!(w.heard[0].contains(&k));
            assert_eq!((n.case_id, n.generation, n.disease), (r0.case_id, 0, 840));
        }
    }
    let gen0: BTreeSet<[u8; 32]> = w.heard[0].clone();

    // The token is one-time.
    let before = w.reports.len();
    let out = w.clients[0]
        .report_infection(w.now, &token, &w.doc.clone(), &mut w.rng)
        .unwrap();
    w.send(0, Cat::Upload, out);
    assert_eq!(w.reports.len(), before);
    assert_eq!(w.swap_results.get("TokenSpent").copied(), Some(1));

    // B = 1 agrees to extend the chain with one notified address.
    let (kb, nb) = w.notifications(1)[0];
    let doc = w.doc.clone();
    let out = w.clients[1]
        .extend_chain(w.now, &kb, &nb, &doc, &mut w.rng)
        .unwrap();
    w.send(1, Cat::Upload, out);
    let r1 = w.reports.last().unwrap().clone();
    assert_eq!((r1.case_id, r1.generation, r1.batch), (r0.case_id, 1, 1));
    assert!(r1.held);
    let counts_before: Vec<usize> = (0..CLIENTS).map(|c| w.notifications(c).len()).collect();
    w.approve_last();
    w.poll_all();

    // Exactly B's contacts, minus addresses already in the case, get a generation-1 notice.
    let expected: BTreeSet<[u8; 32]> = w.heard[1].difference(&gen0).copied().collect();
    let mut got = BTreeSet::new();
    for (c, before) in counts_before.iter().enumerate() {
        for (k, n) in w.notifications(c).into_iter().skip(*before) {
            assert_eq!(n.generation, 1);
            assert_eq!(w.owner[&k], c);
            got.insert(k);
        }
    }
    assert_eq!(got, expected);
    let gen1_clients: BTreeSet<usize> = expected.iter().map(|k| w.owner[k]).collect();
    assert!(gen1_clients.contains(&20) && gen1_clients.contains(&21) && gen1_clients.contains(&0));

    // B cannot extend twice; a generation-1 contact cannot extend past max_generation = 1.
    let out = w.clients[1]
        .extend_chain(w.now, &kb, &nb, &doc, &mut w.rng)
        .unwrap();
    w.send(1, Cat::Upload, out);
    assert_eq!(w.swap_results.get("TokenSpent").copied(), Some(2));
    let (k20, n20) = *w.notifications(20).last().unwrap();
    let out = w.clients[20]
        .extend_chain(w.now, &k20, &n20, &doc, &mut w.rng)
        .unwrap();
    w.send(20, Cat::Upload, out);
    assert_eq!(w.swap_results.get("ChainLimit").copied(), Some(1));

    // One more day of schedule: every old mailbox gets exactly one payload (dummy or notice).
    run_day(&mut w, 2, 6, &[]);
    let everyone_notified: BTreeSet<usize> = contacts_a.union(&gen1_clients).copied().collect();
    for c in 0..CLIENTS {
        let dummies = w.events[c]
            .iter()
            .filter(|e| matches!(e, ClientEvent::Dummy))
            .count();
        assert!(dummies > 0, "client {c} saw no dummy");
        if !everyone_notified.contains(&c) {
            assert!(w.notifications(c).is_empty(), "client {c} was notified");
        }
    }
    // The swaps of the update schedule were all accepted.
    assert!(!w.swap_results.contains_key("BadAuthentication"));
    assert!(w.swap_results.get("replaced").copied().unwrap_or(0) > CLIENTS as u64 * SLOTS);
}
