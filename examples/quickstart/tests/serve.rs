//! The quick start's `--serve` mode: both services stay up, and the trace viewer it prints
//! shows the traces of requests sent to them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The quick start, killed on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_mode_shows_its_traces_in_the_viewer() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_example-quickstart"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OTEL_") {
            command.env_remove(name);
        }
    }
    let mut child = command
        .arg("--serve")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the quick start starts");
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    // Its printed lines, up to the viewer's address.
    let viewer = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("traces: ").map(str::to_owned))
    })
    .await
    .unwrap()
    .expect("the quick start prints the viewer's address");
    let frontend = viewer.strip_suffix("/debug/traces/").unwrap();

    let client = reqwest::Client::new();
    let response = client
        .get(format!("{frontend}/checkout"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    response.bytes().await.unwrap();
    let mut traces = Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let body = client
            .get(format!("{viewer}api/traces"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        traces = serde_json::from_slice(&body).unwrap();
        if traces[0].as_array().is_some_and(|spans| spans.len() == 4) {
            break;
        }
    }
    let spans = traces[0].as_array().expect("one trace");
    assert_eq!(spans.len(), 4, "{traces:#}");
    let page = client
        .get(&viewer)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("GET /checkout"), "{page}");
    assert!(
        page.contains("frontend, backend") || page.contains("backend, frontend"),
        "{page}"
    );
}
