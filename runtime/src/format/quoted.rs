//! Space-separated access log lines (ALB, S3 server access) whose fields may
//! be "double quoted" (with `\"` escapes) or [bracketed]: splitting them, and
//! turning the fields into a JSON object by position. Example:
//! `owner bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57 REST.GET.OBJECT a.txt "GET /a.txt HTTP/1.1" 200 - 12 12 7 6 "-" "curl/8.5.0"`

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde_json::{Map, Number, Value};

use super::item::{Body, Item, Out, ParseError, excerpt};

/// Splits a line into its fields, without their quotes or brackets. Runs of
/// spaces separate fields; a trailing `\r` (CRLF files) is dropped.
///
/// A closing quote is a quote followed by a space or the end of the line: a
/// bare quote elsewhere is kept as text, so a writer that did not escape a
/// quote in a user agent does not shift every later field.
pub(super) fn split(line: &str) -> Result<Vec<Cow<'_, str>>, ParseError> {
    let mut rest = line.trim_end_matches(['\r', '\n']);
    let mut fields = Vec::new();
    loop {
        rest = rest.trim_start_matches(' ');
        let (field, after) = if rest.is_empty() {
            break;
        } else if let Some(inner) = rest.strip_prefix('"') {
            quoted(inner).ok_or_else(|| unterminated(fields.len(), "no closing quote"))?
        } else if let Some(inner) = rest.strip_prefix('[') {
            let close = inner
                .find(']')
                .ok_or_else(|| unterminated(fields.len(), "no closing `]`"))?;
            if matches!(inner.as_bytes().get(close + 1), None | Some(b' ')) {
                (Cow::Borrowed(&inner[..close]), &inner[close + 1..])
            } else {
                // `[2001:db8::1]:443`: brackets inside a plain field.
                plain(rest)
            }
        } else {
            plain(rest)
        };
        fields.push(field);
        rest = after;
    }
    Ok(fields)
}

/// A field up to the next space, and the text from that space on.
fn plain(text: &str) -> (Cow<'_, str>, &str) {
    let end = text.find(' ').unwrap_or(text.len());
    (Cow::Borrowed(&text[..end]), &text[end..])
}

fn unterminated(index: usize, why: &str) -> ParseError {
    ParseError::new(format!("field {}: {why}", index + 1))
}

/// The field after an opening quote, unescaped, and the text after the closing
/// quote; `None` without a closing quote. Only `\"` and `\\` are escapes.
fn quoted(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let bytes = text.as_bytes();
    // Built only when the field has escapes; most have none.
    let mut unescaped: Option<String> = None;
    // Start of the run of text not yet copied into `unescaped`.
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if matches!(bytes.get(i + 1), Some(b'"' | b'\\')) => {
                unescaped
                    .get_or_insert_with(String::new)
                    .push_str(&text[run..i]);
                // The escaped character starts the next run.
                run = i + 1;
                i += 2;
            }
            b'"' if matches!(bytes.get(i + 1), None | Some(b' ')) => {
                let field = match unescaped {
                    Some(mut owned) => {
                        owned.push_str(&text[run..i]);
                        Cow::Owned(owned)
                    }
                    None => Cow::Borrowed(&text[..i]),
                };
                return Some((field, &text[i + 1..]));
            }
            _ => i += 1,
        }
    }
    None
}

/// How a field's text becomes JSON. `-` (AWS's "no value") is null for every kind.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    Text,
    Integer,
    Decimal,
    /// A list written as text, split on this character (ALB's
    /// `actions_executed` on `,`, `target:port_list` on spaces): an array of
    /// strings, as Elastic, Panther and Vector give it.
    List(char),
    /// A field that becomes several keys (e.g. `client:port`): the function
    /// inserts them into the object itself.
    Split(fn(&str, &mut Map<String, Value>) -> Result<(), ParseError>),
}

/// Inserts the field `name` with text `text` into `object`.
pub(super) fn insert(
    object: &mut Map<String, Value>,
    name: &str,
    text: &str,
    kind: Kind,
) -> Result<(), ParseError> {
    let value = match kind {
        Kind::Split(split) => return split(text, object),
        _ if text == "-" => Value::Null,
        Kind::Text => Value::String(text.to_owned()),
        Kind::List(separator) => Value::Array(
            text.split(separator)
                .filter(|part| !part.is_empty())
                .map(|part| Value::String(part.to_owned()))
                .collect(),
        ),
        Kind::Integer => integer(name, text)?,
        Kind::Decimal => {
            let number = text.parse::<f64>().ok().and_then(Number::from_f64);
            Value::Number(number.ok_or_else(|| not_a(name, text, "a number"))?)
        }
    };
    object.insert(name.to_owned(), value);
    Ok(())
}

/// An integer field (e.g. a port); `-` is null.
pub(super) fn integer(name: &str, text: &str) -> Result<Value, ParseError> {
    if text == "-" {
        return Ok(Value::Null);
    }
    if let Ok(number) = text.parse::<i64>() {
        return Ok(number.into());
    }
    match text.parse::<u64>() {
        Ok(number) => Ok(number.into()),
        Err(_) => Err(not_a(name, text, "an integer")),
    }
}

fn not_a(name: &str, text: &str, what: &str) -> ParseError {
    ParseError::new(format!("{name}: {} is not {what}", excerpt(text)))
}

/// A line format: fields named by position, a tag, and where the time is.
pub(super) struct Format {
    pub(super) tag: &'static str,
    /// Names and kinds of the fields, in the order AWS writes them.
    pub(super) columns: &'static [(&'static str, Kind)],
    /// Fields a line needs at the least: the oldest format AWS wrote.
    pub(super) required: usize,
    /// Position of the time field among `columns`.
    pub(super) time_field: usize,
    /// How to read the time field.
    pub(super) read_time: fn(&str) -> Result<DateTime<Utc>, ParseError>,
}

impl Format {
    /// Parses one line; a blank line yields nothing.
    ///
    /// Older lines may stop early: their missing keys are absent rather than
    /// null, which tells "not logged yet" from "logged as `-`". Newer lines
    /// may have fields added at the end: they are kept, unnamed, in
    /// `extra_fields`.
    pub(super) fn parse<'a>(&self, item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
        let fields = split(item.body.as_str()?)?;
        if fields.is_empty() {
            return Ok(());
        }
        if fields.len() < self.required {
            return Err(ParseError::new(format!(
                "expected at least {} fields, found {}",
                self.required,
                fields.len()
            )));
        }
        let timestamp = match (
            fields.get(self.time_field),
            self.columns.get(self.time_field),
        ) {
            (Some(text), Some((name, _))) => {
                Some((self.read_time)(text).map_err(|e| ParseError::new(format!("{name}: {e}")))?)
            }
            _ => item.timestamp,
        };
        let mut object = Map::new();
        for (text, (name, kind)) in fields.iter().zip(self.columns) {
            insert(&mut object, name, text, *kind)?;
        }
        if let Some(extra) = fields.get(self.columns.len()..).filter(|e| !e.is_empty()) {
            let extra = extra
                .iter()
                .map(|text| match text.as_ref() {
                    "-" => Value::Null,
                    text => Value::String(text.to_owned()),
                })
                .collect();
            object.insert("extra_fields".to_owned(), Value::Array(extra));
        }
        out.push(Item {
            tag: Some(self.tag.to_owned()),
            timestamp,
            body: Body::Value(Value::Object(object)),
        });
        Ok(())
    }
}

#[cfg(test)]
impl Format {
    /// The one record [`Format::parse`] makes of `line`, and its object.
    pub(super) fn one<'a>(
        &self,
        line: &'a str,
    ) -> Result<(Item<'a>, Map<String, Value>), ParseError> {
        let parse = |item, out: &mut Out<'a>| self.parse(item, out);
        let item = super::testing::one(parse, Item::text(line.as_bytes()))?;
        let object = super::testing::object(&item).clone();
        Ok((item, object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(line: &str) -> Vec<String> {
        split(line)
            .unwrap()
            .into_iter()
            .map(Cow::into_owned)
            .collect()
    }

    #[test]
    fn splits_plain_quoted_and_bracketed_fields() {
        let line = r#"owner bucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 "GET /a.txt HTTP/1.1" 200 "-" "S3Console/0.4""#;
        assert_eq!(
            texts(line),
            [
                "owner",
                "bucket",
                "06/Feb/2019:00:00:38 +0000",
                "192.0.2.3",
                "GET /a.txt HTTP/1.1",
                "200",
                "-",
                "S3Console/0.4"
            ]
        );
    }

    #[test]
    fn borrows_unless_unescaping() {
        let fields = split(r#"a "b c" [d]"#).unwrap();
        assert!(fields.iter().all(|f| matches!(f, Cow::Borrowed(_))));
        let fields = split(r#""say \"hi\" \\o/" x"#).unwrap();
        assert_eq!(fields[0], r#"say "hi" \o/"#);
        assert!(matches!(fields[0], Cow::Owned(_)));
        assert_eq!(fields[1], "x");
    }

    #[test]
    fn keeps_other_backslashes_and_unicode() {
        assert_eq!(texts(r#""C:\temp\x22 é" ü"#), [r#"C:\temp\x22 é"#, "ü"]);
    }

    #[test]
    fn empty_and_odd_spacing() {
        assert!(split("").unwrap().is_empty());
        assert!(split("   \r\n").unwrap().is_empty());
        assert_eq!(
            texts(r#"a  "" [] "- - - "   b"#),
            ["a", "", "", "- - - ", "b"]
        );
        assert_eq!(texts("a b\r"), ["a", "b"]);
    }

    #[test]
    fn a_bare_quote_inside_a_quoted_field_is_text() {
        // A scanner's user agent, written without escaping.
        let line = r#""sqlmap/1.8 ("probe";x) (https://sqlmap.org)" next"#;
        assert_eq!(
            texts(line),
            [r#"sqlmap/1.8 ("probe";x) (https://sqlmap.org)"#, "next"]
        );
        // So is a quote inside a plain field.
        assert_eq!(texts(r#"a"b c"#), [r#"a"b"#, "c"]);
    }

    #[test]
    fn unterminated_fields_are_errors() {
        let err = split(r#"a "GET / HTTP/1.1"#).unwrap_err();
        assert_eq!(err.to_string(), "field 2: no closing quote");
        let err = split(r#"a b [06/Feb/2019:00:00:38 +0000"#).unwrap_err();
        assert_eq!(err.to_string(), "field 3: no closing `]`");
        // Brackets that do not end the field are part of a plain field.
        assert_eq!(
            texts("[2001:db8::1]:443 [x]y z"),
            ["[2001:db8::1]:443", "[x]y", "z"]
        );
        // An escaped quote does not close the field.
        assert!(split(r#""abc\""#).is_err());
    }

    #[test]
    fn types_fields() {
        let mut object = Map::new();
        insert(&mut object, "a", "12", Kind::Integer).unwrap();
        insert(&mut object, "b", "-1", Kind::Decimal).unwrap();
        insert(&mut object, "c", "0.004", Kind::Decimal).unwrap();
        insert(&mut object, "d", "-", Kind::Integer).unwrap();
        insert(&mut object, "e", "-", Kind::Text).unwrap();
        insert(&mut object, "f", "18446744073709551615", Kind::Integer).unwrap();
        insert(&mut object, "g", "x", Kind::Text).unwrap();
        assert_eq!(
            Value::Object(object),
            json!({"a": 12, "b": -1.0, "c": 0.004, "d": null, "e": null, "f": 18446744073709551615_u64, "g": "x"})
        );
        let mut object = Map::new();
        let err = insert(&mut object, "bytes", "12k", Kind::Integer).unwrap_err();
        assert_eq!(err.to_string(), "bytes: `12k` is not an integer");
        let err = insert(&mut object, "time", "NaN", Kind::Decimal).unwrap_err();
        assert_eq!(err.to_string(), "time: `NaN` is not a number");
    }
}
