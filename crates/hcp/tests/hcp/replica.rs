//! Replica strategies against two systems sharing one DNS server and one CA.

use std::time::Duration;

use storkit_hcp::{
    DeleteOptions, GetOptions, HcpClient, PutOptions, ReplicaStrategy, SystemMetadata,
};
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
    let first = c
        .put("/rest/1.txt", "1", &PutOptions::default())
        .await
        .unwrap();
    assert!(p.primary.object("n1", "/rest/1.txt").is_some());
    assert!(!first.served.replica);
    assert_eq!(first.served.address, ip(66));
    stop_all(&p.primary);
    // Let the pool see its connection closed: a PUT written into a connection that dies
    // under it may have landed, and is never moved to the other system.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = c
        .put("/rest/2.txt", "2", &PutOptions::default())
        .await
        .unwrap();
    assert!(p.replica.object("n1", "/rest/2.txt").is_some());
    assert!(second.served.replica, "the failover is reported");
    assert_eq!(second.served.address, ip(67));
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

#[tokio::test]
async fn served_says_when_a_read_went_to_the_replica() {
    let p = pair(&[160], &[161]).await;
    p.replica
        .insert_object("n1", "/rest/r.txt", "replica copy", "n")
        .unwrap();
    p.primary
        .insert_object("n1", "/rest/r.txt", "primary copy", "n")
        .unwrap();
    let c = client(&p, ReplicaStrategy::READ_ALLOWED);

    // Reads go to the replica, and say so.
    let mut reader = c.get("/rest/r.txt", &GetOptions::default()).await.unwrap();
    assert_eq!(reader.read_to_end().await.unwrap(), "replica copy");
    assert!(reader.served().replica);
    assert_eq!(reader.served().address, ip(161));
    let head = c.head("/rest/r.txt").await.unwrap();
    assert!(head.served.replica);
    assert_eq!(head.served.address, ip(161));
    assert_eq!(head.metadata.size, Some(12));
    let exists = c.exists("/rest/r.txt").await.unwrap();
    assert!(exists.found && exists.served.replica);
    let custom = c.get_custom_metadata("/rest/r.txt", None).await.unwrap();
    assert!(custom.served.replica);
    assert_eq!(custom.served.address, ip(161));

    // Writes stay on the primary, and say so.
    let put = c
        .put("/rest/w.txt", "w", &PutOptions::default())
        .await
        .unwrap();
    assert!(!put.served.replica);
    assert_eq!(put.served.address, ip(160));
    let served = c
        .put_custom_metadata("/rest/w.txt", None, "<a/>")
        .await
        .unwrap();
    assert!(!served.replica);
    assert_eq!(served.address, ip(160));
    let served = c
        .set_system_metadata("/rest/w.txt", &SystemMetadata::default().index(true))
        .await
        .unwrap();
    assert!(!served.replica);
    let served = c.create_directory("/rest/dir").await.unwrap();
    assert!(!served.replica);
    let deleted = c
        .delete("/rest/w.txt", &DeleteOptions::default())
        .await
        .unwrap();
    assert!(!deleted.served.replica);
    assert_eq!(deleted.served.address, ip(160));

    // The replica's own client, used directly, is not "the replica": it answers for its
    // own system.
    let (replica, _) = c.replica().unwrap();
    let direct = replica.head("/rest/r.txt").await.unwrap();
    assert!(!direct.served.replica);
    assert_eq!(direct.served.address, ip(161));

    // The replica gone, reads fall back to the primary, and say that too.
    stop_all(&p.replica);
    let head = c.head("/rest/r.txt").await.unwrap();
    assert!(!head.served.replica);
    assert_eq!(head.served.address, ip(160));
    assert_eq!(head.metadata.size, Some(12));
}

#[tokio::test]
async fn served_says_when_a_write_went_to_the_replica() {
    let p = pair(&[162], &[163]).await;
    let c = client(&p, ReplicaStrategy::WRITE_ALLOWED);
    let put = c
        .put("/rest/w.txt", "w", &PutOptions::default())
        .await
        .unwrap();
    assert!(put.served.replica);
    assert_eq!(put.served.address, ip(163));
    for served in [
        c.put_custom_metadata("/rest/w.txt", None, "<a/>")
            .await
            .unwrap(),
        c.set_system_metadata("/rest/w.txt", &SystemMetadata::default().index(false))
            .await
            .unwrap(),
        c.create_directory("/rest/dir").await.unwrap(),
        c.delete("/rest/w.txt", &DeleteOptions::default())
            .await
            .unwrap()
            .served,
    ] {
        assert!(served.replica, "{served:?}");
        assert_eq!(served.address, ip(163));
    }
    assert!(p.replica.is_directory("n1", "/rest/dir"));
    assert!(!p.primary.is_directory("n1", "/rest/dir"));
    // Reads stay on the primary, which never saw the object.
    let exists = c.exists("/rest/w.txt").await.unwrap();
    assert!(!exists.found);
    assert!(!exists.served.replica);
    assert_eq!(exists.served.address, ip(162));
}
