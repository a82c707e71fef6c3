//! Every function as Lambda runs it: the real handler binary, started with
//! the environment the rendered template gives that function, talking to a
//! Runtime API on loopback and to AWS through moto.

mod common;
mod lambda_runtime;
#[path = "../../runtime/tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use base64::Engine;
use common::repo_root;
use lambda_runtime::{Function, Outcome, template_environment};
use serde_json::{Value, json};
use slips::error_table::{DynamoErrorTable, ErrorStore};
use slips_templates::Function as StackFunction;

/// The debug build of `log-counter`, the binary every function runs from.
fn handler_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-p", "log-counter"])
        .current_dir(repo_root())
        .status()
        .expect("cargo build");
    assert!(status.success());
    repo_root().join("target/debug/log-counter")
}

/// Resources the functions reach, made in moto, and the stack around them.
struct Stack {
    dir: tempfile::TempDir,
    template: Value,
    physical: HashMap<&'static str, String>,
    bucket: String,
    sdk: aws_config::SdkConfig,
}

impl Stack {
    async fn new() -> Stack {
        let sdk = support::sdk_config().await;
        let bucket = support::unique_name("lambda-logs");
        support::create_bucket(&slips::aws::s3_client(&sdk), &bucket).await;
        let kinesis = aws_sdk_kinesis::Client::new(&sdk);
        let fast = support::create_stream(&kinesis, "fast").await;
        let slow = support::create_stream(&kinesis, "slow").await;
        let table = support::create_error_table(&aws_sdk_dynamodb::Client::new(&sdk)).await;
        // A Main function in moto for the Dispatchers to invoke.
        let role = support::create_lambda_role(&sdk).await;
        let main = support::create_function(&aws_sdk_lambda::Client::new(&sdk), &role).await;

        let dir = tempfile::tempdir().expect("temp dir");
        let config = format!(
            "stack_name: lambda-test
sam: {{code_bucket: code-bucket}}
backend:
  sns_topics: [{{name: Logs, arn: 'arn:aws:sns:us-east-1:123456789012:Logs'}}]
  sqs_queues: [{{name: LogQueue, arn: 'arn:aws:sqs:us-east-1:123456789012:log-queue'}}]
  eventbridge: {{buckets: [{bucket}]}}
  lane:
    slow: {{delay: 0, batch_size: 1}}
handler:
  path: {handler}
  args: {{fail_on: POISON}}
routing:
  - {{prefix: debug/, dest: drop}}
  - {{prefix: slow/, dest: slow}}
  - {{prefix: logs/, dest: fast}}
bucket_mapping:
  {bucket}:
    - {{prefix: logs/, format: [s3-lines, json]}}
",
            handler = repo_root().join("handlers/log-counter").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).expect("config");
        let loaded = slips::config::load(&dir.path().join("config.yml")).expect("a valid config");
        // The code zip's slips.json: what `slips deploy` puts beside the binary.
        std::fs::write(
            dir.path().join("slips.json"),
            serde_json::to_vec(&loaded.config).expect("JSON"),
        )
        .expect("slips.json");
        let template = slips_templates::render(&loaded.config)
            .expect("template")
            .value()
            .clone();
        let physical = HashMap::from([
            ("EventFastStream", fast),
            ("EventSlowStream", slow),
            ("ErrorTable", table),
            ("MainFunc", main),
        ]);
        Stack {
            dir,
            template,
            physical,
            bucket,
            sdk,
        }
    }

    fn start(&self, function: StackFunction) -> Function {
        let environment =
            template_environment(&self.template, function.logical_id(), &self.physical);
        assert_eq!(
            environment.get("SLIPS_FUNCTION").map(String::as_str),
            Some(function.name())
        );
        // Lambda names the function by its physical name (Main invokes itself by it).
        let name = self
            .physical
            .get(function.logical_id())
            .map_or(function.logical_id(), String::as_str);
        Function::start(&handler_binary(), name, self.dir.path(), &environment)
    }

    async fn stream_events(&self, stream: &str) -> Vec<slips::event::ObjectEvent> {
        support::stream_events(&aws_sdk_kinesis::Client::new(&self.sdk), stream).await
    }
}

#[tokio::test]
async fn event_pusher_main_and_dispatcher_as_lambda_runs_them() {
    let stack = Stack::new().await;
    let s3 = slips::aws::s3_client(&stack.sdk);
    for (key, body) in [
        ("logs/good one.json", "{\"a\":1}\n{\"a\":2}\n"),
        ("logs/poison.json", "{\"a\":\"POISON\"}\n"),
    ] {
        s3.put_object()
            .bucket(&stack.bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .expect("put");
    }

    // EventPusher: an SNS-wrapped notification → the fast stream, key decoded.
    let pusher = stack.start(StackFunction::EventPusher);
    let notification =
        json!({"Records": [support::s3_record(&stack.bucket, "logs/good+one.json", 10)]})
            .to_string();
    match pusher.invoke(support::sns_event("Logs", &notification, json!({}))) {
        Outcome::Response(pushed) => {
            assert_eq!(pushed, json!({"fast": 1, "slow": 0, "dropped": 0}))
        }
        Outcome::Error(error) => panic!("event-pusher failed: {error}"),
    }
    let on_lane = stack
        .stream_events(&stack.physical["EventFastStream"])
        .await;
    assert_eq!(on_lane.len(), 1);
    assert_eq!(on_lane[0].object_key, "logs/good one.json");

    // Main: the object event → the handler's result; a poisoned one → an error response.
    let main = stack.start(StackFunction::Main);
    match main.invoke(serde_json::to_value(&on_lane).expect("events")) {
        Outcome::Response(result) => assert_eq!(result, json!({"records": 2, "tags": {}})),
        Outcome::Error(error) => panic!("main failed: {error}"),
    }
    let mut poisoned = on_lane[0].clone();
    poisoned.object_key = "logs/poison.json".into();
    match main.invoke(serde_json::to_value([&poisoned]).expect("events")) {
        Outcome::Error(error) => {
            let message = error["errorMessage"].as_str().unwrap_or_default();
            assert!(
                message.ends_with(
                    "logs/poison.json:1: the handler failed: record contains `POISON` (fail_on)"
                ),
                "{error}"
            );
        }
        Outcome::Response(result) => panic!("main should have failed: {result}"),
    }

    // A batch with a poisoned object: the good one is processed, the
    // poisoned one handed back to Main alone (an asynchronous invoke).
    match main.invoke(serde_json::to_value([&on_lane[0], &poisoned]).expect("events")) {
        Outcome::Response(result) => assert_eq!(result, json!({"records": 2, "tags": {}})),
        Outcome::Error(error) => panic!("the batch should succeed: {error}"),
    }

    // Main reports CloudWatch metrics in embedded metric format (its log
    // lines reach us through a pipe: give them a moment).
    let started = std::time::Instant::now();
    let mut emf = main.json_lines();
    while emf.len() < 2 && started.elapsed() < std::time::Duration::from_secs(5) {
        std::thread::sleep(std::time::Duration::from_millis(50));
        emf = main.json_lines();
    }
    let metric = |d: &Value, name: &str| d[name].as_f64();
    let ok = emf
        .iter()
        .find(|d| {
            d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "slips"
                && metric(d, "Records") == Some(2.0)
        })
        .unwrap_or_else(|| panic!("no EMF metrics with Records=2 in {emf:?}"));
    assert_eq!(
        (
            ok["Function"].as_str(),
            ok["Lane"].as_str(),
            metric(ok, "Objects")
        ),
        (Some("main"), Some("fast"), Some(1.0))
    );
    assert!(
        emf.iter().any(|d| metric(d, "FailedObjects") == Some(1.0)),
        "the failed invocation is counted: {emf:?}"
    );
    while !emf.iter().any(|d| metric(d, "HandedBack") == Some(1.0))
        && started.elapsed() < std::time::Duration::from_secs(5)
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
        emf = main.json_lines();
    }
    assert!(
        emf.iter()
            .any(|d| metric(d, "HandedBack") == Some(1.0) && metric(d, "Objects") == Some(2.0)),
        "the handed-back object is counted: {emf:?}"
    );

    // FastDispatcher: a Kinesis batch → an asynchronous invoke of Main.
    let dispatcher = stack.start(StackFunction::FastDispatcher);
    let data = base64::engine::general_purpose::STANDARD
        .encode(serde_json::to_vec(&on_lane[0]).expect("event"));
    let record = |sequence: &str, data: &str| {
        json!({"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "k", "sequenceNumber": sequence,
        "data": data, "approximateArrivalTimestamp": 1763799330.123}, "eventSource": "aws:kinesis", "eventVersion": "1.0",
        "eventID": format!("shardId-000000000000:{sequence}"), "eventName": "aws:kinesis:record", "invokeIdentityArn": "arn:aws:iam::123456789012:role/x",
        "awsRegion": "us-east-1", "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/x"})
    };
    // The second record is no object event: kept in the error table, not skipped.
    let junk = base64::engine::general_purpose::STANDARD.encode(b"junk from elsewhere");
    let batch = json!({"Records": [record("1", &data), record("2", &junk)]});
    match dispatcher.invoke(batch) {
        Outcome::Response(dispatched) => {
            assert_eq!(
                dispatched,
                json!({"events": 1, "invocations": 1, "undecodable": 1, "kept": 0})
            )
        }
        Outcome::Error(error) => panic!("dispatcher failed: {error}"),
    }
    let table = DynamoErrorTable::new(
        aws_sdk_dynamodb::Client::new(&stack.sdk),
        stack.physical["ErrorTable"].clone(),
    );
    let kept = table
        .get("lane-record-fast-2")
        .await
        .expect("get")
        .expect("the junk record's item");
    assert_eq!(
        kept.lane_record.map(|r| r.excerpt),
        Some("junk from elsewhere".to_string())
    );
}

/// One message of an SQS event, as Lambda hands it over.
fn sqs_record(id: &str, body: &str) -> Value {
    json!({"messageId": id, "receiptHandle": format!("handle-{id}"), "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1764723600000",
            "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1764723600001"},
        "messageAttributes": {}, "md5OfBody": "x", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:log-queue", "awsRegion": "us-east-1"})
}

/// An EventBridge "Object Created" event of `key` in `bucket`.
fn eventbridge_event(bucket: &str, key: &str) -> Value {
    json!({"version": "0", "id": "e-1", "detail-type": "Object Created", "source": "aws.s3",
        "account": "123456789012", "time": "2026-12-03T02:00:00Z", "region": "us-east-1",
        "resources": [format!("arn:aws:s3:::{bucket}")],
        "detail": {"version": "0", "bucket": {"name": bucket},
            "object": {"key": key, "size": 5, "etag": "e", "sequencer": "01"},
            "request-id": "R", "requester": "123456789012", "reason": "PutObject"}})
}

/// EventPusher on an SQS batch of every body shape an intake queue gets:
/// the messages it cannot push (junk, a lane that refuses) come back in its
/// partial batch response, alone; and on an EventBridge event.
#[tokio::test]
async fn event_pusher_takes_queue_batches_and_eventbridge_events_as_lambda_runs_them() {
    let mut stack = Stack::new().await;
    // The slow lane's stream is gone: its put fails, for good.
    stack
        .physical
        .insert("EventSlowStream", support::unique_name("gone"));
    let bucket = stack.bucket.clone();
    let notification = |key: &str| json!({"Records": [support::s3_record(&bucket, key, 5)]});
    let sns_envelope = json!({"Type": "Notification", "MessageId": "sns-1",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:Logs", "Subject": "Amazon S3 Notification",
        "Message": notification("logs/b.json").to_string(), "Timestamp": "2026-12-03T02:00:00.000Z"});
    let test_event = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": bucket});
    let batch = json!({"Records": [
        sqs_record("direct", &notification("logs/a+1.json").to_string()),
        sqs_record("via-sns", &sns_envelope.to_string()),
        sqs_record("via-eventbridge", &eventbridge_event(&bucket, "logs/c 1.json").to_string()),
        sqs_record("junk", "hello"),
        sqs_record("test-event", &test_event.to_string()),
        sqs_record("to-slow", &notification("slow/d.json").to_string()),
        sqs_record("dropped", &notification("debug/x.json").to_string()),
        // One notification, two objects: one for each lane. The slow one is
        // refused, so the message comes again whole (its fast one twice).
        sqs_record("both-lanes", &json!({"Records": [
            support::s3_record(&bucket, "logs/f.json", 5),
            support::s3_record(&bucket, "slow/g.json", 5),
        ]}).to_string()),
    ]});
    let pusher = stack.start(StackFunction::EventPusher);
    match pusher.invoke(batch) {
        Outcome::Response(response) => assert_eq!(
            response,
            json!({"batchItemFailures": [{"itemIdentifier": "junk"}, {"itemIdentifier": "to-slow"},
                {"itemIdentifier": "both-lanes"}]})
        ),
        Outcome::Error(error) => panic!("event-pusher failed: {error}"),
    }
    let keys = |events: Vec<slips::event::ObjectEvent>| -> Vec<String> {
        events.into_iter().map(|e| e.object_key).collect()
    };
    let fast = stack.physical["EventFastStream"].clone();
    assert_eq!(
        keys(stack.stream_events(&fast).await),
        [
            "logs/a 1.json",
            "logs/b.json",
            "logs/c 1.json",
            "logs/f.json"
        ]
    );
    // A message that cannot be named in a response fails the whole batch.
    let mut nameless = sqs_record("x", &notification("logs/h.json").to_string());
    nameless["messageId"] = Value::Null;
    match pusher.invoke(json!({"Records": [nameless]})) {
        Outcome::Error(error) => assert!(
            error["errorMessage"]
                .as_str()
                .unwrap_or_default()
                .contains("SQS event: Records[0] has no messageId or no body"),
            "{error}"
        ),
        Outcome::Response(response) => panic!("should fail whole: {response}"),
    }

    // EventBridge → EventPusher directly (a rule's target).
    match pusher.invoke(eventbridge_event(&bucket, "logs/e.json")) {
        Outcome::Response(pushed) => {
            assert_eq!(pushed, json!({"fast": 1, "slow": 0, "dropped": 0}))
        }
        Outcome::Error(error) => panic!("event-pusher failed: {error}"),
    }
    assert_eq!(keys(stack.stream_events(&fast).await).len(), 5);
    // What it counted: the three messages returned to the queue.
    let started = std::time::Instant::now();
    let returned = |lines: &[Value]| {
        lines
            .iter()
            .any(|d| d["Function"] == "event-pusher" && d["ReturnedMessages"] == 3.0)
    };
    while !returned(&pusher.json_lines()) && started.elapsed().as_secs() < 5 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(returned(&pusher.json_lines()), "{:?}", pusher.json_lines());
}

#[tokio::test]
async fn reporter_and_drain_as_lambda_runs_them() {
    let stack = Stack::new().await;
    let mut event: slips::event::ObjectEvent = serde_json::from_value(
        json!({"bucket_name": stack.bucket, "object_key": "logs/poison.json", "lane": "slow"}),
    )
    .expect("event");
    event.object_size = 17;

    let reporter = stack.start(StackFunction::Reporter);
    let attributes = json!({
        "RequestID": {"Type": "String", "Value": "req-lambda-1"},
        "ErrorCode": {"Type": "String", "Value": "200"},
        "ErrorMessage": {"Type": "String", "Value": "the handler failed"}
    });
    match reporter.invoke(support::sns_event(
        "Logs",
        &serde_json::to_string(&[&event]).expect("events"),
        attributes,
    )) {
        Outcome::Response(count) => assert_eq!(count, json!(1)),
        Outcome::Error(error) => panic!("reporter failed: {error}"),
    }
    let table = DynamoErrorTable::new(
        aws_sdk_dynamodb::Client::new(&stack.sdk),
        stack.physical["ErrorTable"].clone(),
    );
    let item = table
        .get("req-lambda-1")
        .await
        .expect("get")
        .expect("an error item");
    assert_eq!(item.events, [event.clone()]);

    let drain = stack.start(StackFunction::Drain);
    match drain.invoke(json!({"ids": ["req-lambda-1"]})) {
        Outcome::Response(drained) => assert_eq!(
            drained,
            json!({"items": 1, "events": 1, "fast": 0, "slow": 1, "malformed": 0, "not_events": 0})
        ),
        Outcome::Error(error) => panic!("drain failed: {error}"),
    }
    assert!(table.get("req-lambda-1").await.expect("get").is_none());
    assert_eq!(
        stack
            .stream_events(&stack.physical["EventSlowStream"])
            .await,
        [event]
    );
}

/// Main with args its handler does not take fails at its cold start, once,
/// instead of failing every invocation into the error table.
#[test]
fn main_with_args_that_do_not_fit_fails_to_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = format!(
        "stack_name: args-test
backend:
  sns_topics: [{{name: Logs, arn: 'arn:aws:sns:us-east-1:123456789012:Logs'}}]
handler:
  path: {handler}
  args: {{fail_onn: POISON}}
bucket_mapping:
  logs:
    - {{prefix: '', format: [s3-lines]}}
",
        handler = repo_root().join("handlers/log-counter").display()
    );
    std::fs::write(dir.path().join("config.yml"), config).expect("config");
    let loaded = slips::config::load(&dir.path().join("config.yml")).expect("a valid config");
    let slips_json = dir.path().join("slips.json");
    std::fs::write(
        &slips_json,
        serde_json::to_vec(&loaded.config).expect("JSON"),
    )
    .expect("json");
    let out = Command::new(handler_binary())
        .env("SLIPS_FUNCTION", "main")
        .env("SLIPS_CONFIG", &slips_json)
        // Never reached: the check comes before the first `next`.
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .output()
        .expect("run the handler binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("function failed to start"), "{stderr}");
    assert!(stderr.contains("unknown field `fail_onn`"), "{stderr}");
}
