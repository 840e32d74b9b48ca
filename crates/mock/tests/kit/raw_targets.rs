//! Raw request targets (`<`, `>`, `` ` ``, `"`, `{`, `}`, `|`, `^`, `\`) on keep-alive
//! connections, plain and TLS; body length and hash in the log; the router and the body limit
//! inside a handler.

use std::sync::Arc;

use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use storkit_mock::router::Router;
use storkit_mock::{Ctx, MockBody, MockServer, ServerConfig, TlsSettings, body, limit, reply};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::support::{ip3, plain_client, raw_exchange, send, sha256_hex, tls_connect};

#[derive(Debug, Clone, Copy)]
enum Route {
    Link,
    Upload,
    Small,
}

/// A handler routing with the kit's router; answers what it saw as `key=value` lines.
fn handler() -> impl storkit_mock::Handler {
    let router = Arc::new(
        Router::new()
            .route(
                Method::GET,
                "/mapi/services/replication/links/{link}",
                Route::Link,
            )
            .unwrap()
            .route(
                Method::POST,
                "/mapi/services/replication/links/{link}",
                Route::Link,
            )
            .unwrap()
            .route(Method::PUT, "/rest/{*path}", Route::Upload)
            .unwrap()
            .route(Method::POST, "/small", Route::Small)
            .unwrap(),
    );
    move |req: Request<Incoming>, ctx: Ctx| {
        let router = Arc::clone(&router);
        async move { answer(&router, req, ctx).await }
    }
}

async fn answer(router: &Router<Route>, req: Request<Incoming>, ctx: Ctx) -> Response<MockBody> {
    let found = match router.find_request(&req) {
        Ok(found) => found,
        Err(miss) => return miss.response(),
    };
    let route = *found.value;
    let param = found.params.iter().next().map(|(_, v)| v.to_owned());
    let target = req.uri().to_string();
    let len = match route {
        Route::Small => match limit::read_request(req, 1024).await {
            Ok((_, bytes)) => bytes.len(),
            Err(error) => return error.response(),
        },
        Route::Link | Route::Upload => req.into_body().collect().await.unwrap().to_bytes().len(),
    };
    reply::text(
        StatusCode::OK,
        format!(
            "route={route:?}\nparam={}\ntarget={target}\nraw={}\nlen={len}\nconn={}",
            param.unwrap_or_default(),
            ctx.raw_target.unwrap_or_default(),
            ctx.conn_id
        ),
    )
}

fn text(reply: &crate::support::RawReply) -> &str {
    std::str::from_utf8(&reply.body).unwrap()
}

/// Three requests on one connection: a POST whose body looks like a request line with raw
/// bytes (so rewriting it would change its hash), a chunked PUT, and a GET.
async fn three_requests<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, server: &MockServer) {
    let link = "hcp1--<-->--hcp2";
    let fake_line = b"GET /<a>`|^ HTTP/1.1\r\n\r\n";
    let mut post = format!(
        "POST /mapi/services/replication/links/{link}?x=\"{{a|b}}\"^\\ HTTP/1.1\r\n\
         Host: admin.hcp1.example\r\nContent-Length: {}\r\n\r\n",
        fake_line.len()
    )
    .into_bytes();
    post.extend_from_slice(fake_line);
    let first = raw_exchange(stream, &post).await;
    assert_eq!(first.status, 200, "{}", first.head);
    let first_text = text(&first).to_owned();
    assert!(
        first_text.contains("route=Link\nparam=hcp1--<-->--hcp2\n"),
        "{first_text}"
    );
    // What the handler routes on: the same text once percent-decoded.
    assert!(
        first_text.contains(
            "target=/mapi/services/replication/links/hcp1--%3C--%3E--hcp2?x=%22%7Ba%7Cb%7D%22%5E%5C\n"
        ),
        "{first_text}"
    );
    assert!(
        first_text
            .contains("raw=/mapi/services/replication/links/hcp1--<-->--hcp2?x=\"{a|b}\"^\\\n"),
        "{first_text}"
    );
    assert!(first_text.contains(&format!("len={}\n", fake_line.len())));

    let second = raw_exchange(
        stream,
        b"PUT /rest/dir/a`b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
          5\r\nGET /\r\n3\r\n<>\n\r\n0\r\n\r\n",
    )
    .await;
    assert_eq!(second.status, 200, "{}", second.head);
    assert!(
        text(&second).contains("param=dir/a`b\ntarget=/rest/dir/a%60b\nraw=/rest/dir/a`b\nlen=8\n"),
        "{}",
        text(&second)
    );

    let third = raw_exchange(
        stream,
        b"GET /mapi/services/replication/links/a%3Cb> HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await;
    assert_eq!(third.status, 200, "{}", third.head);
    assert!(
        text(&third).contains("param=a<b>\ntarget=/mapi/services/replication/links/a%3Cb%3E\n")
    );

    // All three on one connection, each logged with its raw line and its body.
    assert!(
        server
            .log()
            .wait_for(3, std::time::Duration::from_secs(2))
            .await
    );
    let log = server.log().entries();
    let log = &log[log.len() - 3..];
    assert!(log.iter().all(|e| e.conn_id == log[0].conn_id));
    assert_eq!(
        log[0].raw_line.as_deref(),
        Some("POST /mapi/services/replication/links/hcp1--<-->--hcp2?x=\"{a|b}\"^\\ HTTP/1.1")
    );
    assert_eq!(
        log[0].path,
        "/mapi/services/replication/links/hcp1--%3C--%3E--hcp2"
    );
    assert_eq!(log[0].query.as_deref(), Some("x=%22%7Ba%7Cb%7D%22%5E%5C"));
    assert_eq!(log[0].body_len, Some(fake_line.len() as u64));
    assert_eq!(
        log[0].body_sha256.as_deref(),
        Some(sha256_hex(fake_line).as_str())
    );
    assert_eq!(log[1].raw_target.as_deref(), Some("/rest/dir/a`b"));
    assert_eq!(log[1].body_len, Some(8));
    assert_eq!(
        log[1].body_sha256.as_deref(),
        Some(sha256_hex(b"GET /<>\n").as_str())
    );
    assert_eq!(
        log[2].raw_target.as_deref(),
        Some("/mapi/services/replication/links/a%3Cb>")
    );
    assert_eq!(log[2].body_len, Some(0));
    assert_eq!(
        log[2].body_sha256.as_deref(),
        Some(sha256_hex(b"").as_str())
    );
    assert_eq!(server.connection(log[0].conn_id).unwrap().requests, 3);
}

#[tokio::test]
async fn raw_targets_on_one_plain_keep_alive_connection() {
    let server = MockServer::start(ServerConfig::new().ips([ip3(1)]), handler())
        .await
        .unwrap();
    let mut tcp = TcpStream::connect(server.addrs()[0]).await.unwrap();
    three_requests(&mut tcp, &server).await;
}

#[tokio::test]
async fn raw_targets_over_tls() {
    let server = MockServer::start(
        ServerConfig::new()
            .ips([ip3(2)])
            .tls(TlsSettings::new(["admin.hcp1.example"])),
        handler(),
    )
    .await
    .unwrap();
    let ca = server.tls().unwrap().ca_pem();
    let mut tls = tls_connect(server.addrs()[0], &ca, "admin.hcp1.example")
        .await
        .unwrap();
    three_requests(&mut tls, &server).await;
    assert_eq!(server.connections().len(), 1);
}

#[tokio::test]
async fn router_misses_and_the_body_limit_inside_a_handler() {
    let server = MockServer::start(ServerConfig::new().ips([ip3(1)]), handler())
        .await
        .unwrap();
    let client = plain_client();
    let url = server.url();

    let reply = send(
        &client,
        Method::DELETE,
        &format!("{url}/small"),
        body::empty(),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "POST");
    let reply = crate::support::get(&client, &format!("{url}/nowhere"))
        .await
        .unwrap();
    assert_eq!(reply.status, 404);

    let reply = send(
        &client,
        Method::POST,
        &format!("{url}/small"),
        body::pattern(1024),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
    assert!(reply.text().contains("len=1024"));
    // Announced too large: refused before reading.
    let reply = send(
        &client,
        Method::POST,
        &format!("{url}/small"),
        body::pattern(1025),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.text(),
        r#"{"error":"request body too large","limit":1024}"#
    );
    // Chunked, no length announced: refused once too much arrived.
    let chunks = futures_stream(vec![vec![1u8; 600], vec![2u8; 600]]);
    let reply = send(
        &plain_client(),
        Method::POST,
        &format!("{url}/small"),
        body::stream(chunks),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 413);
    assert_eq!(reply.headers["connection"], "close");
}

/// A stream of owned chunks.
fn futures_stream(
    chunks: Vec<Vec<u8>>,
) -> impl futures_core::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
    struct Chunks(std::vec::IntoIter<Vec<u8>>);
    impl futures_core::Stream for Chunks {
        type Item = Result<bytes::Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next().map(|c| Ok(bytes::Bytes::from(c))))
        }
    }
    Chunks(chunks.into_iter())
}
