//! The environment as configuration reads it.

use std::time::Duration;

use percent_encoding::percent_decode_str;

use super::ConfigError;

/// The variables that are set, without surrounding blanks (an empty value counts as unset,
/// as the OpenTelemetry specification asks); the last of a repeated name wins.
pub(super) struct Vars(Vec<(String, String)>);

impl Vars {
    pub(super) fn new<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Self(
            vars.into_iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().trim().to_owned()))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        )
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first of `names` that is set (the signal-specific name before the general one),
    /// with that name.
    pub(super) fn first(&self, names: &[&'static str]) -> Option<(&'static str, &str)> {
        names
            .iter()
            .find_map(|name| self.get(name).map(|value| (*name, value)))
    }

    /// The names that are set, each once.
    pub(super) fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// A whole number from `min` to 2³¹ − 1.
    pub(super) fn number(
        &self,
        variable: &'static str,
        min: u64,
    ) -> Result<Option<u64>, ConfigError> {
        self.get(variable)
            .map(|value| number(variable, value, min))
            .transpose()
    }

    /// A timeout in milliseconds, from the first of `names` that is set; `0` is no limit.
    pub(super) fn timeout(&self, names: &[&'static str]) -> Result<Option<Duration>, ConfigError> {
        self.first(names)
            .map(|(variable, value)| {
                number(variable, value, 0).map(|millis| match millis {
                    0 => Duration::MAX,
                    millis => Duration::from_millis(millis),
                })
            })
            .transpose()
    }
}

/// The most the specification asks a number variable to take: 2³¹ − 1.
const MAX_NUMBER: u64 = i32::MAX as u64;

/// `value` as a whole number from `min` to 2³¹ − 1.
fn number(variable: &'static str, value: &str, min: u64) -> Result<u64, ConfigError> {
    match value.parse::<u64>() {
        Ok(number) if (min..=MAX_NUMBER).contains(&number) => Ok(number),
        _ => Err(ConfigError::new(
            variable,
            format!("`{value}` is not a whole number from {min} to {MAX_NUMBER}"),
        )),
    }
}

/// A list of `key=value` pairs separated by commas, keys and values percent-decoded (after
/// the split, so `%2C` and `%3D` stand for `,` and `=`), blanks around them ignored (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS`).
/// Errors name the entry by its position, never by its text: a header's value may be a
/// secret.
pub(super) fn key_values(
    variable: &'static str,
    text: &str,
) -> Result<Vec<(String, String)>, ConfigError> {
    text.split(',')
        .enumerate()
        .filter(|(_, entry)| !entry.trim().is_empty())
        .map(|(index, entry)| {
            let bad =
                |what: &str| ConfigError::new(variable, format!("entry {} {what}", index + 1));
            let (key, value) = entry
                .split_once('=')
                .ok_or_else(|| bad("is not key=value"))?;
            let decode = |text: &str| {
                percent_decode_str(text.trim())
                    .decode_utf8()
                    .map(|text| text.into_owned())
                    .map_err(|_| bad("does not percent-decode to UTF-8"))
            };
            let key = decode(key)?;
            if key.is_empty() {
                return Err(bad("has an empty key"));
            }
            Ok((key, decode(value)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_values_are_trimmed_and_percent_decoded() {
        let pairs = key_values("X", " a = 1 ,b=%20two%2C, ,c=,k%3Dy=v").unwrap();
        let want = [("a", "1"), ("b", " two,"), ("c", ""), ("k=y", "v")];
        let want: Vec<_> = want
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(pairs, want);
        for (bad, reason) in [
            ("a=1,SECRET", "entry 2 is not key=value"),
            ("=SECRET", "entry 1 has an empty key"),
            ("k=SECRET%FF", "entry 1 does not percent-decode to UTF-8"),
            ("SECRET%FF=v", "entry 1 does not percent-decode to UTF-8"),
        ] {
            let error = key_values("X", bad).unwrap_err().to_string();
            assert_eq!(error, format!("X: {reason}"));
            assert!(!error.contains("SECRET"));
        }
    }

    #[test]
    fn the_last_setting_wins_and_blank_is_unset() {
        let vars = Vars::new([("A", "1"), ("A", "2"), ("B", "  ")]);
        assert_eq!(vars.get("A"), Some("2"));
        assert_eq!(vars.get("B"), None);
        assert_eq!(vars.first(&["B", "A"]), Some(("A", "2")));
        assert_eq!(vars.names(), ["A"]);
    }
}
