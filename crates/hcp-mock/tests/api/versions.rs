//! Versioning: new versions instead of 409, reads of old versions, the version listing,
//! delete markers and purge, and the 403 of a protected object.

use http::Method;
use storkit_hcp_mock::NamespaceConfig;

use crate::support::{Hcp, Reply, n_auth};

const V1: &str = "v1.m.hcp1.example";

/// The sample system plus namespace `v1` with versioning on.
async fn versioned(nodes: &[u8]) -> Hcp {
    Hcp::with(nodes, |c| {
        c.namespace_config("m", NamespaceConfig::new("v1").versioning(true))
    })
    .await
}

/// A request as user `n` to `v1`, on node 0.
async fn v1(hcp: &Hcp, method: Method, path: &str, data: &[u8]) -> Reply {
    let auth = n_auth();
    hcp.send(
        method,
        &hcp.data(0, path),
        &[("host", V1), ("authorization", &auth)],
        data,
    )
    .await
}

fn version_id(reply: &Reply) -> u64 {
    reply.header("x-hcp-versionid").unwrap().parse().unwrap()
}

/// The `version="…"` values of a listing, in document order, with their `state`.
fn listed(xml: &str) -> Vec<(u64, String)> {
    xml.split("<entry ")
        .skip(1)
        .map(|entry| {
            let attr = |name: &str| {
                let start = entry.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                let end = start + entry[start..].find('"').unwrap();
                entry[start..end].to_owned()
            };
            (attr("version").parse().unwrap(), attr("state"))
        })
        .collect()
}

#[tokio::test]
async fn puts_make_versions_and_old_ones_stay_readable() {
    let hcp = versioned(&[202]).await;
    let first = v1(&hcp, Method::PUT, "/rest/doc.txt", b"first").await;
    assert_eq!(first.status, 201);
    let second = v1(&hcp, Method::PUT, "/rest/doc.txt", b"second!").await;
    assert_eq!(
        second.status, 201,
        "a PUT onto an existing object is a new version"
    );
    let (id1, id2) = (version_id(&first), version_id(&second));
    assert!(id2 > id1, "{id1} then {id2}");
    assert_eq!(second.header("location"), Some("/rest/doc.txt"));

    let current = v1(&hcp, Method::GET, "/rest/doc.txt", b"").await;
    assert_eq!(&current.body[..], b"second!");
    assert_eq!(version_id(&current), id2);
    let old = v1(
        &hcp,
        Method::GET,
        &format!("/rest/doc.txt?version={id1}"),
        b"",
    )
    .await;
    assert_eq!(old.status, 200);
    assert_eq!(&old.body[..], b"first");
    assert_eq!(version_id(&old), id1);
    assert_eq!(old.header("x-hcp-size"), Some("5"));
    let head = v1(
        &hcp,
        Method::HEAD,
        &format!("/rest/doc.txt?version={id1}"),
        b"",
    )
    .await;
    assert_eq!(
        (head.status.as_u16(), head.header("content-length")),
        (200, Some("5"))
    );
    assert!(head.body.is_empty());
    assert_eq!(
        v1(&hcp, Method::GET, "/rest/doc.txt?version=12345", b"")
            .await
            .status,
        404
    );
    assert_eq!(
        v1(&hcp, Method::GET, "/rest/doc.txt?version=latest", b"")
            .await
            .status,
        400
    );

    let list = v1(&hcp, Method::GET, "/rest/doc.txt?version=list", b"").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("content-type"), Some("text/xml"));
    let xml = list.text();
    assert!(xml.contains("<versions xmlns:xsi="), "{xml}");
    assert!(xml.contains("xsi:noNamespaceSchemaLocation=\"/static/xsd/ns-versions.xsd\""));
    assert!(xml.contains(" path=\"/rest/doc.txt\" utf8Path=\"/rest/doc.txt\" parentDir=\"/rest\""));
    assert!(xml.contains(" deleted=\"false\" showDeleted=\"false\" namespaceName=\"v1\""));
    assert!(
        xml.contains("utf8Name=\"doc.txt\" type=\"object\" size=\"5\""),
        "{xml}"
    );
    assert_eq!(
        listed(&xml),
        [(id1, "created".to_owned()), (id2, "created".to_owned())]
    );
    let stored = hcp.mock.object_versions("v1", "/rest/doc.txt");
    assert_eq!(stored.len(), 2);
    assert_eq!(&stored[0].data[..], b"first");

    // Without versioning: 409 as before, and no listing (400).
    hcp.n1(Method::PUT, "/rest/doc.txt", b"one").await;
    assert_eq!(
        hcp.n1(Method::PUT, "/rest/doc.txt", b"two").await.status,
        409
    );
    assert_eq!(
        hcp.n1(Method::GET, "/rest/doc.txt?version=list", b"")
            .await
            .status,
        400
    );
    assert_eq!(hcp.mock.object_versions("n1", "doc.txt").len(), 1);
}

#[tokio::test]
async fn delete_keeps_old_versions_and_purge_removes_them() {
    let hcp = versioned(&[203]).await;
    let first = version_id(&v1(&hcp, Method::PUT, "/rest/d/x.bin", b"one").await);
    let second = version_id(&v1(&hcp, Method::PUT, "/rest/d/x.bin", b"two").await);
    assert_eq!(
        v1(&hcp, Method::DELETE, "/rest/d/x.bin", b"").await.status,
        200
    );

    // The current version is gone; the old ones are not.
    assert_eq!(
        v1(&hcp, Method::GET, "/rest/d/x.bin", b"").await.status,
        404
    );
    assert_eq!(
        v1(&hcp, Method::HEAD, "/rest/d/x.bin", b"").await.status,
        404
    );
    let old = v1(
        &hcp,
        Method::GET,
        &format!("/rest/d/x.bin?version={second}"),
        b"",
    )
    .await;
    assert_eq!(&old.body[..], b"two");

    let list = v1(&hcp, Method::GET, "/rest/d/x.bin?version=list", b"")
        .await
        .text();
    assert!(
        list.contains(" deleted=\"true\" showDeleted=\"false\""),
        "{list}"
    );
    assert_eq!(
        listed(&list),
        [
            (first, "created".to_owned()),
            (second, "created".to_owned())
        ]
    );
    let with_deleted = v1(
        &hcp,
        Method::GET,
        "/rest/d/x.bin?version=list&deleted=true",
        b"",
    )
    .await
    .text();
    let entries = listed(&with_deleted);
    assert_eq!(entries.len(), 3, "{with_deleted}");
    let (marker, state) = &entries[2];
    assert_eq!(state, "deleted");
    assert!(*marker > second);
    // The marker is no version with data.
    assert_eq!(
        v1(
            &hcp,
            Method::GET,
            &format!("/rest/d/x.bin?version={marker}"),
            b""
        )
        .await
        .status,
        404
    );

    // The directory listing shows the deleted object only with deleted=true.
    let dir = v1(&hcp, Method::GET, "/rest/d", b"").await.text();
    assert!(!dir.contains("x.bin"), "{dir}");
    let dir = v1(&hcp, Method::GET, "/rest/d?deleted=true", b"")
        .await
        .text();
    assert!(dir.contains("showDeleted=\"true\""), "{dir}");
    assert!(
        dir.contains("utf8Name=\"x.bin\"") && dir.contains("state=\"deleted\""),
        "{dir}"
    );

    // Storing again restores it as a new version; the history stays.
    let third = version_id(&v1(&hcp, Method::PUT, "/rest/d/x.bin", b"three").await);
    assert!(third > *marker);
    let entries = listed(
        &v1(
            &hcp,
            Method::GET,
            "/rest/d/x.bin?version=list&deleted=true",
            b"",
        )
        .await
        .text(),
    );
    assert_eq!(entries.len(), 4);

    // purge=true removes every version.
    assert_eq!(
        v1(&hcp, Method::DELETE, "/rest/d/x.bin?purge=true", b"")
            .await
            .status,
        200
    );
    assert_eq!(
        v1(&hcp, Method::GET, "/rest/d/x.bin?version=list", b"")
            .await
            .status,
        404
    );
    assert!(hcp.mock.object_versions("v1", "d/x.bin").is_empty());
    // A deleted object's versions go with a purge too.
    v1(&hcp, Method::PUT, "/rest/y", b"y").await;
    v1(&hcp, Method::DELETE, "/rest/y", b"").await;
    assert_eq!(hcp.mock.object_versions("v1", "y").len(), 1);
    assert_eq!(
        v1(&hcp, Method::DELETE, "/rest/y?purge=true", b"")
            .await
            .status,
        200
    );
    assert!(hcp.mock.object_versions("v1", "y").is_empty());
    assert_eq!(
        v1(&hcp, Method::DELETE, "/rest/y?purge=true", b"")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn a_protected_object_gets_no_new_version() {
    let hcp = versioned(&[204]).await;
    v1(
        &hcp,
        Method::PUT,
        "/rest/kept.txt?retention=A%2B1y",
        b"kept",
    )
    .await;
    let refused = v1(&hcp, Method::PUT, "/rest/kept.txt", b"newer").await;
    assert_eq!(refused.status, 403);
    assert!(refused.header("x-hcp-errormessage").is_some());
    v1(&hcp, Method::PUT, "/rest/held.txt?hold=true", b"held").await;
    assert_eq!(
        v1(&hcp, Method::PUT, "/rest/held.txt", b"x").await.status,
        403
    );
    assert_eq!(hcp.mock.object_versions("v1", "held.txt").len(), 1);
    // A directory of that name is still a conflict.
    v1(&hcp, Method::PUT, "/rest/dir?type=directory", b"").await;
    assert_eq!(v1(&hcp, Method::PUT, "/rest/dir", b"x").await.status, 409);
    // If-None-Match: * refuses to replace (412), and stores when nothing is there.
    let auth = n_auth();
    let put = |path: &'static str| {
        let auth = auth.clone();
        let hcp = &hcp;
        async move {
            hcp.send(
                Method::PUT,
                &hcp.data(0, path),
                &[
                    ("host", V1),
                    ("authorization", &auth),
                    ("if-none-match", "*"),
                ],
                b"x",
            )
            .await
            .status
        }
    };
    v1(&hcp, Method::PUT, "/rest/once.txt", b"x").await;
    assert_eq!(put("/rest/once.txt").await, 412);
    assert_eq!(put("/rest/fresh.txt").await, 201);
}
