//! What Deploy offers from its configuration: ONTAP images (`/images`) and mediators
//! (`/mediators`), read-only.

use serde_json::json;

use crate::answer::Answer;
use crate::input::Call;
use crate::inventory::collection;
use crate::schema;
use crate::state::Deploy;

pub(crate) fn images(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let records = deploy
        .config
        .images
        .iter()
        .map(|version| json!({"id": version, "version": version}))
        .collect();
    collection(call, &schema::IMAGES, records)
}

pub(crate) fn mediators(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let records = deploy
        .config
        .mediators
        .iter()
        .enumerate()
        .map(|(i, (name, ip, port))| {
            json!({"id": format!("mediator-{}", i + 1), "name": name, "ip": ip.to_string(), "port": port})
        })
        .collect();
    collection(call, &schema::MEDIATORS, records)
}
