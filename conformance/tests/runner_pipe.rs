//! The runner end to end through the pipe (`spec/conformance.md`): the reference testee passes
//! every committed vector, and a testee that crashes, hangs, answers garbage, answers for another
//! id or prints stray lines gets a failure naming the test while the run goes on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_conformance")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn conformance(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(root())
        .output()
        .expect("the conformance binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn reference_testee() -> String {
    format!("{} testee", bin())
}

#[test]
fn reference_testee_passes_every_committed_vector() {
    let expect = root().join("conformance/reference-testee.expect");
    let o = conformance(&[
        "check",
        "--impl",
        &reference_testee(),
        "--expect",
        expect.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains(" 0 failed"), "{}", text(&o));
}

/// Runs the ratchet vectors (5 tests) through the misbehaving testee in `mode`; tcId 3 is the
/// test it misbehaves on.
fn misbehave(mode: &str) -> String {
    let script = root().join("conformance/tests/misbehaving_testee.py");
    let o = Command::new(bin())
        .args([
            "check",
            "--timeout",
            "3",
            "--impl",
            &format!("python3 {} {mode}", script.display()),
            "vectors/tcn/ratchet_test.json",
        ])
        .env("REFERENCE_TESTEE", reference_testee())
        .current_dir(root())
        .output()
        .expect("runs");
    let out = text(&o);
    assert!(!o.status.success(), "{mode}: the run must fail\n{out}");
    out
}

/// How many tests `vectors/tcn/ratchet_test.json` holds.
fn ratchet_tests() -> usize {
    let text =
        std::fs::read_to_string(root().join("vectors/tcn/ratchet_test.json")).expect("reads");
    text.matches("\"tcId\"").count()
}

fn assert_only_tc3_fails(mode: &str, reason: &str) {
    let out = misbehave(mode);
    let row: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("tcn ") && l.contains("tcn-ratchet"))
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default();
    let others = (ratchet_tests() - 1).to_string();
    assert_eq!(
        row,
        ["tcn", "tcn-ratchet", others.as_str(), "1", "0", "0", "3"],
        "{mode}: all others pass, tcId 3 fails\n{out}"
    );
    let fail = out
        .lines()
        .find(|l| l.starts_with("FAIL "))
        .unwrap_or_else(|| panic!("{mode}: no FAIL line\n{out}"));
    assert!(
        fail.starts_with("FAIL tcn/ratchet_test.json tcId 3 (tcn-ratchet): "),
        "{mode}: names the test\n{out}"
    );
    assert!(fail.contains(reason), "{mode}: says `{reason}`\n{out}");
}

#[test]
fn a_crash_fails_the_test_and_the_run_goes_on() {
    assert_only_tc3_fails("crash", "exited");
    assert!(misbehave("crash").contains("simulated crash"));
}

#[test]
fn a_hang_times_out() {
    assert_only_tc3_fails("hang", "timeout");
}

#[test]
fn garbage_on_stdout_fails_the_test() {
    assert_only_tc3_fails("garbage", "not JSON");
}

#[test]
fn an_answer_for_another_id_fails_the_test() {
    assert_only_tc3_fails("wrong-id", "not for this request");
}

#[test]
fn a_stray_line_fails_the_test() {
    assert_only_tc3_fails("stray", "debug: about to answer");
}

#[test]
fn a_malformed_answer_fails_the_test() {
    assert_only_tc3_fails("non-object", "not a JSON object");
    assert_only_tc3_fails("no-verdict", "lacks `verdict`");
}

#[test]
fn a_wrong_output_fails_the_test() {
    assert_only_tc3_fails("wrong-output", "`nextTcn`: expected");
}

#[test]
fn a_bad_handshake_stops_the_run() {
    let out = misbehave("bad-handshake");
    assert!(out.contains("testee protocol Some(99)"), "{out}");
}
