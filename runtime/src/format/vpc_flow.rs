//! `vpc-flow`: VPC Flow Logs as delivered to S3, one line a record, into
//! objects tagged `aws.vpcflow`, timed by `start`. The first line of an
//! object is the header naming the fields; each later line, e.g.
//! `2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 203.0.113.12 49761 443 6 20 4249 1763799300 1763799360 ACCEPT OK`
//! becomes `{"version": 2, "account_id": "123456789012", ..., "log_status": "OK"}`:
//! keys are the header's names with `-` as `_`, counts, ports and times are
//! numbers, `-` is null. A line with more fields than the header names keeps
//! the extra ones, in order, in `extra_fields`; one with fewer is an error.

use chrono::DateTime;
use serde_json::{Map, Value};

use super::ObjectState;
use super::item::{Body, Item, Out, ParseError};
use super::quoted::{self, Kind};

/// The default (version 2) format, for objects without a header line.
const DEFAULT_FIELDS: [&str; 14] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// The fields (of every version to date) that hold numbers; the others,
/// account and ECS container ids included, stay text even when all digits.
const NUMERIC_FIELDS: [&str; 10] = [
    "version",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "tcp-flags",
    "traffic-path",
];

pub(super) fn parse<'a>(
    item: Item<'a>,
    state: &mut ObjectState,
    out: &mut Out<'a>,
) -> Result<(), ParseError> {
    let line = item.body.as_str()?;
    let fields: Vec<&str> = line.split_ascii_whitespace().collect();
    let Some(first) = fields.first() else {
        return Ok(());
    };
    // Field names never start with a digit, and every data line of the
    // default format starts with its version.
    let is_data = first.starts_with(|c: char| c.is_ascii_digit());
    if state.header.is_none() && !is_data {
        state.header = Some(fields.iter().map(|name| name.to_string()).collect());
        return Ok(());
    }
    let header = state
        .header
        .get_or_insert_with(|| DEFAULT_FIELDS.map(str::to_owned).to_vec());
    // Objects concatenated into one repeat the header: not data.
    if !is_data && fields.iter().eq(header.iter()) {
        return Ok(());
    }
    // More fields than the header names (a writer that appends, as Panther
    // tolerates) are kept in `extra_fields`; fewer cannot be placed.
    if fields.len() < header.len() {
        return Err(ParseError::new(format!(
            "the line has {} fields but the header names {}",
            fields.len(),
            header.len()
        )));
    }
    let mut object = Map::with_capacity(header.len());
    for (name, text) in header.iter().zip(&fields) {
        let kind = if NUMERIC_FIELDS.contains(&name.as_str()) {
            Kind::Integer
        } else {
            Kind::Text
        };
        quoted::insert(&mut object, &name.replace('-', "_"), text, kind)?;
    }
    if let Some(extra) = fields.get(header.len()..).filter(|e| !e.is_empty()) {
        let extra = extra
            .iter()
            .map(|t| Value::String((*t).to_owned()))
            .collect();
        object.insert("extra_fields".to_owned(), Value::Array(extra));
    }
    let timestamp = match object.get("start").and_then(Value::as_i64) {
        // Whole seconds: no need for the float of `time::epoch_seconds`.
        Some(start) => Some(DateTime::from_timestamp(start, 0).ok_or_else(|| {
            ParseError::new(format!("start: {start} s is not a valid epoch time"))
        })?),
        None => item.timestamp,
    };
    out.push(Item {
        tag: Some("aws.vpcflow".to_owned()),
        timestamp,
        body: Body::Value(Value::Object(object)),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::value as body;
    use serde_json::json;

    /// Runs the lines of one object through the parser.
    fn object(lines: &[&'static str]) -> Result<(Out<'static>, ObjectState), ParseError> {
        let mut state = ObjectState::default();
        let mut out = Vec::new();
        for line in lines {
            parse(Item::text(line.as_bytes()), &mut state, &mut out)?;
        }
        Ok((out, state))
    }

    const V2_HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

    #[test]
    fn reads_the_default_format_with_its_header() {
        let (out, state) = object(&[
            V2_HEADER,
            "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 203.0.113.12 49761 443 6 20 4249 1763799300 1763799360 ACCEPT OK",
            "2 123456789012 eni-0a1b2c3d4e5f60718 198.51.100.3 10.0.1.5 0 0 1 4 336 1763799310 1763799365 REJECT OK",
        ])
        .unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(state.header.unwrap().len(), 14);
        assert_eq!(out[0].tag.as_deref(), Some("aws.vpcflow"));
        assert_eq!(
            out[0].timestamp.unwrap().to_rfc3339(),
            "2025-11-22T08:15:00+00:00"
        );
        assert_eq!(
            body(&out[0]),
            &json!({
                "version": 2,
                "account_id": "123456789012",
                "interface_id": "eni-0a1b2c3d4e5f60718",
                "srcaddr": "10.0.1.5",
                "dstaddr": "203.0.113.12",
                "srcport": 49761,
                "dstport": 443,
                "protocol": 6,
                "packets": 20,
                "bytes": 4249,
                "start": 1763799300,
                "end": 1763799360,
                "action": "ACCEPT",
                "log_status": "OK",
            })
        );
        assert_eq!(body(&out[1])["action"], json!("REJECT"));
    }

    #[test]
    fn without_a_header_assumes_the_default_format() {
        let (out, state) = object(&[
            "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 203.0.113.12 49761 443 6 20 4249 1763799300 1763799360 ACCEPT OK",
        ])
        .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(state.header.unwrap()[13], "log-status");
        assert_eq!(body(&out[0])["log_status"], json!("OK"));
    }

    #[test]
    fn no_data_lines_are_nulls() {
        let (out, _) = object(&[
            V2_HEADER,
            "2 123456789012 eni-0a1b2c3d4e5f60718 - - - - - - - 1763799300 1763799360 - NODATA",
        ])
        .unwrap();
        let value = body(&out[0]);
        assert_eq!(value["srcaddr"], Value::Null);
        assert_eq!(value["packets"], Value::Null);
        assert_eq!(value["action"], Value::Null);
        assert_eq!(value["log_status"], json!("NODATA"));
        assert_eq!(out[0].timestamp.unwrap().timestamp(), 1_763_799_300);
    }

    #[test]
    fn reads_custom_formats() {
        // v3 to v5 fields, in the order the user chose; start is not first.
        let header = "vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path version";
        let line = "vpc-0f1e2d3c4b5a69788 subnet-0123456789abcdef0 i-0123456789abcdef0 eni-0a1b2c3d4e5f60718 123456789012 IPv4 10.0.1.5 52.94.133.131 40112 443 10.0.1.5 52.94.133.131 6 5120 12 1763799300 1763799360 ACCEPT 19 OK us-east-1 use1-az4 - - - S3 egress 8 5";
        let (out, _) = object(&[header, line]).unwrap();
        let value = body(&out[0]);
        assert_eq!(value["vpc_id"], json!("vpc-0f1e2d3c4b5a69788"));
        assert_eq!(value["tcp_flags"], json!(19));
        assert_eq!(value["traffic_path"], json!(8));
        assert_eq!(value["pkt_dst_aws_service"], json!("S3"));
        assert_eq!(value["pkt_src_aws_service"], Value::Null);
        assert_eq!(value["flow_direction"], json!("egress"));
        assert_eq!(value["az_id"], json!("use1-az4"));
        assert_eq!(value["version"], json!(5));
        assert_eq!(out[0].timestamp.unwrap().timestamp(), 1_763_799_300);
        // The key order is the header's.
        let keys: Vec<_> = value.as_object().unwrap().keys().take(3).cloned().collect();
        assert_eq!(keys, ["vpc_id", "subnet_id", "instance_id"]);
    }

    #[test]
    fn without_start_keeps_no_time() {
        let (out, _) = object(&["srcaddr dstaddr action", "10.0.1.5 10.0.2.9 ACCEPT"]).unwrap();
        assert_eq!(out[0].timestamp, None);
        assert_eq!(
            body(&out[0]),
            &json!({"srcaddr": "10.0.1.5", "dstaddr": "10.0.2.9", "action": "ACCEPT"})
        );
    }

    #[test]
    fn skips_blank_lines_and_repeated_headers() {
        let (out, _) = object(&[
            "",
            V2_HEADER,
            "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 203.0.113.12 49761 443 6 20 4249 1763799300 1763799360 ACCEPT OK\r",
            "  ",
            V2_HEADER,
            "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 203.0.113.12 49762 443 6 20 4249 1763799300 1763799360 ACCEPT OK",
        ])
        .unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(body(&out[0])["log_status"], json!("OK"));
    }

    #[test]
    fn each_object_has_its_own_header() {
        let mut first = ObjectState::default();
        let mut out = Vec::new();
        parse(Item::text(b"srcaddr dstaddr"), &mut first, &mut out).unwrap();
        let mut second = ObjectState::default();
        let line = b"2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 203.0.113.12 49761 443 6 20 4249 1763799300 1763799360 ACCEPT OK";
        parse(Item::text(line), &mut second, &mut out).unwrap();
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn malformed_lines_say_what_is_wrong() {
        let err = object(&[
            V2_HEADER,
            "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 ACCEPT OK",
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the line has 6 fields but the header names 14"
        );
        let err = object(&[
            V2_HEADER,
            "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 203.0.113.12 https 443 6 20 4249 1763799300 1763799360 ACCEPT OK",
        ])
        .unwrap_err();
        assert_eq!(err.to_string(), "srcport: `https` is not an integer");
        let err = object(&["start", "99999999999999999"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "start: 99999999999999999 s is not a valid epoch time"
        );
        // A data line of a custom format whose first field is text is not a header.
        let err = object(&["vpc-id srcaddr", "vpc-0f1e2d3c4b5a69788"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the line has 1 fields but the header names 2"
        );
        // A trailing extra token is kept, not a reason to lose the line.
        let (out, _) =
            object(&["vpc-id srcaddr", "vpc-0f1e2d3c4b5a69788 10.0.1.5 10.0.1.6"]).unwrap();
        assert_eq!(body(&out[0])["srcaddr"], "10.0.1.5");
        assert_eq!(body(&out[0])["extra_fields"], json!(["10.0.1.6"]));
        let mut state = ObjectState::default();
        let err = parse(Item::text(b"\xff"), &mut state, &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }
}
