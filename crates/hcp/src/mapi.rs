//! The management API (MAPI, port 9090, always HTTPS): replication, logs, chargeback and
//! tenants, as hcpsdk 0.9.5 offers them, with its bugs fixed.
//!
//! Build the client on `admin.<domain>` (system-level users) or `<tenant>.<domain>`
//! (tenant-level users) with port 9090, or derive it from a namespace client with
//! [`HcpClient::with_name`], then call [`HcpClient::mapi`].

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use storkit_core::encode::encode_path_segment;
use storkit_core::http::{HeaderValue, StatusCode, header};
use storkit_core::poll::{PollError, PollPolicy, PollStep, Poller};
use storkit_core::{Error, ErrorKind, Phase, Request, RequestPath};

use crate::client::{HcpClient, RawStreamingResponse, status_error, streaming_status_error};
use crate::error::HcpError;
use crate::mapi_types::{
    LinkAction, LinkDetails, LinkType, LogDate, LogDownloadStatus, LogKind, ReplicationSettings,
    TenantInfo,
};
use crate::xml::mapi::{
    decode_link_details, decode_link_list, decode_log_status, decode_replication_settings,
    decode_tenant_info, decode_tenant_list, logs_download_xml, logs_prepare_xml,
};

/// MAPI calls through one client. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Mapi {
    client: HcpClient,
}

impl HcpClient {
    /// The management API through this client. The client must be on the MAPI port
    /// (9090, or what [`HcpClientBuilder::mapi_port`](crate::HcpClientBuilder::mapi_port)
    /// set); any other port is a config error, as hcpsdk's port check.
    pub fn mapi(&self) -> Result<Mapi, Error> {
        if self.port() != self.mapi_port() {
            return Err(Error::config(format!(
                "client initialized for port {}, not {}",
                self.port(),
                self.mapi_port()
            )));
        }
        Ok(Mapi {
            client: self.clone(),
        })
    }
}

fn link_path(name: &str) -> RequestPath {
    RequestPath::encoded(format!(
        "/mapi/services/replication/links/{}",
        encode_path_segment(name)
    ))
}

/// A time for a chargeback report, with its own UTC offset (hcpsdk applied the local
/// offset of "now" to both ends, bug B16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    offset_minutes: i16,
}

impl ReportTime {
    /// A time; out-of-range fields are a config error.
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        offset_minutes: i16,
    ) -> Result<Self, Error> {
        let ok = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60
            && offset_minutes.abs() < 24 * 60;
        if !ok {
            return Err(Error::config("not a valid report time"));
        }
        Ok(ReportTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            offset_minutes,
        })
    }
}

impl fmt::Display for ReportTime {
    /// `2020-01-31T00:00:00-0500`, as HCP's examples write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let off = self.offset_minutes.unsigned_abs();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            off / 60,
            off % 60
        )
    }
}

/// The granularity of a chargeback report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// One line per day.
    Day,
    /// One line per hour.
    Hour,
    /// One total.
    Total,
}

impl Granularity {
    fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Hour => "hour",
            Granularity::Total => "total",
        }
    }
}

/// The format of a chargeback report (its `Accept` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// `text/csv`.
    Csv,
    /// `application/json`.
    Json,
    /// `application/xml`.
    Xml,
}

impl ReportFormat {
    fn mime(self) -> &'static str {
        match self {
            ReportFormat::Csv => "text/csv",
            ReportFormat::Json => "application/json",
            ReportFormat::Xml => "application/xml",
        }
    }
}

/// A log download: the file name HCP suggests and the body, to be read in chunks.
#[derive(Debug)]
#[non_exhaustive]
pub struct LogDownload {
    /// From `Content-Disposition` (`HCPLogs-....zip`), when HCP sent one.
    pub filename: Option<String>,
    /// The zip, streamed.
    pub body: RawStreamingResponse,
}

fn disposition_filename(value: &str) -> Option<String> {
    value.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("filename")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

const XML: HeaderValue = HeaderValue::from_static("application/xml");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

impl Mapi {
    /// Sends `request`; the body of a `200`, any other status an error.
    async fn ok_body(&self, request: Request) -> Result<Bytes, Error> {
        let r = self.client.send(request).await?;
        if r.status() != StatusCode::OK {
            return Err(status_error(&r));
        }
        Ok(r.into_body())
    }

    /// The replication service's settings (`GET /mapi/services/replication`).
    pub async fn replication_settings(&self) -> Result<ReplicationSettings, Error> {
        let body = self
            .ok_body(Request::get("/mapi/services/replication"))
            .await?;
        decode_replication_settings(&body)
    }

    /// The names of the replication links. Any failure is an error, never a list entry
    /// (hcpsdk returned `['Error: ...']`, bug B12).
    pub async fn replication_links(&self) -> Result<Vec<String>, Error> {
        let body = self
            .ok_body(Request::get("/mapi/services/replication/links"))
            .await?;
        decode_link_list(&body)
    }

    /// A link's details (`?verbose=true`). Any name works, raw `<-->` included.
    pub async fn replication_link(&self, name: &str) -> Result<LinkDetails, Error> {
        let body = self
            .ok_body(Request::get(link_path(name)).query("verbose", "true"))
            .await?;
        decode_link_details(&body)
    }

    /// Suspends, resumes, restores, fails over, fails back, begins or completes recovery
    /// of a link. The action is checked against `link_type` as hcpsdk does (failBack not on
    /// active/passive links; recovery not on active/active ones; the failover family needs
    /// a type): a wrong combination is an [`HcpError::LinkActionNotAllowed`] error and
    /// nothing is sent. An action is sent once, never resent.
    pub async fn replication_link_action(
        &self,
        name: &str,
        action: LinkAction,
        link_type: Option<LinkType>,
    ) -> Result<(), Error> {
        action.check(link_type)?;
        self.ok_body(
            Request::post(link_path(name))
                .raw_query(action.as_str())
                .idempotent(false),
        )
        .await?;
        Ok(())
    }

    /// Shuts every replication link down, service-wide, with `reason`
    /// (`POST /mapi/services/replication?shutDownAllLinks=<reason>`; not in hcpsdk). Sent
    /// once, never resent.
    pub async fn shut_down_all_links(&self, reason: &str) -> Result<(), Error> {
        self.ok_body(
            Request::post("/mapi/services/replication")
                .query("shutDownAllLinks", reason)
                .idempotent(false),
        )
        .await?;
        Ok(())
    }

    /// Brings every link shut down by [`shut_down_all_links`](Self::shut_down_all_links)
    /// back up (`POST /mapi/services/replication?reestablishAllLinks`). Sent once, never
    /// resent.
    pub async fn reestablish_all_links(&self) -> Result<(), Error> {
        self.ok_body(
            Request::post("/mapi/services/replication")
                .raw_query("reestablishAllLinks")
                .idempotent(false),
        )
        .await?;
        Ok(())
    }

    /// Writes a marker into HCP's log (`POST /mapi/logs?mark=...`).
    pub async fn log_mark(&self, message: &str) -> Result<(), Error> {
        if message.is_empty() {
            return Err(Error::config("log message required"));
        }
        self.ok_body(
            Request::post("/mapi/logs")
                .query("mark", message)
                .idempotent(false),
        )
        .await?;
        Ok(())
    }

    /// Starts collecting logs between two dates (on the given S-series nodes). A
    /// collection already running is a `400` error (hcpsdk's `LogsInProgessError`).
    pub async fn log_prepare(
        &self,
        start: LogDate,
        end: LogDate,
        snodes: &[&str],
    ) -> Result<(), Error> {
        self.ok_body(
            Request::post("/mapi/logs/prepare")
                .header(header::CONTENT_TYPE, XML)
                .body(logs_prepare_xml(start, end, snodes))
                .idempotent(false),
        )
        .await?;
        Ok(())
    }

    /// The state of the log collection (`GET /mapi/logs`). Unlike hcpsdk it does not
    /// sleep; poll it with the core's poller.
    pub async fn log_status(&self) -> Result<LogDownloadStatus, Error> {
        let body = self.ok_body(Request::get("/mapi/logs")).await?;
        decode_log_status(&body)
    }

    /// Waits until the log collection is ready for streaming, polling
    /// [`log_status`](Self::log_status) under `policy` (hcpsdk left the loop to the caller
    /// and slept 0.5 s in every status call). A collection that reports an error is an
    /// [`HcpError::LogCollectionFailed`] error; a policy that runs out is an
    /// [`ErrorKind::Poll`] error.
    pub async fn wait_for_logs(&self, policy: &PollPolicy) -> Result<LogDownloadStatus, Error> {
        let mut poller = Poller::new(policy.clone());
        let result = poller
            .run(
                |_| async move {
                    let status = self.log_status().await?;
                    if status.error == Some(true) {
                        return Err(HcpError::LogCollectionFailed.into_error());
                    }
                    Ok::<_, Error>(if status.ready_for_streaming == Some(true) {
                        PollStep::Done(status)
                    } else {
                        PollStep::Pending("collecting")
                    })
                },
                |event| {
                    tracing::debug!(poll = event.attempt, "logs not ready yet");
                },
            )
            .await;
        result.map_err(|e| match e {
            PollError::Fetch { source, .. } => source,
            other => Error::new(ErrorKind::Poll)
                .with_phase(Phase::MaybeSent)
                .with_message(format!("log collection: {other}"))
                .with_source(other),
        })
    }

    /// Downloads the prepared logs as a zip, streamed (`POST /mapi/logs/download`). Each
    /// chunk may take up to `idle` to arrive; the whole download has no time limit.
    pub async fn log_download(
        &self,
        nodes: &[&str],
        snodes: &[&str],
        content: &[LogKind],
        idle: Duration,
    ) -> Result<LogDownload, Error> {
        let r = self
            .client
            .request(storkit_core::http::Method::POST, "/mapi/logs/download")
            .header(header::ACCEPT, HeaderValue::from_static("*/*"))
            .header(header::CONTENT_TYPE, XML)
            .body(logs_download_xml(nodes, snodes, content))
            .into_core()
            .idle_timeout(idle);
        let r = self.client.send_streaming(r).await?;
        if r.status() != StatusCode::OK {
            return Err(streaming_status_error(&r));
        }
        let filename = r
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(disposition_filename);
        Ok(LogDownload {
            filename,
            body: RawStreamingResponse::from_core(r),
        })
    }

    /// Cancels a log collection (`POST /mapi/logs?cancel`).
    pub async fn log_cancel(&self) -> Result<(), Error> {
        self.ok_body(
            Request::post("/mapi/logs")
                .raw_query("cancel")
                .idempotent(false),
        )
        .await?;
        Ok(())
    }

    /// A tenant's chargeback report, unparsed, in `format`. Each end carries its own UTC
    /// offset.
    pub async fn chargeback(
        &self,
        tenant: &str,
        start: ReportTime,
        end: ReportTime,
        granularity: Granularity,
        format: ReportFormat,
    ) -> Result<String, Error> {
        if tenant.is_empty() {
            return Err(Error::config("no tenant given"));
        }
        let path = RequestPath::encoded(format!(
            "/mapi/tenants/{}/chargebackReport",
            encode_path_segment(tenant)
        ));
        let body = self
            .ok_body(
                Request::get(path)
                    .query("start", &start.to_string())
                    .query("end", &end.to_string())
                    .query("granularity", granularity.as_str())
                    .header(header::ACCEPT, HeaderValue::from_static(format.mime())),
            )
            .await?;
        String::from_utf8(body.to_vec())
            .map_err(|e| HcpError::decode("chargeback report", e.to_string()).into())
    }

    /// The tenants' names (`GET /mapi/tenants?verbose=true`, JSON).
    pub async fn tenants(&self) -> Result<Vec<String>, Error> {
        let body = self
            .ok_body(
                Request::get("/mapi/tenants")
                    .query("verbose", "true")
                    .header(header::ACCEPT, JSON),
            )
            .await?;
        decode_tenant_list(&body)
    }

    /// A tenant's settings (`GET /mapi/tenants/<name>`, JSON).
    pub async fn tenant(&self, name: &str) -> Result<TenantInfo, Error> {
        let path = RequestPath::encoded(format!("/mapi/tenants/{}", encode_path_segment(name)));
        let body = self
            .ok_body(Request::get(path).header(header::ACCEPT, JSON))
            .await?;
        decode_tenant_info(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_times_carry_their_own_offset() {
        let t = ReportTime::new(2020, 1, 31, 13, 59, 59, -300).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.to_string(), "2020-01-31T13:59:59-0500");
        let t = ReportTime::new(2015, 11, 4, 15, 27, 29, 60).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.to_string(), "2015-11-04T15:27:29+0100");
        assert!(ReportTime::new(2015, 13, 4, 15, 27, 29, 60).is_err());
    }

    #[test]
    fn the_download_file_name_comes_unquoted() {
        assert_eq!(
            disposition_filename("attachment; filename=HCPLogs-admin.hcp.example.com-n17.zip")
                .as_deref(),
            Some("HCPLogs-admin.hcp.example.com-n17.zip")
        );
        assert_eq!(
            disposition_filename("attachment; filename=\"a.zip\"").as_deref(),
            Some("a.zip")
        );
        assert_eq!(disposition_filename("attachment"), None);
    }

    #[test]
    fn link_names_are_data_in_the_path() {
        assert_eq!(
            link_path("hcp1--<-->--hcp2").as_encoded().ok(),
            Some("/mapi/services/replication/links/hcp1--%3C--%3E--hcp2")
        );
    }
}
