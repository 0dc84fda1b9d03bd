//! End-to-end on a loss-free network (spec/nym.md §7): an authority, five mixes, a mailbox, a
//! nymserver and 12 clients over simulated days. Every address is confirmed before it is
//! broadcast; A tests positive and exactly A's contacts are notified, once; B extends the chain
//! and exactly its new contacts are notified; nobody else hears anything; every SURB that is
//! replaced unused carries an acknowledgement. Every client↔server message is a 380-byte packet.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod nym_world;

use std::collections::BTreeSet;

use contact_tracing::nym::{ClientEvent, OutgoingKind};
use nym_world::*;

#[test]
fn notification_chain_reaches_exactly_the_contacts() {
    let s = Scenario::small(Faults::NONE, 42);
    let (w, f) = scenario(s);
    // Every supplied address was confirmed, nothing was retried, lost or stuck.
    assert_eq!(f.confirmed as u64, f.supplied);
    assert_eq!(f.silent, 0);
    assert_eq!((f.retried, f.resent, f.lost, f.stuck), (0, 0, 0, 0));
    assert_eq!(w.count_sent(OutgoingKind::Create), f.supplied);
    assert!(w.count_sent(OutgoingKind::Confirm) >= f.supplied);
    assert_eq!(
        w.count_sent(OutgoingKind::Confirm),
        f.supplied + w.count_sent(OutgoingKind::Rearm)
    );
    // The index case's upload and B's extension were processed, and both clients learned it.
    assert_eq!(f.uploads_done, 2);
    let case = w.reports[0].case_id;
    assert_eq!((w.reports[0].generation, w.reports[1].generation), (0, 1));
    assert!(w.reports.iter().all(|r| r.case_id == case && r.held));

    // Exactly A's contacts were notified in generation 0, each address once.
    let contacts_a = w.contacts_of(0);
    assert_eq!(contacts_a, BTreeSet::from([1, 2, 10, 11]));
    let gen0: BTreeSet<[u8; 32]> = w.heard[0].clone();
    let mut got0 = BTreeSet::new();
    let mut got1 = BTreeSet::new();
    for c in 0..s.clients {
        for (k, n, _) in w.notifications(c) {
            assert_eq!(w.owner[&k], c);
            assert_eq!((n.case_id, n.disease), (case, 840));
            let fresh = if n.generation == 0 {
                got0.insert(k)
            } else {
                got1.insert(k)
            };
            assert!(fresh, "address notified twice");
        }
    }
    assert_eq!(got0, gen0);
    // Generation 1: B's contacts not already in the case.
    let expected: BTreeSet<[u8; 32]> = w.heard[1].difference(&gen0).copied().collect();
    assert_eq!(got1, expected);
    let gen1_clients: BTreeSet<usize> = expected.iter().map(|k| w.owner[k]).collect();
    assert!(gen1_clients.contains(&3) && gen1_clients.contains(&5) && gen1_clients.contains(&0));
    let notified: BTreeSet<usize> = got0.iter().chain(&got1).map(|k| w.owner[k]).collect();
    for c in 0..s.clients {
        if !notified.contains(&c) {
            assert!(w.notifications(c).is_empty(), "client {c} was notified");
        }
    }
    // The properties of issue 11 hold (checked again here for the record).
    assert_eq!(f.messages, f.delivered);
    assert_eq!(f.contacts_told, f.contacts);
    assert_eq!(f.chain_told, f.chain_contacts);
    // Acknowledgements flowed: the nymserver acknowledged every confirmation and update.
    assert!(w.results["acknowledged"] >= f.supplied);
    assert!(!w.results.contains_key("BadAuthentication"));
    assert!(!w.results.contains_key("StaleSwap"));
    assert_eq!(
        w.count_events(|e| matches!(
            e,
            ClientEvent::Garbled { .. } | ClientEvent::AddressLost { .. }
        )),
        0
    );
}
