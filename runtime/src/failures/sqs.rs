//! The SQS adapter of the failure queue.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use chrono::{DateTime, Utc};

use super::{FailureQueue, QueuedFailure};

/// Messages per ReceiveMessage, at most (SQS API reference, ReceiveMessage
/// `MaxNumberOfMessages`: 1 to 10).
const MAX_RECEIVE: i32 = 10;
/// Seconds a receive waits for a message: long polling, so an empty answer
/// means an empty queue, not a server that had none to hand (SQS Developer
/// Guide, "Short and long polling").
const WAIT_SECONDS: i32 = 1;

/// A failure queue in SQS, by URL.
#[derive(Debug, Clone)]
pub struct SqsFailureQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsFailureQueue {
    pub fn new(client: aws_sdk_sqs::Client, url: String) -> Self {
        SqsFailureQueue { client, url }
    }

    /// The queue an ARN names (`arn:PARTITION:sqs:REGION:ACCOUNT:NAME`).
    pub async fn from_arn(client: aws_sdk_sqs::Client, arn: &str) -> anyhow::Result<Self> {
        let mut parts = arn.rsplitn(3, ':');
        let (Some(name), Some(account)) = (parts.next(), parts.next()) else {
            anyhow::bail!("`{arn}` is not an SQS queue ARN");
        };
        let url = client
            .get_queue_url()
            .queue_name(name)
            .queue_owner_aws_account_id(account)
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| format!("finding the queue {arn}"))?
            .queue_url
            .with_context(|| format!("SQS gave no URL for {arn}"))?;
        Ok(SqsFailureQueue { client, url })
    }

    /// A client for `sdk`'s account and region.
    pub fn client(sdk: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(sdk)
    }
}

impl FailureQueue for SqsFailureQueue {
    async fn receive(&self, hide: Duration) -> anyhow::Result<Vec<QueuedFailure>> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(MAX_RECEIVE)
            .wait_time_seconds(WAIT_SECONDS)
            .visibility_timeout(i32::try_from(hide.as_secs()).unwrap_or(i32::MAX))
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| format!("receiving from {}", self.url))?;
        Ok(out
            .messages()
            .iter()
            .map(|m| {
                let attributes: BTreeMap<String, String> = m
                    .message_attributes()
                    .into_iter()
                    .flatten()
                    .filter_map(|(name, value)| {
                        Some((name.clone(), value.string_value()?.to_string()))
                    })
                    .collect();
                let sent_at = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
                    .and_then(|ms| ms.parse::<i64>().ok())
                    .and_then(DateTime::<Utc>::from_timestamp_millis);
                QueuedFailure {
                    message_id: m.message_id().unwrap_or_default().to_string(),
                    receipt: m.receipt_handle().unwrap_or_default().to_string(),
                    body: m.body().unwrap_or_default().to_string(),
                    attributes,
                    sent_at,
                }
            })
            .collect())
    }

    async fn delete(&self, failure: &QueuedFailure) -> anyhow::Result<()> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(&failure.receipt)
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| {
                format!("deleting message {} from {}", failure.message_id, self.url)
            })?;
        Ok(())
    }

    async fn release(&self, failure: &QueuedFailure) -> anyhow::Result<()> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(&failure.receipt)
            .visibility_timeout(0)
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| format!("releasing message {} of {}", failure.message_id, self.url))?;
        Ok(())
    }
}
