//! `event-contact-update` (`spec/events.md §5.6`): a contact book receiving ContactUpdates, as
//! steps (`trust`, `receive`).

use contact_tracing::event::messages::ContactUpdateMsg;
use contact_tracing::event::pairing::{Contact, ContactBook, ContactUpdate};
use contact_tracing::event::{fingerprint, EventError, Status, MAX_SKEW};
use contact_tracing::labels::event as labels;
use serde_json::{json, Map, Value};

use super::ed::{self, EdKey};
use super::{
    ed_notes, key, s, seed32, str_field, Outcome, Script, APR_06, APR_12_16H, APR_20_12H, HEADER,
};
use crate::vector::{
    field, hex, hex_array, hex_field, rng, u64_str_field, FileBuilder, Group, Test, Verdict,
};

fn book(t: &Map<String, Value>) -> Result<ContactBook, String> {
    let mut b = ContactBook::new(key(hex_array(t, "recipientSeed")?).public());
    let max = field(t, "maxContacts")?
        .as_u64()
        .ok_or("`maxContacts` is not a number")?;
    b.set_max_contacts(usize::try_from(max).map_err(|_| "maxContacts")?);
    Ok(b)
}

fn exec(b: &mut ContactBook, step: &Map<String, Value>) -> Result<Outcome, String> {
    let mut out = Map::new();
    let r = match str_field(step, "op")? {
        "trust" => {
            let identity: [u8; 32] = hex_array(step, "identity")?;
            b.trust(Contact {
                identity,
                address: hex_array(step, "dialAddress")?,
                fingerprint: fingerprint(&identity),
                last_seq: 0,
                status: None,
            })
        }
        "untrust" => {
            let identity: [u8; 32] = hex_array(step, "identity")?;
            b.untrust(&identity)
                .map(|_| ())
                .ok_or(EventError::ContactUnknown)
        }
        "receive" => b
            .receive(&hex_field(step, "message")?, u64_str_field(step, "now")?)
            .map(|c| {
                let (st, h, since) = c.status.unwrap_or((Status::Unknown, 0, 0));
                out.insert("status".into(), json!(st.name()));
                out.insert("hops".into(), json!(h));
                out.insert("since".into(), s(since));
                out.insert("address".into(), json!(hex(c.address)));
                out.insert("lastSeq".into(), s(c.last_seq));
            }),
        other => return Err(format!("unknown op `{other}`")),
    };
    let mut always = Map::new();
    always.insert("contacts".into(), json!(b.len()));
    Ok(Outcome::of(r.map(|()| out)).with(always))
}

pub(super) fn check(_: &Group, t: &Test) -> Result<Verdict, String> {
    let mut b = book(t)?;
    super::replay(t, &mut b, exec)
}

fn trust(identity: &[u8; 32]) -> Value {
    json!({"op": "trust", "identity": hex(identity), "dialAddress": hex([0x0a; 32])})
}

fn receive(msg: &[u8], now: u64) -> Value {
    json!({"op": "receive", "message": hex(msg), "now": s(now)})
}

fn with(m: &[u8], at: usize, b: u8) -> Vec<u8> {
    let mut v = m.to_vec();
    v[at] = b;
    v
}

pub(super) fn file() -> Value {
    let mut f = FileBuilder::new(
        "event",
        "event-contact-update",
        "spec/events.md#56-contactupdate",
        HEADER,
    );
    f.note("Valid", "BASIC", "A signed update from a trusted contact.");
    f.note(
        "Replay",
        "AUTH_BYPASS",
        "Sequence number not above the last accepted one.",
    );
    f.note(
        "Forwarded",
        "AUTH_BYPASS",
        "An update signed for another recipient, or by another key.",
    );
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "Structurally malformed or out-of-range field.",
    );
    f.note(
        "Untrusted",
        "AUTH_BYPASS",
        "Sender is not a trusted contact.",
    );
    f.note(
        "Time",
        "EDGE_CASE",
        "Times at and beyond their bounds: since after time, time beyond now + MAX_SKEW.",
    );
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "An update that breaks two adjacent checks of spec/events.md §5.6 at once: the earlier check's error wins.",
    );
    f.note(
        "RefusalChangesNothing",
        "FUNCTIONALITY",
        "A refused update followed by one with the same sequence number, which is still accepted.",
    );
    f.note(
        "Bound",
        "FUNCTIONALITY",
        "The contact book's bound (spec/events.md §11): a new identity beyond it is refused, a known one replaced.",
    );
    ed_notes(&mut f);
    f.group("event-contact-update", json!({}));
    let mut r = rng("event contact update");
    let recipient_seed = seed32(&mut r);
    let recipient = key(recipient_seed).public();
    let sender_seed = seed32(&mut r);
    let sender = key(sender_seed);
    let addr = key(seed32(&mut r)).public();
    let now = APR_20_12H;
    let inputs = json!({"recipientSeed": hex(recipient_seed), "maxContacts": 5000});
    let up = |seq: u64, time: u64, status: Status, hops: u8, since: u64| ContactUpdate {
        seq,
        time,
        status,
        hops,
        since,
        address: addr,
    };
    let script = || Script::new(book(inputs.as_object().unwrap()).unwrap(), exec);
    let trusted = || {
        let mut sc = script();
        sc.ok(trust(&sender.public()));
        sc
    };
    let ok = up(5, now, Status::Positive, 0, APR_06).sign(&sender, &recipient);
    let mut sc = trusted();
    sc.ok(receive(&ok, now));
    sc.emit(
        &mut f,
        "positive test with infecting-since and a rotated address",
        &["Valid"],
        inputs.clone(),
        None,
    );
    let mut sc = trusted();
    sc.ok(receive(
        &up(1, now, Status::HighRisk, 2, APR_12_16H).sign(&sender, &recipient),
        now,
    ));
    sc.emit(
        &mut f,
        "high risk, hop 2, sequence number 1 (the first above 0)",
        &["Valid"],
        inputs.clone(),
        None,
    );
    // Sequence numbers: equal refused, above accepted; a refused update does not consume seq.
    let mut sc = trusted();
    sc.ok(receive(&ok, now));
    sc.refused(receive(&ok, now + 1), EventError::Replay);
    sc.emit(
        &mut f,
        "the same update delivered twice",
        &["Replay"],
        inputs.clone(),
        Some(EventError::Replay),
    );
    let mut sc = trusted();
    sc.ok(receive(&ok, now));
    sc.refused(
        receive(
            &up(4, now, Status::Negative, 0, now).sign(&sender, &recipient),
            now,
        ),
        EventError::Replay,
    );
    sc.ok(receive(
        &up(6, now, Status::Negative, 0, now).sign(&sender, &recipient),
        now,
    ));
    sc.emit(
        &mut f,
        "sequence number below the last refused, the next above it accepted",
        &["Replay"],
        inputs.clone(),
        None,
    );
    let mut sc = trusted();
    sc.refused(
        receive(
            &up(0, now, Status::Negative, 0, now).sign(&sender, &recipient),
            now,
        ),
        EventError::Replay,
    );
    sc.emit(
        &mut f,
        "sequence number 0 is never above the last (0 after trusting)",
        &["Replay"],
        inputs.clone(),
        Some(EventError::Replay),
    );
    let mut sc = trusted();
    let mut bad = ok.clone();
    bad[100] ^= 1;
    sc.refused(receive(&bad, now), EventError::BadIdentitySig);
    sc.ok(receive(&ok, now));
    sc.emit(
        &mut f,
        "a refused update with seq 5, then the valid one with seq 5",
        &["RefusalChangesNothing"],
        inputs.clone(),
        None,
    );
    let mut sc = script();
    sc.refused(receive(&ok, now), EventError::ContactUnknown);
    sc.emit(
        &mut f,
        "sender is not a contact",
        &["Untrusted"],
        inputs.clone(),
        Some(EventError::ContactUnknown),
    );
    let mut sc = trusted();
    sc.refused(
        receive(
            &up(6, now, Status::Positive, 0, APR_06).sign(&sender, &[7; 32]),
            now,
        ),
        EventError::BadIdentitySig,
    );
    sc.emit(
        &mut f,
        "signed for another recipient",
        &["Forwarded"],
        inputs.clone(),
        Some(EventError::BadIdentitySig),
    );
    // Time boundaries.
    for (comment, u, want) in [
        (
            "since equal to time",
            up(6, now, Status::Positive, 0, now),
            None,
        ),
        (
            "since one second after time",
            up(6, now, Status::Positive, 0, now + 1),
            Some(EventError::TimeInvalid),
        ),
        (
            "time exactly MAX_SKEW ahead",
            up(6, now + MAX_SKEW, Status::Positive, 0, now),
            None,
        ),
        (
            "time one second beyond the tolerated skew",
            up(6, now + MAX_SKEW + 1, Status::Positive, 0, now),
            Some(EventError::TimeInvalid),
        ),
    ] {
        let mut sc = trusted();
        let msg = u.sign(&sender, &recipient);
        match want {
            None => {
                sc.ok(receive(&msg, now));
            }
            Some(e) => sc.refused(receive(&msg, now), e),
        }
        sc.emit(&mut f, comment, &["Time"], inputs.clone(), want);
    }
    // Decoding (§1 order) and the adjacent pairs of §5.6.
    let dec: Vec<(&str, &[&str], Vec<u8>, EventError)> = vec![
        (
            "status code 5",
            &["Malformed"],
            with(&ok, 49, 5),
            EventError::BadStatus,
        ),
        (
            "status code 255",
            &["Malformed"],
            with(&ok, 49, 255),
            EventError::BadStatus,
        ),
        (
            "hops 1 on a positive status",
            &["Malformed"],
            with(&ok, 50, 1),
            EventError::BadHops,
        ),
        (
            "high risk with hops 0",
            &["Malformed"],
            with(&ok, 49, 1),
            EventError::BadHops,
        ),
        (
            "high risk with hops 4",
            &["Malformed"],
            with(&with(&ok, 49, 1), 50, 4),
            EventError::BadHops,
        ),
        (
            "truncated",
            &["Malformed"],
            ok[..154].to_vec(),
            EventError::Truncated,
        ),
        (
            "trailing byte",
            &["Malformed"],
            [&ok[..], &[0]].concat(),
            EventError::TrailingBytes,
        ),
        (
            "report tag",
            &["Malformed"],
            with(&ok, 0, 0x24),
            EventError::UnknownTag,
        ),
        (
            "wrong tag and a bad status",
            &["Malformed", "CheckOrder"],
            with(&with(&ok, 49, 9), 0, 0x11),
            EventError::UnknownTag,
        ),
        (
            "bad status and bad hops",
            &["Malformed", "CheckOrder"],
            with(&with(&ok, 49, 9), 50, 9),
            EventError::BadStatus,
        ),
        (
            "bad hops and truncated after them",
            &["Malformed", "CheckOrder"],
            with(&ok[..60], 50, 9),
            EventError::BadHops,
        ),
        (
            "truncated before the status byte: the status is never read",
            &["Malformed", "CheckOrder"],
            with(&ok[..49], 0, 0x10),
            EventError::Truncated,
        ),
        (
            "bad hops and since after time: decoding is checked first",
            &["CheckOrder"],
            with(
                &up(6, now, Status::Positive, 0, now + 1).sign(&sender, &recipient),
                50,
                2,
            ),
            EventError::BadHops,
        ),
    ];
    for (comment, flags, msg, e) in dec {
        let mut sc = trusted();
        sc.refused(receive(&msg, now), e);
        sc.emit(&mut f, comment, flags, inputs.clone(), Some(e));
    }
    let mut sc = script();
    sc.refused(
        receive(
            &up(6, now, Status::Positive, 0, now + 1).sign(&sender, &recipient),
            now,
        ),
        EventError::TimeInvalid,
    );
    sc.emit(
        &mut f,
        "since after time from a non-contact: times are checked before the sender",
        &["CheckOrder"],
        inputs.clone(),
        Some(EventError::TimeInvalid),
    );
    let small = ed::small_order_points()[1];
    let mut body = ContactUpdateMsg::decode(&ok).unwrap();
    body.identity = small;
    let small_msg = body.encode();
    let mut sc = script();
    sc.refused(receive(&small_msg, now), EventError::ContactUnknown);
    sc.emit(
        &mut f,
        "a non-contact with a small-order identity: the sender is checked before the key",
        &["CheckOrder"],
        inputs.clone(),
        Some(EventError::ContactUnknown),
    );
    let mut sc = script();
    sc.ok(trust(&small));
    sc.refused(receive(&small_msg, now), EventError::BadKey);
    sc.emit(&mut f, "a trusted contact whose identity is a small-order point, with a garbage signature: the key is checked first", &["CheckOrder"], inputs.clone(), Some(EventError::BadKey));
    let mut sc = trusted();
    sc.ok(receive(&ok, now));
    sc.refused(receive(&bad, now), EventError::BadIdentitySig);
    sc.emit(
        &mut f,
        "a bad signature and a sequence number not above the last: the signature is checked first",
        &["CheckOrder"],
        inputs.clone(),
        Some(EventError::BadIdentitySig),
    );
    // Removing a contact: its updates are refused afterwards.
    let mut sc = trusted();
    sc.ok(receive(&ok, now));
    sc.ok(json!({"op": "untrust", "identity": hex(sender.public())}));
    sc.refused(
        receive(
            &up(6, now, Status::Negative, 0, now).sign(&sender, &recipient),
            now,
        ),
        EventError::ContactUnknown,
    );
    sc.emit(
        &mut f,
        "after untrusting the sender, its updates are refused",
        &["Untrusted"],
        inputs.clone(),
        Some(EventError::ContactUnknown),
    );
    let mut sc = trusted();
    sc.refused(
        json!({"op": "untrust", "identity": hex([0x77; 32])}),
        EventError::ContactUnknown,
    );
    sc.ok(receive(&ok, now));
    sc.emit(
        &mut f,
        "untrusting an identity that is not in the book is refused and changes nothing",
        &["Untrusted", "RefusalChangesNothing"],
        inputs.clone(),
        None,
    );
    // The book's bound.
    let small_inputs = json!({"recipientSeed": hex(recipient_seed), "maxContacts": 2});
    let bounded = || Script::new(book(small_inputs.as_object().unwrap()).unwrap(), exec);
    let mut sc = bounded();
    sc.ok(trust(&[1; 32]));
    sc.ok(trust(&sender.public()));
    sc.refused(trust(&[3; 32]), EventError::TableFull);
    sc.ok(receive(&ok, now));
    sc.emit(
        &mut f,
        "a third contact in a book of two is refused; the second still receives updates",
        &["Bound"],
        small_inputs.clone(),
        None,
    );
    let mut sc = bounded();
    sc.ok(trust(&[1; 32]));
    sc.ok(trust(&sender.public()));
    sc.ok(receive(&ok, now));
    sc.ok(trust(&sender.public()));
    sc.refused(
        receive(
            &up(5, now, Status::Negative, 0, now).sign(&sender, &recipient),
            now,
        ),
        EventError::Replay,
    );
    sc.ok(receive(
        &up(6, now, Status::Negative, 0, now).sign(&sender, &recipient),
        now,
    ));
    sc.emit(
        &mut f,
        "trusting a known identity again in a full book works and keeps its last sequence number",
        &["Bound"],
        small_inputs.clone(),
        None,
    );
    // Ed25519 edges on the sender's key and signature.
    for c in ed::cases(true) {
        let seed = [0x61; 32];
        let public = c.public(seed);
        let mut m = ContactUpdateMsg::decode(
            &up(7, now, Status::Suspected, 0, APR_06).sign(&sender, &recipient),
        )
        .unwrap();
        m.identity = public;
        let signed = [labels::CONTACT_UPDATE.bytes, &recipient, &m.body()].concat();
        let (a, sig) = c.build(seed, &signed);
        assert_eq!(a, public);
        m.sig = sig;
        assert_eq!(ed::rule(&a, &signed, &sig), c.verdict, "{}", c.comment);
        let want = match c.verdict {
            ed::Verdict::Valid => None,
            ed::Verdict::Key => Some(EventError::BadKey),
            ed::Verdict::Sig => Some(EventError::BadIdentitySig),
        };
        let mut sc = script();
        sc.ok(trust(&public));
        match want {
            None => {
                sc.ok(receive(&m.encode(), now));
            }
            Some(e) => sc.refused(receive(&m.encode(), now), e),
        }
        let flags: &[&str] = if c.ktv { &["Ktv"] } else { &["Ed25519Edge"] };
        sc.emit(&mut f, &c.comment, flags, inputs.clone(), want);
    }
    let _ = EdKey::from_seed(sender_seed);
    f.finish()
}
