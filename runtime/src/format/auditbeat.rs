//! `auditbeat`: one Auditbeat event of the auditd module (JSON), tagged
//! `auditbeat.auditd`, with a one-line `message` saying who did what to what.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::item::{Body, Item, Out, ParseError, as_text};
use super::time;

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let mut event = item.body.into_object("an Auditbeat event")?;
    let timestamp = time::from_field("@timestamp", event.get("@timestamp"))?.or(item.timestamp);
    let message = summary(&event);
    // Auditbeat writes no `message` for auditd events; one set upstream is replaced.
    event.insert("message".into(), Value::String(message));
    out.push(Item {
        tag: Some("auditbeat.auditd".into()),
        timestamp,
        body: Body::Value(Value::Object(event)),
    });
    Ok(())
}

/// `<actor> <action> <object>[ via <how>] (<result>)`, from the summary the
/// auditd module already derives from the raw audit records:
///
/// - actor: `auditd.summary.actor.primary` (the login user, auid), followed
///   by `as <secondary>` (the user it acted as, uid) when that differs; auditd
///   writes `unset` for a process no one logged in to start (daemons), which
///   leaves the secondary alone. Without a summary, `user.name`.
/// - action: `event.action`, e.g. `executed`, `opened-file`, `logged-in`.
/// - object: `auditd.summary.object.type` and `.primary`, e.g. `file /etc/shadow`.
/// - how: `auditd.summary.how` (usually the executable), left out when missing
///   or the same as the object (as for `executed`).
/// - result: `event.outcome` (ECS), else `auditd.result` (Auditbeat 6).
///
/// Missing parts are `-`: e.g. `alice as root opened-file file /etc/shadow via
/// /usr/bin/vim (success)`, or `- - - (-)` for an event with none of these.
fn summary(event: &Map<String, Value>) -> String {
    let actor_primary = as_text(at(event, &["auditd", "summary", "actor", "primary"]));
    let actor_secondary = as_text(at(event, &["auditd", "summary", "actor", "secondary"]));
    let actor = match (
        actor_primary.filter(|name| name != "unset"),
        actor_secondary.filter(|name| name != "unset"),
    ) {
        (Some(primary), Some(secondary)) if primary != secondary => {
            Cow::Owned(format!("{primary} as {secondary}"))
        }
        (Some(actor), _) | (None, Some(actor)) => actor,
        (None, None) => as_text(at(event, &["user", "name"])).unwrap_or(Cow::Borrowed("-")),
    };
    let action = as_text(at(event, &["event", "action"]));
    let object_type = as_text(at(event, &["auditd", "summary", "object", "type"]));
    let object_primary = as_text(at(event, &["auditd", "summary", "object", "primary"]));
    let how = as_text(at(event, &["auditd", "summary", "how"]))
        .filter(|how| Some(how) != object_primary.as_ref());
    let object = match (object_type, &object_primary) {
        (Some(kind), Some(primary)) => Cow::Owned(format!("{kind} {primary}")),
        (None, Some(primary)) => Cow::Borrowed(primary.as_ref()),
        (Some(kind), None) => kind,
        (None, None) => Cow::Borrowed("-"),
    };
    let result = as_text(at(event, &["event", "outcome"]))
        .or_else(|| as_text(at(event, &["auditd", "result"])));
    let mut line = format!("{actor} {} {object}", action.as_deref().unwrap_or("-"));
    if let Some(how) = how {
        line.push_str(" via ");
        line.push_str(&how);
    }
    line.push_str(" (");
    line.push_str(result.as_deref().unwrap_or("-"));
    line.push(')');
    line
}

/// The value at `path` through nested objects.
fn at<'v>(event: &'v Map<String, Value>, path: &[&str]) -> Option<&'v Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(event.get(*first)?, |value, key| value.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, item, value};
    use serde_json::json;

    // Auditbeat 7.17: `sudo id` typed by alice, the execve seen as root.
    const EXECVE: &str = r#"{"@timestamp":"2026-11-22T08:15:30.123Z","agent":{"type":"auditbeat","version":"7.17.18","hostname":"web-01"},"ecs":{"version":"1.12.0"},"host":{"name":"web-01"},"service":{"type":"auditd"},"event":{"module":"auditd","category":["process"],"type":["start"],"action":"executed","outcome":"success","kind":"event"},"user":{"id":"0","name":"root","audit":{"id":"1000","name":"alice"},"effective":{"id":"0","name":"root"},"saved":{"id":"0","name":"root"},"filesystem":{"id":"0","name":"root"},"group":{"id":"0","name":"root"}},"process":{"pid":4242,"ppid":4241,"title":"id","name":"id","executable":"/usr/bin/id","working_directory":"/home/alice","args":["id"]},"auditd":{"sequence":18827,"result":"success","session":"3","data":{"a0":"55d1c0e4a0e0","a1":"55d1c0e4b1f0","a2":"55d1c0e4c200","a3":"0","arch":"x86_64","argc":"1","exit":"0","syscall":"execve","tty":"pts0"},"summary":{"actor":{"primary":"alice","secondary":"root"},"object":{"type":"file","primary":"/usr/bin/id"},"how":"/usr/bin/id"},"paths":[{"name":"/usr/bin/id","inode":"1051320","dev":"fd:00","mode":"0100755","ouid":"0","ogid":"0","nametype":"NORMAL"}]},"tags":["audit"]}"#;

    // A daemon (no login user) binding a socket.
    const BIND: &str = r#"{"@timestamp":"2026-11-22T08:16:00.500Z","event":{"module":"auditd","category":["network"],"action":"bound-socket","outcome":"success","kind":"event"},"user":{"id":"108","name":"avahi"},"process":{"pid":611,"name":"avahi-daemon","executable":"/usr/sbin/avahi-daemon"},"auditd":{"sequence":20101,"result":"success","session":"unset","summary":{"actor":{"primary":"unset","secondary":"avahi"},"object":{"type":"socket","primary":"0.0.0.0","secondary":"5353"},"how":"/usr/sbin/avahi-daemon"},"data":{"syscall":"bind","socket":{"family":"ipv4","addr":"0.0.0.0","port":"5353"}}},"destination":{"ip":"0.0.0.0","port":"5353"}}"#;

    // A failed SSH login.
    const LOGIN: &str = r#"{"@timestamp":"2026-11-22T08:17:42Z","event":{"module":"auditd","category":["authentication"],"type":["start"],"action":"logged-in","outcome":"failure","kind":"event"},"user":{"id":"0","name":"root","audit":{"id":"unset"}},"source":{"ip":"203.0.113.50"},"process":{"pid":9102,"executable":"/usr/sbin/sshd"},"auditd":{"message_type":"user_login","sequence":20550,"result":"fail","session":"unset","summary":{"actor":{"primary":"unset","secondary":"root"},"object":{"type":"user-session","primary":"ssh","secondary":"203.0.113.50"},"how":"/usr/sbin/sshd"},"data":{"acct":"root","op":"login","terminal":"ssh","hostname":"203.0.113.50","addr":"203.0.113.50"}}}"#;

    // Auditbeat 6.x: no `event.outcome`, and here no summary either.
    const MODULE_6: &str = r#"{"@timestamp":"2026-11-22T08:18:00.000Z","beat":{"name":"db-01","version":"6.8.23"},"event":{"module":"auditd","category":"kernel-module","action":"loaded-kernel-module"},"user":{"uid":"0","name":"root"},"auditd":{"sequence":301,"result":"success","session":"5","data":{"syscall":"finit_module","name":"nf_tables"}}}"#;

    fn run(body: Body<'_>) -> Result<Item<'_>, ParseError> {
        testing::one(parse, item(body))
    }

    fn message(item: &Item<'_>) -> Value {
        value(item)["message"].clone()
    }

    #[test]
    fn tags_times_and_summarizes_auditd_events() {
        let item = run(Body::Text(EXECVE.as_bytes())).unwrap();
        assert_eq!(item.tag.as_deref(), Some("auditbeat.auditd"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30.123+00:00"
        );
        assert_eq!(
            message(&item),
            "alice as root executed file /usr/bin/id (success)"
        );

        let item = run(Body::Text(BIND.as_bytes())).unwrap();
        assert_eq!(
            message(&item),
            "avahi bound-socket socket 0.0.0.0 via /usr/sbin/avahi-daemon (success)"
        );

        let item = run(Body::Text(LOGIN.as_bytes())).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:17:42+00:00"
        );
        assert_eq!(
            message(&item),
            "root logged-in user-session ssh via /usr/sbin/sshd (failure)"
        );
    }

    #[test]
    fn older_events_fall_back_to_user_name_and_auditd_result() {
        let item = run(Body::Text(MODULE_6.as_bytes())).unwrap();
        assert_eq!(message(&item), "root loaded-kernel-module - (success)");
    }

    #[test]
    fn missing_parts_are_dashes() {
        let item = run(Body::Text(b"{}")).unwrap();
        assert_eq!(item.tag.as_deref(), Some("auditbeat.auditd"));
        assert_eq!(item.timestamp, None);
        assert_eq!(message(&item), "- - - (-)");

        let partial = br#"{"event":{"action":"opened-file"},"auditd":{"summary":{"actor":{"primary":"bob","secondary":"bob"},"object":{"primary":"/etc/shadow"},"how":"/usr/bin/vim"}}}"#;
        assert_eq!(
            message(&run(Body::Text(partial)).unwrap()),
            "bob opened-file /etc/shadow via /usr/bin/vim (-)"
        );
        let no_primary = br#"{"event":{"action":"changed-audit-configuration","outcome":"success"},"auditd":{"summary":{"actor":{"primary":"alice"},"object":{"type":"audit-config"}}}}"#;
        assert_eq!(
            message(&run(Body::Text(no_primary)).unwrap()),
            "alice changed-audit-configuration audit-config (success)"
        );
    }

    #[test]
    fn keeps_every_field_and_replaces_a_message() {
        let item = run(Body::Json(EXECVE.as_bytes())).unwrap();
        let mut expected: Map<String, Value> = serde_json::from_str(EXECVE).unwrap();
        expected.insert(
            "message".into(),
            json!("alice as root executed file /usr/bin/id (success)"),
        );
        assert_eq!(item.body, Body::Value(Value::Object(expected)));

        let tagged = br#"{"message":"from a shipper","event":{"action":"executed"},"user":{"name":"www-data"}}"#;
        assert_eq!(
            message(&run(Body::Text(tagged)).unwrap()),
            "www-data executed - (-)"
        );
    }

    #[test]
    fn reads_text_json_and_built_values_alike() {
        testing::assert_bodies_alike(parse, LOGIN);
    }

    #[test]
    fn an_event_without_time_keeps_the_earlier_timestamp() {
        let earlier = time::iso8601("2026-11-22T09:00:00Z").unwrap();
        let record = Item {
            timestamp: Some(earlier),
            ..item(Body::Text(br#"{"event":{"action":"executed"}}"#))
        };
        let out = testing::run(parse, record).unwrap();
        assert_eq!(out[0].timestamp, Some(earlier));
    }

    #[test]
    fn bad_events_are_errors() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"@timestamp":"22/Nov/2026"}"#,
                "@timestamp: `22/Nov/2026` is not an ISO 8601 time",
            ),
            (r#"{"@timestamp":null}"#, "@timestamp: null is not a time"),
            (
                r#"[{"event":{}}]"#,
                "expected an Auditbeat event (a JSON object)",
            ),
            (r#"{"event":{"action":"executed"}"#, "JSON: EOF"),
            (
                "type=SYSCALL msg=audit(1795335330.123:18827): arch=c000003e syscall=59",
                "JSON: expected ident",
            ),
        ];
        for (line, expected) in cases {
            let err = run(Body::Text(line.as_bytes())).unwrap_err();
            assert!(err.to_string().starts_with(expected), "{line}: {err}");
        }
    }
}
