//! The config loader on real files: the original schema loads, and every
//! kind of mistake is reported with its field path and line.

use std::path::Path;

use slips::config::{self, Dest, Report};

/// A config using every key of the original slips schema; line numbers matter below.
const ORIGINAL: &str = "\
stack_name: test-stack
description: test
sam:
  code_bucket: code-bucket
  code_prefix: functions
backend:
  role_arn:
    event_pusher: arn:aws:iam::123456789012:role/ep
    dispatcher: arn:aws:iam::123456789012:role/d
    reporter: arn:aws:iam::123456789012:role/r
    drain: arn:aws:iam::123456789012:role/dr
  sns_topics:
    - name: SecLogUpload
      arn: arn:aws:sns:us-east-1:123456789012:SecLogUpload
  kinesis_stream_fast_arn: arn:aws:kinesis:us-east-1:123456789012:stream/fast
  kinesis_stream_slow_arn: arn:aws:kinesis:us-east-1:123456789012:stream/slow
  dynamodb_arn: arn:aws:dynamodb:us-east-1:123456789012:table/errors
  dlq_sns_arn: arn:aws:sns:us-east-1:123456789012:dlq
  lane:
    fast: {delay: 0, batch_size: 1}
    slow: {delay: 10, batch_size: 1}
handler:
  path: handler
  args: {any: [structure, 1]}
  role_arn: arn:aws:iam::123456789012:role/main
  concurrency: 5
  security_group_ids: [sg-0123456789abcdef0]
  subnet_ids: [subnet-0123456789abcdef0]
routing:
  - {bucket: log-bucket, prefix: logs/a/, dest: fast}
  - {dest: drop}
bucket_mapping:
  log-bucket:
    - {prefix: logs/a/, format: [s3-lines, json, azure-ad-event]}
";

/// A directory holding a handler package at `handler/`.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("handler")).expect("handler dir");
    std::fs::write(dir.path().join("handler/Cargo.toml"), "[package]\n").expect("Cargo.toml");
    std::fs::write(dir.path().join("not-a-dir"), "").expect("file");
    dir
}

fn load(text: &str) -> Result<config::Loaded, Report> {
    let dir = workdir();
    config::load_str(text, Path::new("config.yml"), dir.path())
}

/// `ORIGINAL` with `from` (which must occur exactly once) replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(
        ORIGINAL.matches(from).count(),
        1,
        "`{from}` must occur once"
    );
    ORIGINAL.replace(from, to)
}

/// The field paths of a config's warnings, in order.
fn warning_paths(warnings: &Report) -> Vec<String> {
    warnings
        .diagnostics
        .iter()
        .map(|d| d.path.to_string())
        .collect()
}

#[test]
fn the_original_schema_loads() {
    let loaded = load(ORIGINAL).unwrap_or_else(|report| panic!("{report}"));
    let config = loaded.config;
    assert_eq!(config.stack_name, "test-stack");
    assert_eq!(config.backend.lane.slow.delay, 10);
    assert_eq!(config.handler.args["any"][1], 1);
    assert_eq!(config.route("log-bucket", "logs/a/x.gz"), Dest::Fast);
    assert_eq!(config.route("log-bucket", "logs/b/x.gz"), Dest::Drop);
    assert!(
        config.handler.path.is_absolute(),
        "resolved against the config's directory"
    );
    // The original had no alarms and no failure queue: what to add is who
    // the alarms notify, and where the functions with given roles keep
    // what they give up on.
    let warnings = warning_paths(&loaded.warnings);
    assert_eq!(
        warnings,
        [
            "alarms.topic_arn",
            "backend.role_arn.event_pusher",
            "backend.role_arn.dispatcher",
            "backend.role_arn.reporter",
        ],
        "{}",
        loaded.warnings
    );
    assert!(
        loaded.warnings.diagnostics[2]
            .message
            .contains("a lane batch it can neither hand to Main nor keep in the error table"),
        "{}",
        loaded.warnings
    );
}

#[test]
fn given_roles_with_a_failure_queue_keep_what_they_give_up_on() {
    let text = edit(
        "  dlq_sns_arn: arn:aws:sns:us-east-1:123456789012:dlq\n",
        "  dlq_sns_arn: arn:aws:sns:us-east-1:123456789012:dlq\n  \
         failure_queue_arn: arn:aws:sqs:us-east-1:123456789012:failures\n",
    );
    let loaded = load(&text).unwrap_or_else(|report| panic!("{report}"));
    let warnings = warning_paths(&loaded.warnings);
    assert_eq!(warnings, ["alarms.topic_arn"], "{}", loaded.warnings);
}

#[test]
fn the_example_config_validates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let loaded = config::load(&root.join("config.example.yml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        loaded.warnings.diagnostics.is_empty(),
        "{}",
        loaded.warnings
    );
    assert!(loaded.config.handler.path.ends_with("handlers/log-counter"));
    assert!(!loaded.config.routing.is_empty());
}

/// (what, edited config, field path, line, part of the message)
fn broken_configs() -> Vec<(&'static str, String, &'static str, usize, &'static str)> {
    vec![
        (
            "bad stack name",
            edit("stack_name: test-stack", "stack_name: 1-stack"),
            "stack_name",
            1,
            "not a CloudFormation stack name",
        ),
        (
            "missing stack name",
            edit("stack_name: test-stack\n", ""),
            "stack_name",
            1,
            "required field is missing",
        ),
        (
            "unknown top-level key",
            edit("description: test", "descripton: test"),
            "descripton",
            2,
            "did you mean `description`?",
        ),
        (
            "bad code bucket",
            edit("code_bucket: code-bucket", "code_bucket: Code_Bucket"),
            "sam.code_bucket",
            4,
            "not a valid S3 bucket name",
        ),
        (
            "role of the wrong service",
            edit(
                "event_pusher: arn:aws:iam::123456789012:role/ep",
                "event_pusher: arn:aws:sns:us-east-1:123456789012:ep",
            ),
            "backend.role_arn.event_pusher",
            8,
            "not an IAM role ARN",
        ),
        (
            "misspelt role key",
            edit("    dispatcher:", "    dispatchr:"),
            "backend.role_arn.dispatchr",
            9,
            "did you mean `dispatcher`?",
        ),
        (
            "short account id",
            edit("role/r", "role/r\n    drain2: x").replace(
                "arn:aws:iam::123456789012:role/dr",
                "arn:aws:iam::1234:role/dr",
            ),
            "backend.role_arn.drain",
            12,
            "12 digits",
        ),
        (
            "no SNS topic",
            edit(
                "  sns_topics:\n    - name: SecLogUpload\n      arn: arn:aws:sns:us-east-1:123456789012:SecLogUpload\n",
                "  sns_topics: []\n",
            ),
            "backend.sns_topics",
            12,
            "give at least one intake: sns_topics, sqs_queues or eventbridge",
        ),
        (
            "topic ARN of a stream",
            edit(
                "arn: arn:aws:sns:us-east-1:123456789012:SecLogUpload",
                "arn: arn:aws:kinesis:us-east-1:123456789012:stream/x",
            ),
            "backend.sns_topics[0].arn",
            14,
            "not an SNS topic ARN",
        ),
        (
            "fast stream ARN of a table",
            edit("stream/fast", "table/fast"),
            "backend.kinesis_stream_fast_arn",
            15,
            "not a Kinesis stream ARN",
        ),
        (
            "one stream for both lanes",
            edit("stream/slow", "stream/fast"),
            "backend.kinesis_stream_slow_arn",
            16,
            "its own stream",
        ),
        (
            "table ARN of a table stream",
            edit("table/errors", "table/errors/stream/2026"),
            "backend.dynamodb_arn",
            17,
            "not a DynamoDB table ARN",
        ),
        (
            "DLQ not an ARN",
            edit(
                "dlq_sns_arn: arn:aws:sns:us-east-1:123456789012:dlq",
                "dlq_sns_arn: my-dlq",
            ),
            "backend.dlq_sns_arn",
            18,
            "is not an ARN",
        ),
        (
            "delay too long",
            edit("fast: {delay: 0,", "fast: {delay: 901,"),
            "backend.lane.fast.delay",
            20,
            "out of range: 0 to 900",
        ),
        (
            "batch too large",
            edit(
                "slow: {delay: 10, batch_size: 1}",
                "slow: {delay: 10, batch_size: 10001}",
            ),
            "backend.lane.slow.batch_size",
            21,
            "out of range: 1 to 10000",
        ),
        (
            "negative delay",
            edit("fast: {delay: 0,", "fast: {delay: -5,"),
            "backend.lane.fast.delay",
            20,
            "expected u32",
        ),
        (
            "misspelt lane key",
            edit("slow: {delay: 10,", "slow: {dealy: 10,"),
            "backend.lane.slow.dealy",
            21,
            "did you mean `delay`?",
        ),
        (
            "unknown lane",
            edit("    slow: {delay: 10", "    slo: {delay: 10"),
            "backend.lane.slo",
            21,
            "did you mean `slow`?",
        ),
        (
            "handler path absent",
            edit("path: handler", "path: nowhere"),
            "handler.path",
            23,
            "does not exist",
        ),
        (
            "handler path a file",
            edit("path: handler", "path: not-a-dir"),
            "handler.path",
            23,
            "not a directory",
        ),
        (
            "concurrency not a number",
            edit("concurrency: 5", "concurrency: five"),
            "handler.concurrency",
            26,
            "expected u32",
        ),
        (
            "security groups without subnets",
            edit("  subnet_ids: [subnet-0123456789abcdef0]\n", ""),
            "handler.security_group_ids",
            27,
            "subnet_ids is missing",
        ),
        (
            "malformed subnet id",
            edit("subnet-0123456789abcdef0", "subnet-xyz"),
            "handler.subnet_ids[0]",
            28,
            "is not an id",
        ),
        (
            "unknown routing destination",
            edit("dest: fast}", "dest: fsat}"),
            "routing[0].dest",
            30,
            "did you mean `fast`?",
        ),
        (
            "bad routing bucket",
            edit("{bucket: log-bucket,", "{bucket: Log_Bucket,"),
            "routing[0].bucket",
            30,
            "not a valid S3 bucket name",
        ),
        (
            "bad bucket name",
            edit("  log-bucket:\n", "  log..bucket:\n"),
            r#"bucket_mapping["log..bucket"]"#,
            33,
            "two dots",
        ),
        (
            "unknown format",
            edit("azure-ad-event]", "azure-ad-evnt]"),
            "bucket_mapping.log-bucket[0].format[2]",
            34,
            "did you mean `azure-ad-event`?",
        ),
        (
            "chain without a reader",
            edit("[s3-lines, json, azure-ad-event]", "[json, azure-ad-event]"),
            "bucket_mapping.log-bucket[0].format[0]",
            34,
            "starts with a reader",
        ),
        (
            "mapping without format",
            edit(", format: [s3-lines, json, azure-ad-event]", ""),
            "bucket_mapping.log-bucket[0].format",
            34,
            "required field is missing",
        ),
        (
            "duplicate key",
            format!("{ORIGINAL}stack_name: again\n"),
            "",
            35,
            "duplicate key (first given at line 1)",
        ),
        (
            "YAML syntax error",
            edit(
                "    fast: {delay: 0, batch_size: 1}",
                "    fast: {delay: 0, batch_size: 1",
            ),
            "",
            21,
            "YAML syntax error",
        ),
    ]
}

#[test]
fn broken_configs_name_the_field_and_line() {
    let cases = broken_configs();
    assert!(cases.len() >= 20);
    for (what, text, path, line, message) in cases {
        let report = match load(&text) {
            Ok(_) => panic!("{what}: loaded, but should not"),
            Err(report) => report,
        };
        let rendered = report.render();
        let error = report
            .errors()
            .find(|d| d.path.segments().is_empty() && path.is_empty() || d.path.to_string() == path)
            .unwrap_or_else(|| panic!("{what}: no error at `{path}` in:\n{rendered}"));
        assert_eq!(
            error.at.map(|at| at.line),
            Some(line),
            "{what}:\n{rendered}"
        );
        assert!(
            error.message.contains(message),
            "{what}: `{}` lacks `{message}`",
            error.message
        );
        let prefix = match path {
            "" => format!("config.yml:{line}:"),
            _ => format!(
                "config.yml:{line}:{}: {path}: ",
                error.at.map_or(0, |at| at.column)
            ),
        };
        assert!(
            rendered.lines().any(|l| l.starts_with(&prefix)),
            "{what}: no `{prefix}` in:\n{rendered}"
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = edit("stack_name: test-stack", "stack_name: 1-stack")
        .replace("fast: {delay: 0,", "fast: {delay: 901,")
        .replace("path: handler", "path: nowhere")
        .replace("azure-ad-event]", "azure-ad-evnt]")
        .replace("description: test", "descripton: test")
        .replace("concurrency: 5", "concurrency: five")
        .replace("    dispatcher:", "    dispatchr:");
    let report = load(&text).expect_err("seven problems");
    let mut paths: Vec<String> = report.errors().map(|d| d.path.to_string()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "backend.lane.fast.delay",
            "backend.role_arn.dispatchr",
            "bucket_mapping.log-bucket[0].format[2]",
            "descripton",
            "handler.concurrency",
            "handler.path",
            "stack_name",
        ],
        "{report}"
    );
    // In file order.
    let lines: Vec<usize> = report
        .diagnostics
        .iter()
        .filter_map(|d| d.at)
        .map(|at| at.line)
        .collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
}

#[test]
fn warnings_for_rules_that_never_apply() {
    let text = edit(
        "  - {bucket: log-bucket, prefix: logs/a/, dest: fast}\n  - {dest: drop}\n",
        "  - {dest: drop}\n  - {bucket: log-bucket, prefix: logs/a/, dest: fast}\n  - {bucket: other-bucket, dest: slow}\n",
    );
    let loaded = load(&text).unwrap_or_else(|report| panic!("warnings must not fail: {report}"));
    let warnings: Vec<(String, usize, String)> = loaded
        .warnings
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.path.to_string(),
                d.at.map_or(0, |at| at.line),
                d.message.clone(),
            )
        })
        .collect();
    let has = |path: &str, line: usize, text: &str| {
        warnings
            .iter()
            .any(|(p, l, m)| p == path && *l == line && m.contains(text))
    };
    assert!(
        has("routing[1]", 31, "routing[0] comes first"),
        "{warnings:?}"
    );
    assert!(
        has("routing[2]", 32, "routing[0] comes first"),
        "{warnings:?}"
    );
    assert!(
        has("routing[2].bucket", 32, "not in bucket_mapping"),
        "{warnings:?}"
    );
    assert!(
        has(
            "bucket_mapping.log-bucket[0]",
            35,
            "routing[0] drops them all"
        ),
        "{warnings:?}"
    );
    assert!(
        loaded
            .warnings
            .render()
            .contains("config.yml:31:5: routing[1]: warning: ")
    );
}

#[test]
fn an_existing_main_role_without_a_dlq_topic_is_warned_about() {
    let text = edit(
        "  dlq_sns_arn: arn:aws:sns:us-east-1:123456789012:dlq\n",
        "",
    );
    let loaded = load(&text).unwrap_or_else(|report| panic!("a warning only: {report}"));
    let warning = loaded
        .warnings
        .diagnostics
        .iter()
        .find(|d| d.path.to_string() == "handler.role_arn")
        .expect("a warning about the role");
    assert_eq!(warning.at.map(|at| at.line), Some(24));
    assert!(warning.message.contains("give backend.dlq_sns_arn too"));
}

#[test]
fn a_build_command_needs_a_program_and_a_relative_binary() {
    let text = format!("{ORIGINAL}functions:\n  build: {{command: [], binary: /abs/bootstrap}}\n");
    let report = load(&text).expect_err("two errors");
    let paths: Vec<String> = report.errors().map(|d| d.path.to_string()).collect();
    assert_eq!(
        paths,
        ["functions.build.command", "functions.build.binary"],
        "{report}"
    );
    let good = format!(
        "{ORIGINAL}functions:\n  build: {{command: [cargo, lambda, build, --release], binary: target/lambda/h/bootstrap}}\n"
    );
    let loaded = load(&good).unwrap_or_else(|report| panic!("{report}"));
    assert_eq!(
        loaded.config.functions.build.map(|b| b.command.len()),
        Some(4)
    );
}

#[test]
fn empty_values_count_as_absent() {
    let text = edit(
        "  role_arn:\n    event_pusher: arn:aws:iam::123456789012:role/ep\n    dispatcher: arn:aws:iam::123456789012:role/d\n    reporter: arn:aws:iam::123456789012:role/r\n    drain: arn:aws:iam::123456789012:role/dr\n",
        "  role_arn:\n    # event_pusher: commented out\n",
    )
    .replace("description: test", "description:");
    let loaded = load(&text).unwrap_or_else(|report| panic!("{report}"));
    assert_eq!(loaded.config.backend.role_arn, Default::default());
    assert_eq!(loaded.config.description, None);
}

#[test]
fn the_schema_knows_every_key_of_the_original() {
    let schema = config::schema();
    let defs = &schema["$defs"];
    let props = |def: &str| -> Vec<String> {
        defs[def]["properties"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let top: Vec<String> = schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .cloned()
        .collect();
    for key in [
        "stack_name",
        "description",
        "sam",
        "backend",
        "handler",
        "routing",
        "bucket_mapping",
    ] {
        assert!(top.contains(&key.to_string()), "{key}");
    }
    for key in [
        "role_arn",
        "sns_topics",
        "kinesis_stream_fast_arn",
        "kinesis_stream_slow_arn",
        "dynamodb_arn",
        "dlq_sns_arn",
        "lane",
    ] {
        assert!(props("Backend").contains(&key.to_string()), "{key}");
    }
    for key in [
        "path",
        "args",
        "role_arn",
        "concurrency",
        "security_group_ids",
        "subnet_ids",
    ] {
        assert!(props("HandlerConfig").contains(&key.to_string()), "{key}");
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        required,
        ["stack_name", "backend", "handler", "bucket_mapping"]
    );
    assert!(
        schema["properties"]["stack_name"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("stack"))
    );
}

#[test]
fn an_alias_bomb_fails_at_once_naming_the_alias() {
    // "Billion laughs": each level holds nine aliases of the one before.
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        let list = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{next}: &{next} [{list}]\n"));
    }
    assert!(bomb.len() < 700, "{} bytes", bomb.len());
    let started = std::time::Instant::now();
    let report = load(&bomb).expect_err("refused");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let text = report.render();
    assert!(text.contains("config.yml:"), "{text}");
    assert!(text.contains("the alias `*"), "{text}");
    assert!(text.contains("alias bomb"), "{text}");
}

#[test]
fn a_nul_a_bom_and_files_that_are_no_mapping_are_said_plainly() {
    let report = load(&format!("{ORIGINAL}extra: \0 ignored?\n")).expect_err("NUL");
    let text = report.render();
    assert!(text.contains("a NUL byte"), "{text}");
    assert!(
        text.contains(&format!("config.yml:{}:8", ORIGINAL.lines().count() + 1)),
        "{text}"
    );

    let loaded = load(&format!("\u{feff}{ORIGINAL}")).unwrap_or_else(|r| panic!("BOM: {r}"));
    assert_eq!(loaded.config.stack_name, "test-stack");

    for (text, says) in [
        ("---\n", "the file holds no settings"),
        ("# nothing here\n---\n", "the file holds no settings"),
        ("- a\n- b\n- c\n", "the file is a YAML list"),
        ("hello\n", "the file is a single value"),
    ] {
        let report = load(text).expect_err(text).render();
        assert!(report.contains(says), "{text:?}: {report}");
        assert!(
            report.contains("a config is a YAML mapping"),
            "{text:?}: {report}"
        );
    }
}

const TOPICS: &str = "  sns_topics:\n    - name: SecLogUpload\n      arn: arn:aws:sns:us-east-1:123456789012:SecLogUpload\n";

#[test]
fn queues_or_eventbridge_are_intake_enough() {
    let text = edit(
        TOPICS,
        "  sqs_queues:\n    - {name: LogQueue, arn: 'arn:aws:sqs:us-east-1:123456789012:log-queue'}\n  eventbridge: {buckets: [log-bucket]}\n",
    );
    let loaded = load(&text).unwrap_or_else(|report| panic!("{report}"));
    let backend = &loaded.config.backend;
    assert!(backend.sns_topics.is_empty());
    assert_eq!(backend.sqs_queues[0].batch_size, 10, "Lambda's default");
    assert_eq!(
        backend.eventbridge.as_ref().map(|e| e.buckets.clone()),
        Some(vec!["log-bucket".to_string()])
    );
}

#[test]
fn queue_and_eventbridge_mistakes_are_each_named_at_their_line() {
    let text = edit(
        TOPICS,
        "  sqs_queues:
    - {name: q, arn: 'arn:aws:sqs:us-east-1:123456789012:q.fifo', batch_size: 11}
    - {name: q, arn: 'arn:aws:sns:us-east-1:123456789012:t', kms_key_arn: 'arn:aws:kms:us-east-1:123456789012:alias/x'}
  eventbridge: {buckets: [log-bucket, log-bucket, other-bucket]}
",
    );
    let report = load(&text).expect_err("broken");
    let rendered = report.render();
    for expected in [
        "config.yml:13:22: backend.sqs_queues[0].arn: `arn:aws:sqs:us-east-1:123456789012:q.fifo` is not a standard SQS queue ARN",
        "config.yml:13:79: backend.sqs_queues[0].batch_size: 11 is out of range: 1 to 10",
        "config.yml:14:14: backend.sqs_queues[1].name: `q` is already the name of sqs_queues[0]",
        "config.yml:14:22: backend.sqs_queues[1].arn: `arn:aws:sns:us-east-1:123456789012:t`",
        "config.yml:15:39: backend.eventbridge.buckets[1]: `log-bucket` is listed twice",
        "config.yml:15:51: backend.eventbridge.buckets[2]: warning: `other-bucket` has no bucket_mapping entry",
    ] {
        assert!(
            rendered.contains(expected),
            "`{expected}` missing from:\n{rendered}"
        );
    }
}

#[test]
fn fifo_topics_and_a_topic_listed_twice_are_refused() {
    let text = edit(
        "  dlq_sns_arn: arn:aws:sns:us-east-1:123456789012:dlq\n",
        "  dlq_sns_arn: arn:aws:sns:us-east-1:123456789012:dlq.fifo\n",
    );
    let report = load(&text).expect_err("FIFO DLQ").render();
    assert!(
        report
            .contains("backend.dlq_sns_arn: `arn:aws:sns:us-east-1:123456789012:dlq.fifo` is FIFO"),
        "{report}"
    );
    // The same topic again, under another name.
    let twice = edit(
        "  sns_topics:\n",
        "  sns_topics:\n    - {name: Again, arn: 'arn:aws:sns:us-east-1:123456789012:SecLogUpload'}\n",
    );
    let report = load(&twice).expect_err("twice").render();
    assert!(report.contains("is already sns_topics[0]"), "{report}");
}

#[test]
fn a_huge_value_is_not_echoed_back_in_full() {
    let huge = "x".repeat(1_000_000);
    let text = edit(
        "  dlq_sns_arn: arn:aws:sns:us-east-1:123456789012:dlq\n",
        &format!("  dlq_sns_arn: {huge}\n"),
    );
    let report = load(&text).expect_err("not an ARN");
    let line = report
        .render()
        .lines()
        .find(|l| l.contains("dlq_sns_arn"))
        .expect("the field's line")
        .to_string();
    assert!(line.len() < 600, "{} chars", line.len());
    assert!(line.ends_with("… (cut)"), "{line}");
}
