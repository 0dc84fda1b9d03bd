//! `event-machine` (`spec/events.md §7`): one event replaying steps (`issue`, `checkIn`,
//! `stats`, `report`, `end`, `phase`).

use contact_tracing::event::messages::{CheckIn, Report, StatsRequest};
use contact_tracing::event::status::{Cause, Status};
use contact_tracing::event::{
    CheckInQr, Event, EventError, SecretSeed, ARCHIVE, DAY, GRACE, MAX_EVENT_DURATION,
    MAX_MESSAGE_LEN, MAX_NAME_LEN, MAX_SKEW, NEGATIVE_DECAY, SUSPECTED_DECAY,
};
use contact_tracing::labels::event as labels;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Map, Value};

use super::ed::{self, EdKey};
use super::{
    counts_json, ed_notes, key, phase_name, s, seed32, str_field, Outcome, Script, APR_06,
    APR_12_16H, APR_12_22H, APR_20_12H, HEADER,
};
use crate::vector::{
    field, hex, hex_array, hex_field, rng, u64_str_field, FileBuilder, Group, Test, Verdict,
};

fn event_from_group(g: &Map<String, Value>) -> Result<Event, String> {
    let mut ev = Event::new(
        &SecretSeed::from_bytes(hex_array(g, "eventSeed")?),
        &SecretSeed::from_bytes(hex_array(g, "discoverySeed")?),
        u64_str_field(g, "start")?,
    );
    let max = field(g, "maxCredentials")?
        .as_u64()
        .ok_or("`maxCredentials` is not a number")?;
    ev.set_max_credentials(usize::try_from(max).map_err(|_| "maxCredentials")?);
    Ok(ev)
}

fn exec(ev: &mut Event, step: &Map<String, Value>) -> Result<Outcome, String> {
    let now = u64_str_field(step, "now")?;
    let mut out = Map::new();
    let mut duplicate = false;
    let res = match str_field(step, "op")? {
        "issue" => ev
            .issue_credential(
                SecretSeed::from_bytes(hex_array(step, "credentialSeed")?),
                now,
            )
            .map(|qr| {
                out.insert("qr".into(), json!(hex(qr.to_bytes())));
            }),
        "checkIn" => ev.check_in(&hex_field(step, "message")?, now).map(|ack| {
            out.insert("ack".into(), json!(hex(ack)));
        }),
        "stats" => ev.stats(&hex_field(step, "message")?, now).map(|st| {
            out.insert("stats".into(), json!(hex(st)));
        }),
        "report" => ev.report(&hex_field(step, "message")?, now).map(|acc| {
            out.insert("ack".into(), json!(hex(acc.ack)));
            match acc.reveal {
                Some(r) => {
                    out.insert("revealedIdentity".into(), json!(hex(r.identity)));
                }
                None => duplicate = true,
            }
        }),
        "end" => ev.end(now),
        "phase" => {
            out.insert("phase".into(), json!(phase_name(ev.phase(now))));
            Ok(())
        }
        other => return Err(format!("unknown op `{other}`")),
    };
    let mut always = Map::new();
    always.insert("counts".into(), counts_json(ev.counts()));
    always.insert("participants".into(), json!(ev.participant_count()));
    always.insert("credentials".into(), json!(ev.credentials()));
    let mut o = Outcome::of(res.map(|()| out)).with(always);
    o.duplicate = duplicate;
    Ok(o)
}

pub(super) fn check(g: &Group, t: &Test) -> Result<Verdict, String> {
    let mut ev = event_from_group(g)?;
    super::replay(t, &mut ev, exec)
}

pub(super) fn issue(seed: [u8; 32], now: u64) -> Value {
    json!({"op": "issue", "now": s(now), "credentialSeed": hex(seed)})
}
pub(super) fn check_in(msg: &[u8], now: u64) -> Value {
    json!({"op": "checkIn", "now": s(now), "message": hex(msg)})
}
pub(super) fn stats(msg: &[u8], now: u64) -> Value {
    json!({"op": "stats", "now": s(now), "message": hex(msg)})
}
pub(super) fn report(msg: &[u8], now: u64) -> Value {
    json!({"op": "report", "now": s(now), "message": hex(msg)})
}
pub(super) fn end(now: u64) -> Value {
    json!({"op": "end", "now": s(now)})
}
pub(super) fn phase(now: u64) -> Value {
    json!({"op": "phase", "now": s(now)})
}

/// One event and a pool of fixed-seed keys.
pub(super) struct Fixture {
    event_seed: [u8; 32],
    discovery_seed: [u8; 32],
    pub start: u64,
    max: usize,
    r: ChaCha20Rng,
}

impl Fixture {
    pub fn new(label: &str, max: usize) -> Self {
        let mut r = rng(label);
        Fixture {
            event_seed: seed32(&mut r),
            discovery_seed: seed32(&mut r),
            start: APR_12_16H,
            max,
            r,
        }
    }
    fn params(&self) -> Value {
        json!({"eventSeed": hex(self.event_seed), "discoverySeed": hex(self.discovery_seed),
               "start": s(self.start), "maxCredentials": self.max})
    }
    pub fn group(&self, f: &mut FileBuilder) {
        f.group("event-machine", self.params());
    }
    pub fn event(&self) -> Event {
        event_from_group(self.params().as_object().unwrap()).unwrap()
    }
    pub fn script(&self) -> Script<Event> {
        Script::new(self.event(), exec)
    }
    pub fn id(&self) -> [u8; 32] {
        self.event().id()
    }
    pub fn seed(&mut self) -> [u8; 32] {
        seed32(&mut self.r)
    }
    /// An `issue` step; returns the QR.
    pub fn issue(&mut self, sc: &mut Script<Event>, now: u64) -> CheckInQr {
        let cred = self.seed();
        sc.ok(issue(cred, now));
        self.event()
            .issue_credential(SecretSeed::from_bytes(cred), now)
            .unwrap()
    }
    /// Issues a credential and checks in a fresh pseudonym; returns the pseudonym key.
    pub fn join(
        &mut self,
        sc: &mut Script<Event>,
        now: u64,
    ) -> contact_tracing::event::IdentityKey {
        let qr = self.issue(sc, now);
        let nym = self.seed();
        sc.ok(check_in(
            &qr.check_in(&SecretSeed::from_bytes(nym)).encode(),
            now,
        ));
        key(nym)
    }
}

fn emit(
    sc: Script<Event>,
    f: &mut FileBuilder,
    comment: &str,
    flags: &[&str],
    want: Option<EventError>,
) {
    sc.emit(f, comment, flags, json!({}), want);
}

fn run(sc: &mut Script<Event>, step: Value, want: Option<EventError>) {
    match want {
        None => {
            sc.ok(step);
        }
        Some(e) => sc.refused(step, e),
    }
}

fn stats_request(
    nym: &contact_tracing::event::IdentityKey,
    event: &[u8; 32],
    time: u64,
) -> StatsRequest {
    StatsRequest {
        pseudonym: nym.public(),
        time,
        sig: nym.sign(
            labels::STATS_REQUEST,
            &[event, &nym.public(), &time.to_be_bytes()],
        ),
    }
}

/// A report signed by `nym` and `who` (`spec/events.md §7.4`).
#[allow(clippy::too_many_arguments)]
pub(super) fn report_msg(
    event: &[u8; 32],
    nym: &contact_tracing::event::IdentityKey,
    who: &contact_tracing::event::IdentityKey,
    counter: u32,
    time: u64,
    status: Status,
    hops: u8,
    since: u64,
) -> Report {
    let mut r = Report {
        pseudonym: nym.public(),
        identity: who.public(),
        counter,
        time,
        status,
        hops,
        since,
        name: "Alice".into(),
        message: "tested at the clinic".into(),
        pseudonym_sig: [0; 64],
        identity_sig: [0; 64],
    };
    sign_report(&mut r, event, nym, who);
    r
}

fn sign_report(
    r: &mut Report,
    event: &[u8; 32],
    nym: &contact_tracing::event::IdentityKey,
    who: &contact_tracing::event::IdentityKey,
) {
    let body = r.body();
    r.pseudonym_sig = nym.sign(labels::REPORT_PSEUDONYM, &[event, &body]);
    r.identity_sig = who.sign(labels::REPORT_IDENTITY, &[event, &body]);
}

fn with(m: &[u8], at: usize, b: u8) -> Vec<u8> {
    let mut v = m.to_vec();
    v[at] = b;
    v
}

fn want_of(v: ed::Verdict, sig: EventError) -> Option<EventError> {
    match v {
        ed::Verdict::Valid => None,
        ed::Verdict::Key => Some(EventError::BadKey),
        ed::Verdict::Sig => Some(sig),
    }
}

fn flags_of(c: &ed::Case) -> &'static [&'static str] {
    if c.ktv {
        &["Ktv"]
    } else {
        &["Ed25519Edge"]
    }
}

pub(super) fn files() -> Vec<(String, Value)> {
    vec![
        ("event/checkin_test.json".into(), checkin_file()),
        ("event/stats_test.json".into(), stats_file()),
        ("event/report_test.json".into(), report_file()),
        ("event/lifecycle_test.json".into(), lifecycle_file()),
    ]
}

fn common_notes(f: &mut FileBuilder, which: &[&str]) {
    let all = [
        ("CheckOrder", "EDGE_CASE", "A message that breaks two adjacent checks of an ordered list at once: the earlier check's error wins (spec/events.md §1)."),
        ("RefusalChangesNothing", "FUNCTIONALITY", "A refused message followed by steps showing that it changed nothing (no counter consumed, no credential burned unless the list says so)."),
        ("Retransmission", "FUNCTIONALITY", "A message identical to the last accepted one is acknowledged again and changes nothing; a replay of an older one is refused."),
        ("Malformed", "MODIFIED_PARAMETER", "Structurally malformed message or out-of-range field."),
        ("Lifecycle", "FUNCTIONALITY", "An operation in each phase, and the phase boundaries on both sides."),
    ];
    for (name, bug, text) in all {
        if which.contains(&name) {
            f.note(name, bug, text);
        }
    }
    if which.contains(&"Ed25519") {
        ed_notes(f);
    }
}

fn checkin_file() -> Value {
    let mut f = FileBuilder::new(
        "event",
        "event-machine",
        "spec/events.md#72-checkin-and-checkinack",
        HEADER,
    );
    f.note(
        "Valid",
        "BASIC",
        "Check-in with a fresh single-use credential.",
    );
    common_notes(
        &mut f,
        &[
            "CheckOrder",
            "RefusalChangesNothing",
            "Retransmission",
            "Malformed",
            "Lifecycle",
            "Ed25519",
        ],
    );
    f.note(
        "Burned",
        "AUTH_BYPASS",
        "A credential used twice, or after a failed but validly signed attempt.",
    );
    f.note(
        "Forged",
        "AUTH_BYPASS",
        "A signature by the wrong key or over other bytes.",
    );
    f.note(
        "Bound",
        "FUNCTIONALITY",
        "The event's bound on credentials (spec/events.md §11) on both sides.",
    );
    let mut fx = Fixture::new("event checkin", 10_000);
    fx.group(&mut f);
    let t0 = fx.start + 600;
    let id = fx.id();
    let mut sc = fx.script();
    fx.join(&mut sc, t0);
    emit(sc, &mut f, "issue a credential, check in", &["Valid"], None);
    let mut sc = fx.script();
    for i in 0..3 {
        fx.join(&mut sc, t0 + i);
    }
    emit(
        sc,
        &mut f,
        "three participants; attendees = 3 (the organiser is not counted)",
        &["Valid"],
        None,
    );
    // Burning.
    let mut sc = fx.script();
    let qr = fx.issue(&mut sc, t0);
    let first = qr.check_in(&SecretSeed::from_bytes(fx.seed())).encode();
    sc.ok(check_in(&first, t0));
    let mut sc2 = sc.clone();
    sc.refused(
        check_in(
            &qr.check_in(&SecretSeed::from_bytes(fx.seed())).encode(),
            t0 + 1,
        ),
        EventError::CheckInBurned,
    );
    emit(
        sc,
        &mut f,
        "second check-in with the same credential and another pseudonym",
        &["Burned"],
        Some(EventError::CheckInBurned),
    );
    let dup = sc2.step(check_in(&first, t0 + 5));
    assert!(dup.error.is_none());
    emit(
        sc2,
        &mut f,
        "the CheckIn that burned the credential, retransmitted: the same ack, attendees unchanged",
        &["Retransmission"],
        None,
    );
    let mut sc = fx.script();
    fx.join(&mut sc, t0);
    let qr = fx.issue(&mut sc, t0);
    let mut m = qr.check_in(&SecretSeed::from_bytes(fx.seed()));
    m.pseudonym_sig[5] ^= 1;
    sc.refused(check_in(&m.encode(), t0), EventError::BadPseudonymSig);
    let mut sc2 = sc.clone();
    emit(
        sc,
        &mut f,
        "pseudonym signature invalid",
        &["Forged"],
        Some(EventError::BadPseudonymSig),
    );
    m.pseudonym_sig[5] ^= 1;
    sc2.refused(check_in(&m.encode(), t0), EventError::CheckInBurned);
    emit(sc2, &mut f, "a validly credentialed attempt with a bad pseudonym signature burns the credential: the corrected message is refused, and has no retransmission", &["Burned"], Some(EventError::CheckInBurned));
    // A bad credential signature does not burn.
    let mut sc = fx.script();
    let qr = fx.issue(&mut sc, t0);
    let nym = SecretSeed::from_bytes(fx.seed());
    let mut m = qr.check_in(&nym);
    m.credential_sig[0] ^= 1;
    sc.refused(check_in(&m.encode(), t0), EventError::BadCredentialSig);
    let mut sc2 = sc.clone();
    emit(
        sc,
        &mut f,
        "credential signature invalid",
        &["Forged"],
        Some(EventError::BadCredentialSig),
    );
    sc2.ok(check_in(&qr.check_in(&nym).encode(), t0));
    emit(
        sc2,
        &mut f,
        "a bad credential signature does not burn the credential: the holder checks in afterwards",
        &["Forged", "RefusalChangesNothing"],
        None,
    );
    let mut sc = fx.script();
    let mut qr = fx.issue(&mut sc, t0);
    qr.address[0] ^= 1;
    sc.refused(
        check_in(
            &qr.check_in(&SecretSeed::from_bytes(fx.seed())).encode(),
            t0,
        ),
        EventError::BadCredentialSig,
    );
    emit(
        sc,
        &mut f,
        "check-in signed for another event address",
        &["Forged"],
        Some(EventError::BadCredentialSig),
    );
    let mut sc = fx.script();
    let other = Fixture::new("event checkin other", 10)
        .event()
        .issue_credential(SecretSeed::from_bytes([3; 32]), t0)
        .unwrap();
    sc.refused(
        check_in(
            &other.check_in(&SecretSeed::from_bytes(fx.seed())).encode(),
            t0,
        ),
        EventError::CheckInUnknown,
    );
    emit(
        sc,
        &mut f,
        "credential never issued",
        &["Forged"],
        Some(EventError::CheckInUnknown),
    );
    // Pseudonym exists: the second credential burns.
    let mut sc = fx.script();
    let nym = SecretSeed::from_bytes(fx.seed());
    let qr1 = fx.issue(&mut sc, t0);
    sc.ok(check_in(&qr1.check_in(&nym).encode(), t0));
    let qr2 = fx.issue(&mut sc, t0);
    sc.refused(
        check_in(&qr2.check_in(&nym).encode(), t0),
        EventError::PseudonymExists,
    );
    let mut sc2 = sc.clone();
    emit(
        sc,
        &mut f,
        "same pseudonym checks in twice with two credentials",
        &["Burned"],
        Some(EventError::PseudonymExists),
    );
    sc2.refused(
        check_in(
            &qr2.check_in(&SecretSeed::from_bytes(fx.seed())).encode(),
            t0,
        ),
        EventError::CheckInBurned,
    );
    emit(
        sc2,
        &mut f,
        "the credential refused for a taken pseudonym is burned",
        &["Burned"],
        Some(EventError::CheckInBurned),
    );
    // Small-order pseudonym (burns: refused after step 7).
    let small = ed::small_order_points()[0];
    let craft =
        |qr: &CheckInQr, cred: [u8; 32], pseudonym: [u8; 32], nym_sig: [u8; 64], bad_cred: bool| {
            let ck = key(cred);
            let t = CheckInQr::transcript(&qr.event, &qr.address, &ck.public(), &pseudonym);
            let mut credential_sig = ck.sign(labels::CHECKIN_CREDENTIAL, &[&t]);
            if bad_cred {
                credential_sig[40] ^= 1;
            }
            CheckIn {
                credential: ck.public(),
                pseudonym,
                credential_sig,
                pseudonym_sig: nym_sig,
            }
            .encode()
        };
    let mut sc = fx.script();
    let cred = fx.seed();
    sc.ok(issue(cred, t0));
    let qr = fx
        .event()
        .issue_credential(SecretSeed::from_bytes(cred), t0)
        .unwrap();
    sc.refused(
        check_in(&craft(&qr, cred, small, [0; 64], false), t0),
        EventError::BadKey,
    );
    emit(
        sc,
        &mut f,
        "pseudonym is a small-order point",
        &["Forged"],
        Some(EventError::BadKey),
    );
    // Order pairs of §7.2.
    let mut sc = fx.script();
    let qr = fx.issue(&mut sc, t0);
    let good = qr.check_in(&SecretSeed::from_bytes(fx.seed())).encode();
    sc.ok(end(APR_12_22H));
    let mut a = sc.clone();
    a.refused(
        check_in(&good[..100], APR_12_22H + 1),
        EventError::Truncated,
    );
    emit(
        a,
        &mut f,
        "a truncated CheckIn after the end: decoding is checked before the phase",
        &["CheckOrder"],
        Some(EventError::Truncated),
    );
    let mut a = sc.clone();
    a.refused(check_in(&good, APR_12_22H + 1), EventError::Closed);
    emit(
        a,
        &mut f,
        "check-in after the end",
        &["Lifecycle"],
        Some(EventError::Closed),
    );
    let mut sc = fx.script();
    let qr = fx.issue(&mut sc, t0);
    let good = qr.check_in(&SecretSeed::from_bytes(fx.seed())).encode();
    sc.ok(check_in(&good, t0));
    sc.ok(end(APR_12_22H));
    let mut a = sc.clone();
    a.ok(check_in(&good, APR_12_22H + 1));
    a.ok(check_in(&good, APR_12_22H + GRACE + ARCHIVE - 1));
    a.refused(
        check_in(&good, APR_12_22H + GRACE + ARCHIVE),
        EventError::Closed,
    );
    emit(a, &mut f, "a retransmitted CheckIn is answered again after the end, in Grace and Archive, but not once Deleted", &["Retransmission", "Lifecycle"], Some(EventError::Closed));
    sc.refused(
        check_in(
            &qr.check_in(&SecretSeed::from_bytes(fx.seed())).encode(),
            APR_12_22H + 1,
        ),
        EventError::Closed,
    );
    emit(
        sc,
        &mut f,
        "a burned credential after the end: the phase is checked before burning",
        &["CheckOrder"],
        Some(EventError::Closed),
    );
    let mut sc = fx.script();
    let qr = fx.issue(&mut sc, t0);
    sc.ok(check_in(
        &qr.check_in(&SecretSeed::from_bytes(fx.seed())).encode(),
        t0,
    ));
    let mut m = qr.check_in(&SecretSeed::from_bytes(fx.seed()));
    m.credential_sig[3] ^= 1;
    sc.refused(check_in(&m.encode(), t0), EventError::CheckInBurned);
    emit(
        sc,
        &mut f,
        "a burned credential with a bad credential signature: burning is checked first",
        &["CheckOrder"],
        Some(EventError::CheckInBurned),
    );
    let mut sc = fx.script();
    let mut m = other.check_in(&SecretSeed::from_bytes(fx.seed()));
    m.credential_sig[3] ^= 1;
    sc.refused(check_in(&m.encode(), t0), EventError::CheckInUnknown);
    emit(
        sc,
        &mut f,
        "an unknown credential with a bad credential signature: issuance is checked first",
        &["CheckOrder"],
        Some(EventError::CheckInUnknown),
    );
    let mut sc = fx.script();
    let cred = fx.seed();
    sc.ok(issue(cred, t0));
    let qr = fx
        .event()
        .issue_credential(SecretSeed::from_bytes(cred), t0)
        .unwrap();
    sc.refused(
        check_in(&craft(&qr, cred, small, [0; 64], true), t0),
        EventError::BadCredentialSig,
    );
    let nym = SecretSeed::from_bytes(fx.seed());
    sc.ok(check_in(&qr.check_in(&nym).encode(), t0));
    emit(sc, &mut f, "a bad credential signature and a small-order pseudonym: the credential is checked first, and the credential is not burned", &["CheckOrder", "RefusalChangesNothing"], None);
    let mut sc = fx.script();
    let nym_seed = fx.seed();
    let qr1 = fx.issue(&mut sc, t0);
    sc.ok(check_in(
        &qr1.check_in(&SecretSeed::from_bytes(nym_seed)).encode(),
        t0,
    ));
    let qr2 = fx.issue(&mut sc, t0);
    let mut m = qr2.check_in(&SecretSeed::from_bytes(nym_seed));
    m.pseudonym_sig[9] ^= 1;
    sc.refused(check_in(&m.encode(), t0), EventError::BadPseudonymSig);
    emit(
        sc,
        &mut f,
        "a taken pseudonym with a bad pseudonym signature: the signature is checked first",
        &["CheckOrder"],
        Some(EventError::BadPseudonymSig),
    );
    // Malformed.
    let good = {
        let q = fx
            .event()
            .issue_credential(SecretSeed::from_bytes(fx.seed()), t0)
            .unwrap();
        q.check_in(&SecretSeed::from_bytes(fx.seed())).encode()
    };
    for (comment, bytes, e) in [
        ("empty message", vec![], EventError::Truncated),
        (
            "truncated by one byte",
            good[..192].to_vec(),
            EventError::Truncated,
        ),
        (
            "trailing byte",
            [&good[..], &[0]].concat(),
            EventError::TrailingBytes,
        ),
        (
            "stats-request tag",
            with(&good, 0, 0x22),
            EventError::UnknownTag,
        ),
        (
            "stats-request tag and truncated: the tag is checked first",
            with(&good[..50], 0, 0x22),
            EventError::UnknownTag,
        ),
    ] {
        let mut sc = fx.script();
        sc.refused(check_in(&bytes, t0), e);
        emit(sc, &mut f, comment, &["Malformed"], Some(e));
    }
    // Issuing: the phase, then the bound; re-issuing a held credential.
    let mut small_fx = Fixture::new("event checkin bound", 2);
    small_fx.group(&mut f);
    let mut sc = small_fx.script();
    let c1 = small_fx.seed();
    sc.ok(issue(c1, t0));
    let q2 = small_fx.issue(&mut sc, t0);
    let mut full = sc.clone();
    full.refused(issue(small_fx.seed(), t0), EventError::TableFull);
    emit(
        full.clone(),
        &mut f,
        "a third credential with a bound of two",
        &["Bound"],
        Some(EventError::TableFull),
    );
    full.ok(issue(c1, t0));
    full.ok(check_in(
        &q2.check_in(&SecretSeed::from_bytes(small_fx.seed()))
            .encode(),
        t0,
    ));
    full.refused(issue(small_fx.seed(), t0), EventError::TableFull);
    emit(full, &mut f, "with the bound reached, re-issuing a held credential works and check-ins go on; burned credentials still count", &["Bound"], Some(EventError::TableFull));
    let mut sc2 = sc.clone();
    sc2.ok(end(t0 + 1));
    sc2.refused(issue(small_fx.seed(), t0 + 2), EventError::Closed);
    emit(
        sc2,
        &mut f,
        "a new credential after the end with the bound reached: the phase is checked first",
        &["CheckOrder", "Lifecycle"],
        Some(EventError::Closed),
    );
    let mut sc = small_fx.script();
    let c = small_fx.seed();
    sc.ok(issue(c, t0));
    let q = small_fx
        .event()
        .issue_credential(SecretSeed::from_bytes(c), t0)
        .unwrap();
    sc.ok(check_in(
        &q.check_in(&SecretSeed::from_bytes(small_fx.seed()))
            .encode(),
        t0,
    ));
    sc.ok(issue(c, t0 + 1));
    sc.refused(
        check_in(
            &q.check_in(&SecretSeed::from_bytes(small_fx.seed()))
                .encode(),
            t0 + 1,
        ),
        EventError::CheckInBurned,
    );
    emit(
        sc,
        &mut f,
        "re-issuing a burned credential does not revive it",
        &["Burned"],
        Some(EventError::CheckInBurned),
    );
    // Ed25519 edges: the pseudonym's key and signature (any key), the credential's signature
    // (its key was issued: R and S edges only).
    fx.group(&mut f);
    for c in ed::cases(true) {
        let mut sc = fx.script();
        let cred = fx.seed();
        sc.ok(issue(cred, t0));
        let qr = fx
            .event()
            .issue_credential(SecretSeed::from_bytes(cred), t0)
            .unwrap();
        let seed = [0x71; 32];
        let public = c.public(seed);
        let ck = key(cred);
        let t = CheckInQr::transcript(&qr.event, &qr.address, &ck.public(), &public);
        let signed = [labels::CHECKIN_PSEUDONYM.bytes, &t[..]].concat();
        let (a, sig) = c.build(seed, &signed);
        assert_eq!(ed::rule(&a, &signed, &sig), c.verdict, "{}", c.comment);
        let msg = CheckIn {
            credential: ck.public(),
            pseudonym: a,
            credential_sig: ck.sign(labels::CHECKIN_CREDENTIAL, &[&t]),
            pseudonym_sig: sig,
        }
        .encode();
        let want = want_of(c.verdict, EventError::BadPseudonymSig);
        run(&mut sc, check_in(&msg, t0), want);
        emit(
            sc,
            &mut f,
            &format!("pseudonym: {}", c.comment),
            flags_of(&c),
            want,
        );
    }
    for c in ed::cases(false) {
        let mut sc = fx.script();
        let cred = fx.seed();
        sc.ok(issue(cred, t0));
        let qr = fx
            .event()
            .issue_credential(SecretSeed::from_bytes(cred), t0)
            .unwrap();
        let nym = key(fx.seed());
        let ck = key(cred);
        let t = CheckInQr::transcript(&qr.event, &qr.address, &ck.public(), &nym.public());
        let signed = [labels::CHECKIN_CREDENTIAL.bytes, &t[..]].concat();
        let (a, sig) = c.build(cred, &signed);
        assert_eq!(a, ck.public());
        assert_eq!(ed::rule(&a, &signed, &sig), c.verdict, "{}", c.comment);
        let msg = CheckIn {
            credential: a,
            pseudonym: nym.public(),
            credential_sig: sig,
            pseudonym_sig: nym.sign(labels::CHECKIN_PSEUDONYM, &[&t]),
        }
        .encode();
        let want = want_of(c.verdict, EventError::BadCredentialSig);
        run(&mut sc, check_in(&msg, t0), want);
        emit(
            sc,
            &mut f,
            &format!("credential: {}", c.comment),
            flags_of(&c),
            want,
        );
    }
    let _ = id;
    f.finish()
}

fn stats_file() -> Value {
    let mut f = FileBuilder::new(
        "event",
        "event-machine",
        "spec/events.md#73-statsrequest-and-stats",
        HEADER,
    );
    f.note("Valid", "BASIC", "Stats served to a checked-in pseudonym.");
    f.note(
        "Forged",
        "AUTH_BYPASS",
        "Request from an unknown pseudonym or with a bad signature.",
    );
    f.note(
        "Stale",
        "EDGE_CASE",
        "Request time at and beyond the tolerated skew, in both directions.",
    );
    common_notes(
        &mut f,
        &[
            "CheckOrder",
            "RefusalChangesNothing",
            "Retransmission",
            "Malformed",
            "Lifecycle",
            "Ed25519",
        ],
    );
    let mut fx = Fixture::new("event stats", 10_000);
    fx.group(&mut f);
    let t0 = fx.start + 600;
    let id = fx.id();
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    sc.ok(stats(&stats_request(&nym, &id, t0 + 60).encode(), t0 + 60));
    emit(sc, &mut f, "stats while Active: end = 0", &["Valid"], None);
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    let req = stats_request(&nym, &id, t0 + 60).encode();
    sc.ok(stats(&req, t0 + 60));
    sc.ok(stats(&req, t0 + 61));
    emit(
        sc,
        &mut f,
        "a replayed request is served again and changes nothing",
        &["Valid", "Retransmission"],
        None,
    );
    for (comment, req_time, now, want) in [
        ("request time exactly 300 s behind", t0, t0 + MAX_SKEW, None),
        (
            "request time 301 s behind",
            t0,
            t0 + MAX_SKEW + 1,
            Some(EventError::RequestStale),
        ),
        ("request time exactly 300 s ahead", t0 + MAX_SKEW, t0, None),
        (
            "request time 301 s ahead",
            t0 + MAX_SKEW + 1,
            t0,
            Some(EventError::RequestStale),
        ),
    ] {
        let mut sc = fx.script();
        let nym = fx.join(&mut sc, t0);
        run(
            &mut sc,
            stats(&stats_request(&nym, &id, req_time).encode(), now),
            want,
        );
        emit(sc, &mut f, comment, &["Stale"], want);
    }
    let mut sc = fx.script();
    fx.join(&mut sc, t0);
    sc.refused(
        stats(&stats_request(&key(fx.seed()), &id, t0).encode(), t0),
        EventError::PseudonymUnknown,
    );
    emit(
        sc,
        &mut f,
        "pseudonym never checked in",
        &["Forged"],
        Some(EventError::PseudonymUnknown),
    );
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    sc.refused(
        stats(&stats_request(&nym, &[9; 32], t0).encode(), t0),
        EventError::BadPseudonymSig,
    );
    let mut sc2 = sc.clone();
    emit(
        sc,
        &mut f,
        "request signed for another event",
        &["Forged"],
        Some(EventError::BadPseudonymSig),
    );
    sc2.ok(stats(&stats_request(&nym, &id, t0).encode(), t0));
    emit(
        sc2,
        &mut f,
        "a refused request, then a valid one from the same pseudonym is served",
        &["RefusalChangesNothing"],
        None,
    );
    // Every phase.
    for (comment, now, want) in [
        ("stats in the grace period", APR_12_22H + GRACE - 1, None),
        (
            "stats during the archive (read-only)",
            APR_12_22H + GRACE + DAY,
            None,
        ),
        (
            "stats on the last second of the archive",
            APR_12_22H + GRACE + ARCHIVE - 1,
            None,
        ),
        (
            "stats after deletion",
            APR_12_22H + GRACE + ARCHIVE,
            Some(EventError::Deleted),
        ),
    ] {
        let mut sc = fx.script();
        let nym = fx.join(&mut sc, t0);
        sc.ok(end(APR_12_22H));
        sc.ok(phase(now));
        run(
            &mut sc,
            stats(&stats_request(&nym, &id, now).encode(), now),
            want,
        );
        emit(sc, &mut f, comment, &["Lifecycle"], want);
    }
    // Order pairs: decode; deleted; skew; pseudonym; signature.
    let gone = APR_12_22H + GRACE + ARCHIVE;
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    sc.ok(end(APR_12_22H));
    let mut a = sc.clone();
    a.refused(
        stats(&stats_request(&nym, &id, gone).encode()[..50], gone),
        EventError::Truncated,
    );
    emit(
        a,
        &mut f,
        "a truncated request after deletion: decoding is checked first",
        &["CheckOrder"],
        Some(EventError::Truncated),
    );
    let mut a = sc.clone();
    a.refused(
        stats(&stats_request(&nym, &id, t0).encode(), gone),
        EventError::Deleted,
    );
    emit(
        a,
        &mut f,
        "a stale request after deletion: deletion is checked before the skew",
        &["CheckOrder"],
        Some(EventError::Deleted),
    );
    let mut sc = fx.script();
    fx.join(&mut sc, t0);
    sc.refused(
        stats(
            &stats_request(&key(fx.seed()), &id, t0 - MAX_SKEW - 1).encode(),
            t0,
        ),
        EventError::RequestStale,
    );
    emit(
        sc,
        &mut f,
        "a stale request from an unknown pseudonym: the skew is checked first",
        &["CheckOrder"],
        Some(EventError::RequestStale),
    );
    let mut sc = fx.script();
    fx.join(&mut sc, t0);
    let mut req = stats_request(&key(fx.seed()), &id, t0);
    req.sig[2] ^= 1;
    sc.refused(stats(&req.encode(), t0), EventError::PseudonymUnknown);
    emit(
        sc,
        &mut f,
        "an unknown pseudonym with a bad signature: the pseudonym is checked first",
        &["CheckOrder"],
        Some(EventError::PseudonymUnknown),
    );
    let good = stats_request(&nym, &id, t0).encode();
    for (comment, bytes, e) in [
        ("truncated", good[..104].to_vec(), EventError::Truncated),
        (
            "trailing byte",
            [&good[..], &[0]].concat(),
            EventError::TrailingBytes,
        ),
        ("check-in tag", with(&good, 0, 0x20), EventError::UnknownTag),
        ("empty", vec![], EventError::Truncated),
    ] {
        let mut sc = fx.script();
        fx.join(&mut sc, t0);
        sc.refused(stats(&bytes, t0), e);
        emit(sc, &mut f, comment, &["Malformed"], Some(e));
    }
    // Ed25519 edges on the request signature (the key passed at check-in).
    for c in ed::cases(false) {
        let mut sc = fx.script();
        let qr = fx.issue(&mut sc, t0);
        let nym_seed = fx.seed();
        sc.ok(check_in(
            &qr.check_in(&SecretSeed::from_bytes(nym_seed)).encode(),
            t0,
        ));
        let nym = key(nym_seed);
        let mut req = stats_request(&nym, &id, t0);
        let signed = [
            labels::STATS_REQUEST.bytes,
            &id,
            &nym.public(),
            &t0.to_be_bytes(),
        ]
        .concat();
        let (a, sig) = c.build(nym_seed, &signed);
        assert_eq!(a, nym.public());
        req.sig = sig;
        let want = want_of(ed::rule(&a, &signed, &sig), EventError::BadPseudonymSig);
        run(&mut sc, stats(&req.encode(), t0), want);
        emit(
            sc,
            &mut f,
            &format!("request: {}", c.comment),
            flags_of(&c),
            want,
        );
    }
    f.finish()
}

fn report_file() -> Value {
    let mut f = FileBuilder::new(
        "event",
        "event-machine",
        "spec/events.md#74-report-and-reportack",
        HEADER,
    );
    f.note(
        "AllowedEdge",
        "BASIC",
        "A report along an edge of the transition table.",
    );
    f.note(
        "RefusedEdge",
        "FUNCTIONALITY",
        "A report that is not an edge of the table (or keeps the same status).",
    );
    f.note(
        "TimedEdge",
        "EDGE_CASE",
        "A Time edge at, or one second before, its duration.",
    );
    f.note(
        "Forged",
        "AUTH_BYPASS",
        "A signature by the wrong key, an identity swap or a replay.",
    );
    f.note(
        "Time",
        "EDGE_CASE",
        "Report times and relevance on both sides of their bounds.",
    );
    f.note(
        "Text",
        "EDGE_CASE",
        "Name and message lengths on both sides of their bounds, and UTF-8.",
    );
    common_notes(
        &mut f,
        &[
            "CheckOrder",
            "RefusalChangesNothing",
            "Retransmission",
            "Malformed",
            "Lifecycle",
            "Ed25519",
        ],
    );
    let mut fx = Fixture::new("event report", 10_000);
    fx.group(&mut f);
    let id = fx.id();
    let who = key(fx.seed());
    let t0 = fx.start + 600;
    let since_for = |st: Status, t: u64| if st.is_infectious() { APR_06.min(t) } else { t };
    let hops_for = |st: Status| u8::from(st == Status::HighRisk);
    // All 25 (from, to) pairs, during the grace period.
    for from in Status::ALL {
        for to in Status::ALL {
            let mut sc = fx.script();
            let nym = fx.join(&mut sc, t0);
            let mut counter = 0;
            let mut t = t0;
            if from != Status::Unknown {
                counter += 1;
                t += 60;
                sc.ok(report(
                    &report_msg(
                        &id,
                        &nym,
                        &who,
                        counter,
                        t,
                        from,
                        hops_for(from),
                        since_for(from, t),
                    )
                    .encode(),
                    t,
                ));
            }
            let decay = match from {
                Status::Suspected => SUSPECTED_DECAY,
                Status::Negative => NEGATIVE_DECAY,
                _ => 60,
            };
            let rt = if to == Status::Unknown {
                t + decay
            } else {
                t + 60
            };
            sc.ok(end(APR_12_22H));
            let cause = Cause::of_edge(from, to);
            let want = cause.is_none().then_some(EventError::TransitionRefused);
            run(
                &mut sc,
                report(
                    &report_msg(
                        &id,
                        &nym,
                        &who,
                        counter + 1,
                        rt,
                        to,
                        hops_for(to),
                        since_for(to, rt),
                    )
                    .encode(),
                    rt,
                ),
                want,
            );
            let (flags, comment): (&[&str], _) = match cause {
                Some(c) => (
                    &["AllowedEdge"],
                    format!("{} -> {} by {}", from.name(), to.name(), c.name()),
                ),
                None => (
                    &["RefusedEdge"],
                    format!("{} -> {} is refused", from.name(), to.name()),
                ),
            };
            emit(sc, &mut f, &comment, flags, want);
        }
    }
    // Timed edges: one second early (refused, and changes nothing), exactly on time.
    for (from, d) in [
        (Status::Suspected, SUSPECTED_DECAY),
        (Status::Negative, NEGATIVE_DECAY),
    ] {
        let mut sc = fx.script();
        let nym = fx.join(&mut sc, t0);
        let t = t0 + 60;
        sc.ok(report(
            &report_msg(&id, &nym, &who, 1, t, from, 0, since_for(from, t)).encode(),
            t,
        ));
        let early = t + d - 1;
        sc.refused(
            report(
                &report_msg(&id, &nym, &who, 2, early, Status::Unknown, 0, early).encode(),
                early,
            ),
            EventError::TransitionTooEarly,
        );
        let mut sc2 = sc.clone();
        emit(
            sc,
            &mut f,
            &format!("{} -> unknown one second before 14 days", from.name()),
            &["TimedEdge"],
            Some(EventError::TransitionTooEarly),
        );
        sc2.ok(report(
            &report_msg(&id, &nym, &who, 2, t + d, Status::Unknown, 0, t + d).encode(),
            t + d,
        ));
        emit(
            sc2,
            &mut f,
            &format!(
                "{} -> unknown refused one second early, accepted with the same counter at 14 days",
                from.name()
            ),
            &["TimedEdge", "RefusalChangesNothing"],
            None,
        );
    }
    // The seed's Barbecue report: Alice, positive since April 6, on April 20 (in grace).
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    sc.ok(end(APR_12_22H));
    sc.ok(phase(APR_20_12H));
    sc.ok(report(
        &report_msg(&id, &nym, &who, 1, APR_20_12H, Status::Positive, 0, APR_06).encode(),
        APR_20_12H,
    ));
    emit(
        sc,
        &mut f,
        "seed figure: positive on April 20, infecting since April 6, during the grace period",
        &["Lifecycle"],
        None,
    );
    // Errors after one accepted Suspected report.
    let base = |fx: &mut Fixture| {
        let mut sc = fx.script();
        let nym = fx.join(&mut sc, t0);
        let t = t0 + 60;
        let first = report_msg(&id, &nym, &who, 1, t, Status::Suspected, 0, APR_06).encode();
        sc.ok(report(&first, t));
        (sc, nym, t + 60, first)
    };
    let (mut sc, nym, t, _) = base(&mut fx);
    sc.refused(
        report(
            &report_msg(
                &id,
                &nym,
                &key(fx.seed()),
                2,
                t,
                Status::Positive,
                0,
                APR_06,
            )
            .encode(),
            t,
        ),
        EventError::IdentitySwap,
    );
    sc.ok(report(
        &report_msg(&id, &nym, &who, 2, t, Status::Positive, 0, APR_06).encode(),
        t,
    ));
    emit(sc, &mut f, "a second report revealing another identity is refused; the same counter from the first identity is accepted", &["Forged", "RefusalChangesNothing"], None);
    let (mut sc, nym, t, _) = base(&mut fx);
    sc.refused(
        report(
            &report_msg(&id, &nym, &who, 1, t, Status::Positive, 0, APR_06).encode(),
            t,
        ),
        EventError::Replay,
    );
    emit(
        sc,
        &mut f,
        "counter equal to the last",
        &["Forged"],
        Some(EventError::Replay),
    );
    let (mut sc, nym, t, first) = base(&mut fx);
    let dup = sc.step(report(&first, t));
    assert!(dup.duplicate);
    emit(sc, &mut f, "the last accepted report retransmitted: the same ack again, nothing revealed or counted again", &["Retransmission"], None);
    let (mut sc, nym2, t2, first) = base(&mut fx);
    let second = report_msg(&id, &nym2, &who, 2, t2, Status::Positive, 0, APR_06).encode();
    sc.ok(report(&second, t2));
    sc.refused(report(&first, t2 + 1), EventError::Replay);
    let mut sc2 = sc.clone();
    emit(
        sc,
        &mut f,
        "a replay of an older accepted report is refused",
        &["Forged", "Retransmission"],
        Some(EventError::Replay),
    );
    let dup = sc2.step(report(&second, t2 + 2));
    assert!(dup.duplicate);
    emit(sc2, &mut f, "after a refused replay of an older report, the last one is still recognised as a retransmission", &["Retransmission", "RefusalChangesNothing"], None);
    let _ = (nym, t);
    // Times on both sides.
    for (comment, counter_time, since, now, want) in [
        (
            "since equal to the report time",
            t0 + 120,
            t0 + 120,
            t0 + 120,
            None,
        ),
        (
            "infecting since one second after the report time",
            t0 + 120,
            t0 + 121,
            t0 + 120,
            Some(EventError::TimeInvalid),
        ),
        (
            "report time exactly MAX_SKEW ahead of the event",
            t0 + 120 + MAX_SKEW,
            APR_06,
            t0 + 120,
            None,
        ),
        (
            "report time one second beyond the skew",
            t0 + 121 + MAX_SKEW,
            APR_06,
            t0 + 120,
            Some(EventError::TimeInvalid),
        ),
        (
            "report time equal to the time the current status was entered",
            t0 + 60,
            APR_06,
            t0 + 120,
            None,
        ),
        (
            "report time one second before the current status was entered",
            t0 + 59,
            APR_06,
            t0 + 120,
            Some(EventError::TimeInvalid),
        ),
    ] {
        let (mut sc, nym, _, _) = base(&mut fx);
        run(
            &mut sc,
            report(
                &report_msg(&id, &nym, &who, 2, counter_time, Status::Positive, 0, since).encode(),
                now,
            ),
            want,
        );
        emit(sc, &mut f, comment, &["Time"], want);
    }
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    sc.refused(
        report(
            &report_msg(&id, &nym, &who, 1, t0 - 1, Status::Positive, 0, APR_06).encode(),
            t0,
        ),
        EventError::TimeInvalid,
    );
    emit(
        sc,
        &mut f,
        "first report one second before the check-in",
        &["Time"],
        Some(EventError::TimeInvalid),
    );
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    sc.refused(
        report(
            &report_msg(&id, &nym, &who, 0, t0, Status::Positive, 0, APR_06).encode(),
            t0,
        ),
        EventError::Replay,
    );
    emit(
        sc,
        &mut f,
        "first report with counter 0",
        &["Forged"],
        Some(EventError::Replay),
    );
    // Relevance on both sides, after the end and while Active.
    for (comment, since, want) in [
        (
            "infecting since exactly the event's end: relevant",
            APR_12_22H,
            None,
        ),
        (
            "infecting since one second after the event's end: not relevant",
            APR_12_22H + 1,
            Some(EventError::NotRelevant),
        ),
    ] {
        let mut sc = fx.script();
        let nym = fx.join(&mut sc, t0);
        sc.ok(end(APR_12_22H));
        run(
            &mut sc,
            report(
                &report_msg(&id, &nym, &who, 1, APR_20_12H, Status::Positive, 0, since).encode(),
                APR_20_12H,
            ),
            want,
        );
        emit(sc, &mut f, comment, &["Time"], want);
    }
    for (comment, since, want) in [
        (
            "while Active, infecting since now: relevant",
            t0 + 100,
            None,
        ),
        (
            "while Active, infecting since one second after now: not relevant",
            t0 + 101,
            Some(EventError::NotRelevant),
        ),
    ] {
        let mut sc = fx.script();
        let nym = fx.join(&mut sc, t0);
        run(
            &mut sc,
            report(
                &report_msg(&id, &nym, &who, 1, t0 + 200, Status::Suspected, 0, since).encode(),
                t0 + 100,
            ),
            want,
        );
        emit(sc, &mut f, comment, &["Time"], want);
    }
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    sc.ok(end(APR_12_22H));
    sc.ok(report(
        &report_msg(
            &id,
            &nym,
            &who,
            1,
            APR_20_12H,
            Status::Negative,
            0,
            APR_20_12H,
        )
        .encode(),
        APR_20_12H,
    ));
    emit(
        sc,
        &mut f,
        "a negative test after the end is relevant (no infecting-since check)",
        &["Time"],
        None,
    );
    for (comment, now, want) in [
        (
            "last second of the grace period",
            APR_12_22H + GRACE - 1,
            None,
        ),
        (
            "first second of the archive",
            APR_12_22H + GRACE,
            Some(EventError::Archived),
        ),
        (
            "last second of the archive",
            APR_12_22H + GRACE + ARCHIVE - 1,
            Some(EventError::Archived),
        ),
        (
            "after deletion",
            APR_12_22H + GRACE + ARCHIVE,
            Some(EventError::Deleted),
        ),
    ] {
        let mut sc = fx.script();
        let nym = fx.join(&mut sc, t0);
        sc.ok(end(APR_12_22H));
        run(
            &mut sc,
            report(
                &report_msg(&id, &nym, &who, 1, now, Status::Positive, 0, APR_06).encode(),
                now,
            ),
            want,
        );
        emit(sc, &mut f, comment, &["Lifecycle"], want);
    }
    let mut sc = fx.script();
    fx.join(&mut sc, t0);
    sc.refused(
        report(
            &report_msg(
                &id,
                &key(fx.seed()),
                &who,
                1,
                t0,
                Status::Positive,
                0,
                APR_06,
            )
            .encode(),
            t0,
        ),
        EventError::PseudonymUnknown,
    );
    emit(
        sc,
        &mut f,
        "pseudonym never checked in",
        &["Forged"],
        Some(EventError::PseudonymUnknown),
    );
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    let mut m = report_msg(&id, &nym, &who, 1, t0, Status::Positive, 0, APR_06);
    m.identity_sig[3] ^= 1;
    sc.refused(report(&m.encode(), t0), EventError::BadIdentitySig);
    sc.ok(report(
        &report_msg(&id, &nym, &who, 1, t0, Status::Positive, 0, APR_06).encode(),
        t0,
    ));
    emit(sc, &mut f, "a report with a bad identity signature is refused; the same counter is accepted afterwards", &["Forged", "RefusalChangesNothing"], None);
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    sc.refused(
        report(
            &report_msg(&[1; 32], &nym, &who, 1, t0, Status::Positive, 0, APR_06).encode(),
            t0,
        ),
        EventError::BadPseudonymSig,
    );
    emit(
        sc,
        &mut f,
        "report signed for another event",
        &["Forged"],
        Some(EventError::BadPseudonymSig),
    );
    // Adjacent pairs of §7.4.
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    sc.ok(end(APR_12_22H));
    let late = APR_12_22H + GRACE;
    let good = report_msg(&id, &nym, &who, 1, late, Status::Positive, 0, APR_06).encode();
    let mut a = sc.clone();
    a.refused(report(&with(&good, 77, 7), late), EventError::BadStatus);
    emit(
        a,
        &mut f,
        "a bad status during the archive: decoding is checked before the phase",
        &["CheckOrder"],
        Some(EventError::BadStatus),
    );
    let mut a = sc.clone();
    a.refused(
        report(
            &report_msg(
                &id,
                &key(fx.seed()),
                &who,
                1,
                late,
                Status::Positive,
                0,
                APR_06,
            )
            .encode(),
            late,
        ),
        EventError::PseudonymUnknown,
    );
    emit(
        a,
        &mut f,
        "an unknown pseudonym during the archive: the pseudonym is checked before the archive",
        &["CheckOrder"],
        Some(EventError::PseudonymUnknown),
    );
    let mut a = sc.clone();
    let gone = APR_12_22H + GRACE + ARCHIVE;
    a.refused(
        report(
            &report_msg(
                &id,
                &key(fx.seed()),
                &who,
                1,
                gone,
                Status::Positive,
                0,
                APR_06,
            )
            .encode(),
            gone,
        ),
        EventError::Deleted,
    );
    emit(
        a,
        &mut f,
        "an unknown pseudonym after deletion: deletion is checked before the pseudonym",
        &["CheckOrder"],
        Some(EventError::Deleted),
    );
    let mut a = sc.clone();
    let mut bad = report_msg(&id, &nym, &who, 1, late, Status::Positive, 0, APR_06);
    bad.pseudonym_sig[0] ^= 1;
    a.refused(report(&bad.encode(), late), EventError::Archived);
    emit(
        a,
        &mut f,
        "a bad signature during the archive: the archive is checked before the signatures",
        &["CheckOrder"],
        Some(EventError::Archived),
    );
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    let first = report_msg(&id, &nym, &who, 1, t0, Status::Positive, 0, APR_06).encode();
    sc.ok(report(&first, t0));
    sc.ok(end(APR_12_22H));
    let dup = sc.step(report(&first, late));
    assert!(dup.duplicate);
    sc.refused(
        report(&first, APR_12_22H + GRACE + ARCHIVE),
        EventError::Deleted,
    );
    emit(
        sc,
        &mut f,
        "a retransmission is answered again during the archive, not once Deleted",
        &["CheckOrder", "Retransmission"],
        Some(EventError::Deleted),
    );
    let mut sc = fx.script();
    fx.join(&mut sc, t0);
    let stranger = key(fx.seed());
    let mut m = report_msg(&id, &stranger, &who, 1, t0, Status::Positive, 0, APR_06);
    m.pseudonym_sig[1] ^= 1;
    sc.refused(report(&m.encode(), t0), EventError::PseudonymUnknown);
    emit(
        sc,
        &mut f,
        "an unknown pseudonym with a bad signature: the pseudonym is checked first",
        &["CheckOrder"],
        Some(EventError::PseudonymUnknown),
    );
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    let mut m = report_msg(&id, &nym, &who, 1, t0, Status::Positive, 0, APR_06);
    m.pseudonym_sig[1] ^= 1;
    m.identity_sig[1] ^= 1;
    sc.refused(report(&m.encode(), t0), EventError::BadPseudonymSig);
    emit(
        sc,
        &mut f,
        "both signatures bad: the pseudonym's is checked first",
        &["CheckOrder"],
        Some(EventError::BadPseudonymSig),
    );
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    let mut m = report_msg(&id, &nym, &who, 1, t0, Status::Positive, 0, APR_06);
    m.identity = ed::small_order_points()[2];
    let body = m.body();
    m.pseudonym_sig[0] ^= 1;
    let _ = body;
    sc.refused(report(&m.encode(), t0), EventError::BadPseudonymSig);
    emit(sc, &mut f, "a bad pseudonym signature and a small-order identity: the pseudonym's signature is checked first", &["CheckOrder"], Some(EventError::BadPseudonymSig));
    let (mut sc, nym, t, _) = base(&mut fx);
    let mut m = report_msg(
        &id,
        &nym,
        &key(fx.seed()),
        2,
        t,
        Status::Positive,
        0,
        APR_06,
    );
    m.identity_sig[7] ^= 1;
    sc.refused(report(&m.encode(), t), EventError::BadIdentitySig);
    emit(
        sc,
        &mut f,
        "another identity with a bad identity signature: the signature is checked before the swap",
        &["CheckOrder"],
        Some(EventError::BadIdentitySig),
    );
    let (mut sc, nym, t, _) = base(&mut fx);
    sc.refused(
        report(
            &report_msg(
                &id,
                &nym,
                &key(fx.seed()),
                1,
                t,
                Status::Positive,
                0,
                APR_06,
            )
            .encode(),
            t,
        ),
        EventError::IdentitySwap,
    );
    emit(
        sc,
        &mut f,
        "another identity and a counter not increasing: the swap is checked first",
        &["CheckOrder"],
        Some(EventError::IdentitySwap),
    );
    let (mut sc, nym, t, _) = base(&mut fx);
    sc.refused(
        report(
            &report_msg(&id, &nym, &who, 1, t, Status::Positive, 0, t + 1).encode(),
            t,
        ),
        EventError::Replay,
    );
    emit(
        sc,
        &mut f,
        "a counter not increasing and since after time: the counter is checked first",
        &["CheckOrder"],
        Some(EventError::Replay),
    );
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    sc.ok(end(APR_12_22H));
    sc.refused(
        report(
            &report_msg(
                &id,
                &nym,
                &who,
                1,
                APR_20_12H,
                Status::Positive,
                0,
                APR_20_12H + 1,
            )
            .encode(),
            APR_20_12H,
        ),
        EventError::TimeInvalid,
    );
    emit(
        sc,
        &mut f,
        "since after time and after the end: times are checked before relevance",
        &["CheckOrder"],
        Some(EventError::TimeInvalid),
    );
    let (mut sc, nym, t, _) = base(&mut fx);
    sc.ok(end(APR_12_22H));
    let t = t.max(APR_12_22H + 10);
    sc.refused(
        report(
            &report_msg(&id, &nym, &who, 2, t, Status::HighRisk, 1, APR_12_22H + 1).encode(),
            t,
        ),
        EventError::NotRelevant,
    );
    emit(
        sc,
        &mut f,
        "not relevant and not an edge (Suspected -> HighRisk): relevance is checked first",
        &["CheckOrder"],
        Some(EventError::NotRelevant),
    );
    // Decoding (§1 order).
    let mut sc = fx.script();
    let nym = fx.join(&mut sc, t0);
    let good = report_msg(&id, &nym, &who, 1, t0, Status::HighRisk, 1, APR_06).encode();
    let mut long_name = report_msg(&id, &nym, &who, 1, t0, Status::Positive, 0, APR_06);
    long_name.name = "x".repeat(MAX_NAME_LEN + 1);
    let mut long_msg = report_msg(&id, &nym, &who, 1, t0, Status::Positive, 0, APR_06);
    long_msg.message = "y".repeat(MAX_MESSAGE_LEN + 1);
    let mut bad_utf8 = good.clone();
    bad_utf8[88] = 0xff;
    let name_len = good[87] as usize;
    let msg_at = 88 + name_len + 2;
    let mut bad_utf8_msg = good.clone();
    bad_utf8_msg[msg_at] = 0xc3;
    bad_utf8_msg[msg_at + 1] = 0x28;
    let cut_in_name = good[..90].to_vec();
    let mut name_then_cut = long_name.encode();
    name_then_cut.truncate(88 + 65 + 1);
    let dec: Vec<(&str, &[&str], Vec<u8>, EventError)> = vec![
        (
            "status code 5",
            &["Malformed"],
            with(&good, 77, 5),
            EventError::BadStatus,
        ),
        (
            "high risk with hops 0",
            &["Malformed"],
            with(&good, 78, 0),
            EventError::BadHops,
        ),
        (
            "high risk with hops 4",
            &["Malformed"],
            with(&good, 78, 4),
            EventError::BadHops,
        ),
        (
            "positive with hops 1",
            &["Malformed"],
            with(&with(&good, 77, 3), 78, 1),
            EventError::BadHops,
        ),
        (
            "name of 65 bytes",
            &["Text"],
            long_name.encode(),
            EventError::BadText,
        ),
        (
            "message of 281 bytes",
            &["Text"],
            long_msg.encode(),
            EventError::BadText,
        ),
        (
            "name not UTF-8",
            &["Text"],
            bad_utf8.clone(),
            EventError::BadText,
        ),
        (
            "message not UTF-8",
            &["Text"],
            bad_utf8_msg,
            EventError::BadText,
        ),
        (
            "truncated by one byte",
            &["Malformed"],
            good[..good.len() - 1].to_vec(),
            EventError::Truncated,
        ),
        (
            "truncated inside the name",
            &["Malformed"],
            cut_in_name,
            EventError::Truncated,
        ),
        (
            "trailing byte",
            &["Malformed"],
            [&good[..], &[0]].concat(),
            EventError::TrailingBytes,
        ),
        (
            "report-ack tag",
            &["Malformed"],
            with(&good, 0, 0x25),
            EventError::UnknownTag,
        ),
        (
            "wrong tag and a bad status",
            &["Malformed", "CheckOrder"],
            with(&with(&good, 77, 9), 0, 0x25),
            EventError::UnknownTag,
        ),
        (
            "bad status and bad hops",
            &["Malformed", "CheckOrder"],
            with(&with(&good, 77, 9), 78, 9),
            EventError::BadStatus,
        ),
        (
            "bad hops and a name not UTF-8",
            &["Malformed", "CheckOrder"],
            with(&bad_utf8, 78, 9),
            EventError::BadHops,
        ),
        (
            "a name of 65 bytes and the input ending after it: the name is checked first",
            &["Text", "CheckOrder"],
            name_then_cut,
            EventError::BadText,
        ),
        (
            "a bad name and a bad message: the name is checked first",
            &["Text", "CheckOrder"],
            {
                let mut b = bad_utf8.clone();
                b[msg_at] = 0xff;
                b
            },
            EventError::BadText,
        ),
    ];
    for (comment, flags, bytes, e) in dec {
        let mut sc2 = sc.clone();
        sc2.refused(report(&bytes, t0), e);
        emit(sc2, &mut f, comment, flags, Some(e));
    }
    for (comment, name, message) in [
        (
            "a name of exactly 64 bytes",
            "n".repeat(MAX_NAME_LEN),
            String::new(),
        ),
        (
            "a message of exactly 280 bytes",
            String::new(),
            "m".repeat(MAX_MESSAGE_LEN),
        ),
        (
            "a name and a message in UTF-8 beyond ASCII",
            "Zoë Ødegård".to_string(),
            "fièvre depuis lundi".to_string(),
        ),
    ] {
        let mut sc2 = sc.clone();
        let mut m = report_msg(&id, &nym, &who, 1, t0, Status::Positive, 0, APR_06);
        m.name = name;
        m.message = message;
        sign_report(&mut m, &id, &nym, &who);
        sc2.ok(report(&m.encode(), t0));
        emit(sc2, &mut f, comment, &["Text"], None);
    }
    // Ed25519 edges: the identity's key and signature (any key), the pseudonym's signature.
    for c in ed::cases(true) {
        let mut sc = fx.script();
        let nym = fx.join(&mut sc, t0);
        let seed = [0x81; 32];
        let mut m = report_msg(&id, &nym, &who, 1, t0, Status::Positive, 0, APR_06);
        m.identity = c.public(seed);
        let body = m.body();
        m.pseudonym_sig = nym.sign(labels::REPORT_PSEUDONYM, &[&id, &body]);
        let signed = [labels::REPORT_IDENTITY.bytes, &id, &body].concat();
        let (a, sig) = c.build(seed, &signed);
        assert_eq!(a, m.identity);
        m.identity_sig = sig;
        assert_eq!(ed::rule(&a, &signed, &sig), c.verdict, "{}", c.comment);
        let want = want_of(c.verdict, EventError::BadIdentitySig);
        run(&mut sc, report(&m.encode(), t0), want);
        emit(
            sc,
            &mut f,
            &format!("identity: {}", c.comment),
            flags_of(&c),
            want,
        );
    }
    for c in ed::cases(false) {
        let mut sc = fx.script();
        let qr = fx.issue(&mut sc, t0);
        let nym_seed = fx.seed();
        sc.ok(check_in(
            &qr.check_in(&SecretSeed::from_bytes(nym_seed)).encode(),
            t0,
        ));
        let nym = key(nym_seed);
        let mut m = report_msg(&id, &nym, &who, 1, t0, Status::Positive, 0, APR_06);
        let body = m.body();
        let signed = [labels::REPORT_PSEUDONYM.bytes, &id, &body].concat();
        let (a, sig) = c.build(nym_seed, &signed);
        assert_eq!(a, nym.public());
        m.pseudonym_sig = sig;
        let want = want_of(ed::rule(&a, &signed, &sig), EventError::BadPseudonymSig);
        run(&mut sc, report(&m.encode(), t0), want);
        emit(
            sc,
            &mut f,
            &format!("pseudonym: {}", c.comment),
            flags_of(&c),
            want,
        );
    }
    let _ = EdKey::from_seed([0; 32]);
    f.finish()
}

fn lifecycle_file() -> Value {
    let mut f = FileBuilder::new(
        "event",
        "event-machine",
        "spec/events.md#75-lifecycle",
        HEADER,
    );
    common_notes(&mut f, &["Lifecycle"]);
    let mut fx = Fixture::new("event lifecycle", 10_000);
    fx.group(&mut f);
    let id = fx.id();
    let end_t = APR_12_22H;
    let mut sc = fx.script();
    for t in [fx.start - 1, fx.start, end_t - 1] {
        sc.ok(phase(t));
    }
    sc.ok(end(end_t));
    for t in [
        end_t - 1,
        end_t,
        end_t + GRACE - 1,
        end_t + GRACE,
        end_t + GRACE + ARCHIVE - 1,
        end_t + GRACE + ARCHIVE,
    ] {
        sc.ok(phase(t));
    }
    emit(
        sc,
        &mut f,
        "phases at every boundary (a time before the end is still Active)",
        &["Lifecycle"],
        None,
    );
    let mut sc = fx.script();
    for t in [
        fx.start + MAX_EVENT_DURATION - 1,
        fx.start + MAX_EVENT_DURATION,
        fx.start + MAX_EVENT_DURATION + GRACE - 1,
        fx.start + MAX_EVENT_DURATION + GRACE,
        fx.start + MAX_EVENT_DURATION + GRACE + ARCHIVE,
    ] {
        sc.ok(phase(t));
    }
    emit(
        sc,
        &mut f,
        "an event never ended ends 7 days after its start",
        &["Lifecycle"],
        None,
    );
    let mut sc = fx.script();
    sc.ok(end(fx.start - 100));
    sc.ok(phase(fx.start - 1));
    sc.ok(phase(fx.start));
    emit(
        sc,
        &mut f,
        "ended before its start: the end in force is the start",
        &["Lifecycle"],
        None,
    );
    let mut sc = fx.script();
    sc.ok(end(end_t));
    sc.refused(end(end_t + 1), EventError::Closed);
    emit(
        sc,
        &mut f,
        "ending twice",
        &["Lifecycle"],
        Some(EventError::Closed),
    );
    let mut sc = fx.script();
    sc.ok(end(fx.start + MAX_EVENT_DURATION - 1));
    emit(
        sc,
        &mut f,
        "ending one second before the automatic end",
        &["Lifecycle"],
        None,
    );
    let mut sc = fx.script();
    sc.refused(end(fx.start + MAX_EVENT_DURATION), EventError::Closed);
    emit(
        sc,
        &mut f,
        "ending at the automatic end: already ended",
        &["Lifecycle"],
        Some(EventError::Closed),
    );
    // Every operation in every phase (spec/events.md §7.5 table).
    let t0 = fx.start + 600;
    let phases = [
        ("Active", t0 + 60),
        ("Grace", end_t + DAY),
        ("Archive", end_t + GRACE + DAY),
        ("Deleted", end_t + GRACE + ARCHIVE + DAY),
    ];
    for (name, now) in phases {
        let active = name == "Active";
        // issue
        let mut sc = fx.script();
        let nym = fx.join(&mut sc, t0);
        let qr = fx.issue(&mut sc, t0);
        if !active {
            sc.ok(end(end_t));
        }
        let want = (!active).then_some(EventError::Closed);
        let mut a = sc.clone();
        run(&mut a, issue(fx.seed(), now), want);
        emit(
            a,
            &mut f,
            &format!("issue during {name}"),
            &["Lifecycle"],
            want,
        );
        let mut a = sc.clone();
        run(&mut a, end(now), want);
        emit(
            a,
            &mut f,
            &format!("end during {name}"),
            &["Lifecycle"],
            want,
        );
        let mut a = sc.clone();
        run(
            &mut a,
            check_in(
                &qr.check_in(&SecretSeed::from_bytes(fx.seed())).encode(),
                now,
            ),
            want,
        );
        emit(
            a,
            &mut f,
            &format!("check-in during {name}"),
            &["Lifecycle"],
            want,
        );
        let want_stats = (name == "Deleted").then_some(EventError::Deleted);
        let mut a = sc.clone();
        run(
            &mut a,
            stats(&stats_request(&nym, &id, now).encode(), now),
            want_stats,
        );
        emit(
            a,
            &mut f,
            &format!("stats during {name}"),
            &["Lifecycle"],
            want_stats,
        );
        let want_report = match name {
            "Archive" => Some(EventError::Archived),
            "Deleted" => Some(EventError::Deleted),
            _ => None,
        };
        let mut a = sc.clone();
        run(
            &mut a,
            report(
                &report_msg(&id, &nym, &key(fx.seed()), 1, now, Status::Suspected, 0, t0).encode(),
                now,
            ),
            want_report,
        );
        emit(
            a,
            &mut f,
            &format!("report during {name}"),
            &["Lifecycle"],
            want_report,
        );
    }
    let _ = field;
    f.finish()
}
