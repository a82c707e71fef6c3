//! `json`: the record is one JSON value. Checked in full, but not parsed
//! into a DOM: a handler that only counts or forwards pays for validation only.

use super::item::{Item, Out, ParseError};

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let body = item.body.into_json()?;
    out.push(Item { body, ..item });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Body;

    #[test]
    fn marks_valid_json_and_rejects_the_rest() {
        let mut out = Vec::new();
        parse(Item::text(br#"{"a": [1, "x"]}"#), &mut out).unwrap();
        assert_eq!(out[0].body, Body::Json(br#"{"a": [1, "x"]}"#));
        let err = parse(Item::text(br#"{"a": "#), &mut out).unwrap_err();
        assert!(err.to_string().starts_with("invalid JSON: EOF"), "{err}");
        assert!(parse(Item::text(b"{} trailing"), &mut out).is_err());
        let err = parse(Item::text(b"{\"a\": \"caf\xe9\"}"), &mut out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid JSON: not UTF-8 at byte 10 (JSON text is UTF-8, RFC 8259)"
        );
    }
}
