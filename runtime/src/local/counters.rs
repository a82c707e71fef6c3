//! What a local run counts, shared by its loops, and the moment's view of
//! it the progress line draws.

use std::sync::atomic::{AtomicU64, Ordering};

use super::state::LocalState;
use crate::event::{Lane, PerLane};

/// Shared counters of a run.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) objects: AtomicU64,
    pub(super) routed: PerLane<AtomicU64>,
    pub(super) dropped: AtomicU64,
    pub(super) in_flight: AtomicU64,
    pub(super) processed: AtomicU64,
    pub(super) failed: AtomicU64,
    pub(super) records: AtomicU64,
    pub(super) skipped: AtomicU64,
    pub(super) too_large: AtomicU64,
    pub(super) filtered: AtomicU64,
    pub(super) sampled_out: AtomicU64,
}

impl Counters {
    pub(super) fn succeeded(&self, summary: &crate::functions::main::Summary) {
        self.processed.fetch_add(summary.objects, Ordering::Relaxed);
        self.records.fetch_add(summary.records, Ordering::Relaxed);
        self.skipped.fetch_add(summary.skipped, Ordering::Relaxed);
        self.too_large
            .fetch_add(summary.too_large, Ordering::Relaxed);
        self.filtered.fetch_add(summary.filtered, Ordering::Relaxed);
        self.sampled_out
            .fetch_add(summary.sampled_out, Ordering::Relaxed);
    }
}

/// The counters and queue lengths at one moment, for the progress line.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub fast: u64,
    pub slow: u64,
    pub dropped: u64,
    pub waiting_fast: u64,
    pub waiting_slow: u64,
    pub in_flight: u64,
    pub processed: u64,
    pub failed: u64,
    pub records: u64,
}

pub(super) fn snapshot(state: &LocalState, counters: &Counters) -> Snapshot {
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    Snapshot {
        fast: load(&counters.routed.fast),
        slow: load(&counters.routed.slow),
        dropped: load(&counters.dropped),
        waiting_fast: state.lane_len(Lane::Fast).unwrap_or(0),
        waiting_slow: state.lane_len(Lane::Slow).unwrap_or(0),
        in_flight: load(&counters.in_flight),
        processed: load(&counters.processed),
        failed: load(&counters.failed),
        records: load(&counters.records),
    }
}
