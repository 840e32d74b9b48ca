//! The kit handler: route, `Accept` version, token, then the endpoint.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use http::header::{ACCEPT, ACCEPT_LANGUAGE, HeaderMap, HeaderValue};
use http::request::Parts;
use http::{Method, Request, Response};
use hyper::body::Incoming;
use storkit_mock::router::{PatternError, RouteMiss, Router};
use storkit_mock::{Ctx, Handler, HandlerFuture, MockBody, limit};

use crate::answer::{self, Answer, Refusal};
use crate::codes::{self, Lang};
use crate::state::Vrg;
use crate::wire;
use crate::{mgmt_net, pairing, session, status, strategy};

/// The interface's base path (§2.1.3).
pub(crate) const BASE: &str = "/vrgservice";

/// Bodies are small JSON documents; anything larger is refused with the kit's `413`.
const BODY_LIMIT: u64 = 1024 * 1024;

/// The header carrying the session token, in requests and answers.
pub(crate) const TOKEN_HEADER: &str = "x-auth-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Versions,
    Login,
    Logout,
    SetAlarm,
    GetAlarm,
    Status,
    Networks,
    VmDrStatus,
    Pair,
    Unpair,
    GetPair,
    SetStrategy,
    GetStrategies,
    DeleteStrategy,
    ManagementNetwork,
}

impl Route {
    fn needs_token(self) -> bool {
        !matches!(self, Self::Versions | Self::Login)
    }
}

fn router() -> Result<Router<Route>, PatternError> {
    let mut router = Router::new();
    let routes: [(Method, &str, Route); 15] = [
        (Method::GET, "/versions", Route::Versions),
        (Method::POST, "/session", Route::Login),
        (Method::DELETE, "/session", Route::Logout),
        (Method::POST, "/trapinfo", Route::SetAlarm),
        (Method::GET, "/trapinfo", Route::GetAlarm),
        (Method::GET, "/vrgstatus", Route::Status),
        (Method::GET, "/netinfos", Route::Networks),
        (Method::GET, "/vmdrstatus/{vm}/", Route::VmDrStatus),
        (Method::POST, "/vrgmap", Route::Pair),
        (Method::DELETE, "/vrgmap", Route::Unpair),
        (Method::GET, "/vrgmap", Route::GetPair),
        (Method::POST, "/vmstrategy", Route::SetStrategy),
        (Method::GET, "/vmstrategy", Route::GetStrategies),
        (Method::POST, "/vmstrategy/{vm}/", Route::DeleteStrategy),
        (Method::POST, "/modmngnet/", Route::ManagementNetwork),
    ];
    for (method, path, route) in routes {
        router.add(method.clone(), &format!("{BASE}{path}"), route)?;
        // The three documented trailing slashes (§8 #19) are optional here.
        if let Some(bare) = path.strip_suffix('/') {
            router.add(method, &format!("{BASE}{bare}"), route)?;
        }
    }
    Ok(router)
}

/// Serves one VRG.
pub(crate) struct App {
    vrg: Arc<Vrg>,
    router: Arc<Router<Route>>,
}

impl App {
    pub(crate) fn new(vrg: Arc<Vrg>) -> Result<Self, PatternError> {
        Ok(Self {
            vrg,
            router: Arc::new(router()?),
        })
    }
}

impl Handler for App {
    fn call(&self, req: Request<Incoming>, ctx: Ctx) -> HandlerFuture {
        let vrg = Arc::clone(&self.vrg);
        let router = Arc::clone(&self.router);
        Box::pin(async move { serve(&vrg, &router, req, ctx).await })
    }
}

/// Everything an endpoint may need besides the VRG.
pub(crate) struct Call<'a> {
    pub(crate) parts: &'a Parts,
    pub(crate) body: &'a [u8],
    pub(crate) ctx: &'a Ctx,
    pub(crate) vm: Option<&'a str>,
    pub(crate) token: Option<&'a str>,
}

async fn serve(
    vrg: &Vrg,
    router: &Router<Route>,
    req: Request<Incoming>,
    ctx: Ctx,
) -> Response<MockBody> {
    let (parts, body) = req.into_parts();
    let shapes = &vrg.config.seed_shapes;
    let lang = Lang::from_accept_language(
        parts
            .headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let found = router.find(&parts.method, parts.uri.path());
    let (route, vm) = match found {
        Ok(found) => (*found.value, found.params.get("vm").map(str::to_owned)),
        Err(miss) => {
            // Read what the client sends, so it gets the answer rather than a reset.
            let _ = limit::read(body, BODY_LIMIT).await;
            return match miss {
                RouteMiss::MethodNotAllowed { allow } => {
                    answer::method_not_allowed(shapes, lang, &allow)
                }
                _ => answer::not_found(shapes, lang),
            };
        }
    };
    if route == Route::Login {
        vrg.login_attempts.fetch_add(1, Ordering::Relaxed);
    }
    let body = match limit::read(body, BODY_LIMIT).await {
        Ok(body) => body,
        Err(error) => return error.response(),
    };
    if let Err(refusal) = check_accept(&parts.headers) {
        return answer::refusal(shapes, lang, refusal);
    }
    let token = if route.needs_token() {
        match authenticate(vrg, &parts.headers) {
            Ok(token) => Some(token),
            Err(refusal) => return answer::refusal(shapes, lang, refusal),
        }
    } else {
        None
    };
    let call = Call {
        parts: &parts,
        body: &body,
        ctx: &ctx,
        vm: vm.as_deref(),
        token: token.as_deref(),
    };
    let answer: Answer = match route {
        Route::Versions => Ok(session::versions(vrg)),
        Route::Login => session::login(vrg, &parts.headers),
        Route::Logout => session::logout(vrg, &call),
        Route::SetAlarm => status::set_alarm(vrg, &call),
        Route::GetAlarm => status::get_alarm(vrg),
        Route::Status => Ok(status::vrg_status(vrg)),
        Route::Networks => status::networks(vrg, &call),
        Route::VmDrStatus => status::vm_dr_status(vrg, &call),
        Route::Pair => pairing::pair(vrg, &call),
        Route::Unpair => Ok(pairing::unpair(vrg)),
        Route::GetPair => Ok(pairing::get(vrg)),
        Route::SetStrategy => strategy::set(vrg, &call),
        Route::GetStrategies => strategy::query(vrg, &call),
        Route::DeleteStrategy => strategy::delete(vrg, &call),
        Route::ManagementNetwork => mgmt_net::change(vrg, &call),
    };
    let mut response = answer.unwrap_or_else(|refusal| answer::refusal(shapes, lang, refusal));
    // Answers carry the token "in most cases" (§2.1.2): every authenticated one but the
    // logout's. The mock never rotates it.
    if route != Route::Logout
        && let Some(value) = token.and_then(|t| HeaderValue::from_str(&t).ok())
    {
        response.headers_mut().insert(TOKEN_HEADER, value);
    }
    response
}

/// `Accept`'s `version` parameter, read tolerantly (spaces, any order, a trailing `;`, any
/// case, quotes): `v1.0`, `1.0` or none pass, anything else is `10440101` (mock choice).
fn check_accept(headers: &HeaderMap) -> Result<(), Refusal> {
    for value in headers.get_all(ACCEPT) {
        let text = value
            .to_str()
            .map_err(|_| Refusal::code(codes::INVALID_PARAMETER))?;
        for param in text.split([';', ',']) {
            let Some((key, version)) = param.split_once('=') else {
                continue;
            };
            if !key.trim().eq_ignore_ascii_case("version") {
                continue;
            }
            let version = version.trim().trim_matches('"');
            if !(version.eq_ignore_ascii_case("v1.0") || version == "1.0") {
                return Err(Refusal::code(codes::INVALID_PARAMETER));
            }
        }
    }
    Ok(())
}

/// The live token of the request, or `10440102` with the configured status.
fn authenticate(vrg: &Vrg, headers: &HeaderMap) -> Result<String, Refusal> {
    let refusal = Refusal {
        status: vrg.config.unauthenticated_status,
        code: codes::NOT_LOGGED_IN,
    };
    let token = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(refusal)?;
    vrg.sessions
        .get(token)
        .map(|session| session.token)
        .ok_or(refusal)
}

/// The request body as JSON (empty is `null`), or `10440101`.
pub(crate) fn body_json(call: &Call<'_>) -> Result<serde_json::Value, Refusal> {
    wire::parse_body(call.body).map_err(Refusal::from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn accept(value: &str) -> Result<(), Refusal> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        check_accept(&headers)
    }

    #[test]
    fn accept_versions() {
        for good in [
            "application/json; version=v1.0; charset=UTF-8",
            "application/json;version=1.0;charset=UTF-8",
            "application/json; charset=UTF-8",
            "application/json ; charset=UTF-8 ; VERSION = V1.0 ;",
            "application/json;version=\"v1.0\"",
            "*/*",
        ] {
            assert_eq!(accept(good), Ok(()), "{good}");
        }
        for bad in [
            "application/json; version=v2.0",
            "application/json; version=6.3",
            "application/json; version=",
            "application/json;version=v1.0;version=5.1",
        ] {
            assert_eq!(
                accept(bad),
                Err(Refusal::code(codes::INVALID_PARAMETER)),
                "{bad}"
            );
        }
        assert_eq!(check_accept(&HeaderMap::new()), Ok(()));
    }

    #[test]
    fn routes_with_and_without_the_documented_slashes() {
        let router = router().unwrap();
        let find = |m: Method, p: &str| router.find(&m, p).map(|f| *f.value);
        assert_eq!(
            find(Method::GET, "/vrgservice/vmdrstatus/x/"),
            Ok(Route::VmDrStatus)
        );
        assert_eq!(
            find(Method::GET, "/vrgservice/vmdrstatus/x"),
            Ok(Route::VmDrStatus)
        );
        assert_eq!(
            find(Method::POST, "/vrgservice/vmstrategy/x"),
            Ok(Route::DeleteStrategy)
        );
        assert_eq!(
            find(Method::POST, "/vrgservice/modmngnet"),
            Ok(Route::ManagementNetwork)
        );
        assert_eq!(
            find(Method::GET, "/vrgservice/vrgstatus/"),
            Err(RouteMiss::NotFound)
        );
        assert_eq!(
            find(Method::PUT, "/vrgservice/vrgmap"),
            Err(RouteMiss::MethodNotAllowed {
                allow: vec![Method::POST, Method::DELETE, Method::GET]
            })
        );
    }
}
