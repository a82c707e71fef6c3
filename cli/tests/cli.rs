//! The `slips` binary as a user runs it.

mod common;

use common::{repo_root, slips, text};

#[test]
fn validate_summarises_the_example() {
    let out = slips(&repo_root(), &["validate", "-c", "config.example.yml"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.starts_with("config.example.yml: valid; stack `slips-example`"),
        "{stdout}"
    );
    for expected in [
        "example-cloudtrail",
        "intake (how S3 tells EventPusher of new objects)\n  SNS topic    arn:aws:sns:us-east-1:123456789012:SecLogUpload (SecLogUpload)\n",
        "AWSLogs/  s3-text → json → cloudtrail  [fast]",
        "(all keys)  s3-lines → vpc-flow  [slow]",
        "1. s3://example-flow-logs/* → slow",
        "2. s3://example-app-logs/debug/* → drop",
        "fast  batch of 1, no delay (unthrottled)",
        "slow  batch of 2, then 5 s delay: at most 0.400 objects/s per shard",
    ] {
        assert!(
            stdout.contains(expected),
            "`{expected}` missing from:\n{stdout}"
        );
    }
}

#[test]
fn validate_reads_config_yml_by_default_and_reports_every_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = "\
stack_name: ok-stack
backend:
  sns_topics: [{name: t, arn: 'arn:aws:sns:us-east-1:123456789012:t'}]
  lane: {slow: {delay: 1000}}
handler: {path: missing, concurency: 3}
bucket_mapping:
  logs: [{prefix: a/, format: [s3-lines, jsn]}]
alarms: {topic_arn: 'arn:aws:sns:us-east-1:123456789012:oncall'}
";
    std::fs::write(dir.path().join("config.yml"), config).expect("write config");
    let out = slips(dir.path(), &["validate"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "config.yml:4:24: backend.lane.slow.delay: 1000 seconds is out of range: 0 to 900 (a Dispatcher must finish within Lambda's 15 minutes)",
            "config.yml:5:17: handler.path: missing does not exist",
            "config.yml:5:26: handler.concurency: unknown field `concurency`; did you mean `concurrency`?",
            "config.yml:7:42: bucket_mapping.logs[0].format[1]: unknown format `jsn`; did you mean `json`?",
            "config.yml: 4 errors, 0 warnings",
        ],
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn validate_explains_a_missing_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = slips(dir.path(), &["validate", "-c", "nope.yml"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot read config file nope.yml (give one with -c FILE, or create one with `slips init`): "),
        "{stderr}"
    );
    // The OS's reason once, not twice (the error and its source).
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
}

#[test]
fn validate_without_a_config_says_how_to_give_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = slips(dir.path(), &["validate"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("config.yml (give one with -c FILE"),
        "{stderr}"
    );
    assert!(stderr.contains("`slips init`"), "{stderr}");
}

#[test]
fn a_tab_is_reported_where_it_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("config.yml"),
        "stack_name: x\n\tbackend: y\n",
    )
    .expect("write");
    let out = slips(dir.path(), &["validate"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "config.yml:2:1: YAML syntax error: a tab character: YAML indents with spaces only"
        ),
        "{stderr}"
    );
}

#[test]
fn config_schema_is_json_schema_of_the_config() {
    let out = slips(&repo_root(), &["config-schema"]);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(schema["title"], "slips config.yml");
    assert!(
        schema["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("json-schema.org"))
    );
    assert!(schema["properties"]["bucket_mapping"]["description"].is_string());
    assert_eq!(
        schema["$defs"]["Dest"]["oneOf"].as_array().map(Vec::len),
        Some(3)
    );
}

#[test]
fn help_describes_every_command() {
    let out = slips(&repo_root(), &["--help"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.contains("validate")
            && stdout.contains("config-schema")
            && stdout.contains("template"),
        "{stdout}"
    );
    let out = slips(&repo_root(), &["validate", "--help"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("-c, --config <FILE>") && stdout.contains("[default: config.yml]"),
        "{stdout}"
    );
}

#[test]
fn template_renders_the_example_as_yaml_or_json() {
    let out = slips(&repo_root(), &["template", "-c", "config.example.yml"]);
    let yaml = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        yaml.starts_with("AWSTemplateFormatVersion: '2010-09-09'\n"),
        "{yaml}"
    );
    assert!(yaml.contains("\n  MainFunc:\n    Type: AWS::Lambda::Function\n"));

    let out = slips(
        &repo_root(),
        &["template", "-c", "config.example.yml", "--format", "json"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let template: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let main = &template["Resources"]["MainFunc"]["Properties"];
    assert_eq!(main["ReservedConcurrentExecutions"], 5);
    assert_eq!(
        template["Resources"]["SlowDispatcherEventSource"]["Properties"]["BatchSize"],
        2
    );
    assert_eq!(
        template["Parameters"]
            .as_object()
            .map(|p| p.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["CodeBucket".to_string(), "CodeKey".to_string()])
    );
    // Same config, same bytes.
    let again = slips(
        &repo_root(),
        &["template", "-c", "config.example.yml", "--format", "json"],
    );
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn template_writes_the_file_in_the_format_its_name_says() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = repo_root().join("config.example.yml");
    let config = config.to_str().expect("UTF-8 path");
    for (file, extra, json) in [
        ("stack.json", &[][..], true),
        ("stack.yaml", &[][..], false),
        ("stack.template", &["--format", "json"][..], true),
    ] {
        let mut args = vec!["template", "-c", config, "-o", file];
        args.extend_from_slice(extra);
        let out = slips(dir.path(), &args);
        assert!(out.status.success(), "{file}: {}", text(&out.stderr));
        assert!(
            out.stdout.is_empty(),
            "{file}: the template goes to the file only"
        );
        let written = std::fs::read_to_string(dir.path().join(file)).expect("written");
        assert_eq!(written.starts_with('{'), json, "{file}: {written:.40}");
    }
}

#[test]
fn template_reports_config_errors_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = "\
stack_name: ok-stack
backend:
  sns_topics: [{name: t, arn: 'arn:aws:sns:us-east-1:123456789012:t'}]
handler: {path: missing, memory: 64}
bucket_mapping:
  logs: [{prefix: a/, format: [s3-lines, json]}]
";
    std::fs::write(dir.path().join("config.yml"), config).expect("write config");
    let out = slips(dir.path(), &["template", "-o", "t.yaml"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("config.yml:4:34: handler.memory: 64 MB is out of range: 128 to 10240"),
        "{stderr}"
    );
    assert!(!dir.path().join("t.yaml").exists());
}

#[test]
fn package_runs_a_configured_build_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A handler package whose "cross-build" copies an existing Linux binary into place.
    let handler = dir.path().join("handler");
    std::fs::create_dir(&handler).expect("handler dir");
    std::fs::write(handler.join("Cargo.toml"), "[package]\nname = \"h\"\n").expect("Cargo.toml");
    let config = format!(
        "stack_name: build-test
backend:
  sns_topics: [{{name: t, arn: 'arn:aws:sns:us-east-1:123456789012:t'}}]
handler: {{path: {handler}}}
functions:
  build:
    command: [cp, {binary}, built/bootstrap]
    binary: built/bootstrap
bucket_mapping:
  logs: [{{prefix: '', format: [s3-lines]}}]
",
        handler = handler.display(),
        binary = env!("CARGO_BIN_EXE_slips"),
    );
    std::fs::create_dir(handler.join("built")).expect("built dir");
    std::fs::write(dir.path().join("config.yml"), config).expect("config");
    let out = slips(dir.path(), &["package", "-o", "code.zip"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("building the handler with `cp "),
        "{}",
        text(&out.stderr)
    );
    let zip = zip::ZipArchive::new(std::fs::File::open(dir.path().join("code.zip")).expect("zip"))
        .expect("a zip");
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n == "bootstrap") && names.iter().any(|n| n == "slips.json"),
        "{names:?}"
    );
}

/// The flags a piece of text names: `--long` and `-s` words.
fn flags_in(text: &str) -> std::collections::BTreeSet<String> {
    let mut flags = std::collections::BTreeSet::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        let is_long = word.len() > 2
            && word.starts_with("--")
            && word[2..].starts_with(|c: char| c.is_ascii_lowercase());
        let is_short = word.len() == 2
            && word.starts_with('-')
            && word[1..].starts_with(|c: char| c.is_ascii_alphabetic());
        if is_long || is_short {
            flags.insert(word.to_string());
        }
    }
    flags
}

#[test]
fn the_readme_command_table_and_help_agree() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    let table = readme
        .split("## Commands")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").nth(1))
        .expect("the command table");
    // Each row's first cell: `slips COMMAND ...flags...`.
    let mut readme_flags: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for row in table.lines().skip(2) {
        let cell = row
            .split(" | ")
            .next()
            .and_then(|c| c.trim_start_matches("| ").strip_prefix('`'))
            .and_then(|c| c.strip_suffix('`'))
            .unwrap_or_else(|| panic!("a row without a command: {row}"));
        let command = cell.split_whitespace().nth(1).expect("command").to_string();
        readme_flags
            .entry(command)
            .or_default()
            .extend(flags_in(cell));
    }
    let help = text(&slips(&repo_root(), &["--help"]).stdout);
    let commands: std::collections::BTreeSet<String> = help
        .split("Commands:")
        .nth(1)
        .and_then(|rest| rest.split("Options:").next())
        .expect("the commands of --help")
        .lines()
        // A command's line; its wrapped description is indented further.
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(String::from)
        .collect();
    let documented: std::collections::BTreeSet<String> = readme_flags.keys().cloned().collect();
    assert_eq!(documented, commands, "README's commands vs `slips --help`");
    // Flags every command has, documented once below the table.
    let everywhere: std::collections::BTreeSet<String> =
        ["-h", "--help", "-V", "--version", "-v", "--verbose"]
            .map(String::from)
            .into();
    assert!(
        readme.contains("`-v`/`--verbose`"),
        "the global -v is documented"
    );
    for (command, documented) in &readme_flags {
        let out = slips(&repo_root(), &[command, "--help"]);
        let help = text(&out.stdout);
        let options = help.split("Options:").nth(1).expect("options");
        // Each option as its names (`-c, --config`): documented by either.
        let listed: Vec<std::collections::BTreeSet<String>> = options
            .lines()
            // An option's line; `- fast: ...` lists a value of the one above.
            .filter(|line| {
                let line = line.trim_start();
                line.starts_with('-') && !line.starts_with("- ")
            })
            .map(|line| flags_in(line.split("  ").find(|s| !s.is_empty()).unwrap_or("")))
            .filter(|names| names.is_disjoint(&everywhere))
            .collect();
        let missing: Vec<_> = listed
            .iter()
            .filter(|names| names.is_disjoint(documented))
            .collect();
        let unknown: Vec<_> = documented
            .iter()
            .filter(|flag| !listed.iter().any(|names| names.contains(*flag)))
            .collect();
        assert!(
            missing.is_empty() && unknown.is_empty(),
            "slips {command}: in --help, not in the README: {missing:?}; in the README, not in --help: {unknown:?}"
        );
    }
}

/// `slips ARGS` in the repository with AWS settings replaced: `unset` names
/// variables to remove, `set` pairs to give.
fn slips_with_aws(args: &[&str], unset: &[&str], set: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_slips"));
    command.args(args).current_dir(repo_root());
    for name in unset {
        command.env_remove(name);
    }
    command.envs(set.iter().copied());
    command.output().expect("run slips")
}

/// No credential source at all: environment, profile files, metadata.
const NO_CREDENTIALS: [&str; 5] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
];
const NOWHERE: [(&str, &str); 4] = [
    ("AWS_CONFIG_FILE", "/nonexistent/config"),
    ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("AWS_REGION", "us-east-1"),
];

#[test]
fn missing_credentials_are_one_line_for_every_aws_command() {
    for args in [
        &["errors", "-c", "config.example.yml"][..],
        &["limit", "-c", "config.example.yml", "fast"],
        &["sample", "-c", "config.example.yml"],
        &[
            "backfill",
            "-c",
            "config.example.yml",
            "s3://example-app-logs/app/",
            "--dry-run",
        ],
        &["drain", "-c", "config.example.yml", "--dry-run"],
        &["destroy", "-c", "config.example.yml", "--yes"],
        &["deploy", "-c", "config.example.yml"],
        &[
            "local",
            "-c",
            "config.example.yml",
            "--debug",
            "--object",
            "s3://example-app-logs/a.json",
        ],
        &[
            "local",
            "-c",
            "config.example.yml",
            "--debug",
            "-d",
            "examples/events.json",
        ],
    ] {
        let out = slips_with_aws(args, &NO_CREDENTIALS, &NOWHERE);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("no AWS credentials found (environment, profile, SSO, container or instance metadata): set AWS_PROFILE"),
            "{args:?}: {stderr}"
        );
        // One line: no SDK dump, no WARN lines of the credential probes
        // (`local` builds the handler first: cargo's lines come before).
        let ours: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("   ") && !l.starts_with("warning"))
            .collect();
        assert_eq!(ours.len(), 1, "{args:?}: {stderr}");
        assert!(
            !stderr.contains("DispatchFailure") && !stderr.contains("WARN"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_missing_region_is_said_before_anything_else() {
    let out = slips_with_aws(
        &["errors", "-c", "config.example.yml"],
        &["AWS_REGION", "AWS_DEFAULT_REGION"],
        &[
            ("AWS_CONFIG_FILE", "/nonexistent/config"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: no AWS region: set AWS_REGION, or a region in your AWS profile (AWS_PROFILE)"
    );
}

#[test]
fn verbose_shows_the_sdk_chain_behind_the_line() {
    let mut set = NOWHERE.to_vec();
    set.push(("AWS_ACCESS_KEY_ID", "testing"));
    set.push(("AWS_SECRET_ACCESS_KEY", "testing"));
    // Nothing listens on port 9 of loopback: a connection error.
    set.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:9"));
    let out = slips_with_aws(&["-v", "errors", "-c", "config.example.yml"], &[], &set);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let last = stderr
        .trim_end()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        last.starts_with("error: reading stack slips-example: cannot reach AWS:"),
        "{stderr}"
    );
    assert!(stderr.contains("AWS error in full"), "{stderr}");
    let quiet = slips_with_aws(&["errors", "-c", "config.example.yml"], &[], &set);
    assert_eq!(
        text(&quiet.stderr).trim_end().lines().count(),
        1,
        "{}",
        text(&quiet.stderr)
    );
}

#[test]
fn local_events_without_buckets_say_they_are_read_from_s3() {
    let out = slips_with_aws(
        &[
            "local",
            "-c",
            "config.example.yml",
            "--debug",
            "-d",
            "examples/events.json",
        ],
        &NO_CREDENTIALS,
        &NOWHERE,
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: the events' objects are read from S3 unless --buckets DIR is given: no AWS credentials found"),
        "{stderr}"
    );
}

#[test]
fn a_stack_that_is_not_deployed_is_said_so() {
    // On the test's AWS (moto): a stack name nobody deployed.
    let dir = tempfile::tempdir().expect("temp dir");
    let example = std::fs::read_to_string(repo_root().join("config.example.yml")).expect("example");
    let handler = repo_root().join("handlers/log-counter");
    let config = example
        .replace(
            "stack_name: slips-example",
            "stack_name: never-deployed-here",
        )
        .replace(
            "path: handlers/log-counter",
            &format!("path: {}", handler.display()),
        );
    std::fs::write(dir.path().join("config.yml"), config).expect("config");
    let out = slips(dir.path(), &["errors"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: the stack never-deployed-here is not deployed in us-east-1 (`slips deploy` creates it)"
    );
}

#[test]
fn instance_metadata_that_cannot_help_is_still_no_credentials() {
    // Metadata not disabled but unreachable (nothing listens on port 9), as
    // on a laptop; and `slips` must not take the SDK's seconds of retries.
    let set = [
        ("AWS_CONFIG_FILE", "/nonexistent/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"),
        ("AWS_REGION", "us-east-1"),
    ];
    let mut unset = NO_CREDENTIALS.to_vec();
    unset.push("AWS_EC2_METADATA_DISABLED");
    let out = slips_with_aws(&["errors", "-c", "config.example.yml"], &unset, &set);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: no AWS credentials found"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

/// A config and sample objects for `slips test`: CloudTrail, JSON lines
/// with a bad line skipped, redaction and a filter, a line that fails.
fn golden_samples(dir: &std::path::Path) {
    let config = "\
stack_name: golden
backend:
  sns_topics: [{name: t, arn: 'arn:aws:sns:us-east-1:123456789012:t'}]
handler: {path: .}
bucket_mapping:
  trail:
    - {prefix: AWSLogs/, format: [s3-text, json, cloudtrail]}
  app:
    - prefix: lines/
      format: [s3-lines, json]
      on_parse_error: skip
      redact: [email]
      filter: {drop: [{line: health}]}
    - {prefix: strict/, format: [s3-lines, json]}
routing:
  - {prefix: debug/, dest: drop}
";
    std::fs::write(dir.join("config.yml"), config).expect("config");
    // handler.path must be a package; `slips test` does not build it.
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"golden\"\n").expect("Cargo.toml");
    let write = |path: &str, text: &str| {
        let path = dir.join("samples").join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, text).expect("sample");
    };
    write(
        "trail/AWSLogs/1.json",
        r#"{"Records":[{"eventVersion":"1.08","eventTime":"2026-12-03T01:02:03Z","eventType":"AwsApiCall","eventName":"GetObject","sourceIPAddress":"203.0.113.9","userIdentity":{"arn":"arn:aws:iam::123456789012:user/ann"}}]}"#,
    );
    write(
        "app/lines/a.log",
        "{\"user\":\"ann@example.com\"}\nnot json\n{\"path\":\"/health\"}\n{\"n\":2}\n",
    );
    write("app/strict/b.log", "{\"n\":1}\n{broken\n");
}

#[test]
fn test_writes_golden_files_then_checks_them_with_a_diff() {
    let dir = tempfile::tempdir().expect("temp dir");
    golden_samples(dir.path());
    let golden = |args: &[&str]| {
        let mut all = vec!["test", "samples"];
        all.extend(args);
        let out = slips(dir.path(), &all);
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };

    // Nothing expected yet: each sample fails, saying how to write its file.
    let (code, stdout, stderr) = golden(&[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("FAIL app/lines/a.log: no ")
            && stdout.contains("a.log.expected.jsonl (`--update` writes it"),
        "{stdout}"
    );
    assert!(stdout.ends_with("0 passed, 3 failed\n"), "{stdout}");

    let (code, stdout, stderr) = golden(&["--update"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.ends_with("3 expected files written, 0 unchanged\n"),
        "{stdout}"
    );
    let expected = |path: &str| {
        std::fs::read_to_string(dir.path().join("samples").join(path)).expect("expected file")
    };
    assert_eq!(
        expected("trail/AWSLogs/1.json.expected.jsonl")
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
            .map(|v| (
                v["tag"].clone(),
                v["timestamp"].clone(),
                v["record"]["description"].clone()
            ))
            .collect::<Vec<_>>(),
        [(
            serde_json::json!("aws.cloudtrail.AwsApiCall"),
            serde_json::json!("2026-12-03T01:02:03Z"),
            serde_json::json!(
                "AwsApiCall GetObject by arn:aws:iam::123456789012:user/ann on 203.0.113.9"
            )
        )]
    );
    assert_eq!(
        expected("app/lines/a.log.expected.jsonl"),
        "{\"line\":1,\"record\":{\"user\":\"[email]\"}}\n\
         {\"line\":4,\"record\":{\"n\":2}}\n\
         {\"left_out\":{\"skipped\":1,\"filtered\":1}}\n"
    );
    let strict = expected("app/strict/b.log.expected.jsonl");
    assert!(
        strict.starts_with(
            "{\"line\":1,\"record\":{\"n\":1}}\n{\"error\":\"ParseError: s3://app/strict/b.log:2: "
        ),
        "{strict}"
    );

    let (code, stdout, _) = golden(&[]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("ok   app/lines/a.log (2 records)"),
        "{stdout}"
    );
    assert!(stdout.ends_with("3 passed, 0 failed\n"), "{stdout}");

    // Spacing and key order written by hand do not count.
    let file = dir.path().join("samples/app/lines/a.log.expected.jsonl");
    std::fs::write(
        &file,
        "{ \"record\": {\"user\": \"[email]\"}, \"line\": 1 }\n\n{\"line\":4,\"record\":{\"n\":2}}\n{\"left_out\":{\"filtered\":1,\"skipped\":1}}\n",
    )
    .expect("rewrite");
    assert_eq!(golden(&[]).0, Some(0));

    // A changed mapping's records are a failure, shown as a diff (the
    // line unchanged but for its key order is shown as unchanged).
    std::fs::write(
        dir.path().join("samples/app/lines/a.log"),
        "{\"user\":\"ann@example.com\"}\nnot json\n{\"n\":3}\n",
    )
    .expect("change");
    let (code, stdout, _) = golden(&[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL app/lines/a.log: differs from ")
            && stdout.contains("     {\"line\":1,\"record\":{\"user\":\"[email]\"}}\n")
            && stdout.contains("    -{\"line\":4,\"record\":{\"n\":2}}\n")
            && stdout.contains("    +{\"line\":3,\"record\":{\"n\":3}}\n")
            && stdout.contains("    -{\"left_out\":{\"filtered\":1,\"skipped\":1}}\n")
            && stdout.contains("    +{\"left_out\":{\"skipped\":1}}\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("2 passed, 1 failed\n"), "{stdout}");

    // An expected file that is not JSON lines fails its sample alone; --update mends it.
    let trail = dir
        .path()
        .join("samples/trail/AWSLogs/1.json.expected.jsonl");
    let good = std::fs::read_to_string(&trail).expect("expected file");
    std::fs::write(&trail, "{not json\n").expect("break");
    let (code, stdout, _) = golden(&[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL trail/AWSLogs/1.json: ")
            && stdout.contains("is not an expected file: line 1: not JSON"),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 passed, 2 failed\n"), "{stdout}");
    let (code, stdout, _) = golden(&["--update"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.ends_with("2 expected files written, 1 unchanged\n"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&trail).expect("mended"), good);

    // A sample no mapping entry reads is an error of the samples, not a record set.
    let stray = dir.path().join("samples/app/other/c.log");
    std::fs::create_dir_all(stray.parent().expect("parent")).expect("dir");
    std::fs::write(&stray, "x\n").expect("stray");
    let (code, stdout, _) = golden(&["--update"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL app/other/c.log: no bucket_mapping entry of the config maps it"),
        "{stdout}"
    );
    let dropped = dir.path().join("samples/app/debug/d.log");
    std::fs::create_dir_all(dropped.parent().expect("parent")).expect("dir");
    std::fs::write(&dropped, "x\n").expect("dropped");
    let (code, stdout, _) = golden(&[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "FAIL app/debug/d.log: routing drops it, so Main never reads it (not a sample)"
        ),
        "{stdout}"
    );
}
