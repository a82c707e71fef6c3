//! Which records reach the handler: a mapping entry's `filter` (`keep`,
//! then `drop`) and `sample`. Conditions on the record as cut are tested
//! before it is parsed, so what they drop costs no parsing.

use regex::bytes::Regex;
use serde_json::Value;
use slips_contract::config::{Condition, Filter};

use crate::format::Item;

/// A mapping entry's filter and sample, for one object.
#[derive(Debug)]
pub struct Selector<'m> {
    keep: Vec<Test<'m>>,
    drop: Vec<Test<'m>>,
    /// Whether `keep` tests anything of the parsed record.
    keep_after_parse: bool,
    sample: Option<Sample>,
}

/// One condition, ready to test.
#[derive(Debug)]
enum Test<'m> {
    Line(&'m Regex),
    Tag(&'m Regex),
    Field(Vec<&'m str>, &'m Regex),
}

/// What the tests on the record as cut decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Early {
    /// The record does not go on: it is not parsed.
    Drop,
    /// Parse it and test its records; `kept` when a `keep` condition on the
    /// line already matched.
    Parse { kept: bool },
}

/// What became of a parsed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// To the handler.
    Pass,
    /// Left out by the filter.
    Filtered,
    /// Left out by the sample.
    SampledOut,
}

impl<'m> Selector<'m> {
    /// The filter and sample of a mapping entry, for the object at `key`;
    /// `None` when every record goes on.
    pub fn new(filter: &'m Filter, sample: Option<f64>, key: &str) -> Option<Self> {
        let sample = sample
            .filter(|rate| *rate < 1.0)
            .map(|rate| Sample::new(rate, key));
        if filter.is_empty() && sample.is_none() {
            return None;
        }
        let tests = |conditions: &'m [Condition]| conditions.iter().filter_map(Test::new).collect();
        let keep: Vec<Test<'m>> = tests(&filter.keep);
        Some(Selector {
            keep_after_parse: keep.iter().any(|t| !matches!(t, Test::Line(_))),
            keep,
            drop: tests(&filter.drop),
            sample,
        })
    }

    /// Tests the record as cut (before parsing).
    pub fn early(&self, record: &[u8]) -> Early {
        let line = |test: &Test<'_>| matches!(test, Test::Line(regex) if regex.is_match(record));
        if self.drop.iter().any(line) {
            return Early::Drop;
        }
        let kept = self.keep.is_empty() || self.keep.iter().any(line);
        match kept || self.keep_after_parse {
            true => Early::Parse { kept },
            false => Early::Drop,
        }
    }

    /// Tests one record the parsers made of a record `early` let through;
    /// `position` is where it is in the object (the same on every read).
    pub fn verdict(&self, item: &Item<'_>, kept: bool, position: (u64, usize)) -> Verdict {
        let parsed = |test: &Test<'_>| test.matches_parsed(item);
        if !(kept || self.keep.iter().any(parsed)) || self.drop.iter().any(parsed) {
            return Verdict::Filtered;
        }
        match &self.sample {
            Some(sample) if !sample.keeps(position) => Verdict::SampledOut,
            _ => Verdict::Pass,
        }
    }
}

impl<'m> Test<'m> {
    /// The config check reports a condition that is none of these.
    fn new(condition: &'m Condition) -> Option<Self> {
        match condition {
            Condition { line: Some(p), .. } => Some(Test::Line(p.regex())),
            Condition { tag: Some(p), .. } => Some(Test::Tag(p.regex())),
            Condition {
                field: Some(field),
                matches: Some(p),
                ..
            } => Some(Test::Field(field.split('.').collect(), p.regex())),
            _ => None,
        }
    }

    /// Whether a parsed record matches (conditions on the line were tested early).
    fn matches_parsed(&self, item: &Item<'_>) -> bool {
        match self {
            Test::Line(_) => false,
            Test::Tag(regex) => item
                .tag
                .as_deref()
                .is_some_and(|t| regex.is_match(t.as_bytes())),
            // A record that is no JSON has no fields: it does not match.
            Test::Field(path, regex) => match item.body.field(path) {
                Ok(Some(Value::String(text))) => regex.is_match(text.as_bytes()),
                Ok(Some(value)) => regex.is_match(value.to_string().as_bytes()),
                Ok(None) | Err(_) => false,
            },
        }
    }
}

/// A share of records, picked by a hash of the object key and each
/// record's position: the same records on every read of the object.
#[derive(Debug)]
struct Sample {
    /// Hashes below this are kept.
    below: u64,
    seed: u64,
}

impl Sample {
    fn new(rate: f64, key: &str) -> Self {
        // FNV-1a: a stable hash of the key (std's hasher may change between releases).
        let seed = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        Sample {
            below: (rate * u64::MAX as f64) as u64,
            seed,
        }
    }

    fn keeps(&self, (record, part): (u64, usize)) -> bool {
        mix(mix(self.seed ^ record) ^ part as u64) < self.below
    }
}

/// SplitMix64's finalizer: every input bit moves every output bit.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use slips_contract::config::Pattern;

    use super::*;
    use crate::format::Body;

    fn condition(line: Option<&str>, tag: Option<&str>, field: Option<(&str, &str)>) -> Condition {
        Condition {
            line: line.map(|p| Pattern::new(p).unwrap()),
            tag: tag.map(|p| Pattern::new(p).unwrap()),
            field: field.map(|(f, _)| f.to_string()),
            matches: field.map(|(_, p)| Pattern::new(p).unwrap()),
        }
    }

    fn json<'a>(text: &'a str, tag: Option<&str>) -> Item<'a> {
        Item {
            tag: tag.map(str::to_string),
            timestamp: None,
            body: Body::Json(text.as_bytes()),
        }
    }

    #[test]
    fn drop_on_the_line_comes_before_parsing_and_keep_on_fields_after() {
        let filter = Filter {
            keep: vec![condition(
                None,
                None,
                Some(("user.type", "^(Root|IAMUser)$")),
            )],
            drop: vec![
                condition(Some("ELB-HealthChecker"), None, None),
                condition(None, Some(r"^aws\.cloudtrail\.Describe"), None),
            ],
        };
        let selector = Selector::new(&filter, None, "k").unwrap();
        assert_eq!(selector.early(b"GET / ELB-HealthChecker/2.0"), Early::Drop);
        let Early::Parse { kept } = selector.early(br#"{"user":{"type":"Root"}}"#) else {
            panic!("parsed")
        };
        assert!(!kept, "keep tests a field");
        let root = json(
            r#"{"user":{"type":"Root"}}"#,
            Some("aws.cloudtrail.GetObject"),
        );
        assert_eq!(selector.verdict(&root, kept, (1, 0)), Verdict::Pass);
        let role = json(r#"{"user":{"type":"AssumedRole"}}"#, None);
        assert_eq!(selector.verdict(&role, kept, (2, 0)), Verdict::Filtered);
        let describe = json(
            r#"{"user":{"type":"Root"}}"#,
            Some("aws.cloudtrail.DescribeVpcs"),
        );
        assert_eq!(selector.verdict(&describe, kept, (3, 0)), Verdict::Filtered);
        // A record that is no JSON has no field to match.
        let text = Item::text(b"Root");
        assert_eq!(selector.verdict(&text, kept, (4, 0)), Verdict::Filtered);
    }

    #[test]
    fn keep_on_the_line_alone_drops_before_parsing() {
        let filter = Filter {
            keep: vec![condition(Some("ERROR|WARN"), None, None)],
            drop: vec![],
        };
        let selector = Selector::new(&filter, None, "k").unwrap();
        assert_eq!(selector.early(b"INFO fine"), Early::Drop);
        assert_eq!(selector.early(b"WARN odd"), Early::Parse { kept: true });
        let numbers = Filter {
            keep: vec![condition(None, None, Some(("status", "^5")))],
            drop: vec![],
        };
        let selector = Selector::new(&numbers, None, "k").unwrap();
        let item = json(r#"{"status":503}"#, None);
        assert_eq!(
            selector.verdict(&item, false, (1, 0)),
            Verdict::Pass,
            "numbers as JSON writes them"
        );
    }

    #[test]
    fn a_sample_keeps_its_share_and_the_same_records_each_time() {
        let filter = Filter::default();
        assert!(Selector::new(&filter, None, "k").is_none());
        assert!(Selector::new(&filter, Some(1.0), "k").is_none());
        let picks = |key: &str| -> Vec<bool> {
            let selector = Selector::new(&filter, Some(0.1), key).unwrap();
            let item = Item::text(b"x");
            (0..100_000)
                .map(|n| selector.verdict(&item, true, (n, 0)) == Verdict::Pass)
                .collect()
        };
        let first = picks("logs/a.gz");
        let kept = first.iter().filter(|k| **k).count();
        assert!((9_000..11_000).contains(&kept), "{kept} of 100000 at 0.1");
        assert_eq!(first, picks("logs/a.gz"), "a replay picks the same");
        assert_ne!(first, picks("logs/b.gz"), "another object, other records");
    }
}
