//! Checks beyond parsing: names, ARNs, ranges, format chains, and routing
//! rules that can never fire. Every check runs; each problem is one
//! [`Diagnostic`] naming its field.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use super::arn::{Arn, ArnKind};
use super::diagnostic::Diagnostic;
use super::path::FieldPath;
use super::{Config, Dest, Lane, Route};
use crate::format::FormatChain;

/// All problems of a deserialized config; `handler.path` must already be resolved.
pub fn check(config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let root = FieldPath::root();
    check_stack_name(&config.stack_name, &root.key("stack_name"), &mut out);
    if let Some(sam) = &config.sam {
        check_bucket_name(
            &sam.code_bucket,
            &root.key("sam").key("code_bucket"),
            &mut out,
        );
    }
    check_backend(config, &root.key("backend"), &mut out);
    check_handler(config, &root.key("handler"), &mut out);
    check_routing(config, &root.key("routing"), &mut out);
    check_bucket_mapping(config, &root.key("bucket_mapping"), &mut out);
    out
}

fn check_stack_name(name: &str, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    let valid = name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        out.push(Diagnostic::error(
            at.clone(),
            format!(
                "`{name}` is not a CloudFormation stack name: use letters, digits and hyphens, \
                 start with a letter, at most 128 characters"
            ),
        ));
    }
}

/// The S3 general purpose bucket naming rules.
fn bucket_name_problem(name: &str) -> Option<&'static str> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
    let edge = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !(3..=63).contains(&name.len()) {
        Some("must be 3 to 63 characters long")
    } else if !name.chars().all(allowed) {
        Some("may hold only lowercase letters, digits, dots and hyphens")
    } else if !name.starts_with(edge) || !name.ends_with(edge) {
        Some("must start and end with a lowercase letter or digit")
    } else if name.contains("..") {
        Some("must not hold two dots in a row")
    } else if name.parse::<Ipv4Addr>().is_ok() {
        Some("must not look like an IP address")
    } else if name.starts_with("xn--") || name.starts_with("sthree-") {
        Some("must not start with `xn--` or `sthree-` (reserved by S3)")
    } else if name.ends_with("-s3alias") || name.ends_with("--ol-s3") || name.ends_with("--x-s3") {
        Some("must not end with `-s3alias`, `--ol-s3` or `--x-s3` (reserved by S3)")
    } else {
        None
    }
}

fn bucket_name_error(name: &str, at: &FieldPath) -> Option<Diagnostic> {
    let problem = bucket_name_problem(name)?;
    let message = format!("`{name}` is not a valid S3 bucket name: it {problem}");
    Some(Diagnostic::error(at.clone(), message))
}

fn check_bucket_name(name: &str, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    out.extend(bucket_name_error(name, at));
}

fn check_arn(arn: Option<&str>, kind: ArnKind, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    if let Some(Err(message)) = arn.map(|arn| Arn::parse_kind(arn, kind)) {
        out.push(Diagnostic::error(at.clone(), message));
    }
}

fn check_backend(config: &Config, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    let backend = &config.backend;
    let roles = &backend.role_arn;
    for (name, arn) in [
        ("event_pusher", &roles.event_pusher),
        ("dispatcher", &roles.dispatcher),
        ("reporter", &roles.reporter),
        ("drain", &roles.drain),
    ] {
        check_arn(
            arn.as_deref(),
            ArnKind::IamRole,
            &at.key("role_arn").key(name),
            out,
        );
    }

    let topics_at = at.key("sns_topics");
    if backend.sns_topics.is_empty() {
        out.push(Diagnostic::error(
            topics_at.clone(),
            "give at least one SNS topic: S3 notifies slips of new objects through it",
        ));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, topic) in backend.sns_topics.iter().enumerate() {
        let name_ok = !topic.name.is_empty()
            && topic.name.len() <= 64
            && topic
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            out.push(Diagnostic::error(
                topics_at.index(i).key("name"),
                format!("`{}`: use 1 to 64 letters, digits, `-` or `_`", topic.name),
            ));
        }
        if let Some(first) = seen.insert(&topic.name, i) {
            out.push(Diagnostic::error(
                topics_at.index(i).key("name"),
                format!(
                    "`{}` is already the name of sns_topics[{first}]",
                    topic.name
                ),
            ));
        }
        check_arn(
            Some(&topic.arn),
            ArnKind::SnsTopic,
            &topics_at.index(i).key("arn"),
            out,
        );
    }

    let fast = backend.kinesis_stream_fast_arn.as_deref();
    let slow = backend.kinesis_stream_slow_arn.as_deref();
    check_arn(
        fast,
        ArnKind::KinesisStream,
        &at.key("kinesis_stream_fast_arn"),
        out,
    );
    check_arn(
        slow,
        ArnKind::KinesisStream,
        &at.key("kinesis_stream_slow_arn"),
        out,
    );
    if fast.is_some() && fast == slow {
        out.push(Diagnostic::error(
            at.key("kinesis_stream_slow_arn"),
            "the slow lane needs its own stream; this is the fast lane's",
        ));
    }
    check_arn(
        backend.dynamodb_arn.as_deref(),
        ArnKind::DynamoDbTable,
        &at.key("dynamodb_arn"),
        out,
    );
    check_arn(
        backend.dlq_sns_arn.as_deref(),
        ArnKind::SnsTopic,
        &at.key("dlq_sns_arn"),
        out,
    );

    for (name, lane) in [("fast", &backend.lane.fast), ("slow", &backend.lane.slow)] {
        let lane_at = at.key("lane").key(name);
        if !Lane::DELAY_RANGE.contains(&lane.delay) {
            out.push(Diagnostic::error(
                lane_at.key("delay"),
                format!(
                    "{} seconds is out of range: 0 to 900 (a Dispatcher must finish within Lambda's 15 minutes)",
                    lane.delay
                ),
            ));
        }
        if !Lane::BATCH_SIZE_RANGE.contains(&lane.batch_size) {
            out.push(Diagnostic::error(
                lane_at.key("batch_size"),
                format!(
                    "{} is out of range: 1 to 10000 (the limit of a Kinesis event source)",
                    lane.batch_size
                ),
            ));
        }
    }
}

fn check_handler(config: &Config, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    let handler = &config.handler;
    let path = &handler.path;
    let problem = if !path.exists() {
        Some("does not exist")
    } else if !path.is_dir() {
        Some("is not a directory (it must be the handler's cargo package)")
    } else if !path.join("Cargo.toml").is_file() {
        Some("has no Cargo.toml (it must be the handler's cargo package)")
    } else {
        None
    };
    if let Some(problem) = problem {
        out.push(Diagnostic::error(
            at.key("path"),
            format!("{} {problem}", path.display()),
        ));
    }
    check_arn(
        handler.role_arn.as_deref(),
        ArnKind::IamRole,
        &at.key("role_arn"),
        out,
    );
    if handler.concurrency == Some(0) {
        out.push(Diagnostic::error(
            at.key("concurrency"),
            "0 would stop Main from ever running; leave it out for unreserved concurrency",
        ));
    }
    let groups = &handler.security_group_ids;
    let subnets = &handler.subnet_ids;
    if groups.is_empty() != subnets.is_empty() {
        let (given, missing) = if groups.is_empty() {
            ("subnet_ids", "security_group_ids")
        } else {
            ("security_group_ids", "subnet_ids")
        };
        out.push(Diagnostic::error(
            at.key(given),
            format!("running Main in a VPC needs both {given} and {missing}; {missing} is missing"),
        ));
    }
    for (field, ids, prefix) in [
        ("security_group_ids", groups, "sg-"),
        ("subnet_ids", subnets, "subnet-"),
    ] {
        for (i, id) in ids.iter().enumerate() {
            let hex = id.strip_prefix(prefix).unwrap_or("");
            if !(8..=17).contains(&hex.len()) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                out.push(Diagnostic::error(
                    at.key(field).index(i),
                    format!("`{id}` is not an id of the form {prefix}0123456789abcdef0"),
                ));
            }
        }
    }
}

fn check_routing(config: &Config, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    for (i, rule) in config.routing.iter().enumerate() {
        if let Some(bucket) = &rule.bucket {
            check_bucket_name(bucket, &at.index(i).key("bucket"), out);
            if rule.dest != Dest::Drop && !config.bucket_mapping.contains_key(bucket) {
                out.push(Diagnostic::warning(
                    at.index(i).key("bucket"),
                    format!(
                        "`{bucket}` is not in bucket_mapping, so Main would find no format \
                         for its objects and fail them"
                    ),
                ));
            }
        }
        let shadow = config.routing[..i]
            .iter()
            .position(|earlier| covers(earlier, rule.bucket.as_deref(), rule.prefix()));
        if let Some(earlier) = shadow {
            out.push(Diagnostic::warning(
                at.index(i),
                format!(
                    "this rule never applies: routing[{earlier}] comes first and matches every \
                     object it would"
                ),
            ));
        }
    }
}

/// Whether `rule` matches every object of `bucket` (any bucket if `None`) under `prefix`.
fn covers(rule: &Route, bucket: Option<&str>, prefix: &str) -> bool {
    let bucket_covered = match (&rule.bucket, bucket) {
        (None, _) => true,
        (Some(own), Some(other)) => own == other,
        (Some(_), None) => false,
    };
    bucket_covered && prefix.starts_with(rule.prefix())
}

fn check_bucket_mapping(config: &Config, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    if config.bucket_mapping.is_empty() {
        out.push(Diagnostic::error(
            at.clone(),
            "map at least one bucket: Main reads only objects of mapped buckets",
        ));
    }
    for (bucket, mappings) in &config.bucket_mapping {
        let bucket_at = at.key(bucket.as_str());
        // The bucket is a key of bucket_mapping: point at it, not at its entries.
        out.extend(bucket_name_error(bucket, &bucket_at).map(Diagnostic::at_key));
        if mappings.is_empty() {
            out.push(Diagnostic::error(
                bucket_at.clone(),
                "give at least one prefix with its format (use prefix \"\" for the whole bucket)",
            ));
        }
        let mut prefixes: HashMap<&str, usize> = HashMap::new();
        for (i, mapping) in mappings.iter().enumerate() {
            let entry_at = bucket_at.index(i);
            if let Some(first) = prefixes.insert(&mapping.prefix, i) {
                out.push(Diagnostic::error(
                    entry_at.key("prefix"),
                    format!(
                        "prefix `{}` is already mapped by entry [{first}]; which format applies would be ambiguous",
                        mapping.prefix
                    ),
                ));
            }
            if let Err(errors) = FormatChain::parse(&mapping.format) {
                for error in errors {
                    let field = entry_at.key("format");
                    let field = match error.index {
                        Some(index) => field.index(index),
                        None => field,
                    };
                    out.push(Diagnostic::error(field, error.message));
                }
            }
            if let Some(rule) = dropping_rule(config, bucket, &mapping.prefix) {
                out.push(Diagnostic::warning(
                    entry_at,
                    format!(
                        "no object under `{}` reaches a lane: routing[{rule}] drops them all",
                        mapping.prefix
                    ),
                ));
            }
        }
    }
}

/// The routing rule that drops every object of `bucket` under `prefix`, if
/// no rule lets any of them through to a lane.
fn dropping_rule(config: &Config, bucket: &str, prefix: &str) -> Option<usize> {
    let routes = config.routes_under(bucket, prefix);
    if routes.iter().all(|(_, dest)| *dest == Dest::Drop) {
        routes.last().and_then(|(rule, _)| *rule)
    } else {
        None
    }
}
