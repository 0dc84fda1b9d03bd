//! Simulation of the nym protocol (spec/nym.md): an authority, five mixes, a mailbox server, a
//! nymserver and (default) 50 clients meet over simulated days. A tests positive; exactly A's
//! contacts are notified; one of them extends the chain and exactly its contacts are notified;
//! everybody else only receives dummies. All client↔server traffic is 380-byte mix packets.
//! Prints bytes sent and received per client per day beside the seed's figures.
//!
//! ```text
//! cargo run --release --example nym_simulation -- [clients=50] [days=2] [slots_per_day=288]
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../tests/nym_world/mod.rs"]
mod nym_world;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use contact_tracing::mix::SECONDS_PER_DAY;
use contact_tracing::nym::ClientEvent;
use nym_world::*;
use rand_core::RngCore;

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let clients = arg(1, 50) as usize;
    let days = arg(2, 2).max(2);
    let slots = arg(3, 288).clamp(4, 288);
    assert!(clients >= 8, "need at least 8 clients");
    let started = Instant::now();
    let mut w = World::new(clients, 1);
    let slot_len = SECONDS_PER_DAY / slots;
    let mut per_day: Vec<BTreeMap<Cat, f64>> = Vec::new();
    println!(
        "nym simulation: {clients} clients, 5 mixes + mailbox + nymserver, {days} days, \
         {slots} contact addresses per client per day, 4 hops (380-byte packets)"
    );
    for day in 0..days {
        for c in 0..clients {
            w.bytes[c].clear();
        }
        for s in 0..slots {
            w.now = START + day * SECONDS_PER_DAY + s * slot_len;
            if s == 0 {
                w.publish();
            }
            w.tick_all();
            for c in 0..clients {
                w.supply(c);
            }
            // Scripted contacts: A = 0 meets 1, 2, 3; B = 1 meets 4, 5 and 3.
            if day == 0 && s == slots / 2 {
                for (a, b) in [(0, 1), (0, 2), (1, 4)] {
                    w.meet(a, b, 2);
                }
            }
            if day == 1 && s == slots / 3 {
                for (a, b) in [(0, 3), (1, 5), (1, 3)] {
                    w.meet(a, b, 4);
                }
            }
            // Random meetings among clients 6.. (about two per slot).
            for _ in 0..2 {
                let a = 6 + (w.rng.next_u32() as usize) % (clients - 6);
                let b = 6 + (w.rng.next_u32() as usize) % (clients - 6);
                if a != b {
                    w.meet(a, b, 1);
                }
            }
        }
        // Clients poll once a day (as the seed's figure assumes).
        w.now = START + day * SECONDS_PER_DAY + slots * slot_len - 1;
        w.poll_all();
        if day == 1 {
            run_chain(&mut w, clients);
        }
        let mut avg = BTreeMap::new();
        for c in 0..clients {
            for (k, v) in &w.bytes[c] {
                *avg.entry(*k).or_insert(0.0) += *v as f64 / clients as f64;
            }
        }
        per_day.push(avg);
        eprintln!(
            "  day {day} simulated ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
    let chain: BTreeSet<usize> = (0..clients)
        .filter(|c| !w.notifications(*c).is_empty())
        .collect();
    let dummies: usize = w
        .events
        .iter()
        .flatten()
        .filter(|e| matches!(e, ClientEvent::Dummy))
        .count();
    println!(
        "\nnotified clients: {chain:?}; dummies opened by clients: {dummies}; \
         packets through the network: {}; drops: {:?}",
        w.packets, w.drops
    );

    println!("\nBytes per client per day (average over {clients} clients):\n");
    println!("| day | supply (Swaps) | update scheme (Swap + dummy) | re-arm | uploads | polling sent | polling received | total sent | total received |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (d, m) in per_day.iter().enumerate() {
        let g = |c: Cat| m.get(&c).copied().unwrap_or(0.0);
        let sent =
            g(Cat::Supply) + g(Cat::Update) + g(Cat::Rearm) + g(Cat::Upload) + g(Cat::PollSent);
        println!(
            "| {d} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            g(Cat::Supply),
            g(Cat::Update),
            g(Cat::Rearm),
            g(Cat::Upload),
            g(Cat::PollSent),
            g(Cat::PollReceived),
            sent,
            g(Cat::PollReceived)
        );
    }
    let scale = 288.0 / slots as f64;
    let d1 = &per_day[1];
    let g = |c: Cat| d1.get(&c).copied().unwrap_or(0.0) * scale / 1000.0;
    println!("\nSeed figures vs ours (day 1, scaled to 288 addresses a day):\n");
    println!("| item | seed | ours |");
    println!("|---|---|---|");
    println!(
        "| daily supply of 288 contact addresses | about 110 kB | {:.1} kB |",
        g(Cat::Supply)
    );
    println!(
        "| polling 288 mailboxes, nothing received | under 10 kB | {:.1} kB sent + {:.1} kB received |",
        288.0 * 36.0 / 1000.0,
        288.0 / 1000.0
    );
    println!(
        "| devalidating one day's 288 addresses (update scheme) | about 330 kB | {:.1} kB sent + {:.1} kB polled |",
        g(Cat::Update),
        288.0 * (36.0 + 240.0) / 1000.0
    );
    println!(
        "| day 1 in total (supply + update + polls) | 120 kB / \"340kb\" / at most 10 MB | {:.1} kB sent, {:.1} kB received |",
        g(Cat::Supply) + g(Cat::Update) + g(Cat::Rearm) + g(Cat::Upload) + g(Cat::PollSent),
        g(Cat::PollReceived)
    );
    println!("| each received notification | +238/239 B | +239 B |");
    println!("(spec/nym.md §7.4 explains the differences; polling and updates grow with the number of live addresses.)");
    println!("\ntotal time {:.1} s", started.elapsed().as_secs_f64());
}

fn run_chain(w: &mut World, clients: usize) {
    w.report_infection(0, 1);
    let r0 = w.reports.last().unwrap().clone();
    println!(
        "\nA (client 0) tests positive: case {} held for approval, {} contact addresses matched",
        hex::encode(r0.case_id),
        r0.matched
    );
    w.approve_last();
    w.poll_all();
    let contacts_a = w.contacts_of(0);
    let notified: BTreeSet<usize> = (0..clients)
        .filter(|c| !w.notifications(*c).is_empty())
        .collect();
    println!("A's contacts: {contacts_a:?}; notified: {notified:?}");
    assert_eq!(notified, contacts_a, "exactly A's contacts are notified");
    let before: Vec<usize> = (0..clients).map(|c| w.notifications(c).len()).collect();
    let (kb, nb) = w.notifications(1)[0];
    let doc = w.doc.clone();
    let out = w.clients[1]
        .extend_chain(w.now, &kb, &nb, &doc, &mut w.rng)
        .unwrap();
    w.send(1, Cat::Upload, out);
    let r1 = w.reports.last().unwrap().clone();
    println!(
        "B (client 1) extends the chain: generation {}, {} new contact addresses, held = {}",
        r1.generation, r1.matched, r1.held
    );
    w.approve_last();
    w.poll_all();
    let gen1: BTreeSet<usize> = (0..clients)
        .filter(|c| w.notifications(*c).len() > before[*c])
        .collect();
    let heard0 = w.heard[0].clone();
    let expected: BTreeSet<usize> = w.heard[1].difference(&heard0).map(|k| w.owner[k]).collect();
    println!(
        "B's contacts not already in the case: {expected:?}; notified in generation 1: {gen1:?}"
    );
    assert_eq!(gen1, expected, "exactly B's new contacts are notified");
}
