//! The AWS side: shared SDK configuration for every AWS adapter, and AWS
//! errors said in one line.

use std::error::Error as StdError;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

/// The SDK configuration from the environment (credentials, region, and
/// `AWS_ENDPOINT_URL` for an AWS-compatible server such as moto).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// The SDK configuration inside Lambda, from the variables Lambda sets: the
/// region (`AWS_REGION`) and the role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), plus `AWS_ENDPOINT_URL`
/// where tests point the functions at an emulator. Nothing is read from
/// files or probed: Lambda has no profiles, SSO or instance metadata, and
/// leaving the default chain out of the Lambda build keeps its code out of
/// the zip and its file reads out of the cold start.
pub fn lambda_sdk_config() -> aws_config::SdkConfig {
    let credentials = aws_config::environment::EnvironmentVariableCredentialsProvider::new();
    let mut sdk = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(
            std::env::var("AWS_REGION")
                .ok()
                .map(aws_config::Region::new),
        )
        .credentials_provider(SharedCredentialsProvider::new(credentials));
    if let Ok(url) = std::env::var("AWS_ENDPOINT_URL") {
        sdk = sdk.endpoint_url(url);
    }
    sdk.build()
}

/// What to say when no credential source gave any.
pub const NO_CREDENTIALS: &str = "no AWS credentials found (environment, profile, SSO, \
     container or instance metadata): set AWS_PROFILE to a profile of ~/.aws/config, or \
     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (`aws configure`, `aws sso login`)";

/// What to say when no region is set.
pub const NO_REGION: &str =
    "no AWS region: set AWS_REGION, or a region in your AWS profile (AWS_PROFILE)";

/// The SDK configuration for a person at a command line, checked before any
/// call: a region is set and credentials resolve. The instance-metadata probe
/// (for credentials on EC2) is short: off EC2 it only costs a moment.
pub async fn connect() -> anyhow::Result<aws_config::SdkConfig> {
    let imds = || {
        aws_config::imds::Client::builder()
            .connect_timeout(Duration::from_millis(300))
            .read_timeout(Duration::from_millis(500))
            .max_attempts(1)
            .build()
    };
    // The default chains, with the short probe (the credential chain asks
    // for the region too).
    let region = || {
        aws_config::meta::region::RegionProviderChain::first_try(
            aws_config::environment::EnvironmentVariableRegionProvider::new(),
        )
        .or_else(aws_config::profile::ProfileFileRegionProvider::new())
        .or_else(
            aws_config::imds::region::ImdsRegionProvider::builder()
                .imds_client(imds())
                .build(),
        )
    };
    let credentials = aws_config::default_provider::credentials::Builder::default()
        .region(region())
        .imds_client(imds())
        .build()
        .await;
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(region())
        .credentials_provider(credentials)
        .load()
        .await;
    if sdk.region().is_none() {
        anyhow::bail!(NO_REGION);
    }
    if let Some(provider) = sdk.credentials_provider() {
        provider
            .provide_credentials()
            .await
            .map_err(|e| anyhow::anyhow!(credentials_line(&e)))?;
    }
    Ok(sdk)
}

/// An S3 client. Path-style addressing when an endpoint is overridden:
/// emulators serve `http://host/bucket/key`, not bucket subdomains.
pub fn s3_client(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(sdk.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// An SDK error of any service as one line, for `anyhow` contexts to wrap:
/// the common causes (no credentials, expired or refused credentials, access
/// denied, throttling, no connection) said plainly, otherwise the service's
/// `Code: message`. The SDK's whole chain is logged at debug level
/// (`RUST_LOG=slips=debug`, or `slips -v`).
pub fn sdk_error<E, R>(error: SdkError<E, R>) -> anyhow::Error
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let line = one_line(&error);
    tracing::debug!(
        target: "slips::aws",
        error = %aws_sdk_s3::error::DisplayErrorContext(&error),
        "AWS error in full"
    );
    anyhow::anyhow!(line)
}

fn one_line<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: std::fmt::Debug + 'static,
{
    if let SdkError::ServiceError(service) = error {
        let meta = service.err();
        let message = meta.message().unwrap_or("no message");
        return match meta.code() {
            Some(code) => service_line(code, message),
            None => format!("AWS answered with an error and no code: {message}"),
        };
    }
    let chain = || causes(error);
    if let Some(credentials) = chain().find_map(|e| e.downcast_ref::<CredentialsError>()) {
        return credentials_line(credentials);
    }
    let innermost = chain().last().map(ToString::to_string).unwrap_or_default();
    if innermost.contains("region must be set") {
        return NO_REGION.into();
    }
    match error {
        SdkError::TimeoutError(_) => "AWS did not answer in time (the request timed out)".into(),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            format!("no answer from AWS (timed out connecting): {innermost}")
        }
        SdkError::DispatchFailure(failure) if failure.is_io() => {
            format!("cannot reach AWS: {innermost} (check the network, or AWS_ENDPOINT_URL if set)")
        }
        SdkError::ResponseError(_) => {
            format!("AWS sent an answer that could not be read: {innermost}")
        }
        _ => innermost,
    }
}

/// An error and its sources, outermost first.
fn causes<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |&e| e.source())
}

/// A service's error code and message as one line, the common ones with what to do.
fn service_line(code: &str, message: &str) -> String {
    match code {
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired" => {
            format!(
                "the AWS credentials have expired ({code}): renew them (`aws sso login`, or new keys) and try again"
            )
        }
        "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "InvalidSignatureException" => format!(
            "AWS does not accept these credentials ({code}: {message}): check AWS_PROFILE or the access keys"
        ),
        // AWS's own message names who was denied which action on what.
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "AuthorizationError"
        | "AuthorizationErrorException" => {
            format!("access denied: {message}")
        }
        "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "SlowDown"
        | "ProvisionedThroughputExceededException" => {
            format!(
                "AWS throttled the request even after retries ({code}): wait a moment and try again"
            )
        }
        _ => format!("{code}: {message}"),
    }
}

/// Why credentials did not load, in one line.
fn credentials_line(error: &CredentialsError) -> String {
    match error {
        CredentialsError::CredentialsNotLoaded(_) => NO_CREDENTIALS.into(),
        CredentialsError::ProviderTimedOut(_) => {
            "loading AWS credentials timed out (an SSO or credential process that did not answer?)"
                .into()
        }
        // Instance metadata is the chain's last resort: when it cannot
        // help either, nothing gave credentials.
        other
            if causes(other).any(|e| {
                e.downcast_ref::<aws_config::imds::client::error::ImdsError>()
                    .is_some()
            }) =>
        {
            let innermost = causes(other)
                .last()
                .map(ToString::to_string)
                .unwrap_or_default();
            format!("{NO_CREDENTIALS} (instance metadata answered: {innermost})")
        }
        // The provider's own words: an expired SSO session, a bad profile...
        other => {
            let innermost = causes(other)
                .last()
                .map(ToString::to_string)
                .unwrap_or_default();
            format!("cannot load AWS credentials: {innermost}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_service_errors_say_what_to_do() {
        assert!(service_line("ExpiredToken", "x").starts_with("the AWS credentials have expired"));
        assert_eq!(
            service_line(
                "AccessDeniedException",
                "User: arn:aws:iam::1:user/u is not authorized to perform: dynamodb:Scan"
            ),
            "access denied: User: arn:aws:iam::1:user/u is not authorized to perform: dynamodb:Scan"
        );
        assert!(service_line("ThrottlingException", "Rate exceeded").contains("throttled"));
        assert_eq!(
            service_line("NoSuchBucket", "The specified bucket does not exist"),
            "NoSuchBucket: The specified bucket does not exist"
        );
    }

    #[test]
    fn missing_credentials_are_one_line() {
        let error = CredentialsError::not_loaded("no profile, no environment");
        assert_eq!(credentials_line(&error), NO_CREDENTIALS);
        let error = CredentialsError::provider_error("the SSO session has expired");
        assert_eq!(
            credentials_line(&error),
            "cannot load AWS credentials: the SSO session has expired"
        );
    }
}
