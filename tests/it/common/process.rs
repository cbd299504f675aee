//! The real `leptodo` binary as a child process, for the tests that kill it or load it.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
};

/// The binary under test, with no `LEPTODO_*`/`LEPTOS_*` variable of the developer's shell leaking in.
pub fn leptodo() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_leptodo"));
    for (var, _) in std::env::vars() {
        if var.starts_with("LEPTODO_") || var.starts_with("LEPTOS_") {
            command.env_remove(var);
        }
    }
    // Without an SMTP server mail goes to the outbox: not into the working tree.
    command.env("LEPTODO_OUTBOX_DIR", private_outbox());
    command
}

/// The outbox of servers whose mail no test reads: under the build's own folder, so no other user's run on the
/// machine writes there and nothing is left in the system's temporary folder.
pub fn private_outbox() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("outbox")
}

/// Runs a `leptodo` command on `database_url` with `stdin` as its standard input and cheap hashing (the rules
/// do not depend on the cost); answers its exit status and output, after checking it did not panic.
pub fn command(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = leptodo()
        .args(args)
        .env("LEPTODO_DATABASE_URL", database_url)
        .env("LEPTODO_ARGON2_MEMORY_KIB", "1024")
        .env("LEPTODO_ARGON2_ITERATIONS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leptodo runs");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("leptodo finishes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    output
}

/// Starts the server on a free port with the database at `database_url`; answers the process, its base URL,
/// and everything it logs from then on (collected, so the server never blocks on a full pipe).
pub fn start(database_url: &str) -> (Child, String, Arc<Mutex<String>>) {
    start_with(database_url, &[])
}

/// [`start`] with more `LEPTODO_*` settings (`LEPTODO_SITE_ADDR` among them to choose the port). Registrations
/// are not limited per address unless a setting says so.
// The child is handed to the caller, which kills and reaps it; clippy cannot follow it there.
#[allow(clippy::zombie_processes)]
pub fn start_with(
    database_url: &str,
    settings: &[(&str, &str)],
) -> (Child, String, Arc<Mutex<String>>) {
    let mut child = leptodo()
        .env("LEPTODO_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTODO_DATABASE_URL", database_url)
        // Every client registers from 127.0.0.1 (see `test_settings`).
        .env("LEPTODO_THROTTLE_REGISTRATIONS_PER_IP", "1000000")
        .env("LEPTODO_LOG_LEVEL", "info,tower_http=warn")
        .envs(settings.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
    let log = Arc::new(Mutex::new(String::new()));
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server exited early: {}", log.lock().expect("lock"));
        }
        if let Some(address) = line.split("listening on ").nth(1) {
            let address = address
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            let collected = log.clone();
            std::thread::spawn(move || {
                for line in stderr.lines().map_while(Result::ok) {
                    collected.lock().expect("lock").push_str(&(line + "\n"));
                }
            });
            return (child, address, log);
        }
        log.lock().expect("lock").push_str(&line);
    }
}

/// The real server, on a free port, stopped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub url: String,
}

impl Server {
    /// [`start_with`] `database_url` and these `LEPTODO_*` settings.
    pub fn start(database_url: &str, settings: &[(&str, &str)]) -> Self {
        let (child, url, _log) = start_with(database_url, settings);
        Self { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
