//! Management API (port 9090) answers and request bodies: replication, logs, tenants
//! (reference §8). The types are in [`crate::mapi_types`].
//!
//! hcpsdk reads MAPI XML by element text, so pretty-printed answers turn its containers
//! into whitespace strings; these decoders trim text and tell containers from values by
//! their children, so compact and pretty-printed answers decode alike.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde_json::Value;
use storkit_core::Error;

use super::{Element, decode_error, expect_root, parse, parse_bool, parse_f64, parse_int};
use crate::mapi_types::{
    FailoverSettings, FailoverSide, LinkConnection, LinkDetails, LinkStatistics, LogDate,
    LogDownloadStatus, LogKind, ReplicationSettings, TenantInfo,
};

const REPLICATION: &str = "/mapi/services/replication";
const LINKS: &str = "/mapi/services/replication/links";
const LINK: &str = "replication link";
const LOGS: &str = "/mapi/logs";
const TENANTS: &str = "/mapi/tenants";
const TENANT: &str = "tenant";

/// `tag → trimmed text` of an element's children (the last of a repeated tag wins).
fn child_map(e: &Element) -> BTreeMap<String, String> {
    e.children
        .iter()
        .map(|c| (c.name.clone(), c.trimmed().to_owned()))
        .collect()
}

/// Decodes `GET /mapi/services/replication`.
pub fn decode_replication_settings(body: &[u8]) -> Result<ReplicationSettings, Error> {
    let root = parse(REPLICATION, body)?;
    expect_root(REPLICATION, &root, "replicationService")?;
    let flag = |k: &str| root.child_text(k).and_then(parse_bool);
    let text = |k: &str| root.child_text(k).map(str::to_owned);
    Ok(ReplicationSettings {
        allow_tenants_to_monitor_namespaces: flag("allowTenantsToMonitorNamespaces"),
        enable_dns_failover: flag("enableDNSFailover"),
        enable_domain_and_certificate_synchronization: flag(
            "enableDomainAndCertificateSynchronization",
        ),
        network: text("network"),
        connectivity_timeout_seconds: root
            .child_text("connectivityTimeoutSeconds")
            .and_then(parse_int),
        status: text("status"),
        verification: text("verification"),
        fields: child_map(&root),
    })
}

/// Decodes `GET /mapi/services/replication/links`: the link names. Anything but a
/// `<links>` document is an error (hcpsdk returned failures as names, its bug B12).
pub fn decode_link_list(body: &[u8]) -> Result<Vec<String>, Error> {
    let root = parse(LINKS, body)?;
    expect_root(LINKS, &root, "links")?;
    Ok(root
        .children_named("name")
        .map(Element::trimmed)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Decodes `GET /mapi/services/replication/links/<link>?verbose=true`, compact or
/// pretty-printed.
pub fn decode_link_details(body: &[u8]) -> Result<LinkDetails, Error> {
    let root = parse(LINK, body)?;
    expect_root(LINK, &root, "link")?;
    let text = |k: &str| root.child_text(k).map(str::to_owned);
    let flag = |k: &str| root.child_text(k).and_then(parse_bool);
    let link_type_text = text("type");
    let mut fields = BTreeMap::new();
    flatten(&root, "", 0, &mut fields);
    Ok(LinkDetails {
        name: text("name"),
        id: text("id"),
        link_type: link_type_text.as_deref().and_then(|t| t.parse().ok()),
        link_type_text,
        description: text("description"),
        status: text("status"),
        status_message: text("statusMessage"),
        suspended: flag("suspended"),
        compression: flag("compression"),
        encryption: flag("encryption"),
        priority: text("priority"),
        connection: root.child("connection").map(connection).unwrap_or_default(),
        failover_settings: FailoverSettings {
            local: failover_side(
                root.child("failoverSettings")
                    .and_then(|f| f.child("local")),
            ),
            remote: failover_side(
                root.child("failoverSettings")
                    .and_then(|f| f.child("remote")),
            ),
        },
        statistics: root.child("statistics").map(statistics).unwrap_or_default(),
        fields,
    })
}

/// Collects `path → text` for every element below `e` that has text and no children.
fn flatten(e: &Element, prefix: &str, depth: usize, out: &mut BTreeMap<String, String>) {
    for c in &e.children {
        let path = if prefix.is_empty() {
            c.name.clone()
        } else {
            format!("{prefix}/{}", c.name)
        };
        if c.children.is_empty() {
            let t = c.trimmed();
            if !t.is_empty() {
                out.insert(path, t.to_owned());
            }
        } else if depth < 8 {
            flatten(c, &path, depth + 1, out);
        }
    }
}

/// A comma-separated list (`a, b,c`), items trimmed, empty ones dropped.
fn comma_list(s: Option<&str>) -> Vec<String> {
    s.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

fn connection(e: &Element) -> LinkConnection {
    LinkConnection {
        local_hosts: comma_list(e.child_text("localHost")),
        local_port: e.child_text("localPort").and_then(parse_int),
        remote_hosts: comma_list(e.child_text("remoteHost")),
        remote_port: e.child_text("remotePort").and_then(parse_int),
    }
}

fn failover_side(e: Option<&Element>) -> FailoverSide {
    let Some(e) = e else {
        return FailoverSide::default();
    };
    FailoverSide {
        auto_failover: e.child_text("autoFailover").and_then(parse_bool),
        auto_failover_minutes: e.child_text("autoFailoverMinutes").and_then(parse_int),
        auto_complete_recovery: e.child_text("autoCompleteRecovery").and_then(parse_bool),
        auto_complete_recovery_minutes: e
            .child_text("autoCompleteRecoveryMinutes")
            .and_then(parse_int),
    }
}

fn statistics(e: &Element) -> LinkStatistics {
    let count = |k: &str| e.child_text(k).and_then(parse_int::<u64>);
    let rate = |k: &str| e.child_text(k).and_then(parse_f64);
    LinkStatistics {
        up_to_date_as_of_string: e.child_text("upToDateAsOfString").map(str::to_owned),
        up_to_date_as_of_millis: e.child_text("upToDateAsOfMillis").and_then(parse_int),
        bytes_pending: count("bytesPending"),
        bytes_pending_remote: count("bytesPendingRemote"),
        bytes_replicated: count("bytesReplicated"),
        bytes_per_second: rate("bytesPerSecond"),
        objects_pending: count("objectsPending"),
        objects_pending_remote: count("objectsPendingRemote"),
        objects_replicated: count("objectsReplicated"),
        operations_per_second: rate("operationsPerSecond"),
        errors: count("errors"),
        errors_per_second: rate("errorsPerSecond"),
        objects_verified: count("objectsVerified"),
        objects_replicated_after_verification: count("objectsReplicatedAfterVerification"),
    }
}

/// Decodes `GET /mapi/logs`. An empty element is `None` (hcpsdk crashed on it).
pub fn decode_log_status(body: &[u8]) -> Result<LogDownloadStatus, Error> {
    let root = parse(LOGS, body)?;
    expect_root(LOGS, &root, "logDownloadStatus")?;
    let flag = |k: &str| root.child_text(k).and_then(parse_bool);
    Ok(LogDownloadStatus {
        ready_for_streaming: flag("readyForStreaming"),
        streaming_in_progress: flag("streamingInProgress"),
        started: flag("started"),
        error: flag("error"),
        content: comma_list(root.child_text("content")),
        fields: child_map(&root),
    })
}

fn json(what: &str, body: &[u8]) -> Result<Value, Error> {
    serde_json::from_slice(body).map_err(|e| decode_error(what, format!("invalid JSON: {e}")))
}

/// Strings of a JSON value: an array's strings, or a lone string (a list of one may come
/// unwrapped). Other values are skipped.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Decodes `GET /mapi/tenants` (JSON `{"name": [...]}`): the tenant names. A body that is
/// not a JSON object is an error; an object without `name` is an empty list.
pub fn decode_tenant_list(body: &[u8]) -> Result<Vec<String>, Error> {
    let value = json(TENANTS, body)?;
    let Value::Object(map) = value else {
        return Err(decode_error(TENANTS, "not a JSON object"));
    };
    Ok(strings(map.get("name")))
}

/// Decodes `GET /mapi/tenants/<name>` (JSON). A body that is not a JSON object is an
/// error; fields of an unexpected type are `None`.
pub fn decode_tenant_info(body: &[u8]) -> Result<TenantInfo, Error> {
    let raw = json(TENANT, body)?;
    let Value::Object(map) = &raw else {
        return Err(decode_error(TENANT, "not a JSON object"));
    };
    let text = |k: &str| match map.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    };
    let flag = |k: &str| match map.get(k) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) => parse_bool(s),
        _ => None,
    };
    let number = |k: &str| match map.get(k) {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Some(Value::String(s)) => parse_int(s),
        _ => None,
    };
    let nested = |outer: &str, inner: &str| strings(map.get(outer).and_then(|o| o.get(inner)));
    let mut info = TenantInfo {
        name: text("name"),
        hard_quota: text("hardQuota"),
        soft_quota: number("softQuota"),
        namespace_quota: text("namespaceQuota"),
        max_namespaces_per_user: number("maxNamespacesPerUser"),
        administration_allowed: flag("administrationAllowed"),
        replication_configuration_enabled: flag("replicationConfigurationEnabled"),
        search_configuration_enabled: flag("searchConfigurationEnabled"),
        versioning_configuration_enabled: flag("versioningConfigurationEnabled"),
        compliance_configuration_enabled: flag("complianceConfigurationEnabled"),
        system_visible_description: text("systemVisibleDescription"),
        tenant_visible_description: text("tenantVisibleDescription"),
        authentication_types: nested("authenticationTypes", "authenticationType"),
        tags: nested("tags", "tag"),
        raw: Value::Null,
    };
    info.raw = raw;
    Ok(info)
}

/// Escapes text content (`&`, `<`, `>`): node names never need it, but a name must not be
/// able to change the document.
fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

fn joined<T: fmt::Display>(items: &[T]) -> String {
    let mut raw = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            raw.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(raw, "{item}");
    }
    let mut out = String::with_capacity(raw.len());
    escape_text(&raw, &mut out);
    out
}

/// The body of `POST /mapi/logs/prepare` (`Content-Type: application/xml`), byte for byte
/// hcpsdk's: dates as `MM/DD/YYYY`, the S-series nodes comma-separated, and a line of two
/// blanks in place of `<snodes>` when there are none.
pub fn logs_prepare_xml<S: AsRef<str>>(start: LogDate, end: LogDate, snodes: &[S]) -> String {
    let snodes_line = if snodes.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = snodes.iter().map(AsRef::as_ref).collect();
        format!("<snodes>{}</snodes>", joined(&names))
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <logPrepare>\n  \
         <startDate>{start}</startDate>\n  \
         <endDate>{end}</endDate>\n  \
         {snodes_line}\n\
         </logPrepare>\n"
    )
}

/// The body of `POST /mapi/logs/download` (`Content-Type: application/xml`), byte for
/// byte hcpsdk's: `<nodes>` only when nodes are given (its indentation stays), `<snodes>`
/// always (maybe empty), and all four log kinds when `content` is empty. No newline at
/// the end.
pub fn logs_download_xml<N: fmt::Display, S: AsRef<str>>(
    nodes: &[N],
    snodes: &[S],
    content: &[LogKind],
) -> String {
    let nodes_element = if nodes.is_empty() {
        String::new()
    } else {
        format!("<nodes>{}</nodes>", joined(nodes))
    };
    let snodes: Vec<&str> = snodes.iter().map(AsRef::as_ref).collect();
    let content = if content.is_empty() {
        &LogKind::ALL[..]
    } else {
        content
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <logDownload>\n    \
         {nodes_element}\n    \
         <snodes>{}</snodes>\n    \
         <content>{}</content>\n\
         </logDownload>",
        joined(&snodes),
        joined(content),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::mapi_types::LinkType;

    pub(crate) const REPLICATION: &str = "<replicationService><allowTenantsToMonitorNamespaces>false</allowTenantsToMonitorNamespaces><enableDNSFailover>true</enableDNSFailover><enableDomainAndCertificateSynchronization>true</enableDomainAndCertificateSynchronization><network>[hcp_system]</network><connectivityTimeoutSeconds>30</connectivityTimeoutSeconds><status>ENABLED</status><verification>ONCE</verification></replicationService>";

    pub(crate) const LINKS: &str = "<links><name>l1</name><name>l2</name></links>";

    /// The reference's verbose link (D1 data type), compact.
    pub(crate) const LINK: &str = "<link><compression>false</compression><connection><localHost>192.168.210.16, 192.168.210.17, 192.168.210.18</localHost><localPort>5748</localPort><remoteHost>replication.admin.hcp-ca.example.com</remoteHost><remotePort>5748</remotePort></connection><description>MA to CA</description><encryption>false</encryption><failoverSettings><local><autoFailover>true</autoFailover><autoFailoverMinutes>60</autoFailoverMinutes></local><remote><autoFailover>false</autoFailover><autoFailoverMinutes>120</autoFailoverMinutes><autoCompleteRecovery>true</autoCompleteRecovery><autoCompleteRecoveryMinutes>15</autoCompleteRecoveryMinutes></remote></failoverSettings><id>2de89eec-1b2a-4c0e-9d6e-2f4c0e1a7b3d</id><name>MA-CA</name><priority>OLDEST_FIRST</priority><statistics><upToDateAsOfString>2014-12-30T22:37:29+0100</upToDateAsOfString><upToDateAsOfMillis>1419975449113</upToDateAsOfMillis><bytesPending>0</bytesPending><bytesPendingRemote/><bytesReplicated/><bytesPerSecond>0.0</bytesPerSecond><objectsPending/><objectsPendingRemote/><objectsReplicated/><operationsPerSecond>0.0</operationsPerSecond><errors/><errorsPerSecond/><objectsVerified/><objectsReplicatedAfterVerification/></statistics><status>GOOD</status><statusMessage>Synchronizing data</statusMessage><suspended>false</suspended><type>ACTIVE_ACTIVE</type></link>";

    pub(crate) const LOG_STATUS: &str = "<logDownloadStatus><readyForStreaming>true</readyForStreaming><streamingInProgress>false</streamingInProgress><started>true</started><error>false</error><content>SERVICE,ACCESS</content></logDownloadStatus>";

    pub(crate) const TENANTS: &str = r#"{"name" : [ "Accounts-Payable", "Accounts-Receivable" ]}"#;

    pub(crate) const TENANT: &str = r#"{"administrationAllowed":true,"authenticationTypes":{"authenticationType":["LOCAL","EXTERNAL"]},"complianceConfigurationEnabled":false,"dataNetwork":"[hcp_system]","hardQuota":"200.00 GB","managementNetwork":"[hcp_system]","maxNamespacesPerUser":100,"name":"m","namespaceQuota":"None","replicationConfigurationEnabled":true,"searchConfigurationEnabled":"true","servicePlanSelectionEnabled":false,"snmpLoggingEnabled":false,"softQuota":85,"syslogLoggingEnabled":false,"systemVisibleDescription":"","tags":{"tag":[]},"tenantVisibleDescription":"","versioningConfigurationEnabled":true}"#;

    #[test]
    fn replication_settings() {
        let s = decode_replication_settings(REPLICATION.as_bytes()).unwrap();
        assert_eq!(s.allow_tenants_to_monitor_namespaces, Some(false));
        assert_eq!(s.enable_dns_failover, Some(true));
        assert_eq!(s.enable_domain_and_certificate_synchronization, Some(true));
        assert_eq!(s.network.as_deref(), Some("[hcp_system]"));
        assert_eq!(s.connectivity_timeout_seconds, Some(30));
        assert_eq!(s.status.as_deref(), Some("ENABLED"));
        assert_eq!(s.verification.as_deref(), Some("ONCE"));
        assert_eq!(s.fields.len(), 7);
        assert_eq!(s.fields["enableDNSFailover"], "true");
        let empty = decode_replication_settings(b"<replicationService/>").unwrap();
        assert_eq!(empty, ReplicationSettings::default());
    }

    #[test]
    fn link_list_and_error_documents() {
        assert_eq!(
            decode_link_list(LINKS.as_bytes()).unwrap(),
            vec!["l1", "l2"]
        );
        assert!(decode_link_list(b"<links/>").unwrap().is_empty());
        assert_eq!(
            decode_link_list(b"<links>\n  <name> a </name>\n  <name/>\n</links>").unwrap(),
            vec!["a"]
        );
        for bad in [
            &b"Error: [SSL: CERTIFICATE_VERIFY_FAILED]"[..],
            b"<error><name>x</name></error>",
            b"",
        ] {
            assert!(decode_link_list(bad).is_err());
        }
    }

    fn check_link(l: &LinkDetails) {
        assert_eq!(l.name.as_deref(), Some("MA-CA"));
        assert_eq!(
            l.id.as_deref(),
            Some("2de89eec-1b2a-4c0e-9d6e-2f4c0e1a7b3d")
        );
        assert_eq!(l.link_type, Some(LinkType::ActiveActive));
        assert_eq!(l.link_type_text.as_deref(), Some("ACTIVE_ACTIVE"));
        assert_eq!(l.description.as_deref(), Some("MA to CA"));
        assert_eq!(l.status.as_deref(), Some("GOOD"));
        assert_eq!(l.status_message.as_deref(), Some("Synchronizing data"));
        assert_eq!(l.suspended, Some(false));
        assert_eq!(l.compression, Some(false));
        assert_eq!(l.encryption, Some(false));
        assert_eq!(l.priority.as_deref(), Some("OLDEST_FIRST"));
        assert_eq!(
            l.connection.local_hosts,
            vec!["192.168.210.16", "192.168.210.17", "192.168.210.18"]
        );
        assert_eq!(l.connection.local_port, Some(5748));
        assert_eq!(
            l.connection.remote_hosts,
            vec!["replication.admin.hcp-ca.example.com"]
        );
        assert_eq!(l.connection.remote_port, Some(5748));
        let f = l.failover_settings;
        assert_eq!(f.local.auto_failover, Some(true));
        assert_eq!(f.local.auto_failover_minutes, Some(60));
        assert_eq!(f.local.auto_complete_recovery, None);
        assert_eq!(f.remote.auto_failover, Some(false));
        assert_eq!(f.remote.auto_failover_minutes, Some(120));
        assert_eq!(f.remote.auto_complete_recovery, Some(true));
        assert_eq!(f.remote.auto_complete_recovery_minutes, Some(15));
        let s = &l.statistics;
        assert_eq!(
            s.up_to_date_as_of_string.as_deref(),
            Some("2014-12-30T22:37:29+0100")
        );
        assert_eq!(s.up_to_date_as_of_millis, Some(1_419_975_449_113));
        assert_eq!(s.bytes_pending, Some(0));
        assert_eq!(s.bytes_pending_remote, None);
        assert_eq!(s.bytes_per_second, Some(0.0));
        assert_eq!(s.operations_per_second, Some(0.0));
        assert_eq!(s.errors, None);
        assert_eq!(s.errors_per_second, None);
        assert_eq!(l.fields["connection/localPort"], "5748");
        assert_eq!(
            l.fields["failoverSettings/remote/autoCompleteRecoveryMinutes"],
            "15"
        );
        assert!(!l.fields.contains_key("statistics/errors"));
    }

    #[test]
    fn link_details_compact_and_pretty() {
        check_link(&decode_link_details(LINK.as_bytes()).unwrap());
        // What `?prettyprint` gives: indentation everywhere, which hcpsdk read as values.
        let mut pretty = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let mut depth = 0usize;
        for piece in LINK.split_inclusive('>') {
            let closing = piece.starts_with("</");
            let empty = piece.ends_with("/>");
            if closing {
                depth = depth.saturating_sub(1);
            }
            if !piece.starts_with('<') {
                // "text</tag>": keep the value on the opening tag's line.
                let (value, tag) = piece.split_once('<').unwrap();
                pretty.pop();
                pretty.push_str(value);
                pretty.push('<');
                pretty.push_str(tag);
                pretty.push('\n');
                depth = depth.saturating_sub(1);
                continue;
            }
            pretty.push_str(&"    ".repeat(depth));
            pretty.push_str(piece);
            pretty.push('\n');
            if !closing && !empty {
                depth += 1;
            }
        }
        assert!(pretty.contains("\n    <connection>\n        <localHost>"));
        check_link(&decode_link_details(pretty.as_bytes()).unwrap());
        assert!(decode_link_details(LINKS.as_bytes()).is_err());
        let bare = decode_link_details(b"<link><type>SIDEWAYS</type></link>").unwrap();
        assert_eq!(bare.link_type, None);
        assert_eq!(bare.link_type_text.as_deref(), Some("SIDEWAYS"));
        assert!(bare.connection.local_hosts.is_empty());
    }

    #[test]
    fn log_status() {
        let s = decode_log_status(LOG_STATUS.as_bytes()).unwrap();
        assert_eq!(s.ready_for_streaming, Some(true));
        assert_eq!(s.streaming_in_progress, Some(false));
        assert_eq!(s.started, Some(true));
        assert_eq!(s.error, Some(false));
        assert_eq!(s.content, vec!["SERVICE", "ACCESS"]);
        assert_eq!(s.fields.len(), 5);
        // hcpsdk crashed on an empty element (B15).
        let empty = decode_log_status(
            b"<logDownloadStatus><readyForStreaming/><content/></logDownloadStatus>",
        )
        .unwrap();
        assert_eq!(empty.ready_for_streaming, None);
        assert!(empty.content.is_empty());
    }

    #[test]
    fn tenants() {
        assert_eq!(
            decode_tenant_list(TENANTS.as_bytes()).unwrap(),
            vec!["Accounts-Payable", "Accounts-Receivable"]
        );
        assert_eq!(
            decode_tenant_list(br#"{"name":"Default"}"#).unwrap(),
            vec!["Default"]
        );
        assert!(decode_tenant_list(b"{}").unwrap().is_empty());
        assert!(decode_tenant_list(b"[\"a\"]").is_err());
        assert!(decode_tenant_list(b"<tenants/>").is_err());

        let t = decode_tenant_info(TENANT.as_bytes()).unwrap();
        assert_eq!(t.name.as_deref(), Some("m"));
        assert_eq!(t.hard_quota.as_deref(), Some("200.00 GB"));
        assert_eq!(t.soft_quota, Some(85));
        assert_eq!(t.namespace_quota.as_deref(), Some("None"));
        assert_eq!(t.max_namespaces_per_user, Some(100));
        assert_eq!(t.administration_allowed, Some(true));
        assert_eq!(t.replication_configuration_enabled, Some(true));
        assert_eq!(t.search_configuration_enabled, Some(true));
        assert_eq!(t.compliance_configuration_enabled, Some(false));
        assert_eq!(t.system_visible_description.as_deref(), Some(""));
        assert_eq!(t.authentication_types, vec!["LOCAL", "EXTERNAL"]);
        assert!(t.tags.is_empty());
        assert_eq!(t.raw["dataNetwork"], "[hcp_system]");
        let default = decode_tenant_info(br#"{"name":"Default","softQuota":"x"}"#).unwrap();
        assert_eq!(default.soft_quota, None);
        assert!(decode_tenant_info(b"null").is_err());
    }

    #[test]
    fn logs_prepare_body() {
        let start = LogDate::new(2017, 3, 1).unwrap();
        let end = LogDate::new(2017, 3, 21).unwrap();
        assert_eq!(
            logs_prepare_xml(start, end, &["s1", "s2"]),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<logPrepare>\n  <startDate>03/01/2017</startDate>\n  <endDate>03/21/2017</endDate>\n  <snodes>s1,s2</snodes>\n</logPrepare>\n"
        );
        assert_eq!(
            logs_prepare_xml::<&str>(LogDate::EPOCH, end, &[]),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<logPrepare>\n  <startDate>01/01/1970</startDate>\n  <endDate>03/21/2017</endDate>\n  \n</logPrepare>\n"
        );
        assert!(logs_prepare_xml(start, end, &["a<b&c"]).contains("<snodes>a&lt;b&amp;c</snodes>"));
    }

    #[test]
    fn logs_download_body() {
        assert_eq!(
            logs_download_xml(&[1, 2], &["s1"], &[LogKind::Access, LogKind::Service]),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<logDownload>\n    <nodes>1,2</nodes>\n    <snodes>s1</snodes>\n    <content>ACCESS,SERVICE</content>\n</logDownload>"
        );
        assert_eq!(
            logs_download_xml::<u32, &str>(&[], &[], &[]),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<logDownload>\n    \n    <snodes></snodes>\n    <content>ACCESS,SYSTEM,SERVICE,APPLICATION</content>\n</logDownload>"
        );
        assert!(logs_download_xml(&["17"], &["x"], &[]).contains("<nodes>17</nodes>"));
    }

    #[test]
    fn request_bodies_parse_back() {
        let body = logs_download_xml(&[3], &["a&b"], &[LogKind::System]);
        let root = parse("body", body.as_bytes()).unwrap();
        assert_eq!(root.child_text("snodes"), Some("a&b"));
        assert_eq!(root.child_text("content"), Some("SYSTEM"));
        let body = logs_prepare_xml::<&str>(LogDate::EPOCH, LogDate::EPOCH, &[]);
        assert_eq!(
            parse("body", body.as_bytes())
                .unwrap()
                .child_text("endDate"),
            Some("01/01/1970")
        );
    }
}
