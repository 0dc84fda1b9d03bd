//! Replays the cascade figure of the Corona Network whitepaper (seed 002, `spec/events.md §9`):
//! Alice reports Positive on April 20, infecting since April 6; the Barbecue (April 12) makes Bob
//! and Eve High Risk; Eve's Theater (April 15) makes Frank High Risk; the Team Building (April 5)
//! and the Swing Festival (March 20-23) are not affected.
//!
//! `cargo run --example event_cascade`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashMap;

use contact_tracing::error::ErrorCode;
use contact_tracing::event::{Cause, Device, Event, EventHandle, SecretSeed, Status};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const DAY: u64 = 86_400;
const APR_1: u64 = 1_585_699_200; // 2020-04-01 00:00 UTC

fn date(t: u64) -> String {
    // Good enough for March/April 2020.
    let d = t as i64 - APR_1 as i64;
    let (month, day) = if d < 0 {
        ("Mar", 32 + d.div_euclid(DAY as i64))
    } else {
        ("Apr", 1 + d / DAY as i64)
    };
    format!("{month} {day:02} {:02}:00", (t % DAY) / 3600)
}

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let names = ["Alice", "Bob", "Carol", "Dave", "Eve", "Frank"];
    let mut devices: Vec<Device> = names
        .iter()
        .map(|n| Device::new(&SecretSeed::random(&mut rng), n, 0).unwrap())
        .collect();
    let (alice, bob, carol, dave, eve, frank) = (0, 1, 2, 3, 4, 5);
    let plan: [(&str, u64, u64, &[usize]); 4] = [
        (
            "Swing Festival",
            APR_1 - 12 * DAY + 10 * 3600,
            APR_1 - 9 * DAY + 22 * 3600,
            &[alice, carol],
        ),
        (
            "Team Building",
            APR_1 + 4 * DAY + 9 * 3600,
            APR_1 + 4 * DAY + 17 * 3600,
            &[alice, dave],
        ),
        (
            "Barbecue",
            APR_1 + 11 * DAY + 16 * 3600,
            APR_1 + 11 * DAY + 22 * 3600,
            &[alice, bob, eve],
        ),
        (
            "Theater",
            APR_1 + 14 * DAY + 19 * 3600,
            APR_1 + 14 * DAY + 22 * 3600,
            &[eve, frank],
        ),
    ];
    let mut events = Vec::new();
    let mut by_id = HashMap::new();
    for (name, start, end, who) in plan {
        let mut ev = Event::new(
            &SecretSeed::random(&mut rng),
            &SecretSeed::random(&mut rng),
            start,
        );
        for &u in who {
            let qr = ev
                .issue_credential(SecretSeed::random(&mut rng), start)
                .unwrap();
            let (h, checkin) = devices[u]
                .check_in(&qr, &SecretSeed::random(&mut rng), start)
                .unwrap();
            let ack = ev.check_in(&checkin, start).unwrap();
            devices[u].on_check_in_ack(h, &ack).unwrap();
            println!(
                "{} checks in to the {name} ({} .. {})",
                names[u],
                date(start),
                date(end)
            );
        }
        ev.end(end).unwrap();
        by_id.insert(ev.id(), events.len());
        events.push((name, ev));
    }

    let now = APR_1 + 19 * DAY + 12 * 3600;
    let send = |devices: &mut Vec<Device>,
                events: &mut Vec<(&str, Event)>,
                u: usize,
                out: Vec<(EventHandle, Vec<u8>)>| {
        for (h, bytes) in out {
            let (name, ev) = &mut events[by_id[&devices[u].event_id(h).unwrap()]];
            match ev.report(&bytes, now) {
                Ok(acc) => {
                    if let Some(r) = &acc.reveal {
                        println!(
                            "  {} -> {name}: {} (hops {}, since {}); organiser sees identity {}..",
                            names[u],
                            r.status.name(),
                            r.hops,
                            date(r.since),
                            &hex::encode(r.identity)[..12]
                        );
                    }
                    devices[u].on_report_ack(h, &acc.ack).unwrap();
                }
                Err(e) => println!("  {} -> {name}: refused {}", names[u], e.code()),
            }
        }
    };

    // Every device polls its events once (learning their ends) before Alice's report. On this
    // perfect network nothing is pending, so a poll yields only StatsRequests.
    for u in 0..devices.len() {
        for (h, req) in devices[u].poll(now) {
            let (_, ev) = &events[by_id[&devices[u].event_id(h).unwrap()]];
            if let Ok(stats) = ev.stats(&req, now) {
                devices[u].on_stats(h, &stats, now).unwrap();
            }
        }
    }
    println!(
        "\n{}: Alice reports Positive, infecting since {}",
        date(now),
        date(APR_1 + 5 * DAY)
    );
    let out = devices[alice]
        .self_report(Cause::TestPositive, APR_1 + 5 * DAY, now)
        .unwrap();
    send(&mut devices, &mut events, alice, out);
    for round in 1.. {
        for u in 0..devices.len() {
            for (h, req) in devices[u].poll(now) {
                let (_, ev) = &events[by_id[&devices[u].event_id(h).unwrap()]];
                if let Ok(stats) = ev.stats(&req, now) {
                    devices[u].on_stats(h, &stats, now).unwrap();
                }
            }
        }
        println!("poll round {round}");
        let mut sent = 0;
        for u in 0..devices.len() {
            let before = devices[u].status().status;
            let out = devices[u].evaluate(now);
            let s = devices[u].status();
            if s.status != before {
                let via = devices[u]
                    .exposing_event()
                    .map(|h| events[by_id[&devices[u].event_id(h).unwrap()]].0);
                println!(
                    "  {} becomes {} (hops {}, since {}) via {}",
                    names[u],
                    s.status.name(),
                    s.hops,
                    date(s.since),
                    via.unwrap_or("-")
                );
            }
            sent += out.len();
            send(&mut devices, &mut events, u, out);
        }
        if sent == 0 {
            break;
        }
    }
    println!("\nfinal statuses:");
    for (u, d) in devices.iter().enumerate() {
        println!("  {:<6} {}", names[u], d.status().status.name());
    }
    for (name, ev) in &events {
        let c = ev.counts();
        println!(
            "  {name:<15} attendees {} positive {} high risk by hop {:?}",
            c.attendees, c.positive, c.high_risk
        );
    }
    assert_eq!(devices[bob].status().status, Status::HighRisk);
    assert_eq!(devices[eve].status().status, Status::HighRisk);
    assert_eq!(devices[frank].status().status, Status::HighRisk);
    assert_eq!(devices[carol].status().status, Status::Unknown);
    assert_eq!(devices[dave].status().status, Status::Unknown);
}
