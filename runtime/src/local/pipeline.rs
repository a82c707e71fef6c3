//! `slips run --local`: emit the files of the local buckets as object events,
//! route them with EventPusher onto the two durable lanes, let each lane's
//! Dispatcher hand batches to Main at the lane's pace, and record failures
//! through the DLQ and Reporter in the error table.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use serde::Serialize;

use super::counters::{Counters, snapshot};
use super::invoker::LocalInvoker;
use super::objects::LocalStore;
use super::progress::Progress;
use super::scan::{LocalObject, scan};
use super::state::LocalState;
use crate::config::Config;
use crate::event::{Lane, ObjectEvent};
use crate::functions::dispatcher::LaneBatch;
use crate::functions::{dispatcher, event_pusher, reporter};
use crate::handler::Handler;
use crate::telemetry;

/// How often idle loops look for new work.
const POLL: Duration = Duration::from_millis(50);
/// How often `--watch` rescans the buckets, by default.
pub const RESCAN: Duration = Duration::from_secs(1);

/// Where and how to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub buckets: PathBuf,
    pub state: PathBuf,
    /// Keep running and pick up new files as they appear.
    pub watch: bool,
    /// Emit every file again, as if none had been seen.
    pub reprocess: bool,
    /// Draw the live progress line.
    pub progress: bool,
    /// How often `watch` rescans the buckets.
    pub rescan: Duration,
}

/// What this run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Object events emitted by this run.
    pub objects: u64,
    /// Object events whose invocation succeeded in this run (drained ones included).
    pub processed: u64,
    /// Object events that ended in the error table in this run.
    pub failed: u64,
    /// Object events routed to drop.
    pub dropped: u64,
    /// Records delivered to the handler by successful invocations.
    pub records: u64,
    /// Records that did not parse and were skipped (`on_parse_error: skip`).
    pub skipped: u64,
    /// Records over their `multiline` limits, skipped.
    pub too_large: u64,
    /// Records the mappings' `filter` left out.
    pub filtered: u64,
    /// Records their `sample` left out.
    pub sampled_out: u64,
    /// What the functions counted in this run, as CloudWatch would in
    /// Lambda: `function[.lane].Name` → count (see `telemetry::tally`).
    pub metrics: BTreeMap<String, u64>,
}

/// Runs the pipeline until every event reached an end state (or, with
/// `watch`, until `stop` is set).
pub async fn run<H: Handler>(
    config: &Config,
    options: &Options,
    stop: &AtomicBool,
) -> anyhow::Result<RunSummary> {
    let counted_before = telemetry::tally();
    let state = Arc::new(LocalState::open(&options.state)?);
    if options.reprocess {
        state.forget_emitted()?;
    }
    let counters = Arc::new(Counters::default());
    let invoker = LocalInvoker::<H> {
        config,
        store: LocalStore::buckets(&options.buckets),
        state: state.clone(),
        counters: counters.clone(),
        handler: std::marker::PhantomData,
    };
    let emitted_all = AtomicBool::new(false);
    let lanes_done = AtomicBool::new(false);
    let finished = AtomicBool::new(false);

    let emitter = async {
        let result = emit_loop(config, options, &state, &counters, stop).await;
        emitted_all.store(true, Ordering::SeqCst);
        result
    };
    let lanes = async {
        let fast = lane_loop(
            config,
            Lane::Fast,
            &state,
            &invoker,
            &counters,
            &emitted_all,
            stop,
        );
        let slow = lane_loop(
            config,
            Lane::Slow,
            &state,
            &invoker,
            &counters,
            &emitted_all,
            stop,
        );
        let result = tokio::try_join!(fast, slow).map(|_| ());
        lanes_done.store(true, Ordering::SeqCst);
        result
    };
    let reporter = async {
        let result = reporter_loop(config, &state, &counters, &lanes_done).await;
        finished.store(true, Ordering::SeqCst);
        result
    };
    let progress = async {
        let mut display = options.progress.then(Progress::new);
        while !finished.load(Ordering::SeqCst) {
            if let Some(display) = &mut display {
                display.show(&snapshot(&state, &counters));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        if let Some(display) = &mut display {
            display.finish(&snapshot(&state, &counters));
        }
        Ok::<_, anyhow::Error>(())
    };
    tokio::try_join!(emitter, lanes, reporter, progress)?;
    Ok(RunSummary {
        objects: counters.objects.load(Ordering::SeqCst),
        processed: counters.processed.load(Ordering::SeqCst),
        failed: counters.failed.load(Ordering::SeqCst),
        dropped: counters.dropped.load(Ordering::SeqCst),
        records: counters.records.load(Ordering::SeqCst),
        skipped: counters.skipped.load(Ordering::SeqCst),
        too_large: counters.too_large.load(Ordering::SeqCst),
        filtered: counters.filtered.load(Ordering::SeqCst),
        sampled_out: counters.sampled_out.load(Ordering::SeqCst),
        metrics: counted_since(&counted_before),
    })
}

/// The counts made since `before`, leaving out those that did not change.
fn counted_since(before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    telemetry::tally()
        .into_iter()
        .map(|(name, total)| {
            let count = total.saturating_sub(before.get(&name).copied().unwrap_or_default());
            (name, count)
        })
        .filter(|(_, count)| *count != 0)
        .collect()
}

/// Emits new and changed files, once or (watching) until stopped.
async fn emit_loop(
    config: &Config,
    options: &Options,
    state: &LocalState,
    counters: &Counters,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    // Files seen unchanged since this run started: rescans skip the database for them.
    let mut seen: HashMap<(String, String), (u64, i64)> = HashMap::new();
    loop {
        for object in scan(&options.buckets)? {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let id = (object.bucket.clone(), object.key.clone());
            if seen.get(&id) == Some(&(object.size, object.modified)) {
                continue;
            }
            if !state.is_new(&object.bucket, &object.key, object.size, object.modified)? {
                seen.insert(id, (object.size, object.modified));
                continue;
            }
            let pushed = event_pusher::push(config, state, vec![object_event(&object)], |lane| {
                format!("local-{lane}")
            })
            .await?;
            // Marked after the put: a crash in between emits the file again (at least once).
            state.mark_emitted(&object.bucket, &object.key, object.size, object.modified)?;
            seen.insert(id, (object.size, object.modified));
            counters.objects.fetch_add(1, Ordering::Relaxed);
            for (lane, events) in pushed.lanes.iter() {
                counters.routed[lane].fetch_add(*events as u64, Ordering::Relaxed);
            }
            counters
                .dropped
                .fetch_add(pushed.dropped as u64, Ordering::Relaxed);
        }
        if !options.watch || stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        tokio::time::sleep(options.rescan).await;
    }
}

/// The ObjectCreated event S3 would send for a local file.
fn object_event(object: &LocalObject) -> ObjectEvent {
    let time = Utc.timestamp_nanos(object.modified);
    ObjectEvent {
        aws_region: "local".into(),
        event_time: time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        object_size: object.size,
        sequencer: Some(format!("{:016X}", object.modified)),
        ..ObjectEvent::new(&object.bucket, &object.key)
    }
}

/// One lane's Dispatcher: batches in arrival order, Main, then the lane's delay.
async fn lane_loop<H: Handler>(
    config: &Config,
    lane: Lane,
    state: &LocalState,
    invoker: &LocalInvoker<'_, H>,
    counters: &Counters,
    emitted_all: &AtomicBool,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    let throttle = match lane {
        Lane::Fast => &config.backend.lane.fast,
        Lane::Slow => &config.backend.lane.slow,
    };
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        // Read before the lane: an emitter that finished before this read has put everything.
        let emitter_done = emitted_all.load(Ordering::SeqCst);
        let batch = state.lane_head(lane, throttle.batch_size as usize)?;
        if batch.is_empty() {
            if emitter_done {
                return Ok(());
            }
            tokio::time::sleep(POLL).await;
            continue;
        }
        let seqs: Vec<i64> = batch.iter().map(|(seq, _)| *seq).collect();
        let positions: Vec<String> = seqs.iter().map(i64::to_string).collect();
        let records = batch
            .iter()
            .zip(&positions)
            .map(|((_, data), seq)| (seq.as_str(), data.as_bytes()));
        let batch = LaneBatch::decode(lane, records);
        counters
            .in_flight
            .fetch_add(seqs.len() as u64, Ordering::Relaxed);
        // Nothing more can arrive after this batch: no need to wait out the throttle.
        let last = emitter_done && state.lane_len(lane)? == seqs.len() as u64;
        let delay = match last {
            true => Duration::ZERO,
            false => Duration::from_secs(u64::from(throttle.delay)),
        };
        let dispatched = dispatcher::dispatch(
            config,
            invoker,
            state,
            &batch,
            delay,
            dispatcher::INVOKE_RETRY_BUDGET,
        )
        .await?;
        counters.failed.fetch_add(
            (dispatched.undecodable + dispatched.kept) as u64,
            Ordering::Relaxed,
        );
        // Acknowledged once Main succeeded or the DLQ has it, after the pause
        // as Kinesis checkpoints: a crash before this line runs the batch
        // again (at least once).
        state.ack(&seqs)?;
        counters
            .in_flight
            .fetch_sub(seqs.len() as u64, Ordering::Relaxed);
    }
}

/// The Reporter: DLQ messages into the error table, until the lanes are done
/// and the DLQ is empty.
async fn reporter_loop(
    config: &Config,
    state: &LocalState,
    counters: &Counters,
    lanes_done: &AtomicBool,
) -> anyhow::Result<()> {
    loop {
        let lanes_finished = lanes_done.load(Ordering::SeqCst);
        match state.dlq_head()? {
            Some((seq, failure)) => {
                reporter::report(config, state, std::slice::from_ref(&failure)).await?;
                state.dlq_remove(seq)?;
                counters
                    .failed
                    .fetch_add(failure.events.len() as u64, Ordering::Relaxed);
            }
            None if lanes_finished => return Ok(()),
            None => tokio::time::sleep(POLL).await,
        }
    }
}
