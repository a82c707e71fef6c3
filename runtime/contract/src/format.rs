//! Format chains as the config names them: one reader (how an object is
//! cut into records), then parsers (how each record is read), e.g.
//! `[s3-lines, json, cloudtrail]`. The runtime holds what each one does.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use strum::{EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

/// Characters of record content an error quotes by default.
pub const DEFAULT_EXCERPT_CHARS: usize = 32;

/// How an object is cut into records. Its name is the config's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, EnumString, IntoStaticStr)]
pub enum Reader {
    /// `s3-lines`: one record per line.
    #[strum(serialize = "s3-lines")]
    Lines,
    /// `s3-text`: the whole object is one record.
    #[strum(serialize = "s3-text")]
    Text,
    /// `ignore`: no records at all.
    #[strum(serialize = "ignore")]
    Ignore,
}

/// How a record is interpreted; each sets the record's tag and timestamp.
/// Its name is the config's: the variant in kebab-case unless given.
/// This enum is the one list of parsers: a new one is a variant here and
/// its function in the runtime's `format` module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, EnumString, IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Parser {
    /// A JSON object per record.
    Json,
    /// Syslog lines (RFC 3164 and RFC 5424).
    Syslog,
    /// Fluentd `out_file` lines: `TIME<TAB>TAG<TAB>JSON`.
    FluentdJson,
    /// A CloudTrail log file: its `Records`, one record each.
    #[strum(serialize = "cloudtrail")]
    CloudTrail,
    /// GuardDuty findings.
    #[strum(serialize = "guardduty")]
    GuardDuty,
    /// G Suite login activity.
    GSuiteLogin,
    /// Azure AD audit logs.
    AzureAdAudit,
    /// Azure AD sign-in events.
    AzureAdEvent,
    /// Azure AD risk events.
    AzureAdRiskEvent,
    /// Cylance events (the same as `cylance-event`).
    Cylance,
    /// Cylance events.
    CylanceEvent,
    /// Cylance threats.
    CylanceThreat,
    /// Kea DHCPv4 server logs (the lease messages).
    Kea,
    /// Packetbeat events.
    Packetbeat,
    /// Auditbeat events.
    Auditbeat,
    /// CrowdStrike Falcon events.
    Falcon,
    /// CrowdStrike Falcon detections, one record per behavior.
    FalconDetection,
    /// AWS WAF logs.
    AwsWaf,
    /// PAN-OS TRAFFIC and THREAT logs (syslog CSV).
    #[strum(serialize = "paloalto")]
    PaloAlto,
    /// VPC flow logs (any field list, from the header).
    VpcFlow,
    /// Application Load Balancer access logs.
    Alb,
    /// Network Load Balancer access logs.
    Nlb,
    /// S3 server access logs.
    S3Access,
    /// Comma-separated values, the header line naming the fields.
    Csv,
    /// Tab-separated values, the header line naming the fields.
    Tsv,
    /// CloudWatch Logs subscription-filter payloads, one record per log event.
    #[strum(serialize = "cloudwatch-logs")]
    CloudWatchLogs,
}

impl Reader {
    /// The reader's name in a format chain.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

impl Parser {
    /// The parser's name in a format chain.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Every format name, readers first.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    Reader::iter()
        .map(Reader::name)
        .chain(Parser::iter().map(Parser::name))
}

/// A checked format chain. In a config (and its JSON) it is the list of
/// names, checked when the config is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatChain {
    /// How the object is cut into records.
    pub reader: Reader,
    /// How each record is read, in order.
    pub parsers: Vec<Parser>,
}

/// A problem with one element of a chain (or the chain itself, when `index` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainError {
    /// Which name of the chain, from 0.
    pub index: Option<usize>,
    /// What is wrong with it.
    pub message: String,
}

impl FormatChain {
    /// Checks a chain of names; reports every bad element, not just the first.
    ///
    /// ```
    /// use slips_contract::format::{FormatChain, Reader};
    /// let chain = FormatChain::parse(&["s3-lines", "json", "cloudtrail"]).unwrap();
    /// assert_eq!(chain.reader, Reader::Lines);
    /// assert!(FormatChain::parse(&["json"]).is_err());
    /// ```
    pub fn parse(names: &[impl AsRef<str>]) -> Result<Self, Vec<ChainError>> {
        let mut errors = Vec::new();
        let Some((first, rest)) = names.split_first() else {
            return Err(vec![ChainError {
                index: None,
                message: "empty format chain; start with a reader: s3-lines, s3-text or ignore"
                    .into(),
            }]);
        };
        let reader = first.as_ref().parse::<Reader>().ok();
        if reader.is_none() {
            let message = if first.as_ref().parse::<Parser>().is_ok() {
                format!(
                    "a chain starts with a reader (s3-lines, s3-text or ignore), not the parser `{}`",
                    first.as_ref()
                )
            } else {
                unknown(first.as_ref())
            };
            errors.push(ChainError {
                index: Some(0),
                message,
            });
        }
        let mut parsers = Vec::new();
        for (i, name) in rest.iter().enumerate() {
            let name = name.as_ref();
            if let Ok(parser) = name.parse::<Parser>() {
                parsers.push(parser);
                continue;
            }
            let message = if name.parse::<Reader>().is_ok() {
                format!("a chain has exactly one reader, first; `{name}` is a reader")
            } else {
                unknown(name)
            };
            errors.push(ChainError {
                index: Some(i + 1),
                message,
            });
        }
        if reader == Some(Reader::Ignore) && !rest.is_empty() {
            errors.push(ChainError {
                index: Some(1),
                message: "`ignore` reads no records, so parsers after it never run".into(),
            });
        }
        match reader {
            Some(reader) if errors.is_empty() => Ok(FormatChain { reader, parsers }),
            _ => Err(errors),
        }
    }
}

impl FormatChain {
    /// The chain's names, as a config gives them.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.reader.name()).chain(self.parsers.iter().map(|p| p.name()))
    }
}

/// A chain written `s3-lines,json` (as `--format` takes it); the error
/// says what is wrong with each bad name.
impl std::str::FromStr for FormatChain {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let names: Vec<&str> = text.split(',').map(str::trim).collect();
        FormatChain::parse(&names).map_err(reasons)
    }
}

impl Serialize for FormatChain {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.names())
    }
}

impl<'de> Deserialize<'de> for FormatChain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        FormatChain::parse(&names).map_err(|errors| D::Error::custom(reasons(errors)))
    }
}

impl JsonSchema for FormatChain {
    fn schema_name() -> Cow<'static, str> {
        "FormatChain".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = all_names().collect();
        json_schema!({
            "description": "One reader (s3-lines, s3-text or ignore), then parsers.",
            "type": "array",
            "minItems": 1,
            "items": {"enum": names},
        })
    }
}

impl fmt::Display for FormatChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reader.name())?;
        for parser in &self.parsers {
            write!(f, " → {}", parser.name())?;
        }
        Ok(())
    }
}

/// The chain's problems in one line.
fn reasons(errors: Vec<ChainError>) -> String {
    let reasons: Vec<String> = errors.into_iter().map(|e| e.message).collect();
    reasons.join("; ")
}

fn unknown(name: &str) -> String {
    let names: Vec<&str> = all_names().collect();
    match crate::suggest::did_you_mean(name, &names) {
        Some(near) => format!("unknown format `{name}`; did you mean `{near}`?"),
        None => format!(
            "unknown format `{name}`; known formats: {}",
            names.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_are_the_configs() {
        let names: Vec<&str> = all_names().collect();
        assert_eq!(
            names,
            [
                "s3-lines",
                "s3-text",
                "ignore",
                "json",
                "syslog",
                "fluentd-json",
                "cloudtrail",
                "guardduty",
                "g-suite-login",
                "azure-ad-audit",
                "azure-ad-event",
                "azure-ad-risk-event",
                "cylance",
                "cylance-event",
                "cylance-threat",
                "kea",
                "packetbeat",
                "auditbeat",
                "falcon",
                "falcon-detection",
                "aws-waf",
                "paloalto",
                "vpc-flow",
                "alb",
                "nlb",
                "s3-access",
                "csv",
                "tsv",
                "cloudwatch-logs",
            ]
        );
    }

    #[test]
    fn a_chain_is_its_names_in_json() {
        let chain: FormatChain =
            serde_json::from_str(r#"["s3-lines","json","cloudtrail"]"#).unwrap();
        assert_eq!(chain.parsers, [Parser::Json, Parser::CloudTrail]);
        assert_eq!(
            serde_json::to_string(&chain).unwrap(),
            r#"["s3-lines","json","cloudtrail"]"#
        );
        let error = serde_json::from_str::<FormatChain>(r#"["json"]"#).unwrap_err();
        assert!(
            error.to_string().contains("starts with a reader"),
            "{error}"
        );
    }

    #[test]
    fn every_name_round_trips() {
        for name in all_names() {
            let chain: Vec<&str> = if name.parse::<Reader>().is_ok() {
                vec![name]
            } else {
                vec!["s3-lines", name]
            };
            let parsed = FormatChain::parse(&chain).unwrap();
            assert!(parsed.to_string().ends_with(name));
        }
    }

    #[test]
    fn reports_every_bad_element() {
        let errors = FormatChain::parse(&["json", "s3-text", "cloudtrial"]).unwrap_err();
        let indexes: Vec<_> = errors.iter().map(|e| e.index).collect();
        assert_eq!(indexes, [Some(0), Some(1), Some(2)]);
        assert!(errors[0].message.contains("starts with a reader"));
        assert!(errors[1].message.contains("exactly one reader"));
        assert!(errors[2].message.contains("did you mean `cloudtrail`?"));
    }

    #[test]
    fn ignore_stands_alone() {
        assert!(FormatChain::parse(&["ignore"]).is_ok());
        let errors = FormatChain::parse(&["ignore", "json"]).unwrap_err();
        assert!(errors[0].message.contains("never run"));
        assert!(FormatChain::parse(&[] as &[&str]).is_err());
    }
}
