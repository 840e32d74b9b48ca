//! Namespace information from `/proc`.

use storkit_hcp::{ErrorKind, PutOptions};

use crate::support::{builder_for, client, system};

#[tokio::test]
async fn statistics_namespaces_retention_classes_and_permissions() {
    let mock = system(&[20]).await;
    let c = client(&mock);
    for i in 0..3 {
        c.put(&format!("/rest/s/{i}"), "abc", &PutOptions::default())
            .await
            .unwrap();
    }
    let stats = c.namespace_statistics().await.unwrap();
    assert_eq!(stats.namespace_name.as_deref(), Some("n1"));
    assert_eq!(stats.object_count, Some(3));

    let this = c.accessible_namespaces(false).await.unwrap();
    assert_eq!(
        this.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
        ["n1"]
    );
    let all = c.accessible_namespaces(true).await.unwrap();
    let mut names: Vec<&str> = all.iter().map(|n| n.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["n1", "n2"]);
    let log = mock.server().log().entries();
    assert!(
        log.iter()
            .any(|e| e.path == "/proc" && e.query.as_deref() == Some("single=true"))
    );

    let classes = c.retention_classes().await.unwrap();
    assert!(!classes.is_empty());
    let perms = c.permissions().await.unwrap();
    assert!(perms.user_effective.read);
}

#[tokio::test]
async fn a_namespace_the_user_cannot_access_is_401() {
    let mock = system(&[21]).await;
    // Host names a namespace the user has no access to (an unknown user entirely).
    let other = builder_for(&mock, &mock.namespace_fqdn("m", "n2"))
        .credentials("nobody", "x")
        .build()
        .unwrap();
    let e = other.namespace_statistics().await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::PermissionDenied | ErrorKind::Unauthenticated
        ),
        "{e}"
    );
}
