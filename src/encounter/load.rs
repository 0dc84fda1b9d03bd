//! Inbound-load accounting that decides when to take the onion service down and when to bring it
//! back (`spec/encounter.md §10`). A pure state machine: time and events are inputs.

use super::EncounterError;

/// Parameters of the [`LoadGovernor`] (§10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadParams {
    /// Accounting window, seconds.
    pub window: u64,
    /// Weighted messages allowed per window.
    pub budget: u32,
    /// First cooldown, seconds.
    pub base_cooldown: u64,
    /// Longest cooldown, seconds.
    pub max_cooldown: u64,
}

impl LoadParams {
    /// The defaults: 60 s windows, budget 32, cooldown 300 s doubling up to 3600 s.
    pub const DEFAULT: LoadParams = LoadParams {
        window: 60,
        budget: 32,
        base_cooldown: 300,
        max_cooldown: 3_600,
    };
}

/// An input event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadInput {
    /// A message arrived; the caller chooses its weight (recommended: 1 accepted, 4 rejected).
    Inbound {
        /// The message's weight.
        weight: u32,
    },
    /// Time passed.
    Tick,
}

/// What the caller must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadOutput {
    /// Process the message.
    Accept,
    /// Discard the message (the service is down).
    Drop,
    /// Take the service down until `until` (unix seconds).
    TakeDown {
        /// When the service may come back.
        until: u64,
    },
    /// Bring the service back up.
    BringUp,
    /// Nothing to do.
    Idle,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Up { window_start: u64, used: u32 },
    Down { until: u64 },
}

/// The load governor (§10 transition table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadGovernor {
    params: LoadParams,
    state: State,
    strikes: u32,
    last_up: u64,
}

impl LoadGovernor {
    /// A governor in state `Up` with an empty window starting at `now`.
    pub fn new(params: LoadParams, now: u64) -> Result<Self, EncounterError> {
        if params.window == 0
            || params.budget == 0
            || params.base_cooldown == 0
            || params.max_cooldown == 0
            || params.base_cooldown > params.max_cooldown
        {
            return Err(EncounterError::DdosParams);
        }
        Ok(LoadGovernor {
            params,
            state: State::Up {
                window_start: now,
                used: 0,
            },
            strikes: 0,
            last_up: now,
        })
    }

    /// Whether the service should be up.
    pub fn is_up(&self) -> bool {
        matches!(self.state, State::Up { .. })
    }

    /// Consecutive take-downs so far.
    pub fn strikes(&self) -> u32 {
        self.strikes
    }

    fn cooldown(&self) -> u64 {
        let factor = 1u64.checked_shl(self.strikes).unwrap_or(u64::MAX);
        self.params
            .base_cooldown
            .saturating_mul(factor)
            .min(self.params.max_cooldown)
    }

    /// Applies one input at time `now` and returns what the caller must do.
    pub fn step(&mut self, input: LoadInput, now: u64) -> LoadOutput {
        match (self.state, input) {
            (State::Down { until }, _) if now >= until => {
                self.state = State::Up {
                    window_start: now,
                    used: 0,
                };
                self.last_up = now;
                LoadOutput::BringUp
            }
            (State::Down { .. }, LoadInput::Inbound { .. }) => LoadOutput::Drop,
            (State::Down { .. }, LoadInput::Tick) | (State::Up { .. }, LoadInput::Tick) => {
                LoadOutput::Idle
            }
            (State::Up { window_start, used }, LoadInput::Inbound { weight }) => {
                let elapsed = now.saturating_sub(window_start);
                let (ws, used) = if elapsed >= self.params.window {
                    (now - elapsed % self.params.window, 0)
                } else {
                    (window_start, used)
                };
                match used.checked_add(weight) {
                    Some(total) if total <= self.params.budget => {
                        self.state = State::Up {
                            window_start: ws,
                            used: total,
                        };
                        LoadOutput::Accept
                    }
                    _ => {
                        if now.saturating_sub(self.last_up) > self.params.max_cooldown {
                            self.strikes = 0;
                        }
                        let until = now.saturating_add(self.cooldown());
                        self.strikes = self.strikes.saturating_add(1);
                        self.state = State::Down { until };
                        LoadOutput::TakeDown { until }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flood_takes_down_and_backs_off() {
        let p = LoadParams {
            window: 10,
            budget: 3,
            base_cooldown: 100,
            max_cooldown: 250,
        };
        let mut g = LoadGovernor::new(p, 0).unwrap();
        let msg = LoadInput::Inbound { weight: 1 };
        assert_eq!(g.step(msg, 1), LoadOutput::Accept);
        assert_eq!(g.step(msg, 2), LoadOutput::Accept);
        assert_eq!(g.step(msg, 3), LoadOutput::Accept);
        assert_eq!(g.step(msg, 4), LoadOutput::TakeDown { until: 104 });
        assert_eq!(g.step(msg, 50), LoadOutput::Drop);
        assert_eq!(g.step(LoadInput::Tick, 50), LoadOutput::Idle);
        assert_eq!(g.step(LoadInput::Tick, 104), LoadOutput::BringUp);
        assert_eq!(
            g.step(LoadInput::Inbound { weight: 4 }, 105),
            LoadOutput::TakeDown { until: 305 }
        );
        assert_eq!(g.step(LoadInput::Tick, 305), LoadOutput::BringUp);
        assert_eq!(
            g.step(LoadInput::Inbound { weight: 9 }, 306),
            LoadOutput::TakeDown { until: 556 }
        );
        // A new window resets the budget.
        assert_eq!(g.step(LoadInput::Tick, 556), LoadOutput::BringUp);
        assert_eq!(
            g.step(LoadInput::Inbound { weight: 3 }, 557),
            LoadOutput::Accept
        );
        assert_eq!(
            g.step(LoadInput::Inbound { weight: 3 }, 567),
            LoadOutput::Accept
        );
        // Long after the last episode, strikes reset.
        assert_eq!(
            g.step(LoadInput::Inbound { weight: 4 }, 2_000),
            LoadOutput::TakeDown { until: 2_100 }
        );
        assert_eq!(
            LoadGovernor::new(LoadParams { budget: 0, ..p }, 0),
            Err(EncounterError::DdosParams)
        );
    }
}
