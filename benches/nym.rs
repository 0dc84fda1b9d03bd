//! Benches of the `nym` protocol (BENCHMARKS.md `## Nym`): contact-address generation for a day,
//! log encryption per contact (beside a bare X25519 floor), nymserver lookup at 1 million entries
//! (beside a std `HashMap` floor), the nymserver's Swap accepted and refused (beside one chain step).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::HashMap;

use contact_tracing::mix::{
    create_surb, DelayDistribution, DiscoveryDocument, EntityEntry, Geometry, MailboxAddress, Mix,
    MixSecret, Roles, RouteHop, SECONDS_PER_DAY,
};
use contact_tracing::nym::authority::Authority;
use contact_tracing::nym::{
    chain_element, chain_step, nym_key, seal_blob, Client, ClientConfig, ContactAddress, LogEntry,
    MemoryNymStore, NymEntry, NymStore, Nymserver, NymserverSecret, SwapRequest, CHAIN_LEN,
};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::SigningKey;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const NOW: u64 = 20_000 * SECONDS_PER_DAY;

fn doc(rng: &mut ChaCha20Rng) -> DiscoveryDocument {
    let g = Geometry::FOUR_HOPS;
    let mut entries = Vec::new();
    for n in [1u8, 2, 3, 4, 5, 10, 20] {
        let mut m = Mix::new(n, g, DelayDistribution::Fixed(0));
        m.rotate(NOW, rng);
        let roles = match n {
            10 => Roles::MAILBOX.union(Roles::MIX),
            20 => Roles::NYMSERVER.union(Roles::MIX),
            _ => Roles::MIX,
        };
        let (first, keys) = m.keyring().published(NOW);
        let sk = SigningKey::from_bytes(&[n; 32]);
        entries.push(EntityEntry::new_signed(n, roles, &sk, first, keys).unwrap());
    }
    DiscoveryDocument::new(NOW, entries).unwrap()
}

fn benches(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let d = doc(&mut rng);
    let ns = NymserverSecret::from_bytes([4; 32]);
    let config = ClientConfig {
        geometry: Geometry::FOUR_HOPS,
        mailbox_entity: 10,
        nymserver_entity: 20,
        nymserver_key: ns.public(),
    };
    let mut g = c.benchmark_group("nym");
    g.sample_size(10);
    g.bench_function(
        "contact addresses for a day (288: key, SURB, blob, Swap packet)",
        |b| {
            b.iter(|| {
                let mut client = Client::new(config);
                for i in 0..288u64 {
                    black_box(client.supply(NOW, NOW / 300 + i, &d, &mut rng).unwrap());
                }
            })
        },
    );
    g.finish();

    let mut g = c.benchmark_group("nym-log");
    let k = [7u8; 32];
    g.bench_function("log entry seal (X25519 x2, HKDF, ChaCha20-Poly1305)", |b| {
        b.iter(|| black_box(LogEntry::seal_with_rng(&ns.public(), &k, NOW, 1, &mut rng).unwrap()))
    });
    let e = LogEntry::seal_with_rng(&ns.public(), &k, NOW, 1, &mut rng).unwrap();
    g.bench_function("log entry open (nymserver side)", |b| {
        b.iter(|| black_box(e.open(&ns).unwrap()))
    });
    g.bench_function("floor: one X25519 scalar multiplication", |b| {
        let s = x25519_dalek::StaticSecret::from([5u8; 32]);
        let p = x25519_dalek::PublicKey::from(ns.public());
        b.iter(|| black_box(s.diffie_hellman(&p)))
    });
    g.finish();

    // 1 million entries. Filler entries carry an empty blob (lookup cost does not depend on it).
    let mut store = MemoryNymStore::default();
    let mut floor: HashMap<[u8; 32], NymEntry> = HashMap::with_capacity(1 << 20);
    let mut keys = Vec::with_capacity(1024);
    for i in 0..1_000_000u32 {
        let mut a = [0u8; 32];
        rng.fill_bytes(&mut a);
        let key = nym_key(&a);
        let entry = NymEntry {
            expires: NOW + 1,
            verifier: [0; 32],
            blob: Vec::new(),
            used: false,
            next_seq: 0,
            queue: Vec::new(),
            history: Vec::new(),
        };
        if i % 1000 == 0 {
            keys.push(a);
        }
        floor.insert(key, entry.clone());
        store.insert(key, entry);
    }
    let _ = Authority::from_seed(&[1; 32]);
    let mut g = c.benchmark_group("nym-lookup-1M");
    let mut i = 0usize;
    g.bench_function("MemoryNymStore (BTreeMap): hash(K) + get, hit", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            black_box(store.get(&nym_key(&keys[i])).is_some())
        })
    });
    g.bench_function("MemoryNymStore: hash(K) + get, miss", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let mut a = [0u8; 32];
            a[..8].copy_from_slice(&(i as u64).to_le_bytes());
            black_box(store.get(&nym_key(&a)).is_some())
        })
    });
    g.bench_function("floor: std HashMap hash(K) + get, hit", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            black_box(floor.contains_key(&nym_key(&keys[i])))
        })
    });
    g.finish();

    // The nymserver's Swap: an honest replace (one chain step, the acknowledgement built and
    // sealed) and the worst refused one (2 x SWAP_WINDOW chain steps), beside one SHA-256.
    let mut g = c.benchmark_group("nym-swap");
    let ha = Authority::from_seed(&[1; 32]);
    let route: Vec<RouteHop> = [1u8, 2, 3, 10]
        .iter()
        .map(|n| RouteHop {
            entity: *n,
            key_select: 7,
            public_key: MixSecret::from_bytes([*n; 32]).public_key(),
        })
        .collect();
    let surb = create_surb(
        Geometry::FOUR_HOPS,
        &route,
        &MailboxAddress([1; 36]),
        &[2; 32],
        &[3; 32],
    )
    .unwrap()
    .0;
    let seed = [9u8; 32];
    let k = ContactAddress::from_seed(&seed).address();
    let blob = seal_blob(&k, &surb).unwrap();
    let req = |i: usize| SwapRequest {
        key: nym_key(&k),
        authentication: *chain_element(&seed, i).unwrap(),
        blob: blob.clone(),
    };
    let mut nsv = Nymserver::new(
        Geometry::FOUR_HOPS,
        NymserverSecret::from_bytes([4; 32]),
        ha.public(),
    );
    nsv.swap(NOW, &req(0)).unwrap();
    let mut idx = 0usize;
    g.bench_function(
        "Swap accepted: one chain step, acknowledgement through the old SURB",
        |b| {
            b.iter(|| {
                idx += 1;
                if idx >= CHAIN_LEN {
                    nsv = Nymserver::new(
                        Geometry::FOUR_HOPS,
                        NymserverSecret::from_bytes([4; 32]),
                        ha.public(),
                    );
                    nsv.swap(NOW, &req(0)).unwrap();
                    idx = 1;
                }
                black_box(nsv.swap(NOW, &req(idx)).unwrap())
            })
        },
    );
    let mut foreign = req(1);
    foreign.authentication = [7; 32];
    g.bench_function(
        "Swap refused: a foreign element (2 x 128 chain steps)",
        |b| b.iter(|| black_box(nsv.swap(NOW, &foreign).is_err())),
    );
    g.bench_function("floor: one chain step (SHA-256 of 65 bytes)", |b| {
        b.iter(|| black_box(chain_step(black_box(&[5; 32]))))
    });
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
