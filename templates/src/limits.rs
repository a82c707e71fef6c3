//! AWS limits the template must stay within, each with where it comes from.
//! (Limits on config values live with the config types, which check them.)

/// Resources in one template. CloudFormation quotas, "Resources: maximum
/// number of resources that you can declare in your CloudFormation template".
pub const MAX_RESOURCES: usize = 500;

/// Characters of all inline policies of one IAM role together, whitespace not
/// counted. IAM and AWS STS quotas, "Role policy size".
pub const MAX_ROLE_INLINE_POLICY_CHARS: usize = 10_240;

/// Characters of a logical ID. CloudFormation template anatomy, "Resources":
/// the logical ID is alphanumeric, at most 255 characters.
pub const MAX_LOGICAL_ID_CHARS: usize = 255;

/// Bytes of a template passed in the request body (`TemplateBody`);
/// larger ones must be uploaded to S3 (`TemplateURL`). CloudFormation quotas,
/// "Template body size in a request".
pub const MAX_TEMPLATE_BODY_BYTES: usize = 51_200;

/// Bytes of a template uploaded to S3. CloudFormation quotas, "Template body
/// size in an Amazon S3 object".
pub const MAX_TEMPLATE_URL_BYTES: usize = 1_000_000;

/// Seconds a Lambda function may run. Lambda quotas, "Function timeout".
pub const MAX_LAMBDA_TIMEOUT_SECONDS: u32 = 900;

/// Retries Lambda makes of a failed asynchronous invocation, at most.
/// Lambda API, PutFunctionEventInvokeConfig `MaximumRetryAttempts` (0 to 2).
pub const MAX_ASYNC_RETRIES: u32 = 2;

/// Seconds SQS keeps a message, at most (14 days). SQS API, SetQueueAttributes
/// `MessageRetentionPeriod`.
pub const MAX_SQS_RETENTION_SECONDS: u32 = 1_209_600;

/// The longest partition name (`aws-us-gov`, `aws-iso-b`...), for estimating
/// the size of a policy before CloudFormation resolves `${AWS::Partition}`.
pub const MAX_PARTITION_CHARS: usize = 10;

/// Bytes of one SQS message, at most (1 MiB). SQS API, SetQueueAttributes
/// `MaximumMessageSize`: 1,024 to 1,048,576 (the default is 262,144).
pub const MAX_SQS_MESSAGE_BYTES: u32 = 1_048_576;

/// Bytes SNS adds around a message when it invokes Lambda (type, ids, topic
/// ARN, timestamps, signature and certificate URLs, the attributes), at
/// most: measured under 1.5 KB with the longest ARNs, rounded up.
pub const SNS_LAMBDA_ENVELOPE_BYTES: usize = 8 * 1024;

/// The largest message the failure queue receives: a function's dead letter
/// of an SNS event (EventPusher's notification, Reporter's dead letter of
/// Main), whose message is JSON-escaped inside it, so up to twice as long.
pub const MAX_FAILURE_MESSAGE_BYTES: usize =
    2 * slips_contract::quota::MAX_SNS_MESSAGE_BYTES + SNS_LAMBDA_ENVELOPE_BYTES;
const _: () = assert!(MAX_FAILURE_MESSAGE_BYTES <= MAX_SQS_MESSAGE_BYTES as usize);

#[cfg(test)]
mod tests {
    #[test]
    fn the_longest_partition_name_is_known() {
        let longest = slips_contract::config::PARTITIONS
            .iter()
            .map(|(name, _)| name.len())
            .max();
        assert_eq!(longest, Some(super::MAX_PARTITION_CHARS));
    }
}
