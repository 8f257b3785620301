//! Faults on demand: what finAPI does on a bad day, switched on by rules. A rule matches
//! requests by path pattern (and method, client, user), fires with a probability or for the
//! next N matches, and injects latency, an error status with finAPI's body (`Retry-After` on
//! 429), a connection closed before or in the middle of the response, or a truncated or
//! non-JSON body. Web form callbacks can be delayed, dropped or duplicated. Deterministic for a
//! given seed.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a fault rule does to a matching request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[non_exhaustive]
pub enum Fault {
    /// Answer after a delay (the request is then handled normally).
    Latency {
        /// The delay, in milliseconds.
        ms: u64,
    },
    /// Answer with this status and finAPI's error body, without handling the request.
    Status {
        /// The status: 500, 502, 503, 504, 429 (or any other error status).
        status: u16,
        /// `Retry-After`, in seconds (429 and 503).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Close the connection before any response (the request is not handled).
    CloseBeforeResponse,
    /// Handle the request, then close the connection in the middle of the response: the
    /// change took effect, the client cannot know.
    CloseMidResponse,
    /// Handle the request, then answer 200 with the first half of its body.
    TruncatedBody,
    /// Answer 200 with a body that is not JSON, without handling the request.
    NotJson,
}

impl Fault {
    /// An error status without `Retry-After`.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            retry_after: None,
        }
    }
}

/// A fault rule.
///
/// ```
/// use finapi_access_emulator::{Fault, FaultRule};
///
/// // Every third token request (on average) answers 503 with `Retry-After: 1`.
/// let rule = FaultRule::new("/api/*/oauth/token", Fault::Status { status: 503, retry_after: Some(1) })
///     .probability(0.3);
/// // The next two user creations take effect, then lose their answer.
/// let ambiguous = FaultRule::new("/api/v2/users", Fault::CloseMidResponse).method("POST").times(2);
/// # let _ = (rule, ambiguous);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FaultRule {
    /// The path pattern: `*` matches any run of characters (`/api/*/users*`).
    pub path: String,
    /// Only this method (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests of this client (its token's, or the token request's `client_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Only requests with this user's token (or the password grant's `username`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The chance that a matching request gets the fault (default 1).
    #[serde(default = "always")]
    pub probability: f64,
    /// How many more times the rule fires; it is gone after that (absent: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// What it does.
    pub fault: Fault,
}

fn always() -> f64 {
    1.0
}

impl FaultRule {
    /// A rule for every request whose path matches `path` (`*` for any run of characters).
    pub fn new(path: impl Into<String>, fault: Fault) -> Self {
        Self {
            path: path.into(),
            method: None,
            client: None,
            user: None,
            probability: 1.0,
            times: None,
            fault,
        }
    }

    /// Only this method.
    #[must_use]
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into().to_ascii_uppercase());
        self
    }

    /// Only this client's requests.
    #[must_use]
    pub fn client(mut self, client_id: impl Into<String>) -> Self {
        self.client = Some(client_id.into());
        self
    }

    /// Only this user's requests.
    #[must_use]
    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.user = Some(user_id.into());
        self
    }

    /// Fires with this chance (0 to 1).
    #[must_use]
    pub fn probability(mut self, probability: f64) -> Self {
        self.probability = probability;
        self
    }

    /// Fires for the next `n` matching requests only.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Checks the rule: a path, a probability from 0 to 1, an error status.
    ///
    /// # Errors
    ///
    /// What is wrong, in words.
    pub fn validate(&self) -> Result<(), String> {
        if self.path.is_empty() {
            return Err("path: must not be empty (use * for every path)".to_owned());
        }
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(format!(
                "probability: must be from 0 to 1 (got {})",
                self.probability
            ));
        }
        if let Fault::Status { status, .. } = self.fault
            && !(400..600).contains(&status)
        {
            return Err(format!("status: must be an error status (got {status})"));
        }
        Ok(())
    }

    /// Parses the command line's compact form: `key=value` pairs separated by commas, e.g.
    /// `path=/api/v2/users,method=POST,status=503,retry-after=2,probability=0.3,times=5`;
    /// the fault is one of `latency-ms=N`, `status=N`, `close=before|mid`,
    /// `body=truncated|not-json`.
    ///
    /// # Errors
    ///
    /// What is wrong, naming the key.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut path = None;
        let mut rule = Self::new("", Fault::CloseBeforeResponse);
        let mut fault = None;
        let mut retry_after = None;
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?}: expected key=value"))?;
            let number = |what: &str| -> Result<u64, String> {
                value
                    .parse()
                    .map_err(|_| format!("{what}: {value:?} is not a number"))
            };
            match key {
                "path" => path = Some(value.to_owned()),
                "method" => rule = rule.method(value),
                "client" => rule = rule.client(value),
                "user" => rule = rule.user(value),
                "probability" => {
                    rule.probability = value
                        .parse()
                        .map_err(|_| format!("probability: {value:?} is not a number"))?;
                }
                "times" => {
                    rule.times =
                        Some(u32::try_from(number("times")?).map_err(|_| "times: too large")?);
                }
                "latency-ms" => fault = Some(Fault::Latency { ms: number(key)? }),
                "status" => {
                    fault = Some(Fault::Status {
                        status: u16::try_from(number(key)?).map_err(|_| "status: too large")?,
                        retry_after: None,
                    });
                }
                "retry-after" => retry_after = Some(number(key)?),
                "close" => {
                    fault = Some(match value {
                        "before" => Fault::CloseBeforeResponse,
                        "mid" => Fault::CloseMidResponse,
                        _ => return Err(format!("close: {value:?} is not before or mid")),
                    });
                }
                "body" => {
                    fault = Some(match value {
                        "truncated" => Fault::TruncatedBody,
                        "not-json" => Fault::NotJson,
                        _ => return Err(format!("body: {value:?} is not truncated or not-json")),
                    });
                }
                other => return Err(format!("{other:?}: not a fault rule key")),
            }
        }
        rule.path = path.unwrap_or_else(|| "*".to_owned());
        rule.fault = match (fault, retry_after) {
            (Some(Fault::Status { status, .. }), after) => Fault::Status {
                status,
                retry_after: after,
            },
            (Some(_), Some(_)) => return Err("retry-after: only with status=N".to_owned()),
            (Some(f), None) => f,
            (None, _) => {
                return Err(
                    "no fault: give one of latency-ms=N, status=N, close=before|mid, body=truncated|not-json"
                        .to_owned(),
                );
            }
        };
        rule.validate()?;
        Ok(rule)
    }

    fn matches(&self, request: &Seen<'_>) -> bool {
        glob(&self.path, request.path)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(request.method))
            && self
                .client
                .as_deref()
                .is_none_or(|c| request.client == Some(c))
            && self
                .user
                .as_deref()
                .is_none_or(|u| request.user.is_some_and(|r| r.eq_ignore_ascii_case(u)))
    }
}

/// What web form callbacks suffer (for [`EmulatorConfig::callback_faults`]).
///
/// [`EmulatorConfig::callback_faults`]: crate::EmulatorConfig::callback_faults
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallbackFaults {
    /// Wait this long before the first attempt, in milliseconds.
    #[serde(default)]
    pub delay_ms: u64,
    /// The chance that a callback is dropped (recorded, never sent).
    #[serde(default)]
    pub drop_probability: f64,
    /// The chance that a delivered callback is sent a second time.
    #[serde(default)]
    pub duplicate_probability: f64,
}

impl CallbackFaults {
    /// No faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Wait this long before the first attempt.
    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Drop callbacks with this chance (0 to 1).
    #[must_use]
    pub fn drop_probability(mut self, probability: f64) -> Self {
        self.drop_probability = probability;
        self
    }

    /// Send delivered callbacks twice with this chance (0 to 1).
    #[must_use]
    pub fn duplicate_probability(mut self, probability: f64) -> Self {
        self.duplicate_probability = probability;
        self
    }
}

/// A request as the rules see it.
pub(crate) struct Seen<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) client: Option<&'a str>,
    pub(crate) user: Option<&'a str>,
}

/// `*` matches any run of characters; everything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The rules and their random source.
#[derive(Debug)]
pub(crate) struct Faults {
    inner: Mutex<(Vec<FaultRule>, fastrand::Rng)>,
    pub(crate) callbacks: Mutex<(CallbackFaults, fastrand::Rng)>,
}

impl Faults {
    pub(crate) fn new(rules: Vec<FaultRule>, callbacks: CallbackFaults, seed: u64) -> Self {
        Self {
            inner: Mutex::new((rules, fastrand::Rng::with_seed(seed))),
            callbacks: Mutex::new((callbacks, fastrand::Rng::with_seed(seed ^ 0x5eed))),
        }
    }

    /// Whether any rule is set (the fast path skips everything else).
    pub(crate) fn any(&self) -> bool {
        !self.lock().0.is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<FaultRule>, fastrand::Rng)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The fault for this request, if a rule fires (the first matching rule decides).
    pub(crate) fn pick(&self, request: &Seen<'_>) -> Option<Fault> {
        let mut guard = self.lock();
        let (rules, rng) = &mut *guard;
        let index = rules.iter().position(|r| r.matches(request))?;
        let rule = &mut rules[index];
        if rule.probability < 1.0 && rng.f64() >= rule.probability {
            return None;
        }
        let fault = rule.fault.clone();
        if let Some(times) = &mut rule.times {
            *times = times.saturating_sub(1);
            if *times == 0 {
                rules.remove(index);
            }
        }
        Some(fault)
    }

    pub(crate) fn add(&self, rule: FaultRule) {
        self.lock().0.push(rule);
    }

    pub(crate) fn list(&self) -> Vec<FaultRule> {
        self.lock().0.clone()
    }

    pub(crate) fn clear(&self) {
        self.lock().0.clear();
    }

    /// (delay, dropped, duplicated) for the next callback.
    pub(crate) fn callback(&self) -> (Duration, bool, bool) {
        let mut guard = self.callbacks.lock().unwrap_or_else(|e| e.into_inner());
        let (faults, rng) = &mut *guard;
        let dropped = faults.drop_probability > 0.0 && rng.f64() < faults.drop_probability;
        let duplicated =
            faults.duplicate_probability > 0.0 && rng.f64() < faults.duplicate_probability;
        (Duration::from_millis(faults.delay_ms), dropped, duplicated)
    }

    pub(crate) fn set_callbacks(&self, faults: CallbackFaults) {
        self.callbacks.lock().unwrap_or_else(|e| e.into_inner()).0 = faults;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(path: &str) -> Seen<'_> {
        Seen {
            method: "GET",
            path,
            client: None,
            user: None,
        }
    }

    #[test]
    fn patterns() {
        assert!(glob("*", "/anything"));
        assert!(glob("/api/*/users", "/api/v2/users"));
        assert!(!glob("/api/*/users", "/api/v2/users/x"));
        assert!(glob("/api/*/users*", "/api/v2/users/x"));
        assert!(glob("/api/v2/users", "/api/v2/users"));
        assert!(!glob("/api/v2/users", "/api/v1/users"));
    }

    #[test]
    fn times_and_seeded_probability() {
        let faults = Faults::new(
            vec![FaultRule::new("/a", Fault::NotJson).times(2)],
            CallbackFaults::default(),
            7,
        );
        assert!(faults.pick(&seen("/a")).is_some());
        assert!(faults.pick(&seen("/b")).is_none());
        assert!(faults.pick(&seen("/a")).is_some());
        assert!(faults.pick(&seen("/a")).is_none(), "gone after two");
        let draw = |seed| {
            let f = Faults::new(
                vec![FaultRule::new("*", Fault::NotJson).probability(0.3)],
                CallbackFaults::default(),
                seed,
            );
            (0..1000)
                .map(|_| f.pick(&seen("/x")).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(42), draw(42), "the same seed, the same faults");
        let fired = draw(42).iter().filter(|f| **f).count();
        assert!((250..350).contains(&fired), "{fired}");
    }

    #[test]
    fn the_compact_form() {
        let rule = FaultRule::parse(
            "path=/api/*/users,method=post,status=503,retry-after=2,probability=0.5,times=3",
        )
        .unwrap();
        assert_eq!(rule.method.as_deref(), Some("POST"));
        assert_eq!(
            rule.fault,
            Fault::Status {
                status: 503,
                retry_after: Some(2)
            }
        );
        assert_eq!(rule.times, Some(3));
        assert!(
            FaultRule::parse("path=/x")
                .unwrap_err()
                .contains("no fault")
        );
        assert!(
            FaultRule::parse("status=200")
                .unwrap_err()
                .contains("status")
        );
        assert!(FaultRule::parse("close=sideways").is_err());
        assert!(FaultRule::parse("probability=2,body=not-json").is_err());
        assert_eq!(FaultRule::parse("latency-ms=250").unwrap().path, "*");
    }
}
