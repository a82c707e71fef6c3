//! `slips test`: golden files for mappings. Each sample object under DIR
//! (`DIR/BUCKET/KEY`, as `slips run --local --buckets` lays them out) is read
//! as the config's `bucket_mapping` says, and the records it gives (line,
//! tag, timestamp, record), the records left out and the object's failure
//! must equal its `KEY.expected.jsonl` beside it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Value, json};
use slips::config::{Config, Dest};
use slips::event::ObjectEvent;
use slips::local::{LocalStore, scan};
use slips::testing::{Mapped, mapped};

use super::ConfigArg;

/// What follows a sample object's name in its expected file's.
pub const EXPECTED: &str = ".expected.jsonl";

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// The samples: DIR/BUCKET/KEY, each with its KEY.expected.jsonl.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Write each sample's expected file from what it gives now (review
    /// the change with your version control).
    #[arg(long)]
    pub update: bool,
}

pub fn run(args: TestArgs) -> anyhow::Result<ExitCode> {
    let Some(loaded) = super::package::load(&args.config)? else {
        return Ok(ExitCode::FAILURE);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(test(&loaded.config, &args))
}

async fn test(config: &Config, args: &TestArgs) -> anyhow::Result<ExitCode> {
    let store = LocalStore::buckets(&args.dir);
    let mut samples: Vec<_> = scan(&args.dir)?
        .into_iter()
        .filter(|object| !object.key.ends_with(EXPECTED))
        .collect();
    samples.sort_by(|a, b| (&a.bucket, &a.key).cmp(&(&b.bucket, &b.key)));
    if samples.is_empty() {
        anyhow::bail!(
            "no sample objects under {} (lay them out as DIR/BUCKET/KEY)",
            args.dir.display()
        );
    }
    let (mut passed, mut failed, mut written) = (0, 0, 0);
    for sample in &samples {
        let name = format!("{}/{}", sample.bucket, sample.key);
        let expected_file = store.path(&sample.bucket, &format!("{}{EXPECTED}", sample.key));
        if config.route(&sample.bucket, &sample.key) == Dest::Drop {
            println!("FAIL {name}: routing drops it, so Main never reads it (not a sample)");
            failed += 1;
            continue;
        }
        if config.mapping_for(&sample.bucket, &sample.key).is_none() {
            println!("FAIL {name}: no bucket_mapping entry of the config maps it");
            failed += 1;
            continue;
        }
        let event = ObjectEvent {
            object_size: sample.size,
            ..ObjectEvent::new(&sample.bucket, &sample.key)
        };
        let mapped = mapped(config, &store, &event).await?;
        let actual = golden_lines(&mapped);
        let expected = match std::fs::read_to_string(&expected_file) {
            Ok(text) => Some(read_golden(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).context(format!("reading {}", expected_file.display())),
        };
        if args.update {
            // A file that does not read is rewritten too: --update is how to mend it.
            if !matches!(&expected, Some(Ok(lines)) if *lines == actual) {
                write(&expected_file, &actual)?;
                println!("wrote {}", expected_file.display());
                written += 1;
            }
            continue;
        }
        match expected {
            Some(Err(error)) => {
                println!(
                    "FAIL {name}: {} is not an expected file: {error:#}",
                    expected_file.display()
                );
                failed += 1;
            }
            Some(Ok(expected)) if expected == actual => {
                println!("ok   {name} ({})", plural(mapped.records.len(), "record"));
                passed += 1;
            }
            Some(Ok(expected)) => {
                println!("FAIL {name}: differs from {}", expected_file.display());
                print!("{}", diff(&expected, &actual));
                failed += 1;
            }
            None => {
                println!(
                    "FAIL {name}: no {} (`--update` writes it from what the object gives now)",
                    expected_file.display()
                );
                failed += 1;
            }
        }
    }
    if args.update {
        let unchanged = samples.len() - written - failed;
        print!(
            "{} written, {unchanged} unchanged",
            plural(written, "expected file")
        );
        match failed {
            0 => println!(),
            _ => println!(", {failed} failed"),
        }
    } else {
        println!("{passed} passed, {failed} failed");
    }
    Ok(match failed {
        0 => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    })
}

/// The expected file's lines for what an object gave: one per record, then
/// the records left out (when any were) and the object's failure (if it
/// failed).
fn golden_lines(mapped: &Mapped) -> Vec<Value> {
    let mut lines: Vec<Value> = mapped
        .records
        .iter()
        .map(|seen| {
            let mut line = serde_json::Map::new();
            if let Some(number) = seen.line {
                line.insert("line".into(), json!(number));
            }
            if let Some(tag) = &seen.tag {
                line.insert("tag".into(), json!(tag));
            }
            if let Some(time) = seen.timestamp {
                line.insert(
                    "timestamp".into(),
                    json!(time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                );
            }
            // A JSON object or list as its value (so fields compare, not
            // spacing); any other record as its text (`42` or `"x"` as
            // written, not as JSON that would look like another record).
            let structured = seen.text.trim_start().starts_with(['{', '[']);
            let record = match structured {
                true => serde_json::from_str(&seen.text).unwrap_or(json!(seen.text)),
                false => json!(seen.text),
            };
            line.insert("record".into(), record);
            Value::Object(line)
        })
        .collect();
    let summary = &mapped.summary;
    let left_out: serde_json::Map<String, Value> = [
        ("skipped", summary.skipped),
        ("too_large", summary.too_large),
        ("filtered", summary.filtered),
        ("sampled_out", summary.sampled_out),
    ]
    .into_iter()
    .filter(|(_, count)| *count > 0)
    .map(|(name, count)| (name.to_string(), json!(count)))
    .collect();
    if !left_out.is_empty() {
        lines.push(json!({ "left_out": left_out }));
    }
    if let Some(error) = &mapped.error {
        lines.push(json!({ "error": error }));
    }
    lines
}

/// An expected file's lines, one JSON value each (blank lines aside).
/// Values compare as JSON, so spacing and key order do not count.
fn read_golden(text: &str) -> anyhow::Result<Vec<Value>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).with_context(|| format!("line {}: not JSON", i + 1))
        })
        .collect()
}

fn plural(count: usize, what: &str) -> String {
    match count {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

fn write(file: &Path, lines: &[Value]) -> anyhow::Result<()> {
    let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
    std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))
}

/// A unified diff of expected (`-`) against actual (`+`), indented. An
/// expected line equal to an actual one is shown as that one, so a
/// different key order written by hand is no difference here either.
fn diff(expected: &[Value], actual: &[Value]) -> String {
    let shown = |line: &Value| {
        actual
            .iter()
            .find(|a| *a == line)
            .unwrap_or(line)
            .to_string()
    };
    let expected: String = expected.iter().map(|l| shown(l) + "\n").collect();
    let actual: String = actual.iter().map(|l| format!("{l}\n")).collect();
    similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(2)
        .header("expected", "actual")
        .to_string()
        .lines()
        .map(|line| format!("    {line}\n"))
        .collect()
}
