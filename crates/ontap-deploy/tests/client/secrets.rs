//! No password in `Debug`, in errors or in the tracing output at TRACE: the Deploy
//! administrator's, a stored credential's, a host's, the ONTAP admin password of a deploy
//! and of a resize, and the `ontap_password` of a licence update. Addresses
//! 127.0.14.100–109.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use secrecy::SecretString;
use serde_json::json;
use storkit_core::http::Method;
use storkit_ontap_deploy::model::{
    CredentialKind, DeployRequest, HostBatch, HostRegistration, HypervisorType, InstanceType,
    NewCluster, NewCredential, NodeCount, NodeUpdate, RequestBody, Resize,
};
use storkit_ontap_deploy::{CredentialAdded, ErrorKind, OntapErrorExt, Order, Query};

use crate::support::{PASSWORD, USER, builder, nlf, start};

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Standard base64, for the `Authorization` header's value.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn no_password_is_ever_printed_or_traced() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // With one dispatcher registered, tracing settles a callsite's interest from the
    // first thread that meets it (another test's, with none). A second dispatcher, alive
    // for the test, makes it ask every registered one.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    // The test runtime is single-threaded: the mock's and the client's tasks all run on
    // this thread, under this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    const VCENTER: &str = "VCenter!Secret1";
    const HOST: &str = "EsxRoot!Secret2";
    const ONTAP: &str = "Ontap!Secret3";
    const RESIZE: &str = "Resize!Secret4";
    const LICENCE: &str = "Licence!Secret5";
    const WRONG: &str = "Wrong!Secret6";

    let mock = start(100, |c| c).await;
    let mut shown: Vec<String> = Vec::new();
    let b = builder(&mock);
    shown.push(format!("{b:?}"));
    let deploy = b.build().unwrap();
    shown.push(format!("{deploy:?}"));

    // A credential and hosts with their own passwords.
    let credential = NewCredential::new(
        CredentialKind::Vcenter,
        "vc.example",
        "administrator",
        VCENTER,
    );
    shown.push(format!("{credential:?}"));
    shown.push(format!("{:?}", credential.to_body().unwrap()));
    let CredentialAdded::Started(job) = deploy.add_credential(&credential).await.unwrap() else {
        panic!("started");
    };
    shown.push(format!("{job:?}"));
    job.wait().await.unwrap();
    let batch = HostBatch::new(vec![
        HostRegistration::new("esx-1.example", HypervisorType::Esx).credential("root", HOST),
        HostRegistration::new("esx-2.example", HypervisorType::Esx).credential("root", HOST),
    ]);
    shown.push(format!("{batch:?}"));
    shown.push(format!("{:?}", batch.to_body().unwrap()));
    deploy
        .register_hosts(&batch)
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
    let hosts: Vec<String> = mock.hosts().into_iter().map(|h| h.id).collect();

    // A deployed cluster whose node uses a licence.
    deploy
        .upload_license("320000100.NLF", nlf("320000100"))
        .await
        .unwrap();
    let cluster = deploy
        .create_cluster(&NewCluster::new("ots100"), NodeCount::new(2).unwrap())
        .await
        .unwrap();
    let nodes = deploy
        .nodes(&cluster, &Query::new().order_by("name", Order::Asc))
        .await
        .unwrap();
    let node_ids: Vec<String> = nodes.iter().map(|n| n.id.clone().unwrap()).collect();
    for (i, (node, host)) in node_ids.iter().zip(&hosts).enumerate() {
        let mut update = NodeUpdate::new()
            .host_id(host)
            .ip(format!("10.0.100.{}", 11 + i));
        if i == 0 {
            update = update.serial_number("320000100");
        }
        deploy
            .configure_node(&cluster, node, &update)
            .await
            .unwrap();
    }
    let request = DeployRequest::new(ONTAP);
    shown.push(format!("{request:?}"));
    shown.push(format!("{:?}", request.to_body().unwrap()));
    let job = deploy
        .deploy_cluster(&cluster, &request, false)
        .await
        .unwrap();
    shown.push(format!("{job:?}"));
    let done = job.wait().await.unwrap();
    shown.push(format!("{done:?}"));

    // A resize with the ONTAP admin password.
    let resize = Resize::new(RESIZE)
        .node(&node_ids[0], InstanceType::Medium)
        .node(&node_ids[1], InstanceType::Medium);
    shown.push(format!("{resize:?}"));
    shown.push(format!("{:?}", resize.to_body().unwrap()));
    deploy
        .resize_cluster(&cluster, &resize)
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();

    // A licence update with the ONTAP credentials.
    let licence_password = SecretString::from(LICENCE);
    shown.push(format!("{licence_password:?}"));
    let job = deploy
        .update_license(
            "320000100",
            "renewed.NLF",
            nlf("320000100"),
            Some(("admin", &licence_password)),
        )
        .await
        .unwrap()
        .expect("a job");
    job.wait().await.unwrap();

    // A raw request with a password in its body, and its answer.
    let raw = deploy
        .raw(Method::POST, "security/credentials")
        .json(
            &json!({"hostname": "esx-9.example", "type": "host", "username": "root",
            "password": HOST}),
        )
        .unwrap();
    shown.push(format!("{raw:?}"));
    let answer = raw.send().await.unwrap();
    shown.push(format!("{answer:?}"));

    // Refusals and failures: a wrong password, a deploy that fails, input refused.
    let wrong = builder(&mock).credentials(USER, WRONG).build().unwrap();
    shown.push(format!("{wrong:?}"));
    let e = wrong.clusters(&Query::new()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    shown.push(format!("{e}"));
    shown.push(format!("{e:?}"));
    shown.push(format!("{:?}", e.ontap()));
    let e = deploy
        .deploy_cluster(&cluster, &DeployRequest::new(ONTAP), false)
        .await
        .unwrap_err();
    shown.push(format!("{e}"));
    shown.push(format!("{e:?}"));
    let e = deploy
        .add_credential(&NewCredential::new(
            CredentialKind::Host,
            "bad host",
            "root",
            VCENTER,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    shown.push(format!("{e}"));
    shown.push(format!("{e:?}"));
    let e = deploy
        .resize_cluster(&cluster, &Resize::new(RESIZE))
        .await
        .unwrap_err();
    shown.push(format!("{e}"));
    shown.push(format!("{e:?}"));

    let traced = captured.text();
    assert!(
        traced.contains("job progress"),
        "the capture works: {traced}"
    );
    assert!(
        traced.contains("TRACE") || traced.contains("DEBUG"),
        "{traced}"
    );
    let mut secrets = vec![
        PASSWORD.to_owned(),
        VCENTER.to_owned(),
        HOST.to_owned(),
        ONTAP.to_owned(),
        RESIZE.to_owned(),
        LICENCE.to_owned(),
        WRONG.to_owned(),
    ];
    secrets.push(base64(format!("{USER}:{PASSWORD}").as_bytes()));
    secrets.push(base64(format!("{USER}:{WRONG}").as_bytes()));
    for secret in &secrets {
        assert!(!traced.contains(secret.as_str()), "traced: {secret}");
        for text in &shown {
            assert!(!text.contains(secret.as_str()), "{secret} in {text}");
        }
    }
    // What is not secret is still shown.
    assert!(shown[0].contains(USER), "{}", shown[0]);
    assert!(shown.iter().any(|s| s.contains("esx-1.example")));
}

#[test]
fn base64_is_standard() {
    assert_eq!(base64(b"admin:Netapp1!"), "YWRtaW46TmV0YXBwMSE=");
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"abc"), "YWJj");
}
