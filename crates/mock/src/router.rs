//! Routing by method and path pattern, with `404` and `405` answers.
//!
//! A pattern is a path whose segments are literals, `{name}` (one non-empty segment) or, last,
//! `{*name}` (the rest of the path, slashes included, possibly empty). Paths match segment by
//! segment, trailing slash included: `/vmstrategy/{id}/` matches `/vmstrategy/7/`, not
//! `/vmstrategy/7`. Routes are tried in the order they were added; the first whose pattern and
//! method match wins. A path that matches some pattern but none with the request's method gets
//! [`RouteMiss::MethodNotAllowed`], listing the methods that would have matched.
//!
//! ```
//! use http::{Method, StatusCode};
//! use storkit_mock::router::{RouteMiss, Router};
//!
//! #[derive(Debug, Clone, Copy, PartialEq)]
//! enum Route { Job, Jobs, Object }
//!
//! let router = Router::new()
//!     .route(Method::GET, "/api/v3/jobs", Route::Jobs)?
//!     .route(Method::GET, "/api/v3/jobs/{id}", Route::Job)?
//!     .route(Method::PUT, "/rest/{*path}", Route::Object)?;
//!
//! let found = router.find(&Method::GET, "/api/v3/jobs/42").unwrap();
//! assert_eq!((*found.value, found.params.get("id")), (Route::Job, Some("42")));
//! let found = router.find(&Method::PUT, "/rest/dir/a%20b.txt").unwrap();
//! assert_eq!(found.params.get("path"), Some("dir/a b.txt"));
//!
//! let miss = router.find(&Method::DELETE, "/api/v3/jobs/42").unwrap_err();
//! assert_eq!(miss, RouteMiss::MethodNotAllowed { allow: vec![Method::GET] });
//! assert_eq!(miss.response().status(), StatusCode::METHOD_NOT_ALLOWED);
//! assert_eq!(router.find(&Method::GET, "/nope").unwrap_err(), RouteMiss::NotFound);
//! # Ok::<(), storkit_mock::router::PatternError>(())
//! ```

use http::header::{ALLOW, HeaderValue};
use http::{Method, Response, StatusCode};

use crate::body::MockBody;
use crate::json::quote;
use crate::query::{self, QueryStyle};
use crate::reply;

/// Routes from (method, path pattern) to values of `T`: handler functions, an enum of
/// routes, anything.
#[derive(Debug, Clone)]
pub struct Router<T> {
    routes: Vec<Route<T>>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Self { routes: Vec::new() }
    }
}

#[derive(Debug, Clone)]
struct Route<T> {
    method: Method,
    pattern: String,
    segments: Vec<Segment>,
    value: T,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Rest(String),
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// Patterns start with `/`.
    #[error("route pattern {0:?} does not start with '/'")]
    NoLeadingSlash(String),
    /// A `{` or `}` that is not a whole `{name}` segment, or an empty name.
    #[error("route pattern {0:?} has a malformed {{name}} segment")]
    BadParam(String),
    /// `{*name}` is allowed only as the last segment.
    #[error("route pattern {0:?} has {{*name}} before its last segment")]
    RestNotLast(String),
    /// One name used twice.
    #[error("route pattern {0:?} uses a parameter name twice")]
    DuplicateName(String),
}

/// The route a request matched.
#[derive(Debug)]
#[non_exhaustive]
pub struct Found<'a, T> {
    /// The value the route was added with.
    pub value: &'a T,
    /// The pattern it was added with.
    pub pattern: &'a str,
    /// The named segments' values.
    pub params: Params,
}

/// Why no route matched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteMiss {
    /// No pattern matches the path.
    NotFound,
    /// Some pattern matches the path, but not with this method.
    MethodNotAllowed {
        /// The methods that would match, in the order their routes were added.
        allow: Vec<Method>,
    },
}

impl RouteMiss {
    /// The status: `404` or `405`.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    /// A JSON answer: `404 {"error":"no such route"}`, or `405 {"error":"method not allowed"}`
    /// with an `Allow` header. Vendor mocks with their own error bodies build one from
    /// [`status`](Self::status) and the allowed methods instead.
    pub fn response(&self) -> Response<MockBody> {
        match self {
            Self::NotFound => reply::json(self.status(), r#"{"error":"no such route"}"#),
            Self::MethodNotAllowed { allow } => {
                let allow = allow
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut response = reply::json(
                    self.status(),
                    format!(
                        "{{\"error\":\"method not allowed\",\"allow\":{}}}",
                        quote(&allow)
                    ),
                );
                if let Ok(value) = HeaderValue::from_str(&allow) {
                    response.headers_mut().insert(ALLOW, value);
                }
                response
            }
        }
    }
}

/// The values of a matched route's named segments.
///
/// Values are percent-decoded (`+` stays a plus). A path segment that does not decode (a bad
/// escape, or bytes that are not UTF-8) matches no parameter, so such a path falls through
/// to later routes or a `404`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: Vec<(String, String, String)>,
}

impl Params {
    /// The decoded value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, decoded, _)| decoded.as_str())
    }

    /// The value of `name` as it was in the path, before decoding.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, raw)| raw.as_str())
    }

    /// The (name, decoded value) pairs, in pattern order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(n, v, _)| (n.as_str(), v.as_str()))
    }
}

impl<T> Router<T> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route; see the [module docs](self) for the pattern syntax.
    pub fn route(mut self, method: Method, pattern: &str, value: T) -> Result<Self, PatternError> {
        self.add(method, pattern, value)?;
        Ok(self)
    }

    /// Adds a route, by reference.
    pub fn add(&mut self, method: Method, pattern: &str, value: T) -> Result<(), PatternError> {
        let segments = parse_pattern(pattern)?;
        self.routes.push(Route {
            method,
            pattern: pattern.to_owned(),
            segments,
            value,
        });
        Ok(())
    }

    /// The route for `method` and `path` (without query).
    pub fn find(&self, method: &Method, path: &str) -> Result<Found<'_, T>, RouteMiss> {
        let mut allow: Vec<Method> = Vec::new();
        for route in &self.routes {
            let Some(params) = match_segments(&route.segments, path) else {
                continue;
            };
            if route.method == *method {
                return Ok(Found {
                    value: &route.value,
                    pattern: &route.pattern,
                    params,
                });
            }
            if !allow.contains(&route.method) {
                allow.push(route.method.clone());
            }
        }
        if allow.is_empty() {
            Err(RouteMiss::NotFound)
        } else {
            Err(RouteMiss::MethodNotAllowed { allow })
        }
    }

    /// The route for a request's method and path.
    pub fn find_request<B>(&self, req: &http::Request<B>) -> Result<Found<'_, T>, RouteMiss> {
        self.find(req.method(), req.uri().path())
    }
}

fn parse_pattern(pattern: &str) -> Result<Vec<Segment>, PatternError> {
    let Some(rest) = pattern.strip_prefix('/') else {
        return Err(PatternError::NoLeadingSlash(pattern.to_owned()));
    };
    let pieces: Vec<&str> = rest.split('/').collect();
    let mut segments = Vec::with_capacity(pieces.len());
    let mut names: Vec<&str> = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let segment = match piece.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(inner) => {
                let (name, rest) = match inner.strip_prefix('*') {
                    Some(name) => (name, true),
                    None => (inner, false),
                };
                let valid = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !valid {
                    return Err(PatternError::BadParam(pattern.to_owned()));
                }
                if names.contains(&name) {
                    return Err(PatternError::DuplicateName(pattern.to_owned()));
                }
                names.push(name);
                if rest {
                    if i + 1 != pieces.len() {
                        return Err(PatternError::RestNotLast(pattern.to_owned()));
                    }
                    Segment::Rest(name.to_owned())
                } else {
                    Segment::Param(name.to_owned())
                }
            }
            None if piece.contains(['{', '}']) => {
                return Err(PatternError::BadParam(pattern.to_owned()));
            }
            None => Segment::Literal((*piece).to_owned()),
        };
        segments.push(segment);
    }
    Ok(segments)
}

fn match_segments(segments: &[Segment], path: &str) -> Option<Params> {
    let mut rest = path.strip_prefix('/')?;
    let mut params = Params::default();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if let Segment::Rest(name) = segment {
            let decoded = query::decode(rest, QueryStyle::Rfc3986).ok()?;
            params.values.push((name.clone(), decoded, rest.to_owned()));
            return Some(params);
        }
        let (piece, after) = match rest.split_once('/') {
            Some((piece, after)) if !last => (piece, after),
            Some(_) => return None,
            None if last => (rest, ""),
            None => return None,
        };
        match segment {
            Segment::Literal(literal) if literal == piece => {}
            Segment::Param(name) if !piece.is_empty() => {
                let decoded = query::decode(piece, QueryStyle::Rfc3986).ok()?;
                params
                    .values
                    .push((name.clone(), decoded, piece.to_owned()));
            }
            _ => return None,
        }
        rest = after;
    }
    Some(params)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn router() -> Router<&'static str> {
        Router::new()
            .route(Method::GET, "/jobs", "list")
            .unwrap()
            .route(Method::GET, "/jobs/count", "count")
            .unwrap()
            .route(Method::GET, "/jobs/{id}", "get")
            .unwrap()
            .route(Method::DELETE, "/jobs/{id}", "delete")
            .unwrap()
            .route(Method::POST, "/vmstrategy/{vm}/", "strategy")
            .unwrap()
            .route(Method::GET, "/links/{a}/to/{b}", "link")
            .unwrap()
            .route(Method::GET, "/rest/{*path}", "object")
            .unwrap()
    }

    #[test]
    fn literal_param_and_rest_segments() {
        let r = router();
        let found = |m: Method, p: &str| {
            let f = r.find(&m, p).unwrap();
            (
                *f.value,
                f.params
                    .iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(found(Method::GET, "/jobs"), ("list", vec![]));
        assert_eq!(found(Method::GET, "/jobs/count"), ("count", vec![]));
        assert_eq!(found(Method::GET, "/jobs/7"), ("get", vec!["id=7".into()]));
        assert_eq!(
            found(Method::DELETE, "/jobs/count"),
            ("delete", vec!["id=count".into()])
        );
        assert_eq!(
            found(Method::POST, "/vmstrategy/u-1/"),
            ("strategy", vec!["vm=u-1".into()])
        );
        assert_eq!(
            found(Method::GET, "/links/sys1--%3C--%3E--sys2/to/x+y"),
            ("link", vec!["a=sys1--<-->--sys2".into(), "b=x+y".into()])
        );
        assert_eq!(
            found(Method::GET, "/rest/"),
            ("object", vec!["path=".into()])
        );
        assert_eq!(
            found(Method::GET, "/rest/a/b%2Fc"),
            ("object", vec!["path=a/b/c".into()])
        );
        let f = r.find(&Method::GET, "/links/a%20b/to/c").unwrap();
        assert_eq!(
            (f.params.raw("a"), f.params.get("a")),
            (Some("a%20b"), Some("a b"))
        );
        assert_eq!(f.pattern, "/links/{a}/to/{b}");
    }

    #[test]
    fn misses() {
        let r = router();
        for path in [
            "/",
            "/jobs/",
            "/jobs/7/x",
            "/vmstrategy/u-1",
            "/rest",
            "/links/a/to/",
            "/links/%zz/to/b",
            "jobs",
        ] {
            assert_eq!(
                r.find(&Method::GET, path).unwrap_err(),
                RouteMiss::NotFound,
                "{path}"
            );
        }
        let miss = r.find(&Method::PUT, "/jobs/7").unwrap_err();
        assert_eq!(
            miss,
            RouteMiss::MethodNotAllowed {
                allow: vec![Method::GET, Method::DELETE]
            }
        );
        let response = miss.response();
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "GET, DELETE");
        assert_eq!(RouteMiss::NotFound.response().status(), 404);
    }

    #[test]
    fn bad_patterns() {
        let add = |p: &str| Router::new().route(Method::GET, p, ()).map(|_| ());
        assert_eq!(
            add("jobs"),
            Err(PatternError::NoLeadingSlash("jobs".into()))
        );
        for p in ["/a/{}", "/a/{b", "/a/x{b}", "/a/{b c}"] {
            assert_eq!(add(p), Err(PatternError::BadParam(p.into())), "{p}");
        }
        assert_eq!(
            add("/{*a}/b"),
            Err(PatternError::RestNotLast("/{*a}/b".into()))
        );
        assert_eq!(
            add("/{a}/{a}"),
            Err(PatternError::DuplicateName("/{a}/{a}".into()))
        );
        assert!(add("/").is_ok());
    }
}
