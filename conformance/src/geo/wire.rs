//! `geo-wire` (`spec/geo.md §2.6`, `§7.3`, `§10`) and the decoders' fuzz corpus.

use contact_tracing::error::ErrorCode;
use contact_tracing::geo::{
    BlockSize, CellId, GeoError, Layer, Location, OprfItem, OprfRequest, RiskHash, SaltItem,
    SaltRequest, SaltResponse, UploadRecord, UserId,
};
use serde_json::{json, Value};

use super::{code, HEADER};
use crate::vector::{field, hex, hex_field, FileBuilder, Group, Test, Verdict};

pub(super) fn files() -> Vec<(String, Value)> {
    vec![("geo/wire_test.json".into(), wire_file().0)]
}

// ---------------------------------------------------------------------------------------------
// geo-wire: strict decoders and canonical re-encoding

pub(super) struct WireCase {
    pub kind: &'static str,
    comment: String,
    flags: Vec<&'static str>,
    pub bytes: Vec<u8>,
    error: Option<GeoError>,
}

fn decode_kind(kind: &str, bytes: &[u8]) -> Result<Result<Vec<u8>, GeoError>, String> {
    Ok(match kind {
        "cellId" => CellId::from_bytes(bytes).map(|c| c.to_bytes().to_vec()),
        "uploadRecord" => UploadRecord::from_bytes(bytes).map(|r| r.to_bytes().to_vec()),
        "saltRequest" => SaltRequest::from_bytes(bytes).and_then(|r| r.to_bytes()),
        "oprfRequest" => OprfRequest::from_bytes(bytes).and_then(|r| r.to_bytes()),
        "response" => SaltResponse::from_bytes(bytes).and_then(|r| r.to_bytes()),
        other => return Err(format!("unknown kind `{other}`")),
    })
}

fn cell_bytes(layer: u8, zone: u8, r: i32, c: i32) -> Vec<u8> {
    let mut b = vec![layer, zone];
    b.extend_from_slice(&r.to_be_bytes());
    b.extend_from_slice(&c.to_be_bytes());
    b
}

/// The largest `|r|` (or, with `col`, the largest `|c|` at row `row`) on the `sign` side whose
/// centre passes the range check of §2.6, by binary search. Rows are probed at the column that
/// keeps the centre near the central meridian, so only the row bound can fail.
fn last_in_range(layer: Layer, col: bool, row: i32, sign: i32) -> i32 {
    let ok = |i: i32| {
        let v = sign * i;
        let bytes = if col {
            cell_bytes(layer.to_byte(), 30, row, v)
        } else {
            cell_bytes(layer.to_byte(), 30, v, -v.div_euclid(2))
        };
        CellId::from_bytes(&bytes).is_ok()
    };
    let (mut lo, mut hi) = (0i32, i32::MAX / 2);
    while lo < hi {
        let mid = lo + (hi - lo + 1) / 2;
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    sign * lo
}

pub(super) fn wire_file() -> (Value, Vec<WireCase>) {
    let mut cases = Vec::new();
    let mut push = |kind, comment: String, flags: &[&'static str], bytes: Vec<u8>, error| {
        cases.push(WireCase {
            kind,
            comment,
            flags: flags.to_vec(),
            bytes,
            error,
        })
    };
    let cell = Location::new(48_857_673, 2_294_044)
        .expect("valid")
        .cell(Layer::B)
        .to_bytes();
    push(
        "cellId",
        "layer-B cell id".into(),
        &["Valid"],
        cell.to_vec(),
        None,
    );
    let d = Location::new(-33_856_784, 151_215_297)
        .expect("valid")
        .cell(Layer::D)
        .to_bytes();
    push(
        "cellId",
        "layer-D cell id".into(),
        &["Valid"],
        d.to_vec(),
        None,
    );
    push(
        "cellId",
        "9 bytes".into(),
        &["Length"],
        cell[..9].to_vec(),
        Some(GeoError::Truncated),
    );
    push(
        "cellId",
        "empty".into(),
        &["Length"],
        vec![],
        Some(GeoError::Truncated),
    );
    let mut long = cell.to_vec();
    long.push(0);
    push(
        "cellId",
        "11 bytes".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );
    for (b, e) in [
        (4u8, GeoError::InvalidLayer),
        (0xff, GeoError::InvalidLayer),
    ] {
        let mut x = cell;
        x[0] = b;
        push(
            "cellId",
            format!("layer byte {b}"),
            &["BadField"],
            x.to_vec(),
            Some(e),
        );
    }
    for z in [59u8, 60, 255] {
        let mut x = cell;
        x[1] = z;
        let e = (z > 59).then_some(GeoError::InvalidZone);
        let flag: &[&str] = if e.is_some() {
            &["BadField"]
        } else {
            &["Valid"]
        };
        push("cellId", format!("zone {z}"), flag, x.to_vec(), e);
    }
    // Both sides of the §2.6 range bounds, for every layer: rows at column 0, and columns at an
    // even and an odd row (the odd row's half-column shift), on both signs.
    for layer in [Layer::A, Layer::B, Layer::C, Layer::D] {
        let lb = layer.to_byte();
        for sign in [1, -1] {
            let r = last_in_range(layer, false, 0, sign);
            let c_of = |r: i32| -r.div_euclid(2);
            push(
                "cellId",
                format!(
                    "layer {layer:?}: last row in range on the {} side (r = {r})",
                    if sign > 0 { "north" } else { "south" }
                ),
                &["Range"],
                cell_bytes(lb, 30, r, c_of(r)),
                None,
            );
            push(
                "cellId",
                format!("layer {layer:?}: first row out of range (r = {})", r + sign),
                &["Range"],
                cell_bytes(lb, 30, r + sign, c_of(r + sign)),
                Some(GeoError::CellOutOfRange),
            );
            for row in [0i32, 1] {
                let c = last_in_range(layer, true, row, sign);
                push(
                    "cellId",
                    format!(
                        "layer {layer:?}, row {row}: last column in range on the {} side (c = {c})",
                        if sign > 0 { "east" } else { "west" }
                    ),
                    &["Range"],
                    cell_bytes(lb, 30, row, c),
                    None,
                );
                push(
                    "cellId",
                    format!(
                        "layer {layer:?}, row {row}: first column out of range (c = {})",
                        c + sign
                    ),
                    &["Range"],
                    cell_bytes(lb, 30, row, c + sign),
                    Some(GeoError::CellOutOfRange),
                );
            }
        }
    }
    push(
        "cellId",
        "row i32::MAX".into(),
        &["Range"],
        cell_bytes(0, 0, i32::MAX, 0),
        Some(GeoError::CellOutOfRange),
    );
    push(
        "cellId",
        "column i32::MIN".into(),
        &["Range"],
        cell_bytes(2, 0, 0, i32::MIN),
        Some(GeoError::CellOutOfRange),
    );
    // Two checks broken at once: the earlier one decides (§2.6 order).
    let mut x = cell[..9].to_vec();
    x[0] = 4;
    push(
        "cellId",
        "9 bytes and layer 4: length first".into(),
        &["Order"],
        x,
        Some(GeoError::Truncated),
    );
    let mut x = cell.to_vec();
    x[0] = 4;
    x.push(0);
    push(
        "cellId",
        "11 bytes and layer 4: length first".into(),
        &["Order"],
        x,
        Some(GeoError::TrailingBytes),
    );
    push(
        "cellId",
        "layer 4 and zone 60: layer first".into(),
        &["Order"],
        cell_bytes(4, 60, 0, 0),
        Some(GeoError::InvalidLayer),
    );
    push(
        "cellId",
        "zone 60 and row out of range: zone first".into(),
        &["Order"],
        cell_bytes(0, 60, i32::MAX, 0),
        Some(GeoError::InvalidZone),
    );
    push(
        "cellId",
        "layer 4 and row out of range: layer first".into(),
        &["Order"],
        cell_bytes(4, 0, i32::MAX, 0),
        Some(GeoError::InvalidLayer),
    );

    let rec = UploadRecord {
        hash: RiskHash([0xab; 32]),
        user: UserId([0x11; 16]),
        size: BlockSize::M40,
    }
    .to_bytes();
    push(
        "uploadRecord",
        "upload record".into(),
        &["Valid"],
        rec.to_vec(),
        None,
    );
    push(
        "uploadRecord",
        "48 bytes".into(),
        &["Length"],
        rec[..48].to_vec(),
        Some(GeoError::Truncated),
    );
    let mut long = rec.to_vec();
    long.push(5);
    push(
        "uploadRecord",
        "50 bytes".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );
    for s in [0u8, 4, 6, 15, 60, 81, 255] {
        let mut x = rec;
        x[48] = s;
        push(
            "uploadRecord",
            format!("block size {s}"),
            &["BadField"],
            x.to_vec(),
            Some(GeoError::InvalidBlockSize),
        );
    }
    for s in [5u8, 10, 20, 80] {
        let mut x = rec;
        x[48] = s;
        push(
            "uploadRecord",
            format!("block size {s}"),
            &["Valid"],
            x.to_vec(),
            None,
        );
    }
    let mut x = rec.to_vec();
    x[48] = 6;
    x.push(0);
    push(
        "uploadRecord",
        "50 bytes and block size 6: length first".into(),
        &["Order"],
        x,
        Some(GeoError::TrailingBytes),
    );

    let req = SaltRequest {
        items: vec![
            SaltItem {
                size: 5,
                index: 5_666_666,
            },
            SaltItem {
                size: 80,
                index: 354_166,
            },
        ],
    };
    let rb = req.to_bytes().expect("small");
    push(
        "saltRequest",
        "two items".into(),
        &["Valid"],
        rb.clone(),
        None,
    );
    push(
        "saltRequest",
        "no items (structurally valid; the server refuses it)".into(),
        &["Valid"],
        vec![0, 0],
        None,
    );
    push(
        "saltRequest",
        "unknown size byte is structurally valid (the server refuses the item)".into(),
        &["Valid"],
        SaltRequest {
            items: vec![SaltItem {
                size: 7,
                index: u64::MAX,
            }],
        }
        .to_bytes()
        .expect("small"),
        None,
    );
    push(
        "saltRequest",
        "one byte short".into(),
        &["Length"],
        rb[..rb.len() - 1].to_vec(),
        Some(GeoError::Truncated),
    );
    push(
        "saltRequest",
        "empty".into(),
        &["Length"],
        vec![],
        Some(GeoError::Truncated),
    );
    push(
        "saltRequest",
        "count only, one byte".into(),
        &["Length"],
        vec![0],
        Some(GeoError::Truncated),
    );
    push(
        "saltRequest",
        "count says 65535 items, one present".into(),
        &["Length"],
        vec![0xff, 0xff, 5, 0, 0, 0, 0, 0, 0, 0, 1],
        Some(GeoError::Truncated),
    );
    let mut long = rb.clone();
    long.push(0);
    push(
        "saltRequest",
        "trailing byte".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );
    let mut long = rb.clone();
    long.extend_from_slice(&[5, 0, 0, 0, 0, 0, 0, 0, 1]);
    push(
        "saltRequest",
        "a third whole item beyond the count".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );

    let oreq = OprfRequest {
        items: vec![OprfItem {
            size: 20,
            index: 1_416_666,
            blinded: [0x22; 32],
        }],
    };
    let ob = oreq.to_bytes().expect("small");
    push(
        "oprfRequest",
        "one item (element not checked by the decoder)".into(),
        &["Valid"],
        ob.clone(),
        None,
    );
    push(
        "oprfRequest",
        "no items".into(),
        &["Valid"],
        vec![0, 0],
        None,
    );
    push(
        "oprfRequest",
        "one byte short".into(),
        &["Length"],
        ob[..ob.len() - 1].to_vec(),
        Some(GeoError::Truncated),
    );
    push(
        "oprfRequest",
        "a classic item's length (9 bytes) under an OPRF count".into(),
        &["Length"],
        vec![0, 1, 5, 0, 0, 0, 0, 0, 0, 0, 1],
        Some(GeoError::Truncated),
    );
    let mut long = ob.clone();
    long.extend_from_slice(&[0; 41]);
    push(
        "oprfRequest",
        "41 extra bytes".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );

    let resp = SaltResponse {
        items: vec![
            Ok([0x33; 32]),
            Err(GeoError::InvalidBlockSize),
            Err(GeoError::BlockInFuture),
            Err(GeoError::BlockExpired),
            Err(GeoError::InvalidElement),
        ],
    };
    let pb = resp.to_bytes().expect("small");
    push(
        "response",
        "every status".into(),
        &["Valid"],
        pb.clone(),
        None,
    );
    push("response", "no items".into(), &["Valid"], vec![0, 0], None);
    for s in [5u8, 0xff] {
        push(
            "response",
            format!("status {s}"),
            &["BadField"],
            vec![0, 1, s],
            Some(GeoError::InvalidStatus),
        );
    }
    push(
        "response",
        "status 0 without its 32 bytes".into(),
        &["Length"],
        vec![0, 1, 0, 1, 2],
        Some(GeoError::Truncated),
    );
    push(
        "response",
        "count 2, one status byte: the count check needs 2 bytes".into(),
        &["Length"],
        vec![0, 2, 1],
        Some(GeoError::Truncated),
    );
    let mut long = pb.clone();
    long.push(1);
    push(
        "response",
        "trailing byte".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );
    push(
        "response",
        "count 2 with one status byte 5: the count check comes first".into(),
        &["Order"],
        vec![0, 2, 5],
        Some(GeoError::Truncated),
    );
    push(
        "response",
        "status 5, then a status 0 without its bytes: the first item decides".into(),
        &["Order"],
        vec![0, 2, 5, 0],
        Some(GeoError::InvalidStatus),
    );
    push(
        "response",
        "status 5 and a trailing byte: the status is checked first".into(),
        &["Order"],
        vec![0, 1, 5, 0],
        Some(GeoError::InvalidStatus),
    );
    let mut x = vec![0, 2, 0];
    x.extend_from_slice(&[0x44; 31]);
    x.push(9);
    push(
        "response",
        "status 0 takes 32 bytes, then the second item has no status byte".into(),
        &["Length"],
        x,
        Some(GeoError::Truncated),
    );

    let mut f = FileBuilder::new("geo", "geo-wire", "spec/geo.md#10-wire-formats", HEADER);
    f.note(
        "Valid",
        "BASIC",
        "A well-formed encoding; decoding then re-encoding gives the same bytes.",
    );
    f.note(
        "Length",
        "MODIFIED_PARAMETER",
        "Truncated input or trailing bytes.",
    );
    f.note(
        "BadField",
        "MODIFIED_PARAMETER",
        "A field outside its allowed values.",
    );
    f.note(
        "Range",
        "EDGE_CASE",
        "A cell id on either side of the centre range bound of spec §2.6 (3).",
    );
    f.note(
        "Order",
        "BASIC",
        "Two checks fail at once; the earlier one in the decoder's order decides.",
    );
    f.group("geo-wire", json!({}));
    for c in &cases {
        let got = decode_kind(c.kind, &c.bytes).expect("kind");
        let fields = json!({"kind": c.kind, "encoded": hex(&c.bytes)});
        match c.error {
            None => {
                assert_eq!(got.as_deref(), Ok(c.bytes.as_slice()), "{}", c.comment);
                f.valid(&c.comment, &c.flags, fields);
            }
            Some(e) => {
                assert_eq!(got, Err(e), "{}", c.comment);
                f.invalid(&c.comment, &c.flags, code(e), fields);
            }
        }
    }
    (f.finish(), cases)
}

pub(super) fn check_wire(_: &Group, t: &Test) -> Result<Verdict, String> {
    let kind = field(t, "kind")?.as_str().ok_or("`kind` is not a string")?;
    let bytes = hex_field(t, "encoded")?;
    match decode_kind(kind, &bytes)? {
        Ok(re) if re == bytes => Ok(Verdict::Valid),
        Ok(re) => Err(format!("re-encoding differs: {}", hex(re))),
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

// ---------------------------------------------------------------------------------------------
// Fuzz corpus seeds

pub(super) fn corpus() -> Vec<(String, String, Vec<u8>)> {
    let (_, cases) = wire_file();
    cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let target = match c.kind {
                "cellId" => "geo_cell_decode",
                "uploadRecord" => "geo_upload_record_decode",
                "saltRequest" => "geo_salt_request_decode",
                "oprfRequest" => "geo_oprf_request_decode",
                _ => "geo_response_decode",
            };
            (
                target.to_string(),
                format!("v-wire-{:03}", i + 1),
                c.bytes.clone(),
            )
        })
        .collect()
}
