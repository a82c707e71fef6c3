//! The shared harness of the tests that talk to AWS: a real AWS-compatible
//! server (moto) that `scripts/test` starts on loopback.

use std::sync::atomic::{AtomicU32, Ordering};

/// The emulator's endpoint; refuses anything that is not on this machine.
pub fn endpoint() -> String {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL is not set: run the tests with scripts/test, which starts moto")
    });
    let host = endpoint
        .trim_start_matches("http://")
        .split([':', '/'])
        .next()
        .unwrap_or_default();
    assert!(
        ["127.0.0.1", "localhost", "[::1]"].contains(&host),
        "tests only talk to an emulator on loopback, not {endpoint}"
    );
    endpoint
}

/// The SDK configuration the code under test builds, checked to point at the emulator.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let endpoint = endpoint();
    let sdk = slips::aws::sdk_config().await;
    assert_eq!(sdk.endpoint_url(), Some(endpoint.as_str()));
    sdk
}

/// A resource name no other test (or earlier run against the same server) uses.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
