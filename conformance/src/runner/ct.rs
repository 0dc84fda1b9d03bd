//! `conformance ct --impl CMD`: dudect-style timing checks of a port (`spec/conformance.md §10`).

use serde_json::Value;

/// The timing operations the reference testee implements.
pub fn operation_names() -> Vec<&'static str> {
    Vec::new()
}

/// Times a `ct` request in this process.
pub fn reference_times(_request: &Value) -> Result<Vec<u64>, String> {
    Err("not yet".into())
}

/// The command.
pub fn command(_args: &[String]) -> Result<(), String> {
    Err("not yet".into())
}
