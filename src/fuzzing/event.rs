//! Fuzz-target bodies of the `event` protocol (`spec/events.md`).

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

#[cfg(feature = "alloc")]
use crate::event::messages::{
    CheckIn, CheckInAck, ContactUpdateMsg, PairingConfirm, PairingHello, Report, ReportAck, Stats,
    StatsRequest,
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
    let mut admitted: Vec<u8> = Vec::new();
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
                if ev.check_in(&msg, now).is_ok() {
                    assert!(!admitted.contains(&(a % 8)), "credential admitted twice");
                    admitted.push(a % 8);
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
                if ev.report(&r.encode(), now).is_ok() {
                    assert!(counter > counters[i]);
                    counters[i] = counter;
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
/// events (acks, stats, evaluations, self reports). Invariants: nothing panics, and every status
/// change is an edge of the transition table (`spec/events.md §6.2`).
pub fn event_device(data: &[u8]) {
    use crate::event::{Cause, Device};
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
        let (h, msg) = d.check_in(&qr, &seed(30 + i as u8), start);
        if let Ok(ack) = ev.check_in(&msg, start) {
            assert!(d.on_check_in_ack(h, &ack).is_ok());
        }
    }
    let mut now = start;
    let mut it = data.chunks(3);
    while let Some(op) = it.next() {
        let [kind, a, b] = match *op {
            [k, a, b] => [k, a, b],
            _ => return,
        };
        let before = d.status().status;
        let h = crate::event::EventHandle(usize::from(a % 3));
        match kind % 6 {
            0 => now = now.saturating_add(u64::from(a) * 3600 + u64::from(b)),
            1 => {
                for (h, req) in d.poll(now) {
                    if let Some(ev) = evs.get(h.0) {
                        if let Ok(st) = ev.stats(&req, now) {
                            let _ = d.on_stats(h, &st, now);
                        }
                    }
                }
            }
            2 => {
                for (h, rep) in d.evaluate(now) {
                    if let Some(ev) = evs.get_mut(h.0) {
                        if let Ok(acc) = ev.report(&rep, now) {
                            let _ = d.on_report_ack(h, &acc.ack);
                        }
                    }
                }
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
                    for (h, rep) in out {
                        if let Some(ev) = evs.get_mut(h.0) {
                            let _ = ev.report(&rep, now);
                        }
                    }
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
    }
}

/// This protocol's targets, by name.
#[cfg(feature = "alloc")]
#[allow(clippy::type_complexity)]
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("event_decode", event_decode),
    ("event_ops", event_ops),
    ("event_device", event_device),
];

/// This protocol's targets, by name (none without `alloc`).
#[cfg(not(feature = "alloc"))]
#[allow(clippy::type_complexity)]
pub const TARGETS: &[(&str, fn(&[u8]))] = &[];
