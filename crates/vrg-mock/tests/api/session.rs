//! Login, lockout, token expiry, logout, versions, the `Accept` version and the language of
//! `errorDes`. Addresses 127.0.10.1–19.

use std::time::Duration;

use http::StatusCode;
use serde_json::json;
use storkit_vrg_mock::{DEFAULT_LOCKOUT, DEFAULT_UUID, codes, key_for};
use tokio::time::advance;

use crate::support::{Client, PASSWORD, Req, USER, start};

#[tokio::test]
async fn login_answers_a_token_the_validity_and_the_uuid() {
    let mock = start(1, |c| c).await;
    let client = Client::new(&mock);
    let reply = client.raw(Client::login_request(USER, PASSWORD)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=UTF-8")
    );
    assert!(reply.header("date").is_some());
    let token = reply.header("x-auth-token").unwrap().to_owned();
    assert_eq!(token.len(), 36, "{token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'));
    assert_eq!(
        reply.json(),
        json!({"validity": 600000, "uuid": DEFAULT_UUID})
    );

    // `{}` as the body works too, and each login gets its own token.
    let again = client
        .raw(Client::login_request(USER, PASSWORD).raw_body("{}"))
        .await;
    assert_eq!(again.status, 200);
    assert_ne!(again.header("x-auth-token").unwrap(), token);
    assert_eq!(
        (mock.logins(), mock.login_attempts(), mock.live_sessions()),
        (2, 2, 2)
    );

    // The token opens the other routes, and comes back on their answers.
    let status = client.send(Req::get("/vrgstatus").token(&token)).await;
    assert_eq!(status.status, 200);
    assert_eq!(status.header("x-auth-token"), Some(token.as_str()));
    let denied = client.send(Req::get("/vrgstatus").token("nope")).await;
    assert_eq!(denied.code(), codes::NOT_LOGGED_IN);
    assert_eq!(denied.header("x-auth-token"), None);
}

#[tokio::test]
async fn login_refusals_have_their_codes() {
    let mock = start(2, |c| c.user("operator", "other-pass")).await;
    let client = Client::new(&mock);
    let cases = [
        (
            Client::login_request("nobody", PASSWORD),
            codes::USER_NOT_FOUND,
        ),
        (
            Client::login_request(&"u".repeat(21), PASSWORD),
            codes::INVALID_PASSWORD,
        ),
        (Client::login_request("", PASSWORD), codes::INVALID_PASSWORD),
        (
            Client::login_request(USER, PASSWORD).without("X-Auth-User"),
            codes::INVALID_PARAMETER,
        ),
        (
            Client::login_request(USER, PASSWORD).without("X-Auth-Key"),
            codes::INVALID_PARAMETER,
        ),
        (Client::login_request(USER, "wrong"), codes::WRONG_PASSWORD),
        // The plain password, or the key in uppercase, is a wrong key by default.
        (
            Client::login_request(USER, PASSWORD).header("X-Auth-Key", PASSWORD),
            codes::WRONG_PASSWORD,
        ),
    ];
    for (req, code) in cases {
        let reply = client.raw(req.clone()).await;
        assert_eq!(reply.code(), code, "{req:?}");
        assert_eq!(
            reply.des(),
            codes::describe(code, codes::Lang::Zh).unwrap(),
            "{req:?}"
        );
        assert_eq!(reply.header("x-auth-token"), None);
    }
    assert_eq!((mock.logins(), mock.login_attempts()), (0, 7));
    // Several users; 20 characters is still a name.
    let other = client
        .raw(Client::login_request("operator", "other-pass"))
        .await;
    assert_eq!(other.status, 200);

    let upper = Client::login_request(USER, PASSWORD)
        .header("X-Auth-Key", &key_for(PASSWORD).to_uppercase());
    let wrong = client.raw(upper.clone()).await;
    // Two wrong keys so far for admin: this third one locks.
    assert_eq!(wrong.code(), codes::LOCKED_AFTER_WRONG_PASSWORDS);
    let lenient = start(3, |c| c.key_any_case(true).user("u".repeat(20), "x")).await;
    let client = Client::new(&lenient);
    assert_eq!(client.raw(upper).await.status, 200);
    assert_eq!(
        client
            .raw(Client::login_request(&"u".repeat(20), "x"))
            .await
            .status,
        200
    );
}

#[tokio::test(start_paused = true)]
async fn three_wrong_keys_lock_the_user_until_the_lockout_ends() {
    let mock = start(4, |c| c).await;
    let client = Client::paused(&mock);
    let wrong = || Client::login_request(USER, "wrong");
    let right = || Client::login_request(USER, PASSWORD);

    // A success resets the count.
    assert_eq!(client.raw(wrong()).await.code(), codes::WRONG_PASSWORD);
    assert_eq!(client.raw(wrong()).await.code(), codes::WRONG_PASSWORD);
    assert_eq!(client.raw(right()).await.status, 200);
    assert_eq!(client.raw(wrong()).await.code(), codes::WRONG_PASSWORD);
    assert_eq!(client.raw(wrong()).await.code(), codes::WRONG_PASSWORD);
    let locking = client.raw(wrong().english()).await;
    assert_eq!(locking.code(), codes::LOCKED_AFTER_WRONG_PASSWORDS);
    assert_eq!(
        locking.des(),
        "Wrong password 3 times in a row; account locked for 5 minutes."
    );

    // Locked: even the right key is refused, until the lockout has passed.
    assert_eq!(client.raw(right()).await.code(), codes::ACCOUNT_LOCKED);
    assert_eq!(client.raw(wrong()).await.code(), codes::ACCOUNT_LOCKED);
    advance(DEFAULT_LOCKOUT - Duration::from_secs(1)).await;
    assert_eq!(client.raw(right()).await.code(), codes::ACCOUNT_LOCKED);
    advance(Duration::from_secs(2)).await;
    assert_eq!(client.raw(right()).await.status, 200);
    // The count starts again from zero.
    assert_eq!(client.raw(wrong()).await.code(), codes::WRONG_PASSWORD);
    assert_eq!(mock.logins(), 2);
    assert_eq!(mock.login_attempts(), 11);

    // A short configured lockout, and the unlock hook.
    let short = start(13, |c| c.lockout(Duration::from_secs(2))).await;
    let client = Client::paused(&short);
    for _ in 0..3 {
        client.raw(wrong()).await;
    }
    assert_eq!(client.raw(right()).await.code(), codes::ACCOUNT_LOCKED);
    advance(Duration::from_secs(2)).await;
    assert_eq!(client.raw(right()).await.status, 200);
    for _ in 0..3 {
        client.raw(wrong()).await;
    }
    short.unlock_users();
    assert_eq!(client.raw(right()).await.status, 200);
}

#[tokio::test(start_paused = true)]
async fn tokens_expire_after_the_validity() {
    let mock = start(5, |c| c).await;
    let mut client = Client::paused(&mock);
    client.login().await;
    advance(Duration::from_millis(599_000)).await;
    assert_eq!(client.get("/vrgstatus").await.status, 200);
    // Absolute expiry: the use above did not renew it.
    advance(Duration::from_millis(1_000)).await;
    assert_eq!(client.get("/vrgstatus").await.code(), codes::NOT_LOGGED_IN);
    assert_eq!(mock.live_sessions(), 0);

    let sliding = start(6, |c| c.sliding(true).validity(Duration::from_secs(10))).await;
    let mut client = Client::paused(&sliding);
    let login = client.raw(Client::login_request(USER, PASSWORD)).await;
    assert_eq!(login.json()["validity"], 10_000);
    client.token = login.header("x-auth-token").map(str::to_owned);
    for _ in 0..5 {
        advance(Duration::from_secs(9)).await;
        assert_eq!(client.get("/vrgstatus").await.status, 200);
    }
    advance(Duration::from_secs(10)).await;
    assert_eq!(client.get("/vrgstatus").await.code(), codes::NOT_LOGGED_IN);
}

#[tokio::test]
async fn logout_ends_the_session_and_can_fail_once() {
    let mock = start(7, |c| c).await;
    let mut client = Client::new(&mock);
    client.login().await;
    mock.fail_next_logout();
    let failed = client.delete("/session").await;
    assert_eq!(failed.code(), codes::LOGOUT_FAILED);
    assert_eq!(failed.des(), "退出失败,请重试");
    assert_eq!(mock.live_sessions(), 1);
    let done = client.delete("/session").await;
    assert_eq!(done.status, 200);
    assert!(done.body.is_empty());
    assert_eq!(done.header("x-auth-token"), None);
    assert_eq!(mock.live_sessions(), 0);
    assert_eq!(client.get("/vrgstatus").await.code(), codes::NOT_LOGGED_IN);
    assert_eq!(client.delete("/session").await.code(), codes::NOT_LOGGED_IN);
    let anonymous = client.raw(Req::delete("/session")).await;
    assert_eq!(anonymous.code(), codes::NOT_LOGGED_IN);
}

#[tokio::test]
async fn expired_tokens_by_hook_and_the_401_option() {
    let mock = start(8, |c| c.unauthenticated_status(StatusCode::UNAUTHORIZED)).await;
    let mut client = Client::new(&mock);
    let anonymous = client.raw(Req::get("/vrgmap")).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.error_code(), codes::NOT_LOGGED_IN);
    client.login().await;
    assert_eq!(client.get("/vrgmap").await.status, 200);
    mock.expire_tokens();
    let expired = client.get("/vrgmap").await;
    assert_eq!(
        (expired.status, expired.error_code().as_str()),
        (401, codes::NOT_LOGGED_IN)
    );
    // Logging in again works.
    client.login().await;
    assert_eq!(client.get("/vrgmap").await.status, 200);

    let default = start(12, |c| c).await;
    let mut client = Client::new(&default);
    client.login().await;
    default.expire_tokens();
    assert_eq!(client.get("/vrgmap").await.code(), codes::NOT_LOGGED_IN);
}

#[tokio::test]
async fn versions_need_no_token() {
    let mock = start(9, |c| c).await;
    let client = Client::new(&mock);
    // As the §3.1.1 sample: Accept without version, no token.
    let reply = client
        .raw(Req::get("/versions").header("Accept", "application/json; charset=UTF-8"))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"versions": [{"version": "v1.0", "loginUri": "/vrgservice/session"}]})
    );
    assert_eq!(reply.header("x-auth-token"), None);
}

#[tokio::test]
async fn the_accept_version_is_v1_0_1_0_or_none() {
    let mock = start(10, |c| c).await;
    let client = Client::new(&mock);
    let login = || Client::login_request(USER, PASSWORD);
    for accept in [
        Some("application/json;version=1.0;charset=UTF-8"),
        Some("application/json ; charset=UTF-8 ; version = v1.0 ;"),
        Some("application/json; charset=UTF-8"),
        None,
    ] {
        let req = match accept {
            Some(value) => login().header("Accept", value),
            None => login().without("Accept"),
        };
        assert_eq!(client.raw(req).await.status, 200, "{accept:?}");
    }
    for accept in [
        "application/json; version=v2.0; charset=UTF-8",
        "application/json;version=6.3",
    ] {
        let reply = client.raw(login().header("Accept", accept)).await;
        assert_eq!(reply.code(), codes::INVALID_PARAMETER, "{accept}");
        let versions = client
            .raw(Req::get("/versions").header("Accept", accept))
            .await;
        assert_eq!(versions.code(), codes::INVALID_PARAMETER, "{accept}");
    }
    assert_eq!(mock.logins(), 4);
}

#[tokio::test]
async fn error_texts_in_chinese_unless_english_is_asked_for() {
    let mock = start(11, |c| c).await;
    let client = Client::new(&mock);
    let unknown = || Client::login_request("nobody", PASSWORD);
    for (language, text) in [
        (Some("zh_CN"), "用户不存在。"),
        (None, "用户不存在。"),
        (Some("fr_FR"), "用户不存在。"),
        (Some("en_US"), "User does not exist."),
        (Some("en"), "User does not exist."),
        (Some("EN-GB"), "User does not exist."),
    ] {
        let req = match language {
            Some(value) => unknown().header("Accept-Language", value),
            None => unknown().without("Accept-Language"),
        };
        let reply = client.raw(req).await;
        assert_eq!(
            (reply.code().as_str(), reply.des().as_str()),
            (codes::USER_NOT_FOUND, text),
            "{language:?}"
        );
    }
    // Every code's text, both languages, straight from the table the mock answers with.
    let no_token = client.raw(Req::get("/vrgstatus").english()).await;
    assert_eq!(
        no_token.des(),
        "User not logged in or session timed out; log in again and retry."
    );
    let no_token = client.raw(Req::get("/vrgstatus")).await;
    assert_eq!(no_token.des(), "用户未登录或超时,请重新登录后重试。");
}
