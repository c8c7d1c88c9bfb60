//! The Management API's rate limit: a token bucket of `burst` requests refilled at
//! `per_second`, as Auth0 describes its limits ("each endpoint is configured with a bucket
//! that defines the request limit and the rate at which requests are added back";
//! <https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/management-api-endpoint-rate-limits>).
//! The default is the Free tenant's: burst 2, 2 requests per second
//! (<https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy/rate-limit-configurations/free-public>).
//!
//! Every answer carries `X-RateLimit-Limit` (the bucket size), `X-RateLimit-Remaining`
//! (whole requests left) and `X-RateLimit-Reset` (Unix seconds, rounded up, when the bucket
//! is full again); a request that finds less than one token is answered 429 with the same
//! headers, without `Retry-After` (Auth0's Management API documents only the three
//! `X-RateLimit-*` headers).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::util::now_unix;

/// A configured limit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Sustained requests per second; 0 turns the limit off.
    pub per_second: f64,
    /// Bucket size: how many requests may come at once.
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 2.0,
            burst: 2,
        }
    }
}

impl RateLimit {
    /// The Authentication API's `/oauth/token` limit on a Free tenant: 30 at once, 30/s.
    pub const AUTHENTICATION: RateLimit = RateLimit {
        per_second: 30.0,
        burst: 30,
    };

    pub fn validate(&self) -> Result<(), String> {
        if !self.per_second.is_finite() || self.per_second < 0.0 {
            return Err(format!(
                "per_second must be 0 (off) or positive, not {}",
                self.per_second
            ));
        }
        if self.per_second > 0.0 && self.burst == 0 {
            return Err("burst must be at least 1".to_string());
        }
        Ok(())
    }
}

/// Tokens left and when they were last counted; starts full.
#[derive(Debug, Clone, Default)]
pub struct Bucket {
    tokens: Option<f64>,
    at: Option<Instant>,
}

/// The outcome of taking one request from a bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds when the bucket is full again.
    pub reset: i64,
}

impl Bucket {
    /// Takes one request from the bucket; `None` when the limit is off.
    pub fn take(&mut self, limit: RateLimit) -> Option<Verdict> {
        if limit.per_second <= 0.0 {
            return None;
        }
        let now = Instant::now();
        let burst = f64::from(limit.burst);
        let elapsed = self.at.map(|at| (now - at).as_secs_f64()).unwrap_or(0.0);
        let mut tokens = (self.tokens.unwrap_or(burst) + elapsed * limit.per_second).min(burst);
        let allowed = tokens >= 1.0;
        if allowed {
            tokens -= 1.0;
        }
        self.tokens = Some(tokens);
        self.at = Some(now);
        let to_full = (burst - tokens) / limit.per_second;
        let now_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(now_unix() as f64);
        Some(Verdict {
            allowed,
            limit: limit.burst,
            remaining: tokens.floor().max(0.0) as u32,
            // Rounded up: the bucket is surely full by then.
            reset: (now_epoch + to_full).ceil() as i64,
        })
    }

    /// Forget the counted tokens (the bucket is full again).
    pub fn refill(&mut self) {
        *self = Bucket::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_limited() {
        let mut bucket = Bucket::default();
        let limit = RateLimit {
            per_second: 1.0,
            burst: 2,
        };
        let first = bucket.take(limit).unwrap();
        assert!(first.allowed);
        assert_eq!(first.remaining, 1);
        assert!(bucket.take(limit).unwrap().allowed);
        let third = bucket.take(limit).unwrap();
        assert!(!third.allowed);
        assert_eq!(third.remaining, 0);
        assert!(third.reset > now_unix());
    }

    #[test]
    fn off_means_no_verdict() {
        let mut bucket = Bucket::default();
        let off = RateLimit {
            per_second: 0.0,
            burst: 0,
        };
        assert!(bucket.take(off).is_none());
        assert!(off.validate().is_ok());
        assert!(
            RateLimit {
                per_second: -1.0,
                burst: 1
            }
            .validate()
            .is_err()
        );
    }
}
