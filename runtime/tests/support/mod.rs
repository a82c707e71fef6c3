//! The shared harness of the tests that talk to AWS: a real AWS-compatible
//! server (moto) that `scripts/test` starts on loopback.

use std::sync::atomic::{AtomicU32, Ordering};

/// The emulator's endpoint; refuses anything that is not on this machine.
pub fn endpoint() -> String {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL is not set: run the tests with scripts/test, which starts moto")
    });
    let host = endpoint
        .trim_start_matches("http://")
        .split([':', '/'])
        .next()
        .unwrap_or_default();
    assert!(
        ["127.0.0.1", "localhost", "[::1]"].contains(&host),
        "tests only talk to an emulator on loopback, not {endpoint}"
    );
    endpoint
}

/// The SDK configuration the code under test builds, checked to point at the emulator.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let endpoint = endpoint();
    let sdk = slips::aws::sdk_config().await;
    assert_eq!(sdk.endpoint_url(), Some(endpoint.as_str()));
    sdk
}

/// A resource name no other test (or earlier run against the same server) uses.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

// Fixtures in the emulator, shared by the runtime's and the CLI's tests.
// Each test file that includes this module is a crate of its own and uses
// only some of them: an item one of those crates leaves unused carries
// `#[allow(dead_code)]`.

/// Creates `bucket` (in us-east-1, creating a bucket one already owns
/// succeeds, as on AWS).
#[allow(dead_code)]
pub async fn create_bucket(s3: &aws_sdk_s3::Client, bucket: &str) {
    s3.create_bucket()
        .bucket(bucket)
        .send()
        .await
        .expect("create bucket");
}

/// A new one-shard Kinesis stream named after `prefix`; returns its name.
#[allow(dead_code)]
pub async fn create_stream(kinesis: &aws_sdk_kinesis::Client, prefix: &str) -> String {
    let name = unique_name(prefix);
    kinesis
        .create_stream()
        .stream_name(&name)
        .shard_count(1)
        .send()
        .await
        .expect("create stream");
    name
}

/// Every object event on `stream`, from the start of each shard, in order.
#[allow(dead_code)]
pub async fn stream_events(
    kinesis: &aws_sdk_kinesis::Client,
    stream: &str,
) -> Vec<slips::event::ObjectEvent> {
    let shards = kinesis
        .list_shards()
        .stream_name(stream)
        .send()
        .await
        .expect("list shards");
    let mut events = Vec::new();
    for shard in shards.shards() {
        let mut iterator = kinesis
            .get_shard_iterator()
            .stream_name(stream)
            .shard_id(shard.shard_id())
            .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("shard iterator")
            .shard_iterator
            .expect("a shard iterator");
        loop {
            let page = kinesis
                .get_records()
                .shard_iterator(&iterator)
                .send()
                .await
                .expect("get records");
            if page.records().is_empty() {
                break;
            }
            for record in page.records() {
                events.push(slips::lanes::decode(record.data().as_ref()).expect("an object event"));
            }
            match page.next_shard_iterator {
                Some(next) => iterator = next,
                None => break,
            }
        }
    }
    events
}

/// A new DynamoDB table shaped as the stack's error table (hash key
/// `request_id`, on demand); returns its name.
#[allow(dead_code)]
pub async fn create_error_table(dynamodb: &aws_sdk_dynamodb::Client) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let table = unique_name("errors");
    dynamodb
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("request_id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("request_id")
                .key_type(KeyType::Hash)
                .build()
                .expect("key"),
        )
        .send()
        .await
        .expect("create table");
    table
}

/// A new IAM role Lambda may assume (moto checks that a function's role
/// exists); returns its ARN.
#[allow(dead_code)]
pub async fn create_lambda_role(sdk: &aws_config::SdkConfig) -> String {
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    aws_sdk_iam::Client::new(sdk)
        .create_role()
        .role_name(unique_name("main-role"))
        .assume_role_policy_document(policy.to_string())
        .send()
        .await
        .expect("create role")
        .role
        .expect("a role")
        .arn
}

/// A new `provided.al2023` function (a Main for Dispatchers to invoke) with
/// the role `role`; returns its name.
#[allow(dead_code)]
pub async fn create_function(lambda: &aws_sdk_lambda::Client, role: &str) -> String {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("bootstrap", zip::write::SimpleFileOptions::default())
        .expect("zip");
    std::io::Write::write_all(&mut zip, b"#!/bin/sh\n").expect("zip");
    let code = zip.finish().expect("zip").into_inner();
    let name = unique_name("main");
    lambda
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
        .expect("create function");
    name
}

/// One record of an S3 event notification: `key` (encoded as S3 encodes
/// keys) of `size` bytes put in `bucket`.
#[allow(dead_code)]
pub fn s3_record(bucket: &str, key: &str, size: u64) -> serde_json::Value {
    serde_json::json!({
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2026-11-22T08:15:30.000Z",
        "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "AWS:X"}, "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {}, "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
        "object": {"key": key, "size": size}}
    })
}

/// The Lambda event of SNS delivering `message` (with `attributes`) from the
/// topic `topic` of account 123456789012.
#[allow(dead_code)]
pub fn sns_event(topic: &str, message: &str, attributes: serde_json::Value) -> serde_json::Value {
    let topic_arn = format!("arn:aws:sns:us-east-1:123456789012:{topic}");
    serde_json::json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": format!("{topic_arn}:1"),
        "Sns": {"Type": "Notification", "MessageId": "m-1", "TopicArn": topic_arn, "Subject": "Amazon S3 Notification",
                "Message": message, "Timestamp": "2026-11-22T08:15:32.000Z", "SignatureVersion": "1", "Signature": "x",
                "SigningCertUrl": "https://example.invalid/c", "UnsubscribeUrl": "https://example.invalid/u", "MessageAttributes": attributes}}]})
}
