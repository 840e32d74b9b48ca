//! Native REST under `/rest` (reference §9): objects and their versions, directories,
//! custom metadata and system metadata; also the data of the legacy default namespace
//! under `/fcfs_data` ([`legacy`](crate::legacy)).

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, RANGE};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use storkit_mock::query::{self, Query, QueryStyle};
use storkit_mock::{MockBody, body};

use crate::annotations;
use crate::answer::{Head, data_fail};
use crate::conditions::{self, Precondition};
use crate::config::UserConfig;
use crate::hash::{self, BodyHasher};
use crate::legacy;
use crate::listing;
use crate::objects::{
    Entry, Fail, Namespace, OldVersion, Retention, StoredObject, content_type_for,
};
use crate::system::System;
use crate::time;

/// Longest path below `/rest` HCP takes (reference §9.1); longer ones get `414`.
const MAX_PATH: usize = 4095;

/// The largest form body read for POST and DELETE parameters.
pub(crate) const MAX_FORM: usize = 64 * 1024;

/// One request below `/rest` (or `/fcfs_data` and `/fcfs_metadata` in the legacy default
/// namespace), already routed to namespace `ns` and authorized for `user`.
pub(crate) async fn handle(
    system: &System,
    parts: Parts,
    body: Incoming,
    ns: usize,
    user: &UserConfig,
) -> Response<MockBody> {
    let result = async {
        let root = system
            .state()
            .namespaces
            .get(ns)
            .map_or("/rest", Namespace::root);
        let path = parts.uri.path();
        if root != "/rest" && under(path, legacy::METADATA_ROOT) {
            return legacy::metadata(system, &parts, body, ns).await;
        }
        let key = object_key(path, root)?;
        let mut query = Query::from_uri(&parts.uri, QueryStyle::Form)
            .map_err(|e| Fail::bad_request(format!("invalid query: {e}")))?;
        match parts.method {
            Method::PUT => {
                let bytes = read_body(&parts, body, system.max_object_size).await?;
                put(system, &parts.headers, ns, &key, &query, bytes, user)
            }
            Method::GET | Method::HEAD => {
                drain(body).await;
                get(system, &parts, ns, &key, &query)
            }
            Method::DELETE | Method::POST => {
                let form = read_body(&parts, body, MAX_FORM as u64).await?;
                merge_form(&parts, &form, &mut query)?;
                if parts.method == Method::DELETE {
                    delete(system, ns, &key, &query)
                } else {
                    post(system, ns, &key, &query)
                }
            }
            _ => Err(Fail::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{} is not supported on {root}", parts.method),
            )),
        }
    }
    .await;
    result.unwrap_or_else(|fail| data_fail(system, time::now_ms(), &fail))
}

/// Whether `path` is `root` or below it.
pub(crate) fn under(path: &str, root: &str) -> bool {
    path.strip_prefix(root)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The decoded path below `root` (`/rest`), without leading or trailing `/`:
/// percent-decoded exactly once, as UTF-8 (`+` stays a plus in paths).
pub(crate) fn object_key(path: &str, root: &str) -> Result<String, Fail> {
    if !under(path, root) {
        return Err(Fail::not_found(format!("not a {root} path")));
    }
    let rest = &path[root.len()..];
    let decoded = query::decode(rest, QueryStyle::Rfc3986)
        .map_err(|e| Fail::bad_request(format!("invalid object path: {e}")))?;
    if decoded.len() > MAX_PATH {
        return Err(Fail::new(
            StatusCode::URI_TOO_LONG,
            "the object path is longer than 4095 bytes",
        ));
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment == "." || segment == ".." {
            return Err(Fail::bad_request("object paths cannot contain . or .."));
        }
        segments.push(segment);
    }
    Ok(segments.join("/"))
}

/// `key` as a URL path below `root`, each segment percent-encoded.
pub(crate) fn url_below(root: &str, key: &str) -> String {
    let mut out = String::from(root);
    for segment in key.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(&query::encode(segment, QueryStyle::Rfc3986));
    }
    out
}

pub(crate) async fn read_body(parts: &Parts, body: Incoming, limit: u64) -> Result<Bytes, Fail> {
    let too_large = || {
        Fail::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {limit} bytes"),
        )
    };
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut body = body;
    let mut out = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| Fail::bad_request(format!("the request body broke off: {e}")))?;
        if let Some(data) = frame.data_ref() {
            if (out.len() + data.len()) as u64 > limit {
                return Err(too_large());
            }
            out.extend_from_slice(data);
        }
    }
    Ok(out.freeze())
}

async fn drain(mut body: Incoming) {
    while let Some(Ok(_)) = body.frame().await {}
}

/// Adds the pairs of an `application/x-www-form-urlencoded` body (DELETE and POST take
/// their parameters either way, reference §9.5).
fn merge_form(parts: &Parts, form: &[u8], query: &mut Query) -> Result<(), Fail> {
    let is_form = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form || form.is_empty() {
        return Ok(());
    }
    let text = std::str::from_utf8(form).map_err(|_| Fail::bad_request("the form is not UTF-8"))?;
    let parsed = Query::parse(text, QueryStyle::Form)
        .map_err(|e| Fail::bad_request(format!("invalid form body: {e}")))?;
    for (key, value) in parsed.pairs() {
        query.push(key.clone(), value.clone());
    }
    Ok(())
}

fn flag(query: &Query, name: &str) -> Result<Option<bool>, Fail> {
    match query.get(name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(Fail::bad_request(format!(
            "invalid value for {name}: {v:?} (true or false)"
        ))),
    }
}

fn annotation(query: &Query) -> Result<String, Fail> {
    let name = query.get("annotation").unwrap_or("default");
    let valid = !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(Fail::bad_request(format!(
            "invalid annotation name {name:?}"
        )))
    }
}

fn created(system: &System, now_ms: i64, namespace: &Namespace, key: &str) -> Head {
    let mut head = Head::data(system, now_ms);
    head.add("location", namespace.url(key));
    head
}

fn put(
    system: &System,
    headers: &HeaderMap,
    ns: usize,
    key: &str,
    query: &Query,
    bytes: Bytes,
    user: &UserConfig,
) -> Result<Response<MockBody>, Fail> {
    let now_ms = time::now_ms();
    let mut state = system.state();
    let namespace = state.namespace_mut(ns)?;
    match query.get("type") {
        Some("directory") => {
            if key.is_empty() || namespace.entries.contains_key(key) {
                return Err(Fail::conflict(format!(
                    "{} already exists",
                    namespace.url(key)
                )));
            }
            namespace.create_parents(key, now_ms)?;
            namespace
                .entries
                .insert(key.to_owned(), Entry::Directory { change_ms: now_ms });
            Ok(created(system, now_ms, namespace, key).respond_empty(StatusCode::CREATED))
        }
        Some("custom-metadata") => {
            let name = annotation(query)?;
            let url = namespace.url(key);
            let object = namespace
                .object_mut(key)
                .ok_or_else(|| Fail::not_found(format!("no object {url}")))?;
            object.set_annotation(name, bytes, now_ms);
            Ok(created(system, now_ms, namespace, key).respond_empty(StatusCode::CREATED))
        }
        Some("whole-object") => {
            let name = annotation(query)?;
            let (data, custom) = annotations::split_whole(headers, &bytes)?;
            store(
                system,
                headers,
                namespace,
                key,
                query,
                data,
                Some((name, custom)),
                user,
                now_ms,
            )
        }
        Some(other) => Err(Fail::bad_request(format!(
            "unsupported type {other:?} for PUT"
        ))),
        None => store(
            system, headers, namespace, key, query, bytes, None, user, now_ms,
        ),
    }
}

/// Stores an object (with an annotation for `type=whole-object`): `409` when it exists
/// and the namespace keeps one version, else a new version unless a hold or retention
/// protects the current one (`403`).
#[allow(clippy::too_many_arguments)]
fn store(
    system: &System,
    headers: &HeaderMap,
    namespace: &mut Namespace,
    key: &str,
    query: &Query,
    data: Bytes,
    custom: Option<(String, Bytes)>,
    user: &UserConfig,
    now_ms: i64,
) -> Result<Response<MockBody>, Fail> {
    let exists = || Fail::conflict(format!("{} already exists", namespace.url(key)));
    match namespace.entries.get(key) {
        _ if key.is_empty() => return Err(exists()),
        Some(Entry::Directory { .. }) => return Err(exists()),
        Some(Entry::Object(current)) => {
            if conditions::create_only(headers) {
                return Err(Fail::new(
                    StatusCode::PRECONDITION_FAILED,
                    format!("{} exists (If-None-Match: *)", namespace.url(key)),
                ));
            }
            if !namespace.config.versioning {
                return Err(exists());
            }
            if current.protected(now_ms / 1000) {
                return Err(Fail::forbidden(
                    "the object is under retention or on hold: no new version may be stored",
                ));
            }
        }
        None => {}
    }
    let config = &namespace.config;
    let index = flag(query, "index")?.unwrap_or(config.default_index);
    let shred = flag(query, "shred")?.unwrap_or(config.default_shred);
    let hold = flag(query, "hold")?.unwrap_or(false);
    let retention_text = query
        .get("retention")
        .unwrap_or(&config.default_retention)
        .to_owned();
    let retention = Retention::parse(
        &retention_text,
        now_ms / 1000,
        now_ms / 1000,
        &config.retention_classes,
    )?;
    let hash_scheme = config.hash_scheme.clone();
    namespace.create_parents(key, now_ms)?;
    let mut hasher = BodyHasher::new();
    hasher.update(&data);
    let (sha256, md5_upper, md5) = hasher.finish();
    let hash = if hash_scheme == "MD5" {
        md5_upper
    } else {
        sha256
    };
    let mut object = StoredObject {
        path: format!("{}/{key}", namespace.root()),
        data,
        hash,
        hash_scheme,
        md5,
        content_type: content_type_for(key).to_owned(),
        version_id: system.next_version_id(),
        ingest_time_ms: now_ms,
        change_time_ms: now_ms,
        index,
        shred,
        hold,
        retention,
        owner: user.name.clone(),
        custom_metadata: Vec::new(),
        annotation_change_ms: BTreeMap::new(),
    };
    let mut head = created(system, now_ms, namespace, key);
    head.add("x-hcp-versionid", object.version_id)
        .add("x-hcp-ingesttimemilliseconds", now_ms)
        .add("x-hcp-hash", object.hash_header())
        .add("etag", object.etag());
    if let Some((name, custom)) = custom {
        head.add(
            "x-hcp-custommetadatahash",
            annotations::hash_of(&object.hash_scheme, &custom),
        );
        object.set_annotation(name, custom, now_ms);
    }
    let replaced = namespace
        .entries
        .insert(key.to_owned(), Entry::Object(Box::new(object)));
    if let Some(Entry::Object(old)) = replaced {
        namespace
            .history
            .entry(key.to_owned())
            .or_default()
            .push(OldVersion::Object(old));
    }
    Ok(head.respond_empty(StatusCode::CREATED))
}

/// The object headers of GET and HEAD, in the seed's order (reference §9.4); the legacy
/// default namespace's short set there.
fn object_head(
    system: &System,
    now_ms: i64,
    namespace: &Namespace,
    object: &StoredObject,
    length: u64,
) -> Head {
    if namespace.legacy {
        return legacy::object_head(system, now_ms, object, length);
    }
    let mut head = Head::data(system, now_ms);
    let (change_ms, change_string) = listing::change_time(object.change_time_ms);
    head.add("etag", object.etag());
    head.no_cache()
        .add("content-type", &object.content_type)
        .add("content-length", length)
        .add("x-hcp-type", "object")
        .add("x-hcp-size", object.size())
        .add("x-hcp-hash", object.hash_header())
        .add("x-hcp-versionid", object.version_id)
        .add("x-hcp-ingesttime", object.ingest_time_ms / 1000)
        .add("x-hcp-retentionclass", &object.retention.class)
        .add("x-hcp-retentionstring", object.retention.string())
        .add("x-hcp-retention", object.retention.value)
        .add("x-hcp-ingestprotocol", "HTTP")
        .add("x-hcp-retentionhold", object.hold)
        .add("x-hcp-shred", object.shred)
        .add("x-hcp-dpl", namespace.config.dpl)
        .add("x-hcp-index", object.index)
        .add("x-hcp-custom-metadata", !object.custom_metadata.is_empty())
        .add("x-hcp-acl", "false")
        .add("x-hcp-owner", &object.owner)
        .add("x-hcp-domain", "")
        .add("x-hcp-uid", "")
        .add("x-hcp-gid", "")
        .add(
            "x-hcp-custommetadataannotations",
            object.annotations_header(),
        )
        .add("x-hcp-replicated", "false")
        .add("x-hcp-replicationcollision", "false")
        .add("x-hcp-changetimemilliseconds", change_ms)
        .add("x-hcp-changetimestring", change_string)
        .add(
            "last-modified",
            time::http_date(object.change_time_ms / 1000),
        );
    head
}

/// A single `bytes=` range of a `size`-byte object: `Ok(None)` for no (or an ignored)
/// header, `Err` for an unsatisfiable one.
fn range(parts: &Parts, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(value) = parts.headers.get(RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        // Several ranges: serve the whole object, as servers may.
        return Ok(None);
    }
    let (start, end) = spec.split_once('-').ok_or(())?;
    let (start, end) = (start.trim(), end.trim());
    let parsed = match (start.is_empty(), end.is_empty()) {
        (false, _) => {
            let start: u64 = start.parse().map_err(|_| ())?;
            let end: u64 = if end.is_empty() {
                size.saturating_sub(1)
            } else {
                end.parse::<u64>()
                    .map_err(|_| ())?
                    .min(size.saturating_sub(1))
            };
            (start, end)
        }
        (true, false) => {
            let suffix: u64 = end.parse().map_err(|_| ())?;
            if suffix == 0 {
                return Err(());
            }
            (size.saturating_sub(suffix), size.saturating_sub(1))
        }
        (true, true) => return Err(()),
    };
    if size == 0 || parsed.0 >= size || parsed.0 > parsed.1 {
        return Err(());
    }
    Ok(Some(parsed))
}

fn get(
    system: &System,
    parts: &Parts,
    ns: usize,
    key: &str,
    query: &Query,
) -> Result<Response<MockBody>, Fail> {
    let now_ms = time::now_ms();
    let head_only = parts.method == Method::HEAD;
    let state = system.state();
    let namespace = state.namespace(ns)?;
    let show_deleted = flag(query, "deleted")?.unwrap_or(false);
    if namespace.is_directory(key) {
        if query.get("type").is_some() || query.get("version").is_some() {
            return Err(Fail::bad_request(
                "directories have no custom metadata or versions",
            ));
        }
        return Ok(listing::directory(
            system,
            now_ms,
            namespace,
            key,
            head_only,
            show_deleted,
        ));
    }
    let missing = || Fail::not_found(format!("no object {}", namespace.url(key)));
    let object = match query.get("version") {
        Some(v) if v.eq_ignore_ascii_case("list") => {
            return listing::versions(system, now_ms, namespace, key, head_only, show_deleted);
        }
        Some(v) => {
            let id: u64 = v
                .trim()
                .parse()
                .map_err(|_| Fail::bad_request(format!("invalid version {v:?}")))?;
            namespace.version(key, id).ok_or_else(|| {
                Fail::not_found(format!("no version {id} of {}", namespace.url(key)))
            })?
        }
        None => namespace.object(key).ok_or_else(missing)?,
    };
    let kind = query.get("type");
    if matches!(kind, None | Some("whole-object")) {
        let checked = conditions::evaluate(
            &parts.headers,
            true,
            &object.etag(),
            object.change_time_ms / 1000,
        );
        match checked {
            Ok(()) => {}
            Err(Precondition::NotModified) => {
                let mut head = Head::data(system, now_ms);
                head.add("etag", object.etag());
                head.no_cache().add(
                    "last-modified",
                    time::http_date(object.change_time_ms / 1000),
                );
                return Ok(head.respond_empty(StatusCode::NOT_MODIFIED));
            }
            Err(Precondition::Failed) => {
                return Err(Fail::new(
                    StatusCode::PRECONDITION_FAILED,
                    "a precondition of the request failed",
                ));
            }
        }
    }
    let body_of = |data: Bytes| {
        if head_only {
            body::empty()
        } else {
            body::full(data)
        }
    };
    match kind {
        Some("custom-metadata") => {
            let name = annotation(query)?;
            let Some(data) = object.annotation(&name) else {
                let mut head = Head::data(system, now_ms);
                head.no_cache();
                return Ok(head.respond_empty(StatusCode::NO_CONTENT));
            };
            let mut head = Head::data(system, now_ms);
            head.no_cache()
                .add("content-type", "text/xml")
                .add("content-length", data.len())
                .add("x-hcp-type", "object");
            Ok(head.respond(StatusCode::OK, body_of(data.clone())))
        }
        Some("custom-metadata-info") => {
            let mut head = Head::data(system, now_ms);
            head.no_cache();
            let Some(xml) = annotations::info_xml(object) else {
                return Ok(head.respond_empty(StatusCode::NO_CONTENT));
            };
            head.add("content-type", "text/xml")
                .add("content-length", xml.len());
            Ok(head.respond(StatusCode::OK, body_of(Bytes::from(xml))))
        }
        Some("whole-object") => {
            let name = annotation(query)?;
            let Some(custom) = object.annotation(&name) else {
                // No such annotation: the data alone (D1).
                let head = object_head(system, now_ms, namespace, object, object.size());
                return Ok(head.respond(StatusCode::OK, body_of(object.data.clone())));
            };
            let first = annotations::metadata_first(&parts.headers);
            let whole = annotations::join_whole(&object.data, custom, first);
            let mut head = object_head(system, now_ms, namespace, object, whole.len() as u64);
            // Data and annotation together are no longer the object's media type.
            head.map.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            head.add("x-hcp-custommetadatacontenttype", annotations::CONTENT_TYPE)
                .add("x-hcp-custommetadatafirst", first.to_string());
            Ok(head.respond(StatusCode::OK, body_of(whole)))
        }
        Some(other) => Err(Fail::bad_request(format!(
            "unsupported type {other:?} for {}",
            parts.method
        ))),
        None => {
            let size = object.size();
            match range(parts, size) {
                Err(()) => {
                    let mut head = Head::data(system, now_ms);
                    head.no_cache()
                        .add("content-range", format!("bytes */{size}"))
                        .add(
                            "x-hcp-errormessage",
                            "the requested range is not satisfiable",
                        );
                    Ok(head.respond_empty(StatusCode::RANGE_NOT_SATISFIABLE))
                }
                Ok(Some((start, end))) => {
                    let length = end - start + 1;
                    let mut head = object_head(system, now_ms, namespace, object, length);
                    head.add("content-range", format!("bytes {start}-{end}/{size}"));
                    let part = object.data.slice(start as usize..=end as usize);
                    Ok(head.respond(StatusCode::PARTIAL_CONTENT, body_of(part)))
                }
                Ok(None) => {
                    let head = object_head(system, now_ms, namespace, object, size);
                    Ok(head.respond(StatusCode::OK, body_of(object.data.clone())))
                }
            }
        }
    }
}

fn delete(
    system: &System,
    ns: usize,
    key: &str,
    query: &Query,
) -> Result<Response<MockBody>, Fail> {
    let now_ms = time::now_ms();
    let mut state = system.state();
    let namespace = state.namespace_mut(ns)?;
    let ok = |system: &System| {
        let mut head = Head::data(system, now_ms);
        head.no_cache();
        head.respond_empty(StatusCode::OK)
    };
    if key.is_empty() {
        return Err(Fail::forbidden("the root directory cannot be deleted"));
    }
    let purge = flag(query, "purge")?.unwrap_or(false);
    let url = namespace.url(key);
    match namespace.entries.get(key) {
        None => {
            // A deleted object's old versions go with a purge.
            if purge && namespace.history.remove(key).is_some() {
                return Ok(ok(system));
            }
            Err(Fail::not_found(format!("no object {url}")))
        }
        Some(Entry::Directory { .. }) => {
            if !namespace.children(key).is_empty() {
                return Err(Fail::forbidden(format!("directory {url} is not empty")));
            }
            namespace.entries.remove(key);
            Ok(ok(system))
        }
        Some(Entry::Object(object)) => {
            if query.get("type") == Some("custom-metadata") {
                let name = annotation(query)?;
                let retained = !object.retention.allows_deletion(now_ms / 1000);
                let Some(object) = namespace.object_mut(key) else {
                    return Err(Fail::not_found(format!("no object {url}")));
                };
                if retained {
                    return Err(Fail::forbidden("the object is under retention"));
                }
                let before = object.custom_metadata.len();
                object.custom_metadata.retain(|(n, _)| *n != name);
                object.annotation_change_ms.remove(&name);
                if object.custom_metadata.len() == before {
                    return Err(Fail::not_found(format!("no annotation {name}")));
                }
                object.change_time_ms = now_ms;
                return Ok(ok(system));
            }
            if let Some(other) = query.get("type") {
                return Err(Fail::bad_request(format!(
                    "unsupported type {other:?} for DELETE"
                )));
            }
            if query.get("version").is_some() {
                return Err(Fail::bad_request(
                    "the mock does not delete single versions; purge=true deletes them all",
                ));
            }
            let privileged = flag(query, "privileged")?.unwrap_or(false);
            let reason = query.get("reason").unwrap_or("");
            if privileged && reason.trim().is_empty() {
                return Err(Fail::bad_request("a privileged delete needs a reason"));
            }
            if object.hold {
                return Err(Fail::forbidden("the object is on hold"));
            }
            if !object.retention.allows_deletion(now_ms / 1000) {
                let may_override = privileged && namespace.config.retention_mode == "enterprise";
                if !may_override {
                    return Err(Fail::forbidden("the object is under retention"));
                }
            }
            let versioning = namespace.config.versioning;
            if let Some(Entry::Object(old)) = namespace.entries.remove(key) {
                if purge {
                    namespace.history.remove(key);
                } else if versioning {
                    let marker = OldVersion::Deleted {
                        version_id: system.next_version_id(),
                        time_ms: now_ms,
                        of: old.clone(),
                    };
                    let history = namespace.history.entry(key.to_owned()).or_default();
                    history.push(OldVersion::Object(old));
                    history.push(marker);
                }
            }
            Ok(ok(system))
        }
    }
}

fn post(system: &System, ns: usize, key: &str, query: &Query) -> Result<Response<MockBody>, Fail> {
    let now_ms = time::now_ms();
    let mut state = system.state();
    let namespace = state.namespace_mut(ns)?;
    let classes = namespace.config.retention_classes.clone();
    if namespace.is_directory(key) {
        return Err(Fail::bad_request(
            "system metadata of directories cannot be changed",
        ));
    }
    let url = namespace.url(key);
    let object = namespace
        .object_mut(key)
        .ok_or_else(|| Fail::not_found(format!("no object {url}")))?;
    let index = flag(query, "index")?;
    let shred = flag(query, "shred")?;
    let hold = flag(query, "hold")?;
    let retention = query.get("retention");
    if retention.is_some() && hold.is_some() {
        return Err(Fail::bad_request(
            "retention and hold cannot change in one request",
        ));
    }
    if shred == Some(false) && object.shred {
        return Err(Fail::bad_request("shred cannot change from true to false"));
    }
    let new_retention = match retention {
        None => None,
        Some(text) => {
            if object.hold {
                return Err(Fail::bad_request(
                    "retention cannot change while the object is on hold",
                ));
            }
            if !object.retention.class.is_empty() && !text.starts_with("C+") {
                return Err(Fail::bad_request(
                    "an object in a retention class cannot get an explicit retention value",
                ));
            }
            Some(Retention::parse(
                text,
                object.ingest_time_ms / 1000,
                now_ms / 1000,
                &classes,
            )?)
        }
    };
    if let Some(index) = index {
        object.index = index;
    }
    if let Some(shred) = shred {
        object.shred = shred;
    }
    if let Some(hold) = hold {
        object.hold = hold;
    }
    if let Some(retention) = new_retention {
        object.retention = retention;
    }
    if let Some(owner) = query.get("owner").filter(|o| !o.is_empty()) {
        owner.clone_into(&mut object.owner);
    }
    object.change_time_ms = now_ms;
    let mut head = Head::data(system, now_ms);
    head.no_cache();
    Ok(head.respond_empty(StatusCode::OK))
}
/// A stored object with the hashes computed: for [`HcpMock::insert_object`]
/// (crate::HcpMock::insert_object).
pub(crate) fn new_object(
    system: &System,
    namespace: &Namespace,
    key: &str,
    data: Bytes,
    owner: &str,
) -> StoredObject {
    let now_ms = time::now_ms();
    let md5 = hash::md5_lower(&data);
    let hash = if namespace.config.hash_scheme == "MD5" {
        md5.to_ascii_uppercase()
    } else {
        hash::sha256_upper(&data)
    };
    StoredObject {
        path: format!("{}/{key}", namespace.root()),
        data,
        hash,
        hash_scheme: namespace.config.hash_scheme.clone(),
        md5,
        content_type: content_type_for(key).to_owned(),
        version_id: system.next_version_id(),
        ingest_time_ms: now_ms,
        change_time_ms: now_ms,
        index: namespace.config.default_index,
        shred: namespace.config.default_shred,
        hold: false,
        retention: Retention::none(),
        owner: owner.to_owned(),
        custom_metadata: Vec::new(),
        annotation_change_ms: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn keys_decode_once() {
        assert_eq!(object_key("/rest", "/rest").unwrap(), "");
        assert_eq!(object_key("/rest/", "/rest").unwrap(), "");
        assert_eq!(object_key("/rest/a%20b.txt", "/rest").unwrap(), "a b.txt");
        // hcpsdk's double encoding (reference §4.3) names an object with a literal %20.
        assert_eq!(
            object_key("/rest/a%2520b%20c.txt", "/rest").unwrap(),
            "a%20b c.txt"
        );
        assert_eq!(object_key("/rest/a+b", "/rest").unwrap(), "a+b");
        assert_eq!(
            object_key("/rest/d/%3C%3E%60/%C3%A9", "/rest").unwrap(),
            "d/<>`/é"
        );
        assert_eq!(object_key("/rest//d//x/", "/rest").unwrap(), "d/x");
        assert_eq!(object_key("/restx", "/rest").unwrap_err().status, 404);
        assert_eq!(object_key("/rest/%zz", "/rest").unwrap_err().status, 400);
        assert_eq!(object_key("/rest/%FF", "/rest").unwrap_err().status, 400);
        assert_eq!(object_key("/rest/a/../b", "/rest").unwrap_err().status, 400);
        let long = format!("/rest/{}", "a".repeat(4096));
        assert_eq!(object_key(&long, "/rest").unwrap_err().status, 414);
        assert_eq!(url_below("/rest", "d/a b/é"), "/rest/d/a%20b/%C3%A9");
        assert_eq!(object_key("/fcfs_data/a", "/fcfs_data").unwrap(), "a");
        assert_eq!(object_key("/rest/a", "/fcfs_data").unwrap_err().status, 404);
    }
}
