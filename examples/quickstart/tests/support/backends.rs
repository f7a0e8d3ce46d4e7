//! Real tracing backends, started on free loopback ports and stopped on drop: a Zipkin
//! server (the `zipkin-server` jar, run with `java`) and Jaeger (the `jaeger` program).
//!
//! `.ci/run` installs both and sets `REQUIRE_BACKENDS`, so that a missing one fails the test;
//! elsewhere a missing one is skipped with the command that installs it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

/// The Zipkin server release the tests and `.ci/run` use.
pub const ZIPKIN_VERSION: &str = "3.6.1";

/// How long a backend may take to answer its health check (a JVM on a busy machine is slow).
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A backend's program, or `None` (after saying how to install it) when it is absent and
/// not required.
fn locate(name: &str, found: Option<PathBuf>, install: &str) -> Option<PathBuf> {
    if found.is_some() {
        return found;
    }
    assert!(
        std::env::var_os("REQUIRE_BACKENDS").is_none(),
        "{name} is required (REQUIRE_BACKENDS is set) but not installed: {install}"
    );
    eprintln!("{name} is not installed: skipping ({install})");
    None
}

/// `$var` if set, else the first of `candidates` that is a file.
fn from_env_or(var: &str, candidates: impl IntoIterator<Item = PathBuf>) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Some(path.into());
    }
    candidates.into_iter().find(|path| path.is_file())
}

fn on_path(program: &str) -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(program))
                .collect()
        })
        .unwrap_or_default()
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free loopback port")
        .local_addr()
        .expect("its address")
        .port()
}

/// A fresh folder for one backend's configuration and log.
fn scratch_dir(name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("{name}-test-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// A started backend process: killed, waited for and its folder removed on drop.
struct Process {
    child: Child,
    dir: PathBuf,
    name: &'static str,
}

impl Process {
    fn spawn(name: &'static str, dir: PathBuf, command: &mut Command) -> Self {
        let log = std::fs::File::create(dir.join("log")).expect("a log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log again"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} does not start: {e}"));
        Process { child, dir, name }
    }

    /// Polls `url` until it answers 200; panics with the end of the log if it never does
    /// or the process exits.
    async fn wait_healthy(&mut self, url: &str) {
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}):\n{}", self.name, self.log_tail());
            }
            if get(url).await.is_some_and(|(status, _)| status == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "{} did not answer {url} within {START_TIMEOUT:?}:\n{}",
            self.name,
            self.log_tail()
        );
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// GETs `url`: the status and the body as JSON (null when it is not JSON).
pub async fn get(url: &str) -> Option<(u16, Value)> {
    let response = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let body = response.bytes().await.ok()?;
    Some((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
}

/// Polls `url` until `done` accepts its JSON answer; panics with the last answer after 20 s.
pub async fn poll(url: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = None;
    for _ in 0..100 {
        if let Some((200, found)) = get(url).await {
            if done(&found) {
                return found;
            }
            last = Some(found);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{url} never gave the expected answer; last: {last:#?}");
}

/// A Zipkin server with in-memory storage.
pub struct Zipkin {
    _process: Process,
    port: u16,
}

impl Zipkin {
    /// Starts it and waits for `/health`; `None` when it is not installed and not required.
    pub async fn start() -> Option<Self> {
        let jar_name = format!("zipkin-server-{ZIPKIN_VERSION}-exec.jar");
        let in_maven = home().join(format!(
            ".m2/repository/io/zipkin/zipkin-server/{ZIPKIN_VERSION}/{jar_name}"
        ));
        let install = format!(
            "mvn dependency:get -Dartifact=io.zipkin:zipkin-server:{ZIPKIN_VERSION}:jar:exec \
             -Dtransitive=false (into ~/.m2), or set ZIPKIN_JAR to the jar"
        );
        let jar = locate(
            "the Zipkin server",
            from_env_or("ZIPKIN_JAR", [in_maven]),
            &install,
        )?;
        let java = from_env_or("JAVA", on_path("java")).unwrap_or_else(|| "java".into());
        let port = free_port();
        let mut process = Process::spawn(
            "zipkin",
            scratch_dir("zipkin"),
            Command::new(java)
                .args(["-Xms64m", "-Xmx512m", "-jar"])
                .arg(&jar)
                .arg(format!("--armeria.ports[0].port={port}"))
                .arg("--armeria.ports[0].ip=127.0.0.1")
                .arg("--armeria.ports[0].protocols[0]=http"),
        );
        process
            .wait_healthy(&format!("http://127.0.0.1:{port}/health"))
            .await;
        Some(Zipkin {
            _process: process,
            port,
        })
    }

    /// Where Zipkin takes spans: `POST` v2 JSON.
    pub fn spans_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v2/spans", self.port)
    }

    /// The stored spans of `trace_id` once there are `spans` of them.
    pub async fn trace(&self, trace_id: &str, spans: usize) -> Vec<Value> {
        let url = format!("http://127.0.0.1:{}/api/v2/trace/{trace_id}", self.port);
        let found = poll(&url, |trace| {
            trace.as_array().is_some_and(|all| all.len() >= spans)
        })
        .await;
        found.as_array().cloned().unwrap_or_default()
    }

    /// The service links Zipkin derives from the traces of the last hour up to `end_ms`.
    pub async fn dependencies(&self, end_ms: u128) -> Value {
        let url = format!(
            "http://127.0.0.1:{}/api/v2/dependencies?endTs={end_ms}&lookback=3600000",
            self.port
        );
        get(&url).await.map(|(_, links)| links).unwrap_or_default()
    }
}

/// Jaeger all-in-one with in-memory storage: OTLP over gRPC and HTTP, and Zipkin JSON.
pub struct Jaeger {
    _process: Process,
    pub otlp_grpc: u16,
    pub otlp_http: u16,
    pub zipkin: u16,
    query: u16,
}

impl Jaeger {
    /// Starts it and waits for its health check and query API; `None` when it is not
    /// installed and not required.
    pub async fn start() -> Option<Self> {
        let in_go = home().join("go/bin/jaeger");
        let install = "in a scratch Go module, `go get -tool \
                       github.com/jaegertracing/jaeger/cmd/jaeger@v1.75.0` then `go build -o \
                       <dir>/jaeger github.com/jaegertracing/jaeger/cmd/jaeger` (as .ci/run \
                       does); put it on PATH or set JAEGER_BIN";
        let mut candidates = on_path("jaeger");
        candidates.push(in_go);
        let binary = locate("Jaeger", from_env_or("JAEGER_BIN", candidates), install)?;
        let dir = scratch_dir("jaeger");
        let [otlp_grpc, otlp_http, zipkin, query, query_grpc, health] =
            std::array::from_fn(|_| free_port());
        let config = dir.join("config.yaml");
        std::fs::write(
            &config,
            jaeger_config(otlp_grpc, otlp_http, zipkin, query, query_grpc, health),
        )
        .expect("the configuration is written");
        let mut process = Process::spawn(
            "jaeger",
            dir,
            Command::new(binary).arg("--config").arg(&config),
        );
        // Its health check, then the query API the tests read.
        process
            .wait_healthy(&format!("http://127.0.0.1:{health}/status"))
            .await;
        process
            .wait_healthy(&format!("http://127.0.0.1:{query}/api/services"))
            .await;
        Some(Jaeger {
            _process: process,
            otlp_grpc,
            otlp_http,
            zipkin,
            query,
        })
    }

    /// The trace as OTLP JSON (`/api/v3/traces/{id}`) once it holds `spans` spans.
    pub async fn trace(&self, trace_id: &str, spans: usize) -> Value {
        let url = format!("http://127.0.0.1:{}/api/v3/traces/{trace_id}", self.query);
        poll(&url, |trace| otlp_spans(trace).len() >= spans).await
    }
}

/// Every span of an OTLP JSON answer, each with its resource's attributes.
pub fn otlp_spans(trace: &Value) -> Vec<(&Value, &Value)> {
    let mut spans = Vec::new();
    for resource_spans in trace["result"]["resourceSpans"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let resource = &resource_spans["resource"]["attributes"];
        for scope_spans in resource_spans["scopeSpans"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for span in scope_spans["spans"].as_array().into_iter().flatten() {
                spans.push((resource, span));
            }
        }
    }
    spans
}

/// Jaeger's configuration: the receivers, the query API and the health check on the given
/// loopback ports, in-memory storage, and none of the other listeners of its default.
fn jaeger_config(
    otlp_grpc: u16,
    otlp_http: u16,
    zipkin: u16,
    query: u16,
    query_grpc: u16,
    health: u16,
) -> String {
    format!(
        r#"service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp, zipkin]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn

extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:{health}
  jaeger_query:
    storage:
      traces: memory
    http:
      endpoint: 127.0.0.1:{query}
    grpc:
      endpoint: 127.0.0.1:{query_grpc}
  jaeger_storage:
    backends:
      memory:
        memory:
          max_traces: 10000

receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{otlp_grpc}
      http:
        endpoint: 127.0.0.1:{otlp_http}
  zipkin:
    endpoint: 127.0.0.1:{zipkin}

processors:
  batch:
    timeout: 50ms

exporters:
  jaeger_storage_exporter:
    trace_storage: memory
"#
    )
}
