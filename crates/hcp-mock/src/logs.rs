//! MAPI log collection (reference §8.2): mark, prepare (one collection at a time), status,
//! download as a zip file, cancel.

use std::time::Duration;

use tokio::time::Instant;

use crate::doc::Value;
use crate::hash;
use crate::objects::Fail;

/// The log kinds a download may ask for.
pub(crate) const KINDS: [&str; 4] = ["ACCESS", "SYSTEM", "SERVICE", "APPLICATION"];

/// The log collection state of one system.
#[derive(Debug, Default)]
pub(crate) struct Logs {
    /// When the running or finished collection started.
    started: Option<Instant>,
    /// The dates and nodes it collects for, as given.
    range: String,
    /// Messages written with `?mark=`.
    pub(crate) marks: Vec<String>,
    /// How many downloads were served.
    pub(crate) downloads: u32,
    /// How many collections were started.
    pub(crate) prepares: u32,
    /// The collection time set by a test, over the configured one.
    pub(crate) prepare_time: Option<Duration>,
    /// The next collection fails (a test hook).
    pub(crate) fail_next: bool,
    /// The current collection failed: `error` is `true` and it never becomes ready.
    failed: bool,
}

impl Logs {
    fn ready(&self, now: Instant, prepare_time: Duration) -> bool {
        let prepare_time = self.prepare_time.unwrap_or(prepare_time);
        !self.failed
            && self
                .started
                .is_some_and(|started| now.duration_since(started) >= prepare_time)
    }

    /// `POST /mapi/logs/prepare`: `400` while another collection runs.
    pub(crate) fn prepare(
        &mut self,
        body: &str,
        now: Instant,
        prepare_time: Duration,
    ) -> Result<(), Fail> {
        if self.started.is_some() && !self.failed && !self.ready(now, prepare_time) {
            return Err(Fail::bad_request("a log collection is already in progress"));
        }
        let start = element(body, "startDate");
        let end = element(body, "endDate");
        for date in [&start, &end].into_iter().flatten() {
            if !crate::time::is_us_date(date) {
                return Err(Fail::bad_request(format!(
                    "invalid date {date:?}: expected MM/DD/YYYY"
                )));
            }
        }
        if start.is_none() || end.is_none() {
            return Err(Fail::bad_request("logPrepare needs startDate and endDate"));
        }
        self.started = Some(now);
        self.prepares += 1;
        self.failed = std::mem::take(&mut self.fail_next);
        self.range = format!(
            "{} - {}",
            start.unwrap_or_default(),
            end.unwrap_or_default()
        );
        Ok(())
    }

    /// `GET /mapi/logs`: every element has text (hcpsdk splits each one), so `content` is
    /// left out while nothing was prepared.
    pub(crate) fn status(&self, now: Instant, prepare_time: Duration) -> Value {
        let ready = self.ready(now, prepare_time);
        let mut pairs = vec![
            ("readyForStreaming", Value::str(ready.to_string())),
            ("streamingInProgress", Value::str("false")),
            ("started", Value::str(self.started.is_some().to_string())),
            ("error", Value::str(self.failed.to_string())),
        ];
        if self.started.is_some() {
            pairs.push(("content", Value::str(KINDS.join(","))));
        }
        Value::obj(pairs)
    }

    /// `POST /mapi/logs/download`: the zip file, once the collection is ready.
    pub(crate) fn download(
        &mut self,
        body: &str,
        now: Instant,
        prepare_time: Duration,
    ) -> Result<Vec<u8>, Fail> {
        if self.started.is_none() {
            return Err(Fail::bad_request("no log collection was prepared"));
        }
        if !self.ready(now, prepare_time) {
            return Err(Fail::bad_request("the log collection is not ready yet"));
        }
        let content = element(body, "content").unwrap_or_default();
        let kinds: Vec<&str> = content
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .collect();
        if kinds.is_empty() {
            return Err(Fail::bad_request("logDownload needs content"));
        }
        if let Some(bad) = kinds.iter().find(|k| !KINDS.contains(k)) {
            return Err(Fail::bad_request(format!("unknown log content {bad:?}")));
        }
        let files: Vec<(String, Vec<u8>)> = kinds
            .iter()
            .map(|kind| {
                let mut text = format!("{kind} log, {}\n", self.range);
                for mark in &self.marks {
                    text.push_str("MARK ");
                    text.push_str(mark);
                    text.push('\n');
                }
                (
                    format!("{}.log", kind.to_ascii_lowercase()),
                    text.into_bytes(),
                )
            })
            .collect();
        self.downloads += 1;
        Ok(zip(&files))
    }

    /// `POST /mapi/logs?cancel`.
    pub(crate) fn cancel(&mut self) {
        self.started = None;
        self.failed = false;
        self.range.clear();
    }
}

/// The text of the first `<name>…</name>` in `xml`, trimmed; `None` if absent.
fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(xml[start..end].trim().to_owned())
}

/// A zip archive of `files`, stored (not compressed): enough for any unzip tool.
fn zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = out.len() as u32;
        let crc = hash::crc32(data);
        let size = data.len() as u32;
        let name_len = name.len() as u16;
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        out.extend_from_slice(&0u16.to_le_bytes()); // time
        out.extend_from_slice(&0x21u16.to_le_bytes()); // date: 1980-01-01
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Its central directory entry.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        central.extend_from_slice(&20u16.to_le_bytes()); // version needed
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0x21u16.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    let central_len = central.len() as u32;
    out.extend_from_slice(&central);
    let count = files.len() as u16;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&central_len.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const PREPARE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<logPrepare>\n  <startDate>03/01/2017</startDate>\n  <endDate>03/21/2017</endDate>\n  \n</logPrepare>\n";

    #[tokio::test(start_paused = true)]
    async fn one_collection_at_a_time() {
        let wait = Duration::from_secs(1);
        let mut logs = Logs::default();
        let now = Instant::now();
        assert_eq!(
            crate::doc::to_xml("s", &logs.status(now, wait), false),
            format!(
                "{}<s><readyForStreaming>false</readyForStreaming><streamingInProgress>false</streamingInProgress><started>false</started><error>false</error></s>",
                crate::doc::DECLARATION
            )
        );
        assert!(
            logs.download("<content>ACCESS</content>", now, wait)
                .is_err()
        );
        logs.prepare(PREPARE, now, wait).unwrap();
        assert_eq!(logs.prepare(PREPARE, now, wait).unwrap_err().status, 400);
        assert!(
            logs.download("<content>ACCESS</content>", now, wait)
                .is_err()
        );
        let later = now + wait;
        logs.marks.push("hello".into());
        let zip = logs
            .download("<content>ACCESS,SYSTEM</content>", later, wait)
            .unwrap();
        assert_eq!(&zip[..4], b"PK\x03\x04");
        assert!(zip.windows(5).any(|w| w == b"hello"));
        assert!(
            logs.download("<content>BOGUS</content>", later, wait)
                .is_err()
        );
        logs.prepare(PREPARE, later, wait).unwrap();
        logs.cancel();
        logs.prepare(PREPARE, later, wait).unwrap();
        assert!(logs.prepare("<logPrepare/>", later + wait, wait).is_err());
        assert!(
            logs.prepare(
                "<startDate>2017-03-01</startDate><endDate>03/21/2017</endDate>",
                later + wait,
                wait
            )
            .is_err()
        );
    }
}
