//! Reporter: a DLQ message in (Main's payload after its retries ran out, with
//! the request id and error as message attributes), one error-table item out.
//! The same request id again updates that item: reporting is idempotent.

use aws_lambda_events::event::sns::SnsMessage;
use chrono::Utc;

use crate::error_table::{ErrorStore, Failure};
use crate::event;

/// Reads the failure a DLQ message carries.
pub fn failure(message: &SnsMessage) -> anyhow::Result<Failure> {
    let attribute = |name: &str| {
        message
            .message_attributes
            .get(name)
            .map(|a| a.value.clone())
    };
    let request_id = attribute("RequestID")
        .or_else(|| (!message.message_id.is_empty()).then(|| message.message_id.clone()))
        .ok_or_else(|| anyhow::anyhow!("a DLQ message without RequestID"))?;
    let events = event::from_json(message.message.as_bytes())
        .map_err(|e| anyhow::anyhow!("DLQ message of request {request_id}: {e}"))?;
    Ok(Failure {
        request_id,
        events,
        error_code: attribute("ErrorCode").unwrap_or_default(),
        error_message: attribute("ErrorMessage").unwrap_or_default(),
        at: Utc::now(),
    })
}

/// Records every failure of an SNS event in the error table.
pub async fn report<S: ErrorStore>(store: &S, messages: &[SnsMessage]) -> anyhow::Result<usize> {
    for message in messages {
        let failure = failure(message)?;
        store.record(&failure).await?;
        tracing::warn!(
            request_id = failure.request_id,
            objects = failure.events.len(),
            error = failure.error_message,
            "failed invocation recorded in the error table"
        );
    }
    Ok(messages.len())
}
