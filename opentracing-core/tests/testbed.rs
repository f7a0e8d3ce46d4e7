//! opentracing-python's `testbed/` scenarios, ported to tokio.
//!
//! Each module is one scenario; they all run on a multi-threaded runtime with the
//! `MockTracer` and assert parentage, trace ids and finish order like the originals. A
//! `Scope` never lives across an `.await`: spans are made active across awaits with
//! `WithSpan::with_span` or carried into new tasks with `opentracing_core::task`.
#![cfg(all(feature = "mock", feature = "tokio"))]

use std::time::Duration;

use opentracing_core::{FinishedSpan, MockTracer, Tracer};

/// The operation names, in finish order.
fn names(spans: &[FinishedSpan]) -> Vec<&str> {
    spans.iter().map(FinishedSpan::operation_name).collect()
}

/// The only finished span named `name`.
fn one_named<'a>(spans: &'a [FinishedSpan], name: &str) -> &'a FinishedSpan {
    let mut found = spans.iter().filter(|s| s.operation_name() == name);
    let span = found
        .next()
        .unwrap_or_else(|| panic!("no span named {name}"));
    assert!(found.next().is_none(), "more than one span named {name}");
    span
}

/// The only finished span whose `span.kind` tag is `kind`.
fn one_of_kind<'a>(spans: &'a [FinishedSpan], kind: &str) -> &'a FinishedSpan {
    let mut found = spans.iter().filter(|s| {
        s.tag(opentracing_core::tags::SPAN_KIND)
            .and_then(|v| v.as_str())
            == Some(kind)
    });
    let span = found.next().unwrap_or_else(|| panic!("no {kind} span"));
    assert!(found.next().is_none(), "more than one {kind} span");
    span
}

fn same_trace(a: &FinishedSpan, b: &FinishedSpan) -> bool {
    a.context().trace_id() == b.context().trace_id()
}

/// `child` is a child of `parent`: same trace, and its parent is `parent`.
fn is_child_of(child: &FinishedSpan, parent: &FinishedSpan) -> bool {
    same_trace(child, parent) && child.parent_id() == Some(parent.context().span_id())
}

/// A span with no tags and no logs.
fn assert_empty(span: &FinishedSpan) {
    assert_eq!(span.tags().count(), 0, "{} has tags", span.operation_name());
    assert!(span.logs().is_empty(), "{} has logs", span.operation_name());
}

/// Waits until `tracer` has `n` finished spans, for fire-and-forget work (the testbed's
/// `stop_loop_when`). The timeout only turns a hang into a failure.
async fn wait_for_finished(tracer: &MockTracer, n: usize) {
    let wait = async {
        while tracer.finished_spans().len() < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("spans did not finish");
}

/// Activating an unrelated span replaces the active span, and closing its scope restores
/// the one that was active before.
mod active_span_replacement {
    use opentracing_core::WithSpan;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn main() {
        let tracer = MockTracer::new();
        // Started, not activated, and handed to a background task.
        let initial = tracer.start_span("initial");
        let task = tracer.start_span("task");

        let work = {
            let (tracer, task) = (tracer.clone(), task.clone());
            async move {
                {
                    let scope = tracer.scope_manager().activate(initial, true);
                    assert_eq!(tracer.active_span().as_ref(), Some(scope.span()));
                } // Finishes `initial` and makes `task` active again.
                assert_eq!(tracer.active_span().as_ref(), Some(&task));
                tokio::task::yield_now().await;
                drop(tracer.start_active_span("subtask"));
                task.finish();
            }
        };
        tokio::spawn(work.with_span(task)).await.unwrap();

        let spans = tracer.finished_spans();
        assert_eq!(names(&spans), ["initial", "subtask", "task"]);
        let (initial, subtask, task) = (&spans[0], &spans[1], &spans[2]);
        assert!(is_child_of(subtask, task));
        assert_eq!(initial.parent_id(), None);
        assert_eq!(task.parent_id(), None);
        assert!(!same_trace(initial, task));
        spans.iter().for_each(assert_empty);
    }
}

/// The client injects its span into a text map "message" sent over a channel; the server
/// task extracts it and its span continues the client's trace.
mod client_server {
    use std::collections::HashMap;

    use opentracing_core::tags::{SPAN_KIND, SPAN_KIND_RPC_CLIENT, SPAN_KIND_RPC_SERVER};
    use opentracing_core::{ExtractCarrier, InjectCarrier, WithSpan};
    use tokio::sync::mpsc;

    use super::*;

    type Message = HashMap<String, String>;

    async fn server(tracer: MockTracer, mut queue: mpsc::Receiver<Message>) {
        let message = queue.recv().await.expect("a message");
        let context = tracer.extract(ExtractCarrier::TextMap(&message)).unwrap();
        assert!(context.is_some(), "the message carries a context");
        let span = tracer
            .span_builder("receive")
            .child_of(context)
            .tag(SPAN_KIND, SPAN_KIND_RPC_SERVER)
            .start();
        tokio::task::yield_now().with_span(span.clone()).await; // handle the request
        span.finish();
    }

    async fn client(tracer: MockTracer, queue: mpsc::Sender<Message>) {
        let span = tracer
            .span_builder("send")
            .tag(SPAN_KIND, SPAN_KIND_RPC_CLIENT)
            .start();
        let send = async {
            let active = tracer.active_span().and_then(|s| s.context()).unwrap();
            let mut message = Message::new();
            tracer
                .inject(&active, InjectCarrier::TextMap(&mut message))
                .unwrap();
            queue.send(message).await.unwrap();
        };
        send.with_span(span.clone()).await;
        span.finish();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn main() {
        let tracer = MockTracer::new();
        let (tx, rx) = mpsc::channel(1);
        let server = tokio::spawn(server(tracer.clone(), rx));
        tokio::spawn(client(tracer.clone(), tx)).await.unwrap();
        server.await.unwrap();

        let spans = tracer.finished_spans();
        assert_eq!(spans.len(), 2);
        let client = one_of_kind(&spans, SPAN_KIND_RPC_CLIENT);
        let server = one_of_kind(&spans, SPAN_KIND_RPC_SERVER);
        assert_eq!(client.operation_name(), "send");
        assert_eq!(server.operation_name(), "receive");
        // The check the Python original forgot.
        assert!(is_child_of(server, client));
        assert_eq!(client.parent_id(), None);
    }
}

/// One request handler shared by concurrent requests: `before_request` starts the client
/// span in the caller's task, `after_request` finishes it in another task.
mod common_request_handler {
    use opentracing_core::tags::{SPAN_KIND, SPAN_KIND_RPC_CLIENT};
    use opentracing_core::{Span, WithSpan};

    use super::*;

    /// Per-request state handed from one hook to the other.
    #[derive(Default)]
    struct RequestContext {
        span: Option<Span>,
    }

    #[derive(Clone)]
    struct RequestHandler {
        tracer: MockTracer,
        ignore_active_span: bool,
    }

    impl RequestHandler {
        fn before_request(&self, context: &mut RequestContext) {
            let builder = self
                .tracer
                .span_builder("send")
                .tag(SPAN_KIND, SPAN_KIND_RPC_CLIENT);
            let builder = if self.ignore_active_span {
                builder.ignore_active_span()
            } else {
                builder
            };
            context.span = Some(builder.start());
        }

        fn after_request(&self, context: RequestContext) {
            if let Some(span) = context.span {
                span.finish();
            }
        }
    }

    #[derive(Clone)]
    struct Client {
        handler: RequestHandler,
    }

    impl Client {
        fn new(tracer: &MockTracer, ignore_active_span: bool) -> Self {
            let handler = RequestHandler {
                tracer: tracer.clone(),
                ignore_active_span,
            };
            Self { handler }
        }

        async fn send(&self, message: &str) -> String {
            let mut context = RequestContext::default();
            self.handler.before_request(&mut context);
            let handler = self.handler.clone();
            let message = message.to_owned();
            // The response arrives in another task, which runs the second hook.
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                handler.after_request(context);
                format!("{message}::response")
            })
            .await
            .unwrap()
        }
    }

    /// Two concurrent requests give two root client spans in different traces.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_callbacks() {
        let tracer = MockTracer::new();
        let client = Client::new(&tracer, true);
        let requests = ["message1", "message2"].map(|message| {
            let client = client.clone();
            tokio::spawn(async move { client.send(message).await })
        });
        let [first, second] = requests;
        assert_eq!(first.await.unwrap(), "message1::response");
        assert_eq!(second.await.unwrap(), "message2::response");

        let spans = tracer.finished_spans();
        assert_eq!(names(&spans), ["send", "send"]);
        for span in &spans {
            let kind = span.tag(SPAN_KIND).and_then(|v| v.as_str());
            assert_eq!(kind, Some(SPAN_KIND_RPC_CLIENT));
            assert_eq!(span.parent_id(), None);
        }
        assert!(!same_trace(&spans[0], &spans[1]));
    }

    /// With `ignore_active_span`, the active `parent` is not picked as the parent.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn parent_not_picked() {
        let tracer = MockTracer::new();
        let client = Client::new(&tracer, true);
        let parent = tracer.start_span("parent");
        let response = client.send("no_parent").with_span(parent.clone()).await;
        assert_eq!(response, "no_parent::response");
        parent.finish();

        let spans = tracer.finished_spans();
        assert_eq!(spans.len(), 2);
        let (send, parent) = (one_named(&spans, "send"), one_named(&spans, "parent"));
        assert!(!is_child_of(send, parent));
        assert_eq!(send.parent_id(), None);
    }

    /// The good solution: the shared handler uses the active span, so the request made
    /// while `parent` is active is its child and the one made after it is a root.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn good_solution_to_set_parent() {
        let tracer = MockTracer::new();
        let client = Client::new(&tracer, false);
        let parent = tracer.start_span("parent");
        let response = client
            .send("correct_parent")
            .with_span(parent.clone())
            .await;
        assert_eq!(response, "correct_parent::response");
        parent.finish();
        // No longer active: must not become a child of `parent`.
        assert_eq!(client.send("wrong_parent").await, "wrong_parent::response");

        let spans = tracer.finished_spans();
        assert_eq!(names(&spans), ["send", "parent", "send"]);
        let (correct, parent, wrong) = (&spans[0], &spans[1], &spans[2]);
        assert!(is_child_of(correct, parent));
        assert_eq!(wrong.parent_id(), None);
        assert!(!same_trace(wrong, parent));
    }
}

/// A parent whose lifetime is independent of its children: the subtasks finish their
/// spans, and the parent is finished later by main.
mod late_span_finish {
    use opentracing_core::{WithSpan, task};

    use super::*;

    /// Runs with the parent active, carried in by `task::spawn`.
    async fn subtask(tracer: MockTracer, name: &'static str) {
        let span = tracer.start_span(name);
        tokio::time::sleep(Duration::from_millis(1))
            .with_span(span.clone())
            .await;
        span.finish();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn main() {
        let tracer = MockTracer::new();
        let (parent, subtasks) = {
            let scope = tracer.span_builder("parent").start_active(false);
            let subtasks =
                ["task1", "task2"].map(|name| task::spawn(subtask(tracer.clone(), name)));
            (scope.span().clone(), subtasks)
        }; // The scope is closed, and `parent` is still running.
        for subtask in subtasks {
            subtask.await.unwrap();
        }
        parent.finish(); // Late.

        let spans = tracer.finished_spans();
        // The two subtasks run in parallel and may finish in either order.
        let mut subtask_names = names(&spans[..2]);
        subtask_names.sort_unstable();
        assert_eq!(subtask_names, ["task1", "task2"]);
        assert_eq!(names(&spans[2..]), ["parent"]);
        let parent = &spans[2];
        for child in &spans[..2] {
            assert!(is_child_of(child, parent));
            assert!(child.finish_time() <= parent.finish_time());
        }
    }
}

/// A span started in one task and finished in another, by a per-request listener.
mod listener_per_request {
    use opentracing_core::Span;
    use opentracing_core::tags::{SPAN_KIND, SPAN_KIND_RPC_CLIENT};

    use super::*;

    struct ResponseListener {
        span: Span,
    }

    impl ResponseListener {
        fn on_response(&self, _response: &str) {
            self.span.finish();
        }
    }

    async fn send(tracer: &MockTracer, message: &str) -> String {
        let span = tracer
            .span_builder("send")
            .tag(SPAN_KIND, SPAN_KIND_RPC_CLIENT)
            .start();
        let listener = ResponseListener { span };
        let response = format!("{message}::response");
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            listener.on_response(&response);
            response
        })
        .await
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn main() {
        let tracer = MockTracer::new();
        assert_eq!(send(&tracer, "message").await, "message::response");

        let spans = tracer.finished_spans();
        assert_eq!(names(&spans), ["send"]);
        assert_eq!(one_of_kind(&spans, SPAN_KIND_RPC_CLIENT).parent_id(), None);
    }
}

/// Three concurrent callbacks each start a child of the active parent and sleep; the
/// parent finishes after all of them.
mod multiple_callbacks {
    use opentracing_core::{WithSpan, task};

    use super::*;

    async fn callback(tracer: MockTracer, delay_ms: u32) {
        let span = tracer.start_span("task");
        span.set_tag("delay_ms", delay_ms);
        tokio::time::sleep(Duration::from_millis(delay_ms.into()))
            .with_span(span.clone())
            .await;
        span.finish();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn main() {
        let tracer = MockTracer::new();
        let parent = tracer.start_span("parent");
        let callbacks = async {
            let callbacks = [5, 1, 3].map(|ms| task::spawn(callback(tracer.clone(), ms)));
            for callback in callbacks {
                callback.await.unwrap();
            }
        };
        callbacks.with_span(parent.clone()).await;
        parent.finish();

        let spans = tracer.finished_spans();
        assert_eq!(names(&spans), ["task", "task", "task", "parent"]);
        let parent = &spans[3];
        for child in &spans[..3] {
            assert!(is_child_of(child, parent));
        }
        let mut delays: Vec<_> = spans[..3]
            .iter()
            .map(|s| s.tag("delay_ms").and_then(|v| v.as_i64()).unwrap())
            .collect();
        delays.sort_unstable();
        assert_eq!(delays, [1, 3, 5]);
    }
}

/// A fire-and-forget chain of tasks, each scheduling the next: the span stays active along
/// the chain without re-activation, each step tags it, and the last step finishes it.
mod nested_callbacks {
    use opentracing_core::{Span, task};

    use super::*;

    const STEPS: u32 = 3;

    /// Spawns step `i` with the active span carried in.
    fn submit(tracer: MockTracer, span: Span, i: u32) {
        drop(task::spawn(async move {
            tokio::task::yield_now().await;
            assert_eq!(tracer.active_span().as_ref(), Some(&span));
            span.set_tag(format!("key{i}"), i.to_string());
            if i == STEPS {
                span.finish();
            } else {
                submit(tracer, span, i + 1);
            }
        }));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn main() {
        let tracer = MockTracer::new();
        {
            let scope = tracer.span_builder("one").start_active(false);
            submit(tracer.clone(), scope.span().clone(), 1);
        }
        wait_for_finished(&tracer, 1).await;

        let spans = tracer.finished_spans();
        assert_eq!(names(&spans), ["one"]);
        for i in 1..=STEPS {
            let value = spans[0].tag(&format!("key{i}")).and_then(|v| v.as_str());
            assert_eq!(value, Some(i.to_string().as_str()));
        }
    }
}

/// The parent task's span propagates into a subtask, whose span becomes its child.
mod subtask_span_propagation {
    use opentracing_core::{ReferenceType, WithSpan, task};

    use super::*;

    async fn parent_task(tracer: MockTracer, message: &str) -> String {
        let parent = tracer.start_span("parent");
        // Lazy: `task::spawn` runs on the first poll, with `parent` active.
        let subtask = async { task::spawn(child_task(tracer.clone(), message.to_owned())).await };
        let response = subtask.with_span(parent.clone()).await.unwrap();
        parent.finish();
        response
    }

    async fn child_task(tracer: MockTracer, message: String) -> String {
        drop(tracer.start_active_span("child"));
        format!("{message}::response")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn main() {
        let tracer = MockTracer::new();
        let response = parent_task(tracer.clone(), "message").await;
        assert_eq!(response, "message::response");

        let spans = tracer.finished_spans();
        assert_eq!(names(&spans), ["child", "parent"]);
        assert!(is_child_of(&spans[0], &spans[1]));
        assert_eq!(spans[1].parent_id(), None);
    }

    /// `spawn_follows_from` gives the subtask a span of its own that follows from the
    /// active one and finishes when the task completes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn follows_from() {
        let tracer = MockTracer::new();
        let parent = tracer.start_span("parent");
        let subtask = {
            let tracer = tracer.clone();
            async move {
                let t = tracer.clone();
                task::spawn_follows_from(&tracer, "subtask", async move {
                    tokio::task::yield_now().await;
                    t.start_span("child").finish();
                })
                .await
                .unwrap();
            }
        };
        subtask.with_span(parent.clone()).await;
        parent.finish();

        let spans = tracer.finished_spans();
        assert_eq!(names(&spans), ["child", "subtask", "parent"]);
        let (child, subtask, parent) = (&spans[0], &spans[1], &spans[2]);
        assert!(is_child_of(child, subtask));
        assert!(is_child_of(subtask, parent));
        assert_eq!(subtask.references()[0].kind(), ReferenceType::FollowsFrom);
    }
}

/// 1000 concurrent requests, each with its own root span active across awaits and in a
/// nested spawned task: every child must land in its own request's trace, never another's.
mod stress {
    use std::collections::HashMap;

    use opentracing_core::{WithSpan, task};

    use super::*;

    const REQUESTS: u32 = 1000;

    fn request_of(span: &FinishedSpan) -> u32 {
        let index = span.tag("request").and_then(|v| v.as_i64()).unwrap();
        u32::try_from(index).unwrap()
    }

    async fn handle(tracer: MockTracer, i: u32) {
        tokio::task::yield_now().await;
        let child = tracer.span_builder("child").tag("request", i).start();
        tokio::time::sleep(Duration::from_millis(u64::from(i % 3))).await;
        tokio::task::yield_now().await;
        child.finish();
        let nested = task::spawn({
            let tracer = tracer.clone();
            async move {
                tokio::task::yield_now().await;
                let span = tracer.span_builder("nested").tag("request", i).start();
                tokio::task::yield_now().await;
                span.finish();
            }
        });
        tokio::task::yield_now().await;
        nested.await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_requests_do_not_cross_talk() {
        let tracer = MockTracer::new();
        let requests: Vec<_> = (0..REQUESTS)
            .map(|i| {
                let span = tracer
                    .span_builder(format!("request-{i}"))
                    .tag("request", i)
                    .start();
                let handle = tokio::spawn(handle(tracer.clone(), i).with_span(span.clone()));
                (handle, span)
            })
            .collect();
        for (handle, span) in requests {
            handle.await.unwrap();
            span.finish();
        }
        assert_eq!(tracer.active_span(), None);

        let spans = tracer.finished_spans();
        let roots: HashMap<u32, &FinishedSpan> = spans
            .iter()
            .filter(|s| s.operation_name().starts_with("request-"))
            .map(|s| (request_of(s), s))
            .collect();
        assert_eq!(roots.len(), REQUESTS as usize);
        for (i, root) in &roots {
            assert_eq!(root.operation_name(), format!("request-{i}"));
            assert_eq!(root.parent_id(), None);
        }
        let mut children = HashMap::<&str, u32>::new();
        for span in spans
            .iter()
            .filter(|s| !s.operation_name().starts_with("request-"))
        {
            let i = request_of(span);
            assert!(
                is_child_of(span, roots[&i]),
                "{} of request {i}",
                span.operation_name()
            );
            *children.entry(span.operation_name()).or_default() += 1;
        }
        assert_eq!(
            children,
            HashMap::from([("child", REQUESTS), ("nested", REQUESTS)])
        );
    }
}
