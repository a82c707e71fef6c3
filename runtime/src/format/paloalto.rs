//! `paloalto`: one PAN-OS TRAFFIC or THREAT log line in the syslog CSV format,
//! e.g. `1,2026/11/22 08:15:31,012801096514,TRAFFIC,end,2305,2026/11/22 08:15:31,10.0.1.101,203.0.113.80,...`,
//! into an object keyed by the PAN-OS field names (9.1 lists; columns past
//! them, from newer releases, are named `column_N`).

use chrono::{DateTime, NaiveDateTime, Utc};
use csv::StringRecord;
use serde_json::{Map, Value};

use super::item::{Body, Item, Out, ParseError};

const SHAPE: &str =
    "expected a PAN-OS syslog CSV line `FUTURE_USE,Receive Time,Serial Number,Type,...`";

/// Column 4: `TRAFFIC`, `THREAT`, `SYSTEM`, `CONFIG`, ...
const TYPE_COLUMN: usize = 3;
/// Column 7, in every log type.
const GENERATED_TIME: usize = 6;
const TIME_FORMAT: &str = "%Y/%m/%d %H:%M:%S";

/// One supported log type.
struct LogType {
    tag: &'static str,
    fields: &'static [&'static str],
    /// Index of `Start Time`, when the type has one.
    start_time: Option<usize>,
}

const TRAFFIC: LogType = LogType {
    tag: "paloalto.traffic",
    fields: TRAFFIC_FIELDS,
    start_time: Some(35),
};

const THREAT: LogType = LogType {
    tag: "paloalto.threat",
    fields: THREAT_FIELDS,
    start_time: None,
};

/// The first columns, alike in TRAFFIC and THREAT logs (up to `Flags`).
/// In every list, repeated FUTURE_USE columns are numbered so that no key is lost.
const COMMON_FIELDS: &[&str] = &[
    "FUTURE_USE",
    "Receive Time",
    "Serial Number",
    "Type",
    "Threat/Content Type",
    "FUTURE_USE_2",
    "Generated Time",
    "Source Address",
    "Destination Address",
    "NAT Source IP",
    "NAT Destination IP",
    "Rule Name",
    "Source User",
    "Destination User",
    "Application",
    "Virtual System",
    "Source Zone",
    "Destination Zone",
    "Inbound Interface",
    "Outbound Interface",
    "Log Action",
    "FUTURE_USE_3",
    "Session ID",
    "Repeat Count",
    "Source Port",
    "Destination Port",
    "NAT Source Port",
    "NAT Destination Port",
    "Flags",
];

/// PAN-OS 9.1 "Traffic Log Fields" (8.x lines stop after `SCTP Chunks Received`).
const TRAFFIC_FIELDS: &[&str] = &fields::<75>(&[
    "Protocol",
    "Action",
    "Bytes",
    "Bytes Sent",
    "Bytes Received",
    "Packets",
    "Start Time",
    "Elapsed Time",
    "Category",
    "FUTURE_USE_4",
    "Sequence Number",
    "Action Flags",
    "Source Location",
    "Destination Location",
    "FUTURE_USE_5",
    "Packets Sent",
    "Packets Received",
    "Session End Reason",
    "Device Group Hierarchy Level 1",
    "Device Group Hierarchy Level 2",
    "Device Group Hierarchy Level 3",
    "Device Group Hierarchy Level 4",
    "Virtual System Name",
    "Device Name",
    "Action Source",
    "Source VM UUID",
    "Destination VM UUID",
    "Tunnel ID/IMSI",
    "Monitor Tag/IMEI",
    "Parent Session ID",
    "Parent Start Time",
    "Tunnel Type",
    "SCTP Association ID",
    "SCTP Chunks",
    "SCTP Chunks Sent",
    "SCTP Chunks Received",
    "Rule UUID",
    "HTTP/2 Connection",
    "App Flap Count",
    "Policy ID",
    "Link Switches",
    "SD-WAN Cluster",
    "SD-WAN Device Type",
    "SD-WAN Cluster Type",
    "SD-WAN Site",
    "Dynamic User Group Name",
]);

/// PAN-OS 9.1 "Threat Log Fields" (8.x lines stop after `HTTP Headers`).
const THREAT_FIELDS: &[&str] = &fields::<79>(&[
    "IP Protocol",
    "Action",
    "URL/Filename",
    "Threat ID",
    "Category",
    "Severity",
    "Direction",
    "Sequence Number",
    "Action Flags",
    "Source Location",
    "Destination Location",
    "FUTURE_USE_4",
    "Content Type",
    "PCAP_ID",
    "File Digest",
    "Cloud",
    "URL Index",
    "User Agent",
    "File Type",
    "X-Forwarded-For",
    "Referer",
    "Sender",
    "Subject",
    "Recipient",
    "Report ID",
    "Device Group Hierarchy Level 1",
    "Device Group Hierarchy Level 2",
    "Device Group Hierarchy Level 3",
    "Device Group Hierarchy Level 4",
    "Virtual System Name",
    "Device Name",
    "FUTURE_USE_5",
    "Source VM UUID",
    "Destination VM UUID",
    "HTTP Method",
    "Tunnel ID/IMSI",
    "Monitor Tag/IMEI",
    "Parent Session ID",
    "Parent Start Time",
    "Tunnel Type",
    "Threat Category",
    "Content Version",
    "FUTURE_USE_6",
    "SCTP Association ID",
    "Payload Protocol ID",
    "HTTP Headers",
    "URL Category List",
    "Rule UUID",
    "HTTP/2 Connection",
    "Dynamic User Group Name",
]);

/// [`COMMON_FIELDS`] followed by the columns of one log type; `N`, the
/// length of the whole, is checked when the crate is compiled.
const fn fields<const N: usize>(own: &[&'static str]) -> [&'static str; N] {
    assert!(
        COMMON_FIELDS.len() + own.len() == N,
        "wrong number of fields"
    );
    let mut all = [""; N];
    let mut i = 0;
    while i < N {
        all[i] = if i < COMMON_FIELDS.len() {
            COMMON_FIELDS[i]
        } else {
            own[i - COMMON_FIELDS.len()]
        };
        i += 1;
    }
    all
}

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let line = item.body.as_str()?.trim_end_matches(['\r', '\n']);
    let record = read_record(line)?;
    let log_type = match record.get(TYPE_COLUMN) {
        Some("TRAFFIC") => &TRAFFIC,
        Some("THREAT") => &THREAT,
        Some(other) => {
            return Err(ParseError::new(format!(
                "Type (column {}) is `{other}`; only TRAFFIC and THREAT logs are supported",
                TYPE_COLUMN + 1
            )));
        }
        None => {
            return Err(ParseError::new(format!(
                "{SHAPE}; found {} columns, too few to hold the Type (column {})",
                record.len(),
                TYPE_COLUMN + 1
            )));
        }
    };
    let timestamp = timestamp(&record, log_type)?;

    let mut object = Map::with_capacity(record.len());
    for (i, value) in record.iter().enumerate() {
        let name = match log_type.fields.get(i) {
            Some(name) => (*name).to_string(),
            None => format!("column_{}", i + 1),
        };
        object.insert(name, Value::String(value.to_string()));
    }
    out.push(Item {
        tag: Some(log_type.tag.to_string()),
        timestamp: Some(timestamp),
        body: Body::Value(Value::Object(object)),
    });
    Ok(())
}

/// The line's fields, unquoted (a quoted field may hold commas).
fn read_record(line: &str) -> Result<StringRecord, ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        // The whole line is in memory: a buffer its size spares the default 8 KiB.
        .buffer_capacity(line.len().max(1))
        .from_reader(line.as_bytes());
    let csv_error = |e: csv::Error| ParseError::new(format!("{SHAPE}; CSV: {e}"));
    let mut record = StringRecord::new();
    if !reader.read_record(&mut record).map_err(csv_error)? {
        return Err(ParseError::new(format!("{SHAPE}; the line is empty")));
    }
    if reader
        .read_record(&mut StringRecord::new())
        .map_err(csv_error)?
    {
        return Err(ParseError::new(format!(
            "{SHAPE}; the record holds more than one line (read objects with s3-lines)"
        )));
    }
    Ok(record)
}

/// `Start Time` when the log has a non-empty one, else `Generated Time`.
fn timestamp(record: &StringRecord, log_type: &LogType) -> Result<DateTime<Utc>, ParseError> {
    let index = log_type
        .start_time
        .filter(|&i| record.get(i).is_some_and(|v| !v.trim().is_empty()))
        .unwrap_or(GENERATED_TIME);
    let name = log_type.fields[index];
    let text = record.get(index).unwrap_or_default().trim();
    if text.is_empty() {
        return Err(ParseError::new(format!(
            "{name} (column {}) is missing or empty; the record has no time",
            index + 1
        )));
    }
    NaiveDateTime::parse_from_str(text, TIME_FORMAT)
        .map(|t| t.and_utc())
        .map_err(|_| {
            ParseError::new(format!(
                "{name} (column {}): {} is not a time `YYYY/MM/DD hh:mm:ss`",
                index + 1,
                super::item::excerpt(text)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, object as fields_of};
    use std::collections::HashSet;

    /// A PAN-OS 9.0 traffic log: 67 columns, up to HTTP/2 Connection.
    const TRAFFIC_90: &str = r"1,2026/11/22 08:15:31,012801096514,TRAFFIC,end,2305,2026/11/22 08:15:31,10.0.1.101,203.0.113.80,192.0.2.20,203.0.113.80,allow-outbound-web,example\ann,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default-logging,2026/11/22 08:15:31,34127,1,54958,443,17891,443,0x40001c,tcp,allow,8152,1792,6360,31,2026/11/22 08:14:58,33,computer-and-internet-info,0,6698456,0x0,10.0.0.0-10.255.255.255,United States,0,14,17,tcp-fin,0,0,0,0,,PA-VM,from-policy,,,0,,0,,N/A,0,0,0,0,a3bc7eab-3f1c-4a8e-9a3e-1c2d3e4f5a6b,0";

    /// A PAN-OS 9.1 URL-filtering threat log: 79 columns, quoted fields holding commas.
    const THREAT_91: &str = r#"1,2026/11/22 08:15:32,012801096514,THREAT,url,2305,2026/11/22 08:15:32,10.0.1.101,198.51.100.23,192.0.2.20,198.51.100.23,allow-outbound-web,example\ann,,web-browsing,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default-logging,2026/11/22 08:15:32,34188,1,55012,80,17950,80,0x40b000,tcp,alert,"downloads.example.com/get?id=7,8",(9999),computer-and-internet-info,informational,client-to-server,6698502,0x8000000000000000,10.0.0.0-10.255.255.255,United States,0,text/html,0,,,1,"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",,,,,,,0,0,0,0,0,,PA-VM,,,,get,0,,0,,N/A,unknown,AppThreat-8405-7070,0x0,0,0,,"computer-and-internet-info,low-risk",a3bc7eab-3f1c-4a8e-9a3e-1c2d3e4f5a6b,0,"#;

    /// A PAN-OS 8.1 vulnerability threat log, as forwarded with its syslog header.
    const THREAT_81: &str = r#"<14>Nov 22 08:20:11 PA-VM 1,2026/11/22 08:20:11,012801096514,THREAT,vulnerability,2305,2026/11/22 08:20:10,203.0.113.45,10.0.2.15,203.0.113.45,192.0.2.30,inbound-web,,,web-browsing,vsys1,untrust,dmz,ethernet1/1,ethernet1/3,default-logging,2026/11/22 08:20:11,51234,1,41872,80,41872,80,0x402000,tcp,reset-both,"struts2-showcase/index.action",Apache Struts2 Remote Code Execution Vulnerability(33948),any,critical,client-to-server,6698777,0x8000000000000000,Japan,10.0.0.0-10.255.255.255,0,,0,,,0,,,,,,,,0,0,0,0,0,,PA-VM,,,,post,0,,0,,N/A,code-execution,8405-7070,0x0,0,0,"#;

    fn one(line: &str) -> Result<Item<'_>, ParseError> {
        testing::one(parse, Item::text(line.as_bytes()))
    }

    #[test]
    fn field_lists_match_pan_os() {
        for (fields, len) in [(TRAFFIC_FIELDS, 75), (THREAT_FIELDS, 79)] {
            assert_eq!(fields.len(), len);
            assert_eq!(
                fields.iter().collect::<HashSet<_>>().len(),
                len,
                "names are unique"
            );
            assert_eq!(fields[TYPE_COLUMN], "Type");
            assert_eq!(fields[GENERATED_TIME], "Generated Time");
            assert_eq!(fields[7], "Source Address");
            assert_eq!(fields[30], "Action");
        }
        assert_eq!(TRAFFIC_FIELDS[TRAFFIC.start_time.unwrap()], "Start Time");
        assert_eq!(TRAFFIC_FIELDS[46], "Session End Reason");
        assert_eq!(TRAFFIC_FIELDS[64], "SCTP Chunks Received");
        assert_eq!(THREAT_FIELDS[32], "Threat ID");
        assert_eq!(THREAT_FIELDS[74], "HTTP Headers");
        assert!(!THREAT_FIELDS.contains(&"Start Time"));
    }

    #[test]
    fn reads_a_traffic_log() {
        let item = one(TRAFFIC_90).unwrap();
        assert_eq!(item.tag.as_deref(), Some("paloalto.traffic"));
        // Start Time, not Generated Time.
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:14:58+00:00"
        );
        let object = fields_of(&item);
        assert_eq!(object.len(), 67);
        for (name, value) in [
            ("FUTURE_USE", "1"),
            ("Receive Time", "2026/11/22 08:15:31"),
            ("Serial Number", "012801096514"),
            ("Type", "TRAFFIC"),
            ("Threat/Content Type", "end"),
            ("FUTURE_USE_2", "2305"),
            ("Source Address", "10.0.1.101"),
            ("Destination Address", "203.0.113.80"),
            ("NAT Source IP", "192.0.2.20"),
            ("Source User", r"example\ann"),
            ("Destination User", ""),
            ("Application", "ssl"),
            ("Destination Port", "443"),
            ("Protocol", "tcp"),
            ("Action", "allow"),
            ("Bytes Sent", "1792"),
            ("Bytes Received", "6360"),
            ("Start Time", "2026/11/22 08:14:58"),
            ("Elapsed Time", "33"),
            ("Source Location", "10.0.0.0-10.255.255.255"),
            ("Destination Location", "United States"),
            ("Session End Reason", "tcp-fin"),
            ("Device Name", "PA-VM"),
            ("Action Source", "from-policy"),
            ("Rule UUID", "a3bc7eab-3f1c-4a8e-9a3e-1c2d3e4f5a6b"),
            ("HTTP/2 Connection", "0"),
        ] {
            assert_eq!(object[name], value, "{name}");
        }
        // Keys keep the column order.
        let names: Vec<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(names, TRAFFIC_FIELDS[..67]);
    }

    #[test]
    fn reads_a_threat_log_with_quoted_commas() {
        let item = one(THREAT_91).unwrap();
        assert_eq!(item.tag.as_deref(), Some("paloalto.threat"));
        // A threat log has no Start Time: Generated Time.
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:32+00:00"
        );
        let object = fields_of(&item);
        assert_eq!(object.len(), 79);
        for (name, value) in [
            ("Threat/Content Type", "url"),
            ("IP Protocol", "tcp"),
            ("Action", "alert"),
            ("URL/Filename", "downloads.example.com/get?id=7,8"),
            ("Threat ID", "(9999)"),
            ("Category", "computer-and-internet-info"),
            ("Severity", "informational"),
            ("Direction", "client-to-server"),
            ("Content Type", "text/html"),
            (
                "User Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
            ),
            ("Device Name", "PA-VM"),
            ("HTTP Method", "get"),
            ("Threat Category", "unknown"),
            ("Content Version", "AppThreat-8405-7070"),
            ("URL Category List", "computer-and-internet-info,low-risk"),
            ("Rule UUID", "a3bc7eab-3f1c-4a8e-9a3e-1c2d3e4f5a6b"),
            ("Dynamic User Group Name", ""),
        ] {
            assert_eq!(object[name], value, "{name}");
        }
    }

    #[test]
    fn a_syslog_header_lands_in_the_first_column() {
        let item = one(THREAT_81).unwrap();
        let object = fields_of(&item);
        assert_eq!(object["FUTURE_USE"], "<14>Nov 22 08:20:11 PA-VM 1");
        assert_eq!(
            object["Threat ID"],
            "Apache Struts2 Remote Code Execution Vulnerability(33948)"
        );
        assert_eq!(object["Severity"], "critical");
        assert_eq!(object["Action"], "reset-both");
        assert_eq!(object["Source Location"], "Japan");
        assert_eq!(object["HTTP Headers"], "");
        assert_eq!(object.len(), 75);
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:20:10+00:00"
        );
    }

    #[test]
    fn shorter_and_longer_lines_than_the_known_fields() {
        // PAN-OS 8.1 stops after SCTP Chunks Received.
        let columns: Vec<&str> = TRAFFIC_90.split(',').collect();
        let short = columns[..65].join(",");
        let item = one(&short).unwrap();
        let object = fields_of(&item);
        assert_eq!(object.len(), 65);
        assert!(object.contains_key("SCTP Chunks Received"));
        assert!(!object.contains_key("Rule UUID"));

        // PAN-OS 10.x adds columns after Dynamic User Group Name.
        let long = format!("{TRAFFIC_90},0,,,,,,,,198.51.100.99,IoT,");
        let item = one(&long).unwrap();
        let object = fields_of(&item);
        assert_eq!(object.len(), 78);
        assert_eq!(object["Dynamic User Group Name"], "");
        assert_eq!(object["column_76"], "198.51.100.99");
        assert_eq!(object["column_77"], "IoT");
        assert_eq!(object["column_78"], "");
    }

    #[test]
    fn an_empty_start_time_falls_back_to_generated_time() {
        let mut columns: Vec<&str> = TRAFFIC_90.split(',').collect();
        columns[4] = "drop";
        columns[35] = "";
        let no_start = columns.join(",");
        let item = one(&no_start).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:31+00:00"
        );

        // Too short to reach Start Time at all.
        let truncated = columns[..20].join(",");
        let item = one(&truncated).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:31+00:00"
        );
        assert_eq!(fields_of(&item).len(), 20);
    }

    #[test]
    fn a_crlf_line_loses_its_line_end() {
        let line = format!("{TRAFFIC_90}\r\n");
        let item = one(&line).unwrap();
        assert_eq!(fields_of(&item)["HTTP/2 Connection"], "0");
    }

    #[test]
    fn rejects_other_types_and_broken_lines() {
        let system = r#"1,2026/11/22 08:15:33,012801096514,SYSTEM,general,2305,2026/11/22 08:15:33,,general,,0,0,general,informational,"User admin logged in via Web from 192.0.2.50 using https",6698600,0x0,0,0,0,0,,PA-VM"#;
        let mut columns: Vec<&str> = TRAFFIC_90.split(',').collect();
        columns[35] = "2026-11-22 08:14:58";
        let bad_start = columns.join(",");
        columns[35] = "";
        columns[6] = "";
        let no_time = columns.join(",");
        for (line, expected) in [
            (
                system,
                "Type (column 4) is `SYSTEM`; only TRAFFIC and THREAT",
            ),
            ("", "the line is empty"),
            (
                "hello,world",
                "found 2 columns, too few to hold the Type (column 4)",
            ),
            (
                "1,2026/11/22 08:15:31,012801096514,traffic,end",
                "Type (column 4) is `traffic`",
            ),
            (
                &bad_start,
                "Start Time (column 36): `2026-11-22 08:14:58` is not a time",
            ),
            (&no_time, "Generated Time (column 7) is missing or empty"),
            (
                "1,2026/11/22 08:15:31,012801096514,TRAFFIC,end",
                "Generated Time (column 7) is missing",
            ),
            (
                "1,2026/11/22 08:15:31,012801096514,THREAT,url,2305,yesterday",
                "Generated Time (column 7): `yesterday` is not a time",
            ),
            ("1,a,b,TRAFFIC\n1,a,b,TRAFFIC", "more than one line"),
        ] {
            let err = one(line).unwrap_err().to_string();
            assert!(err.contains(expected), "{line}: {err}");
        }
        let mut out = Vec::new();
        let err = parse(Item::text(b"1,\xff,x,TRAFFIC"), &mut out).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }
}
