//! TLS: Deploy's self-signed certificate is refused by default and trusted when passed
//! as the CA. Addresses 127.0.14.110–119.

use storkit_ontap_deploy::{DeployClient, ErrorKind, Query, TlsPolicy};

use crate::support::{PASSWORD, USER, log, start};

#[tokio::test]
async fn the_mocks_certificate_is_refused_without_its_ca() {
    let mock = start(110, |c| c).await;
    assert!(mock.url().starts_with("https://"));
    let deploy = DeployClient::builder(&mock.url())
        .credentials(USER, PASSWORD)
        .build()
        .unwrap();
    let e = deploy.clusters(&Query::new()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    assert!(log(&mock).is_empty(), "no request got through");
    assert!(!e.to_string().contains(PASSWORD), "{e}");
}

#[tokio::test]
async fn the_mocks_ca_makes_it_trusted() {
    let mock = start(111, |c| c).await;
    let ca = mock.ca_pem().expect("the mock serves HTTPS");
    let deploy = DeployClient::builder(&mock.url())
        .credentials(USER, PASSWORD)
        .tls(TlsPolicy::custom_ca_pem(ca).unwrap())
        .build()
        .unwrap();
    assert!(deploy.clusters(&Query::new()).await.unwrap().is_empty());
    let entries = log(&mock);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status, Some(200));
    // A bare host name gets https://.
    let bare = mock.url().trim_start_matches("https://").to_owned();
    let deploy = DeployClient::builder(&bare)
        .credentials(USER, PASSWORD)
        .tls(TlsPolicy::custom_ca_pem(mock.ca_pem().unwrap()).unwrap())
        .build()
        .unwrap();
    assert!(deploy.images(&Query::new()).await.unwrap().len() == 1);
}
