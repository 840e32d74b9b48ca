//! Authentication, routing by `Host` over several nodes, DNS answers, `/proc`, and a second
//! system sharing the first one's DNS server and CA.

use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RData, RecordType};
use http::Method;
use storkit_hcp_mock::{HcpConfig, HcpMock, token};
use tokio::net::UdpSocket;

use crate::support::{DOMAIN, Hcp, N1, ip, n_auth, tls_client};

async fn resolve(server: std::net::SocketAddr, name: &str) -> Vec<std::net::IpAddr> {
    let mut message = Message::query();
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
    let socket = UdpSocket::bind("127.0.7.1:0").await.unwrap();
    socket
        .send_to(&message.to_vec().unwrap(), server)
        .await
        .unwrap();
    let mut buf = vec![0; 4096];
    let len = tokio::time::timeout(Duration::from_secs(2), socket.recv(&mut buf))
        .await
        .unwrap()
        .unwrap();
    Message::from_vec(&buf[..len])
        .unwrap()
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(std::net::IpAddr::V4(a.0)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn credentials_header_cookie_ad_and_403() {
    let hcp = Hcp::start(&[10]).await;
    hcp.n1(Method::PUT, "/rest/a.txt", b"a").await;
    let url = hcp.data(0, "/rest/a.txt");
    let good = n_auth();
    let bad = format!("HCP {}", token("n", "nope"));
    let cookie = format!("hcp-ns-auth={}", token("n", "n01"));
    let head = |headers: Vec<(&'static str, String)>| {
        let url = url.clone();
        let hcp = &hcp;
        async move {
            let mut all: Vec<(&str, &str)> = vec![("host", N1)];
            all.extend(headers.iter().map(|(n, v)| (*n, v.as_str())));
            hcp.send(Method::HEAD, &url, &all, b"").await
        }
    };
    assert_eq!(
        head(vec![("authorization", good.clone())]).await.status,
        200
    );
    assert_eq!(head(vec![("cookie", cookie.clone())]).await.status, 200);
    assert_eq!(
        head(vec![(
            "authorization",
            "AD lgreen@example.com:p4ssw0rd".into()
        )])
        .await
        .status,
        200
    );
    // The header wins over the cookie.
    let refused = head(vec![("authorization", bad), ("cookie", cookie)]).await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.header("x-hcp-errormessage"),
        Some("invalid credentials")
    );
    let none = head(vec![]).await;
    assert_eq!(none.status, 403);
    assert_eq!(
        none.header("x-hcp-errormessage"),
        Some("authentication required")
    );
    // An administrator has no data access; `hcp-api-auth` is MAPI's cookie only.
    let admin = format!("HCP {}", token("service", "service01"));
    assert_eq!(head(vec![("authorization", admin)]).await.status, 403);
    let api_cookie = format!("hcp-api-auth={}", token("n", "n01"));
    assert_eq!(head(vec![("cookie", api_cookie)]).await.status, 403);
}

#[tokio::test]
async fn host_routing_over_every_node_and_dns() {
    let hcp = Hcp::start(&[11, 12, 13, 14]).await;
    let ips = hcp.mock.ips();
    assert_eq!(ips, [ip(11), ip(12), ip(13), ip(14)]);
    for name in [
        N1,
        "n2.m.hcp1.example",
        "m.hcp1.example",
        "admin.hcp1.example",
    ] {
        assert_eq!(resolve(hcp.mock.dns_addr(), name).await, ips, "{name}");
    }
    assert!(
        resolve(hcp.mock.dns_addr(), "nope.hcp1.example")
            .await
            .is_empty()
    );

    // One object per namespace, each PUT through another node.
    let auth = n_auth();
    for (i, host) in [N1, "N2.M.HCP1.EXAMPLE:443"].iter().enumerate() {
        let put = hcp
            .send(
                Method::PUT,
                &hcp.data(i + 1, "/rest/where.txt"),
                &[("host", host), ("authorization", &auth)],
                host.as_bytes(),
            )
            .await;
        assert_eq!(put.status, 201, "{host}");
    }
    assert_eq!(
        &hcp.mock.object("n1", "where.txt").unwrap().data[..],
        N1.as_bytes()
    );
    assert_eq!(
        &hcp.mock.object("n2.m", "where.txt").unwrap().data[..],
        b"N2.M.HCP1.EXAMPLE:443"
    );
    let nodes: Vec<_> = hcp
        .mock
        .server()
        .log()
        .entries()
        .iter()
        .map(|e| e.node.ip())
        .collect();
    assert_eq!(nodes, [ip(12), ip(13)]);

    // No Host, or an unknown one: the default namespace (n1).
    for host in ["127.0.7.11", "elsewhere.example"] {
        let get = hcp
            .send(
                Method::GET,
                &hcp.data(3, "/rest/where.txt"),
                &[("host", host), ("authorization", &auth)],
                b"",
            )
            .await;
        assert_eq!(&get.body[..], N1.as_bytes(), "{host}");
    }
    // The tenant host names no namespace.
    let tenant = hcp
        .send(
            Method::GET,
            &hcp.data(0, "/rest/where.txt"),
            &[("host", "m.hcp1.example"), ("authorization", &auth)],
            b"",
        )
        .await;
    assert_eq!(tenant.status, 403);

    // DNS answers change at run time.
    hcp.mock.dns().set(N1, vec![ip(14)]);
    assert_eq!(resolve(hcp.mock.dns_addr(), N1).await, [ip(14)]);
}

#[tokio::test]
async fn proc_payloads() {
    let hcp = Hcp::with(&[15], |c| c.user_with_access("m", "only2", "pw", ["n2"])).await;
    hcp.n1(Method::PUT, "/rest/s1?shred=true", b"12345").await;
    hcp.n1(Method::PUT, "/rest/s2", b"123").await;
    hcp.n1(Method::PUT, "/rest/s2?type=custom-metadata", b"<a/>")
        .await;

    let all = hcp.n1(Method::GET, "/proc", b"").await;
    assert_eq!(all.status, 200);
    let xml = all.text();
    assert!(
        xml.contains("tenantHostName=\"m.hcp1.example\" httpScheme=\"https\""),
        "{xml}"
    );
    assert!(
        xml.contains("<namespace name=\"n1\" nameIDNA=\"n1\""),
        "{xml}"
    );
    assert!(xml.contains("<namespace name=\"n2\""), "{xml}");
    assert!(
        xml.contains(
            "<description><![CDATA[\n   replicated°search°no versioning\n  ]]></description>"
        ),
        "{xml}"
    );
    let single = hcp.n1(Method::GET, "/proc?single=true", b"").await.text();
    assert!(
        single.contains("name=\"n1\"") && !single.contains("name=\"n2\""),
        "{single}"
    );

    let stats = hcp.n1(Method::GET, "/proc/statistics", b"").await.text();
    for attr in [
        "namespaceName=\"n1\"",
        "totalCapacityBytes=\"53687091200\"",
        "usedCapacityBytes=\"8\"",
        "softQuotaPercent=\"85\"",
        "objectCount=\"2\"",
        "shredObjectCount=\"1\"",
        "shredObjectBytes=\"5\"",
        "customMetadataObjectCount=\"1\"",
        "customMetadataObjectBytes=\"4\"",
    ] {
        assert!(stats.contains(attr), "{attr} in {stats}");
    }
    let classes = hcp
        .n1(Method::GET, "/proc/retentionClasses", b"")
        .await
        .text();
    assert!(
        classes.contains(
            "<retentionClass name=\"TAX_DATA\" value=\"A+10y\" autoDelete=\"true\"><description><![CDATA[Class for tax data]]></description></retentionClass>"
        ),
        "{classes}"
    );
    let permissions = hcp.n1(Method::GET, "/proc/permissions", b"").await.text();
    assert_eq!(
        permissions.matches("browse=\"true\"").count(),
        4,
        "{permissions}"
    );
    assert_eq!(hcp.n1(Method::GET, "/proc/nothing", b"").await.status, 404);

    // A user without access to n1 gets 401 there, and sees only n2 in the list.
    let only2 = format!("HCP {}", token("only2", "pw"));
    let get = |path: &'static str| {
        let only2 = only2.clone();
        let hcp = &hcp;
        async move {
            hcp.send(
                Method::GET,
                &hcp.data(0, path),
                &[("host", N1), ("authorization", &only2)],
                b"",
            )
            .await
        }
    };
    assert_eq!(get("/proc/statistics").await.status, 401);
    assert_eq!(get("/proc?single=true").await.status, 401);
    let listed = get("/proc").await.text();
    assert!(
        listed.contains("name=\"n2\"") && !listed.contains("name=\"n1\""),
        "{listed}"
    );
    assert_eq!(get("/rest/s2").await.status, 403);
}

#[tokio::test]
async fn a_replica_shares_dns_and_ca_and_a_plain_data_port() {
    let primary = Hcp::start(&[16, 17]).await;
    let replica = HcpMock::start(
        HcpConfig::sample("hcp2.example")
            .ips([ip(18), ip(19)])
            .data_port(0)
            .mapi_port(0)
            .tls(false)
            .dns(primary.mock.dns_handle())
            .ca(primary.mock.ca().clone()),
    )
    .await
    .unwrap();
    assert!(Arc::ptr_eq(
        &primary.mock.dns_handle(),
        &replica.dns_handle()
    ));
    assert_eq!(
        resolve(primary.mock.dns_addr(), "n1.m.hcp2.example").await,
        [ip(18), ip(19)]
    );
    assert_eq!(
        resolve(primary.mock.dns_addr(), "n1.m.hcp1.example").await,
        [ip(16), ip(17)]
    );
    assert!(!replica.data_is_tls());
    assert!(replica.data_urls()[0].starts_with("http://127.0.7.18:"));
    assert!(replica.mapi_urls()[0].starts_with("https://127.0.7.18:"));
    // One root trusts both systems' MAPI.
    let client = tls_client(&primary.mock.ca_pem());
    let auth = crate::support::admin_auth();
    let links = crate::support::send(
        &client,
        Method::GET,
        &format!("{}/mapi/services/replication/links", replica.mapi_urls()[1]),
        &[("host", "admin.hcp2.example"), ("authorization", &auth)],
        storkit_mock::body::empty(),
    )
    .await;
    assert_eq!(links.status, 200);
    // And plain HTTP on the replica's data port.
    let put = crate::support::send(
        &client,
        Method::PUT,
        &format!("{}/rest/plain.txt", replica.data_urls()[0]),
        &[("host", "n1.m.hcp2.example"), ("authorization", &n_auth())],
        storkit_mock::body::full("plain"),
    )
    .await;
    assert_eq!(put.status, 201);
    assert!(replica.object("n1", "plain.txt").is_some());
    assert_eq!(primary.mock.domain(), DOMAIN);
}
