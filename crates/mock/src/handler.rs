use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use http::{Request, Response};
use hyper::body::Incoming;

use crate::body::MockBody;

/// Where a request came in: the node, listener and connection it arrived on, and its request
/// line as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ctx {
    /// The local address that accepted the connection: one node of the server, on the port of
    /// [`listener`](Self::listener).
    pub node: SocketAddr,
    /// The client's address.
    pub peer: SocketAddr,
    /// The connection's id, as in [`ConnRecord::id`](crate::ConnRecord::id).
    pub conn_id: u64,
    /// The server name the client sent in its TLS ClientHello, if any.
    pub sni: Option<String>,
    /// Whether the connection is TLS.
    pub tls: bool,
    /// The name of the listener (port) the request came in on:
    /// [`MAIN_LISTENER`](crate::MAIN_LISTENER) for [`ServerConfig::port`](crate::ServerConfig::port),
    /// else the name given in [`ServerConfig::listener`](crate::ServerConfig::listener).
    pub listener: String,
    /// The request line exactly as received, without its line ending (bytes that are not
    /// UTF-8 shown as U+FFFD). `None` only if the kit could not follow the connection's
    /// framing.
    pub raw_line: Option<String>,
    /// The request target exactly as received, e.g. `/links/hcp1--<-->--hcp2`.
    ///
    /// The request the handler gets carries the target with each raw `<`, `>`, `` ` ``, `"`,
    /// `{`, `}`, `|`, `^` and `\` written as `%XX` (uppercase hex), because hyper refuses some
    /// of them raw; every other byte, `%` escapes included, is as sent. So `req.uri().path()`
    /// is `/links/hcp1--%3C--%3E--hcp2`, and percent-decoding it gives the same text as
    /// percent-decoding this raw target. A client that sent `%3C` itself looks the same to
    /// the handler; only this field tells the two apart.
    pub raw_target: Option<String>,
}

impl Ctx {
    /// A context for calling a handler directly, e.g. in a unit test: connection 0 on the
    /// main listener, plain, no SNI, no raw request line.
    pub fn new(node: SocketAddr, peer: SocketAddr) -> Self {
        Self {
            node,
            peer,
            conn_id: 0,
            sni: None,
            tls: false,
            listener: crate::config::MAIN_LISTENER.to_owned(),
            raw_line: None,
            raw_target: None,
        }
    }

    /// The port the request came in on.
    pub fn port(&self) -> u16 {
        self.node.port()
    }
}

/// The future a [`Handler`] returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Response<MockBody>> + Send>>;

/// What a mock answers: one implementation per vendor, shared by every node of a server.
///
/// Any `Fn(Request<Incoming>, Ctx) -> impl Future<Output = Response<MockBody>>` is a handler.
/// A handler reads the request body as a stream, so uploads of any size can be hashed or
/// discarded chunk by chunk.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request.
    fn call(&self, req: Request<Incoming>, ctx: Ctx) -> HandlerFuture;
}

impl<F, Fut> Handler for F
where
    F: Fn(Request<Incoming>, Ctx) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<MockBody>> + Send + 'static,
{
    fn call(&self, req: Request<Incoming>, ctx: Ctx) -> HandlerFuture {
        Box::pin(self(req, ctx))
    }
}
