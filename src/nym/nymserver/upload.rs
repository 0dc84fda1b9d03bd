//! Uploads: fragments, reassembly, the record of processed uploads and status requests
//! (`spec/nym.md §6.1`, `§6.2`).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use rand_core::CryptoRngCore;

use super::{CompletedUpload, NymStore, Nymserver, PartialUpload, ServerOutput};
use crate::mix::Packet;
use crate::nym::messages::{
    ClientMessage, Fragment, StatusRequest, Upload, UploadState, UploadStatus,
};
use crate::nym::{NymError, UPLOAD_ID_LEN, UPLOAD_TIMEOUT};

/// The key that orders partial uploads for eviction: oldest start first, then the smaller id.
fn oldest<V>(
    map: &BTreeMap<[u8; UPLOAD_ID_LEN], V>,
    when: impl Fn(&V) -> u64,
) -> Option<[u8; UPLOAD_ID_LEN]> {
    map.iter()
        .min_by_key(|(id, v)| (when(v), **id))
        .map(|(id, _)| *id)
}

impl<S: NymStore> Nymserver<S> {
    /// Stores a fragment (`spec/nym.md §6.1`, NYM-FRAG-1..4); when the upload is complete, decodes
    /// and processes it and records the result for status requests.
    pub fn add_fragment(
        &mut self,
        now: u64,
        f: Fragment,
        rng: &mut impl CryptoRngCore,
    ) -> Result<ServerOutput, NymError> {
        // SPEC: spec/nym.md#fragment (NYM-FRAG-2: an upload already processed is not processed again)
        if self
            .completed
            .get(&f.upload_id)
            .is_some_and(|c| now < c.expires)
        {
            return Ok(ServerOutput::FragmentDuplicate);
        }
        let live = self
            .uploads
            .get(&f.upload_id)
            .is_some_and(|p| now < p.started.saturating_add(UPLOAD_TIMEOUT));
        if !live {
            self.uploads.remove(&f.upload_id);
            // SPEC: spec/nym.md#bounded-state (partial uploads: the oldest is evicted)
            if self.uploads.len() >= self.limits.max_partial_uploads {
                if let Some(id) = oldest(&self.uploads, |p| p.started) {
                    self.uploads.remove(&id);
                }
            }
            if self.limits.max_partial_uploads == 0 {
                return Err(NymError::Capacity);
            }
            self.uploads.insert(
                f.upload_id,
                PartialUpload {
                    count: f.count,
                    started: now,
                    fragments: BTreeMap::new(),
                },
            );
        }
        let p = self
            .uploads
            .get_mut(&f.upload_id)
            .ok_or(NymError::BadFragment)?;
        // SPEC: spec/nym.md#fragment (NYM-FRAG-3: one count per upload; a repeated index must
        // repeat its data)
        if p.count != f.count {
            return Err(NymError::BadFragment);
        }
        match p.fragments.get(&f.index) {
            Some(d) if *d != f.data => return Err(NymError::BadFragment),
            Some(_) => return Ok(ServerOutput::FragmentDuplicate),
            None => {
                p.fragments.insert(f.index, f.data);
            }
        }
        if p.fragments.len() < usize::from(p.count) {
            return Ok(ServerOutput::FragmentStored);
        }
        // SPEC: spec/nym.md#fragment (NYM-FRAG-4: reassembled in index order, processed once)
        let bytes: Vec<u8> = self
            .uploads
            .remove(&f.upload_id)
            .map(|p| p.fragments.into_values().flatten().collect())
            .unwrap_or_default();
        let result = Upload::decode(&bytes).and_then(|u| self.process_upload(now, &u, rng));
        self.record_completed(
            now,
            f.upload_id,
            result.as_ref().map(|_| ()).map_err(|e| *e),
        );
        result.map(ServerOutput::Upload)
    }

    fn record_completed(
        &mut self,
        now: u64,
        id: [u8; UPLOAD_ID_LEN],
        result: Result<(), NymError>,
    ) {
        // SPEC: spec/nym.md#bounded-state (records of processed uploads: the oldest is evicted)
        if self.completed.len() >= self.limits.max_completed_uploads {
            if let Some(old) = oldest(&self.completed, |c| c.expires) {
                self.completed.remove(&old);
            }
        }
        if self.limits.max_completed_uploads > 0 {
            self.completed.insert(
                id,
                CompletedUpload {
                    result,
                    expires: now.saturating_add(UPLOAD_TIMEOUT),
                },
            );
        }
    }

    /// What the nymserver knows of an upload (`spec/nym.md §6.2`).
    pub fn upload_state(&self, now: u64, upload_id: &[u8; UPLOAD_ID_LEN]) -> UploadState {
        if let Some(c) = self.completed.get(upload_id).filter(|c| now < c.expires) {
            return UploadState::Done(c.result);
        }
        match self
            .uploads
            .get(upload_id)
            .filter(|p| now < p.started.saturating_add(UPLOAD_TIMEOUT))
        {
            Some(p) => {
                let mut have = alloc::vec![0u8; usize::from(p.count).div_ceil(8)];
                for i in p.fragments.keys() {
                    if let Some(b) = have.get_mut(usize::from(*i) / 8) {
                        *b |= 1 << (i % 8);
                    }
                }
                UploadState::Partial {
                    count: p.count,
                    have,
                }
            }
            None => UploadState::Unknown,
        }
    }

    /// Answers a status request through its SURB (`spec/nym.md §6.2`); changes nothing.
    pub fn status(&self, now: u64, req: &StatusRequest) -> Result<(u8, Packet), NymError> {
        let msg = ClientMessage::Status(UploadStatus {
            upload_id: req.upload_id,
            state: self.upload_state(now, &req.upload_id),
        })
        .encode();
        req.surb.reply(&msg).map_err(|_| NymError::BadBlob)
    }
}
