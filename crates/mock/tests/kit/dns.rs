//! The DNS server over UDP and TCP, by hand-made messages and by hickory-resolver.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use storkit_mock::DnsFailure;
use storkit_mock::DnsServer;
use storkit_mock::dns::DnsTransport;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use crate::support::{FQDN, NODE_A, NODE_B, NODE_C};

const V6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

fn question(name: &str, record_type: RecordType) -> Vec<u8> {
    let mut message = Message::query();
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(Name::from_ascii(name).unwrap(), record_type));
    message.to_vec().unwrap()
}

async fn udp(server: SocketAddr, name: &str, record_type: RecordType) -> Option<Message> {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    socket
        .send_to(&question(name, record_type), server)
        .await
        .unwrap();
    let mut buf = vec![0; 4096];
    let len = tokio::time::timeout(Duration::from_millis(300), socket.recv(&mut buf))
        .await
        .ok()?
        .unwrap();
    Some(Message::from_vec(&buf[..len]).unwrap())
}

async fn tcp(server: SocketAddr, name: &str, record_type: RecordType) -> Message {
    let mut stream = TcpStream::connect(server).await.unwrap();
    let query = question(name, record_type);
    stream.write_u16(query.len() as u16).await.unwrap();
    stream.write_all(&query).await.unwrap();
    let len = stream.read_u16().await.unwrap();
    let mut buf = vec![0; usize::from(len)];
    stream.read_exact(&mut buf).await.unwrap();
    Message::from_vec(&buf).unwrap()
}

fn ips(message: &Message) -> Vec<IpAddr> {
    message
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn answers_change_while_it_runs() {
    let dns = DnsServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = dns.addr();
    assert_ne!(addr.port(), 0);
    dns.set(FQDN, [NODE_A, NODE_B, V6]);

    let reply = udp(addr, FQDN, RecordType::A).await.unwrap();
    assert_eq!(reply.metadata.response_code, ResponseCode::NoError);
    assert!(reply.metadata.authoritative);
    assert_eq!(ips(&reply), [NODE_A, NODE_B]);
    assert!(reply.answers.iter().all(|r| r.ttl == 60));

    let reply = udp(addr, FQDN, RecordType::AAAA).await.unwrap();
    assert_eq!(ips(&reply), [V6]);

    // Case and the trailing dot do not matter.
    let reply = udp(addr, "ARRAY.Example.TEST.", RecordType::A)
        .await
        .unwrap();
    assert_eq!(ips(&reply), [NODE_A, NODE_B]);

    dns.set_ttl(5);
    dns.set("Array.Example.Test.", [NODE_C]);
    let reply = udp(addr, FQDN, RecordType::A).await.unwrap();
    assert_eq!(ips(&reply), [NODE_C]);
    assert_eq!(reply.answers[0].ttl, 5);
    let reply = udp(addr, FQDN, RecordType::AAAA).await.unwrap();
    assert_eq!(reply.metadata.response_code, ResponseCode::NoError);
    assert!(reply.answers.is_empty());

    let reply = udp(addr, "nope.example.test", RecordType::A).await.unwrap();
    assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain);
    assert!(reply.metadata.authoritative);

    assert!(dns.remove(FQDN));
    let reply = udp(addr, FQDN, RecordType::A).await.unwrap();
    assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain);

    assert_eq!(dns.queries(), 7);
    let log = dns.query_log();
    assert_eq!(log[0].name, format!("{FQDN}."));
    assert_eq!(log[0].record_type, "A");
    assert_eq!(log[0].transport, DnsTransport::Udp);
    assert_eq!(log[6].response.as_deref(), Some("NXDomain"));
}

#[tokio::test]
async fn failures_servfail_refused_and_drop() {
    let dns = DnsServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    dns.set(FQDN, [NODE_A]);

    dns.set_failure(Some(DnsFailure::ServFail));
    let reply = udp(dns.addr(), FQDN, RecordType::A).await.unwrap();
    assert_eq!(reply.metadata.response_code, ResponseCode::ServFail);
    assert!(reply.answers.is_empty());

    dns.set_failure(Some(DnsFailure::Refused));
    let reply = udp(dns.addr(), FQDN, RecordType::A).await.unwrap();
    assert_eq!(reply.metadata.response_code, ResponseCode::Refused);

    dns.set_failure(Some(DnsFailure::Drop));
    assert!(udp(dns.addr(), FQDN, RecordType::A).await.is_none());
    assert_eq!(dns.query_log().last().unwrap().response, None);

    dns.set_failure(None);
    let reply = udp(dns.addr(), FQDN, RecordType::A).await.unwrap();
    assert_eq!(ips(&reply), [NODE_A]);
}

#[tokio::test]
async fn tcp_answers_like_udp() {
    let dns = DnsServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    dns.set(FQDN, [NODE_A, NODE_B]);
    let reply = tcp(dns.addr(), FQDN, RecordType::A).await;
    assert_eq!(ips(&reply), [NODE_A, NODE_B]);
    let reply = tcp(dns.addr(), "unknown.example.test", RecordType::A).await;
    assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain);
    assert!(
        dns.query_log()
            .iter()
            .all(|q| q.transport == DnsTransport::Tcp)
    );
}

#[tokio::test]
async fn hickory_resolver_sees_the_changes() {
    let dns = DnsServer::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    dns.set(FQDN, [NODE_A, NODE_B]);

    let mut udp_conn = ConnectionConfig::udp();
    udp_conn.port = dns.addr().port();
    let mut tcp_conn = ConnectionConfig::tcp();
    tcp_conn.port = dns.addr().port();
    let mut name_server = NameServerConfig::udp_and_tcp(dns.addr().ip());
    name_server.connections = vec![udp_conn, tcp_conn];
    let resolver = TokioResolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![name_server]),
        TokioRuntimeProvider::default(),
    )
    .build()
    .unwrap();

    let found: Vec<IpAddr> = resolver.lookup_ip(FQDN).await.unwrap().iter().collect();
    assert_eq!(found, [NODE_A, NODE_B]);

    dns.set(FQDN, [NODE_C]);
    resolver.clear_cache();
    let found: Vec<IpAddr> = resolver.lookup_ip(FQDN).await.unwrap().iter().collect();
    assert_eq!(found, [NODE_C]);

    assert!(resolver.lookup_ip("missing.example.test").await.is_err());
}
