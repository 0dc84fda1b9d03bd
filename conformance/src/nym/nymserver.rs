//! `nym-nymserver`: the nymserver's state machine as step lists: entries (`spec/nym.md §3.5`,
//! `nymserver_test.json`), uploads (`§6.1`, `§6.2`, `upload_test.json`) and cases (`§6.6`,
//! `case_test.json`). Every step's outputs, errors included, are compared; the last step's result
//! is the test's verdict.

use contact_tracing::error::ErrorCode;
use contact_tracing::mix::Packet;
use contact_tracing::nym::authority::{Approval, ApprovalMode, Authority, Token, VerifyingKey};
use contact_tracing::nym::{
    chain_element, fragment_upload, nym_key, seal_blob, ContactAddress, Delivery, Fragment,
    LogEntry, NotificationBody, NymStore, Nymserver, NymserverLimits, NymserverSecret, SendOutcome,
    ServerOutput, StatusRequest, SwapOutcome, SwapRequest, Upload, UploadReport, DAY,
    ENTRY_LIFETIME, MAX_MESSAGES, MAX_QUEUE, SEND_CLOSE, SWAP_WINDOW, UPLOAD_TIMEOUT,
};
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Map, Value};

use super::{bytes, bytes32, surb_for, FixedRng, G, HEADER, NOW};
use crate::vector::{
    expect_hex, expect_outputs, field, hex, hex_array, hex_field, rng, u32_field, u64_str_field,
    FileBuilder, Group, Test, Verdict,
};

fn packets_json(p: &[(u8, Packet)]) -> Value {
    Value::Array(
        p.iter()
            .map(|(h, p)| json!({"firstHop": h, "packet": hex(p.as_bytes())}))
            .collect(),
    )
}

fn delivery_json(m: &mut Map<String, Value>, d: &Delivery) {
    m.insert("packets".into(), packets_json(&d.packets));
    m.insert("queued".into(), json!(d.queued));
    m.insert("failed".into(), json!(d.failed));
}

fn report_json(m: &mut Map<String, Value>, r: &UploadReport) {
    m.insert("caseId".into(), json!(hex(r.case_id)));
    m.insert("batch".into(), json!(r.batch));
    m.insert("generation".into(), json!(r.generation));
    m.insert("matched".into(), json!(r.matched));
    m.insert("undecryptable".into(), json!(r.undecryptable));
    m.insert("held".into(), json!(r.held));
    delivery_json(m, &r.delivery);
}

fn limits(g: &Map<String, Value>) -> Result<NymserverLimits, String> {
    let n = |name: &str| u32_field(g, name).map(|v| v as usize);
    Ok(NymserverLimits {
        max_entries: n("maxEntries")?,
        max_partial_uploads: n("maxPartialUploads")?,
        max_completed_uploads: n("maxCompletedUploads")?,
        max_cases: n("maxCases")?,
        max_case_members: n("maxCaseMembers")?,
        max_pending_batches: n("maxPendingBatches")?,
        max_spent: n("maxSpent")?,
    })
}

/// Runs `steps` on a fresh nymserver; `sink(i, outputs)` compares or records step i's outputs.
/// Returns the error code of the last step, if it failed.
fn run(
    g: &Map<String, Value>,
    steps: &[Value],
    mut sink: impl FnMut(usize, Map<String, Value>) -> Result<(), String>,
) -> Result<Option<&'static str>, String> {
    let secret = NymserverSecret::from_bytes(hex_array(g, "nymserverSecret")?);
    let pk = VerifyingKey::from_bytes(&hex_array(g, "authorityPublic")?)
        .map_err(|_| "authorityPublic is not a key")?;
    let mut ns = Nymserver::new(G, secret, pk).with_limits(limits(g)?);
    let mut last = None;
    for (i, step) in steps.iter().enumerate() {
        let s = step.as_object().ok_or("step")?;
        let now = u64_str_field(s, "now")?;
        let mut rand = FixedRng::new(if s.contains_key("randomness") {
            hex_field(s, "randomness")?
        } else {
            vec![]
        });
        let mut got = Map::new();
        let result: Result<&str, &'static str> = match field(s, "op")?.as_str() {
            Some("message") => match ns.handle_message(now, &hex_field(s, "message")?, &mut rand) {
                Ok(ServerOutput::Swap(o)) => {
                    let (name, p) = match o {
                        SwapOutcome::Created => ("created", vec![]),
                        SwapOutcome::Acknowledged(h, p) => ("acknowledged", vec![(h, p)]),
                        SwapOutcome::Drained(h, p) => ("drained", vec![(h, p)]),
                        SwapOutcome::Rearmed => ("rearmed", vec![]),
                    };
                    got.insert("packets".into(), packets_json(&p));
                    Ok(name)
                }
                Ok(ServerOutput::FragmentStored) => Ok("fragmentStored"),
                Ok(ServerOutput::FragmentDuplicate) => Ok("fragmentDuplicate"),
                Ok(ServerOutput::Status(h, p)) => {
                    got.insert("packets".into(), packets_json(&[(h, p)]));
                    Ok("status")
                }
                Ok(ServerOutput::Upload(r)) => {
                    report_json(&mut got, &r);
                    Ok("upload")
                }
                Err(e) => Err(e.code()),
            },
            Some("send") => {
                let body = NotificationBody::decode(&hex_field(s, "body")?)
                    .map_err(|e| format!("body: {e:?}"))?;
                match ns.send(now, &hex_array(s, "address")?, &body) {
                    Ok(SendOutcome::Sent(h, p)) => {
                        got.insert("packets".into(), packets_json(&[(h, p)]));
                        Ok("sent")
                    }
                    Ok(SendOutcome::Queued) => Ok("queued"),
                    Ok(SendOutcome::Recorded) => Ok("recorded"),
                    Err(e) => Err(e.code()),
                }
            }
            Some("upload") => match Upload::decode(&hex_field(s, "upload")?)
                .and_then(|u| ns.handle_upload(now, &u, &mut rand))
            {
                Ok(r) => {
                    report_json(&mut got, &r);
                    Ok("upload")
                }
                Err(e) => Err(e.code()),
            },
            Some("approve") => match Approval::decode(&hex_field(s, "approval")?)
                .and_then(|a| ns.approve(now, &a))
            {
                Ok(d) => {
                    delivery_json(&mut got, &d);
                    Ok("approved")
                }
                Err(e) => Err(e.code()),
            },
            Some("entry") => {
                let key = nym_key(&hex_array(s, "address")?);
                let e = ns.store().get(&key).filter(|e| now < e.expires);
                got.insert("exists".into(), json!(e.is_some()));
                got.insert("used".into(), json!(e.is_some_and(|e| e.used)));
                got.insert("nextSeq".into(), json!(e.map_or(0, |e| e.next_seq)));
                got.insert("queueLength".into(), json!(e.map_or(0, |e| e.queue.len())));
                got.insert(
                    "history".into(),
                    Value::Array(e.map_or(vec![], |e| {
                        e.history.iter().map(|r| json!(hex(r.encode()))).collect()
                    })),
                );
                got.insert(
                    "verifier".into(),
                    json!(e.map_or(String::new(), |e| hex(e.verifier))),
                );
                Ok("entry")
            }
            Some("expire") => {
                got.insert("removed".into(), json!(ns.expire(now)));
                Ok("expired")
            }
            Some("state") => {
                got.insert("entries".into(), json!(ns.store().len()));
                got.insert("partialUploads".into(), json!(ns.partial_uploads()));
                got.insert("completedUploads".into(), json!(ns.completed_uploads()));
                got.insert("cases".into(), json!(ns.cases()));
                got.insert("pendingBatches".into(), json!(ns.pending_batches()));
                got.insert("spentTokens".into(), json!(ns.spent_tokens()));
                Ok("state")
            }
            other => return Err(format!("unknown op {other:?}")),
        };
        if rand.exhausted {
            return Err(format!("step {i}: injected randomness exhausted"));
        }
        got.insert("expect".into(), json!(result.unwrap_or_else(|e| e)));
        last = result.err();
        sink(i, got)?;
    }
    Ok(last)
}

pub(crate) fn check_nymserver(g: &Group, t: &Test) -> Result<Verdict, String> {
    let ns = NymserverSecret::from_bytes(hex_array(g, "nymserverSecret")?);
    expect_hex(g, "nymserverPublic", ns.public())?;
    let steps = field(t, "steps")?.as_array().ok_or("steps")?;
    let last = run(g, steps, |i, got| {
        let step = steps.get(i).and_then(Value::as_object).ok_or("step")?;
        expect_outputs(step, got)
    })?;
    Ok(match last {
        None => Verdict::Valid,
        Some(code) => Verdict::Invalid(code),
    })
}

struct Setup {
    ns_secret: [u8; 32],
    ha: Authority,
}

fn setup(label: &str) -> Setup {
    let mut r = rng(label);
    Setup {
        ns_secret: bytes32(&mut r),
        ha: Authority::from_seed(&bytes32(&mut r)),
    }
}

fn params(s: &Setup, l: NymserverLimits) -> Value {
    json!({"hops": 4, "nymserverSecret": hex(s.ns_secret),
           "nymserverPublic": hex(NymserverSecret::from_bytes(s.ns_secret).public()),
           "authorityPublic": hex(s.ha.public().to_bytes()),
           "maxEntries": l.max_entries, "maxPartialUploads": l.max_partial_uploads,
           "maxCompletedUploads": l.max_completed_uploads, "maxCases": l.max_cases,
           "maxCaseMembers": l.max_case_members, "maxPendingBatches": l.max_pending_batches,
           "maxSpent": l.max_spent})
}

/// A file under construction: the current group's parameters and the builder.
struct Sm {
    f: FileBuilder,
    g: Map<String, Value>,
}

impl Sm {
    fn group(&mut self, s: &Setup, l: NymserverLimits) {
        let g = params(s, l);
        self.g = g.as_object().expect("object").clone();
        self.f.group("nym-nymserver", g);
    }

    /// Adds a test: runs the steps, records every output, asserts the intended verdict.
    fn test(&mut self, comment: &str, flags: &[&str], error: Option<&str>, mut steps: Vec<Value>) {
        let mut outs = Vec::new();
        let got = run(&self.g, &steps, |_, m| {
            outs.push(m);
            Ok(())
        })
        .expect("generator run");
        for (s, m) in steps.iter_mut().zip(outs) {
            s.as_object_mut().expect("step").extend(m);
        }
        assert_eq!(got, error, "{comment}");
        match error {
            None => self.f.valid(comment, flags, json!({"steps": steps})),
            Some(e) => self.f.invalid(comment, flags, e, json!({"steps": steps})),
        };
    }
}

fn t(now: u64) -> String {
    now.to_string()
}

/// A contact address with its chain, for building Swaps.
struct Addr {
    seed: [u8; 32],
    k: [u8; 32],
}

impl Addr {
    fn new(r: &mut ChaCha20Rng) -> Addr {
        let seed = bytes32(r);
        Addr {
            seed,
            k: ContactAddress::from_seed(&seed).address(),
        }
    }

    fn swap_bytes(&self, index: usize, blob: &[u8]) -> Vec<u8> {
        SwapRequest {
            key: nym_key(&self.k),
            authentication: *chain_element(&self.seed, index).expect("in chain"),
            blob: blob.to_vec(),
        }
        .encode()
    }

    fn swap(&self, now: u64, index: usize, blob: &[u8]) -> Value {
        json!({"op": "message", "now": t(now), "message": hex(self.swap_bytes(index, blob))})
    }

    fn swap_auth(&self, now: u64, auth: [u8; 32], blob: &[u8]) -> Value {
        let m = SwapRequest {
            key: nym_key(&self.k),
            authentication: auth,
            blob: blob.to_vec(),
        }
        .encode();
        json!({"op": "message", "now": t(now), "message": hex(m)})
    }

    fn entry(&self, now: u64) -> Value {
        json!({"op": "entry", "now": t(now), "address": hex(self.k)})
    }

    fn send(&self, now: u64, b: &NotificationBody) -> Value {
        json!({"op": "send", "now": t(now), "address": hex(self.k), "body": hex(b.encode())})
    }
}

fn body(i: u8) -> NotificationBody {
    NotificationBody {
        case_id: [i; 16],
        chain_token: [i ^ 0xa5; 16],
        generation: 0,
        disease: 840,
        time: NOW - 600,
        duration: 2,
    }
}

fn state(now: u64) -> Value {
    json!({"op": "state", "now": t(now)})
}

fn expire(now: u64) -> Value {
    json!({"op": "expire", "now": t(now)})
}

fn blobs(a: &Addr, r: &mut ChaCha20Rng, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|_| seal_blob(&a.k, &surb_for(r)).expect("blob"))
        .collect()
}

fn notes_common(f: &mut FileBuilder) {
    f.note(
        "Valid",
        "BASIC",
        "A row of the tables of spec/nym.md as the protocol intends it.",
    );
    f.note(
        "Order",
        "FUNCTIONALITY",
        "Two checks fail at once: the earlier row of the table decides.",
    );
    f.note(
        "Boundary",
        "EDGE_CASE",
        "A value on one side of a boundary of the tables (both sides are vectored).",
    );
    f.note("Capacity", "EDGE_CASE", "A table at its bound (spec/nym.md §9.1); honest traffic that the spec lets through still gets through.");
    f.note(
        "NoChange",
        "FUNCTIONALITY",
        "A refused operation followed by steps that show it changed nothing.",
    );
}

pub(crate) fn entry_file() -> Value {
    let s = setup("nym nymserver");
    let mut f = FileBuilder::new("nym", "nym-nymserver", "spec/nym.md#nymserver", HEADER);
    notes_common(&mut f);
    f.note("Acknowledged", "FUNCTIONALITY", "S4: a replace of an unused SURB sends the acknowledgement through the displaced SURB (spec/nym.md §3.5.1).");
    f.note(
        "LostSwap",
        "FUNCTIONALITY",
        "A Swap whose element is more than one step ahead: earlier Swaps were lost.",
    );
    f.note(
        "Stale",
        "AUTH_BYPASS",
        "S7: a Swap whose element was already used (delayed, duplicated or replayed).",
    );
    f.note(
        "BadAuthentication",
        "AUTH_BYPASS",
        "S8: an element that does not lead to the stored one.",
    );
    f.note(
        "BadBlob",
        "MODIFIED_PARAMETER",
        "S1: a blob that breaks the SURB rules, refused before anything else.",
    );
    f.note(
        "Queue",
        "FUNCTIONALITY",
        "Send on a spent SURB, re-arm draining the queue, the queue's bound, the history.",
    );
    f.note(
        "Expired",
        "FUNCTIONALITY",
        "An entry at or after created + ENTRY_LIFETIME, purged or not.",
    );
    f.note(
        "Closed",
        "FUNCTIONALITY",
        "D1: an entry in its last SEND_CLOSE (from created + ENTRY_LIFETIME - SEND_CLOSE) refuses Sends.",
    );
    f.note(
        "UnknownAddress",
        "FUNCTIONALITY",
        "D1: Send for an address without a live entry.",
    );
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "A message to the nymserver that no row of §3.4 accepts.",
    );
    let mut sm = Sm { f, g: Map::new() };
    sm.group(
        &s,
        NymserverLimits {
            max_entries: 1 << 20,
            ..NymserverLimits::default()
        },
    );
    let mut r = rng("nym nymserver steps");
    let a = Addr::new(&mut r);
    let b = blobs(&a, &mut r, 6);
    let other = Addr::new(&mut r);
    let w = SWAP_WINDOW;

    sm.test(
        "create, then the entry",
        &["Valid"],
        None,
        vec![a.swap(NOW, 0, &b[0]), a.entry(NOW)],
    );
    sm.test(
        "create with the element of index 5 (an earlier create was lost)",
        &["Valid", "LostSwap"],
        None,
        vec![
            a.swap(NOW, 5, &b[0]),
            a.entry(NOW),
            a.swap(NOW + 1, 6, &b[1]),
        ],
    );
    sm.test(
        "replace one step ahead: acknowledged through the old SURB",
        &["Acknowledged"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            a.swap(NOW + 60, 1, &b[1]),
            a.entry(NOW + 60),
            a.swap(NOW + 120, 2, &b[2]),
        ],
    );
    sm.test(
        "replace two steps ahead: one Swap was lost",
        &["Acknowledged", "LostSwap"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            a.swap(NOW + 60, 2, &b[1]),
            a.entry(NOW + 60),
        ],
    );
    sm.test(
        &format!("replace {w} steps ahead (the window)"),
        &["Acknowledged", "LostSwap", "Boundary"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            a.swap(NOW + 60, w, &b[1]),
            a.entry(NOW + 60),
        ],
    );
    sm.test(
        &format!("replace {} steps ahead", w + 1),
        &["BadAuthentication", "Boundary"],
        Some("NYM_BAD_AUTHENTICATION"),
        vec![a.swap(NOW, 0, &b[0]), a.swap(NOW + 60, w + 1, &b[1])],
    );
    sm.test(
        "the create repeated",
        &["Stale"],
        Some("NYM_STALE_SWAP"),
        vec![a.swap(NOW, 0, &b[0]), a.swap(NOW + 60, 0, &b[1])],
    );
    sm.test(
        "a replace repeated with another blob",
        &["Stale"],
        Some("NYM_STALE_SWAP"),
        vec![
            a.swap(NOW, 0, &b[0]),
            a.swap(NOW + 60, 1, &b[1]),
            a.swap(NOW + 70, 1, &b[2]),
        ],
    );
    sm.test(
        "a delayed Swap arriving after a later one",
        &["Stale", "LostSwap"],
        Some("NYM_STALE_SWAP"),
        vec![
            a.swap(NOW, 0, &b[0]),
            a.swap(NOW + 60, 2, &b[1]),
            a.swap(NOW + 70, 1, &b[2]),
        ],
    );
    sm.test(
        &format!("an element {w} steps behind the stored one is stale"),
        &["Stale", "Boundary"],
        Some("NYM_STALE_SWAP"),
        vec![
            a.swap(NOW, 0, &b[0]),
            a.swap(NOW + 60, w, &b[1]),
            a.swap(NOW + 70, 0, &b[2]),
        ],
    );
    sm.test(
        &format!("an element {} steps behind is not recognised", w + 1),
        &["BadAuthentication", "Boundary"],
        Some("NYM_BAD_AUTHENTICATION"),
        vec![
            a.swap(NOW, 0, &b[0]),
            a.swap(NOW + 60, w, &b[1]),
            a.swap(NOW + 61, w + 1, &b[2]),
            a.swap(NOW + 70, 0, &b[3]),
        ],
    );
    sm.test(
        "an element of another address's chain",
        &["BadAuthentication"],
        Some("NYM_BAD_AUTHENTICATION"),
        vec![
            a.swap(NOW, 0, &b[0]),
            a.swap_auth(NOW + 60, *chain_element(&other.seed, 1).expect("e1"), &b[1]),
        ],
    );
    sm.test(
        "an all-zero element on a live entry",
        &["BadAuthentication"],
        Some("NYM_BAD_AUTHENTICATION"),
        vec![a.swap(NOW, 0, &b[0]), a.swap_auth(NOW + 60, [0; 32], &b[1])],
    );
    sm.test(
        "a refused Swap changes nothing",
        &["BadAuthentication", "NoChange"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            a.swap_auth(NOW + 60, [0; 32], &b[1]),
            a.entry(NOW + 60),
            a.swap(NOW + 61, 1, &b[2]),
        ],
    );

    // S1: the blob first.
    let mut bad = b[1].clone();
    bad[141] = 0xff;
    let mut ks60 = b[1].clone();
    ks60[0] = 60;
    sm.test(
        "create with a blob whose first hop is 0xFF",
        &["BadBlob"],
        Some("NYM_BAD_BLOB"),
        vec![a.swap(NOW, 0, &bad)],
    );
    sm.test(
        "replace with a blob whose key select is 60",
        &["BadBlob"],
        Some("NYM_BAD_BLOB"),
        vec![a.swap(NOW, 0, &b[0]), a.swap(NOW + 60, 1, &ks60)],
    );
    let mut ks59 = b[1].clone();
    ks59[0] = 59;
    sm.test(
        "replace with a blob whose key select is 59",
        &["Valid", "Boundary"],
        None,
        vec![a.swap(NOW, 0, &b[0]), a.swap(NOW + 60, 1, &ks59)],
    );
    sm.test(
        "a bad blob with a stale element: the blob is checked first",
        &["BadBlob", "Stale", "Order"],
        Some("NYM_BAD_BLOB"),
        vec![a.swap(NOW, 0, &b[0]), a.swap(NOW + 60, 0, &bad)],
    );
    sm.test(
        "a bad blob with a foreign element: the blob is checked first",
        &["BadBlob", "BadAuthentication", "Order"],
        Some("NYM_BAD_BLOB"),
        vec![a.swap(NOW, 0, &b[0]), a.swap_auth(NOW + 60, [7; 32], &bad)],
    );
    let e1 = body(1);
    sm.test("a re-arm with a bad blob changes nothing: the queued message waits, the element is still unused",
        &["BadBlob", "NoChange", "Queue"], None,
        vec![a.swap(NOW, 0, &b[0]), a.send(NOW + 1, &e1), a.send(NOW + 2, &body(2)), a.swap(NOW + 3, 1, &bad), a.entry(NOW + 3), a.swap(NOW + 4, 1, &b[1]), a.entry(NOW + 4)]);

    // Send, queue, drain, re-arm, history.
    sm.test(
        "send on an unused SURB, then on the spent one (queued)",
        &["Valid", "Queue"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            a.send(NOW + 10, &body(1)),
            a.entry(NOW + 10),
            a.send(NOW + 20, &body(2)),
            a.entry(NOW + 20),
        ],
    );
    sm.test(
        "re-arms drain the queue one message per SURB, then re-arm",
        &["Valid", "Queue"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            a.send(NOW + 10, &body(1)),
            a.send(NOW + 20, &body(2)),
            a.send(NOW + 21, &body(3)),
            a.swap(NOW + 30, 1, &b[1]),
            a.entry(NOW + 30),
            a.swap(NOW + 40, 2, &b[2]),
            a.swap(NOW + 50, 3, &b[3]),
            a.entry(NOW + 50),
            a.send(NOW + 51, &body(4)),
        ],
    );
    sm.test(
        "the acknowledgement repeats the last three sealed messages and the count",
        &["Acknowledged", "Queue"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            a.send(NOW + 1, &body(1)),
            a.swap(NOW + 2, 1, &b[1]),
            a.send(NOW + 3, &body(2)),
            a.swap(NOW + 4, 2, &b[2]),
            a.send(NOW + 5, &body(3)),
            a.swap(NOW + 6, 3, &b[3]),
            a.send(NOW + 7, &body(4)),
            a.swap(NOW + 8, 4, &b[4]),
            a.entry(NOW + 8),
            a.swap(NOW + 9, 5, &b[5]),
        ],
    );
    let mut steps = vec![a.swap(NOW, 0, &b[0]), a.send(NOW + 1, &body(0))];
    for i in 0..MAX_QUEUE {
        steps.push(a.send(NOW + 2 + i as u64, &body(i as u8 + 1)));
    }
    steps.push(a.entry(NOW + 30));
    sm.test(
        "the 16th queued message",
        &["Queue", "Boundary"],
        None,
        steps.clone(),
    );
    steps.push(a.send(NOW + 31, &body(99)));
    steps.push(a.entry(NOW + 31));
    sm.test(
        "the 17th: kept in the history only (recorded)",
        &["Queue", "Boundary"],
        None,
        steps.clone(),
    );
    while steps.iter().filter(|s| s["op"] == "send").count() < usize::from(MAX_MESSAGES) {
        steps.push(a.send(NOW + 40, &body(50)));
    }
    steps.push(a.entry(NOW + 40));
    sm.test(
        "the 32nd message is accepted",
        &["Queue", "Boundary", "Capacity"],
        None,
        steps.clone(),
    );
    steps.push(a.send(NOW + 41, &body(51)));
    sm.test(
        "the 33rd message: refused",
        &["Capacity", "Boundary"],
        Some("NYM_CAPACITY"),
        steps,
    );
    sm.test(
        "send to an unknown address",
        &["UnknownAddress"],
        Some("NYM_UNKNOWN_ADDRESS"),
        vec![a.send(NOW, &body(1))],
    );

    // Expiry.
    let t31 = NOW + ENTRY_LIFETIME;
    sm.test(
        "the entry in its last second and at expiry (a replace does not extend it)",
        &["Expired", "Boundary"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            a.swap(NOW + 30 * DAY, 1, &b[1]),
            a.send(t31 - SEND_CLOSE - 1, &body(1)),
            a.entry(t31 - 1),
            a.entry(t31),
            expire(t31 - 1),
            expire(t31),
            a.entry(t31),
        ],
    );
    sm.test(
        "send at the first second of the entry's last SEND_CLOSE: refused (D1)",
        &["Closed", "UnknownAddress"],
        Some("NYM_UNKNOWN_ADDRESS"),
        vec![a.swap(NOW, 0, &b[0]), a.send(t31 - SEND_CLOSE, &body(1))],
    );
    sm.test(
        "send at the expiry second, before the purge",
        &["Expired", "UnknownAddress"],
        Some("NYM_UNKNOWN_ADDRESS"),
        vec![a.swap(NOW, 0, &b[0]), a.send(t31, &body(1))],
    );
    sm.test(
        "an expired entry, not purged, is created anew by any Swap (queue and count gone)",
        &["Expired"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            a.send(NOW + 1, &body(1)),
            a.send(NOW + 2, &body(2)),
            a.swap(t31, 9, &b[1]),
            a.entry(t31),
        ],
    );
    let mut m237 = vec![0u8; 237];
    m237[0] = 0;
    sm.test(
        "237-byte message with type 0x00",
        &["Malformed"],
        Some("NYM_MALFORMED"),
        vec![json!({"op": "message", "now": t(NOW), "message": hex(m237)})],
    );

    // The entry bound.
    sm.group(
        &s,
        NymserverLimits {
            max_entries: 2,
            ..NymserverLimits::default()
        },
    );
    let c = Addr::new(&mut r);
    let bc = blobs(&c, &mut r, 1);
    sm.test(
        "a create beyond the bound",
        &["Capacity"],
        Some("NYM_CAPACITY"),
        vec![
            a.swap(NOW, 0, &b[0]),
            other.swap(NOW, 0, &b[1]),
            c.swap(NOW, 0, &bc[0]),
        ],
    );
    sm.test(
        "at the bound: replaces and Sends of existing entries go on",
        &["Capacity", "Valid"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            other.swap(NOW, 0, &b[1]),
            c.swap(NOW, 0, &bc[0]),
            a.swap(NOW + 1, 1, &b[2]),
            a.send(NOW + 2, &body(1)),
            state(NOW + 2),
        ],
    );
    sm.test(
        "at the bound: a create over an expired entry replaces it in place",
        &["Capacity", "Expired"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            other.swap(NOW + 10, 0, &b[1]),
            a.swap(t31, 0, &b[2]),
            state(t31),
        ],
    );
    sm.test(
        "at the bound after the purge: room for a new entry",
        &["Capacity", "Expired"],
        None,
        vec![
            a.swap(NOW, 0, &b[0]),
            other.swap(NOW + 10, 0, &b[1]),
            expire(t31),
            c.swap(t31, 0, &bc[0]),
            state(t31),
        ],
    );
    sm.test(
        "a bad blob at the bound: the blob is checked first",
        &["Capacity", "BadBlob", "Order"],
        Some("NYM_BAD_BLOB"),
        vec![
            a.swap(NOW, 0, &b[0]),
            other.swap(NOW, 0, &b[1]),
            c.swap(NOW, 0, &bad),
        ],
    );
    sm.f.finish()
}

fn upload_notes(f: &mut FileBuilder) {
    f.note(
        "Fragments",
        "FUNCTIONALITY",
        "Fragments stored, repeated, reassembled in index order (spec/nym.md §6.1).",
    );
    f.note(
        "BadFragment",
        "MODIFIED_PARAMETER",
        "A fragment that conflicts with a stored one (F4, F5).",
    );
    f.note(
        "Status",
        "FUNCTIONALITY",
        "A status request answered through its SURB (spec/nym.md §6.2).",
    );
    f.note(
        "Expired",
        "FUNCTIONALITY",
        "A partial upload or a record at UPLOAD_TIMEOUT, both sides.",
    );
}

pub(crate) fn upload_file() -> Value {
    let s = setup("nym upload");
    let mut f = FileBuilder::new("nym", "nym-nymserver", "spec/nym.md#fragment", HEADER);
    notes_common(&mut f);
    upload_notes(&mut f);
    let mut sm = Sm { f, g: Map::new() };
    sm.group(
        &s,
        NymserverLimits {
            max_partial_uploads: 2,
            max_completed_uploads: 2,
            ..NymserverLimits::default()
        },
    );
    let mut r = rng("nym upload steps");
    let ns_pub = NymserverSecret::from_bytes(s.ns_secret).public();
    // A three-fragment infection upload whose log matches nothing (no entries): the outputs are a
    // report with no packets.
    let entries: Vec<LogEntry> = (0..5)
        .map(|_| {
            LogEntry::seal(&ns_pub, &bytes32(&mut r), NOW - 60, 1, &bytes32(&mut r)).expect("seal")
        })
        .collect();
    let token =
        s.ha.issue([1; 16], 840, 0, ApprovalMode::Automatic, NOW + DAY);
    let up = Upload::Infection { token, entries }.encode();
    let id = [0x71; 16];
    let frags = fragment_upload(&up, id).expect("fragments");
    assert_eq!(frags.len(), 3);
    let rnd = bytes(&mut r, 16);
    let msg = |now: u64, m: &[u8]| json!({"op": "message", "now": t(now), "message": hex(m)});
    let last = |now: u64, m: &[u8]| json!({"op": "message", "now": t(now), "message": hex(m), "randomness": hex(&rnd)});
    let st_surb = surb_for(&mut r);
    let status = |now: u64, id: [u8; 16]| {
        msg(
            now,
            &StatusRequest {
                upload_id: id,
                surb: st_surb.clone(),
            }
            .encode(),
        )
    };
    sm.test(
        "three fragments in index order",
        &["Valid", "Fragments"],
        None,
        vec![
            msg(NOW, &frags[0]),
            msg(NOW + 1, &frags[1]),
            last(NOW + 2, &frags[2]),
            state(NOW + 2),
        ],
    );
    sm.test(
        "reassembled in index order whatever the arrival order",
        &["Fragments"],
        None,
        vec![
            msg(NOW, &frags[2]),
            msg(NOW + 1, &frags[0]),
            last(NOW + 2, &frags[1]),
        ],
    );
    sm.test(
        "a repeated fragment is a duplicate",
        &["Fragments"],
        None,
        vec![
            msg(NOW, &frags[0]),
            msg(NOW + 1, &frags[0]),
            msg(NOW + 2, &frags[1]),
            last(NOW + 3, &frags[2]),
        ],
    );
    sm.test(
        "fragments of a processed upload are duplicates (processed once)",
        &["Fragments"],
        None,
        vec![
            msg(NOW, &frags[0]),
            msg(NOW, &frags[1]),
            last(NOW, &frags[2]),
            msg(NOW + 1, &frags[2]),
            msg(NOW + 2, &frags[0]),
            state(NOW + 2),
        ],
    );
    let mut conflicting = frags[0].clone();
    let n = conflicting.len() - 1;
    conflicting[n] ^= 1;
    sm.test(
        "a fragment that conflicts with a stored one",
        &["BadFragment"],
        Some("NYM_BAD_FRAGMENT"),
        vec![msg(NOW, &frags[0]), msg(NOW, &conflicting)],
    );
    let other_count = Fragment {
        upload_id: id,
        index: 0,
        count: 4,
        data: frags[0][21..].to_vec(),
    }
    .encode();
    sm.test(
        "a fragment with another count",
        &["BadFragment"],
        Some("NYM_BAD_FRAGMENT"),
        vec![msg(NOW, &frags[1]), msg(NOW, &other_count)],
    );
    sm.test(
        "another count for a processed upload: the record is checked first",
        &["BadFragment", "Order"],
        None,
        vec![
            msg(NOW, &frags[0]),
            msg(NOW, &frags[1]),
            last(NOW, &frags[2]),
            msg(NOW + 1, &other_count),
        ],
    );
    sm.test(
        "a conflicting fragment changes nothing",
        &["BadFragment", "NoChange"],
        None,
        vec![
            msg(NOW, &frags[0]),
            msg(NOW, &conflicting),
            msg(NOW + 1, &frags[1]),
            last(NOW + 2, &frags[2]),
        ],
    );
    // Status.
    sm.test(
        "status: unknown, partial, done",
        &["Status"],
        None,
        vec![
            status(NOW, id),
            msg(NOW, &frags[0]),
            msg(NOW, &frags[2]),
            status(NOW + 1, id),
            last(NOW + 2, &frags[1]),
            status(NOW + 3, id),
        ],
    );
    let spent = fragment_upload(&up, [0x72; 16]).expect("fragments");
    sm.test(
        "status: done, refused (the token was spent by the first upload)",
        &["Status"],
        None,
        vec![
            msg(NOW, &frags[0]),
            msg(NOW, &frags[1]),
            last(NOW, &frags[2]),
            msg(NOW + 1, &spent[0]),
            msg(NOW + 1, &spent[1]),
            msg(NOW + 1, &spent[2]),
            status(NOW + 2, [0x72; 16]),
        ],
    );
    let mut bad = StatusRequest {
        upload_id: id,
        surb: st_surb.clone(),
    }
    .encode();
    bad[17 + 141] = 0xff;
    sm.test(
        "a status request whose SURB has first hop 0xFF",
        &["Status"],
        Some("NYM_BAD_BLOB"),
        vec![msg(NOW, &bad)],
    );
    // Expiry of partial uploads and records.
    let u = UPLOAD_TIMEOUT;
    sm.test(
        "a partial upload in its last second, then dropped at UPLOAD_TIMEOUT",
        &["Expired", "Boundary"],
        None,
        vec![
            msg(NOW, &frags[0]),
            status(NOW + u - 1, id),
            status(NOW + u, id),
            expire(NOW + u - 1),
            state(NOW + u - 1),
            expire(NOW + u),
            state(NOW + u),
        ],
    );
    sm.test(
        "a fragment after the partial upload expired starts it anew",
        &["Expired", "Fragments"],
        None,
        vec![
            msg(NOW, &frags[0]),
            msg(NOW + u, &frags[1]),
            status(NOW + u, id),
        ],
    );
    sm.test(
        "a record in its last second, then forgotten",
        &["Expired", "Boundary"],
        None,
        vec![
            msg(NOW, &frags[0]),
            msg(NOW, &frags[1]),
            last(NOW, &frags[2]),
            status(NOW + u - 1, id),
            status(NOW + u, id),
            expire(NOW + u),
            state(NOW + u),
        ],
    );
    // Bounds: partial uploads (eviction of the oldest) and records.
    let half = |id: u8| {
        Fragment {
            upload_id: [id; 16],
            index: 0,
            count: 2,
            data: vec![id; 216],
        }
        .encode()
    };
    sm.test(
        "a third partial upload evicts the oldest",
        &["Capacity"],
        None,
        vec![
            msg(NOW, &half(1)),
            msg(NOW + 1, &half(2)),
            msg(NOW + 2, &half(3)),
            state(NOW + 2),
            status(NOW + 3, [1; 16]),
            status(NOW + 3, [2; 16]),
            status(NOW + 3, [3; 16]),
        ],
    );
    sm.test(
        "equal start times: the smaller upload id is evicted",
        &["Capacity"],
        None,
        vec![
            msg(NOW, &half(5)),
            msg(NOW, &half(4)),
            msg(NOW, &half(6)),
            status(NOW, [4; 16]),
            status(NOW, [5; 16]),
        ],
    );
    sm.test(
        "an honest upload sent after a flood completes",
        &["Capacity"],
        None,
        vec![
            msg(NOW, &half(1)),
            msg(NOW, &half(2)),
            msg(NOW, &half(3)),
            msg(NOW + 1, &frags[0]),
            msg(NOW + 1, &frags[1]),
            last(NOW + 1, &frags[2]),
            state(NOW + 1),
        ],
    );
    let garbage = |i: u8| {
        Fragment {
            upload_id: [0x80 + i; 16],
            index: 0,
            count: 1,
            data: vec![0x09; 3],
        }
        .encode()
    };
    sm.test(
        "records of processed uploads: the oldest is evicted",
        &["Capacity"],
        None,
        vec![
            msg(NOW, &garbage(1)),
            msg(NOW + 1, &garbage(2)),
            msg(NOW + 2, &garbage(3)),
            state(NOW + 2),
            status(NOW + 2, [0x81; 16]),
            status(NOW + 2, [0x83; 16]),
        ],
    );
    sm.f.finish()
}

pub(crate) fn case_file() -> Value {
    let s = setup("nym case");
    let mut f = FileBuilder::new("nym", "nym-nymserver", "spec/nym.md#case", HEADER);
    notes_common(&mut f);
    f.note(
        "TokenReuse",
        "AUTH_BYPASS",
        "An HA token or chain token redeemed twice.",
    );
    f.note(
        "ChainAbuse",
        "AUTH_BYPASS",
        "An extension outside the case, with a wrong token, or beyond the case's policy.",
    );
    f.note(
        "ForgedApproval",
        "AUTH_BYPASS",
        "An approval not signed by the authority, or for a batch that is not held.",
    );
    f.note(
        "LogRules",
        "FUNCTIONALITY",
        "The skip rules of NYM-CASE-4, in their order.",
    );
    f.note(
        "Expired",
        "FUNCTIONALITY",
        "A case at or after its expiry, purged or not.",
    );
    let big = NymserverLimits::default();
    let mut sm = Sm { f, g: Map::new() };
    sm.group(&s, big);
    let mut r = rng("nym case steps");
    let ns_pub = NymserverSecret::from_bytes(s.ns_secret).public();
    // Three armed contact addresses K1..K3 and one that never swapped (K9).
    let ks: Vec<Addr> = (0..4).map(|_| Addr::new(&mut r)).collect();
    let creates: Vec<Value> = ks[..3]
        .iter()
        .map(|a| {
            a.swap(
                NOW - 3600,
                0,
                &seal_blob(&a.k, &surb_for(&mut r)).expect("blob"),
            )
        })
        .collect();
    let seal = |k: &[u8; 32], time: u64, dur: u16, r: &mut ChaCha20Rng| {
        LogEntry::seal(&ns_pub, k, time, dur, &bytes32(r)).expect("seal")
    };
    let e1 = seal(&ks[0].k, NOW - 100, 2, &mut r);
    let e2 = seal(&ks[1].k, NOW - 50, 2, &mut r);
    let e1b = seal(&ks[0].k, NOW - 40, 5, &mut r);
    let e9 = seal(&ks[3].k, NOW - 30, 2, &mut r);
    let e3 = seal(&ks[2].k, NOW - 20, 2, &mut r);
    let mut garbage = seal(&ks[1].k, NOW - 10, 2, &mut r);
    garbage.tag[0] ^= 1;
    let old = seal(&ks[1].k, NOW - 31 * DAY, 2, &mut r);
    let index_log = vec![e1, e2, e1b, e9, garbage, old];
    let token_auto =
        s.ha.issue([1; 16], 840, 1, ApprovalMode::Automatic, NOW + DAY);
    let token_held =
        s.ha.issue([2; 16], 840, 1, ApprovalMode::Authority, NOW + DAY);
    let token_flat =
        s.ha.issue([3; 16], 840, 0, ApprovalMode::Automatic, NOW + DAY);
    let infection = |tok: &Token, log: &[LogEntry]| {
        Upload::Infection {
            token: *tok,
            entries: log.to_vec(),
        }
        .encode()
    };
    let rnd = bytes(&mut r, 48);
    let case_id: [u8; 16] = rnd[..16].try_into().expect("16");
    let ct1: [u8; 16] = rnd[16..32].try_into().expect("16");
    let upload = |body: Vec<u8>, rnd: &[u8], now: u64| json!({"op": "upload", "now": t(now), "upload": hex(body), "randomness": hex(rnd)});
    let entry = |a: &Addr, now: u64| a.entry(now);
    let mut base = creates.clone();
    base.push(upload(infection(&token_auto, &index_log), &rnd[..48], NOW));
    sm.test(
        "infection: two armed contacts notified, one unknown, one undecryptable, one too old",
        &["Valid", "LogRules"],
        None,
        [base.clone(), vec![entry(&ks[0], NOW), entry(&ks[1], NOW)]].concat(),
    );
    sm.test(
        "the same HA token redeemed twice",
        &["TokenReuse"],
        Some("NYM_TOKEN_SPENT"),
        [
            base.clone(),
            vec![upload(
                infection(&token_auto, &index_log),
                &bytes(&mut r, 48),
                NOW + 5,
            )],
        ]
        .concat(),
    );
    // Skip rules in order: undecryptable before too old; too old before duplicate.
    let mut old_garbage = seal(&ks[1].k, NOW - 40 * DAY, 2, &mut r);
    old_garbage.tag[3] ^= 1;
    let old_k1 = seal(&ks[0].k, NOW - 31 * DAY, 9, &mut r);
    let fresh_k1 = seal(&ks[0].k, NOW - 5, 4, &mut r);
    let edge_old = seal(&ks[1].k, NOW - 30 * DAY, 7, &mut r);
    let edge_live = seal(&ks[2].k, NOW - 30 * DAY + 1, 7, &mut r);
    let log2 = vec![old_garbage, old_k1, fresh_k1, edge_old, edge_live];
    let rnd2 = bytes(&mut r, 48);
    let mut steps = creates.clone();
    steps.push(upload(infection(&token_flat, &log2), &rnd2, NOW));
    sm.test("skip rules in order: an old undecryptable entry is counted as undecryptable; an old first occurrence does not hide a fresh one; the 30-day boundary",
        &["LogRules", "Boundary", "Order"], None, steps);
    // Extension by K1 with its chain token, log with K3 and K2 (K2 already in the case).
    let ext = |case_id: [u8; 16], k: [u8; 32], ct: [u8; 16]| {
        Upload::Extension {
            case_id,
            address: k,
            chain_token: ct,
            entries: vec![e3, e2],
        }
        .encode()
    };
    let rnd_ext = bytes(&mut r, 16);
    let mut steps = base.clone();
    steps.push(upload(ext(case_id, ks[0].k, ct1), &rnd_ext, NOW + 10));
    sm.test(
        "K1 extends the chain: only K3 is new",
        &["Valid"],
        None,
        steps.clone(),
    );
    steps.push(upload(ext(case_id, ks[0].k, ct1), &rnd_ext, NOW + 11));
    sm.test(
        "K1 extends twice",
        &["TokenReuse"],
        Some("NYM_TOKEN_SPENT"),
        steps.clone(),
    );
    let mut bad_ct = ct1;
    bad_ct[15] ^= 1;
    let mut steps2 = steps.clone();
    steps2.pop();
    steps2.push(upload(ext(case_id, ks[0].k, bad_ct), &[], NOW + 11));
    sm.test(
        "K1, already extended, with a wrong chain token: the token is checked first",
        &["ChainAbuse", "TokenReuse", "Order"],
        Some("NYM_BAD_CHAIN_TOKEN"),
        steps2,
    );
    for (comment, flags, body, code) in [
        (
            "extension of an unknown case",
            vec!["ChainAbuse"],
            ext([0xee; 16], ks[0].k, ct1),
            "NYM_UNKNOWN_CASE",
        ),
        (
            "an unknown case and an address in no case: the case is checked first",
            vec!["ChainAbuse", "Order"],
            ext([0xee; 16], ks[3].k, bad_ct),
            "NYM_UNKNOWN_CASE",
        ),
        (
            "extension with an address not in the case",
            vec!["ChainAbuse"],
            ext(case_id, ks[2].k, ct1),
            "NYM_NOT_IN_CASE",
        ),
        (
            "an address not in the case with a wrong token: membership is checked first",
            vec!["ChainAbuse", "Order"],
            ext(case_id, ks[3].k, bad_ct),
            "NYM_NOT_IN_CASE",
        ),
        (
            "extension with a wrong chain token",
            vec!["ChainAbuse"],
            ext(case_id, ks[0].k, bad_ct),
            "NYM_BAD_CHAIN_TOKEN",
        ),
    ] {
        let mut steps = base.clone();
        steps.push(upload(body, &[], NOW + 10));
        sm.test(comment, &flags, Some(code), steps);
    }
    let mut steps = base.clone();
    steps.push(upload(ext(case_id, ks[0].k, ct1), &rnd_ext, NOW + 10));
    let rnd_g2: [u8; 16] = rnd_ext.clone().try_into().expect("16");
    steps.push(upload(ext(case_id, ks[2].k, rnd_g2), &[], NOW + 11));
    sm.test(
        "a generation-1 contact may not extend when max_generation = 1",
        &["ChainAbuse", "Boundary"],
        Some("NYM_CHAIN_LIMIT"),
        steps,
    );
    let mut steps = creates.clone();
    steps.push(upload(infection(&token_flat, &index_log), &rnd, NOW));
    steps.push(upload(ext(case_id, ks[0].k, ct1), &[], NOW + 10));
    sm.test(
        "max_generation = 0: no extension at all",
        &["ChainAbuse", "Boundary"],
        Some("NYM_CHAIN_LIMIT"),
        steps,
    );
    // Case expiry.
    let exp = NOW + contact_tracing::nym::CASE_LIFETIME;
    let mut steps = base.clone();
    steps.push(upload(ext(case_id, ks[0].k, ct1), &rnd_ext, exp - 1));
    sm.test(
        "an extension in the case's last second",
        &["Expired", "Boundary"],
        None,
        steps,
    );
    let mut steps = base.clone();
    steps.push(upload(ext(case_id, ks[0].k, ct1), &[], exp));
    sm.test(
        "an extension at the case's expiry, before the purge",
        &["Expired", "Boundary"],
        Some("NYM_UNKNOWN_CASE"),
        steps,
    );
    let mut steps = base.clone();
    steps.push(upload(ext(case_id, ks[0].k, ct1), &rnd_ext, NOW + DAY));
    steps.push(expire(exp));
    steps.push(state(exp));
    steps.push(expire(NOW + DAY + contact_tracing::nym::CASE_LIFETIME));
    steps.push(state(NOW + DAY + contact_tracing::nym::CASE_LIFETIME));
    sm.test(
        "an extension extends the case's life",
        &["Expired"],
        None,
        steps,
    );
    // Approval mode.
    let approve = |a: &Approval, now: u64| json!({"op": "approve", "now": t(now), "approval": hex(a.encode())});
    let mut held = creates.clone();
    held.push(upload(infection(&token_held, &index_log), &rnd, NOW));
    let mut steps = held.clone();
    steps.extend([
        entry(&ks[0], NOW),
        approve(&s.ha.approve(case_id, 0, true), NOW + 60),
        entry(&ks[0], NOW + 60),
    ]);
    sm.test(
        "held batch sent after the authority's approval",
        &["Valid"],
        None,
        steps.clone(),
    );
    steps.push(approve(&s.ha.approve(case_id, 0, true), NOW + 61));
    sm.test(
        "approving the same batch twice",
        &["ForgedApproval"],
        Some("NYM_BAD_APPROVAL"),
        steps,
    );
    let mut steps = held.clone();
    steps.extend([
        approve(&s.ha.approve(case_id, 0, false), NOW + 60),
        entry(&ks[0], NOW + 60),
        state(NOW + 60),
    ]);
    sm.test(
        "held batch discarded by the authority",
        &["Valid"],
        None,
        steps,
    );
    let forger = Authority::from_seed(&bytes32(&mut r));
    let mut steps = held.clone();
    steps.push(approve(&forger.approve(case_id, 0, true), NOW + 60));
    sm.test(
        "a forged approval of a held batch",
        &["ForgedApproval"],
        Some("NYM_BAD_APPROVAL"),
        steps.clone(),
    );
    steps.extend([
        state(NOW + 60),
        approve(&s.ha.approve(case_id, 0, true), NOW + 61),
    ]);
    sm.test(
        "a forged approval changes nothing: the batch is still held",
        &["ForgedApproval", "NoChange"],
        None,
        steps,
    );
    let mut steps = held.clone();
    steps.push(approve(&s.ha.approve(case_id, 1, true), NOW + 60));
    sm.test(
        "approval of a batch that does not exist",
        &["ForgedApproval"],
        Some("NYM_BAD_APPROVAL"),
        steps,
    );
    let mut steps = held.clone();
    steps.push(approve(&forger.approve(case_id, 1, true), NOW + 60));
    sm.test(
        "a forged approval of a batch that does not exist",
        &["ForgedApproval", "Order"],
        Some("NYM_BAD_APPROVAL"),
        steps,
    );
    let mut steps = held.clone();
    steps.push(approve(&s.ha.approve(case_id, 0, true), exp));
    sm.test(
        "approval at the case's expiry",
        &["ForgedApproval", "Expired"],
        Some("NYM_BAD_APPROVAL"),
        steps,
    );
    let mut steps = held.clone();
    steps.extend([expire(exp), state(exp)]);
    sm.test(
        "an expired case takes its held batches with it",
        &["Expired"],
        None,
        steps,
    );
    // Batches whose contacts' SURBs are spent, or whose entries expired before the approval.
    let mut steps = creates.clone();
    steps.push(ks[0].send(NOW - 10, &body(9)));
    steps.push(upload(infection(&token_held, &index_log), &rnd, NOW));
    steps.push(approve(&s.ha.approve(case_id, 0, true), NOW + 60));
    steps.push(entry(&ks[0], NOW + 60));
    sm.test(
        "approved after K1's SURB was spent: K1's notification is queued",
        &["Valid"],
        None,
        steps,
    );
    let mut steps = held.clone();
    steps.push(approve(
        &s.ha.approve(case_id, 0, true),
        NOW - 3600 + ENTRY_LIFETIME,
    ));
    sm.test(
        "approved after both entries expired: both Sends fail",
        &["Valid", "Expired"],
        None,
        steps,
    );
    // Bounds.
    sm.group(
        &s,
        NymserverLimits {
            max_cases: 1,
            max_case_members: 2,
            max_pending_batches: 1,
            ..big
        },
    );
    let mut steps = creates.clone();
    steps.push(upload(infection(&token_auto, &[e1, e2]), &rnd[..48], NOW));
    steps.push(upload(infection(&token_held, &[]), &[], NOW + 1));
    sm.test(
        "a second case when one is the bound",
        &["Capacity"],
        Some("NYM_CAPACITY"),
        steps.clone(),
    );
    steps.pop();
    steps.push(state(NOW + 1));
    sm.test(
        "a refused infection spends nothing",
        &["Capacity", "NoChange"],
        None,
        steps,
    );
    let mut steps = creates.clone();
    steps.push(upload(infection(&token_auto, &[e1, e2, e3]), &[], NOW));
    sm.test(
        "an infection log longer than the member bound",
        &["Capacity", "Boundary"],
        Some("NYM_CAPACITY"),
        steps,
    );
    let mut steps = creates.clone();
    steps.push(upload(infection(&token_auto, &[e1, e2]), &rnd[..48], NOW));
    steps.push(upload(ext(case_id, ks[0].k, ct1), &[], NOW + 10));
    sm.test(
        "an extension that could pass the member bound",
        &["Capacity", "Boundary"],
        Some("NYM_CAPACITY"),
        steps,
    );
    let mut steps = creates.clone();
    steps.push(upload(infection(&token_auto, &[e1, e2]), &rnd[..48], NOW));
    steps.push(upload(ext(case_id, ks[2].k, ct1), &[], NOW + 10));
    sm.test(
        "not in the case and over the bound: membership is checked first",
        &["ChainAbuse", "Capacity", "Order"],
        Some("NYM_NOT_IN_CASE"),
        steps,
    );
    sm.group(
        &s,
        NymserverLimits {
            max_pending_batches: 1,
            max_cases: 4,
            ..big
        },
    );
    let mut steps = creates.clone();
    steps.push(upload(infection(&token_held, &[e1]), &rnd[..32], NOW));
    let t4 =
        s.ha.issue([4; 16], 840, 1, ApprovalMode::Authority, NOW + DAY);
    steps.push(upload(infection(&t4, &[]), &[], NOW + 1));
    sm.test(
        "a second held batch when one is the bound",
        &["Capacity"],
        Some("NYM_CAPACITY"),
        steps,
    );
    let mut steps = creates.clone();
    steps.push(upload(infection(&token_held, &[e1]), &rnd[..32], NOW));
    let t5 =
        s.ha.issue([5; 16], 840, 1, ApprovalMode::Automatic, NOW + DAY);
    steps.push(upload(infection(&t5, &[e2]), &bytes(&mut r, 32), NOW + 1));
    sm.test(
        "an automatic case when the held bound is reached",
        &["Capacity", "Valid"],
        None,
        steps,
    );
    sm.group(
        &s,
        NymserverLimits {
            max_spent: 1,
            ..big
        },
    );
    let mut steps = creates.clone();
    steps.push(upload(infection(&token_auto, &[]), &rnd[..16], NOW));
    steps.push(upload(infection(&token_auto, &[]), &[], NOW + 1));
    sm.test(
        "spent and at the bound: the spent check comes first",
        &["TokenReuse", "Capacity", "Order"],
        Some("NYM_TOKEN_SPENT"),
        steps,
    );
    let mut expired_t = token_held;
    expired_t.expires = NOW;
    let mut steps = creates.clone();
    steps.push(upload(infection(&token_auto, &[]), &rnd[..16], NOW));
    steps.push(upload(
        infection(
            &s.ha.issue([6; 16], 840, 0, ApprovalMode::Automatic, NOW),
            &[],
        ),
        &[],
        NOW + 1,
    ));
    sm.test(
        "expired and at the bound: expiry comes first",
        &["Capacity", "Order", "Boundary"],
        Some("NYM_TOKEN_EXPIRED"),
        steps,
    );
    let _ = expired_t;
    let _ = MAX_QUEUE;
    sm.f.finish()
}
