//! Group types of construction and decoding: `mix-lioness`, `mix-packet`, `mix-surb`,
//! `mix-surb-open`, `mix-surb-decode`, `mix-unpad` (`spec/mix.md §4–§6`, §12).

use contact_tracing::error::ErrorCode;
use contact_tracing::mix::{
    blind, create_forward, create_forward_with_rng, create_surb, create_surb_with_rng,
    key_select_for_day, reply_key, shared_secret, unpad, Destination, Geometry, HopKeys, Lioness,
    MailboxAddress, MixError, MixSecret, Outcome, PacketView, RouteHop, Surb, SurbSecret,
};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use serde_json::{json, Map, Value};

use super::{bytes32, err, today, vbytes, HEADER};
use crate::vector::{
    expect_hex, expect_value, field, hex, hex_array, hex_field, rng, u32_field, FileBuilder, Group,
    Test, Verdict,
};

// ---------------------------------------------------------------------------------------------
// mix-lioness

const LIONESS_KEY: &str = concat!(
    "0f2c69732932c99e56fa50fbb2763ad77ee221fc5d9e6c08f89fc577a7467f1ee34003440ee2bfbf",
    "aac60912b0e547fbe9a6a9292db70bc718c6f2773ab198ac8f255378f7ea799e1d4b8596079173b6",
    "e443c416f13195f1976acc03d53a4b8581b609df3b7029d5b487051d5ae4189129c045edc8822e1f",
    "52e30251e4b322b3f6d6e8bb0ddb0578dcba41603abf5e51848c84d2082d293f30a645faf4df028e",
    "e2c40853ea33e40b55fca902371dc00dc1e0e77161bd097a59e8368bf99174d9"
);
const LIONESS_IN: &str = concat!(
    "5ac4cb9674a8908915a2b1aaf2043271612531911a26186bd5c811951330753a0e3259f3fcf52f",
    "b86e666ab4d96243e57d73b976611f928d44ad137799016861576ca0a6b8a8a9e2ea02db71e71c",
    "9654e476ca845c44456eba62f11f004b222756e485185c446c30b7a05cf9acd53b3131227b428d",
    "a5c9601664d45ae5c2387956307961a0680894844190605dce0c86e597105884e151eb8a005eda",
    "08ff5891a6b40bae299cddad979063a9a356f3477feabb9cc7bd80a1e2d6a419fcd8af9e98f7b1",
    "93c71bd6056d7634b8c2b8f85920f314554104659e52d9266ddbc2ac40c1b875f6b00225f832cf",
    "310e139ad8cc2568608f0323534fa15a84280e776e7e1167a001f6e18c49f3cd02c19837da47ac",
    "091219ee2fdb4458836db20cbd362bb65add9b40f2817f666caf19787abc2013737eea8c7552d7",
    "55a29beba5da31956f75fe7628221fe8d0a75da5bee39af956a2246c5a339560dcf029eb76d191",
    "963354b70142df29ec69930977ce2f0e491513664ce83a8fa75f3e698530cf9dafbdb90b19745e",
    "9257d03d7320c6d306f529eda242cb3f6f452a943f6e1c04eb02cbb0368d79e49a2b42ac3ff7cd",
    "9a5686bfdb90a29322016bbcef5c733f451a9f4ea7c534116158eb611796d47b83ffe7cd6e6c11",
    "d56e2d26c7a386853212a2f92efeabc74e8fe69e3d374d7b033d0ec9862221435b14ad534217ad",
    "7da50bc236"
);
const LIONESS_OUT: &str = concat!(
    "9eb45ca2ca4d0b6ff05a749511aad1357aa64caf9ce547c7388fe24fd1300fe856bb5c396869a",
    "cd21c45805e6a7c8a1b7f71cc5f0ea9dd0c4ecd4bba9a7a4853bc352bc9f6562e9907973f91fb",
    "cf7c710f5a89abc8eb4489b90e8111cbf85ffd595d603268ddceb40e39e747a4e7bd5c965585b",
    "6964e180bd6ccb9d0fad210c7f7dd6f90cf6db9bda70d41d3922cedec5ea147ef318de5f34e6f",
    "e5bd646859a9d4171b973b6b58c8d7f94bc9eb293c197f3408a51e3626196e3f6bca625cef90f",
    "a7a3e3713bdaebdda82f48db1a97c9ed5c48bc419dbc3d1f9ef43d1b17dd83c966bde9d9360b7",
    "cdac0871844c27921dcf3bb7edce9fb24661a41a8f92c8502925f062e9cd2f77c561e5825eae2",
    "11657652330bc64cd63b18d1014975f167f8b68d6e702dd3d3547971662238216cc5b07517cc9",
    "0aaa49a61ee423861cdc49c0e1f64e086007095a00f8adb0314fd85c88158001202edf2ed43c2",
    "01176d6141e469dd89430352a927ee22a41c62c8cfdfd5d592e76793e58a9c63b7fe6dad335d7",
    "acec90727675854d7708358115794e013bb4fdb504c44e21ce500f764fac211e8de20b81ca55f",
    "c778ace024d2a40045241e71b023ceb519c8c28285c333b9f90f5e2cde21ca6744e43f89d0054",
    "5dd34df072c7214f6cbd2123c4b0613614609961dd855d6d611c3018e4df3550b4e93f33f7c3e",
    "8b2c890ca0405c957aa277d"
);

fn lioness_encrypt(key: &[u8; 192], pt: &[u8]) -> Result<Vec<u8>, MixError> {
    let mut b = pt.to_vec();
    Lioness::new(key).encrypt(&mut b)?;
    Ok(b)
}

pub(super) fn lioness_file() -> Value {
    let mut f = FileBuilder::new("mix", "mix-lioness", "spec/mix.md#lioness-cipher", HEADER);
    f.note(
        "Published",
        "BASIC",
        "The shared ChaCha20/BLAKE2b LIONESS vector of lioness-rs, go-lioness and pylioness.",
    );
    f.note(
        "Regression",
        "BASIC",
        "Key = bytes 0..191, plaintext byte i = (7i + 3) mod 256, at this design's payload sizes.",
    );
    f.note(
        "Random",
        "BASIC",
        "Key and block from a fixed-seed ChaCha20 stream.",
    );
    f.note(
        "BlockSize",
        "EDGE_CASE",
        "The shortest block (33 bytes) and blocks too short for a right half (32 and 0 bytes).",
    );
    f.group("mix-lioness", json!({"keySize": 192}));
    f.valid(
        "published vector (512-byte block)",
        &["Published"],
        json!({"key": LIONESS_KEY, "plaintext": LIONESS_IN, "ciphertext": LIONESS_OUT}),
    );
    let key: [u8; 192] = std::array::from_fn(|i| i as u8);
    for n in [185usize, 221, 239, 240, 257, 416] {
        let pt: Vec<u8> = (0..n).map(|i| ((7 * i + 3) % 256) as u8).collect();
        let ct = lioness_encrypt(&key, &pt).expect("long block");
        f.valid(
            &format!("regression vector, {n}-byte block"),
            &["Regression"],
            json!({"key": hex(key), "plaintext": hex(&pt), "ciphertext": hex(ct)}),
        );
    }
    let mut r = rng("mix lioness");
    for n in [33usize, 64, 1000] {
        let k: [u8; 192] = vbytes(&mut r, 192).try_into().expect("192");
        let pt = vbytes(&mut r, n);
        let ct = lioness_encrypt(&k, &pt).expect("long block");
        let flags: &[&str] = if n == 33 { &["BlockSize"] } else { &["Random"] };
        f.valid(
            &format!("random key, {n}-byte block"),
            flags,
            json!({"key": hex(k), "plaintext": hex(&pt), "ciphertext": hex(ct)}),
        );
    }
    f.invalid(
        "a 32-byte block has an empty right half",
        &["BlockSize"],
        &err(MixError::LionessBlockSize),
        json!({"key": hex(key), "plaintext": hex([0u8; 32])}),
    );
    f.invalid(
        "an empty block",
        &["BlockSize"],
        &err(MixError::LionessBlockSize),
        json!({"key": hex(key), "plaintext": ""}),
    );
    f.finish()
}

pub(super) fn check_lioness(_: &Group, t: &Test) -> Result<Verdict, String> {
    let key: [u8; 192] = hex_array(t, "key")?;
    let pt = hex_field(t, "plaintext")?;
    match lioness_encrypt(&key, &pt) {
        Ok(ct) => {
            expect_hex(t, "ciphertext", &ct)?;
            let mut back = ct.clone();
            Lioness::new(&key).decrypt(&mut back).map_err(err)?;
            if back != pt {
                return Err("decryption does not invert encryption".into());
            }
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

// ---------------------------------------------------------------------------------------------
// Routes with known secrets

#[derive(Clone)]
pub(super) struct Node {
    pub(super) entity: u8,
    pub(super) day: u32,
    pub(super) secret: [u8; 32],
}

impl Node {
    pub(super) fn hop(&self) -> RouteHop {
        RouteHop {
            entity: self.entity,
            key_select: key_select_for_day(self.day),
            public_key: MixSecret::from_bytes(self.secret).public_key(),
        }
    }
}

/// A route entry as a vector carries it; `public_key` may differ from the secret's (weak keys).
fn hop_json(hop: &RouteHop, secret: &[u8; 32]) -> Value {
    json!({
        "entity": hop.entity,
        "keySelect": hop.key_select,
        "mixSecret": hex(secret),
        "publicKey": hex(hop.public_key),
    })
}

fn nodes_json(nodes: &[Node]) -> Value {
    json!(nodes
        .iter()
        .map(|n| hop_json(&n.hop(), &n.secret))
        .collect::<Vec<_>>())
}

/// BOLT-4 style fixed secrets for the reference route: hop i has secret (0x11 * (i + 1)) x 32
/// and uses the key of day `today - i`.
pub(super) fn fixed_route(r: usize) -> Vec<Node> {
    (0..r)
        .map(|i| Node {
            entity: (10 + 7 * i) as u8,
            day: today() - i as u32,
            secret: [0x11u8.wrapping_mul(i as u8 + 1); 32],
        })
        .collect()
}

fn random_route(r: usize, rnd: &mut ChaCha20Rng) -> Vec<Node> {
    (0..r)
        .map(|_| Node {
            entity: (rnd.next_u32() % 255) as u8,
            day: today() - rnd.next_u32() % 30,
            secret: bytes32(rnd),
        })
        .collect()
}

fn route_nodes(t: &Map<String, Value>) -> Result<Vec<(RouteHop, [u8; 32])>, String> {
    let list = field(t, "route")?
        .as_array()
        .ok_or("`route` is not a list")?;
    let mut out = Vec::new();
    for v in list {
        let o = v.as_object().ok_or("route entry is not an object")?;
        let secret: [u8; 32] = hex_array(o, "mixSecret")?;
        let hop = RouteHop {
            entity: u8::try_from(u32_field(o, "entity")?).map_err(|_| "entity > 255")?,
            key_select: u8::try_from(u32_field(o, "keySelect")?).map_err(|_| "keySelect > 255")?,
            public_key: hex_array(o, "publicKey")?,
        };
        out.push((hop, secret));
    }
    Ok(out)
}

/// Walks a packet through its route with the hop secrets, returning the per-hop JSON and the
/// final outcome.
fn trace(
    g: Geometry,
    nodes: &[(RouteHop, [u8; 32])],
    packet: &[u8],
) -> Result<(Vec<Value>, Outcome), MixError> {
    let mut hops = Vec::new();
    let mut bytes = packet.to_vec();
    for (i, (hop, secret)) in nodes.iter().enumerate() {
        let view = PacketView::parse(g, &bytes)?;
        if view.address().len() != g.address_len() || view.payload().len() != g.payload_len() {
            return Err(MixError::BadLength);
        }
        let shared = shared_secret(secret, view.alpha());
        let auth = view.authenticate(secret)?;
        let keys = auth.keys();
        if keys.rho() != HopKeys::derive(&shared).rho() {
            return Err(MixError::BadMac);
        }
        let routing = auth.routing();
        let blinded = blind(view.alpha(), keys.blinding());
        let mut h = json!({
            "entity": hop.entity,
            "alpha": hex(view.alpha()),
            "sharedSecret": hex(shared),
            "rho": hex(keys.rho()),
            "mu": hex(keys.mu()),
            "pi": hex(keys.pi()),
            "blinding": hex(keys.blinding()),
            "replayTag": hex(view.replay_tag()),
            "routing": hex(&routing),
        });
        let outcome = auth.finish()?;
        match &outcome {
            Outcome::Forward { next, packet } => {
                h["output"] = json!("forward");
                h["blindedAlpha"] = json!(hex(blinded));
                h["next"] = json!(next);
                h["packetOut"] = json!(hex(packet));
                bytes = packet.clone();
            }
            Outcome::Deliver { mailbox, payload } => {
                h["output"] = json!("deliver");
                h["mailbox"] = json!(hex(mailbox.0));
                h["payload"] = json!(hex(payload));
            }
            Outcome::Swap { payload } => {
                h["output"] = json!("swap");
                h["payload"] = json!(hex(payload));
            }
        }
        hops.push(h);
        if i + 1 == nodes.len() {
            return Ok((hops, outcome));
        }
        if !matches!(outcome, Outcome::Forward { .. }) {
            return Err(MixError::MalformedAddress);
        }
    }
    Err(MixError::BadHopCount)
}

pub(super) fn geometry(g: &Group) -> Result<Geometry, String> {
    let hops = u8::try_from(u32_field(g, "hops")?).map_err(|_| "hops > 255")?;
    let geo = Geometry::new(hops).map_err(err)?;
    for (name, v) in [
        ("headerLen", geo.header_len()),
        ("payloadLen", geo.payload_len()),
        ("packetLen", geo.packet_len()),
        ("surbLen", geo.surb_len()),
    ] {
        if g.contains_key(name) && u32_field(g, name)? as usize != v {
            return Err(format!("group `{name}` disagrees with the geometry ({v})"));
        }
    }
    Ok(geo)
}

// ---------------------------------------------------------------------------------------------
// mix-packet

fn destination_json(d: &Destination) -> Value {
    match d {
        Destination::Mailbox(m) => json!({"destination": "mailbox", "mailbox": hex(m.0)}),
        Destination::Nymserver => json!({"destination": "nymserver", "mailbox": ""}),
    }
}

/// One `mix-packet` test: `route` as given (entries may be crafted), `secrets` the hop secrets
/// the trace uses.
#[allow(clippy::too_many_arguments)]
fn packet_case(
    f: &mut FileBuilder,
    comment: &str,
    flags: &[&str],
    g: Geometry,
    route: &[RouteHop],
    secrets: &[[u8; 32]],
    dest: Destination,
    message: &[u8],
    ephemeral: [u8; 32],
    want: Option<MixError>,
) {
    let mut fields = json!({
        "ephemeralSecret": hex(ephemeral),
        "route": route.iter().zip(secrets).map(|(h, s)| hop_json(h, s)).collect::<Vec<_>>(),
        "message": hex(message),
    });
    if let Value::Object(d) = destination_json(&dest) {
        fields.as_object_mut().expect("object").extend(d);
    }
    let got = create_forward(g, route, &dest, message, &ephemeral);
    assert_eq!(got.as_ref().err().copied(), want, "packet case `{comment}`");
    match got {
        Ok((first, pkt)) => {
            let with: Vec<(RouteHop, [u8; 32])> =
                route.iter().copied().zip(secrets.iter().copied()).collect();
            let (hops, _) = trace(g, &with, pkt.as_bytes()).expect("valid packet");
            fields["firstHop"] = json!(first);
            fields["packet"] = json!(hex(pkt.as_bytes()));
            fields["hops"] = json!(hops);
            f.valid(comment, flags, fields);
        }
        Err(e) => {
            f.invalid(comment, flags, e.code(), fields);
        }
    }
}

fn nodes_route(nodes: &[Node]) -> (Vec<RouteHop>, Vec<[u8; 32]>) {
    (
        nodes.iter().map(Node::hop).collect(),
        nodes.iter().map(|n| n.secret).collect(),
    )
}

/// The u-coordinates of small order on Curve25519 (and their non-canonical encodings): an
/// X25519 output with any of them is all zero (`spec/mix.md §4`, §7 step 6).
pub(super) fn small_order_u() -> Vec<(&'static str, [u8; 32])> {
    let h = |s: &str| -> [u8; 32] { ::hex::decode(s).expect("hex").try_into().expect("32") };
    vec![
        ("u = 0", [0u8; 32]),
        ("u = 1 (order 4)", {
            let mut u = [0u8; 32];
            u[0] = 1;
            u
        }),
        (
            "a point of order 8",
            h("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        ),
        (
            "the other point of order 8",
            h("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
        ),
        (
            "u = p - 1 (order 2)",
            h("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ),
        (
            "u = p (non-canonical 0)",
            h("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ),
        (
            "u = p + 1 (non-canonical 1)",
            h("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ),
        ("u = 0 with bit 255 set", {
            let mut u = [0u8; 32];
            u[31] = 0x80;
            u
        }),
    ]
}

pub(super) fn packet_file() -> Value {
    let mut f = FileBuilder::new("mix", "mix-packet", "spec/mix.md#construction", HEADER);
    f.note(
        "Reference",
        "BASIC",
        "BOLT-4 style: ephemeral secret 0x41 x 32, hop i secret (0x11 * (i+1)) x 32.",
    );
    f.note(
        "Random",
        "BASIC",
        "Secrets and message from a fixed-seed ChaCha20 stream.",
    );
    f.note(
        "MessageLength",
        "EDGE_CASE",
        "Empty message, or the longest message (P - 1 bytes), or one byte more.",
    );
    f.note(
        "RouteBoundary",
        "EDGE_CASE",
        "Entity 254 and key select 59 in a route: the largest values allowed.",
    );
    f.note(
        "BadHopCount",
        "MODIFIED_PARAMETER",
        "A route with one hop fewer or more than the geometry's r.",
    );
    f.note(
        "BadRoute",
        "MODIFIED_PARAMETER",
        "A route entry naming entity 0xFF (the DELIVER marker) or a reserved key select (>= 60).",
    );
    f.note(
        "WeakKey",
        "EDGE_CASE",
        "A route public key of small order: the sender's DH output is all zero.",
    );
    f.note(
        "CheckOrder",
        "MISSING_STEP",
        "Two create-side checks fail at once; the earlier one of spec/mix.md §4.1 decides.",
    );
    let mut r = rng("mix packet");
    for hops in [4u8, 1, 3, 5] {
        let g = Geometry::new(hops).expect("hop count");
        f.group(
            "mix-packet",
            json!({"hops": hops, "headerLen": g.header_len(), "payloadLen": g.payload_len(), "packetLen": g.packet_len()}),
        );
        let mailbox = MailboxAddress(std::array::from_fn(|i| 0xA0u8.wrapping_add(i as u8)));
        let (route, secrets) = nodes_route(&fixed_route(hops.into()));
        packet_case(
            &mut f,
            &format!("reference route, {hops} hops, to a mailbox"),
            &["Reference"],
            g,
            &route,
            &secrets,
            Destination::Mailbox(mailbox),
            b"case notification",
            [0x41; 32],
            None,
        );
        packet_case(
            &mut f,
            &format!("reference route, {hops} hops, Swap to the nymserver"),
            &["Reference"],
            g,
            &route,
            &secrets,
            Destination::Nymserver,
            b"swap operation",
            [0x41; 32],
            None,
        );
        let (route, secrets) = nodes_route(&random_route(hops.into(), &mut r));
        let msg = vbytes(&mut r, g.max_message_len());
        let mb = MailboxAddress(vbytes(&mut r, 36).try_into().expect("36"));
        packet_case(
            &mut f,
            "random route, longest message",
            &["Random", "MessageLength"],
            g,
            &route,
            &secrets,
            Destination::Mailbox(mb),
            &msg,
            bytes32(&mut r),
            None,
        );
        packet_case(
            &mut f,
            "random route, empty message",
            &["Random", "MessageLength"],
            g,
            &route,
            &secrets,
            Destination::Mailbox(mb),
            b"",
            bytes32(&mut r),
            None,
        );
        if hops != 4 {
            continue;
        }
        let dest = Destination::Mailbox(mb);
        let long = vec![0x33; g.max_message_len() + 1];
        let e = bytes32(&mut r);
        let case = |f: &mut FileBuilder,
                    comment: &str,
                    flags: &[&str],
                    route: &[RouteHop],
                    secrets: &[[u8; 32]],
                    msg: &[u8],
                    want: Option<MixError>| {
            packet_case(f, comment, flags, g, route, secrets, dest, msg, e, want)
        };
        case(
            &mut f,
            "message one byte too long",
            &["MessageLength"],
            &route,
            &secrets,
            &long,
            Some(MixError::MessageTooLong),
        );
        // Boundaries of a route entry: entity 254 and key select 59 are allowed.
        let mut edge = route.clone();
        edge[1].entity = 254;
        edge[2].key_select = 59;
        edge[3].entity = 254;
        case(
            &mut f,
            "entities 254 and key select 59 in the route",
            &["RouteBoundary"],
            &edge,
            &secrets,
            b"edge",
            None,
        );
        let short: Vec<RouteHop> = route[..3].to_vec();
        let long_route: Vec<RouteHop> = route.iter().chain(route.first()).copied().collect();
        let s3 = &secrets[..3];
        let s5: Vec<[u8; 32]> = secrets.iter().chain(secrets.first()).copied().collect();
        case(
            &mut f,
            "route of 3 hops in a 4-hop network",
            &["BadHopCount"],
            &short,
            s3,
            b"x",
            Some(MixError::BadHopCount),
        );
        case(
            &mut f,
            "route of 5 hops in a 4-hop network",
            &["BadHopCount"],
            &long_route,
            &s5,
            b"x",
            Some(MixError::BadHopCount),
        );
        for (i, what, entity, ks) in [
            (0usize, "first", 0xFFu8, None),
            (3, "last", 0xFF, None),
            (1, "second", 0, Some(60u8)),
            (3, "last", 0, Some(255)),
        ] {
            let mut bad = route.clone();
            let comment = match ks {
                None => {
                    bad[i].entity = entity;
                    format!("{what} hop names entity 0xFF")
                }
                Some(ks) => {
                    bad[i].key_select = ks;
                    format!("{what} hop has key select {ks}")
                }
            };
            case(
                &mut f,
                &comment,
                &["BadRoute"],
                &bad,
                &secrets,
                b"x",
                Some(MixError::BadRoute),
            );
        }
        for (i, (what, u)) in small_order_u().into_iter().enumerate() {
            let mut weak = route.clone();
            let at = [2usize, 0, 3, 1][i % 4];
            weak[at].public_key = u;
            case(
                &mut f,
                &format!("hop {at}'s public key is {what}"),
                &["WeakKey"],
                &weak,
                &secrets,
                b"x",
                Some(MixError::WeakKey),
            );
        }
        // Two checks at once (spec/mix.md §4.1): message, then hop count, then route entries,
        // then the construction's DH.
        let mut short_bad = short.clone();
        short_bad[1].entity = 0xFF;
        case(
            &mut f,
            "message too long and a route of 3 hops",
            &["CheckOrder", "MessageLength"],
            &short,
            s3,
            &long,
            Some(MixError::MessageTooLong),
        );
        case(
            &mut f,
            "route of 3 hops, one naming entity 0xFF",
            &["CheckOrder", "BadHopCount"],
            &short_bad,
            s3,
            b"x",
            Some(MixError::BadHopCount),
        );
        let mut weak_then_bad = route.clone();
        weak_then_bad[0].public_key = [0; 32];
        weak_then_bad[3].key_select = 60;
        case(
            &mut f,
            "hop 0's key is u = 0 and hop 3 has key select 60",
            &["CheckOrder", "BadRoute"],
            &weak_then_bad,
            &secrets,
            b"x",
            Some(MixError::BadRoute),
        );
        let mut long_weak = route.clone();
        long_weak[1].public_key = [0; 32];
        case(
            &mut f,
            "message too long and hop 1's key u = 0",
            &["CheckOrder", "MessageLength"],
            &long_weak,
            &secrets,
            &long,
            Some(MixError::MessageTooLong),
        );
    }
    f.finish()
}

fn destination(t: &Map<String, Value>) -> Result<Destination, String> {
    match field(t, "destination")?.as_str() {
        Some("mailbox") => Ok(Destination::Mailbox(MailboxAddress(hex_array(
            t, "mailbox",
        )?))),
        Some("nymserver") => Ok(Destination::Nymserver),
        _ => Err("`destination` is neither mailbox nor nymserver".into()),
    }
}

pub(super) fn check_packet(group: &Group, t: &Test) -> Result<Verdict, String> {
    let g = geometry(group)?;
    let nodes = route_nodes(t)?;
    let route: Vec<RouteHop> = nodes.iter().map(|(h, _)| *h).collect();
    let dest = destination(t)?;
    let message = hex_field(t, "message")?;
    let e: [u8; 32] = hex_array(t, "ephemeralSecret")?;
    // The ephemeral secret is the first 32 bytes the sender's RNG gives.
    let mut rng = super::ScriptedRng::new(e.iter().map(|b| u64::from(*b)).collect());
    let (first, pkt) = match create_forward_with_rng(g, &route, &dest, &message, &mut rng) {
        Ok(x) => x,
        Err(e) => return Ok(Verdict::Invalid(e.code())),
    };
    expect_value(t, "firstHop", json!(first))?;
    expect_hex(t, "packet", pkt.as_bytes())?;
    let (hops, outcome) = trace(g, &nodes, pkt.as_bytes()).map_err(err)?;
    expect_value(t, "hops", json!(hops))?;
    let payload = match outcome {
        Outcome::Deliver { payload, .. } | Outcome::Swap { payload } => payload,
        Outcome::Forward { .. } => return Err("last hop forwarded".into()),
    };
    if unpad(&payload).map_err(err)? != message {
        return Err("delivered message differs".into());
    }
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// mix-surb

pub(super) fn surb_file() -> Value {
    let mut f = FileBuilder::new("mix", "mix-surb", "spec/mix.md#surb-use", HEADER);
    f.note(
        "Reference",
        "BASIC",
        "Ephemeral 0x41 x 32, MessageKey 0x4b x 32, hop i secret (0x11 * (i+1)) x 32.",
    );
    f.note(
        "Random",
        "BASIC",
        "Secrets and message from a fixed-seed ChaCha20 stream.",
    );
    f.note(
        "MessageLength",
        "EDGE_CASE",
        "A reply of P - 1 bytes (the longest) or of P bytes (one too many).",
    );
    f.note(
        "BadRoute",
        "MODIFIED_PARAMETER",
        "A route of the wrong length, naming entity 0xFF, or with a small-order key.",
    );
    let mut r = rng("mix surb");
    for hops in [4u8, 1, 3, 5] {
        let g = Geometry::new(hops).expect("hop count");
        f.group(
            "mix-surb",
            json!({"hops": hops, "headerLen": g.header_len(), "payloadLen": g.payload_len(), "surbLen": g.surb_len()}),
        );
        let cases = [
            (
                "reference SURB and reply",
                "Reference",
                fixed_route(hops.into()),
                [0x41u8; 32],
                [0x4bu8; 32],
                MailboxAddress([0x5a; 36]),
                b"notification: exposure on day 19670".to_vec(),
            ),
            (
                "random SURB, longest reply",
                "Random",
                random_route(hops.into(), &mut r),
                bytes32(&mut r),
                bytes32(&mut r),
                MailboxAddress(vbytes(&mut r, 36).try_into().expect("36")),
                vbytes(&mut r, g.max_message_len()),
            ),
        ];
        for (comment, flag, nodes, e, mk, mailbox, msg) in cases {
            let route: Vec<RouteHop> = nodes.iter().map(Node::hop).collect();
            let (surb, secret) = create_surb(g, &route, &mailbox, &e, &mk).expect("valid");
            let (first, pkt) = surb.reply(&msg).expect("fits");
            let with: Vec<(RouteHop, [u8; 32])> = route
                .iter()
                .copied()
                .zip(nodes.iter().map(|n| n.secret))
                .collect();
            let (hops_json, outcome) = trace(g, &with, pkt.as_bytes()).expect("valid");
            let delivered = match outcome {
                Outcome::Deliver { payload, .. } => payload,
                _ => unreachable!("SURBs deliver to a mailbox"),
            };
            assert_eq!(secret.open_reply(&delivered).expect("opens"), msg);
            let flags: &[&str] = if flag == "Random" {
                &["Random", "MessageLength"]
            } else {
                &["Reference"]
            };
            f.valid(
                &format!("{comment}, {hops} hops"),
                flags,
                json!({
                    "ephemeralSecret": hex(e),
                    "messageKey": hex(mk),
                    "route": nodes_json(&nodes),
                    "mailbox": hex(mailbox.0),
                    "replyMessage": hex(&msg),
                    "surb": hex(surb.encode()),
                    "surbSecret": hex(&*secret.to_bytes()),
                    "replyKey": hex(*reply_key(&mk)),
                    "firstHop": first,
                    "replyPacket": hex(pkt.as_bytes()),
                    "hops": hops_json,
                    "deliveredPayload": hex(&delivered),
                }),
            );
        }
        if hops != 4 {
            continue;
        }
        let nodes = fixed_route(4);
        let mailbox = MailboxAddress([0x5a; 36]);
        let mut add_invalid =
            |comment: &str, flag: &str, route: Vec<Value>, hops: &[RouteHop], msg: &[u8]| {
                let want = match create_surb(g, hops, &mailbox, &[0x41; 32], &[0x4b; 32]) {
                    Ok((surb, _)) => surb.reply(msg).expect_err("too long"),
                    Err(e) => e,
                };
                f.invalid(
                    comment,
                    &[flag],
                    want.code(),
                    json!({
                        "ephemeralSecret": hex([0x41u8; 32]),
                        "messageKey": hex([0x4bu8; 32]),
                        "route": route,
                        "mailbox": hex(mailbox.0),
                        "replyMessage": hex(msg),
                    }),
                );
            };
        let route: Vec<RouteHop> = nodes.iter().map(Node::hop).collect();
        let route_json = |hops: &[RouteHop]| -> Vec<Value> {
            hops.iter()
                .zip(nodes.iter().cycle())
                .map(|(h, n)| hop_json(h, &n.secret))
                .collect()
        };
        let too_long = vec![0x77u8; g.payload_len()];
        add_invalid(
            "reply of P bytes (one too many)",
            "MessageLength",
            route_json(&route),
            &route,
            &too_long,
        );
        add_invalid(
            "route of 3 hops",
            "BadRoute",
            route_json(&route[..3]),
            &route[..3],
            b"x",
        );
        let mut bad = route.clone();
        bad[2].entity = 0xFF;
        add_invalid(
            "route hop 2 names entity 0xFF",
            "BadRoute",
            route_json(&bad),
            &bad,
            b"x",
        );
        let mut weak = route.clone();
        weak[3].public_key = [0; 32];
        add_invalid(
            "route hop 3's key is u = 0",
            "BadRoute",
            route_json(&weak),
            &weak,
            b"x",
        );
    }
    f.finish()
}

pub(super) fn check_surb(group: &Group, t: &Test) -> Result<Verdict, String> {
    let g = geometry(group)?;
    let nodes = route_nodes(t)?;
    let route: Vec<RouteHop> = nodes.iter().map(|(h, _)| *h).collect();
    let e: [u8; 32] = hex_array(t, "ephemeralSecret")?;
    let mk: [u8; 32] = hex_array(t, "messageKey")?;
    let mailbox = MailboxAddress(hex_array(t, "mailbox")?);
    let msg = hex_field(t, "replyMessage")?;
    // The ephemeral secret and then the MessageKey are the first 64 bytes the creator's RNG gives.
    let bytes: Vec<u64> = e.iter().chain(&mk).map(|b| u64::from(*b)).collect();
    let mut rng = super::ScriptedRng::new(bytes);
    let (surb, secret) = match create_surb_with_rng(g, &route, &mailbox, &mut rng) {
        Ok(x) => x,
        Err(e) => return Ok(Verdict::Invalid(e.code())),
    };
    let wire = surb.encode();
    expect_hex(t, "surb", &wire)?;
    let kept = secret.to_bytes();
    if kept.len() != g.surb_secret_len() {
        return Err("SURB secret length differs from the geometry's".into());
    }
    expect_hex(t, "surbSecret", &*kept)?;
    expect_hex(t, "replyKey", *reply_key(&mk))?;
    // The replier works from the wire form only.
    let received = Surb::decode(g, &wire).map_err(err)?;
    if received.header() != &wire[..g.header_len()] || received.message_key() != &mk {
        return Err("decoded SURB differs from the created one".into());
    }
    let (first, pkt) = match received.reply(&msg) {
        Ok(x) => x,
        Err(e) => return Ok(Verdict::Invalid(e.code())),
    };
    if first != received.first_hop() {
        return Err("the reply goes elsewhere than the SURB's first hop".into());
    }
    expect_value(t, "firstHop", json!(received.first_hop()))?;
    expect_hex(t, "replyPacket", pkt.as_bytes())?;
    let (hops, outcome) = trace(g, &nodes, pkt.as_bytes()).map_err(err)?;
    expect_value(t, "hops", json!(hops))?;
    let delivered = match outcome {
        Outcome::Deliver { payload, .. } => payload,
        _ => return Err("SURB reply not delivered to a mailbox".into()),
    };
    expect_hex(t, "deliveredPayload", &delivered)?;
    let kept = SurbSecret::from_bytes(&kept).map_err(err)?;
    if kept.open_reply(&delivered).map_err(err)? != msg {
        return Err("opened reply differs".into());
    }
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// mix-surb-open

/// A SURB of `hops` hops over the reference route, its secret, and the payload its first reply
/// leaves in the mailbox.
fn delivered_reply(hops: u8, msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let g = Geometry::new(hops).expect("hops");
    let nodes = fixed_route(hops.into());
    let route: Vec<RouteHop> = nodes.iter().map(Node::hop).collect();
    let (surb, secret) = create_surb(
        g,
        &route,
        &MailboxAddress([0x5a; 36]),
        &[0x41; 32],
        &[0x4b; 32],
    )
    .expect("valid");
    let (_, pkt) = surb.reply(msg).expect("fits");
    let with: Vec<(RouteHop, [u8; 32])> = route
        .iter()
        .copied()
        .zip(nodes.iter().map(|n| n.secret))
        .collect();
    match trace(g, &with, pkt.as_bytes()).expect("valid").1 {
        Outcome::Deliver { payload, .. } => (secret.to_bytes().to_vec(), payload),
        _ => unreachable!("SURBs deliver to a mailbox"),
    }
}

pub(super) fn surb_open_file() -> Value {
    let mut f = FileBuilder::new("mix", "mix-surb-open", "spec/mix.md#surb-use", HEADER);
    f.note(
        "Valid",
        "BASIC",
        "The payload a SURB reply leaves in the mailbox, opened with the SURB secret.",
    );
    f.note(
        "SecretEncoding",
        "MODIFIED_PARAMETER",
        "A SURB secret that does not decode (spec/mix.md §6.3).",
    );
    f.note(
        "BadLength",
        "MODIFIED_PARAMETER",
        "A payload that is not P(r) bytes for the secret's r.",
    );
    f.note(
        "BadPadding",
        "MODIFIED_PARAMETER",
        "A payload changed on the way: it opens to bytes without valid padding.",
    );
    f.note(
        "CheckOrder",
        "MISSING_STEP",
        "Two checks fail at once: secret decoding, then payload length, then padding.",
    );
    f.group("mix-surb-open", json!({}));
    let msg = b"notification: exposure on day 19670".to_vec();
    let (secret, payload) = delivered_reply(4, &msg);
    let case =
        |f: &mut FileBuilder, comment: &str, flags: &[&str], secret: &[u8], payload: &[u8]| {
            let got = SurbSecret::from_bytes(secret).and_then(|s| s.open_reply(payload));
            match got {
                Ok(m) => f.valid(
                    comment,
                    flags,
                    json!({"surbSecret": hex(secret), "payload": hex(payload), "message": hex(m)}),
                ),
                Err(e) => f.invalid(
                    comment,
                    flags,
                    e.code(),
                    json!({"surbSecret": hex(secret), "payload": hex(payload)}),
                ),
            };
        };
    case(
        &mut f,
        "reference reply, 4 hops",
        &["Valid"],
        &secret,
        &payload,
    );
    let long = vec![0xC3u8; Geometry::new(1).expect("1").max_message_len()];
    let (s1, p1) = delivered_reply(1, &long);
    case(&mut f, "longest reply, 1 hop", &["Valid"], &s1, &p1);
    let (s5, p5) = delivered_reply(5, b"");
    case(&mut f, "empty reply, 5 hops", &["Valid"], &s5, &p5);
    case(
        &mut f,
        "payload one byte short",
        &["BadLength"],
        &secret,
        &payload[..payload.len() - 1],
    );
    let mut longer = payload.clone();
    longer.push(0);
    case(
        &mut f,
        "payload one byte long",
        &["BadLength"],
        &secret,
        &longer,
    );
    case(
        &mut f,
        "a 4-hop payload with a 5-hop secret",
        &["BadLength"],
        &s5,
        &payload,
    );
    let mut garbled = payload.clone();
    garbled[100] ^= 0x20;
    assert_eq!(
        SurbSecret::from_bytes(&secret)
            .and_then(|s| s.open_reply(&garbled))
            .err(),
        Some(MixError::BadPadding)
    );
    case(
        &mut f,
        "payload byte 100 changed",
        &["BadPadding"],
        &secret,
        &garbled,
    );
    case(
        &mut f,
        "secret one byte short",
        &["SecretEncoding"],
        &secret[..secret.len() - 1],
        &payload,
    );
    let mut r0 = secret.clone();
    r0[0] = 0;
    case(
        &mut f,
        "secret with r = 0",
        &["SecretEncoding"],
        &r0,
        &payload,
    );
    case(
        &mut f,
        "secret one byte short and payload one byte short",
        &["CheckOrder", "SecretEncoding"],
        &secret[..secret.len() - 1],
        &payload[..payload.len() - 1],
    );
    case(
        &mut f,
        "payload one byte short and changed",
        &["CheckOrder", "BadLength"],
        &secret,
        &garbled[..garbled.len() - 1],
    );
    f.finish()
}

pub(super) fn check_surb_open(_: &Group, t: &Test) -> Result<Verdict, String> {
    let secret = hex_field(t, "surbSecret")?;
    let payload = hex_field(t, "payload")?;
    match SurbSecret::from_bytes(&secret).and_then(|s| s.open_reply(&payload)) {
        Ok(m) => {
            expect_hex(t, "message", m)?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

// ---------------------------------------------------------------------------------------------
// mix-unpad

pub(super) fn unpad_file() -> Value {
    let mut f = FileBuilder::new("mix", "mix-unpad", "spec/mix.md#padding", HEADER);
    f.note("Valid", "BASIC", "A well-padded 239-byte payload.");
    f.note(
        "BadPadding",
        "MODIFIED_PARAMETER",
        "No 0x01 marker, or a non-zero byte after it.",
    );
    f.group("mix-unpad", json!({"payloadLen": 239}));
    let pad = |m: &[u8]| {
        let mut p = vec![0u8; 239];
        contact_tracing::mix::pad_into(m, &mut p).expect("fits");
        p
    };
    for (c, m) in [
        ("empty message", vec![]),
        ("message ending in zeros", vec![1, 0, 0]),
        ("message ending in 0x01", vec![7, 1]),
        (
            "238-byte message (marker in the last byte)",
            vec![0xEE; 238],
        ),
    ] {
        f.valid(
            c,
            &["Valid"],
            json!({"payload": hex(pad(&m)), "message": hex(&m)}),
        );
    }
    let mut zero = vec![0u8; 239];
    f.invalid(
        "all zero",
        &["BadPadding"],
        &err(MixError::BadPadding),
        json!({"payload": hex(&zero)}),
    );
    zero[10] = 0x02;
    f.invalid(
        "marker 0x02",
        &["BadPadding"],
        &err(MixError::BadPadding),
        json!({"payload": hex(&zero)}),
    );
    for (at, b) in [(238usize, 0x80u8), (4, 0x01)] {
        let mut p = pad(b"abc");
        p[at] = b;
        let comment = if at == 238 {
            "non-zero byte 0x80 in the last byte, after the marker"
        } else {
            "a second byte after the marker (0x01 0x01)"
        };
        if b == 0x01 {
            // 'abc' 0x01 0x01: the last non-zero byte is the marker, so the message is 'abc' 0x01.
            f.valid(
                comment,
                &["Valid"],
                json!({"payload": hex(&p), "message": hex(b"abc\x01")}),
            );
        } else {
            f.invalid(
                comment,
                &["BadPadding"],
                &err(MixError::BadPadding),
                json!({"payload": hex(&p)}),
            );
        }
    }
    f.finish()
}

pub(super) fn check_unpad(_: &Group, t: &Test) -> Result<Verdict, String> {
    let p = hex_field(t, "payload")?;
    match unpad(&p) {
        Ok(m) => {
            expect_hex(t, "message", m)?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

// ---------------------------------------------------------------------------------------------
// mix-surb-decode

fn reference_surb() -> (Vec<u8>, Vec<u8>) {
    let g = Geometry::FOUR_HOPS;
    let route: Vec<RouteHop> = fixed_route(4).iter().map(Node::hop).collect();
    let (surb, secret) = create_surb(
        g,
        &route,
        &MailboxAddress([0x5a; 36]),
        &[0x41; 32],
        &[0x4b; 32],
    )
    .expect("valid");
    (surb.encode(), secret.to_bytes().to_vec())
}

fn surb_decode_cases() -> Vec<(&'static str, String, &'static [&'static str], Vec<u8>)> {
    let g = Geometry::FOUR_HOPS;
    let (s, b) = reference_surb();
    let h = g.header_len();
    let mut out: Vec<(&'static str, String, &'static [&'static str], Vec<u8>)> = Vec::new();
    let mut add = |object: &'static str, c: &str, flags: &'static [&'static str], v: Vec<u8>| {
        out.push((object, c.to_string(), flags, v))
    };
    add("surb", "SURB of the reference route", &["Valid"], s.clone());
    add(
        "surb",
        "one byte short",
        &["Length"],
        s[..s.len() - 1].to_vec(),
    );
    add("surb", "empty", &["Length"], vec![]);
    let mut x = s.clone();
    x.push(0);
    add("surb", "one trailing byte", &["Length"], x);
    let mut x = s.clone();
    x[h] = 0xFF;
    add("surb", "first hop 0xFF", &["Malformed"], x);
    let mut x = s.clone();
    x[h] = 254;
    add("surb", "first hop 254 (the largest entity)", &["Valid"], x);
    let mut x = s.clone();
    x[0] = 60;
    add("surb", "reserved key select 60", &["Malformed"], x);
    let mut x = s.clone();
    x[0] = 59;
    add("surb", "key select 59 (the largest in use)", &["Valid"], x);
    let mut x = s[..s.len() - 1].to_vec();
    x[0] = 60;
    add(
        "surb",
        "one byte short and key select 60",
        &["CheckOrder", "Length"],
        x,
    );
    let mut x = s.clone();
    x[h] = 0xFF;
    x.push(1);
    add(
        "surb",
        "first hop 0xFF and one trailing byte",
        &["CheckOrder", "Length"],
        x,
    );
    add(
        "surbSecret",
        "SURB secret of the reference route",
        &["Valid"],
        b.clone(),
    );
    add(
        "surbSecret",
        "one byte short",
        &["Length"],
        b[..b.len() - 1].to_vec(),
    );
    add("surbSecret", "empty", &["Length"], vec![]);
    let mut x = b.clone();
    x.push(0);
    add("surbSecret", "one trailing byte", &["Length"], x);
    for r in [0u8, 17, 255] {
        let mut x = b.clone();
        x[0] = r;
        let c = format!("hop count {r}");
        out.push(("surbSecret", c, &["Malformed"], x));
    }
    let mut add = |c: &str, flags: &'static [&'static str], v: Vec<u8>| {
        out.push(("surbSecret", c.to_string(), flags, v))
    };
    for r in [1u8, 16] {
        let mut x = vec![r];
        x.extend((0..32 * usize::from(r) + 32).map(|i| (i * 13) as u8));
        add(
            if r == 1 {
                "hop count 1 (the smallest)"
            } else {
                "hop count 16 (the largest)"
            },
            &["Valid"],
            x,
        );
    }
    let mut x = b[..40].to_vec();
    x[0] = 0;
    add("hop count 0 and truncated", &["CheckOrder", "Malformed"], x);
    let mut x = b.clone();
    x[0] = 17;
    x.extend_from_slice(&[0; 32]);
    add(
        "hop count 17 with 17 secrets' worth of bytes",
        &["Malformed"],
        x,
    );
    out
}

pub(super) fn surb_decode_file() -> Value {
    let mut f = FileBuilder::new("mix", "mix-surb-decode", "spec/mix.md#surb-wire", HEADER);
    f.note(
        "Valid",
        "BASIC",
        "A SURB or SURB secret as produced by create_surb, or at a field's largest value.",
    );
    f.note(
        "Length",
        "MODIFIED_PARAMETER",
        "Truncated or with trailing bytes.",
    );
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "First hop 0xFF, a reserved key select, or a hop count outside 1..=16.",
    );
    f.note(
        "CheckOrder",
        "MISSING_STEP",
        "Two checks fail at once; the earlier one of spec/mix.md §6.1 / §6.3 decides.",
    );
    let mut current = "";
    for (object, comment, flags, bytes) in surb_decode_cases() {
        if object != current {
            if object == "surb" {
                f.group("mix-surb-decode", json!({"object": "surb", "hops": 4}));
            } else {
                f.group("mix-surb-decode", json!({"object": "surbSecret"}));
            }
            current = object;
        }
        let got = if object == "surb" {
            Surb::decode(Geometry::FOUR_HOPS, &bytes).map(|_| ())
        } else {
            SurbSecret::from_bytes(&bytes).map(|_| ())
        };
        assert_eq!(
            got.is_ok(),
            flags == ["Valid"],
            "surb decode case `{comment}`"
        );
        match got {
            Ok(()) => f.valid(&comment, flags, json!({"encoded": hex(&bytes)})),
            Err(e) => f.invalid(&comment, flags, e.code(), json!({"encoded": hex(&bytes)})),
        };
    }
    f.finish()
}

pub(super) fn check_surb_decode(group: &Group, t: &Test) -> Result<Verdict, String> {
    let b = hex_field(t, "encoded")?;
    match field(group, "object")?.as_str() {
        Some("surb") => match Surb::decode(geometry(group)?, &b) {
            Ok(s) if s.encode() == b => Ok(Verdict::Valid),
            Ok(_) => Err("re-encoding differs".into()),
            Err(e) => Ok(Verdict::Invalid(e.code())),
        },
        Some("surbSecret") => match SurbSecret::from_bytes(&b) {
            Ok(s) if *s.to_bytes() == b => Ok(Verdict::Valid),
            Ok(_) => Err("re-encoding differs".into()),
            Err(e) => Ok(Verdict::Invalid(e.code())),
        },
        _ => Err("unknown `object`".into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Fuzz corpus seeds

pub(super) fn corpus() -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    let file = packet_file();
    let mut n = 0;
    for group in file["testGroups"].as_array().into_iter().flatten() {
        let hops = group["hops"].as_u64().unwrap_or(4);
        if hops != 4 {
            continue;
        }
        for t in group["tests"].as_array().into_iter().flatten() {
            let mut packets = vec![];
            if let Some(p) = t["packet"].as_str() {
                packets.push(p.to_string());
            }
            for h in t["hops"].as_array().into_iter().flatten() {
                if let Some(p) = h["packetOut"].as_str() {
                    packets.push(p.to_string());
                }
            }
            for p in packets {
                n += 1;
                let bytes = ::hex::decode(p).unwrap_or_default();
                for target in ["mix_process", "mix_process_mutated"] {
                    out.push((
                        target.to_string(),
                        format!("v-packet-{n:03}"),
                        bytes.clone(),
                    ));
                }
            }
        }
    }
    // Packets the fuzz mix can authenticate, and edit lists for the mutation target.
    let valid = contact_tracing::fuzzing::mix::valid_packet();
    out.push(("mix_process".into(), "v-fuzz-valid".into(), valid.clone()));
    out.push(("mix_process_mutated".into(), "v-fuzz-valid".into(), valid));
    for (name, edits) in [
        ("v-edit-alpha-bit255", vec![0u8, 32, 0x80]),
        ("v-edit-payload", vec![1, 44, 0x01]),
        ("v-edit-gamma", vec![0, 40, 0x01]),
        ("v-edit-ks", vec![0, 0, 0x01]),
        ("v-edit-none", vec![]),
    ] {
        out.push(("mix_process_mutated".into(), name.into(), edits));
    }
    for (i, (_, _, _, bytes)) in surb_decode_cases().into_iter().enumerate() {
        out.push((
            "mix_surb_decode".into(),
            format!("v-surb-{:03}", i + 1),
            bytes,
        ));
    }
    out
}
