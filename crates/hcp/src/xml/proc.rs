//! Namespace information: `/proc`, `/proc/statistics`, `/proc/retentionClasses` and
//! `/proc/permissions` (reference §6).
//!
//! Unlike hcpsdk these decoders accept an empty `<description/>` and numeric namespace
//! names (its bugs B13), and keep every attribute as text so that nothing HCP adds is
//! lost. Values are typed leniently: a missing or malformed attribute is `None`.

use std::collections::BTreeMap;

use storkit_core::Error;

use super::{Element, expect_root, non_empty, parse, parse_bool, parse_int};

/// Storage use of a namespace (`GET /proc/statistics`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NamespaceStatistics {
    /// `namespaceName`.
    pub namespace_name: Option<String>,
    /// `totalCapacityBytes`.
    pub total_capacity_bytes: Option<u64>,
    /// `usedCapacityBytes`.
    pub used_capacity_bytes: Option<u64>,
    /// `softQuotaPercent`.
    pub soft_quota_percent: Option<u32>,
    /// `objectCount`.
    pub object_count: Option<u64>,
    /// `shredObjectCount`: objects waiting to be shredded.
    pub shred_object_count: Option<u64>,
    /// `shredObjectBytes`.
    pub shred_object_bytes: Option<u64>,
    /// `customMetadataObjectCount`: objects with custom metadata.
    pub custom_metadata_object_count: Option<u64>,
    /// `customMetadataObjectBytes`.
    pub custom_metadata_object_bytes: Option<u64>,
    /// Every attribute of `<statistics>` as text (the schema location left out), the
    /// nine above included: hcpsdk's `nsstatistics()` dictionary, uncast.
    pub attributes: BTreeMap<String, String>,
}

/// The settings of one namespace (an entry of `GET /proc` or `GET /proc?single=true`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NamespaceSettings {
    /// `name`; empty when HCP sent none.
    pub name: String,
    /// `nameIDNA`: the name as used in host names.
    pub name_idna: Option<String>,
    /// `versioningEnabled`.
    pub versioning: Option<bool>,
    /// `searchEnabled`.
    pub search: Option<bool>,
    /// `retentionMode`: `compliance` or `enterprise`.
    pub retention_mode: Option<String>,
    /// `defaultShredValue`.
    pub default_shred: Option<bool>,
    /// `defaultIndexValue`.
    pub default_index: Option<bool>,
    /// `defaultRetentionValue`, as text (`0`, `-1`, `A+10y`, a class …).
    pub default_retention: Option<String>,
    /// `hashScheme` (`SHA-256`).
    pub hash_scheme: Option<String>,
    /// `dpl`: the data protection level.
    pub dpl: Option<u32>,
    /// The `<description>` text without surrounding blanks; `Some("")` for an empty
    /// `<description/>`, `None` without one.
    pub description: Option<String>,
    /// The description split on `°` (hcpsdk's convention for tags); empty when the
    /// description is empty or missing.
    pub description_parts: Vec<String>,
    /// Every attribute of `<namespace>` as text.
    pub attributes: BTreeMap<String, String>,
}

/// A retention class (an entry of `GET /proc/retentionClasses`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetentionClass {
    /// `name`; empty when HCP sent none.
    pub name: String,
    /// `value`, as text: `A+10y`, `0`, `-1` (deletion prohibited), `-2` (initial
    /// unspecified); empty when missing.
    pub value: String,
    /// `autoDelete`: whether objects are deleted when the class expires.
    pub auto_delete: Option<bool>,
    /// The `<description>` text without surrounding blanks.
    pub description: Option<String>,
}

impl RetentionClass {
    /// The value as a number, when it is one (`-1`, `0`).
    pub fn value_number(&self) -> Option<i64> {
        parse_int(&self.value)
    }
}

/// The ten permissions HCP reports per set. A missing attribute counts as not granted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PermissionSet {
    /// `browse`.
    pub browse: bool,
    /// `read`.
    pub read: bool,
    /// `write`.
    pub write: bool,
    /// `readAcl`.
    pub read_acl: bool,
    /// `writeAcl`.
    pub write_acl: bool,
    /// `changeOwner`.
    pub change_owner: bool,
    /// `delete`.
    pub delete: bool,
    /// `privileged`: privileged delete and retention changes.
    pub privileged: bool,
    /// `purge`: deleting all versions.
    pub purge: bool,
    /// `search`.
    pub search: bool,
}

/// The caller's permissions on a namespace (`GET /proc/permissions`). A set that is
/// missing from the answer has nothing granted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Permissions {
    /// The root's `namespaceName`.
    pub namespace_name: Option<String>,
    /// `<namespacePermissions>`: what the namespace allows.
    pub namespace: PermissionSet,
    /// `<namespaceEffectivePermissions>`.
    pub namespace_effective: PermissionSet,
    /// `<userPermissions>`: what the user was granted.
    pub user: PermissionSet,
    /// `<userEffectivePermissions>`: what the user can actually do here.
    pub user_effective: PermissionSet,
}

const STATISTICS: &str = "/proc/statistics";
const NAMESPACES: &str = "/proc";
const RETENTION_CLASSES: &str = "/proc/retentionClasses";
const PERMISSIONS: &str = "/proc/permissions";

/// Decodes `GET /proc/statistics`.
pub fn decode_statistics(body: &[u8]) -> Result<NamespaceStatistics, Error> {
    let root = parse(STATISTICS, body)?;
    expect_root(STATISTICS, &root, "statistics")?;
    let num = |k: &str| root.attr(k).and_then(parse_int::<u64>);
    Ok(NamespaceStatistics {
        namespace_name: root.attr("namespaceName").and_then(non_empty),
        total_capacity_bytes: num("totalCapacityBytes"),
        used_capacity_bytes: num("usedCapacityBytes"),
        soft_quota_percent: root.attr("softQuotaPercent").and_then(parse_int),
        object_count: num("objectCount"),
        shred_object_count: num("shredObjectCount"),
        shred_object_bytes: num("shredObjectBytes"),
        custom_metadata_object_count: num("customMetadataObjectCount"),
        custom_metadata_object_bytes: num("customMetadataObjectBytes"),
        attributes: root.plain_attrs(),
    })
}

/// Decodes `GET /proc` and `GET /proc?single=true`: the namespaces in document order.
pub fn decode_namespaces(body: &[u8]) -> Result<Vec<NamespaceSettings>, Error> {
    let root = parse(NAMESPACES, body)?;
    expect_root(NAMESPACES, &root, "namespaces")?;
    Ok(root.children_named("namespace").map(namespace).collect())
}

fn namespace(e: &Element) -> NamespaceSettings {
    let flag = |k: &str| e.attr(k).and_then(parse_bool);
    let text = |k: &str| e.attr(k).and_then(non_empty);
    let description = e.child("description").map(|d| d.trimmed().to_owned());
    let description_parts = match description.as_deref() {
        Some(d) if !d.is_empty() => d.split('°').map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    NamespaceSettings {
        name: e.attr("name").unwrap_or_default().to_owned(),
        name_idna: text("nameIDNA"),
        versioning: flag("versioningEnabled"),
        search: flag("searchEnabled"),
        retention_mode: text("retentionMode"),
        default_shred: flag("defaultShredValue"),
        default_index: flag("defaultIndexValue"),
        default_retention: e
            .attr("defaultRetentionValue")
            .map(str::trim)
            .and_then(non_empty),
        hash_scheme: text("hashScheme"),
        dpl: e.attr("dpl").and_then(parse_int),
        description,
        description_parts,
        attributes: e.plain_attrs(),
    }
}

/// Decodes `GET /proc/retentionClasses`: the classes in document order.
pub fn decode_retention_classes(body: &[u8]) -> Result<Vec<RetentionClass>, Error> {
    let root = parse(RETENTION_CLASSES, body)?;
    expect_root(RETENTION_CLASSES, &root, "retentionClasses")?;
    Ok(root
        .children_named("retentionClass")
        .map(|e| RetentionClass {
            name: e.attr("name").unwrap_or_default().to_owned(),
            value: e.attr("value").unwrap_or_default().trim().to_owned(),
            auto_delete: e.attr("autoDelete").and_then(parse_bool),
            description: e.child("description").map(|d| d.trimmed().to_owned()),
        })
        .collect())
}

/// Decodes `GET /proc/permissions`.
pub fn decode_permissions(body: &[u8]) -> Result<Permissions, Error> {
    let root = parse(PERMISSIONS, body)?;
    expect_root(PERMISSIONS, &root, "permissions")?;
    let set = |name: &str| root.child(name).map(permission_set).unwrap_or_default();
    Ok(Permissions {
        namespace_name: root.attr("namespaceName").and_then(non_empty),
        namespace: set("namespacePermissions"),
        namespace_effective: set("namespaceEffectivePermissions"),
        user: set("userPermissions"),
        user_effective: set("userEffectivePermissions"),
    })
}

fn permission_set(e: &Element) -> PermissionSet {
    let granted = |k: &str| e.attr(k).and_then(parse_bool).unwrap_or(false);
    PermissionSet {
        browse: granted("browse"),
        read: granted("read"),
        write: granted("write"),
        read_acl: granted("readAcl"),
        write_acl: granted("writeAcl"),
        change_owner: granted("changeOwner"),
        delete: granted("delete"),
        privileged: granted("privileged"),
        purge: granted("purge"),
        search: granted("search"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::error::{HcpError, HcpErrorExt};

    /// Appendix C, `/proc/statistics`, with the documented processing instruction.
    pub(crate) const STATISTICS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <?xml-stylesheet type=\"text/xsl\" href=\"/static/xsl/proc-statistics.xsl\"?>\n\
        <statistics xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
        xsi:noNamespaceSchemaLocation=\"/static/xsd/proc-statistics.xsd\" namespaceName=\"n1\" \
        totalCapacityBytes=\"53687091200\" usedCapacityBytes=\"0\" softQuotaPercent=\"85\" \
        objectCount=\"0\" shredObjectCount=\"0\" shredObjectBytes=\"0\" \
        customMetadataObjectCount=\"0\" customMetadataObjectBytes=\"0\"/>";

    /// Appendix C, `/proc`: compact, with a second namespace that has an empty
    /// description, a numeric name and no optional attributes.
    pub(crate) const NAMESPACES: &str = "<namespaces xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
        xsi:noNamespaceSchemaLocation=\"/static/xsd/proc-namespaces.xsd\" \
        tenantHostName=\"m.hcp1.local\" httpScheme=\"https\"><namespace name=\"n1\" nameIDNA=\"n1\" \
        versioningEnabled=\"false\" searchEnabled=\"true\" retentionMode=\"enterprise\" \
        defaultShredValue=\"false\" defaultIndexValue=\"true\" defaultRetentionValue=\"0\" \
        hashScheme=\"SHA-256\" dpl=\"2\"><description><![CDATA[\n   replicated°search°no versioning\n  ]]>\
        </description></namespace><namespace name=\"42\"><description/></namespace></namespaces>";

    /// The documented template, pretty-printed, with a UTF-8 name.
    pub(crate) const NAMESPACES_PRETTY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="/static/xsl/proc-namespaces.xsl"?>
<namespaces xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="/static/xsd/proc-namespaces.xsd"
    tenantHostName="tenant-name.hcp-domain-name" httpScheme="http">
  <namespace name="größe" nameIDNA="xn--gre-6ka8i" versioningEnabled="true"
      searchEnabled="false" retentionMode="compliance" defaultShredValue="true"
      defaultIndexValue="false" defaultRetentionValue="A+10y" hashScheme="SHA-512"
      dpl="3" futureAttribute="x">
    <description><![CDATA[
        Größe &amp; more
     ]]></description>
  </namespace>
</namespaces>
"#;

    pub(crate) const RETENTION_CLASSES: &str = "<retentionClasses namespaceName=\"n1\">\
        <retentionClass name=\"TAX_DATA\" value=\"A+10y\" autoDelete=\"true\">\
        <description><![CDATA[Class for tax data]]></description></retentionClass>\
        <retentionClass name=\"deletion_prohibited\" value=\"-1\" autoDelete=\"false\">\
        <description>Deletion prohibited</description></retentionClass>\
        <retentionClass name=\"7\"/></retentionClasses>";

    pub(crate) const PERMISSIONS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="/static/xsl/proc-permissions.xsl"?>
<permissions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="/static/xsd/proc-permissions.xsd" namespaceName="n1">
  <namespacePermissions browse="true" read="true" write="true" readAcl="true" writeAcl="true"
      changeOwner="true" delete="true" privileged="true" purge="true" search="true"/>
  <namespaceEffectivePermissions browse="true" read="true" write="true" readAcl="false"
      writeAcl="false" changeOwner="false" delete="true" privileged="false" purge="false" search="true"/>
  <userPermissions browse="true" read="true" write="false" readAcl="false" writeAcl="false"
      changeOwner="false" delete="false" privileged="false" purge="false" search="false"/>
  <userEffectivePermissions browse="true" read="true"/>
</permissions>
"#;

    #[test]
    fn statistics() {
        let s = decode_statistics(STATISTICS.as_bytes()).unwrap();
        assert_eq!(s.namespace_name.as_deref(), Some("n1"));
        assert_eq!(s.total_capacity_bytes, Some(53_687_091_200));
        assert_eq!(s.used_capacity_bytes, Some(0));
        assert_eq!(s.soft_quota_percent, Some(85));
        assert_eq!(s.object_count, Some(0));
        assert_eq!(s.shred_object_count, Some(0));
        assert_eq!(s.shred_object_bytes, Some(0));
        assert_eq!(s.custom_metadata_object_count, Some(0));
        assert_eq!(s.custom_metadata_object_bytes, Some(0));
        // hcpsdk's test asserts exactly these nine keys.
        assert_eq!(
            s.attributes.keys().collect::<Vec<_>>(),
            vec![
                "customMetadataObjectBytes",
                "customMetadataObjectCount",
                "namespaceName",
                "objectCount",
                "shredObjectBytes",
                "shredObjectCount",
                "softQuotaPercent",
                "totalCapacityBytes",
                "usedCapacityBytes",
            ]
        );
        let sparse = decode_statistics(b"<statistics softQuotaPercent=\"85.0\"/>").unwrap();
        assert_eq!(sparse.soft_quota_percent, Some(85));
        assert_eq!(sparse.object_count, None);
    }

    #[test]
    fn namespaces() {
        let all = decode_namespaces(NAMESPACES.as_bytes()).unwrap();
        assert_eq!(all.len(), 2);
        let n1 = &all[0];
        assert_eq!(n1.name, "n1");
        assert_eq!(n1.name_idna.as_deref(), Some("n1"));
        assert_eq!(n1.versioning, Some(false));
        assert_eq!(n1.search, Some(true));
        assert_eq!(n1.retention_mode.as_deref(), Some("enterprise"));
        assert_eq!(n1.default_shred, Some(false));
        assert_eq!(n1.default_index, Some(true));
        assert_eq!(n1.default_retention.as_deref(), Some("0"));
        assert_eq!(n1.hash_scheme.as_deref(), Some("SHA-256"));
        assert_eq!(n1.dpl, Some(2));
        assert_eq!(
            n1.description.as_deref(),
            Some("replicated°search°no versioning")
        );
        assert_eq!(
            n1.description_parts,
            vec!["replicated", "search", "no versioning"]
        );
        assert_eq!(n1.attributes.len(), 10);
        assert_eq!(n1.attributes["defaultRetentionValue"], "0");

        // hcpsdk's B13: a numeric name and an empty description.
        let n42 = &all[1];
        assert_eq!(n42.name, "42");
        assert_eq!(n42.description.as_deref(), Some(""));
        assert!(n42.description_parts.is_empty());
        assert_eq!(n42.versioning, None);
        assert_eq!(n42.dpl, None);
    }

    #[test]
    fn namespaces_pretty_and_utf8() {
        let all = decode_namespaces(NAMESPACES_PRETTY.as_bytes()).unwrap();
        assert_eq!(all.len(), 1);
        let ns = &all[0];
        assert_eq!(ns.name, "größe");
        assert_eq!(ns.name_idna.as_deref(), Some("xn--gre-6ka8i"));
        assert_eq!(ns.versioning, Some(true));
        assert_eq!(ns.default_retention.as_deref(), Some("A+10y"));
        assert_eq!(ns.dpl, Some(3));
        // CDATA is literal: the entity stays as written.
        assert_eq!(ns.description.as_deref(), Some("Größe &amp; more"));
        assert_eq!(ns.description_parts, vec!["Größe &amp; more"]);
        assert_eq!(ns.attributes["futureAttribute"], "x");

        assert!(
            decode_namespaces(b"<namespaces/>").unwrap().is_empty(),
            "no namespace is an empty list"
        );
        let no_description = decode_namespaces(b"<namespaces><namespace/></namespaces>").unwrap();
        assert_eq!(no_description[0].description, None);
        assert_eq!(no_description[0].name, "");
    }

    #[test]
    fn retention_classes() {
        let classes = decode_retention_classes(RETENTION_CLASSES.as_bytes()).unwrap();
        assert_eq!(classes.len(), 3);
        assert_eq!(classes[0].name, "TAX_DATA");
        assert_eq!(classes[0].value, "A+10y");
        assert_eq!(classes[0].value_number(), None);
        assert_eq!(classes[0].auto_delete, Some(true));
        assert_eq!(
            classes[0].description.as_deref(),
            Some("Class for tax data")
        );
        assert_eq!(classes[1].value, "-1");
        assert_eq!(classes[1].value_number(), Some(-1));
        assert_eq!(classes[1].auto_delete, Some(false));
        assert_eq!(classes[2].name, "7");
        assert_eq!(classes[2].description, None);
        assert_eq!(classes[2].auto_delete, None);
    }

    #[test]
    fn permissions() {
        let p = decode_permissions(PERMISSIONS.as_bytes()).unwrap();
        assert_eq!(p.namespace_name.as_deref(), Some("n1"));
        assert_eq!(
            p.namespace,
            PermissionSet {
                browse: true,
                read: true,
                write: true,
                read_acl: true,
                write_acl: true,
                change_owner: true,
                delete: true,
                privileged: true,
                purge: true,
                search: true,
            }
        );
        assert!(p.namespace_effective.delete && !p.namespace_effective.read_acl);
        assert!(p.user.read && !p.user.write);
        assert!(p.user_effective.browse && p.user_effective.read && !p.user_effective.write);
        let empty = decode_permissions(b"<permissions/>").unwrap();
        assert_eq!(empty, Permissions::default());
    }

    #[test]
    fn wrong_documents_are_errors() {
        for (decode, what) in [
            (
                (|b| decode_statistics(b).map(drop)) as fn(&[u8]) -> Result<(), Error>,
                "/proc/statistics",
            ),
            (|b| decode_namespaces(b).map(drop), "/proc"),
            (
                |b| decode_retention_classes(b).map(drop),
                "/proc/retentionClasses",
            ),
            (|b| decode_permissions(b).map(drop), "/proc/permissions"),
        ] {
            for body in [
                &b""[..],
                b"<html><body>403 Forbidden</body></html>",
                b"<statistic",
            ] {
                let err = decode(body).unwrap_err();
                assert_eq!(err.kind(), storkit_core::ErrorKind::Decode);
                let Some(HcpError::Decode { what: w, .. }) = err.hcp() else {
                    panic!("not a decode error: {err:?}");
                };
                assert_eq!(w, what);
            }
        }
    }
}
