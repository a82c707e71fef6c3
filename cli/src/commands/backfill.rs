//! `slips backfill`: objects already in a bucket pushed into the lanes as if
//! S3 had just notified them (history, re-processing). Routed like live
//! events unless a lane is forced; resumable: a checkpoint remembers the last
//! key pushed, and a rerun starts after it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use slips::event::{Lane, ObjectEvent, PerLane};
use slips::functions::event_pusher;

use crate::stack::Deployed;

#[derive(Debug, clap::Args)]
pub struct BackfillArgs {
    #[command(flatten)]
    config: super::ConfigArg,
    /// What to push: `s3://bucket/prefix`.
    #[arg(value_name = "S3_URL")]
    from: String,
    /// Put every object on this lane instead of routing it.
    #[arg(long, value_enum)]
    lane: Option<Lane>,
    /// Only objects modified at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = super::parse_time)]
    since: Option<DateTime<Utc>>,
    /// Count what would be pushed; push nothing.
    #[arg(long)]
    dry_run: bool,
    /// Where progress is remembered between runs.
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,
}

/// What a checkpoint holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Checkpoint {
    /// The last key whose event the lane accepted.
    after: String,
    pushed: u64,
}

#[derive(Default)]
struct Counts {
    listed: usize,
    lanes: PerLane<usize>,
    dropped: usize,
}

pub fn run(args: BackfillArgs) -> anyhow::Result<ExitCode> {
    let Some((bucket, prefix)) = args
        .from
        .strip_prefix("s3://")
        .map(|rest| rest.split_once('/').unwrap_or((rest, "")))
    else {
        bail!("`{}`: expected s3://BUCKET/PREFIX", args.from);
    };
    if bucket.is_empty() {
        bail!("`{}`: no bucket", args.from);
    }
    let (forced, since) = (args.lane, args.since);
    let config = slips::config::load(&args.config)?.config;
    let checkpoint_path = args.checkpoint.clone().unwrap_or_else(|| {
        let name: String = format!("{bucket}-{prefix}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        PathBuf::from(".slips").join(format!("backfill-{name}.json"))
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let deployed = Deployed::resolve(&config.stack_name).await?;
        let lanes = deployed.lanes()?;
        let s3 = slips::aws::s3_client(&deployed.sdk);
        let resume: Option<Checkpoint> = match std::fs::read(&checkpoint_path) {
            Ok(bytes) if !args.dry_run => Some(
                serde_json::from_slice(&bytes).with_context(|| format!("{} is not a checkpoint", checkpoint_path.display()))?,
            ),
            _ => None,
        };
        if let Some(resume) = &resume {
            eprintln!("resuming after s3://{bucket}/{} ({} pushed before)", resume.after, resume.pushed);
        }
        let mut counts = Counts::default();
        let mut pushed_before = resume.as_ref().map_or(0, |c| c.pushed);
        let mut token = None;
        loop {
            let page = s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_start_after(resume.as_ref().map(|c| c.after.clone()))
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(slips::aws::sdk_error)
                .with_context(|| format!("listing {}", args.from))?;
            let mut events = Vec::new();
            let mut last_key = None;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                last_key = Some(key.to_string());
                let modified = object
                    .last_modified()
                    .and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos()));
                if since.is_some_and(|since| modified.is_some_and(|m| m < since)) {
                    continue;
                }
                counts.listed += 1;
                events.push(ObjectEvent {
                    aws_region: deployed.sdk.region().map(|r| r.to_string()).unwrap_or_default(),
                    event_time: modified.map(|m| m.to_rfc3339()).unwrap_or_default(),
                    event_name: "ObjectCreated:Backfill".into(),
                    object_size: object.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                    object_etag: object.e_tag().unwrap_or_default().trim_matches('"').to_string(),
                    ..ObjectEvent::new(bucket, key)
                });
            }
            // Routed as EventPusher routes live events (unless --lane forces one).
            let (by_lane, dropped) = event_pusher::routed(&config, events, forced, |lane| lanes.stream(lane).to_string());
            counts.dropped += dropped;
            let page_counts = by_lane.map(Vec::len);
            counts.lanes += page_counts;
            if !args.dry_run {
                event_pusher::put_routed(&lanes, &by_lane).await?;
            }
            if !args.dry_run && let Some(after) = last_key {
                // Saved only after the lanes accepted the whole page.
                pushed_before += page_counts.total() as u64;
                if let Some(dir) = checkpoint_path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let checkpoint = Checkpoint { after, pushed: pushed_before };
                std::fs::write(&checkpoint_path, serde_json::to_vec(&checkpoint)?)
                    .with_context(|| format!("writing {}", checkpoint_path.display()))?;
            }
            eprintln!(
                "{} object(s) listed: fast {}, slow {}, dropped by routing {}",
                counts.listed, counts.lanes.fast, counts.lanes.slow, counts.dropped
            );
            match page.next_continuation_token() {
                Some(next) => token = Some(next.to_string()),
                None => break,
            }
        }
        let verb = if args.dry_run { "would push" } else { "pushed" };
        println!(
            "{verb} {} object event(s) from {}: {} to the fast lane, {} to the slow lane ({} dropped by routing)",
            counts.lanes.total(),
            args.from,
            counts.lanes.fast,
            counts.lanes.slow,
            counts.dropped
        );
        if !args.dry_run {
            // Finished: the next backfill of the same prefix starts from the beginning.
            let _ = std::fs::remove_file(&checkpoint_path);
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
