//! `nlb`: one Network Load Balancer access log line (a TLS listener's
//! connection), fields in the order AWS documents them ("Access logs for
//! your Network Load Balancer"), into an object tagged `aws.nlb.access`,
//! timed by `time` (the end of the connection, UTC):
//! `tls 2.0 2026-11-22T08:15:30 net/edge/c6e77e28c25b2234 g3d4b5e8bb8464cd 203.0.113.9:51341 10.0.1.17:443 5 2 98 246 - arn:aws:acm:us-east-1:123456789012:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - edge.example.com h2 h2 "h2","http/1.1" 2026-11-22T08:15:25`
//!
//! `client:port` and `destination:port` become `client_ip`/`client_port`
//! and `destination_ip`/`destination_port`; `alpn_client_preference_list`
//! is an array. Times are in milliseconds as AWS writes them.

use serde_json::{Map, Value};

use super::item::{Item, Out, ParseError};
use super::quoted::{Format, Kind};
use super::time;

const NLB: Format = Format {
    tag: "aws.nlb.access",
    columns: &[
        ("type", Kind::Text),
        ("version", Kind::Text),
        ("time", Kind::Text),
        ("elb", Kind::Text),
        ("listener", Kind::Text),
        ("client:port", Kind::Split(client)),
        ("destination:port", Kind::Split(destination)),
        ("connection_time", Kind::Integer),
        ("tls_handshake_time", Kind::Integer),
        ("received_bytes", Kind::Integer),
        ("sent_bytes", Kind::Integer),
        ("incoming_tls_alert", Kind::Text),
        ("chosen_cert_arn", Kind::Text),
        ("chosen_cert_serial", Kind::Text),
        ("tls_cipher", Kind::Text),
        ("tls_protocol_version", Kind::Text),
        ("tls_named_group", Kind::Text),
        ("domain_name", Kind::Text),
        ("alpn_fe_protocol", Kind::Text),
        ("alpn_be_protocol", Kind::Text),
        ("alpn_client_preference_list", Kind::Split(preferences)),
        ("tls_connection_creation_time", Kind::Text),
    ],
    // Version 1.0 ends at domain_name; 2.0 added the ALPN fields and the creation time.
    required: 18,
    time_field: 2,
    read_time: time::iso8601,
};

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    NLB.parse(item, out)
}

/// Whether a line starts as NLB lines do (`tls 1.0 ` or `tls 2.0 `), so an
/// `alb` error can say which format the line is.
pub(super) fn looks_like(item: &Item<'_>) -> bool {
    let Ok(text) = item.body.as_str() else {
        return false;
    };
    let mut words = text.split(' ');
    let (kind, version) = (words.next(), words.next());
    kind == Some("tls")
        && version.is_some_and(|v| {
            v.split_once('.')
                .is_some_and(|(a, b)| a.parse::<u8>().is_ok() && b.parse::<u8>().is_ok())
        })
}

fn client(text: &str, object: &mut Map<String, Value>) -> Result<(), ParseError> {
    super::alb::endpoint(text, "client", object)
}

fn destination(text: &str, object: &mut Map<String, Value>) -> Result<(), ParseError> {
    super::alb::endpoint(text, "destination", object)
}

/// `"h2","http/1.1"` (the quotes around the whole are gone): the list.
fn preferences(text: &str, object: &mut Map<String, Value>) -> Result<(), ParseError> {
    let value = match text {
        "-" | "" => Value::Null,
        text => Value::Array(
            text.split("\",\"")
                .map(|p| Value::String(p.trim_matches('"').to_owned()))
                .collect(),
        ),
    };
    object.insert("alpn_client_preference_list".to_owned(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LINE: &str = r#"tls 2.0 2026-11-22T08:15:30 net/edge/c6e77e28c25b2234 g3d4b5e8bb8464cd 203.0.113.9:51341 10.0.1.17:443 5 2 98 246 - arn:aws:acm:us-east-1:123456789012:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - edge.example.com h2 h2 "h2","http/1.1" 2026-11-22T08:15:25"#;

    #[test]
    fn parses_a_tls_listener_line() {
        let (item, object) = NLB.one(LINE).unwrap();
        assert_eq!(item.tag.as_deref(), Some("aws.nlb.access"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30+00:00"
        );
        assert_eq!(
            Value::Object(object),
            json!({
                "type": "tls",
                "version": "2.0",
                "time": "2026-11-22T08:15:30",
                "elb": "net/edge/c6e77e28c25b2234",
                "listener": "g3d4b5e8bb8464cd",
                "client_ip": "203.0.113.9",
                "client_port": 51341,
                "destination_ip": "10.0.1.17",
                "destination_port": 443,
                "connection_time": 5,
                "tls_handshake_time": 2,
                "received_bytes": 98,
                "sent_bytes": 246,
                "incoming_tls_alert": null,
                "chosen_cert_arn": "arn:aws:acm:us-east-1:123456789012:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99",
                "chosen_cert_serial": null,
                "tls_cipher": "ECDHE-RSA-AES128-SHA",
                "tls_protocol_version": "tlsv12",
                "tls_named_group": null,
                "domain_name": "edge.example.com",
                "alpn_fe_protocol": "h2",
                "alpn_be_protocol": "h2",
                "alpn_client_preference_list": ["h2", "http/1.1"],
                "tls_connection_creation_time": "2026-11-22T08:15:25",
            })
        );
        // Version 1.0 lines stop at domain_name.
        let old = LINE.split(' ').take(18).collect::<Vec<_>>().join(" ");
        let (_, object) = NLB.one(&old).unwrap();
        assert!(object.get("alpn_fe_protocol").is_none());
        assert!(NLB.one("tls 2.0 2026-11-22T08:15:30 net/edge/c6").is_err());
    }

    #[test]
    fn the_alb_parser_says_when_a_line_is_an_nlb_line() {
        let mut out = Vec::new();
        let err = super::super::alb::parse(Item::text(LINE.as_bytes()), &mut out).unwrap_err();
        assert!(err.to_string().contains("use the `nlb` format"), "{err}");
        assert!(!looks_like(&Item::text(
            b"https 2026-11-22T08:15:30Z app/web/1"
        )));
    }
}
