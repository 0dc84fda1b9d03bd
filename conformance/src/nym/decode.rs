//! `nym-decode`: every decoder, strict; valid inputs re-encode to themselves; every boundary on
//! both sides and, for every ordered check list, inputs that break two checks at once
//! (`spec/nym.md §3.4`, `§5.2`, `§6`).

use contact_tracing::error::ErrorCode;
use contact_tracing::nym::authority::{Approval, ApprovalMode, Authority, Token};
use contact_tracing::nym::{
    nym_key, seal_blob, Ack, ClientMessage, ContactAddress, Fragment, LogEntry, Notification,
    NotificationBody, NymError, NymMessage, NymserverSecret, PollResponse, Response, SealedRecord,
    StatusRequest, SwapRequest, Upload, UploadState, UploadStatus,
};
use serde_json::{json, Value};

use super::{bytes32, surb_for, G, HEADER, NOW};
use crate::vector::{expect_hex, field, hex, hex_field, rng, FileBuilder, Group, Test, Verdict};

/// Decodes `bytes` as `kind` and re-encodes it.
fn decode_kind(kind: &str, bytes: &[u8]) -> Result<Result<Vec<u8>, NymError>, String> {
    Ok(match kind {
        "nym-message" => NymMessage::decode(G, bytes).map(|m| m.encode()),
        "upload" => Upload::decode(bytes).map(|u| u.encode()),
        "client-message" => ClientMessage::decode(bytes).map(|m| m.encode()),
        "poll-response" => PollResponse::decode(G, bytes).map(|p| p.encode()),
        "token" => Token::decode(bytes).map(|t| t.encode().to_vec()),
        "approval" => Approval::decode(bytes).map(|a| a.encode().to_vec()),
        "response" => Response::decode(bytes).map(|r| r.encode().to_vec()),
        "log-entry" => LogEntry::decode(bytes).map(|e| e.encode().to_vec()),
        other => return Err(format!("unknown kind {other}")),
    })
}

pub(crate) struct DecodeCase {
    pub(crate) kind: &'static str,
    pub(crate) bytes: Vec<u8>,
}

struct Builder {
    f: FileBuilder,
    cases: Vec<DecodeCase>,
    current: &'static str,
}

impl Builder {
    fn kind(&mut self, kind: &'static str) {
        if kind != self.current {
            self.f.group("nym-decode", json!({"kind": kind}));
            self.current = kind;
        }
    }

    /// A test whose verdict is what the decoder says, checked against the intended one.
    fn add(
        &mut self,
        kind: &'static str,
        comment: &str,
        flags: &[&str],
        want: Option<&str>,
        bytes: Vec<u8>,
    ) {
        self.kind(kind);
        match decode_kind(kind, &bytes).expect("kind") {
            Ok(re) => {
                assert_eq!(want, None, "{comment}: decoded");
                assert_eq!(re, bytes, "{comment}: re-encoding");
                self.f.valid(
                    comment,
                    flags,
                    json!({"encoded": hex(&bytes), "reencoded": hex(&re)}),
                );
            }
            Err(e) => {
                assert_eq!(want, Some(e.code()), "{comment}");
                self.f
                    .invalid(comment, flags, e.code(), json!({"encoded": hex(&bytes)}));
            }
        }
        self.cases.push(DecodeCase { kind, bytes });
    }

    /// A valid encoding, one byte short and one byte extra.
    fn valid_and_lengths(&mut self, kind: &'static str, comment: &str, bytes: Vec<u8>) {
        self.add(kind, comment, &["Valid"], None, bytes.clone());
        let short = bytes[..bytes.len() - 1].to_vec();
        let e = decode_kind(kind, &short).expect("kind").expect_err("short");
        self.add(
            kind,
            &format!("{comment}, one byte short"),
            &["Truncated"],
            Some(e.code()),
            short,
        );
        let mut long = bytes;
        long.push(0);
        let e = decode_kind(kind, &long).expect("kind").expect_err("long");
        self.add(
            kind,
            &format!("{comment}, one byte extra"),
            &["Trailing"],
            Some(e.code()),
            long,
        );
    }
}

fn body(i: u8) -> NotificationBody {
    NotificationBody {
        case_id: [i; 16],
        chain_token: [i ^ 0x11; 16],
        generation: 1,
        disease: 840,
        time: NOW,
        duration: 3,
    }
}

pub(crate) fn decode_file() -> (Value, Vec<DecodeCase>) {
    let mut f = FileBuilder::new(
        "nym",
        "nym-decode",
        "spec/nym.md#nymserver-messages",
        HEADER,
    );
    f.note(
        "Valid",
        "BASIC",
        "A canonical encoding; it re-encodes to the same bytes.",
    );
    f.note("Truncated", "BASIC", "The input ends early.");
    f.note("Trailing", "BASIC", "Bytes follow the value.");
    f.note(
        "UnknownType",
        "MODIFIED_PARAMETER",
        "A type byte or length class that is not defined.",
    );
    f.note(
        "BadFragment",
        "EDGE_CASE",
        "Fragment index, count or data length out of range.",
    );
    f.note(
        "EdgeCase",
        "EDGE_CASE",
        "A field at the largest or smallest value it may take.",
    );
    f.note(
        "OutOfRange",
        "MODIFIED_PARAMETER",
        "A count, state or result byte outside its range.",
    );
    f.note(
        "BadSurb",
        "MODIFIED_PARAMETER",
        "A status request whose SURB breaks spec/mix.md §6.1.",
    );
    f.note(
        "Order",
        "FUNCTIONALITY",
        "Two checks fail at once: the earlier one in the decoder's order decides.",
    );
    let mut b = Builder {
        f,
        cases: Vec::new(),
        current: "",
    };
    let mut r = rng("nym decode");
    let ha = Authority::from_seed(&bytes32(&mut r));
    let token = ha.issue([3; 16], 7, 1, ApprovalMode::Automatic, NOW);
    let ns = NymserverSecret::from_bytes(bytes32(&mut r));
    let entry =
        LogEntry::seal(&ns.public(), &bytes32(&mut r), NOW, 2, &bytes32(&mut r)).expect("seal");
    let k = ContactAddress::from_seed(&bytes32(&mut r));
    let surb = surb_for(&mut r);
    let swap = SwapRequest {
        key: nym_key(&k.address()),
        authentication: bytes32(&mut r),
        blob: seal_blob(&k.address(), &surb).expect("blob"),
    }
    .encode();
    let frag = |index: u16, count: u16, len: usize| {
        Fragment {
            upload_id: [9; 16],
            index,
            count,
            data: vec![0x55; len],
        }
        .encode()
    };
    let status = StatusRequest {
        upload_id: [5; 16],
        surb: surb.clone(),
    }
    .encode();

    // nym-message: classification (§3.4) and the fragment and status decoders.
    b.add(
        "nym-message",
        "swap, 238 bytes",
        &["Valid"],
        None,
        swap.clone(),
    );
    b.add(
        "nym-message",
        "239 bytes: longer than a Swap",
        &["UnknownType"],
        Some("NYM_MALFORMED"),
        [swap.clone(), vec![0]].concat(),
    );
    b.add(
        "nym-message",
        "237 bytes of type 0x00",
        &["UnknownType"],
        Some("NYM_MALFORMED"),
        vec![0u8; 237],
    );
    b.add(
        "nym-message",
        "empty message",
        &["UnknownType"],
        Some("NYM_MALFORMED"),
        vec![],
    );
    let mut t3 = frag(0, 1, 40);
    t3[0] = 0x03;
    b.add(
        "nym-message",
        "message type 0x03",
        &["UnknownType"],
        Some("NYM_MALFORMED"),
        t3,
    );
    b.add(
        "nym-message",
        "single fragment, 40 bytes of data",
        &["Valid"],
        None,
        frag(0, 1, 40),
    );
    b.add(
        "nym-message",
        "full fragment: 216 bytes of data (237 bytes)",
        &["Valid", "EdgeCase"],
        None,
        frag(0, 2, 216),
    );
    b.add(
        "nym-message",
        "last fragment with 1 byte of data",
        &["Valid", "EdgeCase"],
        None,
        frag(2, 3, 1),
    );
    b.add(
        "nym-message",
        "count 1024, index 1023",
        &["Valid", "EdgeCase"],
        None,
        frag(1023, 1024, 7),
    );
    b.add(
        "nym-message",
        "fragment header only (21 bytes): no data",
        &["BadFragment"],
        Some("NYM_BAD_FRAGMENT"),
        frag(0, 1, 0),
    );
    b.add(
        "nym-message",
        "fragment of 20 bytes: the header is cut",
        &["Truncated"],
        Some("NYM_TRUNCATED"),
        frag(0, 1, 0)[..20].to_vec(),
    );
    b.add(
        "nym-message",
        "index = count",
        &["BadFragment"],
        Some("NYM_BAD_FRAGMENT"),
        frag(1, 1, 40),
    );
    b.add(
        "nym-message",
        "count 0",
        &["BadFragment"],
        Some("NYM_BAD_FRAGMENT"),
        frag(0, 0, 40),
    );
    b.add(
        "nym-message",
        "count 1025",
        &["BadFragment"],
        Some("NYM_BAD_FRAGMENT"),
        frag(0, 1025, 40),
    );
    b.add(
        "nym-message",
        "non-final fragment with 215 bytes of data",
        &["BadFragment"],
        Some("NYM_BAD_FRAGMENT"),
        frag(0, 2, 215),
    );
    b.add(
        "nym-message",
        "status request, 191 bytes",
        &["Valid"],
        None,
        status.clone(),
    );
    b.add(
        "nym-message",
        "status request, 190 bytes",
        &["Truncated"],
        Some("NYM_TRUNCATED"),
        status[..190].to_vec(),
    );
    b.add(
        "nym-message",
        "status request, 192 bytes",
        &["Trailing"],
        Some("NYM_TRAILING_BYTES"),
        [status.clone(), vec![0]].concat(),
    );
    let mut bad_surb = status.clone();
    bad_surb[17 + 141] = 0xff;
    b.add(
        "nym-message",
        "status request whose SURB has first hop 0xFF",
        &["BadSurb"],
        Some("NYM_BAD_BLOB"),
        bad_surb.clone(),
    );
    let mut ks60 = status.clone();
    ks60[17] = 60;
    b.add(
        "nym-message",
        "status request whose SURB has key select 60",
        &["BadSurb"],
        Some("NYM_BAD_BLOB"),
        ks60,
    );
    b.add(
        "nym-message",
        "status request cut short with a bad SURB: length first",
        &["Truncated", "BadSurb", "Order"],
        Some("NYM_TRUNCATED"),
        bad_surb[..190].to_vec(),
    );
    b.add(
        "nym-message",
        "status request too long with a bad SURB: length first",
        &["Trailing", "BadSurb", "Order"],
        Some("NYM_TRAILING_BYTES"),
        [bad_surb, vec![0]].concat(),
    );

    // upload (§6.5).
    let infection = Upload::Infection {
        token,
        entries: vec![entry, entry],
    }
    .encode();
    let extension = Upload::Extension {
        case_id: [1; 16],
        address: k.address(),
        chain_token: [2; 16],
        entries: vec![entry],
    }
    .encode();
    b.valid_and_lengths("upload", "infection with two entries", infection.clone());
    b.valid_and_lengths("upload", "extension with one entry", extension.clone());
    b.add(
        "upload",
        "infection with no entries",
        &["Valid", "EdgeCase"],
        None,
        Upload::Infection {
            token,
            entries: vec![],
        }
        .encode(),
    );
    let mut t3 = infection.clone();
    t3[0] = 3;
    b.add(
        "upload",
        "upload type 0x03",
        &["UnknownType"],
        Some("NYM_MALFORMED"),
        t3.clone(),
    );
    b.add(
        "upload",
        "upload type 0x03, cut to 50 bytes: the type is checked first",
        &["UnknownType", "Truncated", "Order"],
        Some("NYM_MALFORMED"),
        t3[..50].to_vec(),
    );
    let mut ap9 = infection.clone();
    ap9[20] = 9;
    b.add(
        "upload",
        "token approval byte 9",
        &["UnknownType"],
        Some("NYM_TOKEN_MALFORMED"),
        ap9.clone(),
    );
    b.add(
        "upload",
        "token approval byte 9, cut inside the token",
        &["UnknownType", "Truncated", "Order"],
        Some("NYM_TOKEN_MALFORMED"),
        ap9[..60].to_vec(),
    );
    b.add(
        "upload",
        "token approval byte 9 and a trailing byte",
        &["UnknownType", "Trailing", "Order"],
        Some("NYM_TOKEN_MALFORMED"),
        [ap9, vec![0]].concat(),
    );
    let mut n3 = infection.clone();
    n3[94] = 3;
    b.add(
        "upload",
        "n = 3 with two entries",
        &["Truncated"],
        Some("NYM_TRUNCATED"),
        n3,
    );
    let mut n1 = infection.clone();
    n1[94] = 1;
    b.add(
        "upload",
        "n = 1 with two entries",
        &["Trailing"],
        Some("NYM_TRAILING_BYTES"),
        n1,
    );

    // client-message (§6.7).
    let notif = ClientMessage::Notification(Notification {
        seq: 31,
        body: body(1),
    })
    .encode();
    b.valid_and_lengths("client-message", "notification, 47 bytes", notif.clone());
    let rec = |i: u8| SealedRecord::seal(&k.address(), i, &body(i));
    for n in 0..=3u8 {
        let ack = ClientMessage::Ack(Ack {
            element: [7; 32],
            count: n,
            records: (0..n).map(rec).collect(),
        })
        .encode();
        if n == 3 {
            b.valid_and_lengths("client-message", "acknowledgement with 3 records", ack);
        } else {
            b.add(
                "client-message",
                &format!("acknowledgement with {n} records"),
                &["Valid", "EdgeCase"],
                None,
                ack,
            );
        }
    }
    let mut four = ClientMessage::Ack(Ack {
        element: [7; 32],
        count: 3,
        records: (0..3).map(rec).collect(),
    })
    .encode();
    four[34] = 4;
    b.add(
        "client-message",
        "acknowledgement announcing 4 records (with 3)",
        &["OutOfRange"],
        Some("NYM_MALFORMED"),
        four.clone(),
    );
    b.add(
        "client-message",
        "acknowledgement announcing 4 records, cut short: n is checked before records are read",
        &["OutOfRange", "Truncated", "Order"],
        Some("NYM_MALFORMED"),
        four[..100].to_vec(),
    );
    let st = |state: UploadState| {
        ClientMessage::Status(UploadStatus {
            upload_id: [4; 16],
            state,
        })
        .encode()
    };
    b.valid_and_lengths(
        "client-message",
        "status: unknown",
        st(UploadState::Unknown),
    );
    b.add(
        "client-message",
        "status: partial, 3 of 10 fragments",
        &["Valid"],
        None,
        st(UploadState::Partial {
            count: 10,
            have: vec![0b0000_0101, 0b10],
        }),
    );
    b.add(
        "client-message",
        "status: partial, count 1024",
        &["Valid", "EdgeCase"],
        None,
        st(UploadState::Partial {
            count: 1024,
            have: vec![0xff; 128],
        }),
    );
    let mut c0 = st(UploadState::Partial {
        count: 8,
        have: vec![1],
    });
    c0[19] = 0;
    b.add(
        "client-message",
        "status: partial, count 0",
        &["OutOfRange"],
        Some("NYM_MALFORMED"),
        c0[..20].to_vec(),
    );
    let c1025 = {
        let mut v = st(UploadState::Partial {
            count: 1024,
            have: vec![0; 128],
        });
        v[18..20].copy_from_slice(&1025u16.to_be_bytes());
        v.push(0);
        v
    };
    b.add(
        "client-message",
        "status: partial, count 1025",
        &["OutOfRange"],
        Some("NYM_MALFORMED"),
        c1025.clone(),
    );
    b.add(
        "client-message",
        "status: partial, count 1025 and the bitmap cut: the count is checked first",
        &["OutOfRange", "Truncated", "Order"],
        Some("NYM_MALFORMED"),
        c1025[..40].to_vec(),
    );
    b.add(
        "client-message",
        "status: partial, count 10 with an unused bitmap bit set",
        &["OutOfRange"],
        Some("NYM_MALFORMED"),
        st(UploadState::Partial {
            count: 10,
            have: vec![0, 0b100],
        }),
    );
    b.add(
        "client-message",
        "status: done, accepted",
        &["Valid"],
        None,
        st(UploadState::Done(Ok(()))),
    );
    b.add(
        "client-message",
        "status: done, refused with result 12 (NYM_CHAIN_LIMIT)",
        &["Valid", "EdgeCase"],
        None,
        st(UploadState::Done(Err(NymError::ChainLimit))),
    );
    let mut r13 = st(UploadState::Done(Ok(())));
    r13[18] = 13;
    b.add(
        "client-message",
        "status: done, result 13",
        &["OutOfRange"],
        Some("NYM_MALFORMED"),
        r13,
    );
    let mut s3 = st(UploadState::Unknown);
    s3[17] = 3;
    b.add(
        "client-message",
        "status: state 3",
        &["OutOfRange"],
        Some("NYM_MALFORMED"),
        s3,
    );
    let mut t0 = notif.clone();
    t0[0] = 0;
    b.add(
        "client-message",
        "client message type 0x00 (the old dummy)",
        &["UnknownType"],
        Some("NYM_MALFORMED"),
        t0,
    );
    let mut t4 = notif.clone();
    t4[0] = 4;
    b.add(
        "client-message",
        "client message type 0x04",
        &["UnknownType"],
        Some("NYM_MALFORMED"),
        t4,
    );

    // poll-response (§5.2).
    let poll2 = PollResponse {
        payloads: vec![vec![0xab; 239], vec![0xcd; 239]],
    }
    .encode();
    b.add(
        "poll-response",
        "empty",
        &["Valid", "EdgeCase"],
        None,
        PollResponse::default().encode(),
    );
    b.valid_and_lengths("poll-response", "two payloads", poll2.clone());
    b.add(
        "poll-response",
        "64 payloads",
        &["Valid", "EdgeCase"],
        None,
        PollResponse {
            payloads: vec![vec![1; 239]; 64],
        }
        .encode(),
    );
    let mut c65 = poll2.clone();
    c65[0] = 65;
    b.add(
        "poll-response",
        "count 65 with two payloads: the count is checked first",
        &["OutOfRange", "Truncated", "Order"],
        Some("NYM_MAILBOX_FULL"),
        c65,
    );

    // token, approval, response, log entry.
    b.valid_and_lengths("token", "token", token.encode().to_vec());
    let mut tb = token.encode();
    tb[19] = 2;
    b.add(
        "token",
        "approval byte 2",
        &["OutOfRange"],
        Some("NYM_TOKEN_MALFORMED"),
        tb.to_vec(),
    );
    b.add(
        "token",
        "approval byte 2, cut after it",
        &["OutOfRange", "Truncated", "Order"],
        Some("NYM_TOKEN_MALFORMED"),
        tb[..20].to_vec(),
    );
    b.add(
        "token",
        "cut before the approval byte",
        &["Truncated"],
        Some("NYM_TRUNCATED"),
        tb[..19].to_vec(),
    );
    let approval = ha.approve([1; 16], 0, true).encode();
    b.valid_and_lengths("approval", "approval, 85 bytes", approval.to_vec());
    let mut d2 = approval;
    d2[20] = 2;
    b.add(
        "approval",
        "decision byte 2",
        &["OutOfRange"],
        Some("NYM_MALFORMED"),
        d2.to_vec(),
    );
    b.add(
        "approval",
        "decision byte 2, cut before the signature",
        &["OutOfRange", "Truncated", "Order"],
        Some("NYM_MALFORMED"),
        d2[..21].to_vec(),
    );
    b.valid_and_lengths(
        "response",
        "broadcast response",
        k.respond(&[4; 16]).encode().to_vec(),
    );
    b.valid_and_lengths("log-entry", "log entry", entry.encode().to_vec());
    (b.f.finish(), b.cases)
}

pub(crate) fn check_decode(g: &Group, t: &Test) -> Result<Verdict, String> {
    let kind = field(g, "kind")?.as_str().ok_or("kind")?;
    let bytes = hex_field(t, "encoded")?;
    match decode_kind(kind, &bytes)? {
        Ok(re) => {
            expect_hex(t, "reencoded", re)?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}
