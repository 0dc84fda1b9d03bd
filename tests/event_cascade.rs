//! The seed's cascade figure (`spec/events.md §9`) and a generated population whose device-side
//! outcome must equal a centrally computed reference (`spec/events.md §9.6`).
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_range_loop
)]

use std::collections::HashMap;

use contact_tracing::event::identity::fingerprint;
use contact_tracing::event::{
    Cause, Device, Event, EventHandle, SecretSeed, Status, GRACE, HIGH_RISK_EXPIRY, MAX_HOPS,
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
