//! `cloudwatch-logs`: CloudWatch Logs subscription-filter payloads, one
//! record per log event, tagged `aws.cloudwatch_logs` and timed by the event:
//! `{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/lambda/checkout","logStream":"2026/11/22/[$LATEST]0a1b2c","subscriptionFilters":["to-s3"],"logEvents":[{"id":"37911287458519330419716340561658117386419453917410951168","timestamp":1763799330123,"message":"START RequestId: 5f1c Version: $LATEST\n"}]}`
//! gives `{"message": "START RequestId: ...", "id": "3791...", "log_group":
//! "/aws/lambda/checkout", "log_stream": "2026/11/22/[$LATEST]0a1b2c",
//! "owner": "123456789012"}`.
//!
//! Firehose writes several payloads back to back, with no separator, into
//! one object: a record may hold any number of them. `CONTROL_MESSAGE`
//! payloads (CloudWatch checking that the destination is reachable) are
//! skipped.

use serde::Deserialize;
use serde_json::{Deserializer, Map, Value};

use super::item::{Body, Item, Out, ParseError};
use super::time;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    message_type: MessageType,
    owner: String,
    log_group: String,
    log_stream: String,
    log_events: Vec<LogEvent>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum MessageType {
    DataMessage,
    ControlMessage,
}

#[derive(Deserialize)]
struct LogEvent {
    id: String,
    timestamp: i64,
    message: String,
}

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    // On an error, drop the events of this record already emitted.
    let emitted = out.len();
    let result = match &item.body {
        Body::Text(bytes) | Body::Json(bytes) => payloads(bytes, out),
        Body::Value(value) => from_value(value, out),
        // JSON text an earlier parser built is read as the value it holds.
        Body::JsonOwned(_) => item
            .body
            .to_value()
            .and_then(|value| from_value(&value, out)),
    };
    if result.is_err() {
        out.truncate(emitted);
    }
    result
}

/// The payload (or payloads, in a string) an earlier parser built.
fn from_value(value: &Value, out: &mut Out<'_>) -> Result<(), ParseError> {
    match value {
        Value::String(text) => payloads(text.as_bytes(), out),
        value => serde_path_to_error::deserialize(value)
            .map_err(|e| {
                let at = match e.path().to_string() {
                    path if path == "." => String::new(),
                    path => format!("{path}: "),
                };
                ParseError::new(format!("JSON: {at}{}", super::item::json_error(e.inner())))
            })
            .and_then(|payload| emit(payload, out)),
    }
}

/// Every payload of `bytes`, in order.
fn payloads(bytes: &[u8], out: &mut Out<'_>) -> Result<(), ParseError> {
    let mut stream = Deserializer::from_slice(bytes).into_iter::<Payload>();
    let mut index = 0;
    loop {
        let start = stream.byte_offset();
        let Some(next) = stream.next() else {
            return Ok(());
        };
        index += 1;
        let payload = next.map_err(|e| {
            // Read the failed payload again, slowly, for the path of the bad field.
            let mut again = Deserializer::from_slice(&bytes[start..]);
            let detail = match serde_path_to_error::deserialize::<_, Payload>(&mut again) {
                Err(with_path) => match with_path.path().to_string() {
                    path if path == "." => super::item::json_error(with_path.inner()),
                    path => format!("{path}: {}", super::item::json_error(with_path.inner())),
                },
                Ok(_) => super::item::json_error(&e),
            };
            ParseError::new(format!("payload {index}: JSON: {detail}"))
        })?;
        emit(payload, out).map_err(|e| ParseError::new(format!("payload {index}: {e}")))?;
    }
}

fn emit(payload: Payload, out: &mut Out<'_>) -> Result<(), ParseError> {
    if payload.message_type == MessageType::ControlMessage {
        return Ok(());
    }
    for (i, event) in payload.log_events.into_iter().enumerate() {
        let timestamp = time::epoch_millis(event.timestamp)
            .map_err(|e| ParseError::new(format!("logEvents[{i}].timestamp: {e}")))?;
        let mut object = Map::with_capacity(5);
        object.insert("message".to_owned(), Value::String(event.message));
        object.insert("id".to_owned(), Value::String(event.id));
        object.insert(
            "log_group".to_owned(),
            Value::String(payload.log_group.clone()),
        );
        object.insert(
            "log_stream".to_owned(),
            Value::String(payload.log_stream.clone()),
        );
        object.insert("owner".to_owned(), Value::String(payload.owner.clone()));
        out.push(Item {
            tag: Some("aws.cloudwatch_logs".to_owned()),
            timestamp: Some(timestamp),
            body: Body::Value(Value::Object(object)),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, item};
    use serde_json::json;

    const LAMBDA: &str = r#"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/lambda/checkout","logStream":"2026/11/22/[$LATEST]0a1b2c3d4e5f","subscriptionFilters":["to-firehose"],"logEvents":[{"id":"37911287458519330419716340561658117386419453917410951168","timestamp":1763799330123,"message":"START RequestId: 5f1c2d3e-0000-4a4a-9b9b-123456789abc Version: $LATEST\n"},{"id":"37911287458541631164914871184799653104692102278916931585","timestamp":1763799330124,"message":"{\"level\":\"info\",\"msg\":\"order \\\"42\\\" placed\"}\n"}]}"#;
    const CONTROL: &str = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1763799300000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#;
    const VPC: &str = r#"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"vpc-flow","logStream":"eni-0a1b2c3d4e5f60718-all","subscriptionFilters":["all"],"logEvents":[{"id":"37911287458563931910113401807941188822964750640422912002","timestamp":1763799331000,"message":"2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 203.0.113.12 49761 443 6 20 4249 1763799300 1763799360 ACCEPT OK"}]}"#;

    fn run(record: &str) -> Result<Out<'_>, ParseError> {
        testing::run(parse, Item::text(record.as_bytes()))
    }

    #[test]
    fn one_record_per_event() {
        let out = run(LAMBDA).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].tag.as_deref(), Some("aws.cloudwatch_logs"));
        assert_eq!(
            out[0].timestamp.unwrap().timestamp_millis(),
            1_763_799_330_123
        );
        assert_eq!(
            out[1].timestamp.unwrap().timestamp_millis(),
            1_763_799_330_124
        );
        assert_eq!(
            out[0].body,
            Body::Value(json!({
                "message": "START RequestId: 5f1c2d3e-0000-4a4a-9b9b-123456789abc Version: $LATEST\n",
                "id": "37911287458519330419716340561658117386419453917410951168",
                "log_group": "/aws/lambda/checkout",
                "log_stream": "2026/11/22/[$LATEST]0a1b2c3d4e5f",
                "owner": "123456789012",
            }))
        );
        let Body::Value(second) = &out[1].body else {
            panic!()
        };
        assert_eq!(
            second["message"],
            json!("{\"level\":\"info\",\"msg\":\"order \\\"42\\\" placed\"}\n")
        );
    }

    #[test]
    fn reads_concatenated_payloads_and_skips_control_messages() {
        // As Firehose writes them: no separator, or a newline.
        let record = format!("{CONTROL}{LAMBDA}{VPC}\n{LAMBDA}\n");
        let out = run(&record).unwrap();
        assert_eq!(out.len(), 5);
        let groups: Vec<_> = out
            .iter()
            .map(|item| match &item.body {
                Body::Value(value) => value["log_group"].as_str().unwrap().to_owned(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            groups,
            [
                "/aws/lambda/checkout",
                "/aws/lambda/checkout",
                "vpc-flow",
                "/aws/lambda/checkout",
                "/aws/lambda/checkout"
            ]
        );
        assert!(run(CONTROL).unwrap().is_empty());
        assert!(run("").unwrap().is_empty());
        assert!(run(" \n").unwrap().is_empty());
    }

    #[test]
    fn a_payload_without_events_yields_nothing() {
        let empty = r#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":[],"logEvents":[]}"#;
        assert!(run(empty).unwrap().is_empty());
    }

    #[test]
    fn reads_a_payload_an_earlier_parser_built() {
        let value: Value = serde_json::from_str(VPC).unwrap();
        let out = testing::run(parse, item(Body::Value(value))).unwrap();
        assert_eq!(out.len(), 1);
        let out = testing::run(parse, item(Body::Json(LAMBDA.as_bytes()))).unwrap();
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn errors_name_the_payload_and_field() {
        let bad_time = LAMBDA.replace("1763799330124", "\"soon\"");
        let record = format!("{VPC}{bad_time}");
        let err = run(&record).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "payload 2: JSON: logEvents[1].timestamp: invalid type: string `soon`"
            ),
            "{err}"
        );

        let no_group = VPC.replace(r#""logGroup":"vpc-flow","#, "");
        let err = run(&no_group).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("payload 1: JSON: missing field `logGroup`"),
            "{err}"
        );

        let unknown = VPC.replace("DATA_MESSAGE", "DATA");
        let err = run(&unknown).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("payload 1: JSON: messageType: unknown variant `DATA`"),
            "{err}"
        );

        let truncated = &LAMBDA[..LAMBDA.len() - 10];
        let err = run(truncated).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("payload 1: JSON: logEvents[1].message: EOF while parsing a string"),
            "{err}"
        );

        let err = run(&format!("{VPC}garbage")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("payload 2: JSON: expected value"),
            "{err}"
        );

        let far_future = VPC.replace("1763799331000", "9223372036854775807");
        let err = run(&far_future).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("payload 1: logEvents[0].timestamp: "),
            "{err}"
        );

        let built = item(Body::Value(json!({"messageType": "DATA_MESSAGE"})));
        let err = testing::run(parse, built).unwrap_err();
        assert!(err.to_string().starts_with("JSON: missing field"), "{err}");
    }

    #[test]
    fn an_error_emits_nothing_of_the_record() {
        let mut out = vec![Item::text(b"earlier")];
        let record = format!("{LAMBDA}{{\"messageType\":");
        assert!(parse(Item::text(record.as_bytes()), &mut out).is_err());
        assert_eq!(out.len(), 1);
    }
}
