#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    assert!(contact_tracing::fuzzing::run("geo_central_ops", data));
});
