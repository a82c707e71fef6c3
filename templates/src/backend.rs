//! The pipeline's stateful resources: the two lane streams, the error table,
//! the dead-letter topic and the pipeline failure queue. Each one the config
//! names by ARN is referenced as it is; each other one is created here,
//! encrypted, and kept or deleted with the stack as the config says.

use serde_json::json;
use slips_contract::config::{Arn, Config, OnDelete, Shards};
use slips_contract::lane::Lane;

use crate::RenderError;
use crate::cfn::{Keep, Named, Resource, Resources, get_att, reference};
use crate::limits::{MAX_SQS_MESSAGE_BYTES, MAX_SQS_RETENTION_SECONDS};
use crate::names::{Function, id};

/// The AWS-managed KMS key of each service: no key policy to maintain and no
/// IAM permission needed by the stack's own roles (the key policy allows the
/// account's principals through the service). The failure queue uses
/// SQS-managed encryption instead (see there).
const KINESIS_KEY: &str = "alias/aws/kinesis";
const SNS_KEY: &str = "alias/aws/sns";

/// The error table's key and expiry attributes (the Reporter writes them).
pub const TABLE_KEY: &str = "request_id";
pub const TABLE_TTL: &str = "expires_at";

/// The pipeline's stateful resources as the rest of the template refers to them.
#[derive(Debug, Clone)]
pub struct Backend {
    pub fast_stream: Named,
    pub slow_stream: Named,
    pub table: Named,
    pub dlq: Named,
    pub failure_queue: Named,
}

impl Backend {
    pub fn stream(&self, lane: Lane) -> &Named {
        match lane {
            Lane::Fast => &self.fast_stream,
            Lane::Slow => &self.slow_stream,
        }
    }
}

/// Whether `function` sends what it gives up on to the failure queue: yes
/// when the stack creates its role (and grants it the queue), or when the
/// config names the queue (so a given role can have been granted it). A
/// given role cannot have been granted a queue the stack creates, and Lambda
/// refuses a dead-letter target or failure destination the role may not use.
pub fn sends_failures(config: &Config, function: Function) -> bool {
    config.role_arn_of(function).is_none() || config.backend.failure_queue_arn.is_some()
}

/// Adds the resources the config does not name and returns how to refer to all of them.
pub fn build(config: &Config, resources: &mut Resources) -> Result<Backend, RenderError> {
    let backend = &config.backend;
    let keep = match backend.on_delete {
        OnDelete::Retain => Keep::Retain,
        OnDelete::Delete => Keep::Delete,
    };
    let mut stream = |lane: Lane| -> Result<Named, RenderError> {
        match backend.stream_arn(lane) {
            Some(arn) => existing(arn, "stream/", lane_field(lane)),
            None => {
                let logical = id::stream(lane);
                resources.add(logical, stream_resource(config, lane, keep));
                Ok(Named {
                    arn: get_att(logical, "Arn"),
                    name: reference(logical),
                    name_in_sub: format!("${{{logical}}}"),
                })
            }
        }
    };
    let fast_stream = stream(Lane::Fast)?;
    let slow_stream = stream(Lane::Slow)?;

    let table = match &backend.dynamodb_arn {
        Some(arn) => existing(arn, "table/", "backend.dynamodb_arn")?,
        None => {
            resources.add(id::ERROR_TABLE, table_resource(keep));
            Named {
                arn: get_att(id::ERROR_TABLE, "Arn"),
                name: reference(id::ERROR_TABLE),
                name_in_sub: format!("${{{}}}", id::ERROR_TABLE),
            }
        }
    };

    let dlq = match &backend.dlq_sns_arn {
        Some(arn) => existing(arn, "", "backend.dlq_sns_arn")?,
        None => {
            resources.add(
                id::DLQ_TOPIC,
                Resource::new(
                    "AWS::SNS::Topic",
                    json!({
                        "DisplayName": "slips dead letters: batches Main failed",
                        "KmsMasterKeyId": SNS_KEY,
                    }),
                ),
            );
            Named {
                arn: reference(id::DLQ_TOPIC),
                name: get_att(id::DLQ_TOPIC, "TopicName"),
                name_in_sub: format!("${{{}.TopicName}}", id::DLQ_TOPIC),
            }
        }
    };

    let failure_queue = match &backend.failure_queue_arn {
        Some(arn) => existing(arn, "", "backend.failure_queue_arn")?,
        None => {
            resources.add(
                id::FAILURE_QUEUE,
                Resource::new(
                    "AWS::SQS::Queue",
                    json!({
                        "MessageRetentionPeriod": MAX_SQS_RETENTION_SECONDS,
                        // Its largest message (MAX_FAILURE_MESSAGE_BYTES) is over the default 256 KiB.
                        "MaximumMessageSize": MAX_SQS_MESSAGE_BYTES,
                        // SQS-managed encryption: SNS can deliver subscription dead letters
                        // to it, which it cannot with the AWS-managed KMS key (whose key
                        // policy does not admit SNS).
                        "SqsManagedSseEnabled": true,
                    }),
                )
                .keep(keep)
                .skip(
                    "CKV_AWS_27",
                    "encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which this \
                     check does not recognise: SNS must deliver subscription dead letters here, \
                     and it cannot use the AWS-managed KMS key of SQS",
                ),
            );
            Named {
                arn: get_att(id::FAILURE_QUEUE, "Arn"),
                name: get_att(id::FAILURE_QUEUE, "QueueName"),
                name_in_sub: format!("${{{}.QueueName}}", id::FAILURE_QUEUE),
            }
        }
    };

    Ok(Backend {
        fast_stream,
        slow_stream,
        table,
        dlq,
        failure_queue,
    })
}

fn lane_field(lane: Lane) -> &'static str {
    match lane {
        Lane::Fast => "backend.kinesis_stream_fast_arn",
        Lane::Slow => "backend.kinesis_stream_slow_arn",
    }
}

/// A resource given in the config: its ARN, and its name (the ARN's resource
/// part after `resource_prefix`).
fn existing(arn: &str, resource_prefix: &str, field: &str) -> Result<Named, RenderError> {
    let parsed = Arn::parse(arn).map_err(|message| RenderError::Config {
        field: field.to_string(),
        message,
    })?;
    let name = parsed
        .resource
        .strip_prefix(resource_prefix)
        .ok_or_else(|| RenderError::Config {
            field: field.to_string(),
            message: format!("`{arn}` does not name a `{resource_prefix}...` resource"),
        })?;
    Ok(Named {
        arn: arn.into(),
        name: name.into(),
        name_in_sub: crate::cfn::sub_escape(name),
    })
}

fn stream_resource(config: &Config, lane: Lane, keep: Keep) -> Resource {
    let settings = config.backend.lane.of(lane);
    let mut properties = json!({
        "RetentionPeriodHours": settings.retention_hours(),
        "StreamEncryption": {"EncryptionType": "KMS", "KeyId": KINESIS_KEY},
    });
    match settings.shards() {
        Shards::Provisioned(count) => {
            properties["StreamModeDetails"] = json!({"StreamMode": "PROVISIONED"});
            properties["ShardCount"] = count.into();
        }
        Shards::OnDemand(_) => {
            properties["StreamModeDetails"] = json!({"StreamMode": "ON_DEMAND"});
        }
    }
    Resource::new("AWS::Kinesis::Stream", properties).keep(keep)
}

fn table_resource(keep: Keep) -> Resource {
    Resource::new(
        "AWS::DynamoDB::Table",
        json!({
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": TABLE_KEY, "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": TABLE_KEY, "KeyType": "HASH"}],
            "SSESpecification": {"SSEEnabled": true},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
            "TimeToLiveSpecification": {"AttributeName": TABLE_TTL, "Enabled": true},
        }),
    )
    .keep(keep)
    .skip(
        "CKV_AWS_119",
        "encrypted at rest with the AWS-managed key (aws/dynamodb), like the streams and topics: \
         a customer-managed key would need a key policy for every role and operator that reads \
         errors; to use one, create the table yourself and give backend.dynamodb_arn",
    )
}
