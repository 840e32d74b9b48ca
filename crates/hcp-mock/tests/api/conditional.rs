//! Conditional reads (`If-Match`, `If-None-Match`, `If-Modified-Since`,
//! `If-Unmodified-Since`) and how they combine with `Range`.

use http::Method;

use crate::support::{Hcp, N1, Reply, n_auth};

const ETAG: &str = "\"68791e1b03badd5e4eb9287660f67745\"";

async fn get_with(hcp: &Hcp, method: Method, headers: &[(&str, &str)]) -> Reply {
    let auth = n_auth();
    let mut all = vec![("host", N1), ("authorization", auth.as_str())];
    all.extend_from_slice(headers);
    hcp.send(method, &hcp.data(0, "/rest/c.txt"), &all, b"")
        .await
}

#[tokio::test]
async fn etags_and_dates_give_304_and_412() {
    let hcp = Hcp::start(&[205]).await;
    hcp.n1(Method::PUT, "/rest/c.txt", b"This is an example")
        .await;
    let head = hcp.n1(Method::HEAD, "/rest/c.txt", b"").await;
    let last_modified = head.header("last-modified").unwrap().to_owned();
    assert_eq!(head.header("etag"), Some(ETAG));

    // If-None-Match with the current ETag: 304 with the validators and no body.
    for method in [Method::GET, Method::HEAD] {
        let r = get_with(&hcp, method.clone(), &[("if-none-match", ETAG)]).await;
        assert_eq!(r.status, 304, "{method}");
        assert!(r.body.is_empty());
        assert_eq!(r.header("etag"), Some(ETAG));
        assert_eq!(r.header("last-modified"), Some(last_modified.as_str()));
    }
    let weak = format!("\"other\", W/{ETAG}");
    assert_eq!(
        get_with(&hcp, Method::GET, &[("if-none-match", &weak)])
            .await
            .status,
        304
    );
    assert_eq!(
        get_with(&hcp, Method::GET, &[("if-none-match", "*")])
            .await
            .status,
        304
    );
    let fresh = get_with(&hcp, Method::GET, &[("if-none-match", "\"other\"")]).await;
    assert_eq!(
        (fresh.status.as_u16(), &fresh.body[..]),
        (200, &b"This is an example"[..])
    );

    // If-Match: served when it matches, 412 otherwise (strong comparison).
    assert_eq!(
        get_with(&hcp, Method::GET, &[("if-match", ETAG)])
            .await
            .status,
        200
    );
    let failed = get_with(&hcp, Method::GET, &[("if-match", "\"other\"")]).await;
    assert_eq!(failed.status, 412);
    assert!(failed.header("x-hcp-errormessage").is_some());
    let weak_only = format!("W/{ETAG}");
    assert_eq!(
        get_with(&hcp, Method::GET, &[("if-match", &weak_only)])
            .await
            .status,
        412
    );

    // Dates: not modified since the last change → 304; modified since a day before → 200.
    let before = "Thu, 01 Jan 2015 00:00:00 GMT";
    assert_eq!(
        get_with(&hcp, Method::GET, &[("if-modified-since", &last_modified)])
            .await
            .status,
        304
    );
    assert_eq!(
        get_with(&hcp, Method::GET, &[("if-modified-since", before)])
            .await
            .status,
        200
    );
    assert_eq!(
        get_with(&hcp, Method::GET, &[("if-modified-since", "not a date")])
            .await
            .status,
        200
    );
    assert_eq!(
        get_with(&hcp, Method::GET, &[("if-unmodified-since", before)])
            .await
            .status,
        412
    );
    assert_eq!(
        get_with(
            &hcp,
            Method::GET,
            &[("if-unmodified-since", &last_modified)]
        )
        .await
        .status,
        200
    );

    // RFC 9110 order: If-None-Match decides over If-Modified-Since, If-Match over
    // If-Unmodified-Since, and a failed If-Match over everything.
    let r = get_with(
        &hcp,
        Method::GET,
        &[
            ("if-none-match", "\"other\""),
            ("if-modified-since", &last_modified),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = get_with(
        &hcp,
        Method::GET,
        &[("if-match", ETAG), ("if-unmodified-since", before)],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = get_with(
        &hcp,
        Method::GET,
        &[("if-match", "\"x\""), ("if-none-match", ETAG)],
    )
    .await;
    assert_eq!(r.status, 412);

    // Preconditions come before the range.
    let r = get_with(
        &hcp,
        Method::GET,
        &[("if-none-match", ETAG), ("range", "bytes=0-3")],
    )
    .await;
    assert_eq!(r.status, 304);
    let r = get_with(
        &hcp,
        Method::GET,
        &[("if-match", ETAG), ("range", "bytes=0-3")],
    )
    .await;
    assert_eq!((r.status.as_u16(), &r.body[..]), (206, &b"This"[..]));
    assert_eq!(r.header("content-range"), Some("bytes 0-3/18"));
    let r = get_with(&hcp, Method::GET, &[("range", "bytes=18-")]).await;
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */18"));
}
