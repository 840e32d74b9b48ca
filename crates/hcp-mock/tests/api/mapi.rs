//! The management API: replication links and actions, logs, tenants, chargeback.

use http::Method;
use storkit_hcp_mock::token;

use crate::support::{ADMIN, Hcp, N1, admin_auth, raw_tls};

#[tokio::test]
async fn replication_documents_are_compact_xml_or_json() {
    let hcp = Hcp::start(&[30]).await;
    let service = hcp
        .admin(Method::GET, "/mapi/services/replication", &[])
        .await;
    assert_eq!(service.status, 200);
    assert_eq!(service.header("x-hcp-softwareversion"), Some("7.1.0.10"));
    assert_eq!(service.header("content-type"), Some("application/xml"));
    let text = service.text();
    assert!(
        text.ends_with("<replicationService><allowTenantsToMonitorNamespaces>true</allowTenantsToMonitorNamespaces><enableDNSFailover>true</enableDNSFailover><enableDomainAndCertificateSynchronization>true</enableDomainAndCertificateSynchronization><network>[hcp_system]</network><connectivityTimeoutSeconds>30</connectivityTimeoutSeconds><status>ENABLED</status><verification>ONCE</verification></replicationService>"),
        "{text}"
    );

    let links = hcp
        .admin(Method::GET, "/mapi/services/replication/links", &[])
        .await;
    assert!(
        links.text().ends_with(
            "<links><name>hcp1--&lt;--&gt;--hcp2</name><name>hcp1-to-hcp3</name></links>"
        ),
        "{}",
        links.text()
    );
    let json = hcp
        .admin(
            Method::GET,
            "/mapi/services/replication/links",
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(json.header("content-type"), Some("application/json"));
    assert_eq!(
        json.text(),
        r#"{"name":["hcp1--<-->--hcp2","hcp1-to-hcp3"]}"#
    );

    let link = hcp
        .admin(
            Method::GET,
            "/mapi/services/replication/links/hcp1-to-hcp3?verbose=true",
            &[],
        )
        .await
        .text();
    assert!(!link.contains('\n'), "{link}");
    assert!(
        link.contains("<connection><localHost>127.0.7.30</localHost><localPort>5748</localPort>"),
        "{link}"
    );
    assert!(
        link.contains("<autoCompleteRecovery>false</autoCompleteRecovery>"),
        "{link}"
    );
    assert!(link.contains("<type>OUTBOUND</type>"), "{link}");
    let pretty = hcp
        .admin(
            Method::GET,
            "/mapi/services/replication/links/hcp1-to-hcp3?prettyprint",
            &[],
        )
        .await
        .text();
    assert!(
        pretty.contains("\n    <connection>\n        <localHost>"),
        "{pretty}"
    );
    assert_eq!(
        hcp.admin(Method::GET, "/mapi/services/replication/links/nope", &[])
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn link_actions_follow_the_state_machine() {
    let hcp = Hcp::start(&[31]).await;
    let aa = "/mapi/services/replication/links/hcp1--%3C--%3E--hcp2";
    let post = |query: &'static str| {
        let hcp = &hcp;
        async move { hcp.admin(Method::POST, &format!("{aa}?{query}"), &[]).await }
    };
    let refused = post("failBack=").await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.header("x-hcp-errormessage"),
        Some("link not failed over")
    );
    assert_eq!(refused.header("x-hcp-softwareversion"), Some("7.1.0.10"));
    let ok = post("failOver").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("content-length"), Some("0"));
    assert!(hcp.mock.link("hcp1--<-->--hcp2").unwrap().failed_over);
    assert_eq!(post("failOver=").await.status, 400);
    assert_eq!(
        post("beginRecovery").await.header("x-hcp-errormessage"),
        Some("beginRecovery not allowed on ACTIVE_ACTIVE link")
    );
    assert_eq!(post("failBack").await.status, 200);
    assert_eq!(post("suspend=").await.status, 200);
    assert_eq!(post("jump").await.status, 400);
    assert_eq!(post("suspend&resume").await.status, 400);
    assert_eq!(post("prettyprint").await.status, 400);
    let state = hcp.mock.link("hcp1--<-->--hcp2").unwrap();
    assert!(state.suspended && !state.failed_over);
    assert_eq!(state.history, ["failOver", "failBack", "suspend"]);

    // hcpsdk sends the `<-->` raw; the kit hands it over, and the name matches.
    let auth = admin_auth();
    let request = format!(
        "POST /mapi/services/replication/links/hcp1--<-->--hcp2?resume= HTTP/1.1\r\n\
         Host: {ADMIN}\r\nAuthorization: {auth}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let addr = hcp.mock.server().listener_addrs(hcp.mock.mapi_listener())[0];
    let answer = raw_tls(addr, &hcp.mock.ca_pem(), request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(!hcp.mock.link("hcp1--<-->--hcp2").unwrap().suspended);
    let request = format!(
        "GET /mapi/services/replication/links/hcp1--<-->--hcp2?verbose=true HTTP/1.1\r\n\
         Host: {ADMIN}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
    );
    let answer = raw_tls(addr, &hcp.mock.ca_pem(), request.as_bytes()).await;
    assert!(
        answer.contains("<name>hcp1--&lt;--&gt;--hcp2</name>"),
        "{answer}"
    );

    // Active/passive recovery, with both spellings of beginRecovery.
    let ob = "/mapi/services/replication/links/hcp1-to-hcp3";
    for (action, status) in [
        ("failBack", 400),
        ("beginRecover", 400),
        ("failOver", 200),
        ("beginRecover", 200),
        ("beginRecovery", 400),
        ("completeRecovery", 200),
        ("completeRecovery", 400),
    ] {
        let reply = hcp
            .admin(Method::POST, &format!("{ob}?{action}"), &[])
            .await;
        assert_eq!(reply.status, status, "{action}");
    }
}

#[tokio::test]
async fn mapi_auth_and_ports() {
    let hcp = Hcp::start(&[32]).await;
    let url = hcp.mapi(0, "/mapi/tenants");
    let get = |headers: Vec<(&'static str, String)>| {
        let hcp = &hcp;
        let url = url.clone();
        async move {
            let all: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            hcp.send(Method::GET, &url, &all, b"").await
        }
    };
    let cookie = format!("hcp-api-auth={}", token("service", "service01"));
    assert_eq!(get(vec![("cookie", cookie)]).await.status, 200);
    let refused = get(vec![]).await;
    assert_eq!(refused.status, 403);
    assert!(refused.header("x-hcp-errormessage").is_some());
    assert!(refused.header("x-hcp-softwareversion").is_some());
    // A tenant user sees its own tenant through its tenant host, nothing system-level.
    let user = format!("HCP {}", token("n", "n01"));
    let own = get(vec![
        ("host", "m.hcp1.example".into()),
        ("authorization", user.clone()),
    ])
    .await;
    assert_eq!(own.status, 200);
    let links = hcp
        .send(
            Method::GET,
            &hcp.mapi(0, "/mapi/services/replication/links"),
            &[("host", "m.hcp1.example"), ("authorization", &user)],
            b"",
        )
        .await;
    assert_eq!(links.status, 403);
    // MAPI is not on the data port, and /rest is not on MAPI.
    let auth = admin_auth();
    let wrong = hcp
        .send(
            Method::GET,
            &hcp.data(0, "/mapi/tenants"),
            &[("host", ADMIN), ("authorization", &auth)],
            b"",
        )
        .await;
    assert_eq!(wrong.status, 404);
    assert_eq!(hcp.admin(Method::GET, "/rest/x", &[]).await.status, 404);
    assert_eq!(
        hcp.admin(Method::DELETE, "/mapi/services/replication", &[])
            .await
            .status,
        405
    );
}

#[tokio::test]
async fn tenants_and_chargeback() {
    let hcp = Hcp::start(&[33]).await;
    hcp.n1(Method::PUT, "/rest/cb.txt", b"0123456789").await;
    let json = [("accept", "application/json")];
    let list = hcp
        .admin(Method::GET, "/mapi/tenants?verbose=true", &json)
        .await;
    assert_eq!(list.text(), r#"{"name":["m"]}"#);
    let xml = hcp.admin(Method::GET, "/mapi/tenants", &[]).await.text();
    assert!(xml.ends_with("<tenants><name>m</name></tenants>"), "{xml}");
    let info = hcp
        .admin(Method::GET, "/mapi/tenants/m", &json)
        .await
        .text();
    assert!(
        info.contains(r#""name":"m""#) && info.contains(r#""softQuota":85"#),
        "{info}"
    );
    assert!(
        info.contains(r#""authenticationTypes":{"authenticationType":["LOCAL","EXTERNAL"]}"#),
        "{info}"
    );
    assert_eq!(
        hcp.admin(Method::GET, "/mapi/tenants/zz", &json)
            .await
            .status,
        404
    );

    let report = hcp
        .admin(
            Method::GET,
            "/mapi/tenants/m/chargebackReport?start=2020-01-31T00:00:00-0500&end=2020-01-31T13:59:59-0500&granularity=day&prettyprint=true",
            &json,
        )
        .await;
    assert_eq!(report.status, 200);
    let text = report.text();
    assert!(text.contains("\"chargebackData\": ["), "{text}");
    assert!(text.contains("\"namespaceName\": \"n1\""), "{text}");
    assert!(text.contains("\"objectCount\": 1"), "{text}");
    assert!(text.contains("\"storageCapacityUsed\": 10"), "{text}");
    let csv = hcp
        .admin(
            Method::GET,
            "/mapi/tenants/m/chargebackReport",
            &[("accept", "text/csv")],
        )
        .await;
    assert_eq!(csv.header("content-type"), Some("text/csv"));
    assert!(
        csv.text()
            .starts_with("systemName,tenantName,namespaceName")
    );
    assert_eq!(csv.text().lines().count(), 4);
    let xml = hcp
        .admin(Method::GET, "/mapi/tenants/m/chargebackReport", &[])
        .await
        .text();
    assert!(xml.contains("<chargebackData><chargebackReport>"), "{xml}");
    for bad in ["granularity=week", "start=yesterday"] {
        let reply = hcp
            .admin(
                Method::GET,
                &format!("/mapi/tenants/m/chargebackReport?{bad}"),
                &[],
            )
            .await;
        assert_eq!(reply.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn log_collection() {
    let hcp = Hcp::with(&[34], |c| {
        c.log_prepare_time(std::time::Duration::from_millis(300))
    })
    .await;
    assert_eq!(
        hcp.admin(Method::POST, "/mapi/logs?mark=hello+world", &[])
            .await
            .status,
        200
    );
    assert_eq!(
        hcp.admin(Method::POST, "/mapi/logs?mark=", &[])
            .await
            .status,
        400
    );
    assert_eq!(hcp.mock.log_marks(), ["hello world"]);
    let status = hcp.admin(Method::GET, "/mapi/logs", &[]).await.text();
    assert!(!status.contains("<content"), "{status}");
    assert!(!status.contains("/>"), "no empty elements: {status}");

    let auth = admin_auth();
    let prepare = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<logPrepare>\n  <startDate>03/01/2017</startDate>\n  <endDate>03/21/2017</endDate>\n  \n</logPrepare>\n";
    let post = |path: &'static str, body: &'static str| {
        let hcp = &hcp;
        let auth = auth.clone();
        async move {
            hcp.send(
                Method::POST,
                &hcp.mapi(0, path),
                &[
                    ("host", ADMIN),
                    ("authorization", &auth),
                    ("content-type", "application/xml"),
                ],
                body.as_bytes(),
            )
            .await
        }
    };
    assert_eq!(post("/mapi/logs/prepare", prepare).await.status, 200);
    assert_eq!(post("/mapi/logs/prepare", prepare).await.status, 400);
    let download = "<logDownload>\n    \n    <snodes></snodes>\n    <content>ACCESS,SYSTEM</content>\n</logDownload>";
    assert_eq!(post("/mapi/logs/download", download).await.status, 400);
    tokio::time::sleep(std::time::Duration::from_millis(350)).await;
    let status = hcp.admin(Method::GET, "/mapi/logs", &[]).await.text();
    assert!(
        status.contains("<readyForStreaming>true</readyForStreaming>")
            && status.contains("<content>ACCESS,SYSTEM,SERVICE,APPLICATION</content>"),
        "{status}"
    );
    let zip = post("/mapi/logs/download", download).await;
    assert_eq!(zip.status, 200);
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    let disposition = zip.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=HCPLogs-admin.hcp1.example-")
            && disposition.ends_with(".zip")
            && !disposition.contains('"'),
        "{disposition}"
    );
    assert_eq!(&zip.body[..4], b"PK\x03\x04");
    assert!(zip.body.windows(11).any(|w| w == b"hello world"));
    assert_eq!(hcp.mock.log_downloads(), 1);
    assert_eq!(
        hcp.admin(Method::POST, "/mapi/logs?cancel", &[])
            .await
            .status,
        200
    );
    let status = hcp.admin(Method::GET, "/mapi/logs", &[]).await.text();
    assert!(status.contains("<started>false</started>"), "{status}");
    // The data port knows nothing of logs.
    assert_eq!(hcp.n1(Method::GET, "/mapi/logs", b"").await.status, 404);
    let _ = N1;
}

#[tokio::test]
async fn head_is_get_without_a_body_and_302_when_missing_or_forbidden() {
    let hcp = Hcp::start(&[210]).await;
    for path in [
        "/mapi/services/replication",
        "/mapi/services/replication/links",
        "/mapi/services/replication/links/hcp1-to-hcp3",
        "/mapi/tenants",
        "/mapi/tenants/m",
        "/mapi/logs",
    ] {
        let get = hcp.admin(Method::GET, path, &[]).await;
        let head = hcp.admin(Method::HEAD, path, &[]).await;
        assert_eq!(
            (get.status.as_u16(), head.status.as_u16()),
            (200, 200),
            "{path}"
        );
        assert!(head.body.is_empty(), "{path}");
        assert_eq!(
            head.header("content-length"),
            get.header("content-length"),
            "{path}"
        );
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "{path}"
        );
        assert_eq!(head.header("x-hcp-softwareversion"), Some("7.1.0.10"));
    }
    // A missing resource: 404 to GET, 302 to HEAD.
    for path in [
        "/mapi/services/replication/links/nope",
        "/mapi/tenants/nope",
        "/mapi/nothing",
    ] {
        assert_eq!(
            hcp.admin(Method::GET, path, &[]).await.status,
            404,
            "{path}"
        );
        let head = hcp.admin(Method::HEAD, path, &[]).await;
        assert_eq!(head.status, 302, "{path}");
        assert!(head.header("x-hcp-errormessage").is_some());
    }
    // Invalid credentials: 403 to GET and to HEAD alike (§8.5).
    let wrong = format!("HCP {}", token("service", "wrong"));
    let url = hcp.mapi(0, "/mapi/tenants");
    let headers = [("host", ADMIN), ("authorization", wrong.as_str())];
    assert_eq!(hcp.send(Method::GET, &url, &headers, b"").await.status, 403);
    assert_eq!(
        hcp.send(Method::HEAD, &url, &headers, b"").await.status,
        403
    );
    // Without permission (a tenant-level account on a system resource): 403 to GET, 302
    // to HEAD.
    let n = format!("HCP {}", token("n", "n01"));
    let tenant_user = [("host", "m.hcp1.example"), ("authorization", n.as_str())];
    let links = hcp.mapi(0, "/mapi/services/replication/links");
    assert_eq!(
        hcp.send(Method::GET, &links, &tenant_user, b"")
            .await
            .status,
        403
    );
    assert_eq!(
        hcp.send(Method::HEAD, &links, &tenant_user, b"")
            .await
            .status,
        302
    );
    // Other errors keep their status: HEAD on a POST-only resource is 405.
    assert_eq!(
        hcp.admin(Method::HEAD, "/mapi/logs/prepare", &[])
            .await
            .status,
        405
    );
}

#[tokio::test]
async fn shut_down_and_reestablish_all_links() {
    let hcp = Hcp::start(&[211]).await;
    let service = "/mapi/services/replication";
    let down = hcp
        .admin(
            Method::POST,
            &format!("{service}?shutDownAllLinks=maintenance"),
            &[],
        )
        .await;
    assert_eq!(down.status, 200);
    assert_eq!(down.header("content-length"), Some("0"));
    for name in ["hcp1--<-->--hcp2", "hcp1-to-hcp3"] {
        let state = hcp.mock.link(name).unwrap();
        assert!(state.shut_down, "{name}");
        assert_eq!(state.status(), "WARNING");
        assert_eq!(state.history, ["shutDownAllLinks"]);
    }
    let link = hcp
        .admin(Method::GET, &format!("{service}/links/hcp1-to-hcp3"), &[])
        .await
        .text();
    assert!(link.contains("<status>WARNING</status>"), "{link}");
    assert_eq!(
        hcp.admin(Method::POST, &format!("{service}?reestablishAllLinks"), &[])
            .await
            .status,
        200
    );
    let state = hcp.mock.link("hcp1-to-hcp3").unwrap();
    assert!(!state.shut_down);
    assert_eq!(state.status(), "GOOD");
    assert_eq!(state.history, ["shutDownAllLinks", "reestablishAllLinks"]);
    for bad in ["", "?jump", "?shutDownAllLinks=x&reestablishAllLinks"] {
        let r = hcp
            .admin(Method::POST, &format!("{service}{bad}"), &[])
            .await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.header("x-hcp-errormessage").is_some());
    }
    assert_eq!(hcp.admin(Method::PUT, service, &[]).await.status, 405);
}
