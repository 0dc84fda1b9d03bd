//! Rotating identities derived from a master secret (`spec/encounter.md §6.2`).

use zeroize::Zeroizing;

use super::crypto::{hkdf_expand, hkdf_extract};
use super::keys::IdentityKey;
use super::EncounterError;
use crate::labels::encounter::ROTATION;

/// A rotation schedule: period `R` seconds, `W` live epochs (§6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotationSchedule {
    period: u64,
    live: u32,
}

impl RotationSchedule {
    /// Shortest allowed period, seconds.
    pub const MIN_PERIOD: u64 = 3_600;
    /// Longest allowed period, seconds.
    pub const MAX_PERIOD: u64 = 604_800;
    /// Most live epochs.
    pub const MAX_LIVE: u32 = 64;
    /// The default: one-day period, 14 live epochs.
    pub const DEFAULT: RotationSchedule = RotationSchedule {
        period: 86_400,
        live: 14,
    };

    /// Validates the parameters ([`EncounterError::RotationParams`]).
    pub fn new(period: u64, live: u32) -> Result<Self, EncounterError> {
        if !(Self::MIN_PERIOD..=Self::MAX_PERIOD).contains(&period)
            || !(1..=Self::MAX_LIVE).contains(&live)
        {
            return Err(EncounterError::RotationParams);
        }
        Ok(RotationSchedule { period, live })
    }

    /// Period in seconds.
    pub fn period(&self) -> u64 {
        self.period
    }

    /// Number of live epochs.
    pub fn live(&self) -> u32 {
        self.live
    }

    /// `epoch(t) = floor(t / R)`.
    pub fn epoch(&self, now: u64) -> u64 {
        now / self.period()
    }

    /// Whether epoch `e` is live at `now`: `epoch(now) − W < e ≤ epoch(now)`.
    pub fn is_live(&self, e: u64, now: u64) -> bool {
        let cur = self.epoch(now);
        e <= cur && cur - e < u64::from(self.live())
    }

    /// The live epochs at `now`, oldest first.
    pub fn live_epochs(&self, now: u64) -> core::ops::RangeInclusive<u64> {
        let cur = self.epoch(now);
        cur.saturating_sub(u64::from(self.live()) - 1)..=cur
    }

    /// `seed_e = HKDF(salt = ROTATION, IKM = M, info = u64be(R) || u64be(e), 32)`.
    pub fn seed(&self, master: &[u8; 32], e: u64) -> Zeroizing<[u8; 32]> {
        let prk = hkdf_extract(ROTATION.bytes, master);
        hkdf_expand::<32>(&prk, &[&self.period().to_be_bytes(), &e.to_be_bytes()])
    }

    /// The identity of epoch `e`, if live at `now` ([`EncounterError::EpochNotLive`]).
    pub fn identity_for(
        &self,
        master: &[u8; 32],
        e: u64,
        now: u64,
    ) -> Result<IdentityKey, EncounterError> {
        if !self.is_live(e, now) {
            return Err(EncounterError::EpochNotLive);
        }
        IdentityKey::from_seed(*self.seed(master, e))
    }

    /// The identity to broadcast at `now`.
    pub fn current(&self, master: &[u8; 32], now: u64) -> Result<IdentityKey, EncounterError> {
        self.identity_for(master, self.epoch(now), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_window() {
        let s = RotationSchedule::DEFAULT;
        let now = 20_000 * 86_400 + 5;
        assert_eq!(s.live_epochs(now), 19_987..=20_000);
        assert!(s.is_live(19_987, now));
        assert!(!s.is_live(19_986, now));
        assert!(!s.is_live(20_001, now));
        assert_eq!(s.live_epochs(0), 0..=0);
        let m = [9u8; 32];
        assert_ne!(*s.seed(&m, 1), *s.seed(&m, 2));
        let other = RotationSchedule::new(3_600, 14).unwrap();
        assert_ne!(*s.seed(&m, 1), *other.seed(&m, 1));
        assert_eq!(
            s.identity_for(&m, 19_986, now).unwrap_err(),
            EncounterError::EpochNotLive
        );
        assert_eq!(
            RotationSchedule::new(60, 1),
            Err(EncounterError::RotationParams)
        );
        assert_eq!(
            RotationSchedule::new(3_600, 0),
            Err(EncounterError::RotationParams)
        );
    }
}
