//! Host groups, host WWNs and LUNs (reference §13).

use std::time::Duration;

use serde_json::json;
use storkit_core::http::Method;

use crate::support::Api;

#[tokio::test]
async fn host_group_wwn_and_lun_map_unmap() {
    let api = Api::with_jobs("127.0.0.119", Duration::from_millis(20)).await;
    let (token, _) = api.login().await;

    let ports = api.get(&api.obj("ports?portAttributes=TAR"), &token).await;
    let names: Vec<&str> = ports.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["portId"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"CL1-A") && names.contains(&"CL2-A"));
    api.ok(
        Method::PATCH,
        &api.obj("ports/CL1-A"),
        &token,
        Some(json!({ "lunSecuritySetting": true })),
    )
    .await;

    let hg = api
        .ok(
            Method::POST,
            &api.obj("host-groups"),
            &token,
            Some(json!({ "portId": "CL1-A", "hostGroupName": "host-1" })),
        )
        .await;
    assert_eq!(hg, api.obj("host-groups/CL1-A,1"));
    let error = api
        .fails(
            Method::POST,
            &api.obj("host-groups"),
            &token,
            Some(json!({ "portId": "CL1-A", "hostGroupName": "host-1" })),
        )
        .await;
    assert_eq!(
        error["messageId"], "KART30000-E",
        "names are unique per port"
    );
    let list = api.get(&api.obj("host-groups?portId=CL1-A"), &token).await;
    let groups: Vec<&str> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["hostGroupName"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["1A-G00", "host-1"]);
    api.ok(
        Method::PUT,
        &hg,
        &token,
        Some(json!({ "hostMode": "VMWARE_EX", "hostModeOptions": [54, 63] })),
    )
    .await;
    let got = api.get(&hg, &token).await;
    assert_eq!(got.body["hostMode"], "VMWARE_EX");
    assert_eq!(got.body["hostGroupId"], "CL1-A,1");

    let wwn = api
        .ok(Method::POST, &api.obj("host-wwns"), &token, Some(json!({ "hostWwn": "21:00:00:E0:8B:02:56:F8", "portId": "CL1-A", "hostGroupNumber": 1 })))
        .await;
    assert_eq!(wwn, api.obj("host-wwns/CL1-A,1,210000e08b0256f8"));
    let wwns = api
        .get(&api.obj("host-wwns?portId=CL1-A&hostGroupNumber=1"), &token)
        .await;
    assert_eq!(wwns.body["data"][0]["hostWwn"], "210000e08b0256f8");
    assert_eq!(
        api.get(&api.obj("host-wwns"), &token).await.status,
        400,
        "portId is required"
    );

    let lun = api
        .ok(
            Method::POST,
            &api.obj("luns"),
            &token,
            Some(json!({ "portId": "CL1-A", "hostGroupNumber": 1, "ldevId": 347 })),
        )
        .await;
    assert_eq!(lun, api.obj("luns/CL1-A,1,0"));
    let error = api
        .fails(
            Method::POST,
            &api.obj("luns"),
            &token,
            Some(json!({ "portId": "CL1-A", "hostGroupNumber": 1, "ldevId": 347 })),
        )
        .await;
    assert_eq!(
        error["errorCode"],
        json!({ "SSB1": "B958", "SSB2": "015A" })
    );
    let lun2 = api
        .ok(
            Method::POST,
            &api.obj("luns"),
            &token,
            Some(json!({ "portId": "CL1-A", "hostGroupNumber": 1, "ldevId": 348, "lun": 5 })),
        )
        .await;
    assert_eq!(lun2, api.obj("luns/CL1-A,1,5"));
    let luns = api
        .get(&api.obj("luns?portId=CL1-A&hostGroupNumber=1"), &token)
        .await;
    assert_eq!(luns.body["data"].as_array().unwrap().len(), 2);
    let ldev = api.get(&api.obj("ldevs/347"), &token).await;
    assert_eq!(
        ldev.body["ports"][0],
        json!({ "portId": "CL1-A", "hostGroupNumber": 1, "hostGroupName": "host-1", "lun": 0 })
    );
    let mapped = api.get(&api.obj("ldevs?ldevOption=luMapped"), &token).await;
    assert_eq!(mapped.body["data"].as_array().unwrap().len(), 2);

    // A mapped LDEV cannot be deleted; unmapping frees it.
    let error = api
        .fails(Method::DELETE, &api.obj("ldevs/348"), &token, None)
        .await;
    assert_eq!(error["errorCode"]["errorCode"], "EX_CMDRJE");
    assert_eq!(api.ok(Method::DELETE, &lun2, &token, None).await, lun2);
    assert_eq!(api.get(&lun2, &token).await.status, 404);
    api.ok(Method::DELETE, &wwn, &token, None).await;
    api.fails(Method::DELETE, &wwn, &token, None).await;

    // Deleting the host group takes its LUNs along; host group 0 stays.
    api.ok(Method::DELETE, &hg, &token, None).await;
    assert_eq!(api.get(&lun, &token).await.status, 404);
    assert_eq!(api.get(&hg, &token).await.status, 404);
    api.fails(
        Method::DELETE,
        &api.obj("host-groups/CL1-A,0"),
        &token,
        None,
    )
    .await;
    assert_eq!(
        api.get(&api.obj("host-groups/CL9-Z,1"), &token)
            .await
            .status,
        404
    );
    assert_eq!(
        api.get(&api.obj("host-groups/garbage"), &token)
            .await
            .status,
        404
    );
}
