//! The session: renewal before expiry, one relogin on `10440102` (or 401), no login loops
//! on a refused password, the lockout, the logout retry. Addresses 127.0.11.60-89.

use std::time::Duration;

use storkit_core::http::{Method, StatusCode};
use storkit_core::{ErrorKind, Request};
use storkit_vrg::{VrgClient, VrgError, VrgErrorCode, VrgErrorExt};
use tokio::time::{Instant, advance};

use crate::support::{USER, builder, client, count, eventually, header, requests, start};

/// The token of the latest `GET path`.
fn last_token(mock: &storkit_vrg_mock::VrgMock, path: &str) -> String {
    let gets = requests(mock, Method::GET, path);
    let last = gets.last().expect("a request");
    header(last, "x-auth-token").expect("a token").to_owned()
}

#[tokio::test(start_paused = true)]
async fn the_token_is_renewed_before_it_expires_and_the_old_one_logged_out() {
    let mock = start(60, |c| c.validity(Duration::from_secs(120))).await;
    let vrg = builder(&mock)
        .renew_margin(Duration::from_secs(30))
        .build()
        .unwrap();
    vrg.status().await.unwrap();
    let logged_in = Instant::now();
    let first = last_token(&mock, "/vrgstatus");

    // Outside the margin: the same token.
    advance(Duration::from_secs(80)).await;
    assert!(vrg.is_logged_in());
    vrg.status().await.unwrap();
    assert_eq!(mock.logins(), 1);
    assert_eq!(last_token(&mock, "/vrgstatus"), first);

    // Within 30 s of the end: a new login before the request, while the first token is
    // still valid (the VRG never refused it).
    advance(Duration::from_secs(15)).await;
    assert!(!vrg.is_logged_in());
    vrg.status().await.unwrap();
    assert!(logged_in.elapsed() < Duration::from_secs(120));
    assert_eq!(mock.logins(), 2);
    let second = last_token(&mock, "/vrgstatus");
    assert_ne!(second, first);
    assert!(
        requests(&mock, Method::GET, "/vrgstatus")
            .iter()
            .all(|e| e.status == Some(200)),
        "no request met an expired token"
    );
    // The replaced token is logged out, not left to expire.
    eventually("the old token's logout", Duration::from_secs(10), || {
        requests(&mock, Method::DELETE, "/session")
            .iter()
            .any(|e| header(e, "x-auth-token") == Some(first.as_str()))
    })
    .await;
    eventually("one live session", Duration::from_secs(10), || {
        mock.live_sessions() == 1
    })
    .await;
}

#[tokio::test]
async fn an_expired_token_means_one_relogin_and_one_resend() {
    let mock = start(61, |c| c).await;
    let vrg = client(&mock);
    vrg.status().await.unwrap();
    let first = last_token(&mock, "/vrgstatus");
    mock.expire_tokens();
    vrg.status().await.unwrap();
    assert_eq!(mock.logins(), 2, "exactly one extra login");
    let gets = requests(&mock, Method::GET, "/vrgstatus");
    assert_eq!(gets.len(), 3);
    assert_eq!(gets[1].status, Some(400));
    assert_eq!(header(&gets[1], "x-auth-token"), Some(first.as_str()));
    assert_eq!(gets[2].status, Some(200));
    assert_ne!(header(&gets[2], "x-auth-token"), Some(first.as_str()));
    assert_eq!(mock.live_sessions(), 1);
}

#[tokio::test]
async fn the_fusioncompute_401_means_relogin_too() {
    let mock = start(62, |c| c.unauthenticated_status(StatusCode::UNAUTHORIZED)).await;
    let vrg = client(&mock);
    let bare = vrg
        .core()
        .send(Request::get("/vrgservice/vrgstatus"))
        .await
        .unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    vrg.networks().await.unwrap();
    mock.expire_tokens();
    vrg.networks().await.unwrap();
    assert_eq!(mock.logins(), 2);
    let gets = requests(&mock, Method::GET, "/netinfos");
    let statuses: Vec<_> = gets.iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![Some(200), Some(401), Some(200)]);
}

#[tokio::test]
async fn concurrent_first_calls_share_one_login() {
    let mock = start(63, |c| c).await;
    let vrg = client(&mock);
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let vrg = vrg.clone();
            tokio::spawn(async move { vrg.status().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!((mock.login_attempts(), mock.live_sessions()), (1, 1));
    assert_eq!(count(&mock, Method::GET, "/vrgstatus"), 8);
}

/// A wrong password is tried once per `reset_login_failure`, never by repetition; the
/// third wrong one locks the account, and a lockout says how long it lasts.
#[tokio::test(start_paused = true)]
async fn a_wrong_password_is_never_retried_and_the_lockout_is_typed() {
    let mock = start(64, |c| c).await;
    let wrong = VrgClient::builder(&mock.url())
        .credentials(USER, "not-the-password")
        .build()
        .unwrap();
    for call in 0..4 {
        let e = wrong.status().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthenticated, "call {call}: {e}");
        assert_eq!(
            e.vrg_code(),
            Some(&VrgErrorCode::WrongPassword),
            "call {call}: {e}"
        );
        assert!(e.to_string().contains("10440202"), "{e}");
    }
    assert_eq!(
        wrong.login().await.unwrap_err().kind(),
        ErrorKind::Unauthenticated
    );
    assert_eq!(mock.login_attempts(), 1, "one login for five calls");
    assert_eq!(count(&mock, Method::GET, "/vrgstatus"), 0);

    // The caller decides to try again: one more login each time.
    wrong.reset_login_failure();
    let e = wrong.status().await.unwrap_err();
    assert_eq!(e.vrg_code(), Some(&VrgErrorCode::WrongPassword));
    assert_eq!(mock.login_attempts(), 2);
    wrong.reset_login_failure();
    let e = wrong.status().await.unwrap_err();
    assert_eq!(mock.login_attempts(), 3);
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    match e.vrg() {
        Some(VrgError::Locked {
            code, retry_after, ..
        }) => {
            assert_eq!(*code, VrgErrorCode::LockedAfterWrongPasswords);
            assert_eq!(*retry_after, Duration::from_secs(300));
        }
        other => panic!("{other:?}: {e}"),
    }
    for _ in 0..3 {
        let e = wrong.networks().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
        assert!(
            matches!(e.vrg(), Some(VrgError::Locked { .. })),
            "still the lockout: {e}"
        );
    }
    assert_eq!(mock.login_attempts(), 3);

    // Locked: the right password is refused too (10440208), once.
    let right = client(&mock);
    for _ in 0..3 {
        let e = right.status().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
        match e.vrg() {
            Some(VrgError::Locked {
                code, retry_after, ..
            }) => {
                assert_eq!(*code, VrgErrorCode::AccountLocked);
                assert_eq!(*retry_after, Duration::from_secs(300));
            }
            other => panic!("{other:?}: {e}"),
        }
    }
    assert_eq!(mock.login_attempts(), 4);
    assert_eq!(mock.logins(), 0);

    // Five minutes later, and told to try again, it logs in.
    advance(Duration::from_secs(301)).await;
    right.status().await.unwrap_err();
    assert_eq!(mock.login_attempts(), 4, "not before reset_login_failure");
    right.reset_login_failure();
    right.status().await.unwrap();
    assert_eq!((mock.login_attempts(), mock.logins()), (5, 1));
}

#[tokio::test]
async fn a_failed_logout_is_retried_exactly_once() {
    let mock = start(65, |c| c).await;
    let vrg = client(&mock);
    vrg.status().await.unwrap();
    mock.fail_next_logout();
    vrg.close().await.unwrap();
    let logouts = requests(&mock, Method::DELETE, "/session");
    let statuses: Vec<_> = logouts.iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![Some(400), Some(200)]);
    assert_eq!(
        header(&logouts[0], "x-auth-token"),
        header(&logouts[1], "x-auth-token")
    );
    assert_eq!(mock.live_sessions(), 0);
}

#[tokio::test]
async fn logging_out_an_expired_token_counts_as_logged_out() {
    let mock = start(66, |c| c).await;
    let vrg = client(&mock);
    vrg.status().await.unwrap();
    mock.expire_tokens();
    vrg.close().await.unwrap();
    let logouts = requests(&mock, Method::DELETE, "/session");
    assert_eq!(logouts.len(), 1, "no relogin to log out");
    assert_eq!(logouts[0].status, Some(400));
    assert_eq!(mock.logins(), 1);
}
