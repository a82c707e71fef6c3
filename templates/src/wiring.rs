//! How events reach the functions: each notification topic and intake
//! queue, and the EventBridge rule → EventPusher; each lane's stream → its
//! Dispatcher; the DLQ topic → Reporter. Every invoke permission names its
//! source, so no other topic or rule can invoke a function.

use serde_json::{Value, json};
use slips_contract::config::{Arn, Config};
use slips_contract::lane::Lane;

use crate::RenderError;
use crate::backend::{Backend, sends_failures};
use crate::cfn::{Resource, Resources, get_att, id_part, reference};
use crate::names::{Function, id};

/// Retries of a batch a Dispatcher failed, before the event source mapping
/// gives up on it and sends its description to the failure queue. A
/// Dispatcher fails only when it cannot invoke Main; retrying longer would
/// hold up the whole shard behind one batch.
pub const DISPATCH_RETRIES: u32 = 5;

/// Adds the subscriptions, permissions and event source mappings.
pub fn build(
    config: &Config,
    backend: &Backend,
    resources: &mut Resources,
) -> Result<(), RenderError> {
    let mut used: Vec<String> = Vec::new();
    for (i, topic) in config.backend.sns_topics.iter().enumerate() {
        let suffix = unique_suffix(&topic.name, i, &mut used);
        let region = Arn::parse(&topic.arn)
            .map_err(|message| RenderError::Config {
                field: format!("backend.sns_topics[{i}].arn"),
                message,
            })?
            .region
            .to_string();
        let redrive = redrive_in(resources, backend, &region);
        subscribe(
            resources,
            Function::EventPusher,
            &format!("EventPusherPermission{suffix}"),
            &format!("EventPusherSubscription{suffix}"),
            json!(topic.arn),
            Some(region),
            redrive,
        );
    }
    // A dead-letter topic given by ARN may be in another region.
    let dlq_region = match &config.backend.dlq_sns_arn {
        Some(arn) => Arn::parse(arn).ok().map(|a| a.region.to_string()),
        None => None,
    };
    let redrive = match &dlq_region {
        Some(region) => redrive_in(resources, backend, region),
        None => json!({"deadLetterTargetArn": backend.failure_queue.arn}),
    };
    subscribe(
        resources,
        Function::Reporter,
        id::REPORTER_PERMISSION,
        id::REPORTER_SUBSCRIPTION,
        backend.dlq.arn.clone(),
        None,
        redrive,
    );
    let mut used: Vec<String> = Vec::new();
    for (i, queue) in config.backend.sqs_queues.iter().enumerate() {
        let suffix = unique_suffix(&queue.name, i, &mut used);
        resources.add(
            format!("EventPusherQueue{suffix}"),
            Resource::new(
                "AWS::Lambda::EventSourceMapping",
                json!({
                    "FunctionName": reference(Function::EventPusher.logical_id()),
                    "EventSourceArn": queue.arn,
                    "BatchSize": queue.batch_size,
                    // EventPusher names the messages it could not push; only those come again.
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                }),
            ),
        );
    }
    if let Some(eventbridge) = &config.backend.eventbridge {
        eventbridge_rule(&eventbridge.buckets, backend, resources);
    }
    if config.backend.failure_queue_arn.is_none() {
        let mut topics: Vec<Value> = config
            .backend
            .sns_topics
            .iter()
            .map(|t| json!(t.arn))
            .collect();
        topics.push(backend.dlq.arn.clone());
        let mut statements = vec![json!({
            "Sid": "SubscriptionDeadLetters",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": backend.failure_queue.arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topics}},
        })];
        if config.backend.eventbridge.is_some() {
            statements.push(json!({
                "Sid": "RuleDeadLetters",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": backend.failure_queue.arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": get_att(id::EVENTBRIDGE_RULE, "Arn")}},
            }));
        }
        resources.add(
            id::FAILURE_QUEUE_POLICY,
            Resource::new(
                "AWS::SQS::QueuePolicy",
                json!({
                    "Queues": [reference(id::FAILURE_QUEUE)],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": statements,
                    },
                }),
            ),
        );
    }

    for lane in Lane::ALL {
        let settings = config.backend.lane.of(lane);
        let dispatcher = Function::dispatcher(lane);
        let mut properties = json!({
            "FunctionName": reference(dispatcher.logical_id()),
            "EventSourceArn": backend.stream(lane).arn,
            "BatchSize": settings.batch_size,
            "StartingPosition": "TRIM_HORIZON",
            "MaximumRetryAttempts": DISPATCH_RETRIES,
            "BisectBatchOnFunctionError": true,
        });
        if sends_failures(config, dispatcher) {
            properties["DestinationConfig"] =
                json!({"OnFailure": {"Destination": backend.failure_queue.arn}});
        }
        resources.add(
            id::event_source(lane),
            Resource::new("AWS::Lambda::EventSourceMapping", properties),
        );
    }
    Ok(())
}

/// A resource ID part for `name`, the `i`th of its list, unlike those `used`.
fn unique_suffix(name: &str, i: usize, used: &mut Vec<String>) -> String {
    let mut suffix = id_part(name);
    while suffix.is_empty() || used.contains(&suffix) {
        suffix = format!("{suffix}{i}");
    }
    used.push(suffix.clone());
    suffix
}

/// Retries of an event EventBridge could not hand to EventPusher, and for
/// how long: the most EventBridge allows (EventBridge User Guide, "Event
/// retry policy": 0 to 185 attempts, 60 to 86,400 seconds); then the event
/// goes to the failure queue.
const RULE_RETRIES: u32 = 185;
const RULE_MAX_EVENT_AGE_S: u32 = 86_400;

/// The rule sending the buckets' "Object Created" events to EventPusher,
/// and its permission to invoke it. EventBridge invokes asynchronously:
/// what EventPusher fails goes to its own dead-letter target, the failure
/// queue; what EventBridge cannot deliver goes there too.
fn eventbridge_rule(buckets: &[String], backend: &Backend, resources: &mut Resources) {
    let function_arn = get_att(Function::EventPusher.logical_id(), "Arn");
    resources.add(
        id::EVENTBRIDGE_RULE,
        Resource::new(
            "AWS::Events::Rule",
            json!({
                "Description": "S3 Object Created events of the mapped buckets, to EventPusher",
                "State": "ENABLED",
                "EventPattern": {
                    "source": ["aws.s3"],
                    "detail-type": ["Object Created"],
                    "detail": {"bucket": {"name": buckets}},
                },
                "Targets": [{
                    "Id": "EventPusher",
                    "Arn": function_arn,
                    "RetryPolicy": {
                        "MaximumRetryAttempts": RULE_RETRIES,
                        "MaximumEventAgeInSeconds": RULE_MAX_EVENT_AGE_S,
                    },
                    "DeadLetterConfig": {"Arn": backend.failure_queue.arn},
                }],
            }),
        ),
    );
    resources.add(
        id::EVENTBRIDGE_PERMISSION,
        Resource::new(
            "AWS::Lambda::Permission",
            json!({
                "Action": "lambda:InvokeFunction",
                "FunctionName": function_arn,
                "Principal": "events.amazonaws.com",
                "SourceArn": get_att(id::EVENTBRIDGE_RULE, "Arn"),
            }),
        ),
    );
}

/// The redrive policy of a subscription to a topic in `region`: what SNS
/// cannot deliver (its retries spent, or a client error such as a missing
/// permission) goes to the failure queue instead of being discarded. SNS
/// requires the queue in the subscription's region (SNS Developer Guide,
/// "Amazon SNS dead-letter queues"), so a topic in another region than the
/// stack gets none (`slips validate` warns of it).
fn redrive_in(resources: &mut Resources, backend: &Backend, region: &str) -> Value {
    let condition = format!("StackIn{}", id_part(region));
    resources.condition(
        &condition,
        json!({"Fn::Equals": [reference("AWS::Region"), region]}),
    );
    json!({"Fn::If": [
        condition,
        {"deadLetterTargetArn": backend.failure_queue.arn},
        reference("AWS::NoValue"),
    ]})
}

/// A topic's permission to invoke `function` and its subscription of it.
/// `region` is the topic's, for a topic outside the stack's region.
fn subscribe(
    resources: &mut Resources,
    function: Function,
    permission_id: &str,
    subscription_id: &str,
    topic_arn: serde_json::Value,
    region: Option<String>,
    redrive_policy: Value,
) {
    let function_arn = get_att(function.logical_id(), "Arn");
    resources.add(
        permission_id,
        Resource::new(
            "AWS::Lambda::Permission",
            json!({
                "Action": "lambda:InvokeFunction",
                "FunctionName": function_arn,
                "Principal": "sns.amazonaws.com",
                "SourceArn": topic_arn,
            }),
        ),
    );
    let mut properties = json!({
        "Protocol": "lambda",
        "TopicArn": topic_arn,
        "Endpoint": function_arn,
        "RedrivePolicy": redrive_policy,
    });
    if let Some(region) = region {
        properties["Region"] = region.into();
    }
    resources.add(
        subscription_id,
        Resource::new("AWS::SNS::Subscription", properties).depends_on(permission_id),
    );
}
