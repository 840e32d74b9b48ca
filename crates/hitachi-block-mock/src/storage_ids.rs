//! storageDeviceId = model prefix + serial (reference §4), from the client's model table
//! ([`storkit_hitachi_block::storage_id::MODEL_PREFIXES`]), the one table of the project.

use storkit_hitachi_block::StorageDeviceId;

/// The storageDeviceId of a model and serial: the prefix of reference §4 followed by the
/// serial zero-padded to 6 digits, or to 5 digits after the 7-character `VSP` prefix.
/// Model names match without regard to case or spaces.
///
/// `None` for a model that is not in the table, or a serial too long for its field.
///
/// ```
/// use storkit_hitachi_block_mock::storage_device_id;
///
/// assert_eq!(storage_device_id("VSP G900", 410000).as_deref(), Some("886000410000"));
/// assert_eq!(storage_device_id("VSP G1000", 58068).as_deref(), Some("800000058068"));
/// assert_eq!(storage_device_id("VSP", 12345).as_deref(), Some("700000012345"));
/// assert_eq!(storage_device_id("Unknown", 1), None);
/// ```
pub fn storage_device_id(model: &str, serial: u64) -> Option<String> {
    StorageDeviceId::from_model_serial(model, serial)
        .ok()
        .map(|id| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use storkit_hitachi_block::storage_id::{MODEL_PREFIXES, model_prefix};

    #[test]
    fn seeds_ids() {
        assert_eq!(
            storage_device_id("VSP G900", 420_000).as_deref(),
            Some("886000420000")
        );
        assert_eq!(
            storage_device_id(" vsp g900 ", 123_456).as_deref(),
            Some("886000123456")
        );
        assert_eq!(
            storage_device_id("VSP E990", 7).as_deref(),
            Some("936000000007")
        );
    }

    #[test]
    fn serial_too_long_is_refused() {
        assert_eq!(storage_device_id("VSP G900", 1_234_567), None);
        assert_eq!(storage_device_id("VSP", 123_456), None);
    }

    #[test]
    fn every_model_of_the_client_table_is_served() {
        for (model, prefix) in MODEL_PREFIXES {
            let id = storage_device_id(model, 1).unwrap_or_default();
            assert!(id.starts_with(prefix), "{model}: {id}");
            assert_eq!(id.len(), 12, "{model}");
            assert_eq!(model_prefix(model), Some(*prefix));
        }
    }
}
