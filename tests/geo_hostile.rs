//! The geo protocol end to end over the shared hostile network (`tests/hostile_net`, TEAM.md
//! contract 5) at loss rates 0, 1 %, 5 % and 20 %: salt requests and answers, uploads and their
//! acknowledgements, and the final risk queries may be dropped, duplicated, delayed, reordered or
//! replayed. Clients keep every risk point until an upload carrying it is acknowledged, and retry.
//!
//! Properties: nothing panics; every bound holds; a replayed upload never adds a record its
//! original did not; every client either learns its exact risk (equal to a reference computed
//! from the records the central server acknowledged) or knows it did not get an answer; every risk
//! point is acknowledged or still held by its client (none is lost silently).
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "hostile_net/mod.rs"]
mod hostile_net;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use contact_tracing::geo::{
    risk_hash_classic, CentralConfig, CentralServer, CentralStorage, ClientKey, GeoError,
    MemoryStorage, OprfSeed, RiskHash, RiskPoint, RiskPointSet, Salt, SaltItem, SaltKey,
    SaltRequest, SaltResponse, SaltServer, SaltServerConfig, SampleFilter, TimeBlock, UploadRecord,
    UserId, RISK_KEY_LEN,
};
use hostile_net::{Copy, Faults, Network};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const SERVERS: u32 = 2;
const DAY0: u64 = 1_699_920_000;
type Key = [u8; RISK_KEY_LEN];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Addr {
    Salt(u16),
    Central,
    Client(usize),
}

#[derive(Clone, Debug)]
enum Pkt {
    SaltReq {
        from: usize,
        id: u64,
        bytes: Vec<u8>,
    },
    SaltResp {
        id: u64,
        answer: Result<Vec<u8>, GeoError>,
    },
    Upload {
        from: usize,
        id: u64,
        records: Vec<[u8; 49]>,
    },
    Ack {
        id: u64,
        answer: Result<usize, GeoError>,
    },
    Query {
        from: usize,
        id: u64,
    },
    Answer {
        id: u64,
        at_risk: Vec<RiskHash>,
    },
}

impl Pkt {
    fn len(&self) -> usize {
        match self {
            Pkt::SaltReq { bytes, .. } => bytes.len(),
            Pkt::SaltResp { answer, .. } => answer.as_ref().map_or(2, Vec::len),
            Pkt::Upload { records, .. } => 49 * records.len(),
            Pkt::Ack { .. } | Pkt::Query { .. } => 8,
            Pkt::Answer { at_risk, .. } => 32 * at_risk.len(),
        }
    }
}

struct Client {
    id: UserId,
    addr: ClientKey,
    points: RiskPointSet,
    salts: HashMap<(u16, TimeBlock), Salt>,
    asked: HashMap<u64, (u16, Vec<TimeBlock>)>,
    uploading: HashMap<u64, Vec<Key>>,
    acked: BTreeSet<Key>,
    by_hash: HashMap<RiskHash, Key>,
    query: Option<u64>,
    answer: Option<BTreeSet<Key>>,
}

#[derive(Default, Debug)]
struct Figures {
    salt_requests: u64,
    uploads: u64,
    upload_retries: u64,
    refusals: BTreeMap<&'static str, u64>,
    replayed_uploads: u64,
    bytes: u64,
}

fn run(rate: f64, seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let faults = if rate == 0.0 {
        Faults::NONE
    } else {
        Faults::uniform(rate, 30)
    };
    let mut net: Network<Addr, Pkt> = Network::new(seed, faults);
    let n_users = 150usize;
    let venues: Vec<(i32, i32)> = (0..12)
        .map(|_| {
            (
                47_370_000 + (rng.next_u32() % 3_000) as i32,
                8_540_000 + (rng.next_u32() % 3_000) as i32,
            )
        })
        .collect();
    let mut clients: Vec<Client> = (0..n_users)
        .map(|i| {
            let mut id = [0u8; 16];
            rng.fill_bytes(&mut id);
            Client {
                id: UserId(id),
                addr: ClientKey::from_ipv4([10, 9, (i >> 8) as u8, i as u8]),
                points: RiskPointSet::new(),
                salts: HashMap::new(),
                asked: HashMap::new(),
                uploading: HashMap::new(),
                acked: BTreeSet::new(),
                by_hash: HashMap::new(),
                query: None,
                answer: None,
            }
        })
        .collect();
    let mut servers: Vec<SaltServer> = (0..SERVERS)
        .map(|s| {
            SaltServer::new(
                SaltServerConfig::default(),
                SaltKey::from_bytes([s as u8 + 1; 32]),
                OprfSeed::from_bytes([9; 32]),
            )
            .unwrap()
        })
        .collect();
    let mut central = CentralServer::new(CentralConfig::default(), MemoryStorage::new()).unwrap();
    let mut fig = Figures::default();
    let mut next_id = 0u64;
    let mut upload_added: HashMap<u64, usize> = HashMap::new();

    let mut deliver = |now: u64,
                       net: &mut Network<Addr, Pkt>,
                       clients: &mut Vec<Client>,
                       servers: &mut Vec<SaltServer>,
                       central: &mut CentralServer,
                       fig: &mut Figures| {
        for env in net.deliver_due(now) {
            fig.bytes += env.packet.len() as u64;
            match (env.to, env.packet) {
                (Addr::Salt(s), Pkt::SaltReq { from, id, bytes }) => {
                    let answer = SaltRequest::from_bytes(&bytes)
                        .and_then(|r| {
                            servers[usize::from(s)]
                                .handle_classic(clients[from].addr, now, &r)
                                .map_err(|r| r.error)
                        })
                        .map(|resp| resp.to_bytes().unwrap());
                    if let Err(e) = &answer {
                        *fig.refusals.entry(code(*e)).or_default() += 1;
                    }
                    net.send(now, Addr::Client(from), Pkt::SaltResp { id, answer });
                }
                (Addr::Central, Pkt::Upload { from, id, records }) => {
                    let recs: Vec<UploadRecord> = records
                        .iter()
                        .map(|r| UploadRecord::from_bytes(r).unwrap())
                        .collect();
                    let answer = central
                        .upload(clients[from].addr, now, &recs)
                        .map_err(|r| r.error);
                    match (&answer, env.copy) {
                        (Ok(n), Copy::Original) => {
                            upload_added.insert(id, *n);
                        }
                        (Ok(n), _) => {
                            fig.replayed_uploads += 1;
                            // A copy adds only what a lost or later original would have added.
                            let first = upload_added.entry(id).or_insert(*n);
                            assert!(*n <= recs.len() && (*n == 0 || *first == *n));
                        }
                        (Err(e), _) => *fig.refusals.entry(code(*e)).or_default() += 1,
                    }
                    net.send(now, Addr::Client(from), Pkt::Ack { id, answer });
                }
                (Addr::Central, Pkt::Query { from, id }) => {
                    let at_risk = central
                        .query(&clients[from].id)
                        .at_risk
                        .iter()
                        .map(|r| r.hash)
                        .collect();
                    net.send(now, Addr::Client(from), Pkt::Answer { id, at_risk });
                }
                (Addr::Client(c), Pkt::SaltResp { id, answer }) => {
                    let client = &mut clients[c];
                    if let (Some((s, blocks)), Ok(bytes)) = (client.asked.remove(&id), answer) {
                        let resp = SaltResponse::from_bytes(&bytes).unwrap();
                        assert_eq!(resp.items.len(), blocks.len());
                        for (b, a) in blocks.iter().zip(resp.items) {
                            if let Ok(salt) = a {
                                client.salts.insert((s, *b), Salt::from_bytes(salt));
                            }
                        }
                    }
                }
                (Addr::Client(c), Pkt::Ack { id, answer }) => {
                    if let (Some(keys), Ok(_)) = (clients[c].uploading.remove(&id), answer) {
                        clients[c].acked.extend(keys);
                    }
                }
                (Addr::Client(c), Pkt::Answer { id, at_risk }) => {
                    let client = &mut clients[c];
                    if client.query == Some(id) {
                        client.answer = Some(at_risk.iter().map(|h| client.by_hash[h]).collect());
                    }
                }
                (to, p) => panic!("misrouted {p:?} to {to:?}"),
            }
        }
    };

    // Five hours of samples, then two hours in which clients only sync what they still hold.
    let hours = 5u64;
    for hour in 0..hours + 2 {
        for c in clients.iter_mut().filter(|_| hour < hours) {
            let spot = venues[(rng.next_u32() % venues.len() as u32) as usize];
            let mut filter = SampleFilter::new();
            for i in 0..12u64 {
                let t = DAY0 + (8 + hour) * 3600 + i * 300;
                let lat = spot.0 + (rng.next_u32() % 41) as i32 - 20;
                let lon = spot.1 + (rng.next_u32() % 41) as i32 - 20;
                if let Ok(s) = filter.accept(t, lat, lon, 500) {
                    c.points.add_sample(&s.location, s.t);
                }
            }
        }
        let sync = DAY0 + (9 + hour) * 3600;
        // Salt requests for every pending point without a salt (one request per server).
        for (u, c) in clients.iter_mut().enumerate() {
            c.asked.clear();
            let mut need: BTreeMap<u16, BTreeSet<TimeBlock>> = BTreeMap::new();
            for p in c.points.iter().filter(|p| !c.acked.contains(&p.key())) {
                let s = p.cell().server_index(SERVERS).unwrap();
                if !c.salts.contains_key(&(s, p.block())) {
                    need.entry(s).or_default().insert(p.block());
                }
            }
            for (s, blocks) in need {
                let blocks: Vec<TimeBlock> = blocks.into_iter().take(90).collect();
                let bytes = SaltRequest {
                    items: blocks.iter().map(|&b| SaltItem::from(b)).collect(),
                }
                .to_bytes()
                .unwrap();
                next_id += 1;
                c.asked.insert(next_id, (s, blocks));
                fig.salt_requests += 1;
                let t = sync + (u as u64 % 60);
                net.send(
                    t,
                    Addr::Salt(s),
                    Pkt::SaltReq {
                        from: u,
                        id: next_id,
                        bytes,
                    },
                );
            }
        }
        for now in sync..sync + 1200 {
            deliver(
                now,
                &mut net,
                &mut clients,
                &mut servers,
                &mut central,
                &mut fig,
            );
        }
        // Uploads of every pending point that has a salt; lost ones are sent again next hour.
        for (u, c) in clients.iter_mut().enumerate() {
            let retry = !c.uploading.is_empty();
            c.uploading.clear();
            let mut records = Vec::new();
            let mut keys = Vec::new();
            let pending: Vec<RiskPoint> = c
                .points
                .iter()
                .filter(|p| !c.acked.contains(&p.key()))
                .copied()
                .collect();
            for p in pending {
                let s = p.cell().server_index(SERVERS).unwrap();
                if let Some(salt) = c.salts.get(&(s, p.block())) {
                    let hash = risk_hash_classic(salt, &p);
                    c.by_hash.insert(hash, p.key());
                    keys.push(p.key());
                    records.push(
                        UploadRecord {
                            hash,
                            user: c.id,
                            size: p.block().size(),
                        }
                        .to_bytes(),
                    );
                }
            }
            if records.is_empty() {
                continue;
            }
            fig.uploads += 1;
            fig.upload_retries += u64::from(retry);
            next_id += 1;
            c.uploading.insert(next_id, keys);
            let t = sync + 1200 + (u as u64 % 60);
            net.send(
                t,
                Addr::Central,
                Pkt::Upload {
                    from: u,
                    id: next_id,
                    records,
                },
            );
        }
        for now in sync + 1200..sync + 3000 {
            deliver(
                now,
                &mut net,
                &mut clients,
                &mut servers,
                &mut central,
                &mut fig,
            );
        }
        for s in &servers {
            assert!(s.clients() <= n_users);
        }
        assert!(central.storage().record_count() <= central.config().max_records);
    }
    // Drain what is still in flight, then the positive reports and the risk queries, retried
    // every 10 minutes up to 12 times.
    let end = DAY0 + (9 + hours + 2) * 3600 + 3600;
    for now in end - 3600..end {
        deliver(
            now,
            &mut net,
            &mut clients,
            &mut servers,
            &mut central,
            &mut fig,
        );
    }
    let positives: Vec<usize> = (0..5).map(|i| i * (n_users / 5) + 3).collect();
    for &p in &positives {
        central.report_positive(&clients[p].id, end).unwrap();
    }
    for round in 0..12u64 {
        let t = end + round * 600;
        for (u, c) in clients.iter_mut().enumerate() {
            if c.answer.is_none() {
                next_id += 1;
                c.query = Some(next_id);
                net.send(
                    t,
                    Addr::Central,
                    Pkt::Query {
                        from: u,
                        id: next_id,
                    },
                );
            }
        }
        for now in t..t + 600 {
            deliver(
                now,
                &mut net,
                &mut clients,
                &mut servers,
                &mut central,
                &mut fig,
            );
        }
    }
    // The reference: the keys the central server holds for each user (mapped back through the
    // user's own hashes), intersected with those it holds for the positive users.
    let held_keys = |c: &Client| -> BTreeSet<Key> {
        central
            .storage()
            .records_of_user(&c.id)
            .iter()
            .map(|(h, _)| c.by_hash[h])
            .collect()
    };
    let positive_keys: BTreeSet<Key> = positives
        .iter()
        .flat_map(|&p| held_keys(&clients[p]))
        .collect();
    let mut answered = 0;
    let mut at_risk = 0;
    let mut held = 0usize;
    let mut stored_unacked = 0usize;
    for c in &clients {
        let all: BTreeSet<Key> = c.points.iter().map(|p| p.key()).collect();
        let stored = held_keys(c);
        // An acknowledgement never lies; what is stored without one is still held by the client,
        // which would upload it again (a refresh).
        assert!(
            c.acked.is_subset(&stored),
            "an acknowledged point is missing"
        );
        assert!(stored.is_subset(&all));
        held += all.len() - c.acked.len();
        stored_unacked += stored.len() - c.acked.len();
        if let Some(got) = &c.answer {
            answered += 1;
            let want: BTreeSet<Key> = stored.intersection(&positive_keys).copied().collect();
            assert!(
                *got == want,
                "a client's risk differs from the reference ({} vs {})",
                got.len(),
                want.len()
            );
            at_risk += usize::from(!got.is_empty());
        }
    }
    let stats = net.stats();
    println!(
        "geo hostile net at {:>4.1} %: {n_users} users, {answered} answered ({at_risk} at risk), \
         {} not answered (and know it); {} salt requests, {} uploads ({} retries), {held} points \
         still held by their clients ({stored_unacked} of them stored but unacknowledged); packets sent {} dropped {} duplicated {} replayed {} \
         (replayed uploads {}); refusals {:?}; {:.0} bytes per client per day",
        rate * 100.0,
        n_users - answered,
        fig.salt_requests,
        fig.uploads,
        fig.upload_retries,
        stats.sent,
        stats.dropped,
        stats.duplicated,
        stats.replayed,
        fig.replayed_uploads,
        fig.refusals,
        fig.bytes as f64 / n_users as f64 * 24.0 / (hours + 5) as f64,
    );
    if rate == 0.0 {
        assert_eq!(answered, n_users);
        assert_eq!(held, 0, "a perfect network acknowledges every point");
        assert!(at_risk > positives.len(), "the town must produce contacts");
    }
    assert!(
        answered * 10 >= n_users * 9,
        "{answered} of {n_users} answered"
    );
}

fn code(e: GeoError) -> &'static str {
    use contact_tracing::error::ErrorCode;
    e.code()
}

#[test]
fn hostile_network_loss_0() {
    run(0.0, 1);
}

#[test]
fn hostile_network_loss_1_percent() {
    run(0.01, 2);
}

#[test]
fn hostile_network_loss_5_percent() {
    run(0.05, 3);
}

#[test]
fn hostile_network_loss_20_percent() {
    run(0.20, 4);
}
