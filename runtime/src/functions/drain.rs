//! Drain: error-table events back into the lane they came from, page by
//! page. An item is deleted (or, when only some of its events were
//! selected, keeps the others) only after its lanes accepted every selected
//! event. Interrupted and rerun, it loses nothing (an item put but not yet
//! deleted is put again: every consumer is idempotent).

use crate::error_table::{ErrorItem, ErrorStore, Malformed, Selection};
use crate::event::{Lane, ObjectEvent};
use crate::lanes::LaneWriter;

/// What a drain did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Drained {
    /// Items with a selected event.
    pub items: usize,
    /// Selected events, put back on their lanes.
    pub events: usize,
    pub fast: usize,
    pub slow: usize,
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
            for lane in Lane::ALL {
                let events: Vec<ObjectEvent> = selected
                    .iter()
                    .filter(|e| e.lane.unwrap_or(fallback) == lane)
                    .map(|e| (*e).clone())
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
    tracing::info!(
        items = drained.items,
        events = drained.events,
        malformed = drained.malformed,
        dry_run,
        "drain done"
    );
    Ok(drained)
}
