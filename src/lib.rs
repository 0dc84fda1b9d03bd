//! # contact-tracing
//!
//! A specification-first reference implementation of the privacy-preserving contact-tracing
//! protocols described in the project's `spec/` directory. Every wire format is implemented as a
//! strict, pure decoder/encoder pair; every state machine is a sans-IO value that takes time,
//! randomness and input bytes as explicit arguments and returns explicit outputs.
//!
//! | module | protocol | specification |
//! |---|---|---|
//! | [`tcn`] | Temporary Contact Numbers v0.4 (seed 003) | `spec/tcn.md` |
//! | [`encounter`] | Onion-identity encounter DH and HA-signed infection reports (seed 000) | `spec/encounter.md` |
//! | [`mix`] | Mix packets: compact Sphinx header, LIONESS, SURBs, replay tags, day keys (seed 001) | `spec/mix.md` |
//! | [`nym`] | Nym swap, mailbox, HA tokens, client and notification chain (seed 001) | `spec/nym.md` |
//! | `event` | Corona Network events, pairing and the status cascade (seed 002; `alloc`) | `spec/events.md` |
//! | [`geo`] | Geo Trace salted location hashes (seed 004) | `spec/geo.md` |
//!
//! Ground layers used by every protocol: [`wire`] (strict codec), [`labels`] (the registry of
//! domain-separation strings) and [`error`] (stable error codes shared with the test vectors).
//!
//! ## Quick start
//!
//! ```
//! use contact_tracing::tcn::{MemoType, ReportAuthorizationKey, SignedReport};
//!
//! // The reporter: a report authorization key from 32 bytes of seed (use an RNG in practice).
//! let rak = ReportAuthorizationKey::from_seed([7u8; 32]);
//! let tck1 = rak.initial_temporary_contact_key();
//! let tcn1 = tck1.temporary_contact_number(); // broadcast this over BLE
//!
//! // Later: disclose numbers 1..=20 in a signed report.
//! let report = rak.create_report(MemoType::COEPI_SYMPTOM_V1, b"symptom data", 1, 20)?;
//! let mut wire = [0u8; SignedReport::MAX_LEN];
//! let len = report.encode_into(&mut wire)?;
//!
//! // The receiver: strict decode, verify, recompute the disclosed numbers.
//! let received = SignedReport::decode(&wire[..len])?;
//! let verified = received.verify()?;
//! assert!(verified.temporary_contact_numbers().any(|n| n == tcn1));
//! # Ok::<(), contact_tracing::tcn::TcnError>(())
//! ```
//!
//! ## Features
//!
//! * `alloc` (default): owned encodings (`to_vec`), the matcher and batch verification.
//! * `std`: implies `alloc`; adds `std::error::Error` impls and the multi-threaded matcher.
//!
//! Without default features the crate is `#![no_std]` and allocation-free for key schedules,
//! report creation, decoding and single verification.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod ed25519;
pub mod error;
pub mod labels;
pub mod wire;

pub mod encounter;
pub mod geo;
pub mod mix;
pub mod nym;
pub mod tcn;

#[cfg(feature = "alloc")]
pub mod event;

#[doc(hidden)]
pub mod fuzzing;

/// The README's quick start, compiled and run as a doctest.
#[cfg(all(doctest, feature = "alloc"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
