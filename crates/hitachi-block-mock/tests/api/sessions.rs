//! Sessions (reference §6): Basic login, the 64-session limit, idle expiry, discard.

use std::time::Duration;

use serde_json::json;
use storkit_core::http::Method;
use storkit_hitachi_block_mock::ArrayConfig;

use crate::support::{Api, USER1, assert_error_body, basic};

#[tokio::test]
async fn session_lifecycle() {
    let api = Api::start(
        "127.0.0.104",
        ArrayConfig::new("VSP G900", 410_000)
            .user("local_user", "local_pass")
            .job_duration(Duration::ZERO),
    )
    .await;
    // The first `user()` replaced the default user.
    let r = api
        .call(
            Method::POST,
            &api.obj("sessions"),
            None,
            None,
            &[("authorization", USER1)],
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"Block storage\"")
    );
    assert_error_body(&r.body, "KART20006-E");
    let r = api
        .call(Method::POST, &api.obj("sessions"), None, None, &[])
        .await;
    assert_eq!(r.status, 401, "no credentials at all");

    let creds = basic("local_user", "local_pass");
    let r = api
        .call(
            Method::POST,
            "/ConfigurationManager/v1/objects/sessions",
            None,
            None,
            &[
                ("authorization", &creds),
                ("response-job-status", "Completed"),
            ],
        )
        .await;
    assert_eq!(
        r.status, 200,
        "the short form and an ignored Response-Job-Status"
    );
    let token = r.body["token"].as_str().unwrap().to_owned();
    let id = r.body["sessionId"].as_u64().unwrap();
    assert_eq!(api.mock.live_sessions(), 1);
    assert_eq!(api.mock.sessions_created(), 1);

    let list = api.get(&api.obj("sessions"), &token).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["data"][0]["sessionId"], id);
    assert_eq!(list.body["data"][0]["userId"], "local_user");
    assert!(list.body["data"][0]["lastAccessTime"].is_string());
    assert!(
        list.body["data"][0].get("token").is_none(),
        "tokens are never listed"
    );
    let one = api.get(&api.obj(&format!("sessions/{id}")), &token).await;
    assert!(one.body["ipAddress"].as_str().unwrap().starts_with("127."));

    // A bad token: 401, the Session challenge and the message Ansible matches.
    let r = api.get(&api.obj("ldevs/347"), "not-a-token").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Session realm=\"Block storage\"")
    );
    assert_eq!(r.body["message"], "The specified token is invalid");
    let r = api
        .call(
            Method::GET,
            &api.obj("ldevs/347"),
            None,
            None,
            &[("authorization", &creds)],
        )
        .await;
    assert_eq!(r.status, 401, "Basic is only for creating sessions");

    // Discard: 200, blank body; then the token is dead and the count is back to 0.
    let r = api
        .call(
            Method::DELETE,
            &api.obj(&format!("sessions/{id}")),
            Some(&token),
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(api.mock.live_sessions(), 0);
    assert_eq!(api.get(&api.obj("ldevs/347"), &token).await.status, 401);

    // Seed 000's `finally` with nothing set up: DELETE sessions/0 without auth.
    let r = api
        .call(Method::DELETE, &api.obj("sessions/0"), None, None, &[])
        .await;
    assert_eq!(r.status, 401);
    assert_error_body(&r.body, "KART20005-E");
    let (token, _) = api.login_as(&creds).await;
    let r = api
        .call(
            Method::DELETE,
            &api.obj("sessions/0"),
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = api
        .call(
            Method::DELETE,
            &api.obj("sessions/x"),
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn the_65th_session_gets_503() {
    let api = Api::with_jobs("127.0.0.105", Duration::ZERO).await;
    let mut sessions = Vec::new();
    for _ in 0..64 {
        sessions.push(api.login().await);
    }
    assert_eq!(api.mock.live_sessions(), 64);
    let r = api
        .call(
            Method::POST,
            &api.obj("sessions"),
            None,
            None,
            &[("authorization", USER1)],
        )
        .await;
    assert_eq!(r.status, 503);
    assert_error_body(&r.body, "KART20007-E");
    // Discarding one makes room for one.
    let (token, id) = &sessions[10];
    let r = api
        .call(
            Method::DELETE,
            &api.obj(&format!("sessions/{id}")),
            Some(token),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    api.login().await;
    assert_eq!(api.mock.sessions_created(), 65);
}

#[tokio::test]
async fn idle_sessions_expire_after_alive_time() {
    let api = Api::with_jobs("127.0.0.106", Duration::ZERO).await;
    let r = api
        .call(
            Method::POST,
            &api.obj("sessions"),
            None,
            Some(json!({ "aliveTime": 1 })),
            &[("authorization", USER1)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let short = r.body["token"].as_str().unwrap().to_owned();
    let (long, long_id) = api.login().await;

    // Activity keeps a session alive: 3 uses 600 ms apart span 1.8 s.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let r = api
            .get(&api.obj(&format!("sessions/{long_id}")), &long)
            .await;
        assert_eq!(r.status, 200);
    }
    let r = api.get(&api.obj("pools"), &short).await;
    assert_eq!(r.status, 401, "idle for 1.8 s with aliveTime 1");
    assert_eq!(
        r.header("www-authenticate"),
        Some("Session realm=\"Block storage\"")
    );
    assert_eq!(api.mock.live_sessions(), 1);

    let r = api
        .call(
            Method::POST,
            &api.obj("sessions"),
            None,
            Some(json!({ "aliveTime": 301 })),
            &[("authorization", USER1)],
        )
        .await;
    assert_eq!(r.status, 400, "aliveTime is 1 to 300");

    api.mock.expire_all_sessions();
    assert_eq!(api.mock.live_sessions(), 0);
    let r = api.get(&api.obj("pools"), &long).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["message"], "The specified token is invalid");
}
