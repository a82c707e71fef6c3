//! The event path against moto: EventPusher → Kinesis lanes → Dispatcher →
//! Lambda invoke; DLQ → Reporter → DynamoDB error table → drain. Faults moto
//! cannot produce are injected with SDK interceptors around the real clients.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_kinesis::config::interceptors::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextMut,
};
use aws_sdk_kinesis::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_kinesis::operation::put_records::{PutRecordsInput, PutRecordsOutput};
use aws_sdk_kinesis::types::PutRecordsResultEntry;
use serde_json::json;
use slips::config::Config;
use slips::error_table::{self, DynamoErrorTable, ErrorStore, Failure, Selection};
use slips::event::{Lane, ObjectEvent};
use slips::functions::{dispatcher, drain, event_pusher, reporter};
use slips::invoker::LambdaInvoker;
use slips::lanes::{KinesisLanes, LaneWriter};

fn config() -> Config {
    serde_json::from_value(json!({
        "stack_name": "test",
        "backend": {"sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}]},
        "handler": {"path": "."},
        "routing": [
            {"bucket": "flow-logs", "dest": "slow"},
            {"prefix": "debug/", "dest": "drop"}
        ],
        "bucket_mapping": {"app-logs": [{"prefix": "", "format": ["s3-lines"]}], "flow-logs": [{"prefix": "", "format": ["s3-lines"]}]},
    }))
    .expect("config")
}

fn event(bucket: &str, key: &str) -> ObjectEvent {
    ObjectEvent {
        object_size: 10,
        ..ObjectEvent::new(bucket, key)
    }
}

/// Counts PutRecords entries per call, and makes Kinesis reject the first
/// entry of the first `calls_to_reject` calls (as a throttled shard does,
/// with HTTP 200).
#[derive(Debug, Default, Clone)]
struct RejectFirstEntry {
    calls: Arc<Mutex<Vec<usize>>>,
    rejected: Arc<AtomicUsize>,
    calls_to_reject: usize,
}

impl Intercept for RejectFirstEntry {
    fn name(&self) -> &'static str {
        "RejectFirstEntry"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), aws_sdk_kinesis::error::BoxError> {
        if let Some(input) = context.input().downcast_ref::<PutRecordsInput>() {
            self.calls.lock().expect("lock").push(input.records().len());
        }
        Ok(())
    }

    fn modify_before_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), aws_sdk_kinesis::error::BoxError> {
        if self.rejected.load(Ordering::SeqCst) >= self.calls_to_reject {
            return Ok(());
        }
        let output = context
            .output_or_error_mut()
            .and_then(|o| o.as_mut().ok())
            .and_then(|o| o.downcast_mut::<PutRecordsOutput>());
        if let Some(output) = output {
            self.rejected.fetch_add(1, Ordering::SeqCst);
            output.failed_record_count = Some(1);
            output.records[0] = PutRecordsResultEntry::builder()
                .error_code("ProvisionedThroughputExceededException")
                .error_message("Rate exceeded for shard shardId-000000000000")
                .build();
        }
        Ok(())
    }
}

struct Streams {
    client: aws_sdk_kinesis::Client,
    fast: String,
    slow: String,
}

impl Streams {
    async fn new(interceptor: RejectFirstEntry) -> Streams {
        let sdk = support::sdk_config().await;
        let config = aws_sdk_kinesis::config::Builder::from(&sdk)
            .interceptor(interceptor)
            .build();
        let client = aws_sdk_kinesis::Client::from_conf(config);
        let fast = support::create_stream(&client, "fast").await;
        let slow = support::create_stream(&client, "slow").await;
        Streams { client, fast, slow }
    }

    fn lanes(&self) -> KinesisLanes {
        KinesisLanes::new(self.client.clone(), self.fast.clone(), self.slow.clone())
    }

    /// Every event on a stream, in order.
    async fn read(&self, stream: &str) -> Vec<ObjectEvent> {
        support::stream_events(&self.client, stream).await
    }
}

fn sns_wrapped(records: &[(&str, &str)]) -> serde_json::Value {
    let s3_records: Vec<_> = records
        .iter()
        .map(|(bucket, key)| {
            let mut record = support::s3_record(bucket, key, 100);
            record["s3"]["object"]["sequencer"] = json!("0055AED6DCD90281E5");
            record
        })
        .collect();
    support::sns_event("t", &json!({"Records": s3_records}).to_string(), json!({}))
}

#[tokio::test]
async fn event_pusher_routes_notifications_into_lanes_with_decoded_keys() {
    let streams = Streams::new(RejectFirstEntry::default()).await;
    let lanes = streams.lanes();
    let notification = sns_wrapped(&[
        ("app-logs", "app/web+1/a%2Bb.json.gz"),
        ("flow-logs", "AWSLogs/flow.log.gz"),
        ("app-logs", "debug/verbose.log"),
        ("app-logs", "app/web+1/second.json.gz"),
    ]);
    let events = slips::event::from_value(notification).expect("notification");
    let pushed = event_pusher::push(&config(), &lanes, events, |lane| {
        lanes.stream(lane).to_string()
    })
    .await
    .expect("push");
    assert_eq!(
        pushed,
        event_pusher::Pushed {
            lanes: slips::event::PerLane { fast: 2, slow: 1 },
            dropped: 1
        }
    );

    let fast = streams.read(&streams.fast).await;
    let keys: Vec<_> = fast.iter().map(|e| e.object_key.as_str()).collect();
    assert_eq!(keys, ["app/web 1/a+b.json.gz", "app/web 1/second.json.gz"]);
    assert!(
        fast.iter()
            .all(|e| e.lane == Some(Lane::Fast) && e.dest_stream == streams.fast)
    );
    let slow = streams.read(&streams.slow).await;
    assert_eq!(slow.len(), 1);
    assert_eq!(
        (slow[0].bucket_name.as_str(), slow[0].lane),
        ("flow-logs", Some(Lane::Slow))
    );
    assert_eq!(slow[0].sequencer.as_deref(), Some("0055AED6DCD90281E5"));
}

#[tokio::test]
async fn a_partial_put_failure_retries_only_the_rejected_entries() {
    let interceptor = RejectFirstEntry {
        calls_to_reject: 1,
        ..RejectFirstEntry::default()
    };
    let streams = Streams::new(interceptor.clone()).await;
    let events: Vec<_> = (0..3)
        .map(|i| event("app-logs", &format!("app/{i}.gz")))
        .collect();
    streams
        .lanes()
        .put(Lane::Fast, &events)
        .await
        .expect("put with one retry");
    assert_eq!(
        *interceptor.calls.lock().expect("lock"),
        [3, 1],
        "the retry carries the rejected entry only"
    );
    let mut keys: Vec<_> = streams
        .read(&streams.fast)
        .await
        .into_iter()
        .map(|e| e.object_key)
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys, ["app/0.gz", "app/1.gz", "app/2.gz"], "none lost");
}

#[tokio::test]
async fn event_pusher_keeps_retrying_a_throttled_lane_while_it_has_time() {
    // Throttled for 8 calls, longer than the ~3 s the first retries take.
    let interceptor = RejectFirstEntry {
        calls_to_reject: 8,
        ..RejectFirstEntry::default()
    };
    let streams = Streams::new(interceptor.clone()).await;
    let lanes = streams
        .lanes()
        .retrying_until(std::time::Instant::now() + Duration::from_secs(60));
    let events = vec![event("app-logs", "app/throttled.gz")];
    let pushed = event_pusher::push(&config(), &lanes, events, |lane| lane.to_string())
        .await
        .expect("pushed once the throttling ends");
    assert_eq!(pushed.lanes.fast, 1);
    assert_eq!(interceptor.calls.lock().expect("lock").len(), 9);
    // (moto stored every try: the interceptor only rewrites its answers.)
    let mut keys: Vec<_> = streams
        .read(&streams.fast)
        .await
        .into_iter()
        .map(|e| e.object_key)
        .collect();
    keys.dedup();
    assert_eq!(keys, ["app/throttled.gz"]);

    // Out of time, the put fails (and Lambda retries the invocation): it says how long it tried.
    let interceptor = RejectFirstEntry {
        calls_to_reject: usize::MAX,
        ..RejectFirstEntry::default()
    };
    let streams = Streams::new(interceptor).await;
    let lanes = streams
        .lanes()
        .retrying_until(std::time::Instant::now() + Duration::from_millis(500));
    let started = std::time::Instant::now();
    let error = lanes
        .put(Lane::Fast, &[event("app-logs", "app/a.gz")])
        .await
        .expect_err("throttled throughout");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        error
            .to_string()
            .contains("ProvisionedThroughputExceededException"),
        "{error}"
    );
}

#[tokio::test]
async fn puts_are_chunked_within_kinesis_limits() {
    let interceptor = RejectFirstEntry::default();
    let streams = Streams::new(interceptor.clone()).await;
    let events: Vec<_> = (0..1_100)
        .map(|i| event("app-logs", &format!("app/{i:05}.gz")))
        .collect();
    streams.lanes().put(Lane::Slow, &events).await.expect("put");
    assert_eq!(*interceptor.calls.lock().expect("lock"), [500, 500, 100]);
    let back = streams.read(&streams.slow).await;
    assert_eq!(back.len(), 1_100);
    assert_eq!(back, events, "in order, nothing lost");
}

/// Records the payloads the SDK really sent with each Invoke.
#[derive(Debug, Default, Clone)]
struct CapturePayloads(Arc<Mutex<Vec<Vec<u8>>>>);

impl aws_sdk_lambda::config::Intercept for CapturePayloads {
    fn name(&self) -> &'static str {
        "CapturePayloads"
    }

    fn read_before_execution(
        &self,
        context: &aws_sdk_lambda::config::interceptors::BeforeSerializationInterceptorContextRef<
            '_,
        >,
        _: &mut aws_sdk_lambda::config::ConfigBag,
    ) -> Result<(), aws_sdk_lambda::error::BoxError> {
        if let Some(input) = context
            .input()
            .downcast_ref::<aws_sdk_lambda::operation::invoke::InvokeInput>()
        {
            let payload = input
                .payload()
                .map(|p| p.as_ref().to_vec())
                .unwrap_or_default();
            self.0.lock().expect("lock").push(payload);
        }
        Ok(())
    }
}

#[tokio::test]
async fn the_dispatcher_invokes_main_asynchronously_in_payloads_that_fit() {
    let sdk = support::sdk_config().await;
    let capture = CapturePayloads::default();
    let client = aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::config::Builder::from(&sdk)
            .interceptor(capture.clone())
            .build(),
    );
    let role = support::create_lambda_role(&sdk).await;
    let function = support::create_function(&client, &role).await;
    let invoker = LambdaInvoker::with_client(client, function);

    // ~2 KB keys: 300 events need more than one 256 KB payload.
    let events: Vec<_> = (0..300)
        .map(|i| {
            let mut e = event("app-logs", &format!("app/{i:04}/{}", "k".repeat(2_000)));
            e.lane = Some(Lane::Fast);
            e
        })
        .collect();
    // The lane's records as Kinesis hands them over, one of them no object event.
    let mut records: Vec<(String, Vec<u8>)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (format!("{i}"), slips::lanes::encode(e)))
        .collect();
    records.insert(7, ("4960001".into(), b"{\"not\": \"an event\"}".to_vec()));
    let batch = dispatcher::LaneBatch::decode(
        Lane::Fast,
        records
            .iter()
            .map(|(seq, data)| (seq.as_str(), data.as_slice())),
    );
    let table = error_table().await;
    let started = std::time::Instant::now();
    let dispatched = dispatcher::dispatch(
        &config(),
        &invoker,
        &table,
        &batch,
        Duration::from_millis(300),
        dispatcher::INVOKE_RETRY_BUDGET,
    )
    .await
    .expect("dispatch");
    assert_eq!(dispatched.undecodable, 1);
    let kept = table
        .get("lane-record-fast-4960001")
        .await
        .expect("get")
        .expect("the undecodable record is kept, not skipped");
    let record = kept.lane_record.expect("its record");
    assert_eq!(
        (record.lane, record.excerpt.as_str()),
        (Lane::Fast, "{\"not\": \"an event\"}")
    );
    assert!(
        kept.error_message.contains("not an object event"),
        "{}",
        kept.error_message
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "the lane's delay is kept"
    );
    assert!(dispatched.invocations >= 3, "{dispatched:?}");
    let payloads = capture.0.lock().expect("lock").clone();
    assert_eq!(payloads.len(), dispatched.invocations);
    let mut sent = Vec::new();
    for payload in payloads {
        assert!(payload.len() <= dispatcher::MAX_PAYLOAD_BYTES);
        sent.extend(
            serde_json::from_slice::<Vec<ObjectEvent>>(&payload).expect("a JSON array of events"),
        );
    }
    assert_eq!(sent, events);
}

#[tokio::test]
async fn events_main_cannot_be_given_are_kept_in_the_error_table_not_left_to_the_stream() {
    let sdk = support::sdk_config().await;
    // A Main that cannot be invoked: Lambda's endpoint does not answer
    // (a closed port on loopback).
    let unreachable = aws_sdk_lambda::config::Builder::from(&sdk)
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let invoker = LambdaInvoker::with_client(
        aws_sdk_lambda::Client::from_conf(unreachable),
        "slips-main".into(),
    );
    let batch = |count: usize, key_bytes: usize| {
        let events: Vec<_> = (0..count)
            .map(|i| {
                let mut e = event("app-logs", &format!("app/{i:04}/{}", "k".repeat(key_bytes)));
                e.lane = Some(Lane::Slow);
                e
            })
            .collect();
        let records: Vec<(String, Vec<u8>)> = events
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("{i}"), slips::lanes::encode(e)))
            .collect();
        let batch = dispatcher::LaneBatch::decode(
            Lane::Slow,
            records
                .iter()
                .map(|(seq, data)| (seq.as_str(), data.as_slice())),
        );
        (events, batch)
    };
    let config = config();
    let budget = Duration::from_millis(200);
    let dispatch = |table, batch| {
        dispatcher::dispatch(&config, &invoker, table, batch, Duration::ZERO, budget)
    };

    // ~2 KB keys: 200 events make two payloads, kept as an item each.
    let (events, large) = batch(200, 2_000);
    let table = error_table().await;
    let dispatched = dispatch(&table, &large).await.expect("kept, not failed");
    assert_eq!((dispatched.invocations, dispatched.kept), (0, 200));
    let items = error_table::select(&table, &Selection::default())
        .await
        .expect("select")
        .0;
    assert_eq!(items.len(), 2, "an item per payload");
    let mut kept: Vec<ObjectEvent> = items.iter().flat_map(|i| i.events.clone()).collect();
    kept.sort_by(|a, b| a.object_key.cmp(&b.object_key));
    assert_eq!(kept, events, "every event, whole, for drain to replay");
    for item in &items {
        assert_eq!(item.error_code, dispatcher::INVOKE_FAILED);
        assert_eq!(item.lane, Some(Lane::Slow));
        assert!(
            item.error_message
                .starts_with("invoking Main with payload 1 of 2 (200 objects in the batch)"),
            "{}",
            item.error_message
        );
    }

    // Kinesis delivers a batch again (say the function timed out after
    // keeping it): the same item, counted twice.
    let (_, small) = batch(3, 10);
    let table = error_table().await;
    dispatch(&table, &small).await.expect("kept");
    dispatch(&table, &small).await.expect("kept again");
    let items = error_table::select(&table, &Selection::default())
        .await
        .expect("select")
        .0;
    assert_eq!(items.iter().map(|i| i.count).collect::<Vec<_>>(), [2]);

    // When the error table refuses them too, the batch fails: Kinesis retries it.
    let missing = DynamoErrorTable::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        "slips-no-such-table".into(),
    );
    let error = dispatch(&missing, &small)
        .await
        .expect_err("the batch fails");
    assert!(
        format!("{error:#}").contains("keeping the events Main could not be given"),
        "{error:#}"
    );
}

async fn error_table() -> DynamoErrorTable {
    let sdk = support::sdk_config().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let table = support::create_error_table(&client).await;
    DynamoErrorTable::new(client, table)
}

/// The failure a dead letter of Main carries (Lambda's SNS envelope is
/// decoded at the edge, tested in `cli/tests/lambda.rs`).
fn dlq_message(request_id: &str, events: &[ObjectEvent], error: &str) -> Failure {
    Failure::new(request_id, events.to_vec(), "200", error)
}

#[tokio::test]
async fn the_reporter_keeps_one_item_per_request() {
    let table = error_table().await;
    let mut poisoned = event("app-logs", "app/poison.json");
    poisoned.lane = Some(Lane::Slow);
    let message = dlq_message(
        "req-1",
        std::slice::from_ref(&poisoned),
        "s3://app-logs/app/poison.json:4: the handler failed",
    );
    reporter::report(&config(), &table, std::slice::from_ref(&message))
        .await
        .expect("report");
    reporter::report(&config(), &table, &[message])
        .await
        .expect("report again");
    let items = error_table::select(&table, &Selection::default())
        .await
        .expect("select")
        .0;
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item.request_id, "req-1");
    assert_eq!(item.count, 2);
    assert_eq!(item.events, [poisoned]);
    assert_eq!(item.lane, Some(Lane::Slow));
    assert!(item.error_message.ends_with("the handler failed"));
    assert!(item.first_failure <= item.last_failure);
}

#[tokio::test]
async fn drain_moves_exactly_the_selected_items_into_their_lanes() {
    let table = error_table().await;
    let streams = Streams::new(RejectFirstEntry::default()).await;
    let lanes = streams.lanes();
    let mut fast = event("app-logs", "app/a.json");
    fast.lane = Some(Lane::Fast);
    let mut slow = event("flow-logs", "AWSLogs/f.log.gz");
    slow.lane = Some(Lane::Slow);
    let other = event("other-bucket", "x.log");
    for (id, events) in [
        ("req-app", vec![fast.clone()]),
        ("req-flow", vec![slow.clone()]),
        ("req-other", vec![other]),
    ] {
        reporter::report(&config(), &table, &[dlq_message(id, &events, "boom")])
            .await
            .expect("report");
    }
    let selection = Selection {
        ids: vec!["req-app".into(), "req-flow".into()],
        ..Selection::default()
    };
    let dry = drain::drain(&table, &lanes, &selection, true, |_| {})
        .await
        .expect("dry run");
    assert_eq!((dry.items, dry.lanes.fast, dry.lanes.slow), (2, 1, 1));
    assert_eq!(
        error_table::select(&table, &Selection::default())
            .await
            .expect("select")
            .0
            .len(),
        3,
        "a dry run changes nothing"
    );

    let mut seen = Vec::new();
    let drained = drain::drain(&table, &lanes, &selection, false, |step| {
        if let drain::Progress::Item(item, _) = step {
            seen.push(item.request_id.clone())
        }
    })
    .await
    .expect("drain");
    assert_eq!(
        (
            drained.items,
            drained.events,
            drained.lanes.fast,
            drained.lanes.slow
        ),
        (2, 2, 1, 1)
    );
    seen.sort();
    assert_eq!(seen, ["req-app", "req-flow"]);
    assert_eq!(streams.read(&streams.fast).await, [fast]);
    assert_eq!(streams.read(&streams.slow).await, [slow]);
    let left = error_table::select(&table, &Selection::default())
        .await
        .expect("select")
        .0;
    assert_eq!(
        left.iter()
            .map(|i| i.request_id.as_str())
            .collect::<Vec<_>>(),
        ["req-other"]
    );
}

/// Fails the first DeleteItem, as a drain killed between put and delete would.
#[derive(Debug, Default, Clone)]
struct FailFirstDelete(Arc<AtomicUsize>);

impl aws_sdk_dynamodb::config::Intercept for FailFirstDelete {
    fn name(&self) -> &'static str {
        "FailFirstDelete"
    }

    fn read_before_execution(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<
            '_,
        >,
        _: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let is_delete = context
            .input()
            .downcast_ref::<aws_sdk_dynamodb::operation::delete_item::DeleteItemInput>()
            .is_some();
        if is_delete && self.0.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err("connection reset while deleting (injected)".into());
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_drain_interrupted_between_put_and_delete_loses_nothing_when_rerun() {
    let plain = error_table().await;
    let sdk = support::sdk_config().await;
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(FailFirstDelete::default())
            .build(),
    );
    let table = DynamoErrorTable::new(client, plain.table().to_string());
    let streams = Streams::new(RejectFirstEntry::default()).await;
    let lanes = streams.lanes();
    let mut lost = event("app-logs", "app/must-not-be-lost.json");
    lost.lane = Some(Lane::Fast);
    reporter::report(
        &config(),
        &table,
        &[dlq_message("req-1", std::slice::from_ref(&lost), "boom")],
    )
    .await
    .expect("report");

    let error = drain::drain(&table, &lanes, &Selection::default(), false, |_| {})
        .await
        .expect_err("interrupted");
    assert!(
        format!("{error:#}").contains("deleting request req-1"),
        "{error:#}"
    );
    assert_eq!(
        table.get("req-1").await.expect("get").map(|i| i.events),
        Some(vec![lost.clone()]),
        "still in the table"
    );

    let drained = drain::drain(&table, &lanes, &Selection::default(), false, |_| {})
        .await
        .expect("rerun");
    assert_eq!(drained.items, 1);
    assert!(table.get("req-1").await.expect("get").is_none());
    let on_lane = streams.read(&streams.fast).await;
    assert_eq!(
        on_lane,
        [lost.clone(), lost],
        "put twice (at least once), never lost"
    );
}

#[tokio::test]
async fn selecting_reads_every_scan_page() {
    let table = error_table().await;
    // ~100 KB per item: 14 items are more than one 1 MB Scan page.
    let key = "k".repeat(1_000);
    for i in 0..14 {
        let events: Vec<_> = (0..90)
            .map(|j| event("app-logs", &format!("app/{i}/{j}/{key}")))
            .collect();
        table
            .record(&Failure::new(format!("req-{i:02}"), events, "200", "boom"))
            .await
            .expect("record");
    }
    let first = table.page(None).await.expect("first page");
    assert!(
        first.next.is_some(),
        "moto pages a Scan at 1 MB like DynamoDB"
    );
    assert!(first.items.len() < 14);
    let all = error_table::select(&table, &Selection::default())
        .await
        .expect("select")
        .0;
    assert_eq!(all.len(), 14);
    let by_prefix = Selection {
        prefix: Some("app/3/".into()),
        ..Selection::default()
    };
    assert_eq!(
        error_table::select(&table, &by_prefix)
            .await
            .expect("select")
            .0
            .len(),
        1
    );

    // A drain goes page by page and ends with the table empty.
    let streams = Streams::new(RejectFirstEntry::default()).await;
    let drained = drain::drain(
        &table,
        &streams.lanes(),
        &Selection::default(),
        false,
        |_| {},
    )
    .await
    .expect("drain");
    assert_eq!((drained.items, drained.events), (14, 14 * 90));
    let left = error_table::select(&table, &Selection::default())
        .await
        .expect("select");
    assert!(left.0.is_empty());
}

#[tokio::test]
async fn drain_by_prefix_takes_only_the_matching_events_of_an_item() {
    let table = error_table().await;
    let streams = Streams::new(RejectFirstEntry::default()).await;
    let mut events = Vec::new();
    for key in ["app/a/1.json", "app/b/2.json", "app/a/3.json"] {
        let mut e = event("app-logs", key);
        e.lane = Some(Lane::Fast);
        events.push(e);
    }
    reporter::report(
        &config(),
        &table,
        &[dlq_message("req-mixed", &events, "boom")],
    )
    .await
    .expect("report");
    let by_prefix = Selection {
        prefix: Some("app/a/".into()),
        ..Selection::default()
    };
    let drained = drain::drain(&table, &streams.lanes(), &by_prefix, false, |_| {})
        .await
        .expect("drain");
    assert_eq!((drained.items, drained.events), (1, 2));
    let keys: Vec<_> = streams
        .read(&streams.fast)
        .await
        .into_iter()
        .map(|e| e.object_key)
        .collect();
    assert_eq!(keys, ["app/a/1.json", "app/a/3.json"]);
    let item = table.get("req-mixed").await.expect("get").expect("kept");
    assert_eq!(
        item.events,
        [events[1].clone()],
        "the item keeps the event not selected"
    );
}

#[tokio::test]
async fn a_malformed_item_is_named_and_skipped_not_the_end_of_the_drain() {
    let table = error_table().await;
    let sdk = support::sdk_config().await;
    aws_sdk_dynamodb::Client::new(&sdk)
        .put_item()
        .table_name(table.table())
        .item(
            "request_id",
            aws_sdk_dynamodb::types::AttributeValue::S("req-by-hand".into()),
        )
        .item(
            "events",
            aws_sdk_dynamodb::types::AttributeValue::S("not json".into()),
        )
        .send()
        .await
        .expect("put a malformed item");
    let mut good = event("app-logs", "app/good.json");
    good.lane = Some(Lane::Slow);
    reporter::report(
        &config(),
        &table,
        &[dlq_message("req-good", std::slice::from_ref(&good), "boom")],
    )
    .await
    .expect("report");

    let (items, malformed) = error_table::select(&table, &Selection::default())
        .await
        .expect("a listing despite the malformed item");
    assert_eq!(items.len(), 1);
    assert_eq!(malformed.len(), 1);
    assert_eq!(malformed[0].request_id, "req-by-hand");

    let streams = Streams::new(RejectFirstEntry::default()).await;
    let mut skipped = Vec::new();
    let drained = drain::drain(
        &table,
        &streams.lanes(),
        &Selection::default(),
        false,
        |step| {
            if let drain::Progress::Malformed(bad) = step {
                skipped.push(bad.request_id.clone());
            }
        },
    )
    .await
    .expect("drain");
    assert_eq!((drained.items, drained.malformed), (1, 1));
    assert_eq!(skipped, ["req-by-hand"]);
    assert_eq!(streams.read(&streams.slow).await, [good]);
    assert!(table.get("req-by-hand").await.is_err(), "left for a human");
}
