//! Unit tests of the nym module (the network-level tests are `tests/nym_*.rs`).

use super::authority::{ApprovalMode, Authority};
use super::*;
use crate::error::ErrorCode;
use crate::mix::{
    create_surb, process_hop, Geometry, MailboxAddress, MixSecret, Outcome, RouteHop, Surb,
    SurbSecret,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use std::collections::BTreeSet;
use std::vec::Vec;

const G: Geometry = Geometry::FOUR_HOPS;
const NOW: u64 = 20_000 * DAY;

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

fn surb(i: u8) -> (Surb, SurbSecret) {
    create_surb(
        G,
        &route(),
        &MailboxAddress([i; 36]),
        &[i; 32],
        &[i ^ 0x55; 32],
    )
    .unwrap()
}

/// The payload a reply packet delivers at the mailbox (entity 10) of the fixed route.
fn deliver(packet: &crate::mix::Packet) -> Vec<u8> {
    let mut p = packet.as_bytes().to_vec();
    for n in [1u8, 2, 3, 10] {
        match process_hop(G, &[n; 32], &p).unwrap() {
            Outcome::Forward { packet, .. } => p = packet,
            Outcome::Deliver { payload, .. } => return payload,
            Outcome::Swap { .. } => panic!("swap"),
        }
    }
    panic!("not delivered")
}

fn server() -> (Nymserver, Authority) {
    let ha = Authority::from_seed(&[3; 32]);
    (
        Nymserver::new(G, NymserverSecret::from_bytes([4; 32]), ha.public()),
        ha,
    )
}

struct Addr {
    seed: [u8; 32],
    k: [u8; 32],
}

fn addr(i: u8) -> Addr {
    let seed = [i; 32];
    Addr {
        seed,
        k: ContactAddress::from_seed(&seed).address(),
    }
}

fn swap_req(a: &Addr, index: usize, s: &Surb) -> SwapRequest {
    SwapRequest {
        key: nym_key(&a.k),
        authentication: *chain_element(&a.seed, index).unwrap(),
        blob: seal_blob(&a.k, s).unwrap(),
    }
}

fn body(b: u8) -> NotificationBody {
    NotificationBody {
        case_id: [b; 16],
        chain_token: [b; 16],
        generation: 0,
        disease: 840,
        time: NOW,
        duration: 2,
    }
}

#[test]
fn error_codes_are_distinct_and_prefixed() {
    let codes: BTreeSet<&str> = NymError::ALL.iter().map(|e| e.code()).collect();
    assert_eq!(codes.len(), NymError::ALL.len());
    assert!(codes.iter().all(|c| c.starts_with("NYM_")));
}

#[test]
fn swap_fills_the_payload_exactly() {
    let a = addr(1);
    let req = swap_req(&a, 0, &surb(1).0);
    let bytes = req.encode();
    assert_eq!(bytes.len(), 32 + 32 + 141 + 1 + 32);
    assert_eq!(bytes.len(), G.max_message_len());
    assert_eq!(
        NymMessage::decode(G, &bytes).unwrap(),
        NymMessage::Swap(req)
    );
    for r in 1..=16 {
        let g = Geometry::new(r).unwrap();
        assert_eq!(64 + g.surb_len(), g.max_message_len());
        // A status request is always shorter than a Swap.
        assert!(1 + 16 + g.surb_len() < g.max_message_len());
    }
}

#[test]
fn blob_hides_only_the_message_key() {
    let a = addr(1);
    let b = addr(2);
    let (s, _) = surb(1);
    let blob = seal_blob(&a.k, &s).unwrap();
    assert_eq!(&blob[..142], &s.encode()[..142]);
    assert_ne!(&blob[142..], s.message_key());
    assert_eq!(open_blob(G, &a.k, &blob).unwrap(), s);
    // Under another address: a SURB with a wrong MessageKey.
    let wrong = open_blob(G, &b.k, &blob).unwrap();
    assert_eq!(wrong.header(), s.header());
    assert_ne!(wrong.message_key(), s.message_key());
    // The structure is checked without K.
    let mut bad = blob.clone();
    bad[141] = 0xff;
    assert_eq!(validate_blob(G, &bad), Err(NymError::BadBlob));
    bad[141] = 1;
    bad[0] = 60;
    assert_eq!(validate_blob(G, &bad), Err(NymError::BadBlob));
}

#[test]
fn chain_elements_hash_to_their_predecessor() {
    let a = addr(1);
    let e: Vec<[u8; 32]> = (0..=5)
        .map(|i| *chain_element(&a.seed, i).unwrap())
        .collect();
    for i in 1..=5 {
        assert_eq!(chain_step(&e[i]), e[i - 1]);
        assert_eq!(chain_distance(&e[i], &e[0], SWAP_WINDOW), Some(i));
        assert_eq!(chain_distance(&e[0], &e[i], SWAP_WINDOW), None);
    }
    assert_eq!(
        *chain_element(&a.seed, CHAIN_LEN).unwrap(),
        *chain_seed(&a.seed)
    );
    assert!(chain_element(&a.seed, CHAIN_LEN + 1).is_none());
    assert_eq!(chain_distance(&e[3], &e[0], 2), None);
}

#[test]
fn broadcast_exchange() {
    let a = ContactAddress::from_seed(&[5; 32]);
    let n = [9u8; 16];
    let resp = a.respond(&n);
    assert_eq!(verify_response(&n, &resp).unwrap(), a.address());
    assert_eq!(Response::decode(&resp.encode()).unwrap(), resp);
    let mut m = n;
    m[0] ^= 1;
    assert_eq!(
        verify_response(&m, &resp),
        Err(NymError::BadBroadcastSignature)
    );
    assert!(!std::format!("{a:?}").contains(&std::format!("{:02x?}", a.seed().as_ref())));
}

#[test]
fn log_entry_round_trip_retention_and_bound() {
    let ns = NymserverSecret::from_bytes([4; 32]);
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let k = [7u8; 32];
    let e = LogEntry::seal_with_rng(&ns.public(), &k, NOW, 3, &mut rng).unwrap();
    assert_eq!(
        *LogEntry::decode(&e.encode()).unwrap().open(&ns).unwrap(),
        k
    );
    let mut log = ContactLog::with_limit(2);
    log.push(e).unwrap();
    log.push(LogEntry::seal_with_rng(&ns.public(), &k, NOW + DAY, 1, &mut rng).unwrap())
        .unwrap();
    assert_eq!(log.push(e), Err(NymError::Capacity));
    assert_eq!(log.prune(NOW + LOG_RETENTION - 1), 0);
    assert_eq!(log.prune(NOW + LOG_RETENTION), 1);
    log.push(e).unwrap();
    assert_eq!(ContactLog::with_limit(usize::MAX).limit(), MAX_LOG_ENTRIES);
}

#[test]
fn tokens_redeem_once_and_the_spent_set_is_bounded() {
    let ha = Authority::from_seed(&[3; 32]);
    let t = ha.issue([1; 16], 840, 2, ApprovalMode::Automatic, NOW + DAY);
    let mut spent = authority::SpentSet::with_limit(1);
    spent.redeem(&t, &ha.public(), NOW).unwrap();
    assert_eq!(
        spent.redeem(&t, &ha.public(), NOW),
        Err(NymError::TokenSpent)
    );
    let t2 = ha.issue([2; 16], 840, 2, ApprovalMode::Automatic, NOW + DAY);
    assert_eq!(
        spent.redeem(&t2, &ha.public(), NOW),
        Err(NymError::Capacity)
    );
    let forged =
        Authority::from_seed(&[4; 32]).issue([3; 16], 840, 2, ApprovalMode::Automatic, NOW + DAY);
    assert_eq!(
        spent.redeem(&forged, &ha.public(), NOW),
        Err(NymError::TokenBadSignature)
    );
    spent.purge(NOW + DAY);
    assert!(spent.is_empty());
}

#[test]
fn swap_table() {
    let (mut ns, _) = server();
    let a = addr(1);
    let (s1, sec1) = surb(1);
    let (s2, _) = surb(2);
    let (s3, sec3) = surb(3);
    // Create with any element.
    assert_eq!(
        ns.swap(NOW, &swap_req(&a, 0, &s1)),
        Ok(SwapOutcome::Created)
    );
    // Stale: the stored element itself.
    assert_eq!(
        ns.swap(NOW, &swap_req(&a, 0, &s2)),
        Err(NymError::StaleSwap)
    );
    // Foreign: another address's chain.
    assert_eq!(
        ns.swap(NOW, &swap_req(&addr(9), 1, &s2)).map(|_| ()),
        Ok(()),
        "another key is another entry"
    );
    let mut foreign = swap_req(&a, 1, &s2);
    foreign.authentication[0] ^= 1;
    assert_eq!(ns.swap(NOW, &foreign), Err(NymError::BadAuthentication));
    // A Swap two elements ahead (one lost) is accepted and acknowledged through SURB 1.
    let out = ns.swap(NOW + 1, &swap_req(&a, 2, &s3)).unwrap();
    let SwapOutcome::Acknowledged(hop, p) = out else {
        panic!("{out:?}")
    };
    assert_eq!(hop, 1);
    let e0 = chain_element(&a.seed, 0).unwrap();
    match client::read_payload(&a.k, &sec1, &e0, &deliver(&p)).unwrap() {
        Reading::Ack {
            steps,
            ack,
            notifications,
        } => {
            assert_eq!(steps, 2);
            assert_eq!(ack.count, 0);
            assert!(notifications.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // The late Swap 1 is now stale.
    assert_eq!(
        ns.swap(NOW + 2, &swap_req(&a, 1, &s2)),
        Err(NymError::StaleSwap)
    );
    // A bad blob is refused before anything else, even with a good element.
    let mut bad = swap_req(&a, 3, &s2);
    bad.blob[141] = 0xff;
    assert_eq!(ns.swap(NOW + 3, &bad), Err(NymError::BadBlob));
    // Nothing changed: Swap 3 still works and acknowledges through SURB 3.
    let out = ns.swap(NOW + 4, &swap_req(&a, 3, &s2)).unwrap();
    let SwapOutcome::Acknowledged(_, p) = out else {
        panic!()
    };
    let e2 = chain_element(&a.seed, 2).unwrap();
    assert!(matches!(
        client::read_payload(&a.k, &sec3, &e2, &deliver(&p)),
        Ok(Reading::Ack { steps: 1, .. })
    ));
    // Beyond the window.
    let far = swap_req(&a, 3 + SWAP_WINDOW + 1, &s1);
    assert_eq!(ns.swap(NOW + 5, &far), Err(NymError::BadAuthentication));
    let edge = swap_req(&a, 3 + SWAP_WINDOW, &s1);
    assert!(matches!(
        ns.swap(NOW + 5, &edge),
        Ok(SwapOutcome::Acknowledged(..))
    ));
}

#[test]
fn send_drain_rearm_and_history() {
    let (mut ns, _) = server();
    let a = addr(1);
    let (s1, sec1) = surb(1);
    let (s2, sec2) = surb(2);
    let (s3, sec3) = surb(3);
    ns.swap(NOW, &swap_req(&a, 0, &s1)).unwrap();
    let SendOutcome::Sent(_, p) = ns.send(NOW, &a.k, &body(1)).unwrap() else {
        panic!()
    };
    let e0 = chain_element(&a.seed, 0).unwrap();
    assert_eq!(
        client::read_payload(&a.k, &sec1, &e0, &deliver(&p)).unwrap(),
        Reading::Notification(Notification {
            seq: 0,
            body: body(1)
        })
    );
    assert_eq!(ns.send(NOW, &a.k, &body(2)), Ok(SendOutcome::Queued));
    // Re-arm: the queued message goes out through SURB 2.
    let SwapOutcome::Drained(_, p) = ns.swap(NOW, &swap_req(&a, 1, &s2)).unwrap() else {
        panic!()
    };
    let e1 = chain_element(&a.seed, 1).unwrap();
    assert_eq!(
        client::read_payload(&a.k, &sec2, &e1, &deliver(&p)).unwrap(),
        Reading::Notification(Notification {
            seq: 1,
            body: body(2)
        })
    );
    // Re-arm again: nothing queued.
    assert_eq!(
        ns.swap(NOW, &swap_req(&a, 2, &s3)),
        Ok(SwapOutcome::Rearmed)
    );
    // Displacing the unused SURB 3 acknowledges with the count and both sealed messages.
    let SwapOutcome::Acknowledged(_, p) = ns.swap(NOW, &swap_req(&a, 3, &s1)).unwrap() else {
        panic!()
    };
    let e2 = chain_element(&a.seed, 2).unwrap();
    match client::read_payload(&a.k, &sec3, &e2, &deliver(&p)).unwrap() {
        Reading::Ack {
            ack, notifications, ..
        } => {
            assert_eq!(ack.count, 2);
            assert_eq!(
                notifications,
                std::vec![
                    Notification {
                        seq: 0,
                        body: body(1)
                    },
                    Notification {
                        seq: 1,
                        body: body(2)
                    }
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    // Queue full: recorded only; history keeps the last three.
    ns.send(NOW, &a.k, &body(3)).unwrap();
    for i in 0..MAX_QUEUE {
        assert_eq!(
            ns.send(NOW, &a.k, &body(4 + i as u8)),
            Ok(SendOutcome::Queued)
        );
    }
    assert_eq!(ns.send(NOW, &a.k, &body(99)), Ok(SendOutcome::Recorded));
    let e = ns.store().get(&nym_key(&a.k)).unwrap();
    assert_eq!(e.queue.len(), MAX_QUEUE);
    assert_eq!(e.history.len(), HISTORY_LEN);
    assert_eq!(e.history.last().unwrap().seq, e.next_seq - 1);
    // Messages per entry are bounded.
    while ns.store().get(&nym_key(&a.k)).unwrap().next_seq < MAX_MESSAGES {
        ns.send(NOW, &a.k, &body(7)).unwrap();
    }
    assert_eq!(ns.send(NOW, &a.k, &body(7)), Err(NymError::Capacity));
    // Expiry.
    assert_eq!(
        ns.send(NOW + ENTRY_LIFETIME, &a.k, &body(1)),
        Err(NymError::UnknownAddress)
    );
    assert_eq!(ns.expire(NOW + ENTRY_LIFETIME), 1);
}

#[test]
fn entries_are_bounded_and_expired_ones_are_overwritten() {
    let (ns, _) = server();
    let mut ns = ns.with_limits(NymserverLimits {
        max_entries: 2,
        ..NymserverLimits::default()
    });
    let (s, _) = surb(1);
    ns.swap(NOW, &swap_req(&addr(1), 0, &s)).unwrap();
    ns.swap(NOW, &swap_req(&addr(2), 0, &s)).unwrap();
    assert_eq!(
        ns.swap(NOW, &swap_req(&addr(3), 0, &s)),
        Err(NymError::Capacity)
    );
    // Replaces still work when full.
    assert!(matches!(
        ns.swap(NOW, &swap_req(&addr(1), 1, &s)),
        Ok(SwapOutcome::Acknowledged(..))
    ));
    // An expired, unpurged entry is overwritten in place by a create.
    let later = NOW + ENTRY_LIFETIME;
    assert_eq!(
        ns.swap(later, &swap_req(&addr(2), 0, &s)),
        Ok(SwapOutcome::Created)
    );
    assert_eq!(
        ns.swap(later, &swap_req(&addr(3), 0, &s)),
        Err(NymError::Capacity)
    );
    assert_eq!(ns.expire(later), 1);
    assert_eq!(
        ns.swap(later, &swap_req(&addr(3), 0, &s)),
        Ok(SwapOutcome::Created)
    );
}

#[test]
fn uploads_are_bounded_processed_once_and_answer_status() {
    let (ns, ha) = server();
    let mut ns = ns.with_limits(NymserverLimits {
        max_partial_uploads: 2,
        max_completed_uploads: 2,
        ..NymserverLimits::default()
    });
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let t = ha.issue([1; 16], 840, 0, ApprovalMode::Automatic, NOW + DAY);
    let up = Upload::Infection {
        token: t,
        entries: std::vec![],
    }
    .encode();
    let frags = fragment_upload(&up, [7; 16]).unwrap();
    assert_eq!(frags.len(), 1);
    // Two partial uploads fill the table; a third evicts the oldest.
    let half = |id: u8, at: u64, ns: &mut Nymserver, rng: &mut ChaCha20Rng| {
        let f = Fragment {
            upload_id: [id; 16],
            index: 0,
            count: 2,
            data: std::vec![0; 216],
        };
        ns.handle_message(at, &f.encode(), rng)
    };
    assert_eq!(
        half(1, NOW, &mut ns, &mut rng),
        Ok(ServerOutput::FragmentStored)
    );
    assert_eq!(
        half(2, NOW + 1, &mut ns, &mut rng),
        Ok(ServerOutput::FragmentStored)
    );
    assert_eq!(
        half(3, NOW + 2, &mut ns, &mut rng),
        Ok(ServerOutput::FragmentStored)
    );
    assert_eq!(ns.partial_uploads(), 2);
    assert_eq!(ns.upload_state(NOW + 2, &[1; 16]), UploadState::Unknown);
    assert_eq!(
        ns.upload_state(NOW + 2, &[2; 16]),
        UploadState::Partial {
            count: 2,
            have: std::vec![1]
        }
    );
    // The real upload still gets through, once.
    let r = ns.handle_message(NOW + 3, &frags[0], &mut rng).unwrap();
    assert!(matches!(r, ServerOutput::Upload(_)));
    assert_eq!(
        ns.handle_message(NOW + 4, &frags[0], &mut rng),
        Ok(ServerOutput::FragmentDuplicate)
    );
    assert_eq!(
        ns.upload_state(NOW + 4, &[7; 16]),
        UploadState::Done(Ok(()))
    );
    // The status request is answered through its SURB.
    let (s, sec) = surb(5);
    let req = StatusRequest {
        upload_id: [7; 16],
        surb: s,
    };
    let ServerOutput::Status(_, p) = ns.handle_message(NOW + 5, &req.encode(), &mut rng).unwrap()
    else {
        panic!()
    };
    let st = client::read_status(&sec, &deliver(&p)).unwrap();
    assert_eq!(st.state, UploadState::Done(Ok(())));
    // A refused upload is recorded with its reason.
    let frags2 = fragment_upload(&up, [8; 16]).unwrap();
    assert_eq!(
        ns.handle_message(NOW + 6, &frags2[0], &mut rng),
        Err(NymError::TokenSpent)
    );
    assert_eq!(
        ns.upload_state(NOW + 6, &[8; 16]),
        UploadState::Done(Err(NymError::TokenSpent))
    );
    // Partial uploads time out.
    ns.expire(NOW + 2 + UPLOAD_TIMEOUT);
    assert_eq!(ns.partial_uploads(), 0);
}

#[test]
fn case_needs_approval_and_policy() {
    let (mut ns, ha) = server();
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let a = addr(1);
    ns.swap(NOW, &swap_req(&a, 0, &surb(1).0)).unwrap();
    let e = LogEntry::seal_with_rng(&ns.public_key(), &a.k, NOW - 60, 2, &mut rng).unwrap();
    let t = ha.issue([1; 16], 840, 0, ApprovalMode::Authority, NOW + DAY);
    let up = Upload::Infection {
        token: t,
        entries: std::vec![e, e],
    };
    let r = ns.handle_upload(NOW, &up, &mut rng).unwrap();
    assert!(r.held && r.delivery.packets.is_empty() && r.matched == 1);
    let forged = Authority::from_seed(&[9; 32]).approve(r.case_id, 0, true);
    assert_eq!(ns.approve(NOW, &forged), Err(NymError::BadApproval));
    assert_eq!(
        ns.pending_batches(),
        1,
        "a refused approval changes nothing"
    );
    let d = ns.approve(NOW, &ha.approve(r.case_id, 0, true)).unwrap();
    assert_eq!(d.packets.len(), 1);
    assert_eq!(
        ns.approve(NOW, &ha.approve(r.case_id, 0, true)),
        Err(NymError::BadApproval)
    );
    assert_eq!(
        ns.handle_upload(NOW, &up, &mut rng),
        Err(NymError::TokenSpent)
    );
    // Cases expire.
    assert_eq!(ns.cases(), 1);
    ns.expire(NOW + CASE_LIFETIME);
    assert_eq!(ns.cases(), 0);
}

#[test]
fn mailbox_receive_serve_expire_and_bound() {
    let mut m = Mailbox::new(G).with_limits(MailboxLimits { max_addresses: 1 });
    let a = MailboxAddress([1; 36]);
    m.receive(NOW, a, &[1; 239]).unwrap();
    m.receive(NOW + 29 * DAY, a, &[2; 239]).unwrap();
    assert_eq!(
        m.receive(NOW, MailboxAddress([2; 36]), &[1; 239]),
        Err(NymError::Capacity)
    );
    assert_eq!(m.serve(NOW + 1, &a).len(), 2);
    assert_eq!(m.serve(NOW + MAILBOX_RETENTION, &a).len(), 0);
    assert_eq!(m.expire(NOW + MAILBOX_RETENTION), 1);
    assert_eq!(m.receive(NOW, a, &[0; 238]), Err(NymError::BadLength));
}

#[test]
fn fuzz_bodies_survive_random_input() {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    for (_, body) in crate::fuzzing::nym::TARGETS {
        for len in [0usize, 1, 2, 33, 46, 90, 92, 96, 191, 237, 238, 239, 400] {
            let mut d = std::vec![0u8; len];
            rng.fill_bytes(&mut d);
            body(&d);
        }
    }
    for seed in 0..8u8 {
        let mut d = std::vec![0u8; 600];
        ChaCha20Rng::from_seed([seed; 32]).fill_bytes(&mut d);
        crate::fuzzing::nym::nym_nymserver_ops(&d);
        crate::fuzzing::nym::nym_mailbox_ops(&d);
        crate::fuzzing::nym::nym_upload_ops(&d);
    }
}
