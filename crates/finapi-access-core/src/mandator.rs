//! The client configuration (client token) and the mandator-wide categorisation rules (the
//! mandator admin client's token): thin plans handed to the pipeline.

use finapi_access_types::{
    ClientConfiguration, ClientConfigurationParams, IbanRuleList, IbanRulePage, IbanRulesParams,
    IdentifierList, KeywordRuleList, KeywordRulePage, KeywordRulesParams, RuleIdentifiers,
    RuleListQuery,
};
use http::Method;
use serde::de::DeserializeOwned;

use crate::call::Call;
use crate::client::AccessClient;
use crate::error::Operation;
use crate::pipeline::ApiRequest;

impl AccessClient {
    /// The client's configuration (`GET /clientConfiguration`, client token): token validity
    /// periods, user auto-verification, the failed-login limit, callbacks, licence.
    pub fn client_configuration(&self) -> Call<'_, ClientConfiguration> {
        let path = self.api_version().client_configuration_path();
        self.send(
            ApiRequest::new(Operation::GET_CLIENT_CONFIGURATION, Method::GET, path).json_response(),
        )
    }

    /// Changes the client's configuration (`PATCH /clientConfiguration`, client token) and
    /// returns the new one. New validity periods apply to tokens requested afterwards; the
    /// tokens this client holds keep their expiry. Checked before sending (at least one
    /// field; periods 0 or at least 60 s; callback URLs; the FinTS number).
    pub fn edit_client_configuration(
        &self,
        params: &ClientConfigurationParams,
    ) -> Call<'_, ClientConfiguration> {
        let path = self.api_version().client_configuration_path();
        let request = ApiRequest::new(Operation::EDIT_CLIENT_CONFIGURATION, Method::PATCH, path);
        self.send(
            request
                .checked_json_body(params, params.validate())
                .json_response(),
        )
    }

    fn rules_request(&self, operation: Operation, method: Method, rest: &str) -> ApiRequest<()> {
        let path = format!("{}{rest}", self.api_version().mandator_admin_path());
        ApiRequest::new(operation, method, path)
    }

    fn list_rules<T: DeserializeOwned + Send + 'static>(
        &self,
        operation: Operation,
        rest: &str,
        query: &RuleListQuery,
    ) -> Call<'_, T> {
        let request = self.rules_request(operation, Method::GET, rest);
        let request = request.checked_query(query.to_pairs(), query.validate());
        self.send(request.json_response())
    }

    /// One page of the mandator's keyword rules (`GET /mandatorAdmin/keywordRules`, the
    /// mandator admin client's token).
    pub fn list_keyword_rules(&self, query: &RuleListQuery) -> Call<'_, KeywordRulePage> {
        self.list_rules(Operation::LIST_KEYWORD_RULES, "/keywordRules", query)
    }

    /// Creates keyword rules for all the mandator's users (`POST
    /// /mandatorAdmin/keywordRules`, the mandator admin client's token); a `Both` rule comes
    /// back as two. finAPI answers 404 for an unknown category and 422 `ENTITY_EXISTS` when
    /// a rule exists already. Checked before sending.
    pub fn create_keyword_rules(&self, rules: &KeywordRulesParams) -> Call<'_, KeywordRuleList> {
        let request = self.rules_request(
            Operation::CREATE_KEYWORD_RULES,
            Method::POST,
            "/keywordRules",
        );
        self.send(
            request
                .checked_json_body(rules, rules.validate())
                .json_response(),
        )
    }

    /// Deletes keyword rules (`POST /mandatorAdmin/keywordRules/delete`, the mandator admin
    /// client's token) and returns the ids deleted; 404 if one is unknown.
    pub fn delete_keyword_rules(&self, ids: Vec<i64>) -> Call<'_, IdentifierList> {
        let request = self.rules_request(
            Operation::DELETE_KEYWORD_RULES,
            Method::POST,
            "/keywordRules/delete",
        );
        self.send(
            request
                .json_body(&RuleIdentifiers::new(ids))
                .json_response(),
        )
    }

    /// One page of the mandator's IBAN rules (`GET /mandatorAdmin/ibanRules`, the mandator
    /// admin client's token).
    pub fn list_iban_rules(&self, query: &RuleListQuery) -> Call<'_, IbanRulePage> {
        self.list_rules(Operation::LIST_IBAN_RULES, "/ibanRules", query)
    }

    /// Creates IBAN rules for all the mandator's users (`POST /mandatorAdmin/ibanRules`, the
    /// mandator admin client's token); a `Both` rule comes back as two. finAPI answers 404
    /// for an unknown category and 422 `ENTITY_EXISTS` when a rule exists already. Checked
    /// before sending (including each IBAN's check digits).
    pub fn create_iban_rules(&self, rules: &IbanRulesParams) -> Call<'_, IbanRuleList> {
        let request = self.rules_request(Operation::CREATE_IBAN_RULES, Method::POST, "/ibanRules");
        self.send(
            request
                .checked_json_body(rules, rules.validate())
                .json_response(),
        )
    }

    /// Deletes IBAN rules (`POST /mandatorAdmin/ibanRules/delete`, the mandator admin
    /// client's token) and returns the ids deleted; 404 if one is unknown.
    pub fn delete_iban_rules(&self, ids: Vec<i64>) -> Call<'_, IdentifierList> {
        let request = self.rules_request(
            Operation::DELETE_IBAN_RULES,
            Method::POST,
            "/ibanRules/delete",
        );
        self.send(
            request
                .json_body(&RuleIdentifiers::new(ids))
                .json_response(),
        )
    }
}
