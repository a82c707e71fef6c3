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
    pub fn matches(&self, item: &ErrorItem) -> bool {
        let any_event = |f: &dyn Fn(&ObjectEvent) -> bool| item.events.iter().any(f);
        (self.ids.is_empty() || self.ids.contains(&item.request_id))
            && self
                .bucket
                .as_ref()
                .is_none_or(|b| any_event(&|e| &e.bucket_name == b))
            && self
                .prefix
                .as_ref()
                .is_none_or(|p| any_event(&|e| e.object_key.starts_with(p.as_str())))
            && self.lane.is_none_or(|lane| item.lane == Some(lane))
            && self.since.is_none_or(|since| item.last_failure >= since)
    }
}

/// Where error items are kept.
pub trait ErrorStore: Send + Sync {
    /// Records a failure; the same request id again updates its one item
    /// (last failure, count) instead of adding another.
    fn record(&self, failure: &Failure) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Every item, page by page (`next` is the resume point).
    fn page(
        &self,
        start: Option<String>,
    ) -> impl Future<Output = anyhow::Result<(Vec<ErrorItem>, Option<String>)>> + Send;

    fn get(
        &self,
        request_id: &str,
    ) -> impl Future<Output = anyhow::Result<Option<ErrorItem>>> + Send;

    fn delete(&self, request_id: &str) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// All items matching `selection`, reading every page.
pub async fn select<S: ErrorStore>(
    store: &S,
    selection: &Selection,
) -> anyhow::Result<Vec<ErrorItem>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let (page, next) = store.page(start).await?;
        items.extend(page.into_iter().filter(|item| selection.matches(item)));
        match next {
            Some(next) => start = Some(next),
            None => return Ok(items),
        }
    }
}
