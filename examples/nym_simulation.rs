//! Simulation of the nym protocol (spec/nym.md) over the shared hostile network
//! (`tests/hostile_net`): an authority, five mixes, a mailbox server, a nymserver and (default) 20
//! clients supply, confirm and broadcast contact addresses, meet, and replace their SURBs daily; A
//! tests positive, the authority approves, B extends the chain. The same run at loss rates 0, 1 %,
//! 5 % and 20 % (every fault of the network model at that rate: drop, duplicate, delay, reorder,
//! replay). Prints, per rate: notifications delivered and lost (each lost one reported to its
//! client), how long the slowest client took to learn of a message (spec/nym.md §7.7, NYM-READ-5:
//! the world runs past its two settle days while some client has not, up to that bound), Swaps
//! retried, fragments resent, contacts told, and bytes per client per day by kind, scaled to 288
//! addresses a day beside the seed's figures.
//!
//! ```text
//! cargo run --release --example nym_simulation -- [clients=20] [periods_per_day=48] [seed=1]
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../tests/nym_world/mod.rs"]
mod nym_world;

use std::time::Instant;

use contact_tracing::nym::OutgoingKind;
use nym_world::*;

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let clients = arg(1, 20) as usize;
    let periods = arg(2, 48).clamp(4, 288);
    let seed = arg(3, 1) as u8;
    assert!(clients >= 12, "need at least 12 clients");
    let scale = 288.0 / periods as f64;
    println!(
        "nym simulation: {clients} clients, 5 mixes + mailbox + nymserver, 4 hops (380-byte packets), \
         {periods} addresses per client per day, 2 meeting days + 2 settling days, supply 6 h ahead"
    );
    let mut rows = Vec::new();
    for rate in [0.0, 0.01, 0.05, 0.20] {
        let started = Instant::now();
        let faults = if rate == 0.0 {
            Faults::NONE
        } else {
            Faults::uniform(rate, 30)
        };
        let (_, f) = scenario(Scenario {
            clients,
            periods,
            days: 2,
            settle_days: 2,
            lead: 6 * 3600,
            faults,
            seed,
            meetings: clients / 4,
        });
        eprintln!(
            "  rate {:>4.0} %: {:.1} s",
            rate * 100.0,
            started.elapsed().as_secs_f64()
        );
        assert_eq!(
            f.messages,
            f.delivered + f.lost,
            "a notification was lost silently"
        );
        assert_eq!(
            f.contacts_told, f.contacts,
            "a contact of the index case was not told"
        );
        assert_eq!(
            f.chain_told, f.chain_contacts,
            "a contact of the chain was not told"
        );
        rows.push((rate, f));
    }

    println!("\nOutcomes (every fault at the given rate, per link):\n");
    println!("| loss rate | notifications delivered | lost (reported) | slowest to learn | run after meetings | contacts of A told | of B told | Swaps retried | fragments resent | uploads done / failed | addresses confirmed / supplied | silent answers | replays dropped | packets sent |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (rate, f) in &rows {
        println!(
            "| {:.0} % | {} | {} | {:.1} h | {:.2} days | {}/{} | {}/{} | {} | {} | {} / {} | {} / {} | {} | {} | {} |",
            rate * 100.0,
            f.delivered,
            f.lost,
            f.longest_learn as f64 / 3600.0,
            f.ran_after_meetings as f64 / 86_400.0,
            f.contacts_told,
            f.contacts,
            f.chain_told,
            f.chain_contacts,
            f.retried,
            f.resent,
            f.uploads_done,
            f.uploads_failed,
            f.confirmed,
            f.supplied,
            f.silent,
            f.replays_dropped,
            f.net.sent
        );
    }

    println!("\nBytes per client per day (meeting days), scaled to 288 addresses a day:\n");
    println!("| loss rate | create | confirm | update | re-arm | retry | uploads (fragments, resent, status) | polls sent | polls received | total sent | total received |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (rate, f) in &rows {
        let g = |c: Cat| f.per_day.get(&c).copied().unwrap_or(0.0) * scale;
        let sent = |k: OutgoingKind| g(Cat::Sent(k));
        let uploads =
            sent(OutgoingKind::Fragment) + sent(OutgoingKind::Resend) + sent(OutgoingKind::Status);
        let total_sent = sent(OutgoingKind::Create)
            + sent(OutgoingKind::Confirm)
            + sent(OutgoingKind::Update)
            + sent(OutgoingKind::Rearm)
            + sent(OutgoingKind::Retry)
            + uploads
            + g(Cat::PollSent);
        println!(
            "| {:.0} % | {:.1} kB | {:.1} kB | {:.1} kB | {:.2} kB | {:.1} kB | {:.2} kB | {:.1} kB | {:.1} kB | {:.1} kB | {:.1} kB |",
            rate * 100.0,
            sent(OutgoingKind::Create) / 1e3,
            sent(OutgoingKind::Confirm) / 1e3,
            sent(OutgoingKind::Update) / 1e3,
            sent(OutgoingKind::Rearm) / 1e3,
            sent(OutgoingKind::Retry) / 1e3,
            uploads / 1e3,
            g(Cat::PollSent) / 1e3,
            g(Cat::PollReceived) / 1e3,
            total_sent / 1e3,
            g(Cat::PollReceived) / 1e3
        );
    }
    println!("\nSeed figures for comparison (spec/nym.md §7.7): supply of 288 addresses ≈ 110 kB; polling 288");
    println!("mailboxes < 10 kB; devalidating one day's addresses ≈ 330 kB; totals 120 kB / \"340kb\" / at most 10 MB.");
    println!("Ours in steady state also updates every live address daily (31 × 288); the simulation's addresses");
    println!("live at most 4.5 days, so its update column covers about 2 days of addresses.");
    println!("\nA client learns of a message when it reads it (a settled address's mailbox is polled daily) or");
    println!("with the next acknowledgement (the daily update, retried every 30 min until one comes back):");
    println!(
        "spec/nym.md §7.7 bounds this by {:.1} days except with probability (1 − s)^96.",
        learn_bound() as f64 / 86_400.0
    );
}
