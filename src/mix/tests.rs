//! Unit tests of the mix module (the 10 000-packet network test is `tests/mix_network.rs`).

use super::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use std::vec::Vec;

const NOW: u64 = 20_000 * SECONDS_PER_DAY + 3600;

fn setup(r: u8, rng: &mut ChaCha20Rng) -> (Geometry, Vec<Mix>, Vec<RouteHop>) {
    let g = Geometry::new(r).unwrap();
    let mut mixes = Vec::new();
    let mut route = Vec::new();
    for n in 0..r {
        let mut m = Mix::new(n * 3 + 1, g, DelayDistribution::Fixed(0));
        m.rotate(NOW, rng);
        let day = day_of(NOW) - u32::from(n);
        let pk = m.keyring().secret(day).map(|s| s.public_key());
        let pk = match pk {
            Some(pk) => pk,
            None => {
                let s = MixSecret::random(rng);
                let pk = s.public_key();
                m.keyring_mut().insert(day, s);
                pk
            }
        };
        route.push(RouteHop {
            entity: m.number(),
            key_select: key_select_for_day(day),
            public_key: pk,
        });
        mixes.push(m);
    }
    (g, mixes, route)
}

fn run(
    mixes: &mut [Mix],
    first: u8,
    packet: Vec<u8>,
    rng: &mut ChaCha20Rng,
) -> Result<Outcome, MixError> {
    let mut next = first;
    let mut bytes = packet;
    loop {
        let m = mixes.iter_mut().find(|m| m.number() == next).unwrap();
        let p = m.process(NOW, &bytes, rng)?;
        match p.outcome {
            Outcome::Forward { next: n, packet } => {
                assert_eq!(packet.len(), m.geometry().packet_len());
                next = n;
                bytes = packet;
            }
            other => return Ok(other),
        }
    }
}

#[test]
fn forward_to_mailbox_and_nymserver_all_hop_counts() {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    for r in [1u8, 2, 3, 4, 5, 8, 16] {
        let (g, mut mixes, route) = setup(r, &mut rng);
        let mailbox = MailboxAddress([r; 36]);
        let msg: Vec<u8> = (0..g.max_message_len()).map(|i| i as u8).collect();
        let (first, pkt) =
            create_forward_with_rng(g, &route, &Destination::Mailbox(mailbox), &msg, &mut rng)
                .unwrap();
        assert_eq!(pkt.as_bytes().len(), g.packet_len());
        match run(&mut mixes, first, pkt.into_bytes(), &mut rng).unwrap() {
            Outcome::Deliver {
                mailbox: m,
                payload,
            } => {
                assert_eq!(m, mailbox);
                assert_eq!(unpad(&payload).unwrap(), &msg[..]);
            }
            o => panic!("{o:?}"),
        }
        let (first, pkt) =
            create_forward_with_rng(g, &route, &Destination::Nymserver, b"swap", &mut rng).unwrap();
        match run(&mut mixes, first, pkt.into_bytes(), &mut rng).unwrap() {
            Outcome::Swap { payload } => assert_eq!(unpad(&payload).unwrap(), b"swap"),
            o => panic!("{o:?}"),
        }
    }
}

#[test]
fn replay_dropped_at_first_hop_and_tag_recorded_only_after_mac() {
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let (g, mut mixes, route) = setup(4, &mut rng);
    let (first, pkt) = create_forward_with_rng(
        g,
        &route,
        &Destination::Mailbox(MailboxAddress([9; 36])),
        b"hi",
        &mut rng,
    )
    .unwrap();
    let bytes = pkt.into_bytes();
    // A corrupted copy (bad MAC) must not poison the cache.
    let mut bad = bytes.clone();
    bad[60] ^= 1;
    assert_eq!(mixes[0].process(NOW, &bad, &mut rng), Err(MixError::BadMac));
    assert!(mixes[0].replay_store().is_empty());
    run(&mut mixes, first, bytes.clone(), &mut rng).unwrap();
    assert_eq!(mixes[0].replay_store().len(), 1);
    assert_eq!(
        mixes[0].process(NOW, &bytes, &mut rng),
        Err(MixError::Replay)
    );
    // Flipping bit 255 of alpha gives an equivalent X25519 element: same tag, still a replay.
    let mut alt = bytes.clone();
    alt[32] ^= 0x80;
    assert_eq!(mixes[0].process(NOW, &alt, &mut rng), Err(MixError::Replay));
}

#[test]
fn surb_round_trip_and_single_use() {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    for r in [1u8, 3, 4, 5] {
        let (g, mut mixes, route) = setup(r, &mut rng);
        let mailbox = MailboxAddress([0x5a; 36]);
        let (surb, secret) = create_surb_with_rng(g, &route, &mailbox, &mut rng).unwrap();
        assert_eq!(surb.encode().len(), g.surb_len());
        let surb2 = Surb::decode(g, &surb.encode()).unwrap();
        assert_eq!(surb2, surb);
        let secret2 = SurbSecret::from_bytes(&secret.to_bytes()).unwrap();
        assert_eq!(secret.to_bytes().len(), g.surb_secret_len());
        let msg = std::vec![0xC3u8; g.max_message_len()];
        let (first, pkt) = surb2.reply(&msg).unwrap();
        assert_eq!(first, route[0].entity);
        let payload = match run(&mut mixes, first, pkt.into_bytes(), &mut rng).unwrap() {
            Outcome::Deliver {
                mailbox: m,
                payload,
            } => {
                assert_eq!(m, mailbox);
                payload
            }
            o => panic!("{o:?}"),
        };
        assert_eq!(secret2.open_reply(&payload).unwrap(), msg);
        // The delivered payload does not reveal the message to the mailbox.
        assert!(unpad(&payload).map(|m| m != &msg[..]).unwrap_or(true));
        let (first, pkt) = surb.reply(b"again").unwrap();
        assert_eq!(
            run(&mut mixes, first, pkt.into_bytes(), &mut rng),
            Err(MixError::Replay)
        );
    }
}

#[test]
fn drop_reasons() {
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let (g, mut mixes, route) = setup(4, &mut rng);
    let dest = Destination::Mailbox(MailboxAddress([1; 36]));
    let (_, pkt) = create_forward_with_rng(g, &route, &dest, b"x", &mut rng).unwrap();
    let b = pkt.into_bytes();
    let m = &mut mixes[0];
    assert_eq!(m.process(NOW, &b[1..], &mut rng), Err(MixError::BadLength));
    let mut x = b.clone();
    x[0] = 60;
    assert_eq!(
        m.process(NOW, &x, &mut rng),
        Err(MixError::UnknownKeySelect)
    );
    // 40 days later the key is expired.
    assert_eq!(
        m.process(NOW + 40 * SECONDS_PER_DAY, &b, &mut rng),
        Err(MixError::KeyExpired)
    );
    let mut x = b.clone();
    x[1..33].fill(0);
    assert_eq!(m.process(NOW, &x, &mut rng), Err(MixError::WeakKey));
    let mut x = b.clone();
    x[100] ^= 4;
    assert_eq!(m.process(NOW, &x, &mut rng), Err(MixError::BadMac));
    // Payload changes are not detected by the header (no payload integrity, D2).
    let mut x = b.clone();
    x[300] ^= 4;
    assert!(m.process(NOW, &x, &mut rng).is_ok());
}

#[test]
fn malformed_addresses() {
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let (g, mut mixes, route) = setup(2, &mut rng);
    let e = [7u8; 32];
    let mut bad_flags = Destination::Nymserver.final_block();
    bad_flags[1] = 2;
    let mut swap_addr = Destination::Nymserver.final_block();
    swap_addr[5] = 1;
    for fb in [bad_flags, swap_addr] {
        let h = build_header_unchecked(g, &route, &fb, &e).unwrap();
        let mut bytes = h.header;
        bytes.resize(g.packet_len(), 0);
        let p = mixes[0].process(NOW, &bytes, &mut rng).unwrap();
        let (_, fwd) = p.forward().unwrap();
        assert_eq!(
            mixes[1].process(NOW, fwd.as_bytes(), &mut rng),
            Err(MixError::MalformedAddress)
        );
    }
    let mut r2 = route.clone();
    r2[1].key_select = 77;
    let h = build_header_unchecked(g, &r2, &Destination::Nymserver.final_block(), &e).unwrap();
    let mut bytes = h.header;
    bytes.resize(g.packet_len(), 0);
    assert_eq!(
        mixes[0].process(NOW, &bytes, &mut rng),
        Err(MixError::MalformedAddress)
    );
}

#[test]
fn key_schedule() {
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let mut k = Keyring::new();
    let today = day_of(NOW);
    assert!(k.rotate(NOW, &mut rng).is_empty());
    assert_eq!(k.days().count(), 31);
    assert_eq!(k.days().next(), Some(today));
    assert_eq!(k.days().last(), Some(today + 30));
    // 35 days later: days up to today+5 - 30 expired.
    let later = NOW + 35 * SECONDS_PER_DAY;
    let dropped = k.rotate(later, &mut rng);
    assert_eq!(dropped, (today..=today + 5).collect::<Vec<_>>());
    assert_eq!(
        resolve_key_select(key_select_for_day(today), NOW),
        Ok(today)
    );
    assert_eq!(
        resolve_key_select(key_select_for_day(today - 29), NOW),
        Ok(today - 29)
    );
    assert_eq!(
        resolve_key_select(key_select_for_day(today - 30), NOW),
        Err(MixError::KeyExpired)
    );
    assert_eq!(
        resolve_key_select(key_select_for_day(today + 1), NOW),
        Err(MixError::KeyExpired)
    );
    assert_eq!(resolve_key_select(60, NOW), Err(MixError::UnknownKeySelect));
    let d = DelayDistribution::Uniform { min: 5, max: 9 };
    for _ in 0..100 {
        let x = d.sample(&mut rng);
        assert!((5..=9).contains(&x));
    }
    let mut z = rand_chacha::ChaCha8Rng::from_seed([0; 32]);
    assert_eq!(
        DelayDistribution::Uniform {
            min: 0,
            max: u64::MAX
        }
        .sample(&mut z),
        {
            let mut z2 = rand_chacha::ChaCha8Rng::from_seed([0; 32]);
            z2.next_u64()
        }
    );
}

#[test]
fn discovery_round_trip_and_routes() {
    use ed25519_dalek::SigningKey;
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let g = Geometry::FOUR_HOPS;
    let mut entries = Vec::new();
    let mut mixes = Vec::new();
    for n in 0..6u8 {
        let mut m = Mix::new(n, g, DelayDistribution::Fixed(0));
        m.rotate(NOW, &mut rng);
        let roles = if n == 5 {
            Roles::MAILBOX.union(Roles::MIX)
        } else {
            Roles::MIX
        };
        let sk = SigningKey::from_bytes(&[n + 1; 32]);
        let (first, keys) = m.keyring().published(NOW);
        entries.push(EntityEntry::new_signed(n, roles, &sk, first, keys).unwrap());
        mixes.push(m);
    }
    let doc = DiscoveryDocument::new(NOW, entries).unwrap();
    let bytes = doc.encode();
    let back = DiscoveryDocument::decode(&bytes).unwrap();
    assert_eq!(back, doc);
    let mut t = bytes.clone();
    t.push(0);
    assert_eq!(DiscoveryDocument::decode(&t), Err(MixError::TrailingBytes));
    let mut t = bytes.clone();
    let last = t.len() - 1;
    t[last] ^= 1;
    assert_eq!(
        DiscoveryDocument::decode(&t),
        Err(MixError::DiscoveryBadSignature)
    );
    assert_eq!(
        DiscoveryDocument::decode(&bytes[..40]),
        Err(MixError::Truncated)
    );
    for _ in 0..20 {
        let route = select_route(&doc, 5, g, NOW, NOW + 10 * SECONDS_PER_DAY, &mut rng).unwrap();
        assert_eq!(route.len(), 4);
        assert_eq!(route[3].entity, 5);
        let mut ids: Vec<u8> = route.iter().map(|h| h.entity).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 4);
        let dest = Destination::Mailbox(MailboxAddress([3; 36]));
        let (first, pkt) = create_forward_with_rng(g, &route, &dest, b"r", &mut rng).unwrap();
        match run(&mut mixes, first, pkt.into_bytes(), &mut rng).unwrap() {
            Outcome::Deliver { payload, .. } => assert_eq!(unpad(&payload).unwrap(), b"r"),
            o => panic!("{o:?}"),
        }
    }
    assert_eq!(
        select_route(&doc, 4, g, NOW, NOW, &mut rng),
        Err(MixError::RouteUnavailable)
    );
    assert_eq!(
        select_route(&doc, 5, g, NOW, NOW + 31 * SECONDS_PER_DAY, &mut rng),
        Err(MixError::RouteUnavailable)
    );
}

#[test]
fn secrets_do_not_debug_print() {
    let s = MixSecret::from_bytes([0x11; 32]);
    assert!(!std::format!("{s:?}").contains("11, 11"));
    let k = HopKeys::derive(&[1; 32]);
    assert_eq!(std::format!("{k:?}"), "HopKeys(<secret>)");
}

#[test]
fn error_codes_unique() {
    use crate::error::ErrorCode;
    let codes: std::collections::BTreeSet<_> = MixError::ALL.iter().map(|e| e.code()).collect();
    assert_eq!(codes.len(), MixError::ALL.len());
    assert!(codes.iter().all(|c| c.starts_with("MIX_")));
}

mod prop {
    use super::*;
    use proptest::prelude::*;
    use rand_core::RngCore;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn forward_round_trip(
            hops in 1u8..=6,
            seed in any::<[u8; 32]>(),
            len_frac in 0.0f64..=1.0,
            swap in any::<bool>(),
        ) {
            let mut rng = ChaCha20Rng::from_seed(seed);
            let (g, mut mixes, route) = setup(hops, &mut rng);
            let len = ((g.max_message_len() as f64) * len_frac) as usize;
            let mut msg = std::vec![0u8; len];
            rng.fill_bytes(&mut msg);
            let mut mb = [0u8; 36];
            rng.fill_bytes(&mut mb);
            let dest = if swap { Destination::Nymserver } else { Destination::Mailbox(MailboxAddress(mb)) };
            let (first, pkt) = create_forward_with_rng(g, &route, &dest, &msg, &mut rng).unwrap();
            let out = run(&mut mixes, first, pkt.into_bytes(), &mut rng).unwrap();
            match (out, swap) {
                (Outcome::Swap { payload }, true) => prop_assert_eq!(unpad(&payload).unwrap(), &msg[..]),
                (Outcome::Deliver { mailbox, payload }, false) => {
                    prop_assert_eq!(mailbox.0, mb);
                    prop_assert_eq!(unpad(&payload).unwrap(), &msg[..]);
                }
                (o, _) => prop_assert!(false, "unexpected {:?}", o),
            }
        }
    }
}

/// Regression for issue 11 defect 5 (`spec/mix.md §9.1`, `MIX-DISC-2`): every field of an entry
/// is checked as soon as it is read. At commit 98df3a2 the decoder read all `nkeys` keys and the
/// signature before checking `roles` and `nkeys`, and checked the order of numbers only after the
/// signature, so each of these inputs gave another code.
#[test]
fn discovery_checks_each_field_as_it_is_read() {
    use ed25519_dalek::SigningKey;
    let sk = SigningKey::from_bytes(&[5; 32]);
    let entry = |n: u8| EntityEntry::new_signed(n, Roles::MIX, &sk, 100, std::vec![[9; 32]; 2]);
    let doc = DiscoveryDocument::new(1, std::vec![entry(3).unwrap(), entry(4).unwrap()]).unwrap();
    let bytes = doc.encode();
    let e0 = 10; // version 1 + published 8 + count 1
                 // nkeys = 61 and nothing after it: the count is refused before any key byte is wanted.
    let mut x = bytes[..e0 + 38].to_vec();
    x.push(61);
    assert_eq!(
        DiscoveryDocument::decode(&x),
        Err(MixError::DiscoveryNonCanonical)
    );
    // roles = 0 and the entry cut inside its signature: roles is refused first.
    let mut x = bytes[..e0 + 39 + 64 + 10].to_vec();
    x[e0 + 1] = 0;
    assert_eq!(
        DiscoveryDocument::decode(&x),
        Err(MixError::DiscoveryNonCanonical)
    );
    // The second entry repeats number 3 and so breaks its signature too: the order is refused
    // before the signature is verified.
    let mut x = bytes.clone();
    let e1 = e0 + 39 + 64 + 64;
    x[e1] = 3;
    assert_eq!(
        DiscoveryDocument::decode(&x),
        Err(MixError::DiscoveryNonCanonical)
    );
    // A small-order identity is a bad key (spec/ed25519.md check 1b), not a bad signature.
    let mut x = bytes.clone();
    x[e0 + 2..e0 + 34].copy_from_slice(&{
        let mut id = [0u8; 32];
        id[0] = 1;
        id
    });
    assert_eq!(
        DiscoveryDocument::decode(&x),
        Err(MixError::DiscoveryBadKey)
    );
    assert!(DiscoveryDocument::decode(&bytes).is_ok());
}

/// The replay cache is bounded per key day (`spec/mix.md §8.2`): a full partition refuses new
/// packets on that key with a typed drop, still drops replays, and leaves other days' keys alone.
#[test]
fn replay_partition_bound() {
    let mut rng = ChaCha20Rng::from_seed([8; 32]);
    let (g, mut mixes, route) = setup(4, &mut rng);
    let today = day_of(NOW);
    let m = &mut mixes[0];
    m.set_replay_capacity(3);
    assert_eq!(m.replay_capacity(), 3);
    let dest = Destination::Mailbox(MailboxAddress([2; 36]));
    let mut accepted = Vec::new();
    for _ in 0..3 {
        let (_, p) = create_forward_with_rng(g, &route, &dest, b"f", &mut rng).unwrap();
        assert!(m.process(NOW, p.as_bytes(), &mut rng).is_ok());
        accepted.push(p);
    }
    let (_, p) = create_forward_with_rng(g, &route, &dest, b"f", &mut rng).unwrap();
    assert_eq!(
        m.process(NOW, p.as_bytes(), &mut rng),
        Err(MixError::ReplayCacheFull)
    );
    assert_eq!(
        m.process(NOW, accepted[0].as_bytes(), &mut rng),
        Err(MixError::Replay)
    );
    assert_eq!(m.replay_store().day_len(today), 3);
    // Another day's key still works.
    let mut other = route.clone();
    let day = today - 1;
    let s = MixSecret::random(&mut rng);
    other[0].key_select = key_select_for_day(day);
    other[0].public_key = s.public_key();
    m.keyring_mut().insert(day, s);
    let (_, p) = create_forward_with_rng(g, &other, &dest, b"f", &mut rng).unwrap();
    assert!(m.process(NOW, p.as_bytes(), &mut rng).is_ok());
    assert_eq!(m.replay_store().len(), 4);
}

/// The sender refuses a route key of small order whatever its accumulated scalar: the five
/// small-order u-coordinates are exactly those X25519 maps to zero, and each is refused at every
/// hop position (`spec/mix.md §4`, `MIX-BUILD-1`).
#[test]
fn sender_refuses_every_small_order_key() {
    use curve25519_dalek::montgomery::MontgomeryPoint;
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    let (g, _, route) = setup(4, &mut rng);
    let smalls: [&str; 5] = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    ];
    for u in smalls {
        let u: [u8; 32] = hex::decode(u).unwrap().try_into().unwrap();
        assert_eq!(
            MontgomeryPoint(u).mul_clamped([0x42; 32]).to_bytes(),
            [0; 32]
        );
        for at in 0..4 {
            for seed in 0..8u8 {
                let mut r = route.clone();
                r[at].public_key = u;
                let dest = Destination::Mailbox(MailboxAddress([0; 36]));
                assert_eq!(
                    create_forward(g, &r, &dest, b"x", &[seed; 32]).err(),
                    Some(MixError::WeakKey),
                    "{u:02x?} at hop {at}"
                );
            }
        }
    }
}
