//! What a key may do: Meilisearch's actions, their wildcards, and which of
//! them only make sense for keys that reach every index.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! actions {
    ($($variant:ident = $name:literal,)*) => {
        /// One action, as API keys list them. Declaration order is Meilisearch's
        /// (its error messages list them in this order), then meili-lite's own.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Action { $($variant,)* }

        impl Action {
            /// Every action, in declaration order.
            pub const EVERY: &'static [Action] = &[$(Action::$variant,)*];

            /// The name keys and error messages use.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }
        }

        impl FromStr for Action {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($name => Ok(Action::$variant),)* _ => Err(()) }
            }
        }
    };
}

actions! {
    All = "*",
    Search = "search",
    DocumentsAll = "documents.*",
    DocumentsAdd = "documents.add",
    DocumentsGet = "documents.get",
    DocumentsDelete = "documents.delete",
    IndexesAll = "indexes.*",
    IndexesCreate = "indexes.create",
    IndexesGet = "indexes.get",
    IndexesUpdate = "indexes.update",
    IndexesDelete = "indexes.delete",
    IndexesSwap = "indexes.swap",
    TasksAll = "tasks.*",
    TasksCancel = "tasks.cancel",
    TasksDelete = "tasks.delete",
    TasksGet = "tasks.get",
    SettingsAll = "settings.*",
    SettingsGet = "settings.get",
    SettingsUpdate = "settings.update",
    StatsAll = "stats.*",
    StatsGet = "stats.get",
    MetricsAll = "metrics.*",
    MetricsGet = "metrics.get",
    DumpsAll = "dumps.*",
    DumpsCreate = "dumps.create",
    SnapshotsAll = "snapshots.*",
    SnapshotsCreate = "snapshots.create",
    Version = "version",
    KeysCreate = "keys.create",
    KeysGet = "keys.get",
    KeysUpdate = "keys.update",
    KeysDelete = "keys.delete",
    ExperimentalGet = "experimental.get",
    ExperimentalUpdate = "experimental.update",
    Export = "export",
    NetworkGet = "network.get",
    NetworkUpdate = "network.update",
    ChatCompletions = "chatCompletions",
    ChatsAll = "chats.*",
    ChatsGet = "chats.get",
    ChatsDelete = "chats.delete",
    ChatsSettingsAll = "chatsSettings.*",
    ChatsSettingsGet = "chatsSettings.get",
    ChatsSettingsUpdate = "chatsSettings.update",
    AllGet = "*.get",
    WebhooksGet = "webhooks.get",
    WebhooksUpdate = "webhooks.update",
    WebhooksDelete = "webhooks.delete",
    WebhooksCreate = "webhooks.create",
    WebhooksAll = "webhooks.*",
    IndexesCompact = "indexes.compact",
    FieldsPost = "fields.post",
    TasksCompact = "tasks.compact",
    DynamicSearchRulesGet = "dynamicSearchRules.get",
    DynamicSearchRulesCreate = "dynamicSearchRules.create",
    DynamicSearchRulesUpdate = "dynamicSearchRules.update",
    DynamicSearchRulesDelete = "dynamicSearchRules.delete",
    DynamicSearchRulesAll = "dynamicSearchRules.*",
    // meili-lite's own routes: staging and deploy, and webhook deliveries.
    StagingAll = "staging.*",
    StagingGet = "staging.get",
    StagingUpdate = "staging.update",
    StagingDeploy = "staging.deploy",
    DeliveriesAll = "deliveries.*",
    DeliveriesGet = "deliveries.get",
    DeliveriesRetry = "deliveries.retry",
}

impl Action {
    /// What holding this action grants. `*` grants everything but `*.get`;
    /// `*.get` every read (not `keys.get`: that would let a read-only key
    /// read the admin keys); `x.*` its members but not itself, as Meilisearch.
    pub fn grants(self) -> Actions {
        use Action as A;
        let members: &[Action] = match self {
            A::All => {
                return Actions(Action::EVERY.iter().filter(|&&a| a != A::AllGet).fold(0, |set, &a| set | a.bit()))
            }
            A::AllGet => return Actions(Action::EVERY.iter().filter(|a| a.is_read()).fold(0, |set, &a| set | a.bit())),
            A::DocumentsAll => &[A::DocumentsAdd, A::DocumentsGet, A::DocumentsDelete],
            A::IndexesAll => &[
                A::IndexesCreate,
                A::IndexesGet,
                A::IndexesUpdate,
                A::IndexesDelete,
                A::IndexesSwap,
                A::IndexesCompact,
            ],
            A::TasksAll => &[A::TasksCancel, A::TasksDelete, A::TasksGet, A::TasksCompact],
            A::SettingsAll => &[A::SettingsGet, A::SettingsUpdate],
            A::StatsAll => &[A::StatsGet],
            A::MetricsAll => &[A::MetricsGet],
            A::DumpsAll => &[A::DumpsCreate],
            A::SnapshotsAll => &[A::SnapshotsCreate],
            A::ChatsAll => &[A::ChatsGet, A::ChatsDelete],
            A::ChatsSettingsAll => &[A::ChatsSettingsGet, A::ChatsSettingsUpdate],
            A::WebhooksAll => &[A::WebhooksGet, A::WebhooksUpdate, A::WebhooksDelete, A::WebhooksCreate],
            A::DynamicSearchRulesAll => &[
                A::DynamicSearchRulesGet,
                A::DynamicSearchRulesCreate,
                A::DynamicSearchRulesUpdate,
                A::DynamicSearchRulesDelete,
            ],
            A::StagingAll => &[A::StagingGet, A::StagingUpdate, A::StagingDeploy],
            A::DeliveriesAll => &[A::DeliveriesGet, A::DeliveriesRetry],
            single => return Actions(single.bit()),
        };
        Actions(members.iter().fold(0, |set, a| set | a.bit()))
    }

    /// Reads, which `*.get` grants.
    fn is_read(self) -> bool {
        use Action as A;
        matches!(
            self,
            A::Search
                | A::DocumentsGet
                | A::Export
                | A::IndexesGet
                | A::TasksGet
                | A::SettingsGet
                | A::StatsGet
                | A::MetricsGet
                | A::Version
                | A::ExperimentalGet
                | A::NetworkGet
                | A::ChatsGet
                | A::ChatsSettingsGet
                | A::WebhooksGet
                | A::FieldsPost
                | A::DynamicSearchRulesGet
                | A::StagingGet
                | A::DeliveriesGet
        )
    }

    /// Actions on the instance as a whole: a key limited to some indexes may
    /// not hold them (Meilisearch's "deny index scope").
    pub fn is_global(self) -> bool {
        use Action as A;
        matches!(
            self,
            A::MetricsAll
                | A::MetricsGet
                | A::DumpsAll
                | A::DumpsCreate
                | A::SnapshotsAll
                | A::SnapshotsCreate
                | A::Version
                | A::KeysCreate
                | A::KeysGet
                | A::KeysUpdate
                | A::KeysDelete
                | A::ExperimentalGet
                | A::ExperimentalUpdate
                | A::Export
                | A::NetworkGet
                | A::NetworkUpdate
                | A::ChatsAll
                | A::ChatsGet
                | A::ChatsDelete
                | A::ChatsSettingsAll
                | A::ChatsSettingsGet
                | A::ChatsSettingsUpdate
                | A::WebhooksGet
                | A::WebhooksUpdate
                | A::WebhooksDelete
                | A::WebhooksCreate
                | A::WebhooksAll
                | A::TasksCompact
                | A::DynamicSearchRulesGet
                | A::DynamicSearchRulesCreate
                | A::DynamicSearchRulesUpdate
                | A::DynamicSearchRulesDelete
                | A::DynamicSearchRulesAll
                | A::DeliveriesAll
                | A::DeliveriesGet
                | A::DeliveriesRetry
        )
    }

    fn bit(self) -> u128 {
        1 << self as u8
    }

    /// `` `*`, `search`, … ``: the list Meilisearch's "expected one of" shows.
    pub fn expected_list() -> String {
        Action::EVERY.iter().map(|a| format!("`{}`", a.name())).collect::<Vec<_>>().join(", ")
    }
}

/// A set of actions: what a key's list grants, wildcards expanded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Actions(u128);

impl Actions {
    pub fn of(list: &[Action]) -> Self {
        Actions(list.iter().fold(0, |set, a| set | a.grants().0))
    }

    pub fn contains(self, action: Action) -> bool {
        self.0 & action.bit() != 0
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(|()| serde::de::Error::custom(format!("unknown action `{name}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_fit_the_set() {
        assert!(Action::EVERY.len() <= 128);
        for &a in Action::EVERY {
            assert_eq!(a.name().parse::<Action>(), Ok(a));
        }
        assert!(Action::expected_list().starts_with("`*`, `search`, `documents.*`, `documents.add`"));
    }

    #[test]
    fn wildcards_expand_as_meilisearch() {
        let all = Actions::of(&[Action::All]);
        assert!(all.contains(Action::DocumentsAll) && all.contains(Action::KeysGet) && !all.contains(Action::AllGet));
        let reads = Actions::of(&[Action::AllGet]);
        assert!(
            reads.contains(Action::Search) && reads.contains(Action::Version) && reads.contains(Action::FieldsPost)
        );
        assert!(!reads.contains(Action::KeysGet) && !reads.contains(Action::ChatCompletions));
        assert!(!reads.contains(Action::DocumentsAdd));
        let docs = Actions::of(&[Action::DocumentsAll]);
        assert!(docs.contains(Action::DocumentsAdd) && !docs.contains(Action::DocumentsAll));
        assert!(!docs.contains(Action::Search));
        let one = Actions::of(&[Action::Search, Action::TasksAll]);
        assert!(one.contains(Action::Search) && one.contains(Action::TasksCompact) && !one.contains(Action::TasksAll));
    }
}
