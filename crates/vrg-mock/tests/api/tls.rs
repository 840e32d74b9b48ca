//! HTTPS with a certificate generated at start. Addresses 127.0.10.160–169.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio_rustls::TlsConnector;

use crate::support::{Client, PASSWORD, Req, USER, exchange_on, start};

fn connector(ca_pem: &str) -> TlsConnector {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn tls_serves_the_same_api() {
    let mock = start(160, |c| c.tls(true)).await;
    assert!(mock.url().starts_with("https://127.0.10.160:"));
    let ca = mock.ca_pem().unwrap();
    let connector = connector(&ca);
    let addr = mock.addr();

    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::IpAddress(addr.ip().into()), tcp)
        .await
        .unwrap();
    let login = exchange_on(&mut tls, addr, &Client::login_request(USER, PASSWORD)).await;
    assert_eq!(login.status, 200);
    let token = login.header("x-auth-token").unwrap().to_owned();

    // The configured DNS name verifies too.
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("vrg.example").unwrap(), tcp)
        .await
        .unwrap();
    let status = exchange_on(&mut tls, addr, &Req::get("/vrgstatus").token(&token)).await;
    assert_eq!(status.status, 200);
    assert_eq!(status.json()["status"], 1);

    assert!(start(161, |c| c).await.ca_pem().is_none());
}
