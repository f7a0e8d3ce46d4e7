//! Both tracers of this crate pass the compatibility harness, check by check.
#![cfg(feature = "harness")]

mod mock_api {
    use opentracing_core::MockTracer;
    use opentracing_core::harness::ApiCheck;

    opentracing_core::api_check_tests!(ApiCheck::new(MockTracer::new()));
}

mod noop_api {
    use opentracing_core::NoopTracer;
    use opentracing_core::harness::ApiCheck;

    opentracing_core::api_check_tests!(
        ApiCheck::new(NoopTracer::new())
            .check_baggage_values(false)
            .check_scope_manager(false)
    );
}

mod dyn_tracer_api {
    use std::sync::Arc;

    use opentracing_core::harness::ApiCheck;
    use opentracing_core::{MockTracer, Tracer};

    fn tracer() -> Arc<dyn Tracer> {
        Arc::new(MockTracer::new())
    }

    opentracing_core::api_check_tests!(ApiCheck::new(tracer()));
}

mod mock_scopes {
    use opentracing_core::MockTracer;
    use opentracing_core::harness::ScopeCheck;

    opentracing_core::scope_check_tests!(ScopeCheck::new(MockTracer::new()));
}

mod noop_scopes {
    use opentracing_core::NoopTracer;
    use opentracing_core::harness::ScopeCheck;

    opentracing_core::scope_check_tests!(ScopeCheck::new(NoopTracer::new()));
}

/// The scope checks inside a tokio runtime, as opentracing-python runs them in an event loop.
mod mock_scopes_in_tokio {
    use opentracing_core::MockTracer;
    use opentracing_core::harness::ScopeCheck;

    fn in_runtime(check: &dyn Fn()) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        runtime.block_on(async { check() });
    }

    opentracing_core::scope_check_tests!(ScopeCheck::new(MockTracer::new()).run_test(in_runtime));
}
