//! The JSON parsers that only name the record: a fixed tag, and the
//! timestamp from a field (guardduty: `updatedAt`, else `createdAt`;
//! g-suite-login, azure-ad-*, cylance-*, falcon: one each). The record itself passes on unchanged.

use super::item::{Item, Out, ParseError};
use super::time;

/// A tag and where the record's time is.
pub(super) struct Tagged {
    tag: &'static str,
    /// Paths of the time field in the record, the first present wins; none:
    /// the record has no time.
    time_fields: &'static [&'static [&'static str]],
}

pub(super) const GUARDDUTY: Tagged = Tagged {
    tag: "aws.guardduty",
    // When the finding last changed (as Panther reads it), else when it was made.
    time_fields: &[&["updatedAt"], &["createdAt"]],
};
pub(super) const GSUITE_LOGIN: Tagged = Tagged {
    tag: "gsuite.login",
    time_fields: &[&["id", "time"]],
};
pub(super) const AZURE_AD_AUDIT: Tagged = Tagged {
    tag: "azure_ad.audit",
    time_fields: &[&["activityDate"]],
};
pub(super) const AZURE_AD_EVENT: Tagged = Tagged {
    tag: "azure_ad.signin_event",
    time_fields: &[&["signinDateTime"]],
};
pub(super) const AZURE_AD_RISK_EVENT: Tagged = Tagged {
    tag: "azure_ad.risk_event",
    time_fields: &[&["riskEventDateTime"]],
};
pub(super) const CYLANCE_EVENT: Tagged = Tagged {
    tag: "cylance.event",
    time_fields: &[&["datetime"]],
};
pub(super) const CYLANCE_THREAT: Tagged = Tagged {
    tag: "cylance.threat",
    time_fields: &[&["datetime"]],
};
/// `timestamp` is epoch milliseconds or ISO 8601.
pub(super) const FALCON: Tagged = Tagged {
    tag: "falcon.event",
    time_fields: &[&["timestamp"]],
};

impl Tagged {
    /// Tags the record; a record without the time field keeps no timestamp,
    /// one whose time field cannot be read is an error.
    pub(super) fn parse<'a>(&self, item: Item<'a>, out: &mut Out<'a>) -> Result<(), ParseError> {
        let mut timestamp = item.timestamp;
        for path in self.time_fields {
            if let Some(value) = item.body.field(path)? {
                timestamp = Some(
                    time::from_json(&value)
                        .map_err(|e| ParseError::new(format!("{}: {e}", path.join("."))))?,
                );
                break;
            }
        }
        // Without a time field nothing was read yet: check the record is JSON.
        let body = item.body.into_json()?;
        out.push(Item {
            tag: Some(self.tag.to_string()),
            timestamp,
            body,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Body;
    use crate::format::testing;

    fn one(spec: &Tagged, line: &'static str) -> Result<Item<'static>, ParseError> {
        testing::one(
            |item, out| spec.parse(item, out),
            Item::text(line.as_bytes()),
        )
    }

    #[test]
    fn tags_and_times_each_source() {
        let gsuite = r#"{"kind":"admin#reports#activity","id":{"time":"2026-11-22T08:15:30.123Z","uniqueQualifier":"-42","applicationName":"login","customerId":"C01"},"actor":{"email":"ann@example.com","profileId":"1"},"ipAddress":"203.0.113.9","events":[{"type":"login","name":"login_success"}]}"#;
        let item = one(&GSUITE_LOGIN, gsuite).unwrap();
        assert_eq!(item.tag.as_deref(), Some("gsuite.login"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30.123+00:00"
        );
        assert_eq!(item.body, Body::Json(gsuite.as_bytes()));

        let azure = r#"{"id":"6f1d","userPrincipalName":"ann@example.com","signinDateTime":"2026-11-22T08:15:30Z","appDisplayName":"Office 365","ipAddress":"203.0.113.9","status":{"errorCode":0}}"#;
        let item = one(&AZURE_AD_EVENT, azure).unwrap();
        assert_eq!(item.tag.as_deref(), Some("azure_ad.signin_event"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:15:30+00:00"
        );

        let audit = r#"{"id":"Directory_1","category":"UserManagement","activityDate":"2026-11-22T08:00:00.5+02:00","activityDisplayName":"Add user"}"#;
        let item = one(&AZURE_AD_AUDIT, audit).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T06:00:00.500+00:00"
        );

        let risk = r#"{"id":"r1","riskEventType":"unfamiliarFeatures","riskEventDateTime":"2026-11-22T08:00:00Z","riskLevel":"medium"}"#;
        assert_eq!(
            one(&AZURE_AD_RISK_EVENT, risk).unwrap().tag.as_deref(),
            Some("azure_ad.risk_event")
        );

        let cylance = r#"{"datetime":"2026-11-22T08:00:00Z","event_type":"Device","event_name":"SystemSecurity","device_name":"WS-042"}"#;
        assert_eq!(
            one(&CYLANCE_EVENT, cylance).unwrap().tag.as_deref(),
            Some("cylance.event")
        );
        assert_eq!(
            one(&CYLANCE_THREAT, cylance).unwrap().tag.as_deref(),
            Some("cylance.threat")
        );

        let falcon_ms = r#"{"event_simpleName":"ProcessRollup2","timestamp":"1763799330123","aid":"a1","ComputerName":"WS-042"}"#;
        let item = one(&FALCON, falcon_ms).unwrap();
        assert_eq!(
            item.timestamp.unwrap().timestamp_millis(),
            1_763_799_330_123
        );
        let falcon_iso =
            r#"{"event_simpleName":"DnsRequest","timestamp":"2026-11-22T08:15:30.123Z"}"#;
        assert!(one(&FALCON, falcon_iso).unwrap().timestamp.is_some());

        let guardduty = r#"{"schemaVersion":"2.0","accountId":"123456789012","region":"us-east-1","type":"Recon:EC2/PortProbeUnprotectedPort","severity":2,"createdAt":"2026-11-22T08:00:00.000Z","updatedAt":"2026-11-22T09:30:00.000Z"}"#;
        let item = one(&GUARDDUTY, guardduty).unwrap();
        assert_eq!(item.tag.as_deref(), Some("aws.guardduty"));
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T09:30:00+00:00",
            "updatedAt first"
        );
        let created_only = r#"{"schemaVersion":"2.0","type":"Recon:EC2/PortProbeUnprotectedPort","createdAt":"2026-11-22T08:00:00.000Z"}"#;
        let item = one(&GUARDDUTY, created_only).unwrap();
        assert_eq!(
            item.timestamp.unwrap().to_rfc3339(),
            "2026-11-22T08:00:00+00:00"
        );
    }

    #[test]
    fn a_missing_time_is_no_time_and_a_bad_one_an_error() {
        let item = one(&AZURE_AD_EVENT, r#"{"id":"x"}"#).unwrap();
        assert_eq!(item.timestamp, None);
        let err = one(&AZURE_AD_EVENT, r#"{"signinDateTime":"soon"}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("signinDateTime: `soon` is not an ISO 8601 time"),
            "{err}"
        );
        assert!(one(&GUARDDUTY, "not json").is_err());
    }
}
