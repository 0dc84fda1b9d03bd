//! Regression tests for issue 11's nym findings and the flood test of every bounded table
//! (`spec/nym.md §9`, Bounded state): each table is flooded from the outside, its bound holds, and
//! honest traffic still gets through where the spec says it must.
//!
//! The same scenarios written against the API of 98df3a2 fail there (finding 1: the contact is
//! never notified and never told; finding 3: `respond` answers slot s + 10 with slot s's address;
//! finding 4: 5 000 partial uploads are kept, with no getter, setting or refusal).
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod nym_world;

use contact_tracing::mix::{
    create_forward, create_surb, Destination, Geometry, MailboxAddress, MixSecret, RouteHop,
    SECONDS_PER_DAY,
};
use contact_tracing::nym::authority::{ApprovalMode, Authority};
use contact_tracing::nym::{
    chain_element, fragment_upload, nym_key, seal_blob, AddressState, Client, ClientConfig,
    ContactAddress, Fragment, LogEntry, Mailbox, MailboxLimits, MailboxStore, NotificationBody,
    NymError, NymStore, Nymserver, NymserverLimits, NymserverSecret, SendOutcome, ServerOutput,
    SwapOutcome, SwapRequest, Upload, MAX_MAILBOX_PAYLOADS, SLOT_SECONDS,
};
use nym_world::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const G: Geometry = Geometry::FOUR_HOPS;
const NOW: u64 = START + 3600;

fn route() -> Vec<RouteHop> {
    [1u8, 2, 3, 10]
        .iter()
        .map(|n| RouteHop {
            entity: *n,
            key_select: 7,
            public_key: MixSecret::from_bytes([*n; 32]).public_key(),
        })
        .collect()
}

fn surb(i: u8) -> contact_tracing::mix::Surb {
    create_surb(
        G,
        &route(),
        &MailboxAddress([i; 36]),
        &[i; 32],
        &[i ^ 1; 32],
    )
    .unwrap()
    .0
}

fn server(limits: NymserverLimits) -> (Nymserver, Authority) {
    let ha = Authority::from_seed(&[3; 32]);
    let ns =
        Nymserver::new(G, NymserverSecret::from_bytes([4; 32]), ha.public()).with_limits(limits);
    (ns, ha)
}

fn swap(seed: [u8; 32], index: usize, s: &contact_tracing::mix::Surb) -> Vec<u8> {
    let k = ContactAddress::from_seed(&seed).address();
    SwapRequest {
        key: nym_key(&k),
        authentication: *chain_element(&seed, index).unwrap(),
        blob: seal_blob(&k, s).unwrap(),
    }
    .encode()
}

fn body() -> NotificationBody {
    NotificationBody {
        case_id: [1; 16],
        chain_token: [2; 16],
        generation: 0,
        disease: 840,
        time: NOW,
        duration: 1,
    }
}

/// Finding 3: with no confirmed address for the current slot the client answers nothing, and a
/// confirmed address is used only in its own slot.
#[test]
fn respond_is_silent_without_a_confirmed_address_of_this_slot() {
    let mut w = World::new(1, 8, Faults::NONE);
    let slot = (NOW + 3600) / SLOT_SECONDS;
    w.now = NOW;
    w.supply(0, slot);
    // Not confirmed yet: silent even in its own slot.
    assert!(w.clients[0]
        .respond(slot * SLOT_SECONDS, &[1; 16])
        .is_none());
    w.advance(slot * SLOT_SECONDS);
    let (k, _, state) = w.clients[0].addresses().next().unwrap();
    assert_eq!(state, AddressState::Settled);
    assert_eq!(w.clients[0].respond(w.now, &[1; 16]).unwrap().address, k);
    // Ten slots later there is no address for that slot: silence, never the old K.
    assert!(w.clients[0]
        .respond(w.now + 10 * SLOT_SECONDS, &[1; 16])
        .is_none());
    assert!(w.clients[0]
        .respond(w.now - SLOT_SECONDS, &[1; 16])
        .is_none());
}

/// Finding 4: partial uploads are capped (the oldest is evicted), counted, and an honest upload
/// sent after a flood still completes.
#[test]
fn partial_upload_flood_is_bounded_and_honest_uploads_complete() {
    let limits = NymserverLimits {
        max_partial_uploads: 64,
        ..NymserverLimits::default()
    };
    let (mut ns, ha) = server(limits);
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    for i in 0..5000u32 {
        let mut id = [0u8; 16];
        id[..4].copy_from_slice(&i.to_be_bytes());
        let f = Fragment {
            upload_id: id,
            index: 0,
            count: 1024,
            data: vec![0; 216],
        };
        assert_eq!(
            ns.handle_message(NOW, &f.encode(), &mut rng),
            Ok(ServerOutput::FragmentStored)
        );
        assert!(ns.partial_uploads() <= 64);
    }
    assert_eq!(ns.partial_uploads(), ns.limits().max_partial_uploads);
    let token = ha.issue(
        [9; 16],
        840,
        0,
        ApprovalMode::Automatic,
        NOW + SECONDS_PER_DAY,
    );
    let up = Upload::Infection {
        token,
        entries: vec![],
    };
    let frags = fragment_upload(&up.encode(), [0xee; 16]).unwrap();
    let mut last = None;
    for f in &frags {
        last = Some(ns.handle_message(NOW + 1, f, &mut rng).unwrap());
    }
    assert!(matches!(last, Some(ServerOutput::Upload(_))));
    assert_eq!(ns.spent_tokens(), 1);
}

/// Entries: a flood of creates stops at the bound (`NYM_CAPACITY`); Swaps of existing entries and
/// Sends still work.
#[test]
fn entry_flood_is_refused_at_the_bound_and_existing_entries_keep_working() {
    let (mut ns, _) = server(NymserverLimits {
        max_entries: 100,
        ..NymserverLimits::default()
    });
    let s = surb(1);
    let honest = [0xaa; 32];
    assert_eq!(
        ns.swap(NOW, &SwapRequest::decode(G, &swap(honest, 0, &s)).unwrap()),
        Ok(SwapOutcome::Created)
    );
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let mut refused = 0;
    for _ in 0..500 {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        match ns.handle_message(NOW, &swap(seed, 0, &s), &mut rng) {
            Ok(ServerOutput::Swap(SwapOutcome::Created)) => {}
            Err(NymError::Capacity) => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ns.store().len(), 100);
    assert_eq!(refused, 401);
    let out = ns
        .handle_message(NOW + 1, &swap(honest, 1, &s), &mut rng)
        .unwrap();
    assert!(matches!(
        out,
        ServerOutput::Swap(SwapOutcome::Acknowledged(..))
    ));
    let k = ContactAddress::from_seed(&honest).address();
    assert!(matches!(
        ns.send(NOW + 2, &k, &body()),
        Ok(SendOutcome::Sent(..))
    ));
}

/// Records of processed uploads, cases and spent serials: floods of complete but refused uploads
/// and of forged tokens do not grow them past their bounds; valid tokens stop at the bound.
#[test]
fn upload_records_cases_and_spent_serials_are_bounded() {
    let (mut ns, ha) = server(NymserverLimits {
        max_completed_uploads: 16,
        max_cases: 4,
        max_spent: 8,
        ..NymserverLimits::default()
    });
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let forger = Authority::from_seed(&[66; 32]);
    for i in 0..200u8 {
        let t = forger.issue([i; 16], 840, 0, ApprovalMode::Automatic, NOW + 100);
        let up = Upload::Infection {
            token: t,
            entries: vec![],
        };
        let f = fragment_upload(&up.encode(), [i; 16]).unwrap();
        assert_eq!(
            ns.handle_message(NOW, &f[0], &mut rng),
            Err(NymError::TokenBadSignature)
        );
        assert!(ns.completed_uploads() <= 16);
    }
    assert_eq!(ns.spent_tokens(), 0);
    let mut ok = 0;
    for i in 0..10u8 {
        let t = ha.issue([i; 16], 840, 0, ApprovalMode::Automatic, NOW + 100);
        match ns.handle_upload(
            NOW,
            &Upload::Infection {
                token: t,
                entries: vec![],
            },
            &mut rng,
        ) {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e, NymError::Capacity),
        }
    }
    assert_eq!((ok, ns.cases()), (4, 4));
    // Expiry frees the room.
    ns.expire(NOW + 100 + contact_tracing::nym::CASE_LIFETIME);
    assert_eq!(
        (ns.cases(), ns.spent_tokens(), ns.completed_uploads()),
        (0, 0, 0)
    );
}

/// Case members and held batches: an extension whose log could exceed the bound is refused
/// before anything changes; held batches stop at their bound.
#[test]
fn case_members_and_held_batches_are_bounded() {
    let (mut ns, ha) = server(NymserverLimits {
        max_case_members: 3,
        max_pending_batches: 1,
        ..NymserverLimits::default()
    });
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let e = LogEntry::seal(&ns.public_key(), &[1; 32], NOW, 1, &[5; 32]).unwrap();
    let t = ha.issue([1; 16], 840, 1, ApprovalMode::Authority, NOW + 100);
    let big = Upload::Infection {
        token: t,
        entries: vec![e; 4],
    };
    assert_eq!(
        ns.handle_upload(NOW, &big, &mut rng),
        Err(NymError::Capacity)
    );
    assert_eq!(ns.spent_tokens(), 0, "a refused upload spends nothing");
    let ok = Upload::Infection {
        token: t,
        entries: vec![e; 2],
    };
    ns.handle_upload(NOW, &ok, &mut rng).unwrap();
    let t2 = ha.issue([2; 16], 840, 1, ApprovalMode::Authority, NOW + 100);
    let next = Upload::Infection {
        token: t2,
        entries: vec![],
    };
    assert_eq!(
        ns.handle_upload(NOW, &next, &mut rng),
        Err(NymError::Capacity)
    );
    assert_eq!(ns.pending_batches(), 1);
}

/// Mailbox: a flood of new addresses stops at the bound; an existing address still receives, and
/// one address holds at most 64 payloads.
#[test]
fn mailbox_flood_is_bounded_and_existing_addresses_still_receive() {
    let mut m = Mailbox::new(G).with_limits(MailboxLimits { max_addresses: 50 });
    let honest = MailboxAddress([0xaa; 36]);
    m.receive(NOW, honest, &[1; 239]).unwrap();
    let mut refused = 0;
    for i in 0..300u32 {
        let mut a = [0u8; 36];
        a[..4].copy_from_slice(&i.to_be_bytes());
        if m.receive(NOW, MailboxAddress(a), &[2; 239]) == Err(NymError::Capacity) {
            refused += 1;
        }
    }
    assert_eq!((m.store().len(), refused), (50, 251));
    m.receive(NOW + 1, honest, &[3; 239]).unwrap();
    assert_eq!(m.serve(NOW + 2, &honest).len(), 2);
    for _ in 2..MAX_MAILBOX_PAYLOADS {
        m.receive(NOW + 3, honest, &[4; 239]).unwrap();
    }
    assert_eq!(
        m.receive(NOW + 3, honest, &[4; 239]),
        Err(NymError::MailboxFull)
    );
}

/// The client's contact log: anyone in range can answer challenges with fresh addresses; the log
/// stops at its bound with `NYM_CAPACITY`.
#[test]
fn contact_log_flood_is_bounded() {
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let mut c = Client::new(ClientConfig {
        geometry: G,
        mailbox_entity: MAILBOX,
        nymserver_entity: NYMSERVER,
        nymserver_key: NymserverSecret::from_bytes([4; 32]).public(),
    })
    .with_log_limit(100);
    let mut refused = 0;
    for _ in 0..300 {
        let a = ContactAddress::random(&mut rng);
        let n = [7; 16];
        match c.record(NOW, &n, &a.respond(&n), 1, &mut rng) {
            Ok(()) => {}
            Err(NymError::Capacity) => refused += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!((c.log().entries().len(), refused), (100, 200));
    // After the retention, room again.
    c.prune(NOW + contact_tracing::nym::LOG_RETENTION);
    assert!(c.log().entries().is_empty());
}

/// A hostile mailbox server answering every poll with 64 junk payloads: the client reads one
/// payload per arm, learns the arm was spent, re-arms, and its state stays bounded.
#[test]
fn junk_mailbox_answers_spend_an_arm_and_nothing_grows() {
    let mut w = World::new(1, 9, Faults::NONE);
    let slot = (NOW + 3600) / SLOT_SECONDS;
    w.now = NOW;
    w.supply(0, slot);
    w.advance(NOW + 1800);
    let doc = w.doc.clone();
    for round in 0..20u64 {
        let now = NOW + 1800 + round * 900;
        for mb in w.clients[0].poll_addresses(now) {
            let junk = vec![vec![0x5a; 239]; 64];
            let (events, _) = w.clients[0]
                .handle_poll(now, &mb, &junk, &doc, &mut w.rng)
                .unwrap();
            assert!(events.len() <= 2);
        }
        let (_, out) = w.clients[0].tick(now, &doc, &mut w.rng).unwrap();
        assert!(out.len() <= 1);
    }
    assert!(w.clients[0].addresses().count() == 1);
    assert!(
        w.clients[0].poll_addresses(NOW + 100_000).len() <= contact_tracing::nym::SWAP_WINDOW + 1
    );
}

/// A Swap is a forward packet like any other: flooding the nymserver through the mix network with
/// replays of one honest Swap packet applies it once (the first mix drops the copies).
#[test]
fn replayed_swap_packets_are_applied_once() {
    let mut w = World::new(1, 10, Faults::NONE);
    w.now = NOW;
    w.supply(0, (NOW + 3600) / SLOT_SECONDS);
    let s = surb(3);
    let msg = swap([0x77; 32], 0, &s);
    let r: Vec<RouteHop> =
        contact_tracing::mix::select_route(&w.doc, NYMSERVER, G, NOW, NOW, &mut w.rng).unwrap();
    let (hop, p) = create_forward(G, &r, &Destination::Nymserver, &msg, &[9; 32]).unwrap();
    for _ in 0..10 {
        w.net
            .send(NOW, Dest::Node(hop), Msg::Packet(p.as_bytes().to_vec()));
    }
    w.run_network(NOW + 600);
    assert_eq!(w.results.get("created").copied(), Some(2));
    assert_eq!(w.drops.get("Replay").copied(), Some(9));
}

/// One infection upload under a fresh token whose log names `k` once.
fn upload_naming(ha: &Authority, ns: &Nymserver, serial: u32, k: &[u8; 32]) -> Upload {
    let mut s = [0u8; 16];
    s[..4].copy_from_slice(&serial.to_be_bytes());
    let mut eph = [7u8; 32];
    eph[..4].copy_from_slice(&serial.to_be_bytes());
    Upload::Infection {
        token: ha.issue(s, 840, 1, ApprovalMode::Automatic, NOW + 100),
        entries: vec![LogEntry::seal(&ns.public_key(), k, NOW, 1, &eph).unwrap()],
    }
}

/// Spent serials (audit gap 1): with `max_spent` below `max_cases`, a flood of valid tokens is
/// refused by the spent set's bound itself (`NYM_CAPACITY`, check 4 of §6.3) while cases still
/// have room; a repeated serial is still `NYM_TOKEN_SPENT` (check 3 comes first); a member's chain
/// extension and the owner's Swaps go on while the set is full; expiry frees it.
#[test]
fn spent_serial_flood_is_refused_by_its_own_bound() {
    let (mut ns, ha) = server(NymserverLimits {
        max_cases: 64,
        max_spent: 4,
        ..NymserverLimits::default()
    });
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let seed = [0xab; 32];
    let k = ContactAddress::from_seed(&seed).address();
    let s = surb(5);
    ns.swap(NOW, &SwapRequest::decode(G, &swap(seed, 0, &s)).unwrap())
        .unwrap();
    let first = upload_naming(&ha, &ns, 0, &k);
    let report = ns.handle_upload(NOW, &first, &mut rng).unwrap();
    assert_eq!(report.matched, 1);
    let mut refused = 0;
    for i in 1..200u32 {
        let up = upload_naming(&ha, &ns, i, &[0; 32]);
        match ns.handle_upload(NOW, &up, &mut rng) {
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e, NymError::Capacity);
                refused += 1;
            }
        }
        assert!(ns.spent_tokens() <= 4);
    }
    assert_eq!((refused, ns.spent_tokens(), ns.cases()), (196, 4, 4));
    assert!(
        ns.cases() < ns.limits().max_cases,
        "the case bound did not refuse"
    );
    assert_eq!(
        ns.handle_upload(NOW, &first, &mut rng).map(|_| ()),
        Err(NymError::TokenSpent)
    );
    // The member's chain extension needs no serial: it is processed while the set is full.
    let key = nym_key(&k);
    let body = ns.store().get(&key).unwrap().history[0].open(&k).unwrap();
    let ext = Upload::Extension {
        case_id: body.case_id,
        address: k,
        chain_token: body.chain_token,
        entries: vec![],
    };
    assert_eq!(
        ns.handle_upload(NOW + 1, &ext, &mut rng)
            .unwrap()
            .generation,
        1
    );
    // The owner's Swap re-arms the SURB the notification spent.
    assert_eq!(
        ns.handle_message(NOW + 2, &swap(seed, 1, &surb(6)), &mut rng),
        Ok(ServerOutput::Swap(SwapOutcome::Rearmed))
    );
    // Serials are purged when their tokens expire: room again.
    ns.expire(NOW + 100);
    assert_eq!(ns.spent_tokens(), 0);
    let mut later = upload_naming(&ha, &ns, 500, &[0; 32]);
    if let Upload::Infection { token, .. } = &mut later {
        *token = ha.issue([0x55; 16], 840, 0, ApprovalMode::Automatic, NOW + 300);
    }
    ns.handle_upload(NOW + 101, &later, &mut rng).unwrap();
    assert_eq!(ns.spent_tokens(), 1);
}

/// Queue, messages and history of one entry (audit gap 2), flooded from outside: 40 authorised
/// uploads name the same contact address. The first Send uses the SURB (D3), the next
/// `MAX_QUEUE` are queued (D4), the rest up to `MAX_MESSAGES` are kept in the history only (D5),
/// and every later one is refused (`NYM_CAPACITY`, D2, counted in `failed`); the history keeps
/// the last `HISTORY_LEN`. Another address is unaffected, and the owner's Swaps drain the queue one
/// message per SURB, then re-arm, then are acknowledged.
#[test]
fn entry_queue_messages_and_history_floods_from_uploads_are_bounded() {
    use contact_tracing::nym::{HISTORY_LEN, MAX_MESSAGES, MAX_QUEUE};
    let (mut ns, ha) = server(NymserverLimits::default());
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let seed = [0xcd; 32];
    let k = ContactAddress::from_seed(&seed).address();
    let other = [0xce; 32];
    let k2 = ContactAddress::from_seed(&other).address();
    for sd in [seed, other] {
        ns.swap(
            NOW,
            &SwapRequest::decode(G, &swap(sd, 0, &surb(8))).unwrap(),
        )
        .unwrap();
    }
    let (mut sent, mut queued, mut failed) = (0, 0, 0);
    for i in 0..40u32 {
        let r = ns
            .handle_upload(NOW, &upload_naming(&ha, &ns, i, &k), &mut rng)
            .unwrap();
        sent += r.delivery.packets.len();
        queued += r.delivery.queued;
        failed += r.delivery.failed;
        let e = ns.store().get(&nym_key(&k)).unwrap();
        assert!(e.queue.len() <= MAX_QUEUE && e.history.len() <= HISTORY_LEN);
        assert!(e.next_seq <= MAX_MESSAGES);
    }
    assert_eq!(
        (sent, queued, failed),
        (
            1,
            usize::from(MAX_MESSAGES) - 1,
            40 - usize::from(MAX_MESSAGES)
        )
    );
    let e = ns.store().get(&nym_key(&k)).unwrap().clone();
    assert_eq!((e.queue.len(), e.next_seq), (MAX_QUEUE, MAX_MESSAGES));
    let seqs: Vec<u8> = e.history.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![29, 30, 31]);
    assert!(e.history.iter().all(|r| r.open(&k).is_ok()));
    // Another address still receives.
    let r = ns
        .handle_upload(NOW, &upload_naming(&ha, &ns, 99, &k2), &mut rng)
        .unwrap();
    assert_eq!(r.delivery.packets.len(), 1);
    // The owner drains the queue, one message per fresh SURB, then re-arms, then is acknowledged.
    for i in 1..=MAX_QUEUE {
        let out = ns
            .handle_message(NOW + i as u64, &swap(seed, i, &surb(9)), &mut rng)
            .unwrap();
        assert!(
            matches!(out, ServerOutput::Swap(SwapOutcome::Drained(..))),
            "{out:?}"
        );
    }
    assert!(ns.store().get(&nym_key(&k)).unwrap().queue.is_empty());
    let n = MAX_QUEUE + 1;
    assert_eq!(
        ns.handle_message(NOW + 20, &swap(seed, n, &surb(9)), &mut rng),
        Ok(ServerOutput::Swap(SwapOutcome::Rearmed))
    );
    assert!(matches!(
        ns.handle_message(NOW + 21, &swap(seed, n + 1, &surb(9)), &mut rng),
        Ok(ServerOutput::Swap(SwapOutcome::Acknowledged(..)))
    ));
}

/// Client 0 supplies an address for a slot 23 h 30 min ahead (within MAX_SUPPLY_LEAD), client 1
/// logs it in that slot, and the world runs until one hour before the entry refuses Sends
/// (`expires − SEND_CLOSE − 1 h`), when client 1's log entry is one day short of its 30 days.
/// Client 1 then uploads with a held token. Returns the world, `K`, the client's expiry for it and
/// the upload's report.
fn end_of_life_setup(seed: u8) -> (World, [u8; 32], u64, contact_tracing::nym::UploadReport) {
    use contact_tracing::nym::ENTRY_LIFETIME;
    let mut w = World::new(2, seed, Faults::NONE);
    let slot = (w.now + 23 * 3600 + 1800) / SLOT_SECONDS;
    w.supply(0, slot);
    let (k, _, _) = w.clients[0].addresses().last().unwrap();
    let expires = w.now + ENTRY_LIFETIME;
    w.advance(slot * SLOT_SECONDS + 60);
    w.meet(0, 1, 300);
    assert!(
        w.heard[1].contains(&k),
        "client 1 logged client 0's address"
    );
    w.advance(expires - SECONDS_PER_DAY - 2 * 3600);
    w.report_infection(1, 1, ApprovalMode::Authority);
    w.advance(expires - SECONDS_PER_DAY - 3600);
    let report = w.reports.last().cloned().expect("the upload was processed");
    assert!(report.held && report.matched == 1, "{report:?}");
    (w, k, expires, report)
}

/// Regression (spec/nym.md §7.7, NYM-READ-5, the former "open end-of-life window"): a settled
/// address used to stop its daily updates one to two days before its entry expired, and the client
/// dropped it at expiry, so a notification the nymserver accepted in that window whose packet was
/// lost was never learned of. Here the authority approves one hour before the entry closes
/// (`expires − SEND_CLOSE − 1 h`, after the last update the old schedule sent), the adversary
/// drops the notification, and the owner now learns of it: its updates go on until a Swap sent
/// after the entry closed is acknowledged, and that acknowledgement carries the sealed copy
/// (NYM-CLIENT-8). Before the fix the owner never learned of it.
#[test]
fn end_of_life_notification_lost_in_flight_is_learned() {
    let (mut w, k, expires, _) = end_of_life_setup(41);
    w.drop_approved = true;
    w.approve_all();
    let key = nym_key(&k);
    assert_eq!(w.accepted.len(), 1, "the nymserver accepted the Send");
    assert!(w.accepted.contains_key(&(key, 0)));
    w.advance(expires + 4 * SECONDS_PER_DAY);
    assert!(
        w.learned.contains_key(&(key, 0)),
        "the owner learned of the notification (delivered or reported lost): {:?}",
        w.events[0]
    );
    assert_eq!(
        w.notifications(0).len() + w.lost(0).len(),
        1,
        "{:?}",
        w.events[0]
    );
    assert_eq!(
        w.count_events(|e| matches!(e, contact_tracing::nym::ClientEvent::AddressLost { .. })),
        0
    );
    assert_eq!(w.clients[0].addresses().count(), 0, "pruned once finished");
}

/// The other half of the rule (spec/nym.md §3.5, D1): in its last `SEND_CLOSE` an entry refuses
/// Sends, and the case handling counts the refusal (`failed`), so an approval that comes after the
/// owner's last Swap does not silently lose a notification the owner could not learn of.
#[test]
fn end_of_life_entry_refuses_sends_in_its_last_send_close() {
    let (mut w, k, expires, report) = end_of_life_setup(42);
    w.advance(expires - SECONDS_PER_DAY + 3600);
    let approval = w.authority.approve(report.case_id, report.batch, true);
    let d = w.nymserver.approve(w.now, &approval).unwrap();
    assert_eq!(
        (d.packets.len(), d.queued, d.failed),
        (0, 0, 1),
        "refused, and counted"
    );
    let e = w
        .nymserver
        .store()
        .get(&nym_key(&k))
        .expect("not yet expired");
    assert_eq!(e.next_seq, 0, "nothing accepted");
}
