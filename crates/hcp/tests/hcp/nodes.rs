//! Round robin over nodes, a node down, DNS refresh, idle closes.

use std::collections::BTreeSet;
use std::time::Duration;

use storkit_hcp::PutOptions;
use storkit_hcp_mock::HcpMock;

use crate::support::{client, config, ip, system};

async fn concurrent_puts(c: &storkit_hcp::HcpClient, prefix: &str, n: usize) {
    let mut tasks = Vec::new();
    for i in 0..n {
        let (c, path) = (c.clone(), format!("/rest/{prefix}/{i}"));
        tasks.push(tokio::spawn(async move {
            c.put(&path, format!("object {i}"), &PutOptions::default())
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

fn nodes_used(mock: &HcpMock) -> BTreeSet<std::net::IpAddr> {
    mock.server()
        .log()
        .entries()
        .iter()
        .map(|e| e.node.ip())
        .collect()
}

#[tokio::test]
async fn new_connections_go_round_robin_over_every_node() {
    let mock = system(&[30, 31, 32, 33]).await;
    let c = client(&mock);
    concurrent_puts(&c, "rr", 16).await;
    assert_eq!(nodes_used(&mock), [30, 31, 32, 33].map(ip).into());
    assert_eq!(
        mock.object_paths("n1")
            .iter()
            .filter(|p| p.starts_with("/rest/rr/"))
            .count(),
        16
    );
}

#[tokio::test]
async fn a_node_down_is_set_aside_and_nothing_fails() {
    let mock = system(&[34, 35, 36, 37]).await;
    let c = client(&mock);
    c.addresses().await.unwrap();
    mock.server().stop_node(ip(35)).unwrap();
    concurrent_puts(&c, "down", 16).await;
    let used = nodes_used(&mock);
    assert!(!used.contains(&ip(35)));
    assert_eq!(used.len(), 3);
    assert!(
        c.core()
            .nodes()
            .iter()
            .any(|n| n.ip == ip(35) && n.set_aside)
    );
}

#[tokio::test]
async fn a_dns_refresh_moves_to_the_new_nodes() {
    let mock = HcpMock::start(config("hcp1.example", &[38, 39, 40, 41]))
        .await
        .unwrap();
    let fqdn = mock.namespace_fqdn("m", "n1");
    mock.dns().set(&fqdn, vec![ip(38), ip(39)]);
    let c = client(&mock);
    assert_eq!(c.addresses().await.unwrap(), vec![ip(38), ip(39)]);
    mock.dns().set(&fqdn, vec![ip(40), ip(41)]);
    assert_eq!(c.refresh_addresses().await.unwrap(), vec![ip(40), ip(41)]);
    // New connections go to the new nodes (old pooled ones may still be reused).
    let c2 = client(&mock);
    concurrent_puts(&c2, "moved", 8).await;
    let used: BTreeSet<_> = mock
        .server()
        .log()
        .entries()
        .iter()
        .filter(|e| e.path.starts_with("/rest/moved/"))
        .map(|e| e.node.ip())
        .collect();
    assert_eq!(used, [ip(40), ip(41)].into());
    // A failed refresh keeps the old addresses.
    mock.dns().remove(&fqdn);
    assert!(c.refresh_addresses().await.is_err());
    assert_eq!(c.addresses().await.unwrap(), vec![ip(40), ip(41)]);
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_replaced_transparently() {
    let mock = HcpMock::start(config("hcp1.example", &[42]).idle_close(Duration::from_millis(200)))
        .await
        .unwrap();
    let c = client(&mock);
    c.put("/rest/idle/1", "a", &PutOptions::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // hcpsdk with retries=0 fails here (B2).
    let second = c
        .put("/rest/idle/2", "b", &PutOptions::default())
        .await
        .unwrap();
    assert!(
        second.served.times.connect_time.is_some(),
        "a new connection was opened"
    );
    let conns: BTreeSet<_> = mock
        .server()
        .log()
        .entries()
        .iter()
        .map(|e| e.conn_id)
        .collect();
    assert_eq!(conns.len(), 2);
}
