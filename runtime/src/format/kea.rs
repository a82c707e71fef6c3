//! `kea`: a line of the Kea DHCPv4 server's log, e.g.
//! `2026-11-22 08:15:30.123 INFO  [kea-dhcp4.leases/1234.139958] DHCP4_LEASE_ALLOC [hwtype=1 00:11:22:33:44:55], cid=[01:00:11:22:33:44:55], tid=0x5e3f1a2b: lease 192.0.2.100 has been allocated for 3600 seconds`.
//! Only the messages that tie an address to a client are kept
//! (DHCP4_INIT_REBOOT, DHCP4_LEASE_ADVERT, DHCP4_LEASE_ALLOC); every other
//! message is skipped.

use std::net::Ipv4Addr;

use chrono::NaiveDateTime;
use serde_json::json;

use super::item::{Body, Item, Out, ParseError, excerpt};

const TAG: &str = "kea.log";

/// Kea's default layout: `%D{%Y-%m-%d %H:%M:%S.%q} %-5p [%c/%i.%t] %m`
/// (Kea before 1.9 wrote `[%c/%i]`, without the thread).
const SHAPE: &str =
    "expected a Kea log line `YYYY-MM-DD hh:mm:ss.sss SEVERITY [LOGGER/PID] MESSAGE_ID TEXT`";

const LABEL: &str =
    "expected the packet label `[hwtype=N MAC], cid=[ID], tid=0xN: ` before the text";

/// Where a kept message says which address it is about.
#[derive(Clone, Copy)]
enum AddressAt {
    /// `... requests address 192.0.2.5`
    AfterRequestsAddress,
    /// `lease 192.0.2.100 will be advertised` / `... has been allocated ...`
    AfterLease,
}

pub(super) fn parse<'a>(item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
    let line = item.body.as_str()?.trim_end_matches(['\r', '\n']);
    let header = Header::parse(line)?;
    let address_at = match header.event {
        "DHCP4_INIT_REBOOT" => AddressAt::AfterRequestsAddress,
        "DHCP4_LEASE_ADVERT" | "DHCP4_LEASE_ALLOC" => AddressAt::AfterLease,
        event => {
            tracing::debug!(event, "kea: skipping a message that assigns no address");
            return Ok(());
        }
    };
    let label = Label::parse(header.text).ok_or_else(|| {
        ParseError::new(format!(
            "{}: {LABEL}, got {}",
            header.event,
            excerpt(header.text)
        ))
    })?;
    let ip = address(label.message, address_at).ok_or_else(|| {
        let expected = match address_at {
            AddressAt::AfterRequestsAddress => "`... requests address IPV4`",
            AddressAt::AfterLease => "`lease IPV4 ...`",
        };
        ParseError::new(format!(
            "{}: expected {expected} after the label, got {}",
            header.event,
            excerpt(label.message)
        ))
    })?;
    let body = json!({
        "event": header.event,
        "hwtype": label.hwtype,
        "hwaddr": label.hwaddr,
        "client_id": label.client_id,
        "tx_id": label.tx_id,
        "message": label.message,
        "ip": ip,
    });
    out.push(Item {
        tag: Some(TAG.to_string()),
        timestamp: Some(header.time.and_utc()),
        body: Body::Value(body),
    });
    Ok(())
}

/// What precedes every Kea message: time, severity, logger, message ID.
struct Header<'s> {
    time: NaiveDateTime,
    event: &'s str,
    /// Everything after the message ID.
    text: &'s str,
}

impl<'s> Header<'s> {
    fn parse(line: &'s str) -> Result<Self, ParseError> {
        let bad = |what: &str| ParseError::new(format!("{SHAPE}; {what}"));

        // The date and the time of day are the first two words.
        let stamp_end = line
            .match_indices(' ')
            .nth(1)
            .map_or(line.len(), |(i, _)| i);
        let stamp = &line[..stamp_end];
        let time = NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d %H:%M:%S%.f")
            .map_err(|_| bad(&format!("{} is not a time", excerpt(stamp))))?;

        // `%-5p` pads the severity: `INFO  [` but `DEBUG [`.
        let rest = line[stamp_end..].trim_start_matches(' ');
        let (severity, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        if !["FATAL", "ERROR", "WARN", "INFO", "DEBUG"].contains(&severity) {
            return Err(bad(&format!("{} is not a severity", excerpt(severity))));
        }

        let rest = rest.trim_start_matches(' ');
        let logger = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once("] "))
            .filter(|(logger, _)| !logger.is_empty() && !logger.contains(' '));
        let Some((_, rest)) = logger else {
            return Err(bad(&format!(
                "no `[LOGGER/PID]` after the severity in {}",
                excerpt(rest)
            )));
        };

        let (event, text) = rest.split_once(' ').unwrap_or((rest, ""));
        let is_id = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_';
        if event.is_empty() || !event.bytes().all(is_id) {
            return Err(bad(&format!(
                "{} is not a message ID like DHCP4_LEASE_ALLOC",
                excerpt(event)
            )));
        }
        Ok(Header { time, event, text })
    }
}

/// The packet label Kea puts first in per-packet messages, and the text after it.
struct Label<'s> {
    hwtype: Option<&'s str>,
    hwaddr: Option<&'s str>,
    client_id: Option<&'s str>,
    tx_id: &'s str,
    message: &'s str,
}

impl<'s> Label<'s> {
    /// `[hwtype=1 00:11:22:33:44:55], cid=[01:00:11:22:33:44:55], tid=0x5e3f1a2b: TEXT`;
    /// Kea writes `[no hwaddr info]` and `cid=[no info]` when it has none.
    fn parse(text: &'s str) -> Option<Self> {
        let rest = text.strip_prefix('[')?;
        let (hw, rest) = rest.split_once("], cid=[")?;
        let (client_id, rest) = rest.split_once("], tid=")?;
        let (tx_id, message) = rest.split_once(':')?;
        if tx_id.is_empty() || tx_id.contains(' ') {
            return None;
        }
        let (hwtype, hwaddr) = if hw == "no hwaddr info" {
            (None, None)
        } else {
            let hw = hw.strip_prefix("hwtype=")?;
            let (hwtype, hwaddr) = hw.split_once(' ').unwrap_or((hw, ""));
            (Some(hwtype), Some(hwaddr).filter(|a| !a.is_empty()))
        };
        Some(Label {
            hwtype,
            hwaddr,
            client_id: Some(client_id).filter(|c| *c != "no info"),
            tx_id,
            message: message.strip_prefix(' ').unwrap_or(message),
        })
    }
}

/// The IPv4 address the message is about, as written.
fn address(message: &str, at: AddressAt) -> Option<&str> {
    let after = match at {
        AddressAt::AfterRequestsAddress => message.split_once("requests address ")?.1,
        AddressAt::AfterLease => message.strip_prefix("lease ")?,
    };
    let word = after.split(' ').next()?;
    word.parse::<Ipv4Addr>().ok().map(|_| word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::testing::{self, value as body};
    use serde_json::Value;

    fn run(line: &str) -> Result<Vec<Item<'_>>, ParseError> {
        testing::run(parse, Item::text(line.as_bytes()))
    }

    fn one(line: &str) -> Item<'_> {
        let mut out = run(line).unwrap();
        assert_eq!(out.len(), 1, "{line}");
        out.remove(0)
    }

    #[test]
    fn reads_a_lease_allocation() {
        let item = one(
            "2026-11-22 08:15:30.123 INFO  [kea-dhcp4.leases/1234.139958] DHCP4_LEASE_ALLOC [hwtype=1 00:11:22:33:44:55], cid=[01:00:11:22:33:44:55], tid=0x5e3f1a2b: lease 192.0.2.100 has been allocated for 3600 seconds",
        );
        assert_eq!(item.tag.as_deref(), Some("kea.log"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30.123+00:00"
        );
        assert_eq!(
            body(&item),
            &json!({
                "event": "DHCP4_LEASE_ALLOC",
                "hwtype": "1",
                "hwaddr": "00:11:22:33:44:55",
                "client_id": "01:00:11:22:33:44:55",
                "tx_id": "0x5e3f1a2b",
                "message": "lease 192.0.2.100 has been allocated for 3600 seconds",
                "ip": "192.0.2.100",
            })
        );
    }

    #[test]
    fn reads_an_advert_without_client_id() {
        let item = one(
            "2026-11-22 08:15:29.987 INFO  [kea-dhcp4.leases/1234.139958] DHCP4_LEASE_ADVERT [hwtype=1 3c:22:fb:7a:10:4e], cid=[no info], tid=0xc0ffee: lease 192.0.2.101 will be advertised",
        );
        let value = body(&item);
        assert_eq!(value["event"], "DHCP4_LEASE_ADVERT");
        assert_eq!(value["client_id"], Value::Null);
        assert_eq!(value["hwaddr"], "3c:22:fb:7a:10:4e");
        assert_eq!(value["tx_id"], "0xc0ffee");
        assert_eq!(value["ip"], "192.0.2.101");
        assert_eq!(value["message"], "lease 192.0.2.101 will be advertised");
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:29.987+00:00"
        );
    }

    #[test]
    fn reads_an_init_reboot_request() {
        let item = one(
            "2026-11-22 08:15:31.004 INFO  [kea-dhcp4.leases/1234.139958] DHCP4_INIT_REBOOT [hwtype=1 00:11:22:33:44:55], cid=[01:00:11:22:33:44:55], tid=0x1b9f00d2: client is in INIT-REBOOT state and requests address 192.0.2.5",
        );
        let value = body(&item);
        assert_eq!(value["event"], "DHCP4_INIT_REBOOT");
        assert_eq!(value["ip"], "192.0.2.5");
        assert_eq!(
            value["message"],
            "client is in INIT-REBOOT state and requests address 192.0.2.5"
        );
    }

    #[test]
    fn reads_older_kea_layouts_and_missing_hardware_addresses() {
        // Kea 1.x: no thread in the logger, no lifetime in the message, CRLF line.
        let item = one(
            "2018-04-13 11:33:02.083 INFO  [kea-dhcp4.leases/1] DHCP4_LEASE_ALLOC [hwtype=1 08:00:27:72:c6:76], cid=[no info], tid=0xf192aa47: lease 192.168.0.10 has been allocated\r",
        );
        assert_eq!(body(&item)["ip"], "192.168.0.10");
        assert_eq!(
            body(&item)["message"],
            "lease 192.168.0.10 has been allocated"
        );
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2018-04-13T11:33:02.083+00:00"
        );

        let item = one(
            "2026-11-22 08:15:32.500 DEBUG [kea-dhcp4.leases/1234.139958] DHCP4_LEASE_ADVERT [no hwaddr info], cid=[01:aa:bb:cc:dd:ee:ff], tid=0x2a: lease 192.0.2.7 will be advertised",
        );
        let value = body(&item);
        assert_eq!(value["hwtype"], Value::Null);
        assert_eq!(value["hwaddr"], Value::Null);
        assert_eq!(value["client_id"], "01:aa:bb:cc:dd:ee:ff");

        // Whole seconds are fine too.
        let item = one(
            "2026-11-22 08:15:33 INFO  [kea-dhcp4.leases/1234] DHCP4_LEASE_ALLOC [hwtype=6 00:1a:2b:3c:4d:5e], cid=[no info], tid=0x1: lease 10.0.0.9 has been allocated for 600 seconds",
        );
        assert_eq!(body(&item)["hwtype"], "6");
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:33+00:00"
        );
    }

    #[test]
    fn skips_every_other_message() {
        for line in [
            "2026-11-22 08:15:29.950 INFO  [kea-dhcp4.packets/1234.139958] DHCP4_PACKET_RECEIVED [hwtype=1 00:11:22:33:44:55], cid=[01:00:11:22:33:44:55], tid=0x5e3f1a2b: DHCPDISCOVER (type 1) received from 0.0.0.0 to 255.255.255.255 on interface eth0",
            "2026-11-22 08:15:29.951 DEBUG [kea-dhcp4.packets/1234.139958] DHCP4_QUERY_DATA [hwtype=1 00:11:22:33:44:55], cid=[01:00:11:22:33:44:55], tid=0x5e3f1a2b, packet details: local_address=192.0.2.1:67, remote_address=0.0.0.0:68, msg_type=DHCPDISCOVER (1), transid=0x5e3f1a2b,",
            "2026-11-22 08:15:30.124 INFO  [kea-dhcp4.packets/1234.139958] DHCP4_PACKET_SEND [hwtype=1 00:11:22:33:44:55], cid=[01:00:11:22:33:44:55], tid=0x5e3f1a2b: trying to send packet DHCPACK (type 5) from 192.0.2.1:67 to 192.0.2.100:68 on interface eth0",
            "2026-11-22 08:00:00.001 INFO  [kea-dhcp4.dhcp4/1234.139958] DHCP4_STARTED Kea DHCPv4 server version 2.4.1 started",
            "2026-11-22 08:00:00.002 WARN  [kea-dhcp4.dhcp4/1234.139958] DHCP4_MULTI_THREADING_INFO enabled: yes, number of threads: 4, queue size: 64",
            "2026-11-22 08:00:00.003 ERROR [kea-dhcp4.dhcpsrv/1234.139958] DHCPSRV_MEMFILE_LFC_EXECUTE executing Lease File Cleanup",
        ] {
            assert!(run(line).unwrap().is_empty(), "{line}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_kea_line() {
        for (line, expected) in [
            ("", "`` is not a time"),
            (
                "Nov 22 08:15:30 gw kea-dhcp4[29529]: INFO [kea-dhcp4.leases.0x3c] DHCP4_LEASE_ALLOC x",
                "is not a time",
            ),
            (
                "2026-11-22T08:15:30.123Z INFO  [kea-dhcp4.leases/1] DHCP4_LEASE_ALLOC x",
                "is not a time",
            ),
            (
                "2026-11-22 08:15:30.123 NOTICE [kea-dhcp4.leases/1] DHCP4_LEASE_ALLOC x",
                "`NOTICE` is not a severity",
            ),
            (
                "2026-11-22 08:15:30.123 INFO  kea-dhcp4.leases/1 DHCP4_LEASE_ALLOC x",
                "no `[LOGGER/PID]`",
            ),
            (
                "2026-11-22 08:15:30.123 INFO  [kea-dhcp4.leases/1] lease allocated",
                "`lease` is not a message ID",
            ),
        ] {
            let err = run(line).unwrap_err().to_string();
            assert!(err.contains(expected), "{line}: {err}");
            assert!(err.contains("expected a Kea log line"), "{line}: {err}");
        }
    }

    #[test]
    fn rejects_kept_messages_without_label_or_address() {
        for (line, expected) in [
            (
                "2026-11-22 08:15:30.123 INFO  [kea-dhcp4.leases/1] DHCP4_LEASE_ALLOC lease 192.0.2.100 has been allocated",
                "DHCP4_LEASE_ALLOC: expected the packet label",
            ),
            (
                "2026-11-22 08:15:30.123 INFO  [kea-dhcp4.leases/1] DHCP4_LEASE_ALLOC [hwtype=1 00:11:22:33:44:55], tid=0x5: lease 192.0.2.100 has been allocated",
                "DHCP4_LEASE_ALLOC: expected the packet label",
            ),
            (
                "2026-11-22 08:15:30.123 INFO  [kea-dhcp4.leases/1] DHCP4_LEASE_ALLOC [hwtype=1 00:11:22:33:44:55], cid=[no info], tid=0x5: lease 192.0.2.300 has been allocated",
                "DHCP4_LEASE_ALLOC: expected `lease IPV4 ...`",
            ),
            (
                "2026-11-22 08:15:30.123 INFO  [kea-dhcp4.leases/1] DHCP4_INIT_REBOOT [hwtype=1 00:11:22:33:44:55], cid=[no info], tid=0x5: client is in INIT-REBOOT state",
                "DHCP4_INIT_REBOOT: expected `... requests address IPV4`",
            ),
        ] {
            let err = run(line).unwrap_err().to_string();
            assert!(err.contains(expected), "{line}: {err}");
        }
    }
}
