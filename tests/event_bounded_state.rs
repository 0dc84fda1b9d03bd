//! Bounded state (`spec/events.md §11`, TEAM.md contract 6): every table another party can make
//! grow is flooded from the outside; the bound holds, the refusals are the typed ones of the spec,
//! and honest traffic still gets through.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use contact_tracing::event::messages::{CheckIn, Report, StatsRequest};
use contact_tracing::event::{
    fingerprint, CheckInQr, Contact, ContactBook, ContactUpdate, Device, Event, EventError,
    EventHandle, IdentityKey, Initiator, Joiner, PairingQr, SecretSeed, Status,
};
use contact_tracing::labels::event as labels;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const START: u64 = 1_586_707_200;
const FLOOD: usize = 10_000;

fn seed(rng: &mut ChaCha20Rng) -> SecretSeed {
    SecretSeed::random(rng)
}

fn bytes32(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}

fn report(
    event: &[u8; 32],
    nym: &IdentityKey,
    who: &IdentityKey,
    counter: u32,
    now: u64,
) -> Vec<u8> {
    let mut r = Report {
        pseudonym: nym.public(),
        identity: who.public(),
        counter,
        time: now,
        status: Status::Suspected,
        hops: 0,
        since: START,
        name: "honest".into(),
        message: String::new(),
        pseudonym_sig: [0; 64],
        identity_sig: [0; 64],
    };
    let body = r.body();
    r.pseudonym_sig = nym.sign(labels::REPORT_PSEUDONYM, &[event, &body]);
    r.identity_sig = who.sign(labels::REPORT_IDENTITY, &[event, &body]);
    r.encode()
}

#[test]
fn event_tables_hold_under_a_flood_of_check_ins_stats_and_reports() {
    let mut rng = ChaCha20Rng::seed_from_u64(61);
    let mut ev = Event::new(&seed(&mut rng), &seed(&mut rng), START);
    ev.set_max_credentials(100);
    let id = ev.id();
    let now = START + 600;
    // Honest participants.
    let mut honest = Vec::new();
    for _ in 0..10 {
        let qr = ev.issue_credential(seed(&mut rng), now).unwrap();
        let nym = seed(&mut rng);
        ev.check_in(&qr.check_in(&nym).encode(), now).unwrap();
        honest.push(IdentityKey::from_seed(&nym));
    }
    let (credentials, participants) = (ev.credentials(), ev.participant_count());
    // The flood: check-ins with credentials never issued, stats requests and reports from
    // pseudonyms never checked in, replays of an honest report.
    let first = report(&id, &honest[0], &honest[0], 1, now);
    ev.report(&first, now).unwrap();
    for i in 0..FLOOD {
        let stranger = CheckInQr {
            event: id,
            address: ev.address(),
            credential: seed(&mut rng),
        };
        let nym = seed(&mut rng);
        assert_eq!(
            ev.check_in(&stranger.check_in(&nym).encode(), now),
            Err(EventError::CheckInUnknown)
        );
        let k = IdentityKey::from_seed(&nym);
        let req = StatsRequest {
            pseudonym: k.public(),
            time: now,
            sig: [0; 64],
        };
        assert_eq!(
            ev.stats(&req.encode(), now),
            Err(EventError::PseudonymUnknown)
        );
        if i % 100 == 0 {
            assert_eq!(
                ev.report(&report(&id, &k, &k, 1, now), now),
                Err(EventError::PseudonymUnknown)
            );
            // A replay of the honest report is acknowledged again and changes nothing.
            assert!(ev.report(&first, now).unwrap().reveal.is_none());
        }
        // Honest traffic in the middle of the flood.
        if i % 1000 == 0 {
            let h = &honest[i / 1000];
            let req = StatsRequest {
                pseudonym: h.public(),
                time: now,
                sig: h.sign(
                    labels::STATS_REQUEST,
                    &[&id, &h.public(), &now.to_be_bytes()],
                ),
            };
            assert!(ev.stats(&req.encode(), now).is_ok());
        }
    }
    assert_eq!(
        ev.credentials(),
        credentials,
        "the flood created no credential"
    );
    assert_eq!(ev.participant_count(), participants, "nor a pseudonym");
    assert_eq!(ev.counts().suspected, 1, "nor a count");
    // The bound: issuing stops at max_credentials; check-ins with issued credentials go on.
    let mut issued = Vec::new();
    while ev.credentials() < ev.max_credentials() {
        issued.push(ev.issue_credential(seed(&mut rng), now).unwrap());
    }
    assert_eq!(
        ev.issue_credential(seed(&mut rng), now).err(),
        Some(EventError::TableFull)
    );
    for qr in &issued {
        ev.check_in(&qr.check_in(&seed(&mut rng)).encode(), now)
            .unwrap();
    }
    assert_eq!(ev.participant_count(), ev.max_credentials());
    assert!(ev.participant_count() <= ev.credentials());
    // A CheckIn signed by an issued credential with a forged pseudonym signature burns it
    // (step 6) but admits nobody, so the table still holds at most one pseudonym per credential.
    let mut ev2 = Event::new(&seed(&mut rng), &seed(&mut rng), START);
    let qr = ev2.issue_credential(seed(&mut rng), now).unwrap();
    let mut m: CheckIn = qr.check_in(&seed(&mut rng));
    m.pseudonym_sig[0] ^= 1;
    assert_eq!(
        ev2.check_in(&m.encode(), now),
        Err(EventError::BadPseudonymSig)
    );
    assert_eq!((ev2.credentials(), ev2.participant_count()), (1, 0));
}

#[test]
fn contact_book_holds_under_a_flood_of_updates() {
    let mut rng = ChaCha20Rng::seed_from_u64(62);
    let me = IdentityKey::from_seed(&seed(&mut rng));
    let friend = IdentityKey::from_seed(&seed(&mut rng));
    let mut book = ContactBook::new(me.public());
    book.set_max_contacts(3);
    book.trust(Contact {
        identity: friend.public(),
        address: [1; 32],
        fingerprint: fingerprint(&friend.public()),
        last_seq: 0,
        status: None,
    })
    .unwrap();
    let now = START;
    let up = |seq: u64| ContactUpdate {
        seq,
        time: now,
        status: Status::Positive,
        hops: 0,
        since: now - 86_400,
        address: [2; 32],
    };
    for i in 0..FLOOD {
        let stranger = IdentityKey::from_seed(&seed(&mut rng));
        assert_eq!(
            book.receive(&up(1).sign(&stranger, &me.public()), now)
                .err(),
            Some(EventError::ContactUnknown)
        );
        if i % 10 == 0 {
            // Forged: claims the friend's identity, signed by someone else.
            let mut forged = up(100 + i as u64).sign(&stranger, &me.public());
            forged[1..33].copy_from_slice(&friend.public());
            assert_eq!(
                book.receive(&forged, now).err(),
                Some(EventError::BadIdentitySig)
            );
        }
    }
    assert_eq!(book.len(), 1);
    // The honest update still goes through, with the first sequence number.
    assert_eq!(
        book.receive(&up(1).sign(&friend, &me.public()), now)
            .unwrap()
            .status,
        Some((Status::Positive, 0, now - 86_400))
    );
    // Trusting (a local action after a pairing) is bounded too.
    for _ in 0..2 {
        let k = IdentityKey::from_seed(&seed(&mut rng)).public();
        book.trust(Contact {
            identity: k,
            address: [0; 32],
            fingerprint: fingerprint(&k),
            last_seq: 0,
            status: None,
        })
        .unwrap();
    }
    let k = IdentityKey::from_seed(&seed(&mut rng)).public();
    let extra = Contact {
        identity: k,
        address: [0; 32],
        fingerprint: fingerprint(&k),
        last_seq: 0,
        status: None,
    };
    assert_eq!(book.trust(extra), Err(EventError::TableFull));
    assert_eq!(book.len(), book.max_contacts());
}

#[test]
fn pairing_sessions_hold_under_a_flood_of_commits() {
    let mut rng = ChaCha20Rng::seed_from_u64(63);
    let qr = PairingQr {
        secret: seed(&mut rng),
        rendezvous: bytes32(&mut rng),
    };
    let alice = IdentityKey::from_seed(&seed(&mut rng));
    let bob = IdentityKey::from_seed(&seed(&mut rng));
    let mut host = Initiator::new(&qr, &alice, bytes32(&mut rng), bytes32(&mut rng));
    // Parties who know the rendezvous address but not the QR secret: no session, no state.
    for _ in 0..FLOOD {
        let wrong = PairingQr {
            secret: seed(&mut rng),
            rendezvous: qr.rendezvous,
        };
        let (_, commit) = Joiner::start(&wrong, &bob, bytes32(&mut rng), bytes32(&mut rng));
        assert_eq!(host.receive_commit(&commit), Err(EventError::BadMac));
        let mut garbage = vec![0x03; 65];
        rng.fill_bytes(&mut garbage[1..]);
        assert_eq!(host.receive_commit(&garbage), Err(EventError::BadMac));
    }
    assert_eq!(host.sessions(), 0);
    // The honest joiner pairs.
    let (mut joiner, commit) = Joiner::start(&qr, &bob, bytes32(&mut rng), bytes32(&mut rng));
    let hello = host.receive_commit(&commit).unwrap();
    // A QR holder's flood now gets `EVENT_PAIRING_BUSY`: the session stays one.
    for _ in 0..100 {
        let (_, c) = Joiner::start(&qr, &bob, bytes32(&mut rng), bytes32(&mut rng));
        assert_eq!(host.receive_commit(&c), Err(EventError::PairingBusy));
    }
    assert_eq!(host.sessions(), Initiator::MAX_SESSIONS);
    let (opening, confirm_j) = joiner.receive_hello(&hello).unwrap();
    let confirm_i = host.receive_hello(&opening).unwrap();
    let (_, code_i) = host.finish(&confirm_j).unwrap();
    let (_, code_j) = joiner.finish(&confirm_i).unwrap();
    assert_eq!(code_i, code_j);
}

#[test]
fn device_tables_hold_under_a_flood_of_stats_and_acks() {
    let mut rng = ChaCha20Rng::seed_from_u64(64);
    let mut d = Device::new(&seed(&mut rng), "Eve", START).unwrap();
    d.set_max_events(16);
    let mut events = Vec::new();
    for k in 0..16u64 {
        let mut ev = Event::new(&seed(&mut rng), &seed(&mut rng), START + k);
        ev.end(START + k + 3600).unwrap();
        let qr = ev.issue_credential(seed(&mut rng), START + k).unwrap();
        let (h, msg) = d.check_in(&qr, &seed(&mut rng), START + k).unwrap();
        let ack = ev.check_in(&msg, START + k).unwrap();
        d.on_check_in_ack(h, &ack).unwrap();
        events.push((h, ev));
    }
    let mut extra = Event::new(&seed(&mut rng), &seed(&mut rng), START);
    let qr = extra.issue_credential(seed(&mut rng), START).unwrap();
    assert_eq!(
        d.check_in(&qr, &seed(&mut rng), START + 20).err(),
        Some(EventError::TableFull)
    );
    let now = START + 7200;
    let honest = events[3].1.stats_message(now).encode();
    for i in 0..FLOOD {
        let mut junk = vec![0u8; 149];
        rng.fill_bytes(&mut junk);
        junk[0] = 0x23;
        let h = EventHandle(u32::try_from(i % 40).unwrap());
        assert!(d.on_stats(h, &junk, now).is_err());
        assert!(d.on_report_ack(h, &junk[..102]).is_err());
        assert!(d.on_check_in_ack(h, &junk[..105]).is_err());
        if i % 500 == 0 {
            // Honest stats still get through.
            d.on_stats(events[3].0, &honest, now).unwrap();
        }
    }
    assert_eq!(d.event_count(), 16);
    // Forgetting makes room: an hour-long event is forgotten at its end + GRACE.
    let later = START + 3600 + contact_tracing::event::GRACE + 100;
    for (h, ev) in &events {
        if let Ok(st) = ev.stats(&d.poll(now).iter().find(|(x, _)| x == h).unwrap().1, now) {
            d.on_stats(*h, &st, now).unwrap();
        }
    }
    assert!(d.poll(later).is_empty());
    assert_eq!(d.event_count(), 0);
    assert!(d.check_in(&qr, &seed(&mut rng), later).is_ok());
    assert_eq!(d.lost(), 0);
}

/// Burned credentials (`spec/events.md §7.2` steps 2, 4, 7; `§11`, the checked-in pseudonyms
/// row): a flood of CheckIns on burned credentials — by QR holders with fresh, correctly signed
/// pseudonyms, by strangers who copied a CheckIn off the wire and changed its pseudonym, and on a
/// credential burned by a forged pseudonym signature — is refused `EVENT_CHECKIN_BURNED` and grows
/// nothing; retransmissions of the CheckIns that burned them are answered with the same ack; honest
/// check-ins on unused credentials go through in the middle of the flood.
#[test]
fn burned_credentials_hold_under_a_flood_of_check_ins() {
    let mut rng = ChaCha20Rng::seed_from_u64(65);
    let mut ev = Event::new(&seed(&mut rng), &seed(&mut rng), START);
    ev.set_max_credentials(20);
    let now = START + 600;
    let qrs: Vec<CheckInQr> = (0..20)
        .map(|_| ev.issue_credential(seed(&mut rng), now).unwrap())
        .collect();
    // 15 honest check-ins burn their credentials and admit one pseudonym each.
    let mut honest = Vec::new();
    for qr in &qrs[..15] {
        let msg = qr.check_in(&seed(&mut rng)).encode();
        let ack = ev.check_in(&msg, now).unwrap();
        honest.push((msg, ack));
    }
    // The 16th is burned by a CheckIn with a forged pseudonym signature: it admits nobody, ever.
    let mut forged = qrs[15].check_in(&seed(&mut rng));
    forged.pseudonym_sig[5] ^= 0x40;
    assert_eq!(
        ev.check_in(&forged.encode(), now),
        Err(EventError::BadPseudonymSig)
    );
    assert_eq!(
        ev.check_in(&forged.encode(), now),
        Err(EventError::CheckInBurned),
        "a burned-by-forgery credential has no retransmission"
    );
    assert_eq!((ev.credentials(), ev.participant_count()), (20, 15));
    let unused = &qrs[16..];
    let mut admitted_mid_flood = 0;
    let mut burned = 0;
    for i in 0..FLOOD {
        let k = i % 16;
        // A QR holder (someone who photographed the QR) with a fresh, correctly signed pseudonym.
        match ev.check_in(&qrs[k].check_in(&seed(&mut rng)).encode(), now) {
            Err(EventError::CheckInBurned) => burned += 1,
            other => panic!("{i}: {other:?}"),
        }
        // A stranger who copied a CheckIn off the wire and put in their own pseudonym.
        if k < 15 {
            let mut copy = CheckIn::decode(&honest[k].0).unwrap();
            copy.pseudonym = IdentityKey::from_seed(&seed(&mut rng)).public();
            match ev.check_in(&copy.encode(), now) {
                Err(EventError::CheckInBurned) => burned += 1,
                other => panic!("{i}: {other:?}"),
            }
        }
        // The honest device retransmits its CheckIn (its ack was lost): the same ack again.
        if i % 100 == 0 {
            let (msg, ack) = &honest[k % 15];
            assert_eq!(ev.check_in(msg, now).as_ref(), Ok(ack));
        }
        // Honest check-ins on the credentials still unused.
        if i % 2500 == 0 {
            let qr = &unused[i / 2500];
            assert!(ev
                .check_in(&qr.check_in(&seed(&mut rng)).encode(), now)
                .is_ok());
            admitted_mid_flood += 1;
        }
        assert_eq!(ev.credentials(), 20);
    }
    let copies = (0..FLOOD).filter(|i| i % 16 != 15).count();
    assert_eq!(
        burned,
        FLOOD + copies,
        "every one refused EVENT_CHECKIN_BURNED"
    );
    assert_eq!(admitted_mid_flood, 4);
    // The tables did not grow: one pseudonym per admitting burn, no credential added.
    assert_eq!(ev.credentials(), ev.max_credentials());
    assert_eq!(ev.participant_count(), 19);
    assert_eq!(ev.counts().attendees, 19);
    // Every credential is now burned: issuing a new one meets the bound (burned ones are held).
    assert_eq!(
        ev.issue_credential(seed(&mut rng), now).err(),
        Some(EventError::TableFull)
    );
    // After the end, a retransmission is still answered; a new CheckIn is closed.
    ev.end(now + 10).unwrap();
    let (msg, ack) = &honest[0];
    assert_eq!(ev.check_in(msg, now + 20).as_ref(), Ok(ack));
    assert_eq!(
        ev.check_in(&qrs[1].check_in(&seed(&mut rng)).encode(), now + 20),
        Err(EventError::Closed)
    );
    assert_eq!(ev.participant_count(), 19);
}

#[allow(clippy::too_many_arguments)]
fn report_as(
    event: &[u8; 32],
    nym: &IdentityKey,
    who: &IdentityKey,
    counter: u32,
    time: u64,
    status: Status,
    name: &str,
    message: &str,
) -> Vec<u8> {
    let mut r = Report {
        pseudonym: nym.public(),
        identity: who.public(),
        counter,
        time,
        status,
        hops: 0,
        since: START,
        name: name.into(),
        message: message.into(),
        pseudonym_sig: [0; 64],
        identity_sig: [0; 64],
    };
    let body = r.body();
    r.pseudonym_sig = nym.sign(labels::REPORT_PSEUDONYM, &[event, &body]);
    r.identity_sig = who.sign(labels::REPORT_IDENTITY, &[event, &body]);
    r.encode()
}

/// Reports (`spec/events.md §7.4` steps 4, 9, 13; `§11`, the reports row): one checked-in
/// pseudonym sends thousands of *valid* reports (strictly increasing counters, alternating
/// Suspected ↔ Negative, names and messages of the largest allowed size). The event keeps only the
/// latest: its participant record holds that report's counter, status and name (≤ 64 bytes), the
/// counters count the pseudonym once, older reports are refused `EVENT_REPLAY`, the latest one's
/// retransmission is acknowledged without a new reveal, and another participant's traffic goes on.
#[test]
fn a_pseudonym_s_stream_of_valid_reports_keeps_only_the_latest() {
    use contact_tracing::event::{MAX_MESSAGE_LEN, MAX_NAME_LEN};
    let mut rng = ChaCha20Rng::seed_from_u64(66);
    let mut ev = Event::new(&seed(&mut rng), &seed(&mut rng), START);
    let id = ev.id();
    let now = START + 600;
    let mut nyms = Vec::new();
    for _ in 0..2 {
        let qr = ev.issue_credential(seed(&mut rng), now).unwrap();
        let nym = seed(&mut rng);
        ev.check_in(&qr.check_in(&nym).encode(), now).unwrap();
        nyms.push(IdentityKey::from_seed(&nym));
    }
    let (flooder, other) = (&nyms[0], &nyms[1]);
    let who = IdentityKey::from_seed(&seed(&mut rng));
    let message = "m".repeat(MAX_MESSAGE_LEN);
    const REPORTS: u32 = 2_000;
    let mut sent: Vec<Vec<u8>> = Vec::new();
    for c in 1..=REPORTS {
        let status = if c % 2 == 1 {
            Status::Suspected
        } else {
            Status::Negative
        };
        let name = format!("{c:0>width$}", width = MAX_NAME_LEN);
        let bytes = report_as(&id, flooder, &who, c, now, status, &name, &message);
        let accepted = ev.report(&bytes, now).unwrap();
        assert_eq!(accepted.reveal.unwrap().counter, c);
        let p = ev.participant(&flooder.public()).unwrap();
        assert_eq!((p.counter, p.status, p.name.as_str()), (c, status, &*name));
        assert_eq!(p.name.len(), MAX_NAME_LEN);
        let counts = ev.counts();
        assert_eq!(counts.suspected + counts.negative, 1, "counted once");
        if c % 100 == 0 {
            // An older report (from anyone who kept a copy) is refused and changes nothing.
            assert_eq!(
                ev.report(&sent[(c as usize) / 2], now).err(),
                Some(EventError::Replay)
            );
            assert_eq!(ev.participant(&flooder.public()).unwrap().counter, c);
            // The latest one is acknowledged again without a new reveal.
            assert!(ev.report(&bytes, now).unwrap().reveal.is_none());
            // The other participant is served in the middle of the stream.
            let req = StatsRequest {
                pseudonym: other.public(),
                time: now,
                sig: other.sign(
                    labels::STATS_REQUEST,
                    &[&id, &other.public(), &now.to_be_bytes()],
                ),
            };
            assert!(ev.stats(&req.encode(), now).is_ok());
        }
        sent.push(bytes);
    }
    // A name one byte over the bound is refused at decoding and changes nothing.
    let long = "x".repeat(MAX_NAME_LEN + 1);
    let bytes = report_as(
        &id,
        flooder,
        &who,
        REPORTS + 1,
        now,
        Status::Suspected,
        &long,
        "",
    );
    assert_eq!(ev.report(&bytes, now).err(), Some(EventError::BadText));
    assert_eq!(ev.participant(&flooder.public()).unwrap().counter, REPORTS);
    // The other participant's own report is accepted, and the table still holds two pseudonyms.
    let r = report_as(&id, other, other, 1, now, Status::Suspected, "o", "");
    assert!(ev.report(&r, now).unwrap().reveal.is_some());
    assert_eq!(ev.participant_count(), 2);
    let counts = ev.counts();
    assert_eq!((counts.suspected, counts.negative), (1, 1));
}
