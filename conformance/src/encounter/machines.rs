//! Vectors of the pure state machines of `spec/encounter.md`: the bounded contact store (§9.4)
//! and the load governor (§10).

use contact_tracing::encounter::{
    ContactBook, ContactLimits, EncounterError, LoadGovernor, LoadInput, LoadOutput, LoadParams,
    PairSecret, Recorded,
};
use contact_tracing::error::ErrorCode;
use serde_json::{json, Map, Value};

use super::{enc_err, HEADER};
use crate::vector::{
    expect_outputs, field, hex, hex_array, u32_field, u64_str_field, FileBuilder, Group, Test,
    Verdict,
};

// ---------------------------------------------------------------------------------------------
// encounter-load-governor

fn output_json(o: LoadOutput) -> Value {
    match o {
        LoadOutput::Accept => json!({"action": "accept"}),
        LoadOutput::Drop => json!({"action": "drop"}),
        LoadOutput::TakeDown { until } => json!({"action": "takeDown", "until": until.to_string()}),
        LoadOutput::BringUp => json!({"action": "bringUp"}),
        LoadOutput::Idle => json!({"action": "idle"}),
    }
}

pub(super) fn load_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-load-governor",
        "spec/encounter.md#10-ddos-accounting",
        HEADER,
    );
    f.note(
        "Flood",
        "BASIC",
        "Inbound load beyond the budget takes the service down; it comes back after the cooldown.",
    );
    f.note("Backoff", "EDGE_CASE", "Consecutive take-downs double the cooldown up to the maximum; strikes reset after a quiet period.");
    f.note(
        "Window",
        "EDGE_CASE",
        "Budget resets at window boundaries; time going backwards counts as no time passing.",
    );
    f.note("Params", "MODIFIED_PARAMETER", "Parameters out of range.");
    f.group("encounter-load-governor", json!({}));
    let p = LoadParams {
        window: 10,
        budget: 3,
        base_cooldown: 100,
        max_cooldown: 250,
    };
    let params_json = |p: &LoadParams| json!({"window": p.window.to_string(), "budget": p.budget, "baseCooldown": p.base_cooldown.to_string(), "maxCooldown": p.max_cooldown.to_string()});
    let push = |f: &mut FileBuilder,
                p: LoadParams,
                start: u64,
                inputs: &[(u64, Option<u32>)],
                comment: &str,
                flags: &[&str]| {
        let mut fields = json!({"params": params_json(&p), "start": start.to_string()});
        match LoadGovernor::new(p, start) {
            Ok(mut g) => {
                let steps: Vec<Value> = inputs
                    .iter()
                    .map(|(now, w)| {
                        let (input, out) = match w {
                            Some(w) => (
                                json!({"input": "inbound", "weight": w}),
                                g.step(LoadInput::Inbound { weight: *w }, *now),
                            ),
                            None => (json!({"input": "tick"}), g.step(LoadInput::Tick, *now)),
                        };
                        let mut s = input;
                        s["now"] = json!(now.to_string());
                        s["output"] = output_json(out);
                        s["up"] = json!(g.is_up());
                        s["strikes"] = json!(g.strikes());
                        s
                    })
                    .collect();
                fields["steps"] = Value::Array(steps);
                f.valid(comment, flags, fields);
            }
            Err(e) => {
                fields["steps"] = json!([]);
                f.invalid(comment, flags, e.code(), fields);
            }
        }
    };
    let m = |n| Some(n);
    push(
        &mut f,
        p,
        0,
        &[
            (1, m(1)),
            (2, m(1)),
            (3, m(1)),
            (4, m(1)),
            (50, m(1)),
            (50, None),
            (104, None),
            (105, m(1)),
        ],
        "budget of 3 per 10 s exceeded by the 4th message",
        &["Flood"],
    );
    push(
        &mut f,
        p,
        0,
        &[
            (1, m(4)),
            (101, None),
            (102, m(4)),
            (302, m(1)),
            (303, m(9)),
            (553, None),
            (554, m(1)),
        ],
        "cooldowns 100, 200, then capped at 250",
        &["Backoff"],
    );
    push(
        &mut f,
        p,
        0,
        &[(1, m(4)), (101, None), (500, m(4))],
        "strikes reset when the take-down comes more than max_cooldown after the bring-up",
        &["Backoff"],
    );
    push(&mut f, p, 100, &[(101, m(2)), (109, m(1)), (110, m(3)), (125, m(2)), (90, m(1)), (121, m(1))], "windows: the budget resets at 110 and 120; time going backwards (90) counts in the current window, so the next message exceeds it", &["Window"]);
    push(
        &mut f,
        LoadParams { budget: 0, ..p },
        0,
        &[],
        "budget 0",
        &["Params"],
    );
    push(
        &mut f,
        LoadParams { window: 0, ..p },
        0,
        &[],
        "window 0",
        &["Params"],
    );
    push(
        &mut f,
        LoadParams {
            base_cooldown: 300,
            ..p
        },
        0,
        &[],
        "base cooldown above the maximum",
        &["Params"],
    );
    // Appended: every row of §10 and both sides of every bound.
    f.note(
        "Row",
        "EDGE_CASE",
        "One row of the transition table of spec §10, or one side of one of its bounds.",
    );
    let rows: Vec<(LoadParams, u64, Vec<(u64, Option<u32>)>, &str)> = vec![
        (p, 0, vec![(1, m(3)), (10, m(1)), (19, m(2)), (19, m(1))], "window bound: now = window_start + window starts a new window; now = window_start + window − 1 is still the old one"),
        (p, 0, vec![(1, m(1)), (2, m(2)), (3, m(1))], "used + w = budget is accepted; one more is a take-down"),
        (p, 0, vec![(1, m(3)), (20, m(3)), (40, m(4))], "a weight of exactly budget in a new window is accepted; budget + 1 in a new window is a take-down"),
        (p, 100, vec![(101, m(1)), (125, m(3)), (130, m(1)), (139, m(2)), (139, m(1))], "a new window starts at now − (now − window_start) mod window (120, not 125)"),
        (p, 0, vec![(1, m(4)), (100, m(1)), (100, None), (50, m(1)), (101, m(3)), (102, m(3))], "down: an inbound message or a tick at until − 1 is dropped or idle, time going back while down drops; at until the service comes up and that message is not counted"),
        (p, 0, vec![(1, m(4)), (101, m(1)), (102, m(3))], "down: an inbound message at until brings the service up (and is dropped)"),
        (p, 0, vec![(1, m(4)), (101, None), (351, m(4))], "strikes kept: the take-down comes exactly max_cooldown after the bring-up (cooldown doubles)"),
        (p, 0, vec![(1, m(4)), (101, None), (352, m(4))], "strikes reset: the take-down comes max_cooldown + 1 after the bring-up"),
        (p, 0, vec![(251, m(4))], "the first take-down, more than max_cooldown after the start"),
        (p, 0, vec![(1, m(3)), (2, m(0)), (3, m(0)), (3, None)], "weight 0 is accepted even with the budget used up; a tick while up is idle"),
        (p, 0, vec![(1, m(1)), (2, m(u32::MAX))], "used + w overflows 32 bits: a take-down, not an accepted wrap-around"),
        (LoadParams { budget: u32::MAX, ..p }, 0, vec![(1, m(u32::MAX)), (2, m(1))], "budget 2^32 − 1 used up by one message"),
        (LoadParams { base_cooldown: 250, ..p }, 0, vec![(1, m(4)), (251, None), (252, m(4))], "base_cooldown = max_cooldown is allowed"),
        (LoadParams { budget: 1, window: 1, base_cooldown: 1, max_cooldown: 1 }, 5, vec![(5, m(1)), (5, m(1)), (6, m(1))], "the smallest parameters"),
    ];
    for (params, start, inputs, comment) in rows {
        push(&mut f, params, start, &inputs, comment, &["Row"]);
    }
    // Cooldown growth until it saturates: base 1, no cap, 66 take-downs in a row.
    let g = LoadParams {
        window: 1,
        budget: 1,
        base_cooldown: 1,
        max_cooldown: u64::MAX,
    };
    let mut gov = LoadGovernor::new(g, 1).expect("params");
    let mut t = 1u64;
    let mut inputs = Vec::new();
    for _ in 0..66 {
        inputs.push((t, m(2)));
        if let LoadOutput::TakeDown { until } = gov.step(LoadInput::Inbound { weight: 2 }, t) {
            t = until;
        }
        inputs.push((t, None));
        gov.step(LoadInput::Tick, t);
    }
    push(&mut f, g, 1, &inputs, "cooldown 2^strikes from 1 s with no cap: it grows to 2^63 s, then saturates at 2^64 − 1 (no overflow, no panic)", &["Backoff"]);
    for (params, comment) in [
        (
            LoadParams {
                base_cooldown: 0,
                ..p
            },
            "base cooldown 0",
        ),
        (
            LoadParams {
                base_cooldown: 0,
                max_cooldown: 0,
                ..p
            },
            "both cooldowns 0",
        ),
    ] {
        push(&mut f, params, 0, &[], comment, &["Params"]);
    }
    f.finish()
}

pub(super) fn check_load(_: &Group, t: &Test) -> Result<Verdict, String> {
    let p = field(t, "params")?
        .as_object()
        .ok_or("`params` is not an object")?;
    let params = LoadParams {
        window: u64_str_field(p, "window")?,
        budget: u32_field(p, "budget")?,
        base_cooldown: u64_str_field(p, "baseCooldown")?,
        max_cooldown: u64_str_field(p, "maxCooldown")?,
    };
    let mut g = match LoadGovernor::new(params, u64_str_field(t, "start")?) {
        Ok(g) => g,
        Err(e) => return Ok(enc_err(e)),
    };
    for (i, s) in field(t, "steps")?
        .as_array()
        .ok_or("`steps` is not a list")?
        .iter()
        .enumerate()
    {
        let s = s.as_object().ok_or("step is not an object")?;
        let now = u64_str_field(s, "now")?;
        let input = match field(s, "input")?.as_str() {
            Some("inbound") => LoadInput::Inbound {
                weight: u32_field(s, "weight")?,
            },
            Some("tick") => LoadInput::Tick,
            other => return Err(format!("step {i}: unknown input {other:?}")),
        };
        let mut got = Map::new();
        got.insert("output".into(), output_json(g.step(input, now)));
        got.insert("up".into(), json!(g.is_up()));
        got.insert("strikes".into(), json!(g.strikes()));
        expect_outputs(s, got).map_err(|e| format!("step {i}: {e}"))?;
    }
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// encounter-contact-store

fn secret(i: u8) -> PairSecret {
    PairSecret::from_parts([i; 32], [0xaa; 32], [0xbb; 32])
}

/// One step of a contact-store test, as the generator writes it (inputs only).
enum Op {
    Record(u8, u32),
    Met(u8, u32, u32),
    Expire(u32),
}

fn op_json(op: &Op) -> Map<String, Value> {
    let v = match op {
        Op::Record(i, d) => {
            json!({"op": "record", "pairSecret": hex(*secret(*i).to_bytes()), "day": d})
        }
        Op::Met(i, lo, hi) => {
            json!({"op": "met", "pairSecret": hex(*secret(*i).to_bytes()), "lo": lo, "hi": hi})
        }
        Op::Expire(d) => json!({"op": "expire", "today": d}),
    };
    v.as_object().cloned().unwrap_or_default()
}

/// Applies one step; its outputs, or the refusal.
fn apply(
    book: &mut ContactBook,
    step: &Map<String, Value>,
) -> Result<Result<Map<String, Value>, EncounterError>, String> {
    let mut out = Map::new();
    match field(step, "op")?.as_str() {
        Some("record") => {
            let s = PairSecret::from_parts(hex_array(step, "pairSecret")?, [0xaa; 32], [0xbb; 32]);
            let id = s.pair_id();
            match book.record(s, u32_field(step, "day")?) {
                Ok(r) => {
                    out.insert(
                        "expect".into(),
                        json!(match r {
                            Recorded::New => "new",
                            Recorded::Updated => "updated",
                        }),
                    );
                    let rec = book.get(&id).ok_or("recorded contact not found")?;
                    out.insert("lastDay".into(), json!(rec.last_day()));
                    out.insert("days".into(), json!(rec.days()));
                    out.insert("len".into(), json!(book.len()));
                }
                Err(e) => return Ok(Err(e)),
            }
        }
        Some("met") => {
            let s = PairSecret::from_parts(hex_array(step, "pairSecret")?, [0xaa; 32], [0xbb; 32]);
            let (lo, hi) = (u32_field(step, "lo")?, u32_field(step, "hi")?);
            let met = book
                .get(&s.pair_id())
                .is_some_and(|r| r.met_between(lo, hi));
            out.insert("met".into(), json!(met));
        }
        Some("expire") => {
            out.insert(
                "removed".into(),
                json!(book.expire(u32_field(step, "today")?)),
            );
            out.insert("len".into(), json!(book.len()));
        }
        other => return Err(format!("unknown op {other:?}")),
    }
    Ok(Ok(out))
}

fn limits_json(l: &ContactLimits) -> Value {
    json!({"capacity": l.capacity, "perDay": l.per_day, "retentionDays": l.retention_days})
}

pub(super) fn contact_store_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-contact-store",
        "spec/encounter.md#94-contact-store",
        HEADER,
    );
    f.note("Bitmap", "EDGE_CASE", "The encounter-day bitmap of one record (spec §9.1): shifts, late days, the 32-day horizon on both sides.");
    f.note(
        "Met",
        "EDGE_CASE",
        "Whether a record has an encounter day in [lo, hi], on both sides of each bound.",
    );
    f.note("Quota", "FUNCTIONALITY", "The day's quota of recorded pairs (spec §9.4): new pairs and known pairs met on a later day count, known pairs met again on their last day (or earlier) are free; the counter follows the latest day.");
    f.note("Capacity", "FUNCTIONALITY", "The store's capacity (spec §9.4): full, expired records making room, the retention bound on both sides.");
    f.note(
        "Refused",
        "FUNCTIONALITY",
        "A refused record changes nothing (a later step shows it).",
    );
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "The quota and the capacity both reached: the quota's code is expected.",
    );
    f.note(
        "Limits",
        "MODIFIED_PARAMETER",
        "Limits out of range, or at the edge of their range.",
    );
    f.group("encounter-contact-store", json!({}));
    let push = |f: &mut FileBuilder,
                limits: ContactLimits,
                ops: Vec<Op>,
                comment: &str,
                flags: &[&str],
                want: Option<&str>| {
        let mut t = Map::new();
        t.insert("limits".into(), limits_json(&limits));
        let mut steps = Vec::new();
        let mut verdict = None;
        match ContactBook::new(limits) {
            Err(e) => verdict = Some(e.code()),
            Ok(mut book) => {
                let n = ops.len();
                for (i, op) in ops.iter().enumerate() {
                    let mut step = op_json(op);
                    match apply(&mut book, &step).expect("generator step") {
                        Ok(out) => step.extend(out),
                        Err(e) if i + 1 == n => verdict = Some(e.code()),
                        Err(e) => {
                            step.insert("expect".into(), json!(e.code()));
                        }
                    }
                    steps.push(Value::Object(step));
                }
            }
        }
        t.insert("steps".into(), Value::Array(steps));
        assert_eq!(verdict, want, "{comment}");
        match verdict {
            None => f.valid(comment, flags, Value::Object(t)),
            Some(c) => f.invalid(comment, flags, c, Value::Object(t)),
        };
    };
    let l = ContactLimits {
        capacity: 8,
        per_day: 4,
        retention_days: 32,
    };
    use Op::{Expire, Met, Record};
    push(
        &mut f,
        l,
        vec![Record(1, 100)],
        "first encounter",
        &["Bitmap"],
        None,
    );
    push(
        &mut f,
        l,
        vec![
            Record(1, 100),
            Record(1, 100),
            Record(1, 103),
            Record(1, 101),
        ],
        "the same day again; three days later (shift); a day in between (late)",
        &["Bitmap"],
        None,
    );
    push(
        &mut f,
        l,
        vec![Record(1, 100), Record(1, 69), Record(1, 68)],
        "a late day 31 days back sets bit 31; 32 days back is beyond the horizon and ignored",
        &["Bitmap"],
        None,
    );
    push(
        &mut f,
        l,
        vec![Record(1, 100), Record(1, 131)],
        "a shift of 31 days keeps the old day as bit 31",
        &["Bitmap"],
        None,
    );
    push(
        &mut f,
        l,
        vec![Record(1, 100), Record(1, 132)],
        "a shift of 32 days drops every old day",
        &["Bitmap"],
        None,
    );
    push(
        &mut f,
        l,
        vec![Record(1, 100), Record(1, 100 + 40), Record(1, 0)],
        "a shift beyond 32 days, then day 0 far in the past",
        &["Bitmap"],
        None,
    );
    push(
        &mut f,
        l,
        vec![
            Record(1, 5),
            Record(1, 3),
            Met(1, 4, 4),
            Met(1, 3, 3),
            Met(1, 5, 9),
            Met(1, 6, 9),
            Met(1, 0, 2),
            Met(1, 0, 3),
            Met(1, 4, 2),
            Met(2, 0, u32::MAX),
        ],
        "met: both sides of lo and hi; lo > hi; an unknown pair",
        &["Met"],
        None,
    );
    push(
        &mut f,
        l,
        vec![
            Record(1, u32::MAX),
            Record(1, u32::MAX - 31),
            Met(1, u32::MAX - 31, u32::MAX - 31),
            Met(1, 0, u32::MAX - 32),
        ],
        "days at the top of the range",
        &["Met", "Bitmap"],
        None,
    );
    let q = ContactLimits {
        capacity: 8,
        per_day: 2,
        retention_days: 32,
    };
    push(&mut f, q, vec![Record(1, 100), Record(2, 100), Record(3, 100), Record(1, 100), Record(3, 101), Met(3, 100, 101)], "quota of 2 pairs a day: the third new pair is refused, a known pair met again that day is free, the next day the third is new", &["Quota", "Refused"], None);
    push(
        &mut f,
        q,
        vec![Record(1, 100), Record(2, 100), Record(3, 100)],
        "the quota reached on the last step",
        &["Quota"],
        Some("ENCOUNTER_CONTACT_QUOTA"),
    );
    push(&mut f, q, vec![Record(1, 100), Record(2, 101), Record(3, 100), Record(4, 100)], "the counter follows the latest day (101): a new pair recorded late, for day 100, counts toward it", &["Quota"], Some("ENCOUNTER_CONTACT_QUOTA"));
    push(&mut f, q, vec![Record(1, 100), Record(2, 100), Record(3, 101), Record(4, 101), Record(1, 101), Record(1, 100), Record(1, 99), Met(1, 101, 101), Met(1, 99, 99)], "a known pair met on a later day counts toward that day and is refused when it is used up; met on its last day or earlier it is free", &["Quota", "Refused"], None);
    push(
        &mut f,
        q,
        vec![
            Record(1, 100),
            Record(2, 101),
            Record(1, 101),
            Record(3, 101),
        ],
        "a known pair's step to a later day uses that day's quota",
        &["Quota"],
        Some("ENCOUNTER_CONTACT_QUOTA"),
    );
    let c = ContactLimits {
        capacity: 2,
        per_day: 5,
        retention_days: 10,
    };
    push(
        &mut f,
        c,
        vec![Record(1, 100), Record(2, 101), Record(3, 101)],
        "capacity 2 reached",
        &["Capacity"],
        Some("ENCOUNTER_CONTACT_STORE_FULL"),
    );
    push(
        &mut f,
        c,
        vec![
            Record(1, 100),
            Record(2, 101),
            Record(3, 101),
            Met(3, 0, u32::MAX),
            Record(2, 102),
        ],
        "a record refused as full is not stored; a known pair is still updated",
        &["Capacity", "Refused"],
        None,
    );
    push(
        &mut f,
        c,
        vec![
            Record(1, 100),
            Record(2, 101),
            Record(3, 110),
            Met(1, 0, u32::MAX),
            Met(2, 0, u32::MAX),
        ],
        "full: the record last met 10 days ago (retention 10) expires to make room",
        &["Capacity"],
        None,
    );
    push(
        &mut f,
        c,
        vec![Record(1, 100), Record(2, 100), Record(3, 109)],
        "full: records last met 9 days ago are kept",
        &["Capacity"],
        Some("ENCOUNTER_CONTACT_STORE_FULL"),
    );
    push(&mut f, c, vec![Record(1, 100), Record(1, 105), Record(2, 100), Expire(114), Expire(115), Met(1, 0, u32::MAX)], "expiry counts from the last encounter: updated on day 105, kept on day 114, expired on day 115", &["Capacity"], None);
    push(
        &mut f,
        c,
        vec![
            Record(1, 100),
            Expire(50),
            Expire(109),
            Expire(110),
            Expire(110),
        ],
        "expire: time going backwards removes nothing; the bound on both sides",
        &["Capacity"],
        None,
    );
    let qc = ContactLimits {
        capacity: 2,
        per_day: 2,
        retention_days: 32,
    };
    push(
        &mut f,
        qc,
        vec![Record(1, 100), Record(2, 100), Record(3, 100)],
        "quota and capacity both reached",
        &["CheckOrder"],
        Some("ENCOUNTER_CONTACT_QUOTA"),
    );
    let one = ContactLimits {
        capacity: 1,
        per_day: 1,
        retention_days: 1,
    };
    push(
        &mut f,
        one,
        vec![
            Record(1, 100),
            Record(1, 100),
            Record(2, 101),
            Met(1, 0, u32::MAX),
        ],
        "the smallest limits: retention 1 expires yesterday's record",
        &["Limits", "Capacity"],
        None,
    );
    push(
        &mut f,
        ContactLimits::DEFAULT,
        vec![Record(1, 100)],
        "the default limits",
        &["Limits"],
        None,
    );
    for (bad, comment) in [
        (ContactLimits { capacity: 0, ..l }, "capacity 0"),
        (ContactLimits { per_day: 0, ..l }, "quota 0"),
        (
            ContactLimits {
                retention_days: 0,
                ..l
            },
            "retention 0 days",
        ),
        (
            ContactLimits {
                retention_days: 33,
                ..l
            },
            "retention 33 days (beyond the 32-day bitmap)",
        ),
    ] {
        push(
            &mut f,
            bad,
            vec![],
            comment,
            &["Limits"],
            Some("ENCOUNTER_CONTACT_LIMITS"),
        );
    }
    push(
        &mut f,
        ContactLimits {
            retention_days: 32,
            ..one
        },
        vec![
            Record(1, 100),
            Record(2, 131),
            Record(2, 132),
            Met(2, 0, u32::MAX),
        ],
        "retention 32 days, the most allowed: kept 31 days, expired after 32",
        &["Limits", "Capacity"],
        None,
    );
    f.finish()
}

pub(super) fn check_contact_store(_: &Group, t: &Test) -> Result<Verdict, String> {
    let l = field(t, "limits")?
        .as_object()
        .ok_or("`limits` is not an object")?;
    let limits = ContactLimits {
        capacity: u32_field(l, "capacity")?,
        per_day: u32_field(l, "perDay")?,
        retention_days: u32_field(l, "retentionDays")?,
    };
    let mut book = match ContactBook::new(limits) {
        Ok(b) => b,
        Err(e) => return Ok(enc_err(e)),
    };
    let steps = field(t, "steps")?
        .as_array()
        .ok_or("`steps` is not a list")?;
    for (i, step) in steps.iter().enumerate() {
        let step = step.as_object().ok_or("step is not an object")?;
        let got = match apply(&mut book, step)? {
            Ok(out) => out,
            Err(e) if i + 1 == steps.len() => return Ok(enc_err(e)),
            Err(e) => {
                let mut m = Map::new();
                m.insert("expect".into(), json!(e.code()));
                m
            }
        };
        expect_outputs(step, got).map_err(|e| format!("step {i}: {e}"))?;
    }
    Ok(Verdict::Valid)
}
