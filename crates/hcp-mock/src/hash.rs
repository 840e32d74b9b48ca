//! Hashes HCP reports (SHA-256 and MD5) and the CRC-32 a zip file needs.

use md5::{Digest as _, Md5};
use sha2::Sha256;

fn hex(bytes: &[u8], upper: bool) -> String {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(digits[usize::from(b >> 4)]));
        out.push(char::from(digits[usize::from(b & 0x0f)]));
    }
    out
}

/// SHA-256, upper-case hex (HCP's `X-HCP-Hash` form).
pub(crate) fn sha256_upper(data: &[u8]) -> String {
    hex(&Sha256::digest(data), true)
}

/// MD5, lower-case hex (the ETag and the token's password part).
pub(crate) fn md5_lower(data: &[u8]) -> String {
    hex(&Md5::digest(data), false)
}

/// Both hashes over a body that arrives in pieces.
pub(crate) struct BodyHasher {
    sha256: Sha256,
    md5: Md5,
}

impl BodyHasher {
    pub(crate) fn new() -> Self {
        Self {
            sha256: Sha256::new(),
            md5: Md5::new(),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.sha256.update(data);
        self.md5.update(data);
    }

    /// (SHA-256 upper-case hex, MD5 upper-case hex, MD5 lower-case hex).
    pub(crate) fn finish(self) -> (String, String, String) {
        let md5 = self.md5.finalize();
        (
            hex(&self.sha256.finalize(), true),
            hex(&md5, true),
            hex(&md5, false),
        )
    }
}

/// CRC-32 (IEEE 802.3, as zip uses it).
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// The HCP authentication token: `base64(user):md5hex(password)`.
///
/// ```
/// assert_eq!(
///     storkit_hcp_mock::token("n", "n01"),
///     "bg==:1dc7fed37e11b35093d311ef66928ad9"
/// );
/// ```
pub fn token(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "{}:{}",
        base64::engine::general_purpose::STANDARD.encode(user.as_bytes()),
        md5_lower(password.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn reference_vectors() {
        let body = b"This is an example";
        assert_eq!(
            sha256_upper(body),
            "47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117"
        );
        assert_eq!(md5_lower(body), "68791e1b03badd5e4eb9287660f67745");
        let mut hasher = BodyHasher::new();
        hasher.update(b"This is ");
        hasher.update(b"an example");
        let (sha, md5_upper, md5) = hasher.finish();
        assert_eq!(sha, sha256_upper(body));
        assert_eq!(md5, md5_lower(body));
        assert_eq!(md5_upper, md5.to_ascii_uppercase());
        assert_eq!(
            token("lgreen", "p4ssw0rd"),
            "bGdyZWVu:2a9d119df47ff993b662a8ef36f9ea20"
        );
        assert_eq!(
            token("service", "service01"),
            "c2VydmljZQ==:e4e5ace7271dde224933ffa1fb38f280"
        );
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
