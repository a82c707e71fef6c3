//! `csv` and `tsv`: delimited rows whose first row (per object) is a header
//! naming the fields. From the object
//! ```text
//! user,action,source_ip
//! ann@example.com,"login, then logout",203.0.113.9
//! ```
//! the header is kept and the row becomes `{"user": "ann@example.com",
//! "action": "login, then logout", "source_ip": "203.0.113.9"}`: every value
//! a string. Tag and timestamp pass on unchanged.
//!
//! CSV fields may be quoted (`"a, b"`, `"say ""hi"""`); TSV has no quoting.
//! A quoted field containing a newline cannot be read with the `s3-lines`
//! reader, which cuts the row in two at that newline: use `s3-text`, whose
//! single record per object is read here row by row.

use csv::{ReaderBuilder, StringRecord};
use serde_json::{Map, Value};

use super::ObjectState;
use super::item::{Body, Item, Out, ParseError};

pub(super) fn parse<'a>(
    delimiter: u8,
    item: Item<'a>,
    state: &mut ObjectState,
    out: &mut Out<'a>,
) -> Result<(), ParseError> {
    let text = item.body.as_str()?;
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .quoting(delimiter != b'\t')
        // Rows may be shorter than the header; checked below.
        .flexible(true)
        // A line is short: spare the default 8 KiB buffer per record.
        .buffer_capacity((text.len() + 1).min(8 * 1024))
        .from_reader(text.as_bytes());
    // On an error, drop the rows of this record already emitted.
    let emitted = out.len();
    let mut row = StringRecord::new();
    loop {
        match reader.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => {
                out.truncate(emitted);
                return Err(ParseError::new(format!("row: {e}")));
            }
        }
        let Some(header) = &state.header else {
            state.header = Some(header_names(&row));
            continue;
        };
        // Fewer fields than the header: the missing ones are absent, not
        // null or empty, so a short row is told from one with empty fields.
        if row.len() > header.len() {
            out.truncate(emitted);
            return Err(ParseError::new(format!(
                "the row has {} fields but the header names {}",
                row.len(),
                header.len()
            )));
        }
        let object: Map<String, Value> = header
            .iter()
            .zip(row.iter())
            .map(|(name, value)| (name.clone(), Value::String(value.to_owned())))
            .collect();
        out.push(item.with_body(Body::Value(Value::Object(object))));
    }
}

/// The header's field names; a UTF-8 byte order mark (spreadsheets write
/// one) is not part of the first name.
fn header_names(row: &StringRecord) -> Vec<String> {
    row.iter()
        .enumerate()
        .map(|(i, name)| match i {
            0 => name.trim_start_matches('\u{feff}').to_owned(),
            _ => name.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    /// Runs one object's records (lines, or a whole text) through the parser.
    fn object(
        delimiter: u8,
        records: &[&'static str],
    ) -> Result<(Vec<Value>, ObjectState), ParseError> {
        let mut state = ObjectState::default();
        let mut out = Vec::new();
        for record in records {
            parse(
                delimiter,
                Item::text(record.as_bytes()),
                &mut state,
                &mut out,
            )?;
        }
        let values = out
            .into_iter()
            .map(|item| match item.body {
                Body::Value(value) => value,
                other => panic!("not a value: {other:?}"),
            })
            .collect();
        Ok((values, state))
    }

    #[test]
    fn reads_csv_lines_with_quoted_fields() {
        let (rows, state) = object(
            b',',
            &[
                "timestamp,user,action,source_ip,detail",
                r#"2026-11-22T08:15:30Z,ann@example.com,"login, then logout",203.0.113.9,"said ""hi"""#,
                "2026-11-22T08:16:00Z,bob@example.com,download,198.51.100.4,",
            ],
        )
        .unwrap();
        assert_eq!(
            state.header.unwrap(),
            ["timestamp", "user", "action", "source_ip", "detail"]
        );
        assert_eq!(
            rows,
            [
                json!({"timestamp": "2026-11-22T08:15:30Z", "user": "ann@example.com", "action": "login, then logout", "source_ip": "203.0.113.9", "detail": "said \"hi\""}),
                json!({"timestamp": "2026-11-22T08:16:00Z", "user": "bob@example.com", "action": "download", "source_ip": "198.51.100.4", "detail": ""}),
            ]
        );
    }

    #[test]
    fn reads_tsv_without_quoting() {
        let (rows, _) = object(
            b'\t',
            &[
                "date\ttime\tx-edge-location\tcs-uri-stem\tcs(User-Agent)",
                "2026-11-22\t08:15:30\tIAD89-C1\t/index.html\t\"curl/8.5.0\"",
                "2026-11-22\t08:15:31\tIAD89-C1\t/a,b.css\tMozilla/5.0 (X11, Linux)",
            ],
        )
        .unwrap();
        assert_eq!(rows[0]["cs(User-Agent)"], json!("\"curl/8.5.0\""));
        assert_eq!(rows[1]["cs-uri-stem"], json!("/a,b.css"));
        assert_eq!(rows[1]["cs(User-Agent)"], json!("Mozilla/5.0 (X11, Linux)"));
    }

    #[test]
    fn keeps_tag_and_timestamp() {
        let mut state = ObjectState {
            header: Some(vec!["a".into(), "b".into()]),
        };
        let mut item = Item::text(b"1,2");
        item.tag = Some("app.audit".into());
        item.timestamp = Some(Utc.timestamp_opt(1_763_799_330, 0).unwrap());
        let mut out = Vec::new();
        parse(b',', item.clone(), &mut state, &mut out).unwrap();
        assert_eq!(out[0].tag, item.tag);
        assert_eq!(out[0].timestamp, item.timestamp);
        assert_eq!(out[0].body, Body::Value(json!({"a": "1", "b": "2"})));
    }

    #[test]
    fn short_rows_lack_keys_and_long_rows_are_errors() {
        let (rows, _) = object(b',', &["a,b,c", "1,2", "1,,"]).unwrap();
        assert_eq!(
            rows,
            [
                json!({"a": "1", "b": "2"}),
                json!({"a": "1", "b": "", "c": ""})
            ]
        );
        let err = object(b',', &["a,b", "1,2,3"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the row has 3 fields but the header names 2"
        );
        let err = object(b'\t', &["a\tb", "1\t2\t"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the row has 3 fields but the header names 2"
        );
    }

    #[test]
    fn reads_a_whole_object_as_one_record() {
        // With `s3-text`, a quoted field may hold a newline.
        let text = "id,comment\r\n1,\"first line\nsecond line\"\r\n2,plain\r\n";
        let (rows, _) = object(b',', &[text]).unwrap();
        assert_eq!(
            rows,
            [
                json!({"id": "1", "comment": "first line\nsecond line"}),
                json!({"id": "2", "comment": "plain"}),
            ]
        );
    }

    #[test]
    fn a_bad_row_in_a_whole_object_emits_none_of_it() {
        let mut state = ObjectState::default();
        let mut out = vec![Item::text(b"earlier record")];
        let err = parse(b',', Item::text(b"a,b\n1,2\n1,2,3\n"), &mut state, &mut out).unwrap_err();
        assert!(err.to_string().contains("3 fields"), "{err}");
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn blank_lines_bom_and_crlf() {
        let (rows, state) =
            object(b',', &["", "\u{feff}name,size\r", "", "report.pdf,1024\r"]).unwrap();
        assert_eq!(state.header.unwrap(), ["name", "size"]);
        assert_eq!(rows, [json!({"name": "report.pdf", "size": "1024"})]);
    }

    #[test]
    fn invalid_text_is_an_error() {
        let mut state = ObjectState::default();
        let err = parse(b',', Item::text(b"a,\xff"), &mut state, &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }
}
