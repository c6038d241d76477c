//! `GET /`: the dashboard, one dependency-free page embedded in the binary
//! (`dashboard.html`, its own sources: no build step). It calls the public
//! API with the key typed into it, so it needs none to be served and shows
//! only what that key may see.

use hyper::header::HeaderValue;

use crate::http::Body;
use crate::router::Reply;

const PAGE: &str = include_str!("dashboard.html");

pub(crate) fn page() -> Reply {
    let mut res: hyper::Response<Body> =
        crate::http::whole(bytes::Bytes::from_static(PAGE.as_bytes()), "text/html; charset=utf-8");
    let headers = res.headers_mut();
    // Its own inline script and style, requests to this server only, never
    // framed by another site.
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    Ok(res)
}
