//! `aws-waf`: one AWS WAF (v2) web ACL log line (JSON), tagged `aws.waf.log`;
//! requests that only met the default action are dropped, and the request's
//! header list becomes a map, name (case kept) → value, a repeated header's
//! values joined with `, ` (so none is lost).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::item::{Body, Item, Out, ParseError, describe};
use super::time;

/// What `terminatingRuleId` says when no rule decided, only the web ACL's default.
const DEFAULT_ACTION: &str = "Default_Action";

/// Read before the rest: most requests of a web ACL usually end at the
/// default action, and those are dropped without building the record.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "terminatingRuleId")]
    terminating_rule_id: Option<Value>,
}

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let head: Head = item.body.fields()?;
    if head.terminating_rule_id.as_ref().and_then(Value::as_str) == Some(DEFAULT_ACTION) {
        return Ok(());
    }
    let mut log = item.body.into_object("a WAF log")?;
    let timestamp = match log.get("timestamp") {
        Some(millis) => Some(epoch_millis(millis)?),
        None => item.timestamp,
    };
    let headers = log
        .get_mut("httpRequest")
        .and_then(|request| request.get_mut("headers"));
    if let Some(headers) = headers {
        *headers = Value::Object(header_map(headers.take())?);
    }
    out.push(Item {
        tag: Some("aws.waf.log".into()),
        timestamp,
        body: Body::Value(Value::Object(log)),
    });
    Ok(())
}

/// `timestamp`: WAF writes epoch milliseconds as a JSON number.
fn epoch_millis(value: &Value) -> Result<DateTime<Utc>, ParseError> {
    match value {
        Value::Number(number) => match number.as_i64() {
            Some(millis) => time::epoch_millis(millis),
            None => Err(ParseError::new(format!(
                "expected whole epoch milliseconds, got {number}"
            ))),
        },
        other => Err(ParseError::new(format!(
            "expected epoch milliseconds, got {}",
            describe(other)
        ))),
    }
    .map_err(|e| ParseError::new(format!("timestamp: {e}")))
}

/// `[{"name": "Host", "value": "example.com"}, …]` as `{"Host": "example.com", …}`.
/// Names keep their case, as WAF logged them. A header sent more than once
/// (e.g. two `Cookie` lines) keeps its last value: a map holds only one.
fn header_map(headers: Value) -> Result<Map<String, Value>, ParseError> {
    let Value::Array(headers) = headers else {
        return Err(ParseError::new(format!(
            "httpRequest.headers: expected a list of {{name, value}}, got {}",
            describe(&headers)
        )));
    };
    let mut map = Map::with_capacity(headers.len());
    for (i, header) in headers.into_iter().enumerate() {
        let error = |why: String| ParseError::new(format!("httpRequest.headers[{i}]: {why}"));
        let Value::Object(mut header) = header else {
            return Err(error(format!(
                "expected {{name, value}}, got {}",
                describe(&header)
            )));
        };
        let name = match header.remove("name") {
            Some(Value::String(name)) => name,
            Some(other) => {
                return Err(error(format!(
                    "name: expected a string, got {}",
                    describe(&other)
                )));
            }
            None => return Err(error("no `name`".into())),
        };
        let value = header
            .remove("value")
            .ok_or_else(|| error(format!("no `value` for header {name}")))?;
        // A repeated header keeps every value, joined with `, ` as HTTP
        // combines repeated fields (RFC 9110, section 5.3).
        match (map.get_mut(&name), value) {
            (Some(Value::String(earlier)), Value::String(value)) => {
                earlier.push_str(", ");
                earlier.push_str(&value);
            }
            (_, value) => {
                map.insert(name, value);
            }
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, item, object};
    use serde_json::json;

    // A SQL injection blocked by an AWS managed rule group.
    const BLOCKED: &str = r#"{"timestamp":1795335330123,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop-acl/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111","terminatingRuleId":"AWS-AWSManagedRulesSQLiRuleSet","terminatingRuleType":"MANAGED_RULE_GROUP","action":"BLOCK","terminatingRuleMatchDetails":[{"conditionType":"SQL_INJECTION","sensitivityLevel":"LOW","location":"QUERY_STRING","matchedData":["1","OR","1=1"]}],"httpSourceName":"ALB","httpSourceId":"123456789012-app/shop-alb/50dc6c495c0c9188","ruleGroupList":[{"ruleGroupId":"AWS#AWSManagedRulesSQLiRuleSet","terminatingRule":{"ruleId":"SQLi_QUERYARGUMENTS","action":"BLOCK","ruleMatchDetails":null},"nonTerminatingMatchingRules":[],"excludedRules":null,"customerConfig":null}],"rateBasedRuleList":[],"nonTerminatingMatchingRules":[],"requestHeadersInserted":null,"responseCodeSent":null,"httpRequest":{"clientIp":"203.0.113.77","country":"NL","headers":[{"name":"Host","value":"shop.example.com"},{"name":"User-Agent","value":"sqlmap/1.7.11#stable (https://sqlmap.org)"},{"name":"Accept","value":"*/*"},{"name":"Cookie","value":"session=abc"},{"name":"X-Forwarded-For","value":"203.0.113.77"},{"name":"Cookie","value":"lang=en"},{"name":"host","value":"shop.example.com:443"}],"uri":"/products","args":"id=1%20OR%201=1","httpVersion":"HTTP/1.1","httpMethod":"GET","requestId":"1-6740a1b2-0c1d2e3f4a5b6c7d8e9f0a1b"},"labels":[{"name":"awswaf:managed:aws:sql-database:SQLi_QueryArguments"}],"ja3Fingerprint":"e7d705a3286e19ea42f587b344ee6865"}"#;

    // Let through by the default action: dropped.
    const DEFAULT: &str = r#"{"timestamp":1795335331000,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop-acl/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111","terminatingRuleId":"Default_Action","terminatingRuleType":"REGULAR","action":"ALLOW","terminatingRuleMatchDetails":[],"httpSourceName":"ALB","httpSourceId":"123456789012-app/shop-alb/50dc6c495c0c9188","ruleGroupList":[{"ruleGroupId":"AWS#AWSManagedRulesCommonRuleSet","terminatingRule":null,"nonTerminatingMatchingRules":[],"excludedRules":null}],"rateBasedRuleList":[],"nonTerminatingMatchingRules":[],"httpRequest":{"clientIp":"198.51.100.14","country":"US","headers":[{"name":"Host","value":"shop.example.com"}],"uri":"/","args":"","httpVersion":"HTTP/2.0","httpMethod":"GET","requestId":"1-6740a1b3-aaaabbbbccccddddeeeeffff"}}"#;

    // Blocked by a rate-based rule of the web ACL itself, CloudFront in front.
    const RATE_LIMITED: &str = r#"{"timestamp":1795335332500,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn-acl/0f1e2d3c-4b5a-6978-8796-EXAMPLE22222","terminatingRuleId":"LoginRateLimit","terminatingRuleType":"RATE_BASED","action":"BLOCK","terminatingRuleMatchDetails":[],"httpSourceName":"CF","httpSourceId":"E2ABCDEF123456","ruleGroupList":[],"rateBasedRuleList":[{"rateBasedRuleId":"arn:aws:wafv2:us-east-1:123456789012:global/ipset/LoginRateLimit/0f1e","rateBasedRuleName":"LoginRateLimit","limitKey":"IP","maxRateAllowed":100,"evaluationWindowSec":"300","limitValue":"192.0.2.200"}],"nonTerminatingMatchingRules":[],"httpRequest":{"clientIp":"192.0.2.200","country":"BR","headers":[{"name":"host","value":"www.example.com"},{"name":"content-type","value":"application/x-www-form-urlencoded"}],"uri":"/login","args":"","httpVersion":"HTTP/2.0","httpMethod":"POST","requestId":"Xq3lbJ1bAMPLEqA3k0m1vD7d9z0fQ=="}}"#;

    fn run(body: Body<'_>) -> Result<Vec<Item<'_>>, ParseError> {
        testing::run(parse, item(body))
    }

    #[test]
    fn tags_and_times_a_blocked_request() {
        let out = run(Body::Text(BLOCKED.as_bytes())).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].tag.as_deref(), Some("aws.waf.log"));
        assert_eq!(
            out[0].timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30.123+00:00"
        );
        let log = object(&out[0]);
        assert_eq!(log["action"], "BLOCK");
        assert_eq!(
            log["ruleGroupList"][0]["terminatingRule"]["ruleId"],
            "SQLi_QUERYARGUMENTS"
        );
    }

    #[test]
    fn headers_become_a_map_keeping_case_and_every_repeated_value() {
        let out = run(Body::Text(BLOCKED.as_bytes())).unwrap();
        let request = &object(&out[0])["httpRequest"];
        assert_eq!(
            request["headers"],
            json!({
                "Host": "shop.example.com",
                "User-Agent": "sqlmap/1.7.11#stable (https://sqlmap.org)",
                "Accept": "*/*",
                "Cookie": "session=abc, lang=en",
                "X-Forwarded-For": "203.0.113.77",
                "host": "shop.example.com:443",
            })
        );
        assert_eq!(request["uri"], "/products");
        assert_eq!(request["clientIp"], "203.0.113.77");
    }

    #[test]
    fn everything_but_the_headers_is_kept() {
        let out = run(Body::Json(RATE_LIMITED.as_bytes())).unwrap();
        let mut expected: Map<String, Value> = serde_json::from_str(RATE_LIMITED).unwrap();
        expected["httpRequest"]["headers"] = json!({
            "host": "www.example.com",
            "content-type": "application/x-www-form-urlencoded",
        });
        assert_eq!(object(&out[0]), &expected);
        assert_eq!(
            out[0].timestamp.unwrap().timestamp_millis(),
            1_795_335_332_500
        );
    }

    #[test]
    fn the_default_action_is_skipped() {
        assert!(run(Body::Text(DEFAULT.as_bytes())).unwrap().is_empty());
        assert!(run(Body::Json(DEFAULT.as_bytes())).unwrap().is_empty());
        let value: Value = serde_json::from_str(DEFAULT).unwrap();
        assert!(run(Body::Value(value)).unwrap().is_empty());
        // Only the terminating rule counts: a rule that merely counted is kept.
        let allowed_by_rule = br#"{"timestamp":1795335333000,"terminatingRuleId":"AllowOfficeIPs","terminatingRuleType":"REGULAR","action":"ALLOW","nonTerminatingMatchingRules":[{"ruleId":"Default_Action","action":"COUNT"}],"httpRequest":{"clientIp":"192.0.2.10","headers":[]}}"#;
        let out = run(Body::Text(allowed_by_rule)).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(object(&out[0])["httpRequest"]["headers"], json!({}));
    }

    #[test]
    fn reads_text_json_and_built_values_alike() {
        testing::assert_bodies_alike(parse, BLOCKED);
    }

    #[test]
    fn missing_fields_are_left_missing() {
        let earlier = time::iso8601("2026-11-22T09:00:00Z").unwrap();
        let bare = br#"{"action":"BLOCK","httpRequest":{"clientIp":"192.0.2.1"}}"#;
        let record = Item {
            timestamp: Some(earlier),
            ..item(Body::Text(bare))
        };
        let out = testing::run(parse, record).unwrap();
        assert_eq!(out[0].timestamp, Some(earlier));
        assert_eq!(
            out[0].body,
            Body::Value(serde_json::from_slice(bare).unwrap())
        );
        let no_request =
            br#"{"timestamp":1795335330123,"terminatingRuleId":"BlockBadBots","action":"BLOCK"}"#;
        assert_eq!(run(Body::Text(no_request)).unwrap().len(), 1);
    }

    #[test]
    fn bad_logs_are_errors_naming_the_field() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"timestamp":"1795335330123","action":"BLOCK"}"#,
                "timestamp: expected epoch milliseconds, got a string",
            ),
            (
                r#"{"timestamp":1795335330.5,"action":"BLOCK"}"#,
                "timestamp: expected whole epoch milliseconds, got 1795335330.5",
            ),
            (
                r#"{"timestamp":9223372036854775807,"action":"BLOCK"}"#,
                "timestamp: 9223372036854775807 ms is not a valid epoch time",
            ),
            (
                r#"{"httpRequest":{"headers":{"Host":"example.com"}}}"#,
                "httpRequest.headers: expected a list of {name, value}, got an object",
            ),
            (
                r#"{"httpRequest":{"headers":[{"name":"Host","value":"a"},"Accept: */*"]}}"#,
                "httpRequest.headers[1]: expected {name, value}, got a string",
            ),
            (
                r#"{"httpRequest":{"headers":[{"value":"a"}]}}"#,
                "httpRequest.headers[0]: no `name`",
            ),
            (
                r#"{"httpRequest":{"headers":[{"name":null,"value":"a"}]}}"#,
                "httpRequest.headers[0]: name: expected a string, got null",
            ),
            (
                r#"{"httpRequest":{"headers":[{"name":"Host"}]}}"#,
                "httpRequest.headers[0]: no `value` for header Host",
            ),
            (r#"{"terminatingRuleId":"Default_Action""#, "JSON: EOF"),
            (
                r#"{"terminatingRuleId":"Default_Action"} {}"#,
                "JSON: trailing characters",
            ),
            (r#""Default_Action""#, "JSON: invalid type: string"),
        ];
        for (line, expected) in cases {
            let err = run(Body::Text(line.as_bytes())).unwrap_err();
            assert!(err.to_string().starts_with(expected), "{line}: {err}");
        }
    }
}
