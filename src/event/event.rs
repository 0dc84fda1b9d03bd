//! The event as a sans-IO state machine (`spec/events.md §7`): credentials, check-in, stats served to
//! pseudonyms, reports on allowed transitions only, the identity reveal, and the lifecycle.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use sha2::{Digest, Sha256};

use super::identity::{verify, DiscoveryKey, IdentityKey, SecretSeed};
use super::messages::{CheckIn, CheckInAck, Counts, Report, ReportAck, Stats, StatsRequest};
use super::status::{transition_at, Cause, Status};
use super::{EventError, ARCHIVE, GRACE, MAX_EVENT_DURATION, MAX_SKEW};
use crate::labels::event as labels;

/// The 96-byte check-in QR payload (`spec/events.md §7.1`). Holds a secret: never printed.
#[derive(Clone)]
pub struct CheckInQr {
    /// Event identity public key.
    pub event: [u8; 32],
    /// Event discovery public key.
    pub address: [u8; 32],
    /// Seed of the single-use check-in credential.
    pub credential: SecretSeed,
}

impl CheckInQr {
    /// Payload length.
    pub const LEN: usize = 96;

    /// The 96 payload bytes (contains the credential secret).
    pub fn to_bytes(&self) -> [u8; 96] {
        let mut out = [0u8; 96];
        let (a, rest) = out.split_at_mut(32);
        let (b, c) = rest.split_at_mut(32);
        a.copy_from_slice(&self.event);
        b.copy_from_slice(&self.address);
        c.copy_from_slice(self.credential.as_bytes());
        out
    }

    /// Parses exactly 96 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EventError> {
        crate::wire::decode_exact(bytes, |r| {
            Ok(CheckInQr {
                event: r.array()?,
                address: r.array()?,
                credential: SecretSeed::from_bytes(r.array()?),
            })
        })
    }

    /// `T = event || address || credential_pub || pseudonym` (`spec/events.md §7.2`).
    pub fn transcript(
        event: &[u8; 32],
        address: &[u8; 32],
        credential: &[u8; 32],
        pseudonym: &[u8; 32],
    ) -> [u8; 128] {
        let mut t = [0u8; 128];
        for (chunk, part) in t
            .chunks_exact_mut(32)
            .zip([event, address, credential, pseudonym])
        {
            chunk.copy_from_slice(part);
        }
        t
    }

    /// Builds the CheckIn message for the pseudonym with seed `pseudonym` (`spec/events.md §7.2`).
    pub fn check_in(&self, pseudonym: &SecretSeed) -> CheckIn {
        let cred = IdentityKey::from_seed(&self.credential);
        let nym = IdentityKey::from_seed(pseudonym);
        let t = Self::transcript(&self.event, &self.address, &cred.public(), &nym.public());
        CheckIn {
            credential: cred.public(),
            pseudonym: nym.public(),
            credential_sig: cred.sign(labels::CHECKIN_CREDENTIAL, &[&t]),
            pseudonym_sig: nym.sign(labels::CHECKIN_PSEUDONYM, &[&t]),
        }
    }
}

impl core::fmt::Debug for CheckInQr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CheckInQr")
            .field("event", &self.event)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Lifecycle phase (`spec/events.md §7.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Running: check-ins, reports, stats.
    Active,
    /// Ended, within 14 days: reports and stats.
    Grace,
    /// Read-only archive for 30 days: stats only.
    Archive,
    /// Everything must be erased.
    Deleted,
}

/// What the event knows about one pseudonym (`spec/events.md §7.4`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    /// Current reported status.
    pub status: Status,
    /// Hops of that status.
    pub hops: u8,
    /// "Infecting since" of that status.
    pub since: u64,
    /// When the status was entered (check-in time at first).
    pub entered: u64,
    /// Last accepted counter (0 before any report).
    pub counter: u32,
    /// Revealed permanent identity.
    pub identity: Option<[u8; 32]>,
    /// Revealed name.
    pub name: String,
    /// SHA-256 of the last accepted Report, to recognise its retransmissions.
    pub last_report: Option<[u8; 32]>,
}

/// The organiser-side output of an accepted report: the ack to send and the identity reveal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// Encoded ReportAck.
    pub ack: Vec<u8>,
    /// The decoded report: who (permanent identity, name), what status, since when, message.
    /// `None` for a retransmission of the last accepted report, which changes nothing and is
    /// acknowledged again (`spec/events.md §7.4` step 4).
    pub reveal: Option<Report>,
}

/// An event hosted on the organiser's device (`spec/events.md §7`).
#[derive(Clone, Debug)]
pub struct Event {
    key: IdentityKey,
    address: [u8; 32],
    start: u64,
    ended: Option<u64>,
    issued: BTreeSet<[u8; 32]>,
    /// Burned credentials, with the SHA-256 of the CheckIn they admitted (`None`: burned by an
    /// attempt with a bad pseudonym signature or a taken pseudonym).
    burned: BTreeMap<[u8; 32], Option<[u8; 32]>>,
    participants: BTreeMap<[u8; 32], Participant>,
    counts: Counts,
    max_credentials: usize,
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn bump(counts: &mut Counts, status: Status, hops: u8, up: bool) {
    let slot = match status {
        Status::Unknown => return,
        Status::Negative => &mut counts.negative,
        Status::Suspected => &mut counts.suspected,
        Status::Positive => &mut counts.positive,
        Status::HighRisk => match counts
            .high_risk
            .get_mut(usize::from(hops.saturating_sub(1)))
        {
            Some(s) => s,
            None => return,
        },
    };
    *slot = if up {
        slot.saturating_add(1)
    } else {
        slot.saturating_sub(1)
    };
}

impl Event {
    /// Default bound on the credentials of one event, issued and burned together
    /// (`spec/events.md §11`, Bounded state).
    pub const DEFAULT_MAX_CREDENTIALS: usize = 10_000;

    /// A new event with a fresh identity and discovery key (not the organiser's), started at `start`.
    pub fn new(identity: &SecretSeed, discovery: &SecretSeed, start: u64) -> Self {
        Event {
            key: IdentityKey::from_seed(identity),
            address: DiscoveryKey::from_seed(discovery).public(),
            start,
            ended: None,
            issued: BTreeSet::new(),
            burned: BTreeMap::new(),
            participants: BTreeMap::new(),
            counts: Counts::default(),
            max_credentials: Self::DEFAULT_MAX_CREDENTIALS,
        }
    }

    /// Changes the bound on credentials (issued and burned together); nothing is removed.
    pub fn set_max_credentials(&mut self, max: usize) {
        self.max_credentials = max;
    }

    /// The bound on credentials.
    pub fn max_credentials(&self) -> usize {
        self.max_credentials
    }

    /// Credentials held: issued and not yet used, plus burned. Every pseudonym was admitted by
    /// one burned credential, so this also bounds the pseudonym table.
    pub fn credentials(&self) -> usize {
        self.issued.len() + self.burned.len()
    }

    /// Checked-in pseudonyms.
    pub fn participant_count(&self) -> usize {
        self.participants.len()
    }

    /// The event identity public key.
    pub fn id(&self) -> [u8; 32] {
        self.key.public()
    }

    /// The event discovery public key.
    pub fn address(&self) -> [u8; 32] {
        self.address
    }

    /// Start time.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The end in force: the explicit end, or `start + MAX_EVENT_DURATION` if that is earlier
    /// or the event was never ended (`spec/events.md §7.5`).
    pub fn end_in_force(&self) -> u64 {
        let auto = self.start.saturating_add(MAX_EVENT_DURATION);
        self.ended.map_or(auto, |e| e.min(auto))
    }

    /// The end, once it has passed at `now` (`None` while the event is Active).
    pub fn end_at(&self, now: u64) -> Option<u64> {
        let e = self.end_in_force();
        (now >= e).then_some(e)
    }

    /// Terminates the event at `max(now, start)` (`spec/events.md §7.5`; `EVENT_CLOSED` if it was
    /// ended before or has ended automatically).
    pub fn end(&mut self, now: u64) -> Result<(), EventError> {
        if self.ended.is_some() || now >= self.start.saturating_add(MAX_EVENT_DURATION) {
            return Err(EventError::Closed);
        }
        self.ended = Some(now.max(self.start));
        Ok(())
    }

    /// The phase at `now` (`spec/events.md §7.5`).
    pub fn phase(&self, now: u64) -> Phase {
        match self.end_at(now) {
            None => Phase::Active,
            Some(e) if now < e.saturating_add(GRACE) => Phase::Grace,
            Some(e) if now < e.saturating_add(GRACE).saturating_add(ARCHIVE) => Phase::Archive,
            Some(_) => Phase::Deleted,
        }
    }

    /// True once every byte of the event must be erased.
    pub fn is_deleted(&self, now: u64) -> bool {
        self.phase(now) == Phase::Deleted
    }

    /// Current counters.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// What the event knows about `pseudonym`.
    pub fn participant(&self, pseudonym: &[u8; 32]) -> Option<&Participant> {
        self.participants.get(pseudonym)
    }

    /// Issues a check-in QR with the single-use credential `credential` (`spec/events.md §7.1`):
    /// `EVENT_CLOSED` after the end, `EVENT_TABLE_FULL` when a new credential would pass the
    /// bound. Issuing a credential again returns the same QR; a burned one stays burned.
    pub fn issue_credential(
        &mut self,
        credential: SecretSeed,
        now: u64,
    ) -> Result<CheckInQr, EventError> {
        if self.phase(now) != Phase::Active {
            return Err(EventError::Closed);
        }
        let public = IdentityKey::from_seed(&credential).public();
        let known = self.issued.contains(&public) || self.burned.contains_key(&public);
        if !known {
            if self.credentials() >= self.max_credentials {
                return Err(EventError::TableFull);
            }
            self.issued.insert(public);
        }
        Ok(CheckInQr {
            event: self.id(),
            address: self.address,
            credential,
        })
    }

    fn check_in_ack(&self, pseudonym: &[u8; 32]) -> Vec<u8> {
        let start = self.start.to_be_bytes();
        CheckInAck {
            pseudonym: *pseudonym,
            start: self.start,
            sig: self
                .key
                .sign(labels::CHECKIN_ACK, &[&self.id(), pseudonym, &start]),
        }
        .encode()
    }

    /// Processes a CheckIn (`spec/events.md §7.2`, steps 1-10); returns the encoded CheckInAck.
    /// A retransmission of the CheckIn that burned its credential is acknowledged again and
    /// changes nothing (step 2).
    pub fn check_in(&mut self, bytes: &[u8], now: u64) -> Result<Vec<u8>, EventError> {
        let msg = CheckIn::decode(bytes)?;
        let phase = self.phase(now);
        let admitted = self.burned.get(&msg.credential);
        // Step 2: a retransmission is answered again in every phase but Deleted.
        if phase != Phase::Deleted && admitted.is_some_and(|a| *a == Some(digest(bytes))) {
            return Ok(self.check_in_ack(&msg.pseudonym));
        }
        if phase != Phase::Active {
            return Err(EventError::Closed);
        }
        if admitted.is_some() {
            return Err(EventError::CheckInBurned);
        }
        if !self.issued.contains(&msg.credential) {
            return Err(EventError::CheckInUnknown);
        }
        let t = CheckInQr::transcript(&self.id(), &self.address, &msg.credential, &msg.pseudonym);
        verify(
            &msg.credential,
            labels::CHECKIN_CREDENTIAL,
            &[&t],
            &msg.credential_sig,
            EventError::BadCredentialSig,
        )?;
        // Step 5: burn, whatever happens next.
        self.issued.remove(&msg.credential);
        self.burned.insert(msg.credential, None);
        verify(
            &msg.pseudonym,
            labels::CHECKIN_PSEUDONYM,
            &[&t],
            &msg.pseudonym_sig,
            EventError::BadPseudonymSig,
        )?;
        if self.participants.contains_key(&msg.pseudonym) {
            return Err(EventError::PseudonymExists);
        }
        self.burned.insert(msg.credential, Some(digest(bytes)));
        self.participants.insert(
            msg.pseudonym,
            Participant {
                status: Status::Unknown,
                hops: 0,
                since: now,
                entered: now,
                counter: 0,
                identity: None,
                name: String::new(),
                last_report: None,
            },
        );
        self.counts.attendees = self.counts.attendees.saturating_add(1);
        Ok(self.check_in_ack(&msg.pseudonym))
    }

    /// The signed Stats the event would serve at `now` (no request check).
    pub fn stats_message(&self, now: u64) -> Stats {
        let mut stats = Stats {
            event: self.id(),
            time: now,
            start: self.start,
            end: self.end_at(now).unwrap_or(0),
            counts: self.counts,
            sig: [0; 64],
        };
        stats.sig = self.key.sign(labels::STATS_RESPONSE, &[&stats.body()]);
        stats
    }

    /// Serves a StatsRequest (`spec/events.md §7.3`); returns the encoded Stats.
    pub fn stats(&self, bytes: &[u8], now: u64) -> Result<Vec<u8>, EventError> {
        let req = StatsRequest::decode(bytes)?;
        if self.phase(now) == Phase::Deleted {
            return Err(EventError::Deleted);
        }
        if req.time.abs_diff(now) > MAX_SKEW {
            return Err(EventError::RequestStale);
        }
        if !self.participants.contains_key(&req.pseudonym) {
            return Err(EventError::PseudonymUnknown);
        }
        verify(
            &req.pseudonym,
            labels::STATS_REQUEST,
            &[&self.id(), &req.pseudonym, &req.time.to_be_bytes()],
            &req.sig,
            EventError::BadPseudonymSig,
        )?;
        Ok(self.stats_message(now).encode())
    }

    fn report_ack(&self, pseudonym: &[u8; 32], counter: u32, status: Status) -> Vec<u8> {
        let mut ack = ReportAck {
            pseudonym: *pseudonym,
            counter,
            status,
            sig: [0; 64],
        };
        ack.sig = self
            .key
            .sign(labels::REPORT_ACK, &[&self.id(), &ack.body()]);
        ack.encode()
    }

    /// Processes a Report (`spec/events.md §7.4`, steps 1-13). A refused report changes nothing.
    pub fn report(&mut self, bytes: &[u8], now: u64) -> Result<Accepted, EventError> {
        let r = Report::decode(bytes)?;
        let phase = self.phase(now);
        if phase == Phase::Deleted {
            return Err(EventError::Deleted);
        }
        let id = self.id();
        let end = self.end_at(now).unwrap_or(now);
        let p = self
            .participants
            .get(&r.pseudonym)
            .ok_or(EventError::PseudonymUnknown)?;
        let d = digest(bytes);
        // Step 4: a retransmission is answered again, also during the archive.
        if p.last_report == Some(d) {
            return Ok(Accepted {
                ack: self.report_ack(&r.pseudonym, p.counter, p.status),
                reveal: None,
            });
        }
        if phase == Phase::Archive {
            return Err(EventError::Archived);
        }
        let body = r.body();
        verify(
            &r.pseudonym,
            labels::REPORT_PSEUDONYM,
            &[&id, &body],
            &r.pseudonym_sig,
            EventError::BadPseudonymSig,
        )?;
        verify(
            &r.identity,
            labels::REPORT_IDENTITY,
            &[&id, &body],
            &r.identity_sig,
            EventError::BadIdentitySig,
        )?;
        if p.identity.is_some_and(|known| known != r.identity) {
            return Err(EventError::IdentitySwap);
        }
        if r.counter <= p.counter {
            return Err(EventError::Replay);
        }
        if r.since > r.time || r.time > now.saturating_add(MAX_SKEW) || r.time < p.entered {
            return Err(EventError::TimeInvalid);
        }
        if r.status.is_infectious() && r.since > end {
            return Err(EventError::NotRelevant);
        }
        let cause = Cause::of_edge(p.status, r.status).ok_or(EventError::TransitionRefused)?;
        transition_at(p.status, cause, p.entered, r.time)?;
        let (old_status, old_hops) = (p.status, p.hops);
        bump(&mut self.counts, old_status, old_hops, false);
        bump(&mut self.counts, r.status, r.hops, true);
        if let Some(p) = self.participants.get_mut(&r.pseudonym) {
            p.status = r.status;
            p.hops = r.hops;
            p.since = r.since;
            p.entered = r.time;
            p.counter = r.counter;
            p.identity = Some(r.identity);
            p.last_report = Some(d);
            p.name.clone_from(&r.name);
        }
        Ok(Accepted {
            ack: self.report_ack(&r.pseudonym, r.counter, r.status),
            reveal: Some(r),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_burns_and_counts_track_reports() {
        let seed = |i: u8| SecretSeed::from_bytes([i; 32]);
        let mut ev = Event::new(&seed(1), &seed(2), 1_000);
        let qr = ev.issue_credential(seed(3), 1_000).unwrap();
        let ack = ev.check_in(&qr.check_in(&seed(4)).encode(), 1_010).unwrap();
        assert_eq!(CheckInAck::decode(&ack).unwrap().start, 1_000);
        assert_eq!(
            ev.check_in(&qr.check_in(&seed(5)).encode(), 1_011),
            Err(EventError::CheckInBurned)
        );
        // Re-issuing a burned credential does not revive it.
        ev.issue_credential(seed(3), 1_012).unwrap();
        assert_eq!(
            ev.check_in(&qr.check_in(&seed(5)).encode(), 1_013),
            Err(EventError::CheckInBurned)
        );
        assert_eq!(ev.counts().attendees, 1);
        ev.end(2_000).unwrap();
        assert_eq!(ev.phase(2_000 + GRACE - 1), Phase::Grace);
        assert_eq!(ev.phase(2_000 + GRACE), Phase::Archive);
        assert!(ev.is_deleted(2_000 + GRACE + ARCHIVE));
    }
}
