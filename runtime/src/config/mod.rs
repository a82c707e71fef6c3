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
mod validate;
mod yaml;

use std::path::PathBuf;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use arn::{Arn, ArnKind};
pub use diagnostic::{Diagnostic, Report, Severity};
pub(crate) use load::did_you_mean;
pub use load::{LoadError, Loaded, load, load_str, schema};
pub use path::{FieldPath, Segment};
pub use yaml::Position;

/// A slips pipeline: one CloudFormation stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Config {
    /// Name of the CloudFormation stack: letters, digits and hyphens, starting
    /// with a letter, at most 128 characters.
    pub stack_name: String,
    /// Free text shown as the stack's description.
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
    /// The SNS topics that receive the S3 ObjectCreated notifications (at least one).
    pub sns_topics: Vec<SnsTopic>,
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
    /// Throttle of each lane.
    #[serde(default)]
    pub lane: Lanes,
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

/// The throttle of both lanes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Lanes {
    /// The fast lane: unthrottled by default.
    #[serde(default = "Lane::fast")]
    pub fast: Lane,
    /// The slow lane: for bulky or bursty sources.
    #[serde(default = "Lane::slow")]
    pub slow: Lane,
}

impl Default for Lanes {
    fn default() -> Self {
        Lanes {
            fast: Lane::fast(),
            slow: Lane::slow(),
        }
    }
}

/// A lane's throttle: its Dispatcher sends `batch_size` objects to Main, then
/// waits `delay` seconds, so a lane carries at most `batch_size / delay`
/// objects per second per shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Lane {
    /// Seconds the Dispatcher waits after each batch (0 to 900).
    #[serde(default)]
    pub delay: u32,
    /// Object events per batch (1 to 10000).
    #[serde(default = "Lane::default_batch_size")]
    pub batch_size: u32,
}

impl Lane {
    /// Allowed `delay`, in seconds: a Dispatcher must finish within Lambda's 15-minute limit.
    pub const DELAY_RANGE: std::ops::RangeInclusive<u32> = 0..=900;
    /// Allowed `batch_size`: the Kinesis event source mapping accepts 1 to 10000.
    pub const BATCH_SIZE_RANGE: std::ops::RangeInclusive<u32> = 1..=10_000;

    fn fast() -> Self {
        Lane {
            delay: 0,
            batch_size: 1,
        }
    }

    fn slow() -> Self {
        Lane {
            delay: 10,
            batch_size: 1,
        }
    }

    fn default_batch_size() -> u32 {
        1
    }
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
}

fn empty_args() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
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
    pub format: Vec<String>,
}

impl Config {
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
