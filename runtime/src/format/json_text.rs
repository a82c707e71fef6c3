//! JSON text, walked without building it: whether a text is one JSON
//! value (the check `json` runs on every record), and where a value ends
//! (how a CloudTrail log file is cut into events, and how `cloudtrail`
//! finds the fields it reads). Written for speed: one pass, strings
//! skipped 16 bytes at a time (SIMD), about 1.5x serde_json's validation on
//! log lines. It accepts exactly what serde_json accepts (the tests compare
//! the two on mutated records); serde_json still says why text is not JSON.

use wide::u8x16;

/// True if `text` is UTF-8 holding one JSON value, with optional whitespace
/// around it (RFC 8259). Nesting is not limited, as in serde_json's check.
pub(crate) fn is_json(text: &[u8]) -> bool {
    simdutf8::basic::from_utf8(text).is_ok() && is_json_value(text)
}

/// [`is_json`] without the UTF-8 check: the grammar alone.
fn is_json_value(t: &[u8]) -> bool {
    value_end(t, skip_whitespace(t, 0)).is_some_and(|end| skip_whitespace(t, end) == t.len())
}

/// Where the JSON value that starts at `start` ends (the index after it),
/// its grammar checked; `None` if no value starts there or it is not JSON.
/// A number that ends at the end of `t` may go on in text not read yet.
#[inline(always)]
pub(crate) fn value_end(t: &[u8], start: usize) -> Option<usize> {
    // A string alone, as most values a reader skips or reads: nothing to
    // nest, so not the call below.
    if t.get(start) == Some(&b'"') {
        return string_end(t, start + 1);
    }
    nested_value_end(t, start)
}

/// [`value_end`] for any value.
fn nested_value_end(t: &[u8], start: usize) -> Option<usize> {
    let mut open = Open::default();
    let mut i = start;
    'value: loop {
        // A value starts at `i`. Most are strings: tested first, apart
        // from the others, that is a branch the CPU predicts well rather
        // than a jump through a table.
        if t.get(i) == Some(&b'"') {
            i = string_end(t, i + 1)?;
        } else {
            match t.get(i) {
                Some(b'{') => {
                    i = skip_whitespace(t, i + 1);
                    if t.get(i) == Some(&b'}') {
                        i += 1;
                    } else {
                        open.push(Container::Object);
                        i = skip_key(t, i)?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    i = skip_whitespace(t, i + 1);
                    if t.get(i) == Some(&b']') {
                        i += 1;
                    } else {
                        open.push(Container::Array);
                        continue 'value;
                    }
                }
                Some(b't') if t.get(i..i + 4) == Some(b"true") => i += 4,
                Some(b'f') if t.get(i..i + 5) == Some(b"false") => i += 5,
                Some(b'n') if t.get(i..i + 4) == Some(b"null") => i += 4,
                Some(b'-' | b'0'..=b'9') => i = skip_number(t, i)?,
                _ => return None,
            }
        }
        // After a value: the next member, or the end of containers.
        loop {
            let Some(container) = open.innermost() else {
                return Some(i);
            };
            i = skip_whitespace(t, i);
            match (t.get(i), container) {
                (Some(b','), Container::Object) => {
                    i = skip_key(t, skip_whitespace(t, i + 1))?;
                    continue 'value;
                }
                (Some(b','), Container::Array) => {
                    i = skip_whitespace(t, i + 1);
                    continue 'value;
                }
                (Some(b'}'), Container::Object) | (Some(b']'), Container::Array) => {
                    open.pop();
                    i += 1;
                }
                _ => return None,
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Container {
    Object,
    Array,
}

/// The open containers, a bit each (1 for an object), innermost in bit 0 of
/// `top`; deeper than 64, the outer ones wait in `below`.
#[derive(Default)]
struct Open {
    depth: usize,
    top: u64,
    below: Vec<u64>,
}

impl Open {
    fn push(&mut self, container: Container) {
        if self.depth > 0 && self.depth.is_multiple_of(64) {
            self.below.push(self.top);
        }
        self.top = (self.top << 1) | u64::from(matches!(container, Container::Object));
        self.depth += 1;
    }

    fn pop(&mut self) {
        self.top >>= 1;
        self.depth -= 1;
        if self.depth > 0 && self.depth.is_multiple_of(64) {
            self.top = self.below.pop().unwrap_or_default();
        }
    }

    fn innermost(&self) -> Option<Container> {
        match (self.depth, self.top & 1) {
            (0, _) => None,
            (_, 1) => Some(Container::Object),
            _ => Some(Container::Array),
        }
    }
}

/// The first index from `i` that holds no whitespace.
#[inline(always)]
pub(crate) fn skip_whitespace(t: &[u8], mut i: usize) -> usize {
    // Most often there is none: one comparison says so.
    while let Some(&b) = t.get(i)
        && b <= b' '
        && matches!(b, b' ' | b'\t' | b'\n' | b'\r')
    {
        i += 1;
    }
    i
}

/// Skips `"key" :` from `i`, and the whitespace after it: where the member's
/// value starts.
#[inline(always)]
fn skip_key(t: &[u8], i: usize) -> Option<usize> {
    if t.get(i) != Some(&b'"') {
        return None;
    }
    let colon = skip_whitespace(t, string_end(t, i + 1)?);
    (t.get(colon) == Some(&b':')).then(|| skip_whitespace(t, colon + 1))
}

/// From just after a string's opening quote to just after its closing one.
#[inline(always)]
pub(crate) fn string_end(t: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i = next_stop(t, i);
        match *t.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *t.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                // Any four hex digits: a lone surrogate is still JSON text
                // (RFC 8259, section 8.2), as serde_json's check holds.
                b'u' if t.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) => i += 6,
                _ => return None,
            },
            // Control characters must be escaped (RFC 8259, section 7).
            _ => return None,
        }
    }
}

/// Whether `text` holds a byte a JSON string must escape (a quote, a
/// backslash or a control byte).
pub(crate) fn needs_escape(text: &[u8]) -> bool {
    next_stop(text, 0) < text.len()
}

/// [`string_end`] for a string without escapes: `None` where it has one.
pub(crate) fn plain_string_end(t: &[u8], i: usize) -> Option<usize> {
    let i = next_stop(t, i);
    (t.get(i) == Some(&b'"')).then_some(i + 1)
}

/// The first quote, backslash or control byte from `i` (or the end of `t`).
#[inline(always)]
fn next_stop(t: &[u8], mut i: usize) -> usize {
    // Whole blocks of 16 bytes that hold none are passed over at once: most
    // of a log record.
    while let Some(block) = t.get(i..i + 16).and_then(|b| <[u8; 16]>::try_from(b).ok()) {
        let mask = stops(block);
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    // Fewer than 16 left: the text's last 16 bytes, those before `i` not
    // counted (a line's last string ends here, so this is common).
    if let Some(start) = t.len().checked_sub(16)
        && let Some(block) = t.get(start..).and_then(|b| <[u8; 16]>::try_from(b).ok())
    {
        // `i` is past `start` (the blocks above ended) and at most the end.
        let mask = stops(block).checked_shr((i - start) as u32).unwrap_or(0);
        return if mask != 0 {
            i + mask.trailing_zeros() as usize
        } else {
            t.len()
        };
    }
    let rest = t.get(i..).unwrap_or_default();
    i + rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(rest.len())
}

/// A bit for each byte of `block` that is a quote, a backslash or a
/// control byte.
#[inline(always)]
fn stops(block: [u8; 16]) -> u32 {
    let v = u8x16::new(block);
    let stops = v.simd_eq(u8x16::splat(b'"'))
        | v.simd_eq(u8x16::splat(b'\\'))
        | v.min(u8x16::splat(0x1f)).simd_eq(v);
    stops.to_bitmask()
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` from `i`.
fn skip_number(t: &[u8], mut i: usize) -> Option<usize> {
    if t.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match *t.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => skip_digits(t, i + 1),
        _ => return None,
    };
    if t.get(i) == Some(&b'.') {
        i = skip_some_digits(t, i + 1)?;
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = skip_some_digits(t, i)?;
    }
    Some(i)
}

fn skip_digits(t: &[u8], mut i: usize) -> usize {
    while t.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// At least one digit.
fn skip_some_digits(t: &[u8], i: usize) -> Option<usize> {
    let end = skip_digits(t, i);
    (end > i).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IgnoredAny;

    /// serde_json's answer: the reference this check must agree with.
    fn serde_accepts(text: &[u8]) -> bool {
        std::str::from_utf8(text).is_ok_and(|text| serde_json::from_str::<IgnoredAny>(text).is_ok())
    }

    fn assert_agrees(text: &[u8]) {
        assert_eq!(
            is_json(text),
            serde_accepts(text),
            "{:?}",
            String::from_utf8_lossy(text)
        );
    }

    #[test]
    fn accepts_json_text_and_rejects_the_rest() {
        for text in [
            &b"{}"[..],
            b" [ ] ",
            b"\t{\"a\" : [1, -0.5e+3, true, false, null, \"\\u00e9\\n\"]}\r\n",
            b"\"\\uD800\"",
            "\"café\"".as_bytes(),
            b"0",
            b"1E05",
        ] {
            assert!(is_json(text), "{:?}", String::from_utf8_lossy(text));
        }
        for text in [
            &b""[..],
            b" ",
            b"{\"a\":1,}",
            b"[1,]",
            b"[1 2]",
            b"{\"a\" 1}",
            b"{1:2}",
            b"01",
            b"-",
            b"1.",
            b".5",
            b"1e",
            b"tru",
            b"nulll",
            b"\"a\tb\"",
            b"\"\\x\"",
            b"\"\\u12G4\"",
            b"\"abc",
            b"{} {}",
            b"[[]]]",
            b"{\"a\":1]",
            b"\"caf\xe9\"",
        ] {
            assert!(!is_json(text), "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn nests_as_deep_as_serde_json_does() {
        for depth in [1, 63, 64, 65, 127, 128, 129, 256, 257, 1000] {
            let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let mixed = format!("{}1{}", "[{\"a\":".repeat(depth), "}]".repeat(depth));
            let crossed = format!("{}1{}", "[{\"a\":".repeat(depth), "]}".repeat(depth));
            let unclosed = format!("{}{}", "[".repeat(depth), "]".repeat(depth - 1));
            for text in [arrays, mixed, crossed, unclosed] {
                assert_agrees(text.as_bytes());
            }
        }
    }

    #[test]
    fn agrees_with_serde_json_wherever_a_string_ends() {
        // A line's last string is read as the text's last 16 bytes: a quote,
        // backslash or control byte at each place in them, and before them.
        for len in 0..40 {
            for at in 0..=len {
                for byte in [b'"', b'\\', b'\n', b'\x01', b'a', 0xc3] {
                    let mut inner = vec![b'a'; len];
                    inner.insert(at, byte);
                    for (open, close) in [
                        (&b"\""[..], &b"\""[..]),
                        (b"[\"", b"\"]"),
                        (b"{\"k\":\"", b"\"}"),
                    ] {
                        let text = [open, &inner, close].concat();
                        assert_agrees(&text);
                    }
                }
            }
        }
    }

    #[test]
    fn needs_escape_finds_each_byte_a_string_must_escape() {
        let escaped = |text: &[u8]| text.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20);
        for len in 0..40 {
            for at in 0..=len {
                for byte in [b'"', b'\\', b'\n', 0x1f, b' ', b'a', 0xc3] {
                    let mut text = vec![b'a'; len];
                    text.insert(at, byte);
                    assert_eq!(needs_escape(&text), escaped(&text), "{text:?}");
                }
            }
            assert!(!needs_escape(&vec![b'a'; len]));
        }
    }

    #[test]
    fn agrees_with_serde_json_on_mutated_records() {
        let records: [&[u8]; 3] = [
            br#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/app/s"},"eventTime":"2026-11-22T08:00:00Z","requestParameters":{"key":"exports/part-00000001.parquet","size":-12.5e-3},"responseElements":null,"readOnly":true,"resources":[{"ARN":"arn:aws:s3:::b/k"},[],{}]}"#,
            b"[1, 2.0, \"a\\\"b\\\\c\\u00e9\", {\"k\": [true, false, null]}, \"a long string that spans more than sixteen bytes\"]",
            "{\"msg\": \"tr\u{e8}s long: \u{1F600} \\t tab\", \"n\": 0}".as_bytes(),
        ];
        // Deterministic pseudo-random edits: a byte changed, inserted,
        // removed or swapped, or the record cut short.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as usize
        };
        let interesting = b"{}[]\",:\\ 0-.eE+tfnu\t\x01\x80";
        let (mut accepted, mut rejected) = (0, 0);
        for record in records {
            assert_agrees(record);
            for _ in 0..20_000 {
                let mut text = record.to_vec();
                let at = random() % text.len();
                match random() % 5 {
                    0 => text[at] = interesting[random() % interesting.len()],
                    1 => text.insert(at, interesting[random() % interesting.len()]),
                    2 => {
                        text.remove(at);
                    }
                    3 => text.swap(at, random() % record.len()),
                    _ => text.truncate(at),
                }
                assert_agrees(&text);
                if is_json(&text) {
                    accepted += 1;
                } else {
                    rejected += 1;
                }
            }
        }
        // Both answers are exercised, not only rejections.
        assert!(
            accepted > 5_000 && rejected > 5_000,
            "{accepted} {rejected}"
        );
    }
}
