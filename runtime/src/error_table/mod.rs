//! The error table: one item per failed invocation of Main, written by
//! Reporter, read by `slips errors`, emptied by drain.

mod dynamodb;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use dynamodb::{DynamoErrorTable, ITEM_TTL_DAYS};

use crate::event::{Lane, ObjectEvent};

/// One failed invocation: what failed and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorItem {
    /// Lambda's request id of the failed invocation (the table's key).
    pub request_id: String,
    /// The invocation's payload.
    pub events: Vec<ObjectEvent>,
    pub error_code: String,
    pub error_message: String,
    /// The lane of the events (of the first, if they differ).
    pub lane: Option<Lane>,
    pub first_failure: DateTime<Utc>,
    pub last_failure: DateTime<Utc>,
    /// How many times this failure was reported.
    pub count: u64,
    /// A lane record that is not an object event, kept here instead of one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lane_record: Option<LaneRecord>,
}

impl ErrorItem {
    /// The item after `failure` is recorded: the rule every error store
    /// follows (DynamoDB's in one UpdateItem). The latest failure's events,
    /// error and lane (when it has one) replace the item's; the first failure
    /// time stays; the count goes up by one.
    pub fn recorded(existing: Option<ErrorItem>, failure: &Failure) -> ErrorItem {
        let (first_failure, count, lane) = existing.map_or((failure.at, 0, None), |item| {
            (item.first_failure, item.count, item.lane)
        });
        ErrorItem {
            request_id: failure.request_id.clone(),
            events: failure.events.clone(),
            error_code: failure.error_code.clone(),
            error_message: failure.error_message.clone(),
            lane: failure.lane().or(lane),
            first_failure,
            last_failure: failure.at,
            count: count + 1,
            lane_record: failure.lane_record.clone(),
        }
    }
}

/// A failure as the DLQ reports it, before it is an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub request_id: String,
    pub events: Vec<ObjectEvent>,
    pub error_code: String,
    pub error_message: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lane_record: Option<LaneRecord>,
}

impl Failure {
    /// The lane of the failure: its first event's, or its lane record's.
    pub fn lane(&self) -> Option<Lane> {
        self.events
            .first()
            .and_then(|e| e.lane)
            .or(self.lane_record.as_ref().map(|r| r.lane))
    }

    /// A failed invocation of `events`, now.
    pub fn new(
        request_id: impl Into<String>,
        events: Vec<ObjectEvent>,
        error_code: impl Into<String>,
        error_message: impl Into<String>,
    ) -> Failure {
        Failure {
            request_id: request_id.into(),
            events,
            error_code: error_code.into(),
            error_message: error_message.into(),
            at: Utc::now(),
            lane_record: None,
        }
    }

    /// A lane record no Dispatcher could read as an object event, now. Its
    /// id is the record's place in its lane, so recording it again (Kinesis
    /// retries a batch) updates the same item.
    pub fn undecodable(record: LaneRecord, reason: impl Into<String>) -> Failure {
        Failure {
            request_id: format!("lane-record-{}-{}", record.lane, record.sequence_number),
            events: Vec::new(),
            error_code: "UndecodableLaneRecord".into(),
            error_message: reason.into(),
            at: Utc::now(),
            lane_record: Some(record),
        }
    }
}

/// The longest excerpt of an undecodable lane record an item keeps: well
/// within a DynamoDB item (400 KB, DynamoDB quotas "Item size"); the whole
/// record stays in its stream for the stream's retention.
pub const MAX_LANE_RECORD_EXCERPT_BYTES: usize = 16 * 1024;

/// A lane record that is not an object event: where it is, and its start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaneRecord {
    pub lane: Lane,
    /// Its sequence number in the lane's stream (its position, locally).
    pub sequence_number: String,
    /// Its size in bytes.
    pub bytes: usize,
    /// Its first bytes, as text (invalid UTF-8 replaced).
    pub excerpt: String,
}

impl LaneRecord {
    pub fn new(lane: Lane, sequence_number: impl Into<String>, data: &[u8]) -> LaneRecord {
        let start = &data[..data.len().min(MAX_LANE_RECORD_EXCERPT_BYTES)];
        LaneRecord {
            lane,
            sequence_number: sequence_number.into(),
            bytes: data.len(),
            excerpt: String::from_utf8_lossy(start).into_owned(),
        }
    }
}

/// Which items to select (all when empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    #[serde(default)]
    pub ids: Vec<String>,
    #[serde(default)]
    pub bucket: Option<String>,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub lane: Option<Lane>,
    /// Only items whose last failure is at or after this time.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
}

impl Selection {
    /// The events of `item` this selection picks: by request id, lane and
    /// time of the item, then by bucket and key prefix of each event (an
    /// item is drained event by event, so `--prefix` takes only what it names).
    pub fn events<'a>(&self, item: &'a ErrorItem) -> Vec<&'a ObjectEvent> {
        let item_matches = (self.ids.is_empty() || self.ids.contains(&item.request_id))
            && self.since.is_none_or(|since| item.last_failure >= since);
        if !item_matches {
            return Vec::new();
        }
        item.events
            .iter()
            .filter(|e| self.takes(e, item.lane))
            .collect()
    }

    /// Whether the selection's lane, bucket and prefix take `event` (whose
    /// lane is `fallback` when it names none).
    pub fn takes(&self, event: &ObjectEvent, fallback: Option<Lane>) -> bool {
        self.lane
            .is_none_or(|lane| event.lane.or(fallback) == Some(lane))
            && self.bucket.as_ref().is_none_or(|b| &event.bucket_name == b)
            && self
                .prefix
                .as_ref()
                .is_none_or(|p| event.object_key.starts_with(p.as_str()))
    }

    /// Whether any event of `item` is selected, or (for an item that holds
    /// a lane record instead of events) whether the selection is not about
    /// objects and the item's id, time and lane match.
    pub fn matches(&self, item: &ErrorItem) -> bool {
        match &item.lane_record {
            Some(record) if item.events.is_empty() => {
                self.bucket.is_none()
                    && self.prefix.is_none()
                    && (self.ids.is_empty() || self.ids.contains(&item.request_id))
                    && self.since.is_none_or(|since| item.last_failure >= since)
                    && self.lane.is_none_or(|lane| record.lane == lane)
            }
            _ => !self.events(item).is_empty(),
        }
    }
}

/// An item that is not an error item slips can read (written by hand, or by
/// another version): named by its key and skipped, never the end of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Malformed {
    pub request_id: String,
    pub reason: String,
}

/// One page of the error table.
#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<ErrorItem>,
    pub malformed: Vec<Malformed>,
    /// Where the next page starts; `None` after the last.
    pub next: Option<String>,
}

/// Where error items are kept.
pub trait ErrorStore: Send + Sync {
    /// Records a failure; the same request id again updates its one item
    /// (last failure, count) instead of adding another.
    fn record(&self, failure: &Failure) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Every item, page by page (`Page::next` is the resume point).
    fn page(&self, start: Option<String>) -> impl Future<Output = anyhow::Result<Page>> + Send;

    fn get(
        &self,
        request_id: &str,
    ) -> impl Future<Output = anyhow::Result<Option<ErrorItem>>> + Send;

    fn delete(&self, request_id: &str) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Keeps only `events` in an item (the others were drained).
    fn keep(
        &self,
        request_id: &str,
        events: &[ObjectEvent],
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Every item matching `selection`, reading every page; malformed items are
/// returned beside them.
pub async fn select<S: ErrorStore>(
    store: &S,
    selection: &Selection,
) -> anyhow::Result<(Vec<ErrorItem>, Vec<Malformed>)> {
    let (mut items, mut malformed) = (Vec::new(), Vec::new());
    let mut start = None;
    loop {
        let page = store.page(start).await?;
        items.extend(
            page.items
                .into_iter()
                .filter(|item| selection.matches(item)),
        );
        malformed.extend(page.malformed);
        match page.next {
            Some(next) => start = Some(next),
            None => return Ok((items, malformed)),
        }
    }
}
