//! Grafana HTTP API client: folders, teams, service accounts and their tokens, data sources.
//!
//! <https://grafana.com/docs/grafana/latest/developers/http_api/>. Authentication follows the
//! official provider's `auth` setting: `user:password` is basic auth, anything else is a
//! bearer token (service account token or API key).

use base64::Engine;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{BackendError, Call, Http, HttpSettings};

/// A Grafana server and the credentials to talk to it with.
#[derive(Clone, Debug)]
pub struct GrafanaClient {
    http: Http,
    authorization: String,
}

/// A folder.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Folder {
    /// Numeric id.
    pub id: i64,
    /// Uid.
    pub uid: String,
    /// Title.
    pub title: String,
    /// Version, for optimistic locking.
    #[serde(default)]
    pub version: i64,
}

/// A team.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Team {
    /// Numeric id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// A service account.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ServiceAccount {
    /// Numeric id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Organisation role.
    #[serde(default)]
    pub role: String,
}

/// A service account token (its secret key is only returned at creation).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct TokenInfo {
    /// Numeric id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// A freshly minted token with its secret.
pub struct NewToken {
    /// Numeric id.
    pub id: i64,
    /// The secret key; goes to Vault, never to the state or a log.
    pub key: String,
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewToken")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A data source.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct DataSource {
    /// Numeric id.
    pub id: i64,
    /// Uid.
    pub uid: String,
    /// Name.
    pub name: String,
    /// Plugin type (`prometheus`, `loki`…).
    #[serde(rename = "type")]
    pub kind: String,
    /// URL.
    #[serde(default)]
    pub url: String,
}

fn parse_grafana_error(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct Error {
        #[serde(default)]
        message: Option<String>,
        #[serde(default, rename = "messageId")]
        message_id: Option<String>,
    }
    match serde_json::from_slice::<Error>(body) {
        Ok(e) => (e.message, e.message_id),
        Err(_) => (None, None),
    }
}

impl GrafanaClient {
    /// A client for the Grafana at `settings.base_url` with the official provider's `auth`.
    pub fn new(settings: HttpSettings, auth: &str) -> Result<Self, BackendError> {
        let authorization = match auth.split_once(':') {
            Some((user, password)) if !user.is_empty() => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
            _ => format!("Bearer {auth}"),
        };
        Ok(Self {
            http: Http::new(settings, parse_grafana_error)?,
            authorization,
        })
    }

    /// Grafana's URL.
    pub fn url(&self) -> &str {
        self.http.base_url()
    }

    fn call(&self, method: Method, path: &str) -> Call {
        Call::new(method, path).header("authorization", &self.authorization)
    }

    async fn optional<T: serde::de::DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<Option<T>, BackendError> {
        match self.http.send(call).await {
            Ok(reply) => reply.json().map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn delete_optional(&self, path: &str) -> Result<(), BackendError> {
        match self.http.send(self.call(Method::DELETE, path)).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `GET /api/health` (no authentication needed).
    pub async fn health(&self) -> Result<Value, BackendError> {
        self.http
            .send(Call::new(Method::GET, "/api/health"))
            .await?
            .json()
    }

    /// A folder by uid.
    pub async fn folder(&self, uid: &str) -> Result<Option<Folder>, BackendError> {
        self.optional(self.call(Method::GET, &format!("/api/folders/{uid}")))
            .await
    }

    /// Every top-level folder (`GET /api/folders`, read in pages of 1000, Grafana's largest).
    pub async fn folders(&self) -> Result<Vec<Folder>, BackendError> {
        const LIMIT: usize = 1000;
        let mut all = Vec::new();
        for page in 1.. {
            let batch: Vec<Folder> = self
                .http
                .send(
                    self.call(Method::GET, "/api/folders")
                        .query("limit", LIMIT)
                        .query("page", page),
                )
                .await?
                .json()?;
            let done = batch.len() < LIMIT;
            all.extend(batch);
            if done {
                break;
            }
        }
        Ok(all)
    }

    /// Create a folder with a chosen uid.
    pub async fn create_folder(&self, uid: &str, title: &str) -> Result<Folder, BackendError> {
        self.http
            .send(
                self.call(Method::POST, "/api/folders")
                    .json(json!({ "uid": uid, "title": title })),
            )
            .await?
            .json()
    }

    /// Rename a folder (overwriting concurrent changes, as the official provider does).
    pub async fn rename_folder(&self, uid: &str, title: &str) -> Result<Folder, BackendError> {
        self.http
            .send(
                self.call(Method::PUT, &format!("/api/folders/{uid}"))
                    .json(json!({ "title": title, "overwrite": true })),
            )
            .await?
            .json()
    }

    /// Delete a folder; a missing one is fine.
    pub async fn delete_folder(&self, uid: &str) -> Result<(), BackendError> {
        self.delete_optional(&format!("/api/folders/{uid}")).await
    }

    /// Give a team a permission on a folder (1 view, 2 edit, 4 admin); replaces the
    /// folder's permission list with that one entry.
    pub async fn set_folder_team_permission(
        &self,
        uid: &str,
        team_id: i64,
        permission: i64,
    ) -> Result<(), BackendError> {
        self.http
            .send(
                self.call(Method::POST, &format!("/api/folders/{uid}/permissions"))
                    .json(json!({ "items": [{ "teamId": team_id, "permission": permission }] }))
                    .idempotent(true),
            )
            .await
            .map(|_| ())
    }

    /// A team by exact name.
    pub async fn team_by_name(&self, name: &str) -> Result<Option<Team>, BackendError> {
        #[derive(Deserialize)]
        struct Search {
            #[serde(default)]
            teams: Vec<Team>,
        }
        let search: Search = self
            .http
            .send(
                self.call(Method::GET, "/api/teams/search")
                    .query("name", name)
                    .query("perpage", 100),
            )
            .await?
            .json()?;
        Ok(search.teams.into_iter().find(|t| t.name == name))
    }

    /// A team by id.
    pub async fn team(&self, id: i64) -> Result<Option<Team>, BackendError> {
        self.optional(self.call(Method::GET, &format!("/api/teams/{id}")))
            .await
    }

    /// Create a team; returns its id.
    pub async fn create_team(&self, name: &str) -> Result<i64, BackendError> {
        #[derive(Deserialize)]
        struct Created {
            #[serde(rename = "teamId")]
            team_id: i64,
        }
        let created: Created = self
            .http
            .send(
                self.call(Method::POST, "/api/teams")
                    .json(json!({ "name": name })),
            )
            .await?
            .json()?;
        Ok(created.team_id)
    }

    /// Delete a team; a missing one is fine.
    pub async fn delete_team(&self, id: i64) -> Result<(), BackendError> {
        self.delete_optional(&format!("/api/teams/{id}")).await
    }

    /// A service account by exact name.
    pub async fn service_account_by_name(
        &self,
        name: &str,
    ) -> Result<Option<ServiceAccount>, BackendError> {
        #[derive(Deserialize)]
        struct Search {
            #[serde(default, rename = "serviceAccounts")]
            service_accounts: Vec<ServiceAccount>,
        }
        let search: Search = self
            .http
            .send(
                self.call(Method::GET, "/api/serviceaccounts/search")
                    .query("query", name)
                    .query("perpage", 100),
            )
            .await?
            .json()?;
        Ok(search.service_accounts.into_iter().find(|s| s.name == name))
    }

    /// A service account by id.
    pub async fn service_account(&self, id: i64) -> Result<Option<ServiceAccount>, BackendError> {
        self.optional(self.call(Method::GET, &format!("/api/serviceaccounts/{id}")))
            .await
    }

    /// Create a service account with an organisation role.
    pub async fn create_service_account(
        &self,
        name: &str,
        role: &str,
    ) -> Result<ServiceAccount, BackendError> {
        self.http
            .send(
                self.call(Method::POST, "/api/serviceaccounts")
                    .json(json!({ "name": name, "role": role, "isDisabled": false })),
            )
            .await?
            .json()
    }

    /// Delete a service account (and its tokens); a missing one is fine.
    pub async fn delete_service_account(&self, id: i64) -> Result<(), BackendError> {
        self.delete_optional(&format!("/api/serviceaccounts/{id}"))
            .await
    }

    /// The tokens of a service account.
    pub async fn tokens(&self, account: i64) -> Result<Vec<TokenInfo>, BackendError> {
        self.http
            .send(self.call(
                Method::GET,
                &format!("/api/serviceaccounts/{account}/tokens"),
            ))
            .await?
            .json()
    }

    /// Mint a token; its key is only ever returned here.
    pub async fn create_token(&self, account: i64, name: &str) -> Result<NewToken, BackendError> {
        #[derive(Deserialize)]
        struct Created {
            id: i64,
            key: String,
        }
        let created: Created = self
            .http
            .send(
                self.call(
                    Method::POST,
                    &format!("/api/serviceaccounts/{account}/tokens"),
                )
                .json(json!({ "name": name })),
            )
            .await?
            .json()?;
        Ok(NewToken {
            id: created.id,
            key: created.key,
        })
    }

    /// Revoke a token; a missing one is fine.
    pub async fn delete_token(&self, account: i64, token: i64) -> Result<(), BackendError> {
        self.delete_optional(&format!("/api/serviceaccounts/{account}/tokens/{token}"))
            .await
    }

    /// A data source by uid.
    pub async fn datasource(&self, uid: &str) -> Result<Option<DataSource>, BackendError> {
        self.optional(self.call(Method::GET, &format!("/api/datasources/uid/{uid}")))
            .await
    }

    /// Create or update a data source with a chosen uid.
    pub async fn put_datasource(
        &self,
        uid: &str,
        name: &str,
        kind: &str,
        url: &str,
        exists: bool,
    ) -> Result<(), BackendError> {
        let body = json!({ "uid": uid, "name": name, "type": kind, "url": url, "access": "proxy" });
        let call = if exists {
            self.call(Method::PUT, &format!("/api/datasources/uid/{uid}"))
        } else {
            self.call(Method::POST, "/api/datasources")
        };
        self.http.send(call.json(body)).await.map(|_| ())
    }

    /// Delete a data source; a missing one is fine.
    pub async fn delete_datasource(&self, uid: &str) -> Result<(), BackendError> {
        self.delete_optional(&format!("/api/datasources/uid/{uid}"))
            .await
    }
}
