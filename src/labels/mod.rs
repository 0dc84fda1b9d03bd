//! The registry of domain-separation labels (`spec/labels.md`).
//!
//! Every string that the crate feeds into a hash, KDF, MAC or signature to separate one use of a
//! primitive from another is declared here, once, as a [`Label`]. Protocol modules import their
//! constants from their submodule; nothing outside this module writes a label literal. The test
//! below checks the registry as a whole: no two labels are equal and none is a prefix of another,
//! so no input to one use can be reinterpreted as an input to another by moving the boundary.
//!
//! New labels follow the pattern `contact-tracing/v1/<protocol>/<purpose>`. Labels inherited from
//! a peer protocol (TCN's `H_TCK`) keep their published bytes for compatibility.

pub mod encounter;
pub mod event;
pub mod geo;
pub mod mix;
pub mod nym;
pub mod tcn;

/// One registered domain-separation label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    /// The exact bytes fed to the primitive.
    pub bytes: &'static [u8],
    /// Where it is used: the spec section that defines it.
    pub spec: &'static str,
}

/// Every registered label, grouped by protocol.
pub const REGISTRY: &[(&str, &[Label])] = &[
    ("tcn", tcn::ALL),
    ("encounter", encounter::ALL),
    ("mix", mix::ALL),
    ("nym", nym::ALL),
    ("event", event::ALL),
    ("geo", geo::ALL),
];

/// Iterates over every registered label with its protocol name.
pub fn all() -> impl Iterator<Item = (&'static str, &'static Label)> {
    REGISTRY
        .iter()
        .flat_map(|(protocol, labels)| labels.iter().map(move |label| (*protocol, label)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_distinct_and_prefix_free() {
        let labels: std::vec::Vec<_> = all().collect();
        assert!(labels.len() >= 2, "registry is empty");
        for (i, (pa, a)) in labels.iter().enumerate() {
            assert!(!a.bytes.is_empty(), "{pa}: empty label");
            assert!(
                a.spec.starts_with("spec/"),
                "{pa}: label without spec reference"
            );
            for (pb, b) in labels.iter().skip(i + 1) {
                assert_ne!(a.bytes, b.bytes, "{pa} and {pb} share a label");
                assert!(
                    !a.bytes.starts_with(b.bytes) && !b.bytes.starts_with(a.bytes),
                    "{pa} label {:?} and {pb} label {:?}: one is a prefix of the other",
                    core::str::from_utf8(a.bytes),
                    core::str::from_utf8(b.bytes)
                );
            }
        }
    }
}
