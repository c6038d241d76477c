//! Standard Webhooks signatures.
//!
//! `webhook-signature: v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>`,
//! where `key` is the base64 after `whsec_` in the secret, and `body` is the
//! **uncompressed** NDJSON (what a receiver has once its HTTP stack has undone
//! `Content-Encoding: gzip`). With several secrets (during a rotation), the
//! signatures are space-separated and a receiver accepts any of them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::Error;

const PREFIX: &str = "whsec_";

/// A signing secret, `whsec_` + base64 of the key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(Vec<u8>);

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret([redacted])")
    }
}

impl SigningSecret {
    /// 32 random bytes.
    pub fn generate() -> Result<Self, Error> {
        let mut key = vec![0; 32];
        getrandom::fill(&mut key).map_err(|e| Error::Randomness(e.to_string()))?;
        Ok(Self(key))
    }

    /// `whsec_` + base64 of 24 to 64 bytes.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let invalid = || Error::BadBody {
            code: task_model::Code::InvalidWebhookSigningSecret,
            message: "A signing secret is `whsec_` followed by the base64 of 24 to 64 random bytes.".into(),
        };
        let key = STANDARD.decode(raw.strip_prefix(PREFIX).ok_or_else(invalid)?).map_err(|_| invalid())?;
        if !(24..=64).contains(&key.len()) {
            return Err(invalid());
        }
        Ok(Self(key))
    }

    /// The secret as it is shown once, and stored.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// `v1,<base64 signature>` of one message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", STANDARD.encode(self.mac(id, timestamp, body).finalize().into_bytes()))
    }

    /// The HMAC of `{id}.{timestamp}.{body}`, not yet finalized.
    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // An HMAC key can be any length; `new_from_slice` cannot fail for HMAC.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// Whether `signatures` (a `webhook-signature` header: space-separated
    /// `v1,<base64>`) holds this secret's signature of the message; compared
    /// in constant time. The timestamp's age is the caller's to judge.
    pub fn verify(&self, id: &str, timestamp: i64, body: &[u8], signatures: &str) -> bool {
        signatures.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|given| {
            let Ok(given) = STANDARD.decode(given) else { return false };
            self.mac(id, timestamp, body).verify_slice(&given).is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // From the Standard Webhooks specification's test suite.
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let (id, body) = ("msg_p5jXN8AQM9LWM0D4loKWxJek", br#"{"test": 2432232314}"#);
        assert!(secret.verify(id, 1614265330, body, &format!("v1,bm90IGl0 {sig}")), "any of several");
        assert!(!secret.verify(id, 1614265331, body, &sig), "another timestamp");
        assert!(!secret.verify(id, 1614265330, br#"{"test": 1}"#, &sig), "another body");
        assert!(!secret.verify(id, 1614265330, body, "v1,not base64!"));
    }

    #[test]
    fn secrets_round_trip_and_are_checked() {
        let s = SigningSecret::generate().unwrap();
        assert_eq!(SigningSecret::parse(&s.expose()).unwrap(), s);
        assert!(s.expose().starts_with("whsec_"));
        for bad in ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!", "whsec_c2hvcnQ="] {
            assert!(SigningSecret::parse(bad).is_err(), "{bad}");
        }
        assert!(!format!("{s:?}").contains(&s.expose()[6..]));
    }
}
