//! The one live status line at the foot of a terminal (the local pipeline's
//! progress), and the stderr writer that lets log lines pass above it
//! instead of running into it.

use std::io::{self, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The status line drawn now, if any.
static SHOWN: Mutex<Option<String>> = Mutex::new(None);

fn shown() -> MutexGuard<'static, Option<String>> {
    SHOWN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Draws `line` as the status line, in place of the one before.
#[cfg(not(slips_lambda))] // Lambda has no terminal
pub fn show(line: String) {
    let mut shown = shown();
    let mut err = io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{line}");
    let _ = err.flush();
    *shown = Some(line);
}

/// Leaves the status line as drawn; what is written next starts below it.
#[cfg(not(slips_lambda))]
pub fn finish() {
    if shown().take().is_some() {
        let _ = writeln!(io::stderr());
    }
}

/// Stderr for log lines: with a status line shown, the log line takes its
/// place and the status line is drawn again below it.
pub struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let shown = shown();
        pass_above(&mut io::stderr().lock(), shown.as_deref(), buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// Writes `log` (whole lines) where the status line is, then the status line again.
fn pass_above(out: &mut impl Write, status: Option<&str>, log: &[u8]) -> io::Result<()> {
    match status {
        Some(line) => {
            out.write_all(b"\r\x1b[2K")?;
            out.write_all(log)?;
            out.write_all(line.as_bytes())
        }
        None => out.write_all(log),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_line_takes_the_status_lines_place_and_it_is_drawn_again_below() {
        let mut out = Vec::new();
        pass_above(&mut out, Some("done 3 | failed 0"), b"WARN something\n").expect("write");
        assert_eq!(out, b"\r\x1b[2KWARN something\ndone 3 | failed 0");
        let mut out = Vec::new();
        pass_above(&mut out, None, b"WARN something\n").expect("write");
        assert_eq!(out, b"WARN something\n");
    }
}
