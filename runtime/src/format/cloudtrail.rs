//! `cloudtrail`: an AWS CloudTrail log file, `{"Records": [{...}, ...]}`,
//! split into one record per event, tagged `aws.cloudtrail.<eventType>`.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::item::{Body, Item, Out, ParseError, describe};
use super::time;

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let mut log = item.body.into_object("a CloudTrail log file")?;
    let records = match log.remove("Records") {
        Some(Value::Array(records)) => records,
        Some(other) => {
            return Err(ParseError::new(format!(
                "Records: expected a list of events, got {}",
                describe(&other)
            )));
        }
        // Digest files (`CloudTrail-Digest/`) are JSON objects too, but hold no events.
        None => {
            return Err(ParseError::new(
                "no `Records` list: not a CloudTrail log file (a digest file?)",
            ));
        }
    };
    // Collected aside so that a bad event leaves `out` as it was.
    let mut events = Vec::with_capacity(records.len());
    for (i, record) in records.into_iter().enumerate() {
        let event = event(record, item.timestamp)
            .map_err(|e| ParseError::new(format!("Records[{i}]: {e}")))?;
        events.push(event);
    }
    out.extend(events);
    Ok(())
}

/// One entry of `Records` as a record of its own.
fn event<'a>(record: Value, earlier: Option<DateTime<Utc>>) -> Result<Item<'a>, ParseError> {
    let mut event = Body::Value(record).into_object("an event")?;
    // The tag routes the record, so an event without a type cannot go on.
    let event_type = match event.get("eventType") {
        Some(Value::String(event_type)) if !event_type.is_empty() => event_type.clone(),
        Some(other) => {
            return Err(ParseError::new(format!(
                "eventType: expected a name such as AwsApiCall, got {}",
                describe(other)
            )));
        }
        None => return Err(ParseError::new("no `eventType`")),
    };
    let timestamp = time::from_field("eventTime", event.get("eventTime"))?.or(earlier);
    let description = description(&event_type, &event);
    event.insert("description".into(), Value::String(description));
    Ok(Item {
        tag: Some(format!("aws.cloudtrail.{event_type}")),
        timestamp,
        body: Body::Value(Value::Object(event)),
    })
}

/// `<eventType> <eventName> by <userIdentity.arn> on <sourceIPAddress>`, `-`
/// for a missing part (service events have no ARN, some no source address).
fn description(event_type: &str, event: &Map<String, Value>) -> String {
    let arn = event.get("userIdentity").and_then(|user| user.get("arn"));
    format!(
        "{event_type} {} by {} on {}",
        part(event.get("eventName")),
        part(arn),
        part(event.get("sourceIPAddress")),
    )
}

/// A string as is, a number or boolean as JSON writes it, else `-`.
fn part(value: Option<&Value>) -> Cow<'_, str> {
    match value {
        Some(Value::String(text)) if !text.is_empty() => Cow::Borrowed(text),
        Some(value @ (Value::Number(_) | Value::Bool(_))) => Cow::Owned(value.to_string()),
        _ => Cow::Borrowed("-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, item, value};
    use serde_json::json;

    const ASSUME_ROLE: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAJ45Q7YFFAREXAMPLE","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"alice"},"eventTime":"2026-11-22T08:15:30Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1.61 exe/x86_64.ubuntu.22 prompt/off command/sts.assume-role","requestParameters":{"roleArn":"arn:aws:iam::123456789012:role/Admin","roleSessionName":"alice-admin","durationSeconds":3600},"responseElements":{"credentials":{"accessKeyId":"ASIAIOSFODNN7EXAMPLE","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLE","expiration":"Nov 22, 2026, 9:15:30 AM"},"assumedRoleUser":{"assumedRoleId":"AROA3XFRBF535PLBIFPI4:alice-admin","arn":"arn:aws:sts::123456789012:assumed-role/Admin/alice-admin"}},"requestID":"c6104cbe-af31-11e0-8154-cbc7ccf896c7","eventID":"1b2e9f0a-6c4d-4e3b-9a57-0c1d2e3f4a5b","readOnly":true,"resources":[{"accountId":"123456789012","type":"AWS::IAM::Role","ARN":"arn:aws:iam::123456789012:role/Admin"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"sts.amazonaws.com"}}"#;

    const CONSOLE_LOGIN: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDACKCEVSQ6C2EXAMPLE","arn":"arn:aws:iam::123456789012:user/bob","accountId":"123456789012","userName":"bob"},"eventTime":"2026-11-22T08:20:01Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","userAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true","MobileVersion":"No","MFAUsed":"Yes"},"eventID":"3fcfb586-2a4b-4d8e-8c1b-6f7d1e2a3b4c","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}"#;

    const GET_OBJECT: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA3XFRBF535PLBIFPI4:i-0abcd1234ef567890","arn":"arn:aws:sts::123456789012:assumed-role/app-server/i-0abcd1234ef567890","accountId":"123456789012","accessKeyId":"ASIAQWERTY1234EXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA3XFRBF535PLBIFPI4","arn":"arn:aws:iam::123456789012:role/app-server","accountId":"123456789012","userName":"app-server"},"attributes":{"creationDate":"2026-11-22T07:00:00Z","mfaAuthenticated":"false"},"ec2RoleDelivery":"2.0"}},"eventTime":"2026-11-22T08:21:07Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"10.0.12.34","userAgent":"[aws-sdk-java/1.12.600 Linux/5.10.205 OpenJDK_64-Bit_Server_VM/17.0.9+8-LTS java/17.0.9]","requestParameters":{"bucketName":"example-invoices","Host":"example-invoices.s3.eu-west-1.amazonaws.com","key":"2026/11/invoice \"Q4\".pdf"},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"Ke2yTgsSw7ZC5k0ExAmPlE=","bytesTransferredOut":48213},"requestID":"8QZ4F1XAMPLE7B3J","eventID":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d","readOnly":true,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::example-invoices/2026/11/invoice \"Q4\".pdf"},{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::example-invoices"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"123456789012","eventCategory":"Data"}"#;

    // Service events have no `userIdentity.arn`; KMS rotations no source address either.
    const ROTATE_KEY: &str = r#"{"eventVersion":"1.08","userIdentity":{"accountId":"123456789012","invokedBy":"kms.amazonaws.com"},"eventTime":"2026-11-22T00:03:44Z","eventSource":"kms.amazonaws.com","eventName":"RotateKey","awsRegion":"us-east-1","requestParameters":null,"responseElements":null,"eventID":"5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f","readOnly":false,"resources":[{"accountId":"123456789012","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}],"eventType":"AwsServiceEvent","managementEvent":true,"recipientAccountId":"123456789012","serviceEventDetails":{"keyId":"1234abcd-12ab-34cd-56ef-1234567890ab"},"eventCategory":"Management"}"#;

    fn log_file() -> String {
        format!(r#"{{"Records":[{ASSUME_ROLE},{CONSOLE_LOGIN},{GET_OBJECT},{ROTATE_KEY}]}}"#)
    }

    fn run(body: Body<'_>) -> Result<Vec<Item<'_>>, ParseError> {
        testing::run(parse, item(body))
    }

    fn field<'v>(item: &'v Item<'_>, key: &str) -> &'v Value {
        &value(item)[key]
    }

    #[test]
    fn splits_a_log_file_into_tagged_events() {
        let log = log_file();
        let out = run(Body::Text(log.as_bytes())).unwrap();
        let tags: Vec<_> = out
            .iter()
            .map(|item| item.tag.as_deref().unwrap())
            .collect();
        assert_eq!(
            tags,
            [
                "aws.cloudtrail.AwsApiCall",
                "aws.cloudtrail.AwsConsoleSignIn",
                "aws.cloudtrail.AwsApiCall",
                "aws.cloudtrail.AwsServiceEvent",
            ]
        );
        let times: Vec<_> = out
            .iter()
            .map(|item| item.timestamp.unwrap().to_rfc3339())
            .collect();
        assert_eq!(
            times,
            [
                "2026-11-22T08:15:30+00:00",
                "2026-11-22T08:20:01+00:00",
                "2026-11-22T08:21:07+00:00",
                "2026-11-22T00:03:44+00:00",
            ]
        );
        let descriptions: Vec<_> = out.iter().map(|item| field(item, "description")).collect();
        assert_eq!(
            descriptions,
            [
                "AwsApiCall AssumeRole by arn:aws:iam::123456789012:user/alice on 203.0.113.10",
                "AwsConsoleSignIn ConsoleLogin by arn:aws:iam::123456789012:user/bob on 198.51.100.23",
                "AwsApiCall GetObject by arn:aws:sts::123456789012:assumed-role/app-server/i-0abcd1234ef567890 on 10.0.12.34",
                "AwsServiceEvent RotateKey by - on -",
            ]
        );
    }

    #[test]
    fn each_event_keeps_all_its_fields_plus_the_description() {
        let log = log_file();
        let out = run(Body::Json(log.as_bytes())).unwrap();
        let Body::Value(Value::Object(get_object)) = &out[2].body else {
            panic!("not an object: {:?}", out[2].body);
        };
        let mut expected: Map<String, Value> = serde_json::from_str(GET_OBJECT).unwrap();
        assert_eq!(
            expected["requestParameters"]["key"],
            "2026/11/invoice \"Q4\".pdf"
        );
        expected.insert(
            "description".into(),
            json!("AwsApiCall GetObject by arn:aws:sts::123456789012:assumed-role/app-server/i-0abcd1234ef567890 on 10.0.12.34"),
        );
        assert_eq!(get_object, &expected);
        // Added last, after the event's own fields.
        assert_eq!(get_object.keys().next_back().unwrap(), "description");
    }

    #[test]
    fn reads_text_json_and_built_values_alike() {
        testing::assert_bodies_alike(parse, &log_file());
    }

    #[test]
    fn one_event_per_line_is_a_log_file_of_one() {
        let line = format!(r#"{{"Records":[{CONSOLE_LOGIN}]}}"#);
        let out = run(Body::Text(line.as_bytes())).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].tag.as_deref(),
            Some("aws.cloudtrail.AwsConsoleSignIn")
        );
        assert_eq!(
            field(&out[0], "responseElements"),
            &json!({"ConsoleLogin": "Success"})
        );
    }

    #[test]
    fn an_empty_log_file_emits_nothing() {
        assert!(run(Body::Text(br#"{"Records":[]}"#)).unwrap().is_empty());
        assert!(
            run(Body::Text(b"{\n  \"Records\" : [ ]\n}\n"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_digest_file_is_an_error() {
        let digest = br#"{"awsAccountId":"123456789012","digestStartTime":"2026-11-22T07:00:00Z","digestEndTime":"2026-11-22T08:00:00Z","digestS3Bucket":"example-trail","digestS3Object":"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/22/123456789012_CloudTrail-Digest_us-east-1_main_us-east-1_20261122T080000Z.json.gz","digestPublicKeyFingerprint":"a1b2c3d4e5f60718293a4b5c6d7e8f90","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"2026-11-22T07:59:58Z","oldestEventTime":"2026-11-22T07:00:03Z","previousDigestS3Bucket":"example-trail","previousDigestHashValue":"b1c2d3","previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"c0ffee","logFiles":[]}"#;
        let err = run(Body::Text(digest)).unwrap_err();
        assert!(err.to_string().contains("no `Records` list"), "{err}");
    }

    #[test]
    fn missing_parts_of_the_description_are_dashes() {
        let line = br#"{"Records":[{"eventType":"AwsApiCall","eventTime":"2026-11-22T08:00:00Z","userIdentity":{"type":"Unknown","principalId":""},"sourceIPAddress":""}]}"#;
        let out = run(Body::Text(line)).unwrap();
        assert_eq!(field(&out[0], "description"), "AwsApiCall - by - on -");
    }

    #[test]
    fn an_event_without_time_keeps_the_earlier_timestamp() {
        let earlier = time::iso8601("2026-11-22T09:00:00Z").unwrap();
        let line = br#"{"Records":[{"eventType":"AwsApiCall","eventName":"ListBuckets"}]}"#;
        let record = Item {
            timestamp: Some(earlier),
            ..item(Body::Text(line))
        };
        let out = testing::run(parse, record).unwrap();
        assert_eq!(out[0].timestamp, Some(earlier));
        assert_eq!(
            field(&out[0], "description"),
            "AwsApiCall ListBuckets by - on -"
        );
    }

    #[test]
    fn bad_events_are_errors_naming_the_entry_and_field() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"Records":{}}"#,
                "Records: expected a list of events, got an object",
            ),
            (
                r#"{"Records":[{"eventType":"AwsApiCall"},"x"]}"#,
                "Records[1]: expected an event (a JSON object), got a string",
            ),
            (
                r#"{"Records":[{"eventName":"GetObject","eventTime":"2026-11-22T08:00:00Z"}]}"#,
                "Records[0]: no `eventType`",
            ),
            (
                r#"{"Records":[{"eventType":7}]}"#,
                "Records[0]: eventType: expected a name such as AwsApiCall, got a number",
            ),
            (
                r#"{"Records":[{"eventType":"AwsApiCall","eventTime":"2026-11-22T08:00:00Z"},{"eventType":"AwsApiCall","eventTime":"yesterday"}]}"#,
                "Records[1]: eventTime: `yesterday` is not an ISO 8601 time",
            ),
            (
                r#"[{"eventType":"AwsApiCall"}]"#,
                "expected a CloudTrail log file (a JSON object), got a list",
            ),
        ];
        for (line, expected) in cases {
            let err = run(Body::Text(line.as_bytes())).unwrap_err();
            assert_eq!(err.to_string(), *expected, "{line}");
        }
    }

    #[test]
    fn a_bad_event_leaves_out_untouched() {
        let mut out = vec![Item::text(b"earlier")];
        let line = format!(r#"{{"Records":[{ASSUME_ROLE},{{"eventType":null}}]}}"#);
        assert!(parse(Item::text(line.as_bytes()), &mut out).is_err());
        assert_eq!(out, [Item::text(b"earlier")]);
    }

    #[test]
    fn malformed_json_is_an_error() {
        let err = run(Body::Text(br#"{"Records":[{"eventType":"AwsApiCall""#)).unwrap_err();
        assert!(err.to_string().starts_with("JSON: EOF"), "{err}");
        assert!(run(Body::Text(br#"{"Records":[]} trailing"#)).is_err());
        assert!(run(Body::Text(b"")).is_err());
    }
}
