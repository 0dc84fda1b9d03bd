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
        chain_element, nym_key, read_payload, seal_blob, ClientMessage, ContactAddress, Fragment,
        LogEntry, Mailbox, MailboxLimits, MailboxStore, NotificationBody, NymError, NymMessage,
        NymStore, Nymserver, NymserverLimits, NymserverSecret, PollResponse, Response, SendOutcome,
        ServerOutput, SwapOutcome, SwapRequest, Upload, DAY, ENTRY_LIFETIME, HISTORY_LEN,
        MAX_MAILBOX_PAYLOADS, MAX_MESSAGES, MAX_QUEUE, SEND_CLOSE,
    };

    /// A counter stream: the fuzz bodies need randomness only for case ids and chain tokens.
    struct Counter(u8);

    impl rand_core::RngCore for Counter {
        fn next_u32(&mut self) -> u32 {
            u32::from(self.next_u8())
        }
        fn next_u64(&mut self) -> u64 {
            u64::from(self.next_u8())
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for d in dest {
                *d = self.next_u8();
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl rand_core::CryptoRng for Counter {}

    impl Counter {
        fn next_u8(&mut self) -> u8 {
            self.0 = self.0.wrapping_add(1);
            self.0
        }
    }

    const G: Geometry = Geometry::FOUR_HOPS;
    const NOW: u64 = 20_000 * DAY;

    /// `nym_message_decode`: the nymserver's message classifier and decoders never panic; whatever
    /// decodes re-encodes to the input.
    pub fn nym_message_decode(data: &[u8]) {
        if let Ok(m) = NymMessage::decode(G, data) {
            assert_eq!(m.encode(), data);
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

    fn surbs() -> Vec<(crate::mix::Surb, crate::mix::SurbSecret)> {
        (0u8..3)
            .filter_map(|i| {
                create_surb(
                    G,
                    &route(),
                    &MailboxAddress([i; 36]),
                    &[i + 40; 32],
                    &[i + 50; 32],
                )
                .ok()
            })
            .collect()
    }

    fn body(b: u8) -> NotificationBody {
        NotificationBody {
            case_id: [b; 16],
            chain_token: [b ^ 0x5a; 16],
            generation: b % 3,
            disease: 840,
            time: NOW,
            duration: u16::from(b),
        }
    }

    /// Model of one entry: (created, index of the stored element, used, queue length, next seq).
    type EntryModel = (u64, usize, bool, usize, u8);

    /// `nym_nymserver_ops`: random Swap/Send/expire sequences over three addresses with their swap
    /// chains, checked against a model of `spec/nym.md §3.5`; every acknowledgement and every
    /// message sent is read back by the client's reader.
    pub fn nym_nymserver_ops(data: &[u8]) {
        let seeds: Vec<[u8; 32]> = (0u8..3).map(|i| [i + 1; 32]).collect();
        let ks: Vec<[u8; 32]> = seeds
            .iter()
            .map(|s| ContactAddress::from_seed(s).address())
            .collect();
        let surbs = surbs();
        let mut ns = Nymserver::new(
            G,
            NymserverSecret::from_bytes([9; 32]),
            Authority::from_seed(&[7; 32]).public(),
        )
        .with_limits(NymserverLimits {
            max_entries: 2,
            ..NymserverLimits::default()
        });
        let mut model: BTreeMap<usize, EntryModel> = BTreeMap::new();
        // Which SURB (of `surbs`) each entry holds, to read what comes out of it.
        let mut holds: BTreeMap<usize, usize> = BTreeMap::new();
        let mut now = NOW;
        for op in data.chunks(2) {
            let (a, b) = match op {
                [a, b] => (*a, *b),
                _ => break,
            };
            let ki = usize::from(b % 3);
            let k = ks[ki];
            if model.get(&ki).is_some_and(|m| now >= m.0 + ENTRY_LIFETIME) {
                model.remove(&ki);
            }
            match a % 6 {
                0..=2 => {
                    let si = usize::from(b / 3 % 3);
                    let blob = seal_blob(&k, &surbs[si].0).unwrap();
                    let stored = model.get(&ki).map(|m| m.1);
                    // 0: a fresh element 1..=3 ahead; 1: a stale one; 2: a foreign one.
                    let index = match (a % 6, stored) {
                        (0, Some(s)) => s + 1 + usize::from(b / 9 % 3),
                        (0, None) => usize::from(b / 9 % 4),
                        (1, Some(s)) => s.saturating_sub(usize::from(b / 9 % 3)),
                        _ => 0,
                    };
                    let mut element = *chain_element(&seeds[ki], index).unwrap();
                    if a % 6 == 2 && stored.is_some() {
                        element[0] ^= 0xff;
                    }
                    let req = SwapRequest {
                        key: nym_key(&k),
                        authentication: element,
                        blob,
                    };
                    let present = ns.store().get(&nym_key(&k)).is_some();
                    let r = ns.swap(now, &req);
                    match model.get_mut(&ki) {
                        None => {
                            if !present && ns.store().len() >= 2 && r == Err(NymError::Capacity) {
                                continue;
                            }
                            assert_eq!(r, Ok(SwapOutcome::Created));
                            model.insert(ki, (now, index, false, 0, 0));
                            holds.insert(ki, si);
                        }
                        Some(m) => match a % 6 {
                            0 => {
                                let old = holds.insert(ki, si).unwrap();
                                match r.unwrap() {
                                    SwapOutcome::Acknowledged(hop, p) => {
                                        assert!(!m.2);
                                        assert_eq!(hop, 1);
                                        let delivered = deliver(&p.into_bytes());
                                        let old_element = chain_element(&seeds[ki], m.1).unwrap();
                                        match read_payload(
                                            &k,
                                            &surbs[old].1,
                                            &old_element,
                                            &delivered,
                                        ) {
                                            Ok(crate::nym::Reading::Ack {
                                                steps,
                                                ack,
                                                notifications,
                                            }) => {
                                                assert_eq!(steps, index - m.1);
                                                assert_eq!(ack.count, m.4);
                                                assert_eq!(
                                                    notifications.len(),
                                                    usize::from(m.4).min(HISTORY_LEN)
                                                );
                                            }
                                            other => panic!("not an ack: {other:?}"),
                                        }
                                    }
                                    SwapOutcome::Drained(_, p) => {
                                        assert!(m.2 && m.3 > 0);
                                        let delivered = deliver(&p.into_bytes());
                                        let e = chain_element(&seeds[ki], index).unwrap();
                                        assert!(matches!(
                                            read_payload(&k, &surbs[si].1, &e, &delivered),
                                            Ok(crate::nym::Reading::Notification(_))
                                        ));
                                        m.3 -= 1;
                                    }
                                    SwapOutcome::Rearmed => {
                                        assert!(m.2 && m.3 == 0);
                                        m.2 = false;
                                    }
                                    SwapOutcome::Created => panic!("created over a live entry"),
                                }
                                m.1 = index;
                            }
                            1 => assert_eq!(r, Err(NymError::StaleSwap)),
                            _ => assert_eq!(r, Err(NymError::BadAuthentication)),
                        },
                    }
                }
                3 => {
                    let r = ns.send(now, &k, &body(b));
                    match model.get_mut(&ki) {
                        None => assert_eq!(r, Err(NymError::UnknownAddress)),
                        // The entry's last SEND_CLOSE: closed to Sends (D1).
                        Some(m) if now >= m.0 + ENTRY_LIFETIME - SEND_CLOSE => {
                            assert_eq!(r, Err(NymError::UnknownAddress));
                        }
                        Some(m) if m.4 >= MAX_MESSAGES => assert_eq!(r, Err(NymError::Capacity)),
                        Some(m) => {
                            match (m.2, m.3 < MAX_QUEUE, r.unwrap()) {
                                (false, _, SendOutcome::Sent(1, _)) => m.2 = true,
                                (true, true, SendOutcome::Queued) => m.3 += 1,
                                (true, false, SendOutcome::Recorded) => {}
                                (used, room, got) => {
                                    panic!("send: used {used}, room {room}, got {got:?}")
                                }
                            }
                            m.4 += 1;
                        }
                    }
                }
                4 => now += u64::from(b) * 3600 * 4,
                _ => {
                    ns.expire(now);
                    model.retain(|_, m| now < m.0 + ENTRY_LIFETIME);
                    assert_eq!(ns.store().len(), model.len());
                }
            }
            assert!(ns.store().len() <= 2);
            for (ki, m) in &model {
                let e = ns.store().get(&nym_key(&ks[*ki])).unwrap();
                assert_eq!((e.used, e.queue.len(), e.next_seq), (m.2, m.3, m.4));
                assert!(e.queue.len() <= MAX_QUEUE && e.history.len() <= HISTORY_LEN);
            }
        }
    }

    /// Runs a packet built by `Surb::reply` on the fixed route through its four hops (secrets
    /// `[n; 32]`, key select 7 valid at `NOW`) and returns the payload delivered to the mailbox.
    fn deliver(packet: &[u8]) -> Vec<u8> {
        let mut p = packet.to_vec();
        for n in [1u8, 2, 3, 10] {
            match crate::mix::process_hop(G, &[n; 32], &p).unwrap() {
                crate::mix::Outcome::Forward { packet, .. } => p = packet,
                crate::mix::Outcome::Deliver { payload, .. } => return payload,
                crate::mix::Outcome::Swap { .. } => panic!("a reply is delivered, not swapped"),
            }
        }
        panic!("not delivered after four hops")
    }

    /// `nym_upload_ops`: random fragments, repeats, conflicts, status requests and expiry against a
    /// nymserver with small limits: nothing panics, every table stays within its bound, and a
    /// complete upload is processed once.
    pub fn nym_upload_ops(data: &[u8]) {
        let mut ns = Nymserver::new(
            G,
            NymserverSecret::from_bytes([9; 32]),
            Authority::from_seed(&[7; 32]).public(),
        )
        .with_limits(NymserverLimits {
            max_partial_uploads: 3,
            max_completed_uploads: 2,
            ..NymserverLimits::default()
        });
        let mut rng = Counter(0);
        let mut now = NOW;
        let surb = surbs().remove(0).0;
        for op in data.chunks(3) {
            let (a, b, c) = match op {
                [a, b, c] => (*a, *b, *c),
                _ => break,
            };
            let id = [b % 5; 16];
            match a % 4 {
                0 | 1 => {
                    let count = u16::from(c % 4) + 1;
                    let index = u16::from(b / 5) % count;
                    let len = if index + 1 < count {
                        216
                    } else {
                        usize::from(c % 7) + 1
                    };
                    let f = Fragment {
                        upload_id: id,
                        index,
                        count,
                        data: alloc::vec![a % 2; len],
                    };
                    let m = f.encode();
                    let r = ns.handle_message(now, &m, &mut rng);
                    assert!(!matches!(
                        r,
                        Ok(ServerOutput::Swap(_)) | Ok(ServerOutput::Status(..))
                    ));
                }
                2 => {
                    let req = crate::nym::StatusRequest {
                        upload_id: id,
                        surb: surb.clone(),
                    };
                    let r = ns.handle_message(now, &req.encode(), &mut rng);
                    assert!(matches!(r, Ok(ServerOutput::Status(1, _))));
                }
                _ => {
                    now += u64::from(c) * 1800;
                    ns.expire(now);
                }
            }
            assert!(ns.partial_uploads() <= 3 && ns.completed_uploads() <= 2);
        }
    }

    /// `nym_client_read`: the client's reader on arbitrary payloads for an arm never panics and
    /// accepts nothing it should not (no SURB secret other than the arm's opens a reply).
    pub fn nym_client_read(data: &[u8]) {
        let (_, secret) = surbs().remove(1);
        let k = ContactAddress::from_seed(&[1; 32]).address();
        let e = chain_element(&[1; 32], 5).unwrap();
        let mut payload = alloc::vec![0u8; G.payload_len()];
        for (p, d) in payload.iter_mut().zip(data) {
            *p = *d;
        }
        let _ = read_payload(&k, &secret, &e, &payload);
        let _ = read_payload(&k, &secret, &e, data);
        let _ = crate::nym::read_status(&secret, data);
    }

    /// `nym_mailbox_ops`: random Receive/Serve/expire sequences checked against a model of
    /// `spec/nym.md §5.1`, with a bound of three addresses.
    pub fn nym_mailbox_ops(data: &[u8]) {
        let mut mb = Mailbox::new(G).with_limits(MailboxLimits { max_addresses: 3 });
        let mut model: BTreeMap<u8, (u64, Vec<Vec<u8>>)> = BTreeMap::new();
        let mut now = NOW;
        for op in data.chunks(2) {
            let (a, b) = match op {
                [a, b] => (*a, *b),
                _ => break,
            };
            let addr_i = b % 4;
            let addr = MailboxAddress([addr_i; 36]);
            let expired = model.get(&addr_i).is_some_and(|m| now >= m.0 + 30 * DAY);
            match a % 4 {
                0 => {
                    let payload = alloc::vec![b; 239];
                    let stored = mb.store().get(&addr).is_some();
                    let r = mb.receive(now, addr, &payload);
                    if expired {
                        model.remove(&addr_i);
                    }
                    if !stored && mb.store().len() >= 3 && r == Err(NymError::Capacity) {
                        continue;
                    }
                    let m = model.entry(addr_i).or_insert((now, Vec::new()));
                    if m.1.len() >= MAX_MAILBOX_PAYLOADS {
                        assert_eq!(r, Err(NymError::MailboxFull));
                    } else {
                        r.unwrap();
                        m.1.push(payload);
                    }
                }
                1 => {
                    let want = model
                        .get(&addr_i)
                        .filter(|_| !expired)
                        .map(|m| m.1.clone())
                        .unwrap_or_default();
                    assert_eq!(mb.serve(now, &addr), want);
                }
                2 => now += u64::from(b) * 3600 * 6,
                _ => {
                    mb.expire(now);
                    model.retain(|_, m| now < m.0 + 30 * DAY);
                    assert_eq!(mb.store().len(), model.len());
                }
            }
            assert!(mb.store().len() <= 3);
            assert_eq!(mb.receive(now, addr, &[0; 238]), Err(NymError::BadLength));
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
        ("nym_upload_ops", nym_upload_ops),
        ("nym_client_read", nym_client_read),
    ];
}
