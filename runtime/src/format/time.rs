//! Timestamps as logs write them, always read as UTC (the original used the
//! machine's local time zone, and crashed on fractional seconds).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use super::item::ParseError;

/// ISO 8601 / RFC 3339, with or without fractional seconds, `T` or a space,
/// and a `Z` or offset; a time with no zone is taken as UTC.
///
/// ```
/// use slips::format::time::iso8601;
/// let t = iso8601("2026-11-22T10:00:00.123+01:00").unwrap();
/// assert_eq!(t.to_rfc3339(), "2026-11-22T09:00:00.123+00:00");
/// assert_eq!(iso8601("2026-11-22 09:00:00").unwrap().to_rfc3339(), "2026-11-22T09:00:00+00:00");
/// ```
pub fn iso8601(text: &str) -> Result<DateTime<Utc>, ParseError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let with_t = text.replacen(' ', "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&with_t) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&with_t, format) {
            return Ok(t.and_utc());
        }
    }
    // Offsets written without a colon: +0100.
    if let Ok(t) = DateTime::parse_from_str(&with_t, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Ok(t.with_timezone(&Utc));
    }
    Err(ParseError::new(format!(
        "{} is not an ISO 8601 time",
        super::item::excerpt(text)
    )))
}

/// Milliseconds since the Unix epoch.
pub fn epoch_millis(millis: i64) -> Result<DateTime<Utc>, ParseError> {
    Utc.timestamp_millis_opt(millis)
        .single()
        .ok_or_else(|| ParseError::new(format!("{millis} ms is not a valid epoch time")))
}

/// Seconds since the Unix epoch, possibly fractional.
pub fn epoch_seconds(seconds: f64) -> Result<DateTime<Utc>, ParseError> {
    let invalid = || ParseError::new(format!("{seconds} s is not a valid epoch time"));
    if !seconds.is_finite() {
        return Err(invalid());
    }
    // Whole seconds and the fraction apart: `secs * 1e9` in f64 loses the
    // last digits (1763799330.250 would read as .249999).
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e3).round() as u32 * 1_000_000;
    Utc.timestamp_opt(whole as i64, 0)
        .single()
        .map(|t| t + chrono::Duration::nanoseconds(i64::from(nanos)))
        .ok_or_else(invalid)
}

/// A JSON time field: an ISO 8601 string, or a number of epoch milliseconds
/// (or seconds, for numbers too small to be milliseconds of this century).
pub fn from_json(value: &serde_json::Value) -> Result<DateTime<Utc>, ParseError> {
    match value {
        serde_json::Value::String(text) => from_json_str(text),
        serde_json::Value::Number(number) => match number.as_f64() {
            Some(number) => from_number(number),
            None => Err(ParseError::new(format!("{number} is not a time"))),
        },
        other => Err(ParseError::new(format!("{other} is not a time"))),
    }
}

/// A JSON string time, read as [`from_json`] does: a whole number is epoch
/// milliseconds (or seconds), anything else ISO 8601.
pub(super) fn from_json_str(text: &str) -> Result<DateTime<Utc>, ParseError> {
    match text.parse::<i64>() {
        Ok(number) => from_number(number as f64),
        Err(_) => iso8601(text),
    }
}

/// The time in the JSON field `name`, read as [`from_json`] does; `None` when
/// the record has no such field, an error naming the field when it has a bad one.
pub(super) fn from_field(
    name: &str,
    value: Option<&serde_json::Value>,
) -> Result<Option<DateTime<Utc>>, ParseError> {
    value
        .map(|value| from_json(value).map_err(|e| ParseError::new(format!("{name}: {e}"))))
        .transpose()
}

/// Epoch milliseconds from 2001 on are above 1e12; anything below is seconds.
fn from_number(number: f64) -> Result<DateTime<Utc>, ParseError> {
    if number.abs() >= 1e12 {
        epoch_millis(number as i64)
    } else {
        epoch_seconds(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_common_shapes_as_utc() {
        for (text, expected) in [
            ("2026-11-22T09:00:00Z", "2026-11-22T09:00:00+00:00"),
            ("2026-11-22T09:00:00.5Z", "2026-11-22T09:00:00.500+00:00"),
            ("2026-11-22T10:00:00+0100", "2026-11-22T09:00:00+00:00"),
            (
                "2026-11-22T09:00:00.123456",
                "2026-11-22T09:00:00.123456+00:00",
            ),
        ] {
            assert_eq!(iso8601(text).unwrap().to_rfc3339(), expected, "{text}");
        }
        assert!(iso8601("yesterday").is_err());
    }

    #[test]
    fn json_numbers_are_millis_or_seconds() {
        let millis = from_json(&json!(1_763_802_000_123_i64)).unwrap();
        assert_eq!(millis.timestamp_millis(), 1_763_802_000_123);
        let seconds = from_json(&json!(1_763_802_000.5)).unwrap();
        assert_eq!(seconds.timestamp_millis(), 1_763_802_000_500);
        let precise = epoch_seconds(1_763_799_330.25).unwrap();
        assert_eq!(precise.timestamp_millis(), 1_763_799_330_250);
        assert_eq!(
            epoch_seconds(1_763_799_330.123).unwrap().timestamp_millis(),
            1_763_799_330_123
        );
        assert_eq!(from_json(&json!("1763802000123")).unwrap(), millis);
        assert!(from_json(&json!(true)).is_err());
    }
}
