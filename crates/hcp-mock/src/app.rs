//! The kit handler: which port a request came in on, which namespace, tenant or admin host
//! its `Host` names, who sent it, and then the REST, `/proc` or MAPI code.

use std::sync::Arc;

use http::header::HOST;
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use storkit_mock::{Ctx, Handler, HandlerFuture, MockBody};

use crate::answer::{data_fail, mapi_fail};
use crate::auth::{self, Caller};
use crate::config::UserConfig;
use crate::objects::Fail;
use crate::proc::{self, Scope};
use crate::system::{HostTarget, System};
use crate::{legacy, mapi, rest, time};

/// How much of a refused request's body is read before answering, so that a client that
/// sends its whole body before reading (as Python's http.client does) gets the answer
/// rather than a reset.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// Serves one system on both of its listeners.
pub(crate) struct App {
    pub(crate) system: Arc<System>,
    /// The name of the data listener; every other listener is MAPI.
    pub(crate) data_listener: String,
}

impl Handler for App {
    fn call(&self, req: Request<Incoming>, ctx: Ctx) -> HandlerFuture {
        let system = Arc::clone(&self.system);
        let mapi = ctx.listener != self.data_listener;
        Box::pin(async move { serve(&system, req, mapi).await })
    }
}

async fn drain(mut body: Incoming) {
    let mut read = 0usize;
    while let Some(Ok(frame)) = body.frame().await {
        read += frame.data_ref().map_or(0, |d| d.len());
        if read > DRAIN_LIMIT {
            break;
        }
    }
}

async fn serve(system: &System, req: Request<Incoming>, mapi: bool) -> Response<MockBody> {
    let (parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let target = {
        let state = system.state();
        system.resolve_host(&state, host.as_deref(), mapi)
    };
    let tenant_hint = {
        let state = system.state();
        match &target {
            HostTarget::Tenant(tenant) => Some(tenant.clone()),
            HostTarget::Namespace { index, .. } => {
                state.namespaces.get(*index).map(|n| n.tenant.clone())
            }
            HostTarget::Admin => None,
        }
    };
    let path = parts.uri.path().to_owned();

    if mapi {
        let head = parts.method == Method::HEAD;
        let refuse = |fail: Fail| mapi_fail(system, time::now_ms(), &mapi::head_status(head, fail));
        if path != "/mapi" && !path.starts_with("/mapi/") {
            drain(body).await;
            return refuse(Fail::not_found(format!(
                "{path} is not served on the management port"
            )));
        }
        let caller = match auth::authenticate(system, &parts.headers, true, tenant_hint.as_deref())
        {
            Ok(caller) => caller,
            Err(fail) => {
                // No or invalid credentials are 403 to HEAD too (§8.5: 302 is for a
                // missing resource or a caller without permission).
                drain(body).await;
                return mapi_fail(system, time::now_ms(), &fail);
            }
        };
        return mapi::handle(system, parts, body, &target, caller).await;
    }

    let refuse = |fail: Fail| data_fail(system, time::now_ms(), &fail);
    if let HostTarget::Namespace { index, .. } = target
        && system
            .state()
            .namespaces
            .get(index)
            .is_some_and(|n| n.legacy)
    {
        // The legacy default namespace takes no credentials (hcpsdk sends its dummy
        // header) and serves only its data and metadata trees.
        if !rest::under(&path, "/fcfs_data") && !rest::under(&path, legacy::METADATA_ROOT) {
            drain(body).await;
            return refuse(Fail::not_found(format!(
                "no such resource: {path} (the default namespace serves /fcfs_data and /fcfs_metadata)"
            )));
        }
        let anonymous = UserConfig::local("default", "nobody", "");
        return rest::handle(system, parts, body, index, &anonymous).await;
    }
    let is_rest = path == "/rest" || path.starts_with("/rest/");
    let is_proc = path == "/proc" || path.starts_with("/proc/");
    if !is_rest && !is_proc {
        drain(body).await;
        return refuse(Fail::not_found(format!("no such resource: {path}")));
    }
    let user = match auth::authenticate(system, &parts.headers, false, tenant_hint.as_deref()) {
        Ok(Caller::User(user)) => user,
        Ok(Caller::Admin) => {
            drain(body).await;
            return refuse(if is_proc {
                Fail::new(
                    StatusCode::UNAUTHORIZED,
                    "system administrators have no namespace access",
                )
            } else {
                Fail::forbidden("system administrators have no data access")
            });
        }
        Err(fail) => {
            drain(body).await;
            return refuse(fail);
        }
    };

    if is_proc {
        drain(body).await;
        let scope = match target {
            HostTarget::Namespace { index, .. } => Scope::Namespace(index),
            HostTarget::Tenant(tenant) => Scope::Tenant(tenant),
            HostTarget::Admin => {
                return refuse(Fail::new(
                    StatusCode::UNAUTHORIZED,
                    "/proc is served on namespace and tenant hosts",
                ));
            }
        };
        return proc::handle(system, &path, parts.uri.query(), &scope, user).unwrap_or_else(refuse);
    }

    let HostTarget::Namespace { index, .. } = target else {
        drain(body).await;
        return refuse(Fail::forbidden(
            "the host names no namespace: use <namespace>.<tenant>.<domain>",
        ));
    };
    let allowed = {
        let state = system.state();
        state
            .namespaces
            .get(index)
            .is_some_and(|n| n.tenant == user.tenant && user.may_access(&n.config.name))
    };
    if !allowed {
        drain(body).await;
        return refuse(Fail::forbidden("the user has no access to this namespace"));
    }
    rest::handle(system, parts, body, index, user).await
}
