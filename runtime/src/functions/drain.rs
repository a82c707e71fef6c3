//! Drain: error-table events back into the lane they came from, page by
//! page; and the failure queue's messages replayed the same way. An item is deleted (or, when only some of its events were
//! selected, keeps the others) only after its lanes accepted every selected
//! event. Interrupted and rerun, it loses nothing (an item put but not yet
//! deleted is put again: every consumer is idempotent).

use crate::config::Config;
use crate::error_table::{ErrorItem, ErrorStore, Failure, Malformed, Selection};
use crate::event::{Lane, ObjectEvent, PerLane};
use crate::failures::{self, BatchRange, FailureKind, FailureQueue, QueuedFailure};
use crate::functions::dispatcher::LaneBatch;
use crate::functions::event_pusher;
use crate::lanes::{LaneReader, LaneWriter, ReadBack};
use crate::telemetry::{ItemsDrained, QueueReplayed};

/// What a drain did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Drained {
    /// Items with a selected event.
    pub items: usize,
    /// Selected events, put back on their lanes.
    pub events: usize,
    /// Of those, on each lane.
    #[serde(flatten)]
    pub lanes: PerLane<usize>,
    /// Items slips cannot read, skipped (and left in the table).
    #[serde(default)]
    pub malformed: usize,
    /// Items holding a lane record that is no object event: nothing to
    /// replay, left in the table for a human (`slips error ID` shows it).
    #[serde(default)]
    pub not_events: usize,
}

/// What the drain tells its caller as it goes.
pub enum Progress<'a> {
    /// An item's selected events are back on their lanes.
    Item(&'a ErrorItem, &'a Drained),
    /// An item that could not be read, skipped.
    Malformed(&'a Malformed),
    /// An item holding a lane record instead of events, left as it is.
    NotEvents(&'a ErrorItem),
}

/// The Drain's entry point, the same in Lambda and from the CLI: drains
/// the selected events, one page of the table at a time.
pub async fn drain<S: ErrorStore, W: LaneWriter>(
    store: &S,
    lanes: &W,
    selection: &Selection,
    dry_run: bool,
    mut progress: impl FnMut(Progress<'_>),
) -> anyhow::Result<Drained> {
    let mut drained = Drained::default();
    let mut start = None;
    loop {
        let page = store.page(start).await?;
        for malformed in &page.malformed {
            tracing::warn!(
                request_id = malformed.request_id,
                reason = malformed.reason,
                "error item skipped: not one slips can read"
            );
            drained.malformed += 1;
            progress(Progress::Malformed(malformed));
        }
        for item in &page.items {
            if item.events.is_empty() && selection.matches(item) {
                drained.not_events += 1;
                progress(Progress::NotEvents(item));
                continue;
            }
            let selected = selection.events(item);
            if selected.is_empty() {
                continue;
            }
            // Each event goes back to its own lane; the item's lane, else fast, when it has none.
            let fallback = item.lane.unwrap_or(Lane::Fast);
            let put = put_back(lanes, selected.iter().copied(), fallback, dry_run).await?;
            drained.lanes += put;
            drained.events += put.total();
            if !dry_run {
                if selected.len() == item.events.len() {
                    store.delete(&item.request_id).await?;
                } else {
                    let rest: Vec<ObjectEvent> = item
                        .events
                        .iter()
                        .filter(|e| !selected.iter().any(|s| std::ptr::eq(*s, *e)))
                        .cloned()
                        .collect();
                    store.keep(&item.request_id, &rest).await?;
                }
            }
            drained.items += 1;
            progress(Progress::Item(item, &drained));
        }
        match page.next {
            Some(next) => start = Some(next),
            None => break,
        }
    }
    ItemsDrained {
        drained: &drained,
        dry_run,
    }
    .emit();
    Ok(drained)
}

/// What a drain of the failure queue did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Replayed {
    /// Messages whose events are back on their lanes (then deleted).
    pub messages: usize,
    /// Events put back on the lanes.
    pub events: usize,
    /// Of those, on each lane.
    #[serde(flatten)]
    pub lanes: PerLane<usize>,
    /// Events of notifications that routing drops (as EventPusher would).
    pub dropped: usize,
    /// Records of lane batches that are no object events, kept in the error table.
    pub undecodable: usize,
    /// Messages left in the queue (unreadable, expired, or not wholly selected).
    pub left: usize,
}

/// What the replay tells its caller about each message.
pub enum ReplayStep<'a> {
    /// Its events are back on their lanes (`count` of them).
    Replayed(&'a QueuedFailure, usize),
    /// Left in the queue, and why.
    Left(&'a QueuedFailure, String),
}

/// How long a replay hides a message it works on: longer than any put.
const REPLAY_HIDE: std::time::Duration = std::time::Duration::from_secs(300);

/// Drains the failure queue: each message's object events back into their
/// lanes (a lane batch read again from its stream; a notification routed
/// again), the message deleted only after its lanes accepted all of them.
/// A message slips cannot read, whose records expired, or only some of
/// whose events `selection` takes, is left where it is. Every message read
/// and not deleted is released at the end, visible to the next command.
pub async fn replay_failures<Q, L, E>(
    config: &Config,
    queue: &Q,
    lanes: &L,
    errors: &E,
    selection: &Selection,
    dry_run: bool,
    mut progress: impl FnMut(ReplayStep<'_>),
) -> anyhow::Result<Replayed>
where
    Q: FailureQueue,
    L: LaneWriter + LaneReader,
    E: ErrorStore,
{
    let mut replayed = Replayed::default();
    let mut kept: Vec<QueuedFailure> = Vec::new();
    // Hidden while the drain reads on, so each message is seen once.
    let hide = match dry_run {
        true => failures::LIST_HIDE,
        false => REPLAY_HIDE,
    };
    let work = async {
        loop {
            let batch = queue.receive(hide).await?;
            if batch.is_empty() {
                return Ok::<_, anyhow::Error>(());
            }
            for message in batch {
                let step = replay_one(config, lanes, errors, selection, dry_run, &message).await?;
                match step {
                    Ok(done) => {
                        replayed.lanes += done.lanes;
                        replayed.dropped += done.dropped;
                        replayed.undecodable += done.undecodable;
                        replayed.events = replayed.lanes.total();
                        replayed.messages += 1;
                        match dry_run {
                            true => kept.push(message.clone()),
                            false => queue.delete(&message).await?,
                        }
                        progress(ReplayStep::Replayed(&message, done.lanes.total()));
                    }
                    Err(why) => {
                        replayed.left += 1;
                        progress(ReplayStep::Left(&message, why));
                        kept.push(message);
                    }
                }
            }
        }
    };
    let result = work.await;
    for message in &kept {
        queue.release(message).await?;
    }
    result?;
    QueueReplayed {
        replayed: &replayed,
        dry_run,
    }
    .emit();
    Ok(replayed)
}

/// Replays one message's events (unless `dry_run`): what it put, or why it
/// stays in the queue.
async fn replay_one<L: LaneWriter + LaneReader, E: ErrorStore>(
    config: &Config,
    lanes: &L,
    errors: &E,
    selection: &Selection,
    dry_run: bool,
    message: &QueuedFailure,
) -> anyhow::Result<Result<Replayed, String>> {
    let (events, undecodable) = match message.kind() {
        FailureKind::Unreadable(reason) => return Ok(Err(format!("not readable: {reason}"))),
        FailureKind::Events { events, .. } => (events, Vec::new()),
        FailureKind::LaneBatch(range) => {
            let ReadBack { lane, records } = lanes.read(&range).await?;
            if let Some(why) = incomplete(&range, &records) {
                return Ok(Err(why));
            }
            let records = records
                .iter()
                .map(|(seq, data)| (seq.as_str(), data.as_slice()));
            let batch = LaneBatch::decode(lane.unwrap_or(Lane::Fast), records);
            (batch.events, batch.undecodable)
        }
    };
    if !events.iter().all(|e| selection.takes(e, None)) {
        return Ok(Err("only some of its events are selected".into()));
    }
    let mut done = Replayed {
        undecodable: undecodable.len(),
        ..Replayed::default()
    };
    // A dead letter of Main names each event's lane; a notification is routed again.
    let (with_lane, to_route): (Vec<_>, Vec<_>) =
        events.into_iter().partition(|e| e.lane.is_some());
    done.lanes += put_back(lanes, with_lane.iter(), Lane::Fast, dry_run).await?;
    if !to_route.is_empty() {
        let pushed = match dry_run {
            false => event_pusher::push(config, lanes, to_route, |l| l.to_string()).await?,
            true => event_pusher::route(config, to_route),
        };
        done.lanes += pushed.lanes;
        done.dropped += pushed.dropped;
    }
    if !dry_run {
        for (record, reason) in &undecodable {
            errors
                .record(&Failure::undecodable(record.clone(), reason))
                .await?;
        }
    }
    Ok(Ok(done))
}

/// Why `records`, read back from a lane, are not the whole batch `range`
/// names, if they are not: the message then stays. A stream drops its
/// oldest records first, so a batch past its retention loses its start:
/// replaying the rest and deleting the message would hide the loss. A read
/// that stopped before the batch's end would drop its last records.
fn incomplete(range: &BatchRange, records: &[(String, Vec<u8>)]) -> Option<String> {
    let at = format!(
        "{} {} from {}",
        range.stream_arn, range.shard_id, range.start_sequence_number
    );
    let Some((first, _)) = records.first() else {
        return Some(format!("no record of {at} is left in the stream (expired)"));
    };
    if *first != range.start_sequence_number {
        return Some(format!(
            "the first records of {at} are gone from the stream (expired): {} of {} are left, \
             from {first}",
            records.len(),
            range.batch_size
        ));
    }
    if let Some((last, _)) = records.last()
        && *last != range.end_sequence_number
    {
        return Some(format!(
            "the records of {at} were read back only up to {last}, not to {}",
            range.end_sequence_number
        ));
    }
    // Batch info without a size (0) has only its ends to check.
    if range.batch_size > 0 && records.len() as u64 != range.batch_size {
        return Some(format!(
            "{} of the {} records of {at} were read back",
            records.len(),
            range.batch_size
        ));
    }
    None
}

/// Puts events back on their lanes (`fallback` for one that names none),
/// one put per lane, unless `dry_run`; the counts.
async fn put_back<'a, W: LaneWriter>(
    lanes: &W,
    events: impl Iterator<Item = &'a ObjectEvent> + Clone,
    fallback: Lane,
    dry_run: bool,
) -> anyhow::Result<PerLane<usize>> {
    let mut counts = PerLane::default();
    for lane in Lane::ALL {
        let on_lane: Vec<ObjectEvent> = events
            .clone()
            .filter(|e| e.lane.unwrap_or(fallback) == lane)
            .cloned()
            .collect();
        if on_lane.is_empty() {
            continue;
        }
        if !dry_run {
            lanes.put(lane, &on_lane).await?;
        }
        counts[lane] += on_lane.len();
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: &str, batch_size: u64) -> BatchRange {
        BatchRange {
            stream_arn: "arn:aws:kinesis:us-east-1:123456789012:stream/slow".into(),
            shard_id: "shardId-000000000000".into(),
            start_sequence_number: start.into(),
            end_sequence_number: "49003".into(),
            batch_size,
            approximate_arrival_of_first_record: None,
        }
    }

    fn records(sequence_numbers: &[&str]) -> Vec<(String, Vec<u8>)> {
        sequence_numbers
            .iter()
            .map(|s| (s.to_string(), b"{}".to_vec()))
            .collect()
    }

    #[test]
    fn a_whole_batch_read_back_is_complete() {
        let read = records(&["49001", "49002", "49003"]);
        assert_eq!(incomplete(&range("49001", 3), &read), None);
        // Batch info without a size: the start is all there is to check.
        assert_eq!(incomplete(&range("49001", 0), &read), None);
    }

    #[test]
    fn a_batch_whose_start_expired_stays_in_the_queue() {
        let why =
            incomplete(&range("49001", 3), &records(&["49002", "49003"])).expect("incomplete");
        assert!(why.contains("first records"), "{why}");
        assert!(why.contains("2 of 3 are left, from 49002"), "{why}");
        let why = incomplete(&range("49001", 3), &[]).expect("incomplete");
        assert!(why.contains("no record"), "{why}");
        let why =
            incomplete(&range("49001", 3), &records(&["49001", "49003"])).expect("incomplete");
        assert!(why.contains("2 of the 3 records"), "{why}");
        // A read that stopped early, with or without a size to count.
        for size in [3, 0] {
            let why = incomplete(&range("49001", size), &records(&["49001", "49002"]))
                .expect("incomplete");
            assert!(why.contains("only up to 49002, not to 49003"), "{why}");
        }
    }
}
