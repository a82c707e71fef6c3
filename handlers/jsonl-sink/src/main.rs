//! jsonl-sink: writes each record as one JSON line
//! `{"meta": {...}, "record": <the record>}`, appended to `args.path` (or
//! stdout without a path), flushed before the result. Result: `{"records": N}`.
//!
//! The simplest useful handler, and the test oracle of slips' own tests.

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use slips::{Context, Handler, Meta, Record};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    /// File the lines are appended to; stdout when absent.
    path: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct Written {
    records: u64,
}

struct JsonlSink {
    out: BufWriter<Box<dyn Write + Send>>,
    records: u64,
}

/// One output line.
#[derive(Serialize)]
struct Line<'a> {
    meta: &'a Meta<'a>,
    record: &'a serde_json::value::RawValue,
}

impl Handler for JsonlSink {
    type Args = Args;
    type Output = Written;

    async fn setup(args: Args) -> slips::Result<Self> {
        let out: Box<dyn Write + Send> = match &args.path {
            Some(path) => {
                let mut file = OpenOptions::new()
                    .create(true)
                    .read(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("opening {}", path.display()))?;
                // A writer killed mid-line leaves a torn last line: start on a fresh one.
                if ends_torn(&mut file)? {
                    file.write_all(b"\n")?;
                }
                Box::new(file)
            }
            None => Box::new(std::io::stdout()),
        };
        Ok(JsonlSink {
            out: BufWriter::new(out),
            records: 0,
        })
    }

    async fn recv(&mut self, meta: &Meta<'_>, record: &Record<'_>) -> slips::Result<()> {
        // JSON records go out as they are, on one line (a record written
        // over several lines is compacted); anything else as a JSON string.
        let raw = record.raw();
        let json = if !record.is_json() {
            serde_json::to_string(&record.text()?)?
        } else if raw.contains(&b'\n') || raw.contains(&b'\r') {
            serde_json::to_string(&record.value()?)?
        } else {
            String::from_utf8(raw.into_owned())?
        };
        let record = serde_json::value::RawValue::from_string(json)?;
        let line = serde_json::to_vec(&Line {
            meta,
            record: &record,
        })?;
        quiet_if_closed(
            self.out
                .write_all(&line)
                .and_then(|()| self.out.write_all(b"\n")),
        )?;
        self.records += 1;
        Ok(())
    }

    async fn result(mut self) -> slips::Result<Written> {
        quiet_if_closed(self.out.flush()).context("flushing the output")?;
        Ok(Written {
            records: self.records,
        })
    }
}

/// A reader that went away (`jsonl-sink ... | head`) ends the run quietly,
/// as command-line tools do; other write errors are errors.
fn quiet_if_closed(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other,
    }
}

/// Whether the file is non-empty and does not end with a newline.
fn ends_torn(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

fn main() -> std::process::ExitCode {
    slips::run::<JsonlSink>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips::testing::Trial;

    #[test]
    fn writes_one_json_line_per_record_with_its_meta() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.jsonl");
        let ran = Trial::new("s3-lines,json")
            .args(serde_json::json!({"path": path}))
            .skip_parse_errors()
            .run_blocking::<JsonlSink>(b"{\"user\":\"ann\"}\nnot json\n{\"user\":\"bob\"}\n")
            .expect("writes");
        assert_eq!(ran.output.records, 2);
        assert_eq!(ran.skipped, 1);
        assert_eq!(
            ran.records.iter().map(|r| r.line).collect::<Vec<_>>(),
            [Some(1), Some(3)]
        );
        let written = std::fs::read_to_string(&path).expect("output");
        let lines: Vec<serde_json::Value> = written
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect();
        assert_eq!(lines.len(), 2, "{written}");
        assert_eq!(lines[1]["record"], serde_json::json!({"user": "bob"}));
        assert_eq!(lines[1]["meta"]["line"], 3);
    }
}
