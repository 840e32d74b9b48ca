//! No password, `X-Auth-Key` or token in `Debug`, in errors, or in the tracing output.
//! Addresses 127.0.11.180-199.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use storkit_mock::{Fault, FaultAction};
use storkit_vrg::{VrgClient, VrgError, VrgErrorExt};

use crate::support::{PASSWORD, USER, builder, key_of, start, tokens_seen};

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Everything a user could print, and everything traced at any level, while the client
/// logs in, renews after a rejection, fails to log in, gets locked out and logs out.
#[tokio::test]
async fn no_secret_is_ever_printed_or_traced() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // With a single dispatcher registered, tracing works out a new callsite's interest
    // from the default of whichever thread meets it first: one of the other tests'
    // threads, which have none, and the callsite would be "never" for good. A second
    // dispatcher, alive for the test, makes it ask every registered one instead.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    // The test runtime is single-threaded: the mock's and the client's tasks all run on
    // this thread, under this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);
    // Callsites met before (by other tests, with no dispatcher) are asked again.
    tracing::callsite::rebuild_interest_cache();

    let wrong_password = "Wr0ng-Secret!";
    let mock = start(180, |c| c).await;
    let mut shown: Vec<String> = Vec::new();

    let b = builder(&mock);
    shown.push(format!("{b:?}"));
    let vrg = b.build().unwrap();
    shown.push(format!("{vrg:?}"));
    vrg.status().await.unwrap();
    shown.push(format!("{vrg:?}"));
    mock.expire_tokens();
    vrg.networks().await.unwrap();
    shown.push(format!("{vrg:?}"));

    // A rejected token, twice: the error after the one relogin.
    mock.server().faults().add(
        Fault::new(FaultAction::Respond {
            status: 400,
            headers: Vec::new(),
            body: bytes::Bytes::from_static(br#"{"errorCode":"10440102","errorDes":"x"}"#),
        })
        .on_path("/vrgservice/vrgstatus")
        .times(2),
    );
    let e = vrg.status().await.unwrap_err();
    shown.push(format!("{e}"));
    shown.push(format!("{e:?}"));

    // Wrong passwords up to the lockout; the right one while locked.
    let wrong = VrgClient::builder(&mock.url())
        .credentials(USER, wrong_password)
        .build()
        .unwrap();
    shown.push(format!("{wrong:?}"));
    for _ in 0..3 {
        let e = wrong.status().await.unwrap_err();
        shown.push(format!("{e}"));
        shown.push(format!("{e:?}"));
        if let Some(detail) = e.vrg() {
            shown.push(format!("{detail}"));
            shown.push(format!("{detail:?}"));
        }
        wrong.reset_login_failure();
    }
    let locked = builder(&mock).build().unwrap();
    let e = locked.status().await.unwrap_err();
    assert!(matches!(e.vrg(), Some(VrgError::Locked { .. })), "{e}");
    shown.push(format!("{e}"));
    shown.push(format!("{e:?}"));
    shown.push(format!("{locked:?}"));

    vrg.close().await.unwrap();
    shown.push(format!("{vrg:?}"));
    drop(locked);
    drop(wrong);

    let traced = captured.text();
    assert!(traced.contains("VRG login"), "the capture works: {traced}");
    let tokens = tokens_seen(&mock);
    assert!(tokens.len() >= 2, "{tokens:?}");
    let mut secrets = vec![
        PASSWORD.to_owned(),
        key_of(PASSWORD),
        wrong_password.to_owned(),
        key_of(wrong_password),
    ];
    secrets.extend(tokens);
    for secret in &secrets {
        assert!(!traced.contains(secret.as_str()), "traced: {secret}");
        for text in &shown {
            assert!(!text.contains(secret.as_str()), "{secret} in {text}");
        }
    }
    // The user name is not a secret, and says whose session it is.
    assert!(shown[0].contains(USER));
}
