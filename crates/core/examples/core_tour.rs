//! A guided tour of the core transport against a 4-node mock with DNS and TLS.
//!
//! Run it with `cargo xtask demo` (or `cargo run -p storkit-core --example core_tour`).
//! Everything runs on loopback: the mock serves one "storage system" on 127.0.0.11-14 and
//! a DNS server on 127.0.0.1 answers its name with those four addresses.

use std::error::Error;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use storkit_core::poll::{Backoff, PollPolicy, PollStep, Poller};
use storkit_core::resolve::HickoryResolver;
use storkit_core::{Client, Request, TlsPolicy};
use storkit_mock::demo::DemoApp;
use storkit_mock::{DnsServer, MockServer, ServerConfig, TlsSettings};

const NAME: &str = "array.example.test";

fn node(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    println!("== storkit core tour ==");
    let nodes: Vec<IpAddr> = (11..=14).map(node).collect();
    let mock = MockServer::start(
        ServerConfig::new()
            .ips(nodes.clone())
            .tls(TlsSettings::new([NAME])),
        DemoApp::new(),
    )
    .await?;
    let dns = DnsServer::start(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    dns.set(NAME, nodes.clone());
    let tls = mock.tls().ok_or("the mock has no TLS")?;
    println!(
        "1. A mock storage system answers on {} nodes ({}), port {}, over TLS with a self-signed certificate.",
        nodes.len(),
        list(&nodes),
        mock.port()
    );
    println!(
        "   A DNS server on {} resolves {NAME} to those nodes.",
        dns.addr()
    );

    let fingerprint = tls.fingerprint_hex_colon();
    let client = Client::builder(format!("https://{NAME}:{}", mock.port()))
        .resolver(HickoryResolver::with_name_servers(&[dns.addr()])?)
        .tls(TlsPolicy::pinned([fingerprint.as_str()])?)
        .build()?;
    println!(
        "2. The client trusts the server by its SHA-256 fingerprint {}...",
        &fingerprint[..23]
    );

    println!("3. Round robin: eight requests, each to the next node.");
    for i in 1..=8 {
        let r = client.send(Request::get("/echo")).await?;
        let how = match r.timings().connect {
            Some(t) => format!("opened a connection in {:.1} ms", ms(t)),
            None => "reused the node's open connection".to_owned(),
        };
        println!(
            "   request {i}: node {} answered {} ({how})",
            r.node(),
            r.status().as_u16()
        );
    }
    let entry = mock.log().last().ok_or("empty log")?;
    println!(
        "   The server saw Host '{}' and TLS name '{}' although TCP went to {}.",
        entry.host.unwrap_or_default(),
        entry.sni.unwrap_or_default(),
        entry.node.ip()
    );

    println!("4. Failover: node {} dies.", node(12));
    mock.stop_node(node(12))?;
    mock.log().clear();
    for i in 1..=4 {
        let r = client
            .send(Request::post("/echo").body(format!("order {i}")))
            .await?;
        println!("   POST {i}: served by {}", r.node());
    }
    let set_aside: Vec<IpAddr> = client
        .nodes()
        .into_iter()
        .filter(|n| n.set_aside)
        .map(|n| n.ip)
        .collect();
    println!(
        "   The server received {} POSTs for 4 sent: none was sent twice. Set aside: {}.",
        mock.log().len(),
        list(&set_aside)
    );

    println!("5. Pinning: a client expecting another certificate refuses to talk.");
    let wrong = Client::builder(format!("https://{NAME}:{}", mock.port()))
        .resolver(HickoryResolver::with_name_servers(&[dns.addr()])?)
        .tls(TlsPolicy::pinned(["AB".repeat(32)])?)
        .build()?;
    match wrong.send(Request::get("/echo")).await {
        Ok(_) => return Err("a wrong pin was accepted".into()),
        Err(e) => println!("   refused: {e}"),
    }

    println!("6. A polled job: the server answers 202 and the job finishes on the 4th poll.");
    let accepted = client
        .send(Request::post("/jobs").query("after", "4"))
        .await?;
    let job: serde_json::Value = accepted.json()?;
    let job_path = job["self"].as_str().ok_or("no job URL")?.to_owned();
    println!("   HTTP {}: job at {job_path}", accepted.status().as_u16());
    let policy = PollPolicy::seeds().with_backoff(Backoff::exponential(
        Duration::from_millis(100),
        2.0,
        Duration::from_secs(1),
    ));
    let mut poller = Poller::new(policy);
    let done = poller
        .run(
            |_attempt| {
                let client = client.clone();
                let path = job_path.clone();
                async move {
                    let status: serde_json::Value =
                        client.send(Request::get(path)).await?.json()?;
                    let state = status["state"].as_str().unwrap_or("unknown").to_owned();
                    Ok::<_, storkit_core::Error>(if state == "succeeded" {
                        PollStep::Done(status)
                    } else {
                        PollStep::Pending(state)
                    })
                }
            },
            |event| {
                println!(
                    "   poll {}: {} (next look in {:?})",
                    event.attempt,
                    event.status,
                    event.next_wait.unwrap_or_default()
                );
            },
        )
        .await?;
    println!(
        "   job finished: state {} after {} polls",
        done["state"], done["polls"]
    );

    println!(
        "7. DNS changes: {NAME} now resolves to {} only.",
        list(&nodes[2..])
    );
    dns.set(NAME, nodes[2..].to_vec());
    let now = client.refresh_nodes().await?;
    println!("   After a refresh the client uses {}.", list(&now));
    let r = client.send(Request::get("/echo")).await?;
    println!("   next request: node {}", r.node());
    println!("== tour complete ==");
    Ok(())
}

fn list(ips: &[IpAddr]) -> String {
    if ips.is_empty() {
        return "none".to_owned();
    }
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
