use std::io;
use std::net::{IpAddr, SocketAddr};

/// Why the kit could not start a server or change its nodes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The configuration named no address to bind.
    #[error("no address to bind: the node list is empty")]
    NoAddress,
    /// An address outside the loopback range was asked for.
    #[error("{ip} is not a loopback address; mock servers bind loopback addresses only")]
    NotLoopback {
        /// The refused address.
        ip: IpAddr,
    },
    /// A listener or socket could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// An ephemeral port was asked for, but every try collided on some node.
    #[error("no port was free on every node address after {attempts} attempts")]
    NoCommonPort {
        /// How many ports were tried.
        attempts: u32,
    },
    /// Two listeners of one server have the same name.
    #[error("two listeners are called {name:?}; listener names must be unique")]
    DuplicateListener {
        /// The repeated name.
        name: String,
    },
    /// The address is not one of this server's nodes.
    #[error("{ip} is not a node of this server")]
    UnknownNode {
        /// The address that was asked for.
        ip: IpAddr,
    },
    /// The server was started outside a Tokio runtime.
    #[error("mock servers run on a Tokio runtime; none is running here")]
    NoRuntime,
    /// The server was shut down; its nodes cannot be started again.
    #[error("the server was shut down")]
    ShutDown,
    /// The test certificate could not be generated.
    #[error("cannot generate the test certificate: {0}")]
    Certificate(String),
    /// rustls refused the generated certificate or key.
    #[error("cannot build the TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    /// Any other I/O failure.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}
