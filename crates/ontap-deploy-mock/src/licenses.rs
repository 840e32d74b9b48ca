//! `/licensing/licenses`: licence files (NLF, JSON with the serial number at
//! `statusResp.serialNumber`) uploaded as `multipart/form-data`, part `license_file`
//! (reference §6, §7).
//!
//! Mock choices (Deploy's answers are UNKNOWN): `POST` answers 201 with the licence's
//! `location` (409 if the serial is known); `PUT /licensing/licenses/{serial}` answers 200
//! when no deployed node uses the licence, and otherwise needs the `ontap_username` and
//! `ontap_password` form fields and answers 202 with a job that installs it.

use serde_json::Value;
use storkit_mock::multipart::{Form, Part};

use crate::answer::{Answer, Refusal, Reply};
use crate::input::Call;
use crate::inventory::{collection, single};
use crate::jobs::Plan;
use crate::schema;
use crate::state::{Deploy, Effect, License};

fn form(call: &Call<'_>) -> Result<Form, Refusal> {
    Form::from_request(&call.parts.headers, call.body).map_err(|error| {
        Refusal::bad_request(format!(
            "a licence is uploaded as multipart/form-data with a license_file part: {error}"
        ))
    })
}

/// The licence file part and the serial number in it.
fn license_file(form: &Form) -> Result<(&Part, String), Refusal> {
    let part = form
        .part("license_file")
        .ok_or_else(|| Refusal::bad_request("the form has no license_file part"))?;
    let bad = || {
        Refusal::bad_request(
            "license_file is not a licence file: expected JSON with statusResp.serialNumber",
        )
    };
    let json: Value = serde_json::from_slice(&part.body).map_err(|_| bad())?;
    let serial = match json.pointer("/statusResp/serialNumber") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        _ => return Err(bad()),
    };
    Ok((part, serial))
}

pub(crate) fn list(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let state = deploy.state();
    let records = state
        .licenses
        .iter()
        .map(|l| l.record(&state.clusters))
        .collect();
    drop(state);
    collection(call, &schema::LICENSES, records)
}

pub(crate) fn get(deploy: &Deploy, call: &Call<'_>) -> Answer {
    let serial = call.param("serial");
    let state = deploy.state();
    let record = state
        .licenses
        .iter()
        .find(|l| l.serial == serial)
        .map(|l| l.record(&state.clusters))
        .ok_or_else(|| Refusal::not_found("license", serial))?;
    drop(state);
    single(call, &schema::LICENSES, &record)
}

pub(crate) fn create(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let form = form(call)?;
    let (part, serial) = license_file(&form)?;
    let mut state = deploy.state();
    if state.licenses.iter().any(|l| l.serial == serial) {
        return Err(Refusal::conflict(format!(
            "license {serial:?} already exists: update it with PUT"
        )));
    }
    state.licenses.push(License {
        serial: serial.clone(),
        file_name: part.filename.clone(),
        last_modified: deploy.clock.now(),
    });
    Ok(Reply::Created(format!("/licensing/licenses/{serial}")))
}

pub(crate) fn update(deploy: &Deploy, call: &Call<'_>) -> Answer {
    call.no_filters()?;
    let serial = call.param("serial");
    let form = form(call)?;
    let (part, in_file) = license_file(&form)?;
    if in_file != serial {
        return Err(Refusal::bad_request(format!(
            "license_file holds serial number {in_file:?}, not {serial:?}"
        )));
    }
    let username = form.text("ontap_username").filter(|u| !u.is_empty());
    let has_password = form.text("ontap_password").is_some_and(|p| !p.is_empty());
    let file_name = part.filename.clone();
    let mut state = deploy.state();
    if !state.licenses.iter().any(|l| l.serial == serial) {
        return Err(Refusal::not_found("license", serial));
    }
    let users: Vec<(String, String)> = state
        .clusters
        .iter()
        .filter(|c| c.is_deployed)
        .flat_map(|c| c.nodes.iter().map(move |n| (c.id.clone(), n)))
        .filter(|(_, n)| n.serial_number.as_deref() == Some(serial))
        .map(|(c, n)| (c, n.name.clone()))
        .collect();
    let Some((cluster, node)) = users.first().cloned() else {
        if let Some(license) = state.licenses.iter_mut().find(|l| l.serial == serial) {
            license.file_name = file_name;
            license.last_modified = deploy.clock.now();
        }
        return Ok(Reply::Empty);
    };
    if username.is_none() || !has_password {
        return Err(Refusal::bad_request(format!(
            "license {serial:?} is used by deployed node {node:?}: give ontap_username and ontap_password"
        )));
    }
    let plan = Plan::new(
        [format!("Installing license {serial} on node {node}")],
        format!("License {serial} updated"),
    );
    let job = deploy.start_job(
        &mut state,
        &plan,
        Effect::License(serial.to_owned(), file_name),
        Some(cluster),
    );
    Ok(Reply::Job(job, None))
}
