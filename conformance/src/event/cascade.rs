//! `event-device` vectors of `spec/events.md §9`: exposure, inference, push, false alarm and
//! decay, each row and both sides of each boundary, replaying messages of real events.

use contact_tracing::event::status::Status;
use contact_tracing::event::{
    fingerprint, EventError, DAY, GRACE, HIGH_RISK_EXPIRY, NEGATIVE_DECAY, SUSPECTED_DECAY,
};
use serde_json::{json, Value};

use super::device::{outputs, Fx, World};
use super::{s, APR_06, APR_12_16H, APR_12_22H, APR_20_12H, HEADER};
use crate::vector::FileBuilder;

const H: u64 = 3600;

/// A device attending events with the given (start, end), checked in at each start, acked, and
/// polled at `poll_at` (so it knows starts, ends and counts).
fn scene(fx: &Fx, label: &str, events: &[(u64, u64)]) -> (World, Vec<usize>, Vec<u32>) {
    let mut w = fx.world(label);
    let mut es = Vec::new();
    let mut hs = Vec::new();
    for &(start, end) in events {
        let e = w.event(start);
        w.events[e].end(end).unwrap();
        hs.push(w.attend(e, start));
        es.push(e);
    }
    (w, es, hs)
}

/// Another participant at event `e` reports `status` at `now`.
fn someone(
    w: &mut World,
    e: usize,
    checked_in: u64,
    status: Status,
    hops: u8,
    since: u64,
    now: u64,
) {
    let nym = w.other(e, checked_in);
    w.other_reports(e, &nym, 1, status, hops, since, now);
}

fn check(w: &World, status: Status, hops: u8) {
    let st = w.device().status();
    assert_eq!((st.status, st.hops), (status, hops));
}

pub(super) fn file(fx: Fx) -> Value {
    let mut f = FileBuilder::new(
        "event",
        "event-device",
        "spec/events.md#9-high-risk-inference-and-the-cascade",
        HEADER,
    );
    f.note(
        "Retransmission",
        "FUNCTIONALITY",
        "Stop and wait (spec/events.md §8.2): what is unacknowledged is sent again by poll, byte for byte, and nothing new goes to that event meanwhile.",
    );
    f.note(
        "Cascade",
        "BASIC",
        "Inference and push, replaying messages from real events (the seed's figure).",
    );
    f.note(
        "Exposure",
        "FUNCTIONALITY",
        "A row of spec/events.md §9.1-§9.2: which counts expose, with which hop, which event wins, when exposure expires.",
    );
    f.note(
        "Push",
        "FUNCTIONALITY",
        "A condition of spec/events.md §9.3 on both sides: which events receive the device's status.",
    );
    f.note(
        "FalseAlarm",
        "FUNCTIONALITY",
        "A row of spec/events.md §9.4: High Risk withdrawn by expiry or by the exposing event's stats, or kept.",
    );
    f.note(
        "Decay",
        "EDGE_CASE",
        "An automatic decay (spec/events.md §6.2 tick) one second before and at its time, and what it pushes.",
    );
    fx.group(&mut f);

    // --- The seed's figure from Eve's device (Barbecue, Theater).
    let bbq = (APR_12_16H, APR_12_22H);
    let th_start = APR_12_16H + 3 * DAY + 3 * H;
    let (mut w, es, _) = scene(&fx, "cascade seed", &[bbq, (th_start, th_start + 3 * H)]);
    someone(
        &mut w,
        es[0],
        APR_12_16H,
        Status::Positive,
        0,
        APR_06,
        APR_20_12H,
    );
    w.poll(APR_20_12H);
    let pushed = w.evaluate(APR_20_12H);
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0].0, 1, "pushed to the Theater only");
    check(&w, Status::HighRisk, 1);
    let mut w2 = w.clone();
    w.emit(&mut f, "seed figure from Eve's device: Barbecue stats show a positive, Eve becomes High Risk (hop 1, since the Barbecue's start) and pushes to the Theater only", &["Cascade"], None);
    let o = w2.self_report("test_positive", APR_12_16H, APR_20_12H + H);
    assert_eq!(o.len(), 2);
    w2.emit(
        &mut f,
        "Eve tests positive: reports go to both events (the Barbecue is not exposing any more)",
        &["Cascade"],
        None,
    );

    // --- §9.1 exposure rows: what the counts of one event give.
    let t0 = APR_12_16H;
    let one = [(t0, t0 + 6 * H)];
    let now = t0 + DAY;
    for (comment, reports, want) in [
        (
            "one Suspected attendee: hop 1",
            vec![(Status::Suspected, 0)],
            Some(1),
        ),
        (
            "one Positive attendee: hop 1",
            vec![(Status::Positive, 0)],
            Some(1),
        ),
        (
            "one High Risk attendee at hop 1: hop 2",
            vec![(Status::HighRisk, 1)],
            Some(2),
        ),
        (
            "one High Risk attendee at hop 2: hop 3",
            vec![(Status::HighRisk, 2)],
            Some(3),
        ),
        (
            "one High Risk attendee at hop 3 only: no exposure (the hop limit)",
            vec![(Status::HighRisk, 3)],
            None,
        ),
        (
            "one Negative attendee: no exposure",
            vec![(Status::Negative, 0)],
            None,
        ),
        (
            "High Risk at hops 2 and 1: hop 2 (the smallest)",
            vec![(Status::HighRisk, 2), (Status::HighRisk, 1)],
            Some(2),
        ),
        (
            "High Risk at hop 1 and a Positive: hop 1 (suspected and positive first)",
            vec![(Status::HighRisk, 1), (Status::Positive, 0)],
            Some(1),
        ),
        (
            "High Risk at hop 3 and hop 2: hop 3",
            vec![(Status::HighRisk, 3), (Status::HighRisk, 2)],
            Some(3),
        ),
    ] {
        let (mut w, es, _) = scene(&fx, "cascade exposure", &one);
        for (st, hops) in reports {
            someone(&mut w, es[0], t0, st, hops, t0, t0 + 2 * H);
        }
        w.poll(now);
        w.evaluate(now);
        match want {
            Some(h) => check(&w, Status::HighRisk, h),
            None => check(&w, Status::Unknown, 0),
        }
        w.emit(&mut f, comment, &["Exposure"], None);
    }
    // Expiry of the onset: exposed one second before start + 14 days, not at it.
    for (comment, at, want) in [
        (
            "exposed one second before start + HIGH_RISK_EXPIRY",
            t0 + HIGH_RISK_EXPIRY - 1,
            Status::HighRisk,
        ),
        (
            "not exposed at start + HIGH_RISK_EXPIRY",
            t0 + HIGH_RISK_EXPIRY,
            Status::Unknown,
        ),
    ] {
        let (mut w, es, _) = scene(&fx, "cascade expiry", &one);
        someone(&mut w, es[0], t0, Status::Positive, 0, t0, t0 + 2 * H);
        w.poll(t0 + 3 * H);
        w.evaluate(at);
        assert_eq!(w.status(), want);
        w.emit(&mut f, comment, &["Exposure"], None);
    }
    // Inference never changes a status other than Unknown.
    let (mut w, es, _) = scene(&fx, "cascade not unknown", &one);
    w.self_report("test_negative", t0 + H, t0 + H);
    someone(&mut w, es[0], t0, Status::Positive, 0, t0, t0 + 2 * H);
    w.poll(now);
    w.evaluate(now);
    check(&w, Status::Negative, 0);
    w.emit(
        &mut f,
        "a Negative device stays Negative although its event exposes it",
        &["Exposure"],
        None,
    );
    // The onset is min(start, now): checked in before the event's start.
    let mut w = fx.world("cascade early");
    let e = w.event(t0);
    w.events[e].end(t0 + 6 * H).unwrap();
    w.attend(e, t0 - 2 * H);
    someone(
        &mut w,
        e,
        t0 - 2 * H,
        Status::Suspected,
        0,
        t0 - 2 * H,
        t0 - 90 * 60,
    );
    w.poll(t0 - H);
    let o = w.evaluate(t0 - H);
    assert!(o.is_empty());
    assert_eq!(w.device().status().since, t0 - H);
    w.emit(&mut f, "exposed before the event's start: the onset is now, and nothing is pushed to an event that has not started", &["Exposure", "Push"], None);
    // Which event wins: the smallest hop, then the earliest start, then the smallest fingerprint.
    let (mut w, es, hs) = scene(
        &fx,
        "cascade hop wins",
        &[(t0, t0 + 6 * H), (t0 + H, t0 + 7 * H)],
    );
    someone(&mut w, es[0], t0, Status::HighRisk, 1, t0, t0 + 2 * H);
    someone(&mut w, es[1], t0 + H, Status::Positive, 0, t0, t0 + 2 * H);
    w.poll(now);
    w.evaluate(now);
    check(&w, Status::HighRisk, 1);
    assert_eq!(w.device().exposing_event().map(|h| h.0), Some(hs[1]));
    w.emit(&mut f, "hop 2 from an earlier event, hop 1 from a later one: the smaller hop wins (since = the later start)", &["Exposure"], None);
    let (mut w, es, hs) = scene(
        &fx,
        "cascade start wins",
        &[(t0 + H, t0 + 7 * H), (t0, t0 + 6 * H)],
    );
    someone(&mut w, es[0], t0 + H, Status::Positive, 0, t0, t0 + 2 * H);
    someone(&mut w, es[1], t0, Status::Suspected, 0, t0, t0 + 2 * H);
    w.poll(now);
    let o = w.evaluate(now);
    assert_eq!(w.device().exposing_event().map(|h| h.0), Some(hs[1]));
    assert_eq!(o.len(), 1);
    w.emit(
        &mut f,
        "two events at hop 1: the earlier start wins; the other receives the High Risk",
        &["Exposure", "Push"],
        None,
    );
    let (mut w, es, hs) = scene(
        &fx,
        "cascade fingerprint wins",
        &[(t0, t0 + 6 * H), (t0, t0 + 5 * H)],
    );
    someone(&mut w, es[0], t0, Status::Positive, 0, t0, t0 + 2 * H);
    someone(&mut w, es[1], t0, Status::Positive, 0, t0, t0 + 2 * H);
    w.poll(now);
    w.evaluate(now);
    let fp: Vec<[u8; 32]> = es.iter().map(|&e| fingerprint(&w.events[e].id())).collect();
    let want = if fp[0] < fp[1] { hs[0] } else { hs[1] };
    assert_eq!(w.device().exposing_event().map(|h| h.0), Some(want));
    w.emit(
        &mut f,
        "two events at hop 1 with the same start: the smaller fingerprint of the event key wins",
        &["Exposure"],
        None,
    );
    // The device's own acknowledged Suspected is not an exposure (its decay is not yet due at
    // the event, which entered it later).
    let own = |label: &str, others: bool| {
        let mut w = fx.world(label);
        let e = w.event(t0 + H);
        w.events[e].end(t0 + DAY).unwrap();
        w.self_report("report", t0, t0);
        let (h, ack) = w.check_in_only(e, t0 + H);
        w.sc.ok(
            json!({"op": "checkInAck", "handle": h, "message": super::super::vector::hex(&ack)}),
        );
        let o = w.evaluate(t0 + 2 * H);
        assert_eq!(
            o.len(),
            1,
            "Suspected pushed once the check-in is acknowledged"
        );
        if others {
            someone(&mut w, e, t0 + H, Status::Suspected, 0, t0, t0 + 3 * H);
        }
        let decay = t0 + SUSPECTED_DECAY;
        w.poll(decay);
        let o = w.evaluate(decay);
        assert!(o.is_empty(), "the Time edge is not yet due at the event");
        (w, decay)
    };
    let (mut w, decay) = own("cascade own", false);
    check(&w, Status::Unknown, 0);
    let o = w.evaluate(t0 + 2 * H + SUSPECTED_DECAY - 1);
    assert!(o.is_empty());
    let o = w.evaluate(t0 + 2 * H + SUSPECTED_DECAY);
    assert_eq!(o.len(), 1);
    let _ = decay;
    w.emit(&mut f, "the device decays to Unknown while the event still holds its Suspected (entered later): its own report does not expose it; the Unknown goes out when due at the event, not a second earlier", &["Exposure", "Decay", "Push"], None);
    let (mut w, decay) = own("cascade own plus", true);
    check(&w, Status::Unknown, 0);
    w.evaluate(decay + 1);
    check(&w, Status::HighRisk, 1);
    w.emit(&mut f, "the same with a second Suspected attendee: the evaluate after the decay is exposed (only the device's own report is subtracted)", &["Exposure"], None);
    // A first non-infectious status goes nowhere; once reported there, the next one follows.
    let (mut w, _, _) = scene(&fx, "cascade non-infectious", &one);
    let o = w.self_report("test_negative", t0 + H, t0 + H);
    assert!(o.is_empty());
    let mut w2 = w.clone();
    w.emit(&mut f, "push: a Negative goes only to events where the device reported before: a first Negative goes nowhere", &["Push"], None);
    let o = w2.self_report("report", t0 + 2 * H, t0 + 2 * H);
    assert_eq!(o.len(), 1);
    let o = w2.self_report("test_negative", t0 + 3 * H, t0 + 3 * H);
    assert_eq!(o.len(), 1);
    w2.emit(
        &mut f,
        "push: after a Suspected was reported there, the next Negative follows it",
        &["Push"],
        None,
    );
    // Pending at an event: its stats do not expose until the ack.
    let (mut w, es, _) = scene(
        &fx,
        "cascade pending",
        &[(t0, t0 + 6 * H), (t0 + H, t0 + 7 * H)],
    );
    let source = w.other(es[0], t0);
    w.other_reports(es[0], &source, 1, Status::Positive, 0, t0, t0 + 2 * H);
    w.poll(t0 + DAY);
    let o = w.evaluate(t0 + DAY);
    assert_eq!(o.len(), 1, "High Risk pushed to event 1");
    let at = t0 + DAY + H;
    w.other_reports(es[0], &source, 2, Status::Negative, 0, at, at);
    w.poll(at);
    let held = w.evaluate_lost(at);
    assert_eq!(held.len(), 1, "the false alarm's Unknown to event 1, lost");
    someone(&mut w, es[1], t0 + H, Status::Positive, 0, t0, at + H);
    let polled = w.poll_lost(at + 2 * H);
    let (reports, requests): (Vec<_>, Vec<_>) = polled
        .into_iter()
        .partition(|(_, m)| super::device::tag(m) == 0x24);
    assert_eq!(
        reports, held,
        "poll retransmits the pending report byte for byte"
    );
    w.deliver(requests, at + 2 * H);
    w.evaluate(at + 2 * H);
    check(&w, Status::Unknown, 0);
    let mut w2 = w.clone();
    w.emit(
        &mut f,
        "while a report to an event is pending its stats do not expose the device",
        &["Exposure", "Retransmission"],
        None,
    );
    w2.deliver(reports, at + 3 * H);
    w2.evaluate(at + 3 * H);
    check(&w2, Status::HighRisk, 1);
    w2.emit(
        &mut f,
        "once the retransmitted report is acknowledged, the event's stats expose the device again",
        &["Exposure", "Retransmission"],
        None,
    );

    // --- §9.3 push conditions, each on both sides.
    // end(E) >= T: an event that ended exactly at the exposing event's start gets the report,
    // one that ended a second earlier does not.
    let x = (t0 + DAY, t0 + DAY + 6 * H);
    let (mut w, es, _) = scene(&fx, "cascade end", &[x, (t0, t0 + DAY), (t0, t0 + DAY - 1)]);
    someone(&mut w, es[0], x.0, Status::Positive, 0, x.0, x.0 + H);
    w.poll(x.0 + 2 * DAY);
    let o = w.evaluate(x.0 + 2 * DAY);
    assert_eq!(o.iter().map(|(h, _)| *h).collect::<Vec<_>>(), vec![1]);
    w.emit(&mut f, "push: an event that ended exactly at the onset receives the High Risk; one that ended a second earlier does not; the exposing event does not", &["Push"], None);
    // Started: start <= now.
    let (mut w, es, hs) = scene(&fx, "cascade started", &[(t0, t0 + 6 * H)]);
    let later = w.event(t0 + DAY);
    w.events[later].end(t0 + DAY + 6 * H).unwrap();
    let h_later = w.attend(later, t0 + 2 * H);
    someone(&mut w, es[0], t0, Status::Positive, 0, t0, t0 + H);
    w.poll(t0 + 3 * H);
    let mut w2 = w.clone();
    let o = w.evaluate(t0 + DAY - 1);
    assert!(o.is_empty());
    w.emit(
        &mut f,
        "push: an event that starts one second later does not receive the High Risk yet",
        &["Push"],
        None,
    );
    let o = w2.evaluate(t0 + DAY);
    assert_eq!(o.iter().map(|(h, _)| *h).collect::<Vec<_>>(), vec![h_later]);
    let _ = hs;
    w2.emit(
        &mut f,
        "push: an event starting exactly now receives the High Risk",
        &["Push"],
        None,
    );
    // In window: a self-reported Positive goes to an event until end + GRACE - 1.
    for (comment, at, n) in [
        (
            "push: a Positive reaches an event on the last second of its grace period",
            t0 + 6 * H + GRACE - 1,
            1,
        ),
        (
            "push: at the end of the grace period the event is forgotten and receives nothing",
            t0 + 6 * H + GRACE,
            0,
        ),
    ] {
        let (mut w, _, _) = scene(&fx, "cascade window", &one);
        w.poll(t0 + DAY);
        let o = w.self_report("test_positive", t0, at);
        assert_eq!(o.len(), n);
        w.emit(&mut f, comment, &["Push"], None);
    }
    // Not an edge from what the event holds: Suspected held (Time edge not due) -> High Risk.
    let (mut w, _) = own("cascade refused edge", false);
    let mut w2 = w.clone();
    let x2 = w.event(t0 + 5 * DAY);
    w.events[x2].end(t0 + 5 * DAY + H).unwrap();
    let hx = w.attend(x2, t0 + 5 * DAY);
    someone(
        &mut w,
        x2,
        t0 + 5 * DAY,
        Status::Positive,
        0,
        t0 + 5 * DAY,
        t0 + 5 * DAY + H,
    );
    let when = t0 + SUSPECTED_DECAY + H;
    w.poll(when);
    let o = w.evaluate(when);
    check(&w, Status::HighRisk, 1);
    assert!(
        o.is_empty(),
        "Suspected -> HighRisk is not an edge; the exposing event is excluded"
    );
    let _ = hx;
    w.emit(&mut f, "push: the event still holds the device's Suspected; High Risk is not an edge from it, so nothing is sent there", &["Push"], None);
    let _ = &mut w2;
    // A check-in not yet acknowledged: nothing is pushed there; poll resends the CheckIn.
    let mut w = fx.world("cascade unacked");
    let e = w.event(t0);
    w.events[e].end(t0 + 6 * H).unwrap();
    let (h, _ack) = w.check_in_only(e, t0);
    let o = w.sc.ok(
        json!({"op": "selfReport", "cause": "test_positive", "since": s(t0), "now": s(t0 + H)}),
    );
    assert!(outputs(&o).is_empty());
    w.poll(t0 + 2 * H);
    let o = w.evaluate(t0 + 2 * H);
    assert_eq!(o.iter().map(|(h, _)| *h).collect::<Vec<_>>(), vec![h]);
    w.emit(&mut f, "push: nothing goes to an event whose check-in is unacknowledged; once poll's CheckIn copy is acknowledged, evaluate sends the Positive", &["Push", "Retransmission"], None);

    // --- §9.4 false alarm.
    let x = (t0, t0 + 6 * H);
    let y = (t0 + 2 * DAY, t0 + 2 * DAY + 3 * H);
    let exposed = |label: &str, status: Status, hops: u8| {
        let (mut w, es, hs) = scene(&fx, label, &[x, y]);
        let nym = w.other(es[0], t0);
        w.other_reports(es[0], &nym, 1, status, hops, t0, t0 + H);
        w.poll(y.0 + 4 * H);
        let o = w.evaluate(y.0 + 4 * H);
        assert_eq!(o.len(), 1, "High Risk pushed to the other event");
        (w, es, hs, nym)
    };
    for (comment, at, want) in [
        ("false alarm (a): still High Risk one second before since + HIGH_RISK_EXPIRY", t0 + HIGH_RISK_EXPIRY - 1, Status::HighRisk),
        ("false alarm (a): Unknown at since + HIGH_RISK_EXPIRY, pushed to the event that received the High Risk", t0 + HIGH_RISK_EXPIRY, Status::Unknown),
    ] {
        let (mut w, _, _, _) = exposed("cascade fa expiry", Status::Positive, 0);
        let o = w.evaluate(at);
        assert_eq!(w.status(), want);
        assert_eq!(o.len(), usize::from(want == Status::Unknown));
        w.emit(&mut f, comment, &["FalseAlarm", "Decay"], None);
    }
    let (mut w, es, _, nym) = exposed("cascade fa withdraw", Status::Positive, 0);
    let at = y.0 + 6 * H;
    w.other_reports(es[0], &nym, 2, Status::Negative, 0, at, at);
    w.poll(at);
    let o = w.evaluate(at);
    check(&w, Status::Unknown, 0);
    assert_eq!(o.len(), 1);
    w.emit(&mut f, "false alarm (b): the source at the exposing event tests negative; the device returns to Unknown and withdraws its High Risk", &["FalseAlarm"], None);
    for (comment, first, second, want) in [
        ("false alarm (b): the exposing event now gives hop 2 to a hop-1 device", (Status::Positive, 0), Some((Status::HighRisk, 1)), Status::Unknown),
        ("false alarm (b): a hop-2 device whose exposing event still gives hop 2 stays", (Status::HighRisk, 1), None, Status::HighRisk),
        ("false alarm (b): a hop-2 device whose exposing event now gives hop 1 stays (hop <= hops)", (Status::HighRisk, 1), Some((Status::Positive, 0)), Status::HighRisk),
    ] {
        let (mut w, es, _, nym) = exposed("cascade fa hops", first.0, first.1);
        let at = y.0 + 6 * H;
        if let Some((st, hops)) = second {
            if first.0 == Status::Positive {
                // The positive withdraws (tests negative); another attendee is High Risk at hop 1.
                w.other_reports(es[0], &nym, 2, Status::Negative, 0, at, at);
            }
            someone(&mut w, es[0], t0, st, hops, t0, at);
        }
        w.poll(at);
        w.evaluate(at);
        assert_eq!(w.status(), want, "{comment}");
        w.emit(&mut f, comment, &["FalseAlarm"], None);
    }

    // --- decay (tick) and what it pushes.
    for (comment, cause, decay, late) in [
        ("Suspected decays exactly 14 days after it was entered, not a second earlier; the Unknown goes to the event that holds the Suspected", "report", SUSPECTED_DECAY, 0),
        ("Negative decays exactly 14 days after it was entered, not a second earlier", "test_negative", NEGATIVE_DECAY, 0),
    ] {
        let (mut w, _, _) = scene(&fx, "cascade decay", &one);
        let at = t0 + 2 * H;
        let o = w.self_report(cause, at, at);
        let pushed_first = o.len();
        let o = w.evaluate(at + decay - 1);
        assert!(o.is_empty());
        assert_ne!(w.status(), Status::Unknown);
        let o = w.evaluate(at + decay + late);
        assert_eq!(w.status(), Status::Unknown);
        assert_eq!(o.len(), pushed_first, "{comment}");
        w.emit(&mut f, comment, &["Decay"], None);
    }
    let _ = EventError::TableFull;
    f.finish()
}
