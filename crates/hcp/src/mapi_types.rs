//! Types of the management API (port 9090): replication service and links, log
//! collection, tenants. Their decoders are in [`crate::xml::mapi`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use storkit_core::Error;

use crate::error::HcpError;

/// A replication link's type (`<type>` of a link).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// `ACTIVE_ACTIVE`: both systems take writes.
    ActiveActive,
    /// `OUTBOUND`: active/passive, this system is the primary.
    Outbound,
    /// `INBOUND`: active/passive, this system is the replica.
    Inbound,
}

impl LinkType {
    /// The wire name (`ACTIVE_ACTIVE`).
    pub fn as_str(self) -> &'static str {
        match self {
            LinkType::ActiveActive => "ACTIVE_ACTIVE",
            LinkType::Outbound => "OUTBOUND",
            LinkType::Inbound => "INBOUND",
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LinkType {
    type Err = Error;

    /// Reads the wire name, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        [
            LinkType::ActiveActive,
            LinkType::Outbound,
            LinkType::Inbound,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(s))
        .ok_or_else(|| HcpError::decode("link type", format!("unknown: {s:?}")).into())
    }
}

/// A state change of a replication link: `POST …/links/<link>?<action>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkAction {
    /// `suspend`.
    Suspend,
    /// `resume`.
    Resume,
    /// `restore`.
    Restore,
    /// `failOver`.
    FailOver,
    /// `failBack` (active/active links only).
    FailBack,
    /// `beginRecovery` (active/passive links).
    BeginRecovery,
    /// `completeRecovery` (active/passive links).
    CompleteRecovery,
}

impl LinkAction {
    /// Every action.
    pub const ALL: [LinkAction; 7] = [
        LinkAction::Suspend,
        LinkAction::Resume,
        LinkAction::Restore,
        LinkAction::FailOver,
        LinkAction::FailBack,
        LinkAction::BeginRecovery,
        LinkAction::CompleteRecovery,
    ];

    /// The wire name, the query parameter of the POST (`failOver`).
    pub fn as_str(self) -> &'static str {
        match self {
            LinkAction::Suspend => "suspend",
            LinkAction::Resume => "resume",
            LinkAction::Restore => "restore",
            LinkAction::FailOver => "failOver",
            LinkAction::FailBack => "failBack",
            LinkAction::BeginRecovery => "beginRecovery",
            LinkAction::CompleteRecovery => "completeRecovery",
        }
    }

    /// Whether the action may be sent for a link of type `link_type`, by hcpsdk 0.9.5's
    /// rules (reference §8.1):
    /// - `failBack` is refused on `OUTBOUND` and `INBOUND` links;
    /// - `beginRecovery` and `completeRecovery` are refused on `ACTIVE_ACTIVE` links
    ///   (but allowed on `OUTBOUND` ones: the server decides);
    /// - `failOver`, `failBack`, `beginRecovery` and `completeRecovery` need a link type.
    ///
    /// A refusal is [`HcpError::LinkActionNotAllowed`] in phase
    /// [`NotSent`](storkit_core::Phase::NotSent), with `link_type` `None` when no type
    /// was given.
    pub fn check(self, link_type: Option<LinkType>) -> Result<(), Error> {
        use LinkAction::*;
        let refused = matches!(
            (self, link_type),
            (FailBack, Some(LinkType::Outbound | LinkType::Inbound))
                | (
                    BeginRecovery | CompleteRecovery,
                    Some(LinkType::ActiveActive)
                )
                | (FailOver | FailBack | BeginRecovery | CompleteRecovery, None)
        );
        if refused {
            Err(HcpError::LinkActionNotAllowed {
                action: self.as_str().to_owned(),
                link_type: link_type.map_or("None", LinkType::as_str).to_owned(),
            }
            .into())
        } else {
            Ok(())
        }
    }
}

impl fmt::Display for LinkAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LinkAction {
    type Err = Error;

    /// Reads the wire name, case-insensitively; `beginRecover` (the spelling of the
    /// HCP 9 reference) is read as [`LinkAction::BeginRecovery`].
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("beginRecover") {
            return Ok(LinkAction::BeginRecovery);
        }
        LinkAction::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| HcpError::decode("link action", format!("unknown: {s:?}")).into())
    }
}

/// The replication service's settings (`GET /mapi/services/replication`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplicationSettings {
    /// `allowTenantsToMonitorNamespaces`.
    pub allow_tenants_to_monitor_namespaces: Option<bool>,
    /// `enableDNSFailover`.
    pub enable_dns_failover: Option<bool>,
    /// `enableDomainAndCertificateSynchronization`.
    pub enable_domain_and_certificate_synchronization: Option<bool>,
    /// `network` (`[hcp_system]`).
    pub network: Option<String>,
    /// `connectivityTimeoutSeconds`.
    pub connectivity_timeout_seconds: Option<u32>,
    /// `status` (`ENABLED`).
    pub status: Option<String>,
    /// `verification` (`ONCE`).
    pub verification: Option<String>,
    /// Every child element as `tag → text` (trimmed): hcpsdk's dictionary.
    pub fields: BTreeMap<String, String>,
}

/// The network ends of a link (`<connection>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkConnection {
    /// `localHost`, split on commas: the local system's replication addresses.
    pub local_hosts: Vec<String>,
    /// `localPort`.
    pub local_port: Option<u16>,
    /// `remoteHost`, split on commas (a name or addresses).
    pub remote_hosts: Vec<String>,
    /// `remotePort`.
    pub remote_port: Option<u16>,
}

/// Failover settings of one side of a link (`<failoverSettings><local>` or `<remote>`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailoverSide {
    /// `autoFailover`.
    pub auto_failover: Option<bool>,
    /// `autoFailoverMinutes`.
    pub auto_failover_minutes: Option<u32>,
    /// `autoCompleteRecovery` (active/passive links).
    pub auto_complete_recovery: Option<bool>,
    /// `autoCompleteRecoveryMinutes` (active/passive links).
    pub auto_complete_recovery_minutes: Option<u32>,
}

/// `<failoverSettings>`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailoverSettings {
    /// `<local>`.
    pub local: FailoverSide,
    /// `<remote>`.
    pub remote: FailoverSide,
}

/// `<statistics>` of a link. Empty elements (HCP sends many) are `None`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct LinkStatistics {
    /// `upToDateAsOfString` (`2014-12-30T22:37:29+0100`).
    pub up_to_date_as_of_string: Option<String>,
    /// `upToDateAsOfMillis`.
    pub up_to_date_as_of_millis: Option<i64>,
    /// `bytesPending`.
    pub bytes_pending: Option<u64>,
    /// `bytesPendingRemote`.
    pub bytes_pending_remote: Option<u64>,
    /// `bytesReplicated`.
    pub bytes_replicated: Option<u64>,
    /// `bytesPerSecond`.
    pub bytes_per_second: Option<f64>,
    /// `objectsPending`.
    pub objects_pending: Option<u64>,
    /// `objectsPendingRemote`.
    pub objects_pending_remote: Option<u64>,
    /// `objectsReplicated`.
    pub objects_replicated: Option<u64>,
    /// `operationsPerSecond`.
    pub operations_per_second: Option<f64>,
    /// `errors`.
    pub errors: Option<u64>,
    /// `errorsPerSecond`.
    pub errors_per_second: Option<f64>,
    /// `objectsVerified`.
    pub objects_verified: Option<u64>,
    /// `objectsReplicatedAfterVerification`.
    pub objects_replicated_after_verification: Option<u64>,
}

/// A replication link (`GET /mapi/services/replication/links/<link>?verbose=true`).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct LinkDetails {
    /// `name`.
    pub name: Option<String>,
    /// `id`.
    pub id: Option<String>,
    /// `type`, when it is one of the three known types; see
    /// [`link_type_text`](LinkDetails::link_type_text).
    pub link_type: Option<LinkType>,
    /// `type` as sent.
    pub link_type_text: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `status` (`GOOD`).
    pub status: Option<String>,
    /// `statusMessage` (`Synchronizing data`).
    pub status_message: Option<String>,
    /// `suspended`.
    pub suspended: Option<bool>,
    /// `compression`.
    pub compression: Option<bool>,
    /// `encryption`.
    pub encryption: Option<bool>,
    /// `priority` (`OLDEST_FIRST`).
    pub priority: Option<String>,
    /// `<connection>`.
    pub connection: LinkConnection,
    /// `<failoverSettings>`.
    pub failover_settings: FailoverSettings,
    /// `<statistics>`.
    pub statistics: LinkStatistics,
    /// Every element with text, by its path below `<link>` (`connection/localPort`), so
    /// that elements this type does not name are kept.
    pub fields: BTreeMap<String, String>,
}

/// A kind of HCP log for collection (`<content>` of a log download).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogKind {
    /// `ACCESS`: HTTP access logs.
    Access,
    /// `SYSTEM`.
    System,
    /// `SERVICE`.
    Service,
    /// `APPLICATION`.
    Application,
}

impl LogKind {
    /// All four, in hcpsdk's order.
    pub const ALL: [LogKind; 4] = [
        LogKind::Access,
        LogKind::System,
        LogKind::Service,
        LogKind::Application,
    ];

    /// The wire name (`ACCESS`).
    pub fn as_str(self) -> &'static str {
        match self {
            LogKind::Access => "ACCESS",
            LogKind::System => "SYSTEM",
            LogKind::Service => "SERVICE",
            LogKind::Application => "APPLICATION",
        }
    }
}

impl fmt::Display for LogKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LogKind {
    type Err = Error;

    /// Reads the wire name, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        LogKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| HcpError::decode("log kind", format!("unknown: {s:?}")).into())
    }
}

/// A calendar date for log collection, written `MM/DD/YYYY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogDate {
    year: u16,
    month: u8,
    day: u8,
}

impl LogDate {
    /// 1970-01-01, hcpsdk's default start.
    pub const EPOCH: LogDate = LogDate {
        year: 1970,
        month: 1,
        day: 1,
    };

    /// A date of the proleptic Gregorian calendar, years 1 to 9999; anything else is a
    /// [`Config`](storkit_core::ErrorKind::Config) error.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, Error> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if (1..=9999).contains(&year) && (1..=days).contains(&day) {
            Ok(LogDate { year, month, day })
        } else {
            Err(Error::config(format!(
                "not a date: year {year}, month {month}, day {day}"
            )))
        }
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for LogDate {
    /// `MM/DD/YYYY`, as the log prepare request takes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}/{:04}", self.month, self.day, self.year)
    }
}

/// The state of a log collection (`GET /mapi/logs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogDownloadStatus {
    /// `readyForStreaming`: prepared logs can be downloaded.
    pub ready_for_streaming: Option<bool>,
    /// `streamingInProgress`.
    pub streaming_in_progress: Option<bool>,
    /// `started`: a collection was started.
    pub started: Option<bool>,
    /// `error`.
    pub error: Option<bool>,
    /// `content`, split on commas (`SERVICE`); empty when the element is.
    pub content: Vec<String>,
    /// Every child element as `tag → text` (trimmed).
    pub fields: BTreeMap<String, String>,
}

/// A tenant's settings (`GET /mapi/tenants/<name>`, JSON), with the common fields typed
/// and the whole document kept.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TenantInfo {
    /// `name`.
    pub name: Option<String>,
    /// `hardQuota`, as sent (`200.00 GB`).
    pub hard_quota: Option<String>,
    /// `softQuota`, percent.
    pub soft_quota: Option<u32>,
    /// `namespaceQuota`, as sent (`None` means unlimited on HCP's side).
    pub namespace_quota: Option<String>,
    /// `maxNamespacesPerUser`.
    pub max_namespaces_per_user: Option<u32>,
    /// `administrationAllowed`.
    pub administration_allowed: Option<bool>,
    /// `replicationConfigurationEnabled`.
    pub replication_configuration_enabled: Option<bool>,
    /// `searchConfigurationEnabled`.
    pub search_configuration_enabled: Option<bool>,
    /// `versioningConfigurationEnabled`.
    pub versioning_configuration_enabled: Option<bool>,
    /// `complianceConfigurationEnabled`.
    pub compliance_configuration_enabled: Option<bool>,
    /// `systemVisibleDescription`.
    pub system_visible_description: Option<String>,
    /// `tenantVisibleDescription`.
    pub tenant_visible_description: Option<String>,
    /// `authenticationTypes.authenticationType` (`LOCAL`, `EXTERNAL`).
    pub authentication_types: Vec<String>,
    /// `tags.tag`.
    pub tags: Vec<String>,
    /// The whole document.
    pub raw: serde_json::Value,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::error::HcpErrorExt;
    use storkit_core::{ErrorKind, Phase};

    #[test]
    fn link_action_rules_of_hcpsdk() {
        use LinkAction::*;
        let types = [
            None,
            Some(LinkType::ActiveActive),
            Some(LinkType::Outbound),
            Some(LinkType::Inbound),
        ];
        // Rows: actions; columns: None, ACTIVE_ACTIVE, OUTBOUND, INBOUND.
        let table: [(LinkAction, [bool; 4]); 7] = [
            (Suspend, [true, true, true, true]),
            (Resume, [true, true, true, true]),
            (Restore, [true, true, true, true]),
            (FailOver, [false, true, true, true]),
            (FailBack, [false, true, false, false]),
            (BeginRecovery, [false, false, true, true]),
            (CompleteRecovery, [false, false, true, true]),
        ];
        for (action, allowed) in table {
            for (t, ok) in types.iter().zip(allowed) {
                let result = action.check(*t);
                assert_eq!(result.is_ok(), ok, "{action} on {t:?}");
                if let Err(e) = result {
                    assert_eq!(e.kind(), ErrorKind::Config);
                    assert_eq!(e.phase(), Phase::NotSent);
                    assert_eq!(
                        e.hcp(),
                        Some(&HcpError::LinkActionNotAllowed {
                            action: action.as_str().to_owned(),
                            link_type: t.map_or("None", LinkType::as_str).to_owned(),
                        })
                    );
                }
            }
        }
        assert_eq!(
            FailBack
                .check(Some(LinkType::Outbound))
                .unwrap_err()
                .message(),
            Some("failBack is not allowed on OUTBOUND link")
        );
        assert!(
            FailOver
                .check(None)
                .unwrap_err()
                .to_string()
                .contains("failOver is not allowed on None link")
        );
    }

    #[test]
    fn wire_names() {
        for a in LinkAction::ALL {
            assert_eq!(a.as_str().parse::<LinkAction>().unwrap(), a);
        }
        assert_eq!(
            "beginRecover".parse::<LinkAction>().unwrap(),
            LinkAction::BeginRecovery
        );
        assert_eq!(
            "FAILOVER".parse::<LinkAction>().unwrap(),
            LinkAction::FailOver
        );
        assert!("fail".parse::<LinkAction>().is_err());
        for t in [
            LinkType::ActiveActive,
            LinkType::Outbound,
            LinkType::Inbound,
        ] {
            assert_eq!(t.to_string().parse::<LinkType>().unwrap(), t);
        }
        assert!("BOTH".parse::<LinkType>().is_err());
        for k in LogKind::ALL {
            assert_eq!(k.to_string().parse::<LogKind>().unwrap(), k);
        }
        assert!("AUDIT".parse::<LogKind>().is_err());
    }

    #[test]
    fn log_dates() {
        assert_eq!(LogDate::EPOCH.to_string(), "01/01/1970");
        assert_eq!(LogDate::new(2024, 2, 29).unwrap().to_string(), "02/29/2024");
        assert_eq!(LogDate::new(33, 12, 5).unwrap().to_string(), "12/05/0033");
        for (y, m, d) in [
            (2023, 2, 29),
            (1900, 2, 29),
            (2024, 13, 1),
            (2024, 0, 1),
            (2024, 4, 31),
            (2024, 1, 0),
            (0, 1, 1),
            (10000, 1, 1),
        ] {
            let e = LogDate::new(y, m, d).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{y}-{m}-{d}");
        }
        assert!(LogDate::new(2000, 2, 29).is_ok());
        assert!(LogDate::EPOCH < LogDate::new(1970, 1, 2).unwrap());
        let d = LogDate::new(2017, 3, 21).unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2017, 3, 21));
    }
}
