//! The `error.code` values the mock writes. Deploy's own codes are UNKNOWN (reference §8);
//! these are mock decisions: the HTTP status followed by a three-digit number, written as a
//! string (or, with [`DeployConfig::integer_error_codes`](crate::DeployConfig::integer_error_codes),
//! a number).

/// 400: a query parameter or body field is malformed, missing or not accepted.
pub const INVALID_ARGUMENT: &str = "400001";
/// 400: `fields`, `order_by` or a filter names a field the resource does not have.
pub const UNKNOWN_FIELD: &str = "400002";
/// 400: the object's state does not allow the operation (deleting a powered-on cluster,
/// deploying unconfigured nodes, a cluster busy with a job…).
pub const INVALID_STATE: &str = "400003";
/// 401: no credentials, or wrong ones.
pub const UNAUTHENTICATED: &str = "401001";
/// 403: a read-only user asked for a change.
pub const FORBIDDEN: &str = "403001";
/// 404: no such path.
pub const NO_SUCH_ROUTE: &str = "404001";
/// 404: no such object.
pub const NOT_FOUND: &str = "404002";
/// 405: the path does not take the method.
pub const METHOD_NOT_ALLOWED: &str = "405001";
/// 409: the object exists already.
pub const ALREADY_EXISTS: &str = "409001";
/// 500: an internal error (the [`fail_next_request`](crate::DeployMock::fail_next_request)
/// hook).
pub const INTERNAL: &str = "500001";
/// 501: the URI is known but the mock does not perform it.
pub const NOT_IMPLEMENTED: &str = "501001";
