//! The TLS flags: `--insecure`, `--pin-sha256 PINS` and `--ca-file PEM`, turned into a
//! [`TlsPolicy`].

use storkit_core::TlsPolicy;

use crate::Args;

impl Args {
    /// True when `--insecure`, `--pin-sha256` or `--ca-file` was given; an example that
    /// starts a mock uses it to say that they are ignored.
    pub fn has_tls_flags(&self) -> bool {
        self.on("insecure") || self.get("pin-sha256").is_some() || self.get("ca-file").is_some()
    }

    /// The TLS policy the flags ask for, or `None` when none was given (the client then
    /// trusts the webpki roots). The example must accept `ca-file` and `pin-sha256` as
    /// value flags and `insecure` as a switch.
    ///
    /// The first given counts, in this order:
    /// - `--insecure`: [`TlsPolicy::DangerAcceptInvalidCerts`], with a warning on stderr
    ///   naming `what`: `warning: --insecure: {what} is NOT verified` (`are` when `what`
    ///   ends in `s`, as in "the VRGs' certificates");
    /// - `--pin-sha256 PINS`: the comma-separated SHA-256 fingerprints
    ///   ([`TlsPolicy::pinned`]);
    /// - `--ca-file PEM`: the CA bundle in that file ([`TlsPolicy::custom_ca_file`]).
    ///
    /// A pin that does not parse or a CA file that cannot be read is a usage error
    /// ([`Args::fail`]: exit 2).
    pub fn tls(&self, what: &str) -> Option<TlsPolicy> {
        if self.on("insecure") {
            eprintln!("{}", insecure_warning(what));
        }
        self.try_tls().unwrap_or_else(|message| self.fail(&message))
    }

    /// [`Args::tls`] without the warning, with the mistake returned.
    fn try_tls(&self) -> Result<Option<TlsPolicy>, String> {
        if self.on("insecure") {
            return Ok(Some(TlsPolicy::danger_accept_invalid_certs()));
        }
        if let Some(pins) = self.get("pin-sha256") {
            return TlsPolicy::pinned(pins.split(','))
                .map(Some)
                .map_err(|e| format!("--pin-sha256: {e}"));
        }
        self.get("ca-file")
            .map(|path| TlsPolicy::custom_ca_file(path).map_err(|e| format!("--ca-file: {e}")))
            .transpose()
    }
}

/// The warning for `--insecure`; `what` is the certificate or certificates left unchecked.
fn insecure_warning(what: &str) -> String {
    let verb = if what.ends_with('s') { "are" } else { "is" };
    format!("warning: --insecure: {what} {verb} NOT verified")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const PIN: &str = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    fn parse(args: &[&str]) -> Args {
        Args::parse_from(
            args.iter().copied(),
            &["url", "ca-file", "pin-sha256"],
            &["insecure"],
            "usage",
        )
        .unwrap()
    }

    #[test]
    fn no_tls_flag_is_no_policy() {
        let args = parse(&["--url", "https://192.0.2.1"]);
        assert!(!args.has_tls_flags());
        assert!(matches!(args.try_tls(), Ok(None)));
        assert!(args.tls("the server's certificate").is_none());
    }

    #[test]
    fn each_flag_counts_as_a_tls_flag() {
        for given in [
            &["--insecure"][..],
            &["--pin-sha256", PIN],
            &["--ca-file", "ca.pem"],
        ] {
            assert!(parse(given).has_tls_flags(), "{given:?}");
        }
    }

    #[test]
    fn insecure_comes_first() {
        let args = parse(&[
            "--ca-file",
            "/nonexistent/ca.pem",
            "--pin-sha256",
            PIN,
            "--insecure",
        ]);
        assert!(matches!(
            args.try_tls(),
            Ok(Some(TlsPolicy::DangerAcceptInvalidCerts))
        ));
    }

    #[test]
    fn pins_are_comma_separated_and_come_before_the_ca_file() {
        let other = "00".repeat(32);
        let args = parse(&[
            "--ca-file",
            "/nonexistent/ca.pem",
            "--pin-sha256",
            &format!("{PIN},{other}"),
        ]);
        match args.try_tls() {
            Ok(Some(TlsPolicy::PinnedSha256(pins))) => assert_eq!(pins.len(), 2),
            other => panic!("not two pins: {other:?}"),
        }
    }

    #[test]
    fn a_bad_pin_names_its_flag() {
        let message = parse(&["--pin-sha256", "AB:CD"]).try_tls().unwrap_err();
        assert!(message.starts_with("--pin-sha256: "), "{message}");
    }

    #[test]
    fn an_unreadable_ca_file_names_its_flag() {
        let message = parse(&["--ca-file", "/nonexistent/ca.pem"])
            .try_tls()
            .unwrap_err();
        assert!(message.starts_with("--ca-file: "), "{message}");
    }

    #[test]
    fn the_warning_names_what_is_not_verified() {
        assert_eq!(
            insecure_warning("the server's certificate"),
            "warning: --insecure: the server's certificate is NOT verified"
        );
        assert_eq!(
            insecure_warning("Deploy's certificate"),
            "warning: --insecure: Deploy's certificate is NOT verified"
        );
        assert_eq!(
            insecure_warning("the VRGs' certificates"),
            "warning: --insecure: the VRGs' certificates are NOT verified"
        );
    }
}
