//! `conformance ct --impl CMD [--samples N] [--operation OP] [--seed S]`: dudect-style timing
//! checks of a port (`spec/conformance.md §10`). Advisory, as ours are: a large `|t|` is evidence
//! of a secret-dependent timing difference; a small one proves nothing.
//!
//! The runner draws the inputs: for each sample a class at random, and for the *fixed* class one
//! constant input, for the *random* class a fresh random secret (or, for a comparison, a fresh
//! random candidate). The testee times one execution of the operation per input with its own
//! clock and returns the durations; the runner applies Welch's t-test, on all samples and on the
//! samples below several percentiles (the cropping of dudect, which removes the long tail that
//! interrupts and scheduling add).

use std::hint::black_box;
use std::time::Instant;

use contact_tracing::encounter::{
    Attestation, AttestationFields, ContactRecord, IdentityKey, InfectionReport, ReportType,
};
use contact_tracing::geo::{oprf_blind_raw, BlockSize, SaltKey, TimeBlock};
use contact_tracing::mix::{header_mac, header_mac_matches, Lioness, LIONESS_KEY_LEN};
use contact_tracing::nym::ContactAddress;
use contact_tracing::tcn::{
    MemoType, ReportAuthorizationKey, ReportVerificationKey, TemporaryContactKey,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::{json, Map, Value};

use super::pipe::Testee;
use super::Args;
use crate::vector::{hex, hex_array, hex_field, u32_field, u64_str_field};

/// One timing operation.
pub struct Operation {
    /// Name in the protocol.
    pub name: &'static str,
    /// The fixed-class input.
    fixed: fn() -> Value,
    /// A random-class input.
    random: fn(&mut ChaCha20Rng) -> Value,
    /// Parses an input, then times one execution in this process (nanoseconds).
    time: fn(&Map<String, Value>) -> Result<u64, String>,
}

fn bytes<const N: usize>(rng: &mut ChaCha20Rng) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

fn timed<R>(f: impl FnOnce() -> R) -> u64 {
    let start = Instant::now();
    let r = f();
    let elapsed = start.elapsed();
    black_box(r);
    u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
}

/// Every operation, in the order of `spec/conformance.md §10`.
pub fn operations() -> Vec<Operation> {
    vec![
        Operation {
            name: "tcn-sign-report",
            fixed: || json!({"rak": hex([0x5a; 32]), "memoType": 0, "memoData": "6374", "j1": 1, "j2": 1}),
            random: |r| json!({"rak": hex(bytes::<32>(r)), "memoType": 0, "memoData": "6374", "j1": 1, "j2": 1}),
            time: |i| {
                let rak = hex_array::<32>(i, "rak")?;
                let mt = u8::try_from(u32_field(i, "memoType")?).map_err(|_| "memoType")?;
                let memo = hex_field(i, "memoData")?;
                let j1 = u16::try_from(u32_field(i, "j1")?).map_err(|_| "j1")?;
                let j2 = u16::try_from(u32_field(i, "j2")?).map_err(|_| "j2")?;
                Ok(timed(|| {
                    ReportAuthorizationKey::from_seed(black_box(rak))
                        .create_report(MemoType(mt), &memo, j1, j2)
                        .is_ok()
                }))
            },
        },
        Operation {
            name: "tcn-ratchet",
            fixed: || json!({"rvk": hex([0x33; 32]), "index": 9, "tck": hex([0x5a; 32])}),
            random: |r| json!({"rvk": hex([0x33; 32]), "index": 9, "tck": hex(bytes::<32>(r))}),
            time: |i| {
                let rvk = ReportVerificationKey(hex_array(i, "rvk")?);
                let index = u16::try_from(u32_field(i, "index")?).map_err(|_| "index")?;
                let tck = hex_array::<32>(i, "tck")?;
                Ok(timed(|| {
                    TemporaryContactKey::from_parts(index, rvk, black_box(tck))
                        .ratchet()
                        .map(|k| k.temporary_contact_number().0)
                }))
            },
        },
        Operation {
            name: "encounter-key-conversion",
            fixed: || json!({"seed": hex([0x21; 32])}),
            random: |r| json!({"seed": hex(bytes::<32>(r))}),
            time: |i| {
                let seed = hex_array::<32>(i, "seed")?;
                Ok(timed(|| {
                    IdentityKey::from_seed(black_box(seed))
                        .map(|k| (k.public_key(), k.montgomery_u(), *k.x25519_secret()))
                }))
            },
        },
        Operation {
            name: "encounter-report-mac-check",
            fixed: || report_mac_input(None),
            random: |r| report_mac_input(Some(bytes::<32>(r))),
            time: |i| {
                let key = zeroize::Zeroizing::new(hex_array::<32>(i, "reportKey")?);
                let report = InfectionReport::decode(&hex_field(i, "report")?)
                    .map_err(|e| format!("report: {e:?}"))?;
                Ok(timed(|| black_box(&report).mac_is_valid(&key)))
            },
        },
        Operation {
            name: "mix-lioness-encrypt",
            fixed: || json!({"key": hex([0x3c; LIONESS_KEY_LEN]), "block": hex([0x5a; 239])}),
            random: |r| {
                let mut key = [0u8; LIONESS_KEY_LEN];
                r.fill_bytes(&mut key);
                json!({"key": hex(key), "block": hex([0x5a; 239])})
            },
            time: |i| {
                let key = hex_array::<LIONESS_KEY_LEN>(i, "key")?;
                let mut block = hex_field(i, "block")?;
                Ok(timed(|| {
                    Lioness::new(black_box(&key)).encrypt(&mut block).is_ok()
                }))
            },
        },
        Operation {
            name: "mix-header-mac-check",
            fixed: || header_mac_input(None),
            random: |r| header_mac_input(Some(bytes::<16>(r))),
            time: |i| {
                let mu = hex_array::<32>(i, "mu")?;
                let ks = u8::try_from(u32_field(i, "keySelect")?).map_err(|_| "keySelect")?;
                let alpha = hex_array::<32>(i, "alpha")?;
                let beta = hex_field(i, "beta")?;
                let gamma = hex_field(i, "gamma")?;
                Ok(timed(|| {
                    header_mac_matches(black_box(&mu), ks, &alpha, &beta, black_box(&gamma))
                }))
            },
        },
        Operation {
            name: "nym-respond",
            fixed: || json!({"seed": hex([0x21; 32]), "challenge": hex([7u8; 16])}),
            random: |r| json!({"seed": hex(bytes::<32>(r)), "challenge": hex([7u8; 16])}),
            time: |i| {
                let seed = hex_array::<32>(i, "seed")?;
                let challenge = hex_array::<16>(i, "challenge")?;
                Ok(timed(|| {
                    ContactAddress::from_seed(black_box(&seed))
                        .respond(&challenge)
                        .encode()
                }))
            },
        },
        Operation {
            name: "geo-salt",
            fixed: || json!({"saltKey": hex([0x42; 32]), "size": 20, "k": "1416666"}),
            random: |r| json!({"saltKey": hex(bytes::<32>(r)), "size": 20, "k": "1416666"}),
            time: |i| {
                let key = hex_array::<32>(i, "saltKey")?;
                let size = u8::try_from(u32_field(i, "size")?).map_err(|_| "size")?;
                let size = BlockSize::from_minutes(size).map_err(|e| format!("size: {e:?}"))?;
                let block = TimeBlock::new(size, u64_str_field(i, "k")?);
                Ok(timed(|| {
                    *SaltKey::from_bytes(black_box(key)).salt(&block).as_bytes()
                }))
            },
        },
        Operation {
            name: "geo-oprf-blind",
            fixed: || json!({"input": hex(oprf_input([0x11; 10])), "blind": hex([3u8; 32])}),
            random: |r| json!({"input": hex(oprf_input(bytes::<10>(r))), "blind": hex([3u8; 32])}),
            time: |i| {
                let input = hex_field(i, "input")?;
                let blind = hex_array::<32>(i, "blind")?;
                Ok(timed(|| oprf_blind_raw(black_box(&input), &blind).is_ok()))
            },
        },
    ]
}

/// The OPRF input for a 10-byte cell id: the label of `spec/geo.md` followed by the id.
fn oprf_input(cell: [u8; 10]) -> Vec<u8> {
    let mut v = contact_tracing::labels::geo::OPRF_INPUT.bytes.to_vec();
    v.extend_from_slice(&cell);
    v
}

/// A report and its MAC key; the MAC is the correct one with its last byte flipped (fixed
/// class) or `random` (random class): both are refused, after a comparison an early-exit
/// implementation would end late or early.
fn report_mac_input(random: Option<[u8; 32]>) -> Value {
    let own = IdentityKey::from_seed([0x41; 32]).ok();
    let peer = IdentityKey::from_seed([0x42; 32]).ok();
    let (Some(own), Some(peer)) = (own, peer) else {
        return json!({});
    };
    let (Ok(theirs), Ok(mine)) = (
        peer.encounter(&own.peer_key()),
        own.encounter(&peer.peer_key()),
    ) else {
        return json!({});
    };
    let sender = ContactRecord::new(theirs, 1);
    let bind_key = [0x44; 32];
    let fields = AttestationFields {
        issued_at: 1,
        not_after: 2,
        window_start_day: 0,
        disease_code: 1,
        report_type: ReportType::Confirmed,
        cert_nonce: [0; 16],
        // The attestation commits to the sender's own key, as report creation requires.
        subject_commitment: Attestation::commitment_for(&bind_key, &sender.secret().own_key()),
    };
    let Ok(att) = Attestation::issue(&[0x43; 32], fields) else {
        return json!({});
    };
    let Ok(report) = InfectionReport::create(&sender, &att, &bind_key) else {
        return json!({});
    };
    let key = ContactRecord::new(mine, 1).secret().report_key_from_peer();
    let mut mac = report.mac();
    match random {
        Some(r) => mac = r,
        None => mac[31] ^= 1,
    }
    let tampered = InfectionReport::from_parts(
        report.pair_id(),
        *report.attestation(),
        report.bind_key(),
        mac,
    );
    json!({"reportKey": hex(*key), "report": hex(tampered.encode())})
}

/// A header and its MAC key `mu`; `gamma` is the correct MAC with its last byte flipped (fixed
/// class) or `random` (random class).
fn header_mac_input(random: Option<[u8; 16]>) -> Value {
    let mu = [0x42u8; 32];
    let alpha = [9u8; 32];
    let beta = [0u8; 92];
    let mut gamma = header_mac(&mu, 7, &alpha, &beta);
    match random {
        Some(r) => gamma = r,
        None => gamma[15] ^= 1,
    }
    json!({"mu": hex(mu), "keySelect": 7, "alpha": hex(alpha), "beta": hex(beta), "gamma": hex(gamma)})
}

/// The names of every operation.
pub fn operation_names() -> Vec<&'static str> {
    operations().iter().map(|o| o.name).collect()
}

/// The reference testee's answer to a `ct` request: one duration per input.
pub fn reference_times(request: &Value) -> Result<Vec<u64>, String> {
    let name = request
        .get("operation")
        .and_then(Value::as_str)
        .ok_or("request lacks `operation`")?;
    let op = operations()
        .into_iter()
        .find(|o| o.name == name)
        .ok_or(format!("unknown operation `{name}`"))?;
    let inputs = request
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or("request lacks `inputs`")?;
    inputs
        .iter()
        .map(|i| (op.time)(i.as_object().ok_or("an input is not an object")?))
        .collect()
}

/// Welch's t statistic of two samples.
pub fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let stats = |x: &[f64]| {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (n, mean, var)
    };
    if a.len() < 2 || b.len() < 2 {
        return 0.0;
    }
    let (na, ma, va) = stats(a);
    let (nb, mb, vb) = stats(b);
    let se = (va / na + vb / nb).sqrt();
    if se == 0.0 {
        0.0
    } else {
        (ma - mb) / se
    }
}

/// The t statistic on all samples, and the largest `|t|` over the croppings (samples at or below
/// the p-th percentile of all durations, for the percentiles of `spec/conformance.md §10`), with
/// the percentile that gave it.
pub fn statistics(samples: &[(bool, u64)]) -> (f64, f64, f64) {
    let split = |limit: u64| {
        let (mut f, mut r) = (Vec::new(), Vec::new());
        for (fixed, t) in samples {
            if *t <= limit {
                if *fixed {
                    f.push(*t as f64)
                } else {
                    r.push(*t as f64)
                }
            }
        }
        (f, r)
    };
    let (f, r) = split(u64::MAX);
    let raw = welch_t(&f, &r);
    let mut sorted: Vec<u64> = samples.iter().map(|(_, t)| *t).collect();
    sorted.sort_unstable();
    let mut best = (raw.abs(), 100.0);
    for p in [50.0, 75.0, 90.0, 95.0, 99.0] {
        let idx = ((sorted.len() as f64 - 1.0) * p / 100.0).round() as usize;
        let Some(limit) = sorted.get(idx) else {
            continue;
        };
        let (f, r) = split(*limit);
        let t = welch_t(&f, &r).abs();
        if t > best.0 {
            best = (t, p);
        }
    }
    (raw, best.0, best.1)
}

fn median(x: &mut [u64]) -> u64 {
    x.sort_unstable();
    x.get(x.len() / 2).copied().unwrap_or(0)
}

/// The command.
pub fn command(args: &[String]) -> Result<(), String> {
    let args = Args::parse(
        args,
        &[
            "impl",
            "samples",
            "operation",
            "seed",
            "batch",
            "timeout",
            "startup-timeout",
        ],
    )?;
    let samples = args.number("samples", 20_000.0)? as usize;
    let batch = (args.number("batch", 500.0)? as usize).max(1);
    let seed: u64 = args
        .get("seed")
        .unwrap_or("1")
        .parse()
        .map_err(|_| "--seed must be a whole number")?;
    let mut testee = Testee::start(args.pipe()?)?;
    let hello = testee.hello.clone();
    let ops: Vec<Operation> = operations()
        .into_iter()
        .filter(|o| hello.ct.iter().any(|c| c == o.name))
        .filter(|o| {
            args.get("operation")
                .is_none_or(|f| super::expect::glob(f, o.name))
        })
        .collect();
    if ops.is_empty() {
        return Err("the testee implements none of the requested timing operations".into());
    }
    println!(
        "ct: {} {}, {samples} samples per operation (after a warm-up batch), seed {seed}; advisory",
        hello.name, hello.version
    );
    println!(
        "{:<28} {:>8} {:>8} {:>12} {:>12} {:>9} {:>9}  verdict",
        "operation", "fixed", "random", "median fixed", "median rand", "t", "max |t|"
    );
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    for op in &ops {
        let fixed = (op.fixed)();
        let mut measured: Vec<(bool, u64)> = Vec::with_capacity(samples);
        let mut warm_up = true;
        // Batches of about half a second of work each (at most --batch inputs), sized from the
        // warm-up batch, so that a slow testee stays well inside the request timeout.
        let mut batch = batch;
        while measured.len() < samples {
            let n = if warm_up {
                batch.min(20)
            } else {
                batch.min(samples - measured.len())
            };
            let classes: Vec<bool> = (0..n).map(|_| rng.next_u32() & 1 == 0).collect();
            let inputs: Vec<Value> = classes
                .iter()
                .map(|c| {
                    if *c {
                        fixed.clone()
                    } else {
                        (op.random)(&mut rng)
                    }
                })
                .collect();
            let request = json!({"op": "ct", "operation": op.name, "inputs": inputs});
            let answer = testee
                .call(request)?
                .map_err(|e| format!("{}: {}", op.name, e.0))?;
            let times: Vec<u64> = answer
                .get("times")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("{}: the answer lacks `times`: {answer}", op.name))?
                .iter()
                .map(|t| {
                    t.as_u64()
                        .ok_or("a time is not a whole number of nanoseconds")
                })
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{}: {e}", op.name))?;
            if times.len() != n {
                return Err(format!("{}: {} times for {n} inputs", op.name, times.len()));
            }
            if warm_up {
                let mut t = times.clone();
                let per_op = median(&mut t).max(1);
                batch = batch.min((500_000_000 / per_op).max(1) as usize);
            } else {
                measured.extend(classes.into_iter().zip(times));
            }
            warm_up = false;
        }
        let (t, max_t, _) = statistics(&measured);
        let mut f: Vec<u64> = measured.iter().filter(|s| s.0).map(|s| s.1).collect();
        let mut r: Vec<u64> = measured.iter().filter(|s| !s.0).map(|s| s.1).collect();
        let verdict = if max_t > 10.0 {
            "timing difference (|t| > 10)"
        } else if max_t > 4.5 {
            "possible timing difference (|t| > 4.5)"
        } else {
            "no evidence of a difference"
        };
        println!(
            "{:<28} {:>8} {:>8} {:>10} ns {:>9} ns {:>9.2} {:>9.2}  {verdict}",
            op.name,
            f.len(),
            r.len(),
            median(&mut f),
            median(&mut r),
            t,
            max_t
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_t_sees_a_shift_and_not_noise() {
        let a: Vec<f64> = (0..1000).map(|i| 100.0 + (i % 7) as f64).collect();
        let b: Vec<f64> = (0..1000).map(|i| 103.0 + (i % 7) as f64).collect();
        assert!(welch_t(&a, &b) < -20.0);
        assert!(welch_t(&a, &a).abs() < 1e-9);
    }

    #[test]
    fn every_operation_runs_on_both_classes() {
        let mut r = ChaCha20Rng::seed_from_u64(7);
        for op in operations() {
            for input in [(op.fixed)(), (op.random)(&mut r)] {
                let input = input.as_object().cloned().unwrap_or_default();
                (op.time)(&input).unwrap_or_else(|e| panic!("{}: {e}", op.name));
            }
        }
    }
}
