//! The pipeline failure queue: what the error table cannot hold. Three
//! kinds of message arrive there, each readable and replayable:
//!
//! - a lane batch a Dispatcher gave up on (the event source mapping's
//!   on-failure record: where the batch is in its stream, not its events);
//! - a dead letter of EventPusher or Reporter (Lambda's, after its retries:
//!   the SNS event it was given), or of a subscription (SNS's, when it could
//!   not deliver: the SNS message);
//! - anything else, which slips names and leaves for a human.
//!
//! The port is "receive some, hidden for a while; delete one"; SQS is the
//! adapter (the local pipeline records everything in its error table).

mod sqs;

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use sqs::SqsFailureQueue;

use crate::event::{self, ObjectEvent};

/// One message of the failure queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuedFailure {
    pub message_id: String,
    /// What deletes it (valid while it is hidden).
    #[serde(skip)]
    pub receipt: String,
    pub body: String,
    /// Message attributes (Lambda's dead letters: `RequestID`, `ErrorCode`, `ErrorMessage`).
    pub attributes: BTreeMap<String, String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The failure queue.
pub trait FailureQueue: Send + Sync {
    /// Up to ten messages, hidden from other readers for `hide` (a listing
    /// sees each once; a drain does not race itself). Empty when none waits.
    fn receive(
        &self,
        hide: Duration,
    ) -> impl Future<Output = anyhow::Result<Vec<QueuedFailure>>> + Send;

    /// Deletes a received message.
    fn delete(&self, failure: &QueuedFailure) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Makes a received message visible again at once (a listing, or a
    /// drain that leaves it, must not hide it from the next command).
    fn release(&self, failure: &QueuedFailure) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Where a lane batch a Dispatcher gave up on is in its stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRange {
    pub stream_arn: String,
    pub shard_id: String,
    pub start_sequence_number: String,
    pub end_sequence_number: String,
    #[serde(default)]
    pub batch_size: u64,
    /// When its first record reached the stream (it expires with the stream's retention).
    #[serde(default)]
    pub approximate_arrival_of_first_record: Option<DateTime<Utc>>,
}

/// What a failure-queue message holds.
#[derive(Debug, Clone, PartialEq)]
pub enum FailureKind {
    /// A lane batch, to be read again from its stream.
    LaneBatch(BatchRange),
    /// Object events: of a notification (no lane yet: routed again) or of a
    /// dead letter of Main (back to their lanes).
    Events {
        /// Who sent it, in words.
        source: &'static str,
        events: Vec<ObjectEvent>,
    },
    /// Nothing slips can read: why.
    Unreadable(String),
}

/// The on-failure record of an event source mapping (Lambda Developer
/// Guide, "Capturing discarded batches for a Kinesis Data Streams event
/// source"): only what slips uses.
#[derive(Deserialize)]
struct OnFailureRecord {
    #[serde(rename = "KinesisBatchInfo")]
    batch: BatchRange,
}

impl QueuedFailure {
    /// What the message holds.
    pub fn kind(&self) -> FailureKind {
        let value: serde_json::Value = match serde_json::from_str(&self.body) {
            Ok(value) => value,
            Err(error) => return FailureKind::Unreadable(format!("not JSON: {error}")),
        };
        if value.get("KinesisBatchInfo").is_some() {
            return match serde_json::from_value::<OnFailureRecord>(value) {
                Ok(record) => FailureKind::LaneBatch(record.batch),
                Err(error) => FailureKind::Unreadable(format!("a lane batch record: {error}")),
            };
        }
        // Lambda's dead letters carry RequestID; EventBridge's, RULE_ARN
        // (EventBridge User Guide, "Using dead-letter queues to process
        // undelivered events"); an intake queue's redrive, only the body.
        let source = if self.attributes.contains_key("RequestID") {
            "a function's dead letter"
        } else if self.attributes.contains_key("RULE_ARN") {
            "an EventBridge delivery that failed"
        } else if value.get("Type").and_then(|t| t.as_str()) == Some("Notification") {
            "an SNS notification (a subscription's or an intake queue's dead letter)"
        } else {
            "object events"
        };
        match event::from_value(value) {
            Ok(events) => FailureKind::Events { source, events },
            Err(error) => FailureKind::Unreadable(error.to_string()),
        }
    }

    /// The error Lambda recorded with a dead letter, if any.
    pub fn error(&self) -> Option<&str> {
        self.attributes.get("ErrorMessage").map(String::as_str)
    }
}

/// How long a listing hides the messages it read.
pub const LIST_HIDE: Duration = Duration::from_secs(30);
/// Messages a listing reads at most.
pub const LIST_MAX: usize = 1_000;

/// The messages waiting (up to [`LIST_MAX`]), left as they were: each is
/// hidden while the listing reads on (so it is seen once), then released.
pub async fn list<Q: FailureQueue>(queue: &Q) -> anyhow::Result<Vec<QueuedFailure>> {
    let mut out = Vec::new();
    while out.len() < LIST_MAX {
        let batch = queue.receive(LIST_HIDE).await?;
        if batch.is_empty() {
            break;
        }
        out.extend(batch);
    }
    for message in &out {
        queue.release(message).await?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str, attributes: &[(&str, &str)]) -> QueuedFailure {
        QueuedFailure {
            message_id: "m".into(),
            receipt: "r".into(),
            body: body.into(),
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            sent_at: None,
        }
    }

    #[test]
    fn each_kind_of_message_is_told_apart() {
        let batch = r#"{"requestContext":{"requestId":"x","condition":"RetryAttemptsExhausted"},"version":"1.0","timestamp":"2026-11-22T08:00:00.000Z",
            "KinesisBatchInfo":{"shardId":"shardId-000000000001","startSequenceNumber":"4960","endSequenceNumber":"4970","approximateArrivalOfFirstRecord":"2026-11-22T07:59:58.123Z","approximateArrivalOfLastRecord":"2026-11-22T07:59:59.000Z","batchSize":3,"streamArn":"arn:aws:kinesis:us-east-1:123456789012:stream/fast"}}"#;
        match message(batch, &[]).kind() {
            FailureKind::LaneBatch(range) => {
                assert_eq!(range.shard_id, "shardId-000000000001");
                assert_eq!(
                    (range.start_sequence_number.as_str(), range.batch_size),
                    ("4960", 3)
                );
            }
            other => panic!("{other:?}"),
        }
        let envelope = serde_json::json!({"Type": "Notification", "MessageId": "1",
            "Message": r#"[{"bucket_name":"b","object_key":"k","lane":"slow"}]"#});
        match message(&envelope.to_string(), &[]).kind() {
            FailureKind::Events { source, events } => {
                assert_eq!(
                    source,
                    "an SNS notification (a subscription's or an intake queue's dead letter)"
                );
                assert_eq!(events[0].lane, Some(crate::event::Lane::Slow));
            }
            other => panic!("{other:?}"),
        }
        let junk = message("{\"hello\": 1}", &[("RequestID", "r-1")]);
        assert!(matches!(junk.kind(), FailureKind::Unreadable(_)));
        assert!(matches!(
            message("not json", &[]).kind(),
            FailureKind::Unreadable(_)
        ));
    }
}
