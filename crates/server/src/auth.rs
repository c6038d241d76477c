//! With a master key, every route but `/health` needs `Authorization: Bearer <key>`.

use hyper::header::AUTHORIZATION;
use hyper::HeaderMap;
use task_model::Code;

use crate::Error;

pub(crate) fn check(master_key: Option<&str>, headers: &HeaderMap) -> Result<(), Error> {
    let Some(key) = master_key else { return Ok(()) };
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(Error::new(
            Code::MissingAuthorizationHeader,
            "The Authorization header is missing. It must use the bearer authorization method.",
        ));
    };
    let given = value.as_bytes().strip_prefix(b"Bearer ").unwrap_or(b"");
    if constant_time_eq(given, key.as_bytes()) {
        Ok(())
    } else {
        Err(Error::new(Code::InvalidApiKey, "The provided API key is invalid."))
    }
}

/// Compares without an early exit, so timing does not reveal how much of a
/// guessed key was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    fn code(r: Result<(), Error>) -> Option<Code> {
        r.err().map(|e| e.response_error().code)
    }

    #[test]
    fn bearer_master_key() {
        assert_eq!(code(check(None, &headers(None))), None);
        assert_eq!(code(check(Some("k"), &headers(None))), Some(Code::MissingAuthorizationHeader));
        assert_eq!(code(check(Some("key"), &headers(Some("Bearer nope")))), Some(Code::InvalidApiKey));
        assert_eq!(code(check(Some("key"), &headers(Some("key")))), Some(Code::InvalidApiKey));
        assert_eq!(code(check(Some("key"), &headers(Some("Bearer key")))), None);
    }
}
