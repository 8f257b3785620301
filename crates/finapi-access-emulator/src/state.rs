//! The emulator's memory: clients, users, tokens and grants, behind one lock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use finapi_access_types::ClientConfiguration;

use crate::config::{EmulatorClient, EmulatorConfig};

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum Subject {
    Client(String),
    User { client: String, user: String },
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct UserRecord {
    pub(crate) id: String,
    pub(crate) password: String,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) auto_update: bool,
    pub(crate) verified: bool,
    pub(crate) failed_logins: u32,
    pub(crate) locked: bool,
    pub(crate) busy: bool,
    pub(crate) registered: String,
    pub(crate) last_active: Option<String>,
}

/// A deleted user, as the mandator admin's user list shows it.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct DeletedUser {
    pub(crate) distorted_id: String,
    pub(crate) registered: String,
    pub(crate) deleted: String,
    pub(crate) last_active: Option<String>,
}

/// finAPI shows deleted users with a distorted id: `user` as `uXXr`.
pub(crate) fn distort(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    match chars.len() {
        0..=2 => "X".repeat(chars.len()),
        n => {
            let mut out = String::new();
            out.push(chars[0]);
            out.push_str(&"X".repeat(n - 2));
            out.push(chars[n - 1]);
            out
        }
    }
}

struct AccessRecord {
    subject: Subject,
    grant: u64,
    expires_at: Option<Instant>,
}

struct RefreshRecord {
    client: String,
    user: String,
    grant: u64,
    expires_at: Option<Instant>,
}

/// How long new tokens live (the issuing client's configuration; zero: never expire).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetimes {
    pub(crate) access: Duration,
    pub(crate) refresh: Duration,
}

fn deadline(now: Instant, lifetime: Duration) -> Option<Instant> {
    (!lifetime.is_zero()).then(|| now + lifetime)
}

/// An issued or reused token, as the token endpoint reports it.
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) expires_in: u64,
    pub(crate) refresh_token: Option<String>,
}

/// Which tokens a revocation covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RevokeHint {
    AccessToken,
    RefreshToken,
    None,
}

#[derive(Default)]
pub(crate) struct Store {
    pub(crate) users: HashMap<String, UserRecord>,
    pub(crate) deleted: Vec<DeletedUser>,
    pub(crate) password_change_tokens: HashMap<String, String>,
    access: HashMap<String, AccessRecord>,
    refresh: HashMap<String, RefreshRecord>,
    current: HashMap<Subject, String>,
    next_grant: u64,
}

/// A token as a state file keeps it: what is left of its lifetime when saved (`None`: it
/// never expires); expired tokens are not saved.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedAccess {
    token: String,
    subject: Subject,
    grant: u64,
    remaining_ms: Option<u64>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedRefresh {
    token: String,
    client: String,
    user: String,
    grant: u64,
    remaining_ms: Option<u64>,
}

/// The store as a state file keeps it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct SavedStore {
    users: Vec<UserRecord>,
    deleted: Vec<DeletedUser>,
    password_change_tokens: Vec<(String, String)>,
    access: Vec<SavedAccess>,
    refresh: Vec<SavedRefresh>,
    current: Vec<(Subject, String)>,
    next_grant: u64,
}

fn remaining(expires_at: Option<Instant>, now: Instant) -> Option<Option<u64>> {
    match expires_at {
        None => Some(None),
        Some(at) if at > now => Some(Some(
            u64::try_from(at.duration_since(now).as_millis()).unwrap_or(u64::MAX),
        )),
        Some(_) => None,
    }
}

fn expiry(remaining_ms: Option<u64>, now: Instant) -> Option<Instant> {
    remaining_ms.map(|ms| now + Duration::from_millis(ms))
}

impl Store {
    /// The store to save, on the emulator's clock `now`.
    pub(crate) fn save(&self, now: Instant) -> SavedStore {
        let access = self
            .access
            .iter()
            .filter_map(|(token, r)| {
                remaining(r.expires_at, now).map(|remaining_ms| SavedAccess {
                    token: token.clone(),
                    subject: r.subject.clone(),
                    grant: r.grant,
                    remaining_ms,
                })
            })
            .collect();
        let refresh = self
            .refresh
            .iter()
            .filter_map(|(token, r)| {
                remaining(r.expires_at, now).map(|remaining_ms| SavedRefresh {
                    token: token.clone(),
                    client: r.client.clone(),
                    user: r.user.clone(),
                    grant: r.grant,
                    remaining_ms,
                })
            })
            .collect();
        let mut users: Vec<UserRecord> = self.users.values().cloned().collect();
        users.sort_by(|a, b| a.id.cmp(&b.id));
        SavedStore {
            users,
            deleted: self.deleted.clone(),
            password_change_tokens: self
                .password_change_tokens
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            access,
            refresh,
            current: self
                .current
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            next_grant: self.next_grant,
        }
    }

    /// The store a state file kept, on the emulator's clock `now`.
    pub(crate) fn restore(saved: SavedStore, now: Instant) -> Self {
        let mut store = Self {
            users: saved
                .users
                .into_iter()
                .map(|u| (user_key(&u.id), u))
                .collect(),
            deleted: saved.deleted,
            password_change_tokens: saved.password_change_tokens.into_iter().collect(),
            access: saved
                .access
                .into_iter()
                .map(|a| {
                    let record = AccessRecord {
                        subject: a.subject,
                        grant: a.grant,
                        expires_at: expiry(a.remaining_ms, now),
                    };
                    (a.token, record)
                })
                .collect(),
            refresh: saved
                .refresh
                .into_iter()
                .map(|r| {
                    let record = RefreshRecord {
                        client: r.client,
                        user: r.user,
                        grant: r.grant,
                        expires_at: expiry(r.remaining_ms, now),
                    };
                    (r.token, record)
                })
                .collect(),
            current: saved.current.into_iter().collect(),
            next_grant: saved.next_grant,
        };
        store.forget_dangling();
        store
    }
}

/// The user key: finAPI compares user ids case-insensitively.
pub(crate) fn user_key(id: &str) -> String {
    id.to_ascii_lowercase()
}

fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl Store {
    fn is_valid(record: &AccessRecord, now: Instant) -> bool {
        record.expires_at.is_none_or(|at| now < at)
    }

    /// The subject of a valid access token.
    pub(crate) fn subject_of(&self, token: &str, now: Instant) -> Option<Subject> {
        self.access
            .get(token)
            .filter(|r| Self::is_valid(r, now))
            .map(|r| r.subject.clone())
    }

    fn remaining(expires_at: Option<Instant>, now: Instant) -> u64 {
        match expires_at {
            None => 0,
            // Never report 0 (which means "never expires") for a token about to expire.
            Some(at) => at
                .saturating_duration_since(now)
                .as_secs_f64()
                .ceil()
                .max(1.0) as u64,
        }
    }

    /// The valid token of `subject` if there is one (finAPI hands out the same token again),
    /// else a new one; a new grant gets a refresh token when `with_refresh`.
    pub(crate) fn issue(
        &mut self,
        subject: Subject,
        with_refresh: bool,
        lifetimes: Lifetimes,
        now: Instant,
    ) -> Issued {
        if let Some(token) = self.current.get(&subject)
            && let Some(record) = self.access.get(token).filter(|r| Self::is_valid(r, now))
        {
            let refresh_token = self
                .refresh
                .iter()
                .find(|(_, r)| r.grant == record.grant)
                .map(|(t, _)| t.clone());
            return Issued {
                access_token: token.clone(),
                expires_in: Self::remaining(record.expires_at, now),
                refresh_token: if with_refresh { refresh_token } else { None },
            };
        }
        self.next_grant += 1;
        let grant = self.next_grant;
        let refresh_token = match (&subject, with_refresh) {
            (Subject::User { client, user }, true) => {
                let token = new_token();
                self.refresh.insert(
                    token.clone(),
                    RefreshRecord {
                        client: client.clone(),
                        user: user.clone(),
                        grant,
                        expires_at: deadline(now, lifetimes.refresh),
                    },
                );
                Some(token)
            }
            _ => None,
        };
        let access_token = self.add_access(subject, grant, lifetimes.access, now);
        Issued {
            expires_in: lifetimes.access.as_secs(),
            access_token,
            refresh_token,
        }
    }

    fn add_access(
        &mut self,
        subject: Subject,
        grant: u64,
        lifetime: Duration,
        now: Instant,
    ) -> String {
        let token = new_token();
        let expires_at = deadline(now, lifetime);
        self.current.insert(subject.clone(), token.clone());
        self.access.insert(
            token.clone(),
            AccessRecord {
                subject,
                grant,
                expires_at,
            },
        );
        token
    }

    /// A new access token for a refresh token of `client`, in the refresh token's grant.
    pub(crate) fn refresh(
        &mut self,
        client: &str,
        refresh_token: &str,
        lifetime: Duration,
        now: Instant,
    ) -> Option<Issued> {
        let record = self
            .refresh
            .get(refresh_token)
            .filter(|r| r.client == client && r.expires_at.is_none_or(|at| now < at))?;
        let (user, grant) = (record.user.clone(), record.grant);
        if self.users.get(&user).is_none_or(|u| u.locked) {
            return None;
        }
        let subject = Subject::User {
            client: client.to_owned(),
            user,
        };
        if let Some(token) = self.current.get(&subject)
            && let Some(record) = self
                .access
                .get(token)
                .filter(|r| r.grant == grant && Self::is_valid(r, now))
        {
            return Some(Issued {
                access_token: token.clone(),
                expires_in: Self::remaining(record.expires_at, now),
                refresh_token: Some(refresh_token.to_owned()),
            });
        }
        let access_token = self.add_access(subject, grant, lifetime, now);
        Some(Issued {
            access_token,
            expires_in: lifetime.as_secs(),
            refresh_token: Some(refresh_token.to_owned()),
        })
    }

    fn drop_grant(&mut self, grant: u64) {
        self.access.retain(|_, r| r.grant != grant);
        self.refresh.retain(|_, r| r.grant != grant);
        self.forget_dangling();
    }

    fn forget_dangling(&mut self) {
        let access = &self.access;
        self.current.retain(|_, token| access.contains_key(token));
    }

    /// Revokes as finAPI's revoke endpoint describes; tokens of other clients and unknown
    /// tokens are left alone (the endpoint answers 200 either way).
    pub(crate) fn revoke(&mut self, client: &str, token: &str, hint: RevokeHint) {
        let owned_by_client = |subject: &Subject| match subject {
            Subject::Client(c) | Subject::User { client: c, .. } => c == client,
        };
        if let Some(record) = self
            .access
            .get(token)
            .filter(|r| owned_by_client(&r.subject))
        {
            let grant = record.grant;
            match hint {
                RevokeHint::AccessToken | RevokeHint::RefreshToken => {
                    self.access.remove(token);
                    self.forget_dangling();
                }
                RevokeHint::None => self.drop_grant(grant),
            }
        } else if let Some(record) = self.refresh.get(token).filter(|r| r.client == client) {
            self.drop_grant(record.grant);
        }
    }

    /// Deletes a user: tokens revoked, kept in the deleted list with a distorted id.
    pub(crate) fn delete_user(&mut self, key: &str, today: &str) {
        if let Some(user) = self.users.remove(key) {
            self.deleted.push(DeletedUser {
                distorted_id: distort(&user.id),
                registered: user.registered,
                deleted: today.to_owned(),
                last_active: user.last_active,
            });
            self.revoke_user(key);
            self.password_change_tokens.retain(|_, k| k != key);
        }
    }

    /// Drops every token of a user, for every client (locking, password change, deletion).
    /// Revokes every client access token of `client` (not its users' tokens).
    pub(crate) fn revoke_client_tokens(&mut self, client: &str) {
        self.access
            .retain(|_, r| !matches!(&r.subject, Subject::Client(c) if c == client));
        self.current
            .retain(|subject, _| !matches!(subject, Subject::Client(c) if c == client));
    }

    pub(crate) fn revoke_user(&mut self, user: &str) {
        self.access
            .retain(|_, r| !matches!(&r.subject, Subject::User { user: u, .. } if u == user));
        self.refresh.retain(|_, r| r.user != user);
        self.forget_dangling();
    }
}

/// The shared state of one emulator.
pub(crate) struct State {
    pub(crate) config: EmulatorConfig,
    changed_secrets: Mutex<HashMap<String, String>>,
    pub(crate) store: Mutex<Store>,
    pub(crate) webforms: Mutex<crate::webform::WebFormStore>,
    configurations: Mutex<HashMap<String, ClientConfiguration>>,
    rules: Mutex<crate::categorization::RuleStore>,
    pub(crate) faults: crate::faults::Faults,
    clock_offset: Mutex<Duration>,
    token_requests: AtomicU64,
}

/// The format of state files this version writes and reads.
pub(crate) const STATE_FORMAT: u32 = 1;

/// A state file's contents.
#[derive(serde::Deserialize)]
struct Saved {
    format: u32,
    clock_offset_ms: u64,
    changed_secrets: HashMap<String, String>,
    configurations: HashMap<String, ClientConfiguration>,
    store: SavedStore,
    webforms: crate::webform::WebFormStore,
    rules: crate::categorization::RuleStore,
}

impl State {
    /// Everything the emulator holds, as a state file keeps it (JSON). Each part is taken
    /// under its own lock; save when no request is running for a consistent whole.
    pub(crate) fn save(&self) -> serde_json::Result<String> {
        let offset = *self.clock_offset.lock().unwrap_or_else(|e| e.into_inner());
        let store = self.store().save(self.now());
        let configurations = serde_json::to_value(
            &*self
                .configurations
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        )?;
        let changed_secrets = serde_json::to_value(
            &*self
                .changed_secrets
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        )?;
        let webforms = serde_json::to_value(&*self.webforms())?;
        let rules = serde_json::to_value(&*self.rules())?;
        serde_json::to_string_pretty(&serde_json::json!({
            "format": STATE_FORMAT,
            "clock_offset_ms": u64::try_from(offset.as_millis()).unwrap_or(u64::MAX),
            "changed_secrets": changed_secrets,
            "configurations": configurations,
            "store": store,
            "webforms": webforms,
            "rules": rules,
        }))
    }

    /// The state a state file kept, with `config` for what a file does not hold (the
    /// clients, the port, the settings). Clients the file does not know start with their
    /// configuration from `config`.
    pub(crate) fn restore(config: EmulatorConfig, json: &str) -> Result<Self, String> {
        let saved: Saved =
            serde_json::from_str(json).map_err(|e| format!("not an emulator state file: {e}"))?;
        if saved.format != STATE_FORMAT {
            return Err(format!(
                "state format {} is not the {STATE_FORMAT} this version reads",
                saved.format
            ));
        }
        let state = Self::new(config);
        let offset = Duration::from_millis(saved.clock_offset_ms);
        *state.clock_offset.lock().unwrap_or_else(|e| e.into_inner()) = offset;
        *state
            .changed_secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = saved.changed_secrets;
        state
            .configurations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(saved.configurations);
        *state.store() = Store::restore(saved.store, state.now());
        *state.webforms() = saved.webforms;
        *state.rules() = saved.rules;
        Ok(state)
    }

    pub(crate) fn new(config: EmulatorConfig) -> Self {
        let configurations = config
            .clients
            .iter()
            .map(|c| {
                let initial = crate::client_config::initial(&config, c.mandator_admin);
                (c.client_id.clone(), initial)
            })
            .collect();
        Self {
            configurations: Mutex::new(configurations),
            rules: Mutex::default(),
            faults: crate::faults::Faults::new(
                config.faults.clone(),
                config.callback_faults.clone(),
                config.fault_seed,
            ),
            config,
            store: Mutex::new(Store::default()),
            changed_secrets: Mutex::default(),
            webforms: Mutex::default(),
            clock_offset: Mutex::new(Duration::ZERO),
            token_requests: AtomicU64::new(0),
        }
    }

    /// Today's date (`YYYY-MM-DD`) on the emulator's clock.
    pub(crate) fn today(&self) -> String {
        let offset = *self.clock_offset.lock().unwrap_or_else(|e| e.into_inner());
        crate::reply::finapi_date(std::time::SystemTime::now() + offset)[..10].to_owned()
    }

    /// A client's configuration (a known client's; the defaults for another).
    pub(crate) fn configuration(&self, client: &str) -> ClientConfiguration {
        self.configurations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(client)
            .cloned()
            .unwrap_or_else(|| crate::client_config::initial(&self.config, false))
    }

    /// Changes a client's configuration and returns the new one.
    pub(crate) fn update_configuration(
        &self,
        client: &str,
        change: impl FnOnce(&mut ClientConfiguration),
    ) -> ClientConfiguration {
        let mut configurations = self
            .configurations
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let configuration = configurations
            .entry(client.to_owned())
            .or_insert_with(|| crate::client_config::initial(&self.config, false));
        change(configuration);
        configuration.clone()
    }

    /// How long the tokens `client` requests now live: its client or user access token
    /// period, and its refresh token period.
    pub(crate) fn lifetimes(&self, client: &str, for_user: bool) -> Lifetimes {
        let configuration = self.configuration(client);
        let secs = |period: i32| Duration::from_secs(u64::try_from(period).unwrap_or(0));
        Lifetimes {
            access: secs(if for_user {
                configuration.user_access_tokens_validity_period
            } else {
                configuration.client_access_tokens_validity_period
            }),
            refresh: secs(configuration.refresh_tokens_validity_period),
        }
    }

    /// Whether `client_id` is a mandator admin client.
    pub(crate) fn is_mandator_admin(&self, client_id: &str) -> bool {
        self.config
            .clients
            .iter()
            .any(|c| c.client_id == client_id && c.mandator_admin)
    }

    /// The emulator's clock: real time plus what tests advanced it by.
    pub(crate) fn now(&self) -> Instant {
        Instant::now() + *self.clock_offset.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The wall clock plus what tests advanced the emulator's clock by.
    pub(crate) fn system_now(&self) -> std::time::SystemTime {
        std::time::SystemTime::now() + *self.clock_offset.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The Web Form state (never held together with `store()`).
    pub(crate) fn webforms(&self) -> std::sync::MutexGuard<'_, crate::webform::WebFormStore> {
        self.webforms.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn advance(&self, by: Duration) {
        *self.clock_offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }

    /// The mandator's categorisation rules (never held together with `store()`).
    pub(crate) fn rules(&self) -> std::sync::MutexGuard<'_, crate::categorization::RuleStore> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn count_token_request(&self) {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::Relaxed)
    }

    /// The client with these credentials, if any (a secret changed at run time replaces the
    /// configured one).
    pub(crate) fn client(&self, id: &str, secret: &str) -> Option<&EmulatorClient> {
        if self.current_secret(id)? != secret {
            return None;
        }
        self.config.clients.iter().find(|c| c.client_id == id)
    }

    /// A client's secret now: changed at run time, else the configured one.
    pub(crate) fn current_secret(&self, id: &str) -> Option<String> {
        let changed = self
            .changed_secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned();
        changed.or_else(|| {
            self.config
                .clients
                .iter()
                .find(|c| c.client_id == id)
                .map(|c| c.client_secret.expose_secret().to_owned())
        })
    }

    /// Changes a client's secret (after checking the old one) and revokes every access token
    /// of that client; its users' tokens stay valid. `Err` names what was wrong.
    pub(crate) fn change_secret(&self, id: &str, old: &str, new: &str) -> Result<(), &'static str> {
        if !self.config.clients.iter().any(|c| c.client_id == id) {
            return Err("unknown client");
        }
        if self.client(id, old).is_none() {
            return Err("the old client secret is wrong");
        }
        self.changed_secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_owned(), new.to_owned());
        self.store().revoke_client_tokens(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);
    const HOURS: Lifetimes = Lifetimes {
        access: HOUR,
        refresh: Duration::ZERO,
    };

    fn user_u() -> UserRecord {
        UserRecord {
            id: "u".into(),
            password: "pppppp".into(),
            email: None,
            phone: None,
            auto_update: false,
            verified: true,
            failed_logins: 0,
            locked: false,
            busy: false,
            registered: "2026-01-01".into(),
            last_active: None,
        }
    }

    fn user_subject() -> Subject {
        Subject::User {
            client: "c".into(),
            user: "u".into(),
        }
    }

    #[test]
    fn the_same_valid_token_is_returned_again() {
        let mut store = Store::default();
        let now = Instant::now();
        let a = store.issue(Subject::Client("c".into()), false, HOURS, now);
        let b = store.issue(
            Subject::Client("c".into()),
            false,
            HOURS,
            now + Duration::from_secs(100),
        );
        assert_eq!(a.access_token, b.access_token);
        assert_eq!(b.expires_in, 3500);
        let c = store.issue(Subject::Client("c".into()), false, HOURS, now + HOUR);
        assert_ne!(
            a.access_token, c.access_token,
            "expired tokens are replaced"
        );
    }

    #[test]
    fn revoking_a_refresh_token_drops_its_grant() {
        let mut store = Store::default();
        store.users.insert("u".into(), user_u());
        let now = Instant::now();
        let issued = store.issue(user_subject(), true, HOURS, now);
        let refresh = issued.refresh_token.unwrap();
        assert!(store.subject_of(&issued.access_token, now).is_some());
        store.revoke("other-client", &refresh, RevokeHint::RefreshToken);
        assert!(
            store.subject_of(&issued.access_token, now).is_some(),
            "other clients cannot revoke"
        );
        store.revoke("c", &refresh, RevokeHint::RefreshToken);
        assert!(store.subject_of(&issued.access_token, now).is_none());
        assert!(store.refresh("c", &refresh, HOUR, now).is_none());
    }

    #[test]
    fn revoking_an_access_token_keeps_the_refresh_token() {
        let mut store = Store::default();
        store.users.insert("u".into(), user_u());
        let now = Instant::now();
        let issued = store.issue(user_subject(), true, HOURS, now);
        store.revoke("c", &issued.access_token, RevokeHint::AccessToken);
        assert!(store.subject_of(&issued.access_token, now).is_none());
        let again = store
            .refresh("c", issued.refresh_token.as_deref().unwrap(), HOUR, now)
            .unwrap();
        assert_ne!(again.access_token, issued.access_token);
    }

    #[test]
    fn refresh_tokens_expire_on_their_own_period() {
        let mut store = Store::default();
        store.users.insert("u".into(), user_u());
        let now = Instant::now();
        let lifetimes = Lifetimes {
            access: Duration::from_secs(60),
            refresh: Duration::from_secs(120),
        };
        let issued = store.issue(user_subject(), true, lifetimes, now);
        let refresh = issued.refresh_token.unwrap();
        let later = now + Duration::from_secs(90);
        let again = store
            .refresh("c", &refresh, lifetimes.access, later)
            .unwrap();
        assert_ne!(
            again.access_token, issued.access_token,
            "the access token expired"
        );
        assert!(
            store
                .refresh(
                    "c",
                    &refresh,
                    lifetimes.access,
                    now + Duration::from_secs(121)
                )
                .is_none(),
            "the refresh token expired"
        );
    }

    #[test]
    fn deleted_ids_are_distorted() {
        assert_eq!(distort("user"), "uXXr");
        assert_eq!(distort("ab"), "XX");
        assert_eq!(distort("alice@example.com"), "aXXXXXXXXXXXXXXXm");
    }

    #[test]
    fn tokens_about_to_expire_never_report_zero() {
        let mut store = Store::default();
        let now = Instant::now();
        store.issue(Subject::Client("c".into()), false, HOURS, now);
        let late = store.issue(
            Subject::Client("c".into()),
            false,
            HOURS,
            now + HOUR - Duration::from_millis(10),
        );
        assert_eq!(late.expires_in, 1);
        let never = store.issue(
            Subject::Client("d".into()),
            false,
            Lifetimes {
                access: Duration::ZERO,
                refresh: Duration::ZERO,
            },
            now,
        );
        assert_eq!(never.expires_in, 0);
    }
}
