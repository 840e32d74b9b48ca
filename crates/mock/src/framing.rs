//! HTTP/1.1 request framing in front of hyper: where each request line starts on a keep-alive
//! connection, what its raw target was, and how long its body is.
//!
//! Real servers (e.g. HCP) accept request targets with raw `<`, `>`, `` ` ``, `"`, `{`, `}`,
//! `|`, `^` and `\`, and some clients send them so; hyper's parser answers `400` to several of
//! them before any handler runs. The framer follows the byte stream the client sends (request
//! line and headers up to the empty line, then a `Content-Length` or chunked body), rewrites
//! only those bytes of each request target as `%XX`, and reports every request line as
//! received plus the length and SHA-256 of every body. Anything it cannot follow (a head it
//! cannot parse, a `CONNECT`, an unknown transfer coding) makes it step aside for the rest of
//! the connection and pass bytes through untouched, so hyper answers them as it always did.

use bytes::BytesMut;
use sha2::{Digest, Sha256};

/// The bytes of a request target the framer writes as `%XX` (uppercase hex).
pub(crate) const ENCODED_TARGET_BYTES: &[u8] = b"<>`\"{}|^\\";

/// A head longer than this is not followed: hyper refuses far shorter ones anyway.
const MAX_HEAD: usize = 1024 * 1024;

/// A chunk-size or trailer line longer than this is not followed.
const MAX_CHUNK_LINE: usize = 16 * 1024;

/// What the framer saw, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// A request head ended. Its body follows; its [`Event::BodyEnd`] comes next.
    Head {
        /// The request line as received, without its line ending.
        raw_line: String,
        /// The request target as received.
        raw_target: String,
    },
    /// The body of the latest head ended (a request without a body ends at once).
    BodyEnd {
        /// Body bytes, chunk framing excluded.
        len: u64,
        /// SHA-256 of those bytes.
        sha256: [u8; 32],
    },
}

#[derive(Debug)]
enum State {
    /// Collecting a request head (request line and headers).
    Head,
    /// Inside a `Content-Length` body.
    Fixed { remaining: u64 },
    /// Collecting a chunk-size line.
    ChunkSize { line: Vec<u8> },
    /// Inside a chunk's data.
    ChunkData { remaining: u64 },
    /// After a chunk's data, up to its line end.
    ChunkDataEnd,
    /// After the last chunk: trailer lines up to an empty one. `line` counts the current line's
    /// bytes other than CR.
    Trailers { line: usize },
    /// Not following this connection any more.
    Passthrough,
}

/// Follows one connection's request stream. Feed it what the client sent; it appends what
/// hyper should read to `out` and reports [`Event`]s.
#[derive(Debug)]
pub(crate) struct RequestFramer {
    state: State,
    head: Vec<u8>,
    /// Where the search for the end of the head goes on.
    scanned: usize,
    body_len: u64,
    hasher: Sha256,
    in_body: bool,
}

impl Default for RequestFramer {
    fn default() -> Self {
        Self {
            state: State::Head,
            head: Vec::new(),
            scanned: 0,
            body_len: 0,
            hasher: Sha256::new(),
            in_body: false,
        }
    }
}

impl RequestFramer {
    /// Takes `input`, appends the bytes for hyper to `out` and what it saw to `events`.
    pub(crate) fn feed(&mut self, mut input: &[u8], out: &mut BytesMut, events: &mut Vec<Event>) {
        while !input.is_empty() {
            let used = match &mut self.state {
                State::Passthrough => {
                    out.extend_from_slice(input);
                    input.len()
                }
                State::Head => self.feed_head(input, out, events),
                State::Fixed { remaining } => {
                    let n = take(*remaining, input.len());
                    *remaining -= n as u64;
                    let done = *remaining == 0;
                    self.body_bytes(&input[..n], out);
                    if done {
                        self.end_body(events);
                    }
                    n
                }
                State::ChunkData { remaining } => {
                    let n = take(*remaining, input.len());
                    *remaining -= n as u64;
                    if *remaining == 0 {
                        self.state = State::ChunkDataEnd;
                    }
                    self.body_bytes(&input[..n], out);
                    n
                }
                State::ChunkDataEnd => match input.iter().position(|&b| b == b'\n') {
                    Some(at) => {
                        self.state = State::ChunkSize { line: Vec::new() };
                        out.extend_from_slice(&input[..=at]);
                        at + 1
                    }
                    None => {
                        out.extend_from_slice(input);
                        input.len()
                    }
                },
                State::ChunkSize { line } => {
                    let (n, complete) = match input.iter().position(|&b| b == b'\n') {
                        Some(at) => (at + 1, true),
                        None => (input.len(), false),
                    };
                    line.extend_from_slice(&input[..n]);
                    out.extend_from_slice(&input[..n]);
                    if complete {
                        self.state = match parse_chunk_size(line) {
                            Some(0) => State::Trailers { line: 0 },
                            Some(size) => State::ChunkData { remaining: size },
                            None => State::Passthrough,
                        };
                    } else if line.len() > MAX_CHUNK_LINE {
                        self.state = State::Passthrough;
                    }
                    n
                }
                State::Trailers { line } => {
                    let mut used = 0;
                    let mut ended = false;
                    for &b in input {
                        used += 1;
                        match b {
                            b'\n' if *line == 0 => {
                                ended = true;
                                break;
                            }
                            b'\n' => *line = 0,
                            b'\r' => {}
                            _ => *line += 1,
                        }
                    }
                    let too_long = *line > MAX_CHUNK_LINE;
                    out.extend_from_slice(&input[..used]);
                    if ended {
                        self.end_body(events);
                    } else if too_long {
                        self.state = State::Passthrough;
                    }
                    used
                }
            };
            input = &input[used..];
        }
    }

    /// The client closed its side: hands hyper any partial head as it came, so hyper reports
    /// it the way it always does.
    pub(crate) fn finish(&mut self, out: &mut BytesMut) {
        if !self.head.is_empty() {
            out.extend_from_slice(&self.head);
            self.head.clear();
        }
        self.state = State::Passthrough;
    }

    /// Body bytes received so far of a body that has not ended, if one is in progress.
    pub(crate) fn body_in_progress(&self) -> Option<u64> {
        self.in_body.then_some(self.body_len)
    }

    fn body_bytes(&mut self, bytes: &[u8], out: &mut BytesMut) {
        self.body_len += bytes.len() as u64;
        self.hasher.update(bytes);
        out.extend_from_slice(bytes);
    }

    fn end_body(&mut self, events: &mut Vec<Event>) {
        let hasher = std::mem::take(&mut self.hasher);
        events.push(Event::BodyEnd {
            len: std::mem::take(&mut self.body_len),
            sha256: hasher.finalize().into(),
        });
        self.in_body = false;
        self.state = State::Head;
    }

    /// Collects head bytes; returns how many of `input` it used.
    fn feed_head(&mut self, input: &[u8], out: &mut BytesMut, events: &mut Vec<Event>) -> usize {
        if self.head.is_empty() {
            // Empty lines before a request line are allowed (RFC 9112 §2.2); hyper skips them.
            let blank = input
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            if blank > 0 {
                out.extend_from_slice(&input[..blank]);
                return blank;
            }
        }
        let before = self.head.len();
        self.head.extend_from_slice(input);
        let Some(end) = find_head_end(&self.head, self.scanned) else {
            self.scanned = self.head.len().saturating_sub(3);
            if self.head.len() > MAX_HEAD {
                out.extend_from_slice(&self.head);
                self.head.clear();
                self.state = State::Passthrough;
            }
            return input.len();
        };
        // Bytes after the head belong to the body or the next request: give them back.
        let used = end - before;
        self.head.truncate(end);
        self.scanned = 0;
        let head = std::mem::take(&mut self.head);
        self.take_head(&head, out, events);
        used
    }

    fn take_head(&mut self, head: &[u8], out: &mut BytesMut, events: &mut Vec<Event>) {
        let Some(parsed) = parse_head(head) else {
            out.extend_from_slice(head);
            self.state = State::Passthrough;
            return;
        };
        out.extend_from_slice(&head[..parsed.target_start]);
        encode_target(&head[parsed.target_start..parsed.target_end], out);
        out.extend_from_slice(&head[parsed.target_end..]);
        events.push(Event::Head {
            raw_line: String::from_utf8_lossy(&head[..parsed.line_end]).into_owned(),
            raw_target: String::from_utf8_lossy(&head[parsed.target_start..parsed.target_end])
                .into_owned(),
        });
        self.in_body = true;
        self.body_len = 0;
        match parsed.body {
            Framing::None => self.end_body(events),
            Framing::Length(len) => self.state = State::Fixed { remaining: len },
            Framing::Chunked => self.state = State::ChunkSize { line: Vec::new() },
            Framing::Unknown => {
                // The head is known, the body is not: report what is known and step aside.
                self.in_body = false;
                self.state = State::Passthrough;
            }
        }
    }
}

fn take(remaining: u64, available: usize) -> usize {
    usize::try_from(remaining).map_or(available, |r| r.min(available))
}

/// The offset just past the empty line that ends a head, searching from `from`.
fn find_head_end(head: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < head.len() {
        if head[i] == b'\n' {
            match head.get(i + 1) {
                Some(b'\n') => return Some(i + 2),
                Some(b'\r') if head.get(i + 2) == Some(&b'\n') => return Some(i + 3),
                _ => {}
            }
        }
        i += 1;
    }
    None
}

enum Framing {
    None,
    Length(u64),
    Chunked,
    Unknown,
}

struct ParsedHead {
    line_end: usize,
    target_start: usize,
    target_end: usize,
    body: Framing,
}

fn parse_head(head: &[u8]) -> Option<ParsedHead> {
    let newline = head.iter().position(|&b| b == b'\n')?;
    let line_end = if newline > 0 && head[newline - 1] == b'\r' {
        newline - 1
    } else {
        newline
    };
    let line = &head[..line_end];
    let first_space = line.iter().position(|&b| b == b' ')?;
    let last_space = line.iter().rposition(|&b| b == b' ')?;
    if last_space <= first_space + 1 || !line[last_space + 1..].starts_with(b"HTTP/") {
        return None;
    }
    let method = &line[..first_space];

    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut other_coding = false;
    for raw in head[newline + 1..].split(|&b| b == b'\n') {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            break;
        }
        let colon = raw.iter().position(|&b| b == b':')?;
        let name = &raw[..colon];
        let value = std::str::from_utf8(&raw[colon + 1..]).ok()?.trim();
        if name.eq_ignore_ascii_case(b"content-length") {
            for part in value.split(',') {
                let part = part.trim();
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let n: u64 = part.parse().ok()?;
                if length.is_some_and(|l| l != n) {
                    return None;
                }
                length = Some(n);
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            let last = value.rsplit(',').next().map(str::trim).unwrap_or_default();
            chunked = last.eq_ignore_ascii_case("chunked");
            other_coding |= !chunked && !value.is_empty();
        }
    }
    let body = if method == b"CONNECT" || other_coding {
        Framing::Unknown
    } else if chunked {
        // With both, Transfer-Encoding wins (RFC 9112 §6.3), as in hyper.
        Framing::Chunked
    } else {
        match length {
            Some(0) | None => Framing::None,
            Some(n) => Framing::Length(n),
        }
    };
    Some(ParsedHead {
        line_end,
        target_start: first_space + 1,
        target_end: last_space,
        body,
    })
}

fn parse_chunk_size(line: &[u8]) -> Option<u64> {
    let line = std::str::from_utf8(line).ok()?;
    let size = line.split(';').next()?.trim();
    if size.is_empty() || size.len() > 16 {
        return None;
    }
    u64::from_str_radix(size, 16).ok()
}

/// Appends `target` with every byte of [`ENCODED_TARGET_BYTES`] written as `%XX`.
pub(crate) fn encode_target(target: &[u8], out: &mut BytesMut) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in target {
        if ENCODED_TARGET_BYTES.contains(&b) {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        } else {
            out.extend_from_slice(&[b]);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn sha(bytes: &[u8]) -> [u8; 32] {
        Sha256::digest(bytes).into()
    }

    /// Feeds `input` split at every `step` bytes.
    fn run(input: &[u8], step: usize) -> (Vec<u8>, Vec<Event>) {
        let mut framer = RequestFramer::default();
        let mut out = BytesMut::new();
        let mut events = Vec::new();
        for chunk in input.chunks(step) {
            framer.feed(chunk, &mut out, &mut events);
        }
        framer.finish(&mut out);
        (out.to_vec(), events)
    }

    fn head(line: &str, target: &str) -> Event {
        Event::Head {
            raw_line: line.to_owned(),
            raw_target: target.to_owned(),
        }
    }

    #[test]
    fn encodes_only_the_listed_bytes_of_each_target() {
        let input = b"GET /links/sys1--<-->--sys2?q=\"{a|b}\"^`\\%41+ HTTP/1.1\r\nHost: x\r\n\r\n\
                      DELETE /plain HTTP/1.1\r\nHost: x\r\n\r\n";
        for step in [1, 2, 7, input.len()] {
            let (out, events) = run(input, step);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "GET /links/sys1--%3C--%3E--sys2?q=%22%7Ba%7Cb%7D%22%5E%60%5C%41+ HTTP/1.1\r\n\
                 Host: x\r\n\r\nDELETE /plain HTTP/1.1\r\nHost: x\r\n\r\n"
            );
            assert_eq!(
                events,
                [
                    head(
                        "GET /links/sys1--<-->--sys2?q=\"{a|b}\"^`\\%41+ HTTP/1.1",
                        "/links/sys1--<-->--sys2?q=\"{a|b}\"^`\\%41+"
                    ),
                    Event::BodyEnd {
                        len: 0,
                        sha256: sha(b"")
                    },
                    head("DELETE /plain HTTP/1.1", "/plain"),
                    Event::BodyEnd {
                        len: 0,
                        sha256: sha(b"")
                    },
                ]
            );
        }
    }

    #[test]
    fn follows_length_and_chunked_bodies_on_one_connection() {
        let input = b"\r\nPUT /a<b HTTP/1.1\r\ncontent-length: 6\r\n\r\nGET /<\
                      POST /c> HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n\
                      3;x=y\r\nGET\r\n2\r\n /\r\n0\r\nX-T: 1\r\n\r\n\
                      GET /d` HTTP/1.0\n\n";
        for step in [1, 3, 5, input.len()] {
            let (out, events) = run(input, step);
            let out = String::from_utf8(out).unwrap();
            assert!(out.starts_with("\r\nPUT /a%3Cb HTTP/1.1\r\n"), "{out}");
            // Body bytes that look like a request line are not rewritten.
            assert!(
                out.contains("\r\n\r\nGET /<POST /c%3E HTTP/1.1\r\n"),
                "{out}"
            );
            assert!(
                out.ends_with("X-T: 1\r\n\r\nGET /d%60 HTTP/1.0\n\n"),
                "{out}"
            );
            assert_eq!(
                events,
                [
                    head("PUT /a<b HTTP/1.1", "/a<b"),
                    Event::BodyEnd {
                        len: 6,
                        sha256: sha(b"GET /<")
                    },
                    head("POST /c> HTTP/1.1", "/c>"),
                    Event::BodyEnd {
                        len: 5,
                        sha256: sha(b"GET /")
                    },
                    head("GET /d` HTTP/1.0", "/d`"),
                    Event::BodyEnd {
                        len: 0,
                        sha256: sha(b"")
                    },
                ],
                "step {step}"
            );
        }
    }

    #[test]
    fn steps_aside_on_what_it_cannot_follow() {
        for input in [
            &b"GET /x<\r\nHost: y\r\n\r\nGET /<"[..],
            b"POST /x< HTTP/1.1\r\nContent-Length: nine\r\n\r\nGET /<",
            b"POST /x< HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nGET /<",
            b"POST /x< HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /<",
        ] {
            let (out, _) = run(input, 4);
            assert!(
                out.ends_with(b"GET /<"),
                "{}",
                String::from_utf8_lossy(&out)
            );
        }
        // A known head before an unknown coding is still reported, its body is not.
        let (out, events) = run(
            b"POST /a< HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nGET /<",
            4,
        );
        assert!(out.ends_with(b"\r\n\r\nGET /<"));
        assert_eq!(events, [head("POST /a< HTTP/1.1", "/a<")]);
    }

    #[test]
    fn partial_bodies_and_heads() {
        let mut framer = RequestFramer::default();
        let mut out = BytesMut::new();
        let mut events = Vec::new();
        framer.feed(
            b"PUT /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n1234",
            &mut out,
            &mut events,
        );
        assert_eq!(framer.body_in_progress(), Some(4));
        framer.feed(b"567890GET / HT", &mut out, &mut events);
        assert_eq!(framer.body_in_progress(), None);
        assert_eq!(events.len(), 2);
        // The partial head is held back until the client closes its side.
        assert!(out.ends_with(b"567890"));
        framer.finish(&mut out);
        assert!(out.ends_with(b"567890GET / HT"));
    }
}
