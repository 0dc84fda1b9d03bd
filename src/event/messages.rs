//! Strict binary codecs of every message (`spec/events.md §4`, §5, §7). Decoders check structure
//! only (tag, lengths, bounded UTF-8 text, status and hops codes, no trailing bytes); keys and
//! signatures are checked by the operation that consumes the message.

use alloc::string::String;
use alloc::vec::Vec;

use super::status::Status;
use super::{EventError, MAX_MESSAGE_LEN, MAX_NAME_LEN};
use crate::wire::{decode_exact, Reader};

/// Message tags (`spec/events.md §4`).
pub mod tag {
    /// PairingHello.
    pub const PAIRING_HELLO: u8 = 0x01;
    /// PairingConfirm.
    pub const PAIRING_CONFIRM: u8 = 0x02;
    /// PairingCommit.
    pub const PAIRING_COMMIT: u8 = 0x03;
    /// ContactUpdate.
    pub const CONTACT_UPDATE: u8 = 0x10;
    /// CheckIn.
    pub const CHECK_IN: u8 = 0x20;
    /// CheckInAck.
    pub const CHECK_IN_ACK: u8 = 0x21;
    /// StatsRequest.
    pub const STATS_REQUEST: u8 = 0x22;
    /// Stats.
    pub const STATS: u8 = 0x23;
    /// Report.
    pub const REPORT: u8 = 0x24;
    /// ReportAck.
    pub const REPORT_ACK: u8 = 0x25;
}

fn expect_tag(r: &mut Reader<'_>, t: u8) -> Result<(), EventError> {
    if r.u8()? == t {
        Ok(())
    } else {
        Err(EventError::UnknownTag)
    }
}

fn read_status_hops(r: &mut Reader<'_>) -> Result<(Status, u8), EventError> {
    let status = Status::from_code(r.u8()?)?;
    let hops = r.u8()?;
    status.check_hops(hops)?;
    Ok((status, hops))
}

/// PairingCommit, tag `0x03`, 65 bytes (`spec/events.md §5.3`): the joiner's commitment to its
/// PairingHello, sent before it has seen the initiator's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairingCommit {
    /// `SHA256(PAIRING_COMMIT || hello_joiner)`.
    pub commitment: [u8; 32],
    /// `HMAC(k_pair, PAIRING_COMMIT || commitment)`: only QR holders can open a session.
    pub mac: [u8; 32],
}

impl PairingCommit {
    /// Encoded length.
    pub const LEN: usize = 65;

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.push(tag::PAIRING_COMMIT);
        v.extend_from_slice(&self.commitment);
        v.extend_from_slice(&self.mac);
        v
    }

    /// Strict decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        decode_exact(bytes, |r| {
            expect_tag(r, tag::PAIRING_COMMIT)?;
            Ok(PairingCommit {
                commitment: r.array()?,
                mac: r.array()?,
            })
        })
    }
}

/// PairingHello, tag `0x01`, 194 bytes (`spec/events.md §5.4`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairingHello {
    /// 0 initiator, 1 joiner.
    pub role: u8,
    /// Sender's permanent public key.
    pub identity: [u8; 32],
    /// The discovery public key the peer should dial this sender at.
    pub address: [u8; 32],
    /// 32 fresh random bytes of this run.
    pub nonce: [u8; 32],
    /// Identity signature.
    pub sig: [u8; 64],
    /// MAC under the pairing key.
    pub mac: [u8; 32],
}

impl PairingHello {
    /// Encoded length.
    pub const LEN: usize = 194;

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.push(tag::PAIRING_HELLO);
        v.push(self.role);
        v.extend_from_slice(&self.identity);
        v.extend_from_slice(&self.address);
        v.extend_from_slice(&self.nonce);
        v.extend_from_slice(&self.sig);
        v.extend_from_slice(&self.mac);
        v
    }

    /// Strict decoding (`EVENT_BAD_ROLE` for a role other than 0 or 1).
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        decode_exact(bytes, |r| {
            expect_tag(r, tag::PAIRING_HELLO)?;
            let role = read_role(r)?;
            Ok(PairingHello {
                role,
                identity: r.array()?,
                address: r.array()?,
                nonce: r.array()?,
                sig: r.array()?,
                mac: r.array()?,
            })
        })
    }
}

fn read_role(r: &mut Reader<'_>) -> Result<u8, EventError> {
    let role = r.u8()?;
    if role > 1 {
        return Err(EventError::BadRole);
    }
    Ok(role)
}

/// PairingConfirm, tag `0x02`, 34 bytes (`spec/events.md §5.5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairingConfirm {
    /// Sender role.
    pub role: u8,
    /// Confirmation MAC over the transcript.
    pub confirm: [u8; 32],
}

impl PairingConfirm {
    /// Encoded length.
    pub const LEN: usize = 34;

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.push(tag::PAIRING_CONFIRM);
        v.push(self.role);
        v.extend_from_slice(&self.confirm);
        v
    }

    /// Strict decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        decode_exact(bytes, |r| {
            expect_tag(r, tag::PAIRING_CONFIRM)?;
            let role = read_role(r)?;
            Ok(PairingConfirm {
                role,
                confirm: r.array()?,
            })
        })
    }
}

/// ContactUpdate, tag `0x10`, 155 bytes (`spec/events.md §5.6`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactUpdateMsg {
    /// Sender identity.
    pub identity: [u8; 32],
    /// Sequence number.
    pub seq: u64,
    /// Send time.
    pub time: u64,
    /// Status.
    pub status: Status,
    /// Hops.
    pub hops: u8,
    /// Since.
    pub since: u64,
    /// Address the recipient should use.
    pub address: [u8; 32],
    /// Signature.
    pub sig: [u8; 64],
}

impl ContactUpdateMsg {
    /// Encoded length.
    pub const LEN: usize = 155;

    /// `bytes[1..91]`: the signed body without the recipient.
    pub fn body(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(90);
        v.extend_from_slice(&self.identity);
        v.extend_from_slice(&self.seq.to_be_bytes());
        v.extend_from_slice(&self.time.to_be_bytes());
        v.push(self.status.code());
        v.push(self.hops);
        v.extend_from_slice(&self.since.to_be_bytes());
        v.extend_from_slice(&self.address);
        v
    }

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.push(tag::CONTACT_UPDATE);
        v.extend_from_slice(&self.body());
        v.extend_from_slice(&self.sig);
        v
    }

    /// Strict decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        decode_exact(bytes, |r| {
            expect_tag(r, tag::CONTACT_UPDATE)?;
            let identity = r.array()?;
            let seq = r.u64_be()?;
            let time = r.u64_be()?;
            let (status, hops) = read_status_hops(r)?;
            Ok(ContactUpdateMsg {
                identity,
                seq,
                time,
                status,
                hops,
                since: r.u64_be()?,
                address: r.array()?,
                sig: r.array()?,
            })
        })
    }
}

/// CheckIn, tag `0x20`, 193 bytes (`spec/events.md §7.2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckIn {
    /// Public key of the single-use credential.
    pub credential: [u8; 32],
    /// Fresh pseudonym public key.
    pub pseudonym: [u8; 32],
    /// Signature by the credential.
    pub credential_sig: [u8; 64],
    /// Signature by the pseudonym.
    pub pseudonym_sig: [u8; 64],
}

impl CheckIn {
    /// Encoded length.
    pub const LEN: usize = 193;

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.push(tag::CHECK_IN);
        v.extend_from_slice(&self.credential);
        v.extend_from_slice(&self.pseudonym);
        v.extend_from_slice(&self.credential_sig);
        v.extend_from_slice(&self.pseudonym_sig);
        v
    }

    /// Strict decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        decode_exact(bytes, |r| {
            expect_tag(r, tag::CHECK_IN)?;
            Ok(CheckIn {
                credential: r.array()?,
                pseudonym: r.array()?,
                credential_sig: r.array()?,
                pseudonym_sig: r.array()?,
            })
        })
    }
}

/// CheckInAck, tag `0x21`, 105 bytes (`spec/events.md §7.2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInAck {
    /// The accepted pseudonym.
    pub pseudonym: [u8; 32],
    /// Event start.
    pub start: u64,
    /// Event signature.
    pub sig: [u8; 64],
}

impl CheckInAck {
    /// Encoded length.
    pub const LEN: usize = 105;

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.push(tag::CHECK_IN_ACK);
        v.extend_from_slice(&self.pseudonym);
        v.extend_from_slice(&self.start.to_be_bytes());
        v.extend_from_slice(&self.sig);
        v
    }

    /// Strict decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        decode_exact(bytes, |r| {
            expect_tag(r, tag::CHECK_IN_ACK)?;
            Ok(CheckInAck {
                pseudonym: r.array()?,
                start: r.u64_be()?,
                sig: r.array()?,
            })
        })
    }
}

/// StatsRequest, tag `0x22`, 105 bytes (`spec/events.md §7.3`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatsRequest {
    /// Requesting pseudonym.
    pub pseudonym: [u8; 32],
    /// Request time.
    pub time: u64,
    /// Pseudonym signature.
    pub sig: [u8; 64],
}

impl StatsRequest {
    /// Encoded length.
    pub const LEN: usize = 105;

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.push(tag::STATS_REQUEST);
        v.extend_from_slice(&self.pseudonym);
        v.extend_from_slice(&self.time.to_be_bytes());
        v.extend_from_slice(&self.sig);
        v
    }

    /// Strict decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        decode_exact(bytes, |r| {
            expect_tag(r, tag::STATS_REQUEST)?;
            Ok(StatsRequest {
                pseudonym: r.array()?,
                time: r.u64_be()?,
                sig: r.array()?,
            })
        })
    }
}

/// The counters of a Stats message (`spec/events.md §7.3`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Checked-in pseudonyms.
    pub attendees: u32,
    /// Negative.
    pub negative: u32,
    /// Suspected.
    pub suspected: u32,
    /// Positive.
    pub positive: u32,
    /// HighRisk by hops 1, 2, 3.
    pub high_risk: [u32; 3],
}

/// Stats, tag `0x23`, 149 bytes (`spec/events.md §7.3`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Event identity public key.
    pub event: [u8; 32],
    /// Event time of the answer.
    pub time: u64,
    /// Start.
    pub start: u64,
    /// End, 0 while Active.
    pub end: u64,
    /// Counters.
    pub counts: Counts,
    /// Event signature over `bytes[1..85]`.
    pub sig: [u8; 64],
}

impl Stats {
    /// Encoded length.
    pub const LEN: usize = 149;

    /// `bytes[1..85]`, the signed body.
    pub fn body(&self) -> Vec<u8> {
        let c = &self.counts;
        let mut v = Vec::with_capacity(84);
        v.extend_from_slice(&self.event);
        v.extend_from_slice(&self.time.to_be_bytes());
        v.extend_from_slice(&self.start.to_be_bytes());
        v.extend_from_slice(&self.end.to_be_bytes());
        for n in [c.attendees, c.negative, c.suspected, c.positive]
            .iter()
            .chain(c.high_risk.iter())
        {
            v.extend_from_slice(&n.to_be_bytes());
        }
        v
    }

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.push(tag::STATS);
        v.extend_from_slice(&self.body());
        v.extend_from_slice(&self.sig);
        v
    }

    /// Strict decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        decode_exact(bytes, |r| {
            expect_tag(r, tag::STATS)?;
            Ok(Stats {
                event: r.array()?,
                time: r.u64_be()?,
                start: r.u64_be()?,
                end: r.u64_be()?,
                counts: Counts {
                    attendees: r.u32_be()?,
                    negative: r.u32_be()?,
                    suspected: r.u32_be()?,
                    positive: r.u32_be()?,
                    high_risk: [r.u32_be()?, r.u32_be()?, r.u32_be()?],
                },
                sig: r.array()?,
            })
        })
    }
}

/// Report, tag `0x24` (`spec/events.md §7.4`): status update and identity reveal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Reporting pseudonym.
    pub pseudonym: [u8; 32],
    /// Revealed permanent identity.
    pub identity: [u8; 32],
    /// Per-pseudonym counter, strictly increasing, first ≥ 1.
    pub counter: u32,
    /// Report time.
    pub time: u64,
    /// New status.
    pub status: Status,
    /// Hops.
    pub hops: u8,
    /// "Infecting since".
    pub since: u64,
    /// Real name (0..=64 bytes).
    pub name: String,
    /// Free text for the organiser (0..=280 bytes).
    pub message: String,
    /// Pseudonym signature.
    pub pseudonym_sig: [u8; 64],
    /// Permanent identity signature.
    pub identity_sig: [u8; 64],
}

impl Report {
    /// Length without name and message.
    pub const FIXED_LEN: usize = 1 + 32 + 32 + 4 + 8 + 1 + 1 + 8 + 1 + 2 + 64 + 64;

    /// `bytes[1 .. end of message]`: the signed fields (the event identity is prepended to sign).
    pub fn body(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::FIXED_LEN + self.name.len() + self.message.len());
        v.extend_from_slice(&self.pseudonym);
        v.extend_from_slice(&self.identity);
        v.extend_from_slice(&self.counter.to_be_bytes());
        v.extend_from_slice(&self.time.to_be_bytes());
        v.push(self.status.code());
        v.push(self.hops);
        v.extend_from_slice(&self.since.to_be_bytes());
        // Lengths are bounded by construction (checked by `check_text`).
        v.push(u8::try_from(self.name.len()).unwrap_or(u8::MAX));
        v.extend_from_slice(self.name.as_bytes());
        v.extend_from_slice(
            &u16::try_from(self.message.len())
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        v.extend_from_slice(self.message.as_bytes());
        v
    }

    /// Checks the text bounds of `spec/events.md §7.4` (`EVENT_BAD_TEXT`).
    pub fn check_text(name: &str, message: &str) -> Result<(), EventError> {
        if name.len() > MAX_NAME_LEN || message.len() > MAX_MESSAGE_LEN {
            Err(EventError::BadText)
        } else {
            Ok(())
        }
    }

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::FIXED_LEN + self.name.len() + self.message.len());
        v.push(tag::REPORT);
        v.extend_from_slice(&self.body());
        v.extend_from_slice(&self.pseudonym_sig);
        v.extend_from_slice(&self.identity_sig);
        v
    }

    /// Strict decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        decode_exact(bytes, |r| {
            expect_tag(r, tag::REPORT)?;
            let pseudonym = r.array()?;
            let identity = r.array()?;
            let counter = r.u32_be()?;
            let time = r.u64_be()?;
            let (status, hops) = read_status_hops(r)?;
            let since = r.u64_be()?;
            let name = text(r.bytes_u8_prefixed()?, MAX_NAME_LEN)?;
            let message = text(r.bytes_u16_prefixed()?, MAX_MESSAGE_LEN)?;
            Ok(Report {
                pseudonym,
                identity,
                counter,
                time,
                status,
                hops,
                since,
                name,
                message,
                pseudonym_sig: r.array()?,
                identity_sig: r.array()?,
            })
        })
    }
}

fn text(bytes: &[u8], max: usize) -> Result<String, EventError> {
    if bytes.len() > max {
        return Err(EventError::BadText);
    }
    core::str::from_utf8(bytes)
        .map(String::from)
        .map_err(|_| EventError::BadText)
}

/// ReportAck, tag `0x25`, 102 bytes (`spec/events.md §7.4`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportAck {
    /// Pseudonym.
    pub pseudonym: [u8; 32],
    /// Counter of the acknowledged report.
    pub counter: u32,
    /// Status now held.
    pub status: Status,
    /// Event signature.
    pub sig: [u8; 64],
}

impl ReportAck {
    /// Encoded length.
    pub const LEN: usize = 102;

    /// `bytes[1..38]`.
    pub fn body(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(37);
        v.extend_from_slice(&self.pseudonym);
        v.extend_from_slice(&self.counter.to_be_bytes());
        v.push(self.status.code());
        v
    }

    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        v.push(tag::REPORT_ACK);
        v.extend_from_slice(&self.body());
        v.extend_from_slice(&self.sig);
        v
    }

    /// Strict decoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventError> {
        decode_exact(bytes, |r| {
            expect_tag(r, tag::REPORT_ACK)?;
            Ok(ReportAck {
                pseudonym: r.array()?,
                counter: r.u32_be()?,
                status: Status::from_code(r.u8()?)?,
                sig: r.array()?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn report_round_trip(pseudonym in any::<[u8; 32]>(), counter in any::<u32>(), time in any::<u64>(),
                             code in 0u8..5, hops in 1u8..=3, since in any::<u64>(),
                             name in "[a-zé]{0,32}", message in ".{0,60}", cut in 0usize..200) {
            let status = Status::from_code(code).unwrap();
            let hops = if status == Status::HighRisk { hops } else { 0 };
            let r = Report { pseudonym, identity: [3; 32], counter, time, status, hops, since,
                name: name.clone(), message: message.clone(), pseudonym_sig: [4; 64], identity_sig: [5; 64] };
            let bytes = r.encode();
            prop_assert_eq!(Report::decode(&bytes), Ok(r.clone()));
            // Every strict prefix is truncated, never accepted.
            let cut = cut % bytes.len();
            prop_assert!(Report::decode(&bytes[..cut]).is_err());
            let mut longer = bytes.clone();
            longer.push(0);
            prop_assert_eq!(Report::decode(&longer), Err(EventError::TrailingBytes));
        }

        #[test]
        fn stats_round_trip(event in any::<[u8; 32]>(), time in any::<u64>(), a in any::<u32>(), h in any::<[u32; 3]>()) {
            let s = Stats { event, time, start: time / 2, end: 0,
                counts: Counts { attendees: a, negative: 1, suspected: 2, positive: 3, high_risk: h }, sig: [9; 64] };
            let bytes = s.encode();
            prop_assert_eq!(bytes.len(), Stats::LEN);
            prop_assert_eq!(Stats::decode(&bytes), Ok(s));
        }
    }
}
