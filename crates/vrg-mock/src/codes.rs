//! The `errorCode` values the mock answers, with the texts of reference §5: Chinese verbatim
//! from the interface document, English as translated there.
//!
//! ```
//! use storkit_vrg_mock::codes::{self, Lang};
//!
//! assert_eq!(codes::describe(codes::WRONG_PASSWORD, Lang::Zh), Some("用户密码错误。"));
//! assert_eq!(
//!     codes::describe(codes::WRONG_PASSWORD, Lang::En),
//!     Some("Wrong user password.")
//! );
//! assert_eq!(Lang::from_accept_language(Some("en_US")), Lang::En);
//! assert_eq!(Lang::from_accept_language(Some("zh_CN")), Lang::Zh);
//! assert_eq!(Lang::from_accept_language(None), Lang::Zh);
//! ```

/// The language of `errorDes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Simplified Chinese: every `Accept-Language` that does not start with `en`, and none.
    #[default]
    Zh,
    /// English: an `Accept-Language` starting with `en` (any case), e.g. `en_US`, `en-US`.
    En,
}

impl Lang {
    /// The language an `Accept-Language` value asks for (mock choice: only its start counts).
    pub fn from_accept_language(value: Option<&str>) -> Self {
        match value {
            Some(v)
                if v.trim_start()
                    .get(..2)
                    .is_some_and(|p| p.eq_ignore_ascii_case("en")) =>
            {
                Self::En
            }
            _ => Self::Zh,
        }
    }
}

/// `10440000`: internal system error.
pub const INTERNAL_ERROR: &str = "10440000";
/// `10440101`: invalid input parameter.
pub const INVALID_PARAMETER: &str = "10440101";
/// `10440102`: not logged in, or the session timed out.
pub const NOT_LOGGED_IN: &str = "10440102";
/// `10440200`: invalid user password (the mock answers it for a user name outside 1–20
/// characters).
pub const INVALID_PASSWORD: &str = "10440200";
/// `10440201`: the user does not exist.
pub const USER_NOT_FOUND: &str = "10440201";
/// `10440202`: wrong password.
pub const WRONG_PASSWORD: &str = "10440202";
/// `10440205`: logout failed, please retry.
pub const LOGOUT_FAILED: &str = "10440205";
/// `10440207`: three wrong passwords in a row; the account is locked.
pub const LOCKED_AFTER_WRONG_PASSWORDS: &str = "10440207";
/// `10440208`: the account is locked.
pub const ACCOUNT_LOCKED: &str = "10440208";
/// `10440301`: invalid IP address.
pub const INVALID_IP: &str = "10440301";
/// `10440302`: invalid port.
pub const INVALID_PORT: &str = "10440302";
/// `10440305`: the management plane's eth0 does not exist.
pub const NO_MANAGEMENT_ETH0: &str = "10440305";
/// `10440306`: duplicate volume UUID.
pub const DUPLICATE_VOLUME_UUID: &str = "10440306";
/// `10440308`: no VM exists in the system.
pub const NO_VMS: &str = "10440308";
/// `10440309`: duplicate disk slot number.
pub const DUPLICATE_SLOT_NUMBER: &str = "10440309";
/// `10440400`: the VM does not exist.
pub const VM_NOT_FOUND: &str = "10440400";
/// `10440401`: invalid VM UUID.
pub const INVALID_VM_UUID: &str = "10440401";
/// `10440402`: no alarm server is configured.
pub const ALARM_SERVER_NOT_CONFIGURED: &str = "10440402";

/// code, Chinese (verbatim, reference §5), English.
const TEXTS: &[(&str, &str, &str)] = &[
    (
        INTERNAL_ERROR,
        "系统内部错误,请检查系统运行状态。",
        "Internal system error; check the system's running state.",
    ),
    (
        INVALID_PARAMETER,
        "输入参数不合法。",
        "Invalid input parameter.",
    ),
    (
        NOT_LOGGED_IN,
        "用户未登录或超时,请重新登录后重试。",
        "User not logged in or session timed out; log in again and retry.",
    ),
    (
        INVALID_PASSWORD,
        "用户密码不合法。",
        "Invalid user password.",
    ),
    (USER_NOT_FOUND, "用户不存在。", "User does not exist."),
    (WRONG_PASSWORD, "用户密码错误。", "Wrong user password."),
    (
        LOGOUT_FAILED,
        "退出失败,请重试",
        "Logout failed, please retry.",
    ),
    (
        LOCKED_AFTER_WRONG_PASSWORDS,
        "用户密码连续 3 次输入错误,帐户锁定 5 分钟",
        "Wrong password 3 times in a row; account locked for 5 minutes.",
    ),
    (
        ACCOUNT_LOCKED,
        "用户账户被锁定,用户无法登录",
        "User account is locked; the user cannot log in.",
    ),
    (INVALID_IP, "IP 地址不合法", "Invalid IP address."),
    (INVALID_PORT, "端口不合法", "Invalid port."),
    (
        NO_MANAGEMENT_ETH0,
        "管理面 eth0 不存在",
        "Management-plane eth0 does not exist.",
    ),
    (
        DUPLICATE_VOLUME_UUID,
        "卷 Uuid 重复",
        "Duplicate volume UUID.",
    ),
    (
        NO_VMS,
        "系统当前不存在虚拟机",
        "No VM currently exists in the system.",
    ),
    (
        DUPLICATE_SLOT_NUMBER,
        "磁盘槽位号重复",
        "Duplicate disk slot number.",
    ),
    (VM_NOT_FOUND, "虚拟机不存在", "VM does not exist."),
    (INVALID_VM_UUID, "虚拟机 UUID 不合法", "Invalid VM UUID."),
    (
        ALARM_SERVER_NOT_CONFIGURED,
        "告警管理端信息不存在。",
        "Alarm management server information does not exist.",
    ),
];

/// Every code the mock answers, in numeric order.
pub fn all() -> impl Iterator<Item = &'static str> {
    TEXTS.iter().map(|(code, _, _)| *code)
}

/// The `errorDes` the mock sends with `code` in `lang`; `None` for a code it never sends.
pub fn describe(code: &str, lang: Lang) -> Option<&'static str> {
    TEXTS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| match lang {
            Lang::Zh => *zh,
            Lang::En => *en,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_two_texts_and_eight_digits() {
        let codes: Vec<&str> = all().collect();
        assert_eq!(codes.len(), 18);
        for code in codes {
            assert_eq!(code.len(), 8);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
            assert!(describe(code, Lang::Zh).is_some_and(|t| !t.is_ascii()));
            assert!(describe(code, Lang::En).is_some_and(str::is_ascii));
        }
        assert_eq!(describe("10440999", Lang::En), None);
    }

    #[test]
    fn language_from_its_start() {
        for (value, lang) in [
            (Some("en_US"), Lang::En),
            (Some("EN-us"), Lang::En),
            (Some(" en"), Lang::En),
            (Some("zh_CN"), Lang::Zh),
            (Some("zh_CN:1.0"), Lang::Zh),
            (Some("e"), Lang::Zh),
            (Some(""), Lang::Zh),
            (None, Lang::Zh),
        ] {
            assert_eq!(Lang::from_accept_language(value), lang, "{value:?}");
        }
    }
}
