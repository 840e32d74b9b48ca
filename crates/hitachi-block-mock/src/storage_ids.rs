//! storageDeviceId = model prefix + serial (reference §4).

/// Model name → prefix: the official sample table (A1 HCSR0464) plus the extended table of
/// A7. Matching ignores case and surrounding spaces.
const PREFIXES: &[(&str, &str)] = &[
    ("VSP E990", "936000"),
    ("VSP E1090", "938000"),
    ("VSP E390", "934000"),
    ("VSP E590", "934000"),
    ("VSP E790", "934000"),
    ("VSP 5100", "900000"),
    ("VSP 5100H", "900000"),
    ("VSP 5200", "900000"),
    ("VSP 5200H", "900000"),
    ("VSP 5500", "900000"),
    ("VSP 5500H", "900000"),
    ("VSP 5600", "900000"),
    ("VSP 5600H", "900000"),
    ("VSP G130", "880000"),
    ("VSP G150", "882000"),
    ("VSP G350", "882000"),
    ("VSP F350", "882000"),
    ("VSP G370", "886000"),
    ("VSP F370", "886000"),
    ("VSP G700", "886000"),
    ("VSP F700", "886000"),
    ("VSP G900", "886000"),
    ("VSP F900", "886000"),
    ("VSP G800", "836000"),
    ("VSP F800", "836000"),
    ("VSP G400", "834000"),
    ("VSP F400", "834000"),
    ("VSP G600", "834000"),
    ("VSP F600", "834000"),
    ("VSP G100", "832000"),
    ("VSP G200", "832000"),
    ("VSP G1000", "800000"),
    ("VSP G1500", "800000"),
    ("VSP F1500", "800000"),
    ("HUS VM", "730000"),
    ("VSP One B24", "A34000"),
    ("VSP One B26", "A34000"),
    ("VSP One B28", "A34000"),
    ("VSP", "7000000"),
];

/// The storageDeviceId of a model and serial: the prefix of reference §4 followed by the
/// serial zero-padded to 6 digits, or to 5 digits after the 7-character `VSP` prefix.
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
    let model = model.trim();
    let prefix = PREFIXES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(model))
        .map(|(_, prefix)| *prefix)?;
    let width = 12 - prefix.len();
    let serial = format!("{serial:0width$}");
    (serial.len() == width).then(|| format!("{prefix}{serial}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
