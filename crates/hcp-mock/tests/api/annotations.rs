//! `type=custom-metadata-info` (the annotation list) and `type=whole-object` (data and an
//! annotation in one body).

use http::Method;

use crate::support::{Hcp, N1, n_auth};

const HASH: &str = "SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117";

#[tokio::test]
async fn the_annotation_list() {
    let hcp = Hcp::start(&[206]).await;
    hcp.n1(Method::PUT, "/rest/a.txt", b"data").await;
    let none = hcp
        .n1(Method::GET, "/rest/a.txt?type=custom-metadata-info", b"")
        .await;
    assert_eq!(none.status, 204, "no annotation yet");
    hcp.n1(
        Method::PUT,
        "/rest/a.txt?type=custom-metadata",
        b"This is an example",
    )
    .await;
    hcp.n1(
        Method::PUT,
        "/rest/a.txt?type=custom-metadata&annotation=.metapairs",
        b"<m/>",
    )
    .await;
    let info = hcp
        .n1(Method::GET, "/rest/a.txt?type=custom-metadata-info", b"")
        .await;
    assert_eq!(info.status, 200);
    assert_eq!(info.header("content-type"), Some("text/xml"));
    let xml = info.text();
    assert!(
        xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<annotations>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "<annotation>\n<name>default</name>\n<hash>{HASH}</hash>\n<changeTimeMilliseconds>"
        )),
        "{xml}"
    );
    assert!(
        xml.contains("<size>18</size>\n<contentType>unknown</contentType>"),
        "{xml}"
    );
    assert!(
        xml.contains("<name>.metapairs</name>") && xml.contains("<size>4</size>"),
        "{xml}"
    );
    assert_eq!(xml.matches("<annotation>").count(), 2);
    let ms = xml
        .split("<changeTimeMilliseconds>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap();
    assert!(ms.ends_with(".00") && ms.len() >= 16, "{ms}");
    let head = hcp
        .n1(Method::HEAD, "/rest/a.txt?type=custom-metadata-info", b"")
        .await;
    assert_eq!((head.status.as_u16(), head.body.is_empty()), (200, true));
    assert_eq!(
        hcp.n1(Method::GET, "/rest/none.txt?type=custom-metadata-info", b"")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn whole_object_put_and_get() {
    let hcp = Hcp::start(&[207]).await;
    let auth = n_auth();
    let send = |method: Method,
                path: &'static str,
                extra: &[(&'static str, &'static str)],
                body: &'static [u8]| {
        let mut headers = vec![("host", N1), ("authorization", auth.as_str())];
        headers.extend_from_slice(extra);
        let hcp = &hcp;
        async move { hcp.send(method, &hcp.data(0, path), &headers, body).await }
    };

    // PUT: X-HCP-Size is the data's part; the rest is the annotation.
    let put = send(
        Method::PUT,
        "/rest/w.txt?type=whole-object",
        &[("x-hcp-size", "18")],
        b"This is an example<a>1</a>",
    )
    .await;
    assert_eq!(put.status, 201);
    assert_eq!(put.header("x-hcp-hash"), Some(HASH));
    assert!(
        put.header("x-hcp-custommetadatahash")
            .unwrap()
            .starts_with("SHA-256 ")
    );
    let stored = hcp.mock.object("n1", "w.txt").unwrap();
    assert_eq!(&stored.data[..], b"This is an example");
    assert_eq!(&stored.annotation("default").unwrap()[..], b"<a>1</a>");

    // Annotation first, to a named annotation.
    let put = send(
        Method::PUT,
        "/rest/w2.txt?type=whole-object&annotation=second",
        &[("x-hcp-size", "4"), ("x-hcp-custommetadatafirst", "true")],
        b"<b/>DATA",
    )
    .await;
    assert_eq!(put.status, 201);
    let stored = hcp.mock.object("n1", "w2.txt").unwrap();
    assert_eq!(&stored.data[..], b"DATA");
    assert_eq!(&stored.annotation("second").unwrap()[..], b"<b/>");

    for (size, why) in [
        (None, "no X-HCP-Size"),
        (Some("99"), "larger than the body"),
        (Some("x"), "not a number"),
    ] {
        let extra: Vec<(&str, &str)> = size.map(|s| ("x-hcp-size", s)).into_iter().collect();
        let r = send(
            Method::PUT,
            "/rest/bad.txt?type=whole-object",
            &extra,
            b"abc",
        )
        .await;
        assert_eq!(r.status, 400, "{why}");
        assert!(r.header("x-hcp-errormessage").is_some());
    }
    assert!(hcp.mock.object("n1", "bad.txt").is_none());

    // GET: data then annotation by default; the sizes say where one ends.
    let get = send(Method::GET, "/rest/w.txt?type=whole-object", &[], b"").await;
    assert_eq!(get.status, 200);
    assert_eq!(&get.body[..], b"This is an example<a>1</a>");
    assert_eq!(get.header("content-length"), Some("26"));
    assert_eq!(get.header("x-hcp-size"), Some("18"));
    assert_eq!(get.header("x-hcp-hash"), Some(HASH));
    assert_eq!(get.header("x-hcp-custommetadatafirst"), Some("false"));
    assert_eq!(
        get.header("x-hcp-custommetadatacontenttype"),
        Some("unknown")
    );
    let first = send(
        Method::GET,
        "/rest/w.txt?type=whole-object",
        &[("x-hcp-custommetadatafirst", "true")],
        b"",
    )
    .await;
    assert_eq!(&first.body[..], b"<a>1</a>This is an example");
    assert_eq!(first.header("x-hcp-custommetadatafirst"), Some("true"));
    let named = send(
        Method::GET,
        "/rest/w2.txt?type=whole-object&annotation=second",
        &[],
        b"",
    )
    .await;
    assert_eq!(&named.body[..], b"DATA<b/>");
    // No such annotation: the data alone.
    let plain = send(Method::GET, "/rest/w2.txt?type=whole-object", &[], b"").await;
    assert_eq!(&plain.body[..], b"DATA");
    assert_eq!(plain.header("x-hcp-custommetadatafirst"), None);
    let head = send(Method::HEAD, "/rest/w.txt?type=whole-object", &[], b"").await;
    assert_eq!(
        (head.header("content-length"), head.body.len()),
        (Some("26"), 0)
    );
}
