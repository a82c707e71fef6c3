//! ARNs given in the config: parsed, and checked to name the kind of resource
//! the field expects.

use std::fmt;

/// `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    /// e.g. `iam`, `sns`, `kinesis`.
    pub service: &'a str,
    /// Empty for global services (IAM).
    pub region: &'a str,
    /// The 12-digit account id.
    pub account: &'a str,
    /// What follows the account: `role/NAME`, `stream/NAME`, a topic name...
    pub resource: &'a str,
}

/// The kinds of existing resource a config may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArnKind {
    /// `arn:aws:iam::ACCOUNT:role/NAME`.
    IamRole,
    /// `arn:aws:sns:REGION:ACCOUNT:NAME`.
    SnsTopic,
    /// `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`.
    KinesisStream,
    /// `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`.
    DynamoDbTable,
    /// `arn:aws:kms:REGION:ACCOUNT:key/ID`.
    KmsKey,
    /// `arn:aws:sqs:REGION:ACCOUNT:NAME`.
    SqsQueue,
}

impl fmt::Display for ArnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArnKind::IamRole => "an IAM role ARN (arn:aws:iam::123456789012:role/NAME)",
            ArnKind::SnsTopic => "an SNS topic ARN (arn:aws:sns:REGION:123456789012:NAME)",
            ArnKind::KinesisStream => {
                "a Kinesis stream ARN (arn:aws:kinesis:REGION:123456789012:stream/NAME)"
            }
            ArnKind::DynamoDbTable => {
                "a DynamoDB table ARN (arn:aws:dynamodb:REGION:123456789012:table/NAME)"
            }
            ArnKind::KmsKey => "a KMS key ARN (arn:aws:kms:REGION:123456789012:key/KEY-ID)",
            ArnKind::SqsQueue => "a standard SQS queue ARN (arn:aws:sqs:REGION:123456789012:NAME)",
        })
    }
}

/// The partitions and how their regions are named: the table the AWS SDK
/// resolves endpoints with (its `partitions.json`, e.g. `aws-sdk-s3`'s
/// `endpoint_lib`): a region is `PREFIX-WORD-DIGITS`, the prefix fixing the
/// partition (`aws`: `us`, `eu`, `ap`, `sa`, `ca`, `me`, `af`, `il`, `mx`).
pub const PARTITIONS: &[(&str, &[&str])] = &[
    (
        "aws",
        &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
    ),
    ("aws-cn", &["cn"]),
    ("aws-eusc", &["eusc-de"]),
    ("aws-iso", &["us-iso"]),
    ("aws-iso-b", &["us-isob"]),
    ("aws-iso-e", &["eu-isoe"]),
    ("aws-iso-f", &["us-isof"]),
    ("aws-us-gov", &["us-gov"]),
];

/// The partition a region belongs to, by the SDK's rules above.
pub fn partition_of(region: &str) -> Option<&'static str> {
    let (prefix, _) = region.rsplit_once('-')?;
    let (prefix, _word) = prefix.rsplit_once('-')?;
    PARTITIONS
        .iter()
        .find(|(_, prefixes)| prefixes.contains(&prefix))
        .map(|(name, _)| *name)
}

impl<'a> Arn<'a> {
    /// Splits an ARN into its parts, checking the parts every ARN has.
    pub fn parse(text: &'a str) -> Result<Self, String> {
        let mut parts = text.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return Err(format!(
                "`{text}` is not an ARN (expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
            ));
        };
        if !PARTITIONS.iter().any(|(name, _)| *name == partition) {
            let names: Vec<&str> = PARTITIONS.iter().map(|(name, _)| *name).collect();
            return Err(format!(
                "`{text}`: unknown partition `{partition}` (expected one of {})",
                names.join(", ")
            ));
        }
        if !region.is_empty() && !is_region(region) {
            return Err(format!("`{text}`: `{region}` is not an AWS region name"));
        }
        if !region.is_empty()
            && let Some(home) = partition_of(region).filter(|home| *home != partition)
        {
            return Err(format!(
                "`{text}`: the region `{region}` is in the partition `{home}`, not `{partition}`"
            ));
        }
        if !(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())) {
            return Err(format!("`{text}`: the account id must be 12 digits"));
        }
        Ok(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// Parses `text` and checks it names a resource of `kind`.
    pub fn parse_kind(text: &'a str, kind: ArnKind) -> Result<Self, String> {
        let arn = Self::parse(text)?;
        let wrong = || format!("`{text}` is not {kind}");
        let (service, regional) = match kind {
            ArnKind::IamRole => ("iam", false),
            ArnKind::SnsTopic => ("sns", true),
            ArnKind::KinesisStream => ("kinesis", true),
            ArnKind::DynamoDbTable => ("dynamodb", true),
            ArnKind::KmsKey => ("kms", true),
            ArnKind::SqsQueue => ("sqs", true),
        };
        if arn.service != service {
            return Err(wrong());
        }
        if regional == arn.region.is_empty() {
            let expect = if regional { "needs" } else { "has no" };
            return Err(format!("`{text}`: {kind} {expect} region"));
        }
        let name_ok = match kind {
            ArnKind::IamRole => arn
                .resource
                .strip_prefix("role/")
                .and_then(|path_and_name| path_and_name.rsplit('/').next())
                .is_some_and(|name| is_name(name, 64, "+=,.@_-")),
            ArnKind::SnsTopic => {
                let name = arn.resource.strip_suffix(".fifo").unwrap_or(arn.resource);
                is_name(name, 256, "_-")
            }
            ArnKind::KinesisStream => arn
                .resource
                .strip_prefix("stream/")
                .is_some_and(|name| is_name(name, 128, "_.-")),
            ArnKind::DynamoDbTable => arn
                .resource
                .strip_prefix("table/")
                .is_some_and(|name| name.len() >= 3 && is_name(name, 255, "_.-")),
            // A key id is a UUID, or `mrk-` and 32 hex digits for a multi-Region key.
            ArnKind::KmsKey => arn
                .resource
                .strip_prefix("key/")
                .is_some_and(|id| is_name(id, 64, "-")),
            // Lambda sends dead letters to standard queues only, not FIFO ones.
            ArnKind::SqsQueue => is_name(arn.resource, 80, "_-"),
        };
        if name_ok { Ok(arn) } else { Err(wrong()) }
    }
}

fn is_name(name: &str, max: usize, extra: &str) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-4`...
fn is_region(region: &str) -> bool {
    let mut parts = region.split('-').peekable();
    let lowercase = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let mut words = 0;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return words >= 2 && !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        }
        if !lowercase(part) {
            return false;
        }
        words += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_partition_the_sdk_knows_and_its_regions() {
        for (arn, partition) in [
            ("arn:aws:sns:us-east-1:123456789012:t", "aws"),
            ("arn:aws-cn:sns:cn-north-1:123456789012:t", "aws-cn"),
            (
                "arn:aws-us-gov:sns:us-gov-west-1:123456789012:t",
                "aws-us-gov",
            ),
            ("arn:aws-iso:sns:us-iso-east-1:123456789012:t", "aws-iso"),
            (
                "arn:aws-iso-b:sns:us-isob-east-1:123456789012:t",
                "aws-iso-b",
            ),
            (
                "arn:aws-iso-e:sns:eu-isoe-west-1:123456789012:t",
                "aws-iso-e",
            ),
            (
                "arn:aws-iso-f:sns:us-isof-south-1:123456789012:t",
                "aws-iso-f",
            ),
            ("arn:aws-eusc:sns:eusc-de-east-1:123456789012:t", "aws-eusc"),
        ] {
            assert_eq!(Arn::parse(arn).unwrap().partition, partition, "{arn}");
        }
        let err = Arn::parse("arn:aws:sns:cn-north-1:123456789012:t").unwrap_err();
        assert!(
            err.contains("the region `cn-north-1` is in the partition `aws-cn`, not `aws`"),
            "{err}"
        );
        let err = Arn::parse("arn:aws-cn:sns:us-gov-west-1:123456789012:t").unwrap_err();
        assert!(err.contains("in the partition `aws-us-gov`"), "{err}");
        // A region the table does not know yet is not refused for that.
        assert!(Arn::parse("arn:aws:sns:xx-new-1:123456789012:t").is_ok());
    }

    #[test]
    fn accepts_each_kind() {
        for (text, kind) in [
            (
                "arn:aws:iam::123456789012:role/slips-main",
                ArnKind::IamRole,
            ),
            (
                "arn:aws:iam::123456789012:role/path/to/Role+x",
                ArnKind::IamRole,
            ),
            (
                "arn:aws:sns:us-east-1:123456789012:SecLogUpload",
                ArnKind::SnsTopic,
            ),
            (
                "arn:aws:sns:eu-west-1:123456789012:t.fifo",
                ArnKind::SnsTopic,
            ),
            (
                "arn:aws:kinesis:ap-northeast-1:123456789012:stream/fast",
                ArnKind::KinesisStream,
            ),
            (
                "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/errors",
                ArnKind::DynamoDbTable,
            ),
            (
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                ArnKind::KmsKey,
            ),
            (
                "arn:aws:sqs:us-east-1:123456789012:slips-failures",
                ArnKind::SqsQueue,
            ),
        ] {
            assert!(Arn::parse_kind(text, kind).is_ok(), "{text}");
        }
    }

    #[test]
    fn rejects_the_wrong_kind_or_shape() {
        for (text, kind, says) in [
            ("not-an-arn", ArnKind::SnsTopic, "is not an ARN"),
            (
                "arn:aws:sns:us-east-1:123456789012:t",
                ArnKind::KinesisStream,
                "Kinesis stream ARN",
            ),
            (
                "arn:aws:kinesis:us-east-1:123456789012:table/x",
                ArnKind::KinesisStream,
                "Kinesis",
            ),
            (
                "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2020",
                ArnKind::DynamoDbTable,
                "table",
            ),
            (
                "arn:aws:iam::123456789012:user/bob",
                ArnKind::IamRole,
                "IAM role",
            ),
            (
                "arn:aws:iam:us-east-1:123456789012:role/r",
                ArnKind::IamRole,
                "has no region",
            ),
            (
                "arn:aws:sns::123456789012:t",
                ArnKind::SnsTopic,
                "needs region",
            ),
            (
                "arn:aws:sns:us-east-1:1234:t",
                ArnKind::SnsTopic,
                "12 digits",
            ),
            (
                "arn:aws:sns:useast1:123456789012:t",
                ArnKind::SnsTopic,
                "region",
            ),
            (
                "arn:aws:kms:us-east-1:123456789012:alias/logs",
                ArnKind::KmsKey,
                "KMS key ARN",
            ),
            (
                "arn:aws:sqs:us-east-1:123456789012:q.fifo",
                ArnKind::SqsQueue,
                "standard SQS queue",
            ),
            (
                "arn:amazon:sns:us-east-1:123456789012:t",
                ArnKind::SnsTopic,
                "partition",
            ),
        ] {
            let err = Arn::parse_kind(text, kind).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
