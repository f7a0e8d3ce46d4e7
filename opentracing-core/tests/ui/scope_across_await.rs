use opentracing_core::{NoopTracer, Tracer};

async fn work() {}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        tokio::spawn(async {
            let scope = NoopTracer::new().start_active_span("held across await");
            work().await;
            drop(scope);
        });
    });
}
