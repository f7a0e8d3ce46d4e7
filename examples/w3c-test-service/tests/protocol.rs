//! The service as the W3C test suite drives it: the binary on a free port, a callback
//! server standing in for the suite's harness, and the headers each callback carries.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;

const TRACE: &str = "12345678901234567890123456789012";
const PARENT: &str = "00-12345678901234567890123456789012-1234567890123456-01";

/// The service binary, stopped when dropped.
struct Service {
    child: Child,
    endpoint: String,
}

impl Service {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_example-w3c-test-service"))
            .arg("127.0.0.1:0")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the service starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the service prints its address");
        let endpoint = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .expect("an address in the first line")
            .to_owned();
        Self { child, endpoint }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        _ = self.child.kill();
        _ = self.child.wait();
    }
}

/// Headers of the callbacks received, in arrival order.
type Received = Arc<Mutex<Vec<HeaderMap>>>;

/// Starts a callback server; returns its URL and what it receives.
async fn harness() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route(
            "/callback",
            post(
                |State(received): State<Received>, headers: HeaderMap| async move {
                    received.lock().unwrap().push(headers);
                    "null"
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

/// Sends one test request with `headers` asking for `callbacks` callbacks; returns the
/// `traceparent` and `tracestate` of each.
async fn run(
    service: &Service,
    headers: &[(&str, &str)],
    callbacks: usize,
) -> Vec<(String, Option<String>)> {
    let (url, received) = harness().await;
    let body = vec![format!(r#"{{"url": "{url}", "arguments": []}}"#); callbacks].join(",");
    let mut request = reqwest::Client::new()
        .post(&service.endpoint)
        .header("content-type", "application/json")
        .body(format!("[{body}]"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the service answers");
    assert!(response.status().is_success(), "{}", response.status());
    let received = received.lock().unwrap();
    assert_eq!(
        received.len(),
        callbacks,
        "every callback made before the answer"
    );
    received
        .iter()
        .map(|headers| {
            let parents: Vec<_> = headers.get_all("traceparent").iter().collect();
            assert_eq!(parents.len(), 1, "exactly one traceparent");
            let state = headers.get_all("tracestate").iter();
            let state: Vec<_> = state.map(|v| v.to_str().unwrap().to_owned()).collect();
            let parent = parents[0].to_str().unwrap().to_owned();
            (parent, (!state.is_empty()).then(|| state.join(",")))
        })
        .collect()
}

fn fields(traceparent: &str) -> [&str; 4] {
    let fields: Vec<&str> = traceparent.split('-').collect();
    let [version, trace, parent, flags] = fields[..] else {
        panic!("four fields: {traceparent}");
    };
    assert_eq!(version, "00");
    assert_eq!((trace.len(), parent.len(), flags.len()), (32, 16, 2));
    [version, trace, parent, flags]
}

#[tokio::test]
async fn callbacks_continue_a_valid_trace_with_new_parent_ids() {
    let service = Service::start();
    let sent = run(&service, &[("traceparent", PARENT)], 3).await;
    let mut parents = std::collections::HashSet::new();
    for (traceparent, tracestate) in &sent {
        let [_, trace, parent, flags] = fields(traceparent);
        assert_eq!(trace, TRACE);
        assert_ne!(parent, "1234567890123456");
        assert_eq!(flags, "01");
        assert!(parents.insert(parent.to_owned()), "distinct parent ids");
        assert_eq!(tracestate, &None);
    }
}

#[tokio::test]
async fn invalid_or_repeated_traceparents_restart_the_trace_and_drop_tracestate() {
    let service = Service::start();
    let invalid: &[&[(&str, &str)]] = &[
        &[(
            "traceparent",
            "00-00000000000000000000000000000000-1234567890123456-01",
        )],
        &[(
            "traceparent",
            "ff-12345678901234567890123456789012-1234567890123456-01",
        )],
        &[(
            "traceparent",
            "00-12345678901234567890123456789012-1234567890123456-01-x",
        )],
        &[("traceparent", PARENT), ("traceparent", PARENT)],
        &[("trace-parent", PARENT), ("tracestate", "foo=1")],
    ];
    for headers in invalid {
        let sent = run(&service, headers, 1).await;
        let [_, trace, _, _] = fields(&sent[0].0);
        assert_ne!(trace, TRACE, "{headers:?}");
        assert_eq!(sent[0].1, None, "{headers:?}");
    }
}

#[tokio::test]
async fn tracestate_travels_joined_in_order() {
    let service = Service::start();
    let headers = [
        ("TraceParent", PARENT),
        ("tracestate", "foo=1, bar=2"),
        ("TraceState", ""),
        ("tracestate", "baz= 3,foo=4"),
    ];
    let sent = run(&service, &headers, 1).await;
    let [_, trace, _, _] = fields(&sent[0].0);
    assert_eq!(trace, TRACE);
    assert_eq!(sent[0].1.as_deref(), Some("foo=1,bar=2,baz= 3"));
}

#[tokio::test]
async fn the_random_flag_is_passed_on() {
    let service = Service::start();
    let sent = run(
        &service,
        &[(
            "traceparent",
            "00-12345678901234567890123456789012-1234567890123456-02",
        )],
        1,
    )
    .await;
    let [_, trace, _, flags] = fields(&sent[0].0);
    assert_eq!(trace, TRACE);
    let flags = u8::from_str_radix(flags, 16).unwrap();
    assert_eq!(flags & 0x02, 0x02);
}
