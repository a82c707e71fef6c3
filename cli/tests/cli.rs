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
        stderr.starts_with("error: cannot read config file nope.yml: "),
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
