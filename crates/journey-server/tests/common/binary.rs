//! The real server binary, for tests that kill it (SIGKILL) and start it again.

use journey_server::store::Database;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The server binary's process: killed (SIGKILL) and reaped when dropped, so a failed
/// assertion leaves no server behind.
pub struct Process(pub Child);

impl Process {
    /// SIGKILL, and wait for it to be gone.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts the binary on `db` with `args`; stderr to `log` (or nowhere). Returns the process and
/// its base URL.
pub fn start_binary(db: &Database, args: &[&str], log: Option<&Path>, env: &[(&str, &str)]) -> (Process, String) {
    let stderr = match log {
        Some(path) => Stdio::from(std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap()),
        None => Stdio::null(),
    };
    let program = env!("CARGO_BIN_EXE_journey-server");
    let mut cmd = Command::new(program);
    cmd.args(["--database", &db.to_arg(), "--no-seed", "--addr", "127.0.0.1:0", "--dist", "/nonexistent"])
        .args(args)
        .env_remove("JOURNEY_WEBHOOK_SECRET")
        .env("RUST_LOG", "info,sqlx=warn")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(stderr);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut process = Process(cmd.spawn().expect("server binary starts"));
    let mut line = String::new();
    BufReader::new(process.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let Some(url) = line.trim().strip_prefix("Journey console running at ") else {
        panic!("{program} did not start with {args:?} (a target folder shared with another worktree may hold its build)")
    };
    let url = url.trim_end_matches('/').to_string();
    (process, url)
}

pub async fn post_json(http: &reqwest::Client, url: String, body: Value) -> Value {
    let res = http.post(url).json(&body).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap()
}

/// Runs `journey-server --database DB ARGS...` (a `users` or `tokens` command) and returns
/// what it printed; panics with its error if it fails.
pub fn command(db: &Database, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_journey-server"))
        .args(["--database", &db.to_arg()])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("journey-server runs");
    assert!(out.status.success(), "journey-server {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// An operator on `db`, made with the command line, and a client sending their API token.
pub fn operator(db: &Database) -> reqwest::Client {
    command(db, &["users", "add", "--email", "ops@test.example", "--name", "Ops Robot", "--role", "operator"]);
    let token = command(db, &["tokens", "create", "--email", "ops@test.example", "--name", "tests"]);
    super::bearer_client(token.trim())
}
