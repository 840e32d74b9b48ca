//! Replication links and their state machine: suspend/resume, failover/failback and the
//! recovery of active/passive links.

use crate::config::{LinkConfig, LinkType};
use crate::doc::Value;
use crate::hash;
use crate::objects::Fail;
use crate::time;

/// A replication link as it stands, for tests ([`HcpMock::link`](crate::HcpMock::link)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkState {
    /// The link name.
    pub name: String,
    /// Its kind.
    pub link_type: LinkType,
    /// Suspended by `suspend`, until `resume`.
    pub suspended: bool,
    /// Failed over by `failOver`, until `failBack` (active/active) or a completed recovery.
    pub failed_over: bool,
    /// Between `beginRecovery` and `completeRecovery`.
    pub recovering: bool,
    /// Shut down with the replication service's `shutDownAllLinks`, until
    /// `reestablishAllLinks`.
    pub shut_down: bool,
    /// The actions accepted so far, in order, as sent (`failOver`, `beginRecover`, …).
    pub history: Vec<String>,
}

impl LinkState {
    /// `status`: `GOOD`, or `WARNING` while suspended, shut down, failed over or
    /// recovering.
    pub fn status(&self) -> &'static str {
        if self.suspended || self.shut_down || self.failed_over || self.recovering {
            "WARNING"
        } else {
            "GOOD"
        }
    }

    /// `statusMessage`.
    pub fn status_message(&self) -> &'static str {
        if self.recovering {
            "Recovering data"
        } else if self.failed_over {
            "Failed over"
        } else if self.shut_down {
            "Shut down by user"
        } else if self.suspended {
            "Suspended by user"
        } else {
            "Synchronizing data"
        }
    }
}

/// A link's configuration and state.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub(crate) config: LinkConfig,
    pub(crate) state: LinkState,
    pub(crate) id: String,
}

/// The actions of `POST /mapi/services/replication/links/<name>?<action>`.
const ACTIONS: [&str; 8] = [
    "suspend",
    "resume",
    "restore",
    "failOver",
    "failBack",
    "beginRecovery",
    "beginRecover",
    "completeRecovery",
];

impl Link {
    pub(crate) fn new(config: LinkConfig) -> Self {
        let id = config.id.clone().unwrap_or_else(|| uuid_from(&config.name));
        Self {
            state: LinkState {
                name: config.name.clone(),
                link_type: config.link_type,
                suspended: false,
                failed_over: false,
                recovering: false,
                shut_down: false,
                history: Vec::new(),
            },
            config,
            id,
        }
    }

    /// Whether `name` is a link action this mock knows.
    pub(crate) fn is_action(name: &str) -> bool {
        ACTIONS.contains(&name)
    }

    /// Applies `action`, or says why the link's state forbids it (`400`).
    pub(crate) fn apply(&mut self, action: &str) -> Result<(), Fail> {
        let kind = self.state.link_type;
        let not_allowed =
            || Fail::bad_request(format!("{action} not allowed on {} link", kind.as_str()));
        let s = &mut self.state;
        match action {
            "suspend" => {
                if s.suspended {
                    return Err(Fail::bad_request("link already suspended"));
                }
                s.suspended = true;
            }
            "resume" => {
                if !s.suspended {
                    return Err(Fail::bad_request("link not suspended"));
                }
                s.suspended = false;
            }
            "restore" => {
                if s.failed_over {
                    return Err(Fail::bad_request("link is failed over"));
                }
            }
            "failOver" => {
                if s.failed_over {
                    return Err(Fail::bad_request("link already failed over"));
                }
                s.failed_over = true;
            }
            "failBack" => {
                if kind != LinkType::ActiveActive {
                    return Err(not_allowed());
                }
                if !s.failed_over {
                    return Err(Fail::bad_request("link not failed over"));
                }
                s.failed_over = false;
            }
            "beginRecovery" | "beginRecover" => {
                if kind == LinkType::ActiveActive {
                    return Err(not_allowed());
                }
                if !s.failed_over {
                    return Err(Fail::bad_request("link not failed over"));
                }
                if s.recovering {
                    return Err(Fail::bad_request("recovery already in progress"));
                }
                s.recovering = true;
            }
            "completeRecovery" => {
                if kind == LinkType::ActiveActive {
                    return Err(not_allowed());
                }
                if !s.recovering {
                    return Err(Fail::bad_request("recovery not started"));
                }
                s.recovering = false;
                s.failed_over = false;
            }
            other => return Err(Fail::bad_request(format!("unknown link action: {other}"))),
        }
        s.history.push(action.to_owned());
        Ok(())
    }

    /// Shuts the link down or reestablishes it (the service-wide actions), recording
    /// `action` in its history.
    pub(crate) fn set_shut_down(&mut self, shut_down: bool, action: &str) {
        self.state.shut_down = shut_down;
        self.state.history.push(action.to_owned());
    }

    /// The link document (reference §8.1), with this system's node IPs as `localHost`.
    pub(crate) fn document(&self, local_hosts: &str, now_ms: i64) -> Value {
        let c = &self.config;
        let s = &self.state;
        let failover_side = || {
            let mut pairs = vec![
                ("autoFailover", Value::str("false")),
                ("autoFailoverMinutes", Value::str("120")),
            ];
            if c.link_type != LinkType::ActiveActive {
                pairs.push(("autoCompleteRecovery", Value::str("false")));
                pairs.push(("autoCompleteRecoveryMinutes", Value::str("120")));
            }
            Value::obj(pairs)
        };
        let zero = || Value::str("0");
        let rate = || Value::str("0.0");
        Value::obj([
            ("compression", Value::str("false")),
            (
                "connection",
                Value::obj([
                    ("localHost", Value::str(local_hosts)),
                    ("localPort", Value::str("5748")),
                    ("remoteHost", Value::str(&c.remote_host)),
                    ("remotePort", Value::str("5748")),
                ]),
            ),
            ("description", Value::str(&c.description)),
            ("encryption", Value::str("false")),
            (
                "failoverSettings",
                Value::obj([("local", failover_side()), ("remote", failover_side())]),
            ),
            ("id", Value::str(&self.id)),
            ("name", Value::str(&c.name)),
            ("priority", Value::str("OLDEST_FIRST")),
            (
                "statistics",
                Value::obj([
                    (
                        "upToDateAsOfString",
                        Value::str(time::iso_string(now_ms / 1000)),
                    ),
                    ("upToDateAsOfMillis", Value::str(now_ms.to_string())),
                    ("bytesPending", zero()),
                    ("bytesPendingRemote", zero()),
                    ("bytesReplicated", zero()),
                    ("bytesPerSecond", rate()),
                    ("objectsPending", zero()),
                    ("objectsPendingRemote", zero()),
                    ("objectsReplicated", zero()),
                    ("operationsPerSecond", rate()),
                    ("errors", zero()),
                    ("errorsPerSecond", rate()),
                ]),
            ),
            ("status", Value::str(s.status())),
            ("statusMessage", Value::str(s.status_message())),
            ("suspended", Value::str(s.suspended.to_string())),
            ("type", Value::str(c.link_type.as_str())),
        ])
    }
}

/// A stable UUID-shaped id from a name, so a link keeps its id across restarts.
fn uuid_from(name: &str) -> String {
    let h = hash::md5_lower(name.as_bytes());
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn active_active_failover_and_back() {
        let mut link = Link::new(LinkConfig::new("a", LinkType::ActiveActive));
        assert_eq!(
            link.apply("failBack").unwrap_err().message,
            "link not failed over"
        );
        link.apply("failOver").unwrap();
        assert_eq!(link.state.status_message(), "Failed over");
        assert_eq!(
            link.apply("beginRecovery").unwrap_err().message,
            "beginRecovery not allowed on ACTIVE_ACTIVE link"
        );
        link.apply("failBack").unwrap();
        assert_eq!(link.state.status(), "GOOD");
        link.apply("suspend").unwrap();
        assert!(link.apply("suspend").is_err());
        link.apply("resume").unwrap();
        assert_eq!(
            link.state.history,
            ["failOver", "failBack", "suspend", "resume"]
        );
    }

    #[test]
    fn outbound_recovery() {
        let mut link = Link::new(LinkConfig::new("o", LinkType::Outbound));
        assert_eq!(
            link.apply("failBack").unwrap_err().message,
            "failBack not allowed on OUTBOUND link"
        );
        assert_eq!(
            link.apply("beginRecover").unwrap_err().message,
            "link not failed over"
        );
        assert_eq!(
            link.apply("completeRecovery").unwrap_err().message,
            "recovery not started"
        );
        link.apply("failOver").unwrap();
        link.apply("beginRecover").unwrap();
        assert!(link.state.recovering);
        link.apply("completeRecovery").unwrap();
        assert!(!link.state.failed_over && !link.state.recovering);
        assert!(link.apply("jump").is_err());
        assert_eq!(link.id.len(), 36);
    }
}
