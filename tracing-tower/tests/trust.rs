//! Trust decided per network (server) and trace headers sent only to listed hosts (client),
//! over real connections on loopback, where every peer is `127.0.0.1`.

mod support;

use std::sync::Arc;

use http::{HeaderMap, Request};
use opentracing_core::reference::ReferenceTracer;
use opentracing_core::{FinishedSpan, InMemoryRecorder, ReferenceType, Span, Tracer};
use support::{hyper_client, serve, text};
use tower::{Layer, ServiceExt, service_fn};
use tracing_tower::{
    ClientTracingLayer, InboundContext, PropagationTargets, ServerTracingLayer, TrustedNetworks,
};

const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// Serves, behind the server layer, a handler answering with the trace id of the span the
/// layer gave it (`none` for none) and its `user` baggage.
async fn server(
    inbound: InboundContext,
    traced: bool,
) -> (std::net::SocketAddr, Arc<InMemoryRecorder>) {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("edge", recorder.clone());
    let handler = service_fn(|request: Request<hyper::body::Incoming>| async move {
        let context = request.extensions().get::<Span>().and_then(Span::context);
        let answer = match context {
            Some(context) => format!(
                "{} {}",
                context.trace_id(),
                context.baggage_item("user").unwrap_or("-")
            ),
            None => "none".to_owned(),
        };
        Ok::<_, std::convert::Infallible>(http::Response::new(answer))
    });
    let layer = ServerTracingLayer::new(tracer)
        .inbound_context(inbound)
        .filter_with(move |_: &Request<hyper::body::Incoming>| traced);
    (serve(layer.layer(handler)).await, recorder)
}

/// Calls `addr` with a caller's context: sampled or not, with `user=alice` baggage.
async fn call(addr: std::net::SocketAddr, sampled: bool) -> String {
    let flags = if sampled { "01" } else { "00" };
    let request = Request::get(format!("http://{addr}/"))
        .header(
            "traceparent",
            format!("00-{CALLER_TRACE}-{CALLER_SPAN}-{flags}"),
        )
        .header("baggage", "user=alice")
        .body(String::new())
        .unwrap();
    let response = hyper_client().request(request).await.unwrap();
    text(response.into_body()).await
}

async fn only_span(recorder: &InMemoryRecorder) -> FinishedSpan {
    for _ in 0..200 {
        if !recorder.spans().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let spans = recorder.spans();
    assert_eq!(spans.len(), 1, "{spans:?}");
    spans[0].clone()
}

#[tokio::test]
async fn a_caller_in_a_trusted_network_is_continued() {
    let (addr, recorder) =
        server(InboundContext::TrustFrom(TrustedNetworks::private()), true).await;
    assert_eq!(call(addr, true).await, format!("{CALLER_TRACE} alice"));
    let span = only_span(&recorder).await;
    assert_eq!(span.context().trace_id().to_string(), CALLER_TRACE);
    assert_eq!(
        span.parent_id().map(|id| id.to_string()).as_deref(),
        Some(CALLER_SPAN)
    );
}

#[tokio::test]
async fn a_caller_outside_the_trusted_networks_starts_a_new_trace_that_links_it() {
    let networks = TrustedNetworks::parse(["10.0.0.0/8", "fd00::/8"]).unwrap();
    let (addr, recorder) = server(InboundContext::TrustFrom(networks), true).await;
    // Unsampled, with baggage: neither the decision nor the baggage is taken.
    let answer = call(addr, false).await;
    let span = only_span(&recorder).await;
    let trace = span.context().trace_id().to_string();
    assert_ne!(trace, CALLER_TRACE);
    assert_eq!(answer, format!("{trace} -"), "no baggage to forward");
    assert_eq!(span.parent_id(), None);
    let link = &span.references()[0];
    assert_eq!(link.kind(), ReferenceType::FollowsFrom);
    assert_eq!(link.trace_id().to_string(), CALLER_TRACE);
    assert_eq!(link.span_id().to_string(), CALLER_SPAN);
}

#[tokio::test]
async fn an_untrusted_caller_of_a_filtered_route_passes_nothing_on() {
    let networks = TrustedNetworks::parse(["10.0.0.0/8"]).unwrap();
    let (addr, _) = server(InboundContext::TrustFrom(networks), false).await;
    assert_eq!(call(addr, true).await, "none");
    let (addr, _) = server(InboundContext::TrustFrom(TrustedNetworks::private()), false).await;
    assert_eq!(call(addr, true).await, format!("{CALLER_TRACE} alice"));
}

/// A client that answers with the trace headers it was sent.
async fn trace_headers(request: Request<String>) -> Result<http::Response<String>, String> {
    let headers: &HeaderMap = request.headers();
    let sent = ["traceparent", "baggage"]
        .iter()
        .filter(|name| headers.contains_key(**name))
        .copied()
        .collect::<Vec<_>>()
        .join(",");
    Ok(http::Response::new(sent))
}

#[tokio::test]
async fn trace_headers_go_only_to_listed_hosts() {
    let recorder = Arc::new(InMemoryRecorder::new());
    let tracer = ReferenceTracer::new("client", recorder.clone());
    let client = ClientTracingLayer::new(tracer.clone())
        .propagate_to(
            PropagationTargets::none()
                .host("billing")
                .domain("svc.internal"),
        )
        .layer(service_fn(trace_headers));
    let parent = tracer.start_span("work");
    parent.set_baggage_item("user", "alice");
    for (url, sent) in [
        ("http://billing/charge", "traceparent,baggage"),
        ("http://cart.svc.internal/items", "traceparent,baggage"),
        ("https://api.payments.example/v1", ""),
        ("/relative", ""),
    ] {
        let mut request = Request::get(url).body(String::new()).unwrap();
        request.extensions_mut().insert(parent.context().unwrap());
        let response = client.clone().oneshot(request).await.unwrap();
        assert_eq!(text(response.into_body()).await, sent, "{url}");
    }
    // Every call still has its span.
    assert_eq!(recorder.spans().len(), 4);
}
