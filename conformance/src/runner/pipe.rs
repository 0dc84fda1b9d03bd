//! The runner's side of the testee protocol (`spec/conformance.md §3`): starts the testee, does
//! the handshake, sends one request at a time and waits for its answer with a deadline. Any
//! protocol violation (timeout, exit, a line that is not a JSON object, an answer for another id)
//! ends that testee process; the next request starts a fresh one.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::PROTOCOL_VERSION;

/// How the runner talks to a testee.
#[derive(Debug, Clone)]
pub struct PipeOptions {
    /// The command line, run by `sh -c`.
    pub command: String,
    /// Deadline for each answer.
    pub timeout: Duration,
    /// Deadline for the handshake of a freshly started process (it may still be compiling).
    pub startup_timeout: Duration,
}

/// What the testee said about itself in the handshake.
#[derive(Debug, Clone, Default)]
pub struct Hello {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Group types it implements.
    pub types: Vec<String>,
    /// Timing operations it implements.
    pub ct: Vec<String>,
}

/// Why a request got no usable answer. The testee process is gone afterwards.
#[derive(Debug, Clone)]
pub struct PipeError(pub String);

struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Option<String>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

const STDERR_TAIL: usize = 12;

impl Running {
    fn start(command: &str) -> Result<Running, String> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("exec {command}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // Its own process group, so that a hung testee and its children can all be ended.
            cmd.process_group(0);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start `{command}`: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let stderr = child.stderr.take().ok_or("no stderr pipe")?;
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(None);
                        return;
                    }
                    Ok(_) => {
                        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                            buf.pop();
                        }
                        let line = String::from_utf8_lossy(&buf).into_owned();
                        if tx.send(Some(line)).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail_writer = Arc::clone(&tail);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if let Ok(mut t) = tail_writer.lock() {
                    if t.len() == STDERR_TAIL {
                        t.pop_front();
                    }
                    t.push_back(line);
                }
            }
        });
        Ok(Running {
            stdin: child.stdin.take(),
            child,
            lines: rx,
            stderr: tail,
        })
    }

    fn stderr_tail(&self) -> String {
        // Give the stderr reader a moment to catch up with a process that just died.
        std::thread::sleep(Duration::from_millis(20));
        let lines: Vec<String> = self
            .stderr
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        if lines.is_empty() {
            String::new()
        } else {
            format!("; its stderr ended with:\n    {}", lines.join("\n    "))
        }
    }

    /// Ends the process and its process group.
    fn kill(&mut self) {
        self.stdin = None;
        #[cfg(unix)]
        {
            let pid = self.child.id();
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Closes stdin and lets the process exit on its own for a moment before ending it.
    fn close(mut self) {
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_millis(500);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill();
    }

    fn send(&mut self, request: &Value) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("stdin closed")?;
        let text = serde_json::to_string(request).map_err(|e| e.to_string())?;
        stdin
            .write_all(text.as_bytes())
            .and_then(|_| stdin.write_all(b"\n"))
            .and_then(|_| stdin.flush())
            .map_err(|e| format!("cannot write the request: {e}"))
    }

    fn receive(&mut self, timeout: Duration) -> Result<String, String> {
        match self.lines.recv_timeout(timeout) {
            Ok(Some(line)) => Ok(line),
            Ok(None) | Err(RecvTimeoutError::Disconnected) => {
                let deadline = Instant::now() + Duration::from_secs(1);
                let status = loop {
                    match self.child.try_wait() {
                        Ok(Some(s)) => break s.to_string(),
                        Ok(None) if Instant::now() < deadline => {
                            std::thread::sleep(Duration::from_millis(10))
                        }
                        Ok(None) => break "stdout closed, still running".into(),
                        Err(e) => break e.to_string(),
                    }
                };
                Err(format!(
                    "the testee exited ({status}) without answering{}",
                    self.stderr_tail()
                ))
            }
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "no answer within {:.1} s (timeout){}",
                timeout.as_secs_f64(),
                self.stderr_tail()
            )),
        }
    }

    /// Lines that arrived while no request was outstanding.
    fn stray(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(Some(line)) = self.lines.try_recv() {
            out.push(line);
        }
        out
    }
}

/// A testee: the command, the current process (if any) and what it said in its handshake.
pub struct Testee {
    options: PipeOptions,
    running: Option<Running>,
    /// The first handshake's answer.
    pub hello: Hello,
    next_id: u64,
    /// How many processes were started.
    pub starts: usize,
    consecutive_failed_starts: usize,
}

impl Testee {
    /// Starts the testee and does the handshake.
    pub fn start(options: PipeOptions) -> Result<Testee, String> {
        let mut t = Testee {
            options,
            running: None,
            hello: Hello::default(),
            next_id: 1,
            starts: 0,
            consecutive_failed_starts: 0,
        };
        t.hello = t.ensure_running()?;
        Ok(t)
    }

    fn ensure_running(&mut self) -> Result<Hello, String> {
        if self.running.is_some() {
            return Ok(self.hello.clone());
        }
        if self.consecutive_failed_starts >= 3 {
            return Err("the testee failed to start three times in a row; giving up".into());
        }
        self.starts += 1;
        let result = (|| {
            let mut r = Running::start(&self.options.command)?;
            let hello = handshake(&mut r, self.options.startup_timeout);
            match hello {
                Ok(h) => {
                    self.running = Some(r);
                    Ok(h)
                }
                Err(e) => {
                    let e = format!("handshake failed: {e}");
                    r.kill();
                    Err(e)
                }
            }
        })();
        match &result {
            Ok(_) => self.consecutive_failed_starts = 0,
            Err(_) => self.consecutive_failed_starts += 1,
        }
        result
    }

    /// Sends `request` (its `id` is set here) and returns the answer object. On any error the
    /// process is ended; the next call starts a fresh one. `Err` from starting means the run
    /// cannot go on.
    pub fn call(&mut self, mut request: Value) -> Result<Result<Value, PipeError>, String> {
        let hello = self.ensure_running()?;
        if hello.types != self.hello.types {
            self.abandon();
            return Ok(Err(PipeError(
                "a restarted testee listed other group types in its handshake".into(),
            )));
        }
        let id = self.next_id;
        self.next_id += 1;
        request["id"] = json!(id);
        let timeout = self.options.timeout;
        let running = self.running.as_mut().ok_or("no testee")?;
        let stray = running.stray();
        let outcome = (|| {
            if !stray.is_empty() {
                return Err(format!(
                    "the testee printed {} line(s) outside the protocol before this request: {}",
                    stray.len(),
                    shorten(&stray.join(" | "), 200)
                ));
            }
            running.send(&request)?;
            let line = running.receive(timeout)?;
            let answer: Value = serde_json::from_str(&line).map_err(|_| {
                format!(
                    "answered a line that is not JSON (stray output on stdout?): {}",
                    shorten(&line, 200)
                )
            })?;
            if !answer.is_object() {
                return Err(format!(
                    "answer is not a JSON object: {}",
                    shorten(&line, 200)
                ));
            }
            match answer.get("id") {
                Some(got) if *got == json!(id) => Ok(answer),
                Some(got) => Err(format!(
                    "answer is for request id {got}, not for this request (id {id})"
                )),
                None => Err(format!("answer lacks `id`: {}", shorten(&line, 200))),
            }
        })();
        match outcome {
            Ok(a) => Ok(Ok(a)),
            Err(e) => {
                self.abandon();
                Ok(Err(PipeError(e)))
            }
        }
    }

    /// Ends the current process (the next call starts a fresh one).
    pub fn abandon(&mut self) {
        if let Some(mut r) = self.running.take() {
            r.kill();
        }
    }
}

impl Drop for Testee {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.close();
        }
    }
}

fn handshake(r: &mut Running, timeout: Duration) -> Result<Hello, String> {
    r.send(&json!({"op": "hello", "protocol": PROTOCOL_VERSION}))?;
    let line = r.receive(timeout)?;
    let v: Value = serde_json::from_str(&line)
        .map_err(|_| format!("the handshake answer is not JSON: {}", shorten(&line, 200)))?;
    if v.get("op").and_then(Value::as_str) != Some("hello") {
        return Err(format!(
            "the handshake answer lacks `\"op\": \"hello\"`: {}",
            shorten(&line, 200)
        ));
    }
    let protocol = v.get("protocol").and_then(Value::as_u64);
    if protocol != Some(PROTOCOL_VERSION) {
        return Err(format!(
            "the testee speaks testee protocol {protocol:?}, the runner {PROTOCOL_VERSION}"
        ));
    }
    let strings = |key: &str| -> Vec<String> {
        v.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    Ok(Hello {
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string(),
        version: v
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string(),
        types: strings("types"),
        ct: strings("ct"),
    })
}

/// `s` cut to about `max` characters.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}… ({} characters)", s.chars().count())
    }
}
