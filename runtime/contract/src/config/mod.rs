//! The slips config (`config.yml`): its types, loading with precise errors,
//! and the checks beyond parsing.
//!
//! The types accept the original slips schema unchanged; their doc comments
//! are the config reference (they become the JSON Schema of
//! `slips config-schema`).

mod arn;
mod diagnostic;
mod load;
mod path;
mod records;
mod validate;
mod yaml;

use std::path::PathBuf;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::format::FormatChain;
use crate::names::Function;

pub use arn::{Arn, ArnKind, PARTITIONS, partition_of};
pub use diagnostic::{Diagnostic, Report, Severity};
pub use load::{LoadError, Loaded, load, load_str, schema};
pub use path::{FieldPath, Segment};
pub use records::{Builtin, Condition, Filter, Multiline, Pattern, Redaction, RedactionRule};
pub use yaml::Position;

/// A slips pipeline: one CloudFormation stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Config {
    /// Name of the CloudFormation stack: letters, digits and hyphens, starting
    /// with a letter, at most 128 characters.
    pub stack_name: String,
    /// Free text shown as the stack's description (at most 1024 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where `slips deploy` uploads the code zip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sam: Option<Sam>,
    /// The pipeline's own resources: topics, lanes, error table, roles.
    pub backend: Backend,
    /// The user's handler: the code that processes every record.
    pub handler: HandlerConfig,
    /// Which lane each object takes. The first rule matching the object's
    /// bucket and key prefix wins; an object no rule matches takes the fast
    /// lane. With no rules, everything takes the fast lane.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing: Vec<Route>,
    /// Per bucket, which objects are read and how: the entry with the longest
    /// prefix matching the object key decides the format chain.
    pub bucket_mapping: IndexMap<String, Vec<Mapping>>,
    /// How every function of the stack runs: CPU architecture and log retention.
    #[serde(default)]
    pub functions: Functions,
    /// The stack's CloudWatch alarms: whom they notify and when the lanes' alarms fire.
    #[serde(default)]
    pub alarms: Alarms,
    /// What errors may reveal of the logs they are about.
    #[serde(default)]
    pub errors: Errors,
}

/// What an error message may quote of a record: errors go to CloudWatch,
/// the dead letters and the error table (kept 90 days), so a record's
/// content (a password in a log line) must not travel with them in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Errors {
    /// Characters of a record's content a parse error may quote (0 to
    /// 256; default 32): 0 quotes none.
    #[serde(default = "Errors::default_excerpt_chars")]
    pub excerpt_chars: u32,
}

impl Errors {
    /// The most characters an excerpt may be set to.
    pub const MAX_EXCERPT_CHARS: u32 = 256;

    fn default_excerpt_chars() -> u32 {
        crate::format::DEFAULT_EXCERPT_CHARS as u32
    }
}

impl Default for Errors {
    fn default() -> Self {
        Errors {
            excerpt_chars: Errors::default_excerpt_chars(),
        }
    }
}

/// Where the code zip is uploaded (the name comes from the original, which used SAM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sam {
    /// S3 bucket that receives the code zip.
    pub code_bucket: String,
    /// Key prefix of the code zip in `code_bucket`.
    #[serde(default)]
    pub code_prefix: String,
}

/// The pipeline's own resources. Any resource given as an ARN is used as it
/// is; any other is created by the stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Backend {
    /// Existing IAM roles for the framework's functions.
    #[serde(default)]
    pub role_arn: Roles,
    /// The SNS topics that receive the S3 ObjectCreated notifications.
    /// At least one intake is needed: `sns_topics`, `sqs_queues` or `eventbridge`.
    #[serde(default)]
    pub sns_topics: Vec<SnsTopic>,
    /// Standard SQS queues in the stack's region that receive the
    /// notifications (S3 → SQS, or S3 → SNS → SQS with or without raw
    /// delivery, or an EventBridge rule → SQS). EventPusher polls each and
    /// reports the messages it could not push (partial batch responses), so
    /// only those are delivered again. Give each queue a visibility timeout
    /// of at least EventPusher's timeout, 120 s (else Lambda refuses the
    /// event source mapping and the deploy fails; 6 times, 720 s, is what
    /// AWS advises), and a redrive policy to the stack's failure queue
    /// (output `FailureQueueArn`, maxReceiveCount 5 or more) so `slips
    /// drain` can replay what EventPusher could not push.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sqs_queues: Vec<SqsQueue>,
    /// EventBridge intake: a rule of the stack sends the buckets' S3 "Object
    /// Created" events to EventPusher (turn on "Send notifications to
    /// Amazon EventBridge" on each bucket). Unlike bucket notifications,
    /// nothing on the bucket names the stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eventbridge: Option<EventBridge>,
    /// Existing Kinesis stream for the fast lane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinesis_stream_fast_arn: Option<String>,
    /// Existing Kinesis stream for the slow lane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinesis_stream_slow_arn: Option<String>,
    /// Existing DynamoDB table for failed invocations (the error table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamodb_arn: Option<String>,
    /// Existing SNS topic used as Main's dead-letter queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dlq_sns_arn: Option<String>,
    /// Existing SQS queue (standard, not FIFO) for the failures the error
    /// table cannot hold: notifications EventPusher failed, batches a
    /// Dispatcher gave up on, dead letters Reporter could not store. Created
    /// when left out. A function whose role is given here sends to it only
    /// when this queue is given too (its role can be granted only a queue it
    /// knows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_queue_arn: Option<String>,
    /// Throttle of each lane, and the shape of its stream.
    #[serde(default)]
    pub lane: Lanes,
    /// What deleting the stack does to the error table, the lane streams and
    /// the pipeline failure queue it created: `retain` (default) keeps them
    /// with their data, `delete` deletes them. Also applies when an update
    /// has to replace one of them.
    #[serde(default)]
    pub on_delete: OnDelete,
}

/// What deleting the stack does to the stateful resources it created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnDelete {
    /// Keep them, with their data (failed events, events not yet processed).
    #[default]
    Retain,
    /// Delete them with the stack.
    Delete,
}

impl Backend {
    /// The existing stream the config names for `lane`, if any.
    pub fn stream_arn(&self, lane: crate::lane::Lane) -> Option<&str> {
        match lane {
            crate::lane::Lane::Fast => self.kinesis_stream_fast_arn.as_deref(),
            crate::lane::Lane::Slow => self.kinesis_stream_slow_arn.as_deref(),
        }
    }
}

/// Existing IAM roles, one per framework function; each is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Roles {
    /// Role of EventPusher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_pusher: Option<String>,
    /// Role of both Dispatchers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatcher: Option<String>,
    /// Role of Reporter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    /// Role of Drain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain: Option<String>,
}

/// An SNS topic that S3 notifies of new objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SnsTopic {
    /// A short name for the topic, unique in this config (letters, digits,
    /// `-` and `_`); it names the subscription in the stack.
    pub name: String,
    /// ARN of the topic.
    pub arn: String,
}

/// An SQS queue that receives notifications of new objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SqsQueue {
    /// A short name for the queue, unique in this config (letters, digits,
    /// `-` and `_`); it names the event source mapping in the stack.
    pub name: String,
    /// ARN of the queue (standard, in the stack's region).
    pub arn: String,
    /// Messages per EventPusher invocation (1 to 10, default 10).
    #[serde(default = "SqsQueue::default_batch_size")]
    pub batch_size: u32,
    /// The KMS key the queue is encrypted with, if it is a customer-managed
    /// one: EventPusher's role may decrypt with it through SQS (without it,
    /// nothing could be received and the messages would expire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
}

impl SqsQueue {
    /// Allowed `batch_size`: up to 10, an SQS event source needs no batching
    /// window (Lambda Developer Guide, "Lambda parameters for Amazon SQS
    /// event source mappings": more than 10 needs
    /// MaximumBatchingWindowInSeconds of 1 or more).
    pub const BATCH_SIZE_RANGE: std::ops::RangeInclusive<u32> = 1..=10;

    fn default_batch_size() -> u32 {
        *SqsQueue::BATCH_SIZE_RANGE.end()
    }
}

/// The buckets whose EventBridge "Object Created" events EventPusher takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventBridge {
    /// Bucket names (at least one), each with EventBridge notifications on.
    pub buckets: Vec<String>,
}

/// The throttle of both lanes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Lanes {
    /// The fast lane: unthrottled by default.
    #[serde(default = "Throttle::fast")]
    pub fast: Throttle,
    /// The slow lane: for bulky or bursty sources.
    #[serde(default = "Throttle::slow")]
    pub slow: Throttle,
}

impl Default for Lanes {
    fn default() -> Self {
        Lanes {
            fast: Throttle::fast(),
            slow: Throttle::slow(),
        }
    }
}

impl Lanes {
    /// The settings of `lane`.
    pub fn of(&self, lane: crate::lane::Lane) -> &Throttle {
        match lane {
            crate::lane::Lane::Fast => &self.fast,
            crate::lane::Lane::Slow => &self.slow,
        }
    }
}

/// A lane: its throttle and its stream. Its Dispatcher sends `batch_size`
/// objects to Main, then waits `delay` seconds, so a lane carries at most
/// `batch_size / delay` objects per second per shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Throttle {
    /// Seconds the Dispatcher waits after each batch (0 to 900).
    #[serde(default)]
    pub delay: u32,
    /// Object events per batch (1 to 10000).
    #[serde(default = "Throttle::default_batch_size")]
    pub batch_size: u32,
    /// Shards of the lane's stream when the stack creates it: a number
    /// (provisioned capacity; default 1) or `on-demand` (Kinesis adds shards
    /// as traffic grows, starting at 4). Every shard adds `batch_size / delay`
    /// objects per second to the lane's rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<Shards>,
    /// Hours the lane's stream keeps object events when the stack creates it
    /// (24 to 8760, default 24): how long processing can lag or be paused
    /// before events expire unprocessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_hours: Option<u32>,
}

impl Throttle {
    /// Allowed `delay`, in seconds: a Dispatcher must finish within Lambda's 15-minute limit.
    pub const DELAY_RANGE: std::ops::RangeInclusive<u32> = 0..=900;
    /// Allowed `batch_size`: the Kinesis event source mapping accepts 1 to 10000.
    pub const BATCH_SIZE_RANGE: std::ops::RangeInclusive<u32> = 1..=10_000;
    /// Allowed `retention_hours`: Kinesis keeps records 24 hours to 365 days
    /// (Kinesis Data Streams quotas, "data retention period").
    pub const RETENTION_HOURS_RANGE: std::ops::RangeInclusive<u32> = 24..=8760;
    /// Shards of a created stream when `shards` is left out.
    pub const DEFAULT_SHARDS: Shards = Shards::Provisioned(1);
    /// Retention of a created stream when `retention_hours` is left out (the Kinesis default).
    pub const DEFAULT_RETENTION_HOURS: u32 = 24;

    fn fast() -> Self {
        Throttle {
            delay: 0,
            batch_size: 1,
            shards: None,
            retention_hours: None,
        }
    }

    fn slow() -> Self {
        Throttle {
            delay: 10,
            ..Throttle::fast()
        }
    }

    fn default_batch_size() -> u32 {
        1
    }

    /// The stream's shards, the default filled in.
    pub fn shards(&self) -> Shards {
        self.shards.unwrap_or(Self::DEFAULT_SHARDS)
    }

    /// The stream's retention in hours, the default filled in.
    pub fn retention_hours(&self) -> u32 {
        self.retention_hours
            .unwrap_or(Self::DEFAULT_RETENTION_HOURS)
    }
}

/// The capacity of a lane's stream: a number of provisioned shards, or `on-demand`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a number of shards (1 or more) or `on-demand`")]
pub enum Shards {
    /// This many shards, provisioned.
    Provisioned(u32),
    /// Kinesis scales the shards with the traffic.
    OnDemand(OnDemand),
}

/// The word `on-demand`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum OnDemand {
    /// Kinesis on-demand capacity mode.
    #[serde(rename = "on-demand")]
    OnDemand,
}

/// The user's handler and how Main runs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HandlerConfig {
    /// The handler's cargo package (a directory with a Cargo.toml), relative
    /// to this config file.
    pub path: PathBuf,
    /// Any value; deserialized into the handler's own argument type and passed to `setup()`.
    #[serde(default = "empty_args")]
    pub args: serde_json::Value,
    /// Existing IAM role for Main.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// Reserved concurrency of Main: at most this many copies run at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// Security groups for Main in a VPC (give `subnet_ids` too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
    /// Subnets for Main in a VPC (give `security_group_ids` too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<String>,
    /// Memory of Main in MB (128 to 10240, default 1024). Lambda gives CPU in
    /// proportion: 1769 MB is one full vCPU.
    #[serde(default = "HandlerConfig::default_memory")]
    pub memory: u32,
    /// Seconds one invocation of Main may run (1 to 900, default 300).
    #[serde(default = "HandlerConfig::default_timeout")]
    pub timeout: u32,
    /// Seconds Lambda keeps retrying a batch Main failed, or could not yet run
    /// (throttled), before sending it to the dead-letter topic (60 to 21600,
    /// default 21600).
    #[serde(default = "HandlerConfig::default_max_event_age")]
    pub max_event_age: u32,
    /// KMS keys that encrypt the mapped objects (SSE-KMS): Main may decrypt
    /// with them, through S3 only. ARNs of keys, not aliases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kms_key_arns: Vec<String>,
}

impl HandlerConfig {
    /// Allowed `memory`, in MB (Lambda quotas, "function memory allocation").
    pub const MEMORY_RANGE: std::ops::RangeInclusive<u32> = 128..=10_240;
    /// Allowed `timeout`, in seconds (Lambda quotas, "function timeout": 15 minutes).
    pub const TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=900;
    /// Allowed `max_event_age`, in seconds (Lambda's EventInvokeConfig
    /// MaximumEventAgeInSeconds: 60 s to 6 hours).
    pub const MAX_EVENT_AGE_RANGE: std::ops::RangeInclusive<u32> = 60..=21_600;

    fn default_memory() -> u32 {
        1024
    }

    fn default_timeout() -> u32 {
        300
    }

    fn default_max_event_age() -> u32 {
        21_600
    }
}

fn empty_args() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// How every function of the stack runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Functions {
    /// CPU architecture of the handler binary, on which every function runs:
    /// `x86_64` (default) or `arm64` (Graviton, about 20% cheaper per second;
    /// the binary must be built for it).
    #[serde(default)]
    pub architecture: Architecture,
    /// Days CloudWatch Logs keeps each function's logs (default 30). One of
    /// 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
    /// 1827, 2192, 2557, 2922, 3288, 3653.
    #[serde(default = "Functions::default_log_retention_days")]
    pub log_retention_days: u32,
    /// How `slips package` and `slips deploy` build the handler binary, when
    /// not with cargo for this machine (e.g. cross-building for arm64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildCommand>,
}

/// A build command of your own, e.g. cargo-lambda for arm64:
/// `{command: [cargo, lambda, build, --release, --arm64], binary: target/lambda/NAME/bootstrap}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BuildCommand {
    /// The program and its arguments (no shell), run in the handler's directory.
    pub command: Vec<String>,
    /// The binary it makes, relative to the handler's directory.
    pub binary: PathBuf,
}

impl Functions {
    /// The retention periods CloudWatch Logs accepts, in days (PutRetentionPolicy).
    pub const LOG_RETENTION_DAYS: [u32; 22] = [
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
        2922, 3288, 3653,
    ];

    fn default_log_retention_days() -> u32 {
        30
    }
}

impl Default for Functions {
    fn default() -> Self {
        Functions {
            architecture: Architecture::default(),
            log_retention_days: Functions::default_log_retention_days(),
            build: None,
        }
    }
}

/// A Lambda instruction set architecture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Architecture {
    /// 64-bit x86 (Intel, AMD).
    #[default]
    #[serde(rename = "x86_64")]
    X86_64,
    /// 64-bit ARM (AWS Graviton).
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    /// The name Lambda uses, which is also the config's.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// The stack's CloudWatch alarms (on dead-letter messages, Main's errors and
/// each lane's backlog) and whom they notify.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Alarms {
    /// SNS topic notified when an alarm fires and when it clears. Without it
    /// the alarms show only in CloudWatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_arn: Option<String>,
    /// Per lane, the age in seconds of its oldest unprocessed object event
    /// above which the lane's alarm fires (at least 60; defaults: fast 600,
    /// slow 3600). Keep it well under the stream's retention, or events
    /// expire before anyone is told.
    #[serde(default)]
    pub iterator_age: IteratorAges,
}

/// Iterator-age alarm thresholds per lane, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IteratorAges {
    /// The fast lane's threshold (default 600: ten minutes behind).
    #[serde(default = "IteratorAges::default_fast")]
    pub fast: u32,
    /// The slow lane's threshold (default 3600: an hour behind; it is throttled on purpose).
    #[serde(default = "IteratorAges::default_slow")]
    pub slow: u32,
}

impl IteratorAges {
    /// The smallest threshold: CloudWatch alarms evaluate Lambda metrics per minute.
    pub const MIN_SECONDS: u32 = 60;

    fn default_fast() -> u32 {
        600
    }

    fn default_slow() -> u32 {
        3600
    }

    /// The threshold of `lane`, in seconds.
    pub fn of(&self, lane: crate::lane::Lane) -> u32 {
        match lane {
            crate::lane::Lane::Fast => self.fast,
            crate::lane::Lane::Slow => self.slow,
        }
    }
}

impl Default for IteratorAges {
    fn default() -> Self {
        IteratorAges {
            fast: IteratorAges::default_fast(),
            slow: IteratorAges::default_slow(),
        }
    }
}

/// A routing rule: objects in `bucket` (any bucket if absent) whose key
/// starts with `prefix` (any key if absent) take lane `dest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Route {
    /// Bucket the rule applies to; any bucket if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// Key prefix the rule applies to; any key if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Where matching objects go.
    pub dest: Dest,
}

impl Route {
    /// Whether this rule applies to an object.
    pub fn matches(&self, bucket: &str, key: &str) -> bool {
        self.bucket.as_deref().is_none_or(|b| b == bucket) && key.starts_with(self.prefix())
    }

    /// The key prefix, `""` when the rule takes any key.
    pub fn prefix(&self) -> &str {
        self.prefix.as_deref().unwrap_or("")
    }
}

/// Where a routing rule sends objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Dest {
    /// The fast lane.
    Fast,
    /// The slow (throttled) lane.
    Slow,
    /// Nowhere: the object is skipped (and logged).
    Drop,
}

impl Dest {
    /// The lane this destination is, `None` for drop.
    pub fn lane(self) -> Option<crate::lane::Lane> {
        match self {
            Dest::Fast => Some(crate::lane::Lane::Fast),
            Dest::Slow => Some(crate::lane::Lane::Slow),
            Dest::Drop => None,
        }
    }

    /// The destination as the config writes it.
    pub fn name(self) -> &'static str {
        match self {
            Dest::Fast => "fast",
            Dest::Slow => "slow",
            Dest::Drop => "drop",
        }
    }
}

/// How the objects under one key prefix of a bucket are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Mapping {
    /// Key prefix; the longest matching prefix of the bucket wins.
    #[serde(default)]
    pub prefix: String,
    /// The format chain: one reader (`s3-lines`, `s3-text`, `ignore`), then
    /// parsers, e.g. `[s3-lines, json, cloudtrail]`.
    pub format: FormatChain,
    /// What a record that fails to parse does: `fail` the object (default),
    /// or `skip` the record and count it.
    #[serde(default, skip_serializing_if = "OnParseError::is_fail")]
    pub on_parse_error: OnParseError,
    /// Records of several lines: how a record's first line looks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiline: Option<Multiline>,
    /// Rules that replace what matches in each record before anything else
    /// reads it (filters, parsers, the handler, error excerpts), in order:
    /// `ipv4`, `ipv6`, `email`, or `{pattern: '...', replace: '...'}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redact: Vec<Redaction>,
    /// Which records reach the handler (`keep`, `drop`).
    #[serde(default, skip_serializing_if = "Filter::is_empty")]
    pub filter: Filter,
    /// The share of the records left by `filter` that reach the handler,
    /// above 0 and at most 1 (e.g. `0.1`). Which ones is decided by the
    /// object's key and the record's place in it, so a replay picks the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<f64>,
}

impl Mapping {
    /// An entry that reads objects under `prefix` with `format`, and does
    /// nothing else to their records.
    pub fn new(prefix: impl Into<String>, format: FormatChain) -> Self {
        Mapping {
            prefix: prefix.into(),
            format,
            on_parse_error: OnParseError::default(),
            multiline: None,
            redact: Vec::new(),
            filter: Filter::default(),
            sample: None,
        }
    }
}

/// What a record that fails to parse does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnParseError {
    /// The object fails: retried, then recorded in the error table.
    #[default]
    Fail,
    /// The record is skipped; skipped records are counted in the logs.
    Skip,
}

impl OnParseError {
    fn is_fail(&self) -> bool {
        *self == OnParseError::Fail
    }
}

impl Config {
    /// The role the config gives `function` (`backend.role_arn`, or
    /// `handler.role_arn` for Main), if any: else the stack creates one.
    pub fn role_arn_of(&self, function: Function) -> Option<&str> {
        let roles = &self.backend.role_arn;
        match function {
            Function::EventPusher => roles.event_pusher.as_deref(),
            Function::FastDispatcher | Function::SlowDispatcher => roles.dispatcher.as_deref(),
            Function::Main => self.handler.role_arn.as_deref(),
            Function::Reporter => roles.reporter.as_deref(),
            Function::Drain => roles.drain.as_deref(),
        }
    }

    /// The `bucket_mapping` entry for an object: the longest matching prefix.
    pub fn mapping_for(&self, bucket: &str, key: &str) -> Option<&Mapping> {
        self.bucket_mapping
            .get(bucket)?
            .iter()
            .filter(|m| key.starts_with(&m.prefix))
            .max_by_key(|m| m.prefix.len())
    }

    /// How objects of `bucket` under `prefix` can be routed: each rule that
    /// decides some of them, in order, with its index, up to the first that
    /// decides all of them; `(None, Fast)` last when no rule decides them all.
    pub fn routes_under(&self, bucket: &str, prefix: &str) -> Vec<(Option<usize>, Dest)> {
        let mut routes = Vec::new();
        for (i, rule) in self.routing.iter().enumerate() {
            if rule.bucket.as_deref().is_some_and(|b| b != bucket) {
                continue;
            }
            let decides_all = prefix.starts_with(rule.prefix());
            if decides_all || rule.prefix().starts_with(prefix) {
                routes.push((Some(i), rule.dest));
            }
            if decides_all {
                return routes;
            }
        }
        routes.push((None, Dest::Fast));
        routes
    }

    /// The lane of an object by the routing rules: first match wins, no match is fast.
    pub fn route(&self, bucket: &str, key: &str) -> Dest {
        self.routing
            .iter()
            .find(|rule| rule.matches(bucket, key))
            .map_or(Dest::Fast, |rule| rule.dest)
    }
}
