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

/// Every property of every encounter schema has a row in its §14 field table with the same role
/// (`"x-role": "output"` ↔ `output`), and every row names a schema property (spec/vectors.md §9).
#[test]
fn field_tables_match_schemas() {
    use std::collections::BTreeSet;
    let text = spec();
    let mut tables: std::collections::BTreeMap<String, BTreeSet<(String, String)>> =
        Default::default();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("### 14.") {
            current = h.split('`').nth(1).map(str::to_string);
            continue;
        }
        if line.starts_with("## ") {
            current = None;
        }
        let (Some(gt), Some(row)) = (current.as_ref(), line.strip_prefix("| `")) else {
            continue;
        };
        let cells: Vec<&str> = row.split(" | ").collect();
        if cells.len() >= 4 && (cells[1] == "input" || cells[1] == "output") {
            let path = cells[0].trim_end_matches('`').to_string();
            tables
                .entry(gt.clone())
                .or_default()
                .insert((path, cells[1].to_string()));
        }
    }
    fn walk(
        props: &serde_json::Map<String, serde_json::Value>,
        prefix: &str,
        out: &mut BTreeSet<(String, String)>,
    ) {
        const COMMON: [&str; 5] = ["tcId", "comment", "flags", "result", "error"];
        for (name, s) in props {
            if prefix.is_empty() && COMMON.contains(&name.as_str()) {
                continue;
            }
            let path = format!("{prefix}{name}");
            let role = if s.get("x-role").and_then(|r| r.as_str()) == Some("output") {
                "output"
            } else {
                "input"
            };
            out.insert((path.clone(), role.to_string()));
            if let Some(items) = s.get("items").and_then(|i| i.get("properties")) {
                walk(items.as_object().unwrap(), &format!("{path}[]."), out);
            } else if let Some(p) = s.get("properties") {
                walk(p.as_object().unwrap(), &format!("{path}."), out);
            }
        }
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/schema");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(gt) = name.strip_suffix("_v1.json") else {
            continue;
        };
        if !gt.starts_with("encounter-") {
            continue;
        }
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut props = BTreeSet::new();
        let defs = &schema["$defs"];
        walk(
            defs["test"]["properties"].as_object().unwrap(),
            "",
            &mut props,
        );
        for (k, s) in defs["group"]["properties"].as_object().unwrap() {
            if k != "type" && k != "tests" {
                let role = if s.get("x-role").is_some() {
                    "output"
                } else {
                    "input"
                };
                props.insert((format!("group.{k}"), role.to_string()));
            }
        }
        assert_eq!(
            tables.get(gt),
            Some(&props),
            "{gt}: spec §14 table and schema differ"
        );
        seen += 1;
    }
    assert_eq!(seen, tables.len(), "a §14 table without a schema");
}
