//! A small HTTP/1.1 client over `std::net`, written for these tests: it sends bytes exactly as
//! given (malformed and slow requests included) and reads one answer.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test file uses part of this module"
)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A status, the headers (names lowercased) and the body of one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The value of header `name` (lowercase), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A connection that can carry several requests.
pub struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    pub fn connect(address: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_nodelay(true)?;
        Ok(Self {
            reader: BufReader::new(stream),
        })
    }

    pub fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }

    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.reader.get_mut().write_all(bytes)
    }

    /// Reads one answer to a request of `method` (an answer to HEAD, a 1xx and a 204 have no
    /// body).
    pub fn read_reply(&mut self, method: &str) -> io::Result<Reply> {
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("{line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        let mut reply = Reply {
            status,
            headers,
            body: Vec::new(),
        };
        let length = reply
            .header("content-length")
            .and_then(|length| length.parse::<usize>().ok());
        let bodiless = method == "HEAD" || (100..200).contains(&status) || status == 204;
        if !bodiless {
            match length {
                Some(length) => {
                    reply.body.resize(length, 0);
                    self.reader.read_exact(&mut reply.body)?;
                }
                None => {
                    self.reader.read_to_end(&mut reply.body)?;
                }
            }
        }
        Ok(reply)
    }

    /// Sends one request and reads its answer, the connection kept open.
    pub fn request(&mut self, method: &str, path: &str, body: Option<&[u8]>) -> io::Result<Reply> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\n");
        if let Some(body) = body {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.unwrap_or_default());
        self.send(&bytes)?;
        self.read_reply(method)
    }

    /// Whether the server closed the connection (a read gives end of file or a reset)
    /// before `limit`; `false` if it is still open then.
    pub fn closed_within(&mut self, limit: Duration) -> io::Result<bool> {
        self.reader.get_mut().set_read_timeout(Some(limit))?;
        let mut byte = [0; 1];
        match self.reader.read(&mut byte) {
            Ok(0) => Ok(true),
            Ok(_) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "unexpected bytes",
            )),
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => Ok(true),
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(false)
            }
            Err(error) => Err(error),
        }
    }
}

/// One request on a new connection.
pub fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> io::Result<Reply> {
    Client::connect(address)?.request(method, path, body)
}

/// The error body the contract gives for `code` and `message`.
pub fn error(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({"error": code, "message": message})
}
