//! `slips run --local` end to end: faults (a truncated object, a failing
//! handler, a deleted object, a crash mid-run), and the invariant that every
//! object event ends processed or in the error table, with `jsonl-sink` as
//! the oracle of what the handler received.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{repo_root, slips, text};

/// A work directory: config.yml, buckets/, state in .slips.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new(handler: &str, args: &str, fast_batch: u32) -> Work {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = format!(
            "stack_name: local-run
backend:
  sns_topics: [{{name: t, arn: 'arn:aws:sns:us-east-1:123456789012:t'}}]
  lane:
    fast: {{delay: 0, batch_size: {fast_batch}}}
    slow: {{delay: 1, batch_size: 3}}
handler:
  path: {handler}
  args: {args}
routing:
  - {{prefix: slow/, dest: slow}}
  - {{prefix: skip/, dest: drop}}
bucket_mapping:
  logs:
    - {{prefix: '', format: [s3-lines, json]}}
",
            handler = repo_root().join("handlers").join(handler).display()
        );
        std::fs::write(dir.path().join("config.yml"), config).expect("config");
        std::fs::create_dir_all(dir.path().join("buckets/logs")).expect("buckets");
        Work { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// An object of `lines` JSON lines naming itself, gzip-compressed.
    fn object(&self, key: &str, lines: usize) {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for line in 0..lines {
            writeln!(gz, "{{\"object\":\"{key}\",\"line\":{line}}}").expect("write");
        }
        self.write(key, &gz.finish().expect("gzip"));
    }

    fn write(&self, key: &str, bytes: &[u8]) {
        let path = self.path(&format!("buckets/logs/{key}"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, bytes).expect("object");
    }

    fn slips(&self, args: &[&str]) -> Output {
        slips(self.dir.path(), args)
    }

    /// `slips run --local --output json`: the summary line.
    fn run(&self) -> serde_json::Value {
        let out = self.slips(&[
            "run",
            "--local",
            "--buckets",
            "buckets",
            "--output",
            "json",
            "--debug",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        serde_json::from_str(stdout.lines().last().unwrap_or_default())
            .expect("a JSON summary as the last line")
    }

    /// Distinct (object, line) pairs the sink received.
    fn sink(&self) -> BTreeSet<(String, u64)> {
        self.sink_counts().into_keys().collect()
    }

    /// How often the sink received each (object, line) pair (a line torn by
    /// a killed writer is no record).
    fn sink_counts(&self) -> std::collections::BTreeMap<(String, u64), u32> {
        let text = std::fs::read_to_string(self.path("sink.jsonl")).unwrap_or_default();
        let mut counts = std::collections::BTreeMap::new();
        for value in text
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        {
            let record = &value["record"];
            let key = (
                record["object"].as_str().unwrap_or_default().to_string(),
                record["line"].as_u64().unwrap_or(0),
            );
            *counts.entry(key).or_default() += 1;
        }
        counts
    }

    fn error_items(&self) -> Vec<serde_json::Value> {
        let out = self.slips(&["errors", "--local", "--output", "json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("errors JSON")
    }
}

fn expected(objects: &[(&str, usize)]) -> BTreeSet<(String, u64)> {
    objects
        .iter()
        .flat_map(|(key, lines)| (0..*lines as u64).map(move |line| (key.to_string(), line)))
        .collect()
}

#[test]
fn faults_end_in_the_error_table_and_drain_recovers_everything() {
    let work = Work::new("jsonl-sink", "{path: sink.jsonl}", 1);
    let mut good = Vec::new();
    for i in 0..8 {
        let key = if i % 3 == 0 {
            format!("slow/obj-{i}.json.gz")
        } else {
            format!("fast/obj-{i}.json.gz")
        };
        work.object(&key, 5 + i);
        good.push((key, 5 + i));
    }
    work.object("skip/ignored.json.gz", 3);
    // A truncated gzip: Main cannot read it to its end.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for line in 0..2000 {
        writeln!(
            gz,
            "{{\"object\":\"fast/truncated.json.gz\",\"line\":{line}}}"
        )
        .expect("write");
    }
    let whole = gz.finish().expect("gzip");
    work.write("fast/truncated.json.gz", &whole[..whole.len() / 2]);

    let summary = work.run();
    assert_eq!(summary["objects"], 10, "{summary}");
    assert_eq!(summary["dropped"], 1, "{summary}");
    assert_eq!(summary["processed"], 8, "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");
    // The functions count locally what CloudWatch counts in Lambda.
    let metrics = &summary["metrics"];
    let count = |name: &str| metrics[name].as_u64().unwrap_or(0);
    assert_eq!(
        (
            count("event-pusher.fast.Objects") + count("event-pusher.slow.Objects"),
            count("event-pusher.Dropped"),
            count("reporter.RecordedObjects"),
        ),
        (9, 1, 1),
        "{metrics}"
    );
    assert!(count("dispatcher.fast.Invocations") >= 1, "{metrics}");
    let good_ref: Vec<(&str, usize)> = good.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    let received = work.sink();
    assert!(
        expected(&good_ref).is_subset(&received),
        "every record of every processed object reached the handler"
    );
    let items = work.error_items();
    assert_eq!(items.len(), 1);
    assert!(
        items[0]["error_message"]
            .as_str()
            .unwrap_or_default()
            .contains("fast/truncated.json.gz: reading the gzip data failed")
    );

    // The object is deleted before a replay reads it: it fails again, nothing is lost.
    std::fs::remove_file(work.path("buckets/logs/fast/truncated.json.gz")).expect("delete");
    let out = work.slips(&["drain", "--local"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = work.run();
    assert_eq!(
        (summary["objects"].as_u64(), summary["failed"].as_u64()),
        (Some(0), Some(1)),
        "{summary}"
    );
    let items = work.error_items();
    assert_eq!(items.len(), 1);
    assert!(
        items[0]["error_message"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot open"),
        "{}",
        items[0]
    );

    // The cause removed (the object restored whole), drained: everything is processed.
    work.object("fast/truncated.json.gz", 2000);
    let out = work.slips(&["drain", "--local", "--bucket", "logs"]);
    assert!(
        text(&out.stdout).contains("drained 1 item(s)"),
        "{}",
        text(&out.stdout)
    );
    let summary = work.run();
    // The restored file is also a new version: emitted once more.
    assert_eq!(summary["failed"], 0, "{summary}");
    assert!(summary["processed"].as_u64() >= Some(1), "{summary}");
    assert!(work.error_items().is_empty());
    let mut all = good_ref.clone();
    all.push(("fast/truncated.json.gz", 2000));
    assert_eq!(work.sink(), expected(&all));

    let again = work.run();
    assert_eq!(
        (again["objects"].as_u64(), again["processed"].as_u64()),
        (Some(0), Some(0)),
        "a second run emits only new files"
    );
}

#[test]
fn a_failing_handler_retries_then_records_and_a_fix_plus_drain_processes_it() {
    let work = Work::new("log-counter", "{fail_on: POISON}", 1);
    work.object("fast/a.json.gz", 4);
    work.write("fast/poison.json", b"{\"ok\":1}\n{\"msg\":\"POISON\"}\n");
    let summary = work.run();
    assert_eq!(
        (summary["processed"].as_u64(), summary["failed"].as_u64()),
        (Some(1), Some(1)),
        "{summary}"
    );
    let items = work.error_items();
    assert_eq!(items[0]["count"], 1);
    assert!(
        items[0]["error_message"]
            .as_str()
            .unwrap_or_default()
            .ends_with(
                "fast/poison.json:2: the handler failed: record contains `POISON` (fail_on)"
            )
    );

    // The fix: the handler no longer fails on it.
    let config = std::fs::read_to_string(work.path("config.yml")).expect("config");
    std::fs::write(
        work.path("config.yml"),
        config.replace("{fail_on: POISON}", "{}"),
    )
    .expect("config");
    let id = items[0]["request_id"].as_str().expect("id").to_string();
    // One item, recorded once after all three attempts; its kind, not Lambda's
    // `Unhandled`; times as `slips errors` writes them.
    let out = work.slips(&["error", "--local", &id]);
    let shown = text(&out.stdout);
    assert!(shown.contains("recorded       once (first 20"), "{shown}");
    assert!(shown.contains("Z), each after 3 attempts"), "{shown}");
    assert!(
        shown.contains(
            "error          HandlerError: s3://logs/fast/poison.json:2: the handler failed"
        ),
        "{shown}"
    );
    assert!(
        !shown.contains("Unhandled") && !shown.contains("+00:00"),
        "{shown}"
    );
    let out = work.slips(&["drain", "--local", "--id", &id, "--dry-run"]);
    assert!(
        text(&out.stdout).contains("would drain 1 item(s)"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(work.error_items().len(), 1, "a dry run changes nothing");
    work.slips(&["drain", "--local", "--id", &id]);
    let summary = work.run();
    assert_eq!(
        (
            summary["processed"].as_u64(),
            summary["records"].as_u64(),
            summary["failed"].as_u64()
        ),
        (Some(1), Some(2), Some(0)),
        "{summary}"
    );
    assert!(work.error_items().is_empty());
}

#[test]
fn killed_mid_run_the_next_run_resumes_and_loses_nothing() {
    let work = Work::new("jsonl-sink", "{path: sink.jsonl}", 2);
    let mut objects = Vec::new();
    for i in 0..120 {
        let key = format!("fast/obj-{i:03}.json.gz");
        work.object(&key, 50);
        objects.push((key, 50));
    }
    // Build first, so the kill lands while objects are being processed.
    assert!(
        work.slips(&[
            "local",
            "--object",
            "buckets/logs/fast/obj-000.json.gz",
            "--format",
            "s3-lines",
            "--debug"
        ])
        .status
        .success()
    );
    std::fs::remove_file(work.path("sink.jsonl")).ok();

    let mut child = Command::new(env!("CARGO_BIN_EXE_slips"))
        .args([
            "run",
            "--local",
            "--buckets",
            "buckets",
            "--output",
            "json",
            "--debug",
        ])
        .current_dir(work.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the pipeline");
    let started = Instant::now();
    while work.sink().len() < 500 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    let before = work.sink().len();
    assert!(
        before < 120 * 50,
        "killed before the end ({before} records)"
    );

    let summary = work.run();
    assert_eq!(summary["failed"], 0, "{summary}");
    let all: Vec<(&str, usize)> = objects.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    assert_eq!(
        work.sink(),
        expected(&all),
        "every record of every object, at least once"
    );
    assert!(work.error_items().is_empty());
}

#[test]
fn a_panicking_handler_is_a_failed_invocation_and_the_pipeline_goes_on() {
    let work = Work::new("log-counter", "{panic_on: BOOM}", 1);
    work.object("fast/a.json.gz", 3);
    work.write("fast/boom.json", b"{\"msg\":\"BOOM\"}\n");
    work.object("fast/c.json.gz", 2);
    let summary = work.run();
    assert_eq!(
        (
            summary["processed"].as_u64(),
            summary["failed"].as_u64(),
            summary["records"].as_u64()
        ),
        (Some(2), Some(1), Some(5)),
        "{summary}"
    );
    let items = work.error_items();
    assert_eq!(items.len(), 1);
    let message = items[0]["error_message"].as_str().unwrap_or_default();
    assert!(
        message.contains("the handler panicked: record contains `BOOM` (panic_on)"),
        "{message}"
    );
    assert_eq!(items[0]["events"][0]["object_key"], "fast/boom.json");
}

#[test]
fn one_poisoned_object_fails_alone_and_its_nine_batch_mates_are_processed_once() {
    let work = Work::new("jsonl-sink", "{path: sink.jsonl}", 10);
    let mut good = Vec::new();
    for i in 0..9 {
        let key = format!("fast/obj-{i}.json.gz");
        work.object(&key, 3 + i);
        good.push((key, 3 + i));
    }
    // Not JSON on line 2: Main fails this object (on_parse_error: fail).
    work.write(
        "fast/poison.json",
        b"{\"object\":\"fast/poison.json\",\"line\":0}\nnot json\n",
    );
    let summary = work.run();
    assert_eq!(
        (
            summary["objects"].as_u64(),
            summary["processed"].as_u64(),
            summary["failed"].as_u64()
        ),
        (Some(10), Some(9), Some(1)),
        "{summary}"
    );
    let items = work.error_items();
    assert_eq!(items.len(), 1, "{items:?}");
    let keys: Vec<_> = items[0]["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["object_key"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        keys,
        ["fast/poison.json"],
        "the item names only that object"
    );
    let message = items[0]["error_message"].as_str().unwrap_or_default();
    assert!(message.contains("fast/poison.json:2: "), "{message}");
    assert_eq!(items[0]["error_code"], "ParseError", "the failure's kind");
    assert!(message.starts_with("ParseError: "), "{message}");
    for (kind, count) in [("ParseError", 1), ("HandlerError", 0)] {
        let out = work.slips(&["errors", "--local", "--kind", kind, "--output", "json"]);
        let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(listed.len(), count, "--kind {kind}");
    }

    // Every record of the good objects arrived exactly once: no batch retry repeated them.
    let seen = work.sink_counts();
    let good_ref: Vec<(&str, usize)> = good.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    for record in expected(&good_ref) {
        assert_eq!(seen.get(&record), Some(&1), "{record:?}");
    }
}

#[test]
fn a_lane_record_that_is_no_object_event_ends_in_the_error_table_not_skipped() {
    let work = Work::new("log-counter", "{}", 1);
    work.object("fast/a.json.gz", 2);
    let summary = work.run();
    assert_eq!(summary["processed"], 1, "{summary}");
    // Something else wrote into the lane (another tool, a damaged state).
    let db = rusqlite::Connection::open(work.path(".slips/state.db")).expect("state");
    db.execute(
        "INSERT INTO lane (lane, event) VALUES ('fast', '{\"not\": \"an event\"}')",
        [],
    )
    .expect("insert");
    drop(db);
    work.object("fast/b.json.gz", 3);
    let summary = work.run();
    assert_eq!(
        (summary["processed"].as_u64(), summary["failed"].as_u64()),
        (Some(1), Some(1)),
        "{summary}"
    );
    let items = work.error_items();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["error_code"], "UndecodableLaneRecord");
    assert_eq!(
        items[0]["lane_record"]["excerpt"],
        "{\"not\": \"an event\"}"
    );
    let out = work.slips(&["errors", "--local"]);
    assert!(
        text(&out.stdout).contains("not an object event"),
        "{}",
        text(&out.stdout)
    );
    // Nothing to replay: drain says so and keeps it.
    let out = work.slips(&["drain", "--local"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 item(s) hold a lane record that is not an object event"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(work.error_items().len(), 1);
}

#[test]
fn errors_and_drain_of_the_local_state_need_no_config() {
    let work = Work::new("log-counter", "{fail_on: POISON}", 1);
    work.write("fast/poison.json", b"{\"msg\":\"POISON\"}\n");
    assert_eq!(work.run()["failed"], 1);
    // As the quick start runs them: from a directory without config.yml.
    std::fs::remove_file(work.path("config.yml")).expect("remove the config");
    let out = work.slips(&["errors", "--local"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 failed invocation(s)"),
        "{}",
        text(&out.stdout)
    );
    let out = work.slips(&["drain", "--local", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("would drain 1 item(s)"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn args_that_do_not_fit_the_handler_stop_the_run_before_any_object() {
    let work = Work::new("log-counter", "{fail_onn: POISON}", 1);
    work.object("fast/a.json.gz", 4);
    let out = work.slips(&["run", "--local", "--buckets", "buckets", "--debug"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: handler.args do not fit the handler's Args type (see its fields in the handler's code): unknown field `fail_onn`"),
        "{stderr}"
    );
    // Nothing was emitted or recorded: no pipeline state was even made.
    assert!(!work.path(".slips").exists());
}

#[test]
fn multiline_redaction_filters_and_sampling_count_every_record_left_out() {
    let work = Work::new("jsonl-sink", "{path: sink.jsonl}", 10);
    let config = std::fs::read_to_string(work.path("config.yml")).expect("config");
    let mappings = r"    - prefix: app/
      format: [s3-lines]
      on_parse_error: skip
      multiline: {start: '^\d{4}-\d\d-\d\d', max_lines: 5}
      redact: [ipv4, email]
      filter: {drop: [{line: healthcheck}]}
    - prefix: json/
      format: [s3-lines, json]
      filter: {keep: [{field: level, matches: '^error$'}]}
      sample: 0.5
";
    let config = config.replace("    - {prefix: '', format: [s3-lines, json]}\n", mappings);
    std::fs::write(work.path("config.yml"), config).expect("config");
    let mut log = String::from(
        "2026-12-02T10:00:00Z INFO start from 203.0.113.7\n\
         2026-12-02T10:00:01Z ERROR failed for ana@example.com\n\
         java.lang.IllegalStateException: boom\n\
         \tat a.B.c(B.java:10)\n\
         2026-12-02T10:00:02Z DEBUG healthcheck ok\n\
         2026-12-02T10:00:03Z ERROR deep\n",
    );
    log.push_str(&"\tat frame\n".repeat(10));
    log.push_str("2026-12-02T10:00:04Z WARN last\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(log.as_bytes()).expect("gzip");
    work.write("app/service.log.gz", &gz.finish().expect("gzip"));
    let json: String = (0..1000)
        .map(|n| {
            let level = if n % 4 == 0 { "error" } else { "info" };
            format!("{{\"level\":\"{level}\",\"n\":{n}}}\n")
        })
        .collect();
    work.write("json/levels.json", json.as_bytes());

    let summary = work.run();
    assert_eq!(summary["processed"], 2, "{summary}");
    assert_eq!(summary["too_large"], 1, "{summary}");
    // The health check, and the 750 records of level info.
    assert_eq!(summary["filtered"], 751, "{summary}");
    let sampled_out = summary["sampled_out"].as_u64().unwrap_or(0);
    assert!((80..170).contains(&sampled_out), "half of 250: {summary}");
    assert_eq!(summary["records"], 3 + 250 - sampled_out, "{summary}");
    // Main's counts, on whichever lane its invocations were.
    let metrics = &summary["metrics"];
    let main_count = |name: &str| -> u64 {
        let Some(metrics) = metrics.as_object() else {
            return 0;
        };
        metrics
            .iter()
            .filter(|(key, _)| key.starts_with("main.") && key.ends_with(&format!(".{name}")))
            .filter_map(|(_, count)| count.as_u64())
            .sum()
    };
    assert_eq!(main_count("FilteredRecords"), 751, "{metrics}");
    assert_eq!(main_count("SampledOutRecords"), sampled_out, "{metrics}");
    assert_eq!(main_count("TooLargeRecords"), 1, "{metrics}");

    let sink = std::fs::read_to_string(work.path("sink.jsonl")).expect("sink");
    let app: Vec<(u64, String)> = sink
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|value| value["meta"]["source"]["key"] == "app/service.log.gz")
        .map(|value| {
            let line = value["meta"]["line"].as_u64().unwrap_or(0);
            (
                line,
                value["record"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        app,
        [
            (1, "2026-12-02T10:00:00Z INFO start from [ipv4]".to_string()),
            (
                2,
                "2026-12-02T10:00:01Z ERROR failed for [email]\n\
                 java.lang.IllegalStateException: boom\n\
                 \tat a.B.c(B.java:10)"
                    .to_string()
            ),
            (17, "2026-12-02T10:00:04Z WARN last".to_string()),
        ]
    );
    let levels = sink
        .lines()
        .filter(|l| l.contains("\"level\":\"info\""))
        .count();
    assert_eq!(levels, 0, "no info record reaches the handler");
}
