//! The storageDeviceId: model prefix + serial number, as every object URL needs it.
//!
//! [`MODEL_PREFIXES`] is the one model table of the project: the client falls back to it
//! when the REST server's storage list does not name the serial (see
//! [`HitachiClientBuilder::model_serial`](crate::HitachiClientBuilder::model_serial)), and
//! the mock (`storkit-hitachi-block-mock`) derives its storageDeviceId from it.

use std::fmt;
use std::str::FromStr;

use crate::error::HitachiError;

/// Model name → storageDeviceId prefix (reference §4): the official sample table (A1
/// HCSR0464) plus the models of the extended public table (A7). [`model_prefix`] matches
/// names without regard to case or spaces.
///
/// The id is the prefix followed by the serial zero-padded to fill 12 characters: 6 digits
/// after the 6-character prefixes, 5 after the 7-character `VSP` prefix
/// ([`StorageDeviceId::from_model_serial`]).
pub const MODEL_PREFIXES: &[(&str, &str)] = &[
    ("VSP E990", "936000"),
    ("VSP 5500H", "900000"),
    ("VSP G900", "886000"),
    ("VSP G800", "836000"),
    ("VSP G1500", "800000"),
    ("HUS VM", "730000"),
    ("VSP", "7000000"),
    ("VSP G1000", "800000"),
    ("VSP F1500", "800000"),
    ("VSP G100", "832000"),
    ("VSP G200", "832000"),
    ("VSP G400", "834000"),
    ("VSP F400", "834000"),
    ("VSP G600", "834000"),
    ("VSP F600", "834000"),
    ("VSP F800", "836000"),
    ("VSP G130", "880000"),
    ("VSP G150", "882000"),
    ("VSP G350", "882000"),
    ("VSP F350", "882000"),
    ("VSP G370", "886000"),
    ("VSP F370", "886000"),
    ("VSP G700", "886000"),
    ("VSP F700", "886000"),
    ("VSP F900", "886000"),
    ("VSP 5100", "900000"),
    ("VSP 5100H", "900000"),
    ("VSP 5200", "900000"),
    ("VSP 5200H", "900000"),
    ("VSP 5500", "900000"),
    ("VSP 5600", "900000"),
    ("VSP 5600H", "900000"),
    ("VSP E390", "934000"),
    ("VSP E590", "934000"),
    ("VSP E790", "934000"),
    ("VSP E1090", "938000"),
    ("VSP One B24", "A34000"),
    ("VSP One B26", "A34000"),
    ("VSP One B28", "A34000"),
];

fn normalize(model: &str) -> String {
    model
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The storageDeviceId prefix for a model, if the model is known.
pub fn model_prefix(model: &str) -> Option<&'static str> {
    let wanted = normalize(model);
    MODEL_PREFIXES
        .iter()
        .find(|(name, _)| normalize(name) == wanted)
        .map(|(_, prefix)| *prefix)
}

/// Every model name the prefix table knows.
pub fn known_models() -> impl Iterator<Item = &'static str> {
    MODEL_PREFIXES.iter().map(|(name, _)| *name)
}

/// A storage system's id in object URLs, e.g. `886000410000` (VSP G900 #410000).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StorageDeviceId(String);

/// The id of a remote storage system (remote storage registrations, remote copy): a
/// [`StorageDeviceId`] like any other, since the API names the remote system by its own
/// storageDeviceId. Calls that take one refuse an id that does not name the system their
/// remote session is on.
pub type RemoteStorageId = StorageDeviceId;

impl StorageDeviceId {
    /// From model and serial: the model's prefix followed by the serial zero-padded to
    /// 6 digits (5 for the 7-character `VSP` prefix), 12 characters in all.
    pub fn from_model_serial(model: &str, serial: u64) -> Result<Self, HitachiError> {
        let prefix = model_prefix(model).ok_or_else(|| HitachiError::UnknownModel {
            model: model.to_owned(),
        })?;
        let width = 12 - prefix.len();
        let digits = serial.to_string();
        if digits.len() > width {
            return Err(HitachiError::InvalidSerial {
                serial,
                digits: width,
            });
        }
        Ok(StorageDeviceId(format!("{prefix}{serial:0width$}")))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for StorageDeviceId {
    type Err = HitachiError;

    /// Accepts a 12-character id of ASCII letters and digits (some prefixes, like the VSP
    /// One B20's `A34000`, are hexadecimal).
    fn from_str(s: &str) -> Result<Self, HitachiError> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(StorageDeviceId(s.to_owned()))
        } else {
            Err(HitachiError::InvalidStorageDeviceId { id: s.to_owned() })
        }
    }
}

impl fmt::Display for StorageDeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seeds_values() {
        assert_eq!(
            StorageDeviceId::from_model_serial("VSP G900", 410_000)
                .unwrap()
                .as_str(),
            "886000410000"
        );
        assert_eq!(
            StorageDeviceId::from_model_serial("VSP G900", 420_000)
                .unwrap()
                .as_str(),
            "886000420000"
        );
        assert_eq!(
            StorageDeviceId::from_model_serial("VSP G1000", 58_068)
                .unwrap()
                .as_str(),
            "800000058068"
        );
        assert_eq!(
            StorageDeviceId::from_model_serial("VSP", 12_345)
                .unwrap()
                .as_str(),
            "700000012345"
        );
        assert_eq!(
            StorageDeviceId::from_model_serial("vsp  g900", 1)
                .unwrap()
                .as_str(),
            "886000000001"
        );
    }

    #[test]
    fn every_known_model_gives_twelve_characters() {
        for model in known_models() {
            let id = StorageDeviceId::from_model_serial(model, 1).unwrap();
            assert_eq!(id.as_str().len(), 12, "{model}");
            assert_eq!(id.as_str().parse::<StorageDeviceId>().unwrap(), id);
        }
    }

    #[test]
    fn errors() {
        assert!(matches!(
            StorageDeviceId::from_model_serial("VSP Z1", 1),
            Err(HitachiError::UnknownModel { .. })
        ));
        assert!(matches!(
            StorageDeviceId::from_model_serial("VSP G900", 1_000_000),
            Err(HitachiError::InvalidSerial { digits: 6, .. })
        ));
        assert!(matches!(
            StorageDeviceId::from_model_serial("VSP", 100_000),
            Err(HitachiError::InvalidSerial { digits: 5, .. })
        ));
        assert!("88600041000".parse::<StorageDeviceId>().is_err());
        assert!("886000/10000".parse::<StorageDeviceId>().is_err());
    }

    proptest! {
        #[test]
        fn id_is_prefix_then_padded_serial(idx in 0..MODEL_PREFIXES.len(), serial in 0u64..10_000_000) {
            let (model, prefix) = MODEL_PREFIXES[idx];
            let width = 12 - prefix.len();
            match StorageDeviceId::from_model_serial(model, serial) {
                Ok(id) => {
                    prop_assert_eq!(id.as_str().len(), 12);
                    prop_assert!(id.as_str().starts_with(prefix));
                    prop_assert_eq!(id.as_str()[prefix.len()..].parse::<u64>().unwrap(), serial);
                    prop_assert!(serial.to_string().len() <= width);
                }
                Err(_) => prop_assert!(serial.to_string().len() > width),
            }
        }

        #[test]
        fn parsing_never_panics(s in ".*") {
            let _ = s.parse::<StorageDeviceId>();
        }
    }
}
