//! Standard span tag keys and `span.kind` values, with the exact strings of the OpenTracing
//! semantic conventions (opentracing-python's `opentracing.tags`).

/// The role of the span in an RPC or messaging exchange; one of the `SPAN_KIND_*` values.
pub const SPAN_KIND: &str = "span.kind";
/// `span.kind` of the client side of an RPC.
pub const SPAN_KIND_RPC_CLIENT: &str = "client";
/// `span.kind` of the server side of an RPC.
pub const SPAN_KIND_RPC_SERVER: &str = "server";
/// `span.kind` of a message consumer.
pub const SPAN_KIND_CONSUMER: &str = "consumer";
/// `span.kind` of a message producer.
pub const SPAN_KIND_PRODUCER: &str = "producer";
/// The service name, where it differs from the tracer's.
pub const SERVICE: &str = "service";
/// `true` when the span's operation failed (a bool).
pub const ERROR: &str = "error";
/// The library or module that produced the span, such as `tracing-tower`.
pub const COMPONENT: &str = "component";
/// Asks the tracer to keep (`> 0`) or drop (`0`) the trace (an integer).
pub const SAMPLING_PRIORITY: &str = "sampling.priority";
/// The remote service's name.
pub const PEER_SERVICE: &str = "peer.service";
/// The remote host's name.
pub const PEER_HOSTNAME: &str = "peer.hostname";
/// The remote address, in a form that fits the protocol (`host:port`, a path, ...).
pub const PEER_ADDRESS: &str = "peer.address";
/// The remote IPv4 address, dotted (opentracing-python documents a `u32`; a string is usual).
pub const PEER_HOST_IPV4: &str = "peer.ipv4";
/// The remote IPv6 address.
pub const PEER_HOST_IPV6: &str = "peer.ipv6";
/// The remote port (an integer).
pub const PEER_PORT: &str = "peer.port";
/// The request URL.
pub const HTTP_URL: &str = "http.url";
/// The request method, such as `GET`.
pub const HTTP_METHOD: &str = "http.method";
/// The response status code (an integer).
pub const HTTP_STATUS_CODE: &str = "http.status_code";
/// The database instance name.
pub const DATABASE_INSTANCE: &str = "db.instance";
/// The database statement.
pub const DATABASE_STATEMENT: &str = "db.statement";
/// The database type, such as `sql` or `redis`.
pub const DATABASE_TYPE: &str = "db.type";
/// The database user name.
pub const DATABASE_USER: &str = "db.user";
/// The message bus topic or queue.
pub const MESSAGE_BUS_DESTINATION: &str = "message_bus.destination";
