//! The central server's risk store (`spec/geo.md §9`), sans-IO over a storage trait.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::hash::{RiskHash, UploadRecord, UserId};
use super::time::BlockSize;
use super::GeoError;

/// Storage behind the central server (`spec/geo.md §9.1`). [`MemoryStorage`] is the in-memory
/// default; a database-backed implementation answers the same questions.
pub trait CentralStorage {
    /// Stores (or refreshes) a record received at `received_at`.
    fn put_record(&mut self, record: &UploadRecord, received_at: u64);
    /// The users who uploaded `hash`.
    fn users_of_hash(&self, hash: &RiskHash) -> Vec<UserId>;
    /// A user's records as `(hash, size)`, ascending by hash.
    fn records_of_user(&self, user: &UserId) -> Vec<(RiskHash, BlockSize)>;
    /// Marks `hash` at risk with `level` at `now`, keeping the smallest level.
    fn mark(&mut self, hash: &RiskHash, level: u8, now: u64);
    /// The level of `hash` if it is marked at risk.
    fn mark_of(&self, hash: &RiskHash) -> Option<u8>;
    /// Deletes records received at or before `cutoff` and marks made at or before `cutoff`.
    fn delete_through(&mut self, cutoff: u64);
    /// Number of stored records.
    fn record_count(&self) -> usize;
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
        self.by_user.insert(
            (r.user, r.hash),
            Stored {
                size: r.size,
                received_at,
            },
        );
        self.by_hash.entry(r.hash).or_default().insert(r.user);
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

    fn mark(&mut self, hash: &RiskHash, level: u8, now: u64) {
        let e = self.marks.entry(*hash).or_insert((level, now));
        e.0 = e.0.min(level);
        e.1 = now;
    }

    fn mark_of(&self, hash: &RiskHash) -> Option<u8> {
        self.marks.get(hash).map(|m| m.0)
    }

    fn delete_through(&mut self, cutoff: u64) {
        let by_hash = &mut self.by_hash;
        self.by_user.retain(|(user, hash), s| {
            let keep = s.received_at > cutoff;
            if !keep {
                if let Some(users) = by_hash.get_mut(hash) {
                    users.remove(user);
                    if users.is_empty() {
                        by_hash.remove(hash);
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
}

/// Central server configuration (`spec/geo.md §9.1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CentralConfig {
    /// Hops of users to mark, 1 ..= 8.
    pub hops: u8,
    /// Incubation period after which data is deleted, 1 s ..= 60 days.
    pub incubation_s: u64,
}

impl Default for CentralConfig {
    fn default() -> Self {
        CentralConfig {
            hops: 1,
            incubation_s: 14 * 86_400,
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
}

impl<S: CentralStorage> CentralServer<S> {
    /// A server over `storage`; `GEO_INVALID_CONFIG` if the configuration is out of range.
    pub fn new(config: CentralConfig, storage: S) -> Result<Self, GeoError> {
        if !(1..=8).contains(&config.hops) || !(1..=60 * 86_400).contains(&config.incubation_s) {
            return Err(GeoError::InvalidConfig);
        }
        Ok(CentralServer { config, storage })
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Stores uploaded records received at `now` (`spec/geo.md §9.2`).
    pub fn upload(&mut self, records: &[UploadRecord], now: u64) {
        for r in records {
            self.storage.put_record(r, now);
        }
    }

    /// A positive report by `user` at `now`: breadth-first marking over `hops` levels
    /// (`spec/geo.md §9.2`). Returns the number of hashes marked (with multiplicity of levels).
    pub fn report_positive(&mut self, user: &UserId, now: u64) -> usize {
        let mut visited = BTreeSet::new();
        visited.insert(*user);
        let mut frontier = alloc::vec![*user];
        let mut marked = 0usize;
        for level in 0..self.config.hops {
            let mut hashes = BTreeSet::new();
            for u in &frontier {
                for (h, _) in self.storage.records_of_user(u) {
                    hashes.insert(h);
                }
            }
            for h in &hashes {
                self.storage.mark(h, level, now);
            }
            marked += hashes.len();
            if level + 1 >= self.config.hops {
                break;
            }
            let mut next = Vec::new();
            for h in &hashes {
                for u in self.storage.users_of_hash(h) {
                    if visited.insert(u) {
                        next.push(u);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        marked
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
                },
                MemoryStorage::new(),
            )
            .unwrap();
            c.upload(&recs, 100);
            c.report_positive(&UserId([1; 16]), 200);
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
                    incubation_s: 1
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
        c.upload(&[rec(1, 1)], 0);
        c.report_positive(&UserId([1; 16]), 10);
        c.upload(&[rec(1, 2)], 20);
        assert_eq!(c.query(&UserId([2; 16])).exposure(), Some(1));
    }
}
