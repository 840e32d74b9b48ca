//! The check behind `Remote-Authorization`: like the real REST server, the mock asks the
//! remote system's REST server whether the token is valid, over HTTP(S), and learns from it
//! which storage system answers there.

use std::time::Duration;

use serde_json::Value;
use storkit_core::{Client, Request, RetryPolicy, TlsPolicy};

use crate::errors::ApiError;
use crate::request::Call;

/// What the remote REST server says about one of its storage systems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteSystem {
    pub(crate) sdid: String,
    pub(crate) model: String,
    pub(crate) serial: u64,
    pub(crate) ctl1_ip: Option<String>,
    pub(crate) ctl2_ip: Option<String>,
}

/// Why an attempt on one scheme failed.
enum Failure {
    /// No HTTP exchange happened (wrong scheme, refused, TLS): worth trying the other scheme.
    Transport(String),
    /// The server answered and refused, or answered nonsense: final.
    Refused(String),
}

/// The token of a `Remote-Authorization: Session <token>` header; a missing header is the
/// documented "required parameters are not specified".
pub(crate) fn remote_token(call: &Call) -> Result<String, ApiError> {
    let header = call
        .header("remote-authorization")
        .ok_or_else(|| ApiError::missing("Remote-Authorization"))?;
    crate::sessions::session_token(Some(header))
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::invalid(
                "Remote-Authorization",
                "Specify Session followed by a token of the remote REST API server.",
            )
        })
}

/// Checks `token` against the REST server at `ip:port` and returns its storage systems.
///
/// The scheme of the remote server is not in the request; the mock tries its own scheme
/// first and the other one when no HTTP exchange took place. The error is the text for the
/// job's error `cause`.
pub(crate) async fn verify(
    prefer_https: bool,
    ip: &str,
    port: u16,
    token: &str,
) -> Result<Vec<RemoteSystem>, String> {
    let schemes = if prefer_https {
        ["https", "http"]
    } else {
        ["http", "https"]
    };
    let mut last = String::from("The remote REST API server could not be reached.");
    for scheme in schemes {
        match attempt(scheme, ip, port, token).await {
            Ok(systems) => return Ok(systems),
            Err(Failure::Refused(reason)) => return Err(reason),
            Err(Failure::Transport(reason)) => last = reason,
        }
    }
    Err(last)
}

async fn attempt(
    scheme: &str,
    ip: &str,
    port: u16,
    token: &str,
) -> Result<Vec<RemoteSystem>, Failure> {
    let host = if ip.contains(':') {
        format!("[{ip}]")
    } else {
        ip.to_owned()
    };
    // Certificates are not verified: one array's REST server talks to another's, whose
    // certificate is self-signed (the mock generates one per start), exactly as the seeds
    // talk to both with `verify=False`. No secret of this server travels on the connection:
    // only the token the client gave for the remote server itself.
    let client = Client::builder(format!("{scheme}://{host}:{port}"))
        .tls(TlsPolicy::danger_accept_invalid_certs())
        .retry_policy(RetryPolicy::never())
        .connect_timeout(Duration::from_secs(3))
        .request_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Failure::Refused(format!("The remote address {ip}:{port} is invalid: {e}")))?;
    let transport = |e: storkit_core::Error| {
        Failure::Transport(format!(
            "The remote REST API server {scheme}://{host}:{port} could not be reached: {e}"
        ))
    };
    let sessions = client
        .send(
            Request::get("/ConfigurationManager/v1/objects/sessions")
                .header("authorization", format!("Session {token}")),
        )
        .await
        .map_err(transport)?;
    match sessions.status().as_u16() {
        200 => {}
        401 => {
            return Err(Failure::Refused(
                "The remote REST API server rejected the token in Remote-Authorization (HTTP 401)."
                    .to_owned(),
            ));
        }
        status => {
            return Err(Failure::Refused(format!(
                "The remote REST API server answered HTTP {status} to the token check."
            )));
        }
    }
    let storages = client
        .send(Request::get("/ConfigurationManager/v1/objects/storages"))
        .await
        .map_err(transport)?;
    if !storages.is_success() {
        return Err(Failure::Refused(format!(
            "The remote REST API server answered HTTP {} to the storage list.",
            storages.status().as_u16()
        )));
    }
    let body: Value = storages
        .json()
        .map_err(|e| Failure::Refused(format!("The remote storage list is not JSON: {e}")))?;
    Ok(parse_storages(&body))
}

fn parse_storages(body: &Value) -> Vec<RemoteSystem> {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    body.get("data")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    Some(RemoteSystem {
                        sdid: text(item, "storageDeviceId")?,
                        model: text(item, "model").unwrap_or_default(),
                        serial: item
                            .get("serialNumber")
                            .and_then(Value::as_u64)
                            .unwrap_or(0),
                        ctl1_ip: text(item, "ctl1Ip"),
                        ctl2_ip: text(item, "ctl2Ip"),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_the_storage_list() {
        let body = json!({ "data": [
            { "storageDeviceId": "886000420000", "model": "VSP G900", "serialNumber": 420000,
              "ctl1Ip": "127.0.0.2" },
            { "model": "no id" },
        ]});
        let systems = parse_storages(&body);
        assert_eq!(systems.len(), 1);
        assert_eq!(systems[0].sdid, "886000420000");
        assert_eq!(systems[0].serial, 420_000);
        assert_eq!(systems[0].ctl1_ip.as_deref(), Some("127.0.0.2"));
        assert_eq!(systems[0].ctl2_ip, None);
        assert!(parse_storages(&json!({})).is_empty());
    }
}
