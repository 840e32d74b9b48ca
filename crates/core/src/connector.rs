//! Connections to one node: a hyper-util client whose resolver always answers the node's
//! address, so TCP goes to that node while the URI (and with it `Host`, SNI and the
//! certificate name check) keeps the host name; connect timing and connection ids.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::body::HttpBody;
use crate::error::BoxError;

/// Settings every node client is built with.
#[derive(Clone)]
pub(crate) struct NodeSettings {
    pub(crate) tls: Arc<rustls::ClientConfig>,
    pub(crate) https: bool,
    pub(crate) connect_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_idle_per_node: usize,
}

pub(crate) type NodeClient =
    HyperClient<TimedConnector<HttpsConnector<HttpConnector<FixedIp>>>, HttpBody>;

pub(crate) fn build_client(ip: IpAddr, s: &NodeSettings) -> NodeClient {
    let mut http = HttpConnector::new_with_resolver(FixedIp(ip));
    // The URI scheme is https for TLS nodes; HttpConnector refuses it unless told.
    http.enforce_http(false);
    http.set_nodelay(true);
    let builder = HttpsConnectorBuilder::new().with_tls_config((*s.tls).clone());
    let https = if s.https {
        builder.https_only().enable_http1().wrap_connector(http)
    } else {
        builder.https_or_http().enable_http1().wrap_connector(http)
    };
    let connector = TimedConnector {
        inner: https,
        timeout: s.connect_timeout,
    };
    HyperClient::builder(TokioExecutor::new())
        .pool_idle_timeout(s.idle_timeout)
        // Without a timer hyper-util only checks expiry at checkout, and idle sockets
        // would stay open until the next request.
        .pool_timer(TokioTimer::new())
        .pool_max_idle_per_host(s.max_idle_per_node)
        .build(connector)
}

/// A hyper-util resolver that always answers one address (port 0 = the URI's port).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedIp(IpAddr);

impl tower_service::Service<Name> for FixedIp {
    type Response = std::iter::Once<SocketAddr>;
    type Error = io::Error;
    type Future = std::future::Ready<Result<Self::Response, io::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _name: Name) -> Self::Future {
        std::future::ready(Ok(std::iter::once(SocketAddr::new(self.0, 0))))
    }
}

static CONNECTION_IDS: AtomicU64 = AtomicU64::new(1);

/// Facts about a connection, attached to every response it carries.
#[derive(Clone, Debug)]
pub(crate) struct ConnMeta {
    pub(crate) id: u64,
    pub(crate) connect_time: Duration,
    /// True until the first response on this connection claims the connect time.
    fresh: Arc<AtomicBool>,
}

impl ConnMeta {
    /// The connect time, for the first response on the connection only.
    pub(crate) fn claim_connect_time(&self) -> Option<Duration> {
        self.fresh
            .swap(false, Ordering::Relaxed)
            .then_some(self.connect_time)
    }
}

/// Times TCP + TLS establishment and bounds it with the connect timeout.
#[derive(Clone)]
pub(crate) struct TimedConnector<C> {
    inner: C,
    timeout: Duration,
}

impl<C> tower_service::Service<Uri> for TimedConnector<C>
where
    C: tower_service::Service<Uri, Response = MaybeHttpsStream<TokioIo<TcpStream>>>
        + Clone
        + Send
        + 'static,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = TimedStream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<TimedStream, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let fut = self.inner.call(uri);
        let timeout = self.timeout;
        Box::pin(async move {
            let start = Instant::now();
            match tokio::time::timeout(timeout, fut).await {
                Ok(Ok(io)) => Ok(TimedStream {
                    io,
                    meta: ConnMeta {
                        id: CONNECTION_IDS.fetch_add(1, Ordering::Relaxed),
                        connect_time: start.elapsed(),
                        fresh: Arc::new(AtomicBool::new(true)),
                    },
                }),
                Ok(Err(e)) => Err(e.into()),
                Err(_) => Err(BoxError::from(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("connect timed out after {timeout:?}"),
                ))),
            }
        })
    }
}

/// A connection that reports its [`ConnMeta`] to hyper-util.
pub(crate) struct TimedStream {
    io: MaybeHttpsStream<TokioIo<TcpStream>>,
    meta: ConnMeta,
}

impl Connection for TimedStream {
    fn connected(&self) -> Connected {
        self.io.connected().extra(self.meta.clone())
    }
}

impl hyper::rt::Read for TimedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for TimedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}
