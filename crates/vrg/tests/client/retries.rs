//! Resends: GETs and DELETEs after a dropped connection or a 503; POSTs never once they
//! may have reached the VRG; the login never. Addresses 127.0.11.90-109.

use std::net::Ipv4Addr;

use storkit_core::http::Method;
use storkit_core::{ErrorKind, Phase};
use storkit_mock::{Fault, FaultAction};
use storkit_vrg::VrgErrorExt;
use storkit_vrg::model::{AlarmServer, DeleteFlag, PeerAddress};

use crate::support::{client, count, dr, production, requests, start, vm};

#[tokio::test]
async fn a_get_whose_connection_drops_is_resent() {
    let mock = start(90, |c| c).await;
    let vrg = client(&mock);
    vrg.login().await.unwrap();
    let fault = mock.server().faults().add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_path("/vrgservice/vrgstatus")
            .times(1),
    );
    let status = vrg.status().await.unwrap();
    assert_eq!(status.status, storkit_vrg::model::VrgHealth::Normal);
    assert_eq!(mock.server().faults().fired(fault), 1);
    let gets = requests(&mock, Method::GET, "/vrgstatus");
    assert_eq!(gets.len(), 2);
    assert_eq!(gets[0].fault.as_deref(), Some("close_before_response"));
    assert_eq!(gets[1].status, Some(200));
    assert_eq!(mock.logins(), 1);
}

#[tokio::test]
async fn a_delete_whose_connection_drops_is_resent() {
    let mock = start(91, |c| c).await;
    let vrg = client(&mock);
    vrg.pair(&PeerAddress::new("192.0.2.20", 7000).unwrap())
        .await
        .unwrap();
    mock.server().faults().add(
        Fault::new(FaultAction::LoseResponse)
            .on_method(Method::DELETE)
            .on_path("/vrgservice/vrgmap")
            .times(1),
    );
    vrg.unpair().await.unwrap();
    assert_eq!(count(&mock, Method::DELETE, "/vrgmap"), 2);
    assert_eq!(mock.pair_state().status, 4);
}

#[tokio::test]
async fn a_busy_vrg_is_asked_again() {
    let mock = start(92, |c| c).await;
    let vrg = client(&mock);
    vrg.login().await.unwrap();
    mock.server().faults().add(
        Fault::new(FaultAction::service_unavailable(Some(0)))
            .on_path("/vrgservice/netinfos")
            .times(2),
    );
    assert_eq!(vrg.networks().await.unwrap().len(), 3);
    let statuses: Vec<_> = requests(&mock, Method::GET, "/netinfos")
        .iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, vec![Some(503), Some(503), Some(200)]);
}

/// The VRG acted on each POST, but its answer was lost: the client reports an unknown
/// outcome and never sends the POST again.
#[tokio::test]
async fn a_post_whose_answer_is_lost_is_not_resent() {
    let mock = start(93, |c| c).await;
    let vrg = client(&mock);
    vrg.login().await.unwrap();
    let lose = |path: &str| {
        mock.server().faults().add(
            Fault::new(FaultAction::LoseResponse)
                .on_method(Method::POST)
                .on_path(path)
                .times(1),
        );
    };

    lose("/vrgservice/vrgmap");
    let e = vrg
        .pair(&PeerAddress::new("192.0.2.20", 7000).unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.phase(), Phase::MaybeSent, "{e}");
    assert!(
        matches!(e.kind(), ErrorKind::Io | ErrorKind::Timeout),
        "{e}"
    );
    assert_eq!(e.vrg(), None);
    assert_eq!(count(&mock, Method::POST, "/vrgmap"), 1, "sent once");
    assert_eq!(
        mock.pair_state().dst_ip,
        Some(Ipv4Addr::new(192, 0, 2, 20)),
        "the VRG acted on it"
    );

    let vm1 = vm(93);
    lose("/vrgservice/vmstrategy");
    let e = vrg.set_dr_strategy(&dr(&vm1)).await.unwrap_err();
    assert_eq!(e.phase(), Phase::MaybeSent, "{e}");
    assert_eq!(count(&mock, Method::POST, "/vmstrategy"), 1, "sent once");
    assert_eq!(mock.strategy_count(), 1);

    let vm2 = vm(94);
    lose("/vrgservice/vmstrategy");
    let e = vrg
        .set_production_strategy(&production(&vm2, 2))
        .await
        .unwrap_err();
    assert_eq!(e.phase(), Phase::MaybeSent, "{e}");
    assert_eq!(count(&mock, Method::POST, "/vmstrategy"), 2, "sent once");
    assert_eq!(mock.strategy_count(), 2);

    lose("/vrgservice/trapinfo");
    let e = vrg
        .set_alarm_server(&AlarmServer::new("192.0.2.10", 162).unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.phase(), Phase::MaybeSent, "{e}");
    assert_eq!(count(&mock, Method::POST, "/trapinfo"), 1, "sent once");
    assert!(mock.alarm_server().is_some());

    let path = format!("/vrgservice/vmstrategy/{vm1}/");
    lose(&path);
    let e = vrg
        .delete_strategy(&vm1, DeleteFlag::Normal)
        .await
        .unwrap_err();
    assert_eq!(e.phase(), Phase::MaybeSent, "{e}");
    assert_eq!(
        count(&mock, Method::POST, &format!("/vmstrategy/{vm1}/")),
        1
    );
    assert_eq!(mock.strategy_count(), 1, "deleted by the one request");
    assert_eq!(mock.logins(), 1);
}

#[tokio::test]
async fn a_login_whose_connection_drops_is_not_resent() {
    let mock = start(95, |c| c).await;
    let vrg = client(&mock);
    mock.server().faults().add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_path("/vrgservice/session")
            .times(1),
    );
    let e = vrg.status().await.unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Unauthenticated, "{e}");
    assert_eq!(count(&mock, Method::POST, "/session"), 1, "never resent");
    assert_eq!(count(&mock, Method::GET, "/vrgstatus"), 0);
    // Not a refusal of the credentials: the next call logs in.
    vrg.status().await.unwrap();
    assert_eq!(count(&mock, Method::POST, "/session"), 2);
    assert_eq!(mock.logins(), 1);
}
