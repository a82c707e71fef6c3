//! Regression guard for the hot paths: a later change that slows them shows
//! here. `cargo bench -p slips --bench paths`
//!
//! - decode: a block of CloudTrail-like JSON lines through the `s3-lines` →
//!   `json` chain, and the same events one by one as `s3-text` → `json` →
//!   `cloudtrail` reads a log file's (bytes/s);
//! - routing: the first-match routing rules and the longest-prefix mapping
//!   over many keys (keys/s).

use divan::{Bencher, black_box, counter::BytesCount, counter::ItemsCount};
use serde_json::json;
use slips::config::Config;
use slips::format::{FormatChain, ObjectParser};

fn main() {
    divan::main();
}

/// ~1 KB CloudTrail-like lines, `count` of them.
fn lines(count: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..count {
        let line = json!({
            "eventVersion": "1.08", "eventTime": "2026-11-22T08:15:30Z", "eventSource": "s3.amazonaws.com",
            "eventName": "GetObject", "eventType": "AwsApiCall", "awsRegion": "us-east-1",
            "sourceIPAddress": format!("203.0.113.{}", i % 250), "userAgent": "[aws-sdk-rust/1.3.9]",
            "userIdentity": {"type": "AssumedRole", "arn": format!("arn:aws:sts::123456789012:assumed-role/app/{i}"), "accountId": "123456789012"},
            "requestParameters": {"bucketName": "prod-data", "key": format!("exports/2026/11/22/part-{i:08}.parquet")},
            "requestID": format!("{:016X}", i * 7919), "eventID": format!("{:032x}", i * 104_729),
            "resources": [{"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::prod-data/exports/part-{i:08}.parquet")}],
            "readOnly": true, "managementEvent": false, "recipientAccountId": "123456789012"
        });
        out.extend_from_slice(line.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

#[divan::bench]
fn decode_lines_json(bencher: Bencher) {
    let block = lines(1000);
    let chain = FormatChain::parse(&["s3-lines", "json"]).expect("chain");
    bencher.counter(BytesCount::of_slice(&block)).bench(|| {
        let mut parser = ObjectParser::new(&chain);
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        let mut records = 0;
        for line in block.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            parser
                .apply(line, &mut out, &mut scratch)
                .expect("valid JSON");
            records += out.len();
        }
        black_box(records)
    });
}

/// The events of a CloudTrail log file, one at a time, as Main's parser
/// takes them from the reader (which cut them out and checked them).
#[divan::bench]
fn decode_cloudtrail_events(bencher: Bencher) {
    let block = lines(1000);
    let events: Vec<&[u8]> = block
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let chain = FormatChain::parse(&["s3-text", "json", "cloudtrail"]).expect("chain");
    bencher.counter(BytesCount::of_slice(&block)).bench(|| {
        let mut parser = ObjectParser::new(&chain);
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        let mut records = 0;
        for event in &events {
            parser
                .apply(event, &mut out, &mut scratch)
                .expect("an event");
            records += out.len();
        }
        black_box(records)
    });
}

fn routing_config() -> Config {
    let mut routing: Vec<serde_json::Value> = (0..20)
        .map(|i| json!({"bucket": format!("bucket-{i}"), "prefix": format!("logs/{i}/"), "dest": if i % 2 == 0 { "fast" } else { "slow" }}))
        .collect();
    routing.push(json!({"prefix": "debug/", "dest": "drop"}));
    let mapping: serde_json::Map<String, serde_json::Value> = (0..20)
        .map(|i| {
            (
                format!("bucket-{i}"),
                json!([{"prefix": "", "format": ["s3-lines"]}, {"prefix": "logs/", "format": ["s3-lines", "json"]}, {"prefix": format!("logs/{i}/"), "format": ["s3-lines", "json", "cloudtrail"]}]),
            )
        })
        .collect();
    serde_json::from_value(json!({
        "stack_name": "bench",
        "backend": {"sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}]},
        "handler": {"path": "."},
        "routing": routing,
        "bucket_mapping": mapping,
    }))
    .expect("config")
}

#[divan::bench]
fn route_and_map(bencher: Bencher) {
    let config = routing_config();
    let objects: Vec<(String, String)> = (0..10_000)
        .map(|i| {
            (
                format!("bucket-{}", i % 25),
                format!("logs/{}/2026/11/22/object-{i}.json.gz", i % 30),
            )
        })
        .collect();
    bencher.counter(ItemsCount::new(objects.len())).bench(|| {
        let mut lanes = 0;
        for (bucket, key) in &objects {
            lanes += usize::from(config.route(bucket, key).lane().is_some());
            lanes += usize::from(config.mapping_for(bucket, key).is_some());
        }
        black_box(lanes)
    });
}
