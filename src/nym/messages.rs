//! Strict codecs of the nym messages (`spec/nym.md §3.2`, `§3.3`, `§5.2`, `§6.1`, `§6.4`, `§6.6`).

use alloc::vec::Vec;

use super::authority::Token;
use super::log::LogEntry;
use super::{
    NymError, ADDRESS_LEN, AUTH_LEN, CASE_ID_LEN, FRAGMENT_DATA_MAX, FRAGMENT_HEADER_LEN,
    MAX_FRAGMENTS, MAX_MAILBOX_PAYLOADS, NOTIFICATION_LEN, NYM_KEY_LEN,
};
use crate::mix::Geometry;
use crate::wire::Reader;

/// A Swap: `key(32) || authentication(32) || blob(H + 33)`, exactly `P - 1` bytes
/// (`spec/nym.md §3.2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwapRequest {
    /// `nym_key(K)`.
    pub key: [u8; NYM_KEY_LEN],
    /// `0^32` to create, `auth(current blob)` to replace.
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

/// A message handed to the nymserver by its final hop, classified by length
/// (`spec/nym.md §3.3`, NYM-MSG-1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NymMessage {
    /// Exactly `P - 1` bytes.
    Swap(SwapRequest),
    /// Shorter, type `0x01`.
    Fragment(Fragment),
}

impl NymMessage {
    /// Classifies and decodes an unpadded payload.
    pub fn decode(geometry: Geometry, message: &[u8]) -> Result<Self, NymError> {
        // SPEC: spec/nym.md#nymserver-messages (NYM-MSG-1)
        if message.len() == geometry.max_message_len() {
            SwapRequest::decode(geometry, message).map(NymMessage::Swap)
        } else if message.first() == Some(&0x01) && message.len() < geometry.max_message_len() {
            Fragment::decode(message).map(NymMessage::Fragment)
        } else {
            Err(NymError::Malformed)
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

/// A notification (`spec/nym.md §6.6`): 46 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notification {
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

/// What a client finds in its mailbox after [`crate::mix::SurbSecret::open_reply`]
/// (`spec/nym.md §6.6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientMessage {
    /// `0x01`: a notification.
    Notification(Notification),
    /// `0x00`: the client's own dummy.
    Dummy([u8; 32]),
}

impl ClientMessage {
    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(NOTIFICATION_LEN);
        match self {
            ClientMessage::Notification(n) => {
                v.push(0x01);
                v.extend_from_slice(&n.case_id);
                v.extend_from_slice(&n.chain_token);
                v.push(n.generation);
                v.extend_from_slice(&n.disease.to_be_bytes());
                v.extend_from_slice(&n.time.to_be_bytes());
                v.extend_from_slice(&n.duration.to_be_bytes());
            }
            ClientMessage::Dummy(d) => {
                v.push(0x00);
                v.extend_from_slice(d);
            }
        }
        v
    }

    /// Strict decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        let m = match r.u8()? {
            0x00 => ClientMessage::Dummy(r.array()?),
            0x01 => ClientMessage::Notification(Notification {
                case_id: r.array()?,
                chain_token: r.array()?,
                generation: r.u8()?,
                disease: r.u16_be()?,
                time: r.u64_be()?,
                duration: r.u16_be()?,
            }),
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
