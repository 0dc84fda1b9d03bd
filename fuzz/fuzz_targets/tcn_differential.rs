#![no_main]
#[path = "../harness/tcn_differential.rs"]
mod tcn_differential;

libfuzzer_sys::fuzz_target!(|data: &[u8]| tcn_differential::check(data));
