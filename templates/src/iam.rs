//! Execution roles, least privilege: one role per function, each allowed only
//! the actions its function performs, on the resources it performs them on.
//! A role the config names by ARN is used as it is and nothing is created.
//!
//! | function | may |
//! |---|---|
//! | EventPusher | put records on both lane streams; send to the failure queue (its dead letters); receive and delete the messages of the intake queues (and decrypt them through SQS with their `kms_key_arn`) |
//! | each Dispatcher | read its own lane's stream; invoke Main; record lane records that are not object events in the error table; send to the failure queue (discarded batches) |
//! | Main | get objects under the mapped bucket prefixes (and decrypt them with `handler.kms_key_arns`); publish to the DLQ topic; invoke itself (a failed object handed back alone); manage its network interfaces in a VPC |
//! | Reporter | update error items; send to the failure queue (its dead letters) |
//! | Drain | scan, delete and update error items; put records on both lane streams |
//!
//! Every role may also write to its own function's log group, and nothing
//! else there. No KMS permission is needed for the stack's own encrypted
//! resources: they use AWS-managed keys, whose key policies allow the
//! account's principals through the owning service.

use serde_json::{Value, json};
use slips_contract::config::Config;
use slips_contract::format::Reader;
use slips_contract::lane::Lane;

use crate::RenderError;
use crate::backend::Backend;
use crate::cfn::{Resource, Resources, get_att, sub, sub_escape};
use crate::limits::{MAX_PARTITION_CHARS, MAX_ROLE_INLINE_POLICY_CHARS};
use crate::names::Function;

const POLICY_VERSION: &str = "2012-10-17";

/// Actions with no resource-level permissions: IAM accepts them only on `*`.
/// (Service Authorization Reference, Amazon EC2: the `Describe*` actions.)
pub const RESOURCELESS_ACTIONS: &[&str] = &["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"];

/// The Kinesis actions a Lambda event source mapping needs on its stream
/// (Lambda developer guide, "Process Amazon Kinesis Data Streams records with
/// Lambda"; `ListStreams` and `SubscribeToShard` are left out: the mapping
/// names its stream and uses no enhanced fan-out consumer).
const STREAM_READ: &[&str] = &[
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
];
/// The SQS actions a Lambda event source mapping needs on its queue (Lambda
/// Developer Guide, "Using Lambda with Amazon SQS", execution role permissions).
const QUEUE_READ: &[&str] = &[
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
];
/// What the lanes' writer calls (`LaneWriter::put` is PutRecords only).
const STREAM_WRITE: &[&str] = &["kinesis:PutRecords"];

/// The ENI actions Lambda needs to attach a function to a VPC (Lambda
/// developer guide, "Giving Lambda functions access to resources in an Amazon VPC").
const VPC_DESCRIBE: &[&str] = &["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"];
const VPC_MANAGE: &[&str] = &[
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];

/// Main's policy without the ARNs it lists per config item (objects, keys,
/// subnets, security groups), in characters once CloudFormation resolves it:
/// measured 1,290 with every optional statement and the longest partition,
/// region, log group and topic names; rounded up.
const MAIN_POLICY_FIXED_CHARS: usize = 1_500;

/// An EC2 ARN before its resource id, at most:
/// `arn:aws-us-gov:ec2:REGION:123456789012:security-group/` with a long region.
const MAX_EC2_ARN_PREFIX_CHARS: usize = 70;

/// The role `function` runs with: the config's, or one created here (added
/// to `resources`). Returns the role's ARN.
pub fn role(
    config: &Config,
    backend: &Backend,
    function: Function,
    resources: &mut Resources,
) -> Result<Value, RenderError> {
    if let Some(arn) = config.role_arn_of(function) {
        return Ok(arn.into());
    }
    let statements = statements(config, backend, function);
    if function == Function::Main {
        check_size(config)?;
    }
    let role_id = function.role_id();
    resources.add(
        &role_id,
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": format!("slips {}: least-privilege execution role", function.name()),
                "AssumeRolePolicyDocument": {
                    "Version": POLICY_VERSION,
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }],
                },
                "Policies": [{
                    "PolicyName": format!("slips-{}", function.name()),
                    "PolicyDocument": {"Version": POLICY_VERSION, "Statement": statements},
                }],
            }),
        ),
    );
    Ok(get_att(&role_id, "Arn"))
}

/// The logical id of Main's permission to invoke itself.
pub const MAIN_HAND_BACK_POLICY: &str = "MainFuncHandBackPolicy";

/// Main's permission to invoke itself, which it uses to hand a failed
/// object of a batch back as an invocation of its own. A policy of its own:
/// inside Main's role it would make the role and the function depend on
/// each other. A role given in the config must allow this itself (without
/// it, a batch with a failed object fails whole, as Lambda retries it).
pub fn main_hand_back(config: &Config, resources: &mut Resources) {
    if config.role_arn_of(Function::Main).is_some() {
        return;
    }
    resources.add(
        MAIN_HAND_BACK_POLICY,
        Resource::new(
            "AWS::IAM::RolePolicy",
            json!({
                "RoleName": crate::cfn::reference(&Function::Main.role_id()),
                "PolicyName": "slips-main-hand-back",
                "PolicyDocument": {
                    "Version": POLICY_VERSION,
                    "Statement": [statement(
                        "InvokeItselfWithFailedObjects",
                        &["lambda:InvokeFunction"],
                        vec![get_att(Function::Main.logical_id(), "Arn")],
                    )],
                },
            }),
        ),
    );
}

fn statement(sid: &str, actions: &[&str], resources: Vec<Value>) -> Value {
    json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources})
}

fn statements(config: &Config, backend: &Backend, function: Function) -> Vec<Value> {
    let mut out = vec![statement(
        "WriteOwnLogs",
        &["logs:CreateLogStream", "logs:PutLogEvents"],
        vec![get_att(&function.log_group_id(), "Arn")],
    )];
    let streams = || {
        Lane::ALL
            .iter()
            .map(|lane| backend.stream(*lane).arn.clone())
            .collect::<Vec<_>>()
    };
    let failure_queue = || {
        statement(
            "SendToFailureQueue",
            &["sqs:SendMessage"],
            vec![backend.failure_queue.arn.clone()],
        )
    };
    match function {
        Function::EventPusher => {
            out.push(statement("PutOnLanes", STREAM_WRITE, streams()));
            out.push(failure_queue());
            let queues: Vec<Value> = config
                .backend
                .sqs_queues
                .iter()
                .map(|q| json!(q.arn))
                .collect();
            if !queues.is_empty() {
                out.push(statement("ReadIntakeQueues", QUEUE_READ, queues));
            }
            let keys: Vec<Value> = config
                .backend
                .sqs_queues
                .iter()
                .filter_map(|q| q.kms_key_arn.as_deref())
                .map(|k| json!(k))
                .collect();
            if !keys.is_empty() {
                let mut decrypt = statement("DecryptIntakeQueues", &["kms:Decrypt"], keys);
                decrypt["Condition"] =
                    json!({"StringLike": {"kms:ViaService": "sqs.*.amazonaws.com"}});
                out.push(decrypt);
            }
        }
        Function::FastDispatcher | Function::SlowDispatcher => {
            let lane = function.lane().into_iter();
            out.push(statement(
                "ReadOwnLane",
                STREAM_READ,
                lane.map(|lane| backend.stream(lane).arn.clone()).collect(),
            ));
            out.push(statement(
                "InvokeMain",
                &["lambda:InvokeFunction"],
                vec![get_att(Function::Main.logical_id(), "Arn")],
            ));
            // Undecodable records, and events Main could not be given.
            out.push(statement(
                "KeepInErrorTable",
                &["dynamodb:UpdateItem"],
                vec![backend.table.arn.clone()],
            ));
            out.push(failure_queue());
        }
        Function::Main => out.extend(main_statements(config, backend)),
        Function::Reporter => {
            // `ErrorStore::record` is one UpdateItem.
            out.push(statement(
                "WriteErrorItems",
                &["dynamodb:UpdateItem"],
                vec![backend.table.arn.clone()],
            ));
            out.push(failure_queue());
        }
        Function::Drain => {
            out.push(statement(
                // Pages (Scan), deletes what it drained, keeps what it did not select (UpdateItem).
                "DrainErrorItems",
                &[
                    "dynamodb:Scan",
                    "dynamodb:DeleteItem",
                    "dynamodb:UpdateItem",
                ],
                vec![backend.table.arn.clone()],
            ));
            out.push(statement("PutOnLanes", STREAM_WRITE, streams()));
        }
    }
    out
}

fn main_statements(config: &Config, backend: &Backend) -> Vec<Value> {
    let mut out = Vec::new();
    let objects: Vec<Value> = object_arns(config).into_iter().map(sub).collect();
    if !objects.is_empty() {
        // GetObjectVersion: Main reads the version a notification names.
        out.push(statement(
            "GetMappedObjects",
            &["s3:GetObject", "s3:GetObjectVersion"],
            objects,
        ));
    }
    let handler = &config.handler;
    if !handler.kms_key_arns.is_empty() {
        let mut decrypt = statement(
            "DecryptMappedObjects",
            &["kms:Decrypt"],
            handler
                .kms_key_arns
                .iter()
                .map(|k| k.as_str().into())
                .collect(),
        );
        decrypt["Condition"] = json!({"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}});
        out.push(decrypt);
    }
    out.push(statement(
        "PublishDeadLetters",
        &["sns:Publish"],
        vec![backend.dlq.arn.clone()],
    ));
    if !handler.subnet_ids.is_empty() {
        let ec2 = |resource: &str| {
            sub(format!(
                "arn:${{AWS::Partition}}:ec2:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"
            ))
        };
        let mut create = vec![ec2("network-interface/*")];
        create.extend(
            handler
                .subnet_ids
                .iter()
                .map(|s| ec2(&format!("subnet/{s}"))),
        );
        create.extend(
            handler
                .security_group_ids
                .iter()
                .map(|g| ec2(&format!("security-group/{g}"))),
        );
        out.push(statement(
            "CreateVpcInterfaces",
            &["ec2:CreateNetworkInterface"],
            create,
        ));
        out.push(statement(
            "ManageVpcInterfaces",
            VPC_MANAGE,
            vec![ec2("network-interface/*")],
        ));
        out.push(statement("DescribeVpc", VPC_DESCRIBE, vec!["*".into()]));
    }
    out
}

/// `Fn::Sub` strings of the S3 object ARNs Main may read: one per mapped
/// prefix whose reader is not `ignore`, leaving out prefixes a shorter mapped
/// prefix of the same bucket already covers.
pub fn object_arns(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    for (bucket, mappings) in &config.bucket_mapping {
        let read: Vec<&str> = mappings
            .iter()
            .filter(|m| m.format.reader != Reader::Ignore)
            .map(|m| m.prefix.as_str())
            .collect();
        for (i, prefix) in read.iter().enumerate() {
            let covered = read.iter().enumerate().any(|(j, other)| {
                prefix.starts_with(other) && (other.len() < prefix.len() || j < i)
            });
            if !covered {
                out.push(format!(
                    "arn:${{AWS::Partition}}:s3:::{bucket}/{}*",
                    sub_escape(&iam_literal(prefix))
                ));
            }
        }
    }
    out
}

/// A key prefix written so IAM matches it literally: `*`, `?` and `$` are
/// wildcards or variables in a policy's resource, so they are written as the
/// policy variables `${*}`, `${?}` and `${$}`.
fn iam_literal(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len());
    for c in prefix.chars() {
        match c {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' => out.push_str("${$}"),
            c => out.push(c),
        }
    }
    out
}

/// Main's policy must fit IAM's inline policy quota. Its fixed part is
/// small; the ARNs it lists per mapped prefix, key, subnet and security group
/// are what grows with the config. (Each listed ARN also costs its quotes and
/// comma: 3 characters.)
fn check_size(config: &Config) -> Result<(), RenderError> {
    let partition = "${AWS::Partition}".len();
    let objects: usize = object_arns(config)
        .iter()
        .map(|arn| arn.len() - partition + MAX_PARTITION_CHARS + 3)
        .sum();
    let handler = &config.handler;
    let keys: usize = handler.kms_key_arns.iter().map(|k| k.len() + 3).sum();
    let vpc: usize = handler
        .subnet_ids
        .iter()
        .chain(&handler.security_group_ids)
        .map(|id| MAX_EC2_ARN_PREFIX_CHARS + id.len() + 3)
        .sum();
    let chars = MAIN_POLICY_FIXED_CHARS + objects + keys + vpc;
    if chars > MAX_ROLE_INLINE_POLICY_CHARS {
        return Err(RenderError::PolicyTooLarge {
            function: Function::Main.logical_id(),
            chars,
            limit: MAX_ROLE_INLINE_POLICY_CHARS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_matched_literally() {
        assert_eq!(iam_literal("logs/a/"), "logs/a/");
        assert_eq!(iam_literal("a*b?c$"), "a${*}b${?}c${$}");
        // In the Fn::Sub string the IAM variables are escaped once more.
        assert_eq!(sub_escape(&iam_literal("a*")), "a${!*}");
    }
}
