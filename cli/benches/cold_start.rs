//! Cold start of a handler binary in Main mode: process start → its first
//! `GET /runtime/invocation/next` to a Runtime API on loopback, with the
//! config read and the AWS clients built, as in a new Lambda sandbox.
//!
//! `cargo bench -p slips-cli --bench cold_start -- [BINARY]`; the binary
//! defaults to the `lambda` profile build of log-counter that `slips package`
//! makes (target/lambda/log-counter).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 30;

fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let binary = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/lambda/log-counter"));
    anyhow::ensure!(
        binary.is_file(),
        "{} is missing: build it with `slips package -c config.example.yml` (the lambda profile) or give a binary",
        binary.display()
    );
    let task_root = tempfile::tempdir()?;
    let config = slips::config::load(&root.join("config.example.yml"))?.config;
    std::fs::write(
        task_root.path().join("slips.json"),
        serde_json::to_vec(&config)?,
    )?;

    // Most of a cold start is the HTTPS client parsing the CA certificates
    // (rustls-native-certs): this host's store is a bundle plus a directory
    // of the same certificates, parsed twice. Also measured with the bundle
    // alone (the store is set by SSL_CERT_FILE and SSL_CERT_DIR).
    let no_dir = tempfile::tempdir()?;
    let bundle = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ]
    .into_iter()
    .find(|path| std::path::Path::new(path).is_file());
    let host_store = to_next(&binary, task_root.path(), &[])?;
    let bundle_alone = match bundle {
        Some(bundle) => Some(to_next(
            &binary,
            task_root.path(),
            &[
                ("SSL_CERT_FILE", bundle),
                ("SSL_CERT_DIR", &no_dir.path().display().to_string()),
            ],
        )?),
        None => None,
    };
    let mut bare = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let status = Command::new(&binary)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        bare.push(started.elapsed());
        let _ = status;
    }
    let report = |label: &str, mut times: Vec<Duration>| {
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{label}: min {:.1} ms, median {:.1} ms, max {:.1} ms ({RUNS} runs)",
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    };
    println!(
        "binary: {} ({:.1} MB)",
        binary.display(),
        std::fs::metadata(&binary)?.len() as f64 / 1e6
    );
    report(
        "process start → first `next` (Main, config read, AWS clients built)",
        host_store,
    );
    if let (Some(times), Some(bundle)) = (bundle_alone, bundle) {
        report(
            &format!("the same, CA certificates from {bundle} alone"),
            times,
        );
    }
    report("process start → exit (`--version`, the bare process)", bare);
    Ok(())
}

/// Times from process start to the first `GET .../invocation/next`, with
/// `extra` in the environment Lambda gives.
fn to_next(
    binary: &std::path::Path,
    task_root: &std::path::Path,
    extra: &[(&str, &str)],
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let started = Instant::now();
        let mut child = Command::new(binary)
            .env_clear()
            .envs(extra.iter().copied())
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("SLIPS_FUNCTION", "main")
            .env("LAMBDA_TASK_ROOT", task_root)
            .env("AWS_LAMBDA_FUNCTION_NAME", "bench-main")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "bench")
            .env("AWS_SECRET_ACCESS_KEY", "bench")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let (stream, _) = listener.accept()?;
        let mut request_line = String::new();
        BufReader::new(stream).read_line(&mut request_line)?;
        let elapsed = started.elapsed();
        anyhow::ensure!(
            request_line.contains("/runtime/invocation/next"),
            "unexpected first request {request_line:?}"
        );
        times.push(elapsed);
        child.kill()?;
        child.wait()?;
    }
    Ok(times)
}
