//! The object event: what travels through the lanes, the DLQ and the error
//! table, one per S3 object; and reading it from what S3, SNS or a user gives.

use serde::{Deserialize, Serialize};

pub use slips_contract::lane::{Lane, PerLane};

use crate::notification::{self, EventBridgeEvent, S3Notification, S3Record, SnsEvent, or_default};

/// One S3 object to process. The first nine fields are the original slips'
/// (so its events stay readable); the rest are what it lacked.
///
/// Read leniently (it may come from another version or another tool): only
/// `bucket_name` and `object_key` are required; any other field may be
/// missing or `null` (its default), a lane slips does not know is no lane,
/// and unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEvent {
    #[serde(default, deserialize_with = "or_default")]
    pub aws_region: String,
    /// When S3 created the object, RFC 3339.
    #[serde(default, deserialize_with = "or_default")]
    pub event_time: String,
    /// e.g. `ObjectCreated:Put`.
    #[serde(default, deserialize_with = "or_default")]
    pub event_name: String,
    pub bucket_name: String,
    #[serde(default, deserialize_with = "or_default")]
    pub bucket_arn: String,
    /// The key, URL-decoded (notifications carry it encoded, `+` for space).
    pub object_key: String,
    #[serde(default, deserialize_with = "or_default")]
    pub object_size: u64,
    #[serde(default, deserialize_with = "or_default")]
    pub object_etag: String,
    /// The Kinesis stream the event was put on (informational: drain goes by `lane`).
    #[serde(default, deserialize_with = "or_default")]
    pub dest_stream: String,
    /// The logical lane, so a drained event returns to its lane even after a
    /// redeploy renamed the stream.
    #[serde(
        default,
        deserialize_with = "known_lane",
        skip_serializing_if = "Option::is_none"
    )]
    pub lane: Option<Lane>,
    /// S3's ordering key for events of the same object key.
    #[serde(
        default,
        deserialize_with = "or_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub sequencer: Option<String>,
    /// The version the notification is about (versioned buckets).
    #[serde(
        default,
        deserialize_with = "or_default",
        skip_serializing_if = "Option::is_none"
    )]
    pub version_id: Option<String>,
}

/// A lane name slips knows, else no lane (the Dispatcher reading the event
/// gives it its own).
fn known_lane<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Lane>, D::Error> {
    let name = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(match name.as_ref().and_then(|v| v.as_str()) {
        Some("fast") => Some(Lane::Fast),
        Some("slow") => Some(Lane::Slow),
        _ => None,
    })
}

impl ObjectEvent {
    /// An `ObjectCreated:Put` event of `key` in `bucket`, nothing else known
    /// (size 0, no ETag, time, lane or version): set what you know with
    /// `ObjectEvent { object_size, ..ObjectEvent::new(bucket, key) }`.
    pub fn new(bucket: &str, key: &str) -> ObjectEvent {
        ObjectEvent {
            aws_region: String::new(),
            event_time: String::new(),
            event_name: "ObjectCreated:Put".into(),
            bucket_name: bucket.into(),
            bucket_arn: format!("arn:aws:s3:::{bucket}"),
            object_key: key.into(),
            object_size: 0,
            object_etag: String::new(),
            dest_stream: String::new(),
            lane: None,
            sequencer: None,
            version_id: None,
        }
    }

    /// `s3://bucket/key`, how errors and logs name the object (a local
    /// file, which has no bucket, by its path).
    pub fn url(&self) -> String {
        if self.bucket_name.is_empty() {
            return self.object_key.clone();
        }
        format!("s3://{}/{}", self.bucket_name, self.object_key)
    }
}

/// Why a JSON document held no object events we could read.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Shape(String),
}

/// Reads object events from any of: a JSON array of object events (the
/// original's payload), an S3 event notification, an SNS notification
/// wrapping one (several S3 records per message are fine), an EventBridge
/// "Object Created" event, or an SQS event whose messages hold any of
/// these. S3's test event (`s3:TestEvent`) yields no events.
pub fn from_json(text: &[u8]) -> Result<Vec<ObjectEvent>, EventsError> {
    let value: serde_json::Value = serde_json::from_slice(text)?;
    from_value(value)
}

/// [`from_json`] on an already parsed value.
pub fn from_value(value: serde_json::Value) -> Result<Vec<ObjectEvent>, EventsError> {
    if value.is_array() {
        return notification::read("object events", value).map_err(EventsError::Shape);
    }
    if value.get("Event").and_then(|e| e.as_str()) == Some("s3:TestEvent") {
        tracing::info!("S3 test event ignored");
        return Ok(Vec::new());
    }
    // One SNS message as SNS itself writes it (a subscription's dead letter).
    if value.get("Type").and_then(|t| t.as_str()) == Some("Notification")
        && let Some(message) = value.get("Message").and_then(|m| m.as_str())
    {
        return from_json(message.as_bytes());
    }
    if value.get("detail-type").is_some() {
        let event = notification::read("EventBridge event", value).map_err(EventsError::Shape)?;
        return from_eventbridge(event).map(|e| vec![e]);
    }
    let records = value
        .get("Records")
        .and_then(|r| r.as_array())
        .ok_or_else(|| {
            EventsError::Shape(
                "expected a JSON array of object events, an S3 event notification \
                 ({\"Records\": [...]}) or an SNS notification wrapping one"
                    .into(),
            )
        })?;
    if notification::is_sqs_event(&value) {
        // An intake queue's batch, whole (EventPusher reads it message by
        // message, to answer which failed): every message's events.
        let sqs = notification::read("SQS event", value).map_err(EventsError::Shape)?;
        let mut events = Vec::new();
        for (i, message) in notification::queue_messages(&sqs)
            .map_err(EventsError::Shape)?
            .into_iter()
            .enumerate()
        {
            let read = from_json(message.body.as_bytes()).map_err(|e| {
                EventsError::Shape(format!(
                    "SQS event: Records[{i}] (message {}): {e}",
                    message.id
                ))
            })?;
            events.extend(read);
        }
        return Ok(events);
    }
    let source = records
        .first()
        .and_then(|r| r.get("EventSource").or_else(|| r.get("eventSource")))
        .and_then(|s| s.as_str());
    if source == Some("aws:sns") {
        let sns: SnsEvent = notification::read("SNS event", value).map_err(EventsError::Shape)?;
        let mut events = Vec::new();
        for record in sns.records {
            let inner: serde_json::Value = serde_json::from_str(&record.sns.message)
                .map_err(|e| EventsError::Shape(format!("SNS message is not JSON: {e}")))?;
            events.extend(from_value(inner)?);
        }
        return Ok(events);
    }
    let s3: S3Notification =
        notification::read("S3 notification", value).map_err(EventsError::Shape)?;
    Ok(s3.records.into_iter().map(from_s3_record).collect())
}

/// A notification's time as events carry it: RFC 3339 with milliseconds
/// (another spelling is kept as given).
fn event_time(text: String) -> String {
    match chrono::DateTime::parse_from_rfc3339(&text) {
        Ok(time) => time
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        Err(_) => text,
    }
}

fn from_s3_record(record: S3Record) -> ObjectEvent {
    let (bucket, object) = (record.s3.bucket, record.s3.object);
    ObjectEvent {
        aws_region: record.aws_region,
        event_time: event_time(record.event_time),
        event_name: record.event_name,
        bucket_arn: match bucket.arn.is_empty() {
            true => format!("arn:aws:s3:::{}", bucket.name),
            false => bucket.arn,
        },
        bucket_name: bucket.name,
        object_key: decode_key(&object.key),
        object_size: object.size,
        object_etag: object.e_tag,
        dest_stream: String::new(),
        lane: None,
        sequencer: object.sequencer,
        version_id: object.version_id,
    }
}

fn from_eventbridge(event: EventBridgeEvent) -> Result<ObjectEvent, EventsError> {
    if event.source != "aws.s3" || event.detail_type != "Object Created" {
        return Err(EventsError::Shape(format!(
            "EventBridge event `{}` from `{}`: only S3 \"Object Created\" events carry objects",
            event.detail_type, event.source
        )));
    }
    let bucket = event.detail.bucket.name;
    let object = event.detail.object;
    Ok(ObjectEvent {
        aws_region: event.region,
        event_time: event_time(event.time),
        event_name: "ObjectCreated".into(),
        bucket_arn: format!("arn:aws:s3:::{bucket}"),
        bucket_name: bucket,
        // EventBridge, unlike S3 notifications, does not URL-encode keys.
        object_key: object.key,
        object_size: object.size,
        object_etag: object.etag,
        dest_stream: String::new(),
        lane: None,
        sequencer: object.sequencer,
        version_id: object.version_id,
    })
}

/// Decodes a key as S3 notifications encode it: form encoding, `+` for space.
///
/// ```
/// assert_eq!(slips::event::decode_key("logs/a+b%2Bc%20d.gz"), "logs/a b+c d.gz");
/// ```
pub fn decode_key(key: &str) -> String {
    let spaced = key.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S3_NOTIFICATION: &str = r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-22T08:15:30.123Z","eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},"requestParameters":{"sourceIPAddress":"203.0.113.9"},"responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},"s3":{"s3SchemaVersion":"1.0","configurationId":"slips","bucket":{"name":"sec-logs","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::sec-logs"},"object":{"key":"AWSLogs/my+file%2B1%3D.json.gz","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}}]}"#;

    #[test]
    fn reads_an_s3_notification_and_decodes_the_key() {
        let events = from_json(S3_NOTIFICATION.as_bytes()).unwrap();
        assert_eq!(events.len(), 1);
        let event = &events[0];
        assert_eq!(event.object_key, "AWSLogs/my file+1=.json.gz");
        assert_eq!(event.bucket_name, "sec-logs");
        assert_eq!(event.object_size, 1024);
        assert_eq!(event.event_time, "2026-11-22T08:15:30.123Z");
        assert_eq!(event.sequencer.as_deref(), Some("0055AED6DCD90281E5"));
        assert_eq!(event.url(), "s3://sec-logs/AWSLogs/my file+1=.json.gz");
    }

    #[test]
    fn reads_an_sns_wrapped_notification() {
        let sns = serde_json::json!({"Records": [{
            "EventSource": "aws:sns", "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:SecLogUpload:2bcfbf39",
            "Sns": {
                "Type": "Notification", "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:SecLogUpload",
                "Subject": "Amazon S3 Notification", "Message": S3_NOTIFICATION,
                "Timestamp": "2026-11-22T08:15:31.000Z", "SignatureVersion": "1",
                "Signature": "EXAMPLE", "SigningCertUrl": "https://example.invalid/cert.pem",
                "UnsubscribeUrl": "https://example.invalid/unsubscribe", "MessageAttributes": {}
            }
        }]});
        let events = from_json(sns.to_string().as_bytes()).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].object_key, "AWSLogs/my file+1=.json.gz");
    }

    #[test]
    fn reads_every_message_of_an_sqs_event() {
        let wrapped = serde_json::json!({"Type": "Notification", "Message": S3_NOTIFICATION});
        let sqs = serde_json::json!({"Records": [
            {"messageId": "1", "eventSource": "aws:sqs", "body": S3_NOTIFICATION},
            {"messageId": "2", "eventSource": "aws:sqs", "body": wrapped.to_string()},
        ]});
        let events = from_json(sqs.to_string().as_bytes()).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].object_key, "AWSLogs/my file+1=.json.gz");
        let junk = serde_json::json!({"Records": [{"messageId": "m-9", "eventSource": "aws:sqs", "body": "hi"}]});
        let err = from_json(junk.to_string().as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("SQS event: Records[0] (message m-9): not JSON"),
            "{err}"
        );
    }

    #[test]
    fn reads_the_originals_payload_and_round_trips() {
        let original = r#"[{"aws_region":"ap-northeast-1","event_time":"2018-06-01T00:00:00.000Z","event_name":"ObjectCreated:Put","bucket_name":"b","bucket_arn":"arn:aws:s3:::b","object_key":"k.gz","object_size":3,"object_etag":"e","dest_stream":"sample-stack-EventFastStream"}]"#;
        let events = from_json(original.as_bytes()).unwrap();
        assert_eq!(events[0].lane, None);
        let again = serde_json::to_string(&events).unwrap();
        assert_eq!(again, original);
    }

    #[test]
    fn reads_an_eventbridge_object_created_event_without_decoding() {
        let event = r#"{"version":"0","id":"17793124-05d4-b198-2fde-7ededc63b103","detail-type":"Object Created","source":"aws.s3","account":"123456789012","time":"2026-11-22T08:15:30Z","region":"eu-west-1","resources":["arn:aws:s3:::sec-logs"],"detail":{"version":"0","bucket":{"name":"sec-logs"},"object":{"key":"raw/2026-11-22T08:15:30.5+x.gz","size":198524,"etag":"4af981f98d22a0b9979da24b259e5e42-12","sequencer":"0064D3901D00059242"},"request-id":"XRRTKJXSZQCWNQR1","requester":"123456789012","source-ip-address":"203.0.113.9","reason":"PutObject"}}"#;
        let events = from_json(event.as_bytes()).unwrap();
        assert_eq!(events[0].object_key, "raw/2026-11-22T08:15:30.5+x.gz");
        assert_eq!(events[0].aws_region, "eu-west-1");
        assert_eq!(events[0].object_size, 198524);
        let other = event.replace("Object Created", "Object Deleted");
        assert!(
            from_json(other.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("only S3")
        );
    }

    #[test]
    fn notifications_need_only_what_slips_reads() {
        // No userIdentity, requestParameters, responseElements, eventVersion;
        // an SNS envelope without SignatureVersion, Signature or URLs; fields AWS may add.
        let s3 = r#"{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"logs"},"object":{"key":"a+b.gz","newField":1}},"addedByAws":true}]}"#;
        let sns =
            serde_json::json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": s3}}]});
        for text in [s3.to_string(), sns.to_string()] {
            let events = from_json(text.as_bytes()).unwrap();
            assert_eq!(
                (
                    events[0].bucket_name.as_str(),
                    events[0].object_key.as_str()
                ),
                ("logs", "a b.gz")
            );
            assert_eq!(events[0].bucket_arn, "arn:aws:s3:::logs");
        }
        // A field slips needs, missing: named by its path, not "not JSON".
        let err = from_json(br#"{"Records":[{"s3":{"bucket":{"name":"logs"},"object":{}}}]}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "S3 notification: Records[0].s3.object: missing field `key`"
        );
        let err = from_json(br#"[{"bucket_name":"b"}]"#)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "object events: [0]: missing field `object_key`");
    }

    #[test]
    fn events_from_elsewhere_are_read_leniently_but_need_bucket_and_key() {
        let event: ObjectEvent = serde_json::from_str(
            r#"{"bucket_name":"b","object_key":"k","aws_region":null,"object_size":null,"lane":"medium","version_id":null,"extra":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(
            (event.object_size, event.lane, event.version_id),
            (0, None, None)
        );
        assert_eq!(event.aws_region, "");
        let slow: ObjectEvent =
            serde_json::from_str(r#"{"bucket_name":"b","object_key":"k","lane":"slow"}"#).unwrap();
        assert_eq!(slow.lane, Some(Lane::Slow));
        assert!(serde_json::from_str::<ObjectEvent>(r#"{"bucket_name":"b"}"#).is_err());
        assert!(
            serde_json::from_str::<ObjectEvent>(r#"{"bucket_name":"b","object_key":null}"#)
                .is_err()
        );
    }

    #[test]
    fn the_test_event_is_no_event_and_junk_is_an_error() {
        let test_event = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-22T08:00:00.000Z","Bucket":"sec-logs","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}"#;
        assert!(from_json(test_event.as_bytes()).unwrap().is_empty());
        let err = from_json(br#"{"hello": 1}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a JSON array of object events")
        );
        assert!(from_json(b"[{\"bucket_name\": 1}]").is_err());
    }
}
