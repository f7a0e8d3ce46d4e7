//! Span limits: `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_SPAN_EVENT_COUNT_LIMIT`,
//! `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` and their general or span-specific twins.

use super::ConfigError;
use super::vars::Vars;
use crate::limits::SpanLimits;

const TAGS: [&str; 2] = [
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_ATTRIBUTE_COUNT_LIMIT",
];
const LOGS: [&str; 1] = ["OTEL_SPAN_EVENT_COUNT_LIMIT"];
const VALUE_CHARS: [&str; 2] = [
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
];

/// Every variable read here.
pub(super) const VARIABLES: [&str; 5] = [TAGS[0], TAGS[1], LOGS[0], VALUE_CHARS[0], VALUE_CHARS[1]];

/// The limits the variables set, the span-specific one first; the defaults for the rest.
pub(super) fn span_limits(vars: &Vars) -> Result<SpanLimits, ConfigError> {
    let mut limits = SpanLimits::default();
    if let Some(tags) = count(vars, &TAGS)? {
        limits = limits.max_tags(tags);
    }
    if let Some(logs) = count(vars, &LOGS)? {
        limits = limits.max_logs(logs);
    }
    if let Some(chars) = count(vars, &VALUE_CHARS)? {
        limits = limits.max_value_chars(Some(chars));
    }
    Ok(limits)
}

/// The first of `names` that is set, as a count from 0.
fn count(vars: &Vars, names: &[&'static str]) -> Result<Option<u32>, ConfigError> {
    let Some((variable, value)) = vars.first(names) else {
        return Ok(None);
    };
    value.parse().map(Some).map_err(|_| {
        ConfigError::new(
            variable,
            format!("`{value}` is not a whole number from 0 to {}", u32::MAX),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(vars: &[(&str, &str)]) -> Result<SpanLimits, ConfigError> {
        span_limits(&Vars::new(vars.iter().copied()))
    }

    #[test]
    fn each_limit_is_read_the_specific_variable_first() {
        assert_eq!(limits(&[]).unwrap(), SpanLimits::default());
        let set = limits(&[
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "64"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "0"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "1024"),
        ])
        .unwrap();
        assert_eq!(
            set,
            SpanLimits::default()
                .max_tags(64)
                .max_logs(0)
                .max_value_chars(Some(1024))
        );
        let specific = limits(&[
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "64"),
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "32"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "1024"),
            ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"),
        ])
        .unwrap();
        assert_eq!(specific.tags(), 32);
        assert_eq!(specific.value_chars(), Some(100));
    }

    #[test]
    fn a_limit_that_is_not_a_count_is_refused_by_name() {
        for (variable, value) in [
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "-1"),
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "many"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "99999999999"),
        ] {
            let error = limits(&[(variable, value)]).unwrap_err();
            assert!(error.to_string().starts_with(variable), "{error}");
        }
    }
}
