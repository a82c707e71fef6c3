//! YAML output: the one place that knows the YAML emitter.
//!
//! The emitter (serde_yaml_ng) writes YAML 1.2, where `yes`, `on`,
//! `2010-09-09` or `1_000` are plain strings and need no quotes.
//! CloudFormation reads YAML 1.1, where the same words are booleans, dates
//! and numbers. So every plain scalar a YAML 1.1 reader could take for
//! something other than a string is quoted, and the result is read back to
//! prove it still holds exactly the template.

use std::collections::BTreeSet;

use serde_json::Value;

/// `value` as a YAML document. CloudFormation's intrinsic functions keep
/// their long form (`Fn::GetAtt:`), which YAML templates accept as well.
pub fn to_string(value: &Value) -> Result<String, String> {
    let emitted = serde_yaml_ng::to_string(value).map_err(|e| e.to_string())?;
    let mut ambiguous = BTreeSet::new();
    collect_ambiguous(value, &mut ambiguous);
    let text = quote_plain(&emitted, &ambiguous);
    let read_back: Value = serde_yaml_ng::from_str(&text).map_err(|e| e.to_string())?;
    if read_back != *value {
        return Err("the YAML does not read back as the template (a bug in slips)".into());
    }
    Ok(text)
}

/// Strings of `value` (keys are ours and never ambiguous) that the emitter
/// writes plain but YAML 1.1 may not read as strings.
fn collect_ambiguous<'a>(value: &'a Value, out: &mut BTreeSet<&'a str>) {
    match value {
        Value::String(text) if is_ambiguous_in_yaml_1_1(text) && emitted_plain(text) => {
            out.insert(text);
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ambiguous(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_ambiguous(v, out)),
        _ => {}
    }
}

/// Whether the emitter writes `text` as a plain scalar (it quotes what YAML
/// 1.2 would read as a number, boolean or null).
fn emitted_plain(text: &str) -> bool {
    serde_yaml_ng::to_string(text).is_ok_and(|yaml| !yaml.starts_with(['\'', '"', '|', '>']))
}

/// The YAML 1.1 booleans and nulls (yaml.org/type/bool, /null), and anything
/// that starts like a number, date or sexagesimal (yaml.org/type/int,
/// /float, /timestamp); `<<` (merge) and `=` (value). Erring on the side of
/// quoting: a quoted string is the same string.
fn is_ambiguous_in_yaml_1_1(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "<<",
        "=",
    ];
    if WORDS.contains(&text) {
        return true;
    }
    let numeric_start = text.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c));
    let numeric_chars = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.:+-".contains(c));
    numeric_start && numeric_chars
}

/// Quotes the plain scalars of `yaml` that are in `ambiguous`: block
/// mapping values (`key: x`) and sequence items (`- x`), outside literal blocks.
fn quote_plain(yaml: &str, ambiguous: &BTreeSet<&str>) -> String {
    let mut out = String::with_capacity(yaml.len() + 64);
    // Indentation of the line that opened a literal block scalar, while in one.
    let mut block: Option<usize> = None;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(opened) = block {
            if line.trim().is_empty() || indent > opened {
                out.push_str(line);
                out.push('\n');
                continue;
            }
            block = None;
        }
        let quoted = split_plain(line)
            .filter(|(_, scalar)| ambiguous.contains(scalar))
            .map(|(head, scalar)| format!("{head}'{scalar}'"));
        out.push_str(quoted.as_deref().unwrap_or(line));
        out.push('\n');
        if ["|", "|-", "|+"].iter().any(|mark| line.ends_with(mark)) {
            block = Some(indent);
        }
    }
    out
}

/// `(head, scalar)` of a line ending in a plain scalar after `key: `, `- `
/// or `- key: `.
fn split_plain(line: &str) -> Option<(&str, &str)> {
    let mut rest = line.trim_start();
    let mut item = false;
    while let Some(after) = rest.strip_prefix("- ") {
        rest = after;
        item = true;
    }
    let scalar = match rest.split_once(": ") {
        Some((key, value))
            if !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ":_".contains(c)) =>
        {
            value
        }
        _ if item => rest,
        _ => return None,
    };
    let at = line.len() - scalar.len();
    (!scalar.is_empty() && !scalar.contains(' ')).then(|| (&line[..at], scalar))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn yaml_1_1_lookalikes_are_quoted() {
        let value = json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "A": ["yes", "on", "No", "1_000", "12:30:00", "plain", "0", "-"],
            "B": {"C": "off", "D": "arn:aws:sns:us-east-1:123456789012:t"},
            "F": [{"Name": "on", "Value": "y"}],
            "E": "line one\nyes\n",
        });
        let text = to_string(&value).expect("yaml");
        for expected in [
            "AWSTemplateFormatVersion: '2010-09-09'",
            "- 'yes'",
            "- 'on'",
            "- 'No'",
            "- '1_000'",
            "- '12:30:00'",
            "- plain",
            "- '0'",
            "  C: 'off'",
            "  D: arn:aws:sns:us-east-1:123456789012:t",
            "- Name: 'on'",
            "  Value: 'y'",
        ] {
            assert!(
                text.lines()
                    .any(|l| l.trim_end() == expected || l.ends_with(expected)),
                "`{expected}` missing from:\n{text}"
            );
        }
        // Inside a literal block nothing changes.
        assert!(text.lines().any(|l| l.trim() == "yes"), "{text}");
    }

    #[test]
    fn ambiguity_follows_yaml_1_1() {
        for text in [
            "yes",
            "Off",
            "~",
            "2010-09-09",
            "1e3",
            "+1",
            ".5",
            "0x1F",
            "1:20",
        ] {
            assert!(is_ambiguous_in_yaml_1_1(text), "{text}");
        }
        for text in [
            "fast",
            "slips-errors",
            "arn:aws:x",
            "event-pusher",
            "a1",
            "yes please",
        ] {
            assert!(!is_ambiguous_in_yaml_1_1(text), "{text}");
        }
    }
}
