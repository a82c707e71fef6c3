//! What an operator sees: the CloudWatch dashboard (invocations, errors,
//! duration, concurrency and throttles of every function; each lane's
//! backlog; dead letters and pipeline failures) and the alarms (a batch
//! reached the DLQ topic, Main failed, a lane fell behind, something reached
//! the pipeline failure queue), which notify `alarms.topic_arn` if given.

use serde_json::{Value, json};
use slips_contract::config::Config;
use slips_contract::lane::Lane;
use slips_contract::names::metrics;

use crate::backend::Backend;
use crate::cfn::{Resource, Resources, sub};
use crate::names::{Function, id};

/// Seconds per dashboard datapoint: Lambda publishes its metrics per minute.
const DASHBOARD_PERIOD: u32 = 60;
/// Seconds an alarm aggregates over: SNS and SQS publish their metrics every
/// few minutes, so shorter periods would alarm on gaps.
const ALARM_PERIOD: u32 = 300;

/// Adds the dashboard and the alarms.
pub fn build(config: &Config, backend: &Backend, resources: &mut Resources) {
    resources.add(
        id::DASHBOARD,
        Resource::new(
            "AWS::CloudWatch::Dashboard",
            json!({ "DashboardBody": sub(dashboard_body(config, backend)) }),
        ),
    );

    let actions: Vec<Value> = config
        .alarms
        .topic_arn
        .iter()
        .map(|arn| arn.as_str().into())
        .collect();
    let alarm = |description: String, metric: Value, statistic: &str, threshold: u64| {
        let mut properties = json!({
            "AlarmDescription": description,
            "Namespace": metric[0],
            "MetricName": metric[1],
            "Dimensions": match &metric[2] {
                // slips' own metrics have several.
                Value::Array(dimensions) => json!(dimensions),
                name => json!([{"Name": name, "Value": metric[3]}]),
            },
            "Statistic": statistic,
            "Period": ALARM_PERIOD,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        });
        if !actions.is_empty() {
            properties["AlarmActions"] = json!(actions);
            properties["OKActions"] = json!(actions);
        }
        Resource::new("AWS::CloudWatch::Alarm", properties)
    };

    resources.add(
        id::DLQ_ALARM,
        alarm(
            "slips: Main failed a batch three times and it went to the dead-letter topic; \
             `slips errors` lists it, `slips drain` replays it once the cause is fixed"
                .into(),
            json!([
                "AWS/SNS",
                "NumberOfMessagesPublished",
                "TopicName",
                backend.dlq.name
            ]),
            "Sum",
            1,
        ),
    );
    resources.add(
        id::MAIN_ERRORS_ALARM,
        alarm(
            "slips: Main failed (Lambda retries it twice before the dead-letter topic); \
             its log group says why"
                .into(),
            json!([
                "AWS/Lambda",
                "Errors",
                "FunctionName",
                {"Ref": Function::Main.logical_id()}
            ]),
            "Sum",
            1,
        ),
    );
    // Where a failure's record itself could be lost: a dead letter Lambda
    // could not deliver (too large, no permission) is deleted; an on-failure
    // record of a lane batch that cannot be sent is gone.
    let function_metric = |function: Function, metric: &str| json!(["AWS/Lambda", metric, "FunctionName", {"Ref": function.logical_id()}]);
    for function in [Function::Main, Function::EventPusher, Function::Reporter] {
        resources.add(
            id::alarm(function, "DeadLetterErrors"),
            alarm(
                format!(
                    "slips: Lambda could not deliver a dead letter of {} to its target, and \
                     deleted the event; its log group and the target's permissions and size \
                     say why",
                    function.logical_id()
                ),
                function_metric(function, "DeadLetterErrors"),
                "Sum",
                1,
            ),
        );
    }
    for lane in Lane::ALL {
        let dispatcher = Function::dispatcher(lane);
        resources.add(
            id::alarm(dispatcher, "DestinationDeliveryFailures"),
            alarm(
                format!(
                    "slips: the {lane} lane gave up on a batch and could not record it in the \
                     failure queue; its events are only in the stream until it expires"
                ),
                function_metric(dispatcher, "DestinationDeliveryFailures"),
                "Sum",
                1,
            ),
        );
    }
    // Events a Dispatcher could not give Main are safe in the error table,
    // but wait for someone to drain them: say so.
    for lane in Lane::ALL {
        let dispatcher = Function::dispatcher(lane);
        resources.add(
            id::alarm(dispatcher, "KeptEvents"),
            alarm(
                format!(
                    "slips: the {lane} lane could not invoke Main and kept the events in the \
                     error table; `slips errors` lists them (InvokeFailed), `slips drain` \
                     replays them once Main can be invoked"
                ),
                json!([
                    metrics::NAMESPACE,
                    metrics::KEPT_EVENTS,
                    [
                        {"Name": metrics::STACK, "Value": config.stack_name},
                        {"Name": metrics::FUNCTION, "Value": metrics::DISPATCHER},
                        {"Name": metrics::LANE, "Value": lane.name()},
                    ]
                ]),
                "Sum",
                1,
            ),
        );
    }
    for function in [
        Function::EventPusher,
        Function::FastDispatcher,
        Function::SlowDispatcher,
        Function::Reporter,
    ] {
        resources.add(
            id::alarm(function, "Errors"),
            alarm(
                format!(
                    "slips: {} failed (it is retried; what it gives up on goes to the failure \
                     queue); its log group says why",
                    function.logical_id()
                ),
                function_metric(function, "Errors"),
                "Sum",
                1,
            ),
        );
    }
    for lane in Lane::ALL {
        let seconds = config.alarms.iterator_age.of(lane);
        resources.add(
            id::iterator_age_alarm(lane),
            alarm(
                format!(
                    "slips: the {lane} lane is more than {seconds} s behind (alarms.iterator_age.{lane}); \
                     events expire unprocessed when it reaches the stream's retention"
                ),
                json!([
                    "AWS/Lambda",
                    "IteratorAge",
                    "FunctionName",
                    {"Ref": Function::dispatcher(lane).logical_id()}
                ]),
                "Maximum",
                u64::from(seconds) * 1000,
            ),
        );
    }
    resources.add(
        id::FAILURE_QUEUE_ALARM,
        alarm(
            "slips: an event the error table cannot hold reached the pipeline failure queue \
             (a notification EventPusher failed, a batch a Dispatcher gave up on, or a dead \
             letter Reporter could not store); read it from the queue"
                .into(),
            json!([
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                backend.failure_queue.name
            ]),
            "Maximum",
            1,
        ),
    );
}

/// The dashboard's JSON, as an `Fn::Sub` string (names are substituted at deploy).
fn dashboard_body(config: &Config, backend: &Backend) -> String {
    let per_function = |metric: &str| -> Vec<Value> {
        Function::ALL
            .iter()
            .map(|f| {
                json!([
                    "AWS/Lambda",
                    metric,
                    "FunctionName",
                    format!("${{{}}}", f.logical_id()),
                    {"label": f.logical_id()}
                ])
            })
            .collect()
    };
    let widget = |x: u32, y: u32, width: u32, title: &str, stat: &str, metrics: Vec<Value>| {
        json!({
            "type": "metric",
            "x": x,
            "y": y,
            "width": width,
            "height": 6,
            "properties": {
                "title": title,
                "region": "${AWS::Region}",
                "view": "timeSeries",
                "stat": stat,
                "period": DASHBOARD_PERIOD,
                "metrics": metrics,
            },
        })
    };
    let backlog: Vec<Value> = Lane::ALL
        .iter()
        .map(|lane| {
            json!([
                "AWS/Lambda",
                "IteratorAge",
                "FunctionName",
                format!("${{{}}}", Function::dispatcher(*lane).logical_id()),
                {"label": format!("{lane} lane")}
            ])
        })
        .collect();
    let mut failures = vec![
        json!([
            "AWS/SNS",
            "NumberOfMessagesPublished",
            "TopicName",
            backend.dlq.name_in_sub,
            {"label": "dead letters (Main failed)", "stat": "Sum"}
        ]),
        json!([
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            backend.failure_queue.name_in_sub,
            {"label": "pipeline failure queue", "stat": "Maximum"}
        ]),
    ];
    failures.extend(Lane::ALL.iter().map(|lane| {
        json!([
            metrics::NAMESPACE,
            metrics::KEPT_EVENTS,
            metrics::STACK,
            config.stack_name,
            metrics::FUNCTION,
            metrics::DISPATCHER,
            metrics::LANE,
            lane.name(),
            {"label": format!("events kept, {lane} lane (Main not invoked)"), "stat": "Sum"}
        ])
    }));
    let body = json!({
        "widgets": [
            widget(0, 0, 12, "Invocations", "Sum", per_function("Invocations")),
            widget(12, 0, 12, "Errors", "Sum", per_function("Errors")),
            widget(0, 6, 12, "Duration (ms, p99)", "p99", per_function("Duration")),
            widget(12, 6, 12, "Concurrent executions", "Maximum", per_function("ConcurrentExecutions")),
            widget(0, 12, 8, "Lane backlog: iterator age (ms)", "Maximum", backlog),
            widget(8, 12, 8, "Failures", "Sum", failures),
            widget(16, 12, 8, "Throttles", "Sum", per_function("Throttles")),
        ],
    });
    body.to_string()
}
