//! The crate's vendor error detail.
//!
//! Every fallible function of this crate returns [`storkit_core::Error`]. When the failure
//! is VRG-specific its detail is a [`VrgError`], reachable with [`VrgErrorExt::vrg`]; its
//! [`ErrorKind`] says what the core makes of it (`Unauthenticated` for a refused login,
//! `NotFound` for an unknown VM, `Config` for input refused before sending, `Vendor` for
//! any other VRG error code).
//!
//! ```
//! use storkit_vrg::{Lang, VrgError, VrgErrorCode, VrgErrorExt};
//!
//! let error: storkit_core::Error = VrgError::api(
//!     VrgErrorCode::from_code("10440400"),
//!     400,
//!     Some("VM does not exist.".into()),
//! )
//! .into();
//! assert_eq!(error.kind(), storkit_core::ErrorKind::NotFound);
//! assert_eq!(error.vrg().and_then(VrgError::code), Some(&VrgErrorCode::VmNotFound));
//! assert!(error.to_string().contains("10440400"));
//! ```

use std::time::{Duration, SystemTime};

use storkit_core::{Error, ErrorKind, Phase};

use crate::codes::{Lang, VrgErrorCode};

/// What went wrong, in the VRG's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VrgError {
    /// The VRG answered with an `errorCode` (documented codes come with HTTP 400).
    #[error("VRG error {code}: {}{}", code.describe(*lang), description.as_deref().map(|d| format!(" (VRG says: {d})")).unwrap_or_default())]
    Api {
        /// The code, known or kept as sent.
        code: VrgErrorCode,
        /// The HTTP status it came with.
        status: u16,
        /// The server's `errorDes`, verbatim (in the session's language).
        description: Option<String>,
        /// The language of the message (the client's [`Lang`]).
        lang: Lang,
    },
    /// A login refused because the account is locked (`10440207`, `10440208`). Never
    /// retried by this crate: each attempt while locked extends nothing and tells nothing.
    #[error("VRG account locked ({code}: {}); try again after {} s{}", code.describe(*lang), retry_after.as_secs(), description.as_deref().map(|d| format!(" (VRG says: {d})")).unwrap_or_default())]
    Locked {
        /// `10440207` (locked now by the third wrong password) or `10440208` (already
        /// locked).
        code: VrgErrorCode,
        /// How long to wait at most before the next login: the lock time (5 minutes by
        /// the document, [`VrgClientBuilder::lockout`](crate::VrgClientBuilder::lockout)).
        /// For `10440208` the lock began earlier, so it may lift sooner.
        retry_after: Duration,
        /// When the lock lifts at the latest, by this machine's clock.
        until: SystemTime,
        /// The server's `errorDes`, verbatim.
        description: Option<String>,
        /// The language of the message (the client's [`Lang`]).
        lang: Lang,
    },
    /// Input refused before anything was sent (reference §10 validation).
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field, as the VRG names it (`seqNum`, `volList[1].volUuid`).
        field: String,
        /// Why.
        reason: String,
    },
    /// Pairing with the peer VRG ended in a failed state.
    #[error("pairing with {peer} failed: status {status} ({meaning})")]
    PairingFailed {
        /// The peer, `ip:port`.
        peer: String,
        /// The `GET /vrgmap` status number.
        status: i64,
        /// What the number means.
        meaning: String,
    },
    /// A VM's DR configuration ended with a failed volume.
    #[error("DR configuration of VM {vm} failed: volume {volume} has status {status} ({meaning})")]
    StrategyFailed {
        /// The VM's UUID.
        vm: String,
        /// The volume's UUID.
        volume: String,
        /// The `volStatus` number.
        status: i64,
        /// What the number means.
        meaning: String,
    },
    /// The management-network change was sent, but whether the VRG applied it is
    /// unknown (no answer came back, and the new address did not answer either).
    #[error("management network change to {new_ip}: outcome unknown ({detail})")]
    ManagementChangeUnknown {
        /// The address asked for.
        new_ip: String,
        /// What was tried.
        detail: String,
    },
    /// An answer that cannot be decoded.
    #[error("cannot decode {what}: {detail}")]
    Decode {
        /// What was being decoded (`GET /vrgstatus`).
        what: String,
        /// Why it failed.
        detail: String,
    },
}

impl VrgError {
    /// An `errorCode` answer, described in English (see [`VrgError::in_lang`]).
    pub fn api(code: VrgErrorCode, status: u16, description: Option<String>) -> Self {
        VrgError::Api {
            code,
            status,
            description,
            lang: Lang::EnUs,
        }
    }

    /// The same error, its code described in `lang` by `Display`.
    #[must_use]
    pub fn in_lang(mut self, to: Lang) -> Self {
        if let VrgError::Api { lang, .. } | VrgError::Locked { lang, .. } = &mut self {
            *lang = to;
        }
        self
    }

    /// Input refused before sending.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        VrgError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A decode failure of `what`.
    pub fn decode(what: impl Into<String>, detail: impl Into<String>) -> Self {
        VrgError::Decode {
            what: what.into(),
            detail: detail.into(),
        }
    }

    /// The VRG code, for [`VrgError::Api`] and [`VrgError::Locked`].
    pub fn code(&self) -> Option<&VrgErrorCode> {
        match self {
            VrgError::Api { code, .. } | VrgError::Locked { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The core error kind that matches this detail.
    pub fn kind(&self) -> ErrorKind {
        match self {
            VrgError::Api { code, .. } => match code {
                VrgErrorCode::NotLoggedIn
                | VrgErrorCode::InvalidPassword
                | VrgErrorCode::UserNotFound
                | VrgErrorCode::WrongPassword => ErrorKind::Unauthenticated,
                VrgErrorCode::LockedAfterWrongPasswords | VrgErrorCode::AccountLocked => {
                    ErrorKind::PermissionDenied
                }
                VrgErrorCode::VmNotFound | VrgErrorCode::AlarmServerNotConfigured => {
                    ErrorKind::NotFound
                }
                _ => ErrorKind::Vendor,
            },
            VrgError::Locked { .. } => ErrorKind::PermissionDenied,
            VrgError::InvalidInput { .. } => ErrorKind::Config,
            VrgError::PairingFailed { .. } | VrgError::StrategyFailed { .. } => ErrorKind::Vendor,
            VrgError::ManagementChangeUnknown { .. } => ErrorKind::Io,
            VrgError::Decode { .. } => ErrorKind::Decode,
        }
    }

    /// The core error carrying this detail, with a kind that matches it.
    pub fn into_error(self) -> Error {
        let kind = self.kind();
        let phase = match &self {
            VrgError::InvalidInput { .. } => Phase::NotSent,
            VrgError::ManagementChangeUnknown { .. } => Phase::MaybeSent,
            _ => Phase::Responded,
        };
        let message = self.to_string();
        Error::vendor(self)
            .with_kind(kind)
            .with_phase(phase)
            .with_message(message)
    }
}

impl From<VrgError> for Error {
    fn from(e: VrgError) -> Self {
        e.into_error()
    }
}

/// Reaches the [`VrgError`] inside a core error.
pub trait VrgErrorExt {
    /// The VRG detail, when the error has one.
    fn vrg(&self) -> Option<&VrgError>;

    /// The VRG error code, when the error has one.
    fn vrg_code(&self) -> Option<&VrgErrorCode> {
        self.vrg().and_then(VrgError::code)
    }
}

impl VrgErrorExt for Error {
    fn vrg(&self) -> Option<&VrgError> {
        self.detail::<VrgError>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_described_in_the_clients_language() {
        let e = VrgError::api(VrgErrorCode::WrongPassword, 400, None).in_lang(Lang::ZhCn);
        assert!(e.to_string().contains("用户密码错误"), "{e}");
        let e = VrgError::api(VrgErrorCode::WrongPassword, 400, None);
        assert!(e.to_string().contains("Wrong user password"), "{e}");
    }

    #[test]
    fn kinds_follow_the_code() {
        let kind = |c: &str| VrgError::api(VrgErrorCode::from_code(c), 400, None).kind();
        assert_eq!(kind("10440102"), ErrorKind::Unauthenticated);
        assert_eq!(kind("10440202"), ErrorKind::Unauthenticated);
        assert_eq!(kind("10440208"), ErrorKind::PermissionDenied);
        assert_eq!(kind("10440400"), ErrorKind::NotFound);
        assert_eq!(kind("10440306"), ErrorKind::Vendor);
        assert_eq!(kind("99"), ErrorKind::Vendor);
    }

    #[test]
    fn the_message_names_code_and_server_text() {
        let e: Error = VrgError::api(
            VrgErrorCode::DuplicateSlotNumber,
            400,
            Some("磁盘槽位号重复".into()),
        )
        .into();
        let text = e.to_string();
        assert!(text.contains("10440309"), "{text}");
        assert!(text.contains("磁盘槽位号重复"), "{text}");
        assert_eq!(e.phase(), Phase::Responded);
        let refused: Error = VrgError::invalid("seqNum", "must be 1-40").into();
        assert_eq!(refused.phase(), Phase::NotSent);
        assert_eq!(refused.kind(), ErrorKind::Config);
    }
}
