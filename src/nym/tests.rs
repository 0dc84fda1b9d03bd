//! Unit tests of the nym module (the network-level test is `tests/nym_end_to_end.rs`).

use super::authority::{ApprovalMode, Authority};
use super::*;
use crate::error::ErrorCode;
use crate::mix::{create_surb, Geometry, MailboxAddress, MixSecret, RouteHop};
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

fn surb(i: u8) -> crate::mix::Surb {
    create_surb(
        G,
        &route(),
        &MailboxAddress([i; 36]),
        &[i; 32],
        &[i ^ 0x55; 32],
    )
    .unwrap()
    .0
}

fn server() -> (Nymserver, Authority) {
    let ha = Authority::from_seed(&[3; 32]);
    (
        Nymserver::new(G, NymserverSecret::from_bytes([4; 32]), ha.public()),
        ha,
    )
}

#[test]
fn error_codes_are_distinct_and_prefixed() {
    let codes: BTreeSet<&str> = NymError::ALL.iter().map(|e| e.code()).collect();
    assert_eq!(codes.len(), NymError::ALL.len());
    assert!(codes.iter().all(|c| c.starts_with("NYM_")));
}

#[test]
fn swap_fills_the_payload_exactly() {
    let k = ContactAddress::from_seed(&[1; 32]).address();
    let blob = seal_blob(&k, &surb(1)).unwrap();
    assert_eq!(blob.len(), 141 + 1 + 32);
    let req = SwapRequest {
        key: nym_key(&k),
        authentication: [0; 32],
        blob,
    };
    let bytes = req.encode();
    assert_eq!(bytes.len(), 32 + 32 + 141 + 1 + 32);
    assert_eq!(bytes.len(), G.max_message_len());
    assert_eq!(
        NymMessage::decode(G, &bytes).unwrap(),
        NymMessage::Swap(req)
    );
    // Other hop counts: the Swap always fills P - 1.
    for r in 1..=16 {
        let g = Geometry::new(r).unwrap();
        assert_eq!(64 + g.surb_len(), g.max_message_len());
    }
}

#[test]
fn blob_opens_only_with_its_address() {
    let k = ContactAddress::from_seed(&[1; 32]).address();
    let other = ContactAddress::from_seed(&[2; 32]).address();
    let s = surb(1);
    let blob = seal_blob(&k, &s).unwrap();
    assert_eq!(open_blob(G, &k, &blob).unwrap(), s);
    assert!(open_blob(G, &other, &blob).map(|x| x != s).unwrap_or(true));
    // The blob is not the SURB and re-sealing another SURB under K gives an unrelated blob.
    assert_ne!(blob, s.encode());
    let blob2 = seal_blob(&k, &surb(2)).unwrap();
    assert!(blob.iter().zip(&blob2).filter(|(a, b)| a == b).count() < 10);
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
    let mut bad = resp;
    bad.address[0] ^= 1;
    assert_eq!(
        verify_response(&n, &bad),
        Err(NymError::BadBroadcastSignature)
    );
    assert!(!std::format!("{a:?}").contains(&std::format!("{:02x?}", a.seed().as_ref())));
}

#[test]
fn log_entry_round_trip_and_retention() {
    let ns = NymserverSecret::from_bytes([4; 32]);
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let k = [7u8; 32];
    let e = LogEntry::seal_with_rng(&ns.public(), &k, NOW, 3, &mut rng).unwrap();
    assert_eq!(e.encode().len(), LOG_ENTRY_LEN);
    assert_eq!(
        *LogEntry::decode(&e.encode()).unwrap().open(&ns).unwrap(),
        k
    );
    let mut t = e;
    t.time += 1;
    assert_eq!(t.open(&ns), Err(NymError::LogDecrypt));
    let other = NymserverSecret::from_bytes([5; 32]);
    assert_eq!(e.open(&other), Err(NymError::LogDecrypt));
    let mut log = ContactLog::new();
    log.push(e);
    log.push(LogEntry::seal_with_rng(&ns.public(), &k, NOW + DAY, 1, &mut rng).unwrap());
    assert_eq!(log.prune(NOW + LOG_RETENTION - 1), 0);
    assert_eq!(log.prune(NOW + LOG_RETENTION), 1);
    assert_eq!(log.entries().len(), 1);
}

#[test]
fn tokens_redeem_once() {
    let ha = Authority::from_seed(&[3; 32]);
    let t = ha.issue([1; 16], 840, 2, ApprovalMode::Automatic, NOW + DAY);
    assert_eq!(authority::Token::decode(&t.encode()).unwrap(), t);
    let mut spent = authority::SpentSet::new();
    spent.redeem(&t, &ha.public(), NOW).unwrap();
    assert_eq!(
        spent.redeem(&t, &ha.public(), NOW),
        Err(NymError::TokenSpent)
    );
    let t2 = ha.issue([2; 16], 840, 2, ApprovalMode::Automatic, NOW);
    assert_eq!(
        spent.redeem(&t2, &ha.public(), NOW),
        Err(NymError::TokenExpired)
    );
    let other = Authority::from_seed(&[4; 32]);
    assert_eq!(
        spent.redeem(&t2, &other.public(), NOW - 1),
        Err(NymError::TokenBadSignature)
    );
    spent.purge(NOW + DAY);
    assert!(spent.is_empty());
}

#[test]
fn nymserver_swap_send_queue() {
    let (mut ns, _) = server();
    let k = ContactAddress::from_seed(&[1; 32]).address();
    let b1 = seal_blob(&k, &surb(1)).unwrap();
    let b2 = seal_blob(&k, &surb(2)).unwrap();
    let req = |auth: [u8; 32], blob: &Vec<u8>| SwapRequest {
        key: nym_key(&k),
        authentication: auth,
        blob: blob.clone(),
    };
    assert_eq!(
        ns.swap(NOW, &req([1; 32], &b1)),
        Err(NymError::BadAuthentication)
    );
    assert_eq!(ns.swap(NOW, &req([0; 32], &b1)), Ok(SwapOutcome::Created));
    assert_eq!(
        ns.swap(NOW, &req([0; 32], &b2)),
        Err(NymError::BadAuthentication)
    );
    // Send through the SURB: the packet is what the SURB itself produces.
    let expected = surb(1).reply(b"hello").unwrap();
    match ns.send(NOW, &k, b"hello").unwrap() {
        SendOutcome::Sent(h, p) => assert_eq!((h, p), expected),
        SendOutcome::Queued => panic!("queued"),
    }
    assert_eq!(ns.send(NOW, &k, b"second").unwrap(), SendOutcome::Queued);
    assert_eq!(ns.send(NOW, &k, b"third").unwrap(), SendOutcome::Queued);
    // Re-arm: the oldest queued message goes through the new SURB.
    let out = ns.swap(NOW + 1, &req(swap_auth(&b1), &b2)).unwrap();
    assert_eq!(
        out,
        SwapOutcome::Replaced(Some(surb(2).reply(b"second").unwrap()))
    );
    let e = ns.store().get(&nym_key(&k)).unwrap();
    assert!(e.used && e.queue.len() == 1);
    for _ in 0..MAX_QUEUE - 1 {
        assert_eq!(ns.send(NOW, &k, b"q").unwrap(), SendOutcome::Queued);
    }
    assert_eq!(ns.send(NOW, &k, b"q"), Err(NymError::QueueFull));
    // Expiry 30 days after creation.
    assert_eq!(
        ns.send(NOW + ENTRY_LIFETIME, &k, b"x"),
        Err(NymError::UnknownAddress)
    );
    assert_eq!(ns.expire(NOW + ENTRY_LIFETIME), 1);
}

#[test]
fn case_needs_approval_and_policy() {
    let (mut ns, ha) = server();
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let k = ContactAddress::from_seed(&[1; 32]).address();
    let blob = seal_blob(&k, &surb(1)).unwrap();
    ns.swap(
        NOW,
        &SwapRequest {
            key: nym_key(&k),
            authentication: [0; 32],
            blob,
        },
    )
    .unwrap();
    let e = LogEntry::seal_with_rng(&ns.public_key(), &k, NOW - 60, 2, &mut rng).unwrap();
    let t = ha.issue([1; 16], 840, 0, ApprovalMode::Authority, NOW + DAY);
    let up = Upload::Infection {
        token: t,
        entries: alloc::vec![e, e],
    };
    let r = ns.handle_upload(NOW, &up, &mut rng).unwrap();
    assert!(r.held && r.packets.is_empty() && r.matched == 1);
    assert_eq!(ns.pending_batches(), 1);
    let forged = Authority::from_seed(&[9; 32]).approve(r.case_id, 0, true);
    assert_eq!(ns.approve(NOW, &forged), Err(NymError::BadApproval));
    let p = ns.approve(NOW, &ha.approve(r.case_id, 0, true)).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(
        ns.approve(NOW, &ha.approve(r.case_id, 0, true)),
        Err(NymError::BadApproval)
    );
    // The packet is the SURB's reply carrying a 46-byte notification (read back through the
    // mixes in tests/nym_end_to_end.rs).
    assert_eq!(p[0].0, 1);
    assert_eq!(
        ns.handle_upload(NOW, &up, &mut rng),
        Err(NymError::TokenSpent)
    );
}

#[test]
fn mailbox_receive_serve_expire() {
    let mut m = Mailbox::new(G);
    let a = MailboxAddress([1; 36]);
    m.receive(NOW, a, &[1; 239]).unwrap();
    m.receive(NOW + 29 * DAY, a, &[2; 239]).unwrap();
    assert_eq!(m.serve(NOW + 1, &a).len(), 2);
    assert_eq!(m.serve(NOW + MAILBOX_RETENTION, &a).len(), 0);
    assert_eq!(m.expire(NOW + MAILBOX_RETENTION), 1);
    assert_eq!(m.receive(NOW, a, &[0; 238]), Err(NymError::BadLength));
}

#[test]
fn fuzz_bodies_survive_random_input() {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    for (name, body) in crate::fuzzing::nym::TARGETS {
        for len in [0usize, 1, 2, 33, 46, 90, 92, 96, 237, 238, 239, 400] {
            let mut d = std::vec![0u8; len];
            rng.fill_bytes(&mut d);
            body(&d);
        }
        let _ = name;
    }
    // A long operation sequence on each state machine.
    let mut d = std::vec![0u8; 400];
    rng.fill_bytes(&mut d);
    crate::fuzzing::nym::nym_nymserver_ops(&d);
    crate::fuzzing::nym::nym_mailbox_ops(&d);
}
