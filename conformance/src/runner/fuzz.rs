//! `conformance fuzz --impl CMD [--seconds N | --inputs N] [--type T] [--seed S] [--out DIR]`:
//! differential fuzzing of a port against the in-process reference (`spec/conformance.md §9`).
//!
//! Inputs are the committed vectors' inputs, mutated: bit flips, truncations and extensions of
//! byte strings, boundary values of every integer, values swapped in from other tests of the same
//! group type, and for state-machine groups random step sequences built from the vectors' steps.
//! The reference answers each input in this process (the same capture-mode handlers that serve
//! as the reference testee); the port answers through the pipe. The first disagreement in
//! verdict, error code or any output is shrunk and written out as a vector file in our schema,
//! carrying the reference's verdict and outputs, ready to commit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::{json, Map, Value};

use super::judge::{judge, parse_answer, Aliases, Answer, Outcome};
use super::pipe::{shorten, Testee};
use super::roles::{child, entry, item, RoleSource, Roles, PANIC_PREFIX};
use super::testee::{evaluate, find_handler};
use super::{Args, RoleBook};
use crate::vector::{FileBuilder, Group, Handler, Test};

/// One group type under fuzzing.
struct Target {
    group_type: String,
    handler: Handler,
    /// Inputs of the committed tests: (group parameters with `type`, test inputs).
    seeds: Vec<(Group, Test)>,
    /// Scalar values seen at each path pattern, for swaps between tests.
    values: BTreeMap<String, Vec<Value>>,
    /// List entries (objects) seen at each list pattern, by the group they came from.
    entries: BTreeMap<String, Vec<(usize, Value)>>,
    protocol: String,
    spec: String,
    stats: Stats,
    /// The first input on which the reference itself panicked, with the panic.
    panic: Option<(Group, Test, String)>,
}

#[derive(Default, Clone)]
struct Stats {
    panics: u64,
    tried: u64,
    out_of_domain: u64,
    accepted: u64,
    rejected: u64,
    unsupported: u64,
}

/// A disagreement found, before and after shrinking.
struct Finding {
    group_type: String,
    group: Group,
    test: Test,
    reason: String,
}

/// The command.
pub fn command(args: &[String]) -> Result<(), String> {
    let args = Args::parse(
        args,
        &[
            "impl",
            "seconds",
            "inputs",
            "type",
            "seed",
            "out",
            "timeout",
            "startup-timeout",
        ],
    )?;
    let seconds = args.number("seconds", 60.0)?;
    let max_inputs = args.get("inputs").map(|v| v.parse::<u64>()).transpose();
    let max_inputs = max_inputs.map_err(|_| "--inputs must be a whole number")?;
    let seed: u64 = args
        .get("seed")
        .unwrap_or("1")
        .parse()
        .map_err(|_| "--seed must be a whole number")?;
    let out_dir = args
        .get("out")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::repo_root().join("target/conformance-fuzz"));
    let extra: Vec<Value> = crate::vector_files(&args.positional)?
        .iter()
        .filter(|_| !args.positional.is_empty())
        .map(|p| crate::load(p))
        .collect::<Result<_, _>>()?;
    super::roles::quiet_panics();
    let mut book = RoleBook::new(&extra);
    let mut testee = Testee::start(args.pipe()?)?;
    let hello = testee.hello.clone();
    let filter = args.get("type");
    let mut targets = Vec::new();
    for t in &hello.types {
        let (protocol, spec) = book.meta(t);
        if let Some(f) = filter {
            let by_protocol = !f.contains('-') && !f.contains('*');
            let wanted = if by_protocol {
                protocol == f
            } else {
                super::expect::glob(f, t)
            };
            if !wanted {
                continue;
            }
        }
        let Some(handler) = find_handler(t) else {
            continue;
        };
        if let Some(target) = build_target(&mut book, t, handler, protocol, spec) {
            targets.push(target);
        }
    }
    if targets.is_empty() {
        return Err(format!(
            "nothing to fuzz: no group type both implemented by the testee and known to the \
             reference{}",
            filter
                .map(|f| format!(" matches `{f}`"))
                .unwrap_or_default()
        ));
    }
    println!(
        "fuzz: {} {} against the reference, seed {seed}, {} group types, {}",
        hello.name,
        hello.version,
        targets.len(),
        match max_inputs {
            Some(n) => format!("{n} inputs"),
            None => format!("{seconds} s"),
        }
    );
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let started = Instant::now();
    let mut finding = None;
    let mut total = 0u64;
    'outer: loop {
        for target in targets.iter_mut() {
            let done = match max_inputs {
                Some(n) => total >= n,
                None => started.elapsed().as_secs_f64() >= seconds,
            };
            if done {
                break 'outer;
            }
            let Some((base, group, test, reference)) = candidate(target, &mut rng) else {
                continue;
            };
            total += 1;
            target.stats.tried += 1;
            match &reference {
                Answer::Accept { .. } => target.stats.accepted += 1,
                _ => target.stats.rejected += 1,
            }
            match compare(&mut testee, target, &group, &test, &reference)? {
                Verdict::Agree => {}
                Verdict::Unsupported => target.stats.unsupported += 1,
                Verdict::Disagree(reason) => {
                    println!(
                        "disagreement on {} after {total} inputs: {reason}",
                        target.group_type
                    );
                    let found = (group.clone(), test.clone());
                    let (group, test, reason) = shrink(&mut testee, target, base, found, reason)?;
                    finding = Some(Finding {
                        group_type: target.group_type.clone(),
                        group,
                        test,
                        reason,
                    });
                    break 'outer;
                }
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>13} {:>11} {:>7}",
        "group type", "inputs", "accepted", "rejected", "out of domain", "unsupported", "panics"
    );
    let mut by_protocol: BTreeMap<String, u64> = BTreeMap::new();
    for t in &targets {
        println!(
            "{:<28} {:>9} {:>9} {:>9} {:>13} {:>11} {:>7}",
            t.group_type,
            t.stats.tried,
            t.stats.accepted,
            t.stats.rejected,
            t.stats.out_of_domain,
            t.stats.unsupported,
            t.stats.panics
        );
        *by_protocol.entry(t.protocol.clone()).or_default() += t.stats.tried;
    }
    let mut panics = 0;
    for t in &targets {
        if let Some((group, test, reason)) = &t.panic {
            panics += t.stats.panics;
            std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
            let path = out_dir.join(format!("reference-panic-{}-seed{seed}.json", t.group_type));
            let mut params = group.clone();
            params.remove("type");
            let body =
                json!({"type": t.group_type, "group": params, "test": test, "panic": reason});
            let text = serde_json::to_string_pretty(&body).map_err(|e| e.to_string())?;
            std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
            println!(
                "REFERENCE PANIC {}: {} input(s); first: {reason}; input written to {}",
                t.group_type,
                t.stats.panics,
                path.display()
            );
        }
    }
    let per_protocol: Vec<String> = by_protocol
        .iter()
        .map(|(p, n)| format!("{p} {n}"))
        .collect();
    println!(
        "{total} inputs in {elapsed:.1} s ({}), {} testee restart(s)",
        per_protocol.join(", "),
        testee.starts.saturating_sub(1)
    );
    match finding {
        None if panics > 0 => Err(format!(
            "no disagreement, but the reference panicked on {panics} input(s) (a bug of this library)"
        )),
        None => {
            println!("no disagreement");
            Ok(())
        }
        Some(f) => {
            let target = targets
                .iter()
                .find(|t| t.group_type == f.group_type)
                .ok_or("target vanished")?;
            let path = write_vector(&out_dir, target, &f, seed, &hello.name, &hello.version)?;
            println!("shrunk: {}", f.reason);
            println!("vector written to {}", path.display());
            Err(format!(
                "{} {} disagrees with the reference on {}",
                hello.name, hello.version, f.group_type
            ))
        }
    }
}

fn build_target(
    book: &mut RoleBook,
    group_type: &str,
    handler: Handler,
    protocol: String,
    spec: String,
) -> Option<Target> {
    let tests: Vec<(Group, Test)> = book.tests(group_type).to_vec();
    let mut seeds = Vec::new();
    for (group, test) in &tests {
        let Ok(roles) = book.for_test(group_type, group, test) else {
            continue;
        };
        let mut g = roles.strip_group(group);
        g.insert("type".into(), json!(group_type));
        seeds.push((g, roles.strip_test(test)));
    }
    if seeds.is_empty() {
        return None;
    }
    let mut values: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut entries: BTreeMap<String, Vec<(usize, Value)>> = BTreeMap::new();
    let mut groups: Vec<&Group> = Vec::new();
    for (g, t) in &seeds {
        let gi = groups.iter().position(|x| *x == g).unwrap_or_else(|| {
            groups.push(g);
            groups.len() - 1
        });
        collect(
            &Value::Object(g.clone()),
            "group",
            gi,
            &mut values,
            &mut entries,
        );
        collect(&Value::Object(t.clone()), "", gi, &mut values, &mut entries);
    }
    for v in values.values_mut() {
        v.sort_by_key(|x| x.to_string());
        v.dedup();
    }
    Some(Target {
        group_type: group_type.to_string(),
        handler,
        seeds,
        values,
        entries,
        protocol,
        spec,
        stats: Stats::default(),
        panic: None,
    })
}

fn collect(
    v: &Value,
    pattern: &str,
    group: usize,
    values: &mut BTreeMap<String, Vec<Value>>,
    entries: &mut BTreeMap<String, Vec<(usize, Value)>>,
) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if pattern == "group" && k == "type" {
                    continue;
                }
                collect(x, &child(pattern, k), group, values, entries);
            }
        }
        Value::Array(items) => {
            let p = item(pattern);
            for x in items {
                if x.is_object() {
                    entries
                        .entry(p.clone())
                        .or_default()
                        .push((group, x.clone()));
                }
                collect(x, &p, group, values, entries);
            }
        }
        scalar => values
            .entry(pattern.to_string())
            .or_default()
            .push(scalar.clone()),
    }
}

// ---------------------------------------------------------------------------------------------
// Candidates

fn below(rng: &mut ChaCha20Rng, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (rng.next_u64() % n as u64) as usize
    }
}

/// A mutated input the reference has a verdict on, with that verdict. `None` when the attempts
/// only produced inputs outside the group type's domain.
fn candidate(target: &mut Target, rng: &mut ChaCha20Rng) -> Option<(usize, Group, Test, Answer)> {
    'attempt: for _ in 0..8 {
        let base = below(rng, target.seeds.len());
        let (group, test) = target.seeds[base].clone();
        let mut tree = json!({"group": group, "test": test});
        let n = 1 + (rng.next_u32().trailing_ones() as usize).min(3);
        for _ in 0..n {
            mutate(target, &mut tree, rng);
        }
        let (group, mut test) = split(tree);
        // A random step sequence can fail in its middle, which a vector never does: cut it back.
        for _ in 0..4 {
            match reference(target.handler, &group, &test) {
                Answer::Malformed(reason) if reason.starts_with(PANIC_PREFIX) => {
                    target.stats.panics += 1;
                    if target.panic.is_none() {
                        target.panic = Some((group.clone(), test.clone(), reason));
                    }
                    continue 'attempt;
                }
                Answer::Malformed(_) => {
                    let Some(Value::Array(steps)) = test.get_mut("steps") else {
                        break;
                    };
                    if steps.len() <= 1 {
                        break;
                    }
                    steps.pop();
                }
                answer => return Some((base, group, test, answer)),
            }
        }
        target.stats.out_of_domain += 1;
    }
    None
}

fn split(tree: Value) -> (Group, Test) {
    let mut obj = match tree {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let take = |o: &mut Map<String, Value>, k: &str| match o.remove(k) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    (take(&mut obj, "group"), take(&mut obj, "test"))
}

/// The reference's answer on inputs.
fn reference(handler: Handler, group: &Group, test: &Test) -> Answer {
    parse_answer(&Value::Object(evaluate(handler, group, test)))
        .unwrap_or_else(|e| Answer::Malformed(format!("reference answer: {e}")))
}

/// Every scalar place and every list of objects in `tree`, with their patterns.
fn places(
    v: &Value,
    path: &mut Vec<Key>,
    pattern: &str,
    scalars: &mut Vec<(Vec<Key>, String)>,
    lists: &mut Vec<(Vec<Key>, String)>,
) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "type" && path.len() == 1 {
                    continue;
                }
                path.push(Key::Field(k.clone()));
                let p = if pattern.is_empty() && path.len() == 1 {
                    String::new()
                } else {
                    child(pattern, k)
                };
                places(x, path, &p, scalars, lists);
                path.pop();
            }
        }
        Value::Array(items) => {
            if items.iter().any(Value::is_object) {
                lists.push((path.clone(), item(pattern)));
            }
            for (i, x) in items.iter().enumerate() {
                path.push(Key::Index(i));
                places(x, path, &item(pattern), scalars, lists);
                path.pop();
            }
        }
        _ => scalars.push((path.clone(), pattern.to_string())),
    }
}

#[derive(Clone, Debug)]
enum Key {
    Field(String),
    Index(usize),
}

fn at_mut<'a>(v: &'a mut Value, path: &[Key]) -> Option<&'a mut Value> {
    let mut cur = v;
    for k in path {
        cur = match k {
            Key::Field(f) => cur.get_mut(f.as_str())?,
            Key::Index(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

/// The pattern of the tree's top-level parts: `group.x` for group parameters, `x` for tests.
fn tree_pattern(path: &[Key], pattern: &str) -> String {
    match path.first() {
        Some(Key::Field(f)) if f == "group" => {
            if pattern.is_empty() {
                "group".into()
            } else {
                format!("group.{pattern}")
            }
        }
        _ => pattern.to_string(),
    }
}

fn is_hex(s: &str) -> bool {
    s.len() & 1 == 0
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn as_bytes(v: &Value) -> Option<Vec<u8>> {
    v.as_str()
        .filter(|s| is_hex(s))
        .and_then(|s| ::hex::decode(s).ok())
}

fn to_hex(b: &[u8]) -> String {
    crate::vector::hex(b)
}

fn mutate(target: &Target, tree: &mut Value, rng: &mut ChaCha20Rng) {
    let mut scalars = Vec::new();
    let mut lists = Vec::new();
    places(tree, &mut Vec::new(), "", &mut scalars, &mut lists);
    let has_steps = lists.iter().any(|(p, _)| matches!(p.as_slice(), [Key::Field(t), Key::Field(s)] if t == "test" && s == "steps"));
    let choice = below(rng, if lists.is_empty() { 10 } else { 14 });
    if choice >= 10 {
        let (path, pattern) = lists[below(rng, lists.len())].clone();
        let pattern = tree_pattern(&path, &pattern);
        mutate_list(target, tree, &path, &pattern, has_steps, rng);
        return;
    }
    if scalars.is_empty() {
        return;
    }
    let (path, pattern) = scalars[below(rng, scalars.len())].clone();
    let pattern = tree_pattern(&path, &pattern);
    let Some(slot) = at_mut(tree, &path) else {
        return;
    };
    if choice >= 8 {
        // Swap in a value seen at the same place in another test.
        if let Some(pool) = target.values.get(&pattern) {
            if !pool.is_empty() {
                *slot = pool[below(rng, pool.len())].clone();
            }
        }
        return;
    }
    let current = slot.clone();
    *slot = match current {
        Value::String(s)
            if s.bytes().all(|b| b.is_ascii_digit())
                && !s.is_empty()
                && rng.next_u32() & 1 == 0 =>
        {
            Value::String(boundary_u64(s.parse::<u64>().unwrap_or(0), rng).to_string())
        }
        Value::String(s) if is_hex(&s) => Value::String(mutate_hex(&s, rng)),
        Value::Number(n) => json!(boundary_u64(n.as_u64().unwrap_or(0), rng)),
        Value::Bool(b) => Value::Bool(!b),
        other => other,
    };
}

/// A boundary value near `v` or of a common integer width.
fn boundary_u64(v: u64, rng: &mut ChaCha20Rng) -> u64 {
    let candidates = [
        0,
        1,
        v.wrapping_sub(1),
        v.wrapping_add(1),
        v.wrapping_add(86_400),
        v.wrapping_sub(86_400),
        v / 2,
        v.wrapping_mul(2),
        0xff,
        0x100,
        0xffff,
        0x1_0000,
        0xffff_ffff,
        0x1_0000_0000,
        (1 << 53) - 1,
        1 << 53,
        u64::MAX / 2,
        u64::MAX,
        rng.next_u64() % 1000,
    ];
    candidates[below(rng, candidates.len())]
}

fn mutate_hex(s: &str, rng: &mut ChaCha20Rng) -> String {
    let mut b = ::hex::decode(s).unwrap_or_default();
    match below(rng, 7) {
        0 | 1 if !b.is_empty() => {
            let i = below(rng, b.len());
            b[i] ^= 1 << below(rng, 8);
        }
        2 if !b.is_empty() => {
            let cut = 1 + below(rng, b.len().min(8));
            b.truncate(b.len() - cut);
        }
        3 if !b.is_empty() => {
            b.truncate(below(rng, b.len()));
        }
        4 => {
            for _ in 0..1 + below(rng, 8) {
                b.push(rng.next_u32() as u8);
            }
        }
        5 if !b.is_empty() => {
            let i = below(rng, b.len());
            b[i] = [0x00, 0xff, 0x7f, 0x80][below(rng, 4)];
        }
        _ if !b.is_empty() => {
            // The high bit of the last byte: sign bits of point encodings, top bits of scalars.
            let last = b.len() - 1;
            b[last] ^= 0x80;
        }
        _ => b.push(0),
    }
    to_hex(&b)
}

fn mutate_list(
    target: &Target,
    tree: &mut Value,
    path: &[Key],
    pattern: &str,
    is_steps_tree: bool,
    rng: &mut ChaCha20Rng,
) {
    let pool = target.entries.get(pattern);
    let Some(Value::Array(items)) = at_mut(tree, path) else {
        return;
    };
    let n = items.len();
    match below(rng, 6) {
        0 if n > 1 => {
            items.remove(below(rng, n));
        }
        1 if n > 0 => {
            let i = below(rng, n);
            let x = items[i].clone();
            items.insert(i, x);
        }
        2 if n > 1 => {
            let i = below(rng, n - 1);
            items.swap(i, i + 1);
        }
        3 if n > 1 => items.truncate(1 + below(rng, n - 1)),
        4 => {
            // A fresh random sequence from the entries seen at this place.
            if let Some(pool) = pool.filter(|p| !p.is_empty()) {
                let len = 1 + below(rng, if is_steps_tree { 8 } else { 4 });
                *items = (0..len)
                    .map(|_| pool[below(rng, pool.len())].1.clone())
                    .collect();
            }
        }
        _ => {
            if let Some(pool) = pool.filter(|p| !p.is_empty()) {
                let x = pool[below(rng, pool.len())].1.clone();
                let at = below(rng, n + 1);
                items.insert(at, x);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing and shrinking

enum Verdict {
    Agree,
    Unsupported,
    Disagree(String),
}

/// The reference's verdict and outputs merged into the inputs: a vector test, and the concrete
/// places of its outputs.
fn as_vector(group: &Group, test: &Test, reference: &Answer) -> (Group, Test, Roles) {
    let empty = Map::new();
    let (outputs, group_outputs, result, code) = match reference {
        Answer::Accept { outputs, group } => (outputs, group, "valid", None),
        Answer::Reject {
            code,
            outputs,
            group,
        } => (outputs, group, "invalid", Some(code.clone())),
        _ => (&empty, &empty, "valid", None),
    };
    let mut places = BTreeSet::new();
    let mut g = merge(group, group_outputs, "group", &mut places);
    g.remove("type");
    let g = {
        let mut with_type = Map::new();
        with_type.insert(
            "type".into(),
            group.get("type").cloned().unwrap_or(Value::Null),
        );
        with_type.extend(g);
        with_type
    };
    let mut t = merge(test, outputs, "", &mut places);
    t.insert("result".into(), json!(result));
    if let Some(c) = code {
        t.insert("error".into(), json!(c));
    }
    let roles = Roles {
        outputs: BTreeSet::new(),
        concrete: Some(places),
        source: RoleSource::Captured,
    };
    (g, t, roles)
}

fn merge(
    inputs: &Map<String, Value>,
    outputs: &Map<String, Value>,
    path: &str,
    places: &mut BTreeSet<String>,
) -> Map<String, Value> {
    let mut m = inputs.clone();
    for (k, v) in outputs {
        let p = child(path, k);
        match (inputs.get(k), v) {
            (Some(Value::Object(i)), Value::Object(o)) => {
                m.insert(k.clone(), Value::Object(merge(i, o, &p, places)));
            }
            (Some(Value::Array(ia)), Value::Array(oa)) => {
                let merged = ia
                    .iter()
                    .enumerate()
                    .map(|(i, x)| match (x, oa.get(i)) {
                        (Value::Object(x), Some(Value::Object(y))) => {
                            Value::Object(merge(x, y, &entry(&p, i), places))
                        }
                        _ => x.clone(),
                    })
                    .collect();
                m.insert(k.clone(), Value::Array(merged));
            }
            _ => {
                m.insert(k.clone(), v.clone());
                places.insert(p);
            }
        }
    }
    m
}

fn compare(
    testee: &mut Testee,
    target: &Target,
    group: &Group,
    test: &Test,
    reference: &Answer,
) -> Result<Verdict, String> {
    let mut params = group.clone();
    params.remove("type");
    let request = json!({"op": "test", "type": target.group_type, "group": params, "test": test});
    let answer = match testee.call(request)? {
        Ok(a) => a,
        Err(e) => return Ok(Verdict::Disagree(e.0)),
    };
    let answer = match parse_answer(&answer) {
        Ok(a) => a,
        Err(e) => {
            testee.abandon();
            return Ok(Verdict::Disagree(format!("malformed answer: {e}")));
        }
    };
    let (vg, vt, roles) = as_vector(group, test, reference);
    Ok(match judge(&roles, &vg, &vt, &answer, &Aliases::new()) {
        Outcome::Pass => Verdict::Agree,
        Outcome::NotImplemented(_) => Verdict::Unsupported,
        Outcome::Fail(reason) => Verdict::Disagree(reason),
    })
}

/// Whether the port still disagrees on (group, test); the reason if so.
fn still_disagrees(
    testee: &mut Testee,
    target: &Target,
    group: &Group,
    test: &Test,
) -> Result<Option<String>, String> {
    let r = reference(target.handler, group, test);
    if matches!(r, Answer::Malformed(_)) {
        return Ok(None);
    }
    Ok(match compare(testee, target, group, test, &r)? {
        Verdict::Disagree(reason) => Some(reason),
        _ => None,
    })
}

/// Shrinks a disagreement: fewer list entries, then values (and bytes) put back to those of the
/// committed test it was derived from, as long as the port still disagrees.
fn shrink(
    testee: &mut Testee,
    target: &Target,
    base: usize,
    (mut group, mut test): (Group, Test),
    mut reason: String,
) -> Result<(Group, Test, String), String> {
    let mut budget = 400;
    let mut progress = true;
    while progress && budget > 0 {
        progress = false;
        // Drop list entries, last first.
        let mut lists = Vec::new();
        places(
            &json!({"test": test.clone()}),
            &mut Vec::new(),
            "",
            &mut Vec::new(),
            &mut lists,
        );
        for (path, _) in lists {
            let mut i = match at_mut(&mut json!({"test": test.clone()}), &path) {
                Some(Value::Array(a)) => a.len(),
                _ => 0,
            };
            while i > 0 && budget > 0 {
                i -= 1;
                let mut tree = json!({"test": test.clone()});
                if let Some(Value::Array(a)) = at_mut(&mut tree, &path) {
                    if a.len() <= 1 {
                        break;
                    }
                    a.remove(i);
                }
                let (_, t) = split(json!({"group": {}, "test": tree["test"].clone()}));
                budget -= 1;
                if let Some(r) = still_disagrees(testee, target, &group, &t)? {
                    test = t;
                    reason = r;
                    progress = true;
                }
            }
        }
        // Put values back to those of the committed test the input came from.
        let seed = target.seeds[base].clone();
        let mut scalars = Vec::new();
        let tree = json!({"group": group.clone(), "test": test.clone()});
        places(&tree, &mut Vec::new(), "", &mut scalars, &mut Vec::new());
        let seed_tree = json!({"group": seed.0, "test": seed.1});
        for (path, pattern) in scalars {
            if budget == 0 {
                break;
            }
            let current = {
                let mut tree = json!({"group": group.clone(), "test": test.clone()});
                at_mut(&mut tree, &path).cloned()
            };
            let Some(current) = current else { continue };
            // The value to go back to: the base test's, or the committed value at this place
            // closest to the current one (the input may have been swapped in from another test).
            let mut seed_tree = seed_tree.clone();
            let from_base = at_mut(&mut seed_tree, &path).cloned();
            let pool = target.values.get(&tree_pattern(&path, &pattern));
            let closest = as_bytes(&current).and_then(|cur| {
                pool.into_iter()
                    .flatten()
                    .filter_map(|v| as_bytes(v).map(|b| (v, b)))
                    .filter(|(_, b)| b.len() == cur.len())
                    .min_by_key(|(_, b)| b.iter().zip(&cur).filter(|(x, y)| x != y).count())
                    .map(|(v, _)| v.clone())
            });
            let Some(original) = closest.or(from_base) else {
                continue;
            };
            if current == original {
                continue;
            }
            // The whole value first, then (for byte strings of the same length) byte by byte.
            let mut tries: Vec<Option<usize>> = vec![None];
            if let (Some(a), Some(b)) = (as_bytes(&current), as_bytes(&original)) {
                if a.len() == b.len() {
                    tries.extend((0..a.len()).filter(|i| a[*i] != b[*i]).map(Some));
                }
            }
            for byte in tries {
                if budget == 0 {
                    break;
                }
                let mut tree = json!({"group": group.clone(), "test": test.clone()});
                let Some(slot) = at_mut(&mut tree, &path) else {
                    continue;
                };
                match byte {
                    None => *slot = original.clone(),
                    Some(i) => {
                        let (Some(mut now), Some(b)) = (as_bytes(slot), as_bytes(&original)) else {
                            continue;
                        };
                        if now.len() != b.len() || now[i] == b[i] {
                            continue;
                        }
                        now[i] = b[i];
                        *slot = Value::String(to_hex(&now));
                    }
                }
                let (g, t) = split(tree);
                budget -= 1;
                if let Some(r) = still_disagrees(testee, target, &g, &t)? {
                    group = g;
                    test = t;
                    reason = r;
                    progress = true;
                    if byte.is_none() {
                        break;
                    }
                }
            }
        }
    }
    Ok((group, test, reason))
}

/// Writes the finding as a one-test vector file with the reference's verdict and outputs.
fn write_vector(
    dir: &std::path::Path,
    target: &Target,
    f: &Finding,
    seed: u64,
    name: &str,
    version: &str,
) -> Result<PathBuf, String> {
    let reference = reference(target.handler, &f.group, &f.test);
    let (group, test, _) = as_vector(&f.group, &f.test, &reference);
    let header = format!(
        "Found by `conformance fuzz --seed {seed}`: {name} {version} disagrees with the reference: {}",
        shorten(&f.reason, 300)
    );
    let mut b = FileBuilder::new(
        &target.protocol,
        &target.group_type,
        &target.spec,
        &[
            &header,
            "The verdict and every output are the reference's (contact-tracing); inputs were shrunk.",
        ],
    );
    b.note(
        "Fuzz",
        "FUNCTIONALITY",
        "An input on which an implementation disagreed with the reference under differential fuzzing.",
    );
    let mut params = group.clone();
    params.remove("type");
    b.group(&target.group_type, Value::Object(params));
    let mut fields = test.clone();
    let result = fields.remove("result");
    let error = fields.remove("error");
    let comment = format!("differential fuzzing: {}", shorten(&f.reason, 160));
    match (
        result.as_ref().and_then(Value::as_str),
        error.as_ref().and_then(Value::as_str),
    ) {
        (Some("invalid"), Some(code)) => {
            b.invalid(&comment, &["Fuzz"], code, Value::Object(fields));
        }
        _ => {
            b.valid(&comment, &["Fuzz"], Value::Object(fields));
        }
    }
    let file = b.finish();
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut n = 1;
    let path = loop {
        let p = dir.join(format!("{}-seed{seed}-{n}.json", target.group_type));
        if !p.exists() {
            break p;
        }
        n += 1;
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}
