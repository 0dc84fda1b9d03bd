//! The receiver of infection reports: ordered checks (`spec/encounter.md §9.2`) and the bounded
//! replay cache (`§9.3`).

use subtle::ConstantTimeEq;

use super::authority::{subject_commitment, AuthorityKey, ReportType};
use super::report::InfectionReport;
use super::secret::{day_of, ContactRecord};
use super::EncounterError;

/// Default clock-skew allowance for `issued_at` (§2.2).
pub const DEFAULT_MAX_SKEW: u64 = 300;
/// Default longest accepted attestation validity, 14 days (§2.2).
pub const DEFAULT_MAX_VALIDITY: u64 = 14 * 86_400;

/// Where the receiver finds contact records by `pair_id` (§9.1).
pub trait ContactStore {
    /// The record whose `pair_id` is `pair_id`, if any.
    fn lookup(&self, pair_id: &[u8; 16]) -> Option<&ContactRecord>;
}

impl ContactStore for [ContactRecord] {
    fn lookup(&self, pair_id: &[u8; 16]) -> Option<&ContactRecord> {
        self.iter().find(|r| r.pair_id() == *pair_id)
    }
}

#[cfg(feature = "alloc")]
impl ContactStore for alloc::vec::Vec<ContactRecord> {
    fn lookup(&self, pair_id: &[u8; 16]) -> Option<&ContactRecord> {
        self.as_slice().lookup(pair_id)
    }
}

/// What the receiver accepts (§9.2 steps 6–7).
#[derive(Clone, Copy, Debug)]
pub struct Policy<'a> {
    /// Allowed future skew of `issued_at`, seconds.
    pub max_skew: u64,
    /// Longest accepted `not_after − issued_at`, seconds.
    pub max_validity: u64,
    /// Accepted disease codes.
    pub diseases: &'a [u16],
    /// Accepted report types.
    pub report_types: &'a [ReportType],
}

impl<'a> Policy<'a> {
    /// The default limits with the given accepted codes and types.
    pub fn new(diseases: &'a [u16], report_types: &'a [ReportType]) -> Self {
        Policy {
            max_skew: DEFAULT_MAX_SKEW,
            max_validity: DEFAULT_MAX_VALIDITY,
            diseases,
            report_types,
        }
    }
}

/// What an accepted report tells the caller (§9.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The contact that reported.
    pub pair_id: [u8; 16],
    /// What is attested.
    pub report_type: ReportType,
    /// Disease code.
    pub disease_code: u16,
    /// First day of the contagious window.
    pub window_start_day: u32,
    /// Issue time of the attestation.
    pub issued_at: u64,
    /// The attestation nonce.
    pub cert_nonce: [u8; 16],
}

/// The result of one [`Receiver::receive`] call.
pub type ReceiveOutcome = Result<Notification, EncounterError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    nonce: [u8; 16],
    pair_id: [u8; 16],
    expiry: u64,
}

/// A replay cache of at most `N` entries in fixed storage (§9.3 transition table).
///
/// `N` is the bound of §11 (bounded state): at most `N` reports can be live at once, and a report
/// that finds every slot live is refused with [`EncounterError::ReplayCacheFull`] (fail closed).
#[derive(Clone, Debug)]
pub struct ReplayCache<const N: usize> {
    slots: [Option<Entry>; N],
}

impl<const N: usize> Default for ReplayCache<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> ReplayCache<N> {
    /// An empty cache.
    pub fn new() -> Self {
        ReplayCache { slots: [None; N] }
    }

    /// Admits `(nonce, pair_id)` until `expiry` (§9.3): first frees every entry with
    /// `expiry ≤ now`, then refuses a key that is still present ([`EncounterError::Replayed`]),
    /// then stores the key in a free slot or, if none is left, refuses it
    /// ([`EncounterError::ReplayCacheFull`]). A refusal changes nothing but the purge.
    pub fn admit(
        &mut self,
        nonce: &[u8; 16],
        pair_id: &[u8; 16],
        expiry: u64,
        now: u64,
    ) -> Result<(), EncounterError> {
        self.purge(now);
        if self
            .slots
            .iter()
            .flatten()
            .any(|e| e.nonce == *nonce && e.pair_id == *pair_id)
        {
            return Err(EncounterError::Replayed);
        }
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(EncounterError::ReplayCacheFull)?;
        *slot = Some(Entry {
            nonce: *nonce,
            pair_id: *pair_id,
            expiry,
        });
        Ok(())
    }

    /// Frees every entry with `expiry ≤ now` (§9.3). [`ReplayCache::admit`] does this itself, so
    /// calling it changes no verdict; it only releases the entries early.
    pub fn purge(&mut self, now: u64) {
        for s in self.slots.iter_mut() {
            if s.is_some_and(|e| e.expiry <= now) {
                *s = None;
            }
        }
    }

    /// Entries live at `now` (`expiry > now`): what §9.3 bounds by `N`.
    pub fn live(&self, now: u64) -> usize {
        self.slots
            .iter()
            .flatten()
            .filter(|e| e.expiry > now)
            .count()
    }

    /// Occupied slots, live or expired but not yet purged.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// Whether no slot is occupied.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound `N`.
    pub fn capacity(&self) -> usize {
        N
    }
}

/// §9.2 step 4 over the pinned keys whose key id is `kid` (the same key may be pinned more than
/// once, e.g. with successive validity windows): 4a some has `kid`; 4b none of them is revoked
/// (a revocation of the key wins over every other entry of it); 4c one of them covers
/// `issued_at`, and the first such is the key step 5 verifies with.
fn authority_for<'k>(
    authorities: &'k [AuthorityKey],
    kid: &[u8; 8],
    issued_at: u64,
) -> Result<&'k AuthorityKey, EncounterError> {
    let mut matching = authorities.iter().filter(|k| k.kid() == *kid).peekable();
    if matching.peek().is_none() {
        return Err(EncounterError::UnknownKeyId);
    }
    if matching.clone().any(|k| k.revoked()) {
        return Err(EncounterError::KeyRevoked);
    }
    matching
        .find(|k| k.covers(issued_at))
        .ok_or(EncounterError::KeyOutsideValidity)
}

/// The report receiver (§9.2): the ordered checks plus a replay cache of `N` entries.
#[derive(Clone, Debug, Default)]
pub struct Receiver<const N: usize> {
    cache: ReplayCache<N>,
}

impl<const N: usize> Receiver<N> {
    /// A receiver with an empty replay cache.
    pub fn new() -> Self {
        Receiver {
            cache: ReplayCache::new(),
        }
    }

    /// The replay cache.
    pub fn cache(&self) -> &ReplayCache<N> {
        &self.cache
    }

    /// Runs every check of §9.2 in order on `bytes`; on success records the report in the replay
    /// cache and returns the notification.
    pub fn receive<S: ContactStore + ?Sized>(
        &mut self,
        bytes: &[u8],
        contacts: &S,
        authorities: &[AuthorityKey],
        policy: &Policy<'_>,
        now: u64,
    ) -> ReceiveOutcome {
        // Step 1: strict decoding.
        let report = InfectionReport::decode(bytes)?;
        // Step 2: a known contact.
        let contact = contacts
            .lookup(&report.pair_id())
            .ok_or(EncounterError::NotAContact)?;
        // Step 3: MAC under report_key(peer → own), constant time.
        if !report.mac_is_valid(&contact.secret().report_key_from_peer()) {
            return Err(EncounterError::BadMac);
        }
        // Step 4: the authority key.
        let att = report.attestation();
        let f = att.fields();
        let key = authority_for(authorities, &att.kid(), f.issued_at)?;
        // Step 5: the Ed25519 rule of spec/ed25519.md (checks 2–4; check 1 ran at admission).
        key.verify(att)?;
        // Step 6: times.
        if f.issued_at > now.saturating_add(policy.max_skew) {
            return Err(EncounterError::IssuedInFuture);
        }
        if f.not_after <= f.issued_at || f.not_after - f.issued_at > policy.max_validity {
            return Err(EncounterError::ValidityTooLong);
        }
        if now >= f.not_after {
            return Err(EncounterError::Expired);
        }
        if !contact.met_between(f.window_start_day, day_of(f.not_after)) {
            return Err(EncounterError::OutsideWindow);
        }
        // Step 7: policy.
        if !policy.diseases.contains(&f.disease_code) {
            return Err(EncounterError::DiseaseNotAccepted);
        }
        if !policy.report_types.contains(&f.report_type) {
            return Err(EncounterError::ReportTypeNotAccepted);
        }
        // Step 8: the commitment opens to the contact's key, constant time.
        let expected = subject_commitment(&report.bind_key(), &contact.secret().peer_key());
        if !bool::from(expected.ct_eq(&f.subject_commitment)) {
            return Err(EncounterError::BadCommitment);
        }
        // Step 9: replay cache.
        self.cache
            .admit(&f.cert_nonce, &report.pair_id(), f.not_after, now)?;
        Ok(Notification {
            pair_id: report.pair_id(),
            report_type: f.report_type,
            disease_code: f.disease_code,
            window_start_day: f.window_start_day,
            issued_at: f.issued_at,
            cert_nonce: f.cert_nonce,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_cache_transitions() {
        let mut c = ReplayCache::<2>::new();
        assert_eq!(c.admit(&[1; 16], &[9; 16], 100, 10), Ok(()));
        assert_eq!(
            c.admit(&[1; 16], &[9; 16], 100, 20),
            Err(EncounterError::Replayed)
        );
        assert_eq!(c.admit(&[1; 16], &[8; 16], 100, 20), Ok(()));
        assert_eq!(
            c.admit(&[2; 16], &[9; 16], 100, 20),
            Err(EncounterError::ReplayCacheFull)
        );
        // After expiry, slots are reusable and the old key may be admitted again.
        assert_eq!(c.admit(&[2; 16], &[9; 16], 300, 100), Ok(()));
        assert_eq!(c.admit(&[1; 16], &[9; 16], 300, 150), Ok(()));
        assert_eq!(c.len(), 2);
        c.purge(300);
        assert!(c.is_empty());
    }
}
