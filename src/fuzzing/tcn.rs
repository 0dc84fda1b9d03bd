//! TCN fuzz-target bodies.

use crate::tcn::SignedReport;

/// `tcn_report_decode`: decoding never panics; when it succeeds, so does verification's
/// bookkeeping, and the disclosed-number iterator has exactly `j2 - j1 + 1` items.
pub fn tcn_report_decode(data: &[u8]) {
    if let Ok(report) = SignedReport::decode(data) {
        let r = report.unverified_report();
        let expected = usize::from(r.j2() - r.j1()) + 1;
        assert_eq!(r.indexed_temporary_contact_numbers().len(), expected);
        let _ = report.verify();
    }
}

/// `tcn_report_roundtrip`: whatever decodes re-encodes to exactly the input bytes.
pub fn tcn_report_roundtrip(data: &[u8]) {
    if let Ok(report) = SignedReport::decode(data) {
        let mut buf = [0u8; SignedReport::MAX_LEN];
        let n = report.encode_into(&mut buf).unwrap_or(0);
        assert_eq!(
            buf.get(..n),
            Some(data),
            "re-encoding differs from the input"
        );
    }
}

/// This protocol's targets, by name.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("tcn_report_decode", tcn_report_decode),
    ("tcn_report_roundtrip", tcn_report_roundtrip),
];
