//! log-counter: counts records, and records per tag.
//!
//! Result: `{"records": N, "tags": {"<tag>": n, ...}}` (untagged records
//! count only in `records`). With `args: {fail_on: TEXT}` a record whose raw
//! text contains TEXT fails the invocation: a way to see the error path;
//! `panic_on: TEXT` panics instead, to see that a panic is a failure too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use slips::{Handler, Meta, Record};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    /// Fail on a record containing this text.
    fail_on: Option<String>,
    /// Panic on a record containing this text.
    panic_on: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct Counts {
    records: u64,
    tags: BTreeMap<String, u64>,
}

struct LogCounter {
    fail_on: Option<String>,
    panic_on: Option<String>,
    counts: Counts,
}

impl Handler for LogCounter {
    type Args = Args;
    type Output = Counts;

    async fn setup(args: Args) -> slips::Result<Self> {
        Ok(LogCounter {
            fail_on: args.fail_on.filter(|text| !text.is_empty()),
            panic_on: args.panic_on.filter(|text| !text.is_empty()),
            counts: Counts::default(),
        })
    }

    async fn recv(&mut self, meta: &Meta<'_>, record: &Record<'_>) -> slips::Result<()> {
        if let Some(needle) = &self.fail_on
            && memchr::memmem::find(&record.raw(), needle.as_bytes()).is_some()
        {
            slips::bail!("record contains `{needle}` (fail_on)");
        }
        if let Some(needle) = &self.panic_on
            && memchr::memmem::find(&record.raw(), needle.as_bytes()).is_some()
        {
            panic!("record contains `{needle}` (panic_on)");
        }
        self.counts.records += 1;
        if let Some(tag) = meta.tag {
            *self.counts.tags.entry(tag.to_string()).or_default() += 1;
        }
        Ok(())
    }

    async fn result(self) -> slips::Result<Counts> {
        Ok(self.counts)
    }
}

fn main() -> std::process::ExitCode {
    slips::run::<LogCounter>()
}
