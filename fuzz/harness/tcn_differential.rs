//! Differential harness against the TCN reference crate `tcn` 0.4.1, shared by the fuzz target
//! `tcn_differential` and by `tests/tcn_differential.rs`.
//!
//! Both implementations decode and verify the same bytes. They must agree, except for exactly the
//! differences `spec/tcn.md §7` lists, which are recognised here from the input itself:
//!
//! | we accept, `tcn` rejects | memo type 0x02; a signature valid only by the cofactored equation; a small-order R (libsodium blocklist) |
//! | `tcn` accepts, we reject | trailing bytes; `j2 < j1`; a non-canonical or small-order `rvk` |
//!
//! When both accept, the numbers we disclose are the reference's list followed by `tcn_j2` (the
//! reference stops one short), and memo type and data are equal.

use contact_tracing::tcn::{SignedReport, TcnError};

/// Whether the plain (cofactorless, RFC 8032 §5.1.7 without the cofactor) equation holds, judged by
/// ed25519-dalek's default `verify`.
fn cofactorless_holds(report: &SignedReport, signed: &[u8]) -> bool {
    use ed25519_dalek::Verifier;
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&report.unverified_report().rvk().0)
    else {
        return false;
    };
    let sig = ed25519_dalek::Signature::from_bytes(report.signature());
    key.verify(signed, &sig).is_ok()
}

fn r_is_small_order(report: &SignedReport) -> bool {
    let mut r = [0u8; 32];
    r.copy_from_slice(&report.signature()[..32]);
    curve25519_small_order(&r)
}

fn curve25519_small_order(bytes: &[u8; 32]) -> bool {
    ed25519_dalek::VerifyingKey::from_bytes(bytes)
        .map(|k| k.is_weak())
        .unwrap_or(false)
}

/// Runs both implementations on `data` and panics on any disagreement the spec does not allow.
pub fn check(data: &[u8]) {
    let ours = SignedReport::decode(data).and_then(|r| r.verify().map(|_| r.clone()));
    let theirs = tcn::SignedReport::read(data).and_then(|r| r.verify());
    match (ours, theirs) {
        (Ok(report), Ok(reference)) => {
            let r = report.unverified_report();
            let mut expected: Vec<[u8; 16]> =
                reference.temporary_contact_numbers().map(|n| n.0).collect();
            let last = r
                .indexed_temporary_contact_numbers()
                .last()
                .map(|(_, n)| n.0);
            expected.extend(last);
            let got: Vec<[u8; 16]> = r.temporary_contact_numbers().map(|n| n.0).collect();
            assert_eq!(
                got, expected,
                "disclosed numbers differ beyond the inclusive tcn_j2"
            );
            assert_eq!(r.memo_data(), reference.memo_data(), "memo data differs");
            assert_eq!(
                r.memo_type().0,
                reference.memo_type() as u8,
                "memo type differs"
            );
        }
        (Ok(report), Err(_)) => {
            let r = report.unverified_report();
            let mut buf = [0u8; SignedReport::MAX_LEN];
            let n = r.encode_into(&mut buf).expect("fits");
            let allowed = r.memo_type().0 == 0x02
                || !cofactorless_holds(&report, &buf[..n])
                || r_is_small_order(&report);
            assert!(
                allowed,
                "we accept a report the reference rejects, outside spec/tcn.md §7"
            );
        }
        (Err(e), Ok(_)) => {
            let allowed = matches!(
                e,
                TcnError::TrailingBytes
                    | TcnError::J2BeforeJ1
                    | TcnError::RvkInvalid
                    | TcnError::RvkSmallOrder
            );
            assert!(
                allowed,
                "the reference accepts a report we reject with {e:?}, outside spec/tcn.md §7"
            );
        }
        (Err(_), Err(_)) => {}
    }
}
