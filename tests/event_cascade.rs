//! The seed's cascade figure (`spec/events.md §9`), a generated population whose device-side
//! outcome must equal a centrally computed reference (`spec/events.md §9.6`), and the same
//! cascade over the shared hostile network (`tests/hostile_net`) at loss rates 0, 1, 5 and 20 %.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_range_loop
)]

#[path = "hostile_net/mod.rs"]
mod hostile_net;

use std::collections::{BTreeMap, HashMap, HashSet};

use contact_tracing::event::identity::fingerprint;
use contact_tracing::event::{
    Cause, Device, Event, EventHandle, SecretSeed, Status, DAY, GRACE, HIGH_RISK_EXPIRY, MAX_HOPS,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

struct World {
    rng: ChaCha20Rng,
    events: Vec<Event>,
    index: HashMap<[u8; 32], usize>,
    devices: Vec<Device>,
    refused: Vec<(usize, usize, &'static str)>,
}

impl World {
    fn new(seed: u64) -> Self {
        World {
            rng: ChaCha20Rng::seed_from_u64(seed),
            events: Vec::new(),
            index: HashMap::new(),
            devices: Vec::new(),
            refused: Vec::new(),
        }
    }

    fn seed(&mut self) -> SecretSeed {
        SecretSeed::random(&mut self.rng)
    }

    fn user(&mut self, name: &str) -> usize {
        let s = self.seed();
        self.devices.push(Device::new(&s, name, 0).unwrap());
        self.devices.len() - 1
    }

    /// An event from `start` to `end`, attended by `who` (checked in at `start`).
    fn event(&mut self, start: u64, end: u64, who: &[usize]) -> usize {
        let (a, b) = (self.seed(), self.seed());
        let mut ev = Event::new(&a, &b, start);
        for &u in who {
            let cred = self.seed();
            let qr = ev.issue_credential(cred, start).unwrap();
            let nym = self.seed();
            let (h, msg) = self.devices[u].check_in(&qr, &nym, start).unwrap();
            let ack = ev.check_in(&msg, start).unwrap();
            self.devices[u].on_check_in_ack(h, &ack).unwrap();
        }
        ev.end(end).unwrap();
        self.index.insert(ev.id(), self.events.len());
        self.events.push(ev);
        self.events.len() - 1
    }

    fn deliver(&mut self, u: usize, out: Vec<(EventHandle, Vec<u8>)>, now: u64) {
        for (h, bytes) in out {
            let e = self.index[&self.devices[u].event_id(h).unwrap()];
            match self.events[e].report(&bytes, now) {
                Ok(acc) => self.devices[u].on_report_ack(h, &acc.ack).unwrap(),
                Err(err) => {
                    self.refused
                        .push((u, e, contact_tracing::error::ErrorCode::code(&err)))
                }
            }
        }
    }

    /// Synchronous rounds: every device polls, then every device evaluates; until quiet.
    fn run(&mut self, now: u64) -> usize {
        let mut rounds = 0;
        loop {
            rounds += 1;
            for u in 0..self.devices.len() {
                for (h, req) in self.devices[u].poll(now) {
                    let e = self.index[&self.devices[u].event_id(h).unwrap()];
                    if let Ok(stats) = self.events[e].stats(&req, now) {
                        self.devices[u].on_stats(h, &stats, now).unwrap();
                    }
                }
            }
            let mut sent = 0;
            for u in 0..self.devices.len() {
                let out = self.devices[u].evaluate(now);
                sent += out.len();
                self.deliver(u, out, now);
            }
            if sent == 0 {
                return rounds;
            }
            assert!(rounds < 10, "cascade does not terminate");
        }
    }
}

const MAR_20_10H: u64 = 1_584_698_400;
const MAR_23_22H: u64 = 1_585_000_800;
const APR_05_09H: u64 = 1_586_077_200;
const APR_05_17H: u64 = 1_586_106_000;
const APR_06: u64 = 1_586_131_200;
const APR_12_16H: u64 = 1_586_707_200;
const APR_12_22H: u64 = 1_586_728_800;
const APR_15_19H: u64 = 1_586_977_200;
const APR_15_22H: u64 = 1_586_988_000;
const APR_20_12H: u64 = 1_587_384_000;

#[test]
fn seed_cascade_figure() {
    let mut w = World::new(2);
    let [alice, bob, carol, dave, eve, frank] =
        ["Alice", "Bob", "Carol", "Dave", "Eve", "Frank"].map(|n| w.user(n));
    let swing = w.event(MAR_20_10H, MAR_23_22H, &[alice, carol]);
    let team = w.event(APR_05_09H, APR_05_17H, &[alice, dave]);
    let bbq = w.event(APR_12_16H, APR_12_22H, &[alice, bob, eve]);
    let theater = w.event(APR_15_19H, APR_15_22H, &[eve, frank]);

    // April 20: everyone has polled once (devices learn every event's end).
    assert_eq!(w.run(APR_20_12H), 1);
    // Alice reports Positive, infecting since April 6.
    let out = w.devices[alice]
        .self_report(Cause::TestPositive, APR_06, APR_20_12H)
        .unwrap();
    let targets: Vec<usize> = out
        .iter()
        .map(|(h, _)| w.index[&w.devices[alice].event_id(*h).unwrap()])
        .collect();
    assert_eq!(
        targets,
        vec![bbq],
        "only the Barbecue is relevant and in its grace period"
    );
    w.deliver(alice, out, APR_20_12H);
    w.run(APR_20_12H);

    let st = |w: &World, u: usize| w.devices[u].status();
    assert_eq!(st(&w, alice).status, Status::Positive);
    for u in [bob, eve] {
        assert_eq!(st(&w, u).status, Status::HighRisk);
        assert_eq!(st(&w, u).hops, 1);
        assert_eq!(st(&w, u).since, APR_12_16H, "onset is the Barbecue's date");
    }
    assert_eq!(st(&w, frank).status, Status::HighRisk);
    assert_eq!(st(&w, frank).hops, 2);
    assert_eq!(st(&w, frank).since, APR_15_19H);
    assert_eq!(st(&w, carol).status, Status::Unknown);
    assert_eq!(st(&w, dave).status, Status::Unknown);

    let c = w.events[bbq].counts();
    assert_eq!(
        (c.attendees, c.positive, c.high_risk),
        (3, 1, [0, 0, 0]),
        "no push back to the exposing event"
    );
    let c = w.events[theater].counts();
    assert_eq!(
        (c.positive, c.high_risk),
        (0, [1, 0, 0]),
        "Eve pushed hop 1; Frank does not push back"
    );
    for e in [swing, team] {
        let c = w.events[e].counts();
        assert_eq!((c.positive, c.suspected, c.high_risk), (0, 0, [0, 0, 0]));
    }
    assert!(w.refused.is_empty(), "{:?}", w.refused);

    // The event refuses a report that is not relevant (Team Building ended before April 6) ...
    let mut w2 = World::new(3);
    let a = w2.user("Alice");
    let team = w2.event(APR_05_09H, APR_05_17H, &[a]);
    w2.devices[a]
        .self_report(Cause::TestPositive, APR_06, APR_12_16H)
        .unwrap();
    assert!(w2.events[team].counts().positive == 0);
    // ... and Frank's High Risk expires 14 days after its onset (false alarm).
    let out = w.devices[frank].evaluate(APR_15_19H + HIGH_RISK_EXPIRY);
    assert_eq!(w.devices[frank].status().status, Status::Unknown);
    assert_eq!(
        out.len(),
        0,
        "the theater's grace period is over: nothing to withdraw"
    );
}

/// Central reference (`spec/events.md §9.6`): BFS by hops over the attendance graph.
fn reference(
    starts: &[u64],
    ends: &[u64],
    fps: &[[u8; 32]],
    attends: &[Vec<usize>],
    sources: &HashMap<usize, u64>,
    now: u64,
) -> Vec<Option<(u8, u64)>> {
    let n = attends.len();
    let mut state: Vec<Option<(u8, u64, Option<usize>)>> = vec![None; n];
    for (&u, &since) in sources {
        state[u] = Some((0, since, None));
    }
    for h in 1..=MAX_HOPS {
        let mut marked = vec![false; starts.len()];
        for u in 0..n {
            if let Some((hop, since, exposing)) = state[u] {
                if hop + 1 != h {
                    continue;
                }
                for &e in &attends[u] {
                    if Some(e) != exposing && ends[e] >= since && now < ends[e] + GRACE {
                        marked[e] = true;
                    }
                }
            }
        }
        let mut new = Vec::new();
        for u in 0..n {
            if state[u].is_some() {
                continue;
            }
            let best = attends[u]
                .iter()
                .filter(|&&e| {
                    marked[e] && now < ends[e] + GRACE && now < starts[e] + HIGH_RISK_EXPIRY
                })
                .map(|&e| (starts[e], fps[e], e))
                .min();
            if let Some((start, _, e)) = best {
                new.push((u, (h, start, Some(e))));
            }
        }
        for (u, s) in new {
            state[u] = Some(s);
        }
    }
    state
        .into_iter()
        .enumerate()
        .map(|(u, s)| {
            s.filter(|_| !sources.contains_key(&u))
                .map(|(h, since, _)| (h, since))
        })
        .collect()
}

#[test]
fn population_matches_central_reference() {
    const USERS: usize = 200;
    const EVENTS: usize = 30;
    let now = APR_20_12H;
    let mut w = World::new(0x002);
    for i in 0..USERS {
        w.user(&format!("user{i}"));
    }
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    let mut attends = vec![Vec::new(); USERS];
    for e in 0..EVENTS {
        let start = now - 18 * 86_400 + (w.rng.next_u64() % (17 * 86_400));
        let len = if e % 7 == 0 {
            86_400 + w.rng.next_u64() % (2 * 86_400)
        } else {
            3_600 + w.rng.next_u64() % 20_000
        };
        let size = 3 + (w.rng.next_u32() % 12) as usize;
        let mut who: Vec<usize> = (0..size)
            .map(|_| (w.rng.next_u32() as usize) % USERS)
            .collect();
        who.sort_unstable();
        who.dedup();
        let ev = w.event(start, start + len, &who);
        for &u in &who {
            attends[u].push(ev);
        }
        starts.push(start);
        ends.push(start + len);
    }
    let fps: Vec<[u8; 32]> = w.events.iter().map(|e| fingerprint(&e.id())).collect();
    w.run(now);
    let mut sources = HashMap::new();
    for k in 0..6 {
        let u = (w.rng.next_u32() as usize) % USERS;
        let since = now - (2 + u64::from(w.rng.next_u32() % 20)) * 86_400;
        let cause = if k % 2 == 0 {
            Cause::TestPositive
        } else {
            Cause::Report
        };
        if sources.insert(u, since).is_none() {
            let out = w.devices[u].self_report(cause, since, now).unwrap();
            w.deliver(u, out, now);
        }
    }
    let rounds = w.run(now);
    let want = reference(&starts, &ends, &fps, &attends, &sources, now);
    let mut per_hop = [0usize; 4];
    for u in 0..USERS {
        let s = w.devices[u].status();
        let got = (s.status == Status::HighRisk).then_some((s.hops, s.since));
        assert_eq!(got, want[u], "user {u}");
        if let Some((h, _)) = got {
            per_hop[usize::from(h)] += 1;
        }
    }
    assert!(
        per_hop[1..].iter().all(|&n| n > 0),
        "population too sparse: {per_hop:?}"
    );
    assert!(rounds <= usize::from(MAX_HOPS) + 2, "rounds {rounds}");
    // Refusals are only the expected ones: events past their grace period.
    for (_, _, code) in &w.refused {
        assert!(
            ["EVENT_ARCHIVED", "EVENT_DELETED", "EVENT_NOT_RELEVANT"].contains(code),
            "{code}"
        );
    }
    println!(
        "high risk by hop: {per_hop:?}, rounds {rounds}, refused {}",
        w.refused.len()
    );
}

/// The hop limit (`spec/events.md §9.5` (3)): a chain of events in time order carries the status
/// exactly `MAX_HOPS` hops from the source, and no further.
#[test]
fn chain_stops_at_hop_limit() {
    let mut w = World::new(9);
    let users: Vec<usize> = (0..6).map(|i| w.user(&format!("u{i}"))).collect();
    // Event k (day k) is attended by users k and k+1.
    for k in 0..5 {
        let start = APR_06 + k as u64 * 86_400 + 10 * 3600;
        w.event(start, start + 3600, &[users[k], users[k + 1]]);
    }
    let now = APR_06 + 6 * 86_400;
    w.run(now);
    let out = w.devices[users[0]]
        .self_report(Cause::TestPositive, APR_06, now)
        .unwrap();
    w.deliver(users[0], out, now);
    w.run(now);
    let got: Vec<(Status, u8)> = users
        .iter()
        .map(|&u| (w.devices[u].status().status, w.devices[u].status().hops))
        .collect();
    assert_eq!(
        got,
        vec![
            (Status::Positive, 0),
            (Status::HighRisk, 1),
            (Status::HighRisk, 2),
            (Status::HighRisk, 3),
            (Status::Unknown, 0),
            (Status::Unknown, 0),
        ]
    );
    // The hop-3 user did report to the next event, but nobody infers from hop 3.
    assert_eq!(w.events[3].counts().high_risk, [0, 0, 1]);
    assert!(w.refused.is_empty(), "{:?}", w.refused);
}

// ---------------------------------------------------------------------------------------------
// The cascade over a hostile network (issue 11, TEAM.md contract 5).

/// Where a packet goes: an event, or a device about one of its events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum To {
    Event(usize),
    Device(usize, EventHandle),
}

/// What one run measured.
#[derive(Debug, Default)]
struct Figures {
    sent_by_devices: u64,
    bytes_by_devices: u64,
    bytes_to_devices: u64,
    retransmitted: u64,
    refused: BTreeMap<&'static str, u64>,
    notified: usize,
    reference: usize,
    direct_contacts: usize,
    lost_reports: u64,
    failed_check_ins: usize,
    net: hostile_net::NetStats,
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// The population of `population_matches_central_reference`, but every message travels over a
/// network with every fault at `rate`; devices poll hourly and evaluate after every delivery.
fn hostile_cascade(rate: f64) -> Figures {
    use hostile_net::{Copy as Kind, Faults, Network};
    const USERS: usize = 60;
    const EVENTS: usize = 14;
    const H: u64 = 3600;
    let t0 = APR_20_12H;
    let mut rng = ChaCha20Rng::seed_from_u64(0x1105);
    let mut devices: Vec<Device> = (0..USERS)
        .map(|i| Device::new(&SecretSeed::random(&mut rng), &format!("u{i}"), 0).unwrap())
        .collect();
    let mut events = Vec::new();
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    let mut attends = vec![Vec::new(); USERS];
    let mut plan = Vec::new();
    for e in 0..EVENTS {
        // Starts between 12 and 1 days before t0: every event is in its grace period, and no
        // exposure expires, during the two simulated days after t0.
        let start = t0 - 12 * DAY + (rng.next_u64() % (11 * DAY));
        let len = H + rng.next_u64() % (5 * H);
        let mut ev = Event::new(
            &SecretSeed::random(&mut rng),
            &SecretSeed::random(&mut rng),
            start,
        );
        ev.end(start + len).unwrap();
        let size = 4 + (rng.next_u32() % 8) as usize;
        let mut who: Vec<usize> = (0..size)
            .map(|_| (rng.next_u32() as usize) % USERS)
            .collect();
        who.sort_unstable();
        who.dedup();
        for &u in &who {
            let qr = ev
                .issue_credential(SecretSeed::random(&mut rng), start)
                .unwrap();
            plan.push((start, u, e, qr, SecretSeed::random(&mut rng)));
            attends[u].push(e);
        }
        starts.push(start);
        ends.push(start + len);
        events.push(ev);
    }
    plan.sort_by_key(|p| p.0);
    let fps: Vec<[u8; 32]> = events.iter().map(|e| fingerprint(&e.id())).collect();
    let mut handle_event: Vec<HashMap<EventHandle, usize>> = vec![HashMap::new(); USERS];
    // (event, pseudonym) -> (device, handle): where an event's answers go.
    let mut route: HashMap<(usize, [u8; 32]), (usize, EventHandle)> = HashMap::new();
    let mut net: Network<To, Vec<u8>> = Network::new(0x1105, Faults::uniform(rate, 600));
    let mut fig = Figures::default();
    // Every packet (by destination and bytes) changes the state it reaches at most once.
    let mut effects: HashSet<(usize, [u8; 32])> = HashSet::new();
    let send = |net: &mut Network<To, Vec<u8>>, fig: &mut Figures, now: u64, to: To, m: Vec<u8>| {
        if matches!(to, To::Event(_)) {
            fig.sent_by_devices += 1;
            fig.bytes_by_devices += m.len() as u64;
        } else {
            fig.bytes_to_devices += m.len() as u64;
        }
        net.send(now, to, m);
    };
    // Sources report at t0.
    let mut sources = HashMap::new();
    let mut source_plan = Vec::new();
    for k in 0..3 {
        let u = (rng.next_u32() as usize) % USERS;
        let since = t0 - (2 + u64::from(rng.next_u32() % 8)) * DAY;
        let cause = if k % 2 == 0 {
            Cause::TestPositive
        } else {
            Cause::Report
        };
        if sources.insert(u, since).is_none() {
            source_plan.push((u, cause, since));
        }
    }
    let begin = plan.first().unwrap().0 / 60 * 60;
    let stop = t0 + 2 * DAY;
    let mut next_plan = 0;
    let mut now = begin;
    let mut reported = false;
    while now <= stop {
        // Check-ins due now.
        while next_plan < plan.len() && plan[next_plan].0 <= now {
            let (_, u, e, qr, nym) = &plan[next_plan];
            let (h, m) = devices[*u].check_in(qr, nym, now).unwrap();
            handle_event[*u].insert(h, *e);
            route.insert((*e, devices[*u].pseudonym(h).unwrap()), (*u, h));
            send(&mut net, &mut fig, now, To::Event(*e), m);
            next_plan += 1;
        }
        if !reported && now >= t0 {
            reported = true;
            for &(u, cause, since) in &source_plan {
                let out = devices[u].self_report(cause, since, now).unwrap();
                for (h, m) in out {
                    send(&mut net, &mut fig, now, To::Event(handle_event[u][&h]), m);
                }
            }
        }
        // Deliveries.
        let mut touched = HashSet::new();
        for env in net.deliver_due(now) {
            let key = (
                match env.to {
                    To::Event(e) => e,
                    To::Device(u, h) => 1_000 + u * 1_000 + h.0 as usize,
                },
                digest(&env.packet),
            );
            let copy = env.copy != Kind::Original;
            match env.to {
                To::Event(e) => {
                    let before = (events[e].participant_count(), events[e].counts());
                    let (result, origin) = match env.packet.first() {
                        Some(0x20) => (events[e].check_in(&env.packet, now).map(Some), 0x21),
                        Some(0x22) => (events[e].stats(&env.packet, now).map(Some), 0x23),
                        Some(0x24) => (
                            events[e].report(&env.packet, now).map(|acc| {
                                if acc.reveal.is_some() {
                                    assert!(effects.insert(key), "a report revealed twice");
                                }
                                Some(acc.ack)
                            }),
                            0x25,
                        ),
                        _ => (Ok(None), 0),
                    };
                    let after = (events[e].participant_count(), events[e].counts());
                    if before != after {
                        assert!(
                            env.packet.first() != Some(&0x24) || effects.contains(&key),
                            "a report changed the counts without a reveal"
                        );
                        if env.packet.first() == Some(&0x20) {
                            assert!(effects.insert(key), "a check-in admitted twice");
                        }
                    }
                    match result {
                        Ok(Some(answer)) => {
                            let _ = origin;
                            // The answer goes back to the device that attends this event with the
                            // pseudonym in the message (after the credential in a CheckIn, first
                            // in a StatsRequest or Report).
                            let at = if env.packet[0] == 0x20 { 33 } else { 1 };
                            let pseudonym: [u8; 32] = env.packet[at..at + 32].try_into().unwrap();
                            let (u, h) = route[&(e, pseudonym)];
                            send(&mut net, &mut fig, now, To::Device(u, h), answer);
                        }
                        Ok(None) => {}
                        Err(err) => {
                            let code = contact_tracing::error::ErrorCode::code(&err);
                            // An original is refused only when it is stale (delayed), not relevant
                            // (§9.3 lets a device send what the event then judges), or a CheckIn
                            // whose every copy arrived after the end (§8.2: the device knows).
                            assert!(
                                copy || [
                                    "EVENT_REQUEST_STALE",
                                    "EVENT_NOT_RELEVANT",
                                    "EVENT_CLOSED"
                                ]
                                .contains(&code),
                                "an original refused with {code}"
                            );
                            *fig.refused.entry(code).or_default() += 1;
                        }
                    }
                }
                To::Device(u, h) => {
                    let pending_before = devices[u].is_pending(h);
                    let r = match env.packet.first() {
                        Some(0x21) => devices[u].on_check_in_ack(h, &env.packet),
                        Some(0x23) => devices[u].on_stats(h, &env.packet, now),
                        Some(0x25) => devices[u].on_report_ack(h, &env.packet),
                        _ => Ok(()),
                    };
                    if pending_before && !devices[u].is_pending(h) {
                        assert!(effects.insert(key), "an ack acknowledged twice");
                    }
                    if let Err(err) = r {
                        *fig.refused
                            .entry(contact_tracing::error::ErrorCode::code(&err))
                            .or_default() += 1;
                    }
                    touched.insert(u);
                }
            }
        }
        // Hourly polls (each device at its own minute), then evaluation.
        for u in 0..USERS {
            let polls = now % H == (u as u64 * 60) % H;
            if polls {
                for (h, m) in devices[u].poll(now) {
                    if matches!(m.first(), Some(0x20 | 0x24)) {
                        fig.retransmitted += 1;
                    }
                    send(&mut net, &mut fig, now, To::Event(handle_event[u][&h]), m);
                }
            }
            if polls || touched.contains(&u) {
                for (h, m) in devices[u].evaluate(now) {
                    send(&mut net, &mut fig, now, To::Event(handle_event[u][&h]), m);
                }
            }
            assert!(devices[u].event_count() <= devices[u].max_events());
        }
        for ev in &events {
            assert!(ev.participant_count() <= ev.credentials());
            assert!(ev.credentials() <= ev.max_credentials());
        }
        now += 60;
    }
    // Attendance as the protocol achieved it: a check-in that never reached its event before the
    // end is still pending on the device (it knows), and the device is not an attendee.
    let mut failed_check_ins = 0;
    let mut attended = vec![Vec::new(); USERS];
    for u in 0..USERS {
        for (h, e) in &handle_event[u] {
            if devices[u].is_pending(*h) {
                failed_check_ins += 1;
            } else {
                attended[u].push(*e);
            }
        }
    }
    // Outcome against the central reference at t0 (no boundary falls in the simulated days).
    let want = reference(&starts, &ends, &fps, &attended, &sources, t0);
    let mut direct = 0;
    for u in 0..USERS {
        let s = devices[u].status();
        let got = (s.status == Status::HighRisk).then_some((s.hops, s.since));
        if rate == 0.0 {
            assert_eq!(got, want[u], "user {u} on a perfect network");
        }
        if let Some((hops, _)) = want[u] {
            fig.reference += 1;
            if hops == 1 {
                direct += 1;
                assert_eq!(
                    s.status,
                    Status::HighRisk,
                    "direct contact {u} not notified at {rate}"
                );
            }
        }
        if got.is_some() {
            fig.notified += 1;
            assert!(
                want[u].is_some(),
                "user {u} notified although the reference is not"
            );
        }
        fig.lost_reports += devices[u].lost();
    }
    fig.failed_check_ins = failed_check_ins;
    fig.direct_contacts = direct;
    fig.net = net.stats();
    fig
}

#[test]
fn cascade_over_a_hostile_network() {
    println!("| faults | sent | dropped | duplicated | replayed | delivered | retransmitted | check-ins that never arrived | notified / reference (direct) | lost | bytes per device per day (up / down) | refused |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for rate in [0.0, 0.01, 0.05, 0.2] {
        let f = hostile_cascade(rate);
        let days = 14.0;
        println!(
            "| {:.0} % | {} | {} | {} | {} | {} | {} | {} | {} / {} ({}) | {} | {:.0} / {:.0} | {:?} |",
            rate * 100.0,
            f.net.sent,
            f.net.dropped,
            f.net.duplicated,
            f.net.replayed,
            f.net.delivered,
            f.retransmitted,
            f.failed_check_ins,
            f.notified,
            f.reference,
            f.direct_contacts,
            f.lost_reports,
            f.bytes_by_devices as f64 / 60.0 / days,
            f.bytes_to_devices as f64 / 60.0 / days,
            f.refused
        );
        assert_eq!(
            f.lost_reports, 0,
            "nothing given up while every event is in its grace period"
        );
        assert!(f.direct_contacts > 0 && f.notified > f.direct_contacts);
        if rate == 0.0 {
            assert_eq!(f.notified, f.reference);
            assert_eq!(f.failed_check_ins, 0);
        }
    }
}
