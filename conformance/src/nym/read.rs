//! `nym-read`: how a client reads the one payload of an arm's mailbox (`spec/nym.md §7.3`) and the
//! answer to a status request (`§6.2`).

use contact_tracing::error::ErrorCode;
use contact_tracing::mix::{Surb, SurbSecret};
use contact_tracing::nym::authority::Authority;
use contact_tracing::nym::{
    ack_message_key, chain_element, nym_key, read_payload, read_status, seal_blob, Ack,
    ClientMessage, ContactAddress, Notification, NotificationBody, Nymserver, NymserverSecret,
    Reading, SealedRecord, SendOutcome, StatusRequest, SwapOutcome, SwapRequest, UploadState,
    SWAP_WINDOW,
};
use serde_json::{json, Map, Value};

use super::{bytes32, deliver, surb_pair, FixedRng, G, HEADER, NOW};
use crate::vector::{
    expect_hex, expect_value, field, hex, hex_array, hex_field, rng, u32_field, FileBuilder, Group,
    Test, Verdict,
};

fn notification_json(n: &Notification) -> Value {
    json!({"seq": n.seq, "body": hex(n.body.encode())})
}

pub(crate) fn check_read(g: &Group, t: &Test) -> Result<Verdict, String> {
    let secret = SurbSecret::from_bytes(&hex_field(t, "surbSecret")?)
        .map_err(|e| format!("surbSecret: {e:?}"))?;
    let payload = hex_field(t, "payload")?;
    match field(g, "reader")?.as_str() {
        Some("arm") => {
            let seed: [u8; 32] = hex_array(t, "seed")?;
            let index = u32_field(t, "index")? as usize;
            let k = ContactAddress::from_seed(&seed).address();
            let e = chain_element(&seed, index).ok_or("index past the chain")?;
            match read_payload(&k, &secret, &e, &payload) {
                Ok(Reading::Notification(n)) => {
                    expect_value(t, "kind", json!("notification"))?;
                    expect_value(t, "notification", notification_json(&n))?;
                    Ok(Verdict::Valid)
                }
                Ok(Reading::Ack {
                    ack,
                    steps,
                    notifications,
                }) => {
                    expect_value(t, "kind", json!("ack"))?;
                    expect_hex(t, "element", ack.element)?;
                    expect_value(t, "distance", json!(steps))?;
                    expect_value(t, "count", json!(ack.count))?;
                    expect_value(
                        t,
                        "notifications",
                        Value::Array(notifications.iter().map(notification_json).collect()),
                    )?;
                    Ok(Verdict::Valid)
                }
                Err(e) => Ok(Verdict::Invalid(e.code())),
            }
        }
        Some("status") => match read_status(&secret, &payload) {
            Ok(s) => {
                expect_hex(t, "uploadId", s.upload_id)?;
                let (state, count, have, result) = match &s.state {
                    UploadState::Unknown => ("unknown", 0, String::new(), String::new()),
                    UploadState::Partial { count, have } => {
                        ("partial", *count, hex(have), String::new())
                    }
                    UploadState::Done(Ok(())) => ("done", 0, String::new(), "accepted".into()),
                    UploadState::Done(Err(e)) => ("done", 0, String::new(), e.code().into()),
                };
                expect_value(t, "state", json!(state))?;
                expect_value(t, "count", json!(count))?;
                expect_value(t, "have", json!(have))?;
                expect_value(t, "outcome", json!(result))?;
                Ok(Verdict::Valid)
            }
            Err(e) => Ok(Verdict::Invalid(e.code())),
        },
        other => Err(format!("unknown reader {other:?}")),
    }
}

fn body(i: u8) -> NotificationBody {
    NotificationBody {
        case_id: [i; 16],
        chain_token: [i ^ 0x3c; 16],
        generation: i % 2,
        disease: 840,
        time: NOW - 900,
        duration: 4,
    }
}

/// A reply through `surb`'s header and first hop with MessageKey `mk`, as delivered.
fn reply_with(surb: &Surb, mk: &[u8; 32], msg: &[u8]) -> Vec<u8> {
    let mut b = surb.encode();
    let n = b.len() - 32;
    b[n..].copy_from_slice(mk);
    let s = Surb::decode(G, &b).expect("surb");
    let (_, p) = s.reply(msg).expect("reply");
    deliver(p.as_bytes())
}

pub(crate) fn read_file() -> Value {
    let mut f = FileBuilder::new("nym", "nym-read", "spec/nym.md#reading", HEADER);
    f.note(
        "Valid",
        "BASIC",
        "A payload as the nymserver sends it, read by the arm it was meant for.",
    );
    f.note(
        "WrongKey",
        "AUTH_BYPASS",
        "A message under the wrong MessageKey for its type (spec/nym.md §7.3 steps 1, 2).",
    );
    f.note(
        "ForeignElement",
        "AUTH_BYPASS",
        "An acknowledgement whose element is not 1..=SWAP_WINDOW steps ahead of the arm's own.",
    );
    f.note(
        "Boundary",
        "EDGE_CASE",
        "An acknowledgement exactly SWAP_WINDOW steps ahead, or one step.",
    );
    f.note(
        "BadRecord",
        "MODIFIED_PARAMETER",
        "A sealed record that does not open under K is ignored (NYM-READ-3).",
    );
    f.note(
        "Garbage",
        "MODIFIED_PARAMETER",
        "Bytes that are no reply of this SURB.",
    );
    f.group("nym-read", json!({"reader": "arm"}));
    let mut r = rng("nym read");
    let ha = Authority::from_seed(&bytes32(&mut r));
    let mut ns = Nymserver::new(G, NymserverSecret::from_bytes(bytes32(&mut r)), ha.public());
    let seed = bytes32(&mut r);
    let k = ContactAddress::from_seed(&seed).address();
    let arms: Vec<(Surb, SurbSecret)> = (0..6).map(|_| surb_pair(&mut r)).collect();
    let swap = |index: usize, s: &Surb| SwapRequest {
        key: nym_key(&k),
        authentication: *chain_element(&seed, index).expect("chain"),
        blob: seal_blob(&k, s).expect("blob"),
    };
    let arm_test = |f: &mut FileBuilder,
                    comment: &str,
                    flags: &[&str],
                    index: usize,
                    secret: &SurbSecret,
                    payload: &[u8]| {
        let e = chain_element(&seed, index).expect("chain");
        let mut fields = json!({"seed": hex(seed), "index": index, "surbSecret": hex(secret.to_bytes().as_slice()), "payload": hex(payload)});
        match read_payload(&k, secret, &e, payload) {
            Ok(Reading::Notification(n)) => {
                fields["kind"] = json!("notification");
                fields["notification"] = notification_json(&n);
                f.valid(comment, flags, fields);
            }
            Ok(Reading::Ack {
                ack,
                steps,
                notifications,
            }) => {
                fields["kind"] = json!("ack");
                fields["element"] = json!(hex(ack.element));
                fields["distance"] = json!(steps);
                fields["count"] = json!(ack.count);
                fields["notifications"] =
                    Value::Array(notifications.iter().map(notification_json).collect());
                f.valid(comment, flags, fields);
            }
            Err(err) => {
                f.invalid(comment, flags, err.code(), fields);
            }
        }
    };
    let mut rnd = FixedRng::new(vec![]);
    let _ = &mut rnd;
    // Arm 0: created, then a notification through it.
    ns.swap(NOW, &swap(0, &arms[0].0)).expect("create");
    let SendOutcome::Sent(_, p) = ns.send(NOW + 1, &k, &body(1)).expect("send") else {
        panic!()
    };
    let n0 = deliver(p.as_bytes());
    arm_test(
        &mut f,
        "a notification through arm 0",
        &["Valid"],
        0,
        &arms[0].1,
        &n0,
    );
    arm_test(
        &mut f,
        "the same payload read as arm 1's",
        &["Garbage"],
        1,
        &arms[1].1,
        &n0,
    );
    // Arm 1 drains a queued message; arm 2 re-arms; arm 3 displaces arm 2 unused: an ack with
    // two records and count 2.
    ns.send(NOW + 2, &k, &body(2)).expect("queued");
    let SwapOutcome::Drained(_, p) = ns.swap(NOW + 3, &swap(1, &arms[1].0)).expect("drain") else {
        panic!()
    };
    arm_test(
        &mut f,
        "a drained queued message through arm 1",
        &["Valid"],
        1,
        &arms[1].1,
        &deliver(p.as_bytes()),
    );
    assert_eq!(
        ns.swap(NOW + 4, &swap(2, &arms[2].0)),
        Ok(SwapOutcome::Rearmed)
    );
    let SwapOutcome::Acknowledged(_, p) = ns.swap(NOW + 5, &swap(4, &arms[3].0)).expect("ack")
    else {
        panic!()
    };
    let ack2 = deliver(p.as_bytes());
    arm_test(
        &mut f,
        "an acknowledgement through arm 2, two steps (Swap 3 was lost), with two sealed records",
        &["Valid"],
        2,
        &arms[2].1,
        &ack2,
    );
    arm_test(
        &mut f,
        "that acknowledgement read as arm 1's (another ack key)",
        &["WrongKey"],
        1,
        &arms[2].1,
        &ack2,
    );
    // Hand-built acknowledgements through arm 4 (index 10).
    let e10 = *chain_element(&seed, 10).expect("chain");
    let ack_key = *ack_message_key(&e10);
    let ack_msg = |element: [u8; 32], records: Vec<SealedRecord>| {
        ClientMessage::Ack(Ack {
            element,
            count: 3,
            records,
        })
        .encode()
    };
    let at = |j: usize| *chain_element(&seed, 10 + j).expect("chain");
    let recs = vec![
        SealedRecord::seal(&k, 0, &body(1)),
        SealedRecord::seal(&k, 2, &body(3)),
    ];
    arm_test(
        &mut f,
        "an acknowledgement one step ahead",
        &["Valid", "Boundary"],
        10,
        &arms[4].1,
        &reply_with(&arms[4].0, &ack_key, &ack_msg(at(1), recs.clone())),
    );
    arm_test(
        &mut f,
        &format!("an acknowledgement {} steps ahead", SWAP_WINDOW),
        &["Valid", "Boundary"],
        10,
        &arms[4].1,
        &reply_with(&arms[4].0, &ack_key, &ack_msg(at(SWAP_WINDOW), vec![])),
    );
    arm_test(
        &mut f,
        &format!("an acknowledgement {} steps ahead", SWAP_WINDOW + 1),
        &["ForeignElement", "Boundary"],
        10,
        &arms[4].1,
        &reply_with(&arms[4].0, &ack_key, &ack_msg(at(SWAP_WINDOW + 1), vec![])),
    );
    arm_test(
        &mut f,
        "an acknowledgement naming the arm's own element (0 steps)",
        &["ForeignElement"],
        10,
        &arms[4].1,
        &reply_with(&arms[4].0, &ack_key, &ack_msg(e10, vec![])),
    );
    let other_seed = bytes32(&mut r);
    arm_test(
        &mut f,
        "an acknowledgement naming another chain's element",
        &["ForeignElement"],
        10,
        &arms[4].1,
        &reply_with(
            &arms[4].0,
            &ack_key,
            &ack_msg(*chain_element(&other_seed, 11).expect("chain"), vec![]),
        ),
    );
    let mut bad = recs.clone();
    bad[1].tag[0] ^= 1;
    arm_test(
        &mut f,
        "an acknowledgement with a record that does not open: ignored",
        &["BadRecord"],
        10,
        &arms[4].1,
        &reply_with(&arms[4].0, &ack_key, &ack_msg(at(1), bad)),
    );
    let other_k = ContactAddress::from_seed(&other_seed).address();
    arm_test(
        &mut f,
        "an acknowledgement with a record sealed for another address: ignored",
        &["BadRecord"],
        10,
        &arms[4].1,
        &reply_with(
            &arms[4].0,
            &ack_key,
            &ack_msg(at(1), vec![SealedRecord::seal(&other_k, 1, &body(2))]),
        ),
    );
    let own_mk = *arms[4].0.message_key();
    arm_test(
        &mut f,
        "an acknowledgement under the SURB's own MessageKey",
        &["WrongKey"],
        10,
        &arms[4].1,
        &reply_with(&arms[4].0, &own_mk, &ack_msg(at(1), vec![])),
    );
    let notif = ClientMessage::Notification(Notification {
        seq: 4,
        body: body(4),
    })
    .encode();
    arm_test(
        &mut f,
        "a notification under the ack key",
        &["WrongKey"],
        10,
        &arms[4].1,
        &reply_with(&arms[4].0, &ack_key, &notif),
    );
    arm_test(
        &mut f,
        "a notification under the SURB's own key",
        &["Valid"],
        10,
        &arms[4].1,
        &reply_with(&arms[4].0, &own_mk, &notif),
    );
    arm_test(
        &mut f,
        "239 bytes of garbage",
        &["Garbage"],
        10,
        &arms[4].1,
        &[0x5a; 239],
    );
    arm_test(
        &mut f,
        "238 bytes",
        &["Garbage"],
        10,
        &arms[4].1,
        &reply_with(&arms[4].0, &own_mk, &notif)[..238],
    );

    f.group("nym-read", json!({"reader": "status"}));
    f.note(
        "Status",
        "FUNCTIONALITY",
        "An upload status as the nymserver sends it (spec/nym.md §6.2).",
    );
    let (ssurb, ssecret) = &arms[5];
    let status_test = |f: &mut FileBuilder, comment: &str, flags: &[&str], payload: &[u8]| {
        let mut fields =
            json!({"surbSecret": hex(ssecret.to_bytes().as_slice()), "payload": hex(payload)});
        match read_status(ssecret, payload) {
            Ok(s) => {
                let o: &mut Map<String, Value> = fields.as_object_mut().expect("object");
                o.insert("uploadId".into(), json!(hex(s.upload_id)));
                let (state, count, have, result) = match &s.state {
                    UploadState::Unknown => ("unknown", 0, String::new(), String::new()),
                    UploadState::Partial { count, have } => {
                        ("partial", *count, hex(have), String::new())
                    }
                    UploadState::Done(Ok(())) => ("done", 0, String::new(), "accepted".to_string()),
                    UploadState::Done(Err(e)) => ("done", 0, String::new(), e.code().to_string()),
                };
                o.insert("state".into(), json!(state));
                o.insert("count".into(), json!(count));
                o.insert("have".into(), json!(have));
                o.insert("outcome".into(), json!(result));
                f.valid(comment, flags, fields);
            }
            Err(e) => {
                f.invalid(comment, flags, e.code(), fields);
            }
        }
    };
    let req = |id: [u8; 16]| StatusRequest {
        upload_id: id,
        surb: ssurb.clone(),
    };
    let st = |ns: &Nymserver, id: [u8; 16]| {
        deliver(ns.status(NOW, &req(id)).expect("status").1.as_bytes())
    };
    status_test(&mut f, "unknown upload", &["Status"], &st(&ns, [1; 16]));
    let frag = contact_tracing::nym::Fragment {
        upload_id: [2; 16],
        index: 1,
        count: 10,
        data: vec![0; 216],
    };
    let mut rng0 = FixedRng::new(vec![]);
    ns.add_fragment(NOW, frag, &mut rng0).expect("stored");
    status_test(
        &mut f,
        "partial upload: fragment 1 of 10",
        &["Status"],
        &st(&ns, [2; 16]),
    );
    let up = contact_tracing::nym::Upload::Extension {
        case_id: [9; 16],
        address: k,
        chain_token: [9; 16],
        entries: vec![],
    }
    .encode();
    let frag = contact_tracing::nym::fragment_upload(&up, [3; 16])
        .expect("frag")
        .remove(0);
    let frag = contact_tracing::nym::Fragment::decode(&frag).expect("fragment");
    let _ = ns.add_fragment(NOW, frag, &mut rng0);
    status_test(
        &mut f,
        "done: refused with NYM_UNKNOWN_CASE",
        &["Status"],
        &st(&ns, [3; 16]),
    );
    status_test(
        &mut f,
        "a notification under the status SURB",
        &["WrongKey"],
        &reply_with(ssurb, ssurb.message_key(), &notif),
    );
    status_test(&mut f, "garbage", &["Garbage"], &[7; 239]);
    f.finish()
}
