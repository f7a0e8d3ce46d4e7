//! A `Scope` held across `.await` cannot be spawned on a multi-threaded runtime.

#[test]
fn scope_across_await_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
