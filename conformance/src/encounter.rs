//! Vectors of the `encounter` protocol (`spec/encounter.md`): generator and check handlers.

use crate::vector::{Handler, Protocol};
use serde_json::Value;

/// This protocol's part of the runner.
pub fn protocol() -> Protocol {
    Protocol {
        name: "encounter",
        handler,
        error_codes,
        generate,
        corpus,
    }
}

fn handler(_group_type: &str) -> Option<Handler> {
    None
}

fn error_codes() -> Vec<&'static str> {
    Vec::new()
}

fn generate() -> Vec<(String, Value)> {
    Vec::new()
}

fn corpus() -> Vec<(String, String, Vec<u8>)> {
    Vec::new()
}
