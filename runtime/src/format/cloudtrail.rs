//! `cloudtrail`: an AWS CloudTrail log file, `{"Records": [{...}, ...]}`,
//! split into one record per event, tagged `aws.cloudtrail.<eventType>`.
//!
//! CloudTrail is the busiest format, so events are not built into a DOM:
//! the file is cut into the JSON text of each event (checked on the way),
//! the few fields the tag, time and description need are read from that
//! text, and each event goes on as its own text with the `description`
//! spliced in as its last field ([`Body::JsonOwned`]).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::item::{Body, Item, Out, ParseError, describe};
use super::json_text;
use super::time;

/// The tag's last part for an event without `eventType` (the original's).
const NO_EVENT_TYPE: &str = "None";

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let (events, failed) = match &item.body {
        Body::Text(bytes) | Body::Json(bytes) => events(bytes, item.timestamp)?,
        Body::JsonOwned(bytes) => events(bytes, item.timestamp)?,
        // A file an earlier parser built: read as the text it writes to, so
        // that its events come out just as those of the same file as text.
        Body::Value(value) => {
            let text = serde_json::to_vec(value)
                .map_err(|e| ParseError::new(format!("JSON: {}", super::item::json_error(&e))))?;
            events(&text, item.timestamp)?
        }
    };
    out.extend(events);
    failed.map_or(Ok(()), Err)
}

/// The events of the log file `bytes`, each a record of its own, and the
/// error of the events that are not (if any).
fn events<'a>(
    bytes: &[u8],
    earlier: Option<DateTime<Utc>>,
) -> Result<(Vec<Item<'a>>, Option<ParseError>), ParseError> {
    let log = match serde_json::from_slice::<Shape<LogFile<'_>>>(bytes) {
        Ok(Shape::Read(log)) => log,
        Ok(Shape::Not(what)) => {
            return Err(ParseError::new(format!(
                "expected a CloudTrail log file (a JSON object), got {what}"
            )));
        }
        Err(e) => {
            return Err(ParseError::new(format!(
                "JSON: {}",
                super::item::json_error(&e)
            )));
        }
    };
    let records = match log.records {
        Some(Shape::Read(Records(records))) => records,
        Some(Shape::Not(what)) => {
            return Err(ParseError::new(format!(
                "Records: expected a list of events, got {what}"
            )));
        }
        // Digest files (`CloudTrail-Digest/`) are JSON objects too, but hold no events.
        None if log.digest => {
            return Err(ParseError::new(
                "a CloudTrail digest file (hashes of log files for integrity checks, no events): \
                 map the `CloudTrail-Digest/` prefix to the `ignore` format",
            ));
        }
        None => {
            return Err(ParseError::new(
                "no `Records` list: not a CloudTrail log file",
            ));
        }
    };
    // A bad event costs that event only: the others are emitted, and the
    // error names the first bad one and counts them all.
    let mut events = Vec::with_capacity(records.len());
    let (mut first_error, mut failed) = (None, 0);
    for (i, record) in records.iter().enumerate() {
        match event(record.get().as_bytes(), earlier) {
            Ok(event) => events.push(event),
            Err(e) => {
                failed += 1;
                first_error.get_or_insert_with(|| format!("Records[{i}]: {e}"));
            }
        }
    }
    Ok((
        events,
        first_error.map(|e| {
            let more = match failed {
                1 => String::new(),
                n => format!(" (and {} more of {} events)", n - 1, records.len()),
            };
            ParseError::in_parts(format!("{e}{more}"), failed)
        }),
    ))
}

/// One event of a log file streamed entry by entry (its JSON text, checked
/// by the reader) as a record of its own.
/// (The reader checked its UTF-8 too: `object::entries`.)
pub(super) fn streamed_event<'a>(text: &[u8]) -> Result<Item<'a>, ParseError> {
    event(text, None)
}

/// One entry of `Records` (its JSON text, checked UTF-8) as a record of its own.
fn event<'a>(text: &[u8], earlier: Option<DateTime<Utc>>) -> Result<Item<'a>, ParseError> {
    let fields = match fields_of_text(text) {
        Some(fields) => Ok(Shape::Read(fields)),
        // serde_json, where the text is not plain; it checks all again.
        None => simdutf8::basic::from_utf8(text)
            .map_err(|_| ParseError::new("the event is not UTF-8 text"))
            .and_then(|text| {
                serde_json::from_str::<Shape<Fields<'_>>>(text)
                    .map_err(|e| ParseError::new(format!("JSON: {}", super::item::json_error(&e))))
            }),
    };
    let fields = match fields? {
        Shape::Read(fields) => fields,
        Shape::Not(what) => {
            return Err(ParseError::new(format!(
                "expected an event (a JSON object), got {what}"
            )));
        }
    };
    event_of(text, fields, earlier)
}

/// The record of the event `text` whose `fields` were read.
fn event_of<'a>(
    text: &[u8],
    fields: Fields<'_>,
    earlier: Option<DateTime<Utc>>,
) -> Result<Item<'a>, ParseError> {
    let (event_type, timestamp, description) = record_of(&fields, earlier)?;
    Ok(Item {
        tag: Some(tag(event_type)),
        timestamp,
        body: Body::JsonOwned(with_description(text, &fields, description)?),
    })
}

/// `aws.cloudtrail.<eventType>`.
fn tag(event_type: Option<&str>) -> String {
    format!("aws.cloudtrail.{}", event_type.unwrap_or(NO_EVENT_TYPE))
}

/// The type an event is tagged by, its time, and its description's parts.
type RecordOf<'f> = (Option<&'f str>, Option<DateTime<Utc>>, [Cow<'f, str>; 4]);

/// What an event's `fields` make of its record: the type it is tagged by,
/// its time (`earlier` where it has none), and the parts of its
/// description.
fn record_of<'f>(
    fields: &'f Fields<'_>,
    earlier: Option<DateTime<Utc>>,
) -> Result<RecordOf<'f>, ParseError> {
    // Events of older versions (and AWS's documentation examples) have no
    // `eventType`: tagged `aws.cloudtrail.None`, as the original slips did.
    let event_type = match &fields.event_type {
        Some(Part::Text(event_type)) if !event_type.is_empty() => Some(&**event_type),
        None | Some(Part::Other(Value::Null)) => None,
        Some(Part::Text(empty)) if empty.is_empty() => None,
        Some(other) => {
            return Err(ParseError::new(format!(
                "eventType: expected a name such as AwsApiCall, got {}",
                other.describe()
            )));
        }
    };
    let timestamp = match &fields.event_time {
        Some(Part::Text(text)) => Some(time::from_json_str(text)),
        Some(Part::Other(value)) => Some(time::from_json(value)),
        None => None,
    }
    .transpose()
    .map_err(|e| ParseError::new(format!("eventTime: {e}")))?
    .or(earlier);
    // `<eventType> <eventName> by <userIdentity.arn> on <sourceIPAddress>`, `-`
    // for a missing part (service events have no ARN, some no source address).
    let description = [
        Cow::Borrowed(event_type.unwrap_or("-")),
        part(fields.event_name.as_ref()),
        part(fields.arn.as_ref()),
        part(fields.source_ip.as_ref()),
    ];
    Ok((event_type, timestamp, description))
}

/// Where the reader found the fields of an event it cut (ranges of the
/// event's text, start and length): the parser's side reads them there
/// instead of walking the event again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prepared {
    event_type: Option<(u32, u32)>,
    event_time: Option<(u32, u32)>,
    event_name: Option<(u32, u32)>,
    source_ip: Option<(u32, u32)>,
    arn: Option<(u32, u32)>,
    described: bool,
    empty: bool,
}

/// Walks the event that starts at `start` in `text`, where the reader cuts
/// it, noting where its fields are; where the event ends. `None` for what
/// is not a plain event (a key with an escape...) whole in `text`, or is
/// not UTF-8: the reader cuts that one as it always did.
pub(crate) fn prepare_event(text: &[u8], start: usize) -> Option<(usize, Prepared)> {
    let (end, prepared) = locate_fields(text, start)?;
    simdutf8::basic::from_utf8(&text[start..end]).ok()?;
    Some((end, prepared))
}

/// The record of an event the reader cut and `prepared`: as
/// [`streamed_event`] makes it, from the fields where the reader found them.
pub(super) fn prepared_event<'a>(text: &[u8], prepared: Prepared) -> Result<Item<'a>, ParseError> {
    match fields_found(text, prepared) {
        Some(fields) => event_of(text, fields, None),
        None => streamed_event(text),
    }
}

/// The fields of an event read straight off its text: its members are
/// walked once, the values not read are skipped by `json_text`, and plain
/// strings are borrowed. `None` for what is not a plain object of plain
/// keys (no escapes), and for text that is not JSON: serde_json reads
/// those, and says what is wrong. This is the event parse of CloudTrail's
/// hot path; serde_json's answer is the reference (the tests compare).
fn fields_of_text(text: &[u8]) -> Option<Fields<'_>> {
    let start = json_text::skip_whitespace(text, 0);
    let (end, found) = locate_fields(text, start)?;
    if json_text::skip_whitespace(text, end) != text.len() {
        return None;
    }
    fields_found(&text[start..], found)
}

/// Where the fields of the event that starts at `start` in `text` are, and
/// where it ends: one walk of its members, which checks it as JSON.
fn locate_fields(text: &[u8], start: usize) -> Option<(usize, Prepared)> {
    let mut found = Prepared {
        empty: true,
        ..Prepared::default()
    };
    // A value's text, as a range of the event.
    let at = |from: usize, to: usize| Some(((from - start) as u32, (to - from) as u32));
    let end = members(text, start, &mut |key, from| {
        found.empty = false;
        let field = match key {
            b"eventType" => &mut found.event_type,
            b"eventTime" => &mut found.event_time,
            b"eventName" => &mut found.event_name,
            b"sourceIPAddress" => &mut found.source_ip,
            b"userIdentity" => {
                found.arn = None;
                if text.get(from) != Some(&b'{') {
                    return json_text::value_end(text, from);
                }
                // Its own members, walked on the way: only `arn` is read.
                return members(text, from, &mut |key, from| {
                    let to = json_text::value_end(text, from)?;
                    if key == b"arn" {
                        found.arn = at(from, to);
                    }
                    Some(to)
                });
            }
            b"description" => {
                found.described = true;
                return json_text::value_end(text, from);
            }
            _ => return json_text::value_end(text, from),
        };
        let to = json_text::value_end(text, from)?;
        *field = at(from, to);
        Some(to)
    })?;
    Some((end, found))
}

/// The fields `found` in `event` (its text, from its start), read: `None`
/// where one is not plain (serde_json reads the event then).
fn fields_found(event: &[u8], found: Prepared) -> Option<Fields<'_>> {
    let part = |range: Option<(u32, u32)>| match range {
        Some((at, len)) => event
            .get(at as usize..(at + len) as usize)
            .and_then(plain_part)
            .map(Some),
        None => Some(None),
    };
    Some(Fields {
        event_type: part(found.event_type)?,
        event_time: part(found.event_time)?,
        event_name: part(found.event_name)?,
        source_ip: part(found.source_ip)?,
        arn: part(found.arn)?,
        described: found.described,
        empty: found.empty,
    })
}

/// Walks the object that starts at `start` in `t`: `value` is called with
/// each member's key and where its value starts, and says where that ends.
/// Where the object ends; `None` if that is not an object with plain keys
/// (no escapes), or `value` says `None`.
fn members(
    t: &[u8],
    start: usize,
    value: &mut dyn FnMut(&[u8], usize) -> Option<usize>,
) -> Option<usize> {
    let mut i = json_text::skip_whitespace(t, start);
    if t.get(i) != Some(&b'{') {
        return None;
    }
    i = json_text::skip_whitespace(t, i + 1);
    if t.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    loop {
        if t.get(i) != Some(&b'"') {
            return None;
        }
        // A key with an escape is serde_json's to read.
        let key_end = json_text::plain_string_end(t, i + 1)?;
        let key = &t[i + 1..key_end - 1];
        let colon = json_text::skip_whitespace(t, key_end);
        if t.get(colon) != Some(&b':') {
            return None;
        }
        let value_end = value(key, json_text::skip_whitespace(t, colon + 1))?;
        i = json_text::skip_whitespace(t, value_end);
        match t.get(i) {
            Some(b',') => i = json_text::skip_whitespace(t, i + 1),
            Some(b'}') => return Some(i + 1),
            _ => return None,
        }
    }
}

/// A value read: a string without escapes borrowed as it is, anything else
/// (rare for the fields read) by serde_json.
fn plain_part(value: &[u8]) -> Option<Part<'_>> {
    if value.first() == Some(&b'"') && json_text::plain_string_end(value, 1) == Some(value.len()) {
        let inner = &value[1..value.len() - 1];
        Some(Part::Text(Cow::Borrowed(std::str::from_utf8(inner).ok()?)))
    } else {
        serde_json::from_slice(value).ok()
    }
}

/// The event's text with its description (`<eventType> <eventName> by
/// <userIdentity.arn> on <sourceIPAddress>`, of these `parts`) added as its
/// last field.
fn with_description(
    text: &[u8],
    fields: &Fields,
    parts: [Cow<'_, str>; 4],
) -> Result<Vec<u8>, ParseError> {
    let json_failed =
        |e: serde_json::Error| ParseError::new(format!("JSON: {}", super::item::json_error(&e)));
    let [event_type, name, arn, source] = &parts;
    let open = match text.strip_suffix(b"}") {
        Some(open) if !fields.described => open,
        // An event with a `description` of its own has it replaced where it
        // is, as in a built object, rather than written twice.
        _ => {
            let mut event: Map<String, Value> =
                serde_json::from_slice(text).map_err(json_failed)?;
            let description = format!("{event_type} {name} by {arn} on {source}");
            event.insert("description".into(), Value::String(description));
            return serde_json::to_vec(&event).map_err(json_failed);
        }
    };
    let mut json =
        Vec::with_capacity(text.len() + parts.iter().map(|p| p.len()).sum::<usize>() + 40);
    json.extend_from_slice(open);
    if !fields.empty {
        json.push(b',');
    }
    json.extend_from_slice(br#""description":"#);
    // Parts with nothing to escape (the rule: they were plain strings in
    // the event) are written as they are, without a String built first.
    if parts
        .iter()
        .any(|part| json_text::needs_escape(part.as_bytes()))
    {
        let description = format!("{event_type} {name} by {arn} on {source}");
        serde_json::to_writer(&mut json, &description).map_err(json_failed)?;
    } else {
        json.push(b'"');
        for (part, after) in parts.iter().zip([" ", " by ", " on ", "\""]) {
            json.extend_from_slice(part.as_bytes());
            json.extend_from_slice(after.as_bytes());
        }
    }
    json.push(b'}');
    Ok(json)
}

/// A string as is, a number or boolean as JSON writes it, else `-`.
fn part<'p>(value: Option<&'p Part<'_>>) -> Cow<'p, str> {
    match value {
        Some(Part::Text(text)) if !text.is_empty() => Cow::Borrowed(text),
        Some(Part::Other(value @ (Value::Number(_) | Value::Bool(_)))) => {
            Cow::Owned(value.to_string())
        }
        _ => Cow::Borrowed("-"),
    }
}

/// A JSON value whose shape is checked before it is read: `T` reads it when
/// it is what `T` expects, else it is skipped and described for the error.
enum Shape<T> {
    Read(T),
    /// What the value was instead, e.g. `a list`.
    Not(&'static str),
}

/// What a [`Shape`] reads: an object or a list. Each skips what it does not expect.
trait Expected<'de>: Sized {
    fn object<A: MapAccess<'de>>(mut map: A) -> Result<Shape<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Shape::Not("an object"))
    }

    fn list<A: SeqAccess<'de>>(mut seq: A) -> Result<Shape<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Shape::Not("a list"))
    }
}

impl<'de, T: Expected<'de>> Deserialize<'de> for Shape<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor(PhantomData))
    }
}

struct ShapeVisitor<T>(PhantomData<T>);

impl<'de, T: Expected<'de>> Visitor<'de> for ShapeVisitor<T> {
    type Value = Shape<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::object(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::list(seq)
    }
    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Shape::Not(if text.is_empty() {
            "an empty string"
        } else {
            "a string"
        }))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Shape::Not("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Shape::Not("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Shape::Not("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Shape::Not("a number"))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Shape::Not("null"))
    }
}

/// A log file: its `Records` (the last, if written twice, as in a built object).
struct LogFile<'de> {
    records: Option<Shape<Records<'de>>>,
    /// A digest file's mark (`digestStartTime`).
    digest: bool,
}

impl<'de> Expected<'de> for LogFile<'de> {
    fn object<A: MapAccess<'de>>(mut map: A) -> Result<Shape<Self>, A::Error> {
        let (mut records, mut digest) = (None, false);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Records => records = Some(map.next_value()?),
                // Taken raw rather than skipped: that checks its text is UTF-8.
                key => {
                    digest |= matches!(key, Key::DigestStartTime);
                    let _: &RawValue = map.next_value()?;
                }
            }
        }
        Ok(Shape::Read(LogFile { records, digest }))
    }
}

/// The JSON text of each event, checked but not built.
struct Records<'de>(Vec<&'de RawValue>);

impl<'de> Expected<'de> for Records<'de> {
    fn list<A: SeqAccess<'de>>(mut seq: A) -> Result<Shape<Self>, A::Error> {
        let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(record) = seq.next_element()? {
            records.push(record);
        }
        Ok(Shape::Read(Records(records)))
    }
}

/// What an event's record needs from it; the last of a field written twice,
/// as in a built object.
#[derive(Debug, Default, PartialEq)]
struct Fields<'de> {
    event_type: Option<Part<'de>>,
    event_time: Option<Part<'de>>,
    event_name: Option<Part<'de>>,
    source_ip: Option<Part<'de>>,
    /// `userIdentity.arn`.
    arn: Option<Part<'de>>,
    /// Whether the event has a `description` of its own.
    described: bool,
    /// Whether the event has no fields at all.
    empty: bool,
}

impl<'de> Expected<'de> for Fields<'de> {
    fn object<A: MapAccess<'de>>(mut map: A) -> Result<Shape<Self>, A::Error> {
        let mut fields = Fields {
            empty: true,
            ..Fields::default()
        };
        while let Some(key) = map.next_key::<Key>()? {
            fields.empty = false;
            match key {
                Key::EventType => fields.event_type = Some(map.next_value()?),
                Key::EventTime => fields.event_time = Some(map.next_value()?),
                Key::EventName => fields.event_name = Some(map.next_value()?),
                Key::SourceIpAddress => fields.source_ip = Some(map.next_value()?),
                Key::UserIdentity => {
                    fields.arn = match map.next_value()? {
                        Shape::Read(Identity(arn)) => arn,
                        Shape::Not(_) => None,
                    }
                }
                Key::Description => {
                    fields.described = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(Shape::Read(fields))
    }
}

/// `userIdentity`: its `arn`, if any.
struct Identity<'de>(Option<Part<'de>>);

impl<'de> Expected<'de> for Identity<'de> {
    fn object<A: MapAccess<'de>>(mut map: A) -> Result<Shape<Self>, A::Error> {
        let mut arn = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Arn => arn = Some(map.next_value()?),
                _ => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(Shape::Read(Identity(arn)))
    }
}

/// The keys read, matched without copying them.
enum Key {
    Records,
    EventType,
    EventTime,
    EventName,
    SourceIpAddress,
    UserIdentity,
    Arn,
    Description,
    DigestStartTime,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "Records" => Key::Records,
            "eventType" => Key::EventType,
            "digestStartTime" => Key::DigestStartTime,
            "eventTime" => Key::EventTime,
            "eventName" => Key::EventName,
            "sourceIPAddress" => Key::SourceIpAddress,
            "userIdentity" => Key::UserIdentity,
            "arn" => Key::Arn,
            "description" => Key::Description,
            _ => Key::Other,
        })
    }
}

/// A field's value: a string borrowed from the text where it has no escapes,
/// anything else built (rare, and small for the fields read).
#[derive(Debug, PartialEq)]
enum Part<'de> {
    Text(Cow<'de, str>),
    Other(Value),
}

impl Part<'_> {
    fn describe(&self) -> &'static str {
        match self {
            Part::Text(text) if text.is_empty() => "an empty string",
            Part::Text(_) => "a string",
            Part::Other(value) => describe(value),
        }
    }
}

impl<'de> Deserialize<'de> for Part<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PartVisitor)
    }
}

struct PartVisitor;

impl<'de> Visitor<'de> for PartVisitor {
    type Value = Part<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Part::Text(Cow::Borrowed(text)))
    }
    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Part::Text(Cow::Owned(text.to_owned())))
    }
    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(Part::Text(Cow::Owned(text)))
    }
    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Part::Other(Value::Bool(value)))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Part::Other(Value::from(value)))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Part::Other(Value::from(value)))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Part::Other(
            serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number),
        ))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Part::Other(Value::Null))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map)).map(Part::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(Part::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, item};
    use crate::handler::Record;
    use serde_json::json;

    const ASSUME_ROLE: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAJ45Q7YFFAREXAMPLE","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"alice"},"eventTime":"2026-11-22T08:15:30Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1.61 exe/x86_64.ubuntu.22 prompt/off command/sts.assume-role","requestParameters":{"roleArn":"arn:aws:iam::123456789012:role/Admin","roleSessionName":"alice-admin","durationSeconds":3600},"responseElements":{"credentials":{"accessKeyId":"ASIAIOSFODNN7EXAMPLE","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLE","expiration":"Nov 22, 2026, 9:15:30 AM"},"assumedRoleUser":{"assumedRoleId":"AROA3XFRBF535PLBIFPI4:alice-admin","arn":"arn:aws:sts::123456789012:assumed-role/Admin/alice-admin"}},"requestID":"c6104cbe-af31-11e0-8154-cbc7ccf896c7","eventID":"1b2e9f0a-6c4d-4e3b-9a57-0c1d2e3f4a5b","readOnly":true,"resources":[{"accountId":"123456789012","type":"AWS::IAM::Role","ARN":"arn:aws:iam::123456789012:role/Admin"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"sts.amazonaws.com"}}"#;

    const CONSOLE_LOGIN: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDACKCEVSQ6C2EXAMPLE","arn":"arn:aws:iam::123456789012:user/bob","accountId":"123456789012","userName":"bob"},"eventTime":"2026-11-22T08:20:01Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","userAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true","MobileVersion":"No","MFAUsed":"Yes"},"eventID":"3fcfb586-2a4b-4d8e-8c1b-6f7d1e2a3b4c","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}"#;

    const GET_OBJECT: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA3XFRBF535PLBIFPI4:i-0abcd1234ef567890","arn":"arn:aws:sts::123456789012:assumed-role/app-server/i-0abcd1234ef567890","accountId":"123456789012","accessKeyId":"ASIAQWERTY1234EXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA3XFRBF535PLBIFPI4","arn":"arn:aws:iam::123456789012:role/app-server","accountId":"123456789012","userName":"app-server"},"attributes":{"creationDate":"2026-11-22T07:00:00Z","mfaAuthenticated":"false"},"ec2RoleDelivery":"2.0"}},"eventTime":"2026-11-22T08:21:07Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"10.0.12.34","userAgent":"[aws-sdk-java/1.12.600 Linux/5.10.205 OpenJDK_64-Bit_Server_VM/17.0.9+8-LTS java/17.0.9]","requestParameters":{"bucketName":"example-invoices","Host":"example-invoices.s3.eu-west-1.amazonaws.com","key":"2026/11/invoice \"Q4\".pdf"},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"Ke2yTgsSw7ZC5k0ExAmPlE=","bytesTransferredOut":48213},"requestID":"8QZ4F1XAMPLE7B3J","eventID":"a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d","readOnly":true,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::example-invoices/2026/11/invoice \"Q4\".pdf"},{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::example-invoices"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"123456789012","eventCategory":"Data"}"#;

    // Service events have no `userIdentity.arn`; KMS rotations no source address either.
    const ROTATE_KEY: &str = r#"{"eventVersion":"1.08","userIdentity":{"accountId":"123456789012","invokedBy":"kms.amazonaws.com"},"eventTime":"2026-11-22T00:03:44Z","eventSource":"kms.amazonaws.com","eventName":"RotateKey","awsRegion":"us-east-1","requestParameters":null,"responseElements":null,"eventID":"5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f","readOnly":false,"resources":[{"accountId":"123456789012","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}],"eventType":"AwsServiceEvent","managementEvent":true,"recipientAccountId":"123456789012","serviceEventDetails":{"keyId":"1234abcd-12ab-34cd-56ef-1234567890ab"},"eventCategory":"Management"}"#;

    fn log_file() -> String {
        format!(r#"{{"Records":[{ASSUME_ROLE},{CONSOLE_LOGIN},{GET_OBJECT},{ROTATE_KEY}]}}"#)
    }

    fn run(body: Body<'_>) -> Result<Vec<Item<'_>>, ParseError> {
        testing::run(parse, item(body))
    }

    fn field(item: &Item<'_>, key: &str) -> Value {
        item.body.to_value().unwrap()[key].clone()
    }

    #[test]
    fn splits_a_log_file_into_tagged_events() {
        let log = log_file();
        let out = run(Body::Text(log.as_bytes())).unwrap();
        let tags: Vec<_> = out
            .iter()
            .map(|item| item.tag.as_deref().unwrap())
            .collect();
        assert_eq!(
            tags,
            [
                "aws.cloudtrail.AwsApiCall",
                "aws.cloudtrail.AwsConsoleSignIn",
                "aws.cloudtrail.AwsApiCall",
                "aws.cloudtrail.AwsServiceEvent",
            ]
        );
        let times: Vec<_> = out
            .iter()
            .map(|item| item.timestamp.unwrap().to_rfc3339())
            .collect();
        assert_eq!(
            times,
            [
                "2026-11-22T08:15:30+00:00",
                "2026-11-22T08:20:01+00:00",
                "2026-11-22T08:21:07+00:00",
                "2026-11-22T00:03:44+00:00",
            ]
        );
        let descriptions: Vec<_> = out.iter().map(|item| field(item, "description")).collect();
        assert_eq!(
            descriptions,
            [
                "AwsApiCall AssumeRole by arn:aws:iam::123456789012:user/alice on 203.0.113.10",
                "AwsConsoleSignIn ConsoleLogin by arn:aws:iam::123456789012:user/bob on 198.51.100.23",
                "AwsApiCall GetObject by arn:aws:sts::123456789012:assumed-role/app-server/i-0abcd1234ef567890 on 10.0.12.34",
                "AwsServiceEvent RotateKey by - on -",
            ]
        );
    }

    #[test]
    fn each_event_keeps_all_its_fields_plus_the_description() {
        let log = log_file();
        let out = run(Body::Json(log.as_bytes())).unwrap();
        let Value::Object(get_object) = out[2].body.to_value().unwrap() else {
            panic!("not an object: {:?}", out[2].body);
        };
        let mut expected: Map<String, Value> = serde_json::from_str(GET_OBJECT).unwrap();
        assert_eq!(
            expected["requestParameters"]["key"],
            "2026/11/invoice \"Q4\".pdf"
        );
        expected.insert(
            "description".into(),
            json!("AwsApiCall GetObject by arn:aws:sts::123456789012:assumed-role/app-server/i-0abcd1234ef567890 on 10.0.12.34"),
        );
        assert_eq!(get_object, expected);
        // Added last, after the event's own fields.
        assert_eq!(get_object.keys().next_back().unwrap(), "description");
    }

    #[test]
    fn reads_text_json_and_built_values_alike() {
        testing::assert_bodies_alike(parse, &log_file());
    }

    #[test]
    fn one_event_per_line_is_a_log_file_of_one() {
        let line = format!(r#"{{"Records":[{CONSOLE_LOGIN}]}}"#);
        let out = run(Body::Text(line.as_bytes())).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].tag.as_deref(),
            Some("aws.cloudtrail.AwsConsoleSignIn")
        );
        assert_eq!(
            field(&out[0], "responseElements"),
            json!({"ConsoleLogin": "Success"})
        );
    }

    #[test]
    fn an_empty_log_file_emits_nothing() {
        assert!(run(Body::Text(br#"{"Records":[]}"#)).unwrap().is_empty());
        assert!(
            run(Body::Text(b"{\n  \"Records\" : [ ]\n}\n"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_digest_file_is_an_error() {
        let digest = br#"{"awsAccountId":"123456789012","digestStartTime":"2026-11-22T07:00:00Z","digestEndTime":"2026-11-22T08:00:00Z","digestS3Bucket":"example-trail","digestS3Object":"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/22/123456789012_CloudTrail-Digest_us-east-1_main_us-east-1_20261122T080000Z.json.gz","digestPublicKeyFingerprint":"a1b2c3d4e5f60718293a4b5c6d7e8f90","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"2026-11-22T07:59:58Z","oldestEventTime":"2026-11-22T07:00:03Z","previousDigestS3Bucket":"example-trail","previousDigestHashValue":"b1c2d3","previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"c0ffee","logFiles":[]}"#;
        let err = run(Body::Text(digest)).unwrap_err();
        assert!(
            err.to_string().starts_with("a CloudTrail digest file"),
            "{err}"
        );
        assert!(err.to_string().contains("`ignore`"), "{err}");
        let err = run(Body::Text(br#"{"hello":1}"#)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no `Records` list: not a CloudTrail log file"
        );
    }

    #[test]
    fn an_event_without_event_type_is_tagged_none_as_the_original_did() {
        let line = br#"{"Records":[{"eventVersion":"1.02","eventName":"ConsoleLogin","eventTime":"2026-11-22T08:00:00Z","userIdentity":{"arn":"arn:aws:iam::123456789012:user/ann"},"sourceIPAddress":"203.0.113.9"},{"eventType":null,"eventName":"X"}]}"#;
        let out = run(Body::Text(line)).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].tag.as_deref(), Some("aws.cloudtrail.None"));
        assert_eq!(
            field(&out[0], "description"),
            "- ConsoleLogin by arn:aws:iam::123456789012:user/ann on 203.0.113.9"
        );
        assert_eq!(out[1].tag.as_deref(), Some("aws.cloudtrail.None"));
    }

    #[test]
    fn missing_parts_of_the_description_are_dashes() {
        let line = br#"{"Records":[{"eventType":"AwsApiCall","eventTime":"2026-11-22T08:00:00Z","userIdentity":{"type":"Unknown","principalId":""},"sourceIPAddress":""}]}"#;
        let out = run(Body::Text(line)).unwrap();
        assert_eq!(field(&out[0], "description"), "AwsApiCall - by - on -");
    }

    #[test]
    fn an_event_without_time_keeps_the_earlier_timestamp() {
        let earlier = time::iso8601("2026-11-22T09:00:00Z").unwrap();
        let line = br#"{"Records":[{"eventType":"AwsApiCall","eventName":"ListBuckets"}]}"#;
        let record = Item {
            timestamp: Some(earlier),
            ..item(Body::Text(line))
        };
        let out = testing::run(parse, record).unwrap();
        assert_eq!(out[0].timestamp, Some(earlier));
        assert_eq!(
            field(&out[0], "description"),
            "AwsApiCall ListBuckets by - on -"
        );
    }

    #[test]
    fn bad_events_are_errors_naming_the_entry_and_field() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"Records":{}}"#,
                "Records: expected a list of events, got an object",
            ),
            (
                r#"{"Records":[{"eventType":"AwsApiCall"},"x"]}"#,
                "Records[1]: expected an event (a JSON object), got a string",
            ),
            (
                r#"{"Records":[{"eventType":7}]}"#,
                "Records[0]: eventType: expected a name such as AwsApiCall, got a number",
            ),
            (
                r#"{"Records":[{"eventType":"AwsApiCall","eventTime":"2026-11-22T08:00:00Z"},{"eventType":"AwsApiCall","eventTime":"yesterday"}]}"#,
                "Records[1]: eventTime: `yesterday` is not an ISO 8601 time",
            ),
            (
                r#"[{"eventType":"AwsApiCall"}]"#,
                "expected a CloudTrail log file (a JSON object), got a list",
            ),
        ];
        for (line, expected) in cases {
            let err = run(Body::Text(line.as_bytes())).unwrap_err();
            assert_eq!(err.to_string(), *expected, "{line}");
        }
    }

    #[test]
    fn a_bad_event_costs_that_event_only() {
        let line =
            format!(r#"{{"Records":[{ASSUME_ROLE},{{"eventType":7}},{CONSOLE_LOGIN},"x"]}}"#);
        let mut out = Vec::new();
        let err = parse(Item::text(line.as_bytes()), &mut out).unwrap_err();
        assert_eq!(err.failed_parts(), 2);
        assert_eq!(
            err.to_string(),
            "Records[1]: eventType: expected a name such as AwsApiCall, got a number (and 1 more of 4 events)"
        );
        let tags: Vec<_> = out.iter().map(|i| i.tag.as_deref()).collect();
        assert_eq!(
            tags,
            [
                Some("aws.cloudtrail.AwsApiCall"),
                Some("aws.cloudtrail.AwsConsoleSignIn")
            ],
            "the good events are emitted"
        );
    }

    #[test]
    fn malformed_json_is_an_error() {
        let err = run(Body::Text(br#"{"Records":[{"eventType":"AwsApiCall""#)).unwrap_err();
        assert!(err.to_string().starts_with("JSON: EOF"), "{err}");
        assert!(run(Body::Text(br#"{"Records":[]} trailing"#)).is_err());
        assert!(run(Body::Text(b"")).is_err());
    }
    #[test]
    fn an_event_goes_on_as_its_own_text_plus_the_description() {
        let log = log_file();
        let out = run(Body::Text(log.as_bytes())).unwrap();
        let record = Record::new(&out[1]);
        let expected = format!(
            r#"{},"description":"AwsConsoleSignIn ConsoleLogin by arn:aws:iam::123456789012:user/bob on 198.51.100.23"}}"#,
            CONSOLE_LOGIN.strip_suffix('}').unwrap()
        );
        assert_eq!(record.text().unwrap(), expected);
        assert!(record.is_json());
        #[derive(serde::Deserialize)]
        struct Event<'a> {
            #[serde(rename = "eventName")]
            event_name: &'a str,
            description: String,
        }
        let event: Event<'_> = record.deserialize().unwrap();
        assert_eq!(event.event_name, "ConsoleLogin");
        assert!(
            event
                .description
                .starts_with("AwsConsoleSignIn ConsoleLogin")
        );
        assert_eq!(record.value().unwrap()["eventType"], "AwsConsoleSignIn");
        assert_eq!(
            out[1].body.field(&["userIdentity", "userName"]).unwrap(),
            Some(json!("bob"))
        );
    }

    #[test]
    fn the_description_is_escaped_and_read_through_escapes() {
        let line = br#"{"Records":[{"eventType":"AwsApiCall","eventName":"Get\"Object\"","userIdentity":{"arn":"a\u0062c","arn":"arn:\"x\"\\y"},"sourceIPAddress":7,"event\u0054ime":1763799330}]}"#;
        let out = run(Body::Text(line)).unwrap();
        assert_eq!(
            field(&out[0], "description"),
            r#"AwsApiCall Get"Object" by arn:"x"\y on 7"#
        );
        assert_eq!(
            out[0].timestamp.unwrap().to_rfc3339(),
            "2025-11-22T08:15:30+00:00"
        );
    }

    #[test]
    fn an_event_with_a_description_has_it_replaced_in_place() {
        let line =
            br#"{"Records":[{"eventType":"AwsApiCall","description":"old","eventName":"X"}]}"#;
        let out = run(Body::Text(line)).unwrap();
        let Body::JsonOwned(text) = &out[0].body else {
            panic!("not JSON text: {:?}", out[0].body);
        };
        assert_eq!(
            std::str::from_utf8(text).unwrap(),
            r#"{"eventType":"AwsApiCall","description":"AwsApiCall X by - on -","eventName":"X"}"#
        );
    }

    #[test]
    fn a_pretty_printed_log_file_reads_alike() {
        let log: Value = serde_json::from_str(&log_file()).unwrap();
        let pretty = serde_json::to_string_pretty(&log).unwrap();
        let compact = log_file();
        let values = |text: &str| -> Vec<(Option<String>, Value)> {
            run(Body::Text(text.as_bytes()))
                .unwrap()
                .into_iter()
                .map(|item| (item.tag.clone(), item.body.to_value().unwrap()))
                .collect()
        };
        assert_eq!(values(&pretty), values(&compact));
    }

    #[test]
    fn later_parsers_read_the_events() {
        // One log file a line: read whole (streaming is for `s3-text`).
        let chain =
            crate::format::FormatChain::parse(&["s3-lines", "json", "cloudtrail", "json"]).unwrap();
        let log = log_file();
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        crate::format::ObjectParser::new(&chain)
            .apply(log.as_bytes(), &mut out, &mut scratch)
            .unwrap();
        assert_eq!(out.len(), 4);
        assert_eq!(field(&out[3], "eventName"), "RotateKey");
        let syslog = crate::format::Parser::Syslog;
        let err = crate::format::parse(
            syslog,
            out.remove(0),
            &mut Default::default(),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("built by an earlier parser"),
            "{err}"
        );
    }

    #[test]
    fn fields_read_off_the_text_are_those_serde_json_reads() {
        fn serde_fields(text: &str) -> Option<Fields<'_>> {
            match serde_json::from_str::<Shape<Fields<'_>>>(text) {
                Ok(Shape::Read(fields)) => Some(fields),
                _ => None,
            }
        }
        for event in [ASSUME_ROLE, CONSOLE_LOGIN, GET_OBJECT, ROTATE_KEY] {
            let fast = fields_of_text(event.as_bytes());
            assert_eq!(fast, serde_fields(event), "{event}");
            assert!(fast.is_some(), "the fast path reads {event}");
        }
        // Edits that keep the event JSON (or not): where the fast path
        // answers, it answers as serde_json does.
        let edits: &[(&str, &str)] = &[
            (r#""eventType":"AwsApiCall""#, r#""eventType":7"#),
            (r#""eventType":"AwsApiCall""#, r#""eventType":null"#),
            (
                r#""eventType":"AwsApiCall""#,
                r#""eventType":"Aws\u0041piCall""#,
            ),
            (r#""eventType":"AwsApiCall""#, r#""eventType":{"a":[1]}"#),
            (
                r#""eventName":"AssumeRole""#,
                r#""eventName":"Assume\"Role""#,
            ),
            (
                r#""eventTime":"2026-11-22T08:15:30Z""#,
                r#""eventTime":1763799330"#,
            ),
            (r#""userIdentity":{"#, r#""userIdentity":{"arn":"first","#),
            (r#""userIdentity":{"#, r#""userIdentity":[],"x":{"#),
            (r#""userIdentity":{"#, r#""user\u0049dentity":{"#),
            (
                r#""sourceIPAddress""#,
                r#""description":1, "sourceIPAddress""#,
            ),
            (
                r#""eventVersion":"1.08","#,
                r#""eventType":"First", "eventVersion" : "1.08" , "#,
            ),
            (r#""eventVersion""#, r#""eventVersion"x"#),
            ("}", "} x"),
            ("}", "}  \n"),
        ];
        for (from, to) in edits {
            let event = ASSUME_ROLE.replacen(from, to, 1);
            let fast = fields_of_text(event.as_bytes());
            assert!(
                fast.is_none() || fast == serde_fields(&event),
                "{event}: {fast:?}"
            );
        }
        assert_eq!(fields_of_text(b"{}"), serde_fields("{}"));
        assert_eq!(fields_of_text(b" {} "), serde_fields(" {} "));
    }

    #[test]
    fn events_whose_fields_the_reader_found_make_the_same_records() {
        let events = [
            ASSUME_ROLE.to_string(),
            CONSOLE_LOGIN.to_string(),
            GET_OBJECT.to_string(),
            ROTATE_KEY.to_string(),
            r#"{"eventName":"X","eventType":null}"#.to_string(),
            r#"{"eventName":7,"eventType":"","sourceIPAddress":"a\"b"}"#.to_string(),
            r#"{"userIdentity":{"arn":"arn:x"},"eventTime":1763799330}"#.to_string(),
            r#"{"userIdentity":{"arn":"first"},"userIdentity":[]}"#.to_string(),
            r#"{"eventType":"A","description":"mine"}"#.to_string(),
            r#"{"eventType":"Aws\u0041piCall"}"#.to_string(),
            r#"{"eventType":7}"#.to_string(),
            r#"{"eventTime":"yesterday"}"#.to_string(),
            "{}".to_string(),
        ];
        for event in &events {
            // Where the reader cuts it: amid other text.
            let text = format!("[{event}, 1]");
            let (end, prepared) =
                prepare_event(text.as_bytes(), 1).unwrap_or_else(|| panic!("prepared: {event}"));
            assert_eq!(&text[1..end], event);
            let made = prepared_event(event.as_bytes(), prepared).map_err(|e| e.to_string());
            let expected = streamed_event(event.as_bytes()).map_err(|e| e.to_string());
            assert_eq!(made, expected, "{event}");
        }
        // Cut as they always were, and made by the parser's side.
        for event in [
            &br#"{"event\u0054ype":"A"}"#[..],
            br#"{"eventType":"A""#,
            b"[1]",
            b"{\"a\":\"caf\xe9\"}",
        ] {
            assert!(prepare_event(event, 0).is_none(), "{event:?}");
        }
    }

    #[test]
    fn streamed_events_are_the_records_of_the_whole_file() {
        let log = log_file();
        let whole = run(Body::Text(log.as_bytes())).unwrap();
        let chain = crate::format::FormatChain::parse(&["s3-text", "json", "cloudtrail"]).unwrap();
        let mut parser = crate::format::ObjectParser::new(&chain);
        assert_eq!(parser.cut(), crate::object::Cut::Events);
        let mut streamed = Vec::new();
        for event in [ASSUME_ROLE, CONSOLE_LOGIN, GET_OBJECT, ROTATE_KEY] {
            let (mut out, mut scratch) = (Vec::new(), Vec::new());
            parser
                .apply(event.as_bytes(), &mut out, &mut scratch)
                .unwrap();
            streamed.extend(out.into_iter().map(|item| {
                (
                    item.tag.clone(),
                    item.timestamp,
                    item.body.to_value().unwrap(),
                )
            }));
        }
        let whole: Vec<_> = whole
            .into_iter()
            .map(|item| {
                (
                    item.tag.clone(),
                    item.timestamp,
                    item.body.to_value().unwrap(),
                )
            })
            .collect();
        assert_eq!(streamed, whole);
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        let error = parser
            .apply(br#"{"eventType":7}"#, &mut out, &mut scratch)
            .unwrap_err();
        assert!(
            error.to_string().starts_with("Records[4]: eventType"),
            "{error}"
        );
    }
}
