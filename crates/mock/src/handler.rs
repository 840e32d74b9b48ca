use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use http::{Request, Response};
use hyper::body::Incoming;

use crate::body::MockBody;

/// Where a request came in: the node and connection it arrived on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctx {
    /// The local address that accepted the connection (one node of the server).
    pub node: SocketAddr,
    /// The client's address.
    pub peer: SocketAddr,
    /// The connection's id, as in [`ConnRecord::id`](crate::ConnRecord::id).
    pub conn_id: u64,
    /// The server name the client sent in its TLS ClientHello, if any.
    pub sni: Option<String>,
    /// Whether the connection is TLS.
    pub tls: bool,
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
