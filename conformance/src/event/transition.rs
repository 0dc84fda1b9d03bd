//! `event-transition` (`spec/events.md §6.2`): every (status, cause) pair of the transition table
//! and both sides of the timed edges.

use contact_tracing::error::ErrorCode;
use contact_tracing::event::status::{transition_at, Cause, Status};
use contact_tracing::event::{EventError, DAY, NEGATIVE_DECAY, SUSPECTED_DECAY};
use serde_json::json;

use super::{cause_by_name, s, status_by_name, str_field, APR_06, HEADER};
use crate::vector::{expect_value, u64_str_field, FileBuilder, Group, Test, Verdict};

pub(super) fn file() -> serde_json::Value {
    let mut f = FileBuilder::new(
        "event",
        "event-transition",
        "spec/events.md#62-transition-table",
        HEADER,
    );
    f.note(
        "AllowedEdge",
        "BASIC",
        "One of the 15 edges of the transition table.",
    );
    f.note(
        "RefusedEdge",
        "FUNCTIONALITY",
        "A (status, cause) pair that is not an edge of the table.",
    );
    f.note(
        "TimedEdge",
        "EDGE_CASE",
        "A Time edge at, or one second before, its duration.",
    );
    f.group("event-transition", json!({}));
    let entered = APR_06;
    for from in Status::ALL {
        for cause in Cause::ALL {
            let now = entered + 20 * DAY;
            let fields = json!({"from": from.name(), "cause": cause.name(), "entered": s(entered), "now": s(now)});
            match transition_at(from, cause, entered, now) {
                Ok(to) => {
                    let mut fields = fields;
                    fields["to"] = json!(to.name());
                    f.valid(
                        &format!("{} --{}--> {}", from.name(), cause.name(), to.name()),
                        &["AllowedEdge"],
                        fields,
                    );
                }
                Err(e) => {
                    f.invalid(
                        &format!("{} --{}--> refused", from.name(), cause.name()),
                        &["RefusedEdge"],
                        e.code(),
                        fields,
                    );
                }
            }
        }
    }
    // Both sides of each duration, and a refused Time edge (no duration) long after entering.
    for (from, d) in [
        (Status::Suspected, SUSPECTED_DECAY),
        (Status::Negative, NEGATIVE_DECAY),
    ] {
        for now in [entered + d - 1, entered + d, entered + d + 1] {
            let fields =
                json!({"from": from.name(), "cause": "time", "entered": s(entered), "now": s(now)});
            match transition_at(from, Cause::Time, entered, now) {
                Ok(to) => {
                    let mut fields = fields;
                    fields["to"] = json!(to.name());
                    f.valid(
                        &format!(
                            "{} decays {} s after 14 days",
                            from.name(),
                            now - entered - d
                        ),
                        &["TimedEdge"],
                        fields,
                    );
                }
                Err(e) => {
                    assert_eq!(e, EventError::TransitionTooEarly);
                    f.invalid(
                        &format!("{} decay one second too early", from.name()),
                        &["TimedEdge"],
                        e.code(),
                        fields,
                    );
                }
            }
        }
    }
    for from in [Status::HighRisk, Status::Positive, Status::Unknown] {
        let fields = json!({"from": from.name(), "cause": "time", "entered": s(entered), "now": s(entered + 100 * DAY)});
        f.invalid(
            &format!("{} has no Time edge, however long after", from.name()),
            &["RefusedEdge"],
            "EVENT_TRANSITION_REFUSED",
            fields,
        );
    }
    f.finish()
}

pub(super) fn check(_: &Group, t: &Test) -> Result<Verdict, String> {
    let from = status_by_name(str_field(t, "from")?)?;
    let cause = cause_by_name(str_field(t, "cause")?)?;
    match transition_at(
        from,
        cause,
        u64_str_field(t, "entered")?,
        u64_str_field(t, "now")?,
    ) {
        Ok(to) => {
            expect_value(t, "to", json!(to.name()))?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}
