//! Drain: error-table items back into the lane they came from, each item
//! deleted only after its lane accepted every one of its events. Interrupted
//! and rerun, it loses nothing (an item put but not yet deleted is put again:
//! every consumer is idempotent).

use crate::error_table::{self, ErrorItem, ErrorStore, Selection};
use crate::event::Lane;
use crate::lanes::LaneWriter;

/// What a drain did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Drained {
    pub items: usize,
    pub events: usize,
    pub fast: usize,
    pub slow: usize,
}

/// Drains the selected items; `progress` sees each item as it is done.
pub async fn drain<S: ErrorStore, W: LaneWriter>(
    store: &S,
    lanes: &W,
    selection: &Selection,
    dry_run: bool,
    mut progress: impl FnMut(&ErrorItem, &Drained),
) -> anyhow::Result<Drained> {
    let items = error_table::select(store, selection).await?;
    let mut drained = Drained::default();
    for item in &items {
        // Each event goes back to its own lane; the item's lane, else fast, when it has none.
        let fallback = item.lane.unwrap_or(Lane::Fast);
        for lane in Lane::ALL {
            let events: Vec<_> = item
                .events
                .iter()
                .filter(|e| e.lane.unwrap_or(fallback) == lane)
                .cloned()
                .collect();
            if events.is_empty() {
                continue;
            }
            if !dry_run {
                lanes.put(lane, &events).await?;
            }
            match lane {
                Lane::Fast => drained.fast += events.len(),
                Lane::Slow => drained.slow += events.len(),
            }
            drained.events += events.len();
        }
        if !dry_run {
            store.delete(&item.request_id).await?;
        }
        drained.items += 1;
        progress(item, &drained);
    }
    tracing::info!(
        items = drained.items,
        events = drained.events,
        dry_run,
        "drain done"
    );
    Ok(drained)
}
