//! Unit tests of the nym module.
