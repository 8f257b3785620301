//! `client-config get|set` and `admin keyword-rules|iban-rules list|create|delete`.

use std::time::Duration;

use finapi_access_core::types::{
    ClientConfiguration, ClientConfigurationParams, IbanRule, IbanRuleParams, IbanRulesParams,
    KeywordRule, KeywordRuleParams, KeywordRulesParams, Paging, RuleDirection, RuleListQuery,
    SortDirection,
};
use serde_json::json;

use crate::CliError;
use crate::args::{
    ClientConfigCommand, ClientConfigSetArgs, DirectionArg, Global, IbanRulesCommand,
    KeywordRulesCommand, OrderArg, RuleDeleteArgs, RuleListArgs,
};
use crate::commands::{announce, invalid, print_json, server_json};
use crate::target::{self, Target};

fn call(e: &finapi_access_core::Error) -> CliError {
    CliError::call(None, e)
}

fn period(seconds: u64) -> String {
    match seconds {
        0 => "never expire".to_owned(),
        s => format!("{s} s"),
    }
}

fn print_configuration(target: &Target, configuration: &ClientConfiguration, json_out: bool) {
    if json_out {
        print_json(&json!({"server": server_json(target), "configuration": configuration}));
        return;
    }
    let secs = |p: i32| period(u64::try_from(p).unwrap_or(0));
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
    println!(
        "client access tokens        {}",
        secs(configuration.client_access_tokens_validity_period)
    );
    println!(
        "user access tokens          {}",
        secs(configuration.user_access_tokens_validity_period)
    );
    println!(
        "refresh tokens              {}",
        secs(configuration.refresh_tokens_validity_period)
    );
    println!(
        "user auto-verification      {}",
        configuration.is_user_auto_verification_enabled
    );
    println!(
        "failed logins before lock   {}",
        configuration.max_user_login_attempts
    );
    println!(
        "notification callback       {}",
        or_none(&configuration.user_notification_callback_url)
    );
    println!(
        "synchronization callback    {}",
        or_none(&configuration.user_synchronization_callback_url)
    );
    println!(
        "licence                     {}",
        configuration.mandator_license
    );
    println!(
        "mandator admin              {}",
        configuration.is_mandator_admin
    );
    println!(
        "beta banks                  {}",
        configuration.beta_banks_enabled
    );
}

fn edit(args: &ClientConfigSetArgs) -> Result<ClientConfigurationParams, CliError> {
    let mut params = ClientConfigurationParams::new();
    if let Some(s) = args.client_token_validity {
        params = params.client_access_tokens_validity(Duration::from_secs(s));
    }
    if let Some(s) = args.user_token_validity {
        params = params.user_access_tokens_validity(Duration::from_secs(s));
    }
    if let Some(s) = args.refresh_token_validity {
        params = params.refresh_tokens_validity(Duration::from_secs(s));
    }
    if let Some(url) = &args.user_notification_callback_url {
        params = params.user_notification_callback_url(url);
    }
    if let Some(url) = &args.user_synchronization_callback_url {
        params = params.user_synchronization_callback_url(url);
    }
    if let Some(number) = &args.fints_product_registration_number {
        params = params.fin_ts_product_registration_number(number);
    }
    if let Some(enabled) = args.beta_banks {
        params = params.beta_banks_enabled(enabled);
    }
    if params.is_empty() {
        return Err(CliError::config(
            "nothing to change: give at least one option (see client-config set --help)",
        ));
    }
    params.validate().map_err(|e| invalid(&e))?;
    Ok(params)
}

/// `client-config get|set`.
pub(crate) async fn client_config(
    global: &Global,
    command: ClientConfigCommand,
) -> Result<(), CliError> {
    match command {
        ClientConfigCommand::Get { json } => {
            let target = target::resolve(global, false).await?;
            announce(&target, json);
            let configuration = target
                .client
                .client_configuration()
                .await
                .map_err(|e| call(&e))?;
            print_configuration(&target, &configuration, json);
        }
        ClientConfigCommand::Set(args) => {
            let params = edit(&args)?;
            let target = target::resolve(global, false).await?;
            announce(&target, args.json);
            let configuration = target
                .client
                .edit_client_configuration(&params)
                .await
                .map_err(|e| call(&e))?;
            print_configuration(&target, &configuration, args.json);
        }
    }
    Ok(())
}

fn direction(arg: DirectionArg) -> RuleDirection {
    match arg {
        DirectionArg::Income => RuleDirection::Income,
        DirectionArg::Spending => RuleDirection::Spending,
        DirectionArg::Both => RuleDirection::Both,
    }
}

fn list_query(args: &RuleListArgs) -> Result<RuleListQuery, CliError> {
    let query = RuleListQuery::new()
        .page(args.page)
        .per_page(args.per_page)
        .order(match args.order {
            OrderArg::Asc => SortDirection::Ascending,
            OrderArg::Desc => SortDirection::Descending,
        });
    query.validate().map_err(|e| invalid(&e))?;
    Ok(query)
}

fn keyword_line(rule: &KeywordRule) {
    println!(
        "{:>6}  {:<8}  category {} ({})  {}{}",
        rule.id,
        rule.direction.as_str(),
        rule.category.id,
        rule.category.name,
        rule.keywords.join(", "),
        if rule.all_keywords_must_match {
            "  (all must match)"
        } else {
            ""
        }
    );
}

fn iban_line(rule: &IbanRule) {
    println!(
        "{:>6}  {:<8}  category {} ({})  {}",
        rule.id,
        rule.direction.as_str(),
        rule.category.id,
        rule.category.name,
        rule.iban
    );
}

/// Which rules a command works on.
#[derive(Clone, Copy)]
enum Kind {
    Keyword,
    Iban,
}

/// One page of rules, printed as JSON or one line each.
async fn list(global: &Global, kind: Kind, args: RuleListArgs) -> Result<(), CliError> {
    let query = list_query(&args)?;
    let target = target::resolve(global, true).await?;
    announce(&target, args.json);
    let client = &target.client;
    let (paging, page): (Paging, _) = match kind {
        Kind::Keyword => {
            let page = client
                .list_keyword_rules(&query)
                .await
                .map_err(|e| call(&e))?;
            if !args.json {
                page.keyword_rules.iter().for_each(keyword_line);
            }
            (page.paging, json!(page.into_inner()))
        }
        Kind::Iban => {
            let page = client.list_iban_rules(&query).await.map_err(|e| call(&e))?;
            if !args.json {
                page.iban_rules.iter().for_each(iban_line);
            }
            (page.paging, json!(page.into_inner()))
        }
    };
    if args.json {
        print_json(&json!({"server": server_json(&target), "page": page}));
    } else {
        println!(
            "page {} of {} ({} rules)",
            paging.page, paging.page_count, paging.total_count
        );
    }
    Ok(())
}

/// The rules to create, checked.
enum Creation {
    Keyword(KeywordRulesParams),
    Iban(IbanRulesParams),
}

async fn create(global: &Global, creation: Creation, json_out: bool) -> Result<(), CliError> {
    match &creation {
        Creation::Keyword(rules) => rules.validate(),
        Creation::Iban(rules) => rules.validate(),
    }
    .map_err(|e| invalid(&e))?;
    let target = target::resolve(global, true).await?;
    announce(&target, json_out);
    let created = match &creation {
        Creation::Keyword(rules) => {
            let created = target
                .client
                .create_keyword_rules(rules)
                .await
                .map_err(|e| call(&e))?;
            if !json_out {
                created.keyword_rules.iter().for_each(keyword_line);
            }
            json!(created.into_inner())
        }
        Creation::Iban(rules) => {
            let created = target
                .client
                .create_iban_rules(rules)
                .await
                .map_err(|e| call(&e))?;
            if !json_out {
                created.iban_rules.iter().for_each(iban_line);
            }
            json!(created.into_inner())
        }
    };
    if json_out {
        print_json(&json!({"server": server_json(&target), "created": created}));
    }
    Ok(())
}

async fn delete(global: &Global, kind: Kind, args: RuleDeleteArgs) -> Result<(), CliError> {
    let target = target::resolve(global, true).await?;
    announce(&target, args.json);
    let deleted = match kind {
        Kind::Keyword => target.client.delete_keyword_rules(args.ids).await,
        Kind::Iban => target.client.delete_iban_rules(args.ids).await,
    }
    .map_err(|e| call(&e))?;
    if args.json {
        print_json(&json!({"server": server_json(&target), "deleted": deleted.identifiers}));
    } else {
        let ids: Vec<String> = deleted
            .identifiers
            .iter()
            .map(ToString::to_string)
            .collect();
        println!("deleted: {}", ids.join(", "));
    }
    Ok(())
}

/// `admin keyword-rules list|create|delete`.
pub(crate) async fn keyword_rules(
    global: &Global,
    command: KeywordRulesCommand,
) -> Result<(), CliError> {
    match command {
        KeywordRulesCommand::List(args) => list(global, Kind::Keyword, args).await,
        KeywordRulesCommand::Create {
            category_id,
            direction: dir,
            keywords,
            all_must_match,
            json,
        } => {
            let mut rule = KeywordRuleParams::new(category_id, direction(dir), keywords);
            if all_must_match {
                rule = rule.all_must_match();
            }
            let rules = KeywordRulesParams::new(vec![rule]);
            create(global, Creation::Keyword(rules), json).await
        }
        KeywordRulesCommand::Delete(args) => delete(global, Kind::Keyword, args).await,
    }
}

/// `admin iban-rules list|create|delete`.
pub(crate) async fn iban_rules(global: &Global, command: IbanRulesCommand) -> Result<(), CliError> {
    match command {
        IbanRulesCommand::List(args) => list(global, Kind::Iban, args).await,
        IbanRulesCommand::Create {
            iban,
            category_id,
            direction: dir,
            json,
        } => {
            let rule = IbanRuleParams::new(iban, category_id, direction(dir));
            create(
                global,
                Creation::Iban(IbanRulesParams::new(vec![rule])),
                json,
            )
            .await
        }
        IbanRulesCommand::Delete(args) => delete(global, Kind::Iban, args).await,
    }
}
