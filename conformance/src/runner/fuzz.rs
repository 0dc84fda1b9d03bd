//! `conformance fuzz --impl CMD`: differential fuzzing of a port against the reference.

/// The command.
pub fn command(_args: &[String]) -> Result<(), String> {
    Err("not yet".into())
}
