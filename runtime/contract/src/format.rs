//! Format chains as the config names them: one reader (how an object is
//! cut into records), then parsers (how each record is read), e.g.
//! `[s3-lines, json, cloudtrail]`. The runtime holds what each one does.

use std::fmt;

/// Characters of record content an error quotes by default.
pub const DEFAULT_EXCERPT_CHARS: usize = 32;

/// How an object is cut into records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// `s3-lines`: one record per line.
    Lines,
    /// `s3-text`: the whole object is one record.
    Text,
    /// `ignore`: no records at all.
    Ignore,
}

/// How a record is interpreted; each sets the record's tag and timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parser {
    Json,
    Syslog,
    FluentdJson,
    CloudTrail,
    GuardDuty,
    GSuiteLogin,
    AzureAdAudit,
    AzureAdEvent,
    AzureAdRiskEvent,
    Cylance,
    CylanceEvent,
    CylanceThreat,
    Kea,
    Packetbeat,
    Auditbeat,
    Falcon,
    FalconDetection,
    AwsWaf,
    PaloAlto,
    VpcFlow,
    Alb,
    Nlb,
    S3Access,
    Csv,
    Tsv,
    CloudWatchLogs,
}

const READERS: &[(&str, Reader)] = &[
    ("s3-lines", Reader::Lines),
    ("s3-text", Reader::Text),
    ("ignore", Reader::Ignore),
];

const PARSERS: &[(&str, Parser)] = &[
    ("json", Parser::Json),
    ("syslog", Parser::Syslog),
    ("fluentd-json", Parser::FluentdJson),
    ("cloudtrail", Parser::CloudTrail),
    ("guardduty", Parser::GuardDuty),
    ("g-suite-login", Parser::GSuiteLogin),
    ("azure-ad-audit", Parser::AzureAdAudit),
    ("azure-ad-event", Parser::AzureAdEvent),
    ("azure-ad-risk-event", Parser::AzureAdRiskEvent),
    ("cylance", Parser::Cylance),
    ("cylance-event", Parser::CylanceEvent),
    ("cylance-threat", Parser::CylanceThreat),
    ("kea", Parser::Kea),
    ("packetbeat", Parser::Packetbeat),
    ("auditbeat", Parser::Auditbeat),
    ("falcon", Parser::Falcon),
    ("falcon-detection", Parser::FalconDetection),
    ("aws-waf", Parser::AwsWaf),
    ("paloalto", Parser::PaloAlto),
    ("vpc-flow", Parser::VpcFlow),
    ("alb", Parser::Alb),
    ("nlb", Parser::Nlb),
    ("s3-access", Parser::S3Access),
    ("csv", Parser::Csv),
    ("tsv", Parser::Tsv),
    ("cloudwatch-logs", Parser::CloudWatchLogs),
];

impl Reader {
    pub fn name(self) -> &'static str {
        name_of(READERS, self)
    }
}

impl Parser {
    pub fn name(self) -> &'static str {
        name_of(PARSERS, self)
    }
}

fn name_of<T: PartialEq>(table: &[(&'static str, T)], item: T) -> &'static str {
    table
        .iter()
        .find(|(_, t)| *t == item)
        .map_or("?", |(name, _)| name)
}

/// Every format name, readers first.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    READERS
        .iter()
        .map(|(name, _)| *name)
        .chain(PARSERS.iter().map(|(name, _)| *name))
}

/// A checked format chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatChain {
    pub reader: Reader,
    pub parsers: Vec<Parser>,
}

/// A problem with one element of a chain (or the chain itself, when `index` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainError {
    pub index: Option<usize>,
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
        let reader = lookup(READERS, first.as_ref());
        if reader.is_none() {
            let message = if lookup(PARSERS, first.as_ref()).is_some() {
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
            if let Some(parser) = lookup(PARSERS, name) {
                parsers.push(parser);
                continue;
            }
            let message = if lookup(READERS, name).is_some() {
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

impl fmt::Display for FormatChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reader.name())?;
        for parser in &self.parsers {
            write!(f, " → {}", parser.name())?;
        }
        Ok(())
    }
}

fn lookup<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
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
    fn every_name_round_trips() {
        for name in all_names() {
            let chain: Vec<&str> = if lookup(READERS, name).is_some() {
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
