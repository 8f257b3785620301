//! What the six web form creations send, with the spec's rules checked before sending.
//!
//! Every body has public fields and a `validate()` that the client calls before anything is
//! sent; an error names the field (with its path, such as `orders[2].recipient.iban`).

use finapi_access_types::{ValidationError, open_enum};
use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::check::{at, https_url, id36, length, opt_length};
use crate::time::Date;

open_enum!(
    /// An account type to import.
    AccountType {
        /// Building savings.
        Bausparen = "BAUSPAREN",
        /// Current account.
        Checking = "CHECKING",
        /// Credit card.
        CreditCard = "CREDIT_CARD",
        /// Loan.
        Loan = "LOAN",
        /// Membership.
        Membership = "MEMBERSHIP",
        /// Savings.
        Savings = "SAVINGS",
        /// Securities.
        Security = "SECURITY",
    }
);

/// Where finAPI posts when the web form is finalised (`callbacks.finalised`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Callbacks {
    /// An `https://` URL (finAPI allows no other) of at most 2,048 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalised: Option<String>,
}

impl Callbacks {
    /// A callback to `url` when the web form is finalised.
    pub fn finalised(url: impl Into<String>) -> Self {
        Self {
            finalised: Some(url.into()),
        }
    }

    fn validate(&self) -> Result<(), ValidationError> {
        match &self.finalised {
            Some(url) => https_url("callbacks.finalised", url),
            None => Ok(()),
        }
    }
}

/// What every creation body shares: profile, redirect and callback.
fn common(
    profile_id: Option<&str>,
    redirect_url: Option<&str>,
    callbacks: Option<&Callbacks>,
) -> Result<(), ValidationError> {
    if let Some(id) = profile_id {
        id36("profileId", id)?;
    }
    if let Some(url) = redirect_url {
        https_url("redirectUrl", url)?;
    }
    callbacks.map_or(Ok(()), Callbacks::validate)
}

/// The bank to import from: by its finAPI id, or by a search term (IBAN, BLZ, BIC, name or
/// city), never both. Without one, the end user searches in the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bank {
    /// finAPI's bank id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// A search term.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
}

impl Bank {
    /// The bank with this finAPI id.
    pub fn by_id(id: i64) -> Self {
        Self {
            id: Some(id),
            search: None,
        }
    }

    /// The bank this term finds (IBAN, BLZ, BIC, bank name or city).
    pub fn by_search(term: impl Into<String>) -> Self {
        Self {
            id: None,
            search: Some(term.into()),
        }
    }

    fn validate(&self) -> Result<(), ValidationError> {
        match (&self.id, &self.search) {
            (Some(_), Some(_)) => Err(ValidationError::new(
                "bank",
                "takes an id or a search term, not both",
            )),
            (None, Some(term)) if term.trim().is_empty() => {
                Err(ValidationError::new("bank.search", "must not be empty"))
            }
            _ => Ok(()),
        }
    }
}

/// `POST /api/webForms/bankConnectionImport`: a web form where the end user connects a bank.
/// `{}` (the default) is valid: the end user picks the bank.
///
/// ```
/// use finapi_webform_types::{Bank, BankConnectionImportDetails};
/// let details = BankConnectionImportDetails {
///     bank: Some(Bank::by_search("DE89370400440532013000")),
///     max_days_for_download: Some(90),
///     redirect_url: Some("https://example.com/done".into()),
///     ..Default::default()
/// };
/// details.validate().unwrap();
/// let too_long = BankConnectionImportDetails { max_days_for_download: Some(3651), ..Default::default() };
/// assert_eq!(too_long.validate().unwrap_err().field(), "maxDaysForDownload");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankConnectionImportDetails {
    /// The bank (by id or search), or none to let the end user search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<Bank>,
    /// A name for the connection (1 to 64 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_connection_name: Option<String>,
    /// Skip downloading transactions (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_positions_download: Option<bool>,
    /// Download the account owners' data (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_owner_data: Option<bool>,
    /// How many days of transactions to download (0 to 3650).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days_for_download: Option<i32>,
    /// The account types to import (none: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_types: Option<Vec<AccountType>>,
    /// Where finAPI posts when the form is finalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<Callbacks>,
    /// A profile (36 characters) instead of the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Where the end user lands after the bank's login and SCA (`https://`, required for
    /// licensed clients, forbidden for others: finAPI answers 422 `INVALID_REDIRECT_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
}

impl BankConnectionImportDetails {
    /// Checks the spec's rules.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the first field that breaks one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(bank) = &self.bank {
            bank.validate()?;
        }
        opt_length(
            "bankConnectionName",
            self.bank_connection_name.as_deref(),
            1,
            64,
        )?;
        if let Some(days) = self.max_days_for_download
            && !(0..=3650).contains(&days)
        {
            return Err(ValidationError::new(
                "maxDaysForDownload",
                format!("must be 0 to 3650 (got {days})"),
            ));
        }
        unique_account_types(self.account_types.as_deref())?;
        common(
            self.profile_id.as_deref(),
            self.redirect_url.as_deref(),
            self.callbacks.as_ref(),
        )
    }
}

fn unique_account_types(types: Option<&[AccountType]>) -> Result<(), ValidationError> {
    let Some(types) = types else { return Ok(()) };
    for (i, t) in types.iter().enumerate() {
        if types[..i].contains(t) {
            return Err(ValidationError::new(
                "accountTypes",
                format!("lists {t} twice"),
            ));
        }
    }
    Ok(())
}

/// The bank connection to update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateBank {
    /// The finAPI Access id of the bank connection.
    pub bank_connection_id: i64,
}

/// `POST /api/webForms/bankConnectionUpdate` (**deprecated** by finAPI: use a background
/// update task, [`BankConnectionUpdateTaskDetails`](crate::BankConnectionUpdateTaskDetails)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankConnectionUpdateDetails {
    /// The connection to update.
    pub bank: UpdateBank,
    /// Import accounts that are new at the bank (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_new_accounts: Option<bool>,
    /// The account types to import, with `import_new_accounts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_types: Option<Vec<AccountType>>,
    /// Skip downloading transactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_positions_download: Option<bool>,
    /// Download the account owners' data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_owner_data: Option<bool>,
    /// Saved settings the end user may edit (`CREDENTIALS`, deprecated by finAPI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_saved_settings: Option<Vec<String>>,
    /// Where finAPI posts when the form is finalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<Callbacks>,
    /// A profile instead of the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
}

impl BankConnectionUpdateDetails {
    /// An update of the bank connection `bank_connection_id`.
    pub fn new(bank_connection_id: i64) -> Self {
        Self {
            bank: UpdateBank { bank_connection_id },
            import_new_accounts: None,
            account_types: None,
            skip_positions_download: None,
            load_owner_data: None,
            edit_saved_settings: None,
            callbacks: None,
            profile_id: None,
        }
    }

    /// Checks the spec's rules.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the first field that breaks one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        unique_account_types(self.account_types.as_deref())?;
        common(self.profile_id.as_deref(), None, self.callbacks.as_ref())
    }
}

/// A recipient or payer account: IBAN, name, and a BIC where the bank needs one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counterparty {
    /// The IBAN (1 to 34 characters).
    pub iban: String,
    /// The account holder's name (1 to 70 characters).
    pub name: String,
    /// The BIC (8 or 11 characters, SWIFT format).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
}

impl Counterparty {
    /// An account by IBAN and holder name.
    pub fn new(iban: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            iban: iban.into(),
            name: name.into(),
            bic: None,
        }
    }

    fn validate(&self) -> Result<(), ValidationError> {
        length("iban", &self.iban, 1, 34)?;
        if !self.iban.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ValidationError::new(
                "iban",
                "may only contain letters and digits (no spaces)",
            ));
        }
        length("name", &self.name, 1, 70)?;
        if let Some(bic) = &self.bic
            && !is_bic(bic)
        {
            return Err(ValidationError::new(
                "bic",
                "must be a BIC of 8 or 11 characters, such as COBADEFFXXX",
            ));
        }
        Ok(())
    }
}

/// `^[A-Z]{6}[2-9A-Z][0-9A-NP-Z](XXX|[0-9A-WYZ]{1}[0-9A-Z]{2})?$`
fn is_bic(bic: &str) -> bool {
    let b = bic.as_bytes();
    if b.len() != 8 && b.len() != 11 {
        return false;
    }
    let upper = |c: u8| c.is_ascii_uppercase();
    let alnum = |c: u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    b[..6].iter().all(|&c| upper(c))
        && (matches!(b[6], b'2'..=b'9') || upper(b[6]))
        && (b[7].is_ascii_digit() || (upper(b[7]) && b[7] != b'O'))
        && (b.len() == 8
            || &b[8..] == b"XXX"
            || ((b[8].is_ascii_digit() || (upper(b[8]) && b[8] != b'X'))
                && alnum(b[9])
                && alnum(b[10])))
}

/// The optional texts of an order.
fn order_texts(
    purpose: Option<&str>,
    sepa_purpose_code: Option<&str>,
    end_to_end_id: Option<&str>,
) -> Result<(), ValidationError> {
    opt_length("purpose", purpose, 1, 2000)?;
    if let Some(code) = sepa_purpose_code
        && (code.len() != 4 || !code.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(ValidationError::new(
            "sepaPurposeCode",
            "must be 4 letters or digits",
        ));
    }
    opt_length("endToEndId", end_to_end_id, 1, 35)
}

/// One credit transfer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOrder {
    /// The amount.
    pub amount: Amount,
    /// Who receives it.
    pub recipient: Counterparty,
    /// The purpose text (1 to 2,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The SEPA purpose code (4 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sepa_purpose_code: Option<String>,
    /// The end-to-end id (1 to 35 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_to_end_id: Option<String>,
}

impl PaymentOrder {
    /// `amount` to `recipient`.
    pub fn new(amount: Amount, recipient: Counterparty) -> Self {
        Self {
            amount,
            recipient,
            purpose: None,
            sepa_purpose_code: None,
            end_to_end_id: None,
        }
    }

    fn validate(&self) -> Result<(), ValidationError> {
        self.recipient
            .validate()
            .map_err(|e| e.within("recipient"))?;
        order_texts(
            self.purpose.as_deref(),
            self.sepa_purpose_code.as_deref(),
            self.end_to_end_id.as_deref(),
        )
    }
}

fn orders<T>(
    list: &[T],
    validate: impl Fn(&T) -> Result<(), ValidationError>,
) -> Result<(), ValidationError> {
    if list.is_empty() || list.len() > 15_000 {
        return Err(ValidationError::new(
            "orders",
            format!("must hold 1 to 15000 orders (got {})", list.len()),
        ));
    }
    for (i, order) in list.iter().enumerate() {
        validate(order).map_err(|e| at("orders", i, e))?;
    }
    Ok(())
}

fn not_in_past(
    field: &'static str,
    date: Option<Date>,
    today: Date,
) -> Result<(), ValidationError> {
    match date {
        Some(date) if date < today => Err(ValidationError::new(
            field,
            format!("must not be in the past ({date} is before {today})"),
        )),
        _ => Ok(()),
    }
}

fn eur_only(amount: &Amount) -> Result<(), ValidationError> {
    if amount.currency() != crate::Currency::EUR {
        return Err(ValidationError::new(
            "amount.currency",
            "must be EUR (finAPI takes only euros here)",
        ));
    }
    Ok(())
}

/// The sender's IBAN, when known (otherwise the end user enters it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SenderIban {
    /// The IBAN.
    pub iban: String,
}

/// An account finAPI knows, by its Access id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountRef {
    /// The finAPI Access account id.
    pub account_id: i64,
}

/// `POST /api/webForms/standalonePayment`: credit transfers from any account (EUR).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandalonePaymentDetails {
    /// 1 to 15,000 orders.
    pub orders: Vec<PaymentOrder>,
    /// The execution date (not in the past; default today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_date: Option<Date>,
    /// Book as one batch (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_booking_preferred: Option<bool>,
    /// An instant payment (one order only; default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instant_payment: Option<bool>,
    /// The sender's IBAN, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<SenderIban>,
    /// A profile instead of the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Where the end user lands after the bank's SCA (see [`BankConnectionImportDetails`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Where finAPI posts when the form is finalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<Callbacks>,
}

impl StandalonePaymentDetails {
    /// A payment form for these orders.
    pub fn new(orders: Vec<PaymentOrder>) -> Self {
        Self {
            orders,
            execution_date: None,
            batch_booking_preferred: None,
            instant_payment: None,
            sender: None,
            profile_id: None,
            redirect_url: None,
            callbacks: None,
        }
    }

    /// Checks the spec's rules (dates against today in UTC).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the first field that breaks one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        orders(&self.orders, |o| {
            o.validate()?;
            eur_only(&o.amount)
        })?;
        not_in_past("executionDate", self.execution_date, Date::today_utc())?;
        if self.instant_payment == Some(true) && self.orders.len() > 1 {
            return Err(ValidationError::new(
                "instantPayment",
                "takes a single order",
            ));
        }
        if let Some(sender) = &self.sender {
            length("sender.iban", &sender.iban, 1, 34)?;
        }
        common(
            self.profile_id.as_deref(),
            self.redirect_url.as_deref(),
            self.callbacks.as_ref(),
        )
    }
}

/// `POST /api/webForms/paymentWithAccountId`: credit transfers from an account finAPI knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentWithAccountDetails {
    /// The account to pay from.
    pub sender: AccountRef,
    /// 1 to 15,000 orders (in the account's currency).
    pub orders: Vec<PaymentOrder>,
    /// The execution date (not in the past; default today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_date: Option<Date>,
    /// Book as one batch (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_booking_preferred: Option<bool>,
    /// A profile instead of the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Where the end user lands after the bank's SCA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Where finAPI posts when the form is finalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<Callbacks>,
}

impl PaymentWithAccountDetails {
    /// A payment form from account `account_id`.
    pub fn new(account_id: i64, orders: Vec<PaymentOrder>) -> Self {
        Self {
            sender: AccountRef { account_id },
            orders,
            execution_date: None,
            batch_booking_preferred: None,
            profile_id: None,
            redirect_url: None,
            callbacks: None,
        }
    }

    /// Checks the spec's rules.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the first field that breaks one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        orders(&self.orders, PaymentOrder::validate)?;
        not_in_past("executionDate", self.execution_date, Date::today_utc())?;
        common(
            self.profile_id.as_deref(),
            self.redirect_url.as_deref(),
            self.callbacks.as_ref(),
        )
    }
}

open_enum!(
    /// A SEPA direct debit scheme.
    DirectDebitType {
        /// Business to business.
        B2b = "B2B",
        /// The core scheme.
        Basic = "BASIC",
    }
);

open_enum!(
    /// Where a direct debit stands in its mandate's sequence.
    SequenceType {
        /// One-off.
        Ooff = "OOFF",
        /// The first of a series.
        Frst = "FRST",
        /// A recurring one.
        Rcur = "RCUR",
        /// The last of a series.
        Fnal = "FNAL",
    }
);

/// The payer of a direct debit: an account, with an address and country for payers outside
/// the EU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payer {
    /// The IBAN.
    pub iban: String,
    /// The holder's name.
    pub name: String,
    /// The BIC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// The address (1 to 140 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The country (ISO 3166 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// One direct debit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectDebitOrder {
    /// The amount (EUR).
    pub amount: Amount,
    /// Who pays.
    pub payer: Payer,
    /// The mandate's id (1 to 270 characters).
    pub mandate_id: String,
    /// When the mandate was signed.
    pub mandate_date: Date,
    /// The creditor id (at most 35 characters).
    pub creditor_id: String,
    /// The purpose text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The SEPA purpose code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sepa_purpose_code: Option<String>,
    /// The end-to-end id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_to_end_id: Option<String>,
}

impl DirectDebitOrder {
    fn validate(&self) -> Result<(), ValidationError> {
        let payer = Counterparty {
            iban: self.payer.iban.clone(),
            name: self.payer.name.clone(),
            bic: self.payer.bic.clone(),
        };
        payer.validate().map_err(|e| e.within("payer"))?;
        opt_length("payer.address", self.payer.address.as_deref(), 1, 140)?;
        if let Some(country) = &self.payer.country
            && (country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(ValidationError::new(
                "payer.country",
                "must be an ISO 3166 code of two capital letters",
            ));
        }
        length("mandateId", &self.mandate_id, 1, 270)?;
        length("creditorId", &self.creditor_id, 1, 35)?;
        eur_only(&self.amount)?;
        order_texts(
            self.purpose.as_deref(),
            self.sepa_purpose_code.as_deref(),
            self.end_to_end_id.as_deref(),
        )
    }
}

/// `POST /api/webForms/directDebitWithAccountId`: direct debits to an account finAPI knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectDebitWithAccountDetails {
    /// The account that receives the money.
    pub receiver: AccountRef,
    /// 1 to 15,000 orders.
    pub orders: Vec<DirectDebitOrder>,
    /// The execution date.
    pub execution_date: Date,
    /// The scheme.
    pub direct_debit_type: DirectDebitType,
    /// The sequence type.
    pub sequence_type: SequenceType,
    /// Book as one batch (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_booking_preferred: Option<bool>,
    /// A profile instead of the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Where the end user lands after the bank's SCA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Where finAPI posts when the form is finalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<Callbacks>,
}

impl DirectDebitWithAccountDetails {
    /// Checks the spec's rules.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the first field that breaks one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        orders(&self.orders, DirectDebitOrder::validate)?;
        not_in_past(
            "executionDate",
            Some(self.execution_date),
            Date::today_utc(),
        )?;
        common(
            self.profile_id.as_deref(),
            self.redirect_url.as_deref(),
            self.callbacks.as_ref(),
        )
    }
}

open_enum!(
    /// How often a standing order runs.
    Frequency {
        /// Every month.
        Monthly = "MONTHLY",
        /// Every two months.
        EveryTwoMonths = "EVERY_TWO_MONTHS",
        /// Every three months.
        Quarterly = "QUARTERLY",
        /// Every six months.
        SemiAnnual = "SEMI_ANNUAL",
        /// Every year.
        Annual = "ANNUAL",
    }
);

/// `POST /api/webForms/standingOrder`: one standing order (EUR).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandingOrderDetails {
    /// The amount of each execution.
    pub amount: Amount,
    /// Who receives it (no BIC).
    pub recipient: Counterparty,
    /// The first execution (not in the past).
    pub start_date: Date,
    /// How often.
    pub frequency: Frequency,
    /// The last execution (after the start; none: until cancelled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<Date>,
    /// The sender's IBAN, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<SenderIban>,
    /// The purpose text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The SEPA purpose code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sepa_purpose_code: Option<String>,
    /// The end-to-end id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_to_end_id: Option<String>,
    /// A profile instead of the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Where the end user lands after the bank's SCA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Where finAPI posts when the form is finalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<Callbacks>,
}

impl StandingOrderDetails {
    /// A standing order of `amount` to `recipient` from `start_date`, every `frequency`.
    pub fn new(
        amount: Amount,
        recipient: Counterparty,
        start_date: Date,
        frequency: Frequency,
    ) -> Self {
        Self {
            amount,
            recipient,
            start_date,
            frequency,
            end_date: None,
            sender: None,
            purpose: None,
            sepa_purpose_code: None,
            end_to_end_id: None,
            profile_id: None,
            redirect_url: None,
            callbacks: None,
        }
    }

    /// Checks the spec's rules.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the first field that breaks one.
    pub fn validate(&self) -> Result<(), ValidationError> {
        eur_only(&self.amount)?;
        if self.recipient.bic.is_some() {
            return Err(ValidationError::new(
                "recipient.bic",
                "is not taken for standing orders",
            ));
        }
        self.recipient
            .validate()
            .map_err(|e| e.within("recipient"))?;
        not_in_past("startDate", Some(self.start_date), Date::today_utc())?;
        if let Some(end) = self.end_date
            && end <= self.start_date
        {
            return Err(ValidationError::new("endDate", "must be after startDate"));
        }
        if let Some(sender) = &self.sender {
            length("sender.iban", &sender.iban, 1, 34)?;
        }
        order_texts(
            self.purpose.as_deref(),
            self.sepa_purpose_code.as_deref(),
            self.end_to_end_id.as_deref(),
        )?;
        common(
            self.profile_id.as_deref(),
            self.redirect_url.as_deref(),
            self.callbacks.as_ref(),
        )
    }
}

open_enum!(
    /// The order of a list (by `createdAt`, the one property finAPI sorts by).
    SortOrder {
        /// Oldest first (finAPI's default).
        Ascending = "createdAt,asc",
        /// Newest first.
        Descending = "createdAt,desc",
    }
);

/// Which page of a list to read.
///
/// ```
/// use finapi_webform_types::ListQuery;
/// let query = ListQuery::new().page(2).per_page(100);
/// assert_eq!(query.to_pairs(true), vec![("page", "2".to_owned()), ("perPage", "100".to_owned())]);
/// assert!(ListQuery::new().per_page(501).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// The page, from 1.
    pub page: i32,
    /// Items per page, 1 to 500.
    pub per_page: i32,
    /// The order (not offered for translations).
    pub order: Option<SortOrder>,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 20,
            order: None,
        }
    }
}

impl ListQuery {
    /// The first page of 20, in finAPI's default order.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page.
    #[must_use]
    pub fn page(mut self, page: i32) -> Self {
        self.page = page;
        self
    }

    /// Sets the page size.
    #[must_use]
    pub fn per_page(mut self, per_page: i32) -> Self {
        self.per_page = per_page;
        self
    }

    /// Sets the order.
    #[must_use]
    pub fn order(mut self, order: SortOrder) -> Self {
        self.order = Some(order);
        self
    }

    /// Checks the bounds.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for `page` (from 1) or `perPage` (1 to 500).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.page < 1 {
            return Err(ValidationError::new("page", "must be at least 1"));
        }
        if !(1..=500).contains(&self.per_page) {
            return Err(ValidationError::new("perPage", "must be 1 to 500"));
        }
        Ok(())
    }

    /// The query parameters (`order` only when `with_order` and set).
    pub fn to_pairs(&self, with_order: bool) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            ("page", self.page.to_string()),
            ("perPage", self.per_page.to_string()),
        ];
        if let (true, Some(order)) = (with_order, &self.order) {
            pairs.push(("order", order.as_str().to_owned()));
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;

    fn eur(text: &str) -> Amount {
        Amount::parse(text, Currency::EUR).unwrap()
    }

    #[test]
    fn bank_by_id_or_search_not_both() {
        let both = BankConnectionImportDetails {
            bank: Some(Bank {
                id: Some(1),
                search: Some("x".into()),
            }),
            ..Default::default()
        };
        assert_eq!(both.validate().unwrap_err().field(), "bank");
        assert_eq!(
            serde_json::to_string(&BankConnectionImportDetails::default()).unwrap(),
            "{}"
        );
        let name = BankConnectionImportDetails {
            bank_connection_name: Some("x".repeat(65)),
            ..Default::default()
        };
        assert_eq!(name.validate().unwrap_err().field(), "bankConnectionName");
        let profile = BankConnectionImportDetails {
            profile_id: Some("short".into()),
            ..Default::default()
        };
        assert_eq!(profile.validate().unwrap_err().field(), "profileId");
        let redirect = BankConnectionImportDetails {
            redirect_url: Some("http://example.com".into()),
            ..Default::default()
        };
        assert_eq!(redirect.validate().unwrap_err().field(), "redirectUrl");
        let callback = BankConnectionImportDetails {
            callbacks: Some(Callbacks::finalised("https://localhost/cb")),
            ..Default::default()
        };
        assert_eq!(
            callback.validate().unwrap_err().field(),
            "callbacks.finalised"
        );
    }

    #[test]
    fn order_errors_name_the_order_and_field() {
        let mut bad = PaymentOrder::new(eur("1"), Counterparty::new("DE89 3704", "Ann"));
        bad.recipient.bic = None;
        let details = StandalonePaymentDetails::new(vec![
            PaymentOrder::new(eur("1"), Counterparty::new("DE89370400440532013000", "Ann")),
            bad,
        ]);
        assert_eq!(
            details.validate().unwrap_err().field(),
            "orders[1].recipient.iban"
        );
        let empty = StandalonePaymentDetails::new(vec![]);
        assert_eq!(empty.validate().unwrap_err().field(), "orders");
        let mut bic =
            PaymentOrder::new(eur("1"), Counterparty::new("DE89370400440532013000", "Ann"));
        bic.recipient.bic = Some("COBADEFF".into());
        StandalonePaymentDetails::new(vec![bic.clone()])
            .validate()
            .unwrap();
        bic.recipient.bic = Some("cobadeff".into());
        assert_eq!(
            StandalonePaymentDetails::new(vec![bic])
                .validate()
                .unwrap_err()
                .field(),
            "orders[0].recipient.bic"
        );
        let usd = PaymentOrder::new(
            Amount::parse("1", Currency::new("USD").unwrap()).unwrap(),
            Counterparty::new("DE89370400440532013000", "Ann"),
        );
        assert_eq!(
            StandalonePaymentDetails::new(vec![usd])
                .validate()
                .unwrap_err()
                .field(),
            "orders[0].amount.currency"
        );
    }

    #[test]
    fn dates_in_the_past_and_end_before_start_are_refused() {
        let past = Date::new(2001, 1, 1).unwrap();
        let mut order = StandingOrderDetails::new(
            eur("10"),
            Counterparty::new("DE89370400440532013000", "Ann"),
            past,
            Frequency::Monthly,
        );
        assert_eq!(order.validate().unwrap_err().field(), "startDate");
        order.start_date = Date::new(9000, 1, 1).unwrap();
        order.validate().unwrap();
        order.end_date = Some(Date::new(8999, 1, 1).unwrap());
        assert_eq!(order.validate().unwrap_err().field(), "endDate");
        let json = serde_json::to_value(StandingOrderDetails::new(
            eur("10"),
            Counterparty::new("DE89370400440532013000", "Ann"),
            Date::new(9000, 1, 1).unwrap(),
            Frequency::Quarterly,
        ))
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "amount": {"value": "10.00", "currency": "EUR"},
                "recipient": {"iban": "DE89370400440532013000", "name": "Ann"},
                "startDate": "9000-01-01",
                "frequency": "QUARTERLY"
            })
        );
    }

    #[test]
    fn bics_follow_the_pattern() {
        for ok in ["COBADEFF", "COBADEFFXXX", "DEUTDEDB101", "MARKDEF1100"] {
            assert!(is_bic(ok), "{ok}");
        }
        for bad in [
            "COBADEF",
            "COBADEFFX",
            "COBADE1F",
            "COBADEFO",
            "COBADEFFXX1",
            "cobadeff",
        ] {
            assert!(!is_bic(bad), "{bad}");
        }
    }
}
