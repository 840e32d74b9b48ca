//! What the VRG examples add to `storkit-example-cli`'s [`Args`]: the TLS flags' help
//! text and `--lang`.

use storkit_example_cli::Args;
use storkit_vrg::Lang;

/// The TLS flags' help lines, to append to an example's usage text.
pub(crate) const TLS_USAGE: &str = "\
\x20 --ca-file PEM            trust this CA bundle (HTTPS URLs; one bundle for both VRGs)
  --pin-sha256 PINS        trust certificates with these SHA-256 fingerprints (comma-separated)
  --insecure               do not verify certificates (not recommended)";

/// `--lang zh_CN|en_US` (default en_US).
pub(crate) fn lang(args: &Args) -> Lang {
    match args.get("lang") {
        None => Lang::EnUs,
        Some(text) => Lang::parse(text).unwrap_or_else(|| {
            args.fail(&format!("--lang: expected zh_CN or en_US, not {text:?}"))
        }),
    }
}
