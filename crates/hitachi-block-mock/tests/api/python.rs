//! Python `requests` with `verify=False` against the TLS mock, the way the seeds talk to it:
//! version → session → ShadowImage create/poll/split/get → discard.

use std::process::Command;
use std::time::Duration;

use crate::support::Api;

const SCRIPT: &str = r#"
import json, sys, time, warnings
import requests
warnings.filterwarnings("ignore")
base = sys.argv[1] + "/ConfigurationManager"
obj = base + "/v1/objects/storages/886000410000"
headers = {"content-type": "application/json", "accept": "application/json",
           "Response-Job-Status": "Completed"}

def wait(r):
    assert r.status_code == 202, (r.status_code, r.text)
    print("JOB URL : " + r.json()["self"])
    status, job = "Initializing", None
    while status != "Completed":
        time.sleep(0.05)
        job = requests.get(obj + "/jobs/" + str(r.json()["jobId"]), headers=headers, verify=False)
        status = job.json()["status"]
    assert job.json()["state"] == "Succeeded", job.text
    return job.json()["affectedResources"][0]

r = requests.get(base + "/configuration/version", headers=headers, verify=False)
assert r.status_code == 200
major, minor = [int(x) for x in r.json()["apiVersion"].split(".")[:2]]
assert (major, minor) >= (1, 2)
r = requests.post(obj + "/sessions", headers=headers, auth=("user1", "pass1"), verify=False)
assert r.status_code == 200, r.text
session_id = r.json()["sessionId"]
headers["Authorization"] = "Session " + r.json()["token"]
try:
    body = {"copyGroupName": "SI_347", "copyPairName": "p_347-348", "replicationType": "SI",
            "pvolLdevId": 347, "pvolMuNumber": 0, "svolLdevId": 348, "isNewGroupCreation": True}
    pair_url = sys.argv[1] + wait(requests.post(obj + "/local-clone-copypairs", headers=headers,
                                                data=json.dumps(body), verify=False))
    r = requests.get(pair_url + "/actions/split", headers=headers, verify=False)
    assert r.status_code == 200
    body = r.json()
    body["parameters"]["copyPace"] = 3
    wait(requests.put(pair_url + "/actions/split/invoke", headers=headers,
                      data=json.dumps(body), verify=False))
    r = requests.get(pair_url, headers=headers, verify=False)
    assert r.status_code == 200
    print("STATUS " + r.json()["pvolStatus"] + " " + r.json()["svolStatus"] + " "
          + r.json()["localCloneCopypairId"] + " " + str(r.json()["pvolLdevId"]))
finally:
    r = requests.delete(obj + "/sessions/" + str(session_id), headers=headers, verify=False)
    print("DISCARD " + str(r.status_code))
"#;

fn has_requests() -> bool {
    Command::new("python3")
        .args(["-c", "import requests"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn python_requests_runs_the_seed_flow() {
    if !has_requests() {
        eprintln!("skipped: python3 with requests is not available");
        return;
    }
    let api = Api::with_jobs("127.0.0.125", Duration::from_millis(100)).await;
    let dir = std::env::temp_dir().join(format!("storkit-hitachi-mock-py-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("seed_flow.py");
    std::fs::write(&script, SCRIPT).unwrap();
    let url = api.mock.url();
    let output =
        tokio::task::spawn_blocking(move || Command::new("python3").arg(&script).arg(url).output())
            .await
            .unwrap()
            .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("STATUS PSUS SSUS SI_347,SI_347P_,SI_347S_,p_347-348 347"),
        "{stdout}"
    );
    assert!(stdout.contains("DISCARD 200"), "{stdout}");
    assert_eq!(api.mock.live_sessions(), 0);
}
