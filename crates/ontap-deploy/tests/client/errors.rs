//! Every status code Deploy answers, through a relay that records the mock's answers: the
//! success statuses on [`Answer`](storkit_ontap_deploy::Answer), the error statuses as
//! [`OntapError::Http`] with the mock's code, message and `request-id`. Addresses
//! 127.0.14.40–69.

use bytes::Bytes;
use serde_json::json;
use storkit_core::Phase;
use storkit_core::http::{Method, StatusCode};
use storkit_mock::{Fault, FaultAction};
use storkit_ontap_deploy::model::{
    DeployRequest, HostBatch, HostRegistration, HypervisorType, NewCluster, NodeCount, NodeUpdate,
};
use storkit_ontap_deploy::{DeployClient, ErrorKind, Fields, OntapErrorExt, Query};
use storkit_ontap_deploy_mock::codes;

use crate::support::{
    PASSWORD, USER, assert_answer, builder_for, count, http_detail, log, relayed, requests,
};

#[tokio::test]
async fn success_statuses_carry_the_request_id_the_mock_sent() {
    let (mock, relay, deploy) = relayed(40, |c| c).await;

    // 200 with a collection.
    let answer = deploy.raw(Method::GET, "clusters").send().await.unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.request_id, Some(relay.last_request_id()));
    assert_eq!(&answer.body[..], br#"{"num_records":0,"records":[]}"#);

    // 201, empty, the id in `location`.
    let answer = deploy
        .raw(Method::POST, "clusters")
        .query(Query::new().param("node_count", 1))
        .json(&json!({"name": "ots40"}))
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(answer.request_id, Some(relay.last_request_id()));
    assert!(answer.body.is_empty());
    assert_eq!(answer.location_id, Some(mock.clusters()[0].id.clone()));
    assert!(answer.job.is_none());

    // 202 with a job and the credential's `location`.
    let answer = deploy
        .raw(Method::POST, "security/credentials")
        .json(
            &json!({"hostname": "esx-40.example", "type": "host", "username": "root",
            "password": "EsxRoot1!"}),
        )
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert_eq!(answer.request_id, Some(relay.last_request_id()));
    assert_eq!(answer.location_id, Some(mock.credentials()[0].id.clone()));
    let job = answer.job.expect("the job");
    assert_eq!(job.id, Some(mock.jobs()[0].id.clone()));

    // A typed call's job handle keeps the request id of the 202.
    let hosts = storkit_ontap_deploy::model::HostBatch::new(vec![
        storkit_ontap_deploy::model::HostRegistration::new(
            "esx-40.example",
            storkit_ontap_deploy::model::HypervisorType::Esx,
        )
        .management_server("vcenter.example"),
    ]);
    let handle = deploy.register_hosts(&hosts).await.unwrap();
    assert_eq!(handle.request_id(), Some(relay.last_request_id().as_str()));

    // Every answer had its own id.
    let ids = relay.request_ids();
    assert_eq!(ids.len(), 4);
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2] && ids[2] != ids[3]);
}

#[tokio::test]
async fn bad_request() {
    let (mock, relay, deploy) = relayed(41, |c| c).await;

    // A node count the client refuses never leaves it.
    let sent = log(&mock).len();
    let e = deploy
        .raw(Method::POST, "clusters")
        .query(Query::new().param("node_count", 3))
        .json(&json!({"name": "ots41"}))
        .unwrap()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert_eq!(e.phase(), Phase::NotSent);
    assert!(e.to_string().contains("node_count"), "{e}");
    assert!(NodeCount::new(3).is_err());
    assert_eq!(log(&mock).len(), sent);

    // Without node_count: the mock's 400.
    let e = deploy
        .raw(Method::POST, "clusters")
        .json(&json!({"name": "ots41"}))
        .unwrap()
        .send()
        .await
        .unwrap_err();
    assert_answer(
        &e,
        &relay,
        400,
        codes::INVALID_ARGUMENT,
        "node_count",
        ErrorKind::ClientError,
    );

    // Two nodes with one IP: the deploy is refused.
    let hosts = deploy
        .register_hosts(&HostBatch::new(vec![
            HostRegistration::new("esx-1.example", HypervisorType::Esx),
            HostRegistration::new("esx-2.example", HypervisorType::Esx),
        ]))
        .await
        .unwrap();
    hosts.wait().await.unwrap();
    let host_ids: Vec<String> = mock.hosts().into_iter().map(|h| h.id).collect();
    let cluster = deploy
        .create_cluster(&NewCluster::new("ots41"), NodeCount::new(2).unwrap())
        .await
        .unwrap();
    let nodes = deploy.nodes(&cluster, &Query::new()).await.unwrap();
    for (node, host) in nodes.iter().zip(&host_ids) {
        deploy
            .configure_node(
                &cluster,
                node.id.as_deref().unwrap(),
                &NodeUpdate::new().host_id(host).ip("10.0.41.11"),
            )
            .await
            .unwrap();
    }
    let jobs = mock.jobs_started();
    let e = deploy
        .deploy_cluster(&cluster, &DeployRequest::new("OntapAdmin1!"), false)
        .await
        .unwrap_err();
    assert_answer(
        &e,
        &relay,
        400,
        codes::INVALID_STATE,
        "IP address",
        ErrorKind::ClientError,
    );
    assert_eq!(mock.jobs_started(), jobs, "no job started");
}

#[tokio::test]
async fn unauthenticated_without_the_password_in_the_error() {
    let (mock, relay, _) = relayed(42, |c| c).await;
    let wrong = "Wr0ng!Secret42";
    let deploy = builder_for(&mock, &relay.url())
        .credentials(USER, wrong)
        .build()
        .unwrap();
    let e = deploy.clusters(&Query::new()).await.unwrap_err();
    assert_answer(
        &e,
        &relay,
        401,
        codes::UNAUTHENTICATED,
        "not valid",
        ErrorKind::Unauthenticated,
    );
    assert_eq!(count(&mock, Method::GET, "/clusters"), 1, "not resent");
    for text in [
        e.to_string(),
        format!("{e:?}"),
        format!("{:?}", e.ontap()),
        format!("{deploy:?}"),
    ] {
        assert!(!text.contains(wrong), "{text}");
        assert!(!text.contains(PASSWORD), "{text}");
    }
}

#[tokio::test]
async fn forbidden_for_a_read_only_user() {
    let (mock, relay, _) = relayed(43, |c| c.read_only_user("viewer", "View1!")).await;
    let viewer = builder_for(&mock, &relay.url())
        .credentials("viewer", "View1!")
        .build()
        .unwrap();
    // Reading is allowed.
    assert!(viewer.clusters(&Query::new()).await.unwrap().is_empty());
    let e = viewer
        .create_cluster(&NewCluster::new("ots43"), NodeCount::new(1).unwrap())
        .await
        .unwrap_err();
    assert_answer(
        &e,
        &relay,
        403,
        codes::FORBIDDEN,
        "viewer",
        ErrorKind::PermissionDenied,
    );
    assert!(mock.clusters().is_empty());
}

#[tokio::test]
async fn not_found_objects_and_routes() {
    let (_mock, relay, deploy) = relayed(44, |c| c).await;
    let e = deploy
        .cluster("no-such-cluster", Fields::Keys)
        .await
        .unwrap_err();
    assert_answer(
        &e,
        &relay,
        404,
        codes::NOT_FOUND,
        "no-such-cluster",
        ErrorKind::NotFound,
    );
    let e = deploy
        .raw(Method::GET, "no/such/route")
        .send()
        .await
        .unwrap_err();
    assert_answer(
        &e,
        &relay,
        404,
        codes::NO_SUCH_ROUTE,
        "/api/v3/no/such/route",
        ErrorKind::NotFound,
    );
}

#[tokio::test]
async fn method_not_allowed() {
    let (_mock, relay, deploy) = relayed(45, |c| c).await;
    let e = deploy
        .raw(Method::PUT, "clusters")
        .json(&json!({"name": "x"}))
        .unwrap()
        .send()
        .await
        .unwrap_err();
    assert_answer(
        &e,
        &relay,
        405,
        codes::METHOD_NOT_ALLOWED,
        "PUT is not allowed",
        ErrorKind::ClientError,
    );
}

#[tokio::test]
async fn conflict_on_a_duplicate_cluster_name() {
    let (mock, relay, deploy) = relayed(46, |c| c).await;
    let first = deploy
        .create_cluster(&NewCluster::new("ots46"), NodeCount::new(1).unwrap())
        .await
        .unwrap();
    let e = deploy
        .create_cluster(&NewCluster::new("ots46"), NodeCount::new(2).unwrap())
        .await
        .unwrap_err();
    assert_answer(
        &e,
        &relay,
        409,
        codes::ALREADY_EXISTS,
        "ots46",
        ErrorKind::Conflict,
    );
    assert_eq!(e.ontap_code(), Some(codes::ALREADY_EXISTS));
    assert_eq!(mock.clusters().len(), 1);
    assert_eq!(mock.clusters()[0].id, first);
}

#[tokio::test]
async fn internal_error_a_get_is_resent_a_post_is_not() {
    let (mock, relay, deploy) = relayed(47, |c| c).await;

    // A GET that meets a 500 is sent again and succeeds.
    mock.fail_next_request();
    assert!(deploy.clusters(&Query::new()).await.unwrap().is_empty());
    let gets = requests(&mock, Method::GET, "/clusters");
    let statuses: Vec<_> = gets.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Some(500), Some(200)]);

    // So are a 502 and a 504 from a proxy in front of Deploy.
    for status in [502, 504] {
        mock.server().faults().add(
            Fault::new(FaultAction::Respond {
                status,
                headers: Vec::new(),
                body: Bytes::from_static(b"<html>gateway</html>"),
            })
            .on_method(Method::GET)
            .on_path("/api/v3/images")
            .times(1),
        );
        assert_eq!(deploy.images(&Query::new()).await.unwrap().len(), 1);
    }
    let images: Vec<_> = requests(&mock, Method::GET, "/images")
        .iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(images, [Some(502), Some(200), Some(504), Some(200)]);

    // Nor is a GET the caller declared not idempotent.
    mock.fail_next_request();
    let e = deploy
        .raw(Method::GET, "clusters")
        .idempotent(false)
        .send()
        .await
        .unwrap_err();
    assert_eq!(http_detail(&e).0, 500);
    assert_eq!(count(&mock, Method::GET, "/clusters"), 3);

    // A POST that meets a 500 is not: the error carries the 500.
    mock.fail_next_request();
    let e = deploy
        .create_cluster(&NewCluster::new("ots47"), NodeCount::new(1).unwrap())
        .await
        .unwrap_err();
    assert_answer(
        &e,
        &relay,
        500,
        codes::INTERNAL,
        "internal error",
        ErrorKind::ServerError,
    );
    assert_eq!(count(&mock, Method::POST, "/clusters"), 1, "sent once");
    assert!(mock.clusters().is_empty());
    // Neither is a DELETE.
    let id = deploy
        .create_cluster(&NewCluster::new("ots47"), NodeCount::new(1).unwrap())
        .await
        .unwrap();
    mock.fail_next_request();
    let e = deploy.delete_cluster(&id).await.unwrap_err();
    assert_eq!(http_detail(&e).0, 500);
    assert_eq!(count(&mock, Method::DELETE, &format!("/clusters/{id}")), 1);
    assert_eq!(mock.clusters().len(), 1);
}

#[tokio::test]
async fn not_implemented() {
    let (mock, relay, deploy) = relayed(48, |c| c).await;
    let id = deploy
        .create_cluster(&NewCluster::new("ots48"), NodeCount::new(1).unwrap())
        .await
        .unwrap();
    let e = deploy
        .raw(Method::POST, &format!("clusters/{id}/refresh"))
        .send()
        .await
        .unwrap_err();
    assert_answer(
        &e,
        &relay,
        501,
        codes::NOT_IMPLEMENTED,
        "cluster refresh",
        ErrorKind::ServerError,
    );
    assert_eq!(
        count(&mock, Method::POST, &format!("/clusters/{id}/refresh")),
        1,
        "a 501 is not resent"
    );
}

#[tokio::test]
async fn integer_error_codes_read_as_text() {
    let (_mock, relay, deploy) = relayed(49, |c| c.integer_error_codes(true)).await;
    let e = deploy.cluster("missing", Fields::Keys).await.unwrap_err();
    assert_answer(
        &e,
        &relay,
        404,
        codes::NOT_FOUND,
        "missing",
        ErrorKind::NotFound,
    );
    deploy
        .create_cluster(&NewCluster::new("a"), NodeCount::new(1).unwrap())
        .await
        .unwrap();
    let e = deploy
        .create_cluster(&NewCluster::new("a"), NodeCount::new(1).unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.ontap_code(), Some("409001"), "{e}");
    assert!(e.to_string().contains("[409001]"), "{e}");
}

/// A client of a mock nobody runs any more: the connection error is the core's, with no
/// Deploy detail.
#[tokio::test]
async fn transport_failures_have_no_deploy_detail() {
    let (mock, relay, _) = relayed(50, |c| c).await;
    let url = format!("http://{}", mock.addr());
    drop(relay);
    mock.shutdown().await;
    let deploy: DeployClient = builder_for(&mock, &url).build().unwrap();
    let e = deploy.clusters(&Query::new()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect, "{e}");
    assert!(e.ontap().is_none());
}
