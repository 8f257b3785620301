//! `finapi-access webform ...`: Web Form 2.0 from the command line.

use clap::{Args, Subcommand, ValueEnum};
use finapi_access_core::ApiResponse;
use finapi_webform::types::{
    AccountRef, Amount, Bank, BankConnectionImportDetails, BankConnectionUpdateTaskDetails,
    Callbacks, Counterparty, Currency, Date, DirectDebitOrder, DirectDebitType,
    DirectDebitWithAccountDetails, Frequency, ListQuery, Payer, PaymentOrder,
    PaymentWithAccountDetails, ProfileDetails, SequenceType, SortOrder, StandalonePaymentDetails,
    StandingOrderDetails, Task, TranslationDetails, ValidationError, WebForm,
};
use finapi_webform::{WaitOptions, WebFormClient, WebFormEnvironment};
use futures_util::TryStreamExt;
use serde::Serialize;
use serde_json::json;

use crate::CliError;
use crate::args::{EnvArg, Global};
use crate::commands::{announce, invalid, print_json, server_json, session};
use crate::target::{self, Target};

#[derive(Debug, Subcommand)]
pub(crate) enum WebformCommand {
    /// Create a web form (with the user's token) and print its id and URL.
    #[command(subcommand)]
    Create(Box<CreateCommand>),
    /// Show a web form.
    ///
    /// Example: FINAPI_USER_PASSWORD=... finapi-access --env sandbox webform get --user-id alice --id ID
    Get(ById),
    /// List the user's web forms (one page, or every page with --all).
    ///
    /// Example: FINAPI_USER_PASSWORD=... finapi-access webform list --user-id alice --all --json
    List(ListArgs),
    /// Delete a web form.
    ///
    /// Example: FINAPI_USER_PASSWORD=... finapi-access webform delete --user-id alice --id ID
    Delete(ById),
    /// Poll a web form until it is final (completed, with an error, expired or aborted).
    ///
    /// Example: FINAPI_USER_PASSWORD=... finapi-access webform wait --user-id alice --id ID --timeout 600
    Wait {
        #[command(flatten)]
        form: ById,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 1200)]
        timeout: u64,
    },
    /// Background update tasks (with the user's token).
    #[command(subcommand)]
    Tasks(TasksCommand),
    /// Profiles (with the mandator admin's token: FINAPI_CLIENT_ID/SECRET of that client).
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Translations (with the mandator admin's token).
    #[command(subcommand)]
    Translations(TranslationsCommand),
}

/// The user whose token is used, and the output format.
#[derive(Debug, Args)]
pub(crate) struct UserOpts {
    /// The user id (password from FINAPI_USER_PASSWORD or stdin).
    #[arg(long)]
    user_id: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// One item by id.
#[derive(Debug, Args)]
pub(crate) struct ById {
    #[command(flatten)]
    user: UserOpts,
    /// The id.
    #[arg(long)]
    id: String,
}

/// What every creation takes.
#[derive(Debug, Args)]
pub(crate) struct CommonArgs {
    #[command(flatten)]
    user: UserOpts,
    /// Where the end user lands after the bank's login and SCA (https://).
    #[arg(long, value_name = "URL")]
    redirect_url: Option<String>,
    /// Where finAPI posts when the form is finalised (https://).
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
    /// A profile id instead of the default profile.
    #[arg(long)]
    profile_id: Option<String>,
}

/// A credit transfer's amount and recipient.
#[derive(Debug, Args)]
pub(crate) struct TransferArgs {
    /// The amount in euros, such as 12.34.
    #[arg(long)]
    amount: String,
    /// The recipient's IBAN.
    #[arg(long)]
    recipient_iban: String,
    /// The recipient's name.
    #[arg(long)]
    recipient_name: String,
    /// The purpose text.
    #[arg(long)]
    purpose: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CreateCommand {
    /// A web form where the user connects a bank.
    ///
    /// Example: FINAPI_USER_PASSWORD=... finapi-access webform create bank-connection-import --user-id alice --bank-search DE89370400440532013000
    BankConnectionImport {
        #[command(flatten)]
        common: CommonArgs,
        /// finAPI's bank id.
        #[arg(long, conflicts_with = "bank_search")]
        bank_id: Option<i64>,
        /// A search term (IBAN, BLZ, BIC, bank name or city).
        #[arg(long)]
        bank_search: Option<String>,
        /// A name for the connection.
        #[arg(long)]
        name: Option<String>,
        /// Days of transactions to download (0 to 3650).
        #[arg(long)]
        max_days: Option<i32>,
    },
    /// A web form for credit transfers from any account (EUR).
    ///
    /// Example: finapi-access webform create standalone-payment --user-id alice --amount 12.34 --recipient-iban DE89370400440532013000 --recipient-name "Ann Example"
    StandalonePayment {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        transfer: TransferArgs,
        /// The execution date (YYYY-MM-DD).
        #[arg(long)]
        execution_date: Option<String>,
    },
    /// A web form for credit transfers from an account finAPI knows.
    ///
    /// Example: finapi-access webform create payment-with-account-id --user-id alice --account-id 7 --amount 5 --recipient-iban DE89370400440532013000 --recipient-name Ann
    PaymentWithAccountId {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        transfer: TransferArgs,
        /// The finAPI account id to pay from.
        #[arg(long)]
        account_id: i64,
    },
    /// A web form for a direct debit to an account finAPI knows.
    ///
    /// Example: finapi-access webform create direct-debit-with-account-id --user-id alice --account-id 8 --amount 12 --payer-iban DE89370400440532013000 --payer-name Bob --mandate-id M-1 --mandate-date 2024-01-15 --creditor-id DE98ZZZ09999999999 --execution-date 2030-01-02
    DirectDebitWithAccountId {
        #[command(flatten)]
        common: CommonArgs,
        /// The finAPI account id that receives the money.
        #[arg(long)]
        account_id: i64,
        /// The amount in euros.
        #[arg(long)]
        amount: String,
        /// The payer's IBAN.
        #[arg(long)]
        payer_iban: String,
        /// The payer's name.
        #[arg(long)]
        payer_name: String,
        /// The mandate id.
        #[arg(long)]
        mandate_id: String,
        /// The mandate date (YYYY-MM-DD).
        #[arg(long)]
        mandate_date: String,
        /// The creditor id.
        #[arg(long)]
        creditor_id: String,
        /// The execution date (YYYY-MM-DD).
        #[arg(long)]
        execution_date: String,
        /// The scheme.
        #[arg(long, value_enum, default_value_t = SchemeArg::Basic)]
        direct_debit_type: SchemeArg,
        /// The sequence type.
        #[arg(long, value_enum, default_value_t = SequenceArg::Ooff)]
        sequence_type: SequenceArg,
    },
    /// A web form for a standing order (EUR).
    ///
    /// Example: finapi-access webform create standing-order --user-id alice --amount 25 --recipient-iban DE89370400440532013000 --recipient-name Ann --start-date 2030-01-01 --frequency monthly
    StandingOrder {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        transfer: TransferArgs,
        /// The first execution (YYYY-MM-DD).
        #[arg(long)]
        start_date: String,
        /// The last execution (YYYY-MM-DD).
        #[arg(long)]
        end_date: Option<String>,
        /// How often.
        #[arg(long, value_enum, default_value_t = FrequencyArg::Monthly)]
        frequency: FrequencyArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum SchemeArg {
    /// SEPA core.
    Basic,
    /// Business to business.
    B2b,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum SequenceArg {
    /// One-off.
    Ooff,
    /// First of a series.
    Frst,
    /// Recurring.
    Rcur,
    /// Last of a series.
    Fnal,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum FrequencyArg {
    /// Every month.
    Monthly,
    /// Every two months.
    EveryTwoMonths,
    /// Every three months.
    Quarterly,
    /// Every six months.
    SemiAnnual,
    /// Every year.
    Annual,
}

/// Paging.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    user: UserOpts,
    #[command(flatten)]
    paging: Paging,
}

/// Which page.
#[derive(Debug, Args)]
pub(crate) struct Paging {
    /// The page, from 1.
    #[arg(long, default_value_t = 1)]
    page: i32,
    /// Items per page, 1 to 500.
    #[arg(long, default_value_t = 20)]
    per_page: i32,
    /// Newest first.
    #[arg(long)]
    newest_first: bool,
    /// Every page from --page on.
    #[arg(long)]
    all: bool,
}

impl Paging {
    fn query(&self) -> ListQuery {
        let query = ListQuery::new().page(self.page).per_page(self.per_page);
        if self.newest_first {
            query.order(SortOrder::Descending)
        } else {
            query
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum TasksCommand {
    /// Update a bank connection in the background.
    ///
    /// Example: finapi-access webform tasks create --user-id alice --bank-connection-id 42
    Create {
        #[command(flatten)]
        user: UserOpts,
        /// The bank connection to update.
        #[arg(long)]
        bank_connection_id: i64,
        /// Where the end user lands if a web form is needed (https://).
        #[arg(long, value_name = "URL")]
        redirect_url: Option<String>,
    },
    /// Show a task.
    ///
    /// Example: finapi-access webform tasks get --user-id alice --id ID
    Get(ById),
    /// List the user's tasks.
    ///
    /// Example: finapi-access webform tasks list --user-id alice --all
    List(ListArgs),
}

/// The output format of an admin command.
#[derive(Debug, Args)]
pub(crate) struct AdminOpts {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ProfilesCommand {
    /// Create a profile.
    ///
    /// Example: finapi-access webform profiles create --label Shop --default
    Create {
        #[command(flatten)]
        out: AdminOpts,
        /// The label (unique).
        #[arg(long)]
        label: String,
        /// Make it the default profile.
        #[arg(long)]
        default: bool,
    },
    /// Show a profile.
    ///
    /// Example: finapi-access webform profiles get --id ID
    Get {
        #[command(flatten)]
        out: AdminOpts,
        /// The id.
        #[arg(long)]
        id: String,
    },
    /// List profiles.
    ///
    /// Example: finapi-access webform profiles list --all --json
    List {
        #[command(flatten)]
        out: AdminOpts,
        #[command(flatten)]
        paging: Paging,
    },
    /// Change a profile's label or default flag.
    ///
    /// Example: finapi-access webform profiles update --id ID --label "Shop 2"
    Update {
        #[command(flatten)]
        out: AdminOpts,
        /// The id.
        #[arg(long)]
        id: String,
        /// The new label.
        #[arg(long)]
        label: Option<String>,
        /// Make it the default profile, or not.
        #[arg(long, value_name = "true|false")]
        default: Option<bool>,
    },
    /// Delete a profile.
    ///
    /// Example: finapi-access webform profiles delete --id ID
    Delete {
        #[command(flatten)]
        out: AdminOpts,
        /// The id.
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TranslationsCommand {
    /// Create the translation set from a JSON file (`{"en": {"errorView": {"title": ".."}}}`).
    ///
    /// Example: finapi-access webform translations create --file texts.json
    Create {
        #[command(flatten)]
        out: AdminOpts,
        /// The JSON file.
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Show a translation set.
    ///
    /// Example: finapi-access webform translations get --id ID
    Get {
        #[command(flatten)]
        out: AdminOpts,
        /// The id.
        #[arg(long)]
        id: String,
    },
    /// List translation sets.
    ///
    /// Example: finapi-access webform translations list
    List {
        #[command(flatten)]
        out: AdminOpts,
        #[command(flatten)]
        paging: Paging,
    },
    /// Delete a translation set.
    ///
    /// Example: finapi-access webform translations delete --id ID
    Delete {
        #[command(flatten)]
        out: AdminOpts,
        /// The id.
        #[arg(long)]
        id: String,
    },
}

/// The Web Form host for this command line.
fn webform_client(global: &Global, target: &Target) -> Result<WebFormClient, CliError> {
    let configured = |url: &str| {
        crate::target::base_url("--webform-base-url", url, global.allow_plain_http)
            .map(|url| WebFormClient::new(WebFormEnvironment::Custom(url)))
    };
    match (&global.webform_base_url, global.env, &global.base_url) {
        (Some(url), _, _) => configured(url),
        (None, Some(EnvArg::Live), _) => Ok(WebFormClient::new(WebFormEnvironment::Live)),
        (None, Some(EnvArg::Sandbox), _) => Ok(WebFormClient::new(WebFormEnvironment::Sandbox)),
        // The Access server (a custom one or the embedded emulator) serves Web Form too.
        (None, None, _) => Ok(WebFormClient::new(WebFormEnvironment::Custom(
            target.client.base_url().clone(),
        ))),
    }
}

fn call(error: &finapi_access_core::Error) -> CliError {
    CliError::call(None, error)
}

fn amount(text: &str) -> Result<Amount, CliError> {
    Amount::parse(text, Currency::EUR).map_err(|e| invalid(&e))
}

fn date(field: &'static str, text: &str) -> Result<Date, CliError> {
    Date::parse(text).map_err(|e| invalid(&ValidationError::new(field, e.rule().to_owned())))
}

fn transfer(args: &TransferArgs) -> Result<PaymentOrder, CliError> {
    let mut order = PaymentOrder::new(
        amount(&args.amount)?,
        Counterparty::new(&args.recipient_iban, &args.recipient_name),
    );
    order.purpose.clone_from(&args.purpose);
    Ok(order)
}

fn callbacks(common: &CommonArgs) -> Option<Callbacks> {
    common.callback_url.as_deref().map(Callbacks::finalised)
}

/// Prints one item: JSON (`{"server", "<what>": item, "requestId"}`) or a line.
fn print<T: Serialize>(
    target: &Target,
    json: bool,
    what: &str,
    item: &ApiResponse<T>,
    line: impl std::fmt::Display,
) {
    if json {
        print_json(&json!({
            "server": server_json(target),
            what: serde_json::to_value(item.value()).unwrap_or_default(),
            "requestId": item.request_id().as_str(),
        }));
    } else {
        println!("{line} (request id {})", item.request_id());
    }
}

fn form_line(step: &str, form: &WebForm) -> String {
    format!(
        "{step}: {} {} {} -> {}",
        form.id, form.kind, form.status, form.url
    )
}

fn task_line(step: &str, task: &Task) -> String {
    let form = task
        .payload
        .web_form
        .as_ref()
        .map(|f| format!(", web form {}", f.url))
        .unwrap_or_default();
    format!(
        "{step}: {} {} bank connection {}{form}",
        task.id, task.status, task.payload.bank_connection_id
    )
}

fn print_list<T: Serialize>(
    target: &Target,
    json: bool,
    what: &str,
    items: &[T],
    line: impl Fn(&T) -> String,
) {
    if json {
        print_json(&json!({"server": server_json(target), what: items}));
    } else {
        for item in items {
            println!("{}", line(item));
        }
        println!("{} {what}", items.len());
    }
}

pub(crate) async fn run(global: &Global, command: WebformCommand) -> Result<(), CliError> {
    match command {
        WebformCommand::Profiles(command) => return profiles(global, command).await,
        WebformCommand::Translations(command) => return translations(global, command).await,
        _ => {}
    }
    let target = target::resolve(global, false).await?;
    let client = webform_client(global, &target)?;
    match command {
        WebformCommand::Create(create) => create_form(&target, &client, *create).await,
        WebformCommand::Get(by) => {
            announce(&target, by.user.json);
            let session = session(&target, &by.user.user_id)?;
            let form = client
                .user(&session)
                .get_web_form(&by.id)
                .await
                .map_err(|e| call(&e))?;
            print(
                &target,
                by.user.json,
                "webForm",
                &form,
                form_line("web form", &form),
            );
            Ok(())
        }
        WebformCommand::List(args) => {
            announce(&target, args.user.json);
            let session = session(&target, &args.user.user_id)?;
            let user = client.user(&session);
            let forms: Vec<WebForm> = if args.paging.all {
                user.list_all_web_forms(args.paging.query())
                    .try_collect()
                    .await
            } else {
                user.list_web_forms(&args.paging.query())
                    .await
                    .map(|p| p.into_inner().items)
            }
            .map_err(|e| call(&e))?;
            print_list(&target, args.user.json, "webForms", &forms, |f| {
                form_line("web form", f)
            });
            Ok(())
        }
        WebformCommand::Delete(by) => {
            announce(&target, by.user.json);
            let session = session(&target, &by.user.user_id)?;
            let done = client
                .user(&session)
                .delete_web_form(&by.id)
                .await
                .map_err(|e| call(&e))?;
            let line = format!("deleted web form {}", by.id);
            print(
                &target,
                by.user.json,
                "deleted",
                &done.map(|()| by.id.clone()),
                line,
            );
            Ok(())
        }
        WebformCommand::Wait { form, timeout } => {
            announce(&target, form.user.json);
            let session = session(&target, &form.user.user_id)?;
            let options = WaitOptions::default().deadline(std::time::Duration::from_secs(timeout));
            match client
                .user(&session)
                .wait_for_final_status(&form.id, options)
                .await
            {
                Ok(done) => {
                    if form.user.json {
                        print_json(&json!({"server": server_json(&target), "webForm": done}));
                    } else {
                        println!("{}", form_line("final", &done));
                    }
                    Ok(())
                }
                Err(finapi_webform::WaitError::Call(e)) => Err(call(&e)),
                Err(timed_out) => Err(CliError::call_text(timed_out.to_string())),
            }
        }
        WebformCommand::Tasks(command) => tasks(&target, &client, command).await,
        WebformCommand::Profiles(_) | WebformCommand::Translations(_) => Ok(()),
    }
}

async fn create_form(
    target: &Target,
    client: &WebFormClient,
    create: CreateCommand,
) -> Result<(), CliError> {
    let common = match &create {
        CreateCommand::BankConnectionImport { common, .. }
        | CreateCommand::StandalonePayment { common, .. }
        | CreateCommand::PaymentWithAccountId { common, .. }
        | CreateCommand::DirectDebitWithAccountId { common, .. }
        | CreateCommand::StandingOrder { common, .. } => common,
    };
    announce(target, common.user.json);
    let session = session(target, &common.user.user_id)?;
    let user = client.user(&session);
    let redirect_url = common.redirect_url.clone();
    let profile_id = common.profile_id.clone();
    let result = match &create {
        CreateCommand::BankConnectionImport {
            bank_id,
            bank_search,
            name,
            max_days,
            ..
        } => {
            let bank = match (bank_id, bank_search) {
                (Some(id), _) => Some(Bank::by_id(*id)),
                (None, Some(term)) => Some(Bank::by_search(term)),
                (None, None) => None,
            };
            let details = BankConnectionImportDetails {
                bank,
                bank_connection_name: name.clone(),
                max_days_for_download: *max_days,
                callbacks: callbacks(common),
                profile_id,
                redirect_url,
                ..Default::default()
            };
            user.create_bank_connection_import(&details).await
        }
        CreateCommand::StandalonePayment {
            transfer: t,
            execution_date,
            ..
        } => {
            let mut details = StandalonePaymentDetails::new(vec![transfer(t)?]);
            details.execution_date = execution_date
                .as_deref()
                .map(|d| date("executionDate", d))
                .transpose()?;
            details.callbacks = callbacks(common);
            details.profile_id = profile_id;
            details.redirect_url = redirect_url;
            user.create_standalone_payment(&details).await
        }
        CreateCommand::PaymentWithAccountId {
            transfer: t,
            account_id,
            ..
        } => {
            let mut details = PaymentWithAccountDetails::new(*account_id, vec![transfer(t)?]);
            details.callbacks = callbacks(common);
            details.profile_id = profile_id;
            details.redirect_url = redirect_url;
            user.create_payment_with_account_id(&details).await
        }
        CreateCommand::DirectDebitWithAccountId {
            account_id,
            amount: value,
            payer_iban,
            payer_name,
            mandate_id,
            mandate_date,
            creditor_id,
            execution_date,
            direct_debit_type,
            sequence_type,
            ..
        } => {
            let details = DirectDebitWithAccountDetails {
                receiver: AccountRef {
                    account_id: *account_id,
                },
                orders: vec![DirectDebitOrder {
                    amount: amount(value)?,
                    payer: Payer {
                        iban: payer_iban.clone(),
                        name: payer_name.clone(),
                        bic: None,
                        address: None,
                        country: None,
                    },
                    mandate_id: mandate_id.clone(),
                    mandate_date: date("mandateDate", mandate_date)?,
                    creditor_id: creditor_id.clone(),
                    purpose: None,
                    sepa_purpose_code: None,
                    end_to_end_id: None,
                }],
                execution_date: date("executionDate", execution_date)?,
                direct_debit_type: match direct_debit_type {
                    SchemeArg::Basic => DirectDebitType::Basic,
                    SchemeArg::B2b => DirectDebitType::B2b,
                },
                sequence_type: match sequence_type {
                    SequenceArg::Ooff => SequenceType::Ooff,
                    SequenceArg::Frst => SequenceType::Frst,
                    SequenceArg::Rcur => SequenceType::Rcur,
                    SequenceArg::Fnal => SequenceType::Fnal,
                },
                batch_booking_preferred: None,
                profile_id,
                redirect_url,
                callbacks: callbacks(common),
            };
            user.create_direct_debit_with_account_id(&details).await
        }
        CreateCommand::StandingOrder {
            transfer: t,
            start_date,
            end_date,
            frequency,
            ..
        } => {
            let order = transfer(t)?;
            let mut details = StandingOrderDetails::new(
                order.amount,
                order.recipient,
                date("startDate", start_date)?,
                match frequency {
                    FrequencyArg::Monthly => Frequency::Monthly,
                    FrequencyArg::EveryTwoMonths => Frequency::EveryTwoMonths,
                    FrequencyArg::Quarterly => Frequency::Quarterly,
                    FrequencyArg::SemiAnnual => Frequency::SemiAnnual,
                    FrequencyArg::Annual => Frequency::Annual,
                },
            );
            details.end_date = end_date
                .as_deref()
                .map(|d| date("endDate", d))
                .transpose()?;
            details.purpose = order.purpose;
            details.callbacks = callbacks(common);
            details.profile_id = profile_id;
            details.redirect_url = redirect_url;
            user.create_standing_order(&details).await
        }
    };
    let form = result.map_err(|e| call(&e))?;
    print(
        target,
        common.user.json,
        "webForm",
        &form,
        form_line("created web form", &form),
    );
    Ok(())
}

async fn tasks(
    target: &Target,
    client: &WebFormClient,
    command: TasksCommand,
) -> Result<(), CliError> {
    match command {
        TasksCommand::Create {
            user,
            bank_connection_id,
            redirect_url,
        } => {
            announce(target, user.json);
            let session = session(target, &user.user_id)?;
            let mut details = BankConnectionUpdateTaskDetails::new(bank_connection_id);
            details.redirect_url = redirect_url;
            let task = client
                .user(&session)
                .create_background_update_task(&details)
                .await
                .map_err(|e| call(&e))?;
            print(
                target,
                user.json,
                "task",
                &task,
                task_line("created task", &task),
            );
        }
        TasksCommand::Get(by) => {
            announce(target, by.user.json);
            let session = session(target, &by.user.user_id)?;
            let task = client
                .user(&session)
                .get_task(&by.id)
                .await
                .map_err(|e| call(&e))?;
            print(
                target,
                by.user.json,
                "task",
                &task,
                task_line("task", &task),
            );
        }
        TasksCommand::List(args) => {
            announce(target, args.user.json);
            let session = session(target, &args.user.user_id)?;
            let user = client.user(&session);
            let tasks: Vec<Task> = if args.paging.all {
                user.list_all_tasks(args.paging.query()).try_collect().await
            } else {
                user.list_tasks(&args.paging.query())
                    .await
                    .map(|p| p.into_inner().items)
            }
            .map_err(|e| call(&e))?;
            print_list(target, args.user.json, "tasks", &tasks, |t| {
                task_line("task", t)
            });
        }
    }
    Ok(())
}

async fn profiles(global: &Global, command: ProfilesCommand) -> Result<(), CliError> {
    let target = target::resolve(global, true).await?;
    let client = webform_client(global, &target)?;
    let admin = client.admin(&target.client);
    let line = |p: &finapi_webform::types::Profile| {
        format!(
            "profile {} \"{}\"{}",
            p.id,
            p.label,
            if p.default { " (default)" } else { "" }
        )
    };
    match command {
        ProfilesCommand::Create {
            out,
            label,
            default,
        } => {
            announce(&target, out.json);
            let details = ProfileDetails {
                label: Some(label),
                default: Some(default),
                ..Default::default()
            };
            let profile = admin.create_profile(&details).await.map_err(|e| call(&e))?;
            print(&target, out.json, "profile", &profile, line(&profile));
        }
        ProfilesCommand::Get { out, id } => {
            announce(&target, out.json);
            let profile = admin.get_profile(&id).await.map_err(|e| call(&e))?;
            print(&target, out.json, "profile", &profile, line(&profile));
        }
        ProfilesCommand::List { out, paging } => {
            announce(&target, out.json);
            let profiles: Vec<_> = if paging.all {
                admin.list_all_profiles(paging.query()).try_collect().await
            } else {
                admin
                    .list_profiles(&paging.query())
                    .await
                    .map(|p| p.into_inner().items)
            }
            .map_err(|e| call(&e))?;
            print_list(&target, out.json, "profiles", &profiles, line);
        }
        ProfilesCommand::Update {
            out,
            id,
            label,
            default,
        } => {
            announce(&target, out.json);
            let details = ProfileDetails {
                label,
                default,
                ..Default::default()
            };
            let profile = admin
                .edit_profile(&id, &details)
                .await
                .map_err(|e| call(&e))?;
            print(&target, out.json, "profile", &profile, line(&profile));
        }
        ProfilesCommand::Delete { out, id } => {
            announce(&target, out.json);
            let done = admin.delete_profile(&id).await.map_err(|e| call(&e))?;
            print(
                &target,
                out.json,
                "deleted",
                &done.map(|()| id.clone()),
                format!("deleted profile {id}"),
            );
        }
    }
    Ok(())
}

async fn translations(global: &Global, command: TranslationsCommand) -> Result<(), CliError> {
    let target = target::resolve(global, true).await?;
    let client = webform_client(global, &target)?;
    let admin = client.admin(&target.client);
    let line = |t: &finapi_webform::types::TranslationSet| {
        format!("translation set {} created {}", t.id, t.created_at)
    };
    match command {
        TranslationsCommand::Create { out, file } => {
            announce(&target, out.json);
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::config(format!("could not read {}: {e}", file.display())))?;
            let details: TranslationDetails = serde_json::from_str(&text).map_err(|e| {
                CliError::config(format!("{} is not a translation set: {e}", file.display()))
            })?;
            let set = admin
                .create_translation(&details)
                .await
                .map_err(|e| call(&e))?;
            print(&target, out.json, "translation", &set, line(&set));
        }
        TranslationsCommand::Get { out, id } => {
            announce(&target, out.json);
            let set = admin.get_translation(&id).await.map_err(|e| call(&e))?;
            print(&target, out.json, "translation", &set, line(&set));
        }
        TranslationsCommand::List { out, paging } => {
            announce(&target, out.json);
            let sets = admin
                .list_translations(&paging.query())
                .await
                .map_err(|e| call(&e))?;
            print_list(&target, out.json, "translations", &sets.items, line);
        }
        TranslationsCommand::Delete { out, id } => {
            announce(&target, out.json);
            let done = admin.delete_translation(&id).await.map_err(|e| call(&e))?;
            print(
                &target,
                out.json,
                "deleted",
                &done.map(|()| id.clone()),
                format!("deleted translation set {id}"),
            );
        }
    }
    Ok(())
}

/// `onboard --webform`: a bank connection import form, its address, and the wait for the
/// end user (with a local callback listener on the embedded emulator).
pub(crate) async fn journey(
    global: &Global,
    target: &Target,
    session: &finapi_access_core::UserSession,
    json_out: bool,
) -> Result<(), CliError> {
    let client = webform_client(global, target)?;
    // On the embedded emulator, a local listener receives the finalised callback.
    let listener = match &target.emulator {
        Some(_) => Some(
            tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| {
                    CliError::config(format!("could not open a callback listener: {e}"))
                })?,
        ),
        None => None,
    };
    let callback = match &listener {
        Some(l) => {
            let port = l
                .local_addr()
                .map_err(|e| CliError::config(e.to_string()))?
                .port();
            Some(format!("https://127.0.0.1:{port}/finapi/callback"))
        }
        None => None,
    };
    let received = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    if let Some(listener) = listener {
        let received = std::sync::Arc::clone(&received);
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buffer = vec![0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                received.store(true, std::sync::atomic::Ordering::SeqCst);
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            }
        });
    }
    let details = BankConnectionImportDetails {
        callbacks: callback.as_deref().map(Callbacks::finalised),
        ..Default::default()
    };
    let form = client
        .user(session)
        .create_bank_connection_import(&details)
        .await
        .map_err(|e| CliError::call(Some("web form"), &e))?;
    if !json_out {
        println!(
            "[4/4] web form {} created: open this address in a browser:",
            form.id
        );
        println!("      {}", form.url);
        if target.emulator.is_some() {
            println!("      (emulator test bank login: demo / demo; waiting, Ctrl-C to stop)");
        }
    }
    let user = client.user(session);
    let mut last = form.status.clone();
    let outcome = loop {
        let read = tokio::select! {
            read = user.get_web_form(&form.id) => read.map_err(|e| CliError::call(Some("web form"), &e))?,
            _ = tokio::signal::ctrl_c() => break None,
        };
        if read.status != last && !json_out {
            println!("      status: {}", read.status);
        }
        last = read.status.clone();
        if read.status.is_final() {
            break Some(read.into_inner());
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            _ = tokio::signal::ctrl_c() => break None,
        }
    };
    let Some(done) = outcome else {
        println!("stopped before the web form was final (last status {last})");
        return Ok(());
    };
    // Give the callback a moment to arrive.
    for _ in 0..20 {
        if received.load(std::sync::atomic::Ordering::SeqCst) || callback.is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let callback_note = match &callback {
        Some(_) if received.load(std::sync::atomic::Ordering::SeqCst) => "delivered",
        Some(_) => "not received",
        None => "none registered (status polled)",
    };
    if json_out {
        print_json(&json!({
            "server": server_json(target),
            "webForm": done,
            "callback": callback_note,
        }));
    } else {
        println!(
            "Done: web form {} is {}; bank connection {}; callback {callback_note}",
            done.id,
            done.status,
            done.payload
                .bank_connection_id
                .map_or("none".to_owned(), |id| id.to_string()),
        );
    }
    Ok(())
}
