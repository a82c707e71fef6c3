//! Main's throughput on a gzip object, next to `gzip -dc` (and `pigz -dc`
//! when installed), or with `zstd`/`bzip2` on such an object next to
//! `zstd -dc`/`bzip2 -dc`, on the same file in the same run (the machine is shared and noisy: compare the ratio),
//! and next to the floor on one core: the same decompression into memory
//! in this process, with and without the cut into lines, and with the
//! other core busy checking JSON (as Main's parser keeps it).
//!
//! `cargo bench -p slips --bench main_throughput [-- MB] [cloudtrail | rules] [zstd | bzip2]`
//! (default 200 MB of ~1 KB CloudTrail-like events): JSON lines read with
//! `s3-lines, json`, or with `cloudtrail` one CloudTrail log file
//! (`{"Records": [...]}`) read with `s3-text, json, cloudtrail`. Prints MB/s
//! of uncompressed data, records/s, and the ratio to `gzip -dc`; then the
//! CPU time per GB of the peers, of one core's decompression and of Main,
//! with the bound two cores put on Main at its CPU per GB (it decompresses
//! on one thread and parses on another); peak RSS of the process is
//! printed at the end. `rules`: application log lines read
//! with plain `s3-lines` and with each record rule (multiline, redaction,
//! a filter), each as a ratio to plain in the same run.
//! `SLIPS_BENCH_MAIN_ONLY=N` runs Main alone N times and prints nothing, for
//! a profiler: `perf record` sees only the sample's writing besides.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use slips::config::Config;
use slips::event::ObjectEvent;
use slips::functions::main;
use slips::local::LocalStore;
use slips::{Handler, Meta, Record};

/// Counts records and tags, like handlers/log-counter.
struct Count {
    records: u64,
    tagged: u64,
}

impl Drop for Count {
    fn drop(&mut self) {
        // Keeps the tag count observable, so the work on tags is not optimised away.
        std::hint::black_box(self.tagged);
    }
}

impl Handler for Count {
    type Args = serde_json::Value;
    type Output = u64;

    async fn setup(_: serde_json::Value) -> slips::Result<Self> {
        Ok(Count {
            records: 0,
            tagged: 0,
        })
    }

    async fn recv(&mut self, meta: &Meta<'_>, _: &Record<'_>) -> slips::Result<()> {
        self.records += 1;
        self.tagged += u64::from(meta.tag.is_some());
        Ok(())
    }

    async fn result(self) -> slips::Result<u64> {
        Ok(self.records)
    }
}

fn main() -> anyhow::Result<()> {
    let megabytes: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    if std::env::args().any(|a| a == "rules") {
        return record_rules(megabytes);
    }
    let document = std::env::args().any(|a| a == "cloudtrail");
    // The compression of the sample, and the peers that decompress it.
    let (compression, peer_programs): (&str, &[&str]) = if std::env::args().any(|a| a == "zstd") {
        // zstd reads and writes on threads of its own by default (asyncio,
        // zstd 1.5.3 on): its wall time then varies up to 2x between runs
        // here, which the single-threaded variant does not.
        ("zstd", &["zstd", "zstd --no-asyncio"])
    } else if std::env::args().any(|a| a == "bzip2") {
        ("bzip2", &["bzip2"])
    } else {
        ("gzip", &["gzip", "pigz"])
    };
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("cloudtrail.json.compressed");
    let (raw_bytes, lines) = write_sample(&file, megabytes << 20, document, compression)?;
    let size_mb = raw_bytes as f64 / 1e6;
    let (shape, chain) = if document {
        (
            "one CloudTrail log file",
            ["s3-text", "json", "cloudtrail"].as_slice(),
        )
    } else {
        ("JSON lines", ["s3-lines", "json"].as_slice())
    };
    println!(
        "sample: {shape}, {lines} events, {size_mb:.0} MB uncompressed, {:.0} MB {compression}",
        std::fs::metadata(&file)?.len() as f64 / 1e6
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let config = config(chain);
    let event = ObjectEvent::new("", &file.display().to_string());
    let store = LocalStore::files();

    // The peers on this machine: pigz is optional (`apt-get install pigz`).
    let peers: Vec<&str> = peer_programs
        .iter()
        .copied()
        .filter(|program| installed(program))
        .collect();
    let mut peer_times = vec![Vec::new(); peers.len()];
    // The floors on one core, in this process: decompressing to memory, and
    // that with the cut into lines (memchr), the least any reader does; and
    // decompressing while the other core checks JSON, as Main's parser does
    // (two busy cores of this machine slow each other).
    let floors = [
        ("decompress to memory", Floor::Decompress),
        ("decompress + memchr line split", Floor::SplitLines),
        (
            "decompress to memory, the other core checking JSON",
            Floor::BesideJsonChecks,
        ),
    ];
    let mut floor_times = vec![Vec::new(); floors.len()];
    let mut ours = Vec::new();
    // CPU seconds of all runs: the peers' (as children), one-core
    // decompression's, and Main's (both its threads).
    let (mut peer_cpu, mut decompress_cpu, mut our_cpu) = (vec![0.0; peers.len()], 0.0, 0.0);
    if let Some(runs) = std::env::var("SLIPS_BENCH_MAIN_ONLY")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        // Main alone, `runs` times, for a profiler (`perf record`).
        for _ in 0..runs {
            runtime.block_on(main::process::<Count, _>(
                &config,
                &store,
                std::slice::from_ref(&event),
            ))?;
        }
        return Ok(());
    }
    for _ in 0..3 {
        for ((program, times), cpu) in peers.iter().zip(&mut peer_times).zip(&mut peer_cpu) {
            let before = Cpu::now()?;
            times.push(time(|| decompress_with(program, &file))?);
            *cpu += Cpu::now()?.children - before.children;
        }
        for ((_, kind), times) in floors.iter().zip(&mut floor_times) {
            let before = Cpu::now()?;
            times.push(time(|| floor(&file, compression, *kind).map(|_| ()))?);
            if *kind == Floor::Decompress {
                decompress_cpu += Cpu::now()?.this - before.this;
            }
        }
        let before = Cpu::now()?;
        ours.push(time(|| {
            let out = runtime.block_on(main::process::<Count, _>(
                &config,
                &store,
                std::slice::from_ref(&event),
            ))?;
            anyhow::ensure!(
                out.output == lines,
                "counted {} of {lines} records",
                out.output
            );
            Ok(())
        })?);
        our_cpu += Cpu::now()?.this - before.this;
    }
    let ours_total: f64 = ours.iter().map(Duration::as_secs_f64).sum();
    let ours = best(&ours);
    for (program, times) in peers.iter().zip(&peer_times) {
        println!(
            "{program} -dc > /dev/null : {:7.0} MB/s",
            size_mb / best(times)
        );
    }
    for ((name, _), times) in floors.iter().zip(&floor_times) {
        println!(
            "floor, one core: {name} : {:7.0} MB/s",
            size_mb / best(times)
        );
    }
    if compression == "gzip" && !peers.contains(&"pigz") {
        println!("pigz -dc: not installed (apt-get install pigz), not measured");
    }
    println!(
        "slips Main ({}; counting handler): {:7.0} MB/s, {:.2} M records/s",
        chain.join(", "),
        size_mb / ours,
        lines as f64 / ours / 1e6
    );
    for (program, times) in peers.iter().zip(&peer_times) {
        println!(
            "ratio slips / {program} -dc: {:.2}x (best of 3 each)",
            best(times) / ours
        );
    }
    // Main decompresses on one thread and parses on another: one core's
    // decompression is the bound it can reach.
    println!(
        "ratio slips / floor (decompress to memory, one core): {:.0}%",
        100.0 * best(&floor_times[0]) / ours
    );
    println!(
        "ratio slips / floor with the other core checking JSON: {:.0}%",
        100.0 * best(&floor_times[2]) / ours
    );
    // What bounds Main: it decompresses and parses on two cores, so it can
    // go no faster than two cores' worth of its CPU time per byte.
    let runs = 3.0 * size_mb / 1000.0;
    for (program, cpu) in peers.iter().zip(&peer_cpu) {
        println!("CPU per GB: {program} -dc {:.2} s", cpu / runs);
    }
    println!(
        "CPU per GB: decompress to memory {:.2} s; slips Main {:.2} s, {:.2} cores busy",
        decompress_cpu / runs,
        our_cpu / runs,
        our_cpu / ours_total
    );
    println!(
        "bound on two cores at Main's CPU per GB: {:7.0} MB/s",
        2.0 * 1000.0 * runs / our_cpu
    );
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM"))
    {
        {
            println!(
                "peak RSS of this process: {}",
                line.trim_start_matches("VmHWM:").trim()
            );
        }
    }
    Ok(())
}

fn config(chain: &[&str]) -> Config {
    config_of(json!({"prefix": "", "format": chain}))
}

fn config_of(mapping: serde_json::Value) -> Config {
    serde_json::from_value(json!({
        "stack_name": "bench",
        "backend": {"sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}]},
        "handler": {"path": "."},
        "bucket_mapping": {"": [mapping]},
    }))
    .expect("bench config")
}

/// `-- MB rules`: application log lines (IPs, e-mail addresses, a stack
/// trace in every twentieth record) read with plain `s3-lines`, then with
/// each record rule alone, in the same run: MB/s and the ratio to plain.
fn record_rules(megabytes: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("app.log.gz");
    let raw_bytes = write_app_log(&file, megabytes << 20)?;
    let size_mb = raw_bytes as f64 / 1e6;
    println!(
        "sample: application log lines, {size_mb:.0} MB uncompressed, {:.0} MB gzip",
        std::fs::metadata(&file)?.len() as f64 / 1e6
    );
    let lines = json!(["s3-lines"]);
    let variants = [
        ("plain s3-lines", json!({})),
        (
            "multiline (start '^\\d{4}-')",
            json!({"multiline": {"start": r"^\d{4}-"}}),
        ),
        ("redact ipv4", json!({"redact": ["ipv4"]})),
        ("redact ipv6", json!({"redact": ["ipv6"]})),
        ("redact email", json!({"redact": ["email"]})),
        (
            "redact pattern '(password=)\\S+'",
            json!({"redact": [{"pattern": r"(password=)\S+", "replace": "${1}***"}]}),
        ),
        (
            "redact ipv6, ipv4, email",
            json!({"redact": ["ipv6", "ipv4", "email"]}),
        ),
        (
            "filter drop {line: 'GET /health'}",
            json!({"filter": {"drop": [{"line": "GET /health"}]}}),
        ),
    ];
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let event = ObjectEvent::new("", &file.display().to_string());
    let store = LocalStore::files();
    let configs: Vec<Config> = variants
        .iter()
        .map(|(_, extra)| {
            let mut mapping = json!({"prefix": "", "format": lines});
            if let (Some(mapping), Some(extra)) = (mapping.as_object_mut(), extra.as_object()) {
                mapping.extend(extra.clone());
            }
            config_of(mapping)
        })
        .collect();
    // Rounds of every variant in turn, so drift on a shared machine touches all alike.
    let mut times = vec![Vec::new(); variants.len()];
    let mut gzip_times = Vec::new();
    for _ in 0..3 {
        gzip_times.push(time(|| decompress_with("gzip", &file))?);
        for (config, times) in configs.iter().zip(&mut times) {
            times.push(time(|| {
                let out = runtime.block_on(main::process::<Count, _>(
                    config,
                    &store,
                    std::slice::from_ref(&event),
                ))?;
                anyhow::ensure!(out.output > 0 && out.failed.is_empty(), "{:?}", out.failed);
                Ok(())
            })?);
        }
    }
    println!(
        "gzip -dc > /dev/null : {:7.0} MB/s",
        size_mb / best(&gzip_times)
    );
    let plain = best(&times[0]);
    for ((name, _), times) in variants.iter().zip(&times) {
        let ours = best(times);
        println!(
            "slips Main, {name:<36}: {:7.0} MB/s, ratio to plain s3-lines {:.2}x",
            size_mb / ours,
            plain / ours
        );
    }
    Ok(())
}

/// Application log lines, gzip-compressed, `bytes` uncompressed.
fn write_app_log(path: &Path, bytes: usize) -> anyhow::Result<usize> {
    let file = std::fs::File::create(path)?;
    let mut gz =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::new(6));
    let (mut written, mut n) = (0usize, 0u64);
    while written < bytes {
        let mut record = format!(
            "2026-12-02T10:{:02}:{:02}.{:03}Z INFO [req-{:08x}] GET /api/items/{n} from 203.0.113.{} (2001:db8::{:x}) user user{}@example.com took {}ms\n",
            (n / 60_000) % 60,
            (n / 1000) % 60,
            n % 1000,
            n.wrapping_mul(0x9e37_79b9),
            n % 250,
            n % 65_536,
            n % 977,
            n % 300
        );
        if n % 50 == 7 {
            record = format!(
                "2026-12-02T10:00:00.000Z INFO GET /health from 10.0.0.{}\n",
                n % 250
            );
        }
        if n % 20 == 3 {
            record = format!(
                "2026-12-02T10:00:00.000Z ERROR [req-{n:08x}] login failed password=hunter{n} for ops@example.com\n{}",
                "\tat com.example.service.Handler.invoke(Handler.java:123)\n".repeat(8)
            );
        }
        gz.write_all(record.as_bytes())?;
        written += record.len();
        n += 1;
    }
    gz.finish()?.flush()?;
    Ok(written)
}

/// CPU seconds used so far, from `/proc/self/stat` (kept to 10 ms).
struct Cpu {
    /// By every thread of this process, ended ones included.
    this: f64,
    /// By children this process has waited for.
    children: f64,
}

impl Cpu {
    fn now() -> anyhow::Result<Cpu> {
        let stat = std::fs::read_to_string("/proc/self/stat")?;
        // After the command's name: state, then fields 4 on; utime, stime,
        // cutime and cstime are fields 14 to 17.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let ticks: Vec<f64> = after_name
            .split_whitespace()
            .skip(11)
            .take(4)
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        anyhow::ensure!(ticks.len() == 4, "/proc/self/stat: {stat}");
        // USER_HZ, 100 on every Linux architecture slips builds for.
        let seconds = |t: f64| t / 100.0;
        Ok(Cpu {
            this: seconds(ticks[0] + ticks[1]),
            children: seconds(ticks[2] + ticks[3]),
        })
    }
}

/// The fastest of `times`, in seconds.
fn best(times: &[Duration]) -> f64 {
    times
        .iter()
        .min()
        .copied()
        .unwrap_or_default()
        .as_secs_f64()
}

fn time(mut work: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let started = Instant::now();
    work()?;
    Ok(started.elapsed())
}

fn installed(program: &str) -> bool {
    command(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A peer's command: its program, then any options (`zstd --no-asyncio`).
fn command(peer: &str) -> Command {
    let mut words = peer.split_whitespace();
    let mut command = Command::new(words.next().unwrap_or_default());
    command.args(words);
    command
}

/// Decompresses `file` into a 1 MiB buffer, over and over, as Main's
/// decode thread does, and (`split`) counts its lines with memchr: the
/// lines, to keep the work observable.
#[derive(Clone, Copy, PartialEq)]
enum Floor {
    Decompress,
    SplitLines,
    BesideJsonChecks,
}

fn floor(file: &Path, compression: &str, kind: Floor) -> anyhow::Result<usize> {
    use std::io::Read;
    use std::sync::atomic::{AtomicBool, Ordering};
    // The decoders and input buffer Main uses (object/decode.rs).
    let input = std::io::BufReader::with_capacity(256 * 1024, std::fs::File::open(file)?);
    let mut reader: Box<dyn Read> = match compression {
        "zstd" => Box::new(zstd::stream::read::Decoder::with_buffer(input)?),
        "bzip2" => Box::new(bzip2::read::MultiBzDecoder::new(input)),
        _ => Box::new(flate2::read::MultiGzDecoder::new(input)),
    };
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        if kind == Floor::BesideJsonChecks {
            // ~1 MB of event lines, checked over and over until the end.
            let line = json!({"eventVersion": "1.08", "userIdentity": {"type": "AssumedRole",
                "arn": "arn:aws:sts::123456789012:assumed-role/app-role-1/session-2"},
                "eventTime": "2026-11-22T08:00:00Z", "eventName": "GetObject",
                "requestParameters": {"bucketName": "prod-data", "key": "exports/part-00000001.parquet"},
                "bytesTransferredOut": 12345, "readOnly": true})
            .to_string();
            let lines = vec![line; 4096];
            let done = &done;
            scope.spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    for line in &lines {
                        std::hint::black_box(
                            serde_json::from_str::<serde::de::IgnoredAny>(line).is_ok(),
                        );
                    }
                }
            });
        }
        let mut block = vec![0u8; 1 << 20];
        let mut lines = 0;
        let result = loop {
            match reader.read(&mut block) {
                Ok(0) => break Ok(std::hint::black_box(lines)),
                Ok(n) if kind == Floor::SplitLines => {
                    lines += memchr::memchr_iter(b'\n', &block[..n]).count();
                }
                Ok(_) => {}
                Err(error) => break Err(error.into()),
            }
        };
        done.store(true, Ordering::Relaxed);
        result
    })
}

fn decompress_with(program: &str, file: &Path) -> anyhow::Result<()> {
    let status = command(program)
        .arg("-dc")
        .arg(file)
        .stdout(Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "{program} -dc failed");
    Ok(())
}

/// ~1 KB CloudTrail-like events, gzip-compressed, `bytes` uncompressed: a
/// line each, or (`document`) the `Records` of one log file.
fn write_sample(
    path: &Path,
    bytes: usize,
    document: bool,
    compression: &str,
) -> anyhow::Result<(usize, u64)> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    // Each tool's default level.
    let mut gz: Box<dyn Write> = match compression {
        "zstd" => Box::new(zstd::Encoder::new(file, 3)?.auto_finish()),
        "bzip2" => Box::new(bzip2::write::BzEncoder::new(
            file,
            bzip2::Compression::best(),
        )),
        _ => Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::new(6),
        )),
    };
    let (mut written, mut lines) = (0usize, 0u64);
    // Ids real logs carry are random: without them gzip compresses far better than on real data.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let names = [
        "GetObject",
        "PutObject",
        "AssumeRole",
        "DescribeInstances",
        "ConsoleLogin",
    ];
    let (open, between, close): (&[u8], &[u8], &[u8]) = if document {
        (b"{\"Records\":[", b",", b"]}\n")
    } else {
        (b"", b"\n", b"\n")
    };
    gz.write_all(open)?;
    written += open.len();
    while written < bytes {
        if lines > 0 {
            gz.write_all(between)?;
            written += between.len();
        }
        let line = json!({
            "eventVersion": "1.08",
            "userIdentity": {"type": "AssumedRole", "principalId": format!("AROAEXAMPLE{:06}:session-{}", lines % 977, lines % 31),
                "arn": format!("arn:aws:sts::123456789012:assumed-role/app-role-{}/session-{}", lines % 13, lines % 31),
                "accountId": "123456789012", "accessKeyId": format!("ASIAEXAMPLE{:08}", lines % 10007),
                "sessionContext": {"attributes": {"creationDate": "2026-11-22T07:00:00Z", "mfaAuthenticated": "false"}}},
            "eventTime": format!("2026-11-22T08:{:02}:{:02}Z", (lines / 60) % 60, lines % 60),
            "eventSource": "s3.amazonaws.com",
            "eventName": names[(lines % 5) as usize],
            "awsRegion": "us-east-1",
            "sourceIPAddress": format!("203.0.113.{}", lines % 250),
            "userAgent": "[aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0]",
            "requestParameters": {"bucketName": "prod-data", "key": format!("exports/2026/11/22/part-{lines:08}.parquet"), "Host": "prod-data.s3.amazonaws.com"},
            "responseElements": null,
            "requestID": format!("{:016X}", random()),
            "eventID": format!("{:016x}-{:016x}", random(), random()),
            "additionalEventData": {"SignatureVersion": "SigV4", "x-amz-id-2": format!("{:016x}{:016x}{:016x}", random(), random(), random()), "bytesTransferredOut": random() % 100_000_000},
            "readOnly": true, "resources": [{"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::prod-data/exports/2026/11/22/part-{lines:08}.parquet")}],
            "eventType": "AwsApiCall", "managementEvent": false, "recipientAccountId": "123456789012",
            "eventCategory": "Data", "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "prod-data.s3.amazonaws.com"}
        })
        .to_string();
        gz.write_all(line.as_bytes())?;
        written += line.len();
        lines += 1;
    }
    gz.write_all(close)?;
    written += close.len();
    // Dropping the encoder writes its end (gzip's and bzip2's on drop, zstd's by auto_finish).
    gz.flush()?;
    drop(gz);
    Ok((written, lines))
}
