//! The VRG's `errorCode` values (interface document §2.1.4 and the per-endpoint tables),
//! with their Chinese text verbatim and an English translation, and the response
//! language.
//!
//! Every documented code comes with HTTP 400 and a body
//! `{"errorCode":"10440xxx","errorDes":"..."}`. A code this crate does not know is kept
//! as it came ([`VrgErrorCode::Other`]).
//!
//! ```
//! use storkit_vrg::{Lang, VrgErrorCode};
//!
//! let code = VrgErrorCode::from_code("10440207");
//! assert_eq!(code, VrgErrorCode::LockedAfterWrongPasswords);
//! assert_eq!(code.code(), "10440207");
//! assert!(code.describe(Lang::EnUs).contains("locked for 5 minutes"));
//! assert_eq!(VrgErrorCode::from_code("10440999"), VrgErrorCode::Other("10440999".into()));
//! ```

use std::fmt;

/// The language of the VRG's answers (`Accept-Language`) and of [`VrgErrorCode::describe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Simplified Chinese, `zh_CN`.
    ZhCn,
    /// English, `en_US` (the default).
    #[default]
    EnUs,
}

impl Lang {
    /// The `Accept-Language` value, with the underscore the VRG documents.
    pub fn header_value(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh_CN",
            Lang::EnUs => "en_US",
        }
    }

    /// Parses `zh_CN`, `zh-CN`, `zh`, `en_US`, `en-US`, `en` (any case).
    pub fn parse(text: &str) -> Option<Lang> {
        let lower = text.trim().to_ascii_lowercase().replace('-', "_");
        match lower.as_str() {
            "zh_cn" | "zh" => Some(Lang::ZhCn),
            "en_us" | "en" => Some(Lang::EnUs),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.header_value())
    }
}

/// A VRG `errorCode`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VrgErrorCode {
    /// `10440000`: internal system error.
    InternalError,
    /// `10440101`: invalid input parameter.
    InvalidParameter,
    /// `10440102`: not logged in, or the session timed out.
    NotLoggedIn,
    /// `10440200`: invalid user password.
    InvalidPassword,
    /// `10440201`: the user does not exist.
    UserNotFound,
    /// `10440202`: wrong password.
    WrongPassword,
    /// `10440205`: logout failed, please retry.
    LogoutFailed,
    /// `10440207`: three wrong passwords in a row; the account is locked for 5 minutes.
    LockedAfterWrongPasswords,
    /// `10440208`: the account is locked; the user cannot log in.
    AccountLocked,
    /// `10440301`: invalid IP address.
    InvalidIp,
    /// `10440302`: invalid port.
    InvalidPort,
    /// `10440305`: the management plane's eth0 does not exist.
    NoManagementEth0,
    /// `10440306`: duplicate volume UUID.
    DuplicateVolumeUuid,
    /// `10440308`: no VM exists in the system.
    NoVms,
    /// `10440309`: duplicate disk slot number.
    DuplicateSlotNumber,
    /// `10440400`: the VM does not exist.
    VmNotFound,
    /// `10440401`: invalid VM UUID.
    InvalidVmUuid,
    /// `10440402`: no alarm server is configured.
    AlarmServerNotConfigured,
    /// A code this crate does not know, as the server sent it.
    Other(String),
}

/// code, variant, zh (verbatim from the interface document), en.
type Row = (
    &'static str,
    fn() -> VrgErrorCode,
    &'static str,
    &'static str,
);
const TABLE: &[Row] = &[
    (
        "10440000",
        || VrgErrorCode::InternalError,
        "系统内部错误,请检查系统运行状态。",
        "Internal system error; check the system's running state.",
    ),
    (
        "10440101",
        || VrgErrorCode::InvalidParameter,
        "输入参数不合法。",
        "Invalid input parameter.",
    ),
    (
        "10440102",
        || VrgErrorCode::NotLoggedIn,
        "用户未登录或超时,请重新登录后重试。",
        "User not logged in or session timed out; log in again and retry.",
    ),
    (
        "10440200",
        || VrgErrorCode::InvalidPassword,
        "用户密码不合法。",
        "Invalid user password.",
    ),
    (
        "10440201",
        || VrgErrorCode::UserNotFound,
        "用户不存在。",
        "User does not exist.",
    ),
    (
        "10440202",
        || VrgErrorCode::WrongPassword,
        "用户密码错误。",
        "Wrong user password.",
    ),
    (
        "10440205",
        || VrgErrorCode::LogoutFailed,
        "退出失败,请重试",
        "Logout failed, please retry.",
    ),
    (
        "10440207",
        || VrgErrorCode::LockedAfterWrongPasswords,
        "用户密码连续 3 次输入错误,帐户锁定 5 分钟",
        "Wrong password 3 times in a row; account locked for 5 minutes.",
    ),
    (
        "10440208",
        || VrgErrorCode::AccountLocked,
        "用户账户被锁定,用户无法登录",
        "User account is locked; the user cannot log in.",
    ),
    (
        "10440301",
        || VrgErrorCode::InvalidIp,
        "IP 地址不合法",
        "Invalid IP address.",
    ),
    (
        "10440302",
        || VrgErrorCode::InvalidPort,
        "端口不合法",
        "Invalid port.",
    ),
    (
        "10440305",
        || VrgErrorCode::NoManagementEth0,
        "管理面 eth0 不存在",
        "Management-plane eth0 does not exist.",
    ),
    (
        "10440306",
        || VrgErrorCode::DuplicateVolumeUuid,
        "卷 Uuid 重复",
        "Duplicate volume UUID.",
    ),
    (
        "10440308",
        || VrgErrorCode::NoVms,
        "系统当前不存在虚拟机",
        "No VM currently exists in the system.",
    ),
    (
        "10440309",
        || VrgErrorCode::DuplicateSlotNumber,
        "磁盘槽位号重复",
        "Duplicate disk slot number.",
    ),
    (
        "10440400",
        || VrgErrorCode::VmNotFound,
        "虚拟机不存在",
        "VM does not exist.",
    ),
    (
        "10440401",
        || VrgErrorCode::InvalidVmUuid,
        "虚拟机 UUID 不合法",
        "Invalid VM UUID.",
    ),
    (
        "10440402",
        || VrgErrorCode::AlarmServerNotConfigured,
        "告警管理端信息不存在。",
        "Alarm management server information does not exist.",
    ),
];

impl VrgErrorCode {
    /// Every code the interface document lists, in its order.
    pub fn known() -> impl Iterator<Item = VrgErrorCode> {
        TABLE.iter().map(|(_, make, _, _)| make())
    }

    /// The code for `code` as sent (surrounding spaces ignored); unknown codes are kept.
    pub fn from_code(code: &str) -> VrgErrorCode {
        let trimmed = code.trim();
        TABLE
            .iter()
            .find(|(c, _, _, _)| *c == trimmed)
            .map(|(_, make, _, _)| make())
            .unwrap_or_else(|| VrgErrorCode::Other(code.to_owned()))
    }

    /// The code as the VRG writes it (`"10440102"`).
    pub fn code(&self) -> &str {
        match self {
            VrgErrorCode::Other(code) => code,
            known => TABLE
                .iter()
                .find(|(_, make, _, _)| make() == *known)
                .map_or("", |(c, _, _, _)| c),
        }
    }

    /// The document's description in `lang`; for an unknown code, a sentence saying so.
    pub fn describe(&self, lang: Lang) -> &'static str {
        let found = TABLE.iter().find(|(_, make, _, _)| make() == *self);
        match (found, lang) {
            (Some((_, _, zh, _)), Lang::ZhCn) => zh,
            (Some((_, _, _, en)), Lang::EnUs) => en,
            (None, Lang::ZhCn) => "未知错误码",
            (None, Lang::EnUs) => "an error code the VRG interface document does not list",
        }
    }

    /// A credentials refusal that must never be retried (`10440202`, `10440207`,
    /// `10440208`; also `10440200` and `10440201`).
    pub fn is_login_refusal(&self) -> bool {
        matches!(
            self,
            VrgErrorCode::InvalidPassword
                | VrgErrorCode::UserNotFound
                | VrgErrorCode::WrongPassword
                | VrgErrorCode::LockedAfterWrongPasswords
                | VrgErrorCode::AccountLocked
        )
    }

    /// The account is locked (`10440207`, `10440208`).
    pub fn is_lockout(&self) -> bool {
        matches!(
            self,
            VrgErrorCode::LockedAfterWrongPasswords | VrgErrorCode::AccountLocked
        )
    }
}

impl fmt::Display for VrgErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips_and_has_both_texts() {
        let mut n = 0;
        for code in VrgErrorCode::known() {
            n += 1;
            assert_eq!(VrgErrorCode::from_code(code.code()), code);
            assert!(code.code().starts_with("10440") && code.code().len() == 8);
            assert!(!code.describe(Lang::EnUs).is_empty());
            assert!(!code.describe(Lang::ZhCn).is_ascii());
        }
        assert_eq!(n, 18);
    }

    #[test]
    fn unknown_codes_are_kept_verbatim() {
        let code = VrgErrorCode::from_code(" 10000040");
        assert_eq!(code, VrgErrorCode::Other(" 10000040".into()));
        assert_eq!(code.code(), " 10000040");
        assert!(!code.is_login_refusal());
    }

    #[test]
    fn refusals_and_lockouts() {
        assert!(VrgErrorCode::WrongPassword.is_login_refusal());
        assert!(!VrgErrorCode::WrongPassword.is_lockout());
        assert!(VrgErrorCode::AccountLocked.is_lockout());
        assert!(!VrgErrorCode::NotLoggedIn.is_login_refusal());
    }

    #[test]
    fn languages() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("EN_us"), Some(Lang::EnUs));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::default().header_value(), "en_US");
    }
}
