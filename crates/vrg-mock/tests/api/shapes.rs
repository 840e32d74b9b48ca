//! The interface document's sample spellings, each switched on at least once. Addresses
//! 127.0.10.120–139.

use serde_json::{Value, json};
use storkit_vrg_mock::SeedShapes;

use crate::support::{Client, Req, VM1, VM2, dr, production, start};

#[tokio::test]
async fn versions_networks_status_and_errors_in_sample_shape() {
    let mock = start(120, |c| {
        c.seed_shapes(SeedShapes {
            login_url: true,
            netinfos_key: true,
            status_string: true,
            numeric_error_code: true,
            ..SeedShapes::default()
        })
    })
    .await;
    let mut client = Client::new(&mock);
    let versions = client.get("/versions").await.json();
    assert_eq!(
        versions,
        json!({"versions": [{"version": "v1.0", "loginUrl": "/vrgservice/session"}]})
    );
    let refused = client.get("/vrgstatus").await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json(),
        json!({"errorCode": 10440102, "errorDes": "用户未登录或超时,请重新登录后重试。"})
    );
    client.login().await;
    assert_eq!(client.get("/vrgstatus").await.json()["status"], "1");
    let networks = client.get("/netinfos").await.json();
    assert_eq!(networks["netinfos"].as_array().unwrap().len(), 3);
    assert!(networks.get("netInfos").is_none());
    assert_eq!(
        client.get("/trapinfo").await.json()["errorCode"],
        json!(10440402)
    );
}

#[tokio::test]
async fn strategies_in_sample_shape() {
    let mock = start(121, |c| {
        c.seed_shapes(SeedShapes {
            method_strings: true,
            dst_vol_dsurn: true,
            volume_ur1: true,
            host_urn_in_volumes: true,
            dr_ext_params_string: true,
            dr_mgnt_ip: true,
            pro_vol_uuid: true,
            ..SeedShapes::default()
        })
    })
    .await;
    let mut client = Client::new(&mock);
    client.login().await;
    client.post("/vmstrategy", &production(VM1, 1)).await;
    client.post("/vmstrategy", &dr(VM2)).await;
    let list = client.get("/vmstrategy").await.json();
    let production = &list["vmList"][0];
    assert_eq!(production["compressMethod"], "1");
    assert_eq!(production["encryptMethod"], "0");
    assert!(production.get("compressOption").is_none());
    assert_eq!(
        production["volList"][0]["proVolUuid"],
        format!("{VM1}-vol1")
    );

    let dr = &list["vmList"][1];
    assert!(dr.get("hostUrn").is_none());
    let volume = &dr["volList"][0];
    assert_eq!(volume["hostUrn"], "urn:sites:3F7B07E2:hosts:12");
    assert_eq!(volume["dstVolDsurn"], "urn:sites:3F7B07E2:datastores:131");
    assert_eq!(
        volume["volumeUr1"],
        "/POME/datastore_131/vol/vol_a/vol_a.vhd"
    );
    assert!(volume.get("volumeUrl").is_none() && volume.get("dstVolDsUrn").is_none());
    assert_eq!(volume["proVolUuid"], format!("{VM2}-vol1"));
    let Value::String(ext) = &volume["drExtParams"] else {
        panic!("drExtParams is not a string: {volume}");
    };
    let ext: Value = serde_json::from_str(ext).unwrap();
    assert_eq!(ext, json!({"drMgntIp": "1.1.1.1", "dsResourceId": "1"}));

    // What the mock answers, it accepts back (the §8 aliases on input).
    let mut echoed = dr.clone();
    echoed["vmUuid"] = json!(VM1);
    let reply = client.send(Req::post("/vmstrategy", &echoed)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}
