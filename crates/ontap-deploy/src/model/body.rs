//! JSON request bodies that never print a secret.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::error::OntapError;
use crate::lenient;

/// A JSON request body, ready to send. It serializes to exactly the JSON it holds; its
/// `Debug` shows the JSON with every secret (any key naming a password) replaced by
/// `"[REDACTED]"`.
///
/// ```
/// use storkit_ontap_deploy::model::{DeployRequest, RequestBody};
///
/// let body = DeployRequest::new("Netapp1!").to_body()?;
/// assert_eq!(
///     body.as_value(),
///     &serde_json::json!({"ontap_credential": {"password": "Netapp1!"}})
/// );
/// assert_eq!(
///     format!("{body:?}"),
///     r#"JsonBody({"ontap_credential":{"password":"[REDACTED]"}})"#
/// );
/// # Ok::<(), storkit_ontap_deploy::OntapError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct JsonBody(Value);

impl JsonBody {
    /// Wraps a JSON value.
    pub fn new(value: Value) -> Self {
        JsonBody(value)
    }

    /// The JSON, secrets included.
    pub fn as_value(&self) -> &Value {
        &self.0
    }

    /// The JSON, secrets included.
    pub fn into_value(self) -> Value {
        self.0
    }

    /// The serialized bytes, secrets included.
    pub fn to_vec(&self) -> Vec<u8> {
        // Serializing a `Value` cannot fail: its map keys are strings.
        serde_json::to_vec(&self.0).unwrap_or_default()
    }

    /// A copy with every secret replaced by `"[REDACTED]"`, for logs.
    pub fn redacted(&self) -> Value {
        let mut copy = self.0.clone();
        lenient::redact(&mut copy);
        copy
    }
}

impl Serialize for JsonBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl fmt::Debug for JsonBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonBody({})", self.redacted())
    }
}

impl From<JsonBody> for storkit_core::Body {
    fn from(body: JsonBody) -> Self {
        storkit_core::Body::from_bytes(body.to_vec())
    }
}

/// A request type with a JSON body: validated, then written in Deploy's wire form. Secrets
/// are exposed only in the value this returns.
pub trait RequestBody {
    /// Checks the request and returns its JSON body.
    fn to_json(&self) -> Result<Value, OntapError>;

    /// [`to_json`](RequestBody::to_json), wrapped in a [`JsonBody`] whose `Debug`
    /// redacts secrets.
    fn to_body(&self) -> Result<JsonBody, OntapError> {
        self.to_json().map(JsonBody::new)
    }
}

/// Implements [`RequestBody`] by the type's inherent `to_json`.
macro_rules! request_body {
    ($($t:ty),* $(,)?) => {
        $(
            impl $crate::model::RequestBody for $t {
                fn to_json(&self) -> Result<serde_json::Value, $crate::error::OntapError> {
                    <$t>::to_json(self)
                }
            }
        )*
    };
}
pub(crate) use request_body;
