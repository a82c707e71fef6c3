//! Main as a Lambda function, invoked asynchronously.

use anyhow::{Context, bail};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;

use super::Invoker;

/// Main as a Lambda function, invoked with `InvocationType=Event`.
#[derive(Debug, Clone)]
pub struct LambdaInvoker {
    client: aws_sdk_lambda::Client,
    function: String,
}

impl LambdaInvoker {
    pub fn new(client: aws_sdk_lambda::Client, function: String) -> Self {
        LambdaInvoker { client, function }
    }
}

/// An accepted asynchronous invocation answers 202.
const ACCEPTED: i32 = 202;

impl Invoker for LambdaInvoker {
    async fn invoke(&self, payload: Vec<u8>) -> anyhow::Result<()> {
        let output = self
            .client
            .invoke()
            .function_name(&self.function)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(crate::aws::sdk_error)
            .with_context(|| format!("invoking {}", self.function))?;
        if output.status_code() != ACCEPTED {
            bail!(
                "invoking {}: status {} instead of {ACCEPTED}{}",
                self.function,
                output.status_code(),
                output
                    .function_error()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            );
        }
        Ok(())
    }
}
