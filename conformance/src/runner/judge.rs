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
                        if need {
                            self.unexpected(step, got_step, "steps[]", &entry("steps", i));
                        }
                    }
                    continue;
                }
            }
            let mut single = Map::new();
            single.insert(k.clone(), v.clone());
            self.object(&single, Some(got), "", "", self.accepted);
        }
    }

    /// Outputs a step's answer carries that the vector's step does not state: a state machine's
    /// step yields exactly what its vector says (as `expect_outputs` requires in process), so a
    /// spurious output (a notification that should not be, a packet too many) is a failure.
    /// Applies to schema roles only (captured roles cannot tell an omitted output from an absent
    /// one).
    fn unexpected(
        &mut self,
        want: &Map<String, Value>,
        got: Option<&Map<String, Value>>,
        path: &str,
        shown: &str,
    ) {
        for (k, g) in got.into_iter().flatten() {
            if g.is_null() || want.contains_key(k) {
                continue;
            }
            if self.roles.has_output_under(&child(path, k)) {
                self.failures.push(format!(
                    "`{}`: the answer has this output ({}) but the vector's step does not",
                    child(shown, k),
                    shorten(&g.to_string(), 120)
                ));
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::roles::RoleSource;
    use serde_json::json;

    fn roles(outputs: &[&str]) -> Roles {
        Roles::from_patterns(
            outputs.iter().map(|s| s.to_string()).collect(),
            RoleSource::Schema,
        )
    }

    fn run(test: Value, answer: Value) -> Outcome {
        let r = roles(&["out", "group.pub", "steps[].expect", "steps[].n.id"]);
        let group = json!({"type": "t", "pub": "aa"});
        let answer = parse_answer(&answer).unwrap();
        judge(
            &r,
            group.as_object().unwrap(),
            test.as_object().unwrap(),
            &answer,
            &Aliases::new(),
        )
    }

    #[test]
    fn verdicts_follow_vectors_md_section_3() {
        let valid = json!({"tcId": 1, "result": "valid", "in": 1, "out": "01"});
        let ok = json!({"verdict": "accept", "outputs": {"out": "01"}, "group": {"pub": "aa"}});
        assert_eq!(run(valid.clone(), ok.clone()), Outcome::Pass);
        let wrong = json!({"verdict": "accept", "outputs": {"out": "02"}, "group": {"pub": "aa"}});
        assert!(matches!(run(valid.clone(), wrong), Outcome::Fail(m) if m.contains("`out`")));
        let no_group = json!({"verdict": "accept", "outputs": {"out": "01"}});
        assert!(
            matches!(run(valid.clone(), no_group), Outcome::Fail(m) if m.contains("group.pub"))
        );
        let rejected = json!({"verdict": "reject", "error": "E_X"});
        assert!(
            matches!(run(valid, rejected.clone()), Outcome::Fail(m) if m.contains("expected valid"))
        );
        let invalid = json!({"tcId": 2, "result": "invalid", "error": "E_Y", "in": 1});
        assert!(
            matches!(run(invalid.clone(), rejected.clone()), Outcome::Fail(m) if m.contains("expected E_Y"))
        );
        assert!(matches!(run(invalid, ok.clone()), Outcome::Fail(m) if m.contains("accepted")));
        let acceptable = json!({"tcId": 3, "result": "acceptable", "out": "01"});
        assert_eq!(run(acceptable.clone(), rejected), Outcome::Pass);
        assert_eq!(run(acceptable, ok), Outcome::Pass);
        let malformed = json!({"verdict": "malformed", "reason": "short"});
        assert!(matches!(
            run(json!({"result": "valid"}), malformed),
            Outcome::Fail(_)
        ));
        let unsupported = json!({"verdict": "unsupported"});
        assert!(matches!(
            run(json!({"result": "valid"}), unsupported),
            Outcome::NotImplemented(_)
        ));
    }

    #[test]
    fn steps_before_the_failing_one_are_compared_and_exact() {
        let test = json!({"tcId": 1, "result": "invalid", "error": "E_X", "steps": [
            {"op": "a", "expect": "sent"},
            {"op": "b", "expect": "notified", "n": {"id": "07"}},
            {"op": "c", "expect": "drop"}
        ]});
        let good = json!({"verdict": "reject", "error": "E_X", "outputs": {"steps": [
            {"expect": "sent"}, {"expect": "notified", "n": {"id": "07"}}]}});
        assert_eq!(run(test.clone(), good), Outcome::Pass);
        let missing = json!({"verdict": "reject", "error": "E_X", "outputs": {"steps": [
            {"expect": "sent"}]}});
        assert!(
            matches!(run(test.clone(), missing), Outcome::Fail(m) if m.contains("steps[1].expect"))
        );
        let wrong_last = json!({"verdict": "reject", "error": "E_X", "outputs": {"steps": [
            {"expect": "sent"}, {"expect": "notified", "n": {"id": "07"}}, {"expect": "forward"}]}});
        assert!(
            matches!(run(test.clone(), wrong_last), Outcome::Fail(m) if m.contains("steps[2].expect"))
        );
        let spurious = json!({"verdict": "reject", "error": "E_X", "outputs": {"steps": [
            {"expect": "sent", "n": {"id": "08"}}, {"expect": "notified", "n": {"id": "07"}}]}});
        assert!(matches!(run(test, spurious), Outcome::Fail(m) if m.contains("steps[0].n")));
    }

    #[test]
    fn aliases_accept_a_documented_code() {
        let r = roles(&[]);
        let test = json!({"result": "invalid", "error": "E_A"});
        let answer = parse_answer(&json!({"verdict": "reject", "error": "E_B"})).unwrap();
        let mut aliases = Aliases::new();
        let group = Map::new();
        let t = test.as_object().unwrap();
        assert!(matches!(
            judge(&r, &group, t, &answer, &aliases),
            Outcome::Fail(_)
        ));
        aliases.insert("E_A".into(), vec!["E_B".into()]);
        assert_eq!(judge(&r, &group, t, &answer, &aliases), Outcome::Pass);
    }

    #[test]
    fn malformed_answers_are_named() {
        assert!(parse_answer(&json!({"id": 1})).is_err());
        assert!(parse_answer(&json!({"verdict": "reject"})).is_err());
        assert!(parse_answer(&json!({"verdict": "maybe"})).is_err());
        assert!(parse_answer(&json!({"verdict": "accept", "outputs": []})).is_err());
    }
}
