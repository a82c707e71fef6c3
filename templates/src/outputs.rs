//! The stack's outputs: every physical name the CLI and the operator need,
//! under the names in [`crate::names::output`].

use serde_json::{Map, Value, json};
use slips_contract::lane::Lane;

use crate::backend::Backend;
use crate::cfn::reference;
use crate::names::{Function, id, output};

/// The `Outputs` section.
pub fn build(backend: &Backend) -> Value {
    let mut out = Map::new();
    let mut add = |name: &str, description: &str, value: Value| {
        out.insert(
            name.into(),
            json!({"Description": description, "Value": value}),
        );
    };
    for lane in Lane::ALL {
        add(
            output::stream_name(lane),
            &format!("Kinesis stream of the {lane} lane"),
            backend.stream(lane).name.clone(),
        );
    }
    add(
        output::ERROR_TABLE_NAME,
        "DynamoDB error table",
        backend.table.name.clone(),
    );
    add(
        output::DLQ_TOPIC_ARN,
        "SNS topic Main's failed batches go to",
        backend.dlq.arn.clone(),
    );
    add(
        output::FAILURE_QUEUE_ARN,
        "SQS queue of failures the error table cannot hold",
        backend.failure_queue.arn.clone(),
    );
    for function in Function::ALL {
        add(
            function.output(),
            &format!("Lambda function {}", function.logical_id()),
            reference(function.logical_id()),
        );
    }
    for lane in Lane::ALL {
        add(
            output::event_source_mapping(lane),
            &format!("UUID of the {lane} lane's event source mapping"),
            reference(id::event_source(lane)),
        );
    }
    add(
        output::DASHBOARD_NAME,
        "CloudWatch dashboard",
        reference(id::DASHBOARD),
    );
    Value::Object(out)
}
