//! `geo-salt-item`, `geo-salt-server` (`spec/geo.md §8`) and the admission helpers the central
//! server's vectors share.

use contact_tracing::error::ErrorCode;
use contact_tracing::geo::{
    BlockSize, ClientKey, ClientLimits, GeoError, Layer, Location, OprfClientState, OprfItem,
    OprfRequest, OprfSeed, Refused, SaltItem, SaltKey, SaltRequest, SaltServer, SaltServerConfig,
};
use serde_json::{json, Map, Value};

use super::{check_steps, code, record_steps, u8_field, usize_field, HEADER};
use crate::vector::{
    field, hex, hex_array, hex_field, u64_str_field, FileBuilder, Group, Test, Verdict,
};

pub(super) fn files() -> Vec<(String, Value)> {
    vec![
        ("geo/salt_item_test.json".into(), salt_item_file()),
        ("geo/salt_server_test.json".into(), salt_server_file().0),
    ]
}

pub(super) const NOW: u64 = 1_700_000_000;

pub(super) fn limits_json(c: &ClientLimits, j: &mut Map<String, Value>) {
    j.insert("windowS".into(), json!(c.window_s.to_string()));
    j.insert("maxV4Clients".into(), json!(c.max_v4_clients));
    j.insert("maxV6Clients".into(), json!(c.max_v6_clients));
    j.insert(
        "maxClientsPerV6Prefix".into(),
        json!(c.max_clients_per_v6_prefix),
    );
}

pub(super) fn limits_from(c: &Map<String, Value>) -> Result<ClientLimits, String> {
    Ok(ClientLimits {
        window_s: u64_str_field(c, "windowS")?,
        max_v4_clients: usize_field(c, "maxV4Clients")?,
        max_v6_clients: usize_field(c, "maxV6Clients")?,
        max_clients_per_v6_prefix: usize_field(c, "maxClientsPerV6Prefix")?,
    })
}

fn config_json(c: &SaltServerConfig) -> Value {
    let mut j = Map::new();
    limits_json(&c.clients, &mut j);
    j.insert("maxSalts".into(), json!(c.max_salts));
    j.insert("maxEvaluations".into(), json!(c.max_evaluations));
    j.insert("maxPastS".into(), json!(c.max_past_s.to_string()));
    j.insert("skewS".into(), json!(c.skew_s.to_string()));
    Value::Object(j)
}

fn config_from(t: &Map<String, Value>) -> Result<SaltServerConfig, String> {
    let c = field(t, "config")?
        .as_object()
        .ok_or("`config` is not an object")?;
    Ok(SaltServerConfig {
        clients: limits_from(c)?,
        max_salts: usize_field(c, "maxSalts")?,
        max_evaluations: usize_field(c, "maxEvaluations")?,
        max_past_s: u64_str_field(c, "maxPastS")?,
        skew_s: u64_str_field(c, "skewS")?,
    })
}

fn plain_server(config: SaltServerConfig) -> Result<SaltServer, GeoError> {
    SaltServer::new(
        config,
        SaltKey::from_bytes([0; 32]),
        OprfSeed::from_bytes([0; 32]),
    )
}

fn with_limits(f: impl FnOnce(&mut ClientLimits)) -> SaltServerConfig {
    let mut c = SaltServerConfig::default();
    f(&mut c.clients);
    c
}

// ---------------------------------------------------------------------------------------------
// geo-salt-item

fn salt_item_file() -> Value {
    let mut f = FileBuilder::new("geo", "geo-salt-item", "spec/geo.md#83-transitions", HEADER);
    f.note("Window", "EDGE_CASE", "The block is at a boundary of the served window: the next block, the one after it, or the block that ended exactly max_past_s ago.");
    f.note(
        "Skew",
        "EDGE_CASE",
        "A configured clock skew admits one more block.",
    );
    f.note(
        "BadSize",
        "MODIFIED_PARAMETER",
        "A block size outside {5, 10, 20, 40, 80}.",
    );
    f.note("Overflow", "EDGE_CASE", "(k + 1)·B overflows u64.");
    f.note(
        "Order",
        "BASIC",
        "Two item checks fail at once; the earlier one decides.",
    );
    let g = |f: &mut FileBuilder,
             cfg: SaltServerConfig,
             cases: Vec<(String, &'static [&'static str], u8, u64, u64)>| {
        f.group("geo-salt-item", json!({"config": config_json(&cfg)}));
        let s = plain_server(cfg).expect("valid config");
        for (comment, flags, size, k, now) in cases {
            let fields = json!({"now": now.to_string(), "size": size, "k": k.to_string()});
            match s.check_item(size, k, now) {
                Ok(_) => f.valid(&comment, flags, fields),
                Err(e) => f.invalid(&comment, flags, code(e), fields),
            };
        }
    };
    let mut cases = Vec::new();
    for size in BlockSize::ALL {
        let b = size.seconds();
        let m = size.minutes();
        let k = NOW / b;
        cases.push((
            format!("{m} min: current block"),
            &["Window"][..],
            m,
            k,
            NOW,
        ));
        cases.push((
            format!("{m} min: next block"),
            &["Window"][..],
            m,
            k + 1,
            NOW,
        ));
        cases.push((
            format!("{m} min: block after next"),
            &["Window"][..],
            m,
            k + 2,
            NOW,
        ));
        let kexp = (NOW - 10_800) / b - 1;
        cases.push((
            format!("{m} min: block that ended at or before now - 3 h"),
            &["Window"][..],
            m,
            kexp,
            NOW,
        ));
        cases.push((
            format!("{m} min: oldest block still served"),
            &["Window"][..],
            m,
            kexp + 1,
            NOW,
        ));
    }
    let end = 1_699_996_800u64; // a multiple of 4800
    cases.push((
        "80 min: block ends exactly max_past_s before now".into(),
        &["Window"][..],
        80,
        end / 4800 - 1,
        end + 10_800,
    ));
    cases.push((
        "80 min: block ends 1 s less than max_past_s before now".into(),
        &["Window"][..],
        80,
        end / 4800 - 1,
        end + 10_799,
    ));
    cases.push((
        "5 min: the next block, 1 s before the current block ends".into(),
        &["Window"][..],
        5,
        2,
        599,
    ));
    cases.push((
        "5 min: two blocks ahead, 1 s before the current block ends".into(),
        &["Window"][..],
        5,
        3,
        599,
    ));
    cases.push((
        "early clock (now < max_past_s): nothing is expired".into(),
        &["Window"][..],
        5,
        0,
        100,
    ));
    cases.push((
        "now = max_past_s: block 0 ended 10 500 s ago".into(),
        &["Window"][..],
        5,
        0,
        10_800,
    ));
    cases.push((
        "now = max_past_s + 300: block 0 ended exactly max_past_s ago".into(),
        &["Window"][..],
        5,
        0,
        11_100,
    ));
    cases.push(("size 15".into(), &["BadSize"][..], 15, 1, NOW));
    cases.push((
        "size 0, also far in the future: size first".into(),
        &["Order"][..],
        0,
        u64::MAX,
        NOW,
    ));
    cases.push((
        "size 7, also expired: size first".into(),
        &["Order"][..],
        7,
        0,
        NOW,
    ));
    cases.push((
        "k = u64::MAX at now = u64::MAX".into(),
        &["Overflow"][..],
        80,
        u64::MAX,
        u64::MAX,
    ));
    cases.push((
        "current 5-minute block at now = u64::MAX: (k + 1)·300 overflows".into(),
        &["Overflow"][..],
        5,
        u64::MAX / 300,
        u64::MAX,
    ));
    cases.push((
        "an old block at now = u64::MAX is expired, not in the future".into(),
        &["Overflow"][..],
        5,
        0,
        u64::MAX,
    ));
    g(&mut f, SaltServerConfig::default(), cases);
    let skewed = SaltServerConfig {
        skew_s: 300,
        ..SaltServerConfig::default()
    };
    let k = (NOW + 300) / 300;
    g(
        &mut f,
        skewed,
        vec![
            (
                "5 min, skew 300 s: block after next is served".into(),
                &["Skew"][..],
                5,
                k + 1,
                NOW,
            ),
            (
                "5 min, skew 300 s: two blocks after next is refused".into(),
                &["Skew"][..],
                5,
                k + 2,
                NOW,
            ),
        ],
    );
    let no_past = SaltServerConfig {
        max_past_s: 0,
        ..SaltServerConfig::default()
    };
    g(
        &mut f,
        no_past,
        vec![
            (
                "max_past_s = 0: the current block is served".into(),
                &["Window"][..],
                5,
                NOW / 300,
                NOW,
            ),
            (
                "max_past_s = 0: the previous block ended at or before now".into(),
                &["Window"][..],
                5,
                NOW / 300 - 1,
                NOW,
            ),
            (
                "max_past_s = 0: a block at its last second is served".into(),
                &["Window"][..],
                5,
                NOW / 300 - 1,
                (NOW / 300) * 300 - 1,
            ),
        ],
    );
    f.finish()
}

pub(super) fn check_salt_item(g: &Group, t: &Test) -> Result<Verdict, String> {
    let s = plain_server(config_from(g)?).map_err(|e| format!("config: {}", e.code()))?;
    match s.check_item(
        u8_field(t, "size")?,
        u64_str_field(t, "k")?,
        u64_str_field(t, "now")?,
    ) {
        Ok(_) => Ok(Verdict::Valid),
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

// ---------------------------------------------------------------------------------------------
// geo-salt-server: state machine scenarios

pub(super) fn client_key(bytes: &[u8]) -> Result<ClientKey, String> {
    match bytes.len() {
        4 => Ok(ClientKey::from_ipv4(bytes.try_into().map_err(|_| "ipv4")?)),
        16 => Ok(ClientKey::from_ipv6(bytes.try_into().map_err(|_| "ipv6")?)),
        n => Err(format!("client address of {n} bytes")),
    }
}

pub(super) fn refusal(got: &mut Map<String, Value>, r: Refused) {
    got.insert("expect".into(), json!("refused"));
    // The code as the error's `Display` renders it (the same string as `ErrorCode::code`).
    got.insert("error".into(), json!(r.error.to_string()));
    if let Some(at) = r.retry_at {
        got.insert("retryAt".into(), json!(at.to_string()));
    }
}

/// One salt-server step: the outputs it yields from its inputs.
fn salt_exec(
    server: &mut SaltServer,
    s: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let client = client_key(&hex_field(s, "client")?)?;
    let mut got = Map::new();
    let op = field(s, "op")?.as_str().ok_or("`op` is not a string")?;
    match op {
        "classic" | "oprf" => {
            let now = u64_str_field(s, "now")?;
            let bytes = hex_field(s, "request")?;
            let res = if op == "classic" {
                SaltRequest::from_bytes(&bytes)
                    .map_err(Refused::from)
                    .and_then(|r| server.handle_classic(client, now, &r))
            } else {
                OprfRequest::from_bytes(&bytes)
                    .map_err(Refused::from)
                    .and_then(|r| server.handle_oprf(client, now, &r))
            };
            match res {
                Ok(resp) => {
                    got.insert("expect".into(), json!("answered"));
                    let b = resp.to_bytes().map_err(|e| e.code().to_string())?;
                    got.insert("response".into(), json!(hex(b)));
                }
                Err(r) => refusal(&mut got, r),
            }
        }
        "table" => {
            let last = server.last_request(&client);
            got.insert("known".into(), json!(last.is_some()));
            if let Some(l) = last {
                got.insert("lastRequest".into(), json!(l.to_string()));
            }
            got.insert("clients".into(), json!(server.clients()));
            got.insert("v4Clients".into(), json!(server.v4_clients()));
            got.insert("v6Clients".into(), json!(server.v6_clients()));
            let prefix = client
                .v6_prefix()
                .map_or(0, |p| server.v6_prefix_clients(&p));
            got.insert("prefixClients".into(), json!(prefix));
        }
        other => return Err(format!("unknown op `{other}`")),
    }
    Ok(got)
}

pub(super) struct Scenario {
    comment: String,
    flags: Vec<&'static str>,
    config: SaltServerConfig,
    pub steps: Vec<Value>,
}

fn creq(items: &[(u8, u64)]) -> Vec<u8> {
    SaltRequest {
        items: items
            .iter()
            .map(|&(size, index)| SaltItem { size, index })
            .collect(),
    }
    .to_bytes()
    .expect("small")
}

fn oreq(items: &[(u8, u64, [u8; 32])]) -> Vec<u8> {
    OprfRequest {
        items: items
            .iter()
            .map(|&(size, index, blinded)| OprfItem {
                size,
                index,
                blinded,
            })
            .collect(),
    }
    .to_bytes()
    .expect("small")
}

fn ask(op: &str, client: &[u8], now: u64, request: &[u8]) -> Value {
    json!({"op": op, "client": hex(client), "now": now.to_string(), "request": hex(request)})
}

fn table(client: &[u8]) -> Value {
    json!({"op": "table", "client": hex(client)})
}

pub(super) fn v6(prefix: u8, subnet: u8, host: u8) -> Vec<u8> {
    vec![
        0x20, 0x01, 0x0d, 0xb8, 0, prefix, 0, subnet, 0, 0, 0, 0, 0, 0, 0, host,
    ]
}

#[allow(clippy::vec_init_then_push)]
pub(super) fn salt_server_file() -> (Value, Vec<Scenario>) {
    let key = [0x11u8; 32];
    let seed = [0x22u8; 32];
    let a = vec![192, 0, 2, 1];
    let b = vec![198, 51, 100, 7];
    let c4 = vec![203, 0, 113, 9];
    let v6a = v6(1, 1, 1);
    let v6a_other_host = v6(1, 1, 0x99);
    let v6a_other_64 = v6(1, 2, 1);
    let v6b = v6(2, 1, 1);
    let mut mapped = vec![0u8; 10];
    mapped.extend_from_slice(&[0xff, 0xff, 192, 0, 2, 1]);
    let k5 = NOW / 300;
    let good = creq(&[(5, k5), (5, k5 + 1), (80, NOW / 4800)]);
    let mixed = creq(&[
        (5, k5),
        (5, k5 + 2),
        (7, 1),
        (80, (NOW - 10_800) / 4800 - 1),
    ]);
    let cell = Location::new(47_376_887, 8_541_694)
        .expect("valid")
        .cell(Layer::A);
    let (_, be) = OprfClientState::blind(&cell, [3; 32]).expect("blind");
    let mut noncanon = [0xffu8; 32];
    noncanon[31] = 0x7f;
    let kold = (NOW - 10_800) / 300 - 1;
    let d = SaltServerConfig::default();
    let mut sc = Vec::new();
    let mut add =
        |comment: &str, flags: &[&'static str], config: SaltServerConfig, steps: Vec<Value>| {
            sc.push(Scenario {
                comment: comment.into(),
                flags: flags.to_vec(),
                config,
                steps,
            })
        };
    add(
        "classic request answered: current, next and an 80-minute block",
        &["Answer"],
        d,
        vec![ask("classic", &a, NOW, &good), table(&a)],
    );
    add(
        "per-item refusals do not refuse the request: future, unknown size, expired",
        &["Answer"],
        d,
        vec![ask("classic", &a, NOW, &mixed)],
    );
    add(
        "duplicated items are answered individually",
        &["Answer"],
        d,
        vec![ask("classic", &a, NOW, &creq(&[(5, k5); 3]))],
    );
    add(
        "OPRF request answered; bad elements refused per item",
        &["Answer", "Oprf"],
        d,
        vec![ask(
            "oprf",
            &a,
            NOW,
            &oreq(&[
                (5, k5, be),
                (5, k5, [0; 32]),
                (5, k5, noncanon),
                (10, NOW / 600, be),
            ]),
        )],
    );
    add(
        "OPRF items with two faults: size before window, window before element",
        &["Order", "Oprf"],
        d,
        vec![ask(
            "oprf",
            &a,
            NOW,
            &oreq(&[
                (7, k5 + 5, [0; 32]),
                (5, k5 + 2, [0; 32]),
                (5, kold, noncanon),
                (7, kold, be),
            ]),
        )],
    );
    add(
        "second request within the window is rate limited",
        &["RateLimit"],
        d,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &a, NOW + 3599, &good),
        ],
    );
    add(
        "exactly one window later is allowed, then limited again",
        &["RateLimit"],
        d,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &a, NOW + 3600, &good),
            ask("classic", &a, NOW + 3601, &good),
            table(&a),
        ],
    );
    add(
        "rate limit is shared by classic and OPRF requests",
        &["RateLimit", "Oprf"],
        d,
        vec![
            ask("classic", &a, NOW, &good),
            ask("oprf", &a, NOW + 60, &oreq(&[(5, k5, be)])),
        ],
    );
    add(
        "a refused request does not move the window",
        &["RateLimit"],
        d,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &a, NOW + 1800, &good),
            ask("classic", &a, NOW + 3600, &good),
            ask("classic", &a, NOW + 3601, &good),
        ],
    );
    add(
        "clock going backwards fails closed",
        &["RateLimit"],
        d,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &a, NOW - 1, &good),
            ask("classic", &a, 0, &good),
        ],
    );
    add(
        "a 3-hour window (the seed's second rule): 10 799 s refused, 10 800 s allowed",
        &["RateLimit"],
        SaltServerConfig {
            clients: ClientLimits {
                window_s: 10_800,
                ..d.clients
            },
            ..d
        },
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &a, NOW + 10_799, &good),
            ask("classic", &a, NOW + 10_800, &good),
        ],
    );
    add(
        "window end beyond 2^64 - 1: refused at u64::MAX, retryAt saturates",
        &["RateLimit"],
        d,
        vec![
            ask("classic", &a, u64::MAX - 10, &creq(&[(7, 0)])),
            ask("classic", &a, u64::MAX, &creq(&[(7, 0)])),
        ],
    );
    add(
        "another client is independent",
        &["ClientKey"],
        d,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &b, NOW + 1, &good),
        ],
    );
    add(
        "IPv6 clients share their /64",
        &["ClientKey"],
        d,
        vec![
            ask("classic", &v6a, NOW, &good),
            ask("classic", &v6a_other_host, NOW + 1, &good),
            table(&v6a_other_host),
        ],
    );
    add(
        "another /64 of the same /48 is another client",
        &["ClientKey"],
        d,
        vec![
            ask("classic", &v6a, NOW, &good),
            ask("classic", &v6a_other_64, NOW + 1, &good),
            table(&v6a),
        ],
    );
    add(
        "IPv4-mapped IPv6 is keyed as the IPv4 address",
        &["ClientKey"],
        d,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &mapped, NOW + 1, &good),
            table(&mapped),
        ],
    );
    add(
        "empty request is refused and still consumes the slot",
        &["Consume"],
        d,
        vec![
            ask("classic", &a, NOW, &creq(&[])),
            table(&a),
            ask("classic", &a, NOW + 1, &good),
        ],
    );
    add(
        "91 salts are refused and still consume the slot",
        &["Consume"],
        d,
        vec![
            ask("classic", &a, NOW, &creq(&[(5, k5); 91])),
            ask("classic", &a, NOW + 10, &good),
        ],
    );
    add(
        "90 salts are answered",
        &["Answer"],
        d,
        vec![ask("classic", &a, NOW, &creq(&[(5, k5); 90]))],
    );
    add(
        "400 OPRF evaluations are answered",
        &["Answer", "Oprf"],
        d,
        vec![ask("oprf", &a, NOW, &oreq(&vec![(5, k5, be); 400]))],
    );
    add(
        "401 OPRF evaluations are refused",
        &["Consume", "Oprf"],
        d,
        vec![
            ask("oprf", &a, NOW, &oreq(&vec![(5, k5, be); 401])),
            table(&a),
        ],
    );
    add(
        "max_salts = 1: one salt answered, two refused",
        &["Answer"],
        SaltServerConfig { max_salts: 1, ..d },
        vec![
            ask("classic", &a, NOW, &creq(&[(5, k5)])),
            ask("classic", &b, NOW, &creq(&[(5, k5); 2])),
        ],
    );
    add(
        "malformed request bytes are refused before the state machine: the slot is not consumed",
        &["Malformed"],
        d,
        vec![
            ask("classic", &a, NOW, &[0, 1, 5]),
            table(&a),
            ask("classic", &a, NOW + 1, &good),
        ],
    );
    add(
        "a rate-limited client's malformed request: decoding comes first",
        &["Order", "Malformed"],
        d,
        vec![
            ask("classic", &a, NOW, &good),
            ask("oprf", &a, NOW + 1, &[0, 1, 5]),
        ],
    );
    add(
        "a rate-limited client's empty request: the rate limit comes first and nothing moves",
        &["Order"],
        d,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &a, NOW + 5, &creq(&[])),
            ask("classic", &a, NOW + 6, &creq(&[(5, k5); 91])),
            table(&a),
        ],
    );
    let one_v4 = with_limits(|l| l.max_v4_clients = 1);
    add(
        "full IPv4 table: a new client is refused and not recorded",
        &["Capacity"],
        one_v4,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &b, NOW + 1, &good),
            table(&b),
        ],
    );
    add(
        "full IPv4 table: an IPv6 client is still answered",
        &["Capacity", "Flood"],
        one_v4,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &v6a, NOW + 1, &good),
            table(&v6a),
        ],
    );
    add(
        "full table: the entry expires exactly one window after it was made",
        &["Capacity"],
        one_v4,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &b, NOW + 3599, &good),
            ask("classic", &b, NOW + 3600, &creq(&[(5, (NOW + 3600) / 300)])),
            table(&a),
        ],
    );
    add(
        "full table: a known client past its window is readmitted without pruning",
        &["Capacity"],
        one_v4,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &a, NOW + 7200, &creq(&[(5, (NOW + 7200) / 300)])),
            table(&a),
        ],
    );
    add(
        "expired entries stay until a new client meets a bound",
        &["Capacity"],
        d,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &b, NOW + 7200, &creq(&[(5, (NOW + 7200) / 300)])),
            table(&a),
            ask(
                "classic",
                &v6a,
                NOW + 7201,
                &creq(&[(5, (NOW + 7200) / 300)]),
            ),
            table(&a),
        ],
    );
    add(
        "full table and an empty request: busy comes first, nothing is recorded",
        &["Order", "Capacity"],
        one_v4,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &b, NOW + 1, &creq(&[])),
            table(&b),
        ],
    );
    add(
        "full table and too many items: busy comes first",
        &["Order", "Capacity"],
        one_v4,
        vec![
            ask("classic", &a, NOW, &good),
            ask("classic", &b, NOW + 1, &creq(&[(5, k5); 91])),
        ],
    );
    let two_per_48 = with_limits(|l| {
        l.max_clients_per_v6_prefix = 2;
        l.max_v6_clients = 3;
    });
    add(
        "a /48 holds at most max_clients_per_v6_prefix /64s; other /48s and IPv4 still get through",
        &["Capacity", "Flood"],
        two_per_48,
        vec![
            ask("classic", &v6(1, 1, 1), NOW, &good),
            ask("classic", &v6(1, 2, 1), NOW, &good),
            ask("classic", &v6(1, 3, 1), NOW, &good),
            table(&v6(1, 3, 1)),
            ask("classic", &v6(2, 1, 1), NOW, &good),
            ask("classic", &c4, NOW, &good),
            table(&v6(1, 1, 1)),
        ],
    );
    add(
        "full IPv6 table and a full /48: the table comes first",
        &["Order", "Capacity"],
        two_per_48,
        vec![
            ask("classic", &v6(1, 1, 1), NOW, &good),
            ask("classic", &v6(1, 2, 1), NOW, &good),
            ask("classic", &v6(2, 1, 1), NOW, &good),
            ask("classic", &v6(1, 3, 1), NOW, &good),
            ask("classic", &v6(3, 1, 1), NOW, &good),
        ],
    );
    add(
        "a full /48 is pruned once its entries expire",
        &["Capacity"],
        two_per_48,
        vec![
            ask("classic", &v6(1, 1, 1), NOW, &good),
            ask("classic", &v6(1, 2, 1), NOW + 100, &good),
            ask(
                "classic",
                &v6(1, 3, 1),
                NOW + 3600,
                &creq(&[(5, (NOW + 3600) / 300)]),
            ),
            table(&v6(1, 3, 1)),
            ask(
                "classic",
                &v6(1, 4, 1),
                NOW + 3650,
                &creq(&[(5, (NOW + 3600) / 300)]),
            ),
        ],
    );
    add(
        "OPRF request of a full IPv6 table",
        &["Capacity", "Oprf"],
        two_per_48,
        vec![
            ask("oprf", &v6(1, 1, 1), NOW, &oreq(&[(5, k5, be)])),
            ask("oprf", &v6(1, 2, 1), NOW, &oreq(&[(5, k5, be)])),
            ask("oprf", &v6(1, 3, 1), NOW, &oreq(&[(5, k5, be)])),
        ],
    );
    let _ = v6b;
    // Configuration boundaries, both sides of every range of §8.2.
    let cfgs: Vec<(&str, SaltServerConfig)> = vec![
        ("window 3 599 s", with_limits(|l| l.window_s = 3599)),
        ("window 3 600 s", with_limits(|l| l.window_s = 3600)),
        ("window 10 800 s", with_limits(|l| l.window_s = 10_800)),
        ("window 10 801 s", with_limits(|l| l.window_s = 10_801)),
        (
            "0 salts per request",
            SaltServerConfig { max_salts: 0, ..d },
        ),
        ("1 salt per request", SaltServerConfig { max_salts: 1, ..d }),
        (
            "1 024 salts per request",
            SaltServerConfig {
                max_salts: 1024,
                ..d
            },
        ),
        (
            "1 025 salts per request",
            SaltServerConfig {
                max_salts: 1025,
                ..d
            },
        ),
        (
            "0 evaluations per request",
            SaltServerConfig {
                max_evaluations: 0,
                ..d
            },
        ),
        (
            "1 evaluation per request",
            SaltServerConfig {
                max_evaluations: 1,
                ..d
            },
        ),
        (
            "4 096 evaluations per request",
            SaltServerConfig {
                max_evaluations: 4096,
                ..d
            },
        ),
        (
            "4 097 evaluations per request",
            SaltServerConfig {
                max_evaluations: 4097,
                ..d
            },
        ),
        ("max_past_s 0", SaltServerConfig { max_past_s: 0, ..d }),
        (
            "max_past_s 86 400",
            SaltServerConfig {
                max_past_s: 86_400,
                ..d
            },
        ),
        (
            "max_past_s 86 401",
            SaltServerConfig {
                max_past_s: 86_401,
                ..d
            },
        ),
        ("skew 3 600 s", SaltServerConfig { skew_s: 3600, ..d }),
        ("skew 3 601 s", SaltServerConfig { skew_s: 3601, ..d }),
        ("0 IPv4 clients", with_limits(|l| l.max_v4_clients = 0)),
        (
            "2^24 IPv4 clients",
            with_limits(|l| l.max_v4_clients = 1 << 24),
        ),
        (
            "2^24 + 1 IPv4 clients",
            with_limits(|l| l.max_v4_clients = (1 << 24) + 1),
        ),
        ("0 IPv6 clients", with_limits(|l| l.max_v6_clients = 0)),
        ("1 IPv6 client", with_limits(|l| l.max_v6_clients = 1)),
        (
            "2^24 IPv6 clients",
            with_limits(|l| l.max_v6_clients = 1 << 24),
        ),
        (
            "2^24 + 1 IPv6 clients",
            with_limits(|l| l.max_v6_clients = (1 << 24) + 1),
        ),
        (
            "0 clients per /48",
            with_limits(|l| l.max_clients_per_v6_prefix = 0),
        ),
        (
            "1 client per /48",
            with_limits(|l| l.max_clients_per_v6_prefix = 1),
        ),
        (
            "65 536 clients per /48",
            with_limits(|l| l.max_clients_per_v6_prefix = 65_536),
        ),
        (
            "65 537 clients per /48",
            with_limits(|l| l.max_clients_per_v6_prefix = 65_537),
        ),
    ];
    for (name, cfg) in cfgs {
        add(&format!("configuration: {name}"), &["Config"], cfg, vec![]);
    }

    let mut f = FileBuilder::new(
        "geo",
        "geo-salt-server",
        "spec/geo.md#8-salt-server-state-machine",
        HEADER,
    );
    f.note(
        "Answer",
        "BASIC",
        "Accepted requests with per-item answers.",
    );
    f.note("Oprf", "BASIC", "OPRF-mode requests.");
    f.note(
        "RateLimit",
        "EDGE_CASE",
        "One request per client per window; boundaries and clock going backwards.",
    );
    f.note(
        "ClientKey",
        "EDGE_CASE",
        "IPv4 /32 and IPv6 /64 keying, IPv4-mapped addresses.",
    );
    f.note(
        "Consume",
        "BASIC",
        "Whole-request refusals after the slot is consumed (spec §8.3 checks 5, 6).",
    );
    f.note(
        "Capacity",
        "EDGE_CASE",
        "The bounded admission table: per family and per IPv6 /48, pruning of expired entries.",
    );
    f.note(
        "Flood",
        "BASIC",
        "One bound is reached; clients under another bound still get through.",
    );
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "Request bytes that do not decode.",
    );
    f.note(
        "Order",
        "BASIC",
        "Two checks fail at once; the earlier one in spec order decides.",
    );
    f.note(
        "Config",
        "MODIFIED_PARAMETER",
        "Configuration on either side of an allowed range (spec §8.2).",
    );
    f.group("geo-salt-server", json!({}));
    for s in &sc {
        let mut fields =
            json!({"config": config_json(&s.config), "saltKey": hex(key), "oprfSeed": hex(seed)});
        match SaltServer::new(
            s.config,
            SaltKey::from_bytes(key),
            OprfSeed::from_bytes(seed),
        ) {
            Ok(mut server) => {
                fields["steps"] = record_steps(s.steps.clone(), |st| salt_exec(&mut server, st));
                f.valid(&s.comment, &s.flags, fields);
            }
            Err(e) => {
                assert!(s.steps.is_empty());
                fields["steps"] = json!([]);
                f.invalid(&s.comment, &s.flags, code(e), fields);
            }
        }
    }
    (f.finish(), sc)
}

pub(super) fn check_salt_server(_: &Group, t: &Test) -> Result<Verdict, String> {
    let mut server = match SaltServer::new(
        config_from(t)?,
        SaltKey::from_bytes(hex_array(t, "saltKey")?),
        OprfSeed::from_bytes(hex_array(t, "oprfSeed")?),
    ) {
        Ok(s) => s,
        Err(e) => return Ok(Verdict::Invalid(e.code())),
    };
    check_steps(t, |st| salt_exec(&mut server, st))?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// Fuzz corpus seeds

pub(super) fn corpus() -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    // Salt-server op sequences in the fuzz body's own encoding (src/fuzzing/geo.rs): per op
    // 1 byte client, 2 bytes time delta, 1 byte kind, 1 byte item count.
    let (_, scenarios) = salt_server_file();
    for (i, s) in scenarios
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.steps.is_empty())
    {
        let mut bytes = Vec::new();
        let mut prev = NOW;
        for st in &s.steps {
            let client =
                ::hex::decode(st["client"].as_str().unwrap_or_default()).unwrap_or_default();
            let now = st["now"]
                .as_str()
                .and_then(|n| n.parse().ok())
                .unwrap_or(prev);
            let request =
                ::hex::decode(st["request"].as_str().unwrap_or_default()).unwrap_or_default();
            bytes.push(client.last().copied().unwrap_or(0));
            bytes.extend_from_slice(&(now.saturating_sub(prev).min(65_535) as u16).to_be_bytes());
            bytes.push(u8::from(st["op"] == "oprf"));
            bytes.push(request.get(1).copied().unwrap_or(0));
            prev = now.max(prev);
        }
        out.push((
            "geo_salt_server_ops".to_string(),
            format!("v-salt_server-{:03}", i + 1),
            bytes,
        ));
    }
    out
}
