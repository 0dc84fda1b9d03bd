//! Fuzz-target bodies of the `nym` protocol (`spec/nym.md`).

#[cfg(feature = "alloc")]
pub use imp::*;

/// This protocol's targets, by name (none without `alloc`).
#[cfg(not(feature = "alloc"))]
#[allow(clippy::type_complexity)]
pub const TARGETS: &[(&str, fn(&[u8]))] = &[];

#[cfg(feature = "alloc")]
mod imp {
    use ::alloc::collections::BTreeMap;
    use ::alloc::vec::Vec;

    use crate::mix::{create_surb, Geometry, MailboxAddress, MixSecret, RouteHop};
    use crate::nym::authority::{Approval, Authority, Token};
    use crate::nym::{
        nym_key, seal_blob, swap_auth, ClientMessage, ContactAddress, LogEntry, Mailbox,
        MailboxStore, NymMessage, NymStore, Nymserver, NymserverSecret, PollResponse, Response,
        SendOutcome, SwapOutcome, SwapRequest, Upload, DAY, MAX_MAILBOX_PAYLOADS, MAX_QUEUE,
    };

    const G: Geometry = Geometry::FOUR_HOPS;
    const NOW: u64 = 20_000 * DAY;

    /// `nym_message_decode`: the nymserver's message classifier and decoders never panic; whatever
    /// decodes re-encodes to the input.
    pub fn nym_message_decode(data: &[u8]) {
        if let Ok(m) = NymMessage::decode(G, data) {
            let re = match m {
                NymMessage::Swap(s) => s.encode(),
                NymMessage::Fragment(f) => f.encode(),
            };
            assert_eq!(re, data);
        }
        if let Ok(s) = SwapRequest::decode(G, data) {
            assert_eq!(s.encode(), data);
        }
    }

    /// `nym_upload_decode`: uploads decode strictly and round-trip.
    pub fn nym_upload_decode(data: &[u8]) {
        if let Ok(u) = Upload::decode(data) {
            assert_eq!(u.encode(), data);
        }
    }

    /// `nym_client_decode`: client messages and poll responses decode strictly and round-trip.
    pub fn nym_client_decode(data: &[u8]) {
        if let Ok(m) = ClientMessage::decode(data) {
            assert_eq!(m.encode(), data);
        }
        if let Ok(p) = PollResponse::decode(G, data) {
            assert!(p.payloads.len() <= MAX_MAILBOX_PAYLOADS);
            assert_eq!(p.encode(), data);
        }
    }

    /// `nym_token_decode`: tokens, approvals, broadcast responses and log entries decode strictly and
    /// round-trip; verification never panics.
    pub fn nym_token_decode(data: &[u8]) {
        let ha = Authority::from_seed(&[7; 32]).public();
        if let Ok(t) = Token::decode(data) {
            assert_eq!(&t.encode()[..], data);
            let _ = t.verify(&ha, NOW);
        }
        if let Ok(a) = Approval::decode(data) {
            assert_eq!(&a.encode()[..], data);
            let _ = a.verify(&ha);
        }
        if let Ok(r) = Response::decode(data) {
            assert_eq!(&r.encode()[..], data);
            let _ = crate::nym::verify_response(&[0; 16], &r);
        }
        if let Ok(e) = LogEntry::decode(data) {
            assert_eq!(&e.encode()[..], data);
            let _ = e.open(&NymserverSecret::from_bytes([9; 32]));
        }
    }

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

    /// `nym_nymserver_ops`: random Swap/Send/expire sequences over three addresses and three SURBs,
    /// checked against a model of `spec/nym.md §3.4`.
    pub fn nym_nymserver_ops(data: &[u8]) {
        let ks: Vec<[u8; 32]> = (0u8..3)
            .map(|i| ContactAddress::from_seed(&[i + 1; 32]).address())
            .collect();
        let surbs: Vec<_> = (0u8..3)
            .filter_map(|i| {
                create_surb(
                    G,
                    &route(),
                    &MailboxAddress([i; 36]),
                    &[i + 40; 32],
                    &[i + 50; 32],
                )
                .ok()
                .map(|s| s.0)
            })
            .collect();
        let mut ns = Nymserver::new(
            G,
            NymserverSecret::from_bytes([9; 32]),
            Authority::from_seed(&[7; 32]).public(),
        );
        // Model: per key, (created, used, queue length, current blob).
        let mut model: BTreeMap<usize, (u64, bool, usize, Vec<u8>)> = BTreeMap::new();
        let mut now = NOW;
        for op in data.chunks(2) {
            let (a, b) = match op {
                [a, b] => (*a, *b),
                _ => break,
            };
            let ki = usize::from(b % 3);
            let k = ks[ki];
            let live = model.get(&ki).is_some_and(|m| now < m.0 + 30 * DAY);
            if !live {
                model.remove(&ki);
            }
            match a % 6 {
                0 | 1 => {
                    // Swap with the correct (or zero) authentication, or a wrong one for a = 1.
                    let blob = seal_blob(&k, &surbs[usize::from(b / 3 % 3)]).unwrap();
                    let auth = match (model.get(&ki), a % 6) {
                        (Some(m), 0) => swap_auth(&m.3),
                        (None, 0) => [0; 32],
                        (_, _) => [b | 1; 32],
                    };
                    let req = SwapRequest {
                        key: nym_key(&k),
                        authentication: auth,
                        blob: blob.clone(),
                    };
                    let r = ns.swap(now, &req);
                    match (a % 6, model.get_mut(&ki)) {
                        (0, Some(m)) => {
                            let drained = m.2 > 0;
                            match r.unwrap() {
                                SwapOutcome::Replaced(p) => assert_eq!(p.is_some(), drained),
                                SwapOutcome::Created => panic!("created over a live entry"),
                            }
                            m.3 = blob;
                            m.1 = drained;
                            m.2 = m.2.saturating_sub(1);
                        }
                        (0, None) => {
                            assert_eq!(r.unwrap(), SwapOutcome::Created);
                            model.insert(ki, (now, false, 0, blob));
                        }
                        _ => assert_eq!(r, Err(crate::nym::NymError::BadAuthentication)),
                    }
                }
                2 | 3 => {
                    let r = ns.send(now, &k, &[b; 10]);
                    match model.get_mut(&ki) {
                        None => assert_eq!(r, Err(crate::nym::NymError::UnknownAddress)),
                        Some(m) if !m.1 => {
                            assert!(matches!(r, Ok(SendOutcome::Sent(1, _))));
                            m.1 = true;
                        }
                        Some(m) if m.2 < MAX_QUEUE => {
                            assert_eq!(r, Ok(SendOutcome::Queued));
                            m.2 += 1;
                        }
                        Some(_) => assert_eq!(r, Err(crate::nym::NymError::QueueFull)),
                    }
                }
                4 => now += u64::from(b) * 3600 * 4,
                _ => {
                    ns.expire(now);
                    model.retain(|_, m| now < m.0 + 30 * DAY);
                    assert_eq!(ns.store().len(), model.len());
                }
            }
            for (ki, m) in &model {
                let e = ns.store().get(&nym_key(&ks[*ki])).unwrap();
                assert_eq!((e.used, e.queue.len()), (m.1, m.2));
                assert!(e.queue.len() <= MAX_QUEUE);
            }
        }
    }

    /// `nym_mailbox_ops`: random Receive/Serve/expire sequences checked against a model of
    /// `spec/nym.md §5.1`.
    pub fn nym_mailbox_ops(data: &[u8]) {
        let mut mb = Mailbox::new(G);
        let mut model: BTreeMap<u8, (u64, Vec<Vec<u8>>)> = BTreeMap::new();
        let mut now = NOW;
        for op in data.chunks(2) {
            let (a, b) = match op {
                [a, b] => (*a, *b),
                _ => break,
            };
            let addr_i = b % 4;
            let addr = MailboxAddress([addr_i; 36]);
            if model.get(&addr_i).is_some_and(|m| now >= m.0 + 30 * DAY) {
                model.remove(&addr_i);
            }
            match a % 4 {
                0 => {
                    let payload = alloc::vec![b; 239];
                    let r = mb.receive(now, addr, &payload);
                    let m = model.entry(addr_i).or_insert((now, Vec::new()));
                    if m.1.len() >= MAX_MAILBOX_PAYLOADS {
                        assert_eq!(r, Err(crate::nym::NymError::MailboxFull));
                    } else {
                        r.unwrap();
                        m.1.push(payload);
                    }
                }
                1 => {
                    let want = model.get(&addr_i).map(|m| m.1.clone()).unwrap_or_default();
                    assert_eq!(mb.serve(now, &addr), want);
                }
                2 => now += u64::from(b) * 3600 * 6,
                _ => {
                    mb.expire(now);
                    assert!(mb.store().len() <= 4);
                }
            }
            assert_eq!(
                mb.receive(now, addr, &[0; 238]),
                Err(crate::nym::NymError::BadLength)
            );
        }
    }

    /// This protocol's targets, by name.
    #[allow(clippy::type_complexity)]
    pub const TARGETS: &[(&str, fn(&[u8]))] = &[
        ("nym_message_decode", nym_message_decode),
        ("nym_upload_decode", nym_upload_decode),
        ("nym_client_decode", nym_client_decode),
        ("nym_token_decode", nym_token_decode),
        ("nym_nymserver_ops", nym_nymserver_ops),
        ("nym_mailbox_ops", nym_mailbox_ops),
    ];
}
