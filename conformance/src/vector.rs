//! The vector contract of `spec/vectors.md`: the file envelope, a builder for generators, the lint
//! and the check driver shared by every protocol.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

/// A test case as JSON: the runner reads fields by name, so files from other producers with extra
/// fields still load.
pub type Test = Map<String, Value>;
/// A test group's parameters (everything but `tests`).
pub type Group = Map<String, Value>;

/// What an implementation decided about one test input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted, and every output present in the test matched.
    Valid,
    /// Rejected with this stable error code.
    Invalid(&'static str),
}

/// Runs one test: `Err` is a mismatch or a malformed test, with a reason for the report.
pub type Handler = fn(&Group, &Test) -> Result<Verdict, String>;

/// A fuzz corpus seed: (target, file name, bytes).
pub type CorpusSeed = (String, String, Vec<u8>);

/// One protocol's part of the runner.
pub struct Protocol {
    /// Name used in the envelope's `protocol` field and in the report table.
    pub name: &'static str,
    /// The handler for a group type, if the protocol defines that type.
    pub handler: fn(&str) -> Option<Handler>,
    /// Every error code the protocol's spec defines.
    pub error_codes: fn() -> Vec<&'static str>,
    /// The protocol's vector files: (path under `vectors/`, content).
    pub generate: fn() -> Vec<(String, Value)>,
    /// Fuzz corpus seeds: (target, file name, bytes).
    pub corpus: fn() -> Vec<CorpusSeed>,
}

/// Builds a vector file in the envelope of `spec/vectors.md §2`.
pub struct FileBuilder {
    envelope: Map<String, Value>,
    notes: BTreeMap<String, Value>,
    groups: Vec<Value>,
    next_id: u64,
    count: usize,
}

impl FileBuilder {
    /// A new file for `protocol` whose groups all have type `group_type`.
    pub fn new(protocol: &str, group_type: &str, spec: &str, header: &[&str]) -> Self {
        let mut envelope = Map::new();
        envelope.insert("schema".into(), json!(format!("{group_type}_v1.json")));
        envelope.insert("protocol".into(), json!(protocol));
        envelope.insert("spec".into(), json!(spec));
        envelope.insert(
            "source".into(),
            json!({"name": "contact-tracing", "version": env!("CARGO_PKG_VERSION")}),
        );
        envelope.insert("header".into(), json!(header));
        FileBuilder {
            envelope,
            notes: BTreeMap::new(),
            groups: Vec::new(),
            next_id: 1,
            count: 0,
        }
    }

    /// Defines a flag (`bugType` from the Wycheproof taxonomy).
    pub fn note(&mut self, flag: &str, bug_type: &str, description: &str) -> &mut Self {
        self.notes.insert(
            flag.into(),
            json!({"bugType": bug_type, "description": description}),
        );
        self
    }

    /// Starts a group with the given parameters (the `type` is added).
    pub fn group(&mut self, group_type: &str, params: Value) -> &mut Self {
        let mut g = Map::new();
        g.insert("type".into(), json!(group_type));
        if let Value::Object(p) = params {
            g.extend(p);
        }
        g.insert("tests".into(), json!([]));
        self.groups.push(Value::Object(g));
        self
    }

    /// Adds a valid test to the current group.
    pub fn valid(&mut self, comment: &str, flags: &[&str], fields: Value) -> &mut Self {
        self.push(comment, flags, "valid", None, fields)
    }

    /// Adds an invalid test with its expected error code to the current group.
    pub fn invalid(
        &mut self,
        comment: &str,
        flags: &[&str],
        error: &str,
        fields: Value,
    ) -> &mut Self {
        self.push(comment, flags, "invalid", Some(error), fields)
    }

    fn push(
        &mut self,
        comment: &str,
        flags: &[&str],
        result: &str,
        error: Option<&str>,
        fields: Value,
    ) -> &mut Self {
        for f in flags {
            assert!(
                self.notes.contains_key(*f),
                "flag {f} used before it is defined"
            );
        }
        let mut t = Map::new();
        t.insert("tcId".into(), json!(self.next_id));
        t.insert("comment".into(), json!(comment));
        t.insert("flags".into(), json!(flags));
        if let Value::Object(f) = fields {
            t.extend(f);
        }
        t.insert("result".into(), json!(result));
        if let Some(e) = error {
            t.insert("error".into(), json!(e));
        }
        self.next_id += 1;
        self.count += 1;
        let group = self.groups.last_mut().expect("a group before tests");
        group["tests"]
            .as_array_mut()
            .expect("tests array")
            .push(Value::Object(t));
        self
    }

    /// The finished file.
    pub fn finish(&self) -> Value {
        let mut e = self.envelope.clone();
        e.insert("numberOfTests".into(), json!(self.count));
        e.insert("notes".into(), json!(self.notes));
        e.insert("testGroups".into(), Value::Array(self.groups.clone()));
        Value::Object(e)
    }
}

/// The deterministic random stream named `label` (`spec/vectors.md §7`): ChaCha20 seeded with
/// `SHA-256("contact-tracing vectors: " || label)`.
pub fn rng(label: &str) -> rand_chacha::ChaCha20Rng {
    use rand_core::SeedableRng;
    use sha2::Digest;
    let seed: [u8; 32] = sha2::Sha256::digest(format!("contact-tracing vectors: {label}")).into();
    rand_chacha::ChaCha20Rng::from_seed(seed)
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: impl AsRef<[u8]>) -> String {
    ::hex::encode(bytes)
}

/// A required field.
pub fn field<'a>(t: &'a Map<String, Value>, name: &str) -> Result<&'a Value, String> {
    t.get(name).ok_or_else(|| format!("missing field `{name}`"))
}

/// A required hex field, decoded.
pub fn hex_field(t: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let s = field(t, name)?
        .as_str()
        .ok_or_else(|| format!("`{name}` is not a string"))?;
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!("`{name}` is not lowercase hex"));
    }
    ::hex::decode(s).map_err(|e| format!("`{name}` is not hex: {e}"))
}

/// A required hex field of exactly `N` bytes.
pub fn hex_array<const N: usize>(t: &Map<String, Value>, name: &str) -> Result<[u8; N], String> {
    let v = hex_field(t, name)?;
    v.as_slice()
        .try_into()
        .map_err(|_| format!("`{name}` is {} bytes, not {N}", v.len()))
}

/// A required JSON number field no larger than `u32::MAX`.
pub fn u32_field(t: &Map<String, Value>, name: &str) -> Result<u32, String> {
    field(t, name)?
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("`{name}` is not a number in 0..2^32"))
}

/// A required 64-bit integer written as a decimal string.
#[allow(dead_code)] // used by the protocols with timestamps
pub fn u64_str_field(t: &Map<String, Value>, name: &str) -> Result<u64, String> {
    let s = field(t, name)?
        .as_str()
        .ok_or_else(|| format!("`{name}` is not a decimal string"))?;
    s.parse()
        .map_err(|_| format!("`{name}` is not a decimal u64"))
}

/// One output recorded in capture mode: the object the handler named (by address: the very
/// test, group, step or list entry it was given), the field and the value it computed.
#[derive(Debug, Clone)]
pub struct Captured {
    /// Address of the `Map` passed to `expect_*` (compared, never dereferenced).
    pub object: usize,
    /// Output field name.
    pub field: String,
    /// The computed value, as it would appear in a vector (hex string for byte outputs).
    pub value: Value,
}

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<Vec<Captured>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` in capture mode: while it runs on this thread, [`expect_hex`], [`expect_value`] and
/// [`expect_outputs`] compare nothing and succeed, recording every output instead. This is how
/// the reference testee (`spec/conformance.md`) turns the check handlers into an implementation
/// that answers with outputs, and how the runner learns which fields a handler treats as outputs.
/// Capture mode ends when `f` returns or unwinds.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<Captured>) {
    struct Restore(Option<Vec<Captured>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CAPTURE.with(|c| *c.borrow_mut() = previous);
        }
    }
    let restore = Restore(CAPTURE.with(|c| c.borrow_mut().replace(Vec::new())));
    let result = f();
    let captured = CAPTURE.with(|c| c.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    (result, captured)
}

#[allow(dead_code)] // used by expect_value and expect_outputs
fn capturing() -> bool {
    CAPTURE.with(|c| c.borrow().is_some())
}

/// In capture mode records `(object, name, value())` and returns `true`; otherwise `false`.
fn capture_output(t: &Map<String, Value>, name: &str, value: impl FnOnce() -> Value) -> bool {
    CAPTURE.with(|c| match c.borrow_mut().as_mut() {
        Some(records) => {
            records.push(Captured {
                object: t as *const Map<String, Value> as usize,
                field: name.to_string(),
                value: value(),
            });
            true
        }
        None => false,
    })
}

/// Compares an output with the test's expectation, if the test states it (in capture mode, see
/// [`capture`], records it instead).
pub fn expect_hex(
    t: &Map<String, Value>,
    name: &str,
    actual: impl AsRef<[u8]>,
) -> Result<(), String> {
    if capture_output(t, name, || Value::String(hex(actual.as_ref()))) {
        return Ok(());
    }
    if t.contains_key(name) {
        let want = hex_field(t, name)?;
        if want != actual.as_ref() {
            return Err(format!(
                "`{name}`: expected {}, computed {}",
                hex(want),
                hex(actual)
            ));
        }
    }
    Ok(())
}

/// Compares a JSON output with the test's expectation, if the test states it.
///
/// Every output a handler computes MUST go through this function, [`expect_hex`] or
/// [`expect_outputs`], called on the test object (or a step or list entry inside it) that the
/// handler was given, never on a copy: the reference testee (`spec/conformance.md`) runs the
/// handlers on inputs alone and collects the outputs through these three functions.
#[allow(dead_code)] // until every protocol's handlers use it
pub fn expect_value(t: &Map<String, Value>, name: &str, actual: Value) -> Result<(), String> {
    if capturing() {
        capture_output(t, name, || actual);
        return Ok(());
    }
    match t.get(name) {
        Some(want) if *want != actual => {
            Err(format!("`{name}`: expected {want}, computed {actual}"))
        }
        _ => Ok(()),
    }
}

/// Compares every output a state-machine step produced with the step's stated outputs; unlike
/// [`expect_value`], an output the step does not state is a failure (`step lacks output`), so a
/// vector cannot silently omit what a step yields. Same rule as [`expect_value`]: call it on the
/// step object inside the test the handler was given.
#[allow(dead_code)] // until every protocol's handlers use it
pub fn expect_outputs(step: &Map<String, Value>, got: Map<String, Value>) -> Result<(), String> {
    if capturing() {
        for (k, v) in got {
            capture_output(step, &k, || v);
        }
        return Ok(());
    }
    for (k, v) in got {
        match step.get(&k) {
            Some(want) if *want != v => {
                return Err(format!("`{k}`: expected {want}, computed {v}"));
            }
            Some(_) => {}
            None => return Err(format!("step lacks output `{k}`")),
        }
    }
    Ok(())
}

/// Lint findings for one file (`spec/vectors.md §4`); empty when the file is well-formed.
pub fn lint(file: &Value, known_codes: Option<&[&'static str]>) -> Vec<String> {
    let mut problems = Vec::new();
    for key in [
        "schema",
        "protocol",
        "spec",
        "source",
        "numberOfTests",
        "notes",
        "testGroups",
    ] {
        if file.get(key).is_none() {
            problems.push(format!("envelope lacks `{key}`"));
        }
    }
    let notes = file.get("notes").and_then(Value::as_object);
    for (flag, note) in notes.into_iter().flatten() {
        if note.get("bugType").and_then(Value::as_str).is_none()
            || note.get("description").and_then(Value::as_str).is_none()
        {
            problems.push(format!("note `{flag}` lacks bugType or description"));
        }
    }
    let mut ids = BTreeSet::new();
    let mut count = 0u64;
    let mut used_flags = BTreeSet::new();
    let groups = file.get("testGroups").and_then(Value::as_array);
    for group in groups.into_iter().flatten() {
        if group.get("type").and_then(Value::as_str).is_none() {
            problems.push("a test group lacks `type`".into());
        }
        for test in group
            .get("tests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            count += 1;
            let id = test.get("tcId").and_then(Value::as_u64);
            match id {
                Some(id) if !ids.insert(id) => problems.push(format!("tcId {id} is not unique")),
                None => problems.push("a test lacks a numeric `tcId`".into()),
                _ => {}
            }
            let id = id.unwrap_or(0);
            for key in ["comment", "flags", "result"] {
                if test.get(key).is_none() {
                    problems.push(format!("tcId {id}: lacks `{key}`"));
                }
            }
            for flag in test
                .get("flags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let flag = flag.as_str().unwrap_or_default();
                used_flags.insert(flag.to_string());
                if !notes.is_some_and(|n| n.contains_key(flag)) {
                    problems.push(format!("tcId {id}: flag `{flag}` is not defined in notes"));
                }
            }
            let result = test
                .get("result")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !["valid", "invalid", "acceptable"].contains(&result) {
                problems.push(format!(
                    "tcId {id}: result `{result}` is not valid/invalid/acceptable"
                ));
            }
            if let Some(codes) = known_codes {
                match (result, test.get("error").and_then(Value::as_str)) {
                    ("invalid", None) => {
                        problems.push(format!("tcId {id}: invalid test without `error`"))
                    }
                    (_, Some(code)) if !codes.contains(&code) => problems.push(format!(
                        "tcId {id}: error `{code}` is not in the spec's table"
                    )),
                    _ => {}
                }
            }
        }
    }
    if file.get("numberOfTests").and_then(Value::as_u64) != Some(count) {
        problems.push(format!("numberOfTests is not {count}"));
    }
    for flag in notes.into_iter().flatten().map(|(f, _)| f) {
        if !used_flags.contains(flag) {
            problems.push(format!("note `{flag}` is defined but never used"));
        }
    }
    problems
}

/// The outcome of checking one test.
pub struct TestOutcome {
    /// Test id.
    pub tc_id: u64,
    /// `None` when the test passed, else why it failed.
    pub failure: Option<String>,
}

/// Checks one test against a handler's verdict (`spec/vectors.md §3`).
pub fn check_test(handler: Handler, group: &Group, test: &Test) -> TestOutcome {
    let tc_id = test.get("tcId").and_then(Value::as_u64).unwrap_or(0);
    let expected = test.get("result").and_then(Value::as_str).unwrap_or("");
    let want_error = test.get("error").and_then(Value::as_str);
    let failure = match (expected, handler(group, test)) {
        (_, Err(reason)) => Some(reason),
        ("valid" | "acceptable", Ok(Verdict::Valid)) => None,
        ("acceptable", Ok(Verdict::Invalid(_))) => None,
        ("valid", Ok(Verdict::Invalid(code))) => {
            Some(format!("rejected with {code}, expected valid"))
        }
        ("invalid", Ok(Verdict::Valid)) => Some(format!(
            "accepted, expected rejection with {}",
            want_error.unwrap_or("any error")
        )),
        ("invalid", Ok(Verdict::Invalid(code))) => match want_error {
            Some(want) if want != code => Some(format!("rejected with {code}, expected {want}")),
            _ => None,
        },
        (other, _) => Some(format!("unknown result `{other}`")),
    };
    TestOutcome { tc_id, failure }
}
