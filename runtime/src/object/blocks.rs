//! Cutting a decompressed object into blocks of whole records, on a thread
//! of its own: the async side parses one block while the next is decompressed.

use std::io::{self, Read};

use tokio::sync::mpsc;

use super::ObjectBody;
use super::decode::{self, Compression};

/// Target size of a block: large enough that per-block costs vanish, small
/// enough that a few in flight keep memory bounded.
pub const BLOCK_BYTES: usize = 1 << 20;
/// Longest record (line, or whole object for `s3-text`) we hold in memory.
pub const MAX_RECORD_BYTES: usize = 256 << 20;
/// Blocks decoded ahead of the parser.
const BLOCKS_AHEAD: usize = 2;

/// The decoded content of one object, as a stream of blocks.
pub struct Blocks {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    compression: mpsc::Receiver<Compression>,
}

impl Blocks {
    /// Starts decoding `body` on its own thread. With `whole`, the object is
    /// one block (`s3-text`); otherwise each block ends at a line end.
    pub fn spawn(body: ObjectBody, whole: bool) -> io::Result<Blocks> {
        let (tx, rx) = mpsc::channel(BLOCKS_AHEAD);
        let (compression_tx, compression) = mpsc::channel(1);
        std::thread::Builder::new()
            .name("slips-decode".into())
            .spawn(move || {
                let result = decode::decompress(body).and_then(|(found, reader)| {
                    let _ = compression_tx.blocking_send(found);
                    if whole {
                        read_whole(reader, &tx)
                    } else {
                        cut_lines(reader, &tx)
                    }
                });
                if let Err(error) = result {
                    let _ = tx.blocking_send(Err(error));
                }
            })?;
        Ok(Blocks { rx, compression })
    }

    /// The compression found, once decoding has started.
    pub async fn compression(&mut self) -> Option<Compression> {
        self.compression.recv().await
    }

    /// The next block; `None` at the end of the object.
    pub async fn next(&mut self) -> Option<io::Result<Vec<u8>>> {
        self.rx.recv().await
    }
}

/// Why a send failed: the reader went away (an error there), so stop quietly.
struct Gone;

fn send(tx: &mpsc::Sender<io::Result<Vec<u8>>>, block: Vec<u8>) -> Result<(), Gone> {
    tx.blocking_send(Ok(block)).map_err(|_| Gone)
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

fn cut_lines(
    mut reader: Box<dyn Read + Send>,
    tx: &mpsc::Sender<io::Result<Vec<u8>>>,
) -> io::Result<()> {
    let mut block: Vec<u8> = Vec::with_capacity(BLOCK_BYTES);
    // How much of `block` is known to hold no line end: only what a read
    // adds is searched, so a long line costs one pass over its bytes.
    let mut scanned = 0;
    loop {
        let want = BLOCK_BYTES.saturating_sub(block.len()).max(BLOCK_BYTES / 4) as u64;
        let read = (&mut reader).take(want).read_to_end(&mut block)?;
        if read == 0 {
            if !block.is_empty() && send(tx, block).is_err() {
                return Ok(());
            }
            return Ok(());
        }
        if block.len() < BLOCK_BYTES {
            continue;
        }
        match memchr::memrchr(b'\n', &block[scanned..]) {
            Some(end) => {
                let end = scanned + end;
                let mut next = Vec::with_capacity(BLOCK_BYTES);
                next.extend_from_slice(&block[end + 1..]);
                block.truncate(end + 1);
                scanned = 0;
                if send(tx, std::mem::replace(&mut block, next)).is_err() {
                    return Ok(());
                }
            }
            None if block.len() > MAX_RECORD_BYTES => {
                return Err(io::Error::new(io::ErrorKind::InvalidData, LineTooLong));
            }
            None => scanned = block.len(),
        }
    }
}

fn read_whole(
    reader: Box<dyn Read + Send>,
    tx: &mpsc::Sender<io::Result<Vec<u8>>>,
) -> io::Result<()> {
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
    let _ = send(tx, whole);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    async fn collect(data: Vec<u8>, whole: bool) -> io::Result<Vec<Vec<u8>>> {
        let mut blocks = Blocks::spawn(Box::new(Cursor::new(data)), whole)?;
        let mut out = Vec::new();
        while let Some(block) = blocks.next().await {
            out.push(block?);
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

    #[tokio::test]
    async fn whole_objects_are_one_block() {
        let data = b"{\"Records\": []}\n{\"more\": 1}".to_vec();
        assert_eq!(collect(data.clone(), true).await.unwrap(), vec![data]);
        assert!(collect(Vec::new(), false).await.unwrap().is_empty());
    }
}
