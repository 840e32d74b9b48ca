//! Replica strategies against two systems sharing one DNS server and one CA.

use std::time::Duration;

use storkit_hcp::{HcpClient, PutOptions, ReplicaStrategy};
use storkit_hcp_mock::{HcpConfig, HcpMock};

use crate::support::{builder_for, config, ip};

struct Pair {
    primary: HcpMock,
    replica: HcpMock,
}

async fn pair(p: &[u8], r: &[u8]) -> Pair {
    let primary = HcpMock::start(config("hcp1.example", p)).await.unwrap();
    let replica = HcpMock::start(
        HcpConfig::sample("hcp2.example")
            .ips(r.iter().map(|n| ip(*n)))
            .data_port(0)
            .mapi_port(0)
            .dns(primary.dns_handle())
            .ca(primary.ca().clone()),
    )
    .await
    .unwrap();
    Pair { primary, replica }
}

fn client(p: &Pair, strategy: ReplicaStrategy) -> HcpClient {
    let replica = builder_for(&p.replica, &p.replica.namespace_fqdn("m", "n1"))
        .connect_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    builder_for(&p.primary, &p.primary.namespace_fqdn("m", "n1"))
        .connect_timeout(Duration::from_millis(500))
        .replica_client(replica, strategy)
        .build()
        .unwrap()
}

fn stop_all(mock: &HcpMock) {
    for node in mock.ips() {
        mock.server().stop_node(node).unwrap();
    }
}

#[tokio::test]
async fn read_allowed_reads_from_the_replica() {
    let p = pair(&[60], &[61]).await;
    p.replica
        .insert_object("n1", "/rest/r.txt", "replica copy", "n")
        .unwrap();
    p.primary
        .insert_object("n1", "/rest/r.txt", "primary copy", "n")
        .unwrap();
    let c = client(&p, ReplicaStrategy::READ_ALLOWED);
    assert_eq!(c.get_bytes("/rest/r.txt").await.unwrap(), "replica copy");
    // Writes stay on the primary.
    c.put("/rest/w.txt", "w", &PutOptions::default())
        .await
        .unwrap();
    assert!(p.primary.object("n1", "/rest/w.txt").is_some());
    assert!(p.replica.object("n1", "/rest/w.txt").is_none());
    // The replica gone, reads fall back to the primary.
    stop_all(&p.replica);
    assert_eq!(c.get_bytes("/rest/r.txt").await.unwrap(), "primary copy");
}

#[tokio::test]
async fn read_on_failover_reads_from_the_primary_until_it_fails() {
    let p = pair(&[62], &[63]).await;
    p.replica
        .insert_object("n1", "/rest/r.txt", "replica copy", "n")
        .unwrap();
    p.primary
        .insert_object("n1", "/rest/r.txt", "primary copy", "n")
        .unwrap();
    let c = client(&p, ReplicaStrategy::READ_ON_FAILOVER);
    assert_eq!(c.get_bytes("/rest/r.txt").await.unwrap(), "primary copy");
    stop_all(&p.primary);
    assert_eq!(c.get_bytes("/rest/r.txt").await.unwrap(), "replica copy");
    assert!(c.primary_unavailable());
    // Writes are not moved by a read strategy.
    assert!(
        c.put("/rest/w.txt", "w", &PutOptions::default())
            .await
            .is_err()
    );
    assert!(p.replica.object("n1", "/rest/w.txt").is_none());
}

#[tokio::test]
async fn write_allowed_writes_to_the_replica() {
    let p = pair(&[64], &[65]).await;
    let c = client(&p, ReplicaStrategy::WRITE_ALLOWED);
    c.put("/rest/w.txt", "w", &PutOptions::default())
        .await
        .unwrap();
    assert!(p.replica.object("n1", "/rest/w.txt").is_some());
    assert!(p.primary.object("n1", "/rest/w.txt").is_none());
    // Reads stay on the primary.
    assert!(c.get_bytes("/rest/w.txt").await.is_err());
}

#[tokio::test]
async fn write_on_failover_writes_to_the_replica_once_the_primary_is_gone() {
    let p = pair(&[66], &[67]).await;
    let c = client(
        &p,
        ReplicaStrategy::WRITE_ON_FAILOVER | ReplicaStrategy::READ_ON_FAILOVER,
    );
    c.put("/rest/1.txt", "1", &PutOptions::default())
        .await
        .unwrap();
    assert!(p.primary.object("n1", "/rest/1.txt").is_some());
    stop_all(&p.primary);
    // Let the pool see its connection closed: a PUT written into a connection that dies
    // under it may have landed, and is never moved to the other system.
    tokio::time::sleep(Duration::from_millis(100)).await;
    c.put("/rest/2.txt", "2", &PutOptions::default())
        .await
        .unwrap();
    assert!(p.replica.object("n1", "/rest/2.txt").is_some());
    assert_eq!(c.get_bytes("/rest/2.txt").await.unwrap(), "2");
}

#[tokio::test]
async fn failover_while_requests_are_in_flight_loses_none() {
    let p = pair(&[68, 69], &[70, 71]).await;
    for i in 0..64 {
        let path = format!("/rest/f/{i}");
        p.primary
            .insert_object("n1", &path, format!("{i}"), "n")
            .unwrap();
        p.replica
            .insert_object("n1", &path, format!("{i}"), "n")
            .unwrap();
    }
    let c = client(&p, ReplicaStrategy::READ_ON_FAILOVER);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            // Spread the requests over the moment the primary goes away.
            tokio::time::sleep(Duration::from_millis(i * 3)).await;
            (i, c.get_bytes(&format!("/rest/f/{i}")).await)
        }));
    }
    tokio::time::sleep(Duration::from_millis(90)).await;
    stop_all(&p.primary);
    for t in tasks {
        let (i, r) = t.await.unwrap();
        assert_eq!(
            r.unwrap_or_else(|e| panic!("read {i}: {e}")),
            format!("{i}")
        );
    }
    let served_by_replica = p
        .replica
        .server()
        .log()
        .entries()
        .iter()
        .filter(|e| e.path.starts_with("/rest/f/"))
        .count();
    assert!(served_by_replica > 0, "some reads moved to the replica");
}
