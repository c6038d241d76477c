//! One attempt's HTTP request: the webhook's URL and headers, the
//! delivery's `webhook-id` and timestamp, and its Standard Webhooks
//! signatures over the body the receiver reads.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE};
use hyper::Request;

use crate::deliver::unix_ms;
use crate::row::Delivery;
use crate::Webhook;

/// An error and its sources, `a: b: c`: hyper's own message alone ("client
/// error (Connect)") hides why.
pub(crate) fn causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// `plain` gives the body as signed (inflated) from the stored one.
pub(crate) fn build(
    hook: &Webhook,
    delivery: &Delivery,
    body: Bytes,
    plain: impl FnOnce(&Bytes) -> Bytes,
) -> Result<Request<Full<Bytes>>, hyper::http::Error> {
    let timestamp = unix_ms() / 1000;
    let mut request = Request::post(hook.url.as_str())
        .header(CONTENT_TYPE, "application/x-ndjson")
        .header("webhook-id", delivery.id.as_str())
        .header("webhook-timestamp", timestamp.to_string());
    if delivery.gzip {
        request = request.header(CONTENT_ENCODING, "gzip");
    }
    let secrets = hook.signing_secrets(timestamp);
    if !secrets.is_empty() {
        // Signed over the uncompressed body: what the receiver holds once its
        // HTTP stack has undone the gzip.
        let plain = plain(&body);
        let signatures: Vec<String> = secrets.iter().map(|s| s.sign(&delivery.id, timestamp, &plain)).collect();
        request = request.header("webhook-signature", signatures.join(" "));
    }
    if let Some(headers) = request.headers_mut() {
        for (name, value) in &hook.headers {
            if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
                headers.insert(name, value);
            }
        }
    }
    request.body(Full::new(body))
}
