//! `syslog`: a syslog line as daemons and relays really write it, into the
//! original's fields `datetime`, `hostname`, `proc_name`, `proc_id` and
//! `message` (RFC 5424 adds `msgid` and `structured_data`). Accepted:
//!
//! - RFC 3164 (BSD): `[<PRI>]Mmm dd hh:mm:ss[.frac] [HOST] TAG[[PID]][:] MESSAGE`,
//!   e.g. `<34>Nov 22 08:15:30 web-1 sshd[4123]: Accepted publickey for ann`.
//!   The host may be missing or empty (a first word that looks like a tag,
//!   `haproxy[73411]:`, is the tag), and the tag may lack its `[pid]` or its
//!   `:` (`master apache_error [Tue ...] ...`).
//! - The same with an RFC 3339 timestamp (rsyslog's high-precision default):
//!   `2026-05-17T17:57:47.009102+00:00 host passwd[123]: ...`.
//! - RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MESSAGE`, `-` for
//!   none.
//!
//! A field a line does not have is `null`. RFC 3164 has no year: the line's
//! date is taken in the current year, or the last one when that would put
//! it more than a day ahead (December logs read in January); it has no zone
//! either, and is read as UTC. The record's tag is left as it was.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, SecondsFormat, TimeDelta, Timelike, Utc};
use serde_json::{Value, json};

use super::item::{Body, Item, Out, ParseError, excerpt};

/// What every error repeats, so a reader of the log sees what was expected.
const SHAPE: &str = "expected a syslog line: RFC 3164 `[<PRI>]Mmm dd hh:mm:ss HOST TAG[PID]: MESSAGE`, \
     the same with an RFC 3339 time, or RFC 5424 `<PRI>1 TIME HOST APP PROCID MSGID SD MESSAGE`";

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    parse_at(item, Utc::now(), out)
}

/// [`parse`] as if it were `now`: RFC 3164 has no year, so the year depends on it.
fn parse_at<'a>(item: Item<'a>, now: DateTime<Utc>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let line = Line::parse(item.body.as_str()?)?;
    let timestamp = match line.when {
        When::Exact(time) => time,
        When::NoYear(month, day, time) => resolve_year(month, day, time, now)?,
    };
    let mut body = json!({
        "datetime": timestamp.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        "hostname": line.hostname,
        "proc_name": line.proc_name,
        "proc_id": line.proc_id,
        "message": line.message,
    });
    if let Some((msgid, structured_data)) = line.rfc5424 {
        body["msgid"] = msgid;
        body["structured_data"] = structured_data;
    }
    out.push(Item {
        tag: item.tag,
        timestamp: Some(timestamp),
        body: Body::Value(body),
    });
    Ok(())
}

/// A line's time: complete, or (RFC 3164) without its year.
enum When {
    Exact(DateTime<Utc>),
    NoYear(u32, u32, NaiveTime),
}

/// The parts of a line, borrowed from it.
struct Line<'s> {
    when: When,
    hostname: Option<&'s str>,
    proc_name: Option<&'s str>,
    proc_id: Option<&'s str>,
    message: &'s str,
    /// RFC 5424's MSGID and STRUCTURED-DATA (`null` when `-`).
    rfc5424: Option<(Value, Value)>,
}

impl<'s> Line<'s> {
    fn parse(text: &'s str) -> Result<Self, ParseError> {
        let text = text.trim_end_matches(['\r', '\n']);
        let (pri, rest) = skip_pri(text)?;
        if pri && let Some(rest) = rest.strip_prefix("1 ") {
            return rfc5424(rest);
        }
        let (when, rest) = if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let (stamp, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            (When::Exact(rfc3339(stamp)?), rest)
        } else {
            let (month, rest) = month(rest)?;
            let (day, rest) = day(rest, month)?;
            let (time, rest) = time(rest)?;
            (When::NoYear(month, day, time), rest)
        };
        let (hostname, proc_name, proc_id, message) = header(rest)?;
        Ok(Line {
            when,
            hostname,
            proc_name,
            proc_id,
            message,
            rfc5424: None,
        })
    }
}

/// `[HOST] TAG[[PID]][:] MESSAGE` after the timestamp: the host is the first
/// word unless that word is empty or looks like a tag (has a `[` or ends
/// with `:`).
type Header<'s> = (Option<&'s str>, Option<&'s str>, Option<&'s str>, &'s str);

fn header(rest: &str) -> Result<Header<'_>, ParseError> {
    let looks_like_tag = |w: &str| w.contains('[') || w.ends_with(':');
    if rest.trim().is_empty() {
        return Err(ParseError::new(format!(
            "{SHAPE}; nothing after the timestamp"
        )));
    }
    let (first, after) = word(rest);
    let (hostname, rest) = if first.is_empty() || looks_like_tag(first) {
        (None, rest.trim_start_matches(' '))
    } else {
        (Some(first), after)
    };
    let (tag, message) = word(rest);
    if tag.is_empty() {
        return Ok((hostname, None, None, message));
    }
    let (name, pid) = match tag.split_once('[') {
        Some((name, bracketed)) => {
            let Some((pid, tail)) = bracketed.split_once(']') else {
                return Err(ParseError::new(format!(
                    "{SHAPE}; the PID of `{name}` has no closing `]`"
                )));
            };
            if !(tail.is_empty() || tail == ":") {
                return Err(ParseError::new(format!(
                    "{SHAPE}; `{tail}` after `{name}[{pid}]`, where `:` or a space belongs"
                )));
            }
            (name, Some(pid))
        }
        None => (tag.strip_suffix(':').unwrap_or(tag), None),
    };
    Ok((hostname, Some(name).filter(|n| !n.is_empty()), pid, message))
}

/// RFC 5424 after `<PRI>1 `: `TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`.
fn rfc5424(rest: &str) -> Result<Line<'_>, ParseError> {
    let mut fields = rest.splitn(6, ' ');
    let mut next = |what: &str| {
        fields
            .next()
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ParseError::new(format!("{SHAPE}; an RFC 5424 line without its {what}")))
    };
    let stamp = next("TIMESTAMP")?;
    let when = match stamp {
        "-" => {
            return Err(ParseError::new(format!(
                "{SHAPE}; an RFC 5424 line without a time (`-`)"
            )));
        }
        stamp => When::Exact(rfc3339(stamp)?),
    };
    let hostname = nil(next("HOSTNAME")?);
    let proc_name = nil(next("APP-NAME")?);
    let proc_id = nil(next("PROCID")?);
    let msgid = nil(next("MSGID")?);
    let tail = fields.next().unwrap_or("");
    let (structured_data, message) = structured_data(tail)?;
    // A message may start with a UTF-8 byte order mark (RFC 5424 section 6.4).
    let message = message.strip_prefix('\u{feff}').unwrap_or(message);
    Ok(Line {
        when,
        hostname,
        proc_name,
        proc_id,
        message,
        rfc5424: Some((msgid.into(), structured_data.into())),
    })
}

/// RFC 5424's STRUCTURED-DATA (`-`, or `[...]` elements in which `\]` is an
/// escaped bracket) and the message after it.
fn structured_data(text: &str) -> Result<(Option<&str>, &str), ParseError> {
    if let Some(rest) = text.strip_prefix('-') {
        return Ok((None, rest.strip_prefix(' ').unwrap_or(rest)));
    }
    let bytes = text.as_bytes();
    let mut end = 0;
    while bytes.get(end) == Some(&b'[') {
        let mut i = end + 1;
        loop {
            match bytes.get(i) {
                Some(b'\\') => i += 2,
                Some(b']') => break,
                Some(_) => i += 1,
                None => {
                    return Err(ParseError::new(format!(
                        "{SHAPE}; RFC 5424 structured data without its closing `]`"
                    )));
                }
            }
        }
        end = i + 1;
    }
    if end == 0 {
        return Err(ParseError::new(format!(
            "{SHAPE}; RFC 5424 structured data is `-` or `[...]`, not {}",
            excerpt(text)
        )));
    }
    let rest = &text[end..];
    Ok((Some(&text[..end]), rest.strip_prefix(' ').unwrap_or(rest)))
}

/// The first word of `text` and what follows its space.
fn word(text: &str) -> (&str, &str) {
    text.split_once(' ').unwrap_or((text, ""))
}

/// An RFC 5424 field: `-` is none.
fn nil(field: &str) -> Option<&str> {
    Some(field).filter(|f| *f != "-")
}

/// An RFC 3339 time, e.g. `2026-05-17T17:57:47.009102+00:00`, as UTC.
fn rfc3339(stamp: &str) -> Result<DateTime<Utc>, ParseError> {
    DateTime::parse_from_rfc3339(stamp)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            ParseError::new(format!(
                "{SHAPE}; {} is not an RFC 3339 time: {e}",
                excerpt(stamp)
            ))
        })
}

/// The line's time in the current year, or in the previous one when that
/// would put it more than a day ahead of `now` (December logs read in
/// January). The day of slack allows for clocks and zones a little ahead.
fn resolve_year(
    month: u32,
    day: u32,
    time: NaiveTime,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ParseError> {
    let in_year =
        |year: i32| NaiveDate::from_ymd_opt(year, month, day).map(|d| d.and_time(time).and_utc());
    let year = now.year();
    match in_year(year) {
        Some(t) if t <= now + TimeDelta::days(1) => Ok(t),
        _ => in_year(year - 1).ok_or_else(|| {
            // Only Feb 29 gets here: the day was checked against a leap year.
            ParseError::new(format!(
                "{} {day} is not a date in {year} nor in {}",
                MONTHS[month as usize - 1],
                year - 1
            ))
        }),
    }
}

/// Skips an optional `<PRI>` (facility × 8 + severity, 0 to 191); whether
/// there was one.
fn skip_pri(text: &str) -> Result<(bool, &str), ParseError> {
    let Some(inner) = text.strip_prefix('<') else {
        return Ok((false, text));
    };
    let bad = || {
        ParseError::new(format!(
            "{SHAPE}; the PRI at the start of {} is not `<0>` to `<191>`",
            excerpt(text)
        ))
    };
    let (pri, rest) = inner.split_once('>').ok_or_else(bad)?;
    if pri.is_empty() || pri.len() > 3 || !pri.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match pri.parse::<u8>() {
        Ok(value) if value <= 191 => Ok((true, rest)),
        _ => Err(bad()),
    }
}

/// `Mmm ` → month number 1 to 12.
fn month(text: &str) -> Result<(u32, &str), ParseError> {
    let name = text.get(..3).unwrap_or(text);
    match MONTHS.iter().position(|m| *m == name) {
        Some(i) if text[3..].starts_with(' ') => Ok((i as u32 + 1, &text[4..])),
        _ => Err(ParseError::new(format!(
            "{SHAPE}; {} does not start with a month `Jan` to `Dec` and a space",
            excerpt(text)
        ))),
    }
}

/// `dd ` or ` d ` (RFC 3164 pads one-digit days with a space; `02` is accepted too).
fn day(text: &str, month: u32) -> Result<(u32, &str), ParseError> {
    let trimmed = text.strip_prefix(' ').unwrap_or(text);
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &trimmed[digits..];
    let day = match trimmed[..digits].parse::<u32>() {
        Ok(day) if (1..=2).contains(&digits) && rest.starts_with(' ') => day,
        _ => {
            return Err(ParseError::new(format!(
                "{SHAPE}; no day of the month 1 to 31 in {}",
                excerpt(text)
            )));
        }
    };
    // Checked against a leap year; the year itself is only known later.
    if NaiveDate::from_ymd_opt(2000, month, day).is_none() {
        return Err(ParseError::new(format!(
            "{SHAPE}; {} {day} is not a date",
            MONTHS[month as usize - 1]
        )));
    }
    Ok((day, &rest[1..]))
}

/// `hh:mm:ss ` or `hh:mm:ss.frac ` (some relays add fractions).
fn time(text: &str) -> Result<(NaiveTime, &str), ParseError> {
    let bad = || {
        ParseError::new(format!(
            "{SHAPE}; {} is not a time `hh:mm:ss` followed by a space",
            excerpt(text)
        ))
    };
    let whole = text
        .get(..8)
        .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M:%S").ok())
        .ok_or_else(bad)?;
    let mut rest = &text[8..];
    let mut time = whole;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        let nanos = fraction[..digits.min(9)]
            .parse::<u32>()
            .ok()
            .map(|n| n * 10u32.pow(9 - digits.min(9) as u32))
            .ok_or_else(bad)?;
        time = whole.with_nanosecond(nanos).ok_or_else(bad)?;
        rest = &fraction[digits..];
    }
    match rest.strip_prefix(' ') {
        Some(rest) => Ok((time, rest)),
        None => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, value as body};
    use chrono::TimeZone;
    use serde_json::Value;

    fn at(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, hour, 0, 0).unwrap()
    }

    fn one(line: &str, now: DateTime<Utc>) -> Result<Item<'_>, ParseError> {
        testing::one(
            |item, out| parse_at(item, now, out),
            Item::text(line.as_bytes()),
        )
    }

    #[test]
    fn reads_an_sshd_line_with_pri_and_pid() {
        let line = "<34>Nov 22 08:15:30 web-1 sshd[4123]: Accepted publickey for ann from 203.0.113.9 port 52311 ssh2";
        let item = one(line, at(2026, 11, 23, 0)).unwrap();
        assert_eq!(item.tag, None);
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30+00:00"
        );
        assert_eq!(
            body(&item),
            &json!({
                "datetime": "2026-11-22T08:15:30Z",
                "hostname": "web-1",
                "proc_name": "sshd",
                "proc_id": "4123",
                "message": "Accepted publickey for ann from 203.0.113.9 port 52311 ssh2",
            })
        );
    }

    #[test]
    fn reads_a_one_digit_day_and_no_pid() {
        let item = one(
            "Nov  2 08:15:30 web-1 kernel: eth0 link up",
            at(2026, 11, 22, 0),
        )
        .unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-02T08:15:30+00:00"
        );
        let value = body(&item);
        assert_eq!(value["proc_name"], "kernel");
        assert_eq!(value["proc_id"], Value::Null);
        assert_eq!(value["message"], "eth0 link up");
        assert_eq!(value["datetime"], "2026-11-02T08:15:30Z");

        // Some senders zero-pad the day instead.
        let item = one(
            "Nov 02 08:15:30 web-1 kernel: eth0 link up",
            at(2026, 11, 22, 0),
        )
        .unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-02T08:15:30+00:00"
        );
    }

    #[test]
    fn keeps_the_tag_and_replaces_the_timestamp() {
        let mut out = Vec::new();
        let line = b"Nov 22 08:15:31 web-1 CRON[9902]: (root) CMD (run-parts /etc/cron.hourly)";
        let item = Item {
            tag: Some("host.syslog".into()),
            timestamp: Some(at(2020, 1, 1, 0)),
            body: Body::Text(line),
        };
        parse_at(item, at(2026, 11, 22, 12), &mut out).unwrap();
        assert_eq!(out[0].tag.as_deref(), Some("host.syslog"));
        assert_eq!(
            out[0].timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:31+00:00"
        );
        assert_eq!(
            body(&out[0])["message"],
            "(root) CMD (run-parts /etc/cron.hourly)"
        );
    }

    #[test]
    fn message_keeps_colons_brackets_and_odd_proc_names() {
        let line = "<22>Nov 22 08:16:02 mx-1 postfix/smtpd[2201]: connect from mail.example.com[198.51.100.7]: port 25";
        let value = body(&one(line, at(2026, 11, 22, 9)).unwrap()).clone();
        assert_eq!(value["hostname"], "mx-1");
        assert_eq!(value["proc_name"], "postfix/smtpd");
        assert_eq!(value["proc_id"], "2201");
        assert_eq!(
            value["message"],
            "connect from mail.example.com[198.51.100.7]: port 25"
        );

        let line = "Nov 22 08:16:05 web-1 kernel: [ 1234.567890] eth0: renamed from veth3c1a";
        let value = body(&one(line, at(2026, 11, 22, 9)).unwrap()).clone();
        assert_eq!(value["proc_id"], Value::Null);
        assert_eq!(
            value["message"],
            "[ 1234.567890] eth0: renamed from veth3c1a"
        );

        let line = "Nov 22 08:16:07 10.0.0.5 systemd-logind[512]:\r";
        let value = body(&one(line, at(2026, 11, 22, 9)).unwrap()).clone();
        assert_eq!(value["hostname"], "10.0.0.5");
        assert_eq!(value["proc_name"], "systemd-logind");
        assert_eq!(value["message"], "");
    }

    #[test]
    fn december_lines_read_in_january_belong_to_last_year() {
        let now = at(2027, 1, 2, 8);
        let item = one("Dec 31 23:59:59 web-1 sshd[1]: bye", now).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-12-31T23:59:59+00:00"
        );
        assert_eq!(body(&item)["datetime"], "2026-12-31T23:59:59Z");
        // Up to a day ahead is this year (a clock or zone slightly ahead)...
        let item = one("Jan  3 07:00:00 web-1 sshd[1]: hi", now).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2027-01-03T07:00:00+00:00"
        );
        // ...further ahead is last year.
        let item = one("Jan  3 09:00:00 web-1 sshd[1]: hi", now).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-01-03T09:00:00+00:00"
        );
    }

    #[test]
    fn feb_29_takes_the_nearest_leap_year_or_fails() {
        let item = one("Feb 29 12:00:00 web-1 sshd[1]: leap", at(2028, 3, 1, 0)).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2028-02-29T12:00:00+00:00"
        );
        let item = one("Feb 29 12:00:00 web-1 sshd[1]: leap", at(2029, 1, 10, 0)).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2028-02-29T12:00:00+00:00"
        );
        let err = one("Feb 29 12:00:00 web-1 sshd[1]: leap", at(2027, 3, 1, 0)).unwrap_err();
        assert_eq!(err.to_string(), "Feb 29 is not a date in 2027 nor in 2026");
    }

    #[test]
    fn uses_the_current_year_by_default() {
        let mut out = Vec::new();
        parse(
            Item::text(b"Jan  1 00:00:00 web-1 ntpd[77]: synced"),
            &mut out,
        )
        .unwrap();
        let year = out[0].timestamp.unwrap().year();
        assert!(
            year == Utc::now().year() || year == Utc::now().year() - 1,
            "{year}"
        );
    }

    #[test]
    fn reads_lines_as_daemons_and_relays_write_them() {
        let now = at(2026, 11, 22, 9);
        let fields = |line: &str| body(&one(line, now).unwrap()).clone();
        // An empty host (two spaces), as syslogd writes a repeated message.
        let value = fields("Feb 22 10:21:43  sshd[1332]: last message repeated 2 times");
        assert_eq!(
            (&value["hostname"], &value["proc_name"], &value["proc_id"]),
            (&Value::Null, &json!("sshd"), &json!("1332"))
        );
        assert_eq!(value["message"], "last message repeated 2 times");
        // No host at all: the first word is a tag.
        let value = fields("<133>Jun 13 16:33:35 haproxy[73411]: Proxy web started.");
        assert_eq!(
            (&value["hostname"], &value["proc_name"], &value["message"]),
            (
                &Value::Null,
                &json!("haproxy"),
                &json!("Proxy web started.")
            )
        );
        // A tag without `[pid]` and without `:`.
        let value = fields(
            "<131>Jun  8 11:54:08 master apache_error [Tue Jun 08 11:54:08.929301 2021] [php7:emerg] rest",
        );
        assert_eq!(
            (&value["hostname"], &value["proc_name"], &value["proc_id"]),
            (&json!("master"), &json!("apache_error"), &Value::Null)
        );
        assert_eq!(
            value["message"],
            "[Tue Jun 08 11:54:08.929301 2021] [php7:emerg] rest"
        );
        // `[pid]` without `:`, and fractions of a second.
        let item = one("Nov 22 08:15:30.250 web-1 sshd[4123] hi", now).unwrap();
        assert_eq!(body(&item)["proc_id"], "4123");
        assert_eq!(body(&item)["message"], "hi");
        assert_eq!(body(&item)["datetime"], "2026-11-22T08:15:30.250Z");
    }

    #[test]
    fn reads_rfc_3339_timestamps_in_utc() {
        let line = "2026-05-17T19:57:47.009102+02:00 host12345 passwd[9999]: pam_unix(passwd:chauthtok): password changed";
        let item = one(line, at(2026, 11, 22, 9)).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-05-17T17:57:47.009102+00:00"
        );
        let value = body(&item);
        assert_eq!(value["datetime"], "2026-05-17T17:57:47.009102Z");
        assert_eq!(
            (&value["hostname"], &value["proc_name"], &value["proc_id"]),
            (&json!("host12345"), &json!("passwd"), &json!("9999"))
        );
        assert_eq!(
            value["message"],
            "pam_unix(passwd:chauthtok): password changed"
        );
        let value = body(
            &one(
                "<30>2026-05-17T17:57:47Z web-1 kernel: up",
                at(2026, 11, 22, 9),
            )
            .unwrap(),
        )
        .clone();
        assert_eq!(value["proc_name"], "kernel");
    }

    #[test]
    fn reads_rfc_5424() {
        let now = at(2026, 11, 22, 9);
        let line = "<34>1 2026-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed for lonvick";
        let item = one(line, now).unwrap();
        assert_eq!(
            body(&item),
            &json!({
                "datetime": "2026-10-11T22:14:15.003Z",
                "hostname": "mymachine.example.com",
                "proc_name": "su",
                "proc_id": null,
                "message": "'su root' failed for lonvick",
                "msgid": "ID47",
                "structured_data": null,
            })
        );
        let line = r#"<165>1 2026-10-11T22:14:15.003000-07:00 web-1 evntslog 8710 ID47 [exampleSDID@32473 iut="3" eventSource="App\]lication"][x@1 a="b"] An application event"#;
        let value = body(&one(line, now).unwrap()).clone();
        assert_eq!(value["datetime"], "2026-10-12T05:14:15.003Z");
        assert_eq!(value["proc_id"], "8710");
        assert_eq!(
            value["structured_data"],
            r#"[exampleSDID@32473 iut="3" eventSource="App\]lication"][x@1 a="b"]"#
        );
        assert_eq!(value["message"], "An application event");
        let value = body(&one("<13>1 2026-10-11T22:14:15Z - - - - -", now).unwrap()).clone();
        assert_eq!(
            (&value["hostname"], &value["message"]),
            (&Value::Null, &json!(""))
        );
    }

    #[test]
    fn rejects_lines_that_are_not_syslog() {
        let now = at(2026, 11, 22, 9);
        for (line, expected) in [
            ("", "does not start with a month"),
            ("hello world", "does not start with a month"),
            (
                "2026-11-22 08:15:30 web-1 sshd[1]: hi",
                "not an RFC 3339 time",
            ),
            ("<999>Nov 22 08:15:30 web-1 sshd[1]: hi", "PRI"),
            ("<3x>Nov 22 08:15:30 web-1 sshd[1]: hi", "PRI"),
            ("<34 Nov 22 08:15:30 web-1 sshd[1]: hi", "PRI"),
            ("Noz 22 08:15:30 web-1 sshd[1]: hi", "month"),
            ("November 22 08:15:30 web-1 sshd[1]: hi", "month"),
            ("Nov 222 08:15:30 web-1 sshd[1]: hi", "day of the month"),
            ("Nov 32 08:15:30 web-1 sshd[1]: hi", "Nov 32 is not a date"),
            ("Nov 31 08:15:30 web-1 sshd[1]: hi", "Nov 31 is not a date"),
            ("Feb 30 08:15:30 web-1 sshd[1]: hi", "Feb 30 is not a date"),
            ("Nov  0 08:15:30 web-1 sshd[1]: hi", "Nov 0 is not a date"),
            ("Nov 22 8:15:30 web-1 sshd[1]: hi", "is not a time"),
            ("Nov 22 25:15:30 web-1 sshd[1]: hi", "is not a time"),
            ("Nov 22 08:15:30", "is not a time"),
            ("Nov 22 08:15:30 ", "nothing after the timestamp"),
            ("Nov 22 08:15:30 web-1 sshd[4123 oops", "no closing `]`"),
            (
                "Nov 22 08:15:30 web-1 sshd[4123]x hi",
                "where `:` or a space belongs",
            ),
            ("<34>1 - web-1 su - - - hi", "without a time"),
            ("<34>1 2026-10-11T22:14:15Z web-1 su", "without its PROCID"),
            (
                "<34>1 2026-10-11T22:14:15Z h a p m [x a=\"1\" hi",
                "closing `]`",
            ),
            (
                "<34>1 2026-10-11T22:14:15Z h a p m x hi",
                "structured data is `-` or `[...]`",
            ),
        ] {
            let err = one(line, now).unwrap_err().to_string();
            assert!(err.contains(expected), "{line:?}: {err}");
            assert!(err.contains("expected a syslog line"), "{line:?}: {err}");
        }
    }

    #[test]
    fn rejects_what_is_not_text() {
        let mut out = Vec::new();
        let err = parse(Item::text(b"Nov 22 08:15:30 web-1 sshd[1]: \xff"), &mut out).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        let built = testing::item(Body::Value(json!({"a": 1})));
        assert!(parse(built, &mut out).is_err());
        assert!(out.is_empty());
    }
}
