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
pub(crate) mod json_text;
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

pub(crate) use cloudtrail::{Prepared, prepare_event};
pub use item::{Body, Item, Out, ParseError, json_error, set_excerpt_chars};

use crate::object::{Cut, LineCheck};
pub use slips_contract::format::{
    ChainError, DEFAULT_EXCERPT_CHARS, FormatChain, Parser, Reader, all_names,
};

/// Parses one record with `parser` into `out` (zero or more records).
pub(crate) fn parse<'a>(
    parser: Parser,
    item: Item<'a>,
    state: &mut ObjectState,
    out: &mut Out<'a>,
) -> Result<(), ParseError> {
    match parser {
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

/// How `chain`'s reader cuts an object, and how many of its first parsers
/// that does too. A CloudTrail log file read whole (`s3-text`, then
/// `json`, `cloudtrail`) is streamed event by event instead: the same
/// records, in memory that does not grow with the file.
fn cut_of(chain: &FormatChain) -> (Cut, usize) {
    match (chain.reader, chain.parsers.as_slice()) {
        (Reader::Lines, _) => (Cut::Lines, 0),
        (Reader::Text, [Parser::Json, Parser::CloudTrail, ..]) => (Cut::Events, 2),
        (Reader::Text, [Parser::CloudTrail, ..]) => (Cut::Events, 1),
        (Reader::Text | Reader::Ignore, _) => (Cut::Whole, 0),
    }
}

/// What a parser learns from earlier records of the same object (e.g. the
/// header line of a CSV or VPC flow log). One per parser of a chain, per object.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ObjectState {
    /// Field names from the object's header line.
    pub header: Option<Vec<String>>,
}

/// A chain's parsers reading one object's records, with what they learn
/// from its earlier ones.
#[derive(Debug)]
pub struct ObjectParser<'c> {
    chain: &'c FormatChain,
    states: Vec<ObjectState>,
    cut: Cut,
    /// The leading parsers the cut does instead (`json, cloudtrail` when
    /// events are streamed).
    done_by_cut: usize,
    /// Records cut so far (a streamed event's index in `Records`).
    index: usize,
}

impl<'c> ObjectParser<'c> {
    /// Ready for the first record of an object.
    pub fn new(chain: &'c FormatChain) -> Self {
        let (cut, done_by_cut) = cut_of(chain);
        ObjectParser {
            chain,
            states: vec![ObjectState::default(); chain.parsers.len()],
            cut,
            done_by_cut,
            index: 0,
        }
    }

    /// How the object is to be cut into the records [`ObjectParser::apply`] takes.
    pub fn cut(&self) -> Cut {
        self.cut
    }

    /// The check the decode thread may run on lines for the first parser:
    /// `json`'s, when the chain starts `s3-lines, json`.
    pub fn line_check(&self) -> Option<LineCheck> {
        match (self.cut, self.chain.parsers.first()) {
            (Cut::Lines, Some(Parser::Json)) => Some(|line| Body::Text(line).into_json().is_ok()),
            _ => None,
        }
    }

    /// Runs one record the reader cut through the parsers; the records to
    /// hand to the handler are left in `out`. `scratch` is a buffer reused
    /// between calls to spare an allocation per record.
    pub fn apply<'a>(
        &mut self,
        record: &'a [u8],
        out: &mut Out<'a>,
        scratch: &mut Out<'a>,
    ) -> Result<(), ParseError> {
        self.apply_checked(record, false, None, out, scratch)
    }

    /// [`ObjectParser::apply`], for a record that passed [`ObjectParser::line_check`]
    /// when `checked`: it is not checked again; or for a CloudTrail event
    /// whose fields the reader found (`prepared`).
    pub(crate) fn apply_checked<'a>(
        &mut self,
        record: &'a [u8],
        checked: bool,
        prepared: Option<Prepared>,
        out: &mut Out<'a>,
        scratch: &mut Out<'a>,
    ) -> Result<(), ParseError> {
        out.clear();
        match self.cut {
            Cut::Events => {
                let index = self.index;
                self.index += 1;
                let event = match prepared {
                    Some(prepared) => cloudtrail::prepared_event(record, prepared),
                    None => cloudtrail::streamed_event(record),
                }
                .map_err(|e| ParseError::new(format!("Records[{index}]: {e}")))?;
                out.push(event);
            }
            // Checked JSON text: `json` passes it on as it is.
            Cut::Lines if checked && self.line_check().is_some() => out.push(Item {
                body: Body::Json(record),
                ..Item::text(record)
            }),
            Cut::Lines | Cut::Whole => out.push(Item::text(record)),
        }
        // Parts that failed while their record's other parts went on.
        let mut partial: Option<ParseError> = None;
        let parsers = self.chain.parsers.iter().zip(self.states.iter_mut());
        for (parser, state) in parsers.skip(self.done_by_cut) {
            std::mem::swap(out, scratch);
            out.clear();
            for item in scratch.drain(..) {
                match parse(*parser, item, state, out) {
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
