//! Main: the user's handler over every record of a batch of object events.
//!
//! For each event, the `bucket_mapping` entry with the longest matching
//! prefix picks the format chain; the object is streamed, decompressed and
//! cut into records off the async side, and each record goes through the
//! chain's parsers into `Handler::recv`.
//!
//! Failures are per object: a bad object, a parse error, a handler error or
//! a panic ends that object, and the handler goes on with the next one. In a
//! batch of several, [`handle`] hands each failed object back to Main as an
//! invocation of its own, so Lambda's retries and the dead-letter topic act
//! on it alone and its batch-mates are processed once.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use anyhow::{Context, anyhow};
use futures::FutureExt;
use serde::Serialize;

use crate::config::{Config, Mapping, OnParseError};
use crate::event::ObjectEvent;
use crate::format::{ObjectParser, Reader};
use crate::handler::{Handler, Meta, Record, Source};
use crate::invoker::Invoker;
use crate::object::{Blocks, Cut, LineTooLong, NotALogFile, ObjectStore};
use crate::rules::{Early, Redactor, Selector, Verdict};
use crate::telemetry::{MainDone, ObjectFailed, ObjectIgnored, ObjectProcessed, RecordSkipped};

/// The longest error message Main returns. Lambda keeps the first 1 KB of
/// it in the dead-letter message's `ErrorMessage` attribute (Lambda
/// Developer Guide, "Dead-letter queues": "Error message (truncated to 1
/// KB)"); the object and line it names fit well within that.
pub const MAX_ERROR_MESSAGE_BYTES: usize = 1024;

/// Why an object failed, as the error table's `error_code` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// No such object (deleted, or never there).
    ObjectNotFound,
    /// Main may not read it (S3 or KMS permissions).
    AccessDenied,
    /// The object changed since its notification.
    ObjectChanged,
    /// No `bucket_mapping` entry, or a bad format chain.
    NoMapping,
    /// The bytes could not be read to their end (truncated, corrupt).
    ReadFailed,
    /// A line over the record size limit.
    LineTooLong,
    /// A record failed to parse (`on_parse_error: fail`).
    ParseError,
    /// The handler returned an error.
    HandlerError,
    /// The handler panicked.
    HandlerPanic,
    /// Main's time ran out while reading it (or before it was reached).
    Timeout,
    /// The invocation failed outside any one object: the handler's `setup`
    /// or `result`, handing objects back, or Lambda itself (out of memory).
    InvocationError,
}

impl FailureKind {
    pub const ALL: [FailureKind; 11] = [
        FailureKind::ObjectNotFound,
        FailureKind::AccessDenied,
        FailureKind::ObjectChanged,
        FailureKind::NoMapping,
        FailureKind::ReadFailed,
        FailureKind::LineTooLong,
        FailureKind::ParseError,
        FailureKind::HandlerError,
        FailureKind::HandlerPanic,
        FailureKind::Timeout,
        FailureKind::InvocationError,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FailureKind::ObjectNotFound => "ObjectNotFound",
            FailureKind::AccessDenied => "AccessDenied",
            FailureKind::ObjectChanged => "ObjectChanged",
            FailureKind::NoMapping => "NoMapping",
            FailureKind::ReadFailed => "ReadFailed",
            FailureKind::LineTooLong => "LineTooLong",
            FailureKind::ParseError => "ParseError",
            FailureKind::HandlerError => "HandlerError",
            FailureKind::HandlerPanic => "HandlerPanic",
            FailureKind::Timeout => "Timeout",
            FailureKind::InvocationError => "InvocationError",
        }
    }

    /// The kind a failure message starts with (`ParseError: s3://…`), as
    /// [`error_message`] writes it: how the kind crosses the dead letter,
    /// which carries only the message.
    pub fn of_message(message: &str) -> Option<FailureKind> {
        let (name, _) = message.split_once(": ")?;
        FailureKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// An object's error with its kind; shown as the error itself.
#[derive(Debug)]
struct Classified {
    kind: FailureKind,
    error: anyhow::Error,
}

impl std::fmt::Display for Classified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for Classified {}

fn classified(kind: FailureKind, error: anyhow::Error) -> anyhow::Error {
    anyhow::Error::new(Classified { kind, error })
}

/// The kind of an object's failure, if it has one.
pub fn kind_of(error: &anyhow::Error) -> Option<FailureKind> {
    error.downcast_ref::<Classified>().map(|c| c.kind)
}

/// The error code an invocation's failure is recorded under.
pub fn error_code(error: &anyhow::Error) -> &'static str {
    kind_of(error)
        .unwrap_or(FailureKind::InvocationError)
        .name()
}

/// What one invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Objects read to their end (or ignored) without an error.
    pub objects: u64,
    /// Records handed to the handler from those objects.
    pub records: u64,
    /// Records that failed to parse and were skipped (`on_parse_error: skip`).
    pub skipped: u64,
    /// Records over their `multiline` limits, skipped (`on_parse_error: skip`).
    pub too_large: u64,
    /// Records the mapping's `filter` left out.
    pub filtered: u64,
    /// Records its `sample` left out.
    pub sampled_out: u64,
    /// Objects that failed.
    pub failed: u64,
}

/// The records left out on purpose, for a summary line: `, 3 filtered, 1
/// too large` (empty when none were).
pub fn left_out(too_large: u64, filtered: u64, sampled_out: u64) -> String {
    [
        (too_large, "too large"),
        (filtered, "filtered"),
        (sampled_out, "sampled out"),
    ]
    .into_iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, what)| format!(", {count} {what}"))
    .collect()
}

/// One object that failed, and why.
#[derive(Debug)]
pub struct ObjectFailure {
    pub event: ObjectEvent,
    pub error: anyhow::Error,
}

/// The handler's result, the counts, and the objects that failed.
#[derive(Debug)]
pub struct Invocation<O> {
    pub output: O,
    pub summary: Summary,
    pub failed: Vec<ObjectFailure>,
}

impl<O> Invocation<O> {
    /// The invocation, or the first object failure as an error.
    pub fn all_processed(mut self) -> anyhow::Result<Self> {
        match self.failed.is_empty() {
            true => Ok(self),
            false => Err(self.failed.swap_remove(0).error),
        }
    }
}

/// What [`handle`] did with a batch.
#[derive(Debug)]
pub struct Handled<O> {
    pub output: O,
    pub summary: Summary,
    /// Failed objects handed back to Main, each as its own invocation.
    pub handed_back: u64,
}

/// Main's entry point, the same in Lambda and locally: processes `events`;
/// a failed object in a batch of several is handed to `retry` alone (as a
/// new asynchronous invocation of Main), and the batch succeeds. A batch of
/// one whose object failed fails, so Lambda retries it and, after its
/// retries, the dead-letter topic receives that one object. If a failed
/// object cannot be handed back, the whole batch fails: retried whole, its
/// good objects run again, but nothing is lost.
///
/// With a `deadline` (Lambda's), Main stops reading shortly before it, so
/// the object it was on fails as a `Timeout` naming the line (and those not
/// reached are handed back), rather than Lambda killing it unexplained.
pub async fn handle<H: Handler, S: ObjectStore, I: Invoker>(
    config: &Config,
    store: &S,
    retry: &I,
    events: &[ObjectEvent],
    deadline: Option<Instant>,
) -> anyhow::Result<Handled<H::Output>> {
    let stop = deadline.map(|d| d.checked_sub(TIME_TO_WRAP_UP).unwrap_or(d));
    let done = |summary: &Summary, handed_back: u64| {
        MainDone {
            stack: &config.stack_name,
            events,
            summary,
            handed_back,
        }
        .emit()
    };
    let invocation = match process_until::<H, S>(config, store, events, stop).await {
        Ok(invocation) => invocation,
        Err(error) => {
            let summary = Summary {
                failed: events.len() as u64,
                ..Summary::default()
            };
            done(&summary, 0);
            return Err(error);
        }
    };
    let Invocation {
        output,
        summary,
        mut failed,
    } = invocation;
    if failed.len() == 1 && events.len() == 1 {
        done(&summary, 0);
        return Err(failed.swap_remove(0).error);
    }
    let mut handed_back = 0;
    for failure in &failed {
        let payload = serde_json::to_vec(std::slice::from_ref(&failure.event))?;
        if let Err(error) = retry.invoke(payload).await {
            done(&summary, handed_back);
            return Err(error.context(format!(
                "{} of {} objects failed and {} could not be handed back to Main alone \
                 (the whole batch is retried); its failure: {:#}",
                failed.len(),
                events.len(),
                failure.event.url(),
                failure.error
            )));
        }
        handed_back += 1;
    }
    done(&summary, handed_back);
    Ok(Handled {
        output,
        summary,
        handed_back,
    })
}

/// Runs a handler over `events` the way `bucket_mapping` says to read them.
/// An object that fails is listed in [`Invocation::failed`] (naming the
/// object and line) and the others go on; only what concerns the whole
/// batch (`handler.args`, `setup`, `result`) fails the call.
pub async fn process<H: Handler, S: ObjectStore>(
    config: &Config,
    store: &S,
    events: &[ObjectEvent],
) -> anyhow::Result<Invocation<H::Output>> {
    process_until::<H, S>(config, store, events, None).await
}

/// Time kept before Lambda's deadline to hand failed objects back and let
/// the handler's `result` run.
pub const TIME_TO_WRAP_UP: std::time::Duration = std::time::Duration::from_secs(5);

/// `handler.args` as the handler's `Args`: checked before any object (at
/// a cold start, before a local run, by `slips package`), since args that
/// do not fit fail every invocation alike.
pub fn handler_args<H: Handler>(config: &Config) -> anyhow::Result<H::Args> {
    serde_json::from_value(config.handler.args.clone()).context(
        "handler.args do not fit the handler's Args type (see its fields in the handler's code)",
    )
}

/// [`process`], reading nothing more after `stop`: the object being read
/// then fails as a `Timeout`, and so does each one not reached.
pub async fn process_until<H: Handler, S: ObjectStore>(
    config: &Config,
    store: &S,
    events: &[ObjectEvent],
    stop: Option<Instant>,
) -> anyhow::Result<Invocation<H::Output>> {
    crate::format::set_excerpt_chars(config.errors.excerpt_chars as usize);
    let args = handler_args::<H>(config)?;
    let mut handler = catch_panic(H::setup(args))
        .await
        .and_then(|setup| setup.context("handler setup failed"))?;
    let mut summary = Summary::default();
    let mut failed = Vec::new();
    for event in events {
        let out_of_time = stop.is_some_and(|stop| Instant::now() >= stop);
        let result = match plan(config, event) {
            _ if out_of_time => Err(classified(
                FailureKind::Timeout,
                anyhow!("{}: not reached before Main's timeout", event.url()),
            )),
            Ok(mapping) => catch_panic(process_object(
                store,
                event,
                mapping,
                &mut handler,
                &mut summary,
                stop,
            ))
            .await
            .with_context(|| event.url())
            .and_then(|r| r),
            Err(error) => Err(classified(FailureKind::NoMapping, error)),
        };
        if let Err(error) = result {
            ObjectFailed {
                object: &event.url(),
                error: &error,
            }
            .emit();
            summary.failed += 1;
            failed.push(ObjectFailure {
                event: event.clone(),
                error,
            });
        }
    }
    let output = catch_panic(handler.result())
        .await
        .and_then(|result| result.context("handler result failed"))?;
    Ok(Invocation {
        output,
        summary,
        failed,
    })
}

/// The mapping of an event's object: its format chain and parse-error policy.
fn plan<'c>(config: &'c Config, event: &ObjectEvent) -> anyhow::Result<&'c Mapping> {
    config
        .mapping_for(&event.bucket_name, &event.object_key)
        .ok_or_else(|| {
            anyhow!(
                "{}: no bucket_mapping entry matches this object",
                event.url()
            )
        })
}

/// Runs handler code, turning a panic into an error. The handler goes on
/// after a panic in one object: Rust keeps its memory sound, and a handler
/// whose state a panic can break should not panic (return an error).
async fn catch_panic<T>(work: impl Future<Output = T>) -> anyhow::Result<T> {
    AssertUnwindSafe(work)
        .catch_unwind()
        .await
        .map_err(|panic| {
            anyhow!(
                "the handler panicked: {}",
                crate::handler::panic_message(panic.as_ref())
            )
        })
}

/// An error as one bounded message: the whole chain, cut at
/// [`MAX_ERROR_MESSAGE_BYTES`] on a character boundary.
pub fn error_message(error: &anyhow::Error) -> String {
    let mut text = match kind_of(error) {
        Some(kind) => format!("{}: {error:#}", kind.name()),
        None => format!("{error:#}"),
    };
    if text.len() > MAX_ERROR_MESSAGE_BYTES {
        let mut cut = MAX_ERROR_MESSAGE_BYTES - '…'.len_utf8();
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// What one object's records came to.
#[derive(Debug, Default)]
struct Counts {
    records: u64,
    skipped: u64,
    too_large: u64,
    filtered: u64,
    sampled_out: u64,
}

/// Streams one object through its mapping entry (joined, redacted, cut,
/// filtered, parsed) into the handler, until `stop`.
async fn process_object<H: Handler, S: ObjectStore>(
    store: &S,
    event: &ObjectEvent,
    mapping: &Mapping,
    handler: &mut H,
    summary: &mut Summary,
    stop: Option<Instant>,
) -> anyhow::Result<()> {
    let url = event.url();
    let (chain, on_parse_error) = (&mapping.format, mapping.on_parse_error);
    if chain.reader == Reader::Ignore {
        ObjectIgnored { object: &url }.emit();
        summary.objects += 1;
        return Ok(());
    }
    let started = Instant::now();
    let body = store.open(event).await.map_err(|error| {
        let kind = match error.kind() {
            std::io::ErrorKind::NotFound => FailureKind::ObjectNotFound,
            std::io::ErrorKind::PermissionDenied => FailureKind::AccessDenied,
            std::io::ErrorKind::InvalidData => FailureKind::ObjectChanged,
            _ => FailureKind::ReadFailed,
        };
        classified(
            kind,
            anyhow::Error::from(error).context(format!("{url}: cannot open")),
        )
    })?;
    let mut parser = ObjectParser::new(chain);
    let lines = parser.cut() == Cut::Lines;
    let blocks = match (&mapping.multiline, parser.cut(), parser.line_check()) {
        (Some(rule), Cut::Lines, _) => Blocks::spawn_joined(body, rule.clone()),
        // Redaction rewrites each block before the parser reads it: a check
        // of the lines as read would be of other bytes.
        (None, Cut::Lines, Some(check)) if mapping.redact.is_empty() => {
            Blocks::spawn_checking(body, check)
        }
        _ => Blocks::spawn(body, parser.cut()),
    };
    let mut blocks = blocks.with_context(|| format!("{url}: cannot start reading"))?;
    let redactor = Redactor::new(&mapping.redact);
    let selector = Selector::new(&mapping.filter, mapping.sample, &event.object_key);
    let compression = blocks.compression().await;
    let source = Source {
        bucket: event.bucket_name.clone(),
        key: event.object_key.clone(),
    };
    let mut counts = Counts::default();
    let mut line = 0u64;
    while let Some(block) = blocks.next().await {
        if stop.is_some_and(|stop| Instant::now() >= stop) {
            let error = anyhow!(
                "{url}:{}: Main stopped reading here, {} s before its timeout \
                 (handler.timeout): the object is too large or the handler too slow for it",
                line + 1,
                TIME_TO_WRAP_UP.as_secs()
            );
            return Err(classified(FailureKind::Timeout, error));
        }
        let block = match block {
            Ok(block) => block,
            // The line after the last one read is the long one.
            Err(error) if LineTooLong::is(&error) => {
                let error = anyhow!("{url}:{}: {error}", line + 1);
                return Err(classified(FailureKind::LineTooLong, error));
            }
            // A document that is no CloudTrail log file: a parse error of the object.
            Err(error) if NotALogFile::of(&error).is_some() => {
                let reason = error.to_string();
                match on_parse_error {
                    OnParseError::Fail => {
                        let error = anyhow!("{url}: {reason}");
                        return Err(classified(FailureKind::ParseError, error));
                    }
                    OnParseError::Skip => {
                        counts.skipped += 1;
                        RecordSkipped {
                            object: &url,
                            line: None,
                            reason: &reason,
                        }
                        .emit();
                        break;
                    }
                }
            }
            Err(error) => {
                let what = compression.map_or("object", |c| c.name());
                let error = anyhow::Error::from(error).context(format!(
                    "{url}: reading the {what} data failed (truncated or corrupt?)"
                ));
                return Err(classified(FailureKind::ReadFailed, error));
            }
        };
        // Redacted before anything reads it: filters, parsers, error excerpts.
        let block = match &redactor {
            Some(redactor) => redactor.block(&block),
            None => block,
        };
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        for piece in block.records() {
            // The record's first line (its place among events, for other cuts).
            let first = line + 1;
            line += u64::from(piece.lines);
            let record = piece.bytes;
            if record.trim_ascii().is_empty() {
                continue;
            }
            // Where the record is, for messages: built only when one is written.
            let at = || {
                if lines {
                    format!("{url}:{first}")
                } else {
                    url.clone()
                }
            };
            if piece.too_large {
                let limits = mapping
                    .multiline
                    .as_ref()
                    .map_or((0, 0), |m| (m.max_lines, m.max_bytes));
                let reason = format!(
                    "a record of {} lines and {} bytes, over multiline's max_lines ({}) or max_bytes ({})",
                    piece.lines, piece.size, limits.0, limits.1
                );
                match on_parse_error {
                    OnParseError::Fail => {
                        let error = anyhow!("{}: {reason}", at());
                        return Err(classified(FailureKind::LineTooLong, error));
                    }
                    OnParseError::Skip => {
                        counts.too_large += 1;
                        RecordSkipped {
                            object: &url,
                            line: lines.then_some(first),
                            reason: &reason,
                        }
                        .emit();
                        continue;
                    }
                }
            }
            let kept = match selector.as_ref().map(|s| s.early(record)) {
                Some(Early::Drop) => {
                    counts.filtered += 1;
                    continue;
                }
                Some(Early::Parse { kept }) => kept,
                None => true,
            };
            if let Err(error) = parser.apply_checked(
                record,
                block.checked(),
                piece.prepared,
                &mut out,
                &mut scratch,
            ) {
                match on_parse_error {
                    OnParseError::Fail => {
                        let error = anyhow!("{}: {error}", at());
                        return Err(classified(FailureKind::ParseError, error));
                    }
                    OnParseError::Skip => {
                        // A record whose bad parts failed goes on with its good ones.
                        let parts = error.failed_parts();
                        counts.skipped += parts.max(1) as u64;
                        let reason = error.to_string();
                        RecordSkipped {
                            object: &url,
                            line: lines.then_some(first),
                            reason: &reason,
                        }
                        .emit();
                        if parts == 0 {
                            continue;
                        }
                    }
                }
            }
            for (part, item) in out.iter().enumerate() {
                match selector
                    .as_ref()
                    .map(|s| s.verdict(item, kept, (first, part)))
                {
                    Some(Verdict::Filtered) => {
                        counts.filtered += 1;
                        continue;
                    }
                    Some(Verdict::SampledOut) => {
                        counts.sampled_out += 1;
                        continue;
                    }
                    Some(Verdict::Pass) | None => {}
                }
                let meta = Meta {
                    tag: item.tag.as_deref(),
                    timestamp: item.timestamp,
                    source: &source,
                    line: lines.then_some(first),
                    index: counts.records,
                };
                // A panic names the object and line, as an error does.
                match catch_panic(handler.recv(&meta, &Record::new(item))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => {
                        let error = error.context(format!("{}: the handler failed", at()));
                        return Err(classified(FailureKind::HandlerError, error));
                    }
                    Err(panic) => {
                        let error = anyhow!("{}: {panic}", at());
                        return Err(classified(FailureKind::HandlerPanic, error));
                    }
                }
                counts.records += 1;
            }
        }
        drop(out);
        blocks.recycle(block);
    }
    summary.objects += 1;
    summary.records += counts.records;
    summary.skipped += counts.skipped;
    summary.too_large += counts.too_large;
    summary.filtered += counts.filtered;
    summary.sampled_out += counts.sampled_out;
    ObjectProcessed {
        object: &url,
        compression: compression.map_or("unknown", |c| c.name()),
        records: counts.records,
        skipped: counts.skipped,
        too_large: counts.too_large,
        filtered: counts.filtered,
        sampled_out: counts.sampled_out,
        elapsed: started.elapsed(),
    }
    .emit();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_cut_at_1_kb_on_a_character_boundary() {
        let short = anyhow!("s3://b/k:3: the handler failed");
        assert_eq!(error_message(&short), "s3://b/k:3: the handler failed");
        let long = anyhow!("é".repeat(2000)).context("s3://b/k:1: parse error");
        let message = error_message(&long);
        assert!(
            message.len() <= MAX_ERROR_MESSAGE_BYTES,
            "{}",
            message.len()
        );
        assert!(message.starts_with("s3://b/k:1: parse error: éé"));
        assert!(message.ends_with('…'));
    }
}
