//! The participant's device (`spec/events.md §8`, §9): check-in, polling, High Risk inference and the
//! cascade of reports to other events. Sans-IO: every input carries `now`, every output is bytes.

use alloc::string::String;
use alloc::vec::Vec;

use super::event::CheckInQr;
use super::identity::{fingerprint, verify, IdentityKey, SecretSeed};
use super::messages::{CheckInAck, Counts, Report, ReportAck, Stats, StatsRequest};
use super::status::{transition_at, Cause, Status, StatusState};
use super::{EventError, GRACE, HIGH_RISK_EXPIRY, MAX_HOPS, MAX_SKEW};
use crate::labels::event as labels;

/// Index of an attended event in a [`Device`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventHandle(pub usize);

#[derive(Clone, Debug)]
struct Attended {
    event: [u8; 32],
    address: [u8; 32],
    pseudonym: IdentityKey,
    checked_in_at: u64,
    start: Option<u64>,
    end: Option<u64>,
    counts: Option<Counts>,
    /// What the device last sent (optimistic), for transition decisions.
    reported: Status,
    reported_entered: u64,
    counter: u32,
    /// What the event acknowledged, for self-exclusion from the counts.
    accepted: (Status, u8),
    pending: Option<(u32, Status, u8)>,
}

/// A participant's device (`spec/events.md §8`).
#[derive(Clone, Debug)]
pub struct Device {
    identity: IdentityKey,
    name: String,
    status: StatusState,
    exposing: Option<usize>,
    events: Vec<Attended>,
}

/// One outgoing message and the event it goes to.
pub type Outgoing = (EventHandle, Vec<u8>);

impl Device {
    /// A device with permanent identity `identity`, real name `name`, status Unknown since `now`.
    pub fn new(identity: &SecretSeed, name: &str, now: u64) -> Result<Self, EventError> {
        Report::check_text(name, "")?;
        Ok(Device {
            identity: IdentityKey::from_seed(identity),
            name: String::from(name),
            status: StatusState::new(now),
            exposing: None,
            events: Vec::new(),
        })
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
        self.exposing.map(EventHandle)
    }

    /// Event identity of an attended event.
    pub fn event_id(&self, h: EventHandle) -> Option<[u8; 32]> {
        self.events.get(h.0).map(|e| e.event)
    }

    /// Pseudonym public key used at an attended event.
    pub fn pseudonym(&self, h: EventHandle) -> Option<[u8; 32]> {
        self.events.get(h.0).map(|e| e.pseudonym.public())
    }

    /// Number of attended events.
    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    /// Scans a check-in QR: records the event and returns the CheckIn bytes (`spec/events.md §7.2`).
    pub fn check_in(&mut self, qr: &CheckInQr, pseudonym: &SecretSeed, now: u64) -> Outgoing {
        let msg = qr.check_in(pseudonym);
        self.events.push(Attended {
            event: qr.event,
            address: qr.address,
            pseudonym: IdentityKey::from_seed(pseudonym),
            checked_in_at: now,
            start: None,
            end: None,
            counts: None,
            reported: Status::Unknown,
            reported_entered: now,
            counter: 0,
            accepted: (Status::Unknown, 0),
            pending: None,
        });
        (EventHandle(self.events.len() - 1), msg.encode())
    }

    fn get(&self, h: EventHandle) -> Result<&Attended, EventError> {
        self.events.get(h.0).ok_or(EventError::WrongEvent)
    }

    /// Verifies a CheckInAck (`EVENT_BAD_EVENT_SIG`, `EVENT_WRONG_PSEUDONYM`) and learns the start.
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
        if let Some(e) = self.events.get_mut(h.0) {
            e.start = Some(ack.start);
        }
        Ok(())
    }

    fn in_window(e: &Attended, now: u64) -> bool {
        e.end.map_or(true, |end| now < end.saturating_add(GRACE))
    }

    /// One StatsRequest per attended event still in Active or Grace (`spec/events.md §8`).
    pub fn poll(&self, now: u64) -> Vec<Outgoing> {
        self.events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.start.is_some() && Self::in_window(e, now))
            .map(|(i, e)| {
                let pseudonym = e.pseudonym.public();
                let req = StatsRequest {
                    pseudonym,
                    time: now,
                    sig: e.pseudonym.sign(
                        labels::STATS_REQUEST,
                        &[&e.event, &pseudonym, &now.to_be_bytes()],
                    ),
                };
                (EventHandle(i), req.encode())
            })
            .collect()
    }

    /// Verifies and stores Stats (`EVENT_WRONG_EVENT`, `EVENT_BAD_EVENT_SIG`,
    /// `EVENT_REQUEST_STALE` when the stats' time is more than `MAX_SKEW` from `now`); no
    /// inference yet (`spec/events.md §7.3`).
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
        if stats.time.abs_diff(now) > MAX_SKEW {
            return Err(EventError::RequestStale);
        }
        if let Some(e) = self.events.get_mut(h.0) {
            e.start = Some(stats.start);
            e.end = (stats.end != 0).then_some(stats.end);
            e.counts = Some(stats.counts);
        }
        Ok(())
    }

    /// Verifies a ReportAck; the acknowledged status becomes the one excluded from the counts.
    pub fn on_report_ack(&mut self, h: EventHandle, bytes: &[u8]) -> Result<(), EventError> {
        let ack = ReportAck::decode(bytes)?;
        let e = self.get(h)?;
        let body = ack.body();
        verify(
            &e.event,
            labels::REPORT_ACK,
            &[&e.event, &body],
            &ack.sig,
            EventError::BadEventSig,
        )?;
        match e.pending {
            Some((counter, status, hops))
                if ack.pseudonym == e.pseudonym.public()
                    && ack.counter == counter
                    && ack.status == status =>
            {
                if let Some(e) = self.events.get_mut(h.0) {
                    e.accepted = (status, hops);
                    e.pending = None;
                }
                Ok(())
            }
            _ => Err(EventError::WrongPseudonym),
        }
    }

    /// The exposure hop of an attended event at `now` (`spec/events.md §9.1`).
    fn exposure_hop(e: &Attended, now: u64) -> Option<u8> {
        let c = e.counts?;
        let start = e.start?;
        if !Self::in_window(e, now) || now >= start.saturating_add(HIGH_RISK_EXPIRY) {
            return None;
        }
        let (own, own_hops) = e.accepted;
        let own_sp = u32::from(matches!(own, Status::Suspected | Status::Positive));
        if c.suspected
            .saturating_add(c.positive)
            .saturating_sub(own_sp)
            > 0
        {
            return Some(1);
        }
        (1..MAX_HOPS).find_map(|h| {
            let own_h = u32::from(own == Status::HighRisk && own_hops == h);
            let n = c.high_risk.get(usize::from(h - 1)).copied().unwrap_or(0);
            (n.saturating_sub(own_h) > 0).then_some(h + 1)
        })
    }

    /// Runs decays, false alarms and High Risk inference (`spec/events.md §9.2`, §9.4); returns the
    /// Reports to send.
    pub fn evaluate(&mut self, now: u64) -> Vec<Outgoing> {
        if self.status.tick(now).is_some() {
            self.exposing = None;
            return self.push(now);
        }
        if self.status.status == Status::HighRisk {
            let still = self
                .exposing
                .and_then(|i| self.events.get(i))
                .and_then(|e| Self::exposure_hop(e, now))
                .is_some_and(|h| h <= self.status.hops);
            if !still && self.status.apply(Cause::FalseAlarm, now, 0, now).is_ok() {
                self.exposing = None;
                return self.push(now);
            }
            return Vec::new();
        }
        if self.status.status != Status::Unknown {
            return Vec::new();
        }
        let best = self
            .events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let hop = Self::exposure_hop(e, now)?;
                Some((hop, e.start?, fingerprint(&e.event), i))
            })
            .min();
        match best {
            Some((hop, start, _, i))
                if self
                    .status
                    .apply(Cause::Event, start.min(now), hop, now)
                    .is_ok() =>
            {
                self.exposing = Some(i);
                self.push(now)
            }
            _ => Vec::new(),
        }
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
        Ok(self.push(now))
    }

    /// Sends the current status to the events selected by `spec/events.md §9.3`.
    fn push(&mut self, now: u64) -> Vec<Outgoing> {
        let s = self.status;
        let identity = self.identity.public();
        let mut out = Vec::new();
        for (i, e) in self.events.iter_mut().enumerate() {
            let Some(start) = e.start else { continue };
            if !Self::in_window(e, now) || start > now {
                continue;
            }
            if s.status.is_infectious() {
                if Some(i) == self.exposing || e.end.unwrap_or(now) < s.since {
                    continue;
                }
            } else if e.counter == 0 {
                continue;
            }
            let Some(cause) = Cause::of_edge(e.reported, s.status) else {
                continue;
            };
            let time = now.max(e.checked_in_at).max(e.reported_entered);
            if transition_at(e.reported, cause, e.reported_entered, time).is_err() {
                continue;
            }
            let mut r = Report {
                pseudonym: e.pseudonym.public(),
                identity,
                counter: e.counter.saturating_add(1),
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
            e.counter = r.counter;
            e.reported = s.status;
            e.reported_entered = time;
            e.pending = Some((r.counter, s.status, s.hops));
            out.push((EventHandle(i), r.encode()));
        }
        out
    }

    /// The discovery address of an attended event (where to send its messages).
    pub fn event_address(&self, h: EventHandle) -> Option<[u8; 32]> {
        self.events.get(h.0).map(|e| e.address)
    }
}
