//! `POST /modmngnet/`: sent once, the client moves to the new address, logs in there and
//! logs the old token out there. Addresses 127.0.11.110-129, new ones 127.0.11.130-149.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use storkit_core::http::Method;
use storkit_core::{ErrorKind, Phase};
use storkit_mock::{Fault, FaultAction};
use storkit_vrg::VrgError;
use storkit_vrg::VrgErrorExt;
use storkit_vrg::model::{ManagementNetwork, NetType};

use crate::support::{
    assert_refused, builder, client, count, eventually, header, ip, log, requests, start,
    wait_refused,
};

#[tokio::test]
async fn the_client_follows_the_vrg_to_its_new_address() {
    let mock = start(110, |c| c).await;
    let vrg = client(&mock);
    let clone = vrg.clone();
    vrg.status().await.unwrap();
    let old_token = header(
        &requests(&mock, Method::GET, "/vrgstatus")[0],
        "x-auth-token",
    )
    .unwrap()
    .to_owned();
    let old = mock.addr();
    let port = mock.port();
    assert_eq!(vrg.url(), format!("http://127.0.11.110:{port}"));

    vrg.change_management_network(
        &ManagementNetwork::new("127.0.11.130", "255.255.255.0", "127.0.11.1").unwrap(),
    )
    .await
    .unwrap();
    let new_url = format!("http://127.0.11.130:{port}");
    assert_eq!(vrg.url(), new_url);
    assert_eq!(clone.url(), new_url, "clones move too");
    assert_eq!(mock.ip(), ip(130));
    let changes = requests(&mock, Method::POST, "/modmngnet/");
    assert_eq!(changes.len(), 1, "sent exactly once");
    assert_eq!(changes[0].node, old);

    // The old token was logged out at the new address (the old one no longer answers),
    // and the client holds a new session there.
    eventually("the old token's logout", Duration::from_secs(10), || {
        requests(&mock, Method::DELETE, "/session")
            .iter()
            .any(|e| header(e, "x-auth-token") == Some(old_token.as_str()))
    })
    .await;
    let logout = requests(&mock, Method::DELETE, "/session")
        .into_iter()
        .find(|e| header(e, "x-auth-token") == Some(old_token.as_str()))
        .unwrap();
    assert_eq!(logout.node.ip(), ip(130));
    assert_eq!(logout.status, Some(200));
    assert_eq!(mock.live_sessions(), 1);
    assert_eq!(mock.logins(), 2);

    // A call afterwards goes to the new address; the old one refuses connections.
    wait_refused(old).await;
    let before = log(&mock).len();
    let nets = clone.networks().await.unwrap();
    let management = nets
        .iter()
        .find(|n| n.net_type == NetType::Management)
        .unwrap();
    assert_eq!(management.ip.as_deref(), Some("127.0.11.130"));
    let after = log(&mock);
    assert!(after[before..].iter().all(|e| e.node.ip() == ip(130)));
    assert_ne!(
        header(after.last().unwrap(), "x-auth-token"),
        Some(old_token.as_str())
    );
    assert_eq!(count(&mock, Method::POST, "/modmngnet/"), 1);

    vrg.close().await.unwrap();
    assert_eq!(mock.live_sessions(), 0);
}

#[tokio::test]
async fn an_invalid_management_network_is_refused_before_sending() {
    let mock = start(111, |c| c).await;
    let vrg = client(&mock);
    vrg.login().await.unwrap();
    let before = log(&mock).len();
    let cases = [
        (
            ManagementNetwork {
                new_ip: Ipv4Addr::UNSPECIFIED,
                new_mask: Ipv4Addr::new(255, 255, 255, 0),
                new_gateway: Ipv4Addr::new(127, 0, 11, 1),
            },
            "newIp",
        ),
        (
            ManagementNetwork {
                new_ip: Ipv4Addr::new(224, 0, 0, 1),
                new_mask: Ipv4Addr::new(255, 255, 255, 0),
                new_gateway: Ipv4Addr::new(127, 0, 11, 1),
            },
            "newIp",
        ),
        (
            ManagementNetwork {
                new_ip: Ipv4Addr::new(127, 0, 11, 131),
                new_mask: Ipv4Addr::new(255, 0, 255, 0),
                new_gateway: Ipv4Addr::new(127, 0, 11, 1),
            },
            "newMask",
        ),
        (
            ManagementNetwork {
                new_ip: Ipv4Addr::new(127, 0, 11, 131),
                new_mask: Ipv4Addr::UNSPECIFIED,
                new_gateway: Ipv4Addr::new(127, 0, 11, 1),
            },
            "newMask",
        ),
    ];
    for (net, field) in cases {
        assert_refused(vrg.change_management_network(&net).await, field);
    }
    assert!(ManagementNetwork::new("127.0.11.131", "255.255.255.0", "127.0.11").is_err());
    assert_eq!(log(&mock).len(), before, "nothing sent");
    assert_eq!(vrg.url(), mock.url());
    vrg.status().await.unwrap();
}

/// The VRG moves but its answer is lost: the client finds it at the new address.
#[tokio::test]
async fn a_lost_answer_is_settled_by_asking_the_new_address() {
    let mock = start(112, |c| c).await;
    let vrg = builder(&mock)
        .management_change_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    vrg.login().await.unwrap();
    let old = mock.addr();
    mock.server().faults().add(
        Fault::new(FaultAction::LoseResponse)
            .on_path("/vrgservice/modmngnet")
            .times(1),
    );
    vrg.change_management_network(
        &ManagementNetwork::new("127.0.11.132", "255.255.255.0", "127.0.11.1").unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(vrg.url(), format!("http://127.0.11.132:{}", mock.port()));
    assert_eq!(count(&mock, Method::POST, "/modmngnet/"), 1, "never resent");
    let probes = requests(&mock, Method::GET, "/netinfos");
    assert!(!probes.is_empty());
    assert!(probes.iter().all(|e| e.node.ip() == ip(132)));
    wait_refused(old).await;
    vrg.status().await.unwrap();
    eventually("one live session", Duration::from_secs(10), || {
        mock.live_sessions() == 1
    })
    .await;
}

/// No answer and nothing at the new address: the outcome is unknown, the client stays.
/// (A paused clock: the probe of the new address gives up after its full timeout.)
#[tokio::test(start_paused = true)]
async fn no_answer_and_no_new_address_is_an_unknown_outcome() {
    let mock = start(113, |c| c).await;
    let vrg = builder(&mock)
        .management_change_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    vrg.login().await.unwrap();
    let before = vrg.url();
    mock.server().faults().add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_path("/vrgservice/modmngnet")
            .times(1),
    );
    let started = tokio::time::Instant::now();
    let e = vrg
        .change_management_network(
            &ManagementNetwork::new("127.0.11.133", "255.255.255.0", "127.0.11.1").unwrap(),
        )
        .await
        .unwrap_err();
    assert!(
        started.elapsed() >= Duration::from_secs(30),
        "probed until the timeout"
    );
    match e.vrg() {
        Some(VrgError::ManagementChangeUnknown { new_ip, .. }) => {
            assert_eq!(new_ip, "127.0.11.133");
        }
        other => panic!("{other:?}: {e}"),
    }
    assert_eq!(e.phase(), Phase::MaybeSent);
    assert_eq!(e.kind(), ErrorKind::Io);
    assert_eq!(count(&mock, Method::POST, "/modmngnet/"), 1, "never resent");
    assert_eq!(vrg.url(), before);
    assert_eq!(mock.ip(), ip(113));
    let refused = tokio::net::TcpStream::connect(SocketAddr::new(ip(133), mock.port())).await;
    assert!(refused.is_err());
    vrg.status().await.unwrap();
    assert_eq!(mock.logins(), 1, "the session at the old address goes on");
}
