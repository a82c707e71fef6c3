//! `alb`: one Application Load Balancer access log line, fields in the order
//! AWS documents them, into an object tagged `aws.alb.access`, timed by `time`:
//! `https 2026-11-22T08:15:30.123456Z app/web/50dc6c495c0c9188 203.0.113.9:51234 10.0.1.17:8080 0.001 0.052 0.000 200 200 412 1832 "GET https://shop.example.com:443/cart?id=7 HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-67891233-abcdef012345678912345678" "shop.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2026-11-22T08:15:30.070000Z "forward" "-" "-" "10.0.1.17:8080" "200" "-" "-" TID_1a2b3c4d`
//!
//! `client:port` and `target:port` become `client_ip`/`client_port` and
//! `target_ip`/`target_port`; `request` becomes `request_method`,
//! `request_url` and `request_protocol`; `target_port_list` and
//! `target_status_code_list` are arrays of strings (`-` is null), as
//! Elastic, Panther and Vector give them. `actions_executed` stays the text
//! ALB writes (`waf,forward`), as Vector keeps it (Elastic and Panther split
//! it on commas): one field, one spelling, whichever the reader expects. Quoted fields keep ALB's own
//! escapes (`\x22` for a quote in a URL) as written.

use serde_json::{Map, Value};

use super::item::{Item, Out, ParseError, excerpt};
use super::quoted::{self, Format, Kind};
use super::time;

const ALB: Format = Format {
    tag: "aws.alb.access",
    columns: &[
        ("type", Kind::Text),
        ("time", Kind::Text),
        ("elb", Kind::Text),
        ("client:port", Kind::Split(client)),
        ("target:port", Kind::Split(target)),
        ("request_processing_time", Kind::Decimal),
        ("target_processing_time", Kind::Decimal),
        ("response_processing_time", Kind::Decimal),
        ("elb_status_code", Kind::Integer),
        ("target_status_code", Kind::Integer),
        ("received_bytes", Kind::Integer),
        ("sent_bytes", Kind::Integer),
        ("request", Kind::Split(request)),
        ("user_agent", Kind::Text),
        ("ssl_cipher", Kind::Text),
        ("ssl_protocol", Kind::Text),
        ("target_group_arn", Kind::Text),
        ("trace_id", Kind::Text),
        ("domain_name", Kind::Text),
        ("chosen_cert_arn", Kind::Text),
        ("matched_rule_priority", Kind::Integer),
        ("request_creation_time", Kind::Text),
        ("actions_executed", Kind::Text),
        ("redirect_url", Kind::Text),
        ("error_reason", Kind::Text),
        ("target_port_list", Kind::List(' ')),
        ("target_status_code_list", Kind::List(' ')),
        ("classification", Kind::Text),
        ("classification_reason", Kind::Text),
        ("conn_trace_id", Kind::Text),
    ],
    // The fields up to target_group_arn; those after it were added over the years.
    required: 17,
    time_field: 1,
    read_time: time::iso8601,
};

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let looks_like_nlb = super::nlb::looks_like(&item);
    ALB.parse(item, out).map_err(|error| match looks_like_nlb {
        true => ParseError::new(format!(
            "{error} (this looks like a Network Load Balancer line: use the `nlb` format)"
        )),
        false => error,
    })
}

fn client(text: &str, object: &mut Map<String, Value>) -> Result<(), ParseError> {
    endpoint(text, "client", object)
}

fn target(text: &str, object: &mut Map<String, Value>) -> Result<(), ParseError> {
    endpoint(text, "target", object)
}

/// `ip:port` into `{who}_ip` and `{who}_port`. IPv6 addresses come bare
/// (`2001:db8::1:443`: the port is after the last colon) or in brackets.
/// `-` (no target, e.g. when the request was never dispatched) is null.
pub(super) fn endpoint(
    text: &str,
    who: &str,
    object: &mut Map<String, Value>,
) -> Result<(), ParseError> {
    let (ip, port) = if text == "-" {
        (Value::Null, Value::Null)
    } else {
        let (ip, port) = match text.strip_prefix('[') {
            Some(bracketed) => bracketed.split_once("]:"),
            None => text.rsplit_once(':'),
        }
        .filter(|(ip, port)| !ip.is_empty() && !port.is_empty())
        .ok_or_else(|| {
            ParseError::new(format!("{who}:port: {} is not an ip:port", excerpt(text)))
        })?;
        let port = quoted::integer(&format!("{who}:port"), port)?;
        (Value::String(ip.to_owned()), port)
    };
    object.insert(format!("{who}_ip"), ip);
    object.insert(format!("{who}_port"), port);
    Ok(())
}

/// `METHOD url PROTOCOL` into three keys. A request ALB could not read is
/// logged as `- - - `: all null. The URL is what lies between the first and
/// the last space, so one with a space in it stays whole.
fn request(text: &str, object: &mut Map<String, Value>) -> Result<(), ParseError> {
    let text = text.trim_end_matches(' ');
    let (method, rest) = text.split_once(' ').unwrap_or((text, ""));
    let (url, protocol) = rest.rsplit_once(' ').unwrap_or((rest, ""));
    for (key, part) in [
        ("request_method", method),
        ("request_url", url),
        ("request_protocol", protocol),
    ] {
        let value = match part {
            "" | "-" => Value::Null,
            part => Value::String(part.to_owned()),
        };
        object.insert(key.to_owned(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HTTPS: &str = r#"https 2026-11-22T08:15:30.123456Z app/web/50dc6c495c0c9188 203.0.113.9:51234 10.0.1.17:8080 0.001 0.052 0.000 200 200 412 1832 "GET https://shop.example.com:443/cart?id=7 HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-67891233-abcdef012345678912345678" "shop.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2026-11-22T08:15:30.070000Z "forward" "-" "-" "10.0.1.17:8080" "200" "-" "-" TID_1a2b3c4d5e6f"#;

    #[test]
    fn parses_a_current_https_line() {
        let (item, object) = ALB.one(HTTPS).unwrap();
        assert_eq!(item.tag.as_deref(), Some("aws.alb.access"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30.123456+00:00"
        );
        assert_eq!(
            Value::Object(object),
            json!({
                "type": "https",
                "time": "2026-11-22T08:15:30.123456Z",
                "elb": "app/web/50dc6c495c0c9188",
                "client_ip": "203.0.113.9",
                "client_port": 51234,
                "target_ip": "10.0.1.17",
                "target_port": 8080,
                "request_processing_time": 0.001,
                "target_processing_time": 0.052,
                "response_processing_time": 0.0,
                "elb_status_code": 200,
                "target_status_code": 200,
                "received_bytes": 412,
                "sent_bytes": 1832,
                "request_method": "GET",
                "request_url": "https://shop.example.com:443/cart?id=7",
                "request_protocol": "HTTP/1.1",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
                "ssl_cipher": "ECDHE-RSA-AES128-GCM-SHA256",
                "ssl_protocol": "TLSv1.2",
                "target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067",
                "trace_id": "Root=1-67891233-abcdef012345678912345678",
                "domain_name": "shop.example.com",
                "chosen_cert_arn": "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
                "matched_rule_priority": 1,
                "request_creation_time": "2026-11-22T08:15:30.070000Z",
                "actions_executed": "forward",
                "redirect_url": null,
                "error_reason": null,
                "target_port_list": ["10.0.1.17:8080"],
                "target_status_code_list": ["200"],
                "classification": null,
                "classification_reason": null,
                "conn_trace_id": "TID_1a2b3c4d5e6f",
            })
        );
    }

    #[test]
    fn a_request_never_dispatched_has_nulls() {
        // A client that sent garbage: no target, -1 times, `- - - ` request.
        let line = r#"http 2026-11-22T08:16:02.004211Z app/web/50dc6c495c0c9188 198.51.100.23:40112 - -1 -1 -1 400 - 0 272 "- - - " "-" - - - "-" "-" "-" - 2026-11-22T08:16:02.004000Z "-" "-" "-" "-" "-" "-" "-" -"#;
        let (item, object) = ALB.one(line).unwrap();
        assert_eq!(item.timestamp.unwrap().timestamp(), 1_795_335_362);
        assert_eq!(object["target_ip"], Value::Null);
        assert_eq!(object["target_port"], Value::Null);
        assert_eq!(object["request_processing_time"], json!(-1.0));
        assert_eq!(object["elb_status_code"], json!(400));
        assert_eq!(object["target_status_code"], Value::Null);
        for key in [
            "request_method",
            "request_url",
            "request_protocol",
            "user_agent",
            "trace_id",
            "conn_trace_id",
        ] {
            assert_eq!(object[key], Value::Null, "{key}");
        }
        assert_eq!(object["matched_rule_priority"], Value::Null);
    }

    #[test]
    fn ipv6_clients_and_http2() {
        let line = r#"h2 2026-11-22T08:17:45.900001Z app/web/50dc6c495c0c9188 2001:db8:85a3::8a2e:370:7334:61001 [2001:db8::17]:443 0.000 0.010 0.000 301 301 88 190 "GET https://example.com:443/old HTTP/2.0" "curl/8.5.0" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-6740c2a9-0123456789abcdef01234567" "example.com" "-" 0 2026-11-22T08:17:45.890000Z "redirect" "https://example.com:443/new" "-" "[2001:db8::17]:443" "301" "-" "-" TID_0f0f"#;
        let (_, object) = ALB.one(line).unwrap();
        assert_eq!(object["client_ip"], json!("2001:db8:85a3::8a2e:370:7334"));
        assert_eq!(object["client_port"], json!(61001));
        assert_eq!(object["target_ip"], json!("2001:db8::17"));
        assert_eq!(object["target_port"], json!(443));
        assert_eq!(object["request_protocol"], json!("HTTP/2.0"));
        assert_eq!(object["redirect_url"], json!("https://example.com:443/new"));
        assert_eq!(object["matched_rule_priority"], json!(0));
    }

    #[test]
    fn lambda_targets_and_several_actions() {
        // Lambda targets have no ip:port; the actions stay one text.
        let line = r#"https 2026-11-22T09:00:00.000100Z app/api/0123456789abcdef 192.0.2.44:55000 - 0.001 0.120 0.000 502 - 120 293 "POST https://api.example.com:443/v1/orders HTTP/1.1" "python-requests/2.32.3" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/fn/0123456789abcdef "Root=1-6740c2a9-fedcba9876543210fedcba98" "api.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/aaaa" 10 2026-11-22T08:59:59.879000Z "waf,forward" "-" "LambdaInvalidResponse" "-" "-" "-" "-" TID_77"#;
        let (_, object) = ALB.one(line).unwrap();
        assert_eq!(object["target_ip"], Value::Null);
        assert_eq!(object["actions_executed"], json!("waf,forward"));
        assert_eq!(object["target_port_list"], Value::Null);
        assert_eq!(object["error_reason"], json!("LambdaInvalidResponse"));
        assert_eq!(object["request_method"], json!("POST"));
    }

    #[test]
    fn older_lines_lack_keys_and_newer_ones_keep_extras() {
        // As logged in 2017: up to chosen_cert_arn.
        let old = r#"http 2017-05-12T10:00:00.000001Z app/web/50dc6c495c0c9188 192.0.2.1:1024 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-""#;
        let (_, object) = ALB.one(old).unwrap();
        assert_eq!(object["domain_name"], Value::Null);
        assert!(!object.contains_key("matched_rule_priority"));
        assert!(!object.contains_key("conn_trace_id"));
        assert!(!object.contains_key("extra_fields"));

        let newer = format!(r#"{HTTPS} "shop.example.com" "/cart?id=7" "-""#);
        let (_, object) = ALB.one(&newer).unwrap();
        assert_eq!(object["conn_trace_id"], json!("TID_1a2b3c4d5e6f"));
        assert_eq!(
            object["extra_fields"],
            json!(["shop.example.com", "/cart?id=7", null])
        );
    }

    #[test]
    fn requests_with_odd_shapes() {
        let mut object = Map::new();
        request("GET /a b HTTP/1.1", &mut object).unwrap();
        assert_eq!(object["request_url"], json!("/a b"));
        request("GET /", &mut object).unwrap();
        assert_eq!(object["request_url"], json!("/"));
        assert_eq!(object["request_protocol"], Value::Null);
        request("", &mut object).unwrap();
        assert_eq!(object["request_method"], Value::Null);
        // ALB's own escape for a quote in the URL is kept as written.
        request(r"GET https://x.example:443/q?a=\x22 HTTP/2.0", &mut object).unwrap();
        assert_eq!(
            object["request_url"],
            json!(r"https://x.example:443/q?a=\x22")
        );
    }

    #[test]
    fn blank_lines_yield_nothing() {
        let mut out = Vec::new();
        parse(Item::text(b""), &mut out).unwrap();
        parse(Item::text(b"  \r"), &mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn malformed_lines_say_what_is_wrong() {
        let err = ALB
            .one("http 2026-11-22T08:15:30Z app/web/1 1.2.3.4:5")
            .unwrap_err();
        assert_eq!(err.to_string(), "expected at least 17 fields, found 4");

        let bad_time = HTTPS.replace("2026-11-22T08:15:30.123456Z", "yesterday");
        let err = ALB.one(&bad_time).unwrap_err();
        assert_eq!(err.to_string(), "time: `yesterday` is not an ISO 8601 time");

        let bad_port = HTTPS.replace("203.0.113.9:51234", "203.0.113.9:http");
        let err = ALB.one(&bad_port).unwrap_err();
        assert_eq!(err.to_string(), "client:port: `http` is not an integer");

        let no_port = HTTPS.replace("203.0.113.9:51234", "203.0.113.9");
        let err = ALB.one(&no_port).unwrap_err();
        assert_eq!(
            err.to_string(),
            "client:port: `203.0.113.9` is not an ip:port"
        );

        let bad_bytes = HTTPS.replace(" 412 1832 ", " 412 1.8k ");
        let err = ALB.one(&bad_bytes).unwrap_err();
        assert_eq!(err.to_string(), "sent_bytes: `1.8k` is not an integer");

        let bad_duration = HTTPS.replace(" 0.052 ", " fast ");
        let err = ALB.one(&bad_duration).unwrap_err();
        assert_eq!(
            err.to_string(),
            "target_processing_time: `fast` is not a number"
        );

        let unterminated = &HTTPS[..HTTPS.find("HTTP/1.1").unwrap()];
        let err = ALB.one(unterminated).unwrap_err();
        assert_eq!(err.to_string(), "field 13: no closing quote");

        // A line of another format.
        let syslog = "Nov 22 08:15:30 web-1 sshd[812]: Accepted publickey for ann";
        let err = ALB.one(syslog).unwrap_err();
        assert_eq!(err.to_string(), "expected at least 17 fields, found 9");
        let mut out = Vec::new();
        assert!(
            parse(Item::text(b"\xff\xfe"), &mut out)
                .unwrap_err()
                .to_string()
                .contains("UTF-8")
        );
    }
}
