//! The Meilisearch error object, `{"message","code","type","link"}`, and the
//! codes meili-lite answers with. Each code knows its HTTP status and error type,
//! so there is exactly one place that decides them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The `type` of an error object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    InvalidRequest,
    Internal,
    Auth,
    System,
}

macro_rules! codes {
    ($($variant:ident = $status:literal $ty:ident,)*) => {
        /// A Meilisearch error code. Serializes as its snake_case name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Code { $($variant,)* }

        impl Code {
            /// The HTTP status this error is answered with.
            pub fn http_status(self) -> u16 {
                match self { $(Code::$variant => $status,)* }
            }
            pub fn error_type(self) -> ErrorType {
                match self { $(Code::$variant => ErrorType::$ty,)* }
            }
        }
    };
}

codes! {
    // Request shape.
    BadRequest = 400 InvalidRequest,
    MalformedPayload = 400 InvalidRequest,
    MissingPayload = 400 InvalidRequest,
    PayloadTooLarge = 413 InvalidRequest,
    InvalidContentType = 415 InvalidRequest,
    MissingContentType = 415 InvalidRequest,
    NotFound = 404 InvalidRequest,
    MethodNotAllowed = 405 InvalidRequest,
    // Auth.
    MissingAuthorizationHeader = 401 Auth,
    InvalidApiKey = 403 Auth,
    MissingMasterKey = 401 Auth,
    // API keys.
    ApiKeyNotFound = 404 InvalidRequest,
    ApiKeyAlreadyExists = 409 InvalidRequest,
    IndexScopedApiKeyWithGlobalAction = 400 InvalidRequest,
    InvalidApiKeyActions = 400 InvalidRequest,
    InvalidApiKeyIndexes = 400 InvalidRequest,
    InvalidApiKeyExpiresAt = 400 InvalidRequest,
    InvalidApiKeyDescription = 400 InvalidRequest,
    InvalidApiKeyName = 400 InvalidRequest,
    InvalidApiKeyUid = 400 InvalidRequest,
    InvalidApiKeyOffset = 400 InvalidRequest,
    InvalidApiKeyLimit = 400 InvalidRequest,
    MissingApiKeyActions = 400 InvalidRequest,
    MissingApiKeyIndexes = 400 InvalidRequest,
    MissingApiKeyExpiresAt = 400 InvalidRequest,
    ImmutableApiKeyUid = 400 InvalidRequest,
    ImmutableApiKeyActions = 400 InvalidRequest,
    ImmutableApiKeyIndexes = 400 InvalidRequest,
    ImmutableApiKeyExpiresAt = 400 InvalidRequest,
    ImmutableApiKeyCreatedAt = 400 InvalidRequest,
    ImmutableApiKeyUpdatedAt = 400 InvalidRequest,
    // Indexes.
    IndexNotFound = 404 InvalidRequest,
    IndexAlreadyExists = 409 InvalidRequest,
    InvalidIndexUid = 400 InvalidRequest,
    MissingIndexUid = 400 InvalidRequest,
    InvalidIndexPrimaryKey = 400 InvalidRequest,
    InvalidIndexLimit = 400 InvalidRequest,
    InvalidIndexOffset = 400 InvalidRequest,
    InvalidIndexFieldsFilter = 400 InvalidRequest,
    InvalidIndexFieldsFilterAttributePatterns = 400 InvalidRequest,
    InvalidIndexFieldsFilterDisplayed = 400 InvalidRequest,
    InvalidIndexFieldsFilterSearchable = 400 InvalidRequest,
    InvalidIndexFieldsFilterSortable = 400 InvalidRequest,
    InvalidIndexFieldsFilterDistinct = 400 InvalidRequest,
    InvalidIndexFieldsFilterRankingRule = 400 InvalidRequest,
    InvalidIndexFieldsFilterFilterable = 400 InvalidRequest,
    IndexPrimaryKeyAlreadyExists = 400 InvalidRequest,
    IndexPrimaryKeyNoCandidateFound = 400 InvalidRequest,
    IndexPrimaryKeyMultipleCandidatesFound = 400 InvalidRequest,
    InvalidSwapIndexes = 400 InvalidRequest,
    InvalidSwapRename = 400 InvalidRequest,
    InvalidSwapDuplicateIndexFound = 400 InvalidRequest,
    InvalidSettingsBody = 400 InvalidRequest,
    // Settings: one code per setting, as Meilisearch has.
    InvalidSettingsDisplayedAttributes = 400 InvalidRequest,
    InvalidSettingsSearchableAttributes = 400 InvalidRequest,
    InvalidSettingsFilterableAttributes = 400 InvalidRequest,
    InvalidSettingsSortableAttributes = 400 InvalidRequest,
    InvalidSettingsForeignKeys = 400 InvalidRequest,
    InvalidSettingsRankingRules = 400 InvalidRequest,
    InvalidSettingsStopWords = 400 InvalidRequest,
    InvalidSettingsNonSeparatorTokens = 400 InvalidRequest,
    InvalidSettingsSeparatorTokens = 400 InvalidRequest,
    InvalidSettingsDictionary = 400 InvalidRequest,
    InvalidSettingsSynonyms = 400 InvalidRequest,
    InvalidSettingsDistinctAttribute = 400 InvalidRequest,
    InvalidSettingsProximityPrecision = 400 InvalidRequest,
    InvalidSettingsTypoTolerance = 400 InvalidRequest,
    InvalidSettingsFaceting = 400 InvalidRequest,
    InvalidSettingsPagination = 400 InvalidRequest,
    InvalidSettingsEmbedders = 400 InvalidRequest,
    InvalidSettingsSearchCutoffMs = 400 InvalidRequest,
    InvalidSettingsLocalizedAttributes = 400 InvalidRequest,
    InvalidSettingsFacetSearch = 400 InvalidRequest,
    InvalidSettingsPrefixSearch = 400 InvalidRequest,
    InvalidSettingsIndexChat = 400 InvalidRequest,
    FeatureNotEnabled = 400 InvalidRequest,
    // Documents.
    MissingDocumentId = 400 InvalidRequest,
    InvalidDocumentId = 400 InvalidRequest,
    DocumentNotFound = 404 InvalidRequest,
    InvalidDocumentFields = 400 InvalidRequest,
    InvalidDocumentLimit = 400 InvalidRequest,
    InvalidDocumentOffset = 400 InvalidRequest,
    InvalidDocumentIds = 400 InvalidRequest,
    InvalidDocumentCsvDelimiter = 400 InvalidRequest,
    InvalidSkipCreation = 400 InvalidRequest,
    InvalidDocumentFilter = 400 InvalidRequest,
    MissingDocumentFilter = 400 InvalidRequest,
    InvalidDocumentSort = 400 InvalidRequest,
    // Search.
    InvalidSearchQ = 400 InvalidRequest,
    InvalidSearchOffset = 400 InvalidRequest,
    InvalidSearchLimit = 400 InvalidRequest,
    InvalidSearchPage = 400 InvalidRequest,
    InvalidSearchHitsPerPage = 400 InvalidRequest,
    InvalidSearchAttributesToRetrieve = 400 InvalidRequest,
    InvalidSearchAttributesToCrop = 400 InvalidRequest,
    InvalidSearchCropLength = 400 InvalidRequest,
    InvalidSearchCropMarker = 400 InvalidRequest,
    InvalidSearchAttributesToHighlight = 400 InvalidRequest,
    InvalidSearchHighlightPreTag = 400 InvalidRequest,
    InvalidSearchHighlightPostTag = 400 InvalidRequest,
    InvalidSearchShowMatchesPosition = 400 InvalidRequest,
    InvalidSearchShowRankingScore = 400 InvalidRequest,
    InvalidSearchShowRankingScoreDetails = 400 InvalidRequest,
    InvalidSearchShowPerformanceDetails = 400 InvalidRequest,
    InvalidSearchFilter = 400 InvalidRequest,
    InvalidSearchSort = 400 InvalidRequest,
    InvalidSearchDistinct = 400 InvalidRequest,
    InvalidSearchFacets = 400 InvalidRequest,
    InvalidSearchMatchingStrategy = 400 InvalidRequest,
    InvalidSearchAttributesToSearchOn = 400 InvalidRequest,
    InvalidSearchRankingScoreThreshold = 400 InvalidRequest,
    InvalidSearchLocales = 400 InvalidRequest,
    InvalidSearchEmbedder = 400 InvalidRequest,
    InvalidSearchVector = 400 InvalidRequest,
    InvalidSearchRetrieveVectors = 400 InvalidRequest,
    InvalidSearchMedia = 400 InvalidRequest,
    InvalidSearchPersonalize = 400 InvalidRequest,
    InvalidSearchUseNetwork = 400 InvalidRequest,
    MissingSearchHybrid = 400 InvalidRequest,
    InvalidMultiSearchQueryFederated = 400 InvalidRequest,
    InvalidMultiSearchFederated = 400 InvalidRequest,
    InvalidMultiSearchFederationOptions = 400 InvalidRequest,
    InvalidMultiSearchWeight = 400 InvalidRequest,
    InvalidMultiSearchQueryPagination = 400 InvalidRequest,
    InvalidMultiSearchQueryFacets = 400 InvalidRequest,
    InvalidFacetSearchFacetName = 400 InvalidRequest,
    InvalidFacetSearchFacetQuery = 400 InvalidRequest,
    MissingFacetSearchFacetName = 400 InvalidRequest,
    FacetSearchDisabled = 400 InvalidRequest,
    InvalidMultiSearchQueries = 400 InvalidRequest,
    InvalidMultiSearchQueryPosition = 400 InvalidRequest,
    TooManySearchRequests = 503 System,
    // Tasks and batches.
    TaskNotFound = 404 InvalidRequest,
    BatchNotFound = 404 InvalidRequest,
    MissingTaskFilters = 400 InvalidRequest,
    InvalidTaskUids = 400 InvalidRequest,
    InvalidTaskBatchUids = 400 InvalidRequest,
    InvalidTaskIndexUids = 400 InvalidRequest,
    InvalidTaskTypes = 400 InvalidRequest,
    InvalidTaskStatuses = 400 InvalidRequest,
    InvalidTaskCanceledBy = 400 InvalidRequest,
    InvalidTaskLimit = 400 InvalidRequest,
    InvalidTaskFrom = 400 InvalidRequest,
    InvalidTaskReverse = 400 InvalidRequest,
    InvalidTaskBeforeEnqueuedAt = 400 InvalidRequest,
    InvalidTaskAfterEnqueuedAt = 400 InvalidRequest,
    InvalidTaskBeforeStartedAt = 400 InvalidRequest,
    InvalidTaskAfterStartedAt = 400 InvalidRequest,
    InvalidTaskBeforeFinishedAt = 400 InvalidRequest,
    InvalidTaskAfterFinishedAt = 400 InvalidRequest,
    InvalidBatchUids = 400 InvalidRequest,
    InvalidBatchLimit = 400 InvalidRequest,
    InvalidBatchFrom = 400 InvalidRequest,
    MissingSwapIndexes = 400 InvalidRequest,
    // Staged ingestion (meili-lite).
    InvalidStagingUpsert = 400 InvalidRequest,
    InvalidStagingRemove = 400 InvalidRequest,
    // Webhooks.
    WebhookNotFound = 404 InvalidRequest,
    WebhookDeliveryNotFound = 404 InvalidRequest,
    InvalidWebhookUuid = 400 InvalidRequest,
    InvalidWebhookUrl = 400 InvalidRequest,
    InvalidWebhookHeaders = 400 InvalidRequest,
    InvalidWebhooks = 400 InvalidRequest,
    ImmutableWebhook = 400 InvalidRequest,
    ImmutableWebhookUuid = 400 InvalidRequest,
    ImmutableWebhookIsEditable = 400 InvalidRequest,
    InvalidWebhookSigningSecret = 400 InvalidRequest,
    InvalidWebhookFilter = 400 InvalidRequest,
    InvalidWebhookPayload = 400 InvalidRequest,
    // System.
    NoSpaceLeftOnDevice = 500 System,
    InvalidStatsShowInternalDatabaseSizes = 400 InvalidRequest,
    InvalidStatsSizeFormat = 400 InvalidRequest,
    DumpProcessFailed = 500 Internal,
    IoError = 500 System,
    Internal = 500 Internal,
}

impl Code {
    /// The snake_case name, as in the `code` field.
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s,
            _ => unreachable!("Code always serializes to a string"),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// How Meilisearch names the type of a JSON value in its messages
/// ("expected a string, but found a positive integer").
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_u64() => "a positive integer",
        Value::Number(n) if n.is_i64() => "a negative integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The error object of every error response, and of a failed task's `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseError {
    pub message: String,
    pub code: Code,
    #[serde(rename = "type")]
    pub error_type: ErrorType,
    pub link: String,
}

impl ResponseError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code,
            error_type: code.error_type(),
            link: format!("https://docs.meilisearch.com/errors#{}", code.name()),
        }
    }

    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ResponseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_meilisearch_error_object() {
        let e = ResponseError::new(Code::IndexNotFound, "Index `movie` not found.");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"message":"Index `movie` not found.","code":"index_not_found","type":"invalid_request","link":"https://docs.meilisearch.com/errors#index_not_found"}"#
        );
        assert_eq!(e.http_status(), 404);
        let back: ResponseError = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn auth_codes_have_auth_type_and_statuses() {
        assert_eq!(Code::MissingAuthorizationHeader.http_status(), 401);
        assert_eq!(Code::InvalidApiKey.http_status(), 403);
        assert_eq!(Code::InvalidApiKey.error_type(), ErrorType::Auth);
        assert_eq!(Code::PayloadTooLarge.name(), "payload_too_large");
    }
}
