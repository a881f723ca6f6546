//! A real S3-compatible server for the tests: `s3s-fs` (from the s3s
//! project) over a temporary folder, on a free loopback port, killed when
//! dropped. Buckets are sub-folders of its root, so a test creates one by
//! creating the folder, and can read what was written (or break a path)
//! directly on disk. Install it with
//! `cargo install s3s-fs@0.14.1 --locked --features binary` (`./run-tests` does when it is missing);
//! a missing binary fails the test with that command, it never skips.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The access key the tests' server accepts.
pub const ACCESS_KEY: &str = "sunshine-test";
/// Its secret key.
pub const SECRET_KEY: &str = "sunshine-test-secret";

/// A running `s3s-fs`.
pub struct S3Server {
    child: Option<Child>,
    /// Its loopback port (kept across `restart`).
    pub port: u16,
    /// The folder it serves; bucket `b` is `root/b`.
    pub root: PathBuf,
    _dir: tempfile::TempDir,
}

/// Where the `s3s-fs` binary is: `$S3S_FS`, then `PATH`, then ~/.cargo/bin.
pub fn binary() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("S3S_FS") {
        return Ok(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("s3s-fs"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let home = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin/s3s-fs"));
    on_path
        .into_iter()
        .chain(home)
        .find(|p| p.is_file())
        .ok_or_else(|| "s3s-fs is not installed (the tests need a real S3 server): cargo install s3s-fs@0.14.1 --locked --features binary".to_string())
}

impl S3Server {
    /// Start a server with one empty bucket named `bucket`.
    pub fn start(bucket: &str) -> Result<S3Server, Box<dyn std::error::Error + Send + Sync>> {
        let dir = tempfile::Builder::new()
            .prefix("s3s-fs-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))?;
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join(bucket))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut server = S3Server {
            child: None,
            port,
            root,
            _dir: dir,
        };
        server.restart()?;
        Ok(server)
    }

    /// (Re)start the server on the same port and folder; returns once it
    /// accepts connections (up to 30 s).
    pub fn restart(&mut self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.stop();
        let mut child = Command::new(binary()?)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(&self.root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait()? {
                return Err(format!("s3s-fs exited ({status}) on port {}", self.port).into());
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("s3s-fs did not listen on port {} within 30 s", self.port).into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
        Ok(())
    }

    /// Stop the server (its folder stays).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The endpoint URL for `--publish-endpoint`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment a client needs (credentials, region).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
        ]
    }

    /// The folder of `bucket`.
    pub fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join(bucket)
    }
}

/// A second `s3s-fs` over the same folder with no credentials: it answers
/// unsigned requests, as a bucket's public (read) endpoint or a CDN in front
/// of it does. Writes go to the signed server; readers use this one.
pub struct PublicReader {
    child: Child,
    /// Its loopback port.
    pub port: u16,
}

impl S3Server {
    /// Start the public reader of this server's folder.
    pub fn start_public_reader(&self) -> Result<PublicReader, Box<dyn std::error::Error + Send + Sync>> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child = Command::new(binary()?)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(&self.root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if child.try_wait()?.is_some() || Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the public s3s-fs did not listen on port {port}").into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(PublicReader { child, port })
    }
}

impl PublicReader {
    /// The public URL of `bucket/prefix/` (a tlog-tiles prefix).
    pub fn url(&self, bucket: &str, prefix: &str) -> String {
        format!("http://127.0.0.1:{}/{bucket}/{prefix}/", self.port)
    }
}

impl Drop for PublicReader {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
