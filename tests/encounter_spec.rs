//! `spec/encounter.md` and the code name the same things: the error table lists exactly the
//! codes of `EncounterError::ALL`, every label of `src/labels/encounter.rs` appears in §2.1, and
//! every anchor the vectors and labels cite is a heading of the spec.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use contact_tracing::encounter::EncounterError;
use contact_tracing::error::ErrorCode;

fn spec() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/encounter.md")).unwrap()
}

fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn error_table_matches_enum() {
    let text = spec();
    let mut in_spec: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|c| c.starts_with("ENCOUNTER_"))
        .map(str::to_string)
        .collect();
    in_spec.sort();
    in_spec.dedup();
    let mut in_code: Vec<String> = EncounterError::ALL
        .iter()
        .map(|e| e.code().to_string())
        .collect();
    in_code.sort();
    assert_eq!(in_spec, in_code);
}

#[test]
fn labels_and_anchors() {
    let text = spec();
    let anchors: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|h| slug(h.trim_start_matches('#')))
        .collect();
    for label in contact_tracing::labels::encounter::ALL {
        let ascii = std::str::from_utf8(label.bytes).unwrap();
        assert!(
            text.contains(&format!("`{ascii}`")),
            "label {ascii} not in §2.1"
        );
        let anchor = label.spec.split_once('#').unwrap().1;
        assert!(anchors.iter().any(|a| a == anchor), "{anchor}");
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/encounter");
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let cited = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("\"spec\": \""))
            .and_then(|l| l.split('"').next())
            .unwrap();
        let anchor = cited.strip_prefix("spec/encounter.md#").unwrap();
        assert!(anchors.iter().any(|a| a == anchor), "{cited}");
    }
}
