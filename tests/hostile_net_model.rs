//! The shared hostile network model (`tests/hostile_net`) does what its rates say: a perfect
//! network delivers everything once and in order; each fault happens at about its rate; a run is a
//! function of its seed; the adversary's drops come first and are counted apart.

mod hostile_net;

use hostile_net::{Copy, DropWhen, Faults, Network};

#[test]
fn perfect_network_delivers_everything_once_in_order() {
    let mut net: Network<u8, u32> = Network::new(1, Faults::NONE);
    for i in 0..1000 {
        net.send(10, (i % 7) as u8, i);
    }
    let got: Vec<u32> = net.deliver_due(10).into_iter().map(|e| e.packet).collect();
    assert_eq!(got, (0..1000).collect::<Vec<_>>());
    assert_eq!(net.in_flight(), 0);
    assert_eq!(net.stats().delivered, 1000);
}

#[test]
fn faults_happen_at_their_rates() {
    for rate in [0.01, 0.05, 0.2] {
        let n = 20_000u32;
        let mut net: Network<u8, u32> = Network::new(7, Faults::uniform(rate, 30));
        for i in 0..n {
            net.send(0, 0, i);
        }
        let s = net.stats();
        let expect = f64::from(n) * rate;
        // Only packets that survive can be duplicated.
        for (what, count, expect) in [
            ("dropped", s.dropped, expect),
            ("duplicated", s.duplicated, expect * (1.0 - rate)),
            ("replayed", s.replayed, expect),
        ] {
            let c = count as f64;
            assert!(
                (c - expect).abs() < 5.0 * expect.sqrt() + 5.0,
                "rate {rate}: {what} {c}, expected about {expect}"
            );
        }
        let all = net.deliver_due(10_000);
        let replays = all.iter().filter(|e| e.copy == Copy::Replay).count() as u64;
        let dups = all.iter().filter(|e| e.copy == Copy::Duplicate).count() as u64;
        assert_eq!(replays, s.replayed);
        assert_eq!(dups, s.duplicated);
        assert_eq!(
            all.len() as u64,
            u64::from(n) - s.dropped + s.duplicated + s.replayed
        );
        // Delays push packets into later seconds, never earlier than sent.
        assert!(all.iter().all(|e| e.sent_at == 0));
    }
}

#[test]
fn delayed_and_reordered_packets_arrive_late() {
    let mut net: Network<u8, u32> = Network::new(
        3,
        Faults {
            delay: 0.5,
            max_delay: 5,
            reorder: 0.3,
            ..Faults::NONE
        },
    );
    for i in 0..200 {
        net.send(100, 0, i);
    }
    let at_once: Vec<u32> = net.deliver_due(100).into_iter().map(|e| e.packet).collect();
    let rest = net.deliver_due(105);
    assert!(at_once.len() < 200 && !rest.is_empty());
    assert!(
        at_once.windows(2).any(|w| w[0] > w[1]),
        "reordering within the second"
    );
    assert_eq!(at_once.len() + rest.len(), 200);
    assert_eq!(net.in_flight(), 0);
}

#[test]
fn same_seed_same_run_other_seed_other_run() {
    let run = |seed| {
        let mut net: Network<u8, u32> = Network::new(seed, Faults::uniform(0.2, 30));
        for i in 0..500 {
            net.send(u64::from(i), 0, i);
        }
        net.deliver_due(100_000)
            .into_iter()
            .map(|e| (e.packet, e.copy))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn adversary_drops_what_it_chooses_first() {
    let mut net: Network<u8, u32> = Network::new(9, Faults::NONE).with_adversary(DropWhen(
        |e: &hostile_net::Envelope<u8, u32>| e.packet % 10 == 3,
    ));
    for i in 0..100 {
        net.send(0, 0, i);
    }
    let got: Vec<u32> = net.deliver_due(0).into_iter().map(|e| e.packet).collect();
    assert_eq!(got.len(), 90);
    assert!(got.iter().all(|p| p % 10 != 3));
    assert_eq!(net.stats().dropped_by_adversary, 10);
    assert_eq!(net.stats().dropped, 0);
}
