//! Header names as HCP writes them (`X-HCP-Hash`, `ETag`), for output that should read
//! like HCP's and hcpsdk's.
//!
//! HTTP header names are case-insensitive (RFC 9110 §5.1), and hyper lower-cases them
//! both ways: a response's [`HeaderMap`](storkit_core::http::HeaderMap) holds `x-hcp-hash`
//! whatever HCP sent, and hyper 1 has no public way to read the case a name had on the
//! wire. Nothing in the protocol depends on the case; only people reading a dump do. So
//! [`header_display_name`] gives back the spelling HCP documents and sends for every
//! header of its REST and management answers, and a plain Title-Case for the rest.

use std::borrow::Cow;

use storkit_core::http::HeaderName;

/// HCP's spelling of the names whose Title-Case differs from it (or may: every
/// `X-HCP-*`, `X-Arc*` and `X-RequestId` is listed): the REST answers (reference
/// §9.1-§9.5), the request headers it documents, and MAPI's fixed security headers (§8.5).
const SPELLINGS: &[&str] = &[
    // Standard names that are not Title-Case.
    "ETag",
    "WWW-Authenticate",
    "Content-MD5",
    // Every answer (§9.2) and errors.
    "X-RequestId",
    "X-HCP-ServicedBySystem",
    "X-HCP-Time",
    "X-HCP-SoftwareVersion",
    "X-HCP-ErrorMessage",
    // PUT (§9.3).
    "X-HCP-VersionId",
    "X-HCP-IngestTimeMilliseconds",
    "X-HCP-VersionCreateTimeMilliseconds",
    "X-HCP-Hash",
    // GET and HEAD (§9.4).
    "X-HCP-Type",
    "X-HCP-Size",
    "X-HCP-IngestTime",
    "X-HCP-RetentionClass",
    "X-HCP-RetentionString",
    "X-HCP-Retention",
    "X-HCP-IngestProtocol",
    "X-HCP-RetentionHold",
    "X-HCP-Shred",
    "X-HCP-DPL",
    "X-HCP-Index",
    "X-HCP-Custom-Metadata",
    "X-HCP-ACL",
    "X-HCP-Owner",
    "X-HCP-Domain",
    "X-HCP-UID",
    "X-HCP-GID",
    "X-HCP-CustomMetadataAnnotations",
    "X-HCP-Replicated",
    "X-HCP-ReplicationCollision",
    "X-HCP-ChangeTimeMilliseconds",
    "X-HCP-ChangeTimeString",
    "X-HCP-CustomMetadataFirst",
    "X-HCP-CustomMetadataContentType",
    "X-HCP-CustomMetadataHash",
    "X-HCP-Get-Replicated",
    // The default namespace (§9.1).
    "X-ArcServicedBySystem",
    "X-ArcClusterTime",
    "X-ArcPermissionsUidGid",
    "X-ArcTimes",
    "X-ArcSize",
    // MAPI's security headers (§8.5).
    "X-Content-Type-Options",
    "X-DNS-Prefetch-Control",
    "X-Download-Options",
    "X-Frame-Options",
    "X-XSS-Protection",
];

/// The name as HCP writes it: `X-HCP-Hash`, `ETag`, `X-RequestId`,
/// `X-HCP-CustomMetadataAnnotations`, `X-ArcServicedBySystem` and every other header of
/// HCP's REST and MAPI answers; an unknown `x-hcp-<rest>` as `X-HCP-` plus the Title-Case
/// of the rest; any other name in Title-Case (`last-modified` → `Last-Modified`).
///
/// For display only: header names are case-insensitive, and the client holds them in
/// lower case, as hyper delivers them (it cannot tell the case HCP sent). See the
/// [module docs](crate::header_names).
///
/// ```
/// use storkit_hcp::header_display_name;
/// use storkit_core::http::HeaderName;
///
/// let name = HeaderName::from_static("x-hcp-hash");
/// assert_eq!(header_display_name(&name), "X-HCP-Hash");
/// assert_eq!(header_display_name(&HeaderName::from_static("etag")), "ETag");
/// assert_eq!(
///     header_display_name(&HeaderName::from_static("last-modified")),
///     "Last-Modified"
/// );
/// ```
pub fn header_display_name(name: &HeaderName) -> Cow<'static, str> {
    let lower = name.as_str();
    if let Some(spelling) = SPELLINGS.iter().find(|s| s.eq_ignore_ascii_case(lower)) {
        return Cow::Borrowed(spelling);
    }
    match lower.strip_prefix("x-hcp-") {
        Some(rest) => Cow::Owned(format!("X-HCP-{}", title_case(rest))),
        None => Cow::Owned(title_case(lower)),
    }
}

/// Each `-`-separated word with its first letter upper-cased.
fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut word_start = true;
    for c in name.chars() {
        out.push(if word_start {
            c.to_ascii_uppercase()
        } else {
            c
        });
        word_start = c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn display(name: &str) -> String {
        header_display_name(&HeaderName::from_bytes(name.as_bytes()).unwrap()).into_owned()
    }

    /// The header names of the manual's HEAD output (sample 9.1.2, HCP 7.1), in its order.
    const MANUAL_HEAD: &[&str] = &[
        "Date",
        "Server",
        "X-RequestId",
        "X-HCP-ServicedBySystem",
        "X-HCP-Time",
        "X-HCP-SoftwareVersion",
        "ETag",
        "Cache-Control",
        "Pragma",
        "Expires",
        "Content-Type",
        "Content-Length",
        "X-HCP-Type",
        "X-HCP-Size",
        "X-HCP-Hash",
        "X-HCP-VersionId",
        "X-HCP-IngestTime",
        "X-HCP-RetentionClass",
        "X-HCP-RetentionString",
        "X-HCP-Retention",
        "X-HCP-IngestProtocol",
        "X-HCP-RetentionHold",
        "X-HCP-Shred",
        "X-HCP-DPL",
        "X-HCP-Index",
        "X-HCP-Custom-Metadata",
        "X-HCP-ACL",
        "X-HCP-Owner",
        "X-HCP-Domain",
        "X-HCP-UID",
        "X-HCP-GID",
        "X-HCP-CustomMetadataAnnotations",
        "X-HCP-Replicated",
        "X-HCP-ReplicationCollision",
        "X-HCP-ChangeTimeMilliseconds",
        "X-HCP-ChangeTimeString",
        "Last-Modified",
    ];

    #[test]
    fn the_manuals_head_output_is_spelled_as_hcp_sent_it() {
        for name in MANUAL_HEAD {
            assert_eq!(display(&name.to_ascii_lowercase()), *name);
        }
    }

    #[test]
    fn every_listed_name_comes_back_as_listed_whatever_case_it_is_asked_in() {
        for name in SPELLINGS {
            assert_eq!(display(&name.to_ascii_lowercase()), *name);
            assert_eq!(display(&name.to_ascii_uppercase()), *name);
        }
    }

    #[test]
    fn put_answers_and_the_default_namespace() {
        for name in [
            "Location",
            "X-HCP-IngestTimeMilliseconds",
            "X-HCP-VersionCreateTimeMilliseconds",
            "X-HCP-ErrorMessage",
            "X-ArcServicedBySystem",
            "X-ArcClusterTime",
            "X-ArcPermissionsUidGid",
            "X-ArcTimes",
            "X-ArcSize",
            "X-DNS-Prefetch-Control",
            "X-XSS-Protection",
            "Transfer-Encoding",
        ] {
            assert_eq!(display(&name.to_ascii_lowercase()), name);
        }
    }

    #[test]
    fn unknown_names_are_title_case_and_unknown_hcp_names_keep_the_hcp_prefix() {
        assert_eq!(display("last-modified"), "Last-Modified");
        assert_eq!(
            display("strict-transport-security"),
            "Strict-Transport-Security"
        );
        assert_eq!(display("x-custom"), "X-Custom");
        assert_eq!(display("x-hcp-labelhold"), "X-HCP-Labelhold");
        assert_eq!(display("x-hcp-new-thing"), "X-HCP-New-Thing");
        assert_eq!(display("a--b-"), "A--B-");
    }

    #[test]
    fn listed_names_are_unique() {
        let mut lower: Vec<String> = SPELLINGS.iter().map(|s| s.to_ascii_lowercase()).collect();
        lower.sort();
        let n = lower.len();
        lower.dedup();
        assert_eq!(lower.len(), n);
    }
}
