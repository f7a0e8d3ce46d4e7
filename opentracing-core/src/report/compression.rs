//! How the reporter compresses request bodies.

use std::io::Write;

use flate2::write::GzEncoder;

/// The compression of request bodies, named by their `Content-Encoding`.
///
/// ```no_run
/// use opentracing_core::report::{Compression, Executor, Otlp, Reporter};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let endpoint = "http://127.0.0.1:4318/v1/traces".parse()?;
/// let reporter = Reporter::builder(endpoint, Otlp::new("checkout"))
///     .compression(Compression::Gzip)
///     .start(Executor::OwnThread)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// Bodies go as encoded (the default).
    #[default]
    None,
    /// gzip (at its fastest level: span batches shrink about tenfold either way), sent with
    /// `Content-Encoding: gzip`.
    Gzip,
}

impl Compression {
    /// The `Content-Encoding` header's value, if any.
    pub(crate) const fn content_encoding(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Gzip => Some("gzip"),
        }
    }

    /// `body`, compressed.
    pub(crate) fn compress(self, body: Vec<u8>) -> std::io::Result<Vec<u8>> {
        match self {
            Self::None => Ok(body),
            Self::Gzip => {
                let mut encoder = GzEncoder::new(
                    Vec::with_capacity(body.len() / 4),
                    flate2::Compression::fast(),
                );
                encoder.write_all(&body)?;
                encoder.finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn gzip_round_trips_and_none_is_untouched() {
        let body = br#"[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"}]"#.repeat(50);
        let compressed = Compression::Gzip.compress(body.clone()).unwrap();
        assert!(compressed.len() < body.len() / 4, "{}", compressed.len());
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, body);
        assert_eq!(Compression::None.compress(body.clone()).unwrap(), body);
        assert_eq!(Compression::Gzip.content_encoding(), Some("gzip"));
        assert_eq!(Compression::None.content_encoding(), None);
    }
}
