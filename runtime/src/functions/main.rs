//! Main: the user's handler over every record of a batch of object events.
//!
//! For each event, the `bucket_mapping` entry with the longest matching
//! prefix picks the format chain; the object is streamed, decompressed and
//! cut into records off the async side, and each record goes through the
//! chain's parsers into `Handler::recv`.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use futures::FutureExt;
use serde::Serialize;

use crate::config::{Config, OnParseError};
use crate::event::ObjectEvent;
use crate::format::{FormatChain, Reader};
use crate::handler::{Handler, Meta, Record, Source};
use crate::object::{Blocks, ObjectStore};
use crate::telemetry::{ObjectIgnored, ObjectProcessed, RecordSkipped};

/// What one invocation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub objects: u64,
    pub records: u64,
    /// Records that failed to parse and were skipped (`on_parse_error: skip`).
    pub skipped: u64,
}

/// The handler's result and the counts.
#[derive(Debug)]
pub struct Invocation<O> {
    pub output: O,
    pub summary: Summary,
}

/// Runs a handler over `events` the way `bucket_mapping` says to read them.
/// Any failure (a bad object, a parse error, a handler error or panic) fails
/// the whole invocation, naming the object and line.
pub async fn process<H: Handler, S: ObjectStore>(
    config: &Config,
    store: &S,
    events: &[ObjectEvent],
) -> anyhow::Result<Invocation<H::Output>> {
    let mut plans = Vec::with_capacity(events.len());
    for event in events {
        let mapping = config
            .mapping_for(&event.bucket_name, &event.object_key)
            .ok_or_else(|| {
                anyhow!(
                    "{}: no bucket_mapping entry matches this object",
                    event.url()
                )
            })?;
        let chain = FormatChain::parse(&mapping.format).map_err(|errors| {
            let reasons: Vec<_> = errors.into_iter().map(|e| e.message).collect();
            anyhow!("{}: bad format chain: {}", event.url(), reasons.join("; "))
        })?;
        plans.push((event, chain, mapping.on_parse_error));
    }
    let args: H::Args = serde_json::from_value(config.handler.args.clone())
        .context("handler.args do not fit the handler's Args type")?;
    let run = async {
        let mut handler = H::setup(args).await.context("handler setup failed")?;
        let mut summary = Summary::default();
        for (event, chain, on_parse_error) in &plans {
            process_object(
                store,
                event,
                chain,
                *on_parse_error,
                &mut handler,
                &mut summary,
            )
            .await?;
        }
        let output = handler.result().await.context("handler result failed")?;
        Ok(Invocation { output, summary })
    };
    match AssertUnwindSafe(run).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => Err(anyhow!(
            "the handler panicked: {}",
            panic_message(panic.as_ref())
        )),
    }
}

/// Streams one object through a format chain into the handler.
pub async fn process_object<H: Handler, S: ObjectStore>(
    store: &S,
    event: &ObjectEvent,
    chain: &FormatChain,
    on_parse_error: OnParseError,
    handler: &mut H,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let url = event.url();
    summary.objects += 1;
    if chain.reader == Reader::Ignore {
        ObjectIgnored { object: &url }.emit();
        return Ok(());
    }
    let started = Instant::now();
    let body = store
        .open(&event.bucket_name, &event.object_key)
        .await
        .with_context(|| format!("{url}: cannot open"))?;
    let lines = chain.reader == Reader::Lines;
    let mut blocks =
        Blocks::spawn(body, !lines).with_context(|| format!("{url}: cannot start reading"))?;
    let compression = blocks.compression().await;
    let source = Source {
        bucket: event.bucket_name.clone(),
        key: event.object_key.clone(),
    };
    let mut states = chain.object_state();
    let (mut line, mut index, mut skipped) = (0u64, 0u64, 0u64);
    while let Some(block) = blocks.next().await {
        let block = block.with_context(|| {
            let what = compression.map_or("object", |c| c.name());
            format!("{url}: reading the {what} data failed (truncated or corrupt?)")
        })?;
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        for record in records(&block, lines) {
            line += 1;
            if record.trim_ascii().is_empty() {
                continue;
            }
            // Where the record is, for messages: built only when one is written.
            let at = || {
                if lines {
                    format!("{url}:{line}")
                } else {
                    url.clone()
                }
            };
            if let Err(error) = chain.apply(record, &mut states, &mut out, &mut scratch) {
                match on_parse_error {
                    OnParseError::Fail => bail!("{}: {error}", at()),
                    OnParseError::Skip => {
                        skipped += 1;
                        let reason = error.to_string();
                        RecordSkipped {
                            object: &url,
                            line: lines.then_some(line),
                            reason: &reason,
                        }
                        .emit();
                        continue;
                    }
                }
            }
            for item in &out {
                let meta = Meta {
                    tag: item.tag.as_deref(),
                    timestamp: item.timestamp,
                    source: &source,
                    line: lines.then_some(line),
                    index,
                };
                handler
                    .recv(&meta, &Record::new(item))
                    .await
                    .with_context(|| format!("{}: the handler failed", at()))?;
                index += 1;
            }
        }
    }
    summary.records += index;
    summary.skipped += skipped;
    ObjectProcessed {
        object: &url,
        compression: compression.map_or("unknown", |c| c.name()),
        records: index,
        skipped,
        elapsed: started.elapsed(),
    }
    .emit();
    Ok(())
}

/// The records of a block: its lines (LF or CRLF), or the whole block.
fn records(block: &[u8], lines: bool) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(block).filter(|b| !b.is_empty());
    std::iter::from_fn(move || {
        let current = rest.take()?;
        if !lines {
            return Some(current);
        }
        let line = match memchr::memchr(b'\n', current) {
            Some(end) => {
                rest = Some(&current[end + 1..]).filter(|r| !r.is_empty());
                &current[..end]
            }
            None => current,
        };
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_lines_with_lf_and_crlf_keeping_blank_ones_for_numbering() {
        let lines: Vec<&[u8]> = records(b"a\r\n\nb\nlast", true).collect();
        assert_eq!(lines, [&b"a"[..], b"", b"b", b"last"]);
        let lines: Vec<&[u8]> = records(b"a\n", true).collect();
        assert_eq!(lines, [&b"a"[..]]);
        assert_eq!(records(b"", true).count(), 0);
        let whole: Vec<&[u8]> = records(b"a\nb\n", false).collect();
        assert_eq!(whole, [&b"a\nb\n"[..]]);
    }
}
