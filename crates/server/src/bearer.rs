//! The bearer credential of a request, read as Meilisearch reads it. What it
//! may do is the `auth` crate's decision.

use hyper::header::AUTHORIZATION;
use hyper::HeaderMap;

/// `Authorization: Bearer <token>` gives the token (possibly empty, which no
/// key matches); no header gives `None`; any other scheme is refused as a
/// missing header, master key or not, as Meilisearch does.
pub(crate) fn token(headers: &HeaderMap) -> Result<Option<&str>, auth::Error> {
    let Some(value) = headers.get(AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| auth::Error::InvalidApiKey)?;
    match value.split_once(' ') {
        Some(("Bearer", token)) => Ok(Some(token)),
        None if value == "Bearer" => Ok(Some("")),
        _ => Err(auth::Error::MissingAuthorizationHeader),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn read(auth: Option<&str>) -> Result<Option<String>, String> {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        token(&h).map(|t| t.map(str::to_owned)).map_err(|e| e.to_string())
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(read(None), Ok(None));
        assert_eq!(read(Some("Bearer key")), Ok(Some("key".into())));
        assert_eq!(read(Some("Bearer")), Ok(Some("".into())));
        assert_eq!(read(Some("Bearer  key")), Ok(Some(" key".into())));
        for refused in ["key", "bearer key", "Basic a2V5"] {
            assert!(read(Some(refused)).unwrap_err().starts_with("The Authorization header is missing"), "{refused}");
        }
    }
}
