//! `OTEL_*` variables that are set but have no effect here: each becomes a warning the
//! application can read, also logged once through the `log` facade.

use std::fmt;

use super::vars::Vars;

/// A variable that is set but not applied, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    variable: String,
    reason: &'static str,
}

impl ConfigWarning {
    pub(super) fn new(variable: &str, reason: &'static str) -> Self {
        Self {
            variable: variable.to_owned(),
            reason,
        }
    }

    /// The variable's name.
    pub fn variable(&self) -> &str {
        &self.variable
    }

    /// Why it has no effect.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is set but not applied: {}",
            self.variable, self.reason
        )
    }
}

/// The variables this configuration reads.
const APPLIED: &[&str] = &[
    "OTEL_SDK_DISABLED",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_PROPAGATORS",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_TRACES_EXPORTER",
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_EXPORTER_OTLP_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
    "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
    "OTEL_EXPORTER_ZIPKIN_TIMEOUT",
];

/// Specification variables with no effect here, by name or prefix, and why.
const NOT_APPLIED: &[(&str, &str)] = &[
    ("OTEL_METRIC", "this library reports traces only"),
    ("OTEL_LOGS_", "this library reports traces only"),
    ("OTEL_BLRP_", "this library reports traces only"),
    ("OTEL_LOGRECORD_", "this library reports traces only"),
    (
        "OTEL_EXPORTER_OTLP_METRICS_",
        "this library reports traces only",
    ),
    (
        "OTEL_EXPORTER_OTLP_LOGS_",
        "this library reports traces only",
    ),
    (
        "OTEL_EXPORTER_PROMETHEUS_",
        "this library reports traces only",
    ),
    (
        "OTEL_EXPORTER_JAEGER_",
        "OpenTelemetry retired the Jaeger exporter: Jaeger takes OTLP (OTEL_TRACES_EXPORTER=otlp)",
    ),
    (
        "OTEL_EXPORTER_OTLP_INSECURE",
        "the endpoint's scheme decides: http:// is plaintext, https:// is TLS",
    ),
    (
        "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
        "the endpoint's scheme decides: http:// is plaintext, https:// is TLS",
    ),
    (
        "OTEL_SPAN_LINK_COUNT_LIMIT",
        "a span keeps every reference it was started with",
    ),
    (
        "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
        "references carry no attributes",
    ),
    (
        "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
        "a log keeps all its fields (their values are cut by the value length limit)",
    ),
    (
        "OTEL_LOG_LEVEL",
        "warnings go to the `log` facade, filtered by its logger",
    ),
    ("OTEL_CONFIG_FILE", "file configuration is not supported"),
    (
        "OTEL_EXPERIMENTAL_",
        "experimental settings are not supported",
    ),
    ("OTEL_ENTITIES", "entities are not supported"),
];

/// A warning for each `OTEL_*` variable that is set but has no effect, in name order.
pub(super) fn warnings(vars: &Vars) -> Vec<ConfigWarning> {
    vars.names()
        .into_iter()
        .filter(|name| {
            name.starts_with("OTEL_")
                && !APPLIED.contains(name)
                && !super::limits::VARIABLES.contains(name)
        })
        .map(|name| ConfigWarning {
            variable: name.to_owned(),
            reason: NOT_APPLIED
                .iter()
                .find(|(prefix, _)| name.starts_with(prefix))
                .map_or(
                    "it is not an OpenTelemetry SDK variable (a typo?)",
                    |(_, why)| why,
                ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_unapplied_variable_is_named_once_with_its_reason() {
        let vars = Vars::new([
            ("OTEL_SERVICE_NAME", "shop"),
            ("OTEL_METRICS_EXPORTER", "otlp"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "10"),
            ("OTEL_SPAN_LINK_COUNT_LIMIT", "10"),
            ("OTEL_SERVICE_NAM", "typo"),
            ("OTEL_SERVICE_NAM", "again"),
            ("PATH", "/bin"),
        ]);
        let found: Vec<_> = warnings(&vars)
            .iter()
            .map(|warning| (warning.variable().to_owned(), warning.reason()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "OTEL_METRICS_EXPORTER".to_owned(),
                    "this library reports traces only"
                ),
                (
                    "OTEL_SERVICE_NAM".to_owned(),
                    "it is not an OpenTelemetry SDK variable (a typo?)"
                ),
                (
                    "OTEL_SPAN_LINK_COUNT_LIMIT".to_owned(),
                    "a span keeps every reference it was started with"
                ),
            ]
        );
        assert_eq!(
            warnings(&vars)[0].to_string(),
            "OTEL_METRICS_EXPORTER is set but not applied: this library reports traces only"
        );
    }
}
