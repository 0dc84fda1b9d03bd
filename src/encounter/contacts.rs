//! A bounded contact store (`spec/encounter.md §9.4`): the contact records a phone keeps, with a
//! cap on how many pairs it records per day, a retention horizon and a capacity, so that someone
//! broadcasting identity keys near a phone cannot grow its storage without bound, keep its own
//! records alive for free, or push out the contacts of other days.

use alloc::collections::BTreeMap;

use super::receiver::ContactStore;
use super::secret::{ContactRecord, PairSecret, CONTACT_HORIZON_DAYS};
use super::EncounterError;

/// The limits of a [`ContactBook`] (§9.4, §11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContactLimits {
    /// Most records held at once.
    pub capacity: u32,
    /// Most pairs recorded per encounter day: new ones, and known ones whose last encounter
    /// moves to that day (the steps that keep a record alive).
    pub per_day: u32,
    /// A record whose last encounter is this many days old or older is expired.
    pub retention_days: u32,
}

impl ContactLimits {
    /// The defaults: 16 384 records, 512 pairs a day, kept 32 days. At most
    /// `per_day × retention_days = 16 384` records are unexpired at once (§9.4), so with these
    /// values the store never reports full and a flood on one day never touches another day.
    pub const DEFAULT: ContactLimits = ContactLimits {
        capacity: 16_384,
        per_day: 512,
        retention_days: CONTACT_HORIZON_DAYS,
    };

    /// Checks `capacity ≥ 1`, `per_day ≥ 1` and `1 ≤ retention_days ≤ 32`
    /// ([`EncounterError::ContactLimits`]).
    pub fn validate(&self) -> Result<(), EncounterError> {
        if self.capacity == 0
            || self.per_day == 0
            || !(1..=CONTACT_HORIZON_DAYS).contains(&self.retention_days)
        {
            return Err(EncounterError::ContactLimits);
        }
        Ok(())
    }
}

impl Default for ContactLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What [`ContactBook::record`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// A record for a new pair was created.
    New,
    /// The pair was already known: its encounter days were updated.
    Updated,
}

/// Contact records by `pair_id`, bounded by [`ContactLimits`] (§9.4 transition table).
#[derive(Clone, Debug)]
pub struct ContactBook {
    limits: ContactLimits,
    records: BTreeMap<[u8; 16], ContactRecord>,
    /// The latest day a pair was counted on, and how many pairs were counted on it.
    quota: (u32, u32),
}

impl ContactBook {
    /// An empty store with validated `limits`.
    pub fn new(limits: ContactLimits) -> Result<Self, EncounterError> {
        limits.validate()?;
        Ok(ContactBook {
            limits,
            records: BTreeMap::new(),
            quota: (0, 0),
        })
    }

    /// Records an encounter with the pair of `secret` on `day` (§9.4), in this order: a known pair
    /// met on its last day or earlier is updated for free (§9.1); any other step (a new pair, or a
    /// known one met on a later day, which keeps its record alive) needs the day's quota
    /// ([`EncounterError::ContactQuota`]) and, for a new pair, a free place, after expiring old
    /// records if the store is full ([`EncounterError::ContactStoreFull`]). A refusal adds
    /// nothing.
    pub fn record(&mut self, secret: PairSecret, day: u32) -> Result<Recorded, EncounterError> {
        let id = secret.pair_id();
        if let Some(r) = self.records.get_mut(&id).filter(|r| day <= r.last_day()) {
            r.note_encounter(day);
            return Ok(Recorded::Updated);
        }
        // The counter follows the latest day; a step for an earlier day counts toward it.
        if day > self.quota.0 {
            self.quota = (day, 0);
        }
        if self.counted_on(self.quota.0) >= self.limits().per_day {
            return Err(EncounterError::ContactQuota);
        }
        let outcome = if let Some(r) = self.records.get_mut(&id) {
            r.note_encounter(day);
            Recorded::Updated
        } else {
            if self.len() >= self.limits().capacity {
                self.expire(self.quota.0);
            }
            if self.len() >= self.limits().capacity {
                return Err(EncounterError::ContactStoreFull);
            }
            self.records.insert(id, ContactRecord::new(secret, day));
            Recorded::New
        };
        self.quota.1 = self.quota.1.saturating_add(1);
        Ok(outcome)
    }

    /// Removes every record whose last encounter is `retention_days` or more before `today`;
    /// returns how many.
    pub fn expire(&mut self, today: u32) -> u32 {
        let before = self.len();
        let keep = self.limits().retention_days;
        self.records
            .retain(|_, r| today.saturating_sub(r.last_day()) < keep);
        before.saturating_sub(self.len())
    }

    /// Pairs counted on `day` (0 for any day but the latest one a pair was counted on).
    pub fn counted_on(&self, day: u32) -> u32 {
        if self.quota.0 == day {
            self.quota.1
        } else {
            0
        }
    }

    /// Records held.
    pub fn len(&self) -> u32 {
        u32::try_from(self.records.len()).unwrap_or(u32::MAX)
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The limits.
    pub fn limits(&self) -> ContactLimits {
        self.limits
    }

    /// The record of `pair_id`, if held.
    pub fn get(&self, pair_id: &[u8; 16]) -> Option<&ContactRecord> {
        self.records.get(pair_id)
    }

    /// Every record, by `pair_id`.
    pub fn iter(&self) -> impl Iterator<Item = &ContactRecord> {
        self.records.values()
    }
}

impl ContactStore for ContactBook {
    fn lookup(&self, pair_id: &[u8; 16]) -> Option<&ContactRecord> {
        self.get(pair_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(i: u32) -> PairSecret {
        let mut s = [0u8; 32];
        s[..4].copy_from_slice(&i.to_be_bytes());
        PairSecret::from_parts(s, [1; 32], [2; 32])
    }

    #[test]
    fn known_pairs_update_new_ones_need_quota_and_room() {
        let limits = ContactLimits {
            capacity: 3,
            per_day: 2,
            retention_days: 10,
        };
        let mut book = ContactBook::new(limits).unwrap();
        assert_eq!(book.record(secret(1), 100), Ok(Recorded::New));
        assert_eq!(book.record(secret(2), 100), Ok(Recorded::New));
        assert_eq!(
            book.record(secret(3), 100),
            Err(EncounterError::ContactQuota)
        );
        assert_eq!(book.record(secret(1), 100), Ok(Recorded::Updated));
        assert_eq!(book.record(secret(3), 101), Ok(Recorded::New));
        assert_eq!(
            book.record(secret(4), 101),
            Err(EncounterError::ContactStoreFull)
        );
        // Day 110: records last met on day 100 are 10 days old and expire to make room.
        assert_eq!(book.record(secret(4), 110), Ok(Recorded::New));
        assert_eq!(book.len(), 2);
        assert!(book.get(&secret(3).pair_id()).is_some());
        assert_eq!(book.expire(111), 1);
        assert_eq!(
            ContactBook::new(ContactLimits {
                retention_days: 33,
                ..limits
            })
            .unwrap_err(),
            EncounterError::ContactLimits
        );
    }
}
