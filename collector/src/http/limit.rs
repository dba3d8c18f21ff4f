//! The per-IP rate limit: a token bucket for each client address, refilled continuously.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use crate::settings::RateLimit;

/// Buckets kept before the full ones are forgotten.
const MAX_TRACKED: usize = 50_000;

pub struct Limiter {
    rate: RateLimit,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(rate: RateLimit) -> Limiter {
        Limiter { rate, buckets: Mutex::new(HashMap::new()) }
    }

    /// `Ok` to go ahead, or `Err(seconds)` until a token is back.
    pub fn take(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        if self.rate.per_second == 0 {
            return Ok(());
        }
        let (rate, burst) = (f64::from(self.rate.per_second), f64::from(self.rate.burst));
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        if buckets.len() > MAX_TRACKED {
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < burst);
        }
        let (tokens, at) = buckets.entry(ip).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_a_burst_then_the_rate() {
        let limiter = Limiter::new(RateLimit { per_second: 2, burst: 3 });
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t = Instant::now();
        assert!((0..3).all(|_| limiter.take(ip, t).is_ok()));
        assert_eq!(limiter.take(ip, t), Err(1));
        assert!(limiter.take("10.0.0.2".parse().unwrap(), t).is_ok(), "another address has its own bucket");
        assert!(limiter.take(ip, t + Duration::from_millis(500)).is_ok());
        assert!(limiter.take(ip, t + Duration::from_millis(500)).is_err());
    }
}
