//! Lanes: where object events wait between EventPusher and the Dispatchers.
//! The port is "put these events on that lane, all or fail"; Kinesis is the
//! AWS adapter, and the local pipeline has its own.

mod kinesis;

use std::future::Future;

pub use kinesis::{KinesisLanes, MAX_PUT_BYTES, MAX_RECORD_BYTES, MAX_RECORDS_PER_PUT};

use crate::event::{Lane, ObjectEvent};
use crate::failures::BatchRange;

/// Why events could not be put on a lane.
#[derive(Debug, thiserror::Error)]
#[error("putting {count} object event(s) on the {lane} lane: {reason}")]
pub struct LaneError {
    pub lane: Lane,
    pub count: usize,
    pub reason: String,
}

/// Puts object events on lanes.
pub trait LaneWriter: Send + Sync {
    /// Puts every event on `lane`, or fails: a success means the lane
    /// accepted all of them (partial failures are retried inside).
    fn put(
        &self,
        lane: Lane,
        events: &[ObjectEvent],
    ) -> impl Future<Output = Result<(), LaneError>> + Send;
}

/// A lane batch read back from its stream.
#[derive(Debug, Default)]
pub struct ReadBack {
    /// The lane whose stream it is, if it is one of these lanes'.
    pub lane: Option<Lane>,
    /// The records still in the stream, in order: (sequence number, data).
    pub records: Vec<(String, Vec<u8>)>,
}

/// Reads a lane batch back from its stream (one a Dispatcher gave up on).
pub trait LaneReader: Send + Sync {
    fn read(&self, range: &BatchRange) -> impl Future<Output = anyhow::Result<ReadBack>> + Send;
}

/// One event as a lane record: its JSON.
pub fn encode(event: &ObjectEvent) -> Vec<u8> {
    // An ObjectEvent has only strings and numbers: serializing cannot fail.
    serde_json::to_vec(event).unwrap_or_default()
}

/// A lane record back into an event.
pub fn decode(data: &[u8]) -> Result<ObjectEvent, serde_json::Error> {
    serde_json::from_slice(data)
}
