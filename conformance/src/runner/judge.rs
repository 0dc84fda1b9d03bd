//! Judging an answer against a vector (`spec/conformance.md §6`): the runner, not the testee,
//! applies `spec/vectors.md §3`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::pipe::shorten;
use super::roles::{child, entry, item, Roles, COMMON_GROUP_FIELDS, COMMON_TEST_FIELDS};
use crate::vector::{Group, Test};

/// A testee's answer to one test request.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Accepted, with outputs.
    Accept {
        /// Test outputs, shaped like the test.
        outputs: Map<String, Value>,
        /// Group outputs.
        group: Map<String, Value>,
    },
    /// Rejected with a code; outputs of the steps before the failing one.
    Reject {
        /// The error code.
        code: String,
        /// Test outputs, shaped like the test.
        outputs: Map<String, Value>,
        /// Group outputs.
        group: Map<String, Value>,
    },
    /// The testee says the inputs are outside the group type's domain (not a protocol verdict).
    Malformed(String),
    /// The testee does not implement this test.
    Unsupported(String),
}

/// Reads an answer object; `Err` says what is wrong with it.
pub fn parse_answer(v: &Value) -> Result<Answer, String> {
    let obj = |key: &str| -> Result<Map<String, Value>, String> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m.clone()),
            Some(_) => Err(format!("`{key}` is not an object")),
        }
    };
    let reason = || {
        v.get("reason")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    match v.get("verdict").and_then(Value::as_str) {
        Some("accept") => Ok(Answer::Accept {
            outputs: obj("outputs")?,
            group: obj("group")?,
        }),
        Some("reject") => {
            let code = v
                .get("error")
                .and_then(Value::as_str)
                .ok_or("a reject answer lacks its `error` code")?;
            Ok(Answer::Reject {
                code: code.to_string(),
                outputs: obj("outputs")?,
                group: obj("group")?,
            })
        }
        Some("malformed") => Ok(Answer::Malformed(reason())),
        Some("unsupported") => Ok(Answer::Unsupported(reason())),
        Some(other) => Err(format!("unknown verdict `{other}`")),
        None => Err("the answer lacks `verdict`".into()),
    }
}

/// The outcome of one test through the pipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Passed.
    Pass,
    /// Failed, with the reason.
    Fail(String),
    /// The testee does not implement it.
    NotImplemented(String),
}

/// Error aliases a port documents: expected code → codes accepted in its place.
pub type Aliases = BTreeMap<String, Vec<String>>;

/// Judges `answer` against the vector's `group` and `test` (`spec/vectors.md §3`, with the output
/// rules of `spec/conformance.md §6`).
pub fn judge(
    roles: &Roles,
    group: &Group,
    test: &Test,
    answer: &Answer,
    aliases: &Aliases,
) -> Outcome {
    let expected = test.get("result").and_then(Value::as_str).unwrap_or("");
    let want_error = test.get("error").and_then(Value::as_str);
    let (accepted, code, outputs, group_outputs) = match answer {
        Answer::Accept { outputs, group } => (true, None, outputs, group),
        Answer::Reject {
            code,
            outputs,
            group,
        } => (false, Some(code.as_str()), outputs, group),
        Answer::Malformed(reason) => {
            return Outcome::Fail(format!(
                "the testee called the inputs malformed: {}",
                shorten(reason, 300)
            ))
        }
        Answer::Unsupported(reason) => return Outcome::NotImplemented(reason.clone()),
    };
    match (expected, code) {
        ("valid", Some(code)) => {
            return Outcome::Fail(format!("rejected with {code}, expected valid"))
        }
        ("invalid", None) => {
            return Outcome::Fail(format!(
                "accepted, expected rejection with {}",
                want_error.unwrap_or("any error")
            ))
        }
        ("invalid", Some(code)) => {
            if let Some(want) = want_error {
                let alias = aliases
                    .get(want)
                    .is_some_and(|a| a.iter().any(|x| x == code));
                if want != code && !alias {
                    return Outcome::Fail(format!("rejected with {code}, expected {want}"));
                }
            }
        }
        ("valid" | "acceptable", None) | ("acceptable", Some(_)) => {}
        (other, _) => return Outcome::Fail(format!("the vector has an unknown result `{other}`")),
    }
    let mut failures = Vec::new();
    let mut top = Context {
        roles,
        accepted,
        failures: &mut failures,
    };
    let group_params: Map<String, Value> = group
        .iter()
        .filter(|(k, _)| !COMMON_GROUP_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    top.object(
        &group_params,
        Some(group_outputs),
        "group",
        "group",
        accepted,
    );
    let test_fields: Map<String, Value> = test
        .iter()
        .filter(|(k, _)| !COMMON_TEST_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    top.test(&test_fields, outputs);
    match failures.len() {
        0 => Outcome::Pass,
        1 => Outcome::Fail(failures.remove(0)),
        n => Outcome::Fail(format!("{} (and {} more)", failures.remove(0), n - 1)),
    }
}

struct Context<'a> {
    roles: &'a Roles,
    accepted: bool,
    failures: &'a mut Vec<String>,
}

impl Context<'_> {
    /// The test level: on a reject, only the outputs of the steps before the last one are
    /// required (`spec/vectors.md §9`); outputs the answer gives are compared everywhere.
    fn test(&mut self, want: &Map<String, Value>, got: &Map<String, Value>) {
        for (k, v) in want {
            if k == "steps" && !self.roles.is_output(k, k) {
                if let Value::Array(steps) = v {
                    let got_steps = got.get(k).and_then(Value::as_array);
                    for (i, step) in steps.iter().enumerate() {
                        let Value::Object(step) = step else { continue };
                        let need = self.accepted || i + 1 < steps.len();
                        let got_step = got_steps.and_then(|s| s.get(i)).and_then(Value::as_object);
                        self.object(step, got_step, "steps[]", &entry("steps", i), need);
                    }
                    continue;
                }
            }
            let mut single = Map::new();
            single.insert(k.clone(), v.clone());
            self.object(&single, Some(got), "", "", self.accepted);
        }
    }

    /// Compares every output in `want` (at role path `path`, shown as `shown`) with `got`.
    fn object(
        &mut self,
        want: &Map<String, Value>,
        got: Option<&Map<String, Value>>,
        path: &str,
        shown: &str,
        need: bool,
    ) {
        for (k, v) in want {
            let p = child(path, k);
            let s = child(shown, k);
            let g = got.and_then(|g| g.get(k)).filter(|x| !x.is_null());
            if self.roles.is_output(&p, &s) {
                match g {
                    Some(g) if g != v => self.failures.push(format!(
                        "`{s}`: expected {}, computed {}",
                        shorten(&v.to_string(), 120),
                        shorten(&g.to_string(), 120)
                    )),
                    Some(_) => {}
                    None if need => self.failures.push(format!(
                        "`{s}`: the answer lacks this output (expected {})",
                        shorten(&v.to_string(), 120)
                    )),
                    None => {}
                }
                continue;
            }
            match v {
                Value::Object(m) => self.object(m, g.and_then(Value::as_object), &p, &s, need),
                Value::Array(items) => {
                    let got_items = g.and_then(Value::as_array);
                    for (i, x) in items.iter().enumerate() {
                        if let Value::Object(m) = x {
                            let gi = got_items.and_then(|a| a.get(i)).and_then(Value::as_object);
                            self.object(m, gi, &item(&p), &entry(&s, i), need);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
