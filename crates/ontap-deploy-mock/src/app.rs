//! The kit handler: `request-id`, the 500 hook, Basic auth, the base path, routing, the
//! read-only check, the query, then the endpoint.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{ALLOW, AUTHORIZATION, HOST, HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use http::request::Parts;
use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use storkit_mock::router::{PatternError, RouteMiss, Router};
use storkit_mock::{Ctx, Handler, HandlerFuture, MockBody, limit};

use crate::answer::{self, Answer, Refusal};
use crate::codes;
use crate::config::DeployUser;
use crate::input::Call;
use crate::query::Query;
use crate::state::{Deploy, new_id};
use crate::{catalog, clusters, inventory, jobs, licenses, network, nodes};

/// The versioned base path clients should use.
pub(crate) const BASE: &str = "/api/v3";

/// Bodies are JSON documents or licence files; anything larger gets the kit's 413.
const BODY_LIMIT: u64 = 4 * 1024 * 1024;

/// The header every answer carries.
pub(crate) const REQUEST_ID: &str = "request-id";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    ListCredentials,
    CreateCredential,
    GetCredential,
    DeleteCredential,
    ListHosts,
    CreateHosts,
    GetHost,
    DeleteHost,
    ListClusters,
    CreateCluster,
    GetCluster,
    PatchCluster,
    DeleteCluster,
    DeployCluster,
    ListNodes,
    GetNode,
    PatchNode,
    ListNetworks,
    GetNetwork,
    PatchNetwork,
    ListPools,
    CreatePools,
    GetPool,
    DeletePool,
    ListDisks,
    CreateDisks,
    ListJobs,
    GetJob,
    ListLicenses,
    CreateLicense,
    GetLicense,
    UpdateLicense,
    ListChecks,
    CreateCheck,
    GetCheck,
    Images,
    Mediators,
    /// A known URI the mock does not perform: 501.
    NotImplemented(&'static str),
}

fn router() -> Result<Router<Op>, PatternError> {
    use Method as M;
    const NODE: &str = "/clusters/{cid}/nodes/{nid}";
    let node = |rest: &str| format!("{NODE}{rest}");
    let routes: Vec<(Method, String, Op)> = vec![
        (M::GET, "/security/credentials".into(), Op::ListCredentials),
        (
            M::POST,
            "/security/credentials".into(),
            Op::CreateCredential,
        ),
        (
            M::GET,
            "/security/credentials/{id}".into(),
            Op::GetCredential,
        ),
        (
            M::DELETE,
            "/security/credentials/{id}".into(),
            Op::DeleteCredential,
        ),
        (
            M::PATCH,
            "/security/credentials/{id}".into(),
            Op::NotImplemented("PATCH /security/credentials/{id}"),
        ),
        (M::GET, "/hosts".into(), Op::ListHosts),
        (M::POST, "/hosts".into(), Op::CreateHosts),
        (M::GET, "/hosts/{id}".into(), Op::GetHost),
        (M::DELETE, "/hosts/{id}".into(), Op::DeleteHost),
        (M::GET, "/clusters".into(), Op::ListClusters),
        (M::POST, "/clusters".into(), Op::CreateCluster),
        (M::GET, "/clusters/{cid}".into(), Op::GetCluster),
        (M::PATCH, "/clusters/{cid}".into(), Op::PatchCluster),
        (M::DELETE, "/clusters/{cid}".into(), Op::DeleteCluster),
        (M::POST, "/clusters/{cid}/deploy".into(), Op::DeployCluster),
        (
            M::POST,
            "/clusters/{cid}/refresh".into(),
            Op::NotImplemented("cluster refresh"),
        ),
        (
            M::POST,
            "/clusters/{cid}/expand".into(),
            Op::NotImplemented("cluster expansion"),
        ),
        (
            M::POST,
            "/clusters/{cid}/contract".into(),
            Op::NotImplemented("cluster contraction"),
        ),
        (M::GET, "/clusters/{cid}/nodes".into(), Op::ListNodes),
        (M::GET, node(""), Op::GetNode),
        (M::PATCH, node(""), Op::PatchNode),
        (M::POST, node("/start"), Op::NotImplemented("node start")),
        (M::POST, node("/stop"), Op::NotImplemented("node stop")),
        (M::GET, node("/networks"), Op::ListNetworks),
        (M::GET, node("/networks/{netid}"), Op::GetNetwork),
        (M::PATCH, node("/networks/{netid}"), Op::PatchNetwork),
        (M::GET, node("/storage/pools"), Op::ListPools),
        (M::POST, node("/storage/pools"), Op::CreatePools),
        (M::GET, node("/storage/pools/{pid}"), Op::GetPool),
        (M::DELETE, node("/storage/pools/{pid}"), Op::DeletePool),
        (M::GET, node("/storage/disks"), Op::ListDisks),
        (M::POST, node("/storage/disks"), Op::CreateDisks),
        (M::GET, "/jobs".into(), Op::ListJobs),
        (M::GET, "/jobs/{id}".into(), Op::GetJob),
        (M::GET, "/licensing/licenses".into(), Op::ListLicenses),
        (M::POST, "/licensing/licenses".into(), Op::CreateLicense),
        (
            M::GET,
            "/licensing/licenses/{serial}".into(),
            Op::GetLicense,
        ),
        (
            M::PUT,
            "/licensing/licenses/{serial}".into(),
            Op::UpdateLicense,
        ),
        (
            M::DELETE,
            "/licensing/licenses/{serial}".into(),
            Op::NotImplemented("licence deletion"),
        ),
        (M::GET, "/network/connectivitychecks".into(), Op::ListChecks),
        (
            M::POST,
            "/network/connectivitychecks".into(),
            Op::CreateCheck,
        ),
        (
            M::GET,
            "/network/connectivitychecks/{id}".into(),
            Op::GetCheck,
        ),
        (M::GET, "/images".into(), Op::Images),
        (M::GET, "/mediators".into(), Op::Mediators),
    ];
    let mut router = Router::new();
    for (method, path, op) in routes {
        router.add(method, &path, op)?;
    }
    Ok(router)
}

/// Serves one Deploy.
pub(crate) struct App {
    deploy: Arc<Deploy>,
    router: Arc<Router<Op>>,
}

impl App {
    pub(crate) fn new(deploy: Arc<Deploy>) -> Result<Self, PatternError> {
        Ok(Self {
            deploy,
            router: Arc::new(router()?),
        })
    }
}

impl Handler for App {
    fn call(&self, req: Request<Incoming>, ctx: Ctx) -> HandlerFuture {
        let deploy = Arc::clone(&self.deploy);
        let router = Arc::clone(&self.router);
        Box::pin(async move {
            let mut response = serve(&deploy, &router, req, &ctx).await;
            // Every answer, errors included, carries a fresh id.
            if let Ok(value) = HeaderValue::from_str(&new_id()) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            response
        })
    }
}

/// The path under the API base: `/api/v3/x` and `/api/x` both give `/x`, after `//` runs
/// are collapsed and a trailing `/` dropped (reference §9 #6, #15). `None` outside `/api`.
fn api_path(path: &str) -> Option<String> {
    let mut clean = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        clean.push('/');
        clean.push_str(segment);
    }
    let rest = clean.strip_prefix("/api")?;
    let rest = match rest.strip_prefix("/v3") {
        Some(after) if after.is_empty() || after.starts_with('/') => after,
        _ => rest,
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    Some(if rest.is_empty() {
        "/".to_owned()
    } else {
        rest.to_owned()
    })
}

/// The user of a Basic `Authorization` header, or 401.
fn authenticate<'a>(
    users: &'a [DeployUser],
    headers: &HeaderMap,
) -> Result<&'a DeployUser, Refusal> {
    let refuse =
        |message: &str| Refusal::new(StatusCode::UNAUTHORIZED, codes::UNAUTHENTICATED, message);
    let header = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| refuse("authentication required: send Basic credentials"))?;
    let wrong = || refuse("the user name or password is not valid");
    let (scheme, encoded) = header.trim().split_once(' ').ok_or_else(wrong)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(wrong());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| wrong())?;
    let text = String::from_utf8(decoded).map_err(|_| wrong())?;
    let (name, password) = text.split_once(':').ok_or_else(wrong)?;
    users
        .iter()
        .find(|u| u.name == name && u.password_is(password))
        .ok_or_else(wrong)
}

/// `https://host:port/api/v3`, the host as the client named it.
fn base_url(parts: &Parts, ctx: &Ctx) -> String {
    let scheme = if ctx.tls { "https" } else { "http" };
    let host = parts
        .headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| ctx.node.to_string(), str::to_owned);
    format!("{scheme}://{host}{BASE}")
}

async fn serve(
    deploy: &Deploy,
    router: &Router<Op>,
    req: Request<Incoming>,
    ctx: &Ctx,
) -> Response<MockBody> {
    let integer_codes = deploy.config.integer_error_codes;
    let refuse = |refusal: &Refusal| answer::error(refusal, integer_codes);
    let (parts, body) = req.into_parts();
    let body = match limit::read(body, BODY_LIMIT).await {
        Ok(body) => body,
        Err(error) => return error.response(),
    };
    {
        let mut state = deploy.state();
        if state.fail_next_requests > 0 {
            state.fail_next_requests -= 1;
            return refuse(&Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::INTERNAL,
                "an internal error occurred (injected by the mock)",
            ));
        }
    }
    let user = match authenticate(&deploy.config.users, &parts.headers) {
        Ok(user) => user,
        Err(refusal) => {
            let mut response = refuse(&refusal);
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"ONTAP Select Deploy\""),
            );
            return response;
        }
    };
    let no_route = || {
        Refusal::new(
            StatusCode::NOT_FOUND,
            codes::NO_SUCH_ROUTE,
            format!("no such resource: {}", parts.uri.path()),
        )
    };
    let Some(path) = api_path(parts.uri.path()) else {
        return refuse(&no_route());
    };
    let found = match router.find(&parts.method, &path) {
        Ok(found) => found,
        Err(RouteMiss::MethodNotAllowed { allow }) => {
            let allow = allow
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let mut response = refuse(&Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                codes::METHOD_NOT_ALLOWED,
                format!(
                    "{} is not allowed on {path}; allowed: {allow}",
                    parts.method
                ),
            ));
            if let Ok(value) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(ALLOW, value);
            }
            return response;
        }
        Err(_) => return refuse(&no_route()),
    };
    if user.read_only && parts.method != Method::GET {
        return refuse(&Refusal::new(
            StatusCode::FORBIDDEN,
            codes::FORBIDDEN,
            format!("user {:?} may not change anything", user.name),
        ));
    }
    let query = match Query::parse(parts.uri.query().unwrap_or("")) {
        Ok(query) => query,
        Err(error) => return refuse(&Refusal::from(error)),
    };
    let call = Call {
        parts: &parts,
        body: &body,
        query: &query,
        params: &found.params,
    };
    let result = dispatch(deploy, *found.value, &call).await;
    match result {
        Ok(reply) => answer::render(reply, &base_url(&parts, ctx)),
        Err(refusal) => refuse(&refusal),
    }
}

async fn dispatch(deploy: &Deploy, op: Op, call: &Call<'_>) -> Answer {
    match op {
        Op::ListCredentials => inventory::list_credentials(deploy, call),
        Op::CreateCredential => inventory::create_credential(deploy, call),
        Op::GetCredential => inventory::get_credential(deploy, call),
        Op::DeleteCredential => inventory::delete_credential(deploy, call),
        Op::ListHosts => inventory::list_hosts(deploy, call),
        Op::CreateHosts => inventory::create_hosts(deploy, call),
        Op::GetHost => inventory::get_host(deploy, call),
        Op::DeleteHost => inventory::delete_host(deploy, call),
        Op::ListClusters => clusters::list(deploy, call),
        Op::CreateCluster => clusters::create(deploy, call),
        Op::GetCluster => clusters::get(deploy, call),
        Op::PatchCluster => clusters::patch(deploy, call),
        Op::DeleteCluster => clusters::delete(deploy, call),
        Op::DeployCluster => clusters::deploy(deploy, call),
        Op::ListNodes => nodes::list(deploy, call),
        Op::GetNode => nodes::get(deploy, call),
        Op::PatchNode => nodes::patch(deploy, call),
        Op::ListNetworks => nodes::list_networks(deploy, call),
        Op::GetNetwork => nodes::get_network(deploy, call),
        Op::PatchNetwork => nodes::patch_network(deploy, call),
        Op::ListPools => nodes::list_pools(deploy, call),
        Op::CreatePools => nodes::create_pools(deploy, call),
        Op::GetPool => nodes::get_pool(deploy, call),
        Op::DeletePool => nodes::delete_pool(deploy, call),
        Op::ListDisks => nodes::list_disks(deploy, call),
        Op::CreateDisks => nodes::create_disks(deploy, call),
        Op::ListJobs => jobs::list(deploy, call.query),
        Op::GetJob => jobs::get(deploy, call.param("id"), call.query).await,
        Op::ListLicenses => licenses::list(deploy, call),
        Op::CreateLicense => licenses::create(deploy, call),
        Op::GetLicense => licenses::get(deploy, call),
        Op::UpdateLicense => licenses::update(deploy, call),
        Op::ListChecks => network::list(deploy, call),
        Op::CreateCheck => network::create(deploy, call),
        Op::GetCheck => network::get(deploy, call),
        Op::Images => catalog::images(deploy, call),
        Op::Mediators => catalog::mediators(deploy, call),
        Op::NotImplemented(what) => Err(Refusal::not_implemented(what)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn base_paths() {
        for (path, api) in [
            ("/api/v3/clusters", Some("/clusters")),
            ("/api/clusters", Some("/clusters")),
            ("/api/v3//clusters/x", Some("/clusters/x")),
            ("//api//v3/clusters/", Some("/clusters")),
            ("/api/v3", Some("/")),
            ("/api", Some("/")),
            ("/api/v3x/clusters", Some("/v3x/clusters")),
            ("/apix/clusters", None),
            ("/clusters", None),
            ("/", None),
        ] {
            assert_eq!(api_path(path).as_deref(), api, "{path}");
        }
    }

    #[test]
    fn routes() {
        let router = router().unwrap();
        let find = |m: Method, p: &str| router.find(&m, p).map(|f| *f.value);
        assert_eq!(
            find(Method::GET, "/clusters/a/nodes/b/networks"),
            Ok(Op::ListNetworks)
        );
        assert_eq!(
            find(Method::POST, "/clusters/a/refresh"),
            Ok(Op::NotImplemented("cluster refresh"))
        );
        assert_eq!(find(Method::GET, "/nope"), Err(RouteMiss::NotFound));
        assert!(matches!(
            find(Method::PUT, "/clusters"),
            Err(RouteMiss::MethodNotAllowed { .. })
        ));
    }

    #[test]
    fn basic_auth() {
        let users = [
            DeployUser::new("admin", "pa:ss"),
            DeployUser::read_only("ro", "x"),
        ];
        let header = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            headers
        };
        let basic = |user: &str| format!("Basic {}", STANDARD.encode(user));
        assert_eq!(
            authenticate(&users, &header(&basic("admin:pa:ss")))
                .unwrap()
                .name,
            "admin"
        );
        assert!(
            authenticate(&users, &header(&basic("ro:x")))
                .unwrap()
                .read_only
        );
        assert_eq!(
            authenticate(
                &users,
                &header(&format!("basic  {}", STANDARD.encode("ro:x")))
            )
            .map(|u| u.name.as_str()),
            Ok("ro")
        );
        for bad in [
            basic("admin:pass"),
            basic("admin"),
            basic("nobody:x"),
            "Bearer abc".to_owned(),
            "Basic !!!".to_owned(),
            "Basic".to_owned(),
        ] {
            let error = authenticate(&users, &header(&bad)).unwrap_err();
            assert_eq!(error.status, StatusCode::UNAUTHORIZED, "{bad}");
        }
        assert!(authenticate(&users, &HeaderMap::new()).is_err());
    }
}
