//! Objects, directories and custom metadata under `/rest`.

use bytes::Bytes;
use http::Method;
use storkit_mock::body;

use crate::support::{Hcp, N1, n_auth};

const HASH: &str = "SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117";
const ETAG: &str = "\"68791e1b03badd5e4eb9287660f67745\"";

#[tokio::test]
async fn put_head_get_delete_with_the_reference_vectors() {
    let hcp = Hcp::start(&[1]).await;
    let put = hcp
        .n1(
            Method::PUT,
            "/rest/hcpsdk/test1.txt?index=true&shred=true",
            b"This is an example",
        )
        .await;
    assert_eq!(put.status, 201);
    assert_eq!(put.header("x-hcp-hash"), Some(HASH));
    assert_eq!(put.header("etag"), Some(ETAG));
    assert_eq!(put.header("location"), Some("/rest/hcpsdk/test1.txt"));
    assert!(
        put.header("x-hcp-versionid")
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert!(put.header("x-hcp-ingesttimemilliseconds").unwrap().len() >= 13);
    assert_eq!(put.header("content-length"), Some("0"));

    let again = hcp.n1(Method::PUT, "/rest/hcpsdk/test1.txt", b"x").await;
    assert_eq!(again.status, 409);
    assert!(again.header("x-hcp-errormessage").is_some());

    let head = hcp.n1(Method::HEAD, "/rest/hcpsdk/test1.txt", b"").await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let names = head.names();
    let expected = [
        "date",
        "server",
        "x-requestid",
        "x-hcp-servicedbysystem",
        "x-hcp-time",
        "x-hcp-softwareversion",
        "etag",
        "cache-control",
        "pragma",
        "expires",
        "content-type",
        "content-length",
        "x-hcp-type",
        "x-hcp-size",
        "x-hcp-hash",
        "x-hcp-versionid",
        "x-hcp-ingesttime",
        "x-hcp-retentionclass",
        "x-hcp-retentionstring",
        "x-hcp-retention",
        "x-hcp-ingestprotocol",
        "x-hcp-retentionhold",
        "x-hcp-shred",
        "x-hcp-dpl",
        "x-hcp-index",
        "x-hcp-custom-metadata",
        "x-hcp-acl",
        "x-hcp-owner",
        "x-hcp-domain",
        "x-hcp-uid",
        "x-hcp-gid",
        "x-hcp-custommetadataannotations",
        "x-hcp-replicated",
        "x-hcp-replicationcollision",
        "x-hcp-changetimemilliseconds",
        "x-hcp-changetimestring",
        "last-modified",
    ];
    assert_eq!(names, expected);
    assert_eq!(head.header("content-length"), Some("18"));
    assert_eq!(head.header("content-type"), Some("text/plain"));
    assert_eq!(head.header("x-hcp-size"), Some("18"));
    assert_eq!(head.header("x-hcp-hash"), Some(HASH));
    assert_eq!(head.header("etag"), Some(ETAG));
    assert_eq!(head.header("server"), Some("HCP V7.1.0.10"));
    assert_eq!(head.header("x-hcp-servicedbysystem"), Some("hcp1.example"));
    assert_eq!(head.header("x-hcp-shred"), Some("true"));
    assert_eq!(head.header("x-hcp-index"), Some("true"));
    assert_eq!(
        head.header("x-hcp-retentionstring"),
        Some("Deletion Allowed")
    );
    assert_eq!(head.header("x-hcp-owner"), Some("n"));
    assert_eq!(head.header("x-hcp-retentionclass"), Some(""));
    let id = head.header("x-requestid").unwrap();
    assert!(
        id.len() == 16
            && id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase())
    );
    assert!(
        head.header("x-hcp-changetimemilliseconds")
            .unwrap()
            .ends_with(".00")
    );

    let get = hcp.n1(Method::GET, "/rest/hcpsdk/test1.txt", b"").await;
    assert_eq!(get.status, 200);
    assert_eq!(&get.body[..], b"This is an example");
    assert_eq!(get.header("x-hcp-type"), Some("object"));

    let stored = hcp.mock.object("n1", "/rest/hcpsdk/test1.txt").unwrap();
    assert_eq!(stored.sha256(), HASH.trim_start_matches("SHA-256 "));
    assert_eq!(stored.hash_header(), HASH);
    assert!(stored.shred && stored.index);

    let delete = hcp.n1(Method::DELETE, "/rest/hcpsdk/test1.txt", b"").await;
    assert_eq!(delete.status, 200);
    assert!(hcp.mock.object("n1", "/rest/hcpsdk/test1.txt").is_none());
    assert_eq!(
        hcp.n1(Method::DELETE, "/rest/hcpsdk/test1.txt", b"")
            .await
            .status,
        404
    );
    assert_eq!(
        hcp.n1(Method::GET, "/rest/hcpsdk/test1.txt", b"")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn chunked_uploads_are_stored_whole() {
    let hcp = Hcp::start(&[2]).await;
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        (0..50u8).map(|i| Ok(Bytes::from(vec![i; 1000]))).collect();
    let auth = n_auth();
    let put = hcp
        .send_body(
            Method::PUT,
            &hcp.data(0, "/rest/big/chunked.bin"),
            &[("host", N1), ("authorization", &auth)],
            body::stream(futures_stream(chunks)),
        )
        .await;
    assert_eq!(put.status, 201);
    let logged = hcp.mock.server().log().entries();
    let request = logged.last().unwrap();
    assert!(request.headers.get("content-length").is_none());
    assert_eq!(request.headers["transfer-encoding"], "chunked");
    let stored = hcp.mock.object("n1", "/rest/big/chunked.bin").unwrap();
    assert_eq!(stored.size(), 50_000);
    assert_eq!(stored.data[49_999], 49);
    assert!(hcp.mock.is_directory("n1", "/rest/big"));
}

fn futures_stream(
    items: Vec<Result<Bytes, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    struct Iter<I>(I);
    impl<I: Iterator + Unpin> futures_core::Stream for Iter<I> {
        type Item = I::Item;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<I::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Iter(items.into_iter())
}

#[tokio::test]
async fn directories_and_listings() {
    let hcp = Hcp::start(&[3]).await;
    assert_eq!(
        hcp.n1(Method::PUT, "/rest/d1/sub?type=directory", b"")
            .await
            .status,
        201
    );
    assert!(hcp.mock.is_directory("n1", "/rest/d1"));
    assert_eq!(
        hcp.n1(Method::PUT, "/rest/d1/sub?type=directory", b"")
            .await
            .status,
        409
    );
    hcp.n1(Method::PUT, "/rest/d1/a%20%C3%A9.txt", b"12345")
        .await;
    assert_eq!(hcp.n1(Method::PUT, "/rest/d1/sub", b"x").await.status, 409);

    let list = hcp.n1(Method::GET, "/rest/d1", b"").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("x-hcp-type"), Some("directory"));
    assert_eq!(list.header("content-type"), Some("text/xml"));
    let xml = list.text();
    assert!(xml.contains("<directory "), "{xml}");
    assert!(xml.contains("path=\"/rest/d1\""), "{xml}");
    assert!(
        xml.contains("urlName=\"a%20%C3%A9.txt\" utf8Name=\"a é.txt\" type=\"object\" size=\"5\""),
        "{xml}"
    );
    assert!(xml.contains("utf8Name=\"sub\" type=\"directory\""), "{xml}");
    assert!(xml.contains("hashScheme=\"SHA-256\""), "{xml}");

    // A non-empty directory cannot go; an empty one can.
    assert_eq!(hcp.n1(Method::DELETE, "/rest/d1", b"").await.status, 403);
    assert_eq!(
        hcp.n1(Method::DELETE, "/rest/d1/sub", b"").await.status,
        200
    );
    assert!(!hcp.mock.is_directory("n1", "/rest/d1/sub"));
    let root = hcp.n1(Method::GET, "/rest", b"").await;
    assert!(root.text().contains("utf8Name=\"d1\""));
}

#[tokio::test]
async fn custom_metadata_with_annotations() {
    let hcp = Hcp::start(&[4]).await;
    hcp.n1(Method::PUT, "/rest/cm.txt", b"data").await;
    assert_eq!(
        hcp.n1(Method::GET, "/rest/cm.txt?type=custom-metadata", b"")
            .await
            .status,
        204
    );
    let annotation = b"<meta a=\"1\"/>";
    assert_eq!(
        hcp.n1(Method::PUT, "/rest/cm.txt?type=custom-metadata", annotation)
            .await
            .status,
        201
    );
    assert_eq!(
        hcp.n1(
            Method::PUT,
            "/rest/cm.txt?type=custom-metadata&annotation=second",
            b"<b/>"
        )
        .await
        .status,
        201
    );
    let got = hcp
        .n1(Method::GET, "/rest/cm.txt?type=custom-metadata", b"")
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(&got.body[..], annotation);
    let second = hcp
        .n1(
            Method::GET,
            "/rest/cm.txt?type=custom-metadata&annotation=second",
            b"",
        )
        .await;
    assert_eq!(&second.body[..], b"<b/>");
    let head = hcp.n1(Method::HEAD, "/rest/cm.txt", b"").await;
    assert_eq!(head.header("x-hcp-custom-metadata"), Some("true"));
    assert_eq!(
        head.header("x-hcp-custommetadataannotations"),
        Some("default;13,second;4")
    );
    assert_eq!(
        hcp.n1(Method::PUT, "/rest/missing?type=custom-metadata", b"<x/>")
            .await
            .status,
        404
    );
    assert_eq!(
        hcp.n1(
            Method::PUT,
            "/rest/cm.txt?type=custom-metadata&annotation=bad%20name",
            b"<x/>"
        )
        .await
        .status,
        400
    );
    assert_eq!(
        hcp.n1(
            Method::DELETE,
            "/rest/cm.txt?type=custom-metadata&annotation=second",
            b""
        )
        .await
        .status,
        200
    );
    assert_eq!(
        hcp.mock
            .object("n1", "cm.txt")
            .unwrap()
            .custom_metadata
            .len(),
        1
    );
}

#[tokio::test]
async fn unicode_and_raw_names_decode_once() {
    let hcp = Hcp::start(&[5]).await;
    // hcpsdk's double encoding of `%20` next to a blank names an object with a literal `%20`.
    assert_eq!(
        hcp.n1(Method::PUT, "/rest/a%2520b%20c.txt", b"1")
            .await
            .status,
        201
    );
    assert!(hcp.mock.object("n1", "/rest/a%20b c.txt").is_some());
    assert_eq!(
        hcp.n1(Method::PUT, "/rest/%E6%97%A5%E6%9C%AC/a+b.txt", b"2")
            .await
            .status,
        201
    );
    assert!(hcp.mock.object("n1", "/rest/日本/a+b.txt").is_some());

    // Raw `<`, `>` and a backtick, as hcpsdk sends them, through a raw socket.
    let auth = n_auth();
    let request = format!(
        "PUT /rest/raw/x<y>`z HTTP/1.1\r\nHost: {N1}\r\nAuthorization: {auth}\r\n\
         Content-Length: 3\r\nConnection: close\r\n\r\nabc"
    );
    let addr = hcp.mock.server().listener_addrs(hcp.mock.data_listener())[0];
    let answer = crate::support::raw_tls(addr, &hcp.mock.ca_pem(), request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(
        answer.contains("location: /rest/raw/x%3Cy%3E%60z"),
        "{answer}"
    );
    assert_eq!(
        &hcp.mock.object("n1", "/rest/raw/x<y>`z").unwrap().data[..],
        b"abc"
    );
    assert_eq!(hcp.mock.object_paths("n1").len(), 3);
}

#[tokio::test]
async fn system_metadata_retention_and_hold() {
    let hcp = Hcp::start(&[6]).await;
    hcp.n1(
        Method::PUT,
        "/rest/r.txt?retention=A%2B10y&shred=true",
        b"keep",
    )
    .await;
    let head = hcp.n1(Method::HEAD, "/rest/r.txt", b"").await;
    assert_ne!(head.header("x-hcp-retention"), Some("0"));
    assert!(head.header("x-hcp-retentionstring").unwrap().contains('T'));
    assert_eq!(hcp.n1(Method::DELETE, "/rest/r.txt", b"").await.status, 403);
    assert_eq!(
        hcp.n1(Method::DELETE, "/rest/r.txt?privileged=true", b"")
            .await
            .status,
        400
    );
    // POST validation (reference §9.5).
    assert_eq!(
        hcp.n1(Method::POST, "/rest/r.txt?shred=false", b"")
            .await
            .status,
        400
    );
    assert_eq!(
        hcp.n1(Method::POST, "/rest/r.txt?hold=true&retention=0", b"")
            .await
            .status,
        400
    );
    assert_eq!(
        hcp.n1(Method::POST, "/rest/r.txt?index=maybe", b"")
            .await
            .status,
        400
    );
    assert_eq!(
        hcp.n1(Method::POST, "/rest/nothing?index=true", b"")
            .await
            .status,
        404
    );
    assert_eq!(
        hcp.n1(Method::POST, "/rest/r.txt?hold=true", b"")
            .await
            .status,
        200
    );
    assert!(hcp.mock.object("n1", "r.txt").unwrap().hold);
    assert_eq!(
        hcp.n1(Method::POST, "/rest/r.txt?retention=0", b"")
            .await
            .status,
        400
    );
    assert_eq!(
        hcp.n1(
            Method::DELETE,
            "/rest/r.txt?privileged=true&reason=a+b",
            b""
        )
        .await
        .status,
        403
    );
    assert_eq!(
        hcp.n1(Method::POST, "/rest/r.txt?hold=false", b"")
            .await
            .status,
        200
    );
    // The form-encoded body works as the query does.
    let auth = n_auth();
    let delete = hcp
        .send(
            Method::DELETE,
            &hcp.data(0, "/rest/r.txt"),
            &[
                ("host", N1),
                ("authorization", &auth),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            b"privileged=true&reason=test+cleanup",
        )
        .await;
    assert_eq!(delete.status, 200);
    assert!(hcp.mock.object("n1", "r.txt").is_none());

    hcp.n1(Method::PUT, "/rest/c.txt?retention=C%2BTAX_DATA", b"x")
        .await;
    let head = hcp.n1(Method::HEAD, "/rest/c.txt", b"").await;
    assert_eq!(head.header("x-hcp-retentionclass"), Some("TAX_DATA"));
    assert_eq!(
        hcp.n1(Method::PUT, "/rest/bad.txt?retention=someday", b"x")
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn ranges() {
    let hcp = Hcp::start(&[7]).await;
    hcp.n1(Method::PUT, "/rest/r.bin", b"0123456789").await;
    let auth = n_auth();
    let get = |range: &'static str| {
        let auth = auth.clone();
        let hcp = &hcp;
        async move {
            hcp.send(
                Method::GET,
                &hcp.data(0, "/rest/r.bin"),
                &[("host", N1), ("authorization", &auth), ("range", range)],
                b"",
            )
            .await
        }
    };
    let part = get("bytes=2-4").await;
    assert_eq!(part.status, 206);
    assert_eq!(&part.body[..], b"234");
    assert_eq!(part.header("content-range"), Some("bytes 2-4/10"));
    assert_eq!(&get("bytes=-3").await.body[..], b"789");
    assert_eq!(&get("bytes=8-").await.body[..], b"89");
    assert_eq!(get("bytes=20-30").await.status, 416);
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let hcp = Hcp::with(&[8], |c| c.max_object_size(10)).await;
    assert_eq!(
        hcp.n1(Method::PUT, "/rest/small", b"0123456789")
            .await
            .status,
        201
    );
    assert_eq!(
        hcp.n1(Method::PUT, "/rest/large", b"0123456789a")
            .await
            .status,
        413
    );
    assert!(hcp.mock.object("n1", "large").is_none());
    assert_eq!(hcp.n1(Method::PATCH, "/rest/small", b"").await.status, 405);
    assert_eq!(hcp.n1(Method::GET, "/other", b"").await.status, 404);
}
