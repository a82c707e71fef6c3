//! What Lambda hands a function, decoded into the functions' own types:
//! a Kinesis event into a lane batch, an SNS event of dead letters into
//! failures, an SQS event into its messages (and their failures into the
//! partial batch response).

use anyhow::Context;
use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use serde_json::Value;

use crate::error_table::Failure;
use crate::event::{self, Lane};
use crate::functions::dispatcher::LaneBatch;
use crate::functions::main;
use crate::notification::{self, SnsEvent, SnsMessage};

/// A Kinesis event of `lane`'s stream as the lane batch it carries.
pub(super) fn lane_batch(lane: Lane, payload: Value) -> anyhow::Result<LaneBatch> {
    let batch: KinesisEvent = serde_json::from_value(payload).context("not a Kinesis event")?;
    let records = batch.records.iter().map(|record| {
        let kinesis = &record.kinesis;
        (kinesis.sequence_number.as_str(), kinesis.data.0.as_slice())
    });
    Ok(LaneBatch::decode(lane, records))
}

/// An SQS event of an intake queue, if `payload` is one.
pub(super) fn sqs_event(payload: &Value) -> Option<anyhow::Result<SqsEvent>> {
    notification::is_sqs_event(payload)
        .then(|| notification::read("SQS event", payload.clone()).map_err(anyhow::Error::msg))
}

/// The partial batch response naming the messages to deliver again
/// (`ReportBatchItemFailures`; none named: the whole batch is done).
pub(super) fn batch_response(failed: Vec<String>) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|id| {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failure
        })
        .collect();
    response
}

/// The failures an SNS event of Main's dead letters carries.
pub(super) fn dead_letters(payload: Value) -> anyhow::Result<Vec<Failure>> {
    let event: SnsEvent = notification::read("SNS event", payload).map_err(anyhow::Error::msg)?;
    event
        .records
        .iter()
        .map(|record| dead_letter(&record.sns))
        .collect()
}

/// The failure a dead letter carries: Main's payload as the SNS message,
/// Lambda's request id and error as its attributes.
fn dead_letter(message: &SnsMessage) -> anyhow::Result<Failure> {
    let attribute = |name: &str| message.attribute(name).map(String::from);
    let request_id = attribute("RequestID")
        .or_else(|| (!message.message_id.is_empty()).then(|| message.message_id.clone()))
        .ok_or_else(|| anyhow::anyhow!("a DLQ message without RequestID"))?;
    let events = event::from_json(message.message.as_bytes())
        .map_err(|e| anyhow::anyhow!("DLQ message of request {request_id}: {e}"))?;
    let error_message = attribute("ErrorMessage").unwrap_or_default();
    // Main's message starts with the failure's kind: the code worth keeping
    // (Lambda's ErrorCode is the HTTP status of the failed invocation).
    let error_code = main::FailureKind::of_message(&error_message)
        .unwrap_or(main::FailureKind::InvocationError)
        .name();
    Ok(Failure::new(request_id, events, error_code, error_message))
}
