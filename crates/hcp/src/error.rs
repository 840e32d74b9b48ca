//! The crate's vendor error detail.
//!
//! Every fallible function of this crate returns [`storkit_core::Error`]. When the failure
//! is HCP-specific its detail is an [`HcpError`], reachable with [`HcpErrorExt::hcp`].

use storkit_core::{Error, ErrorKind, Phase};

/// What went wrong, in HCP's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HcpError {
    /// HCP answered with an error status; `message` is its `X-HCP-ErrorMessage` header.
    #[error("HCP answered {status} {reason}{}", message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The status line's reason phrase (canonical for the code).
        reason: String,
        /// `X-HCP-ErrorMessage`, when HCP sent one.
        message: Option<String>,
    },
    /// The hash HCP computed differs from the one computed while sending or reading.
    #[error("hash mismatch for {object}: computed {computed}, HCP says {server}")]
    HashMismatch {
        /// The object's path.
        object: String,
        /// The hash this client computed (`SHA-256 <UPPER-HEX>`).
        computed: String,
        /// The hash HCP reported (`X-HCP-Hash`).
        server: String,
    },
    /// A replication link action that the link's type does not allow; nothing was sent.
    #[error("{action} is not allowed on {link_type} link")]
    LinkActionNotAllowed {
        /// The action, as on the wire (`failBack`).
        action: String,
        /// The link type (`OUTBOUND`), or `None` when no type was given.
        link_type: String,
    },
    /// HCP's log collection reports an error (`logDownloadStatus/error` is `true`).
    #[error("HCP log collection failed (logDownloadStatus/error = true)")]
    LogCollectionFailed,
    /// A name the path builder cannot map to a path.
    #[error("not a path builder object name: {0}")]
    PathBuilder(String),
    /// An answer that cannot be decoded.
    #[error("cannot decode {what}: {detail}")]
    Decode {
        /// What was being decoded (`/proc/statistics`).
        what: String,
        /// Why it failed.
        detail: String,
    },
}

impl HcpError {
    /// A decode failure of `what`.
    pub fn decode(what: impl Into<String>, detail: impl Into<String>) -> Self {
        HcpError::Decode {
            what: what.into(),
            detail: detail.into(),
        }
    }

    /// The core error carrying this detail, with a kind that matches it.
    pub fn into_error(self) -> Error {
        let kind = match &self {
            HcpError::Status { status, .. } => http::StatusCode::from_u16(*status)
                .map(ErrorKind::from_status)
                .unwrap_or(ErrorKind::Vendor),
            HcpError::HashMismatch { .. } | HcpError::LogCollectionFailed => ErrorKind::Vendor,
            HcpError::LinkActionNotAllowed { .. } | HcpError::PathBuilder(_) => ErrorKind::Config,
            HcpError::Decode { .. } => ErrorKind::Decode,
        };
        let message = self.to_string();
        let phase = match &self {
            // Refused before anything went on the wire.
            HcpError::LinkActionNotAllowed { .. } | HcpError::PathBuilder(_) => Phase::NotSent,
            _ => Phase::Responded,
        };
        Error::vendor(self)
            .with_kind(kind)
            .with_phase(phase)
            .with_message(message)
    }
}

impl From<HcpError> for Error {
    fn from(e: HcpError) -> Self {
        e.into_error()
    }
}

/// Reaches the [`HcpError`] inside a core error.
pub trait HcpErrorExt {
    /// The HCP detail, when the error has one.
    fn hcp(&self) -> Option<&HcpError>;
}

impl HcpErrorExt for Error {
    fn hcp(&self) -> Option<&HcpError> {
        self.detail::<HcpError>()
    }
}
