//! Large collections, page by page: Deploy has no cursor, so each page asks for the
//! records after the last key seen (`key=>last&order_by=key asc&max_records=N`), as the
//! seed describes for events and times.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::de::DeserializeOwned;
use storkit_core::Error;
use storkit_core::http::Method;

use crate::client::DeployClient;
use crate::error::OntapError;
use crate::model::{Collection, decode_collection};
use crate::query::{Order, Query};

type Page = Vec<(String, serde_json::Value)>;
type PageFuture = Pin<Box<dyn Future<Output = Result<Page, Error>> + Send>>;

/// The stream of [`DeployClient::collection_stream`].
pub struct RecordStream<T> {
    client: DeployClient,
    segments: Vec<String>,
    query: Query,
    key: String,
    page: u32,
    last: Option<String>,
    done: bool,
    in_flight: Option<PageFuture>,
    ready: VecDeque<serde_json::Value>,
    _t: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for RecordStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordStream")
            .field("path", &self.segments)
            .field("key", &self.key)
            .field("page", &self.page)
            .field("last", &self.last)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// A record's key as text (strings as they are, numbers in decimal).
fn key_of(record: &serde_json::Value, key: &str) -> Option<String> {
    let mut value = record;
    for part in key.split('.') {
        value = value.get(part)?;
    }
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl DeployClient {
    /// Every record of the collection at `path` (relative to the base path, e.g.
    /// `clusters` or `clusters/{id}/nodes`) matching `query`, `page` records per request,
    /// ordered by `key` ascending: each request asks for the records whose `key` is
    /// greater than the last one seen. `key` must be unique and always present (`id`, or a
    /// timestamp without ties); records without it end the stream with an error.
    pub fn collection_stream<T: DeserializeOwned + Send + 'static>(
        &self,
        path: &str,
        query: Query,
        key: &str,
        page: u32,
    ) -> RecordStream<T> {
        RecordStream {
            client: self.clone(),
            segments: path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            query,
            key: key.to_owned(),
            page: page.max(1),
            last: None,
            done: false,
            in_flight: None,
            ready: VecDeque::new(),
            _t: PhantomData,
        }
    }
}

impl<T: DeserializeOwned> RecordStream<T> {
    fn next_request(&mut self) -> PageFuture {
        let mut query = self
            .query
            .clone()
            .order_by(&self.key, Order::Asc)
            .max_records(self.page);
        if let Some(last) = &self.last {
            query = query.gt(&self.key, last);
        }
        let client = self.client.clone();
        let segments = self.segments.clone();
        let key = self.key.clone();
        Box::pin(async move {
            let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
            let request = client.request(Method::GET, &parts, &query)?;
            let answer = client.send(request).await?;
            let collection: Collection<serde_json::Value> = decode_collection(&answer.body)?;
            collection
                .records
                .into_iter()
                .map(|record| match key_of(&record, &key) {
                    Some(k) => Ok((k, record)),
                    None => Err(Error::from(OntapError::Decode {
                        what: format!("a record of /{}", segments.join("/")),
                        detail: format!("it has no `{key}` to page on"),
                    })),
                })
                .collect()
        })
    }

    /// Takes in a page: stops on a short page or one that does not move past the last
    /// key (a server ignoring the filter).
    fn record(&mut self, page: Page) {
        let full = u32::try_from(page.len()).is_ok_and(|n| n >= self.page);
        let new_last = page.last().map(|(k, _)| k.clone());
        if new_last.is_none() || new_last == self.last {
            self.done = true;
            if new_last == self.last && self.last.is_some() {
                return;
            }
        }
        self.ready.extend(page.into_iter().map(|(_, r)| r));
        self.last = new_last;
        if !full {
            self.done = true;
        }
    }
}

impl<T: DeserializeOwned> Stream for RecordStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(record) = this.ready.pop_front() {
                let decoded = serde_json::from_value::<T>(record).map_err(|e| {
                    Error::from(OntapError::Decode {
                        what: format!("a record of /{}", this.segments.join("/")),
                        detail: e.to_string(),
                    })
                });
                return Poll::Ready(Some(decoded));
            }
            if this.done && this.in_flight.is_none() {
                return Poll::Ready(None);
            }
            if this.in_flight.is_none() {
                this.in_flight = Some(this.next_request());
            }
            let Some(request) = this.in_flight.as_mut() else {
                return Poll::Ready(None);
            };
            match request.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(page)) => {
                    this.in_flight = None;
                    this.record(page);
                }
                Poll::Ready(Err(e)) => {
                    this.in_flight = None;
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_as_text_along_dotted_paths() {
        let record = serde_json::json!({"id": "c-1", "n": 7, "host": {"id": "h"}});
        assert_eq!(key_of(&record, "id").as_deref(), Some("c-1"));
        assert_eq!(key_of(&record, "n").as_deref(), Some("7"));
        assert_eq!(key_of(&record, "host.id").as_deref(), Some("h"));
        assert_eq!(key_of(&record, "missing"), None);
    }
}
