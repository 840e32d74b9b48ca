//! Licences, `/licensing/licenses` (reference §6, §7 "Licence"). Uploads are
//! `multipart/form-data` (a `license_file` part; `ontap_username` and `ontap_password`
//! fields on a `PUT` for a licence in use), built with
//! [`storkit_core::multipart::Multipart`].

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::lenient;

/// A licence as `GET /licensing/licenses` returns it (evaluation licences included). Its
/// `id` is the serial number (S6 looks licences up with `id=<serial>`); other members are
/// UNKNOWN and kept in `extra`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct License {
    /// `id`: the serial number (a number is read as its text).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// `serial_number`, when sent apart from the id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub serial_number: Option<String>,
    /// Other members, minus secrets.
    #[serde(flatten, deserialize_with = "lenient::extra")]
    pub extra: Map<String, Value>,
}

impl License {
    /// The serial number: `serial_number`, else `id`.
    pub fn serial(&self) -> Option<&str> {
        self.serial_number.as_deref().or(self.id.as_deref())
    }
}
