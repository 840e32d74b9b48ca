//! Namespace information under `/proc` (reference §6, appendix C): accessible namespaces,
//! statistics, retention classes and permissions, as UTF-8 XML.

use std::fmt::Write as _;

use http::{Response, StatusCode};
use storkit_mock::MockBody;
use storkit_mock::query::{Query, QueryStyle};

use crate::answer::Head;
use crate::config::UserConfig;
use crate::doc::{cdata, escape};
use crate::objects::{Fail, Namespace};
use crate::system::System;
use crate::time;

const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const XSI: &str = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

/// What a `/proc` request is about: a namespace (by the Host) or a whole tenant.
pub(crate) enum Scope {
    Namespace(usize),
    Tenant(String),
}

/// One `/proc` request by `user`.
pub(crate) fn handle(
    system: &System,
    path: &str,
    raw_query: Option<&str>,
    scope: &Scope,
    user: &UserConfig,
) -> Result<Response<MockBody>, Fail> {
    let query = Query::parse(raw_query.unwrap_or(""), QueryStyle::Form)
        .map_err(|e| Fail::bad_request(format!("invalid query: {e}")))?;
    let state = system.state();
    let tenant = match scope {
        Scope::Namespace(index) => state
            .namespaces
            .get(*index)
            .map(|n| n.tenant.clone())
            .unwrap_or_default(),
        Scope::Tenant(tenant) => tenant.clone(),
    };
    if user.tenant != tenant {
        return Err(Fail::new(
            StatusCode::UNAUTHORIZED,
            "the user has no access to this tenant",
        ));
    }
    // The namespace the Host names, when the user may access it; 401 otherwise.
    let own = || -> Result<&Namespace, Fail> {
        match scope {
            Scope::Namespace(index) => state
                .namespaces
                .get(*index)
                .filter(|n| user.may_access(&n.config.name))
                .ok_or_else(|| {
                    Fail::new(
                        StatusCode::UNAUTHORIZED,
                        "the user has no access to this namespace",
                    )
                }),
            Scope::Tenant(_) => Err(Fail::bad_request(
                "this information is per namespace: use the namespace's host name",
            )),
        }
    };
    let xml = match path.trim_end_matches('/') {
        "/proc" => {
            let single = query
                .get("single")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let listed: Vec<&Namespace> = if single {
                vec![own()?]
            } else {
                state
                    .namespaces
                    .iter()
                    .filter(|n| n.tenant == tenant && user.may_access(&n.config.name))
                    .collect()
            };
            namespaces(system, &tenant, &listed)
        }
        "/proc/statistics" => statistics(own()?),
        "/proc/retentionClasses" => retention_classes(own()?),
        "/proc/permissions" => permissions(own()?),
        _ => return Err(Fail::not_found(format!("no such /proc resource: {path}"))),
    };
    drop(state);
    let mut head = Head::data(system, time::now_ms());
    head.no_cache();
    Ok(head.respond_with(StatusCode::OK, "text/xml;charset=UTF-8", xml))
}

fn namespaces(system: &System, tenant: &str, listed: &[&Namespace]) -> String {
    let scheme = if system.data_tls { "https" } else { "http" };
    let mut xml = String::from(XML_HEAD);
    xml.push_str("<?xml-stylesheet type=\"text/xsl\" href=\"/static/xsl/proc-namespaces.xsl\"?>\n");
    let _ = writeln!(
        xml,
        "<namespaces {XSI} xsi:noNamespaceSchemaLocation=\"/static/xsd/proc-namespaces.xsd\" \
         tenantHostName=\"{}.{}\" httpScheme=\"{scheme}\">",
        escape(tenant),
        escape(&system.domain)
    );
    for ns in listed {
        let c = &ns.config;
        let _ = writeln!(
            xml,
            "  <namespace name=\"{name}\" nameIDNA=\"{name}\" versioningEnabled=\"{}\" \
             searchEnabled=\"{}\" retentionMode=\"{}\" defaultShredValue=\"{}\" \
             defaultIndexValue=\"{}\" defaultRetentionValue=\"{}\" hashScheme=\"{}\" \
             dpl=\"{}\">",
            c.versioning,
            c.search,
            escape(&c.retention_mode),
            c.default_shred,
            c.default_index,
            escape(&c.default_retention),
            escape(&c.hash_scheme),
            c.dpl,
            name = escape(&c.name),
        );
        // Always a description, never an empty one: hcpsdk strips its text unconditionally.
        let description = if c.description.trim().is_empty() {
            "-"
        } else {
            &c.description
        };
        let _ = writeln!(
            xml,
            "    <description>{}</description>",
            cdata(&format!("\n   {description}\n  "))
        );
        xml.push_str("  </namespace>\n");
    }
    xml.push_str("</namespaces>\n");
    xml
}

fn statistics(ns: &Namespace) -> String {
    let mut objects = 0u64;
    let mut used = 0u64;
    let mut shred = (0u64, 0u64);
    let mut custom = (0u64, 0u64);
    for object in ns.objects() {
        objects += 1;
        used += object.size();
        if object.shred {
            shred.0 += 1;
            shred.1 += object.size();
        }
        if !object.custom_metadata.is_empty() {
            custom.0 += 1;
            custom.1 += object
                .custom_metadata
                .iter()
                .map(|(_, d)| d.len() as u64)
                .sum::<u64>();
        }
    }
    format!(
        "{XML_HEAD}<?xml-stylesheet type=\"text/xsl\" href=\"/static/xsl/proc-statistics.xsl\"?>\n\
         <statistics {XSI} xsi:noNamespaceSchemaLocation=\"/static/xsd/proc-statistics.xsd\" \
         namespaceName=\"{}\" totalCapacityBytes=\"{}\" usedCapacityBytes=\"{used}\" \
         softQuotaPercent=\"{}\" objectCount=\"{objects}\" shredObjectCount=\"{}\" \
         shredObjectBytes=\"{}\" customMetadataObjectCount=\"{}\" \
         customMetadataObjectBytes=\"{}\"/>\n",
        escape(&ns.config.name),
        ns.config.hard_quota_bytes,
        ns.config.soft_quota_percent,
        shred.0,
        shred.1,
        custom.0,
        custom.1,
    )
}

fn retention_classes(ns: &Namespace) -> String {
    let mut xml = String::from(XML_HEAD);
    let _ = writeln!(
        xml,
        "<retentionClasses namespaceName=\"{}\">",
        escape(&ns.config.name)
    );
    for class in &ns.config.retention_classes {
        let _ = writeln!(
            xml,
            "  <retentionClass name=\"{}\" value=\"{}\" autoDelete=\"{}\">\
             <description>{}</description></retentionClass>",
            escape(&class.name),
            escape(&class.value),
            class.auto_delete,
            cdata(&class.description)
        );
    }
    xml.push_str("</retentionClasses>\n");
    xml
}

fn permissions(ns: &Namespace) -> String {
    const NAMES: [&str; 10] = [
        "browse",
        "read",
        "write",
        "readAcl",
        "writeAcl",
        "changeOwner",
        "delete",
        "privileged",
        "purge",
        "search",
    ];
    let attrs: String = NAMES.iter().map(|n| format!(" {n}=\"true\"")).collect();
    let mut xml = String::from(XML_HEAD);
    xml.push_str(
        "<?xml-stylesheet type=\"text/xsl\" href=\"/static/xsl/proc-permissions.xsl\"?>\n",
    );
    let _ = writeln!(
        xml,
        "<permissions {XSI} xsi:noNamespaceSchemaLocation=\"/static/xsd/proc-permissions.xsd\" \
         namespaceName=\"{}\">",
        escape(&ns.config.name)
    );
    for element in [
        "namespacePermissions",
        "namespaceEffectivePermissions",
        "userPermissions",
        "userEffectivePermissions",
    ] {
        let _ = writeln!(xml, "  <{element}{attrs}/>");
    }
    xml.push_str("</permissions>\n");
    xml
}
