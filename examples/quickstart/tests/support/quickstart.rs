//! The quick start as a user runs it: its binary, with the environment given, and the
//! traces it printed.

use std::process::Command;

/// One trace the quick start drew: its id and span count.
#[derive(Debug)]
pub struct DrawnTrace {
    pub trace_id: String,
    pub spans: usize,
}

/// Runs the quick start with `env` (and no other `OTEL_*` variable); its output must end
/// with every span exported.
pub async fn run(env: &[(&str, String)]) -> (Vec<DrawnTrace>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_example-quickstart"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OTEL_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().map(|(name, value)| (name, value)));
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the quick start's thread")
        .expect("the quick start runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the quick start failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    (drawn_traces(&stdout), stdout)
}

/// The `trace <id> · <n> spans` headings of the waterfalls.
fn drawn_traces(stdout: &str) -> Vec<DrawnTrace> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.strip_prefix("trace ")?.split(" · ");
            let trace_id = words.next()?.to_owned();
            let spans = words.next()?.strip_suffix(" spans")?.parse().ok()?;
            Some(DrawnTrace { trace_id, spans })
        })
        .collect()
}
