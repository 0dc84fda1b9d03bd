//! `nym-mailbox`: Receive / Serve / expiry of the mailbox server, every row of `spec/nym.md §5.1`,
//! both sides of its boundaries, and its bound.

use contact_tracing::error::ErrorCode;
use contact_tracing::mix::MailboxAddress;
use contact_tracing::nym::{Mailbox, MailboxLimits, MailboxStore, PollResponse, DAY};
use serde_json::{json, Map, Value};

use super::{G, HEADER, NOW};
use crate::vector::{
    expect_outputs, field, hex, hex_array, hex_field, u32_field, u64_str_field, FileBuilder, Group,
    Test, Verdict,
};

fn run(
    g: &Map<String, Value>,
    steps: &[Value],
    mut sink: impl FnMut(usize, Map<String, Value>) -> Result<(), String>,
) -> Result<Option<&'static str>, String> {
    let mut m = Mailbox::new(G).with_limits(MailboxLimits {
        max_addresses: u32_field(g, "maxAddresses")? as usize,
    });
    let mut last = None;
    for (i, s) in steps.iter().enumerate() {
        let s = s.as_object().ok_or("step")?;
        let now = u64_str_field(s, "now")?;
        let mut got = Map::new();
        let result: Result<&str, &'static str> = match field(s, "op")?.as_str() {
            Some("receive") => m
                .receive(
                    now,
                    MailboxAddress(hex_array(s, "address")?),
                    &hex_field(s, "payload")?,
                )
                .map(|()| "stored")
                .map_err(|e| e.code()),
            Some("serve") => {
                let got_p = m.serve(now, &MailboxAddress(hex_array(s, "address")?));
                got.insert(
                    "response".into(),
                    json!(hex(PollResponse { payloads: got_p }.encode())),
                );
                Ok("served")
            }
            Some("expire") => {
                got.insert("removed".into(), json!(m.expire(now)));
                got.insert("addresses".into(), json!(m.store().len()));
                Ok("expired")
            }
            other => return Err(format!("unknown op {other:?}")),
        };
        got.insert("expect".into(), json!(result.unwrap_or_else(|e| e)));
        last = result.err();
        sink(i, got)?;
    }
    Ok(last)
}

fn sm(
    f: &mut FileBuilder,
    g: &Map<String, Value>,
    comment: &str,
    flags: &[&str],
    error: Option<&str>,
    mut steps: Vec<Value>,
) {
    let mut outs = Vec::new();
    let got = run(g, &steps, |_, m| {
        outs.push(m);
        Ok(())
    })
    .expect("generator run");
    for (s, m) in steps.iter_mut().zip(outs) {
        s.as_object_mut().expect("step").extend(m);
    }
    assert_eq!(got, error, "{comment}");
    match error {
        None => f.valid(comment, flags, json!({"steps": steps})),
        Some(e) => f.invalid(comment, flags, e, json!({"steps": steps})),
    };
}

pub(crate) fn mailbox_file() -> Value {
    let mut f = FileBuilder::new("nym", "nym-mailbox", "spec/nym.md#mailbox-state", HEADER);
    f.note("Valid", "BASIC", "Receive, serve and expire.");
    f.note("Expiry", "FUNCTIONALITY", "Deletion 30 days after first sight (not after the last payload), both sides of the second.");
    f.note(
        "Full",
        "EDGE_CASE",
        "The 64th and 65th payload for one address.",
    );
    f.note(
        "WrongLength",
        "BASIC",
        "A payload that is not P = 239 bytes.",
    );
    f.note(
        "Capacity",
        "EDGE_CASE",
        "The store at its bound of addresses (spec/nym.md §9.1).",
    );
    f.note(
        "Order",
        "FUNCTIONALITY",
        "Two checks fail at once: the earlier row of §5.1 decides.",
    );
    let a = [0x11u8; 36];
    let b = [0x22u8; 36];
    let c = [0x33u8; 36];
    let p = |x: u8| hex([x; 239]);
    let t = |now: u64| now.to_string();
    let recv = |now: u64, addr: &[u8; 36], pay: String| json!({"op": "receive", "now": t(now), "address": hex(addr), "payload": pay});
    let serve =
        |now: u64, addr: &[u8; 36]| json!({"op": "serve", "now": t(now), "address": hex(addr)});
    let expire = |now: u64| json!({"op": "expire", "now": t(now)});
    let g = json!({"hops": 4, "maxAddresses": 1 << 20});
    let gm = g.as_object().expect("object").clone();
    f.group("nym-mailbox", g);
    sm(
        &mut f,
        &gm,
        "receive appends, serve returns all in order and does not delete",
        &["Valid"],
        None,
        vec![
            recv(NOW, &a, p(1)),
            recv(NOW + 5, &a, p(2)),
            recv(NOW + 6, &b, p(3)),
            serve(NOW + 7, &a),
            serve(NOW + 8, &a),
            serve(NOW + 8, &c),
        ],
    );
    let t30 = NOW + 30 * DAY;
    sm(
        &mut f,
        &gm,
        "deleted 30 days after first sight even though a payload arrived later",
        &["Expiry"],
        None,
        vec![
            recv(NOW, &a, p(1)),
            recv(NOW + 29 * DAY, &a, p(2)),
            recv(NOW + DAY, &b, p(3)),
            serve(t30 - 1, &a),
            serve(t30, &a),
            expire(t30 - 1),
            expire(t30),
            serve(t30, &b),
            expire(t30 + DAY),
            recv(t30 + DAY, &a, p(4)),
            serve(t30 + DAY, &a),
        ],
    );
    sm(
        &mut f,
        &gm,
        "a receive at the expiry second, before the purge, is a new first sight",
        &["Expiry"],
        None,
        vec![
            recv(NOW, &a, p(1)),
            recv(t30 - 1, &a, p(2)),
            recv(t30, &a, p(3)),
            serve(t30, &a),
            expire(t30 + 30 * DAY - 1),
            serve(t30 + 30 * DAY - 1, &a),
        ],
    );
    let mut steps: Vec<Value> = (0..64).map(|i| recv(NOW + i, &a, p(i as u8))).collect();
    steps.push(serve(NOW + 64, &a));
    sm(
        &mut f,
        &gm,
        "the 64th payload is stored",
        &["Full"],
        None,
        steps.clone(),
    );
    steps.push(recv(NOW + 64, &a, p(64)));
    sm(
        &mut f,
        &gm,
        "65th payload",
        &["Full"],
        Some("NYM_MAILBOX_FULL"),
        steps.clone(),
    );
    steps.pop();
    steps.push(recv(NOW + 64, &a, hex([0u8; 238])));
    sm(
        &mut f,
        &gm,
        "a 238-byte payload to a full address: the length is checked first",
        &["WrongLength", "Full", "Order"],
        Some("NYM_BAD_LENGTH"),
        steps,
    );
    sm(
        &mut f,
        &gm,
        "238-byte payload",
        &["WrongLength"],
        Some("NYM_BAD_LENGTH"),
        vec![recv(NOW, &a, hex([0u8; 238]))],
    );
    sm(
        &mut f,
        &gm,
        "240-byte payload",
        &["WrongLength"],
        Some("NYM_BAD_LENGTH"),
        vec![recv(NOW, &a, hex([0u8; 240]))],
    );
    sm(
        &mut f,
        &gm,
        "a refused payload changes nothing",
        &["WrongLength"],
        None,
        vec![
            recv(NOW, &a, p(1)),
            recv(NOW + 1, &a, hex([0u8; 238])),
            serve(NOW + 2, &a),
        ],
    );

    let g = json!({"hops": 4, "maxAddresses": 2});
    let gm = g.as_object().expect("object").clone();
    f.group("nym-mailbox", g);
    sm(
        &mut f,
        &gm,
        "a third address when two are held",
        &["Capacity"],
        Some("NYM_CAPACITY"),
        vec![
            recv(NOW, &a, p(1)),
            recv(NOW, &b, p(2)),
            recv(NOW, &c, p(3)),
        ],
    );
    sm(
        &mut f,
        &gm,
        "full store: known addresses still receive, a refused one is not stored",
        &["Capacity"],
        None,
        vec![
            recv(NOW, &a, p(1)),
            recv(NOW, &b, p(2)),
            recv(NOW + 1, &c, p(3)),
            recv(NOW + 2, &a, p(4)),
            serve(NOW + 3, &a),
            serve(NOW + 3, &c),
        ],
    );
    sm(
        &mut f,
        &gm,
        "full store: an expired address is renewed in place",
        &["Capacity", "Expiry"],
        None,
        vec![
            recv(NOW, &a, p(1)),
            recv(NOW + DAY, &b, p(2)),
            recv(t30, &a, p(3)),
            serve(t30, &a),
            recv(t30, &c, p(4)),
        ][..4]
            .to_vec(),
    );
    sm(
        &mut f,
        &gm,
        "full store: a new address after the purge",
        &["Capacity", "Expiry"],
        None,
        vec![
            recv(NOW, &a, p(1)),
            recv(NOW + DAY, &b, p(2)),
            expire(t30),
            recv(t30, &c, p(3)),
            serve(t30, &c),
        ],
    );
    sm(
        &mut f,
        &gm,
        "a 238-byte payload to a new address when full: the length is checked first",
        &["WrongLength", "Capacity", "Order"],
        Some("NYM_BAD_LENGTH"),
        vec![
            recv(NOW, &a, p(1)),
            recv(NOW, &b, p(2)),
            recv(NOW, &c, hex([0u8; 238])),
        ],
    );
    f.finish()
}

pub(crate) fn check_mailbox(g: &Group, t: &Test) -> Result<Verdict, String> {
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
