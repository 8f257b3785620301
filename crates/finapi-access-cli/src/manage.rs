//! `users update|delete|verify|status|request-password-change|execute-password-change` and
//! `admin users list|delete`.

use finapi_access_core::types::{
    Email, ExecutePasswordChangeParams, Password, PasswordChangeToken, Phone, SortDirection,
    UserId, UserInfo, UserListQuery, UserUpdateParams,
};
use futures_util::TryStreamExt;
use serde_json::json;

use crate::CliError;
use crate::args::{AdminUsersCommand, Global, ListArgs, OrderArg, UserRef, UsersCommand};
use crate::commands::{
    PASSWORD_VAR, announce, from_env_or_stdin, invalid, print_json, print_user, server_json,
    session,
};
use crate::target;

const TOKEN_VAR: &str = "FINAPI_PASSWORD_CHANGE_TOKEN";

fn user_id(user: &UserRef) -> Result<UserId, CliError> {
    UserId::new(user.user_id.as_str()).map_err(|e| invalid(&e))
}

fn done(target: &target::Target, user: &UserRef, what: &str, request_id: &str) {
    if user.json {
        print_json(&json!({"server": server_json(target), "result": {
            "step": what, "userId": user.user_id, "requestId": request_id,
        }}));
    } else {
        println!(
            "{what:<24} ok  user {}  (request id {request_id})",
            user.user_id
        );
    }
}

pub(crate) async fn users(global: &Global, command: UsersCommand) -> Result<(), CliError> {
    let call = |e: &finapi_access_core::Error| CliError::call(None, e);
    match command {
        UsersCommand::Create(args) => crate::commands::users_create(global, &args).await?,
        UsersCommand::Get(user) => crate::commands::users_get(global, &user).await?,
        UsersCommand::Update {
            user,
            email,
            phone,
            auto_update,
        } => {
            let mut edit = UserUpdateParams::new();
            if let Some(email) = email {
                edit = edit.email(Email::new(email).map_err(|e| invalid(&e))?);
            }
            if let Some(phone) = phone {
                edit = edit.phone(Phone::new(phone).map_err(|e| invalid(&e))?);
            }
            if let Some(auto_update) = auto_update {
                edit = edit.auto_update(auto_update);
            }
            edit.validate().map_err(|_| {
                CliError::config("nothing to change: give --email, --phone or --auto-update")
            })?;
            let target = target::resolve(global, false).await?;
            announce(&target, user.json);
            let session = session(&target, &user.user_id)?;
            let updated = session.update_user(&edit).await.map_err(|e| call(&e))?;
            print_user(&target, "update user", &updated, user.json);
        }
        UsersCommand::Delete { user, unverified } => {
            let target = target::resolve(global, false).await?;
            announce(&target, user.json);
            let answer = if unverified {
                target.client.delete_unverified_user(&user_id(&user)?).await
            } else {
                session(&target, &user.user_id)?.delete_user().await
            }
            .map_err(|e| call(&e))?;
            done(&target, &user, "delete user", answer.request_id().as_str());
        }
        UsersCommand::Verify(user) => {
            let target = target::resolve(global, false).await?;
            announce(&target, user.json);
            let answer = target
                .client
                .verify_user(&user_id(&user)?)
                .await
                .map_err(|e| call(&e))?;
            done(&target, &user, "verify user", answer.request_id().as_str());
        }
        UsersCommand::Status(user) => {
            let target = target::resolve(global, false).await?;
            announce(&target, user.json);
            let status = target
                .client
                .verification_status(&user_id(&user)?)
                .await
                .map_err(|e| call(&e))?;
            if user.json {
                print_json(&json!({"server": server_json(&target), "status": {
                    "userId": status.user_id, "isUserVerified": status.is_user_verified,
                    "requestId": status.request_id().as_str(),
                }}));
            } else {
                let verified = if status.is_user_verified {
                    "verified"
                } else {
                    "not verified"
                };
                println!(
                    "user {} is {verified}  (request id {})",
                    status.user_id,
                    status.request_id()
                );
            }
        }
        UsersCommand::RequestPasswordChange(user) => {
            let target = target::resolve(global, false).await?;
            announce(&target, user.json);
            let answer = target
                .client
                .request_password_change(&user_id(&user)?)
                .await
                .map_err(|e| call(&e))?;
            let encrypted = answer.password_change_token.expose_secret();
            if user.json {
                print_json(&json!({"server": server_json(&target), "passwordChange": {
                    "userId": answer.user_id,
                    "encryptedUserEmail": answer.user_email,
                    "encryptedPasswordChangeToken": encrypted,
                    "requestId": answer.request_id().as_str(),
                }}));
            } else {
                println!(
                    "password change requested for {}  (request id {})",
                    answer.user_id,
                    answer.request_id()
                );
                println!("encrypted token: {encrypted}");
                println!(
                    "Decrypt it with your client's data decryption key, then run users execute-password-change with {TOKEN_VAR} set."
                );
            }
        }
        UsersCommand::ExecutePasswordChange(user) => {
            let token = from_env_or_stdin(TOKEN_VAR, "decrypted password change token: ")?;
            let token = PasswordChangeToken::new(token).map_err(|e| invalid(&e))?;
            let password = from_env_or_stdin(PASSWORD_VAR, "new password: ")?;
            let password = Password::new(password).map_err(|e| invalid(&e))?;
            let params = ExecutePasswordChangeParams::new(user_id(&user)?, password, token);
            let target = target::resolve(global, false).await?;
            announce(&target, user.json);
            let answer = target
                .client
                .execute_password_change(&params)
                .await
                .map_err(|e| call(&e))?;
            done(
                &target,
                &user,
                "execute password change",
                answer.request_id().as_str(),
            );
        }
    }
    Ok(())
}

fn list_query(args: &ListArgs) -> Result<UserListQuery, CliError> {
    let mut query = UserListQuery::new()
        .page(args.page)
        .and_then(|q| q.per_page(args.per_page))
        .and_then(|q| {
            q.registered_between(
                args.registered_from.as_deref(),
                args.registered_to.as_deref(),
            )
        })
        .map_err(|e| invalid(&e))?
        .order_by_user_id(match args.order {
            OrderArg::Asc => SortDirection::Ascending,
            OrderArg::Desc => SortDirection::Descending,
        });
    if let Some(id) = &args.user_id {
        query = query.user_id(&UserId::new(id.as_str()).map_err(|e| invalid(&e))?);
    }
    if let Some(deleted) = args.deleted {
        query = query.deleted(deleted);
    }
    if let Some(locked) = args.locked {
        query = query.locked(locked);
    }
    Ok(query)
}

fn user_info_json(user: &UserInfo) -> serde_json::Value {
    json!({
        "userId": user.user_id,
        "registrationDate": user.registration_date,
        "deletionDate": user.deletion_date,
        "lastActiveDate": user.last_active_date,
        "bankConnectionCount": user.bank_connection_count,
        "isLocked": user.is_locked,
    })
}

pub(crate) async fn admin_users(
    global: &Global,
    command: AdminUsersCommand,
) -> Result<(), CliError> {
    let call = |e: &finapi_access_core::Error| CliError::call(None, e);
    match command {
        AdminUsersCommand::List(args) => {
            let query = list_query(&args)?;
            let target = target::resolve(global, true).await?;
            announce(&target, args.json);
            let (users, paging) = if args.all {
                let users: Vec<UserInfo> = target
                    .client
                    .list_all_users(query)
                    .try_collect()
                    .await
                    .map_err(|e| call(&e))?;
                (users, None)
            } else {
                let page = target
                    .client
                    .list_users(&query)
                    .await
                    .map_err(|e| call(&e))?
                    .into_inner();
                (page.users, Some(page.paging))
            };
            if args.json {
                let paging = paging.map(|p| json!({
                    "page": p.page, "perPage": p.per_page, "pageCount": p.page_count, "totalCount": p.total_count,
                }));
                let users: Vec<_> = users.iter().map(user_info_json).collect();
                print_json(
                    &json!({"server": server_json(&target), "users": users, "paging": paging}),
                );
            } else {
                for user in &users {
                    println!(
                        "{:<36}  registered {}  {}{}",
                        user.user_id,
                        user.registration_date,
                        user.deletion_date
                            .as_deref()
                            .map(|d| format!("deleted {d}  "))
                            .unwrap_or_default(),
                        if user.is_locked { "locked" } else { "" }
                    );
                }
                match paging {
                    Some(p) => println!(
                        "page {} of {} ({} users)",
                        p.page, p.page_count, p.total_count
                    ),
                    None => println!("{} users", users.len()),
                }
            }
        }
        AdminUsersCommand::Delete { user_ids, json } => {
            let ids = user_ids
                .iter()
                .map(|id| UserId::new(id.as_str()).map_err(|e| invalid(&e)))
                .collect::<Result<Vec<_>, _>>()?;
            let target = target::resolve(global, true).await?;
            announce(&target, json);
            let result = target
                .client
                .delete_users(ids)
                .await
                .map_err(|e| call(&e))?;
            if json {
                print_json(&json!({"server": server_json(&target), "result": {
                    "deletedUsers": result.deleted_users,
                    "nonDeletedUsers": result.non_deleted_users,
                    "requestId": result.request_id().as_str(),
                }}));
            } else {
                println!("deleted: {}", result.deleted_users.join(", "));
                println!(
                    "not deleted (busy): {}",
                    result.non_deleted_users.join(", ")
                );
                println!("(request id {})", result.request_id());
            }
        }
    }
    Ok(())
}
