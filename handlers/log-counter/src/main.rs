//! log-counter: counts records, and records per tag.
//!
//! Result: `{"records": N, "tags": {"<tag>": n, ...}}` (untagged records
//! count only in `records`). With `args: {fail_on: TEXT}` a record whose raw
//! text contains TEXT fails the invocation: a way to see the error path;
//! `panic_on: TEXT` panics instead, to see that a panic is a failure too.

use std::collections::BTreeMap;

use memchr::memmem::Finder;
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
    // Searchers built once: each record is searched, and building one costs
    // more than searching a short record.
    fail_on: Option<Finder<'static>>,
    panic_on: Option<Finder<'static>>,
    counts: Counts,
}

fn finder(text: Option<String>) -> Option<Finder<'static>> {
    text.filter(|text| !text.is_empty())
        .map(|text| Finder::new(text.as_bytes()).into_owned())
}

impl Handler for LogCounter {
    type Args = Args;
    type Output = Counts;

    async fn setup(args: Args) -> slips::Result<Self> {
        Ok(LogCounter {
            fail_on: finder(args.fail_on),
            panic_on: finder(args.panic_on),
            counts: Counts::default(),
        })
    }

    async fn recv(&mut self, meta: &Meta<'_>, record: &Record<'_>) -> slips::Result<()> {
        if let Some(needle) = &self.fail_on
            && needle.find(&record.raw()).is_some()
        {
            let needle = String::from_utf8_lossy(needle.needle());
            slips::bail!("record contains `{needle}` (fail_on)");
        }
        if let Some(needle) = &self.panic_on
            && needle.find(&record.raw()).is_some()
        {
            let needle = String::from_utf8_lossy(needle.needle());
            panic!("record contains `{needle}` (panic_on)");
        }
        self.counts.records += 1;
        if let Some(tag) = meta.tag {
            // A new String only for a tag not seen before.
            match self.counts.tags.get_mut(tag) {
                Some(count) => *count += 1,
                None => {
                    self.counts.tags.insert(tag.to_string(), 1);
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use slips::testing::Trial;

    #[test]
    fn counts_records_and_records_per_tag() {
        let trail = br#"{"Records":[{"eventType":"AwsApiCall","eventName":"GetObject"},{"eventType":"AwsConsoleSignIn","eventName":"ConsoleLogin"},{"eventType":"AwsApiCall","eventName":"PutObject"}]}"#;
        let ran = Trial::new("s3-text,json,cloudtrail")
            .run_blocking::<LogCounter>(trail)
            .expect("counts");
        assert_eq!(ran.output.records, 3);
        assert_eq!(ran.output.tags["aws.cloudtrail.AwsApiCall"], 2);
        assert_eq!(ran.output.tags["aws.cloudtrail.AwsConsoleSignIn"], 1);
    }

    #[test]
    fn fail_on_fails_the_object_naming_its_line() {
        let error = Trial::new("s3-lines")
            .args(serde_json::json!({"fail_on": "POISON"}))
            .key("app.log")
            .run_blocking::<LogCounter>(b"fine\nPOISON here\n")
            .expect_err("fails");
        assert!(
            format!("{error:#}")
                .ends_with("app.log:2: the handler failed: record contains `POISON` (fail_on)"),
            "{error:#}"
        );
    }

    #[test]
    fn unknown_args_are_refused() {
        let error = Trial::new("s3-lines")
            .args(serde_json::json!({"fail_onn": "x"}))
            .run_blocking::<LogCounter>(b"x\n")
            .expect_err("refused");
        assert!(
            format!("{error:#}").contains("unknown field `fail_onn`"),
            "{error:#}"
        );
    }
}
