//! The events of a CloudTrail log file, `{"Records": [{...}, ...]}`, cut
//! out of the decompressed stream one by one: a log file of any size is
//! read in bounded memory (a few blocks, and the longest event), instead of
//! whole as `s3-text` reads it.
//!
//! json_text finds where each value ends (and checks it), serde_json where
//! that needs more than was read; the document's own structure (braces,
//! keys, commas) is the little read here.

use std::io::{self, Read};
use std::ops::Range;

use serde::de::{DeserializeOwned, IgnoredAny};
use tokio::sync::mpsc;

use super::blocks::{BLOCK_BYTES, Block, MAX_RECORD_BYTES, Spares};
use crate::format::{self, json_text};

/// The key whose list holds the events.
const RECORDS: &str = "Records";
/// The key that marks a digest file (hashes of log files, no events).
const DIGEST_MARK: &str = "digestStartTime";

/// A document that is not a CloudTrail log file: the object's parse error
/// (so `on_parse_error` decides), not a read error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotALogFile(String);

impl NotALogFile {
    /// The problem, if `error` is one.
    pub fn of(error: &io::Error) -> Option<&NotALogFile> {
        error.get_ref()?.downcast_ref::<NotALogFile>()
    }
}

fn not_a_log_file(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, NotALogFile(message.into()))
}

/// Sends the events of the log file `reader` holds, in blocks of whole events.
pub(super) fn cut_events(
    reader: Box<dyn Read + Send>,
    tx: &mpsc::Sender<io::Result<Block>>,
    spares: &Spares,
) -> io::Result<()> {
    let mut doc = Document::new(reader);
    let mut block = Block::listed_in(spares.take());
    match doc.peek()? {
        Some(b'{') => doc.pos += 1,
        _ => {
            let what = doc.describe_value()?;
            return Err(not_a_log_file(format!(
                "expected a CloudTrail log file (a JSON object), got {what}"
            )));
        }
    }
    let (mut found, mut digest, mut first) = (false, false, true);
    loop {
        if doc.peek()? == Some(b'}') {
            doc.pos += 1;
            break;
        }
        if !first {
            doc.expect(b',', "`,` or `}` after a member of the log file")?;
        }
        first = false;
        let key = doc.string()?;
        doc.expect(b':', "`:` after a key")?;
        if key != RECORDS {
            digest |= key == DIGEST_MARK;
            doc.raw_value()?;
            continue;
        }
        found = true;
        if doc.peek()? != Some(b'[') {
            let what = doc.describe_value()?;
            return Err(not_a_log_file(format!(
                "Records: expected a list of events, got {what}"
            )));
        }
        doc.pos += 1;
        let mut first_event = true;
        loop {
            if doc.peek()? == Some(b']') {
                doc.pos += 1;
                break;
            }
            if !first_event {
                doc.expect(b',', "`,` or `]` after an event")?;
            }
            first_event = false;
            // The walk that finds where an event ends notes where its
            // fields are, for the parser's side (most events; any other is
            // cut as it always was).
            doc.peek()?;
            match format::prepare_event(&doc.buf, doc.pos) {
                Some((end, prepared)) => {
                    block.push_prepared(&doc.buf[doc.pos..end], prepared);
                    doc.pos = end;
                }
                None => {
                    let event = doc.raw_value()?;
                    block.push(&doc.buf[event]);
                }
            }
            if block.bytes.len() >= BLOCK_BYTES {
                let full = std::mem::replace(&mut block, Block::listed_in(spares.take()));
                if tx.blocking_send(Ok(full)).is_err() {
                    return Ok(());
                }
            }
        }
    }
    if doc.peek()?.is_some() {
        return Err(not_a_log_file(
            "JSON: trailing characters after the log file",
        ));
    }
    if !found {
        return Err(not_a_log_file(if digest {
            "a CloudTrail digest file (hashes of log files for integrity checks, no events): \
             map the `CloudTrail-Digest/` prefix to the `ignore` format"
        } else {
            "no `Records` list: not a CloudTrail log file"
        }));
    }
    if !block.bytes.is_empty() {
        let _ = tx.blocking_send(Ok(block));
    }
    Ok(())
}

/// The decompressed document as a window that grows as values need it.
struct Document {
    reader: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// Where reading is in `buf`.
    pos: usize,
    /// Bytes of the document before `buf` (for positions in messages).
    dropped: u64,
    eof: bool,
}

/// How much is read at a time (doubled for a value that does not fit).
const READ_BYTES: usize = 256 * 1024;

impl Document {
    fn new(reader: Box<dyn Read + Send>) -> Self {
        Document {
            reader,
            buf: Vec::with_capacity(2 * READ_BYTES),
            pos: 0,
            dropped: 0,
            eof: false,
        }
    }

    /// Reads at least `at_least` more bytes, unless the document ends first.
    fn more(&mut self, at_least: usize) -> io::Result<()> {
        // What was read before `pos` is done with: drop it before growing.
        if self.pos > READ_BYTES {
            self.buf.drain(..self.pos);
            self.dropped += self.pos as u64;
            self.pos = 0;
        }
        let want = at_least.max(READ_BYTES) as u64;
        let read = (&mut self.reader).take(want).read_to_end(&mut self.buf)?;
        self.eof = read == 0;
        Ok(())
    }

    /// The next byte that is not whitespace, not taken; `None` at the end.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            let rest = &self.buf[self.pos..];
            match rest.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(skip) => {
                    self.pos += skip;
                    return Ok(Some(self.buf[self.pos]));
                }
                None if self.eof => return Ok(None),
                None => {
                    self.pos = self.buf.len();
                    self.more(0)?;
                }
            }
        }
    }

    /// Takes `byte` (after whitespace), or fails saying what was expected.
    fn expect(&mut self, byte: u8, what: &str) -> io::Result<()> {
        match self.peek()? {
            Some(found) if found == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(not_a_log_file(format!(
                "JSON: expected {what} at byte {}",
                self.at()
            ))),
            None => Err(not_a_log_file(format!(
                "JSON: the document ends where {what} belongs (truncated?)"
            ))),
        }
    }

    /// The position of `pos` in the whole document, from 1.
    fn at(&self) -> u64 {
        self.dropped + self.pos as u64 + 1
    }

    /// The next value's text (checked JSON, UTF-8), as a range of `buf`.
    fn raw_value(&mut self) -> io::Result<Range<usize>> {
        self.peek()?;
        // Most values end well inside what was read: json_text finds where.
        // One that may go on past it, or is not JSON, is serde_json's to
        // read (it reads on, or says what is wrong).
        let range = match json_text::value_end(&self.buf, self.pos) {
            Some(end) if end < self.buf.len() => {
                let start = std::mem::replace(&mut self.pos, end);
                start..end
            }
            _ => self.parse::<IgnoredAny>()?.1,
        };
        // Skipping a string does not check its UTF-8: checked here.
        if simdutf8::basic::from_utf8(&self.buf[range.clone()]).is_err() {
            return Err(not_a_log_file(format!(
                "a value that is not UTF-8 text at byte {}",
                self.dropped + range.start as u64 + 1
            )));
        }
        Ok(range)
    }

    /// The next value, a string (a key).
    fn string(&mut self) -> io::Result<String> {
        self.parse().map(|(key, _)| key)
    }

    /// Parses the next value, reading more until it is whole; the value,
    /// and where it is in `buf`.
    fn parse<T: DeserializeOwned>(&mut self) -> io::Result<(T, Range<usize>)> {
        self.peek()?;
        let mut read_more = READ_BYTES;
        loop {
            let start = self.pos;
            let mut values =
                serde_json::Deserializer::from_slice(&self.buf[start..]).into_iter::<T>();
            let parsed = values.next();
            let end = start + values.byte_offset();
            match parsed {
                None if self.eof => {
                    return Err(not_a_log_file(
                        "JSON: the document ends where a value belongs (truncated?)",
                    ));
                }
                // A value that ends where the bytes read so far end may go
                // on (a number cut in two): accepted only at the end.
                Some(Ok(value)) if end < self.buf.len() || self.eof => {
                    self.pos = end;
                    return Ok((value, start..end));
                }
                // Cut short by the end of what was read: read more, unless that is all.
                Some(Err(error)) if !error.is_eof() || self.eof => {
                    return Err(self.json_error(&error));
                }
                _ => {}
            }
            if self.buf.len() - self.pos > MAX_RECORD_BYTES {
                return Err(not_a_log_file(format!(
                    "an event longer than {} MiB at byte {}, the limit of one record",
                    MAX_RECORD_BYTES >> 20,
                    self.at()
                )));
            }
            self.more(read_more)?;
            // A value longer than what was read: read twice as much next time,
            // so a long one costs a few passes, not one per read.
            read_more *= 2;
        }
    }

    fn json_error(&self, error: &serde_json::Error) -> io::Error {
        let message = crate::format::json_error(error);
        // serde counts from the value's start; say where it is in the document.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        not_a_log_file(format!("JSON: {message} (a value at byte {})", self.at()))
    }

    /// What the next value is, for a message ("a list", "a string", ...).
    fn describe_value(&mut self) -> io::Result<&'static str> {
        Ok(match self.peek()? {
            None => "nothing (an empty document)",
            Some(b'[') => "a list",
            Some(b'"') => "a string",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            Some(b'{') => "an object",
            Some(b'-' | b'0'..=b'9') => "a number",
            Some(_) => "text that is not JSON",
        })
    }
}
