//! Main as a Lambda function, invoked asynchronously.

use std::sync::OnceLock;

use anyhow::{Context, bail};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;

use super::Invoker;

/// Main as a Lambda function, invoked with `InvocationType=Event`.
#[derive(Debug, Clone)]
pub struct LambdaInvoker {
    sdk: aws_config::SdkConfig,
    /// Built on the first invocation: building a client reads and parses
    /// the CA certificates, a part of every cold start, and Main invokes
    /// only to hand a failed object back to itself.
    client: OnceLock<aws_sdk_lambda::Client>,
    function: String,
}

impl LambdaInvoker {
    pub fn new(sdk: &aws_config::SdkConfig, function: String) -> Self {
        LambdaInvoker {
            sdk: sdk.clone(),
            client: OnceLock::new(),
            function,
        }
    }

    /// With a client built already (one with interceptors, say).
    pub fn with_client(client: aws_sdk_lambda::Client, function: String) -> Self {
        LambdaInvoker {
            // Not used: the client is built already.
            sdk: aws_config::SdkConfig::builder().build(),
            client: OnceLock::from(client),
            function,
        }
    }

    fn client(&self) -> &aws_sdk_lambda::Client {
        self.client
            .get_or_init(|| aws_sdk_lambda::Client::new(&self.sdk))
    }
}

/// An accepted asynchronous invocation answers 202.
const ACCEPTED: i32 = 202;

impl Invoker for LambdaInvoker {
    async fn invoke(&self, payload: Vec<u8>) -> anyhow::Result<()> {
        let output = self
            .client()
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
