//! HTTPS, the default: a certificate generated at start, trusted through the mock's CA.
//! Addresses 127.0.13.160–169.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use serde_json::json;
use storkit_ontap_deploy_mock::{DeployConfig, DeployMock};
use tokio_rustls::TlsConnector;

use crate::support::{PASSWORD, Req, USER, exchange_on, ip};

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
async fn https_is_the_default() {
    let mock = DeployMock::start(DeployConfig::new().ip(ip(160)).user(USER, PASSWORD))
        .await
        .unwrap();
    assert!(mock.url().starts_with("https://127.0.13.160:"));
    assert!(mock.base_url().ends_with("/api/v3"));
    let connector = connector(&mock.ca_pem().unwrap());
    let addr = mock.addr();
    for name in [
        ServerName::IpAddress(addr.ip().into()),
        ServerName::try_from("deploy.example").unwrap(),
    ] {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut tls = connector.connect(name, tcp).await.unwrap();
        let reply = exchange_on(
            &mut tls,
            addr,
            &Req::api("POST", "/clusters?node_count=1")
                .json(&json!({"name": format!("tls{}", mock.clusters().len())}))
                .auth(USER, PASSWORD),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        assert!(reply.header("request-id").is_some());
        assert!(
            reply
                .header("location")
                .unwrap()
                .starts_with(&format!("https://{addr}/api/v3/clusters/"))
        );
    }
    assert_eq!(mock.clusters().len(), 2);
    assert!(
        DeployMock::start(
            DeployConfig::new()
                .ip(ip(161))
                .tls(false)
                .user(USER, PASSWORD)
        )
        .await
        .unwrap()
        .ca_pem()
        .is_none()
    );
    assert!(
        DeployMock::start(DeployConfig::new().ip(ip(162)))
            .await
            .is_err()
    );
}
