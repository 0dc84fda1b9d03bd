//! The central server's risk store (`spec/geo.md §9`), sans-IO over a storage trait, with the
//! admission table and the record and mark bounds of `spec/geo.md §9.3`.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::hash::{RiskHash, UploadRecord, UserId};
use super::limit::{ClientKey, ClientLimits, ClientTable, Refused};
use super::time::BlockSize;
use super::GeoError;

/// Storage behind the central server (`spec/geo.md §9.1`). [`MemoryStorage`] is the in-memory
/// default; a database-backed implementation answers the same questions.
pub trait CentralStorage {
    /// Stores (or refreshes) a record received at `received_at`.
    fn put_record(&mut self, record: &UploadRecord, received_at: u64);
    /// Whether `user` has a stored record of `hash`.
    fn has_record(&self, user: &UserId, hash: &RiskHash) -> bool;
    /// The users who uploaded `hash`.
    fn users_of_hash(&self, hash: &RiskHash) -> Vec<UserId>;
    /// A user's records as `(hash, size)`, ascending by hash.
    fn records_of_user(&self, user: &UserId) -> Vec<(RiskHash, BlockSize)>;
    /// Number of records of `user`.
    fn user_record_count(&self, user: &UserId) -> usize;
    /// Marks `hash` at risk with `level` at `now`, keeping the smallest level.
    fn mark(&mut self, hash: &RiskHash, level: u8, now: u64);
    /// The level of `hash` if it is marked at risk.
    fn mark_of(&self, hash: &RiskHash) -> Option<u8>;
    /// Deletes records received at or before `cutoff` and marks made at or before `cutoff`.
    fn delete_through(&mut self, cutoff: u64);
    /// Number of stored records.
    fn record_count(&self) -> usize;
    /// Number of hashes marked at risk.
    fn mark_count(&self) -> usize;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stored {
    size: BlockSize,
    received_at: u64,
}

/// In-memory [`CentralStorage`] on ordered maps.
#[derive(Clone, Debug, Default)]
pub struct MemoryStorage {
    by_user: BTreeMap<(UserId, RiskHash), Stored>,
    by_hash: BTreeMap<RiskHash, BTreeSet<UserId>>,
    per_user: BTreeMap<UserId, usize>,
    marks: BTreeMap<RiskHash, (u8, u64)>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl CentralStorage for MemoryStorage {
    fn put_record(&mut self, r: &UploadRecord, received_at: u64) {
        let stored = Stored {
            size: r.size,
            received_at,
        };
        if self.by_user.insert((r.user, r.hash), stored).is_none() {
            *self.per_user.entry(r.user).or_insert(0) += 1;
        }
        self.by_hash.entry(r.hash).or_default().insert(r.user);
    }

    fn has_record(&self, user: &UserId, hash: &RiskHash) -> bool {
        self.by_user.contains_key(&(*user, *hash))
    }

    fn users_of_hash(&self, hash: &RiskHash) -> Vec<UserId> {
        self.by_hash
            .get(hash)
            .map(|u| u.iter().copied().collect())
            .unwrap_or_default()
    }

    fn records_of_user(&self, user: &UserId) -> Vec<(RiskHash, BlockSize)> {
        let lo = (*user, RiskHash([0; 32]));
        self.by_user
            .range(lo..)
            .take_while(|((u, _), _)| u == user)
            .map(|((_, h), s)| (*h, s.size))
            .collect()
    }

    fn user_record_count(&self, user: &UserId) -> usize {
        self.per_user.get(user).copied().unwrap_or(0)
    }

    fn mark(&mut self, hash: &RiskHash, level: u8, now: u64) {
        let e = self.marks.entry(*hash).or_insert((level, now));
        e.0 = e.0.min(level);
        e.1 = now;
    }

    fn mark_of(&self, hash: &RiskHash) -> Option<u8> {
        self.marks.get(hash).map(|m| m.0)
    }

    fn delete_through(&mut self, cutoff: u64) {
        let (by_hash, per_user) = (&mut self.by_hash, &mut self.per_user);
        self.by_user.retain(|(user, hash), s| {
            let keep = s.received_at > cutoff;
            if !keep {
                if let Some(users) = by_hash.get_mut(hash) {
                    users.remove(user);
                    if users.is_empty() {
                        by_hash.remove(hash);
                    }
                }
                if let Some(n) = per_user.get_mut(user) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        per_user.remove(user);
                    }
                }
            }
            keep
        });
        self.marks.retain(|_, (_, at)| *at > cutoff);
    }

    fn record_count(&self) -> usize {
        self.by_user.len()
    }

    fn mark_count(&self) -> usize {
        self.marks.len()
    }
}

/// Central server configuration (`spec/geo.md §9.1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CentralConfig {
    /// Hops of users to mark, 1 ..= 8.
    pub hops: u8,
    /// Incubation period after which data is deleted, 1 s ..= 60 days.
    pub incubation_s: u64,
    /// The upload admission table: window (60 ..= 86 400 s) and capacities.
    pub clients: ClientLimits,
    /// Records per upload, 1 ..= 2^20.
    pub max_records_per_upload: usize,
    /// Records held per user, 1 ..= 2^24.
    pub max_records_per_user: usize,
    /// Records held in all, 1 ..= 2^31.
    pub max_records: usize,
    /// Hashes marked at risk in all, 1 ..= 2^31.
    pub max_marks: usize,
}

impl Default for CentralConfig {
    fn default() -> Self {
        CentralConfig {
            hops: 1,
            incubation_s: 14 * 86_400,
            clients: ClientLimits {
                window_s: 1800,
                ..ClientLimits::default()
            },
            max_records_per_upload: 16_384,
            max_records_per_user: 131_072,
            max_records: 1 << 26,
            max_marks: 1 << 26,
        }
    }
}

impl CentralConfig {
    /// The ranges of `spec/geo.md §9.1`.
    pub fn validate(&self) -> Result<(), GeoError> {
        let ok = (1..=8).contains(&self.hops)
            && (1..=60 * 86_400).contains(&self.incubation_s)
            && (60..=86_400).contains(&self.clients.window_s)
            && self.clients.capacities_valid()
            && (1..=1 << 20).contains(&self.max_records_per_upload)
            && (1..=1 << 24).contains(&self.max_records_per_user)
            && (1..=1 << 31).contains(&self.max_records)
            && (1..=1 << 31).contains(&self.max_marks);
        if ok {
            Ok(())
        } else {
            Err(GeoError::InvalidConfig)
        }
    }
}

/// One at-risk record of a user's query answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RiskyRecord {
    /// The user's hash that is at risk.
    pub hash: RiskHash,
    /// Its block size.
    pub size: BlockSize,
    /// The mark level: 0 = a positive user's own hash, 1 = a contact's hash, …
    pub level: u8,
}

/// The answer to a user's query (`spec/geo.md §9.2`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryAnswer {
    /// The user's at-risk records, ascending by hash.
    pub at_risk: Vec<RiskyRecord>,
}

impl QueryAnswer {
    /// The user's exposure: `1 + min level`, or `None` if not at risk.
    pub fn exposure(&self) -> Option<u8> {
        self.at_risk
            .iter()
            .map(|r| r.level)
            .min()
            .map(|l| l.saturating_add(1))
    }
}

/// The central server (`spec/geo.md §9`).
#[derive(Clone, Debug)]
pub struct CentralServer<S: CentralStorage = MemoryStorage> {
    config: CentralConfig,
    storage: S,
    table: ClientTable,
}

impl<S: CentralStorage> CentralServer<S> {
    /// A server over `storage`; `GEO_INVALID_CONFIG` if the configuration is out of range.
    pub fn new(config: CentralConfig, storage: S) -> Result<Self, GeoError> {
        config.validate()?;
        Ok(CentralServer {
            config,
            storage,
            table: ClientTable::new(config.clients),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &CentralConfig {
        &self.config
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Number of clients in the upload admission table (bounded by
    /// `clients.max_v4_clients + clients.max_v6_clients`).
    pub fn clients(&self) -> usize {
        self.table.len()
    }

    /// Number of IPv4 clients in the upload admission table (at most `clients.max_v4_clients`).
    pub fn v4_clients(&self) -> usize {
        self.table.v4_len()
    }

    /// Number of IPv6 clients in the upload admission table (at most `clients.max_v6_clients`).
    pub fn v6_clients(&self) -> usize {
        self.table.v6_len()
    }

    /// Number of IPv6 clients of the /48 `prefix` in the upload admission table (at most
    /// `clients.max_clients_per_v6_prefix`).
    pub fn v6_prefix_clients(&self, prefix: &[u8; 6]) -> usize {
        self.table.prefix_len(prefix)
    }

    /// The time of `client`'s last accepted upload, if the admission table holds it.
    pub fn last_upload(&self, client: &ClientKey) -> Option<u64> {
        self.table.last_request(client)
    }

    /// An upload from `client` at `now` (`spec/geo.md §9.3`): admission, then the size and quota
    /// checks, then every record is stored with `received_at = now` (a record equal in hash and
    /// user to a stored one refreshes it). All or nothing; returns the number of new records.
    pub fn upload(
        &mut self,
        client: ClientKey,
        now: u64,
        records: &[UploadRecord],
    ) -> Result<usize, Refused> {
        self.table.admit(client, now)?;
        if records.is_empty() {
            return Err(Refused::new(GeoError::EmptyRequest));
        }
        if records.len() > self.config.max_records_per_upload {
            return Err(Refused::new(GeoError::TooManyItems));
        }
        let mut fresh = BTreeSet::new();
        let mut per_user = BTreeMap::<UserId, usize>::new();
        for r in records {
            if !self.storage.has_record(&r.user, &r.hash) && fresh.insert((r.user, r.hash)) {
                *per_user.entry(r.user).or_insert(0) += 1;
            }
        }
        for (user, n) in &per_user {
            let held = self.storage.user_record_count(user);
            if held.saturating_add(*n) > self.config.max_records_per_user {
                return Err(Refused::new(GeoError::UserQuota));
            }
        }
        if self.storage.record_count().saturating_add(fresh.len()) > self.config.max_records {
            return Err(Refused::new(GeoError::StoreFull));
        }
        for r in records {
            self.storage.put_record(r, now);
        }
        Ok(fresh.len())
    }

    /// A positive report by `user` at `now`: breadth-first marking over `hops` levels
    /// (`spec/geo.md §9.2`). Returns the sum over levels of the hashes marked at that level;
    /// `GEO_STORE_FULL` (nothing marked) if the new marks would exceed `max_marks`.
    pub fn report_positive(&mut self, user: &UserId, now: u64) -> Result<usize, GeoError> {
        let mut visited = BTreeSet::new();
        visited.insert(*user);
        let mut frontier = alloc::vec![*user];
        let mut plan: Vec<(u8, BTreeSet<RiskHash>)> = Vec::new();
        for level in 0..self.config.hops {
            let mut hashes = BTreeSet::new();
            for u in &frontier {
                for (h, _) in self.storage.records_of_user(u) {
                    hashes.insert(h);
                }
            }
            let mut next = Vec::new();
            for h in &hashes {
                for u in self.storage.users_of_hash(h) {
                    if visited.insert(u) {
                        next.push(u);
                    }
                }
            }
            plan.push((level, hashes));
            frontier = next;
        }
        let new_marks = plan
            .iter()
            .flat_map(|(_, hs)| hs.iter())
            .filter(|h| self.storage.mark_of(h).is_none())
            .collect::<BTreeSet<_>>()
            .len();
        if self.storage.mark_count().saturating_add(new_marks) > self.config.max_marks {
            return Err(GeoError::StoreFull);
        }
        let mut marked = 0usize;
        for (level, hashes) in &plan {
            for h in hashes {
                self.storage.mark(h, *level, now);
            }
            marked += hashes.len();
        }
        Ok(marked)
    }

    /// The user's records whose hash is at risk (`spec/geo.md §9.2`).
    pub fn query(&self, user: &UserId) -> QueryAnswer {
        let at_risk = self
            .storage
            .records_of_user(user)
            .into_iter()
            .filter_map(|(hash, size)| {
                self.storage
                    .mark_of(&hash)
                    .map(|level| RiskyRecord { hash, size, level })
            })
            .collect();
        QueryAnswer { at_risk }
    }

    /// Deletes everything older than the incubation period (`spec/geo.md §9.2`).
    pub fn expire(&mut self, now: u64) {
        if let Some(cutoff) = now.checked_sub(self.config.incubation_s) {
            self.storage.delete_through(cutoff);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: ClientKey = ClientKey::V4([10, 0, 0, 1]);

    fn rec(h: u8, u: u8) -> UploadRecord {
        UploadRecord {
            hash: RiskHash([h; 32]),
            user: UserId([u; 16]),
            size: BlockSize::M5,
        }
    }

    #[test]
    fn hops_and_expiry() {
        // 1 shares hash 10 with 2; 2 shares hash 20 with 3; 3 shares 30 with 4.
        let recs = [
            rec(10, 1),
            rec(10, 2),
            rec(20, 2),
            rec(20, 3),
            rec(30, 3),
            rec(30, 4),
            rec(40, 5),
        ];
        for hops in 1..=3u8 {
            let mut c = CentralServer::new(
                CentralConfig {
                    hops,
                    incubation_s: 1000,
                    ..CentralConfig::default()
                },
                MemoryStorage::new(),
            )
            .unwrap();
            assert_eq!(c.upload(CLIENT, 100, &recs), Ok(7));
            c.report_positive(&UserId([1; 16]), 200).unwrap();
            let exp: std::vec::Vec<_> = (1..=5)
                .map(|u| c.query(&UserId([u; 16])).exposure())
                .collect();
            let want = match hops {
                1 => [Some(1), Some(1), None, None, None],
                2 => [Some(1), Some(1), Some(2), None, None],
                _ => [Some(1), Some(1), Some(2), Some(3), None],
            };
            assert_eq!(exp, want, "hops {hops}");
            c.expire(1099);
            assert_eq!(c.storage().record_count(), 7);
            c.expire(1100);
            assert_eq!(c.storage().record_count(), 0);
            assert_eq!(c.query(&UserId([1; 16])).at_risk.len(), 0);
        }
        assert_eq!(
            CentralServer::new(
                CentralConfig {
                    hops: 0,
                    ..CentralConfig::default()
                },
                MemoryStorage::new()
            )
            .err(),
            Some(GeoError::InvalidConfig)
        );
    }

    #[test]
    fn later_upload_matches_earlier_mark() {
        let mut c = CentralServer::new(CentralConfig::default(), MemoryStorage::new()).unwrap();
        c.upload(CLIENT, 0, &[rec(1, 1)]).unwrap();
        c.report_positive(&UserId([1; 16]), 10).unwrap();
        c.upload(ClientKey::from_ipv4([10, 0, 0, 2]), 20, &[rec(1, 2)])
            .unwrap();
        assert_eq!(c.query(&UserId([2; 16])).exposure(), Some(1));
    }

    #[test]
    fn quotas_are_all_or_nothing() {
        let mut c = CentralServer::new(
            CentralConfig {
                max_records_per_upload: 3,
                max_records_per_user: 2,
                max_records: 3,
                max_marks: 1,
                ..CentralConfig::default()
            },
            MemoryStorage::new(),
        )
        .unwrap();
        let client = |i: u8| ClientKey::from_ipv4([10, 0, 1, i]);
        let err = |r: Result<usize, Refused>| r.unwrap_err().error;
        assert_eq!(err(c.upload(client(1), 0, &[])), GeoError::EmptyRequest);
        assert_eq!(
            err(c.upload(client(2), 0, &[rec(1, 1); 4])),
            GeoError::TooManyItems
        );
        // Duplicates within an upload count once.
        assert_eq!(c.upload(client(3), 0, &[rec(1, 1), rec(1, 1)]), Ok(1));
        assert_eq!(
            err(c.upload(client(4), 0, &[rec(2, 1), rec(3, 1)])),
            GeoError::UserQuota
        );
        assert_eq!(c.upload(client(5), 0, &[rec(2, 1), rec(1, 2)]), Ok(2));
        assert_eq!(
            err(c.upload(client(6), 0, &[rec(4, 3)])),
            GeoError::StoreFull
        );
        // A refresh adds nothing and is allowed at the bound.
        assert_eq!(c.upload(client(7), 0, &[rec(1, 1)]), Ok(0));
        assert_eq!(c.storage().record_count(), 3);
        assert_eq!(
            c.report_positive(&UserId([1; 16]), 5),
            Err(GeoError::StoreFull)
        );
        assert_eq!(c.storage().mark_count(), 0);
        assert_eq!(c.report_positive(&UserId([2; 16]), 5), Ok(1));
        assert_eq!(c.report_positive(&UserId([2; 16]), 6), Ok(1));
    }
}
