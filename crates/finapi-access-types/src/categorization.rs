//! Mandator-wide categorisation rules (keyword rules and IBAN rules) and the categories
//! they assign.

use serde::{Deserialize, Serialize};

use crate::admin::{MAX_PER_PAGE, Paging, SortDirection};
use crate::validated::{ValidationError, check_chars, is_allowed_text_char};

/// The most rules one create request holds, and the most keywords one rule holds.
pub const MAX_RULES_PER_REQUEST: usize = 100;

/// A transaction category (finAPI model `Category`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Category {
    /// The category id (ids of finAPI's global categories differ between environments and
    /// versions: look them up, do not hard-code them).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The parent category's id.
    pub parent_id: Option<i64>,
    /// The parent category's name.
    pub parent_name: Option<String>,
    /// Whether a user created it (`false` for finAPI's global categories).
    pub is_custom: bool,
    /// The sub-categories' ids.
    pub children: Option<Vec<i64>>,
}

impl Category {
    /// A category: for emulators and tests.
    pub fn new(id: i64, name: impl Into<String>, parent: Option<(i64, String)>) -> Self {
        let (parent_id, parent_name) =
            parent.map_or((None, None), |(id, name)| (Some(id), Some(name)));
        Self {
            id,
            name: name.into(),
            parent_id,
            parent_name,
            is_custom: false,
            children: None,
        }
    }
}

crate::open_enum!(
    /// The direction a stored rule applies to (finAPI model `TransactionDirection`).
    TransactionDirection {
        /// Transactions with a positive amount.
        Income = "Income",
        /// Transactions with a negative amount.
        Spending = "Spending",
    }
);

crate::open_enum!(
    /// The direction a new rule applies to (finAPI model `CategorizationRuleDirection`):
    /// `Both` creates two rules, one per direction.
    RuleDirection {
        /// Transactions with a positive amount.
        Income = "Income",
        /// Transactions with a negative amount.
        Spending = "Spending",
        /// Both (finAPI creates one rule each).
        Both = "Both",
    }
);

/// One keyword rule to create (finAPI model `KeywordRuleParams`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KeywordRuleParams {
    /// The category the rule assigns.
    pub category_id: i64,
    /// Which transactions it applies to.
    pub direction: RuleDirection,
    /// 1 to 100 keywords (case-insensitive), each of finAPI's allowed characters.
    pub keywords: Vec<String>,
    /// Whether every keyword must be found (default: any one).
    pub all_keywords_must_match: bool,
}

impl KeywordRuleParams {
    /// A rule matching any of `keywords`.
    pub fn new(
        category_id: i64,
        direction: RuleDirection,
        keywords: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            category_id,
            direction,
            keywords: keywords.into_iter().map(Into::into).collect(),
            all_keywords_must_match: false,
        }
    }

    /// Every keyword must be found.
    #[must_use]
    pub fn all_must_match(mut self) -> Self {
        self.all_keywords_must_match = true;
        self
    }

    fn validate(&self) -> Result<(), ValidationError> {
        if self.keywords.is_empty() || self.keywords.len() > MAX_RULES_PER_REQUEST {
            return Err(ValidationError::new(
                "keywords",
                format!(
                    "must hold 1 to {MAX_RULES_PER_REQUEST} keywords (got {})",
                    self.keywords.len()
                ),
            ));
        }
        for (index, keyword) in self.keywords.iter().enumerate() {
            let field = format!("keywords[{index}]");
            if keyword.trim().is_empty() {
                return Err(ValidationError::new(field, "must not be blank"));
            }
            check_chars(
                "keyword",
                keyword,
                is_allowed_text_char,
                "finAPI's allowed characters",
            )
            .map_err(|e| ValidationError::new(field, e.rule().to_owned()))?;
        }
        direction_is_known(&self.direction)
    }
}

fn direction_is_known(direction: &RuleDirection) -> Result<(), ValidationError> {
    if let RuleDirection::Unknown(other) = direction {
        return Err(ValidationError::new(
            "direction",
            format!("must be Income, Spending or Both (got {other:?})"),
        ));
    }
    Ok(())
}

/// 1 to 100 rules, each valid; an error names the rule (`field[index].…`).
fn validate_rules<T>(
    field: &'static str,
    rules: &[T],
    validate: fn(&T) -> Result<(), ValidationError>,
) -> Result<(), ValidationError> {
    if rules.is_empty() || rules.len() > MAX_RULES_PER_REQUEST {
        return Err(ValidationError::new(
            field,
            format!(
                "must hold 1 to {MAX_RULES_PER_REQUEST} rules (got {})",
                rules.len()
            ),
        ));
    }
    for (index, rule) in rules.iter().enumerate() {
        validate(rule).map_err(|e| e.within(&format!("{field}[{index}]")))?;
    }
    Ok(())
}

/// The body of *create keyword rules* (finAPI model `KeywordRulesParams`).
///
/// ```
/// use finapi_access_types::{KeywordRuleParams, KeywordRulesParams, RuleDirection};
///
/// let rules = KeywordRulesParams::new(vec![
///     KeywordRuleParams::new(42, RuleDirection::Spending, ["REWE", "EDEKA"]),
/// ]);
/// assert!(rules.validate().is_ok());
/// let blank = KeywordRulesParams::new(vec![KeywordRuleParams::new(42, RuleDirection::Both, [" "])]);
/// assert_eq!(blank.validate().unwrap_err().field(), "keywordRules[0].keywords[0]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KeywordRulesParams {
    /// 1 to 100 rules.
    pub keyword_rules: Vec<KeywordRuleParams>,
}

impl KeywordRulesParams {
    /// The rules to create.
    pub fn new(keyword_rules: Vec<KeywordRuleParams>) -> Self {
        Self { keyword_rules }
    }

    /// Checks the spec's rules: 1 to 100 rules of 1 to 100 non-blank keywords of finAPI's
    /// allowed characters, known directions.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the field, e.g. `keywordRules[2].keywords[0]`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_rules(
            "keywordRules",
            &self.keyword_rules,
            KeywordRuleParams::validate,
        )
    }
}

/// One IBAN rule to create (finAPI model `IbanRuleParams`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IbanRuleParams {
    /// The counterpart's IBAN (case-insensitive; spaces are removed before sending).
    pub iban: String,
    /// The category the rule assigns.
    pub category_id: i64,
    /// Which transactions it applies to.
    pub direction: RuleDirection,
}

impl IbanRuleParams {
    /// A rule for transactions with `iban` as counterpart. Spaces in `iban` (as it is
    /// printed) are removed.
    pub fn new(iban: impl Into<String>, category_id: i64, direction: RuleDirection) -> Self {
        let iban: String = iban.into();
        Self {
            iban: iban.chars().filter(|c| *c != ' ').collect(),
            category_id,
            direction,
        }
    }

    fn validate(&self) -> Result<(), ValidationError> {
        check_iban(&self.iban).map_err(|rule| ValidationError::new("iban", rule))?;
        direction_is_known(&self.direction)
    }
}

/// Checks an IBAN's shape and check digits (ISO 13616: two letters, two digits, up to 30
/// letters or digits, 15 to 34 in all, mod 97 = 1), case-insensitively.
///
/// # Errors
///
/// What is wrong, without repeating the IBAN.
pub fn check_iban(iban: &str) -> Result<(), String> {
    let bytes = iban.as_bytes();
    if !(15..=34).contains(&bytes.len()) {
        return Err(format!(
            "must be 15 to 34 characters long (got {})",
            iban.chars().count()
        ));
    }
    if !bytes.iter().all(u8::is_ascii_alphanumeric) {
        return Err("may only contain letters and digits".to_owned());
    }
    if !bytes[..2].iter().all(u8::is_ascii_alphabetic)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
    {
        return Err("must start with a country code and two check digits".to_owned());
    }
    let rearranged = bytes[4..].iter().chain(&bytes[..4]);
    let remainder = rearranged.fold(0u32, |acc, b| {
        let value = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b.to_ascii_uppercase() - b'A') + 10
        };
        let acc = if value >= 10 { acc * 100 } else { acc * 10 };
        (acc + value) % 97
    });
    if remainder != 1 {
        return Err("has wrong check digits".to_owned());
    }
    Ok(())
}

/// The body of *create IBAN rules* (finAPI model `IbanRulesParams`).
///
/// ```
/// use finapi_access_types::{IbanRuleParams, IbanRulesParams, RuleDirection};
///
/// let rules = IbanRulesParams::new(vec![
///     IbanRuleParams::new("DE89 3704 0044 0532 0130 00", 42, RuleDirection::Income),
/// ]);
/// assert!(rules.validate().is_ok());
/// let typo = IbanRulesParams::new(vec![IbanRuleParams::new("DE89370400440532013001", 42, RuleDirection::Income)]);
/// assert_eq!(typo.validate().unwrap_err().field(), "ibanRules[0].iban");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IbanRulesParams {
    /// 1 to 100 rules.
    pub iban_rules: Vec<IbanRuleParams>,
}

impl IbanRulesParams {
    /// The rules to create.
    pub fn new(iban_rules: Vec<IbanRuleParams>) -> Self {
        Self { iban_rules }
    }

    /// Checks 1 to 100 rules, each IBAN's shape and check digits, known directions. (The
    /// spec gives the IBAN no pattern; the check digits catch typos before finAPI does.)
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the field, e.g. `ibanRules[0].iban`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_rules("ibanRules", &self.iban_rules, IbanRuleParams::validate)
    }
}

/// A stored keyword rule (finAPI model `KeywordRule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KeywordRule {
    /// The rule id.
    pub id: i64,
    /// The category it assigns.
    pub category: Category,
    /// The direction it applies to.
    pub direction: TransactionDirection,
    /// When it was created (`YYYY-MM-DD HH:MM:SS.SSS`, German time).
    pub creation_date: String,
    /// Its keywords.
    pub keywords: Vec<String>,
    /// Whether every keyword must be found.
    pub all_keywords_must_match: bool,
}

/// A stored IBAN rule (finAPI model `IbanRule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IbanRule {
    /// The rule id.
    pub id: i64,
    /// The category it assigns.
    pub category: Category,
    /// The direction it applies to.
    pub direction: TransactionDirection,
    /// When it was created (`YYYY-MM-DD HH:MM:SS.SSS`, German time).
    pub creation_date: String,
    /// The IBAN.
    pub iban: String,
}

impl KeywordRule {
    /// A rule: for emulators and tests.
    pub fn new(
        id: i64,
        category: Category,
        direction: TransactionDirection,
        creation_date: String,
        keywords: Vec<String>,
        all_keywords_must_match: bool,
    ) -> Self {
        Self {
            id,
            category,
            direction,
            creation_date,
            keywords,
            all_keywords_must_match,
        }
    }
}

impl IbanRule {
    /// A rule: for emulators and tests.
    pub fn new(
        id: i64,
        category: Category,
        direction: TransactionDirection,
        creation_date: String,
        iban: String,
    ) -> Self {
        Self {
            id,
            category,
            direction,
            creation_date,
            iban,
        }
    }
}

/// The answer of *create keyword rules* (finAPI model `KeywordRuleList`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KeywordRuleList {
    /// The rules created (two for a `Both` rule).
    pub keyword_rules: Vec<KeywordRule>,
}

/// The answer of *create IBAN rules* (finAPI model `IbanRuleList`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IbanRuleList {
    /// The rules created (two for a `Both` rule).
    pub iban_rules: Vec<IbanRule>,
}

/// One page of keyword rules (finAPI model `PageableKeywordRuleList`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KeywordRulePage {
    /// The rules on this page.
    pub keyword_rules: Vec<KeywordRule>,
    /// Where this page is.
    pub paging: Paging,
}

/// One page of IBAN rules (finAPI model `PageableIbanRuleList`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IbanRulePage {
    /// The rules on this page.
    pub iban_rules: Vec<IbanRule>,
    /// Where this page is.
    pub paging: Paging,
}

impl KeywordRuleList {
    /// A list: for emulators and tests.
    pub fn new(keyword_rules: Vec<KeywordRule>) -> Self {
        Self { keyword_rules }
    }
}

impl IbanRuleList {
    /// A list: for emulators and tests.
    pub fn new(iban_rules: Vec<IbanRule>) -> Self {
        Self { iban_rules }
    }
}

impl KeywordRulePage {
    /// A page: for emulators and tests.
    pub fn new(keyword_rules: Vec<KeywordRule>, paging: Paging) -> Self {
        Self {
            keyword_rules,
            paging,
        }
    }
}

impl IbanRulePage {
    /// A page: for emulators and tests.
    pub fn new(iban_rules: Vec<IbanRule>, paging: Paging) -> Self {
        Self { iban_rules, paging }
    }
}

/// The body of the delete operations (finAPI models `KeywordRuleIdentifiersParams` and
/// `IbanRuleIdentifiersParams`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleIdentifiers {
    /// The rules to delete.
    pub ids: Vec<i64>,
}

impl RuleIdentifiers {
    /// The rules to delete.
    pub fn new(ids: Vec<i64>) -> Self {
        Self { ids }
    }
}

/// Ids in ascending order (finAPI model `IdentifierList`): what the delete operations answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentifierList {
    /// The ids.
    pub identifiers: Vec<i64>,
}

impl IdentifierList {
    /// A list: for emulators and tests.
    pub fn new(identifiers: Vec<i64>) -> Self {
        Self { identifiers }
    }
}

/// Paging and order of the rule lists: page from 1, 1 to 500 per page (finAPI's default
/// 20), ordered by id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleListQuery {
    /// The page, from 1.
    pub page: u32,
    /// Rules per page, 1 to 500.
    pub per_page: u32,
    /// The order by id (finAPI's default ascending).
    pub order: SortDirection,
}

impl Default for RuleListQuery {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 20,
            order: SortDirection::Ascending,
        }
    }
}

impl RuleListQuery {
    /// The first page of 20, ascending.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page (from 1).
    #[must_use]
    pub fn page(mut self, page: u32) -> Self {
        self.page = page;
        self
    }

    /// Sets the page size (1 to 500).
    #[must_use]
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page;
        self
    }

    /// Sets the order by id.
    #[must_use]
    pub fn order(mut self, order: SortDirection) -> Self {
        self.order = order;
        self
    }

    /// Checks page ≥ 1 and 1 ≤ perPage ≤ 500.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming `page` or `perPage`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.page < 1 {
            return Err(ValidationError::new("page", "must be at least 1"));
        }
        if !(1..=MAX_PER_PAGE).contains(&self.per_page) {
            return Err(ValidationError::new(
                "perPage",
                format!("must be 1 to {MAX_PER_PAGE}"),
            ));
        }
        Ok(())
    }

    /// The query parameters.
    pub fn to_pairs(&self) -> [(&'static str, String); 3] {
        let order = match self.order {
            SortDirection::Ascending => "id,asc",
            SortDirection::Descending => "id,desc",
        };
        [
            ("page", self.page.to_string()),
            ("perPage", self.per_page.to_string()),
            ("order", order.to_owned()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_check_digits() {
        assert!(check_iban("DE89370400440532013000").is_ok());
        assert!(
            check_iban("de89370400440532013000").is_ok(),
            "case-insensitive"
        );
        assert!(check_iban("GB82WEST12345698765432").is_ok());
        assert!(check_iban("DE89370400440532013001").is_err());
        assert!(check_iban("DE8937040044").is_err());
        assert!(check_iban("DE89-370400440532013000").is_err());
        assert!(check_iban("1289370400440532013000").is_err());
    }

    #[test]
    fn counts_are_bounded() {
        assert_eq!(
            KeywordRulesParams::new(vec![])
                .validate()
                .unwrap_err()
                .field(),
            "keywordRules"
        );
        let many = vec![KeywordRuleParams::new(1, RuleDirection::Both, ["x"]); 101];
        assert!(KeywordRulesParams::new(many).validate().is_err());
        let keywords: Vec<String> = (0..101).map(|i| format!("k{i}")).collect();
        let err = KeywordRulesParams::new(vec![KeywordRuleParams::new(
            1,
            RuleDirection::Both,
            keywords,
        )])
        .validate()
        .unwrap_err();
        assert_eq!(err.field(), "keywordRules[0].keywords");
        assert!(RuleListQuery::new().per_page(501).validate().is_err());
        assert!(RuleListQuery::new().page(0).validate().is_err());
    }

    #[test]
    fn an_unknown_direction_is_refused() {
        let rule =
            IbanRuleParams::new("DE89370400440532013000", 1, RuleDirection::from("Sideways"));
        assert_eq!(
            IbanRulesParams::new(vec![rule])
                .validate()
                .unwrap_err()
                .field(),
            "ibanRules[0].direction"
        );
    }
}
