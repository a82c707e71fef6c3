//! The six functions: one code zip and one binary, told apart by
//! `SLIPS_FUNCTION`; each with its own log group, memory, timeout, and the
//! environment the runtime reads. Main also gets the user's reserved
//! concurrency, VPC, the DLQ topic as dead-letter target, and its retry
//! settings for asynchronous invocations.

use serde_json::{Map, Value, json};
use slips_contract::config::Config;

use crate::backend::{Backend, sends_failures};
use crate::cfn::{Keep, Resource, Resources, reference, sub};
use crate::limits::{MAX_ASYNC_RETRIES, MAX_LAMBDA_TIMEOUT_SECONDS};
use crate::names::{Function, env, id, parameter};

/// Lambda's OS-only runtime, for a binary named `bootstrap` (Lambda runtimes,
/// `provided.al2023`: Amazon Linux 2023, glibc 2.34).
const RUNTIME: &str = "provided.al2023";
const HANDLER: &str = "bootstrap";

/// Memory in MB and timeout in seconds of the framework's functions. Their
/// work is small per event; Drain may page through a large error table.
/// A Dispatcher sleeps `delay` (up to 900 s, changeable live by `slips
/// limit`) inside its invocation, so it gets Lambda's longest timeout.
fn sizing(function: Function, config: &Config) -> (u32, u32) {
    match function {
        Function::EventPusher => (256, crate::names::EVENT_PUSHER_TIMEOUT_SECONDS),
        Function::FastDispatcher | Function::SlowDispatcher => (256, MAX_LAMBDA_TIMEOUT_SECONDS),
        Function::Main => (config.handler.memory, config.handler.timeout),
        Function::Reporter => (256, 60),
        Function::Drain => (512, MAX_LAMBDA_TIMEOUT_SECONDS),
    }
}

fn description(function: Function) -> &'static str {
    match function {
        Function::EventPusher => "slips EventPusher: S3 notifications to the lanes",
        Function::FastDispatcher => "slips FastDispatcher: fast lane batches to Main",
        Function::SlowDispatcher => "slips SlowDispatcher: slow lane batches to Main, throttled",
        Function::Main => "slips Main: the user's handler over the objects",
        Function::Reporter => "slips Reporter: dead letters to the error table",
        Function::Drain => "slips Drain: error items back into their lanes",
    }
}

/// The environment of `function`: always `SLIPS_FUNCTION`, then what it needs.
pub fn environment(config: &Config, backend: &Backend, function: Function) -> Map<String, Value> {
    let mut vars = Map::new();
    vars.insert(env::FUNCTION.into(), function.name().into());
    let streams = |vars: &mut Map<String, Value>| {
        for lane in slips_contract::lane::Lane::ALL {
            vars.insert(env::stream(lane).into(), backend.stream(lane).name.clone());
        }
    };
    if let Some(lane) = function.lane() {
        vars.insert(
            env::MAIN_FUNCTION.into(),
            reference(Function::Main.logical_id()),
        );
        vars.insert(
            env::DELAY.into(),
            config.backend.lane.of(lane).delay.to_string().into(),
        );
        vars.insert(env::ERROR_TABLE.into(), backend.table.name.clone());
        return vars;
    }
    match function {
        Function::EventPusher => streams(&mut vars),
        Function::Reporter => {
            vars.insert(env::ERROR_TABLE.into(), backend.table.name.clone());
        }
        Function::Drain => {
            vars.insert(env::ERROR_TABLE.into(), backend.table.name.clone());
            streams(&mut vars);
        }
        Function::Main | Function::FastDispatcher | Function::SlowDispatcher => {}
    }
    vars
}

/// Adds `function`'s log group and function (and Main's invoke config).
pub fn build(
    config: &Config,
    backend: &Backend,
    function: Function,
    role_arn: Value,
    resources: &mut Resources,
) {
    let log_group_id = function.log_group_id();
    let days = config.functions.log_retention_days;
    let log_group = Resource::new(
        "AWS::Logs::LogGroup",
        json!({
            "LogGroupName": sub(format!("/aws/lambda/${{AWS::StackName}}/{}", function.name())),
            "RetentionInDays": days,
        }),
    )
    // Named after the stack: a retained group would block redeploying it.
    .keep(Keep::Delete)
    .skip(
        "CKV_AWS_158",
        "CloudWatch Logs encrypts log data at rest with its own keys; a customer-managed \
         key would need a key policy for the logs service and adds nothing to the threat model",
    );
    resources.add(&log_group_id, log_group);

    let (memory, timeout) = sizing(function, config);
    let mut properties = json!({
        "Description": description(function),
        "Runtime": RUNTIME,
        "Handler": HANDLER,
        "Architectures": [config.functions.architecture.name()],
        "Code": {
            "S3Bucket": reference(parameter::CODE_BUCKET),
            "S3Key": reference(parameter::CODE_KEY),
        },
        "Role": role_arn,
        "MemorySize": memory,
        "Timeout": timeout,
        "Environment": {"Variables": environment(config, backend, function)},
        "LoggingConfig": {"LogGroup": reference(&log_group_id)},
    });
    let handler = &config.handler;
    let mut skips: Vec<(&'static str, String)> = vec![(
        "CKV_AWS_173",
        "the environment holds only resource names and throttle settings, no secrets (the \
             config travels in the code zip); Lambda encrypts it at rest with an AWS-managed key"
            .into(),
    )];
    match function {
        Function::Main => {
            properties["DeadLetterConfig"] = json!({"TargetArn": backend.dlq.arn});
            match handler.concurrency {
                Some(concurrency) => properties["ReservedConcurrentExecutions"] = concurrency.into(),
                None => skips.push((
                    "CKV_AWS_115",
                    "handler.concurrency is not set: Main shares the account's unreserved concurrency"
                        .into(),
                )),
            }
            if handler.subnet_ids.is_empty() {
                skips.push((
                    "CKV_AWS_117",
                    "no VPC configured (handler.security_group_ids and handler.subnet_ids): Main \
                     reads only S3 through its public endpoint"
                        .into(),
                ));
            } else {
                properties["VpcConfig"] = json!({
                    "SecurityGroupIds": handler.security_group_ids,
                    "SubnetIds": handler.subnet_ids,
                });
            }
        }
        other => {
            skips.push((
                "CKV_AWS_117",
                "a framework function talks only to AWS APIs (Kinesis, Lambda, DynamoDB, SQS); \
                 a VPC would need NAT or endpoints and protect nothing"
                    .into(),
            ));
            skips.push((
                "CKV_AWS_115",
                match other {
                    Function::FastDispatcher | Function::SlowDispatcher => {
                        "concurrency is bounded by the lane's shards: one batch per shard at a time"
                    }
                    Function::Drain => "invoked only by an operator's `slips drain --remote`",
                    _ => {
                        "reserving concurrency would take it from the account's pool; Main's \
                         reserved concurrency is the pipeline's throttle"
                    }
                }
                .into(),
            ));
            match other {
                Function::EventPusher | Function::Reporter if sends_failures(config, other) => {
                    properties["DeadLetterConfig"] =
                        json!({"TargetArn": backend.failure_queue.arn});
                }
                Function::EventPusher | Function::Reporter => skips.push((
                    "CKV_AWS_116",
                    "its role is given in the config and backend.failure_queue_arn is not: that \
                     role cannot have been granted the queue the stack creates, and Lambda would \
                     refuse the target; give backend.failure_queue_arn to keep its dead letters"
                        .into(),
                )),
                Function::FastDispatcher | Function::SlowDispatcher => skips.push((
                    "CKV_AWS_116",
                    format!(
                        "invoked synchronously by its Kinesis event source mapping, where a DLQ \
                         does not apply; {}",
                        if sends_failures(config, other) {
                            "batches it gives up on go to the mapping's on-failure destination"
                        } else {
                            "its role is given and backend.failure_queue_arn is not, so batches \
                             it gives up on are only counted (give the queue to keep them)"
                        }
                    ),
                )),
                _ => skips.push((
                    "CKV_AWS_116",
                    "invoked synchronously by `slips drain --remote`, which sees every error"
                        .into(),
                )),
            }
        }
    }
    let mut resource = Resource::new("AWS::Lambda::Function", properties);
    for (check, reason) in skips {
        resource = resource.skip(check, reason);
    }
    resources.add(function.logical_id(), resource);

    if function == Function::Main {
        resources.add(
            id::MAIN_INVOKE_CONFIG,
            Resource::new(
                "AWS::Lambda::EventInvokeConfig",
                json!({
                    "FunctionName": reference(function.logical_id()),
                    "Qualifier": "$LATEST",
                    "MaximumRetryAttempts": MAX_ASYNC_RETRIES,
                    "MaximumEventAgeInSeconds": handler.max_event_age,
                }),
            ),
        );
    }
}
