//! The keyset paging stream over 250 clusters created through the client. Addresses
//! 127.0.14.90–99.

use std::collections::BTreeSet;

use storkit_core::http::Method;
use storkit_ontap_deploy::model::{Cluster, NewCluster, NodeCount};
use storkit_ontap_deploy::{ErrorKind, Fields, Query};

use crate::support::{client, collect, requests, start};

#[tokio::test]
async fn two_hundred_and_fifty_clusters_in_pages_of_a_hundred() {
    let mock = start(90, |c| c).await;
    let deploy = client(&mock);
    let mut created = BTreeSet::new();
    for i in 0..250 {
        let id = deploy
            .create_cluster(
                &NewCluster::new(format!("ots{i:03}")),
                NodeCount::new(1).unwrap(),
            )
            .await
            .unwrap();
        created.insert(id);
    }
    assert_eq!(created.len(), 250);
    assert_eq!(mock.clusters().len(), 250);

    let stream = deploy.collection_stream::<Cluster>("clusters", Query::new(), "id", 100);
    let items = collect(stream).await;
    let ids: Vec<String> = items
        .into_iter()
        .map(|c| c.unwrap().id.expect("an id"))
        .collect();
    assert_eq!(ids.len(), 250, "each exactly once");
    let seen: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(seen, created);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order");

    let queries: Vec<String> = requests(&mock, Method::GET, "/clusters")
        .iter()
        .map(|p| p.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(queries.len(), 3, "{queries:?}");
    assert_eq!(queries[0], "order_by=id%20asc&max_records=100");
    assert_eq!(
        queries[1],
        format!("order_by=id%20asc&max_records=100&id=%3E{}", ids[99])
    );
    assert_eq!(
        queries[2],
        format!("order_by=id%20asc&max_records=100&id=%3E{}", ids[199])
    );
}

#[tokio::test]
async fn the_stream_keeps_the_callers_query_and_stops_on_an_error() {
    let mock = start(91, |c| c).await;
    let deploy = client(&mock);
    for name in ["alpha", "beta", "gamma", "other"] {
        deploy
            .create_cluster(&NewCluster::new(name), NodeCount::new(1).unwrap())
            .await
            .unwrap();
    }
    // A filter and fields of the caller's, two pages of two (the second short).
    let query = Query::new().ne("name", "other").fields(Fields::Cheap);
    let items = collect(deploy.collection_stream::<Cluster>("clusters", query, "name", 2)).await;
    let names: Vec<String> = items
        .into_iter()
        .map(|c| c.unwrap().name.unwrap())
        .collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    let queries: Vec<String> = requests(&mock, Method::GET, "/clusters")
        .iter()
        .map(|p| p.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        queries,
        [
            "name=!other&fields=*&order_by=name%20asc&max_records=2",
            "name=!other&fields=*&order_by=name%20asc&max_records=2&name=%3Ebeta",
        ]
    );

    // A key the records lack ends the stream with an error.
    let items =
        collect(deploy.collection_stream::<Cluster>("clusters", Query::new(), "ip", 10)).await;
    assert_eq!(items.len(), 1);
    let e = items.into_iter().next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}
