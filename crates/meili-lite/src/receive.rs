//! `meili-lite receive` and `meili-lite verify`: help for whoever writes a
//! webhook consumer, as `stripe listen` is for Stripe's.
//!
//! `receive` listens, answers each delivery (200, or `--status`), prints it
//! task by task (or as the payload's own NDJSON lines with `--json`), checks
//! its Standard Webhooks signature with `--secret` and says loudly when it
//! fails, and with `--forward` relays it unchanged to a local app and reports
//! the app's answer (which it then gives meili-lite, unless `--status` says
//! otherwise). `verify` checks one captured delivery offline.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Map, Value};
use webhook::SigningSecret;

#[derive(Debug, Parser)]
#[command(name = "meili-lite receive", about = "Receive meili-lite's webhook deliveries and show them")]
struct ReceiveArgs {
    /// Where to listen (port 0: any free port; the address is printed on stderr).
    #[arg(long, default_value = "127.0.0.1:7701")]
    listen: SocketAddr,
    /// The status to answer with (500, for instance, to see retries).
    #[arg(long, value_parser = clap::value_parser!(u16).range(100..=599))]
    status: Option<u16>,
    /// Print each task as the payload's own JSON line, and nothing else, on stdout.
    #[arg(long)]
    json: bool,
    /// Check each delivery's Standard Webhooks signature with this secret (`whsec_…`).
    #[arg(long, env = "MEILI_LITE_RECEIVE_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Relay each delivery unchanged to this URL and report its answer.
    #[arg(long)]
    forward: Option<url::Url>,
}

#[derive(Debug, Parser)]
#[command(name = "meili-lite verify", about = "Check the signature of one captured delivery")]
struct VerifyArgs {
    /// The webhook's signing secret (`whsec_…`).
    #[arg(long, env = "MEILI_LITE_RECEIVE_SECRET", hide_env_values = true)]
    secret: String,
    /// The delivery's headers, one `name: value` per line (a request line is skipped).
    #[arg(long)]
    headers: std::path::PathBuf,
    /// The delivery's body as received (gzip-compressed or not).
    #[arg(long)]
    body: std::path::PathBuf,
}

type Forwarder = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

struct Receiver {
    args: ReceiveArgs,
    secret: Option<SigningSecret>,
    client: Option<Forwarder>,
}

/// `meili-lite receive …`; `args` start after the subcommand's name.
pub(crate) fn receive(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let args = ReceiveArgs::parse_from(std::iter::once("meili-lite receive".into()).chain(args));
    let secret = match args.secret.as_deref().map(SigningSecret::parse).transpose() {
        Ok(secret) => secret,
        Err(e) => return fail(format!("--secret: {e}")),
    };
    let client = match args.forward.as_ref().map(|_| forwarder()).transpose() {
        Ok(client) => client,
        Err(e) => return fail(format!("--forward: {e}")),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(e.to_string()),
    };
    let receiver = Arc::new(Receiver { args, secret, client });
    match runtime.block_on(serve(receiver)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// `meili-lite verify …`: exit 0 when the signature holds, 1 otherwise.
pub(crate) fn verify(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let args = VerifyArgs::parse_from(std::iter::once("meili-lite verify".into()).chain(args));
    let secret = match SigningSecret::parse(&args.secret) {
        Ok(secret) => secret,
        Err(e) => return fail(format!("--secret: {e}")),
    };
    let read = |path: &std::path::Path| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()));
    let (headers, body) = match (read(&args.headers), read(&args.body)) {
        (Ok(h), Ok(b)) => (h, b),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let headers: Vec<(String, String)> = String::from_utf8_lossy(&headers)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    match check(&secret, header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"), &unzip(&body))
    {
        Signature::Valid => {
            println!("signature ok: delivery {}", header("webhook-id").unwrap_or_default());
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("SIGNATURE CHECK FAILED: {}", other.describe());
            ExitCode::FAILURE
        }
    }
}

fn fail(message: String) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

fn forwarder() -> Result<Forwarder, String> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| e.to_string())?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

async fn serve(receiver: Arc<Receiver>) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(receiver.args.listen).await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // On stderr, so that `--json` output is the payload's lines alone.
    eprintln!("Receiving webhook deliveries on: \"http://{addr}\"");
    loop {
        let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let receiver = Arc::clone(&receiver);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let receiver = Arc::clone(&receiver);
                async move { Ok::<_, Infallible>(receiver.handle(req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

impl Receiver {
    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        let raw = match http_body_util::Limited::new(body, LIMIT as usize).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return answer(StatusCode::PAYLOAD_TOO_LARGE),
        };
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let ndjson = unzip(&raw);
        let signature = match &self.secret {
            Some(secret) => {
                check(secret, header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"), &ndjson)
            }
            None => Signature::NotChecked,
        };
        let forwarded = match (&self.client, &self.args.forward) {
            (Some(client), Some(url)) => Some(forward(client, url, &parts.headers, raw.clone()).await),
            _ => None,
        };
        let status = self
            .args
            .status
            .or_else(|| forwarded.as_ref().map(|f| f.as_ref().map_or(502, |(s, _)| *s)))
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        let tasks: Vec<&[u8]> = ndjson.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
        if self.args.json {
            for line in &tasks {
                println!("{}", String::from_utf8_lossy(line));
            }
        } else {
            print_delivery(header("webhook-id").unwrap_or("(no webhook-id)"), &tasks, &signature, status);
            match &forwarded {
                Some(Ok((code, millis))) => println!(
                    "  forwarded to {}: {code} in {millis} ms",
                    self.args.forward.as_ref().map_or("", |u| u.as_str())
                ),
                Some(Err(e)) => println!("  forwarding FAILED: {e}"),
                None => {}
            }
        }
        if !matches!(signature, Signature::Valid | Signature::NotChecked) {
            eprintln!(
                "!!! SIGNATURE CHECK FAILED for delivery {}: {}",
                header("webhook-id").unwrap_or("(no webhook-id)"),
                signature.describe()
            );
        }
        answer(status)
    }
}

fn answer(status: StatusCode) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = status;
    res
}

/// The largest body taken, compressed or not (meili-lite's own payload
/// limit by default).
const LIMIT: u64 = 100_000_000;

/// The body as signed: gunzipped when it is gzip.
fn unzip(body: &[u8]) -> Vec<u8> {
    if body.starts_with(&[0x1f, 0x8b]) {
        webhook::payload::gunzip_at_most(body, LIMIT).unwrap_or_else(|_| body.to_vec())
    } else {
        body.to_vec()
    }
}

/// Relays the delivery as it came (its headers and its still-compressed
/// body); the app's status and the time it took.
async fn forward(client: &Forwarder, url: &url::Url, headers: &HeaderMap, body: Bytes) -> Result<(u16, u128), String> {
    let mut request = Request::post(url.as_str());
    for (name, value) in headers {
        if name != hyper::header::HOST && name != hyper::header::CONTENT_LENGTH {
            request = request.header(name, value);
        }
    }
    let request = request.body(Full::new(body)).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let response = client.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    Ok((status, started.elapsed().as_millis()))
}

/// What a signature check found.
enum Signature {
    Valid,
    NotChecked,
    Missing(&'static str),
    Invalid,
}

impl Signature {
    fn describe(&self) -> String {
        match self {
            Signature::Valid => "signature ok".into(),
            Signature::NotChecked => "signature not checked (no --secret)".into(),
            Signature::Missing(header) => format!("no valid `{header}` header"),
            Signature::Invalid => {
                "the signature does not match: the body, id or timestamp changed, or another secret signed it".into()
            }
        }
    }
}

fn check(
    secret: &SigningSecret,
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Signature {
    let Some(id) = id else { return Signature::Missing("webhook-id") };
    let Some(timestamp) = timestamp.and_then(|t| t.parse::<i64>().ok()) else {
        return Signature::Missing("webhook-timestamp");
    };
    let Some(signature) = signature else { return Signature::Missing("webhook-signature") };
    if secret.verify(id, timestamp, body, signature) {
        Signature::Valid
    } else {
        Signature::Invalid
    }
}

/// One delivery, task by task, for a person to read.
fn print_delivery(id: &str, tasks: &[&[u8]], signature: &Signature, status: StatusCode) {
    let plural = if tasks.len() == 1 { "" } else { "s" };
    println!("delivery {id}: {} task{plural}, {}, answered {}", tasks.len(), signature.describe(), status.as_u16());
    for line in tasks {
        let task: Map<String, Value> = serde_json::from_slice(line).unwrap_or_default();
        let field = |key: &str| match task.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => "-".into(),
            Some(other) => other.to_string(),
        };
        print!(
            "  task {} {} {} index={} batch={} duration={}",
            field("uid"),
            field("type"),
            field("status"),
            field("indexUid"),
            field("batchUid"),
            field("duration")
        );
        match task.get("error.message") {
            Some(Value::String(message)) => println!(" error={} ({message})", field("error.code")),
            _ => println!(),
        }
    }
}
