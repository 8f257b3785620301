//! Mandator administration models: the user list and bulk deletion.

use serde::{Deserialize, Serialize};

use crate::validated::{UserId, ValidationError};

/// The most users one page of the user list holds.
pub const MAX_PER_PAGE: u32 = 500;

/// Sort direction of the user list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortDirection {
    /// Ascending (finAPI's default).
    Ascending,
    /// Descending.
    Descending,
}

/// Filters, ordering and paging of *get user list* (mandator admin). Every filter is optional.
///
/// ```
/// use finapi_access_types::{SortDirection, UserListQuery};
/// # fn main() -> Result<(), finapi_access_types::ValidationError> {
/// let query = UserListQuery::new()
///     .registered_between(Some("2026-01-01"), Some("2026-06-30"))?
///     .locked(false)
///     .order_by_user_id(SortDirection::Descending)
///     .per_page(500)?;
/// assert!(UserListQuery::new().per_page(501).is_err());
/// # let _ = query; Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserListQuery {
    /// Registered on or after (`YYYY-MM-DD`).
    pub min_registration_date: Option<String>,
    /// Registered on or before (`YYYY-MM-DD`).
    pub max_registration_date: Option<String>,
    /// Deleted on or after (`YYYY-MM-DD`).
    pub min_deletion_date: Option<String>,
    /// Deleted on or before (`YYYY-MM-DD`).
    pub max_deletion_date: Option<String>,
    /// Last active on or after (`YYYY-MM-DD`).
    pub min_last_active_date: Option<String>,
    /// Last active on or before (`YYYY-MM-DD`).
    pub max_last_active_date: Option<String>,
    /// Whether to include monthly statistics.
    pub include_monthly_stats: Option<bool>,
    /// First month of the statistics (`YYYY-MM`).
    pub monthly_stats_start_date: Option<String>,
    /// Last month of the statistics (`YYYY-MM`).
    pub monthly_stats_end_date: Option<String>,
    /// Only users with at least this many bank connections in the statistics.
    pub min_bank_connection_count_in_monthly_stats: Option<u32>,
    /// Only this user id.
    pub user_id: Option<String>,
    /// Only deleted (`true`) or not deleted (`false`) users.
    pub is_deleted: Option<bool>,
    /// Only locked (`true`) or unlocked (`false`) users.
    pub is_locked: Option<bool>,
    /// The page, from 1.
    pub page: u32,
    /// Users per page, 1 to 500 (finAPI's default 20).
    pub per_page: u32,
    /// The ordering (finAPI allows `userId` only).
    pub order: Vec<SortDirection>,
}

impl Default for UserListQuery {
    fn default() -> Self {
        Self {
            min_registration_date: None,
            max_registration_date: None,
            min_deletion_date: None,
            max_deletion_date: None,
            min_last_active_date: None,
            max_last_active_date: None,
            include_monthly_stats: None,
            monthly_stats_start_date: None,
            monthly_stats_end_date: None,
            min_bank_connection_count_in_monthly_stats: None,
            user_id: None,
            is_deleted: None,
            is_locked: None,
            page: 1,
            per_page: 20,
            order: Vec::new(),
        }
    }
}

fn check_date(field: &'static str, value: &str, month_only: bool) -> Result<(), ValidationError> {
    let shape = if month_only { "YYYY-MM" } else { "YYYY-MM-DD" };
    let ok = value.len() == shape.len()
        && value.chars().zip(shape.chars()).all(|(c, s)| {
            if s == '-' {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        })
        && value[5..7]
            .parse::<u32>()
            .is_ok_and(|m| (1..=12).contains(&m))
        && (month_only
            || value[8..10]
                .parse::<u32>()
                .is_ok_and(|d| (1..=31).contains(&d)));
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("must be a date as {shape}"),
        ))
    }
}

fn check_dates(
    min_field: &'static str,
    min: Option<&str>,
    max_field: &'static str,
    max: Option<&str>,
    month_only: bool,
) -> Result<(), ValidationError> {
    if let Some(min) = min {
        check_date(min_field, min, month_only)?;
    }
    if let Some(max) = max {
        check_date(max_field, max, month_only)?;
    }
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        return Err(ValidationError::new(
            min_field,
            format!("must not be after {max_field}"),
        ));
    }
    Ok(())
}

impl UserListQuery {
    /// The first page of 20 users, no filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page (from 1).
    ///
    /// # Errors
    ///
    /// For page 0.
    pub fn page(mut self, page: u32) -> Result<Self, ValidationError> {
        self.page = page;
        self.validate().map(|()| self)
    }

    /// Sets the page size (1 to 500).
    ///
    /// # Errors
    ///
    /// Outside 1 to 500.
    pub fn per_page(mut self, per_page: u32) -> Result<Self, ValidationError> {
        self.per_page = per_page;
        self.validate().map(|()| self)
    }

    /// Only users registered in this range (`YYYY-MM-DD`, either end optional).
    ///
    /// # Errors
    ///
    /// When a date is malformed or the range is reversed.
    pub fn registered_between(
        mut self,
        min: Option<&str>,
        max: Option<&str>,
    ) -> Result<Self, ValidationError> {
        self.min_registration_date = min.map(str::to_owned);
        self.max_registration_date = max.map(str::to_owned);
        self.validate().map(|()| self)
    }

    /// Only users deleted in this range (`YYYY-MM-DD`).
    ///
    /// # Errors
    ///
    /// When a date is malformed or the range is reversed.
    pub fn deleted_between(
        mut self,
        min: Option<&str>,
        max: Option<&str>,
    ) -> Result<Self, ValidationError> {
        self.min_deletion_date = min.map(str::to_owned);
        self.max_deletion_date = max.map(str::to_owned);
        self.validate().map(|()| self)
    }

    /// Only users last active in this range (`YYYY-MM-DD`).
    ///
    /// # Errors
    ///
    /// When a date is malformed or the range is reversed.
    pub fn last_active_between(
        mut self,
        min: Option<&str>,
        max: Option<&str>,
    ) -> Result<Self, ValidationError> {
        self.min_last_active_date = min.map(str::to_owned);
        self.max_last_active_date = max.map(str::to_owned);
        self.validate().map(|()| self)
    }

    /// Includes monthly statistics for these months (`YYYY-MM`), for users with at least
    /// `min_bank_connections` bank connections in them.
    ///
    /// # Errors
    ///
    /// When a month is malformed or the range is reversed.
    pub fn monthly_stats(
        mut self,
        start: Option<&str>,
        end: Option<&str>,
        min_bank_connections: Option<u32>,
    ) -> Result<Self, ValidationError> {
        self.include_monthly_stats = Some(true);
        self.monthly_stats_start_date = start.map(str::to_owned);
        self.monthly_stats_end_date = end.map(str::to_owned);
        self.min_bank_connection_count_in_monthly_stats = min_bank_connections;
        self.validate().map(|()| self)
    }

    /// Only this user.
    #[must_use]
    pub fn user_id(mut self, user_id: &UserId) -> Self {
        self.user_id = Some(user_id.as_str().to_owned());
        self
    }

    /// Only deleted or only not deleted users.
    #[must_use]
    pub fn deleted(mut self, deleted: bool) -> Self {
        self.is_deleted = Some(deleted);
        self
    }

    /// Only locked or only unlocked users.
    #[must_use]
    pub fn locked(mut self, locked: bool) -> Self {
        self.is_locked = Some(locked);
        self
    }

    /// Orders by user id.
    #[must_use]
    pub fn order_by_user_id(mut self, direction: SortDirection) -> Self {
        self.order = vec![direction];
        self
    }

    /// Checks every rule: page from 1, 1 to 500 per page, date formats and ranges.
    ///
    /// # Errors
    ///
    /// The first rule broken, naming finAPI's parameter.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.page == 0 {
            return Err(ValidationError::new("page", "must be at least 1"));
        }
        if !(1..=MAX_PER_PAGE).contains(&self.per_page) {
            return Err(ValidationError::new(
                "perPage",
                format!("must be 1 to {MAX_PER_PAGE} (got {})", self.per_page),
            ));
        }
        check_dates(
            "minRegistrationDate",
            self.min_registration_date.as_deref(),
            "maxRegistrationDate",
            self.max_registration_date.as_deref(),
            false,
        )?;
        check_dates(
            "minDeletionDate",
            self.min_deletion_date.as_deref(),
            "maxDeletionDate",
            self.max_deletion_date.as_deref(),
            false,
        )?;
        check_dates(
            "minLastActiveDate",
            self.min_last_active_date.as_deref(),
            "maxLastActiveDate",
            self.max_last_active_date.as_deref(),
            false,
        )?;
        check_dates(
            "monthlyStatsStartDate",
            self.monthly_stats_start_date.as_deref(),
            "monthlyStatsEndDate",
            self.monthly_stats_end_date.as_deref(),
            true,
        )
    }

    /// The query parameters, in finAPI's names.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        let mut push = |name: &'static str, value: Option<String>| {
            if let Some(value) = value {
                pairs.push((name, value));
            }
        };
        push("minRegistrationDate", self.min_registration_date.clone());
        push("maxRegistrationDate", self.max_registration_date.clone());
        push("minDeletionDate", self.min_deletion_date.clone());
        push("maxDeletionDate", self.max_deletion_date.clone());
        push("minLastActiveDate", self.min_last_active_date.clone());
        push("maxLastActiveDate", self.max_last_active_date.clone());
        push(
            "includeMonthlyStats",
            self.include_monthly_stats.map(|b| b.to_string()),
        );
        push(
            "monthlyStatsStartDate",
            self.monthly_stats_start_date.clone(),
        );
        push("monthlyStatsEndDate", self.monthly_stats_end_date.clone());
        push(
            "minBankConnectionCountInMonthlyStats",
            self.min_bank_connection_count_in_monthly_stats
                .map(|n| n.to_string()),
        );
        push("userId", self.user_id.clone());
        push("isDeleted", self.is_deleted.map(|b| b.to_string()));
        push("isLocked", self.is_locked.map(|b| b.to_string()));
        push("page", Some(self.page.to_string()));
        push("perPage", Some(self.per_page.to_string()));
        for direction in &self.order {
            let direction = match direction {
                SortDirection::Ascending => "asc",
                SortDirection::Descending => "desc",
            };
            push("order", Some(format!("userId,{direction}")));
        }
        pairs
    }
}

/// A bank-connection statistic for one month (finAPI model `MonthlyUserStats`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MonthlyUserStats {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The fewest bank connections in the month.
    pub min_bank_connection_count: i32,
    /// The most bank connections in the month.
    pub max_bank_connection_count: i32,
}

/// One user in the user list (finAPI model `UserInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserInfo {
    /// The user id (distorted for deleted users, for example `user` as `uXXr`).
    pub user_id: String,
    /// Registration date, `YYYY-MM-DD`.
    pub registration_date: String,
    /// Deletion date, if deleted.
    pub deletion_date: Option<String>,
    /// Last active date, if ever active.
    pub last_active_date: Option<String>,
    /// Number of bank connections.
    pub bank_connection_count: i32,
    /// Date of the latest bank connection import, if any.
    pub latest_bank_connection_import_date: Option<String>,
    /// Date of the latest bank connection deletion, if any.
    pub latest_bank_connection_deletion_date: Option<String>,
    /// Monthly statistics, when asked for.
    pub monthly_stats: Option<Vec<MonthlyUserStats>>,
    /// Whether the user is locked.
    pub is_locked: bool,
}

impl UserInfo {
    /// A user entry with no bank connections: for emulators and tests.
    pub fn new(
        user_id: impl Into<String>,
        registration_date: impl Into<String>,
        deletion_date: Option<String>,
        last_active_date: Option<String>,
        is_locked: bool,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            registration_date: registration_date.into(),
            deletion_date,
            last_active_date,
            bank_connection_count: 0,
            latest_bank_connection_import_date: None,
            latest_bank_connection_deletion_date: None,
            monthly_stats: None,
            is_locked,
        }
    }
}

/// Paging information (finAPI model `Paging`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Paging {
    /// This page, from 1.
    pub page: u32,
    /// Entries per page.
    pub per_page: u32,
    /// Number of pages.
    pub page_count: u32,
    /// Number of entries on all pages.
    pub total_count: u64,
}

impl Paging {
    /// Paging values: for emulators and tests.
    pub fn new(page: u32, per_page: u32, total_count: u64) -> Self {
        let page_count =
            u32::try_from(total_count.div_ceil(u64::from(per_page.max(1)))).unwrap_or(u32::MAX);
        Self {
            page,
            per_page,
            page_count,
            total_count,
        }
    }
}

/// One page of the user list (finAPI model `PageableUserInfoList`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserInfoPage {
    /// The users on this page.
    pub users: Vec<UserInfo>,
    /// Where this page is.
    pub paging: Paging,
}

impl UserInfoPage {
    /// A page: for emulators and tests.
    pub fn new(users: Vec<UserInfo>, paging: Paging) -> Self {
        Self { users, paging }
    }
}

/// The body of *delete users* (finAPI model `UserIdentifiersParams`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserIdentifiersParams {
    /// The users to delete.
    pub user_ids: Vec<UserId>,
}

impl UserIdentifiersParams {
    /// The parameters.
    pub fn new(user_ids: Vec<UserId>) -> Self {
        Self { user_ids }
    }
}

/// The body of *change client credentials* (`POST /mandatorAdmin/changeClientCredentials`):
/// which client, its current secret and the new one. `Debug` shows the client id only.
///
/// ```
/// use finapi_access_types::{ChangeClientCredentialsParams, ClientSecret};
/// let params = ChangeClientCredentialsParams::new("my-app", ClientSecret::new("old"), ClientSecret::new("New-Secret-2"));
/// params.validate().unwrap();
/// assert!(!format!("{params:?}").contains("New-Secret"));
/// let bad = ChangeClientCredentialsParams::new("my-app", ClientSecret::new("old"), ClientSecret::new("no spaces!"));
/// assert_eq!(bad.validate().unwrap_err().field(), "newClientSecret");
/// ```
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChangeClientCredentialsParams {
    /// The client whose secret changes (any client of the mandator, the admin client too).
    pub client_id: String,
    /// Its current secret.
    pub old_client_secret: crate::ClientSecret,
    /// The new secret: `A-Z a-z 0-9 -` only (the spec's pattern).
    pub new_client_secret: crate::ClientSecret,
}

impl std::fmt::Debug for ChangeClientCredentialsParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeClientCredentialsParams")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ChangeClientCredentialsParams {
    /// The parameters.
    pub fn new(
        client_id: impl Into<String>,
        old_client_secret: crate::ClientSecret,
        new_client_secret: crate::ClientSecret,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            old_client_secret,
            new_client_secret,
        }
    }

    /// Checks the spec's rules: a client id, both secrets given, the new one of
    /// `A-Z a-z 0-9 -`.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the field (never the secret).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.client_id.is_empty() {
            return Err(ValidationError::new("clientId", "must not be empty"));
        }
        if self.old_client_secret.expose_secret().is_empty() {
            return Err(ValidationError::new("oldClientSecret", "must not be empty"));
        }
        let new = self.new_client_secret.expose_secret();
        if new.is_empty() || !new.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ValidationError::new(
                "newClientSecret",
                "must be one or more of A-Z a-z 0-9 -",
            ));
        }
        Ok(())
    }
}

/// The answer of *delete users* (finAPI model `UserIdentifiersList`): partial success is
/// normal; busy users are not deleted and unknown ids are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeletedUsers {
    /// The users that were deleted.
    pub deleted_users: Vec<String>,
    /// The users that could not be deleted (for example busy ones).
    pub non_deleted_users: Vec<String>,
}

impl DeletedUsers {
    /// A result: for emulators and tests.
    pub fn new(deleted_users: Vec<String>, non_deleted_users: Vec<String>) -> Self {
        Self {
            deleted_users,
            non_deleted_users,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_page_and_page_are_bounded() {
        assert!(UserListQuery::new().per_page(1).is_ok());
        assert!(UserListQuery::new().per_page(500).is_ok());
        assert_eq!(
            UserListQuery::new().per_page(0).unwrap_err().field(),
            "perPage"
        );
        assert_eq!(
            UserListQuery::new().per_page(501).unwrap_err().field(),
            "perPage"
        );
        assert_eq!(UserListQuery::new().page(0).unwrap_err().field(), "page");
    }

    #[test]
    fn dates_are_checked() {
        assert!(
            UserListQuery::new()
                .registered_between(Some("2026-02-28"), None)
                .is_ok()
        );
        assert!(
            UserListQuery::new()
                .registered_between(Some("2026-13-01"), None)
                .is_err()
        );
        assert!(
            UserListQuery::new()
                .registered_between(Some("26-01-01"), None)
                .is_err()
        );
        let reversed =
            UserListQuery::new().registered_between(Some("2026-02-01"), Some("2026-01-01"));
        assert_eq!(reversed.unwrap_err().field(), "minRegistrationDate");
        assert!(
            UserListQuery::new()
                .monthly_stats(Some("2026-01"), Some("2026-03"), Some(1))
                .is_ok()
        );
        assert!(
            UserListQuery::new()
                .monthly_stats(Some("2026-01-01"), None, None)
                .is_err()
        );
    }

    #[test]
    fn every_filter_becomes_a_query_parameter() {
        let query = UserListQuery::new()
            .registered_between(Some("2026-01-01"), Some("2026-02-01"))
            .unwrap()
            .deleted(false)
            .locked(true)
            .order_by_user_id(SortDirection::Descending)
            .per_page(50)
            .unwrap();
        let pairs = query.to_pairs();
        for expected in [
            ("minRegistrationDate", "2026-01-01"),
            ("maxRegistrationDate", "2026-02-01"),
            ("isDeleted", "false"),
            ("isLocked", "true"),
            ("perPage", "50"),
            ("page", "1"),
            ("order", "userId,desc"),
        ] {
            assert!(
                pairs.contains(&(expected.0, expected.1.to_owned())),
                "{expected:?} in {pairs:?}"
            );
        }
    }

    #[test]
    fn paging_counts_pages() {
        assert_eq!(Paging::new(1, 20, 0).page_count, 0);
        assert_eq!(Paging::new(1, 20, 41).page_count, 3);
    }
}
