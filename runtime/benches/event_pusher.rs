//! EventPusher's throughput per invocation: one SNS event carrying a
//! 500-record S3 notification, parsed, routed and put on the Kinesis lanes.
//! Kinesis here is moto on loopback (start it as scripts/test does and export
//! AWS_ENDPOINT_URL), so the figure includes moto's own speed.
//!
//! `cargo bench -p slips --bench event_pusher`

use std::time::Instant;

use serde_json::json;
use slips::config::Config;
use slips::functions::event_pusher;
use slips::lanes::KinesisLanes;

const RECORDS: usize = 500;
const RUNS: usize = 5;

fn main() -> anyhow::Result<()> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").map_err(|_| {
        anyhow::anyhow!("set AWS_ENDPOINT_URL to a moto server on loopback (see scripts/test)")
    })?;
    anyhow::ensure!(
        endpoint.contains("127.0.0.1") || endpoint.contains("localhost"),
        "only a loopback emulator: {endpoint}"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sdk = slips::aws::sdk_config().await;
        let kinesis = aws_sdk_kinesis::Client::new(&sdk);
        let suffix = std::process::id();
        let (fast, slow) = (format!("bench-fast-{suffix}"), format!("bench-slow-{suffix}"));
        for stream in [&fast, &slow] {
            kinesis.create_stream().stream_name(stream).shard_count(1).send().await?;
        }
        let lanes = KinesisLanes::new(kinesis.clone(), fast.clone(), slow.clone());
        let config: Config = serde_json::from_value(json!({
            "stack_name": "bench",
            "backend": {"sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}]},
            "handler": {"path": "."},
            "routing": [{"prefix": "slow/", "dest": "slow"}],
            "bucket_mapping": {"logs": [{"prefix": "", "format": ["s3-lines"]}]},
        }))?;
        let records: Vec<_> = (0..RECORDS)
            .map(|i| {
                let key = if i % 4 == 0 { format!("slow/obj+{i}.gz") } else { format!("fast/2026/11/22/obj%2B{i}.json.gz") };
                json!({"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2026-11-22T08:15:30.000Z",
                    "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "AWS:X"}, "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                    "responseElements": {}, "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "logs", "arn": "arn:aws:s3:::logs"},
                    "object": {"key": key, "size": 1024, "sequencer": format!("{i:016X}")}}})
            })
            .collect();
        let sns = json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:t:1",
            "Sns": {"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Subject": "s",
                    "Message": json!({"Records": records}).to_string(), "Timestamp": "2026-11-22T08:15:32.000Z", "SignatureVersion": "1",
                    "Signature": "x", "SigningCertUrl": "https://example.invalid/c", "UnsubscribeUrl": "https://example.invalid/u", "MessageAttributes": {}}}]});
        let mut best = f64::MAX;
        for _ in 0..RUNS {
            let started = Instant::now();
            let events = slips::event::from_value(sns.clone())?;
            let pushed = event_pusher::push(&config, &lanes, events, |lane| lanes.stream(lane).to_string()).await?;
            let seconds = started.elapsed().as_secs_f64();
            anyhow::ensure!(pushed.lanes.total() == RECORDS, "pushed {pushed:?}");
            best = best.min(seconds);
        }
        println!(
            "EventPusher, one {RECORDS}-record SNS event into Kinesis (moto): best of {RUNS} {:.1} ms, {:.0} object events/s",
            best * 1e3,
            RECORDS as f64 / best
        );
        for stream in [&fast, &slow] {
            kinesis.delete_stream().stream_name(stream).send().await?;
        }
        Ok(())
    })
}
