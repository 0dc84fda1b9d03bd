//! Benches of the `mix` protocol (see BENCHMARKS.md, section Mix): per-hop processing and packet
//! creation beside the floor (bare X25519 operations) and beside `sphinx-packet` 0.8 in one run.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use contact_tracing::mix::{
    create_forward, create_surb, process_hop, Destination, Geometry, Lioness, MailboxAddress,
    MixSecret, RouteHop,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use sphinx_packet::constants::{
    DESTINATION_ADDRESS_LENGTH, IDENTIFIER_LENGTH, NODE_ADDRESS_LENGTH,
};
use sphinx_packet::crypto::PublicKey as SphinxPublicKey;
use sphinx_packet::header::delays;
use sphinx_packet::packet::builder::SphinxPacketBuilder;
use sphinx_packet::route::{
    Destination as SphinxDestination, DestinationAddressBytes, Node, NodeAddressBytes,
};
use sphinx_packet::SphinxPacket;

const G: Geometry = Geometry::FOUR_HOPS;

fn secrets() -> Vec<[u8; 32]> {
    (1..=4u8).map(|i| [i.wrapping_mul(37); 32]).collect()
}

fn our_route() -> Vec<RouteHop> {
    secrets()
        .iter()
        .enumerate()
        .map(|(i, s)| RouteHop {
            entity: i as u8,
            key_select: 7,
            public_key: MixSecret::from_bytes(*s).public_key(),
        })
        .collect()
}

fn sphinx_route() -> Vec<Node> {
    secrets()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let pk = MontgomeryPoint::mul_base_clamped(*s).to_bytes();
            Node::new(
                NodeAddressBytes::from_bytes([i as u8; NODE_ADDRESS_LENGTH]),
                SphinxPublicKey::from(pk),
            )
        })
        .collect()
}

fn sphinx_packet(payload_size: usize) -> SphinxPacket {
    let route = sphinx_route();
    let d = delays::generate_from_average_duration(route.len(), Duration::from_millis(10));
    let dest = SphinxDestination::new(
        DestinationAddressBytes::from_bytes([3u8; DESTINATION_ADDRESS_LENGTH]),
        [4u8; IDENTIFIER_LENGTH],
    );
    SphinxPacketBuilder::new()
        .with_payload_size(payload_size)
        .build_packet(vec![13u8; 64], &route, &dest, &d)
        .unwrap()
}

fn per_hop(c: &mut Criterion) {
    let mut g = c.benchmark_group("mix/hop");
    let s = secrets()[0];
    let alpha = MontgomeryPoint::mul_base_clamped([0x41; 32]);
    g.bench_function("floor: 2 x X25519", |b| {
        b.iter(|| {
            let a = black_box(alpha).mul_clamped(black_box(s));
            let b2 = black_box(alpha).mul_clamped(black_box([9u8; 32]));
            (a, b2)
        })
    });
    let (_, pkt) = create_forward(
        G,
        &our_route(),
        &Destination::Mailbox(MailboxAddress([1; 36])),
        &[13u8; 64],
        &[0x41; 32],
    )
    .unwrap();
    let bytes = pkt.into_bytes();
    g.bench_function("ours: process_hop (4 hops, 380 B)", |b| {
        b.iter(|| process_hop(G, black_box(&s), black_box(&bytes)).unwrap())
    });
    for size in [239usize, 1024] {
        let sp = sphinx_packet(size);
        let raw = sp.to_bytes();
        g.bench_function(
            format!("sphinx-packet 0.8: process (payload {size})"),
            |b| {
                b.iter_batched(
                    || SphinxPacket::from_bytes(&raw).unwrap(),
                    |p| p.process(&s.into()).unwrap(),
                    BatchSize::SmallInput,
                )
            },
        );
    }
    g.finish();
}

fn creation(c: &mut Criterion) {
    let mut g = c.benchmark_group("mix/create");
    let route = our_route();
    let sroute = sphinx_route();
    let pks: Vec<MontgomeryPoint> = route
        .iter()
        .map(|h| MontgomeryPoint(h.public_key))
        .collect();
    let x = Scalar::from_bytes_mod_order([0x41; 32]);
    g.bench_function("floor: 4 x (variable-base + fixed-base)", |b| {
        b.iter(|| {
            let mut acc = [0u8; 32];
            for p in &pks {
                let s = black_box(p) * black_box(&x);
                let a = MontgomeryPoint::mul_base(black_box(&x));
                acc[0] ^= s.0[0] ^ a.0[0];
            }
            acc
        })
    });
    let dest = Destination::Mailbox(MailboxAddress([1; 36]));
    g.bench_function("ours: create_forward (4 hops)", |b| {
        b.iter(|| create_forward(G, black_box(&route), &dest, &[13u8; 64], &[0x41; 32]).unwrap())
    });
    g.bench_function("ours: create_surb (4 hops)", |b| {
        b.iter(|| {
            create_surb(
                G,
                black_box(&route),
                &MailboxAddress([1; 36]),
                &[0x41; 32],
                &[7; 32],
            )
            .unwrap()
        })
    });
    let d = delays::generate_from_average_duration(4, Duration::from_millis(10));
    let sdest = SphinxDestination::new(
        DestinationAddressBytes::from_bytes([3u8; DESTINATION_ADDRESS_LENGTH]),
        [4u8; IDENTIFIER_LENGTH],
    );
    for size in [239usize, 1024] {
        g.bench_function(
            format!("sphinx-packet 0.8: new (4 hops, payload {size})"),
            |b| {
                b.iter(|| {
                    SphinxPacketBuilder::new()
                        .with_payload_size(size)
                        .build_packet(vec![13u8; 64], black_box(&sroute), &sdest, &d)
                        .unwrap()
                })
            },
        );
    }
    g.finish();
}

fn parts(c: &mut Criterion) {
    let mut g = c.benchmark_group("mix/parts");
    g.bench_function("HopKeys::derive (HKDF-SHA256, 288 B)", |b| {
        b.iter(|| contact_tracing::mix::HopKeys::derive(black_box(&[7u8; 32])))
    });
    g.bench_function("header_mac (HMAC-SHA256 over 125 B)", |b| {
        b.iter(|| contact_tracing::mix::header_mac(&[1; 32], 3, &[2; 32], black_box(&[0u8; 92])))
    });
    g.bench_function("replay_tag (SHA-256)", |b| {
        b.iter(|| contact_tracing::mix::replay_tag(3, black_box(&[0u8; 108])))
    });
    g.finish();
}

fn lioness(c: &mut Criterion) {
    let mut g = c.benchmark_group("mix/lioness");
    let key = [7u8; 192];
    let ours = Lioness::new(&key);
    let theirs = lioness::LionessDefault::new_raw(&key);
    let mut block = [5u8; 239];
    g.bench_function("ours: decrypt 239 B", |b| {
        b.iter(|| ours.decrypt(black_box(&mut block)).unwrap())
    });
    g.bench_function("lioness 0.1.2: decrypt 239 B", |b| {
        b.iter(|| theirs.decrypt(black_box(&mut block)).unwrap())
    });
    g.finish();
}

criterion_group!(group, per_hop, creation, parts, lioness);
criterion_main!(group);
