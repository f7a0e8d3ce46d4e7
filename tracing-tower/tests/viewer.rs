//! The trace viewer in a real browser: headless Chromium, driven through WebDriver
//! (chromedriver), against an axum server on loopback whose requests made known traces.
//!
//! `.ci/run` installs Debian's `chromium` and `chromium-driver` and sets `REQUIRE_BROWSER`,
//! so that a missing browser fails the test; elsewhere it is skipped with the command that
//! installs it.
#![cfg(feature = "viewer")]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use opentracing_core::Tracer;
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::view::TraceStore;
use serde_json::{Value, json};
use tracing_tower::ServerTracingLayer;
use tracing_tower::viewer::TraceViewer;

const XSS: &str = "<script>alert(1)</script>";

/// An axum service traced into a store, with the viewer mounted beside its routes; each
/// route makes a known trace.
async fn serve(store: Arc<TraceStore>) -> SocketAddr {
    let tracer = ReferenceTracer::new("shop", store.clone());
    let handler_tracer = tracer.clone();
    let traced = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(120)).await;
                "slow"
            }),
        )
        .route(
            "/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "database down") }),
        )
        .route(
            "/nested",
            get(move || {
                let tracer = handler_tracer.clone();
                async move {
                    // Children of the server span (the active span), one with its own child.
                    let load = tracer.start_span("load cart");
                    let query = tracer.span_builder("SELECT cart").child_of(&load).start();
                    query.set_tag("db.statement", XSS);
                    query.log_kv([("event", "rows"), ("count", "3")]);
                    query.finish();
                    load.finish();
                    let render = tracer.start_span("render");
                    render.set_tag("error", true);
                    render.finish();
                    "nested"
                }
            }),
        )
        .layer(ServerTracingLayer::new(tracer).operation_name_with(
            |request: &Request<axum::body::Body>| {
                format!("{} {}", request.method(), request.uri().path())
            },
        ));
    let app = traced.nest_service("/debug/traces", TraceViewer::new(store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A running chromedriver, killed on drop.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn program(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Some(path.into());
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|path| path.is_file())
}

/// chromedriver and Chromium, or `None` (after saying how to install them) when either is
/// missing and not required.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let driver = program("CHROMEDRIVER", &["chromedriver"]);
    let chromium = program(
        "CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    if let (Some(driver), Some(chromium)) = (driver, chromium) {
        return Some((driver, chromium));
    }
    let install = "apt-get install chromium chromium-driver, or set CHROMEDRIVER and CHROMIUM";
    assert!(
        std::env::var_os("REQUIRE_BROWSER").is_none(),
        "Chromium and chromedriver are required (REQUIRE_BROWSER is set): {install}"
    );
    eprintln!("Chromium or chromedriver is not installed: skipping ({install})");
    None
}

async fn start_driver(binary: PathBuf) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let profile =
        std::env::temp_dir().join(format!("viewer-chromium-{}-{nanos}", std::process::id()));
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        port,
        profile,
    };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "chromedriver did not listen"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    driver
}

async fn connect(driver: &Driver, chromium: &PathBuf) -> Client {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1400,1000",
        &format!("--user-data-dir={}", driver.profile.display()),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session")
}

async fn texts(client: &Client, css: &str) -> Vec<String> {
    try_texts(client, css).await.unwrap()
}

/// The texts of the elements `css` selects; an error while the page changes under it.
async fn try_texts(client: &Client, css: &str) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let mut texts = Vec::new();
    for element in client.find_all(Locator::Css(css)).await? {
        texts.push(element.text().await?);
    }
    Ok(texts)
}

/// Clicks the element `css` selects.
async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits (up to 10 s) for the texts of `css` to be `expected`, as a page opened by a click
/// or a form loads; asserts they are.
async fn eventually(client: &Client, css: &str, expected: &[&str]) {
    let started = Instant::now();
    loop {
        // Elements of the page being left go stale: read again.
        let found = try_texts(client, css).await;
        if found.as_ref().is_ok_and(|found| found == expected)
            || started.elapsed() > Duration::from_secs(10)
        {
            assert_eq!(found.unwrap(), expected, "{css}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn request(addr: SocketAddr, path: &str) {
    let url = format!("http://{addr}{path}");
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let response = client.get(url.parse().unwrap()).await.unwrap();
    http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_lists_filters_and_draws_traces_in_chromium() {
    let Some((driver_binary, chromium)) = browser() else {
        return;
    };
    let store = Arc::new(TraceStore::default());
    let addr = serve(store.clone()).await;
    for path in ["/ok", "/ok", "/slow", "/fail", "/nested"] {
        request(addr, path).await;
    }
    // Server spans finish just after the last byte.
    let started = Instant::now();
    while store.usage().spans < 8 && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let driver = start_driver(driver_binary).await;
    let client = connect(&driver, &chromium).await;
    // The session is closed (and Chromium with it) whether the checks pass or not.
    let checks = tokio::spawn(drive(client.clone(), addr)).await;
    client.close().await.unwrap();
    if let Err(failed) = checks {
        std::panic::resume_unwind(failed.into_panic());
    }
}

async fn drive(client: Client, addr: SocketAddr) {
    let client = &client;
    let base = format!("http://{addr}/debug/traces");

    // The list: five traces, latest first, the failed ones marked.
    client.goto(&format!("{base}/")).await.unwrap();
    let operations = texts(client, "#traces tbody tr .operation").await;
    assert_eq!(
        operations,
        [
            "GET /nested",
            "GET /fail",
            "GET /slow",
            "GET /ok",
            "GET /ok"
        ]
    );
    assert_eq!(texts(client, "#count").await, ["5 traces"]);
    let marked = texts(client, "#traces tr.error .operation").await;
    assert_eq!(marked, ["GET /nested", "GET /fail"]);
    assert_eq!(
        texts(client, "#traces tbody tr .spans").await,
        ["4", "1", "1", "1", "1"]
    );
    // The buckets per operation: /ok twice under 10 ms, /slow once under 1 s.
    let rows = texts(client, "#operations-table tbody tr").await;
    assert!(rows.contains(&"GET /ok 2 · · · · ·".to_owned()), "{rows:?}");
    assert!(
        rows.contains(&"GET /slow · · 1 · · ·".to_owned()),
        "{rows:?}"
    );

    // The filters narrow it.
    let form = client.form(Locator::Css("#filters")).await.unwrap();
    form.set_by_name("min_ms", "100").await.unwrap();
    form.submit().await.unwrap();
    eventually(client, "#traces tbody tr .operation", &["GET /slow"]).await;
    client.goto(&format!("{base}/")).await.unwrap();
    click(client, "input[name=errors]").await;
    click(client, "#filters button").await;
    eventually(
        client,
        "#traces tbody tr .operation",
        &["GET /nested", "GET /fail"],
    )
    .await;
    client.goto(&format!("{base}/")).await.unwrap();
    let form = client.form(Locator::Css("#filters")).await.unwrap();
    form.set_by_name("operation", "GET /ok").await.unwrap();
    form.submit().await.unwrap();
    eventually(client, "#count", &["2 traces"]).await;

    // A click on the nested trace opens its waterfall.
    client.goto(&format!("{base}/")).await.unwrap();
    click(client, "#traces tbody tr:first-child .id a").await;
    eventually(
        client,
        "#waterfall details > summary .name",
        &["GET /nested", "load cart", "SELECT cart", "render"],
    )
    .await;
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .contains("/trace/")
    );
    let mut depths = Vec::new();
    let mut indents = Vec::new();
    for row in client
        .find_all(Locator::Css("#waterfall details"))
        .await
        .unwrap()
    {
        depths.push(row.attr("data-depth").await.unwrap().unwrap());
        let name = row.find(Locator::Css("summary .name")).await.unwrap();
        indents.push(name.css_value("padding-left").await.unwrap());
    }
    assert_eq!(depths, ["0", "1", "2", "1"]);
    // The stylesheet is applied (the CSP allows it): deeper rows are indented more.
    let px: Vec<f64> = indents
        .iter()
        .map(|px| px.trim_end_matches("px").parse().unwrap())
        .collect();
    assert!(
        px[0] < px[1] && px[1] < px[2] && px[3] == px[1],
        "{indents:?}"
    );
    let marked = texts(client, "#waterfall details.error > summary .name").await;
    assert_eq!(marked, ["render"]);
    let marks = texts(client, "#waterfall details.error > summary .status").await;
    assert_eq!(marks, ["ERROR"]);

    // Selecting a span shows its tags and logs; the hostile tag is shown as text.
    let query = client
        .find(Locator::Css("#waterfall details[data-depth='2']"))
        .await
        .unwrap();
    let tags = query.find(Locator::Css("table.tags")).await.unwrap();
    assert!(!tags.is_displayed().await.unwrap());
    query
        .find(Locator::Css("summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(tags.is_displayed().await.unwrap());
    let tag_rows = texts(client, "#waterfall details[data-depth='2'] table.tags tr").await;
    assert!(
        tag_rows.contains(&format!("db.statement {XSS}")),
        "{tag_rows:?}"
    );
    let logs = texts(client, "#waterfall details[data-depth='2'] ol.logs li").await;
    assert!(logs[0].ends_with("event=rows count=3"), "{logs:?}");
    let scripts = client
        .execute("return document.querySelectorAll('script').length", vec![])
        .await
        .unwrap();
    assert_eq!(scripts, json!(0));
    assert!(
        client.get_alert_text().await.is_err(),
        "a script ran: an alert is open"
    );
}
