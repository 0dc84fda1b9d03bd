//! The spec and the code name the same things: every error code of an error enum appears in its
//! spec's error table and the reverse, and every registered label appears in `spec/labels.md`.

use contact_tracing::error::ErrorCode;

fn spec(name: &str) -> String {
    std::fs::read_to_string(format!("{}/spec/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Codes in the first column of the tables under the spec's "Errors" heading.
fn table_codes(text: &str, prefix: &str) -> Vec<String> {
    let mut in_errors = false;
    let mut codes = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            in_errors = line.to_lowercase().contains("error");
            continue;
        }
        let Some(cell) = line.strip_prefix("| `").and_then(|l| l.split('`').next()) else {
            continue;
        };
        let well_formed = cell
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if in_errors && cell.starts_with(prefix) && well_formed {
            codes.push(cell.to_string());
        }
    }
    codes
}

fn check<E: ErrorCode>(spec_file: &str, prefix: &str, all: &[E]) {
    let text = spec(spec_file);
    let mut in_code: Vec<String> = all.iter().map(|e| e.code().to_string()).collect();
    let mut in_spec = table_codes(&text, prefix);
    in_code.sort();
    in_spec.sort();
    in_spec.dedup();
    assert_eq!(
        in_spec, in_code,
        "{spec_file}: error table and error enum differ"
    );
}

#[test]
fn tcn_error_table_matches() {
    check("tcn.md", "TCN_", &contact_tracing::tcn::TcnError::ALL);
}

#[test]
fn encounter_error_table_matches() {
    check(
        "encounter.md",
        "ENCOUNTER_",
        &contact_tracing::encounter::EncounterError::ALL,
    );
}

#[test]
fn mix_error_table_matches() {
    check("mix.md", "MIX_", &contact_tracing::mix::MixError::ALL);
}

#[cfg(feature = "alloc")]
#[test]
fn event_error_table_matches() {
    check(
        "events.md",
        "EVENT_",
        &contact_tracing::event::EventError::ALL,
    );
}

#[test]
fn nym_error_table_matches() {
    check("nym.md", "NYM_", &contact_tracing::nym::NymError::ALL);
}

#[test]
fn geo_error_table_matches() {
    check("geo.md", "GEO_", &contact_tracing::geo::GeoError::ALL);
}

#[test]
fn every_label_is_in_the_registry_document() {
    let text = spec("labels.md");
    for (protocol, label) in contact_tracing::labels::all() {
        let ascii = std::str::from_utf8(label.bytes).unwrap();
        assert!(
            text.contains(&format!("`{ascii}`")),
            "{protocol} label {ascii} missing from spec/labels.md"
        );
        let doc = label.spec.split('#').next().unwrap();
        assert!(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(doc)
                .is_file(),
            "{doc} missing"
        );
    }
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchor_exists(reference: &str) -> bool {
    let (doc, anchor) = reference.split_once('#').unwrap_or((reference, ""));
    let Ok(text) = std::fs::read_to_string(format!("{}/{doc}", env!("CARGO_MANIFEST_DIR"))) else {
        return false;
    };
    anchor.is_empty()
        || text
            .lines()
            .filter_map(|l| l.strip_prefix('#'))
            // GitHub's slug of the heading text, or an explicit `{#id}` at its end.
            .any(|h| {
                let h = h.trim_start_matches('#');
                slug(h) == anchor || h.trim_end().ends_with(&format!("{{#{anchor}}}"))
            })
}

/// Every `spec/...#anchor` that a label or a vector file cites resolves to a heading.
#[test]
fn cited_spec_anchors_exist() {
    for (protocol, label) in contact_tracing::labels::all() {
        assert!(
            anchor_exists(label.spec),
            "{protocol} label cites missing {}",
            label.spec
        );
    }
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors"
    ))];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("schema") {
                    stack.push(path);
                }
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let file: serde_json::Value = serde_json::from_str(&text).unwrap();
            let cited = file["spec"].as_str().unwrap();
            assert!(
                anchor_exists(cited),
                "{} cites missing {cited}",
                path.display()
            );
            files += 1;
        }
    }
    assert!(files >= 4);
}

#[test]
fn ed25519_error_table_matches() {
    check(
        "ed25519.md",
        "ED25519_",
        &contact_tracing::ed25519::Ed25519Error::ALL,
    );
}
