//! Cutting a decompressed object into blocks of whole records, on a thread
//! of its own: the async side parses one block while the next is decompressed.

use std::io::{self, Read};
use std::sync::mpsc as std_mpsc;

use tokio::sync::mpsc;

use slips_contract::config::Multiline;

use crate::format::Prepared;

use super::ObjectBody;
use super::decode::{self, Compression};
use super::entries;
use super::multiline::Joiner;

/// Target size of a block: large enough that per-block costs vanish, small
/// enough that a few in flight keep memory bounded.
pub const BLOCK_BYTES: usize = 1 << 20;
/// Longest record (line, or whole object for `s3-text`) we hold in memory.
pub const MAX_RECORD_BYTES: usize = 256 << 20;
/// Blocks decoded ahead of the parser.
const BLOCKS_AHEAD: usize = 2;

/// How an object is cut into records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// One record per line (`s3-lines`).
    Lines,
    /// The object is one record (`s3-text`).
    Whole,
    /// One record per event of a CloudTrail log file, streamed.
    Events,
}

/// Decoded bytes holding whole records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The records' bytes.
    pub bytes: Vec<u8>,
    layout: Layout,
    /// Every record passed the reader's [`LineCheck`] on the decode thread.
    checked: bool,
}

/// A check of one line that the decode thread takes over from the parser
/// while the parser is behind (the JSON check of `s3-lines, json`): the two
/// threads share the work instead of one waiting for the other.
pub type LineCheck = fn(&[u8]) -> bool;

/// Where a block's records are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    /// Lines, each ending at a line end.
    Lines,
    /// The whole block is one record.
    Whole,
    /// Records listed one by one (events, joined lines, redacted records).
    Listed(Vec<Span>),
}

/// One listed record: where it ends, and what a [`Piece`] says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    end: usize,
    lines: u32,
    size: u64,
    too_large: bool,
    prepared: Option<Prepared>,
}

/// One record of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    /// The record (lines without their line end).
    pub bytes: &'a [u8],
    /// The lines of the object it spans (1 but for joined lines).
    pub lines: u32,
    /// Over its `multiline` limits: `bytes` then holds only its start, and
    /// `size` says how large it was.
    pub too_large: bool,
    /// Its size as read (more than `bytes` holds when too large).
    pub size: u64,
    /// Where the reader found a CloudTrail event's fields.
    pub(crate) prepared: Option<Prepared>,
}

impl Block {
    pub(super) fn new(bytes: Vec<u8>, cut: Cut) -> Self {
        let layout = match cut {
            Cut::Lines => Layout::Lines,
            Cut::Whole => Layout::Whole,
            Cut::Events => Layout::Listed(Vec::new()),
        };
        Block {
            bytes,
            layout,
            checked: false,
        }
    }

    /// An empty block of listed records.
    pub(crate) fn listed() -> Self {
        Block::listed_in(Vec::new())
    }

    /// An empty block of listed records, in `buffer` (its bytes dropped).
    pub(super) fn listed_in(mut buffer: Vec<u8>) -> Self {
        buffer.clear();
        buffer.reserve(BLOCK_BYTES + BLOCK_BYTES / 4);
        Block {
            bytes: buffer,
            layout: Layout::Listed(Vec::new()),
            checked: false,
        }
    }

    /// Adds one record of one line.
    pub(crate) fn push(&mut self, record: &[u8]) {
        self.bytes.extend_from_slice(record);
        self.end_record(1, record.len() as u64, false);
    }

    /// Adds `piece` again, its bytes replaced by `bytes`.
    pub(crate) fn push_as(&mut self, piece: &Piece<'_>, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
        self.end_record(piece.lines, piece.size, piece.too_large);
    }

    /// Ends the record whose bytes were appended since the last one's end.
    pub(crate) fn end_record(&mut self, lines: u32, size: u64, too_large: bool) {
        self.end_span(lines, size, too_large, None);
    }

    /// Adds one CloudTrail event, with where the reader found its fields.
    pub(super) fn push_prepared(&mut self, event: &[u8], prepared: Prepared) {
        self.bytes.extend_from_slice(event);
        self.end_span(1, event.len() as u64, false, Some(prepared));
    }

    fn end_span(&mut self, lines: u32, size: u64, too_large: bool, prepared: Option<Prepared>) {
        let end = self.bytes.len();
        if let Layout::Listed(spans) = &mut self.layout {
            spans.push(Span {
                end,
                lines,
                size,
                too_large,
                prepared,
            });
        }
    }

    /// Whether every record passed the [`LineCheck`] the block was cut with
    /// (only some blocks are checked: those the parser was behind on).
    pub fn checked(&self) -> bool {
        self.checked
    }

    /// How many records were listed (0 for lines and whole blocks).
    pub(crate) fn listed_records(&self) -> usize {
        match &self.layout {
            Layout::Listed(spans) => spans.len(),
            Layout::Lines | Layout::Whole => 0,
        }
    }

    /// The block's records, in order.
    pub fn records(&self) -> impl Iterator<Item = Piece<'_>> {
        let bytes = &self.bytes[..];
        let mut rest = Some(bytes).filter(|b| !b.is_empty());
        let spans: &[Span] = match &self.layout {
            Layout::Listed(spans) => spans,
            Layout::Lines | Layout::Whole => &[],
        };
        let mut spans = spans.iter();
        let mut start = 0;
        fn one(bytes: &[u8]) -> Piece<'_> {
            Piece {
                bytes,
                lines: 1,
                too_large: false,
                size: bytes.len() as u64,
                prepared: None,
            }
        }
        let layout = &self.layout;
        std::iter::from_fn(move || match layout {
            Layout::Listed(_) => {
                let span = spans.next()?;
                let record = &bytes[start..span.end];
                start = span.end;
                Some(Piece {
                    bytes: record,
                    lines: span.lines,
                    too_large: span.too_large,
                    size: span.size,
                    prepared: span.prepared,
                })
            }
            Layout::Whole => rest.take().map(one),
            Layout::Lines => {
                let current = rest.take()?;
                let line = match memchr::memchr(b'\n', current) {
                    Some(end) => {
                        rest = Some(&current[end + 1..]).filter(|r| !r.is_empty());
                        &current[..end]
                    }
                    None => current,
                };
                Some(one(line.strip_suffix(b"\r").unwrap_or(line)))
            }
        })
    }
}

/// The decoded content of one object, as a stream of blocks.
pub struct Blocks {
    rx: mpsc::Receiver<io::Result<Block>>,
    compression: mpsc::Receiver<Compression>,
    spent: std_mpsc::SyncSender<Vec<u8>>,
}

impl Blocks {
    /// Starts decoding `body` on its own thread, cut as `cut` says: each
    /// block ends at a line end, or an event's end, or is the whole object.
    pub fn spawn(body: ObjectBody, cut: Cut) -> io::Result<Blocks> {
        Blocks::spawn_cutting(body, move |reader, tx, spares| match cut {
            Cut::Lines => cut_lines(reader, spares, &mut |bytes| {
                send(tx, Block::new(bytes, Cut::Lines))
            }),
            Cut::Whole => read_whole(reader, tx),
            Cut::Events => entries::cut_events(reader, tx, spares),
        })
    }

    /// Starts decoding `body` on its own thread into blocks of lines; a
    /// block the parser is not ready for yet is checked there with `check`.
    pub fn spawn_checking(body: ObjectBody, check: LineCheck) -> io::Result<Blocks> {
        Blocks::spawn_cutting(body, move |reader, tx, spares| {
            cut_lines(reader, spares, &mut |bytes| {
                send_checking(tx, Block::new(bytes, Cut::Lines), check)
            })
        })
    }

    /// Starts decoding `body` on its own thread into records of lines
    /// joined as `rule` says.
    pub fn spawn_joined(body: ObjectBody, rule: Multiline) -> io::Result<Blocks> {
        Blocks::spawn_cutting(body, move |reader, tx, spares| {
            let mut joiner = Joiner::new(&rule, tx);
            cut_lines(reader, spares, &mut |bytes| joiner.lines(bytes))?;
            let _ = joiner.finish();
            Ok(())
        })
    }

    fn spawn_cutting(
        body: ObjectBody,
        cut: impl FnOnce(Box<dyn Read + Send>, &Sender, &Spares) -> io::Result<()> + Send + 'static,
    ) -> io::Result<Blocks> {
        let (tx, rx) = mpsc::channel(BLOCKS_AHEAD);
        let (compression_tx, compression) = mpsc::channel(1);
        // Bounded: cuts that make their own blocks take none back.
        let (spent, spares) = std_mpsc::sync_channel(BLOCKS_AHEAD + 1);
        std::thread::Builder::new()
            .name("slips-decode".into())
            .spawn(move || {
                let work = || {
                    decode::decompress(body).and_then(|(found, reader)| {
                        let _ = compression_tx.blocking_send(found);
                        cut(reader, &tx, &Spares(spares))
                    })
                };
                // The channel's end is the object's end: a panic must not
                // end it quietly, or the rest of the object would be lost
                // unnoticed. (After a panic only the channel is used, to
                // send the error.)
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                    .unwrap_or_else(|panic| {
                        Err(io::Error::other(format!(
                            "the decoding thread panicked: {}",
                            crate::handler::panic_message(panic.as_ref())
                        )))
                    });
                if let Err(error) = result {
                    let _ = tx.blocking_send(Err(error));
                }
            })?;
        Ok(Blocks {
            rx,
            compression,
            spent,
        })
    }

    /// The compression found, once decoding has started.
    pub async fn compression(&mut self) -> Option<Compression> {
        self.compression.recv().await
    }

    /// The next block; `None` at the end of the object.
    pub async fn next(&mut self) -> Option<io::Result<Block>> {
        self.rx.recv().await
    }

    /// Hands a block read to the end back, for its buffer to be filled again.
    pub fn recycle(&self, block: Block) {
        // When the decode thread has ended or has spares enough, the
        // buffer is freed instead.
        let _ = self.spent.try_send(block.bytes);
    }
}

/// Where the decode thread sends its blocks.
pub(super) type Sender = mpsc::Sender<io::Result<Block>>;

/// Why a send failed: the reader went away (an error there), so stop quietly.
pub(super) struct Gone;

pub(super) fn send(tx: &Sender, block: Block) -> Result<(), Gone> {
    tx.blocking_send(Ok(block)).map_err(|_| Gone)
}

/// Sends `block`; when the parser is behind, checks its records with
/// `check` first, in time the decode thread would spend waiting.
fn send_checking(tx: &Sender, block: Block, check: LineCheck) -> Result<(), Gone> {
    match tx.try_send(Ok(block)) {
        Ok(()) => Ok(()),
        Err(mpsc::error::TrySendError::Closed(_)) => Err(Gone),
        Err(mpsc::error::TrySendError::Full(mut block)) => {
            if let Ok(block) = &mut block {
                let checked = block
                    .records()
                    .all(|piece| piece.bytes.trim_ascii().is_empty() || check(piece.bytes));
                block.checked = checked;
            }
            tx.blocking_send(block).map_err(|_| Gone)
        }
    }
}

/// A line longer than [`MAX_RECORD_BYTES`]: the error a block stream ends
/// with (Main names the line).
#[derive(Debug, thiserror::Error)]
#[error("a line longer than {} MiB, the limit of one record", MAX_RECORD_BYTES >> 20)]
pub struct LineTooLong;

impl LineTooLong {
    /// Whether `error` is this one.
    pub fn is(error: &io::Error) -> bool {
        error.get_ref().is_some_and(|e| e.is::<LineTooLong>())
    }
}

/// Cuts `reader` into blocks of whole lines, each handed to `emit`, in
/// buffers taken from `spares` where it has some.
fn cut_lines(
    mut reader: Box<dyn Read + Send>,
    spares: &Spares,
    emit: &mut dyn FnMut(Vec<u8>) -> Result<(), Gone>,
) -> io::Result<()> {
    // `block[..filled]` is what was read; the rest of `block` is room to
    // read into. It is written with zeros once (safe Rust reads only into
    // initialised memory), and stays so while the buffer is reused.
    let mut block = spares.take();
    let mut filled = 0;
    // How much of `block` is known to hold no line end: only what a read
    // adds is searched, so a long line costs one pass over its bytes.
    let mut scanned = 0;
    loop {
        if block.len() < filled + BLOCK_BYTES / 16 {
            // A block's worth, or for a long line twice as much.
            let room = (filled * 2).max(BLOCK_BYTES + BLOCK_BYTES / 16);
            block.resize(room, 0);
        }
        let read = match reader.read(&mut block[filled..]) {
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if read == 0 {
            block.truncate(filled);
            if !block.is_empty() {
                let _ = emit(block);
            }
            return Ok(());
        }
        filled += read;
        if filled < BLOCK_BYTES {
            continue;
        }
        match memchr::memrchr(b'\n', &block[scanned..filled]) {
            Some(end) => {
                let end = scanned + end;
                let rest = filled - (end + 1);
                let mut next = spares.take();
                if next.len() < rest {
                    next.resize(rest, 0);
                }
                next[..rest].copy_from_slice(&block[end + 1..filled]);
                block.truncate(end + 1);
                (filled, scanned) = (rest, 0);
                if emit(std::mem::replace(&mut block, next)).is_err() {
                    return Ok(());
                }
            }
            None if filled > MAX_RECORD_BYTES => {
                return Err(io::Error::new(io::ErrorKind::InvalidData, LineTooLong));
            }
            None => scanned = filled,
        }
    }
}

/// Buffers of blocks the parser is done with, back on the decode thread.
/// Reused, a buffer is neither mapped nor zeroed again: new, that was 12%
/// of the decode thread's time.
pub(super) struct Spares(std_mpsc::Receiver<Vec<u8>>);

impl Spares {
    /// A buffer to fill: a spent one, or an empty one.
    pub(super) fn take(&self) -> Vec<u8> {
        self.0
            .try_iter()
            // A long line's buffer is let go rather than kept.
            .find(|buffer| buffer.capacity() <= 2 * BLOCK_BYTES)
            .unwrap_or_default()
    }
}

fn read_whole(reader: Box<dyn Read + Send>, tx: &Sender) -> io::Result<()> {
    let mut whole = Vec::new();
    reader
        .take(MAX_RECORD_BYTES as u64 + 1)
        .read_to_end(&mut whole)?;
    if whole.len() > MAX_RECORD_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the object is larger than {} MiB decompressed, too large to read as one record with s3-text; use s3-lines",
                MAX_RECORD_BYTES >> 20
            ),
        ));
    }
    let _ = send(tx, Block::new(whole, Cut::Whole));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[tokio::test]
    async fn blocks_the_parser_is_behind_on_are_checked_on_the_decode_thread() {
        // Eight blocks of lines, a bad one in the sixth; nothing is taken
        // until the decode thread has filled the channel and waits.
        let line = format!("{{\"n\": \"{}\"}}\n", "x".repeat(1000));
        let per_block = BLOCK_BYTES / line.len() + 1;
        let mut data = line.repeat(per_block * 8).into_bytes();
        let bad = per_block * 5 * line.len() + 10;
        data[bad..bad + 4].copy_from_slice(b"BAD\n");
        let is_json = |line: &[u8]| serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok();
        let mut blocks =
            Blocks::spawn_checking(Box::new(Cursor::new(data.clone())), is_json).expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(200));
        let (mut bytes, mut checked, mut unchecked_with_bad) = (Vec::new(), 0, 0);
        while let Some(block) = blocks.next().await {
            let block = block.expect("block");
            let all_json = block.records().all(|piece| is_json(piece.bytes));
            assert!(
                !block.checked() || all_json,
                "a checked block holds a bad line"
            );
            checked += usize::from(block.checked());
            unchecked_with_bad += usize::from(!all_json && !block.checked());
            bytes.extend_from_slice(&block.bytes);
            // A slow parser: the decode thread keeps finding the channel full.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(bytes, data, "blocks lose nothing");
        assert!(checked >= 4, "only {checked} blocks were checked");
        assert_eq!(unchecked_with_bad, 1);
    }

    async fn collect(data: Vec<u8>, whole: bool) -> io::Result<Vec<Vec<u8>>> {
        let cut = if whole { Cut::Whole } else { Cut::Lines };
        let mut blocks = Blocks::spawn(Box::new(Cursor::new(data)), cut)?;
        let mut out = Vec::new();
        while let Some(block) = blocks.next().await {
            out.push(block?.bytes);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn blocks_end_at_line_ends_and_lose_nothing() {
        let line = b"{\"eventName\":\"GetObject\",\"n\":12345}\n";
        let mut data = line.repeat(3 * BLOCK_BYTES / line.len());
        data.extend_from_slice(b"last line without newline");
        let blocks = collect(data.clone(), false).await.unwrap();
        assert!(blocks.len() >= 3, "{}", blocks.len());
        for block in &blocks[..blocks.len() - 1] {
            assert_eq!(block.last(), Some(&b'\n'));
        }
        assert_eq!(blocks.concat(), data);
    }

    /// Gives its bytes, then panics where they end, as a decoder with a bug might.
    struct PanicsAtTheEnd(Cursor<Vec<u8>>);

    impl Read for PanicsAtTheEnd {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => panic!("a bug in the decoder"),
                read => Ok(read),
            }
        }
    }

    #[tokio::test]
    async fn a_panic_while_decoding_ends_the_object_with_an_error_not_early() {
        let data = b"{\"n\":1}\n".repeat(3 * BLOCK_BYTES / 8);
        let reader = PanicsAtTheEnd(Cursor::new(data));
        let mut blocks = Blocks::spawn(Box::new(reader), Cut::Lines).expect("spawn");
        let (mut read, mut last) = (0, None);
        while let Some(block) = blocks.next().await {
            if let Ok(block) = &block {
                read += block.bytes.len();
            }
            last = Some(block);
        }
        let error = last.expect("blocks").expect_err("the last is an error");
        assert!(
            error.to_string().contains("panicked: a bug in the decoder"),
            "{error}"
        );
        assert!(read >= BLOCK_BYTES, "the blocks before it arrive: {read}");
    }

    /// Reads at most 5,000 bytes a call, as a decompressor may.
    struct Trickle(Cursor<Vec<u8>>);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let most = buf.len().min(5_000);
            self.0.read(&mut buf[..most])
        }
    }

    #[tokio::test]
    async fn reused_buffers_lose_nothing_and_show_no_stale_bytes() {
        // Lines of many lengths, one longer than two blocks among them; each
        // line names its number, so a stale byte shown again would not match.
        let mut data = Vec::new();
        for n in 0..6_000usize {
            let len = if n == 2_500 {
                2 * BLOCK_BYTES + 7
            } else {
                (n * 7919) % 1_500
            };
            data.extend_from_slice(format!("{n}:").as_bytes());
            data.extend(std::iter::repeat_n(b'a' + (n % 26) as u8, len));
            data.push(b'\n');
        }
        for trickle in [false, true] {
            let cursor = Cursor::new(data.clone());
            let reader: Box<dyn Read + Send> = if trickle {
                Box::new(Trickle(cursor))
            } else {
                Box::new(cursor)
            };
            let mut blocks = Blocks::spawn(reader, Cut::Lines).expect("spawn");
            let mut seen = Vec::new();
            while let Some(block) = blocks.next().await {
                let block = block.expect("block");
                assert_eq!(
                    block.bytes.last(),
                    Some(&b'\n'),
                    "a block ends at a line end"
                );
                seen.extend_from_slice(&block.bytes);
                blocks.recycle(block);
            }
            assert_eq!(seen.len(), data.len(), "trickle: {trickle}");
            assert!(seen == data, "trickle: {trickle}: the bytes differ");
        }
    }

    #[tokio::test]
    async fn a_long_line_is_cut_whole_and_one_over_the_limit_is_named() {
        let mut data = b"short\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 5 * BLOCK_BYTES));
        data.extend_from_slice(b"\nafter\n");
        let blocks = collect(data.clone(), false).await.unwrap();
        assert_eq!(blocks.concat(), data);
        assert!(
            blocks.iter().any(|b| b.len() > 5 * BLOCK_BYTES),
            "the line stays whole"
        );

        let over = vec![b'y'; MAX_RECORD_BYTES + BLOCK_BYTES];
        let error = collect(over, false).await.unwrap_err();
        assert!(LineTooLong::is(&error), "{error}");
    }

    #[test]
    fn cuts_lines_with_lf_and_crlf_keeping_blank_ones_for_numbering() {
        let records = |bytes: &[u8], cut| -> Vec<Vec<u8>> {
            let block = Block::new(bytes.to_vec(), cut);
            block.records().map(|p| p.bytes.to_vec()).collect()
        };
        assert_eq!(
            records(b"a\r\n\nb\nlast", Cut::Lines),
            [&b"a"[..], b"", b"b", b"last"]
        );
        assert_eq!(records(b"a\n", Cut::Lines), [&b"a"[..]]);
        assert!(records(b"", Cut::Lines).is_empty());
        assert_eq!(records(b"a\nb\n", Cut::Whole), [&b"a\nb\n"[..]]);
    }

    async fn events(data: &[u8]) -> io::Result<Vec<String>> {
        let mut blocks = Blocks::spawn(Box::new(Cursor::new(data.to_vec())), Cut::Events)?;
        let mut out = Vec::new();
        while let Some(block) = blocks.next().await {
            let block = block?;
            out.extend(
                block
                    .records()
                    .map(|e| String::from_utf8_lossy(e.bytes).into_owned()),
            );
        }
        Ok(out)
    }

    #[tokio::test]
    async fn a_log_file_is_cut_into_its_events_in_blocks() {
        // Where a plain event's fields are is noted as it is cut; one with
        // an escape in a key is cut as text alone.
        let event = r#"{"eventType":"AwsApiCall","eventName":"GetObject","n":[1,{"a":"}]"}]}"#;
        let escaped = r#"{"event\u0054ype":"AwsApiCall"}"#;
        let count = 3 * BLOCK_BYTES / event.len();
        let mut list = vec![event; count];
        list[count / 2] = escaped;
        let list = list.join(",\n  ");
        let file = format!("{{\"digest\": null,\n \"Records\": [\n  {list}\n ], \"n\": 12345}}\n");
        let mut blocks =
            Blocks::spawn(Box::new(Cursor::new(file.into_bytes())), Cut::Events).unwrap();
        let mut got = Vec::new();
        while let Some(block) = blocks.next().await {
            for piece in block.unwrap().records() {
                got.push((
                    String::from_utf8_lossy(piece.bytes).into_owned(),
                    piece.prepared.is_some(),
                ));
            }
        }
        assert_eq!(got.len(), count);
        for (i, (bytes, prepared)) in got.iter().enumerate() {
            if i == count / 2 {
                assert_eq!((bytes.as_str(), *prepared), (escaped, false));
            } else {
                // One that runs past what was read is cut as text alone too.
                assert_eq!(bytes, event, "event {i}");
            }
        }
        let prepared = got.iter().filter(|(_, prepared)| *prepared).count();
        assert!(prepared > count * 99 / 100, "{prepared} of {count}");
        assert_eq!(
            events(br#"{"Records":[]}"#).await.unwrap(),
            Vec::<String>::new()
        );
    }

    #[tokio::test]
    async fn what_is_no_log_file_is_named() {
        let cases: [(&[u8], &str); 9] = [
            (
                b"[1]",
                "expected a CloudTrail log file (a JSON object), got a list",
            ),
            (b"", "got nothing"),
            (
                br#"{"Records": 3}"#,
                "Records: expected a list of events, got a number",
            ),
            (br#"{"digestStartTime": "x"}"#, "a CloudTrail digest file"),
            (br#"{"other": 1}"#, "no `Records` list"),
            (br#"{"Records": [{"a":1}] } x"#, "trailing characters"),
            (br#"{"Records": [{"a":1}, {"b":"#, "JSON: "),
            (
                b"{\"Records\": [{\"a\":\"caf\xe9\"}]}",
                "a value that is not UTF-8 text at byte 14",
            ),
            (br#"{"Records": [{"a":01}]}"#, "JSON: "),
        ];
        for (file, expected) in cases {
            let error = events(file).await.unwrap_err();
            assert!(super::entries::NotALogFile::of(&error).is_some(), "{error}");
            assert!(error.to_string().contains(expected), "{expected}: {error}");
        }
    }

    #[tokio::test]
    async fn errors_far_into_a_log_file_name_their_byte() {
        // Blocks sent and the read window moved on: the place still counts
        // from the start of the file.
        let event = r#"{"eventType":"AwsApiCall","eventName":"GetObject"}"#;
        let mut file = b"{\"Records\": [".to_vec();
        for _ in 0..3 * BLOCK_BYTES / event.len() {
            file.extend_from_slice(event.as_bytes());
            file.extend_from_slice(b", ");
        }
        let at = file.len() + 1;
        file.extend_from_slice(b"{\"a\":\"caf\xe9\"}]}");
        let error = events(&file).await.unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&format!("a value that is not UTF-8 text at byte {at}")),
            "{error}"
        );
    }

    #[tokio::test]
    async fn whole_objects_are_one_block() {
        let data = b"{\"Records\": []}\n{\"more\": 1}".to_vec();
        assert_eq!(collect(data.clone(), true).await.unwrap(), vec![data]);
        assert!(collect(Vec::new(), false).await.unwrap().is_empty());
    }
}
