//! `event-device` (`spec/events.md §8`, §9): a participant's device replaying steps (`checkIn`,
//! `checkInAck`, `stats`, `reportAck`, `poll`, `evaluate`, `selfReport`). The events it talks to
//! run in the generator only; their messages are the steps' inputs.

use contact_tracing::error::ErrorCode;
use contact_tracing::event::messages::{CheckInAck, Stats};
use contact_tracing::event::status::{Cause, Status};
use contact_tracing::event::{
    fingerprint, CheckInQr, Device, Event, EventError, EventHandle, IdentityKey, SecretSeed, DAY,
    GRACE, HIGH_RISK_EXPIRY, MAX_EVENT_DURATION, MAX_SKEW, SUSPECTED_DECAY,
};
use contact_tracing::labels::event as labels;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Map, Value};

use super::ed;
use super::machine::report_msg;
use super::{
    cause_by_name, ed_notes, key, s, seed32, str_field, Outcome, Script, APR_06, APR_12_16H,
    APR_12_22H, APR_20_12H, HEADER,
};
use crate::vector::{
    field, hex, hex_array, hex_field, rng, u32_field, u64_str_field, FileBuilder, Group, Test,
    Verdict,
};

fn device_from_group(g: &Map<String, Value>) -> Result<Device, String> {
    let mut d = Device::new(
        &SecretSeed::from_bytes(hex_array(g, "identitySeed")?),
        str_field(g, "name")?,
        u64_str_field(g, "created")?,
    )
    .map_err(|e| e.code().to_string())?;
    let max = field(g, "maxEvents")?
        .as_u64()
        .ok_or("`maxEvents` is not a number")?;
    d.set_max_events(usize::try_from(max).map_err(|_| "maxEvents")?);
    Ok(d)
}

fn outs_json(out: &[(EventHandle, Vec<u8>)]) -> Value {
    Value::Array(
        out.iter()
            .map(|(h, m)| json!({"handle": h.0, "message": hex(m)}))
            .collect(),
    )
}

fn exec(d: &mut Device, step: &Map<String, Value>) -> Result<Outcome, String> {
    let mut out = Map::new();
    let handle = || u32_field(step, "handle").map(EventHandle);
    let res = match str_field(step, "op")? {
        "checkIn" => {
            let seed = SecretSeed::from_bytes(hex_array(step, "pseudonymSeed")?);
            let now = u64_str_field(step, "now")?;
            CheckInQr::from_bytes(&hex_field(step, "qr")?)
                .and_then(|qr| d.check_in(&qr, &seed, now))
                .map(|(h, m)| {
                    out.insert("assignedHandle".into(), json!(h.0));
                    out.insert("output".into(), json!(hex(m)));
                })
        }
        "checkInAck" => d.on_check_in_ack(handle()?, &hex_field(step, "message")?),
        "stats" => d.on_stats(
            handle()?,
            &hex_field(step, "message")?,
            u64_str_field(step, "now")?,
        ),
        "reportAck" => d.on_report_ack(handle()?, &hex_field(step, "message")?),
        "poll" => {
            let o = d.poll(u64_str_field(step, "now")?);
            out.insert("outputs".into(), outs_json(&o));
            Ok(())
        }
        "evaluate" => {
            let o = d.evaluate(u64_str_field(step, "now")?);
            out.insert("outputs".into(), outs_json(&o));
            Ok(())
        }
        "selfReport" => d
            .self_report(
                cause_by_name(str_field(step, "cause")?)?,
                u64_str_field(step, "since")?,
                u64_str_field(step, "now")?,
            )
            .map(|o| {
                out.insert("outputs".into(), outs_json(&o));
            }),
        other => return Err(format!("unknown op `{other}`")),
    };
    let st = d.status();
    let mut always = Map::new();
    always.insert("status".into(), json!(st.status.name()));
    always.insert("hops".into(), json!(st.hops));
    always.insert("statusSince".into(), s(st.since));
    always.insert("events".into(), json!(d.event_count()));
    always.insert("lost".into(), json!(d.lost()));
    if let Some(h) = d.exposing_event() {
        always.insert("exposing".into(), json!(h.0));
    }
    Ok(Outcome::of(res.map(|()| out)).with(always))
}

pub(super) fn check(g: &Group, t: &Test) -> Result<Verdict, String> {
    match device_from_group(g) {
        Ok(mut d) => super::replay(t, &mut d, exec),
        // A name the device refuses (§8.2): every test of the group is refused with it.
        Err(code) => match EventError::ALL.iter().find(|e| e.code() == code) {
            Some(e) => Ok(Verdict::Invalid(e.code())),
            None => Err(code),
        },
    }
}

/// A device under test and the events it attends (the events run in the generator only).
#[derive(Clone)]
pub(super) struct World {
    pub sc: Script<Device>,
    pub events: Vec<Event>,
    /// Event index of each handle.
    pub handles: Vec<usize>,
    r: ChaCha20Rng,
}

const NAME: &str = "Eve";

pub(super) struct Fx {
    pub id_seed: [u8; 32],
    pub created: u64,
    pub max: usize,
}

impl Fx {
    pub fn params(&self) -> Value {
        json!({"identitySeed": hex(self.id_seed), "name": NAME, "created": s(self.created), "maxEvents": self.max})
    }
    pub fn group(&self, f: &mut FileBuilder) {
        f.group("event-device", self.params());
    }
    pub fn world(&self, label: &str) -> World {
        World {
            sc: Script::new(
                device_from_group(self.params().as_object().unwrap()).unwrap(),
                exec,
            ),
            events: Vec::new(),
            handles: Vec::new(),
            r: rng(label),
        }
    }
}

pub(super) fn tag(m: &[u8]) -> u8 {
    m.first().copied().unwrap_or(0)
}

pub(super) fn outputs(m: &Map<String, Value>) -> Vec<(u32, Vec<u8>)> {
    m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["handle"].as_u64().unwrap() as u32,
                ::hex::decode(o["message"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

impl World {
    pub fn seed(&mut self) -> [u8; 32] {
        seed32(&mut self.r)
    }
    pub fn event(&mut self, start: u64) -> usize {
        let ev = Event::new(
            &SecretSeed::from_bytes(self.seed()),
            &SecretSeed::from_bytes(self.seed()),
            start,
        );
        self.events.push(ev);
        self.events.len() - 1
    }
    pub fn device(&self) -> &Device {
        &self.sc.state
    }
    pub fn qr(&mut self, e: usize, now: u64) -> CheckInQr {
        let cred = SecretSeed::from_bytes(self.seed());
        self.events[e].issue_credential(cred, now).unwrap()
    }
    /// The device checks in (step) without the ack; returns its handle and the ack bytes.
    pub fn check_in_only(&mut self, e: usize, now: u64) -> (u32, Vec<u8>) {
        let qr = self.qr(e, now);
        let nym = self.seed();
        let out = self.sc.ok(json!({"op": "checkIn", "qr": hex(qr.to_bytes()), "pseudonymSeed": hex(nym), "now": s(now)}));
        let h = out["assignedHandle"].as_u64().unwrap() as u32;
        let msg = ::hex::decode(out["output"].as_str().unwrap()).unwrap();
        let ack = self.events[e].check_in(&msg, now).unwrap();
        self.handles.push(e);
        (h, ack)
    }
    /// The device checks in and gets the ack.
    pub fn attend(&mut self, e: usize, now: u64) -> u32 {
        let (h, ack) = self.check_in_only(e, now);
        self.sc
            .ok(json!({"op": "checkInAck", "handle": h, "message": hex(ack)}));
        h
    }
    /// Another participant checks in at the event (not a device step).
    pub fn other(&mut self, e: usize, now: u64) -> IdentityKey {
        let qr = self.qr(e, now);
        let nym = self.seed();
        self.events[e]
            .check_in(&qr.check_in(&SecretSeed::from_bytes(nym)).encode(), now)
            .unwrap();
        key(nym)
    }
    /// Another participant reports at the event.
    #[allow(clippy::too_many_arguments)]
    pub fn other_reports(
        &mut self,
        e: usize,
        nym: &IdentityKey,
        counter: u32,
        status: Status,
        hops: u8,
        since: u64,
        now: u64,
    ) {
        // The participant's permanent key: fixed per pseudonym (a later report must reveal the same).
        let who = key(nym.public());
        let id = self.events[e].id();
        self.events[e]
            .report(
                &report_msg(&id, nym, &who, counter, now, status, hops, since).encode(),
                now,
            )
            .unwrap();
    }
    /// Delivers device messages to their events and the answers back (steps).
    pub fn deliver(&mut self, outs: Vec<(u32, Vec<u8>)>, now: u64) {
        for (h, m) in outs {
            let e = self.handles[h as usize];
            match tag(&m) {
                0x20 => {
                    let ack = self.events[e].check_in(&m, now).unwrap();
                    self.sc
                        .ok(json!({"op": "checkInAck", "handle": h, "message": hex(ack)}));
                }
                0x22 => {
                    let st = self.events[e].stats(&m, now).unwrap();
                    self.sc
                        .ok(json!({"op": "stats", "handle": h, "now": s(now), "message": hex(st)}));
                }
                0x24 => {
                    let acc = self.events[e].report(&m, now).unwrap();
                    self.sc
                        .ok(json!({"op": "reportAck", "handle": h, "message": hex(acc.ack)}));
                }
                t => panic!("unexpected tag {t}"),
            }
        }
    }
    pub fn poll(&mut self, now: u64) {
        let out = self.sc.ok(json!({"op": "poll", "now": s(now)}));
        self.deliver(outputs(&out), now);
    }
    /// A poll step whose messages are lost.
    pub fn poll_lost(&mut self, now: u64) -> Vec<(u32, Vec<u8>)> {
        let out = self.sc.ok(json!({"op": "poll", "now": s(now)}));
        outputs(&out)
    }
    pub fn evaluate(&mut self, now: u64) -> Vec<(u32, Vec<u8>)> {
        let out = self.sc.ok(json!({"op": "evaluate", "now": s(now)}));
        let o = outputs(&out);
        self.deliver(o.clone(), now);
        o
    }
    pub fn evaluate_lost(&mut self, now: u64) -> Vec<(u32, Vec<u8>)> {
        let out = self.sc.ok(json!({"op": "evaluate", "now": s(now)}));
        outputs(&out)
    }
    pub fn self_report(&mut self, cause: &str, since: u64, now: u64) -> Vec<(u32, Vec<u8>)> {
        let out = self
            .sc
            .ok(json!({"op": "selfReport", "cause": cause, "since": s(since), "now": s(now)}));
        let o = outputs(&out);
        self.deliver(o.clone(), now);
        o
    }
    pub fn stats_msg(&mut self, h: u32, now: u64) -> Vec<u8> {
        let e = self.handles[h as usize];
        self.events[e].stats_message(now).encode()
    }
    pub fn emit(
        self,
        f: &mut FileBuilder,
        comment: &str,
        flags: &[&str],
        want: Option<EventError>,
    ) {
        self.sc.emit(f, comment, flags, json!({}), want);
    }
    pub fn status(&self) -> Status {
        self.device().status().status
    }
}

pub(super) fn run(w: &mut World, step: Value, want: Option<EventError>) {
    match want {
        None => {
            w.sc.ok(step);
        }
        Some(e) => w.sc.refused(step, e),
    }
}

pub(super) fn files() -> Vec<(String, Value)> {
    vec![
        ("event/device_test.json".into(), device_file()),
        ("event/cascade_test.json".into(), cascade_file()),
    ]
}

pub(super) fn notes(f: &mut FileBuilder) {
    f.note(
        "Forged",
        "AUTH_BYPASS",
        "An ack or stats not signed by the event, or for another event, pseudonym, counter or status.",
    );
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "Structurally malformed message.",
    );
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "A message that breaks two adjacent checks of an ordered list at once: the earlier check's error wins (spec/events.md §1).",
    );
    f.note(
        "RefusalChangesNothing",
        "FUNCTIONALITY",
        "A refused input followed by steps showing that it changed nothing.",
    );
    f.note(
        "Retransmission",
        "FUNCTIONALITY",
        "Stop and wait (spec/events.md §8.2): what is unacknowledged is sent again by poll, byte for byte, and nothing new goes to that event meanwhile.",
    );
    f.note(
        "Bound",
        "FUNCTIONALITY",
        "The device's bound on attended events, and forgetting after the grace period (spec/events.md §8.2, §11).",
    );
    f.note(
        "Stale",
        "EDGE_CASE",
        "Stats time on both sides of MAX_SKEW in both directions, and older than the stats held.",
    );
    ed_notes(f);
}

fn device_file() -> Value {
    let mut f = FileBuilder::new(
        "event",
        "event-device",
        "spec/events.md#8-the-participant-device",
        HEADER,
    );
    notes(&mut f);
    let mut r = rng("event device");
    let fx = Fx {
        id_seed: seed32(&mut r),
        created: APR_06 - 30 * DAY,
        max: 1024,
    };
    fx.group(&mut f);
    let t0 = APR_12_16H;
    // A device at one event, checked in and acknowledged, with stats.
    let base = |label: &str| {
        let mut w = fx.world(label);
        let e = w.event(t0);
        let h = w.attend(e, t0);
        w.poll(t0 + 60);
        (w, e, h)
    };
    // --- check-in ack (§7.2): decode; handle; pseudonym; key, signature.
    let mut w = fx.world("device ack");
    let e = w.event(t0);
    let (h, ack) = w.check_in_only(e, t0);
    let other_ack = {
        // An ack the event signed for another pseudonym.
        let qr = w.qr(e, t0);
        w.events[e]
            .check_in(
                &qr.check_in(&SecretSeed::from_bytes([0x91; 32])).encode(),
                t0,
            )
            .unwrap()
    };
    let mut bad_sig = ack.clone();
    bad_sig[50] ^= 1;
    let cases: Vec<(&str, &[&str], Value, EventError)> = vec![
        (
            "check-in ack for another pseudonym",
            &["Forged"],
            json!({"op": "checkInAck", "handle": h, "message": hex(&other_ack)}),
            EventError::WrongPseudonym,
        ),
        (
            "check-in ack with a bad event signature",
            &["Forged"],
            json!({"op": "checkInAck", "handle": h, "message": hex(&bad_sig)}),
            EventError::BadEventSig,
        ),
        (
            "check-in ack for a handle the device does not hold",
            &["Forged"],
            json!({"op": "checkInAck", "handle": 5, "message": hex(&ack)}),
            EventError::WrongEvent,
        ),
        (
            "check-in ack truncated",
            &["Malformed"],
            json!({"op": "checkInAck", "handle": h, "message": hex(&ack[..104])}),
            EventError::Truncated,
        ),
        (
            "check-in ack with the stats tag",
            &["Malformed"],
            json!({"op": "checkInAck", "handle": h, "message": hex(with(&ack, 0, 0x23))}),
            EventError::UnknownTag,
        ),
        (
            "a truncated ack for an unknown handle: decoding is checked first",
            &["CheckOrder"],
            json!({"op": "checkInAck", "handle": 5, "message": hex(&ack[..50])}),
            EventError::Truncated,
        ),
        (
            "an ack for another pseudonym with a bad signature: the pseudonym is checked first",
            &["CheckOrder"],
            json!({"op": "checkInAck", "handle": h, "message": hex(with(&other_ack, 60, other_ack[60] ^ 1))}),
            EventError::WrongPseudonym,
        ),
    ];
    for (comment, flags, step, e_) in cases {
        let mut w2 = w.clone();
        w2.sc.refused(step, e_);
        w2.clone().emit(&mut f, comment, flags, Some(e_));
        // Still pending: poll retransmits the CheckIn; the real ack is then accepted.
        let out = w2.poll_lost(t0 + 60);
        assert_eq!(out.len(), 1);
        w2.sc
            .ok(json!({"op": "checkInAck", "handle": h, "message": hex(&ack)}));
        w2.emit(&mut f, &format!("{comment}; the CheckIn is still pending (poll sends it again) and the real ack is accepted"), &["RefusalChangesNothing", "Retransmission"], None);
    }
    let mut w2 = w.clone();
    w2.sc
        .ok(json!({"op": "checkInAck", "handle": h, "message": hex(&ack)}));
    w2.sc
        .ok(json!({"op": "checkInAck", "handle": h, "message": hex(&ack)}));
    w2.emit(
        &mut f,
        "a second copy of the check-in ack changes nothing",
        &["Retransmission"],
        None,
    );
    // Lost CheckIn: retransmitted by poll until the ack; the event acknowledges the copy.
    let mut w2 = w.clone();
    let out = w2.poll_lost(t0 + 60);
    assert_eq!(tag(&out[0].1), 0x20);
    w2.poll(t0 + 120);
    w2.poll(t0 + 180);
    w2.emit(&mut f, "the ack is lost: poll sends the CheckIn again (and no StatsRequest); the event answers the copy with the same ack; then stats are polled", &["Retransmission"], None);
    // A QR whose event key is a small-order point: the first ack shows it.
    let mut w2 = fx.world("device bad key");
    let e2 = w2.event(t0);
    let mut qr = w2.qr(e2, t0);
    qr.event = ed::small_order_points()[3];
    let out = w2.sc.ok(json!({"op": "checkIn", "qr": hex(qr.to_bytes()), "pseudonymSeed": hex([0x33; 32]), "now": s(t0)}));
    let h2 = out["assignedHandle"].as_u64().unwrap();
    let fake_ack = CheckInAck {
        pseudonym: key([0x33; 32]).public(),
        start: t0,
        sig: [0; 64],
    }
    .encode();
    w2.sc.refused(
        json!({"op": "checkInAck", "handle": h2, "message": hex(&fake_ack)}),
        EventError::BadKey,
    );
    w2.emit(
        &mut f,
        "the QR's event key is a small-order point: the ack is refused with EVENT_BAD_KEY",
        &["Forged", "CheckOrder"],
        Some(EventError::BadKey),
    );

    // Check-in QRs of another length (§7.1) are refused; nothing is recorded.
    for (comment, cut, e) in [
        ("a check-in QR of 95 bytes", 95usize, EventError::Truncated),
        ("a check-in QR of 97 bytes", 97, EventError::TrailingBytes),
    ] {
        let mut w2 = fx.world("device qr length");
        let e2 = w2.event(t0);
        let qr = w2.qr(e2, t0).to_bytes();
        let mut bytes = qr[..cut.min(96)].to_vec();
        bytes.resize(cut, 0);
        w2.sc.refused(json!({"op": "checkIn", "qr": hex(bytes), "pseudonymSeed": hex([0x34; 32]), "now": s(t0)}), e);
        w2.emit(&mut f, comment, &["Malformed"], Some(e));
    }

    // --- stats (§7.3): decode; handle; event; key, signature; skew; older.
    let (w, _e, h) = base("device stats");
    let st = w.clone().stats_msg(h, t0 + 120);
    let mut other_w = fx.world("device stats other");
    let oe = other_w.event(t0);
    let other_stats = other_w.events[oe].stats_message(t0 + 120).encode();
    let mut bad = st.clone();
    bad[60] ^= 1;
    let stats_cases: Vec<(&str, &[&str], u64, Value, Option<EventError>)> = vec![
        (
            "stats with a flipped counter bit (signature no longer valid)",
            &["Forged"],
            0,
            json!({"handle": h, "message": hex(&bad)}),
            Some(EventError::BadEventSig),
        ),
        (
            "stats of another event",
            &["Forged"],
            0,
            json!({"handle": h, "message": hex(&other_stats)}),
            Some(EventError::WrongEvent),
        ),
        (
            "stats for a handle the device does not hold",
            &["Forged"],
            0,
            json!({"handle": 9, "message": hex(&st)}),
            Some(EventError::WrongEvent),
        ),
        (
            "stats truncated",
            &["Malformed"],
            0,
            json!({"handle": h, "message": hex(&st[..148])}),
            Some(EventError::Truncated),
        ),
        (
            "stats with a trailing byte",
            &["Malformed"],
            0,
            json!({"handle": h, "message": hex([&st[..], &[0]].concat())}),
            Some(EventError::TrailingBytes),
        ),
        (
            "stats with the report tag",
            &["Malformed"],
            0,
            json!({"handle": h, "message": hex(with(&st, 0, 0x24))}),
            Some(EventError::UnknownTag),
        ),
        (
            "stats exactly MAX_SKEW old",
            &["Stale"],
            MAX_SKEW,
            json!({"handle": h, "message": hex(&st)}),
            None,
        ),
        (
            "stats MAX_SKEW + 1 old",
            &["Stale"],
            MAX_SKEW + 1,
            json!({"handle": h, "message": hex(&st)}),
            Some(EventError::RequestStale),
        ),
        (
            "a truncated stats for an unknown handle: decoding is checked first",
            &["CheckOrder"],
            0,
            json!({"handle": 9, "message": hex(&st[..20])}),
            Some(EventError::Truncated),
        ),
        (
            "stats of another event with a bad signature: the event is checked first",
            &["CheckOrder"],
            0,
            json!({"handle": h, "message": hex(with(&other_stats, 60, other_stats[60] ^ 1))}),
            Some(EventError::WrongEvent),
        ),
        (
            "stale stats with a bad signature: the signature is checked first",
            &["CheckOrder"],
            MAX_SKEW + 1,
            json!({"handle": h, "message": hex(&bad)}),
            Some(EventError::BadEventSig),
        ),
    ];
    for (comment, flags, delay, mut step, want) in stats_cases {
        let mut w2 = w.clone();
        step["op"] = json!("stats");
        step["now"] = s(t0 + 120 + delay);
        run(&mut w2, step, want);
        w2.emit(&mut f, comment, flags, want);
    }
    let mut w2 = w.clone();
    let ahead = w2.stats_msg(h, t0 + 120 + MAX_SKEW);
    w2.sc
        .ok(json!({"op": "stats", "handle": h, "now": s(t0 + 120), "message": hex(&ahead)}));
    w2.emit(&mut f, "stats exactly MAX_SKEW ahead", &["Stale"], None);
    let mut w2 = w.clone();
    let ahead = w2.stats_msg(h, t0 + 121 + MAX_SKEW);
    w2.sc.refused(
        json!({"op": "stats", "handle": h, "now": s(t0 + 120), "message": hex(&ahead)}),
        EventError::RequestStale,
    );
    w2.emit(
        &mut f,
        "stats MAX_SKEW + 1 ahead",
        &["Stale"],
        Some(EventError::RequestStale),
    );
    let mut w2 = w.clone();
    let newer = w2.stats_msg(h, t0 + 200);
    let older = w2.stats_msg(h, t0 + 199);
    w2.sc
        .ok(json!({"op": "stats", "handle": h, "now": s(t0 + 200), "message": hex(&newer)}));
    w2.sc
        .ok(json!({"op": "stats", "handle": h, "now": s(t0 + 200), "message": hex(&newer)}));
    w2.sc.refused(
        json!({"op": "stats", "handle": h, "now": s(t0 + 200), "message": hex(&older)}),
        EventError::RequestStale,
    );
    w2.emit(&mut f, "a copy of the stats held is accepted again; stats one second older are refused (reordered)", &["Stale", "Retransmission"], Some(EventError::RequestStale));

    // --- report acks (§8.2): decode; handle; key, signature; pending match.
    let (mut w, e, h) = base("device report ack");
    let out =
        w.sc.ok(json!({"op": "selfReport", "cause": "report", "since": s(t0), "now": s(t0 + 300)}));
    let sent = outputs(&out);
    assert_eq!(sent.len(), 1);
    let acc = w.events[e].report(&sent[0].1, t0 + 300).unwrap();
    // Acks the event really signs, for other reports: another pseudonym's, and this pseudonym's
    // next ones (from a copy of the event).
    let stranger = w.other(e, t0);
    let mut ev_copy = w.events[e].clone();
    let id = ev_copy.id();
    let who = key([0x99; 32]);
    let other_pseudonym_ack = ev_copy
        .report(
            &report_msg(&id, &stranger, &who, 1, t0 + 300, Status::Suspected, 0, t0).encode(),
            t0 + 300,
        )
        .unwrap()
        .ack;
    let mut bad_ack = acc.ack.clone();
    bad_ack[40] ^= 1;
    let ack_cases: Vec<(&str, &[&str], Value, EventError)> = vec![
        (
            "report ack with a bad event signature",
            &["Forged"],
            json!({"op": "reportAck", "handle": h, "message": hex(&bad_ack)}),
            EventError::BadEventSig,
        ),
        (
            "report ack for another pseudonym",
            &["Forged"],
            json!({"op": "reportAck", "handle": h, "message": hex(&other_pseudonym_ack)}),
            EventError::WrongPseudonym,
        ),
        (
            "report ack for a handle the device does not hold",
            &["Forged"],
            json!({"op": "reportAck", "handle": 3, "message": hex(&acc.ack)}),
            EventError::WrongEvent,
        ),
        (
            "report ack with status byte 5",
            &["Malformed"],
            json!({"op": "reportAck", "handle": h, "message": hex(with(&acc.ack, 37, 5))}),
            EventError::BadStatus,
        ),
        (
            "report ack truncated",
            &["Malformed"],
            json!({"op": "reportAck", "handle": h, "message": hex(&acc.ack[..101])}),
            EventError::Truncated,
        ),
        (
            "report ack with the check-in ack tag",
            &["Malformed"],
            json!({"op": "reportAck", "handle": h, "message": hex(with(&acc.ack, 0, 0x21))}),
            EventError::UnknownTag,
        ),
        (
            "status byte 5 and truncated: the status is read first",
            &["Malformed", "CheckOrder"],
            json!({"op": "reportAck", "handle": h, "message": hex(with(&acc.ack[..40], 37, 5))}),
            EventError::BadStatus,
        ),
        (
            "a truncated ack for an unknown handle: decoding is checked first",
            &["CheckOrder"],
            json!({"op": "reportAck", "handle": 3, "message": hex(&acc.ack[..9])}),
            EventError::Truncated,
        ),
        (
            "an ack for another pseudonym with a bad signature: the signature is checked first",
            &["CheckOrder"],
            json!({"op": "reportAck", "handle": h, "message": hex(with(&other_pseudonym_ack, 50, other_pseudonym_ack[50] ^ 1))}),
            EventError::BadEventSig,
        ),
    ];
    for (comment, flags, step, e_) in ack_cases {
        let mut w2 = w.clone();
        w2.sc.refused(step, e_);
        w2.clone().emit(&mut f, comment, flags, Some(e_));
        w2.sc
            .ok(json!({"op": "reportAck", "handle": h, "message": hex(&acc.ack)}));
        w2.emit(
            &mut f,
            &format!("{comment}; the real ack is still accepted"),
            &["RefusalChangesNothing"],
            None,
        );
    }
    let mut w2 = w.clone();
    w2.sc
        .ok(json!({"op": "reportAck", "handle": h, "message": hex(&acc.ack)}));
    w2.sc.refused(
        json!({"op": "reportAck", "handle": h, "message": hex(&acc.ack)}),
        EventError::WrongPseudonym,
    );
    w2.emit(
        &mut f,
        "report ack replayed (nothing pending)",
        &["Forged", "Retransmission"],
        Some(EventError::WrongPseudonym),
    );
    {
        // Counter and status mismatches: the event acknowledges the pending report (counter 1,
        // Suspected); forge variants by having the event accept the report, then another report
        // of the same pseudonym (counter 2, Positive), giving an ack for counter 2.
        let mut dev2 = w.device().clone();
        let mut ev2 = w.events[e].clone();
        ev2.report(&sent[0].1, t0 + 300).unwrap();
        dev2.on_report_ack(EventHandle(h), &acc.ack).unwrap();
        let o = dev2.self_report(Cause::TestPositive, t0, t0 + 400).unwrap();
        let acc2 = ev2.report(&o[0].1, t0 + 400).unwrap();
        let mut w2 = w.clone();
        w2.sc.refused(
            json!({"op": "reportAck", "handle": h, "message": hex(&acc2.ack)}),
            EventError::WrongPseudonym,
        );
        w2.emit(
            &mut f,
            "an ack for this pseudonym with another counter and status",
            &["Forged"],
            Some(EventError::WrongPseudonym),
        );
    }
    // Stop and wait: pending blocks new reports; poll retransmits; after the ack the latest
    // status goes out.
    let mut w2 = w.clone();
    let o = w2.sc.ok(
        json!({"op": "selfReport", "cause": "test_positive", "since": s(t0), "now": s(t0 + 400)}),
    );
    assert!(outputs(&o).is_empty());
    let resent = w2.poll_lost(t0 + 500);
    assert_eq!(resent[0].1, sent[0].1);
    w2.sc
        .ok(json!({"op": "reportAck", "handle": h, "message": hex(&acc.ack)}));
    let o = w2.evaluate(t0 + 600);
    assert_eq!(o.len(), 1);
    w2.emit(&mut f, "while a report is pending nothing new is sent; poll retransmits it byte for byte; after its ack the next evaluate sends the latest status", &["Retransmission"], None);

    // A device refuses a name longer than 64 bytes (§7.4): the whole group is refused.
    let long = Fx {
        id_seed: fx.id_seed,
        created: fx.created,
        max: 1024,
    };
    let mut params = long.params();
    params["name"] = json!("N".repeat(65));
    f.group("event-device", params);
    f.invalid(
        "a device whose name has 65 bytes cannot be built (EVENT_BAD_TEXT before any step)",
        &["Malformed"],
        "EVENT_BAD_TEXT",
        json!({"steps": [{"op": "poll", "now": s(t0)}]}),
    );
    let mut params = long.params();
    params["name"] = json!("N".repeat(64));
    f.group("event-device", params.clone());
    let mut w = World {
        sc: Script::new(
            device_from_group(params.as_object().unwrap()).unwrap(),
            exec,
        ),
        events: Vec::new(),
        handles: Vec::new(),
        r: rng("device long name"),
    };
    let e = w.event(t0);
    w.attend(e, t0);
    w.self_report("report", t0, t0 + 60);
    w.emit(
        &mut f,
        "a name of exactly 64 bytes is accepted and sent in reports",
        &["Malformed"],
        None,
    );
    fx.group(&mut f);

    // --- bound and forgetting (§8.2, §11).
    let small = Fx {
        id_seed: fx.id_seed,
        created: fx.created,
        max: 1,
    };
    small.group(&mut f);
    let mut w = small.world("device bound");
    let e1 = w.event(t0);
    let e2 = w.event(t0 + DAY);
    w.attend(e1, t0);
    let qr = w.qr(e2, t0 + DAY);
    let full = json!({"op": "checkIn", "qr": hex(qr.to_bytes()), "pseudonymSeed": hex([0x44; 32]), "now": s(t0 + DAY)});
    w.sc.refused(full, EventError::TableFull);
    w.clone().emit(
        &mut f,
        "a second event with a bound of one",
        &["Bound"],
        Some(EventError::TableFull),
    );
    // The first is forgotten at its deadline + GRACE (end unknown: start + 7 days + 14 days).
    let deadline = t0 + MAX_EVENT_DURATION + GRACE;
    let mut w2 = w.clone();
    w2.sc.ok(json!({"op": "poll", "now": s(deadline - 1)}));
    let qr = w2.qr(e2, t0 + DAY);
    w2.sc.refused(json!({"op": "checkIn", "qr": hex(qr.to_bytes()), "pseudonymSeed": hex([0x45; 32]), "now": s(deadline - 1)}), EventError::TableFull);
    w2.sc.ok(json!({"op": "checkIn", "qr": hex(qr.to_bytes()), "pseudonymSeed": hex([0x45; 32]), "now": s(deadline)}));
    w2.emit(&mut f, "an event whose end was never learned is forgotten 7 + 14 days after its start; then the next check-in fits (its handle is 1, never reused)", &["Bound"], None);
    fx.group(&mut f);
    let (mut w, e, h) = base("device forget");
    w.events[e].end(t0 + 3600).unwrap();
    w.poll(t0 + 7200);
    let end_t = t0 + 3600;
    let o = w.sc.ok(json!({"op": "selfReport", "cause": "report", "since": s(t0), "now": s(end_t + GRACE - 10)}));
    assert_eq!(outputs(&o).len(), 1);
    let _ = h;
    w.sc.ok(json!({"op": "poll", "now": s(end_t + GRACE - 1)}));
    w.sc.ok(json!({"op": "poll", "now": s(end_t + GRACE)}));
    w.emit(&mut f, "a report sent on the last day of the grace period is never acknowledged: retransmitted on the last second, then the event is forgotten and the report counted as lost", &["Bound", "Retransmission"], None);
    let (mut w, _e, h) = base("device forget unknown handle");
    let st = w.stats_msg(h, t0 + MAX_EVENT_DURATION + GRACE);
    w.sc.ok(json!({"op": "evaluate", "now": s(t0 + MAX_EVENT_DURATION + GRACE)}));
    w.sc.refused(json!({"op": "stats", "handle": h, "now": s(t0 + MAX_EVENT_DURATION + GRACE), "message": hex(&st)}), EventError::WrongEvent);
    w.emit(
        &mut f,
        "after an event is forgotten its handle is unknown",
        &["Bound"],
        Some(EventError::WrongEvent),
    );

    // --- self reports (§8.2).
    for (comment, cause, since, want) in [
        (
            "a self report with cause event is refused (not a user cause)",
            "event",
            t0,
            Some(EventError::TransitionRefused),
        ),
        (
            "a self report with cause false_alarm is refused",
            "false_alarm",
            t0,
            Some(EventError::TransitionRefused),
        ),
        (
            "a self report with cause time is refused",
            "time",
            t0,
            Some(EventError::TransitionRefused),
        ),
        ("a self-reported negative test", "test_negative", t0, None),
        (
            "symptoms since the future",
            "report",
            t0 + 601,
            Some(EventError::TimeInvalid),
        ),
        ("symptoms since now", "report", t0 + 600, None),
    ] {
        let (mut w, _, _) = base("device self report");
        run(
            &mut w,
            json!({"op": "selfReport", "cause": cause, "since": s(since), "now": s(t0 + 600)}),
            want,
        );
        w.emit(&mut f, comment, &["Forged"], want);
    }
    let (mut w, _, _) = base("device self report twice");
    w.self_report("test_negative", t0, t0 + 600);
    w.sc.refused(json!({"op": "selfReport", "cause": "test_negative", "since": s(t0 + 700), "now": s(t0 + 600)}), EventError::TransitionRefused);
    w.emit(
        &mut f,
        "negative again with since in the future: the edge is checked first",
        &["CheckOrder"],
        Some(EventError::TransitionRefused),
    );

    // --- Ed25519 edges on the event key (from the QR) and the stats signature.
    for c in ed::cases(true) {
        let seed = [0xa1; 32];
        let public = c.public(seed);
        let mut w = fx.world("device ed");
        let e = w.event(t0);
        let mut qr = w.qr(e, t0);
        let real = qr.event;
        qr.event = public;
        let nym_seed = [0x55; 32];
        let out = w.sc.ok(json!({"op": "checkIn", "qr": hex(qr.to_bytes()), "pseudonymSeed": hex(nym_seed), "now": s(t0)}));
        let h = out["assignedHandle"].as_u64().unwrap() as u32;
        let nym = key(nym_seed).public();
        let ack_signed = [labels::CHECKIN_ACK.bytes, &public, &nym, &t0.to_be_bytes()].concat();
        let _ = real;
        // The ack: signed validly where the case's key allows (so the stats can follow), else
        // the case itself is on the ack.
        let (a, sig) = c.build(seed, &ack_signed);
        assert_eq!(a, public);
        let ack = CheckInAck {
            pseudonym: nym,
            start: t0,
            sig,
        }
        .encode();
        let want = match ed::rule(&a, &ack_signed, &sig) {
            ed::Verdict::Valid => None,
            ed::Verdict::Key => Some(EventError::BadKey),
            ed::Verdict::Sig => Some(EventError::BadEventSig),
        };
        assert_eq!(ed::rule(&a, &ack_signed, &sig), c.verdict, "{}", c.comment);
        run(
            &mut w,
            json!({"op": "checkInAck", "handle": h, "message": hex(&ack)}),
            want,
        );
        if want.is_none() {
            // Valid key: the stats signed with the same edge follow.
            let mut stats = Stats {
                event: public,
                time: t0 + 60,
                start: t0,
                end: 0,
                counts: Default::default(),
                sig: [0; 64],
            };
            stats.counts.positive = 1;
            let signed = [labels::STATS_RESPONSE.bytes, &stats.body()[..]].concat();
            let (_, ssig) = c.build(seed, &signed);
            stats.sig = ssig;
            w.sc.ok(json!({"op": "stats", "handle": h, "now": s(t0 + 60), "message": hex(stats.encode())}));
            w.evaluate(t0 + 60);
        }
        let flags: &[&str] = if c.ktv { &["Ktv"] } else { &["Ed25519Edge"] };
        w.emit(
            &mut f,
            &format!("event key and ack signature: {}", c.comment),
            flags,
            want,
        );
    }
    let _ = (
        fingerprint,
        APR_20_12H,
        APR_12_22H,
        SUSPECTED_DECAY,
        HIGH_RISK_EXPIRY,
    );
    f.finish()
}

fn with(m: &[u8], at: usize, b: u8) -> Vec<u8> {
    let mut v = m.to_vec();
    v[at] = b;
    v
}

fn cascade_file() -> Value {
    super::cascade::file(Fx {
        id_seed: seed32(&mut rng("event device")),
        created: APR_06 - 30 * DAY,
        max: 1024,
    })
}
