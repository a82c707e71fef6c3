//! What a mapping entry does to its records between the reader and the
//! handler: joining the lines of one record (`multiline`), redacting
//! (`redact`), choosing which records reach the handler (`filter`,
//! `sample`). Patterns are compiled when the config loads, so a bad one is
//! reported at its place in the file.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use strum::{EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

use crate::suggest::did_you_mean;

/// A regular expression (Rust `regex` syntax), matched against a record's
/// bytes. Compiled once, when the config loads.
#[derive(Clone)]
pub struct Pattern(regex::bytes::Regex);

impl Pattern {
    /// Compiles `text`.
    pub fn new(text: &str) -> Result<Self, regex::Error> {
        regex::bytes::Regex::new(text).map(Pattern)
    }

    /// The compiled expression.
    pub fn regex(&self) -> &regex::bytes::Regex {
        &self.0
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.as_str())
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Pattern::new(&text).map_err(|error| {
            // regex's message spans lines (the pattern, a caret, the reason): keep the reason.
            let message = error.to_string();
            let reason = message.lines().last().unwrap_or_default().trim();
            let reason = reason.strip_prefix("error: ").unwrap_or(reason);
            de::Error::custom(format!("not a valid regular expression: {reason}"))
        })
    }
}

impl JsonSchema for Pattern {
    fn schema_name() -> Cow<'static, str> {
        "Pattern".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A regular expression (Rust regex syntax).",
            "type": "string",
            "format": "regex",
        })
    }
}

/// Records of several lines (stack traces): a line matching `start` begins
/// a record, and the lines after it that do not are joined to it (with
/// `\n`). The record's line number is its first line's. Needs `s3-lines`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Multiline {
    /// A line that begins a record, e.g. `'^\d{4}-\d\d-\d\d'` for lines
    /// that start with a date.
    pub start: Pattern,
    /// Most lines in one record (default 1000). A longer record is an error
    /// of the object, or skipped and counted as too large with
    /// `on_parse_error: skip`.
    #[serde(default = "Multiline::default_max_lines")]
    pub max_lines: u32,
    /// Most bytes in one record (default 1 MiB), counted as `max_lines` is.
    #[serde(default = "Multiline::default_max_bytes")]
    pub max_bytes: u64,
}

impl Multiline {
    fn default_max_lines() -> u32 {
        1000
    }

    fn default_max_bytes() -> u64 {
        1 << 20
    }
}

/// Which records reach the handler. Records that do not are counted as
/// filtered (logs, metrics, the local summary), never dropped unseen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Filter {
    /// When given, only records that match at least one of these go on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep: Vec<Condition>,
    /// Records that match any of these do not go on (tested after `keep`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<Condition>,
}

impl Filter {
    /// Whether the filter lets every record through.
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty() && self.drop.is_empty()
    }
}

/// One test of a record: `line`, or `tag`, or `field` with `matches`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Condition {
    /// Matches the record as the reader cut it (after `redact`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<Pattern>,
    /// Matches the tag a parser gave the record (a record with no tag does
    /// not match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Pattern>,
    /// A field of the parsed record, by its path of keys joined with `.`
    /// (`userIdentity.type`); tested by `matches` against its text (a
    /// number as JSON writes it). A record without it does not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What `field`'s value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<Pattern>,
}

/// A built-in redaction rule: what it finds, and the text it leaves.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, EnumString, IntoStaticStr, EnumIter, Serialize, JsonSchema,
)]
#[strum(serialize_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Builtin {
    /// IPv4 addresses (dotted quads), replaced by `[ipv4]`.
    Ipv4,
    /// IPv6 addresses (every form `std::net::Ipv6Addr` reads), replaced by `[ipv6]`.
    Ipv6,
    /// E-mail addresses, replaced by `[email]`.
    Email,
}

impl Builtin {
    /// Its name in the config.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// What a match becomes unless the rule says `replace`.
    pub fn replacement(self) -> &'static str {
        match self {
            Builtin::Ipv4 => "[ipv4]",
            Builtin::Ipv6 => "[ipv6]",
            Builtin::Email => "[email]",
        }
    }
}

/// A redaction rule: a built-in by name (`- ipv4`), or a pattern with the
/// text that replaces its matches.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Redaction {
    /// `ipv4`, `ipv6` or `email`.
    Builtin(Builtin),
    /// A rule of your own.
    Rule(RedactionRule),
}

/// A redaction rule of your own, or a built-in with another replacement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RedactionRule {
    /// What to replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Pattern>,
    /// Or a built-in rule, to give it another `replace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin: Option<Builtin>,
    /// What each match becomes (default `[redacted]`, or the built-in's);
    /// `$1` or `${name}` insert a group of `pattern`. No line end, `"` or
    /// `\`, so lines stay lines and JSON stays JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace: Option<String>,
}

impl Redaction {
    /// The default text of a rule of one's own.
    pub const DEFAULT_REPLACEMENT: &'static str = "[redacted]";
}

impl<'de> Deserialize<'de> for Builtin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse()
            .map_err(|_| de::Error::custom(unknown_builtin(&name)))
    }
}

fn unknown_builtin(name: &str) -> String {
    let names: Vec<&str> = Builtin::iter().map(Builtin::name).collect();
    let hint = match did_you_mean(name, &names) {
        Some(near) => format!("; did you mean `{near}`?"),
        None => String::new(),
    };
    format!(
        "unknown built-in redaction `{name}`, expected one of: {}{hint} \
         (or `{{pattern: ..., replace: ...}}` for a rule of your own)",
        names.join(", ")
    )
}

// A name or a map, each with its own errors (serde's untagged enums say
// only "did not match any variant").
impl<'de> Deserialize<'de> for Redaction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RedactionVisitor;

        impl<'de> Visitor<'de> for RedactionVisitor {
            type Value = Redaction;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a built-in rule's name (ipv4, ipv6, email) or {pattern, replace}")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Redaction, E> {
                name.parse()
                    .map(Redaction::Builtin)
                    .map_err(|_| E::custom(unknown_builtin(name)))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Redaction, A::Error> {
                RedactionRule::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(Redaction::Rule)
            }
        }

        deserializer.deserialize_any(RedactionVisitor)
    }
}
