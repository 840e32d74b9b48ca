//! What the ONTAP Select Deploy examples add to `storkit-example-cli`'s `Args`: the TLS
//! flags' help text.

/// The TLS flags' help lines, to append to an example's usage text.
pub(crate) const TLS_USAGE: &str = "\
\x20 --ca-file PEM            trust this CA bundle (Deploy's self-signed certificate works as
                           the CA)
  --pin-sha256 PINS        trust certificates with these SHA-256 fingerprints (comma-separated)
  --insecure               do not verify the certificate (not recommended)";
