//! AWS SDK errors as one readable line: the service's code and message
//! (`NoSuchBucket: The specified bucket does not exist`) when it answered,
//! the SDK's full chain otherwise (connection, credentials, timeouts).

use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};

/// One line for an SDK error, for `anyhow` contexts to wrap.
pub fn readable<E, R>(error: SdkError<E, R>) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let SdkError::ServiceError(service) = &error {
        let meta = service.err();
        if let Some(code) = meta.code() {
            return anyhow::anyhow!("{code}: {}", meta.message().unwrap_or("no message"));
        }
    }
    anyhow::anyhow!(
        "{}",
        aws_sdk_cloudformation::error::DisplayErrorContext(error)
    )
}
