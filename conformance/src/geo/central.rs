//! `geo-central` (`spec/geo.md §9`).

use contact_tracing::error::ErrorCode;
use contact_tracing::geo::{
    BlockSize, CentralConfig, CentralServer, CentralStorage, ClientLimits, MemoryStorage,
    QueryAnswer, Refused, RiskHash, UploadRecord, UserId,
};
use serde_json::{json, Map, Value};

use super::salt_server::{client_key, limits_from, limits_json, refusal, v6};
use super::{check_steps, code, record_steps, u8_field, usize_field, HEADER};
use crate::vector::{
    field, hex, hex_array, hex_field, u64_str_field, FileBuilder, Group, Test, Verdict,
};

pub(super) fn files() -> Vec<(String, Value)> {
    vec![("geo/central_test.json".into(), central_file().0)]
}

// ---------------------------------------------------------------------------------------------
// geo-central

fn central_config_json(c: &CentralConfig) -> Value {
    let mut j = Map::new();
    j.insert("hops".into(), json!(c.hops));
    j.insert("incubationS".into(), json!(c.incubation_s.to_string()));
    limits_json(&c.clients, &mut j);
    j.insert(
        "maxRecordsPerUpload".into(),
        json!(c.max_records_per_upload),
    );
    j.insert("maxRecordsPerUser".into(), json!(c.max_records_per_user));
    j.insert("maxRecords".into(), json!(c.max_records));
    j.insert("maxMarks".into(), json!(c.max_marks));
    Value::Object(j)
}

fn central_config_from(t: &Map<String, Value>) -> Result<CentralConfig, String> {
    let c = field(t, "config")?
        .as_object()
        .ok_or("`config` is not an object")?;
    Ok(CentralConfig {
        hops: u8_field(c, "hops")?,
        incubation_s: u64_str_field(c, "incubationS")?,
        clients: limits_from(c)?,
        max_records_per_upload: usize_field(c, "maxRecordsPerUpload")?,
        max_records_per_user: usize_field(c, "maxRecordsPerUser")?,
        max_records: usize_field(c, "maxRecords")?,
        max_marks: usize_field(c, "maxMarks")?,
    })
}

fn answer_json(a: &QueryAnswer) -> Value {
    Value::Array(
        a.at_risk
            .iter()
            .map(|r| json!({"hash": hex(r.hash.as_bytes()), "size": r.size.minutes(), "level": r.level}))
            .collect(),
    )
}

/// One central-server step: the outputs it yields from its inputs.
fn central_exec(
    c: &mut CentralServer,
    s: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let mut got = Map::new();
    match field(s, "op")?.as_str() {
        Some("upload") => {
            let client = client_key(&hex_field(s, "client")?)?;
            let now = u64_str_field(s, "now")?;
            let mut recs = Vec::new();
            let mut decode_error = None;
            for r in field(s, "records")?
                .as_array()
                .ok_or("`records` is not a list")?
            {
                let b = ::hex::decode(r.as_str().ok_or("record is not a string")?)
                    .map_err(|e| e.to_string())?;
                match UploadRecord::from_bytes(&b) {
                    Ok(rec) => recs.push(rec),
                    Err(e) => {
                        decode_error = Some(e);
                        break;
                    }
                }
            }
            let res = match decode_error {
                Some(e) => Err(Refused::from(e)),
                None => c.upload(client, now, &recs),
            };
            match res {
                Ok(n) => {
                    got.insert("expect".into(), json!("stored"));
                    got.insert("added".into(), json!(n));
                }
                Err(r) => refusal(&mut got, r),
            }
        }
        Some("positive") => {
            match c.report_positive(&UserId(hex_array(s, "user")?), u64_str_field(s, "now")?) {
                Ok(n) => {
                    got.insert("expect".into(), json!("marked"));
                    got.insert("marked".into(), json!(n));
                }
                Err(e) => refusal(&mut got, Refused::from(e)),
            }
        }
        Some("query") => {
            let a = c.query(&UserId(hex_array(s, "user")?));
            got.insert("atRisk".into(), answer_json(&a));
            got.insert("exposure".into(), json!(a.exposure().unwrap_or(0)));
        }
        Some("expire") => c.expire(u64_str_field(s, "now")?),
        Some("counts") => {
            got.insert("recordCount".into(), json!(c.storage().record_count()));
            got.insert("markCount".into(), json!(c.storage().mark_count()));
            got.insert("clientCount".into(), json!(c.clients()));
        }
        _ => return Err("unknown op".into()),
    }
    Ok(got)
}

fn user(i: u8) -> UserId {
    UserId([i; 16])
}

fn hash(i: u8) -> RiskHash {
    let mut x = [0u8; 32];
    x[0] = i;
    x[31] = 0x77;
    RiskHash(x)
}

fn rec(h: u8, u: u8, s: BlockSize) -> String {
    hex(UploadRecord {
        hash: hash(h),
        user: user(u),
        size: s,
    }
    .to_bytes())
}

fn ip(i: u8) -> Vec<u8> {
    vec![10, 0, 0, i]
}

fn up(client: &[u8], now: u64, records: Vec<String>) -> Value {
    json!({"op": "upload", "client": hex(client), "now": now.to_string(), "records": records})
}

fn positive(u: u8, now: u64) -> Value {
    json!({"op": "positive", "user": hex(user(u).0), "now": now.to_string()})
}

fn query(u: u8) -> Value {
    json!({"op": "query", "user": hex(user(u).0)})
}

fn expire(now: u64) -> Value {
    json!({"op": "expire", "now": now.to_string()})
}

fn counts() -> Value {
    json!({"op": "counts"})
}

pub(super) struct CentralScenario {
    comment: String,
    flags: Vec<&'static str>,
    config: CentralConfig,
    pub steps: Vec<Value>,
}

pub(super) fn central_file() -> (Value, Vec<CentralScenario>) {
    use BlockSize::{M10, M20, M5, M80};
    let d = CentralConfig {
        incubation_s: 1000,
        ..CentralConfig::default()
    };
    let mut sc = Vec::new();
    let mut add =
        |comment: &str, flags: &[&'static str], config: CentralConfig, steps: Vec<Value>| {
            sc.push(CentralScenario {
                comment: comment.into(),
                flags: flags.to_vec(),
                config,
                steps,
            })
        };
    // 1 shares hash 1 with 2; 2 shares 2 with 3; 3 shares 3 with 4; 5 is alone.
    let chain = vec![
        rec(1, 1, M5),
        rec(1, 2, M5),
        rec(2, 2, M10),
        rec(2, 3, M10),
        rec(3, 3, M80),
        rec(3, 4, M80),
        rec(9, 5, M20),
    ];
    for hops in [1u8, 2, 3] {
        let mut steps = vec![up(&ip(1), 100, chain.clone()), positive(1, 200)];
        steps.extend((1..=5).map(query));
        add(
            &format!("chain of four users, {hops} hop(s)"),
            &["Hops"],
            CentralConfig { hops, ..d },
            steps,
        );
    }
    let long: Vec<String> = (1..=9u8)
        .flat_map(|u| [rec(u, u, M5), rec(u + 1, u, M5)])
        .collect();
    let mut steps = vec![up(&ip(1), 100, long), positive(1, 200)];
    steps.extend((1..=10).map(query));
    add(
        "chain of ten users, 8 hops: the ninth user is the last marked",
        &["Hops"],
        CentralConfig { hops: 8, ..d },
        steps,
    );
    let tri = vec![
        rec(1, 1, M5),
        rec(1, 2, M5),
        rec(2, 2, M5),
        rec(2, 3, M5),
        rec(3, 3, M5),
        rec(3, 1, M5),
    ];
    add(
        "a cycle of three users, 3 hops: a visited user is not revisited",
        &["Hops"],
        CentralConfig { hops: 3, ..d },
        vec![
            up(&ip(1), 100, tri),
            positive(1, 200),
            query(1),
            query(2),
            query(3),
        ],
    );
    add(
        "positive report of an unknown user marks nothing",
        &["Hops"],
        d,
        vec![
            up(&ip(1), 100, vec![rec(1, 1, M5)]),
            positive(7, 200),
            query(1),
            counts(),
        ],
    );
    add(
        "a hash keeps the smallest level it was marked with",
        &["Levels"],
        CentralConfig { hops: 2, ..d },
        vec![
            up(
                &ip(1),
                100,
                vec![rec(1, 1, M5), rec(1, 2, M5), rec(2, 2, M10), rec(2, 3, M10)],
            ),
            positive(1, 200),
            query(3),
            positive(3, 300),
            query(3),
            query(1),
        ],
    );
    add(
        "a later report refreshes a mark's time without raising its level",
        &["Levels", "Expiry"],
        CentralConfig { hops: 2, ..d },
        vec![
            up(
                &ip(1),
                100,
                vec![rec(1, 1, M5), rec(5, 1, M5), rec(5, 3, M5)],
            ),
            positive(1, 200),
            positive(3, 700),
            up(&ip(2), 1150, vec![rec(1, 4, M5)]),
            query(4),
            expire(1200),
            query(4),
            expire(1699),
            query(4),
            expire(1700),
            query(4),
            counts(),
        ],
    );
    add(
        "late upload matches; deletion at received_at + incubation, marks expire too",
        &["LateUpload", "Expiry"],
        d,
        vec![
            up(&ip(1), 100, vec![rec(1, 1, M5), rec(1, 2, M5)]),
            positive(1, 200),
            up(&ip(2), 300, vec![rec(1, 3, M5)]),
            query(3),
            expire(1099),
            query(2),
            counts(),
            expire(1100),
            query(2),
            query(3),
            counts(),
            expire(1199),
            query(3),
            expire(1200),
            query(3),
            counts(),
        ],
    );
    add(
        "expire before one incubation period has passed deletes nothing",
        &["Expiry"],
        d,
        vec![
            up(&ip(1), 0, vec![rec(1, 1, M5)]),
            positive(1, 0),
            expire(999),
            counts(),
        ],
    );
    add(
        "a re-upload refreshes received_at and keeps the record alive",
        &["Expiry"],
        d,
        vec![
            up(&ip(1), 100, vec![rec(1, 1, M5)]),
            up(&ip(2), 900, vec![rec(1, 1, M10)]),
            expire(1100),
            counts(),
            query(1),
            expire(1900),
            counts(),
        ],
    );
    add(
        "query answers are ascending by hash with their sizes and levels",
        &["Query"],
        CentralConfig { hops: 2, ..d },
        vec![
            up(
                &ip(1),
                100,
                vec![
                    rec(5, 1, M5),
                    rec(3, 1, M80),
                    rec(3, 2, M80),
                    rec(9, 2, M20),
                    rec(4, 2, M10),
                ],
            ),
            positive(1, 200),
            query(2),
            query(1),
        ],
    );
    // Bounded state (§9.3).
    let small = CentralConfig {
        max_records_per_upload: 3,
        max_records_per_user: 3,
        max_records: 5,
        max_marks: 3,
        ..d
    };
    add(
        "an upload is rate limited per client: 1 799 s refused, 1 800 s allowed",
        &["RateLimit"],
        d,
        vec![
            up(&ip(1), 100, vec![rec(1, 1, M5)]),
            up(&ip(1), 1899, vec![rec(2, 1, M5)]),
            up(&ip(1), 1900, vec![rec(2, 1, M5)]),
            counts(),
        ],
    );
    add(
        "an empty upload is refused and consumes the slot",
        &["Consume"],
        d,
        vec![
            up(&ip(1), 100, vec![]),
            up(&ip(1), 101, vec![rec(1, 1, M5)]),
            counts(),
        ],
    );
    add(
        "records per upload: 3 stored, 4 refused",
        &["Quota"],
        small,
        vec![
            up(
                &ip(1),
                100,
                vec![rec(1, 1, M5), rec(2, 1, M5), rec(3, 1, M5)],
            ),
            up(
                &ip(2),
                100,
                vec![rec(1, 2, M5), rec(2, 2, M5), rec(3, 2, M5), rec(4, 2, M5)],
            ),
            counts(),
        ],
    );
    add(
        "records per user: up to the quota stored, one more refused, a refresh still allowed",
        &["Quota"],
        small,
        vec![
            up(&ip(1), 100, vec![rec(1, 1, M5), rec(2, 1, M5)]),
            up(&ip(2), 100, vec![rec(3, 1, M5)]),
            up(&ip(3), 100, vec![rec(4, 1, M5)]),
            up(&ip(4), 100, vec![rec(1, 1, M5), rec(2, 1, M10)]),
            counts(),
        ],
    );
    add(
        "duplicates within one upload count once",
        &["Quota"],
        small,
        vec![
            up(
                &ip(1),
                100,
                vec![rec(1, 1, M5), rec(1, 1, M5), rec(1, 1, M10)],
            ),
            query(1),
            counts(),
        ],
    );
    add(
        "total records: exactly max_records stored, one more refused; expiry frees room",
        &["Quota", "Expiry"],
        small,
        vec![
            up(
                &ip(1),
                100,
                vec![rec(1, 1, M5), rec(2, 1, M5), rec(3, 1, M5)],
            ),
            up(&ip(2), 200, vec![rec(1, 2, M5), rec(2, 2, M5)]),
            up(&ip(3), 300, vec![rec(1, 3, M5)]),
            expire(1100),
            up(&ip(3), 2300, vec![rec(1, 3, M5)]),
            counts(),
        ],
    );
    add(
        "expiry frees a user's quota",
        &["Quota", "Expiry"],
        small,
        vec![
            up(
                &ip(1),
                100,
                vec![rec(1, 1, M5), rec(2, 1, M5), rec(3, 1, M5)],
            ),
            up(&ip(2), 200, vec![rec(4, 1, M5)]),
            expire(1100),
            up(
                &ip(2),
                2300,
                vec![rec(4, 1, M5), rec(5, 1, M5), rec(6, 1, M5)],
            ),
            up(&ip(3), 2300, vec![rec(7, 1, M5)]),
            counts(),
        ],
    );
    add(
        "user quota and store full at once: the user quota first",
        &["Order", "Quota"],
        small,
        vec![
            up(
                &ip(1),
                100,
                vec![rec(1, 1, M5), rec(2, 1, M5), rec(3, 1, M5)],
            ),
            up(&ip(2), 100, vec![rec(1, 2, M5), rec(2, 2, M5)]),
            up(&ip(3), 100, vec![rec(4, 1, M5)]),
        ],
    );
    add(
        "too many records and over the user quota: the per-upload bound first",
        &["Order", "Quota"],
        small,
        vec![
            up(
                &ip(1),
                100,
                vec![rec(1, 1, M5), rec(2, 1, M5), rec(3, 1, M5)],
            ),
            up(
                &ip(2),
                100,
                vec![rec(4, 1, M5), rec(5, 1, M5), rec(6, 1, M5), rec(7, 1, M5)],
            ),
            counts(),
        ],
    );
    add(
        "rate limited and empty: the rate limit first",
        &["Order", "RateLimit"],
        d,
        vec![
            up(&ip(1), 100, vec![rec(1, 1, M5)]),
            up(&ip(1), 200, vec![]),
            counts(),
        ],
    );
    add(
        "a record that does not decode refuses the upload before admission",
        &["Malformed", "Order"],
        d,
        vec![
            json!({"op": "upload", "client": hex(ip(1)), "now": "100", "records": [rec(1, 1, M5), "00"]}),
            up(&ip(1), 101, vec![rec(1, 1, M5)]),
            counts(),
        ],
    );
    let tight = CentralConfig {
        clients: ClientLimits {
            max_v4_clients: 1,
            max_v6_clients: 2,
            max_clients_per_v6_prefix: 1,
            ..d.clients
        },
        ..d
    };
    add(
        "the upload admission table is bounded per family and per /48; other families still get through",
        &["Capacity", "Flood"],
        tight,
        vec![
            up(&ip(1), 100, vec![rec(1, 1, M5)]),
            up(&ip(2), 100, vec![rec(1, 2, M5)]),
            up(&v6(1, 1, 1), 100, vec![rec(1, 3, M5)]),
            up(&v6(1, 2, 1), 100, vec![rec(1, 4, M5)]),
            up(&v6(2, 1, 1), 100, vec![rec(1, 5, M5)]),
            up(&v6(3, 1, 1), 100, vec![rec(1, 6, M5)]),
            up(&ip(2), 1900, vec![rec(1, 2, M5)]),
            counts(),
        ],
    );
    add(
        "marks: a report that would exceed max_marks is refused and marks nothing; a refresh at the bound is allowed",
        &["Quota"],
        small,
        vec![
            up(&ip(1), 100, vec![rec(1, 1, M5), rec(2, 1, M5)]),
            up(&ip(2), 100, vec![rec(2, 2, M5), rec(3, 2, M5), rec(4, 2, M5)]),
            positive(2, 200),
            counts(),
            positive(1, 250),
            query(1),
            counts(),
            positive(2, 300),
            query(2),
        ],
    );
    add(
        "marks: exactly max_marks new marks are allowed",
        &["Quota"],
        small,
        vec![
            up(
                &ip(1),
                100,
                vec![rec(1, 1, M5), rec(2, 1, M5), rec(3, 1, M5)],
            ),
            positive(1, 200),
            counts(),
        ],
    );
    let cfgs: Vec<(&str, CentralConfig)> = vec![
        ("hops 0", CentralConfig { hops: 0, ..d }),
        ("hops 1", CentralConfig { hops: 1, ..d }),
        ("hops 8", CentralConfig { hops: 8, ..d }),
        ("hops 9", CentralConfig { hops: 9, ..d }),
        (
            "incubation 0 s",
            CentralConfig {
                incubation_s: 0,
                ..d
            },
        ),
        (
            "incubation 1 s",
            CentralConfig {
                incubation_s: 1,
                ..d
            },
        ),
        (
            "incubation 60 days",
            CentralConfig {
                incubation_s: 60 * 86_400,
                ..d
            },
        ),
        (
            "incubation 60 days + 1 s",
            CentralConfig {
                incubation_s: 60 * 86_400 + 1,
                ..d
            },
        ),
        (
            "window 59 s",
            CentralConfig {
                clients: ClientLimits {
                    window_s: 59,
                    ..d.clients
                },
                ..d
            },
        ),
        (
            "window 60 s",
            CentralConfig {
                clients: ClientLimits {
                    window_s: 60,
                    ..d.clients
                },
                ..d
            },
        ),
        (
            "window 86 400 s",
            CentralConfig {
                clients: ClientLimits {
                    window_s: 86_400,
                    ..d.clients
                },
                ..d
            },
        ),
        (
            "window 86 401 s",
            CentralConfig {
                clients: ClientLimits {
                    window_s: 86_401,
                    ..d.clients
                },
                ..d
            },
        ),
        (
            "0 IPv4 clients",
            CentralConfig {
                clients: ClientLimits {
                    max_v4_clients: 0,
                    ..d.clients
                },
                ..d
            },
        ),
        (
            "0 clients per /48",
            CentralConfig {
                clients: ClientLimits {
                    max_clients_per_v6_prefix: 0,
                    ..d.clients
                },
                ..d
            },
        ),
        (
            "0 records per upload",
            CentralConfig {
                max_records_per_upload: 0,
                ..d
            },
        ),
        (
            "1 record per upload",
            CentralConfig {
                max_records_per_upload: 1,
                ..d
            },
        ),
        (
            "2^20 records per upload",
            CentralConfig {
                max_records_per_upload: 1 << 20,
                ..d
            },
        ),
        (
            "2^20 + 1 records per upload",
            CentralConfig {
                max_records_per_upload: (1 << 20) + 1,
                ..d
            },
        ),
        (
            "0 records per user",
            CentralConfig {
                max_records_per_user: 0,
                ..d
            },
        ),
        (
            "1 record per user",
            CentralConfig {
                max_records_per_user: 1,
                ..d
            },
        ),
        (
            "2^24 records per user",
            CentralConfig {
                max_records_per_user: 1 << 24,
                ..d
            },
        ),
        (
            "2^24 + 1 records per user",
            CentralConfig {
                max_records_per_user: (1 << 24) + 1,
                ..d
            },
        ),
        (
            "0 records",
            CentralConfig {
                max_records: 0,
                ..d
            },
        ),
        (
            "1 record",
            CentralConfig {
                max_records: 1,
                ..d
            },
        ),
        (
            "2^31 records",
            CentralConfig {
                max_records: 1 << 31,
                ..d
            },
        ),
        (
            "2^31 + 1 records",
            CentralConfig {
                max_records: (1 << 31) + 1,
                ..d
            },
        ),
        ("0 marks", CentralConfig { max_marks: 0, ..d }),
        ("1 mark", CentralConfig { max_marks: 1, ..d }),
        (
            "2^31 marks",
            CentralConfig {
                max_marks: 1 << 31,
                ..d
            },
        ),
        (
            "2^31 + 1 marks",
            CentralConfig {
                max_marks: (1 << 31) + 1,
                ..d
            },
        ),
    ];
    for (name, cfg) in cfgs {
        add(&format!("configuration: {name}"), &["Config"], cfg, vec![]);
    }

    let mut f = FileBuilder::new("geo", "geo-central", "spec/geo.md#9-central-server", HEADER);
    f.note(
        "Hops",
        "BASIC",
        "Users sharing hashes, marked breadth-first over the configured number of hops.",
    );
    f.note("Levels", "EDGE_CASE", "A hash marked by several reports keeps its smallest level; the newest report sets its time.");
    f.note(
        "Expiry",
        "EDGE_CASE",
        "Deletion exactly at the incubation period, on both sides.",
    );
    f.note(
        "LateUpload",
        "EDGE_CASE",
        "A record uploaded after the positive report still matches.",
    );
    f.note("Query", "BASIC", "The order and content of a query answer.");
    f.note(
        "RateLimit",
        "EDGE_CASE",
        "One upload per client per window.",
    );
    f.note(
        "Consume",
        "BASIC",
        "A refused upload after admission still consumes the slot.",
    );
    f.note(
        "Quota",
        "EDGE_CASE",
        "The record and mark bounds of spec §9.3 on both sides.",
    );
    f.note(
        "Capacity",
        "EDGE_CASE",
        "The bounded upload admission table.",
    );
    f.note(
        "Flood",
        "BASIC",
        "One bound is reached; clients under another bound still get through.",
    );
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "A record that does not decode.",
    );
    f.note(
        "Order",
        "BASIC",
        "Two checks fail at once; the earlier one in spec order decides.",
    );
    f.note(
        "Config",
        "MODIFIED_PARAMETER",
        "Configuration on either side of an allowed range (spec §9.1).",
    );
    f.group("geo-central", json!({}));
    for s in &sc {
        let mut fields = json!({"config": central_config_json(&s.config)});
        match CentralServer::new(s.config, MemoryStorage::new()) {
            Ok(mut server) => {
                fields["steps"] = record_steps(s.steps.clone(), |st| central_exec(&mut server, st));
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

pub(super) fn check_central(_: &Group, t: &Test) -> Result<Verdict, String> {
    let mut c = match CentralServer::new(central_config_from(t)?, MemoryStorage::new()) {
        Ok(c) => c,
        Err(e) => return Ok(Verdict::Invalid(e.code())),
    };
    check_steps(t, |st| central_exec(&mut c, st))?;
    Ok(Verdict::Valid)
}

/// Central op sequences in the fuzz body's own encoding (src/fuzzing/geo.rs): the hops byte,
/// then per op kind, a, b, time delta.
pub(super) fn corpus() -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    let (_, scenarios) = central_file();
    for (i, s) in scenarios
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.steps.is_empty())
    {
        let mut bytes = vec![s.config.hops.saturating_sub(1)];
        for (j, st) in s.steps.iter().enumerate() {
            let kind = match st["op"].as_str() {
                Some("upload") => 0u8,
                Some("positive") => 1,
                Some("query") => 2,
                _ => 3,
            };
            let n = st["records"].as_array().map_or(1, Vec::len) as u8;
            bytes.extend_from_slice(&[kind, j as u8, n, 9]);
        }
        out.push((
            "geo_central_ops".to_string(),
            format!("v-central-{:03}", i + 1),
            bytes,
        ));
    }
    out
}
