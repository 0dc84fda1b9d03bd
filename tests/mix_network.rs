//! The mix network end to end (`spec/mix.md §7`, §8, §9):
//!
//! * 10 000 random packets through a 5-mix in-memory network: every delivery is checked, no mix
//!   ever sees a replay tag twice, and a replayed packet dies at its first hop;
//! * the same network over the shared hostile network model (`tests/hostile_net`) at loss rates 0,
//!   1 %, 5 % and 20 % (with duplicates, delays, reordering and replays at the same rate), with
//!   routes drawn from a decoded Discovery document and daily key rotation: nothing panics, every
//!   second arrival of a packet is dropped, every message arrives intact at most once, and no
//!   replay partition or key ring exceeds its bound; it prints its figures;
//! * a flood of valid packets on one key day: the replay partition stops at its bound
//!   (`MIX_REPLAY_CACHE_FULL`) while honest packets on the other keys are delivered.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "hostile_net/mod.rs"]
mod hostile_net;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use contact_tracing::mix::{
    create_forward_with_rng, create_surb_with_rng, day_of, key_select_for_day, select_route, unpad,
    DelayDistribution, Destination, DiscoveryDocument, EntityEntry, Geometry, MailboxAddress, Mix,
    MixError, MixSecret, Outcome, PacketView, ReplayStore, Roles, RouteHop, SurbSecret,
    MAX_HELD_DAYS, SECONDS_PER_DAY,
};
use hostile_net::{Faults, Network};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const NOW: u64 = 20_500 * SECONDS_PER_DAY + 1234;
const PACKETS: usize = 10_000;

#[test]
fn ten_thousand_packets_through_five_mixes() {
    let g = Geometry::FOUR_HOPS;
    let mut rng = ChaCha20Rng::from_seed([0x42; 32]);
    let mut mixes: BTreeMap<u8, Mix> = BTreeMap::new();
    let today = day_of(NOW);
    for n in 0..5u8 {
        let mut m = Mix::new(n, g, DelayDistribution::Uniform { min: 1, max: 30 });
        m.rotate(NOW, &mut rng);
        // Keys of the 29 previous (still live) days, as if the mix had been running.
        for d in today - 29..today {
            m.keyring_mut().insert(d, MixSecret::random(&mut rng));
        }
        mixes.insert(n, m);
    }
    // Per mix, which tags it accepted (to prove no tag is accepted twice).
    let mut seen: BTreeMap<u8, BTreeSet<[u8; 16]>> = BTreeMap::new();
    let mut delivered = 0usize;
    let mut replays_checked = 0usize;
    for i in 0..PACKETS {
        // Random route: 4 hops over the 5 mixes (repeats allowed), random live day key per hop.
        let route: Vec<RouteHop> = (0..4)
            .map(|_| {
                let n = (rng.next_u32() % 5) as u8;
                let day = today - (rng.next_u32() % 30);
                RouteHop {
                    entity: n,
                    key_select: key_select_for_day(day),
                    public_key: mixes[&n].keyring().secret(day).unwrap().public_key(),
                }
            })
            .collect();
        let len = (rng.next_u32() as usize) % (g.max_message_len() + 1);
        let mut msg = vec![0u8; len];
        rng.fill_bytes(&mut msg);
        let mut mailbox = [0u8; 36];
        rng.fill_bytes(&mut mailbox);
        let surb = i % 5 == 1;
        let swap = !surb && i % 7 == 0;
        let (first, bytes, surb_secret) = if surb {
            let (s, secret) =
                create_surb_with_rng(g, &route, &MailboxAddress(mailbox), &mut rng).unwrap();
            let (f, p) = s.reply(&msg).unwrap();
            (f, p.into_bytes(), Some(secret))
        } else {
            let dest = if swap {
                Destination::Nymserver
            } else {
                Destination::Mailbox(MailboxAddress(mailbox))
            };
            let (f, p) = create_forward_with_rng(g, &route, &dest, &msg, &mut rng).unwrap();
            (f, p.into_bytes(), None)
        };
        assert_eq!(first, route[0].entity);
        let original = bytes.clone();
        let mut queue = VecDeque::from([(first, bytes)]);
        let mut hops = 0;
        while let Some((n, pkt)) = queue.pop_front() {
            assert_eq!(n, route[hops].entity);
            hops += 1;
            let tag = PacketView::parse(g, &pkt).unwrap().replay_tag();
            let m = mixes.get_mut(&n).unwrap();
            let out = m.process(NOW, &pkt, &mut rng).unwrap();
            assert!((1..=30).contains(&out.delay));
            assert!(
                seen.entry(n).or_default().insert(tag),
                "mix {n} saw a tag twice"
            );
            match out.outcome {
                Outcome::Forward { next, packet } => {
                    assert!(hops < 4);
                    assert_eq!(packet.len(), g.packet_len());
                    queue.push_back((next, packet));
                }
                Outcome::Deliver {
                    mailbox: got,
                    payload,
                } => {
                    assert_eq!(hops, 4);
                    assert!(!swap);
                    assert_eq!(got.0, mailbox);
                    let m = match &surb_secret {
                        Some(s) => s.open_reply(&payload).unwrap(),
                        None => unpad(&payload).unwrap().to_vec(),
                    };
                    assert_eq!(m, msg);
                    delivered += 1;
                }
                Outcome::Swap { payload } => {
                    assert_eq!(hops, 4);
                    assert!(swap);
                    assert_eq!(unpad(&payload).unwrap(), &msg[..]);
                    delivered += 1;
                }
            }
        }
        assert_eq!(hops, 4);
        // Replay the original packet every 10th time: dropped at its first hop.
        if i % 10 == 0 {
            let m = mixes.get_mut(&first).unwrap();
            let before = m.replay_store().len();
            assert_eq!(m.process(NOW, &original, &mut rng), Err(MixError::Replay));
            assert_eq!(m.replay_store().len(), before);
            replays_checked += 1;
        }
    }
    assert_eq!(delivered, PACKETS);
    assert_eq!(replays_checked, PACKETS / 10);
    let total: usize = mixes.values().map(|m| m.replay_store().len()).sum();
    assert_eq!(total, 4 * PACKETS);
    // Expiry: 30 days later every key used today is gone, with its replay partition.
    for m in mixes.values_mut() {
        let dropped = m.rotate(NOW + 30 * SECONDS_PER_DAY, &mut rng);
        assert!(dropped.contains(&today));
        assert!(m.replay_store().days().all(|d| d > today));
    }
}

// ---------------------------------------------------------------------------------------------
// The mix network over the shared hostile network model (TEAM contract 5)

/// What one hostile run saw.
#[derive(Debug, Default)]
struct Figures {
    sent: usize,
    delivered: usize,
    copies_arrived: usize,
    replays_dropped: usize,
    expired_copies: usize,
    expired_originals: usize,
    largest_partition: usize,
}

/// Five mixes and a mailbox server (entity 5) built from their Discovery entries, two days of
/// traffic (forward messages and SURB replies to the mailbox) over a network that drops,
/// duplicates, delays, reorders and replays at `rate`; every mix rotates at each day boundary.
fn hostile_run(rate: f64, messages: usize, seed: u64) -> Figures {
    use ed25519_dalek::SigningKey;
    let g = Geometry::FOUR_HOPS;
    let mut rng = ChaCha20Rng::from_seed([seed as u8; 32]);
    let start = NOW - NOW % SECONDS_PER_DAY + 20 * 3600; // 20:00 UTC, four hours before midnight
    let today = day_of(start);
    let mut mixes: BTreeMap<u8, Mix> = BTreeMap::new();
    let mut entries = Vec::new();
    for n in 0..6u8 {
        let mut m = Mix::new(n, g, DelayDistribution::Uniform { min: 0, max: 20 });
        for d in today - 29..today {
            m.keyring_mut().insert(d, MixSecret::random(&mut rng));
        }
        m.rotate(start, &mut rng);
        let roles = if n == 5 { Roles::MAILBOX } else { Roles::MIX };
        let (first, keys) = m.keyring().published(start);
        let sk = SigningKey::from_bytes(&[n + 1; 32]);
        entries.push(EntityEntry::new_signed(n, roles, &sk, first, keys).unwrap());
        mixes.insert(n, m);
    }
    let doc = DiscoveryDocument::decode(&DiscoveryDocument::new(start, entries).unwrap().encode())
        .unwrap();
    let mut net: Network<u8, Vec<u8>> = Network::new(seed, Faults::uniform(rate, 30));
    // Messages not yet delivered, by id: the message and, for SURB replies, the secret.
    let mut pending: BTreeMap<u64, (Vec<u8>, Option<SurbSecret>)> = BTreeMap::new();
    // Packets a mix has released, waiting for their delay.
    let mut held: BTreeMap<(u64, u64), (u8, Vec<u8>)> = BTreeMap::new();
    let mut seq = 0u64;
    // Per (mix, packet): how often it arrived, to tell copies from originals.
    let mut arrivals: BTreeSet<(u8, Vec<u8>)> = BTreeSet::new();
    let mut accepted_tags: BTreeSet<(u8, [u8; 16])> = BTreeSet::new();
    let mut fig = Figures::default();
    let gap = (2 * SECONDS_PER_DAY - 4 * 3600) / messages as u64;
    let mut next_send = start;
    let mut next_rotation = (u64::from(today) + 1) * SECONDS_PER_DAY;
    let mut id = 0u64;
    let mut now = start;
    loop {
        // Client traffic.
        while next_send <= now && (id as usize) < messages {
            let mut msg = id.to_be_bytes().to_vec();
            let len = 8 + (rng.next_u32() as usize) % (g.max_message_len() - 8);
            msg.resize(len, (id % 251) as u8);
            let mut mailbox = MailboxAddress([0; 36]);
            mailbox.0[..8].copy_from_slice(&id.to_be_bytes());
            let (first, bytes, secret) = if id % 3 == 1 {
                let route = select_route(&doc, 5, g, now, now + 3600, &mut rng).unwrap();
                let (s, secret) = create_surb_with_rng(g, &route, &mailbox, &mut rng).unwrap();
                let (f, p) = s.reply(&msg).unwrap();
                (f, p.into_bytes(), Some(secret))
            } else {
                let route = select_route(&doc, 5, g, now, now, &mut rng).unwrap();
                let dest = Destination::Mailbox(mailbox);
                let (f, p) = create_forward_with_rng(g, &route, &dest, &msg, &mut rng).unwrap();
                (f, p.into_bytes(), None)
            };
            pending.insert(id, (msg, secret));
            net.send(now, first, bytes);
            fig.sent += 1;
            id += 1;
            next_send += gap;
        }
        // Mixes release packets whose delay is over.
        let later = held.split_off(&(now + 1, 0));
        for (_, (to, packet)) in std::mem::replace(&mut held, later) {
            net.send(now, to, packet);
        }
        // Daily rotation: keys and replay partitions stay within their bounds.
        if now >= next_rotation {
            for m in mixes.values_mut() {
                m.rotate(now, &mut rng);
                assert!(m.keyring().len() <= MAX_HELD_DAYS);
                assert!(m.replay_store().days().count() <= 30);
            }
            next_rotation += SECONDS_PER_DAY;
        }
        for env in net.deliver_due(now) {
            let m = mixes.get_mut(&env.to).unwrap();
            let copy = !arrivals.insert((env.to, env.packet.clone()));
            if copy {
                fig.copies_arrived += 1;
            }
            let tag = PacketView::parse(g, &env.packet).unwrap().replay_tag();
            match m.process(now, &env.packet, &mut rng) {
                Ok(out) => {
                    assert!(!copy, "a copy was accepted by mix {}", env.to);
                    assert!(accepted_tags.insert((env.to, tag)), "tag accepted twice");
                    match out.outcome {
                        Outcome::Forward { next, packet } => {
                            seq += 1;
                            held.insert((now + out.delay, seq), (next, packet));
                        }
                        Outcome::Deliver { mailbox, payload } => {
                            let i = u64::from_be_bytes(mailbox.0[..8].try_into().unwrap());
                            let (msg, secret) = pending.remove(&i).expect("delivered at most once");
                            let got = match secret {
                                Some(s) => s.open_reply(&payload).unwrap(),
                                None => unpad(&payload).unwrap().to_vec(),
                            };
                            assert_eq!(got, msg, "message {i} arrived intact");
                            fig.delivered += 1;
                        }
                        Outcome::Swap { .. } => panic!("no Swap was sent"),
                    }
                }
                Err(MixError::Replay) => {
                    assert!(copy, "an original was dropped as a replay");
                    fig.replays_dropped += 1;
                }
                Err(MixError::KeyExpired) if copy => fig.expired_copies += 1,
                Err(MixError::KeyExpired) => fig.expired_originals += 1,
                Err(e) => panic!("unexpected drop {e:?}"),
            }
            for d in m.keyring().days() {
                fig.largest_partition = fig.largest_partition.max(m.replay_store().day_len(d));
                assert!(m.replay_store().day_len(d) <= m.replay_capacity());
            }
        }
        let next = [
            Some(next_send).filter(|_| (id as usize) < messages),
            net.next_arrival(),
            held.keys().next().map(|(t, _)| *t),
        ]
        .into_iter()
        .flatten()
        .min();
        match next {
            Some(t) => now = t.min(next_rotation).max(now + 1),
            None => break,
        }
    }
    assert_eq!(fig.sent, messages);
    assert_eq!(fig.delivered + pending.len(), fig.sent);
    fig
}

#[test]
fn mix_network_under_a_hostile_network() {
    println!(
        "loss rate | sent | delivered | lost | copies arrived | replays dropped | expired \
         (originals / copies) | largest partition"
    );
    for (rate, seed) in [(0.0, 11u64), (0.01, 12), (0.05, 13), (0.20, 14)] {
        let f = hostile_run(rate, 1200, seed);
        println!(
            "{:>8.0}% | {} | {} | {} | {} | {} | {} / {} | {}",
            rate * 100.0,
            f.sent,
            f.delivered,
            f.sent - f.delivered,
            f.copies_arrived,
            f.replays_dropped,
            f.expired_originals,
            f.expired_copies,
            f.largest_partition
        );
        // Every second arrival of a packet at a mix (a duplicate, a replay, or the original
        // after its copy) was dropped: as a replay, or as expired once its key had died.
        assert_eq!(f.copies_arrived, f.replays_dropped + f.expired_copies);
        if rate == 0.0 {
            assert_eq!(f.delivered, f.sent, "a perfect network loses nothing");
            assert_eq!(f.copies_arrived, 0);
        } else {
            assert!(f.copies_arrived > 0, "the network made copies");
            // Each of the 4 hops loses a packet with probability `rate`; duplicates only help.
            let floor = (1.0 - rate).powi(4) * 0.85;
            assert!(f.delivered as f64 >= floor * f.sent as f64, "{f:?}");
        }
    }
}

/// Bounded state (`spec/mix.md §8.2`, §12): an attacker floods one key day's partition with
/// valid packets. The partition stops at its bound, the rest of the flood is refused with
/// `MIX_REPLAY_CACHE_FULL`, replays of what was recorded are still `MIX_REPLAY`, and honest
/// packets on the other live keys are delivered through the whole route.
#[test]
fn flood_of_valid_packets_stops_at_the_partition_bound() {
    let g = Geometry::FOUR_HOPS;
    let mut rng = ChaCha20Rng::from_seed([0x66; 32]);
    let today = day_of(NOW);
    let capacity = 500;
    let mut mixes: BTreeMap<u8, Mix> = BTreeMap::new();
    for n in 0..4u8 {
        let mut m = Mix::new(n, g, DelayDistribution::Fixed(0));
        m.set_replay_capacity(capacity);
        for d in today - 29..today {
            m.keyring_mut().insert(d, MixSecret::random(&mut rng));
        }
        m.rotate(NOW, &mut rng);
        mixes.insert(n, m);
    }
    let hop = |mixes: &BTreeMap<u8, Mix>, n: u8, day: u32| RouteHop {
        entity: n,
        key_select: key_select_for_day(day),
        public_key: mixes[&n].keyring().secret(day).unwrap().public_key(),
    };
    let flooded = today - 7;
    let dest = Destination::Mailbox(MailboxAddress([1; 36]));
    // The attacker's packets all enter at mix 0 on the flooded day's key.
    let mut recorded = Vec::new();
    let (mut refused, mut accepted) = (0, 0);
    for i in 0..3 * capacity {
        let route: Vec<RouteHop> = (0..4).map(|n| hop(&mixes, n, flooded)).collect();
        let (_, p) = create_forward_with_rng(g, &route, &dest, b"flood", &mut rng).unwrap();
        match mixes
            .get_mut(&0)
            .unwrap()
            .process(NOW, p.as_bytes(), &mut rng)
        {
            Ok(_) => {
                accepted += 1;
                if i % 50 == 0 {
                    recorded.push(p);
                }
            }
            Err(MixError::ReplayCacheFull) => refused += 1,
            Err(e) => panic!("{e:?}"),
        }
        assert!(mixes[&0].replay_store().day_len(flooded) <= capacity);
    }
    assert_eq!((accepted, refused), (capacity, 2 * capacity));
    for p in &recorded {
        assert_eq!(
            mixes
                .get_mut(&0)
                .unwrap()
                .process(NOW, p.as_bytes(), &mut rng),
            Err(MixError::Replay)
        );
    }
    // Honest clients: keys drawn among the other live days reach the mailbox.
    let mut delivered = 0;
    let honest = 200;
    for i in 0..honest {
        let day = loop {
            let d = today - rng.next_u32() % 30;
            if d != flooded {
                break d;
            }
        };
        let route: Vec<RouteHop> = (0..4).map(|n| hop(&mixes, n, day)).collect();
        let msg = format!("honest {i}");
        let (mut next, p) =
            create_forward_with_rng(g, &route, &dest, msg.as_bytes(), &mut rng).unwrap();
        let mut bytes = p.into_bytes();
        loop {
            match mixes
                .get_mut(&next)
                .unwrap()
                .process(NOW, &bytes, &mut rng)
                .unwrap()
                .outcome
            {
                Outcome::Forward { next: n, packet } => {
                    next = n;
                    bytes = packet;
                }
                Outcome::Deliver { payload, .. } => {
                    assert_eq!(unpad(&payload).unwrap(), msg.as_bytes());
                    delivered += 1;
                    break;
                }
                Outcome::Swap { .. } => unreachable!(),
            }
        }
    }
    assert_eq!(delivered, honest);
    // An honest packet on the flooded key is refused too, as the spec says.
    let route: Vec<RouteHop> = (0..4).map(|n| hop(&mixes, n, flooded)).collect();
    let (_, p) = create_forward_with_rng(g, &route, &dest, b"late", &mut rng).unwrap();
    assert_eq!(
        mixes
            .get_mut(&0)
            .unwrap()
            .process(NOW, p.as_bytes(), &mut rng),
        Err(MixError::ReplayCacheFull)
    );
    let total: usize = mixes[&0].replay_store().len();
    assert!(total <= 30 * capacity);
    println!(
        "flood: {accepted} accepted and {refused} refused on the flooded key (bound {capacity}); \
         {delivered}/{honest} honest packets on other keys delivered"
    );
    // When the flooded key expires, its partition goes with it.
    let dropped = mixes
        .get_mut(&0)
        .unwrap()
        .rotate((u64::from(flooded) + 30) * SECONDS_PER_DAY, &mut rng);
    assert!(dropped.contains(&flooded));
    assert_eq!(mixes[&0].replay_store().day_len(flooded), 0);
}

/// The decoded Discovery document (`spec/mix.md §9.1`, `§12`): the largest document the format
/// allows (255 entries × 60 keys, 515 875 bytes) decodes; a key count or an entry number past the
/// bound is refused `MIX_DISCOVERY_NONCANONICAL` before the bytes it announces are read (so a short
/// hostile document cannot make the decoder wait for or allocate them), and documents after a run
/// of hostile ones still decode.
#[test]
fn the_discovery_document_bound_holds_and_larger_counts_are_refused_unread() {
    use contact_tracing::mix::MAX_KEYS_PER_ENTRY;
    use ed25519_dalek::SigningKey;
    let sk = SigningKey::from_bytes(&[7; 32]);
    let entries: Vec<EntityEntry> = (0..=254u8)
        .map(|n| {
            EntityEntry::new_signed(
                n,
                Roles::MIX,
                &sk,
                20_000,
                vec![[n; 32]; MAX_KEYS_PER_ENTRY],
            )
            .unwrap()
        })
        .collect();
    let doc = DiscoveryDocument::new(NOW, entries).unwrap();
    let bytes = doc.encode();
    assert_eq!(bytes.len(), 515_875);
    let decoded = DiscoveryDocument::decode(&bytes).unwrap();
    assert_eq!(decoded.entities().len(), 255);
    assert!(decoded
        .entities()
        .iter()
        .all(|e| e.keys().len() == MAX_KEYS_PER_ENTRY));
    // Building past the bound is refused too.
    assert_eq!(
        EntityEntry::new_signed(255, Roles::MIX, &sk, 20_000, vec![[0; 32]]).err(),
        Some(MixError::DiscoveryNonCanonical)
    );
    assert_eq!(
        EntityEntry::new_signed(1, Roles::MIX, &sk, 20_000, vec![[0; 32]; 61]).err(),
        Some(MixError::DiscoveryNonCanonical)
    );
    const E0: usize = 10; // version 1 + published 8 + count 1
    const NKEYS: usize = 1 + 1 + 32 + 4; // offset of nkeys in an entry
    let entry_len = NKEYS + 1 + 32 * MAX_KEYS_PER_ENTRY + 64;
    for round in 0..12usize {
        // nkeys = 61..=255 (or 0) with nothing after it: refused as non-canonical, not truncated.
        let nkeys = [0u8, 61, 128, 255][round % 4];
        let mut x = bytes[..E0 + NKEYS].to_vec();
        x.push(nkeys);
        assert_eq!(
            DiscoveryDocument::decode(&x),
            Err(MixError::DiscoveryNonCanonical)
        );
        // The same in the middle of the maximal document, with all its bytes present.
        let k = round * 23 % 255;
        let mut x = bytes.clone();
        x[E0 + k * entry_len + NKEYS] = 61;
        assert_eq!(
            DiscoveryDocument::decode(&x),
            Err(MixError::DiscoveryNonCanonical)
        );
        // Numbers stop at 254 (0xFF is the delivery marker), so no 256th entry fits: an entry
        // numbered 0xFF after 254 valid ones is refused before the rest of it is read.
        let mut x = bytes.clone();
        x[E0 + 254 * entry_len] = 0xFF;
        assert_eq!(
            DiscoveryDocument::decode(&x[..E0 + 254 * entry_len + 1]),
            Err(MixError::DiscoveryNonCanonical)
        );
        // A count of 255 with a single entry's bytes: truncated, after reading only those.
        let mut x = bytes[..E0 + entry_len].to_vec();
        x[9] = 255;
        assert_eq!(DiscoveryDocument::decode(&x), Err(MixError::Truncated));
    }
    assert_eq!(DiscoveryDocument::decode(&bytes), Ok(decoded));
}
