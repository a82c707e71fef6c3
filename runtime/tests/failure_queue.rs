//! The failure queue against moto: every kind of message that reaches it
//! (a lane batch a Dispatcher gave up on, a function's dead letter, a
//! subscription's dead letter, junk) is listed, and drained back into the
//! lanes; only what cannot be replayed stays.

mod support;

use serde_json::json;
use slips::config::Config;
use slips::error_table::{DynamoErrorTable, Selection};
use slips::event::{Lane, ObjectEvent};
use slips::failures::{self, FailureKind, SqsFailureQueue};
use slips::functions::drain;
use slips::lanes::{KinesisLanes, LaneWriter};

fn config() -> Config {
    serde_json::from_value(json!({
        "stack_name": "test",
        "backend": {"sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}]},
        "handler": {"path": "."},
        "routing": [{"prefix": "debug/", "dest": "drop"}],
        "bucket_mapping": {"app-logs": [{"prefix": "", "format": ["s3-lines"]}]},
    }))
    .expect("config")
}

fn event(key: &str, lane: Option<Lane>) -> ObjectEvent {
    ObjectEvent {
        lane,
        ..ObjectEvent::new("app-logs", key)
    }
}

/// The sequence numbers of a one-shard stream's records, in order.
async fn sequence_numbers(kinesis: &aws_sdk_kinesis::Client, stream: &str) -> Vec<String> {
    let iterator = kinesis
        .get_shard_iterator()
        .stream_name(stream)
        .shard_id("shardId-000000000000")
        .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
        .send()
        .await
        .expect("iterator")
        .shard_iterator
        .expect("an iterator");
    let records = kinesis
        .get_records()
        .shard_iterator(iterator)
        .send()
        .await
        .expect("records");
    records
        .records()
        .iter()
        .map(|r| r.sequence_number().to_string())
        .collect()
}

async fn send(sqs: &aws_sdk_sqs::Client, url: &str, body: &str, attributes: &[(&str, &str, &str)]) {
    let mut request = sqs.send_message().queue_url(url).message_body(body);
    for (name, kind, value) in attributes {
        request = request.message_attributes(
            *name,
            aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type(*kind)
                .string_value(*value)
                .build()
                .expect("attribute"),
        );
    }
    request.send().await.expect("send");
}

#[tokio::test]
async fn every_kind_of_failure_is_listed_and_drained_back_into_its_lane() {
    let sdk = support::sdk_config().await;
    let kinesis = aws_sdk_kinesis::Client::new(&sdk);
    let fast = support::create_stream(&kinesis, "fast").await;
    let slow = support::create_stream(&kinesis, "slow").await;
    let lanes = KinesisLanes::new(kinesis.clone(), fast.clone(), slow.clone());
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = DynamoErrorTable::new(
        dynamodb.clone(),
        support::create_error_table(&dynamodb).await,
    );
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let url = sqs
        .create_queue()
        .queue_name(support::unique_name("failures"))
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("a URL");
    let queue = SqsFailureQueue::new(sqs.clone(), url.clone());

    // A slow-lane batch of three the Dispatcher gave up on: its on-failure record.
    let batch: Vec<_> = (0..3)
        .map(|i| event(&format!("slow/{i}.gz"), Some(Lane::Slow)))
        .collect();
    lanes.put(Lane::Slow, &batch).await.expect("put");
    let seqs = sequence_numbers(&kinesis, &slow).await;
    let on_failure = json!({
        "requestContext": {"requestId": "r-1", "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "version": "1.0", "timestamp": "2026-11-22T08:00:00.000Z",
        "KinesisBatchInfo": {"shardId": "shardId-000000000000", "startSequenceNumber": seqs[0],
            "endSequenceNumber": seqs[2], "batchSize": 3,
            "approximateArrivalOfFirstRecord": "2026-11-22T07:59:00.000Z",
            "approximateArrivalOfLastRecord": "2026-11-22T07:59:01.000Z",
            "streamArn": format!("arn:aws:kinesis:us-east-1:123456789012:stream/{slow}")}
    });
    send(&sqs, &url, &on_failure.to_string(), &[]).await;
    // EventPusher's dead letter: the SNS event it failed on, one object routed to drop.
    let notification = json!({"Records": [
        support::s3_record("app-logs", "app/late.gz", 10),
        support::s3_record("app-logs", "debug/noise.gz", 10),
    ]});
    let dead_letter = support::sns_event("t", &notification.to_string(), json!({}));
    send(
        &sqs,
        &url,
        &dead_letter.to_string(),
        &[
            ("RequestID", "String", "req-ep-1"),
            ("ErrorCode", "Number", "200"),
            (
                "ErrorMessage",
                "String",
                "putting 2 object event(s) on the fast lane: throttled",
            ),
        ],
    )
    .await;
    // The DLQ topic's subscription could not deliver Main's dead letter to Reporter.
    let main_payload =
        serde_json::to_string(&[event("app/poison.json", Some(Lane::Fast))]).expect("payload");
    let envelope = json!({"Type": "Notification", "MessageId": "m-1", "Message": main_payload,
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:dlq"});
    send(&sqs, &url, &envelope.to_string(), &[]).await;
    // An event EventBridge could not hand to EventPusher (its rule's DLQ).
    let eventbridge = json!({"version": "0", "detail-type": "Object Created", "source": "aws.s3",
        "region": "us-east-1", "time": "2026-12-03T02:00:00Z",
        "detail": {"bucket": {"name": "app-logs"}, "object": {"key": "app/rule.gz", "size": 3}}});
    send(
        &sqs,
        &url,
        &eventbridge.to_string(),
        &[
            (
                "RULE_ARN",
                "String",
                "arn:aws:events:us-east-1:123456789012:rule/r",
            ),
            ("ERROR_CODE", "String", "NO_PERMISSIONS"),
        ],
    )
    .await;
    // A notification an intake queue gave up on (its redrive policy).
    let notification = json!({"Records": [support::s3_record("app-logs", "app/redriven.gz", 10)]});
    send(&sqs, &url, &notification.to_string(), &[]).await;
    send(&sqs, &url, "hello from elsewhere", &[]).await;

    let listed = failures::list(&queue).await.expect("list");
    assert_eq!(listed.len(), 6);
    let mut kinds: Vec<_> = listed
        .iter()
        .map(|m| match m.kind() {
            FailureKind::LaneBatch(range) => format!("batch of {}", range.batch_size),
            FailureKind::Events { source, events } => format!("{source}: {}", events.len()),
            FailureKind::Unreadable(_) => "unreadable".into(),
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "a function's dead letter: 2",
            "an EventBridge delivery that failed: 1",
            "an SNS notification (a subscription's or an intake queue's dead letter): 1",
            "batch of 3",
            "object events: 1",
            "unreadable"
        ]
    );

    // A listing and a dry run leave every message where it was.
    let dry = drain::replay_failures(
        &config(),
        &queue,
        &lanes,
        &table,
        &Selection::default(),
        true,
        |_| {},
    )
    .await
    .expect("dry run");
    assert_eq!((dry.messages, dry.left, dry.dropped), (5, 1, 1));
    assert_eq!((dry.lanes.fast, dry.lanes.slow), (4, 3));
    assert_eq!(support::stream_events(&kinesis, &fast).await, []);

    let mut left = Vec::new();
    let replayed = drain::replay_failures(
        &config(),
        &queue,
        &lanes,
        &table,
        &Selection::default(),
        false,
        |step| {
            if let drain::ReplayStep::Left(message, why) = step {
                left.push((message.body.clone(), why));
            }
        },
    )
    .await
    .expect("drain");
    assert_eq!(
        (replayed.messages, replayed.events, replayed.left),
        (5, 7, 1)
    );
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].0, "hello from elsewhere");
    let mut on_fast: Vec<_> = support::stream_events(&kinesis, &fast)
        .await
        .into_iter()
        .map(|e| e.object_key)
        .collect();
    on_fast.sort();
    assert_eq!(
        on_fast,
        [
            "app/late.gz",
            "app/poison.json",
            "app/redriven.gz",
            "app/rule.gz"
        ]
    );
    let on_slow = support::stream_events(&kinesis, &slow).await;
    assert_eq!(
        on_slow.len(),
        6,
        "the batch read again from its stream and put back"
    );
    assert_eq!(on_slow[3..], batch[..]);
    let still = failures::list(&queue).await.expect("list");
    assert_eq!(
        still.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["hello from elsewhere"],
        "only what cannot be replayed stays, visible again"
    );
}
