//! The local pipeline's durable state, in one SQLite database in the state
//! directory: files already emitted, the two lanes, the DLQ and the error
//! table. Every change is a transaction, so a process killed at any moment
//! leaves a state the next run resumes from.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error_table::{ErrorItem, ErrorStore, Failure, Malformed, Page};
use crate::event::{Lane, ObjectEvent};
use crate::lanes::{self, LaneError, LaneWriter};

/// The database file inside the state directory.
pub const DATABASE: &str = "state.db";
/// Items per page when the error table is read page by page.
const ERROR_PAGE: usize = 100;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS emitted (
    bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, modified INTEGER NOT NULL,
    PRIMARY KEY (bucket, key));
CREATE TABLE IF NOT EXISTS lane (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, lane TEXT NOT NULL, event TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS lane_order ON lane (lane, seq);
CREATE TABLE IF NOT EXISTS dlq (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, failure TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS errors (
    request_id TEXT PRIMARY KEY, item TEXT NOT NULL);
";

/// The state directory's database.
pub struct LocalState {
    db: Mutex<Connection>,
}

/// A lane record as stored: its position in the lane and its data.
pub type LaneRecord = (i64, String);

impl LocalState {
    /// Opens (creating if needed) the state in `dir`.
    pub fn open(dir: &Path) -> anyhow::Result<LocalState> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the state directory {}", dir.display()))?;
        let path = dir.join(DATABASE);
        let db = Connection::open(&path).with_context(|| format!("opening {}", path.display()))?;
        // WAL: readers (`slips errors`) never block the running pipeline, and
        // a killed process loses no committed transaction.
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.busy_timeout(std::time::Duration::from_secs(30))?;
        db.execute_batch(SCHEMA)
            .with_context(|| format!("preparing {}", path.display()))?;
        Ok(LocalState { db: Mutex::new(db) })
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a file is new or changed since it was last emitted.
    pub fn is_new(
        &self,
        bucket: &str,
        key: &str,
        size: u64,
        modified: i64,
    ) -> anyhow::Result<bool> {
        let seen: Option<(i64, i64)> = self
            .db()
            .query_row(
                "SELECT size, modified FROM emitted WHERE bucket = ?1 AND key = ?2",
                params![bucket, key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        Ok(seen != Some((size as i64, modified)))
    }

    /// Remembers that a file was emitted.
    pub fn mark_emitted(
        &self,
        bucket: &str,
        key: &str,
        size: u64,
        modified: i64,
    ) -> anyhow::Result<()> {
        self.db().execute(
            "INSERT OR REPLACE INTO emitted (bucket, key, size, modified) VALUES (?1, ?2, ?3, ?4)",
            params![bucket, key, size as i64, modified],
        )?;
        Ok(())
    }

    /// Forgets every emitted file (`--reprocess`).
    pub fn forget_emitted(&self) -> anyhow::Result<()> {
        self.db().execute("DELETE FROM emitted", [])?;
        Ok(())
    }

    /// The oldest `limit` records of a lane, in arrival order (decoded by
    /// the Dispatcher, as Kinesis records are).
    pub fn lane_head(&self, lane: Lane, limit: usize) -> anyhow::Result<Vec<LaneRecord>> {
        let db = self.db();
        let mut query =
            db.prepare_cached("SELECT seq, event FROM lane WHERE lane = ?1 ORDER BY seq LIMIT ?2")?;
        let rows = query.query_map(params![lane.name(), limit as i64], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes records whose batch reached an end state.
    pub fn ack(&self, seqs: &[i64]) -> anyhow::Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        for seq in seqs {
            tx.execute("DELETE FROM lane WHERE seq = ?1", [seq])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records waiting on each lane.
    pub fn lane_len(&self, lane: Lane) -> anyhow::Result<u64> {
        let n: i64 = self.db().query_row(
            "SELECT COUNT(*) FROM lane WHERE lane = ?1",
            [lane.name()],
            |row| row.get(0),
        )?;
        Ok(n as u64)
    }

    /// A failed invocation for the reporter.
    pub fn dlq_push(&self, failure: &Failure) -> anyhow::Result<()> {
        let text = serde_json::to_string(failure)?;
        self.db()
            .execute("INSERT INTO dlq (failure) VALUES (?1)", [text])?;
        Ok(())
    }

    /// The oldest DLQ message, if any, with its position (to remove it once recorded).
    pub fn dlq_head(&self) -> anyhow::Result<Option<(i64, Failure)>> {
        let row: Option<(i64, String)> = self
            .db()
            .query_row(
                "SELECT seq, failure FROM dlq ORDER BY seq LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        row.map(|(seq, text)| {
            let failure: Failure =
                serde_json::from_str(&text).with_context(|| format!("DLQ message {seq}"))?;
            Ok((seq, failure))
        })
        .transpose()
    }

    pub fn dlq_remove(&self, seq: i64) -> anyhow::Result<()> {
        self.db().execute("DELETE FROM dlq WHERE seq = ?1", [seq])?;
        Ok(())
    }
}

impl LaneWriter for LocalState {
    async fn put(&self, lane: Lane, events: &[ObjectEvent]) -> Result<(), LaneError> {
        let fail = |e: rusqlite::Error| LaneError {
            lane,
            count: events.len(),
            reason: e.to_string(),
        };
        let mut db = self.db();
        let tx = db.transaction().map_err(fail)?;
        for event in events {
            let text = String::from_utf8_lossy(&lanes::encode(event)).into_owned();
            tx.execute(
                "INSERT INTO lane (lane, event) VALUES (?1, ?2)",
                params![lane.name(), text],
            )
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }
}

impl ErrorStore for LocalState {
    async fn record(&self, failure: &Failure) -> anyhow::Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT item FROM errors WHERE request_id = ?1",
                [&failure.request_id],
                |row| row.get(0),
            )
            .optional()?;
        let existing = existing
            .map(|text| serde_json::from_str::<ErrorItem>(&text))
            .transpose()?;
        let item = ErrorItem::recorded(existing, failure);
        tx.execute(
            "INSERT OR REPLACE INTO errors (request_id, item) VALUES (?1, ?2)",
            params![item.request_id, serde_json::to_string(&item)?],
        )?;
        tx.commit()?;
        Ok(())
    }

    async fn page(&self, start: Option<String>) -> anyhow::Result<Page> {
        let db = self.db();
        let mut query = db.prepare_cached(
            "SELECT request_id, item FROM errors WHERE request_id > ?1 ORDER BY request_id LIMIT ?2",
        )?;
        let rows = query.query_map(
            params![start.unwrap_or_default(), ERROR_PAGE as i64],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
        )?;
        let mut page = Page::default();
        let mut last = None;
        for row in rows {
            let (request_id, text) = row?;
            match serde_json::from_str::<ErrorItem>(&text) {
                Ok(item) => page.items.push(item),
                Err(error) => page.malformed.push(Malformed {
                    request_id: request_id.clone(),
                    reason: error.to_string(),
                }),
            }
            last = Some(request_id);
        }
        let full = page.items.len() + page.malformed.len() == ERROR_PAGE;
        page.next = last.filter(|_| full);
        Ok(page)
    }

    async fn get(&self, request_id: &str) -> anyhow::Result<Option<ErrorItem>> {
        let text: Option<String> = self
            .db()
            .query_row(
                "SELECT item FROM errors WHERE request_id = ?1",
                [request_id],
                |row| row.get(0),
            )
            .optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(anyhow::Error::from))
            .transpose()
    }

    async fn delete(&self, request_id: &str) -> anyhow::Result<()> {
        self.db()
            .execute("DELETE FROM errors WHERE request_id = ?1", [request_id])?;
        Ok(())
    }

    async fn keep(&self, request_id: &str, events: &[ObjectEvent]) -> anyhow::Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let text: Option<String> = tx
            .query_row(
                "SELECT item FROM errors WHERE request_id = ?1",
                [request_id],
                |row| row.get(0),
            )
            .optional()?;
        let Some(text) = text else {
            anyhow::bail!("no error item {request_id} to update");
        };
        let mut item: ErrorItem = serde_json::from_str(&text)?;
        item.events = events.to_vec();
        tx.execute(
            "UPDATE errors SET item = ?2 WHERE request_id = ?1",
            params![request_id, serde_json::to_string(&item)?],
        )?;
        tx.commit()?;
        Ok(())
    }
}
