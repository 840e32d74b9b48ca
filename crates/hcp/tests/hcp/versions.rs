//! Versions, conditional reads, the annotation list and whole-object I/O against the mock
//! (127.0.8.200–127.0.8.230).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use storkit_core::http::Method;
use storkit_hcp::{
    ConditionalRead, Conditions, DeleteOptions, ErrorKind, GetOptions, HcpClient, HcpError,
    HcpErrorExt, PutOptions, VersionId,
};
use storkit_hcp_mock::{HcpMock, NamespaceConfig};
use storkit_mock::{Fault, FaultAction};

use crate::support::{builder_for, client, config, system};

const EXAMPLE_HASH: &str =
    "SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117";
const EXAMPLE_MD5: &str = "68791e1b03badd5e4eb9287660f67745";

/// The sample system plus namespace `v1` with versioning, and a client for `v1`.
async fn versioned(nodes: &[u8]) -> (HcpMock, HcpClient) {
    let mock = HcpMock::start(
        config("hcp1.example", nodes)
            .namespace_config("m", NamespaceConfig::new("v1").versioning(true)),
    )
    .await
    .unwrap();
    let c = builder_for(&mock, &mock.namespace_fqdn("m", "v1"))
        .versioned(true)
        .build()
        .unwrap();
    assert!(c.is_versioned());
    (mock, c)
}

fn version_of(put: &storkit_hcp::PutResult) -> VersionId {
    put.version_id.as_deref().unwrap().parse().unwrap()
}

#[tokio::test]
async fn versions_are_listed_read_and_kept_past_a_delete() {
    let (mock, c) = versioned(&[200, 201]).await;
    let path = "/rest/docs/report.txt";
    let first = c.put(path, "first", &PutOptions::default()).await.unwrap();
    let second = c
        .put(path, "This is an example", &PutOptions::default())
        .await
        .unwrap();
    let (id1, id2) = (version_of(&first), version_of(&second));
    assert!(id2 > id1);

    let versions = c.versions(path).await.unwrap();
    let ids: Vec<VersionId> = versions.iter().map(|v| v.id).collect();
    assert_eq!(ids, [id1, id2]);
    assert_eq!(versions[0].entry.size, Some(5));
    assert_eq!(versions[1].entry.name, "report.txt");
    assert_eq!(
        versions[1]
            .entry
            .hash
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some(EXAMPLE_HASH)
    );
    assert!(versions.iter().all(|v| !v.deleted));

    let old = c
        .get_version(path, id1, &GetOptions::default())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&old[..], b"first");
    let meta = c.head_version(path, id1).await.unwrap();
    assert_eq!(
        (meta.metadata.size, meta.metadata.version_id),
        (Some(5), Some(id1.get()))
    );
    assert_eq!(c.get_bytes(path).await.unwrap(), "This is an example");

    // A corrupted old version is caught by its own hash.
    mock.server().faults().add(
        Fault::new(FaultAction::CorruptBody { at: 2 })
            .on_method(Method::GET)
            .times(1),
    );
    let e = c
        .get_version(path, id2, &GetOptions::default())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(
        matches!(e.hcp(), Some(HcpError::HashMismatch { .. })),
        "{e}"
    );

    // Delete: the object is gone, its versions are not.
    c.delete(path, &DeleteOptions::default()).await.unwrap();
    assert!(!c.exists(path).await.unwrap().found);
    assert_eq!(c.versions(path).await.unwrap().len(), 2);
    let list = c.version_list(path, true).await.unwrap();
    assert_eq!(list.deleted, Some(true));
    assert_eq!(list.show_deleted, Some(true));
    assert_eq!(list.utf8_path.as_deref(), Some(path));
    assert_eq!(list.namespace_name.as_deref(), Some("v1"));
    assert_eq!(list.versions.len(), 3);
    let marker = &list.versions[2];
    assert!(marker.deleted && marker.id > id2);
    let e = c
        .get_version(path, marker.id, &GetOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let old = c
        .get_version(path, id2, &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(old.bytes().await.unwrap(), "This is an example");

    // Purge removes every version.
    c.delete(path, &DeleteOptions::default().purge(true))
        .await
        .unwrap();
    let e = c.versions(path).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(mock.object_versions("v1", path).is_empty());

    // Without versioning, the listing is HCP's 400.
    let plain = client(&mock);
    plain
        .put("/rest/p.txt", "x", &PutOptions::default())
        .await
        .unwrap();
    let e = plain.versions("/rest/p.txt").await.unwrap_err();
    match e.hcp() {
        Some(HcpError::Status { status: 400, .. }) => {}
        other => panic!("{other:?} / {e}"),
    }
}

#[tokio::test]
async fn conditional_reads_answer_304_and_412_without_errors() {
    let (_mock, c) = versioned(&[202]).await;
    let path = "/rest/c.txt";
    let first = c.put(path, "first", &PutOptions::default()).await.unwrap();
    let current = c
        .put(path, "This is an example", &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(current.etag.as_deref(), Some(EXAMPLE_MD5));

    match c
        .get_if(path, &Conditions::new().if_none_match(EXAMPLE_MD5))
        .await
        .unwrap()
    {
        ConditionalRead::NotModified {
            etag,
            last_modified,
        } => {
            assert_eq!(
                etag.as_deref(),
                Some("\"68791e1b03badd5e4eb9287660f67745\"")
            );
            assert!(last_modified.unwrap().ends_with(" GMT"));
        }
        other => panic!("{other:?}"),
    }
    let read = c
        .get_if(path, &Conditions::new().if_none_match("somethingelse"))
        .await
        .unwrap()
        .into_reader()
        .unwrap();
    assert_eq!(read.bytes().await.unwrap(), "This is an example");
    let matched = c
        .get_if(
            path,
            &Conditions::new().if_match(format!("\"{EXAMPLE_MD5}\"")),
        )
        .await
        .unwrap();
    assert!(matches!(matched, ConditionalRead::Read(_)), "{matched:?}");
    let failed = c
        .get_if(path, &Conditions::new().if_match("nope"))
        .await
        .unwrap();
    assert!(
        matches!(failed, ConditionalRead::PreconditionFailed),
        "{failed:?}"
    );

    // Dates, at one-second precision.
    let later = SystemTime::now();
    let not_modified = c
        .get_if(path, &Conditions::new().if_modified_since(later))
        .await
        .unwrap();
    assert!(
        matches!(not_modified, ConditionalRead::NotModified { .. }),
        "{not_modified:?}"
    );
    let long_ago = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let modified = c
        .get_if(path, &Conditions::new().if_modified_since(long_ago))
        .await
        .unwrap();
    assert!(matches!(modified, ConditionalRead::Read(_)));
    let changed = c
        .get_if(path, &Conditions::new().if_unmodified_since(long_ago))
        .await
        .unwrap();
    assert!(matches!(changed, ConditionalRead::PreconditionFailed));

    // An old version has its own ETag.
    let old = Conditions::new().version(version_of(&first));
    let r = c
        .get_if(path, &old.clone().if_none_match(EXAMPLE_MD5))
        .await
        .unwrap()
        .into_reader()
        .unwrap();
    assert_eq!(r.bytes().await.unwrap(), "first");
    let first_md5 = first.etag.clone().unwrap();
    let r = c.get_if(path, &old.if_none_match(first_md5)).await.unwrap();
    assert!(matches!(r, ConditionalRead::NotModified { .. }));

    // A missing object is still an error; an ETag no header can carry is refused.
    let e = c
        .get_if("/rest/none", &Conditions::new().if_match("x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let e = c
        .get_if(path, &Conditions::new().if_match("bad\nvalue"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
}

#[tokio::test]
async fn the_annotation_list() {
    let mock = system(&[203]).await;
    let c = client(&mock);
    let path = "/rest/annotated.txt";
    c.put(path, "data", &PutOptions::default()).await.unwrap();
    assert!(c.custom_metadata_info(path).await.unwrap().is_empty());
    c.put_custom_metadata(path, None, "This is an example")
        .await
        .unwrap();
    c.put_custom_metadata(path, Some("second"), "<b/>")
        .await
        .unwrap();
    let list = c.custom_metadata_info(path).await.unwrap();
    let names: Vec<&str> = list.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["default", "second"]);
    assert_eq!(list[0].size, Some(18));
    assert_eq!(
        list[0].hash.as_ref().map(ToString::to_string).as_deref(),
        Some(EXAMPLE_HASH)
    );
    assert_eq!(list[1].size, Some(4));
    assert_eq!(list[1].content_type.as_deref(), Some("unknown"));
    let changed = list[0].change_time_ms.unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!((now - changed).abs() < 60_000, "{changed} vs {now}");
    let e = c.custom_metadata_info("/rest/none").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn whole_objects_in_one_request() {
    let mock = system(&[204]).await;
    let c = client(&mock);
    let path = "/rest/whole.txt";
    let put = c
        .put_whole_object(
            path,
            "This is an example",
            Some("meta"),
            "<m a=\"1\"/>",
            &PutOptions::default().index(false),
        )
        .await
        .unwrap();
    assert_eq!(put.hash, EXAMPLE_HASH);
    assert_eq!(put.etag.as_deref(), Some(EXAMPLE_MD5));
    assert!(!put.recovered);
    let stored = mock.object("n1", path).unwrap();
    assert_eq!(stored.data, "This is an example");
    assert!(!stored.index);
    assert_eq!(
        stored.annotation("meta").map(|b| &b[..]),
        Some(&b"<m a=\"1\"/>"[..])
    );

    let whole = c.get_whole_object(path, Some("meta")).await.unwrap();
    assert_eq!(whole.data, "This is an example");
    assert_eq!(whole.annotation.as_deref(), Some(&b"<m a=\"1\"/>"[..]));
    assert_eq!(whole.metadata.size, Some(18));
    assert_eq!(whole.metadata.index, Some(false));
    // No default annotation: the data alone.
    let alone = c.get_whole_object(path, None).await.unwrap();
    assert_eq!((alone.data.len(), alone.annotation), (18, None));
    // The default annotation.
    c.put_whole_object("/rest/w2", "abc", None, "<d/>", &PutOptions::default())
        .await
        .unwrap();
    let w2 = c.get_whole_object("/rest/w2", None).await.unwrap();
    assert_eq!(
        (&w2.data[..], w2.annotation.as_deref()),
        (&b"abc"[..], Some(&b"<d/>"[..]))
    );

    // An existing object is a conflict (no versioning here)…
    let e = c
        .put_whole_object(path, "x", None, "<x/>", &PutOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    // …unless the 409 met this PUT's own first attempt.
    mock.server().faults().add(
        Fault::new(FaultAction::LoseResponse)
            .on_method(Method::PUT)
            .times(1),
    );
    let resent = c
        .put_whole_object(
            "/rest/w3",
            "This is an example",
            None,
            "<r/>",
            &PutOptions::default(),
        )
        .await
        .unwrap();
    assert!(
        resent.recovered && resent.served.attempts == 2,
        "{resent:?}"
    );

    // A corrupted data part is caught by X-HCP-Hash.
    mock.server().faults().add(
        Fault::new(FaultAction::CorruptBody { at: 1 })
            .on_method(Method::GET)
            .times(1),
    );
    let e = c.get_whole_object(path, Some("meta")).await.unwrap_err();
    assert!(
        matches!(e.hcp(), Some(HcpError::HashMismatch { .. })),
        "{e}"
    );
    // An answer whose X-HCP-Size does not fit its body is a decode error, not a panic.
    mock.server().faults().add(
        Fault::new(FaultAction::Respond {
            status: 200,
            headers: vec![("x-hcp-size".to_owned(), "999".to_owned())],
            body: Bytes::from_static(b"short"),
        })
        .on_method(Method::GET)
        .times(1),
    );
    let e = c.get_whole_object(path, Some("meta")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    // A server annotation hash that differs from the sent annotation is an error.
    let wrong = format!("SHA-256 {}", "0".repeat(64));
    mock.server().faults().add(
        Fault::new(FaultAction::Respond {
            status: 201,
            headers: vec![
                ("x-hcp-hash".to_owned(), EXAMPLE_HASH.to_owned()),
                ("x-hcp-custommetadatahash".to_owned(), wrong.clone()),
            ],
            body: Bytes::new(),
        })
        .on_method(Method::PUT)
        .times(1),
    );
    let e = c
        .put_whole_object(
            "/rest/w4",
            "This is an example",
            None,
            "<z/>",
            &PutOptions::default(),
        )
        .await
        .unwrap_err();
    match e.hcp() {
        Some(HcpError::HashMismatch { object, server, .. }) => {
            assert_eq!(object, "/rest/w4 (annotation)");
            assert_eq!(server, &wrong);
        }
        other => panic!("{other:?} / {e}"),
    }
}

#[tokio::test]
async fn on_a_versioned_namespace_a_put_is_never_stored_twice() {
    let (mock, c) = versioned(&[205]).await;
    // The answer is lost: a resend would store a second version, so none is made and
    // the unknown outcome is the caller's to settle.
    mock.server().faults().add(
        Fault::new(FaultAction::LoseResponse)
            .on_method(Method::PUT)
            .times(1),
    );
    let path = "/rest/lost.txt";
    c.put(path, "This is an example", &PutOptions::default())
        .await
        .unwrap_err();
    assert_eq!(mock.object_versions("v1", path).len(), 1);
    let puts = || {
        mock.server()
            .log()
            .count_where(|e| e.method == Method::PUT && e.path == path)
    };
    assert_eq!(puts(), 1);

    // Resumed with the same bytes: found stored by its hash, nothing sent.
    let resumed = c
        .put(
            path,
            "This is an example",
            &PutOptions::default().resumed(true),
        )
        .await
        .unwrap();
    assert!(resumed.recovered, "{resumed:?}");
    assert_eq!(resumed.hash, EXAMPLE_HASH);
    assert_eq!((puts(), mock.object_versions("v1", path).len()), (1, 1));

    // A file is hashed before sending, the same way.
    let dir = std::env::temp_dir().join(format!("storkit-hcp-versioned-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("example.txt");
    std::fs::write(&file, "This is an example").unwrap();
    let body = storkit_hcp::PutBody::file(&file).await.unwrap();
    let resumed = c
        .put(path, body, &PutOptions::default().resumed(true))
        .await
        .unwrap();
    assert!(resumed.recovered);
    assert_eq!(puts(), 1);
    std::fs::remove_dir_all(&dir).unwrap();

    // Resumed with other bytes: a new version, as asked.
    let other = c
        .put(path, "other bytes", &PutOptions::default().resumed(true))
        .await
        .unwrap();
    assert!(!other.recovered);
    assert_eq!((puts(), mock.object_versions("v1", path).len()), (2, 2));
}

#[tokio::test]
async fn a_resent_whole_object_put_is_settled_by_its_data_and_its_annotation() {
    let mock = system(&[206]).await;
    let c = client(&mock);
    // Someone stored the same data under another annotation: the 409 the resend meets is
    // not this PUT's doing.
    c.put_whole_object(
        "/rest/w",
        "same data",
        None,
        "<theirs/>",
        &PutOptions::default(),
    )
    .await
    .unwrap();
    let e = c
        .put_whole_object(
            "/rest/w",
            "same data",
            None,
            "<mine/>",
            &PutOptions::default().resumed(true),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    // Data and annotation both as sent: settled.
    let ok = c
        .put_whole_object(
            "/rest/w",
            "same data",
            None,
            "<theirs/>",
            &PutOptions::default().resumed(true),
        )
        .await
        .unwrap();
    assert!(ok.recovered);
}
