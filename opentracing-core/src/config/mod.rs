//! Configuration from the environment, by the OpenTelemetry SDK's variables (which
//! operators already know): the tracer (service name, sampler, propagators) and its
//! reporter, so that an application switches backends without code changes.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod exporter;
mod limits;
mod propagators;
mod sampler;
mod vars;
mod warnings;

pub use exporter::Exporter;
pub use sampler::{ParentRoot, SamplerChoice};
pub use warnings::ConfigWarning;

use self::exporter::{ExportSettings, export_settings};
use self::sampler::with_sampler;
use self::vars::{Vars, key_values};
use crate::limits::SpanLimits;
use crate::recorder::{Discard, Fanout, Recorder};
use crate::reference::{Propagator, ReferenceTracer, ReferenceTracerBuilder};
use crate::report::{Encoder, Executor, Otlp, Reporter, ReporterBuilder, StartError, ZipkinJson};

/// The tracer and reporter settings read from the environment:
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `OTEL_SDK_DISABLED` | `true`: no span is recorded or exported, the exporter variables are not read, and a caller's context passes through unchanged (by `OTEL_PROPAGATORS`) | `false` |
/// | `OTEL_SERVICE_NAME` | the service name | `service.name` of the resource, else `unknown_service` |
/// | `OTEL_RESOURCE_ATTRIBUTES` | `key=value,...` (values percent-decoded) for every span's resource (OTLP) or tags (Zipkin) | |
/// | `OTEL_PROPAGATORS` | `tracecontext`, `baggage`, `b3` (single header), `b3multi`, `jaeger`, `ottrace`, `none`: the codecs, in extraction order | `tracecontext,baggage` |
/// | `OTEL_TRACES_EXPORTER` | `otlp`, `zipkin` or `none` | the one whose endpoint is set, else none |
/// | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | the OTLP URL, used as is (`https://` with feature `tls`) | |
/// | `OTEL_EXPORTER_OTLP_ENDPOINT` | the OTLP base URL; `/v1/traces` is added over HTTP | `http://localhost:4318` (HTTP), `http://localhost:4317` (gRPC) |
/// | `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL` | `http/protobuf`, `http/json` or `grpc` | `http/protobuf` |
/// | `OTEL_EXPORTER_OTLP_[TRACES_]HEADERS` | `key=value,...` sent with every request (values percent-decoded, never shown) | |
/// | `OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION` | `gzip` or `none` | `none` |
/// | `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT` | a request's timeout, in ms | `OTEL_BSP_EXPORT_TIMEOUT` |
/// | `OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE` | a PEM file of the CA certificates to trust instead of the system's (feature `tls`) | |
/// | `OTEL_EXPORTER_OTLP_[TRACES_]CLIENT_CERTIFICATE`, `..._CLIENT_KEY` | PEM files of the certificate and key for mutual TLS (feature `tls`) | |
/// | `OTEL_EXPORTER_ZIPKIN_ENDPOINT` | the Zipkin URL, used as is | `http://localhost:9411/api/v2/spans` |
/// | `OTEL_EXPORTER_ZIPKIN_TIMEOUT` | a request's timeout, in ms | `OTEL_BSP_EXPORT_TIMEOUT` |
/// | `OTEL_TRACES_SAMPLER` | `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio` | `parentbased_always_on` |
/// | `OTEL_TRACES_SAMPLER_ARG` | the ratio, from 0 to 1 | 1 |
/// | `OTEL_BSP_SCHEDULE_DELAY` | a batch's delay, in ms | 1000 |
/// | `OTEL_BSP_EXPORT_TIMEOUT` | a request's timeout, in ms | 10000 |
/// | `OTEL_BSP_MAX_QUEUE_SIZE` | the queue's bound, in spans (retries included) | 65536 |
/// | `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | a batch's bound, in spans | 512 |
/// | `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT` (else `OTEL_ATTRIBUTE_COUNT_LIMIT`) | the most tags a span keeps | 128 |
/// | `OTEL_SPAN_EVENT_COUNT_LIMIT` | the most logs a span keeps | 128 |
/// | `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` (else `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`) | the most characters kept of a string tag or log value | unbounded |
///
/// Numbers are whole, up to 2³¹ − 1; a timeout of 0 is no limit, a delay of 0 is 1 ms, and
/// sizes start at 1. A value that cannot be used is an error naming
/// the variable, at start-up (never quoting a header value or an endpoint, which may hold
/// secrets). Any other `OTEL_*` variable that is set is a [`ConfigWarning`]
/// ([`warnings`](Self::warnings)), logged once through the `log` facade: the metrics and
/// logs signals, span limits, a misspelt name.
///
/// ```
/// use opentracing_core::config::{EnvConfig, Exporter};
/// use opentracing_core::report::OtlpProtocol;
///
/// let config = EnvConfig::from_vars([
///     ("OTEL_SERVICE_NAME", "checkout"),
///     ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
///     ("OTEL_PROPAGATORS", "b3multi,tracecontext"),
///     ("OTEL_METRICS_EXPORTER", "otlp"),
/// ])
/// .unwrap();
/// assert_eq!(config.service_name(), "checkout");
/// let url = "http://127.0.0.1:4318/v1/traces".parse().unwrap();
/// assert_eq!(config.exporter(), Some(&Exporter::Otlp(url, OtlpProtocol::HttpProtobuf)));
/// assert_eq!(config.warnings()[0].variable(), "OTEL_METRICS_EXPORTER");
///
/// let error = EnvConfig::from_vars([("OTEL_PROPAGATORS", "xray")]).unwrap_err();
/// assert!(error.to_string().starts_with("OTEL_PROPAGATORS: "));
/// ```
#[derive(Clone)]
pub struct EnvConfig {
    disabled: bool,
    service_name: String,
    resource: Vec<(String, String)>,
    export: ExportSettings,
    propagator: Propagator,
    sampler: SamplerChoice,
    batch_delay: Option<Duration>,
    request_timeout: Option<Duration>,
    max_queue_spans: Option<usize>,
    max_batch_spans: Option<usize>,
    span_limits: SpanLimits,
    /// Recorders that get every span too.
    also: Fanout,
    warnings: Vec<ConfigWarning>,
}

impl fmt::Debug for EnvConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<_> = self.export.headers.iter().map(|(name, _)| name).collect();
        f.debug_struct("EnvConfig")
            .field("disabled", &self.disabled)
            .field("service_name", &self.service_name)
            .field("resource", &self.resource)
            .field("exporter", &self.export.exporter)
            .field("header_names", &header_names)
            .field("compression", &self.export.compression)
            .field("propagator", &self.propagator)
            .field("sampler", &self.sampler)
            .field("batch_delay", &self.batch_delay)
            .field("request_timeout", &self.request_timeout)
            .field("max_queue_spans", &self.max_queue_spans)
            .field("max_batch_spans", &self.max_batch_spans)
            .field("also", &self.also)
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// A configuration value that cannot be used.
#[derive(Debug)]
pub struct ConfigError {
    variable: &'static str,
    reason: String,
}

impl ConfigError {
    fn new(variable: &'static str, reason: String) -> Self {
        Self { variable, reason }
    }

    /// The variable whose value cannot be used.
    pub fn variable(&self) -> &'static str {
        self.variable
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.reason)
    }
}

impl std::error::Error for ConfigError {}

impl EnvConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars())
    }

    /// Reads the given variables (for tests, or configuration from elsewhere). Each
    /// [warning](Self::warnings) is also logged, once, through the `log` facade.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let vars = Vars::new(vars);
        let mut warnings = warnings::warnings(&vars);
        let disabled = match vars.get("OTEL_SDK_DISABLED") {
            None => false,
            Some(value) if value.eq_ignore_ascii_case("true") => true,
            Some(value) if value.eq_ignore_ascii_case("false") => false,
            Some(_) => {
                warnings.push(ConfigWarning::new(
                    "OTEL_SDK_DISABLED",
                    "only `true` disables; any other value means false",
                ));
                false
            }
        };
        let resource = match vars.get("OTEL_RESOURCE_ATTRIBUTES") {
            Some(list) => key_values("OTEL_RESOURCE_ATTRIBUTES", list)?,
            None => Vec::new(),
        };
        let service_name = vars
            .get("OTEL_SERVICE_NAME")
            .or_else(|| {
                resource
                    .iter()
                    .rev()
                    .find(|(key, _)| key == "service.name")
                    .map(|(_, value)| value.as_str())
            })
            .unwrap_or("unknown_service")
            .to_owned();
        let config = Self {
            disabled,
            service_name,
            resource,
            // Disabled, nothing is exported: a stale exporter setting must not stop the
            // service.
            export: match disabled {
                true => ExportSettings::default(),
                false => export_settings(&vars)?,
            },
            propagator: propagators::propagator(&vars)?,
            sampler: sampler::sampler(&vars)?,
            batch_delay: vars
                .number("OTEL_BSP_SCHEDULE_DELAY", 0)?
                .map(Duration::from_millis),
            request_timeout: vars.timeout(&["OTEL_BSP_EXPORT_TIMEOUT"])?,
            max_queue_spans: vars
                .number("OTEL_BSP_MAX_QUEUE_SIZE", 1)?
                .map(|n| n as usize),
            max_batch_spans: vars
                .number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 1)?
                .map(|n| n as usize),
            span_limits: limits::span_limits(&vars)?,
            also: Fanout::new(),
            warnings,
        };
        for warning in &config.warnings {
            log::warn!("{warning}");
        }
        Ok(config)
    }

    /// The same configuration, with every span given to `recorder` too (a terminal
    /// waterfall, a test's [`InMemoryRecorder`](crate::InMemoryRecorder)), whether or not an
    /// exporter is configured.
    #[must_use]
    pub fn also_record(mut self, recorder: Arc<dyn Recorder>) -> Self {
        self.also = self.also.with(recorder);
        self
    }

    /// The same configuration with this propagator instead of the one `OTEL_PROPAGATORS`
    /// names.
    #[must_use]
    pub fn propagator(mut self, propagator: Propagator) -> Self {
        self.propagator = propagator;
        self
    }

    /// The same configuration with one more resource attribute (replacing one of the same
    /// key), such as `deployment.environment.name`.
    #[must_use]
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let (key, value) = (key.into(), value.into());
        self.resource.retain(|(k, _)| *k != key);
        self.resource.push((key, value));
        self
    }

    /// Whether `OTEL_SDK_DISABLED=true`: [`start`](Self::start) then gives a tracer that
    /// records and exports nothing, and passes the caller's context on unchanged.
    pub fn is_disabled(&self) -> bool {
        self.disabled
    }

    /// The service name.
    pub fn service_name(&self) -> &str {
        &self.service_name
    }

    /// The resource attributes, in the order given (`service.name` among them only if it
    /// was given so).
    pub fn resource(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.resource
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }

    /// Where spans go; `None` when no exporter is configured.
    pub fn exporter(&self) -> Option<&Exporter> {
        self.export.exporter.as_ref()
    }

    /// The sampler.
    pub fn sampler(&self) -> SamplerChoice {
        self.sampler
    }

    /// The `OTEL_*` variables that are set but have no effect here.
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.warnings
    }

    /// Starts the configured reporter on `executor`; `None` without an exporter, or when
    /// disabled.
    pub fn start_reporter(&self, executor: Executor) -> Result<Option<Reporter>, StartError> {
        if self.disabled {
            return Ok(None);
        }
        let service = &self.service_name;
        match &self.export.exporter {
            None => Ok(None),
            Some(Exporter::Zipkin(url)) => {
                let encoder = self
                    .resource()
                    .fold(ZipkinJson::new(service), |encoder, (key, value)| {
                        encoder.resource_attribute(key, value)
                    });
                let builder = Reporter::builder(url.clone(), encoder);
                self.sending(builder).start(executor).map(Some)
            }
            Some(Exporter::Otlp(url, protocol)) => {
                let encoder = self.resource().fold(
                    Otlp::new(service).protocol(*protocol),
                    |encoder, (key, value)| encoder.resource_attribute(key, value),
                );
                let builder = Reporter::builder(url.clone(), encoder);
                self.sending(builder).start(executor).map(Some)
            }
        }
    }

    /// A tracer builder with the configured service name, sampler and propagator; when
    /// disabled, one that records nothing and passes the caller's context on unchanged
    /// ([`pass_through`](ReferenceTracerBuilder::pass_through)), with the configured
    /// propagator as the specification asks.
    pub fn tracer_builder(&self, recorder: Arc<dyn Recorder>) -> ReferenceTracerBuilder {
        let builder = ReferenceTracer::builder(&self.service_name, recorder);
        if self.disabled {
            return builder
                .propagator(self.propagator.clone())
                .pass_through(true);
        }
        with_sampler(builder, self.sampler)
            .propagator(self.propagator.clone())
            .span_limits(self.span_limits)
    }

    /// What each span keeps at most.
    pub fn span_limits(&self) -> SpanLimits {
        self.span_limits
    }

    /// The tracer and its reporter in one call: spans go to the reporter when an exporter
    /// is configured, and to the recorders given to [`also_record`](Self::also_record)
    /// (to none when disabled).
    pub fn start(
        &self,
        executor: Executor,
    ) -> Result<(ReferenceTracer, Option<Reporter>), StartError> {
        let reporter = self.start_reporter(executor)?;
        let mut all = if self.disabled {
            Fanout::new()
        } else {
            self.also.clone()
        };
        if let Some(reporter) = &reporter {
            all = all.with(Arc::new(reporter.clone()));
        }
        let recorder: Arc<dyn Recorder> = match all.len() {
            0 => Arc::new(Discard),
            _ => Arc::new(all),
        };
        Ok((self.tracer_builder(recorder).build(), reporter))
    }

    /// The batch limits, headers, compression and timeout for `builder`.
    fn sending<E: Encoder>(&self, mut builder: ReporterBuilder<E>) -> ReporterBuilder<E> {
        if let Some(delay) = self.batch_delay {
            builder = builder.batch_delay(delay);
        }
        if let Some(timeout) = self.export.timeout.or(self.request_timeout) {
            builder = builder.request_timeout(timeout);
        }
        if let Some(spans) = self.max_queue_spans {
            builder = builder.max_queue_spans(spans);
        }
        if let Some(spans) = self.max_batch_spans {
            builder = builder.max_batch_spans(spans);
        }
        for (name, value) in &self.export.headers {
            builder = builder.header(name.clone(), value.clone());
        }
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.export.tls {
            builder = builder.tls(tls.clone());
        }
        builder.compression(self.export.compression)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::OtlpProtocol;

    fn config(vars: &[(&str, &str)]) -> Result<EnvConfig, ConfigError> {
        EnvConfig::from_vars(vars.iter().copied())
    }

    #[test]
    fn nothing_set_means_no_exporter_and_parent_based_sampling() {
        let config = config(&[]).unwrap();
        assert_eq!(config.service_name(), "unknown_service");
        assert_eq!(config.exporter(), None);
        assert_eq!(
            config.sampler(),
            SamplerChoice::ParentBased(ParentRoot::AlwaysOn)
        );
    }

    #[test]
    fn spans_go_to_the_recorders_given_too() {
        use crate::Tracer;

        let kept = Arc::new(crate::InMemoryRecorder::new());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tracer, reporter) = config(&[("OTEL_SERVICE_NAME", "shop")])
            .unwrap()
            .also_record(kept.clone())
            .start(Executor::Tokio(runtime.handle().clone()))
            .unwrap();
        assert!(reporter.is_none());
        tracer.start_span("work").finish();
        assert_eq!(kept.spans()[0].service_name(), Some("shop"));
    }

    #[test]
    fn exporters_and_their_default_endpoints() {
        let zipkin = config(&[("OTEL_TRACES_EXPORTER", "zipkin")]).unwrap();
        let url = "http://localhost:9411/api/v2/spans".parse().unwrap();
        assert_eq!(zipkin.exporter(), Some(&Exporter::Zipkin(url)));
        let otlp = config(&[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://collector:4318/custom",
        )])
        .unwrap();
        let url = "http://collector:4318/custom".parse().unwrap();
        let protobuf = OtlpProtocol::HttpProtobuf;
        assert_eq!(otlp.exporter(), Some(&Exporter::Otlp(url, protobuf)));
        for (vars, url, protocol) in [
            (
                &[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")][..],
                "http://localhost:4317",
                OtlpProtocol::Grpc,
            ),
            (
                &[
                    ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
                    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
                ],
                "http://collector:4317",
                OtlpProtocol::Grpc,
            ),
            (
                &[
                    ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
                    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
                    (
                        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                        "http://collector:4317",
                    ),
                ],
                "http://collector:4317",
                OtlpProtocol::Grpc,
            ),
            (
                &[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")],
                "http://localhost:4318/v1/traces",
                OtlpProtocol::HttpJson,
            ),
            (
                &[
                    ("OTEL_TRACES_EXPORTER", "otlp"),
                    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
                ],
                "http://localhost:4318/v1/traces",
                OtlpProtocol::HttpProtobuf,
            ),
        ] {
            let mut vars = vars.to_vec();
            vars.push(("OTEL_TRACES_EXPORTER", "otlp"));
            let exporter = Exporter::Otlp(url.parse().unwrap(), protocol);
            assert_eq!(
                config(&vars).unwrap().exporter(),
                Some(&exporter),
                "{vars:?}"
            );
        }
        let none = config(&[
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x:1"),
        ]);
        assert_eq!(none.unwrap().exporter(), None);
    }

    #[test]
    fn unusable_values_name_their_variable() {
        for (vars, variable) in [
            (
                &[("OTEL_TRACES_EXPORTER", "jaeger")][..],
                "OTEL_TRACES_EXPORTER",
            ),
            (
                &[("OTEL_EXPORTER_ZIPKIN_ENDPOINT", "zipkin:9411/api/v2/spans")][..],
                "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
            ),
            (
                &[("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")][..],
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            ),
            (
                &[
                    ("OTEL_TRACES_SAMPLER", "traceidratio"),
                    ("OTEL_TRACES_SAMPLER_ARG", "1.5"),
                ][..],
                "OTEL_TRACES_SAMPLER_ARG",
            ),
            (
                &[("OTEL_BSP_MAX_QUEUE_SIZE", "-3")][..],
                "OTEL_BSP_MAX_QUEUE_SIZE",
            ),
        ] {
            let error = config(vars).unwrap_err();
            assert!(error.to_string().starts_with(variable), "{error}");
        }
    }

    #[test]
    fn samplers_and_batch_settings() {
        let config = config(&[
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", " 0.25 "),
            ("OTEL_BSP_SCHEDULE_DELAY", "250"),
        ])
        .unwrap();
        assert_eq!(
            config.sampler(),
            SamplerChoice::ParentBased(ParentRoot::Ratio(0.25))
        );
        assert_eq!(config.batch_delay, Some(Duration::from_millis(250)));
    }

    /// Every variable read: what it sets, checked through the configuration's behaviour.
    #[test]
    fn each_variable_is_honoured() {
        let otlp = |extra: &[(&str, &str)]| {
            let mut vars = vec![("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")];
            vars.extend_from_slice(extra);
            config(&vars).unwrap()
        };
        assert!(
            config(&[("OTEL_SDK_DISABLED", "TRUE")])
                .unwrap()
                .is_disabled()
        );
        assert!(
            !config(&[("OTEL_SDK_DISABLED", "false")])
                .unwrap()
                .is_disabled()
        );
        let resource = config(&[(
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.name=cart,deployment.environment.name=prod%20eu",
        )])
        .unwrap();
        assert_eq!(resource.service_name(), "cart");
        assert_eq!(
            resource.resource().collect::<Vec<_>>(),
            [
                ("service.name", "cart"),
                ("deployment.environment.name", "prod eu")
            ]
        );
        let named = config(&[
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=cart"),
            ("OTEL_SERVICE_NAME", "shop"),
        ]);
        assert_eq!(
            named.unwrap().service_name(),
            "shop",
            "OTEL_SERVICE_NAME wins"
        );
        let b3 = config(&[("OTEL_PROPAGATORS", "b3multi")]).unwrap();
        assert_eq!(
            b3.propagator.codecs().map(|c| c.name()).collect::<Vec<_>>(),
            ["b3"]
        );
        let sending = otlp(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "x-api-key=k1,authorization=Bearer%20t",
            ),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-api-key=k2"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1500"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "9000"),
        ]);
        let exporter = Exporter::Otlp(
            "http://collector:4318/v1/traces".parse().unwrap(),
            OtlpProtocol::HttpJson,
        );
        assert_eq!(sending.exporter(), Some(&exporter));
        let headers: Vec<_> = sending
            .export
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.to_str().unwrap(), value.is_sensitive()))
            .collect();
        assert_eq!(
            headers,
            [("x-api-key", "k2", true)],
            "the traces variable wins"
        );
        assert_eq!(sending.export.compression, crate::report::Compression::Gzip);
        assert_eq!(sending.export.timeout, Some(Duration::from_millis(1500)));
        let zipkin = config(&[
            ("OTEL_TRACES_EXPORTER", "zipkin"),
            ("OTEL_EXPORTER_ZIPKIN_TIMEOUT", "700"),
        ])
        .unwrap();
        assert_eq!(zipkin.export.timeout, Some(Duration::from_millis(700)));
        // The specification's range, and 0 as no limit.
        let wide = config(&[
            ("OTEL_BSP_EXPORT_TIMEOUT", "0"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "2147483647"),
            ("OTEL_BSP_SCHEDULE_DELAY", "0"),
        ])
        .unwrap();
        assert_eq!(wide.request_timeout, Some(Duration::MAX));
        assert_eq!(wide.max_queue_spans, Some(2_147_483_647));
        assert_eq!(wide.batch_delay, Some(Duration::ZERO));
    }

    /// Values that cannot be honoured: an error naming the variable, quoting no secret.
    #[test]
    fn each_unusable_value_is_refused_by_name() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
        for (vars, variable) in [
            (vec![("OTEL_PROPAGATORS", "xray")], "OTEL_PROPAGATORS"),
            (
                vec![("OTEL_RESOURCE_ATTRIBUTES", "novalue")],
                "OTEL_RESOURCE_ATTRIBUTES",
            ),
            (
                vec![
                    endpoint,
                    ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/proto"),
                ],
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            ),
            (
                vec![endpoint, ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")],
                "OTEL_EXPORTER_OTLP_PROTOCOL",
            ),
            (
                vec![endpoint, ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")],
                "OTEL_EXPORTER_OTLP_COMPRESSION",
            ),
            (
                vec![endpoint, ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key")],
                "OTEL_EXPORTER_OTLP_HEADERS",
            ),
            (
                vec![endpoint, ("OTEL_EXPORTER_OTLP_HEADERS", "bad name=SECRET")],
                "OTEL_EXPORTER_OTLP_HEADERS",
            ),
            (
                vec![endpoint, ("OTEL_EXPORTER_OTLP_HEADERS", "k=SECRET%0A")],
                "OTEL_EXPORTER_OTLP_HEADERS",
            ),
            (
                vec![endpoint, ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon")],
                "OTEL_EXPORTER_OTLP_TIMEOUT",
            ),
            (
                vec![endpoint, ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/ca.pem")],
                "OTEL_EXPORTER_OTLP_CERTIFICATE",
            ),
            (
                vec![endpoint, ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/key.pem")],
                "OTEL_EXPORTER_OTLP_CLIENT_KEY",
            ),
            (
                vec![("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://api.example.com")],
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            ),
            (
                vec![(
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    "http://user:SECRET@collector:4318",
                )],
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            ),
            (
                vec![
                    ("OTEL_TRACES_EXPORTER", "zipkin"),
                    ("OTEL_EXPORTER_ZIPKIN_TIMEOUT", "2147483648"),
                ],
                "OTEL_EXPORTER_ZIPKIN_TIMEOUT",
            ),
            (
                vec![("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0")],
                "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
            ),
        ] {
            let error = config(&vars).unwrap_err();
            assert_eq!(error.variable(), variable, "{vars:?}");
            let text = error.to_string();
            assert!(
                text.starts_with(variable) && !text.contains("SECRET"),
                "{text}"
            );
        }
    }

    #[cfg(feature = "tls")]
    #[test]
    fn https_endpoints_are_taken_with_tls() {
        let config = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://api.example.com")]);
        let url = "https://api.example.com/v1/traces".parse().unwrap();
        let exporter = Exporter::Otlp(url, OtlpProtocol::HttpProtobuf);
        assert_eq!(config.unwrap().exporter(), Some(&exporter));
    }

    /// Run by CI with `--no-default-features --features reporter-plain`.
    #[cfg(not(feature = "tls"))]
    #[test]
    fn without_tls_https_and_certificates_are_refused_by_name() {
        let https = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://api.example.com")]);
        assert!(https.unwrap_err().to_string().contains("`tls` feature"));
        let ca = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/ca.pem"),
        ]);
        assert_eq!(ca.unwrap_err().variable(), "OTEL_EXPORTER_OTLP_CERTIFICATE");
    }

    #[test]
    fn disabled_records_and_exports_nothing_and_passes_the_callers_context_on() {
        use crate::{ExtractCarrier, InjectCarrier, Tracer};

        let kept = Arc::new(crate::InMemoryRecorder::new());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tracer, reporter) = config(&[
            ("OTEL_SDK_DISABLED", "true"),
            ("OTEL_PROPAGATORS", "b3multi"),
            // Not read: a stale setting does not stop a disabled service.
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector:4318"),
        ])
        .unwrap()
        .also_record(kept.clone())
        .start(Executor::Tokio(runtime.handle().clone()))
        .unwrap();
        assert!(reporter.is_none());
        let inbound: std::collections::HashMap<String, String> = [
            ("x-b3-traceid", "4bf92f3577b34da6a3ce929d0e0e4736"),
            ("x-b3-spanid", "00f067aa0ba902b7"),
            ("x-b3-sampled", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let caller = tracer
            .extract(ExtractCarrier::TextMap(&inbound))
            .unwrap()
            .unwrap();
        let span = tracer.span_builder("work").child_of(caller).start();
        let mut outbound = std::collections::HashMap::new();
        tracer
            .inject(
                &span.context().unwrap(),
                InjectCarrier::TextMap(&mut outbound),
            )
            .unwrap();
        span.finish();
        assert_eq!(outbound, inbound, "the caller's context, unchanged");
        let root = tracer.start_span("root");
        assert!(root.context().is_none(), "no trace of its own");
        root.finish();
        assert!(kept.spans().is_empty());
    }

    #[test]
    fn a_bad_sdk_disabled_value_is_a_warning_and_means_false() {
        let config = config(&[("OTEL_SDK_DISABLED", "yes")]).unwrap();
        assert!(!config.is_disabled());
        assert_eq!(config.warnings()[0].variable(), "OTEL_SDK_DISABLED");
    }

    #[test]
    fn debug_shows_header_names_not_values_nor_the_query() {
        let config = config(&[
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://collector:4318/v1/traces?api_key=SECRET",
            ),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=SECRET"),
        ])
        .unwrap();
        let shown = format!("{config:?}");
        assert!(shown.contains("http://collector:4318/v1/traces"), "{shown}");
        assert!(
            shown.contains("x-api-key") && !shown.contains("SECRET"),
            "{shown}"
        );
    }
}
