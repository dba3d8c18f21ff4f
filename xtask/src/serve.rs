//! A small static server for the demo and the tests, on 127.0.0.1: `/accord/…` serves
//! `dist/`, everything else `www/`. It prints its URL as `Accord demo: http://127.0.0.1:PORT/`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use tiny_http::{Header, Request, Response};

use crate::{root, Result};

pub struct Server {
    pub port: u16,
    workers: Vec<JoinHandle<()>>,
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
    let (base, rest) = match path.strip_prefix("/accord/") {
        Some(rest) => (root().join("dist"), rest),
        None => (root().join("www"), path.trim_start_matches('/')),
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

fn header(name: &'static str, value: &'static str) -> Header {
    Header::from_bytes(name, value).expect("constant headers are valid")
}

fn answer(request: Request) {
    let found = resolve(request.url()).and_then(|p| fs::read(&p).ok().map(|data| (p, data)));
    let response = match found {
        Some((path, data)) => Response::from_data(data)
            .with_header(header("Content-Type", content_type(&path)))
            .with_header(header("Cache-Control", "no-cache")),
        None => Response::from_data(b"not found".to_vec()).with_status_code(404),
    };
    let _ = request.respond(response);
}

impl Server {
    /// Binds 127.0.0.1:`port` (0 picks a free one), prints the URL and starts serving.
    pub fn start(port: u16) -> Result<Server> {
        let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| format!("listen on port {port}: {e}"))?;
        let bound = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(port);
        println!("Accord demo: http://127.0.0.1:{bound}/");
        let _ = std::io::stdout().flush();
        let server = Arc::new(server);
        let workers = (0..4)
            .map(|_| {
                let server = server.clone();
                std::thread::spawn(move || {
                    for request in server.incoming_requests() {
                        answer(request);
                    }
                })
            })
            .collect();
        Ok(Server { port: bound, workers })
    }

    /// Serves until the process is stopped.
    pub fn wait(self) {
        for worker in self.workers {
            let _ = worker.join();
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
    fn wasm_is_served_as_wasm() {
        assert_eq!(content_type(Path::new("a/accord_bg.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("index.html")), "text/html; charset=utf-8");
    }
}
