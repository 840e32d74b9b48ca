//! What a harness that runs the vendor's Python sample programs (`seeds/`) against this
//! mock needs: where the samples are, whether Python can run them, the mock's address as
//! the samples' parameter modules want it, and child processes that are always reaped.
//! Used by this crate's seed test and by the client crate's seed-diff test.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

/// How to install what the samples import.
pub const INSTALL_HINT: &str =
    "python3 -m pip install -r crates/hitachi-block-mock/seeds/requirements.txt";

/// The directory of the sample programs and their parameter modules.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// Whether `python3` runs and imports `requests`; the error says what is missing and how
/// to install it.
pub fn python_requests() -> Result<(), String> {
    match Command::new("python3")
        .args(["-c", "import requests"])
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "the seed programs need the Python package `requests` \
             (`python3 -c \"import requests\"` failed: {}). Install it with:\n    {INSTALL_HINT}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!(
            "the seed programs need `python3` with `requests` (cannot run python3: {e}). \
             Install Python 3, then:\n    {INSTALL_HINT}"
        )),
    }
}

/// `https://127.0.0.131:40123[/...]` → (`127.0.0.131`, 40123): the host and port the
/// samples' parameter modules take. `None` for anything else (the samples speak HTTPS).
pub fn host_port(url: &str) -> Option<(String, u16)> {
    let authority = url.strip_prefix("https://")?.split('/').next()?;
    let (host, port) = authority.rsplit_once(':')?;
    Some((host.trim_matches(['[', ']']).to_owned(), port.parse().ok()?))
}

/// A child process that is killed and reaped however its owner ends, panics included.
#[derive(Debug)]
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads `stream` to its end on a thread (which the handle joins); the text read so far
/// is in the buffer, decoded as a whole, so a character split between reads stays whole.
pub fn read_in_background(
    mut stream: impl Read + Send + 'static,
) -> (Arc<Mutex<String>>, JoinHandle<()>) {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    let reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut chunk = [0_u8; 4096];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    bytes.extend_from_slice(&chunk[..n]);
                    *sink.lock().unwrap_or_else(PoisonError::into_inner) =
                        String::from_utf8_lossy(&bytes).into_owned();
                }
            }
        }
    });
    (text, reader)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_of_the_mock() {
        assert_eq!(
            host_port("https://127.0.0.131:40123/ConfigurationManager"),
            Some(("127.0.0.131".to_owned(), 40123))
        );
        assert_eq!(
            host_port("https://[::1]:443"),
            Some(("::1".to_owned(), 443))
        );
        for bad in ["http://127.0.0.1:80", "https://127.0.0.1", "https://h:x"] {
            assert_eq!(host_port(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_stream_is_read_whole_across_split_characters() {
        let text = "é".repeat(5000);
        let (buffer, reader) = read_in_background(std::io::Cursor::new(text.clone().into_bytes()));
        reader.join().ok();
        assert_eq!(*buffer.lock().unwrap_or_else(PoisonError::into_inner), text);
    }
}
