//! `pipeline`: the whole pipeline on local buckets (what `slips run --local` runs).

use std::path::{Path, PathBuf};

use super::say;
use crate::functions::main;
use crate::handler::Handler;

/// How the local pipeline runs: `slips run --local`'s options, which it
/// passes on to the handler binary as they are.
#[derive(Debug, Clone, clap::Args)]
pub struct PipelineArgs {
    /// Each subdirectory is a bucket; each file in it an object.
    #[arg(long, value_name = "DIR", default_value = "buckets")]
    pub buckets: PathBuf,
    /// Where lanes, DLQ, error table and the emitted files are kept.
    #[arg(long, value_name = "DIR", default_value = ".slips")]
    pub state: PathBuf,
    /// Keep running and pick up new files as they appear (Ctrl-C stops).
    #[arg(long)]
    pub watch: bool,
    /// Emit every file again, as if none had been seen.
    #[arg(long)]
    pub reprocess: bool,
    /// `text`: a live progress line and a summary; `json`: one JSON object
    /// (objects, processed, failed, dropped, records) as the last line of stdout.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

impl PipelineArgs {
    /// These options as command-line arguments again.
    pub fn to_args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = vec![
            "--buckets".into(),
            self.buckets.clone().into(),
            "--state".into(),
            self.state.clone().into(),
            "--output".into(),
            self.output.clone().into(),
        ];
        if self.watch {
            args.push("--watch".into());
        }
        if self.reprocess {
            args.push("--reprocess".into());
        }
        args
    }
}

/// Runs the pipeline with `options` until it is done (or, watching, stopped).
pub(super) async fn run<H: Handler>(config: &Path, options: PipelineArgs) -> anyhow::Result<()> {
    let config = crate::config::load(config)?.config;
    // Before any file is emitted: args that do not fit would fail them all.
    main::handler_args::<H>(&config)?;
    let json = options.output == "json";
    let options = crate::local::Options {
        buckets: options.buckets,
        state: options.state,
        watch: options.watch,
        reprocess: options.reprocess,
        progress: !json,
        rescan: crate::local::RESCAN,
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let on_signal = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let summary = crate::local::run::<H>(&config, &options, &stop).await?;
    if json {
        say(serde_json::to_string(&summary)?)?;
    } else {
        say(format!(
            "{} objects emitted ({} dropped by routing); {} processed, {} failed into the error table; {} records, {} skipped{}",
            summary.objects,
            summary.dropped,
            summary.processed,
            summary.failed,
            summary.records,
            summary.skipped,
            crate::functions::main::left_out(
                summary.too_large,
                summary.filtered,
                summary.sampled_out
            )
        ))?;
        let counted: Vec<String> = summary
            .metrics
            .iter()
            .map(|(name, count)| format!("{name} {count}"))
            .collect();
        say(format!(
            "counted (as CloudWatch would): {}",
            counted.join(", ")
        ))?;
        if summary.failed > 0 {
            say(
                "see them with `slips errors --local`; after a fix, `slips drain --local` and run again",
            )?;
        }
    }
    Ok(())
}
