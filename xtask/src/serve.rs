//! A small static server for the demo and the tests, on 127.0.0.1: `/accord/…` serves
//! `dist/`, `/collector/…` is passed to the receipt collector when one runs (so the demo's
//! receipts go to its own origin, as a site behind a reverse proxy would do it), everything
//! else comes from `www/`. A file of `dist/` goes out as its precompressed `.br` or `.gz`
//! sibling when the browser accepts that encoding (not for the benchmark, whose peers are
//! served as they are). It prints its URL as `Accord demo: http://127.0.0.1:PORT/`.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::http::{self, Request, Response};
use crate::{root, Result};

/// An answer slower than this is reported on stderr.
const SLOW: Duration = Duration::from_secs(2);

pub struct Server {
    pub port: u16,
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Maps a request path to a file, refusing anything that climbs out of its folder.
fn resolve(url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("/");
    let (base, rest) = if let Some(rest) = path.strip_prefix("/accord/") {
        (root().join("dist"), rest)
    } else if let Some(rest) = path.strip_prefix("/bench/") {
        // The benchmark's pages and the peers' packages (`cargo xtask bench`).
        (root().join("bench"), rest)
    } else {
        (root().join("www"), path.trim_start_matches('/'))
    };
    let mut file = base;
    for segment in rest.split('/').filter(|s| !s.is_empty()) {
        if segment == ".." || segment == "." || segment.contains('\\') {
            return None;
        }
        file.push(segment);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

/// Request headers passed on to the collector.
const FORWARDED: [&str; 5] = ["content-type", "origin", "authorization", "access-control-request-method", "access-control-request-headers"];

/// Passes a request to the collector on `port` and its answer back (502 when it is down).
fn proxy(request: &Request, port: u16) -> Response {
    let path = request.url.strip_prefix("/collector").filter(|p| p.starts_with('/')).unwrap_or("/");
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        request.method,
        request.body.len()
    );
    for (name, value) in &request.headers {
        if FORWARDED.iter().any(|f| name.eq_ignore_ascii_case(f)) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    let answer = (|| -> std::io::Result<Response> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.write_all(head.as_bytes())?;
        stream.write_all(&request.body)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| std::io::Error::other("no header end"))?;
        let text = String::from_utf8_lossy(&raw[..split]).to_string();
        let mut lines = text.lines();
        let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).ok_or_else(|| std::io::Error::other("no status"))?;
        let mut response = Response::new(status, raw[split + 4..].to_vec());
        for (name, value) in lines.filter_map(|l| l.split_once(':')) {
            let name = name.trim();
            if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(std::io::Error::other("chunked answers are not passed on"));
            }
            if !["connection", "content-length", "date", "keep-alive"].iter().any(|n| name.eq_ignore_ascii_case(n)) {
                response = response.header(name, value.trim());
            }
        }
        Ok(response)
    })();
    answer.unwrap_or_else(|e| {
        Response::new(502, format!("{{\"error\":\"collector_unreachable\",\"message\":\"{}\"}}", e.to_string().replace('"', "'")).into_bytes())
            .header("Content-Type", "application/json")
    })
}

/// The strict policy `/csp.html` is served under: no inline script or style at all.
pub const STRICT_CSP: &str = "script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

/// A fresh nonce for each response of `/csp-nonce.html` (hex, 128 bits from the OS).
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    if let Ok(mut f) = fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The strict-CSP demo pages get their policy header (and the nonce page its nonce).
fn with_policy(path: &Path, data: Vec<u8>) -> (Vec<u8>, Option<String>) {
    match path.file_name().and_then(|n| n.to_str()) {
        Some("csp.html") => (data, Some(STRICT_CSP.to_string())),
        Some("csp-nonce.html") => {
            let nonce = nonce();
            let page = String::from_utf8_lossy(&data).replace("__NONCE__", &nonce);
            (page.into_bytes(), Some(format!("script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; style-src 'self'")))
        }
        _ => (data, None),
    }
}

/// Whether an `Accept-Encoding` value accepts `coding` (listed, and not with `q=0`).
fn accepts(accept_encoding: &str, coding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()) == Some(0.0));
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The precompressed sibling of a file of the build folder (`dist/`) to send instead (brotli
/// before gzip) and its `Content-Encoding`. One older than the file itself is stale and never
/// sent.
fn precompressed(path: &Path, build: &Path, accept_encoding: &str) -> Option<(PathBuf, &'static str)> {
    if !path.starts_with(build) {
        return None;
    }
    let name = path.file_name()?.to_str()?;
    let written = modified(path)?;
    [("br", "br"), ("gz", "gzip")].into_iter().find_map(|(ext, coding)| {
        let sibling = path.with_file_name(format!("{name}.{ext}"));
        (accepts(accept_encoding, coding) && modified(&sibling).is_some_and(|t| t >= written)).then_some((sibling, coding))
    })
}

fn answer(request: &Request, collector: Option<u16>, compress: bool) -> Response {
    if let (Some(port), true) = (collector, request.url.starts_with("/collector/")) {
        return proxy(request, port);
    }
    let Some(path) = resolve(&request.url) else {
        return Response::new(404, b"not found".to_vec());
    };
    let accept_encoding = request.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("accept-encoding")).map_or("", |(_, v)| v.as_str());
    let build = root().join("dist");
    let encoded = if compress { precompressed(&path, &build, accept_encoding) } else { None };
    let read = match &encoded {
        Some((sibling, _)) => fs::read(sibling),
        None => fs::read(&path),
    };
    let Ok(data) = read else {
        return Response::new(404, b"not found".to_vec());
    };
    let (data, policy) = with_policy(&path, data);
    let mut response = Response::new(200, data).header("Content-Type", content_type(&path)).header("Cache-Control", "no-cache");
    if compress && path.starts_with(&build) {
        response = response.header("Vary", "Accept-Encoding");
    }
    if let Some((_, coding)) = encoded {
        response = response.header("Content-Encoding", coding);
    }
    match policy {
        Some(policy) => response.header("Content-Security-Policy", &policy),
        None => response,
    }
}

impl Server {
    /// Binds 127.0.0.1:`port` (0 picks a free one), prints the URL and starts serving;
    /// `/collector/` goes to the collector on port `collector`, if any.
    pub fn start(port: u16, collector: Option<u16>) -> Result<Server> {
        Self::launch(port, collector, true)
    }

    /// Like [`Server::start`], with every file sent as it is: the benchmark serves the peers'
    /// files without compression, so Accord's are too.
    pub fn start_uncompressed(port: u16) -> Result<Server> {
        Self::launch(port, None, false)
    }

    fn launch(port: u16, collector: Option<u16>, compress: bool) -> Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| format!("listen on port {port}: {e}"))?;
        let bound = listener.local_addr().map(|a| a.port()).unwrap_or(port);
        println!("Accord demo: http://127.0.0.1:{bound}/");
        let _ = std::io::stdout().flush();
        http::serve(listener, move |request| {
            let began = Instant::now();
            let response = answer(&request, collector, compress);
            // A page waits on this; say so when it waits long (a test may time out).
            let took = began.elapsed();
            if took > SLOW {
                eprintln!("serve: {} {} took {:.1} s to answer", request.method, request.url, took.as_secs_f64());
            }
            response
        });
        Ok(Server { port: bound })
    }

    /// Serves until the process is stopped.
    pub fn wait(self) {
        loop {
            std::thread::park();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_the_site_and_the_build() {
        assert_eq!(resolve("/"), Some(root().join("www/index.html")));
        assert_eq!(resolve("/en/?x=1"), Some(root().join("www/en/index.html")));
        assert_eq!(resolve("/accord-config.json"), Some(root().join("www/accord-config.json")));
        assert_eq!(resolve("/nope.html"), None);
    }

    #[test]
    fn refuses_to_climb_out_of_its_folders() {
        assert_eq!(resolve("/../Cargo.toml"), None);
        assert_eq!(resolve("/accord/../Cargo.toml"), None);
        assert_eq!(resolve("/js/..%2f..%2fCargo.toml"), None);
    }

    #[test]
    fn an_encoding_is_accepted_unless_refused() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("GZIP;q=0.5", "gzip"));
        assert!(!accepts("gzip, deflate", "br"));
        assert!(!accepts("br;q=0, gzip", "br"));
        assert!(!accepts("br; q=0.0", "br"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("x-gzip", "gzip"));
    }

    #[test]
    fn a_build_file_goes_out_precompressed_when_accepted_and_fresh() {
        let build = root().join("target/tmp/serve-precompressed");
        let _ = fs::remove_dir_all(&build);
        fs::create_dir_all(&build).unwrap();
        let file = build.join("accord_bg.wasm");
        let (gz, br) = (build.join("accord_bg.wasm.gz"), build.join("accord_bg.wasm.br"));
        fs::write(&gz, b"gz").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        fs::write(&file, b"wasm").unwrap();
        // The .gz was written before the file: stale, so the file goes out as it is.
        assert_eq!(precompressed(&file, &build, "gzip, deflate"), None);
        fs::write(&gz, b"gz").unwrap();
        fs::write(&br, b"br").unwrap();
        assert_eq!(precompressed(&file, &build, "gzip, deflate, br"), Some((br.clone(), "br")));
        assert_eq!(precompressed(&file, &build, "gzip, deflate"), Some((gz.clone(), "gzip")));
        assert_eq!(precompressed(&file, &build, "br;q=0, gzip"), Some((gz, "gzip")));
        assert_eq!(precompressed(&file, &build, "identity"), None);
        // Only files of the build folder are precompressed.
        assert_eq!(precompressed(&file, &root().join("dist"), "gzip, br"), None);
        let _ = fs::remove_dir_all(&build);
    }

    #[test]
    fn wasm_is_served_as_wasm() {
        assert_eq!(content_type(Path::new("a/accord_bg.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("index.html")), "text/html; charset=utf-8");
    }
}
