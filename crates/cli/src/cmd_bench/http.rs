//! A minimal HTTP/1.1 client over one keep-alive connection, for the benchmark's submitters: a
//! request is one write, an answer is read to the length it declares. It keeps the client's own
//! cost per transaction small, so the end-to-end figures measure the node rather than the
//! client that shares its cores. Answers without a declared length end the connection (the next
//! request opens another).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Longest answer head read, in bytes.
const HEAD_BYTES_MAX: usize = 64 * 1024;
/// Longest wait for an answer, in ms.
const ANSWER_TIMEOUT_MS: u64 = 30_000;

/// One connection to `addr` (`host:port`).
pub(super) struct Http {
    addr: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Http {
    /// A client of `addr`; it connects on the first request.
    pub(super) fn new(addr: &str) -> Http {
        Http {
            addr: addr.trim_start_matches("http://").to_string(),
            stream: None,
            buf: Vec::with_capacity(4096),
        }
    }

    /// `POST path` with `body` of `content_type`: the status and the answer's body. A broken
    /// keep-alive connection is reopened once.
    pub(super) fn post(
        &mut self,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: {}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let mut request = Vec::with_capacity(head.len() + body.len());
        request.extend_from_slice(head.as_bytes());
        request.extend_from_slice(body);
        self.exchange(&request)
    }

    /// `GET path`: the status and the answer's body.
    pub(super) fn get(&mut self, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
        let request = format!("GET {path} HTTP/1.1\r\nhost: {}\r\n\r\n", self.addr);
        self.exchange(request.as_bytes())
    }

    /// `GET path` as JSON, or `None` on any failure.
    pub(super) fn get_json(&mut self, path: &str) -> Option<serde_json::Value> {
        let (status, body) = self.get(path).ok()?;
        (status == 200).then(|| serde_json::from_slice(&body).ok()).flatten()
    }

    fn exchange(&mut self, request: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let mut last = None;
        for _ in 0..2 {
            if self.stream.is_none() {
                let stream = TcpStream::connect(&self.addr)?;
                stream.set_nodelay(true)?;
                stream.set_read_timeout(Some(Duration::from_millis(ANSWER_TIMEOUT_MS)))?;
                self.stream = Some(stream);
            }
            match self.once(request) {
                Ok(answer) => return Ok(answer),
                Err(e) => {
                    self.stream = None;
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no answer")))
    }

    fn once(&mut self, request: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let Some(stream) = self.stream.as_mut() else { return Err(std::io::Error::other("not connected")) };
        stream.write_all(request)?;
        self.buf.clear();
        let mut chunk = [0u8; 16 * 1024];
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > HEAD_BYTES_MAX {
                return Err(std::io::Error::other("answer head too large"));
            }
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).map_err(std::io::Error::other)?;
        let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = None;
        let mut close = false;
        for line in head.lines().skip(1) {
            let Some((name, value)) = line.split_once(':') else { continue };
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.trim().eq_ignore_ascii_case("close");
            }
        }
        let mut body = self.buf[head_end..].to_vec();
        match length {
            Some(length) => {
                while body.len() < length {
                    let n = stream.read(&mut chunk)?;
                    if n == 0 {
                        return Err(std::io::Error::other("connection closed inside the answer"));
                    }
                    body.extend_from_slice(&chunk[..n]);
                }
                body.truncate(length);
            }
            None => {
                stream.read_to_end(&mut body)?;
                close = true;
            }
        }
        if close {
            self.stream = None;
        }
        Ok((status, body))
    }
}
