//! A minimal HTTP/1.1 server for the demo, the tests and the benchmark: one thread per
//! connection, keep-alive, bodies framed by `Content-Length`.
//!
//! It replaced tiny_http 0.12, whose thread pool can leave a new connection queued behind
//! busy keep-alive connections: when two connections arrived before an idle thread woke,
//! the second waited until some other connection closed. A page then waited 20 s for its
//! config, and an end-to-end test timed out about one run in three (2026-11-24). Here no
//! connection waits for another.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// The most a request's head (request line and headers) may take.
const MAX_HEAD: usize = 64 * 1024;
/// The most a request's body may take (the collector's limit is 16 KiB).
const MAX_BODY: usize = 1024 * 1024;
/// An idle keep-alive connection is closed after this long.
const IDLE: Duration = Duration::from_secs(30);

pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The client asked to close the connection after this answer.
    close: bool,
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, body: Vec<u8>) -> Response {
        Response { status, headers: Vec::new(), body }
    }

    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// Why a request could not be read; the client gets `status` and the connection is closed.
struct Refusal {
    status: u16,
    message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal { status, message: message.into() }
}

/// Accepts connections on `listener` from a thread of its own, each served by a thread of
/// its own: `handle` answers each request.
pub fn serve(listener: TcpListener, handle: impl Fn(Request) -> Response + Send + Sync + 'static) {
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let handle = handle.clone();
            std::thread::spawn(move || connection(stream, &*handle));
        }
    });
}

/// Answers the requests of one connection in order, until the client closes it, asks to,
/// or sends something unreadable.
fn connection(stream: TcpStream, handle: &dyn Fn(Request) -> Response) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        let request = match read_request(&mut reader, &mut writer) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(refusal) => {
                let response = Response::new(refusal.status, refusal.message.into_bytes()).header("Content-Type", "text/plain; charset=utf-8");
                let _ = write_response(&mut writer, &response, false, true);
                // Read what the client still sends before closing: closing with unread
                // bytes resets the connection, and the client may lose the answer.
                let _ = writer.shutdown(std::net::Shutdown::Write);
                let _ = reader.get_ref().set_read_timeout(Some(Duration::from_secs(1)));
                let _ = io::copy(&mut reader.take(MAX_BODY as u64), &mut io::sink());
                return;
            }
        };
        let close = request.close;
        let head_only = request.method == "HEAD";
        let response = handle(request);
        if write_response(&mut writer, &response, head_only, close).is_err() || close {
            return;
        }
    }
}

/// Reads one request; `None` when the connection ended (or idled out) between requests.
fn read_request(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) -> Result<Option<Request>, Refusal> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let read = (&mut *reader).take((MAX_HEAD + 1 - head.len()) as u64).read_until(b'\n', &mut line);
        match read {
            Ok(0) if head.is_empty() => return Ok(None),
            Ok(0) => return Err(refuse(400, "the request ended inside its head")),
            Ok(_) => {}
            Err(_) if head.is_empty() => return Ok(None),
            Err(e) => return Err(refuse(400, format!("reading the request: {e}"))),
        }
        if line == b"\r\n" || line == b"\n" {
            if head.is_empty() {
                continue; // a stray line break between requests
            }
            break;
        }
        head.extend_from_slice(&line);
        if head.len() > MAX_HEAD {
            return Err(refuse(431, "the request head is over 64 KiB"));
        }
    }
    let head = String::from_utf8(head).map_err(|_| refuse(400, "the request head is not UTF-8"))?;
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(url), Some(version)) = (first.next(), first.next(), first.next()) else {
        return Err(refuse(400, "the request line is not `METHOD URL HTTP/1.x`"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(refuse(505, format!("{version} is not supported")));
    }
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    let get = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_ascii_lowercase());
    if get("transfer-encoding").is_some() {
        return Err(refuse(411, "chunked request bodies are not supported: send Content-Length"));
    }
    let length = match get("content-length") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| refuse(400, format!("Content-Length `{v}` is not a number")))?,
    };
    if length > MAX_BODY {
        return Err(refuse(413, "the request body is over 1 MiB"));
    }
    if length > 0 && get("expect").as_deref() == Some("100-continue") {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|e| refuse(400, e.to_string()))?;
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| refuse(400, format!("the request body ended early: {e}")))?;
    let connection = get("connection").unwrap_or_default();
    let close = connection.contains("close") || (version == "HTTP/1.0" && !connection.contains("keep-alive"));
    Ok(Some(Request { method: method.to_string(), url: url.to_string(), headers, body, close }))
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

fn write_response(writer: &mut TcpStream, response: &Response, head_only: bool, close: bool) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // 1xx, 204 and 304 answers have no body, and say nothing of its length.
    let bodiless = matches!(response.status, 100..=199 | 204 | 304);
    if !bodiless {
        head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    head.push_str(if close { "Connection: close\r\n\r\n" } else { "Connection: keep-alive\r\n\r\n" });
    let mut out = head.into_bytes();
    if !head_only && !bodiless {
        out.extend_from_slice(&response.body);
    }
    writer.write_all(&out)?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> u16 {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        serve(listener, |r| Response::new(200, format!("{} {} {}", r.method, r.url, String::from_utf8_lossy(&r.body)).into_bytes()));
        port
    }

    /// Sends `raw` on a fresh connection and reads until the server closes it.
    fn exchange(port: u16, raw: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(raw.as_bytes()).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    #[test]
    fn answers_several_requests_on_one_connection_then_closes_when_asked() {
        let port = start();
        let out = exchange(
            port,
            "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
        let answers: Vec<&str> = out.split("HTTP/1.1 200 OK").skip(1).collect();
        assert_eq!(answers.len(), 3, "{out}");
        assert!(answers[0].ends_with("GET /a "), "{out}");
        assert!(answers[1].ends_with("POST /b hello"), "{out}");
        assert!(answers[2].contains("Connection: close") && answers[2].ends_with("GET /c "), "{out}");
    }

    #[test]
    fn a_connection_held_open_does_not_delay_another() {
        let port = start();
        // Idle keep-alive connections, more than any pool's minimum.
        let idle: Vec<TcpStream> = (0..8).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
        let out = exchange(port, "GET /now HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert!(out.ends_with("GET /now "), "{out}");
        drop(idle);
    }

    #[test]
    fn refuses_chunked_bodies_and_oversized_heads_by_name() {
        let port = start();
        let out = exchange(port, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assert!(out.starts_with("HTTP/1.1 411") && out.contains("send Content-Length"), "{out}");
        let long = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(70 * 1024));
        let out = exchange(port, &long);
        assert!(out.starts_with("HTTP/1.1 431"), "{out}");
    }

    #[test]
    fn head_gets_the_length_without_the_body() {
        let port = start();
        let out = exchange(port, "HEAD /x HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert!(out.contains("Content-Length: 8\r\n") && out.ends_with("\r\n\r\n"), "{out}");
    }
}
