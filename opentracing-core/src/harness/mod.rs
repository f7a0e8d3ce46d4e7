//! The compatibility harness: opentracing-python's `harness/api_check.py` and
//! `harness/scope_check.py`, for any [`Tracer`](crate::Tracer) to run against itself.
//!
//! Each check is a method that panics when the tracer misbehaves. The macros turn every
//! check into its own `#[test]`:
//!
//! ```
//! mod mock_tracer_api {
//!     use opentracing_core::MockTracer;
//!     use opentracing_core::harness::ApiCheck;
//!
//!     opentracing_core::api_check_tests!(ApiCheck::new(MockTracer::new()));
//! }
//!
//! mod mock_tracer_scopes {
//!     use opentracing_core::MockTracer;
//!     use opentracing_core::harness::ScopeCheck;
//!
//!     opentracing_core::scope_check_tests!(ScopeCheck::new(MockTracer::new()));
//! }
//! # fn main() {}
//! ```
//!
//! A tracer whose spans record nothing (like the no-op tracer) turns off the checks it
//! cannot pass, as in opentracing-python:
//! `ApiCheck::new(NoopTracer::new()).check_baggage_values(false).check_scope_manager(false)`.

mod api_check;
mod scope_check;

pub use api_check::ApiCheck;
pub use scope_check::ScopeCheck;

/// Defines one `#[test]` per [`ApiCheck`] check. The argument is an expression that makes
/// the `ApiCheck`, evaluated afresh in each test.
#[macro_export]
macro_rules! api_check_tests {
    ($make:expr $(,)?) => {
        $crate::__harness_tests!(
            $make;
            active_span
            start_active_span
            start_active_span_parent
            start_active_span_ignore_active_span
            start_active_span_not_finish_on_close
            start_active_span_finish_on_close
            start_active_span_default_finish_on_close
            start_span
            start_span_propagation
            start_span_propagation_ignore_active_span
            start_span_with_parent
            start_child_span
            set_operation_name
            span_as_context_manager
            span_tag_value_types
            span_tags_with_chaining
            span_logs
            span_baggage
            context_baggage
            text_propagation
            binary_propagation
            mandatory_formats
            unknown_format
            tracer_start_active_span_scope
            tracer_start_span_scope
        );
    };
}

/// Defines one `#[test]` per [`ScopeCheck`] check. The argument is an expression that makes
/// the `ScopeCheck`, evaluated afresh in each test.
#[macro_export]
macro_rules! scope_check_tests {
    ($make:expr $(,)?) => {
        $crate::__harness_tests!(
            $make;
            missing_active_external
            missing_active
            activate
            activate_external
            activate_finish_on_close
            activate_nested
            activate_finish_on_close_nested
            close_wrong_order
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __harness_tests {
    ($make:expr; $($check:ident)*) => {
        $(
            #[test]
            fn $check() {
                $make.$check();
            }
        )*
    };
}
