//! The Kinesis adapter of the lane port: PutRecords in chunks within the
//! service's limits, retrying only the entries Kinesis rejected.

use std::time::Instant;

use aws_sdk_kinesis::error::SdkError;
use aws_sdk_kinesis::operation::put_records::PutRecordsError;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::ShardIteratorType;
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, PutRecordsResultEntry};

use super::{LaneError, LaneReader, LaneWriter, ReadBack, encode};
use crate::backoff::{Backoff, DEFAULT_BUDGET};
use crate::event::{Lane, ObjectEvent};
use crate::failures::BatchRange;

/// PutRecords accepts at most 500 records per request (Kinesis API reference).
pub const MAX_RECORDS_PER_PUT: usize = 500;
/// ... and at most 5 MiB per request, partition keys included.
pub const MAX_PUT_BYTES: usize = 5 * 1024 * 1024;
/// A record's data plus partition key is at most 1 MiB.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// A partition key is 1 to 256 Unicode characters.
const MAX_PARTITION_KEY_CHARS: usize = 256;

/// The two lane streams.
#[derive(Debug, Clone)]
pub struct KinesisLanes {
    client: aws_sdk_kinesis::Client,
    fast_stream: String,
    slow_stream: String,
    /// When to stop retrying rejected records (none: `DEFAULT_BUDGET` per put).
    retry_until: Option<Instant>,
}

impl KinesisLanes {
    pub fn new(client: aws_sdk_kinesis::Client, fast_stream: String, slow_stream: String) -> Self {
        KinesisLanes {
            client,
            fast_stream,
            slow_stream,
            retry_until: None,
        }
    }

    /// These lanes, retrying rejected records (throttling) until `until`:
    /// a function keeps trying as long as its invocation has time.
    pub fn retrying_until(&self, until: Instant) -> Self {
        KinesisLanes {
            retry_until: Some(until),
            ..self.clone()
        }
    }

    pub fn stream(&self, lane: Lane) -> &str {
        match lane {
            Lane::Fast => &self.fast_stream,
            Lane::Slow => &self.slow_stream,
        }
    }

    async fn put_chunk(
        &self,
        lane: Lane,
        mut entries: Vec<PutRecordsRequestEntry>,
    ) -> Result<(), LaneError> {
        let stream = self.stream(lane);
        let until = self
            .retry_until
            .unwrap_or_else(|| Instant::now() + DEFAULT_BUDGET);
        let mut backoff = Backoff::until(until);
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let reason = match self
                .client
                .put_records()
                .stream_name(stream)
                .set_records(Some(entries.clone()))
                .send()
                .await
            {
                Ok(output) => {
                    // PutRecords answers 200 with per-record failures: keep only those.
                    let failed = output.failed_record_count().unwrap_or(0);
                    let (rejected, reason) = rejected(entries, output.records(), failed);
                    if rejected.is_empty() {
                        return Ok(());
                    }
                    entries = rejected;
                    reason
                }
                Err(error) => {
                    let permanent = is_permanent(&error);
                    let reason = crate::aws::sdk_error(error).to_string();
                    if permanent {
                        return Err(LaneError {
                            lane,
                            count: entries.len(),
                            reason: format!("stream {stream}: {reason}"),
                        });
                    }
                    reason
                }
            };
            if !backoff.wait().await {
                return Err(LaneError {
                    lane,
                    count: entries.len(),
                    reason: format!(
                        "stream {stream}, after {attempt} attempts in {:.1} s: {reason}",
                        started.elapsed().as_secs_f64()
                    ),
                });
            }
            tracing::warn!(lane = %lane, stream, attempt, reason, "PutRecords incomplete; retrying the rejected records");
        }
    }
}

impl LaneWriter for KinesisLanes {
    async fn put(&self, lane: Lane, events: &[ObjectEvent]) -> Result<(), LaneError> {
        let mut chunk = Vec::new();
        let mut chunk_bytes = 0;
        for event in events {
            let data = encode(event);
            let key = partition_key(event);
            let size = data.len() + key.len();
            if size > MAX_RECORD_BYTES {
                return Err(LaneError {
                    lane,
                    count: 1,
                    reason: format!(
                        "the event of {} is {size} bytes, over Kinesis' 1 MiB",
                        event.url()
                    ),
                });
            }
            if chunk.len() == MAX_RECORDS_PER_PUT || chunk_bytes + size > MAX_PUT_BYTES {
                self.put_chunk(lane, std::mem::take(&mut chunk)).await?;
                chunk_bytes = 0;
            }
            let entry = PutRecordsRequestEntry::builder()
                .data(Blob::new(data))
                .partition_key(key)
                .build()
                .map_err(|e| LaneError {
                    lane,
                    count: 1,
                    reason: e.to_string(),
                })?;
            chunk.push(entry);
            chunk_bytes += size;
        }
        if !chunk.is_empty() {
            self.put_chunk(lane, chunk).await?;
        }
        Ok(())
    }
}

/// Records per GetRecords, at most (Kinesis API reference, GetRecords `Limit`).
const MAX_GET_RECORDS: i32 = 10_000;
/// Empty GetRecords answers in a row after which a read gives up (an
/// iterator can pass empty stretches of a shard before reaching records).
const MAX_EMPTY_READS: u32 = 20;

impl LaneReader for KinesisLanes {
    async fn read(&self, range: &BatchRange) -> anyhow::Result<ReadBack> {
        use anyhow::Context;
        let stream = range
            .stream_arn
            .split_once(":stream/")
            .map(|(_, name)| name)
            .with_context(|| format!("`{}` is not a Kinesis stream ARN", range.stream_arn))?;
        let lane = Lane::ALL
            .into_iter()
            .find(|lane| self.stream(*lane) == stream);
        let mut iterator = self
            .client
            .get_shard_iterator()
            .stream_name(stream)
            .shard_id(&range.shard_id)
            .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
            .starting_sequence_number(&range.start_sequence_number)
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| {
                format!(
                    "reading {stream} {} from {} (expired? a stream keeps records only for its retention)",
                    range.shard_id, range.start_sequence_number
                )
            })?
            .shard_iterator;
        let mut records = Vec::new();
        let mut empty = 0;
        while let Some(current) = iterator.take() {
            let out = self
                .client
                .get_records()
                .shard_iterator(current)
                .limit(MAX_GET_RECORDS)
                .send()
                .await
                .map_err(crate::aws::sdk_error)
                .with_context(|| format!("reading {stream} {}", range.shard_id))?;
            if out.records().is_empty() {
                empty += 1;
                if empty >= MAX_EMPTY_READS || out.millis_behind_latest() == Some(0) {
                    break;
                }
            }
            for record in out.records() {
                let sequence = record.sequence_number();
                if sequence_after(sequence, &range.end_sequence_number) {
                    return Ok(ReadBack { lane, records });
                }
                records.push((sequence.to_string(), record.data().as_ref().to_vec()));
            }
            iterator = out.next_shard_iterator().map(String::from);
        }
        Ok(ReadBack { lane, records })
    }
}

/// Whether Kinesis sequence number `a` comes after `b` (both decimal
/// numbers of up to 128 bits, as text).
fn sequence_after(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

/// Whether a failed PutRecords would fail the same way again (a missing
/// stream, a denied permission or key, a bad request): no use retrying it.
fn is_permanent(error: &SdkError<PutRecordsError>) -> bool {
    error.as_service_error().is_some_and(|e| {
        e.is_resource_not_found_exception()
            || e.is_invalid_argument_exception()
            || e.is_access_denied_exception()
            || e.is_kms_access_denied_exception()
            || e.is_kms_disabled_exception()
            || e.is_kms_invalid_state_exception()
            || e.is_kms_not_found_exception()
            || e.is_kms_opt_in_required()
    })
}

/// Events of one object share a shard, so they stay in order.
fn partition_key(event: &ObjectEvent) -> String {
    let key = format!("{}/{}", event.bucket_name, event.object_key);
    match key.char_indices().nth(MAX_PARTITION_KEY_CHARS) {
        Some((cut, _)) => key[..cut].to_string(),
        None => key,
    }
}

/// The entries of a put that PutRecords did not store, and why. An answer
/// that does not say which (results missing, or other failures counted than
/// named) keeps them all: a record put twice is harmless (Main is
/// idempotent), one taken for stored is lost.
fn rejected(
    entries: Vec<PutRecordsRequestEntry>,
    results: &[PutRecordsResultEntry],
    failed_count: i32,
) -> (Vec<PutRecordsRequestEntry>, String) {
    let count = entries.len();
    let named = results.iter().filter(|r| r.error_code().is_some()).count();
    if results.len() != count || usize::try_from(failed_count).ok() != Some(named) {
        let reason = format!(
            "PutRecords counted {failed_count} of {count} records failed but named {named} in \
             {} results: sending all {count} again",
            results.len()
        );
        return (entries, reason);
    }
    let mut first_error = None;
    let rejected: Vec<_> = entries
        .into_iter()
        .zip(results)
        .filter(|(_, result)| result.error_code().is_some())
        .map(|(entry, result)| {
            first_error.get_or_insert_with(|| {
                format!(
                    "{}: {}",
                    result.error_code().unwrap_or_default(),
                    result.error_message().unwrap_or_default()
                )
            });
            entry
        })
        .collect();
    let reason = format!(
        "{} of {count} records rejected ({})",
        rejected.len(),
        first_error.unwrap_or_default()
    );
    (rejected, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize) -> Vec<PutRecordsRequestEntry> {
        (0..n)
            .map(|i| {
                PutRecordsRequestEntry::builder()
                    .data(Blob::new(format!("record {i}")))
                    .partition_key(format!("key {i}"))
                    .build()
                    .expect("data and key are set")
            })
            .collect()
    }

    fn stored() -> PutRecordsResultEntry {
        PutRecordsResultEntry::builder()
            .sequence_number("1")
            .shard_id("shardId-000000000000")
            .build()
    }

    fn throttled() -> PutRecordsResultEntry {
        PutRecordsResultEntry::builder()
            .error_code("ProvisionedThroughputExceededException")
            .error_message("Rate exceeded")
            .build()
    }

    fn data(entries: &[PutRecordsRequestEntry]) -> Vec<&[u8]> {
        entries.iter().map(|e| e.data().as_ref()).collect()
    }

    #[test]
    fn only_the_records_named_as_failed_are_sent_again() {
        let results = [stored(), throttled(), stored(), throttled()];
        let (again, reason) = rejected(entries(4), &results, 2);
        assert_eq!(data(&again), [&b"record 1"[..], b"record 3"]);
        assert!(
            reason.starts_with("2 of 4 records rejected (ProvisionedThroughputExceededException"),
            "{reason}"
        );
        let (again, _) = rejected(entries(2), &[stored(), stored()], 0);
        assert!(again.is_empty());
    }

    #[test]
    fn an_answer_that_does_not_say_which_failed_sends_them_all_again() {
        // Failures counted, none named; one named, none counted; results missing.
        for (results, failed) in [
            (vec![stored(), stored(), stored()], 1),
            (vec![stored(), throttled(), stored()], 0),
            (vec![throttled(), stored(), stored()], 2),
            (vec![stored(), stored()], 0),
        ] {
            let (again, reason) = rejected(entries(3), &results, failed);
            assert_eq!(again.len(), 3, "{reason}");
            assert!(reason.contains("sending all 3 again"), "{reason}");
        }
    }
}
