//! The five statuses and the transition table (`spec/events.md §6`).

use super::{EventError, HIGH_RISK_EXPIRY, MAX_HOPS, NEGATIVE_DECAY, SUSPECTED_DECAY};

/// An infection status and its one-byte wire code (`spec/events.md §6.1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Nothing meaningful is known (initial).
    Unknown = 0,
    /// Inferred on the user's own device from an attended event.
    HighRisk = 1,
    /// Self-reported symptoms.
    Suspected = 2,
    /// Self-reported positive test.
    Positive = 3,
    /// Self-reported negative test.
    Negative = 4,
}

impl Status {
    /// Every status, in code order.
    pub const ALL: [Status; 5] = [
        Status::Unknown,
        Status::HighRisk,
        Status::Suspected,
        Status::Positive,
        Status::Negative,
    ];

    /// The wire code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Decodes a wire code (`EVENT_BAD_STATUS`).
    pub fn from_code(code: u8) -> Result<Status, EventError> {
        Status::ALL
            .get(usize::from(code))
            .copied()
            .ok_or(EventError::BadStatus)
    }

    /// HighRisk, Suspected and Positive.
    pub fn is_infectious(self) -> bool {
        matches!(
            self,
            Status::HighRisk | Status::Suspected | Status::Positive
        )
    }

    /// Checks `hops` against this status (`spec/events.md §6.3`, `EVENT_BAD_HOPS`).
    pub fn check_hops(self, hops: u8) -> Result<(), EventError> {
        let ok = match self {
            Status::HighRisk => (1..=MAX_HOPS).contains(&hops),
            _ => hops == 0,
        };
        if ok {
            Ok(())
        } else {
            Err(EventError::BadHops)
        }
    }

    /// Lowercase name used in vectors and logs.
    pub fn name(self) -> &'static str {
        match self {
            Status::Unknown => "unknown",
            Status::HighRisk => "high_risk",
            Status::Suspected => "suspected",
            Status::Positive => "positive",
            Status::Negative => "negative",
        }
    }
}

/// What causes a transition (`spec/events.md §6.2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// Automatic High Risk inference from an attended event.
    Event,
    /// Self-reported symptoms.
    Report,
    /// A positive test.
    TestPositive,
    /// A negative test.
    TestNegative,
    /// Automatic withdrawal of a High Risk inference.
    FalseAlarm,
    /// Automatic decay after a duration.
    Time,
}

impl Cause {
    /// Every cause.
    pub const ALL: [Cause; 6] = [
        Cause::Event,
        Cause::Report,
        Cause::TestPositive,
        Cause::TestNegative,
        Cause::FalseAlarm,
        Cause::Time,
    ];

    /// The single target status of this cause.
    pub fn target(self) -> Status {
        match self {
            Cause::Event => Status::HighRisk,
            Cause::Report => Status::Suspected,
            Cause::TestPositive => Status::Positive,
            Cause::TestNegative => Status::Negative,
            Cause::FalseAlarm | Cause::Time => Status::Unknown,
        }
    }

    /// Lowercase name used in vectors.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Event => "event",
            Cause::Report => "report",
            Cause::TestPositive => "test_positive",
            Cause::TestNegative => "test_negative",
            Cause::FalseAlarm => "false_alarm",
            Cause::Time => "time",
        }
    }

    /// The cause of the edge `from -> to`, if the table has one (`spec/events.md §6.2`).
    pub fn of_edge(from: Status, to: Status) -> Option<Cause> {
        Cause::ALL
            .into_iter()
            .find(|c| c.target() == to && transition(from, *c).is_ok())
    }
}

/// The transition table of `spec/events.md §6.2`, without durations: the target of `cause` from
/// `from`, or `EVENT_TRANSITION_REFUSED`.
pub fn transition(from: Status, cause: Cause) -> Result<Status, EventError> {
    use Cause as C;
    use Status as S;
    let allowed = matches!(
        (from, cause),
        (
            S::Unknown,
            C::Event | C::Report | C::TestPositive | C::TestNegative
        ) | (
            S::HighRisk,
            C::FalseAlarm | C::Report | C::TestPositive | C::TestNegative
        ) | (S::Suspected, C::Time | C::TestPositive | C::TestNegative)
            | (S::Positive, C::TestNegative)
            | (S::Negative, C::Time | C::Report | C::TestPositive)
    );
    if allowed {
        Ok(cause.target())
    } else {
        Err(EventError::TransitionRefused)
    }
}

/// The minimum time in the source status before a Time edge, if `cause` is timed.
pub fn decay_of(from: Status, cause: Cause) -> Option<u64> {
    match (from, cause) {
        (Status::Suspected, Cause::Time) => Some(SUSPECTED_DECAY),
        (Status::Negative, Cause::Time) => Some(NEGATIVE_DECAY),
        _ => None,
    }
}

/// [`transition`] with durations: a Time edge needs `now >= entered + decay`
/// (`EVENT_TRANSITION_TOO_EARLY`).
pub fn transition_at(
    from: Status,
    cause: Cause,
    entered: u64,
    now: u64,
) -> Result<Status, EventError> {
    let to = transition(from, cause)?;
    if let Some(d) = decay_of(from, cause) {
        if now < entered.saturating_add(d) {
            return Err(EventError::TransitionTooEarly);
        }
    }
    Ok(to)
}

/// A user's current status with its dates (`spec/events.md §6.2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusState {
    /// The status.
    pub status: Status,
    /// "Infecting since" (infectious), test date (Negative) or entry time (Unknown).
    pub since: u64,
    /// When the status was entered.
    pub entered: u64,
    /// Distance from the source for HighRisk, else 0.
    pub hops: u8,
}

impl StatusState {
    /// Unknown since `now`.
    pub fn new(now: u64) -> Self {
        StatusState {
            status: Status::Unknown,
            since: now,
            entered: now,
            hops: 0,
        }
    }

    /// Applies `cause` at `now` with the given `since` and `hops` (checked against §6.2/§6.3).
    pub fn apply(
        &mut self,
        cause: Cause,
        since: u64,
        hops: u8,
        now: u64,
    ) -> Result<Status, EventError> {
        let to = transition_at(self.status, cause, self.entered, now)?;
        to.check_hops(hops)?;
        if since > now {
            return Err(EventError::TimeInvalid);
        }
        *self = StatusState {
            status: to,
            since,
            entered: now,
            hops,
        };
        Ok(to)
    }

    /// Applies every due automatic decay (Time edges and High Risk expiry, `spec/events.md §9.4`);
    /// returns the cause taken, if any.
    pub fn tick(&mut self, now: u64) -> Option<Cause> {
        let cause = match self.status {
            Status::HighRisk if now >= self.since.saturating_add(HIGH_RISK_EXPIRY) => {
                Cause::FalseAlarm
            }
            Status::Suspected | Status::Negative
                if transition_at(self.status, Cause::Time, self.entered, now).is_ok() =>
            {
                Cause::Time
            }
            _ => return None,
        };
        self.apply(cause, now, 0, now).ok().map(|_| cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_fifteen_edges() {
        let mut n = 0;
        for from in Status::ALL {
            for cause in Cause::ALL {
                if let Ok(to) = transition(from, cause) {
                    assert_ne!(from, to);
                    n += 1;
                }
            }
        }
        assert_eq!(n, 15);
        // HighRisk only from Unknown; Positive left only by a negative test.
        for from in Status::ALL {
            assert_eq!(
                transition(from, Cause::Event).is_ok(),
                from == Status::Unknown
            );
        }
        for cause in Cause::ALL {
            assert_eq!(
                transition(Status::Positive, cause).is_ok(),
                cause == Cause::TestNegative
            );
        }
    }

    #[test]
    fn decays_and_expiry() {
        let mut s = StatusState::new(0);
        s.apply(Cause::Report, 0, 0, 10).unwrap();
        assert_eq!(s.tick(10 + SUSPECTED_DECAY - 1), None);
        assert_eq!(
            transition_at(Status::Suspected, Cause::Time, 10, 10 + SUSPECTED_DECAY - 1),
            Err(EventError::TransitionTooEarly)
        );
        assert_eq!(s.tick(10 + SUSPECTED_DECAY), Some(Cause::Time));
        assert_eq!(s.status, Status::Unknown);
        s.apply(Cause::Event, 100, 1, 200).unwrap();
        assert_eq!(s.tick(100 + HIGH_RISK_EXPIRY), Some(Cause::FalseAlarm));
        assert_eq!(s.apply(Cause::Event, 5, 0, 300), Err(EventError::BadHops));
        assert_eq!(
            s.apply(Cause::Time, 5, 0, 300),
            Err(EventError::TransitionRefused)
        );
    }
}
