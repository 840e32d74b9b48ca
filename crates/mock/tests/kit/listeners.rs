//! One server on several ports, one certificate with wildcard names, one CA shared by two
//! servers.

use std::io::ErrorKind;

use http::{Request, StatusCode};
use hyper::body::Incoming;
use storkit_mock::{
    CertificateAuthority, Ctx, ListenerConfig, MAIN_LISTENER, MockError, MockServer, ServerConfig,
    TlsSettings, reply,
};
use tokio::net::TcpStream;

use crate::support::{get, ip3, plain_client, raw_exchange, tls_client, tls_connect};

async fn where_handler(
    _req: Request<Incoming>,
    ctx: Ctx,
) -> http::Response<storkit_mock::MockBody> {
    reply::text(
        StatusCode::OK,
        format!(
            "{} {} {} {}",
            ctx.listener,
            ctx.port(),
            ctx.tls,
            ctx.node.ip()
        ),
    )
}

const NAMES: [&str; 4] = [
    "hcp1.example",
    "*.hcp1.example",
    "*.*.hcp1.example",
    "admin.hcp1.example",
];

#[tokio::test]
async fn one_handler_on_several_ports_and_ips() {
    let ca = CertificateAuthority::generate().unwrap();
    let server = MockServer::start(
        ServerConfig::new()
            .ips([ip3(3), ip3(4)])
            .listener(ListenerConfig::new("mapi", 0))
            .listener(ListenerConfig::new("http", 0).plain())
            .tls(TlsSettings::new(NAMES).with_ca(ca.clone())),
        where_handler,
    )
    .await
    .unwrap();
    assert_eq!(server.listener_names(), [MAIN_LISTENER, "mapi", "http"]);
    let main = server.port();
    let mapi = server.listener_port("mapi").unwrap();
    let http = server.listener_port("http").unwrap();
    assert!(main != mapi && mapi != http && main != http);
    assert_eq!(server.listener_is_tls("mapi"), Some(true));
    assert_eq!(server.listener_is_tls("http"), Some(false));
    assert_eq!(server.listener_port("nope"), None);
    assert_eq!(server.tls().unwrap().ca_pem(), ca.cert_pem());
    assert_eq!(
        server.listener_urls("mapi"),
        [
            format!("https://127.0.3.3:{mapi}"),
            format!("https://127.0.3.4:{mapi}")
        ]
    );
    assert_eq!(server.urls()[1], format!("https://127.0.3.4:{main}"));
    assert_eq!(
        server.listener_url("http").unwrap(),
        format!("http://127.0.3.3:{http}")
    );

    // One root, one leaf, every TLS port and IP; the handler knows where each request came.
    let client = tls_client(ca.cert_pem(), Some("admin.hcp1.example"));
    for (name, port) in [(MAIN_LISTENER, main), ("mapi", mapi)] {
        for (url, ip) in server
            .listener_urls(name)
            .iter()
            .zip(["127.0.3.3", "127.0.3.4"])
        {
            let reply = get(&client, &format!("{url}/x")).await.unwrap();
            assert_eq!(reply.text(), format!("{name} {port} true {ip}"));
        }
    }
    let reply = get(
        &plain_client(),
        &format!("{}/x", server.listener_urls("http")[1]),
    )
    .await
    .unwrap();
    assert_eq!(reply.text(), format!("http {http} false 127.0.3.4"));
    let log = server.log().entries();
    let listeners: Vec<&str> = log.iter().map(|e| e.listener.as_str()).collect();
    assert_eq!(listeners, ["main", "main", "mapi", "mapi", "http"]);
    let conns = server.connections();
    assert_eq!(conns.iter().filter(|c| c.listener == "mapi").count(), 2);

    // Stopping a node stops all its ports; starting it restores them.
    server.stop_node(ip3(4)).unwrap();
    assert!(!server.is_node_up(ip3(4)));
    for port in [main, mapi, http] {
        let err = TcpStream::connect((ip3(4), port)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "port {port}");
    }
    TcpStream::connect((ip3(3), mapi)).await.unwrap();
    server.start_node(ip3(4)).unwrap();
    assert!(server.is_node_up(ip3(4)));
    let reply = get(
        &tls_client(ca.cert_pem(), Some("admin.hcp1.example")),
        &format!("{}/x", server.listener_urls("mapi")[1]),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn wildcard_names_in_one_leaf_and_which_names_verify() {
    let server = MockServer::start(
        ServerConfig::new()
            .ips([ip3(5)])
            .listener(ListenerConfig::new("mapi", 0))
            .tls(TlsSettings::new(NAMES)),
        where_handler,
    )
    .await
    .unwrap();
    let tls = server.tls().unwrap();
    let leaf = tls.leaf_der();
    for name in NAMES {
        assert!(
            leaf.windows(name.len()).any(|w| w == name.as_bytes()),
            "{name} is not in the leaf"
        );
    }
    let ca = tls.ca_pem();
    let mapi = server.listener_addrs("mapi")[0];
    // rustls matches a wildcard against exactly one leftmost label, and ignores `*.*.`.
    for name in ["hcp1.example", "admin.hcp1.example", "tenant.hcp1.example"] {
        let mut stream = tls_connect(mapi, &ca, name).await.unwrap();
        let reply = raw_exchange(&mut stream, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!(reply.status, 200, "{name}");
    }
    for name in ["ns.tenant.hcp1.example", "other.example"] {
        let err = tls_connect(mapi, &ca, name).await.unwrap_err();
        assert!(
            err.to_string().contains("not valid for name"),
            "{name}: {err}"
        );
    }
    // IP SANs are added for every node.
    let client = tls_client(&ca, None);
    assert_eq!(
        get(&client, &format!("https://{mapi}/x"))
            .await
            .unwrap()
            .status,
        200
    );
}

#[tokio::test]
async fn two_servers_share_one_authority() {
    let first = MockServer::start(
        ServerConfig::new()
            .ips([ip3(6)])
            .tls(TlsSettings::new(["hcp1.example"])),
        where_handler,
    )
    .await
    .unwrap();
    let authority = first.tls().unwrap().authority().clone();
    // Passed on as PEM, as a test would between processes.
    let again = CertificateAuthority::from_pem(authority.cert_pem(), authority.key_pem()).unwrap();
    assert_eq!(again, authority);
    assert!(!format!("{again:?}").contains("PRIVATE KEY"));
    let second = MockServer::start(
        ServerConfig::new()
            .ips([ip3(7)])
            .tls(TlsSettings::new(["hcp2.example"]).with_ca(again)),
        where_handler,
    )
    .await
    .unwrap();
    let (a, b) = (first.tls().unwrap(), second.tls().unwrap());
    assert_eq!(a.ca_pem(), b.ca_pem());
    assert_ne!(a.fingerprint_sha256(), b.fingerprint_sha256());

    let root = a.ca_pem();
    for (server, name) in [(&first, "hcp1.example"), (&second, "hcp2.example")] {
        let client = tls_client(&root, Some(name));
        assert_eq!(get(&client, &server.url()).await.unwrap().status, 200);
    }
    // The second server's leaf does not carry the first one's name.
    assert!(
        get(&tls_client(&root, Some("hcp1.example")), &second.url())
            .await
            .is_err()
    );

    assert!(matches!(
        CertificateAuthority::from_pem("not a certificate", authority.key_pem()),
        Err(MockError::Certificate(_))
    ));
    assert!(matches!(
        CertificateAuthority::from_pem(authority.cert_pem(), "not a key"),
        Err(MockError::Certificate(_))
    ));
}

#[tokio::test]
async fn listener_names_must_be_unique() {
    let err = MockServer::start(
        ServerConfig::new()
            .ips([ip3(8)])
            .listener(ListenerConfig::new("mapi", 0))
            .listener(ListenerConfig::new("mapi", 0)),
        where_handler,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, MockError::DuplicateListener { ref name } if name == "mapi"),
        "{err}"
    );
    let err = MockServer::start(
        ServerConfig::new()
            .ips([ip3(8)])
            .listener(ListenerConfig::new(MAIN_LISTENER, 0)),
        where_handler,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, MockError::DuplicateListener { .. }), "{err}");
}

#[tokio::test]
async fn a_node_added_at_run_time_serves_every_port_with_the_same_certificate() {
    let server = MockServer::start(
        ServerConfig::new()
            .ips([ip3(40)])
            .listener(ListenerConfig::new("http", 0).plain())
            .tls(TlsSettings::new(["moving.example"])),
        where_handler,
    )
    .await
    .unwrap();
    let (main, http) = (server.port(), server.listener_port("http").unwrap());
    let ca = server.tls().unwrap().ca_pem();

    server.add_node(ip3(41)).unwrap();
    assert!(server.is_node_up(ip3(41)));
    assert_eq!(server.ips(), [ip3(40), ip3(41)]);
    assert_eq!(server.urls()[1], format!("https://127.0.3.41:{main}"));
    // Same ports, same certificate (valid for its DNS name; the new IP is no SAN of it).
    let by_name = tls_client(&ca, Some("moving.example"));
    let reply = get(&by_name, &format!("https://127.0.3.41:{main}/x"))
        .await
        .unwrap();
    assert_eq!(reply.text(), format!("main {main} true 127.0.3.41"));
    assert!(
        get(
            &tls_client(&ca, None),
            &format!("https://127.0.3.41:{main}/x")
        )
        .await
        .is_err()
    );
    let reply = get(&plain_client(), &format!("http://127.0.3.41:{http}/x"))
        .await
        .unwrap();
    assert_eq!(reply.text(), format!("http {http} false 127.0.3.41"));

    // The system moves: the old node stops, the new one keeps serving; stop/start and a
    // second add work on the new node like on a configured one.
    server.stop_node(ip3(40)).unwrap();
    let err = TcpStream::connect((ip3(40), main)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    server.stop_node(ip3(41)).unwrap();
    let err = TcpStream::connect((ip3(41), http)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    server.add_node(ip3(41)).unwrap();
    assert_eq!(server.ips(), [ip3(40), ip3(41)]);
    let reply = get(&plain_client(), &format!("http://127.0.3.41:{http}/x"))
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    let log = server.log().entries();
    assert_eq!(log.last().unwrap().node.ip(), ip3(41));

    assert!(matches!(
        server.add_node("10.0.0.1".parse().unwrap()),
        Err(MockError::NotLoopback { .. })
    ));
    server.shutdown().await;
    assert!(matches!(server.add_node(ip3(42)), Err(MockError::ShutDown)));
}
