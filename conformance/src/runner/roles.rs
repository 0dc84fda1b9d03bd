//! Which fields of a group type are inputs and which are outputs (`spec/vectors.md §9`,
//! `spec/conformance.md §5`), and the two operations built on that: stripping a test down to its
//! inputs, and locating the objects inside a test that a handler names when it reports an output.
//!
//! Roles come from the group type's JSON Schema (`"x-role": "output"`), which is normative. A
//! schema without any annotation yet falls back to the roles the reference handler reveals in
//! capture mode: every field it hands to `expect_hex`, `expect_value` or `expect_outputs` is an
//! output. Where a schema is annotated, the captured roles are kept as a cross-check.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use serde_json::{Map, Value};

use crate::vector::{capture, Captured, Group, Handler, Test};

/// Test fields defined by `spec/vectors.md §3` for every group type; never sent to a testee.
pub const COMMON_TEST_FIELDS: &[&str] = &["tcId", "comment", "flags", "result", "error"];
/// Group fields defined by `spec/vectors.md §2`; never sent as parameters.
pub const COMMON_GROUP_FIELDS: &[&str] = &["type", "tests"];

/// Where a group type's roles came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSource {
    /// The schema's `x-role` annotations (normative).
    Schema,
    /// Captured from the reference handler on this very test (interim, until the schema is
    /// annotated).
    Captured,
}

/// Which fields of one test are outputs: either §9 patterns (`group.<name>`, `<name>`,
/// `<list>[].<name>`, `<object>.<name>`) that apply to every test of the type, or, for roles
/// captured from the reference on one test, the concrete places in that test (`steps[2].token`).
#[derive(Debug, Clone)]
pub struct Roles {
    /// Output paths, as patterns.
    pub outputs: BTreeSet<String>,
    /// When set, the concrete output places of one test; they decide instead of `outputs`.
    pub concrete: Option<BTreeSet<String>>,
    /// Where they came from.
    pub source: RoleSource,
}

/// The path of field `key` inside the object at `path`.
pub fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The path of the entries of the list at `path`.
pub fn item(path: &str) -> String {
    format!("{path}[]")
}

/// The concrete path of entry `i` of the list at `path`.
pub fn entry(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

impl Roles {
    /// Roles from patterns.
    pub fn from_patterns(outputs: BTreeSet<String>, source: RoleSource) -> Self {
        Roles {
            outputs,
            concrete: None,
            source,
        }
    }

    /// Whether the field at `pattern` (concretely at `place`) is an output.
    pub fn is_output(&self, pattern: &str, place: &str) -> bool {
        match &self.concrete {
            Some(places) => places.contains(place),
            None => self.outputs.contains(pattern),
        }
    }

    /// The group's parameters without outputs and without `type`/`tests`.
    pub fn strip_group(&self, group: &Group) -> Group {
        let mut out = Map::new();
        for (k, v) in group {
            if COMMON_GROUP_FIELDS.contains(&k.as_str()) {
                continue;
            }
            let p = child("group", k);
            if !self.is_output(&p, &p) {
                if let Some(v) = self.strip_value(v, &p, &p) {
                    out.insert(k.clone(), v);
                }
            }
        }
        out
    }

    /// The test's inputs: no outputs, no `tcId`, `comment`, `flags`, `result` or `error`.
    pub fn strip_test(&self, test: &Test) -> Test {
        let mut out = Map::new();
        for (k, v) in test {
            if COMMON_TEST_FIELDS.contains(&k.as_str()) || self.is_output(k, k) {
                continue;
            }
            if let Some(v) = self.strip_value(v, k, k) {
                out.insert(k.clone(), v);
            }
        }
        out
    }

    /// `v` without its outputs; `None` when `v` is an object or list that held outputs only
    /// (an object all of whose fields are outputs is an output, `spec/vectors.md §9`).
    fn strip_value(&self, v: &Value, pattern: &str, place: &str) -> Option<Value> {
        match v {
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    let (p, c) = (child(pattern, k), child(place, k));
                    if !self.is_output(&p, &c) {
                        if let Some(v) = self.strip_value(v, &p, &c) {
                            out.insert(k.clone(), v);
                        }
                    }
                }
                (m.is_empty() || !out.is_empty()).then_some(Value::Object(out))
            }
            Value::Array(items) => {
                let p = item(pattern);
                let stripped: Vec<Option<Value>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| self.strip_value(x, &p, &entry(place, i)))
                    .collect();
                if !items.is_empty() && stripped.iter().all(Option::is_none) {
                    return None;
                }
                // An entry that held outputs only stays as `{}`, so positions keep matching.
                Some(Value::Array(
                    stripped
                        .into_iter()
                        .map(|x| x.unwrap_or_else(|| Value::Object(Map::new())))
                        .collect(),
                ))
            }
            other => Some(other.clone()),
        }
    }

    /// Whether anything at or below `pattern` is an output (for the strict step rule of the
    /// judge: a step's answer may not carry an output the vector's step does not state).
    pub fn has_output_under(&self, pattern: &str) -> bool {
        self.concrete.is_none()
            && self.outputs.iter().any(|o| {
                o == pattern
                    || o.strip_prefix(pattern)
                        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with("[]"))
            })
    }
}

// ---------------------------------------------------------------------------------------------
// Locating the objects a handler names

/// Which of the two objects a handler receives a path starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// The group's parameters.
    Group,
    /// The test.
    Test,
}

/// One step of a concrete path into a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A field of an object.
    Key(String),
    /// An entry of a list.
    Index(usize),
}

/// Every object (`Map`) reachable from a group and a test, by address, with its concrete path.
pub struct Locator {
    places: HashMap<usize, (Root, Vec<Seg>)>,
}

impl Locator {
    /// Indexes `group` (without descending into `tests`) and `test`.
    pub fn new(group: &Group, test: &Test) -> Self {
        let mut places = HashMap::new();
        index(group, Root::Group, &mut Vec::new(), &mut places, true);
        index(test, Root::Test, &mut Vec::new(), &mut places, false);
        Locator { places }
    }

    /// The root and concrete path of the object at `address`, if it is part of the request.
    pub fn find(&self, address: usize) -> Option<&(Root, Vec<Seg>)> {
        self.places.get(&address)
    }
}

fn index(
    map: &Map<String, Value>,
    root: Root,
    path: &mut Vec<Seg>,
    places: &mut HashMap<usize, (Root, Vec<Seg>)>,
    group_root: bool,
) {
    places.insert(
        map as *const Map<String, Value> as usize,
        (root, path.clone()),
    );
    for (k, v) in map {
        if group_root && path.is_empty() && k == "tests" {
            continue;
        }
        path.push(Seg::Key(k.clone()));
        index_value(v, root, path, places);
        path.pop();
    }
}

fn index_value(
    v: &Value,
    root: Root,
    path: &mut Vec<Seg>,
    places: &mut HashMap<usize, (Root, Vec<Seg>)>,
) {
    match v {
        Value::Object(m) => index(m, root, path, places, false),
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                index_value(x, root, path, places);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The §9 path pattern of `field` in the object at (`root`, `segs`): indices become `[]`.
pub fn pattern(root: Root, segs: &[Seg], field: &str) -> String {
    let mut p = match root {
        Root::Group => "group".to_string(),
        Root::Test => String::new(),
    };
    for s in segs {
        match s {
            Seg::Key(k) => p = child(&p, k),
            Seg::Index(_) => p = item(&p),
        }
    }
    child(&p, field)
}

/// A human-readable concrete path (`steps[2].packets`), for messages.
pub fn display_path(root: Root, segs: &[Seg], field: &str) -> String {
    let mut p = match root {
        Root::Group => "group".to_string(),
        Root::Test => String::new(),
    };
    for s in segs {
        match s {
            Seg::Key(k) => p = child(&p, k),
            Seg::Index(i) => p = entry(&p, *i),
        }
    }
    child(&p, field)
}

/// The group's parameters as a handler receives them in a testee: without `tests`.
pub fn group_params(group: &Group) -> Group {
    group
        .iter()
        .filter(|(k, _)| k.as_str() != "tests")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Replaces the panic hook by one that prints nothing and remembers where the last panic on this
/// thread happened, so that [`run_captured`] can report it (the testee and the fuzzer run the
/// reference on hostile inputs; a panic is a finding, not noise on stderr).
pub fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(place));
        }))
    });
}

/// The prefix of the reason [`run_captured`] gives for a panic of the reference.
pub const PANIC_PREFIX: &str = "the reference panicked";

/// Runs `handler` in capture mode, catching panics. Returns the verdict (or the handler's reason,
/// or the panic message) and what it captured.
pub fn run_captured(
    handler: Handler,
    group: &Group,
    test: &Test,
) -> (Result<crate::vector::Verdict, String>, Vec<Captured>) {
    let (result, captured) = capture(|| catch_unwind(AssertUnwindSafe(|| handler(group, test))));
    let verdict = match result {
        Ok(v) => v,
        Err(panic) => {
            let place = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_default();
            Err(format!(
                "{PANIC_PREFIX} at {place}: {}",
                panic_message(&panic)
            ))
        }
    };
    (verdict, captured)
}

/// The message of a caught panic.
pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}

/// The concrete output places the reference handler reveals on one full test (inputs and
/// outputs), or why they cannot be known.
pub fn captured_places(
    handler: Handler,
    group: &Group,
    test: &Test,
) -> Result<BTreeSet<String>, String> {
    let params = group_params(group);
    let (_, captured) = run_captured(handler, &params, test);
    let locator = Locator::new(&params, test);
    let mut places = BTreeSet::new();
    for c in captured {
        let (root, segs) = locator.find(c.object).ok_or_else(|| {
            format!(
                "the reference compares output `{}` on an object that is not part of the test (a \
                 copy): contract 3 requires the very test, step or list entry",
                c.field
            )
        })?;
        places.insert(display_path(*root, segs, &c.field));
    }
    Ok(places)
}

/// The output paths the reference handler reveals on full tests (inputs and outputs), and the
/// problems found on the way (outputs compared on an object that is not part of the test).
pub fn captured_outputs<'a>(
    handler: Handler,
    tests: impl IntoIterator<Item = (&'a Group, &'a Test)>,
) -> (BTreeSet<String>, Vec<String>) {
    let mut outputs = BTreeSet::new();
    let mut problems = BTreeSet::new();
    for (group, test) in tests {
        let params = group_params(group);
        let (_, captured) = run_captured(handler, &params, test);
        let locator = Locator::new(&params, test);
        for c in captured {
            match locator.find(c.object) {
                Some((root, segs)) => {
                    outputs.insert(pattern(*root, segs, &c.field));
                }
                None => {
                    problems.insert(format!(
                        "output `{}` is compared on an object that is not part of the test \
                         (a copy): contract 3 requires the very test, step or list entry",
                        c.field
                    ));
                }
            }
        }
    }
    (outputs, problems.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// Roles from the schemas

/// JSON Schema documents by file name, for resolving `$ref`s.
pub struct Schemas {
    docs: BTreeMap<String, Value>,
}

impl Schemas {
    /// Loads every `*.json` under `dir` (normally `vectors/schema/`).
    pub fn load(dir: &Path) -> Self {
        let mut docs = BTreeMap::new();
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let path = e.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !name.ends_with(".json") {
                    continue;
                }
                if let Some(v) = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                {
                    docs.insert(name.to_string(), v);
                }
            }
        }
        Schemas { docs }
    }

    /// The output paths that `<group_type>_v1.json` annotates, or `None` if the schema is missing
    /// or carries no `x-role` at all yet.
    pub fn declared_outputs(&self, group_type: &str) -> Option<BTreeSet<String>> {
        let name = format!("{group_type}_v1.json");
        let root = self.docs.get(&name)?;
        if !mentions_x_role(root) {
            return None;
        }
        let mut out = BTreeSet::new();
        let roots = self.flatten(&name, root, 0);
        let groups = self.items(&self.sub(&roots, "testGroups"));
        for (k, schemas) in self.properties(&groups) {
            if k == "tests" {
                self.walk("", &self.items(&schemas), &mut out);
            } else if k != "type" {
                self.walk_property(&child("group", &k), &schemas, &mut out);
            }
        }
        Some(out)
    }

    fn walk(&self, prefix: &str, schemas: &[(String, Value)], out: &mut BTreeSet<String>) {
        for (k, prop) in self.properties(schemas) {
            if prefix.is_empty() && COMMON_TEST_FIELDS.contains(&k.as_str()) {
                continue;
            }
            self.walk_property(&child(prefix, &k), &prop, out);
        }
    }

    fn walk_property(&self, path: &str, prop: &[(String, Value)], out: &mut BTreeSet<String>) {
        let flat: Vec<(String, Value)> = prop
            .iter()
            .flat_map(|(doc, s)| self.flatten(doc, s, 0))
            .collect();
        if flat
            .iter()
            .any(|(_, s)| s.get("x-role").and_then(Value::as_str) == Some("output"))
        {
            out.insert(path.to_string());
            return;
        }
        let items = self.items(&flat);
        if !items.is_empty() {
            self.walk(&item(path), &items, out);
        }
        if flat.iter().any(|(_, s)| s.get("properties").is_some()) {
            self.walk(path, &flat, out);
        }
    }

    /// A schema with every `$ref`, `allOf`, `anyOf`, `oneOf`, `then` and `else` expanded into a
    /// flat list of (document, subschema).
    fn flatten(&self, doc: &str, schema: &Value, depth: usize) -> Vec<(String, Value)> {
        let mut out = vec![(doc.to_string(), schema.clone())];
        if depth > 16 {
            return out;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let (file, pointer) = r.split_once('#').unwrap_or((r, ""));
            let file = if file.is_empty() { doc } else { file };
            let file = file.rsplit('/').next().unwrap_or(file);
            if let Some(target) = self.docs.get(file).and_then(|d| d.pointer(pointer)) {
                out.extend(self.flatten(file, target, depth + 1));
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for s in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.extend(self.flatten(doc, s, depth + 1));
            }
        }
        for key in ["then", "else"] {
            if let Some(s) = schema.get(key) {
                out.extend(self.flatten(doc, s, depth + 1));
            }
        }
        out
    }

    fn properties(&self, schemas: &[(String, Value)]) -> BTreeMap<String, Vec<(String, Value)>> {
        let mut props: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
        for (doc, s) in schemas.iter().flat_map(|(d, s)| self.flatten(d, s, 0)) {
            for (k, v) in s
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                props
                    .entry(k.clone())
                    .or_default()
                    .push((doc.clone(), v.clone()));
            }
        }
        props
    }

    fn sub(&self, schemas: &[(String, Value)], key: &str) -> Vec<(String, Value)> {
        self.properties(schemas).remove(key).unwrap_or_default()
    }

    fn items(&self, schemas: &[(String, Value)]) -> Vec<(String, Value)> {
        schemas
            .iter()
            .flat_map(|(d, s)| self.flatten(d, s, 0))
            .filter_map(|(d, s)| s.get("items").map(|i| (d, i.clone())))
            .collect()
    }
}

fn mentions_x_role(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.contains_key("x-role") || m.values().any(mentions_x_role),
        Value::Array(a) => a.iter().any(mentions_x_role),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas(docs: &[(&str, Value)]) -> Schemas {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ct-schemas-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, doc) in docs {
            std::fs::write(dir.join(name), doc.to_string()).unwrap();
        }
        let s = Schemas::load(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        s
    }

    /// A schema in the style of the committed ones: `$ref`s into `$defs` and into the common
    /// file, `allOf`, `x-role` beside a `$ref`, on a step field, on a field of an object inside a
    /// step, and on a group parameter.
    fn example() -> Schemas {
        let common = json!({"$defs": {"hex": {"type": "string"}, "testBase": {"type": "object"}}});
        let schema = json!({
            "allOf": [{"$ref": "common_v1.json#/$defs/hex"}],
            "properties": {"testGroups": {"type": "array", "items": {"$ref": "#/$defs/group"}}},
            "$defs": {
                "group": {"properties": {
                    "type": {"const": "x-machine"},
                    "secret": {"$ref": "common_v1.json#/$defs/hex"},
                    "public": {"$ref": "common_v1.json#/$defs/hex", "x-role": "output"},
                    "tests": {"type": "array", "items": {"$ref": "#/$defs/test"}}
                }},
                "test": {
                    "allOf": [{"$ref": "common_v1.json#/$defs/testBase"}],
                    "properties": {
                        "tcId": true, "result": true, "error": true,
                        "seed": {"$ref": "common_v1.json#/$defs/hex"},
                        "steps": {"type": "array", "items": {"type": "object", "properties": {
                            "op": {"enum": ["a", "b"]},
                            "packet": {"$ref": "common_v1.json#/$defs/hex"},
                            "expect": {"type": "string", "x-role": "output"},
                            "notification": {"type": "object", "properties": {
                                "id": {"type": "string", "x-role": "output"},
                                "day": {"type": "integer", "x-role": "output"}
                            }}
                        }}}
                    }
                }
            }
        });
        schemas(&[("common_v1.json", common), ("x-machine_v1.json", schema)])
    }

    #[test]
    fn declared_outputs_follow_refs_and_nesting() {
        let s = example();
        let got: Vec<String> = s
            .declared_outputs("x-machine")
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(
            got,
            [
                "group.public",
                "steps[].expect",
                "steps[].notification.day",
                "steps[].notification.id"
            ]
        );
        assert!(s.declared_outputs("absent").is_none());
    }

    #[test]
    fn a_schema_without_annotations_declares_nothing() {
        let common = json!({"$defs": {}});
        let schema = json!({"properties": {"testGroups": {"items": {"properties": {
            "tests": {"items": {"properties": {"a": {"type": "string"}}}}}}}}});
        let s = schemas(&[("common_v1.json", common), ("y_v1.json", schema)]);
        assert!(s.declared_outputs("y").is_none());
    }

    #[test]
    fn stripping_keeps_inputs_and_positions_only() {
        let roles = Roles::from_patterns(
            example().declared_outputs("x-machine").unwrap(),
            RoleSource::Schema,
        );
        let group = json!({"type": "x-machine", "secret": "01", "public": "02", "tests": []});
        let test = json!({"tcId": 1, "comment": "c", "flags": [], "result": "valid",
        "seed": "aa",
        "steps": [
            {"op": "a", "packet": "bb", "expect": "forward"},
            {"op": "b", "expect": "notified", "notification": {"id": "cc", "day": 3}}
        ]});
        let g = roles.strip_group(group.as_object().unwrap());
        assert_eq!(Value::Object(g), json!({"secret": "01"}));
        let t = roles.strip_test(test.as_object().unwrap());
        assert_eq!(
            Value::Object(t),
            json!({"seed": "aa", "steps": [{"op": "a", "packet": "bb"}, {"op": "b"}]})
        );
        assert!(roles.has_output_under("steps[].notification"));
        assert!(!roles.has_output_under("steps[].packet"));
    }

    #[test]
    fn the_locator_names_every_object_by_its_place() {
        let group = json!({"type": "t", "tests": [{"x": 1}]});
        let test = json!({"chain": [{"index": 1}, {"index": 2, "inner": {"k": 1}}]});
        let (g, t) = (group.as_object().unwrap(), test.as_object().unwrap());
        let l = Locator::new(g, t);
        let inner = &test["chain"][1]["inner"];
        let (root, segs) = l
            .find(inner.as_object().unwrap() as *const _ as usize)
            .unwrap();
        assert_eq!(display_path(*root, segs, "v"), "chain[1].inner.v");
        assert_eq!(pattern(*root, segs, "v"), "chain[].inner.v");
        let (root, segs) = l.find(g as *const _ as usize).unwrap();
        assert_eq!(display_path(*root, segs, "pub"), "group.pub");
        // The group's tests are not part of the request.
        let nested = group["tests"][0].as_object().unwrap();
        assert!(l.find(nested as *const _ as usize).is_none());
        let copy = test["chain"][0].as_object().unwrap().clone();
        assert!(l.find(&copy as *const _ as usize).is_none());
    }
}
