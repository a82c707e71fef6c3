//! The error table: one item per failed invocation of Main, written by
//! Reporter, read by `slips errors`, emptied by drain.

mod dynamodb;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use dynamodb::DynamoErrorTable;

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
}

/// A failure as the DLQ reports it, before it is an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub request_id: String,
    pub events: Vec<ObjectEvent>,
    pub error_code: String,
    pub error_message: String,
    pub at: DateTime<Utc>,
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
            .filter(|e| {
                self.lane
                    .is_none_or(|lane| e.lane.or(item.lane) == Some(lane))
                    && self.bucket.as_ref().is_none_or(|b| &e.bucket_name == b)
                    && self
                        .prefix
                        .as_ref()
                        .is_none_or(|p| e.object_key.starts_with(p.as_str()))
            })
            .collect()
    }

    /// Whether any event of `item` is selected.
    pub fn matches(&self, item: &ErrorItem) -> bool {
        !self.events(item).is_empty()
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
