//! The embedded local pipeline end to end: objects/s and records/s on many
//! small and on a few large objects, and the fast lane's latency (file
//! written → handler done) with an idle slow lane and with a 10,000-object
//! backlog on a throttled slow lane.
//!
//! `cargo bench -p slips --bench local_pipeline`

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use slips::config::Config;
use slips::local::{self, Options};
use slips::{Handler, Meta, Record};

/// When each object's invocation finished.
static DONE: Mutex<Vec<(String, Instant)>> = Mutex::new(Vec::new());

/// Counts records and notes when the objects of an invocation are done.
struct Timing {
    keys: BTreeSet<String>,
}

impl Handler for Timing {
    type Args = serde_json::Value;
    type Output = usize;

    async fn setup(_: serde_json::Value) -> slips::Result<Self> {
        Ok(Timing {
            keys: BTreeSet::new(),
        })
    }

    async fn recv(&mut self, meta: &Meta<'_>, _: &Record<'_>) -> slips::Result<()> {
        if !self.keys.contains(&meta.source.key) {
            self.keys.insert(meta.source.key.clone());
        }
        Ok(())
    }

    async fn result(self) -> slips::Result<usize> {
        let now = Instant::now();
        let mut done = DONE
            .lock()
            .map_err(|_| slips::anyhow::anyhow!("poisoned"))?;
        let n = self.keys.len();
        done.extend(self.keys.into_iter().map(|k| (k, now)));
        Ok(n)
    }
}

fn config(fast_batch: u32, slow_delay: u32) -> Config {
    serde_json::from_value(json!({
        "stack_name": "bench",
        "backend": {
            "sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}],
            "lane": {"fast": {"delay": 0, "batch_size": fast_batch}, "slow": {"delay": slow_delay, "batch_size": 1}}
        },
        "handler": {"path": "."},
        "routing": [{"prefix": "slow/", "dest": "slow"}],
        "bucket_mapping": {"logs": [{"prefix": "", "format": ["s3-lines", "json"]}]},
    }))
    .expect("bench config")
}

fn options(dir: &Path, watch: bool) -> Options {
    Options {
        buckets: dir.join("buckets"),
        state: dir.join("state"),
        watch,
        reprocess: false,
        progress: false,
        rescan: Duration::from_millis(20),
    }
}

fn write_object(dir: &Path, key: &str, lines: usize, gzip: bool) -> anyhow::Result<u64> {
    let path = dir.join("buckets/logs").join(key);
    std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
    let mut raw = Vec::with_capacity(lines * 120);
    for line in 0..lines {
        writeln!(
            raw,
            r#"{{"eventTime":"2026-11-22T08:15:30Z","eventName":"GetObject","object":"{key}","line":{line},"sourceIPAddress":"203.0.113.{}"}}"#,
            line % 250
        )?;
    }
    let bytes = raw.len() as u64;
    if gzip {
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path)?,
            flate2::Compression::fast(),
        );
        gz.write_all(&raw)?;
        gz.finish()?;
    } else {
        std::fs::write(&path, raw)?;
    }
    Ok(bytes)
}

fn throughput(
    runtime: &tokio::runtime::Runtime,
    label: &str,
    objects: usize,
    lines: usize,
    gzip: bool,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut bytes = 0;
    for i in 0..objects {
        bytes += write_object(
            dir.path(),
            &format!("fast/{i:05}.json{}", if gzip { ".gz" } else { "" }),
            lines,
            gzip,
        )?;
    }
    let config = config(10, 0);
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let summary = runtime.block_on(local::run::<Timing>(
        &config,
        &options(dir.path(), false),
        &stop,
    ))?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(summary.processed == objects as u64, "processed {summary:?}");
    println!(
        "{label}: {objects} objects x {lines} lines ({:.0} MB): {:.2} s, {:.0} objects/s, {:.0} records/s, {:.0} MB/s",
        bytes as f64 / 1e6,
        seconds,
        objects as f64 / seconds,
        summary.records as f64 / seconds,
        bytes as f64 / 1e6 / seconds
    );
    Ok(())
}

/// p50 and p99 of the fast lane's latency, with `backlog` slow objects waiting.
fn latency(
    runtime: &tokio::runtime::Runtime,
    backlog: usize,
) -> anyhow::Result<(Duration, Duration)> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("buckets/logs"))?;
    for i in 0..backlog {
        write_object(dir.path(), &format!("slow/{i:05}.json"), 5, false)?;
    }
    let config = config(1, 2);
    let options = options(dir.path(), true);
    let stop = Arc::new(AtomicBool::new(false));
    DONE.lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clear();
    let probes = 100;
    let written: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    runtime.block_on(async {
        let pipeline = local::run::<Timing>(&config, &options, &stop);
        let writer = async {
            // Let the emitter put the backlog on the slow lane first.
            let settle = Instant::now();
            while settle.elapsed() < Duration::from_secs(120) {
                let backlog_done =
                    DONE.lock().map(|d| !d.is_empty()).unwrap_or(false) || backlog == 0;
                if backlog_done {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            for i in 0..probes {
                let key = format!("fast/probe-{i:03}.json");
                write_object(dir.path(), &key, 20, false)?;
                written
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .push((key, Instant::now()));
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let probes_done = {
                    let done = DONE.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
                    done.iter()
                        .filter(|(k, _)| k.starts_with("fast/probe-"))
                        .count()
                };
                if probes_done >= probes || Instant::now() > deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            stop.store(true, Ordering::SeqCst);
            Ok::<_, anyhow::Error>(())
        };
        let (summary, written) = tokio::join!(pipeline, writer);
        summary?;
        written
    })?;
    let done = DONE.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let written = written.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let mut latencies: Vec<Duration> = written
        .iter()
        .filter_map(|(key, at)| {
            done.iter()
                .find(|(k, _)| k == key)
                .map(|(_, end)| end.duration_since(*at))
        })
        .collect();
    anyhow::ensure!(
        latencies.len() == probes,
        "{} of {probes} probes done",
        latencies.len()
    );
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let slow_done = done.iter().filter(|(k, _)| k.starts_with("slow/")).count();
    println!(
        "fast lane latency with {backlog} slow objects waiting ({slow_done} of them done during the run): p50 {:.1} ms, p99 {:.1} ms",
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3
    );
    Ok((pick(0.5), pick(0.99)))
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    throughput(&runtime, "small objects", 1_000, 20, false)?;
    throughput(&runtime, "large objects", 10, 200_000, true)?;
    let (_, idle) = latency(&runtime, 0)?;
    let (_, busy) = latency(&runtime, 10_000)?;
    println!(
        "fast lane p99 with a 10,000-object slow backlog / with an idle slow lane: {:.2}x (target <= 2x)",
        busy.as_secs_f64() / idle.as_secs_f64()
    );
    Ok(())
}
