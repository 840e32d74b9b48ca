//! What one mock VRG looks like: its address, users, timings, role, status and the interface
//! document's sample spellings it may answer with.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use http::StatusCode;
use sha2::{Digest, Sha256};

use crate::wire::PairKeys;

/// The token validity the VRG documents (§3.1.2): 600000 ms.
pub const DEFAULT_VALIDITY: Duration = Duration::from_millis(600_000);
/// The lock after three wrong passwords (`10440207`): 5 minutes.
pub const DEFAULT_LOCKOUT: Duration = Duration::from_secs(300);
/// The VRG `uuid` the login answers unless [`VrgConfig::uuid`] sets one.
pub const DEFAULT_UUID: &str = "5d3c9a1e-7b2f-4e60-9a8d-1c4b6e2f0a37";

/// Which side of the replication the VRG is deployed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Role {
    /// The production side (default).
    #[default]
    Production,
    /// The DR side: `GET /vmdrstatus/{vmUuid}/` answers there, during a failover only.
    Dr,
}

/// The interface document's sample spellings, which the mock answers instead of the tables'
/// when switched on (reference §8, §11). All off by default.
///
/// Build one with a struct literal: `SeedShapes { login_url: true, ..SeedShapes::default() }`,
/// or [`SeedShapes::all`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeedShapes {
    /// `GET /versions` answers `loginUrl` (the §3.1.1 sample) instead of `loginUri`.
    pub login_url: bool,
    /// `GET /netinfos` answers `netinfos` (the §3.5 sample) instead of `netInfos`.
    pub netinfos_key: bool,
    /// `GET /vrgstatus` answers `"status":"1"`, a string (the §3.4 sample).
    pub status_string: bool,
    /// `GET /vmstrategy` answers `compressMethod`/`encryptMethod` as numeric strings (the
    /// §3.8.3 sample) instead of the integers `compressOption`/`encryptOption`.
    pub method_strings: bool,
    /// Volumes carry `dstVolDsurn` (the §3.8.3 table) instead of `dstVolDsUrn`.
    pub dst_vol_dsurn: bool,
    /// Volumes carry `volumeUr1` (the tables) instead of `volumeUrl`.
    pub volume_ur1: bool,
    /// `hostUrn` goes into every volume (the §3.8.2 sample) instead of the VM's top level.
    pub host_urn_in_volumes: bool,
    /// `drExtParams` is a string holding JSON (its table type) instead of an object.
    pub dr_ext_params_string: bool,
    /// `drExtParams` names the management IP `drMgntIp` (the §3.8.3 table) instead of
    /// `dsMgntIp`.
    pub dr_mgnt_ip: bool,
    /// Volumes also carry `proVolUuid` (the §3.8.3 sample; the mock repeats `volUuid`).
    pub pro_vol_uuid: bool,
    /// Error bodies carry `errorCode` as a JSON number instead of a string.
    pub numeric_error_code: bool,
    /// `POST /modmngnet/` answers the §3.9 sample body `{"IP","netmask","netGateway"}`
    /// instead of an empty body.
    pub modmngnet_body: bool,
}

impl SeedShapes {
    /// Every sample spelling at once.
    pub fn all() -> Self {
        Self {
            login_url: true,
            netinfos_key: true,
            status_string: true,
            method_strings: true,
            dst_vol_dsurn: true,
            volume_ur1: true,
            host_urn_in_volumes: true,
            dr_ext_params_string: true,
            dr_mgnt_ip: true,
            pro_vol_uuid: true,
            numeric_error_code: true,
            modmngnet_body: true,
        }
    }
}

/// A user who may log in: the name and the `X-Auth-Key` it must send, lowercase hex
/// SHA-256 of the UTF-8 password. `Debug` hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct VrgUser {
    /// The `X-Auth-User` name.
    pub name: String,
    /// Lowercase hex SHA-256 of the password.
    pub key: String,
}

impl VrgUser {
    /// A user with `password`, stored as the key a client sends.
    pub fn new(name: impl Into<String>, password: &str) -> Self {
        Self {
            name: name.into(),
            key: key_for(password),
        }
    }
}

impl fmt::Debug for VrgUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VrgUser")
            .field("name", &self.name)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// `X-Auth-Key` for `password`: lowercase hex SHA-256 of its UTF-8 bytes (reference §4).
pub fn key_for(password: &str) -> String {
    Sha256::digest(password.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How to start a [`VrgMock`](crate::VrgMock).
///
/// Fields are public; the methods are a builder over them. [`VrgConfig::new`] gives plain
/// HTTP on `127.0.0.1`, an ephemeral port (the device uses 8080), no user, the documented
/// validity and lockout, production role.
#[derive(Clone)]
#[non_exhaustive]
pub struct VrgConfig {
    /// The addresses it serves on, all loopback (default `127.0.0.1`). The first is the
    /// management address `GET /netinfos` reports.
    pub ips: Vec<IpAddr>,
    /// The port; `0` picks a free one (default).
    pub port: u16,
    /// Serve HTTPS with a certificate generated at start (default plain HTTP).
    pub tls: bool,
    /// DNS names for the certificate, beside the IPs (default `vrg.example`).
    pub tls_names: Vec<String>,
    /// Who may log in.
    pub users: Vec<VrgUser>,
    /// Accept `X-Auth-Key` in any case (uppercase hex too); by default only lowercase.
    pub key_any_case: bool,
    /// Token lifetime, also the login's `validity` (ms). Default 600000 ms.
    pub validity: Duration,
    /// Renew a token on every use (sliding expiry); by default it expires `validity` after
    /// the login whatever happens.
    pub sliding: bool,
    /// How long the third consecutive wrong password locks the account. Default 5 minutes.
    pub lockout: Duration,
    /// The VRG's `uuid` in the login answer.
    pub uuid: String,
    /// Production or DR side.
    pub role: Role,
    /// Whether a failover is in progress (with [`Role::Dr`], `GET /vmdrstatus` answers).
    pub failover: bool,
    /// `GET /vrgstatus` `status`: 1 normal (default), 2 abnormal.
    pub status: i64,
    /// `availableCapacity` in KB, or −1 cache unused, −2 cache loading, −3 invalid.
    pub available_capacity: i64,
    /// `totalCapacity` in KB, or −1 cache unused.
    pub total_capacity: i64,
    /// How long a pairing stays at status 2 before it ends in 1 (or 3). Default 50 ms.
    pub pair_delay: Duration,
    /// How long a DR configuration's volumes stay at `volStatus` 5 before they end in 1 (or
    /// the outcome set by a hook). Default 50 ms.
    pub strategy_delay: Duration,
    /// Sample spellings to answer with.
    pub seed_shapes: SeedShapes,
    /// Which spellings `POST /vrgmap` accepts.
    pub pair_keys: PairKeys,
    /// The HTTP status for a missing, unknown or expired token: 400 (default, as the
    /// document says for every code) or 401 (as FusionCompute answers). The body carries
    /// `10440102` either way.
    pub unauthenticated_status: StatusCode,
    /// `GET /netinfos` type 1 (network to the CNA nodes): address and port.
    pub cna_network: (Ipv4Addr, u16),
    /// `GET /netinfos` type 2 (network to the peer VRG): address and port.
    pub peer_network: (Ipv4Addr, u16),
    /// The management netmask and gateway `GET /netinfos` reports for type 0, until
    /// `POST /modmngnet/` changes them. Default `255.255.255.0` and the management
    /// address's `.1`.
    pub management: Option<(Ipv4Addr, Ipv4Addr)>,
}

impl fmt::Debug for VrgConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VrgConfig")
            .field("ips", &self.ips)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("users", &self.users)
            .field("validity", &self.validity)
            .field("sliding", &self.sliding)
            .field("lockout", &self.lockout)
            .field("role", &self.role)
            .field("failover", &self.failover)
            .field("seed_shapes", &self.seed_shapes)
            .field("pair_keys", &self.pair_keys)
            .finish_non_exhaustive()
    }
}

impl Default for VrgConfig {
    fn default() -> Self {
        Self {
            ips: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            port: 0,
            tls: false,
            tls_names: vec!["vrg.example".to_owned()],
            users: Vec::new(),
            key_any_case: false,
            validity: DEFAULT_VALIDITY,
            sliding: false,
            lockout: DEFAULT_LOCKOUT,
            uuid: DEFAULT_UUID.to_owned(),
            role: Role::Production,
            failover: false,
            status: 1,
            available_capacity: 52_428_800,
            total_capacity: 104_857_600,
            pair_delay: Duration::from_millis(50),
            strategy_delay: Duration::from_millis(50),
            seed_shapes: SeedShapes::default(),
            pair_keys: PairKeys::Both,
            unauthenticated_status: StatusCode::BAD_REQUEST,
            cna_network: (Ipv4Addr::new(192, 168, 10, 20), 7100),
            peer_network: (Ipv4Addr::new(192, 168, 100, 210), 7000),
            management: None,
        }
    }
}

impl VrgConfig {
    /// The defaults: see the type's docs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves on `ip` alone.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.ips = vec![ip];
        self
    }

    /// Serves on these addresses.
    pub fn ips(mut self, ips: impl IntoIterator<Item = IpAddr>) -> Self {
        self.ips = ips.into_iter().collect();
        self
    }

    /// Sets the port; `0` picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serves HTTPS (`true`) or plain HTTP.
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Sets the certificate's DNS names.
    pub fn tls_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.tls_names = names.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a user with `password` (stored as its SHA-256 key).
    pub fn user(mut self, name: impl Into<String>, password: &str) -> Self {
        self.users.push(VrgUser::new(name, password));
        self
    }

    /// Accepts `X-Auth-Key` in any case.
    pub fn key_any_case(mut self, any: bool) -> Self {
        self.key_any_case = any;
        self
    }

    /// Sets the token lifetime (the login answers it in ms).
    pub fn validity(mut self, validity: Duration) -> Self {
        self.validity = validity;
        self
    }

    /// Renews tokens on every use (`true`) or expires them `validity` after login.
    pub fn sliding(mut self, sliding: bool) -> Self {
        self.sliding = sliding;
        self
    }

    /// Sets how long three wrong passwords lock the account.
    pub fn lockout(mut self, lockout: Duration) -> Self {
        self.lockout = lockout;
        self
    }

    /// Sets the VRG's `uuid`.
    pub fn uuid(mut self, uuid: impl Into<String>) -> Self {
        self.uuid = uuid.into();
        self
    }

    /// Sets the side the VRG is on.
    pub fn role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }

    /// Sets whether a failover is in progress.
    pub fn failover(mut self, failover: bool) -> Self {
        self.failover = failover;
        self
    }

    /// Sets `GET /vrgstatus` `status`.
    pub fn status(mut self, status: i64) -> Self {
        self.status = status;
        self
    }

    /// Sets `availableCapacity` and `totalCapacity` (KB, or the negative codes).
    pub fn capacities(mut self, available: i64, total: i64) -> Self {
        self.available_capacity = available;
        self.total_capacity = total;
        self
    }

    /// Sets how long a pairing stays at status 2.
    pub fn pair_delay(mut self, delay: Duration) -> Self {
        self.pair_delay = delay;
        self
    }

    /// Sets how long DR volumes stay at `volStatus` 5.
    pub fn strategy_delay(mut self, delay: Duration) -> Self {
        self.strategy_delay = delay;
        self
    }

    /// Answers with these sample spellings.
    pub fn seed_shapes(mut self, shapes: SeedShapes) -> Self {
        self.seed_shapes = shapes;
        self
    }

    /// Sets which pairing key spellings are accepted.
    pub fn pair_key_style(mut self, keys: PairKeys) -> Self {
        self.pair_keys = keys;
        self
    }

    /// Sets the HTTP status of `10440102` answers: 400 (default) or 401.
    pub fn unauthenticated_status(mut self, status: StatusCode) -> Self {
        self.unauthenticated_status = status;
        self
    }

    /// Sets the type 1 network (to the CNA nodes).
    pub fn cna_network(mut self, ip: Ipv4Addr, port: u16) -> Self {
        self.cna_network = (ip, port);
        self
    }

    /// Sets the type 2 network (to the peer VRG).
    pub fn peer_network(mut self, ip: Ipv4Addr, port: u16) -> Self {
        self.peer_network = (ip, port);
        self
    }

    /// Sets the management netmask and gateway.
    pub fn management(mut self, mask: Ipv4Addr, gateway: Ipv4Addr) -> Self {
        self.management = Some((mask, gateway));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lowercase_hex_sha256_and_hidden() {
        // sha256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            key_for("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let config = VrgConfig::new().user("admin", "abc");
        let shown = format!("{config:?}");
        assert!(
            shown.contains("admin") && !shown.contains("ba7816bf"),
            "{shown}"
        );
    }
}
