//! [`Args`]: the flags as given, and the exits of a command line (usage, mistakes).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Parsed command-line flags: the value flags and switches that were given, and the
/// usage text to print with a mistake.
///
/// Its `Debug` names the flags given but never their values, which may be passwords.
pub struct Args {
    values: HashMap<String, String>,
    switches: Vec<String>,
    usage: String,
}

impl Args {
    /// Parses the process's arguments (`std::env::args()` after the program name):
    /// `values` are the flags that take a value (`--name V` or `--name=V`), `switches`
    /// those that take none.
    ///
    /// `-h` or `--help` prints `usage` on stdout and exits 0; a mistake (see
    /// [`UsageError`]) prints `error: ...` and `usage` on stderr and exits 2.
    pub fn parse(values: &[&str], switches: &[&str], usage: &str) -> Args {
        match Args::parse_from(std::env::args().skip(1), values, switches, usage) {
            Ok(args) => args,
            Err(UsageError::Help) => {
                println!("{usage}");
                std::process::exit(0)
            }
            Err(mistake) => exit_with_usage(&mistake.to_string(), usage),
        }
    }

    /// Parses `args` (without the program name) as [`Args::parse`] does, but returns the
    /// first mistake, or [`UsageError::Help`] for `-h` and `--help`, instead of exiting.
    ///
    /// `usage` is kept for [`Args::fail`].
    ///
    /// ```
    /// use storkit_example_cli::{Args, UsageError};
    ///
    /// let parse = |args: &[&str]| Args::parse_from(args.iter().copied(), &["url"], &["yes"], "usage");
    /// assert_eq!(parse(&["--url=http://192.0.2.1"])?.get("url"), Some("http://192.0.2.1"));
    /// assert_eq!(parse(&["--url"]).err(), Some(UsageError::MissingValue("url".into())));
    /// assert_eq!(parse(&["--yes=no"]).err(), Some(UsageError::Unknown("--yes=no".into())));
    /// assert_eq!(parse(&["-h"]).err(), Some(UsageError::Help));
    /// # Ok::<(), UsageError>(())
    /// ```
    pub fn parse_from<I>(
        args: I,
        values: &[&str],
        switches: &[&str],
        usage: &str,
    ) -> Result<Args, UsageError>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let mut parsed = Args {
            values: HashMap::new(),
            switches: Vec::new(),
            usage: usage.to_owned(),
        };
        let mut it = args.into_iter().map(Into::into);
        while let Some(arg) = it.next() {
            if arg == "-h" || arg == "--help" {
                return Err(UsageError::Help);
            }
            let Some(flag) = arg.strip_prefix("--") else {
                return Err(UsageError::Unexpected(arg));
            };
            let (name, inline) = match flag.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (flag, None),
            };
            if switches.contains(&name) && inline.is_none() {
                parsed.switches.push(name.to_owned());
            } else if values.contains(&name) {
                let Some(value) = inline.or_else(|| it.next()) else {
                    return Err(UsageError::MissingValue(name.to_owned()));
                };
                parsed.values.insert(name.to_owned(), value);
            } else {
                return Err(UsageError::Unknown(arg));
            }
        }
        Ok(parsed)
    }

    /// The value of `--name`, if it was given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The value of `--name`, or `default` when it was not given.
    pub fn or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or(default).to_owned()
    }

    /// The value of `--name` as a number, or `default` when it was not given; a value
    /// that does not parse as a `T` is a usage error ([`Args::fail`]: exit 2).
    pub fn number<T: FromStr>(&self, name: &str, default: T) -> T {
        self.try_number(name, default)
            .unwrap_or_else(|message| self.fail(&message))
    }

    /// [`Args::number`] with the mistake returned.
    fn try_number<T: FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name} must be a number, not {v:?}")),
        }
    }

    /// True when the switch `--name` was given.
    pub fn on(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    /// Prints `error: {message}` and the usage on stderr and exits 2, the status of a
    /// usage error. For the checks an example makes after parsing (flags that go
    /// together, values out of range).
    pub fn fail(&self, message: &str) -> ! {
        exit_with_usage(message, &self.usage)
    }
}

impl fmt::Debug for Args {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values are left out: `--password` is one of them.
        let mut values: Vec<&str> = self.values.keys().map(String::as_str).collect();
        values.sort_unstable();
        f.debug_struct("Args")
            .field("values", &values)
            .field("switches", &self.switches)
            .finish_non_exhaustive()
    }
}

fn exit_with_usage(message: &str, usage: &str) -> ! {
    eprintln!("error: {message}\n\n{usage}");
    std::process::exit(2)
}

/// Why [`Args::parse_from`] stopped: a request for help or the first mistake on the
/// command line. Its `Display` is the message [`Args::parse`] prints after `error: `.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// `-h` or `--help`: not a mistake; [`Args::parse`] prints the usage and exits 0.
    Help,
    /// An argument that is not a flag, such as `foo` or `-x` (as given).
    Unexpected(String),
    /// A flag the program does not take, or a switch given a value such as
    /// `--insecure=yes` (as given).
    Unknown(String),
    /// A value flag at the end of the line, without its value (the flag's name, without
    /// `--`).
    MissingValue(String),
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::Help => f.write_str("help requested (-h or --help)"),
            UsageError::Unexpected(arg) => write!(f, "unexpected argument {arg:?}"),
            UsageError::Unknown(arg) => write!(f, "unknown argument {arg:?}"),
            UsageError::MissingValue(name) => write!(f, "--{name} needs a value"),
        }
    }
}

impl std::error::Error for UsageError {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const VALUES: [&str; 3] = ["url", "user", "port"];
    const SWITCHES: [&str; 2] = ["insecure", "yes"];

    fn parse(args: &[&str]) -> Result<Args, UsageError> {
        Args::parse_from(args.iter().copied(), &VALUES, &SWITCHES, "usage text")
    }

    #[test]
    fn values_come_as_the_next_argument_or_after_an_equals_sign() {
        let args = parse(&["--url", "https://192.0.2.1", "--user=admin"]).unwrap();
        assert_eq!(args.get("url"), Some("https://192.0.2.1"));
        assert_eq!(args.get("user"), Some("admin"));
        assert_eq!(args.get("port"), None);
    }

    #[test]
    fn a_value_is_taken_as_it_is() {
        // Only the first `=` separates; what looks like a flag is a value after a value flag.
        let args = parse(&["--url=a=b", "--user", "--help", "--port="]).unwrap();
        assert_eq!(args.get("url"), Some("a=b"));
        assert_eq!(args.get("user"), Some("--help"));
        assert_eq!(args.get("port"), Some(""));
    }

    #[test]
    fn the_last_value_counts() {
        let args = parse(&["--user", "a", "--user=b"]).unwrap();
        assert_eq!(args.get("user"), Some("b"));
    }

    #[test]
    fn or_falls_back_to_the_default() {
        let args = parse(&["--user", "admin"]).unwrap();
        assert_eq!(args.or("user", "n"), "admin");
        assert_eq!(args.or("url", "http://127.0.0.1"), "http://127.0.0.1");
    }

    #[test]
    fn switches_are_on_when_given() {
        let args = parse(&["--insecure"]).unwrap();
        assert!(args.on("insecure"));
        assert!(!args.on("yes"));
        assert!(!args.on("url"));
    }

    #[test]
    fn a_switch_with_a_value_is_unknown() {
        assert_eq!(
            parse(&["--insecure=yes"]).err(),
            Some(UsageError::Unknown("--insecure=yes".to_owned()))
        );
    }

    #[test]
    fn unknown_flags_and_bare_arguments_are_mistakes() {
        assert_eq!(
            parse(&["--nope"]).err(),
            Some(UsageError::Unknown("--nope".to_owned()))
        );
        assert_eq!(
            parse(&["--nope=1"]).err(),
            Some(UsageError::Unknown("--nope=1".to_owned()))
        );
        for bare in ["url", "-u", "-"] {
            assert_eq!(
                parse(&[bare]).err(),
                Some(UsageError::Unexpected(bare.to_owned()))
            );
        }
    }

    #[test]
    fn a_value_flag_at_the_end_needs_its_value() {
        assert_eq!(
            parse(&["--insecure", "--url"]).err(),
            Some(UsageError::MissingValue("url".to_owned()))
        );
    }

    #[test]
    fn help_is_asked_with_h_or_help_and_the_first_mistake_wins() {
        assert_eq!(parse(&["--help"]).err(), Some(UsageError::Help));
        assert_eq!(parse(&["-h", "--nope"]).err(), Some(UsageError::Help));
        assert_eq!(
            parse(&["--nope", "--help"]).err(),
            Some(UsageError::Unknown("--nope".to_owned()))
        );
        // Not a help request: an unknown flag.
        assert_eq!(
            parse(&["--help=yes"]).err(),
            Some(UsageError::Unknown("--help=yes".to_owned()))
        );
    }

    #[test]
    fn no_arguments_is_no_flags() {
        let args = Args::parse_from(Vec::<String>::new(), &VALUES, &SWITCHES, "u").unwrap();
        assert_eq!(args.get("url"), None);
        assert!(!args.on("insecure"));
    }

    #[test]
    fn messages_are_the_ones_the_examples_print() {
        let cases = [
            (
                UsageError::Unexpected("x".into()),
                "unexpected argument \"x\"",
            ),
            (
                UsageError::Unknown("--x=1".into()),
                "unknown argument \"--x=1\"",
            ),
            (
                UsageError::MissingValue("url".into()),
                "--url needs a value",
            ),
            (UsageError::Help, "help requested (-h or --help)"),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn numbers_parse_or_say_which_flag_is_wrong() {
        let args = parse(&["--port", "8443", "--user", "x1"]).unwrap();
        assert_eq!(args.try_number("port", 443_u16), Ok(8443));
        assert_eq!(args.number("port", 443_u16), 8443);
        assert_eq!(args.try_number("url", 7_u32), Ok(7));
        assert_eq!(
            args.try_number::<u16>("user", 0),
            Err("--user must be a number, not \"x1\"".to_owned())
        );
        // Out of range for the type is not a number either.
        let args = parse(&["--port", "70000"]).unwrap();
        assert!(args.try_number::<u16>("port", 443).is_err());
    }

    #[test]
    fn debug_names_the_flags_but_never_their_values() {
        let args = parse(&["--user", "admin", "--url", "secret-place", "--yes"]).unwrap();
        assert_eq!(
            format!("{args:?}"),
            r#"Args { values: ["url", "user"], switches: ["yes"], .. }"#
        );
    }
}
