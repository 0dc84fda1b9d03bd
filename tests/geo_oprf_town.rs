//! OPRF mode end to end (`spec/geo.md §6`, `§8`): a small town (6 users, one hour: OPRF
//! arithmetic is slow in debug builds) whose clients blind every fine cell,
//! get evaluations from rate-limited salt servers (chosen by D cell), unblind, hash and upload.
//! The central server's answers must equal those of the same town in classic mode, mapped back to
//! risk keys: both modes hash the same risk points, only the salt differs.
#![cfg(feature = "alloc")]
#![allow(clippy::needless_range_loop)] // users and hours index several parallel tables
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use contact_tracing::geo::{
    risk_hash_classic, risk_hash_oprf, CentralConfig, CentralServer, ClientKey, MemoryStorage,
    OprfClientState, OprfItem, OprfRequest, OprfSeed, RiskHash, RiskPointSet, SaltItem, SaltKey,
    SaltRequest, SaltServer, SaltServerConfig, SampleFilter, UploadRecord, UserId, RISK_KEY_LEN,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const SERVERS: u32 = 2;
const T0: u64 = 1_699_948_800; // 08:00 UTC

type Answers = BTreeMap<usize, BTreeSet<[u8; RISK_KEY_LEN]>>;

#[test]
fn oprf_town_matches_classic_town() {
    let n_users = 6usize;
    let mut rng = ChaCha20Rng::from_seed([0x0f; 32]);
    let venues: Vec<(i32, i32)> = (0..2)
        .map(|i| (51_500_000 + i * 700, -120_000 + i * 900))
        .collect();
    // Per user and hour: a venue; 12 samples per hour for two hours.
    let mut sets: Vec<Vec<RiskPointSet>> = vec![vec![RiskPointSet::new(); 1]; n_users];
    for (u, per_hour) in sets.iter_mut().enumerate() {
        let mut filt = SampleFilter::new();
        for (h, set) in per_hour.iter_mut().enumerate() {
            let v = venues[(rng.next_u32() % 2) as usize];
            for i in 0..12u64 {
                let t = T0 + h as u64 * 3600 + i * 300 + u as u64;
                let lat = v.0 + (rng.next_u32() % 41) as i32 - 20;
                let lon = v.1 + (rng.next_u32() % 41) as i32 - 20;
                let s = filt.accept(t, lat, lon, 500).unwrap();
                set.add_sample(&s.location, s.t);
            }
        }
    }
    let ids: Vec<UserId> = (0..n_users).map(|u| UserId([u as u8 + 1; 16])).collect();
    let positives = [0usize];

    let run = |oprf: bool, rng: &mut ChaCha20Rng| -> Answers {
        let mut servers: Vec<SaltServer> = (0..SERVERS)
            .map(|s| {
                SaltServer::new(
                    SaltServerConfig::default(),
                    SaltKey::from_bytes([s as u8 + 1; 32]),
                    OprfSeed::from_bytes([s as u8 + 50; 32]),
                )
                .unwrap()
            })
            .collect();
        let mut central =
            CentralServer::new(CentralConfig::default(), MemoryStorage::new()).unwrap();
        let mut by_hash: Vec<HashMap<RiskHash, [u8; RISK_KEY_LEN]>> = vec![HashMap::new(); n_users];
        let mut done: Vec<BTreeSet<[u8; RISK_KEY_LEN]>> = vec![BTreeSet::new(); n_users];
        for h in 0..1usize {
            let now = T0 + (h as u64 + 1) * 3600;
            for u in 0..n_users {
                let addr = ClientKey::from_ipv4([10, 1, 0, u as u8]);
                let fresh: Vec<_> = sets[u][h]
                    .iter()
                    .filter(|p| !done[u].contains(&p.key()))
                    .copied()
                    .collect();
                let mut groups: BTreeMap<u16, Vec<_>> = BTreeMap::new();
                for p in fresh {
                    groups
                        .entry(p.cell().server_index(SERVERS).unwrap())
                        .or_default()
                        .push(p);
                }
                let mut records = Vec::new();
                for (s, pts) in groups {
                    let server = &mut servers[usize::from(s)];
                    let hashes: Vec<RiskHash> = if oprf {
                        let mut states = Vec::new();
                        let mut items = Vec::new();
                        for p in &pts {
                            let (st, blinded) =
                                OprfClientState::blind_random(&p.cell(), rng).unwrap();
                            states.push(st);
                            let b = p.block();
                            items.push(OprfItem {
                                size: b.size().minutes(),
                                index: b.index(),
                                blinded,
                            });
                        }
                        assert!(items.len() <= 400);
                        let resp = server
                            .handle_oprf(addr, now, &OprfRequest { items })
                            .unwrap();
                        pts.iter()
                            .zip(states)
                            .zip(resp.items)
                            .map(|((p, st), ans)| {
                                let out = st.finalize(&ans.unwrap()).unwrap();
                                risk_hash_oprf(&out, p)
                            })
                            .collect()
                    } else {
                        let blocks: BTreeSet<_> = pts.iter().map(|p| p.block()).collect();
                        let req = SaltRequest {
                            items: blocks.iter().map(|&b| SaltItem::from(b)).collect(),
                        };
                        let resp = server.handle_classic(addr, now, &req).unwrap();
                        let salts: HashMap<_, _> = blocks
                            .iter()
                            .zip(resp.items)
                            .map(|(b, a)| (*b, contact_tracing::geo::Salt::from_bytes(a.unwrap())))
                            .collect();
                        pts.iter()
                            .map(|p| risk_hash_classic(&salts[&p.block()], p))
                            .collect()
                    };
                    for (p, hash) in pts.iter().zip(hashes) {
                        by_hash[u].insert(hash, p.key());
                        done[u].insert(p.key());
                        records.push(UploadRecord {
                            hash,
                            user: ids[u],
                            size: p.block().size(),
                        });
                    }
                }
                if !records.is_empty() {
                    assert_eq!(central.upload(addr, now, &records), Ok(records.len()));
                }
            }
        }
        for &p in &positives {
            central.report_positive(&ids[p], T0 + 2 * 3600).unwrap();
        }
        let mut out = Answers::new();
        for u in 0..n_users {
            for r in central.query(&ids[u]).at_risk {
                out.entry(u).or_default().insert(by_hash[u][&r.hash]);
            }
        }
        out
    };
    let classic = run(false, &mut rng);
    let oprf = run(true, &mut rng);
    assert!(
        classic.len() > positives.len(),
        "the town must produce contacts"
    );
    assert_eq!(oprf, classic);
}
