//! A record on its way through a format chain, and what parsers share:
//! reading fields from JSON without building a DOM, their error type, and
//! small helpers for the messages they write.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::json_text;

/// One record as a parser receives and emits it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<'a> {
    /// The record's tag (e.g. `aws.cloudtrail.AwsApiCall`), set by parsers.
    pub tag: Option<String>,
    /// When the logged event happened (UTC), set by parsers.
    pub timestamp: Option<DateTime<Utc>>,
    pub body: Body<'a>,
}

/// A record's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Body<'a> {
    /// Bytes as the reader cut them, not known to be JSON.
    Text(&'a [u8]),
    /// Bytes known to hold exactly one JSON value (checked, not parsed into a DOM).
    Json(&'a [u8]),
    /// A value a parser built (e.g. the fields of a syslog line).
    Value(Value),
    /// A value a parser built as JSON text (valid, one value), e.g. an event
    /// split out of a CloudTrail log file: cheaper to build than a [`Value`]
    /// and handed to handlers as is. Treated as a built value by parsers of
    /// text lines.
    JsonOwned(Vec<u8>),
}

impl<'a> Item<'a> {
    /// A record fresh from the reader: no tag, no timestamp.
    pub fn text(bytes: &'a [u8]) -> Self {
        Item {
            tag: None,
            timestamp: None,
            body: Body::Text(bytes),
        }
    }

    /// The same record with a new body, keeping tag and timestamp.
    pub fn with_body(&self, body: Body<'a>) -> Self {
        Item {
            tag: self.tag.clone(),
            timestamp: self.timestamp,
            body,
        }
    }
}

impl<'a> Body<'a> {
    /// Deserializes the fields a parser needs, from JSON text or a built value.
    /// Borrowing field types (`&str`) work on JSON text without escapes.
    pub fn fields<'b, T: Deserialize<'b>>(&'b self) -> Result<T, ParseError> {
        let bytes: &[u8] = match self {
            Body::Text(bytes) | Body::Json(bytes) => bytes,
            Body::JsonOwned(bytes) => bytes,
            Body::Value(value) => {
                return T::deserialize(value)
                    .map_err(|e| ParseError::new(format!("JSON: {}", json_error(&e))));
            }
        };
        serde_json::from_slice(bytes)
            .map_err(|e| ParseError::new(format!("JSON: {}", json_error(&e))))
    }

    /// This body as checked JSON: text is validated (not built) and becomes
    /// [`Body::Json`]; JSON (borrowed or owned) and values pass as they are.
    pub fn into_json(self) -> Result<Self, ParseError> {
        match self {
            Body::Text(bytes) if json_text::is_json(bytes) => Ok(Body::Json(bytes)),
            Body::Text(bytes) => {
                // Not JSON: serde_json says why (and has the last word).
                // JSON is UTF-8 (RFC 8259, section 8.1); skipping a string
                // does not check it, so the whole text is checked first.
                let text = simdutf8::compat::from_utf8(bytes).map_err(|e| {
                    ParseError::new(format!(
                        "invalid JSON: not UTF-8 at byte {} (JSON text is UTF-8, RFC 8259)",
                        e.valid_up_to()
                    ))
                })?;
                serde_json::from_str::<IgnoredAny>(text)
                    .map_err(|e| ParseError::new(format!("invalid JSON: {}", json_error(&e))))?;
                Ok(Body::Json(bytes))
            }
            body => Ok(body),
        }
    }

    /// The value at `path` (keys of nested objects), if present. On JSON text
    /// it skips everything else without building it.
    ///
    /// ```
    /// use slips::format::Body;
    /// let body = Body::Json(br#"{"id": {"time": "t", "x": [1]}, "y": 2}"#);
    /// assert_eq!(body.field(&["id", "time"]).unwrap(), Some("t".into()));
    /// assert_eq!(body.field(&["id", "nope"]).unwrap(), None);
    /// ```
    pub fn field(&self, path: &[&str]) -> Result<Option<Value>, ParseError> {
        let invalid =
            |e: serde_json::Error| ParseError::new(format!("invalid JSON: {}", json_error(&e)));
        let mut raw: &[u8] = match self {
            Body::Text(bytes) | Body::Json(bytes) => bytes,
            Body::JsonOwned(bytes) => bytes,
            Body::Value(value) => {
                return Ok(path
                    .iter()
                    .try_fold(value, |value, key| value.get(key))
                    .cloned());
            }
        };
        for key in path {
            let mut de = serde_json::Deserializer::from_slice(raw);
            let found = FieldSeed(key).deserialize(&mut de).map_err(invalid)?;
            match found {
                Some(inner) => raw = inner.get().as_bytes(),
                None => return Ok(None),
            }
        }
        serde_json::from_slice(raw).map(Some).map_err(invalid)
    }

    /// The body as text (for parsers of text lines).
    pub fn as_str(&self) -> Result<&str, ParseError> {
        match self {
            Body::Text(bytes) | Body::Json(bytes) => std::str::from_utf8(bytes)
                .map_err(|e| ParseError::new(format!("not UTF-8 text: {e}"))),
            Body::Value(Value::String(text)) => Ok(text),
            Body::Value(_) | Body::JsonOwned(_) => Err(ParseError::new(
                "expected a line of text, got a JSON value built by an earlier parser",
            )),
        }
    }

    /// The body as a JSON value (parsing text if needed).
    pub fn to_value(&self) -> Result<Value, ParseError> {
        match self {
            Body::Value(value) => Ok(value.clone()),
            _ => self.fields(),
        }
    }

    /// The body as a JSON object, parsed only if no earlier parser built it.
    /// `what` names the record expected, for the error when it is not an
    /// object: `expected <what> (a JSON object), got a list`.
    pub fn into_object(self, what: &str) -> Result<Map<String, Value>, ParseError> {
        let value = match self {
            Body::Value(value) => value,
            body => body.to_value()?,
        };
        match value {
            Value::Object(object) => Ok(object),
            other => Err(ParseError::new(format!(
                "expected {what} (a JSON object), got {}",
                describe(&other)
            ))),
        }
    }
}

/// What a JSON value is, for error messages (the value may be large).
pub fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(text) if text.is_empty() => "an empty string",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A non-empty string as is, a number as JSON writes it (ids); else nothing.
/// For the parts of a one-line summary of a record.
pub fn as_text(value: Option<&Value>) -> Option<Cow<'_, str>> {
    match value? {
        Value::String(text) if !text.is_empty() => Some(Cow::Borrowed(text)),
        value @ Value::Number(_) => Some(Cow::Owned(value.to_string())),
        _ => None,
    }
}

/// At most `chars` characters of `text`, to quote it in an error.
/// How many characters of a record an error may quote (the config's
/// `errors.excerpt_chars`): errors travel to logs, dead letters and the
/// error table, so they carry at most a short excerpt, or none.
static EXCERPT_CHARS: AtomicUsize = AtomicUsize::new(super::DEFAULT_EXCERPT_CHARS);

/// Sets how many characters of record content errors quote (0: none).
pub fn set_excerpt_chars(chars: usize) {
    EXCERPT_CHARS.store(chars, Ordering::Relaxed);
}

/// Record content as an error quotes it: in backticks, cut at the limit
/// (with `…`), or `(content not shown)` when the limit is 0.
pub fn excerpt(text: &str) -> String {
    excerpt_of(text, EXCERPT_CHARS.load(Ordering::Relaxed))
}

fn excerpt_of(text: &str, limit: usize) -> String {
    match limit {
        0 => "(content not shown)".into(),
        limit => {
            let cut = prefix(text, limit);
            let more = if cut.len() < text.len() { "…" } else { "" };
            format!("`{cut}{more}`")
        }
    }
}

/// A serde_json error as an error may say it: the string value a type
/// error quotes (`invalid type: string "…", expected …`) is cut to an
/// [`excerpt`], like every other piece of a record.
pub fn json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let Some(start) = text.find("string \"").map(|i| i + "string \"".len()) else {
        return text;
    };
    let end = ["\", expected", "\" at line"]
        .iter()
        .filter_map(|tail| text[start..].rfind(tail).map(|i| start + i))
        .max();
    match end {
        Some(end) => format!(
            "{}{}{}",
            &text[..start - 1],
            excerpt(&text[start..end]),
            &text[end + 1..]
        ),
        None => text,
    }
}

pub fn prefix(text: &str, chars: usize) -> &str {
    text.char_indices()
        .nth(chars)
        .map_or(text, |(i, _)| &text[..i])
}

/// Finds one key of a JSON object, skipping the others unbuilt; `None` when
/// the key is absent or the value is not an object.
struct FieldSeed<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Option<&'de RawValue>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if found.is_none() && key == self.0 {
                found = Some(map.next_value::<&'de RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Why a record could not be parsed; the caller adds which object and line.
///
/// A parser that splits a record into parts (CloudTrail's `Records`) can
/// fail only some of them: it emits the others and returns an error that
/// [`ParseError::failed_parts`] counts, so that `on_parse_error: skip` costs
/// the bad parts only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    message: String,
    /// Parts of the record that failed while the others were emitted; 0
    /// when the whole record failed.
    failed_parts: usize,
}

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
            failed_parts: 0,
        }
    }

    /// `failed` parts of the record failed (the first as `message`); the
    /// parser emitted the rest.
    pub fn in_parts(message: impl Into<String>, failed: usize) -> Self {
        ParseError {
            message: message.into(),
            failed_parts: failed.max(1),
        }
    }

    /// How many parts failed while the others were emitted (0: the whole record failed).
    pub fn failed_parts(&self) -> usize {
        self.failed_parts
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// Where parsers put what they produce: each input record becomes zero or more.
pub type Out<'a> = Vec<Item<'a>>;

#[cfg(test)]
mod excerpt_tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded_and_can_be_none() {
        let line = "Nov 22 8:15:30 web-1 login: password=hunter2";
        assert_eq!(excerpt_of(line, 16), "`Nov 22 8:15:30 w…`");
        assert_eq!(excerpt_of("short", 16), "`short`");
        assert_eq!(excerpt_of(line, 0), "(content not shown)");
        assert_eq!(excerpt_of("ééé", 2), "`éé…`");
    }

    #[test]
    fn json_type_errors_quote_an_excerpt_only() {
        #[derive(Debug, serde::Deserialize)]
        struct Number {
            #[allow(dead_code)]
            n: u64,
        }
        let long = format!("{{\"n\": \"password=hunter2 {}\"}}", "x".repeat(100));
        let error = serde_json::from_str::<Number>(&long).unwrap_err();
        let said = json_error(&error);
        assert!(!said.contains(&"x".repeat(40)), "{said}");
        assert!(
            said.starts_with("invalid type: string `password=hunter2"),
            "{said}"
        );
        assert!(said.contains("expected u64 at line 1"), "{said}");
        let syntax = serde_json::from_str::<Number>("{").unwrap_err();
        assert_eq!(json_error(&syntax), syntax.to_string());
    }
}
