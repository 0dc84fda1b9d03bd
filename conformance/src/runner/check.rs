//! `conformance check --impl CMD [--expect FILE] [--report FILE.md] [FILES...]`: every vector
//! through a testee (`spec/conformance.md §7`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{json, Value};

use super::expect::{Expectations, Selector};
use super::judge::{judge, parse_answer, Aliases, Outcome};
use super::pipe::{Hello, Testee};
use super::{display_name, tests_of, Args, RoleBook};

/// One test's result.
#[derive(Debug, Clone)]
pub struct Row {
    /// File name as reported (under `vectors/` when it is there).
    pub file: String,
    /// The file's `protocol`.
    pub protocol: String,
    /// Group type.
    pub group_type: String,
    /// Test id.
    pub tc_id: u64,
    /// What happened.
    pub outcome: Outcome,
}

/// Status after the expectation file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pass,
    Fail,
    KnownFail,
    NotImplemented,
    KnownNotImplemented,
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    known: usize,
    not_implemented: usize,
    failing: Vec<u64>,
}

/// Runs every test of `files` through the testee; the rows in file order.
pub fn run_files(
    testee: &mut Testee,
    book: &mut RoleBook,
    files: &[(PathBuf, Value)],
    aliases: &Aliases,
) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (path, file) in files {
        let name = display_name(path);
        let protocol = file
            .get("protocol")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        for (group, test) in tests_of(file) {
            let group_type = group
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let tc_id = test.get("tcId").and_then(Value::as_u64).unwrap_or(0);
            let outcome = run_one(testee, book, &group_type, &group, &test, aliases)?;
            rows.push(Row {
                file: name.clone(),
                protocol: protocol.clone(),
                group_type,
                tc_id,
                outcome,
            });
        }
    }
    Ok(rows)
}

/// One test through the pipe. `Err` only when the testee cannot be (re)started.
pub fn run_one(
    testee: &mut Testee,
    book: &mut RoleBook,
    group_type: &str,
    group: &crate::vector::Group,
    test: &crate::vector::Test,
    aliases: &Aliases,
) -> Result<Outcome, String> {
    if !testee.hello.types.iter().any(|t| t == group_type) {
        return Ok(Outcome::NotImplemented(
            "not listed in the testee's handshake".into(),
        ));
    }
    let roles = match book.for_test(group_type, group, test) {
        Ok(r) => r,
        Err(e) => return Ok(Outcome::Fail(e)),
    };
    let request = json!({
        "op": "test",
        "type": group_type,
        "group": roles.strip_group(group),
        "test": roles.strip_test(test),
    });
    let answer = match testee.call(request)? {
        Ok(a) => a,
        Err(e) => return Ok(Outcome::Fail(e.0)),
    };
    let answer = match parse_answer(&answer) {
        Ok(a) => a,
        Err(e) => {
            testee.abandon();
            return Ok(Outcome::Fail(format!("malformed answer: {e}")));
        }
    };
    Ok(judge(&roles, group, test, &answer, aliases))
}

/// The command.
pub fn command(args: &[String]) -> Result<(), String> {
    let args = Args::parse(
        args,
        &["impl", "expect", "report", "timeout", "startup-timeout"],
    )?;
    let expectations = match args.get("expect") {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            Expectations::parse(&text).map_err(|e| format!("{path}: {e}"))?
        }
        None => Expectations::default(),
    };
    let paths = crate::vector_files(&args.positional)?;
    if paths.is_empty() {
        return Err("no vector files found".into());
    }
    let committed: BTreeSet<PathBuf> = crate::vector_files(&[])?
        .into_iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let mut files = Vec::new();
    let mut extra = Vec::new();
    for p in &paths {
        let v = crate::load(p)?;
        if !std::fs::canonicalize(p).is_ok_and(|c| committed.contains(&c)) {
            extra.push(v.clone());
        }
        files.push((p.clone(), v));
    }
    let mut book = RoleBook::new(&extra);
    let started = Instant::now();
    let mut testee = Testee::start(args.pipe()?)?;
    let hello = testee.hello.clone();
    println!(
        "testee: {} {} (testee protocol {}), {} group types",
        hello.name,
        hello.version,
        super::PROTOCOL_VERSION,
        hello.types.len()
    );
    let rows = run_files(&mut testee, &mut book, &files, &expectations.aliases)?;
    let restarts = testee.starts.saturating_sub(1);
    drop(testee);
    let elapsed = started.elapsed().as_secs_f64();

    let (statuses, stale, unused) = apply(&rows, &expectations);
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for (row, status) in rows.iter().zip(&statuses) {
        let t = tallies
            .entry((row.protocol.clone(), row.group_type.clone()))
            .or_default();
        match status {
            Status::Pass => t.passed += 1,
            Status::Fail => {
                t.failed += 1;
                t.failing.push(row.tc_id);
            }
            Status::KnownFail => t.known += 1,
            Status::NotImplemented | Status::KnownNotImplemented => t.not_implemented += 1,
        }
    }
    println!(
        "{:<12} {:<28} {:>7} {:>7} {:>6} {:>9}  failing tcIds",
        "protocol", "operation", "passed", "failed", "known", "not impl"
    );
    for ((protocol, group_type), t) in &tallies {
        let ids: Vec<String> = t.failing.iter().map(u64::to_string).collect();
        println!(
            "{protocol:<12} {group_type:<28} {:>7} {:>7} {:>6} {:>9}  {}",
            t.passed,
            t.failed,
            t.known,
            t.not_implemented,
            ids.join(",")
        );
    }
    let mut bad = 0;
    for (row, status) in rows.iter().zip(&statuses) {
        match (status, &row.outcome) {
            (Status::Fail, Outcome::Fail(why)) => {
                bad += 1;
                println!(
                    "FAIL {} tcId {} ({}): {why}",
                    row.file, row.tc_id, row.group_type
                );
            }
            (Status::NotImplemented, _) => bad += 1,
            _ => {}
        }
    }
    let unlisted: BTreeSet<&str> = rows
        .iter()
        .zip(&statuses)
        .filter(|(_, s)| **s == Status::NotImplemented)
        .map(|(r, _)| r.group_type.as_str())
        .collect();
    for t in &unlisted {
        println!("NOT IMPLEMENTED {t}: not listed in the expectation file");
    }
    for (line, what) in &stale {
        println!(
            "NOW PASSES expectation line {line} ({what}): every test it covers passes; remove it"
        );
    }
    for line in &unused {
        println!("note: expectation line {line} matches no test of this run");
    }
    let mut warned = BTreeSet::new();
    for row in &rows {
        if !warned.insert(row.group_type.clone()) {
            continue;
        }
        if let Some(r) = book.get(&row.group_type) {
            for p in &r.problems {
                println!("role warning {}: {p}", row.group_type);
            }
        }
    }
    let count = |s: Status| statuses.iter().filter(|x| **x == s).count();
    println!(
        "{} passed, {} failed, {} known failures, {} not implemented ({} unlisted); {} tests in {:.1} s, {} testee restart(s)",
        count(Status::Pass),
        count(Status::Fail),
        count(Status::KnownFail),
        count(Status::NotImplemented) + count(Status::KnownNotImplemented),
        count(Status::NotImplemented),
        rows.len(),
        elapsed,
        restarts
    );
    if let Some(path) = args.get("report") {
        let md = report(&hello, &rows, &statuses, &expectations, files.len());
        std::fs::write(path, md).map_err(|e| format!("{path}: {e}"))?;
        println!("report written to {path}");
    }
    if bad > 0 || !stale.is_empty() {
        return Err(format!(
            "{} unexpected failures, {} unlisted not-implemented tests, {} stale expectation lines",
            count(Status::Fail),
            count(Status::NotImplemented),
            stale.len()
        ));
    }
    Ok(())
}

/// Statuses after the expectation file, the stale entries (line, what) and the unused ones.
fn apply(rows: &[Row], e: &Expectations) -> (Vec<Status>, Vec<(usize, String)>, Vec<usize>) {
    let mut statuses = Vec::new();
    // Per entry line: (tests covered, tests that did not pass).
    let mut coverage: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for row in rows {
        let entry = e.lookup(&row.file, row.tc_id, &row.group_type);
        let status = match (&row.outcome, entry) {
            (Outcome::Pass, _) => Status::Pass,
            (Outcome::Fail(_), None) => Status::Fail,
            (Outcome::Fail(_), Some(_)) => Status::KnownFail,
            (Outcome::NotImplemented(_), None) => Status::NotImplemented,
            (Outcome::NotImplemented(_), Some(_)) => Status::KnownNotImplemented,
        };
        if let Some(entry) = entry {
            let c = coverage.entry(entry.line).or_default();
            c.0 += 1;
            if status != Status::Pass {
                c.1 += 1;
            }
        }
        statuses.push(status);
    }
    let mut stale = Vec::new();
    let mut unused = Vec::new();
    for entry in &e.entries {
        match coverage.get(&entry.line) {
            None => unused.push(entry.line),
            Some((_, 0)) => stale.push((
                entry.line,
                match &entry.selector {
                    Selector::Type(t) => t.clone(),
                    Selector::Test(f, id) => format!("{f}:{id}"),
                },
            )),
            Some(_) => {}
        }
    }
    (statuses, stale, unused)
}

/// The publishable Markdown compliance table.
fn report(
    hello: &Hello,
    rows: &[Row],
    statuses: &[Status],
    e: &Expectations,
    files: usize,
) -> String {
    let mut by_type: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for (row, s) in rows.iter().zip(statuses) {
        let t = by_type
            .entry((row.protocol.clone(), row.group_type.clone()))
            .or_default();
        match s {
            Status::Pass => t.passed += 1,
            Status::Fail => {
                t.failed += 1;
                t.failing.push(row.tc_id)
            }
            Status::KnownFail => t.known += 1,
            Status::NotImplemented | Status::KnownNotImplemented => t.not_implemented += 1,
        }
    }
    let mut md = String::new();
    md.push_str(&format!(
        "# Conformance report: {} {}\n\n",
        hello.name, hello.version
    ));
    md.push_str(&format!(
        "Checked with `conformance check --impl` (testee protocol {}) of contact-tracing {} \
         against {} vector files, {} tests. Verdicts follow `spec/vectors.md` §3; the outputs of \
         every accepted test are compared field by field.\n\n",
        super::PROTOCOL_VERSION,
        env!("CARGO_PKG_VERSION"),
        files,
        rows.len()
    ));
    md.push_str("| protocol | group type | tests | passed | known failures | failed | not implemented | status |\n");
    md.push_str("|---|---|---:|---:|---:|---:|---:|---|\n");
    for ((protocol, group_type), t) in &by_type {
        let total = t.passed + t.failed + t.known + t.not_implemented;
        let status = if t.failed > 0 {
            "FAILS"
        } else if t.not_implemented == total {
            "not implemented"
        } else if t.known > 0 || t.not_implemented > 0 {
            "passes with known failures"
        } else {
            "passes"
        };
        md.push_str(&format!(
            "| {protocol} | `{group_type}` | {total} | {} | {} | {} | {} | {status} |\n",
            t.passed, t.known, t.failed, t.not_implemented
        ));
    }
    let known: Vec<(&Row, &str)> = rows
        .iter()
        .zip(statuses)
        .filter(|(_, s)| matches!(s, Status::KnownFail))
        .filter_map(|(r, _)| {
            e.lookup(&r.file, r.tc_id, &r.group_type)
                .map(|en| (r, en.reason.as_str()))
        })
        .collect();
    let unimplemented: BTreeSet<(String, String)> = rows
        .iter()
        .zip(statuses)
        .filter(|(_, s)| matches!(s, Status::KnownNotImplemented))
        .filter_map(|(r, _)| {
            e.lookup(&r.file, r.tc_id, &r.group_type)
                .map(|en| (r.group_type.clone(), en.reason.clone()))
        })
        .collect();
    if !unimplemented.is_empty() {
        md.push_str("\n## Not implemented\n\n| group type | reason |\n|---|---|\n");
        for (t, reason) in &unimplemented {
            md.push_str(&format!("| `{t}` | {reason} |\n"));
        }
    }
    if !known.is_empty() {
        md.push_str("\n## Known failures\n\n| test | reason |\n|---|---|\n");
        for (r, reason) in &known {
            md.push_str(&format!("| `{}` tcId {} | {reason} |\n", r.file, r.tc_id));
        }
    }
    if !e.aliases.is_empty() {
        md.push_str("\n## Error aliases\n\n| code | accepted in its place |\n|---|---|\n");
        for (want, codes) in &e.aliases {
            md.push_str(&format!("| `{want}` | `{}` |\n", codes.join("`, `")));
        }
    }
    let failed: Vec<(&Row, &str)> = rows
        .iter()
        .zip(statuses)
        .filter(|(_, s)| matches!(s, Status::Fail))
        .filter_map(|(r, _)| match &r.outcome {
            Outcome::Fail(why) => Some((r, why.as_str())),
            _ => None,
        })
        .collect();
    if !failed.is_empty() {
        md.push_str("\n## Failures\n\n| test | reason |\n|---|---|\n");
        for (r, why) in &failed {
            md.push_str(&format!(
                "| `{}` tcId {} | {} |\n",
                r.file,
                r.tc_id,
                why.replace('|', "\\|").replace('\n', " ")
            ));
        }
    }
    md
}
