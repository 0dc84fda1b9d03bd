//! Fuzz-target bodies of the `event` protocol (`spec/events.md`).

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

#[cfg(feature = "alloc")]
use crate::event::messages::{
    CheckIn, CheckInAck, ContactUpdateMsg, PairingCommit, PairingConfirm, PairingHello, Report,
    ReportAck, Stats, StatsRequest,
};
#[cfg(feature = "alloc")]
use crate::event::{CheckInQr, Event, Phase, SecretSeed, Status, DAY};

#[cfg(feature = "alloc")]
macro_rules! roundtrip {
    ($ty:ty, $data:expr) => {
        if let Ok(m) = <$ty>::decode($data) {
            assert_eq!(
                m.encode(),
                $data,
                concat!(stringify!($ty), ": re-encoding differs")
            );
        }
    };
}

#[cfg(feature = "alloc")]
/// `event_decode`: every decoder on every input; whatever decodes re-encodes to the input bytes
/// (strict, canonical codecs); the QR payload parsers accept exactly their length.
pub fn event_decode(data: &[u8]) {
    roundtrip!(PairingCommit, data);
    roundtrip!(PairingHello, data);
    roundtrip!(PairingConfirm, data);
    roundtrip!(ContactUpdateMsg, data);
    roundtrip!(CheckIn, data);
    roundtrip!(CheckInAck, data);
    roundtrip!(StatsRequest, data);
    roundtrip!(Stats, data);
    roundtrip!(Report, data);
    roundtrip!(ReportAck, data);
    assert_eq!(
        CheckInQr::from_bytes(data).is_ok(),
        data.len() == CheckInQr::LEN
    );
    assert_eq!(
        crate::event::PairingQr::from_bytes(data).is_ok(),
        data.len() == crate::event::PairingQr::LEN
    );
}

#[cfg(feature = "alloc")]
fn seed(i: u8) -> SecretSeed {
    SecretSeed::from_bytes([i; 32])
}

#[cfg(feature = "alloc")]
/// `event_ops`: a random sequence of event operations (issue, check-in, stats, report, end,
/// time steps, raw bytes) on one event. Invariants: nothing panics; counters never exceed the
/// attendees; a credential admits at most one pseudonym; the phase never goes back.
pub fn event_ops(data: &[u8]) {
    let start = 1_586_707_200u64;
    let mut ev = Event::new(&seed(200), &seed(201), start);
    let mut now = start;
    // (credential, pseudonym) pairs admitted; a retransmitted CheckIn is acknowledged again.
    let mut admitted: Vec<(u8, u8)> = Vec::new();
    let mut counters = [0u32; 8];
    let mut last_phase = 0u8;
    let mut it = data.chunks(4);
    let me = crate::event::IdentityKey::from_seed(&seed(250));
    let id = ev.id();
    while let Some(op) = it.next() {
        let [kind, a, b, c] = match *op {
            [k, a, b, c] => [k, a, b, c],
            _ => return,
        };
        match kind % 7 {
            0 => {
                let _ = ev.issue_credential(seed(a % 8), now);
            }
            1 => {
                let qr = CheckInQr {
                    event: id,
                    address: ev.address(),
                    credential: seed(a % 8),
                };
                let msg = qr.check_in(&seed(100 + b % 8)).encode();
                if ev.check_in(&msg, now).is_ok() && !admitted.contains(&(a % 8, b % 8)) {
                    assert!(
                        admitted.iter().all(|(c, _)| *c != a % 8),
                        "credential admitted twice"
                    );
                    admitted.push((a % 8, b % 8));
                }
            }
            2 => {
                let nym = crate::event::IdentityKey::from_seed(&seed(100 + a % 8));
                let t = now.wrapping_add(u64::from(b)).wrapping_sub(128);
                let req = StatsRequest {
                    pseudonym: nym.public(),
                    time: t,
                    sig: nym.sign(
                        crate::labels::event::STATS_REQUEST,
                        &[&id, &nym.public(), &t.to_be_bytes()],
                    ),
                };
                if let Ok(bytes) = ev.stats(&req.encode(), now) {
                    assert!(Stats::decode(&bytes).is_ok());
                }
            }
            3 => {
                let i = usize::from(a % 8);
                let nym = crate::event::IdentityKey::from_seed(&seed(100 + a % 8));
                let status = Status::ALL[usize::from(b % 5)];
                let counter = counters[i].saturating_add(u32::from(c % 3));
                let mut r = Report {
                    pseudonym: nym.public(),
                    identity: me.public(),
                    counter,
                    time: now,
                    status,
                    hops: u8::from(status == Status::HighRisk) * (1 + c % 3),
                    since: now.saturating_sub(u64::from(c) * 3600),
                    name: alloc::string::String::new(),
                    message: alloc::string::String::new(),
                    pseudonym_sig: [0; 64],
                    identity_sig: [0; 64],
                };
                let body = r.body();
                r.pseudonym_sig = nym.sign(crate::labels::event::REPORT_PSEUDONYM, &[&id, &body]);
                r.identity_sig = me.sign(crate::labels::event::REPORT_IDENTITY, &[&id, &body]);
                if let Ok(acc) = ev.report(&r.encode(), now) {
                    // A retransmission is acknowledged again without changing anything.
                    if acc.reveal.is_some() {
                        assert!(counter > counters[i]);
                        counters[i] = counter;
                    } else {
                        assert_eq!(counter, counters[i]);
                    }
                }
            }
            4 => {
                let _ = ev.end(now);
            }
            5 => now = now.saturating_add(u64::from(a) * DAY / 4 + u64::from(b)),
            _ => {
                let len = usize::from(a);
                let raw: Vec<u8> = it.by_ref().take(len / 4 + 1).flatten().copied().collect();
                let _ = ev.check_in(&raw, now);
                let _ = ev.stats(&raw, now);
                let _ = ev.report(&raw, now);
            }
        }
        let cnt = ev.counts();
        let sum = u64::from(cnt.negative)
            + u64::from(cnt.suspected)
            + u64::from(cnt.positive)
            + cnt.high_risk.iter().map(|&n| u64::from(n)).sum::<u64>();
        assert!(
            sum <= u64::from(cnt.attendees),
            "more statuses than attendees"
        );
        assert_eq!(usize::try_from(cnt.attendees).unwrap_or(0), admitted.len());
        let phase = match ev.phase(now) {
            Phase::Active => 0,
            Phase::Grace => 1,
            Phase::Archive => 2,
            Phase::Deleted => 3,
        };
        assert!(phase >= last_phase, "phase went back");
        last_phase = phase;
    }
}

#[cfg(feature = "alloc")]
/// `event_device`: arbitrary messages and times fed to a participant device with two attended
/// events (polls with retransmissions, acks, stats, evaluations, self reports, raw bytes).
/// Invariants: nothing panics; every status change is an edge of the transition table
/// (`spec/events.md §6.2`); the device never has more than one message pending per event.
pub fn event_device(data: &[u8]) {
    use crate::event::{Cause, Device, EventHandle};
    let start = 1_586_707_200u64;
    let Ok(mut d) = Device::new(&seed(1), "fuzz", start) else {
        return;
    };
    let mut evs = [
        Event::new(&seed(10), &seed(11), start),
        Event::new(&seed(12), &seed(13), start + 3600),
    ];
    for (i, ev) in evs.iter_mut().enumerate() {
        let Ok(qr) = ev.issue_credential(seed(20 + i as u8), start) else {
            return;
        };
        let Ok((h, msg)) = d.check_in(&qr, &seed(30 + i as u8), start) else {
            return;
        };
        if let Ok(ack) = ev.check_in(&msg, start) {
            assert!(d.on_check_in_ack(h, &ack).is_ok());
        }
    }
    let event_of = |h: EventHandle| usize::try_from(h.0).ok().filter(|i| *i < 2);
    let mut now = start;
    let mut it = data.chunks(3);
    while let Some(op) = it.next() {
        let [kind, a, b] = match *op {
            [k, a, b] => [k, a, b],
            _ => return,
        };
        let before = d.status().status;
        let h = EventHandle(u32::from(a % 3));
        let deliver = |d: &mut Device,
                       evs: &mut [Event; 2],
                       out: Vec<(EventHandle, Vec<u8>)>,
                       now: u64,
                       drop_mask: u8| {
            for (k, (h, msg)) in out.into_iter().enumerate() {
                if drop_mask & (1 << (k % 8)) != 0 {
                    continue;
                }
                let Some(ev) = event_of(h).and_then(|i| evs.get_mut(i)) else {
                    continue;
                };
                if let Ok(acc) = ev.report(&msg, now) {
                    let _ = d.on_report_ack(h, &acc.ack);
                } else if let Ok(st) = ev.stats(&msg, now) {
                    let _ = d.on_stats(h, &st, now);
                } else if let Ok(ack) = ev.check_in(&msg, now) {
                    let _ = d.on_check_in_ack(h, &ack);
                }
            }
        };
        match kind % 6 {
            0 => now = now.saturating_add(u64::from(a) * 3600 + u64::from(b)),
            1 => {
                let out = d.poll(now);
                deliver(&mut d, &mut evs, out, now, b);
            }
            2 => {
                let out = d.evaluate(now);
                for (h, _) in &out {
                    assert!(d.is_pending(*h), "a report sent without being pending");
                }
                deliver(&mut d, &mut evs, out, now, b);
            }
            3 => {
                let cause = [
                    Cause::Report,
                    Cause::TestPositive,
                    Cause::TestNegative,
                    Cause::Event,
                ][usize::from(b % 4)];
                let since = now.saturating_sub(u64::from(a) * 3600);
                if let Ok(out) = d.self_report(cause, since, now) {
                    deliver(&mut d, &mut evs, out, now, a);
                }
            }
            _ => {
                let len = usize::from(b);
                let raw: Vec<u8> = it.by_ref().take(len / 3 + 1).flatten().copied().collect();
                let _ = d.on_stats(h, &raw, now);
                let _ = d.on_check_in_ack(h, &raw);
                let _ = d.on_report_ack(h, &raw);
            }
        }
        let after = d.status().status;
        if after != before {
            assert!(
                crate::event::Cause::of_edge(before, after).is_some(),
                "status change {before:?} -> {after:?} is not an edge"
            );
        }
        assert!(d.event_count() <= d.max_events());
    }
}

#[cfg(feature = "alloc")]
/// `event_pairing`: a pairing run between one initiator and one joiner where the input chooses,
/// message by message, whether the honest message, a mutated copy or raw bytes is delivered, and
/// to which side. Invariants: nothing panics; the initiator never holds more than one session;
/// when both sides finish they agree on the code and on each other's identity.
pub fn event_pairing(data: &[u8]) {
    use crate::event::{IdentityKey, Initiator, Joiner, PairingQr};
    let qr = PairingQr {
        secret: seed(40),
        rendezvous: [41; 32],
    };
    let alice = IdentityKey::from_seed(&seed(42));
    let bob = IdentityKey::from_seed(&seed(43));
    let mut init = Initiator::new(&qr, &alice, [44; 32], [45; 32]);
    let (mut join, commit) = Joiner::start(&qr, &bob, [46; 32], [47; 32]);
    // Messages seen so far, to be delivered (possibly mutated) in any order.
    let mut seen: Vec<Vec<u8>> = alloc::vec![commit];
    let mut done_i = None;
    let mut done_j = None;
    let mut it = data.chunks(3);
    while let Some(op) = it.next() {
        let [kind, a, b] = match *op {
            [k, a, b] => [k, a, b],
            _ => break,
        };
        let mut msg = match seen.get(usize::from(a) % seen.len().max(1)) {
            Some(m) => m.clone(),
            None => break,
        };
        if kind & 0x80 != 0 {
            let at = usize::from(b) % msg.len().max(1);
            if let Some(x) = msg.get_mut(at) {
                *x ^= 1 << (kind % 8);
            }
        }
        if kind & 0x40 != 0 {
            msg = it
                .by_ref()
                .take(usize::from(b) / 3 + 1)
                .flatten()
                .copied()
                .collect();
        }
        match kind % 5 {
            0 => {
                if let Ok(h) = init.receive_commit(&msg) {
                    seen.push(h);
                }
            }
            1 => {
                if let Ok((h, c)) = join.receive_hello(&msg) {
                    seen.push(h);
                    seen.push(c);
                }
            }
            2 => {
                if let Ok(c) = init.receive_hello(&msg) {
                    seen.push(c);
                }
            }
            3 => {
                if let Ok(r) = join.finish(&msg) {
                    done_j = Some(r);
                }
            }
            _ => {
                if let Ok(r) = init.finish(&msg) {
                    done_i = Some(r);
                }
            }
        }
        assert!(init.sessions() <= Initiator::MAX_SESSIONS);
    }
    if let (Some((bob_seen, sas_i)), Some((alice_seen, sas_j))) = (done_i, done_j) {
        assert_eq!(sas_i, sas_j, "both sides finished with different codes");
        assert_eq!(bob_seen.identity, bob.public());
        assert_eq!(alice_seen.identity, alice.public());
    }
}

/// This protocol's targets, by name.
#[cfg(feature = "alloc")]
#[allow(clippy::type_complexity)]
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("event_decode", event_decode),
    ("event_ops", event_ops),
    ("event_device", event_device),
    ("event_pairing", event_pairing),
];

/// This protocol's targets, by name (none without `alloc`).
#[cfg(not(feature = "alloc"))]
#[allow(clippy::type_complexity)]
pub const TARGETS: &[(&str, fn(&[u8]))] = &[];
