//! Every function as Lambda runs it: the real handler binary, started with
//! the environment the rendered template gives that function, talking to a
//! Runtime API on loopback and to AWS through moto.

mod lambda_runtime;
#[path = "../../runtime/tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use base64::Engine;
use lambda_runtime::{Function, Outcome, repo_root, template_environment};
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
        slips::aws::s3_client(&sdk)
            .create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .expect("bucket");
        let kinesis = aws_sdk_kinesis::Client::new(&sdk);
        let (fast, slow) = (support::unique_name("fast"), support::unique_name("slow"));
        for stream in [&fast, &slow] {
            kinesis
                .create_stream()
                .stream_name(stream)
                .shard_count(1)
                .send()
                .await
                .expect("stream");
        }
        let table = support::unique_name("errors");
        aws_sdk_dynamodb::Client::new(&sdk)
            .create_table()
            .table_name(&table)
            .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
            .attribute_definitions(
                aws_sdk_dynamodb::types::AttributeDefinition::builder()
                    .attribute_name("request_id")
                    .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                    .build()
                    .expect("attribute"),
            )
            .key_schema(
                aws_sdk_dynamodb::types::KeySchemaElement::builder()
                    .attribute_name("request_id")
                    .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                    .build()
                    .expect("key"),
            )
            .send()
            .await
            .expect("table");
        let main = main_function(&sdk).await;

        let dir = tempfile::tempdir().expect("temp dir");
        let config = format!(
            "stack_name: lambda-test
sam: {{code_bucket: code-bucket}}
backend:
  sns_topics: [{{name: Logs, arn: 'arn:aws:sns:us-east-1:123456789012:Logs'}}]
  lane:
    slow: {{delay: 0, batch_size: 1}}
handler:
  path: {handler}
  args: {{fail_on: POISON}}
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
        Function::start(
            &handler_binary(),
            function.logical_id(),
            self.dir.path(),
            &environment,
        )
    }

    async fn stream_events(&self, stream: &str) -> Vec<slips::event::ObjectEvent> {
        let kinesis = aws_sdk_kinesis::Client::new(&self.sdk);
        let shards = kinesis
            .list_shards()
            .stream_name(stream)
            .send()
            .await
            .expect("shards");
        let shard = shards.shards()[0].shard_id().to_string();
        let iterator = kinesis
            .get_shard_iterator()
            .stream_name(stream)
            .shard_id(shard)
            .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("iterator")
            .shard_iterator
            .expect("iterator");
        let records = kinesis
            .get_records()
            .shard_iterator(iterator)
            .send()
            .await
            .expect("records");
        records
            .records()
            .iter()
            .map(|r| slips::lanes::decode(r.data().as_ref()).expect("an object event"))
            .collect()
    }
}

/// A Main function in moto for the Dispatchers to invoke.
async fn main_function(sdk: &aws_config::SdkConfig) -> String {
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = aws_sdk_iam::Client::new(sdk)
        .create_role()
        .role_name(support::unique_name("main-role"))
        .assume_role_policy_document(policy.to_string())
        .send()
        .await
        .expect("role")
        .role
        .expect("role")
        .arn;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("bootstrap", zip::write::SimpleFileOptions::default())
        .expect("zip");
    let code = zip.finish().expect("zip").into_inner();
    let name = support::unique_name("main");
    aws_sdk_lambda::Client::new(sdk)
        .create_function()
        .function_name(&name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role(role)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(code.into())
                .build(),
        )
        .send()
        .await
        .expect("function");
    name
}

fn s3_record(bucket: &str, key: &str) -> Value {
    json!({
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2026-11-22T08:15:30.000Z",
        "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "AWS:X"}, "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {}, "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
        "object": {"key": key, "size": 10}}
    })
}

fn sns_event(message: String, attributes: Value) -> Value {
    json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:Logs:1",
        "Sns": {"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:Logs", "Subject": "x",
                "Message": message, "Timestamp": "2026-11-22T08:15:32.000Z", "SignatureVersion": "1", "Signature": "x",
                "SigningCertUrl": "https://example.invalid/c", "UnsubscribeUrl": "https://example.invalid/u", "MessageAttributes": attributes}}]})
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
        json!({"Records": [s3_record(&stack.bucket, "logs/good+one.json")]}).to_string();
    match pusher.invoke(sns_event(notification, json!({}))) {
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

    // FastDispatcher: a Kinesis batch → an asynchronous invoke of Main.
    let dispatcher = stack.start(StackFunction::FastDispatcher);
    let data = base64::engine::general_purpose::STANDARD
        .encode(serde_json::to_vec(&on_lane[0]).expect("event"));
    let batch = json!({"Records": [{"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "k", "sequenceNumber": "1",
        "data": data, "approximateArrivalTimestamp": 1763799330.123}, "eventSource": "aws:kinesis", "eventVersion": "1.0",
        "eventID": "shardId-000000000000:1", "eventName": "aws:kinesis:record", "invokeIdentityArn": "arn:aws:iam::123456789012:role/x",
        "awsRegion": "us-east-1", "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/x"}]});
    match dispatcher.invoke(batch) {
        Outcome::Response(dispatched) => {
            assert_eq!(dispatched, json!({"events": 1, "invocations": 1}))
        }
        Outcome::Error(error) => panic!("dispatcher failed: {error}"),
    }
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
    match reporter.invoke(sns_event(
        serde_json::to_string(&[&event]).expect("events"),
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
            json!({"items": 1, "events": 1, "fast": 0, "slow": 1})
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
