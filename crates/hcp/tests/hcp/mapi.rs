//! MAPI: replication links and their actions, logs, tenants, chargeback.

use std::time::Duration;

use storkit_hcp::mapi::{Granularity, ReportFormat, ReportTime};
use storkit_hcp::mapi_types::{LinkAction, LinkType, LogDate};
use storkit_hcp::{ErrorKind, HcpError, HcpErrorExt};

use crate::support::{builder_for, system};

fn admin(mock: &storkit_hcp_mock::HcpMock) -> storkit_hcp::HcpClient {
    builder_for(mock, &mock.admin_fqdn())
        .port(mock.mapi_port())
        .credentials("service", "service01")
        .build()
        .unwrap()
}

#[tokio::test]
async fn replication_links_their_details_and_actions() {
    let mock = system(&[50, 51]).await;
    let mapi = admin(&mock).mapi().unwrap();
    let settings = mapi.replication_settings().await.unwrap();
    assert!(!settings.fields.is_empty());
    let links = mapi.replication_links().await.unwrap();
    assert!(links.contains(&"hcp1--<-->--hcp2".to_owned()), "{links:?}");
    let link = mapi.replication_link("hcp1--<-->--hcp2").await.unwrap();
    assert_eq!(link.name.as_deref(), Some("hcp1--<-->--hcp2"));
    assert_eq!(link.link_type, Some(LinkType::ActiveActive));

    mapi.replication_link_action(
        "hcp1--<-->--hcp2",
        LinkAction::FailOver,
        Some(LinkType::ActiveActive),
    )
    .await
    .unwrap();
    assert!(mock.link("hcp1--<-->--hcp2").unwrap().failed_over);
    mapi.replication_link_action(
        "hcp1--<-->--hcp2",
        LinkAction::FailBack,
        Some(LinkType::ActiveActive),
    )
    .await
    .unwrap();
    assert!(!mock.link("hcp1--<-->--hcp2").unwrap().failed_over);

    // Service-wide: every link shut down with a reason, then back up.
    mapi.shut_down_all_links("maintenance window")
        .await
        .unwrap();
    let sent = mock.server().log().last().unwrap();
    assert_eq!(sent.method, http::Method::POST);
    assert_eq!(sent.path, "/mapi/services/replication");
    assert_eq!(
        sent.query.as_deref(),
        Some("shutDownAllLinks=maintenance+window")
    );
    let link = mapi.replication_link("hcp1--<-->--hcp2").await.unwrap();
    assert_eq!(link.status.as_deref(), Some("WARNING"));
    assert!(mock.link("hcp1-to-hcp3").unwrap().shut_down);
    mapi.reestablish_all_links().await.unwrap();
    assert!(!mock.link("hcp1--<-->--hcp2").unwrap().shut_down);
    assert!(!mock.link("hcp1-to-hcp3").unwrap().shut_down);
    let link = mapi.replication_link("hcp1--<-->--hcp2").await.unwrap();
    assert_eq!(link.status.as_deref(), Some("GOOD"));

    // A wrong action for the link type is refused before anything is sent.
    let before = mock.server().log().len();
    let e = mapi
        .replication_link_action(
            "hcp1-to-hcp3",
            LinkAction::FailBack,
            Some(LinkType::Outbound),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e.hcp(), Some(HcpError::LinkActionNotAllowed { .. })),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::Config);
    assert_eq!(mock.server().log().len(), before);

    // The server's refusal is an error with its message, never a success.
    let e = mapi
        .replication_link_action(
            "hcp1-to-hcp3",
            LinkAction::CompleteRecovery,
            Some(LinkType::Outbound),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.hcp(),
            Some(HcpError::Status {
                status: 400,
                message: Some(_),
                ..
            })
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn mapi_needs_its_port_and_errors_are_never_link_names() {
    let mock = system(&[52]).await;
    let data = builder_for(&mock, &mock.admin_fqdn()).build().unwrap();
    assert_eq!(data.mapi().unwrap_err().kind(), ErrorKind::Config);

    let wrong = builder_for(&mock, &mock.admin_fqdn())
        .port(mock.mapi_port())
        .credentials("service", "nope")
        .build()
        .unwrap();
    let e = wrong.mapi().unwrap().replication_links().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
}

#[tokio::test]
async fn logs_tenants_and_chargeback() {
    let mock = system(&[53]).await;
    let mapi = admin(&mock).mapi().unwrap();
    mapi.log_mark("storkit test a+b").await.unwrap();
    assert_eq!(mock.log_marks(), vec!["storkit test a+b".to_owned()]);

    mapi.log_prepare(
        LogDate::new(2026, 1, 1).unwrap(),
        LogDate::new(2026, 12, 1).unwrap(),
        &[],
    )
    .await
    .unwrap();
    let mut ready = false;
    for _ in 0..50 {
        if mapi.log_status().await.unwrap().ready_for_streaming == Some(true) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready);
    let mut dl = mapi
        .log_download(&[], &[], &[], Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        dl.filename.as_deref().is_some_and(|f| f.ends_with(".zip")),
        "{:?}",
        dl.filename
    );
    let mut n = 0;
    while let Some(chunk) = dl.body.chunk().await.unwrap() {
        n += chunk.len();
    }
    assert!(n > 0);

    let tenants = mapi.tenants().await.unwrap();
    assert!(tenants.contains(&"m".to_owned()));
    let t = mapi.tenant("m").await.unwrap();
    assert_eq!(t.name.as_deref(), Some("m"));

    let start = ReportTime::new(2026, 1, 1, 0, 0, 0, -300).unwrap();
    let end = ReportTime::new(2026, 1, 31, 23, 59, 59, 60).unwrap();
    let csv = mapi
        .chargeback("m", start, end, Granularity::Day, ReportFormat::Csv)
        .await
        .unwrap();
    assert!(!csv.is_empty());
    let q = mock.server().log().entries().pop().unwrap().query.unwrap();
    assert!(q.contains("start=2026-01-01T00%3A00%3A00-0500"), "{q}");
    assert!(q.contains("end=2026-01-31T23%3A59%3A59%2B0100"), "{q}");
}
