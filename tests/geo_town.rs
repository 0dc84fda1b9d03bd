//! A simulated town (`spec/geo.md §9`): thousands of users, a day of 5-minute samples, fixed seed.
//! Clients filter samples, build de-duplicated risk points, fetch classic salts hourly from three
//! rate-limited salt servers chosen by D cell, hash and upload; some users report positive. The
//! central server's answers must equal a brute-force reference computed from the raw points
//! (grid cells and time blocks only: no salts, hashes or central store).
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use contact_tracing::geo::{
    risk_hash_classic, risk_points, time_blocks, BlockSize, CellId, CentralConfig, CentralServer,
    ClientKey, Layer, MemoryStorage, OprfSeed, RiskHash, RiskPoint, RiskPointSet, Salt, SaltItem,
    SaltKey, SaltRequest, SaltServer, SaltServerConfig, Sample, SampleFilter, TimeBlock,
    UploadRecord, UserId, RISK_KEY_LEN,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const SERVERS: u32 = 3;
const DAY0: u64 = 1_699_920_000; // a UTC midnight

struct Client {
    id: UserId,
    addr: ClientKey,
    filter: SampleFilter,
    samples: Vec<Sample>,
    points: RiskPointSet,
    uploaded: BTreeSet<[u8; RISK_KEY_LEN]>,
    salts: HashMap<(u16, TimeBlock), Salt>,
    by_hash: HashMap<RiskHash, [u8; RISK_KEY_LEN]>,
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// 2000 users, three hours (08:00-11:00 UTC): runs in the default debug `cargo test`.
#[test]
fn town_three_hours_matches_brute_force() {
    town(env_or("GEO_TOWN_USERS", 2000) as usize, 8, 3);
}

/// 2000 users, a full day (24 hours, 576 000 samples, ≈ 5.6 M uploads). About 9 minutes in a
/// debug build on a shared 2-core machine; run it in release:
/// `cargo test --release --test geo_town -- --ignored`.
#[test]
#[ignore = "slow in debug builds; run with --release -- --ignored"]
fn town_full_day_matches_brute_force() {
    town(env_or("GEO_TOWN_USERS", 2000) as usize, 0, 24);
}

fn town(n_users: usize, first_hour: u64, hours: u64) {
    let mut rng = ChaCha20Rng::from_seed([0x70; 32]);
    // 60 venues in a ~2 km square around (47.37, 8.54); each user also has a private home spot.
    let venues: Vec<(i32, i32)> = (0..60)
        .map(|_| {
            (
                47_370_000 + (rng.next_u32() % 18_000) as i32,
                8_540_000 + (rng.next_u32() % 26_000) as i32,
            )
        })
        .collect();
    let mut clients: Vec<Client> = (0..n_users)
        .map(|i| {
            let mut id = [0u8; 16];
            rng.fill_bytes(&mut id);
            let i = i as u32;
            Client {
                id: UserId(id),
                addr: ClientKey::from_ipv4([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]),
                filter: SampleFilter::new(),
                samples: Vec::new(),
                points: RiskPointSet::new(),
                uploaded: BTreeSet::new(),
                salts: HashMap::new(),
                by_hash: HashMap::new(),
            }
        })
        .collect();
    let homes: Vec<(i32, i32)> = (0..n_users)
        .map(|_| {
            (
                47_300_000 + (rng.next_u32() % 150_000) as i32,
                8_400_000 + (rng.next_u32() % 300_000) as i32,
            )
        })
        .collect();
    let mut servers: Vec<SaltServer> = (0..SERVERS)
        .map(|s| {
            SaltServer::new(
                SaltServerConfig::default(),
                SaltKey::from_bytes([s as u8 + 1; 32]),
                OprfSeed::from_bytes([s as u8 + 100; 32]),
            )
            .unwrap()
        })
        .collect();
    let mut central = CentralServer::new(CentralConfig::default(), MemoryStorage::new()).unwrap();
    // The same uploads in a server that marks two hops.
    let mut central2 = CentralServer::new(
        CentralConfig {
            hops: 2,
            ..CentralConfig::default()
        },
        MemoryStorage::new(),
    )
    .unwrap();

    let mut dropped = 0usize;
    for hour in first_hour..first_hour + hours {
        // Where each user spends this hour: at home at night, else a venue half of the time.
        for (u, c) in clients.iter_mut().enumerate() {
            let at_venue = (8..22).contains(&hour) && rng.next_u32() % 2 == 0;
            let spot = if at_venue {
                venues[(rng.next_u32() % venues.len() as u32) as usize]
            } else {
                homes[u]
            };
            let phase = u64::from(rng.next_u32() % 300);
            for i in 0..12u64 {
                let t = DAY0 + hour * 3600 + i * 300 + phase;
                let lat = spot.0 + (rng.next_u32() % 61) as i32 - 30;
                let lon = spot.1 + (rng.next_u32() % 61) as i32 - 30;
                let acc = if rng.next_u32() % 10 == 0 {
                    1500
                } else {
                    300 + rng.next_u32() % 700
                };
                match c.filter.accept(t, lat, lon, acc) {
                    Ok(s) => {
                        c.samples.push(s);
                        c.points.add_sample(&s.location, s.t);
                    }
                    Err(_) => dropped += 1,
                }
            }
        }
        // Hourly sync: salts for new risk points, hash, upload.
        let now = DAY0 + (hour + 1) * 3600;
        for c in clients.iter_mut() {
            let fresh: Vec<RiskPoint> = c
                .points
                .iter()
                .filter(|p| !c.uploaded.contains(&p.key()))
                .copied()
                .collect();
            let mut need: BTreeMap<u16, BTreeSet<TimeBlock>> = BTreeMap::new();
            for p in &fresh {
                let s = p.cell().server_index(SERVERS).unwrap();
                if !c.salts.contains_key(&(s, p.block())) {
                    need.entry(s).or_default().insert(p.block());
                }
            }
            for (s, blocks) in need {
                let req = SaltRequest {
                    items: blocks.iter().map(|&b| SaltItem::from(b)).collect(),
                };
                assert!(req.items.len() <= 90);
                let resp = servers[usize::from(s)]
                    .handle_classic(c.addr, now, &req)
                    .expect("one request per server per hour is allowed");
                for (b, answer) in blocks.iter().zip(resp.items) {
                    c.salts
                        .insert((s, *b), Salt::from_bytes(answer.expect("block in window")));
                }
            }
            let mut records = Vec::with_capacity(fresh.len());
            for p in &fresh {
                let s = p.cell().server_index(SERVERS).unwrap();
                let hash = risk_hash_classic(&c.salts[&(s, p.block())], p);
                c.by_hash.insert(hash, p.key());
                c.uploaded.insert(p.key());
                records.push(UploadRecord {
                    hash,
                    user: c.id,
                    size: p.block().size(),
                });
            }
            if !records.is_empty() {
                assert_eq!(central.upload(c.addr, now, &records), Ok(records.len()));
                assert_eq!(central2.upload(c.addr, now, &records), Ok(records.len()));
            }
        }
    }
    let end = DAY0 + (first_hour + hours) * 3600;
    let positives: Vec<usize> = (0..5).map(|i| i * (n_users / 5) + 7).collect();
    for &p in &positives {
        central.report_positive(&clients[p].id, end).unwrap();
        central2.report_positive(&clients[p].id, end).unwrap();
    }

    // The central server's answers, as risk keys (each client maps its own hashes back).
    let mut got: BTreeMap<usize, BTreeSet<[u8; RISK_KEY_LEN]>> = BTreeMap::new();
    for (u, c) in clients.iter().enumerate() {
        let ans = central.query(&c.id);
        for r in ans.at_risk {
            got.entry(u).or_default().insert(c.by_hash[&r.hash]);
        }
    }

    // Brute force from raw points: a user's risk key is at risk iff some positive user's sample
    // has the same cell in that layer and a common (size, k) among current/next blocks.
    struct Raw {
        user: usize,
        t: u64,
        cells: [CellId; 3],
    }
    let mut raw: Vec<Raw> = clients
        .iter()
        .enumerate()
        .flat_map(|(u, c)| {
            c.samples.iter().map(move |s| Raw {
                user: u,
                t: s.t,
                cells: s.location.fine_cells(),
            })
        })
        .collect();
    raw.sort_by_key(|r| r.t);
    let mut want: BTreeMap<usize, BTreeSet<[u8; RISK_KEY_LEN]>> = BTreeMap::new();
    let horizon = 2 * BlockSize::M80.seconds();
    for &p in &positives {
        for ps in &clients[p].samples {
            let pcells = ps.location.fine_cells();
            let pblocks: BTreeSet<TimeBlock> = time_blocks(ps.t).into_iter().collect();
            let lo = raw.partition_point(|r| r.t + horizon < ps.t);
            for r in raw[lo..].iter().take_while(|r| r.t <= ps.t + horizon) {
                for (cell, pcell) in r.cells.iter().zip(&pcells) {
                    if cell != pcell {
                        continue;
                    }
                    for b in time_blocks(r.t) {
                        if pblocks.contains(&b) {
                            want.entry(r.user)
                                .or_default()
                                .insert(RiskPoint::new(*cell, b).key());
                        }
                    }
                }
            }
        }
    }
    let at_risk_users = want.len();
    let total_keys: usize = want.values().map(BTreeSet::len).sum();
    let uploaded: usize = contact_tracing::geo::CentralStorage::record_count(central.storage());
    println!(
        "geo town: {n_users} users, {} kept samples ({dropped} dropped), {uploaded} records, \
         {at_risk_users} users at risk, {total_keys} at-risk keys",
        raw.len()
    );
    assert!(
        at_risk_users > positives.len() + 10,
        "the town must produce contacts"
    );
    assert_eq!(got, want);

    // Two hops, reference from the raw points' risk keys (no salts, hashes or central store):
    // level-0 keys are the positives' keys; level-1 users hold any of them; their keys are marked
    // too; a user's answer is their keys among the marked ones.
    let keys_of: Vec<BTreeSet<[u8; RISK_KEY_LEN]>> = clients
        .iter()
        .map(|c| {
            let mut set = RiskPointSet::new();
            for s in &c.samples {
                set.add_sample(&s.location, s.t);
            }
            set.iter().map(RiskPoint::key).collect()
        })
        .collect();
    let mut users_of: HashMap<[u8; RISK_KEY_LEN], Vec<usize>> = HashMap::new();
    for (u, keys) in keys_of.iter().enumerate() {
        for k in keys {
            users_of.entry(*k).or_default().push(u);
        }
    }
    let level0: BTreeSet<[u8; RISK_KEY_LEN]> = positives
        .iter()
        .flat_map(|&p| keys_of[p].iter().copied())
        .collect();
    let level1_users: BTreeSet<usize> = level0
        .iter()
        .flat_map(|k| users_of[k].iter().copied())
        .filter(|u| !positives.contains(u))
        .collect();
    let marked: BTreeSet<[u8; RISK_KEY_LEN]> = level0
        .iter()
        .copied()
        .chain(
            level1_users
                .iter()
                .flat_map(|&u| keys_of[u].iter().copied()),
        )
        .collect();
    let mut want2: BTreeMap<usize, BTreeSet<[u8; RISK_KEY_LEN]>> = BTreeMap::new();
    for (u, keys) in keys_of.iter().enumerate() {
        let hit: BTreeSet<_> = keys.intersection(&marked).copied().collect();
        if !hit.is_empty() {
            want2.insert(u, hit);
        }
    }
    let mut got2: BTreeMap<usize, BTreeSet<[u8; RISK_KEY_LEN]>> = BTreeMap::new();
    for (u, c) in clients.iter().enumerate() {
        for r in central2.query(&c.id).at_risk {
            got2.entry(u).or_default().insert(c.by_hash[&r.hash]);
        }
    }
    println!("geo town: {} users at risk within two hops", want2.len());
    assert!(want2.len() > want.len());
    assert_eq!(got2, want2);
    // Layer sanity: risk points of one sample are 30, one per (layer, block).
    let s = clients[0].samples[0];
    assert_eq!(risk_points(&s.location, s.t)[10].cell().layer(), Layer::B);
}
