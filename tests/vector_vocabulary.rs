//! The vocabulary of every vector group type is defined in its protocol's spec, and the JSON
//! Schemas say the same (`spec/vectors.md §9`).
//!
//! For every schema `vectors/schema/<group-type>_v1.json`, the spec section headed "Test vectors"
//! that has a subsection naming `<group-type>` in backticks must have a field table
//! (`| field | role | type | meaning |`) with exactly one row per property the schema names (group
//! parameters as `group.<name>`, test fields as `<name>`, fields of list entries as
//! `<list>[].<name>`), and the same role: a property is an output in the table if and only if the
//! schema marks it `"x-role": "output"`. State-machine types (a `steps` list) also need an op table
//! (`| op | inputs | outputs | `expect` values |`), listing exactly the ops the schema enumerates.
//!
//! Protocols whose specs are not converted yet are listed in [`PENDING`]; each owner removes their
//! protocol once its tables and schemas agree (the test tells them when that is the case).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Protocols whose "Test vectors" sections and schemas are not yet converted to the format of
/// `spec/vectors.md §9`. Shrinks to empty: remove your protocol when this test passes without it.
const PENDING: &[&str] = &[];

/// Fields defined once by `spec/vectors.md §3` (tests) and §2 (groups); tables do not repeat them.
const COMMON_TEST_FIELDS: &[&str] = &["tcId", "comment", "flags", "result", "error"];
const COMMON_GROUP_FIELDS: &[&str] = &["type", "tests"];

const FIELD_HEADER: &str = "| field | role | type | meaning |";
const OP_HEADER: &str = "| op | inputs | outputs | `expect` values |";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Input,
    Output,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Input => "input",
            Role::Output => "output",
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ------------------------------------------------------------------------------------------------
// The specs' tables

/// One row of a field table.
#[derive(Debug)]
struct Row {
    role: Role,
    ty: String,
}

/// What one spec says about one group type.
#[derive(Debug, Default)]
struct SpecType {
    /// `spec/<file>.md` and the subsection heading, for messages.
    place: String,
    fields: BTreeMap<String, Row>,
    /// The ops of the op table, if the subsection has one.
    ops: Option<BTreeSet<String>>,
}

/// The text between the first pair of backticks in `cell`, if the cell is exactly that.
fn code_cell(cell: &str) -> Option<&str> {
    let inner = cell.trim().strip_prefix('`')?.strip_suffix('`')?;
    (!inner.contains('`')).then_some(inner)
}

fn cells(line: &str) -> Vec<&str> {
    let trimmed = line.trim();
    let inner = trimmed
        .strip_prefix('|')
        .and_then(|l| l.strip_suffix('|'))
        .unwrap_or("");
    inner.split('|').map(str::trim).collect()
}

fn is_separator(line: &str) -> bool {
    let l = line.trim();
    l.starts_with('|') && l.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Whether `ty` is one of the types of `spec/vectors.md §9`.
fn valid_type(ty: &str) -> bool {
    let base = ["hex", "number", "u64", "bool", "string", "object"];
    if base.contains(&ty) {
        return true;
    }
    if let Some(n) = ty.strip_prefix("hex ") {
        return n.parse::<usize>().is_ok_and(|n| n > 0);
    }
    if let Some(inner) = ty.strip_prefix("list of ") {
        return valid_type(inner);
    }
    false
}

/// Parses every spec's "Test vectors" section: group type → its tables. Problems with the tables
/// themselves (bad roles, repeated rows, tables outside a group-type subsection) go to `problems`.
fn spec_types(problems: &mut Vec<String>) -> BTreeMap<String, SpecType> {
    let mut out: BTreeMap<String, SpecType> = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("spec"))
        .expect("spec/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    for path in files {
        let name = format!(
            "spec/{}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("?")
        );
        let text = std::fs::read_to_string(&path).expect("readable spec");
        parse_spec(&name, &text, &mut out, problems);
    }
    out
}

fn parse_spec(
    name: &str,
    text: &str,
    out: &mut BTreeMap<String, SpecType>,
    problems: &mut Vec<String>,
) {
    let mut in_vectors = false;
    let mut current: Option<String> = None;
    let mut table: Option<&'static str> = None;
    let mut fenced = false;
    for (number, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", number + 1);
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            table = None;
            continue;
        }
        if fenced {
            continue;
        }
        if let Some(heading) = line.strip_prefix("## ") {
            in_vectors = heading.contains("Test vectors");
            current = None;
            table = None;
            continue;
        }
        if let Some(heading) = line.strip_prefix("### ").or(line.strip_prefix("#### ")) {
            table = None;
            current = None;
            if in_vectors {
                // The group type is the first backticked word of the heading.
                if let Some(ty) = heading.split('`').nth(1) {
                    if out.contains_key(ty) {
                        problems.push(format!(
                            "{at}: group type `{ty}` has a second subsection (first at {}); keep one",
                            out[ty].place
                        ));
                    }
                    out.insert(
                        ty.to_string(),
                        SpecType {
                            place: format!("{at} (\"### {heading}\")"),
                            ..SpecType::default()
                        },
                    );
                    current = Some(ty.to_string());
                }
            }
            continue;
        }
        let trimmed = line.trim();
        if trimmed == FIELD_HEADER || trimmed == OP_HEADER {
            let Some(ty) = current.as_ref() else {
                problems.push(format!(
                    "{at}: a field or op table outside a subsection naming a group type in backticks under a \"Test vectors\" heading; move it there (spec/vectors.md §9)"
                ));
                table = None;
                continue;
            };
            let entry = out.get_mut(ty).expect("current type");
            if trimmed == FIELD_HEADER {
                if !entry.fields.is_empty() {
                    problems.push(format!("{at}: `{ty}` has a second field table; merge them"));
                }
                table = Some("field");
            } else {
                entry.ops.get_or_insert_with(BTreeSet::new);
                table = Some("op");
            }
            continue;
        }
        if !trimmed.starts_with('|') {
            table = None;
            continue;
        }
        if is_separator(trimmed) {
            continue;
        }
        let (Some(kind), Some(ty)) = (table, current.as_ref()) else {
            continue;
        };
        let entry = out.get_mut(ty).expect("current type");
        let row = cells(trimmed);
        match kind {
            "field" => {
                let Some(field) = row.first().and_then(|c| code_cell(c)) else {
                    problems.push(format!(
                        "{at}: the first cell of a field-table row must be a field path in backticks"
                    ));
                    continue;
                };
                if row.len() != 4 {
                    problems.push(format!(
                        "{at}: `{field}`: a field-table row has four cells (field, role, type, meaning)"
                    ));
                    continue;
                }
                let role = match row[1] {
                    "input" => Role::Input,
                    "output" => Role::Output,
                    other => {
                        problems.push(format!(
                            "{at}: `{field}`: role `{other}` is neither `input` nor `output`"
                        ));
                        continue;
                    }
                };
                if !valid_type(row[2]) {
                    problems.push(format!(
                        "{at}: `{field}`: type `{}` is not one of `hex N`, `hex`, `number`, `u64`, `bool`, `string`, `list of …`, `object` (spec/vectors.md §9)",
                        row[2]
                    ));
                }
                if row[3].is_empty() {
                    problems.push(format!("{at}: `{field}`: the meaning is empty"));
                }
                if COMMON_TEST_FIELDS.contains(&field)
                    || field
                        .strip_prefix("group.")
                        .is_some_and(|g| COMMON_GROUP_FIELDS.contains(&g))
                {
                    problems.push(format!(
                        "{at}: `{field}` is defined by spec/vectors.md §2–§3; remove the row"
                    ));
                    continue;
                }
                let previous = entry.fields.insert(
                    field.to_string(),
                    Row {
                        role,
                        ty: row[2].to_string(),
                    },
                );
                if previous.is_some() {
                    problems.push(format!("{at}: `{field}` has two rows"));
                }
            }
            _ => {
                if let Some(op) = row.first().and_then(|c| code_cell(c)) {
                    entry
                        .ops
                        .get_or_insert_with(BTreeSet::new)
                        .insert(op.to_string());
                } else {
                    problems.push(format!(
                        "{at}: the first cell of an op-table row must be the op in backticks"
                    ));
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// The schemas

/// What one schema says about its group type.
#[derive(Debug, Default)]
struct SchemaType {
    file: String,
    fields: BTreeMap<String, SchemaField>,
    ops: Option<BTreeSet<String>>,
}

#[derive(Debug)]
struct SchemaField {
    role: Role,
    /// The byte length the schema pins, if it does (a `hex16`/`hex32` reference or a fixed
    /// pattern).
    hex_len: Option<usize>,
}

/// Resolves a local `$ref` (`#/...`) inside `doc`; other references are left alone.
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    for _ in 0..16 {
        let Some(r) = node.get("$ref").and_then(Value::as_str) else {
            return node;
        };
        let Some(pointer) = r.strip_prefix('#') else {
            return node;
        };
        match doc.pointer(pointer) {
            Some(target) if target.get("properties").is_some() || target.get("$ref").is_some() => {
                node = target
            }
            Some(target) => return target,
            None => return node,
        }
    }
    node
}

/// The schemas merged into `node`: itself and its `allOf`/`anyOf`/`oneOf`/`then`/`else` parts.
fn parts<'a>(doc: &'a Value, node: &'a Value, out: &mut Vec<&'a Value>) {
    let node = resolve(doc, node);
    out.push(node);
    for key in ["allOf", "anyOf", "oneOf"] {
        for sub in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            parts(doc, sub, out);
        }
    }
    for key in ["then", "else"] {
        if let Some(sub) = node.get(key) {
            parts(doc, sub, out);
        }
    }
}

/// The properties of `node` (merged over its parts), by name.
fn properties<'a>(doc: &'a Value, node: &'a Value) -> BTreeMap<String, Vec<&'a Value>> {
    let mut all = Vec::new();
    parts(doc, node, &mut all);
    let mut out: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for part in all {
        for (name, sub) in part
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            out.entry(name.clone()).or_default().push(sub);
        }
    }
    out
}

fn hex_len(doc: &Value, node: &Value) -> Option<usize> {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        if let Some(n) = r.strip_suffix("#/$defs/hex16").map(|_| 16) {
            return Some(n);
        }
        if r.ends_with("#/$defs/hex32") {
            return Some(32);
        }
    }
    let node = resolve(doc, node);
    let pattern = node.get("pattern").and_then(Value::as_str)?;
    let digits = pattern
        .strip_prefix("^[0-9a-f]{")?
        .strip_suffix("}$")?
        .parse::<usize>()
        .ok()?;
    Some(digits / 2)
}

/// Walks the properties of `node`, recording each as `prefix + name`, descending into lists of
/// objects (`name[].`) and objects (`name.`).
fn walk(
    doc: &Value,
    node: &Value,
    prefix: &str,
    skip: &[&str],
    out: &mut BTreeMap<String, SchemaField>,
    ops: &mut Option<BTreeSet<String>>,
) {
    for (name, subs) in properties(doc, node) {
        if skip.contains(&name.as_str()) {
            continue;
        }
        let path = format!("{prefix}{name}");
        let output = subs
            .iter()
            .any(|s| s.get("x-role").and_then(Value::as_str) == Some("output"));
        let len = subs.iter().find_map(|s| hex_len(doc, s));
        out.insert(
            path.clone(),
            SchemaField {
                role: if output { Role::Output } else { Role::Input },
                hex_len: len,
            },
        );
        if name == "op" {
            for sub in &subs {
                let sub = resolve(doc, sub);
                let listed: Vec<String> = sub
                    .get("enum")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .chain(sub.get("const"))
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                if !listed.is_empty() {
                    ops.get_or_insert_with(BTreeSet::new).extend(listed);
                }
            }
        }
        for sub in subs {
            let sub = resolve(doc, sub);
            if let Some(items) = sub.get("items") {
                walk(doc, items, &format!("{path}[]."), &[], out, ops);
            }
            if sub.get("properties").is_some() {
                walk(doc, sub, &format!("{path}."), &[], out, ops);
            }
        }
    }
}

/// The group schema of a vector-file schema: `properties.testGroups.items`.
fn group_schema(doc: &Value) -> Option<&Value> {
    let groups = properties(doc, doc).remove("testGroups")?;
    groups
        .into_iter()
        .map(|g| resolve(doc, g))
        .find_map(|g| g.get("items"))
}

fn schema_types(problems: &mut Vec<String>) -> BTreeMap<String, SchemaType> {
    let mut out = BTreeMap::new();
    let dir = root().join("vectors/schema");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("vectors/schema/")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with("_v1.json") && n != "common_v1.json")
        })
        .collect();
    files.sort();
    for path in files {
        let file = format!(
            "vectors/schema/{}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("?")
        );
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
            .unwrap_or_else(|e| panic!("{file}: not JSON: {e}"));
        let Some(group) = group_schema(&doc) else {
            problems.push(format!("{file}: no `testGroups.items` schema found"));
            continue;
        };
        let group_props = properties(&doc, group);
        let name = group_props
            .get("type")
            .into_iter()
            .flatten()
            .find_map(|t| resolve(&doc, t).get("const").and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or_else(|| type_from_file_name(&path));
        let mut ty = SchemaType {
            file: file.clone(),
            ..SchemaType::default()
        };
        let mut group_fields = BTreeMap::new();
        walk(
            &doc,
            group,
            "group.",
            COMMON_GROUP_FIELDS,
            &mut group_fields,
            &mut ty.ops,
        );
        ty.fields.extend(group_fields);
        for tests in group_props.get("tests").into_iter().flatten() {
            if let Some(items) = resolve(&doc, tests).get("items") {
                walk(
                    &doc,
                    items,
                    "",
                    COMMON_TEST_FIELDS,
                    &mut ty.fields,
                    &mut ty.ops,
                );
            }
        }
        if type_from_file_name(&path) != name {
            problems.push(format!(
                "{file}: the file name says group type `{}`, the schema says `{name}`",
                type_from_file_name(&path)
            ));
        }
        out.insert(name, ty);
    }
    out
}

fn type_from_file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix("_v1.json"))
        .unwrap_or("?")
        .to_string()
}

/// The protocol a group type belongs to: the part of its name before the first `-`.
fn protocol_of(group_type: &str) -> &str {
    group_type.split('-').next().unwrap_or(group_type)
}

// ------------------------------------------------------------------------------------------------
// The comparison

/// Every difference between one group type's table and its schema, as instructions.
fn compare(name: &str, spec: Option<&SpecType>, schema: &SchemaType) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(spec) = spec else {
        problems.push(format!(
            "`{name}` ({}) has no subsection in any spec: add \"### … `{name}`\" with a field table `{FIELD_HEADER}` to the protocol's \"Test vectors\" section (spec/vectors.md §9)",
            schema.file
        ));
        return problems;
    };
    for (path, field) in &schema.fields {
        match spec.fields.get(path) {
            None => problems.push(format!(
                "`{name}`: {} names `{path}` but the field table at {} has no row for it: add `| `{path}` | {} | … | … |`, or remove the property from the schema",
                schema.file,
                spec.place,
                field.role.name()
            )),
            Some(row) if row.role != field.role => problems.push(format!(
                "`{name}`: `{path}` is `{}` in the table at {} but `{}` in {}: {}",
                row.role.name(),
                spec.place,
                field.role.name(),
                schema.file,
                match row.role {
                    Role::Output => "add `\"x-role\": \"output\"` beside its type in the schema, or make the row `input`",
                    Role::Input => "remove its `\"x-role\": \"output\"` from the schema, or make the row `output`",
                }
            )),
            Some(row) => {
                if let (Some(n), Some(m)) = (row.ty.strip_prefix("hex "), field.hex_len) {
                    if n.parse::<usize>().ok() != Some(m) {
                        problems.push(format!(
                            "`{name}`: `{path}` is `{}` in the table at {} but {m} bytes in {}",
                            row.ty, spec.place, schema.file
                        ));
                    }
                }
            }
        }
    }
    for path in spec.fields.keys() {
        if !schema.fields.contains_key(path) {
            problems.push(format!(
                "`{name}`: the table at {} has a row `{path}` that {} does not name: add the property to the schema, or remove the row",
                spec.place, schema.file
            ));
        }
    }
    // A list of objects is an input if any of its entries' fields is (spec/vectors.md §9).
    for (path, row) in &spec.fields {
        let children: Vec<&Row> = spec
            .fields
            .iter()
            .filter(|(p, _)| {
                p.strip_prefix(path.as_str())
                    .and_then(|rest| rest.strip_prefix("[]."))
                    .is_some_and(|rest| !rest.contains("[]."))
            })
            .map(|(_, r)| r)
            .collect();
        if children.is_empty() {
            continue;
        }
        let want = if children.iter().any(|r| r.role == Role::Input) {
            Role::Input
        } else {
            Role::Output
        };
        if row.role != want {
            problems.push(format!(
                "`{name}`: the list `{path}` at {} is `{}`, but a list of objects is `input` exactly when one of its entries' fields is: make it `{}`",
                spec.place,
                row.role.name(),
                want.name()
            ));
        }
    }
    let has_steps = schema.fields.contains_key("steps");
    match (&spec.ops, &schema.ops) {
        (None, _) if has_steps => problems.push(format!(
            "`{name}`: a state-machine type (it has `steps`) needs an op table `{OP_HEADER}` at {}",
            spec.place
        )),
        (Some(table), Some(listed)) if table != listed => problems.push(format!(
            "`{name}`: the op table at {} lists {table:?} but {} allows {listed:?}: make them equal",
            spec.place, schema.file
        )),
        _ => {}
    }
    problems
}

#[test]
fn every_schema_property_is_defined_in_its_spec_with_the_same_role() {
    let mut table_problems = Vec::new();
    let specs = spec_types(&mut table_problems);
    let schemas = schema_types(&mut table_problems);
    let mut problems: Vec<String> = table_problems
        .into_iter()
        .filter(|p| {
            !PENDING
                .iter()
                .any(|proto| p.contains(&format!("spec/{proto}")))
        })
        .collect();
    let mut pending_clean: BTreeSet<&str> = PENDING.iter().copied().collect();
    let mut pending_seen = BTreeSet::new();
    for (name, schema) in &schemas {
        let protocol = protocol_of(name);
        let found = compare(name, specs.get(name), schema);
        if PENDING.contains(&protocol) {
            pending_seen.insert(protocol);
            if !found.is_empty() {
                pending_clean.remove(protocol);
            }
        } else {
            problems.extend(found);
        }
    }
    for (name, spec) in &specs {
        if !schemas.contains_key(name) && !PENDING.contains(&protocol_of(name)) {
            problems.push(format!(
                "{} documents group type `{name}`, but vectors/schema/{name}_v1.json does not exist: add the schema or fix the name",
                spec.place
            ));
        }
    }
    for protocol in pending_clean.intersection(&pending_seen) {
        problems.push(format!(
            "`{protocol}` is in PENDING (tests/vector_vocabulary.rs) but its tables and schemas agree: remove it from PENDING"
        ));
    }
    assert!(
        problems.is_empty(),
        "the vector vocabulary in spec/ and vectors/schema/ differ (spec/vectors.md §9); fix each:\n  - {}",
        problems.join("\n  - ")
    );
}

/// The parser finds the tables it is meant to find: a guard against a test that passes because
/// it reads nothing.
#[test]
fn the_converted_protocols_are_parsed() {
    let mut problems = Vec::new();
    let specs = spec_types(&mut problems);
    let schemas = schema_types(&mut problems);
    let ratchet = &specs["tcn-ratchet"];
    assert_eq!(ratchet.fields["nextTck"].role, Role::Output);
    assert_eq!(ratchet.fields["index"].role, Role::Input);
    assert_eq!(specs["tcn-key-schedule"].fields["chain[].tcn"].ty, "hex 16");
    assert_eq!(
        schemas["tcn-key-schedule"].fields["chain[].tcn"].role,
        Role::Output
    );
    assert_eq!(
        schemas["tcn-key-schedule"].fields["chain[].tcn"].hex_len,
        Some(16)
    );
    assert_eq!(
        schemas["tcn-batch-verify"].fields["reports[].verdict"].role,
        Role::Output
    );
    assert!(specs.contains_key("ed25519-verify"));
    assert!(schemas.len() >= 40, "schemas missing: {}", schemas.len());
}

/// A schema property the table lacks, a role that differs and a list with the wrong role are
/// each reported, with what to do.
#[test]
fn differences_are_reported_with_a_fix() {
    let mut problems = Vec::new();
    let mut specs = BTreeMap::new();
    parse_spec(
        "spec/x.md",
        "## 9. Test vectors\n\n### 9.1 `x-demo`\n\n| field | role | type | meaning |\n|---|---|---|---|\n| `a` | input | hex 32 | a |\n| `b` | input | number | b |\n| `l` | output | list of object | l |\n| `l[].c` | input | string | c |\n",
        &mut specs,
        &mut problems,
    );
    assert!(problems.is_empty(), "{problems:?}");
    let schema_doc: Value = serde_json::json!({
        "properties": {"testGroups": {"items": {"properties": {
            "type": {"const": "x-demo"},
            "tests": {"items": {"properties": {
                "a": {"$ref": "common_v1.json#/$defs/hex16"},
                "b": {"type": "integer", "x-role": "output"},
                "d": {"type": "string"},
                "l": {"type": "array", "items": {"properties": {"c": {"type": "string"}}}}
            }}}
        }}}}
    });
    let group = group_schema(&schema_doc).unwrap();
    let mut schema = SchemaType {
        file: "vectors/schema/x-demo_v1.json".into(),
        ..SchemaType::default()
    };
    for tests in properties(&schema_doc, group)
        .get("tests")
        .into_iter()
        .flatten()
    {
        walk(
            &schema_doc,
            tests.get("items").unwrap(),
            "",
            COMMON_TEST_FIELDS,
            &mut schema.fields,
            &mut schema.ops,
        );
    }
    let found = compare("x-demo", specs.get("x-demo"), &schema).join("\n");
    assert!(found.contains("`a` is `hex 32`"), "{found}");
    assert!(
        found.contains("`b` is `input`") && found.contains("remove its"),
        "{found}"
    );
    assert!(
        found.contains("names `d`") && found.contains("add `| `d` | input"),
        "{found}"
    );
    assert!(
        found.contains("the list `l`") && found.contains("make it `input`"),
        "{found}"
    );
}
