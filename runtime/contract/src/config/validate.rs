//! Checks beyond parsing: names, ARNs, ranges, format chains, and routing
//! rules that can never fire. Every check runs; each problem is one
//! [`Diagnostic`] naming its field.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use super::arn::{Arn, ArnKind};
use super::diagnostic::Diagnostic;
use super::path::FieldPath;
use super::{
    Condition, Config, Dest, EventBridge, Functions, HandlerConfig, IteratorAges, Mapping,
    Redaction, Route, Shards, SqsQueue, Throttle,
};
use crate::format::Reader;
use crate::lane::Lane;

/// The longest stack description CloudFormation accepts, in bytes (template anatomy, "Description").
const DESCRIPTION_MAX_BYTES: usize = 1024;

/// All problems of a deserialized config; `handler.path` must already be resolved.
pub fn check(config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let root = FieldPath::root();
    check_stack_name(&config.stack_name, &root.key("stack_name"), &mut out);
    if let Some(description) = &config.description
        && description.len() > DESCRIPTION_MAX_BYTES
    {
        out.push(Diagnostic::error(
            root.key("description"),
            format!(
                "{} bytes is too long: a CloudFormation stack description holds at most {DESCRIPTION_MAX_BYTES}",
                description.len()
            ),
        ));
    }
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
    check_functions(config, &root.key("functions"), &mut out);
    check_alarms(config, &root.key("alarms"), &mut out);
    if config.errors.excerpt_chars > crate::config::Errors::MAX_EXCERPT_CHARS {
        out.push(Diagnostic::error(
            root.key("errors").key("excerpt_chars"),
            format!(
                "{} is too many: at most {} characters of a record go into an error",
                config.errors.excerpt_chars,
                crate::config::Errors::MAX_EXCERPT_CHARS
            ),
        ));
    }
    out
}

/// An error when `value` is outside `range`, saying the range and why it is the limit.
fn check_range(
    value: u32,
    range: std::ops::RangeInclusive<u32>,
    unit: &str,
    why: &str,
    at: &FieldPath,
    out: &mut Vec<Diagnostic>,
) {
    if !range.contains(&value) {
        out.push(Diagnostic::error(
            at.clone(),
            format!(
                "{value}{unit} is out of range: {} to {} ({why})",
                range.start(),
                range.end()
            ),
        ));
    }
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
    // The stack cannot grant a given role its own failure queue, so such a
    // function keeps nothing it gives up on unless the config names a queue.
    if backend.failure_queue_arn.is_none() {
        for (name, arn, gives_up) in [
            (
                "event_pusher",
                &roles.event_pusher,
                "an event it cannot push after Lambda's 2 retries",
            ),
            (
                "dispatcher",
                &roles.dispatcher,
                "a lane batch it can neither hand to Main nor keep in the error table, after 5 retries,",
            ),
            (
                "reporter",
                &roles.reporter,
                "a dead letter it cannot write to the error table after Lambda's 2 retries",
            ),
        ] {
            if arn.is_some() {
                out.push(Diagnostic::warning(
                    at.key("role_arn").key(name),
                    format!(
                        "with your own role for {name} and no backend.failure_queue_arn, {gives_up} \
                         is dropped, seen only in its error count: give backend.failure_queue_arn \
                         too (an SQS queue this role may send to)"
                    ),
                ));
            }
        }
    }

    if backend.sns_topics.is_empty()
        && backend.sqs_queues.is_empty()
        && backend.eventbridge.is_none()
    {
        out.push(Diagnostic::error(
            at.key("sns_topics"),
            "give at least one intake: sns_topics, sqs_queues or eventbridge (how S3 tells \
             slips of new objects)",
        ));
    }
    let topics = backend
        .sns_topics
        .iter()
        .map(|t| (t.name.as_str(), t.arn.as_str()));
    check_intakes(topics, ArnKind::SnsTopic, &at.key("sns_topics"), out);
    let queues = backend
        .sqs_queues
        .iter()
        .map(|q| (q.name.as_str(), q.arn.as_str()));
    check_intakes(queues, ArnKind::SqsQueue, &at.key("sqs_queues"), out);
    for (i, queue) in backend.sqs_queues.iter().enumerate() {
        let queue_at = at.key("sqs_queues").index(i);
        let range = SqsQueue::BATCH_SIZE_RANGE;
        if !range.contains(&queue.batch_size) {
            out.push(Diagnostic::error(
                queue_at.key("batch_size"),
                format!(
                    "{} is out of range: {} to {} (more would need a batching window)",
                    queue.batch_size,
                    range.start(),
                    range.end()
                ),
            ));
        }
        check_arn(
            queue.kms_key_arn.as_deref(),
            ArnKind::KmsKey,
            &queue_at.key("kms_key_arn"),
            out,
        );
    }
    if let Some(eventbridge) = &backend.eventbridge {
        check_eventbridge(config, eventbridge, &at.key("eventbridge"), out);
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
    if let Some(arn) = backend.dlq_sns_arn.as_deref() {
        no_fifo(arn, &at.key("dlq_sns_arn"), out);
    }
    check_arn(
        backend.failure_queue_arn.as_deref(),
        ArnKind::SqsQueue,
        &at.key("failure_queue_arn"),
        out,
    );

    for (name, lane) in [("fast", &backend.lane.fast), ("slow", &backend.lane.slow)] {
        let lane_at = at.key("lane").key(name);
        if !Throttle::DELAY_RANGE.contains(&lane.delay) {
            out.push(Diagnostic::error(
                lane_at.key("delay"),
                format!(
                    "{} seconds is out of range: 0 to 900 (a Dispatcher must finish within Lambda's 15 minutes)",
                    lane.delay
                ),
            ));
        }
        if !Throttle::BATCH_SIZE_RANGE.contains(&lane.batch_size) {
            out.push(Diagnostic::error(
                lane_at.key("batch_size"),
                format!(
                    "{} is out of range: 1 to 10000 (the limit of a Kinesis event source)",
                    lane.batch_size
                ),
            ));
        }
        if lane.shards == Some(Shards::Provisioned(0)) {
            out.push(Diagnostic::error(
                lane_at.key("shards"),
                "a stream needs at least 1 shard; write `on-demand` to let Kinesis choose",
            ));
        }
        if let Some(hours) = lane.retention_hours {
            check_range(
                hours,
                Throttle::RETENTION_HOURS_RANGE,
                " hours",
                "Kinesis keeps records 24 hours to 365 days",
                &lane_at.key("retention_hours"),
                out,
            );
        }
    }
    for lane in Lane::ALL {
        let settings = backend.lane.of(lane);
        let Some(arn) = backend.stream_arn(lane) else {
            continue;
        };
        for (key, given) in [
            ("shards", settings.shards.is_some()),
            ("retention_hours", settings.retention_hours.is_some()),
        ] {
            if given {
                out.push(Diagnostic::warning(
                    at.key("lane").key(lane.name()).key(key),
                    format!(
                        "ignored: the {lane} lane uses the existing stream {arn}, which the stack does not shape"
                    ),
                ));
            }
        }
    }
}

/// Lambda cannot take SNS FIFO topics here: neither as an event source
/// (Lambda subscribes to standard topics only) nor as a dead-letter target.
/// A FIFO queue would hold its group behind each failed message, and
/// partial batch responses there must stop at the first failure.
fn no_fifo(arn: &str, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    if arn.ends_with(".fifo") {
        out.push(Diagnostic::error(
            at.clone(),
            format!("`{arn}` is FIFO: slips takes standard topics and queues only, here"),
        ));
    }
}

/// The topics or queues of one intake, as `(name, arn)`: names that can
/// name resources, each name and ARN once (one source twice would push
/// each object twice).
fn check_intakes<'a>(
    sources: impl Iterator<Item = (&'a str, &'a str)>,
    kind: ArnKind,
    at: &FieldPath,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut seen_arns: HashMap<&str, usize> = HashMap::new();
    let list = at.last_key().unwrap_or_default();
    for (i, (name, arn)) in sources.enumerate() {
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            out.push(Diagnostic::error(
                at.index(i).key("name"),
                format!("`{name}`: use 1 to 64 letters, digits, `-` or `_`"),
            ));
        }
        if let Some(first) = seen.insert(name, i) {
            out.push(Diagnostic::error(
                at.index(i).key("name"),
                format!("`{name}` is already the name of {list}[{first}]"),
            ));
        }
        check_arn(Some(arn), kind, &at.index(i).key("arn"), out);
        if kind == ArnKind::SnsTopic {
            // (A queue ARN's check refuses FIFO queues itself.)
            no_fifo(arn, &at.index(i).key("arn"), out);
        }
        if let Some(first) = seen_arns.insert(arn, i) {
            out.push(Diagnostic::error(
                at.index(i).key("arn"),
                format!("`{arn}` is already {list}[{first}]: it would push each object twice"),
            ));
        }
    }
}

/// EventBridge intake: bucket names, each once, each one the config maps.
fn check_eventbridge(
    config: &Config,
    eventbridge: &EventBridge,
    at: &FieldPath,
    out: &mut Vec<Diagnostic>,
) {
    let at = at.key("buckets");
    if eventbridge.buckets.is_empty() {
        out.push(Diagnostic::error(
            at.clone(),
            "name at least one bucket whose \"Object Created\" events slips takes",
        ));
    }
    for (i, bucket) in eventbridge.buckets.iter().enumerate() {
        if eventbridge.buckets[..i].contains(bucket) {
            out.push(Diagnostic::error(
                at.index(i),
                format!("`{bucket}` is listed twice"),
            ));
        } else if !config.bucket_mapping.contains_key(bucket) {
            out.push(Diagnostic::warning(
                at.index(i),
                format!(
                    "`{bucket}` has no bucket_mapping entry: Main would fail each of its objects \
                     (route them to drop, or map the bucket)"
                ),
            ));
        }
    }
}

fn check_handler(config: &Config, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    let handler = &config.handler;
    if handler.role_arn.is_some() && config.backend.dlq_sns_arn.is_none() {
        // Lambda refuses a dead-letter target the function's role cannot write to,
        // and a role made outside the stack cannot name a topic the stack creates.
        out.push(Diagnostic::warning(
            at.key("role_arn"),
            "with an existing role for Main, give backend.dlq_sns_arn too (a topic that role may \
             publish to): `slips deploy` fails otherwise, since the stack's own DLQ topic is not \
             in your role's policy",
        ));
    }
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
    check_range(
        handler.memory,
        HandlerConfig::MEMORY_RANGE,
        " MB",
        "Lambda's memory limits",
        &at.key("memory"),
        out,
    );
    check_range(
        handler.timeout,
        HandlerConfig::TIMEOUT_RANGE,
        " seconds",
        "Lambda runs a function at most 15 minutes",
        &at.key("timeout"),
        out,
    );
    check_range(
        handler.max_event_age,
        HandlerConfig::MAX_EVENT_AGE_RANGE,
        " seconds",
        "Lambda retries an asynchronous event for 1 minute to 6 hours",
        &at.key("max_event_age"),
        out,
    );
    for (i, arn) in handler.kms_key_arns.iter().enumerate() {
        check_arn(
            Some(arn),
            ArnKind::KmsKey,
            &at.key("kms_key_arns").index(i),
            out,
        );
    }
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

fn check_functions(config: &Config, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    let days = config.functions.log_retention_days;
    if !Functions::LOG_RETENTION_DAYS.contains(&days) {
        let allowed: Vec<String> = Functions::LOG_RETENTION_DAYS
            .iter()
            .map(u32::to_string)
            .collect();
        out.push(Diagnostic::error(
            at.key("log_retention_days"),
            format!(
                "CloudWatch Logs cannot keep logs {days} days; use one of {}",
                allowed.join(", ")
            ),
        ));
    }
    if let Some(build) = &config.functions.build {
        if build
            .command
            .first()
            .is_none_or(|program| program.trim().is_empty())
        {
            out.push(Diagnostic::error(
                at.key("build").key("command"),
                "give the program and its arguments, e.g. [cargo, lambda, build, --release, --arm64]",
            ));
        }
        if build.binary.as_os_str().is_empty() || build.binary.is_absolute() {
            out.push(Diagnostic::error(
                at.key("build").key("binary"),
                "give the built binary's path relative to handler.path, e.g. target/lambda/NAME/bootstrap",
            ));
        }
    }
}

fn check_alarms(config: &Config, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    let alarms = &config.alarms;
    if alarms.topic_arn.is_none() {
        out.push(Diagnostic::warning(
            at.key("topic_arn"),
            "no alarm topic: the stack's alarms (dead letters, failed functions, lanes falling \
             behind) fire but notify no one; give an SNS topic your team is subscribed to",
        ));
    }
    check_arn(
        alarms.topic_arn.as_deref(),
        ArnKind::SnsTopic,
        &at.key("topic_arn"),
        out,
    );
    for lane in Lane::ALL {
        let seconds = alarms.iterator_age.of(lane);
        let field = at.key("iterator_age").key(lane.name());
        if seconds < IteratorAges::MIN_SECONDS {
            out.push(Diagnostic::error(
                field,
                format!(
                    "{seconds} seconds is too short: at least {} (CloudWatch evaluates Lambda metrics per minute)",
                    IteratorAges::MIN_SECONDS
                ),
            ));
            continue;
        }
        if config.backend.stream_arn(lane).is_some() {
            continue;
        }
        let retention = config.backend.lane.of(lane).retention_hours();
        if u64::from(seconds) >= u64::from(retention) * 3600 {
            out.push(Diagnostic::warning(
                field,
                format!(
                    "the alarm would fire only after events expire: the {lane} lane's stream keeps them {retention} hours ({} seconds)",
                    u64::from(retention) * 3600
                ),
            ));
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
            check_record_rules(mapping, &entry_at, out);
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

/// Most bytes a multiline record may be given: the longest record the
/// runtime holds (one line of `s3-lines`).
pub const MULTILINE_MAX_BYTES: u64 = 256 << 20;

/// `multiline`, `redact`, `filter` and `sample` of one mapping entry.
fn check_record_rules(mapping: &Mapping, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    if let Some(multiline) = &mapping.multiline {
        let at = at.key("multiline");
        if mapping.format.reader != Reader::Lines {
            out.push(Diagnostic::error(
                at.clone(),
                format!(
                    "multiline joins lines into records: it needs the s3-lines reader, and this \
                     entry's format starts with {}",
                    mapping.format.reader.name()
                ),
            ));
        }
        if multiline.start.regex().is_match(b"") {
            out.push(Diagnostic::error(
                at.key("start"),
                "matches an empty line, so every line would start a record: give what a \
                 record's first line begins with (e.g. '^\\d{4}-\\d\\d-\\d\\d')",
            ));
        }
        if multiline.max_lines == 0 {
            out.push(Diagnostic::error(at.key("max_lines"), "must be at least 1"));
        }
        if !(1..=MULTILINE_MAX_BYTES).contains(&multiline.max_bytes) {
            out.push(Diagnostic::error(
                at.key("max_bytes"),
                format!(
                    "must be from 1 to {MULTILINE_MAX_BYTES} (256 MiB, the longest record slips holds)"
                ),
            ));
        }
    }
    for (i, rule) in mapping.redact.iter().enumerate() {
        let at = at.key("redact").index(i);
        let Redaction::Rule(rule) = rule else {
            continue;
        };
        match (&rule.pattern, &rule.builtin) {
            (Some(_), Some(_)) => out.push(Diagnostic::error(
                at.clone(),
                "give `pattern` or `builtin`, not both",
            )),
            (None, None) => out.push(Diagnostic::error(
                at.clone(),
                "give `pattern` (what to replace) or `builtin` (ipv4, ipv6, email)",
            )),
            (Some(pattern), None) if pattern.regex().is_match(b"") => out.push(Diagnostic::error(
                at.key("pattern"),
                "matches empty text, so it would insert its replacement everywhere",
            )),
            _ => {}
        }
        if let Some(replace) = &rule.replace
            && let Some(bad) = replace
                .chars()
                .find(|c| matches!(c, '\n' | '\r' | '"' | '\\'))
        {
            out.push(Diagnostic::error(
                at.key("replace"),
                format!(
                    "holds {bad:?}: a replacement has no line end, `\"` or `\\`, so lines stay \
                     lines and JSON records stay JSON"
                ),
            ));
        }
    }
    for (list, conditions) in [
        ("keep", &mapping.filter.keep),
        ("drop", &mapping.filter.drop),
    ] {
        for (i, condition) in conditions.iter().enumerate() {
            check_condition(condition, &at.key("filter").key(list).index(i), out);
        }
    }
    if let Some(rate) = mapping.sample
        && !(rate > 0.0 && rate <= 1.0)
    {
        out.push(Diagnostic::error(
            at.key("sample"),
            format!("{rate} is no share of records: give a number above 0 and at most 1 (0.1 keeps one in ten)"),
        ));
    }
}

/// One filter condition: `line`, `tag`, or `field` with `matches`.
fn check_condition(condition: &Condition, at: &FieldPath, out: &mut Vec<Diagnostic>) {
    let given = [
        condition.line.is_some(),
        condition.tag.is_some(),
        condition.field.is_some(),
    ];
    match given.iter().filter(|g| **g).count() {
        0 => out.push(Diagnostic::error(
            at.clone(),
            "give what to test: `line`, `tag`, or `field` with `matches`",
        )),
        1 => {}
        _ => out.push(Diagnostic::error(
            at.clone(),
            "give one of `line`, `tag` and `field` per condition (list several conditions instead)",
        )),
    }
    match (&condition.field, &condition.matches) {
        (Some(field), _) if field.split('.').any(str::is_empty) => out.push(Diagnostic::error(
            at.key("field"),
            format!("`{field}` is no path of keys: keys joined with `.`, e.g. userIdentity.type"),
        )),
        (Some(_), None) => out.push(Diagnostic::error(
            at.clone(),
            "`field` needs `matches`: the pattern its value must match",
        )),
        (None, Some(_)) => out.push(Diagnostic::error(
            at.key("matches"),
            "`matches` tests a field: give `field` too, or use `line` for the whole record",
        )),
        _ => {}
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

#[cfg(test)]
mod tests {
    //! The keys the stack added to the original schema: defaults, and each
    //! problem named with its field and line.

    use std::path::Path;

    use super::super::{Architecture, Loaded, OnDelete, Report, Shards, load_str};

    /// A config of the original schema: none of the stack's keys.
    const BASE: &str = "\
stack_name: s
backend:
  sns_topics: [{name: t, arn: 'arn:aws:sns:us-east-1:123456789012:t'}]
handler:
  path: handler
bucket_mapping:
  b-1: [{prefix: '', format: [s3-lines, json]}]
";

    fn load(text: &str) -> Result<Loaded, Report> {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("handler")).expect("handler dir");
        std::fs::write(dir.path().join("handler/Cargo.toml"), "").expect("Cargo.toml");
        load_str(text, Path::new("config.yml"), dir.path())
    }

    /// Asserts that `text` fails to load with an error at `path`, on
    /// `line`, whose message holds `message`.
    fn assert_error_at(text: &str, path: &str, line: usize, message: &str) {
        let report = match load(text) {
            Ok(_) => panic!("{path}: loaded\n{text}"),
            Err(report) => report,
        };
        let error = report
            .errors()
            .find(|d| d.path.to_string() == path)
            .unwrap_or_else(|| panic!("{path}: not in\n{report}"));
        assert_eq!(error.at.map(|at| at.line), Some(line), "{path}:\n{report}");
        assert!(error.message.contains(message), "{path}: {}", error.message);
    }

    #[test]
    fn the_stack_keys_default_sensibly() {
        let config = load(BASE).unwrap_or_else(|r| panic!("{r}")).config;
        assert_eq!(config.handler.memory, 1024);
        assert_eq!(config.handler.timeout, 300);
        assert_eq!(config.handler.max_event_age, 21_600);
        assert!(config.handler.kms_key_arns.is_empty());
        assert_eq!(config.functions.architecture, Architecture::X86_64);
        assert_eq!(config.functions.log_retention_days, 30);
        assert_eq!(config.backend.on_delete, OnDelete::Retain);
        assert_eq!(config.backend.lane.fast.shards(), Shards::Provisioned(1));
        assert_eq!(config.backend.lane.slow.retention_hours(), 24);
        assert_eq!(config.alarms.topic_arn, None);
        assert_eq!(
            (
                config.alarms.iterator_age.fast,
                config.alarms.iterator_age.slow
            ),
            (600, 3600)
        );
        // The config the functions read back (slips.json) round-trips.
        let json = serde_json::to_value(&config).expect("serializes");
        let back: super::super::Config = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, config);
    }

    #[test]
    fn the_stack_keys_load() {
        let text = format!(
            "{BASE}functions: {{architecture: arm64, log_retention_days: 365}}\n\
             alarms: {{topic_arn: 'arn:aws:sns:us-east-1:123456789012:oncall', iterator_age: {{slow: 7200}}}}\n"
        )
        .replace(
            "  path: handler\n",
            "  path: handler\n  memory: 2048\n  timeout: 900\n  max_event_age: 60\n  kms_key_arns: ['arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd']\n",
        )
        .replace(
            "backend:\n",
            "backend:\n  on_delete: delete\n  lane: {fast: {shards: on-demand}, slow: {shards: 3, retention_hours: 48}}\n",
        );
        let loaded = load(&text).unwrap_or_else(|r| panic!("{r}"));
        assert!(
            loaded.warnings.diagnostics.is_empty(),
            "{}",
            loaded.warnings
        );
        let config = loaded.config;
        assert_eq!(config.functions.architecture, Architecture::Arm64);
        assert_eq!(config.handler.memory, 2048);
        assert_eq!(config.backend.on_delete, OnDelete::Delete);
        assert!(matches!(
            config.backend.lane.fast.shards(),
            Shards::OnDemand(_)
        ));
        assert_eq!(config.backend.lane.slow.shards(), Shards::Provisioned(3));
        assert_eq!(config.backend.lane.slow.delay, 0, "a lane given in part");
        assert_eq!(config.alarms.iterator_age.slow, 7200);
        assert_eq!(config.alarms.iterator_age.fast, 600);
    }

    #[test]
    fn stack_key_problems_name_field_and_line() {
        let cases = [
            (
                "  path: handler\n",
                "  path: handler\n  memory: 64\n",
                "handler.memory",
                6,
                "128 to 10240",
            ),
            (
                "  path: handler\n",
                "  path: handler\n  timeout: 0\n",
                "handler.timeout",
                6,
                "1 to 900",
            ),
            (
                "  path: handler\n",
                "  path: handler\n  max_event_age: 30\n",
                "handler.max_event_age",
                6,
                "60 to 21600",
            ),
            (
                "  path: handler\n",
                "  path: handler\n  kms_key_arns: ['arn:aws:kms:us-east-1:123456789012:alias/x']\n",
                "handler.kms_key_arns[0]",
                6,
                "KMS key ARN",
            ),
            (
                "backend:\n",
                "backend:\n  lane: {fast: {shards: 0}}\n",
                "backend.lane.fast.shards",
                3,
                "at least 1 shard",
            ),
            (
                "backend:\n",
                "backend:\n  lane: {fast: {shards: lots}}\n",
                "backend.lane.fast.shards",
                3,
                "or `on-demand`",
            ),
            (
                "backend:\n",
                "backend:\n  lane: {slow: {retention_hours: 12}}\n",
                "backend.lane.slow.retention_hours",
                3,
                "24 to 8760",
            ),
            (
                "backend:\n",
                "backend:\n  on_delete: keep\n",
                "backend.on_delete",
                3,
                "`retain`",
            ),
            (
                "stack_name: s\n",
                "stack_name: s\nfunctions: {log_retention_days: 31}\n",
                "functions.log_retention_days",
                2,
                "one of 1, 3, 5",
            ),
            (
                "stack_name: s\n",
                "stack_name: s\nfunctions: {architecture: x86-64}\n",
                "functions.architecture",
                2,
                "did you mean `x86_64`?",
            ),
            (
                "stack_name: s\n",
                "stack_name: s\nalarms: {topic_arn: oncall}\n",
                "alarms.topic_arn",
                2,
                "is not an ARN",
            ),
            (
                "backend:\n",
                "backend:\n  failure_queue_arn: 'arn:aws:sqs:us-east-1:123456789012:q.fifo'\n",
                "backend.failure_queue_arn",
                3,
                "standard SQS queue",
            ),
            (
                "stack_name: s\n",
                "stack_name: s\nalarms: {iterator_age: {fast: 10}}\n",
                "alarms.iterator_age.fast",
                2,
                "at least 60",
            ),
        ];
        let long_description = format!("stack_name: s\ndescription: {}\n", "x".repeat(1025));
        let cases = cases
            .into_iter()
            .map(|(from, to, path, line, message)| (from, to.to_string(), path, line, message));
        let cases = cases.chain([(
            "stack_name: s\n",
            long_description,
            "description",
            2,
            "at most 1024",
        )]);
        for (from, to, path, line, message) in cases {
            assert_error_at(&BASE.replacen(from, &to, 1), path, line, message);
        }
    }

    const RULES: &str = "\
stack_name: s
backend:
  sns_topics: [{name: t, arn: 'arn:aws:sns:us-east-1:123456789012:t'}]
handler:
  path: handler
bucket_mapping:
  b-1:
    - prefix: app/
      format: [s3-lines]
      multiline: {start: '^\\d{4}-', max_lines: 200}
      redact: [ipv6, ipv4, email, {pattern: '(token=)\\w+', replace: '${1}***'}, {builtin: email, replace: x}]
      filter:
        keep: [{tag: '^app'}, {field: level, matches: '^(ERROR|WARN)$'}]
        drop: [{line: healthcheck}]
      sample: 0.25
";

    #[test]
    fn record_rules_load_with_their_defaults() {
        let config = load(RULES).unwrap_or_else(|r| panic!("{r}")).config;
        let mapping = &config.bucket_mapping["b-1"][0];
        let multiline = mapping.multiline.as_ref().expect("multiline");
        assert_eq!((multiline.max_lines, multiline.max_bytes), (200, 1 << 20));
        assert_eq!(mapping.redact.len(), 5);
        assert_eq!(
            mapping.redact[0],
            crate::config::Redaction::Builtin(crate::config::Builtin::Ipv6)
        );
        assert_eq!(
            (mapping.filter.keep.len(), mapping.filter.drop.len()),
            (2, 1)
        );
        assert_eq!(mapping.sample, Some(0.25));
        // The config the functions read back (slips.json) round-trips.
        let json = serde_json::to_value(&config).expect("serializes");
        let back: super::super::Config = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, config);
    }

    #[test]
    fn record_rule_problems_name_field_and_line() {
        let entry = "    - prefix: app/\n      format: [s3-lines]\n";
        let cases = [
            (
                "      multiline: {start: '^(\\d'}\n",
                "multiline.start",
                "not a valid regular expression",
            ),
            (
                "      multiline: {start: '.*'}\n",
                "multiline.start",
                "matches an empty line",
            ),
            (
                "      multiline: {start: x, max_lines: 0}\n",
                "multiline.max_lines",
                "at least 1",
            ),
            (
                "      multiline: {start: x, max_bytes: 300000000}\n",
                "multiline.max_bytes",
                "256 MiB",
            ),
            (
                "      multiline: {strat: x}\n",
                "multiline.strat",
                "did you mean `start`?",
            ),
            (
                "      redact: [ipv5]\n",
                "redact[0]",
                "did you mean `ipv4`?",
            ),
            (
                "      redact: [{replace: x}]\n",
                "redact[0]",
                "give `pattern`",
            ),
            (
                "      redact: [{pattern: a, builtin: email}]\n",
                "redact[0]",
                "not both",
            ),
            (
                "      redact: [{pattern: 'a?'}]\n",
                "redact[0].pattern",
                "matches empty text",
            ),
            (
                "      redact: [{pattern: a, replace: 'say \"x\"'}]\n",
                "redact[0].replace",
                "JSON records stay JSON",
            ),
            (
                "      redact: [{patern: a}]\n",
                "redact[0].patern",
                "did you mean `pattern`?",
            ),
            (
                "      filter: {keep: [{}]}\n",
                "filter.keep[0]",
                "give what to test",
            ),
            (
                "      filter: {drop: [{line: a, tag: b}]}\n",
                "filter.drop[0]",
                "one of `line`, `tag` and `field`",
            ),
            (
                "      filter: {drop: [{field: a}]}\n",
                "filter.drop[0]",
                "`field` needs `matches`",
            ),
            (
                "      filter: {drop: [{matches: a}]}\n",
                "filter.drop[0].matches",
                "give `field` too",
            ),
            (
                "      filter: {drop: [{field: 'a..b', matches: x}]}\n",
                "filter.drop[0].field",
                "no path of keys",
            ),
            (
                "      filter: {dorp: []}\n",
                "filter.dorp",
                "did you mean `drop`?",
            ),
            ("      sample: 0\n", "sample", "above 0 and at most 1"),
            ("      sample: 1.5\n", "sample", "above 0 and at most 1"),
        ];
        for (rule, field, message) in cases {
            let text = format!(
                "{}{entry}{rule}",
                BASE.trim_end_matches("  b-1: [{prefix: '', format: [s3-lines, json]}]\n")
            );
            let text = text.replacen("bucket_mapping:\n", "bucket_mapping:\n  b-1:\n", 1);
            assert_error_at(
                &text,
                &format!("bucket_mapping.b-1[0].{field}"),
                10,
                message,
            );
        }
        let text = RULES.replace("format: [s3-lines]", "format: [s3-text]");
        let report = load(&text).expect_err("multiline on s3-text");
        assert!(
            report.to_string().contains("needs the s3-lines reader"),
            "{report}"
        );
    }

    #[test]
    fn stack_key_warnings() {
        let text = BASE.replacen(
            "backend:\n",
            "backend:\n  kinesis_stream_fast_arn: arn:aws:kinesis:us-east-1:123456789012:stream/f\n  lane: {fast: {shards: 2}, slow: {retention_hours: 24}}\n",
            1,
        ) + "alarms: {iterator_age: {slow: 86400}}\n";
        let loaded = load(&text).unwrap_or_else(|r| panic!("warnings must not fail: {r}"));
        let warnings: Vec<String> = loaded
            .warnings
            .diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "backend.lane.fast.shards: ignored: the fast lane uses the existing stream"
            ),
            "{warnings:?}"
        );
        assert!(
            warnings[1].starts_with("alarms.topic_arn: no alarm topic"),
            "{warnings:?}"
        );
        assert!(
            warnings[2].starts_with(
                "alarms.iterator_age.slow: the alarm would fire only after events expire"
            ),
            "{warnings:?}"
        );
        let told =
            BASE.to_string() + "alarms: {topic_arn: 'arn:aws:sns:us-east-1:123456789012:oncall'}\n";
        let loaded = load(&told).unwrap_or_else(|r| panic!("{r}"));
        assert!(
            loaded.warnings.diagnostics.is_empty(),
            "{}",
            loaded.warnings
        );
    }
}
