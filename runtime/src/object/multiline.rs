//! Joining lines into records (`multiline`): a line that matches the
//! rule's `start` ends the record before it, and every other line is joined
//! to the record it follows. Runs on the decode thread, after the cut into
//! lines, so records spanning blocks come out whole.

use slips_contract::config::Multiline;

use super::blocks::{BLOCK_BYTES, Block, Cut, Gone, Sender, send};

/// Lines in, blocks of joined records out.
pub(super) struct Joiner<'a> {
    rule: &'a Multiline,
    tx: &'a Sender,
    block: Block,
    open: Option<Open>,
}

/// The record being joined: where it starts in the block, and its size so far.
struct Open {
    start: usize,
    lines: u32,
    size: u64,
    too_large: bool,
}

impl<'a> Joiner<'a> {
    pub(super) fn new(rule: &'a Multiline, tx: &'a Sender) -> Self {
        Joiner {
            rule,
            tx,
            block: Block::listed(),
            open: None,
        }
    }

    /// Takes a block of whole lines.
    pub(super) fn lines(&mut self, bytes: Vec<u8>) -> Result<(), Gone> {
        let lines = Block::new(bytes, Cut::Lines);
        for line in lines.records() {
            self.line(line.bytes)?;
        }
        Ok(())
    }

    fn line(&mut self, line: &[u8]) -> Result<(), Gone> {
        if self.open.is_some() && self.rule.start.regex().is_match(line) {
            self.close()?;
        }
        let max_bytes = self.rule.max_bytes;
        let bytes = &mut self.block.bytes;
        match &mut self.open {
            None => {
                let too_large = line.len() as u64 > max_bytes;
                self.open = Some(Open {
                    start: bytes.len(),
                    lines: 1,
                    size: line.len() as u64,
                    too_large,
                });
                // A record too large keeps only its start, for its message.
                let kept = line
                    .len()
                    .min(usize::try_from(max_bytes).unwrap_or(usize::MAX));
                bytes.extend_from_slice(&line[..kept]);
            }
            Some(open) => {
                open.lines = open.lines.saturating_add(1);
                open.size += 1 + line.len() as u64;
                open.too_large |= open.lines > self.rule.max_lines || open.size > max_bytes;
                if !open.too_large {
                    bytes.push(b'\n');
                    bytes.extend_from_slice(line);
                }
            }
        }
        Ok(())
    }

    /// Ends the open record; sends the block once it is full.
    fn close(&mut self) -> Result<(), Gone> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        // Blank lines before the next record are counted, not kept.
        let bytes = &mut self.block.bytes;
        while bytes.len() > open.start && bytes.last().is_some_and(u8::is_ascii_whitespace) {
            bytes.pop();
        }
        self.block.end_record(open.lines, open.size, open.too_large);
        if self.block.bytes.len() >= BLOCK_BYTES {
            let full = std::mem::replace(&mut self.block, Block::listed());
            send(self.tx, full)?;
        }
        Ok(())
    }

    /// Ends the last record and sends what is left.
    pub(super) fn finish(mut self) -> Result<(), Gone> {
        self.close()?;
        if self.block.listed_records() > 0 {
            send(self.tx, self.block)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use slips_contract::config::Pattern;

    use super::super::Blocks;
    use super::*;

    /// Each record as (first line, lines, too large, text).
    async fn joined(data: &str, max_lines: u32, max_bytes: u64) -> Vec<(u64, u32, bool, String)> {
        let rule = Multiline {
            start: Pattern::new(r"^\d{4}-\d\d-\d\d ").unwrap(),
            max_lines,
            max_bytes,
        };
        let body = Box::new(Cursor::new(data.as_bytes().to_vec()));
        let mut blocks = Blocks::spawn_joined(body, rule).unwrap();
        let (mut out, mut line) = (Vec::new(), 0);
        while let Some(block) = blocks.next().await {
            for piece in block.unwrap().records() {
                let text = String::from_utf8(piece.bytes.to_vec()).unwrap();
                out.push((line + 1, piece.lines, piece.too_large, text));
                line += u64::from(piece.lines);
            }
        }
        out
    }

    #[tokio::test]
    async fn continuation_lines_join_the_record_they_follow() {
        let log = "2026-12-02 10:00:00 ERROR boom\n\
                   java.lang.IllegalStateException: x\n\
                   \tat a.b(C.java:1)\r\n\
                   \n\
                   2026-12-02 10:00:01 INFO fine\n\
                   2026-12-02 10:00:02 WARN last\n\
                   \tcontinued";
        assert_eq!(
            joined(log, 1000, 1 << 20).await,
            [
                (
                    1,
                    4,
                    false,
                    "2026-12-02 10:00:00 ERROR boom\njava.lang.IllegalStateException: x\n\tat a.b(C.java:1)".into()
                ),
                (5, 1, false, "2026-12-02 10:00:01 INFO fine".into()),
                (6, 2, false, "2026-12-02 10:00:02 WARN last\n\tcontinued".into()),
            ]
        );
        // Lines before the first start are a record of their own: nothing is lost.
        let headless = "\tat x\n\tat y\n2026-12-02 10:00:00 A\n";
        let records = joined(headless, 1000, 1 << 20).await;
        assert_eq!(records[0], (1, 2, false, "\tat x\n\tat y".into()));
        assert_eq!(records[1].0, 3);
    }

    #[tokio::test]
    async fn a_record_over_its_limits_is_marked_and_bounded() {
        let mut log = String::from("2026-12-02 10:00:00 ERROR deep\n");
        log.push_str(&"\tat frame\n".repeat(20));
        log.push_str("2026-12-02 10:00:01 INFO after\n");
        let records = joined(&log, 5, 1 << 20).await;
        assert_eq!(records.len(), 2);
        let (line, lines, too_large, text) = &records[0];
        assert_eq!((*line, *lines, *too_large), (1, 21, true));
        assert_eq!(text.lines().count(), 5, "keeps only what fits");
        assert_eq!(
            records[1],
            (22, 1, false, "2026-12-02 10:00:01 INFO after".into())
        );

        let records = joined(&log, 1000, 40).await;
        assert!(records[0].2, "over max_bytes");
        assert!(records[0].3.len() <= 40);
    }

    #[tokio::test]
    async fn records_across_blocks_stay_whole() {
        let record = "2026-12-02 10:00:00 E\n\tat a\n\tat b\n";
        let count = 3 * BLOCK_BYTES / record.len();
        let records = joined(&record.repeat(count), 1000, 1 << 20).await;
        assert_eq!(records.len(), count);
        assert!(records.iter().all(|r| r.1 == 3 && r.3 == record.trim_end()));
        assert_eq!(records[count - 1].0, 3 * (count as u64 - 1) + 1);
    }
}
