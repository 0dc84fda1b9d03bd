//! The participant's device (`spec/events.md §8`, §9): check-in, polling, High Risk inference and the
//! cascade of reports to other events. Sans-IO: every input carries `now`, every output is bytes.
//!
//! Every message the device sends to an event is retransmitted by [`Device::poll`] until the event
//! acknowledges it, and the device sends nothing new to an event while a message there is
//! unacknowledged (stop and wait, `spec/events.md §8.2`), so that loss, duplication, delay,
//! reordering and replay on the network can neither lose a report silently nor make the device's
//! view of an event differ from the event's.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::event::CheckInQr;
use super::identity::{fingerprint, verify, IdentityKey, SecretSeed};
use super::messages::{CheckInAck, Counts, Report, ReportAck, Stats, StatsRequest};
use super::status::{transition_at, Cause, Status, StatusState};
use super::{EventError, GRACE, HIGH_RISK_EXPIRY, MAX_EVENT_DURATION, MAX_HOPS, MAX_SKEW};
use crate::labels::event as labels;

/// The device's number for an attended event (`spec/events.md §8.1`): the number of check-ins the
/// device made before it (0 for the first). Never reused, not even after the event is forgotten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventHandle(pub u32);

/// A report sent and not yet acknowledged, or the last one acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sent {
    counter: u32,
    status: Status,
    hops: u8,
    /// The report's `time`: when the status was entered at the event.
    time: u64,
}

#[derive(Clone, Debug)]
struct Attended {
    event: [u8; 32],
    address: [u8; 32],
    pseudonym: IdentityKey,
    checked_in_at: u64,
    /// The CheckIn, until its CheckInAck arrives.
    check_in: Option<Vec<u8>>,
    start: Option<u64>,
    end: Option<u64>,
    counts: Option<Counts>,
    /// `time` of the last accepted Stats.
    stats_time: Option<u64>,
    /// What the event acknowledged last (status Unknown, counter 0 before any report).
    accepted: Sent,
    /// The report sent and not yet acknowledged, with its bytes for retransmission.
    pending: Option<(Sent, Vec<u8>)>,
}

impl Attended {
    /// The latest time the event can end (`spec/events.md §8.2`): the end learned from Stats,
    /// else 7 days after its start (after the check-in while the start is not known).
    fn deadline(&self) -> u64 {
        self.end.unwrap_or_else(|| {
            self.start
                .unwrap_or(self.checked_in_at)
                .saturating_add(MAX_EVENT_DURATION)
        })
    }
}

/// A participant's device (`spec/events.md §8`).
#[derive(Clone, Debug)]
pub struct Device {
    identity: IdentityKey,
    name: String,
    status: StatusState,
    exposing: Option<EventHandle>,
    events: BTreeMap<EventHandle, Attended>,
    next_handle: u32,
    max_events: usize,
    lost: u64,
}

/// One outgoing message and the event it goes to.
pub type Outgoing = (EventHandle, Vec<u8>);

impl Device {
    /// Default bound on the events a device attends at once (`spec/events.md §11`, Bounded
    /// state).
    pub const DEFAULT_MAX_EVENTS: usize = 1_024;

    /// A device with permanent identity `identity`, real name `name`, status Unknown since `now`.
    pub fn new(identity: &SecretSeed, name: &str, now: u64) -> Result<Self, EventError> {
        Report::check_text(name, "")?;
        Ok(Device {
            identity: IdentityKey::from_seed(identity),
            name: String::from(name),
            status: StatusState::new(now),
            exposing: None,
            events: BTreeMap::new(),
            next_handle: 0,
            max_events: Self::DEFAULT_MAX_EVENTS,
            lost: 0,
        })
    }

    /// Changes the bound on attended events (nothing is forgotten early).
    pub fn set_max_events(&mut self, max: usize) {
        self.max_events = max;
    }

    /// The bound on attended events.
    pub fn max_events(&self) -> usize {
        self.max_events
    }

    /// The permanent identity public key.
    pub fn identity(&self) -> [u8; 32] {
        self.identity.public()
    }

    /// The current status.
    pub fn status(&self) -> StatusState {
        self.status
    }

    /// The event whose stats made this device High Risk.
    pub fn exposing_event(&self) -> Option<EventHandle> {
        self.exposing
    }

    /// Event identity of an attended event.
    pub fn event_id(&self, h: EventHandle) -> Option<[u8; 32]> {
        self.events.get(&h).map(|e| e.event)
    }

    /// Pseudonym public key used at an attended event.
    pub fn pseudonym(&self, h: EventHandle) -> Option<[u8; 32]> {
        self.events.get(&h).map(|e| e.pseudonym.public())
    }

    /// The discovery address of an attended event (where to send its messages).
    pub fn event_address(&self, h: EventHandle) -> Option<[u8; 32]> {
        self.events.get(&h).map(|e| e.address)
    }

    /// Number of attended events the device still remembers.
    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    /// Whether a CheckIn or Report to this event is still unacknowledged.
    pub fn is_pending(&self, h: EventHandle) -> bool {
        self.events
            .get(&h)
            .is_some_and(|e| e.check_in.is_some() || e.pending.is_some())
    }

    /// Messages given up unacknowledged because their event's grace period ended
    /// (`spec/events.md §8.2`): the device knows they may not have arrived.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Scans a check-in QR: records the event and returns the CheckIn bytes (`spec/events.md
    /// §7.2`), which [`Device::poll`] retransmits until the CheckInAck arrives. `EVENT_TABLE_FULL`
    /// when the device already attends `max_events` events.
    pub fn check_in(
        &mut self,
        qr: &CheckInQr,
        pseudonym: &SecretSeed,
        now: u64,
    ) -> Result<Outgoing, EventError> {
        self.forget(now);
        if self.events.len() >= self.max_events {
            return Err(EventError::TableFull);
        }
        let msg = qr.check_in(pseudonym).encode();
        let h = EventHandle(self.next_handle);
        self.next_handle = self.next_handle.saturating_add(1);
        self.events.insert(
            h,
            Attended {
                event: qr.event,
                address: qr.address,
                pseudonym: IdentityKey::from_seed(pseudonym),
                checked_in_at: now,
                check_in: Some(msg.clone()),
                start: None,
                end: None,
                counts: None,
                stats_time: None,
                accepted: Sent {
                    counter: 0,
                    status: Status::Unknown,
                    hops: 0,
                    time: now,
                },
                pending: None,
            },
        );
        Ok((h, msg))
    }

    fn get(&self, h: EventHandle) -> Result<&Attended, EventError> {
        self.events.get(&h).ok_or(EventError::WrongEvent)
    }

    /// Verifies a CheckInAck (`spec/events.md §8.2`: `EVENT_WRONG_PSEUDONYM`, then
    /// `EVENT_BAD_EVENT_SIG`) and learns the start. A second copy of the ack changes nothing.
    pub fn on_check_in_ack(&mut self, h: EventHandle, bytes: &[u8]) -> Result<(), EventError> {
        let ack = CheckInAck::decode(bytes)?;
        let e = self.get(h)?;
        let pseudonym = e.pseudonym.public();
        if ack.pseudonym != pseudonym {
            return Err(EventError::WrongPseudonym);
        }
        verify(
            &e.event,
            labels::CHECKIN_ACK,
            &[&e.event, &pseudonym, &ack.start.to_be_bytes()],
            &ack.sig,
            EventError::BadEventSig,
        )?;
        if let Some(e) = self.events.get_mut(&h) {
            e.start = Some(ack.start);
            e.check_in = None;
        }
        Ok(())
    }

    /// Forgets every event whose grace period has ended (`spec/events.md §8.2`), counting what
    /// was still unacknowledged there as lost.
    fn forget(&mut self, now: u64) {
        let gone: Vec<EventHandle> = self
            .events
            .iter()
            .filter(|(_, e)| now >= e.deadline().saturating_add(GRACE))
            .map(|(h, _)| *h)
            .collect();
        for h in gone {
            if let Some(e) = self.events.remove(&h) {
                if e.check_in.is_some() || e.pending.is_some() {
                    self.lost = self.lost.saturating_add(1);
                }
            }
            if self.exposing == Some(h) {
                self.exposing = None;
            }
        }
    }

    /// Forgets events past their grace period, then returns, for every attended event it still
    /// holds: its unacknowledged CheckIn or Report (retransmitted byte for byte), and a
    /// StatsRequest once the check-in is acknowledged (`spec/events.md §8.2`).
    pub fn poll(&mut self, now: u64) -> Vec<Outgoing> {
        self.forget(now);
        let mut out = Vec::new();
        for (h, e) in &self.events {
            if let Some(msg) = &e.check_in {
                out.push((*h, msg.clone()));
                continue;
            }
            if let Some((_, msg)) = &e.pending {
                out.push((*h, msg.clone()));
            }
            let pseudonym = e.pseudonym.public();
            let req = StatsRequest {
                pseudonym,
                time: now,
                sig: e.pseudonym.sign(
                    labels::STATS_REQUEST,
                    &[&e.event, &pseudonym, &now.to_be_bytes()],
                ),
            };
            out.push((*h, req.encode()));
        }
        out
    }

    /// Verifies and stores Stats (`spec/events.md §7.3`: `EVENT_WRONG_EVENT`,
    /// `EVENT_BAD_EVENT_SIG`, `EVENT_REQUEST_STALE` when the stats' time is more than `MAX_SKEW`
    /// from `now` or before the stats stored); no inference yet.
    pub fn on_stats(&mut self, h: EventHandle, bytes: &[u8], now: u64) -> Result<(), EventError> {
        let stats = Stats::decode(bytes)?;
        let e = self.get(h)?;
        if stats.event != e.event {
            return Err(EventError::WrongEvent);
        }
        verify(
            &e.event,
            labels::STATS_RESPONSE,
            &[&stats.body()],
            &stats.sig,
            EventError::BadEventSig,
        )?;
        if stats.time.abs_diff(now) > MAX_SKEW || e.stats_time.is_some_and(|t| stats.time < t) {
            return Err(EventError::RequestStale);
        }
        if let Some(e) = self.events.get_mut(&h) {
            e.start = Some(stats.start);
            e.end = (stats.end != 0).then_some(stats.end);
            e.counts = Some(stats.counts);
            e.stats_time = Some(stats.time);
        }
        Ok(())
    }

    /// Verifies a ReportAck (`spec/events.md §8.2`); the acknowledged report becomes the one
    /// excluded from the counts and the base of the next transition there.
    pub fn on_report_ack(&mut self, h: EventHandle, bytes: &[u8]) -> Result<(), EventError> {
        let ack = ReportAck::decode(bytes)?;
        let e = self.get(h)?;
        verify(
            &e.event,
            labels::REPORT_ACK,
            &[&e.event, &ack.body()],
            &ack.sig,
            EventError::BadEventSig,
        )?;
        match e.pending {
            Some((sent, _))
                if ack.pseudonym == e.pseudonym.public()
                    && ack.counter == sent.counter
                    && ack.status == sent.status =>
            {
                if let Some(e) = self.events.get_mut(&h) {
                    e.accepted = sent;
                    e.pending = None;
                }
                Ok(())
            }
            _ => Err(EventError::WrongPseudonym),
        }
    }

    /// The exposure hop of an attended event at `now` (`spec/events.md §9.1`).
    fn exposure_hop(e: &Attended, now: u64) -> Option<u8> {
        if e.pending.is_some() {
            return None;
        }
        let c = e.counts?;
        let start = e.start?;
        // Also keeps E within Active or Grace: its end is never before its start (§9.1).
        if now >= start.saturating_add(HIGH_RISK_EXPIRY) {
            return None;
        }
        // The device's own acknowledged Suspected or Positive is not an exposure (§9.1).
        let own = u32::from(matches!(
            e.accepted.status,
            Status::Suspected | Status::Positive
        ));
        if c.suspected.saturating_add(c.positive).saturating_sub(own) > 0 {
            return Some(1);
        }
        (1..MAX_HOPS).find_map(|h| {
            let n = c.high_risk.get(usize::from(h - 1)).copied().unwrap_or(0);
            (n > 0).then_some(h + 1)
        })
    }

    /// Runs decays, false alarms and High Risk inference (`spec/events.md §9.2`, §9.4), then
    /// returns the Reports to send (`spec/events.md §9.3`).
    pub fn evaluate(&mut self, now: u64) -> Vec<Outgoing> {
        self.forget(now);
        if self.status.tick(now).is_some() {
            self.exposing = None;
        } else if self.status.status == Status::HighRisk {
            let still = self
                .exposing
                .and_then(|h| self.events.get(&h))
                .and_then(|e| Self::exposure_hop(e, now))
                .is_some_and(|hop| hop <= self.status.hops);
            if !still && self.status.apply(Cause::FalseAlarm, now, 0, now).is_ok() {
                self.exposing = None;
            }
        } else if self.status.status == Status::Unknown {
            let best = self
                .events
                .iter()
                .filter_map(|(h, e)| {
                    let hop = Self::exposure_hop(e, now)?;
                    Some((hop, e.start?, fingerprint(&e.event), *h))
                })
                .min();
            if let Some((hop, start, _, h)) = best {
                if self
                    .status
                    .apply(Cause::Event, start.min(now), hop, now)
                    .is_ok()
                {
                    self.exposing = Some(h);
                }
            }
        }
        self.sync(now)
    }

    /// A user transition (Report, TestPositive, TestNegative) with its `since`; returns the
    /// Reports to send (`spec/events.md §9.3`).
    pub fn self_report(
        &mut self,
        cause: Cause,
        since: u64,
        now: u64,
    ) -> Result<Vec<Outgoing>, EventError> {
        if !matches!(
            cause,
            Cause::Report | Cause::TestPositive | Cause::TestNegative
        ) {
            return Err(EventError::TransitionRefused);
        }
        self.status.apply(cause, since, 0, now)?;
        self.exposing = None;
        self.forget(now);
        Ok(self.sync(now))
    }

    /// Whether the current status goes to `e` (`spec/events.md §9.3`).
    fn is_target(&self, h: EventHandle, e: &Attended, now: u64) -> bool {
        let s = self.status;
        if s.status.is_infectious() {
            Some(h) != self.exposing && e.end.unwrap_or(now) >= s.since
        } else {
            e.accepted.counter > 0
        }
    }

    /// Sends the current status to every event of `spec/events.md §9.3` that holds another one,
    /// where nothing is pending.
    fn sync(&mut self, now: u64) -> Vec<Outgoing> {
        let s = self.status;
        let identity = self.identity.public();
        let targets: Vec<EventHandle> = self
            .events
            .iter()
            .filter(|(h, e)| {
                e.check_in.is_none()
                    && e.pending.is_none()
                    && e.start.is_some_and(|start| start <= now)
                    && self.is_target(**h, e, now)
            })
            .map(|(h, _)| *h)
            .collect();
        let mut out = Vec::new();
        for h in targets {
            let Some(e) = self.events.get_mut(&h) else {
                continue;
            };
            let Some(cause) = Cause::of_edge(e.accepted.status, s.status) else {
                continue;
            };
            // Never before the check-in or the acknowledged report (its time starts at the check-in).
            let time = now.max(e.accepted.time);
            if transition_at(e.accepted.status, cause, e.accepted.time, time).is_err() {
                continue;
            }
            let mut r = Report {
                pseudonym: e.pseudonym.public(),
                identity,
                counter: e.accepted.counter.saturating_add(1),
                time,
                status: s.status,
                hops: s.hops,
                since: s.since.min(time),
                name: self.name.clone(),
                message: String::new(),
                pseudonym_sig: [0; 64],
                identity_sig: [0; 64],
            };
            let body = r.body();
            r.pseudonym_sig = e
                .pseudonym
                .sign(labels::REPORT_PSEUDONYM, &[&e.event, &body]);
            r.identity_sig = self
                .identity
                .sign(labels::REPORT_IDENTITY, &[&e.event, &body]);
            let bytes = r.encode();
            e.pending = Some((
                Sent {
                    counter: r.counter,
                    status: s.status,
                    hops: s.hops,
                    time,
                },
                bytes.clone(),
            ));
            out.push((h, bytes));
        }
        out
    }
}
