//! Strict codecs of the nym messages (`spec/nym.md §3.4`, `§3.5`, `§3.6`, `§5.2`, `§6`).

use alloc::vec::Vec;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce, Tag};
use zeroize::Zeroizing;

use super::address::resend_key;
use super::authority::Token;
use super::log::LogEntry;
use super::{
    NymError, ADDRESS_LEN, AUTH_LEN, CASE_ID_LEN, FRAGMENT_DATA_MAX, FRAGMENT_HEADER_LEN,
    HISTORY_LEN, MAX_FRAGMENTS, MAX_MAILBOX_PAYLOADS, NOTIFICATION_BODY_LEN, NOTIFICATION_LEN,
    NYM_KEY_LEN, SEALED_RECORD_LEN, UPLOAD_ID_LEN,
};
use crate::mix::{Geometry, Surb};
use crate::wire::Reader;

/// A Swap: `key(32) || authentication(32) || blob(H + 33)`, exactly `P - 1` bytes
/// (`spec/nym.md §3.4`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwapRequest {
    /// `nym_key(K)`.
    pub key: [u8; NYM_KEY_LEN],
    /// The swap-chain element `e_i` of this Swap (`spec/nym.md §3.3`).
    pub authentication: [u8; AUTH_LEN],
    /// The encrypted SURB.
    pub blob: Vec<u8>,
}

impl SwapRequest {
    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(64 + self.blob.len());
        v.extend_from_slice(&self.key);
        v.extend_from_slice(&self.authentication);
        v.extend_from_slice(&self.blob);
        v
    }

    /// Strict decoding for `geometry`: exactly `64 + surb_len` bytes.
    pub fn decode(geometry: Geometry, bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        let key = r.array()?;
        let authentication = r.array()?;
        let blob = r.bytes(geometry.surb_len())?.to_vec();
        r.finish()?;
        Ok(SwapRequest {
            key,
            authentication,
            blob,
        })
    }
}

/// One fragment of an upload (`spec/nym.md §6.1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Random id shared by the fragments of one upload.
    pub upload_id: [u8; 16],
    /// Index, `< count`.
    pub index: u16,
    /// Number of fragments, `1..=1024`.
    pub count: u16,
    /// 1..=216 data bytes.
    pub data: Vec<u8>,
}

impl Fragment {
    /// The wire form `0x01 || id || index || count || data`.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(FRAGMENT_HEADER_LEN + self.data.len());
        v.push(0x01);
        v.extend_from_slice(&self.upload_id);
        v.extend_from_slice(&self.index.to_be_bytes());
        v.extend_from_slice(&self.count.to_be_bytes());
        v.extend_from_slice(&self.data);
        v
    }

    /// Strict decoding (`spec/nym.md §6.1`).
    pub fn decode(bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        if r.u8()? != 0x01 {
            return Err(NymError::Malformed);
        }
        let upload_id = r.array()?;
        let index = r.u16_be()?;
        let count = r.u16_be()?;
        let data = r.bytes(r.remaining())?.to_vec();
        // SPEC: spec/nym.md#fragment (NYM-FRAG-1)
        if count == 0
            || count > MAX_FRAGMENTS
            || index >= count
            || data.is_empty()
            || data.len() > FRAGMENT_DATA_MAX
            || (index + 1 < count && data.len() != FRAGMENT_DATA_MAX)
        {
            return Err(NymError::BadFragment);
        }
        Ok(Fragment {
            upload_id,
            index,
            count,
            data,
        })
    }
}

/// Splits an encoded upload into fragment messages (`spec/nym.md §6.1`).
pub fn fragment_upload(upload: &[u8], upload_id: [u8; 16]) -> Result<Vec<Vec<u8>>, NymError> {
    let chunks: Vec<&[u8]> = upload.chunks(FRAGMENT_DATA_MAX).collect();
    let count = u16::try_from(chunks.len()).map_err(|_| NymError::BadFragment)?;
    if count == 0 || count > MAX_FRAGMENTS {
        return Err(NymError::BadFragment);
    }
    Ok(chunks
        .iter()
        .zip(0u16..)
        .map(|(c, index)| {
            Fragment {
                upload_id,
                index,
                count,
                data: c.to_vec(),
            }
            .encode()
        })
        .collect())
}

/// An upload status request (`spec/nym.md §6.2`): `0x02 || upload_id(16) || SURB(H + 33)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRequest {
    /// The upload asked about.
    pub upload_id: [u8; UPLOAD_ID_LEN],
    /// A SURB, in clear, for the answer.
    pub surb: Surb,
}

impl StatusRequest {
    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        let surb = self.surb.encode();
        let mut v = Vec::with_capacity(1 + UPLOAD_ID_LEN + surb.len());
        v.push(0x02);
        v.extend_from_slice(&self.upload_id);
        v.extend_from_slice(&surb);
        v
    }

    /// Strict decoding for `geometry`: type, exact length, then the SURB rules (`NYM_BAD_BLOB`).
    pub fn decode(geometry: Geometry, bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        if r.u8()? != 0x02 {
            return Err(NymError::Malformed);
        }
        let upload_id = r.array()?;
        let surb = r.bytes(geometry.surb_len())?;
        r.finish()?;
        let surb = Surb::decode(geometry, surb).map_err(|_| NymError::BadBlob)?;
        Ok(StatusRequest { upload_id, surb })
    }
}

/// A message handed to the nymserver by its final hop, classified by length and type byte
/// (`spec/nym.md §3.4`, NYM-MSG-1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NymMessage {
    /// Exactly `P - 1` bytes.
    Swap(SwapRequest),
    /// Shorter, type `0x01`.
    Fragment(Fragment),
    /// Shorter, type `0x02`.
    Status(StatusRequest),
}

impl NymMessage {
    /// Classifies and decodes an unpadded payload.
    pub fn decode(geometry: Geometry, message: &[u8]) -> Result<Self, NymError> {
        // SPEC: spec/nym.md#nymserver-messages (NYM-MSG-1)
        if message.len() == geometry.max_message_len() {
            return SwapRequest::decode(geometry, message).map(NymMessage::Swap);
        }
        if message.len() > geometry.max_message_len() {
            return Err(NymError::Malformed);
        }
        match message.first() {
            Some(0x01) => Fragment::decode(message).map(NymMessage::Fragment),
            Some(0x02) => StatusRequest::decode(geometry, message).map(NymMessage::Status),
            _ => Err(NymError::Malformed),
        }
    }

    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            NymMessage::Swap(s) => s.encode(),
            NymMessage::Fragment(f) => f.encode(),
            NymMessage::Status(s) => s.encode(),
        }
    }
}

/// A reassembled upload (`spec/nym.md §6.4`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upload {
    /// `0x01`: the index case's log, authorised by an HA token.
    Infection {
        /// The HA token.
        token: Token,
        /// The contact log.
        entries: Vec<LogEntry>,
    },
    /// `0x02`: a notified contact extends the chain.
    Extension {
        /// The case.
        case_id: [u8; CASE_ID_LEN],
        /// The notified contact address.
        address: [u8; ADDRESS_LEN],
        /// The chain token from the notification.
        chain_token: [u8; CASE_ID_LEN],
        /// The contact log.
        entries: Vec<LogEntry>,
    },
}

impl Upload {
    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        let entries = match self {
            Upload::Infection { token, entries } => {
                v.push(0x01);
                v.extend_from_slice(&token.encode());
                entries
            }
            Upload::Extension {
                case_id,
                address,
                chain_token,
                entries,
            } => {
                v.push(0x02);
                v.extend_from_slice(case_id);
                v.extend_from_slice(address);
                v.extend_from_slice(chain_token);
                entries
            }
        };
        let n = u16::try_from(entries.len()).unwrap_or(u16::MAX);
        v.extend_from_slice(&n.to_be_bytes());
        for e in entries.iter().take(usize::from(n)) {
            v.extend_from_slice(&e.encode());
        }
        v
    }

    /// Strict decoding (`spec/nym.md §6.4`).
    pub fn decode(bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        let ty = r.u8()?;
        let head = match ty {
            0x01 => (Some(Token::read(&mut r)?), None),
            0x02 => (None, Some((r.array()?, r.array()?, r.array()?))),
            _ => return Err(NymError::Malformed),
        };
        let n = r.u16_be()?;
        let mut entries = Vec::with_capacity(usize::from(n).min(r.remaining() / 90 + 1));
        for _ in 0..n {
            entries.push(LogEntry::read(&mut r)?);
        }
        r.finish()?;
        match head {
            (Some(token), _) => Ok(Upload::Infection { token, entries }),
            (None, Some((case_id, address, chain_token))) => Ok(Upload::Extension {
                case_id,
                address,
                chain_token,
                entries,
            }),
            _ => Err(NymError::Malformed),
        }
    }
}

/// What the nymserver tells a contact (`spec/nym.md §6.6`): 45 bytes, sealed and sequenced by the
/// entry it is sent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotificationBody {
    /// The case.
    pub case_id: [u8; CASE_ID_LEN],
    /// One-time token to extend the chain.
    pub chain_token: [u8; CASE_ID_LEN],
    /// Generation of the notified contact (0 = contact of the index case).
    pub generation: u8,
    /// Disease code.
    pub disease: u16,
    /// Time of the contact.
    pub time: u64,
    /// Approximate duration in slots.
    pub duration: u16,
}

impl NotificationBody {
    /// The 45-byte wire form.
    pub fn encode(&self) -> [u8; NOTIFICATION_BODY_LEN] {
        let mut out = [0u8; NOTIFICATION_BODY_LEN];
        let mut w = crate::wire::Writer::new(&mut out);
        // Exactly 45 bytes: cannot fail.
        let _ = w.put(&self.case_id);
        let _ = w.put(&self.chain_token);
        let _ = w.u8(self.generation);
        let _ = w.u16_be(self.disease);
        let _ = w.u64_be(self.time);
        let _ = w.u16_be(self.duration);
        out
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, NymError> {
        Ok(NotificationBody {
            case_id: r.array()?,
            chain_token: r.array()?,
            generation: r.u8()?,
            disease: r.u16_be()?,
            time: r.u64_be()?,
            duration: r.u16_be()?,
        })
    }

    /// Strict decoding: exactly 45 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        let b = Self::read(&mut r)?;
        r.finish()?;
        Ok(b)
    }
}

/// A notification as delivered through a SURB: `0x01 || seq || body` (`spec/nym.md §6.6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notification {
    /// Its number among the messages of its nymserver entry, from 0.
    pub seq: u8,
    /// The content.
    pub body: NotificationBody,
}

/// A sealed copy of a notification, kept by the nymserver and repeated in acknowledgements
/// (`spec/nym.md §3.6`): `seq || ChaCha20-Poly1305(resend_key(K), nonce = 0^11 || seq, body)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealedRecord {
    /// The notification's sequence number.
    pub seq: u8,
    /// The encrypted body.
    pub ciphertext: [u8; NOTIFICATION_BODY_LEN],
    /// The Poly1305 tag.
    pub tag: [u8; 16],
}

fn record_nonce(seq: u8) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[11] = seq;
    n
}

impl SealedRecord {
    /// Seals `body` under `resend_key(K)` (`spec/nym.md §3.6`).
    pub fn seal(address: &[u8; ADDRESS_LEN], seq: u8, body: &NotificationBody) -> Self {
        let key = resend_key(address);
        let aead = ChaCha20Poly1305::new(Key::from_slice(key.as_ref()));
        let mut ct = body.encode();
        let mut tag = [0u8; 16];
        // 45 bytes under a 32-byte key: encryption cannot fail.
        if let Ok(t) =
            aead.encrypt_in_place_detached(Nonce::from_slice(&record_nonce(seq)), &[], &mut ct)
        {
            tag.copy_from_slice(t.as_slice());
        }
        SealedRecord {
            seq,
            ciphertext: ct,
            tag,
        }
    }

    /// Opens the record with `K`; `NYM_BAD_REPLY` if the tag does not verify.
    pub fn open(&self, address: &[u8; ADDRESS_LEN]) -> Result<NotificationBody, NymError> {
        let key = resend_key(address);
        let aead = ChaCha20Poly1305::new(Key::from_slice(key.as_ref()));
        let mut pt = Zeroizing::new(self.ciphertext);
        aead.decrypt_in_place_detached(
            Nonce::from_slice(&record_nonce(self.seq)),
            &[],
            pt.as_mut(),
            Tag::from_slice(&self.tag),
        )
        .map_err(|_| NymError::BadReply)?;
        NotificationBody::decode(pt.as_ref())
    }

    /// The 62-byte wire form.
    pub fn encode(&self) -> [u8; SEALED_RECORD_LEN] {
        let mut out = [0u8; SEALED_RECORD_LEN];
        let mut w = crate::wire::Writer::new(&mut out);
        let _ = w.u8(self.seq);
        let _ = w.put(&self.ciphertext);
        let _ = w.put(&self.tag);
        out
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, NymError> {
        Ok(SealedRecord {
            seq: r.u8()?,
            ciphertext: r.array()?,
            tag: r.array()?,
        })
    }
}

/// An acknowledgement (`spec/nym.md §3.5`): sent through the SURB a Swap displaced, unused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ack {
    /// The chain element of the Swap that displaced the SURB.
    pub element: [u8; AUTH_LEN],
    /// Messages the entry has received so far (its next sequence number).
    pub count: u8,
    /// Sealed copies of the latest messages, at most `HISTORY_LEN`, oldest first.
    pub records: Vec<SealedRecord>,
}

/// What the nymserver knows of an upload (`spec/nym.md §6.2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadState {
    /// `0x00`: no such upload, partial or complete.
    Unknown,
    /// `0x01`: some fragments are stored; `have` is the bitmap of §6.2.
    Partial {
        /// The upload's fragment count.
        count: u16,
        /// Bit `i mod 8` (least significant first) of byte `i / 8` is set when fragment `i` is
        /// stored.
        have: Vec<u8>,
    },
    /// `0x02`: the upload was reassembled and processed with this result.
    Done(Result<(), NymError>),
}

/// The errors an upload's processing can end in, by their result byte (`spec/nym.md §6.2`).
pub const UPLOAD_RESULT_CODES: [NymError; 12] = [
    NymError::Truncated,
    NymError::TrailingBytes,
    NymError::Malformed,
    NymError::TokenMalformed,
    NymError::TokenBadSignature,
    NymError::TokenExpired,
    NymError::TokenSpent,
    NymError::Capacity,
    NymError::UnknownCase,
    NymError::NotInCase,
    NymError::BadChainToken,
    NymError::ChainLimit,
];

fn result_byte(r: &Result<(), NymError>) -> u8 {
    match r {
        Ok(()) => 0,
        Err(e) => UPLOAD_RESULT_CODES
            .iter()
            .zip(1u8..)
            .find(|(c, _)| *c == e)
            .map_or(u8::MAX, |(_, b)| b),
    }
}

/// An answer to a status request (`spec/nym.md §6.2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadStatus {
    /// The upload.
    pub upload_id: [u8; UPLOAD_ID_LEN],
    /// Its state.
    pub state: UploadState,
}

/// What a client finds in its mailbox after opening a payload (`spec/nym.md §6.6`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientMessage {
    /// `0x01`: a notification, under the SURB's MessageKey.
    Notification(Notification),
    /// `0x02`: an acknowledgement, under the ack key of the displaced SURB.
    Ack(Ack),
    /// `0x03`: an upload status, under the status SURB's MessageKey.
    Status(UploadStatus),
}

impl ClientMessage {
    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(NOTIFICATION_LEN);
        match self {
            ClientMessage::Notification(n) => {
                v.push(0x01);
                v.push(n.seq);
                v.extend_from_slice(&n.body.encode());
            }
            ClientMessage::Ack(a) => {
                v.push(0x02);
                v.extend_from_slice(&a.element);
                v.push(a.count);
                let n = a.records.len().min(HISTORY_LEN);
                v.push(u8::try_from(n).unwrap_or(0));
                for r in a.records.iter().take(n) {
                    v.extend_from_slice(&r.encode());
                }
            }
            ClientMessage::Status(s) => {
                v.push(0x03);
                v.extend_from_slice(&s.upload_id);
                match &s.state {
                    UploadState::Unknown => v.push(0x00),
                    UploadState::Partial { count, have } => {
                        v.push(0x01);
                        v.extend_from_slice(&count.to_be_bytes());
                        v.extend_from_slice(have);
                    }
                    UploadState::Done(r) => {
                        v.push(0x02);
                        v.push(result_byte(r));
                    }
                }
            }
        }
        v
    }

    /// Strict decoding (`spec/nym.md §6.6`), fields in order, then no trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        let m = match r.u8()? {
            0x01 => ClientMessage::Notification(Notification {
                seq: r.u8()?,
                body: NotificationBody::read(&mut r)?,
            }),
            0x02 => {
                let element = r.array()?;
                let count = r.u8()?;
                let n = usize::from(r.u8()?);
                // SPEC: spec/nym.md#client-messages (at most HISTORY_LEN records)
                if n > HISTORY_LEN {
                    return Err(NymError::Malformed);
                }
                let mut records = Vec::with_capacity(n);
                for _ in 0..n {
                    records.push(SealedRecord::read(&mut r)?);
                }
                ClientMessage::Ack(Ack {
                    element,
                    count,
                    records,
                })
            }
            0x03 => {
                let upload_id = r.array()?;
                let state = match r.u8()? {
                    0x00 => UploadState::Unknown,
                    0x01 => {
                        let count = r.u16_be()?;
                        if count == 0 || count > MAX_FRAGMENTS {
                            return Err(NymError::Malformed);
                        }
                        let have = r.bytes(usize::from(count).div_ceil(8))?.to_vec();
                        let spare = (8 - usize::from(count) % 8) % 8;
                        let last = have.last().copied().unwrap_or(0);
                        if spare > 0 && last >> (8 - spare) != 0 {
                            return Err(NymError::Malformed);
                        }
                        UploadState::Partial { count, have }
                    }
                    0x02 => {
                        let b = r.u8()?;
                        let res = match b {
                            0 => Ok(()),
                            _ => Err(*UPLOAD_RESULT_CODES
                                .get(usize::from(b) - 1)
                                .ok_or(NymError::Malformed)?),
                        };
                        UploadState::Done(res)
                    }
                    _ => return Err(NymError::Malformed),
                };
                ClientMessage::Status(UploadStatus { upload_id, state })
            }
            _ => return Err(NymError::Malformed),
        };
        r.finish()?;
        Ok(m)
    }
}

/// A mailbox's answer to a poll: `count(u8) || count × P` (`spec/nym.md §5.2`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PollResponse {
    /// The stored payloads, in arrival order.
    pub payloads: Vec<Vec<u8>>,
}

impl PollResponse {
    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        // At most 64 payloads are encoded (a mailbox never holds more, spec/nym.md §5.1).
        let n = self.payloads.len().min(MAX_MAILBOX_PAYLOADS);
        v.push(u8::try_from(n).unwrap_or(u8::MAX));
        for p in self.payloads.iter().take(n) {
            v.extend_from_slice(p);
        }
        v
    }

    /// Strict decoding for `geometry`.
    pub fn decode(geometry: Geometry, bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        let n = usize::from(r.u8()?);
        if n > MAX_MAILBOX_PAYLOADS {
            return Err(NymError::MailboxFull);
        }
        let mut payloads = Vec::with_capacity(n);
        for _ in 0..n {
            payloads.push(r.bytes(geometry.payload_len())?.to_vec());
        }
        r.finish()?;
        Ok(PollResponse { payloads })
    }
}
