//! The pair secret and its derived identifiers (`spec/encounter.md §5.2`, `§5.3`), and the
//! contact record that stores them (`§9.1`).

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::crypto::{hkdf_expand, hkdf_extract};
use crate::labels::encounter as labels;

/// Seconds per day of the day numbering (`spec/encounter.md §2.2`).
pub const SECONDS_PER_DAY: u64 = 86_400;
/// Days of encounter history a [`ContactRecord`] can express (`§9.1`).
pub const CONTACT_HORIZON_DAYS: u32 = 32;

/// `floor(unix_seconds / 86400)`, saturated to `u32`.
pub fn day_of(unix_seconds: u64) -> u32 {
    u32::try_from(unix_seconds / SECONDS_PER_DAY).unwrap_or(u32::MAX)
}

/// The labels of §5; a parameter only so a test can reproduce the brief's suggested labels.
#[derive(Clone, Copy)]
pub(crate) struct KdfLabels {
    pub(crate) extract: &'static [u8],
    pub(crate) pair_secret: &'static [u8],
    pub(crate) pair_id: &'static [u8],
    pub(crate) day_id: &'static [u8],
    pub(crate) report_key: &'static [u8],
}

pub(crate) const LABELS: KdfLabels = KdfLabels {
    extract: labels::EXTRACT.bytes,
    pair_secret: labels::PAIR_SECRET.bytes,
    pair_id: labels::PAIR_ID.bytes,
    day_id: labels::DAY_ID.bytes,
    report_key: labels::REPORT_KEY.bytes,
};

/// The pair secret `S` of one pair of identities, seen from one side (`own`, `peer`).
/// Zeroized on drop; `Debug` shows only the public keys.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PairSecret {
    s: [u8; 32],
    own: [u8; 32],
    peer: [u8; 32],
}

impl PairSecret {
    /// `PRK = HKDF-Extract(EXTRACT, K)` (§5.2), exposed for test vectors.
    pub fn prk_from_shared(k: &[u8; 32]) -> Zeroizing<[u8; 32]> {
        hkdf_extract(LABELS.extract, k)
    }

    /// §5.2 from a raw X25519 output `k` (already checked non-zero) and the two Edwards keys
    /// `own`, `peer`. [`IdentityKey::encounter`](super::IdentityKey::encounter) is the checked
    /// entry point; this one exists for ports and the constant-time harness.
    pub fn from_shared(k: &[u8; 32], own: &[u8; 32], peer: &[u8; 32]) -> Self {
        Self::derive(k, own, peer)
    }

    /// §5.2 from the raw X25519 output `k` and the two Edwards keys.
    pub(crate) fn derive(k: &[u8; 32], own: &[u8; 32], peer: &[u8; 32]) -> Self {
        Self::derive_with(&LABELS, k, own, peer)
    }

    pub(crate) fn derive_with(
        l: &KdfLabels,
        k: &[u8; 32],
        own: &[u8; 32],
        peer: &[u8; 32],
    ) -> Self {
        let prk = hkdf_extract(l.extract, k);
        let (lo, hi) = if own <= peer {
            (own, peer)
        } else {
            (peer, own)
        };
        let s = hkdf_expand::<32>(&prk, &[l.pair_secret, lo, hi]);
        PairSecret {
            s: *s,
            own: *own,
            peer: *peer,
        }
    }

    /// Reassembles a pair secret from storage.
    pub fn from_parts(s: [u8; 32], own: [u8; 32], peer: [u8; 32]) -> Self {
        PairSecret { s, own, peer }
    }

    /// The 32 secret bytes `S`, for storage.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.s)
    }

    /// The own Edwards key.
    pub fn own_key(&self) -> [u8; 32] {
        self.own
    }

    /// The peer's Edwards key.
    pub fn peer_key(&self) -> [u8; 32] {
        self.peer
    }

    /// `pair_id = HKDF-Expand(S, PAIR_ID, 16)` (§5.3).
    pub fn pair_id(&self) -> [u8; 16] {
        *hkdf_expand::<16>(&self.s, &[LABELS.pair_id])
    }

    /// `day_id(d) = HKDF-Expand(S, DAY_ID || u32be(d), 16)` (§5.3).
    pub fn day_id(&self, day: u32) -> [u8; 16] {
        *hkdf_expand::<16>(&self.s, &[LABELS.day_id, &day.to_be_bytes()])
    }

    /// `report_key(own → peer)` (§5.3): the key this side MACs its reports with.
    pub fn report_key_to_peer(&self) -> Zeroizing<[u8; 32]> {
        hkdf_expand::<32>(&self.s, &[LABELS.report_key, &self.own, &self.peer])
    }

    /// `report_key(peer → own)` (§5.3): the key this side verifies the peer's reports with.
    pub fn report_key_from_peer(&self) -> Zeroizing<[u8; 32]> {
        hkdf_expand::<32>(&self.s, &[LABELS.report_key, &self.peer, &self.own])
    }
}

impl PartialEq for PairSecret {
    /// Constant-time in `S`.
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.s.ct_eq(&other.s)) && self.own == other.own && self.peer == other.peer
    }
}

impl Eq for PairSecret {}

impl core::fmt::Debug for PairSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PairSecret").finish_non_exhaustive()
    }
}

/// One contact (`spec/encounter.md §9.1`): the pair secret, its `pair_id`, and a 32-day bitmap of
/// the days the pair met (bit `i` ↔ day `last_day − i`).
#[derive(Clone, PartialEq, Eq)]
pub struct ContactRecord {
    secret: PairSecret,
    pair_id: [u8; 16],
    last_day: u32,
    days: u32,
}

impl ContactRecord {
    /// A record of a first encounter on `day`.
    pub fn new(secret: PairSecret, day: u32) -> Self {
        let pair_id = secret.pair_id();
        ContactRecord {
            secret,
            pair_id,
            last_day: day,
            days: 1,
        }
    }

    /// Reassembles a record from storage (`days` as returned by [`ContactRecord::days`]).
    pub fn from_parts(secret: PairSecret, last_day: u32, days: u32) -> Self {
        let pair_id = secret.pair_id();
        ContactRecord {
            secret,
            pair_id,
            last_day,
            days,
        }
    }

    /// Records another encounter on `day` (§9.1); days more than 31 before the last are ignored.
    pub fn note_encounter(&mut self, day: u32) {
        if day > self.last_day {
            let shift = day - self.last_day;
            self.days = self.days.checked_shl(shift).unwrap_or(0) | 1;
            self.last_day = day;
        } else {
            let back = self.last_day - day;
            if back < CONTACT_HORIZON_DAYS {
                self.days |= 1u32 << back;
            }
        }
    }

    /// Whether the pair met on some day `d` with `lo ≤ d ≤ hi` (§9.2 step 6d).
    pub fn met_between(&self, lo: u32, hi: u32) -> bool {
        (0..CONTACT_HORIZON_DAYS).any(|i| {
            self.days & (1u32 << i) != 0
                && self
                    .last_day
                    .checked_sub(i)
                    .is_some_and(|d| lo <= d && d <= hi)
        })
    }

    /// The pair secret.
    pub fn secret(&self) -> &PairSecret {
        &self.secret
    }

    /// `pair_id`, the record's lookup key.
    pub fn pair_id(&self) -> [u8; 16] {
        self.pair_id
    }

    /// The most recent encounter day.
    pub fn last_day(&self) -> u32 {
        self.last_day
    }

    /// The encounter-day bitmap.
    pub fn days(&self) -> u32 {
        self.days
    }
}

impl core::fmt::Debug for ContactRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ContactRecord")
            .field("last_day", &self.last_day)
            .field("days", &format_args!("{:#010x}", self.days))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encounter::{IdentityKey, PeerKey};

    fn h32(s: &str) -> [u8; 32] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    const T1: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const T2: &str = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

    /// The brief's suggested labels (`PROTO = "onion-encounter/v1"`), used only here to show that
    /// the construction reproduces the brief's published intermediates; the protocol itself uses
    /// the registered labels of `src/labels/encounter.rs` (`spec/encounter.md §13` decision 1).
    const BRIEF: KdfLabels = KdfLabels {
        extract: b"onion-encounter/v1",
        pair_secret: b"onion-encounter/v1 pair-secret",
        pair_id: b"onion-encounter/v1 pair-id",
        day_id: b"onion-encounter/v1 day-id",
        report_key: b"onion-encounter/v1 report-mac",
    };

    #[test]
    fn construction_matches_brief_with_brief_labels() {
        let a = IdentityKey::from_seed(h32(T1)).unwrap();
        let b = IdentityKey::from_seed(h32(T2)).unwrap();
        let k =
            crate::encounter::x25519_contributory(&a.x25519_secret(), &b.montgomery_u()).unwrap();
        assert_eq!(
            hex::encode(*k),
            "5166f24a6918368e2af831a4affadd97af0ac326bdf143596c045967cc00230e"
        );
        assert_eq!(
            hex::encode(*hkdf_extract(BRIEF.extract, &*k)),
            "b23fd2bce04b816c43d4204d33013520777dc0d8c9d72df94d0391dcb02de613"
        );
        let s = PairSecret::derive_with(&BRIEF, &k, &a.public_key(), &b.public_key());
        assert_eq!(
            hex::encode(s.s),
            "ff3e821975fe7d2de6595071df699e016549def7a5934db49f640c99b2a2356a"
        );
        let id = hkdf_expand::<16>(&s.s, &[BRIEF.pair_id]);
        assert_eq!(hex::encode(*id), "d2ed956f2390468f0a1fa85bcf3950cc");
        let day = hkdf_expand::<16>(&s.s, &[BRIEF.day_id, &20000u32.to_be_bytes()]);
        assert_eq!(hex::encode(*day), "594a12955f2402017374c61c3600755f");
        let ab = hkdf_expand::<32>(&s.s, &[BRIEF.report_key, &a.public_key(), &b.public_key()]);
        assert_eq!(
            hex::encode(*ab),
            "ba7b27c46e5e75b2ba7eb1307d7fd9e32c78dfce9ace1f2e0e31cacac0494499"
        );
        let ba = hkdf_expand::<32>(&s.s, &[BRIEF.report_key, &b.public_key(), &a.public_key()]);
        assert_eq!(
            hex::encode(*ba),
            "a30bb2bd4ebc8c4feb5855fd75fcf743a742810fda94d9ca511a022e1a0de487"
        );
        // Sign flip of B: same K, different S (brief: 2cfd6cb8…).
        let mut neg_b = b.public_key();
        neg_b[31] ^= 0x80;
        let s_neg = PairSecret::derive_with(&BRIEF, &k, &a.public_key(), &neg_b);
        assert_eq!(
            hex::encode(s_neg.s),
            "2cfd6cb8b480c4d06c93838509cba4a4f2277e5531a11fbb33021c9a02dc181a"
        );
    }

    #[test]
    fn both_sides_agree_and_keys_are_directional() {
        let a = IdentityKey::from_seed(h32(T1)).unwrap();
        let b = IdentityKey::from_seed(h32(T2)).unwrap();
        let sa = a.encounter(&b.peer_key()).unwrap();
        let sb = b.encounter(&a.peer_key()).unwrap();
        assert_eq!(*sa.to_bytes(), *sb.to_bytes());
        assert_eq!(sa.pair_id(), sb.pair_id());
        assert_eq!(sa.day_id(7), sb.day_id(7));
        assert_ne!(sa.day_id(7), sa.day_id(8));
        assert_eq!(*sa.report_key_to_peer(), *sb.report_key_from_peer());
        assert_ne!(*sa.report_key_to_peer(), *sa.report_key_from_peer());
        let mut neg = b.public_key();
        neg[31] ^= 0x80;
        let s_neg = a.encounter(&PeerKey::from_bytes(&neg).unwrap()).unwrap();
        assert_ne!(*s_neg.to_bytes(), *sa.to_bytes());
        assert_eq!(
            a.encounter(&a.peer_key()).unwrap_err(),
            crate::encounter::EncounterError::SelfEncounter
        );
    }

    #[test]
    fn day_bitmap() {
        let a = IdentityKey::from_seed([1; 32]).unwrap();
        let b = IdentityKey::from_seed([2; 32]).unwrap();
        let mut r = ContactRecord::new(a.encounter(&b.peer_key()).unwrap(), 100);
        r.note_encounter(110);
        assert!(r.met_between(100, 100));
        assert!(r.met_between(110, 120));
        assert!(!r.met_between(101, 109));
        r.note_encounter(105);
        assert!(r.met_between(101, 109));
        r.note_encounter(200);
        assert!(!r.met_between(0, 199));
        assert_eq!(r.days(), 1);
        r.note_encounter(150); // too old
        assert_eq!(r.days(), 1);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        #[test]
        fn symmetric_and_sign_bound(s1 in proptest::array::uniform32(0u8..), s2 in proptest::array::uniform32(0u8..)) {
            proptest::prop_assume!(s1 != s2);
            let a = IdentityKey::from_seed(s1).unwrap();
            let b = IdentityKey::from_seed(s2).unwrap();
            let ab = a.encounter(&b.peer_key()).unwrap();
            let ba = b.encounter(&a.peer_key()).unwrap();
            proptest::prop_assert_eq!(*ab.to_bytes(), *ba.to_bytes());
            proptest::prop_assert_eq!(*ab.report_key_to_peer(), *ba.report_key_from_peer());
            let mut neg = b.public_key();
            neg[31] ^= 0x80;
            let flipped = a.encounter(&PeerKey::from_bytes(&neg).unwrap()).unwrap();
            proptest::prop_assert_ne!(*flipped.to_bytes(), *ab.to_bytes());
        }

        #[test]
        fn bitmap_matches_a_set_model(first in 0u32..1000, days in proptest::collection::vec(0u32..1100, 0..20), lo in 0u32..1100, span in 0u32..60) {
            let a = IdentityKey::from_seed([1; 32]).unwrap();
            let b = IdentityKey::from_seed([2; 32]).unwrap();
            let mut r = ContactRecord::new(a.encounter(&b.peer_key()).unwrap(), first);
            let mut model = std::collections::BTreeSet::from([first]);
            for d in days {
                r.note_encounter(d);
                model.insert(d);
            }
            let last = *model.iter().max().unwrap();
            model.retain(|d| last - d < CONTACT_HORIZON_DAYS);
            let hi = lo + span;
            proptest::prop_assert_eq!(r.met_between(lo, hi), model.iter().any(|d| lo <= *d && *d <= hi));
        }
    }
}
