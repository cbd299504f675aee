//! The audit log: who changed which account or role, when and from where. Every change an admin or an
//! operator makes, and the account holder's own confirmations, resets and changes of address, are written here
//! by the service that makes them, in the same transaction, so none is left without its entry; `/admin/audit`
//! shows the latest. The account's everyday activity ([`AuditAction::ACTIVITY`]: sign-ins, failed sign-ins,
//! tokens, devices signed out) shares the table for the account's own security log (`account::activity`),
//! which alone shows it.

#[cfg(feature = "ssr")]
pub mod actor;
pub mod page;
#[cfg(feature = "ssr")]
pub mod queries;

#[cfg(feature = "ssr")]
pub use actor::Actor;
pub use page::AuditPage;

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// Audit entries shown on `/admin/audit`.
pub const AUDIT_ENTRIES_SHOWN: u32 = 100;

/// What was done. Stored as its snake_case name, which the page shows with spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// An admin or operator activated an account.
    Activate,
    /// An admin or operator deactivated an account, ending its sessions and tokens.
    Deactivate,
    /// A role was granted.
    GrantRole,
    /// A role was revoked.
    RevokeRole,
    /// An operator added a role.
    CreateRole,
    /// An operator created an account.
    CreateUser,
    /// An operator set a user's password.
    SetPassword,
    /// An address was confirmed, by its owner's link or by an operator.
    ConfirmEmail,
    /// The account holder chose a new password through a reset link.
    ResetPassword,
    /// The account holder moved their account to a new address.
    ChangeEmail,
    /// The account holder turned two-factor sign-in on.
    EnableTwoFactor,
    /// Two-factor sign-in was turned off, by the account holder or an operator (`users reset-2fa`).
    DisableTwoFactor,
    /// The account holder made a new set of recovery codes.
    RenewRecoveryCodes,
    /// A recovery code was used in place of an app code.
    UseRecoveryCode,
    /// The account holder added a passkey (its name is the detail).
    AddPasskey,
    /// A passkey was removed, by the account holder or an operator (`users reset-2fa`).
    RemovePasskey,
    /// A passkey answered with a signature counter that went backwards: it may have been cloned. The sign-in
    /// was refused.
    PasskeyCloneWarning,
    /// A sign-in began a session (its device is the detail): by password, passkey or registration.
    SignIn,
    /// A wrong password was given for the account (the device is the detail). The actor is whoever tried.
    SignInFailed,
    /// The account holder changed their password, ending their other sessions.
    ChangePassword,
    /// The account holder created an API token (its name is the detail).
    CreateToken,
    /// The account holder revoked an API token (its name is the detail).
    RevokeToken,
    /// The account holder signed a device out (the device, or how many, is the detail).
    EndSession,
    /// The account was deleted. The entry keeps the account's id and the time, nothing else of it.
    DeleteAccount,
}

impl AuditAction {
    /// What only the account's security log shows (not `/admin/audit`), and the sweeper deletes after
    /// `security_log_days`: the account's everyday activity, not the changes that make an audit trail.
    pub const ACTIVITY: [Self; 5] = [
        Self::SignIn,
        Self::SignInFailed,
        Self::CreateToken,
        Self::RevokeToken,
        Self::EndSession,
    ];

    const ALL: [Self; 24] = [
        Self::Activate,
        Self::Deactivate,
        Self::GrantRole,
        Self::RevokeRole,
        Self::CreateRole,
        Self::CreateUser,
        Self::SetPassword,
        Self::ConfirmEmail,
        Self::ResetPassword,
        Self::ChangeEmail,
        Self::EnableTwoFactor,
        Self::DisableTwoFactor,
        Self::RenewRecoveryCodes,
        Self::UseRecoveryCode,
        Self::AddPasskey,
        Self::RemovePasskey,
        Self::PasskeyCloneWarning,
        Self::SignIn,
        Self::SignInFailed,
        Self::ChangePassword,
        Self::CreateToken,
        Self::RevokeToken,
        Self::EndSession,
        Self::DeleteAccount,
    ];

    /// The name stored in `audit_log.action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::Deactivate => "deactivate",
            Self::GrantRole => "grant_role",
            Self::RevokeRole => "revoke_role",
            Self::CreateRole => "create_role",
            Self::CreateUser => "create_user",
            Self::SetPassword => "set_password",
            Self::ConfirmEmail => "confirm_email",
            Self::ResetPassword => "reset_password",
            Self::ChangeEmail => "change_email",
            Self::EnableTwoFactor => "enable_two_factor",
            Self::DisableTwoFactor => "disable_two_factor",
            Self::RenewRecoveryCodes => "renew_recovery_codes",
            Self::UseRecoveryCode => "use_recovery_code",
            Self::AddPasskey => "add_passkey",
            Self::RemovePasskey => "remove_passkey",
            Self::PasskeyCloneWarning => "passkey_clone_warning",
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::ChangePassword => "change_password",
            Self::CreateToken => "create_token",
            Self::RevokeToken => "revoke_token",
            Self::EndSession => "end_session",
            Self::DeleteAccount => "delete_account",
        }
    }

    /// What happened to the account, as its security log says it.
    pub fn as_event(self) -> &'static str {
        match self {
            Self::Activate => "Account activated",
            Self::Deactivate => "Account deactivated",
            Self::GrantRole => "Role granted",
            Self::RevokeRole => "Role revoked",
            Self::CreateRole => "Role created",
            Self::CreateUser => "Account created",
            Self::SetPassword => "Password set",
            Self::ConfirmEmail => "Email address confirmed",
            Self::ResetPassword => "Password reset by email link",
            Self::ChangeEmail => "Email address changed",
            Self::EnableTwoFactor => "Two-factor sign-in turned on",
            Self::DisableTwoFactor => "Two-factor sign-in turned off",
            Self::RenewRecoveryCodes => "New recovery codes made",
            Self::UseRecoveryCode => "Recovery code used",
            Self::AddPasskey => "Passkey added",
            Self::RemovePasskey => "Passkey removed",
            Self::PasskeyCloneWarning => "Sign-in refused: a passkey may have been copied",
            Self::SignIn => "Signed in",
            Self::SignInFailed => "Failed sign-in: wrong password",
            Self::ChangePassword => "Password changed",
            Self::CreateToken => "API token created",
            Self::RevokeToken => "API token revoked",
            Self::EndSession => "Device signed out",
            Self::DeleteAccount => "Account deleted",
        }
    }

    /// As the page says it: `grant role`.
    pub fn label(self) -> String {
        self.as_str().replace('_', " ")
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl TryFrom<String> for AuditAction {
    type Error = String;

    fn try_from(stored: String) -> Result<Self, Self::Error> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == stored)
            .ok_or_else(|| format!("unknown audit action {stored:?}"))
    }
}

/// One recorded action, as `/admin/audit` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    /// When (RFC 3339, UTC).
    pub at: Timestamp,
    /// The admin's username, `command line (<OS user>)`, or the account holder's username.
    pub actor: String,
    /// What was done.
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub action: AuditAction,
    /// The username acted on, or the role created.
    pub target: String,
    /// The role granted or revoked, if any.
    pub detail: Option<String>,
    /// The actor's client address, if known.
    pub ip: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn every_action_reads_back_as_itself_and_nothing_else_reads() {
        for action in AuditAction::ALL {
            assert_eq!(
                AuditAction::try_from(action.as_str().to_owned()),
                Ok(action)
            );
        }
        assert!(AuditAction::try_from("drop_table".to_owned()).is_err());
        assert_eq!(AuditAction::GrantRole.label(), "grant role");
    }
}
