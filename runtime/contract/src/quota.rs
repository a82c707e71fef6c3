//! AWS limits that both the runtime and the template size things by.

/// The largest SNS message, body and attributes together: 256 KiB (SNS
/// quotas, "Message size", <https://docs.aws.amazon.com/general/latest/gr/sns.html>;
/// SNS counts attribute names, types and values).
pub const MAX_SNS_MESSAGE_BYTES: usize = 262_144;
