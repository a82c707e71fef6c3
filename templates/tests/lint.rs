//! The rendered templates pass the two linters AWS users run: cfn-lint (the
//! CloudFormation resource specification) and checkov (security policy).
//! Both are installed by `scripts/test`, which exports their paths as
//! `SLIPS_CFN_LINT` and `SLIPS_CHECKOV`; without them these tests fail
//! rather than pass unchecked.
//!
//! Three configs cover the shapes the template takes: the example (every
//! resource created), one that reuses every kind of existing resource, and
//! one with the optional features on (VPC, KMS keys, on-demand stream, alarm
//! topic, arm64, delete on destroy) and a part of the resources reused.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use slips_contract::config;
use slips_templates::{Format, render};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tool(variable: &str, name: &str) -> PathBuf {
    match std::env::var_os(variable) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => panic!(
            "{variable} is not set: it must hold the path of {name}. Run scripts/test, which \
             installs {name} and exports it, or export {variable}=/path/to/{name}"
        ),
    }
}

const REUSE_EVERYTHING: &str = "
stack_name: slips-reuse
sam: {code_bucket: example-slips-artifacts, code_prefix: functions}
backend:
  role_arn:
    event_pusher: arn:aws:iam::123456789012:role/slips-event-pusher
    dispatcher: arn:aws:iam::123456789012:role/slips-dispatcher
    reporter: arn:aws:iam::123456789012:role/slips-reporter
    drain: arn:aws:iam::123456789012:role/slips-drain
  sns_topics:
    - {name: SecLogUpload, arn: 'arn:aws:sns:us-east-1:123456789012:SecLogUpload'}
  kinesis_stream_fast_arn: arn:aws:kinesis:us-east-1:123456789012:stream/slips-fast
  kinesis_stream_slow_arn: arn:aws:kinesis:us-east-1:123456789012:stream/slips-slow
  dynamodb_arn: arn:aws:dynamodb:us-east-1:123456789012:table/slips-errors
  dlq_sns_arn: arn:aws:sns:us-east-1:123456789012:slips-dlq
  failure_queue_arn: arn:aws:sqs:us-east-1:123456789012:slips-failures
handler:
  path: handlers/log-counter
  role_arn: arn:aws:iam::123456789012:role/slips-main
  concurrency: 2
bucket_mapping:
  example-app-logs:
    - {prefix: app/, format: [s3-lines, json]}
";

const OPTIONS_ON: &str = "
stack_name: slips-options
description: every optional feature on
backend:
  role_arn:
    dispatcher: arn:aws:iam::123456789012:role/slips-dispatcher
  sns_topics:
    - {name: sec-log_upload, arn: 'arn:aws:sns:us-east-1:123456789012:SecLogUpload'}
    - {name: Other, arn: 'arn:aws:sns:eu-west-1:123456789012:other-uploads'}
  sqs_queues:
    - {name: LogQueue, arn: 'arn:aws:sqs:us-east-1:123456789012:log-queue', batch_size: 5,
       kms_key_arn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'}
  eventbridge: {buckets: [example-cloudtrail]}
  kinesis_stream_slow_arn: arn:aws:kinesis:us-east-1:123456789012:stream/slips-slow
  dlq_sns_arn: arn:aws:sns:us-east-1:123456789012:slips-dlq
  lane:
    fast: {delay: 0, batch_size: 500, shards: on-demand, retention_hours: 72}
    slow: {delay: 30, batch_size: 5}
  on_delete: delete
handler:
  path: handlers/log-counter
  memory: 2048
  timeout: 900
  max_event_age: 3600
  security_group_ids: [sg-0123456789abcdef0]
  subnet_ids: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
  kms_key_arns: [arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab]
bucket_mapping:
  example-cloudtrail:
    - {prefix: AWSLogs/, format: [s3-text, json, cloudtrail]}
    - {prefix: 'odd*prefix?/', format: [s3-lines, json]}
functions: {architecture: arm64, log_retention_days: 365}
alarms:
  topic_arn: arn:aws:sns:us-east-1:123456789012:oncall
  iterator_age: {fast: 120, slow: 7200}
";

/// Renders the three configs into `dir`; returns the files.
fn render_all(dir: &Path) -> Vec<PathBuf> {
    let root = repo_root();
    let example = config::load(&root.join("config.example.yml")).unwrap_or_else(|e| panic!("{e}"));
    let mut configs = vec![("example.yaml", example.config, Format::Yaml)];
    for (file, text, format) in [
        ("reuse-everything.json", REUSE_EVERYTHING, Format::Json),
        ("options-on.yaml", OPTIONS_ON, Format::Yaml),
    ] {
        let loaded = config::load_str(text, Path::new(file), &root)
            .unwrap_or_else(|report| panic!("{report}"));
        configs.push((file, loaded.config, format));
    }
    configs
        .into_iter()
        .map(|(file, config, format)| {
            let text = render(&config)
                .and_then(|t| t.to_text(format))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            let path = dir.join(file);
            std::fs::write(&path, text).expect("write template");
            path
        })
        .collect()
}

#[test]
fn cfn_lint_finds_no_error_or_warning() {
    let cfn_lint = tool("SLIPS_CFN_LINT", "cfn-lint");
    let dir = tempfile::tempdir().expect("temp dir");
    let files = render_all(dir.path());
    let out = Command::new(&cfn_lint)
        .args(["--format", "json", "--"])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", cfn_lint.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let findings: Vec<Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "cfn-lint printed no JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let serious: Vec<String> = findings
        .iter()
        .filter(|f| f["Level"] != "Informational")
        .map(|f| {
            format!(
                "{} {} {}:{}: {}",
                f["Level"].as_str().unwrap_or("?"),
                f["Rule"]["Id"].as_str().unwrap_or("?"),
                f["Filename"].as_str().unwrap_or("?"),
                f["Location"]["Start"]["LineNumber"],
                f["Message"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert!(serious.is_empty(), "cfn-lint:\n{}", serious.join("\n"));
    // Exit status: 0 clean, 8 informational only; 2 (error) and 4 (warning) are findings.
    let code = out.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 8, "cfn-lint exited {code}: {stdout}");
}

#[test]
fn checkov_finds_no_failed_check() {
    let checkov = tool("SLIPS_CHECKOV", "checkov");
    let dir = tempfile::tempdir().expect("temp dir");
    let files = render_all(dir.path());
    let mut command = Command::new(&checkov);
    for file in &files {
        command.arg("-f").arg(file);
    }
    let out = command
        .args([
            "--framework",
            "cloudformation",
            "--skip-download",
            "--quiet",
            "-o",
            "json",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", checkov.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON ({e}); stdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let summary = &report["summary"];
    let failed: Vec<String> = report["results"]["failed_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{} {} ({}): {}",
                c["check_id"].as_str().unwrap_or("?"),
                c["resource"].as_str().unwrap_or("?"),
                c["file_path"].as_str().unwrap_or("?"),
                c["check_name"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert!(
        failed.is_empty(),
        "checkov failed checks:\n{}",
        failed.join("\n")
    );
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(summary["parsing_errors"], 0, "{summary}");
    // It really looked: every template's resources were scanned.
    assert!(
        summary["resource_count"].as_u64().unwrap_or(0) >= 75,
        "{summary}"
    );
    assert!(summary["passed"].as_u64().unwrap_or(0) > 100, "{summary}");
    assert!(
        out.status.success(),
        "checkov exited {:?}",
        out.status.code()
    );
}
