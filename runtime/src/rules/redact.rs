//! Redaction: a mapping entry's `redact` rules, applied in order to each
//! record before anything else reads it.

use std::borrow::Cow;
use std::net::Ipv6Addr;
use std::sync::LazyLock;

use regex::bytes::{NoExpand, Regex};
use slips_contract::config::{Builtin, Redaction};

use crate::object::Block;

/// A mapping entry's rules, ready to apply.
#[derive(Debug)]
pub struct Redactor<'m> {
    rules: Vec<Rule<'m>>,
}

#[derive(Debug)]
struct Rule<'m> {
    regex: &'m Regex,
    /// The replacement, and whether `$1` in it names a group.
    replace: &'m str,
    expand: bool,
    /// IPv6 candidates are confirmed by the standard library's parser.
    ipv6: bool,
}

// `(?-u)`: ASCII classes and word boundaries, so the lazy DFA runs on any bytes.
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    let octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    Regex::new(&format!(r"(?-u)\b(?:{octet}\.){{3}}{octet}\b")).expect("the IPv4 pattern")
});
// Runs of hex digits and colons (with an IPv4 tail): candidates only.
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i-u)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:\.[0-9]{1,3}){0,3}")
        .expect("the IPv6 pattern")
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
        .expect("the e-mail pattern")
});

fn builtin(rule: Builtin) -> &'static Regex {
    match rule {
        Builtin::Ipv4 => &IPV4,
        Builtin::Ipv6 => &IPV6,
        Builtin::Email => &EMAIL,
    }
}

impl<'m> Redactor<'m> {
    /// The rules of `redact`, in order; `None` when there are none.
    pub fn new(redact: &'m [Redaction]) -> Option<Self> {
        let rules: Vec<Rule<'m>> = redact
            .iter()
            .filter_map(|redaction| match redaction {
                Redaction::Builtin(b) => Some(Rule {
                    regex: builtin(*b),
                    replace: b.replacement(),
                    expand: false,
                    ipv6: *b == Builtin::Ipv6,
                }),
                Redaction::Rule(rule) => match (&rule.pattern, rule.builtin) {
                    (Some(pattern), _) => Some(Rule {
                        regex: pattern.regex(),
                        replace: rule
                            .replace
                            .as_deref()
                            .unwrap_or(Redaction::DEFAULT_REPLACEMENT),
                        expand: true,
                        ipv6: false,
                    }),
                    (None, Some(b)) => Some(Rule {
                        regex: builtin(b),
                        replace: rule.replace.as_deref().unwrap_or(b.replacement()),
                        expand: false,
                        ipv6: b == Builtin::Ipv6,
                    }),
                    // The config check reports a rule with neither.
                    (None, None) => None,
                },
            })
            .collect();
        (!rules.is_empty()).then_some(Redactor { rules })
    }

    /// `block` with every record redacted.
    pub fn block(&self, block: &Block) -> Block {
        let mut out = Block::listed();
        for piece in block.records() {
            out.push_as(&piece, &self.apply(piece.bytes));
        }
        out
    }

    /// `record` with every rule applied; borrowed when nothing matched.
    pub fn apply<'r>(&self, record: &'r [u8]) -> Cow<'r, [u8]> {
        let mut text = Cow::Borrowed(record);
        for rule in &self.rules {
            if let Cow::Owned(changed) = rule.apply(&text) {
                text = Cow::Owned(changed);
            }
        }
        text
    }
}

impl Rule<'_> {
    fn apply<'t>(&self, text: &'t [u8]) -> Cow<'t, [u8]> {
        if self.ipv6 {
            return self.replace_ipv6(text);
        }
        match self.expand {
            true => self.regex.replace_all(text, self.replace.as_bytes()),
            false => self
                .regex
                .replace_all(text, NoExpand(self.replace.as_bytes())),
        }
    }

    /// Replaces the candidates that are IPv6 addresses standing alone (not
    /// part of a word, a time of day or `std::string`).
    fn replace_ipv6<'t>(&self, text: &'t [u8]) -> Cow<'t, [u8]> {
        let mut out: Option<Vec<u8>> = None;
        let mut copied = 0;
        for found in self.regex.find_iter(text) {
            let (start, end) = (found.start(), found.end());
            let glued =
                |at: Option<&u8>| at.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b':');
            let alone =
                !glued(start.checked_sub(1).and_then(|i| text.get(i))) && !glued(text.get(end));
            let address = std::str::from_utf8(found.as_bytes())
                .ok()
                .filter(|candidate| *candidate != "::")
                .is_some_and(|candidate| candidate.parse::<Ipv6Addr>().is_ok());
            if alone && address {
                let out = out.get_or_insert_with(|| Vec::with_capacity(text.len()));
                out.extend_from_slice(&text[copied..start]);
                out.extend_from_slice(self.replace.as_bytes());
                copied = end;
            }
        }
        match out {
            Some(mut out) => {
                out.extend_from_slice(&text[copied..]);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use slips_contract::config::{Pattern, RedactionRule};

    use super::*;

    fn redact(rules: &[Redaction], text: &str) -> String {
        let redactor = Redactor::new(rules).unwrap();
        String::from_utf8(redactor.apply(text.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn built_in_rules_find_addresses_and_leave_look_alikes() {
        // In order: IPv6 first, so an IPv4 tail stays part of its address.
        let all = [
            Redaction::Builtin(Builtin::Ipv6),
            Redaction::Builtin(Builtin::Ipv4),
            Redaction::Builtin(Builtin::Email),
        ];
        assert_eq!(
            redact(
                &all,
                r#"{"src":"203.0.113.7","dst":"2001:db8::1","user":"ana.lopez+ops@example.co.uk"}"#
            ),
            r#"{"src":"[ipv4]","dst":"[ipv6]","user":"[email]"}"#
        );
        assert_eq!(
            redact(
                &all,
                "from ::ffff:192.0.2.1 and fe80::1ff:fe23:4567:890a, loopback ::1"
            ),
            "from [ipv6] and [ipv6], loopback [ipv6]"
        );
        // Times, MAC addresses, versions past 255, C++ paths and bare `::` stay.
        let alike = "at 12:34:56.789 mac 00:1a:2b:3c:4d:5e v10.0.0.256 std::string a :: b";
        assert_eq!(redact(&all, alike), alike);
        assert_eq!(redact(&all, "no match"), "no match");
    }

    #[test]
    fn rules_of_ones_own_replace_with_groups_in_order() {
        let rules = [
            Redaction::Rule(RedactionRule {
                pattern: Some(Pattern::new(r"(password=)\S+").unwrap()),
                builtin: None,
                replace: Some("${1}***".into()),
            }),
            Redaction::Rule(RedactionRule {
                pattern: Some(Pattern::new(r"AKIA[0-9A-Z]{16}").unwrap()),
                builtin: None,
                replace: None,
            }),
            Redaction::Rule(RedactionRule {
                pattern: None,
                builtin: Some(Builtin::Ipv4),
                replace: Some("0.0.0.0".into()),
            }),
        ];
        assert_eq!(
            redact(
                &rules,
                "login password=hunter2 key AKIAABCDEFGHIJKLMNOP from 10.1.2.3"
            ),
            "login password=*** key [redacted] from 0.0.0.0"
        );
        assert!(Redactor::new(&[]).is_none());
    }
}
