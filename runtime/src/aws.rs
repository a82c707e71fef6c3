//! The AWS side: shared SDK configuration for every AWS adapter.

use aws_config::BehaviorVersion;

/// The SDK configuration from the environment (credentials, region, and
/// `AWS_ENDPOINT_URL` for an AWS-compatible server such as moto).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// An S3 client. Path-style addressing when an endpoint is overridden:
/// emulators serve `http://host/bucket/key`, not bucket subdomains.
pub fn s3_client(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(sdk.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}
