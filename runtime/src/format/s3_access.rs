//! `s3-access`: one S3 server access log line, fields in the order AWS
//! documents them, into an object tagged `aws.s3.access`, timed by the
//! bracketed time (converted to UTC):
//! `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - -`
//!
//! `key` stays URL-encoded, as S3 writes it.

use chrono::{DateTime, Utc};

use super::item::{Item, Out, ParseError};
use super::quoted::{Format, Kind};

const S3_ACCESS: Format = Format {
    tag: "aws.s3.access",
    columns: &[
        ("bucket_owner", Kind::Text),
        ("bucket", Kind::Text),
        ("time", Kind::Text),
        ("remote_ip", Kind::Text),
        ("requester", Kind::Text),
        ("request_id", Kind::Text),
        ("operation", Kind::Text),
        ("key", Kind::Text),
        ("request_uri", Kind::Text),
        ("http_status", Kind::Integer),
        ("error_code", Kind::Text),
        ("bytes_sent", Kind::Integer),
        ("object_size", Kind::Integer),
        ("total_time", Kind::Integer),
        ("turn_around_time", Kind::Integer),
        ("referrer", Kind::Text),
        ("user_agent", Kind::Text),
        ("version_id", Kind::Text),
        ("host_id", Kind::Text),
        ("signature_version", Kind::Text),
        ("cipher_suite", Kind::Text),
        ("authentication_type", Kind::Text),
        ("host_header", Kind::Text),
        ("tls_version", Kind::Text),
        ("access_point_arn", Kind::Text),
        ("acl_required", Kind::Text),
    ],
    // The fields up to user_agent; those after it were added over the years.
    required: 17,
    time_field: 2,
    read_time: bracketed_time,
};

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    S3_ACCESS.parse(item, out)
}

/// `06/Feb/2019:00:00:38 +0000` (the brackets already split off).
fn bracketed_time(text: &str) -> Result<DateTime<Utc>, ParseError> {
    DateTime::parse_from_str(text, "%d/%b/%Y:%H:%M:%S %z")
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            ParseError::new(format!(
                "{} is not a time like 06/Feb/2019:00:00:38 +0000 ({e})",
                super::item::excerpt(text)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const OWNER: &str = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";

    fn get_object() -> String {
        format!(
            r#"{OWNER} media-example-prod [22/Nov/2026:09:14:07 +0000] 203.0.113.50 arn:aws:sts::123456789012:assumed-role/reader/i-0abc123 9Q2ZK6V8XAMPLE01 REST.GET.OBJECT photos/2026/cat%20picture.jpg "GET /media-example-prod/photos/2026/cat%20picture.jpg?versionId=3HL4kqtJlcpXroDTDmJ HTTP/1.1" 200 - 48213 48213 38 12 "https://www.example.com/gallery" "aws-sdk-java/2.25.0 Linux/6.1 OpenJDK_64-Bit_Server_VM/21.0.2" 3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo ZwLq0AbEXAMPLEhostid+8Qg7Xq9Rk1sV0yB2nC3mD4eF5gH6iJ7kL8= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader media-example-prod.s3.us-east-1.amazonaws.com TLSv1.3 - -"#
        )
    }

    #[test]
    fn parses_a_get_object_line() {
        let line = get_object();
        let (item, object) = S3_ACCESS.one(&line).unwrap();
        assert_eq!(item.tag.as_deref(), Some("aws.s3.access"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T09:14:07+00:00"
        );
        assert_eq!(
            Value::Object(object),
            json!({
                "bucket_owner": OWNER,
                "bucket": "media-example-prod",
                "time": "22/Nov/2026:09:14:07 +0000",
                "remote_ip": "203.0.113.50",
                "requester": "arn:aws:sts::123456789012:assumed-role/reader/i-0abc123",
                "request_id": "9Q2ZK6V8XAMPLE01",
                "operation": "REST.GET.OBJECT",
                "key": "photos/2026/cat%20picture.jpg",
                "request_uri": "GET /media-example-prod/photos/2026/cat%20picture.jpg?versionId=3HL4kqtJlcpXroDTDmJ HTTP/1.1",
                "http_status": 200,
                "error_code": null,
                "bytes_sent": 48213,
                "object_size": 48213,
                "total_time": 38,
                "turn_around_time": 12,
                "referrer": "https://www.example.com/gallery",
                "user_agent": "aws-sdk-java/2.25.0 Linux/6.1 OpenJDK_64-Bit_Server_VM/21.0.2",
                "version_id": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo",
                "host_id": "ZwLq0AbEXAMPLEhostid+8Qg7Xq9Rk1sV0yB2nC3mD4eF5gH6iJ7kL8=",
                "signature_version": "SigV4",
                "cipher_suite": "ECDHE-RSA-AES128-GCM-SHA256",
                "authentication_type": "AuthHeader",
                "host_header": "media-example-prod.s3.us-east-1.amazonaws.com",
                "tls_version": "TLSv1.3",
                "access_point_arn": null,
                "acl_required": null,
            })
        );
    }

    #[test]
    fn errors_and_anonymous_requests_have_nulls() {
        let line = format!(
            r#"{OWNER} media-example-prod [22/Nov/2026:09:20:00 +0000] 198.51.100.7 - A1206F460EXAMPLE REST.GET.BUCKETPOLICY - "GET /media-example-prod?policy HTTP/1.1" 404 NoSuchBucketPolicy 297 - 38 - "-" "S3Console/0.4" - BNaBsXZQQDbssi6xMBdBU2sLt+Yf5kZDmeBUP35sFoKa3sLLeMC78iwEIWxs99CRUrbS4n11234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader media-example-prod.s3.us-east-1.amazonaws.com TLSv1.2 - Yes"#
        );
        let (_, object) = S3_ACCESS.one(&line).unwrap();
        assert_eq!(object["requester"], Value::Null);
        assert_eq!(object["key"], Value::Null);
        assert_eq!(object["http_status"], json!(404));
        assert_eq!(object["error_code"], json!("NoSuchBucketPolicy"));
        assert_eq!(object["object_size"], Value::Null);
        assert_eq!(object["turn_around_time"], Value::Null);
        assert_eq!(object["referrer"], Value::Null);
        assert_eq!(object["acl_required"], json!("Yes"));
    }

    #[test]
    fn converts_the_offset_to_utc() {
        let line = get_object().replace("22/Nov/2026:09:14:07 +0000", "22/Nov/2026:00:30:00 -0800");
        let (item, object) = S3_ACCESS.one(&line).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:30:00+00:00"
        );
        assert_eq!(object["time"], json!("22/Nov/2026:00:30:00 -0800"));
    }

    #[test]
    fn older_lines_lack_keys_and_newer_ones_keep_extras() {
        // Before 2019 lines stopped after the version id.
        let old = format!(
            r#"{OWNER} logs-2017 [03/Mar/2017:17:02:44 +0000] 192.0.2.3 - 7B4A0FABBEXAMPLE WEBSITE.GET.OBJECT index.html "GET /index.html HTTP/1.1" 200 - 1024 1024 9 8 "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" -"#
        );
        let (item, object) = S3_ACCESS.one(&old).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2017-03-03T17:02:44+00:00"
        );
        assert_eq!(object.len(), 18);
        assert_eq!(object["version_id"], Value::Null);
        assert!(!object.contains_key("host_id"));

        let newer = format!("{} us-east-1", get_object());
        let (_, object) = S3_ACCESS.one(&newer).unwrap();
        assert_eq!(object["acl_required"], Value::Null);
        assert_eq!(object["extra_fields"], json!(["us-east-1"]));
    }

    #[test]
    fn user_agents_with_quotes() {
        let escaped = get_object().replace(
            "aws-sdk-java/2.25.0 Linux/6.1 OpenJDK_64-Bit_Server_VM/21.0.2",
            r#"probe \"quoted\" agent"#,
        );
        let (_, object) = S3_ACCESS.one(&escaped).unwrap();
        assert_eq!(object["user_agent"], json!(r#"probe "quoted" agent"#));
        assert_eq!(
            object["version_id"],
            json!("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo")
        );
    }

    #[test]
    fn malformed_lines_say_what_is_wrong() {
        let bad_time = get_object().replace("22/Nov/2026:09:14:07 +0000", "2026-11-22T09:14:07Z");
        let err = S3_ACCESS.one(&bad_time).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "time: `2026-11-22T09:14:07Z` is not a time like 06/Feb/2019:00:00:38 +0000"
            ),
            "{err}"
        );
        let bad_status = get_object().replace(" 200 - 48213 ", " OK - 48213 ");
        let err = S3_ACCESS.one(&bad_status).unwrap_err();
        assert_eq!(err.to_string(), "http_status: `OK` is not an integer");
        let line = get_object();
        let err = S3_ACCESS
            .one(&line[..line.find(r#" "https"#).unwrap()])
            .unwrap_err();
        assert_eq!(err.to_string(), "expected at least 17 fields, found 15");
        let no_bracket = get_object().replace("+0000]", "+0000");
        let err = S3_ACCESS.one(&no_bracket).unwrap_err();
        assert_eq!(err.to_string(), "field 3: no closing `]`");
        let mut out = Vec::new();
        parse(Item::text(b"\n"), &mut out).unwrap();
        assert!(out.is_empty());
    }
}
