//! Reading objects: the object store port, compression detected from the
//! content, and the cutting of a decompressed stream into blocks of whole
//! records, on a thread of its own so decompression and parsing overlap.
//!
//! Memory stays bounded whatever the object size: a few blocks in flight.

mod blocks;
mod decode;
mod entries;
mod multiline;
mod s3;

use std::future::Future;
use std::io::{self, Read};

pub use blocks::{
    BLOCK_BYTES, Block, Blocks, Cut, LineCheck, LineTooLong, MAX_RECORD_BYTES, Piece,
};
pub use decode::Compression;
pub use entries::NotALogFile;
pub use s3::S3Store;

use crate::event::ObjectEvent;

/// An object's bytes as they are stored (possibly compressed).
pub type ObjectBody = Box<dyn Read + Send>;

/// Where objects are read from: S3, or a directory for local runs.
pub trait ObjectStore: Send + Sync {
    /// Opens the object an event is about, for streaming: the version it
    /// names, if any; else the object only while its ETag is the event's
    /// (a changed object is an error, not other content read in its place).
    fn open(&self, event: &ObjectEvent) -> impl Future<Output = io::Result<ObjectBody>> + Send;
}
