//! The management API on its own port (reference §8): replication service and links, logs,
//! tenants and chargeback reports. XML unless the request accepts JSON; compact unless it
//! asks for `?prettyprint`.

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH};
use http::request::Parts;
use http::{Method, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use storkit_mock::MockBody;
use storkit_mock::query::{self, Query, QueryStyle};

use crate::answer::{Head, mapi_fail};
use crate::auth::Caller;
use crate::doc::{Value, to_json, to_xml};
use crate::objects::Fail;
use crate::replication::Link;
use crate::system::{HostTarget, System};
use crate::time;

/// The largest MAPI request body read.
const MAX_BODY: usize = 1024 * 1024;

/// How the caller wants documents written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
    Csv,
}

struct Call<'a> {
    system: &'a System,
    parts: &'a Parts,
    query: Query,
    format: Format,
    pretty: bool,
    now_ms: i64,
}

impl Call<'_> {
    /// A document in the requested format (CSV callers get XML, except chargeback).
    fn document(&self, root: &str, value: &Value) -> Response<MockBody> {
        let head = Head::mapi(self.system, self.now_ms, false);
        match self.format {
            Format::Json => head.respond_with(
                StatusCode::OK,
                "application/json",
                to_json(value, self.pretty),
            ),
            Format::Xml | Format::Csv => head.respond_with(
                StatusCode::OK,
                "application/xml",
                to_xml(root, value, self.pretty),
            ),
        }
    }

    fn ok_empty(&self) -> Response<MockBody> {
        Head::mapi(self.system, self.now_ms, false).respond_empty(StatusCode::OK)
    }
}

/// One request on the MAPI port, from `caller` to `target`.
pub(crate) async fn handle(
    system: &System,
    parts: Parts,
    body: Incoming,
    target: &HostTarget,
    caller: Caller<'_>,
) -> Response<MockBody> {
    let now_ms = time::now_ms();
    // HEAD is GET without the body (reference §8.5), with 302 where GET has 403 or 404.
    let head = parts.method == Method::HEAD;
    let mut parts = parts;
    if head {
        parts.method = Method::GET;
    }
    let result = async {
        let bytes = read_body(&parts, body).await?;
        let query = Query::from_uri(&parts.uri, QueryStyle::Form)
            .map_err(|e| Fail::bad_request(format!("invalid query: {e}")))?;
        let accept = parts
            .headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let format = if accept.contains("application/json") {
            Format::Json
        } else if accept.contains("text/csv") {
            Format::Csv
        } else {
            Format::Xml
        };
        let call = Call {
            system,
            parts: &parts,
            pretty: query.contains_key("prettyprint"),
            query,
            format,
            now_ms,
        };
        route(&call, &bytes, target, caller)
    }
    .await;
    match result {
        Ok(response) if head => {
            let (parts, _) = response.into_parts();
            Response::from_parts(parts, storkit_mock::body::empty())
        }
        Ok(response) => response,
        Err(fail) => mapi_fail(system, now_ms, &head_status(head, fail)),
    }
}

/// The status of a failed MAPI request: a HEAD on a missing resource or without
/// permission gets `302 Found` (reference §8.5), everything else its own status.
pub(crate) fn head_status(head: bool, fail: Fail) -> Fail {
    if head && matches!(fail.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
        Fail::new(StatusCode::FOUND, fail.message)
    } else {
        fail
    }
}

async fn read_body(parts: &Parts, body: Incoming) -> Result<Bytes, Fail> {
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_BODY) {
        return Err(Fail::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
        ));
    }
    http_body_util::Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|e| Fail::bad_request(format!("the request body cannot be read: {e}")))
}

fn route(
    call: &Call<'_>,
    body: &[u8],
    target: &HostTarget,
    caller: Caller<'_>,
) -> Result<Response<MockBody>, Fail> {
    let path = call.parts.uri.path();
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let method = &call.parts.method;
    // What a tenant-level user may see: its own tenant, through its own tenant's host.
    let tenant_scope = match (caller, target) {
        (Caller::Admin, _) => None,
        (Caller::User(user), HostTarget::Tenant(tenant)) if user.tenant == *tenant => {
            Some(tenant.clone())
        }
        (Caller::User(_), _) => {
            return Err(Fail::forbidden(
                "this account has no access to the management API on this host",
            ));
        }
    };
    let system_level = || {
        if tenant_scope.is_some() {
            Err(Fail::forbidden("this request needs a system-level account"))
        } else {
            Ok(())
        }
    };
    match segments.as_slice() {
        ["mapi", "services", "replication"] => {
            system_level()?;
            only(method, &[Method::GET, Method::POST])?;
            if *method == Method::POST {
                return service_action(call);
            }
            Ok(call.document("replicationService", &replication_service()))
        }
        ["mapi", "services", "replication", "links"] => {
            system_level()?;
            only(method, &[Method::GET])?;
            let state = call.system.state();
            let names = state
                .links
                .iter()
                .map(|l| Value::str(&l.config.name))
                .collect();
            Ok(call.document("links", &Value::obj([("name", Value::List(names))])))
        }
        ["mapi", "services", "replication", "links", raw_name] => {
            system_level()?;
            let name = query::decode(raw_name, QueryStyle::Rfc3986)
                .map_err(|e| Fail::bad_request(format!("invalid link name: {e}")))?;
            link(call, &name)
        }
        ["mapi", "logs"] => {
            system_level()?;
            logs(call)
        }
        ["mapi", "logs", "prepare"] => {
            system_level()?;
            only(method, &[Method::POST])?;
            let text = std::str::from_utf8(body)
                .map_err(|_| Fail::bad_request("the body is not UTF-8"))?;
            call.system.state().logs.prepare(
                text,
                tokio::time::Instant::now(),
                call.system.log_prepare_time,
            )?;
            Ok(call.ok_empty())
        }
        ["mapi", "logs", "download"] => {
            system_level()?;
            only(method, &[Method::POST])?;
            let text = std::str::from_utf8(body)
                .map_err(|_| Fail::bad_request("the body is not UTF-8"))?;
            let zip = call.system.state().logs.download(
                text,
                tokio::time::Instant::now(),
                call.system.log_prepare_time,
            )?;
            let mut head = Head::mapi(call.system, call.now_ms, false);
            // Unquoted: hcpsdk takes everything after `=` as the file name.
            head.add(
                "content-disposition",
                format!(
                    "attachment; filename=HCPLogs-admin.{}-{}.zip",
                    call.system.domain,
                    time::compact_stamp(call.now_ms / 1000)
                ),
            );
            Ok(head.respond_with(StatusCode::OK, "application/zip", zip))
        }
        ["mapi", "tenants"] => {
            only(method, &[Method::GET])?;
            let tenants = call
                .system
                .tenants
                .iter()
                .filter(|t| tenant_scope.as_ref().is_none_or(|own| own == *t))
                .map(Value::str)
                .collect();
            Ok(call.document("tenants", &Value::obj([("name", Value::List(tenants))])))
        }
        ["mapi", "tenants", raw_name, rest @ ..] => {
            let name = query::decode(raw_name, QueryStyle::Rfc3986)
                .map_err(|e| Fail::bad_request(format!("invalid tenant name: {e}")))?
                .to_ascii_lowercase();
            if !call.system.tenants.contains(&name) {
                return Err(Fail::not_found(format!("no tenant {name}")));
            }
            if tenant_scope.as_ref().is_some_and(|own| *own != name) {
                return Err(Fail::forbidden("this account belongs to another tenant"));
            }
            match rest {
                [] => {
                    only(method, &[Method::GET, Method::HEAD])?;
                    Ok(call.document("tenant", &tenant_info(call.system, &name)))
                }
                ["chargebackReport"] => {
                    only(method, &[Method::GET])?;
                    chargeback(call, &name)
                }
                _ => Err(Fail::not_found(format!("no such resource: {path}"))),
            }
        }
        _ => Err(Fail::not_found(format!("no such resource: {path}"))),
    }
}

fn only(method: &Method, allowed: &[Method]) -> Result<(), Fail> {
    if allowed.contains(method) {
        Ok(())
    } else {
        Err(Fail::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not allowed on this resource"),
        ))
    }
}

fn replication_service() -> Value {
    Value::obj([
        ("allowTenantsToMonitorNamespaces", Value::str("true")),
        ("enableDNSFailover", Value::str("true")),
        (
            "enableDomainAndCertificateSynchronization",
            Value::str("true"),
        ),
        ("network", Value::str("[hcp_system]")),
        ("connectivityTimeoutSeconds", Value::str("30")),
        ("status", Value::str("ENABLED")),
        ("verification", Value::str("ONCE")),
    ])
}

fn link(call: &Call<'_>, name: &str) -> Result<Response<MockBody>, Fail> {
    let method = &call.parts.method;
    let mut state = call.system.state();
    let link = state
        .links
        .iter_mut()
        .find(|l| l.config.name == name)
        .ok_or_else(|| Fail::not_found(format!("no replication link {name}")))?;
    match *method {
        Method::GET => {
            let hosts = crate::system::lock(&call.system.local_hosts).clone();
            let document = link.document(&hosts, call.now_ms);
            drop(state);
            Ok(call.document("link", &document))
        }
        Method::POST => {
            // The action is a bare key (`?failOver`) or an empty one (`?failOver=`).
            let actions: Vec<&str> = call
                .query
                .pairs()
                .iter()
                .map(|(k, _)| k.as_str())
                .filter(|k| *k != "prettyprint")
                .collect();
            let action = match actions.as_slice() {
                [action] => *action,
                [] => return Err(Fail::bad_request("no link action given")),
                _ => return Err(Fail::bad_request("give exactly one link action")),
            };
            if !Link::is_action(action) {
                return Err(Fail::bad_request(format!("unknown link action: {action}")));
            }
            link.apply(action)?;
            drop(state);
            Ok(call.ok_empty())
        }
        _ => Err(Fail::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not allowed on a link"),
        )),
    }
}

/// `POST /mapi/services/replication?shutDownAllLinks=<reason>` or `?reestablishAllLinks`
/// (reference §8.1, service-wide; not in hcpsdk): every link shut down, or back up.
fn service_action(call: &Call<'_>) -> Result<Response<MockBody>, Fail> {
    let actions: Vec<&str> = call
        .query
        .pairs()
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| *k != "prettyprint")
        .collect();
    let shut_down = match actions.as_slice() {
        ["shutDownAllLinks"] => true,
        ["reestablishAllLinks"] => false,
        [] => {
            return Err(Fail::bad_request(
                "no replication service action given (shutDownAllLinks or reestablishAllLinks)",
            ));
        }
        [one] => {
            return Err(Fail::bad_request(format!(
                "unknown replication service action: {one}"
            )));
        }
        _ => return Err(Fail::bad_request("give exactly one service action")),
    };
    let mut state = call.system.state();
    for link in &mut state.links {
        link.set_shut_down(shut_down, actions[0]);
    }
    drop(state);
    Ok(call.ok_empty())
}

fn logs(call: &Call<'_>) -> Result<Response<MockBody>, Fail> {
    let system = call.system;
    match call.parts.method {
        Method::GET => {
            let status = system
                .state()
                .logs
                .status(tokio::time::Instant::now(), system.log_prepare_time);
            Ok(call.document("logDownloadStatus", &status))
        }
        Method::POST => {
            if let Some(message) = call.query.get("mark") {
                if message.trim().is_empty() {
                    return Err(Fail::bad_request("a log message is required"));
                }
                system.state().logs.marks.push(message.to_owned());
                Ok(call.ok_empty())
            } else if call.query.contains_key("cancel") {
                system.state().logs.cancel();
                Ok(call.ok_empty())
            } else {
                Err(Fail::bad_request("POST /mapi/logs needs mark or cancel"))
            }
        }
        ref method => Err(Fail::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not allowed on /mapi/logs"),
        )),
    }
}

fn tenant_info(system: &System, name: &str) -> Value {
    let state = system.state();
    let namespaces = state.namespaces.iter().filter(|n| n.tenant == name).count();
    drop(state);
    Value::obj([
        ("administrationAllowed", Value::lit(true)),
        (
            "authenticationTypes",
            Value::obj([(
                "authenticationType",
                Value::List(vec![Value::str("LOCAL"), Value::str("EXTERNAL")]),
            )]),
        ),
        ("complianceConfigurationEnabled", Value::lit(false)),
        ("dataNetwork", Value::str("[hcp_system]")),
        ("hardQuota", Value::str("200.00 GB")),
        ("managementNetwork", Value::str("[hcp_system]")),
        ("maxNamespacesPerUser", Value::lit(100)),
        ("name", Value::str(name)),
        ("namespaceCount", Value::lit(namespaces)),
        ("namespaceQuota", Value::str("None")),
        ("replicationConfigurationEnabled", Value::lit(true)),
        ("searchConfigurationEnabled", Value::lit(true)),
        ("servicePlanSelectionEnabled", Value::lit(false)),
        ("snmpLoggingEnabled", Value::lit(false)),
        ("softQuota", Value::lit(85)),
        ("syslogLoggingEnabled", Value::lit(false)),
        (
            "systemVisibleDescription",
            Value::str(format!("tenant {name}")),
        ),
        ("tags", Value::obj([("tag", Value::List(Vec::new()))])),
        ("tenantVisibleDescription", Value::str("")),
        ("versioningConfigurationEnabled", Value::lit(true)),
    ])
}

fn chargeback(call: &Call<'_>, tenant: &str) -> Result<Response<MockBody>, Fail> {
    let query = &call.query;
    for key in ["start", "end"] {
        if let Some(value) = query.get(key)
            && !time::is_timestamp(value)
        {
            return Err(Fail::bad_request(format!(
                "invalid {key} time {value:?}: expected yyyy-MM-ddThh:mm:ss±hhmm"
            )));
        }
    }
    let granularity = query.get("granularity").unwrap_or("total");
    if !matches!(granularity, "day" | "hour" | "total") {
        return Err(Fail::bad_request(format!(
            "invalid granularity {granularity:?}: day, hour or total"
        )));
    }
    let now = time::iso_string(call.now_ms / 1000);
    let start = query.get("start").unwrap_or(&now).to_owned();
    let end = query.get("end").unwrap_or(&now).to_owned();
    let state = call.system.state();
    let mut rows: Vec<(Option<String>, u64, u64)> = Vec::new();
    let mut total = (0u64, 0u64);
    for ns in state.namespaces.iter().filter(|n| n.tenant == tenant) {
        let (count, bytes) = ns
            .objects()
            .fold((0u64, 0u64), |(c, b), o| (c + 1, b + o.size()));
        total.0 += count;
        total.1 += bytes;
        rows.push((Some(ns.config.name.clone()), count, bytes));
    }
    drop(state);
    rows.push((None, total.0, total.1));
    let system_name = &call.system.domain;
    if call.format == Format::Csv {
        let mut csv = String::from(
            "systemName,tenantName,namespaceName,startTime,endTime,objectCount,ingestedVolume,storageCapacityUsed,bytesIn,bytesOut,reads,writes,deletes,deleted,valid\n",
        );
        for (ns, count, bytes) in &rows {
            csv.push_str(&format!(
                "{system_name},{tenant},{},{start},{end},{count},{bytes},{bytes},0,0,0,0,0,false,true\n",
                ns.as_deref().unwrap_or("")
            ));
        }
        let head = Head::mapi(call.system, call.now_ms, false);
        return Ok(head.respond_with(StatusCode::OK, "text/csv", csv));
    }
    let reports = rows
        .into_iter()
        .map(|(ns, count, bytes)| {
            let mut pairs = vec![
                ("systemName", Value::str(system_name)),
                ("tenantName", Value::str(tenant)),
            ];
            if let Some(ns) = ns {
                pairs.push(("namespaceName", Value::str(ns)));
            }
            pairs.extend([
                ("startTime", Value::str(&start)),
                ("endTime", Value::str(&end)),
                ("valid", Value::lit(true)),
                ("deleted", Value::str("false")),
                ("bytesOut", Value::lit(0)),
                ("reads", Value::lit(0)),
                ("writes", Value::lit(0)),
                ("deletes", Value::lit(0)),
                ("tieredObjects", Value::lit(0)),
                ("tieredBytes", Value::lit(0)),
                ("metadataOnlyObjects", Value::lit(0)),
                ("metadataOnlyBytes", Value::lit(0)),
                ("bytesIn", Value::lit(bytes)),
                ("storageCapacityUsed", Value::lit(bytes)),
                ("ingestedVolume", Value::lit(bytes)),
                ("objectCount", Value::lit(count)),
            ]);
            Value::obj(pairs)
        })
        .collect();
    let key = if call.format == Format::Json {
        "chargebackData"
    } else {
        "chargebackReport"
    };
    Ok(call.document("chargebackData", &Value::obj([(key, Value::List(reports))])))
}
