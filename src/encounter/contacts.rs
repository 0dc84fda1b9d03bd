//! A bounded contact store (`spec/encounter.md §9.4`): the contact records a phone keeps, with a
//! cap on their number, a cap on new records per day and a retention horizon, so that someone
//! broadcasting fresh identity keys near a phone cannot grow its storage without bound or push
//! out the contacts of other days.

use alloc::collections::BTreeMap;

use super::receiver::ContactStore;
use super::secret::{ContactRecord, PairSecret, CONTACT_HORIZON_DAYS};
use super::EncounterError;

/// The limits of a [`ContactBook`] (§9.4, §11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContactLimits {
    /// Most records held at once.
    pub capacity: u32,
    /// Most new records accepted on one encounter day.
    pub new_per_day: u32,
    /// A record whose last encounter is this many days old or older is expired.
    pub retention_days: u32,
}

impl ContactLimits {
    /// The defaults: 16 384 records, 512 new ones a day, kept 32 days. `32 × 512 = 16 384`, so
    /// with these values the day quota alone keeps the store below its capacity and a flood on
    /// one day never blocks the contacts of another.
    pub const DEFAULT: ContactLimits = ContactLimits {
        capacity: 16_384,
        new_per_day: 512,
        retention_days: CONTACT_HORIZON_DAYS,
    };

    /// Checks `capacity ≥ 1`, `new_per_day ≥ 1` and `1 ≤ retention_days ≤ 32`
    /// ([`EncounterError::ContactLimits`]).
    pub fn validate(&self) -> Result<(), EncounterError> {
        if self.capacity == 0
            || self.new_per_day == 0
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
    /// The pair was already known: its encounter days were updated (never refused).
    Updated,
}

/// Contact records by `pair_id`, bounded by [`ContactLimits`] (§9.4 transition table).
#[derive(Clone, Debug)]
pub struct ContactBook {
    limits: ContactLimits,
    records: BTreeMap<[u8; 16], ContactRecord>,
    /// The day the new-record counter counts, and its count.
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
    /// is updated (§9.1); otherwise a new record needs the day's quota
    /// ([`EncounterError::ContactQuota`]) and a free place, after expiring old records if the
    /// store is full ([`EncounterError::ContactStoreFull`]). A refusal changes nothing.
    pub fn record(&mut self, secret: PairSecret, day: u32) -> Result<Recorded, EncounterError> {
        let id = secret.pair_id();
        if let Some(r) = self.records.get_mut(&id) {
            r.note_encounter(day);
            return Ok(Recorded::Updated);
        }
        if self.new_on(day) >= self.limits.new_per_day {
            return Err(EncounterError::ContactQuota);
        }
        if self.len() >= self.limits.capacity {
            self.expire(day);
        }
        if self.len() >= self.limits.capacity {
            return Err(EncounterError::ContactStoreFull);
        }
        self.records.insert(id, ContactRecord::new(secret, day));
        self.quota = (day, self.new_on(day).saturating_add(1));
        Ok(Recorded::New)
    }

    /// Removes every record whose last encounter is `retention_days` or more before `today`;
    /// returns how many.
    pub fn expire(&mut self, today: u32) -> u32 {
        let before = self.len();
        let keep = self.limits.retention_days;
        self.records
            .retain(|_, r| today.saturating_sub(r.last_day()) < keep);
        before.saturating_sub(self.len())
    }

    /// New records accepted on `day` (0 for any day but the last one a new record was made on).
    pub fn new_on(&self, day: u32) -> u32 {
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
            new_per_day: 2,
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
