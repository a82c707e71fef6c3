//! `syslog`: one RFC 3164 (BSD syslog) line, e.g.
//! `<34>Nov 22 08:15:30 web-1 sshd[4123]: Accepted publickey for ann from 203.0.113.9 port 52311 ssh2`,
//! into `datetime`, `hostname`, `proc_name`, `proc_id` and `message`. The
//! `<PRI>` and the `[pid]` are optional; the record's tag is left as it was.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, SecondsFormat, TimeDelta, Utc};
use serde_json::json;

use super::item::{Body, Item, Out, ParseError, prefix};

/// What every error repeats, so a reader of the log sees what was expected.
const SHAPE: &str =
    "expected an RFC 3164 syslog line `[<PRI>]Mmm dd hh:mm:ss HOST PROC[PID]: MESSAGE`";

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    parse_at(item, Utc::now(), out)
}

/// [`parse`] as if it were `now`: RFC 3164 has no year, so the year depends on it.
fn parse_at<'a>(item: Item<'a>, now: DateTime<Utc>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let line = Line::parse(item.body.as_str()?)?;
    let timestamp = line.resolve_year(now)?;
    let body = json!({
        "datetime": timestamp.to_rfc3339_opts(SecondsFormat::Secs, true),
        "hostname": line.hostname,
        "proc_name": line.proc_name,
        "proc_id": line.proc_id,
        "message": line.message,
    });
    out.push(Item {
        tag: item.tag,
        timestamp: Some(timestamp),
        body: Body::Value(body),
    });
    Ok(())
}

/// The parts of a line, borrowed from it.
struct Line<'s> {
    month: u32,
    day: u32,
    time: NaiveTime,
    hostname: &'s str,
    proc_name: &'s str,
    proc_id: Option<&'s str>,
    message: &'s str,
}

impl<'s> Line<'s> {
    fn parse(text: &'s str) -> Result<Self, ParseError> {
        let text = text.trim_end_matches(['\r', '\n']);
        let rest = skip_pri(text)?;

        let (month, rest) = month(rest)?;
        let (day, rest) = day(rest, month)?;
        let (time, rest) = time(rest)?;

        let (hostname, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        if hostname.is_empty() {
            return Err(ParseError::new(format!(
                "{SHAPE}; no HOST after the timestamp"
            )));
        }

        // PROC ends at `[` (a pid follows) or `:`; a space first means no tag.
        let end = rest.find(['[', ':', ' ']).unwrap_or(rest.len());
        let proc_name = &rest[..end];
        let mut after = &rest[end..];
        if proc_name.is_empty() || !(after.starts_with('[') || after.starts_with(':')) {
            return Err(ParseError::new(format!(
                "{SHAPE}; no `PROC:` or `PROC[PID]:` after the host `{hostname}` in `{rest}`"
            )));
        }
        let mut proc_id = None;
        if let Some(bracketed) = after.strip_prefix('[') {
            let Some((pid, tail)) = bracketed.split_once(']') else {
                return Err(ParseError::new(format!(
                    "{SHAPE}; the PID of `{proc_name}` has no closing `]`"
                )));
            };
            proc_id = Some(pid);
            after = tail;
        }
        let Some(message) = after.strip_prefix(':') else {
            return Err(ParseError::new(format!(
                "{SHAPE}; no `:` after `{}`",
                &rest[..rest.len() - after.len()]
            )));
        };
        let message = message.strip_prefix(' ').unwrap_or(message);

        Ok(Line {
            month,
            day,
            time,
            hostname,
            proc_name,
            proc_id,
            message,
        })
    }

    /// The line's time in the current year, or in the previous one when that
    /// would put it more than a day ahead of `now` (December logs read in
    /// January). The day of slack allows for clocks and zones a little ahead.
    fn resolve_year(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, ParseError> {
        let in_year = |year: i32| {
            NaiveDate::from_ymd_opt(year, self.month, self.day)
                .map(|d| d.and_time(self.time).and_utc())
        };
        let year = now.year();
        match in_year(year) {
            Some(t) if t <= now + TimeDelta::days(1) => Ok(t),
            _ => in_year(year - 1).ok_or_else(|| {
                // Only Feb 29 gets here: the day was checked against a leap year.
                ParseError::new(format!(
                    "{} {} is not a date in {year} nor in {}",
                    MONTHS[self.month as usize - 1],
                    self.day,
                    year - 1
                ))
            }),
        }
    }
}

/// Skips an optional `<PRI>`: facility × 8 + severity, 0 to 191.
fn skip_pri(text: &str) -> Result<&str, ParseError> {
    let Some(inner) = text.strip_prefix('<') else {
        return Ok(text);
    };
    let bad = || {
        ParseError::new(format!(
            "{SHAPE}; the PRI at the start of `{}` is not `<0>` to `<191>`",
            prefix(text, 16)
        ))
    };
    let (pri, rest) = inner.split_once('>').ok_or_else(bad)?;
    if pri.is_empty() || pri.len() > 3 || !pri.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match pri.parse::<u8>() {
        Ok(value) if value <= 191 => Ok(rest),
        _ => Err(bad()),
    }
}

/// `Mmm ` → month number 1 to 12.
fn month(text: &str) -> Result<(u32, &str), ParseError> {
    let name = text.get(..3).unwrap_or(text);
    match MONTHS.iter().position(|m| *m == name) {
        Some(i) if text[3..].starts_with(' ') => Ok((i as u32 + 1, &text[4..])),
        _ => Err(ParseError::new(format!(
            "{SHAPE}; `{}` does not start with a month `Jan` to `Dec` and a space",
            prefix(text, 16)
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
                "{SHAPE}; no day of the month 1 to 31 in `{}`",
                prefix(text, 16)
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

/// `hh:mm:ss `.
fn time(text: &str) -> Result<(NaiveTime, &str), ParseError> {
    let parsed = text
        .get(..8)
        .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M:%S").ok());
    match parsed {
        Some(time) if text[8..].starts_with(' ') => Ok((time, &text[9..])),
        _ => Err(ParseError::new(format!(
            "{SHAPE}; `{}` is not a time `hh:mm:ss` followed by a space",
            prefix(text, 16)
        ))),
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
    fn rejects_lines_that_are_not_rfc_3164() {
        let now = at(2026, 11, 22, 9);
        for (line, expected) in [
            ("", "does not start with a month"),
            (
                "2026-11-22T08:15:30Z web-1 sshd[1]: hi",
                "does not start with a month",
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
            ("Nov 22 08:15:30 ", "no HOST"),
            ("Nov 22 08:15:30 web-1", "no `PROC:`"),
            (
                "Nov 22 08:15:30 web-1 last message repeated 3 times",
                "no `PROC:`",
            ),
            ("Nov 22 08:15:30 web-1 sshd[4123 oops", "no closing `]`"),
            (
                "Nov 22 08:15:30 web-1 sshd[4123] hi",
                "no `:` after `sshd[4123]`",
            ),
        ] {
            let err = one(line, now).unwrap_err().to_string();
            assert!(err.contains(expected), "{line:?}: {err}");
            assert!(err.contains("RFC 3164"), "{line:?}: {err}");
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
