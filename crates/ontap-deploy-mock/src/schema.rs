//! The fields each collection's records carry, the defaults a GET without `fields`
//! returns and what `fields=*` leaves out (mock decisions: reference §3 and §12 call the
//! key fields UNKNOWN beyond `id` and `name`).
//!
//! Unset fields are left out of records rather than written as `null`.

use crate::query::Schema;

/// `/security/credentials`: the password is never returned.
pub const CREDENTIALS: Schema = Schema {
    fields: &["id", "hostname", "username", "type"],
    defaults: &["id", "hostname", "username", "type"],
    expensive: &[],
};

/// `/hosts`.
pub const HOSTS: Schema = Schema {
    fields: &[
        "id",
        "name",
        "hypervisor_type",
        "management_server",
        "credential",
    ],
    defaults: &["id", "name"],
    expensive: &[],
};

/// `/clusters`: `nodes` (the embedded node list) is expensive, so name it or use `**`.
pub const CLUSTERS: Schema = Schema {
    fields: &[
        "id",
        "name",
        "ip",
        "gateway",
        "netmask",
        "ontap_image_version",
        "dns_info",
        "ntp_servers",
        "state",
        "is_deployed",
        "nodes",
    ],
    defaults: &["id", "name"],
    expensive: &["nodes"],
};

/// `/clusters/{id}/nodes`.
pub const NODES: Schema = Schema {
    fields: &[
        "id",
        "name",
        "cluster",
        "host",
        "instance_type",
        "ip",
        "passthrough_disks",
        "serial_number",
        "license",
        "is_storage_efficiency_enabled",
        "state",
    ],
    defaults: &["id", "name"],
    expensive: &[],
};

/// `/clusters/{id}/nodes/{id}/networks`: `purpose` is a key field (a node has one network
/// per purpose).
pub const NETWORKS: Schema = Schema {
    fields: &["id", "name", "purpose", "vlan_id"],
    defaults: &["id", "name", "purpose"],
    expensive: &[],
};

/// `/clusters/{id}/nodes/{id}/storage/pools`.
pub const POOLS: Schema = Schema {
    fields: &["id", "name", "capacity"],
    defaults: &["id", "name"],
    expensive: &[],
};

/// `/clusters/{id}/nodes/{id}/storage/disks`.
pub const DISKS: Schema = Schema {
    fields: &["id", "name", "disk"],
    defaults: &["id", "name"],
    expensive: &[],
};

/// `/jobs`: without `fields` a job comes with its state, message and `last_modified`; with
/// a list, only `id` and the fields named (so a long poll must ask for `last_modified`).
pub const JOBS: Schema = Schema {
    fields: &["id", "state", "message", "last_modified"],
    defaults: &["id", "state", "message", "last_modified"],
    expensive: &[],
};

/// `/licensing/licenses`: the id is the serial number.
pub const LICENSES: Schema = Schema {
    fields: &["id", "serial_number", "file_name", "nodes", "last_modified"],
    defaults: &["id", "serial_number"],
    expensive: &[],
};

/// `/network/connectivitychecks`.
pub const CHECKS: Schema = Schema {
    fields: &[
        "id",
        "state",
        "mode",
        "mtu",
        "vswitch_type",
        "debug",
        "host_networks",
        "results",
    ],
    defaults: &["id", "state"],
    expensive: &["results"],
};

/// `/images`: the id is the ONTAP version.
pub const IMAGES: Schema = Schema {
    fields: &["id", "version"],
    defaults: &["id", "version"],
    expensive: &[],
};

/// `/mediators`.
pub const MEDIATORS: Schema = Schema {
    fields: &["id", "name", "ip", "port"],
    defaults: &["id", "name"],
    expensive: &[],
};
