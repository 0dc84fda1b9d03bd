//! The example Python port (`conformance/testee-python/`) through the runner: it passes the
//! group types it implements, and a copy with one check removed is caught by `check --impl` and
//! by `fuzz --impl`, which writes a vector that pins the bug.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn conformance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
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

const PORT: &str = "python3 conformance/testee-python/testee.py";

#[test]
fn the_python_port_passes_its_group_types() {
    let o = conformance(&[
        "check",
        "--impl",
        PORT,
        "--expect",
        "conformance/testee-python/expected-failures.txt",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    for t in [
        "ed25519-verify",
        "tcn-batch-verify",
        "tcn-match",
        "tcn-key-schedule",
        "tcn-ratchet",
        "tcn-report-create",
        "tcn-report-verify",
    ] {
        let row: Vec<&str> = out
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(t))
            .map(|l| l.split_whitespace().collect())
            .unwrap_or_default();
        assert!(row.len() >= 6 && row[2] != "0", "{t} ran: {out}");
        assert_eq!(&row[3..6], ["0", "0", "0"], "{t}: no failure\n{out}");
    }
}

#[test]
fn check_catches_a_removed_s_range_check() {
    let o = conformance(&[
        "check",
        "--impl",
        &format!("{PORT} --break s-range"),
        "vectors/tcn/report_verify_test.json",
    ]);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("FAIL tcn/report_verify_test.json")
                && l.contains("expected rejection with TCN_SIG_S_NONCANONICAL")),
        "{out}"
    );
}

#[test]
fn check_catches_a_removed_j2_order_check() {
    let o = conformance(&[
        "check",
        "--impl",
        &format!("{PORT} --break j2-order"),
        "vectors/tcn/report_create_test.json",
        "vectors/tcn/report_verify_test.json",
    ]);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("TCN_J2_BEFORE_J1"), "{out}");
}

#[test]
fn fuzz_catches_a_removed_s_range_check_and_writes_a_vector() {
    let out_dir = std::env::temp_dir().join(format!("ct-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    let o = conformance(&[
        "fuzz",
        "--impl",
        &format!("{PORT} --break s-range"),
        "--type",
        "tcn-report-verify",
        "--seconds",
        "120",
        "--seed",
        "1",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let out = text(&o);
    assert!(!o.status.success(), "the broken port must be caught\n{out}");
    assert!(out.contains("disagreement on tcn-report-verify"), "{out}");
    let files: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{out}");
    let vector = files[0].to_str().unwrap();
    let body = std::fs::read_to_string(vector).unwrap();
    assert!(body.contains("TCN_SIG_S_NONCANONICAL"), "{body}");
    // The vector is ready to commit: it lints, the reference passes it, the bug fails it.
    let lint = conformance(&["lint", vector]);
    assert!(lint.status.success(), "{}", text(&lint));
    let reference = conformance(&["check", vector]);
    assert!(reference.status.success(), "{}", text(&reference));
    let fixed = conformance(&["check", "--impl", PORT, vector]);
    assert!(fixed.status.success(), "{}", text(&fixed));
    let broken = conformance(&[
        "check",
        "--impl",
        &format!("{PORT} --break s-range"),
        vector,
    ]);
    assert!(!broken.status.success(), "{}", text(&broken));
    std::fs::remove_dir_all(&out_dir).unwrap();
}

#[test]
fn fuzz_finds_nothing_between_the_reference_testee_and_the_reference() {
    let testee = format!("{} testee", env!("CARGO_BIN_EXE_conformance"));
    let o = conformance(&["fuzz", "--impl", &testee, "--inputs", "600", "--seed", "3"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("no disagreement"), "{}", text(&o));
}

#[test]
fn ct_prints_a_statistic_per_operation() {
    let testee = format!("{} testee", env!("CARGO_BIN_EXE_conformance"));
    let o = conformance(&["ct", "--impl", &testee, "--samples", "400"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    for op in ["tcn-sign-report", "mix-lioness-encrypt", "geo-oprf-blind"] {
        assert!(out.lines().any(|l| l.starts_with(op)), "{op}\n{out}");
    }
}
