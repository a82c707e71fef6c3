//! Dispatcher: a batch of a lane's object events in, asynchronous invokes of
//! Main out, then a pause of the lane's delay. Kinesis hands a shard's
//! batches over one after another, so the pause bounds the lane's rate.

use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::backoff::Backoff;
use crate::config::Config;
use crate::error_table::{ErrorStore, Failure, LaneRecord};
use crate::event::{Lane, ObjectEvent};
use crate::invoker::Invoker;
use crate::lanes;
use crate::telemetry::BatchDispatched;

/// The largest payload of an asynchronous invoke: 1 MB (Lambda API
/// reference, Invoke: "For asynchronous invocations, the maximum payload
/// size is 1 MB").
pub const MAX_ASYNC_PAYLOAD_BYTES: usize = 1024 * 1024;
pub use slips_contract::quota::MAX_SNS_MESSAGE_BYTES;
/// What Lambda adds to a dead letter as attributes: `RequestID` (a UUID),
/// `ErrorCode` (3 digits) and `ErrorMessage` (truncated to 1 KB), with their
/// names and types (Lambda Developer Guide, "Dead-letter queues"), rounded up.
pub const DEAD_LETTER_ATTRIBUTES_BYTES: usize = 2 * 1024;
/// The largest payload a Dispatcher sends Main: small enough that, when Main
/// fails, its dead letter (the payload plus Lambda's attributes) fits the
/// SNS dead-letter topic. Lambda deletes a dead letter too large for its
/// target (counting `DeadLetterErrors`), so the async limit is not the bound.
pub const MAX_PAYLOAD_BYTES: usize = MAX_SNS_MESSAGE_BYTES - DEAD_LETTER_ATTRIBUTES_BYTES;
const _: () = assert!(MAX_PAYLOAD_BYTES <= MAX_ASYNC_PAYLOAD_BYTES);

/// How long one invoke of Main is retried (throttling, a network error)
/// before its events, and those of the payloads after it, are kept in the
/// error table.
pub const INVOKE_RETRY_BUDGET: Duration = Duration::from_secs(120);

/// The error code of events kept because Main could not be invoked.
pub const INVOKE_FAILED: &str = "InvokeFailed";

/// One batch of a lane as its Dispatcher receives it.
#[derive(Debug, Clone)]
pub struct LaneBatch {
    /// The lane the batch was read from.
    pub lane: Lane,
    pub events: Vec<ObjectEvent>,
    /// Records that are not object events, and why.
    pub undecodable: Vec<(LaneRecord, String)>,
}

impl LaneBatch {
    /// Decodes a lane's records (sequence number, data). Events written by
    /// the original carry no lane: they are on this one.
    pub fn decode<'a>(lane: Lane, records: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Self {
        let mut batch = LaneBatch {
            lane,
            events: Vec::new(),
            undecodable: Vec::new(),
        };
        for (sequence_number, data) in records {
            match lanes::decode(data) {
                Ok(mut event) => {
                    event.lane.get_or_insert(lane);
                    batch.events.push(event);
                }
                Err(error) => batch.undecodable.push((
                    LaneRecord::new(lane, sequence_number, data),
                    format!("not an object event: {error}"),
                )),
            }
        }
        batch
    }
}

/// What one batch became.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Dispatched {
    pub events: usize,
    pub invocations: usize,
    /// Records that were not object events, kept in the error table.
    pub undecodable: usize,
    /// Events kept in the error table because Main could not be invoked.
    pub kept: usize,
}

/// The Dispatcher's entry point, the same in Lambda and locally: keeps the
/// batch's undecodable records in the error table (where `slips errors`
/// shows them; nothing is skipped), invokes Main with its events, split
/// into payloads that fit [`MAX_PAYLOAD_BYTES`], then waits `delay` (the
/// lane's throttle). A failed invoke is retried in place with backoff for
/// `invoke_budget`; when it still fails, the events not yet handed over
/// are kept in the error table, events and all, where `slips drain` replays
/// them (a stream keeps them only for its retention). Only when the error
/// table refuses them too does the batch fail, for Kinesis to retry.
pub async fn dispatch<I: Invoker, E: ErrorStore>(
    config: &Config,
    invoker: &I,
    errors: &E,
    batch: &LaneBatch,
    delay: Duration,
    invoke_budget: Duration,
) -> anyhow::Result<Dispatched> {
    for (record, reason) in &batch.undecodable {
        let failure = Failure::undecodable(record.clone(), reason);
        errors.record(&failure).await?;
        crate::telemetry::LaneRecordKept { failure: &failure }.emit();
    }
    let events = &batch.events;
    let payloads = payloads(events, MAX_PAYLOAD_BYTES)?;
    let mut dispatched = Dispatched {
        events: events.len(),
        invocations: 0,
        undecodable: batch.undecodable.len(),
        kept: 0,
    };
    'payloads: for (i, payload) in payloads.iter().enumerate() {
        let mut backoff = Backoff::until(Instant::now() + invoke_budget);
        let mut attempt = 1;
        while let Err(error) = invoker.invoke(payload.clone()).await {
            if !backoff.wait().await {
                let error = error.context(format!(
                    "invoking Main with payload {} of {} ({} objects in the batch), after \
                     {attempt} attempts",
                    i + 1,
                    payloads.len(),
                    events.len()
                ));
                dispatched.kept = keep(errors, batch.lane, &payloads[i..], &error).await?;
                break 'payloads;
            }
            tracing::warn!(
                attempt,
                error = format!("{error:#}"),
                "invoking Main failed; retrying"
            );
            attempt += 1;
        }
        dispatched.invocations += 1;
    }
    BatchDispatched {
        stack: &config.stack_name,
        lane: batch.lane,
        dispatched: &dispatched,
    }
    .emit();
    // The pause paces Main; events it could not be given need none, and a
    // pause after the invoke budget could outlast the invocation.
    if !delay.is_zero() && dispatched.kept == 0 {
        tokio::time::sleep(delay).await;
    }
    Ok(dispatched)
}

/// Keeps the events of `payloads`, which Main could not be given, in the
/// error table: an item per payload (each fits an item), named by its
/// content, so that recording it again (Kinesis retries a batch whose
/// keeping failed halfway) updates the same item. (The name's hash is the
/// same within a build: a new build between retries makes a second item,
/// a repeat on drain, not a loss.) Returns how many events.
async fn keep<E: ErrorStore>(
    errors: &E,
    lane: Lane,
    payloads: &[Vec<u8>],
    error: &anyhow::Error,
) -> anyhow::Result<usize> {
    let message = crate::functions::main::error_message(error);
    let mut kept = 0;
    for payload in payloads {
        let events: Vec<ObjectEvent> = serde_json::from_slice(payload)?;
        let mut content = std::hash::DefaultHasher::new();
        payload.hash(&mut content);
        let id = format!("dispatch-{lane}-{:016x}", content.finish());
        kept += events.len();
        let failure = Failure::new(id, events, INVOKE_FAILED, message.clone());
        errors
            .record(&failure)
            .await
            .context("keeping the events Main could not be given in the error table")?;
        crate::telemetry::EventsKept { failure: &failure }.emit();
    }
    Ok(kept)
}

/// JSON arrays of events, each at most `limit` bytes; an event too large
/// alone is an error naming it.
pub fn payloads(events: &[ObjectEvent], limit: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for event in events {
        let json = serde_json::to_vec(event)?;
        if json.len() + 2 > limit {
            anyhow::bail!(
                "the event of {} is {} bytes, over the {limit}-byte async payload limit",
                event.url(),
                json.len()
            );
        }
        // `[` + events joined by `,` + `]`.
        if !current.is_empty() && current.len() + json.len() + 2 > limit {
            current.push(b']');
            out.push(std::mem::take(&mut current));
        }
        current.push(if current.is_empty() { b'[' } else { b',' });
        current.extend_from_slice(&json);
    }
    if !current.is_empty() {
        current.push(b']');
        out.push(current);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(key: &str) -> ObjectEvent {
        ObjectEvent::new("b", key)
    }

    #[test]
    fn splits_payloads_under_the_limit_and_keeps_every_event() {
        let events: Vec<_> = (0..100)
            .map(|i| event(&format!("logs/{i:04}.gz")))
            .collect();
        let one = serde_json::to_vec(&events[0]).unwrap().len();
        let limit = one * 10 + 20;
        let payloads = payloads(&events, limit).unwrap();
        assert!(payloads.len() > 1);
        let mut back = Vec::new();
        for payload in &payloads {
            assert!(payload.len() <= limit, "{} > {limit}", payload.len());
            back.extend(serde_json::from_slice::<Vec<ObjectEvent>>(payload).unwrap());
        }
        assert_eq!(back, events);
        assert_eq!(
            super::payloads(&events, MAX_PAYLOAD_BYTES).unwrap().len(),
            1
        );
        assert!(super::payloads(&events[..1], 10).is_err());
        assert!(super::payloads(&[], 10).unwrap().is_empty());
    }

    #[test]
    fn the_dead_letter_of_the_largest_payload_fits_the_sns_topic() {
        // The longest keys S3 allows (1,024 bytes), full of characters JSON escapes.
        let key = format!("logs/{}", "\"\\".repeat(509));
        let events: Vec<_> = (0..2000).map(|_| event(&key)).collect();
        let payloads = payloads(&events, MAX_PAYLOAD_BYTES).unwrap();
        assert!(payloads.len() > 1);
        // Lambda's attributes at their largest: names, types ("String",
        // "Number") and values, the error message truncated to 1 KB.
        let attributes = ["RequestID", "String", &"f".repeat(36)]
            .iter()
            .chain(&["ErrorCode", "Number", "200"])
            .chain(&["ErrorMessage", "String", &"e".repeat(1024)])
            .map(|part| part.len())
            .sum::<usize>();
        for payload in &payloads {
            assert!(
                payload.len() + attributes <= MAX_SNS_MESSAGE_BYTES,
                "a dead letter of {} bytes",
                payload.len() + attributes
            );
        }
    }
}
