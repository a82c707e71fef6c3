//! Main against S3 (moto): every compression and reader, the awkward
//! objects real buckets hold, and failures that name the object and line.

mod support;

use std::io::Write;

use serde_json::json;
use slips::config::Config;
use slips::event::{self, ObjectEvent};
use slips::functions::main::{self, Invocation};
use slips::object::S3Store;
use slips::{Handler, Meta, Record};

/// Records what it receives: `line|tag|text` per record.
struct Collect {
    seen: Vec<String>,
    args: TestArgs,
}

#[derive(serde::Deserialize, Default)]
struct TestArgs {
    #[serde(default)]
    panic_on: Option<String>,
    #[serde(default)]
    fail_on: Option<String>,
    /// Sleep 300 ms on a record containing this (a slow handler).
    #[serde(default)]
    slow_on: Option<String>,
}

impl Handler for Collect {
    type Args = TestArgs;
    type Output = Vec<String>;

    async fn setup(args: TestArgs) -> slips::Result<Self> {
        Ok(Collect {
            seen: Vec::new(),
            args,
        })
    }

    async fn recv(&mut self, meta: &Meta<'_>, record: &Record<'_>) -> slips::Result<()> {
        let text = record.text()?.into_owned();
        if self
            .args
            .panic_on
            .as_deref()
            .is_some_and(|p| text.contains(p))
        {
            panic!("boom on {text}");
        }
        if self
            .args
            .slow_on
            .as_deref()
            .is_some_and(|p| text.contains(p))
        {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        if self
            .args
            .fail_on
            .as_deref()
            .is_some_and(|p| text.contains(p))
        {
            slips::bail!("refusing {text}");
        }
        let line = meta.line.map_or("-".into(), |l| l.to_string());
        self.seen
            .push(format!("{line}|{}|{text}", meta.tag.unwrap_or("-")));
        Ok(())
    }

    async fn result(self) -> slips::Result<Vec<String>> {
        Ok(self.seen)
    }
}

struct Bucket {
    name: String,
    store: S3Store,
    client: aws_sdk_s3::Client,
}

impl Bucket {
    async fn new() -> Bucket {
        let sdk = support::sdk_config().await;
        let client = slips::aws::s3_client(&sdk);
        let name = support::unique_name("main");
        support::create_bucket(&client, &name).await;
        Bucket {
            store: S3Store::new(client.clone()),
            client,
            name,
        }
    }

    async fn put(&self, key: &str, body: Vec<u8>) -> ObjectEvent {
        let put = self
            .client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .body(body.into())
            .send()
            .await
            .expect("put object");
        // As S3 notifies it: the ETag unquoted, the version when there is one.
        let mut record = support::s3_record(&self.name, &encode_key(key), 1);
        let object = &mut record["s3"]["object"];
        object["eTag"] = json!(put.e_tag().unwrap_or_default().trim_matches('"'));
        if let Some(version) = put.version_id() {
            object["versionId"] = json!(version);
        }
        let notification = json!({"Records": [record]});
        let mut events =
            event::from_json(notification.to_string().as_bytes()).expect("notification");
        events.remove(0)
    }

    fn config(&self, mappings: serde_json::Value, args: serde_json::Value) -> Config {
        serde_json::from_value(json!({
            "stack_name": "test",
            "backend": {"sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}]},
            "handler": {"path": ".", "args": args},
            "bucket_mapping": {self.name.clone(): mappings},
        }))
        .expect("config")
    }

    async fn run(
        &self,
        config: &Config,
        events: &[ObjectEvent],
    ) -> anyhow::Result<Invocation<Vec<String>>> {
        main::process::<Collect, _>(config, &self.store, events)
            .await?
            .all_processed()
    }
}

/// How S3 notifications encode keys: form encoding, `+` for space.
fn encode_key(key: &str) -> String {
    let mut out = String::new();
    for byte in key.bytes() {
        match byte {
            b' ' => out.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'.' | b'-' | b'_' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    encoder.write_all(data).expect("bzip2");
    encoder.finish().expect("bzip2")
}

const LINES: &[u8] = b"{\"n\":1}\n{\"n\":2}\n";

#[tokio::test]
async fn every_compression_with_every_reader() {
    let bucket = Bucket::new().await;
    let compressions: [(&str, Vec<u8>); 5] = [
        ("plain.log", LINES.to_vec()),
        ("gzip.log.gz", gzip(LINES)),
        ("gzip-without-suffix", gzip(LINES)),
        ("zstd.log.zst", zstd::encode_all(LINES, 3).expect("zstd")),
        ("bzip2.log.bz2", bzip2(LINES)),
    ];
    let config = bucket.config(
        json!([{"prefix": "lines/", "format": ["s3-lines", "json"]},
               {"prefix": "text/", "format": ["s3-text"]},
               {"prefix": "ignore/", "format": ["ignore"]}]),
        json!({}),
    );
    for (name, body) in compressions {
        let lines = bucket.put(&format!("lines/{name}"), body.clone()).await;
        let text = bucket.put(&format!("text/{name}"), body.clone()).await;
        let ignored = bucket.put(&format!("ignore/{name}"), body).await;
        let out = bucket
            .run(&config, &[lines, text, ignored])
            .await
            .expect(name);
        assert_eq!(
            out.output,
            [
                "1|-|{\"n\":1}",
                "2|-|{\"n\":2}",
                "-|-|{\"n\":1}\n{\"n\":2}\n"
            ],
            "{name}"
        );
        assert_eq!(out.summary.objects, 3);
        assert_eq!(out.summary.records, 3);
    }
}

#[tokio::test]
async fn multi_member_gzip_split_inside_a_line() {
    let bucket = Bucket::new().await;
    let mut body = gzip(b"{\"member\":1}\n{\"member\":\"spl");
    body.extend(gzip(b"it\"}\n{\"member\":3}\n"));
    let event = bucket.put("firehose/2026/11/22/delivery-1", body).await;
    let config = bucket.config(
        json!([{"prefix": "firehose/", "format": ["s3-lines", "json"]}]),
        json!({}),
    );
    let out = bucket.run(&config, &[event]).await.expect("multi-member");
    assert_eq!(
        out.output,
        [
            "1|-|{\"member\":1}",
            "2|-|{\"member\":\"split\"}",
            "3|-|{\"member\":3}"
        ]
    );
}

#[tokio::test]
async fn url_encoded_keys_crlf_blank_lines_and_empty_objects() {
    let bucket = Bucket::new().await;
    let event = bucket
        .put(
            "logs/app one/a+b=c.log",
            b"first\r\n\r\n  \nsecond\r\nlast without newline".to_vec(),
        )
        .await;
    assert_eq!(event.object_key, "logs/app one/a+b=c.log");
    let empty = bucket.put("logs/empty.log", Vec::new()).await;
    let config = bucket.config(
        json!([{"prefix": "logs/", "format": ["s3-lines"]}]),
        json!({}),
    );
    let out = bucket.run(&config, &[event, empty]).await.expect("run");
    assert_eq!(
        out.output,
        ["1|-|first", "4|-|second", "5|-|last without newline"]
    );
    assert_eq!(out.summary.objects, 2);
}

#[tokio::test]
async fn the_longest_matching_prefix_picks_the_chain() {
    let bucket = Bucket::new().await;
    let config = bucket.config(
        json!([{"prefix": "", "format": ["s3-text"]},
               {"prefix": "logs/", "format": ["s3-lines"]},
               {"prefix": "logs/ct/", "format": ["s3-text", "json", "cloudtrail"]}]),
        json!({}),
    );
    let trail = br#"{"Records":[{"eventVersion":"1.08","eventTime":"2026-11-22T08:15:30Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventType":"AwsApiCall","sourceIPAddress":"203.0.113.9","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/ann"}}]}"#;
    let events = [
        bucket.put("other/a.log", b"x\ny\n".to_vec()).await,
        bucket.put("logs/a.log", b"x\ny\n".to_vec()).await,
        bucket.put("logs/ct/trail.json.gz", gzip(trail)).await,
    ];
    let out = bucket.run(&config, &events).await.expect("run");
    assert_eq!(out.output[..3], ["-|-|x\ny\n", "1|-|x", "2|-|y"]);
    assert!(
        out.output[3].starts_with("-|aws.cloudtrail.AwsApiCall|{"),
        "{:?}",
        out.output
    );
    assert!(
        out.output[3]
            .contains("AwsApiCall GetObject by arn:aws:iam::123456789012:user/ann on 203.0.113.9")
    );
}

#[tokio::test]
async fn a_truncated_gzip_names_the_object() {
    let bucket = Bucket::new().await;
    let whole = gzip(&b"{\"n\":12345678}\n".repeat(10_000));
    let event = bucket
        .put("logs/cut.log.gz", whole[..whole.len() / 2].to_vec())
        .await;
    let config = bucket.config(json!([{"prefix": "", "format": ["s3-lines"]}]), json!({}));
    let error = bucket.run(&config, &[event]).await.expect_err("truncated");
    let message = format!("{error:#}");
    assert!(
        message.starts_with(&format!(
            "s3://{}/logs/cut.log.gz: reading the gzip data failed (truncated or corrupt?)",
            bucket.name
        )),
        "{message}"
    );
}

#[tokio::test]
async fn parse_errors_fail_with_the_line_or_are_skipped() {
    let bucket = Bucket::new().await;
    let event = bucket
        .put(
            "logs/bad.log",
            b"{\"ok\":1}\n\n{\"broken\":\n{\"ok\":2}\n".to_vec(),
        )
        .await;
    let failing = bucket.config(
        json!([{"prefix": "", "format": ["s3-lines", "json"]}]),
        json!({}),
    );
    let error = bucket
        .run(&failing, std::slice::from_ref(&event))
        .await
        .expect_err("parse error");
    assert_eq!(
        format!("{error:#}"),
        format!(
            "s3://{}/logs/bad.log:3: invalid JSON: EOF while parsing a value at line 1 column 10",
            bucket.name
        )
    );
    let skipping = bucket.config(
        json!([{"prefix": "", "format": ["s3-lines", "json"], "on_parse_error": "skip"}]),
        json!({}),
    );
    let out = bucket.run(&skipping, &[event]).await.expect("skip");
    assert_eq!(out.output, ["1|-|{\"ok\":1}", "4|-|{\"ok\":2}"]);
    assert_eq!(out.summary.skipped, 1);
}

#[tokio::test]
async fn a_bad_cloudtrail_event_costs_that_event_only() {
    let bucket = Bucket::new().await;
    let trail = br#"{"Records":[{"eventType":"AwsApiCall","eventName":"A"},{"eventType":7},{"eventName":"B"}]}"#;
    let event = bucket.put("AWSLogs/trail.json", trail.to_vec()).await;
    let chain = json!(["s3-text", "json", "cloudtrail"]);
    let failing = bucket.config(json!([{"prefix": "", "format": chain}]), json!({}));
    let error = bucket
        .run(&failing, std::slice::from_ref(&event))
        .await
        .expect_err("a bad event fails the object by default");
    assert!(
        format!("{error:#}").ends_with("AWSLogs/trail.json: Records[1]: eventType: expected a name such as AwsApiCall, got a number"),
        "{error:#}"
    );
    let skipping = bucket.config(
        json!([{"prefix": "", "format": chain, "on_parse_error": "skip"}]),
        json!({}),
    );
    let out = bucket.run(&skipping, &[event]).await.expect("skip");
    assert_eq!(out.output.len(), 2, "{:?}", out.output);
    assert!(out.output[0].starts_with("-|aws.cloudtrail.AwsApiCall|"));
    assert!(out.output[1].starts_with("-|aws.cloudtrail.None|"));
    assert_eq!((out.summary.records, out.summary.skipped), (2, 1));
}

#[tokio::test]
async fn handler_errors_and_panics_fail_the_invocation() {
    let bucket = Bucket::new().await;
    let event = bucket
        .put("logs/poison.log", b"fine\nPOISON here\n".to_vec())
        .await;
    let mapping = json!([{"prefix": "", "format": ["s3-lines"]}]);
    let failing = bucket.config(mapping.clone(), json!({"fail_on": "POISON"}));
    let error = bucket
        .run(&failing, std::slice::from_ref(&event))
        .await
        .expect_err("handler error");
    assert_eq!(
        format!("{error:#}"),
        format!(
            "s3://{}/logs/poison.log:2: the handler failed: refusing POISON here",
            bucket.name
        )
    );
    let panicking = bucket.config(mapping, json!({"panic_on": "POISON"}));
    let error = bucket.run(&panicking, &[event]).await.expect_err("panic");
    assert_eq!(
        format!("{error:#}"),
        format!(
            "s3://{}/logs/poison.log:2: the handler panicked: boom on POISON here",
            bucket.name
        )
    );
}

#[tokio::test]
async fn a_poisoned_object_fails_alone_and_its_batch_mates_are_processed() {
    let bucket = Bucket::new().await;
    let mut events = Vec::new();
    for (key, body) in [
        ("logs/a.log", "a1\na2\n"),
        ("logs/poison.log", "fine\nPOISON here\nafter\n"),
        ("logs/boom.log", "BOOM\n"),
        ("logs/b.log", "b1\n"),
    ] {
        events.push(bucket.put(key, body.as_bytes().to_vec()).await);
    }
    let mapping = json!([{"prefix": "", "format": ["s3-lines"]}]);
    let config = bucket.config(mapping, json!({"fail_on": "POISON", "panic_on": "BOOM"}));
    let out = main::process::<Collect, _>(&config, &bucket.store, &events)
        .await
        .expect("the batch as a whole goes on");
    assert_eq!(
        (out.summary.objects, out.summary.records, out.summary.failed),
        (2, 3, 2)
    );
    // The handler saw the poisoned object's first line before it failed (it
    // will see it again when that object is retried: at least once).
    assert_eq!(out.output, ["1|-|a1", "2|-|a2", "1|-|fine", "1|-|b1"]);
    let failed: Vec<_> = out
        .failed
        .iter()
        .map(|f| (f.event.object_key.as_str(), format!("{:#}", f.error)))
        .collect();
    let kinds: Vec<_> = out.failed.iter().map(|f| main::kind_of(&f.error)).collect();
    assert_eq!(
        kinds,
        [
            Some(main::FailureKind::HandlerError),
            Some(main::FailureKind::HandlerPanic)
        ]
    );
    assert!(main::error_message(&out.failed[0].error).starts_with("HandlerError: s3://"));
    assert_eq!(failed[0].0, "logs/poison.log");
    assert!(
        failed[0]
            .1
            .ends_with("logs/poison.log:2: the handler failed: refusing POISON here")
    );
    assert_eq!(failed[1].0, "logs/boom.log");
    assert!(
        failed[1]
            .1
            .ends_with("logs/boom.log:1: the handler panicked: boom on BOOM"),
        "{}",
        failed[1].1
    );
}

#[tokio::test]
async fn missing_objects_and_unmapped_buckets_are_errors() {
    let bucket = Bucket::new().await;
    let config = bucket.config(
        json!([{"prefix": "logs/", "format": ["s3-lines"]}]),
        json!({}),
    );
    let mut event = bucket.put("logs/here.log", b"x\n".to_vec()).await;
    event.object_key = "logs/not-here.log".into();
    let error = bucket
        .run(&config, &[event.clone()])
        .await
        .expect_err("missing");
    assert!(format!("{error:#}").starts_with(&format!(
        "s3://{}/logs/not-here.log: cannot open: GetObject",
        bucket.name
    )));
    assert_eq!(
        main::kind_of(&error),
        Some(main::FailureKind::ObjectNotFound)
    );
    event.object_key = "elsewhere/x.log".into();
    let error = bucket.run(&config, &[event]).await.expect_err("unmapped");
    assert_eq!(main::kind_of(&error), Some(main::FailureKind::NoMapping));
    assert!(
        format!("{error:#}")
            .ends_with("elsewhere/x.log: no bucket_mapping entry matches this object")
    );
}

#[tokio::test]
async fn a_versioned_object_is_read_as_the_version_notified() {
    let bucket = Bucket::new().await;
    bucket
        .client
        .put_bucket_versioning()
        .bucket(&bucket.name)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    let first = bucket.put("logs/v.log", b"first\n".to_vec()).await;
    let second = bucket.put("logs/v.log", b"second\n".to_vec()).await;
    assert!(first.version_id.is_some() && first.version_id != second.version_id);
    let config = bucket.config(json!([{"prefix": "", "format": ["s3-lines"]}]), json!({}));
    let out = bucket
        .run(&config, &[first, second])
        .await
        .expect("both versions");
    assert_eq!(
        out.output,
        ["1|-|first", "1|-|second"],
        "each event reads its own version"
    );
}

#[tokio::test]
async fn an_unversioned_object_replaced_since_its_notification_fails_loudly() {
    let bucket = Bucket::new().await;
    let event = bucket.put("logs/u.log", b"announced\n".to_vec()).await;
    bucket.put("logs/u.log", b"replaced\n".to_vec()).await;
    let config = bucket.config(json!([{"prefix": "", "format": ["s3-lines"]}]), json!({}));
    let error = bucket.run(&config, &[event]).await.expect_err("changed");
    let message = format!("{error:#}");
    assert!(
        message.starts_with(&format!(
            "s3://{}/logs/u.log: cannot open: the object changed since its notification",
            bucket.name
        )),
        "{message}"
    );
}

#[tokio::test]
async fn main_stops_before_its_timeout_naming_the_object_and_line() {
    let bucket = Bucket::new().await;
    // Two blocks' worth of lines, the first one slow to handle.
    let mut big = b"SLOW\n".to_vec();
    big.extend(b"line\n".repeat(2 * slips::object::BLOCK_BYTES / 5));
    let first = bucket.put("logs/big.log", big).await;
    let second = bucket.put("logs/next.log", b"x\n".to_vec()).await;
    let config = bucket.config(
        json!([{"prefix": "", "format": ["s3-lines"]}]),
        json!({"slow_on": "SLOW"}),
    );
    let stop = std::time::Instant::now() + std::time::Duration::from_millis(100);
    let out =
        main::process_until::<Collect, _>(&config, &bucket.store, &[first, second], Some(stop))
            .await
            .expect("the batch goes on");
    let failed: Vec<_> = out
        .failed
        .iter()
        .map(|f| (main::kind_of(&f.error), format!("{:#}", f.error)))
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0].0, Some(main::FailureKind::Timeout));
    assert!(
        failed[0].1.contains("logs/big.log:") && failed[0].1.contains("Main stopped reading here"),
        "{}",
        failed[0].1
    );
    assert_eq!(failed[1].0, Some(main::FailureKind::Timeout));
    assert!(
        failed[1]
            .1
            .ends_with("logs/next.log: not reached before Main's timeout"),
        "{}",
        failed[1].1
    );
}

#[tokio::test]
async fn record_rules_join_redact_and_filter_objects_read_from_s3() {
    let bucket = Bucket::new().await;
    let log = "2026-12-02 10:00:00 ERROR at 198.51.100.20\n\
               \tat a.B(B.java:1)\n\
               \tat c.D(D.java:2)\n\
               2026-12-02 10:00:01 INFO GET /health\n\
               2026-12-02 10:00:02 WARN token=abc123 left\n";
    let event = bucket.put("app/a.log.gz", gzip(log.as_bytes())).await;
    let mapping = |max_lines: u32, on_parse_error: &str| {
        json!([{"prefix": "app/", "format": ["s3-lines"], "on_parse_error": on_parse_error,
            "multiline": {"start": r"^\d{4}-", "max_lines": max_lines},
            "redact": ["ipv4", {"pattern": "(token=)\\w+", "replace": "${1}***"}],
            "filter": {"drop": [{"line": "GET /health"}]}}])
    };
    let config = bucket.config(mapping(10, "fail"), json!({}));
    let out = bucket
        .run(&config, std::slice::from_ref(&event))
        .await
        .expect("processed");
    assert_eq!(
        out.output,
        [
            "1|-|2026-12-02 10:00:00 ERROR at [ipv4]\n\tat a.B(B.java:1)\n\tat c.D(D.java:2)",
            "5|-|2026-12-02 10:00:02 WARN token=*** left",
        ]
    );
    assert_eq!((out.summary.records, out.summary.filtered), (2, 1));

    // A record over max_lines fails its object, naming its first line, or is skipped and counted.
    let strict = bucket.config(mapping(2, "fail"), json!({}));
    let error = bucket
        .run(&strict, std::slice::from_ref(&event))
        .await
        .expect_err("too large");
    assert_eq!(main::error_code(&error), "LineTooLong");
    assert_eq!(
        format!("{error:#}"),
        format!(
            "s3://{}/app/a.log.gz:1: a record of 3 lines and 78 bytes, over multiline's max_lines (2) or max_bytes (1048576)",
            bucket.name
        )
    );
    let skipping = bucket.config(mapping(2, "skip"), json!({}));
    let out = bucket.run(&skipping, &[event]).await.expect("skipped");
    assert_eq!(out.output.len(), 1);
    assert_eq!((out.summary.too_large, out.summary.filtered), (1, 1));
}
