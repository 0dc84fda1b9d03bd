//! The runner that drives any implementation through a pipe (`spec/conformance.md`): the testee
//! protocol (both sides), `check --impl`, `fuzz --impl` and `ct --impl`.

pub mod check;
pub mod ct;
pub mod expect;
pub mod fuzz;
pub mod judge;
pub mod pipe;
pub mod roles;
pub mod testee;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::vector::{Group, Test};
use roles::{captured_outputs, RoleSource, Roles, Schemas};

/// The version of the testee protocol this runner speaks (`spec/conformance.md §1`).
pub const PROTOCOL_VERSION: u64 = 1;

/// Roles of one group type with the cross-check between its two sources.
#[derive(Debug, Clone)]
pub struct TypeRoles {
    /// The roles in force.
    pub roles: Roles,
    /// What the reference handler revealed in capture mode.
    pub captured: BTreeSet<String>,
    /// Disagreements between the schema and the handler, and contract problems.
    pub problems: Vec<String>,
}

/// Roles for every group type, computed on demand from the schemas and the committed vectors.
pub struct RoleBook {
    schemas: Schemas,
    corpus: BTreeMap<String, Vec<(Group, Test)>>,
    cache: BTreeMap<String, Option<TypeRoles>>,
}

impl RoleBook {
    /// Schemas from `vectors/schema/`; the capture corpus is every committed vector file plus
    /// `extra` (files given on the command line).
    pub fn new(extra: &[Value]) -> Self {
        let root = crate::repo_root();
        let mut corpus: BTreeMap<String, Vec<(Group, Test)>> = BTreeMap::new();
        let mut files: Vec<Value> = crate::vector_files(&[])
            .unwrap_or_default()
            .iter()
            .filter_map(|p| crate::load(p).ok())
            .collect();
        files.extend(extra.iter().cloned());
        for file in &files {
            for (group, test) in tests_of(file) {
                let t = group
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string();
                corpus.entry(t).or_default().push((group, test));
            }
        }
        RoleBook {
            schemas: Schemas::load(&root.join("vectors/schema")),
            corpus,
            cache: BTreeMap::new(),
        }
    }

    /// The roles of `group_type`, or `None` if neither the schemas nor the reference know it.
    pub fn get(&mut self, group_type: &str) -> Option<&TypeRoles> {
        if !self.cache.contains_key(group_type) {
            let computed = self.compute(group_type);
            self.cache.insert(group_type.to_string(), computed);
        }
        self.cache.get(group_type).and_then(Option::as_ref)
    }

    fn compute(&self, group_type: &str) -> Option<TypeRoles> {
        let declared = self.schemas.declared_outputs(group_type);
        let handler = testee::find_handler(group_type);
        let (captured, mut problems) = match handler {
            Some(h) => {
                let tests = self.corpus.get(group_type).into_iter().flatten();
                captured_outputs(h, tests.map(|(g, t)| (g, t)))
            }
            None => (BTreeSet::new(), Vec::new()),
        };
        let roles = match &declared {
            Some(d) => {
                for c in captured.difference(d) {
                    problems.push(format!(
                        "`{c}` is compared as an output by the reference handler but the schema \
                         declares it an input"
                    ));
                }
                if handler.is_some() {
                    for d in d.difference(&captured) {
                        problems.push(format!(
                            "`{d}` is an output in the schema but the reference handler never \
                             reports it through expect_hex/expect_value/expect_outputs"
                        ));
                    }
                }
                Roles::from_patterns(d.clone(), RoleSource::Schema)
            }
            None if handler.is_some() => {
                Roles::from_patterns(captured.clone(), RoleSource::Captured)
            }
            None => return None,
        };
        Some(TypeRoles {
            roles,
            captured,
            problems,
        })
    }

    /// The roles to strip and judge one test with: the schema's patterns when the schema is
    /// annotated, else the places the reference handler compares on this very test.
    pub fn for_test(
        &mut self,
        group_type: &str,
        group: &Group,
        test: &Test,
    ) -> Result<Roles, String> {
        let Some(type_roles) = self.get(group_type) else {
            return Err(format!(
                "unknown group type `{group_type}`: no annotated schema and no reference handler"
            ));
        };
        let mut roles = type_roles.roles.clone();
        if roles.source == RoleSource::Captured {
            let handler = testee::find_handler(group_type).ok_or("no handler")?;
            roles.concrete = Some(roles::captured_places(handler, group, test)?);
        }
        Ok(roles)
    }

    /// Every group type with a schema or committed vectors.
    pub fn known_types(&self) -> Vec<String> {
        let mut t: BTreeSet<String> = self.corpus.keys().cloned().collect();
        t.extend(testee::implemented_types());
        t.into_iter().collect()
    }

    /// The committed tests of a group type (the fuzzer's seeds).
    pub fn tests(&self, group_type: &str) -> &[(Group, Test)] {
        self.corpus
            .get(group_type)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Whether the schema of a group type exists.
    pub fn has_schema(&self, group_type: &str) -> bool {
        self.schemas.has(group_type)
    }
}

/// Every (group, test) of a vector file; the group is cloned without its `tests`.
pub fn tests_of(file: &Value) -> Vec<(Group, Test)> {
    let mut out = Vec::new();
    for group in file
        .get("testGroups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(g) = group.as_object() else { continue };
        let params = roles::group_params(g);
        for test in g
            .get("tests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = test.as_object() {
                out.push((params.clone(), t.clone()));
            }
        }
    }
    out
}

/// Command-line options shared by `check --impl`, `fuzz` and `ct`.
pub struct Args {
    /// `--name value` options.
    pub options: BTreeMap<String, String>,
    /// Everything else, in order.
    pub positional: Vec<String>,
}

impl Args {
    /// Splits `args` into options (each taking one value) and positional arguments.
    pub fn parse(args: &[String], known: &[&str]) -> Result<Args, String> {
        let mut options = BTreeMap::new();
        let mut positional = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (name, None),
                };
                if !known.contains(&name) {
                    return Err(format!(
                        "unknown option --{name} (known: --{})",
                        known.join(", --")
                    ));
                }
                let value = match inline {
                    Some(v) => v,
                    None => it.next().ok_or(format!("--{name} needs a value"))?.clone(),
                };
                options.insert(name.to_string(), value);
            } else {
                positional.push(a.clone());
            }
        }
        Ok(Args {
            options,
            positional,
        })
    }

    /// An option's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }

    /// A numeric option, or its default.
    pub fn number(&self, name: &str, default: f64) -> Result<f64, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or(format!("--{name} must be a non-negative number, not `{v}`")),
        }
    }

    /// The pipe options from `--impl`, `--timeout` and `--startup-timeout`.
    pub fn pipe(&self) -> Result<pipe::PipeOptions, String> {
        Ok(pipe::PipeOptions {
            command: self
                .get("impl")
                .ok_or("--impl CMD is required")?
                .to_string(),
            timeout: Duration::from_secs_f64(self.number("timeout", 10.0)?),
            startup_timeout: Duration::from_secs_f64(self.number("startup-timeout", 120.0)?),
        })
    }
}

/// A file's name for reports and expectation files: its path under `vectors/` if it is there,
/// else the path as given.
pub fn display_name(path: &Path) -> String {
    let root = crate::repo_root().join("vectors");
    let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    match canon.strip_prefix(&root) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}
