//! The OpenAPI 3.1 description of the API, served at `GET /openapi.json` and
//! committed as `docs/openapi.json` (a test fails when they differ).
//!
//! Built with utoipa's builders from [`ROUTES`], one entry per route the
//! router answers, and from the settings table for the settings sub-routes.
//! The e2e test `tests/tests/openapi.rs` sends a request to every operation
//! described here and checks the router knows it, and checks that every
//! route the authorization test exercises is described.
//!
//! Query parameters and body fields are the handlers' own lists (the ones
//! their readers accept, refusing any other), so they cannot drift; a field's
//! value is left untyped: the readers check values with Meilisearch's
//! messages, and typed schemas here would be a second description of them.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, ObjectBuilder, OpenApiBuilder, PathsBuilder, Ref, Required,
    ResponseBuilder, Schema, Type,
};

/// One route: what the router matches and what a client needs to call it.
pub(crate) struct Route {
    pub method: &'static str,
    /// With `{name}` for path parameters.
    pub path: &'static str,
    /// The action a key needs (`None`: open to all).
    pub action: Option<&'static str>,
    pub summary: &'static str,
    /// Query parameters, in groups (a route's own, and shared ones).
    pub query: &'static [&'static [&'static str]],
    pub body: Body,
    pub answer: Answer,
    /// A meili-lite extension, not in Meilisearch's API.
    pub extension: bool,
}

#[derive(Clone, Copy)]
pub(crate) enum Body {
    None,
    Object,
    /// An object of these fields, in groups (its reader refuses any other).
    Fields(&'static [&'static [&'static str]]),
    /// An array of such objects.
    ArrayOf(&'static [&'static str]),
    /// Index settings, by their keys.
    Settings,
    /// One setting's value: whatever JSON it takes.
    Any,
    Array,
    /// JSON array or object, NDJSON or CSV.
    Documents,
}

#[derive(Clone, Copy)]
pub(crate) enum Answer {
    /// 200 with a JSON value.
    Json,
    /// 201 with a JSON object.
    Created,
    /// 202 with the summary of the task enqueued.
    Task,
    /// 200 with the summary of the task enqueued (task cancelation and
    /// deletion, as Meilisearch answers them).
    TaskOk,
    NoContent,
    /// 200 with text of this media type.
    Text(&'static str),
}

// The handlers' own lists, so that the description follows them.
const PAGE: &[&str] = crate::params::PAGE_PARAMS;
const TASK: &[&str] = crate::routes::TASK_PARAMS;
const SIZES: &[&str] = crate::routes::meta::StatsOptions::PARAMS;
const TASK_FILTERS: &[&[&str]] = &[crate::params::FILTER_PARAMS];
const TASK_LIST: &[&[&str]] = &[crate::params::FILTER_PARAMS, crate::routes::tasks::PAGING_PARAMS];
const SEARCH: &[&str] = crate::routes::search::params::QUERY_PARAMS;
const DOCUMENTS: &[&[&str]] = &[crate::routes::documents::ADD_PARAMS, TASK];

const fn route(method: &'static str, path: &'static str, action: &'static str, summary: &'static str) -> Route {
    Route {
        method,
        path,
        action: Some(action),
        summary,
        query: &[],
        body: Body::None,
        answer: Answer::Json,
        extension: false,
    }
}

const fn task(method: &'static str, path: &'static str, action: &'static str, summary: &'static str) -> Route {
    Route { query: &[TASK], answer: Answer::Task, ..route(method, path, action, summary) }
}

/// Every route but the settings sub-routes (made from the settings table).
pub(crate) const ROUTES: &[Route] = &[
    Route {
        action: None,
        answer: Answer::Text("text/html"),
        extension: true,
        ..route("get", "/", "", "The dashboard (off with --no-dashboard and in production)")
    },
    Route { action: None, ..route("get", "/health", "", "Whether the server is up") },
    Route {
        action: None,
        answer: Answer::Text("application/json"),
        ..route("get", "/openapi.json", "", "This description")
    },
    route("get", "/version", "version", "The version"),
    Route { query: &[SIZES], ..route("get", "/stats", "stats.get", "Database and index statistics") },
    Route {
        answer: Answer::Text("text/plain"),
        ..route("get", "/metrics", "metrics.get", "Prometheus metrics (the `metrics` experimental feature)")
    },
    Route {
        body: Body::Fields(&[crate::routes::logs::STREAM_FIELDS]),
        answer: Answer::Text("text/plain"),
        ..route("post", "/logs/stream", "metrics.get", "A live stream of log lines (the `logsRoute` feature)")
    },
    Route { answer: Answer::NoContent, ..route("delete", "/logs/stream", "metrics.get", "Ends the log stream") },
    Route {
        body: Body::Fields(&[crate::routes::logs::STDERR_FIELDS]),
        answer: Answer::NoContent,
        ..route("post", "/logs/stderr", "metrics.get", "Which log lines reach stderr")
    },
    task("post", "/dumps", "dumps.create", "Writes a dump"),
    task("post", "/snapshots", "snapshots.create", "Writes a snapshot"),
    route("get", "/experimental-features", "experimental.get", "The experimental features"),
    Route {
        body: Body::Fields(&[crate::FLAGS]),
        ..route("patch", "/experimental-features", "experimental.update", "Turns experimental features on or off")
    },
    Route { query: &[PAGE], ..route("get", "/keys", "keys.get", "API keys") },
    Route {
        body: Body::Fields(&[crate::routes::keys::CREATE_FIELDS]),
        answer: Answer::Created,
        ..route("post", "/keys", "keys.create", "Creates an API key")
    },
    route("get", "/keys/{key}", "keys.get", "One API key, by uid or value"),
    Route {
        body: Body::Fields(&[crate::routes::keys::MUTABLE_FIELDS]),
        ..route("patch", "/keys/{key}", "keys.update", "Renames or describes an API key")
    },
    Route { answer: Answer::NoContent, ..route("delete", "/keys/{key}", "keys.delete", "Deletes an API key") },
    Route {
        body: Body::ArrayOf(crate::routes::indexes::SWAP_FIELDS),
        ..task("post", "/swap-indexes", "indexes.swap", "Swaps or renames indexes")
    },
    Route { query: &[PAGE], ..route("get", "/indexes", "indexes.get", "Indexes") },
    Route {
        body: Body::Fields(&[crate::routes::indexes::CREATE_FIELDS]),
        ..task("post", "/indexes", "indexes.create", "Creates an index")
    },
    route("get", "/indexes/{indexUid}", "indexes.get", "One index"),
    Route {
        body: Body::Fields(&[crate::routes::indexes::UPDATE_FIELDS]),
        ..task("patch", "/indexes/{indexUid}", "indexes.update", "Sets the primary key or renames the index")
    },
    task("delete", "/indexes/{indexUid}", "indexes.delete", "Deletes an index"),
    Route { query: &[SIZES], ..route("get", "/indexes/{indexUid}/stats", "stats.get", "One index's statistics") },
    Route {
        body: Body::Fields(&[crate::routes::fields::BODY_FIELDS]),
        ..route("post", "/indexes/{indexUid}/fields", "fields.post", "Every attribute and what the settings make of it")
    },
    task("post", "/indexes/{indexUid}/compact", "indexes.compact", "Merges the index's search structures"),
    route("get", "/indexes/{indexUid}/settings", "settings.get", "All settings"),
    Route {
        body: Body::Settings,
        ..task("patch", "/indexes/{indexUid}/settings", "settings.update", "Changes settings")
    },
    task("delete", "/indexes/{indexUid}/settings", "settings.update", "Resets every setting"),
    Route { query: &[SEARCH], ..route("get", "/indexes/{indexUid}/search", "search", "Searches the index") },
    Route {
        body: Body::Fields(&[crate::routes::search::params::BODY_FIELDS]),
        ..route("post", "/indexes/{indexUid}/search", "search", "Searches the index")
    },
    Route {
        body: Body::Fields(&[crate::routes::search::facet::FACET_FIELDS, crate::routes::search::params::BODY_FIELDS]),
        ..route("post", "/indexes/{indexUid}/facet-search", "search", "Searches a facet's values")
    },
    Route {
        body: Body::Fields(&[crate::routes::search::multi::MULTI_FIELDS]),
        ..route("post", "/multi-search", "search", "Several searches, or one federated list")
    },
    Route {
        query: &[crate::routes::documents::READ_FIELDS],
        ..route("get", "/indexes/{indexUid}/documents", "documents.get", "Documents")
    },
    Route {
        query: DOCUMENTS,
        body: Body::Documents,
        ..task("post", "/indexes/{indexUid}/documents", "documents.add", "Adds or replaces documents")
    },
    Route {
        query: DOCUMENTS,
        body: Body::Documents,
        ..task("put", "/indexes/{indexUid}/documents", "documents.add", "Adds or updates documents")
    },
    task("delete", "/indexes/{indexUid}/documents", "documents.delete", "Deletes every document"),
    Route {
        body: Body::Fields(&[crate::routes::documents::READ_FIELDS]),
        ..route("post", "/indexes/{indexUid}/documents/fetch", "documents.get", "Documents, by a body")
    },
    Route {
        body: Body::Array,
        ..task("post", "/indexes/{indexUid}/documents/delete-batch", "documents.delete", "Deletes documents by id")
    },
    Route {
        body: Body::Fields(&[crate::routes::documents::DELETE_FIELDS]),
        ..task(
            "post",
            "/indexes/{indexUid}/documents/delete",
            "documents.delete",
            "Deletes the documents a filter selects",
        )
    },
    Route {
        query: &[crate::routes::documents::ONE_PARAMS],
        ..route("get", "/indexes/{indexUid}/documents/{documentId}", "documents.get", "One document")
    },
    task("delete", "/indexes/{indexUid}/documents/{documentId}", "documents.delete", "Deletes one document"),
    Route { extension: true, ..route("get", "/indexes/{indexUid}/staging", "staging.get", "What is staged") },
    Route {
        extension: true,
        answer: Answer::NoContent,
        ..route("delete", "/indexes/{indexUid}/staging", "staging.update", "Discards what is staged")
    },
    Route {
        extension: true,
        query: &[crate::routes::staging::SNAPSHOT_PARAMS],
        body: Body::Documents,
        ..route("post", "/indexes/{indexUid}/staging/snapshot", "staging.update", "Stages a full replacement")
    },
    Route {
        extension: true,
        body: Body::Fields(&[crate::routes::staging::NOTIFY_FIELDS]),
        ..route("post", "/indexes/{indexUid}/staging/notify", "staging.update", "Stages upserts and removals")
    },
    Route { extension: true, ..task("post", "/indexes/{indexUid}/deploy", "staging.deploy", "Applies what is staged") },
    Route { query: TASK_LIST, ..route("get", "/tasks", "tasks.get", "Tasks") },
    Route {
        query: TASK_FILTERS,
        answer: Answer::TaskOk,
        ..route("delete", "/tasks", "tasks.delete", "Deletes the tasks the filters select")
    },
    Route {
        query: TASK_FILTERS,
        answer: Answer::TaskOk,
        ..route("post", "/tasks/cancel", "tasks.cancel", "Cancels the tasks the filters select")
    },
    route("get", "/tasks/{taskUid}", "tasks.get", "One task"),
    Route { query: TASK_LIST, ..route("get", "/batches", "tasks.get", "Batches") },
    route("get", "/batches/{batchUid}", "tasks.get", "One batch"),
    route("get", "/webhooks", "webhooks.get", "Webhooks"),
    Route {
        body: Body::Object,
        answer: Answer::Created,
        ..route("post", "/webhooks", "webhooks.create", "Creates a webhook")
    },
    route("get", "/webhooks/{uuid}", "webhooks.get", "One webhook, with its health"),
    Route { body: Body::Object, ..route("patch", "/webhooks/{uuid}", "webhooks.update", "Changes a webhook") },
    Route { answer: Answer::NoContent, ..route("delete", "/webhooks/{uuid}", "webhooks.delete", "Deletes a webhook") },
    Route {
        extension: true,
        query: &[crate::routes::webhooks::DELIVERIES_PARAMS],
        ..route("get", "/webhooks/{uuid}/deliveries", "deliveries.get", "A webhook's deliveries")
    },
    Route {
        extension: true,
        answer: Answer::Created,
        ..route("post", "/webhooks/{uuid}/deliveries/{deliveryId}/retry", "deliveries.retry", "Sends a delivery again")
    },
    Route {
        extension: true,
        body: Body::Fields(&[crate::routes::webhooks::RECOVER_FIELDS]),
        ..route("post", "/webhooks/{uuid}/recover", "deliveries.retry", "Sends failed deliveries again")
    },
];

/// The document, as `GET /openapi.json` answers it.
pub(crate) fn document() -> &'static str {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> String {
    let mut paths = PathsBuilder::new();
    for r in ROUTES {
        paths = paths.path(r.path, PathItem::new(method(r.method), operation(r, r.path)));
    }
    for s in crate::settings::SETTINGS.iter().filter(|s| s.listed) {
        let path = format!("/indexes/{{indexUid}}/settings/{}", s.route);
        let summary = "One setting";
        let change = if s.patch { "patch" } else { "put" };
        for r in [
            route("get", "", "settings.get", summary),
            Route { body: Body::Any, ..task(change, "", "settings.update", summary) },
            task("delete", "", "settings.update", summary),
        ] {
            paths = paths.path(path.clone(), PathItem::new(method(r.method), operation(&r, &path)));
        }
    }
    let components = ComponentsBuilder::new()
        .schema("Error", error_schema())
        .schema("EnqueuedTask", task_schema())
        .security_scheme("Bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()))
        .build();
    let info = InfoBuilder::new()
        .title("meili-lite")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some("Meilisearch's HTTP API, and meili-lite's extensions (marked `x-meili-lite`)."))
        .build();
    let api = OpenApiBuilder::new().info(info).paths(paths.build()).components(Some(components)).build();
    api.to_pretty_json().unwrap_or_default() + "\n"
}

fn method(m: &str) -> HttpMethod {
    match m {
        "get" => HttpMethod::Get,
        "post" => HttpMethod::Post,
        "put" => HttpMethod::Put,
        "patch" => HttpMethod::Patch,
        _ => HttpMethod::Delete,
    }
}

/// `r`'s operation at `path`.
fn operation(r: &Route, path: &str) -> utoipa::openapi::path::Operation {
    let mut op = OperationBuilder::new().summary(Some(r.summary)).operation_id(Some(format!("{} {path}", r.method)));
    for name in path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')) {
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(string())),
        );
    }
    for name in r.query.iter().copied().flatten() {
        op = op.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .schema(Some(string())),
        );
    }
    let json_of = |schema: Schema| ContentBuilder::new().schema(Some(schema)).build();
    let body = match r.body {
        Body::None => None,
        Body::Object => Some(RequestBodyBuilder::new().content("application/json", json_of(of_type(Type::Object)))),
        Body::Fields(groups) => {
            let fields: Vec<&str> = groups.iter().copied().flatten().copied().collect();
            Some(RequestBodyBuilder::new().content("application/json", json_of(closed(&fields))))
        }
        Body::ArrayOf(fields) => {
            let items = ArrayBuilder::new().items(closed_object(fields)).build();
            Some(RequestBodyBuilder::new().content("application/json", json_of(Schema::Array(items))))
        }
        Body::Settings => {
            let keys: Vec<&str> = crate::settings::SETTINGS.iter().filter(|s| s.listed).map(|s| s.key).collect();
            Some(RequestBodyBuilder::new().content("application/json", json_of(closed(&keys))))
        }
        Body::Any => Some(RequestBodyBuilder::new().content("application/json", json_of(any()))),
        Body::Array => Some(RequestBodyBuilder::new().content("application/json", json_of(of_type(Type::Array)))),
        Body::Documents => Some(
            RequestBodyBuilder::new()
                .content("application/json", json_of(any()))
                .content("application/x-ndjson", json_of(string()))
                .content("text/csv", json_of(string())),
        ),
    };
    if let Some(body) = body {
        op = op.request_body(Some(body.required(Some(Required::True)).build()));
    }
    let (status, response) = match r.answer {
        Answer::Json => {
            ("200", ResponseBuilder::new().description("OK").content("application/json", ContentBuilder::new().build()))
        }
        Answer::Created => (
            "201",
            ResponseBuilder::new().description("Created").content("application/json", json_of(of_type(Type::Object))),
        ),
        Answer::Task => (
            "202",
            ResponseBuilder::new().description("The task, enqueued (on disk)").content(
                "application/json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("EnqueuedTask"))).build(),
            ),
        ),
        Answer::TaskOk => (
            "200",
            ResponseBuilder::new().description("The task, enqueued (on disk)").content(
                "application/json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("EnqueuedTask"))).build(),
            ),
        ),
        Answer::NoContent => ("204", ResponseBuilder::new().description("Done")),
        Answer::Text(media) => {
            ("200", ResponseBuilder::new().description("OK").content(media, ContentBuilder::new().build()))
        }
    };
    op = op.response(status, response.build());
    let error = ContentBuilder::new().schema(Some(Ref::from_schema_name("Error"))).build();
    op = op.response(
        "4XX",
        ResponseBuilder::new().description("Meilisearch's error object").content("application/json", error).build(),
    );
    if let Some(action) = r.action {
        op = op.security(SecurityRequirement::new("Bearer", [action]));
    }
    if r.extension {
        op = op
            .extensions(Some(utoipa::openapi::extensions::ExtensionsBuilder::new().add("x-meili-lite", true).build()));
    }
    op.build()
}

/// An object of these fields, each any JSON value, and no other.
fn closed(fields: &[&str]) -> Schema {
    Schema::Object(closed_object(fields))
}

fn closed_object(fields: &[&str]) -> utoipa::openapi::schema::Object {
    let mut o = ObjectBuilder::new().schema_type(Type::Object);
    for name in fields {
        o = o.property(*name, any());
    }
    o.additional_properties(Some(AdditionalProperties::FreeForm(false))).build()
}

/// Any JSON value: no constraint at all.
fn any() -> Schema {
    Schema::Object(ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::AnyValue).build())
}

fn string() -> Schema {
    of_type(Type::String)
}

fn of_type(t: Type) -> Schema {
    Schema::Object(ObjectBuilder::new().schema_type(t).build())
}

fn object(fields: &[(&str, Type)], required: &[&str]) -> Schema {
    let mut o = ObjectBuilder::new().schema_type(Type::Object);
    for (name, t) in fields {
        o = o.property(*name, ObjectBuilder::new().schema_type(t.clone()));
    }
    for name in required {
        o = o.required(*name);
    }
    Schema::Object(o.build())
}

fn error_schema() -> Schema {
    let fields = [("message", Type::String), ("code", Type::String), ("type", Type::String), ("link", Type::String)];
    object(&fields, &["message", "code", "type", "link"])
}

fn task_schema() -> Schema {
    let fields =
        [("taskUid", Type::Integer), ("status", Type::String), ("type", Type::String), ("enqueuedAt", Type::String)];
    object(&fields, &["taskUid", "status", "type", "enqueuedAt"])
}

#[cfg(test)]
mod tests {
    /// `docs/openapi.json` is what the code describes; refresh it with
    /// `UPDATE_OPENAPI=1 cargo test -p meili-lite-server openapi`.
    #[test]
    fn the_committed_openapi_json_is_what_the_code_describes() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
        let generated = super::document();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == *generated,
            "docs/openapi.json differs from the code's description: run \
             `UPDATE_OPENAPI=1 cargo test -p meili-lite-server openapi` and commit it"
        );
        let doc: serde_json::Value = serde_json::from_str(generated).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
    }
}
