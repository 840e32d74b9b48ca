//! The legacy default namespace `default.default.<domain>` (reference §9.1): no
//! authentication, `/fcfs_data` and `/fcfs_metadata`, the `X-Arc*` headers.

use http::Method;

use crate::support::{Hcp, N1, Reply, n_auth};

const DEFAULT: &str = "default.default.hcp1.example";
const ETAG: &str = "\"68791e1b03badd5e4eb9287660f67745\"";

async fn anonymous(hcp: &Hcp, method: Method, path: &str, data: &[u8]) -> Reply {
    // hcpsdk's DummyAuthorization header, which the namespace ignores.
    hcp.send(
        method,
        &hcp.data(0, path),
        &[("host", DEFAULT), ("hcpsdk_dummy", "DUMMY")],
        data,
    )
    .await
}

#[tokio::test]
async fn data_and_metadata_without_credentials() {
    let hcp = Hcp::start(&[208]).await;
    assert!(hcp.mock.fqdns().contains(&DEFAULT.to_owned()));
    let put = anonymous(
        &hcp,
        Method::PUT,
        "/fcfs_data/hcpsdk/test1.txt?index=true",
        b"This is an example",
    )
    .await;
    assert_eq!(put.status, 201);
    assert_eq!(put.header("location"), Some("/fcfs_data/hcpsdk/test1.txt"));
    assert_eq!(put.header("etag"), Some(ETAG));

    let head = anonymous(&hcp, Method::HEAD, "/fcfs_data/hcpsdk/test1.txt", b"").await;
    assert_eq!(head.status, 200);
    // hcpsdk's appendix, header for header.
    assert_eq!(
        head.names(),
        [
            "date",
            "server",
            "x-arcservicedbysystem",
            "x-arcclustertime",
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
            "x-arcpermissionsuidgid",
            "x-arctimes",
            "x-arcsize",
        ]
    );
    assert_eq!(head.header("x-arcservicedbysystem"), Some("hcp1.example"));
    assert_eq!(head.header("x-arcclustertime"), head.header("x-hcp-time"));
    assert_eq!(head.header("cache-control"), Some("no-cache,no-store"));
    assert_eq!(head.header("content-type"), Some("text/plain"));
    assert_eq!(head.header("content-length"), Some("18"));
    assert_eq!(
        head.header("x-arcpermissionsuidgid"),
        Some("mode=0100400; uid=0; gid=0")
    );
    let times = head.header("x-arctimes").unwrap();
    assert!(
        times.starts_with("ctime=") && times.contains("; mtime=") && times.contains("; atime="),
        "{times}"
    );
    assert_eq!(head.header("x-arcsize"), Some("18"));

    let get = anonymous(&hcp, Method::GET, "/fcfs_data/hcpsdk/test1.txt", b"").await;
    assert_eq!(&get.body[..], b"This is an example");
    let stored = hcp
        .mock
        .object("default", "/fcfs_data/hcpsdk/test1.txt")
        .unwrap();
    assert_eq!(stored.path, "/fcfs_data/hcpsdk/test1.txt");
    assert!(stored.index);
    let listing = anonymous(&hcp, Method::GET, "/fcfs_data/hcpsdk", b"")
        .await
        .text();
    assert!(listing.contains("path=\"/fcfs_data/hcpsdk\""), "{listing}");
    assert!(listing.contains("utf8Name=\"test1.txt\""), "{listing}");

    // Metadata files.
    let core = anonymous(
        &hcp,
        Method::GET,
        "/fcfs_metadata/hcpsdk/test1.txt/core-metadata.xml",
        b"",
    )
    .await;
    assert_eq!(core.status, 200);
    let core = core.text();
    assert!(
        core.contains("<size>18</size>") && core.contains("<index>true</index>"),
        "{core}"
    );
    let custom = "/fcfs_metadata/hcpsdk/test1.txt/custom-metadata.xml";
    assert_eq!(anonymous(&hcp, Method::GET, custom, b"").await.status, 404);
    assert_eq!(
        anonymous(&hcp, Method::PUT, custom, b"<m>1</m>")
            .await
            .status,
        201
    );
    assert_eq!(
        &anonymous(&hcp, Method::GET, custom, b"").await.body[..],
        b"<m>1</m>"
    );
    assert_eq!(
        &hcp.mock
            .object("default", "hcpsdk/test1.txt")
            .unwrap()
            .annotation("default")
            .unwrap()[..],
        b"<m>1</m>"
    );
    // An annotation may be larger than a form body (64 KiB): it is stored like /rest's.
    let large = format!("<m>{}</m>", "x".repeat(100 * 1024));
    assert_eq!(
        anonymous(&hcp, Method::PUT, custom, large.as_bytes())
            .await
            .status,
        201
    );
    assert_eq!(
        anonymous(&hcp, Method::GET, custom, b"").await.body.len(),
        large.len()
    );
    assert_eq!(
        anonymous(&hcp, Method::DELETE, custom, b"").await.status,
        200
    );
    assert_eq!(anonymous(&hcp, Method::GET, custom, b"").await.status, 404);
    assert_eq!(
        anonymous(
            &hcp,
            Method::GET,
            "/fcfs_metadata/hcpsdk/test1.txt/dpl.txt",
            b""
        )
        .await
        .status,
        404
    );
    assert_eq!(
        anonymous(
            &hcp,
            Method::GET,
            "/fcfs_metadata/nothing/core-metadata.xml",
            b""
        )
        .await
        .status,
        404
    );

    // Only the data and metadata trees; /rest is not served there.
    assert_eq!(
        anonymous(&hcp, Method::GET, "/rest/x", b"").await.status,
        404
    );
    assert_eq!(anonymous(&hcp, Method::GET, "/proc", b"").await.status, 404);
    assert_eq!(
        anonymous(&hcp, Method::DELETE, "/fcfs_data/hcpsdk/test1.txt", b"")
            .await
            .status,
        200
    );
    assert!(hcp.mock.object("default", "hcpsdk/test1.txt").is_none());
    // Authenticated namespaces still want credentials.
    assert_eq!(
        hcp.send(Method::HEAD, &hcp.data(0, "/rest/x"), &[("host", N1)], b"")
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn the_legacy_namespace_can_be_left_out() {
    let hcp = Hcp::with(&[209], |c| c.legacy_default_namespace(false)).await;
    assert!(!hcp.mock.fqdns().contains(&DEFAULT.to_owned()));
    // The Host then names no namespace and goes to the configured default (n1), which
    // has no /fcfs_data and wants credentials.
    assert_eq!(
        anonymous(&hcp, Method::PUT, "/fcfs_data/x", b"x")
            .await
            .status,
        404
    );
    assert_eq!(
        anonymous(&hcp, Method::PUT, "/rest/x", b"x").await.status,
        403
    );
    let auth = n_auth();
    let put = hcp
        .send(
            Method::PUT,
            &hcp.data(0, "/rest/x"),
            &[("host", DEFAULT), ("authorization", &auth)],
            b"x",
        )
        .await;
    assert_eq!(put.status, 201);
    assert!(hcp.mock.object("n1", "x").is_some());
}
