//! `conformance`: generates the committed test vectors, lints vector files, checks any vector
//! file against the `contact-tracing` library, and drives other implementations through the
//! testee protocol (`spec/vectors.md`, `spec/conformance.md`, `conformance/README.md`).
//!
//! ```text
//! cargo run -p conformance -- check [FILES...]      # default: every file under vectors/
//! cargo run -p conformance -- check --impl CMD [--expect FILE] [--report FILE.md] [FILES...]
//! cargo run -p conformance -- fuzz --impl CMD [--seconds N] [--type T] [--seed S] [--out DIR]
//! cargo run -p conformance -- ct --impl CMD [--samples N] [--operation OP]
//! cargo run -p conformance -- testee                # this library as a testee, on stdin/stdout
//! cargo run -p conformance -- roles [--check]       # input/output roles of every group type
//! cargo run -p conformance -- lint [FILES...]
//! cargo run -p conformance -- generate [--check]    # --check: fail if a byte would change
//! ```

// Vector generators take many explicit inputs by design (every random value is an input).
#![allow(clippy::too_many_arguments, clippy::type_complexity)]

mod encounter;
mod event;
mod geo;
mod mix;
mod nym;
mod runner;
mod tcn;
mod vector;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;
use vector::{check_test, lint, Protocol};

/// Every protocol the runner knows, in the order of the report.
fn protocols() -> Vec<Protocol> {
    vec![
        tcn::protocol(),
        encounter::protocol(),
        mix::protocol(),
        nym::protocol(),
        event::protocol(),
        geo::protocol(),
    ]
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => ("check", &[][..]),
    };
    let result = match command {
        "check"
            if rest
                .iter()
                .any(|a| a == "--impl" || a.starts_with("--impl=")) =>
        {
            runner::check::command(rest)
        }
        "check" => run_check(rest),
        "testee" => runner::testee::serve(),
        "fuzz" => runner::fuzz::command(rest),
        "ct" => runner::ct::command(rest),
        "roles" => run_roles(rest.iter().any(|a| a == "--check")),
        "lint" => run_lint(rest),
        "generate" => run_generate(rest.iter().any(|a| a == "--check")),
        _ => Err(format!(
            "unknown command `{command}`; use check, testee, fuzz, ct, roles, lint or generate"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The given files, or every `*.json` under `vectors/` outside `vectors/schema/`.
fn vector_files(args: &[String]) -> Result<Vec<PathBuf>, String> {
    if !args.is_empty() {
        return Ok(args.iter().map(PathBuf::from).collect());
    }
    let mut files = Vec::new();
    let mut stack = vec![repo_root().join("vectors")];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && path.file_name().is_some_and(|n| n != "schema") {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json")
                && path.file_name().is_some_and(|n| n != "index.json")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn load(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<(String, u64, String)>,
}

fn run_check(args: &[String]) -> Result<(), String> {
    let protocols = protocols();
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut unknown_types = Vec::new();
    let files = vector_files(args)?;
    if files.is_empty() {
        return Err("no vector files found".into());
    }
    for path in &files {
        let file = load(path)?;
        let protocol_name = file
            .get("protocol")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        let groups = file
            .get("testGroups")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for group in groups {
            let Some(group) = group.as_object() else {
                continue;
            };
            let group_type = group
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let Some(handler) = protocols.iter().find_map(|p| (p.handler)(&group_type)) else {
                unknown_types.push(format!(
                    "{}: unknown group type `{group_type}`",
                    path.display()
                ));
                continue;
            };
            let tally = tallies
                .entry((protocol_name.clone(), group_type.clone()))
                .or_default();
            let tests = group
                .get("tests")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for test in tests {
                let Some(test) = test.as_object() else {
                    continue;
                };
                let outcome = check_test(handler, group, test);
                match outcome.failure {
                    None => tally.passed += 1,
                    Some(why) => {
                        tally
                            .failed
                            .push((path.display().to_string(), outcome.tc_id, why))
                    }
                }
            }
        }
    }
    println!(
        "{:<12} {:<28} {:>7} {:>7}  failing tcIds",
        "protocol", "operation", "passed", "failed"
    );
    let mut total_failed = 0;
    let mut total_passed = 0;
    for ((protocol, group_type), tally) in &tallies {
        let ids: Vec<String> = tally
            .failed
            .iter()
            .map(|(_, id, _)| id.to_string())
            .collect();
        println!(
            "{protocol:<12} {group_type:<28} {:>7} {:>7}  {}",
            tally.passed,
            tally.failed.len(),
            ids.join(",")
        );
        total_failed += tally.failed.len();
        total_passed += tally.passed;
    }
    for tally in tallies.values() {
        for (file, id, why) in &tally.failed {
            println!("FAIL {file} tcId {id}: {why}");
        }
    }
    for u in &unknown_types {
        println!("FAIL {u}");
    }
    println!("{total_passed} passed, {total_failed} failed");
    if total_failed > 0 || !unknown_types.is_empty() {
        return Err(format!(
            "{total_failed} failing tests, {} unknown group types",
            unknown_types.len()
        ));
    }
    Ok(())
}

/// Prints the output fields of every group type, where their roles come from, and the
/// disagreements between the schema annotations and the reference handler (`--check`: fail on
/// any).
fn run_roles(check: bool) -> Result<(), String> {
    let mut book = runner::RoleBook::new(&[]);
    let mut problems = 0;
    for t in book.known_types() {
        let Some(r) = book.get(&t) else {
            println!("{t}: no schema roles and no reference handler");
            problems += 1;
            continue;
        };
        let source = match r.roles.source {
            runner::roles::RoleSource::Schema => "schema",
            runner::roles::RoleSource::Captured => "captured (schema not annotated yet)",
        };
        let outputs: Vec<&str> = r.roles.outputs.iter().map(String::as_str).collect();
        println!("{t} [{source}]: {}", outputs.join(", "));
        for p in &r.problems {
            println!("  problem: {p}");
            problems += 1;
        }
    }
    if check && problems > 0 {
        return Err(format!("{problems} role problems"));
    }
    Ok(())
}

fn run_lint(args: &[String]) -> Result<(), String> {
    let protocols = protocols();
    let mut bad = 0;
    for path in vector_files(args)? {
        let file = load(&path)?;
        let name = file.get("protocol").and_then(Value::as_str).unwrap_or("");
        let codes = protocols
            .iter()
            .find(|p| p.name == name)
            .map(|p| (p.error_codes)());
        for problem in lint(&file, codes.as_deref()) {
            println!("{}: {problem}", path.display());
            bad += 1;
        }
    }
    if bad > 0 {
        return Err(format!("{bad} lint problems"));
    }
    println!("lint: clean");
    Ok(())
}

/// Canonical file text: two-space pretty JSON and a final newline.
fn render(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// `spec/labels.md` with its registry table regenerated from `contact_tracing::labels`, between
/// the markers `<!-- registry:begin -->` and `<!-- registry:end -->`.
fn with_label_registry(doc: &str) -> Result<String, String> {
    const BEGIN: &str = "<!-- registry:begin -->";
    const END: &str = "<!-- registry:end -->";
    let (head, rest) = doc
        .split_once(BEGIN)
        .ok_or("spec/labels.md lacks the registry:begin marker")?;
    let (_, tail) = rest
        .split_once(END)
        .ok_or("spec/labels.md lacks the registry:end marker")?;
    let mut table = String::from("\n| protocol | bytes (ASCII) | defined in |\n|---|---|---|\n");
    for (protocol, label) in contact_tracing::labels::all() {
        let ascii = String::from_utf8_lossy(label.bytes);
        table.push_str(&format!("| {protocol} | `{ascii}` | `{}` |\n", label.spec));
    }
    Ok(format!("{head}{BEGIN}{table}{END}{tail}"))
}

fn run_generate(check_only: bool) -> Result<(), String> {
    let root = repo_root();
    let mut outputs: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for p in protocols() {
        for (path, file) in (p.generate)() {
            let codes = (p.error_codes)();
            let problems = lint(&file, Some(&codes));
            if !problems.is_empty() {
                return Err(format!("generated {path} fails lint: {problems:?}"));
            }
            outputs.push((root.join("vectors").join(path), render(&file).into_bytes()));
        }
        for (target, name, bytes) in (p.corpus)() {
            outputs.push((root.join("fuzz/corpus").join(target).join(name), bytes));
        }
    }
    let labels_doc = root.join("spec/labels.md");
    let current =
        std::fs::read_to_string(&labels_doc).map_err(|e| format!("spec/labels.md: {e}"))?;
    outputs.push((labels_doc, with_label_registry(&current)?.into_bytes()));
    let mut stale = 0;
    for (path, bytes) in &outputs {
        let current = std::fs::read(path).ok();
        if current.as_deref() == Some(bytes.as_slice()) {
            continue;
        }
        stale += 1;
        if check_only {
            println!("differs: {}", path.display());
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    if check_only && stale > 0 {
        return Err(format!("{stale} generated files differ from the committed ones; run `cargo run -p conformance -- generate`"));
    }
    println!(
        "generate: {} files, {} {}",
        outputs.len(),
        stale,
        if check_only { "differ" } else { "written" }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed vectors pass, lint clean, and regenerate byte-for-byte.
    #[test]
    fn committed_vectors_pass_and_are_current() {
        run_lint(&[]).unwrap();
        run_check(&[]).unwrap();
        run_generate(true).unwrap();
    }

    /// Every error code a protocol defines has a negative vector, unless its spec's error table
    /// marks it as API-only (a row that says "API only").
    #[test]
    fn every_error_code_has_a_vector() {
        for p in protocols() {
            let files = (p.generate)();
            if files.is_empty() {
                continue;
            }
            let mut used = std::collections::BTreeSet::new();
            for (_, file) in &files {
                for group in file["testGroups"].as_array().into_iter().flatten() {
                    for test in group["tests"].as_array().into_iter().flatten() {
                        collect_errors(test, &mut used);
                    }
                }
            }
            let doc = if p.name == "event" { "events" } else { p.name };
            let spec = std::fs::read_to_string(repo_root().join(format!("spec/{doc}.md"))).unwrap();
            for code in (p.error_codes)() {
                let api_only = spec.lines().any(|l| {
                    l.contains(&format!("`{code}`"))
                        && l.to_lowercase().replace('-', " ").contains("api only")
                });
                assert!(
                    used.contains(code) || api_only,
                    "{}: error code {code} has no vector",
                    p.name
                );
            }
        }
    }

    /// Error codes anywhere in a test, including inside state-machine `steps`.
    fn collect_errors(value: &Value, out: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "error" || k == "expectError" {
                        if let Some(code) = v.as_str() {
                            out.insert(code.to_string());
                        }
                    }
                    collect_errors(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_errors(v, out)),
            _ => {}
        }
    }

    /// The checker fails, naming the test, on a file with one altered byte.
    #[test]
    fn one_altered_byte_fails_with_its_tc_id() {
        let path = repo_root().join("vectors/tcn/report_create_test.json");
        let text = std::fs::read_to_string(path).unwrap();
        let altered = text.replacen(
            "\"signedReport\": \"fd8deb",
            "\"signedReport\": \"fd8dea",
            1,
        );
        assert_ne!(text, altered);
        let tmp = std::env::temp_dir().join(format!("ct-altered-{}.json", std::process::id()));
        std::fs::write(&tmp, altered).unwrap();
        let file = load(&tmp).unwrap();
        std::fs::remove_file(&tmp).unwrap();
        let group = file["testGroups"][0].as_object().unwrap();
        let test = group["tests"][0].as_object().unwrap();
        let handler = tcn::protocol().handler;
        let outcome = check_test(handler("tcn-report-create").unwrap(), group, test);
        assert_eq!(outcome.tc_id, 1);
        assert!(outcome.failure.unwrap().contains("signedReport"));
    }
}
