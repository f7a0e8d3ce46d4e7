//! `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`.

use super::ConfigError;
use super::vars::Vars;
use crate::reference::{
    AlwaysSample, NeverSample, ParentBased, RatioSampler, ReferenceTracerBuilder,
};

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

pub(super) fn sampler(vars: &Vars) -> Result<SamplerChoice, ConfigError> {
    let ratio = || -> Result<f64, ConfigError> {
        let Some(arg) = vars.get("OTEL_TRACES_SAMPLER_ARG") else {
            return Ok(1.0);
        };
        match arg.parse::<f64>() {
            Ok(ratio) if (0.0..=1.0).contains(&ratio) => Ok(ratio),
            _ => Err(ConfigError::new(
                "OTEL_TRACES_SAMPLER_ARG",
                format!("`{arg}` is not a ratio from 0 to 1"),
            )),
        }
    };
    Ok(
        match vars
            .get("OTEL_TRACES_SAMPLER")
            .unwrap_or("parentbased_always_on")
        {
            "always_on" => SamplerChoice::AlwaysOn,
            "always_off" => SamplerChoice::AlwaysOff,
            "traceidratio" => SamplerChoice::Ratio(ratio()?),
            "parentbased_always_on" => SamplerChoice::ParentBased(ParentRoot::AlwaysOn),
            "parentbased_always_off" => SamplerChoice::ParentBased(ParentRoot::AlwaysOff),
            "parentbased_traceidratio" => SamplerChoice::ParentBased(ParentRoot::Ratio(ratio()?)),
            other => {
                return Err(ConfigError::new(
                    "OTEL_TRACES_SAMPLER",
                    format!(
                        "`{other}` is not always_on, always_off, traceidratio, \
                         parentbased_always_on, parentbased_always_off or parentbased_traceidratio"
                    ),
                ));
            }
        },
    )
}

pub(super) fn with_sampler(
    builder: ReferenceTracerBuilder,
    choice: SamplerChoice,
) -> ReferenceTracerBuilder {
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
