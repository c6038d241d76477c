//! Tenant tokens: JWTs an application signs with one of its API keys' value,
//! carrying per-index search rules (a filter every search must also pass).
//! jsonwebtoken does all JWT parsing and checking; this module says which
//! claims Meilisearch reads and which rule applies to an index.

use std::collections::BTreeMap;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;
use task_model::pattern_matches;
use uuid::Uuid;

use crate::Error;

/// The claims Meilisearch reads; others are ignored. Field order matters:
/// a token missing both required claims names `searchRules`, as Meilisearch.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Claims {
    pub search_rules: SearchRules,
    pub exp: Option<i64>,
    pub api_key_uid: Uuid,
}

/// `searchRules`: a list of index patterns, or patterns mapped to `null` or
/// `{"filter": …}`. Patterns are not validated (Meilisearch does not either);
/// a rule of any other shape fails the token, as in Meilisearch.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SearchRules {
    Set(Vec<String>),
    Map(BTreeMap<String, Option<IndexRule>>),
}

/// One index's rule; other fields are ignored, as Meilisearch ignores them.
#[derive(Debug, Clone, Deserialize)]
pub struct IndexRule {
    filter: Option<Value>,
}

impl SearchRules {
    fn patterns(&self) -> Vec<&str> {
        match self {
            SearchRules::Set(list) => list.iter().map(String::as_str).collect(),
            SearchRules::Map(map) => map.keys().map(String::as_str).collect(),
        }
    }

    pub fn covers(&self, index: &str) -> bool {
        self.patterns().into_iter().any(|p| pattern_matches(p, index))
    }

    pub fn covers_all(&self) -> bool {
        self.patterns().contains(&"*")
    }

    /// The filter the most specific matching rule imposes: an exact name
    /// beats any pattern, a longer prefix a shorter one.
    pub fn filter(&self, index: &str) -> Option<&Value> {
        let SearchRules::Map(map) = self else { return None };
        let (_, rule) =
            map.iter().filter(|(p, _)| pattern_matches(p, index)).max_by_key(|(p, _)| (!p.ends_with('*'), p.len()))?;
        rule.as_ref()?.filter.as_ref().filter(|f| !f.is_null())
    }

    /// The patterns sorted, as Meilisearch's message lists them.
    pub(crate) fn sorted_patterns(&self) -> Vec<String> {
        let mut patterns: Vec<String> = self.patterns().into_iter().map(str::to_owned).collect();
        patterns.sort();
        patterns
    }
}

/// True when `token` has a JWT's shape (three dot-separated parts): only
/// then is it read as a tenant token rather than looked up as an API key.
pub(crate) fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

/// The claims, read before any key is known (they name the signing key).
pub(crate) fn unverified_claims(token: &str) -> Result<Claims, Error> {
    let mut validation = Validation::default();
    validation.insecure_disable_signature_validation();
    relax(&mut validation);
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&[]), &validation)
        .map(|data| data.claims)
        .map_err(decode_error)
}

/// Checks the signature against the parent key's value, with HS256, HS384
/// or HS512.
pub(crate) fn verify(token: &str, key_value: &str) -> Result<(), Error> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
    relax(&mut validation);
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(key_value.as_bytes()), &validation)
        .map(|_| ())
        .map_err(decode_error)
}

/// `exp` is optional and checked by the caller, without leeway; no other
/// registered claim is checked.
fn relax(validation: &mut Validation) {
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
}

fn decode_error(e: jsonwebtoken::errors::Error) -> Error {
    Error::TokenDecode(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(v: Value) -> SearchRules {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let r = rules(json!({"*": {"filter": "a = 1"}, "mov*": null, "movies": {"filter": "b = 2"}, "m*": {}}));
        assert_eq!(r.filter("movies"), Some(&json!("b = 2")));
        assert_eq!(r.filter("movies2"), None, "mov* (null) beats m* and *");
        assert_eq!(r.filter("other"), Some(&json!("a = 1")));
        assert!(r.covers("x") && r.covers_all());
        let set = rules(json!(["mov*", "books"]));
        assert!(set.covers("movies") && set.covers("books") && !set.covers("book") && set.filter("books").is_none());
        assert_eq!(set.sorted_patterns(), ["books", "mov*"]);
        // A rule that is neither null nor an object is no rule at all.
        for bad in [json!({"movies": "genre = x"}), json!({"movies": 5}), json!("movies")] {
            assert!(serde_json::from_value::<SearchRules>(bad.clone()).is_err(), "{bad}");
        }
        assert!(rules(json!({"movies": {"foo": 1}})).filter("movies").is_none());
    }

    #[test]
    fn claims_and_signatures() {
        use jsonwebtoken::{encode, EncodingKey, Header};
        let uid = Uuid::nil();
        let claims = json!({"searchRules": {"movies": {"filter": "id = 1"}}, "apiKeyUid": uid, "other": 1});
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let token = encode(&Header::new(alg), &claims, &EncodingKey::from_secret(b"value")).unwrap();
            assert!(looks_like_jwt(&token));
            assert_eq!(unverified_claims(&token).unwrap().api_key_uid, uid);
            verify(&token, "value").unwrap();
            assert_eq!(
                verify(&token, "other").unwrap_err().to_string(),
                "Could not decode tenant token, InvalidSignature."
            );
        }
        let missing = encode(&Header::default(), &json!({}), &EncodingKey::from_secret(b"v")).unwrap();
        assert_eq!(
            unverified_claims(&missing).unwrap_err().to_string(),
            "Could not decode tenant token, JSON error: missing field `searchRules` at line 1 column 2."
        );
        assert!(!looks_like_jwt("0123abcd"));
    }
}
