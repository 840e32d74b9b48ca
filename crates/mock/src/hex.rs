const LOWER: &[u8; 16] = b"0123456789abcdef";
const UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Lowercase hex without separators, as in `sha256sum`.
pub(crate) fn lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(LOWER[usize::from(b >> 4)]));
        out.push(char::from(LOWER[usize::from(b & 0x0f)]));
    }
    out
}

/// Uppercase hex pairs joined by colons, as `openssl x509 -fingerprint` prints them.
pub(crate) fn upper_colon(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push(char::from(UPPER[usize::from(b >> 4)]));
        out.push(char::from(UPPER[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_spell_every_nibble() {
        let bytes = [0x00, 0x09, 0x0a, 0x7f, 0x80, 0xa5, 0xff];
        assert_eq!(lower(&bytes), "00090a7f80a5ff");
        assert_eq!(upper_colon(&bytes), "00:09:0A:7F:80:A5:FF");
        assert_eq!(lower(&[]), "");
        assert_eq!(upper_colon(&[]), "");
    }
}
