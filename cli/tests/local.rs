//! `slips local` and `slips init` as a user runs them: building the handler
//! package with cargo and running it on objects in S3 (moto) or on disk.

mod common;
#[path = "../../runtime/tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::path::Path;

use common::{repo_root, slips, text};

/// A config in a temp dir whose handler is one of the repo's handlers.
fn config_dir(handler: &str, bucket: &str, args: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "stack_name: local-test
backend:
  sns_topics: [{{name: t, arn: 'arn:aws:sns:us-east-1:123456789012:t'}}]
handler:
  path: {handler}
  args: {args}
bucket_mapping:
  {bucket}:
    - {{prefix: logs/, format: [s3-lines, json]}}
    - {{prefix: trails/, format: [s3-text, json, cloudtrail]}}
",
        handler = repo_root().join("handlers").join(handler).display()
    );
    std::fs::write(dir.path().join("config.yml"), config).expect("write config");
    dir
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

async fn bucket_with(objects: &[(&str, Vec<u8>)]) -> String {
    let client = slips::aws::s3_client(&support::sdk_config().await);
    let bucket = support::unique_name("local");
    support::create_bucket(&client, &bucket).await;
    for (key, body) in objects {
        client
            .put_object()
            .bucket(&bucket)
            .key(*key)
            .body(body.clone().into())
            .send()
            .await
            .expect("put object");
    }
    bucket
}

const TRAIL: &[u8] = br#"{"Records":[{"eventTime":"2026-11-22T08:15:30Z","eventName":"ConsoleLogin","eventType":"AwsConsoleSignIn","sourceIPAddress":"203.0.113.9","userIdentity":{"arn":"arn:aws:iam::123456789012:user/ann"}},{"eventTime":"2026-11-22T08:16:00Z","eventName":"GetObject","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9","userIdentity":{"arn":"arn:aws:iam::123456789012:user/ann"}}]}"#;

#[tokio::test]
async fn local_runs_the_handler_on_an_sns_wrapped_notification() {
    let bucket = bucket_with(&[
        (
            "logs/app one/x+y.json.gz",
            gzip(b"{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n"),
        ),
        ("trails/t.json", TRAIL.to_vec()),
    ])
    .await;
    let dir = config_dir("log-counter", &bucket, "{}");
    let s3_message = serde_json::json!({"Records": [
        support::s3_record(&bucket, "logs/app+one/x%2By.json.gz", 40),
        support::s3_record(&bucket, "trails/t.json", 300),
    ]});
    let sns = support::sns_event("t", &s3_message.to_string(), serde_json::json!({}));
    std::fs::write(dir.path().join("events.json"), sns.to_string()).expect("events");

    let out = slips(dir.path(), &["local", "-d", "events.json", "--debug"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let result: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is the result JSON only");
    assert_eq!(
        result,
        serde_json::json!({"records": 5, "tags": {"aws.cloudtrail.AwsApiCall": 1, "aws.cloudtrail.AwsConsoleSignIn": 1}})
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("2 object(s): 2 processed, 0 failed; 5 records, 0 skipped"),
        "{stderr}"
    );
}

#[tokio::test]
async fn local_runs_one_object_and_reports_failures() {
    let bucket = bucket_with(&[(
        "logs/p.json",
        b"{\"ok\":1}\n{\"msg\":\"POISON\"}\n".to_vec(),
    )])
    .await;
    let dir = config_dir("log-counter", &bucket, "{fail_on: POISON}");
    let url = format!("s3://{bucket}/logs/p.json");
    let out = slips(dir.path(), &["local", "--object", &url, "--debug"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: {url}:2: the handler failed: record contains `POISON` (fail_on)"
        )),
        "{stderr}"
    );
}

#[test]
fn local_reads_a_file_with_a_given_format_into_jsonl_sink() {
    let dir = config_dir("jsonl-sink", "unused-bucket", "{}");
    std::fs::write(
        dir.path().join("app.log.gz"),
        gzip(b"{\"user\":\"ann\"}\nnot json\n"),
    )
    .expect("file");
    let out = slips(
        dir.path(),
        &[
            "local",
            "--object",
            "app.log.gz",
            "--format",
            "s3-lines",
            "--debug",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Quiet by default: the summary, no per-object lines.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("1 object(s): 1 processed, 0 failed; 2 records, 0 skipped"),
        "{stderr}"
    );
    assert!(!stderr.contains("invocation done"), "{stderr}");
    let stdout = text(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(lines[0]["record"], "{\"user\":\"ann\"}");
    assert_eq!(lines[0]["meta"]["source"]["key"], "app.log.gz");
    assert_eq!(lines[1]["meta"]["line"], 2);
    assert_eq!(lines[2], serde_json::json!({"records": 2}));

    let out = slips(
        dir.path(),
        &[
            "local",
            "--object",
            "app.log.gz",
            "--format",
            "s3-lines,json",
            "--debug",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("error: app.log.gz:2: invalid JSON"),
        "{}",
        text(&out.stderr)
    );

    // -v: a line per object, and into a pipe no colour codes.
    let out = slips(
        dir.path(),
        &[
            "-v",
            "local",
            "--object",
            "app.log.gz",
            "--format",
            "s3-lines",
            "--debug",
        ],
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("object processed") && stderr.contains("invocation done"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");

    let out = slips(dir.path(), &["local", "--object", "app.log.gz", "--debug"]);
    assert!(
        text(&out.stderr).contains("a local file needs --format"),
        "{}",
        text(&out.stderr)
    );

    // Nothing to run on: said before any build.
    let out = slips(dir.path(), &["local"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: give -d EVENTS.json (object events, e.g. from `slips sample`) or --object OBJECT"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Compiling") && !stderr.contains("Finished"),
        "{stderr}"
    );
}

#[test]
fn init_scaffolds_a_package_whose_config_validates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = slips(dir.path(), &["init", "my-handler"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let package = dir.path().join("my-handler");
    let manifest = std::fs::read_to_string(package.join("Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("name = \"my-handler\""), "{manifest}");
    // Portable: the path to the runtime is relative to the package.
    let path = manifest
        .split("slips = { path = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the slips path");
    assert!(Path::new(path).is_relative(), "{manifest}");
    assert_eq!(
        package.join(path).canonicalize().expect("runtime"),
        repo_root().join("runtime")
    );
    // Built like slips itself, into its target directory, from its lock file.
    let workspace = std::fs::read_to_string(repo_root().join("Cargo.toml")).expect("workspace");
    assert!(manifest.contains("[profile.dev]"), "{manifest}");
    for line in workspace.lines().filter(|l| l.starts_with("[profile.")) {
        assert!(manifest.contains(line), "{line} missing from {manifest}");
    }
    assert_eq!(
        std::fs::read(package.join("Cargo.lock")).expect("lock"),
        std::fs::read(repo_root().join("Cargo.lock")).expect("lock")
    );
    let cargo_config =
        std::fs::read_to_string(package.join(".cargo/config.toml")).expect("config.toml");
    let target = cargo_config
        .split("target-dir = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("target-dir");
    assert_eq!(
        package.join(target).canonicalize().expect("target"),
        repo_root().join("target").canonicalize().expect("target")
    );
    let gitignore = std::fs::read_to_string(package.join(".gitignore")).expect(".gitignore");
    assert_eq!(gitignore, "/target\n/.slips/\n");
    assert!(
        text(&out.stdout).contains("its first build compiles only what slips has not compiled yet")
    );
    let main = std::fs::read_to_string(package.join("src/main.rs")).expect("main.rs");
    assert!(
        main.contains("impl Handler for MyHandler") && main.contains("slips::run::<MyHandler>()")
    );
    let out = slips(&package, &["validate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // What its "next" says works: the handler on a local file.
    std::fs::write(package.join("app.log"), "{\"a\":1}\n{\"a\":2}\n").expect("file");
    let out = slips(
        &package,
        &[
            "local",
            "--debug",
            "--object",
            "app.log",
            "--format",
            "s3-lines,json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "{\"records\":2}");
    // The binary that build made, run again without asking cargo.
    let built = repo_root().join("target/debug/my-handler");
    let again = ["local", "--object", "app.log", "--format", "s3-lines,json"];
    let out = slips(
        &package,
        &[&again[..], &["--binary", built.to_str().expect("path")]].concat(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "{\"records\":2}");
    let out = slips(
        &package,
        &[&again[..], &["--binary", "no/such/file"]].concat(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--binary no/such/file: no such file"));
    // And its golden sample: the mapping gives what the expected file says.
    let out = slips(&package, &["test", "samples"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).ends_with("1 passed, 0 failed\n"));
    // Its own unit tests, through slips::testing.
    let test = std::process::Command::new(env!("CARGO"))
        .args(["test", "--quiet"])
        .current_dir(&package)
        .output()
        .expect("cargo test");
    assert!(
        test.status.success(),
        "{}\n{}",
        text(&test.stdout),
        text(&test.stderr)
    );
    assert!(
        text(&test.stdout).contains("2 passed"),
        "{}",
        text(&test.stdout)
    );

    let again = slips(dir.path(), &["init", "my-handler"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("already holds a Cargo.toml"));
}

#[tokio::test]
async fn sample_builds_events_that_local_runs() {
    let bucket = bucket_with(&[
        ("logs/old.json", b"{\"a\":1}\n".to_vec()),
        ("logs/new.json", b"{\"a\":2}\n{\"a\":3}\n".to_vec()),
        ("trails/t.json", TRAIL.to_vec()),
        ("unmapped/x.log", b"x\n".to_vec()),
    ])
    .await;
    let dir = config_dir("log-counter", &bucket, "{}");
    let out = slips(dir.path(), &["sample", "-o", "events.json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(dir.path().join("events.json")).expect("events"))
            .expect("JSON");
    let keys: Vec<&str> = events
        .iter()
        .filter_map(|e| e["object_key"].as_str())
        .collect();
    assert_eq!(keys.len(), 2, "one per mapped prefix: {keys:?}");
    assert!(keys.contains(&"trails/t.json"));
    assert!(
        events
            .iter()
            .all(|e| e["bucket_name"] == bucket.as_str() && e["lane"] == "fast")
    );

    let out = slips(dir.path(), &["local", "-d", "events.json", "--debug"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).expect("result");
    assert!(
        result["records"].as_u64().is_some_and(|n| n >= 3),
        "{result}"
    );
}

#[test]
fn jsonl_sink_writes_one_line_per_record_and_a_closed_pipe_ends_it_quietly() {
    let dir = config_dir("jsonl-sink", "unused-bucket", "{}");
    // A pretty-printed JSON object (s3-text: the whole file is one record).
    std::fs::write(
        dir.path().join("pretty.json"),
        "{\n  \"user\": \"ann\",\n  \"roles\": [\n    \"admin\"\n  ]\n}\n",
    )
    .expect("file");
    let args = [
        "local",
        "--object",
        "pretty.json",
        "--format",
        "s3-text,json",
        "--debug",
    ];
    let out = slips(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one record line and the result: {stdout}");
    let line: serde_json::Value = serde_json::from_str(lines[0]).expect("a JSON line");
    assert_eq!(
        line["record"],
        serde_json::json!({"user": "ann", "roles": ["admin"]})
    );

    // Many records into a reader that stops after one (`| head -1`).
    let many: String = (0..200_000).map(|i| format!("{{\"n\":{i}}}\n")).collect();
    std::fs::write(dir.path().join("many.log"), many).expect("file");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_slips"))
        .args([
            "local",
            "--object",
            "many.log",
            "--format",
            "s3-lines,json",
            "--debug",
        ])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).expect("a line");
    assert!(first.starts_with("{\"meta\""), "{first}");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
}

#[test]
fn errors_quote_at_most_the_configured_excerpt_of_a_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("auth.log"),
        "Nov 22 8:15:30 web-1 login: user=ann password=hunter2\n",
    )
    .expect("file");
    for (chars, shows, hides) in [
        ("8", "`8:15:30 …`", "hunter2"),
        ("0", "(content not shown)", "web-1"),
    ] {
        let config = format!(
            "stack_name: excerpts
backend:
  sns_topics: [{{name: t, arn: 'arn:aws:sns:us-east-1:123456789012:t'}}]
handler:
  path: {handler}
bucket_mapping:
  unused: [{{prefix: '', format: [s3-lines]}}]
errors: {{excerpt_chars: {chars}}}
",
            handler = repo_root().join("handlers/log-counter").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).expect("config");
        let out = slips(
            dir.path(),
            &[
                "local",
                "--object",
                "auth.log",
                "--format",
                "s3-lines,syslog",
                "--debug",
            ],
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(shows), "{chars}: {stderr}");
        assert!(!stderr.contains(hides), "{chars}: {stderr}");
    }
}
