//! Bulk ingest: many files, all nodes, one result per file, resumable.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use storkit_hcp::{BulkEvent, BulkIngest, Outcome, PathBuilder};

use crate::support::{client, ip, system, temp_dir};

fn files(n: usize) -> Vec<std::path::PathBuf> {
    let dir = temp_dir("bulk");
    (0..n)
        .map(|i| {
            let f = dir.join(format!("file-{i}.txt"));
            std::fs::write(&f, format!("content of file {i}\n").repeat(100)).unwrap();
            f
        })
        .collect()
}

#[tokio::test]
async fn every_file_gets_one_result_even_when_a_node_fails_mid_run() {
    let mock = Arc::new(system(&[80, 81, 82, 83]).await);
    let c = client(&mock);
    let input = files(60);
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let stopper = {
        let mock = Arc::clone(&mock);
        tokio::spawn(async move {
            mock.server()
                .log()
                .wait_for(10, std::time::Duration::from_secs(5))
                .await;
            mock.server().stop_node(ip(82)).unwrap();
        })
    };
    let results = BulkIngest::new(c, PathBuilder::new("/rest/bulk").annotation(true))
        .concurrency(8)
        .run(input.clone(), move |e| seen.lock().unwrap().push(e.clone()))
        .await
        .unwrap();
    stopper.await.unwrap();
    assert_eq!(results.len(), 60);
    for (r, f) in results.iter().zip(&input) {
        assert_eq!(&r.file, f);
        assert!(matches!(r.outcome, Outcome::Stored { .. }), "{r:?}");
        let stored = mock.object("n1", &r.object).unwrap();
        assert_eq!(stored.data, std::fs::read(f).unwrap());
    }
    let objects: BTreeSet<_> = results.iter().map(|r| r.object.clone()).collect();
    assert_eq!(objects.len(), 60, "one object per file");
    let finished = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, BulkEvent::Finished { .. }))
        .count();
    assert_eq!(finished, 60, "reported once each");
    let nodes: BTreeSet<_> = mock
        .server()
        .log()
        .entries()
        .iter()
        .map(|e| e.node.ip())
        .collect();
    assert!(nodes.len() >= 3, "spread over the nodes: {nodes:?}");
}

#[tokio::test]
async fn a_resumed_run_skips_what_was_stored_and_never_stores_twice() {
    let mock = system(&[84, 85]).await;
    let c = client(&mock);
    let input = files(20);
    let journal = temp_dir("journal").join("run.jsonl");
    let ingest = BulkIngest::new(c, PathBuilder::new("/rest/resume"))
        .concurrency(4)
        .journal(&journal);
    let first = ingest.run(input[..12].to_vec(), |_| {}).await.unwrap();
    assert!(
        first
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Stored { already: false, .. }))
    );
    // An interruption after the journal named a file but before its PUT finished: the
    // line is there without an outcome, and the object was stored (its answer lost).
    let interrupted = &input[12];
    let name = "/rest/resume/ab/cd/00000000-cdab-11f0-8000-000000000000";
    mock.insert_object("n1", name, std::fs::read(interrupted).unwrap(), "n")
        .unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .and_then(|mut f| {
            use std::io::Write;
            writeln!(
                f,
                "{{\"file\":{:?},\"object\":{name:?}}}",
                interrupted.display().to_string()
            )
        })
        .unwrap();

    let second = ingest.run(input.clone(), |_| {}).await.unwrap();
    assert_eq!(second.len(), 20);
    for r in &second[..12] {
        assert!(
            matches!(r.outcome, Outcome::Stored { already: true, .. }),
            "{r:?}"
        );
        assert_eq!(r.served, None, "nothing was sent for it in this run");
    }
    assert_eq!(second[12].object, name, "the journal's name is reused");
    assert!(
        matches!(second[12].outcome, Outcome::Stored { .. }),
        "{:?}",
        second[12]
    );
    let stored = mock
        .object_paths("n1")
        .into_iter()
        .filter(|p| p.starts_with("/rest/resume/") && mock.object("n1", p).is_some())
        .count();
    assert_eq!(stored, 20, "no file stored twice");
}

#[tokio::test]
async fn each_result_names_the_node_that_stored_its_file_and_the_run_covers_all_nodes() {
    let mock = system(&[164, 165, 166, 167]).await;
    let c = client(&mock);
    let input = files(40);
    let finished = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&finished);
    let results = BulkIngest::new(c, PathBuilder::new("/rest/nodes"))
        .concurrency(8)
        .run(input, move |e| {
            if let BulkEvent::Finished { result, .. } = e {
                seen.lock().unwrap().push(result.clone());
            }
        })
        .await
        .unwrap();
    assert_eq!(results.len(), 40);

    // The node each object's PUT reached, from the mock's side.
    let stored_by: std::collections::HashMap<String, std::net::IpAddr> = mock
        .server()
        .log()
        .entries()
        .iter()
        .filter(|e| e.method == "PUT" && e.status == Some(201))
        .map(|e| (e.path.clone(), e.node.ip()))
        .collect();
    for r in &results {
        assert!(matches!(r.outcome, Outcome::Stored { .. }), "{r:?}");
        let served = r.served.unwrap_or_else(|| panic!("no node for {r:?}"));
        assert!(!served.replica);
        assert_eq!(Some(&served.address), stored_by.get(&r.object), "{r:?}");
    }
    let events = finished.lock().unwrap();
    assert_eq!(events.len(), 40);
    let from_events: BTreeSet<_> = events.iter().map(|r| r.served.map(|s| s.address)).collect();
    let all: BTreeSet<_> = [164, 165, 166, 167].map(|n| Some(ip(n))).into();
    assert_eq!(from_events, all, "the events name every node");
    let from_results: BTreeSet<_> = results
        .iter()
        .map(|r| r.served.map(|s| s.address))
        .collect();
    assert_eq!(from_results, all, "the results name every node");
}
