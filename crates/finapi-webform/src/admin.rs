//! Profiles and translations, with the mandator admin's client token.

use finapi_access_core::{AccessClient, Call};
use finapi_webform_types::{
    ListQuery, Page, Profile, ProfileDetails, TranslationDetails, TranslationSet,
};
use futures_util::stream::BoxStream;
use http::Method;

use crate::Error;
use crate::client::{WebFormClient, all_pages, operations as op, with_body, with_query};

/// The mandator administration of Web Form 2.0: profiles and translations, authorised with
/// the mandator admin client's token. From [`WebFormClient::admin`].
#[derive(Debug, Clone, Copy)]
pub struct Admin<'a> {
    client: &'a WebFormClient,
    access: &'a AccessClient,
}

impl<'a> Admin<'a> {
    pub(crate) fn new(client: &'a WebFormClient, access: &'a AccessClient) -> Self {
        Self { client, access }
    }

    /// Creates a profile (`POST /api/profiles`, 201); 422 `ENTITY_EXISTS` for a label in use
    /// or a second default profile.
    pub fn create_profile(&self, details: &ProfileDetails) -> Call<'a, Profile> {
        let request = self
            .client
            .request(op::CREATE_PROFILE, Method::POST, "/api/profiles");
        self.access
            .send(with_body(request, details, ProfileDetails::validate_create).json_response())
    }

    /// A profile by id (`GET /api/profiles/{id}`).
    pub fn get_profile(&self, id: &str) -> Call<'a, Profile> {
        let request = self
            .client
            .by_id(op::GET_PROFILE, Method::GET, "/api/profiles", id);
        self.access.send(request.json_response())
    }

    /// One page of profiles (`GET /api/profiles`).
    pub fn list_profiles(&self, query: &ListQuery) -> Call<'a, Page<Profile>> {
        let request = self
            .client
            .request(op::LIST_PROFILES, Method::GET, "/api/profiles");
        self.access
            .send(with_query(request, query, true).json_response())
    }

    /// Every profile, page after page.
    pub fn list_all_profiles(&self, query: ListQuery) -> BoxStream<'a, Result<Profile, Error>> {
        let this = *self;
        all_pages(query, move |q| this.list_profiles(&q))
    }

    /// Edits a profile (`PATCH /api/profiles/{id}`; finAPI answers 201).
    pub fn edit_profile(&self, id: &str, details: &ProfileDetails) -> Call<'a, Profile> {
        let request = self
            .client
            .by_id(op::EDIT_PROFILE, Method::PATCH, "/api/profiles", id);
        self.access
            .send(with_body(request, details, ProfileDetails::validate_edit).json_response())
    }

    /// Deletes a profile (`DELETE /api/profiles/{id}`).
    pub fn delete_profile(&self, id: &str) -> Call<'a, ()> {
        let request = self
            .client
            .by_id(op::DELETE_PROFILE, Method::DELETE, "/api/profiles", id);
        self.access.send(request)
    }

    /// Creates the translation set (`POST /api/translations`, beta); 422 `ENTITY_EXISTS` when
    /// one exists.
    pub fn create_translation(&self, details: &TranslationDetails) -> Call<'a, TranslationSet> {
        let request =
            self.client
                .request(op::CREATE_TRANSLATION, Method::POST, "/api/translations");
        self.access
            .send(with_body(request, details, TranslationDetails::validate).json_response())
    }

    /// A translation set by id (`GET /api/translations/{id}`).
    pub fn get_translation(&self, id: &str) -> Call<'a, TranslationSet> {
        let request = self
            .client
            .by_id(op::GET_TRANSLATION, Method::GET, "/api/translations", id);
        self.access.send(request.json_response())
    }

    /// One page of translation sets (`GET /api/translations`; no order parameter).
    pub fn list_translations(&self, query: &ListQuery) -> Call<'a, Page<TranslationSet>> {
        let request = self
            .client
            .request(op::LIST_TRANSLATIONS, Method::GET, "/api/translations");
        self.access
            .send(with_query(request, query, false).json_response())
    }

    /// Deletes a translation set (`DELETE /api/translations/{id}`).
    pub fn delete_translation(&self, id: &str) -> Call<'a, ()> {
        let request = self.client.by_id(
            op::DELETE_TRANSLATION,
            Method::DELETE,
            "/api/translations",
            id,
        );
        self.access.send(request)
    }
}
