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

fn print_paging(paging: &Paging) {
    println!(
        "page {} of {} ({} rules)",
        paging.page, paging.page_count, paging.total_count
    );
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

fn print_deleted(target: &Target, ids: &[i64], json_out: bool) {
    if json_out {
        print_json(&json!({"server": server_json(target), "deleted": ids}));
    } else {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        println!("deleted: {}", ids.join(", "));
    }
}

/// `admin keyword-rules list|create|delete`.
pub(crate) async fn keyword_rules(
    global: &Global,
    command: KeywordRulesCommand,
) -> Result<(), CliError> {
    match command {
        KeywordRulesCommand::List(args) => {
            let query = list_query(&args)?;
            let target = target::resolve(global, true).await?;
            announce(&target, args.json);
            let page = target
                .client
                .list_keyword_rules(&query)
                .await
                .map_err(|e| call(&e))?
                .into_inner();
            if args.json {
                print_json(&json!({"server": server_json(&target), "page": page}));
            } else {
                page.keyword_rules.iter().for_each(keyword_line);
                print_paging(&page.paging);
            }
        }
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
            rules.validate().map_err(|e| invalid(&e))?;
            let target = target::resolve(global, true).await?;
            announce(&target, json);
            let created = target
                .client
                .create_keyword_rules(&rules)
                .await
                .map_err(|e| call(&e))?
                .into_inner();
            if json {
                print_json(&json!({"server": server_json(&target), "created": created}));
            } else {
                created.keyword_rules.iter().for_each(keyword_line);
            }
        }
        KeywordRulesCommand::Delete(RuleDeleteArgs { ids, json }) => {
            let target = target::resolve(global, true).await?;
            announce(&target, json);
            let deleted = target
                .client
                .delete_keyword_rules(ids)
                .await
                .map_err(|e| call(&e))?;
            print_deleted(&target, &deleted.identifiers, json);
        }
    }
    Ok(())
}

/// `admin iban-rules list|create|delete`.
pub(crate) async fn iban_rules(global: &Global, command: IbanRulesCommand) -> Result<(), CliError> {
    match command {
        IbanRulesCommand::List(args) => {
            let query = list_query(&args)?;
            let target = target::resolve(global, true).await?;
            announce(&target, args.json);
            let page = target
                .client
                .list_iban_rules(&query)
                .await
                .map_err(|e| call(&e))?
                .into_inner();
            if args.json {
                print_json(&json!({"server": server_json(&target), "page": page}));
            } else {
                page.iban_rules.iter().for_each(iban_line);
                print_paging(&page.paging);
            }
        }
        IbanRulesCommand::Create {
            iban,
            category_id,
            direction: dir,
            json,
        } => {
            let rules =
                IbanRulesParams::new(vec![IbanRuleParams::new(iban, category_id, direction(dir))]);
            rules.validate().map_err(|e| invalid(&e))?;
            let target = target::resolve(global, true).await?;
            announce(&target, json);
            let created = target
                .client
                .create_iban_rules(&rules)
                .await
                .map_err(|e| call(&e))?
                .into_inner();
            if json {
                print_json(&json!({"server": server_json(&target), "created": created}));
            } else {
                created.iban_rules.iter().for_each(iban_line);
            }
        }
        IbanRulesCommand::Delete(RuleDeleteArgs { ids, json }) => {
            let target = target::resolve(global, true).await?;
            announce(&target, json);
            let deleted = target
                .client
                .delete_iban_rules(ids)
                .await
                .map_err(|e| call(&e))?;
            print_deleted(&target, &deleted.identifiers, json);
        }
    }
    Ok(())
}
