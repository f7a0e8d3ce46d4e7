//! `OTEL_PROPAGATORS`: which wire formats, in which order.

use super::ConfigError;
use super::vars::Vars;
use crate::propagation::{B3, Jaeger, OtHeaders, W3cTraceContext};
use crate::reference::Propagator;

/// The names `OTEL_PROPAGATORS` may list.
const ACCEPTED: &str = "tracecontext, baggage, b3, b3multi, jaeger, ottrace or none";

/// The propagator `OTEL_PROPAGATORS` lists (default `tracecontext,baggage`): codecs in the
/// listed order, the first to find a context winning; `baggage` turns W3C baggage on;
/// `none` alone propagates nothing.
pub(super) fn propagator(vars: &Vars) -> Result<Propagator, ConfigError> {
    const VARIABLE: &str = "OTEL_PROPAGATORS";
    let list = vars.get(VARIABLE).unwrap_or("tracecontext,baggage");
    let mut names: Vec<&str> = Vec::new();
    for name in list
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.contains(&"none") && names.len() > 1 {
        return Err(ConfigError::new(
            VARIABLE,
            format!("`none` cannot be listed with others (`{list}`)"),
        ));
    }
    let mut propagator = Propagator::empty().w3c_baggage(false);
    for name in names {
        propagator = match name {
            "tracecontext" => propagator.codec(W3cTraceContext),
            "baggage" => propagator.w3c_baggage(true),
            "b3" => propagator.codec(B3::single()),
            "b3multi" => propagator.codec(B3::multi()),
            "jaeger" => propagator.codec(Jaeger),
            "ottrace" => propagator.codec(OtHeaders),
            "none" => propagator,
            other => {
                return Err(ConfigError::new(
                    VARIABLE,
                    format!("`{other}` is not supported: the list may name {ACCEPTED}"),
                ));
            }
        };
    }
    Ok(propagator)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: Option<&str>) -> Result<(Vec<&'static str>, bool), String> {
        let vars = Vars::new(list.map(|list| ("OTEL_PROPAGATORS", list)));
        let propagator = propagator(&vars).map_err(|error| error.to_string())?;
        let codecs = propagator.codecs().map(|codec| codec.name()).collect();
        Ok((codecs, propagator.uses_w3c_baggage()))
    }

    #[test]
    fn the_list_is_the_codec_order() {
        assert_eq!(names(None), Ok((vec!["w3c"], true)));
        assert_eq!(
            names(Some("b3multi, tracecontext")),
            Ok((vec!["b3", "w3c"], false))
        );
        assert_eq!(
            names(Some("jaeger,ottrace,b3,baggage,jaeger")),
            Ok((vec!["jaeger", "ot", "b3"], true))
        );
        assert_eq!(names(Some("none")), Ok((vec![], false)));
    }

    #[test]
    fn unknown_names_and_none_with_others_are_refused() {
        for list in ["xray", "tracecontext,b3single", "none,baggage"] {
            let error = names(Some(list)).unwrap_err();
            assert!(error.starts_with("OTEL_PROPAGATORS: "), "{error}");
        }
        assert!(names(Some("xray")).unwrap_err().contains(ACCEPTED));
    }
}
