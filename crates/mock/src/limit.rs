//! Reading a request body with a size limit: `413 Payload Too Large` beyond it.
//!
//! ```no_run
//! use http::{Request, Response, StatusCode};
//! use hyper::body::Incoming;
//! use storkit_mock::{Ctx, MockBody, limit, reply};
//!
//! async fn handle(req: Request<Incoming>, _ctx: Ctx) -> Response<MockBody> {
//!     let (parts, body) = match limit::read_request(req, 64 * 1024).await {
//!         Ok(read) => read,
//!         Err(error) => return error.response(),
//!     };
//!     reply::text(StatusCode::OK, format!("{} {} bytes", parts.method, body.len()))
//! }
//! ```

use bytes::{Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, HeaderValue};
use http::request::Parts;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::BodyExt;

use crate::body::{BoxError, MockBody};
use crate::json::quote;
use crate::reply;

/// Why a body was not read whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// The body is longer than the limit (by its `Content-Length`, or by what arrived).
    #[error("the request body is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The body broke off (the client went away or sent a malformed body).
    #[error("the request body could not be read: {0}")]
    Body(#[source] BoxError),
}

impl LimitError {
    /// The status: `413` or `400`.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Body(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// A JSON answer with [`status`](Self::status), `{"error": "...", "limit": n}` for `413`.
    /// It carries `Connection: close`, since the rest of the body is left unread.
    pub fn response(&self) -> Response<MockBody> {
        let body = match self {
            Self::TooLarge { limit } => {
                format!("{{\"error\":\"request body too large\",\"limit\":{limit}}}")
            }
            Self::Body(error) => format!("{{\"error\":{}}}", quote(&error.to_string())),
        };
        let mut response = reply::json(self.status(), body);
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        response
    }
}

/// `Err(TooLarge)` when the headers announce a `Content-Length` above `limit`.
pub fn check_content_length(headers: &HeaderMap, limit: u64) -> Result<(), LimitError> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(len) if len > limit => Err(LimitError::TooLarge { limit }),
        _ => Ok(()),
    }
}

/// Reads `body` whole, stopping with `TooLarge` as soon as more than `limit` bytes arrived.
pub async fn read<B>(body: B, limit: u64) -> Result<Bytes, LimitError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let mut body = std::pin::pin!(body);
    let mut out = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| LimitError::Body(e.into()))?;
        if let Some(data) = frame.data_ref() {
            if (out.len() + data.len()) as u64 > limit {
                return Err(LimitError::TooLarge { limit });
            }
            out.extend_from_slice(data);
        }
    }
    Ok(out.freeze())
}

/// Checks the `Content-Length`, then reads the body of `req` with [`read`].
pub async fn read_request<B>(req: Request<B>, limit: u64) -> Result<(Parts, Bytes), LimitError>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    check_content_length(req.headers(), limit)?;
    let (parts, body) = req.into_parts();
    let bytes = read(body, limit).await?;
    Ok((parts, bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use http_body_util::{Full, StreamBody};

    use super::*;

    fn chunked(chunks: &[&'static [u8]]) -> impl Body<Data = Bytes, Error = BoxError> {
        let frames: Vec<Result<http_body::Frame<Bytes>, BoxError>> = chunks
            .iter()
            .map(|c| Ok(http_body::Frame::data(Bytes::from_static(c))))
            .collect();
        StreamBody::new(Stream(frames.into_iter()))
    }

    struct Stream<I>(I);

    impl<I: Iterator + Unpin> futures_core::Stream for Stream<I> {
        type Item = I::Item;

        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<I::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }

    #[tokio::test]
    async fn reads_up_to_the_limit_and_no_further() {
        let body = read(chunked(&[b"ab", b"cd"]), 4).await.unwrap();
        assert_eq!(&body[..], b"abcd");
        let error = read(chunked(&[b"ab", b"cde"]), 4).await.unwrap_err();
        assert!(
            matches!(error, LimitError::TooLarge { limit: 4 }),
            "{error}"
        );
        let response = error.response();
        assert_eq!(response.status(), 413);
        assert_eq!(response.headers()["connection"], "close");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            &body[..],
            br#"{"error":"request body too large","limit":4}"#
        );
    }

    #[tokio::test]
    async fn a_declared_length_is_refused_before_reading() {
        let req = Request::put("/x")
            .header("content-length", "5")
            .body(Full::new(Bytes::from_static(b"abc")))
            .unwrap();
        assert!(matches!(
            read_request(req, 4).await,
            Err(LimitError::TooLarge { limit: 4 })
        ));
        let req = Request::put("/x")
            .body(Full::new(Bytes::from_static(b"abcd")))
            .unwrap();
        let (parts, body) = read_request(req, 4).await.unwrap();
        assert_eq!((parts.uri.path(), &body[..]), ("/x", &b"abcd"[..]));
    }

    #[tokio::test]
    async fn a_broken_body_is_a_400() {
        let frames: Vec<Result<http_body::Frame<Bytes>, BoxError>> = vec![Err("reset".into())];
        let error = read(StreamBody::new(Stream(frames.into_iter())), 4)
            .await
            .unwrap_err();
        assert_eq!(error.response().status(), 400);
    }
}
