//! `event-pairing` (`spec/events.md §5.1`-§5.5): the committed pairing exchange between one
//! initiator and one joiner, as steps that deliver messages to either side.

use contact_tracing::error::ErrorCode;
use contact_tracing::event::pairing::{Initiator, Joiner, PairingQr};
use contact_tracing::event::{EventError, IdentityKey};
use contact_tracing::labels::event as labels;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::ed::{self, EdKey};
use super::{ed_notes, key, seed32, str_field, Outcome, Script, HEADER};
use crate::vector::{hex, hex_array, hex_field, rng, FileBuilder, Group, Test, Verdict};

/// The two sides of a run, built from the test's inputs.
#[derive(Clone)]
pub(super) struct Sides {
    qr: PairingQr,
    joiner_key: IdentityKey,
    joiner_address: [u8; 32],
    joiner_nonce: [u8; 32],
    initiator: Initiator,
    joiner: Option<Joiner>,
}

fn sides(t: &Map<String, Value>) -> Result<Sides, String> {
    let qr = PairingQr::from_bytes(&hex_field(t, "qr")?).map_err(|e| format!("qr: {e}"))?;
    let ik = key(hex_array(t, "initiatorSeed")?);
    let initiator = Initiator::new(
        &qr,
        &ik,
        hex_array(t, "initiatorAddress")?,
        hex_array(t, "initiatorNonce")?,
    );
    Ok(Sides {
        joiner_key: key(hex_array(t, "joinerSeed")?),
        joiner_address: hex_array(t, "joinerAddress")?,
        joiner_nonce: hex_array(t, "joinerNonce")?,
        qr,
        initiator,
        joiner: None,
    })
}

fn peer(out: &mut Map<String, Value>, contact: &contact_tracing::event::Contact, sas: u32) {
    out.insert("peerIdentity".into(), json!(hex(contact.identity)));
    out.insert("peerAddress".into(), json!(hex(contact.address)));
    out.insert("peerFingerprint".into(), json!(hex(contact.fingerprint)));
    out.insert("sas".into(), json!(sas));
}

fn joiner(p: &mut Sides) -> Result<&mut Joiner, String> {
    p.joiner
        .as_mut()
        .ok_or_else(|| "the joiner has not started".to_string())
}

fn exec(p: &mut Sides, step: &Map<String, Value>) -> Result<Outcome, String> {
    let mut out = Map::new();
    let op = str_field(step, "op")?;
    let r = match op {
        "join" => {
            let (j, commit) = Joiner::start(&p.qr, &p.joiner_key, p.joiner_address, p.joiner_nonce);
            p.joiner = Some(j);
            out.insert("reply".into(), json!(hex(commit)));
            Ok(())
        }
        "initiatorCommit" => p
            .initiator
            .receive_commit(&hex_field(step, "message")?)
            .map(|h| {
                out.insert("reply".into(), json!(hex(h)));
            }),
        "joinerHello" => joiner(p)?
            .receive_hello(&hex_field(step, "message")?)
            .map(|(h, c)| {
                out.insert("reply".into(), json!(hex(h)));
                out.insert("confirm".into(), json!(hex(c)));
            }),
        "initiatorHello" => p
            .initiator
            .receive_hello(&hex_field(step, "message")?)
            .map(|c| {
                out.insert("reply".into(), json!(hex(c)));
            }),
        "joinerConfirm" => joiner(p)?
            .finish(&hex_field(step, "message")?)
            .map(|(c, sas)| peer(&mut out, &c, sas)),
        "initiatorConfirm" => p
            .initiator
            .finish(&hex_field(step, "message")?)
            .map(|(c, sas)| peer(&mut out, &c, sas)),
        other => return Err(format!("unknown op `{other}`")),
    };
    let mut always = Map::new();
    always.insert("sessions".into(), json!(p.initiator.sessions()));
    Ok(Outcome::of(r.map(|()| out)).with(always))
}

pub(super) fn check(_: &Group, t: &Test) -> Result<Verdict, String> {
    // A QR payload of another length is refused before any step (§5.2).
    if let Err(e) = PairingQr::from_bytes(&hex_field(t, "qr")?) {
        return Ok(Verdict::Invalid(e.code()));
    }
    let mut p = sides(t)?;
    super::replay(t, &mut p, exec)
}

/// A fixture: the inputs of a run and the honest messages it produces.
#[derive(Clone)]
struct Fx {
    inputs: Value,
    qr: PairingQr,
    i_seed: [u8; 32],
    j_seed: [u8; 32],
    j_address: [u8; 32],
    commit: Vec<u8>,
    hello_i: Vec<u8>,
    hello_j: Vec<u8>,
    confirm_j: Vec<u8>,
    confirm_i: Vec<u8>,
}

impl Fx {
    fn new(r: &mut ChaCha20Rng) -> Self {
        let secret = seed32(r);
        let rendezvous = key(seed32(r)).public();
        let qr_bytes = [&secret[..], &rendezvous].concat();
        let i_seed = seed32(r);
        let i_address = key(seed32(r)).public();
        let i_nonce = seed32(r);
        let j_seed = seed32(r);
        let j_address = key(seed32(r)).public();
        let j_nonce = seed32(r);
        let inputs = json!({"qr": hex(&qr_bytes), "initiatorSeed": hex(i_seed), "initiatorAddress": hex(i_address),
            "initiatorNonce": hex(i_nonce), "joinerSeed": hex(j_seed), "joinerAddress": hex(j_address),
            "joinerNonce": hex(j_nonce)});
        let qr = PairingQr::from_bytes(&qr_bytes).expect("qr");
        let mut init = Initiator::new(&qr, &key(i_seed), i_address, i_nonce);
        let (mut join, commit) = Joiner::start(&qr, &key(j_seed), j_address, j_nonce);
        let hello_i = init.receive_commit(&commit).expect("commit");
        let (hello_j, confirm_j) = join.receive_hello(&hello_i).expect("hello");
        let confirm_i = init.receive_hello(&hello_j).expect("opening");
        Fx {
            inputs,
            qr,
            i_seed,
            j_seed,
            j_address,
            commit,
            hello_i,
            hello_j,
            confirm_j,
            confirm_i,
        }
    }

    fn script(&self) -> Script<Sides> {
        Script::new(sides(self.inputs.as_object().unwrap()).unwrap(), exec)
    }

    fn k_pair(&self) -> [u8; 32] {
        *self.qr.pairing_key()
    }

    /// A hello with any content: `sig` as given (or a real signature by `signer` when `None`),
    /// the MAC computed unless `bad_mac`.
    #[allow(clippy::too_many_arguments)]
    fn hello(
        &self,
        role: u8,
        identity: [u8; 32],
        signer: Option<&EdKey>,
        sig: Option<[u8; 64]>,
        address: [u8; 32],
        nonce: [u8; 32],
        bad_mac: bool,
    ) -> Vec<u8> {
        let signed = [
            labels::PAIRING_HELLO.bytes,
            &self.qr.transcript_hash(),
            &[role],
            &identity,
            &address,
            &nonce,
        ]
        .concat();
        let sig = sig.unwrap_or_else(|| signer.expect("a signer").sign(&signed));
        let mut mac = mac(
            &self.k_pair(),
            &[
                labels::PAIRING_MAC.bytes,
                &[role],
                &identity,
                &address,
                &nonce,
                &sig,
            ],
        );
        if bad_mac {
            mac[0] ^= 1;
        }
        [&[0x01, role][..], &identity, &address, &nonce, &sig, &mac].concat()
    }

    /// The signed bytes of a hello (for edge cases).
    fn hello_signed(
        &self,
        role: u8,
        identity: [u8; 32],
        address: [u8; 32],
        nonce: [u8; 32],
    ) -> Vec<u8> {
        [
            labels::PAIRING_HELLO.bytes,
            &self.qr.transcript_hash(),
            &[role],
            &identity,
            &address,
            &nonce,
        ]
        .concat()
    }

    /// A PairingCommit to `hello` with a valid (or broken) MAC.
    fn commit_to(&self, hello: &[u8], bad_mac: bool) -> Vec<u8> {
        let c: [u8; 32] = Sha256::new()
            .chain_update(labels::PAIRING_COMMIT.bytes)
            .chain_update(hello)
            .finalize()
            .into();
        let mut m = mac(&self.k_pair(), &[labels::PAIRING_COMMIT.bytes, &c]);
        if bad_mac {
            m[31] ^= 0x80;
        }
        [&[0x03][..], &c, &m].concat()
    }

    fn confirm(&self, role: u8, hello_i: &[u8], hello_j: &[u8]) -> Vec<u8> {
        let t = [Sha256::digest(hello_i), Sha256::digest(hello_j)].concat();
        let c = mac(
            &self.k_pair(),
            &[labels::PAIRING_CONFIRM.bytes, &[role], &t],
        );
        [&[0x02, role][..], &c].concat()
    }
}

/// HMAC-SHA-256, for messages the library would not build.
fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key);
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    for p in parts {
        inner.update(p);
    }
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

fn step(op: &str, msg: &[u8]) -> Value {
    json!({"op": op, "message": hex(msg)})
}

fn flip(m: &[u8], at: usize) -> Vec<u8> {
    let mut v = m.to_vec();
    v[at] ^= 1;
    v
}

fn with(m: &[u8], at: usize, b: u8) -> Vec<u8> {
    let mut v = m.to_vec();
    v[at] = b;
    v
}

fn small_order() -> [u8; 32] {
    ed::small_order_points()[0]
}

pub(super) fn file() -> Value {
    let mut f = FileBuilder::new(
        "event",
        "event-pairing",
        "spec/events.md#51-overview",
        HEADER,
    );
    f.note(
        "Valid",
        "BASIC",
        "A complete committed pairing run from fixed seeds: both sides show the same code.",
    );
    f.note(
        "Commitment",
        "AUTH_BYPASS",
        "The joiner's hello does not open its commitment, or a second session is attempted for one QR (spec/events.md §5.3, §12).",
    );
    f.note(
        "ModifiedMessage",
        "AUTH_BYPASS",
        "A pairing message altered in transit, made with another QR secret, or signed by another key.",
    );
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "A structurally malformed message.",
    );
    f.note(
        "RoleConfusion",
        "FUNCTIONALITY",
        "A message from the receiver's own role, or a pairing with oneself.",
    );
    f.note(
        "OutOfOrder",
        "FUNCTIONALITY",
        "A message the receiving side does not expect in its state (spec/events.md §5.1).",
    );
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "A message that breaks two adjacent checks of an ordered list at once: the earlier check's error wins (spec/events.md §1).",
    );
    f.note(
        "RefusalChangesNothing",
        "FUNCTIONALITY",
        "A refused message followed by the honest one, which is still accepted.",
    );
    ed_notes(&mut f);
    f.group("event-pairing", json!({}));
    let mut r = rng("event pairing v2");
    // Complete runs.
    for _ in 0..3 {
        let fx = Fx::new(&mut r);
        let mut sc = fx.script();
        let commit = sc.ok(json!({"op": "join"}));
        assert_eq!(commit["reply"], json!(hex(&fx.commit)));
        sc.ok(step("initiatorCommit", &fx.commit));
        sc.ok(step("joinerHello", &fx.hello_i));
        sc.ok(step("initiatorHello", &fx.hello_j));
        let j = sc.ok(step("joinerConfirm", &fx.confirm_i));
        let i = sc.ok(step("initiatorConfirm", &fx.confirm_j));
        assert_eq!(i["sas"], j["sas"]);
        sc.emit(
            &mut f,
            "commit, hello, opening and confirm, confirm: both sides show the same six-digit code",
            &["Valid"],
            fx.inputs.clone(),
            None,
        );
    }
    let fx = Fx::new(&mut r);
    let mut other_rng = rng("event pairing v2 other");
    let other = Fx::new(&mut other_rng);
    let inputs = fx.inputs.clone();
    let ik = EdKey::from_seed(fx.i_seed);
    let jk = EdKey::from_seed(fx.j_seed);
    let mallory = EdKey::from_seed([0x4d; 32]);
    let nonce = [0x6e; 32];
    let addr = fx.j_address;

    // QR payloads of another length (§5.2) are refused before any step.
    for (comment, len, e) in [
        ("a QR payload of 63 bytes", 63, EventError::Truncated),
        ("a QR payload of 65 bytes", 65, EventError::TrailingBytes),
    ] {
        let mut fields = fx.inputs.clone();
        let qr = ::hex::decode(fields["qr"].as_str().unwrap()).unwrap();
        let mut qr = qr[..63.min(len)].to_vec();
        qr.resize(len, 0);
        fields["qr"] = json!(hex(qr));
        fields["steps"] = json!([{"op": "join"}]);
        f.invalid(comment, &["Malformed"], e.code(), fields);
    }

    // --- the initiator receives commits (§5.3): decode; MAC; Waiting.
    let commit_cases: Vec<(&str, &[&str], Vec<u8>, EventError)> = vec![
        (
            "commit with the hello tag",
            &["Malformed"],
            with(&fx.commit, 0, 0x01),
            EventError::UnknownTag,
        ),
        (
            "commit truncated by one byte",
            &["Malformed"],
            fx.commit[..64].to_vec(),
            EventError::Truncated,
        ),
        (
            "commit with a trailing byte",
            &["Malformed"],
            [&fx.commit[..], &[0]].concat(),
            EventError::TrailingBytes,
        ),
        (
            "empty commit",
            &["Malformed"],
            vec![],
            EventError::Truncated,
        ),
        (
            "commit MAC altered",
            &["ModifiedMessage"],
            flip(&fx.commit, 40),
            EventError::BadMac,
        ),
        (
            "commitment altered (the MAC no longer matches)",
            &["ModifiedMessage"],
            flip(&fx.commit, 5),
            EventError::BadMac,
        ),
        (
            "commit made with another QR secret",
            &["ModifiedMessage"],
            other.commit.clone(),
            EventError::BadMac,
        ),
        (
            "wrong tag and truncated: the tag is checked first",
            &["Malformed", "CheckOrder"],
            with(&fx.commit[..10], 0, 0x02),
            EventError::UnknownTag,
        ),
        (
            "trailing byte and a bad MAC: decoding is checked first",
            &["Malformed", "CheckOrder"],
            [&flip(&fx.commit, 40)[..], &[0]].concat(),
            EventError::TrailingBytes,
        ),
    ];
    for (comment, flags, msg, e) in commit_cases {
        let mut sc = fx.script();
        sc.refused(step("initiatorCommit", &msg), e);
        sc.clone()
            .emit(&mut f, comment, flags, inputs.clone(), Some(e));
        // The refusal changed nothing: the honest commit still opens the session.
        sc.ok(step("initiatorCommit", &fx.commit));
        sc.emit(
            &mut f,
            &format!("{comment}, then the honest commit is accepted"),
            &["RefusalChangesNothing"],
            inputs.clone(),
            None,
        );
    }
    // One session per QR.
    let second = fx.commit_to(
        &fx.hello(1, mallory.public, Some(&mallory), None, addr, nonce, false),
        false,
    );
    let mut sc = fx.script();
    sc.ok(step("initiatorCommit", &fx.commit));
    sc.refused(step("initiatorCommit", &second), EventError::PairingBusy);
    sc.clone().emit(
        &mut f,
        "a second commit with a valid MAC while a session is open",
        &["Commitment"],
        inputs.clone(),
        Some(EventError::PairingBusy),
    );
    let mut sc2 = sc.clone();
    sc2.refused(step("initiatorCommit", &fx.commit), EventError::PairingBusy);
    sc2.emit(
        &mut f,
        "the same commit delivered twice: the session is open",
        &["Commitment"],
        inputs.clone(),
        Some(EventError::PairingBusy),
    );
    let mut sc2 = sc.clone();
    sc2.refused(
        step("initiatorCommit", &flip(&second, 40)),
        EventError::BadMac,
    );
    sc2.emit(&mut f, "a second commit with a bad MAC while a session is open: the MAC is checked before the state", &["CheckOrder"], inputs.clone(), Some(EventError::BadMac));
    // The busy refusal changed nothing: the run completes.
    sc.ok(step("initiatorHello", &fx.hello_j));
    sc.ok(step("initiatorConfirm", &fx.confirm_j));
    sc.refused(step("initiatorCommit", &second), EventError::PairingBusy);
    sc.emit(
        &mut f,
        "after a refused second commit the first session completes; the QR stays spent",
        &["Commitment", "RefusalChangesNothing"],
        inputs.clone(),
        Some(EventError::PairingBusy),
    );

    // --- the joiner receives the initiator's hello (§5.4): decode; Committed; role; MAC; key, sig; self.
    let mut base = fx.script();
    base.ok(json!({"op": "join"}));
    let h = &fx.hello_i;
    let role1 = fx.hello(
        1,
        ik.public,
        Some(&ik),
        None,
        key_addr(h),
        key_nonce(h),
        false,
    );
    let role1_badmac = fx.hello(
        1,
        ik.public,
        Some(&ik),
        None,
        key_addr(h),
        key_nonce(h),
        true,
    );
    let badmac_small = fx.hello(
        0,
        small_order(),
        None,
        Some([0; 64]),
        key_addr(h),
        key_nonce(h),
        true,
    );
    let small = fx.hello(
        0,
        small_order(),
        None,
        Some([0; 64]),
        key_addr(h),
        key_nonce(h),
        false,
    );
    let bad_sig_self = fx.hello(
        0,
        jk.public,
        None,
        Some(flip_sig(&jk.sign(b"x"))),
        key_addr(h),
        key_nonce(h),
        false,
    );
    let self_hello = fx.hello(
        0,
        jk.public,
        Some(&jk),
        None,
        key_addr(h),
        key_nonce(h),
        false,
    );
    let by_other_key = fx.hello(
        0,
        ik.public,
        None,
        Some(mallory.sign(&fx.hello_signed(0, ik.public, key_addr(h), key_nonce(h)))),
        key_addr(h),
        key_nonce(h),
        false,
    );
    let joiner_cases: Vec<(&str, &[&str], Vec<u8>, EventError)> = vec![
        (
            "hello with the confirm tag",
            &["Malformed"],
            with(h, 0, 0x02),
            EventError::UnknownTag,
        ),
        (
            "hello with role byte 2",
            &["Malformed"],
            with(h, 1, 2),
            EventError::BadRole,
        ),
        (
            "hello truncated by one byte",
            &["Malformed"],
            h[..193].to_vec(),
            EventError::Truncated,
        ),
        (
            "hello with a trailing byte",
            &["Malformed"],
            [&h[..], &[0]].concat(),
            EventError::TrailingBytes,
        ),
        (
            "wrong tag and role byte 2",
            &["Malformed", "CheckOrder"],
            with(&with(h, 1, 2), 0, 0x03),
            EventError::UnknownTag,
        ),
        (
            "role byte 2 and truncated",
            &["Malformed", "CheckOrder"],
            with(&h[..100], 1, 2),
            EventError::BadRole,
        ),
        (
            "hello from the joiner's own role",
            &["RoleConfusion"],
            role1.clone(),
            EventError::PairingRole,
        ),
        (
            "own role and a bad MAC: the role is checked first",
            &["RoleConfusion", "CheckOrder"],
            role1_badmac,
            EventError::PairingRole,
        ),
        (
            "hello MAC altered",
            &["ModifiedMessage"],
            flip(h, 193),
            EventError::BadMac,
        ),
        (
            "address altered in transit",
            &["ModifiedMessage"],
            flip(h, 40),
            EventError::BadMac,
        ),
        (
            "nonce altered in transit",
            &["ModifiedMessage"],
            flip(h, 70),
            EventError::BadMac,
        ),
        (
            "hello made with another QR secret",
            &["ModifiedMessage"],
            other.hello_i.clone(),
            EventError::BadMac,
        ),
        (
            "bad MAC and a small-order identity: the MAC is checked first",
            &["CheckOrder"],
            badmac_small,
            EventError::BadMac,
        ),
        (
            "identity is a small-order point (valid MAC)",
            &["ModifiedMessage"],
            small,
            EventError::BadKey,
        ),
        (
            "valid MAC, signature by another key",
            &["ModifiedMessage"],
            by_other_key,
            EventError::BadIdentitySig,
        ),
        (
            "the joiner's own identity with a bad signature: the signature is checked first",
            &["RoleConfusion", "CheckOrder"],
            bad_sig_self,
            EventError::BadIdentitySig,
        ),
        (
            "the joiner's own identity, validly signed: pairing with oneself",
            &["RoleConfusion"],
            self_hello,
            EventError::PairingSelf,
        ),
    ];
    for (comment, flags, msg, e) in joiner_cases {
        let mut sc = base.clone();
        sc.refused(step("joinerHello", &msg), e);
        sc.clone().emit(
            &mut f,
            &format!("joiner: {comment}"),
            flags,
            inputs.clone(),
            Some(e),
        );
        sc.ok(step("joinerHello", &fx.hello_i));
        sc.emit(
            &mut f,
            &format!("joiner: {comment}, then the honest hello is accepted"),
            &["RefusalChangesNothing"],
            inputs.clone(),
            None,
        );
    }
    let mut sc = base.clone();
    sc.ok(step("joinerHello", &fx.hello_i));
    sc.refused(step("joinerHello", &fx.hello_i), EventError::PairingState);
    sc.clone().emit(
        &mut f,
        "joiner: the initiator's hello delivered twice",
        &["OutOfOrder"],
        inputs.clone(),
        Some(EventError::PairingState),
    );
    sc.refused(
        step("joinerHello", &with(&fx.hello_i, 1, 2)),
        EventError::BadRole,
    );
    sc.emit(
        &mut f,
        "joiner: a malformed hello when it is Opened: decoding is checked before the state",
        &["OutOfOrder", "CheckOrder"],
        inputs.clone(),
        Some(EventError::BadRole),
    );
    let mut sc = base.clone();
    sc.ok(step("joinerHello", &fx.hello_i));
    sc.refused(step("joinerHello", &role1), EventError::PairingState);
    sc.emit(
        &mut f,
        "joiner: a hello of its own role when it is Opened: the state is checked before the role",
        &["OutOfOrder", "CheckOrder"],
        inputs.clone(),
        Some(EventError::PairingState),
    );
    // Ed25519 edges on the initiator's hello (the joiner verifies it).
    for c in ed::cases(true) {
        let (a, n) = (key_addr(h), key_nonce(h));
        let signed = fx.hello_signed(0, c.public([0x51; 32]), a, n);
        let (public, sig) = c.build([0x51; 32], &signed);
        assert_eq!(ed::rule(&public, &signed, &sig), c.verdict, "{}", c.comment);
        let msg = fx.hello(0, public, None, Some(sig), a, n, false);
        let mut sc = base.clone();
        let want = match c.verdict {
            ed::Verdict::Valid => None,
            ed::Verdict::Key => Some(EventError::BadKey),
            ed::Verdict::Sig => Some(EventError::BadIdentitySig),
        };
        match want {
            None => {
                sc.ok(step("joinerHello", &msg));
            }
            Some(e) => sc.refused(step("joinerHello", &msg), e),
        }
        let flags: &[&str] = if c.ktv { &["Ktv"] } else { &["Ed25519Edge"] };
        sc.emit(
            &mut f,
            &format!("initiator's hello: {}", c.comment),
            flags,
            inputs.clone(),
            want,
        );
    }

    // --- the initiator receives the joiner's hello (§5.4): decode; Committed; commitment; role;
    // MAC; key, sig; self. The attacker-built hellos below are committed to first.
    let mut sc = fx.script();
    sc.refused(
        step("initiatorHello", &fx.hello_j),
        EventError::PairingState,
    );
    sc.emit(
        &mut f,
        "initiator: the joiner's hello before any commit",
        &["OutOfOrder"],
        inputs.clone(),
        Some(EventError::PairingState),
    );
    let mut sc = fx.script();
    sc.refused(
        step("initiatorHello", &with(&fx.hello_j, 1, 7)),
        EventError::BadRole,
    );
    sc.emit(
        &mut f,
        "initiator: a malformed hello before any commit: decoding is checked before the state",
        &["OutOfOrder", "CheckOrder"],
        inputs.clone(),
        Some(EventError::BadRole),
    );
    let mut sc = fx.script();
    sc.ok(step("initiatorCommit", &fx.commit));
    sc.ok(step("initiatorHello", &fx.hello_j));
    sc.refused(
        step("initiatorHello", &fx.hello_j),
        EventError::PairingState,
    );
    sc.emit(
        &mut f,
        "initiator: the opening delivered twice",
        &["OutOfOrder"],
        inputs.clone(),
        Some(EventError::PairingState),
    );
    let hj = &fx.hello_j;
    let crafted = |role: u8,
                   identity: [u8; 32],
                   signer: Option<&EdKey>,
                   sig: Option<[u8; 64]>,
                   bad_mac: bool| {
        fx.hello(
            role,
            identity,
            signer,
            sig,
            key_addr(hj),
            key_nonce(hj),
            bad_mac,
        )
    };
    let opening_cases: Vec<(&str, &[&str], Vec<u8>, Option<Vec<u8>>, EventError)> = vec![
        ("an opening that is not the committed hello (another nonce)", &["Commitment"], fx.hello(1, jk.public, Some(&jk), None, key_addr(hj), [0x6f; 32], false), None, EventError::BadCommitment),
        ("the committed hello with its address altered", &["Commitment"], flip(hj, 40), None, EventError::BadCommitment),
        ("the committed hello with its MAC altered", &["Commitment"], flip(hj, 193), None, EventError::BadCommitment),
        ("the committed hello with role 0: the commitment is checked before the role", &["Commitment", "CheckOrder"], with(hj, 1, 0), None, EventError::BadCommitment),
        ("a committed hello with a role byte 3: decoding is checked before the commitment", &["Malformed", "CheckOrder"], with(hj, 1, 3), None, EventError::BadRole),
        ("a committed hello of the initiator's role", &["RoleConfusion"], crafted(0, jk.public, Some(&jk), None, false), Some(vec![]), EventError::PairingRole),
        ("a committed hello of the initiator's role with a bad MAC: the role is checked first", &["RoleConfusion", "CheckOrder"], crafted(0, jk.public, Some(&jk), None, true), Some(vec![]), EventError::PairingRole),
        ("a committed hello with a bad MAC", &["ModifiedMessage"], crafted(1, jk.public, Some(&jk), None, true), Some(vec![]), EventError::BadMac),
        ("a committed hello with a bad MAC and a small-order identity: the MAC is checked first", &["CheckOrder"], crafted(1, small_order(), None, Some([0; 64]), true), Some(vec![]), EventError::BadMac),
        ("a committed hello with a small-order identity", &["ModifiedMessage"], crafted(1, small_order(), None, Some([0; 64]), false), Some(vec![]), EventError::BadKey),
        ("a committed hello signed by another key", &["ModifiedMessage"], crafted(1, jk.public, None, Some(mallory.sign(b"other")), false), Some(vec![]), EventError::BadIdentitySig),
        ("a committed hello with the initiator's identity and a bad signature: the signature is checked first", &["RoleConfusion", "CheckOrder"], crafted(1, ik.public, None, Some([7; 64]), false), Some(vec![]), EventError::BadIdentitySig),
        ("a committed hello with the initiator's identity, validly signed: pairing with oneself", &["RoleConfusion"], crafted(1, ik.public, Some(&ik), None, false), Some(vec![]), EventError::PairingSelf),
    ];
    for (comment, flags, msg, commit_own, e) in opening_cases {
        // `Some(_)`: the attacker commits to exactly this hello; `None`: the honest commit.
        let commit = if commit_own.is_some() {
            fx.commit_to(&msg, false)
        } else {
            fx.commit.clone()
        };
        let mut sc = fx.script();
        sc.ok(step("initiatorCommit", &commit));
        sc.refused(step("initiatorHello", &msg), e);
        sc.clone().emit(
            &mut f,
            &format!("initiator: {comment}"),
            flags,
            inputs.clone(),
            Some(e),
        );
        if commit_own.is_none() {
            sc.ok(step("initiatorHello", &fx.hello_j));
            sc.emit(
                &mut f,
                &format!("initiator: {comment}, then the committed opening is accepted"),
                &["RefusalChangesNothing"],
                inputs.clone(),
                None,
            );
        }
    }
    // A few Ed25519 edges on the joiner's hello, committed to by the sender.
    for c in ed::cases(true).into_iter().filter(|c| {
        c.comment.contains("point 5")
            || c.comment.contains("torsion point 2")
            || c.comment.contains("only the cofactored")
            || c.comment.contains("speccheck case 6")
    }) {
        let (a, n) = (key_addr(hj), key_nonce(hj));
        let signed = fx.hello_signed(1, c.public([0x52; 32]), a, n);
        let (public, sig) = c.build([0x52; 32], &signed);
        let msg = fx.hello(1, public, None, Some(sig), a, n, false);
        let want = match ed::rule(&public, &signed, &sig) {
            ed::Verdict::Valid => None,
            ed::Verdict::Key => Some(EventError::BadKey),
            ed::Verdict::Sig => Some(EventError::BadIdentitySig),
        };
        let mut sc = fx.script();
        sc.ok(step("initiatorCommit", &fx.commit_to(&msg, false)));
        match want {
            None => {
                sc.ok(step("initiatorHello", &msg));
            }
            Some(e) => sc.refused(step("initiatorHello", &msg), e),
        }
        let flags: &[&str] = if c.ktv { &["Ktv"] } else { &["Ed25519Edge"] };
        sc.emit(
            &mut f,
            &format!("joiner's committed hello: {}", c.comment),
            flags,
            inputs.clone(),
            want,
        );
    }

    // --- confirms (§5.5): decode; Opened; role; MAC. Both sides.
    let mut opened = fx.script();
    opened.ok(json!({"op": "join"}));
    opened.ok(step("initiatorCommit", &fx.commit));
    opened.ok(step("joinerHello", &fx.hello_i));
    opened.ok(step("initiatorHello", &fx.hello_j));
    for (side, op, good, own_role) in [
        ("joiner", "joinerConfirm", &fx.confirm_i, 1u8),
        ("initiator", "initiatorConfirm", &fx.confirm_j, 0u8),
    ] {
        let own = fx.confirm(own_role, &fx.hello_i, &fx.hello_j);
        let cases: Vec<(&str, &[&str], Vec<u8>, EventError)> = vec![
            (
                "confirm with the commit tag",
                &["Malformed"],
                with(good, 0, 0x03),
                EventError::UnknownTag,
            ),
            (
                "confirm with role byte 2",
                &["Malformed"],
                with(good, 1, 2),
                EventError::BadRole,
            ),
            (
                "confirm truncated",
                &["Malformed"],
                good[..33].to_vec(),
                EventError::Truncated,
            ),
            (
                "confirm with a trailing byte",
                &["Malformed"],
                [&good[..], &[0]].concat(),
                EventError::TrailingBytes,
            ),
            (
                "role byte 2 and truncated: the role is read first",
                &["Malformed", "CheckOrder"],
                with(&good[..5], 1, 2),
                EventError::BadRole,
            ),
            (
                "a confirm of its own role",
                &["RoleConfusion"],
                own.clone(),
                EventError::PairingRole,
            ),
            (
                "its own role and an altered MAC: the role is checked first",
                &["RoleConfusion", "CheckOrder"],
                flip(&own, 20),
                EventError::PairingRole,
            ),
            (
                "confirm MAC altered",
                &["ModifiedMessage"],
                flip(good, 20),
                EventError::BadMac,
            ),
            (
                "confirm made with another QR secret",
                &["ModifiedMessage"],
                if own_role == 0 {
                    other.confirm_j.clone()
                } else {
                    other.confirm_i.clone()
                },
                EventError::BadMac,
            ),
        ];
        for (comment, flags, msg, e) in cases {
            let mut sc = opened.clone();
            sc.refused(step(op, &msg), e);
            sc.clone().emit(
                &mut f,
                &format!("{side}: {comment}"),
                flags,
                inputs.clone(),
                Some(e),
            );
            sc.ok(step(op, good));
            sc.emit(
                &mut f,
                &format!("{side}: {comment}, then the honest confirm is accepted"),
                &["RefusalChangesNothing"],
                inputs.clone(),
                None,
            );
        }
        let mut sc = opened.clone();
        sc.ok(step(op, good));
        sc.refused(step(op, good), EventError::PairingState);
        sc.emit(
            &mut f,
            &format!("{side}: the confirm delivered twice (the run is done)"),
            &["OutOfOrder"],
            inputs.clone(),
            Some(EventError::PairingState),
        );
    }
    let mut sc = fx.script();
    sc.ok(json!({"op": "join"}));
    sc.refused(
        step("joinerConfirm", &fx.confirm_i),
        EventError::PairingState,
    );
    sc.clone().emit(
        &mut f,
        "joiner: a confirm before the initiator's hello",
        &["OutOfOrder"],
        inputs.clone(),
        Some(EventError::PairingState),
    );
    sc.refused(
        step("joinerConfirm", &with(&fx.confirm_i, 1, 9)),
        EventError::BadRole,
    );
    sc.emit(
        &mut f,
        "joiner: a malformed confirm before the hello: decoding is checked before the state",
        &["OutOfOrder", "CheckOrder"],
        inputs.clone(),
        Some(EventError::BadRole),
    );
    let mut sc = fx.script();
    sc.ok(step("initiatorCommit", &fx.commit));
    sc.refused(
        step("initiatorConfirm", &fx.confirm_j),
        EventError::PairingState,
    );
    sc.clone().emit(
        &mut f,
        "initiator: a confirm before the opening",
        &["OutOfOrder"],
        inputs.clone(),
        Some(EventError::PairingState),
    );
    sc.refused(
        step("initiatorConfirm", &with(&fx.confirm_j, 1, 0)),
        EventError::PairingState,
    );
    sc.emit(&mut f, "initiator: a confirm of its own role before the opening: the state is checked before the role", &["OutOfOrder", "CheckOrder"], inputs.clone(), Some(EventError::PairingState));
    f.finish()
}

fn key_addr(hello: &[u8]) -> [u8; 32] {
    hello[34..66].try_into().unwrap()
}

fn key_nonce(hello: &[u8]) -> [u8; 32] {
    hello[66..98].try_into().unwrap()
}

fn flip_sig(sig: &[u8; 64]) -> [u8; 64] {
    let mut s = *sig;
    s[10] ^= 1;
    s
}
