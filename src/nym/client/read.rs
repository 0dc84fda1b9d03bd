//! Reading what arrives in a mailbox (`spec/nym.md §7.3`): a notification under the SURB's own
//! MessageKey, or an acknowledgement under the ack key of the arm's chain element.

use alloc::vec::Vec;
use zeroize::Zeroizing;

use crate::mix::SurbSecret;
use crate::nym::address::{ack_message_key, chain_distance};
use crate::nym::messages::{Ack, ClientMessage, Notification, UploadStatus};
use crate::nym::{NymError, ADDRESS_LEN, AUTH_LEN, SWAP_WINDOW};

/// What one mailbox payload of an arm is (`spec/nym.md §7.3`, NYM-READ-1..3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    /// A notification sent through the arm's SURB: the arm was installed and is now spent.
    Notification(Notification),
    /// An acknowledgement: the arm was installed and was displaced, unused, by the Swap whose
    /// element is `steps` chain steps after the arm's own.
    Ack {
        /// The acknowledgement as received.
        ack: Ack,
        /// How many Swaps after the arm's own the displacing one was.
        steps: usize,
        /// Its sealed records that opened under `K`, in the order received.
        notifications: Vec<Notification>,
    },
}

/// The same SURB secret with its MessageKey replaced (the hop secrets are what peel the layers).
fn with_message_key(secret: &SurbSecret, key: &[u8; 32]) -> Result<SurbSecret, NymError> {
    let mut bytes = secret.to_bytes();
    let n = bytes.len().checked_sub(32).ok_or(NymError::BadReply)?;
    bytes.truncate(n);
    bytes.extend_from_slice(key);
    SurbSecret::from_bytes(&bytes).map_err(|_| NymError::BadReply)
}

/// Reads `payload`, delivered to the mailbox of an arm whose SURB secret is `secret` and whose
/// Swap carried chain element `element`, for contact address `K` (`spec/nym.md §7.3`). In order:
/// a notification under the SURB's MessageKey; an acknowledgement under
/// `ack_message_key(element)` whose element is 1..=SWAP_WINDOW steps ahead; else `NYM_BAD_REPLY`.
pub fn read_payload(
    address: &[u8; ADDRESS_LEN],
    secret: &SurbSecret,
    element: &[u8; AUTH_LEN],
    payload: &[u8],
) -> Result<Reading, NymError> {
    // SPEC: spec/nym.md#reading (NYM-READ-1: the SURB's own MessageKey, a notification only)
    if let Ok(m) = secret.open_reply(payload) {
        if let Ok(ClientMessage::Notification(n)) = ClientMessage::decode(&m) {
            return Ok(Reading::Notification(n));
        }
    }
    // SPEC: spec/nym.md#reading (NYM-READ-2: the ack key, an acknowledgement from this chain only)
    let ack_secret = with_message_key(secret, &Zeroizing::new(*ack_message_key(element)))?;
    if let Ok(m) = ack_secret.open_reply(payload) {
        if let Ok(ClientMessage::Ack(ack)) = ClientMessage::decode(&m) {
            if let Some(steps) = chain_distance(&ack.element, element, SWAP_WINDOW) {
                // SPEC: spec/nym.md#reading (NYM-READ-3: records that do not open are ignored)
                let notifications = ack
                    .records
                    .iter()
                    .filter_map(|r| {
                        r.open(address)
                            .ok()
                            .map(|body| Notification { seq: r.seq, body })
                    })
                    .collect();
                return Ok(Reading::Ack {
                    ack,
                    steps,
                    notifications,
                });
            }
        }
    }
    Err(NymError::BadReply)
}

/// Reads the answer to a status request from its SURB's mailbox (`spec/nym.md §6.2`).
pub fn read_status(secret: &SurbSecret, payload: &[u8]) -> Result<UploadStatus, NymError> {
    let m = secret.open_reply(payload).map_err(|_| NymError::BadReply)?;
    match ClientMessage::decode(&m) {
        Ok(ClientMessage::Status(s)) => Ok(s),
        _ => Err(NymError::BadReply),
    }
}
