//! Trying a handler in a unit test: run it on bytes with a format chain, as
//! Main would (decompression, reader, parsers, `setup` → `recv` → `result`),
//! and get its output and the records it was given. No config file, no
//! object store, no AWS.
//!
//! ```
//! # use slips::{Handler, Meta, Record};
//! # struct Count(u64);
//! # impl Handler for Count {
//! #     type Args = serde_json::Value;
//! #     type Output = u64;
//! #     async fn setup(_: serde_json::Value) -> slips::Result<Self> { Ok(Count(0)) }
//! #     async fn recv(&mut self, _: &Meta<'_>, _: &Record<'_>) -> slips::Result<()> { self.0 += 1; Ok(()) }
//! #     async fn result(self) -> slips::Result<u64> { Ok(self.0) }
//! # }
//! let ran = slips::testing::Trial::new("s3-lines,json")
//!     .run_blocking::<Count>(b"{\"a\":1}\n{\"a\":2}\n")
//!     .expect("runs");
//! assert_eq!(ran.output, 2);
//! assert_eq!(ran.records[1].line, Some(2));
//! ```

use std::io;

use crate::config::Config;
use crate::event::ObjectEvent;
use crate::functions::main;
use crate::handler::{Handler, Meta, Record};
use crate::object::{ObjectBody, ObjectStore};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// `json!({...})` for [`Trial::args`], without a serde_json dependency of your own.
pub use serde_json::json;

/// The bucket a trial's object is in.
const BUCKET: &str = "slips-testing";

/// One object to run a handler on: its format chain, the handler's args,
/// what to do with a record that does not parse, the object's key.
#[derive(Debug, Clone)]
pub struct Trial {
    format: Vec<String>,
    args: serde_json::Value,
    skip_parse_errors: bool,
    key: String,
}

/// What a trial gave: the handler's result, every record it was handed, and
/// the records skipped because they did not parse.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Ran<O> {
    /// What the handler's `result` returned.
    pub output: O,
    /// Every record `recv` was given, in order.
    pub records: Vec<Seen>,
    /// Records that did not parse and were skipped ([`Trial::skip_parse_errors`]).
    pub skipped: u64,
}

/// A record as the handler saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Seen {
    /// [`Meta::tag`].
    pub tag: Option<String>,
    /// [`Meta::timestamp`].
    pub timestamp: Option<DateTime<Utc>>,
    /// [`Meta::line`].
    pub line: Option<u64>,
    /// The record's text ([`Record::raw`], lossily UTF-8).
    pub text: String,
}

impl Trial {
    /// A trial with the format chain `format`, comma separated as on the
    /// command line (`s3-lines,json`); args `{}`, parse errors fail.
    pub fn new(format: &str) -> Self {
        Trial {
            format: format.split(',').map(|s| s.trim().to_string()).collect(),
            args: json!({}),
            skip_parse_errors: false,
            key: "object".into(),
        }
    }

    /// `handler.args` (as the config would give them).
    pub fn args(mut self, args: serde_json::Value) -> Self {
        self.args = args;
        self
    }

    /// `on_parse_error: skip`: a record that does not parse is counted, not an error.
    pub fn skip_parse_errors(mut self) -> Self {
        self.skip_parse_errors = true;
        self
    }

    /// The object's key, as the handler's `meta.source.key` shows it.
    pub fn key(mut self, key: &str) -> Self {
        self.key = key.into();
        self
    }

    /// Runs `H` on `bytes` (compressed or not, as an object in S3 would be).
    /// An error is the object's failure, as Main reports it
    /// (`s3://slips-testing/object:2: invalid JSON …`).
    pub async fn run<H: Handler>(&self, bytes: &[u8]) -> anyhow::Result<Ran<H::Output>> {
        let config = self.config()?;
        let event = ObjectEvent {
            object_size: bytes.len() as u64,
            ..ObjectEvent::new(BUCKET, &self.key)
        };
        let store = Bytes(bytes.to_vec());
        let mut invocation =
            main::process::<Recording<H>, _>(&config, &store, std::slice::from_ref(&event)).await?;
        if let Some(failure) = invocation.failed.pop() {
            return Err(failure.error);
        }
        let (output, records) = invocation.output;
        Ok(Ran {
            output,
            records,
            skipped: invocation.summary.skipped,
        })
    }

    /// [`Trial::run`] for a plain `#[test]`, on a runtime of its own.
    pub fn run_blocking<H: Handler>(&self, bytes: &[u8]) -> anyhow::Result<Ran<H::Output>> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(self.run::<H>(bytes))
    }

    fn config(&self) -> anyhow::Result<Config> {
        let names = self.format.join(",");
        let chain: crate::format::FormatChain = names
            .parse()
            .map_err(|reasons| anyhow::anyhow!("format `{names}`: {reasons}"))?;
        let on_parse_error = if self.skip_parse_errors {
            "skip"
        } else {
            "fail"
        };
        let config = json!({
            "stack_name": "slips-testing",
            "backend": {"sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}]},
            "handler": {"path": ".", "args": self.args},
            "bucket_mapping": {BUCKET: [
                {"prefix": "", "format": chain, "on_parse_error": on_parse_error}
            ]},
        });
        Ok(serde_json::from_value(config)?)
    }
}

/// What a config's mapping makes of one object, for `slips test`: every
/// record a handler would be handed, the counts of those left out, and the
/// object's failure (after the records read before it), if it failed.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Mapped {
    pub records: Vec<Seen>,
    pub summary: main::Summary,
    pub error: Option<String>,
}

/// Reads `event` from `store` as `config`'s `bucket_mapping` says, with a
/// handler that accepts every record (its args are not read).
#[doc(hidden)]
pub async fn mapped<S: ObjectStore>(
    config: &Config,
    store: &S,
    event: &ObjectEvent,
) -> anyhow::Result<Mapped> {
    let invocation =
        main::process::<Recording<Accept>, _>(config, store, std::slice::from_ref(event)).await?;
    Ok(Mapped {
        records: invocation.output.1,
        summary: invocation.summary,
        error: invocation
            .failed
            .first()
            .map(|failure| main::error_message(&failure.error)),
    })
}

/// A handler that takes every record and keeps nothing.
struct Accept;

impl Handler for Accept {
    type Args = serde::de::IgnoredAny;
    type Output = ();

    async fn setup(_: serde::de::IgnoredAny) -> crate::Result<Self> {
        Ok(Accept)
    }

    async fn recv(&mut self, _: &Meta<'_>, _: &Record<'_>) -> crate::Result<()> {
        Ok(())
    }

    async fn result(self) -> crate::Result<()> {
        Ok(())
    }
}

/// The one object of a trial, in memory.
struct Bytes(Vec<u8>);

impl ObjectStore for Bytes {
    async fn open(&self, _: &ObjectEvent) -> io::Result<ObjectBody> {
        Ok(Box::new(io::Cursor::new(self.0.clone())))
    }
}

/// The handler under test, and every record handed to it.
struct Recording<H> {
    handler: H,
    seen: Vec<Seen>,
}

impl<H: Handler> Handler for Recording<H> {
    type Args = H::Args;
    type Output = (H::Output, Vec<Seen>);

    async fn setup(args: H::Args) -> crate::Result<Self> {
        Ok(Recording {
            handler: H::setup(args).await?,
            seen: Vec::new(),
        })
    }

    async fn recv(&mut self, meta: &Meta<'_>, record: &Record<'_>) -> crate::Result<()> {
        self.handler.recv(meta, record).await?;
        self.seen.push(Seen {
            tag: meta.tag.map(String::from),
            timestamp: meta.timestamp,
            line: meta.line,
            text: String::from_utf8_lossy(&record.raw()).into_owned(),
        });
        Ok(())
    }

    async fn result(self) -> crate::Result<Self::Output> {
        Ok((self.handler.result().await?, self.seen))
    }
}
