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
                out.insert(k.clone(), self.strip_value(v, &p, &p));
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
            out.insert(k.clone(), self.strip_value(v, k, k));
        }
        out
    }

    fn strip_value(&self, v: &Value, pattern: &str, place: &str) -> Value {
        match v {
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    let (p, c) = (child(pattern, k), child(place, k));
                    if !self.is_output(&p, &c) {
                        out.insert(k.clone(), self.strip_value(v, &p, &c));
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                let p = item(pattern);
                Value::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, x)| self.strip_value(x, &p, &entry(place, i)))
                        .collect(),
                )
            }
            other => other.clone(),
        }
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
        Err(panic) => Err(format!("the reference panicked: {}", panic_message(&panic))),
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

    /// The schema file of a group type, if there is one.
    pub fn has(&self, group_type: &str) -> bool {
        self.docs.contains_key(&format!("{group_type}_v1.json"))
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
