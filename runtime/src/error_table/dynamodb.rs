//! The DynamoDB adapter of the error table: one item per request id,
//! UpdateItem so a repeated report updates instead of duplicating, and Scan
//! page by page (a page stops at 1 MB).

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::{ErrorItem, ErrorStore, Failure, Malformed, Page};
use crate::event::{Lane, ObjectEvent};

/// How long an item stays before DynamoDB's TTL removes it: long enough for
/// anyone to notice, fix and drain.
pub const ITEM_TTL_DAYS: i64 = 90;

/// The largest DynamoDB item: 400 KB, names and values (DynamoDB quotas,
/// "Item size"). An item holds a dead letter's events (a Dispatcher payload
/// at most), its error and a lane record's excerpt: always within it.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;
const _: () = assert!(
    crate::functions::dispatcher::MAX_PAYLOAD_BYTES
        + crate::functions::main::MAX_ERROR_MESSAGE_BYTES
        + super::MAX_LANE_RECORD_EXCERPT_BYTES
        + 4 * 1024 // the other attributes and their names
        <= MAX_ITEM_BYTES
);

/// The error table in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoErrorTable {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoErrorTable {
    pub fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self {
        DynamoErrorTable { client, table }
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

impl ErrorStore for DynamoErrorTable {
    async fn record(&self, failure: &Failure) -> anyhow::Result<()> {
        let events = serde_json::to_string(&failure.events)?;
        let at = failure
            .at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let expires = (failure.at + chrono::Duration::days(ITEM_TTL_DAYS)).timestamp();
        let first = failure.events.first();
        // Every name through a placeholder: `bucket`, `count` and more are DynamoDB reserved words.
        let mut update = "SET #events = :events, #code = :code, #message = :message, \
                          #last = :at, #first = if_not_exists(#first, :at), \
                          #expires = :expires, #bucket = :bucket, #key = :key"
            .to_string();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("request_id", s(&failure.request_id))
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#events", "events")
            .expression_attribute_names("#code", "error_code")
            .expression_attribute_names("#message", "error_message")
            .expression_attribute_names("#last", "last_failure")
            .expression_attribute_names("#first", "first_failure")
            .expression_attribute_names("#expires", "expires_at")
            .expression_attribute_names("#bucket", "bucket")
            .expression_attribute_names("#key", "object_key")
            .expression_attribute_values(":events", s(events))
            .expression_attribute_values(":code", s(&failure.error_code))
            .expression_attribute_values(":message", s(&failure.error_message))
            .expression_attribute_values(":at", s(at))
            .expression_attribute_values(":expires", AttributeValue::N(expires.to_string()))
            .expression_attribute_values(":bucket", s(first.map_or("", |e| e.bucket_name.as_str())))
            .expression_attribute_values(":key", s(first.map_or("", |e| e.object_key.as_str())))
            .expression_attribute_values(":one", AttributeValue::N("1".into()));
        if let Some(record) = &failure.lane_record {
            update.push_str(", #record = :record");
            request = request
                .expression_attribute_names("#record", "lane_record")
                .expression_attribute_values(":record", s(serde_json::to_string(record)?));
        }
        // The rule of `ErrorItem::recorded`, in one UpdateItem.
        if let Some(lane) = failure.lane() {
            update.push_str(", #lane = :lane");
            request = request
                .expression_attribute_names("#lane", "lane")
                .expression_attribute_values(":lane", s(lane.name()));
        }
        update.push_str(" ADD #count :one");
        request
            .update_expression(update)
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| {
                format!(
                    "recording request {} in table {}",
                    failure.request_id, self.table
                )
            })?;
        Ok(())
    }

    async fn page(&self, start: Option<String>) -> anyhow::Result<Page> {
        let output = self
            .client
            .scan()
            .table_name(&self.table)
            .set_exclusive_start_key(
                start.map(|id| HashMap::from([("request_id".to_string(), s(id))])),
            )
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| format!("scanning table {}", self.table))?;
        let mut page = Page::default();
        for item in output.items() {
            match from_item(item) {
                Ok(item) => page.items.push(item),
                Err(error) => page.malformed.push(Malformed {
                    request_id: item
                        .get("request_id")
                        .and_then(|v| v.as_s().ok())
                        .map_or_else(|| "(no request_id)".into(), Clone::clone),
                    reason: format!("{error:#}"),
                }),
            }
        }
        page.next = output
            .last_evaluated_key()
            .and_then(|key| key.get("request_id"))
            .and_then(|id| id.as_s().ok())
            .cloned();
        Ok(page)
    }

    async fn get(&self, request_id: &str) -> anyhow::Result<Option<ErrorItem>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("request_id", s(request_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| format!("reading request {request_id} from table {}", self.table))?;
        output.item().map(from_item).transpose()
    }

    async fn delete(&self, request_id: &str) -> anyhow::Result<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("request_id", s(request_id))
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| format!("deleting request {request_id} from table {}", self.table))?;
        Ok(())
    }

    async fn keep(&self, request_id: &str, events: &[ObjectEvent]) -> anyhow::Result<()> {
        let first = events.first();
        self.client
            .update_item()
            .table_name(&self.table)
            .key("request_id", s(request_id))
            .condition_expression("attribute_exists(request_id)")
            .update_expression("SET #events = :events, #bucket = :bucket, #key = :key")
            .expression_attribute_names("#events", "events")
            .expression_attribute_names("#bucket", "bucket")
            .expression_attribute_names("#key", "object_key")
            .expression_attribute_values(":events", s(serde_json::to_string(events)?))
            .expression_attribute_values(":bucket", s(first.map_or("", |e| e.bucket_name.as_str())))
            .expression_attribute_values(":key", s(first.map_or("", |e| e.object_key.as_str())))
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| format!("updating request {request_id} in table {}", self.table))?;
        Ok(())
    }
}

fn from_item(item: &HashMap<String, AttributeValue>) -> anyhow::Result<ErrorItem> {
    let text = |name: &str| -> anyhow::Result<String> {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .with_context(|| format!("no `{name}`"))
    };
    let time = |name: &str| -> anyhow::Result<DateTime<Utc>> {
        let value = text(name)?;
        Ok(DateTime::parse_from_rfc3339(&value)
            .with_context(|| format!("`{name}` is not a time: {value}"))?
            .with_timezone(&Utc))
    };
    let request_id = text("request_id")?;
    let events = serde_json::from_str(&text("events")?)
        .with_context(|| format!("item {request_id}: `events` is not a list of object events"))?;
    let lane = match item
        .get("lane")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
    {
        Some("fast") => Some(Lane::Fast),
        Some("slow") => Some(Lane::Slow),
        _ => None,
    };
    let count = item
        .get("count")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let lane_record =
        match item.get("lane_record").and_then(|v| v.as_s().ok()) {
            Some(text) => Some(serde_json::from_str(text).with_context(|| {
                format!("item {request_id}: `lane_record` is not a lane record")
            })?),
            None => None,
        };
    Ok(ErrorItem {
        lane_record,
        events,
        error_code: text("error_code").unwrap_or_default(),
        error_message: text("error_message").unwrap_or_default(),
        lane,
        first_failure: time("first_failure")?,
        last_failure: time("last_failure")?,
        count,
        request_id,
    })
}
