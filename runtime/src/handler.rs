//! The Handler API: the one trait a user implements.
//!
//! ```no_run
//! use serde::Deserialize;
//! use slips::{Handler, Meta, Record};
//!
//! #[derive(Deserialize, Default)]
//! struct Args {
//!     /// Only count records with this tag.
//!     tag: Option<String>,
//! }
//!
//! struct Counter {
//!     args: Args,
//!     records: u64,
//! }
//!
//! impl Handler for Counter {
//!     type Args = Args;
//!     type Output = u64;
//!
//!     async fn setup(args: Args) -> slips::Result<Self> {
//!         Ok(Counter { args, records: 0 })
//!     }
//!
//!     async fn recv(&mut self, meta: &Meta<'_>, _record: &Record<'_>) -> slips::Result<()> {
//!         if self.args.tag.is_none() || meta.tag == self.args.tag.as_deref() {
//!             self.records += 1;
//!         }
//!         Ok(())
//!     }
//!
//!     async fn result(self) -> slips::Result<u64> {
//!         Ok(self.records)
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     slips::run::<Counter>()
//! }
//! ```

use std::borrow::Cow;
use std::future::Future;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::format::{Body, Item};

/// Errors of handler code: anything, with context (`anyhow::Context`).
pub type Error = anyhow::Error;
/// `Result` with the handler [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A user's log handler. One instance processes one invocation of Main
/// (a batch of objects): `setup` once, `recv` for every record of every
/// object, `result` at the end. Implement the methods as `async fn`.
pub trait Handler: Sized + Send {
    /// `handler.args` of the config, deserialized (`{}` when not given).
    type Args: DeserializeOwned + Send;
    /// What `result` returns: logged, and printed by `slips local`.
    type Output: Serialize + Send;

    /// A handler for one invocation, from the config's `handler.args`. An
    /// error fails the whole invocation (every object of it is retried);
    /// clients worth keeping between invocations belong in a
    /// [`Sandbox`](crate::Sandbox), which `setup` fetches.
    fn setup(args: Self::Args) -> impl Future<Output = Result<Self>> + Send;

    /// One record. An error (or a panic) ends the record's object: the
    /// handler goes on with the batch's other objects, and the failed object
    /// is retried alone (then lands in the error table); records of it that
    /// `recv` already accepted come again with the retry.
    fn recv(
        &mut self,
        meta: &Meta<'_>,
        record: &Record<'_>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The invocation's result, after the last record of its last object:
    /// flush what `recv` buffered here. An error fails the invocation.
    fn result(self) -> impl Future<Output = Result<Self::Output>> + Send;
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Source {
    /// The S3 bucket.
    pub bucket: String,
    /// The object's key (URL-decoded).
    pub key: String,
}

/// What is known about a record besides its content.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Meta<'a> {
    /// Set by the format chain's parsers, e.g. `aws.cloudtrail.AwsApiCall`.
    pub tag: Option<&'a str>,
    /// When the logged event happened, UTC, if a parser found it.
    pub timestamp: Option<DateTime<Utc>>,
    /// The object the record is in.
    pub source: &'a Source,
    /// Line of the object the record came from (1-based; `s3-lines` only).
    pub line: Option<u64>,
    /// Position of the record in its object, from 0.
    pub index: u64,
}

/// A record's content: its raw text cheaply, or deserialized on demand.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    body: &'a Body<'a>,
}

impl<'a> Record<'a> {
    pub(crate) fn new(item: &'a Item<'a>) -> Self {
        Record { body: &item.body }
    }

    /// The record's bytes: the line (or object) the reader cut, or the JSON
    /// text of the entry a parser split out. For a record a parser built
    /// (e.g. syslog fields), its JSON serialization.
    pub fn raw(&self) -> Cow<'a, [u8]> {
        match self.body {
            Body::Text(bytes) | Body::Json(bytes) => Cow::Borrowed(bytes),
            Body::JsonOwned(bytes) => Cow::Borrowed(bytes),
            Body::Value(value) => Cow::Owned(value.to_string().into_bytes()),
        }
    }

    /// The record as text (see [`Record::raw`]).
    pub fn text(&self) -> Result<Cow<'a, str>> {
        match self.raw() {
            Cow::Borrowed(bytes) => Ok(Cow::Borrowed(std::str::from_utf8(bytes)?)),
            Cow::Owned(bytes) => Ok(Cow::Owned(String::from_utf8(bytes)?)),
        }
    }

    /// Deserializes the record into your own type; borrowing fields
    /// (`&'a str`) point into the record without copying where they can.
    pub fn deserialize<T: Deserialize<'a>>(&self) -> Result<T> {
        Ok(self.body.fields()?)
    }

    /// The record as a `serde_json::Value` (a full parse: prefer
    /// [`Record::deserialize`] into a struct for speed).
    pub fn value(&self) -> Result<Cow<'a, serde_json::Value>> {
        match self.body {
            Body::Value(value) => Ok(Cow::Borrowed(value)),
            body => Ok(Cow::Owned(body.fields()?)),
        }
    }

    /// Whether the record is known to be JSON (checked by a parser).
    pub fn is_json(&self) -> bool {
        matches!(
            self.body,
            Body::Json(_) | Body::JsonOwned(_) | Body::Value(_)
        )
    }
}

/// What a panic said, from its payload.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".into()
    }
}
