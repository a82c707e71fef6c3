//! The live progress line of `slips run --local`, on stderr.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use super::counters::Snapshot;

/// Draws the progress line: redrawn in place on a terminal, one line every
/// few seconds elsewhere (CI logs).
pub struct Progress {
    terminal: bool,
    started: Instant,
    last_line: Instant,
}

impl Progress {
    pub fn new() -> Self {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last_line: Instant::now(),
        }
    }

    pub fn show(&mut self, snapshot: &Snapshot) {
        let every = if self.terminal { 0.0 } else { 5.0 };
        if self.last_line.elapsed().as_secs_f64() < every {
            return;
        }
        self.last_line = Instant::now();
        let line = self.line(snapshot);
        if self.terminal {
            crate::status_line::show(line);
        } else {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }

    pub fn finish(&mut self, snapshot: &Snapshot) {
        if self.terminal {
            crate::status_line::show(self.line(snapshot));
            crate::status_line::finish();
        }
    }

    fn line(&self, s: &Snapshot) -> String {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        format!(
            "routed fast {} slow {} dropped {} | waiting fast {} slow {} | in flight {} | done {} | failed {} | {:.0} records/s",
            s.fast,
            s.slow,
            s.dropped,
            s.waiting_fast,
            s.waiting_slow,
            s.in_flight,
            s.processed,
            s.failed,
            s.records as f64 / seconds
        )
    }
}
