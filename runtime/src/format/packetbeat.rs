//! `packetbeat`: one Packetbeat event (JSON), tagged `packetbeat.<type>`
//! (`dns`, `http`, `flow`, `tls`, …); DNS events gain a one-line `message`.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::item::{Body, Item, Out, ParseError, as_text, describe};
use super::time;

/// The few fields read before deciding whether the event must be built at all.
/// Any JSON type is accepted here so that a wrong one is reported by name below.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: Option<Value>,
    #[serde(rename = "@timestamp")]
    timestamp: Option<Value>,
    event: Option<Value>,
    network: Option<Value>,
}

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let head: Head = item.body.fields()?;
    let kind = protocol(&head)?;
    let timestamp = time::from_field("@timestamp", head.timestamp.as_ref())?.or(item.timestamp);
    let body = if kind == "dns" {
        let mut event = item.body.into_object("a Packetbeat event")?;
        let message = dns_message(&event);
        // Packetbeat itself writes no `message`; one set upstream is replaced.
        event.insert("message".into(), Value::String(message));
        Body::Value(Value::Object(event))
    } else {
        match item.body {
            // Reading `Head` parsed the whole text, so it is known to be JSON.
            Body::Text(bytes) => Body::Json(bytes),
            body => body,
        }
    };
    out.push(Item {
        tag: Some(format!("packetbeat.{kind}")),
        timestamp,
        body,
    });
    Ok(())
}

/// The event's protocol. Packetbeat has always named it in `type`, and still
/// does alongside ECS; events that carry ECS fields only (e.g. Elastic
/// Agent's network_traffic integration) have it in `event.dataset`, as
/// `dns` or `network_traffic.dns`, or at least in `network.protocol`.
fn protocol(head: &Head) -> Result<&str, ParseError> {
    if let Some(kind) = &head.kind {
        return match kind {
            Value::String(kind) if !kind.is_empty() => Ok(kind),
            other => Err(ParseError::new(format!(
                "type: expected a protocol name such as dns, got {}",
                describe(other)
            ))),
        };
    }
    let dataset = head
        .event
        .as_ref()
        .and_then(|event| event.get("dataset"))
        .and_then(Value::as_str)
        .filter(|dataset| !dataset.is_empty());
    if let Some(dataset) = dataset {
        return Ok(dataset.strip_prefix("network_traffic.").unwrap_or(dataset));
    }
    head.network
        .as_ref()
        .and_then(|network| network.get("protocol"))
        .and_then(Value::as_str)
        .filter(|protocol| !protocol.is_empty())
        .ok_or_else(|| {
            ParseError::new(
                "no `type`, `event.dataset` or `network.protocol`: cannot tell the event's protocol",
            )
        })
}

/// `<query> from <client ip>`: the name asked (`dns.question.name`, or the
/// older `query` summary such as `class IN, type A, example.com`) and who
/// asked (ECS `client.ip`, or the older `client_ip`), `-` when missing.
fn dns_message(event: &Map<String, Value>) -> String {
    let name = event
        .get("dns")
        .and_then(|dns| dns.get("question"))
        .and_then(|question| question.get("name"));
    let query = as_text(name).or_else(|| as_text(event.get("query")));
    let client_ip = event.get("client").and_then(|client| client.get("ip"));
    let client = as_text(client_ip).or_else(|| as_text(event.get("client_ip")));
    format!(
        "{} from {}",
        query.as_deref().unwrap_or("-"),
        client.as_deref().unwrap_or("-"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, item, value};
    use serde_json::json;

    // Packetbeat 6.x, before ECS.
    const DNS_6: &str = r#"{"@timestamp":"2026-11-22T08:15:30.123Z","beat":{"hostname":"ns1","name":"ns1","version":"6.8.23"},"bytes_in":29,"bytes_out":45,"client_ip":"192.168.1.20","client_port":53211,"client_proc":"","client_server":"","dns":{"additionals_count":0,"answers":[{"class":"IN","data":"93.184.216.34","name":"example.com","ttl":"3600","type":"A"}],"answers_count":1,"authorities_count":0,"flags":{"authentic_data":false,"authoritative":false,"checking_disabled":false,"recursion_available":true,"recursion_desired":true,"truncated_response":false},"id":44531,"op_code":"QUERY","question":{"class":"IN","etld_plus_one":"example.com","name":"example.com","type":"A"},"response_code":"NOERROR"},"ip":"192.168.1.1","method":"QUERY","port":53,"proto":"udp","query":"class IN, type A, example.com","resource":"example.com","responsetime":12,"status":"OK","transport":"udp","type":"dns"}"#;

    // Packetbeat 7.x with ECS.
    const DNS_7: &str = r#"{"@timestamp":"2026-11-22T08:15:31.456Z","agent":{"type":"packetbeat","version":"7.17.18","hostname":"gw-01"},"ecs":{"version":"1.12.0"},"client":{"ip":"10.0.0.5","port":50123,"bytes":36},"server":{"ip":"10.0.0.2","port":53,"bytes":52},"source":{"ip":"10.0.0.5","port":50123,"bytes":36},"destination":{"ip":"10.0.0.2","port":53,"bytes":52},"dns":{"id":1234,"op_code":"QUERY","flags":{"recursion_desired":true,"recursion_available":true,"authoritative":false,"truncated_response":false,"checking_disabled":false,"authentic_data":false},"response_code":"NOERROR","question":{"name":"login.example.org","type":"AAAA","class":"IN","registered_domain":"example.org","top_level_domain":"org","subdomain":"login","etld_plus_one":"example.org"},"answers_count":0,"authorities_count":1,"additionals_count":0,"type":"answer","header_flags":["RD","RA"]},"event":{"kind":"event","category":["network"],"type":["connection","protocol"],"dataset":"dns","start":"2026-11-22T08:15:31.456Z","end":"2026-11-22T08:15:31.470Z","duration":14000000},"network":{"type":"ipv4","transport":"udp","protocol":"dns","direction":"outbound","community_id":"1:3P0Fq6dpRjLmFvWIExAmPlE1j6s=","bytes":88},"type":"dns","status":"OK","method":"QUERY","query":"class IN, type AAAA, login.example.org","resource":"login.example.org"}"#;

    const HTTP_7: &str = r#"{"@timestamp":"2026-11-22T08:16:02.001Z","type":"http","status":"OK","method":"GET","query":"GET /api/v1/orders","client":{"ip":"10.0.0.5","port":51544,"bytes":211},"server":{"ip":"10.0.0.80","port":8080,"bytes":1432,"domain":"orders.internal"},"http":{"request":{"method":"GET","bytes":211,"headers":{"content-length":0}},"response":{"status_code":200,"status_phrase":"ok","bytes":1432},"version":"1.1"},"url":{"full":"http://orders.internal:8080/api/v1/orders?page=2","path":"/api/v1/orders","query":"page=2","scheme":"http","domain":"orders.internal","port":8080},"user_agent":{"original":"python-requests/2.31.0"},"event":{"kind":"event","category":["network","web"],"type":["connection","protocol","access"],"dataset":"http","duration":3120000,"outcome":"success"},"network":{"transport":"tcp","protocol":"http","type":"ipv4","direction":"internal","bytes":1643},"ecs":{"version":"1.12.0"}}"#;

    const FLOW_7: &str = r#"{"@timestamp":"2026-11-22T08:17:00.000Z","type":"flow","flow":{"id":"EQQA////DP//////FP8BAAEKAAAFCgAAUODDkB8","final":false},"event":{"kind":"event","category":["network_traffic","network"],"type":["connection"],"action":"network_flow","dataset":"flow","start":"2026-11-22T08:16:10.000Z","end":"2026-11-22T08:16:59.500Z","duration":49500000000},"source":{"ip":"10.0.0.5","port":50000,"packets":12,"bytes":1804},"destination":{"ip":"10.0.0.80","port":8080,"packets":10,"bytes":9120},"network":{"type":"ipv4","transport":"tcp","community_id":"1:nU8lxEXAMPLEaQ4wQk=","bytes":10924,"packets":22}}"#;

    fn run(body: Body<'_>) -> Result<Item<'_>, ParseError> {
        testing::one(parse, item(body))
    }

    fn message(item: &Item<'_>) -> Value {
        value(item)["message"].clone()
    }

    #[test]
    fn tags_dns_events_and_adds_a_message() {
        let item = run(Body::Text(DNS_6.as_bytes())).unwrap();
        assert_eq!(item.tag.as_deref(), Some("packetbeat.dns"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30.123+00:00"
        );
        assert_eq!(message(&item), "example.com from 192.168.1.20");

        let item = run(Body::Text(DNS_7.as_bytes())).unwrap();
        assert_eq!(item.tag.as_deref(), Some("packetbeat.dns"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:31.456+00:00"
        );
        assert_eq!(message(&item), "login.example.org from 10.0.0.5");
    }

    #[test]
    fn a_dns_event_keeps_its_fields_next_to_the_message() {
        let item = run(Body::Json(DNS_7.as_bytes())).unwrap();
        let mut expected: Map<String, Value> = serde_json::from_str(DNS_7).unwrap();
        expected.insert("message".into(), json!("login.example.org from 10.0.0.5"));
        assert_eq!(item.body, Body::Value(Value::Object(expected)));
    }

    #[test]
    fn other_events_pass_on_unchanged() {
        let item = run(Body::Text(HTTP_7.as_bytes())).unwrap();
        assert_eq!(item.tag.as_deref(), Some("packetbeat.http"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:16:02.001+00:00"
        );
        assert_eq!(item.body, Body::Json(HTTP_7.as_bytes()));

        let item = run(Body::Json(FLOW_7.as_bytes())).unwrap();
        assert_eq!(item.tag.as_deref(), Some("packetbeat.flow"));
        assert_eq!(item.body, Body::Json(FLOW_7.as_bytes()));

        let value: Value = serde_json::from_str(FLOW_7).unwrap();
        let item = run(Body::Value(value.clone())).unwrap();
        assert_eq!(item.tag.as_deref(), Some("packetbeat.flow"));
        assert_eq!(item.body, Body::Value(value));
    }

    #[test]
    fn a_built_dns_value_gets_the_same_message() {
        testing::assert_bodies_alike(parse, DNS_6);
    }

    #[test]
    fn without_type_the_protocol_comes_from_ecs_fields() {
        // Elastic Agent's network_traffic integration prefixes its datasets.
        let agent = br#"{"@timestamp":"2026-11-22T08:18:00.000Z","event":{"dataset":"network_traffic.tls","kind":"event"},"network":{"protocol":"tls","transport":"tcp"},"tls":{"version":"1.3","established":true,"client":{"server_name":"example.com"}}}"#;
        assert_eq!(
            run(Body::Text(agent)).unwrap().tag.as_deref(),
            Some("packetbeat.tls")
        );
        let ecs_7 = br#"{"@timestamp":"2026-11-22T08:18:00Z","event":{"dataset":"pgsql"},"network":{"protocol":"pgsql"}}"#;
        assert_eq!(
            run(Body::Text(ecs_7)).unwrap().tag.as_deref(),
            Some("packetbeat.pgsql")
        );
        let protocol_only =
            br#"{"@timestamp":"2026-11-22T08:18:00Z","network":{"protocol":"icmp"}}"#;
        assert_eq!(
            run(Body::Text(protocol_only)).unwrap().tag.as_deref(),
            Some("packetbeat.icmp")
        );
        let dns = br#"{"@timestamp":"2026-11-22T08:18:00Z","event":{"dataset":"network_traffic.dns"},"client":{"ip":"fe80::1"},"dns":{"question":{"name":"intranet.lan"}}}"#;
        let item = run(Body::Text(dns)).unwrap();
        assert_eq!(item.tag.as_deref(), Some("packetbeat.dns"));
        assert_eq!(message(&item), "intranet.lan from fe80::1");
    }

    #[test]
    fn dns_message_falls_back_to_query_and_dashes() {
        let query_only = br#"{"@timestamp":"2026-11-22T08:15:30Z","type":"dns","query":"class IN, type MX, example.net","client_ip":"192.168.1.21"}"#;
        assert_eq!(
            message(&run(Body::Text(query_only)).unwrap()),
            "class IN, type MX, example.net from 192.168.1.21"
        );
        let nothing =
            br#"{"@timestamp":"2026-11-22T08:15:30Z","type":"dns","dns":{"question":{}}}"#;
        assert_eq!(message(&run(Body::Text(nothing)).unwrap()), "- from -");
    }

    #[test]
    fn an_event_without_time_keeps_the_earlier_timestamp() {
        let earlier = time::iso8601("2026-11-22T09:00:00Z").unwrap();
        let record = Item {
            timestamp: Some(earlier),
            ..item(Body::Text(br#"{"type":"http"}"#))
        };
        let out = testing::run(parse, record).unwrap();
        assert_eq!(out[0].timestamp, Some(earlier));
    }

    #[test]
    fn bad_events_are_errors_naming_the_field() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"@timestamp":"2026-11-22T08:15:30Z","status":"OK"}"#,
                "no `type`, `event.dataset` or `network.protocol`",
            ),
            (
                r#"{"type":7}"#,
                "type: expected a protocol name such as dns, got a number",
            ),
            (
                r#"{"type":""}"#,
                "type: expected a protocol name such as dns, got an empty string",
            ),
            (
                r#"{"type":"dns","@timestamp":"soon"}"#,
                "@timestamp: `soon` is not an ISO 8601 time",
            ),
            (
                r#"{"type":"http","@timestamp":true}"#,
                "@timestamp: true is not a time",
            ),
            (r#"{"type":"dns""#, "JSON: EOF"),
            (
                r#"{"type":"http"} {"type":"http"}"#,
                "JSON: trailing characters",
            ),
            (
                "Nov 22 08:15:30 gw-01 packetbeat[812]: started",
                "JSON: expected value",
            ),
            (
                r#""dns""#,
                "JSON: invalid type: string `dns`, expected struct Head",
            ),
        ];
        for (line, expected) in cases {
            let err = run(Body::Text(line.as_bytes())).unwrap_err();
            assert!(err.to_string().starts_with(expected), "{line}: {err}");
        }
    }
}
