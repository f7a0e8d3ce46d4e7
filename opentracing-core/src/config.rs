//! Configuration from the environment: the tracer (service name, sampler) and its reporter,
//! so that an application switches backends without code changes. The variable names are
//! OpenTelemetry's, which operators already know.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::Uri;

use crate::recorder::{Discard, Fanout, Recorder};
use crate::reference::{
    AlwaysSample, NeverSample, ParentBased, RatioSampler, ReferenceTracer, ReferenceTracerBuilder,
};
use crate::report::{
    Encoder, Executor, OtlpJson, Reporter, ReporterBuilder, StartError, ZipkinJson,
};

/// Where spans go.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exporter {
    /// Zipkin v2 JSON to this URL (`.../api/v2/spans`).
    Zipkin(Uri),
    /// OTLP/HTTP JSON to this URL (`.../v1/traces`).
    Otlp(Uri),
}

/// Which traces are sampled.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum SamplerChoice {
    /// Every trace.
    AlwaysOn,
    /// No trace.
    AlwaysOff,
    /// This share of new traces.
    Ratio(f64),
    /// Follow the caller's decision; new traces by the inner choice.
    ParentBased(ParentRoot),
}

/// The root decision of a parent-based sampler.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ParentRoot {
    /// Sample every new trace.
    AlwaysOn,
    /// Sample no new trace.
    AlwaysOff,
    /// Sample this share of new traces.
    Ratio(f64),
}

/// The tracer and reporter settings read from the environment:
///
/// | variable | meaning | default |
/// |---|---|---|
/// | `OTEL_SERVICE_NAME` | the service name | `unknown_service` |
/// | `OTEL_TRACES_EXPORTER` | `otlp`, `zipkin` or `none` | the one whose endpoint is set, else none |
/// | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | the OTLP/HTTP URL, used as is | |
/// | `OTEL_EXPORTER_OTLP_ENDPOINT` | the OTLP/HTTP base URL; `/v1/traces` is added | `http://localhost:4318` |
/// | `OTEL_EXPORTER_ZIPKIN_ENDPOINT` | the Zipkin URL, used as is | `http://localhost:9411/api/v2/spans` |
/// | `OTEL_TRACES_SAMPLER` | `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio` | `parentbased_always_on` |
/// | `OTEL_TRACES_SAMPLER_ARG` | the ratio, from 0 to 1 | 1 |
/// | `OTEL_BSP_SCHEDULE_DELAY` | a batch's delay, in ms | 1000 |
/// | `OTEL_BSP_EXPORT_TIMEOUT` | a request's timeout, in ms | 10000 |
/// | `OTEL_BSP_MAX_QUEUE_SIZE` | the queue's bound, in spans | 10000 |
/// | `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | a batch's bound, in spans | 512 |
///
/// Numbers are whole, from 1 to 10 000 000. A value that cannot be used is an error naming
/// the variable, at start-up.
///
/// ```
/// use opentracing_core::config::{EnvConfig, Exporter};
///
/// let config = EnvConfig::from_vars([
///     ("OTEL_SERVICE_NAME", "checkout"),
///     ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
/// ])
/// .unwrap();
/// assert_eq!(config.service_name(), "checkout");
/// assert_eq!(config.exporter(), Some(&Exporter::Otlp("http://127.0.0.1:4318/v1/traces".parse().unwrap())));
///
/// let error = EnvConfig::from_vars([("OTEL_TRACES_SAMPLER", "sometimes")]).unwrap_err();
/// assert!(error.to_string().contains("OTEL_TRACES_SAMPLER"));
/// ```
#[derive(Clone)]
pub struct EnvConfig {
    service_name: String,
    exporter: Option<Exporter>,
    sampler: SamplerChoice,
    batch_delay: Option<Duration>,
    request_timeout: Option<Duration>,
    max_queue_spans: Option<usize>,
    max_batch_spans: Option<usize>,
    /// Recorders that get every span too.
    also: Fanout,
}

impl fmt::Debug for EnvConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvConfig")
            .field("service_name", &self.service_name)
            .field("exporter", &self.exporter)
            .field("sampler", &self.sampler)
            .field("batch_delay", &self.batch_delay)
            .field("request_timeout", &self.request_timeout)
            .field("max_queue_spans", &self.max_queue_spans)
            .field("max_batch_spans", &self.max_batch_spans)
            .field("also", &self.also)
            .finish()
    }
}

/// A configuration value that cannot be used.
#[derive(Debug)]
pub struct ConfigError {
    variable: &'static str,
    reason: String,
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

    /// Reads the given variables (for tests, or configuration from elsewhere).
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let vars = Vars(
            vars.into_iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().trim().to_owned()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        );
        Ok(Self {
            service_name: vars
                .get("OTEL_SERVICE_NAME")
                .unwrap_or("unknown_service")
                .to_owned(),
            exporter: exporter(&vars)?,
            sampler: sampler(&vars)?,
            batch_delay: vars
                .number("OTEL_BSP_SCHEDULE_DELAY")?
                .map(Duration::from_millis),
            request_timeout: vars
                .number("OTEL_BSP_EXPORT_TIMEOUT")?
                .map(Duration::from_millis),
            max_queue_spans: vars.number("OTEL_BSP_MAX_QUEUE_SIZE")?.map(|n| n as usize),
            max_batch_spans: vars
                .number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")?
                .map(|n| n as usize),
            also: Fanout::new(),
        })
    }

    /// The same configuration, with every span given to `recorder` too (a terminal
    /// waterfall, a test's [`InMemoryRecorder`](crate::InMemoryRecorder)), whether or not an
    /// exporter is configured.
    #[must_use]
    pub fn also_record(mut self, recorder: Arc<dyn Recorder>) -> Self {
        self.also = self.also.with(recorder);
        self
    }

    /// The service name.
    pub fn service_name(&self) -> &str {
        &self.service_name
    }

    /// Where spans go; `None` when no exporter is configured.
    pub fn exporter(&self) -> Option<&Exporter> {
        self.exporter.as_ref()
    }

    /// The sampler.
    pub fn sampler(&self) -> SamplerChoice {
        self.sampler
    }

    /// Starts the configured reporter on `executor`; `None` without an exporter.
    pub fn start_reporter(&self, executor: Executor) -> Result<Option<Reporter>, StartError> {
        let service = &self.service_name;
        match &self.exporter {
            None => Ok(None),
            Some(Exporter::Zipkin(url)) => {
                let builder = Reporter::builder(url.clone(), ZipkinJson::new(service));
                self.limits(builder).start(executor).map(Some)
            }
            Some(Exporter::Otlp(url)) => {
                let builder = Reporter::builder(url.clone(), OtlpJson::new(service));
                self.limits(builder).start(executor).map(Some)
            }
        }
    }

    /// A tracer builder with the configured service name and sampler.
    pub fn tracer_builder(&self, recorder: Arc<dyn Recorder>) -> ReferenceTracerBuilder {
        with_sampler(
            ReferenceTracer::builder(&self.service_name, recorder),
            self.sampler,
        )
    }

    /// The tracer and its reporter in one call: spans go to the reporter when an exporter
    /// is configured, and to the recorders given to [`also_record`](Self::also_record).
    pub fn start(
        &self,
        executor: Executor,
    ) -> Result<(ReferenceTracer, Option<Reporter>), StartError> {
        let reporter = self.start_reporter(executor)?;
        let mut all = self.also.clone();
        if let Some(reporter) = &reporter {
            all = all.with(Arc::new(reporter.clone()));
        }
        let recorder: Arc<dyn Recorder> = match all.len() {
            0 => Arc::new(Discard),
            _ => Arc::new(all),
        };
        Ok((self.tracer_builder(recorder).build(), reporter))
    }

    fn limits<E: Encoder>(&self, mut builder: ReporterBuilder<E>) -> ReporterBuilder<E> {
        if let Some(delay) = self.batch_delay {
            builder = builder.batch_delay(delay);
        }
        if let Some(timeout) = self.request_timeout {
            builder = builder.request_timeout(timeout);
        }
        if let Some(spans) = self.max_queue_spans {
            builder = builder.max_queue_spans(spans);
        }
        if let Some(spans) = self.max_batch_spans {
            builder = builder.max_batch_spans(spans);
        }
        builder
    }
}

fn with_sampler(builder: ReferenceTracerBuilder, choice: SamplerChoice) -> ReferenceTracerBuilder {
    match choice {
        SamplerChoice::AlwaysOn => builder.sampler(AlwaysSample),
        SamplerChoice::AlwaysOff => builder.sampler(NeverSample),
        SamplerChoice::Ratio(ratio) => builder.sampler(RatioSampler::new(ratio)),
        SamplerChoice::ParentBased(ParentRoot::AlwaysOn) => {
            builder.sampler(ParentBased::new(AlwaysSample))
        }
        SamplerChoice::ParentBased(ParentRoot::AlwaysOff) => {
            builder.sampler(ParentBased::new(NeverSample))
        }
        SamplerChoice::ParentBased(ParentRoot::Ratio(ratio)) => {
            builder.sampler(ParentBased::new(RatioSampler::new(ratio)))
        }
    }
}

fn exporter(vars: &Vars) -> Result<Option<Exporter>, ConfigError> {
    let get = |name| vars.get(name);
    let otlp = match get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        Some(url) => Some(("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url.to_owned())),
        None => get("OTEL_EXPORTER_OTLP_ENDPOINT").map(|base| {
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("{}/v1/traces", base.trim_end_matches('/')),
            )
        }),
    };
    let zipkin = get("OTEL_EXPORTER_ZIPKIN_ENDPOINT")
        .map(|url| ("OTEL_EXPORTER_ZIPKIN_ENDPOINT", url.to_owned()));
    let choice = match get("OTEL_TRACES_EXPORTER") {
        Some("none") => return Ok(None),
        Some("otlp") => "otlp",
        Some("zipkin") => "zipkin",
        Some(other) => {
            return Err(invalid(
                "OTEL_TRACES_EXPORTER",
                format!("`{other}` is not otlp, zipkin or none"),
            ));
        }
        None if otlp.is_some() => "otlp",
        None if zipkin.is_some() => "zipkin",
        None => return Ok(None),
    };
    let (variable, url) = if choice == "otlp" {
        otlp.unwrap_or((
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://localhost:4318/v1/traces".to_owned(),
        ))
    } else {
        zipkin.unwrap_or((
            "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
            "http://localhost:9411/api/v2/spans".to_owned(),
        ))
    };
    let uri: Uri = url
        .parse()
        .map_err(|error| invalid(variable, format!("`{url}` is not a URL: {error}")))?;
    if uri.scheme_str() != Some("http") || uri.host().is_none() {
        return Err(invalid(
            variable,
            format!("`{url}` must be an http:// URL with a host"),
        ));
    }
    Ok(Some(if choice == "otlp" {
        Exporter::Otlp(uri)
    } else {
        Exporter::Zipkin(uri)
    }))
}

fn sampler(vars: &Vars) -> Result<SamplerChoice, ConfigError> {
    let get = |name| vars.get(name);
    let ratio = || -> Result<f64, ConfigError> {
        let Some(arg) = get("OTEL_TRACES_SAMPLER_ARG") else {
            return Ok(1.0);
        };
        match arg.parse::<f64>() {
            Ok(ratio) if (0.0..=1.0).contains(&ratio) => Ok(ratio),
            _ => Err(invalid(
                "OTEL_TRACES_SAMPLER_ARG",
                format!("`{arg}` is not a ratio from 0 to 1"),
            )),
        }
    };
    Ok(
        match get("OTEL_TRACES_SAMPLER").unwrap_or("parentbased_always_on") {
            "always_on" => SamplerChoice::AlwaysOn,
            "always_off" => SamplerChoice::AlwaysOff,
            "traceidratio" => SamplerChoice::Ratio(ratio()?),
            "parentbased_always_on" => SamplerChoice::ParentBased(ParentRoot::AlwaysOn),
            "parentbased_always_off" => SamplerChoice::ParentBased(ParentRoot::AlwaysOff),
            "parentbased_traceidratio" => SamplerChoice::ParentBased(ParentRoot::Ratio(ratio()?)),
            other => {
                return Err(invalid(
                    "OTEL_TRACES_SAMPLER",
                    format!("`{other}` is not a known sampler"),
                ));
            }
        },
    )
}

/// The variables that are set, without surrounding blanks; the last of a repeated name wins.
struct Vars(Vec<(String, String)>);

impl Vars {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A whole number from 1 to 10 000 000.
    fn number(&self, variable: &'static str) -> Result<Option<u64>, ConfigError> {
        let parse = |value: &str| match value.parse::<u64>() {
            Ok(number @ 1..=10_000_000) => Ok(number),
            _ => Err(invalid(
                variable,
                format!("`{value}` is not a whole number from 1 to 10000000"),
            )),
        };
        self.get(variable).map(parse).transpose()
    }
}

fn invalid(variable: &'static str, reason: String) -> ConfigError {
    ConfigError { variable, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(otlp.exporter(), Some(&Exporter::Otlp(url)));
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
                &[(
                    "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
                    "https://zipkin:9411/api/v2/spans",
                )][..],
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
}
