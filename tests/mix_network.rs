//! 10 000 random packets through a 5-mix in-memory network (`spec/mix.md §7`): every delivery is
//! checked, no mix ever sees a replay tag twice, and a replayed packet dies at its first hop.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use contact_tracing::mix::{
    create_forward_with_rng, create_surb_with_rng, day_of, key_select_for_day, unpad,
    DelayDistribution, Destination, Geometry, MailboxAddress, Mix, MixError, MixSecret, Outcome,
    PacketView, RouteHop, SECONDS_PER_DAY,
};
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
