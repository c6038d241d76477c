//! A minimal webhook receiver: accepts meili-lite's (or Meilisearch's) task
//! webhook, gunzips the body, and prints each finished task.
//!
//! ```sh
//! cargo run -p meili-lite-webhook --example receiver -- 127.0.0.1:8000
//! meili-lite --task-webhook-url http://127.0.0.1:8000/tasks
//! ```

use std::convert::Infallible;
use std::io::Read;

use bytes::Bytes;
use flate2::read::GzDecoder;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;

async fn receive(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let gzipped = req.headers().get("content-encoding").is_some_and(|v| v == "gzip");
    let status = match req.into_body().collect().await {
        Err(_) => StatusCode::BAD_REQUEST,
        Ok(body) => {
            let body = body.to_bytes();
            let mut text = String::new();
            let read = if gzipped {
                GzDecoder::new(&body[..]).read_to_string(&mut text).map(drop)
            } else {
                String::from_utf8(body.to_vec()).map(|t| text = t).map_err(std::io::Error::other)
            };
            match read {
                Err(_) => StatusCode::BAD_REQUEST,
                Ok(()) => {
                    // One task per line; keys are flattened: `details.receivedDocuments`, `error.code`.
                    for line in text.lines() {
                        let Ok(task) = serde_json::from_str::<Value>(line) else {
                            return Ok(reply(StatusCode::BAD_REQUEST));
                        };
                        println!(
                            "task {} of batch {} {}: {}",
                            task["uid"], task["batchUid"], task["type"], task["status"]
                        );
                    }
                    StatusCode::NO_CONTENT
                }
            }
        }
    };
    Ok(reply(status))
}

fn reply(status: StatusCode) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = status;
    res
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8000".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("receiving task webhooks on http://{addr}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(receive);
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
