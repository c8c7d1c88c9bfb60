//! Everything the Grafana emulator holds (one organisation, id 1). Serialised as-is into
//! the inspection document and the state file, so field names are part of the control API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::util::random_alnum;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrafanaState {
    /// The server admin (user id 1, organisation role Admin).
    pub admin: Admin,
    pub folders: Vec<Folder>,
    pub teams: Vec<Team>,
    pub service_accounts: Vec<ServiceAccount>,
    pub datasources: Vec<DataSource>,
    #[serde(default)]
    pub next_ids: NextIds,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Admin {
    pub user: String,
    pub password: String,
}

/// Id counters, kept across deletes like database sequences.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NextIds {
    pub folder: i64,
    pub team: i64,
    /// Users and service accounts share Grafana's user table; the admin is 1.
    pub user: i64,
    pub token: i64,
    pub datasource: i64,
}

impl Default for NextIds {
    fn default() -> Self {
        NextIds {
            folder: 1,
            team: 1,
            user: 2,
            token: 1,
            datasource: 1,
        }
    }
}

impl NextIds {
    pub fn take(counter: &mut i64) -> i64 {
        let id = *counter;
        *counter += 1;
        id
    }
}

/// Organisation roles, ordered by privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    None,
    Viewer,
    Editor,
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "None" => Some(Role::None),
            "Viewer" => Some(Role::Viewer),
            "Editor" => Some(Role::Editor),
            "Admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::None => "None",
            Role::Viewer => "Viewer",
            Role::Editor => "Editor",
            Role::Admin => "Admin",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Folder {
    pub id: i64,
    pub uid: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub parent_uid: Option<String>,
    pub version: i64,
    pub created: String,
    pub updated: String,
    pub created_by: String,
    pub updated_by: String,
    pub permissions: Vec<FolderPermission>,
}

/// One entry of a folder's permission list: exactly one of role, team or user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FolderPermission {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub team_id: Option<i64>,
    #[serde(default)]
    pub user_id: Option<i64>,
    /// 1 View, 2 Edit, 4 Admin.
    pub permission: i64,
    pub created: String,
    pub updated: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Team {
    pub id: i64,
    pub uid: String,
    pub name: String,
    #[serde(default)]
    pub email: String,
    pub created: String,
    pub updated: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceAccount {
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub login: String,
    pub role: Role,
    pub is_disabled: bool,
    pub created: String,
    pub updated: String,
    pub tokens: Vec<ServiceAccountToken>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceAccountToken {
    pub id: i64,
    pub name: String,
    /// The secret (`glsa_...`). Real Grafana keeps only a hash; the sandbox keeps it so
    /// tests can find it in the state.
    pub key: String,
    pub created: String,
    /// Unix seconds; `None` = never expires.
    #[serde(default)]
    pub expires: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataSource {
    pub id: i64,
    pub uid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub access: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub database: String,
    #[serde(default)]
    pub basic_auth: bool,
    #[serde(default)]
    pub basic_auth_user: String,
    #[serde(default)]
    pub with_credentials: bool,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub json_data: Value,
    /// Write-only secrets (`password`, tokens...). Never returned by the API, only their
    /// names as `secureJsonFields`; present here for inspection.
    #[serde(default)]
    pub secure_json_data: BTreeMap<String, String>,
    pub version: i64,
    #[serde(default)]
    pub read_only: bool,
}

impl GrafanaState {
    pub fn new() -> GrafanaState {
        GrafanaState {
            admin: Admin {
                user: "admin".to_string(),
                password: random_alnum(20),
            },
            folders: Vec::new(),
            teams: Vec::new(),
            service_accounts: Vec::new(),
            datasources: Vec::new(),
            next_ids: NextIds::default(),
        }
    }

    /// Back to a fresh state, keeping the admin credentials.
    pub fn reset(&mut self) {
        let admin = self.admin.clone();
        *self = GrafanaState::new();
        self.admin = admin;
    }

    /// Flags win over restored credentials.
    pub fn ensure_admin(&mut self, user: Option<&str>, password: Option<&str>) {
        if let Some(user) = user {
            self.admin.user = user.to_string();
        }
        if let Some(password) = password {
            self.admin.password = password.to_string();
        }
        if self.admin.password.is_empty() {
            self.admin.password = random_alnum(20);
        }
    }

    pub fn folder(&self, uid: &str) -> Option<&Folder> {
        self.folders.iter().find(|f| f.uid == uid)
    }

    pub fn team(&self, id: i64) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }

    pub fn service_account(&self, id: i64) -> Option<&ServiceAccount> {
        self.service_accounts.iter().find(|s| s.id == id)
    }

    pub fn service_account_mut(&mut self, id: i64) -> Option<&mut ServiceAccount> {
        self.service_accounts.iter_mut().find(|s| s.id == id)
    }
}

impl Default for GrafanaState {
    fn default() -> Self {
        GrafanaState::new()
    }
}
