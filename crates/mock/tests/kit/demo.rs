//! The demo app's routes.

use std::time::Duration;

use http::Method;
use storkit_mock::demo::DemoApp;
use storkit_mock::{MockServer, ServerConfig, body};

use crate::support::{NODE_A, PlainClient, get, json_field, plain_client, send};

async fn start(app: DemoApp) -> (MockServer, PlainClient) {
    let server = MockServer::start(ServerConfig::new().ips([NODE_A]), app)
        .await
        .unwrap();
    (server, plain_client())
}

#[tokio::test]
async fn bytes_echo_sink_and_status() {
    let (server, client) = start(DemoApp::new()).await;
    let url = server.url();

    let reply = get(&client, &format!("{url}/bytes/300")).await.unwrap();
    assert_eq!(reply.headers["content-type"], "application/octet-stream");
    let expected: Vec<u8> = (0..300u64).map(body::pattern_byte).collect();
    assert_eq!(reply.body[..], expected[..]);
    assert_eq!(reply.body[251], 0);

    let request = http::Request::post(format!("{url}/echo?a=1&b=%22"))
        .header("X-Note", "say \"hi\"\\")
        .header("x-multi", "one")
        .header("x-multi", "two")
        .body(body::full("twelve bytes"))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let text = {
        use http_body_util::BodyExt;
        String::from_utf8(
            response
                .into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        )
        .unwrap()
    };
    assert!(
        text.starts_with("{\"method\":\"POST\",\"path\":\"/echo\""),
        "{text}"
    );
    assert_eq!(json_field(&text, "query").as_deref(), Some("a=1&b=%22"));
    assert_eq!(json_field(&text, "body_len").as_deref(), Some("12"));
    assert_eq!(
        json_field(&text, "x-note").as_deref(),
        Some(r#"say \"hi\"\\"#)
    );
    assert_eq!(json_field(&text, "x-multi").as_deref(), Some("one, two"));
    assert_eq!(
        json_field(&text, "host"),
        Some(server.addrs()[0].to_string())
    );

    let reply = send(
        &client,
        Method::POST,
        &format!("{url}/sink"),
        body::pattern(1000),
    )
    .await
    .unwrap();
    assert_eq!(
        reply.text(),
        "{\"len\":1000,\"sha256\":\"4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d\"}"
    );

    assert_eq!(
        get(&client, &format!("{url}/status/418"))
            .await
            .unwrap()
            .status,
        418
    );
    assert_eq!(
        get(&client, &format!("{url}/status/99"))
            .await
            .unwrap()
            .status,
        400
    );
    assert_eq!(
        get(&client, &format!("{url}/nowhere"))
            .await
            .unwrap()
            .status,
        404
    );
    let reply = send(
        &client,
        Method::DELETE,
        &format!("{url}/sink"),
        body::empty(),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "PUT, POST");
}

#[tokio::test]
async fn jobs_succeed_on_the_announced_poll() {
    let (server, client) = start(DemoApp::new()).await;
    let url = server.url();
    let reply = send(
        &client,
        Method::POST,
        &format!("{url}/jobs?after=2"),
        body::full("{}"),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 202);
    assert_eq!(
        reply.text(),
        r#"{"id":"1","state":"running","self":"/jobs/1"}"#
    );
    assert_eq!(reply.headers["location"], "/jobs/1");

    let poll = get(&client, &format!("{url}/jobs/1")).await.unwrap();
    assert_eq!(poll.text(), r#"{"id":"1","state":"running","polls":1}"#);
    let poll = get(&client, &format!("{url}/jobs/1")).await.unwrap();
    assert_eq!(poll.text(), r#"{"id":"1","state":"succeeded","polls":2}"#);

    // Default: the third poll.
    send(&client, Method::POST, &format!("{url}/jobs"), body::empty())
        .await
        .unwrap();
    let states: Vec<String> = {
        let mut states = Vec::new();
        for _ in 0..3 {
            let poll = get(&client, &format!("{url}/jobs/2")).await.unwrap();
            states.push(json_field(poll.text(), "state").unwrap());
        }
        states
    };
    assert_eq!(states, ["running", "running", "succeeded"]);

    let missing = get(&client, &format!("{url}/jobs/99")).await.unwrap();
    assert_eq!(missing.status, 404);
    assert_eq!(
        json_field(missing.text(), "error").as_deref(),
        Some("no such job")
    );
}

#[tokio::test]
async fn jobs_can_succeed_after_a_duration() {
    let app = DemoApp::with_job_duration(Duration::from_millis(200));
    let (server, client) = start(app.clone()).await;
    let url = server.url();
    send(
        &client,
        Method::POST,
        &format!("{url}/jobs?after=1"),
        body::empty(),
    )
    .await
    .unwrap();
    assert_eq!(app.jobs_created(), 1);
    let poll = get(&client, &format!("{url}/jobs/1")).await.unwrap();
    assert_eq!(json_field(poll.text(), "state").as_deref(), Some("running"));
    tokio::time::sleep(Duration::from_millis(250)).await;
    let poll = get(&client, &format!("{url}/jobs/1")).await.unwrap();
    assert_eq!(
        json_field(poll.text(), "state").as_deref(),
        Some("succeeded")
    );
}
