//! Format chains: how an object's bytes become records. A chain is one
//! reader (how the object is cut into records) followed by parsers (how each
//! record is interpreted), e.g. `[s3-lines, json, cloudtrail]`.
//!
//! Parsers are plain functions over [`Item`]s, one module each; every one
//! turns a record into zero or more records and may set their tag and time.

mod alb;
mod auditbeat;
mod aws_waf;
mod cloudtrail;
mod cloudwatch_logs;
mod delimited;
mod falcon_detection;
mod fluentd;
mod item;
mod json;
mod kea;
mod nlb;
mod packetbeat;
mod paloalto;
mod quoted;
mod s3_access;
mod syslog;
mod tagged;
pub mod time;
mod vpc_flow;

use std::fmt;

pub use item::{Body, DEFAULT_EXCERPT_CHARS, Item, Out, ParseError, set_excerpt_chars};

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

    /// Parses one record into `out` (zero or more records).
    pub fn parse<'a>(
        self,
        item: Item<'a>,
        state: &mut ObjectState,
        out: &mut Out<'a>,
    ) -> Result<(), ParseError> {
        match self {
            Parser::Json => json::parse(item, out),
            Parser::Syslog => syslog::parse(item, out),
            Parser::FluentdJson => fluentd::parse(item, out),
            Parser::CloudTrail => cloudtrail::parse(item, out),
            Parser::GuardDuty => tagged::GUARDDUTY.parse(item, out),
            Parser::GSuiteLogin => tagged::GSUITE_LOGIN.parse(item, out),
            Parser::AzureAdAudit => tagged::AZURE_AD_AUDIT.parse(item, out),
            Parser::AzureAdEvent => tagged::AZURE_AD_EVENT.parse(item, out),
            Parser::AzureAdRiskEvent => tagged::AZURE_AD_RISK_EVENT.parse(item, out),
            Parser::Cylance | Parser::CylanceEvent => tagged::CYLANCE_EVENT.parse(item, out),
            Parser::CylanceThreat => tagged::CYLANCE_THREAT.parse(item, out),
            Parser::Kea => kea::parse(item, out),
            Parser::Packetbeat => packetbeat::parse(item, out),
            Parser::Auditbeat => auditbeat::parse(item, out),
            Parser::Falcon => tagged::FALCON.parse(item, out),
            Parser::FalconDetection => falcon_detection::parse(item, out),
            Parser::AwsWaf => aws_waf::parse(item, out),
            Parser::PaloAlto => paloalto::parse(item, out),
            Parser::VpcFlow => vpc_flow::parse(item, state, out),
            Parser::Alb => alb::parse(item, out),
            Parser::Nlb => nlb::parse(item, out),
            Parser::S3Access => s3_access::parse(item, out),
            Parser::Csv => delimited::parse(b',', item, state, out),
            Parser::Tsv => delimited::parse(b'\t', item, state, out),
            Parser::CloudWatchLogs => cloudwatch_logs::parse(item, out),
        }
    }
}

/// What a parser learns from earlier records of the same object (e.g. the
/// header line of a CSV or VPC flow log). One per parser of a chain, per object.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ObjectState {
    /// Field names from the object's header line.
    pub header: Option<Vec<String>>,
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
    /// use slips::format::{FormatChain, Reader};
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

impl FormatChain {
    /// Fresh per-object state for this chain's parsers.
    pub fn object_state(&self) -> Vec<ObjectState> {
        vec![ObjectState::default(); self.parsers.len()]
    }

    /// Runs one record the reader cut through the parsers; the records to
    /// hand to the handler are left in `out`. `scratch` is a buffer reused
    /// between calls to spare an allocation per record.
    pub fn apply<'a>(
        &self,
        record: &'a [u8],
        states: &mut [ObjectState],
        out: &mut Out<'a>,
        scratch: &mut Out<'a>,
    ) -> Result<(), ParseError> {
        out.clear();
        out.push(Item::text(record));
        // Parts that failed while their record's other parts went on.
        let mut partial: Option<ParseError> = None;
        for (parser, state) in self.parsers.iter().zip(states.iter_mut()) {
            std::mem::swap(out, scratch);
            out.clear();
            for item in scratch.drain(..) {
                match parser.parse(item, state, out) {
                    Ok(()) => {}
                    Err(error) if error.failed_parts() > 0 => match &mut partial {
                        Some(first) => {
                            *first = ParseError::in_parts(
                                first.to_string(),
                                first.failed_parts() + error.failed_parts(),
                            )
                        }
                        None => partial = Some(error),
                    },
                    Err(error) => return Err(error),
                }
            }
        }
        match partial {
            // `out` holds the record's good parts.
            Some(error) => Err(error),
            None => Ok(()),
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

/// What the parsers' tests share.
#[cfg(test)]
pub(crate) mod testing {
    use serde_json::{Map, Value};

    use super::{Body, Item, Out, ParseError};

    /// A record with `body` and neither tag nor timestamp.
    pub(crate) fn item(body: Body<'_>) -> Item<'_> {
        Item {
            tag: None,
            timestamp: None,
            body,
        }
    }

    /// The records `parse` makes of `item`.
    pub(crate) fn run<'a>(
        parse: impl FnOnce(Item<'a>, &mut Out<'a>) -> Result<(), ParseError>,
        item: Item<'a>,
    ) -> Result<Out<'a>, ParseError> {
        let mut out = Vec::new();
        parse(item, &mut out)?;
        Ok(out)
    }

    /// The one record `parse` makes of `item`; panics when it makes another number.
    pub(crate) fn one<'a>(
        parse: impl FnOnce(Item<'a>, &mut Out<'a>) -> Result<(), ParseError>,
        item: Item<'a>,
    ) -> Result<Item<'a>, ParseError> {
        let mut out = run(parse, item)?;
        assert_eq!(out.len(), 1, "records made");
        Ok(out.remove(0))
    }

    /// Asserts that `parse` makes the same records of the JSON `text` read
    /// as text, as checked JSON and as a value an earlier parser built.
    pub(crate) fn assert_bodies_alike<'a>(
        parse: impl Fn(Item<'a>, &mut Out<'a>) -> Result<(), ParseError>,
        text: &'a str,
    ) {
        let value: Value = serde_json::from_str(text).unwrap();
        let from_value = run(&parse, item(Body::Value(value))).unwrap();
        assert_eq!(
            from_value,
            run(&parse, item(Body::Text(text.as_bytes()))).unwrap()
        );
        assert_eq!(
            from_value,
            run(&parse, item(Body::Json(text.as_bytes()))).unwrap()
        );
    }

    /// The value a parser built; panics on a body of text or JSON.
    pub(crate) fn value<'v>(item: &'v Item<'_>) -> &'v Value {
        match &item.body {
            Body::Value(value) => value,
            other => panic!("expected a built value, got {other:?}"),
        }
    }

    /// The object a parser built; panics on any other body.
    pub(crate) fn object<'v>(item: &'v Item<'_>) -> &'v Map<String, Value> {
        match &item.body {
            Body::Value(Value::Object(object)) => object,
            other => panic!("expected a built object, got {other:?}"),
        }
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
