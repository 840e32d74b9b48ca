//! A mock system per test and a client for it.

use std::net::IpAddr;

use storkit_hcp::{HcpClient, HcpClientBuilder, TlsPolicy};
use storkit_hcp_mock::{HcpConfig, HcpMock};

pub(crate) fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 8, last])
}

/// The reference fixtures (tenant `m`, namespaces `n1`/`n2`, user `n`/`n01`, admin
/// `service`/`service01`) on `domain`, TLS on both ports, on these nodes.
pub(crate) fn config(domain: &str, nodes: &[u8]) -> HcpConfig {
    HcpConfig::sample(domain)
        .ips(nodes.iter().map(|n| ip(*n)))
        .data_port(0)
        .mapi_port(0)
}

pub(crate) async fn system(nodes: &[u8]) -> HcpMock {
    HcpMock::start(config("hcp1.example", nodes)).await.unwrap()
}

/// A builder for `fqdn` on `mock`'s data port, trusting its CA, asking its DNS server.
pub(crate) fn builder_for(mock: &HcpMock, fqdn: &str) -> HcpClientBuilder {
    HcpClient::builder(fqdn)
        .port(mock.data_port())
        .https(true)
        .mapi_port(mock.mapi_port())
        .tls(TlsPolicy::custom_ca_pem(mock.ca_pem()).unwrap())
        .dns_servers([mock.dns_addr()])
        .credentials("n", "n01")
}

/// The `n1` namespace client of `mock`.
pub(crate) fn client(mock: &HcpMock) -> HcpClient {
    builder_for(mock, &mock.namespace_fqdn("m", "n1"))
        .build()
        .unwrap()
}

/// The 128 kB file of the manual's sample (its SHA-256 is the manual's).
pub(crate) fn kb128() -> Vec<u8> {
    b"0123456789abcdef".repeat(8192)
}

pub(crate) const KB128_HASH: &str =
    "SHA-256 A2706A20394E48179A86C71E82C360C2960D3652340F9B9FDB355A42E3AC7691";

pub(crate) fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "storkit-hcp-{name}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
