//! The reference testee (`spec/conformance.md`): this library served over the testee protocol.
//!
//! It is built on the check handlers: each request's group and test (inputs only) are handed to
//! the group type's handler in capture mode, and the outputs it would have compared are sent back
//! at the place in the request where the handler reported them.

use std::io::{BufRead, Write};

use serde_json::{json, Map, Value};

use super::roles::{run_captured, Locator, Root, Seg};
use super::{ct, PROTOCOL_VERSION};
use crate::vector::{Captured, Group, Handler, Test, Verdict};

/// Finds the handler of a group type among all protocols.
pub fn find_handler(group_type: &str) -> Option<Handler> {
    crate::protocols()
        .iter()
        .find_map(|p| (p.handler)(group_type))
}

/// Every group type this library implements: the schemas under `vectors/schema/` that have a
/// handler, in name order.
pub fn implemented_types() -> Vec<String> {
    let dir = crate::repo_root().join("vectors/schema");
    let mut types: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let t = name.strip_suffix("_v1.json")?.to_string();
            find_handler(&t).map(|_| t)
        })
        .collect();
    types.sort();
    types
}

/// The handshake answer.
pub fn hello() -> Value {
    json!({
        "op": "hello",
        "protocol": PROTOCOL_VERSION,
        "name": "contact-tracing reference",
        "version": env!("CARGO_PKG_VERSION"),
        "types": implemented_types(),
        "ct": ct::operation_names(),
    })
}

/// Serves requests from stdin until it closes.
pub fn serve() -> Result<(), String> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    // A panic in a handler is caught and answered; keep its message off stderr's way too.
    std::panic::set_hook(Box::new(|_| {}));
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(request) => answer(&request),
            Err(e) => {
                json!({"verdict": "malformed", "reason": format!("request is not JSON: {e}")})
            }
        };
        let text = serde_json::to_string(&answer).map_err(|e| e.to_string())?;
        writeln!(stdout, "{text}").map_err(|e| format!("stdout: {e}"))?;
        stdout.flush().map_err(|e| format!("stdout: {e}"))?;
    }
    Ok(())
}

/// The answer to one request.
pub fn answer(request: &Value) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    match request.get("op").and_then(Value::as_str) {
        Some("hello") => hello(),
        Some("test") => {
            let mut a = answer_test(request);
            a.insert("id".into(), id);
            Value::Object(a)
        }
        Some("ct") => {
            let mut a = match ct::reference_times(request) {
                Ok(times) => {
                    let mut m = Map::new();
                    m.insert("times".into(), json!(times));
                    m
                }
                Err(reason) => {
                    let mut m = Map::new();
                    m.insert("verdict".into(), json!("malformed"));
                    m.insert("reason".into(), json!(reason));
                    m
                }
            };
            a.insert("id".into(), id);
            Value::Object(a)
        }
        other => {
            json!({"id": id, "verdict": "malformed", "reason": format!("unknown op {other:?}")})
        }
    }
}

fn verdict(v: &str, reason: impl Into<String>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("verdict".into(), json!(v));
    m.insert("reason".into(), json!(reason.into()));
    m
}

fn answer_test(request: &Value) -> Map<String, Value> {
    let Some(group_type) = request.get("type").and_then(Value::as_str) else {
        return verdict("malformed", "request lacks `type`");
    };
    let Some(handler) = find_handler(group_type) else {
        return verdict(
            "unsupported",
            format!("group type `{group_type}` is not implemented"),
        );
    };
    let empty = Map::new();
    let group = request
        .get("group")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let Some(test) = request.get("test").and_then(Value::as_object) else {
        return verdict("malformed", "request lacks `test`");
    };
    let mut group = group.clone();
    group.insert("type".into(), json!(group_type));
    evaluate(handler, &group, test)
}

/// Runs the handler on inputs alone and builds the answer (`spec/conformance.md §4`).
pub fn evaluate(handler: Handler, group: &Group, test: &Test) -> Map<String, Value> {
    let (result, captured) = run_captured(handler, group, test);
    let v = match result {
        Ok(v) => v,
        Err(reason) => return verdict("malformed", reason),
    };
    let (outputs, group_outputs) = match place(group, test, captured) {
        Ok(x) => x,
        Err(reason) => return verdict("malformed", format!("reference testee: {reason}")),
    };
    let mut m = Map::new();
    match v {
        Verdict::Valid => {
            m.insert("verdict".into(), json!("accept"));
        }
        Verdict::Invalid(code) => {
            m.insert("verdict".into(), json!("reject"));
            m.insert("error".into(), json!(code));
        }
    }
    m.insert("outputs".into(), Value::Object(outputs));
    if !group_outputs.is_empty() {
        m.insert("group".into(), Value::Object(group_outputs));
    }
    m
}

/// Places captured outputs into two trees shaped like the request: test outputs (lists of
/// objects mirrored entry for entry) and group outputs.
pub fn place(
    group: &Group,
    test: &Test,
    captured: Vec<Captured>,
) -> Result<(Map<String, Value>, Map<String, Value>), String> {
    let locator = Locator::new(group, test);
    let mut outputs = Value::Object(Map::new());
    let mut group_outputs = Value::Object(Map::new());
    let test_template = Value::Object(test.clone());
    let group_template = Value::Object(group.clone());
    for c in captured {
        let Some((root, segs)) = locator.find(c.object) else {
            return Err(format!(
                "output `{}` was compared on an object that is not part of the request (a copy; \
                 contract 3 requires the very test, step or list entry)",
                c.field
            ));
        };
        let (tree, template) = match root {
            Root::Group => (&mut group_outputs, &group_template),
            Root::Test => (&mut outputs, &test_template),
        };
        insert(tree, template, segs, &c.field, c.value)?;
    }
    let into_map = |v: Value| match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    Ok((into_map(outputs), into_map(group_outputs)))
}

/// An empty tree shaped like `template`: objects become `{}`, lists keep their length.
fn empty_like(template: &Value) -> Value {
    match template {
        Value::Array(items) => Value::Array(items.iter().map(empty_like).collect()),
        Value::Object(_) => Value::Object(Map::new()),
        _ => Value::Null,
    }
}

fn insert(
    tree: &mut Value,
    template: &Value,
    segs: &[Seg],
    field: &str,
    value: Value,
) -> Result<(), String> {
    match segs.split_first() {
        None => {
            let Value::Object(m) = tree else {
                return Err(format!("`{field}`: output placed inside a non-object"));
            };
            match m.get(field) {
                Some(previous) if *previous != value => Err(format!(
                    "`{field}` was compared twice with different values ({previous} and {value})"
                )),
                _ => {
                    m.insert(field.to_string(), value);
                    Ok(())
                }
            }
        }
        Some((Seg::Key(k), rest)) => {
            let sub_template = template.get(k).unwrap_or(&Value::Null);
            let Value::Object(m) = tree else {
                return Err(format!("`{k}`: not an object"));
            };
            if !matches!(m.get(k), Some(Value::Object(_) | Value::Array(_))) {
                m.insert(k.clone(), empty_like(sub_template));
            }
            let sub = m.get_mut(k).ok_or("vanished")?;
            insert(sub, sub_template, rest, field, value)
        }
        Some((Seg::Index(i), rest)) => {
            let sub_template = template.get(*i).unwrap_or(&Value::Null);
            let Value::Array(items) = tree else {
                return Err(format!("entry {i}: not a list"));
            };
            let sub = items.get_mut(*i).ok_or(format!("entry {i} out of range"))?;
            if sub.is_null() {
                *sub = Value::Object(Map::new());
            }
            insert(sub, sub_template, rest, field, value)
        }
    }
}
