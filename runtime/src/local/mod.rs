//! The embedded local pipeline: the whole stack on one machine, with the
//! same functions as on AWS over local adapters (a SQLite state for lanes,
//! DLQ and error table; a directory per bucket; Main run in-process).

mod counters;
mod invoker;
mod objects;
mod pipeline;
mod progress;
mod scan;
mod state;

pub use invoker::LocalInvoker;
pub use objects::LocalStore;
pub use pipeline::{Options, RESCAN, RunSummary, run};
pub use scan::{LocalObject, scan};
pub use state::{DATABASE, LocalState};
