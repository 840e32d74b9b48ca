//! SHA-256 computed while bytes stream past, for uploads (checked against the
//! `X-HCP-Hash` HCP returns) and downloads (checked at the end of the body).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, ReadBuf};

/// The running hash of one attempt's body. A replayable body resets it when it is opened
/// again, so the hash always describes the bytes of the last attempt.
#[derive(Debug, Default)]
pub(crate) struct HashState {
    inner: Mutex<(Sha256, u64)>,
}

impl HashState {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(HashState::default())
    }

    pub(crate) fn reset(&self) {
        *self.inner.lock().unwrap_or_else(PoisonError::into_inner) = (Sha256::new(), 0);
    }

    fn update(&self, data: &[u8]) {
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        g.0.update(data);
        g.1 += data.len() as u64;
    }

    /// The hash (`SHA-256 <UPPER-HEX>`, HCP's spelling) and the number of bytes hashed.
    pub(crate) fn finish(&self) -> (String, u64) {
        let g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        (hcp_sha256(&g.0.clone().finalize()), g.1)
    }
}

/// `SHA-256 <UPPER-HEX>` of a finished digest.
pub(crate) fn hcp_sha256(digest: &[u8]) -> String {
    let mut s = String::with_capacity(8 + 64);
    s.push_str("SHA-256 ");
    for b in digest {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// `SHA-256 <UPPER-HEX>` of `data`.
pub(crate) fn sha256_of(data: &[u8]) -> String {
    hcp_sha256(&Sha256::digest(data))
}

/// True when two `X-HCP-Hash` values name the same hash (scheme and hex compared without
/// regard to case or surrounding space).
pub(crate) fn same_hash(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let mut parts = s.split_whitespace();
        (
            parts.next().map(str::to_ascii_uppercase),
            parts.next().map(str::to_ascii_uppercase),
        )
    };
    let (x, y) = (norm(a), norm(b));
    x.0.is_some() && x.1.is_some() && x == y
}

/// True when an `X-HCP-Hash` value is a SHA-256 hash (the scheme this client computes).
pub(crate) fn is_sha256(value: &str) -> bool {
    value
        .split_whitespace()
        .next()
        .is_some_and(|s| s.eq_ignore_ascii_case("SHA-256"))
}

/// Hashes what an `AsyncRead` yields.
pub(crate) struct HashingReader<R> {
    inner: R,
    state: Arc<HashState>,
}

impl<R> HashingReader<R> {
    pub(crate) fn new(inner: R, state: Arc<HashState>) -> Self {
        HashingReader { inner, state }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for HashingReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &r {
            this.state.update(&buf.filled()[before..]);
        }
        r
    }
}

/// Hashes what a stream of chunks yields.
pub(crate) struct HashingStream<S> {
    inner: S,
    state: Arc<HashState>,
}

impl<S> HashingStream<S> {
    pub(crate) fn new(inner: S, state: Arc<HashState>) -> Self {
        HashingStream { inner, state }
    }
}

impl<S: Stream<Item = io::Result<Bytes>> + Unpin> Stream for HashingStream<S> {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &r {
            this.state.update(chunk);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_vector() {
        assert_eq!(
            sha256_of(b"This is an example"),
            "SHA-256 47FB563CC8F86DC37C86D08BC542968F7986ACD81C97BF76DB7AD744407FE117"
        );
    }

    #[test]
    fn a_hash_state_resets_per_attempt() {
        let s = HashState::new();
        s.update(b"garbage from a failed attempt");
        s.reset();
        s.update(b"This is ");
        s.update(b"an example");
        assert_eq!(s.finish(), (sha256_of(b"This is an example"), 18));
    }

    #[test]
    fn hashes_compare_by_scheme_and_value() {
        assert!(same_hash("SHA-256 ABCD", "sha-256 abcd"));
        assert!(!same_hash("SHA-256 ABCD", "MD5 ABCD"));
        assert!(!same_hash("", ""));
        assert!(is_sha256("SHA-256 00"));
        assert!(!is_sha256("MD5 00"));
    }
}
