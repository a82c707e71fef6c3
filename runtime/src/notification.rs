//! The AWS envelopes object events arrive in (S3 event notifications, SNS
//! messages, EventBridge "Object Created" events, SQS events of intake
//! queues), read for what slips uses and nothing more: a field slips does not read may be missing, and
//! fields AWS adds are ignored. (`aws_lambda_events`' types require fields
//! slips never reads, such as `userIdentity` or `SignatureVersion`.)

use std::collections::HashMap;

use aws_lambda_events::event::sqs::SqsEvent;
use serde::Deserialize;

/// A field that may be `null`: its default then.
pub(crate) fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// One record of an S3 event notification.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Record {
    #[serde(default, deserialize_with = "or_default")]
    pub aws_region: String,
    #[serde(default, deserialize_with = "or_default")]
    pub event_time: String,
    #[serde(default, deserialize_with = "or_default")]
    pub event_name: String,
    pub s3: S3Entity,
}

#[derive(Debug, Deserialize)]
pub struct S3Entity {
    pub bucket: S3Bucket,
    pub object: S3Object,
}

#[derive(Debug, Deserialize)]
pub struct S3Bucket {
    pub name: String,
    #[serde(default, deserialize_with = "or_default")]
    pub arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Object {
    /// URL-encoded, as S3 notifications carry keys.
    pub key: String,
    #[serde(default, deserialize_with = "or_default")]
    pub size: u64,
    #[serde(default, deserialize_with = "or_default")]
    pub e_tag: String,
    #[serde(default)]
    pub sequencer: Option<String>,
    #[serde(default)]
    pub version_id: Option<String>,
}

/// An S3 event notification: `{"Records": [...]}`.
#[derive(Debug, Deserialize)]
pub struct S3Notification {
    #[serde(rename = "Records")]
    pub records: Vec<S3Record>,
}

/// SNS's Lambda event: `{"Records": [{"Sns": {...}}, ...]}`.
#[derive(Debug, Deserialize)]
pub struct SnsEvent {
    #[serde(rename = "Records")]
    pub records: Vec<SnsRecord>,
}

#[derive(Debug, Deserialize)]
pub struct SnsRecord {
    #[serde(rename = "Sns")]
    pub sns: SnsMessage,
}

/// One SNS message: its text and attributes.
#[derive(Debug, Deserialize)]
pub struct SnsMessage {
    #[serde(rename = "Message")]
    pub message: String,
    #[serde(rename = "MessageId", default, deserialize_with = "or_default")]
    pub message_id: String,
    #[serde(rename = "MessageAttributes", default, deserialize_with = "or_default")]
    pub message_attributes: HashMap<String, SnsAttribute>,
}

/// A message attribute (SNS writes `{"Type": ..., "Value": ...}`).
#[derive(Debug, Deserialize)]
pub struct SnsAttribute {
    #[serde(rename = "Value", default, deserialize_with = "or_default")]
    pub value: String,
}

impl SnsMessage {
    /// The text of the attribute `name`, if the message has it.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.message_attributes.get(name).map(|a| a.value.as_str())
    }
}

/// An EventBridge event from S3.
#[derive(Debug, Deserialize)]
pub struct EventBridgeEvent {
    #[serde(default, deserialize_with = "or_default")]
    pub source: String,
    #[serde(rename = "detail-type", default, deserialize_with = "or_default")]
    pub detail_type: String,
    #[serde(default, deserialize_with = "or_default")]
    pub region: String,
    #[serde(default, deserialize_with = "or_default")]
    pub time: String,
    pub detail: EventBridgeDetail,
}

#[derive(Debug, Deserialize)]
pub struct EventBridgeDetail {
    pub bucket: EventBridgeBucket,
    pub object: EventBridgeObject,
}

#[derive(Debug, Deserialize)]
pub struct EventBridgeBucket {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct EventBridgeObject {
    /// Not URL-encoded, unlike in S3 notifications.
    pub key: String,
    #[serde(default, deserialize_with = "or_default")]
    pub size: u64,
    #[serde(default, deserialize_with = "or_default")]
    pub etag: String,
    #[serde(default)]
    pub sequencer: Option<String>,
    #[serde(rename = "version-id", default)]
    pub version_id: Option<String>,
}

/// One message of an intake queue's SQS event: its id and its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueMessage<'a> {
    pub id: &'a str,
    pub body: &'a str,
}

/// Whether `value` is an SQS event (Lambda's, from an event source mapping).
pub fn is_sqs_event(value: &serde_json::Value) -> bool {
    value.pointer("/Records/0/eventSource") == Some(&serde_json::Value::from("aws:sqs"))
}

/// The messages of an SQS event. A message without an id or a body is an
/// error naming it: Lambda could not be told it failed.
pub fn queue_messages(event: &SqsEvent) -> Result<Vec<QueueMessage<'_>>, String> {
    event
        .records
        .iter()
        .enumerate()
        .map(|(i, record)| match (&record.message_id, &record.body) {
            (Some(id), Some(body)) if !id.is_empty() => Ok(QueueMessage { id, body }),
            _ => Err(format!(
                "SQS event: Records[{i}] has no messageId or no body"
            )),
        })
        .collect()
}

/// `T` from `value`, an error naming the path of the field at fault
/// (`Records[0].s3.object.key: missing field`).
pub fn read<T: serde::de::DeserializeOwned>(
    what: &str,
    value: serde_json::Value,
) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        match path.as_str() {
            "." | "" => format!("{what}: {}", e.inner()),
            path => format!("{what}: {path}: {}", e.inner()),
        }
    })
}
