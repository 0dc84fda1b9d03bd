//! Constant-time harness (`spec/vectors.md` does not cover timing; see README "Constant time").
//!
//! Run under `valgrind --tool=memcheck --error-exitcode=1`: `ct all` must report nothing, and
//! `ct leaky-control`, a deliberately early-exit comparison of a secret, must be reported. If the
//! control passes, the harness is blind (valgrind missing, requests compiled out) and proves nothing.
//!
//! Each protocol adds its secret-dependent paths as cases in its own file.

mod encounter;
mod event;
mod geo;
mod mix;
mod nym;
mod taint;
mod tcn;

use std::process::ExitCode;

/// A named case: runs one secret-key path with its secrets marked.
pub type Case = (&'static str, fn());

fn cases() -> Vec<Case> {
    [
        tcn::CASES,
        encounter::CASES,
        mix::CASES,
        nym::CASES,
        event::CASES,
        geo::CASES,
    ]
    .concat()
}

/// The negative control: a comparison that returns at the first differing byte. `black_box` on
/// each byte keeps the compiler from turning the loop into a branch-free vector compare (which it
/// does otherwise, and which would rightly not be reported).
#[inline(never)]
fn leaky_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    for (x, y) in a.iter().zip(b.iter()) {
        if std::hint::black_box(*x) != *y {
            return false;
        }
    }
    true
}

fn leaky_control() {
    let secret = std::hint::black_box([0x42u8; 32]);
    let guess = std::hint::black_box([0x41u8; 32]);
    taint::secret(&secret);
    let equal = leaky_equal(&secret, &guess);
    taint::public(&equal);
    println!("leaky-control: equal = {equal}");
}

fn main() -> ExitCode {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    if arg == "leaky-control" {
        leaky_control();
        return ExitCode::SUCCESS;
    }
    if arg == "list" {
        for (name, _) in cases() {
            println!("{name}");
        }
        return ExitCode::SUCCESS;
    }
    let mut ran = 0;
    for (name, case) in cases() {
        if arg == "all" || arg == name {
            case();
            println!("ran {name}");
            ran += 1;
        }
    }
    if ran == 0 {
        eprintln!("no case named {arg}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
