//! The command-line flags of storkit's examples: a small `--flag value` parser and the
//! TLS flags every vendor crate's examples take (`--ca-file`, `--pin-sha256`,
//! `--insecure`).
//!
//! ```
//! use storkit_core::TlsPolicy;
//! use storkit_example_cli::Args;
//!
//! const USAGE: &str = "demo: --url URL [--user USER] [--serial N] [--insecure]";
//!
//! // An example calls `Args::parse(values, switches, USAGE)`, which reads the process's
//! // arguments and exits on `--help` or a mistake; `parse_from` takes the arguments and
//! // returns the mistake instead.
//! let args = Args::parse_from(
//!     ["--url", "https://192.0.2.10", "--serial=410000", "--insecure"],
//!     &["url", "user", "serial", "ca-file", "pin-sha256"],
//!     &["insecure"],
//!     USAGE,
//! )?;
//! assert_eq!(args.get("url"), Some("https://192.0.2.10"));
//! assert_eq!(args.or("user", "admin"), "admin");
//! assert_eq!(args.number("serial", 0_u64), 410_000);
//! assert!(args.on("insecure") && args.has_tls_flags());
//! // Warns on stderr: "warning: --insecure: the array's certificate is NOT verified".
//! let tls = args.tls("the array's certificate");
//! assert!(matches!(tls, Some(TlsPolicy::DangerAcceptInvalidCerts)));
//! # Ok::<(), storkit_example_cli::UsageError>(())
//! ```
//!
//! Each vendor crate's examples had a copy of this parser; it lives here once, as a
//! dev-dependency of the vendor crates, so that every example reads its flags, reports a
//! mistake and exits the same way. What only one vendor's examples need (HCP's connection
//! flags, VRG's `--lang`) stays in that crate's `examples/support/`, built on [`Args`].
//!
//! The rules, as hand-rolled command lines have them:
//!
//! - A value flag is `--name V` or `--name=V`; the value may be anything, even `--help`
//!   or empty. Given twice, the last value counts.
//! - A switch is `--name`, with no value (`--name=V` is an unknown argument).
//! - `-h` or `--help` prints the usage on stdout and exits 0.
//! - Anything else (an unknown flag, an argument that is not a flag, a value flag at the
//!   end without its value) prints `error: ...` and the usage on stderr and exits 2, as do
//!   [`Args::fail`] and a flag whose value does not parse. The arguments are read in
//!   order and the first mistake is the one reported.
//!
//! No dependency but `storkit-core`, for [`TlsPolicy`](storkit_core::TlsPolicy): a parser
//! this small does not need clap, and the examples stay readable without it.

mod args;
mod tls;

pub use args::{Args, UsageError};
