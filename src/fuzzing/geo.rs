//! Fuzz-target bodies of the `geo` protocol (`spec/geo.md §10`, `§8`).

#[cfg(feature = "alloc")]
use alloc::{collections::BTreeMap, vec::Vec};

use crate::geo::{lattice_lookup, risk_points, CellId, Layer, Location, UploadRecord};
#[cfg(feature = "alloc")]
use crate::geo::{
    BlockSize, CentralConfig, CentralServer, CentralStorage, ClientKey, ClientLimits, GeoError,
    MemoryStorage, OprfClientState, OprfItem, OprfRequest, OprfSeed, RiskHash, SaltItem, SaltKey,
    SaltRequest, SaltResponse, SaltServer, SaltServerConfig, UserId,
};

/// `geo_cell_decode`: strict decoding never panics; an accepted id re-encodes to the input, its
/// centre looks up to itself and its D cell is a valid D cell.
pub fn geo_cell_decode(data: &[u8]) {
    if let Ok(cell) = CellId::from_bytes(data) {
        assert_eq!(&cell.to_bytes()[..], data);
        let c = cell.centre();
        let (r, col) = lattice_lookup(c.x, c.y, &cell.layer().params());
        assert_eq!((r, col), (i64::from(cell.row()), i64::from(cell.col())));
        let d = cell.d_cell();
        assert_eq!(CellId::from_bytes(&d.to_bytes()), Ok(d));
    }
}

/// `geo_upload_record_decode`: decode then re-encode gives the input.
pub fn geo_upload_record_decode(data: &[u8]) {
    if let Ok(r) = UploadRecord::from_bytes(data) {
        assert_eq!(&r.to_bytes()[..], data);
    }
}

#[cfg(feature = "alloc")]
/// `geo_salt_request_decode`: decode then re-encode gives the input.
pub fn geo_salt_request_decode(data: &[u8]) {
    if let Ok(r) = SaltRequest::from_bytes(data) {
        assert_eq!(r.to_bytes().as_deref(), Ok(data));
    }
}

#[cfg(feature = "alloc")]
/// `geo_oprf_request_decode`: decode then re-encode gives the input.
pub fn geo_oprf_request_decode(data: &[u8]) {
    if let Ok(r) = OprfRequest::from_bytes(data) {
        assert_eq!(r.to_bytes().as_deref(), Ok(data));
    }
}

#[cfg(feature = "alloc")]
/// `geo_response_decode`: decode then re-encode gives the input.
pub fn geo_response_decode(data: &[u8]) {
    if let Ok(r) = SaltResponse::from_bytes(data) {
        assert_eq!(r.to_bytes().as_deref(), Ok(data));
    }
}

/// `geo_location`: any 8 bytes as (lat_e6, lon_e6): validation, cells that decode back, 30
/// distinct risk points, the nearest-centre property of the lookup.
pub fn geo_location(data: &[u8]) {
    let mut b = [0u8; 16];
    for (d, s) in b.iter_mut().zip(data) {
        *d = *s;
    }
    let lat = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let lon = i32::from_be_bytes([b[4], b[5], b[6], b[7]]);
    let t = u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
    let Ok(loc) = Location::new(lat, lon) else {
        assert!(lat.unsigned_abs() > 90_000_000 || lon.unsigned_abs() > 180_000_000);
        return;
    };
    for layer in [Layer::A, Layer::B, Layer::C, Layer::D] {
        let cell = loc.cell(layer);
        assert_eq!(CellId::from_bytes(&cell.to_bytes()), Ok(cell));
    }
    let mut keys = risk_points(&loc, t).map(|p| p.key());
    keys.sort_unstable();
    assert!(
        keys.windows(2).all(|w| w[0] != w[1]),
        "30 distinct risk points"
    );
}

#[cfg(feature = "alloc")]
/// The client of a fuzz op byte: four IPv4 addresses, then IPv6 /64s in three /48s.
fn fuzz_client(b: u8) -> ClientKey {
    match b % 10 {
        n @ 0..=3 => ClientKey::from_ipv4([10, 0, 0, n]),
        n => ClientKey::V6([0x20, 1, 0xd, 0xb8, 0, n % 3, 0, n]),
    }
}

#[cfg(feature = "alloc")]
/// A reference model of the admission table (`spec/geo.md §8.3` checks 1–4), written
/// independently of `limit.rs`: a plain map scanned on every decision.
struct AdmissionModel {
    limits: ClientLimits,
    last: BTreeMap<ClientKey, u64>,
}

#[cfg(feature = "alloc")]
impl AdmissionModel {
    fn family(&self, c: &ClientKey) -> usize {
        let v4 = matches!(c, ClientKey::V4(_));
        self.last
            .keys()
            .filter(|k| matches!(k, ClientKey::V4(_)) == v4)
            .count()
    }

    fn prefix(&self, c: &ClientKey) -> usize {
        match c.v6_prefix() {
            None => 0,
            Some(p) => self
                .last
                .keys()
                .filter(|k| k.v6_prefix() == Some(p))
                .count(),
        }
    }

    fn full(&self, c: &ClientKey) -> (bool, bool) {
        let cap = match c {
            ClientKey::V4(_) => self.limits.max_v4_clients,
            ClientKey::V6(_) => self.limits.max_v6_clients,
        };
        let prefix_full =
            c.v6_prefix().is_some() && self.prefix(c) >= self.limits.max_clients_per_v6_prefix;
        (self.family(c) >= cap, prefix_full)
    }

    fn admit(&mut self, c: ClientKey, now: u64) -> Result<(), GeoError> {
        let w = u128::from(self.limits.window_s);
        if let Some(&last) = self.last.get(&c) {
            if u128::from(now) < u128::from(last) + w {
                return Err(GeoError::RateLimited);
            }
        } else {
            if self.full(&c) != (false, false) {
                self.last
                    .retain(|_, last| u128::from(now) < u128::from(*last) + w);
            }
            match self.full(&c) {
                (true, _) => return Err(GeoError::ServerBusy),
                (false, true) => return Err(GeoError::PrefixBusy),
                _ => {}
            }
        }
        self.last.insert(c, now);
        Ok(())
    }
}

#[cfg(feature = "alloc")]
/// `geo_salt_server_ops`: random request sequences against the salt server, compared with a
/// reference model of the admission rules (`spec/geo.md §8.3`). Each op is 5 bytes: client,
/// time delta (u16 BE), kind (even: classic, odd: OPRF), item count.
pub fn geo_salt_server_ops(data: &[u8]) {
    let config = SaltServerConfig {
        clients: ClientLimits {
            max_v4_clients: 3,
            max_v6_clients: 4,
            max_clients_per_v6_prefix: 2,
            ..ClientLimits::default()
        },
        max_salts: 20,
        max_evaluations: 3,
        ..SaltServerConfig::default()
    };
    let Ok(mut server) = SaltServer::new(
        config,
        SaltKey::from_bytes([1; 32]),
        OprfSeed::from_bytes([2; 32]),
    ) else {
        panic!("valid config")
    };
    let cell = Location::new(1, 1).map(|l| l.cell(Layer::A));
    let blinded = cell
        .ok()
        .and_then(|c| OprfClientState::blind(&c, [7; 32]).ok())
        .map_or([0u8; 32], |(_, b)| b);
    let mut model = AdmissionModel {
        limits: config.clients,
        last: BTreeMap::new(),
    };
    let mut now = 1_700_000_000u64;
    for op in data.chunks_exact(5).take(64) {
        let client = fuzz_client(op[0]);
        now += u64::from(u16::from_be_bytes([op[1], op[2]]));
        let oprf = op[3] % 2 == 1;
        let n = usize::from(op[4] % 24);
        let sizes = [5u8, 10, 20, 40, 80, 7];
        let items: Vec<(u8, u64)> = (0..n)
            .map(|i| {
                let s = sizes[(i + usize::from(op[4])) % sizes.len()];
                let b = u64::from(s.max(1)) * 60;
                let k = (now / b)
                    .wrapping_add(i as u64 % 4)
                    .wrapping_sub(2 + (i as u64 % 3) * 40);
                (s, k)
            })
            .collect();
        let max = if oprf {
            config.max_evaluations
        } else {
            config.max_salts
        };
        // Admission first, then the request's own checks (spec/geo.md, salt-server order).
        let request_check = if n == 0 {
            Err(GeoError::EmptyRequest)
        } else if n > max {
            Err(GeoError::TooManyItems)
        } else {
            Ok(())
        };
        let expected = model.admit(client, now).and(request_check);
        let got = if oprf {
            let req = OprfRequest {
                items: items
                    .iter()
                    .map(|&(size, index)| OprfItem {
                        size,
                        index,
                        blinded,
                    })
                    .collect(),
            };
            server.handle_oprf(client, now, &req)
        } else {
            let req = SaltRequest {
                items: items
                    .iter()
                    .map(|&(size, index)| SaltItem { size, index })
                    .collect(),
            };
            server.handle_classic(client, now, &req)
        };
        match (&expected, &got) {
            (Ok(()), Ok(resp)) => {
                assert_eq!(resp.items.len(), n);
                for (&(s, k), a) in items.iter().zip(&resp.items) {
                    assert_eq!(
                        a.as_ref().err().copied(),
                        server.check_item(s, k, now).err()
                    );
                }
            }
            (Err(e), Err(r)) => assert_eq!(*e, r.error),
            _ => panic!("model {expected:?} vs server {got:?}"),
        }
        assert_eq!(
            server.last_request(&client),
            model.last.get(&client).copied()
        );
        assert_eq!(server.clients(), model.last.len());
        assert!(server.v4_clients() <= config.clients.max_v4_clients);
        assert!(server.v6_clients() <= config.clients.max_v6_clients);
    }
}

#[cfg(feature = "alloc")]
/// A reference model of the central server (`spec/geo.md §9`): flat maps, a naive
/// breadth-first search, every bound recomputed by counting.
struct CentralModel {
    config: CentralConfig,
    admission: AdmissionModel,
    records: BTreeMap<(u8, u8), u64>,
    marks: BTreeMap<u8, (u8, u64)>,
}

#[cfg(feature = "alloc")]
impl CentralModel {
    fn upload(
        &mut self,
        client: ClientKey,
        now: u64,
        recs: &[(u8, u8)],
    ) -> Result<usize, GeoError> {
        self.admission.admit(client, now)?;
        if recs.is_empty() {
            return Err(GeoError::EmptyRequest);
        }
        if recs.len() > self.config.max_records_per_upload {
            return Err(GeoError::TooManyItems);
        }
        let mut fresh: Vec<(u8, u8)> = recs
            .iter()
            .copied()
            .filter(|r| !self.records.contains_key(r))
            .collect();
        fresh.sort_unstable();
        fresh.dedup();
        for &(user, _) in &fresh {
            let held = self.records.keys().filter(|(u, _)| *u == user).count();
            let new = fresh.iter().filter(|(u, _)| *u == user).count();
            if held + new > self.config.max_records_per_user {
                return Err(GeoError::UserQuota);
            }
        }
        if self.records.len() + fresh.len() > self.config.max_records {
            return Err(GeoError::StoreFull);
        }
        for r in recs {
            self.records.insert(*r, now);
        }
        Ok(fresh.len())
    }

    fn positive(&mut self, user: u8, now: u64) -> Result<usize, GeoError> {
        let mut visited = alloc::vec![user];
        let mut frontier = alloc::vec![user];
        let mut plan = Vec::new();
        for level in 0..self.config.hops {
            let mut hashes: Vec<u8> = self
                .records
                .keys()
                .filter(|(u, _)| frontier.contains(u))
                .map(|(_, h)| *h)
                .collect();
            hashes.sort_unstable();
            hashes.dedup();
            let mut next = Vec::new();
            for (u, h) in self.records.keys() {
                if hashes.contains(h) && !visited.contains(u) {
                    visited.push(*u);
                    next.push(*u);
                }
            }
            plan.push((level, hashes));
            frontier = next;
        }
        let mut new: Vec<u8> = plan
            .iter()
            .flat_map(|(_, hs)| hs.iter().copied())
            .filter(|h| !self.marks.contains_key(h))
            .collect();
        new.sort_unstable();
        new.dedup();
        if self.marks.len() + new.len() > self.config.max_marks {
            return Err(GeoError::StoreFull);
        }
        let mut n = 0;
        for (level, hashes) in plan {
            for h in &hashes {
                let e = self.marks.entry(*h).or_insert((level, now));
                *e = (e.0.min(level), now);
            }
            n += hashes.len();
        }
        Ok(n)
    }

    fn query(&self, user: u8) -> Vec<(u8, u8)> {
        self.records
            .keys()
            .filter(|(u, _)| *u == user)
            .filter_map(|(_, h)| self.marks.get(h).map(|m| (*h, m.0)))
            .collect()
    }

    fn expire(&mut self, now: u64) {
        let inc = self.config.incubation_s;
        if now >= inc {
            let cutoff = now - inc;
            self.records.retain(|_, at| *at > cutoff);
            self.marks.retain(|_, (_, at)| *at > cutoff);
        }
    }
}

#[cfg(feature = "alloc")]
fn fuzz_record(user: u8, hash: u8) -> UploadRecord {
    let mut h = [0u8; 32];
    h[0] = hash;
    UploadRecord {
        hash: RiskHash(h),
        user: UserId([user; 16]),
        size: BlockSize::M5,
    }
}

#[cfg(feature = "alloc")]
/// `geo_central_ops`: random uploads, positive reports, queries and expiry against the central
/// server, compared with `CentralModel`; every bound of `spec/geo.md §9.3` holds throughout.
/// The first byte picks `hops`; then each op is 4 bytes: kind, a, b, time delta.
pub fn geo_central_ops(data: &[u8]) {
    let Some((&first, ops)) = data.split_first() else {
        return;
    };
    let config = CentralConfig {
        hops: 1 + first % 3,
        incubation_s: 1000,
        clients: ClientLimits {
            window_s: 60,
            max_v4_clients: 3,
            max_v6_clients: 3,
            max_clients_per_v6_prefix: 2,
        },
        max_records_per_upload: 6,
        max_records_per_user: 5,
        max_records: 12,
        max_marks: 8,
    };
    let Ok(mut server) = CentralServer::new(config, MemoryStorage::new()) else {
        panic!("valid config")
    };
    let mut model = CentralModel {
        config,
        admission: AdmissionModel {
            limits: config.clients,
            last: BTreeMap::new(),
        },
        records: BTreeMap::new(),
        marks: BTreeMap::new(),
    };
    let mut now = 10_000u64;
    for op in ops.chunks_exact(4).take(96) {
        now += u64::from(op[3]) * 7;
        let (a, b) = (op[1], op[2]);
        match op[0] % 4 {
            0 => {
                let recs: Vec<(u8, u8)> = (0..b % 8)
                    .map(|i| ((a.wrapping_add(i / 3)) % 4, (b.wrapping_add(i * 5)) % 7))
                    .collect();
                let records: Vec<UploadRecord> =
                    recs.iter().map(|&(u, h)| fuzz_record(u, h)).collect();
                let client = fuzz_client(a / 4);
                let want = model.upload(client, now, &recs);
                let got = server.upload(client, now, &records).map_err(|r| r.error);
                assert_eq!(want, got);
            }
            1 => {
                let user = UserId([a % 4; 16]);
                assert_eq!(
                    model.positive(a % 4, now),
                    server.report_positive(&user, now)
                );
            }
            2 => {
                let got: Vec<(u8, u8)> = server
                    .query(&UserId([a % 4; 16]))
                    .at_risk
                    .iter()
                    .map(|r| (r.hash.0[0], r.level))
                    .collect();
                assert_eq!(model.query(a % 4), got);
            }
            _ => {
                model.expire(now);
                server.expire(now);
            }
        }
        assert_eq!(server.storage().record_count(), model.records.len());
        assert_eq!(server.storage().mark_count(), model.marks.len());
        assert!(server.storage().record_count() <= config.max_records);
        assert!(server.storage().mark_count() <= config.max_marks);
        assert!(server.clients() <= 6);
    }
}

type Body = fn(&[u8]);

/// This protocol's targets, by name.
#[cfg(not(feature = "alloc"))]
pub const TARGETS: &[(&str, Body)] = &[
    ("geo_cell_decode", geo_cell_decode),
    ("geo_upload_record_decode", geo_upload_record_decode),
    ("geo_location", geo_location),
];

/// This protocol's targets, by name.
#[cfg(feature = "alloc")]
pub const TARGETS: &[(&str, Body)] = &[
    ("geo_cell_decode", geo_cell_decode),
    ("geo_upload_record_decode", geo_upload_record_decode),
    ("geo_salt_request_decode", geo_salt_request_decode),
    ("geo_oprf_request_decode", geo_oprf_request_decode),
    ("geo_response_decode", geo_response_decode),
    ("geo_location", geo_location),
    ("geo_salt_server_ops", geo_salt_server_ops),
    ("geo_central_ops", geo_central_ops),
];
