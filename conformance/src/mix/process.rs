//! Group types of the mix node: `mix-process` (the state machine of `spec/mix.md §7` with its
//! key ring and replay cache), `mix-key-select` (§8.1) and `mix-delay` (§7.2).

use contact_tracing::error::ErrorCode;
use contact_tracing::mix::{
    build_header_unchecked, create_forward, create_surb, key_select_for_day, process_hop,
    resolve_key_select, DelayDistribution, Destination, Geometry, MailboxAddress, Mix, MixError,
    MixSecret, Outcome, RouteHop, DEFAULT_REPLAY_CAPACITY_PER_DAY,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{json, Map, Value};

use super::packet::{fixed_route, geometry, small_order_u, Node};
use super::{start_of, today, ScriptedRng, HEADER, NOW};
use crate::vector::{
    expect_outputs, expect_value, field, hex, hex_array, hex_field, u32_field, u64_str_field,
    FileBuilder, Group, Test, Verdict,
};

// ---------------------------------------------------------------------------------------------
// mix-process (state machine)

/// One step of a `mix-process` test.
#[derive(Clone)]
enum Op {
    /// `Mix::process(now, packet)`.
    Process { now: u64, packet: Vec<u8> },
    /// `Mix::rotate(now)`.
    Rotate { now: u64 },
    /// `Keyring::published(now)`.
    Published { now: u64 },
}

impl Op {
    fn inputs(&self) -> Map<String, Value> {
        let v = match self {
            Op::Process { now, packet } => {
                json!({"op": "process", "now": now.to_string(), "packet": hex(packet)})
            }
            Op::Rotate { now } => json!({"op": "rotate", "now": now.to_string()}),
            Op::Published { now } => json!({"op": "published", "now": now.to_string()}),
        };
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn parse(o: &Map<String, Value>) -> Result<Op, String> {
        let now = u64_str_field(o, "now")?;
        match field(o, "op")?.as_str() {
            Some("process") => Ok(Op::Process {
                now,
                packet: hex_field(o, "packet")?,
            }),
            Some("rotate") => Ok(Op::Rotate { now }),
            Some("published") => Ok(Op::Published { now }),
            _ => Err("unknown step `op`".into()),
        }
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Runs the steps on a fresh mix; returns each step's outputs and the error of the last step if
/// it was a dropping `process`.
fn run_steps(
    g: Geometry,
    entity: u8,
    capacity: usize,
    keys: &[(u32, [u8; 32])],
    steps: &[Op],
) -> Result<(Vec<Map<String, Value>>, Option<MixError>), String> {
    let mut mix = Mix::new(entity, g, DelayDistribution::Fixed(0));
    mix.set_replay_capacity(capacity);
    for (d, s) in keys {
        mix.keyring_mut().insert(*d, MixSecret::from_bytes(*s));
    }
    // The mix reports the configuration it was given.
    let days: std::collections::BTreeSet<u32> = keys.iter().map(|(d, _)| *d).collect();
    if mix.number() != entity
        || mix.geometry() != g
        || mix.replay_capacity() != capacity
        || mix.keyring().len() != days.len()
        || mix.keyring().is_empty() != days.is_empty()
        || !mix.replay_store().is_empty()
    {
        return Err("the mix does not report its configuration".into());
    }
    // Only key generation during `rotate` draws from it; no output depends on it.
    let mut rng = ChaCha20Rng::from_seed([0; 32]);
    let mut out = Vec::new();
    let mut last = None;
    for s in steps {
        last = None;
        let o = match s {
            Op::Process { now, packet } => match mix.process(*now, packet, &mut rng) {
                Ok(p) => match (p.forward(), p.outcome) {
                    (Some((next, packet)), Outcome::Forward { .. }) => {
                        json!({"expect": "forward", "next": next, "packetOut": hex(packet.as_bytes())})
                    }
                    (_, Outcome::Forward { .. }) | (Some(_), _) => {
                        return Err("Processed::forward disagrees with the outcome".into())
                    }
                    (None, Outcome::Deliver { mailbox, payload }) => {
                        json!({"expect": "deliver", "mailbox": hex(mailbox.0), "payload": hex(payload)})
                    }
                    (None, Outcome::Swap { payload }) => {
                        json!({"expect": "swap", "payload": hex(payload)})
                    }
                },
                Err(e) => {
                    last = Some(e);
                    json!({"expect": "drop", "error": e.code()})
                }
            },
            Op::Rotate { now } => {
                let destroyed = mix.rotate(*now, &mut rng);
                json!({
                    "destroyed": destroyed,
                    "keyDays": mix.keyring().days().collect::<Vec<_>>(),
                    "replayTags": mix.replay_store().len(),
                    "replayDays": mix.replay_store().days().collect::<Vec<_>>(),
                })
            }
            Op::Published { now } => {
                let (first, keys) = mix.keyring().published(*now);
                json!({
                    "firstDay": first,
                    "keyCount": keys.len(),
                    "keys": keys.iter().map(hex).collect::<Vec<_>>(),
                })
            }
        };
        out.push(obj(o));
    }
    Ok((out, last))
}

struct Case {
    comment: String,
    flags: Vec<&'static str>,
    keys: Vec<(u32, [u8; 32])>,
    steps: Vec<Op>,
    want: Option<MixError>,
}

/// The packets of the process vectors, all for entity 200.
struct Packets {
    g: Geometry,
    /// The mix's key of day `today - 3` (and, with the same secret, of day `today - 1`).
    node: Node,
    /// A 4-hop route whose first hop is this mix (key of day `today - 3`).
    first: Vec<RouteHop>,
    /// A 4-hop route whose last hop is this mix.
    last: Vec<Node>,
}

const MAIN_SECRET: [u8; 32] = [0x77; 32];
const OLDEST_SECRET: [u8; 32] = [0x78; 32];
const EXPIRED_SECRET: [u8; 32] = [0x79; 32];
const TODAY_SECRET: [u8; 32] = [0x7a; 32];

impl Packets {
    fn new() -> Self {
        let node = Node {
            entity: 200,
            day: today() - 3,
            secret: MAIN_SECRET,
        };
        let mut first = fixed_route(4);
        first[0] = node.clone();
        let mut last = fixed_route(4);
        last[3] = node.clone();
        Packets {
            g: Geometry::FOUR_HOPS,
            node,
            first: first.iter().map(Node::hop).collect(),
            last,
        }
    }

    fn forward(&self, route: &[RouteHop], e: u8) -> Vec<u8> {
        let dest = Destination::Mailbox(MailboxAddress([0x5a; 36]));
        create_forward(self.g, route, &dest, b"hello", &[e; 32])
            .expect("valid")
            .1
            .into_bytes()
    }

    /// The forward packet whose first hop uses this mix's key of `day` with `secret`.
    fn forward_on(&self, day: u32, secret: [u8; 32], e: u8) -> Vec<u8> {
        let mut route = self.first.clone();
        route[0] = Node {
            entity: 200,
            day,
            secret,
        }
        .hop();
        self.forward(&route, e)
    }

    /// A packet as this mix receives it at the route's last hop: the final block is `fb`, or
    /// that of `dest`, and the first three hops have been run.
    fn at_last_hop(&self, dest: Destination, fb: Option<[u8; 38]>, e: u8) -> Vec<u8> {
        let hops: Vec<RouteHop> = self.last.iter().map(Node::hop).collect();
        let fb = fb.unwrap_or_else(|| dest.final_block());
        let mut b = build_header_unchecked(self.g, &hops, &fb, &[e; 32])
            .expect("valid")
            .header;
        b.resize(self.g.packet_len(), 0x99);
        for n in self.last.iter().take(3) {
            match process_hop(self.g, &n.secret, &b).expect("valid hop") {
                Outcome::Forward { packet, .. } => b = packet,
                _ => unreachable!("the first three hops forward"),
            }
        }
        b
    }

    /// A packet whose first hop is this mix and whose forward block for the next hop is crafted.
    fn with_next(&self, next_entity: u8, next_ks: u8, e: u8) -> Vec<u8> {
        let mut hops = self.first.clone();
        hops[1].entity = next_entity;
        hops[1].key_select = next_ks;
        let mut h = build_header_unchecked(
            self.g,
            &hops,
            &Destination::Nymserver.final_block(),
            &[e; 32],
        )
        .expect("valid")
        .header;
        h.resize(self.g.packet_len(), 0x99);
        h
    }
}

fn process_cases(pk: &Packets) -> Vec<(&'static str, usize, Vec<Case>)> {
    let t = today();
    let d3 = pk.node.day;
    let keys = vec![
        (d3, MAIN_SECRET),
        (t - 1, MAIN_SECRET),
        (t - 29, OLDEST_SECRET),
        (t - 30, EXPIRED_SECRET),
    ];
    let p = pk.forward(&pk.first, 0x41);
    let at = |now: u64, packet: &[u8]| Op::Process {
        now,
        packet: packet.to_vec(),
    };
    let st = |packet: &[u8]| at(NOW, packet);
    let edit = |packet: &[u8], i: usize, x: u8| {
        let mut v = packet.to_vec();
        v[i] ^= x;
        v
    };
    let with_alpha = |packet: &[u8], u: [u8; 32]| {
        let mut v = packet.to_vec();
        v[1..33].copy_from_slice(&u);
        v
    };
    let with_ks = |packet: &[u8], ks: u8| {
        let mut v = packet.to_vec();
        v[0] = ks;
        v
    };
    let expiry = start_of(d3 + 30);
    let mb = MailboxAddress([0x5a; 36]);
    let deliver = pk.at_last_hop(Destination::Mailbox(mb), None, 0x42);
    let swap = pk.at_last_hop(Destination::Nymserver, None, 0x42);
    let (surb, _) = create_surb(pk.g, &pk.first, &mb, &[0x44; 32], &[0x4b; 32]).expect("valid");
    let r1 = surb.reply(b"first reply").expect("fits").1.into_bytes();
    let r2 = surb.reply(b"second reply").expect("fits").1.into_bytes();
    let mut payload_changed = p.clone();
    payload_changed[300] ^= 1;
    let p29 = pk.forward_on(t - 29, OLDEST_SECRET, 0x45);
    let p30 = pk.forward_on(t - 30, EXPIRED_SECRET, 0x46);
    let p31 = pk.forward_on(t - 31, EXPIRED_SECRET, 0x47);
    let ptoday = pk.forward_on(t, TODAY_SECRET, 0x48);
    let edge = pk.with_next(254, 59, 0x43);
    let mut cases: Vec<Case> = Vec::new();
    let mut add =
        |comment: &str, flags: &[&'static str], steps: Vec<Op>, want: Option<MixError>| {
            cases.push(Case {
                comment: comment.to_string(),
                flags: flags.to_vec(),
                keys: keys.clone(),
                steps,
                want,
            })
        };
    use MixError::*;
    // Accepted packets (§7.3 outputs).
    add("forward at a mix", &["Accept"], vec![st(&p)], None);
    add(
        "deliver at a mailbox server",
        &["Accept"],
        vec![st(&deliver)],
        None,
    );
    add("swap at the nymserver", &["Accept"], vec![st(&swap)], None);
    add(
        "forward on the key of 29 days ago (the oldest live key)",
        &["Accept", "KeyBoundary"],
        vec![st(&p29)],
        None,
    );
    add(
        "forward one second before its key expires",
        &["Accept", "KeyBoundary"],
        vec![at(expiry - 1, &p)],
        None,
    );
    add(
        "forward block naming entity 254 and key select 59 (the largest allowed)",
        &["Accept", "AddressBoundary"],
        vec![st(&edge)],
        None,
    );
    let zero_mailbox = pk.at_last_hop(Destination::Mailbox(MailboxAddress([0; 36])), None, 0x49);
    add(
        "deliver to the all-zero mailbox address (Receive, not Swap)",
        &["Accept", "AddressBoundary"],
        vec![st(&zero_mailbox)],
        None,
    );
    add("SURB reply, first use", &["Accept"], vec![st(&r1)], None);
    add(
        "payload changed: processed (no payload integrity)",
        &["PayloadNotAuthenticated"],
        vec![st(&payload_changed)],
        None,
    );
    // Replays (§7 step 5).
    add(
        "replay of a forwarded packet",
        &["Replay"],
        vec![st(&p), st(&p)],
        Some(Replay),
    );
    add(
        "replay with alpha bit 255 flipped (same X25519 element, same tag)",
        &["Replay"],
        vec![st(&p), st(&edit(&p, 32, 0x80))],
        Some(Replay),
    );
    add(
        "replay of a delivered packet",
        &["Replay"],
        vec![st(&deliver), st(&deliver)],
        Some(Replay),
    );
    add(
        "replay one second before the key expires (tags live as long as the key)",
        &["Replay", "KeyBoundary"],
        vec![st(&p), at(expiry - 1, &p)],
        Some(Replay),
    );
    add(
        "replay after the key expired: the key check comes first",
        &["Replay", "CheckOrder"],
        vec![st(&p), at(expiry, &p)],
        Some(KeyExpired),
    );
    add(
        "replay with alpha replaced by u = 0 (same tag): the tag is checked before the DH",
        &["Replay", "CheckOrder"],
        vec![st(&p), st(&with_alpha(&p, [0; 32]))],
        Some(Replay),
    );
    add(
        "replay with alpha changed (same tag, bad MAC): the tag is checked before the MAC",
        &["Replay", "CheckOrder"],
        vec![st(&p), st(&edit(&p, 5, 0x01))],
        Some(Replay),
    );
    add(
        "SURB used twice: the second reply is dropped at the first hop",
        &["Replay"],
        vec![st(&r1), st(&r2)],
        Some(Replay),
    );
    let ks60 = pk.with_next(30, 60, 0x43);
    add(
        "malformed address is recorded: the repeat is a replay",
        &["MalformedAddress", "Replay"],
        vec![st(&ks60), st(&ks60)],
        Some(Replay),
    );
    // The tag is recorded only once the MAC verified (§7 step 8).
    add(
        "alpha bit 255 flipped (bad MAC, same tag) first, then the original is accepted",
        &["MacBeforeTag"],
        vec![st(&edit(&p, 32, 0x80)), st(&p)],
        None,
    );
    add(
        "alpha changed (bad MAC, same tag) first, then the original is accepted",
        &["MacBeforeTag"],
        vec![st(&edit(&p, 5, 0x01)), st(&p)],
        None,
    );
    add(
        "alpha = 0 (weak key, same tag) first, then the original is accepted",
        &["MacBeforeTag"],
        vec![st(&with_alpha(&p, [0; 32])), st(&p)],
        None,
    );
    // Length (step 1).
    add(
        "one byte short",
        &["BadLength"],
        vec![st(&p[..p.len() - 1])],
        Some(BadLength),
    );
    let mut long = p.clone();
    long.push(0);
    add(
        "one byte long",
        &["BadLength"],
        vec![st(&long)],
        Some(BadLength),
    );
    add(
        "empty packet",
        &["BadLength"],
        vec![st(&[])],
        Some(BadLength),
    );
    add(
        "one byte short and key select 60",
        &["BadLength", "CheckOrder"],
        vec![st(&with_ks(&p[..p.len() - 1], 60))],
        Some(BadLength),
    );
    // Key select (steps 2-4).
    add(
        "key select 60 (reserved version escape)",
        &["KeySelect"],
        vec![st(&with_ks(&p, 60))],
        Some(UnknownKeySelect),
    );
    add(
        "key select 255 (reserved)",
        &["KeySelect"],
        vec![st(&with_ks(&p, 255))],
        Some(UnknownKeySelect),
    );
    add(
        "key select 60 + that of an expired day: reserved, not expired",
        &["KeySelect", "CheckOrder"],
        vec![st(&with_ks(&p, 60 + key_select_for_day(t - 45)))],
        Some(UnknownKeySelect),
    );
    add(
        "key select of a live day the mix holds no key for",
        &["KeySelect"],
        vec![st(&ptoday)],
        Some(UnknownKeySelect),
    );
    add(
        "packet arrives in the first second after its key expired (day + 30)",
        &["KeySelect", "KeyBoundary"],
        vec![at(expiry, &p)],
        Some(KeyExpired),
    );
    add(
        "key select of tomorrow (not yet in force)",
        &["KeySelect"],
        vec![st(&with_ks(&p, key_select_for_day(t + 1)))],
        Some(KeyExpired),
    );
    add(
        "key of 30 days ago, still held (the mix did not rotate): expired",
        &["KeySelect", "KeyBoundary", "CheckOrder"],
        vec![st(&p30)],
        Some(KeyExpired),
    );
    add(
        "key of 31 days ago, not held: expired, checked before the key lookup",
        &["KeySelect", "CheckOrder"],
        vec![st(&p31)],
        Some(KeyExpired),
    );
    add(
        "no key held for the day and alpha u = 0: the key lookup comes before the DH",
        &["KeySelect", "CheckOrder"],
        vec![st(&with_alpha(&ptoday, [0; 32]))],
        Some(UnknownKeySelect),
    );
    // Weak alpha (step 6); each also breaks the MAC (step 7).
    for (what, u) in small_order_u() {
        add(
            &format!("alpha is {what}: weak key, checked before the MAC"),
            &["WeakKey"],
            vec![st(&with_alpha(&p, u))],
            Some(WeakKey),
        );
    }
    // MAC (step 7).
    add(
        "alpha changed",
        &["BadMac"],
        vec![st(&edit(&p, 5, 0x01))],
        Some(BadMac),
    );
    add(
        "alpha bit 255 flipped: the MAC covers alpha's bytes",
        &["BadMac"],
        vec![st(&edit(&p, 32, 0x80))],
        Some(BadMac),
    );
    add(
        "key select of another held day with the same secret: the MAC covers KS",
        &["BadMac"],
        vec![st(&with_ks(&p, key_select_for_day(t - 1)))],
        Some(BadMac),
    );
    for i in 0..16 {
        add(
            &format!("gamma byte {i} changed"),
            &["BadMac"],
            vec![st(&edit(&p, 33 + i, 0x10))],
            Some(BadMac),
        );
    }
    add(
        "first beta byte changed",
        &["BadMac"],
        vec![st(&edit(&p, 49, 0x01))],
        Some(BadMac),
    );
    add(
        "last beta byte changed",
        &["BadMac"],
        vec![st(&edit(&p, 140, 0x80))],
        Some(BadMac),
    );
    add(
        "bad MAC on a packet whose routing block is also malformed",
        &["BadMac", "CheckOrder"],
        vec![st(&edit(&ks60, 40, 0x01))],
        Some(BadMac),
    );
    // Routing block (step 9).
    for (flags, comment) in [
        (0x02u8, "final block with FLAGS = 0x02"),
        (0x80, "final block with FLAGS = 0x80"),
        (0xFF, "final block with FLAGS = 0xFF"),
    ] {
        let mut fb = Destination::Nymserver.final_block();
        fb[1] = flags;
        add(
            comment,
            &["MalformedAddress"],
            vec![st(&pk.at_last_hop(Destination::Nymserver, Some(fb), 0x42))],
            Some(MalformedAddress),
        );
    }
    for (i, comment) in [
        (2usize, "Swap with the first mailbox byte non-zero"),
        (37, "Swap with the last mailbox byte non-zero"),
    ] {
        let mut fb = Destination::Nymserver.final_block();
        fb[i] = 1;
        add(
            comment,
            &["MalformedAddress"],
            vec![st(&pk.at_last_hop(Destination::Nymserver, Some(fb), 0x42))],
            Some(MalformedAddress),
        );
    }
    add(
        "forward block with next key select 60",
        &["MalformedAddress"],
        vec![st(&ks60)],
        Some(MalformedAddress),
    );
    add(
        "forward block with next key select 255",
        &["MalformedAddress"],
        vec![st(&pk.with_next(30, 255, 0x43))],
        Some(MalformedAddress),
    );
    let main = cases;

    // The replay cache's bound (§8.2), with a partition of two tags.
    let a = pk.forward(&pk.first, 0x51);
    let b = pk.forward(&pk.first, 0x52);
    let c = pk.forward(&pk.first, 0x53);
    let mut cases: Vec<Case> = Vec::new();
    let mut add =
        |comment: &str, flags: &[&'static str], steps: Vec<Op>, want: Option<MixError>| {
            cases.push(Case {
                comment: comment.to_string(),
                flags: flags.to_vec(),
                keys: keys.clone(),
                steps,
                want,
            })
        };
    add(
        "two packets fill a partition of two: both accepted",
        &["ReplayBound"],
        vec![st(&a), st(&b)],
        None,
    );
    add(
        "the third packet on a full partition is refused",
        &["ReplayBound"],
        vec![st(&a), st(&b), st(&c)],
        Some(ReplayCacheFull),
    );
    add(
        "a full partition still drops replays: the tag is checked before the bound",
        &["ReplayBound", "CheckOrder"],
        vec![st(&a), st(&b), st(&a)],
        Some(Replay),
    );
    add(
        "full partition and alpha u = 0: the bound is checked before the DH",
        &["ReplayBound", "CheckOrder"],
        vec![st(&a), st(&b), st(&with_alpha(&c, [0; 32]))],
        Some(ReplayCacheFull),
    );
    add(
        "full partition and a bad MAC: the bound is checked before the MAC",
        &["ReplayBound", "CheckOrder"],
        vec![st(&a), st(&b), st(&edit(&c, 40, 0x01))],
        Some(ReplayCacheFull),
    );
    add(
        "a full partition leaves another day's key alone",
        &["ReplayBound"],
        vec![st(&a), st(&b), st(&p29)],
        None,
    );
    add(
        "a refused packet is not recorded: after the refusal the partition still holds two tags",
        &["ReplayBound"],
        vec![st(&a), st(&b), st(&c), Op::Rotate { now: NOW }],
        None,
    );
    let bound = cases;

    // Key ring rotation (§8.2) and published keys (§9).
    let mut cases: Vec<Case> = Vec::new();
    let mut add = |comment: &str,
                   flags: &[&'static str],
                   keys: Vec<(u32, [u8; 32])>,
                   steps: Vec<Op>,
                   want: Option<MixError>| {
        cases.push(Case {
            comment: comment.to_string(),
            flags: flags.to_vec(),
            keys,
            steps,
            want,
        })
    };
    add(
        "rotation of an empty key ring creates the keys of today .. today + 30",
        &["Rotate"],
        vec![],
        vec![Op::Rotate { now: NOW }],
        None,
    );
    add(
        "rotation destroys the key of 30 days ago and keeps that of 29 days ago",
        &["Rotate", "KeyBoundary"],
        keys.clone(),
        vec![Op::Rotate { now: NOW }],
        None,
    );
    add(
        "rotation at the first second of a day",
        &["Rotate", "KeyBoundary"],
        keys.clone(),
        vec![Op::Rotate { now: start_of(t) }],
        None,
    );
    add(
        "rotation at the last second of a day",
        &["Rotate", "KeyBoundary"],
        keys.clone(),
        vec![Op::Rotate {
            now: start_of(t + 1) - 1,
        }],
        None,
    );
    let mut with_today = keys.clone();
    with_today.push((t, TODAY_SECRET));
    add(
        "rotation keeps an installed key of today: its packets are still accepted",
        &["Rotate"],
        with_today,
        vec![Op::Rotate { now: NOW }, st(&ptoday)],
        None,
    );
    add(
        "rotation on the day the key expires destroys it and its replay partition",
        &["Rotate", "Replay"],
        keys.clone(),
        vec![st(&p), Op::Rotate { now: expiry }],
        None,
    );
    add(
        "rotation the day before keeps the key and its tags: the packet is still a replay",
        &["Rotate", "KeyBoundary", "Replay"],
        keys.clone(),
        vec![st(&p), Op::Rotate { now: expiry - 1 }, at(expiry - 1, &p)],
        Some(Replay),
    );
    let run: Vec<(u32, [u8; 32])> = (t - 29..=t + 31).map(|d| (d, [d as u8; 32])).collect();
    add(
        "published keys of 61 consecutive days: the 60 from the oldest live day",
        &["Published"],
        run,
        vec![Op::Published { now: NOW }],
        None,
    );
    add(
        "published keys stop at the first missing day; the expired key is not listed",
        &["Published"],
        vec![
            (t - 30, EXPIRED_SECRET),
            (t - 29, OLDEST_SECRET),
            (t - 28, MAIN_SECRET),
            (t - 26, TODAY_SECRET),
        ],
        vec![Op::Published { now: NOW }],
        None,
    );
    add(
        "no live key: nothing is published",
        &["Published"],
        vec![(t - 30, EXPIRED_SECRET), (t - 31, MAIN_SECRET)],
        vec![Op::Published { now: NOW }],
        None,
    );
    add(
        "published keys of exactly 60 consecutive days from 29 days ago",
        &["Published"],
        (t - 29..=t + 30)
            .map(|d| (d, [d as u8 ^ 0x5c; 32]))
            .collect(),
        vec![Op::Published { now: NOW }],
        None,
    );
    let rotation = cases;
    vec![
        ("main", DEFAULT_REPLAY_CAPACITY_PER_DAY, main),
        ("bound", 2, bound),
        ("rotation", DEFAULT_REPLAY_CAPACITY_PER_DAY, rotation),
    ]
}

pub(super) fn process_file() -> Value {
    let mut f = FileBuilder::new("mix", "mix-process", "spec/mix.md#process", HEADER);
    f.note(
        "Accept",
        "BASIC",
        "A well-formed packet for a live key: forward, deliver or swap.",
    );
    f.note(
        "Replay",
        "BASIC",
        "The same packet (or a copy with the same tag) a second time.",
    );
    f.note(
        "BadLength",
        "MODIFIED_PARAMETER",
        "A packet one byte short or long, or empty.",
    );
    f.note(
        "KeySelect",
        "EDGE_CASE",
        "A reserved, unheld, expired or not-yet-valid key select.",
    );
    f.note(
        "KeyBoundary",
        "EDGE_CASE",
        "Either side of a key's 30-day life or of a day boundary.",
    );
    f.note(
        "WeakKey",
        "EDGE_CASE",
        "alpha is a point of small order: the DH output is all zero.",
    );
    f.note(
        "BadMac",
        "AUTH_BYPASS",
        "A header byte changed after the MAC: alpha (also bit 255), KS, any gamma byte, beta.",
    );
    f.note(
        "MalformedAddress",
        "MODIFIED_PARAMETER",
        "An authentic header whose decrypted routing block is invalid (built by a faulty sender).",
    );
    f.note(
        "AddressBoundary",
        "EDGE_CASE",
        "A routing block at the edge of what is allowed (entity 254, key select 59, zero mailbox).",
    );
    f.note(
        "MacBeforeTag",
        "MISSING_STEP",
        "A dropped packet with the same replay tag as a valid one (alpha is not hashed into the \
         tag) must not record the tag: the valid packet is then still accepted.",
    );
    f.note(
        "CheckOrder",
        "MISSING_STEP",
        "Two checks of spec/mix.md §7 fail at once; the earlier step decides.",
    );
    f.note(
        "PayloadNotAuthenticated",
        "DEFINED",
        "The payload is not integrity-protected (spec D2): a changed payload is still processed.",
    );
    f.note(
        "ReplayBound",
        "DEFINED",
        "The replay cache partition of a key day is bounded (spec/mix.md §8.2); the group's \
         replayCapacity is 2.",
    );
    f.note(
        "Rotate",
        "FUNCTIONALITY",
        "Key-ring rotation: keys created 30 days ahead, destroyed 30 days after coming into force.",
    );
    f.note(
        "Published",
        "FUNCTIONALITY",
        "The day keys a Discovery entry lists: consecutive days from the oldest live key, at most 60.",
    );
    let pk = Packets::new();
    for (_, capacity, cases) in process_cases(&pk) {
        f.group(
            "mix-process",
            json!({"hops": 4, "packetLen": pk.g.packet_len(), "delaySeconds": 0, "entity": 200, "replayCapacity": capacity}),
        );
        for case in cases {
            let (outs, e) =
                run_steps(pk.g, 200, capacity, &case.keys, &case.steps).expect("consistent mix");
            assert_eq!(e, case.want, "process case `{}`", case.comment);
            let steps: Vec<Value> = case
                .steps
                .iter()
                .zip(outs)
                .map(|(op, out)| {
                    let mut m = op.inputs();
                    m.extend(out);
                    Value::Object(m)
                })
                .collect();
            let keys_json: Vec<Value> = case
                .keys
                .iter()
                .map(|(d, s)| json!({"day": d, "mixSecret": hex(s)}))
                .collect();
            let fields = json!({"mixKeys": keys_json, "steps": steps});
            match e {
                None => f.valid(&case.comment, &case.flags, fields),
                Some(e) => f.invalid(&case.comment, &case.flags, e.code(), fields),
            };
        }
    }
    f.finish()
}

pub(super) fn check_process(group: &Group, t: &Test) -> Result<Verdict, String> {
    let g = geometry(group)?;
    let entity = u8::try_from(u32_field(group, "entity")?).map_err(|_| "entity > 255")?;
    let capacity = u32_field(group, "replayCapacity")? as usize;
    if u32_field(group, "delaySeconds")? != 0 {
        return Err("only delaySeconds = 0 is defined".into());
    }
    let keys: Vec<(u32, [u8; 32])> = field(t, "mixKeys")?
        .as_array()
        .ok_or("`mixKeys` is not a list")?
        .iter()
        .map(|k| {
            let o = k.as_object().ok_or("key is not an object")?;
            Ok((u32_field(o, "day")?, hex_array(o, "mixSecret")?))
        })
        .collect::<Result<_, String>>()?;
    let steps: Vec<&Map<String, Value>> = field(t, "steps")?
        .as_array()
        .ok_or("`steps` is not a list")?
        .iter()
        .map(|s| {
            s.as_object()
                .ok_or_else(|| "step is not an object".to_string())
        })
        .collect::<Result<_, String>>()?;
    let ops: Vec<Op> = steps
        .iter()
        .map(|o| Op::parse(o))
        .collect::<Result<_, String>>()?;
    let (outs, e) = run_steps(g, entity, capacity, &keys, &ops)?;
    for (i, (step, out)) in steps.iter().zip(outs).enumerate() {
        expect_outputs(step, out).map_err(|m| format!("step {i}: {m}"))?;
    }
    Ok(match e {
        None => Verdict::Valid,
        Some(e) => Verdict::Invalid(e.code()),
    })
}

// ---------------------------------------------------------------------------------------------
// mix-key-select

pub(super) fn key_select_file() -> Value {
    let mut f = FileBuilder::new("mix", "mix-key-select", "spec/mix.md#key-schedule", HEADER);
    f.note(
        "Live",
        "BASIC",
        "A key select naming one of the 30 live days.",
    );
    f.note(
        "Expired",
        "EDGE_CASE",
        "A key select naming a day 30..59 days back (or a future day).",
    );
    f.note(
        "Reserved",
        "EDGE_CASE",
        "A key select 60..255 (version escape).",
    );
    f.note(
        "DayBoundary",
        "EDGE_CASE",
        "The first or last second of a day, the first days of the epoch, or the last day number.",
    );
    f.group(
        "mix-key-select",
        json!({"keySelectCount": 60, "lifetimeDays": 30}),
    );
    let t = today();
    let valid = |f: &mut FileBuilder, c: &str, flags: &[&str], now: u64, ks: u8, day: u32| {
        assert_eq!(
            resolve_key_select(ks, now),
            Ok(day),
            "key select case `{c}`"
        );
        f.valid(
            c,
            flags,
            json!({"now": now.to_string(), "keySelect": ks, "day": day}),
        );
    };
    for back in [0u32, 1, 29] {
        valid(
            &mut f,
            &format!("key of {back} days ago"),
            &["Live"],
            NOW,
            key_select_for_day(t - back),
            t - back,
        );
    }
    let first = start_of(t);
    let last = start_of(t + 1) - 1;
    for (c, now, back) in [
        ("first second of a day: today's key", first, 0u32),
        ("first second of a day: the key of 29 days ago", first, 29),
        ("last second of a day: today's key", last, 0),
        ("last second of a day: the key of 29 days ago", last, 29),
    ] {
        valid(
            &mut f,
            c,
            &["Live", "DayBoundary"],
            now,
            key_select_for_day(t - back),
            t - back,
        );
    }
    valid(&mut f, "now = 0: day 0", &["Live", "DayBoundary"], 0, 0, 0);
    valid(
        &mut f,
        "day 10: key select 0 names day 0",
        &["Live", "DayBoundary"],
        start_of(10) + 5,
        0,
        0,
    );
    valid(
        &mut f,
        "the largest now: day 2^32 - 1 (day numbers saturate)",
        &["Live", "DayBoundary"],
        u64::MAX,
        key_select_for_day(u32::MAX),
        u32::MAX,
    );
    let invalid = |f: &mut FileBuilder, c: &str, flags: &[&str], now: u64, ks: u8| {
        let e = resolve_key_select(ks, now).expect_err("refused");
        f.invalid(
            c,
            flags,
            e.code(),
            json!({"now": now.to_string(), "keySelect": ks}),
        );
    };
    for (comment, ks) in [
        ("key of 30 days ago", key_select_for_day(t - 30)),
        ("key of 59 days ago", key_select_for_day(t - 59)),
        ("key of tomorrow", key_select_for_day(t + 1)),
    ] {
        invalid(&mut f, comment, &["Expired"], NOW, ks);
    }
    invalid(
        &mut f,
        "first second of a day: the key of 30 days ago",
        &["Expired", "DayBoundary"],
        first,
        key_select_for_day(t - 30),
    );
    invalid(
        &mut f,
        "last second of a day: the key of 30 days ago",
        &["Expired", "DayBoundary"],
        last,
        key_select_for_day(t - 30),
    );
    invalid(
        &mut f,
        "day 10: key select 11 would name day -49",
        &["Expired", "DayBoundary"],
        start_of(10) + 5,
        11,
    );
    invalid(
        &mut f,
        "day 10: key select 59 would name day -1 (within 30 days back)",
        &["Expired", "DayBoundary"],
        start_of(10) + 5,
        59,
    );
    for ks in [60u8, 61, 119, 200, 255] {
        invalid(
            &mut f,
            &format!("reserved key select {ks}"),
            &["Reserved"],
            NOW,
            ks,
        );
    }
    f.finish()
}

pub(super) fn check_key_select(_: &Group, t: &Test) -> Result<Verdict, String> {
    let ks = u8::try_from(u32_field(t, "keySelect")?).map_err(|_| "keySelect > 255")?;
    match resolve_key_select(ks, u64_str_field(t, "now")?) {
        Ok(day) => {
            expect_value(t, "day", json!(day))?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

// ---------------------------------------------------------------------------------------------
// mix-delay

fn delay_case(dist: &DelayDistribution, words: &[u64]) -> Result<(u64, usize), String> {
    let mut rng = ScriptedRng::new(words.to_vec());
    let d = dist.sample(&mut rng);
    if rng.exhausted {
        return Err("`rngWords` ran out".into());
    }
    Ok((d, rng.used))
}

pub(super) fn delay_file() -> Value {
    let mut f = FileBuilder::new("mix", "mix-delay", "spec/mix.md#delay", HEADER);
    f.note("Fixed", "BASIC", "A fixed delay: no random word is drawn.");
    f.note(
        "Uniform",
        "BASIC",
        "A uniform delay over min..=max from 64-bit words.",
    );
    f.note(
        "Rejection",
        "EDGE_CASE",
        "Words at and just above the largest accepted value: the first is used, the second is \
         rejected and the next word drawn.",
    );
    f.note(
        "Span",
        "EDGE_CASE",
        "A span of 1, a power of two, 2^64 - 1 or 2^64, or min > max (the bounds are exchanged).",
    );
    f.group("mix-delay", json!({}));
    let m = u64::MAX;
    let zone30 = m - (m % 30 + 1) % 30;
    let cases: Vec<(&str, &[&str], DelayDistribution, Vec<u64>)> = vec![
        ("fixed 0", &["Fixed"], DelayDistribution::Fixed(0), vec![]),
        (
            "fixed 3600",
            &["Fixed"],
            DelayDistribution::Fixed(3600),
            vec![],
        ),
        (
            "fixed 2^64 - 1",
            &["Fixed"],
            DelayDistribution::Fixed(m),
            vec![],
        ),
        (
            "uniform 1..=30, word 0",
            &["Uniform"],
            DelayDistribution::Uniform { min: 1, max: 30 },
            vec![0],
        ),
        (
            "uniform 1..=30, word 29",
            &["Uniform"],
            DelayDistribution::Uniform { min: 1, max: 30 },
            vec![29],
        ),
        (
            "uniform 1..=30, word 30 wraps to the minimum",
            &["Uniform"],
            DelayDistribution::Uniform { min: 1, max: 30 },
            vec![30],
        ),
        (
            "uniform 1..=30, the largest accepted word",
            &["Uniform", "Rejection"],
            DelayDistribution::Uniform { min: 1, max: 30 },
            vec![zone30],
        ),
        (
            "uniform 1..=30, the smallest rejected word, then 5",
            &["Uniform", "Rejection"],
            DelayDistribution::Uniform { min: 1, max: 30 },
            vec![zone30 + 1, 5],
        ),
        (
            "uniform 1..=30, two rejected words, then 7",
            &["Uniform", "Rejection"],
            DelayDistribution::Uniform { min: 1, max: 30 },
            vec![m, m - 5, 7],
        ),
        (
            "uniform 0..=255 (a power-of-two span): no word is rejected",
            &["Uniform", "Span"],
            DelayDistribution::Uniform { min: 0, max: 255 },
            vec![m],
        ),
        (
            "uniform 5..=5 (span 1)",
            &["Uniform", "Span"],
            DelayDistribution::Uniform { min: 5, max: 5 },
            vec![m],
        ),
        (
            "uniform 0..=2^64 - 1 (span 2^64): the word itself",
            &["Uniform", "Span"],
            DelayDistribution::Uniform { min: 0, max: m },
            vec![0x0123_4567_89ab_cdef],
        ),
        (
            "uniform 1..=2^64 - 1 (span 2^64 - 1): only the word 2^64 - 1 is rejected",
            &["Uniform", "Span", "Rejection"],
            DelayDistribution::Uniform { min: 1, max: m },
            vec![m, m - 1],
        ),
        (
            "uniform with min 30 > max 1: the same as 1..=30",
            &["Uniform", "Span"],
            DelayDistribution::Uniform { min: 30, max: 1 },
            vec![zone30 + 1, 44],
        ),
    ];
    for (comment, flags, dist, words) in cases {
        let (delay, used) = delay_case(&dist, &words).expect("enough words");
        let mut fields = match dist {
            DelayDistribution::Fixed(n) => json!({"distribution": "fixed", "value": n.to_string()}),
            DelayDistribution::Uniform { min, max } => json!({
                "distribution": "uniform", "min": min.to_string(), "max": max.to_string()
            }),
        };
        fields["rngWords"] = json!(words.iter().map(u64::to_string).collect::<Vec<_>>());
        fields["delay"] = json!(delay.to_string());
        fields["rngWordsUsed"] = json!(used);
        f.valid(comment, flags, fields);
    }
    f.finish()
}

pub(super) fn check_delay(_: &Group, t: &Test) -> Result<Verdict, String> {
    let dist = match field(t, "distribution")?.as_str() {
        Some("fixed") => DelayDistribution::Fixed(u64_str_field(t, "value")?),
        Some("uniform") => DelayDistribution::Uniform {
            min: u64_str_field(t, "min")?,
            max: u64_str_field(t, "max")?,
        },
        _ => return Err("unknown `distribution`".into()),
    };
    let words: Vec<u64> = field(t, "rngWords")?
        .as_array()
        .ok_or("`rngWords` is not a list")?
        .iter()
        .map(|w| {
            w.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| "`rngWords` entry is not a decimal u64".to_string())
        })
        .collect::<Result<_, String>>()?;
    let (delay, used) = delay_case(&dist, &words)?;
    expect_value(t, "delay", json!(delay.to_string()))?;
    expect_value(t, "rngWordsUsed", json!(used))?;
    Ok(Verdict::Valid)
}
