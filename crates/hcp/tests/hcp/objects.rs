//! Object I/O: the manual's sample flow, hashes checked both ways, resends, names.

use bytes::Bytes;
use storkit_core::http::Method;
use storkit_hcp::{
    DeleteOptions, ErrorKind, GetOptions, HcpError, HcpErrorExt, PutBody, PutOptions,
    SystemMetadata,
};
use storkit_mock::{Fault, FaultAction};

use crate::support::{KB128_HASH, client, kb128, system, temp_dir};

#[tokio::test]
async fn the_manuals_sample_flow() {
    let mock = system(&[1, 2, 3, 4]).await;
    let c = client(&mock);
    let file = temp_dir("sample").join("128kbfile");
    std::fs::write(&file, kb128()).unwrap();

    let addresses = c.addresses().await.unwrap();
    assert_eq!(addresses.len(), 4);
    let put = c
        .put(
            "/rest/hcpsdk/sample_primary_only.txt",
            PutBody::file(&file).await.unwrap(),
            &PutOptions::default().index(true).shred(true),
        )
        .await
        .unwrap();
    assert_eq!(put.hash, KB128_HASH);
    assert_eq!(
        put.etag.as_deref(),
        Some("ced877c812a6b561fa8c28b99fda69f2")
    );
    assert!(addresses.contains(&put.served.address));
    assert!(
        put.served.times.connect_time.is_some(),
        "a new connection was opened"
    );

    let meta = c
        .head("/rest/hcpsdk/sample_primary_only.txt")
        .await
        .unwrap()
        .metadata;
    assert_eq!(meta.size, Some(131_072));
    assert_eq!(
        meta.hash.as_ref().map(ToString::to_string).as_deref(),
        Some(KB128_HASH)
    );
    assert_eq!(meta.shred, Some(true));
    assert_eq!(meta.index, Some(true));

    let data = c
        .get_bytes("/rest/hcpsdk/sample_primary_only.txt")
        .await
        .unwrap();
    assert_eq!(&data[..40], b"0123456789abcdef0123456789abcdef01234567");
    c.delete(
        "/rest/hcpsdk/sample_primary_only.txt",
        &DeleteOptions::default(),
    )
    .await
    .unwrap();
    assert!(
        !c.exists("/rest/hcpsdk/sample_primary_only.txt")
            .await
            .unwrap()
            .found
    );
    assert!(
        mock.object("n1", "/rest/hcpsdk/sample_primary_only.txt")
            .is_none()
    );
}

#[tokio::test]
async fn credentials_go_in_header_and_cookie_and_bad_ones_get_403() {
    let mock = system(&[5]).await;
    let c = client(&mock);
    c.put("/rest/a.txt", "x", &PutOptions::default())
        .await
        .unwrap();
    let logged = mock.server().log().entries();
    let h = &logged[0].headers;
    assert_eq!(
        h["authorization"],
        "HCP bg==:1dc7fed37e11b35093d311ef66928ad9"
    );
    assert_eq!(
        h["cookie"],
        "hcp-ns-auth=bg==:1dc7fed37e11b35093d311ef66928ad9"
    );

    let wrong = crate::support::builder_for(&mock, &mock.namespace_fqdn("m", "n1"))
        .credentials("n", "wrong")
        .build()
        .unwrap();
    let e = wrong.get_bytes("/rest/a.txt").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(
        matches!(
            e.hcp(),
            Some(HcpError::Status {
                status: 403,
                message: Some(_),
                ..
            })
        ),
        "{e:?}"
    );
    assert!(
        !format!("{e:?}{e}").contains("1dc7fed3"),
        "no token in errors"
    );
}

#[tokio::test]
async fn a_corrupted_download_is_caught_by_its_hash() {
    let mock = system(&[6]).await;
    let c = client(&mock);
    c.put("/rest/corrupt.bin", kb128(), &PutOptions::default())
        .await
        .unwrap();
    mock.server().faults().add(
        Fault::new(FaultAction::CorruptBody { at: 70_000 })
            .on_method(Method::GET)
            .times(1),
    );
    let e = c.get_bytes("/rest/corrupt.bin").await.unwrap_err();
    match e.hcp() {
        Some(HcpError::HashMismatch {
            object,
            computed,
            server,
        }) => {
            assert_eq!(object, "/rest/corrupt.bin");
            assert_eq!(server, KB128_HASH);
            assert_ne!(computed, KB128_HASH);
        }
        other => panic!("{other:?} / {e}"),
    }
    // Unverified reads hand the bytes over as they came.
    mock.server().faults().add(
        Fault::new(FaultAction::CorruptBody { at: 3 })
            .on_method(Method::GET)
            .times(1),
    );
    let raw = c
        .get("/rest/corrupt.bin", &GetOptions::default().verify(false))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(raw.len(), 131_072);
    assert_ne!(&raw[..], &kb128()[..]);
}

#[tokio::test]
async fn a_server_hash_that_differs_from_the_sent_bytes_is_an_error() {
    let mock = system(&[7]).await;
    let c = client(&mock);
    let wrong = format!("SHA-256 {}", "0".repeat(64));
    mock.server().faults().add(
        Fault::new(FaultAction::Respond {
            status: 201,
            headers: vec![("x-hcp-hash".to_owned(), wrong.clone())],
            body: Bytes::new(),
        })
        .on_method(Method::PUT)
        .times(1),
    );
    let e = c
        .put("/rest/x.txt", "This is an example", &PutOptions::default())
        .await
        .unwrap_err();
    match e.hcp() {
        Some(HcpError::HashMismatch {
            object,
            computed,
            server,
        }) => {
            assert_eq!(object, "/rest/x.txt");
            assert_eq!(server, &wrong);
            assert_eq!(
                computed,
                "SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117"
            );
        }
        other => panic!("{other:?} / {e}"),
    }
}

#[tokio::test]
async fn a_resent_put_that_meets_its_own_first_attempt_succeeds() {
    let mock = system(&[8]).await;
    let c = client(&mock);
    mock.server().faults().add(
        Fault::new(FaultAction::LoseResponse)
            .on_method(Method::PUT)
            .times(1),
    );
    let put = c
        .put(
            "/rest/once.txt",
            "This is an example",
            &PutOptions::default(),
        )
        .await
        .unwrap();
    assert!(put.recovered, "the 409 came from our own first attempt");
    assert_eq!(put.served.attempts, 2);
    assert_eq!(
        put.hash,
        "SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117"
    );
    assert_eq!(
        mock.object("n1", "/rest/once.txt").unwrap().data,
        "This is an example"
    );
}

#[tokio::test]
async fn a_resent_put_that_meets_someone_elses_object_is_a_conflict() {
    let mock = system(&[9]).await;
    let c = client(&mock);
    mock.insert_object("n1", "/rest/theirs.txt", "their data", "n")
        .unwrap();
    // The first attempt never reaches the handler; the resend meets the other object.
    mock.server().faults().add(
        Fault::new(FaultAction::CloseBeforeResponse)
            .on_method(Method::PUT)
            .times(1),
    );
    let e = c
        .put("/rest/theirs.txt", "my data", &PutOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert_eq!(
        mock.object("n1", "/rest/theirs.txt").unwrap().data,
        "their data"
    );
    // And a first-attempt 409 is a conflict too.
    let e = c
        .put("/rest/theirs.txt", "their data", &PutOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn any_unicode_name_is_stored_under_exactly_that_name() {
    let mock = system(&[10]).await;
    let c = client(&mock);
    let names = [
        "/rest/dir/a b.txt",
        "/rest/dir/a%20b.txt",
        "/rest/dir/plus+sign;semi:colon",
        "/rest/dir/q?uery#frag&x=y",
        "/rest/dir/ünïcödé 名前 🚀",
        "/rest/dir/<-->`\"{}|^\\[]",
    ];
    for (i, name) in names.iter().enumerate() {
        c.put(name, format!("object {i}"), &PutOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (i, name) in names.iter().enumerate() {
        let stored = mock
            .object("n1", name)
            .unwrap_or_else(|| panic!("{name} not stored as such"));
        assert_eq!(stored.data, format!("object {i}"));
        assert_eq!(c.get_bytes(name).await.unwrap(), format!("object {i}"));
    }
    let listing = c.list_directory("/rest/dir").await.unwrap();
    let mut listed: Vec<String> = listing
        .entries
        .iter()
        .map(|e| format!("/rest/dir/{}", e.name))
        .collect();
    listed.sort();
    let mut expected: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn directories_custom_and_system_metadata() {
    let mock = system(&[11]).await;
    let c = client(&mock);
    c.create_directory("/rest/d1/d2").await.unwrap();
    assert!(mock.is_directory("n1", "/rest/d1/d2"));
    assert_eq!(
        c.create_directory("/rest/d1/d2").await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    c.put("/rest/d1/d2/o.txt", "data", &PutOptions::default())
        .await
        .unwrap();
    // A non-empty directory cannot be deleted.
    assert!(
        c.delete("/rest/d1/d2", &DeleteOptions::default())
            .await
            .is_err()
    );

    assert_eq!(
        c.get_custom_metadata("/rest/d1/d2/o.txt", None)
            .await
            .unwrap()
            .xml,
        None
    );
    c.put_custom_metadata("/rest/d1/d2/o.txt", None, "<a>1</a>")
        .await
        .unwrap();
    c.put_custom_metadata("/rest/d1/d2/o.txt", Some("second"), "<b/>")
        .await
        .unwrap();
    assert_eq!(
        c.get_custom_metadata("/rest/d1/d2/o.txt", Some("second"))
            .await
            .unwrap()
            .xml
            .as_deref(),
        Some(&b"<b/>"[..])
    );
    let meta = c.head("/rest/d1/d2/o.txt").await.unwrap().metadata;
    assert_eq!(meta.custom_metadata, Some(true));

    c.set_system_metadata(
        "/rest/d1/d2/o.txt",
        &SystemMetadata::default().index(false).hold(true),
    )
    .await
    .unwrap();
    let meta = c.head("/rest/d1/d2/o.txt").await.unwrap().metadata;
    assert_eq!(meta.index, Some(false));
    assert_eq!(meta.hold, Some(true));
    assert_eq!(
        c.set_system_metadata("/rest/d1/d2/o.txt", &SystemMetadata::default())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Config
    );
    let before = mock.server().log().len();
    let _ = c.head("/rest/nothing").await;
    assert_eq!(mock.server().log().len(), before + 1);
    assert!(!c.exists("/rest/nothing").await.unwrap().found);
}

#[tokio::test]
async fn a_streamed_upload_and_a_privileged_delete() {
    let mock = system(&[12]).await;
    let c = client(&mock);
    let chunks: Vec<std::io::Result<Bytes>> = (0..8)
        .map(|_| Ok(Bytes::from(b"0123456789abcdef".repeat(1024))))
        .collect();
    let stream = futures_stream(chunks);
    let put = c
        .put(
            "/rest/stream.bin",
            PutBody::stream(stream, None),
            &PutOptions::default(),
        )
        .await
        .unwrap();
    let expected = mock.object("n1", "/rest/stream.bin").unwrap();
    assert_eq!(expected.size(), 131_072);
    assert_eq!(put.hash, expected.hash_header());
    let entry = mock
        .server()
        .log()
        .entries()
        .into_iter()
        .find(|e| e.method == Method::PUT)
        .unwrap();
    assert_eq!(entry.headers["transfer-encoding"], "chunked");

    c.delete(
        "/rest/stream.bin",
        &DeleteOptions::default().privileged("audit cleanup"),
    )
    .await
    .unwrap();
    let last = mock.server().log().entries().pop().unwrap();
    assert_eq!(
        last.query.as_deref(),
        Some("privileged=true&reason=audit+cleanup")
    );
}

fn futures_stream(
    items: Vec<std::io::Result<Bytes>>,
) -> impl futures_core::Stream<Item = std::io::Result<Bytes>> + Send {
    struct Iter(std::vec::IntoIter<std::io::Result<Bytes>>);
    impl futures_core::Stream for Iter {
        type Item = std::io::Result<Bytes>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Iter(items.into_iter())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Any name (one path segment of any Unicode but `/`) is stored under exactly that
    /// name and read back from it: the path encoding round-trips through a real server.
    #[test]
    fn any_name_round_trips_through_the_server(name in "[^/]{1,24}") {
        proptest::prop_assume!(name != "." && name != "..");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        // A system per case: one shared across cases would die with the first case's
        // runtime, and starting one on loopback is cheap.
        rt.block_on(async {
            let m = system(&[13]).await;
            let c = client(&m);
            let path = format!("/rest/p/{name}");
            c.put(&path, name.clone(), &PutOptions::default()).await.unwrap();
            let stored = m.object("n1", &path);
            assert!(stored.is_some(), "{path:?} not stored under its name: {:?}", m.object_paths("n1"));
            assert_eq!(c.get_bytes(&path).await.unwrap(), name.as_bytes());
        });
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// Parameters of the connection-level API reach the server as given: a server that
    /// form-decodes the query (as HCP does) reads back every key and value, `+`, `&`, `=`,
    /// `%`, spaces and any Unicode included.
    #[test]
    fn params_round_trip_through_the_server(
        params in proptest::collection::vec(("[a-zA-Z][a-zA-Z0-9_]{0,8}", "\\PC{0,16}"), 1..4)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let m = system(&[14]).await;
            let c = client(&m);
            let mut r = c.request(Method::GET, "/rest/none");
            for (k, v) in &params {
                r = r.param(k, v);
            }
            let answer = r.send().await.unwrap();
            assert_eq!(answer.status.as_u16(), 404);
            let logged = m.server().log().entries().pop().unwrap();
            let q = storkit_mock::query::Query::parse(
                logged.query.as_deref().unwrap_or(""),
                storkit_mock::query::QueryStyle::Form,
            )
            .unwrap();
            let got: Vec<(String, String)> = q
                .pairs()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
                .collect();
            assert_eq!(got, params);
        });
    }
}

#[tokio::test]
async fn ad_credentials_go_as_hcp_documents_them() {
    let mock = system(&[15]).await;
    let c = crate::support::builder_for(&mock, &mock.namespace_fqdn("m", "n1"))
        .auth(storkit_hcp::HcpAuth::ad("lgreen@example.com", "p4ssw0rd"))
        .build()
        .unwrap();
    c.put("/rest/ad.txt", "by AD", &PutOptions::default())
        .await
        .unwrap();
    let logged = mock.server().log().entries().pop().unwrap();
    assert_eq!(
        logged.headers["authorization"],
        "AD lgreen@example.com:p4ssw0rd"
    );
    assert!(logged.headers.get("cookie").is_none());
    assert!(!format!("{c:?}").contains("p4ssw0rd"));
}

#[tokio::test]
async fn an_idle_connection_is_released_after_the_idle_timeout() {
    let mock = system(&[16]).await;
    let c = crate::support::builder_for(&mock, &mock.namespace_fqdn("m", "n1"))
        .idle_timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    c.put("/rest/idle.txt", "x", &PutOptions::default())
        .await
        .unwrap();
    let conn = mock.server().log().entries()[0].conn_id;
    let mut closed = false;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if mock
            .server()
            .connections()
            .into_iter()
            .any(|r| r.id == conn && r.closed_by == Some(storkit_mock::Closer::Client))
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "the client released its idle connection");
}

/// The node of the latest request the mock logged.
fn last_node(mock: &storkit_hcp_mock::HcpMock) -> std::net::IpAddr {
    mock.server().log().entries().pop().unwrap().node.ip()
}

#[tokio::test]
async fn every_typed_call_reports_the_node_and_the_times_that_served_it() {
    use std::time::Duration;
    let mock = system(&[168, 169]).await;
    let c = client(&mock);
    let nodes = [crate::support::ip(168), crate::support::ip(169)];
    let check = |served: storkit_hcp::Served, what: &str| {
        assert_eq!(
            served.address,
            last_node(&mock),
            "{what}: the node the mock saw"
        );
        assert!(!served.replica, "{what}: no replica configured");
        assert_eq!(served.attempts, 1, "{what}");
        assert!(
            served.times.service_time1 <= served.times.service_time2,
            "{what}: {:?}",
            served.times
        );
    };

    let put = c
        .put(
            "/rest/s/o.txt",
            "This is an example",
            &PutOptions::default(),
        )
        .await
        .unwrap();
    check(put.served, "put");
    let mut seen = std::collections::BTreeSet::from([put.served.address]);

    // The time to the head is what the server made it.
    mock.server().faults().add(
        Fault::new(FaultAction::DelayHeaders(Duration::from_millis(150)))
            .on_method(Method::HEAD)
            .times(1),
    );
    let head = c.head("/rest/s/o.txt").await.unwrap();
    check(head.served, "head");
    assert!(head.served.times.service_time1 >= Duration::from_millis(150));
    assert_eq!(head.metadata.size, Some(18));
    assert_eq!(
        head.headers.get("x-hcp-size").map(|v| v.as_bytes()),
        Some(&b"18"[..])
    );
    seen.insert(head.served.address);

    // A read tells the time to its head until it is read to the end, then the whole
    // request's.
    let mut reader = c
        .get("/rest/s/o.txt", &GetOptions::default())
        .await
        .unwrap();
    check(reader.served(), "get");
    assert_eq!(reader.address(), reader.served().address);
    let at_head = reader.served().times;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(reader.read_to_end().await.unwrap(), "This is an example");
    let at_end = reader.served().times;
    assert_eq!(at_end.service_time1, at_head.service_time1);
    assert!(
        at_end.service_time2 >= at_head.service_time2 + Duration::from_millis(100),
        "{at_head:?} -> {at_end:?}"
    );
    seen.insert(reader.served().address);

    let exists = c.exists("/rest/s/o.txt").await.unwrap();
    assert!(exists.found);
    check(exists.served, "exists");
    let missing = c.exists("/rest/s/none").await.unwrap();
    assert!(!missing.found);
    check(missing.served, "exists (404)");

    check(
        c.put_custom_metadata("/rest/s/o.txt", None, "<a/>")
            .await
            .unwrap(),
        "put_custom_metadata",
    );
    let custom = c.get_custom_metadata("/rest/s/o.txt", None).await.unwrap();
    assert_eq!(custom.xml.as_deref(), Some(&b"<a/>"[..]));
    check(custom.served, "get_custom_metadata");
    let none = c
        .get_custom_metadata("/rest/s/o.txt", Some("nothing"))
        .await
        .unwrap();
    assert_eq!(none.xml, None);
    check(none.served, "get_custom_metadata (204)");
    check(
        c.set_system_metadata("/rest/s/o.txt", &SystemMetadata::default().index(true))
            .await
            .unwrap(),
        "set_system_metadata",
    );
    check(
        c.create_directory("/rest/s/d").await.unwrap(),
        "create_directory",
    );
    let deleted = c
        .delete("/rest/s/o.txt", &DeleteOptions::default())
        .await
        .unwrap();
    check(deleted.served, "delete");
    assert!(!deleted.recovered);
    seen.insert(deleted.served.address);
    // Requests go round the nodes, and the results follow them.
    assert_eq!(seen, nodes.into_iter().collect());
}

#[tokio::test]
async fn a_resent_delete_that_meets_404_reports_it_recovered() {
    let mock = system(&[170]).await;
    let c = client(&mock);
    c.put("/rest/gone.txt", "x", &PutOptions::default())
        .await
        .unwrap();
    mock.server().faults().add(
        Fault::new(FaultAction::LoseResponse)
            .on_method(Method::DELETE)
            .times(1),
    );
    let deleted = c
        .delete("/rest/gone.txt", &DeleteOptions::default())
        .await
        .unwrap();
    assert!(deleted.recovered, "the first attempt deleted it");
    assert_eq!(deleted.served.attempts, 2);
    assert_eq!(deleted.served.address, crate::support::ip(170));
    assert!(mock.object("n1", "/rest/gone.txt").is_none());
}
