//! `fluentd-json`: a line as fluentd's `out_file` writes it, `TIME<TAB>TAG<TAB>JSON`,
//! e.g. `2026-11-22T08:15:30+09:00\tnginx.access\t{"host":"203.0.113.9","code":200}`.
//! The tag and time come from the first two columns; the record is the JSON
//! column, checked but not built, and borrowed from the line.

use chrono::{DateTime, TimeZone, Utc};
use serde::de::IgnoredAny;

use super::item::{Body, Item, Out, ParseError, excerpt};
use super::time;

const SHAPE: &str = "expected a fluentd line `TIME<TAB>TAG<TAB>JSON`";

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let (timestamp, tag, body) = match &item.body {
        Body::Text(bytes) | Body::Json(bytes) => {
            let line = std::str::from_utf8(bytes)
                .map_err(|e| ParseError::new(format!("not UTF-8 text: {e}")))?;
            let columns = Columns::split(line)?;
            serde_json::from_str::<IgnoredAny>(columns.json).map_err(|e| invalid(&e))?;
            columns.check_object()?;
            (
                columns.timestamp,
                columns.tag.to_string(),
                Body::Json(columns.json.as_bytes()),
            )
        }
        // A line an earlier parser produced as a string cannot be borrowed
        // for `'a`: build the record instead (JSON text an earlier parser
        // built is a value, not a line, as `as_str` says).
        Body::Value(_) | Body::JsonOwned(_) => {
            let columns = Columns::split(item.body.as_str()?)?;
            let value: serde_json::Value =
                serde_json::from_str(columns.json).map_err(|e| invalid(&e))?;
            columns.check_object()?;
            (
                columns.timestamp,
                columns.tag.to_string(),
                Body::Value(value),
            )
        }
    };
    out.push(Item {
        tag: Some(tag),
        timestamp: Some(timestamp),
        body,
    });
    Ok(())
}

fn invalid(e: &serde_json::Error) -> ParseError {
    ParseError::new(format!(
        "JSON column: invalid JSON: {}",
        super::item::json_error(e)
    ))
}

/// A line cut into its three columns, the time already read.
struct Columns<'s> {
    timestamp: DateTime<Utc>,
    tag: &'s str,
    json: &'s str,
}

impl<'s> Columns<'s> {
    fn split(line: &'s str) -> Result<Self, ParseError> {
        let line = line.trim_end_matches(['\r', '\n']);
        // The JSON may itself hold tabs (as whitespace between tokens): split twice only.
        let mut columns = line.splitn(3, '\t');
        let time_text = columns.next().unwrap_or_default();
        let (Some(tag), Some(json)) = (columns.next(), columns.next()) else {
            let missing = if line.contains('\t') { "JSON" } else { "TAG" };
            return Err(ParseError::new(format!(
                "{SHAPE}; the {missing} column is missing (too few tabs)"
            )));
        };
        if tag.trim().is_empty() {
            return Err(ParseError::new(format!("{SHAPE}; the TAG column is empty")));
        }
        let json = json.trim();
        if json.is_empty() {
            return Err(ParseError::new(format!(
                "{SHAPE}; the JSON column is empty"
            )));
        }
        Ok(Columns {
            timestamp: parse_time(time_text)?,
            tag,
            json,
        })
    }

    /// A fluentd record is always a map; anything else means a wrong format chain.
    fn check_object(&self) -> Result<(), ParseError> {
        if self.json.starts_with('{') {
            Ok(())
        } else {
            Err(ParseError::new(format!(
                "JSON column: expected a JSON object (a fluentd record), got {}",
                excerpt(self.json)
            )))
        }
    }
}

/// ISO 8601 (fluentd's default, `%Y-%m-%dT%H:%M:%S%z`), or epoch seconds
/// (`time_type unixtime` / `float`).
fn parse_time(text: &str) -> Result<DateTime<Utc>, ParseError> {
    let text = text.trim();
    let looks_epoch = text.starts_with(|c: char| c.is_ascii_digit())
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let parsed = if looks_epoch {
        epoch_seconds(text)
    } else {
        time::iso8601(text).ok()
    };
    parsed.ok_or_else(|| {
        ParseError::new(format!(
            "TIME column: {} is neither an ISO 8601 time nor epoch seconds",
            excerpt(text)
        ))
    })
}

/// `1763799330` or `1763799330.250`, read as decimal: through an `f64` the
/// nanoseconds of a current time lose their last digits (`.250` → `.249999`).
fn epoch_seconds(text: &str) -> Option<DateTime<Utc>> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || fraction.contains('.') {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    // Digits past nanoseconds cannot be represented; they are dropped.
    let digits = &fraction[..fraction.len().min(9)];
    let nanos = if digits.is_empty() {
        0
    } else {
        digits.parse::<u32>().ok()? * 10u32.pow(9 - digits.len() as u32)
    };
    Utc.timestamp_opt(seconds, nanos).single()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, item};
    use serde_json::json;

    fn field(item: &Item<'_>, key: &str) -> serde_json::Value {
        item.body.field(&[key]).unwrap().unwrap()
    }

    fn one(line: &[u8]) -> Result<Item<'_>, ParseError> {
        testing::one(parse, Item::text(line))
    }

    #[test]
    fn reads_an_nginx_access_record() {
        let line = b"2026-11-22T08:15:30+09:00\tnginx.access\t{\"host\":\"203.0.113.9\",\"user\":\"-\",\"method\":\"GET\",\"path\":\"/index.html\",\"code\":200,\"size\":612,\"referer\":\"-\",\"agent\":\"curl/8.5.0\"}";
        let item = one(line).unwrap();
        assert_eq!(item.tag.as_deref(), Some("nginx.access"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-21T23:15:30+00:00"
        );
        let Body::Json(json) = item.body.clone() else {
            panic!("expected JSON, got {:?}", item.body);
        };
        assert!(json.starts_with(b"{\"host\"") && json.ends_with(b"\"curl/8.5.0\"}"));
        // Borrowed from the line, not copied.
        let start = line.len() - json.len();
        assert_eq!(json.as_ptr(), line[start..].as_ptr());
        assert_eq!(field(&item, "code"), json!(200));
    }

    #[test]
    fn reads_the_out_file_default_time_and_epoch_seconds() {
        let item = one(b"2026-11-22T08:15:30+0900\tsyslog.auth\t{\"message\":\"ok\"}").unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-21T23:15:30+00:00"
        );

        let item = one(b"2026-11-22T08:15:30Z\tapp.log\t{\"level\":\"info\"}").unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30+00:00"
        );

        let item = one(b"1763799330\tapp.log\t{\"level\":\"info\"}").unwrap();
        assert_eq!(item.timestamp.unwrap().timestamp(), 1_763_799_330);

        let item = one(b"1763799330.250\tapp.log\t{\"level\":\"info\"}").unwrap();
        assert_eq!(
            item.timestamp.unwrap().timestamp_millis(),
            1_763_799_330_250
        );

        let item = one(b"1763799330.123456789123\tapp.log\t{}").unwrap();
        assert_eq!(
            item.timestamp.unwrap().timestamp_nanos_opt(),
            Some(1_763_799_330_123_456_789)
        );
    }

    #[test]
    fn the_json_column_may_hold_tabs_and_the_line_a_carriage_return() {
        let line =
            b"2026-11-22T08:15:30Z\tdocker.web\t{\"log\":\"GET /\\tok\",\t\"stream\":\"stdout\"}\r";
        let item = one(line).unwrap();
        assert_eq!(item.tag.as_deref(), Some("docker.web"));
        assert_eq!(
            item.body,
            Body::Json(b"{\"log\":\"GET /\\tok\",\t\"stream\":\"stdout\"}")
        );
        assert_eq!(field(&item, "log"), json!("GET /\tok"));
    }

    #[test]
    fn replaces_an_earlier_tag_and_timestamp() {
        let mut out = Vec::new();
        let item = Item {
            tag: Some("s3.bucket".into()),
            timestamp: Some(Utc::now()),
            body: Body::Text(
                b"2026-11-22T08:15:30Z\tnginx.error\t{\"message\":\"upstream timed out\"}",
            ),
        };
        parse(item, &mut out).unwrap();
        assert_eq!(out[0].tag.as_deref(), Some("nginx.error"));
        assert_eq!(
            out[0].timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30+00:00"
        );
    }

    #[test]
    fn a_line_built_as_a_string_becomes_a_value() {
        let mut out = Vec::new();
        let line = "2026-11-22T08:15:30Z\tnginx.access\t{\"code\":404}";
        parse(item(Body::Value(json!(line))), &mut out).unwrap();
        assert_eq!(out[0].body, Body::Value(json!({"code": 404})));
        assert_eq!(out[0].tag.as_deref(), Some("nginx.access"));

        assert!(
            parse(item(Body::Value(json!({"code": 404}))), &mut out)
                .unwrap_err()
                .to_string()
                .contains("expected a line of text")
        );
    }

    #[test]
    fn errors_name_the_column() {
        for (line, expected) in [
            (&b""[..], "the TAG column is missing"),
            (b"2026-11-22T08:15:30Z", "the TAG column is missing"),
            (
                b"2026-11-22T08:15:30Z nginx.access {\"code\":200}",
                "the TAG column is missing",
            ),
            (
                b"2026-11-22T08:15:30Z\tnginx.access",
                "the JSON column is missing",
            ),
            (
                b"2026-11-22T08:15:30Z\t\t{\"code\":200}",
                "the TAG column is empty",
            ),
            (
                b"2026-11-22T08:15:30Z\tnginx.access\t ",
                "the JSON column is empty",
            ),
            (
                b"2026-11-22T08:15:30Z\tnginx.access\t{\"code\":",
                "JSON column: invalid JSON: EOF",
            ),
            (
                b"2026-11-22T08:15:30Z\tnginx.access\t{\"code\":200} x",
                "JSON column: invalid JSON",
            ),
            (
                b"2026-11-22T08:15:30Z\tnginx.access\tGET /index.html",
                "JSON column: invalid JSON",
            ),
            (
                b"2026-11-22T08:15:30Z\tnginx.access\t[1,2]",
                "JSON column: expected a JSON object",
            ),
            (
                b"yesterday\tnginx.access\t{\"code\":200}",
                "TIME column: `yesterday`",
            ),
            (
                b"1.2.3\tnginx.access\t{\"code\":200}",
                "TIME column: `1.2.3`",
            ),
            (b"\tnginx.access\t{\"code\":200}", "TIME column: ``"),
            (
                b"99999999999999999999\tnginx.access\t{}",
                "TIME column: `9999",
            ),
            (
                b"2026-11-22T08:15:30Z\tnginx.access\t{\"msg\":\"\xff\"}",
                "not UTF-8",
            ),
        ] {
            let err = one(line).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{}: {err}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
